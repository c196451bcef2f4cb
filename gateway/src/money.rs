//! Money as integer minor units: Uelz sends amounts as JSON numbers (`59.0`), the widget gets
//! decimal strings (`"59.00"`). Every computation happens on integers.

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::fmt;

/// A decimal number as Uelz wrote it (number or string), kept as text so nothing is lost to
/// binary floating point.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decimal(pub String);

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Decimal;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a decimal number or string")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
                Ok(Decimal(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
                Ok(Decimal(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
                if !v.is_finite() {
                    return Err(E::custom("not a finite number"));
                }
                // Rust prints the shortest text that reads back as the same f64, never in
                // exponent form: `59.0`, `0.1`, `12.5`.
                Ok(Decimal(format!("{v}")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
                Ok(Decimal(v.trim().to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// Digits after the decimal point for an ISO 4217 currency.
pub fn exponent(currency: &str) -> u32 {
    match currency.to_ascii_uppercase().as_str() {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// Parses a non-negative decimal (`59`, `59.0`, `4.995`) into minor units with `exp` digits,
/// rounding any further digits half up. `None` for negative or malformed text.
pub fn to_minor(text: &str, exp: u32) -> Option<i64> {
    let t = text.trim();
    let t = t.strip_prefix('+').unwrap_or(t);
    let (int, frac) = match t.split_once('.') {
        Some((i, f)) => (i, f),
        None => (t, ""),
    };
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let exp = exp as usize;
    let mut minor: i64 = 0;
    for b in int.bytes() {
        minor = minor.checked_mul(10)?.checked_add((b - b'0') as i64)?;
    }
    let fb = frac.as_bytes();
    for i in 0..exp {
        let d = fb.get(i).map_or(0, |b| (b - b'0') as i64);
        minor = minor.checked_mul(10)?.checked_add(d)?;
    }
    if fb.get(exp).is_some_and(|b| *b >= b'5') {
        minor = minor.checked_add(1)?;
    }
    Some(minor)
}

/// Minor units as a decimal string with `exp` digits: `5900, 2` → `"59.00"`.
pub fn format_minor(minor: i64, exp: u32) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    if exp == 0 {
        return format!("{sign}{abs}");
    }
    let scale = 10u64.pow(exp);
    format!("{sign}{}.{:0width$}", abs / scale, abs % scale, width = exp as usize)
}

/// A percentage (`10`, `12.5`) in hundredths of a percent (basis points), 0..=10000.
pub fn percent_to_bp(text: &str) -> Option<i64> {
    let bp = to_minor(text, 2)?;
    (0..=10_000).contains(&bp).then_some(bp)
}

/// The discount of `bp` basis points on `price` minor units, rounded half up, never more than
/// the price.
pub fn percent_discount(price: i64, bp: i64) -> i64 {
    let raw = (price as i128 * bp as i128 + 5_000) / 10_000;
    (raw as i64).clamp(0, price.max(0))
}

/// A fixed discount, never more than the price and never negative.
pub fn fixed_discount(price: i64, amount_off: i64) -> i64 {
    amount_off.clamp(0, price.max(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_read_from_numbers_and_strings() {
        let d: Decimal = serde_json::from_str("59.0").unwrap();
        assert_eq!(d.0, "59");
        let d: Decimal = serde_json::from_str("0.1").unwrap();
        assert_eq!(d.0, "0.1");
        let d: Decimal = serde_json::from_str("120").unwrap();
        assert_eq!(d.0, "120");
        let d: Decimal = serde_json::from_str("\"19.99\"").unwrap();
        assert_eq!(d.0, "19.99");
        assert!(serde_json::from_str::<Decimal>("true").is_err());
    }

    #[test]
    fn text_to_minor_units_is_exact() {
        assert_eq!(to_minor("59", 2), Some(5900));
        assert_eq!(to_minor("59.0", 2), Some(5900));
        assert_eq!(to_minor("0.1", 2), Some(10));
        assert_eq!(to_minor("19.99", 2), Some(1999));
        assert_eq!(to_minor("4.995", 2), Some(500));
        assert_eq!(to_minor("4.994", 2), Some(499));
        assert_eq!(to_minor(".5", 2), Some(50));
        assert_eq!(to_minor("1500", 0), Some(1500));
        assert_eq!(to_minor("1.2345", 3), Some(1235));
        assert_eq!(to_minor("-1", 2), None);
        assert_eq!(to_minor("1e3", 2), None);
        assert_eq!(to_minor("", 2), None);
        assert_eq!(to_minor(".", 2), None);
        assert_eq!(to_minor("99999999999999999999", 2), None);
        // The f64 path: 0.1 + 0.2 style noise never reaches the integers.
        let d: Decimal = serde_json::from_str("590.00").unwrap();
        assert_eq!(to_minor(&d.0, 2), Some(59000));
    }

    #[test]
    fn formatting() {
        assert_eq!(format_minor(5900, 2), "59.00");
        assert_eq!(format_minor(5, 2), "0.05");
        assert_eq!(format_minor(0, 2), "0.00");
        assert_eq!(format_minor(1500, 0), "1500");
        assert_eq!(format_minor(1235, 3), "1.235");
        assert_eq!(format_minor(-250, 2), "-2.50");
        assert_eq!(exponent("eur"), 2);
        assert_eq!(exponent("JPY"), 0);
        assert_eq!(exponent("KWD"), 3);
    }

    #[test]
    fn discounts() {
        // WELCOME10 on 59.00: 5.90 off.
        assert_eq!(percent_discount(5900, percent_to_bp("10").unwrap()), 590);
        // 12.5 % of 0.99 = 0.12375 → 0.12
        assert_eq!(percent_discount(99, percent_to_bp("12.5").unwrap()), 12);
        // 15 % of 0.99 = 0.1485 → 0.15 (half up on the exact value)
        assert_eq!(percent_discount(99, 1500), 15);
        assert_eq!(percent_discount(5900, 10_000), 5900);
        assert_eq!(percent_discount(0, 5000), 0);
        assert_eq!(percent_to_bp("100.01"), None);
        assert_eq!(percent_to_bp("-5"), None);
        // ANNUAL50 on a 49.00 plan: capped at the price, total 0.00.
        assert_eq!(fixed_discount(4900, 5000), 4900);
        assert_eq!(fixed_discount(59000, 5000), 5000);
        assert_eq!(fixed_discount(1000, -5), 0);
    }
}
