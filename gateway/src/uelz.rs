//! The upstream Uelz client: the only place the secrets are used (as two request headers).

use std::collections::BTreeMap;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use crate::config::Config;
use crate::money::Decimal;

/// What went wrong talking to Uelz.
#[derive(Clone, Debug, PartialEq)]
pub enum UpstreamError {
    /// Unreachable, timed out, connection dropped, 5xx or 429, or a success body that can't be
    /// read. Retrying is the right move. The text is for the log (no secrets, no bodies).
    Unavailable(String),
    /// A 4xx answer.
    Refused { status: u16, error: UelzError },
}

/// A Uelz error body, read leniently: `{error, message, field?}`, `{message}`, `{detail}` or
/// plain text.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UelzError {
    pub code: Option<String>,
    pub message: Option<String>,
    pub field: Option<String>,
}

impl UelzError {
    pub fn parse(body: &str) -> UelzError {
        let s = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned).filter(|s| !s.is_empty());
        match serde_json::from_str::<Value>(body) {
            Ok(Value::Object(obj)) => {
                let error = obj.get("error");
                // `{"error": {"code", "message", "field"}}` nests; accept it too.
                if let Some(Value::Object(inner)) = error {
                    return UelzError {
                        code: s(inner.get("code")).or_else(|| s(inner.get("type"))),
                        message: s(inner.get("message")),
                        field: s(inner.get("field")),
                    };
                }
                UelzError {
                    code: s(error).or_else(|| s(obj.get("code"))),
                    message: s(obj.get("message")).or_else(|| s(obj.get("detail"))),
                    field: s(obj.get("field")),
                }
            }
            Ok(Value::String(text)) if !text.trim().is_empty() => {
                UelzError { message: Some(text.trim().to_string()), ..Default::default() }
            }
            _ => {
                let text = body.trim();
                UelzError {
                    message: (!text.is_empty()).then(|| text.chars().take(300).collect()),
                    ..Default::default()
                }
            }
        }
    }

    /// `uelz 401 unauthorized` style text for the log: the status, and the code and field
    /// only when they look like identifiers (`snake_case`, at most 40 characters); never the
    /// message.
    pub fn log_note(&self, status: u16) -> String {
        fn ident(s: &str) -> bool {
            (1..=40).contains(&s.len())
                && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.')
        }
        let mut note = format!("uelz {status}");
        if let Some(code) = self.code.as_deref().filter(|c| ident(c)) {
            note.push(' ');
            note.push_str(code);
        }
        if let Some(field) = &self.field {
            note.push_str(" field=");
            note.push_str(if ident(field) { field } else { "?" });
        }
        note
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct Plan {
    pub id: String,
    #[serde(default)]
    pub plan_name: Option<String>,
    #[serde(default)]
    pub plan_description: Option<String>,
    #[serde(default)]
    pub plan_type: Option<String>,
    pub plan_amount: Decimal,
    #[serde(default)]
    pub plan_currency: Option<String>,
    #[serde(default)]
    pub frequency: Option<String>,
    #[serde(default)]
    pub billing_cycles: Option<u32>,
    #[serde(default)]
    pub has_service_activation_date: bool,
    #[serde(default)]
    pub trial_days: Option<u32>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub metadata: Option<BTreeMap<String, Value>>,
}

impl Plan {
    pub fn is_active(&self) -> bool {
        self.status.as_deref().is_none_or(|s| s.eq_ignore_ascii_case("active"))
    }

    /// ISO 4217, upper case; Uelz's documented default is EUR.
    pub fn currency(&self) -> String {
        self.plan_currency
            .as_deref()
            .map(|c| c.trim().to_ascii_uppercase())
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| "EUR".into())
    }

    /// `metadata.term_days` (a positive integer, as a string or number): a fixed-term plan.
    pub fn term_days(&self) -> Option<u32> {
        let v = self.metadata.as_ref()?.get("term_days")?;
        let n = match v {
            Value::String(s) => s.trim().parse::<u32>().ok()?,
            Value::Number(n) => u32::try_from(n.as_u64()?).ok()?,
            _ => return None,
        };
        (n > 0).then_some(n)
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct Coupon {
    pub id: String,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub discount_type: Option<String>,
    #[serde(default)]
    pub percent_off: Option<Decimal>,
    #[serde(default)]
    pub amount_off: Option<Decimal>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub valid_until: Option<String>,
    #[serde(default)]
    pub plans: Option<Vec<String>>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, Deserialize)]
pub struct Customer {
    pub id: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub external_customer_id: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Purchase {
    pub id: String,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub plan: Option<String>,
    #[serde(default)]
    pub end_date: Option<String>,
}

/// Lists come as a plain array (the sandbox) or wrapped as `{data|results|items: [...]}`.
fn list_of<T: DeserializeOwned>(v: Value) -> Result<Vec<T>, String> {
    let items = match v {
        Value::Array(a) => a,
        Value::Object(mut o) => match ["data", "results", "items"].iter().find_map(|k| o.remove(*k)) {
            Some(Value::Array(a)) => a,
            _ => return Err("a list was expected".into()),
        },
        _ => return Err("a list was expected".into()),
    };
    // Skip items that don't read rather than failing the whole list.
    Ok(items.into_iter().filter_map(|i| serde_json::from_value(i).ok()).collect())
}

fn one_of<T: DeserializeOwned>(v: Value) -> Result<T, String> {
    let v = match v {
        Value::Object(mut o) if !o.contains_key("id") && o.get("data").is_some_and(Value::is_object) => {
            o.remove("data").unwrap_or_default()
        }
        other => other,
    };
    serde_json::from_value(v).map_err(|e| format!("unexpected body ({e})"))
}

#[derive(Clone)]
pub struct Uelz {
    http: reqwest::Client,
    base: Url,
    merchant: Option<(String, String)>,
}

impl Uelz {
    pub fn new(config: &Config) -> Result<Uelz, String> {
        let base = Url::parse(config.uelz_base_url.trim())
            .map_err(|_| "UELZ_BASE_URL is not an absolute URL".to_string())?;
        if base.cannot_be_a_base() || !matches!(base.scheme(), "http" | "https") {
            return Err("UELZ_BASE_URL is not an http(s) URL".into());
        }
        let mut headers = HeaderMap::new();
        let mut secret = |name: &'static str, value: &str| -> Result<(), String> {
            let mut v = HeaderValue::from_str(value)
                .map_err(|_| format!("the {name} secret has characters a header can't carry"))?;
            v.set_sensitive(true);
            headers.insert(name, v);
            Ok(())
        };
        secret("api-key", &config.uelz_api_key)?;
        secret("organization-id", &config.uelz_organization_id)?;
        headers.insert(reqwest::header::ACCEPT, HeaderValue::from_static("application/json"));
        let http = upstream_client(config, headers)?;
        let merchant = config
            .merchant_id
            .clone()
            .map(|id| (config.merchant_param.clone(), id));
        Ok(Uelz { http, base, merchant })
    }

    fn url(&self, segments: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .expect("checked in new")
            .pop_if_empty()
            .extend(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    async fn call(&self, method: Method, url: Url, body: Option<&Value>) -> Result<(u16, Value), UpstreamError> {
        let what = format!("{method} {}", url.path());
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.map_err(|e| UpstreamError::Unavailable(describe(&what, &e)))?;
        let status = resp.status().as_u16();
        let text = resp.text().await.map_err(|e| UpstreamError::Unavailable(describe(&what, &e)))?;
        if status >= 500 || status == 429 {
            return Err(UpstreamError::Unavailable(format!("{what}: uelz {status}")));
        }
        if status >= 400 || !(200..300).contains(&status) {
            return Err(UpstreamError::Refused { status, error: UelzError::parse(&text) });
        }
        let value = serde_json::from_str(&text)
            .map_err(|_| UpstreamError::Unavailable(format!("{what}: uelz {status} with a body that isn't JSON")))?;
        Ok((status, value))
    }

    pub async fn plans(&self) -> Result<Vec<Plan>, UpstreamError> {
        let (_, v) = self.call(Method::GET, self.url(&["plans"], &[]), None).await?;
        list_of(v).map_err(|e| UpstreamError::Unavailable(format!("GET /plans: {e}")))
    }

    /// `None` when Uelz says 404.
    pub async fn plan(&self, id: &str) -> Result<Option<Plan>, UpstreamError> {
        match self.call(Method::GET, self.url(&["plans", id], &[]), None).await {
            Ok((_, v)) => one_of(v).map(Some).map_err(|e| UpstreamError::Unavailable(format!("GET /plans/:id: {e}"))),
            Err(UpstreamError::Refused { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The coupon whose code matches case-insensitively, if any.
    pub async fn coupon_by_code(&self, code: &str) -> Result<Option<Coupon>, UpstreamError> {
        let (_, v) = self.call(Method::GET, self.url(&["coupons"], &[("code", code)]), None).await?;
        let list: Vec<Coupon> = list_of(v).map_err(|e| UpstreamError::Unavailable(format!("GET /coupons: {e}")))?;
        Ok(list.into_iter().find(|c| c.code.as_deref().is_none_or(|k| k.eq_ignore_ascii_case(code))))
    }

    /// The customer the studio's system knows as `external_customer_id` (exact match only).
    pub async fn customer_by_external_id(&self, external_customer_id: &str) -> Result<Option<Customer>, UpstreamError> {
        let url = self.url(&["customers"], &[("external_customer_id", external_customer_id)]);
        let (_, v) = self.call(Method::GET, url, None).await?;
        let list: Vec<Customer> =
            list_of(v).map_err(|e| UpstreamError::Unavailable(format!("GET /customers: {e}")))?;
        Ok(list.into_iter().find(|c| c.external_customer_id.as_deref() == Some(external_customer_id)))
    }

    pub async fn create_customer(
        &self,
        email: &str,
        name: &str,
        external_customer_id: &str,
    ) -> Result<Customer, UpstreamError> {
        let body = serde_json::json!({"external_customer_id": external_customer_id, "email": email, "name": name});
        let (_, v) = self.call(Method::POST, self.url(&["customers"], &[]), Some(&body)).await?;
        one_of(v).map_err(|e| UpstreamError::Unavailable(format!("POST /customers: {e}")))
    }

    /// The purchase made with this `external_id`, if any (exact match only).
    pub async fn purchase_by_external_id(&self, external_id: &str) -> Result<Option<Purchase>, UpstreamError> {
        let url = self.url(&["purchases"], &[("external_id", external_id)]);
        let (_, v) = self.call(Method::GET, url, None).await?;
        let list: Vec<Purchase> =
            list_of(v).map_err(|e| UpstreamError::Unavailable(format!("GET /purchases: {e}")))?;
        Ok(list.into_iter().find(|p| p.external_id.as_deref() == Some(external_id)))
    }

    /// `POST /purchases` with the merchant parameter when configured. The status says whether
    /// it was created (201) or an idempotent repeat (200).
    pub async fn create_purchase(&self, body: &Value) -> Result<(u16, Purchase), UpstreamError> {
        let query: Vec<(&str, &str)> =
            self.merchant.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (status, v) = self.call(Method::POST, self.url(&["purchases"], &query), Some(body)).await?;
        let p = one_of(v).map_err(|e| UpstreamError::Unavailable(format!("POST /purchases: {e}")))?;
        Ok((status, p))
    }
}

/// A transport error for the log: the kind only (reqwest's own text can carry the URL).
fn describe(what: &str, e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "answer broken off"
    } else if e.is_request() {
        "connection dropped"
    } else {
        "transport error"
    };
    format!("{what}: {kind}")
}

/// The HTTP client of the gateway's upstream calls (Uelz, the TeamUp pass-through): the
/// configured timeout for connecting and for the whole call, `headers` on every request, and no
/// redirects followed, so no header (a secret, a customer's token) is carried wherever a redirect
/// points.
pub(crate) fn upstream_client(config: &Config, headers: HeaderMap) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .default_headers(headers)
        .timeout(config.upstream_timeout)
        .connect_timeout(config.upstream_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("checkout-gateway/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("HTTP client: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uelz_errors_parse_leniently() {
        let e = UelzError::parse(r#"{"error":"validation_error","message":"Coupon expired","field":"coupon"}"#);
        assert_eq!(e.code.as_deref(), Some("validation_error"));
        assert_eq!(e.message.as_deref(), Some("Coupon expired"));
        assert_eq!(e.field.as_deref(), Some("coupon"));
        let e = UelzError::parse(r#"{"message":"nope"}"#);
        assert_eq!((e.code, e.message.as_deref(), e.field), (None, Some("nope"), None));
        let e = UelzError::parse(r#"{"detail":"Not found."}"#);
        assert_eq!(e.message.as_deref(), Some("Not found."));
        let e = UelzError::parse(r#"{"error":{"code":"conflict","message":"dup","field":"external_id"}}"#);
        assert_eq!(e.code.as_deref(), Some("conflict"));
        assert_eq!(e.field.as_deref(), Some("external_id"));
        let e = UelzError::parse("Bad Gateway\n");
        assert_eq!(e.message.as_deref(), Some("Bad Gateway"));
        assert_eq!(UelzError::parse(""), UelzError::default());
    }

    #[test]
    fn log_notes_hold_codes_only() {
        let e = UelzError {
            code: Some("unauthorized <script>".into()),
            message: Some("Invalid api-key uelz_sk_whatever".into()),
            field: None,
        };
        assert_eq!(e.log_note(401), "uelz 401");
        let e = UelzError { code: Some("unauthorized".into()), message: None, field: Some("Key ABC".into()) };
        assert_eq!(e.log_note(401), "uelz 401 unauthorized field=?");
        let e = UelzError { code: Some("validation_error".into()), message: None, field: Some("coupon".into()) };
        assert_eq!(e.log_note(422), "uelz 422 validation_error field=coupon");
    }

    #[test]
    fn plans_read_leniently() {
        let p: Plan = serde_json::from_str(
            r#"{"id":"p1","plan_name":"Summer","plan_type":"subscription","plan_amount":15.0,"plan_currency":"eur",
                "frequency":"week","billing_cycles":null,"has_service_activation_date":false,"trial_days":0,
                "status":"active","metadata":{"term_days":"84"},"extra":1}"#,
        )
        .unwrap();
        assert_eq!(p.currency(), "EUR");
        assert_eq!(p.term_days(), Some(84));
        assert!(p.is_active());
        let p: Plan = serde_json::from_str(r#"{"id":"p2","plan_amount":"9.5","status":"archived","metadata":{"term_days":0}}"#).unwrap();
        assert_eq!(p.term_days(), None);
        assert!(!p.is_active());
        let wrapped = serde_json::json!({"data":[{"id":"a","plan_amount":1},{"broken":true}]});
        let list: Vec<Plan> = list_of(wrapped).unwrap();
        assert_eq!(list.len(), 1);
    }

    #[test]
    fn urls_keep_the_base_path_and_encode_segments() {
        let mut c = Config::new("http://127.0.0.1:8787/uelz/", "k", "o");
        c.merchant_id = Some("mer 1".into());
        let u = Uelz::new(&c).unwrap();
        assert_eq!(u.url(&["plans", "a/b?c"], &[]).as_str(), "http://127.0.0.1:8787/uelz/plans/a%2Fb%3Fc");
        assert_eq!(
            u.url(&["coupons"], &[("code", "A&B")]).as_str(),
            "http://127.0.0.1:8787/uelz/coupons?code=A%26B"
        );
        let u = Uelz::new(&Config::new("https://papi.app.uelzpay.com", "k", "o")).unwrap();
        assert_eq!(u.url(&["purchases"], &[]).as_str(), "https://papi.app.uelzpay.com/purchases");
        assert!(Uelz::new(&Config::new("https://x", "bad\nkey", "o")).is_err());
    }
}
