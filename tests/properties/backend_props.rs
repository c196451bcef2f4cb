//! `backend`: error bodies are read into the right message and fields; offers are read only when usable.

use super::*;

// ---------------------------------------------------------------------------------------------
// Error bodies
// ---------------------------------------------------------------------------------------------

pub(crate) const GENERIC_5XX: &str = "The booking system had a problem. Please try again in a moment.";

pub(crate) fn status() -> BoxedStrategy<u16> {
    prop_oneof![
        2 => prop::sample::select(&[0u16, 99, 200, 400, 401, 403, 404, 408, 409, 422, 429, 499, 500, 502, 503, 504, 599, 600, 999, u16::MAX][..]),
        1 => any::<u16>(),
    ]
    .boxed()
}

pub(crate) fn message_value() -> BoxedStrategy<Value> {
    prop_oneof![
        3 => string(),
        1 => "<script>[a-z()]{0,10}</script>[ -~]{0,20}".prop_map(Value::String),
        1 => "[a-z ]{280,320}".prop_map(Value::String),
        1 => prop::sample::select(&["You request was invalid", "Invalid input.", "  ", "Invalid token."][..]).prop_map(Value::from),
        1 => leaf(),
    ]
    .boxed()
}

pub(crate) fn field_map() -> BoxedStrategy<Value> {
    let messages = prop_oneof![
        string(),
        prop::collection::vec(prop_oneof![3 => string(), 1 => leaf()], 0..4).prop_map(Value::Array),
        json_value(),
    ];
    prop::collection::vec((prop_oneof![3 => prop::sample::select(KEYS).prop_map(str::to_owned), 1 => text()], messages), 0..5)
        .prop_map(|kv| Value::Object(kv.into_iter().collect()))
        .boxed()
}

pub(crate) fn error_body() -> BoxedStrategy<String> {
    let envelope = shaped(vec![
        ("code", prop_oneof![one_of(&["upstream_unavailable", "parameter_invalid", "server_error"]), leaf()].boxed()),
        ("message", message_value()),
        ("detail", message_value()),
        ("type", string()),
        ("field_errors", prop_oneof![3 => field_map(), 1 => json_value()].boxed()),
    ]);
    prop_oneof![
        3 => envelope.prop_map(|v| v.to_string()),
        2 => field_map().prop_map(|v| v.to_string()),
        1 => json_value().prop_map(|v| v.to_string()),
        1 => "<html><script>[a-z()]{0,10}</script>[ -~]{0,40}</html>",
        1 => raw_json_text(),
        1 => text(),
    ]
    .boxed()
}

/// What `field_messages` should say for each field, read from the body independently.
pub(crate) fn expected_fields(body: &str) -> Vec<(String, Vec<String>)> {
    let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(body) else { return vec![] };
    let has_code = obj.get("code").is_some_and(Value::is_string);
    let has_message = ["message", "detail"].iter().any(|k| obj.get(*k).is_some_and(Value::is_string));
    let source = match obj.get("field_errors") {
        Some(Value::Object(fields)) => fields.clone(),
        None if !has_code && !has_message => obj.clone(),
        _ => return vec![],
    };
    source
        .into_iter()
        .map(|(k, v)| {
            let msgs = match v {
                Value::String(s) => vec![s],
                Value::Array(items) => items.into_iter().filter_map(|i| i.as_str().map(str::to_owned)).collect(),
                _ => vec![],
            };
            (k, msgs)
        })
        .collect()
}

/// The message the body carries: `message`, else `detail`.
pub(crate) fn body_message(body: &str) -> Option<String> {
    let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(body) else { return None };
    ["message", "detail"].iter().find_map(|k| obj.get(*k).and_then(Value::as_str).map(str::to_owned))
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn error_bodies_never_panic_and_messages_stay_ours(status in status(), body in error_body()) {
        let error = ApiError::from_response(status, &body);
        prop_assert_eq!(error.status(), Some(status));
        let _ = (error.to_string(), error.is_retryable());

        let message = Tr::english().text(&error.user_message());
        prop_assert!(!message.trim().is_empty());
        prop_assert!(message.len() <= 300, "{} bytes", message.len());
        let code = match &error {
            ApiError::Http { code, .. } => code.clone(),
            _ => unreachable!(),
        };
        if status >= 500 && code.as_deref() != Some("upstream_unavailable") {
            // Nothing from a 5xx body reaches the customer (stack traces, proxy pages, markup).
            prop_assert_eq!(message.as_str(), GENERIC_5XX);
            prop_assert!(!message.contains("<script"));
        }
        if let Some(m) = body_message(&body).map(|m| m.trim().to_string()) {
            let specific = !m.is_empty() && m.len() <= 300 && !m.to_ascii_lowercase().contains("request was invalid")
                && !m.eq_ignore_ascii_case("invalid input.");
            if specific && (status < 500 || code.as_deref() == Some("upstream_unavailable")) {
                prop_assert_eq!(message, m);
            }
        }

        let expected = expected_fields(&body);
        for (field, msgs) in &expected {
            prop_assert_eq!(&error.field_messages(field), msgs, "field {:?}", field);
        }
        for probe in KEYS {
            if !expected.iter().any(|(k, _)| k == probe) {
                prop_assert!(error.field_messages(probe).is_empty(), "field {:?}", probe);
            }
        }
    }

    #[test]
    fn error_bodies_never_panic_on_bytes(status in any::<u16>(), body in prop::collection::vec(any::<u8>(), 0..256)) {
        let error = ApiError::from_response(status, &String::from_utf8_lossy(&body));
        prop_assert!(!Tr::english().text(&error.user_message()).is_empty());
    }
}

// ---------------------------------------------------------------------------------------------
// Offers
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(MANY))]

    #[test]
    fn offers_are_accepted_only_with_http_urls_and_dates(next_url in url_text(), expires_at in timestamp_text()) {
        let offer = Offer { next_url, expires_at };
        // Read, then followed only if the redirect rules allow its own host: what the widget does.
        let allowed: Vec<String> = allow_entry(&offer.next_url).into_iter().collect();
        let read = read_offer(&Reply { body: serde_json::to_string(&offer).unwrap(), server_date_ms: None });
        match read.map(|_| ()).and_then(|()| check_payment_url(&offer.next_url, &allowed).map_err(|r| ApiError::Malformed(r.0))) {
            Ok(()) => {
                let parts = membership_checkout::url::split(&offer.next_url);
                prop_assert!(parts.is_some_and(|p| p.is_secure()), "{:?}", offer.next_url);
                let rest = &offer.next_url[offer.next_url.find("://").unwrap() + 3..];
                let authority = rest.split(['/', '?', '#']).next().unwrap();
                prop_assert!(!authority.is_empty() && !authority.contains('@'), "{:?}", offer.next_url);
                prop_assert!(parse_rfc3339_ms(&offer.expires_at).is_some());
            }
            Err(e) => prop_assert!(matches!(e, ApiError::Malformed(_))),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The first screen's reader (backend::json) and serde
// ---------------------------------------------------------------------------------------------

/// `doc` without what the first screen's reader reads differently from serde on purpose (see
/// backend/json.rs): numbers JavaScript can't tell apart (a whole number written as a float, `7.0`;
/// an integer from 2^53 up) become plain integers, and money written as an array (which serde's
/// derive reads positionally, and no answer is) becomes null.
fn unambiguous(mut doc: Value) -> Value {
    let Some(fields) = doc.as_object_mut() else { return doc };
    for key in ["id", "duration"] {
        if let Some(Value::Number(n)) = fields.get(key) {
            if n.is_f64() && n.as_f64().is_some_and(|f| f.fract() == 0.0 && f.abs() < 1e15) {
                let whole = n.as_f64().unwrap_or_default() as i64;
                fields.insert(key.into(), whole.into());
            } else if n.as_u64().is_some_and(|u| u >= 1 << 53) {
                fields.insert(key.into(), ((1u64 << 53) - 1).into());
            }
        }
    }
    for key in ["price", "display_price", "one_time_fee"] {
        if fields.get(key).is_some_and(Value::is_array) {
            fields.insert(key.into(), Value::Null);
        }
    }
    doc
}

proptest! {
    #![proptest_config(config(MANY))]

    /// Where serde reads a membership, the first screen's reader reads the same one; where serde
    /// refuses it, so does that reader.
    #[test]
    fn the_first_screens_membership_reader_agrees_with_serde(doc in membership().prop_map(unambiguous)) {
        let serde = serde_json::from_value::<Membership>(doc.clone()).ok();
        let lean = membership_checkout::backend::json::membership(&doc).ok();
        prop_assert_eq!(lean, serde, "{}", doc);
    }
}
