//! After "continue to payment": the countdown while the offer is held, the lapsed notice, and the
//! outcome when the payment page sends the customer back.

use std::time::Duration;

use leptos::prelude::*;

use super::browser::{in_frame, now_ms};
use super::format;
use crate::checkout::{Checkout, Form, OutcomeKind, PendingOffer, Phase};
use crate::model::format_countdown;

#[component]
pub(super) fn AfterSubmit<S>(checkout: RwSignal<Checkout<S>>, start_again: Callback<()>, locale: StoredValue<Option<String>>) -> impl IntoView
where
    S: Form + Send + Sync + 'static,
{
    // A memo: only a change of phase re-renders, not every write to the checkout.
    let phase = Memo::new(move |_| checkout.with(|c| c.phase.clone()));
    move || match phase.get() {
        Phase::Redirecting(offer) => {
            let lapses_at = format::clock_time(offer.expires_local_ms, locale.get_value().as_deref());
            view! { <Countdown checkout start_again offer lapses_at /> }.into_any()
        }
        Phase::Lapsed { membership_name } => view! {
            <section class="mc-notice mc-notice--warning" data-testid="lapsed" role="alert">
                <p class="mc-notice__title">"This offer has lapsed"</p>
                <p>
                    {match membership_name {
                        Some(name) => format!("The time to pay for {name} ran out, so nothing was charged."),
                        None => "The time to pay ran out, so nothing was charged.".to_string(),
                    }}
                    " Your choices are kept: start again to get a fresh offer."
                </p>
                <button type="button" class="mc-button mc-button--primary" data-testid="start-again" on:click=move |_| start_again.run(())>
                    "Start again"
                </button>
            </section>
        }
        .into_any(),
        Phase::Outcome(outcome) => {
            let paid = outcome.kind == OutcomeKind::Paid;
            let what = outcome.membership_name.clone().unwrap_or_else(|| "your membership".to_string());
            view! {
                <section class="mc-notice" class:mc-notice--success=paid data-testid="outcome"
                    data-outcome=if paid { "paid" } else { "cancelled" } role="status">
                    <p class="mc-notice__title">{if paid { "Payment complete — welcome!" } else { "Payment cancelled" }}</p>
                    <p>
                        {if paid {
                            format!("Thank you! You've bought {what}. The studio will email your confirmation.")
                        } else {
                            format!("Nothing was charged for {what}. You can choose again whenever you're ready.")
                        }}
                    </p>
                    {outcome.purchase.map(|id| view! { <p class="mc-hint">"Reference: " <code>{id}</code></p> })}
                    <button type="button" class="mc-button mc-button--secondary" data-testid="start-again" on:click=move |_| start_again.run(())>
                        {if paid { "Buy something else" } else { "Choose again" }}
                    </button>
                </section>
            }
            .into_any()
        }
        _ => ().into_any(),
    }
}

#[component]
fn Countdown<S>(checkout: RwSignal<Checkout<S>>, start_again: Callback<()>, offer: PendingOffer, lapses_at: String) -> impl IntoView
where
    S: Form + Send + Sync + 'static,
{
    let PendingOffer { next_url, auto_redirect: auto, expires_local_ms, new_tab, .. } = offer.clone();
    // Recomputed from the clock on every tick, so throttled timers and sleep can't make it drift.
    let remaining = RwSignal::new(offer.remaining_ms(now_ms()));
    let tick = move || {
        let now = now_ms();
        let left = (expires_local_ms - now).max(0.0);
        remaining.set(left);
        if left <= 0.0 {
            // Only now does the state machine change (to Lapsed), which replaces this view.
            checkout.update(|c| {
                c.tick(now);
            });
        }
    };
    if let Ok(handle) = set_interval_with_handle(tick, Duration::from_millis(250)) {
        on_cleanup(move || handle.clear());
    }
    // Back-forward cache or a woken tab: correct the display at once.
    let on_show = window_event_listener(leptos::ev::pageshow, move |_| tick());
    let on_visible = window_event_listener(leptos::ev::visibilitychange, move |_| tick());
    on_cleanup(move || {
        on_show.remove();
        on_visible.remove();
    });

    view! {
        <section class="mc-notice mc-offer" data-testid="offer">
            <p class="mc-notice__title">
                {if auto {
                    "Taking you to the secure payment page…"
                } else if new_tab {
                    "Your offer is ready: open the secure payment page to pay"
                } else {
                    "Your offer is still held"
                }}
            </p>
            <p>
                "Time left to pay: "
                <strong class="mc-countdown" role="timer" data-testid="countdown">{move || format_countdown(remaining.get())}</strong>
                " (until " {lapses_at} ")"
            </p>
            <div class="mc-actions">
                // In a frame the payment page must not open inside it: a new tab when the top page
                // can't be navigated (sandboxed frames), the whole window otherwise.
                <a class="mc-button mc-button--primary" data-testid="payment-link" href=next_url rel="noopener"
                    target=if new_tab { "_blank" } else if in_frame() { "_top" } else { "_self" }>
                    {if new_tab { "Open the payment page (new tab)" } else { "Continue to payment" }}
                </a>
                <button type="button" class="mc-button mc-button--secondary" data-testid="start-again" on:click=move |_| start_again.run(())>
                    "Change my choice"
                </button>
            </div>
        </section>
    }
}
