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
//! | `membership-checkout:error` | `{stage: "load" or "purchase", message, status}` |

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use serde_json::Value;
use wasm_bindgen::JsValue;

pub const PREFIX: &str = "membership-checkout:";

/// The host element, shared through context (reactive code wants `Send`; the element never
/// leaves the browser's one thread).
#[derive(Clone)]
pub struct HostEvents(SendWrapper<Option<web_sys::HtmlElement>>);

impl HostEvents {
    pub fn new(host: Option<web_sys::HtmlElement>) -> Self {
        HostEvents(SendWrapper::new(host))
    }

    /// Dispatches `membership-checkout:<name>`; returns false if a listener cancelled it.
    pub fn emit(&self, name: &str, detail: Value, cancelable: bool) -> bool {
        let Some(host) = self.0.as_ref() else { return true };
        let init = web_sys::CustomEventInit::new();
        init.set_bubbles(true);
        init.set_composed(true);
        init.set_cancelable(cancelable);
        init.set_detail(&js_sys::JSON::parse(&detail.to_string()).unwrap_or(JsValue::NULL));
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
