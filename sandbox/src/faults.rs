//! Fault injection for tests and benchmarks. A fault is armed for a route name (or `*`, every API
//! route) with a count (`times`, 0 = until cleared) and options (`ms`, `retry_after`):
//! `POST /__sandbox/faults`, the `--fault ROUTE=FAULT[,times=N][,ms=N][,retry_after=N]` flag, or
//! `Sandbox::inject_fault*` in the library. Every API route carries a small middleware that,
//! when something is armed for it, first runs the route's own credential check (a request that
//! fails it passes through untouched and uses nothing up), then takes the fault and applies it.
//!
//! Which armed fault a request suffers: faults armed for its own route name come before faults
//! armed for `*`; within each, the first armed is used first.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use tokio::time::Sleep;

use crate::api::ApiError;
use crate::state::Sandbox;
use crate::uelz::UelzError;

/// A route faults can be injected into, named as in the contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FaultRoute {
    /// `POST /uelz/purchases`
    UelzPurchasesCreate,
    /// `GET /uelz/plans` and `GET /uelz/plans/:id`
    UelzPlans,
    /// `GET /uelz/coupons`
    UelzCoupons,
    /// `GET /uelz/customers` and `POST /uelz/customers`
    UelzCustomers,
    /// `GET /api/v2/auth/profiles`
    TeamupProfiles,
    /// `GET /api/v2/memberships` and `GET /api/v2/memberships/:id`
    TeamupMemberships,
    /// `GET /api/v2/membership_payment_plans` and `GET /api/v2/membership_payment_plans/:id`
    TeamupPlans,
    /// `GET /api/v2/events` and `GET /api/v2/events/:id`
    TeamupEvents,
    /// `GET /api/v2/slots` and `GET /api/v2/slots/:id`
    TeamupSlots,
    /// `POST /api/v2/memberships/:id/initiate_purchase`
    TeamupInitiatePurchase,
    /// `*`: every API route above plus `GET /api/v2/providers/:id` and `GET /uelz/purchases/:id`
    /// (not the payment pages, not the test hooks, not 404/405 answers).
    Any,
}

impl FaultRoute {
    pub const ALL: [FaultRoute; 11] = [
        FaultRoute::UelzPurchasesCreate,
        FaultRoute::UelzPlans,
        FaultRoute::UelzCoupons,
        FaultRoute::UelzCustomers,
        FaultRoute::TeamupProfiles,
        FaultRoute::TeamupMemberships,
        FaultRoute::TeamupPlans,
        FaultRoute::TeamupEvents,
        FaultRoute::TeamupSlots,
        FaultRoute::TeamupInitiatePurchase,
        FaultRoute::Any,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FaultRoute::UelzPurchasesCreate => "uelz.purchases.create",
            FaultRoute::UelzPlans => "uelz.plans",
            FaultRoute::UelzCoupons => "uelz.coupons",
            FaultRoute::UelzCustomers => "uelz.customers",
            FaultRoute::TeamupProfiles => "teamup.profiles",
            FaultRoute::TeamupMemberships => "teamup.memberships",
            FaultRoute::TeamupPlans => "teamup.plans",
            FaultRoute::TeamupEvents => "teamup.events",
            FaultRoute::TeamupSlots => "teamup.slots",
            FaultRoute::TeamupInitiatePurchase => "teamup.initiate_purchase",
            FaultRoute::Any => "*",
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
    /// Wait `ms` (default 1000), then handle the request normally.
    Latency,
    /// 429 in the API's error shape with `Retry-After: <retry_after>` (default 1); nothing is done.
    Status429,
    /// 500 in the API's error shape; nothing is done.
    Status500,
    /// 502 in the API's error shape; nothing is done.
    Status502,
    /// 503 in the API's error shape (`Retry-After` when `retry_after` is given); nothing is done.
    Status503,
    /// 504 in the API's error shape; nothing is done.
    Status504,
    /// 200 `application/json` whose body is cut-off JSON; nothing is done.
    MalformedJson,
    /// The request is handled, then its answer is sent with the full `Content-Length` but only
    /// half the bytes, and the connection is closed.
    TruncatedBody,
    /// 200 `text/html` with an HTML login page (a captive portal); nothing is done.
    WrongContentType,
    /// Close the connection without doing anything or answering.
    DropBeforeActing,
    /// Do the work (e.g. create the purchase), then close the connection without a response.
    DropAfterActing,
    /// The request is handled and its JSON answer padded to about 10 MB (a huge `"padding"`
    /// string field in an object; leading whitespace otherwise), streamed.
    HugeBody,
    /// The request is handled and its answer sent 8 bytes at a time, `ms` (default 200) apart.
    SlowTrickle,
}

impl Fault {
    pub const ALL: [Fault; 13] = [
        Fault::Latency,
        Fault::Status429,
        Fault::Status500,
        Fault::Status502,
        Fault::Status503,
        Fault::Status504,
        Fault::MalformedJson,
        Fault::TruncatedBody,
        Fault::WrongContentType,
        Fault::DropBeforeActing,
        Fault::DropAfterActing,
        Fault::HugeBody,
        Fault::SlowTrickle,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Fault::Latency => "latency",
            Fault::Status429 => "status_429",
            Fault::Status500 => "status_500",
            Fault::Status502 => "status_502",
            Fault::Status503 => "status_503",
            Fault::Status504 => "status_504",
            Fault::MalformedJson => "malformed_json",
            Fault::TruncatedBody => "truncated_body",
            Fault::WrongContentType => "wrong_content_type",
            Fault::DropBeforeActing => "drop_before_acting",
            Fault::DropAfterActing => "drop_after_acting",
            Fault::HugeBody => "huge_body",
            Fault::SlowTrickle => "slow_trickle",
        }
    }

    pub fn parse(s: &str) -> Option<Fault> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// Whether the route's real work is done (a purchase created) before the fault shows.
    pub fn acts(self) -> bool {
        matches!(
            self,
            Fault::Latency
                | Fault::TruncatedBody
                | Fault::DropAfterActing
                | Fault::HugeBody
                | Fault::SlowTrickle
        )
    }

    fn takes_ms(self) -> bool {
        matches!(self, Fault::Latency | Fault::SlowTrickle)
    }

    fn takes_retry_after(self) -> bool {
        matches!(self, Fault::Status429 | Fault::Status503)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Default wait of `latency`.
pub const DEFAULT_LATENCY_MS: u64 = 1000;
/// Default gap between the chunks of `slow_trickle`.
pub const DEFAULT_TRICKLE_MS: u64 = 200;
/// Bytes per chunk of `slow_trickle`.
pub const TRICKLE_CHUNK: usize = 8;
/// Default `Retry-After` of `status_429`, in seconds.
pub const DEFAULT_RETRY_AFTER: u64 = 1;
/// Size of `huge_body`'s padding.
pub const HUGE_BODY_PADDING: usize = 10 * 1024 * 1024;
/// Largest `ms` accepted (10 minutes).
pub const MAX_MS: u64 = 600_000;
/// Largest `retry_after` accepted (1 day).
pub const MAX_RETRY_AFTER: u64 = 86_400;

/// How often and how a fault applies.
///
/// ```
/// use checkout_sandbox::FaultOptions;
/// let o = FaultOptions::times(0).ms(50); // every request until cleared, 50 ms
/// assert_eq!((o.times, o.ms, o.retry_after), (0, Some(50), None));
/// assert_eq!(FaultOptions::default().times, 1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultOptions {
    /// How many matching requests suffer it; 0 = every one until cleared.
    pub times: u32,
    /// `latency`: the wait; `slow_trickle`: the gap between chunks (milliseconds).
    pub ms: Option<u64>,
    /// `status_429`/`status_503`: the `Retry-After` header (seconds).
    pub retry_after: Option<u64>,
}

impl Default for FaultOptions {
    /// Once, no options.
    fn default() -> Self {
        FaultOptions::times(1)
    }
}

impl FaultOptions {
    pub fn times(times: u32) -> Self {
        FaultOptions {
            times,
            ms: None,
            retry_after: None,
        }
    }

    pub fn ms(mut self, ms: u64) -> Self {
        self.ms = Some(ms);
        self
    }

    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }
}

/// One armed fault: route, kind and options, checked for consistency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultSpec {
    pub route: FaultRoute,
    pub fault: Fault,
    pub options: FaultOptions,
}

fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> String {
    all.iter().map(|x| name(*x)).collect::<Vec<_>>().join(", ")
}

impl FaultSpec {
    /// Refuses `ms` on faults other than `latency`/`slow_trickle`, `retry_after` on faults
    /// other than `status_429`/`status_503`, and values above the limits.
    pub fn new(route: FaultRoute, fault: Fault, options: FaultOptions) -> Result<Self, String> {
        if let Some(ms) = options.ms {
            if !fault.takes_ms() {
                return Err(format!(
                    "ms only applies to latency and slow_trickle, not {fault}"
                ));
            }
            if ms > MAX_MS {
                return Err(format!("ms must be at most {MAX_MS}"));
            }
        }
        if let Some(ra) = options.retry_after {
            if !fault.takes_retry_after() {
                return Err(format!(
                    "retry_after only applies to status_429 and status_503, not {fault}"
                ));
            }
            if ra > MAX_RETRY_AFTER {
                return Err(format!("retry_after must be at most {MAX_RETRY_AFTER}"));
            }
        }
        Ok(FaultSpec {
            route,
            fault,
            options,
        })
    }

    /// By names, e.g. `("teamup.events", "latency", FaultOptions::times(2).ms(300))`.
    pub fn from_names(route: &str, fault: &str, options: FaultOptions) -> Result<Self, String> {
        let r = FaultRoute::parse(route).ok_or_else(|| {
            format!(
                "unknown route {route:?}; route must be one of: {}",
                names(&FaultRoute::ALL, FaultRoute::as_str)
            )
        })?;
        let f = Fault::parse(fault).ok_or_else(|| {
            format!(
                "unknown fault {fault:?}; fault must be one of: {}",
                names(&Fault::ALL, Fault::as_str)
            )
        })?;
        FaultSpec::new(r, f, options)
    }
}

/// The `--fault` syntax: `ROUTE=FAULT[,times=N][,ms=N][,retry_after=N]`, times defaulting to 0
/// (always), e.g. `*=latency,ms=50` or `uelz.purchases.create=status_503,times=2,retry_after=5`.
impl FromStr for FaultSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let mut parts = s.split(',').map(str::trim);
        let head = parts.next().unwrap_or_default();
        let (route, fault) = head
            .split_once('=')
            .ok_or_else(|| format!("{s:?} is not ROUTE=FAULT[,times=N][,ms=N][,retry_after=N]"))?;
        let mut options = FaultOptions::times(0);
        for part in parts {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| format!("{part:?} is not key=number"))?;
            let n: u64 = value
                .trim()
                .parse()
                .map_err(|_| format!("{key}: {value:?} is not a whole number"))?;
            match key.trim() {
                "times" => {
                    options.times =
                        u32::try_from(n).map_err(|_| format!("times {n} is too large"))?
                }
                "ms" => options.ms = Some(n),
                "retry_after" => options.retry_after = Some(n),
                other => {
                    return Err(format!(
                        "unknown option {other:?}; options are times, ms, retry_after"
                    ))
                }
            }
        }
        FaultSpec::from_names(route.trim(), fault.trim(), options)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Armed {
    spec: FaultSpec,
    /// `None`: until cleared.
    remaining: Option<u32>,
}

/// What one request suffers, with its options resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Taken {
    pub fault: Fault,
    pub ms: u64,
    pub retry_after: Option<u64>,
}

/// Armed faults in arming order.
#[derive(Debug, Default)]
pub(crate) struct FaultRegistry {
    armed: Vec<Armed>,
}

impl FaultRegistry {
    pub fn arm(&mut self, spec: FaultSpec) {
        self.armed.push(Armed {
            spec,
            remaining: (spec.options.times > 0).then_some(spec.options.times),
        });
    }

    fn position(&self, route: FaultRoute) -> Option<usize> {
        let own = (route != FaultRoute::Any)
            .then(|| self.armed.iter().position(|a| a.spec.route == route))
            .flatten();
        own.or_else(|| {
            self.armed
                .iter()
                .position(|a| a.spec.route == FaultRoute::Any)
        })
    }

    pub fn is_armed_for(&self, route: FaultRoute) -> bool {
        !self.armed.is_empty() && self.position(route).is_some()
    }

    /// The fault the next request to `route` suffers, counting it down. Routes without a name
    /// of their own pass `FaultRoute::Any`.
    pub fn take(&mut self, route: FaultRoute) -> Option<Taken> {
        let i = self.position(route)?;
        let spec = self.armed[i].spec;
        if let Some(n) = &mut self.armed[i].remaining {
            *n -= 1;
            if *n == 0 {
                self.armed.remove(i);
            }
        }
        let fault = spec.fault;
        Some(Taken {
            fault,
            ms: spec.options.ms.unwrap_or(match fault {
                Fault::SlowTrickle => DEFAULT_TRICKLE_MS,
                _ => DEFAULT_LATENCY_MS,
            }),
            retry_after: match fault {
                Fault::Status429 => Some(spec.options.retry_after.unwrap_or(DEFAULT_RETRY_AFTER)),
                _ => spec.options.retry_after,
            },
        })
    }

    pub fn clear(&mut self) -> usize {
        let n = self.armed.len();
        self.armed.clear();
        n
    }

    /// `[{"route", "fault", "times" (left; 0 = until cleared), "ms"?, "retry_after"?}]`
    pub fn to_json(&self) -> Value {
        Value::Array(
            self.armed
                .iter()
                .map(|a| {
                    let mut o = json!({
                        "route": a.spec.route.as_str(),
                        "fault": a.spec.fault.as_str(),
                        "times": a.remaining.unwrap_or(0),
                    });
                    if let Some(ms) = a.spec.options.ms {
                        o["ms"] = json!(ms);
                    }
                    if let Some(ra) = a.spec.options.retry_after {
                        o["retry_after"] = json!(ra);
                    }
                    o
                })
                .collect(),
        )
    }
}

// ---- applying faults ------------------------------------------------------------------------

/// Marks a response shaped by a fault, for the request log.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Faulted {
    pub route: FaultRoute,
    pub fault: Fault,
}

/// Which API's error envelope a route speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Api {
    TeamUp,
    Uelz,
}

#[derive(Clone)]
pub(crate) struct Site {
    sb: Sandbox,
    route: FaultRoute,
    api: Api,
}

/// Wraps a route's handlers (not its 405 fallback) so faults armed for `route` (or `*`) apply
/// once the extractor `A` (the route's own credential check) accepts the request.
pub(crate) fn faulty<A>(
    sb: &Sandbox,
    route: FaultRoute,
    api: Api,
    handlers: MethodRouter<Sandbox>,
) -> MethodRouter<Sandbox>
where
    A: FromRequestParts<Sandbox> + Send + 'static,
{
    let site = Site {
        sb: sb.clone(),
        route,
        api,
    };
    handlers.route_layer(middleware::from_fn_with_state(site, intercept::<A>))
}

async fn intercept<A>(State(site): State<Site>, req: Request, next: Next) -> Response
where
    A: FromRequestParts<Sandbox> + Send + 'static,
{
    if !site.sb.lock_faults().is_armed_for(site.route) {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    let authed = A::from_request_parts(&mut parts, &site.sb).await.is_ok();
    let req = Request::from_parts(parts, body);
    if !authed {
        return next.run(req).await;
    }
    let Some(taken) = site.sb.take_fault(site.route) else {
        return next.run(req).await;
    };
    let mut resp = apply(&site, taken, req, next).await;
    resp.extensions_mut().insert(Faulted {
        route: site.route,
        fault: taken.fault,
    });
    resp
}

async fn apply(site: &Site, taken: Taken, req: Request, next: Next) -> Response {
    match taken.fault {
        Fault::Latency => {
            tokio::time::sleep(Duration::from_millis(taken.ms)).await;
            next.run(req).await
        }
        Fault::Status429 => error(site.api, StatusCode::TOO_MANY_REQUESTS, taken.retry_after),
        Fault::Status500 => error(site.api, StatusCode::INTERNAL_SERVER_ERROR, None),
        Fault::Status502 => error(site.api, StatusCode::BAD_GATEWAY, None),
        Fault::Status503 => error(site.api, StatusCode::SERVICE_UNAVAILABLE, taken.retry_after),
        Fault::Status504 => error(site.api, StatusCode::GATEWAY_TIMEOUT, None),
        Fault::MalformedJson => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            MALFORMED_JSON,
        )
            .into_response(),
        Fault::WrongContentType => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            CAPTIVE_PORTAL,
        )
            .into_response(),
        Fault::DropBeforeActing => dropped(),
        Fault::DropAfterActing => {
            drop(next.run(req).await);
            dropped()
        }
        Fault::TruncatedBody => {
            let (head, body) = real_answer(next.run(req).await).await;
            let declared = body.len().max(1);
            let sent = body.slice(..body.len() / 2);
            scripted(
                head,
                declared,
                vec![
                    Step::Data(sent),
                    // Let hyper flush what was sent before the connection is cut.
                    Step::Wait(Duration::from_millis(50)),
                    Step::Abort,
                ],
            )
        }
        Fault::HugeBody => {
            let (head, body) = real_answer(next.run(req).await).await;
            let (prefix, rest): (&'static [u8], Bytes) = match body.first() {
                Some(b'{') if body.len() >= 2 => {
                    let inner_empty = body[1..body.len() - 1].iter().all(u8::is_ascii_whitespace);
                    if inner_empty {
                        (b"{\"padding\":\"", Bytes::from_static(b"\"}"))
                    } else {
                        let mut r = b"\",".to_vec();
                        r.extend_from_slice(&body[1..]);
                        (b"{\"padding\":\"", Bytes::from(r))
                    }
                }
                _ => (b"", body),
            };
            let pad: &'static [u8] = if prefix.is_empty() { &SPACES } else { &XS };
            let chunks = HUGE_BODY_PADDING / PAD_CHUNK;
            let total = prefix.len() + chunks * PAD_CHUNK + rest.len();
            scripted(
                head,
                total,
                vec![
                    Step::Data(Bytes::from_static(prefix)),
                    Step::Repeat(Bytes::from_static(pad), chunks),
                    Step::Data(rest),
                ],
            )
        }
        Fault::SlowTrickle => {
            let (head, body) = real_answer(next.run(req).await).await;
            let gap = Duration::from_millis(taken.ms);
            let mut steps = Vec::new();
            let mut i = 0;
            while i < body.len() {
                if i > 0 {
                    steps.push(Step::Wait(gap));
                }
                let end = (i + TRICKLE_CHUNK).min(body.len());
                steps.push(Step::Data(body.slice(i..end)));
                i = end;
            }
            scripted(head, body.len(), steps)
        }
    }
}

/// A cut-off list page: valid JSON up to the point where the body ends.
pub const MALFORMED_JSON: &str = "{\"results\": [{\"id\": 1,";

/// What a captive portal or a misconfigured proxy answers instead of the API.
pub const CAPTIVE_PORTAL: &str =
    "<!DOCTYPE html>\n<html><head><title>Sign in to the network</title></head>\n\
<body><h1>Welcome to Guest Wi-Fi</h1><p>Please accept the terms of use to continue.</p>\n\
<form method=\"post\" action=\"/login\"><button>Accept and connect</button></form></body></html>\n";

const PAD_CHUNK: usize = 64 * 1024;
static XS: [u8; PAD_CHUNK] = [b'x'; PAD_CHUNK];
static SPACES: [u8; PAD_CHUNK] = [b' '; PAD_CHUNK];

/// 429/5xx in the route's error envelope, with `Retry-After` when given.
fn error(api: Api, status: StatusCode, retry_after: Option<u64>) -> Response {
    let mut resp = match api {
        Api::TeamUp => {
            let (code, message) = match status {
                StatusCode::TOO_MANY_REQUESTS => (
                    "throttled",
                    format!(
                        "Request was throttled. Expected available in {} seconds.",
                        retry_after.unwrap_or(DEFAULT_RETRY_AFTER)
                    ),
                ),
                StatusCode::INTERNAL_SERVER_ERROR => {
                    ("server_error", "A server error occurred.".to_string())
                }
                StatusCode::BAD_GATEWAY => ("bad_gateway", "Bad gateway.".to_string()),
                StatusCode::GATEWAY_TIMEOUT => ("gateway_timeout", "Gateway timeout.".to_string()),
                _ => (
                    "service_unavailable",
                    "Service temporarily unavailable, try again later.".to_string(),
                ),
            };
            let mut e = ApiError::new(status, code, message);
            e.kind = if status == StatusCode::TOO_MANY_REQUESTS {
                "rate_limit_error"
            } else {
                "api_error"
            };
            e.into_response()
        }
        Api::Uelz => {
            let (code, message) = match status {
                StatusCode::TOO_MANY_REQUESTS => (
                    "rate_limited",
                    "Too many requests. Retry after the time in the Retry-After header.",
                ),
                StatusCode::INTERNAL_SERVER_ERROR => {
                    ("internal_error", "An internal error occurred.")
                }
                StatusCode::BAD_GATEWAY => ("bad_gateway", "Bad gateway."),
                StatusCode::GATEWAY_TIMEOUT => ("gateway_timeout", "Gateway timeout."),
                _ => (
                    "service_unavailable",
                    "The service is temporarily unavailable. Try again later.",
                ),
            };
            UelzError::new(status, code, message).into_response()
        }
    };
    if let Some(secs) = retry_after {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    resp
}

/// The handler's answer, buffered: its status and headers (minus the length) and its body.
async fn real_answer(resp: Response) -> (Response<()>, Bytes) {
    let (mut parts, body) = resp.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    (Response::from_parts(parts, ()), bytes)
}

/// `head` with `Content-Length: declared` and a body that plays `steps`.
fn scripted(head: Response<()>, declared: usize, steps: Vec<Step>) -> Response {
    let (parts, ()) = head.into_parts();
    let mut resp = Response::from_parts(
        parts,
        Body::new(Script {
            steps: steps.into(),
            sleep: None,
        }),
    );
    resp.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(declared));
    resp
}

enum Step {
    Data(Bytes),
    /// The same chunk this many times.
    Repeat(Bytes, usize),
    Wait(Duration),
    /// Fail the body: hyper closes the connection.
    Abort,
}

/// A streamed body following a script. Its size is unknown to hyper, so the `Content-Length`
/// header set by `scripted` is what the client is promised.
struct Script {
    steps: VecDeque<Step>,
    sleep: Option<Pin<Box<Sleep>>>,
}

impl HttpBody for Script {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        loop {
            if let Some(sleep) = self.sleep.as_mut() {
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                self.sleep = None;
            }
            match self.steps.pop_front() {
                None => return Poll::Ready(None),
                Some(Step::Data(b)) if b.is_empty() => continue,
                Some(Step::Data(b)) => return Poll::Ready(Some(Ok(http_body::Frame::data(b)))),
                Some(Step::Repeat(b, n)) => {
                    if n == 0 {
                        continue;
                    }
                    if n > 1 {
                        self.steps.push_front(Step::Repeat(b.clone(), n - 1));
                    }
                    return Poll::Ready(Some(Ok(http_body::Frame::data(b))));
                }
                Some(Step::Wait(d)) => self.sleep = Some(Box::pin(tokio::time::sleep(d))),
                Some(Step::Abort) => return Poll::Ready(Some(Err(aborted()))),
            }
        }
    }
}

fn aborted() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::ConnectionAborted,
        "sandbox fault injection: connection dropped",
    )
}

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
        Poll::Ready(Some(Err(aborted())))
    }
}

/// Marks a response whose connection is dropped on purpose, for the request log.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Dropped;

fn dropped() -> Response {
    let mut resp = Response::new(Body::new(AbortBody));
    resp.extensions_mut().insert(Dropped);
    resp
}

// ---- the hooks ------------------------------------------------------------------------------

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

fn number(body: &Map<String, Value>, key: &str) -> Result<Option<u64>, String> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| format!("{key} must be a whole number ≥ 0")),
    }
}

/// `{"route", "fault", "times"?: 1, "ms"?, "retry_after"?}` → 201 with every armed fault.
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
        return hook_error(
            "The body must be a JSON object {\"route\", \"fault\", \"times\", \"ms\", \"retry_after\"}",
        );
    };
    let spec = (|| {
        let route = body.get("route").and_then(Value::as_str).unwrap_or("");
        let fault = body.get("fault").and_then(Value::as_str).unwrap_or("");
        let times = match number(&body, "times")? {
            None => 1,
            Some(n) => u32::try_from(n).map_err(|_| "times is too large".to_string())?,
        };
        let options = FaultOptions {
            times,
            ms: number(&body, "ms")?,
            retry_after: number(&body, "retry_after")?,
        };
        FaultSpec::from_names(route, fault, options)
    })();
    match spec {
        Ok(spec) => {
            let mut faults = sb.lock_faults();
            faults.arm(spec);
            (StatusCode::CREATED, Json(faults.to_json())).into_response()
        }
        Err(e) => hook_error(e),
    }
}

async fn clear(State(sb): State<Sandbox>) -> Json<Value> {
    let n = sb.lock_faults().clear();
    Json(json!({"cleared": n}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(route: FaultRoute, fault: Fault, times: u32) -> FaultSpec {
        FaultSpec::new(route, fault, FaultOptions::times(times)).unwrap()
    }

    #[test]
    fn names_round_trip() {
        for r in FaultRoute::ALL {
            assert_eq!(FaultRoute::parse(r.as_str()), Some(r));
        }
        for f in Fault::ALL {
            assert_eq!(Fault::parse(f.as_str()), Some(f));
        }
        assert_eq!(FaultRoute::parse("uelz.purchase"), None);
        assert_eq!(Fault::parse("status_501"), None);
    }

    #[test]
    fn faults_count_down_per_route_in_order() {
        use FaultRoute::*;
        let mut reg = FaultRegistry::default();
        reg.arm(spec(UelzPlans, Fault::Status503, 2));
        reg.arm(spec(UelzPlans, Fault::DropBeforeActing, 1));
        assert_eq!(reg.take(UelzCoupons), None);
        assert_eq!(reg.take(UelzPlans).unwrap().fault, Fault::Status503);
        assert_eq!(reg.take(UelzPlans).unwrap().fault, Fault::Status503);
        assert_eq!(reg.take(UelzPlans).unwrap().fault, Fault::DropBeforeActing);
        assert_eq!(reg.take(UelzPlans), None);
        reg.arm(spec(UelzCoupons, Fault::Status503, 5));
        assert_eq!(reg.clear(), 1);
        assert_eq!(reg.take(UelzCoupons), None);
    }

    #[test]
    fn times_zero_is_forever_and_own_route_beats_star() {
        use FaultRoute::*;
        let mut reg = FaultRegistry::default();
        reg.arm(spec(Any, Fault::Latency, 0));
        reg.arm(spec(TeamupEvents, Fault::Status500, 1));
        assert_eq!(reg.take(TeamupEvents).unwrap().fault, Fault::Status500);
        for _ in 0..100 {
            assert_eq!(reg.take(TeamupEvents).unwrap().fault, Fault::Latency);
        }
        assert_eq!(reg.take(Any).unwrap().fault, Fault::Latency);
        assert!(reg.is_armed_for(UelzPlans));
        assert_eq!(
            reg.to_json(),
            json!([{"route": "*", "fault": "latency", "times": 0}])
        );
    }

    #[test]
    fn options_resolve_to_defaults() {
        let mut reg = FaultRegistry::default();
        reg.arm(spec(FaultRoute::UelzPlans, Fault::Status429, 1));
        reg.arm(spec(FaultRoute::UelzPlans, Fault::Status503, 1));
        reg.arm(spec(FaultRoute::UelzPlans, Fault::SlowTrickle, 1));
        reg.arm(spec(FaultRoute::UelzPlans, Fault::Latency, 1));
        let t = reg.take(FaultRoute::UelzPlans).unwrap();
        assert_eq!(t.retry_after, Some(DEFAULT_RETRY_AFTER));
        assert_eq!(reg.take(FaultRoute::UelzPlans).unwrap().retry_after, None);
        assert_eq!(
            reg.take(FaultRoute::UelzPlans).unwrap().ms,
            DEFAULT_TRICKLE_MS
        );
        assert_eq!(
            reg.take(FaultRoute::UelzPlans).unwrap().ms,
            DEFAULT_LATENCY_MS
        );
    }

    #[test]
    fn cli_specs_parse() {
        let s: FaultSpec = "*=latency,ms=50".parse().unwrap();
        assert_eq!(
            s,
            FaultSpec {
                route: FaultRoute::Any,
                fault: Fault::Latency,
                options: FaultOptions::times(0).ms(50)
            }
        );
        let s: FaultSpec = "uelz.purchases.create=status_503, times=2, retry_after=5"
            .parse()
            .unwrap();
        assert_eq!(s.options, FaultOptions::times(2).retry_after(5));
        for bad in [
            "",
            "*",
            "*=",
            "nope=latency",
            "*=nope",
            "*=latency,ms",
            "*=latency,ms=-1",
            "*=latency,ms=fast",
            "*=latency,speed=3",
            "*=status_500,ms=3",
            "*=latency,retry_after=3",
            "*=latency,ms=600001",
            "*=latency,times=99999999999",
        ] {
            assert!(bad.parse::<FaultSpec>().is_err(), "{bad:?}");
        }
    }
}
