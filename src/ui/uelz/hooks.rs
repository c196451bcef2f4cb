//! The Uelz checkout's actions: checking a coupon and the purchase, each answered into the
//! checkout.

use leptos::prelude::*;

use super::{Ctx, UelzCheckoutState};
use crate::backend::error::ApiError;
use crate::backend::uelz::{Gateway, UelzPurchaseRequest};
use crate::backend::Receipt;
use crate::checkout::uelz::{Attempt, UelzSelection};
use crate::checkout::Checkout;
use crate::ui::browser::{focus_control_later, page_url, random_uuid, session_get, session_remove, session_set, today_local};
use crate::ui::common::{purchase_answered, AfterPurchase};

/// "Apply": the code typed, checked by the gateway for the chosen plan, the answer given to the
/// checkout (which ignores one for an older code or plan).
pub(super) fn use_coupon_check(gateway: &Gateway, checkout: RwSignal<UelzCheckoutState>) -> Callback<()> {
    let gateway = gateway.clone();
    let coupon_check = Action::new_local(move |(code, plan): &(String, String)| {
        let (gateway, code, plan) = (gateway.clone(), code.clone(), plan.clone());
        async move {
            let result = gateway.coupon(&code, &plan).await;
            checkout.try_update(|c| c.coupon_checked(&code, &plan, result));
        }
    });
    Callback::new(move |_: ()| {
        if let Some(check) = checkout.try_update(|c| c.begin_coupon_check()).flatten() {
            coupon_check.dispatch_local(check);
        }
    })
}

/// The purchase through the gateway; back from the payment page, the gateway is asked about this
/// attempt by its key. Once an offer answered it, the attempt's key (`attempt_key` in this tab's
/// storage) is done with: a later purchase, even an identical one, is a new one.
pub(super) fn use_purchase(
    gateway: &Gateway,
    checkout: RwSignal<UelzCheckoutState>,
    attempt_key: String,
    after: AfterPurchase,
) -> Action<(UelzPurchaseRequest, String), ()> {
    let gateway = gateway.clone();
    Action::new_local(move |(request, name): &(UelzPurchaseRequest, String)| {
        let (gateway, request, name, attempt_key, after) = (gateway.clone(), request.clone(), name.clone(), attempt_key.clone(), after.clone());
        async move {
            let answer = gateway.purchase(&request).await;
            let receipt = Receipt::Uelz { external_id: request.external_id.clone() };
            if purchase_answered(checkout, answer, name, receipt, &after) {
                session_remove(&attempt_key);
            }
        }
    })
}

/// "Continue": the checkout makes the request (reusing the stored attempt's key when the same
/// purchase is sent again), the attempt is stored before sending, then the purchase is dispatched.
pub(super) fn use_submit(
    ctx: Ctx,
    attempt_key: String,
    return_url: Option<String>,
    customer_token: Option<String>,
    purchase: Action<(UelzPurchaseRequest, String), ()>,
) -> Callback<()> {
    let checkout = ctx.checkout;
    Callback::new(move |_: ()| {
        let previous: Option<Attempt> = session_get(&attempt_key).and_then(|s| serde_json::from_str(&s).ok());
        // The page as it is: nothing in its address is read back (the gateway is asked).
        let return_to = return_url.clone().unwrap_or_else(page_url);
        let today = today_local();
        let mut no_random = false;
        let fresh = || {
            random_uuid().unwrap_or_else(|| {
                no_random = true;
                String::new()
            })
        };
        let sent = checkout.try_update(|c| c.submit(customer_token.as_deref(), &return_to, &today, previous.as_ref(), fresh)).flatten();
        let Some((request, attempt)) = sent else { return };
        if no_random {
            checkout.update(|c| {
                c.fail(&ApiError::Network("this browser has no secure random numbers".into()));
                c.problems.form = Some(crate::i18n::Text::Key("error.no_random"));
            });
            return;
        }
        // Stored before sending: if the answer is lost, even a reload retries the same purchase.
        session_set(&attempt_key, &serde_json::to_string(&attempt).unwrap_or_default());
        let name = ctx.chosen_plan().map(|p| p.name).unwrap_or_default();
        purchase.dispatch_local((request, name));
    })
}

/// "Start again": the kept offer and attempt are forgotten, the form comes back, focus on the plan.
pub(super) fn use_start_again(ctx: Ctx, root: NodeRef<leptos::html::Div>, offer_key: String, attempt_key: String) -> Callback<()> {
    Callback::new(move |_: ()| {
        session_remove(&offer_key);
        session_remove(&attempt_key);
        ctx.checkout.update(Checkout::start_again);
        focus_control_later(root, ctx.id("plan"));
    })
}

/// The host page's `selection-change` detail: the plan and the applied coupon.
pub(super) fn selection_detail(s: &UelzSelection) -> serde_json::Value {
    let coupon = s.coupon.as_ref().map(|c| c.quote.code.clone());
    serde_json::json!({ "plan": s.plan, "coupon": coupon })
}
