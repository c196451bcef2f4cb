//! Hostile mode (`--hostile`, `Config::with_hostile`): the sandbox plays a compromised or
//! malicious API, to show that the widget neither follows nor trusts what an answer says.
//!
//! It is a layer over the normal handlers, not a second copy of them: each JSON answer the
//! handlers give is rewritten on its way out, by route, according to the armed *tricks*
//! ([`Trick`]). A second server on another port (the *foreign* server) stands for "somewhere
//! else": links point at it, and it records every request it receives (preflights included),
//! so a test can prove nothing of the customer's reached it.
//!
//! The tricks can be changed while the sandbox runs (`POST /__sandbox/hostile`, or
//! [`Hostile::arm`]), because one answer can only carry one kind of `next_url`. See README.md,
//! "Hostile mode".

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use serde_json::{json, Map, Value};
use time::OffsetDateTime;

/// What is appended to every human-readable string when [`Trick::Markup`] is armed. Were it
/// ever parsed as HTML or run, `window.__hostileRan` would count it.
pub const MARKUP: &str = r#" <img src=x onerror="window.__hostileRan=(window.__hostileRan||0)+1"><script>window.__hostileRan=(window.__hostileRan||0)+1</script><a href="javascript:window.__hostileRan=1">more</a>"#;

/// A list answer whose `next` a trick can point elsewhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum List {
    Memberships,
    Plans,
    Events,
    Slots,
    Profiles,
}

impl List {
    pub const ALL: [List; 5] = [List::Memberships, List::Plans, List::Events, List::Slots, List::Profiles];

    pub fn as_str(self) -> &'static str {
        match self {
            List::Memberships => "memberships",
            List::Plans => "plans",
            List::Events => "events",
            List::Slots => "slots",
            List::Profiles => "profiles",
        }
    }

    fn path(self) -> &'static str {
        match self {
            List::Memberships => "/api/v2/memberships",
            List::Plans => "/api/v2/membership_payment_plans",
            List::Events => "/api/v2/events",
            List::Slots => "/api/v2/slots",
            List::Profiles => "/api/v2/auth/profiles",
        }
    }
}

/// An unsafe `next_url` for `initiate_purchase` to answer with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NextUrl {
    /// `javascript:…`
    Javascript,
    /// `data:text/html,<script>…`
    Data,
    /// `//<foreign server>/pay/…` (no scheme)
    ProtocolRelative,
    /// `http://<sandbox host:port>@<foreign server>/pay/…` (the sandbox's address as a user name)
    Userinfo,
    /// `https://<sandbox host>.evil.example/pay/…` (a host that starts like the sandbox's)
    Lookalike,
    /// `http://pay.evil.example/pay/…` (plain http to a foreign host)
    HttpForeign,
    /// `http://127.0.0.1:<foreign port>/pay/…` (this machine, another port: another service)
    ForeignPort,
    /// The real payment page, with `expires_at` an hour ago.
    Expired,
    /// Each purchase the next of the kinds above, in that order, round and round.
    Rotate,
}

impl NextUrl {
    /// The kinds [`NextUrl::Rotate`] goes through.
    pub const KINDS: [NextUrl; 8] = [
        NextUrl::Javascript,
        NextUrl::Data,
        NextUrl::ProtocolRelative,
        NextUrl::Userinfo,
        NextUrl::Lookalike,
        NextUrl::HttpForeign,
        NextUrl::ForeignPort,
        NextUrl::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NextUrl::Javascript => "javascript",
            NextUrl::Data => "data",
            NextUrl::ProtocolRelative => "protocol-relative",
            NextUrl::Userinfo => "userinfo",
            NextUrl::Lookalike => "lookalike",
            NextUrl::HttpForeign => "http-foreign",
            NextUrl::ForeignPort => "foreign-port",
            NextUrl::Expired => "expired",
            NextUrl::Rotate => "rotate",
        }
    }
}

/// One way of being hostile. CLI and hook names in brackets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Trick {
    /// Every membership's `plans` link points at the foreign server (`foreign-plans`).
    ForeignPlans,
    /// This list's `next` points at the foreign server (`foreign-next:<list>`).
    ForeignNext(List),
    /// `initiate_purchase` answers with this `next_url` (`next-url:<kind>`).
    NextUrl(NextUrl),
    /// Every answer's `Date` header is an hour ahead (`date-skew`).
    DateSkew,
    /// Script and markup appended to every human-readable string (`markup`).
    Markup,
    /// `/events` pages never end: each has a `next`, to the page after (`endless-events`).
    EndlessEvents,
    /// `/events` pages link to themselves as `next` (`looping-events`).
    LoopingEvents,
}

impl Trick {
    /// What `--hostile` without a value arms: the catalogue still loads, while plan links,
    /// the class list's `next`, every `next_url` (a new kind each purchase), the `Date` header
    /// and every string are hostile.
    pub const DEFAULT: [Trick; 5] =
        [Trick::ForeignPlans, Trick::ForeignNext(List::Events), Trick::NextUrl(NextUrl::Rotate), Trick::DateSkew, Trick::Markup];

    /// Every trick's name, for help texts and errors.
    pub fn names() -> Vec<String> {
        let mut names = vec!["foreign-plans".to_string()];
        names.extend(List::ALL.iter().map(|l| format!("foreign-next:{}", l.as_str())));
        names.extend(NextUrl::KINDS.iter().chain([&NextUrl::Rotate]).map(|k| format!("next-url:{}", k.as_str())));
        names.extend(["date-skew", "markup", "endless-events", "looping-events"].map(String::from));
        names
    }
}

impl fmt::Display for Trick {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Trick::ForeignPlans => f.write_str("foreign-plans"),
            Trick::ForeignNext(list) => write!(f, "foreign-next:{}", list.as_str()),
            Trick::NextUrl(kind) => write!(f, "next-url:{}", kind.as_str()),
            Trick::DateSkew => f.write_str("date-skew"),
            Trick::Markup => f.write_str("markup"),
            Trick::EndlessEvents => f.write_str("endless-events"),
            Trick::LoopingEvents => f.write_str("looping-events"),
        }
    }
}

impl FromStr for Trick {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let known = || format!("unknown hostile trick {s:?}; known: {}", Trick::names().join(", "));
        Ok(match s.split_once(':') {
            None => match s {
                "foreign-plans" => Trick::ForeignPlans,
                "date-skew" => Trick::DateSkew,
                "markup" => Trick::Markup,
                "endless-events" => Trick::EndlessEvents,
                "looping-events" => Trick::LoopingEvents,
                _ => return Err(known()),
            },
            Some(("foreign-next", list)) => {
                Trick::ForeignNext(List::ALL.into_iter().find(|l| l.as_str() == list).ok_or_else(known)?)
            }
            Some(("next-url", kind)) => Trick::NextUrl(
                NextUrl::KINDS.into_iter().chain([NextUrl::Rotate]).find(|k| k.as_str() == kind).ok_or_else(known)?,
            ),
            Some(_) => return Err(known()),
        })
    }
}

/// A comma-separated list of tricks (`--hostile=foreign-plans,next-url:data`); empty: [`Trick::DEFAULT`].
pub fn parse_tricks(s: &str) -> Result<Vec<Trick>, String> {
    if s.trim().is_empty() {
        return Ok(Trick::DEFAULT.to_vec());
    }
    s.split(',').filter(|t| !t.trim().is_empty()).map(str::parse).collect()
}

/// A request the foreign server received.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ForeignRequest {
    pub method: String,
    /// Path and query.
    pub target: String,
    /// The `Authorization` header, if one came.
    pub authorization: Option<String>,
    /// The `Origin` header, if one came.
    pub origin: Option<String>,
}

/// Handle on hostile mode: the armed tricks and the foreign server. Cloneable; clones share.
#[derive(Clone, Default)]
pub struct Hostile(Arc<Shared>);

#[derive(Default)]
struct Shared {
    tricks: Mutex<Vec<Trick>>,
    foreign: Mutex<Option<String>>,
    received: Mutex<Vec<ForeignRequest>>,
    purchases: AtomicU64,
}

impl fmt::Debug for Hostile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hostile").field("tricks", &self.tricks()).field("foreign", &self.foreign_url()).finish()
    }
}

impl Hostile {
    /// Hostile mode with these tricks armed.
    pub fn new(tricks: &[Trick]) -> Self {
        let hostile = Hostile::default();
        hostile.arm(tricks);
        hostile
    }

    /// Replaces the armed tricks (none: the answers pass unchanged; the foreign server stays).
    pub fn arm(&self, tricks: &[Trick]) {
        let mut armed = self.0.tricks.lock().unwrap();
        armed.clear();
        for trick in tricks {
            if !armed.contains(trick) {
                armed.push(*trick);
            }
        }
    }

    pub fn tricks(&self) -> Vec<Trick> {
        self.0.tricks.lock().unwrap().clone()
    }

    fn armed(&self, trick: Trick) -> bool {
        self.0.tricks.lock().unwrap().contains(&trick)
    }

    /// `http://127.0.0.1:PORT` of the foreign server, once it runs (see [`crate::spawn`]).
    pub fn foreign_url(&self) -> Option<String> {
        self.0.foreign.lock().unwrap().clone()
    }

    /// Every request the foreign server has received, oldest first.
    pub fn foreign_requests(&self) -> Vec<ForeignRequest> {
        self.0.received.lock().unwrap().clone()
    }

    pub fn clear_foreign_requests(&self) {
        self.0.received.lock().unwrap().clear();
    }

    fn foreign(&self) -> String {
        // Before the foreign server runs (a bare `router`), links go where nothing listens.
        self.foreign_url().unwrap_or_else(|| "http://127.0.0.1:9".into())
    }

    fn to_json(&self) -> Value {
        json!({
            "tricks": self.tricks().iter().map(ToString::to_string).collect::<Vec<_>>(),
            "foreign": self.foreign_url(),
            "foreign_requests": self.foreign_requests(),
        })
    }
}

// ---- the foreign server ---------------------------------------------------------------------

/// Starts the foreign server on 127.0.0.1 (a free port) for `hostile`; it runs as long as the
/// runtime does. Called by `spawn`/`spawn_on` when hostile mode is on.
pub(crate) async fn start_foreign(hostile: &Hostile) -> std::io::Result<()> {
    if hostile.foreign_url().is_some() {
        return Ok(());
    }
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
    let url = format!("http://{}", listener.local_addr()?);
    *hostile.0.foreign.lock().unwrap() = Some(url);
    let recorder = hostile.clone();
    let app = Router::new().fallback(foreign_answer).layer(middleware::from_fn(move |req: Request, next: Next| {
        let recorder = recorder.clone();
        async move {
            let record = {
                let header = |name: header::HeaderName| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
                ForeignRequest {
                    method: req.method().to_string(),
                    target: req.uri().path_and_query().map(|pq| pq.to_string()).unwrap_or_else(|| "/".into()),
                    authorization: header(header::AUTHORIZATION),
                    origin: header(header::ORIGIN),
                }
            };
            eprintln!("hostile: the foreign server received {} {}", record.method, record.target);
            recorder.0.received.lock().unwrap().push(record);
            next.run(req).await
        }
    }));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(())
}

/// What the foreign server answers: whatever would let a widget that followed a link carry on
/// (a page of one membership, a payment page), with CORS open to everyone and every header, so
/// that a request the widget should not have made is not stopped by the browser either.
async fn foreign_answer(method: Method, headers: HeaderMap) -> Response {
    let mut response = if method == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else {
        Json(json!({
            "count": 1, "next": null, "previous": null,
            "results": [{"id": 999_001, "object": "membership", "type": "pack", "name": "Foreign membership",
                         "for_sale": true, "visible_to_customers": true, "status": "for_sale", "provider": 100,
                         "profile_type": "customer"}],
        }))
        .into_response()
    };
    let h = response.headers_mut();
    let origin = headers.get(header::ORIGIN).cloned().unwrap_or(HeaderValue::from_static("*"));
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    h.insert(header::ACCESS_CONTROL_ALLOW_CREDENTIALS, HeaderValue::from_static("true"));
    h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST, OPTIONS"));
    let asked = headers.get(header::ACCESS_CONTROL_REQUEST_HEADERS).cloned().unwrap_or(HeaderValue::from_static("*"));
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, asked);
    response
}

// ---- the layer over the sandbox's answers ---------------------------------------------------

/// The sandbox's app with hostile mode over it: its answers rewritten, and the test hook
/// `GET|POST /__sandbox/hostile` (state and foreign requests; arm tricks) and
/// `DELETE /__sandbox/hostile/requests` (forget the foreign server's requests).
pub(crate) fn wrap(app: Router, hostile: Hostile) -> Router {
    let (show, set, clear) = (hostile.clone(), hostile.clone(), hostile.clone());
    let hooks = Router::new()
        .route(
            "/__sandbox/hostile",
            get(move || async move { Json(show.to_json()) }).post(move |body: Bytes| async move { arm_hook(&set, &body) }),
        )
        .route(
            "/__sandbox/hostile/requests",
            axum::routing::delete(move || async move {
                clear.clear_foreign_requests();
                Json(clear.to_json())
            }),
        );
    app.layer(middleware::from_fn(move |req: Request, next: Next| rewrite(hostile.clone(), req, next))).merge(hooks)
}

/// `POST /__sandbox/hostile {"tricks": ["next-url:data", …]}`: replaces the armed tricks.
fn arm_hook(hostile: &Hostile, body: &[u8]) -> Response {
    let tricks = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("tricks").and_then(Value::as_array).cloned())
        .ok_or_else(|| "expected {\"tricks\": [\"…\"]}".to_string())
        .and_then(|list| {
            list.iter().map(|t| t.as_str().ok_or_else(|| format!("{t} is not a trick name")).and_then(str::parse)).collect::<Result<Vec<Trick>, _>>()
        });
    match tricks {
        Ok(tricks) => {
            hostile.arm(&tricks);
            Json(hostile.to_json()).into_response()
        }
        Err(message) => (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_trick", "message": message}))).into_response(),
    }
}

/// Largest answer rewritten (bigger ones, e.g. a `huge_body` fault, pass unchanged).
const MAX_REWRITE_BYTES: usize = 4 * 1024 * 1024;

async fn rewrite(hostile: Hostile, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let is_api = path.starts_with("/api/v2/");
    let events = req.method() == Method::GET && path == List::Events.path();
    let endless = events && hostile.armed(Trick::EndlessEvents);
    let looping = events && hostile.armed(Trick::LoopingEvents);
    // The address as the browser asked for it, for links back to the sandbox.
    let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1").to_string();
    let asked = format!("http://{host}{}", req.uri().path_and_query().map(|pq| pq.as_str()).unwrap_or("/"));
    let mut page = 1u64;
    if endless {
        // The real handler answers page 1; the chain's page number lives only in `next`.
        let query: Vec<(String, String)> =
            req.uri().query().map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
        page = query.iter().find(|(k, _)| k == "page").and_then(|(_, v)| v.parse().ok()).unwrap_or(1);
        let kept: Vec<&(String, String)> = query.iter().filter(|(k, _)| k != "page").collect();
        let mut serializer = form_urlencoded::Serializer::new(String::new());
        for (k, v) in kept {
            serializer.append_pair(k, v);
        }
        if let Ok(uri) = format!("{path}?{}", serializer.finish()).parse() {
            *req.uri_mut() = uri;
        }
    }
    let purchase = req.method() == Method::POST && path.ends_with("/initiate_purchase");
    let response = next.run(req).await;
    if !is_api {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    if hostile.armed(Trick::DateSkew) {
        if let Ok(value) = HeaderValue::from_str(&http_date(OffsetDateTime::now_utc() + time::Duration::hours(1))) {
            parts.headers.insert(header::DATE, value);
        }
    }
    let json = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json"));
    if !json || !parts.status.is_success() {
        return Response::from_parts(parts, body);
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_REWRITE_BYTES).await else {
        // Too big or cut short (a fault): nothing sensible to rewrite.
        return (StatusCode::BAD_GATEWAY, "hostile mode could not read the answer to rewrite it").into_response();
    };
    let Ok(mut value) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let foreign = hostile.foreign();
    let list = List::ALL.into_iter().find(|l| l.path() == path);
    if let (Some(list), Some(object)) = (list, value.as_object_mut()) {
        if hostile.armed(Trick::ForeignNext(list)) {
            object.insert("next".into(), json!(format!("{foreign}{}?page=2", list.path())));
        }
        if endless {
            object.insert("next".into(), json!(with_page(&asked, page + 1)));
            if page > 1 {
                object.insert("results".into(), json!([]));
            }
        } else if looping {
            object.insert("next".into(), json!(asked));
        }
    }
    if hostile.armed(Trick::ForeignPlans) && (path == List::Memberships.path() || path.starts_with("/api/v2/memberships/")) {
        for_each_object(&mut value, &mut |object| {
            if object.get("object").and_then(Value::as_str) == Some("membership") || object.contains_key("plans") {
                let id = object.get("id").cloned().unwrap_or(Value::Null);
                object.insert("plans".into(), json!(format!("{foreign}{}?membership={id}", List::Plans.path())));
            }
        });
    }
    if purchase {
        let kind = hostile.tricks().into_iter().find_map(|t| match t {
            Trick::NextUrl(kind) => Some(kind),
            _ => None,
        });
        if let (Some(kind), Some(object)) = (kind, value.as_object_mut()) {
            let kind = match kind {
                NextUrl::Rotate => {
                    let n = hostile.0.purchases.fetch_add(1, Ordering::Relaxed) as usize;
                    NextUrl::KINDS[n % NextUrl::KINDS.len()]
                }
                other => other,
            };
            let real = object.get("next_url").and_then(Value::as_str).unwrap_or_default().to_string();
            let token = real.rsplit('/').next().unwrap_or("offer").to_string();
            let foreign_authority = foreign.trim_start_matches("http://");
            let host_only = host.rsplit_once(':').map_or(host.as_str(), |(h, _)| h);
            let next_url = match kind {
                NextUrl::Javascript => "javascript:window.__hostileRan=(window.__hostileRan||0)+1;alert('hostile')//".to_string(),
                NextUrl::Data => "data:text/html,<script>opener&&(opener.__hostileRan=1);alert('hostile')</script>".to_string(),
                NextUrl::ProtocolRelative => format!("//{foreign_authority}/pay/{token}"),
                NextUrl::Userinfo => format!("http://{host}@{foreign_authority}/pay/{token}"),
                NextUrl::Lookalike => format!("https://{host_only}.evil.example/pay/{token}"),
                NextUrl::HttpForeign => format!("http://pay.evil.example/pay/{token}"),
                NextUrl::ForeignPort => format!("{foreign}/pay/{token}"),
                NextUrl::Expired | NextUrl::Rotate => real,
            };
            object.insert("next_url".into(), json!(next_url));
            if kind == NextUrl::Expired || hostile.armed(Trick::NextUrl(NextUrl::Expired)) {
                let past = OffsetDateTime::now_utc() - time::Duration::hours(1);
                object.insert("expires_at".into(), json!(crate::times::format_utc(past)));
            }
        }
    }
    if hostile.armed(Trick::Markup) {
        add_markup(&mut value, None);
    }
    let body = value.to_string();
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}

/// `url` with its `page` parameter set to `page`.
fn with_page(url: &str, page: u64) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(query.as_bytes()).filter(|(k, _)| k != "page") {
        serializer.append_pair(&k, &v);
    }
    serializer.append_pair("page", &page.to_string());
    format!("{base}?{}", serializer.finish())
}

fn for_each_object(value: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    match value {
        Value::Object(object) => {
            f(object);
            for child in object.values_mut() {
                for_each_object(child, f);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| for_each_object(item, f)),
        _ => {}
    }
}

/// Fields that are addresses, times, identifiers, codes or enumerations: the widget reads them
/// as data, and markup in them would only make it refuse the answer for another reason.
const MACHINE_FIELDS: &[&str] = &[
    "id", "object", "type", "status", "next", "previous", "plans", "next_url", "customer_url", "url", "starts_at", "ends_at",
    "expires_at", "start_date", "expiration_date", "created_at", "timezone", "profile_type", "billing_period_unit",
    "duration_unit", "iso_currency_code", "currency_symbol_position", "decimal", "code", "email", "access_token",
    "refresh_token", "token_type", "scope", "commitment_expiration_scheme", "enrollment_schedule", "country",
];

/// Appends [`MARKUP`] to every other string, however deep.
fn add_markup(value: &mut Value, key: Option<&str>) {
    match value {
        Value::String(text) if !key.is_some_and(|k| MACHINE_FIELDS.contains(&k)) => text.push_str(MARKUP),
        Value::Array(items) => items.iter_mut().for_each(|item| add_markup(item, key)),
        Value::Object(object) => {
            for (k, child) in object.iter_mut() {
                add_markup(child, Some(k));
            }
        }
        _ => {}
    }
}

/// An HTTP-date (RFC 9110 §5.6.7): `Sun, 06 Nov 1994 08:49:37 GMT`.
fn http_date(t: OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    t.to_offset(time::UtcOffset::UTC).format(&format).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trick_names_round_trip() {
        for name in Trick::names() {
            let trick: Trick = name.parse().unwrap();
            assert_eq!(trick.to_string(), name);
        }
        assert_eq!(parse_tricks("").unwrap(), Trick::DEFAULT.to_vec());
        assert_eq!(parse_tricks("markup, next-url:data").unwrap(), [Trick::Markup, Trick::NextUrl(NextUrl::Data)]);
        for bad in ["nope", "next-url:ftp", "foreign-next:refunds", "markup:x"] {
            assert!(parse_tricks(bad).unwrap_err().contains("unknown hostile trick"), "{bad}");
        }
    }

    #[test]
    fn markup_goes_into_text_not_into_data() {
        let mut value = json!({"id": "slot_1", "name": "Yoga", "next": "http://x/p2",
            "results": [{"name": "A", "description": null, "display_price": {"string": "£9", "decimal": "9.00"}}]});
        add_markup(&mut value, None);
        assert_eq!(value["id"], "slot_1");
        assert_eq!(value["next"], "http://x/p2");
        assert_eq!(value["results"][0]["display_price"]["decimal"], "9.00");
        assert_eq!(value["name"], format!("Yoga{MARKUP}"));
        assert_eq!(value["results"][0]["display_price"]["string"], format!("£9{MARKUP}"));
    }

    #[test]
    fn pages_and_dates() {
        assert_eq!(with_page("http://h/api/v2/events?a=1&page=3", 4), "http://h/api/v2/events?a=1&page=4");
        assert_eq!(with_page("http://h/api/v2/events", 2), "http://h/api/v2/events?page=2");
        let t = OffsetDateTime::from_unix_timestamp(784_111_777).unwrap();
        assert_eq!(http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
    }
}
