//! "Sign in with TeamUp": a customer without a token signs in from the widget (OAuth 2.0
//! authorization code + PKCE against the sandbox) and buys; a tampered `state` and a reused code
//! are refused; an access token that lapses mid-checkout is refreshed without losing the choices.
//!
//! `#[ignore]`d like the other browser suites; scripts/test.sh runs them.

mod support;

use std::time::Duration;

use anyhow::{anyhow, ensure, Result};
use checkout_e2e::HostElement;
use checkout_sandbox::Config;
use fantoccini::Client;
use serde_json::json;

use support::browser::run;
use support::pages::{run_async_js, sign_in_as, wait_sign_in_page, CheckoutPage, PaymentPage, DEMO_CUSTOMER};
use support::studio::{Studio, DROP_IN, PACK};

const CLIENT: &str = "membership-checkout-e2e";
const ALEX: &str = "alex.runner@example.com";
/// JS: where the widget keeps this page's sign-in (`args[0]` = the client id): under the API's
/// origin, the client and the provider.
const KEY: &str = "`membership-checkout:${JSON.stringify([location.origin, args[0], 100])}`";

/// The studio with an OAuth client for its sign-in page, and that page: the widget with a client
/// id and no token.
async fn studio(access_token_lifetime: Option<Duration>) -> Result<Studio> {
    let mut config = Config::demo().with_oauth_client(CLIENT, "Riverside checkout (e2e)", &["http://127.0.0.1/signin.html"]);
    if let Some(lifetime) = access_token_lifetime {
        config = config.with_access_token_lifetime(lifetime);
    }
    let page = HostElement::demo().without("data-token").with("data-client-id", CLIENT);
    Studio::start_with(config, &[("signin.html", page)]).await
}


/// Opens the sign-in page, chooses `membership` and continues: off to sign in.
async fn choose_and_continue(c: &Client, studio: &Studio, membership: u64) -> Result<CheckoutPage> {
    let widget = CheckoutPage::open(c, &studio.url("/signin.html")).await?;
    widget.wait_state("browsing").await?;
    widget.visible("sign-in-hint").await?;
    widget.choose_membership(membership).await?;
    widget.press_continue().await?;
    Ok(widget)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist/: run by scripts/test.sh"]
async fn a_customer_without_a_token_signs_in_and_buys() {
    run("a_customer_without_a_token_signs_in_and_buys", |c| async move {
        let studio = studio(None).await?;
        choose_and_continue(&c, &studio, PACK).await?;
        ensure!(studio.purchases()?.is_empty(), "nothing is bought before signing in");
        let at = c.current_url().await?;
        let query: std::collections::HashMap<_, _> = at.query_pairs().into_owned().collect();
        ensure!(query.get("code_challenge_method").map(String::as_str) == Some("S256"), "PKCE S256: {at}");
        ensure!(query.get("state").is_some_and(|s| s.len() >= 20), "a random state: {at}");
        ensure!(query.get("client_id").map(String::as_str) == Some(CLIENT), "{at}");

        sign_in_as(&c, ALEX).await?;
        // Back on the studio's page the widget exchanges the code, restores the choice and carries on.
        let payment = PaymentPage::wait(&c).await?;
        let purchase = studio.only_purchase()?;
        ensure!(purchase["membership"] == json!(PACK), "the choice made before signing in was bought: {purchase}");
        ensure!(purchase["customer"] == json!(DEMO_CUSTOMER), "as the customer who signed in: {purchase}");
        let stats = studio.oauth_stats()?;
        ensure!(stats.codes_exchanged == 1, "one code exchanged: {stats:?}");

        payment.pay().await?;
        let widget = CheckoutPage::on(&c);
        widget.wait_outcome("paid").await?;
        widget.visible("signed-in").await?;
        let stored = run_async_js(&c, "return { local: localStorage.length, url: location.href, html: document.documentElement.outerHTML };", vec![]).await?;
        ensure!(stored["local"] == json!(0), "nothing in localStorage: {stored}");
        ensure!(!stored["url"].as_str().unwrap_or("").contains("code="), "no code in the address: {stored}");

        let kept = run_async_js(&c, &format!("return sessionStorage.getItem({KEY} + ':tokens');"), vec![json!(CLIENT)]).await?;
        ensure!(kept.as_str().is_some_and(|t| t.contains("sbx_at_")), "kept under the API's origin, client and provider: {kept}");

        // Signing out forgets the tokens: continuing asks to sign in again.
        widget.click("sign-out").await?;
        widget.visible("sign-in-hint").await?;
        let stored = run_async_js(&c, &format!("return {{ key: {KEY}, keys: Object.keys(sessionStorage) }};"), vec![json!(CLIENT)]).await?;
        ensure!(!stored["keys"].as_array().unwrap().iter().any(|k| k.as_str().unwrap().ends_with(":tokens")), "the tokens are gone from this tab: {stored}");
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist/: run by scripts/test.sh"]
async fn a_tampered_state_is_not_exchanged() {
    run("a_tampered_state_is_not_exchanged", |c| async move {
        let studio = studio(None).await?;
        choose_and_continue(&c, &studio, PACK).await?;
        wait_sign_in_page(&c).await?;
        // Someone swaps the state: the answer comes back with one this page never made.
        let mut url = c.current_url().await?;
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .into_owned()
            .map(|(k, v)| if k == "state" { (k, "forged-state-0123456789abcdef".to_string()) } else { (k, v) })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
        c.goto(url.as_str()).await?;
        sign_in_as(&c, ALEX).await?;

        let widget = CheckoutPage::on(&c);
        let notice = widget.text_of("sign-in-notice").await?;
        ensure!(notice.contains("didn't match"), "{notice}");
        widget.visible("sign-in-hint").await?;
        let stats = studio.oauth_stats()?;
        ensure!(stats.codes_issued == 1 && stats.codes_exchanged == 0, "the code was never exchanged: {stats:?}");
        ensure!(studio.purchases()?.is_empty(), "nothing bought");
        // Not this widget's sign-in: left in the address for whoever it belongs to (docs/security.md).
        ensure!(c.current_url().await?.as_str().contains("code="), "the answer is left alone");
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist/: run by scripts/test.sh"]
async fn a_reused_code_is_refused() {
    run("a_reused_code_is_refused", |c| async move {
        let studio = studio(None).await?;
        choose_and_continue(&c, &studio, PACK).await?;
        wait_sign_in_page(&c).await?;
        // The sign-in page's own form, submitted by fetch: its redirect's address carries the code.
        // The sign-in request the widget stored (same origin here) has the verifier.
        let got = run_async_js(
            &c,
            &"const form = document.querySelector('form');\n\
             const data = new URLSearchParams(new FormData(form));\n\
             data.set('user', document.querySelector('button[data-testid=oauth-sign-in]').value);\n\
             const target = new URL(form.getAttribute('action') || '', location.href);\n\
             const res = await fetch(target, { method: 'POST', body: data });\n\
             const back = new URL(res.url);\n\
             const request = JSON.parse(sessionStorage.getItem(__KEY__ + ':sign-in'));\n\
             const exchange = () => fetch('/api/v2/auth/oauth/token', { method: 'POST', body: new URLSearchParams({\n\
               grant_type: 'authorization_code', code: back.searchParams.get('code'), client_id: args[0],\n\
               redirect_uri: request.redirect_uri, code_verifier: request.verifier }) }).then(async r => [r.status, await r.json()]);\n\
             const first = await exchange();\n\
             const second = await exchange();\n\
             return { back: res.url, first, second };"
                .replace("__KEY__", KEY),
            vec![json!(CLIENT)],
        )
        .await?;
        ensure!(got["first"][0] == json!(200), "the code works once: {got}");
        ensure!(got["second"][0] == json!(400) && got["second"][1]["code"] == json!("invalid_grant"), "and only once: {got}");

        // The browser arrives with the used code: the widget's exchange is refused and it says so.
        let back = got["back"].as_str().ok_or_else(|| anyhow!("no redirect address: {got}"))?;
        c.goto(back).await?;
        let widget = CheckoutPage::on(&c);
        let notice = widget.text_of("sign-in-notice").await?;
        ensure!(notice.contains("didn't work"), "{notice}");
        widget.visible("sign-in-hint").await?;
        ensure!(studio.purchases()?.is_empty(), "nothing bought with a used code");
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist/: run by scripts/test.sh"]
async fn an_access_token_lapsing_mid_checkout_is_refreshed_and_the_choice_kept() {
    run("an_access_token_lapsing_mid_checkout_is_refreshed_and_the_choice_kept", |c| async move {
        let studio = studio(Some(Duration::from_secs(3))).await?;
        choose_and_continue(&c, &studio, PACK).await?;
        sign_in_as(&c, ALEX).await?;
        PaymentPage::wait(&c).await?.cancel().await?;
        let widget = CheckoutPage::on(&c);
        // Still signed in on the way back: the widget asks TeamUp, which has no purchase.
        widget.wait_confirmation("not-found").await?;
        widget.click("start-again").await?;

        // A new choice, and the customer thinks it over for longer than the access token lives: it
        // is renewed before it lapses, without a request needing it.
        widget.choose_membership(DROP_IN).await?;
        let before = studio.oauth_stats()?;
        tokio::time::sleep(Duration::from_secs(4)).await;
        let meanwhile = studio.oauth_stats()?;
        ensure!(meanwhile.refreshes > before.refreshes, "renewed while the customer was deciding: {before:?} -> {meanwhile:?}");
        ensure!(meanwhile.tokens_active >= 1, "a live access token: {meanwhile:?}");
        widget.press_continue().await?;
        PaymentPage::wait(&c).await?;
        let purchases = studio.purchases()?;
        let last = purchases.last().ok_or_else(|| anyhow!("no purchase"))?;
        ensure!(last["membership"] == json!(DROP_IN) && last["customer"] == json!(DEMO_CUSTOMER), "the choice survived: {last}");
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist/: run by scripts/test.sh"]
async fn a_host_page_hands_over_its_token_and_a_fresh_one_when_asked() {
    run("a_host_page_hands_over_its_token_and_a_fresh_one_when_asked", |c| async move {
        let studio = studio(None).await?;
        CheckoutPage::open(&c, &studio.url("/signin.html")).await?;
        // The page signed the customer in itself; its token has gone stale by the time the widget uses it.
        run_async_js(
            &c,
            "window.__asked = 0;\n\
             const el = document.createElement('div'); el.id = 'api-host'; document.body.append(el);\n\
             await MembershipCheckout.mount(el, { apiBase: '/api/v2', providerId: 100, token: 'stale-token',\n\
               getFreshToken: async () => { window.__asked++; return 'demo-customer-token'; } });",
            vec![],
        )
        .await?;
        let widget = CheckoutPage::on(&c).within("#api-host");
        widget.wait_state("browsing").await?;
        ensure!(!widget.shows_now("sign-in-hint").await?, "a host-given token needs no sign-in");
        let asked = run_async_js(&c, "return { asked: window.__asked, attrs: document.getElementById('api-host').getAttributeNames() };", vec![]).await?;
        ensure!(asked["asked"] == json!(1), "the page was asked once for a fresh token: {asked}");
        ensure!(!asked["attrs"].to_string().contains("token"), "no token in the DOM: {asked}");
        widget.choose_membership(PACK).await?;
        widget.press_continue().await?;
        PaymentPage::wait(&c).await?;
        ensure!(studio.only_purchase()?["customer"] == json!(DEMO_CUSTOMER));
        Ok(())
    })
    .await;
}
