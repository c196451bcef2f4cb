//! Numbers, money and dates through the browser's `Intl`: right for every locale and free in wasm
//! bytes next to a date or money crate. Natively (unit tests) plain fallbacks stand in, so the
//! code around them can be tested; tests/web.rs checks the `Intl` side in Chromium.

#[cfg(target_arch = "wasm32")]
mod platform {
    use std::cell::RefCell;
    use std::collections::HashMap;

    use js_sys::{Array, Function, Object, Reflect};
    use wasm_bindgen::{JsCast, JsValue};

    thread_local! {
        /// Formatters by kind, locale and options: building one is costly, and a schedule
        /// labels thousands of classes. `None` remembers a refusal (an unknown currency or zone).
        static FORMATTERS: RefCell<HashMap<String, Option<(Object, Function)>>> = RefCell::default();
    }

    fn options(pairs: &[(&str, &str)]) -> Object {
        let opts = Object::new();
        for (k, v) in pairs {
            let _ = Reflect::set(&opts, &JsValue::from_str(k), &JsValue::from_str(v));
        }
        opts
    }

    /// `new Intl[kind](locale, options)`, or `None` if the platform refuses the options. Built
    /// through Reflect: a RangeError (unknown currency, zone or tag) becomes `None`, not a trap.
    fn formatter(kind: &str, locale: &str, pairs: &[(&str, &str)]) -> Option<(Object, Function)> {
        // Built by hand: Debug formatting here ran on every label and cost time and wasm bytes.
        let mut key = String::with_capacity(64);
        for part in [kind, locale].into_iter().chain(pairs.iter().flat_map(|(k, v)| [*k, *v])) {
            key.push_str(part);
            key.push('\u{1f}');
        }
        if let Some(found) = FORMATTERS.with(|f| f.borrow().get(&key).cloned()) {
            return found;
        }
        let build = || -> Option<(Object, Function)> {
            let intl = Reflect::get(&js_sys::global(), &JsValue::from_str("Intl")).ok()?;
            let ctor: Function = Reflect::get(&intl, &JsValue::from_str(kind)).ok()?.dyn_into().ok()?;
            let locales = Array::of1(&JsValue::from_str(locale));
            let made = Reflect::construct(&ctor, &Array::of2(&locales, &options(pairs)))
                .or_else(|_| Reflect::construct(&ctor, &Array::of2(&Array::new(), &options(pairs))))
                .ok()?;
            let made: Object = made.dyn_into().ok()?;
            let format: Function = Reflect::get(&made, &JsValue::from_str("format")).ok()?.dyn_into().ok()?;
            Some((made, format))
        };
        let built = build();
        FORMATTERS.with(|f| f.borrow_mut().insert(key, built.clone()));
        built
    }

    pub fn format(kind: &str, locale: &str, pairs: &[(&str, &str)], value: &JsValue) -> Option<String> {
        let (this, format) = formatter(kind, locale, pairs)?;
        format.call1(&this, value).ok()?.as_string()
    }

    pub fn date(ms: f64) -> JsValue {
        js_sys::Date::new(&JsValue::from_f64(ms)).into()
    }

    /// The customer's time zone (`Europe/Berlin`), as the browser reports it.
    pub fn local_zone() -> Option<String> {
        thread_local! {
            // The customer's zone does not change while the page is open; every class label asks.
            static ZONE: std::cell::OnceCell<Option<String>> = const { std::cell::OnceCell::new() };
        }
        ZONE.with(|zone| zone.get_or_init(read_local_zone).clone())
    }

    fn read_local_zone() -> Option<String> {
        let (this, _) = formatter("DateTimeFormat", "en", &[])?;
        let resolved: Function = Reflect::get(&this, &JsValue::from_str("resolvedOptions")).ok()?.dyn_into().ok()?;
        let options = resolved.call0(&this).ok()?;
        Reflect::get(&options, &JsValue::from_str("timeZone")).ok()?.as_string()
    }

    /// `navigator.languages`, most preferred first.
    pub fn browser_languages() -> Vec<String> {
        let Some(navigator) = web_sys::window().map(|w| w.navigator()) else { return Vec::new() };
        navigator.languages().iter().filter_map(|l| l.as_string()).collect()
    }

    pub fn parse_date(iso: &str) -> f64 {
        js_sys::Date::parse(iso)
    }
}

/// A number in the locale's digits and grouping.
#[cfg(target_arch = "wasm32")]
pub fn number(n: f64, locale: &str) -> String {
    platform::format("NumberFormat", locale, &[("maximumFractionDigits", "0")], &n.into()).unwrap_or_else(|| crate::num::plain(n))
}

#[cfg(not(target_arch = "wasm32"))]
pub fn number(n: f64, _locale: &str) -> String {
    crate::num::plain(n)
}

/// "€53.10", "53,10 €", "٥٣٫١٠ €"…; `None` if the platform doesn't know the currency.
#[cfg(target_arch = "wasm32")]
pub fn money(amount: f64, currency: &str, locale: &str) -> Option<String> {
    platform::format("NumberFormat", locale, &[("style", "currency"), ("currency", currency)], &amount.into())
}

#[cfg(not(target_arch = "wasm32"))]
pub fn money(amount: f64, currency: &str, _locale: &str) -> Option<String> {
    (currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_alphabetic())).then(|| format!("{amount:.2} {currency}"))
}

/// The customer's time zone, if the platform says.
#[cfg(target_arch = "wasm32")]
pub fn local_zone() -> Option<String> {
    platform::local_zone()
}

#[cfg(not(target_arch = "wasm32"))]
pub fn local_zone() -> Option<String> {
    None
}

/// The browser's preferred languages, most preferred first.
#[cfg(target_arch = "wasm32")]
pub fn browser_languages() -> Vec<String> {
    platform::browser_languages()
}

#[cfg(not(target_arch = "wasm32"))]
pub fn browser_languages() -> Vec<String> {
    Vec::new()
}

/// Whether `Intl` knows the zone (`Europe/London` yes, `string` or `Mars/Olympus` no).
#[cfg(target_arch = "wasm32")]
pub fn zone_known(zone: &str) -> bool {
    utc_offset_ms(0.0, Some(zone)).is_some()
}

/// Natively: a tz-database-looking name.
#[cfg(not(target_arch = "wasm32"))]
pub fn zone_known(zone: &str) -> bool {
    zone == "UTC" || (zone.contains('/') && zone.bytes().all(|b| b.is_ascii_alphanumeric() || b"/_+-".contains(&b)))
}

/// "Mon 24 Nov, 18:00" in the customer's zone, or "Mon 24 Nov, 18:00 GMT" in `zone` (a studio
/// whose zone differs from the customer's).
#[cfg(target_arch = "wasm32")]
pub fn date_time(ms: f64, locale: &str, zone: Option<&str>) -> String {
    let mut pairs = vec![("weekday", "short"), ("day", "numeric"), ("month", "short"), ("hour", "2-digit"), ("minute", "2-digit")];
    if let Some(zone) = zone {
        pairs.extend([("timeZone", zone), ("timeZoneName", "short")]);
    }
    platform::format("DateTimeFormat", locale, &pairs, &platform::date(ms))
        // An unknown zone: the customer's own clock, unnamed, rather than nothing.
        .or_else(|| platform::format("DateTimeFormat", locale, &pairs[..5], &platform::date(ms)))
        .unwrap_or_else(|| crate::time::format_rfc3339_ms(ms))
}

#[cfg(not(target_arch = "wasm32"))]
pub fn date_time(ms: f64, _locale: &str, zone: Option<&str>) -> String {
    let iso = crate::time::format_rfc3339_ms(ms);
    match zone {
        Some(zone) => format!("{iso} {zone}"),
        None => iso,
    }
}

/// "Mon 24 Nov": the day `ms` falls on in `zone` (the customer's own without one).
#[cfg(target_arch = "wasm32")]
pub fn day(ms: f64, locale: &str, zone: Option<&str>) -> String {
    let mut pairs = vec![("weekday", "short"), ("day", "numeric"), ("month", "short")];
    if let Some(zone) = zone {
        pairs.push(("timeZone", zone));
    }
    platform::format("DateTimeFormat", locale, &pairs, &platform::date(ms))
        .or_else(|| platform::format("DateTimeFormat", locale, &pairs[..3], &platform::date(ms)))
        .unwrap_or_else(|| crate::time::format_rfc3339_ms(ms)[..10].to_string())
}

#[cfg(not(target_arch = "wasm32"))]
pub fn day(ms: f64, _locale: &str, _zone: Option<&str>) -> String {
    crate::time::format_rfc3339_ms(ms)[..10].to_string()
}

/// `zone`'s offset from UTC at `ms` (the customer's own without one), from `Intl`'s
/// `longOffset` name ("GMT+05:30", "GMT-05:00", "GMT").
#[cfg(target_arch = "wasm32")]
pub fn utc_offset_ms(ms: f64, zone: Option<&str>) -> Option<f64> {
    let mut pairs = vec![("timeZoneName", "longOffset")];
    if let Some(zone) = zone {
        pairs.push(("timeZone", zone));
    }
    let text = platform::format("DateTimeFormat", "en-US", &pairs, &platform::date(ms))?;
    parse_gmt_offset(&text[text.rfind("GMT")? + 3..])
}

/// Natively `day` is UTC's.
#[cfg(not(target_arch = "wasm32"))]
pub fn utc_offset_ms(_ms: f64, _zone: Option<&str>) -> Option<f64> {
    Some(0.0)
}

/// "+05:30" → 19,800,000; "" (GMT itself) → 0.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn parse_gmt_offset(text: &str) -> Option<f64> {
    if text.is_empty() {
        return Some(0.0);
    }
    let sign = match text.as_bytes()[0] {
        b'+' => 1.0,
        b'-' => -1.0,
        _ => return None,
    };
    let (hours, minutes) = text[1..].split_once(':').unwrap_or((&text[1..], "0"));
    let (hours, minutes): (u32, u32) = (hours.parse().ok()?, minutes.parse().ok()?);
    Some(sign * (f64::from(hours) * 3_600_000.0 + f64::from(minutes) * 60_000.0))
}

/// "18:45": when an offer lapses, on the customer's clock, or "13:45 GMT-5" in `zone` (a studio
/// whose zone differs from the customer's).
#[cfg(target_arch = "wasm32")]
pub fn clock(ms: f64, locale: &str, zone: Option<&str>) -> String {
    let mut pairs = vec![("hour", "2-digit"), ("minute", "2-digit")];
    if let Some(zone) = zone {
        pairs.extend([("timeZone", zone), ("timeZoneName", "short")]);
    }
    platform::format("DateTimeFormat", locale, &pairs, &platform::date(ms))
        .or_else(|| platform::format("DateTimeFormat", locale, &pairs[..2], &platform::date(ms)))
        .unwrap_or_default()
}

#[cfg(not(target_arch = "wasm32"))]
pub fn clock(ms: f64, _locale: &str, zone: Option<&str>) -> String {
    let hhmm = crate::time::format_rfc3339_ms(ms)[11..16].to_string();
    match zone {
        Some(zone) => format!("{hhmm} {zone}"),
        None => hhmm,
    }
}

/// A calendar date (`YYYY-MM-DD`) `add_days` later, in words: "Mon 1 Dec 2026". The raw text if
/// it isn't a date.
#[cfg(target_arch = "wasm32")]
pub fn calendar_date(iso: &str, add_days: u32, locale: &str) -> String {
    let ms = platform::parse_date(&format!("{iso}T00:00:00Z"));
    if !ms.is_finite() {
        return iso.to_string();
    }
    let pairs = [("weekday", "short"), ("day", "numeric"), ("month", "short"), ("year", "numeric"), ("timeZone", "UTC")];
    platform::format("DateTimeFormat", locale, &pairs, &platform::date(ms + f64::from(add_days) * 86_400_000.0))
        .unwrap_or_else(|| iso.to_string())
}

#[cfg(not(target_arch = "wasm32"))]
pub fn calendar_date(iso: &str, add_days: u32, _locale: &str) -> String {
    match crate::time::parse_rfc3339_ms(&format!("{iso}T00:00:00Z")) {
        Some(ms) => crate::time::format_rfc3339_ms(ms + f64::from(add_days) * 86_400_000.0)[..10].to_string(),
        None => iso.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmt_offsets_are_read_from_their_names() {
        assert_eq!(parse_gmt_offset(""), Some(0.0));
        assert_eq!(parse_gmt_offset("+05:30"), Some(19_800_000.0));
        assert_eq!(parse_gmt_offset("-05:00"), Some(-18_000_000.0));
        assert_eq!(parse_gmt_offset("+5"), Some(18_000_000.0));
        assert_eq!(parse_gmt_offset("x"), None);
        assert_eq!(parse_gmt_offset("+aa:00"), None);
    }
}
