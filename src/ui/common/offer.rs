//! After "continue to payment": the countdown while the offer is held, the lapsed notice, what
//! the platform says when the customer comes back (checking, then confirmed, pending or not found),
//! and the outcome.

use std::time::Duration;

use leptos::prelude::*;

use crate::ui::browser::{focus_when_shown, in_frame, now_ms};
use crate::ui::tr;
use crate::checkout::{time_left_words, Checkout, OutcomeKind, PendingOffer, Phase, VendorForm};
use crate::time::countdown_milestone;
use crate::ui::browser::now_ms as clock_now;
use crate::i18n::intl;
use crate::time::format_countdown;

/// Each screen after "continue" takes the focus when it appears, so keyboard and screen-reader
/// users land on what changed.
/// `zone`: the studio's time zone when times are shown in it (the offer's deadline too).
#[component]
pub(crate) fn AfterSubmit<S>(
    checkout: RwSignal<Checkout<S>>,
    start_again: Callback<()>,
    #[prop(optional)] zone: Option<Signal<Option<String>>>,
) -> impl IntoView
where
    S: VendorForm + Send + Sync + 'static,
{
    let tr = tr();
    // A memo: only a change of phase re-renders, not every write to the checkout. While the
    // platform is asked about a purchase, the Confirming view follows its own changes.
    let confirming = Memo::new(move |_| checkout.with(|c| matches!(c.phase, Phase::Confirming(_))));
    let phase = Memo::new(move |_| checkout.with(|c| (!matches!(c.phase, Phase::Confirming(_))).then(|| c.phase.clone())));
    let zone = move || zone.and_then(|z| z.get());
    move || match phase.get() {
        _ if confirming.get() => {
            let state = Memo::new(move |_| {
                checkout.with(|c| match &c.phase {
                    Phase::Confirming(x) => Some((x.name(), x.asking, x.next_at_ms.is_some())),
                    _ => None,
                })
            });
            let offer = checkout.with_untracked(|c| match &c.phase {
                Phase::Confirming(x) => Some(x.offer.clone()),
                _ => None,
            });
            let check_again = Callback::new(move |_: ()| checkout.update(|c| {
                c.check_again(clock_now());
            }));
            offer.map(|offer| view! { <Confirming state offer check_again start_again /> })
                .into_any()
        }
        None => ().into_any(),
        Some(phase) => match phase {
        Phase::Redirecting(offer) => {
            let lapses_at = intl::clock(offer.expires_local_ms, tr.locale, zone().as_deref());
            view! { <Countdown checkout start_again offer lapses_at /> }.into_any()
        }
        Phase::Lapsed { membership_name } => {
            let node = focus_when_shown();
            view! {
                <section class="mc-notice mc-notice--warning" data-testid="lapsed" role="alert" tabindex="-1" node_ref=node>
                    <h3 class="mc-notice__title">{tr.t("lapsed.title")}</h3>
                    <p>
                        {match membership_name {
                            Some(name) => tr.f("lapsed.named", &[("membership", &name)]),
                            None => tr.t("lapsed.unnamed").to_string(),
                        }}
                        " "{tr.t("lapsed.kept")}
                    </p>
                    <button type="button" class="mc-button mc-button--primary" data-testid="start-again" on:click=move |_| start_again.run(())>
                        {tr.t("lapsed.start_again")}
                    </button>
                </section>
            }
            .into_any()
        }
        Phase::Outcome(outcome) => {
            let paid = outcome.kind == OutcomeKind::Paid;
            let what = outcome.membership_name.clone().unwrap_or_else(|| tr.t("outcome.your_membership").to_string());
            let (name, title, body) = match outcome.kind {
                OutcomeKind::Paid => ("paid", "outcome.paid_title", "outcome.paid"),
                OutcomeKind::Failed => ("failed", "outcome.failed_title", "outcome.failed"),
            };
            let node = focus_when_shown();
            view! {
                <section class="mc-notice" class:mc-notice--success=paid class:mc-notice--error=outcome.kind == OutcomeKind::Failed
                    data-testid="outcome" data-outcome=name role="status" tabindex="-1" node_ref=node>
                    <h3 class="mc-notice__title">{tr.t(title)}</h3>
                    <p>{tr.f(body, &[("membership", &what)])}{outcome.booked.map(|key| view! { " "{tr.t(key)} })}</p>
                    <button type="button" class="mc-button mc-button--secondary" data-testid="start-again" on:click=move |_| start_again.run(())>
                        {tr.t(if paid { "outcome.buy_more" } else { "outcome.choose_again" })}
                    </button>
                </section>
            }
            .into_any()
        }
        _ => ().into_any(),
        },
    }
}

/// Back from the payment page: "Checking your purchase…", then what the platform says (pending,
/// not found yet, or that it couldn't be asked), while it is asked again for a while; the
/// customer can check again, go back to the payment page while the offer is open, or choose again.
/// `state`: `data-confirmation`'s name, whether a check is out, whether another is scheduled.
/// Not generic over the backend, so its view is compiled once.
#[component]
fn Confirming(
    state: Memo<Option<(&'static str, bool, bool)>>,
    offer: PendingOffer,
    check_again: Callback<()>,
    start_again: Callback<()>,
) -> impl IntoView {
    let tr = tr();
    let name = move || state.get().map_or("checking", |s| s.0);
    let what = offer.membership_name.clone();
    let title = move || {
        tr.t(match name() {
            "pending" => "confirm.pending_title",
            "not-found" => "confirm.not_found_title",
            "unreachable" => "confirm.unreachable_title",
            _ => "confirm.checking_title",
        })
    };
    let body = move || {
        let key = match name() {
            "pending" => "confirm.pending",
            "not-found" => "confirm.not_found",
            "unreachable" => "confirm.unreachable",
            _ => "confirm.checking",
        };
        tr.f(key, &[("membership", &what)])
    };
    let asking = move || state.get().is_some_and(|s| s.1);
    let polling = move || state.get().is_some_and(|s| s.2);
    // Not found, or recorded and not complete (a Uelz purchase is made before its checkout page),
    // while the offer is still open: it may simply not be paid yet.
    let (next_url, expires) = (offer.next_url.clone(), offer.expires_local_ms);
    let open = move || matches!(name(), "not-found" | "pending") && expires > clock_now();
    let node = focus_when_shown();
    view! {
        <section class="mc-notice" data-testid="confirming" data-confirmation=name aria-busy=move || asking().to_string()
            tabindex="-1" node_ref=node>
            <h3 class="mc-notice__title" role="status">{title}</h3>
            <p aria-live="polite">{body}</p>
            <p class="mc-hint">{move || tr.t(if asking() || polling() { "confirm.polling" } else { "confirm.stopped" })}</p>
            <div class="mc-actions">
                <Show when=move || !asking()>
                    <button type="button" class="mc-button mc-button--primary" data-testid="check-again"
                        on:click=move |_| check_again.run(())>
                        {tr.t("confirm.check_again")}
                    </button>
                </Show>
                <Show when=open>
                    <a class="mc-button mc-button--secondary" data-testid="payment-link" href=next_url.clone() rel="noopener"
                        target=if in_frame() { "_top" } else { "_self" }>
                        {tr.t("confirm.back_to_payment")}
                    </a>
                </Show>
                <button type="button" class="mc-button mc-button--secondary" data-testid="start-again" on:click=move |_| start_again.run(())>
                    {tr.t("outcome.choose_again")}
                </button>
            </div>
        </section>
    }
}

#[component]
fn Countdown<S>(checkout: RwSignal<Checkout<S>>, start_again: Callback<()>, offer: PendingOffer, lapses_at: String) -> impl IntoView
where
    S: VendorForm + Send + Sync + 'static,
{
    let tr = tr();
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

    // Said politely on arrival and at a few milestones; the ticking timer itself stays silent.
    let said_first = time_left_words(tr, remaining.get_untracked());
    let milestone = Memo::new(move |_| countdown_milestone(remaining.get()));
    let announcement = Memo::new(move |said: Option<&String>| match (said, milestone.get()) {
        (None, _) => said_first.clone(),
        (Some(_), Some(seconds)) => time_left_words(tr, f64::from(seconds) * 1000.0),
        (Some(said), None) => said.clone(),
    });
    let node = focus_when_shown();

    view! {
        <section class="mc-notice mc-offer" data-testid="offer" tabindex="-1" node_ref=node>
            <h3 class="mc-notice__title">
                {tr.t(if auto {
                    "offer.redirecting"
                } else if new_tab {
                    "offer.new_tab_title"
                } else {
                    "offer.held"
                })}
            </h3>
            <p>
                {tr.t("offer.time_left")}" "
                <strong class="mc-countdown" role="timer" aria-live="off" data-testid="countdown">{move || format_countdown(remaining.get())}</strong>
                " "{tr.f("offer.until", &[("time", &lapses_at)])}
            </p>
            <p class="mc-visually-hidden" aria-live="polite" aria-atomic="true" data-testid="countdown-announcement">{announcement}</p>
            <div class="mc-actions">
                // In a frame the payment page must not open inside it: a new tab when the top page
                // can't be navigated (sandboxed frames), the whole window otherwise.
                <a class="mc-button mc-button--primary" data-testid="payment-link" href=next_url rel="noopener"
                    target=if new_tab { "_blank" } else if in_frame() { "_top" } else { "_self" }>
                    {tr.t(if new_tab { "offer.open_new_tab" } else { "continue" })}
                </a>
                <button type="button" class="mc-button mc-button--secondary" data-testid="start-again" on:click=move |_| start_again.run(())>
                    {tr.t("offer.change")}
                </button>
            </div>
        </section>
    }
}

