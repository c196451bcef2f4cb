//! The widget's views. [`start`] is its entry, without Leptos: it picks the vendor's checkout
//! from the settings and paints what comes first with plain DOM ([`dom`]) while the checkout's
//! code downloads; then the Leptos checkout takes over ([`mount_checkout`]). Those are thin Leptos
//! views: [`common`] holds what both vendors' views share (loading and error states, the form's error
//! summary, after "continue": the countdown, confirming, the outcome), [`teamup`] and [`uelz`]
//! their own screens. They read the [`crate::checkout`] state machine and send it intents; every
//! decision is the checkout's.

pub mod browser;
pub mod common;
mod dom;
pub mod events;
mod language;
pub mod start;
mod teamup;
mod uelz;

use std::sync::atomic::AtomicUsize;

use leptos::prelude::*;

use crate::backend::http::Transport;
use crate::i18n::Tr;

pub(crate) static INSTANCES: AtomicUsize = AtomicUsize::new(0);

/// Uelz's hosted checkout (`https://app.uelzpay.com/checkout/<id>`), as a `host:port` entry.
pub(crate) const UELZ_CHECKOUT_HOST: &str = "app.uelzpay.com:443";

/// Where this widget may send the customer to pay (`host:port` entries, see
/// [`crate::redirect`]): provided to everything inside the widget, so that an offer kept from an
/// earlier visit is checked like a fresh one.
#[derive(Clone, Debug, Default)]
pub(crate) struct PaymentHosts(pub Vec<String>);

/// Settings every backend's checkout uses.
#[derive(Clone, Debug)]
pub(crate) struct Common {
    pub return_url: Option<String>,
    pub tr: Tr,
    pub timeout_ms: u32,
    /// Hosts a `next_url` may point at (see [`crate::redirect`]).
    pub payment_hosts: Vec<String>,
}

/// HTTP for one widget: its time limit, and everything in flight aborted when it is removed.
pub(crate) fn widget_transport(timeout_ms: u32) -> Transport {
    let transport = Transport::new(timeout_ms);
    match web_sys::AbortController::new() {
        Ok(controller) => {
            let signal = controller.signal();
            // on_cleanup wants Send; the controller never leaves this (only) browser thread.
            let controller = send_wrapper::SendWrapper::new(controller);
            on_cleanup(move || controller.abort());
            transport.with_cancel(signal)
        }
        Err(_) => transport,
    }
}

/// The Uelz checkout, mounted into a widget's container: what the `uelz` chunk holds.
pub(crate) type UelzMount = fn(web_sys::HtmlElement, crate::settings::UelzSettings, Common, events::HostEvents) -> start::Mounted;

// SPLIT POINT `uelz`: the whole Uelz checkout (its form, the gateway client, the purchase), which
// a TeamUp widget never needs; a Uelz widget downloads it before its first screen.
crate::split::lazy_fn!(uelz;
    fn uelz_view() -> UelzMount {
        |container, settings, common, events| {
            mount_checkout(container, common.tr, common.payment_hosts.clone(), events, move || view! { <uelz::UelzCheckout settings common /> }.into_any())
        }
    }
);

/// Mounts a Leptos checkout into `container`, in place of the plain screen there, with what
/// everything inside it reads from the context: the language ([`tr`]), where it may send the
/// customer to pay ([`PaymentHosts`]) and the host page's events.
pub(crate) fn mount_checkout(
    container: web_sys::HtmlElement,
    tr: Tr,
    payment_hosts: Vec<String>,
    events: events::HostEvents,
    checkout: impl FnOnce() -> AnyView + 'static,
) -> start::Mounted {
    // Emptied through `textContent`, not `innerHTML` (Trusted Types, see docs/security.md).
    container.set_text_content(None);
    let handle = leptos::mount::mount_to(container, move || {
        provide_context(tr);
        provide_context(PaymentHosts(payment_hosts));
        provide_context(events);
        checkout()
    });
    Box::new(handle)
}

/// The widget's language, provided by [`mount_checkout`] to everything inside it.
pub(crate) fn tr() -> Tr {
    use_context::<Tr>().unwrap_or_default()
}
