//! The Uelz checkout: plans from the studio's gateway, an optional start date, a coupon checked
//! before purchase, the customer's name and email, then the same redirect-and-countdown as TeamUp.

use std::sync::atomic::Ordering;

use leptos::prelude::*;

use super::browser::console_error;
use super::events::host_events;
use super::common::{announce, confirm_on_return, data_state, load, offer, AfterPurchase, LoadError, Loading};
use super::{widget_transport, Common, INSTANCES};

mod form;
mod hooks;
use form::UelzForm;
use hooks::{selection_detail, use_coupon_check, use_purchase, use_start_again, use_submit};
use crate::backend::uelz::Gateway;
use crate::checkout::uelz::UelzSelection;
use crate::backend::Receipt;
use crate::checkout::{Checkout, Phase};
use crate::i18n::Tr;
use crate::model::uelz::UelzPlan;
use crate::settings::UelzSettings;

type UelzCheckoutState = Checkout<UelzSelection>;

/// What the sections of one Uelz widget share.
#[derive(Clone, Copy)]
pub(super) struct Ctx {
    pub checkout: RwSignal<UelzCheckoutState>,
    pub plans: Memo<Vec<UelzPlan>>,
    pub tr: Tr,
    pub uid: usize,
}

impl Ctx {
    pub(super) fn id(&self, name: &str) -> String {
        format!("mc{}-{name}", self.uid)
    }

    pub(super) fn chosen_plan(&self) -> Option<UelzPlan> {
        let id = self.checkout.with(|c| c.selection.plan.clone())?;
        self.plans.with(|list| list.iter().find(|p| p.id == id).cloned())
    }

    pub(super) fn problem(self, control: &'static str) -> impl Fn() -> Option<String> + Send + Sync + Copy + 'static {
        move || self.checkout.with(|c| c.problems.text(control, self.tr))
    }

    pub(super) fn locked(self) -> impl Fn() -> bool + Send + Sync + Copy + 'static {
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

    let plan_list = load(&gateway, |gateway| async move { gateway.plans().await });
    let plans = Memo::new(move |_| plan_list.get().and_then(Result::ok).unwrap_or_default());
    let ctx = Ctx { checkout, plans, tr, uid };

    let apply_coupon = use_coupon_check(&gateway, checkout);
    let after = AfterPurchase { offer_key: offer_key.clone(), events: events.clone(), allowed: payment_hosts, tr };
    let purchase = use_purchase(&gateway, checkout, attempt_key.clone(), after);

    let submit = use_submit(ctx, attempt_key.clone(), return_url, settings.customer_token.clone(), purchase);
    let root = NodeRef::<leptos::html::Div>::new();
    let start_again = use_start_again(ctx, root, offer_key.clone(), attempt_key);

    let state = move || data_state(checkout.with(|c| c.phase.name()), plan_list.with(|l| l.as_ref().map(Result::is_ok)));
    announce(
        events,
        tr,
        "uelz",
        checkout,
        move || plan_list.get().map(|r| r.map(|_| ())),
        selection_detail,
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
