//! Fault injection for tests: `POST /__sandbox/faults {"route", "fault", "times"}` arms a fault
//! for the next `times` requests that reach a route (with valid credentials). The registry is
//! keyed by a route name and a fault kind so both lists can grow (latency, 429, malformed JSON,
//! TeamUp routes …) without changing the hooks; today only contract §3's names exist.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::state::Sandbox;

/// A route faults can be injected into, named as in the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FaultRoute {
    /// `POST /uelz/purchases`
    UelzPurchasesCreate,
    /// `GET /uelz/plans` and `GET /uelz/plans/:id`
    UelzPlans,
    /// `GET /uelz/coupons`
    UelzCoupons,
}

impl FaultRoute {
    pub const ALL: [FaultRoute; 3] = [
        FaultRoute::UelzPurchasesCreate,
        FaultRoute::UelzPlans,
        FaultRoute::UelzCoupons,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FaultRoute::UelzPurchasesCreate => "uelz.purchases.create",
            FaultRoute::UelzPlans => "uelz.plans",
            FaultRoute::UelzCoupons => "uelz.coupons",
        }
    }

    pub fn parse(s: &str) -> Option<FaultRoute> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for FaultRoute {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happens to a matching request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fault {
    /// Do the work (e.g. create the purchase), then close the connection without a response.
    DropAfterActing,
    /// Close the connection without doing anything or answering.
    DropBeforeActing,
    /// Answer 503 in the route's error shape without doing anything.
    Status503,
}

impl Fault {
    pub const ALL: [Fault; 3] = [
        Fault::DropAfterActing,
        Fault::DropBeforeActing,
        Fault::Status503,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Fault::DropAfterActing => "drop_after_acting",
            Fault::DropBeforeActing => "drop_before_acting",
            Fault::Status503 => "status_503",
        }
    }

    pub fn parse(s: &str) -> Option<Fault> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Armed {
    route: FaultRoute,
    fault: Fault,
    remaining: u32,
}

/// Armed faults, first armed first used (per route).
#[derive(Debug, Default)]
pub(crate) struct FaultRegistry {
    armed: Vec<Armed>,
}

impl FaultRegistry {
    pub fn arm(&mut self, route: FaultRoute, fault: Fault, times: u32) {
        if times > 0 {
            self.armed.push(Armed {
                route,
                fault,
                remaining: times,
            });
        }
    }

    /// The fault the next request to `route` suffers, counting it down.
    pub fn take(&mut self, route: FaultRoute) -> Option<Fault> {
        let i = self.armed.iter().position(|a| a.route == route)?;
        let fault = self.armed[i].fault;
        self.armed[i].remaining -= 1;
        if self.armed[i].remaining == 0 {
            self.armed.remove(i);
        }
        Some(fault)
    }

    pub fn clear(&mut self) -> usize {
        let n = self.armed.len();
        self.armed.clear();
        n
    }

    pub fn to_json(&self) -> Value {
        Value::Array(
            self.armed
                .iter()
                .map(|a| json!({"route": a.route.as_str(), "fault": a.fault.as_str(), "times": a.remaining}))
                .collect(),
        )
    }
}

/// Marks a response whose connection is dropped on purpose, for the request log.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Dropped(pub FaultRoute, pub Fault);

/// A body that fails at once: hyper then closes the connection without having sent the
/// buffered status line, so the client sees a connection error, not a response.
struct AbortBody;

impl HttpBody for AbortBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "sandbox fault injection: connection dropped",
        ))))
    }
}

fn dropped(route: FaultRoute, fault: Fault) -> Response {
    let mut resp = Response::new(Body::new(AbortBody));
    resp.extensions_mut().insert(Dropped(route, fault));
    resp
}

fn unavailable(route: FaultRoute) -> Response {
    match route {
        FaultRoute::UelzPurchasesCreate | FaultRoute::UelzPlans | FaultRoute::UelzCoupons => {
            crate::uelz::UelzError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "service_unavailable",
                "The service is temporarily unavailable. Try again later.",
            )
            .into_response()
        }
    }
}

/// Runs `act` (the handler's real work) unless a fault is armed for `route`.
pub(crate) fn guard(sb: &Sandbox, route: FaultRoute, act: impl FnOnce() -> Response) -> Response {
    match sb.take_fault(route) {
        None => act(),
        Some(Fault::DropBeforeActing) => dropped(route, Fault::DropBeforeActing),
        Some(Fault::Status503) => unavailable(route),
        Some(Fault::DropAfterActing) => {
            drop(act());
            dropped(route, Fault::DropAfterActing)
        }
    }
}

pub(crate) fn routes() -> Router<Sandbox> {
    Router::new().route("/__sandbox/faults", get(list).post(arm).delete(clear))
}

fn hook_error(message: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": "invalid_fault", "message": message.into()})),
    )
        .into_response()
}

async fn list(State(sb): State<Sandbox>) -> Json<Value> {
    Json(sb.lock_faults().to_json())
}

/// `{"route": …, "fault": …, "times": 1}` (times defaults to 1) → 201 with every armed fault.
async fn arm(State(sb): State<Sandbox>, headers: HeaderMap, body: Bytes) -> Response {
    let json_ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if !json_ct {
        return hook_error("Send JSON with Content-Type: application/json");
    }
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&body) else {
        return hook_error("The body must be a JSON object {\"route\", \"fault\", \"times\"}");
    };
    let names = |all: Vec<&str>| all.join(", ");
    let route = match body
        .get("route")
        .and_then(Value::as_str)
        .and_then(FaultRoute::parse)
    {
        Some(r) => r,
        None => {
            return hook_error(format!(
                "route must be one of: {}",
                names(FaultRoute::ALL.iter().map(|r| r.as_str()).collect())
            ))
        }
    };
    let fault = match body
        .get("fault")
        .and_then(Value::as_str)
        .and_then(Fault::parse)
    {
        Some(f) => f,
        None => {
            return hook_error(format!(
                "fault must be one of: {}",
                names(Fault::ALL.iter().map(|f| f.as_str()).collect())
            ))
        }
    };
    let times = match body.get("times") {
        None | Some(Value::Null) => 1,
        Some(v) => match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
            Some(n) if n >= 1 => n,
            _ => return hook_error("times must be a whole number of at least 1"),
        },
    };
    let mut faults = sb.lock_faults();
    faults.arm(route, fault, times);
    (StatusCode::CREATED, Json(faults.to_json())).into_response()
}

async fn clear(State(sb): State<Sandbox>) -> Json<Value> {
    let n = sb.lock_faults().clear();
    Json(json!({"cleared": n}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for r in FaultRoute::ALL {
            assert_eq!(FaultRoute::parse(r.as_str()), Some(r));
        }
        for f in Fault::ALL {
            assert_eq!(Fault::parse(f.as_str()), Some(f));
        }
        assert_eq!(FaultRoute::parse("uelz.purchase"), None);
        assert_eq!(Fault::parse("status_500"), None);
    }

    #[test]
    fn faults_count_down_per_route_in_order() {
        let mut reg = FaultRegistry::default();
        reg.arm(FaultRoute::UelzPlans, Fault::Status503, 2);
        reg.arm(FaultRoute::UelzPlans, Fault::DropBeforeActing, 1);
        reg.arm(FaultRoute::UelzCoupons, Fault::DropAfterActing, 0);
        assert_eq!(
            reg.take(FaultRoute::UelzCoupons),
            None,
            "times 0 arms nothing"
        );
        assert_eq!(reg.take(FaultRoute::UelzPurchasesCreate), None);
        assert_eq!(reg.take(FaultRoute::UelzPlans), Some(Fault::Status503));
        assert_eq!(reg.take(FaultRoute::UelzPlans), Some(Fault::Status503));
        assert_eq!(
            reg.take(FaultRoute::UelzPlans),
            Some(Fault::DropBeforeActing)
        );
        assert_eq!(reg.take(FaultRoute::UelzPlans), None);
        reg.arm(FaultRoute::UelzCoupons, Fault::Status503, 5);
        assert_eq!(reg.clear(), 1);
        assert_eq!(reg.take(FaultRoute::UelzCoupons), None);
    }
}
