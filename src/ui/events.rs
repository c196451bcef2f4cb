//! DOM events on the host element, so the studio's page can follow the checkout (analytics, its
//! own redirect handling). All bubble out of the element; `redirect` is cancelable.
//!
//! | event | detail |
//! |---|---|
//! | `membership-checkout:ready` | `{backend}` — the catalogue is on screen |
//! | `membership-checkout:selection-change` | what is chosen (`membership`, `plan`, `event`, `slot`; Uelz: `plan`, `coupon`) |
//! | `membership-checkout:purchase-initiated` | `{next_url, expires_at}` |
//! | `membership-checkout:redirect` | `{next_url}`; `preventDefault()` keeps the page, with the countdown and link |
//! | `membership-checkout:expired` | `{}` — the offer lapsed before payment |
//! | `membership-checkout:error` | `{stage: "load", "purchase" or "sign-in", message, status}` |

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use serde_json::Value;
use wasm_bindgen::JsValue;

pub const PREFIX: &str = "membership-checkout:";

/// The host element, and the host page's `getFreshToken` callback if it gave one; shared through
/// context (reactive code wants `Send`; both never leave the browser's one thread).
#[derive(Clone)]
pub struct HostEvents(SendWrapper<Option<web_sys::HtmlElement>>, SendWrapper<Option<js_sys::Function>>);

impl HostEvents {
    pub fn new(host: Option<web_sys::HtmlElement>) -> Self {
        HostEvents(SendWrapper::new(host), SendWrapper::new(None))
    }

    pub fn with_fresh_token(self, callback: Option<js_sys::Function>) -> Self {
        HostEvents(self.0, SendWrapper::new(callback))
    }

    /// Renews a host-given token by asking the host page (`getFreshToken()`); `None` if it gave
    /// no callback. A token is fresh tokens; `null` (or no usable token) means the customer is
    /// signed out; a callback that throws or rejects is a passing failure (asked again later).
    pub fn fresh_token_renewal(&self) -> Option<crate::backend::session::Renewal> {
        use crate::backend::session::Renewed;
        let callback = (*self.1).clone()?;
        Some(std::rc::Rc::new(move |_current| {
            let callback = callback.clone();
            Box::pin(async move {
                let Ok(answer) = callback.call0(&JsValue::UNDEFINED) else { return Renewed::Unavailable };
                let Ok(token) = wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&answer)).await else {
                    return Renewed::Unavailable;
                };
                match token.as_string().map(|t| t.trim().to_string()) {
                    Some(token) if !token.is_empty() && !token.contains(char::is_whitespace) => {
                        Renewed::Tokens(crate::auth::Tokens { access: token, refresh: None, expires_at_ms: None, lifetime_ms: None })
                    }
                    _ => Renewed::SignedOut,
                }
            })
        }))
    }

    /// `membership-checkout:error` with `{stage, message, status}` (one builder for every caller).
    /// (Built without serde_json: the first screen reports refused links through it.)
    pub fn error(&self, stage: &str, message: &str, status: Option<u16>) {
        let detail = js_sys::Object::new();
        let status = status.map_or(JsValue::NULL, |s| JsValue::from(s));
        for (key, value) in [("message", JsValue::from_str(message)), ("stage", JsValue::from_str(stage)), ("status", status)] {
            let _ = js_sys::Reflect::set(&detail, &JsValue::from_str(key), &value);
        }
        self.dispatch("error", &detail, false);
    }

    /// Dispatches `membership-checkout:<name>`; returns false if a listener cancelled it.
    pub fn emit(&self, name: &str, detail: Value, cancelable: bool) -> bool {
        self.dispatch(name, &js_sys::JSON::parse(&detail.to_string()).unwrap_or(JsValue::NULL), cancelable)
    }

    fn dispatch(&self, name: &str, detail: &JsValue, cancelable: bool) -> bool {
        let Some(host) = self.0.as_ref() else { return true };
        let init = web_sys::CustomEventInit::new();
        init.set_bubbles(true);
        init.set_composed(true);
        init.set_cancelable(cancelable);
        init.set_detail(detail);
        match web_sys::CustomEvent::new_with_event_init_dict(&format!("{PREFIX}{name}"), &init) {
            // A listener that throws is the host's problem, not a reason to stop the checkout.
            Ok(event) => host.dispatch_event(&event).unwrap_or(true),
            Err(_) => true,
        }
    }
}

/// The events of the widget being rendered (none outside a mounted widget, e.g. in tests of
/// components on their own).
pub fn host_events() -> HostEvents {
    use_context::<HostEvents>().unwrap_or_else(|| HostEvents::new(None))
}
