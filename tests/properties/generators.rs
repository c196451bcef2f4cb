//! Generators shared by the properties: text, timestamps, JSON shaped like the APIs' answers, addresses.

use super::*;

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

/// Strings that tend to break parsers.
pub(crate) const SPECIAL: &[&str] = &[
    "", " ", "\t", "\n", "\r\n", "\u{0}", "\u{1}", "\u{7f}", "\u{85}", "\u{a0}", "\u{200b}", "\u{2028}", "\u{feff}",
    "0", "-0", "-1", "+1", "01", "1.5", "1e999", "-1e999", "NaN", "inf", "Infinity", "4294967295", "4294967296",
    "18446744073709551615", "18446744073709551616", "99999999999999999999999999999999", "١٢٣", "１２３", "null", "true",
    "[]", "{}", "%", "%zz", "%00", "%2F", "?", "#", "&", "=", "@", "/", "//", "\\", "https://", "http://a",
    "https://a.example/", "javascript:alert(1)", "<script>alert(1)</script>", "é", "😀", "\u{10ffff}", "Z", "T",
    "2024-07-29T15:51:28.071Z", "2024-02-30", "a@b.c", "outcome=paid", "code=abc&state=xyz",
];

pub(crate) fn special() -> impl Strategy<Value = String> {
    prop::sample::select(SPECIAL).prop_map(str::to_owned)
}

/// Any text: random unicode, control characters, printable ASCII, known troublemakers, glued
/// combinations of them, and very long runs.
pub(crate) fn text() -> BoxedStrategy<String> {
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
pub(crate) struct Stamp {
    pub text: String,
    pub ms: i64,
}

pub(crate) fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub(crate) fn month_len(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 0001-01-01 by counting: a different method from the crate's.
pub(crate) fn days_since_year_one(y: i64, m: i64, d: i64) -> i64 {
    let p = y - 1;
    let before_year = 365 * p + p / 4 - p / 100 + p / 400;
    let before_month: i64 = (1..m).map(|mm| month_len(y, mm)).sum();
    before_year + before_month + d - 1
}

pub(crate) fn epoch_days(y: i64, m: i64, d: i64) -> i64 {
    days_since_year_one(y, m, d) - days_since_year_one(1970, 1, 1)
}

pub(crate) fn stamp() -> impl Strategy<Value = Stamp> {
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
pub(crate) fn near_stamp() -> impl Strategy<Value = String> {
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

pub(crate) fn timestamp_text() -> BoxedStrategy<String> {
    prop_oneof![2 => stamp().prop_map(|s| s.text), 2 => near_stamp(), 1 => text()].boxed()
}

/// Keys of every response model, so random objects often hit real fields with wrong values.
pub(crate) const KEYS: &[&str] = &[
    "id", "name", "type", "description", "price", "display_price", "one_time_fee", "plans", "for_sale",
    "visible_to_customers", "duration", "duration_unit", "decimal", "string", "iso_currency_code", "currency_symbol",
    "currency_symbol_position", "count", "next", "previous", "results", "status", "billing_period_length",
    "billing_period_unit", "committed_billing_periods", "duration_description", "price_with_period", "joining_fee",
    "amount", "starts_at", "ends_at", "max_occupancy", "attending_count", "venue", "offering_type", "instructor",
    "available", "profile_type", "provider", "next_url", "expires_at", "kind", "currency", "period", "unit",
    "billing_cycles", "trial_days", "needs_activation_date", "term_days", "code", "discount", "total", "message",
    "detail", "field_errors", "non_field_errors", "external_id", "fingerprint", "expires_local_ms", "membership_name",
];

pub(crate) fn key() -> BoxedStrategy<String> {
    prop_oneof![4 => prop::sample::select(KEYS).prop_map(str::to_owned), 1 => text()].boxed()
}

pub(crate) fn number() -> BoxedStrategy<Value> {
    prop_oneof![
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop::sample::select(&[0u64, 1, 255, 65_535, 4_294_967_295, 4_294_967_296, u64::MAX][..]).prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(Value::Number)),
    ]
    .boxed()
}

pub(crate) fn leaf() -> BoxedStrategy<Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        3 => number(),
        3 => text().prop_map(Value::String),
        1 => timestamp_text().prop_map(Value::String),
    ]
    .boxed()
}

pub(crate) fn json_value() -> BoxedStrategy<Value> {
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
pub(crate) fn shaped(fields: Vec<(&'static str, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
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

pub(crate) fn id() -> BoxedStrategy<Value> {
    prop_oneof![3 => (1u64..100_000).prop_map(Value::from), 1 => any::<u64>().prop_map(Value::from)].boxed()
}
pub(crate) fn small() -> BoxedStrategy<Value> {
    prop_oneof![3 => (0u32..100).prop_map(Value::from), 1 => any::<u32>().prop_map(Value::from)].boxed()
}
pub(crate) fn string() -> BoxedStrategy<Value> {
    text().prop_map(Value::String).boxed()
}
pub(crate) fn opt_string() -> BoxedStrategy<Value> {
    prop_oneof![3 => string(), 1 => Just(Value::Null)].boxed()
}
pub(crate) fn one_of(words: &'static [&'static str]) -> BoxedStrategy<Value> {
    prop_oneof![3 => prop::sample::select(words).prop_map(Value::from), 1 => string()].boxed()
}
pub(crate) fn boolean() -> BoxedStrategy<Value> {
    any::<bool>().prop_map(Value::Bool).boxed()
}
pub(crate) fn timestamp() -> BoxedStrategy<Value> {
    timestamp_text().prop_map(Value::String).boxed()
}
pub(crate) fn decimal_string() -> BoxedStrategy<Value> {
    prop_oneof!["-?[0-9]{1,30}(\\.[0-9]{0,20})?", special()].prop_map(Value::String).boxed()
}

pub(crate) fn money() -> BoxedStrategy<Value> {
    shaped(vec![
        ("decimal", prop_oneof![number(), decimal_string()].boxed()),
        ("string", opt_string()),
        ("iso_currency_code", opt_string()),
        ("currency_symbol", opt_string()),
        ("currency_symbol_position", opt_string()),
    ])
}
pub(crate) fn opt_money() -> BoxedStrategy<Value> {
    prop_oneof![3 => money(), 1 => Just(Value::Null)].boxed()
}
pub(crate) fn related() -> BoxedStrategy<Value> {
    prop_oneof![id(), shaped(vec![("id", id()), ("name", opt_string())]), Just(Value::Null)].boxed()
}

pub(crate) fn membership() -> BoxedStrategy<Value> {
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

pub(crate) fn payment_plan() -> BoxedStrategy<Value> {
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

pub(crate) fn event() -> BoxedStrategy<Value> {
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

pub(crate) fn slot() -> BoxedStrategy<Value> {
    shaped(vec![
        ("id", string()),
        ("starts_at", timestamp()),
        ("ends_at", timestamp()),
        ("offering_type", related()),
        ("instructor", related()),
        ("available", boolean()),
    ])
}

pub(crate) fn profile() -> BoxedStrategy<Value> {
    shaped(vec![
        ("id", id()),
        ("profile_type", one_of(&["customer", "staff"])),
        ("provider", related()),
        ("name", opt_string()),
    ])
}

pub(crate) fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(&["a.example", "Pay.Example.com", "goteamup.com", "127.0.0.1", "localhost", "[::1]", "xn--bcher-kva.example", "-a.example", "a.example.", "ä.example", "[", "]", "[]", "[::1", "a_b.example", ""][..]).prop_map(str::to_owned),
        1 => "[a-zA-Z0-9.\\-\\[\\]:_]{0,20}",
    ]
}

pub(crate) fn url_text() -> BoxedStrategy<String> {
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

pub(crate) fn offer() -> BoxedStrategy<Value> {
    shaped(vec![("next_url", url_text().prop_map(Value::String).boxed()), ("expires_at", timestamp())])
}

pub(crate) fn price() -> BoxedStrategy<Value> {
    shaped(vec![("amount", prop_oneof![decimal_string(), string()].boxed()), ("currency", one_of(&["EUR", "GBP"]))])
}

pub(crate) fn uelz_plan() -> BoxedStrategy<Value> {
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

pub(crate) fn coupon_quote() -> BoxedStrategy<Value> {
    shaped(vec![("code", string()), ("name", string()), ("discount", price()), ("total", price())])
}

pub(crate) fn pending_offer() -> BoxedStrategy<Value> {
    shaped(vec![("next_url", url_text().prop_map(Value::String).boxed()), ("expires_local_ms", number()), ("membership_name", string())])
}

pub(crate) fn attempt() -> BoxedStrategy<Value> {
    shaped(vec![("external_id", string()), ("fingerprint", string())])
}

pub(crate) fn page_of(item: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    let results = prop_oneof![
        4 => prop::collection::vec(item, 0..5).prop_map(Value::Array),
        1 => json_value(),
    ]
    .boxed();
    shaped(vec![("count", number()), ("next", opt_string()), ("previous", opt_string()), ("results", results)])
}

/// A document shaped like one of the responses the widget reads.
pub(crate) fn model_doc() -> BoxedStrategy<Value> {
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
pub(crate) fn raw_json_text() -> BoxedStrategy<String> {
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
