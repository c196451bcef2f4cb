//! Property tests for the widget's plain-Rust parsers: nothing panics on arbitrary input (random
//! strings and bytes, and structured near-valid input: JSON with the right keys but wrong types,
//! huge numbers, nulls, nested garbage, unicode, very long strings), and key invariants hold.
//!
//! Native only: proptest does not build for wasm32-unknown-unknown (see Cargo.toml).
#![cfg(not(target_arch = "wasm32"))]
// proptest generator tuples read better inline than behind type aliases
#![allow(clippy::type_complexity)]

use std::collections::HashMap;

use membership_checkout::backend::error::ApiError;
use membership_checkout::i18n::{Lang, Tr};
use membership_checkout::backend::http::{read_offer, Reply};
use membership_checkout::backend::teamup::customer_id_for;
use membership_checkout::checkout::uelz::{is_plausible_email, uuid_v4, Attempt};
use membership_checkout::auth::{strip_return_params, RETURN_PARAMS};
use membership_checkout::checkout::PendingOffer;
use membership_checkout::model::uelz::{CouponQuote, Period, PlansReply, Price, UelzPlan};
use membership_checkout::model::teamup::{
    Attendance, CustomerMembership, Event, JoiningFeeField, Membership, Money, PaymentPlan, Profile, Provider, Related, Slot,
};
use membership_checkout::model::Offer;
use membership_checkout::time::{format_countdown, format_rfc3339_ms, is_iso_date, parse_rfc3339_ms};
use membership_checkout::url::encode;
use membership_checkout::redirect::{allow_entry, check_payment_url, Refusal};
use membership_checkout::settings::{self, is_absolute_http_url, origin_of, Backend, RequestMode};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// DRF's page envelope as TeamUp's list pages show it (the widget reads it raw, page by page).
#[derive(Debug, serde::Deserialize)]
struct Page<T> {
    results: Vec<T>,
}

/// Cheap properties run this many cases; the JSON and settings ones use proptest's default (256).
const MANY: u32 = 2048;

/// Failures are reported with their shrunk input and kept as unit tests next to the code, not as
/// `.proptest-regressions` files. `PROPTEST_CASES=n` sets every property's case count for a
/// deeper (slower) run.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(cases);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/// Strings that tend to break parsers.
const SPECIAL: &[&str] = &[
    "", " ", "\t", "\n", "\r\n", "\u{0}", "\u{1}", "\u{7f}", "\u{85}", "\u{a0}", "\u{200b}", "\u{2028}", "\u{feff}",
    "0", "-0", "-1", "+1", "01", "1.5", "1e999", "-1e999", "NaN", "inf", "Infinity", "4294967295", "4294967296",
    "18446744073709551615", "18446744073709551616", "99999999999999999999999999999999", "١٢٣", "１２３", "null", "true",
    "[]", "{}", "%", "%zz", "%00", "%2F", "?", "#", "&", "=", "@", "/", "//", "\\", "https://", "http://a",
    "https://a.example/", "javascript:alert(1)", "<script>alert(1)</script>", "é", "😀", "\u{10ffff}", "Z", "T",
    "2024-07-29T15:51:28.071Z", "2024-02-30", "a@b.c", "outcome=paid", "code=abc&state=xyz",
];

fn special() -> impl Strategy<Value = String> {
    prop::sample::select(SPECIAL).prop_map(str::to_owned)
}

/// Any text: random unicode, control characters, printable ASCII, known troublemakers, glued
/// combinations of them, and very long runs.
fn text() -> BoxedStrategy<String> {
    prop_oneof![
        3 => any::<String>(),
        3 => special(),
        2 => prop::collection::vec(any::<char>(), 0..24).prop_map(String::from_iter),
        2 => "[ -~]{0,40}",
        2 => (special(), "[ -~]{0,8}", special()).prop_map(|(a, b, c)| format!("{a}{b}{c}")),
        1 => (0usize..6000, any::<char>()).prop_map(|(n, c)| c.to_string().repeat(n)),
        1 => "\\PC{200,1200}",
    ]
    .boxed()
}

/// A valid RFC 3339 timestamp (years 1..=9998 so that offsets cannot leave four-digit years)
/// with the instant it denotes, computed independently of the crate.
#[derive(Clone, Debug)]
struct Stamp {
    text: String,
    ms: i64,
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn month_len(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 0001-01-01 by counting: a different method from the crate's.
fn days_since_year_one(y: i64, m: i64, d: i64) -> i64 {
    let p = y - 1;
    let before_year = 365 * p + p / 4 - p / 100 + p / 400;
    let before_month: i64 = (1..m).map(|mm| month_len(y, mm)).sum();
    before_year + before_month + d - 1
}

fn epoch_days(y: i64, m: i64, d: i64) -> i64 {
    days_since_year_one(y, m, d) - days_since_year_one(1970, 1, 1)
}

fn stamp() -> impl Strategy<Value = Stamp> {
    let date = prop_oneof![1i64..=9998, 1960i64..=2100].prop_flat_map(|y| {
        (Just(y), 1i64..=12).prop_flat_map(|(y, m)| (Just(y), Just(m), 1..=month_len(y, m)))
    });
    let time = (0i64..24, 0i64..60, 0i64..60);
    let frac = prop::option::of("[0-9]{1,12}");
    let sep = prop::sample::select(&['T', 't', ' '][..]);
    // None: Z; Some((sign, hours, minutes)).
    let offset = prop::option::of((any::<bool>(), 0i64..24, 0i64..60));
    let zulu = prop::sample::select(&['Z', 'z'][..]);
    (date, time, frac, sep, offset, zulu).prop_map(|((y, mo, d), (h, mi, s), frac, sep, offset, zulu)| {
        let mut text = format!("{y:04}-{mo:02}-{d:02}{sep}{h:02}:{mi:02}:{s:02}");
        let mut millis = 0;
        if let Some(f) = &frac {
            text.push('.');
            text.push_str(f);
            // The crate keeps milliseconds, truncating further digits.
            millis = format!("{f:0<3}")[..3].parse::<i64>().unwrap();
        }
        let offset_min = match offset {
            None => {
                text.push(zulu);
                0
            }
            Some((plus, oh, om)) => {
                text.push_str(&format!("{}{oh:02}:{om:02}", if plus { '+' } else { '-' }));
                if plus {
                    oh * 60 + om
                } else {
                    -(oh * 60 + om)
                }
            }
        };
        let ms = (epoch_days(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offset_min * 60) * 1000 + millis;
        Stamp { text, ms }
    })
}

/// A valid timestamp with one character replaced, inserted or removed, or cut short.
fn near_stamp() -> impl Strategy<Value = String> {
    (stamp(), any::<prop::sample::Index>(), any::<char>(), 0u8..4).prop_map(|(s, at, c, how)| {
        let mut chars: Vec<char> = s.text.chars().collect();
        let i = at.index(chars.len());
        match how {
            0 => chars[i] = c,
            1 => chars.insert(i, c),
            2 => {
                chars.remove(i);
            }
            _ => chars.truncate(i),
        }
        chars.into_iter().collect()
    })
}

fn timestamp_text() -> BoxedStrategy<String> {
    prop_oneof![2 => stamp().prop_map(|s| s.text), 2 => near_stamp(), 1 => text()].boxed()
}

/// Keys of every response model, so random objects often hit real fields with wrong values.
const KEYS: &[&str] = &[
    "id", "name", "type", "description", "price", "display_price", "one_time_fee", "plans", "for_sale",
    "visible_to_customers", "duration", "duration_unit", "decimal", "string", "iso_currency_code", "currency_symbol",
    "currency_symbol_position", "count", "next", "previous", "results", "status", "billing_period_length",
    "billing_period_unit", "committed_billing_periods", "duration_description", "price_with_period", "joining_fee",
    "amount", "starts_at", "ends_at", "max_occupancy", "attending_count", "venue", "offering_type", "instructor",
    "available", "profile_type", "provider", "next_url", "expires_at", "kind", "currency", "period", "unit",
    "billing_cycles", "trial_days", "needs_activation_date", "term_days", "code", "discount", "total", "message",
    "detail", "field_errors", "non_field_errors", "external_id", "fingerprint", "expires_local_ms", "membership_name",
];

fn key() -> BoxedStrategy<String> {
    prop_oneof![4 => prop::sample::select(KEYS).prop_map(str::to_owned), 1 => text()].boxed()
}

fn number() -> BoxedStrategy<Value> {
    prop_oneof![
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop::sample::select(&[0u64, 1, 255, 65_535, 4_294_967_295, 4_294_967_296, u64::MAX][..]).prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(Value::Number)),
    ]
    .boxed()
}

fn leaf() -> BoxedStrategy<Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        3 => number(),
        3 => text().prop_map(Value::String),
        1 => timestamp_text().prop_map(Value::String),
    ]
    .boxed()
}

fn json_value() -> BoxedStrategy<Value> {
    leaf()
        .prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((key(), inner), 0..8).prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
        .boxed()
}

/// An object with the model's fields. Half the time it is clean (each field absent or valid,
/// extra keys unknown to the model); otherwise fields may hold random JSON and extra keys may be
/// the model's own with random values.
fn shaped(fields: Vec<(&'static str, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
    let clean: Vec<BoxedStrategy<Option<(String, Value)>>> = fields
        .iter()
        .map(|(k, valid)| {
            let k = *k;
            prop_oneof![1 => Just(None), 6 => valid.clone().prop_map(move |v| Some((k.to_string(), v)))].boxed()
        })
        .collect();
    let dirty: Vec<BoxedStrategy<Option<(String, Value)>>> = fields
        .into_iter()
        .map(|(k, valid)| {
            prop_oneof![
                1 => Just(None),
                4 => valid.prop_map(move |v| Some((k.to_string(), v))),
                2 => json_value().prop_map(move |v| Some((k.to_string(), v))),
            ]
            .boxed()
        })
        .collect();
    let build = |(extra, fields): (Vec<(String, Value)>, Vec<Option<(String, Value)>>)| {
        let mut m: Map<String, Value> = extra.into_iter().collect();
        m.extend(fields.into_iter().flatten());
        Value::Object(m)
    };
    prop_oneof![
        (prop::collection::vec(("x_[a-z_]{0,10}".prop_map(String::from), json_value()), 0..3), clean).prop_map(build),
        (prop::collection::vec((key(), json_value()), 0..3), dirty).prop_map(build),
    ]
    .boxed()
}

fn id() -> BoxedStrategy<Value> {
    prop_oneof![3 => (1u64..100_000).prop_map(Value::from), 1 => any::<u64>().prop_map(Value::from)].boxed()
}
fn small() -> BoxedStrategy<Value> {
    prop_oneof![3 => (0u32..100).prop_map(Value::from), 1 => any::<u32>().prop_map(Value::from)].boxed()
}
fn string() -> BoxedStrategy<Value> {
    text().prop_map(Value::String).boxed()
}
fn opt_string() -> BoxedStrategy<Value> {
    prop_oneof![3 => string(), 1 => Just(Value::Null)].boxed()
}
fn one_of(words: &'static [&'static str]) -> BoxedStrategy<Value> {
    prop_oneof![3 => prop::sample::select(words).prop_map(Value::from), 1 => string()].boxed()
}
fn boolean() -> BoxedStrategy<Value> {
    any::<bool>().prop_map(Value::Bool).boxed()
}
fn timestamp() -> BoxedStrategy<Value> {
    timestamp_text().prop_map(Value::String).boxed()
}
fn decimal_string() -> BoxedStrategy<Value> {
    prop_oneof!["-?[0-9]{1,30}(\\.[0-9]{0,20})?", special()].prop_map(Value::String).boxed()
}

fn money() -> BoxedStrategy<Value> {
    shaped(vec![
        ("decimal", prop_oneof![number(), decimal_string()].boxed()),
        ("string", opt_string()),
        ("iso_currency_code", opt_string()),
        ("currency_symbol", opt_string()),
        ("currency_symbol_position", opt_string()),
    ])
}
fn opt_money() -> BoxedStrategy<Value> {
    prop_oneof![3 => money(), 1 => Just(Value::Null)].boxed()
}
fn related() -> BoxedStrategy<Value> {
    prop_oneof![id(), shaped(vec![("id", id()), ("name", opt_string())]), Just(Value::Null)].boxed()
}

fn membership() -> BoxedStrategy<Value> {
    shaped(vec![
        ("id", id()),
        ("name", string()),
        ("type", one_of(&["pack", "recurring_plan", "prepaid_plan"])),
        ("description", opt_string()),
        ("price", opt_money()),
        ("display_price", opt_money()),
        ("one_time_fee", opt_money()),
        ("plans", opt_string()),
        ("for_sale", boolean()),
        ("visible_to_customers", boolean()),
        ("duration", small()),
        ("duration_unit", one_of(&["month", "months", "week", "s", ""])),
    ])
}

fn payment_plan() -> BoxedStrategy<Value> {
    let joining_fee = prop_oneof![id(), shaped(vec![("id", id()), ("amount", money())]), Just(Value::Null)].boxed();
    shaped(vec![
        ("id", id()),
        ("status", one_of(&["for_sale", "unavailable"])),
        ("price", opt_money()),
        ("billing_period_length", small()),
        ("billing_period_unit", one_of(&["week", "weeks", "month", "s", ""])),
        ("committed_billing_periods", small()),
        ("duration_description", opt_string()),
        ("price_with_period", opt_string()),
        ("joining_fee", joining_fee),
    ])
}

fn event() -> BoxedStrategy<Value> {
    shaped(vec![
        ("id", id()),
        ("name", string()),
        ("starts_at", timestamp()),
        ("ends_at", timestamp()),
        ("status", one_of(&["active", "cancelled"])),
        ("max_occupancy", small()),
        ("attending_count", small()),
        ("venue", related()),
        ("offering_type", related()),
    ])
}

fn slot() -> BoxedStrategy<Value> {
    shaped(vec![
        ("id", string()),
        ("starts_at", timestamp()),
        ("ends_at", timestamp()),
        ("offering_type", related()),
        ("instructor", related()),
        ("available", boolean()),
    ])
}

fn profile() -> BoxedStrategy<Value> {
    shaped(vec![
        ("id", id()),
        ("profile_type", one_of(&["customer", "staff"])),
        ("provider", related()),
        ("name", opt_string()),
    ])
}

fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(&["a.example", "Pay.Example.com", "goteamup.com", "127.0.0.1", "localhost", "[::1]", "xn--bcher-kva.example", "-a.example", "a.example.", "ä.example", "[", "]", "[]", "[::1", "a_b.example", ""][..]).prop_map(str::to_owned),
        1 => "[a-zA-Z0-9.\\-\\[\\]:_]{0,20}",
    ]
}

fn url_text() -> BoxedStrategy<String> {
    let scheme = prop::sample::select(&["https://", "http://", "HTTPS://", "/", "//", "", "ftp://", "javascript:"][..]);
    let host = prop::sample::select(
        &["a.example", "goteamup.com", "127.0.0.1:8787", "[::1]:80", "", "a@b.example", "ä.example", ":", "...", "a b"][..],
    );
    let path = prop_oneof![
        3 => "(/[a-z0-9._~-]{0,8}){0,3}/?(\\?[a-z=&]{0,10})?(#[a-z]{0,4})?",
        1 => text(),
    ];
    prop_oneof![
        4 => (scheme, host, path).prop_map(|(s, h, p)| format!("{s}{h}{p}")),
        1 => text(),
    ]
    .boxed()
}

fn offer() -> BoxedStrategy<Value> {
    shaped(vec![("next_url", url_text().prop_map(Value::String).boxed()), ("expires_at", timestamp())])
}

fn price() -> BoxedStrategy<Value> {
    shaped(vec![("amount", prop_oneof![decimal_string(), string()].boxed()), ("currency", one_of(&["EUR", "GBP"]))])
}

fn uelz_plan() -> BoxedStrategy<Value> {
    shaped(vec![
        ("id", string()),
        ("name", string()),
        ("description", opt_string()),
        ("kind", one_of(&["one_off", "recurring"])),
        ("price", price()),
        ("period", prop_oneof![shaped(vec![("unit", one_of(&["day", "week", "month", "quarter", "year"]))]), Just(Value::Null)].boxed()),
        ("billing_cycles", small()),
        ("trial_days", small()),
        ("needs_activation_date", boolean()),
        ("term_days", small()),
    ])
}

fn coupon_quote() -> BoxedStrategy<Value> {
    shaped(vec![("code", string()), ("name", string()), ("discount", price()), ("total", price())])
}

fn pending_offer() -> BoxedStrategy<Value> {
    shaped(vec![("next_url", url_text().prop_map(Value::String).boxed()), ("expires_local_ms", number()), ("membership_name", string())])
}

fn attempt() -> BoxedStrategy<Value> {
    shaped(vec![("external_id", string()), ("fingerprint", string())])
}

fn page_of(item: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    let results = prop_oneof![
        4 => prop::collection::vec(item, 0..5).prop_map(Value::Array),
        1 => json_value(),
    ]
    .boxed();
    shaped(vec![("count", number()), ("next", opt_string()), ("previous", opt_string()), ("results", results)])
}

/// A document shaped like one of the responses the widget reads.
fn model_doc() -> BoxedStrategy<Value> {
    prop_oneof![
        membership(),
        payment_plan(),
        event(),
        slot(),
        profile(),
        offer(),
        money(),
        uelz_plan(),
        coupon_quote(),
        pending_offer(),
        attempt(),
        page_of(membership()),
        page_of(payment_plan()),
        page_of(event()),
        page_of(slot()),
        page_of(profile()),
        shaped(vec![("plans", prop::collection::vec(uelz_plan(), 0..4).prop_map(Value::Array).boxed())]),
    ]
    .boxed()
}

/// JSON text with tokens a `Value` cannot hold (huge or malformed numbers, bad escapes, lone
/// surrogates, duplicate keys), optionally cut short or with a character spliced in.
fn raw_json_text() -> BoxedStrategy<String> {
    const TOKENS: &[&str] = &[
        "1e400", "-1e400", "123456789012345678901234567890", "18446744073709551616", "-9223372036854775809", "-0",
        "0.0000000000000000000000001", "01", "1.", ".5", "0x10", "NaN", "Infinity", "+1", "\"\\ud800\"", "\"\\u00\"",
        "\"\\x41\"", "\"\u{0}\"", "nul", "tru", "[", "{", "]", "}", ",", ":", "\"", "[]", "{}", "null",
    ];
    let doc = (model_doc(), prop::sample::select(KEYS), prop::sample::select(TOKENS)).prop_map(|(doc, k, token)| {
        // Put the token in place of one field's value.
        let mut text = doc.to_string();
        let needle = format!("\"{k}\":");
        if let Some(at) = text.find(&needle) {
            let start = at + needle.len();
            text.insert_str(start, &format!("{token},\"_replaced\":"));
        } else {
            text = format!("{{\"{k}\":{token}}}");
        }
        text
    });
    let mutated = (model_doc(), any::<prop::sample::Index>(), any::<char>(), any::<bool>()).prop_map(|(doc, at, c, cut)| {
        let mut chars: Vec<char> = doc.to_string().chars().collect();
        let i = at.index(chars.len() + 1);
        if cut {
            chars.truncate(i);
        } else {
            chars.insert(i, c);
        }
        chars.into_iter().collect()
    });
    let duplicated = model_doc().prop_map(|doc| {
        let text = doc.to_string();
        match text.strip_prefix('{').filter(|rest| rest.len() > 1) {
            Some(rest) => format!("{{{},{rest}", &rest[..rest.len() - 1]),
            None => text,
        }
    });
    let deep = (1usize..5_000, prop::sample::select(&["[", "{\"results\":", "{\"price\":", "[{\"id\":"][..]))
        .prop_map(|(n, open)| open.repeat(n));
    prop_oneof![3 => doc, 3 => mutated, 1 => duplicated, 1 => deep].boxed()
}

// ---------------------------------------------------------------------------------------------
// Exercising the models
// ---------------------------------------------------------------------------------------------

const NOW: f64 = 1_795_000_000_000.0;

fn use_membership(m: &Membership) {
    for lang in Lang::ALL {
        let tr = Tr::of(lang);
        let _ = (m.needs_plan(), tr.t(m.kind_key()), m.price_label(tr), m.duration_label(tr), m.is_purchasable());
    }
}
fn use_plan(p: &PaymentPlan) {
    for lang in Lang::ALL {
        let tr = Tr::of(lang);
        let _ = (p.is_for_sale(), p.period_label(tr), p.price_label(tr), p.commitment_label(tr), p.joining_fee_label(tr), p.due_today_label(tr));

    }
}
fn use_event(e: &Event) {
    let _ = (e.is_full(), e.is_bookable(NOW), e.is_bookable(f64::NAN), e.permission_group());
}
fn use_slot(s: &Slot) {
    let _ = (s.is_bookable(NOW), s.is_bookable(f64::NEG_INFINITY));
}
fn use_offer(o: &Offer) {
    let parsed = o.expires_at_ms();
    let read = read_offer(&Reply { body: serde_json::to_string(o).unwrap(), server_date_ms: None });
    assert_eq!(read.is_ok(), parsed.is_some(), "{o:?}");
    if let Some(pending) = PendingOffer::new(o, Some(NOW), NOW + 5_000.0, "m".into()) {
        let _ = pending.remaining_ms(NOW);
    }
}
fn use_money(m: &Money) {
    let _ = (m.label(Tr::english()), m.is_zero());
}
fn use_price(p: &Price) {
    assert!(p.value().is_none_or(f64::is_finite), "{p:?}");
    let _ = p.is_zero();
}
fn use_uelz_plan(p: &UelzPlan) {
    for lang in Lang::ALL {
        let tr = Tr::of(lang);
        let _ = (p.is_recurring(), p.price_label(tr), p.billing_terms(tr));
    }
    use_price(&p.price);
}

/// Parses `doc` as every response type the widget reads and uses what parses. Errors are fine;
/// panics are not.
fn exercise(doc: &str) {
    if let Ok(m) = serde_json::from_str::<Membership>(doc) {
        use_membership(&m);
    }
    if let Ok(p) = serde_json::from_str::<PaymentPlan>(doc) {
        use_plan(&p);
    }
    if let Ok(e) = serde_json::from_str::<Event>(doc) {
        use_event(&e);
    }
    if let Ok(s) = serde_json::from_str::<Slot>(doc) {
        use_slot(&s);
    }
    if let Ok(p) = serde_json::from_str::<Profile>(doc) {
        let _ = customer_id_for(std::slice::from_ref(&p), p.provider.as_ref().and_then(Related::id).unwrap_or(1));
    }
    if let Ok(o) = serde_json::from_str::<Offer>(doc) {
        use_offer(&o);
    }
    if let Ok(m) = serde_json::from_str::<Money>(doc) {
        use_money(&m);
    }
    if let Ok(r) = serde_json::from_str::<Related>(doc) {
        let _ = (r.id(), r.name());
    }
    let _ = serde_json::from_str::<JoiningFeeField>(doc);
    if let Ok(page) = serde_json::from_str::<Page<Membership>>(doc) {
        page.results.iter().for_each(use_membership);
    }
    if let Ok(page) = serde_json::from_str::<Page<PaymentPlan>>(doc) {
        page.results.iter().for_each(use_plan);
    }
    if let Ok(page) = serde_json::from_str::<Page<Event>>(doc) {
        page.results.iter().for_each(use_event);
    }
    if let Ok(page) = serde_json::from_str::<Page<Slot>>(doc) {
        page.results.iter().for_each(use_slot);
    }
    if let Ok(page) = serde_json::from_str::<Page<Profile>>(doc) {
        let _ = customer_id_for(&page.results, 100);
    }
    if let Ok(p) = serde_json::from_str::<UelzPlan>(doc) {
        use_uelz_plan(&p);
    }
    if let Ok(reply) = serde_json::from_str::<PlansReply>(doc) {
        reply.plans.iter().for_each(use_uelz_plan);
    }
    if let Ok(q) = serde_json::from_str::<CouponQuote>(doc) {
        use_price(&q.discount);
        use_price(&q.total);
    }
    if let Ok(p) = serde_json::from_str::<Price>(doc) {
        use_price(&p);
    }
    let _ = serde_json::from_str::<Period>(doc);
    if let Ok(p) = serde_json::from_str::<PendingOffer>(doc) {
        let _ = p.remaining_ms(NOW);
    }
    let _ = serde_json::from_str::<Attempt>(doc);
    if let Ok(p) = serde_json::from_str::<Provider>(doc) {
        let _ = p.time_zone().map(|z| assert!(!z.is_empty() && z.trim() == z));
    }
    if let Ok(page) = serde_json::from_str::<Page<CustomerMembership>>(doc) {
        let receipt = membership_checkout::backend::Receipt::TeamUp { customer: 1, membership: 1, booking: None, known: None, since: "2024-01-01".into() };
        let booked: Vec<Attendance> = serde_json::from_str(doc).unwrap_or_default();
        let _ = membership_checkout::backend::teamup::confirmation_of(&receipt, &page.results, Some(&booked));
    }
}

fn exercise_bytes(doc: &[u8]) {
    let _ = serde_json::from_slice::<Page<Membership>>(doc);
    let _ = serde_json::from_slice::<Page<PaymentPlan>>(doc);
    let _ = serde_json::from_slice::<Page<Event>>(doc);
    let _ = serde_json::from_slice::<Page<Slot>>(doc);
    let _ = serde_json::from_slice::<Page<Profile>>(doc);
    let _ = serde_json::from_slice::<Offer>(doc);
    let _ = serde_json::from_slice::<PlansReply>(doc);
    let _ = serde_json::from_slice::<CouponQuote>(doc);
    let _ = serde_json::from_slice::<PendingOffer>(doc);
    let _ = serde_json::from_slice::<Attempt>(doc);
    exercise(&String::from_utf8_lossy(doc));
}

// ---------------------------------------------------------------------------------------------
// Response models
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn models_never_panic_on_arbitrary_text(doc in text()) {
        exercise(&doc);
    }

    #[test]
    fn models_never_panic_on_arbitrary_bytes(doc in prop::collection::vec(any::<u8>(), 0..256)) {
        exercise_bytes(&doc);
    }

    #[test]
    fn models_never_panic_on_random_json(doc in json_value()) {
        exercise(&doc.to_string());
    }


    #[test]
    fn models_never_panic_on_broken_json_text(doc in raw_json_text()) {
        exercise_bytes(doc.as_bytes());
    }
}

proptest! {
    #![proptest_config(config(512))]

    /// Half of these are clean documents, so the models' methods run on what parses.
    #[test]
    fn models_never_panic_on_near_valid_json(doc in model_doc()) {
        exercise(&doc.to_string());
    }

    /// Lenient parsing: required fields with the right types are enough, whatever else comes.
    #[test]
    fn unknown_fields_never_reject_a_valid_membership(
        id in 1u64..u64::MAX,
        name in text(),
        extra in prop::collection::vec((text(), json_value()), 0..6),
    ) {
        let mut obj: Map<String, Value> = extra.into_iter().filter(|(k, _)| !KEYS.contains(&k.as_str())).collect();
        obj.insert("id".into(), id.into());
        obj.insert("name".into(), name.clone().into());
        let doc = Value::Object(obj).to_string();
        let m: Membership = serde_json::from_str(&doc).unwrap();
        prop_assert_eq!((m.id, m.name, m.kind.as_str(), m.for_sale, m.visible_to_customers), (id, name, "", true, true));
        let page: Page<Membership> = serde_json::from_str(&format!(r#"{{"results":[{doc}],"next":null}}"#)).unwrap();
        prop_assert_eq!(page.results.len(), 1);
    }
}

// ---------------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(MANY))]

    #[test]
    fn rfc3339_never_panics(s in text()) {
        let _ = parse_rfc3339_ms(&s);
    }

    #[test]
    fn rfc3339_never_panics_near_valid(s in near_stamp()) {
        if let Some(ms) = parse_rfc3339_ms(&s) {
            prop_assert!(ms.is_finite());
        }
    }

    #[test]
    fn rfc3339_valid_timestamps_give_their_instant_and_round_trip(s in stamp()) {
        let ms = parse_rfc3339_ms(&s.text);
        prop_assert_eq!(ms, Some(s.ms as f64), "{}", s.text);
        let formatted = format_rfc3339_ms(s.ms as f64);
        prop_assert_eq!(formatted.len(), 24, "{}", formatted);
        prop_assert_eq!(parse_rfc3339_ms(&formatted), Some(s.ms as f64), "{} -> {}", s.text, formatted);
        // Surrounding whitespace is ignored.
        prop_assert_eq!(parse_rfc3339_ms(&format!(" {}\n", s.text)), Some(s.ms as f64));
    }

    /// Every whole millisecond between years 0000 and 9999 survives format → parse.
    #[test]
    fn format_then_parse_is_identity(ms in -62_167_219_200_000i64..=253_402_300_799_999) {
        prop_assert_eq!(parse_rfc3339_ms(&format_rfc3339_ms(ms as f64)), Some(ms as f64));
    }

    #[test]
    fn formatting_never_panics_for_any_f64(ms in any::<f64>()) {
        let _ = format_rfc3339_ms(ms);
        let countdown = format_countdown(ms);
        let (minutes, seconds) = countdown.split_once(':').unwrap();
        prop_assert!(minutes.len() >= 2 && minutes.bytes().all(|b| b.is_ascii_digit()), "{}", countdown);
        prop_assert!(seconds.len() == 2 && seconds.parse::<u8>().unwrap() < 60, "{}", countdown);
        if ms.is_nan() || ms <= 0.0 {
            prop_assert_eq!(countdown.as_str(), "00:00");
        } else if ms < 1e12 {
            let total: u64 = minutes.parse::<u64>().unwrap() * 60 + seconds.parse::<u64>().unwrap();
            prop_assert_eq!(total, (ms / 1000.0).ceil() as u64);
        }
    }
}

#[test]
fn formatting_extremes() {
    for ms in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, f64::MAX, f64::MIN, f64::MIN_POSITIVE, -0.0, 1e300, -1e300] {
        let _ = format_rfc3339_ms(ms);
        let _ = format_countdown(ms);
    }
}

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

const ATTRIBUTES: [&str; 16] = [
    settings::CUSTOMER_TOKEN,
    settings::API_PROXY,
    settings::CLIENT_ID,
    settings::TIMEOUT,
    settings::PAYMENT_HOSTS,
    settings::EXTERNAL_RETURN,
    settings::API_BASE,
    settings::PROVIDER_ID,
    settings::TOKEN,
    settings::AUTH_PREFIX,
    settings::REQUEST_MODE,
    settings::CUSTOMER_ID,
    settings::RETURN_URL,
    settings::LOCALE,
    settings::BACKEND,
    settings::GATEWAY_URL,
];

fn number_text() -> BoxedStrategy<String> {
    prop_oneof![3 => (1u64..1_000_000).prop_map(|n| n.to_string()), 1 => any::<u64>().prop_map(|n| n.to_string()), 1 => special()].boxed()
}

fn attribute_value(name: &'static str) -> BoxedStrategy<String> {
    let likely: BoxedStrategy<String> = match name {
        settings::API_BASE | settings::API_PROXY | settings::RETURN_URL | settings::GATEWAY_URL => url_text(),
        settings::PROVIDER_ID => number_text(),
        settings::CUSTOMER_ID => prop_oneof![number_text(), "[A-Za-z0-9_-]{0,70}".boxed()].boxed(),
        settings::TOKEN => prop_oneof!["[A-Za-z0-9._-]{1,40}", "(Bearer|Token) [a-z0-9]{1,8}"].boxed(),
        settings::CLIENT_ID => prop_oneof!["[A-Za-z0-9._-]{1,40}", "client id"].boxed(),
        settings::CUSTOMER_TOKEN => prop_oneof!["v[0-9]\\.[A-Za-z0-9_ -]{0,66}\\.[0-9a-z]{0,13}\\.[A-Za-z0-9_+/=-]{0,45}", "[A-Za-z0-9._-]{1,40}"].boxed(),
        settings::AUTH_PREFIX => prop::sample::select(&["Bearer", "token", "JWT", "jwt", "Basic", ""][..]).prop_map(str::to_owned).boxed(),
        settings::REQUEST_MODE => prop::sample::select(&["customer", "Provider", "admin", ""][..]).prop_map(str::to_owned).boxed(),
        settings::BACKEND => prop::sample::select(&["teamup", "uelz", "UELZ", "TeamUp", "stripe", ""][..]).prop_map(str::to_owned).boxed(),
        settings::LOCALE => "[a-zA-Z]{0,9}([-_][a-zA-Z0-9]{0,9}){0,3}".boxed(),
        settings::TIMEOUT => prop_oneof![(0u64..200).prop_map(|n| n.to_string()).boxed(), number_text()].boxed(),
        settings::PAYMENT_HOSTS => prop::collection::vec(prop_oneof![host().boxed(), text()], 0..4)
            .prop_flat_map(|hosts| prop::sample::select(&[",", ", ", " ", ",,"][..]).prop_map(move |sep| hosts.join(sep)))
            .boxed(),
        settings::EXTERNAL_RETURN => prop::sample::select(&["", "true", "false"][..]).prop_map(str::to_owned).boxed(),
        _ => text(),
    };
    let padding = prop::sample::select(&["", "", " ", "\t\n", "\u{a0}", "\u{3000}"][..]);
    (prop_oneof![4 => likely, 1 => text()], padding.clone(), padding).prop_map(|(v, a, b)| format!("{a}{v}{b}")).boxed()
}

/// Values the attribute accepts (mostly), for attribute maps that get past validation.
fn valid_attribute_value(name: &'static str) -> BoxedStrategy<String> {
    fn words(w: &'static [&'static str]) -> BoxedStrategy<String> {
        prop::sample::select(w).prop_map(str::to_owned).boxed()
    }
    match name {
        settings::API_BASE | settings::API_PROXY | settings::GATEWAY_URL => prop_oneof![
            words(&["https://goteamup.com/api/v2", "/api/v2/", "http://127.0.0.1:8787", "https://pay.studio.example/v1/"]),
            "(https?://[a-z]{1,8}\\.example(:[0-9]{1,5})?)?(/[a-z0-9._~-]{1,6}){1,3}/{0,2}".boxed(),
        ]
        .boxed(),
        settings::PROVIDER_ID => prop_oneof![(1u64..1_000_000).prop_map(|n| n.to_string()), any::<u64>().prop_map(|n| n.to_string())].boxed(),
        settings::TOKEN => "[A-Za-z0-9._-]{1,40}".boxed(),
        settings::CLIENT_ID => "[A-Za-z0-9._-]{1,40}".boxed(),
        settings::CUSTOMER_TOKEN => "v1\\.[A-Za-z0-9_-]{1,64}\\.[0-9]{1,12}\\.[A-Za-z0-9_-]{43}".boxed(),
        settings::AUTH_PREFIX => words(&["Bearer", "token", "JWT"]),
        settings::REQUEST_MODE => words(&["customer", "Provider"]),
        settings::CUSTOMER_ID => prop_oneof![(1u64..1_000_000).prop_map(|n| n.to_string()), "[A-Za-z0-9_-]{1,64}".boxed()].boxed(),
        settings::RETURN_URL => prop_oneof![
            words(&["/thanks", "https://studio.example/done", "https://STUDIO.example/x?y#z", "https://elsewhere.example/"]),
            "(/[a-z0-9._~-]{1,6}){1,3}(\\?[a-z]=[a-z])?".boxed(),
        ]
        .boxed(),
        settings::LOCALE => words(&["en-GB", "de", "zh-Hant-TW", "pt_BR"]),
        settings::BACKEND => words(&["teamup", "uelz", "UELZ", "TeamUp"]),
        settings::TIMEOUT => (1u32..=120).prop_map(|n| n.to_string()).boxed(),
        settings::PAYMENT_HOSTS => prop::collection::vec(words(&["pay.example.com", "GoTeamUp.com", "127.0.0.1", "[::1]"]), 1..4)
            .prop_map(|h| h.join(", "))
            .boxed(),
        _ => words(&[""]),
    }
}

fn attributes() -> BoxedStrategy<HashMap<String, String>> {
    let dirty: Vec<BoxedStrategy<Option<(String, String)>>> = ATTRIBUTES
        .iter()
        .map(|&name| prop::option::weighted(0.7, attribute_value(name).prop_map(move |v| (name.to_string(), v))).boxed())
        .collect();
    let clean: Vec<BoxedStrategy<Option<(String, String)>>> = ATTRIBUTES
        .iter()
        .map(|&name| {
            let required = [settings::API_BASE, settings::PROVIDER_ID, settings::TOKEN, settings::GATEWAY_URL].contains(&name);
            prop::option::weighted(if required { 0.95 } else { 0.4 }, valid_attribute_value(name).prop_map(move |v| (name.to_string(), v)))
                .boxed()
        })
        .collect();
    let build = |(known, unknown): (Vec<Option<(String, String)>>, Vec<(String, String)>)| {
        unknown.into_iter().chain(known.into_iter().flatten()).collect::<HashMap<_, _>>()
    };
    prop_oneof![
        (dirty, prop::collection::vec((text(), text()), 0..3)).prop_map(build),
        (clean, prop::collection::vec(("data-x-[a-z-]{1,10}".prop_map(String::from), text()), 0..3)).prop_map(build),
    ]
    .boxed()
}

fn page_url() -> BoxedStrategy<String> {
    prop_oneof![
        4 => prop::sample::select(&["https://studio.example/join?x=1", "https://studio.example", "http://localhost:8080/", "about:blank", "file:///x.html", "", "https://", "https://a@b/"][..]).prop_map(str::to_owned),
        2 => url_text(),
        1 => text(),
    ]
    .boxed()
}

fn assert_http_url(url: &str, what: &str) {
    assert!(is_absolute_http_url(url), "{what} {url:?}");
    assert!(url.starts_with("https://") || url.starts_with("http://"), "{what} {url:?}");
    assert!(!url.chars().any(|c| c.is_whitespace() || c.is_control()), "{what} {url:?}");
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn settings_never_panic_and_are_valid_when_accepted(attrs in attributes(), page in page_url()) {
        let asked = std::cell::RefCell::new(Vec::new());
        let result = settings::parse(|name| { asked.borrow_mut().push(name.to_string()); attrs.get(name).cloned() }, &page);
        prop_assert!(asked.borrow().iter().all(|n| ATTRIBUTES.contains(&n.as_str())), "reads only its own attributes");
        match result {
            Ok(s) => {
                match &s.backend {
                    Backend::TeamUp(t) => {
                        assert_http_url(&t.api_base, "api base");
                        prop_assert!(!t.api_base.ends_with('/'));
                        if let Some(proxy) = &t.api_proxy {
                            assert_http_url(proxy, "api proxy");
                            prop_assert!(!proxy.ends_with('/'));
                        }
                        prop_assert!(t.provider_id > 0);
                        prop_assert!(t.customer_id.is_none_or(|c| c > 0));
                        prop_assert!(["Bearer", "Token", "JWT"].contains(&t.auth_prefix.as_str()));
                        prop_assert!(t.token.is_some() || t.client_id.is_some(), "a token, or a way to sign in");
                        for credential in [&t.token, &t.client_id].into_iter().flatten() {
                            prop_assert!(!credential.is_empty() && !credential.chars().any(|c| c.is_whitespace() || c.is_control()));
                        }
                        prop_assert!(matches!(t.request_mode, RequestMode::Customer | RequestMode::Provider));
                    }
                    Backend::Uelz(u) => {
                        assert_http_url(&u.gateway_url, "gateway url");
                        prop_assert!(!u.gateway_url.ends_with('/'));
                        prop_assert!(attrs.get(settings::CUSTOMER_ID).is_none_or(|v| v.trim().is_empty()), "a bare customer id is refused in Uelz mode");
                        if let Some(t) = &u.customer_token {
                            let id = settings::signed_customer_id(t);
                            prop_assert!(id.is_some_and(|id| !id.is_empty() && id.len() <= 64), "{:?}", t);
                            prop_assert!(!t.chars().any(|c| c.is_whitespace() || c.is_control()));
                        }
                    }
                }
                if let Some(r) = &s.return_url {
                    assert_http_url(r, "return url");
                    if !attrs.contains_key(settings::EXTERNAL_RETURN) {
                        let lower = |u: &str| origin_of(u).map(str::to_ascii_lowercase);
                        prop_assert_eq!(lower(r), lower(&page), "same-origin return url");
                    }
                }
                prop_assert!((1000..=120_000).contains(&s.timeout_ms) && s.timeout_ms % 1000 == 0, "{}", s.timeout_ms);
                for h in &s.payment_hosts {
                    let (host, port) = h.rsplit_once(':').expect("host:port");
                    prop_assert!(settings::is_host_name(host) && *h == h.to_ascii_lowercase(), "{:?}", h);
                    prop_assert!(port.parse::<u16>().is_ok(), "{:?}", h);
                }
                if let Some(l) = &s.locale {
                    prop_assert!(!l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
                }
            }
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                let mut named: Vec<&str> = errors.iter().map(|e| e.attribute).collect();
                prop_assert!(named.iter().all(|a| ATTRIBUTES.contains(a)), "{:?}", named);
                prop_assert!(errors.iter().all(|e| !e.message.is_empty() && e.to_string().starts_with(e.attribute)));
                named.sort_unstable();
                let before = named.len();
                named.dedup();
                prop_assert_eq!(before, named.len(), "each attribute is reported once");
            }
        }
    }

    /// Attribute values are read trimmed: padding them never changes the outcome.
    #[test]
    fn settings_ignore_surrounding_whitespace(attrs in attributes(), page in page_url()) {
        let padded: HashMap<String, String> = attrs.iter().map(|(k, v)| (k.clone(), format!(" \t{v}\n "))).collect();
        prop_assert_eq!(
            settings::parse(|n| attrs.get(n).cloned(), &page),
            settings::parse(|n| padded.get(n).cloned(), &page)
        );
    }
}

proptest! {
    #![proptest_config(config(MANY))]

    #[test]
    fn url_checks_never_panic(url in prop_oneof![url_text(), text()]) {
        // The strict reader the transport decides by: never panics, and what it resolves it can read.
        if let Some(origin) = membership_checkout::url::origin(&url) {
            prop_assert!(membership_checkout::url::is_on(&url, &origin));
        }
        if let Some(resolved) = membership_checkout::url::resolve("https://api.example/api/v2/memberships?page=1", &url) {
            prop_assert!(membership_checkout::url::split(&resolved).is_some(), "{:?} -> {:?}", url, resolved);
        }
        if let Some(origin) = origin_of(&url) {
            prop_assert!(url.starts_with(origin));
            prop_assert!(origin.starts_with("https://") || origin.starts_with("http://"));
        }
        if is_absolute_http_url(&url) {
            prop_assert!(origin_of(&url).is_some());
            prop_assert!(!url.chars().any(|c| c.is_whitespace() || c.is_control()));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Error bodies
// ---------------------------------------------------------------------------------------------

const GENERIC_5XX: &str = "The booking system had a problem. Please try again in a moment.";

fn status() -> BoxedStrategy<u16> {
    prop_oneof![
        2 => prop::sample::select(&[0u16, 99, 200, 400, 401, 403, 404, 408, 409, 422, 429, 499, 500, 502, 503, 504, 599, 600, 999, u16::MAX][..]),
        1 => any::<u16>(),
    ]
    .boxed()
}

fn message_value() -> BoxedStrategy<Value> {
    prop_oneof![
        3 => string(),
        1 => "<script>[a-z()]{0,10}</script>[ -~]{0,20}".prop_map(Value::String),
        1 => "[a-z ]{280,320}".prop_map(Value::String),
        1 => prop::sample::select(&["You request was invalid", "Invalid input.", "  ", "Invalid token."][..]).prop_map(Value::from),
        1 => leaf(),
    ]
    .boxed()
}

fn field_map() -> BoxedStrategy<Value> {
    let messages = prop_oneof![
        string(),
        prop::collection::vec(prop_oneof![3 => string(), 1 => leaf()], 0..4).prop_map(Value::Array),
        json_value(),
    ];
    prop::collection::vec((prop_oneof![3 => prop::sample::select(KEYS).prop_map(str::to_owned), 1 => text()], messages), 0..5)
        .prop_map(|kv| Value::Object(kv.into_iter().collect()))
        .boxed()
}

fn error_body() -> BoxedStrategy<String> {
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
fn expected_fields(body: &str) -> Vec<(String, Vec<String>)> {
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
fn body_message(body: &str) -> Option<String> {
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
// Payment page addresses (redirect)
// ---------------------------------------------------------------------------------------------

fn payment_url() -> BoxedStrategy<String> {
    let scheme = prop::sample::select(&["https://", "HTTPS://", "http://", "hTTp://", "javascript:", "//", "https:/", "data:"][..]);
    let userinfo = prop::sample::select(&["", "", "", "u@", "u:p@", "goteamup.com@", "@"][..]);
    let port = prop::sample::select(&["", "", ":443", ":8787", ":", ":x", ":99999999999999999999", "]:1"][..]);
    let path = prop_oneof![
        3 => "(/[a-z0-9._~@-]{0,8}){0,3}(\\?[a-z=&@]{0,10})?(#[a-z@]{0,4})?",
        1 => text(),
    ];
    (scheme, userinfo, host(), port, path).prop_map(|(s, u, h, p, rest)| format!("{s}{u}{h}{p}{rest}")).boxed()
}

proptest! {
    #![proptest_config(config(MANY))]

    #[test]
    fn payment_urls_are_followed_only_when_safe(
        url in prop_oneof![3 => payment_url(), 1 => url_text(), 1 => text()],
        mut allowed in prop::collection::vec(host().prop_map(|h| format!("{}:443", h.to_ascii_lowercase())), 0..4),
        approve in any::<bool>(),
    ) {
        let entry = allow_entry(&url);
        if let Some(e) = entry.clone().filter(|_| approve) {
            allowed.push(e);
        }
        if let Some(e) = &entry {
            let (h, port) = e.rsplit_once(':').expect("host:port");
            prop_assert!(settings::is_host_name(h) && *e == e.to_ascii_lowercase(), "{:?}", e);
            prop_assert!(port.parse::<u16>().is_ok(), "{:?}", e);
        }
        match check_payment_url(&url, &allowed) {
            Ok(()) => {
                let lower = url.to_ascii_lowercase();
                let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
                prop_assert!(rest.is_some(), "{:?}", url);
                let authority = rest.unwrap().split(['/', '?', '#']).next().unwrap();
                prop_assert!(!authority.contains('@'), "{:?}", url);
                prop_assert!(!url.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\\'), "{:?}", url);
                let entry = entry.unwrap();
                prop_assert!(allowed.contains(&entry), "{:?} {:?}", url, allowed);
                let host = entry.rsplit_once(':').unwrap().0;
                if lower.starts_with("http://") {
                    prop_assert!(["127.0.0.1", "localhost", "[::1]"].contains(&host), "{:?}", url);
                }
            }
            Err(Refusal(message)) => prop_assert!(!message.is_empty()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sign-in return parameters (what the authorization server adds to the page's address)
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct ReturnUrl {
    base: String,
    pairs: Vec<String>,
    fragment: Option<String>,
}

impl ReturnUrl {
    fn render(&self) -> String {
        let mut url = self.base.clone();
        if !self.pairs.is_empty() {
            url.push('?');
            url.push_str(&self.pairs.join("&"));
        }
        if let Some(f) = &self.fragment {
            url.push('#');
            url.push_str(f);
        }
        url
    }
}

fn param_key() -> BoxedStrategy<String> {
    prop_oneof![
        3 => prop::sample::select(&["code", "state", "iss", "error", "error_description", "a", "outcome", "Code", "codes", "state_", "c%6Fde", "", " state"][..]).prop_map(str::to_owned),
        1 => "[a-z_%+ ]{0,6}",
    ]
    .boxed()
}

fn param_value() -> BoxedStrategy<String> {
    prop_oneof![
        3 => prop::sample::select(&["abc", "xyz", "access_denied", "<script>", "https%3A%2F%2Fgoteamup.com", "", "a=b", "x?y", "%20"][..]).prop_map(str::to_owned),
        1 => "[A-Za-z0-9_-]{0,70}",
        1 => text().prop_map(|t| t.replace(['&', '#'], "")),
    ]
    .boxed()
}

fn return_url() -> BoxedStrategy<ReturnUrl> {
    let base = prop_oneof![
        3 => prop::sample::select(&["https://s.example/j", "https://s.example", "/p", "", "https://s.example/a;b/"][..]).prop_map(str::to_owned),
        1 => text().prop_map(|t| t.replace(['?', '#'], "")),
    ];
    let pair = (param_key(), prop::option::of(param_value())).prop_map(|(k, v)| match v {
        Some(v) => format!("{k}={v}"),
        None => k,
    });
    let fragment = prop::option::of(prop_oneof![Just("code=abc&a=1".to_string()), "[a-z?&=#/]{0,10}".boxed(), text()]);
    (base, prop::collection::vec(pair, 0..7), fragment).prop_map(|(base, pairs, fragment)| ReturnUrl { base, pairs, fragment }).boxed()
}

fn key_of(pair: &str) -> &str {
    pair.split('=').next().unwrap_or("")
}

fn is_ours(pair: &str) -> bool {
    RETURN_PARAMS.contains(&key_of(pair))
}

/// The query part of a URL, as `location.search` would hold it (without `?`).
fn query_of(url: &str) -> &str {
    let before_fragment = url.split('#').next().unwrap_or("");
    before_fragment.split_once('?').map_or("", |(_, q)| q)
}

proptest! {
    #![proptest_config(config(MANY))]

    #[test]
    fn strip_return_params_on_any_text(url in text()) {
        let stripped = strip_return_params(&url);
        prop_assert_eq!(strip_return_params(&stripped), stripped.clone(), "idempotent");
        prop_assert!(!query_of(&stripped).split('&').any(is_ours), "{:?}", stripped);
    }

    #[test]
    fn strip_return_params_keeps_everything_else_in_order(u in return_url()) {
        let url = u.render();
        let stripped = strip_return_params(&url);
        let expected = ReturnUrl {
            base: u.base.clone(),
            pairs: u.pairs.iter().filter(|p| !p.is_empty() && !is_ours(p)).cloned().collect(),
            fragment: u.fragment.clone(),
        };
        prop_assert_eq!(&stripped, &expected.render());
        prop_assert_eq!(strip_return_params(&stripped), stripped.clone(), "idempotent");
        prop_assert!(!query_of(&stripped).split('&').any(is_ours));
    }
}

// ---------------------------------------------------------------------------------------------
// Percent-encoding
// ---------------------------------------------------------------------------------------------

fn decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

proptest! {
    #![proptest_config(config(MANY))]

    #[test]
    fn encode_is_unreserved_or_escaped_and_reversible(s in text()) {
        let e = encode(&s);
        let b = e.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' {
                prop_assert!(i + 2 < b.len() && b[i + 1..i + 3].iter().all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(c)), "{}", e);
                i += 3;
            } else {
                prop_assert!(b[i].is_ascii_alphanumeric() || b"-_.~".contains(&b[i]), "{}", e);
                i += 1;
            }
        }
        prop_assert_eq!(decode(&e), s.as_bytes());
    }
}

// ---------------------------------------------------------------------------------------------
// Uelz form helpers
// ---------------------------------------------------------------------------------------------

fn date_text() -> BoxedStrategy<String> {
    let valid = (0u32..10_000, 1u32..=12, 1u32..=31).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"));
    let mutated = ((0u32..10_000, 0u32..100, 0u32..100), any::<prop::sample::Index>(), prop_oneof![any::<char>(), prop::sample::select(&['é', '€', '😀', '٣', '-', '0'][..])])
        .prop_map(|((y, m, d), at, c)| {
            let mut chars: Vec<char> = format!("{y:04}-{m:02}-{d:02}").chars().collect();
            chars[at.index(10)] = c;
            chars.into_iter().collect()
        });
    prop_oneof![valid, mutated, text()].boxed()
}

proptest! {
    #![proptest_config(config(MANY))]

    #[test]
    fn uuid_v4_is_always_a_valid_v4_uuid(bytes in any::<[u8; 16]>()) {
        let id = uuid_v4(bytes);
        let groups: Vec<&str> = id.split('-').collect();
        prop_assert_eq!(groups.iter().map(|g| g.len()).collect::<Vec<_>>(), vec![8, 4, 4, 4, 12], "{}", id);
        prop_assert!(id.bytes().all(|b| b == b'-' || b.is_ascii_digit() || (b'a'..=b'f').contains(&b)), "{}", id);
        prop_assert_eq!(&groups[2][..1], "4");
        prop_assert!("89ab".contains(&groups[3][..1]));
        // Everything but the version and variant bits comes from the input.
        let hex: String = groups.concat();
        let out: Vec<u8> = (0..16).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()).collect();
        for i in 0..16 {
            let mask = match i { 6 => 0x0f, 8 => 0x3f, _ => 0xff };
            prop_assert_eq!(out[i] & mask, bytes[i] & mask);
        }
    }

    #[test]
    fn iso_dates_never_panic(s in date_text()) {
        if is_iso_date(&s) {
            let b = s.as_bytes();
            prop_assert!(b.len() == 10 && b[4] == b'-' && b[7] == b'-');
            prop_assert!(b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit()));
            prop_assert!((1..=12).contains(&s[5..7].parse::<u32>().unwrap()));
            prop_assert!((1..=31).contains(&s[8..10].parse::<u32>().unwrap()));
        }
    }

    #[test]
    fn valid_iso_dates_are_accepted(y in 0u32..10_000, m in 1u32..=12, d in 1u32..=28) {
        let date = format!("{y:04}-{m:02}-{d:02}");
        prop_assert!(is_iso_date(&date), "{}", date);
    }

    #[test]
    fn emails_never_panic(s in prop_oneof![text(), "[a-z.@ ]{0,12}", "[a-z]{1,5}@[a-z]{1,5}\\.[a-z]{2,3}", "\\PC{1,200}@\\PC{1,100}\\.x"]) {
        if is_plausible_email(&s) {
            let (local, domain) = s.split_once('@').unwrap();
            prop_assert!(!local.is_empty() && !domain.contains('@'));
            prop_assert!(domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'));
            prop_assert!(!s.chars().any(char::is_whitespace) && s.len() <= 254);
        }
    }
}
