//! Dates through the platform's `Intl.DateTimeFormat`: correct for every locale, and free in wasm
//! bytes compared with a date crate.

use js_sys::{Array, Date, Intl, Object, Reflect};
use wasm_bindgen::JsValue;

use crate::model::parse_rfc3339_ms;

fn locales(locale: Option<&str>) -> Array {
    let list = Array::new();
    if let Some(l) = locale {
        list.push(&JsValue::from_str(l));
    }
    list
}

fn options(pairs: &[(&str, &str)]) -> Object {
    let opts = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&opts, &JsValue::from_str(k), &JsValue::from_str(v));
    }
    opts
}

fn format_with(ms: f64, locale: Option<&str>, pairs: &[(&str, &str)]) -> String {
    let formatter = Intl::DateTimeFormat::new(&locales(locale), &options(pairs));
    formatter
        .format()
        .call1(&JsValue::NULL, &Date::new(&JsValue::from_f64(ms)))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// "Mon 24 Nov, 18:00" in the customer's locale; the raw text if it isn't a date-time.
pub fn when(rfc3339: &str, locale: Option<&str>) -> String {
    match parse_rfc3339_ms(rfc3339) {
        Some(ms) => format_with(
            ms,
            locale,
            &[("weekday", "short"), ("day", "numeric"), ("month", "short"), ("hour", "2-digit"), ("minute", "2-digit")],
        ),
        None => rfc3339.to_string(),
    }
}

/// "18:45" for the moment an offer lapses.
pub fn clock_time(ms: f64, locale: Option<&str>) -> String {
    format_with(ms, locale, &[("hour", "2-digit"), ("minute", "2-digit")])
}
