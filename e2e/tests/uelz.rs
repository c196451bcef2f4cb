//! End-to-end, Uelz mode: the release build in headless Chromium → the gateway (which holds the
//! Uelz secrets) → the sandbox's Uelz → its hosted checkout → back to the studio's page.
//!
//! `#[ignore]`d like the TeamUp suite; scripts/test.sh runs them after `trunk build --release`.

mod support;

use anyhow::{ensure, Context, Result};
use fantoccini::Client;
use serde_json::{json, Value};

use checkout_e2e::HostElement;
use support::browser::{run, wait_for};
use support::pages::{fetched_urls, run_async_js, CheckoutPage, PaymentPage};
use support::studio::{
    Studio, UELZ_API_KEY, UELZ_CLASS_CARD as CLASS_CARD, UELZ_IDENTITY_SECRET, UELZ_MONTHLY as MONTHLY,
    UELZ_ORGANIZATION_ID, UELZ_REFORMER as REFORMER,
};

/// Demo Uelz data (contract §3).
const ALEX: &str = "clcu0a1exrunner0000000001";

/// What the studio's server puts on the page for a signed-in member: their Uelz customer id,
/// signed for the gateway, valid for `seconds` from now (negative: already expired).
fn signed(customer: &str, secret: &str, seconds: i64) -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    checkout_gateway::identity::sign(secret, customer, now + seconds)
}

/// The studio's site with pages whose Uelz widget carries a customer token.
async fn studio_with_tokens(tokens: &[(&'static str, String)]) -> Result<Studio> {
    let tokens = tokens.to_vec();
    Studio::with_gateway(move |api| {
        tokens
            .into_iter()
            .map(|(page, token)| (page, HostElement::uelz(api).with("data-customer-token", &token)))
            .collect()
    })
    .await
}

/// The Uelz customers the sandbox holds now (`GET /uelz/customers` with the demo credentials,
/// over a plain socket: the e2e crate has no HTTP client of its own).
async fn uelz_customers(studio: &Studio) -> Result<Vec<Value>> {
    let addr = studio.origin().trim_start_matches("http://").to_string();
    tokio::task::spawn_blocking(move || -> Result<Vec<Value>> {
        use std::io::{Read, Write};
        let mut socket = std::net::TcpStream::connect(&addr)?;
        socket.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
        let request = format!(
            "GET /uelz/customers HTTP/1.1\r\nHost: {addr}\r\napi-key: {UELZ_API_KEY}\r\norganization-id: {UELZ_ORGANIZATION_ID}\r\nConnection: close\r\n\r\n"
        );
        socket.write_all(request.as_bytes())?;
        let mut answer = Vec::new();
        socket.read_to_end(&mut answer)?;
        let answer = String::from_utf8(answer)?;
        let (head, body) = answer.split_once("\r\n\r\n").context("an HTTP answer")?;
        ensure!(head.starts_with("HTTP/1.1 200"), "listing Uelz customers: {head}");
        ensure!(!head.to_ascii_lowercase().contains("transfer-encoding: chunked"), "a plain body: {head}");
        Ok(serde_json::from_str(body)?)
    })
    .await?
}

fn text(v: &Value, field: &str) -> String {
    v.get(field).and_then(Value::as_str).unwrap_or_default().to_string()
}

fn is_uuid_v4(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-')
        && b[14] == b'4'
        && b"89ab".contains(&b[19])
        && s.chars().filter(|c| *c != '-').all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

async fn fill_details(page: &CheckoutPage, name: &str, email: &str) -> Result<()> {
    page.type_into("customer-name", name).await?;
    page.type_into("customer-email", email).await
}

/// The one purchase Uelz recorded; fails if there are none or several.
fn only_purchase(studio: &Studio) -> Result<Value> {
    let all = studio.uelz_purchases()?;
    ensure!(all.len() == 1, "expected exactly one Uelz purchase, the sandbox has {}: {all:?}", all.len());
    Ok(all[0].clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and a release build: run by scripts/test.sh"]
async fn uelz_purchase_with_a_coupon_pays_and_returns() {
    run("uelz_purchase_with_a_coupon_pays_and_returns", |c| async move {
        let studio = Studio::with_gateway(|_| vec![]).await?;
        let page = CheckoutPage::open(&c, &studio.url("/uelz.html")).await?;
        page.choose_uelz_plan(MONTHLY).await?;
        page.type_into("coupon-input", "welcome10").await?;
        page.click("coupon-apply").await?;
        let applied = page.text_of("coupon-applied").await?;
        ensure!(applied.contains("WELCOME10") && applied.contains("5.90"), "coupon line: {applied:?}");
        let total = page.text_of("summary-total").await?;
        ensure!(total.contains("53.10"), "the summary's total should be 59.00 − 10 % = 53.10: {total:?}");
        fill_details(&page, "Alex Runner", "alex@example.com").await?;
        page.press_continue().await?;

        let pay = PaymentPage::wait_uelz(&c).await?;
        let purchase = only_purchase(&studio)?;
        ensure!(
            c.current_url().await?.path().ends_with(&text(&purchase, "id")),
            "the payment page is for the purchase just made"
        );
        pay.pay().await?;
        // Back on the studio's page with nothing in the address: what the widget shows is what the
        // gateway says of the attempt it kept.
        let outcome = CheckoutPage::on(&c).wait_outcome("paid").await?;
        ensure!(outcome.contains("Monthly unlimited"), "outcome names the plan: {outcome:?}");
        ensure!(c.current_url().await?.as_str() == studio.url("/uelz.html"), "Uelz's checkout appends nothing");
        let external_id = text(&only_purchase(&studio)?, "external_id");
        let status_url = format!("{}/purchases/{external_id}", studio.gateway_api()?);
        let asked = fetched_urls(&c).await?;
        ensure!(asked.contains(&status_url), "the widget asked the gateway about its attempt: {asked:?}");

        let purchase = only_purchase(&studio)?;
        ensure!(text(&purchase, "plan") == MONTHLY, "plan: {purchase}");
        // Typing a member's email proves nothing: an unsigned buyer is a new customer, never
        // Alex's record, made once for this attempt.
        let customer = text(&purchase, "customer");
        ensure!(!customer.is_empty() && customer != ALEX, "an unsigned buyer is a new customer: {purchase}");
        let customers = uelz_customers(&studio).await?;
        let made = customers.iter().find(|c| text(c, "id") == customer).context("the new customer")?;
        ensure!(text(made, "external_customer_id") == format!("checkout-{}", text(&purchase, "external_id")), "{made}");
        ensure!(text(made, "email") == "alex@example.com", "{made}");
        ensure!(!text(&purchase, "coupon").is_empty(), "the coupon's id is sent: {purchase}");
        ensure!(text(&purchase, "currency") == "EUR", "currency = the plan's: {purchase}");
        ensure!(text(&purchase, "merchant_id") == "mer_riverside_01", "merchant parameter: {purchase}");
        ensure!(is_uuid_v4(&text(&purchase, "external_id")), "external_id is a v4 UUID: {purchase}");
        ensure!(purchase.get("amount_due") == Some(&json!(53.1)), "amount due: {purchase}");
        ensure!(text(&purchase, "status") == "active", "paid: {purchase}");

        // The page can ask the gateway (cross-origin, as the widget will on return) what became of
        // the attempt: Uelz's status, not the return URL's word.
        let script = "const [api, id] = args; const r = await fetch(api + '/purchases/' + id); return [r.status, await r.json()];";
        let answer = run_async_js(&c, script, vec![json!(studio.gateway_api()?), json!(text(&purchase, "external_id"))]).await?;
        ensure!(answer[0] == json!(200), "{answer}");
        ensure!(
            answer[1] == json!({"external_id": text(&purchase, "external_id"), "purchase_id": text(&purchase, "id"), "status": "active", "outcome": "active"}),
            "{answer}"
        );
        let answer = run_async_js(&c, script, vec![json!(studio.gateway_api()?), json!("no-such-attempt-0001")]).await?;
        ensure!(answer[0] == json!(404) && answer[1]["code"] == json!("purchase_not_found"), "{answer}");
        Ok(())
    })
    .await;
}

/// Cancelled on Uelz's checkout: back on the studio's page the widget shows what the gateway says
/// (Uelz `canceled`: the payment didn't go through), never "paid".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and a release build: run by scripts/test.sh"]
async fn a_cancelled_uelz_checkout_shows_what_the_gateway_says() {
    run("a_cancelled_uelz_checkout_shows_what_the_gateway_says", |c| async move {
        let studio = Studio::with_gateway(|_| vec![]).await?;
        let page = CheckoutPage::open(&c, &studio.url("/uelz.html")).await?;
        page.choose_uelz_plan(MONTHLY).await?;
        fill_details(&page, "Jo Newcomer", "jo.newcomer@example.com").await?;
        page.press_continue().await?;
        PaymentPage::wait_uelz(&c).await?.cancel().await?;

        let widget = CheckoutPage::on(&c);
        let said = widget.wait_outcome("failed").await?;
        ensure!(said.contains("Monthly unlimited") && said.contains("wasn't bought"), "{said:?}");
        ensure!(c.current_url().await?.as_str() == studio.url("/uelz.html"), "nothing appended");
        ensure!(widget.find_all("[data-outcome=\"paid\"]").await?.is_empty(), "never paid");
        ensure!(text(&only_purchase(&studio)?, "status") == "canceled", "Uelz says canceled");
        // Choosing again starts afresh.
        widget.click("start-again").await?;
        widget.wait_state("browsing").await?;
        Ok(())
    })
    .await;
}

/// `?outcome=paid` added by hand shows nothing false: with no purchase the plans show; with a
/// purchase made and not paid, the widget asks the gateway, which says it isn't complete, and
/// offers the checkout again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and a release build: run by scripts/test.sh"]
async fn a_forged_outcome_paid_shows_no_uelz_success() {
    run("a_forged_outcome_paid_shows_no_uelz_success", |c| async move {
        let studio = Studio::with_gateway(|_| vec![]).await?;
        let forged = studio.url("/uelz.html?outcome=paid&purchase=clpu0000000000000000000001");
        let widget = CheckoutPage::open(&c, &forged).await?;
        widget.wait_state("browsing").await?;
        widget.visible("plans").await?;
        ensure!(widget.find_all("[data-testid=\"outcome\"], [data-testid=\"confirming\"]").await?.is_empty(), "nothing to confirm");

        // A purchase made, not paid, and the address forged on the way back.
        widget.choose_uelz_plan(CLASS_CARD).await?;
        fill_details(&widget, "Jo Newcomer", "jo.newcomer@example.com").await?;
        widget.press_continue().await?;
        PaymentPage::wait_uelz(&c).await?;
        c.goto(&forged).await?;
        let widget = CheckoutPage::on(&c);
        let said = widget.wait_confirmation("pending").await?;
        ensure!(said.contains("10-class card") && !said.to_lowercase().contains("thank"), "no success is claimed: {said:?}");
        widget.visible("payment-link").await?;
        widget.click("check-again").await?;
        widget.wait_confirmation("pending").await?;
        ensure!(widget.find_all("[data-testid=\"outcome\"]").await?.is_empty(), "?outcome=paid must never show an outcome");
        ensure!(text(&only_purchase(&studio)?, "status") == "incomplete", "nothing was paid");
        // The offer is still open: back to Uelz's checkout, paid there, and then confirmed.
        widget.click("payment-link").await?;
        PaymentPage::wait_uelz(&c).await?.pay().await?;
        CheckoutPage::on(&c).wait_outcome("paid").await?;
        ensure!(text(&only_purchase(&studio)?, "status") == "succeeded", "paid once");
        Ok(())
    })
    .await;
}

/// A member the studio's server signed in buys as themselves: no name or email is asked, and
/// Uelz's purchase is Alex's, with no new customer made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and a release build: run by scripts/test.sh"]
async fn a_signed_member_buys_as_themselves() {
    run("a_signed_member_buys_as_themselves", |c| async move {
        let studio = studio_with_tokens(&[("member.html", signed(ALEX, UELZ_IDENTITY_SECRET, 3600))]).await?;
        let before = uelz_customers(&studio).await?.len();
        let page = CheckoutPage::open(&c, &studio.url("/member.html")).await?;
        page.choose_uelz_plan(CLASS_CARD).await?;
        ensure!(!page.shows_now("customer-name").await? && !page.shows_now("customer-email").await?, "a signed member isn't asked who they are");
        page.press_continue().await?;
        PaymentPage::wait_uelz(&c).await?.pay().await?;
        CheckoutPage::on(&c).wait_outcome("paid").await?;

        let purchase = only_purchase(&studio)?;
        ensure!(text(&purchase, "customer") == ALEX, "the signed member's own record: {purchase}");
        ensure!(uelz_customers(&studio).await?.len() == before, "no customer was made");
        // The token never went into the page's storage or its address.
        let kept = run_async_js(&c, "return JSON.stringify(Object.entries(sessionStorage)) + JSON.stringify(Object.entries(localStorage)) + location.href;", vec![]).await?;
        ensure!(!kept.as_str().unwrap_or_default().contains("v1.clcu0"), "{kept}");
        Ok(())
    })
    .await;
}

/// A token the gateway can't trust (signed with another secret, or expired) is refused with a
/// clear message and the host's error event; nothing is bought and no customer is made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and a release build: run by scripts/test.sh"]
async fn an_identity_the_studio_did_not_sign_is_refused_clearly() {
    run("an_identity_the_studio_did_not_sign_is_refused_clearly", |c| async move {
        let studio = studio_with_tokens(&[
            ("forged.html", signed(ALEX, "a-secret-someone-made-up-0123456789abcdef", 3600)),
            ("expired.html", signed(ALEX, UELZ_IDENTITY_SECRET, -3600)),
        ])
        .await?;
        let before = uelz_customers(&studio).await?.len();
        for (page_name, says) in [
            ("/forged.html", "We couldn't confirm your studio account. Reload the page and try again."),
            ("/expired.html", "Your sign-in on the studio's site has expired. Reload the page and try again."),
        ] {
            let page = CheckoutPage::open(&c, &studio.url(page_name)).await?;
            c.execute(
                "window.__errors = []; document.addEventListener('membership-checkout:error', e => window.__errors.push(e.detail));",
                vec![],
            )
            .await?;
            page.choose_uelz_plan(MONTHLY).await?;
            page.press_continue().await?;
            let shown = wait_for(&format!("the refusal on {page_name}"), || async {
                let shown = page.text_of("form-error").await?;
                Ok(shown.contains(says).then_some(shown))
            })
            .await?;
            page.wait_state("browsing").await?;
            let events = c.execute("return window.__errors;", vec![]).await?;
            ensure!(
                events.as_array().is_some_and(|e| e.iter().any(|d| d["stage"] == json!("purchase") && d["status"] == json!(403))),
                "{page_name}: the host hears an error event: {events} ({shown})"
            );
        }
        ensure!(studio.uelz_purchases()?.is_empty(), "nothing bought");
        ensure!(uelz_customers(&studio).await?.len() == before, "no customer made");
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and a release build: run by scripts/test.sh"]
async fn refused_coupons_are_explained_on_the_field() {
    run("refused_coupons_are_explained_on_the_field", |c| async move {
        let studio = Studio::with_gateway(|_| vec![]).await?;
        let page = CheckoutPage::open(&c, &studio.url("/uelz.html")).await?;
        page.choose_uelz_plan(MONTHLY).await?;
        for (code, says) in [("NOPE", "isn't valid"), ("SPRING", "expired"), ("ANNUAL50", "can't be used with this plan")] {
            page.type_into("coupon-input", code).await?;
            page.click("coupon-apply").await?;
            let message = wait_for(&format!("the coupon error for {code}"), || async {
                let shown = page.text_of("coupon-error").await?;
                Ok(shown.contains(says).then_some(shown))
            })
            .await?;
            ensure!(!page.shows_now("coupon-applied").await?, "{code} must not be applied ({message})");
            let input = page.visible("coupon-input").await?;
            ensure!(input.attr("aria-invalid").await?.as_deref() == Some("true"), "the field is marked invalid");
        }
        // Continuing with a refused code in the box asks to clear it; nothing is bought.
        fill_details(&page, "Alex Runner", "alex@example.com").await?;
        page.press_continue().await?;
        let message = page.text_of("coupon-error").await?;
        ensure!(message.contains("Apply this code first"), "{message:?}");
        page.wait_state("browsing").await?;
        ensure!(studio.uelz_purchases()?.is_empty(), "no purchase may be created");
        Ok(())
    })
    .await;
}

/// The purchase is made but its answers never reach the browser, for every automatic attempt.
/// "Try again" sends the same external_id, so Uelz answers with the same purchase instead of
/// making a second one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and a release build: run by scripts/test.sh"]
async fn a_retry_after_a_lost_answer_creates_one_purchase() {
    run("a_retry_after_a_lost_answer_creates_one_purchase", |c| async move {
        let studio = Studio::with_gateway(|_| vec![]).await?;
        let page = CheckoutPage::open(&c, &studio.url("/uelz.html")).await?;
        page.choose_uelz_plan(CLASS_CARD).await?;
        fill_details(&page, "Jo Newcomer", "jo.newcomer@example.com").await?;
        // Every automatic attempt (the widget resends a keyed purchase by itself) loses its answer.
        studio.inject_fault("uelz.purchases.create", "drop_after_acting", 3)?;
        page.press_continue().await?;

        let error = page.text_of("form-error").await?;
        ensure!(error.contains("charged twice"), "the customer is told a retry is safe: {error:?}");
        let first = only_purchase(&studio).context("Uelz made the purchase once, however often it was sent")?;
        page.click("retry").await?;

        PaymentPage::wait_uelz(&c).await?;
        let after = only_purchase(&studio).context("the retry must not create a second purchase")?;
        ensure!(text(&after, "id") == text(&first, "id"), "same purchase: {first} vs {after}");
        ensure!(
            c.current_url().await?.path().ends_with(&text(&first, "id")),
            "the payment page is the first purchase's"
        );
        ensure!(text(&after, "customer").starts_with('c') && text(&after, "customer") != ALEX, "a new customer was created");
        let key = format!("checkout-{}", text(&after, "external_id"));
        let made = uelz_customers(&studio).await?.into_iter().filter(|c| text(c, "external_customer_id") == key).count();
        ensure!(made == 1, "the retries made one customer, not {made}");
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and a release build: run by scripts/test.sh"]
async fn a_plan_with_a_start_date() {
    run("a_plan_with_a_start_date", |c| async move {
        let studio = Studio::with_gateway(|_| vec![]).await?;
        let page = CheckoutPage::open(&c, &studio.url("/uelz.html")).await?;
        page.choose_uelz_plan(REFORMER).await?;
        let input = page.visible("activation-date").await?;
        let today: String = run_async_js(&c, "const d = new Date(); return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0');", vec![])
            .await?
            .as_str()
            .unwrap_or_default()
            .to_string();
        ensure!(input.prop("value").await?.as_deref() == Some(today.as_str()), "the start date defaults to today ({today})");
        ensure!(input.attr("min").await?.as_deref() == Some(today.as_str()), "past dates can't be picked");

        let start = run_async_js(&c, "return new Date(Date.now() + 10 * 864e5).toISOString().slice(0, 10);", vec![])
            .await?
            .as_str()
            .unwrap_or_default()
            .to_string();
        page.set_date("activation-date", &start).await?;
        let summary = page.text_of("summary").await?;
        ensure!(summary.contains("Starts") && summary.contains("First payment, on the start date"), "{summary:?}");
        fill_details(&page, "Alex Runner", "alex@example.com").await?;
        page.press_continue().await?;
        PaymentPage::wait_uelz(&c).await?.pay().await?;
        CheckoutPage::on(&c).wait_outcome("paid").await?;

        let purchase = only_purchase(&studio)?;
        ensure!(text(&purchase, "service_activation_date") == start, "activation date sent: {purchase}");
        ensure!(text(&purchase, "first_charge_date") == start, "billing starts on it: {purchase}");
        ensure!(text(&purchase, "status") == "pending", "a future start is pending once paid: {purchase}");
        Ok(())
    })
    .await;
}

/// Everything the browser can receive — the built files, every kind of gateway answer, the page,
/// its storage and the URLs it loaded — is free of the Uelz api-key and organization id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and a release build: run by scripts/test.sh"]
async fn uelz_secrets_never_reach_the_browser() {
    run("uelz_secrets_never_reach_the_browser", |c| async move {
        let studio = Studio::with_gateway(|_| vec![]).await?;
        let secrets = [UELZ_API_KEY, UELZ_ORGANIZATION_ID];

        let mut files = 0;
        for path in walk(studio.site_dir())? {
            let bytes = std::fs::read(&path)?;
            for secret in secrets {
                ensure!(!contains(&bytes, secret.as_bytes()), "{} contains a Uelz secret", path.display());
            }
            files += 1;
        }
        ensure!(files >= 4, "the built site should have html, js, wasm and css; found {files} files");

        let page = CheckoutPage::open(&c, &studio.url("/uelz.html")).await?;
        page.choose_uelz_plan(MONTHLY).await?;
        page.type_into("coupon-input", "WELCOME10").await?;
        page.click("coupon-apply").await?;
        page.text_of("coupon-applied").await?;
        let seen = everything_the_page_saw(&c, &studio.gateway_api()?).await?;
        for secret in secrets {
            ensure!(!seen.contains(secret), "the browser received a Uelz secret");
        }
        for must in ["\"plans\"", "coupon_not_found", "parameter_invalid", "WELCOME10", "\"status\":404"] {
            ensure!(seen.contains(must), "the check must have seen {must}; it saw: {}", &seen[..seen.len().min(2000)]);
        }
        Ok(())
    })
    .await;
}

/// Responses (status, headers, body) of every gateway route including error paths, fetched from
/// the page as the widget does, plus the page's HTML, storage, cookies and loaded URLs.
async fn everything_the_page_saw(c: &Client, api: &str) -> Result<String> {
    let script = r#"
const [api] = args;
const dump = async (path, init) => {
  const res = await fetch(api + path, init);
  const headers = [...res.headers.entries()].map(([k, v]) => k + ': ' + v).join('\n');
  return JSON.stringify({ path, status: res.status }) + '\n' + headers + '\n' + await res.text();
};
const post = body => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
const parts = [
  await dump('/health'),
  await dump('/plans'),
  await dump('/coupons/WELCOME10?plan=clpl0month1yun11m1ted00002'),
  await dump('/coupons/NOPE?plan=clpl0month1yun11m1ted00002'),
  await dump('/coupons/SPRING?plan=clpl0month1yun11m1ted00002'),
  await dump('/coupons/WELCOME10'),
  await dump('/purchases', post('{}')),
  await dump('/purchases', post('not json')),
  await dump('/purchases', post(JSON.stringify({ plan: 'nope', external_id: 'abcdefgh12', customer: { id: 'x' }, return_to: location.href }))),
  await dump('/nowhere'),
  document.documentElement.outerHTML,
  JSON.stringify(Object.entries(sessionStorage)),
  JSON.stringify(Object.entries(localStorage)),
  document.cookie,
  performance.getEntries().map(e => e.name).join('\n'),
];
return parts.join('\n----\n');
"#;
    let out = run_async_js(c, script, vec![json!(api)]).await?;
    Ok(out.as_str().unwrap_or_default().to_string())
}

fn walk(dir: &std::path::Path) -> Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(walk(&path)?);
        } else {
            out.push(path);
        }
    }
    Ok(out)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
