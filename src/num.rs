//! Floating-point numbers to and from plain text. In wasm the browser's own `Number` does it:
//! Rust's float formatting (`core::fmt::float`, flt2dec with its Grisu and Dragon tables) and
//! float parsing (`dec2flt` with its table of powers of five) would add tens of KiB to the widget
//! for a few fallbacks. Natively (unit tests) Rust's own stand in, with the same results for the
//! numbers the widget meets (see each function for the edges where they differ).
//!
//! Words for the customer go through `Intl` (`i18n::intl`); these are for fallbacks and for
//! numbers that are not worded (an amount the vendor sent as text).

/// `n` in as few digits as tell it apart: "53.1", "3", "1765080000000". JavaScript's
/// `Number.prototype.toString` in wasm; natively Rust's `Display`, which spells numbers from 1e21
/// and below 1e-6 out in full where JavaScript uses an exponent.
#[cfg(target_arch = "wasm32")]
pub fn plain(n: f64) -> String {
    js_sys::Number::from(n).to_string_with_radix(10).map(String::from).unwrap_or_default()
}

#[cfg(not(target_arch = "wasm32"))]
pub fn plain(n: f64) -> String {
    format!("{n}")
}

/// `n` with exactly two decimals: "53.10". `Number.prototype.toFixed` in wasm, which rounds a
/// tie half up as `Intl.NumberFormat` does (0.125 → "0.13"); natively `{:.2}`, which rounds it
/// to even ("0.12").
#[cfg(target_arch = "wasm32")]
pub fn two_decimals(n: f64) -> String {
    js_sys::Number::from(n).to_fixed(2).map(String::from).unwrap_or_else(|_| plain(n))
}

#[cfg(not(target_arch = "wasm32"))]
pub fn two_decimals(n: f64) -> String {
    format!("{n:.2}")
}

/// A finite decimal number written as text: "45.00", "-1.5", ".5", "1e3" (surrounding white
/// space allowed). `None` for anything else: "", "1,5", "0x10", "inf", "NaN", "1e999". The text is
/// checked here, so wasm (the browser's `parseFloat`) and native (`str::parse`) take and refuse the
/// same texts, and both round to the nearest `f64`.
pub fn parse_decimal(text: &str) -> Option<f64> {
    let text = text.trim();
    is_decimal(text).then(|| parse_checked(text)).filter(|n| n.is_finite())
}

#[cfg(target_arch = "wasm32")]
fn parse_checked(text: &str) -> f64 {
    js_sys::Number::parse_float(text)
}

#[cfg(not(target_arch = "wasm32"))]
fn parse_checked(text: &str) -> f64 {
    text.parse().unwrap_or(f64::NAN)
}

/// `[+-]digits[.digits][(e|E)[+-]digits]`, with at least one digit before the exponent.
fn is_decimal(text: &str) -> bool {
    let digits = |s: &[u8]| s.iter().take_while(|b| b.is_ascii_digit()).count();
    let mut b = text.as_bytes();
    if let [b'+' | b'-', rest @ ..] = b {
        b = rest;
    }
    let whole = digits(b);
    b = &b[whole..];
    let mut fraction = 0;
    if let [b'.', rest @ ..] = b {
        fraction = digits(rest);
        b = &rest[fraction..];
    }
    if whole + fraction == 0 {
        return false;
    }
    if let [b'e' | b'E', rest @ ..] = b {
        let rest = match rest {
            [b'+' | b'-', after @ ..] => after,
            _ => rest,
        };
        let exponent = digits(rest);
        return exponent > 0 && exponent == rest.len();
    }
    b.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_read_as_rust_reads_them() {
        for text in ["45.00", " 45 ", "-1.5", "+2", ".5", "5.", "1e3", "1E-2", "2.5e+1", "1.e5", "0", "007.10"] {
            assert_eq!(parse_decimal(text), Some(text.trim().parse::<f64>().unwrap()), "{text}");
        }
    }

    #[test]
    fn anything_else_is_not_a_number() {
        for text in ["", " ", ".", "-", "+.", "e5", "1e", "1e+", "1.2.3", "1,5", "0x10", "1_000", "inf", "NaN", "Infinity", "1e999", "12abc", "£45"] {
            assert_eq!(parse_decimal(text), None, "{text}");
        }
    }

    #[test]
    fn numbers_are_written_plainly() {
        assert_eq!(plain(3.0), "3");
        assert_eq!(plain(53.1), "53.1");
        assert_eq!(plain(1_765_080_000_000.0), "1765080000000");
        assert_eq!(two_decimals(53.1), "53.10");
        assert_eq!(two_decimals(1.005), "1.00");
        assert_eq!(two_decimals(-4.0), "-4.00");
    }
}
