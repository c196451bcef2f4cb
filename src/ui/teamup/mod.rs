//! TeamUp's checkout: its screen ([`TeamUpCheckout`]) and what its sections share; the
//! catalogue, the choices that follow a membership, the summary and the sign-in are its parts.

mod catalogue;
mod choices;
pub(crate) mod first;
mod hooks;
pub(crate) mod signin;
mod summary;

use leptos::prelude::*;
use serde_json::json;

use super::browser::console_error;
use super::common::{announce, confirm_on_return, data_state, load_after, offer, AfterPurchase, LoadError, Loaded, Loading};
use super::events::{host_events, HostEvents};
use super::{widget_transport, Common};
use crate::backend::error::ApiError;
use crate::backend::plans::PlanCache;
use crate::backend::teamup::TeamUp;
use crate::checkout::teamup::{Booking, Selection};
use crate::checkout::Checkout;
use crate::i18n::Tr;
use crate::model::teamup::{Membership, PaymentPlan};
use crate::settings::TeamUpSettings;
use first::FirstScreen;
use hooks::{use_catalogue, use_customer, use_load_state, use_plans, use_purchase, use_schedule, use_selected, use_slots, use_start_again, use_studio_zone, use_submit};

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
    pub plans_request: Loaded<PlansFor>,
    pub schedule: Loaded<Result<crate::backend::teamup::Schedule, ApiError>>,
    pub slots: Loaded<Result<Vec<crate::model::teamup::Slot>, ApiError>>,
    /// The studio's time zone as it says (`None` inside: it didn't, or couldn't be asked);
    /// class times are shown in it when this browser knows it.
    pub zone: Loaded<Option<String>>,
    pub tr: Tr,
    /// Unique per instance: element ids must not clash when a page holds two widgets.
    pub uid: usize,
}

impl Shared {
    pub fn id(&self, name: &str) -> String {
        format!("mc{}-{name}", self.uid)
    }
}

#[component]
pub(crate) fn TeamUpCheckout(settings: TeamUpSettings, common: Common, first: FirstScreen) -> impl IntoView {
    let Common { return_url, tr, timeout_ms, payment_hosts } = common;
    let events = host_events();
    let (session, sign_in) = signin::start(&settings, first.host_session.clone());
    let transport = widget_transport(timeout_ms).on_refused(refusals_reported(&events, tr));
    let api = TeamUp::with_session(&settings, transport, session.clone());
    if sign_in.enabled {
        session.set_renewal(api.refresher());
        signin::keep_fresh(sign_in, session.clone());
    }
    let uid = first.uid;
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
    let customer = use_customer(&api, sign_in, settings.customer_id);
    // The first screen asked for the catalogue: its answer (or the request on its way) is used.
    let memberships = match first.memberships {
        Some(answer) => load_after(Some(answer), &api, |api| async move { api.memberships().await }),
        None => use_catalogue(&api),
    };
    if let Some(id) = first.chosen {
        // Chosen on the first screen, before this was here (a choice restored after signing in wins).
        let needs_plan = memberships.with_untracked(|l| l.as_ref()?.as_ref().ok()?.iter().find(|m| m.id == id).map(Membership::needs_plan));
        if let Some(needs_plan) = needs_plan {
            checkout.update(|c| {
                if c.selection.membership.is_none() {
                    c.choose_membership(id, needs_plan)
                }
            });
        }
    }
    let schedule = use_schedule(&api);
    let slots = use_slots(&api);
    let zone = use_studio_zone(&api);
    let selected = use_selected(checkout, memberships);
    let plan_cache = send_wrapper::SendWrapper::new(PlanCache::new(api.clone()));
    let (plans, plans_request) = use_plans(&plan_cache, checkout, selected);

    let after = AfterPurchase { offer_key: offer_key.clone(), events: events.clone(), allowed: payment_hosts, tr };
    let purchase = use_purchase(&api, checkout, after);
    let sign_out = {
        let session = send_wrapper::SendWrapper::new(session.clone());
        Callback::new(move |_: ()| sign_in.sign_out(&session))
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
    let submit = use_submit(shared, &settings, sign_in, customer, memberships, return_url, purchase);
    let root = NodeRef::<leptos::html::Div>::new();
    let start_again = use_start_again(shared, root, offer_key.clone());
    let load_state = use_load_state(sign_in, customer, memberships);
    let state = move || data_state(checkout.with(|c| c.phase.name()), load_state.with(|l| l.as_ref().map(Result::is_ok)));
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
        selection_detail,
    );
    let screen = Memo::new(move |_| checkout.with(|c| c.phase.name()));

    view! {
        <div class="mc" data-testid="checkout" data-state=state aria-busy=move || (state() == "loading").to_string()
            lang=tr.locale dir=tr.dir() node_ref=root>
            <signin::SignInBar sign_in sign_out />
            {move || match screen.get() {
                "redirecting" | "lapsed" | "outcome" | "confirming" => {
                    let zone = Signal::derive(move || choices::zone_choice(&shared).and_then(|z| z.zone().map(str::to_string)));
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
                            hooks::prefetch_sign_in(sign_in);
                            let prefetch = plan_cache.clone();
                            view! { <catalogue::TeamUpForm memberships=list shared submit prefetch /> }.into_any()
                        }
                    }
                }
            }}
        </div>
    }
}

/// The host page's `selection-change` detail: what the customer chose.
fn selection_detail(s: &Selection) -> serde_json::Value {
    let (event, slot) = match &s.booking {
        Booking::None => (None, None),
        Booking::Event(id) => (Some(*id), None),
        Booking::Slot(id) => (None, Some(id.clone())),
    };
    json!({ "membership": s.membership, "plan": s.plan, "event": event, "slot": slot })
}

/// Every address the transport refused to send to (a link in an answer to another origin):
/// the console hears which, and the host page gets an `error` event. (The section that needed it
/// says so to the customer.)
pub(crate) fn refusals_reported(events: &HostEvents, tr: Tr) -> crate::backend::http::OnRefused {
    let events = events.clone();
    std::rc::Rc::new(move |method, url: &str| {
        console_error(&format!("membership-checkout: refused to request \"{url}\": it is not on the API's origin, so nothing was sent there"));
        let stage = match method {
            crate::backend::http::Method::Get => "load",
            crate::backend::http::Method::Post => "purchase",
        };
        events.error(stage, tr.t("error.link_refused"), None);
    })
}
