//! Errors from the API layer and how TeamUp's error bodies are read.
//!
//! TeamUp documents the envelope `{code, message, type, field_errors}`; DRF layers may still answer
//! `{detail}` or a bare `{field: [messages]}` (DRF's own shapes), so all three are understood.

use crate::i18n::Text;

#[derive(Clone, Debug, PartialEq)]
pub enum ApiError {
    /// The request never got an HTTP answer (offline, DNS, CORS refusal, connection reset).
    Network(String),
    /// No answer within the time limit; the request was aborted.
    Timeout,
    /// An HTTP error status with whatever the body said.
    Http {
        status: u16,
        code: Option<String>,
        message: Option<String>,
        field_errors: Vec<(String, Vec<String>)>,
    },
    /// A success status whose body is not what the API documents.
    Malformed(String),
    /// Not sent: the address (from a settings value or an answer's link) is not on the API's
    /// origin, so neither the customer's token nor anything else goes there. The address is
    /// for the console only.
    LinkRefused(String),
}

impl ApiError {
    /// Reads an error response body leniently ([`super::json::error_body`]).
    pub fn from_response(status: u16, body: &str) -> ApiError {
        let (code, message, field_errors) = super::json::error_body(body);
        ApiError::Http { status, code, message, field_errors }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Http { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Messages the server attached to one request field.
    pub fn field_messages(&self, field: &str) -> Vec<String> {
        match self {
            ApiError::Http { field_errors, .. } => field_errors
                .iter()
                .filter(|(name, _)| name == field)
                .flat_map(|(_, msgs)| msgs.iter().cloned())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A plain sentence for the customer: ours (in the customer's language), or the server's own
    /// wording where it is specific.
    pub fn user_message(&self) -> Text {
        match self {
            ApiError::Network(_) => Text::Key("error.network"),
            ApiError::Timeout => Text::Key("error.timeout"),
            ApiError::Malformed(_) => Text::Key("error.malformed"),
            ApiError::LinkRefused(_) => Text::Key("error.link_refused"),
            ApiError::Http { status, code, message, .. } => {
                if code.as_deref() == Some("no_customer_profile") {
                    return Text::Key("error.no_profile");
                }
                let generic = match status {
                    401 => "error.unauthorized",
                    403 => "error.forbidden",
                    404 => "error.not_found",
                    409 => "error.conflict",
                    429 => "error.too_many",
                    400..=499 => "error.refused",
                    _ => "error.server",
                };
                // 5xx bodies are often stack traces or proxy pages: keep our own wording, except for
                // the codes our gateway uses to tell the customer something (contract §4).
                let speaks_to_customer = *status < 500 || code.as_deref() == Some("upstream_unavailable");
                match message.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
                    Some(m) if speaks_to_customer && m.len() <= 300 && !is_generic(m) => Text::Said(m.to_string()),
                    _ => Text::Key(generic),
                }
            }
        }
    }

    /// Worth offering "try again" for: the same request may succeed later.
    pub fn is_retryable(&self) -> bool {
        match self {
            ApiError::Network(_) | ApiError::Timeout | ApiError::Malformed(_) => true,
            ApiError::LinkRefused(_) => false,
            ApiError::Http { status, .. } => *status == 408 || *status == 429 || *status >= 500,
        }
    }
}

/// The envelope's headline for validation errors says nothing the field messages don't.
fn is_generic(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("request was invalid") || m == "invalid input."
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Network(detail) => write!(f, "network error: {detail}"),
            ApiError::Timeout => write!(f, "timed out"),
            ApiError::Malformed(detail) => write!(f, "malformed response: {detail}"),
            ApiError::LinkRefused(url) => write!(f, "refused to request \"{url}\": not on the API's origin"),
            ApiError::Http { status, code, message, .. } => write!(
                f,
                "HTTP {status}{}{}",
                code.as_deref().map(|c| format!(" {c}")).unwrap_or_default(),
                message.as_deref().map(|m| format!(": {m}")).unwrap_or_default()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl ApiError {
        fn message_en(&self) -> String {
            crate::i18n::Tr::english().text(&self.user_message())
        }
    }

    #[test]
    fn reads_teamup_envelope() {
        let body = r#"{"code":"parameter_invalid","field_errors":{"payment_plan":["This payment plan is not for sale."],
            "non_field_errors":["Start date cannot come after end date"]},"message":"You request was invalid",
            "type":"invalid_request_error"}"#;
        let err = ApiError::from_response(400, body);
        assert_eq!(err.field_messages("payment_plan"), vec!["This payment plan is not for sale."]);
        assert_eq!(err.field_messages("non_field_errors"), vec!["Start date cannot come after end date"]);
        assert!(err.field_messages("event").is_empty());
        assert_eq!(err.message_en(), "The booking system couldn't accept this request.");
        assert!(!err.is_retryable());
    }

    #[test]
    fn reads_drf_detail_and_bare_fields() {
        let err = ApiError::from_response(401, r#"{"detail":"Invalid token."}"#);
        assert_eq!(err.message_en(), "Invalid token.");
        let err = ApiError::from_response(400, r#"{"event":["Invalid pk \"9\" - object does not exist."],"x":3}"#);
        assert_eq!(err.field_messages("event"), vec!["Invalid pk \"9\" - object does not exist."]);
        assert!(err.field_messages("x").is_empty());
        // Found by tests/properties.rs: a non-text `message` used to hide `detail`, which was then
        // read as a form field.
        let err = ApiError::from_response(401, r#"{"message":null,"detail":"Invalid token."}"#);
        assert_eq!(err.message_en(), "Invalid token.");
        assert!(err.field_messages("detail").is_empty());
        assert_eq!(ApiError::from_response(400, r#"{"message":[],"detail":"Bad date."}"#).message_en(), "Bad date.");
    }

    #[test]
    fn non_json_bodies_fall_back_to_plain_messages() {
        let err = ApiError::from_response(502, "<html>Bad gateway</html>");
        assert_eq!(err.message_en(), "The booking system had a problem. Please try again in a moment.");
        assert!(err.is_retryable());
        let err = ApiError::from_response(500, r#"{"code":"server_error","message":"Traceback (most recent call last)"}"#);
        assert!(!err.message_en().contains("Traceback"));
        let err = ApiError::from_response(502, r#"{"code":"upstream_unavailable","message":"The billing service didn't answer. Try again: you won't be charged twice."}"#);
        assert!(err.message_en().ends_with("you won't be charged twice."), "the gateway's own 502 speaks to the customer");
        assert_eq!(ApiError::from_response(404, "").message_en(), "This membership is no longer available.");
        assert!(ApiError::Timeout.is_retryable());
        assert!(ApiError::from_response(429, "").is_retryable());
    }
}
