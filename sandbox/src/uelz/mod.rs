//! The Uelz billing API subset under `/uelz` (docs/contract.md §3): plans, coupon lookup,
//! customers and `POST /purchases`, plus Uelz's hosted checkout at `/checkout/<purchase id>`.
//! Uelz's public docs cover only `POST /purchases`' inputs; everything else here is an
//! ASSUMPTION listed in README.md.

mod catalog;
mod checkout;
pub mod currency;
mod customers;
pub mod data;
mod purchases;
pub(crate) mod state;

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::faults::{faulty, Api, FaultRoute};
use crate::state::Sandbox;
pub use data::UelzData;
pub use state::UelzStatus;

pub(crate) fn routes(sb: &Sandbox) -> Router<Sandbox> {
    use FaultRoute as R;
    // Faults apply once the credential check passes.
    let f = |route: R, handlers: MethodRouter<Sandbox>| {
        faulty::<UelzAuth>(sb, route, Api::Uelz, handlers)
    };
    Router::new()
        .route(
            "/uelz/plans",
            api(f(R::UelzPlans, get(catalog::list_plans))),
        )
        .route(
            "/uelz/plans/{id}",
            api(f(R::UelzPlans, get(catalog::retrieve_plan))),
        )
        .route(
            "/uelz/coupons",
            api(f(R::UelzCoupons, get(catalog::list_coupons))),
        )
        .route(
            "/uelz/customers",
            api(f(
                R::UelzCustomers,
                get(customers::list).post(customers::create),
            )),
        )
        .route(
            "/uelz/purchases",
            // GET (the list, ASSUMPTION) takes only `*` faults: the create faults are for POST.
            api(f(R::UelzPurchasesCreate, post(purchases::create)).merge(f(R::Any, get(purchases::list)))),
        )
        .route(
            "/uelz/purchases/{id}",
            api(f(R::Any, get(purchases::retrieve))),
        )
        .route("/uelz", any_not_found())
        .route("/uelz/", any_not_found())
        .route("/uelz/{*rest}", any_not_found())
        .layer(middleware::from_fn(crate::limits::uelz))
        .merge(checkout::routes())
}

/// Unsupported methods get the error shape (after the credentials are checked).
fn api(route: MethodRouter<Sandbox>) -> MethodRouter<Sandbox> {
    route.fallback(|_: UelzAuth, method: Method| async move {
        UelzError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("Method {method} is not allowed on this route"),
        )
    })
}

fn any_not_found() -> MethodRouter<Sandbox> {
    axum::routing::any(|_: UelzAuth| async { UelzError::not_found("No such route") })
}

/// `{"error": "<snake_case code>", "message": "<text>", "field": "<body field>"?}`
#[derive(Debug, Clone, PartialEq)]
pub struct UelzError {
    pub status: StatusCode,
    pub error: &'static str,
    pub message: String,
    pub field: Option<String>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl UelzError {
    pub fn new(status: StatusCode, error: &'static str, message: impl Into<String>) -> Self {
        UelzError {
            status,
            error,
            message: message.into(),
            field: None,
        }
    }

    /// 422 `validation_error` on one body (or query) field.
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        UelzError {
            field: Some(field.to_string()),
            ..UelzError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_error",
                message,
            )
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        UelzError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn conflict(field: &str, message: impl Into<String>) -> Self {
        UelzError {
            field: Some(field.to_string()),
            ..UelzError::new(StatusCode::CONFLICT, "conflict", message)
        }
    }

    fn unauthorized(message: &str) -> Self {
        UelzError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
}

impl IntoResponse for UelzError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.error,
            message: &self.message,
            field: self.field.as_deref(),
        };
        (self.status, Json(body)).into_response()
    }
}

/// Proof that the request carried the sandbox's `api-key` and `organization-id`.
pub(crate) struct UelzAuth;

fn header_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

impl FromRequestParts<Sandbox> for UelzAuth {
    type Rejection = UelzError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Sandbox,
    ) -> Result<Self, Self::Rejection> {
        let cfg = state.uelz_config();
        match (
            header_value(&parts.headers, "api-key"),
            header_value(&parts.headers, "organization-id"),
        ) {
            (Some(key), Some(org)) if key == cfg.api_key && org == cfg.organization_id => {
                Ok(UelzAuth)
            }
            (Some(_), Some(_)) => Err(UelzError::unauthorized(
                "Invalid api-key or organization-id",
            )),
            _ => Err(UelzError::unauthorized(
                "Missing api-key or organization-id header",
            )),
        }
    }
}

/// The decoded query pairs, in order.
pub(crate) struct Query(pub Vec<(String, String)>);

impl FromRequestParts<Sandbox> for Query {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &Sandbox,
    ) -> Result<Self, Self::Rejection> {
        Ok(Query(
            parts
                .uri
                .query()
                .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
                .unwrap_or_default(),
        ))
    }
}

impl Query {
    /// The last value given for `name` (even if empty).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A JSON object body. Anything but `application/json` (or `+json`) and anything but a JSON
/// object is 400.
pub(crate) fn json_object(
    headers: &HeaderMap,
    bytes: &[u8],
) -> Result<Map<String, Value>, UelzError> {
    let (ct, mime) = crate::limits::content_type(headers);
    if !crate::limits::is_json(&mime) {
        return Err(UelzError::new(
            StatusCode::BAD_REQUEST,
            "invalid_content_type",
            if ct.is_empty() {
                "Send the body as JSON with Content-Type: application/json".to_string()
            } else {
                format!("Unsupported Content-Type {ct:?}: send application/json")
            },
        ));
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(UelzError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "The body must be a JSON object",
        )),
        Err(e) => Err(UelzError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("Malformed JSON: {e}"),
        )),
    }
}

/// An optional string field: absent or null → `None`; a string → `Some`; else 422.
pub(crate) fn opt_string(
    body: &Map<String, Value>,
    field: &str,
) -> Result<Option<String>, UelzError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(UelzError::validation(
            field,
            format!("{field} must be a string"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ct(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(axum::http::header::CONTENT_TYPE, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn bodies_must_be_json_objects() {
        assert!(json_object(&ct("application/json"), br#"{"a":1}"#).is_ok());
        assert!(json_object(&ct("application/json; charset=utf-8"), b"{}").is_ok());
        let e = json_object(&ct("text/plain"), b"{}").unwrap_err();
        assert_eq!((e.status.as_u16(), e.error), (400, "invalid_content_type"));
        let e = json_object(&HeaderMap::new(), b"{}").unwrap_err();
        assert_eq!(e.error, "invalid_content_type");
        let e = json_object(&ct("application/json"), b"{\"a\":").unwrap_err();
        assert_eq!((e.status.as_u16(), e.error), (400, "invalid_json"));
        let e = json_object(&ct("application/json"), b"[1]").unwrap_err();
        assert_eq!(e.error, "invalid_json");
    }

    #[test]
    fn error_shape_omits_absent_field() {
        let body = |e: UelzError| {
            let resp = e.into_response();
            resp.status().as_u16()
        };
        assert_eq!(body(UelzError::validation("plan", "x")), 422);
        let v = serde_json::to_value(ErrorBody {
            error: "not_found",
            message: "m",
            field: None,
        })
        .unwrap();
        assert_eq!(v, serde_json::json!({"error": "not_found", "message": "m"}));
    }
}
