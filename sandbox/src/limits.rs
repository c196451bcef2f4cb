//! Request bodies on the API routes are bounded: above `MAX_BODY_BYTES` the answer is 413 in the
//! API's own error envelope (before credentials are checked, like a front proxy would), whether
//! the size is announced by `Content-Length` or only discovered while reading a chunked body.
//! Their `Content-Type` is read in one place too ([`content_type`], [`is_json`]).

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::api::ApiError;
use crate::uelz::UelzError;

/// 64 KiB: far more than any real request to these routes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

fn too_large_message() -> String {
    format!("The request body is larger than {MAX_BODY_BYTES} bytes.")
}

/// For `/api/v2`: `{"code": "request_too_large", …}`.
pub(crate) async fn teamup(req: Request, next: Next) -> Response {
    bounded(req, next, || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request_too_large",
            too_large_message(),
        )
        .into_response()
    })
    .await
}

/// For `/uelz`: `{"error": "payload_too_large", …}`.
pub(crate) async fn uelz(req: Request, next: Next) -> Response {
    bounded(req, next, || {
        UelzError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            too_large_message(),
        )
        .into_response()
    })
    .await
}

async fn bounded(req: Request, next: Next, too_large: fn() -> Response) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return too_large();
    }
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        // Over the limit (or the client stopped sending half-way, when nobody reads the answer).
        Err(_) => too_large(),
    }
}

/// A request's `Content-Type` as sent (empty without one), and its media type: lower case,
/// without parameters (`application/json`).
pub(crate) fn content_type(headers: &HeaderMap) -> (String, String) {
    let sent = headers
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).to_string())
        .unwrap_or_default();
    let mime = sent.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    (sent, mime)
}

/// `application/json` or a JSON-based `application/*+json` type.
pub(crate) fn is_json(mime: &str) -> bool {
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}
