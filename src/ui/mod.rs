//! Thin Leptos components. They read the [`Checkout`] state machine and send it intents; data comes
//! from [`TeamUp`] through `LocalResource` (reads) and `Action::new_local` (the purchase).

pub mod browser;
pub mod events;
mod offer;
mod sections;
mod signin;
mod uelz;


use std::sync::atomic::{AtomicUsize, Ordering};

use leptos::prelude::*;

use crate::backend::error::ApiError;
use crate::backend::http::Transport;
use crate::backend::teamup::{PurchaseRequest, TeamUp};
use crate::checkout::{Booking, BookingCheck, Checkout, Confirmation, Form, PendingOffer, Phase, Receipt, Selection};
use crate::model::{Membership, PaymentPlan};
use crate::i18n::{intl, Tr};
use crate::settings::{Backend, SettingError, Settings, TeamUpSettings};
use events::{host_events, HostEvents};
use serde_json::json;
use browser::{console_error, focus_control_later, navigate_top, now_ms, page_url, session_get, session_remove, session_set};

/// Plans are tagged with their membership so a slow answer for a previous choice is never shown.
pub(crate) type PlansFor = Option<(u64, Result<Vec<PaymentPlan>, ApiError>)>;

/// What every section of one widget instance shares.
#[derive(Clone, Copy)]
pub(crate) struct Shared {
    pub checkout: RwSignal<Checkout>,
    pub selected: Memo<Option<Membership>>,
    /// The chosen membership's plans as shown: from the cache in the same update as the choice
    /// when they are already here, else from `plans_request` once it answers.
    pub plans: Memo<PlansFor>,
    pub plans_request: LocalResource<PlansFor>,
    pub schedule: LocalResource<Result<crate::backend::teamup::Schedule, ApiError>>,
    pub slots: LocalResource<Result<Vec<crate::model::Slot>, ApiError>>,
    /// The studio's time zone as it says (`None` inside: it didn't, or couldn't be asked);
    /// class times are shown in it when this browser knows it.
    pub zone: LocalResource<Option<String>>,
    pub tr: Tr,
    /// Unique per instance: element ids must not clash when a page holds two widgets.
    pub uid: usize,
}

impl Shared {
    pub fn id(&self, name: &str) -> String {
        format!("mc{}-{name}", self.uid)
    }
}

/// Payment plans by membership, asked for as soon as the customer shows interest in a card
/// (pointing at it or focusing it), so they are usually here when it is chosen. A request in
/// flight is shared, not repeated; a failed one is forgotten, so "Try again" asks again.
#[derive(Clone)]
pub(crate) struct PlanCache {
    api: TeamUp,
    known: std::rc::Rc<std::cell::RefCell<PlanCacheState>>,
}

#[derive(Default)]
struct PlanCacheState {
    done: std::collections::HashMap<u64, Vec<PaymentPlan>>,
    /// Requests in flight; a JS promise can be awaited by any number of readers.
    asking: std::collections::HashMap<u64, js_sys::Promise>,
}

impl PlanCache {
    fn new(api: TeamUp) -> Self {
        PlanCache { api, known: Default::default() }
    }

    /// Starts asking for `membership`'s plans unless they are known or on their way.
    pub fn prefetch(&self, membership: &Membership) {
        let id = membership.id;
        if !membership.needs_plan() || self.known.borrow().done.contains_key(&id) || self.known.borrow().asking.contains_key(&id) {
            return;
        }
        let (api, known, membership) = (self.api.clone(), self.known.clone(), membership.clone());
        let promise = wasm_bindgen_futures::future_to_promise(async move {
            let answer = api.plans(&membership).await;
            let mut known = known.borrow_mut();
            known.asking.remove(&id);
            if let Ok(list) = answer {
                known.done.insert(id, list);
            }
            Ok(wasm_bindgen::JsValue::UNDEFINED)
        });
        self.known.borrow_mut().asking.insert(id, promise);
    }

    /// `id`'s plans if they are already here.
    pub fn known(&self, id: u64) -> Option<Vec<PaymentPlan>> {
        self.known.borrow().done.get(&id).cloned()
    }

    /// `membership`'s plans on sale: known, awaited, or asked for now.
    pub async fn plans(&self, membership: &Membership) -> Result<Vec<PaymentPlan>, ApiError> {
        let id = membership.id;
        let asking = self.known.borrow().asking.get(&id).cloned();
        if let Some(promise) = asking {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        }
        if let Some(list) = self.known.borrow().done.get(&id) {
            return Ok(list.clone());
        }
        let answer = self.api.plans(membership).await;
        if let Ok(list) = &answer {
            self.known.borrow_mut().done.insert(id, list.clone());
        }
        answer
    }
}

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
/// setting, else the browser's languages, else English).
#[component]
pub fn MembershipCheckout(settings: Result<Settings, Vec<SettingError>>) -> impl IntoView {
    let requested = settings.as_ref().ok().and_then(|s| s.locale.clone());
    let tr = Tr::negotiate(requested.as_deref(), &intl::browser_languages());
    provide_context(tr);
    match settings {
        Ok(Settings { backend: Backend::TeamUp(settings), return_url, timeout_ms, payment_hosts, .. }) => {
            let mut allowed: Vec<String> = crate::redirect::allow_entry(&settings.api_base).into_iter().collect();
            allowed.extend(payment_hosts);
            provide_context(PaymentHosts(allowed.clone()));
            let common = Common { return_url, tr, timeout_ms, payment_hosts: allowed };
            view! { <Checkout settings common /> }.into_any()
        }
        Ok(Settings { backend: Backend::Uelz(settings), return_url, timeout_ms, payment_hosts, .. }) => {
            let mut allowed: Vec<String> = crate::redirect::allow_entry(&settings.gateway_url).into_iter().collect();
            allowed.push(UELZ_CHECKOUT_HOST.to_string());
            allowed.extend(payment_hosts);
            provide_context(PaymentHosts(allowed.clone()));
            let common = Common { return_url, tr, timeout_ms, payment_hosts: allowed };
            view! { <uelz::UelzCheckout settings common /> }.into_any()
        }
        Err(errors) => view! { <ConfigError errors tr /> }.into_any(),
    }
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

#[component]
fn Checkout(settings: TeamUpSettings, common: Common) -> impl IntoView {
    let Common { return_url, tr, timeout_ms, payment_hosts } = common;
    let events = host_events();
    let (session, sign_in) = signin::start(&settings, events.fresh_token_renewal());
    let transport = widget_transport(timeout_ms).on_refused(refusals_reported(&events, tr));
    let api = TeamUp::with_session(&settings, transport, session.clone());
    if sign_in.enabled {
        session.set_renewal(api.refresher());
        signin::keep_fresh(sign_in, session.clone());
    }
    let uid = INSTANCES.fetch_add(1, Ordering::Relaxed) + 1;
    let prefix = crate::auth::storage_prefix(&settings.api_origin(), settings.client_id.as_deref(), settings.provider_id);
    let offer_key = format!("{prefix}:offer");
    let checkout = RwSignal::new(Checkout::<Selection>::default());
    {
        // Back from the payment page: the customer's memberships (and registration) say what happened.
        let api = api.clone();
        confirm_on_return(checkout, &offer_key, move |receipt| {
            let api = api.clone();
            Box::pin(async move { api.confirmation(&receipt).await })
        });
    }

    sign_in.finish(&api, settings.client_id.as_deref().unwrap_or_default(), |saved| {
        if let Ok(selection) = serde_json::from_value::<Selection>(saved) {
            checkout.update(|c| c.selection = selection);
        }
    });
    // `None` while nobody is signed in: the catalogue shows, and continuing signs in first.
    let customer = {
        let (api, fixed) = (api.clone(), settings.customer_id);
        LocalResource::new(move || {
            let (api, status) = (api.clone(), sign_in.status.get());
            async move {
                match (status, fixed) {
                    // (While exchanging, `loaded` below says "loading".)
                    (signin::Status::Exchanging | signin::Status::Anonymous, _) => Ok(None),
                    (signin::Status::SignedIn, Some(id)) => Ok(Some(id)),
                    (signin::Status::SignedIn, None) => api.customer_id().await.map(Some),
                }
            }
        })
    };
    let memberships = {
        let api = api.clone();
        LocalResource::new(move || {
            let api = api.clone();
            async move { api.memberships().await }
        })
    };
    // Loaded alongside the catalogue so the booking choices are ready when a membership is.
    let schedule = {
        let api = api.clone();
        LocalResource::new(move || {
            let api = api.clone();
            async move { api.schedule(now_ms()).await }
        })
    };
    let slots = {
        let api = api.clone();
        LocalResource::new(move || {
            let api = api.clone();
            async move { api.slots(now_ms()).await }
        })
    };
    // Optional: without it, class times are simply shown on the customer's clock.
    let zone = {
        let api = api.clone();
        LocalResource::new(move || {
            let api = api.clone();
            async move { api.studio_time_zone().await.ok().flatten() }
        })
    };
    // Two steps, so that other changes to the checkout (a class chosen) don't look through, let
    // alone copy, the whole catalogue.
    let chosen_id = Memo::new(move |_| checkout.with(|c| c.selection.membership));
    let selected = Memo::new(move |_| {
        let id = chosen_id.get()?;
        memberships.with(|list| list.as_ref()?.as_ref().ok()?.iter().find(|m| m.id == id).cloned())
    });
    let plan_cache = send_wrapper::SendWrapper::new(PlanCache::new(api.clone()));
    let plans = {
        let cache = plan_cache.clone();
        LocalResource::new(move || {
            let (cache, membership) = (cache.clone(), selected.get());
            async move {
                match membership {
                    Some(m) if m.needs_plan() => Some((m.id, cache.plans(&m).await)),
                    _ => None,
                }
            }
        })
    };
    let plans_request = plans;
    // Plans already here are shown with the choice itself: one render, not "loading" and then
    // the list a microtask later (the request's answer is the same, so it changes nothing).
    let plans = {
        let cache = plan_cache.clone();
        Memo::new(move |_| -> PlansFor {
            let recurring = selected.with(|m| m.as_ref().filter(|m| m.needs_plan()).map(|m| m.id));
            if let Some(list) = recurring.and_then(|id| cache.known(id)) {
                return Some((recurring?, Ok(list)));
            }
            plans_request.get().flatten()
        })
    };
    // One plan on sale: choose it for the customer.
    Effect::new(move |_| {
        if let Some((membership, Ok(list))) = plans.get() {
            if let [only] = list.as_slice() {
                checkout.update(|c| {
                    if c.selection.membership == Some(membership) && c.selection.plan.is_none() {
                        c.choose_plan(only.id);
                    }
                });
            }
        }
    });

    // SPLIT POINT (placed to prove the split build end to end; the split points are placed anew in
    // the restructured tree): the purchase is the chunk `checkout`, downloaded when the browser is
    // idle after the list is painted (below, where the list is shown), and needed at "continue".
    let purchase = {
        let (api, offer_key, events) = (api.clone(), offer_key.clone(), events.clone());
        Action::new_local(move |(request, name, booking): &(PurchaseRequest, String, Option<BookingCheck>)| {
            let (api, request, name, offer_key) = (api.clone(), request.clone(), name.clone(), offer_key.clone());
            let (payment_hosts, events, booking) = (payment_hosts.clone(), events.clone(), booking.clone());
            async move {
                match teamup_purchase().await {
                    Ok(run) => run(TeamUpPurchase { api, request, name, booking, offer_key, payment_hosts, events, checkout, tr }).await,
                    Err(error) => purchase_code_missing(checkout, error),
                }
            }
        })
    };
    let go_sign_in = {
        let (api_base, client_id, provider_id) = (settings.api_base.clone(), settings.client_id.clone().unwrap_or_default(), settings.provider_id);
        Action::new_local(move |selection: &serde_json::Value| {
            let (api_base, client_id, selection) = (api_base.clone(), client_id.clone(), selection.clone());
            async move { sign_in.begin(api_base, client_id, provider_id, selection).await }
        })
    };
    let submit = Callback::new(move |_: ()| {
        let Some(Ok(customer)) = customer.get_untracked() else { return };
        let Some(customer) = customer else {
            // Nobody signed in yet: sign in first (if the choices are complete), then come back here.
            if sign_in.enabled && checkout.try_update(Checkout::check) == Some(true) {
                let selection = checkout.with_untracked(|c| serde_json::to_value(&c.selection).unwrap_or_default());
                go_sign_in.dispatch_local(selection);
            }
            return;
        };
        let name = selected.get_untracked().map(|m| m.name).unwrap_or_default();
        // The page as it is: nothing in its address is read back (the outcome is asked of TeamUp).
        let return_to = return_url.clone().unwrap_or_else(page_url);
        // How to find the booking again: a class by id, an appointment by its start.
        let booking = match checkout.with_untracked(|c| c.selection.booking.clone()) {
            Booking::None => None,
            Booking::Event(id) => Some(BookingCheck::Class(id)),
            Booking::Slot(id) => slots.with_untracked(|s| {
                let slot = s.as_ref()?.as_ref().ok()?.iter().find(|s| s.id == id)?;
                Some(BookingCheck::AppointmentAt(slot.starts_at.clone()))
            }),
        };
        if let Some(request) = checkout.try_update(|c| c.submit(customer, &return_to)).flatten() {
            purchase.dispatch_local((request, name, booking));
        }
    });
    // Back from signing in with the choices made: carry on to payment once the customer is known.
    Effect::new(move |_| {
        let ready = matches!(customer.get(), Some(Ok(Some(_)))) && matches!(memberships.get(), Some(Ok(_)));
        if ready && sign_in.continue_after.get_value() {
            sign_in.continue_after.set_value(false);
            submit.run(());
        }
    });
    let sign_out = {
        let session = send_wrapper::SendWrapper::new(session.clone());
        Callback::new(move |_: ()| sign_in.sign_out(&session))
    };
    let root = NodeRef::<leptos::html::Div>::new();
    let start_again = {
        let offer_key = offer_key.clone();
        Callback::new(move |_: ()| {
            session_remove(&offer_key);
            checkout.update(Checkout::start_again);
            // Back to the form: the keyboard continues at the membership choice.
            focus_control_later(root, format!("mc{uid}-membership"));
        })
    };

    let shared = Shared {
        checkout,
        selected,
        plans,
        plans_request,
        schedule,
        slots,
        zone,
        tr,
        uid,
    };
    // Whether loading is over, without the catalogue itself: read on every change of the checkout,
    // it must not copy a thousand memberships each time.
    let load_state = Memo::new(move |_| {
        if sign_in.status.get() == signin::Status::Exchanging {
            return None;
        }
        let customer = customer.with(|c| c.as_ref().map(|r| r.as_ref().map(|_| ()).map_err(Clone::clone)));
        let memberships = memberships.with(|m| m.as_ref().map(|r| r.as_ref().map(|_| ()).map_err(Clone::clone)));
        match (customer, memberships) {
            (Some(Err(e)), _) | (_, Some(Err(e))) => Some(Err(e)),
            (Some(Ok(())), Some(Ok(()))) => Some(Ok(())),
            _ => None,
        }
    });
    let state = move || {
        let phase = checkout.with(|c| c.phase.name());
        match (phase, load_state.get()) {
            ("browsing", None) => "loading",
            ("browsing", Some(Err(_))) => "load-error",
            _ => phase,
        }
    };
    let reload = move |_: ()| {
        customer.refetch();
        memberships.refetch();
        schedule.refetch();
        slots.refetch();
    };
    announce(
        events,
        tr,
        "teamup",
        checkout,
        move || load_state.get(),
        |s: &Selection| {
            let (event, slot) = match &s.booking {
                crate::checkout::Booking::None => (None, None),
                crate::checkout::Booking::Event(id) => (Some(*id), None),
                crate::checkout::Booking::Slot(id) => (None, Some(id.clone())),
            };
            json!({ "membership": s.membership, "plan": s.plan, "event": event, "slot": slot })
        },
    );
    let screen = Memo::new(move |_| checkout.with(|c| c.phase.name()));

    view! {
        <div class="mc" data-testid="checkout" data-state=state aria-busy=move || (state() == "loading").to_string()
            lang=tr.locale dir=tr.dir() node_ref=root>
            <signin::SignInBar sign_in sign_out />
            {move || match screen.get() {
                "redirecting" | "lapsed" | "outcome" | "confirming" => {
                    let zone = Signal::derive(move || sections::zone_choice(&shared).and_then(|z| z.zone().map(str::to_string)));
                    view! { <offer::AfterSubmit checkout start_again zone /> }.into_any()
                }
                _ => {
                    // The catalogue itself is copied out only here, once loading is over.
                    let loaded = load_state.get().map(|state| state.map(|()| memberships.get().and_then(Result::ok).unwrap_or_default()));
                    match loaded {
                        None => view! { <Loading label="loading.memberships" /> }.into_any(),
                        Some(Err(error)) => view! {
                            <LoadError title="load_error.memberships" error retry=Callback::new(reload) />
                        }
                        .into_any(),
                        Some(Ok(list)) => {
                            crate::split::prefetch_when_idle("checkout", preload_checkout);
                            let prefetch = plan_cache.clone();
                            view! { <sections::Form memberships=list shared submit prefetch /> }.into_any()
                        }
                    }
                }
            }}
        </div>
    }
}

/// What a TeamUp purchase needs (the split point below takes it through a plain `fn` pointer).
struct TeamUpPurchase {
    api: TeamUp,
    request: PurchaseRequest,
    name: String,
    booking: Option<BookingCheck>,
    offer_key: String,
    payment_hosts: Vec<String>,
    events: HostEvents,
    checkout: RwSignal<Checkout<Selection>>,
    tr: Tr,
}

type PurchaseRun = std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>;

crate::lazy_fn!(checkout, preload_checkout;
    fn teamup_purchase() -> fn(TeamUpPurchase) -> PurchaseRun {
        |p| {
            Box::pin(async move {
                let TeamUpPurchase { api, request, name, booking, offer_key, payment_hosts, events, checkout, tr } = p;
                // Which of this membership the customer already holds, asked alongside (nothing is
                // paid before the payment page): back from it, the new one is told from them.
                let (answer, known) = futures::join!(api.initiate_purchase(&request), api.held_ids(request.customer, request.membership));
                let since = crate::model::format_rfc3339_ms(now_ms() - 86_400_000.0)[..10].to_string();
                let receipt = Receipt::TeamUp { customer: request.customer, membership: request.membership, booking, known: known.ok(), since };
                purchase_answered(checkout, answer, name, receipt, &offer_key, &payment_hosts, &events, tr);
            })
        }
    }
);

/// The purchase's code could not be downloaded, so nothing was sent: back to the form with every
/// choice kept, saying so, with Try again. (Until the checkout has a transition of its own for this:
/// `fail` with a refusal, whose message is replaced.)
fn purchase_code_missing(checkout: RwSignal<Checkout<Selection>>, error: crate::split::ChunkError) {
    console_error(&format!("membership-checkout: {error}: nothing was sent"));
    checkout.try_update(|c| {
        c.fail(&ApiError::LinkRefused(String::new()));
        c.problems.form = Some(crate::i18n::Text::Key("load.part_failed"));
        c.problems.retryable = true;
    });
}

/// Every address the transport refused to send to (a link in an answer to another origin):
/// the console hears which, and the host page gets an `error` event. (The section that needed it
/// says so to the customer.)
fn refusals_reported(events: &HostEvents, tr: Tr) -> crate::backend::http::OnRefused {
    let events = events.clone();
    std::rc::Rc::new(move |method, url: &str| {
        console_error(&format!("membership-checkout: refused to request {url:?}: it is not on the API's origin, so nothing was sent there"));
        let stage = match method {
            crate::backend::http::Method::Get => "load",
            crate::backend::http::Method::Post => "purchase",
        };
        events.error(stage, tr.t("error.link_refused"), None);
    })
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

/// The purchase call returned: on to the payment page (the offer kept for Back, with what to ask
/// the platform when the customer is back: `receipt`), or the failure shown with the choices
/// intact. Returns whether the offer is open.
#[allow(clippy::too_many_arguments)]
pub(crate) fn purchase_answered<S: Form + Send + Sync + 'static>(
    checkout: RwSignal<Checkout<S>>,
    answer: Result<(crate::model::Offer, Option<f64>), ApiError>,
    name: String,
    receipt: Receipt,
    offer_key: &str,
    payment_hosts: &[String],
    events: &HostEvents,
    tr: Tr,
) -> bool {
    let now = now_ms();
    let pending = answer.and_then(|(offer, server_date)| {
        let pending = PendingOffer::new(&offer, server_date, now, name)
            .ok_or_else(|| ApiError::Malformed("expires_at is not a date-time".into()))?
            .with_receipt(receipt);
        Ok((pending, offer.expires_at))
    });
    match pending {
        Ok((pending, expires_at)) => {
            if let Err(refusal) = crate::redirect::check_payment_url(&pending.next_url, payment_hosts) {
                console_error(&format!("membership-checkout: refused to follow next_url: {}", refusal.0));
                events.error("purchase", &refusal.0, None);
                checkout.try_update(|c| c.refuse_offer());
                return false;
            }
            checkout.try_update(|c| c.succeed(pending.clone(), now));
            let open = checkout.with_untracked(|c| matches!(c.phase, Phase::Redirecting(_)));
            if open {
                session_set(offer_key, &serde_json::to_string(&pending).unwrap_or_default());
                events.emit("purchase-initiated", json!({ "next_url": pending.next_url, "expires_at": expires_at }), false);
                // The host may take over (its own router, a new tab): then the countdown and link stay.
                if !events.emit("redirect", json!({ "next_url": pending.next_url }), true) {
                    checkout.try_update(|c| c.redirect_taken_over());
                } else if !navigate_top(&pending.next_url) {
                    checkout.try_update(|c| c.redirect_refused());
                }
            }
            true
        }
        Err(error) => {
            console_error(&format!("membership-checkout: the purchase failed: {error}"));
            let message = tr.text(&error.user_message());
            events.error("purchase", &message, error.status());
            checkout.try_update(|c| c.fail(&error));
            false
        }
    }
}

/// `ready` once the catalogue shows, `error` when it fails, `expired` when an offer lapses, and
/// `selection-change` with what `selection` describes.
pub(crate) fn announce<S: Form + Send + Sync + 'static>(
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

/// The offer kept in this tab's storage, if its payment page passes the same check as a fresh
/// offer's ([`crate::redirect::check_payment_url`] against this widget's hosts): storage is not
/// more trustworthy than an answer. One that fails is dropped.
fn kept_offer(offer_key: &str) -> Option<PendingOffer> {
    let allowed = use_context::<PaymentHosts>().unwrap_or_default();
    let pending: PendingOffer = session_get(offer_key).and_then(|s| serde_json::from_str(&s).ok())?;
    match crate::redirect::check_payment_url(&pending.next_url, &allowed.0) {
        Ok(()) => Some(pending),
        Err(refusal) => {
            console_error(&format!("membership-checkout: a kept offer was not resumed: {}", refusal.0));
            session_remove(offer_key);
            None
        }
    }
}

/// Back on the studio's page after the payment page (`return_to`, or Back): nothing in the
/// address is read. With an offer kept in this tab ([`kept_offer`]), the checkout asks the
/// platform (`ask`) on arrival, whenever a check falls due and when the customer presses "Check
/// again"; the kept offer is dropped once the outcome is settled. The same for every backend.
pub(crate) fn confirm_on_return<S: Form + Send + Sync + 'static>(
    checkout: RwSignal<Checkout<S>>,
    offer_key: &str,
    ask: impl Fn(Receipt) -> Asked + 'static,
) {
    let Some(pending) = kept_offer(offer_key) else { return };
    if !checkout.try_update(|c| c.returned_from_payment(pending, now_ms())).unwrap_or(false) {
        return;
    }
    let asking = Memo::new(move |_| {
        checkout.with(|c| match &c.phase {
            Phase::Confirming(x) if x.asking => Some(x.offer.receipt.clone()),
            _ => None,
        })
    });
    // Effects want Send; the backend's client never leaves this (only) browser thread.
    let ask = send_wrapper::SendWrapper::new(ask);
    let offer_key = offer_key.to_string();
    Effect::new(move |_| {
        if let Some(receipt) = asking.get() {
            let answer = (*ask)(receipt);
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
