//! The split embed build's chunks (`dist-embed/`, scripts/build-embed.sh) in Chromium: every chunk
//! is checked against its hash, a chunk that fails is a failure the customer can retry without
//! losing a choice, removing the last widget aborts chunk downloads, and widgets share chunks.
//!
//! The embed is served by a CDN stand-in (support::cdn) that can hold back, fail or cut off a
//! file; the studio's pages come from the sandbox, as in `embed.rs`.
//!
//! `#[ignore]`d like the other browser suites; scripts/test.sh runs them.

mod support;

use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, ensure, Context, Result};
use checkout_e2e::{embed_dir, workspace_dir};
use fantoccini::Client;
use serde_json::{json, Value};

use support::browser::{add_init_script, run, wait_for};
use support::cdn::{Cdn, Outcome, Rule};
use support::pages::{run_async_js, CheckoutPage, PaymentPage};
use support::studio::{clear_faults, Studio};

const PACK: u64 = 101;
const UNLIMITED_MONTHLY: u64 = 103;
const UNLIMITED_MONTHLY_PLAN: u64 = 1032;

/// The demo studio serving the example pages, and the CDN stand-in serving (a copy of) the embed.
struct Site {
    studio: Studio,
    cdn: Cdn,
    manifest: Value,
    _copy: tempfile::TempDir,
}

impl Site {
    async fn start() -> Result<Self> {
        Self::with_copy(|_, _| Ok(())).await
    }

    /// The CDN serves a copy of the build that `change` may alter first.
    async fn with_copy(change: impl FnOnce(&Path, &Value) -> Result<()>) -> Result<Self> {
        let manifest: Value = serde_json::from_slice(&std::fs::read(embed_dir().join("manifest.json")).context("reading dist-embed/manifest.json (run scripts/build-embed.sh)")?)?;
        ensure!(manifest["split"] == json!(true), "dist-embed/ is not the split build (scripts/build-embed.sh)");
        let copy = tempfile::Builder::new().prefix("checkout-e2e-chunks-").tempdir()?;
        for entry in std::fs::read_dir(embed_dir())? {
            let entry = entry?;
            std::fs::copy(entry.path(), copy.path().join(entry.file_name()))?;
        }
        change(copy.path(), &manifest)?;
        let studio = Studio::start().await?;
        let cdn = Cdn::serve(copy.path().to_path_buf()).await?;
        let out = std::process::Command::new("node")
            .arg(workspace_dir().join("embed/examples.mjs"))
            .args(["--cdn", &format!("{}/", cdn.url()), "--out"])
            .arg(studio.site_dir())
            .arg("--embed")
            .arg(copy.path())
            .output()
            .context("running node embed/examples.mjs")?;
        ensure!(out.status.success(), "embed/examples.mjs failed: {}", String::from_utf8_lossy(&out.stderr));
        Ok(Site { studio, cdn, manifest, _copy: copy })
    }

    fn url(&self, page: &str) -> String {
        self.studio.url(&format!("/{page}"))
    }

    /// The file names of split point `point`'s chunk (its own first, then shared ones).
    fn chunk_files(&self, point: &str) -> Result<Vec<String>> {
        let files = self.manifest["split_points"][point]["files"]
            .as_array()
            .ok_or_else(|| anyhow!("no split point {point:?} in manifest.json: {}", self.manifest["split_points"]))?;
        Ok(files.iter().filter_map(Value::as_str).map(str::to_string).collect())
    }

    /// Split point `point`'s own file (`...-split-<point>-<hash>.wasm`).
    fn own_chunk(&self, point: &str) -> Result<String> {
        Ok(self.chunk_files(point)?.remove(0))
    }

    /// Every chunk file a TeamUp purchase needs (embed/chunks.json: `purchase`), which a TeamUp
    /// widget downloads when idle after its first paint. (Chunks needed `later`, such as the Uelz
    /// checkout, it never asks for.)
    fn purchase_chunks(&self) -> Vec<String> {
        self.manifest["files"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["role"] == json!("chunk") && f["needed"] == json!("purchase"))
            .filter_map(|f| f["name"].as_str().map(str::to_string))
            .collect()
    }

    /// Writes a page of the studio's with one TeamUp `<membership-checkout>` carrying `attributes`
    /// too, loading the embed from the CDN like the example pages do.
    fn page_with(&self, name: &str, attributes: &str) -> Result<()> {
        self.page_with_element(
            name,
            &format!("api-base=\"/api/v2\" provider-id=\"100\" token=\"demo-customer-token\" locale=\"en-GB\" {attributes}"),
        )
    }

    /// Writes a page of the studio's with one `<membership-checkout>` carrying exactly `attributes`.
    fn page_with_element(&self, name: &str, attributes: &str) -> Result<()> {
        let loader = self.manifest["loader"].as_str().unwrap_or_default();
        let integrity = self.manifest["files"][0]["integrity"].as_str().unwrap_or_default();
        let html = format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Join</title>\n\
             <script type=\"module\" src=\"{}/{loader}\" integrity=\"{integrity}\" crossorigin=\"anonymous\"></script></head>\n\
             <body><h1>Become a member</h1>\n\
             <membership-checkout id=\"checkout\" {attributes}>\n\
             <p>Loading the membership checkout…</p></membership-checkout>\n<footer>Below the widget</footer></body></html>",
            self.cdn.url()
        );
        self.studio.write_page(name, &html)
    }
}

/// Counts, in every page, the WebAssembly instances made (a chunk's code runs only once it is
/// instantiated) and the instantiations refused.
const WASM_PROBE_JS: &str = r#"
window.__wasm = { made: 0, refused: 0 };
for (const name of ['instantiate', 'instantiateStreaming']) {
  const original = WebAssembly[name];
  WebAssembly[name] = function (...args) {
    return original.apply(this, args).then(
      result => { window.__wasm.made++; return result; },
      error => { window.__wasm.refused++; throw error; });
  };
}
"#;

async fn wasm_counts(c: &Client) -> Result<(u64, u64)> {
    let counts = c.execute("return window.__wasm;", vec![]).await?;
    Ok((counts["made"].as_u64().unwrap_or(0), counts["refused"].as_u64().unwrap_or(0)))
}

/// Waits until the CDN has had a request for `file` that ended as `want` says.
async fn wait_request(cdn: &Cdn, file: &str, what: &str, want: impl Fn(&Outcome) -> bool) -> Result<()> {
    wait_for(&format!("{file}: {what}"), || async { Ok(cdn.requests_for(file).iter().any(&want).then_some(())) }).await
}

async fn checked(widget: &CheckoutPage, css: &str) -> Result<bool> {
    Ok(match widget.find_all(css).await?.into_iter().next() {
        Some(input) => input.prop("checked").await?.as_deref() == Some("true"),
        None => false,
    })
}

/// The membership and plan chosen before a part failed are still chosen.
async fn choices_kept(widget: &CheckoutPage) -> Result<()> {
    ensure!(
        checked(widget, &format!("input[name=membership][value=\"{UNLIMITED_MONTHLY}\"]")).await?,
        "the membership chosen before the failure is no longer chosen"
    );
    ensure!(
        checked(widget, &format!("input[name^=plan][value=\"{UNLIMITED_MONTHLY_PLAN}\"]")).await?,
        "the plan chosen before the failure is no longer chosen"
    );
    Ok(())
}

/// Chooses the monthly membership and its plan (the checkout after the first list is the `form` chunk).
async fn choose_monthly(widget: &CheckoutPage) -> Result<()> {
    widget.wait_state("browsing").await?;
    widget.choose_membership(UNLIMITED_MONTHLY).await?;
    widget.choose_plan(UNLIMITED_MONTHLY_PLAN).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist-embed/: run by scripts/test.sh"]
async fn a_tampered_chunk_is_refused_with_a_clear_error_and_nothing_is_bought() {
    run("a_tampered_chunk_is_refused_with_a_clear_error_and_nothing_is_bought", |c| async move {
        let mut tampered = String::new();
        let site = Site::with_copy(|dir, manifest| {
            // One flipped byte in the checkout's own chunk: same size, same name, another hash.
            let file = manifest["split_points"]["form"]["files"][0].as_str().ok_or_else(|| anyhow!("no form chunk"))?;
            let mut bytes = std::fs::read(dir.join(file))?;
            let middle = bytes.len() / 2;
            bytes[middle] ^= 0x55;
            std::fs::write(dir.join(file), bytes)?;
            tampered = file.to_string();
            Ok(())
        })
        .await?;
        add_init_script(&c, WASM_PROBE_JS).await?;
        let widget = CheckoutPage::open(&c, &site.url("plain.html")).await?;
        // The first list is the main module's: it shows, and what is chosen on it stays chosen.
        widget.visible("memberships").await?;
        let notice = widget.visible("chunk-failed").await?.text().await?;
        ensure!(notice.contains("This part of the checkout could not load.") && notice.contains("Try again"), "a clear message: {notice}");
        choose_on_first_list(&widget, PACK).await?;
        // The CDN sent the tampered bytes; the browser refused them before any of it ran.
        wait_request(&site.cdn, &tampered, "sent", |o| *o == Outcome::Answered(200)).await?;
        let (_, refused) = wasm_counts(&c).await?;
        ensure!(refused >= 1, "the chunk's instantiation was refused: {refused}");
        ensure!(widget.state().await?.as_deref() == Some("load-error"), "the checkout never took over: {:?}", widget.state().await?);
        ensure!(!widget.shows_now("continue").await?, "no Continue without the checkout's code");
        let urls = support::pages::fetched_urls(&c).await?;
        ensure!(!urls.iter().any(|u| u.contains("initiate_purchase")), "nothing was sent to the API: {urls:?}");
        ensure!(site.studio.purchases()?.is_empty(), "no purchase");

        // Try again fetches the chunk again (the failure was not remembered) and fails the same way.
        let asked = site.cdn.requests_for(&tampered).len();
        widget.click("chunk-retry").await?;
        wait_for("the retry to download the chunk again", || async { Ok((site.cdn.requests_for(&tampered).len() > asked).then_some(())) }).await?;
        widget.visible("chunk-failed").await?;
        ensure!(checked(&widget, &format!("input[name=membership][value=\"{PACK}\"]")).await?, "the choice is kept");
        ensure!(site.studio.purchases()?.is_empty(), "still no purchase");
        Ok(())
    })
    .await;
}

/// What the first list shows (each card's markup), where the keyboard is, and how tall the widget
/// is, read inside its shadow root.
const FIRST_LIST_JS: &str = r#"
const root = document.querySelector('membership-checkout').shadowRoot;
const widget = root.querySelector('[data-testid=checkout]');
return {
  cards: [...root.querySelectorAll('[data-testid=memberships] .mc-option')].map(c => c.outerHTML),
  focused: root.activeElement ? root.activeElement.getAttribute('value') : null,
  checked: [...root.querySelectorAll('input[name=membership]')].filter(i => i.checked).map(i => i.value),
  height: Math.round(widget.getBoundingClientRect().height),
  state: widget.getAttribute('data-state'),
};"#;

/// The first list is painted by the main module alone, while the rest of the checkout (`form`)
/// downloads; when it arrives, the checkout takes over unseen: the same cards, the same height,
/// the keyboard where it was, nothing chosen that wasn't.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist-embed/: run by scripts/test.sh"]
async fn the_first_list_paints_before_the_checkout_arrives_and_the_checkout_takes_over_unseen() {
    run("the_first_list_paints_before_the_checkout_arrives_and_the_checkout_takes_over_unseen", |c| async move {
        let site = Site::start().await?;
        let form = site.own_chunk("form")?;
        site.cdn.set(&form, Rule::Hold);
        let widget = CheckoutPage::open(&c, &site.url("plain.html")).await?;
        widget.visible("memberships").await?;
        wait_request(&site.cdn, &form, "being downloaded", |o| *o == Outcome::Waiting).await?;
        c.execute(&format!("document.querySelector('membership-checkout').shadowRoot.querySelector('input[name=membership][value=\"{PACK}\"]').focus();"), vec![])
            .await?;
        let before = c.execute(FIRST_LIST_JS, vec![]).await?;
        ensure!(before["state"] == json!("loading"), "the checkout isn't here yet: {before}");
        ensure!(before["cards"].as_array().is_some_and(|c| !c.is_empty()), "the list is painted: {before}");
        ensure!(before["focused"] == json!(PACK.to_string()), "the keyboard is on a card: {before}");

        site.cdn.heal(&form);
        widget.wait_state("browsing").await?;
        let after = wait_for("the keyboard back on its card", || async {
            let now = c.execute(FIRST_LIST_JS, vec![]).await?;
            Ok((now["focused"] == json!(PACK.to_string())).then_some(now))
        })
        .await?;
        ensure!(after["cards"] == before["cards"], "the same cards:\nbefore {}\nafter  {}", before["cards"], after["cards"]);
        ensure!(after["height"] == before["height"], "the widget keeps its height: {} then {}", before["height"], after["height"]);
        ensure!(after["checked"] == json!([]), "nothing is chosen by the swap: {after}");
        Ok(())
    })
    .await;
}

/// The first screen's own load error, before the checkout's code is here: the notice with Try
/// again, which asks again and paints the list; the checkout then takes over.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist-embed/: run by scripts/test.sh"]
async fn the_first_screens_load_error_offers_try_again_before_the_checkout_arrives() {
    run("the_first_screens_load_error_offers_try_again_before_the_checkout_arrives", |c| async move {
        let site = Site::start().await?;
        let form = site.own_chunk("form")?;
        site.cdn.set(&form, Rule::Hold);
        // Every catalogue request fails until the faults are cleared (retries included).
        site.studio.inject_fault("teamup.memberships", "status_500", 0)?;
        let widget = CheckoutPage::open(&c, &site.url("plain.html")).await?;
        let said = widget.visible("load-error").await?.text().await?;
        ensure!(said.contains("Try again"), "the load error offers Try again: {said}");
        ensure!(widget.state().await?.as_deref() == Some("load-error"), "{:?}", widget.state().await?);
        ensure!(!widget.shows_now("memberships").await?, "no list without the catalogue");

        clear_faults(&c).await?;
        widget.click("reload").await?;
        widget.visible("memberships").await?;
        ensure!(!widget.shows_now("load-error").await?, "the error is gone");
        ensure!(widget.state().await?.as_deref() == Some("loading"), "the checkout isn't here yet: {:?}", widget.state().await?);

        site.cdn.heal(&form);
        widget.wait_state("browsing").await?;
        widget.choose_membership(PACK).await?;
        widget.press_continue().await?;
        PaymentPage::wait(&c).await?;
        ensure!(site.studio.only_purchase()?["membership"] == json!(PACK), "bought after the retry");
        Ok(())
    })
    .await;
}

/// Chooses membership `id` on the first screen's list (before the checkout has taken over, so
/// without waiting for it) and checks that it is chosen.
async fn choose_on_first_list(widget: &CheckoutPage, id: u64) -> Result<()> {
    widget.click(&format!("membership-{id}")).await?;
    ensure!(checked(widget, &format!("input[name=membership][value=\"{id}\"]")).await?, "membership {id} is chosen on the first list");
    Ok(())
}

/// Blocks the `form` chunk (everything of the checkout after its first list) as `rule` says: the
/// list still shows and takes a choice, the notice offers Try again; then heals the CDN, tries
/// again, and buys with the choice made before the failure.
async fn fails_then_works(c: Client, rule: Rule, page: &str) -> Result<()> {
    let site = Site::start().await?;
    if page != "plain.html" {
        // A short time limit (the element's `timeout`, which chunk downloads share).
        site.page_with(page, "timeout=\"2\"")?;
    }
    let form = site.own_chunk("form")?;
    site.cdn.set(&form, rule.clone());
    let widget = CheckoutPage::open(&c, &site.url(page)).await?;
    widget.visible("memberships").await?;
    choose_on_first_list(&widget, UNLIMITED_MONTHLY).await?;

    let notice = widget.visible("chunk-failed").await?.text().await?;
    ensure!(notice.contains("This part of the checkout could not load.") && notice.contains("Try again"), "{notice}");
    ensure!(checked(&widget, &format!("input[name=membership][value=\"{UNLIMITED_MONTHLY}\"]")).await?, "the choice is kept");
    ensure!(site.studio.purchases()?.is_empty(), "nothing bought");

    // It is back: Try again brings the checkout, with the membership chosen before.
    site.cdn.heal(&form);
    widget.click("chunk-retry").await?;
    widget.wait_state("browsing").await?;
    ensure!(checked(&widget, &format!("input[name=membership][value=\"{UNLIMITED_MONTHLY}\"]")).await?, "the choice made before the failure is kept");
    widget.choose_plan(UNLIMITED_MONTHLY_PLAN).await?;
    let event = widget.choose_event_for(UNLIMITED_MONTHLY).await?;
    choices_kept(&widget).await?;
    widget.press_continue().await?;
    PaymentPage::wait(&c).await?;
    let purchase = site.studio.only_purchase()?;
    ensure!(
        purchase["membership"] == json!(UNLIMITED_MONTHLY) && purchase["event"] == json!(event),
        "the purchase has the choices made before the failure: {purchase}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist-embed/: run by scripts/test.sh"]
async fn a_missing_chunk_offers_try_again_keeps_the_choices_and_then_works() {
    run("a_missing_chunk_offers_try_again_keeps_the_choices_and_then_works", |c| async move {
        fails_then_works(c, Rule::Status(404), "plain.html").await
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist-embed/: run by scripts/test.sh"]
async fn a_chunk_cut_off_like_offline_offers_try_again_and_then_works() {
    run("a_chunk_cut_off_like_offline_offers_try_again_and_then_works", |c| async move {
        fails_then_works(c, Rule::CutOff, "plain.html").await
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist-embed/: run by scripts/test.sh"]
async fn a_chunk_that_takes_too_long_offers_try_again_and_then_works() {
    run("a_chunk_that_takes_too_long_offers_try_again_and_then_works", |c| async move {
        fails_then_works(c, Rule::Hold, "slow.html").await
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist-embed/: run by scripts/test.sh"]
async fn removing_the_last_widget_aborts_its_chunk_downloads() {
    run("removing_the_last_widget_aborts_its_chunk_downloads", |c| async move {
        let site = Site::start().await?;
        let chunks = site.purchase_chunks();
        ensure!(!chunks.is_empty(), "the build has no chunk");
        for chunk in &chunks {
            site.cdn.set(chunk, Rule::Hold);
        }
        c.goto(&site.url("two-widgets.html")).await?;
        let first = CheckoutPage::on(&c).within("#first");
        let second = CheckoutPage::on(&c).within("#second");
        first.visible("memberships").await?;
        second.visible("memberships").await?;
        // Beside the first list the widgets download the rest of their checkout: held here.
        for chunk in &chunks {
            wait_request(&site.cdn, chunk, "being downloaded", |o| *o == Outcome::Waiting).await?;
        }

        // One widget leaves: the other still needs the downloads, so they go on.
        c.execute("document.getElementById('first').remove();", vec![]).await?;
        tokio::time::sleep(Duration::from_millis(700)).await;
        for chunk in &chunks {
            let outcomes = site.cdn.requests_for(chunk);
            ensure!(outcomes.iter().all(|o| *o == Outcome::Waiting), "{chunk} was given up while a widget still needs it: {outcomes:?}");
        }

        // The last one leaves: every chunk download in flight is aborted.
        c.execute("document.getElementById('second').remove();", vec![]).await?;
        for chunk in &chunks {
            wait_request(&site.cdn, chunk, "given up by the browser", |o| *o == Outcome::GivenUp).await?;
        }
        ensure!(site.studio.purchases()?.is_empty(), "nothing bought");
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist-embed/: run by scripts/test.sh"]
async fn two_widgets_share_each_chunk() {
    run("two_widgets_share_each_chunk", |c| async move {
        let site = Site::start().await?;
        c.goto(&site.url("two-widgets.html")).await?;
        let first = CheckoutPage::on(&c).within("#first");
        let second = CheckoutPage::on(&c).within("#second");
        choose_monthly(&first).await?;
        choose_monthly(&second).await?;
        first.wait_options("event-select").await?;
        second.wait_options("event-select").await?;
        let chunks = site.purchase_chunks();
        for chunk in &chunks {
            wait_request(&site.cdn, chunk, "downloaded", |o| *o == Outcome::Answered(200)).await?;
        }
        let counts = site.cdn.counts();
        for chunk in &chunks {
            ensure!(counts.get(&format!("/{chunk}")) == Some(&1), "{chunk} downloaded once for both widgets: {counts:?}");
        }
        let main = site.manifest["wasm"].as_str().unwrap_or_default();
        ensure!(counts.get(&format!("/{main}")) == Some(&1), "the main module downloaded once: {counts:?}");

        // Each widget still has its own choices, and the second buys its own.
        second.choose_membership(PACK).await?;
        ensure!(checked(&first, &format!("input[name=membership][value=\"{UNLIMITED_MONTHLY}\"]")).await?, "the first widget's choice stays");
        second.press_continue().await?;
        PaymentPage::wait(&c).await?;
        ensure!(site.studio.only_purchase()?["membership"] == json!(PACK), "the second widget bought its own choice");
        Ok(())
    })
    .await;
}

/// The loader's early API answers and the first chunk (the main module) still download together.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist-embed/: run by scripts/test.sh"]
async fn the_early_answers_and_the_main_module_download_together() {
    run("the_early_answers_and_the_main_module_download_together", |c| async move {
        let site = Site::start().await?;
        let main = site.manifest["wasm"].as_str().unwrap_or_default().to_string();
        site.cdn.set(&main, Rule::Hold);
        c.goto(&site.url("plain.html")).await?;
        wait_request(&site.cdn, &main, "being downloaded", |o| *o == Outcome::Waiting).await?;
        // While the main module is held, the loader has asked the API for the first screen.
        let asked = wait_for("the catalogue asked for while the main module downloads", || async {
            let urls = run_async_js(&c, "return performance.getEntriesByType('resource').map(e => e.name);", vec![]).await?;
            let urls: Vec<String> = serde_json::from_value(urls)?;
            Ok(urls.iter().any(|u| u.contains("/memberships?")).then_some(urls))
        })
        .await?;
        ensure!(site.cdn.requests_for(&main) == vec![Outcome::Waiting], "the main module is still on its way: {asked:?}");
        site.cdn.heal(&main);
        CheckoutPage::on(&c).wait_state("browsing").await?;
        Ok(())
    })
    .await;
}

/// A Uelz widget's whole checkout is the chunk `uelz`: a TeamUp widget never asks for it; when it
/// fails, the widget's root says so with Try again; once it downloads, the Uelz checkout itself
/// runs (here it asks a gateway that isn't there, and says that in its own words).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist-embed/: run by scripts/test.sh"]
async fn a_uelz_widget_downloads_its_checkout_and_a_failed_download_can_be_retried() {
    run("a_uelz_widget_downloads_its_checkout_and_a_failed_download_can_be_retried", |c| async move {
        let site = Site::start().await?;
        let uelz = site.own_chunk("uelz")?;
        let teamup = CheckoutPage::open(&c, &site.url("plain.html")).await?;
        teamup.visible("memberships").await?;
        ensure!(site.cdn.requests_for(&uelz).is_empty(), "a TeamUp widget asked for the Uelz checkout");

        site.cdn.set(&uelz, Rule::Status(404));
        site.page_with_element("uelz.html", "backend=\"uelz\" gateway-url=\"/no-gateway/v1\" locale=\"en-GB\"")?;
        let widget = CheckoutPage::open(&c, &site.url("uelz.html")).await?;
        let notice = widget.visible("chunk-failed").await?.text().await?;
        ensure!(notice.contains("This part of the checkout could not load.") && notice.contains("Try again"), "{notice}");
        ensure!(!widget.shows_now("load-error").await?, "nothing of the Uelz checkout ran");

        site.cdn.heal(&uelz);
        widget.click("chunk-retry").await?;
        let said = widget.visible("load-error").await?.text().await?;
        ensure!(said.contains("Try again"), "the Uelz checkout's own load error: {said}");
        ensure!(!widget.shows_now("chunk-failed").await?, "the notice is gone");
        ensure!(site.cdn.requests_for(&uelz).len() >= 2, "downloaded again: {:?}", site.cdn.requests_for(&uelz));
        Ok(())
    })
    .await;
}

/// Starting a sign-in is the chunk `signin`: when it fails, Continue leaves the customer on the
/// studio's page with the sign-in notice saying so; once it downloads, Continue goes to TeamUp's
/// sign-in page with a PKCE challenge.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist-embed/: run by scripts/test.sh"]
async fn a_sign_in_starts_from_its_chunk_and_a_failed_download_can_be_retried() {
    run("a_sign_in_starts_from_its_chunk_and_a_failed_download_can_be_retried", |c| async move {
        let site = Site::start().await?;
        let signin = site.own_chunk("signin")?;
        site.cdn.set(&signin, Rule::Status(404));
        site.page_with_element("signin.html", "api-base=\"/api/v2\" provider-id=\"100\" client-id=\"membership-checkout-e2e\" locale=\"en-GB\"")?;
        let widget = CheckoutPage::open(&c, &site.url("signin.html")).await?;
        widget.wait_state("browsing").await?;
        widget.visible("sign-in-hint").await?;
        widget.choose_membership(PACK).await?;
        widget.press_continue().await?;
        let notice = widget.visible("sign-in-notice").await?.text().await?;
        ensure!(notice.contains("This part of the checkout could not load."), "{notice}");
        ensure!(c.current_url().await?.path().ends_with("/signin.html"), "still on the studio's page");

        site.cdn.heal(&signin);
        widget.press_continue().await?;
        wait_for("TeamUp's sign-in page", || async {
            let at = c.current_url().await?;
            Ok(at.query_pairs().any(|(k, v)| k == "code_challenge_method" && v == "S256").then_some(()))
        })
        .await?;
        ensure!(site.studio.purchases()?.is_empty(), "nothing bought");
        Ok(())
    })
    .await;
}

/// The non-English catalogues' split points (embed/chunks.json `language:<code>`).
const LOCALE_POINTS: [&str; 4] = ["locale_de", "locale_es", "locale_fr", "locale_ar"];

/// The text of `key` in `locales/<lang>.txt`, as the widget shows it.
fn catalogue_text(lang: &str, key: &str) -> Result<String> {
    let path = workspace_dir().join(format!("locales/{lang}.txt"));
    let source = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    source
        .lines()
        .find_map(|line| line.split_once(" = ").filter(|(k, _)| k.trim() == key).map(|(_, text)| text.trim().to_string()))
        .ok_or_else(|| anyhow!("no `{key}` in {}", path.display()))
}

/// The widget root's `lang` and its continue button's words.
async fn language_shown(widget: &CheckoutPage) -> Result<(String, String)> {
    let root = widget.wait_root().await?;
    let lang = root.attr("lang").await?.unwrap_or_default();
    let button = widget.visible("continue").await?.text().await?;
    Ok((lang, button.trim().to_string()))
}

/// A German widget paints German: its catalogue is the chunk `locale_de`, which the loader starts
/// downloading beside the main module (here while the main module is still held back), and the
/// widget then uses those very bytes: one request for it in all. No other catalogue is asked for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist-embed/: run by scripts/test.sh"]
async fn a_german_widget_paints_german_from_its_catalogue_chunk_downloaded_once_beside_the_main_module() {
    run("a_german_widget_paints_german_from_its_catalogue_chunk_downloaded_once_beside_the_main_module", |c| async move {
        let site = Site::start().await?;
        let german = site.own_chunk("locale_de")?;
        let main = site.manifest["wasm"].as_str().unwrap_or_default().to_string();
        site.page_with_element("deutsch.html", "api-base=\"/api/v2\" provider-id=\"100\" token=\"demo-customer-token\" locale=\"de-DE\"")?;
        site.cdn.set(&main, Rule::Hold);
        c.goto(&site.url("deutsch.html")).await?;
        wait_request(&site.cdn, &main, "being downloaded", |o| *o == Outcome::Waiting).await?;
        // The catalogue arrives while the main module is still on its way.
        wait_request(&site.cdn, &german, "downloaded beside the main module", |o| *o == Outcome::Answered(200)).await?;
        ensure!(site.cdn.requests_for(&main) == vec![Outcome::Waiting], "the main module is still held: {:?}", site.cdn.requests_for(&main));
        site.cdn.heal(&main);

        let widget = CheckoutPage::on(&c);
        widget.wait_state("browsing").await?;
        let (lang, button) = language_shown(&widget).await?;
        ensure!(lang == "de-DE", "the root speaks German: lang={lang:?}");
        ensure!(button == catalogue_text("de", "continue")?, "the continue button is German: {button:?}");
        // Wait for the idle-time downloads, so that nothing is still to come.
        for chunk in site.purchase_chunks() {
            wait_request(&site.cdn, &chunk, "downloaded", |o| *o == Outcome::Answered(200)).await?;
        }
        let counts = site.cdn.counts();
        ensure!(counts.get(&format!("/{german}")) == Some(&1), "the German catalogue downloaded once: {counts:?}");
        for point in LOCALE_POINTS.into_iter().filter(|p| *p != "locale_de") {
            let other = site.own_chunk(point)?;
            ensure!(site.cdn.requests_for(&other).is_empty(), "{point} was asked for by a German widget: {counts:?}");
        }
        Ok(())
    })
    .await;
}

/// An English widget (English is in the main module) never asks for a catalogue's chunk, neither
/// before its first screen nor when it downloads its next chunks after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist-embed/: run by scripts/test.sh"]
async fn an_english_widget_downloads_no_catalogue_chunk() {
    run("an_english_widget_downloads_no_catalogue_chunk", |c| async move {
        let site = Site::start().await?;
        let widget = CheckoutPage::open(&c, &site.url("plain.html")).await?;
        widget.wait_state("browsing").await?;
        let (lang, button) = language_shown(&widget).await?;
        ensure!(lang == "en-GB" && button == catalogue_text("en", "continue")?, "English: lang={lang:?}, {button:?}");
        for chunk in site.purchase_chunks() {
            wait_request(&site.cdn, &chunk, "downloaded", |o| *o == Outcome::Answered(200)).await?;
        }
        for point in LOCALE_POINTS {
            let file = site.own_chunk(point)?;
            ensure!(site.cdn.requests_for(&file).is_empty(), "an English widget asked for {point}: {:?}", site.cdn.counts());
        }
        Ok(())
    })
    .await;
}

/// A French widget whose catalogue cannot be downloaded speaks English instead, working (no
/// failure notice: the customer can still read and buy), and its purchase goes through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist-embed/: run by scripts/test.sh"]
async fn a_widget_whose_catalogue_fails_to_download_works_in_english() {
    run("a_widget_whose_catalogue_fails_to_download_works_in_english", |c| async move {
        let site = Site::start().await?;
        let french = site.own_chunk("locale_fr")?;
        site.cdn.set(&french, Rule::Status(404));
        site.page_with_element("francais.html", "api-base=\"/api/v2\" provider-id=\"100\" token=\"demo-customer-token\" locale=\"fr-FR\"")?;
        let widget = CheckoutPage::open(&c, &site.url("francais.html")).await?;
        widget.wait_state("browsing").await?;
        let (lang, button) = language_shown(&widget).await?;
        ensure!(lang == "en" && button == catalogue_text("en", "continue")?, "English instead: lang={lang:?}, {button:?}");
        ensure!(!widget.shows_now("chunk-failed").await? && !widget.shows_now("load-error").await?, "nothing alarming is shown");
        ensure!(!site.cdn.requests_for(&french).is_empty(), "the French catalogue was asked for");
        widget.choose_membership(PACK).await?;
        widget.press_continue().await?;
        PaymentPage::wait(&c).await?;
        ensure!(site.studio.only_purchase()?["membership"] == json!(PACK), "bought in English");
        Ok(())
    })
    .await;
}

/// Where the studio's content below the widget is (its top, in CSS pixels).
async fn below_the_widget(c: &Client) -> Result<f64> {
    let top = c.execute("return document.querySelector('footer').getBoundingClientRect().top;", vec![]).await?;
    top.as_f64().ok_or_else(|| anyhow!("no footer: {top}"))
}

/// While an Arabic widget waits for its catalogue, it shows the loading skeleton at the height of
/// the loader's (nothing below it moves), then paints Arabic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist-embed/: run by scripts/test.sh"]
async fn a_widget_waiting_for_its_catalogue_holds_the_skeletons_height() {
    run("a_widget_waiting_for_its_catalogue_holds_the_skeletons_height", |c| async move {
        let site = Site::start().await?;
        let arabic = site.own_chunk("locale_ar")?;
        let main = site.manifest["wasm"].as_str().unwrap_or_default().to_string();
        site.page_with_element("arabic.html", "api-base=\"/api/v2\" provider-id=\"100\" token=\"demo-customer-token\" locale=\"ar\"")?;
        site.cdn.set(&main, Rule::Hold);
        site.cdn.set(&arabic, Rule::Hold);
        c.goto(&site.url("arabic.html")).await?;
        wait_request(&site.cdn, &main, "being downloaded", |o| *o == Outcome::Waiting).await?;
        wait_request(&site.cdn, &arabic, "being downloaded", |o| *o == Outcome::Waiting).await?;
        let with_loader_skeleton = below_the_widget(&c).await?;

        // The main module runs; the catalogue is still on its way: the widget's own skeleton.
        site.cdn.heal(&main);
        let widget = CheckoutPage::on(&c);
        widget.wait_state("loading").await?;
        ensure!(!widget.find_all(".mc-skeleton").await?.is_empty(), "the widget's loading skeleton");
        let waiting = below_the_widget(&c).await?;
        ensure!(
            (waiting - with_loader_skeleton).abs() < 1.0,
            "the content below the widget moved from {with_loader_skeleton} to {waiting} px while the catalogue downloads"
        );
        ensure!(site.cdn.requests_for(&arabic) == vec![Outcome::Waiting], "one request for the catalogue: {:?}", site.cdn.requests_for(&arabic));

        site.cdn.heal(&arabic);
        widget.wait_state("browsing").await?;
        let (lang, button) = language_shown(&widget).await?;
        ensure!(lang == "ar" && button == catalogue_text("ar", "continue")?, "Arabic: lang={lang:?}, {button:?}");
        ensure!(widget.wait_root().await?.attr("dir").await?.as_deref() == Some("rtl"), "right to left");
        Ok(())
    })
    .await;
}
