//! The browsing screen: catalogue, payment plans, booking, summary and the continue button.

use leptos::prelude::*;

use super::{format, Shared};
use crate::checkout::{Booking, Checkout, Phase};
use crate::model::{Event, Membership, PaymentPlan, Slot};

#[component]
pub(super) fn Form(memberships: Vec<Membership>, shared: Shared, submit: Callback<()>) -> impl IntoView {
    let checkout = shared.checkout;
    let submitting = move || checkout.with(|c| c.phase == Phase::Submitting);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit.run(());
    };
    if memberships.is_empty() {
        return view! {
            <div class="mc-notice" data-testid="memberships-empty" role="status">
                <p class="mc-notice__title">"No memberships are on sale right now."</p>
                <p>"Please check back soon, or ask the studio."</p>
            </div>
        }
        .into_any();
    }
    view! {
        <form class="mc-form" novalidate on:submit=on_submit>
            <Catalogue memberships shared />
            <Plans shared />
            <BookingChoice shared />
            <Summary shared />
            {form_error(checkout, shared.id("form-error"), submit)}
            {continue_button(submitting, "Reserving your place…")}
        </form>
    }
    .into_any()
}

/// The message above the button, with "Try again" when retrying can help.
pub(super) fn form_error<S: Send + Sync + 'static>(checkout: RwSignal<Checkout<S>>, id: String, submit: Callback<()>) -> impl IntoView {
    let message = move || checkout.with(|c| c.problems.form.clone());
    let retryable = move || checkout.with(|c| c.problems.retryable);
    view! {
        <Show when=move || message().is_some()>
            <div class="mc-notice mc-notice--error" id=id.clone() data-testid="form-error" role="alert">
                <p>{message}</p>
                <Show when=retryable>
                    <button type="button" class="mc-button mc-button--secondary" data-testid="retry" on:click=move |_| submit.run(())>
                        "Try again"
                    </button>
                </Show>
            </div>
        </Show>
    }
}

pub(super) fn continue_button(submitting: impl Fn() -> bool + Send + Sync + Copy + 'static, busy_text: &'static str) -> impl IntoView {
    view! {
        <button type="submit" class="mc-button mc-button--primary" data-testid="continue" disabled=submitting aria-busy=move || submitting().to_string()>
            {move || if submitting() { busy_text } else { "Continue to payment" }}
        </button>
    }
}

/// An error paragraph tied to its control by id (aria-describedby).
pub(super) fn field_error(id: String, testid: &'static str, message: impl Fn() -> Option<String> + Send + Sync + Clone + 'static) -> impl IntoView {
    let shown = message.clone();
    view! {
        <Show when=move || shown().is_some()>
            <p class="mc-field-error" id=id.clone() data-testid=testid>{message.clone()}</p>
        </Show>
    }
}

#[component]
fn Catalogue(memberships: Vec<Membership>, shared: Shared) -> impl IntoView {
    let checkout = shared.checkout;
    let chosen = move || checkout.with(|c| c.selection.membership);
    let locked = move || checkout.with(|c| c.phase != Phase::Browsing);
    let problem = move || checkout.with(|c| c.problems.get("membership"));
    let error_id = shared.id("membership-error");
    let described = error_id.clone();
    view! {
        <fieldset class="mc-section" data-testid="memberships" aria-describedby=move || problem().map(|_| described.clone())>
            <legend class="mc-section__title">"Choose a membership"</legend>
            <div class="mc-options">
                {memberships
                    .into_iter()
                    .map(|m| {
                        let (id, needs_plan) = (m.id, m.needs_plan());
                        let meta = match m.duration_label() {
                            Some(d) => format!("{} · {d}", m.kind_label()),
                            None => m.kind_label().to_string(),
                        };
                        view! {
                            <label class="mc-option" class:mc-option--chosen=move || chosen() == Some(id) data-testid=format!("membership-{id}")>
                                <input
                                    type="radio"
                                    name="membership"
                                    value=id.to_string()
                                    prop:checked=move || chosen() == Some(id)
                                    disabled=locked
                                    on:change=move |_| checkout.update(|c| c.choose_membership(id, needs_plan))
                                />
                                <span class="mc-option__body">
                                    <span class="mc-option__name">{m.name.clone()}</span>
                                    <span class="mc-option__price">{m.price_label()}</span>
                                    <span class="mc-option__meta">{meta}</span>
                                    {m.description.clone().filter(|d| !d.trim().is_empty()).map(|d| view! { <span class="mc-option__description">{d}</span> })}
                                </span>
                            </label>
                        }
                    })
                    .collect_view()}
            </div>
            {field_error(error_id, "membership-error", problem)}
        </fieldset>
    }
}

#[component]
fn Plans(shared: Shared) -> impl IntoView {
    let Shared { checkout, selected, plans, .. } = shared;
    let chosen = move || checkout.with(|c| c.selection.plan);
    let locked = move || checkout.with(|c| c.phase != Phase::Browsing);
    let problem = move || checkout.with(|c| c.problems.get("plan"));
    let error_id = shared.id("plan-error");
    move || {
        let membership = selected.get().filter(Membership::needs_plan)?;
        let (error_id, described) = (error_id.clone(), error_id.clone());
        let body = match plans.get().flatten() {
            Some((for_id, Ok(list))) if for_id == membership.id && list.is_empty() => view! {
                <p class="mc-hint" data-testid="plans-empty">"No payment plan for this membership is on sale right now. Please choose another membership."</p>
            }
            .into_any(),
            Some((for_id, Ok(list))) if for_id == membership.id => list
                .into_iter()
                .map(|plan| {
                    let id = plan.id;
                    let details: Vec<String> = [plan.commitment_label(), plan.joining_fee_label()].into_iter().flatten().collect();
                    view! {
                        <label class="mc-option mc-option--compact" class:mc-option--chosen=move || chosen() == Some(id)>
                            <input type="radio" name="plan" value=id.to_string() prop:checked=move || chosen() == Some(id) disabled=locked
                                on:change=move |_| checkout.update(|c| c.choose_plan(id)) />
                            <span class="mc-option__body">
                                <span class="mc-option__name">{plan.price_label()}</span>
                                {(!details.is_empty()).then(|| view! { <span class="mc-option__meta">{details.join(" · ")}</span> })}
                            </span>
                        </label>
                    }
                })
                .collect_view()
                .into_any(),
            Some((for_id, Err(error))) if for_id == membership.id => view! {
                <div class="mc-notice mc-notice--error" role="alert">
                    <p>"We couldn't load the payment plans. "{error.user_message()}</p>
                    <button type="button" class="mc-button mc-button--secondary" on:click=move |_| plans.refetch()>"Try again"</button>
                </div>
            }
            .into_any(),
            _ => view! { <p class="mc-hint" role="status">"Loading payment plans…"</p> }.into_any(),
        };
        Some(view! {
            <fieldset class="mc-section" data-testid="plans" aria-describedby=move || problem().map(|_| described.clone())>
                <legend class="mc-section__title">"Choose how to pay for " {membership.name.clone()}</legend>
                <div class="mc-options">{body}</div>
                {field_error(error_id, "plan-error", problem)}
            </fieldset>
        })
    }
}

fn event_label(event: &Event, locale: Option<&str>) -> String {
    let mut label = format!("{} · {}", format::when(&event.starts_at, locale), event.name);
    if let Some(venue) = event.venue.as_ref().and_then(|v| v.name()) {
        label.push_str(&format!(" · {venue}"));
    }
    if let (Some(max), Some(attending)) = (event.max_occupancy.filter(|m| *m > 0), event.attending_count) {
        let left = max.saturating_sub(attending);
        label.push_str(&if left == 1 { " (1 place left)".to_string() } else { format!(" ({left} places left)") });
    }
    label
}

fn slot_label(slot: &Slot, locale: Option<&str>) -> String {
    let mut label = format::when(&slot.starts_at, locale);
    if let Some(kind) = slot.offering_type.as_ref().and_then(|o| o.name()) {
        label.push_str(&format!(" · {kind}"));
    }
    if let Some(who) = slot.instructor.as_ref().and_then(|i| i.name()) {
        label.push_str(&format!(" with {who}"));
    }
    label
}

#[component]
fn BookingChoice(shared: Shared) -> impl IntoView {
    let Shared { checkout, selected, schedule, slots, locale, .. } = shared;
    let booking = move || checkout.with(|c| c.selection.booking.clone());
    let chosen_event = move || match booking() {
        Booking::Event(id) => id.to_string(),
        _ => String::new(),
    };
    let chosen_slot = move || match booking() {
        Booking::Slot(id) => id,
        _ => String::new(),
    };
    let locked = move || checkout.with(|c| c.phase != Phase::Browsing);
    let event_problem = move || checkout.with(|c| c.problems.get("event"));
    let slot_problem = move || checkout.with(|c| c.problems.get("slot"));
    let (event_id, slot_id) = (shared.id("event"), shared.id("slot"));
    let (event_error_id, slot_error_id) = (shared.id("event-error"), shared.id("slot-error"));

    let events = move || {
        let membership = selected.get()?;
        Some(schedule.get()?.map(|s| s.events_for(membership.id)))
    };
    let event_select = {
        let (event_id, described) = (event_id.clone(), event_error_id.clone());
        move || match events() {
            None => view! { <p class="mc-hint" role="status">"Loading classes…"</p> }.into_any(),
            Some(Err(error)) => view! { <p class="mc-hint">"Classes couldn't be loaded (" {error.user_message()} ") You can still buy the membership."</p> }.into_any(),
            Some(Ok(list)) if list.is_empty() => view! { <p class="mc-hint" data-testid="no-events">"No classes in the next two weeks can be booked with this membership."</p> }.into_any(),
            Some(Ok(list)) => {
                let described = described.clone();
                // One binding for the select's value, not one per option: a schedule can hold
                // thousands of classes, and every choice would wake each of them.
                let initial_event = checkout.with_untracked(|c| match c.selection.booking {
                    Booking::Event(id) => Some(id),
                    _ => None,
                });
                view! {
                    <select id=event_id.clone() class="mc-select" data-testid="event-select" disabled=locked prop:value=chosen_event
                        aria-invalid=move || event_problem().is_some().to_string()
                        aria-describedby=move || event_problem().map(|_| described.clone())
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            checkout.update(|c| c.choose_event(value.parse().ok()));
                        }>
                        <option value="" selected=initial_event.is_none()>"No class"</option>
                        {list.into_iter().map(|e| {
                            let id = e.id;
                            view! { <option value=id.to_string() selected=initial_event == Some(id)>{event_label(&e, locale.get_value().as_deref())}</option> }
                        }).collect_view()}
                    </select>
                }.into_any()
            }
        }
    };
    let slot_select = {
        let (slot_id, described) = (slot_id.clone(), slot_error_id.clone());
        move || match slots.get() {
            None => view! { <p class="mc-hint" role="status">"Loading appointments…"</p> }.into_any(),
            Some(Err(error)) => view! { <p class="mc-hint">"Appointments couldn't be loaded (" {error.user_message()} ")"</p> }.into_any(),
            Some(Ok(list)) if list.is_empty() => view! { <p class="mc-hint">"No appointments are free in the next two weeks."</p> }.into_any(),
            Some(Ok(list)) => {
                let described = described.clone();
                let initial_slot = checkout.with_untracked(|c| match &c.selection.booking {
                    Booking::Slot(id) => Some(id.clone()),
                    _ => None,
                });
                view! {
                    <select id=slot_id.clone() class="mc-select" data-testid="slot-select" disabled=locked prop:value=chosen_slot
                        aria-invalid=move || slot_problem().is_some().to_string()
                        aria-describedby=move || slot_problem().map(|_| described.clone())
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            checkout.update(|c| c.choose_slot(Some(value)));
                        }>
                        <option value="" selected=initial_slot.is_none()>"No appointment"</option>
                        {list.into_iter().map(|s| {
                            let label = slot_label(&s, locale.get_value().as_deref());
                            let chosen = initial_slot.as_ref() == Some(&s.id);
                            view! { <option value=s.id selected=chosen>{label}</option> }
                        }).collect_view()}
                    </select>
                }.into_any()
            }
        }
    };

    move || {
        selected.get()?;
        Some(view! {
            <fieldset class="mc-section" data-testid="booking">
                <legend class="mc-section__title">"Book your first visit (optional)"</legend>
                <p class="mc-hint">"Reserve a class or an appointment in the same step. Choose one or neither."</p>
                <div class="mc-field">
                    <label class="mc-label" for=event_id.clone()>"Class"</label>
                    {event_select.clone()}
                    {field_error(event_error_id.clone(), "event-error", event_problem)}
                </div>
                <div class="mc-field">
                    <label class="mc-label" for=slot_id.clone()>"Appointment"</label>
                    {slot_select.clone()}
                    {field_error(slot_error_id.clone(), "slot-error", slot_problem)}
                </div>
            </fieldset>
        })
    }
}

fn chosen_plan(plans: &Option<(u64, Result<Vec<PaymentPlan>, crate::backend::error::ApiError>)>, id: Option<u64>) -> Option<PaymentPlan> {
    let (_, Ok(list)) = plans.as_ref()? else { return None };
    list.iter().find(|p| Some(p.id) == id).cloned()
}

#[component]
fn Summary(shared: Shared) -> impl IntoView {
    let Shared { checkout, selected, plans, schedule, slots, locale, .. } = shared;
    let plan_line = move || {
        let plan = chosen_plan(&plans.get().flatten(), checkout.with(|c| c.selection.plan))?;
        let mut line = plan.price_label();
        for extra in [plan.commitment_label(), plan.joining_fee_label()].into_iter().flatten() {
            line.push_str(&format!(" · {extra}"));
        }
        Some(line)
    };
    let booking_line = move || match checkout.with(|c| c.selection.booking.clone()) {
        Booking::None => None,
        Booking::Event(id) => {
            let label = schedule
                .get()
                .and_then(|s| s.ok())
                .and_then(|s| s.events.iter().find(|e| e.id == id).map(|e| event_label(e, locale.get_value().as_deref())));
            Some(format!("Class: {}", label.unwrap_or_else(|| format!("#{id}"))))
        }
        Booking::Slot(id) => {
            let label = slots
                .get()
                .and_then(|s| s.ok())
                .and_then(|list| list.iter().find(|s| s.id == id).map(|s| slot_label(s, locale.get_value().as_deref())));
            Some(format!("Appointment: {}", label.unwrap_or(id)))
        }
    };
    view! {
        <section class="mc-summary" data-testid="summary" aria-labelledby=shared.id("summary-title")>
            <h3 class="mc-section__title" id=shared.id("summary-title")>"Summary"</h3>
            {move || match selected.get() {
                None => view! { <p class="mc-hint">"Choose a membership to see your summary."</p> }.into_any(),
                Some(m) => view! {
                    <dl class="mc-summary__list">
                        <div><dt>"Membership"</dt><dd>{m.name.clone()}" · "{m.price_label()}</dd></div>
                        {move || plan_line().map(|l| view! { <div><dt>"Payment plan"</dt><dd>{l}</dd></div> })}
                        {move || booking_line().map(|l| view! { <div><dt>"Booking"</dt><dd>{l}</dd></div> })}
                    </dl>
                }.into_any(),
            }}
            <p class="mc-hint mc-coupon-note" data-testid="coupon-note">
                "Have a discount code? You can enter it on TeamUp's secure payment page, the next step."
            </p>
        </section>
    }
}
