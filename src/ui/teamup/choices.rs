//! The choices that follow a membership: its payment plan, and a class or an appointment slot,
//! with their times in the studio's zone.

use std::sync::Arc;

use leptos::prelude::*;

use super::Shared;
use crate::backend::error::ApiError;
use crate::checkout::teamup::Booking;
use crate::checkout::Phase;
use crate::i18n::{intl, Tr};
use crate::model::teamup::{Event, Membership, Slot};
use crate::time::{by_day, parse_rfc3339_ms, DayKeys, ZoneChoice};
use crate::ui::common::field_error;

/// Above this many classes for one membership, the customer picks a day first and then one of
/// that day's classes: a `<select>` costs the browser about 0.1 ms per option on every change.
pub const DAY_PICKER_FROM: usize = 40;

/// "Mon 24 Nov, 18:00", in the studio's zone and naming it when the customer's differs.
fn when(rfc3339: &str, tr: Tr, zone: Option<&str>) -> String {
    match parse_rfc3339_ms(rfc3339) {
        Some(ms) => intl::date_time(ms, tr.locale, zone),
        None => rfc3339.to_string(),
    }
}

#[component]
pub(super) fn Plans(shared: Shared) -> impl IntoView {
    let Shared { checkout, selected, plans, tr, .. } = shared;
    let chosen = move || checkout.with(|c| c.selection.plan);
    let locked = move || checkout.with(|c| c.phase != Phase::Browsing);
    let problem = move || checkout.with(|c| c.problems.text("plan", tr));
    let invalid = move || checkout.with(|c| c.problems.get("plan").is_some()).to_string();
    let error_id = shared.id("plan-error");
    let group_id = shared.id("plan");
    move || {
        let membership = selected.get().filter(Membership::needs_plan)?;
        let (error_id, described) = (error_id.clone(), error_id.clone());
        let described_by = move || problem().map(|_| described.clone());
        let body = match plans.get() {
            Some((for_id, Ok(list))) if for_id == membership.id && list.is_empty() => view! {
                <p class="mc-hint" data-testid="plans-empty">{tr.t("plans.empty")}</p>
            }
            .into_any(),
            Some((for_id, Ok(list))) if for_id == membership.id => list
                .into_iter()
                .map(|plan| {
                    let id = plan.id;
                    let details: Vec<String> =
                        [plan.commitment_label(tr), plan.joining_fee_label(tr), plan.due_today_label(tr)].into_iter().flatten().collect();
                    let described_by = described_by.clone();
                    view! {
                        <label class="mc-option mc-option--compact" class:mc-option--chosen=move || chosen() == Some(id)>
                            <input type="radio" name="plan" value=id.to_string() prop:checked=move || chosen() == Some(id) disabled=locked
                                aria-invalid=invalid aria-describedby=described_by
                                on:change=move |_| checkout.update(|c| c.choose_plan(id)) />
                            <span class="mc-option__body">
                                <span class="mc-option__name">{plan.price_label(tr)}</span>
                                {(!details.is_empty()).then(|| view! { <span class="mc-option__meta">{details.join(" · ")}</span> })}
                            </span>
                        </label>
                    }
                })
                .collect_view()
                .into_any(),
            Some((for_id, Err(error))) if for_id == membership.id => view! {
                <div class="mc-notice mc-notice--error" role="alert" data-testid="plans-load-error">
                    <p>{tr.t("load_error.payment_plans")}" "{tr.text(&error.user_message())}</p>
                    <button type="button" class="mc-button mc-button--secondary" on:click=move |_| shared.plans_request.refetch()>{tr.t("try_again")}</button>
                </div>
            }
            .into_any(),
            _ => view! { <p class="mc-hint" role="status">{tr.t("loading.payment_plans")}</p> }.into_any(),
        };
        Some(view! {
            <fieldset class="mc-section" id=group_id.clone() data-testid="plans" aria-describedby=described_by>
                <legend class="mc-section__title">{tr.f("plans.title", &[("membership", &membership.name)])}</legend>
                <div class="mc-options">{body}</div>
                {field_error(error_id, "plan-error", problem)}
            </fieldset>
        })
    }
}

pub(super) fn event_label(event: &Event, tr: Tr, zone: Option<&str>) -> String {
    let mut label = format!("{} · {}", when(&event.starts_at, tr, zone), event.name);
    if let Some(venue) = event.venue.as_ref().and_then(|v| v.name()) {
        label.push_str(" · ");
        label.push_str(venue);
    }
    if let (Some(max), Some(attending)) = (event.max_occupancy.filter(|m| *m > 0), event.attending_count) {
        let left = max.saturating_sub(attending);
        label.push_str(" (");
        label.push_str(&tr.n("booking.places_left", u64::from(left), &[]));
        label.push(')');
    }
    label
}

pub(super) fn slot_label(slot: &Slot, tr: Tr, zone: Option<&str>) -> String {
    let mut label = when(&slot.starts_at, tr, zone);
    if let Some(kind) = slot.offering_type.as_ref().and_then(|o| o.name()) {
        label.push_str(" · ");
        label.push_str(kind);
    }
    if let Some(who) = slot.instructor.as_ref().and_then(|i| i.name()) {
        label.push(' ');
        label.push_str(&tr.f("booking.with", &[("name", who)]));
    }
    label
}

/// A membership's classes: one list, or one per day when there are many.
#[derive(Clone, PartialEq)]
struct ClassDays {
    pick_day: bool,
    days: Vec<(Arc<str>, Vec<Arc<Event>>)>,
}

/// Day names ("Mon 24 Nov") for one zone and schedule, by [`DayKeys`]: kept across memberships,
/// a schedule's days are named once (a few quarter hours more across a clock change).
struct DayNames {
    zone: Option<String>,
    span: Option<(f64, f64)>,
    keys: DayKeys,
    names: std::collections::HashMap<i64, Arc<str>>,
}

impl DayNames {
    fn new(zone: Option<String>, span: Option<(f64, f64)>) -> Self {
        let offset = |ms: f64| intl::utc_offset_ms(ms, zone.as_deref());
        let keys = span.map_or(DayKeys::Quarters, |(first, last)| DayKeys::for_span(offset(first), offset(last)));
        DayNames { zone, span, keys, names: Default::default() }
    }

    fn name(&mut self, event: &Event, tr: Tr) -> Arc<str> {
        let Some(ms) = event.start_ms() else { return Arc::from("") };
        let zone = self.zone.as_deref();
        self.names.entry(self.keys.key(ms)).or_insert_with(|| Arc::from(intl::day(ms, tr.locale, zone))).clone()
    }
}

/// Which zone times are shown in, once the studio has answered (`None` before).
pub(super) fn zone_choice(shared: &Shared) -> Option<ZoneChoice> {
    let studio = shared.zone.get()?;
    Some(crate::time::choose_zone(studio.as_deref(), intl::local_zone().as_deref(), intl::zone_known))
}

/// The studio's zone when times must be shown and named in it (it differs from the customer's);
/// `None`: the customer's own clock.
pub(super) fn zone_shown(shared: &Shared) -> Option<String> {
    zone_choice(shared)?.zone().map(str::to_string)
}

/// The chosen membership's classes, by day when there are many (`None` while the schedule
/// loads). Computed once per choice of membership, not per render.
fn use_class_days(shared: Shared) -> Memo<Option<Result<ClassDays, ApiError>>> {
    let Shared { selected, schedule, tr, .. } = shared;
    let day_names = StoredValue::new(None::<DayNames>);
    Memo::new(move |_| -> Option<Result<ClassDays, ApiError>> {
        let membership = selected.with(|m| m.as_ref().map(|m| m.id))?;
        let list = schedule.with(|s| match s.as_ref()? {
            Ok(schedule) => Some(Ok((schedule.events_for(membership), schedule.span()))),
            Err(error) => Some(Err(error.clone())),
        })?;
        Some(list.map(|(list, span)| {
            if list.len() < DAY_PICKER_FROM {
                return ClassDays { pick_day: false, days: vec![(Arc::from(""), list)] };
            }
            let studio = zone_shown(&shared);
            let days = day_names.try_update_value(|names| {
                let names = match names {
                    Some(known) if known.zone == studio && known.span == span => known,
                    _ => names.insert(DayNames::new(studio, span)),
                };
                by_day(list, |e| names.name(e, tr))
            });
            ClassDays { pick_day: true, days: days.unwrap_or_default() }
        }))
    })
}

#[component]
pub(super) fn BookingChoice(shared: Shared) -> impl IntoView {
    let Shared { checkout, selected, tr, .. } = shared;
    let event_problem = move || checkout.with(|c| c.problems.text("event", tr));
    let (event_id, event_error_id) = (shared.id("event"), shared.id("event-error"));

    let classes = use_class_days(shared);
    // The day the customer picked, by name: it stays put when the membership changes.
    let picked_day = RwSignal::new(None::<String>);
    let shown_day = Memo::new(move |_| {
        let wanted = picked_day.get();
        let chosen = checkout.with(|c| c.selection.booking.event());
        classes.with(|c| {
            let Some(Ok(ClassDays { days, .. })) = c else { return 0 };
            days.iter()
                .position(|(day, _)| wanted.as_deref() == Some(&**day))
                .or_else(|| days.iter().position(|(_, list)| list.iter().any(|e| Some(e.id) == chosen)))
                .unwrap_or(0)
        })
    });
    // The days on offer: another membership with classes on the same days keeps the select as it is.
    let day_options = Memo::new(move |_| {
        classes.with(|c| match c {
            Some(Ok(ClassDays { pick_day: true, days })) => Some(days.iter().map(|(day, _)| day.clone()).collect::<Vec<Arc<str>>>()),
            _ => None,
        })
    });
    let shown = Memo::new(move |_| selected.with(Option::is_some));
    move || {
        shown.get().then(|| view! {
            <fieldset class="mc-section" data-testid="booking">
                <legend class="mc-section__title">{tr.t("booking.title")}</legend>
                <p class="mc-hint">{tr.t("booking.hint")}</p>
                <ZoneNote shared />
                <DaySelect shared day_options shown_day picked_day />
                <div class="mc-field">
                    <label class="mc-label" for=event_id.clone()>{tr.t("booking.class")}</label>
                    <ClassSelect shared classes shown_day />
                    {field_error(event_error_id.clone(), "event-error", event_problem)}
                </div>
                <SlotChoice shared />
            </fieldset>
        })
    }
}

/// An appointment slot to book with the membership (or none).
/// The day select, when the classes span several days; choosing a day clears the class.
#[component]
fn DaySelect(shared: Shared, day_options: Memo<Option<Vec<Arc<str>>>>, shown_day: Memo<usize>, picked_day: RwSignal<Option<String>>) -> impl IntoView {
    let Shared { checkout, tr, .. } = shared;
    let locked = move || checkout.with(|c| c.phase != Phase::Browsing);
    let day_id = shared.id("day");
    move || {
        let options = day_options.get()?;
        let first = shown_day.get_untracked();
        Some(view! {
            <div class="mc-field">
                <label class="mc-label" for=day_id.clone()>{tr.t("booking.day")}</label>
                <select id=day_id.clone() class="mc-select" data-testid="day-select" disabled=locked
                    prop:value=move || shown_day.get().to_string()
                    on:change=move |ev| {
                        let index: usize = event_target_value(&ev).parse().unwrap_or(0);
                        // A class belongs to its day: another day starts with none chosen.
                        checkout.update(|c| c.choose_event(None));
                        picked_day.set(options.get(index).map(|day| day.to_string()));
                    }>
                    {options.iter().enumerate().map(|(i, day)| view! { <option value=i.to_string() selected=i == first>{day.to_string()}</option> }).collect_view()}
                </select>
            </div>
        })
    }
}

/// The class select of the shown day, or why there is none (loading, failed, no classes).
#[component]
fn ClassSelect(shared: Shared, classes: Memo<Option<Result<ClassDays, ApiError>>>, shown_day: Memo<usize>) -> impl IntoView {
    let Shared { checkout, tr, .. } = shared;
    let chosen_event = move || checkout.with(|c| c.selection.booking.event()).map(|id| id.to_string()).unwrap_or_default();
    let locked = move || checkout.with(|c| c.phase != Phase::Browsing);
    let event_problem = move || checkout.with(|c| c.problems.text("event", tr));
    let (event_id, described) = (shared.id("event"), shared.id("event-error"));
    move || {
        let day = shown_day.get();
        classes.with(|c| match c {
            None => view! { <p class="mc-hint" role="status">{tr.t("loading.classes")}</p> }.into_any(),
            Some(Err(error)) => view! { <p class="mc-hint">{tr.f("load_error.classes", &[("reason", &tr.text(&error.user_message()))])}</p> }.into_any(),
            Some(Ok(ClassDays { days, .. })) if days.iter().all(|(_, list)| list.is_empty()) => {
                view! { <p class="mc-hint" data-testid="no-events">{tr.t("booking.no_classes")}</p> }.into_any()
            }
            Some(Ok(ClassDays { days, .. })) => {
                let list = days.get(day).map(|(_, list)| list.as_slice()).unwrap_or_default();
                let described = described.clone();
                let zone = zone_shown(&shared);
                // One binding for the select's value, not one per option: a schedule can hold
                // thousands of classes, and every choice would wake each of them.
                let initial_event = checkout.with_untracked(|c| c.selection.booking.event());
                view! {
                    <select id=event_id.clone() class="mc-select" data-testid="event-select" disabled=locked prop:value=chosen_event
                        aria-invalid=move || event_problem().is_some().to_string()
                        aria-describedby=move || event_problem().map(|_| described.clone())
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            checkout.update(|c| c.choose_event(value.parse().ok()));
                        }>
                        <option value="" selected=initial_event.is_none()>{tr.t("booking.no_class")}</option>
                        {list.iter().map(|e| {
                            let id = e.id;
                            view! { <option value=id.to_string() selected=initial_event == Some(id)>{event_label(e, tr, zone.as_deref())}</option> }
                        }).collect_view()}
                    </select>
                }.into_any()
            }
        })
    }
}

#[component]
fn SlotChoice(shared: Shared) -> impl IntoView {
    let Shared { checkout, slots, tr, .. } = shared;
    let chosen_slot = move || match checkout.with(|c| c.selection.booking.clone()) {
        Booking::Slot(id) => id,
        _ => String::new(),
    };
    let locked = move || checkout.with(|c| c.phase != Phase::Browsing);
    let slot_problem = move || checkout.with(|c| c.problems.text("slot", tr));
    let (slot_id, slot_error_id) = (shared.id("slot"), shared.id("slot-error"));
    let slot_select = {
        let (slot_id, described) = (slot_id.clone(), slot_error_id.clone());
        move || match slots.get() {
            None => view! { <p class="mc-hint" role="status">{tr.t("loading.appointments")}</p> }.into_any(),
            Some(Err(error)) => view! { <p class="mc-hint">{tr.f("load_error.appointments", &[("reason", &tr.text(&error.user_message()))])}</p> }.into_any(),
            Some(Ok(list)) if list.is_empty() => view! { <p class="mc-hint">{tr.t("booking.no_appointments")}</p> }.into_any(),
            Some(Ok(list)) => {
                let described = described.clone();
                let zone = zone_shown(&shared);
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
                        <option value="" selected=initial_slot.is_none()>{tr.t("booking.no_appointment")}</option>
                        {list.into_iter().map(|s| {
                            let label = slot_label(&s, tr, zone.as_deref());
                            let chosen = initial_slot.as_ref() == Some(&s.id);
                            view! { <option value=s.id selected=chosen>{label}</option> }
                        }).collect_view()}
                    </select>
                }.into_any()
            }
        }
    };
    view! {
        <div class="mc-field">
            <label class="mc-label" for=slot_id.clone()>{tr.t("booking.appointment")}</label>
            {slot_select}
            {field_error(slot_error_id.clone(), "slot-error", slot_problem)}
        </div>
    }
}

/// Which clock the times are on, when it isn't plainly the customer's own.
#[component]
fn ZoneNote(shared: Shared) -> impl IntoView {
    let tr = shared.tr;
    move || match zone_choice(&shared)? {
        ZoneChoice::Studio(zone) => Some(view! {
            <p class="mc-hint" data-testid="time-zone-note" data-zone="studio">{tr.f("booking.time_zone", &[("zone", &zone.replace('_', " "))])}</p>
        }),
        // The studio's zone is missing or unknown here: the customer's own clock, said so.
        ZoneChoice::Fallback => {
            let own = intl::local_zone().unwrap_or_default().replace('_', " ");
            Some(view! {
                <p class="mc-hint" data-testid="time-zone-note" data-zone="fallback">{tr.f("booking.time_zone_fallback", &[("zone", &own)])}</p>
            })
        }
        ZoneChoice::Same => None,
    }
}
