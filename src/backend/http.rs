//! The browser's own `fetch`, with a time limit enforced by `AbortController`. No HTTP crate: the
//! platform already has one, and every crate costs wasm bytes.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, Headers, RequestInit, RequestMode, Response};

use super::error::ApiError;

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

pub async fn send(
    method: Method,
    url: &str,
    headers: &[(&'static str, String)],
    body: Option<String>,
    timeout_ms: u32,
) -> Result<Reply, ApiError> {
    let window = web_sys::window().ok_or_else(|| ApiError::Network("no window".into()))?;
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
    let result = fetch_text(&window, url, &init).await;
    window.clear_timeout_with_handle(timer);
    drop(on_timeout);

    let (status, text, date) = match result {
        Ok(parts) => parts,
        Err(_) if timed_out.get() => return Err(ApiError::Timeout),
        Err(e) => return Err(e),
    };
    if (200..300).contains(&status) {
        let server_date_ms = date.map(|d| js_sys::Date::parse(&d)).filter(|ms| ms.is_finite());
        Ok(Reply { body: text, server_date_ms })
    } else {
        Err(ApiError::from_response(status, &text))
    }
}

async fn fetch_text(window: &web_sys::Window, url: &str, init: &RequestInit) -> Result<(u16, String, Option<String>), ApiError> {
    let response: Response = JsFuture::from(window.fetch_with_str_and_init(url, init))
        .await
        .map_err(js_error)?
        .dyn_into()
        .map_err(js_error)?;
    let status = response.status();
    let date = response.headers().get("date").ok().flatten();
    let text = JsFuture::from(response.text().map_err(js_error)?).await.map_err(js_error)?;
    Ok((status, text.as_string().unwrap_or_default(), date))
}

fn js_error(err: JsValue) -> ApiError {
    let detail = err
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| err.as_string())
        .unwrap_or_else(|| "request failed".into());
    ApiError::Network(detail)
}
