//! The browser's own `fetch`, with a time limit enforced by `AbortController`, bounded retries
//! ([`super::retry`]) and cancellation when the widget is removed. No HTTP crate: the platform
//! already has one, and every crate costs wasm bytes.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, Headers, RequestInit, RequestMode, Response};

use super::error::ApiError;
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

/// How one widget instance talks HTTP: its time limit, and a signal that cancels everything in
/// flight when the widget is removed from the page.
#[derive(Clone, Debug, PartialEq)]
pub struct Transport {
    pub timeout_ms: u32,
    pub cancel: Option<AbortSignal>,
}

impl Transport {
    pub fn new(timeout_ms: u32) -> Self {
        Transport { timeout_ms, cancel: None }
    }

    pub fn with_cancel(mut self, signal: AbortSignal) -> Self {
        self.cancel = Some(signal);
        self
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
        let result = match method {
            Method::Get => match early_answer(url, headers) {
                Some(answer) => read_early(answer).await,
                None => fetch_text(&window, url, &init).await,
            },
            Method::Post => fetch_text(&window, url, &init).await,
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

/// Waits without blocking the page.
pub async fn sleep(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
        }
    });
    let _ = JsFuture::from(promise).await;
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
    let declared = response.headers().get("content-length").ok().flatten().and_then(|v| v.trim().parse::<f64>().ok());
    if declared.is_some_and(|len| len > MAX_BODY_BYTES) {
        return Err(ApiError::Malformed("the answer is far too large".into()));
    }
    let text = JsFuture::from(response.text().map_err(js_error)?).await.map_err(js_error)?;
    let text = text.as_string().unwrap_or_default();
    if text.len() as f64 > MAX_BODY_BYTES {
        return Err(ApiError::Malformed("the answer is far too large".into()));
    }
    Ok((status, text, date, retry_after))
}

/// The global where src/host/element.js leaves the answers it asked for while the wasm downloaded.
const EARLY: &str = "__membershipCheckoutEarly";

/// An answer already asked for by the page's script (src/host/element.js `askEarly`): the same GET
/// with the same credentials, keyed `"<url> <Authorization>"`. Taken once; later attempts (a retry
/// after it failed) fetch as usual.
fn early_answer(url: &str, headers: &[(&'static str, String)]) -> Option<js_sys::Promise> {
    let early: js_sys::Map = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str(EARLY)).ok()?.dyn_into().ok()?;
    let authorization = headers.iter().find(|(name, _)| *name == "Authorization").map_or("", |(_, value)| value.as_str());
    let key = JsValue::from_str(&format!("{url} {authorization}"));
    let answer = early.get(&key).dyn_into::<js_sys::Promise>().ok()?;
    early.delete(&key);
    Some(answer)
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
