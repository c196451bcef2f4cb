//! `time`: RFC 3339 parsing and formatting agree with a calendar computed another way; the countdown.

use super::*;

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
pub(crate) fn formatting_extremes() {
    for ms in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, f64::MAX, f64::MIN, f64::MIN_POSITIVE, -0.0, 1e300, -1e300] {
        let _ = format_rfc3339_ms(ms);
        let _ = format_countdown(ms);
    }
}
