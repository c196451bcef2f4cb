//! Thin Leptos views: [`MembershipCheckout`] picks the vendor's checkout from the settings;
//! [`common`] holds what both vendors' views share (loading and error states, the form's error
//! summary, after "continue": the countdown, confirming, the outcome), [`teamup`] and [`uelz`]
//! their own screens. They read the [`crate::checkout`] state machine and send it intents; every
//! decision is the checkout's.

pub mod browser;
pub mod common;
pub mod events;
mod language;
mod teamup;
mod uelz;

use std::sync::atomic::AtomicUsize;

use leptos::prelude::*;

use crate::backend::http::Transport;
use crate::i18n::{intl, Tr};
use crate::settings::{Backend, SettingError, Settings};
use browser::console_error;

pub(crate) static INSTANCES: AtomicUsize = AtomicUsize::new(0);

/// Uelz's hosted checkout (`https://app.uelzpay.com/checkout/<id>`), as a `host:port` entry.
const UELZ_CHECKOUT_HOST: &str = "app.uelzpay.com:443";

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

/// The widget: settings problems, or the checkout, in the customer's language (the `locale`
/// setting, else the browser's languages, else English), once that language's texts are here
/// (see [`language`]).
#[component]
pub fn MembershipCheckout(settings: Result<Settings, Vec<SettingError>>) -> impl IntoView {
    let requested = settings.as_ref().ok().and_then(|s| s.locale.clone());
    let wanted = Tr::negotiate(requested.as_deref(), &intl::browser_languages());
    language::in_language(wanted, move |tr| widget(settings.clone(), tr))
}

fn widget(settings: Result<Settings, Vec<SettingError>>, tr: Tr) -> AnyView {
    provide_context(tr);
    match settings {
        Ok(Settings { backend: Backend::TeamUp(settings), return_url, timeout_ms, payment_hosts, .. }) => {
            let mut allowed: Vec<String> = crate::redirect::allow_entry(&settings.api_base).into_iter().collect();
            allowed.extend(payment_hosts);
            provide_context(PaymentHosts(allowed.clone()));
            let common = Common { return_url, tr, timeout_ms, payment_hosts: allowed };
            teamup::first::first_screen(settings, common)
        }
        Ok(Settings { backend: Backend::Uelz(settings), return_url, timeout_ms, payment_hosts, .. }) => {
            let mut allowed: Vec<String> = crate::redirect::allow_entry(&settings.gateway_url).into_iter().collect();
            allowed.push(UELZ_CHECKOUT_HOST.to_string());
            allowed.extend(payment_hosts);
            provide_context(PaymentHosts(allowed.clone()));
            let common = Common { return_url, tr, timeout_ms, payment_hosts: allowed };
            let waiting = move || {
                view! {
                    <div class="mc" data-testid="checkout" data-backend="uelz" data-state="loading" aria-busy="true" lang=tr.locale dir=tr.dir()>
                        <common::Loading label="loading.plans" />
                    </div>
                }
                .into_any()
            };
            crate::split::on_demand_framed(tr, uelz_view, waiting, move |render| render(settings.clone(), common.clone()), uelz_frame)
                .into_any()
        }
        Err(errors) => view! { <ConfigError errors tr /> }.into_any(),
    }
}

// SPLIT POINT `uelz`: the whole Uelz checkout (its form, the gateway client, the purchase), which
// a TeamUp widget never needs; a Uelz widget downloads it before its first screen.
crate::split::lazy_fn!(uelz;
    fn uelz_view() -> fn(crate::settings::UelzSettings, Common) -> AnyView {
        |settings, common| view! { <uelz::UelzCheckout settings common /> }.into_any()
    }
);

/// The Uelz checkout's code could not download: its notice (Try again) in the widget's root.
fn uelz_frame(notice: AnyView) -> AnyView {
    let tr = tr();
    view! {
        <div class="mc" data-testid="checkout" data-backend="uelz" data-state="load-error" lang=tr.locale dir=tr.dir()>
            {notice}
        </div>
    }
    .into_any()
}

/// The widget's language, provided by [`MembershipCheckout`] to everything inside it.
pub(crate) fn tr() -> Tr {
    use_context::<Tr>().unwrap_or_default()
}

#[component]
fn ConfigError(errors: Vec<SettingError>, tr: Tr) -> impl IntoView {
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    console_error(&format!("membership-checkout: invalid settings on the host element: {}", lines.join("; ")));
    view! {
        <div class="mc" data-testid="checkout" data-state="config-error" lang=tr.locale dir=tr.dir()>
            <div class="mc-notice mc-notice--error" data-testid="config-error" role="alert">
                <p class="mc-notice__title">{tr.t("config.title")}</p>
                <p>{tr.t("config.body")}</p>
                <ul>
                    {errors
                        .into_iter()
                        .map(|e| view! { <li><code>{e.attribute}</code>" "<span lang="en">{e.message}</span></li> })
                        .collect_view()}
                </ul>
            </div>
        </div>
    }
}
