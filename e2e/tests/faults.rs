//! The fault matrix: every fault the sandbox can inject, at each step of a TeamUp purchase
//! (loading the catalogue, loading plans, initiating the purchase), in headless Chromium against
//! the release build. Each cell asserts what the customer sees and how many purchases exist, and
//! the whole matrix is printed as a table.
//!
//! `#[ignore]`d like the other browser suites; scripts/test.sh runs it.

mod support;

use std::time::Duration;

use anyhow::{bail, ensure, Context, Result};
use checkout_e2e::HostElement;
use fantoccini::Client;
use serde_json::Value;

use support::browser::{run_with_timeout, wait_for};
use support::pages::{run_async_js, CheckoutPage, PaymentPage};
use support::studio::{arm_fault, hook, Studio, PACK, UNLIMITED_MONTHLY, UNLIMITED_MONTHLY_PLAN};

/// (fault, options) as `POST /__sandbox/faults` takes them (contract §3, test hooks).
const FAULTS: [(&str, &str); 13] = [
    ("latency", r#"{"ms": 800}"#),
    ("status_429", r#"{"retry_after": 1}"#),
    ("status_500", "{}"),
    ("status_502", "{}"),
    ("status_503", r#"{"retry_after": 1}"#),
    ("status_504", "{}"),
    ("malformed_json", "{}"),
    ("truncated_body", "{}"),
    ("wrong_content_type", "{}"),
    ("drop_before_acting", "{}"),
    ("drop_after_acting", "{}"),
    ("huge_body", "{}"),
    ("slow_trickle", r#"{"ms": 1000}"#),
];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Step {
    Catalogue,
    Plans,
    Purchase,
}

impl Step {
    fn route(self) -> &'static str {
        match self {
            Step::Catalogue => "teamup.memberships",
            Step::Plans => "teamup.plans",
            Step::Purchase => "teamup.initiate_purchase",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Step::Catalogue => "load catalogue",
            Step::Plans => "load plans",
            Step::Purchase => "initiate purchase",
        }
    }
}

async fn purchase_count(c: &Client) -> Result<usize> {
    let out = hook(c, "GET", "/__sandbox/purchases", None).await?;
    let list: Vec<Value> = serde_json::from_str(out.get("text").and_then(Value::as_str).unwrap_or("[]"))?;
    Ok(list.len())
}

/// Fresh start for one cell: no stored offer, no purchases, the fault armed for one request.
async fn prepare(c: &Client, studio: &Studio, step: Step, fault: &str, options: &str) -> Result<()> {
    c.goto(&studio.url("/__sandbox/purchases")).await?;
    run_async_js(c, "sessionStorage.clear(); return null;", vec![]).await?;
    hook(c, "POST", "/__sandbox/reset", None).await?;
    arm_fault(c, step.route(), fault, 1, serde_json::from_str(options)?).await
}

/// One cell: returns what the customer saw, in a few words for the table.
async fn cell(c: &Client, studio: &Studio, step: Step, fault: &str, options: &str) -> Result<String> {
    prepare(c, studio, step, fault, options).await?;
    let page = CheckoutPage::open(c, &studio.url("/fast.html")).await?;
    let (membership, plan) = match step {
        Step::Plans => (UNLIMITED_MONTHLY, Some(UNLIMITED_MONTHLY_PLAN)),
        _ => (PACK, None),
    };
    page.choose_membership(membership).await.context("the catalogue never showed")?;
    if let Some(plan) = plan {
        page.choose_plan(plan).await.context("the plans never showed")?;
    }
    page.press_continue().await?;

    let recovers = step != Step::Purchase || ["latency", "status_429", "status_503"].contains(&fault);
    // A connection closed before any byte of the answer, on a reused keep-alive connection, is
    // resent by Chromium itself, below the widget; on a fresh connection the widget reports it
    // like any lost answer. Which happens is the browser's call. After `drop_after_acting` the
    // browser's resend makes a second (unpaid) offer that simply lapses: TeamUp has no
    // idempotency key, so nothing in a page can prevent that.
    let either = step == Step::Purchase && fault.starts_with("drop_");
    if either {
        let reached = wait_for("the payment page or the form error", || async {
            if c.current_url().await?.path().starts_with("/pay/") {
                return Ok(Some(true));
            }
            Ok(page.shows_now("form-error").await?.then_some(false))
        })
        .await?;
        if reached {
            let n = purchase_count(c).await?;
            let expected = if fault == "drop_after_acting" { 2 } else { 1 };
            ensure!(n == expected, "{expected} purchases expected after the browser's resend, found {n}");
            return Ok(format!("resent by the browser, {n} made"));
        }
    }
    if recovers {
        PaymentPage::wait(c).await.context("expected to reach the payment page")?;
        let n = wait_for("the purchase to be recorded", || async {
            let n = purchase_count(c).await?;
            Ok((n >= 1).then_some(n))
        })
        .await?;
        ensure!(n == 1, "exactly one purchase expected, found {n}");
        return Ok("recovered, 1 purchase".into());
    }

    // A purchase whose outcome is unknown: told, never sent again by itself.
    let message = page.text_of("form-error").await?;
    ensure!(message.contains("couldn't confirm") && message.contains("Nothing has been charged"), "{message:?}");
    let before = purchase_count(c).await?;
    ensure!(before <= 1, "{before} purchases after one request");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let later = purchase_count(c).await?;
    ensure!(later == before, "the widget sent the purchase again on its own ({before} → {later})");
    page.state().await?.filter(|s| s == "browsing").context("the choices should still be there")?;
    // The customer decides to try again: one new offer, and on to pay.
    page.click("retry").await?;
    PaymentPage::wait(c).await.context("the deliberate retry should reach the payment page")?;
    let after = purchase_count(c).await?;
    ensure!(after == before + 1, "one request per deliberate retry ({before} → {after})");
    Ok(format!("told; no resend ({before} made); retry ok"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and a release build: run by scripts/test.sh"]
async fn fault_matrix() {
    run_with_timeout("fault_matrix", Duration::from_secs(900), |c| async move {
        // A short time limit so trickling answers time out quickly.
        let studio = Studio::start_with(
            checkout_sandbox::Config::demo(),
            &[("fast.html", HostElement::demo().with("data-timeout", "3"))],
        )
        .await?;
        let steps = [Step::Catalogue, Step::Plans, Step::Purchase];
        let mut rows = Vec::new();
        let mut failures = Vec::new();
        for (fault, options) in FAULTS {
            let mut row = vec![fault.to_string()];
            for step in steps {
                match cell(&c, &studio, step, fault, options).await {
                    Ok(seen) => row.push(seen),
                    Err(error) => {
                        row.push("FAILED".into());
                        failures.push(format!("{fault} × {}: {error:#}", step.title()));
                    }
                }
            }
            rows.push(row);
        }

        let widths: Vec<usize> = (0..=steps.len())
            .map(|i| {
                let header = if i == 0 { "fault".len() } else { steps[i - 1].title().len() };
                rows.iter().map(|r| r[i].len()).max().unwrap_or(0).max(header)
            })
            .collect();
        let line = |cells: Vec<String>| {
            let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:w$}")).collect();
            format!("| {} |", padded.join(" | "))
        };
        let mut header = vec!["fault".to_string()];
        header.extend(steps.iter().map(|s| s.title().to_string()));
        println!("\nfault matrix (TeamUp purchase, headless Chromium, one fault per request):");
        println!("{}", line(header));
        println!("|{}|", widths.iter().map(|w| "-".repeat(w + 2)).collect::<Vec<_>>().join("|"));
        for row in rows {
            println!("{}", line(row));
        }
        if !failures.is_empty() {
            bail!("{} cells failed:\n{}", failures.len(), failures.join("\n"));
        }
        Ok(())
    })
    .await;
}
