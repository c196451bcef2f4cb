//! Security in Chromium (docs/security.md): the release build against the sandbox's hostile mode
//! (sandbox/README.md, "Hostile mode"), two widgets for different APIs on one page, and a page
//! that enforces Trusted Types and holds markup that would clobber globals.
//!
//! Each hostile page carries a recorder (installed before the widget's code) that counts dialogs,
//! notes every `membership-checkout:error` event, keeps the page where it is when the widget wants
//! to go to a payment page (the `redirect` event, cancelled), and marks the document: a navigation
//! would load a new document with a new mark. The foreign server records every request it gets.
//!
//! `#[ignore]`d like the other browser suites; scripts/test.sh runs them.

mod support;

use anyhow::{anyhow, ensure, Context, Result};
use checkout_e2e::{host_page, HostElement};
use checkout_sandbox::hostile::{List, NextUrl};
use checkout_sandbox::{Config, Trick};
use fantoccini::Client;
use serde_json::{json, Value};

use support::browser::{run, wait_for};
use support::pages::{run_async_js, sign_in_as, testid, CheckoutPage, DEMO_CUSTOMER};
use support::studio::{Studio, PACK, UNLIMITED_MONTHLY};

const WONT_FOLLOW: &str = "answered with a link we won't follow";
const NOT_OPENED: &str = "isn't one this widget may send you to";
const CLIENT: &str = "security-e2e";
const ALEX: &str = "alex.runner@example.com";

/// Runs before the widget's code on every watched page.
const RECORDER: &str = r#"<script>
  window.__mark = String(Math.random());
  window.__dialogs = 0;
  for (const name of ['alert', 'confirm', 'prompt', 'print']) window[name] = () => { window.__dialogs++; };
  window.__errors = [];
  window.__redirects = 0;
  window.__violations = [];
  document.addEventListener('membership-checkout:error', e => window.__errors.push(e.detail));
  document.addEventListener('membership-checkout:redirect', e => { window.__redirects++; e.preventDefault(); });
  document.addEventListener('securitypolicyviolation', e => window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`));
</script>"#;

/// Writes `name` on the studio's site: its index page with `hosts` between the markers and the
/// recorder (and `head`) in its `<head>`.
fn watched_page(studio: &Studio, name: &str, hosts: &[HostElement], head: &str) -> Result<()> {
    let index = std::fs::read_to_string(studio.site_dir().join("index.html"))?;
    let mut html = host_page(&index, &hosts[0]).map_err(|e| anyhow!("{e}"))?;
    let first = hosts[0].to_html();
    let all: String = hosts.iter().map(HostElement::to_html).collect::<Vec<_>>().join("\n");
    html = html.replacen(&first, &all, 1);
    let head_end = html.find("<head>").ok_or_else(|| anyhow!("no <head> in index.html"))? + "<head>".len();
    html.insert_str(head_end, &format!("\n{head}\n{RECORDER}\n"));
    studio.write_page(name, &html)
}

/// What the recorder has seen.
async fn recorded(c: &Client) -> Result<Value> {
    run_async_js(
        c,
        "const hosts = [...document.querySelectorAll('[data-membership-checkout], membership-checkout')];\n\
         return { mark: window.__mark, dialogs: window.__dialogs, errors: window.__errors, redirects: window.__redirects,\n\
           ran: window.__hostileRan === undefined ? null : window.__hostileRan, origin: location.origin, path: location.pathname,\n\
           violations: window.__violations,\n\
           elements: hosts.map(h => h.shadowRoot ? h.shadowRoot.querySelectorAll('script, img, iframe, object, embed, a[href^=javascript]').length : 0) };",
        vec![],
    )
    .await
}

/// The page is the one `mark` was read on, nothing ran, no dialog opened, no markup became
/// elements, and the foreign server has received nothing.
async fn nothing_escaped(c: &Client, studio: &Studio, mark: &Value) -> Result<Value> {
    let seen = recorded(c).await?;
    ensure!(&seen["mark"] == mark, "the page navigated away (or reloaded): {seen}");
    ensure!(seen["origin"] == json!(studio.origin()), "not on the studio's site: {seen}");
    ensure!(seen["dialogs"] == json!(0) && seen["ran"].is_null(), "something ran: {seen}");
    ensure!(seen["elements"].as_array().is_some_and(|e| e.iter().all(|n| n == &json!(0))), "markup became elements: {seen}");
    let foreign = studio.hostile_mode()?.foreign_requests();
    ensure!(foreign.is_empty(), "the foreign server received {foreign:?}");
    Ok(seen)
}

async fn open_watched(c: &Client, studio: &Studio, path: &str) -> Result<(CheckoutPage, Value)> {
    let widget = CheckoutPage::open(c, &studio.url(path)).await?;
    let mark = recorded(c).await?["mark"].clone();
    Ok((widget, mark))
}

/// Buys the pack; the recorder keeps the page on the countdown.
async fn buy_pack(widget: &CheckoutPage) -> Result<()> {
    widget.choose_membership(PACK).await?;
    widget.press_continue().await?;
    widget.visible("countdown").await.context("the widget still sells")?;
    Ok(())
}

fn error_events(seen: &Value) -> String {
    seen["errors"].to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist/: run by scripts/test.sh"]
async fn links_to_another_server_are_never_followed_and_each_section_says_so() {
    run("links_to_another_server_are_never_followed_and_each_section_says_so", |c| async move {
        let studio = Studio::hostile(Config::demo(), &[Trick::ForeignNext(List::Memberships)], &[]).await?;
        watched_page(&studio, "watched.html", &[HostElement::demo()], "")?;
        let hostile = studio.hostile_mode()?.clone();

        // The catalogue's next page is elsewhere: the catalogue says so, and nothing went there.
        let (widget, mark) = open_watched(&c, &studio, "/watched.html").await?;
        widget.wait_state("load-error").await?;
        let text = widget.text_of("load-error").await?;
        ensure!(text.contains(WONT_FOLLOW), "{text}");
        let seen = nothing_escaped(&c, &studio, &mark).await?;
        ensure!(error_events(&seen).contains(WONT_FOLLOW) && error_events(&seen).contains(r#""stage":"load""#), "{seen}");
        // Usable: once the server behaves, "Try again" loads it, and it sells.
        hostile.arm(&[]);
        widget.click("reload").await?;
        buy_pack(&widget).await?;
        nothing_escaped(&c, &studio, &mark).await?;
        widget.click("start-again").await?;

        // A membership's plans are elsewhere: that section says so; the rest works.
        hostile.arm(&[Trick::ForeignPlans, Trick::ForeignNext(List::Events)]);
        let (widget, mark) = open_watched(&c, &studio, "/watched.html").await?;
        widget.choose_membership(UNLIMITED_MONTHLY).await?;
        let plans = widget.text_of("plans-load-error").await?;
        ensure!(plans.contains(WONT_FOLLOW), "{plans}");
        // The classes' next page is elsewhere: the booking section says so.
        let booking = wait_for("the classes' refusal", || async {
            let text = widget.text_of("booking").await?;
            Ok(text.contains(WONT_FOLLOW).then_some(text))
        })
        .await?;
        ensure!(booking.contains("You can still buy the membership"), "{booking}");
        buy_pack(&widget).await?;
        let seen = nothing_escaped(&c, &studio, &mark).await?;
        ensure!(seen["redirects"] == json!(1), "{seen}");
        ensure!(studio.purchases()?.len() == 2, "both purchases were made at the studio's API");
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist/: run by scripts/test.sh"]
async fn every_unsafe_payment_address_is_refused_and_the_next_attempt_works() {
    run("every_unsafe_payment_address_is_refused_and_the_next_attempt_works", |c| async move {
        let studio = Studio::hostile(Config::demo(), &[], &[]).await?;
        watched_page(&studio, "watched.html", &[HostElement::demo()], "")?;
        let hostile = studio.hostile_mode()?.clone();
        let (widget, mark) = open_watched(&c, &studio, "/watched.html").await?;
        widget.choose_membership(PACK).await?;
        let reasons = [
            (NextUrl::Javascript, "not a web address"),
            (NextUrl::Data, "not a web address"),
            (NextUrl::ProtocolRelative, "not a web address"),
            (NextUrl::Userinfo, "user name or password"),
            (NextUrl::Lookalike, "evil.example, which this studio hasn't approved"),
            (NextUrl::HttpForeign, "not secure"),
            (NextUrl::ForeignPort, "which this studio hasn't approved"),
        ];
        for (n, (kind, reason)) in reasons.into_iter().enumerate() {
            hostile.arm(&[Trick::NextUrl(kind)]);
            widget.press_continue().await?;
            let said = widget.text_of("form-error").await?;
            ensure!(said.contains(NOT_OPENED), "{kind:?}: {said}");
            widget.wait_state("browsing").await?;
            let seen = nothing_escaped(&c, &studio, &mark).await?;
            let errors = seen["errors"].as_array().cloned().unwrap_or_default();
            ensure!(errors.len() == n + 1, "{kind:?}: one error event each: {seen}");
            let told = errors[n]["message"].as_str().unwrap_or_default();
            ensure!(told.contains(reason) && errors[n]["stage"] == json!("purchase"), "{kind:?}: the host is told why: {told}");
            ensure!(studio.purchases()?.len() == n + 1, "{kind:?}: the offer was made, and not followed");
        }
        // The same customer, the same choice: with an honest answer it goes through.
        hostile.arm(&[]);
        widget.press_continue().await?;
        widget.visible("countdown").await?;
        let seen = nothing_escaped(&c, &studio, &mark).await?;
        ensure!(seen["redirects"] == json!(1), "{seen}");
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist/: run by scripts/test.sh"]
async fn a_lapsed_offer_and_a_skewed_clock_show_the_lapse_and_start_again() {
    run("a_lapsed_offer_and_a_skewed_clock_show_the_lapse_and_start_again", |c| async move {
        let studio = Studio::hostile(Config::demo(), &[Trick::NextUrl(NextUrl::Expired)], &[]).await?;
        watched_page(&studio, "watched.html", &[HostElement::demo()], "")?;
        let hostile = studio.hostile_mode()?.clone();
        let (widget, mark) = open_watched(&c, &studio, "/watched.html").await?;
        for tricks in [vec![Trick::NextUrl(NextUrl::Expired)], vec![Trick::DateSkew]] {
            hostile.arm(&tricks);
            widget.choose_membership(PACK).await?;
            widget.press_continue().await?;
            let lapsed = widget.text_of("lapsed").await?;
            ensure!(lapsed.contains("10-Class Pack"), "{tricks:?}: {lapsed}");
            let seen = nothing_escaped(&c, &studio, &mark).await?;
            ensure!(seen["redirects"] == json!(0), "{tricks:?}: a lapsed offer is not opened: {seen}");
            widget.click("start-again").await?;
            widget.wait_state("browsing").await?;
        }
        hostile.arm(&[]);
        buy_pack(&widget).await?;
        nothing_escaped(&c, &studio, &mark).await?;
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist/: run by scripts/test.sh"]
async fn script_in_every_string_stays_text_and_an_endless_class_list_ends() {
    run("script_in_every_string_stays_text_and_an_endless_class_list_ends", |c| async move {
        let studio = Studio::hostile(Config::demo(), &[Trick::Markup, Trick::EndlessEvents], &[]).await?;
        watched_page(&studio, "watched.html", &[HostElement::demo()], "")?;
        let (widget, mark) = open_watched(&c, &studio, "/watched.html").await?;
        widget.choose_membership(PACK).await?;
        let card = widget.text_of(&format!("membership-{PACK}")).await?;
        ensure!(card.contains("10-Class Pack") && card.contains("<script>"), "shown as text: {card}");
        let booking = wait_for("the endless class list to be given up", || async {
            let text = widget.text_of("booking").await?;
            Ok(text.contains("Classes couldn't be loaded").then_some(text))
        })
        .await?;
        ensure!(booking.contains("couldn't read"), "{booking}");
        widget.press_continue().await?;
        widget.visible("countdown").await?;
        let summary = widget.find_all(&testid("offer")).await?;
        ensure!(!summary.is_empty());
        nothing_escaped(&c, &studio, &mark).await?;
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist/: run by scripts/test.sh"]
async fn a_customer_signed_in_with_teamup_sends_nothing_to_a_hostile_answers_server() {
    run("a_customer_signed_in_with_teamup_sends_nothing_to_a_hostile_answers_server", |c| async move {
        let config = Config::demo().with_oauth_client(CLIENT, "Security e2e", &["http://127.0.0.1/signed-in.html"]);
        let studio = Studio::hostile(config, &[], &[]).await?;
        let host = HostElement::demo().without("data-token").with("data-client-id", CLIENT);
        watched_page(&studio, "signed-in.html", &[host], "")?;
        let hostile = studio.hostile_mode()?.clone();
        let widget = CheckoutPage::open(&c, &studio.url("/signed-in.html")).await?;
        widget.choose_membership(PACK).await?;
        widget.press_continue().await?;
        sign_in_as(&c, ALEX).await?;
        // Back, signed in, on to payment (kept on the page by the recorder).
        let widget = CheckoutPage::on(&c);
        widget.visible("countdown").await?;
        widget.visible("signed-in").await?;
        let back = c.current_url().await?;
        ensure!(!back.as_str().contains("code="), "{back}");
        widget.click("start-again").await?;

        // The API turns hostile; the customer comes back to the page, still signed in.
        hostile.arm(&[Trick::ForeignPlans, Trick::ForeignNext(List::Events), Trick::NextUrl(NextUrl::ForeignPort)]);
        let (widget, mark) = open_watched(&c, &studio, "/signed-in.html").await?;
        widget.visible("signed-in").await?;
        widget.choose_membership(UNLIMITED_MONTHLY).await?;
        ensure!(widget.text_of("plans-load-error").await?.contains(WONT_FOLLOW));
        widget.choose_membership(PACK).await?;
        widget.press_continue().await?;
        ensure!(widget.text_of("form-error").await?.contains(NOT_OPENED));
        nothing_escaped(&c, &studio, &mark).await?;
        let bought = studio.purchases()?;
        ensure!(bought.len() == 2 && bought.iter().all(|p| p["customer"] == json!(DEMO_CUSTOMER)), "{bought:?}");
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist/: run by scripts/test.sh"]
async fn two_widgets_for_different_apis_share_no_token_and_no_sign_in() {
    run("two_widgets_for_different_apis_share_no_token_and_no_sign_in", |c| async move {
        let config = Config::demo().with_oauth_client(CLIENT, "Security e2e", &["http://127.0.0.1/two.html"]);
        let studio = Studio::hostile(config, &[], &[]).await?;
        let hostile = studio.hostile_mode()?.clone();
        // B's API is another server (the recording one), with another client, for the same provider id.
        let other_api = format!("{}/api/v2", hostile.foreign_url().ok_or_else(|| anyhow!("no foreign server"))?);
        let first = HostElement::demo().without("data-token").with("data-client-id", CLIENT).with("id", "first");
        let second = HostElement::demo()
            .without("data-token")
            .with("data-api-base", &other_api)
            .with("data-client-id", "other-client")
            .with("id", "second");
        // B comes first on the page, so it sees A's answer before A takes it out of the address.
        watched_page(&studio, "two.html", &[second, first], "")?;
        let a = CheckoutPage::open(&c, &studio.url("/two.html")).await?.within("#first");
        let b = CheckoutPage::on(&c).within("#second");
        b.wait_state("browsing").await?;
        b.visible("sign-in-hint").await?;
        // B has a sign-in of its own waiting (as if its customer had started one).
        let b_key = format!(
            "membership-checkout:{}",
            json!([hostile.foreign_url().unwrap(), "other-client", 100])
        );
        run_async_js(
            &c,
            "sessionStorage.setItem(args[0] + ':sign-in', JSON.stringify({ state: 'state-of-b', verifier: 'v'.repeat(43),\n\
               redirect_uri: location.origin + '/two.html', started_ms: Date.now(), selection: null }));",
            vec![json!(b_key)],
        )
        .await?;

        a.choose_membership(PACK).await?;
        a.press_continue().await?;
        sign_in_as(&c, ALEX).await?;
        let a = CheckoutPage::on(&c).within("#first");
        a.visible("countdown").await.context("the first widget signs in and sells")?;
        let b = CheckoutPage::on(&c).within("#second");
        let notice = b.text_of("sign-in-notice").await?;
        ensure!(notice.contains("didn't match"), "B noticed the answer was not its own: {notice}");
        b.visible("sign-in-hint").await?;

        let stats = studio.oauth_stats()?;
        ensure!(stats.codes_exchanged == 1, "A's code was exchanged once, by A: {stats:?}");
        let purchase = studio.only_purchase()?;
        ensure!(purchase["customer"] == json!(DEMO_CUSTOMER), "{purchase}");
        let seen_by_b = hostile.foreign_requests();
        ensure!(!seen_by_b.is_empty(), "B loaded from its own API");
        ensure!(seen_by_b.iter().all(|r| r.authorization.is_none()), "B's API never got a token: {seen_by_b:?}");
        ensure!(seen_by_b.iter().all(|r| !r.target.contains("/auth/oauth/token")), "B never tried A's code: {seen_by_b:?}");
        let stored = run_async_js(
            &c,
            "return Object.keys(sessionStorage).sort().map(k => [k, sessionStorage.getItem(k).includes('sbx_at_')]);",
            vec![],
        )
        .await?;
        let with_token: Vec<&Value> = stored.as_array().unwrap().iter().filter(|e| e[1] == json!(true)).collect();
        ensure!(with_token.len() == 1 && with_token[0][0].as_str().unwrap().contains(CLIENT), "only A's key holds a token: {stored}");
        let b_sign_in = run_async_js(&c, "return sessionStorage.getItem(args[0] + ':sign-in');", vec![json!(b_key)]).await?;
        ensure!(b_sign_in.as_str().is_some_and(|s| s.contains("state-of-b")), "B's own sign-in is untouched: {b_sign_in}");
        let url = c.current_url().await?;
        ensure!(!url.as_str().contains("code="), "A took its code out of the address: {url}");
        Ok(())
    })
    .await;
}

/// `require-trusted-types-for 'script'`: every string written to an HTML sink throws. The page also
/// holds elements whose ids and names shadow the globals the loader and the widget use.
const TRUSTED_TYPES: &str = r#"<meta http-equiv="Content-Security-Policy" content="require-trusted-types-for 'script'">"#;
const CLOBBERING: &str = r##"<a id="MembershipCheckout" href="#"></a><img name="MembershipCheckout" alt=""><form name="__membershipCheckoutEarly"></form><div id="mc1-membership"></div><div id="mc2-membership"></div>"##;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist/: run by scripts/test.sh"]
async fn under_trusted_types_and_clobbering_markup_the_widget_works_and_writes_no_html() {
    run("under_trusted_types_and_clobbering_markup_the_widget_works_and_writes_no_html", |c| async move {
        let studio = Studio::hostile(Config::demo(), &[], &[]).await?;
        watched_page(&studio, "trusted.html", &[HostElement::demo()], TRUSTED_TYPES)?;
        let index = std::fs::read_to_string(studio.site_dir().join("trusted.html"))?;
        let with_markup = index.replacen("<!-- widget:start -->", &format!("{CLOBBERING}\n<!-- widget:start -->"), 1);
        studio.write_page("trusted.html", &with_markup)?;

        let (widget, mark) = open_watched(&c, &studio, "/trusted.html").await?;
        let enforced = run_async_js(
            &c,
            "let refused = false;\n\
             try { document.createElement('div').innerHTML = '<b>x</b>'; } catch (e) { refused = String(e).includes('TrustedHTML'); }\n\
             await new Promise(r => setTimeout(r, 50));\n\
             const seen = window.__violations.length; window.__violations = []; return { refused, seen };",
            vec![],
        )
        .await?;
        ensure!(enforced == json!({"refused": true, "seen": 1}), "the page enforces Trusted Types and reports it: {enforced}");
        // Loading, browsing, plans, submitting, the countdown: all rendered without HTML strings.
        widget.choose_membership(UNLIMITED_MONTHLY).await?;
        widget.choose_plan(1032).await?;
        buy_pack(&widget).await?;
        // The JS API is ours, not the element named MembershipCheckout.
        let api = run_async_js(
            &c,
            "const el = document.createElement('div'); document.body.append(el);\n\
             await MembershipCheckout.mount(el, { apiBase: '/api/v2', providerId: 100, token: 'demo-customer-token' });\n\
             return { version: MembershipCheckout.version, mount: typeof MembershipCheckout.mount, mounted: el.hasAttribute('data-membership-checkout-mounted') };",
            vec![],
        )
        .await?;
        ensure!(api["mount"] == json!("function") && api["version"].is_string() && api["mounted"] == json!(true), "{api}");
        // The Uelz checkout's screens too (its gateway can't be reached: loading, then the error).
        run_async_js(
            &c,
            "const el = document.createElement('div'); el.id = 'uelz-host'; document.body.append(el);\n\
             await MembershipCheckout.mount(el, { backend: 'uelz', gatewayUrl: 'http://127.0.0.1:9/v1', timeout: 2 });",
            vec![],
        )
        .await?;
        CheckoutPage::on(&c).within("#uelz-host").visible("load-error").await?;
        let seen = nothing_escaped(&c, &studio, &mark).await?;
        ensure!(seen["violations"] == json!([]), "Trusted Types (or another policy) refused something: {seen}");
        let stages: Vec<&Value> = seen["errors"].as_array().unwrap().iter().map(|e| &e["stage"]).collect();
        ensure!(stages == [&json!("load")], "only the unreachable gateway's error: {seen}");
        Ok(())
    })
    .await;
}
