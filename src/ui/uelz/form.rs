//! The Uelz form: a plan, its start date when it needs one, a coupon, the customer's details and
//! what they are about to buy.

use leptos::prelude::*;

use super::Ctx;
use crate::checkout::Phase;
use crate::i18n::intl;
use crate::ui::browser::today_local;
use crate::ui::common::{continue_button, error_summary, field_error};

#[component]
pub(super) fn UelzForm(ctx: Ctx, submit: Callback<()>, apply_coupon: Callback<()>, asks_details: bool) -> impl IntoView {
    let checkout = ctx.checkout;
    let submitting = move || checkout.with(|c| c.phase == Phase::Submitting);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit.run(());
    };
    view! {
        <form class="mc-form" novalidate on:submit=on_submit>
            {error_summary(checkout, move |name| ctx.id(name), submit)}
            <PlanChoice ctx />
            <StartDate ctx />
            <Coupon ctx apply_coupon />
            <Show when=move || asks_details>
                <CustomerDetails ctx />
            </Show>
            <UelzSummary ctx />
            {continue_button(submitting, "continue.preparing")}
        </form>
    }
}

#[component]
fn PlanChoice(ctx: Ctx) -> impl IntoView {
    let checkout = ctx.checkout;
    let chosen = move || checkout.with(|c| c.selection.plan.clone());
    let (locked, problem) = (ctx.locked(), ctx.problem("plan"));
    let error_id = ctx.id("plan-error");
    let described = error_id.clone();
    let described_by = move || problem().map(|_| described.clone());
    let invalid = move || problem().is_some().to_string();
    let tr = ctx.tr;
    let group_described_by = described_by.clone();
    view! {
        <fieldset class="mc-section" id=ctx.id("plan") data-testid="plans" aria-describedby=group_described_by>
            <legend class="mc-section__title">{tr.t("uelz.plans_title")}</legend>
            <div class="mc-options">
                {move || {
                    ctx.plans
                        .get()
                        .into_iter()
                        .map(|plan| {
                            let id = plan.id.clone();
                            let (is_chosen, is_checked) = (id.clone(), id.clone());
                            let price = plan.price_label(tr);
                            let chosen_plan = plan.clone();
                            let described_by = described_by.clone();
                            view! {
                                <label class="mc-option" class:mc-option--chosen=move || chosen().as_deref() == Some(is_chosen.as_str())
                                    data-testid=format!("plan-{id}")>
                                    <input type="radio" name="uelz-plan" value=id.clone() disabled=locked
                                        aria-invalid=invalid aria-describedby=described_by
                                        prop:checked=move || chosen().as_deref() == Some(is_checked.as_str())
                                        on:change=move |_| checkout.update(|c| c.choose_plan(&chosen_plan, &today_local())) />
                                    <span class="mc-option__body">
                                        <span class="mc-option__name">{plan.name.clone()}</span>
                                        <span class="mc-option__price">{price}</span>
                                        <span class="mc-option__meta">{plan.billing_terms(tr)}</span>
                                        {plan.description.clone().filter(|d| !d.trim().is_empty()).map(|d| view! { <span class="mc-option__description">{d}</span> })}
                                    </span>
                                </label>
                            }
                        })
                        .collect_view()
                }}
            </div>
            {field_error(error_id, "plan-error", problem)}
        </fieldset>
    }
}

#[component]
fn StartDate(ctx: Ctx) -> impl IntoView {
    let checkout = ctx.checkout;
    let needed = move || checkout.with(|c| c.selection.plan.is_some() && c.selection.needs_activation_date);
    let (locked, problem) = (ctx.locked(), ctx.problem("activation"));
    let (input_id, error_id) = (ctx.id("activation"), ctx.id("activation-error"));
    view! {
        <Show when=needed>
            <div class="mc-section mc-field">
                <label class="mc-label" for=input_id.clone()>{ctx.tr.t("start.label")}</label>
                <input type="date" id=input_id.clone() class="mc-input" data-testid="activation-date" min=today_local() disabled=locked
                    prop:value=move || checkout.with(|c| c.selection.activation_date.clone())
                    aria-invalid=move || problem().is_some().to_string()
                    aria-describedby={let id = error_id.clone(); move || problem().map(|_| id.clone())}
                    on:change=move |ev| checkout.update(|c| c.set_activation_date(event_target_value(&ev))) />
                <p class="mc-hint">{ctx.tr.t("start.hint")}</p>
                {field_error(error_id.clone(), "activation-error", problem)}
            </div>
        </Show>
    }
}

#[component]
fn Coupon(ctx: Ctx, apply_coupon: Callback<()>) -> impl IntoView {
    let checkout = ctx.checkout;
    let (locked, problem) = (ctx.locked(), ctx.problem("coupon"));
    let (input_id, error_id) = (ctx.id("coupon"), ctx.id("coupon-error"));
    let applied = move || checkout.with(|c| c.selection.coupon.clone());
    let checking = move || checkout.with(|c| c.selection.checking_coupon.is_some());
    let tr = ctx.tr;
    view! {
        <div class="mc-section mc-field">
            <label class="mc-label" for=input_id.clone()>{tr.t("coupon.label")}</label>
            <div class="mc-inline">
                <input type="text" id=input_id.clone() class="mc-input" data-testid="coupon-input" autocomplete="off"
                    autocapitalize="characters" spellcheck="false" maxlength="64" disabled=locked
                    prop:value=move || checkout.with(|c| c.selection.coupon_code.clone())
                    aria-invalid=move || problem().is_some().to_string()
                    aria-describedby={let id = error_id.clone(); move || problem().map(|_| id.clone())}
                    on:input=move |ev| checkout.update(|c| c.set_coupon_code(event_target_value(&ev)))
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                        // Enter applies the code rather than submitting the whole form.
                        if ev.key() == "Enter" {
                            ev.prevent_default();
                            apply_coupon.run(());
                        }
                    } />
                <button type="button" class="mc-button mc-button--secondary" data-testid="coupon-apply"
                    disabled=move || locked() || checking() aria-busy=move || checking().to_string()
                    on:click=move |_| apply_coupon.run(())>
                    {move || tr.t(if checking() { "coupon.checking" } else { "coupon.apply" })}
                </button>
            </div>
            {move || applied().map(|a| {
                let discount = a.quote.discount.label(tr);
                view! {
                    <p class="mc-field-ok" data-testid="coupon-applied" role="status">
                        {tr.f("coupon.applied", &[("code", &a.quote.code), ("discount", &discount)])}
                        {(!a.quote.name.is_empty()).then(|| format!(" ({})", a.quote.name))}" "
                        <button type="button" class="mc-link-button" data-testid="coupon-remove" disabled=locked
                            on:click=move |_| checkout.update(|c| c.remove_coupon())>{tr.t("coupon.remove")}</button>
                    </p>
                }
            })}
            {field_error(error_id, "coupon-error", problem)}
        </div>
    }
}

#[component]
fn CustomerDetails(ctx: Ctx) -> impl IntoView {
    let checkout = ctx.checkout;
    let locked = ctx.locked();
    let (name_problem, email_problem) = (ctx.problem("name"), ctx.problem("email"));
    let (name_id, name_error) = (ctx.id("name"), ctx.id("name-error"));
    let (email_id, email_error) = (ctx.id("email"), ctx.id("email-error"));
    view! {
        <fieldset class="mc-section">
            <legend class="mc-section__title">{ctx.tr.t("details.title")}</legend>
            <div class="mc-field">
                <label class="mc-label" for=name_id.clone()>{ctx.tr.t("details.name")}</label>
                <input type="text" id=name_id.clone() class="mc-input" data-testid="customer-name" autocomplete="name" maxlength="200" aria-required="true"
                    disabled=locked prop:value=move || checkout.with(|c| c.selection.name.clone())
                    aria-invalid=move || name_problem().is_some().to_string()
                    aria-describedby={let id = name_error.clone(); move || name_problem().map(|_| id.clone())}
                    on:input=move |ev| checkout.update(|c| c.set_name(event_target_value(&ev))) />
                {field_error(name_error.clone(), "name-error", name_problem)}
            </div>
            <div class="mc-field">
                <label class="mc-label" for=email_id.clone()>{ctx.tr.t("details.email")}</label>
                <input type="email" id=email_id.clone() class="mc-input" data-testid="customer-email" autocomplete="email" aria-required="true"
                    inputmode="email" maxlength="254" disabled=locked prop:value=move || checkout.with(|c| c.selection.email.clone())
                    aria-invalid=move || email_problem().is_some().to_string()
                    aria-describedby={let id = email_error.clone(); move || email_problem().map(|_| id.clone())}
                    on:input=move |ev| checkout.update(|c| c.set_email(event_target_value(&ev))) />
                <p class="mc-hint">{ctx.tr.t("details.email_hint")}</p>
                {field_error(email_error.clone(), "email-error", email_problem)}
            </div>
        </fieldset>
    }
}

#[component]
fn UelzSummary(ctx: Ctx) -> impl IntoView {
    let (checkout, tr) = (ctx.checkout, ctx.tr);
    let body = move || {
        let Some(plan) = ctx.chosen_plan() else {
            return view! { <p class="mc-hint">{tr.t("summary.choose_plan")}</p> }.into_any();
        };
        let (start, coupon) = checkout.with(|c| {
            let start = c.selection.needs_activation_date.then(|| c.selection.activation_date.clone()).filter(|d| !d.is_empty());
            let coupon = c.selection.coupon.clone().filter(|a| a.plan == plan.id);
            (start, coupon)
        });
        let price = plan.price_label(tr);
        let start_line = start.as_deref().map(|d| intl::calendar_date(d, 0, tr.locale));
        let end_line = plan.term_days.map(|days| intl::calendar_date(start.as_deref().unwrap_or(&today_local()), days, tr.locale));
        let due_label = tr.t(match (&start, plan.trial_days) {
            (Some(d), _) if d.as_str() > today_local().as_str() => "summary.due_on_start",
            (_, 0) => if plan.is_recurring() { "summary.due_today" } else { "summary.pay_today" },
            _ => "summary.due_after_trial",
        });
        let total = coupon.as_ref().map(|c| c.quote.total.clone()).unwrap_or_else(|| plan.price.clone());
        view! {
            <dl class="mc-summary__list">
                <div><dt>{tr.t("summary.plan")}</dt><dd>{plan.name.clone()}" · "{price}</dd></div>
                <div><dt>{tr.t("summary.billing")}</dt><dd>{plan.billing_terms(tr)}</dd></div>
                {start_line.map(|d| view! { <div><dt>{tr.t("summary.starts")}</dt><dd>{d}</dd></div> })}
                {end_line.map(|d| view! { <div><dt>{tr.t("summary.ends")}</dt><dd>{d}</dd></div> })}
                {coupon.map(|c| {
                    let discount = c.quote.discount.label(tr);
                    view! { <div data-testid="summary-discount"><dt>{tr.f("summary.discount", &[("code", &c.quote.code)])}</dt><dd>"−"{discount}</dd></div> }
                })}
                <div class="mc-summary__total" data-testid="summary-total"><dt>{due_label}</dt><dd>{total.label(tr)}</dd></div>
            </dl>
        }
        .into_any()
    };
    view! {
        <section class="mc-summary" data-testid="summary" aria-labelledby=ctx.id("summary-title")>
            <h3 class="mc-section__title" id=ctx.id("summary-title")>{tr.t("summary.title")}</h3>
            {body}
            <p class="mc-hint">{tr.t("pay_note.uelz")}</p>
        </section>
    }
}
