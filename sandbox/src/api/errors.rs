//! TeamUp's error envelope: `{code, message, type, field_errors}` on every failure.

use std::collections::BTreeMap;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

pub const INVALID_REQUEST: &str = "invalid_request_error";

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub kind: &'static str,
    pub field_errors: FieldErrors,
}

#[derive(Serialize)]
struct Envelope<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    field_errors: &'a BTreeMap<String, Vec<String>>,
}

/// `{field: [messages]}` plus `non_field_errors`, as DRF collects them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldErrors(pub BTreeMap<String, Vec<String>>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_string())
            .or_default()
            .push(message.into());
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.to_string(),
            message: message.into(),
            kind: INVALID_REQUEST,
            field_errors: FieldErrors::new(),
        }
    }

    /// 400 `parameter_invalid` "Your request was invalid" with the given field errors.
    pub fn invalid(field_errors: FieldErrors) -> Self {
        ApiError {
            field_errors,
            ..ApiError::new(
                StatusCode::BAD_REQUEST,
                "parameter_invalid",
                "Your request was invalid",
            )
        }
    }

    /// One invalid query parameter or body field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        let mut fe = FieldErrors::new();
        fe.add(field, message);
        ApiError::invalid(fe)
    }

    /// DRF's answer to a body that isn't JSON.
    pub fn json_parse(error: impl std::fmt::Display) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "parse_error", format!("JSON parse error - {error}"))
    }

    pub fn not_found() -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", "Not found.")
    }

    pub fn not_authenticated() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "not_authenticated",
            "Authentication credentials were not provided.",
        )
    }

    pub fn authentication_failed(message: &str) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "authentication_failed", message)
    }

    pub fn permission_denied(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, "permission_denied", message)
    }

    pub fn unsupported_media_type(content_type: &str) -> Self {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("Unsupported media type \"{content_type}\" in request."),
        )
    }

    pub fn method_not_allowed(method: &str) -> Self {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("Method \"{method}\" not allowed."),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Envelope {
            code: &self.code,
            message: &self.message,
            kind: self.kind,
            field_errors: &self.field_errors.0,
        };
        let mut resp = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            // DRF sends the first authenticator's challenge with a 401.
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"api\""),
            );
        }
        resp
    }
}
