//! Run-time settings shared by the binary and the library API.

use std::path::PathBuf;
use std::time::Duration;

use crate::data::StudioData;
use crate::uelz::UelzData;

#[derive(Clone, Debug)]
pub struct Config {
    /// How long a purchase offer (`next_url`) stays payable; `expires_at` = creation + this.
    pub offer_lifetime: Duration,
    /// Base for absolute links when a request has no Host header (e.g. "http://127.0.0.1:8787").
    pub public_url: Option<String>,
    /// A built widget (trunk's `dist/`) served at `/`.
    pub widget_dir: Option<PathBuf>,
    pub data: StudioData,
    /// The Uelz billing API subset under `/uelz` and its hosted checkout (contract §3).
    pub uelz: UelzConfig,
}

/// Settings for the Uelz stand-in.
#[derive(Clone, Debug)]
pub struct UelzConfig {
    /// Expected `api-key` header.
    pub api_key: String,
    /// Expected `organization-id` header.
    pub organization_id: String,
    /// Name of the merchant-on-behalf query parameter on `POST /uelz/purchases`.
    pub merchant_param: String,
    /// Merchant ids that parameter accepts.
    pub merchants: Vec<String>,
    /// Unpaid purchases lapse this long after `created_at` at the hosted checkout.
    pub checkout_lifetime: Duration,
    pub data: UelzData,
}

pub const UELZ_DEMO_API_KEY: &str = "uelz_sk_sandbox_7Hq2xVw9LmT4";
pub const UELZ_DEMO_ORGANIZATION_ID: &str = "org_sandbox_riverside_5Kd8";
pub const UELZ_DEMO_MERCHANT: &str = "mer_riverside_01";
pub const DEFAULT_UELZ_MERCHANT_PARAM: &str = "merchant_id";
pub const DEFAULT_UELZ_CHECKOUT_LIFETIME: Duration = Duration::from_secs(30 * 60);

impl UelzConfig {
    /// Demo credentials, merchant `mer_riverside_01`, 30-minute checkout, demo catalogue.
    pub fn demo() -> Self {
        UelzConfig {
            api_key: UELZ_DEMO_API_KEY.into(),
            organization_id: UELZ_DEMO_ORGANIZATION_ID.into(),
            merchant_param: DEFAULT_UELZ_MERCHANT_PARAM.into(),
            merchants: vec![UELZ_DEMO_MERCHANT.into()],
            checkout_lifetime: DEFAULT_UELZ_CHECKOUT_LIFETIME,
            data: UelzData::demo(),
        }
    }
}

pub const DEFAULT_OFFER_LIFETIME: Duration = Duration::from_secs(15 * 60);

impl Config {
    /// Demo studio, 15-minute offers, no widget directory; Uelz demo settings.
    pub fn demo() -> Self {
        Config {
            offer_lifetime: DEFAULT_OFFER_LIFETIME,
            public_url: None,
            widget_dir: None,
            data: StudioData::demo(),
            uelz: UelzConfig::demo(),
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
