//! Small wrappers over the browser APIs the widget touches. Failures (storage disabled, no top
//! window access) degrade quietly: they never take the widget down.

use wasm_bindgen::JsValue;

pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

pub fn page_url() -> String {
    web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default()
}

pub fn page_query() -> String {
    web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default()
}

/// Tidies the address bar without reloading or adding a history entry.
pub fn replace_url(url: &str) {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(url));
    }
}

fn session() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.session_storage().ok().flatten())
}

pub fn session_get(key: &str) -> Option<String> {
    session().and_then(|s| s.get_item(key).ok().flatten())
}

pub fn session_set(key: &str, value: &str) {
    if let Some(s) = session() {
        let _ = s.set_item(key, value);
    }
}

pub fn session_remove(key: &str) {
    if let Some(s) = session() {
        let _ = s.remove_item(key);
    }
}

/// Whether the widget runs inside a frame (then the payment page must open at the top, or in a
/// new tab when the frame may not navigate the top).
pub fn in_frame() -> bool {
    let Some(window) = web_sys::window() else { return false };
    match window.top() {
        Ok(Some(top)) => top != window,
        // Reading `top` failed: certainly not the top window.
        _ => true,
    }
}

/// Sends the top-level page to `url` (the payment page must not open inside a frame). Returns
/// false when the browser refused (a sandboxed frame without top navigation): the caller then
/// offers a link that opens the payment page in a new tab, and the frame stays as it is.
pub fn navigate_top(url: &str) -> bool {
    let Some(window) = web_sys::window() else { return false };
    if !in_frame() {
        return window.location().assign(url).is_ok();
    }
    match window.top() {
        Ok(Some(top)) => top.location().assign(url).is_ok(),
        _ => false,
    }
}

pub fn console_error(message: &str) {
    web_sys::console::error_1(&JsValue::from_str(message));
}

/// A fresh idempotency key from the browser's cryptographic random source. `None` only if the
/// platform has no `crypto` (then the caller refuses to send rather than risk a duplicate).
pub fn random_uuid() -> Option<String> {
    random_bytes::<16>().map(crate::checkout::uelz::uuid_v4)
}

/// The customer's calendar date, `YYYY-MM-DD`, as a date input shows it.
pub fn today_local() -> String {
    let d = js_sys::Date::new_0();
    format!("{:04}-{:02}-{:02}", d.get_full_year(), d.get_month() + 1, d.get_date())
}

/// Bytes from the browser's cryptographic random source (`None` without `crypto`).
pub fn random_bytes<const N: usize>() -> Option<[u8; N]> {
    let crypto = web_sys::window()?.crypto().ok()?;
    let mut bytes = [0u8; N];
    crypto.get_random_values_with_u8_array(&mut bytes).ok()?;
    Some(bytes)
}

/// SHA-256 by the browser (`crypto.subtle`, secure contexts only: https, or http on localhost).
pub async fn sha256(data: &[u8]) -> Option<Vec<u8>> {
    let subtle = web_sys::window()?.crypto().ok()?.subtle();
    let promise = subtle.digest_with_str_and_u8_array("SHA-256", data).ok()?;
    let digest = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    Some(js_sys::Uint8Array::new(&digest).to_vec())
}

/// Sends this window (the widget's own frame, if framed) to `url`.
pub fn go_to(url: &str) -> bool {
    web_sys::window().is_some_and(|w| w.location().assign(url).is_ok())
}
