//! The error envelope, the same as TeamUp's so the widget reads both alike:
//! `{"code", "message", "type", "field_errors": {field: [message]}}`.

use std::collections::BTreeMap;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

pub type FieldErrors = BTreeMap<String, Vec<String>>;

pub const UPSTREAM_UNAVAILABLE_PURCHASE: &str =
    "The billing service didn't answer. Try again: you won't be charged twice.";
pub const UPSTREAM_UNAVAILABLE: &str = "The billing service didn't answer. Try again.";

/// Attached to a response for the request log: what the upstream said, without any message
/// text, header or secret.
#[derive(Clone, Debug)]
pub struct LogNote(pub String);

#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub kind: &'static str,
    pub field_errors: FieldErrors,
    pub retry_after: Option<u64>,
    /// For the log line only.
    pub note: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        let kind = match status.as_u16() {
            409 => "conflict",
            400..=499 => "invalid_request_error",
            _ => "api_error",
        };
        ApiError {
            status,
            code,
            message: message.into(),
            kind,
            field_errors: FieldErrors::new(),
            retry_after: None,
            note: None,
        }
    }

    pub fn with_field(mut self, field: &str, message: impl Into<String>) -> ApiError {
        self.field_errors.entry(field.to_string()).or_default().push(message.into());
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> ApiError {
        self.note = Some(note.into());
        self
    }

    /// 400 `parameter_invalid` with these field errors.
    pub fn invalid(field_errors: FieldErrors) -> ApiError {
        ApiError { field_errors, ..ApiError::new(StatusCode::BAD_REQUEST, "parameter_invalid", "Your request was invalid") }
    }

    pub fn invalid_field(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::invalid(FieldErrors::new()).with_field(field, message)
    }

    pub fn not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "Not found.")
    }

    pub fn method_not_allowed() -> ApiError {
        ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "Method not allowed.")
    }

    pub fn origin_not_allowed() -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "origin_not_allowed", "This site may not use the checkout.")
    }

    /// A state-changing request with no `Origin` header: not sent by a browser from the studio's
    /// page (browsers send one with every POST), so it is refused like a foreign origin.
    pub fn origin_missing() -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            "This request must come from the studio's web page (it has no Origin header).",
        )
        .with_note("no Origin")
    }

    /// 403: the customer identity is not one the studio's server signed (forged, altered,
    /// expired, or a bare customer id). The log says which; the customer can only reload.
    pub fn identity_refused(why: crate::identity::Refusal) -> ApiError {
        let message = match why {
            crate::identity::Refusal::Expired => {
                "Your sign-in on the studio's site has expired. Reload the page and try again."
            }
            _ => "We couldn't confirm your studio account. Reload the page and try again.",
        };
        ApiError::new(StatusCode::FORBIDDEN, "identity_refused", message)
            .with_field("customer", message)
            .with_note(format!("identity {why}"))
    }

    /// 504: the purchase took the gateway's whole deadline. Its work goes on, and a retry with
    /// the same `external_id` gets its result, so trying again is safe.
    pub fn purchase_deadline(deadline: std::time::Duration) -> ApiError {
        ApiError::new(StatusCode::GATEWAY_TIMEOUT, "upstream_unavailable", UPSTREAM_UNAVAILABLE_PURCHASE)
            .with_note(format!("purchase deadline {} ms", deadline.as_millis()))
    }

    /// 404 on `GET /v1/purchases/<external_id>`: Uelz has no purchase with it (yet).
    pub fn purchase_not_found() -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "purchase_not_found", "There is no purchase for this checkout (yet).")
    }

    pub fn rate_limited(retry_after: u64) -> ApiError {
        ApiError {
            retry_after: Some(retry_after),
            ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "Too many requests. Wait a moment and try again.")
        }
    }

    pub fn too_large() -> ApiError {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "The request body is too large.")
    }

    pub fn parse_error(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "parse_error", message)
    }

    pub fn unsupported_media_type() -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_media_type",
            "Send the request body as JSON with Content-Type: application/json.",
        )
    }

    /// 502: Uelz unreachable, timed out, 5xx, or the connection dropped.
    pub fn upstream_unavailable(message: &str) -> ApiError {
        ApiError::new(StatusCode::BAD_GATEWAY, "upstream_unavailable", message)
    }

    /// 502: Uelz refused the gateway's own credentials or configuration. Nothing the customer
    /// can fix; the log line says which.
    pub fn upstream_misconfigured() -> ApiError {
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            "upstream_misconfigured",
            "The billing service refused the checkout's configuration. Please contact the studio.",
        )
    }

    /// 502: any other answer from Uelz the gateway can't use.
    pub fn upstream_error() -> ApiError {
        ApiError::new(
            StatusCode::BAD_GATEWAY,
            "upstream_error",
            "The billing service gave an unexpected answer. Please try again later.",
        )
    }

    pub fn body(&self) -> serde_json::Value {
        json!({
            "code": self.code,
            "message": self.message,
            "type": self.kind,
            "field_errors": self.field_errors,
        })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, Json(self.body())).into_response();
        if let Some(secs) = self.retry_after {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if let Some(note) = self.note {
            resp.extensions_mut().insert(LogNote(note));
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_shape() {
        let e = ApiError::invalid_field("coupon_code", "This code isn't valid.");
        assert_eq!(
            e.body(),
            json!({"code":"parameter_invalid","message":"Your request was invalid","type":"invalid_request_error",
                   "field_errors":{"coupon_code":["This code isn't valid."]}})
        );
        assert_eq!(ApiError::new(StatusCode::CONFLICT, "conflict", "x").kind, "conflict");
        assert_eq!(ApiError::upstream_error().kind, "api_error");
        let r = ApiError::rate_limited(7).into_response();
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()[header::RETRY_AFTER], "7");
    }
}
