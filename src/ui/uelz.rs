//! The Uelz checkout: plans from the studio's gateway, an optional start date, a coupon checked
//! before purchase, the customer's name and email, then the same redirect-and-countdown as TeamUp.

use std::sync::atomic::Ordering;

use leptos::prelude::*;

use super::browser::{console_error, focus_control_later, page_url, random_uuid, session_get, session_remove, session_set, today_local};
use super::sections::{continue_button, error_summary, field_error};
use super::events::host_events;
use super::{announce, confirm_on_return, offer, purchase_answered, AfterPurchase, widget_transport, Common, LoadError, Loading, INSTANCES};
use crate::backend::error::ApiError;
use crate::backend::uelz::Gateway;
use crate::backend::uelz::UelzPurchaseRequest;
use crate::checkout::uelz::{Attempt, UelzSelection};
use crate::backend::Receipt;
use crate::checkout::{Checkout, Phase};
use crate::i18n::{intl, Tr};
use crate::model::uelz::UelzPlan;
use crate::settings::UelzSettings;

type UelzCheckoutState = Checkout<UelzSelection>;

/// What the sections of one Uelz widget share.
#[derive(Clone, Copy)]
struct Ctx {
    checkout: RwSignal<UelzCheckoutState>,
    plans: Memo<Vec<UelzPlan>>,
    tr: Tr,
    uid: usize,
}

impl Ctx {
    fn id(&self, name: &str) -> String {
        format!("mc{}-{name}", self.uid)
    }

    fn chosen_plan(&self) -> Option<UelzPlan> {
        let id = self.checkout.with(|c| c.selection.plan.clone())?;
        self.plans.with(|list| list.iter().find(|p| p.id == id).cloned())
    }

    fn problem(self, control: &'static str) -> impl Fn() -> Option<String> + Send + Sync + Copy + 'static {
        move || self.checkout.with(|c| c.problems.text(control, self.tr))
    }

    fn locked(self) -> impl Fn() -> bool + Send + Sync + Copy + 'static {
        move || self.checkout.with(|c| c.phase != Phase::Browsing)
    }
}

#[component]
pub(super) fn UelzCheckout(settings: UelzSettings, common: Common) -> impl IntoView {
    let Common { return_url, tr, timeout_ms, payment_hosts } = common;
    let gateway = Gateway::new(&settings, widget_transport(timeout_ms));
    let events = host_events();
    let uid = INSTANCES.fetch_add(1, Ordering::Relaxed) + 1;
    let key_base = format!("membership-checkout:uelz:{}", settings.gateway_url);
    let (offer_key, attempt_key) = (format!("{key_base}:offer"), format!("{key_base}:attempt"));
    let checkout = RwSignal::new(UelzCheckoutState::default());
    {
        // Back from Uelz's checkout: the gateway says what became of the attempt (its external_id).
        let gateway = gateway.clone();
        confirm_on_return(checkout, &offer_key, move |receipt| {
            let gateway = gateway.clone();
            Box::pin(async move {
                match receipt {
                    Receipt::Uelz { external_id } => gateway.confirmation(&external_id).await,
                    _ => Ok(crate::backend::Confirmation::NotFound),
                }
            })
        });
    }

    let plan_list = {
        let gateway = gateway.clone();
        LocalResource::new(move || {
            let gateway = gateway.clone();
            async move { gateway.plans().await }
        })
    };
    let plans = Memo::new(move |_| plan_list.get().and_then(Result::ok).unwrap_or_default());
    let ctx = Ctx { checkout, plans, tr, uid };

    let coupon_check = {
        let gateway = gateway.clone();
        Action::new_local(move |(code, plan): &(String, String)| {
            let (gateway, code, plan) = (gateway.clone(), code.clone(), plan.clone());
            async move {
                let result = gateway.coupon(&code, &plan).await;
                checkout.try_update(|c| c.coupon_checked(&code, &plan, result));
            }
        })
    };
    let apply_coupon = Callback::new(move |_: ()| {
        if let Some(check) = checkout.try_update(|c| c.begin_coupon_check()).flatten() {
            coupon_check.dispatch_local(check);
        }
    });

    let purchase = {
        let (gateway, attempt_key) = (gateway.clone(), attempt_key.clone());
        let after = AfterPurchase { offer_key: offer_key.clone(), events: events.clone(), allowed: payment_hosts, tr };
        Action::new_local(move |(request, name): &(UelzPurchaseRequest, String)| {
            let (gateway, request, name, attempt_key, after) = (gateway.clone(), request.clone(), name.clone(), attempt_key.clone(), after.clone());
            async move {
                let answer = gateway.purchase(&request).await;
                // Back from the payment page, the gateway is asked about this attempt by its key.
                let receipt = Receipt::Uelz { external_id: request.external_id.clone() };
                if purchase_answered(checkout, answer, name, receipt, &after) {
                    // Done with this key: a later purchase, even an identical one, is a new one.
                    session_remove(&attempt_key);
                }
            }
        })
    };

    let customer_token = settings.customer_token.clone();
    let submit = {
        let attempt_key = attempt_key.clone();
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
    };
    let root = NodeRef::<leptos::html::Div>::new();
    let start_again = {
        let (offer_key, attempt_key) = (offer_key.clone(), attempt_key.clone());
        Callback::new(move |_: ()| {
            session_remove(&offer_key);
            session_remove(&attempt_key);
            checkout.update(Checkout::start_again);
            focus_control_later(root, ctx.id("plan"));
        })
    };

    let state = move || {
        let phase = checkout.with(|c| c.phase.name());
        match (phase, plan_list.get()) {
            ("browsing", None) => "loading",
            ("browsing", Some(Err(_))) => "load-error",
            _ => phase,
        }
    };
    announce(
        events,
        tr,
        "uelz",
        checkout,
        move || plan_list.get().map(|r| r.map(|_| ())),
        |s: &UelzSelection| {
            let coupon = s.coupon.as_ref().map(|c| c.quote.code.clone());
            serde_json::json!({ "plan": s.plan, "coupon": coupon })
        },
    );
    let screen = Memo::new(move |_| checkout.with(|c| c.phase.name()));
    // A member the studio's server signed in is known to the gateway: no name or email to ask.
    let asks_details = settings.customer_token.is_none();

    view! {
        <div class="mc" data-testid="checkout" data-backend="uelz" data-state=state aria-busy=move || (state() == "loading").to_string()
            lang=tr.locale dir=tr.dir() node_ref=root>
            {move || match screen.get() {
                "redirecting" | "lapsed" | "outcome" | "confirming" => {
                    view! { <offer::AfterSubmit checkout start_again /> }.into_any()
                }
                _ => match plan_list.get() {
                    None => view! { <Loading label="loading.plans" /> }.into_any(),
                    Some(Err(error)) => {
                        console_error(&format!("membership-checkout: the plans failed to load: {error}"));
                        view! {
                            <LoadError title="load_error.plans" error retry=Callback::new(move |_| plan_list.refetch()) />
                        }
                        .into_any()
                    }
                    Some(Ok(list)) if list.is_empty() => view! {
                        <div class="mc-notice" data-testid="memberships-empty" role="status">
                            <p class="mc-notice__title">{tr.t("uelz.empty_title")}</p>
                            <p>{tr.t("catalogue.empty_body")}</p>
                        </div>
                    }
                    .into_any(),
                    Some(Ok(_)) => view! { <UelzForm ctx submit apply_coupon asks_details /> }.into_any(),
                },
            }}
        </div>
    }
}

#[component]
fn UelzForm(ctx: Ctx, submit: Callback<()>, apply_coupon: Callback<()>, asks_details: bool) -> impl IntoView {
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
