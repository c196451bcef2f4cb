//! Accessibility, end to end (WCAG 2.2 AA): the release build in headless Chromium.
//!
//! - axe-core (support/axe.rs) on every state of the TeamUp and Uelz widgets, in the light and the
//!   dark theme and in every locale the widget speaks;
//! - each locale's language and direction on the widget's root (and a mirrored layout in Arabic);
//! - a whole purchase with the keyboard alone, and where focus goes after an error or an offer;
//! - a visible focus indicator on radios, selects and buttons, light and dark;
//! - 3:1 boundaries for form controls and buttons (non-text contrast), light and dark;
//! - reflow at 320 CSS px (also with WCAG text spacing) and at 200 % zoom, without sideways
//!   scrolling, clipped controls or cut-off text;
//! - no motion when the visitor asks for reduced motion (and motion otherwise).
//!
//! Viewport and media emulation go through chromedriver's Chrome DevTools passthrough
//! (support/browser.rs `cdp`). Key presses are WebDriver actions (support/keyboard.rs).
//! Every axe check names the state it checked; a test reports every violation of all its states
//! at once (support/axe.rs `Audit`).
//!
//! `#[ignore]`d like the other browser suites; scripts/test.sh runs them after the release build:
//!
//! ```sh
//! . scripts/env.sh && E2E_DIST=dist cargo test -p checkout-e2e --test a11y -- --ignored --test-threads=1
//! ```

mod support;

use std::time::Duration;

use anyhow::{anyhow, bail, ensure, Context, Result};
use checkout_e2e::HostElement;
use checkout_sandbox::Config;
use fantoccini::key::Key;
use fantoccini::Client;
use serde_json::{json, Value};

use support::axe::Audit;
use support::browser::{cdp, emulate_media, emulate_viewport, run, wait_for};
use support::keyboard::{focused, press, press_shift_tab, tab_until};
use support::pages::{wait_visible, CheckoutPage, PaymentPage, HOSTS};
use support::studio::{
    arm_fault, clear_faults, Studio, PACK, UELZ_MONTHLY, UELZ_REFORMER, UNLIMITED_MONTHLY, UNLIMITED_MONTHLY_PLAN,
};

/// The locales the widget speaks, with the text direction each must get.
const LOCALES: [(&str, &str); 5] = [("en", "ltr"), ("de", "ltr"), ("es", "ltr"), ("fr", "ltr"), ("ar", "rtl")];
const ENGLISH_CONTINUE: &str = "Continue to payment";

// ---- page set-up -----------------------------------------------------------------------------------

/// Opens `path` on the studio's site with nothing remembered from an earlier offer (sessionStorage is
/// cleared from a page of the same origin first), and waits for the catalogue or the loading state.
async fn open_fresh(c: &Client, studio: &Studio, path: &str) -> Result<CheckoutPage> {
    c.goto(&studio.url("/__sandbox/purchases")).await?;
    c.execute("sessionStorage.clear();", vec![]).await?;
    CheckoutPage::open(c, &studio.url(path)).await
}

/// The host page takes over the redirect, as a host may (README, events): the widget keeps the offer
/// on the page with its countdown instead of leaving for the payment page.
async fn hold_offers_on_the_page(c: &Client) -> Result<()> {
    c.execute(
        "document.querySelector(arguments[0]).addEventListener('membership-checkout:redirect', e => e.preventDefault());",
        vec![json!(HOSTS)],
    )
    .await?;
    Ok(())
}

/// The countdown of an offer held on the page (the redirect cancelled by the host).
async fn held_offer(c: &Client, widget: &CheckoutPage) -> Result<()> {
    hold_offers_on_the_page(c).await?;
    widget.press_continue().await?;
    widget.visible("countdown").await?;
    widget.wait_state("redirecting").await
}

/// A form error from the server: the new error summary, or the notice above the button.
const FORM_PROBLEM: &str = "[data-testid=\"error-summary\"], [data-testid=\"form-error\"]";

/// Pressing continue with nothing chosen shows what is missing (field errors, or the summary).
async fn validation_error(widget: &CheckoutPage) -> Result<()> {
    widget.press_continue().await?;
    widget
        .wait_visible("[data-testid=\"membership-error\"], [data-testid=\"plan-error\"], [data-testid=\"error-summary\"]")
        .await?;
    Ok(())
}

/// Uelz: same, with its own fields.
async fn uelz_validation_error(widget: &CheckoutPage) -> Result<()> {
    widget.press_continue().await?;
    widget
        .wait_visible("[data-testid=\"plan-error\"], [data-testid=\"name-error\"], [data-testid=\"email-error\"], [data-testid=\"error-summary\"]")
        .await?;
    Ok(())
}

// ---- keyboard --------------------------------------------------------------------------------------

fn is_radio(v: &Value, name_prefix: &str) -> bool {
    v["tag"] == "input" && v["type"] == "radio" && v["name"].as_str().is_some_and(|n| n.starts_with(name_prefix))
}

/// With focus in a radio group, moves through it with the arrow keys until `value` is focused and
/// checked (Space checks it when focus arrived without checking it).
async fn arrow_to_radio(c: &Client, name_prefix: &str, value: &str) -> Result<()> {
    for _ in 0..20 {
        let now = focused(c).await?;
        ensure!(is_radio(&now, name_prefix), "focus left the {name_prefix} radio group: {now}");
        if now["value"] == value {
            if !now["checked"].as_bool().unwrap_or(false) {
                press(c, Key::Space).await?;
            }
            return Ok(());
        }
        press(c, Key::Down).await?;
    }
    bail!("radio {name_prefix}={value} never got focus with the arrow keys")
}

/// `host.shadowRoot.activeElement`'s data-testid, waiting until it is `want`.
async fn wait_focus_on(c: &Client, want: &str) -> Result<()> {
    let seen = std::sync::Mutex::new(Value::Null);
    wait_for(&format!("focus on [data-testid={want}] in the widget"), || async {
        let now = c
            .execute(
                "const host = document.querySelector(arguments[0]);\n\
                 const a = host && host.shadowRoot && host.shadowRoot.activeElement;\n\
                 return a ? { tag: a.tagName.toLowerCase(), testid: a.getAttribute('data-testid'), class: a.className, text: (a.innerText || '').trim().slice(0, 80) } : null;",
                vec![json!(HOSTS)],
            )
            .await?;
        let hit = now["testid"] == want;
        *seen.lock().unwrap() = now;
        Ok(hit.then_some(()))
    })
    .await
    .with_context(|| format!("the widget's focused element is {}", seen.lock().unwrap()))
}

// ---- a. axe in every state of the TeamUp widget ------------------------------------------------------

/// Every state of the TeamUp widget, light theme: loading, catalogue, plan chosen, class chosen,
/// validation error, server error, countdown, lapsed, paid, cancelled, load error; also signed out
/// (sign in on continue) and a configuration error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and a release build: run by scripts/test.sh"]
async fn axe_every_teamup_state() {
    run("axe_every_teamup_state", |c| async move {
        let studio = Studio::start_with(
            Config::demo(),
            &[
                ("no-provider.html", HostElement::demo().without("data-provider-id")),
                ("sign-in.html", HostElement::demo().without("data-token").with("data-client-id", "membership-checkout-demo")),
            ],
        )
        .await?;
        let mut audit = teamup_states(&c, &studio, "/", "light", Audit::new(), true).await?;

        let widget = open_fresh(&c, &studio, "/sign-in.html").await?;
        widget.wait_state("browsing").await?;
        widget.visible("sign-in-hint").await?;
        audit.check(&c, HOSTS, "TeamUp · light · signed out (sign in on continue)").await?;

        let widget = CheckoutPage::open(&c, &studio.url("/no-provider.html")).await?;
        widget.wait_state("config-error").await?;
        audit.check(&c, HOSTS, "TeamUp · light · configuration error (no provider id)").await?;
        audit.finish()
    })
    .await;
}

/// Goes through the TeamUp states on `path` and checks each with axe; `all` adds the paid and
/// cancelled outcomes, the loading state and lapsing.
async fn teamup_states(c: &Client, studio: &Studio, path: &str, theme: &str, mut audit: Audit, all: bool) -> Result<Audit> {
    let name = |state: &str| format!("TeamUp · {theme} · {state}");

    if all {
        c.goto(&studio.url("/__sandbox/purchases")).await?;
        arm_fault(c, "teamup.memberships", "latency", 1, json!({ "ms": 4000 })).await?;
        let widget = open_fresh(c, studio, path).await?;
        widget.wait_state("loading").await?;
        audit.check(c, HOSTS, &name("loading")).await?;
    }

    let widget = open_fresh(c, studio, path).await?;
    widget.wait_state("browsing").await?;
    widget.visible("memberships").await?;
    audit.check(c, HOSTS, &name("catalogue")).await?;

    validation_error(&widget).await?;
    audit.check(c, HOSTS, &name("validation error (continue with nothing chosen)")).await?;

    widget.choose_membership(UNLIMITED_MONTHLY).await?;
    widget.choose_plan(UNLIMITED_MONTHLY_PLAN).await?;
    audit.check(c, HOSTS, &name("plan chosen (membership 103, plan 1032)")).await?;

    widget.choose_event_for(UNLIMITED_MONTHLY).await?;
    audit.check(c, HOSTS, &name("class chosen")).await?;

    // A 500 from initiate_purchase: the outcome is unknown, the customer is told and may try again.
    studio.inject_fault("teamup.initiate_purchase", "status_500", 1)?;
    widget.press_continue().await?;
    widget.wait_visible(FORM_PROBLEM).await?;
    widget.wait_state("browsing").await?;
    audit.check(c, HOSTS, &name("server error (500 on initiate_purchase)")).await?;

    let widget = open_fresh(c, studio, path).await?;
    widget.choose_membership(PACK).await?;
    held_offer(c, &widget).await?;
    audit.check(c, HOSTS, &name("countdown (offer held on the page)")).await?;

    if all {
        for pay in [true, false] {
            let widget = open_fresh(c, studio, path).await?;
            widget.choose_membership(PACK).await?;
            widget.press_continue().await?;
            let payment = PaymentPage::wait(c).await?;
            let widget = CheckoutPage::on(c);
            if pay {
                payment.pay().await?;
                widget.wait_outcome("paid").await?;
                widget.wait_state("outcome").await?;
                audit.check(c, HOSTS, &name("outcome paid (confirmed by the API)")).await?;
            } else {
                // Cancelled: the API has no purchase, and the widget says so.
                payment.cancel().await?;
                widget.wait_confirmation("not-found").await?;
                widget.wait_state("confirming").await?;
                audit.check(c, HOSTS, &name("no purchase found (cancelled)")).await?;
            }
        }

        let quick = Studio::with_offer_lifetime(Duration::from_secs(3)).await?;
        let widget = open_fresh(c, &quick, "/").await?;
        widget.choose_membership(PACK).await?;
        held_offer(c, &widget).await?;
        widget.visible("lapsed").await?;
        widget.wait_state("lapsed").await?;
        audit.check(c, HOSTS, &name("lapsed (the held offer ran out)")).await?;
    }

    // Every read of the memberships fails (however often it is retried) until the fault is cleared.
    c.goto(&studio.url("/__sandbox/purchases")).await?;
    arm_fault(c, "teamup.memberships", "status_500", 0, json!({})).await?;
    let widget = open_fresh(c, studio, path).await?;
    widget.visible("load-error").await?;
    widget.wait_state("load-error").await?;
    audit.check(c, HOSTS, &name("load error (500 on the memberships list)")).await?;
    clear_faults(c).await?;
    Ok(audit)
}

/// The Uelz widget through the gateway: plans, start date, coupon refused and applied, validation
/// errors, countdown, server error, load error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and a release build: run by scripts/test.sh"]
async fn axe_every_uelz_state() {
    run("axe_every_uelz_state", |c| async move {
        let studio = Studio::with_gateway(|_| vec![]).await?;
        uelz_states(&c, &studio, "/uelz.html", "light", Audit::new()).await?.finish()
    })
    .await;
}

async fn uelz_states(c: &Client, studio: &Studio, path: &str, theme: &str, mut audit: Audit) -> Result<Audit> {
    let name = |state: &str| format!("Uelz · {theme} · {state}");
    let widget = open_fresh(c, studio, path).await?;
    widget.wait_state("browsing").await?;
    widget.visible("plans").await?;
    audit.check(c, HOSTS, &name("plans")).await?;

    uelz_validation_error(&widget).await?;
    audit.check(c, HOSTS, &name("validation errors (continue with nothing filled in)")).await?;

    widget.choose_uelz_plan(UELZ_REFORMER).await?;
    widget.visible("activation-date").await?;
    audit.check(c, HOSTS, &name("plan with a start date chosen")).await?;

    widget.choose_uelz_plan(UELZ_MONTHLY).await?;
    widget.type_into("coupon-input", "NOPE").await?;
    widget.click("coupon-apply").await?;
    widget.visible("coupon-error").await?;
    audit.check(c, HOSTS, &name("coupon refused (NOPE)")).await?;

    widget.type_into("coupon-input", "WELCOME10").await?;
    widget.click("coupon-apply").await?;
    widget.visible("coupon-applied").await?;
    audit.check(c, HOSTS, &name("coupon applied (WELCOME10)")).await?;

    widget.type_into("customer-name", "Alex Runner").await?;
    widget.type_into("customer-email", "alex@example.com").await?;
    held_offer(c, &widget).await?;
    audit.check(c, HOSTS, &name("countdown (offer held on the page)")).await?;

    // Every attempt at the purchase fails (Uelz purchases are retried, being idempotent).
    c.goto(&studio.url("/__sandbox/purchases")).await?;
    arm_fault(c, "uelz.purchases.create", "status_500", 0, json!({})).await?;
    let widget = open_fresh(c, studio, path).await?;
    widget.choose_uelz_plan(UELZ_MONTHLY).await?;
    widget.type_into("customer-name", "Alex Runner").await?;
    widget.type_into("customer-email", "alex@example.com").await?;
    widget.press_continue().await?;
    widget.wait_visible(FORM_PROBLEM).await?;
    widget.wait_state("browsing").await?;
    audit.check(c, HOSTS, &name("server error (500 on every purchase attempt)")).await?;
    clear_faults(c).await?;

    arm_fault(c, "uelz.plans", "status_500", 0, json!({})).await?;
    let widget = open_fresh(c, studio, path).await?;
    widget.visible("load-error").await?;
    widget.wait_state("load-error").await?;
    audit.check(c, HOSTS, &name("load error (500 on the plans)")).await?;
    clear_faults(c).await?;
    Ok(audit)
}

// ---- b. dark theme ---------------------------------------------------------------------------------

/// The same checks with `data-theme="dark"` on the host (and once with no theme attribute and the
/// visitor's `prefers-color-scheme: dark`): axe's color-contrast rule covers AA contrast.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and a release build: run by scripts/test.sh"]
async fn axe_dark_theme() {
    run("axe_dark_theme", |c| async move {
        let studio = Studio::with_gateway(|api| {
            vec![
                ("dark.html", HostElement::demo().with("data-theme", "dark")),
                ("uelz-dark.html", HostElement::uelz(api).with("data-theme", "dark")),
            ]
        })
        .await?;
        let mut audit = teamup_states(&c, &studio, "/dark.html", "dark", Audit::new(), false).await?;
        audit = uelz_states(&c, &studio, "/uelz-dark.html", "dark", audit).await?;

        emulate_media(&c, &[("prefers-color-scheme", "dark")]).await?;
        let widget = open_fresh(&c, &studio, "/").await?;
        widget.visible("memberships").await?;
        let background = widget_colour(&c, "backgroundColor").await?;
        ensure!(luminance(&background)? < 0.2, "prefers-color-scheme: dark without a theme attribute should give a dark widget, its background is {background}");
        audit.check(&c, HOSTS, "TeamUp · dark (prefers-color-scheme) · catalogue").await?;
        validation_error(&widget).await?;
        audit.check(&c, HOSTS, "TeamUp · dark (prefers-color-scheme) · validation error").await?;
        emulate_media(&c, &[]).await?;
        audit.finish()
    })
    .await;
}

/// A computed style property of the widget's root.
async fn widget_colour(c: &Client, property: &str) -> Result<String> {
    let v = c
        .execute(
            "const root = document.querySelector(arguments[0]).shadowRoot.querySelector('[data-testid=checkout]');\n\
             return getComputedStyle(root)[arguments[1]];",
            vec![json!(HOSTS), json!(property)],
        )
        .await?;
    Ok(v.as_str().unwrap_or_default().to_string())
}

fn rgb(css: &str) -> Result<[f64; 3]> {
    let inner = css
        .trim()
        .strip_prefix("rgba(")
        .or_else(|| css.trim().strip_prefix("rgb("))
        .and_then(|s| s.strip_suffix(')'))
        .ok_or_else(|| anyhow!("not an rgb() colour: {css}"))?;
    let parts: Vec<f64> = inner.split([',', ' ', '/']).filter(|s| !s.is_empty()).filter_map(|s| s.parse().ok()).collect();
    ensure!(parts.len() >= 3, "not an rgb() colour: {css}");
    Ok([parts[0], parts[1], parts[2]])
}

/// WCAG relative luminance of an `rgb()` colour.
fn luminance(css: &str) -> Result<f64> {
    let lin = |c: f64| {
        let c = c / 255.0;
        if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    let [r, g, b] = rgb(css)?;
    Ok(0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b))
}

fn contrast(a: &str, b: &str) -> Result<f64> {
    let (la, lb) = (luminance(a)?, luminance(b)?);
    Ok((la.max(lb) + 0.05) / (la.min(lb) + 0.05))
}

// ---- c. locales ------------------------------------------------------------------------------------

fn locale_pages() -> Vec<(&'static str, HostElement)> {
    LOCALES
        .iter()
        .map(|(locale, _)| {
            let page: &'static str = Box::leak(format!("{locale}.html").into_boxed_str());
            (page, HostElement::demo().with("data-locale", locale))
        })
        .collect()
}

/// axe in every locale (`data-locale`): catalogue, validation error, plan chosen, countdown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and a release build: run by scripts/test.sh"]
async fn axe_every_locale() {
    run("axe_every_locale", |c| async move {
        let studio = Studio::start_with(Config::demo(), &locale_pages()).await?;
        let mut audit = Audit::new();
        for (locale, _) in LOCALES {
            let widget = open_fresh(&c, &studio, &format!("/{locale}.html")).await?;
            widget.wait_state("browsing").await?;
            widget.visible("memberships").await?;
            audit.check(&c, HOSTS, &format!("TeamUp · {locale} · catalogue")).await?;
            validation_error(&widget).await?;
            audit.check(&c, HOSTS, &format!("TeamUp · {locale} · validation error")).await?;
            widget.choose_membership(UNLIMITED_MONTHLY).await?;
            widget.choose_plan(UNLIMITED_MONTHLY_PLAN).await?;
            audit.check(&c, HOSTS, &format!("TeamUp · {locale} · plan chosen")).await?;
            held_offer(&c, &widget).await?;
            audit.check(&c, HOSTS, &format!("TeamUp · {locale} · countdown")).await?;
        }
        audit.finish()
    })
    .await;
}

/// Each locale's language on the root (`lang`), its direction (`dir`, computed `direction`), a
/// translated continue button, and in Arabic a mirrored layout. WAITS ON the widget's translations.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and a release build: run by scripts/test.sh"]
async fn every_locale_sets_language_and_direction() {
    run("every_locale_sets_language_and_direction", |c| async move {
        let studio = Studio::start_with(Config::demo(), &locale_pages()).await?;
        let mut problems = Vec::new();
        for (locale, dir) in LOCALES {
            let widget = open_fresh(&c, &studio, &format!("/{locale}.html")).await?;
            widget.wait_state("browsing").await?;
            widget.visible("memberships").await?;
            let seen = c
                .execute(
                    "const root = document.querySelector(arguments[0]).shadowRoot.querySelector('[data-testid=checkout]');\n\
                     const option = root.querySelector('[data-testid=memberships] .mc-option');\n\
                     const input = option.querySelector('input'), name = option.querySelector('.mc-option__name');\n\
                     const button = root.querySelector('button[data-testid=continue]');\n\
                     return { lang: root.getAttribute('lang'), dir: root.getAttribute('dir'), direction: getComputedStyle(root).direction,\n\
                              isMc: root.classList.contains('mc'), button: button ? button.textContent.trim() : null,\n\
                              inputLeft: input.getBoundingClientRect().left, inputRight: input.getBoundingClientRect().right,\n\
                              nameLeft: name.getBoundingClientRect().left, nameRight: name.getBoundingClientRect().right };",
                    vec![json!(HOSTS)],
                )
                .await?;
            let mut bad = |what: String| problems.push(format!("{locale}: {what}"));
            if !seen["isMc"].as_bool().unwrap_or(false) {
                bad("the root [data-testid=checkout] is not .mc".into());
            }
            let lang = seen["lang"].as_str().unwrap_or_default();
            if lang.split('-').next() != Some(locale) {
                bad(format!("root lang is {:?}, expected {locale:?} (or {locale}-…)", seen["lang"]));
            }
            if seen["dir"] != dir {
                bad(format!("root dir is {:?}, expected {dir:?}", seen["dir"]));
            }
            if seen["direction"] != dir {
                bad(format!("root's computed direction is {}, expected {dir}", seen["direction"]));
            }
            let button = seen["button"].as_str().unwrap_or_default();
            if button.is_empty() {
                bad("no continue button".into());
            } else if locale != "en" && button == ENGLISH_CONTINUE {
                bad(format!("the continue button is still English: {button:?}"));
            } else if locale == "en" && button != ENGLISH_CONTINUE {
                bad(format!("the English continue button says {button:?}"));
            }
            let f = |k: &str| seen[k].as_f64().unwrap_or(f64::NAN);
            if dir == "rtl" && f("inputLeft") < f("nameRight") - 1.0 {
                bad(format!(
                    "layout not mirrored: a membership's radio [{:.0}–{:.0}] should be right of its name [{:.0}–{:.0}]",
                    f("inputLeft"), f("inputRight"), f("nameLeft"), f("nameRight")
                ));
            }
            if dir == "ltr" && f("inputRight") > f("nameLeft") + 1.0 {
                bad(format!("a membership's radio should be left of its name in {locale}"));
            }
        }
        ensure!(problems.is_empty(), "locale problems:\n  {}", problems.join("\n  "));
        Ok(())
    })
    .await;
}

// ---- d. keyboard only ------------------------------------------------------------------------------

/// A whole TeamUp purchase with the keyboard alone, from the top of the page: membership 103 and plan
/// 1032 with the arrow keys, a class in the select with the arrow keys, Enter on continue, then on the
/// sandbox's payment page Tab to Pay and Enter, and back to the outcome.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and a release build: run by scripts/test.sh"]
async fn keyboard_only_purchase() {
    run("keyboard_only_purchase", |c| async move {
        // English, and Arabic: right to left, where the arrow keys' sides swap.
        let studio = Studio::start_with(Config::demo(), &locale_pages()).await?;
        for path in ["/", "/ar.html"] {
            keyboard_purchase(&c, &studio, path).await.with_context(|| format!("on {path}"))?;
        }
        Ok(())
    })
    .await;
}

/// A whole TeamUp purchase (membership 103, plan 1032 and a class) with the keyboard alone.
async fn keyboard_purchase(c: &Client, studio: &Studio, path: &str) -> Result<()> {
    let widget = open_fresh(c, studio, path).await?;
    widget.wait_state("browsing").await?;
    widget.visible("memberships").await?;
    ensure!(focused(c).await?.is_null(), "focus should start on the page itself, it is on {}", focused(c).await?);

    tab_until(c, "a membership radio", 5, false, |f| is_radio(f, "membership")).await?;
    arrow_to_radio(c, "membership", &UNLIMITED_MONTHLY.to_string()).await?;
    widget.visible("plans").await?;
    wait_for("the payment plans", || async { Ok((!widget.find_all("[data-testid=plans] input[type=radio]").await?.is_empty()).then_some(())) }).await?;

    tab_until(c, "a payment plan radio", 3, false, |f| is_radio(f, "plan")).await?;
    arrow_to_radio(c, "plan", &UNLIMITED_MONTHLY_PLAN.to_string()).await?;

    wait_for("classes in the class select", || async {
        Ok(widget.options("event-select").await.ok().filter(|o| !o.is_empty()).map(|_| ()))
    })
    .await?;
    tab_until(c, "the class select", 3, false, |f| f["testid"] == "event-select").await?;
    press(c, Key::Down).await?;
    let event = focused(c).await?["value"].as_str().unwrap_or_default().to_string();
    ensure!(!event.is_empty(), "ArrowDown on the class select chose no class");
    let rows = widget.find_all("[data-testid=summary] dl > div").await?.len();
    ensure!(rows == 3, "the summary should show membership, plan and the class chosen with the keyboard: {rows} rows");

    let button = tab_until(c, "the continue button", 6, false, |f| f["testid"] == "continue").await?;
    ensure!(button["tag"] == "button", "continue is a button: {button}");
    // Shift+Tab goes back the way it came, and Tab returns.
    let back = press_shift_tab(c).await.and(focused(c).await)?;
    ensure!(back["testid"] == "slot-select", "Shift+Tab from continue should reach the appointment select, it reached {back}");
    tab_until(c, "the continue button again", 1, false, |f| f["testid"] == "continue").await?;
    press(c, Key::Enter).await?;

    let payment = PaymentPage::wait(c).await?;
    let pay = tab_until(c, "the Pay button on the payment page", 10, false, |f| f["testid"] == "pay").await?;
    ensure!(!pay["inWidget"].as_bool().unwrap_or(true), "on the payment page: {pay}");
    press(c, Key::Enter).await?;
    drop(payment);

    let widget = CheckoutPage::on(c);
    widget.wait_outcome("paid").await?;
    let purchases = studio.purchases()?;
    let purchase = purchases.last().context("no purchase was made")?;
    ensure!(purchase["status"] == "paid", "paid: {purchase}");
    ensure!(purchase["membership"] == json!(UNLIMITED_MONTHLY), "membership: {purchase}");
    ensure!(purchase["payment_plan"] == json!(UNLIMITED_MONTHLY_PLAN), "plan: {purchase}");
    ensure!(purchase["event"].to_string().trim_matches('"') == event, "event {event}: {purchase}");
    ensure!(purchase["appointment_slot"].is_null(), "no appointment: {purchase}");
    Ok(())
}

/// Where focus goes (the contract for the widget's focus management; WAITS ON it): to the error
/// summary after continue with nothing chosen and after a server error, to the held offer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and a release build: run by scripts/test.sh"]
async fn keyboard_focus_moves() {
    run("keyboard_focus_moves", |c| async move {
        let studio = Studio::start().await?;
        let widget = open_fresh(&c, &studio, "/").await?;
        widget.visible("memberships").await?;
        // Each miss is noted and the test goes on, so one run tells about all three.
        let mut misses = Vec::new();
        tab_until(&c, "the continue button", 12, false, |f| f["testid"] == "continue").await?;
        press(&c, Key::Enter).await?;
        validation_error(&widget).await?;
        if let Err(e) = wait_focus_on(&c, "error-summary").await {
            misses.push(format!("after continue with nothing chosen: {e:#}"));
        }

        // Choose with the keyboard, then the server fails the purchase.
        tab_until(&c, "a membership radio", 15, true, |f| is_radio(f, "membership")).await?;
        arrow_to_radio(&c, "membership", &PACK.to_string()).await?;
        studio.inject_fault("teamup.initiate_purchase", "status_500", 1)?;
        tab_until(&c, "the continue button", 12, false, |f| f["testid"] == "continue").await?;
        press(&c, Key::Enter).await?;
        widget.wait_visible(FORM_PROBLEM).await?;
        if let Err(e) = wait_focus_on(&c, "error-summary").await {
            misses.push(format!("after a server error (500 on initiate_purchase): {e:#}"));
        }

        // The host keeps the offer on the page: focus on the offer with its countdown.
        hold_offers_on_the_page(&c).await?;
        tab_until(&c, "the continue button", 12, false, |f| f["testid"] == "continue").await?;
        press(&c, Key::Enter).await?;
        widget.visible("countdown").await?;
        if let Err(e) = wait_focus_on(&c, "offer").await {
            misses.push(format!("when the offer is held on the page: {e:#}"));
        }
        ensure!(misses.is_empty(), "focus did not move where the contract says:\n  {}", misses.join("\n  "));
        Ok(())
    })
    .await;
}

// ---- e. visible focus ------------------------------------------------------------------------------

/// After tabbing to a radio, a select and a button, the focused element (for a radio, its option
/// label) shows a focus indicator: an outline of 2 px or more (or a box-shadow) whose colour
/// contrasts 3:1 with the widget's background, in the light and the dark theme.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and a release build: run by scripts/test.sh"]
async fn focus_is_visible_in_light_and_dark() {
    run("focus_is_visible_in_light_and_dark", |c| async move {
        let studio = Studio::start_with(Config::demo(), &[("dark.html", HostElement::demo().with("data-theme", "dark"))]).await?;
        let mut problems = Vec::new();
        for (theme, path) in [("light", "/"), ("dark", "/dark.html")] {
            let widget = open_fresh(&c, &studio, path).await?;
            widget.visible("memberships").await?;
            tab_until(&c, "a membership radio", 5, false, |f| is_radio(f, "membership")).await?;
            problems.extend(focus_indicator(&c, theme, "membership radio (its label)").await?);
            arrow_to_radio(&c, "membership", &UNLIMITED_MONTHLY.to_string()).await?;
            wait_for("the payment plans", || async { Ok((!widget.find_all("[data-testid=plans] input[type=radio]").await?.is_empty()).then_some(())) }).await?;
            wait_for("classes", || async { Ok(widget.options("event-select").await.ok().filter(|o| !o.is_empty()).map(|_| ())) }).await?;
            tab_until(&c, "the class select", 4, false, |f| f["testid"] == "event-select").await?;
            problems.extend(focus_indicator(&c, theme, "class select").await?);
            tab_until(&c, "the continue button", 6, false, |f| f["testid"] == "continue").await?;
            problems.extend(focus_indicator(&c, theme, "continue button").await?);
        }
        ensure!(problems.is_empty(), "focus not visible enough:\n  {}", problems.join("\n  "));
        Ok(())
    })
    .await;
}

/// Problems with the focus indicator of what has focus in the widget now.
async fn focus_indicator(c: &Client, theme: &str, what: &str) -> Result<Vec<String>> {
    let seen = c
        .execute(
            "const host = document.querySelector(arguments[0]);\n\
             const root = host.shadowRoot.querySelector('[data-testid=checkout]');\n\
             const a = host.shadowRoot.activeElement;\n\
             if (!a) return null;\n\
             const cx = Object.assign(document.createElement('canvas'), { width: 1, height: 1 }).getContext('2d', { willReadFrequently: true });\n\
             const rgb = css => { cx.clearRect(0, 0, 1, 1); cx.fillStyle = css; cx.fillRect(0, 0, 1, 1); const d = cx.getImageData(0, 0, 1, 1).data; return `rgb(${d[0]}, ${d[1]}, ${d[2]})`; };\n\
             const look = el => { const s = getComputedStyle(el); return { tag: el.tagName.toLowerCase(), outlineStyle: s.outlineStyle,\n\
                 outlineWidth: parseFloat(s.outlineWidth) || 0, outlineColor: rgb(s.outlineColor), boxShadow: s.boxShadow }; };\n\
             const own = look(a);\n\
             const label = a.type === 'radio' || a.type === 'checkbox' ? (a.closest('label') || (a.labels && a.labels[0])) : null;\n\
             return { own, label: label ? look(label) : null, background: rgb(getComputedStyle(root).backgroundColor), focusVisible: a.matches(':focus-visible') };",
            vec![json!(HOSTS)],
        )
        .await?;
    if seen.is_null() {
        return Ok(vec![format!("{theme} · {what}: nothing in the widget has focus")]);
    }
    let background = seen["background"].as_str().unwrap_or_default().to_string();
    let judge = |s: &Value| -> Option<String> {
        let style = s["outlineStyle"].as_str().unwrap_or("none");
        let width = s["outlineWidth"].as_f64().unwrap_or(0.0);
        let shadow = s["boxShadow"].as_str().unwrap_or("none");
        if style != "none" && width >= 2.0 {
            let colour = s["outlineColor"].as_str().unwrap_or_default();
            return match contrast(colour, &background) {
                Ok(ratio) if ratio >= 3.0 => None,
                Ok(ratio) => Some(format!("outline {colour} has {ratio:.2}:1 against the background {background} (needs 3:1)")),
                Err(e) => Some(format!("{e}")),
            };
        }
        if shadow != "none" && !shadow.is_empty() {
            return None;
        }
        Some(format!("no indicator on <{}>: outline {style} {width}px, box-shadow {shadow}", s["tag"].as_str().unwrap_or("?")))
    };
    let verdict = match (judge(&seen["own"]), seen["label"].is_null()) {
        (None, _) => None,
        (Some(_), false) => judge(&seen["label"]).map(|l| format!("{l} (and on the control: {})", judge(&seen["own"]).unwrap_or_default())),
        (Some(own), true) => Some(own),
    };
    Ok(verdict.map(|v| format!("{theme} · {what}: {v}")).into_iter().collect())
}

/// Form controls' and buttons' boundaries against what surrounds them (WCAG 1.4.11, 3:1): a border
/// of that contrast, or a fill of that contrast. Problems, one line each.
async fn boundary_problems(c: &Client, state: &str) -> Result<Vec<String>> {
    let found = c
        .execute(
            r#"
const root = document.querySelector(arguments[0]).shadowRoot.querySelector('[data-testid=checkout]');
// Any CSS colour (rgb(), color(srgb …) from color-mix, light-dark …) as sRGB bytes, by painting it.
const cx = Object.assign(document.createElement('canvas'), { width: 1, height: 1 }).getContext('2d', { willReadFrequently: true });
const rgba = css => { cx.clearRect(0, 0, 1, 1); cx.fillStyle = 'rgba(0, 0, 0, 0)'; cx.fillStyle = css; cx.fillRect(0, 0, 1, 1); const d = cx.getImageData(0, 0, 1, 1).data; return [d[0], d[1], d[2], d[3] / 255]; };
const lum = ([r, g, b]) => { const f = c => { c /= 255; return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)]; return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
const behind = el => { for (let p = el.parentElement; p; p = p.parentElement) { const c = rgba(getComputedStyle(p).backgroundColor); if (c && c[3] > 0.5) return c; } return [255, 255, 255, 1]; };
const out = [];
for (const el of root.querySelectorAll('select, input:not([type=radio]):not([type=checkbox]), .mc-button')) {
  const r = el.getBoundingClientRect();
  if (!r.width || !r.height || el.disabled) continue;
  const s = getComputedStyle(el), around = behind(el);
  const border = rgba(s.borderTopColor), fill = rgba(s.backgroundColor);
  const borderRatio = parseFloat(s.borderTopWidth) >= 1 && border && border[3] > 0.5 ? ratio(border, around) : 0;
  const fillRatio = fill && fill[3] > 0.5 ? ratio(fill, around) : 0;
  if (Math.max(borderRatio, fillRatio) < 3) {
    const what = el.tagName.toLowerCase() + (el.dataset.testid ? `[data-testid=${el.dataset.testid}]` : '');
    out.push(`${what}: border rgb(${border.slice(0, 3)}) ${borderRatio.toFixed(2)}:1, fill rgb(${fill.slice(0, 3)}) ${fillRatio.toFixed(2)}:1 against ${JSON.stringify(around)} (needs 3:1)`);
  }
}
return out;
"#,
            vec![json!(HOSTS)],
        )
        .await?;
    Ok(found
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).map(|p| format!("{state}: {p}")).collect())
        .unwrap_or_default())
}

/// Selects, text and date inputs and buttons stand out 3:1 from their surroundings (WCAG 1.4.11),
/// in the light and the dark theme, TeamUp and Uelz.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and a release build: run by scripts/test.sh"]
async fn control_boundaries_contrast_3_to_1() {
    run("control_boundaries_contrast_3_to_1", |c| async move {
        let studio = Studio::with_gateway(|api| {
            vec![
                ("dark.html", HostElement::demo().with("data-theme", "dark")),
                ("uelz-dark.html", HostElement::uelz(api).with("data-theme", "dark")),
            ]
        })
        .await?;
        let mut problems = Vec::new();
        for (theme, teamup, uelz) in [("light", "/", "/uelz.html"), ("dark", "/dark.html", "/uelz-dark.html")] {
            let widget = open_fresh(&c, &studio, teamup).await?;
            widget.choose_membership(UNLIMITED_MONTHLY).await?;
            widget.choose_plan(UNLIMITED_MONTHLY_PLAN).await?;
            wait_for("classes", || async { Ok(widget.options("event-select").await.ok().filter(|o| !o.is_empty()).map(|_| ())) }).await?;
            problems.extend(boundary_problems(&c, &format!("TeamUp · {theme} · plan chosen")).await?);
            studio.inject_fault("teamup.initiate_purchase", "status_500", 1)?;
            widget.press_continue().await?;
            widget.wait_visible(FORM_PROBLEM).await?;
            problems.extend(boundary_problems(&c, &format!("TeamUp · {theme} · server error")).await?);

            let widget = open_fresh(&c, &studio, uelz).await?;
            widget.choose_uelz_plan(UELZ_REFORMER).await?;
            widget.visible("activation-date").await?;
            problems.extend(boundary_problems(&c, &format!("Uelz · {theme} · start date, coupon, details")).await?);
        }
        ensure!(problems.is_empty(), "control boundaries below 3:1:\n  {}", problems.join("\n  "));
        Ok(())
    })
    .await;
}

// ---- f. reflow ---------------------------------------------------------------------------------------

/// What overflows sideways: the page, the widget, or an element inside it (controls must lie within
/// the widget's box and the viewport, and text within its element).
async fn overflow_problems(c: &Client, state: &str) -> Result<Vec<String>> {
    let found = c
        .execute(
            r#"
const host = document.querySelector(arguments[0]);
const root = host.shadowRoot.querySelector('[data-testid=checkout]');
const vw = document.documentElement.clientWidth;
const out = [];
const name = el => el.tagName.toLowerCase() + (el.dataset.testid ? `[data-testid=${el.dataset.testid}]` : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
if (document.documentElement.scrollWidth > vw + 1) out.push(`the page scrolls sideways: document scrollWidth ${document.documentElement.scrollWidth} > viewport ${vw}`);
if (root.scrollWidth > root.clientWidth + 1) out.push(`the widget scrolls sideways: scrollWidth ${root.scrollWidth} > clientWidth ${root.clientWidth}`);
const rr = root.getBoundingClientRect();
for (const el of root.querySelectorAll('*')) {
  if (el.closest('.mc-visually-hidden')) continue;
  const r = el.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) continue;
  const control = el.matches('input, select, button, a[href], textarea, label');
  if (control && (r.left < rr.left - 1 || r.right > rr.right + 1)) out.push(`${name(el)} lies outside the widget: [${r.left.toFixed(0)}, ${r.right.toFixed(0)}] vs [${rr.left.toFixed(0)}, ${rr.right.toFixed(0)}]`);
  if (control && (r.left < -1 || r.right > vw + 1)) out.push(`${name(el)} lies outside the viewport (${vw}px): [${r.left.toFixed(0)}, ${r.right.toFixed(0)}]`);
  const s = getComputedStyle(el);
  if (s.display !== 'inline' && el.tagName !== 'SELECT' && el.tagName !== 'OPTION' && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0)
    out.push(`${name(el)}'s content is wider than it (${el.scrollWidth} > ${el.clientWidth}, overflow-x ${s.overflowX})`);
  const clips = v => v === 'hidden' || v === 'clip';
  if (el.tagName !== 'SELECT' && el.tagName !== 'INPUT' && (clips(s.overflowY) || clips(s.overflowX)) && el.scrollHeight > el.clientHeight + 1)
    out.push(`${name(el)} cuts its content off (${el.scrollHeight}px of text in ${el.clientHeight}px, overflow ${s.overflowX} ${s.overflowY})`);
}
return out;
"#,
            vec![json!(HOSTS)],
        )
        .await?;
    Ok(counted(state, &found))
}

/// `state: problem` lines, one per distinct problem, with `(×N)` when several elements have it.
fn counted(state: &str, found: &Value) -> Vec<String> {
    let mut lines: Vec<(String, usize)> = Vec::new();
    for p in found.as_array().into_iter().flatten().filter_map(Value::as_str) {
        // The same problem on several elements differs only in its figures: group by the words.
        let key: String = p.chars().filter(|c| !c.is_ascii_digit()).collect();
        match lines.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += 1,
            None => lines.push((key, 1)),
        }
    }
    let mut firsts = Vec::new();
    for p in found.as_array().into_iter().flatten().filter_map(Value::as_str) {
        let key: String = p.chars().filter(|c| !c.is_ascii_digit()).collect();
        if let Some(pos) = lines.iter().position(|(k, _)| *k == key) {
            let (_, n) = lines.remove(pos);
            firsts.push(if n > 1 { format!("{state}: {p} (×{n})") } else { format!("{state}: {p}") });
        }
    }
    firsts
}

/// WCAG 1.4.12's text spacing, as a reader's own style sheet sets it (line height 1.5, paragraph
/// spacing 2em, letter spacing 0.12em, word spacing 0.16em), added to the widget's shadow root.
async fn text_spacing(c: &Client) -> Result<()> {
    c.execute(
        "const root = document.querySelector(arguments[0]).shadowRoot;\n\
         const sheet = new CSSStyleSheet();\n\
         sheet.replaceSync('.mc, .mc * { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; } .mc p { margin-bottom: 2em !important; }');\n\
         root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];",
        vec![json!(HOSTS)],
    )
    .await?;
    Ok(())
}

/// At 320 CSS px (WCAG 1.4.10; also with WCAG 1.4.12's text spacing), at 200 % zoom (640 CSS px at
/// 2 device pixels each), and at 200 % zoom with the widget's text doubled (`--mc-font-size: 32px`):
/// no sideways scrolling, every control inside the widget and the viewport, no text cut off, in the
/// TeamUp and the Uelz widget's busiest states.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and a release build: run by scripts/test.sh"]
async fn reflows_at_320px_and_200_percent() {
    run("reflows_at_320px_and_200_percent", |c| async move {
        let studio = Studio::with_gateway(|api| {
            vec![
                ("big-text.html", HostElement::demo().with("style", "--mc-font-size: 32px")),
                ("uelz-big-text.html", HostElement::uelz(api).with("style", "--mc-font-size: 32px")),
            ]
        })
        .await?;
        let mut problems = Vec::new();
        for (label, width, height, scale, teamup, uelz) in [
            ("320px", 320, 640, 1.0, "/", "/uelz.html"),
            ("320px + text spacing", 320, 640, 1.0, "/", "/uelz.html"),
            ("200% zoom", 640, 450, 2.0, "/", "/uelz.html"),
            ("200% zoom + 32px text", 640, 450, 2.0, "/big-text.html", "/uelz-big-text.html"),
        ] {
            emulate_viewport(&c, width, height, scale).await?;
            let spacing = label.contains("text spacing");
            let widget = open_fresh(&c, &studio, teamup).await?;
            let inner = c.execute("return window.innerWidth;", vec![]).await?;
            ensure!(inner == json!(width), "the emulated viewport is {inner} CSS px wide, expected {width}");
            widget.visible("memberships").await?;
            if spacing {
                text_spacing(&c).await?;
            }
            problems.extend(overflow_problems(&c, &format!("{label} · TeamUp catalogue")).await?);
            validation_error(&widget).await?;
            problems.extend(overflow_problems(&c, &format!("{label} · TeamUp validation error")).await?);
            widget.choose_membership(UNLIMITED_MONTHLY).await?;
            widget.choose_plan(UNLIMITED_MONTHLY_PLAN).await?;
            widget.choose_event_for(UNLIMITED_MONTHLY).await?;
            problems.extend(overflow_problems(&c, &format!("{label} · TeamUp plan and class chosen")).await?);
            studio.inject_fault("teamup.initiate_purchase", "status_500", 1)?;
            widget.press_continue().await?;
            widget.wait_visible(FORM_PROBLEM).await?;
            problems.extend(overflow_problems(&c, &format!("{label} · TeamUp server error")).await?);
            held_offer(&c, &widget).await?;
            problems.extend(overflow_problems(&c, &format!("{label} · TeamUp countdown")).await?);

            let widget = open_fresh(&c, &studio, uelz).await?;
            if spacing {
                widget.visible("plans").await?;
                text_spacing(&c).await?;
            }
            widget.choose_uelz_plan(UELZ_REFORMER).await?;
            widget.type_into("coupon-input", "NOPE").await?;
            widget.click("coupon-apply").await?;
            widget.visible("coupon-error").await?;
            problems.extend(overflow_problems(&c, &format!("{label} · Uelz start date and refused coupon")).await?);
            uelz_validation_error(&widget).await?;
            problems.extend(overflow_problems(&c, &format!("{label} · Uelz validation errors")).await?);
        }
        cdp(&c, "Emulation.clearDeviceMetricsOverride", json!({})).await?;
        ensure!(problems.is_empty(), "reflow problems:\n  {}", problems.join("\n  "));
        Ok(())
    })
    .await;
}

// ---- g. reduced motion -------------------------------------------------------------------------------

/// Longest animation and transition (seconds) on the widget's elements, and the skeleton's animation.
async fn motion(c: &Client) -> Result<Value> {
    Ok(c
        .execute(
            r#"
const root = document.querySelector(arguments[0]).shadowRoot;
const secs = v => Math.max(0, ...v.split(',').map(t => t.trim().endsWith('ms') ? parseFloat(t) / 1000 : parseFloat(t) || 0));
let longest = { animation: 0, transition: 0, animationOn: null, transitionOn: null };
for (const el of root.querySelectorAll('*')) {
  for (const pseudo of [null, '::before', '::after']) {
    const s = getComputedStyle(el, pseudo);
    const a = s.animationName !== 'none' ? secs(s.animationDuration) * (s.animationIterationCount === 'infinite' ? 1000 : 1) : 0;
    const t = secs(s.transitionDuration);
    const what = el.tagName.toLowerCase() + '.' + String(el.className).trim().split(/\s+/).join('.') + (pseudo || '');
    if (a > longest.animation) { longest.animation = a; longest.animationOn = what; }
    if (t > longest.transition) { longest.transition = t; longest.transitionOn = what; }
  }
}
const sk = root.querySelector('.mc-skeleton');
const s = sk && getComputedStyle(sk);
return { longest, skeleton: s ? { name: s.animationName, duration: s.animationDuration, iterations: s.animationIterationCount } : null,
         buttons: root.querySelectorAll('.mc-button').length };
"#,
            vec![json!(HOSTS)],
        )
        .await?)
}

/// With `prefers-reduced-motion: reduce` the loading skeleton and everything else in the widget
/// (buttons included) has no animation or transition longer than 0.01 s; without it the skeleton
/// shimmers (so this test can tell).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and a release build: run by scripts/test.sh"]
async fn reduced_motion_is_respected() {
    run("reduced_motion_is_respected", |c| async move {
        let studio = Studio::start().await?;
        let mut problems = Vec::new();
        for reduce in [false, true] {
            emulate_media(&c, if reduce { &[("prefers-reduced-motion", "reduce")] } else { &[] }).await?;
            let matches = c.execute("return matchMedia('(prefers-reduced-motion: reduce)').matches;", vec![]).await?;
            ensure!(matches == json!(reduce), "prefers-reduced-motion: reduce matches = {matches}, expected {reduce}");
            c.goto(&studio.url("/__sandbox/purchases")).await?;
            arm_fault(&c, "teamup.memberships", "latency", 1, json!({ "ms": 4000 })).await?;
            let widget = open_fresh(&c, &studio, "/").await?;
            widget.wait_state("loading").await?;
            wait_visible(&c, HOSTS).await?;
            let loading = motion(&c).await?;
            let skeleton = &loading["skeleton"];
            ensure!(!skeleton.is_null(), "no .mc-skeleton while loading: {loading}");
            widget.wait_state("browsing").await?;
            widget.choose_membership(UNLIMITED_MONTHLY).await?;
            let browsing = motion(&c).await?;
            ensure!(browsing["buttons"].as_u64() >= Some(1), "no buttons to check: {browsing}");
            if reduce {
                for (state, m) in [("loading", &loading), ("catalogue", &browsing)] {
                    let l = &m["longest"];
                    if l["animation"].as_f64().unwrap_or(0.0) > 0.011 {
                        problems.push(format!("reduced motion · {state}: animation of {}s on {}", l["animation"], l["animationOn"]));
                    }
                    if l["transition"].as_f64().unwrap_or(0.0) > 0.011 {
                        problems.push(format!("reduced motion · {state}: transition of {}s on {}", l["transition"], l["transitionOn"]));
                    }
                }
            } else {
                ensure!(
                    skeleton["name"] != "none" && loading["longest"]["animation"].as_f64().unwrap_or(0.0) > 0.1,
                    "without reduced motion the skeleton should shimmer: {loading}"
                );
            }
        }
        emulate_media(&c, &[]).await?;
        ensure!(problems.is_empty(), "motion despite prefers-reduced-motion: reduce:\n  {}", problems.join("\n  "));
        Ok(())
    })
    .await;
}
