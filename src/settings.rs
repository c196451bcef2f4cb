//! Host-element attributes → validated [`Settings`]. Every problem is reported at once, naming the
//! attribute, so a studio owner fixes their snippet in one go.

pub const API_BASE: &str = "data-api-base";
pub const PROVIDER_ID: &str = "data-provider-id";
pub const TOKEN: &str = "data-token";
pub const AUTH_PREFIX: &str = "data-auth-prefix";
pub const REQUEST_MODE: &str = "data-request-mode";
pub const CUSTOMER_ID: &str = "data-customer-id";
pub const RETURN_URL: &str = "data-return-url";
pub const LOCALE: &str = "data-locale";
pub const BACKEND: &str = "data-backend";
pub const GATEWAY_URL: &str = "data-gateway-url";
pub const TIMEOUT: &str = "data-timeout";
pub const PAYMENT_HOSTS: &str = "data-payment-hosts";
pub const EXTERNAL_RETURN: &str = "data-allow-external-return";
pub const CLIENT_ID: &str = "data-client-id";
pub const CUSTOMER_TOKEN: &str = "data-customer-token";
pub const API_PROXY: &str = "data-api-proxy";

/// Every setting the widget reads (the custom element also takes each without `data-`).
pub const ALL: [&str; 16] = [
    BACKEND, API_BASE, API_PROXY, PROVIDER_ID, TOKEN, CLIENT_ID, AUTH_PREFIX, REQUEST_MODE, CUSTOMER_ID, GATEWAY_URL,
    RETURN_URL, LOCALE, TIMEOUT, PAYMENT_HOSTS, EXTERNAL_RETURN, CUSTOMER_TOKEN,
];

/// Time limit of one request when the host sets none (a purchase gets twice as long: 30 s, which
/// the Uelz gateway's own purchase deadline stays below, see gateway/README.md).
pub const DEFAULT_TIMEOUT_MS: u32 = 15_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestMode {
    Customer,
    Provider,
}

impl RequestMode {
    pub fn as_header(self) -> &'static str {
        match self {
            RequestMode::Customer => "customer",
            RequestMode::Provider => "provider",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    pub backend: Backend,
    /// Where the payment page sends the customer back; `None` means the current page.
    pub return_url: Option<String>,
    pub locale: Option<String>,
    /// Time limit of one request in ms.
    pub timeout_ms: u32,
    /// Where the payment page may be, as `host:port` (lower case; 443 when the page gave no
    /// port); the API's or gateway's host and port are always allowed, and for Uelz its hosted
    /// checkout's.
    pub payment_hosts: Vec<String>,
}

/// Which billing platform sells: TeamUp directly, or Uelz through our gateway (its API key is a
/// secret, so the browser never talks to Uelz itself).
#[derive(Clone, Debug, PartialEq)]
pub enum Backend {
    TeamUp(TeamUpSettings),
    Uelz(UelzSettings),
}

/// Its `Debug` leaves the token out.
#[derive(Clone, PartialEq)]
pub struct TeamUpSettings {
    /// Absolute, without a trailing slash, e.g. `https://goteamup.com/api/v2`: TeamUp's API, where
    /// customers sign in (a page, not a request) and whose host payment pages may be on.
    pub api_base: String,
    /// The studio's same-site pass-through to TeamUp's API (its gateway's `/v1/teamup`), when
    /// TeamUp doesn't allow the studio's origin: every request goes there instead of `api_base`.
    pub api_proxy: Option<String>,
    pub provider_id: u64,
    pub request_mode: RequestMode,
    /// The customer's access token from the host page; `None`: the customer signs in (`client_id`).
    pub token: Option<String>,
    /// The studio's OAuth client id: customers without a token sign in with TeamUp (PKCE).
    pub client_id: Option<String>,
    /// `Bearer`, `Token` or `JWT` (the vendor's own pages disagree: every endpoint page lists all three schemes).
    pub auth_prefix: String,
    pub customer_id: Option<u64>,
}

impl std::fmt::Debug for TeamUpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TeamUpSettings")
            .field("api_base", &self.api_base)
            .field("api_proxy", &self.api_proxy)
            .field("provider_id", &self.provider_id)
            .field("request_mode", &self.request_mode)
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .field("client_id", &self.client_id)
            .field("auth_prefix", &self.auth_prefix)
            .field("customer_id", &self.customer_id)
            .finish()
    }
}

#[derive(Clone, PartialEq)]
pub struct UelzSettings {
    /// The studio's gateway, absolute, without a trailing slash, e.g. `https://pay.studio.example/v1`.
    pub gateway_url: String,
    /// The returning member's identity as the studio's own server signed it for the gateway
    /// (`v1.<customer id>.<expires>.<signature>`); otherwise the widget asks for name and email
    /// and the gateway makes a new customer. The page can't name a customer any other way.
    pub customer_token: Option<String>,
}

impl std::fmt::Debug for UelzSettings {
    /// The customer token is a credential: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UelzSettings")
            .field("gateway_url", &self.gateway_url)
            .field("customer_token", &self.customer_token.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}

/// The customer id a studio-signed token names (its second part): what makes two attempts by
/// the same member alike, whatever the token's expiry. `None` if it isn't `v1.<id>.<expires>.<sig>`.
pub fn signed_customer_id(token: &str) -> Option<&str> {
    let mut parts = token.split('.');
    let (Some("v1"), Some(id), Some(expires), Some(sig), None) = (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let id_ok = (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-".contains(&b));
    let expires_ok = (1..=12).contains(&expires.len()) && expires.bytes().all(|b| b.is_ascii_digit());
    let sig_ok = (1..=100).contains(&sig.len()) && sig.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-".contains(&b));
    (id_ok && expires_ok && sig_ok).then_some(id)
}

#[derive(Clone, Debug, PartialEq)]
pub struct SettingError {
    pub attribute: &'static str,
    pub message: String,
}

impl std::fmt::Display for SettingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.attribute, self.message)
    }
}

/// Reads settings through `attr` (the host element's `getAttribute`). `page_url` resolves a
/// root-relative address such as `/api/v2`.
pub fn parse(attr: impl Fn(&str) -> Option<String>, page_url: &str) -> Result<Settings, Vec<SettingError>> {
    let mut errors = Vec::new();
    let value = |name: &str| attr(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());

    let backend = match value(BACKEND).map(|b| b.to_ascii_lowercase()).as_deref() {
        None | Some("teamup") => parse_teamup(&value, page_url, &mut errors).map(Backend::TeamUp),
        Some("uelz") => parse_uelz(&value, page_url, &mut errors).map(Backend::Uelz),
        Some(_) => {
            errors.push(SettingError { attribute: BACKEND, message: "must be teamup or uelz".into() });
            None
        }
    };
    let mut fail = |attribute, message: &str| errors.push(SettingError { attribute, message: message.to_string() });

    // The payment page sends the customer to return_to: another site only if the studio says so.
    let external_return = attr(EXTERNAL_RETURN).is_some();
    let return_url = match value(RETURN_URL) {
        None => Some(None),
        Some(v) => match resolve_against_page(&v, page_url) {
            Some(url) if external_return || origin_of(&url).map(str::to_ascii_lowercase) == origin_of(page_url).map(str::to_ascii_lowercase) => {
                Some(Some(url))
            }
            Some(_) => {
                fail(RETURN_URL, "must be on this site (add data-allow-external-return to send customers elsewhere)");
                None
            }
            None => {
                fail(RETURN_URL, "must be an http(s) URL or a path starting with /");
                None
            }
        },
    };

    let locale = match value(LOCALE) {
        None => Some(None),
        Some(v) if is_language_tag(&v) => Some(Some(v)),
        Some(_) => {
            fail(LOCALE, "must be a language tag such as en-GB or de");
            None
        }
    };

    let timeout_ms = match value(TIMEOUT) {
        None => Some(DEFAULT_TIMEOUT_MS),
        Some(v) => match positive_int(&v).filter(|s| (1..=120).contains(s)) {
            Some(secs) => Some(secs as u32 * 1000),
            None => {
                fail(TIMEOUT, "must be a whole number of seconds from 1 to 120");
                None
            }
        },
    };

    let payment_hosts = match value(PAYMENT_HOSTS) {
        None => Some(Vec::new()),
        Some(v) => {
            let hosts: Option<Vec<String>> = v.split([',', ' ']).filter(|h| !h.is_empty()).map(payment_host).collect();
            if hosts.is_none() {
                fail(PAYMENT_HOSTS, "must list host names (with a port if it isn't 443) separated by commas, e.g. pay.example.com, goteamup.com:8443");
            }
            hosts
        }
    };

    match (backend, return_url, locale, timeout_ms, payment_hosts) {
        (Some(backend), Some(return_url), Some(locale), Some(timeout_ms), Some(payment_hosts)) if errors.is_empty() => {
            Ok(Settings { backend, return_url, locale, timeout_ms, payment_hosts })
        }
        _ => Err(errors),
    }
}

fn parse_teamup(value: &dyn Fn(&str) -> Option<String>, page_url: &str, errors: &mut Vec<SettingError>) -> Option<TeamUpSettings> {
    let before = errors.len();
    let mut fail = |attribute, message: &str| errors.push(SettingError { attribute, message: message.to_string() });

    let api_base = match value(API_BASE) {
        None => {
            fail(API_BASE, "is required: the TeamUp API address, e.g. https://goteamup.com/api/v2");
            None
        }
        Some(v) => match resolve_against_page(&v, page_url) {
            Some(url) if !is_secure(&url) => {
                fail(API_BASE, INSECURE);
                None
            }
            Some(url) => Some(url.trim_end_matches('/').to_string()),
            None => {
                fail(API_BASE, "must be an http(s) URL such as https://goteamup.com/api/v2 or a path starting with /");
                None
            }
        },
    };

    let api_proxy = match value(API_PROXY) {
        None => Some(None),
        Some(v) => match resolve_against_page(&v, page_url) {
            Some(url) if !is_secure(&url) => {
                fail(API_PROXY, INSECURE);
                None
            }
            Some(url) => Some(Some(url.trim_end_matches('/').to_string())),
            None => {
                fail(API_PROXY, "must be the studio's TeamUp pass-through: an http(s) URL or a path starting with /, e.g. https://pay.studio.example/v1/teamup");
                None
            }
        },
    };

    let provider_id = match value(PROVIDER_ID) {
        None => {
            fail(PROVIDER_ID, "is required: the studio's TeamUp provider id (a number)");
            None
        }
        Some(v) => positive_int(&v).or_else(|| {
            fail(PROVIDER_ID, "must be a positive whole number");
            None
        }),
    };

    let token = value(TOKEN);
    let client_id = value(CLIENT_ID);
    if token.is_none() && client_id.is_none() {
        fail(TOKEN, "is required: the customer's TeamUp access token (or data-client-id, so customers can sign in)");
    }
    if client_id.as_deref().is_some_and(|c| c.len() > 200 || c.chars().any(|c| c.is_whitespace() || c.is_control())) {
        fail(CLIENT_ID, "must be the OAuth client id TeamUp registered for the studio's site (no spaces)");
    }
    if token.as_deref().is_some_and(|t| t.chars().any(|c| c.is_whitespace() || c.is_control())) {
        fail(TOKEN, "must not contain spaces; give the token without its prefix (use data-auth-prefix)");
    }

    let auth_prefix = match value(AUTH_PREFIX).as_deref() {
        None => Some("Bearer".to_string()),
        Some(p) => match ["Bearer", "Token", "JWT"].iter().find(|k| k.eq_ignore_ascii_case(p)) {
            Some(k) => Some(k.to_string()),
            None => {
                fail(AUTH_PREFIX, "must be Bearer, Token or JWT");
                None
            }
        },
    };

    let request_mode = match value(REQUEST_MODE).map(|m| m.to_ascii_lowercase()).as_deref() {
        None | Some("customer") => Some(RequestMode::Customer),
        Some("provider") => Some(RequestMode::Provider),
        Some(_) => {
            fail(REQUEST_MODE, "must be customer or provider");
            None
        }
    };

    let customer_id = match value(CUSTOMER_ID) {
        None => Some(None),
        Some(v) => match positive_int(&v) {
            Some(id) => Some(Some(id)),
            None => {
                fail(CUSTOMER_ID, "must be a positive whole number (or left out to use the signed-in customer)");
                None
            }
        },
    };

    match (api_base, api_proxy, provider_id, auth_prefix, request_mode, customer_id) {
        (Some(api_base), Some(api_proxy), Some(provider_id), Some(auth_prefix), Some(request_mode), Some(customer_id))
            if errors.len() == before =>
        {
            Some(TeamUpSettings { api_base, api_proxy, provider_id, request_mode, token, client_id, auth_prefix, customer_id })
        }
        _ => None,
    }
}

fn parse_uelz(value: &dyn Fn(&str) -> Option<String>, page_url: &str, errors: &mut Vec<SettingError>) -> Option<UelzSettings> {
    let before = errors.len();
    let mut fail = |attribute, message: &str| errors.push(SettingError { attribute, message: message.to_string() });

    let gateway_url = match value(GATEWAY_URL) {
        None => {
            fail(GATEWAY_URL, "is required with data-backend=\"uelz\": the studio's checkout gateway, e.g. https://pay.studio.example/v1");
            None
        }
        Some(v) => match resolve_against_page(&v, page_url) {
            Some(url) if !is_secure(&url) => {
                fail(GATEWAY_URL, INSECURE);
                None
            }
            Some(url) => Some(url.trim_end_matches('/').to_string()),
            None => {
                fail(GATEWAY_URL, "must be an http(s) URL or a path starting with /");
                None
            }
        },
    };

    // A customer id written in the page proves nothing (anyone can write any id): the gateway
    // accepts a customer only as the studio's server signed it.
    if value(CUSTOMER_ID).is_some() {
        fail(
            CUSTOMER_ID,
            "isn't used with data-backend=\"uelz\": have your server sign the member's identity and pass it as data-customer-token (gateway README, \"Customer identity\")",
        );
    }
    let customer_token = match value(CUSTOMER_TOKEN) {
        None => Some(None),
        Some(v) if signed_customer_id(&v).is_some() => Some(Some(v)),
        Some(_) => {
            fail(CUSTOMER_TOKEN, "must be the token your server signed for the gateway (v1.<customer id>.<expiry>.<signature>), or left out to ask for name and email");
            None
        }
    };

    match (gateway_url, customer_token) {
        (Some(gateway_url), Some(customer_token)) if errors.len() == before => Some(UelzSettings { gateway_url, customer_token }),
        _ => None,
    }
}

/// What a plain-http API address is told: the customer's token would cross the network readable.
const INSECURE: &str = "must use https: over plain http the customer's token and purchase travel unencrypted (http is accepted only for 127.0.0.1, localhost and [::1], for development)";

/// An address the widget may send credentials to: https, or http on this machine. It must also
/// be one [`crate::url`] reads strictly, so that the origin it computes is the browser's.
fn is_secure(url: &str) -> bool {
    crate::url::split(url).is_some_and(|p| p.is_secure())
}

impl TeamUpSettings {
    /// The one origin (scheme, host, port) the customer's token, sign-in code and verifier may be
    /// sent to: the API's, or the studio's pass-through's when it set `api-proxy` (then every
    /// request goes there). Every TeamUp request is checked against it (`backend::http`), and the
    /// sign-in state is stored under it. Computed here only.
    pub fn api_origin(&self) -> String {
        crate::url::origin(self.api_proxy.as_deref().unwrap_or(&self.api_base)).unwrap_or_default()
    }
}

fn positive_int(v: &str) -> Option<u64> {
    if !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok().filter(|n| *n > 0)
}

/// `scheme://authority` of an absolute http(s) URL with a plausible host.
pub fn origin_of(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))?;
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_len];
    let host_ok = !authority.is_empty()
        && !authority.contains('@')
        && authority.chars().all(|c| c.is_ascii_alphanumeric() || "-.:[]_".contains(c));
    host_ok.then(|| &url[..url.len() - rest.len() + authority_len])
}

pub fn is_absolute_http_url(url: &str) -> bool {
    origin_of(url).is_some() && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// An absolute http(s) URL as given, or a root-relative path joined to the page's origin.
fn resolve_against_page(value: &str, page_url: &str) -> Option<String> {
    if is_absolute_http_url(value) {
        return Some(value.to_string());
    }
    if value.starts_with('/') && !value.starts_with("//") && !value.chars().any(char::is_whitespace) {
        return origin_of(page_url).map(|origin| format!("{origin}{value}"));
    }
    None
}

/// A `payment-hosts` entry as `host:port` (lower case; port 443 when none is written).
fn payment_host(entry: &str) -> Option<String> {
    let url = format!("https://{entry}");
    let parts = crate::url::split(&url).filter(|p| p.rest.is_empty())?;
    is_host_name(&parts.host).then(|| format!("{}:{}", parts.host, parts.effective_port()))
}

/// An ASCII host name or IP literal (IDNs arrive as `xn--` punycode), without port or path.
pub fn is_host_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && !host.starts_with(['.', '-'])
        && !host.ends_with(['.', '-'])
        && (host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
            || (host.starts_with('[') && host.ends_with(']') && host[1..host.len() - 1].bytes().all(|b| b.is_ascii_hexdigit() || b == b':')))
}

/// A loose BCP 47 check: alphanumeric subtags of 1–8 characters, the first alphabetic.
fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split(['-', '_']);
    let first_ok = parts.next().is_some_and(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    first_ok && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const PAGE: &str = "https://studio.example/join?x=1";

    fn parse_with(attrs: &[(&str, &str)]) -> Result<Settings, Vec<SettingError>> {
        let map: HashMap<String, String> = attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        parse(|name| map.get(name).cloned(), PAGE)
    }

    const MINIMAL: [(&str, &str); 3] =
        [(API_BASE, "https://goteamup.com/api/v2/"), (PROVIDER_ID, "100"), (TOKEN, "abc123")];

    fn teamup(s: Settings) -> TeamUpSettings {
        match s.backend {
            Backend::TeamUp(t) => t,
            other => panic!("expected TeamUp, got {other:?}"),
        }
    }

    #[test]
    fn minimal_settings_get_sensible_defaults() {
        let all = parse_with(&MINIMAL).unwrap();
        assert_eq!((all.return_url.clone(), all.locale.clone()), (None, None));
        let s = teamup(all);
        assert_eq!(s.api_base, "https://goteamup.com/api/v2");
        assert_eq!(s.provider_id, 100);
        assert_eq!(s.auth_prefix, "Bearer");
        assert_eq!(s.request_mode, RequestMode::Customer);
        assert_eq!(s.customer_id, None);
        assert_eq!(s.api_proxy, None);
    }

    #[test]
    fn an_api_proxy_is_an_address_on_this_or_another_site() {
        let s = teamup(parse_with(&[MINIMAL[0], MINIMAL[1], MINIMAL[2], (API_PROXY, "/v1/teamup/")]).unwrap());
        assert_eq!(s.api_proxy.as_deref(), Some("https://studio.example/v1/teamup"));
        assert_eq!(s.api_base, "https://goteamup.com/api/v2", "TeamUp itself stays the API");
        let s = teamup(parse_with(&[MINIMAL[0], MINIMAL[1], MINIMAL[2], (API_PROXY, "https://pay.studio.example/v1/teamup")]).unwrap());
        assert_eq!(s.api_proxy.as_deref(), Some("https://pay.studio.example/v1/teamup"));
        let errors = parse_with(&[MINIMAL[0], MINIMAL[1], MINIMAL[2], (API_PROXY, "javascript:alert(1)")]).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.attribute).collect::<Vec<_>>(), [API_PROXY]);
    }

    #[test]
    fn all_settings_are_read() {
        let mut attrs = MINIMAL.to_vec();
        attrs.extend([
            (AUTH_PREFIX, "token"),
            (REQUEST_MODE, "Provider"),
            (CUSTOMER_ID, "4242"),
            (RETURN_URL, "/thanks"),
            (LOCALE, "en-GB"),
            (API_BASE, "/api/v2"),
        ]);
        let all = parse_with(&attrs).unwrap();
        assert_eq!(all.return_url.as_deref(), Some("https://studio.example/thanks"));
        assert_eq!(all.locale.as_deref(), Some("en-GB"));
        let s = teamup(all);
        assert_eq!(s.api_base, "https://studio.example/api/v2");
        assert_eq!(s.auth_prefix, "Token");
        assert_eq!(s.request_mode, RequestMode::Provider);
        assert_eq!(s.customer_id, Some(4242));
    }

    #[test]
    fn timeout_payment_hosts_and_return_origin() {
        let s = parse_with(&MINIMAL).unwrap();
        assert_eq!((s.timeout_ms, s.payment_hosts.len()), (DEFAULT_TIMEOUT_MS, 0));
        let mut attrs = MINIMAL.to_vec();
        attrs.extend([(TIMEOUT, "5"), (PAYMENT_HOSTS, "Pay.Example.com, goteamup.com")]);
        let s = parse_with(&attrs).unwrap();
        assert_eq!(s.timeout_ms, 5000);
        assert_eq!(s.payment_hosts, ["pay.example.com:443", "goteamup.com:443"]);
        let mut ported = MINIMAL.to_vec();
        ported.push((PAYMENT_HOSTS, "pay.example.com:8443, [::1]:8787"));
        assert_eq!(parse_with(&ported).unwrap().payment_hosts, ["pay.example.com:8443", "[::1]:8787"]);
        for bad in ["pay.example.com:", "pay.example.com:x", "pay.example.com/x", "a@pay.example.com", "pay.example.com:70000"] {
            let errors = parse_with(&[MINIMAL[0], MINIMAL[1], MINIMAL[2], (PAYMENT_HOSTS, bad)]).unwrap_err();
            assert_eq!(errors[0].attribute, PAYMENT_HOSTS, "{bad}");
        }
        let errors = parse_with(&[MINIMAL[0], MINIMAL[1], MINIMAL[2], (TIMEOUT, "0"), (PAYMENT_HOSTS, "https://x.example/")]).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.attribute).collect::<Vec<_>>(), [TIMEOUT, PAYMENT_HOSTS]);

        let elsewhere = [MINIMAL[0], MINIMAL[1], MINIMAL[2], (RETURN_URL, "https://evil.example/thanks")];
        assert_eq!(parse_with(&elsewhere).unwrap_err()[0].attribute, RETURN_URL);
        let mut allowed = elsewhere.to_vec();
        allowed.push((EXTERNAL_RETURN, ""));
        assert_eq!(parse_with(&allowed).unwrap().return_url.as_deref(), Some("https://evil.example/thanks"));
        assert!(parse_with(&[MINIMAL[0], MINIMAL[1], MINIMAL[2], (RETURN_URL, "https://STUDIO.example/done")]).is_ok());
    }

    #[test]
    fn uelz_mode_needs_a_gateway_and_not_teamup_credentials() {
        let errors = parse_with(&[(BACKEND, "uelz")]).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.attribute).collect::<Vec<_>>(), [GATEWAY_URL]);
        const TOKEN_VALUE: &str = "v1.clcu0a1exrunner0000000001.1780000000.tR6fukZvAcfjp6wtX-niKzOW7JJ_PvrrpUV6ZSASBiI";
        let s = parse_with(&[(BACKEND, "Uelz"), (GATEWAY_URL, "/v1/"), (CUSTOMER_TOKEN, TOKEN_VALUE)]).unwrap();
        assert_eq!(
            s.backend,
            Backend::Uelz(UelzSettings {
                gateway_url: "https://studio.example/v1".into(),
                customer_token: Some(TOKEN_VALUE.into()),
            })
        );
        let shown = format!("{:?}", s.backend);
        assert!(!shown.contains("tR6fuk") && shown.contains("[redacted]"), "{shown}");
        let s = parse_with(&[(BACKEND, "uelz"), (GATEWAY_URL, "https://pay.studio.example/v1")]).unwrap();
        assert!(matches!(s.backend, Backend::Uelz(UelzSettings { customer_token: None, .. })));
        // A bare customer id is refused, pointing at the signed token; a token must look like one.
        let errors = parse_with(&[(BACKEND, "uelz"), (GATEWAY_URL, "javascript:x"), (CUSTOMER_ID, "clcu0a1exrunner0000000001")]).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.attribute).collect::<Vec<_>>(), [GATEWAY_URL, CUSTOMER_ID]);
        assert!(errors[1].message.contains("data-customer-token"), "{}", errors[1]);
        for bad in ["clcu0a1exrunner0000000001", "v1.a b.1.x", "v2.a.1.x", "v1.a.soon.x", "v1.a.1.x.y", "v1.a.1.x y"] {
            let errors = parse_with(&[(BACKEND, "uelz"), (GATEWAY_URL, "/v1"), (CUSTOMER_TOKEN, bad)]).unwrap_err();
            assert_eq!(errors.iter().map(|e| e.attribute).collect::<Vec<_>>(), [CUSTOMER_TOKEN], "{bad}");
        }
        assert_eq!(signed_customer_id(TOKEN_VALUE), Some("clcu0a1exrunner0000000001"));
        let errors = parse_with(&[(BACKEND, "stripe"), (LOCALE, "x")]).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.attribute).collect::<Vec<_>>(), [BACKEND, LOCALE]);
    }

    #[test]
    fn every_problem_is_named() {
        let errors = parse_with(&[
            (API_BASE, "javascript:alert(1)"),
            (PROVIDER_ID, "-4"),
            (AUTH_PREFIX, "Basic"),
            (REQUEST_MODE, "admin"),
            (CUSTOMER_ID, "abc"),
            (RETURN_URL, "//evil.example/"),
            (LOCALE, "<script>"),
        ])
        .unwrap_err();
        let named: Vec<&str> = errors.iter().map(|e| e.attribute).collect();
        assert_eq!(
            named,
            [API_BASE, PROVIDER_ID, TOKEN, AUTH_PREFIX, REQUEST_MODE, CUSTOMER_ID, RETURN_URL, LOCALE]
        );
        assert!(errors[2].to_string().starts_with("data-token: is required"));
    }

    #[test]
    fn plain_http_is_refused_except_on_this_machine() {
        for base in ["http://goteamup.com/api/v2", "http://127.0.0.1.evil.example/api/v2", "http://api.studio.example:8080/"] {
            let errors = parse_with(&[(API_BASE, base), MINIMAL[1], MINIMAL[2]]).unwrap_err();
            assert_eq!(errors.len(), 1, "{base}");
            assert_eq!(errors[0].attribute, API_BASE);
            assert!(errors[0].message.starts_with("must use https"), "{base}: {}", errors[0].message);
        }
        for base in ["http://127.0.0.1:8787/api/v2", "http://localhost/api/v2", "http://[::1]:9/api/v2", "https://goteamup.com/api/v2"] {
            assert!(parse_with(&[(API_BASE, base), MINIMAL[1], MINIMAL[2]]).is_ok(), "{base}");
        }
        // A path on a plain-http page is plain http too.
        let on_http = parse(|n| HashMap::from([(API_BASE, "/api/v2"), MINIMAL[1], MINIMAL[2]]).get(n).map(|v| v.to_string()), "http://studio.example/join");
        assert_eq!(on_http.unwrap_err()[0].attribute, API_BASE);
        let gateway = parse_with(&[(BACKEND, "uelz"), (GATEWAY_URL, "http://pay.studio.example/v1")]).unwrap_err();
        assert_eq!(gateway[0].attribute, GATEWAY_URL);
    }

    #[test]
    fn debug_never_shows_the_token() {
        let all = parse_with(&[MINIMAL[0], MINIMAL[1], (TOKEN, "secret-token-7f3a9c")]).unwrap();
        let printed = format!("{all:?} {:#?}", teamup(all.clone()));
        assert!(!printed.contains("secret-token-7f3a9c"), "{printed}");
        assert!(printed.contains("[redacted]") && printed.contains("goteamup.com"), "{printed}");
    }

    #[test]
    fn the_api_origin_is_scheme_host_and_port() {
        let s = teamup(parse_with(&MINIMAL).unwrap());
        assert_eq!(s.api_origin(), "https://goteamup.com");
        let s = teamup(parse_with(&[(API_BASE, "https://API.Studio.example:8443/v2/"), MINIMAL[1], MINIMAL[2]]).unwrap());
        assert_eq!(s.api_origin(), "https://api.studio.example:8443");
    }

    #[test]
    fn missing_provider_is_reported_alone() {
        let errors = parse_with(&[MINIMAL[0], MINIMAL[2]]).unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].attribute, PROVIDER_ID);
    }

    #[test]
    fn tokens_with_their_prefix_are_refused() {
        let errors = parse_with(&[MINIMAL[0], MINIMAL[1], (TOKEN, "Bearer abc")]).unwrap_err();
        assert_eq!(errors[0].attribute, TOKEN);
    }

    #[test]
    fn url_checks() {
        assert_eq!(origin_of("http://127.0.0.1:8787/api/v2"), Some("http://127.0.0.1:8787"));
        assert_eq!(origin_of("https://a.example"), Some("https://a.example"));
        assert_eq!(origin_of("https://user:pw@a.example/"), None);
        assert_eq!(origin_of("ftp://a.example/"), None);
        assert_eq!(origin_of("https:///path"), None);
        assert!(!is_absolute_http_url("https://a.example/a b"));
        assert!(is_language_tag("zh-Hant-TW") && is_language_tag("de") && !is_language_tag("e") && !is_language_tag("en--GB"));
    }
}
