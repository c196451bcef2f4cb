//! The catalogue: the list of memberships (a page at a time), and the form around the choices.

use leptos::prelude::*;
use send_wrapper::SendWrapper;

use super::choices::{BookingChoice, Plans};
use super::first::{membership_card, CardState, CATALOGUE_PAGE};
use super::summary::Summary;
use super::Shared;
use crate::backend::plans::PlanCache;
use crate::checkout::Phase;
use crate::model::teamup::Membership;
use crate::ui::common::{continue_button, error_summary, field_error};
use crate::ui::tr;
use wasm_bindgen::JsCast;

/// Pages of the catalogue to show at first: one, or as many as it takes to show the membership
/// already chosen (a choice restored after signing in).
pub fn catalogue_pages(chosen_index: Option<usize>) -> usize {
    chosen_index.map_or(1, |i| i / CATALOGUE_PAGE + 1)
}

#[component]
pub(crate) fn TeamUpForm(memberships: Vec<Membership>, shared: Shared, submit: Callback<()>, prefetch: SendWrapper<PlanCache>) -> impl IntoView {
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
    let any_chosen = Memo::new(move |_| shared.selected.with(Option::is_some));
    let booking = move || any_chosen.get().then(|| view! { <BookingChoice shared /> });
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
        let membership = SendWrapper::new(m.clone());
        let on_interest = Callback::new(move |_| prefetch.prefetch(&membership));
        let checkout = shared.checkout;
        let (id, needs_plan) = (m.id, m.needs_plan());
        membership_card(m, CardState {
            uid: shared.uid,
            tr: shared.tr,
            chosen: Signal::derive(move || chosen.selected(&Some(id))),
            locked: locked.into(),
            invalid: invalid.into(),
            error_shown: Some(Signal::derive(move || problem.get().map(|_| error_id.clone()))),
            on_choose: Callback::new(move |_| checkout.update(|c| c.choose_membership(id, needs_plan))),
            on_interest: Some(on_interest),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_opens_on_the_page_that_shows_the_chosen_membership() {
        assert_eq!(catalogue_pages(None), 1);
        assert_eq!(catalogue_pages(Some(0)), 1);
        assert_eq!(catalogue_pages(Some(CATALOGUE_PAGE - 1)), 1);
        assert_eq!(catalogue_pages(Some(CATALOGUE_PAGE)), 2);
        assert_eq!(catalogue_pages(Some(3 * CATALOGUE_PAGE + 5)), 4);
    }
}
