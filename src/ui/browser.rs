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

/// A node ref whose element takes the focus when it appears (after it is in the document).
pub fn focus_when_shown<E>() -> leptos::prelude::NodeRef<E>
where
    E: leptos::tachys::html::element::ElementType,
    E::Output: wasm_bindgen::JsCast + Clone + 'static,
{
    use leptos::prelude::*;
    let node = NodeRef::<E>::new();
    Effect::new(move |_| {
        if node.get().is_some() {
            focus_later(node);
        }
    });
    node
}

/// Focuses the element on the next frame, once the rendering that showed it has landed.
pub fn focus_later<E>(node: leptos::prelude::NodeRef<E>)
where
    E: leptos::tachys::html::element::ElementType,
    E::Output: wasm_bindgen::JsCast + Clone + 'static,
{
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    request_animation_frame(move || {
        // The widget may be gone by the next frame.
        if let Some(Some(el)) = node.try_get_untracked() {
            if let Some(el) = el.dyn_ref::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        }
    });
}

/// After the screen changes back to the form: the focus to the control with this id, once it is
/// rendered (the element that had the focus is gone).
pub fn focus_control_later(root: leptos::prelude::NodeRef<leptos::html::Div>, id: String) {
    use leptos::prelude::*;
    request_animation_frame(move || {
        if let Some(Some(root)) = root.try_get_untracked() {
            focus_control(&root, &id);
        }
    });
}

/// Moves the focus to the control with this id in the widget (from an error summary link): the
/// control itself, or the chosen (else first) enabled input of a group.
pub fn focus_control(from: &web_sys::Element, id: &str) {
    use wasm_bindgen::JsCast;
    let root = from.get_root_node();
    let target = match root.dyn_ref::<web_sys::ShadowRoot>() {
        Some(shadow) => shadow.get_element_by_id(id),
        None => root.dyn_ref::<web_sys::Document>().and_then(|d| d.get_element_by_id(id)),
    };
    let Some(target) = target else { return };
    let control = if target.matches("input, select, textarea, button").unwrap_or(false) {
        Some(target)
    } else {
        target
            .query_selector("input:checked:not([disabled])")
            .ok()
            .flatten()
            .or_else(|| target.query_selector("input:not([disabled]), select:not([disabled]), button:not([disabled])").ok().flatten())
    };
    if let Some(el) = control.and_then(|c| c.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = el.focus();
    }
}
