//! The browsing screen: catalogue, payment plans, booking, summary and the continue button.

use leptos::prelude::*;
use std::sync::Arc;

use super::browser::{focus_control, focus_later};
use super::{tr, PlanCache, Shared};
use send_wrapper::SendWrapper;
use crate::checkout::{Booking, Checkout, Phase};
use crate::i18n::{intl, Tr};
use crate::backend::error::ApiError;
use crate::model::{by_day, catalogue_pages, parse_rfc3339_ms, DayKeys, Event, Membership, PaymentPlan, Slot, CATALOGUE_PAGE, DAY_PICKER_FROM};
use wasm_bindgen::JsCast;

#[component]
pub(super) fn Form(memberships: Vec<Membership>, shared: Shared, submit: Callback<()>, prefetch: SendWrapper<PlanCache>) -> impl IntoView {
    let checkout = shared.checkout;
    let submitting = move || checkout.with(|c| c.phase == Phase::Submitting);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit.run(());
    };
    let tr = tr();
    if memberships.is_empty() {
        return view! {
            <div class="mc-notice" data-testid="memberships-empty" role="status">
                <p class="mc-notice__title">{tr.t("catalogue.empty_title")}</p>
                <p>{tr.t("catalogue.empty_body")}</p>
            </div>
        }
        .into_any();
    }
    let uid = shared.uid;
    // SPLIT POINT (placed to prove the split build end to end; the split points are placed anew in
    // the restructured tree): the class and slot pickers are the chunk `booking`, downloaded when the
    // browser is idle after the list is painted, and needed once a membership is chosen.
    crate::split::prefetch_when_idle("booking", preload_booking);
    let any_chosen = Memo::new(move |_| shared.selected.with(Option::is_some));
    let booking = move || {
        any_chosen.get().then(|| {
            crate::split::on_demand(
                tr,
                booking_view,
                move || view! { <p class="mc-hint" role="status">{tr.t("loading.classes")}</p> }.into_any(),
                move |render| render(shared),
            )
        })
    };
    view! {
        <form class="mc-form" novalidate on:submit=on_submit>
            {error_summary(checkout, move |name| format!("mc{uid}-{name}"), submit)}
            <Catalogue memberships shared prefetch />
            <Plans shared />
            {booking}
            <Summary shared />
            {continue_button(submitting, "continue.reserving")}
        </form>
    }
    .into_any()
}

crate::lazy_fn!(booking, preload_booking;
    fn booking_view() -> fn(Shared) -> AnyView {
        |shared| view! { <BookingChoice shared /> }.into_any()
    }
);

/// After a failed attempt to continue, every problem in one place at the top of the form: each
/// field's message links to its control, the form's own message comes with "Try again" when
/// retrying can help. Each failed attempt moves the focus here.
pub(super) fn error_summary<S: Send + Sync + 'static>(
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
pub(super) fn continue_button(submitting: impl Fn() -> bool + Send + Sync + Copy + 'static, busy_key: &'static str) -> impl IntoView {
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
pub(super) fn field_error(id: String, testid: &'static str, message: impl Fn() -> Option<String> + Send + Sync + Clone + 'static) -> impl IntoView {
    let shown = message.clone();
    view! {
        <Show when=move || shown().is_some()>
            <p class="mc-field-error" id=id.clone() data-testid=testid>{message.clone()}</p>
        </Show>
    }
}

/// "Mon 24 Nov, 18:00", in the studio's zone and naming it when the customer's differs.
fn when(rfc3339: &str, tr: Tr, zone: Option<&str>) -> String {
    match parse_rfc3339_ms(rfc3339) {
        Some(ms) => intl::date_time(ms, tr.locale, zone),
        None => rfc3339.to_string(),
    }
}

#[component]
fn Catalogue(memberships: Vec<Membership>, shared: Shared, prefetch: SendWrapper<PlanCache>) -> impl IntoView {
    let (checkout, tr) = (shared.checkout, shared.tr);
    // A catalogue can hold a thousand memberships: each card listens to memos that change
    // rarely, and a choice wakes only the two cards whose "chosen" state flips.
    let chosen = Selector::new(move || checkout.with(|c| c.selection.membership));
    let locked = Memo::new(move |_| checkout.with(|c| c.phase != Phase::Browsing));
    let problem = Memo::new(move |_| checkout.with(|c| c.problems.text("membership", tr)));
    let invalid = Memo::new(move |_| checkout.with(|c| c.problems.get("membership").is_some()));
    let error_id = shared.id("membership-error");
    let card = Card { shared, chosen, locked, problem, invalid, error_id: error_id.clone(), prefetch };

    // A page at a time: "Show more" adds the next one and moves the focus to its first card.
    let total = memberships.len();
    let first_chosen = checkout.with_untracked(|c| c.selection.membership);
    let pages = RwSignal::new(catalogue_pages(memberships.iter().position(|m| Some(m.id) == first_chosen)));
    let memberships = StoredValue::new(memberships);
    let page_view = move |page: usize| {
        let card = card.clone();
        memberships.with_value(|all| {
            let end = ((page + 1) * CATALOGUE_PAGE).min(all.len());
            let cards = &all[(page * CATALOGUE_PAGE).min(end)..end];
            prefetch_after_paint(card.prefetch.clone(), cards.iter().filter(|m| m.needs_plan()).cloned().collect());
            cards.iter().map(|m| card.view(m)).collect_view()
        })
    };
    let shown = move || (pages.get() * CATALOGUE_PAGE).min(total);
    let list = NodeRef::<leptos::html::Div>::new();
    let show_more = move |_| {
        let first_new = shown();
        pages.update(|p| *p += 1);
        // The first card just added takes the focus, so a keyboard user carries on from there.
        request_animation_frame(move || {
            let Some(list) = list.try_get_untracked().flatten() else { return };
            if let Ok(Some(input)) = list.query_selector(&format!(".mc-option:nth-child({}) input", first_new + 1)) {
                let _ = input.unchecked_into::<web_sys::HtmlElement>().focus();
            }
        });
    };
    let described = error_id.clone();
    let described_by = move || problem.get().map(|_| described.clone());
    view! {
        <fieldset class="mc-section" id=shared.id("membership") data-testid="memberships" aria-describedby=described_by>
            <legend class="mc-section__title">{tr.t("catalogue.title")}</legend>
            <div class="mc-options" node_ref=list>
                <For each=move || 0..pages.get() key=|page| *page let:page>
                    {page_view(page)}
                </For>
            </div>
            <Show when=move || shown() < total>
                <div class="mc-more">
                    <button type="button" class="mc-button mc-button--secondary" data-testid="show-more" on:click=show_more>
                        {tr.t("catalogue.show_more")}
                    </button>
                    <p class="mc-hint" data-testid="shown-count" aria-live="polite">
                        {move || tr.f("catalogue.shown", &[("shown", &tr.number(shown() as f64)), ("total", &tr.number(total as f64))])}
                    </p>
                </div>
            </Show>
            {field_error(error_id, "membership-error", move || problem.get())}
        </fieldset>
    }
}

/// Asks for the plans of the recurring memberships a page of the catalogue shows, once that page
/// is painted (never before: the list comes first), so that choosing one shows its plans at once
/// rather than after a round trip. A studio shows a handful of recurring memberships a page.
fn prefetch_after_paint(cache: SendWrapper<PlanCache>, recurring: Vec<Membership>) {
    if recurring.is_empty() {
        return;
    }
    let recurring = SendWrapper::new(recurring);
    request_animation_frame(move || {
        set_timeout(move || recurring.iter().for_each(|m| cache.prefetch(m)), std::time::Duration::ZERO)
    });
}

/// What every membership card reads: shared memos, so that a thousand cards cost one update.
#[derive(Clone)]
struct Card {
    shared: Shared,
    chosen: Selector<Option<u64>>,
    locked: Memo<bool>,
    problem: Memo<Option<String>>,
    invalid: Memo<bool>,
    error_id: String,
    prefetch: SendWrapper<PlanCache>,
}

impl Card {
    fn view(&self, m: &Membership) -> impl IntoView {
        let Card { shared, chosen, locked, problem, invalid, error_id, prefetch } = self.clone();
        // Interest in a card (pointing at it, or the keyboard reaching it) starts loading its plans.
        let interest = {
            let membership = SendWrapper::new(m.clone());
            move || prefetch.prefetch(&membership)
        };
        let interest_too = interest.clone();
        let (checkout, tr) = (shared.checkout, shared.tr);
        let (id, needs_plan) = (m.id, m.needs_plan());
        let meta = match m.duration_label(tr) {
            Some(d) => format!("{} · {d}", tr.t(m.kind_key())),
            None => tr.t(m.kind_key()).to_string(),
        };
        // Named by its name and price; the kind, length and description describe it
        // (a screen reader reads the name first, the rest after a pause).
        let part = format!("mc{}-m{id}", shared.uid);
        let description = m.description.clone().filter(|d| !d.trim().is_empty());
        let details = if description.is_some() { format!("{part}-meta {part}-desc") } else { format!("{part}-meta") };
        let described_by = move || match problem.get() {
            Some(_) => format!("{details} {error_id}"),
            None => details.clone(),
        };
        let chosen_too = chosen.clone();
        view! {
            <label class="mc-option" class:mc-option--chosen=move || chosen_too.selected(&Some(id)) data-testid=format!("membership-{id}")
                on:pointerenter=move |_| interest() on:focusin=move |_| interest_too()>
                <input
                    type="radio"
                    name="membership"
                    value=id.to_string()
                    prop:checked=move || chosen.selected(&Some(id))
                    disabled=locked
                    aria-invalid=move || invalid.get().to_string()
                    aria-labelledby=format!("{part}-name {part}-price")
                    aria-describedby=described_by
                    on:change=move |_| checkout.update(|c| c.choose_membership(id, needs_plan))
                />
                <span class="mc-option__body">
                    <span class="mc-option__name" id=format!("{part}-name")>{m.name.clone()}</span>
                    <span class="mc-option__price" id=format!("{part}-price")>{m.price_label(tr)}</span>
                    <span class="mc-option__meta" id=format!("{part}-meta")>{meta}</span>
                    {description.map(|d| view! { <span class="mc-option__description" id=format!("{part}-desc")>{d}</span> })}
                </span>
            </label>
        }
    }
}

#[component]
fn Plans(shared: Shared) -> impl IntoView {
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

fn event_label(event: &Event, tr: Tr, zone: Option<&str>) -> String {
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

fn slot_label(slot: &Slot, tr: Tr, zone: Option<&str>) -> String {
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
pub(super) fn zone_choice(shared: &Shared) -> Option<intl::ZoneChoice> {
    let studio = shared.zone.get()?;
    Some(intl::choose_zone(studio.as_deref(), intl::local_zone().as_deref(), intl::zone_known))
}

/// The studio's zone when times must be shown and named in it (it differs from the customer's);
/// `None`: the customer's own clock.
fn zone_shown(shared: &Shared) -> Option<String> {
    zone_choice(shared)?.zone().map(str::to_string)
}

#[component]
fn BookingChoice(shared: Shared) -> impl IntoView {
    let Shared { checkout, selected, schedule, slots, tr, .. } = shared;
    let booking = move || checkout.with(|c| c.selection.booking.clone());
    let chosen_event = move || booking().event().map(|id| id.to_string()).unwrap_or_default();
    let chosen_slot = move || match booking() {
        Booking::Slot(id) => id,
        _ => String::new(),
    };
    let locked = move || checkout.with(|c| c.phase != Phase::Browsing);
    let event_problem = move || checkout.with(|c| c.problems.text("event", tr));
    let slot_problem = move || checkout.with(|c| c.problems.text("slot", tr));
    let (event_id, slot_id) = (shared.id("event"), shared.id("slot"));
    let (event_error_id, slot_error_id) = (shared.id("event-error"), shared.id("slot-error"));

    // The chosen membership's classes, by day when there are many. Computed once per choice
    // of membership, not per render.
    let day_names = StoredValue::new(None::<DayNames>);
    let classes = Memo::new(move |_| -> Option<Result<ClassDays, ApiError>> {
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
    });
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
    let day_id = shared.id("day");
    // The days on offer: another membership with classes on the same days keeps the select as it is.
    let day_options = Memo::new(move |_| {
        classes.with(|c| match c {
            Some(Ok(ClassDays { pick_day: true, days })) => Some(days.iter().map(|(day, _)| day.clone()).collect::<Vec<Arc<str>>>()),
            _ => None,
        })
    });
    let day_select = {
        let day_id = day_id.clone();
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
    };
    let event_select = {
        let (event_id, described) = (event_id.clone(), event_error_id.clone());
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
    };
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

    let shown = Memo::new(move |_| selected.with(Option::is_some));
    move || {
        shown.get().then(|| view! {
            <fieldset class="mc-section" data-testid="booking">
                <legend class="mc-section__title">{tr.t("booking.title")}</legend>
                <p class="mc-hint">{tr.t("booking.hint")}</p>
                {move || match zone_choice(&shared)? {
                    intl::ZoneChoice::Studio(zone) => Some(view! {
                        <p class="mc-hint" data-testid="time-zone-note" data-zone="studio">{tr.f("booking.time_zone", &[("zone", &zone.replace('_', " "))])}</p>
                    }),
                    // The studio's zone is missing or unknown here: the customer's own clock, said so.
                    intl::ZoneChoice::Fallback => {
                        let own = intl::local_zone().unwrap_or_default().replace('_', " ");
                        Some(view! {
                            <p class="mc-hint" data-testid="time-zone-note" data-zone="fallback">{tr.f("booking.time_zone_fallback", &[("zone", &own)])}</p>
                        })
                    }
                    intl::ZoneChoice::Same => None,
                }}
                {day_select.clone()}
                <div class="mc-field">
                    <label class="mc-label" for=event_id.clone()>{tr.t("booking.class")}</label>
                    {event_select.clone()}
                    {field_error(event_error_id.clone(), "event-error", event_problem)}
                </div>
                <div class="mc-field">
                    <label class="mc-label" for=slot_id.clone()>{tr.t("booking.appointment")}</label>
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
