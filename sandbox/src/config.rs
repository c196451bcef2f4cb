//! Run-time settings shared by the binary and the library API.

use std::path::PathBuf;
use std::time::Duration;

use crate::data::StudioData;

#[derive(Clone, Debug)]
pub struct Config {
    /// How long a purchase offer (`next_url`) stays payable; `expires_at` = creation + this.
    pub offer_lifetime: Duration,
    /// Base for absolute links when a request has no Host header (e.g. "http://127.0.0.1:8787").
    pub public_url: Option<String>,
    /// A built widget (trunk's `dist/`) served at `/`.
    pub widget_dir: Option<PathBuf>,
    pub data: StudioData,
}

pub const DEFAULT_OFFER_LIFETIME: Duration = Duration::from_secs(15 * 60);

impl Config {
    /// Demo studio, 15-minute offers, no widget directory.
    pub fn demo() -> Self {
        Config {
            offer_lifetime: DEFAULT_OFFER_LIFETIME,
            public_url: None,
            widget_dir: None,
            data: StudioData::demo(),
        }
    }
}

/// `90s`, `15m`, `1h`, `500ms` or plain seconds (`900`).
pub fn parse_lifetime(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let bad = || format!("invalid duration {s:?}: use e.g. 90s, 15m, 1h or plain seconds");
    let (number, unit_secs_millis): (&str, u64) = if let Some(n) = s.strip_suffix("ms") {
        (n, 1)
    } else if let Some(n) = s.strip_suffix('s') {
        (n, 1000)
    } else if let Some(n) = s.strip_suffix('m') {
        (n, 60_000)
    } else if let Some(n) = s.strip_suffix('h') {
        (n, 3_600_000)
    } else {
        (s, 1000)
    };
    let n: u64 = number.trim().parse().map_err(|_| bad())?;
    let millis = n.checked_mul(unit_secs_millis).ok_or_else(bad)?;
    if millis == 0 {
        return Err(format!("invalid duration {s:?}: must be more than zero"));
    }
    Ok(Duration::from_millis(millis))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_parse() {
        assert_eq!(parse_lifetime("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_lifetime("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_lifetime("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_lifetime("42"), Ok(Duration::from_secs(42)));
        assert_eq!(parse_lifetime("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_lifetime("0").is_err());
        assert!(parse_lifetime("soon").is_err());
        assert!(parse_lifetime("-5m").is_err());
    }
}
