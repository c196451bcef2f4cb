//! Run-time settings: read from the environment by the binary, built in code by tests.
//!
//! The two Uelz secrets live here and nowhere else; `Debug` redacts them.

use std::fmt;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use url::Url;

pub const DEFAULT_CHECKOUT_URL: &str = "https://app.uelzpay.com/checkout";
pub const DEFAULT_CHECKOUT_LIFETIME: Duration = Duration::from_secs(30 * 60);
pub const DEFAULT_MERCHANT_PARAM: &str = "merchant_id";
pub const DEFAULT_ADDR: &str = "127.0.0.1:8788";
pub const DEFAULT_UPSTREAM_TIMEOUT: Duration = Duration::from_secs(10);
/// Request bodies above this are refused with 413.
pub const BODY_LIMIT: usize = 16 * 1024;

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
    pub upstream_timeout: Duration,
    /// Take the client IP from the last `X-Forwarded-For` entry (only behind a proxy that sets it).
    pub trust_forwarded: bool,
    pub log: LogTarget,
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
    /// its default, no allowed origins yet, log to stderr.
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
            trust_forwarded: false,
            log: LogTarget::Stderr,
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

        let base = required("UELZ_BASE_URL", "the Uelz API base, e.g. https://papi.app.uelzpay.com")?;
        check_http_url(&base).map_err(|p| err("UELZ_BASE_URL", p))?;
        // Secrets: never echoed back in an error message.
        let api_key = required("UELZ_API_KEY", "from the Uelz dashboard's configuration/api section")?;
        let org = required(
            "UELZ_ORGANIZATION_ID",
            "from the Uelz dashboard's configuration/api section",
        )?;
        let mut config = Config::new(base, api_key, org);

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
        if let Some(v) = opt("GATEWAY_TRUST_FORWARDED") {
            config.trust_forwarded = parse_flag(&v).map_err(|p| err("GATEWAY_TRUST_FORWARDED", p))?;
        }
        config.log = match opt("CHECKOUT_GATEWAY_QUIET") {
            Some(v) if v != "0" => LogTarget::Off,
            _ => LogTarget::Stderr,
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

/// `10s`, `30m`, `1h`, `500ms` or plain seconds; more than zero.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let bad = || format!("{s:?} is not a duration like 10s, 30m, 1h, 500ms or plain seconds");
    let (number, millis_per_unit): (&str, u64) = if let Some(n) = s.strip_suffix("ms") {
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
    let millis = n.checked_mul(millis_per_unit).ok_or_else(bad)?;
    if millis == 0 {
        return Err(format!("{s:?} must be more than zero"));
    }
    Ok(Duration::from_millis(millis))
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

    const KEY: &str = "uelz_sk_TEST_secret_key_9x";
    const ORG: &str = "org_TEST_secret_org_4y";

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
        assert!(!c.trust_forwarded);
        assert!(matches!(c.log, LogTarget::Stderr));
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
        assert!(c.trust_forwarded);
        assert!(matches!(c.log, LogTarget::Off));
    }

    #[test]
    fn missing_or_bad_variables_are_named() {
        for var in ["UELZ_BASE_URL", "UELZ_API_KEY", "UELZ_ORGANIZATION_ID", "GATEWAY_ALLOWED_ORIGINS"] {
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
        let c = Config::from_lookup(env(&minimal())).unwrap();
        let dbg = format!("{c:?} {c:#?}");
        assert!(!dbg.contains(KEY), "{dbg}");
        assert!(!dbg.contains(ORG), "{dbg}");
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
