//! The TeamUp checkout's data, each read through one hook. Every read goes through the one
//! loading helper ([`load`]): requested when the hook runs, again when a signal it read changes
//! or on `refetch()`, and aborted with the widget (its transport's `AbortController`).

use leptos::prelude::*;
use send_wrapper::SendWrapper;

use super::signin::{SignIn, Status};
use super::{PlansFor, Shared};
use crate::backend::error::ApiError;
use crate::backend::plans::PlanCache;
use crate::backend::teamup::{BookingCheck, PurchaseRequest, Schedule, TeamUp};
use crate::checkout::teamup::booking_check;
use crate::checkout::Checkout;
use crate::model::teamup::{Membership, Slot};
use crate::ui::browser::{console_error, focus_control_later, now_ms, page_url, session_remove};
use crate::settings::TeamUpSettings;
use crate::ui::common::{load, purchase_answered, AfterPurchase, Loaded};

/// The memberships on sale, asked by the checkout itself: for a widget whose customers sign in
/// (with the signed-in customer's token). Other widgets' first screen asked already.
pub(crate) fn use_catalogue(api: &TeamUp) -> Loaded<Result<Vec<Membership>, ApiError>> {
    load(api, |api| async move { api.memberships().await })
}

/// Who is buying: `None` while nobody is signed in (the catalogue shows, and continuing signs in
/// first); the `customer-id` setting when it gives one; else the signed-in customer's profile at
/// this studio.
pub(crate) fn use_customer(api: &TeamUp, sign_in: SignIn, fixed: Option<u64>) -> Loaded<Result<Option<u64>, ApiError>> {
    load(api, move |api| {
        let status = sign_in.status.get();
        async move {
            match (status, fixed) {
                // (While exchanging, the load state says "loading".)
                (Status::Exchanging | Status::Anonymous, _) => Ok(None),
                (Status::SignedIn, Some(id)) => Ok(Some(id)),
                (Status::SignedIn, None) => api.customer_id().await.map(Some),
            }
        }
    })
}

/// The classes to book (and which memberships may book them): loaded alongside the catalogue so
/// the booking choices are ready when a membership is.
pub(crate) fn use_schedule(api: &TeamUp) -> Loaded<Result<Schedule, ApiError>> {
    load(api, |api| async move { api.schedule(now_ms()).await })
}

/// The appointment slots to book.
pub(crate) fn use_slots(api: &TeamUp) -> Loaded<Result<Vec<Slot>, ApiError>> {
    load(api, |api| async move { api.slots(now_ms()).await })
}

/// The studio's time zone, if it says. Optional: without it, class times are shown on the
/// customer's clock.
pub(crate) fn use_studio_zone(api: &TeamUp) -> Loaded<Option<String>> {
    load(api, |api| async move { api.studio_time_zone().await.ok().flatten() })
}

/// The chosen membership. Two steps, so that other changes to the checkout (a class chosen)
/// don't look through, let alone copy, the whole catalogue.
pub(crate) fn use_selected(checkout: RwSignal<Checkout>, memberships: Loaded<Result<Vec<Membership>, ApiError>>) -> Memo<Option<Membership>> {
    let chosen_id = Memo::new(move |_| checkout.with(|c| c.selection.membership));
    Memo::new(move |_| {
        let id = chosen_id.get()?;
        memberships.with(|list| list.as_ref()?.as_ref().ok()?.iter().find(|m| m.id == id).cloned())
    })
}

/// The chosen membership's plans as shown, and their request. Plans already in `cache` are shown
/// with the choice itself: one render, not "loading" and then the list a microtask later (the
/// request's answer is the same, so it changes nothing). One plan on sale is chosen for the
/// customer.
pub(crate) fn use_plans(
    cache: &SendWrapper<PlanCache>,
    checkout: RwSignal<Checkout>,
    selected: Memo<Option<Membership>>,
) -> (Memo<PlansFor>, Loaded<PlansFor>) {
    let request = load(cache, move |cache| {
        let membership = selected.get();
        async move {
            match membership {
                Some(m) if m.needs_plan() => Some((m.id, cache.plans(&m).await)),
                _ => None,
            }
        }
    });
    let cache = cache.clone();
    let plans = Memo::new(move |_| -> PlansFor {
        let recurring = selected.with(|m| m.as_ref().filter(|m| m.needs_plan()).map(|m| m.id));
        if let Some(list) = recurring.and_then(|id| cache.known(id)) {
            return Some((recurring?, Ok(list)));
        }
        request.get().flatten()
    });
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
    (plans, request)
}

/// Whether the first screen's loading is over (`None` while it isn't), without the catalogue
/// itself: read on every change of the checkout, it must not copy a thousand memberships.
pub(crate) fn use_load_state(
    sign_in: SignIn,
    customer: Loaded<Result<Option<u64>, ApiError>>,
    memberships: Loaded<Result<Vec<Membership>, ApiError>>,
) -> Memo<Option<Result<(), ApiError>>> {
    Memo::new(move |_| {
        if sign_in.status.get() == Status::Exchanging {
            return None;
        }
        let customer = customer.with(|c| c.as_ref().map(|r| r.as_ref().map(|_| ()).map_err(Clone::clone)));
        let memberships = memberships.with(|m| m.as_ref().map(|r| r.as_ref().map(|_| ()).map_err(Clone::clone)));
        match (customer, memberships) {
            (Some(Err(e)), _) | (_, Some(Err(e))) => Some(Err(e)),
            (Some(Ok(())), Some(Ok(()))) => Some(Ok(())),
            _ => None,
        }
    })
}

/// The purchase: `initiate_purchase` with, alongside, which of this membership the customer
/// already holds (nothing is paid before the payment page: back from it, the new one is told
/// from them); the answer goes to the checkout ([`purchase_answered`]).
pub(crate) fn use_purchase(api: &TeamUp, checkout: RwSignal<Checkout>, after: AfterPurchase) -> Action<(PurchaseRequest, String, Option<BookingCheck>), ()> {
    let api = api.clone();
    Action::new_local(move |(request, name, booking): &(PurchaseRequest, String, Option<BookingCheck>)| {
        let (api, request, name, booking, after) = (api.clone(), request.clone(), name.clone(), booking.clone(), after.clone());
        async move {
            let (answer, known) = futures::join!(api.initiate_purchase(&request), api.held_ids(request.customer, request.membership));
            let receipt = crate::checkout::teamup::receipt(&request, booking, known.ok(), now_ms());
            purchase_answered(checkout, answer, name, receipt, &after);
        }
    })
}

type PurchaseRun = std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>;

/// Off to TeamUp to sign in, with the choices made so far (`selection`) kept for the return.
pub(crate) fn use_sign_in_start(settings: &TeamUpSettings, sign_in: SignIn) -> Action<serde_json::Value, ()> {
    let (api_base, client_id, provider_id) = (settings.api_base.clone(), settings.client_id.clone().unwrap_or_default(), settings.provider_id);
    Action::new_local(move |selection: &serde_json::Value| {
        let (api_base, client_id, selection) = (api_base.clone(), client_id.clone(), selection.clone());
        async move {
            match sign_in_begin().await {
                Ok(begin) => begin(Begin { sign_in, api_base, client_id, provider_id, selection }).await,
                Err(error) => {
                    console_error(&format!("membership-checkout: {error}: the sign-in did not start"));
                    sign_in.part_missing();
                }
            }
        }
    })
}

/// What starting a sign-in needs (the split point below takes it through a plain `fn` pointer).
struct Begin {
    sign_in: SignIn,
    api_base: String,
    client_id: String,
    provider_id: u64,
    selection: serde_json::Value,
}

// SPLIT POINT `signin`: starting a sign-in (PKCE, the authorize address, keeping the request),
// downloaded when idle after the first paint of a widget whose customers sign in, and needed at
// "continue" while nobody is signed in.
crate::split::lazy_fn!(signin, preload_signin;
    fn sign_in_begin() -> fn(Begin) -> PurchaseRun {
        |b| Box::pin(async move { b.sign_in.begin(b.api_base, b.client_id, b.provider_id, b.selection).await })
    }
);

/// Downloads the sign-in's chunk when the browser is idle after the first paint (once a page),
/// for a widget whose customers sign in and nobody has yet.
pub(crate) fn prefetch_sign_in(sign_in: SignIn) {
    if sign_in.enabled && sign_in.status.get_untracked() == Status::Anonymous {
        crate::split::prefetch_when_idle("signin", preload_signin);
    }
}

/// "Continue": with nobody signed in yet, sign in first when the choices are complete (they are
/// carried through it); otherwise the checkout makes the request and the purchase is sent. Back
/// from signing in with the choices made, it carries on once the customer and the catalogue are
/// known.
pub(crate) fn use_submit(
    shared: Shared,
    settings: &TeamUpSettings,
    sign_in: SignIn,
    customer: Loaded<Result<Option<u64>, ApiError>>,
    memberships: Loaded<Result<Vec<Membership>, ApiError>>,
    return_url: Option<String>,
    purchase: Action<(PurchaseRequest, String, Option<BookingCheck>), ()>,
) -> Callback<()> {
    let Shared { checkout, selected, slots, .. } = shared;
    let go_sign_in = use_sign_in_start(settings, sign_in);
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
        let booking = checkout.with_untracked(|c| {
            slots.with_untracked(|s| booking_check(&c.selection.booking, s.as_ref().and_then(|s| s.as_ref().ok()).map_or(&[], Vec::as_slice)))
        });
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
    submit
}

/// "Start again": the kept offer is forgotten, the form comes back, and the keyboard continues at
/// the membership choice.
pub(crate) fn use_start_again(shared: Shared, root: NodeRef<leptos::html::Div>, offer_key: String) -> Callback<()> {
    Callback::new(move |_: ()| {
        session_remove(&offer_key);
        shared.checkout.update(Checkout::start_again);
        focus_control_later(root, shared.id("membership"));
    })
}
