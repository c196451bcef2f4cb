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

use support::browser::{run, set_time_zone, wait_for};
use support::pages::{fetched_urls, run_async_js, testid, wait_visible, CheckoutPage, PaymentPage, DEMO_CUSTOMER};
use support::studio::{Studio, PACK, UNLIMITED_MONTHLY, UNLIMITED_MONTHLY_PLAN};

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

        // Back on the studio's page with nothing in the address: what the widget shows is what the
        // API says (the customer's memberships and the class registration).
        // (The click only starts the form's submission: wait until the browser has left the page.)
        let client = &c;
        let back = wait_for("the browser to leave the payment page", || async {
            let url = client.current_url().await?;
            Ok((!url.path().starts_with("/pay/")).then_some(url))
        })
        .await?;
        ensure!(back.as_str() == studio.url("/"), "the payment page appends nothing: {back}");
        let widget = CheckoutPage::on(&c);
        let text = widget.wait_outcome("paid").await?;
        ensure!(text.contains("Unlimited Monthly"), "the confirmed membership is named: {text:?}");
        ensure!(text.contains("class"), "the class booking is confirmed too: {text:?}");
        ensure_on_studio_page(&c, &studio).await?;
        widget.wait_state("outcome").await?;
        let held = &studio.data()?.customer_memberships;
        ensure!(
            held.len() == 1 && held[0].membership == UNLIMITED_MONTHLY && held[0].customer == DEMO_CUSTOMER,
            "the sandbox holds the membership the widget confirmed: {held:?}"
        );

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

/// Cancel on the hosted page: back on the studio's page, the widget asks the API, finds no purchase
/// and says so (never "paid"), offering to check again, go back to the payment page or choose again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist/: run by scripts/test.sh"]
async fn cancelling_on_the_payment_page_shows_no_purchase_found() {
    run("cancelling_on_the_payment_page_shows_no_purchase_found", |c| async move {
        let studio = Studio::start().await?;
        let widget = CheckoutPage::open(&c, &studio.url("/")).await?;
        widget.choose_membership(PACK).await?;
        widget.press_continue().await?;
        PaymentPage::wait(&c).await?.cancel().await?;

        let widget = CheckoutPage::on(&c);
        let text = widget.wait_confirmation("not-found").await?;
        ensure!(text.contains("10-Class Pack"), "the membership is named: {text:?}");
        ensure_on_studio_page(&c, &studio).await?;
        widget.wait_state("confirming").await?;
        ensure!(
            widget.find_all("[data-testid=\"outcome\"]").await?.is_empty(),
            "a cancelled purchase must not be shown as an outcome"
        );
        widget.visible("check-again").await?;
        widget.visible("payment-link").await?;
        widget.click("start-again").await?;
        widget.wait_state("browsing").await?;
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

/// Unlimited Monthly's plan with a £25 joining fee (£79 a month).
const JOINING_FEE_PLAN: u64 = 1031;

/// The plan card and the summary show the joining fee and what is due today (the plans are asked
/// for with `expand=joining_fee`), the numbers the payment page charges; the purchase request is
/// the documented body, nothing more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist/: run by scripts/test.sh"]
async fn a_plan_with_a_joining_fee_shows_fee_and_total_and_the_purchase_body_is_unchanged() {
    run("a_plan_with_a_joining_fee_shows_fee_and_total_and_the_purchase_body_is_unchanged", |c| async move {
        let studio = Studio::start().await?;
        let widget = CheckoutPage::open(&c, &studio.url("/")).await?;
        widget.choose_membership(UNLIMITED_MONTHLY).await?;
        let card = widget.plan_text(JOINING_FEE_PLAN).await?;
        ensure!(card.contains("£79.00"), "the plan's price: {card:?}");
        ensure!(card.contains("£25.00 joining fee"), "the joining fee on the plan card: {card:?}");
        ensure!(card.contains("£104.00 due today"), "what is due today on the plan card: {card:?}");
        let other = widget.plan_text(UNLIMITED_MONTHLY_PLAN).await?;
        ensure!(!other.contains("joining fee"), "a plan without a joining fee shows none: {other:?}");

        widget.choose_plan(JOINING_FEE_PLAN).await?;
        let summary = widget.text_of("summary").await?;
        ensure!(summary.contains("Joining fee") && summary.contains("£25.00"), "the summary shows the fee: {summary:?}");
        ensure!(summary.contains("To pay today") && summary.contains("£104.00"), "the summary shows the total: {summary:?}");
        widget.press_continue().await?;

        PaymentPage::wait(&c).await?;
        let charged = wait_for("the payment page's total", || async {
            match c.find(Locator::Css(r#"[data-testid="total"]"#)).await {
                Ok(el) => Ok(Some(el.text().await?)),
                Err(_) => Ok(None),
            }
        })
        .await?;
        ensure!(charged == "£104.00", "the payment page charges what the widget said: {charged:?}");
        let purchase = studio.only_purchase()?;
        ensure_field(
            &purchase,
            "body",
            json!({ "return_to": studio.url("/"), "customer": DEMO_CUSTOMER, "payment_plan": JOINING_FEE_PLAN }),
        )?;
        Ok(())
    })
    .await;
}

/// A studio in New York seen from a browser in Berlin: class times, the days they are grouped by and
/// the note say New York's (the studio's zone is `address.timezone`, asked with `expand=address`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist/: run by scripts/test.sh"]
async fn a_studio_in_new_york_seen_from_berlin_shows_the_studios_class_times() {
    run("a_studio_in_new_york_seen_from_berlin_shows_the_studios_class_times", |c| async move {
        let mut config = Config::demo();
        config.data.providers[0].timezone = "America/New_York".into();
        // The first class at 03:30 UTC: 22:30 or 23:30 the evening before in New York, 04:30 or
        // 05:30 that morning in Berlin, so it falls on another day in each.
        let first = config.data.events.iter_mut().find(|e| e.id == 5001).context("event 5001")?;
        first.starts_at = first.starts_at.to_offset(time::UtcOffset::UTC).replace_time(time::Time::from_hms(3, 30, 0)?);
        first.ends_at = first.starts_at + time::Duration::minutes(45);
        let starts_at = (first.starts_at.unix_timestamp_nanos() / 1_000_000) as f64;
        // The demo's 42 classes start tomorrow, so the widget's two weeks from now leave out the
        // last day's until that time of day: six more within the first week keep the day choice
        // (from 40 classes) whatever the hour the test runs at.
        let template = config.data.events.iter().find(|e| e.id == 5003).context("event 5003")?.clone();
        for day in 1..=6u64 {
            let mut extra = template.clone();
            extra.id = 9500 + day;
            extra.starts_at = template.starts_at + time::Duration::days(day as i64) + time::Duration::hours(2);
            extra.ends_at = extra.starts_at + (template.ends_at - template.starts_at);
            extra.attending_count = 0;
            config.data.events.push(extra);
        }
        let studio = Studio::start_with(config, &[("en-gb.html", HostElement::demo().with("data-locale", "en-GB"))]).await?;

        set_time_zone(&c, "Europe/Berlin").await?;
        let widget = CheckoutPage::open(&c, &studio.url("/en-gb.html")).await?;
        let browser_zone = c.execute("return Intl.DateTimeFormat().resolvedOptions().timeZone;", vec![]).await?;
        ensure!(browser_zone == json!("Europe/Berlin"), "the browser is in Berlin: {browser_zone}");
        widget.choose_membership(UNLIMITED_MONTHLY).await?;
        let note = widget.text_of("time-zone-note").await?;
        ensure!(note.contains("America/New York"), "the note names the studio's zone: {note:?}");

        // What New York's and Berlin's clocks and calendars say for the first class.
        let local = c
            .execute(
                "const at = new Date(arguments[0]);\n\
                 const clock = z => new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: z }).format(at);\n\
                 const day = z => new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: z }).format(at);\n\
                 return [clock('America/New_York'), clock('Europe/Berlin'), day('America/New_York'), day('Europe/Berlin')];",
                vec![json!(starts_at)],
            )
            .await?;
        let [ny_clock, berlin_clock, ny_day, berlin_day] = [0, 1, 2, 3].map(|i| local[i].as_str().unwrap_or_default().to_string());
        ensure!(ny_day != berlin_day, "the class falls on different days: {ny_day} / {berlin_day}");

        // 40 classes or more: the customer picks a day first, named and grouped in the studio's zone.
        let days = widget.wait_options("day-select").await?;
        let (first_day, first_label, _) = days.first().context("no days")?.clone();
        ensure!(first_label == ny_day, "the first day is New York's ({ny_day}), not Berlin's ({berlin_day}): {days:?}");
        ensure!(first_day == "0");
        let classes = widget.wait_options("event-select").await?;
        let (_, label, _) = classes.iter().find(|(id, _, _)| id == "5001").context(format!("class 5001 on {ny_day}: {classes:?}"))?;
        ensure!(label.contains(&ny_clock), "the class time is New York's {ny_clock}: {label:?}");
        ensure!(!label.contains(&berlin_clock), "not Berlin's {berlin_clock}: {label:?}");
        Ok(())
    })
    .await;
}

/// `?outcome=paid` added by hand shows nothing false: with no purchase the catalogue shows; with an
/// unpaid offer the widget asks the API and says it found nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist/: run by scripts/test.sh"]
async fn a_forged_outcome_paid_shows_no_success() {
    run("a_forged_outcome_paid_shows_no_success", |c| async move {
        let studio = Studio::start().await?;
        let forged = studio.url("/?outcome=paid&purchase=1");
        let widget = CheckoutPage::open(&c, &forged).await?;
        widget.wait_state("browsing").await?;
        widget.visible("memberships").await?;
        ensure!(widget.find_all("[data-testid=\"outcome\"], [data-testid=\"confirming\"]").await?.is_empty(), "nothing to confirm");

        // An offer made, not paid, and the address forged on the way back.
        widget.choose_membership(PACK).await?;
        widget.press_continue().await?;
        PaymentPage::wait(&c).await?;
        c.goto(&forged).await?;
        let widget = CheckoutPage::on(&c);
        let said = widget.wait_confirmation("not-found").await?;
        ensure!(!said.to_lowercase().contains("thank"), "no success is claimed: {said:?}");
        widget.click("check-again").await?;
        widget.wait_confirmation("not-found").await?;
        ensure!(
            widget.find_all("[data-testid=\"outcome\"]").await?.is_empty(),
            "?outcome=paid must never show an outcome"
        );
        ensure_field(&studio.only_purchase()?, "status", json!("pending"))?;
        ensure!(studio.data()?.customer_memberships.is_empty(), "nothing was bought");
        Ok(())
    })
    .await;
}

/// A studio whose site may not call TeamUp directly (CORS) sends the widget through the gateway's
/// same-site pass-through (`api-proxy`): a whole purchase (membership, plan, class, payment, and
/// the return confirmed) with every API request on the gateway's origin and none at the sandbox's
/// API itself, the links in TeamUp's answers coming back through the gateway. A path outside the
/// pass-through's list is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist/: run by scripts/test.sh"]
async fn a_whole_purchase_through_the_same_site_pass_through() {
    run("a_whole_purchase_through_the_same_site_pass_through", |c| async move {
        let studio = Studio::with_gateway(|api| vec![("proxied.html", HostElement::demo().with("data-api-proxy", &format!("{api}/teamup")))]).await?;
        let pass_through = format!("{}/teamup/", studio.gateway_api()?);
        let direct = format!("{}/api/", studio.origin());
        // Every request of one page load went to the pass-through, none to the API itself.
        let all_through = |urls: &[String], needed: &[&str]| -> Result<()> {
            let api: Vec<&String> = urls.iter().filter(|u| u.contains("/api/") || u.contains("/teamup/")).collect();
            ensure!(api.iter().all(|u| u.starts_with(&pass_through)), "a request bypassed the pass-through: {api:?}");
            ensure!(!urls.iter().any(|u| u.starts_with(&direct)), "the sandbox's API was called directly: {urls:?}");
            for path in needed {
                ensure!(api.iter().any(|u| u.starts_with(&format!("{pass_through}{path}"))), "{path} was asked through the pass-through: {api:?}");
            }
            Ok(())
        };

        // A class the membership may book, found by the harness on the plain page (its lookup is
        // a request of the page's own, which must not count against the proxied one).
        let plain = CheckoutPage::open(&c, &studio.url("/")).await?;
        plain.choose_membership(UNLIMITED_MONTHLY).await?;
        let event = plain.choose_event_for(UNLIMITED_MONTHLY).await?;

        let widget = CheckoutPage::open(&c, &studio.url("/proxied.html")).await?;
        widget.choose_membership(UNLIMITED_MONTHLY).await?;
        widget.choose_plan(UNLIMITED_MONTHLY_PLAN).await?;
        widget.wait_options("event-select").await?;
        widget.select("event-select", &event.to_string()).await?;
        // Keep the page on the countdown, so the purchase request shows in this page's timings too.
        c.execute("document.addEventListener('membership-checkout:redirect', e => e.preventDefault());", vec![]).await?;
        widget.press_continue().await?;
        widget.wait_state("redirecting").await?;
        let before = fetched_urls(&c).await?;
        all_through(
            &before,
            &["auth/profiles", "providers/100?expand=address", "memberships?", "membership_payment_plans?", "events?", "slots?", "customer_memberships?", &format!("memberships/{UNLIMITED_MONTHLY}/initiate_purchase")],
        )?;

        widget.click("payment-link").await?;
        PaymentPage::wait(&c).await?.pay().await?;
        let text = CheckoutPage::on(&c).wait_outcome("paid").await?;
        ensure!(text.contains("Unlimited Monthly") && text.contains("class"), "confirmed through the pass-through: {text:?}");
        ensure_on_studio_page(&c, &studio).await?;
        all_through(&fetched_urls(&c).await?, &["customer_memberships?", "attendances?"])?;

        let purchase = studio.only_purchase()?;
        ensure_field(&purchase, "status", json!("paid"))?;
        ensure_field(&purchase, "membership", json!(UNLIMITED_MONTHLY))?;
        ensure_field(&purchase, "payment_plan", json!(UNLIMITED_MONTHLY_PLAN))?;
        ensure_field(&purchase, "event", json!(event))?;
        ensure_field(&purchase, "customer", json!(DEMO_CUSTOMER))?;

        // The pass-through is not an open proxy: from this very page, a TeamUp path the widget
        // doesn't use is refused by the gateway and reaches nothing.
        let script = "const [base] = args; const r = await fetch(base + 'customers', { headers: { 'TeamUp-Provider-ID': '100' } }); return [r.status, await r.json()];";
        let refused = run_async_js(&c, script, vec![json!(pass_through)]).await?;
        ensure!(refused[0] == json!(404) && refused[1]["code"] == json!("not_found"), "{refused}");
        Ok(())
    })
    .await;
}
