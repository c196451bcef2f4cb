//! What both vendors' views share: loading and load-error states, the form's error summary and
//! continue button, carrying out the checkout's decision once a purchase is answered, asking the
//! platform about a purchase the customer came back from, and telling the host page.

pub(crate) mod offer;

use leptos::prelude::*;
use serde_json::json;

use super::browser::{console_error, focus_control, focus_later, navigate_top, now_ms, session_get, session_remove, session_set};
use super::events::HostEvents;
use super::{tr, PaymentHosts};
use crate::backend::error::ApiError;
use crate::backend::{Confirmation, Receipt};
use crate::checkout::{Checkout, Next, PendingOffer, Phase, Resumed, VendorForm};
use crate::i18n::Tr;
use crate::ui::teamup::first::Answer;

/// What one read through [`load`] has answered: `None` until the first answer, then the latest
/// one (kept while a newer request is on its way; an answer overtaken by a newer request is
/// dropped, so a slow answer for an earlier choice never shows).
pub(crate) struct Loaded<T: Send + Sync + 'static> {
    value: RwSignal<Option<T>>,
    again: Trigger,
}

impl<T: Send + Sync + 'static> Clone for Loaded<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Loaded<T> {}

impl<T: Clone + Send + Sync + 'static> Loaded<T> {
    pub fn get(&self) -> Option<T> {
        self.value.get()
    }

    pub fn get_untracked(&self) -> Option<T> {
        self.value.get_untracked()
    }
}

impl<T: Send + Sync + 'static> Loaded<T> {
    pub fn with<U>(&self, f: impl FnOnce(&Option<T>) -> U) -> U {
        self.value.with(f)
    }

    pub fn with_untracked<U>(&self, f: impl FnOnce(&Option<T>) -> U) -> U {
        self.value.with_untracked(f)
    }

    /// Asks again ("Try again"); the answer shown meanwhile stays.
    pub fn refetch(&self) {
        self.again.notify();
    }
}

/// The one loading helper behind the `use_…` hooks: `fetch` with a clone of `client`, asked at
/// once, again whenever a signal `fetch` reads (before its future starts) changes and on
/// [`Loaded::refetch`]. A signal and `spawn_local`, not a `LocalResource`: the same behaviour in
/// fewer wasm bytes. What is in flight is aborted with the widget by its transport.
pub(crate) fn load<C, T, Fut>(client: &C, fetch: impl Fn(C) -> Fut + 'static) -> Loaded<T>
where
    C: Clone + 'static,
    T: Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = T> + 'static,
{
    load_after(None, client, fetch)
}

/// [`load`], whose first answer is `handed` (asked for by someone else, maybe still on its way):
/// only [`Loaded::refetch`] asks again.
pub(crate) fn load_after<C, T, Fut>(handed: Option<Answer<T>>, client: &C, fetch: impl Fn(C) -> Fut + 'static) -> Loaded<T>
where
    C: Clone + 'static,
    T: Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = T> + 'static,
{
    let client = client.clone();
    let loaded = Loaded { value: RwSignal::new(None), again: Trigger::new() };
    let latest = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let handed = handed.map(|answer| {
        // Here already: in the first render, so nothing flickers.
        let latest = latest.clone();
        answer.when_ready(move |value| {
            if latest.get() == 0 {
                loaded.value.try_set(Some(value.clone()));
            }
        });
    });
    let mut first = handed.is_some();
    Effect::new(move |_| {
        loaded.again.track();
        if std::mem::take(&mut first) {
            return;
        }
        let asked = fetch(client.clone());
        let (latest, this) = (latest.clone(), latest.get() + 1);
        latest.set(this);
        leptos::task::spawn_local(async move {
            let answer = asked.await;
            if latest.get() == this {
                // A widget removed meanwhile has nothing left to update.
                loaded.value.try_set(Some(answer));
            }
        });
    });
    loaded
}

/// The root's `data-state`: the checkout's `phase`, or while browsing, `loading` until the first
/// screen's data is here (`loaded`: whether it was read) and `load-error` when it couldn't be.
pub(crate) fn data_state(phase: &'static str, loaded: Option<bool>) -> &'static str {
    match (phase, loaded) {
        ("browsing", None) => "loading",
        ("browsing", Some(false)) => "load-error",
        _ => phase,
    }
}

/// The catalogue couldn't be read: say why and offer to load it again. `title` is a catalogue key.
#[component]
pub(crate) fn LoadError(title: &'static str, error: ApiError, retry: Callback<()>) -> impl IntoView {
    let tr = tr();
    view! {
        <div class="mc-notice mc-notice--error" data-testid="load-error" role="alert">
            <p class="mc-notice__title">{tr.t(title)}</p>
            <p>{tr.text(&error.user_message())}</p>
            <button type="button" class="mc-button mc-button--secondary" data-testid="reload" on:click=move |_| retry.run(())>
                {tr.t("try_again")}
            </button>
        </div>
    }
}

const HIDDEN: &str = "true";

/// Placeholders while the catalogue loads; `label` is a catalogue key said to screen readers.
#[component]
pub(crate) fn Loading(label: &'static str) -> impl IntoView {
    view! {
        <div class="mc-loading" role="status">
            <span class="mc-visually-hidden">{tr().t(label)}</span>
            // `aria-hidden=HIDDEN`, not the literal "true": an element whose every attribute is a
            // literal is built by Leptos from an HTML string (`innerHTML` on a <template>), which
            // a page enforcing Trusted Types refuses. See docs/security.md.
            <div class="mc-skeleton" aria-hidden=HIDDEN></div>
            <div class="mc-skeleton" aria-hidden=HIDDEN></div>
            <div class="mc-skeleton" aria-hidden=HIDDEN></div>
        </div>
    }
}

/// What a widget needs to carry out what the checkout decides once a purchase is answered
/// (held by the purchase's task, which runs outside the component's context).
#[derive(Clone)]
pub(crate) struct AfterPurchase {
    /// Where this tab keeps the offer for Back.
    pub offer_key: String,
    pub events: HostEvents,
    /// Hosts a `next_url` may point at (see [`crate::redirect`]).
    pub allowed: Vec<String>,
    pub tr: Tr,
}

/// The purchase was answered: the checkout decides what follows ([`Checkout::offer_received`]),
/// and this does it: the offer kept in this tab for Back, the host told, the page sent to pay;
/// or the refusal or failure reported. Returns whether the answer was an offer.
pub(crate) fn purchase_answered<S: VendorForm + Send + Sync + 'static>(
    checkout: RwSignal<Checkout<S>>,
    answer: Result<(crate::model::Offer, Option<f64>), ApiError>,
    name: String,
    receipt: Receipt,
    after: &AfterPurchase,
) -> bool {
    let AfterPurchase { offer_key, events, allowed, tr } = after;
    let Some(next) = checkout.try_update(|c| c.offer_received(answer, name, receipt, now_ms(), allowed)) else { return false };
    match &next {
        Next::Pay { offer, expires_at } => {
            session_set(offer_key, &serde_json::to_string(offer).unwrap_or_default());
            events.emit("purchase-initiated", json!({ "next_url": offer.next_url, "expires_at": expires_at }), false);
            // The host may take over (its own router, a new tab): then the countdown and link stay.
            if !events.emit("redirect", json!({ "next_url": offer.next_url }), true) {
                checkout.try_update(|c| c.redirect_taken_over());
            } else if !navigate_top(&offer.next_url) {
                checkout.try_update(|c| c.redirect_refused());
            }
        }
        Next::Refused(reason) => {
            console_error(&format!("membership-checkout: refused to follow next_url: {reason}"));
            events.error("purchase", reason, None);
        }
        Next::Failed(error) => {
            console_error(&format!("membership-checkout: the purchase failed: {error}"));
            events.error("purchase", &tr.text(&error.user_message()), error.status());
        }
        Next::Closed => {}
    }
    next.answered_with_offer()
}

/// `ready` once the catalogue shows, `error` when it fails, `expired` when an offer lapses, and
/// `selection-change` with what `selection` describes.
pub(crate) fn announce<S: VendorForm + Send + Sync + 'static>(
    events: HostEvents,
    tr: Tr,
    backend: &'static str,
    checkout: RwSignal<Checkout<S>>,
    loaded: impl Fn() -> Option<Result<(), ApiError>> + Send + Sync + 'static,
    selection: impl Fn(&S) -> serde_json::Value + Send + Sync + 'static,
) {
    let status = Memo::new(move |_| loaded().map(|r| r.map_err(|e| (tr.text(&e.user_message()), e.status()))));
    let on_load = events.clone();
    Effect::new(move |ready_sent: Option<bool>| {
        let sent = ready_sent.unwrap_or(false);
        match status.get() {
            Some(Ok(())) if !sent => {
                on_load.emit("ready", json!({ "backend": backend }), false);
            }
            Some(Err((message, status))) => on_load.error("load", &message, status),
            _ => return sent,
        };
        sent || matches!(status.get_untracked(), Some(Ok(())))
    });
    let chosen = Memo::new(move |_| checkout.with(|c| selection(&c.selection)));
    let on_choice = events.clone();
    Effect::new(move |first: Option<()>| {
        let detail = chosen.get();
        if first.is_some() {
            on_choice.emit("selection-change", detail, false);
        }
    });
    let phase = Memo::new(move |_| checkout.with(|c| c.phase.name()));
    Effect::new(move |_| {
        if phase.get() == "lapsed" {
            events.emit("expired", json!({}), false);
        }
    });
}

/// A backend's question to its platform about a purchase the customer came back from.
pub(crate) type Asked = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Confirmation, ApiError>>>>;

/// Back on the studio's page after the payment page (`return_to`, or Back): nothing in the
/// address is read. With an offer kept in this tab ([`Checkout::offer_kept`]), the checkout asks the
/// platform (`ask`) on arrival, whenever a check falls due and when the customer presses "Check
/// again"; the kept offer is dropped once the outcome is settled. The same for every backend.
pub(crate) fn confirm_on_return<S: VendorForm + Send + Sync + 'static>(
    checkout: RwSignal<Checkout<S>>,
    offer_key: &str,
    ask: impl Fn(Receipt) -> Asked + 'static,
) {
    let Some(kept) = session_get(offer_key).and_then(|s| serde_json::from_str::<PendingOffer>(&s).ok()) else { return };
    let allowed = use_context::<PaymentHosts>().unwrap_or_default();
    match checkout.try_update(|c| c.offer_kept(kept, now_ms(), &allowed.0)) {
        Some(Resumed::Asking) => {}
        Some(Resumed::Refused(reason)) => {
            console_error(&format!("membership-checkout: a kept offer was not resumed: {reason}"));
            session_remove(offer_key);
            return;
        }
        Some(Resumed::Shown) | None => return,
    }
    let asking = Memo::new(move |_| {
        checkout.with(|c| match &c.phase {
            Phase::Confirming(x) if x.asking => Some(x.offer.receipt.clone()),
            _ => None,
        })
    });
    let offer_key = offer_key.to_string();
    Effect::new(move |_| {
        if let Some(receipt) = asking.get() {
            let answer = ask(receipt);
            leptos::task::spawn_local(async move {
                let answer = answer.await;
                if let Some(wait) = checkout.try_update(|c| c.outcome_confirmed(answer, now_ms())).flatten() {
                    // A widget removed meanwhile has no checkout left to update: nothing happens.
                    set_timeout(move || {
                        checkout.try_update(|c| c.check_due(now_ms()));
                    }, std::time::Duration::from_millis(wait as u64));
                }
            });
        }
        // Settled: the offer is done with.
        if checkout.with(|c| matches!(c.phase, Phase::Outcome(_))) {
            session_remove(&offer_key);
        }
    });
}

/// After a failed attempt to continue, every problem in one place at the top of the form: each
/// field's message links to its control, the form's own message comes with "Try again" when
/// retrying can help. Each failed attempt moves the focus here.
pub(crate) fn error_summary<S: Send + Sync + 'static>(
    checkout: RwSignal<Checkout<S>>,
    id: impl Fn(&str) -> String + Send + Sync + Copy + 'static,
    submit: Callback<()>,
) -> impl IntoView {
    let tr = tr();
    let shown = move || checkout.with(|c| c.problems.summary && !c.problems.is_empty());
    let fields = move || checkout.with(|c| c.problems.controls().map(|control| (control, c.problems.text(control, tr))).collect::<Vec<_>>());
    let message = move || checkout.with(|c| c.problems.form_text(tr));
    let retryable = move || checkout.with(|c| c.problems.retryable);
    let node = NodeRef::<leptos::html::Div>::new();
    let failures = Memo::new(move |_| checkout.with(|c| c.failures));
    Effect::new(move |_| {
        if failures.get() > 0 {
            focus_later(node);
        }
    });
    view! {
        <Show when=shown>
            <div class="mc-error-summary" role="group" data-testid="error-summary" tabindex="-1" node_ref=node aria-labelledby=id("errors-title")>
                <h3 class="mc-error-summary__title" id=id("errors-title")>{tr.t("errors.title")}</h3>
                <ul class="mc-error-summary__list">
                    {move || fields().into_iter().map(|(control, text)| {
                        let target = id(control);
                        view! {
                            <li>
                                <a href=format!("#{target}") on:click=move |ev: leptos::ev::MouseEvent| {
                                    // Fragment links don't reach into a shadow root: focus it ourselves.
                                    ev.prevent_default();
                                    focus_control(&event_target::<web_sys::Element>(&ev), &target);
                                }>{text}</a>
                            </li>
                        }
                    }).collect_view()}
                    {move || message().map(|m| view! { <li data-testid="form-error">{m}</li> })}
                </ul>
                <Show when=move || retryable() && message().is_some()>
                    <button type="button" class="mc-button mc-button--secondary" data-testid="retry" on:click=move |_| submit.run(())>
                        {tr.t("try_again")}
                    </button>
                </Show>
            </div>
        </Show>
    }
}

/// `busy_key` is the catalogue key said while the purchase is on its way.
pub(crate) fn continue_button(submitting: impl Fn() -> bool + Send + Sync + Copy + 'static, busy_key: &'static str) -> impl IntoView {
    let tr = tr();
    view! {
        // aria-disabled, not disabled, while the purchase is on its way: a disabled button would drop
        // the keyboard focus to the page (presses meanwhile are ignored by the state machine).
        <button type="submit" class="mc-button mc-button--primary" data-testid="continue"
            aria-disabled=move || submitting().to_string() aria-busy=move || submitting().to_string()>
            {move || tr.t(if submitting() { busy_key } else { "continue" })}
        </button>
    }
}

/// An error paragraph tied to its control by id (aria-describedby).
pub(crate) fn field_error(id: String, testid: &'static str, message: impl Fn() -> Option<String> + Send + Sync + Clone + 'static) -> impl IntoView {
    let shown = message.clone();
    view! {
        <Show when=move || shown().is_some()>
            <p class="mc-field-error" id=id.clone() data-testid=testid>{message.clone()}</p>
        </Show>
    }
}
