//! The same-site TeamUp pass-through: `<gateway>/v1/teamup/<path below /api/v2>` → the studio's
//! TeamUp API (`GATEWAY_TEAMUP_BASE`), for studios whose TeamUp API does not answer browsers on
//! their site's origin (CORS). Off unless configured (404).
//!
//! It is not a proxy for anything else: only the exact paths and methods in [`ROUTES`] (what the
//! widget calls), only the request headers in [`FORWARDED_REQUEST_HEADERS`] and the query string,
//! only status, body and the headers in [`RETURNED_RESPONSE_HEADERS`] back. No redirects are
//! followed, no cookies kept or passed, the Uelz secrets never go this way (a client of its own).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde_json::Value;
use url::Url;

use crate::config::{Config, BODY_LIMIT};
use crate::error::{ApiError, UPSTREAM_UNAVAILABLE};
use crate::server::AppState;

/// Where the pass-through is mounted.
pub const PREFIX: &str = "/v1/teamup/";

/// Every path (below `/api/v2`) and method the widget uses, and nothing else. `{id}` is a
/// TeamUp id: 1 to 19 digits. To let the widget use another endpoint, add its line here (and a
/// case to `tests/teamup.rs`).
pub const ROUTES: &[(&str, &str)] = &[
    // auth/endpoints_auth-profiles-list.md
    ("GET", "auth/profiles"),
    // providers/endpoints_providers-retrieve.md
    ("GET", "providers/{id}"),
    // memberships/endpoints_memberships-list.md, …-retrieve.md
    ("GET", "memberships"),
    ("GET", "memberships/{id}"),
    // membership_payment_plans/endpoints_membership_payment_plans-list.md
    ("GET", "membership_payment_plans"),
    // events/endpoints_events-list.md
    ("GET", "events"),
    // slots (no page in the TeamUp docs; the widget lists appointment slots)
    ("GET", "slots"),
    // customer_memberships/endpoints_customer_memberships-list.md
    ("GET", "customer_memberships"),
    // attendance/endpoints_attendances-list.md: back from the payment page, the class or
    // appointment booked with the purchase
    ("GET", "attendances"),
    // memberships/endpoints_memberships-initiate-purchase-create.md
    ("POST", "memberships/{id}/initiate_purchase"),
    // OAuth: the code exchange and the token refresh of the widget's sign-in
    ("POST", "auth/oauth/token"),
    ("POST", "auth/refresh_access_token"),
];

/// Request headers passed on (all others, `Cookie` and `Origin` included, are dropped).
pub const FORWARDED_REQUEST_HEADERS: [&str; 5] =
    ["authorization", "teamup-provider-id", "teamup-request-mode", "content-type", "accept"];

/// Response headers passed back (plus `Cache-Control: no-store`, set by the gateway).
pub const RETURNED_RESPONSE_HEADERS: [&str; 3] = ["content-type", "date", "retry-after"];

/// Answers larger than this are refused (502): the widget reads at most 5 MB itself.
pub const ANSWER_LIMIT: usize = 5 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    NotFound,
    MethodNotAllowed,
}

/// Whether `method` on `path` (the raw, still percent-encoded path below the prefix) is in
/// [`ROUTES`]. Anything with `%`, `.`, an empty segment or another character than
/// `[a-z_]` in a word and digits in an id matches nothing, so encoded slashes and traversal
/// can't reach another path.
pub fn check(method: &Method, path: &str) -> Result<(), Refusal> {
    let segments: Vec<&str> = path.split('/').collect();
    let matches = |pattern: &str| {
        let want: Vec<&str> = pattern.split('/').collect();
        want.len() == segments.len()
            && want.iter().zip(&segments).all(|(w, s)| match *w {
                "{id}" => (1..=19).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()),
                word => word == *s,
            })
    };
    let mut path_known = false;
    for (m, pattern) in ROUTES {
        if matches(pattern) {
            path_known = true;
            if m.eq_ignore_ascii_case(method.as_str()) {
                return Ok(());
            }
        }
    }
    Err(if path_known { Refusal::MethodNotAllowed } else { Refusal::NotFound })
}

/// The pass-through's own HTTP client: no default headers (so never a Uelz secret), no
/// redirects, no cookie store (reqwest keeps none unless asked).
pub struct PassThrough {
    http: reqwest::Client,
    base: Url,
}

impl PassThrough {
    pub fn new(config: &Config) -> Result<Option<PassThrough>, String> {
        let Some(base) = config.teamup_base.as_deref() else { return Ok(None) };
        let base = Url::parse(base.trim_end_matches('/'))
            .ok()
            .filter(|u| !u.cannot_be_a_base() && matches!(u.scheme(), "http" | "https"))
            .ok_or("GATEWAY_TEAMUP_BASE is not an absolute http(s) URL")?;
        let http = crate::uelz::upstream_client(config, reqwest::header::HeaderMap::new())?;
        Ok(Some(PassThrough { http, base }))
    }

    /// `<base>/<path>?<query>`: the path was checked against [`ROUTES`], so it is plain words and
    /// digits; the query is passed on as the browser wrote it.
    fn upstream_url(&self, path: &str, query: Option<&str>) -> Url {
        let mut url = self.base.clone();
        url.path_segments_mut().expect("checked in new").pop_if_empty().extend(path.split('/'));
        url.set_query(query);
        url
    }

    fn base_str(&self) -> String {
        self.base.as_str().trim_end_matches('/').to_string()
    }
}

/// The public address of the pass-through for links in answers: `GATEWAY_PUBLIC_URL`, else the
/// request's own `Host` (and `X-Forwarded-Proto` behind a trusted proxy). `None` if the `Host`
/// is not a plain host name: then links are left as they are (and the widget won't follow them).
fn public_base(config: &Config, headers: &HeaderMap) -> Option<String> {
    if let Some(url) = &config.public_url {
        return Some(format!("{url}/v1/teamup"));
    }
    let host = headers.get(header::HOST)?.to_str().ok()?;
    if host.is_empty() || !host.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b)) {
        return None;
    }
    let https = config.trust_forwarded
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.rsplit(',').next().is_some_and(|p| p.trim().eq_ignore_ascii_case("https")));
    Some(format!("{}://{host}/v1/teamup", if https { "https" } else { "http" }))
}

/// Links in a JSON answer that point into the upstream API (DRF's `next`/`previous`, a
/// membership's plans link) are rewritten to go through the pass-through as well.
pub fn rewrite_links(value: &mut Value, from: &str, to: &str) -> usize {
    match value {
        Value::String(s) => {
            let rest = s.strip_prefix(from).filter(|r| r.is_empty() || r.starts_with('/') || r.starts_with('?'));
            match rest {
                Some(rest) => {
                    *s = format!("{to}{rest}");
                    1
                }
                None => 0,
            }
        }
        Value::Array(items) => items.iter_mut().map(|v| rewrite_links(v, from, to)).sum(),
        Value::Object(map) => map.values_mut().map(|v| rewrite_links(v, from, to)).sum(),
        _ => 0,
    }
}

fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "This path is not available through the gateway.")
}

pub async fn pass(State(st): State<AppState>, req: Request) -> Response {
    let Some(pt) = st.teamup.as_ref() else { return not_found().with_note("pass-through off").into_response() };
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().strip_prefix(PREFIX).unwrap_or_default();
    match check(&parts.method, path) {
        Ok(()) => {}
        Err(Refusal::NotFound) => return not_found().into_response(),
        Err(Refusal::MethodNotAllowed) => return ApiError::method_not_allowed().into_response(),
    }
    let url = pt.upstream_url(path, parts.uri.query());

    let mut upstream = pt.http.request(parts.method.clone(), url);
    for name in FORWARDED_REQUEST_HEADERS {
        for value in parts.headers.get_all(name) {
            upstream = upstream.header(name, value.clone());
        }
    }
    if parts.method == Method::POST {
        let bytes = match Limited::new(body, BODY_LIMIT).collect().await {
            Ok(c) => c.to_bytes(),
            Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => return ApiError::too_large().into_response(),
            Err(_) => return ApiError::parse_error("The request body could not be read.").into_response(),
        };
        upstream = upstream.body(bytes);
    }

    let unavailable = |why: String| ApiError::upstream_unavailable(UPSTREAM_UNAVAILABLE).with_note(why).into_response();
    let mut answer = match upstream.send().await {
        Ok(a) => a,
        Err(e) => {
            let kind = if e.is_timeout() { "timed out" } else if e.is_connect() { "connection failed" } else { "transport error" };
            return unavailable(format!("teamup: {kind}"));
        }
    };
    let status = answer.status();
    if status.is_redirection() {
        return ApiError::upstream_error().with_note(format!("teamup {} redirect not followed", status.as_u16())).into_response();
    }
    let mut bytes = Vec::new();
    loop {
        match answer.chunk().await {
            Ok(Some(chunk)) => {
                if bytes.len() + chunk.len() > ANSWER_LIMIT {
                    return ApiError::upstream_error().with_note("teamup answer over 5 MiB").into_response();
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => {
                let kind = if e.is_timeout() { "timed out" } else { "answer broken off" };
                return unavailable(format!("teamup: {kind}"));
            }
        }
    }

    let is_json = answer
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase().ends_with("json"));
    if is_json {
        if let (Ok(mut value), Some(public)) = (serde_json::from_slice::<Value>(&bytes), public_base(&st.config, &parts.headers)) {
            if rewrite_links(&mut value, &pt.base_str(), &public) > 0 {
                bytes = serde_json::to_vec(&value).unwrap_or(bytes);
            }
        }
    }

    let mut resp = Response::new(Body::from(bytes));
    *resp.status_mut() = StatusCode::from_u16(status.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    for name in RETURNED_RESPONSE_HEADERS {
        if let Some(v) = answer.headers().get(name).and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok()) {
            resp.headers_mut().insert(HeaderName::from_static(name), v);
        }
    }
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp.extensions_mut().insert(crate::error::LogNote(format!("teamup {}", status.as_u16())));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_the_listed_paths_and_methods_pass() {
        let get = Method::GET;
        let post = Method::POST;
        for ok in [
            "auth/profiles",
            "providers/100",
            "memberships",
            "memberships/42",
            "membership_payment_plans",
            "events",
            "slots",
            "customer_memberships",
            "attendances",
        ] {
            assert_eq!(check(&get, ok), Ok(()), "{ok}");
        }
        for ok in ["memberships/42/initiate_purchase", "auth/oauth/token", "auth/refresh_access_token"] {
            assert_eq!(check(&post, ok), Ok(()), "{ok}");
        }
        for (m, path) in [(&post, "memberships"), (&get, "memberships/42/initiate_purchase"), (&Method::DELETE, "memberships/42"), (&Method::PUT, "events"), (&Method::HEAD, "events")] {
            assert_eq!(check(m, path), Err(Refusal::MethodNotAllowed), "{m} {path}");
        }
        for bad in [
            "",
            "/",
            "memberships/",
            "memberships//42",
            "memberships/abc",
            "memberships/-1",
            "memberships/12345678901234567890",
            "memberships/42/../../customers",
            "../memberships",
            "./memberships",
            "memberships/42%2F..%2Fcustomers",
            "memberships%2F42",
            "%6dembership_payment_plans",
            "Memberships",
            "customers",
            "auth/oauth/authorize",
            "auth/profiles/1",
            "events/1",
            "providers",
            "providers/100/../../../etc/passwd",
        ] {
            assert_eq!(check(&get, bad), Err(Refusal::NotFound), "{bad:?}");
        }
    }

    #[test]
    fn links_into_the_upstream_are_rewritten_and_others_left() {
        let mut v = json!({
            "count": 3,
            "next": "https://goteamup.com/api/v2/events?page=2&page_size=1",
            "previous": null,
            "results": [{"plans": "https://goteamup.com/api/v2/membership_payment_plans?membership=1",
                         "next_url": "https://goteamup.com/pay/abc",
                         "other": "https://goteamup.com/api/v2x/nope",
                         "elsewhere": "https://evil.example/api/v2/events"}]
        });
        let n = rewrite_links(&mut v, "https://goteamup.com/api/v2", "https://pay.studio.example/v1/teamup");
        assert_eq!(n, 2);
        assert_eq!(v["next"], "https://pay.studio.example/v1/teamup/events?page=2&page_size=1");
        assert_eq!(v["results"][0]["plans"], "https://pay.studio.example/v1/teamup/membership_payment_plans?membership=1");
        assert_eq!(v["results"][0]["next_url"], "https://goteamup.com/pay/abc");
        assert_eq!(v["results"][0]["other"], "https://goteamup.com/api/v2x/nope");
        assert_eq!(v["results"][0]["elsewhere"], "https://evil.example/api/v2/events");
    }

    #[test]
    fn the_public_base_comes_from_config_or_a_plain_host() {
        let mut c = Config::new("https://x", "k", "o");
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("pay.studio.example:8443"));
        assert_eq!(public_base(&c, &h).as_deref(), Some("http://pay.studio.example:8443/v1/teamup"));
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert_eq!(public_base(&c, &h).as_deref(), Some("http://pay.studio.example:8443/v1/teamup"), "untrusted");
        c.trust_forwarded = true;
        assert_eq!(public_base(&c, &h).as_deref(), Some("https://pay.studio.example:8443/v1/teamup"));
        h.insert(header::HOST, HeaderValue::from_static("evil.example/path?"));
        assert_eq!(public_base(&c, &h), None);
        c.public_url = Some("https://studio.example/gateway".into());
        assert_eq!(public_base(&c, &h).as_deref(), Some("https://studio.example/gateway/v1/teamup"));
    }

    #[test]
    fn upstream_urls_keep_the_base_path() {
        let mut c = Config::new("https://x", "k", "o");
        c.teamup_base = Some("http://127.0.0.1:8787/api/v2".into());
        let pt = PassThrough::new(&c).unwrap().unwrap();
        assert_eq!(
            pt.upstream_url("memberships/5/initiate_purchase", Some("a=1&b=%2F")).as_str(),
            "http://127.0.0.1:8787/api/v2/memberships/5/initiate_purchase?a=1&b=%2F"
        );
        assert_eq!(pt.upstream_url("events", None).as_str(), "http://127.0.0.1:8787/api/v2/events");
        c.teamup_base = None;
        assert!(PassThrough::new(&c).unwrap().is_none());
    }
}
