//! The Uelz checkout's actions: checking a coupon and the purchase, each answered into the
//! checkout.

use leptos::prelude::*;

use super::UelzCheckoutState;
use crate::backend::uelz::{Gateway, UelzPurchaseRequest};
use crate::backend::Receipt;
use crate::checkout::uelz::UelzSelection;
use crate::ui::browser::session_remove;
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

/// The host page's `selection-change` detail: the plan and the applied coupon.
pub(super) fn selection_detail(s: &UelzSelection) -> serde_json::Value {
    let coupon = s.coupon.as_ref().map(|c| c.quote.code.clone());
    serde_json::json!({ "plan": s.plan, "coupon": coupon })
}
