//! Run-time settings: read from the environment by the binary, built in code by tests.
//!
//! The two Uelz secrets live here and nowhere else; `Debug` redacts them.

use std::fmt;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use checkout_common::parse_duration;
use time::OffsetDateTime;
use url::Url;

pub const DEFAULT_CHECKOUT_URL: &str = "https://app.uelzpay.com/checkout";
pub const DEFAULT_CHECKOUT_LIFETIME: Duration = Duration::from_secs(30 * 60);
pub const DEFAULT_MERCHANT_PARAM: &str = "merchant_id";
pub const DEFAULT_ADDR: &str = "127.0.0.1:8788";
pub const DEFAULT_UPSTREAM_TIMEOUT: Duration = Duration::from_secs(10);
/// Request bodies above this are refused with 413.
pub const BODY_LIMIT: usize = 16 * 1024;
/// The widget's time limit for one read with its default `timeout` (15 s). Every Uelz call the
/// gateway makes for a read must end before it.
pub const WIDGET_READ_TIMEOUT: Duration = Duration::from_secs(15);
/// The widget's time limit for a purchase with its default `timeout`: twice a read's, 30 s
/// (`src/settings.rs`, `DEFAULT_TIMEOUT_MS`). The gateway answers a purchase before this, so the
/// customer hears from the gateway rather than from their browser's timeout.
pub const WIDGET_PURCHASE_TIMEOUT: Duration = Duration::from_secs(30);
/// The gateway's own deadline for a whole purchase, over all its Uelz calls.
pub const DEFAULT_PURCHASE_DEADLINE: Duration = Duration::from_secs(20);
/// Requests per client IP to the TeamUp pass-through (a catalogue page asks for several at once).
pub const DEFAULT_TEAMUP_RATE_LIMIT: RateLimit = RateLimit { requests: 300, per: Duration::from_secs(60) };

/// Every environment variable the gateway reads (README, "Environment"; a test checks that this
/// is exactly what `Config::from_lookup` asks for, and that deploy/ uses only these).
pub const ENV_VARS: [&str; 21] = [
    "UELZ_BASE_URL",
    "UELZ_API_KEY",
    "UELZ_ORGANIZATION_ID",
    "UELZ_CHECKOUT_URL",
    "UELZ_CHECKOUT_LIFETIME",
    "UELZ_MERCHANT_ID",
    "UELZ_MERCHANT_PARAM",
    "UELZ_BILLING_CONFIGURATION",
    "GATEWAY_ADDR",
    "GATEWAY_ALLOWED_ORIGINS",
    "GATEWAY_TIMEZONE",
    "GATEWAY_IDENTITY_SECRET",
    "GATEWAY_IDENTITY_SECRET_PREVIOUS",
    "GATEWAY_RATE_LIMIT",
    "GATEWAY_UPSTREAM_TIMEOUT",
    "GATEWAY_PURCHASE_DEADLINE",
    "GATEWAY_TRUST_FORWARDED",
    "GATEWAY_TEAMUP_BASE",
    "GATEWAY_TEAMUP_RATE_LIMIT",
    "GATEWAY_PUBLIC_URL",
    "CHECKOUT_GATEWAY_QUIET",
];

/// Where the one-line-per-request log goes.
#[derive(Clone, Default)]
pub enum LogTarget {
    /// stderr, unless `CHECKOUT_GATEWAY_QUIET` is set to something other than `0` or empty
    /// (checked on every request).
    #[default]
    Stderr,
    /// No request log.
    Off,
    /// Any writer, e.g. an `Arc<Mutex<Vec<u8>>>` a test reads afterwards.
    Writer(Arc<Mutex<dyn Write + Send>>),
}

impl LogTarget {
    /// A log kept in memory, and the buffer to read it from.
    pub fn memory() -> (LogTarget, Arc<Mutex<Vec<u8>>>) {
        let buf = Arc::new(Mutex::new(Vec::new()));
        (LogTarget::Writer(buf.clone()), buf)
    }
}

impl fmt::Debug for LogTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogTarget::Stderr => "Stderr",
            LogTarget::Off => "Off",
            LogTarget::Writer(_) => "Writer(..)",
        })
    }
}

/// Requests allowed per client IP: a token bucket holding `requests` tokens, refilled evenly
/// over `per`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: u32,
    pub per: Duration,
}

impl RateLimit {
    pub const DEFAULT: RateLimit = RateLimit { requests: 60, per: Duration::from_secs(60) };
}

/// Where "now" comes from: the system clock, or a test's.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> OffsetDateTime + Send + Sync>);

impl Clock {
    pub fn system() -> Clock {
        Clock(Arc::new(OffsetDateTime::now_utc))
    }

    /// A clock that reads `now` (tests: a simulated midnight).
    pub fn from_fn(now: impl Fn() -> OffsetDateTime + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(now))
    }

    pub fn now(&self) -> OffsetDateTime {
        (self.0)()
    }
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::system()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

/// The studio's time zone (an IANA name such as `Europe/Berlin`), from the tz database bundled
/// into the binary: the studio's calendar decides what "today" is for start and end dates.
#[derive(Clone)]
pub struct StudioZone {
    name: String,
    tz: jiff::tz::TimeZone,
}

impl StudioZone {
    pub fn utc() -> StudioZone {
        StudioZone { name: "UTC".into(), tz: jiff::tz::TimeZone::UTC }
    }

    /// `Europe/Berlin`, `America/New_York`, `UTC`…; an unknown name is refused.
    pub fn named(name: &str) -> Result<StudioZone, String> {
        let name = name.trim();
        let tz = jiff::tz::TimeZone::get(name)
            .map_err(|_| format!("{name:?} is not a time zone name from the IANA database, e.g. Europe/Berlin"))?;
        Ok(StudioZone { name: name.to_string(), tz })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The studio's calendar date at `at`.
    pub fn date_at(&self, at: OffsetDateTime) -> time::Date {
        let local = jiff::Timestamp::from_second(at.unix_timestamp())
            .map(|t| self.tz.to_datetime(t).date())
            .ok();
        local
            .and_then(|d| {
                let month = time::Month::try_from(d.month() as u8).ok()?;
                time::Date::from_calendar_date(i32::from(d.year()), month, d.day() as u8).ok()
            })
            .unwrap_or_else(|| at.to_offset(time::UtcOffset::UTC).date())
    }
}

impl fmt::Debug for StudioZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.name)
    }
}

#[derive(Clone)]
pub struct Config {
    /// Uelz public API base, e.g. `https://papi.app.uelzpay.com` or `http://127.0.0.1:8787/uelz`.
    pub uelz_base_url: String,
    /// Secret: the organisation's `api-key`.
    pub uelz_api_key: String,
    /// Secret: the `organization-id` sent with the key.
    pub uelz_organization_id: String,
    /// Hosted checkout base; `next_url` = `<this>/<purchase id>?return_url=<return_to>`.
    pub checkout_url: String,
    /// How long an unpaid purchase can be paid; `expires_at` = `created_at` + this.
    pub checkout_lifetime: Duration,
    /// Merchant on whose behalf a platform organisation acts (sent as a query parameter).
    pub merchant_id: Option<String>,
    /// Name of that query parameter.
    pub merchant_param: String,
    /// Uelz billing configuration id sent with every purchase.
    pub billing_configuration: Option<String>,
    /// Where the binary listens (`spawn` ignores it and takes a free port on 127.0.0.1).
    pub addr: SocketAddr,
    /// Exact origins (`https://studio.example`) allowed to call from a browser and to be
    /// returned to after payment.
    pub allowed_origins: Vec<String>,
    pub rate_limit: RateLimit,
    /// Connect and total timeout of each Uelz (and TeamUp pass-through) call.
    pub upstream_timeout: Duration,
    /// The gateway's deadline for a whole `POST /v1/purchases`, over all its Uelz calls: always
    /// shorter than the widget's purchase time limit ([`WIDGET_PURCHASE_TIMEOUT`]).
    pub purchase_deadline: Duration,
    /// The studio's time zone: "today" for activation and end dates.
    pub timezone: StudioZone,
    /// Secrets: the studio server signs customer identities with the first; the others (a
    /// previous one during a rotation) are still accepted. Empty: every buyer is a new customer.
    pub identity_secrets: Vec<String>,
    /// Whether the Uelz routes (plans, coupons, purchases) are on. Off only for a gateway that is
    /// a TeamUp pass-through alone (no `UELZ_` setting, `GATEWAY_TEAMUP_BASE` set): they answer 404.
    pub uelz_enabled: bool,
    /// TeamUp API base for the same-site pass-through (`…/api/v2`); `None` turns it off.
    pub teamup_base: Option<String>,
    pub teamup_rate_limit: RateLimit,
    /// The gateway's public address (`https://pay.studio.example`), for the links the
    /// pass-through rewrites; `None`: taken from each request's `Host`.
    pub public_url: Option<String>,
    /// Take the client IP from the last `X-Forwarded-For` entry (only behind a proxy that sets it).
    pub trust_forwarded: bool,
    pub log: LogTarget,
    pub clock: Clock,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("uelz_base_url", &self.uelz_base_url)
            .field("uelz_api_key", &Redacted(&self.uelz_api_key))
            .field("uelz_organization_id", &Redacted(&self.uelz_organization_id))
            .field("checkout_url", &self.checkout_url)
            .field("checkout_lifetime", &self.checkout_lifetime)
            .field("merchant_id", &self.merchant_id)
            .field("merchant_param", &self.merchant_param)
            .field("billing_configuration", &self.billing_configuration)
            .field("addr", &self.addr)
            .field("allowed_origins", &self.allowed_origins)
            .field("rate_limit", &self.rate_limit)
            .field("upstream_timeout", &self.upstream_timeout)
            .field("purchase_deadline", &self.purchase_deadline)
            .field("timezone", &self.timezone)
            .field(
                "identity_secrets",
                &self.identity_secrets.iter().map(|s| Redacted(s)).collect::<Vec<_>>(),
            )
            .field("uelz_enabled", &self.uelz_enabled)
            .field("teamup_base", &self.teamup_base)
            .field("teamup_rate_limit", &self.teamup_rate_limit)
            .field("public_url", &self.public_url)
            .field("trust_forwarded", &self.trust_forwarded)
            .field("log", &self.log)
            .finish()
    }
}

struct Redacted<'a>(&'a str);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("\"\"")
        } else {
            f.write_str("[redacted]")
        }
    }
}

/// A missing or unusable environment variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.var, self.problem)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Settings for code (tests, the e2e crate): the three required values, everything else at
    /// its default (time zone UTC, no identity secret, no pass-through), no allowed origins yet,
    /// log to stderr.
    pub fn new(
        uelz_base_url: impl Into<String>,
        uelz_api_key: impl Into<String>,
        uelz_organization_id: impl Into<String>,
    ) -> Config {
        Config {
            uelz_base_url: uelz_base_url.into(),
            uelz_api_key: uelz_api_key.into(),
            uelz_organization_id: uelz_organization_id.into(),
            checkout_url: DEFAULT_CHECKOUT_URL.into(),
            checkout_lifetime: DEFAULT_CHECKOUT_LIFETIME,
            merchant_id: None,
            merchant_param: DEFAULT_MERCHANT_PARAM.into(),
            billing_configuration: None,
            addr: DEFAULT_ADDR.parse().expect("default address"),
            allowed_origins: Vec::new(),
            rate_limit: RateLimit::DEFAULT,
            upstream_timeout: DEFAULT_UPSTREAM_TIMEOUT,
            purchase_deadline: DEFAULT_PURCHASE_DEADLINE,
            timezone: StudioZone::utc(),
            identity_secrets: Vec::new(),
            uelz_enabled: true,
            teamup_base: None,
            teamup_rate_limit: DEFAULT_TEAMUP_RATE_LIMIT,
            public_url: None,
            trust_forwarded: false,
            log: LogTarget::Stderr,
            clock: Clock::system(),
        }
    }

    /// Reads every setting from the process environment (see README.md).
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like `from_env`, with the variables supplied by `get` (unit tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let opt = |var: &'static str| get(var).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let required = |var: &'static str, what: &str| {
            opt(var).ok_or_else(|| ConfigError { var, problem: format!("is required ({what})") })
        };
        let err = |var: &'static str, problem: String| ConfigError { var, problem };

        // No UELZ_ setting at all beside GATEWAY_TEAMUP_BASE: a studio selling through TeamUp
        // runs the gateway for its TeamUp pass-through alone, and the Uelz routes are off.
        let sells_uelz = ENV_VARS.iter().filter(|v| v.starts_with("UELZ_")).any(|v| opt(v).is_some())
            || opt("GATEWAY_TEAMUP_BASE").is_none();
        let mut config = if sells_uelz {
            let base = required("UELZ_BASE_URL", "the Uelz API base, e.g. https://papi.app.uelzpay.com")?;
            check_http_url(&base).map_err(|p| err("UELZ_BASE_URL", p))?;
            // Secrets: never echoed back in an error message.
            let api_key = required("UELZ_API_KEY", "from the Uelz dashboard's configuration/api section")?;
            let org = required(
                "UELZ_ORGANIZATION_ID",
                "from the Uelz dashboard's configuration/api section",
            )?;
            Config::new(base, api_key, org)
        } else {
            Config { uelz_enabled: false, ..Config::new("", "", "") }
        };

        if let Some(v) = opt("UELZ_CHECKOUT_URL") {
            check_http_url(&v).map_err(|p| err("UELZ_CHECKOUT_URL", p))?;
            config.checkout_url = v;
        }
        if let Some(v) = opt("UELZ_CHECKOUT_LIFETIME") {
            config.checkout_lifetime =
                parse_duration(&v).map_err(|p| err("UELZ_CHECKOUT_LIFETIME", p))?;
        }
        config.merchant_id = opt("UELZ_MERCHANT_ID");
        if let Some(v) = opt("UELZ_MERCHANT_PARAM") {
            if !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                return Err(err(
                    "UELZ_MERCHANT_PARAM",
                    format!("{v:?} is not a plain query parameter name (letters, digits, _ and -)"),
                ));
            }
            config.merchant_param = v;
        }
        config.billing_configuration = opt("UELZ_BILLING_CONFIGURATION");
        if let Some(v) = opt("GATEWAY_ADDR") {
            config.addr = v.parse().map_err(|_| {
                err("GATEWAY_ADDR", format!("{v:?} is not an address like 127.0.0.1:8788 or 0.0.0.0:8788"))
            })?;
        }
        let origins = required(
            "GATEWAY_ALLOWED_ORIGINS",
            "comma-separated origins of the pages that embed the widget, e.g. https://studio.example",
        )?;
        config.allowed_origins = parse_origins(&origins).map_err(|p| err("GATEWAY_ALLOWED_ORIGINS", p))?;
        if let Some(v) = opt("GATEWAY_RATE_LIMIT") {
            config.rate_limit = parse_rate_limit(&v).map_err(|p| err("GATEWAY_RATE_LIMIT", p))?;
        }
        if let Some(v) = opt("GATEWAY_UPSTREAM_TIMEOUT") {
            config.upstream_timeout =
                parse_duration(&v).map_err(|p| err("GATEWAY_UPSTREAM_TIMEOUT", p))?;
        }
        if config.upstream_timeout >= WIDGET_READ_TIMEOUT {
            return Err(err(
                "GATEWAY_UPSTREAM_TIMEOUT",
                format!(
                    "must be shorter than the widget's time limit for a read ({} s), so the gateway answers first",
                    WIDGET_READ_TIMEOUT.as_secs()
                ),
            ));
        }
        if let Some(v) = opt("GATEWAY_PURCHASE_DEADLINE") {
            config.purchase_deadline =
                parse_duration(&v).map_err(|p| err("GATEWAY_PURCHASE_DEADLINE", p))?;
        }
        check_purchase_deadline(config.purchase_deadline).map_err(|p| err("GATEWAY_PURCHASE_DEADLINE", p))?;
        // "Today" for Uelz start and end dates; a pass-through alone needs none (UTC).
        let zone = if sells_uelz {
            Some(required("GATEWAY_TIMEZONE", "the studio's time zone, e.g. Europe/Berlin")?)
        } else {
            opt("GATEWAY_TIMEZONE")
        };
        if let Some(zone) = zone {
            config.timezone = StudioZone::named(&zone).map_err(|p| err("GATEWAY_TIMEZONE", p))?;
        }
        for var in ["GATEWAY_IDENTITY_SECRET", "GATEWAY_IDENTITY_SECRET_PREVIOUS"] {
            if let Some(secret) = opt(var) {
                // Never echoed back: it is a secret.
                if secret.len() < crate::identity::MIN_SECRET_LEN {
                    return Err(err(
                        var,
                        format!(
                            "must be at least {} characters (make one with: openssl rand -hex 32)",
                            crate::identity::MIN_SECRET_LEN
                        ),
                    ));
                }
                if var == "GATEWAY_IDENTITY_SECRET_PREVIOUS" && config.identity_secrets.is_empty() {
                    return Err(err(var, "is only read beside GATEWAY_IDENTITY_SECRET (the new one)".into()));
                }
                config.identity_secrets.push(secret);
            }
        }
        if let Some(v) = opt("GATEWAY_TEAMUP_BASE") {
            check_http_url(&v).map_err(|p| err("GATEWAY_TEAMUP_BASE", p))?;
            config.teamup_base = Some(v.trim_end_matches('/').to_string());
        }
        if let Some(v) = opt("GATEWAY_TEAMUP_RATE_LIMIT") {
            config.teamup_rate_limit = parse_rate_limit(&v).map_err(|p| err("GATEWAY_TEAMUP_RATE_LIMIT", p))?;
        }
        if let Some(v) = opt("GATEWAY_PUBLIC_URL") {
            check_http_url(&v).map_err(|p| err("GATEWAY_PUBLIC_URL", p))?;
            config.public_url = Some(v.trim_end_matches('/').to_string());
        }
        if let Some(v) = opt("GATEWAY_TRUST_FORWARDED") {
            config.trust_forwarded = parse_flag(&v).map_err(|p| err("GATEWAY_TRUST_FORWARDED", p))?;
        }
        config.log = if checkout_common::quiet(opt("CHECKOUT_GATEWAY_QUIET").as_deref()) {
            LogTarget::Off
        } else {
            LogTarget::Stderr
        };
        Ok(config)
    }

    /// Builder-style helper for tests: allow these origins (normalised like the env variable).
    pub fn with_allowed_origins<I, S>(mut self, origins: I) -> Config
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.allowed_origins = origins
            .into_iter()
            .map(|o| normalize_origin(o.as_ref()).unwrap_or_else(|_| o.as_ref().to_string()))
            .collect();
        self
    }
}

/// The purchase deadline must leave the widget's own limit unreached.
pub fn check_purchase_deadline(deadline: Duration) -> Result<(), String> {
    if deadline >= WIDGET_PURCHASE_TIMEOUT {
        return Err(format!(
            "must be shorter than the widget's time limit for a purchase ({} s = 2 × its default timeout of {} s)",
            WIDGET_PURCHASE_TIMEOUT.as_secs(),
            WIDGET_READ_TIMEOUT.as_secs()
        ));
    }
    Ok(())
}

fn check_http_url(s: &str) -> Result<(), String> {
    match Url::parse(s) {
        Ok(u) if (u.scheme() == "http" || u.scheme() == "https") && u.host().is_some() => {
            if u.query().is_some() || u.fragment().is_some() {
                Err(format!("{s:?} must not have a query or fragment"))
            } else {
                Ok(())
            }
        }
        _ => Err(format!("{s:?} is not an absolute http(s) URL")),
    }
}

/// `1`, `true`, `yes`, `on` / `0`, `false`, `no`, `off`.
pub fn parse_flag(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        _ => Err(format!("{s:?} is not 1 or 0")),
    }
}

/// `60/min`, `10/s`, `1000/h`, `5/30s` (count per unit or per duration).
pub fn parse_rate_limit(s: &str) -> Result<RateLimit, String> {
    let bad = || format!("{s:?} is not a rate like 60/min, 10/s or 1000/h");
    let (count, unit) = s.trim().split_once('/').ok_or_else(bad)?;
    let requests: u32 = count.trim().parse().map_err(|_| bad())?;
    if requests == 0 {
        return Err(format!("{s:?}: the count must be at least 1"));
    }
    let per = match unit.trim().to_ascii_lowercase().as_str() {
        "s" | "sec" | "second" => Duration::from_secs(1),
        "m" | "min" | "minute" => Duration::from_secs(60),
        "h" | "hour" => Duration::from_secs(3600),
        other => parse_duration(other).map_err(|_| bad())?,
    };
    Ok(RateLimit { requests, per })
}

/// A browser-style origin (`scheme://host[:port]`, default port dropped, lower case) from
/// `https://Studio.example/` or similar; paths, queries and credentials are refused.
pub fn normalize_origin(s: &str) -> Result<String, String> {
    let s = s.trim();
    let url = Url::parse(s).map_err(|_| format!("{s:?} is not an origin like https://studio.example"))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(format!("{s:?} is not an http(s) origin"));
    }
    if url.host().is_none()
        || !url.username().is_empty()
        || url.password().is_some()
        || url.path() != "/"
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(format!("{s:?} is not a bare origin (scheme://host[:port], no path)"));
    }
    Ok(url.origin().ascii_serialization())
}

/// Comma-separated origins; at least one.
pub fn parse_origins(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let o = normalize_origin(part)?;
        if !out.contains(&o) {
            out.push(o);
        }
    }
    if out.is_empty() {
        return Err("needs at least one origin, e.g. https://studio.example".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::Mutex;

    const KEY: &str = "uelz_sk_TEST_secret_key_9x";
    const ORG: &str = "org_TEST_secret_org_4y";
    const SECRET: &str = "identity_TEST_secret_0123456789abcdef0123";
    const OLD_SECRET: &str = "identity_TEST_old_secret_0123456789abcdef";

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    fn minimal() -> Vec<(&'static str, &'static str)> {
        vec![
            ("UELZ_BASE_URL", "https://papi.app.uelzpay.com"),
            ("UELZ_API_KEY", KEY),
            ("UELZ_ORGANIZATION_ID", ORG),
            ("GATEWAY_ALLOWED_ORIGINS", "https://studio.example"),
            ("GATEWAY_TIMEZONE", "Europe/Berlin"),
        ]
    }

    #[test]
    fn minimal_environment_gives_the_defaults() {
        let c = Config::from_lookup(env(&minimal())).unwrap();
        assert_eq!(c.uelz_base_url, "https://papi.app.uelzpay.com");
        assert_eq!(c.uelz_api_key, KEY);
        assert_eq!(c.uelz_organization_id, ORG);
        assert_eq!(c.checkout_url, DEFAULT_CHECKOUT_URL);
        assert_eq!(c.checkout_lifetime, Duration::from_secs(1800));
        assert_eq!(c.merchant_id, None);
        assert_eq!(c.merchant_param, "merchant_id");
        assert_eq!(c.billing_configuration, None);
        assert_eq!(c.addr, "127.0.0.1:8788".parse().unwrap());
        assert_eq!(c.allowed_origins, vec!["https://studio.example"]);
        assert_eq!(c.rate_limit, RateLimit { requests: 60, per: Duration::from_secs(60) });
        assert_eq!(c.upstream_timeout, Duration::from_secs(10));
        assert_eq!(c.purchase_deadline, Duration::from_secs(20));
        assert_eq!(c.timezone.name(), "Europe/Berlin");
        assert!(c.identity_secrets.is_empty());
        assert_eq!(c.teamup_base, None);
        assert_eq!(c.teamup_rate_limit, RateLimit { requests: 300, per: Duration::from_secs(60) });
        assert_eq!(c.public_url, None);
        assert!(!c.trust_forwarded);
        assert!(matches!(c.log, LogTarget::Stderr));
    }

    /// A studio selling through TeamUp runs the gateway for the pass-through alone: no Uelz
    /// setting and no time zone needed. Any UELZ_ setting means Uelz, with all it requires.
    #[test]
    fn a_teamup_pass_through_alone_needs_no_uelz_settings() {
        let alone = [("GATEWAY_TEAMUP_BASE", "https://goteamup.com/api/v2"), ("GATEWAY_ALLOWED_ORIGINS", "https://studio.example")];
        let c = Config::from_lookup(env(&alone)).unwrap();
        assert!(!c.uelz_enabled);
        assert_eq!(c.teamup_base.as_deref(), Some("https://goteamup.com/api/v2"));
        assert_eq!((c.uelz_api_key.as_str(), c.uelz_organization_id.as_str()), ("", ""));
        assert_eq!(c.timezone.name(), "UTC");
        let mut half = alone.to_vec();
        half.push(("UELZ_MERCHANT_ID", "mer_1"));
        assert_eq!(Config::from_lookup(env(&half)).unwrap_err().var, "UELZ_BASE_URL", "a Uelz setting asks for the rest");
        assert_eq!(Config::from_lookup(env(&alone[1..])).unwrap_err().var, "UELZ_BASE_URL", "without the pass-through, Uelz is the point");
        assert!(Config::from_lookup(env(&minimal())).unwrap().uelz_enabled);
    }

    /// `ENV_VARS` (what README and deploy/ are checked against) is exactly what the gateway reads.
    #[test]
    fn env_vars_lists_every_variable_read() {
        let asked = Mutex::new(Vec::<String>::new());
        let mut vars = minimal();
        vars.push(("GATEWAY_IDENTITY_SECRET", SECRET));
        let values = env(&vars);
        Config::from_lookup(|name| {
            asked.lock().unwrap().push(name.to_string());
            values(name)
        })
        .unwrap();
        let mut asked = asked.into_inner().unwrap();
        asked.sort();
        asked.dedup();
        let mut listed: Vec<String> = ENV_VARS.iter().map(|v| v.to_string()).collect();
        listed.sort();
        assert_eq!(asked, listed);
    }

    #[test]
    fn the_purchase_deadline_is_shorter_than_the_widgets_limit() {
        assert!(DEFAULT_PURCHASE_DEADLINE < WIDGET_PURCHASE_TIMEOUT);
        assert_eq!(WIDGET_PURCHASE_TIMEOUT, 2 * WIDGET_READ_TIMEOUT, "the widget gives a purchase twice a read's limit");
        assert!(DEFAULT_UPSTREAM_TIMEOUT < WIDGET_READ_TIMEOUT);
        for (var, value) in [("GATEWAY_PURCHASE_DEADLINE", "30s"), ("GATEWAY_PURCHASE_DEADLINE", "1h"), ("GATEWAY_UPSTREAM_TIMEOUT", "15s")] {
            let mut vars = minimal();
            vars.push((var, value));
            let e = Config::from_lookup(env(&vars)).unwrap_err();
            assert_eq!(e.var, var, "{e}");
            assert!(e.problem.contains("widget"), "{e}");
        }
        let mut vars = minimal();
        vars.push(("GATEWAY_PURCHASE_DEADLINE", "29s"));
        assert_eq!(Config::from_lookup(env(&vars)).unwrap().purchase_deadline, Duration::from_secs(29));
    }

    #[test]
    fn the_studio_zone_decides_today() {
        use time::macros::{date, datetime};
        let berlin = StudioZone::named("Europe/Berlin").unwrap();
        let new_york = StudioZone::named("America/New_York").unwrap();
        // 23:30 UTC on 10 March: already the 11th in Berlin, still the 10th in New York.
        let t = datetime!(2026-03-10 23:30:00 UTC);
        assert_eq!(berlin.date_at(t), date!(2026 - 03 - 11));
        assert_eq!(new_york.date_at(t), date!(2026 - 03 - 10));
        assert_eq!(StudioZone::utc().date_at(t), date!(2026 - 03 - 10));
        // Summer time: Berlin is UTC+2 on 1 July, so 22:30 UTC is past midnight there.
        assert_eq!(berlin.date_at(datetime!(2026-07-01 22:30:00 UTC)), date!(2026 - 07 - 02));
        assert_eq!(berlin.date_at(datetime!(2026-07-01 21:30:00 UTC)), date!(2026 - 07 - 01));
        assert!(StudioZone::named("Europe/Atlantis").is_err());
        assert!(StudioZone::named("+02:00").is_err());
    }

    #[test]
    fn every_variable_is_read() {
        let mut vars = minimal();
        vars.extend([
            ("UELZ_CHECKOUT_URL", "http://127.0.0.1:8787/checkout"),
            ("UELZ_CHECKOUT_LIFETIME", "15m"),
            ("UELZ_MERCHANT_ID", "mer_riverside_01"),
            ("UELZ_MERCHANT_PARAM", "on_behalf_of"),
            ("UELZ_BILLING_CONFIGURATION", "bc_gentle"),
            ("GATEWAY_ADDR", "0.0.0.0:9000"),
            ("GATEWAY_ALLOWED_ORIGINS", " https://Studio.example/ , http://localhost:8080,https://studio.example:443"),
            ("GATEWAY_RATE_LIMIT", "10/s"),
            ("GATEWAY_UPSTREAM_TIMEOUT", "2500ms"),
            ("GATEWAY_PURCHASE_DEADLINE", "12s"),
            ("GATEWAY_TIMEZONE", "America/New_York"),
            ("GATEWAY_IDENTITY_SECRET", SECRET),
            ("GATEWAY_IDENTITY_SECRET_PREVIOUS", OLD_SECRET),
            ("GATEWAY_TEAMUP_BASE", "https://goteamup.com/api/v2/"),
            ("GATEWAY_TEAMUP_RATE_LIMIT", "100/min"),
            ("GATEWAY_PUBLIC_URL", "https://pay.studio.example/"),
            ("GATEWAY_TRUST_FORWARDED", "1"),
            ("CHECKOUT_GATEWAY_QUIET", "1"),
        ]);
        let c = Config::from_lookup(env(&vars)).unwrap();
        assert_eq!(c.checkout_url, "http://127.0.0.1:8787/checkout");
        assert_eq!(c.checkout_lifetime, Duration::from_secs(900));
        assert_eq!(c.merchant_id.as_deref(), Some("mer_riverside_01"));
        assert_eq!(c.merchant_param, "on_behalf_of");
        assert_eq!(c.billing_configuration.as_deref(), Some("bc_gentle"));
        assert_eq!(c.addr, "0.0.0.0:9000".parse().unwrap());
        assert_eq!(c.allowed_origins, vec!["https://studio.example", "http://localhost:8080"]);
        assert_eq!(c.rate_limit, RateLimit { requests: 10, per: Duration::from_secs(1) });
        assert_eq!(c.upstream_timeout, Duration::from_millis(2500));
        assert_eq!(c.purchase_deadline, Duration::from_secs(12));
        assert_eq!(c.timezone.name(), "America/New_York");
        assert_eq!(c.identity_secrets, [SECRET, OLD_SECRET]);
        assert_eq!(c.teamup_base.as_deref(), Some("https://goteamup.com/api/v2"));
        assert_eq!(c.teamup_rate_limit, RateLimit { requests: 100, per: Duration::from_secs(60) });
        assert_eq!(c.public_url.as_deref(), Some("https://pay.studio.example"));
        assert!(c.trust_forwarded);
        assert!(matches!(c.log, LogTarget::Off));
    }

    #[test]
    fn missing_or_bad_variables_are_named() {
        for var in ["UELZ_BASE_URL", "UELZ_API_KEY", "UELZ_ORGANIZATION_ID", "GATEWAY_ALLOWED_ORIGINS", "GATEWAY_TIMEZONE"] {
            let vars: Vec<_> = minimal().into_iter().filter(|(k, _)| *k != var).collect();
            let e = Config::from_lookup(env(&vars)).unwrap_err();
            assert_eq!(e.var, var);
            assert!(e.to_string().starts_with(&format!("{var}: is required")), "{e}");
        }
        let bad = [
            ("UELZ_BASE_URL", "papi.app.uelzpay.com"),
            ("UELZ_CHECKOUT_URL", "ftp://x"),
            ("UELZ_CHECKOUT_LIFETIME", "soon"),
            ("UELZ_MERCHANT_PARAM", "a&b"),
            ("GATEWAY_ADDR", "localhost"),
            ("GATEWAY_ALLOWED_ORIGINS", "https://studio.example/join"),
            ("GATEWAY_RATE_LIMIT", "60 per minute"),
            ("GATEWAY_UPSTREAM_TIMEOUT", "0s"),
            ("GATEWAY_TRUST_FORWARDED", "maybe"),
            ("GATEWAY_TIMEZONE", "Mars/Olympus_Mons"),
            ("GATEWAY_IDENTITY_SECRET", "too-short"),
            ("GATEWAY_IDENTITY_SECRET_PREVIOUS", OLD_SECRET),
            ("GATEWAY_TEAMUP_BASE", "goteamup.com/api/v2"),
            ("GATEWAY_TEAMUP_RATE_LIMIT", "lots"),
            ("GATEWAY_PUBLIC_URL", "pay.studio.example"),
        ];
        for (var, value) in bad {
            let mut vars = minimal();
            vars.retain(|(k, _)| *k != var);
            vars.push((var, value));
            let e = Config::from_lookup(env(&vars)).unwrap_err();
            assert_eq!(e.var, var, "{e}");
        }
    }

    #[test]
    fn errors_and_debug_never_show_the_secrets() {
        let mut vars = minimal();
        vars.push(("GATEWAY_RATE_LIMIT", "nope"));
        let e = Config::from_lookup(env(&vars)).unwrap_err();
        assert!(!e.to_string().contains(KEY) && !e.to_string().contains(ORG));
        let mut vars = minimal();
        vars.push(("GATEWAY_IDENTITY_SECRET", "short-secret-xyz"));
        let e = Config::from_lookup(env(&vars)).unwrap_err();
        assert!(!e.to_string().contains("short-secret-xyz"), "{e}");
        let mut vars = minimal();
        vars.push(("GATEWAY_IDENTITY_SECRET", SECRET));
        let c = Config::from_lookup(env(&vars)).unwrap();
        let dbg = format!("{c:?} {c:#?}");
        assert!(!dbg.contains(KEY), "{dbg}");
        assert!(!dbg.contains(ORG), "{dbg}");
        assert!(!dbg.contains(SECRET), "{dbg}");
        assert!(dbg.contains("[redacted]"));
        assert!(dbg.contains("papi.app.uelzpay.com"));
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("42"), Ok(Duration::from_secs(42)));
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("ten").is_err());
    }

    #[test]
    fn rate_limits_parse() {
        let r = |n, s| Ok(RateLimit { requests: n, per: Duration::from_secs(s) });
        assert_eq!(parse_rate_limit("60/min"), r(60, 60));
        assert_eq!(parse_rate_limit("10/s"), r(10, 1));
        assert_eq!(parse_rate_limit("1000/h"), r(1000, 3600));
        assert_eq!(parse_rate_limit(" 5 / 30s "), r(5, 30));
        assert!(parse_rate_limit("0/min").is_err());
        assert!(parse_rate_limit("60").is_err());
        assert!(parse_rate_limit("60/fortnight").is_err());
    }

    #[test]
    fn origins_are_normalised_like_browsers_send_them() {
        assert_eq!(normalize_origin("HTTPS://Studio.Example:443/").unwrap(), "https://studio.example");
        assert_eq!(normalize_origin("http://127.0.0.1:8080").unwrap(), "http://127.0.0.1:8080");
        assert!(normalize_origin("https://studio.example/join").is_err());
        assert!(normalize_origin("https://user@studio.example").is_err());
        assert!(normalize_origin("*").is_err());
        assert!(parse_origins(" , ").is_err());
    }
}
