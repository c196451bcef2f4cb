//! What the customer is about to buy, before they continue.

use leptos::prelude::*;

use super::choices::{event_label, slot_label, zone_shown};
use crate::checkout::teamup::Booking;
use super::Shared;
use crate::model::teamup::PaymentPlan;

fn chosen_plan(plans: &Option<(u64, Result<Vec<PaymentPlan>, crate::backend::error::ApiError>)>, id: Option<u64>) -> Option<PaymentPlan> {
    let (_, Ok(list)) = plans.as_ref()? else { return None };
    list.iter().find(|p| Some(p.id) == id).cloned()
}

#[component]
pub(super) fn Summary(shared: Shared) -> impl IntoView {
    let Shared { checkout, selected, plans, schedule, slots, tr, .. } = shared;
    let plan = move || chosen_plan(&plans.get(), checkout.with(|c| c.selection.plan));
    let plan_line = move || {
        let plan = plan()?;
        let mut line = plan.price_label(tr);
        if let Some(extra) = plan.commitment_label(tr) {
            line.push_str(" · ");
            line.push_str(&extra);
        }
        Some(line)
    };
    // The same numbers as the plan card (and the payment page): the joining fee, and the total.
    let fee_lines = move || {
        let plan = plan()?;
        let fee = plan.joining_fee()?.label(tr);
        let today = plan.due_today().map(|m| m.label(tr));
        Some(view! {
            <div><dt>{tr.t("summary.joining_fee")}</dt><dd data-testid="summary-joining-fee">{fee}</dd></div>
            {today.map(|t| view! { <div><dt>{tr.t("summary.pay_today")}</dt><dd data-testid="summary-due-today">{t}</dd></div> })}
        })
    };
    let booking_line = move || match checkout.with(|c| c.selection.booking.clone()) {
        Booking::None => None,
        Booking::Event(id) => {
            let zone = zone_shown(&shared);
            let label = schedule.with(|s| {
                let schedule = s.as_ref()?.as_ref().ok()?;
                schedule.events.iter().find(|e| e.id == id).map(|e| event_label(e, tr, zone.as_deref()))
            });
            Some(tr.f("summary.class", &[("class", &label.unwrap_or_else(|| format!("#{id}")))]))
        }
        Booking::Slot(id) => {
            let zone = zone_shown(&shared);
            let label = slots.with(|s| {
                let list = s.as_ref()?.as_ref().ok()?;
                list.iter().find(|s| s.id == id).map(|s| slot_label(s, tr, zone.as_deref()))
            });
            Some(tr.f("summary.appointment", &[("appointment", &label.unwrap_or(id))]))
        }
    };
    view! {
        <section class="mc-summary" data-testid="summary" aria-labelledby=shared.id("summary-title")>
            <h3 class="mc-section__title" id=shared.id("summary-title")>{tr.t("summary.title")}</h3>
            {move || match selected.get() {
                None => view! { <p class="mc-hint">{tr.t("summary.choose_membership")}</p> }.into_any(),
                Some(m) => view! {
                    <dl class="mc-summary__list">
                        <div><dt>{tr.t("summary.membership")}</dt><dd>{m.name.clone()}" · "{m.price_label(tr)}</dd></div>
                        {move || plan_line().map(|l| view! { <div><dt>{tr.t("summary.payment_plan")}</dt><dd>{l}</dd></div> })}
                        {fee_lines}
                        {move || booking_line().map(|l| view! { <div><dt>{tr.t("summary.booking")}</dt><dd>{l}</dd></div> })}
                    </dl>
                }.into_any(),
            }}
            <p class="mc-hint mc-coupon-note" data-testid="coupon-note">{tr.t("coupon_note.teamup")}</p>
        </section>
    }
}
