//! End-to-end: the release build of the widget (dist/) in headless Chromium, on a studio page served by
//! the sandbox, through the hosted payment page and back.
//!
//! These tests need a browser and a release build, so they are `#[ignore]`d: a plain `cargo test`
//! only compiles them. scripts/test.sh runs them after `trunk build --release`:
//!
//! ```sh
//! . scripts/env.sh && E2E_DIST=dist cargo test -p checkout-e2e --tests -- --ignored --test-threads=1
//! ```
//!
//! On failure a screenshot and the page's HTML are saved in target/e2e-screenshots/.

mod support;

use std::time::Duration;

use anyhow::{ensure, Context, Result};
use checkout_e2e::HostElement;
use checkout_sandbox::{spawn_static_site, Config};
use fantoccini::{Client, Locator};
use serde_json::{json, Value};

use support::browser::{run, wait_for};
use support::pages::{testid, wait_visible, CheckoutPage, PaymentPage, DEMO_CUSTOMER};
use support::studio::Studio;

/// Demo catalogue (contract / sandbox demo data).
const PACK: u64 = 101;
const UNLIMITED_MONTHLY: u64 = 103;
const UNLIMITED_MONTHLY_PLAN: u64 = 1032;

fn field<'a>(purchase: &'a Value, name: &str) -> &'a Value {
    purchase.get(name).unwrap_or(&Value::Null)
}

fn ensure_field(purchase: &Value, name: &str, want: Value) -> Result<()> {
    ensure!(
        field(purchase, name) == &want,
        "purchase.{name} is {}, expected {want}; purchase: {purchase}",
        field(purchase, name)
    );
    Ok(())
}

/// The browser is back on the studio's page (not on the payment page).
async fn ensure_on_studio_page(c: &Client, studio: &Studio) -> Result<()> {
    let url = c.current_url().await?;
    ensure!(
        url.as_str().starts_with(&studio.origin()) && !url.path().starts_with("/pay/"),
        "expected to be back on the studio's page, the browser is on {url}"
    );
    Ok(())
}

/// Harness check, independent of the widget: chromedriver starts, Chromium opens a page served by the
/// sandbox crate's static server, a click changes the page, and a screenshot can be taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium: run by scripts/test.sh"]
async fn harness_drives_chromium() {
    run("harness_drives_chromium", |c| async move {
        let dir = tempfile::tempdir()?;
        std::fs::write(
            dir.path().join("index.html"),
            "<!doctype html><title>harness</title>\
             <button data-testid=\"b\" onclick=\"this.textContent='clicked'\">click me</button>",
        )?;
        let site = spawn_static_site(dir.path().to_path_buf()).await?;
        c.goto(&format!("{}/index.html", site.url())).await?;
        let button = wait_visible(&c, &testid("b")).await?;
        button.click().await?;
        let text = wait_for("the button to say clicked", || async {
            let text = c.find(Locator::Css(&testid("b"))).await?.text().await?;
            Ok((text == "clicked").then_some(text))
        })
        .await?;
        ensure!(text == "clicked");
        let png = c.screenshot().await?;
        ensure!(png.starts_with(b"\x89PNG"), "screenshot is not a PNG");
        Ok(())
    })
    .await;
}

/// Recurring membership with a payment plan and a class booking, paid on the hosted page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist/: run by scripts/test.sh"]
async fn recurring_membership_with_plan_and_event_is_paid() {
    run("recurring_membership_with_plan_and_event_is_paid", |c| async move {
        let studio = Studio::start().await?;
        let widget = CheckoutPage::open(&c, &studio.url("/")).await?;
        widget.choose_membership(UNLIMITED_MONTHLY).await?;
        widget.choose_plan(UNLIMITED_MONTHLY_PLAN).await?;
        let event = widget.choose_event_for(UNLIMITED_MONTHLY).await?;
        // The browser runs in New York (support/browser.rs), the studio is in London: times say so.
        let note = widget.text_of("time-zone-note").await?;
        ensure!(note.contains("Europe/London"), "the studio's zone is named: {note:?}");
        let labels = widget.options("event-select").await?;
        ensure!(labels.iter().all(|(_, label, _)| label.contains("GMT")), "class times name the zone: {labels:?}");
        widget.press_continue().await?;

        let payment = PaymentPage::wait(&c).await?;
        let pending = studio.only_purchase()?;
        ensure_field(&pending, "status", json!("pending"))?;
        payment.pay().await?;

        let widget = CheckoutPage::on(&c);
        let text = widget.wait_outcome("paid").await?;
        ensure!(!text.trim().is_empty(), "the paid outcome shows no text");
        ensure_on_studio_page(&c, &studio).await?;
        widget.wait_state("outcome").await?;

        let purchase = studio.only_purchase()?;
        ensure_field(&purchase, "status", json!("paid"))?;
        ensure_field(&purchase, "membership", json!(UNLIMITED_MONTHLY))?;
        ensure_field(&purchase, "payment_plan", json!(UNLIMITED_MONTHLY_PLAN))?;
        ensure_field(&purchase, "event", json!(event))?;
        ensure_field(&purchase, "appointment_slot", Value::Null)?;
        ensure_field(&purchase, "customer", json!(DEMO_CUSTOMER))?;
        Ok(())
    })
    .await;
}

/// A class pack has no payment plans: the widget must not ask for one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist/: run by scripts/test.sh"]
async fn pack_without_plan_is_paid() {
    run("pack_without_plan_is_paid", |c| async move {
        let studio = Studio::start().await?;
        let widget = CheckoutPage::open(&c, &studio.url("/")).await?;
        widget.choose_membership(PACK).await?;
        widget.press_continue().await?;

        let payment = PaymentPage::wait(&c)
            .await
            .context("a pack needs no payment plan, so continue should lead to payment")?;
        payment.pay().await?;

        CheckoutPage::on(&c).wait_outcome("paid").await?;
        ensure_on_studio_page(&c, &studio).await?;
        let purchase = studio.only_purchase()?;
        ensure_field(&purchase, "status", json!("paid"))?;
        ensure_field(&purchase, "membership", json!(PACK))?;
        ensure_field(&purchase, "payment_plan", Value::Null)?;
        Ok(())
    })
    .await;
}

/// Cancel on the hosted page: back on the studio's page, the widget says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist/: run by scripts/test.sh"]
async fn cancelling_on_the_payment_page_shows_cancelled() {
    run("cancelling_on_the_payment_page_shows_cancelled", |c| async move {
        let studio = Studio::start().await?;
        let widget = CheckoutPage::open(&c, &studio.url("/")).await?;
        widget.choose_membership(PACK).await?;
        widget.press_continue().await?;
        PaymentPage::wait(&c).await?.cancel().await?;

        let widget = CheckoutPage::on(&c);
        widget.wait_outcome("cancelled").await?;
        ensure_on_studio_page(&c, &studio).await?;
        ensure!(
            widget.find_all("[data-testid=\"outcome\"][data-outcome=\"paid\"]")
                .await?
                .is_empty(),
            "a cancelled purchase must not be shown as paid"
        );
        ensure_field(&studio.only_purchase()?, "status", json!("cancelled"))?;
        Ok(())
    })
    .await;
}

/// The sandbox rejects an appointment slot the membership does not cover: the message appears next to
/// the slot control and nothing is bought.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist/: run by scripts/test.sh"]
async fn rejected_slot_is_reported_on_the_slot_control() {
    run("rejected_slot_is_reported_on_the_slot_control", |c| async move {
        let studio = Studio::start().await?;
        let widget = CheckoutPage::open(&c, &studio.url("/")).await?;
        widget.choose_membership(UNLIMITED_MONTHLY).await?;
        widget.choose_plan(UNLIMITED_MONTHLY_PLAN).await?;
        let slot = widget.choose_slot_of_type("Personal Training").await?;
        widget.press_continue().await?;

        let shown = widget.text_of("slot-error").await?;
        widget.wait_state("browsing").await?;
        ensure_on_studio_page(&c, &studio).await?;
        ensure!(
            studio.purchases()?.is_empty(),
            "a rejected request must not create a purchase: {:?}",
            studio.purchases()?
        );

        // The same request, sent from the page, tells which message the sandbox gave for the slot.
        let direct = widget
            .initiate_purchase_directly(
                UNLIMITED_MONTHLY,
                json!({ "customer": DEMO_CUSTOMER, "payment_plan": UNLIMITED_MONTHLY_PLAN,
                        "appointment_slot": slot }),
            )
            .await?;
        ensure!(
            direct["status"] == json!(400),
            "the sandbox accepted slot {slot} for membership {UNLIMITED_MONTHLY}: {direct}"
        );
        let message = direct["body"]["field_errors"]["appointment_slot"][0]
            .as_str()
            .with_context(|| format!("no appointment_slot error in {direct}"))?;
        ensure!(
            shown.contains(message),
            "slot-error shows {shown:?}, the sandbox's message is {message:?}"
        );
        ensure!(
            studio.purchases()?.is_empty(),
            "no purchase may exist after rejected requests"
        );
        Ok(())
    })
    .await;
}

/// The offer lapses while the customer is on the payment page; Back to the studio's page shows the
/// lapsed notice, and "start again" returns to the catalogue.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist/: run by scripts/test.sh"]
async fn lapsed_offer_is_shown_after_back_and_start_again_browses() {
    run("lapsed_offer_is_shown_after_back_and_start_again_browses", |c| async move {
        let studio = Studio::with_offer_lifetime(Duration::from_secs(3)).await?;
        let widget = CheckoutPage::open(&c, &studio.url("/")).await?;
        widget.choose_membership(PACK).await?;
        widget.press_continue().await?;

        let payment = PaymentPage::wait(&c).await?;
        let said = payment.reload_until_lapsed().await?;
        ensure!(
            said.to_lowercase().contains("lapsed"),
            "the payment page's lapsed notice says {said:?}"
        );

        c.back().await?;
        let widget = CheckoutPage::on(&c);
        widget.wait_root().await?;
        ensure_on_studio_page(&c, &studio).await?;
        widget.visible("lapsed").await?;
        widget.wait_state("lapsed").await?;

        let again = widget.visible("start-again").await?;
        again.click().await?;
        widget.wait_state("browsing").await?;
        widget.visible("memberships").await?;
        ensure_field(&studio.only_purchase()?, "membership", json!(PACK))?;
        Ok(())
    })
    .await;
}

/// Many clicks on continue in quick succession start exactly one purchase.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist/: run by scripts/test.sh"]
async fn rapid_continue_clicks_create_one_purchase() {
    run("rapid_continue_clicks_create_one_purchase", |c| async move {
        let studio = Studio::start().await?;
        let widget = CheckoutPage::open(&c, &studio.url("/")).await?;
        widget.choose_membership(PACK).await?;
        widget.press_continue_rapidly(10).await?;
        // A few more, through WebDriver, while the widget is submitting (errors are expected once the
        // button is disabled or the page has moved on).
        for _ in 0..3 {
            if let Some(button) = widget.find_all("button[data-testid=\"continue\"]").await.unwrap_or_default().pop() {
                let _ = button.click().await;
            }
        }

        PaymentPage::wait(&c).await?;
        // Give any late duplicate request time to land before counting.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let purchases = studio.purchases()?;
        ensure!(
            purchases.len() == 1,
            "expected one purchase after rapid clicks, the sandbox has {}: {purchases:?}",
            purchases.len()
        );
        Ok(())
    })
    .await;
}

/// A host element without data-provider-id: the widget explains what is wrong instead of loading.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist/: run by scripts/test.sh"]
async fn missing_provider_id_is_a_config_error() {
    run("missing_provider_id_is_a_config_error", |c| async move {
        let studio = Studio::start_with(
            Config::demo(),
            &[("no-provider.html", HostElement::demo().without("data-provider-id"))],
        )
        .await?;
        let widget = CheckoutPage::open(&c, &studio.url("/no-provider.html")).await?;
        let message = widget.text_of("config-error").await?;
        ensure!(
            message.contains("data-provider-id"),
            "the config error should name data-provider-id, it says {message:?}"
        );
        widget.wait_state("config-error").await?;
        ensure!(
            !widget.shows_now("memberships").await?,
            "the catalogue must not be shown with an invalid configuration"
        );
        Ok(())
    })
    .await;
}
