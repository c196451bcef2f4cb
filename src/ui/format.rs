//! Dates and money through the platform's `Intl`: correct for every locale, and free in wasm
//! bytes compared with a date or money crate.

use js_sys::{Array, Date, Intl, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

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

thread_local! {
    /// Formatters by locale and options: building one is costly, and a schedule labels thousands.
    static DATE_FORMATS: std::cell::RefCell<std::collections::HashMap<String, Intl::DateTimeFormat>> = Default::default();
}

fn format_with(ms: f64, locale: Option<&str>, pairs: &[(&str, &str)]) -> String {
    let key = format!("{locale:?}{pairs:?}");
    let formatter = DATE_FORMATS.with(|formats| {
        formats.borrow_mut().entry(key).or_insert_with(|| Intl::DateTimeFormat::new(&locales(locale), &options(pairs))).clone()
    });
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

/// "€53.10" through `Intl.NumberFormat` in the currency the API gave; the raw figures if the
/// platform refuses the currency code.
pub fn money(price: &crate::model::uelz::Price, locale: Option<&str>) -> String {
    let Some(value) = price.value() else { return format!("{} {}", price.amount, price.currency) };
    let opts = options(&[("style", "currency"), ("currency", &price.currency.to_ascii_uppercase())]);
    // An invalid currency code makes the constructor throw: construct through Reflect, which
    // turns the exception into an Err instead of a trap.
    let formatter = Reflect::get(&js_sys::global(), &JsValue::from_str("Intl"))
        .and_then(|intl| Reflect::get(&intl, &JsValue::from_str("NumberFormat")))
        .and_then(|ctor| ctor.dyn_into::<js_sys::Function>())
        .and_then(|ctor| Reflect::construct(&ctor, &Array::of2(&locales(locale), &opts)));
    let Ok(formatter) = formatter else { return format!("{} {}", price.amount, price.currency) };
    Reflect::get(&formatter, &JsValue::from_str("format"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call1(&formatter, &JsValue::from_f64(value)).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| format!("{} {}", price.amount, price.currency))
}

/// A calendar date (`YYYY-MM-DD`) `add_days` later, in words for the locale: "Mon 1 Dec 2026".
pub fn calendar_date(iso: &str, add_days: u32, locale: Option<&str>) -> String {
    let ms = js_sys::Date::parse(&format!("{iso}T00:00:00Z"));
    if !ms.is_finite() {
        return iso.to_string();
    }
    format_with(
        ms + f64::from(add_days) * 86_400_000.0,
        locale,
        &[("weekday", "short"), ("day", "numeric"), ("month", "short"), ("year", "numeric"), ("timeZone", "UTC")],
    )
}
