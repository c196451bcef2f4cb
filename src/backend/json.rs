//! The first screen's answers read without serde: the catalogue's pages and error bodies.
//!
//! serde_json and the readers serde derives are about 30 KB of wasm. The first screen needs only
//! the memberships and, when something fails, an error body; everything after it (plans, classes,
//! the purchase, sign-in) reads its answers with serde, in the `form` chunk. So these are read
//! here, through [`JsonView`]: in the widget a value is the browser's own (`JSON.parse`, a
//! `JsValue`), in native builds and tests serde_json's `Value`. It is one reader for both, and what
//! it accepts is the serde model's: a membership reads as the derived `Deserialize` reads it
//! (checked on the TeamUp documentation's example and on arbitrary answers,
//! tests/properties/backend_props.rs). Where the browser cannot tell, it is more lenient: a number
//! is a JavaScript number, so an id written `7.0` or `7e0` reads as 7, and ids above 2^53 are refused;
//! and an object written as an array (which serde's derive reads field by field) is refused.

use super::error::ApiError;
use crate::model::teamup::{Membership, Money};

/// What the readers need of a parsed JSON value.
pub trait JsonView: Sized {
    /// The member `key` of an object (`None`: not an object, or no such member).
    fn member(&self, key: &str) -> Option<Self>;
    fn text(&self) -> Option<String>;
    fn number(&self) -> Option<f64>;
    fn boolean(&self) -> Option<bool>;
    fn is_null(&self) -> bool;
    /// An array's items.
    fn items(&self) -> Option<Vec<Self>>;
    /// An object's members, in the order the answer gave them (not an array's).
    fn members(&self) -> Option<Vec<(String, Self)>>;
}

/// A parsed answer: the browser's value in the widget, serde_json's natively.
#[cfg(target_arch = "wasm32")]
pub type Json = wasm_bindgen::JsValue;
#[cfg(not(target_arch = "wasm32"))]
pub type Json = serde_json::Value;

/// `body` parsed, if it is JSON.
#[cfg(target_arch = "wasm32")]
pub fn parse(body: &str) -> Option<Json> {
    js_sys::JSON::parse(body).ok()
}

#[cfg(not(target_arch = "wasm32"))]
pub fn parse(body: &str) -> Option<Json> {
    serde_json::from_str(body).ok()
}

#[cfg(target_arch = "wasm32")]
impl JsonView for wasm_bindgen::JsValue {
    fn member(&self, key: &str) -> Option<Self> {
        use wasm_bindgen::JsCast;
        if !self.is_object() || js_sys::Array::is_array(self) {
            return None;
        }
        let object = self.unchecked_ref::<js_sys::Object>();
        let key = wasm_bindgen::JsValue::from_str(key);
        // Own members only: `constructor` or `toString` are not in the answer.
        if !js_sys::Object::has_own(object, &key) {
            return None;
        }
        js_sys::Reflect::get(self, &key).ok()
    }

    fn text(&self) -> Option<String> {
        self.as_string()
    }

    fn number(&self) -> Option<f64> {
        self.as_f64()
    }

    fn boolean(&self) -> Option<bool> {
        self.as_bool()
    }

    fn is_null(&self) -> bool {
        wasm_bindgen::JsValue::is_null(self)
    }

    fn items(&self) -> Option<Vec<Self>> {
        use wasm_bindgen::JsCast;
        self.dyn_ref::<js_sys::Array>().map(|a| a.iter().collect())
    }

    fn members(&self) -> Option<Vec<(String, Self)>> {
        use wasm_bindgen::JsCast;
        if !self.is_object() || js_sys::Array::is_array(self) {
            return None;
        }
        let entries = js_sys::Object::entries(self.unchecked_ref::<js_sys::Object>());
        Some(
            entries
                .iter()
                .filter_map(|pair| {
                    let pair = pair.unchecked_into::<js_sys::Array>();
                    Some((pair.get(0).as_string()?, pair.get(1)))
                })
                .collect(),
        )
    }
}

impl JsonView for serde_json::Value {
    fn member(&self, key: &str) -> Option<Self> {
        self.as_object()?.get(key).cloned()
    }

    fn text(&self) -> Option<String> {
        self.as_str().map(str::to_string)
    }

    fn number(&self) -> Option<f64> {
        self.as_f64()
    }

    fn boolean(&self) -> Option<bool> {
        self.as_bool()
    }

    fn is_null(&self) -> bool {
        serde_json::Value::is_null(self)
    }

    fn items(&self) -> Option<Vec<Self>> {
        self.as_array().cloned()
    }

    fn members(&self) -> Option<Vec<(String, Self)>> {
        Some(self.as_object()?.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    }
}

/// Why a value isn't what the model says (for the console: `ApiError::Malformed`).
fn wrong(what: &str) -> ApiError {
    ApiError::Malformed(format!("{what} is not what TeamUp documents"))
}

/// A member that may be missing or null (`None`), else must be text.
fn optional_text<J: JsonView>(v: &J, key: &str) -> Result<Option<String>, ApiError> {
    match v.member(key) {
        None => Ok(None),
        Some(m) if m.is_null() => Ok(None),
        Some(m) => m.text().map(Some).ok_or_else(|| wrong(key)),
    }
}

/// A whole number from `min` to `max` (JavaScript's safe integers at most).
fn whole(n: f64, max: f64) -> Option<f64> {
    (n.fract() == 0.0 && (0.0..=max.min(9_007_199_254_740_991.0)).contains(&n)).then_some(n)
}

/// A page of a list (DRF pagination): its items and the link to the next page.
pub fn page(body: &str) -> Result<(Vec<Json>, Option<String>), ApiError> {
    let page = parse(body).ok_or_else(|| ApiError::Malformed("the answer is not JSON".into()))?;
    let results = page.member("results").and_then(|r| r.items()).ok_or_else(|| wrong("results"))?;
    if let Some(count) = page.member("count").filter(|c| !c.is_null()) {
        count.number().and_then(|n| whole(n, u64::MAX as f64)).ok_or_else(|| wrong("count"))?;
    }
    optional_text(&page, "previous")?;
    Ok((results, optional_text(&page, "next")?))
}

/// A membership, as `model::teamup::Membership`'s `Deserialize` reads it
/// (`memberships/endpoints_memberships-list.md`).
pub fn membership<J: JsonView>(v: &J) -> Result<Membership, ApiError> {
    v.members().ok_or_else(|| wrong("a membership"))?;
    let id = v.member("id").and_then(|id| id.number()).and_then(|n| whole(n, u64::MAX as f64)).ok_or_else(|| wrong("id"))?;
    let name = v.member("name").and_then(|n| n.text()).ok_or_else(|| wrong("name"))?;
    let kind = match v.member("type") {
        None => String::new(),
        Some(t) => t.text().ok_or_else(|| wrong("type"))?,
    };
    let yes_unless = |key: &str| match v.member(key) {
        None => Ok(true),
        Some(b) => b.boolean().ok_or_else(|| wrong(key)),
    };
    let duration = match v.member("duration").filter(|d| !d.is_null()) {
        None => None,
        Some(d) => Some(d.number().and_then(|n| whole(n, u32::MAX as f64)).ok_or_else(|| wrong("duration"))? as u32),
    };
    Ok(Membership {
        id: id as u64,
        name,
        kind,
        description: optional_text(v, "description")?,
        price: money(v, "price")?,
        display_price: money(v, "display_price")?,
        one_time_fee: money(v, "one_time_fee")?,
        plans: optional_text(v, "plans")?,
        for_sale: yes_unless("for_sale")?,
        visible_to_customers: yes_unless("visible_to_customers")?,
        duration,
        duration_unit: optional_text(v, "duration_unit")?,
    })
}

/// TeamUp's money object (`decimal` a number, or text holding one).
fn money<J: JsonView>(v: &J, key: &str) -> Result<Option<Money>, ApiError> {
    let Some(m) = v.member(key).filter(|m| !m.is_null()) else { return Ok(None) };
    m.members().ok_or_else(|| wrong(key))?;
    let decimal = match m.member("decimal").filter(|d| !d.is_null()) {
        None => None,
        Some(d) => match (d.number(), d.text()) {
            (Some(n), _) => Some(n),
            (None, Some(text)) => crate::num::parse_decimal(&text),
            _ => return Err(wrong("decimal")),
        },
    };
    Ok(Some(Money {
        decimal,
        string: optional_text(&m, "string")?,
        iso_currency_code: optional_text(&m, "iso_currency_code")?,
        currency_symbol: optional_text(&m, "currency_symbol")?,
        currency_symbol_position: optional_text(&m, "currency_symbol_position")?,
    }))
}

/// An error answer's body: TeamUp's envelope `{code, message, field_errors}`, DRF's `{detail}`
/// or a bare `{field: [messages]}`; anything else (not JSON, an HTML page) says nothing.
pub fn error_body(body: &str) -> (Option<String>, Option<String>, Vec<(String, Vec<String>)>) {
    let Some(obj) = parse(body).filter(|b| b.members().is_some()) else { return (None, None, Vec::new()) };
    let code = obj.member("code").and_then(|c| c.text());
    // `message`, else `detail`: a `message` that is null or not text doesn't hide `detail`.
    let message = ["message", "detail"].iter().find_map(|k| obj.member(k).and_then(|m| m.text()));
    let field_errors = match obj.member("field_errors") {
        Some(fields) => fields.members().map(collect_fields).unwrap_or_default(),
        // A bare DRF validation body: every key holding a list of strings is a field.
        None if code.is_none() && message.is_none() => obj.members().map(collect_fields).unwrap_or_default(),
        None => Vec::new(),
    };
    (code, message, field_errors)
}

fn collect_fields<J: JsonView>(members: Vec<(String, J)>) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = members
        .into_iter()
        .filter_map(|(k, v)| {
            let msgs: Vec<String> = match (v.text(), v.items()) {
                (Some(s), _) => vec![s],
                (None, Some(items)) => items.iter().filter_map(JsonView::text).collect(),
                _ => return None,
            };
            (!msgs.is_empty()).then_some((k, msgs))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCS_MEMBERSHIPS: &str = include_str!("../../tests/fixtures/teamup-docs/memberships-list.json");

    /// The documentation's example page reads the same as through serde.
    #[test]
    fn the_docs_memberships_read_as_serde_reads_them() {
        let (items, next) = page(DOCS_MEMBERSHIPS).unwrap();
        let raw: serde_json::Value = serde_json::from_str(DOCS_MEMBERSHIPS).unwrap();
        let serde: Vec<Membership> = serde_json::from_value(raw["results"].clone()).unwrap();
        let lean: Vec<Membership> = items.iter().map(membership).collect::<Result<_, _>>().unwrap();
        assert!(!lean.is_empty());
        assert_eq!(lean, serde);
        assert_eq!(next, raw["next"].as_str().map(str::to_string));
    }

    #[test]
    fn what_serde_refuses_is_refused() {
        for bad in [
            r#"{"name":"x"}"#,
            r#"{"id":-1,"name":"x"}"#,
            r#"{"id":1.5,"name":"x"}"#,
            r#"{"id":1,"name":null}"#,
            r#"{"id":1,"name":"x","type":null}"#,
            r#"{"id":1,"name":"x","for_sale":null}"#,
            r#"{"id":1,"name":"x","duration":-3}"#,
            r#"{"id":1,"name":"x","description":5}"#,
            r#"{"id":1,"name":"x","price":"12"}"#,
            r#"{"id":1,"name":"x","price":{"decimal":true}}"#,
            r#"[1]"#,
        ] {
            let v: serde_json::Value = serde_json::from_str(bad).unwrap();
            assert!(serde_json::from_value::<Membership>(v.clone()).is_err(), "serde refuses {bad}");
            assert!(membership(&v).is_err(), "so does this reader: {bad}");
        }
    }

    #[test]
    fn a_page_needs_its_results_and_a_text_next() {
        assert!(page("<html>").is_err());
        assert!(page(r#"{"next":null}"#).is_err());
        assert!(page(r#"{"results":{},"next":null}"#).is_err());
        assert!(page(r#"{"results":[],"next":5}"#).is_err());
        assert!(page(r#"{"results":[],"count":"3"}"#).is_err());
        assert_eq!(page(r#"{"results":[],"next":"/p2"}"#).unwrap().1.as_deref(), Some("/p2"));
        assert_eq!(page(r#"{"results":[{}],"count":1,"previous":null}"#).unwrap().0.len(), 1);
    }
}

/// The same reader over the browser's own values (`JSON.parse`), as the widget runs it.
#[cfg(all(test, target_arch = "wasm32"))]
mod web {
    use wasm_bindgen_test::*;

    use super::*;

    wasm_bindgen_test_configure!(run_in_browser);

    const DOCS_MEMBERSHIPS: &str = include_str!("../../tests/fixtures/teamup-docs/memberships-list.json");

    #[wasm_bindgen_test]
    fn the_docs_memberships_read_through_json_parse_as_serde_reads_them() {
        let (items, next) = page(DOCS_MEMBERSHIPS).unwrap();
        let raw: serde_json::Value = serde_json::from_str(DOCS_MEMBERSHIPS).unwrap();
        let serde: Vec<Membership> = serde_json::from_value(raw["results"].clone()).unwrap();
        let lean: Vec<Membership> = items.iter().map(membership).collect::<Result<_, _>>().unwrap();
        assert!(!lean.is_empty());
        assert_eq!(lean, serde);
        assert_eq!(next, raw["next"].as_str().map(str::to_string));
        // Inherited members are not the answer's.
        assert!(membership(&parse(r#"{"id":1,"name":"x","constructor":1}"#).unwrap()).is_ok());
        assert!(parse(r#"{"id":1}"#).unwrap().member("toString").is_none());
    }

    #[wasm_bindgen_test]
    fn error_bodies_read_through_json_parse() {
        let (code, message, fields) = error_body(r#"{"code":"parameter_invalid","message":"m","field_errors":{"event":["full"],"x":3}}"#);
        assert_eq!((code.as_deref(), message.as_deref()), (Some("parameter_invalid"), Some("m")));
        assert_eq!(fields, vec![("event".to_string(), vec!["full".to_string()])]);
        assert_eq!(error_body("<html>"), (None, None, vec![]));
        assert_eq!(error_body(r#"{"detail":"Invalid token."}"#).1.as_deref(), Some("Invalid token."));
    }
}
