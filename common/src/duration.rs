//! Durations in settings: one syntax for the sandbox's flags and the gateway's variables.

use std::time::Duration;

/// The accepted forms, for help texts and error messages.
pub const DURATION_FORMS: &str = "90s, 15m, 1h, 500ms, 1h30m or plain seconds";

/// A duration setting: a whole number of seconds (`900`), or numbers with units as
/// [`humantime`] reads them: `ms`, `s`, `m` (minutes), `h`, `d`, also combined (`1h30m`, `1h 30m`)
/// spelled out (`15min`, `2hours`) and fractional (`1.5h`). It must be more than zero.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let parsed = match s.parse::<u64>() {
        Ok(secs) => Ok(Duration::from_secs(secs)),
        Err(_) => humantime::parse_duration(s).map_err(|e| e.to_string()),
    };
    match parsed {
        Ok(d) if d.is_zero() => Err(format!("{s:?} must be more than zero")),
        Ok(d) => Ok(d),
        Err(why) => Err(format!("{s:?} is not a duration like {DURATION_FORMS} ({why})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_forms_parse() {
        for (text, want) in [
            ("90s", Duration::from_secs(90)),
            ("15m", Duration::from_secs(900)),
            ("30m", Duration::from_secs(1800)),
            ("1h", Duration::from_secs(3600)),
            ("500ms", Duration::from_millis(500)),
            ("2500ms", Duration::from_millis(2500)),
            ("42", Duration::from_secs(42)),
            (" 10s ", Duration::from_secs(10)),
            ("1h30m", Duration::from_secs(5400)),
            ("1h 30m", Duration::from_secs(5400)),
            ("2d", Duration::from_secs(2 * 86_400)),
            ("1.5h", Duration::from_secs(5400)),
        ] {
            assert_eq!(parse_duration(text), Ok(want), "{text:?}");
        }
    }

    #[test]
    fn zero_negative_and_words_are_refused_with_the_forms() {
        for text in ["0", "0s", "-5m", "-1s", "soon", "ten", "never", "", "5 parsecs", "1h30"] {
            let e = parse_duration(text).unwrap_err();
            assert!(e.contains(&format!("{:?}", text.trim())), "{e}");
        }
        assert!(parse_duration("soon").unwrap_err().contains(DURATION_FORMS));
        assert!(parse_duration("0").unwrap_err().contains("more than zero"));
    }
}
