//! The browser's own `fetch`, with a time limit enforced by `AbortController`, bounded retries
//! ([`super::retry`]) and cancellation when the widget is removed. No HTTP crate: the platform
//! already has one, and every crate costs wasm bytes.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, Headers, RequestInit, RequestMode, Response};

use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::model::Offer;
use super::retry::{self, Decision, Repeat};

#[derive(Clone, Copy, Debug)]
pub enum Method {
    Get,
    Post,
}

/// A successful (2xx) reply.
#[derive(Clone, Debug)]
pub struct Reply {
    pub body: String,
    /// The server's `Date` header in epoch ms: lets countdowns survive a wrong device clock.
    pub server_date_ms: Option<f64>,
}

/// Told the address of every request the transport refused to send (see [`Transport::bound_to`]).
pub type OnRefused = Rc<dyn Fn(Method, &str)>;

/// How one widget instance talks HTTP: its time limit, a signal that cancels everything in
/// flight when the widget is removed from the page, and the one origin it may send to.
///
/// Every request the widget makes leaves through [`Transport::attempt`], which is therefore where
/// the rule lives: a transport bound to an origin sends nothing anywhere else (not even without
/// the token), and an unbound one never sends `Authorization`. So a link in an answer, however it
/// is followed, can't take the customer's credentials to another server.
#[derive(Clone)]
pub struct Transport {
    pub timeout_ms: u32,
    pub cancel: Option<AbortSignal>,
    origin: Option<Rc<str>>,
    on_refused: Option<OnRefused>,
}

impl Transport {
    pub fn new(timeout_ms: u32) -> Self {
        Transport { timeout_ms, cancel: None, origin: None, on_refused: None }
    }

    pub fn with_cancel(mut self, signal: AbortSignal) -> Self {
        self.cancel = Some(signal);
        self
    }

    /// Sends only to `origin` (`scheme://host[:port]`, as [`crate::url::origin`] writes it).
    pub fn bound_to(mut self, origin: &str) -> Self {
        self.origin = Some(Rc::from(origin));
        self
    }

    /// `on_refused` hears each refused address (to tell the console and the host page).
    pub fn on_refused(mut self, on_refused: OnRefused) -> Self {
        self.on_refused = Some(on_refused);
        self
    }

    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    fn cancelled(&self) -> bool {
        self.cancel.as_ref().is_some_and(AbortSignal::aborted)
    }

    /// Sends, reads the answer with `read`, and sends again while [`retry::after_failure`]
    /// allows it: an answer that can't be read (wrong content, cut short) counts as a failure.
    ///
    /// A thin generic shell around [`Transport::send_with`]: the HTTP core is compiled once, not
    /// once per answer type (that copy per type cost about 30 KB of wasm).
    #[allow(clippy::too_many_arguments)]
    pub async fn send<T>(
        &self,
        method: Method,
        url: &str,
        headers: &[(&'static str, String)],
        body: Option<String>,
        timeout_ms: u32,
        repeat: Repeat,
        read: impl Fn(&Reply) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut value = None;
        self.send_with(method, url, headers, body, timeout_ms, repeat, &mut |reply| {
            value = Some(read(reply)?);
            Ok(())
        })
        .await?;
        value.ok_or_else(|| ApiError::Malformed("no answer was read".into()))
    }

    /// [`Transport::send`] without a type: `read` keeps what it reads itself, and its `Err` makes
    /// the attempt a failure (retried like one). `Ok` means `read` accepted an answer.
    #[allow(clippy::too_many_arguments)]
    pub async fn send_with(
        &self,
        method: Method,
        url: &str,
        headers: &[(&'static str, String)],
        body: Option<String>,
        timeout_ms: u32,
        repeat: Repeat,
        read: &mut dyn FnMut(&Reply) -> Result<(), ApiError>,
    ) -> Result<(), ApiError> {
        let mut attempt = 1;
        loop {
            let (result, retry_after_ms) =
                self.attempt(method, url, headers, body.clone(), timeout_ms).await.unwrap_or_else(|error| (Err(error), None));
            let error = match result.and_then(|reply| read(&reply)) {
                Ok(()) => return Ok(()),
                Err(error) => error,
            };
            if self.cancelled() {
                return Err(error);
            }
            match retry::after_failure(&error, attempt, retry_after_ms, repeat, js_sys::Math::random()) {
                Decision::Stop => return Err(error),
                Decision::RetryAfterMs(wait) => {
                    sleep(wait).await;
                    if self.cancelled() {
                        return Err(error);
                    }
                }
            }
            attempt += 1;
        }
    }

    /// One request: its result and the server's `Retry-After` in ms, when it sent one. The outer
    /// `Err` is a failure before anything was sent.
    async fn attempt(
        &self,
        method: Method,
        url: &str,
        headers: &[(&'static str, String)],
        body: Option<String>,
        timeout_ms: u32,
    ) -> Result<(Result<Reply, ApiError>, Option<u32>), ApiError> {
        if !admitted(self.origin.as_deref(), url, headers) {
            if let Some(on_refused) = &self.on_refused {
                on_refused(method, url);
            }
            return Err(ApiError::LinkRefused(url.to_string()));
        }
        let window = web_sys::window().ok_or_else(|| ApiError::Network("no window".into()))?;
        if self.cancelled() {
            return Err(ApiError::Network("cancelled: the widget was removed".into()));
        }
        let controller = AbortController::new().map_err(js_error)?;
        let init = RequestInit::new();
        init.set_method(match method {
            Method::Get => "GET",
            Method::Post => "POST",
        });
        init.set_mode(RequestMode::Cors);
        init.set_signal(Some(&controller.signal()));
        let header_map = Headers::new().map_err(js_error)?;
        for (name, value) in headers {
            header_map.set(name, value).map_err(js_error)?;
        }
        init.set_headers(&header_map);
        if let Some(body) = body {
            init.set_body(&JsValue::from_str(&body));
        }

        // The timer aborts the fetch *and* the body read, so a server that trickles bytes times out too.
        let timed_out = Rc::new(Cell::new(false));
        let on_timeout = {
            let (timed_out, controller) = (timed_out.clone(), controller.clone());
            Closure::once(move || {
                timed_out.set(true);
                controller.abort();
            })
        };
        let timer = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(on_timeout.as_ref().unchecked_ref(), timeout_ms as i32)
            .map_err(js_error)?;
        // Removing the widget aborts this request too.
        let on_cancel = {
            let controller = controller.clone();
            Closure::<dyn FnMut()>::new(move || controller.abort())
        };
        if let Some(signal) = &self.cancel {
            let _ = signal.add_event_listener_with_callback("abort", on_cancel.as_ref().unchecked_ref());
        }
        let early = match method {
            Method::Get => take_early(&request_key("GET", url, headers)).dyn_into::<js_sys::Promise>().ok(),
            Method::Post => None,
        };
        let result = match early {
            Some(answer) => read_early(answer).await,
            None => fetch_text(&window, url, &init).await,
        };
        window.clear_timeout_with_handle(timer);
        if let Some(signal) = &self.cancel {
            let _ = signal.remove_event_listener_with_callback("abort", on_cancel.as_ref().unchecked_ref());
        }
        drop(on_timeout);
        drop(on_cancel);

        let (status, text, date, retry_after) = match result {
            Ok(parts) => parts,
            Err(_) if timed_out.get() => return Ok((Err(ApiError::Timeout), None)),
            Err(e) => return Ok((Err(e), None)),
        };
        let server_date_ms = date.map(|d| js_sys::Date::parse(&d)).filter(|ms| ms.is_finite());
        if (200..300).contains(&status) {
            Ok((Ok(Reply { body: text, server_date_ms }), None))
        } else {
            let wait = retry_after.and_then(|v| {
                retry::parse_retry_after_seconds(&v).or_else(|| {
                    // The HTTP-date form, measured against the server's own clock when it sent one.
                    let at = js_sys::Date::parse(&v);
                    let now = server_date_ms.unwrap_or_else(js_sys::Date::now);
                    at.is_finite().then(|| (at - now).clamp(0.0, f64::from(u32::MAX)) as u32)
                })
            });
            Ok((Err(ApiError::from_response(status, &text)), wait))
        }
    }
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport").field("timeout_ms", &self.timeout_ms).field("origin", &self.origin).finish_non_exhaustive()
    }
}

impl PartialEq for Transport {
    fn eq(&self, other: &Self) -> bool {
        self.timeout_ms == other.timeout_ms && self.cancel == other.cancel && self.origin == other.origin
    }
}

/// The rule [`Transport::attempt`] applies: bound to an origin, only addresses on exactly that
/// origin; unbound, anything but a request carrying `Authorization`.
pub fn admitted(origin: Option<&str>, url: &str, headers: &[(&'static str, String)]) -> bool {
    match origin {
        Some(origin) => crate::url::is_on(url, origin),
        None => !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("authorization")),
    }
}

/// The longest wait a browser timer can hold (2³¹−1 ms, about 24.8 days); longer ones fire at once.
pub const MAX_TIMER_MS: u32 = i32::MAX as u32;

/// A wait in ms as a timer can take it: never negative or NaN, never past [`MAX_TIMER_MS`].
pub fn timer_ms(ms: f64) -> u32 {
    if ms.is_nan() || ms <= 0.0 {
        0
    } else {
        ms.min(f64::from(MAX_TIMER_MS)) as u32
    }
}

/// Waits without blocking the page (at most [`MAX_TIMER_MS`]).
pub async fn sleep(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms.min(MAX_TIMER_MS) as i32);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// `future`, or `None` once `ms` have passed without it finishing.
pub async fn within<T>(ms: u32, future: impl std::future::Future<Output = T>) -> Option<T> {
    use futures::future::{select, Either};
    match select(Box::pin(future), Box::pin(sleep(ms))).await {
        Either::Left((value, _)) => Some(value),
        Either::Right(_) => None,
    }
}

/// Size cap on an answer: a catalogue is a few hundred kB; anything near this is not our API.
const MAX_BODY_BYTES: f64 = 5.0 * 1024.0 * 1024.0;

async fn fetch_text(window: &web_sys::Window, url: &str, init: &RequestInit) -> Result<(u16, String, Option<String>, Option<String>), ApiError> {
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(url, init))
        .await
        .map_err(js_error)?
        .dyn_into()
        .map_err(js_error)?;
    let status = response.status();
    let date = response.headers().get("date").ok().flatten();
    let retry_after = response.headers().get("retry-after").ok().flatten();
    let declared = response.headers().get("content-length").ok().flatten().and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len as f64 > MAX_BODY_BYTES) {
        return Err(ApiError::Malformed("the answer is far too large".into()));
    }
    let text = JsFuture::from(response.text().map_err(js_error)?).await.map_err(js_error)?;
    let text = text.as_string().unwrap_or_default();
    if text.len() as f64 > MAX_BODY_BYTES {
        return Err(ApiError::Malformed("the answer is far too large".into()));
    }
    Ok((status, text, date, retry_after))
}

#[wasm_bindgen(module = "/src/host/element.js")]
extern "C" {
    /// The answer src/host/element.js asked for while the wasm downloaded, for exactly this
    /// request ([`request_key`]), if it is still waiting; taken once.
    #[wasm_bindgen(js_name = takeEarly)]
    fn take_early(key: &str) -> JsValue;
}

/// A request as element.js `requestKey` writes it: method, URL and every header, names in lower
/// case and sorted. An early answer is used only for the very same request: the same address
/// with the same token, provider and request mode.
pub fn request_key(method: &str, url: &str, headers: &[(&'static str, String)]) -> String {
    let mut lines: Vec<String> = headers.iter().map(|(name, value)| format!("{}: {value}", name.to_ascii_lowercase())).collect();
    // A handful of lines: an insertion sort, not the standard library's (a few KB of wasm).
    for i in 1..lines.len() {
        let mut j = i;
        while j > 0 && lines[j - 1] > lines[j] {
            lines.swap(j - 1, j);
            j -= 1;
        }
    }
    format!("{method} {url}\n{}", lines.join("\n"))
}

/// `{status, body, date, retryAfter}` as element.js reads it; a rejection is a network error.
async fn read_early(answer: js_sys::Promise) -> Result<(u16, String, Option<String>, Option<String>), ApiError> {
    let answer = JsFuture::from(answer).await.map_err(js_error)?;
    let field = |name: &str| js_sys::Reflect::get(&answer, &JsValue::from_str(name)).ok();
    let status = field("status").and_then(|v| v.as_f64()).filter(|s| (100.0..600.0).contains(s)).ok_or_else(|| ApiError::Network("no status".into()))?;
    let body = field("body").and_then(|v| v.as_string()).unwrap_or_default();
    if body.len() as f64 > MAX_BODY_BYTES {
        return Err(ApiError::Malformed("the answer is far too large".into()));
    }
    Ok((status as u16, body, field("date").and_then(|v| v.as_string()), field("retryAfter").and_then(|v| v.as_string())))
}

fn js_error(err: JsValue) -> ApiError {
    let detail = err
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| err.as_string())
        .unwrap_or_else(|| "request failed".into());
    ApiError::Network(detail)
}

/// A JSON answer read as `T`; anything else is a malformed answer.
pub fn parse_json<T: DeserializeOwned>(reply: &Reply) -> Result<T, ApiError> {
    serde_json::from_str(&reply.body).map_err(|e| ApiError::Malformed(e.to_string()))
}

/// An offer and the server's clock (`Date`), if it sent one. Where `next_url` leads is judged
/// afterwards by [`crate::redirect`], which can say why it refuses.
pub fn read_offer(reply: &Reply) -> Result<(Offer, Option<f64>), ApiError> {
    let offer: Offer = parse_json(reply)?;
    if offer.expires_at_ms().is_none() {
        return Err(ApiError::Malformed("expires_at is not a date-time".into()));
    }
    Ok((offer, reply.server_date_ms))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offer_is_read_only_with_a_date_and_followed_only_to_an_http_page() {
        let reply = |next: &str, expires: &str| Reply {
            body: serde_json::json!({ "next_url": next, "expires_at": expires }).to_string(),
            server_date_ms: Some(5.0),
        };
        let (offer, date) = read_offer(&reply("https://goteamup.com/pay/abc", "2026-11-23T10:15:00.000Z")).unwrap();
        assert_eq!((offer.next_url.as_str(), date), ("https://goteamup.com/pay/abc", Some(5.0)));
        assert!(matches!(read_offer(&reply("https://goteamup.com/pay/abc", "soon")), Err(ApiError::Malformed(_))));
        // Where it leads is the redirect rules' to judge: a script is never followed.
        let (script, _) = read_offer(&reply("javascript:alert(1)", "2026-11-23T10:15:00.000Z")).unwrap();
        assert!(crate::redirect::check_payment_url(&script.next_url, &["goteamup.com:443".to_string()]).is_err());
    }

    fn auth() -> Vec<(&'static str, String)> {
        vec![("Accept", "application/json".into()), ("Authorization", "Bearer t".into())]
    }

    #[test]
    fn a_bound_transport_sends_only_to_its_origin() {
        let api = Some("https://goteamup.com");
        assert!(admitted(api, "https://goteamup.com/api/v2/memberships?page=2", &auth()));
        assert!(admitted(api, "https://goteamup.com/api/v2/auth/oauth/token", &[]));
        for url in [
            "https://evil.example/api/v2/memberships",
            "http://goteamup.com/api/v2/memberships",
            "https://goteamup.com:8443/api/v2",
            "https://goteamup.com.evil.example/api",
            "https://goteamup.com@evil.example/",
            "//evil.example/x",
            "javascript:alert(1)",
        ] {
            assert!(!admitted(api, url, &auth()), "{url} with the token");
            assert!(!admitted(api, url, &[]), "{url} even without it");
        }
    }

    #[test]
    fn an_unbound_transport_never_sends_authorization() {
        assert!(admitted(None, "https://pay.studio.example/v1/plans", &[("Accept", "application/json".into())]));
        assert!(!admitted(None, "https://pay.studio.example/v1/plans", &auth()));
        assert!(!admitted(None, "https://x.example/", &[("authorization", "Bearer t".into())]));
    }

    #[test]
    fn the_request_key_names_every_header() {
        let mut headers = auth();
        headers.push(("TeamUp-Provider-ID", "100".into()));
        headers.push(("Teamup-Request-Mode", "customer".into()));
        assert_eq!(
            request_key("GET", "https://a.example/x", &headers),
            "GET https://a.example/x\naccept: application/json\nauthorization: Bearer t\nteamup-provider-id: 100\nteamup-request-mode: customer"
        );
        let mut provider = headers.clone();
        provider[3].1 = "provider".into();
        assert_ne!(request_key("GET", "https://a.example/x", &headers), request_key("GET", "https://a.example/x", &provider));
    }

    #[test]
    fn timers_are_clamped_to_what_a_browser_timer_holds() {
        assert_eq!(timer_ms(1_000.0), 1_000);
        assert_eq!(timer_ms(-5.0), 0);
        assert_eq!(timer_ms(f64::NAN), 0);
        assert_eq!(timer_ms(f64::INFINITY), MAX_TIMER_MS);
        assert_eq!(timer_ms(30.0 * 86_400_000.0), MAX_TIMER_MS, "30 days would wrap to a negative, i.e. immediate, timer");
        assert!(MAX_TIMER_MS as i32 > 0);
    }
}
