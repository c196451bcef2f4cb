//! The embed build (`dist-embed/`, scripts/build-embed.sh) on the example host pages (`examples/`),
//! loaded from another origin the way a CDN serves it: the loader by `<script type=module>` with its
//! SRI hash, the wasm fetched by the loader. Each test also photographs the widget and checks the
//! picture is not blank (`target/e2e-screenshots/examples/`).
//!
//! `#[ignore]`d like the other browser suites; scripts/test.sh runs them.

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{anyhow, ensure, Context, Result};
use checkout_e2e::{embed_dir, target_dir, workspace_dir};
use checkout_sandbox::{spawn_static_site, Running};
use fantoccini::{Client, Locator};
use serde_json::{json, Value};

use support::browser::{run, wait_for};
use support::pages::{run_async_js, CheckoutPage, PaymentPage};
use support::studio::Studio;

const PACK: u64 = 101;
const DROP_IN: u64 = 102;

/// The demo studio serving the example pages, and a "CDN" on another origin serving the embed build.
struct Site {
    studio: Studio,
    cdn: Running,
    _cdn_copy: Option<tempfile::TempDir>,
}

impl Site {
    async fn start() -> Result<Self> {
        Self::serve(embed_dir(), None).await
    }

    /// Like `start`, but the CDN serves a copy of the build whose files `tamper` may change.
    async fn start_tampered(tamper: impl FnOnce(&Path) -> Result<()>) -> Result<Self> {
        let copy = tempfile::Builder::new().prefix("checkout-e2e-cdn-").tempdir()?;
        for entry in std::fs::read_dir(embed_dir()).context("reading dist-embed/ (run scripts/build-embed.sh)")? {
            let entry = entry?;
            std::fs::copy(entry.path(), copy.path().join(entry.file_name()))?;
        }
        tamper(copy.path())?;
        Self::serve(copy.path().to_path_buf(), Some(copy)).await
    }

    async fn serve(dir: PathBuf, copy: Option<tempfile::TempDir>) -> Result<Self> {
        ensure!(dir.join("manifest.json").is_file(), "no {}/manifest.json: run scripts/build-embed.sh", dir.display());
        let studio = Studio::start().await?;
        let cdn = spawn_static_site(dir.clone()).await?;
        let out = Command::new("node")
            .arg(workspace_dir().join("embed/examples.mjs"))
            .args(["--cdn", &format!("{}/", cdn.url()), "--out"])
            .arg(studio.site_dir())
            .arg("--embed")
            .arg(&dir)
            .output()
            .context("running node embed/examples.mjs")?;
        ensure!(out.status.success(), "embed/examples.mjs failed: {}", String::from_utf8_lossy(&out.stderr));
        Ok(Site { studio, cdn, _cdn_copy: copy })
    }

    fn url(&self, page: &str) -> String {
        self.studio.url(&format!("/{page}"))
    }
}

/// The main module's file name (manifest.json `wasm`): the split build's chunks are `.wasm` files too.
fn main_wasm() -> Result<String> {
    let manifest: Value = serde_json::from_slice(&std::fs::read(embed_dir().join("manifest.json"))?)?;
    Ok(manifest["wasm"].as_str().ok_or_else(|| anyhow!("no wasm in manifest.json"))?.to_string())
}

/// How many times the page fetched the main module.
async fn main_wasm_fetches(c: &Client) -> Result<usize> {
    let main = main_wasm()?;
    Ok(fetched(c, ".wasm").await?.iter().filter(|u| u.ends_with(&main)).count())
}

/// Resources the page has fetched whose URL ends with `suffix` (Resource Timing), e.g. `.wasm`.
async fn fetched(c: &Client, suffix: &str) -> Result<Vec<String>> {
    let names = c
        .execute(
            "return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.split('?')[0].endsWith(arguments[0]));",
            vec![json!(suffix)],
        )
        .await?;
    Ok(serde_json::from_value(names)?)
}

/// Photographs `host_css` (the widget's host element), saves it as
/// `target/e2e-screenshots/examples/NAME.png` and checks the picture is not blank: many colours,
/// and a fair share of pixels unlike the most common (background) one.
async fn photograph(c: &Client, host_css: &str, name: &str) -> Result<()> {
    let host = c.find(Locator::Css(host_css)).await.with_context(|| format!("finding {host_css} to photograph"))?;
    let png = host.screenshot().await.with_context(|| format!("screenshot of {host_css}"))?;
    let dir = target_dir().join("e2e-screenshots/examples");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(format!("{name}.png")), &png)?;
    let (width, height, distinct, unlike_background) = picture_stats(&png)?;
    ensure!(width >= 200 && height >= 80, "{name}: the widget is only {width}x{height} px");
    ensure!(
        distinct >= 16 && unlike_background >= 0.03,
        "{name}: the screenshot looks blank ({distinct} colours, {:.1}% of pixels unlike the background)",
        unlike_background * 100.0
    );
    Ok(())
}

/// Width, height, number of distinct colours, and the share of pixels unlike the most common one.
fn picture_stats(png: &[u8]) -> Result<(u32, u32, usize, f64)> {
    let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info()?;
    let mut pixels = vec![0; reader.output_buffer_size().ok_or_else(|| anyhow!("PNG too large"))?];
    let info = reader.next_frame(&mut pixels)?;
    let samples = info.color_type.samples();
    ensure!(samples >= 3 && info.bit_depth == png::BitDepth::Eight, "unexpected PNG format {:?}", info.color_type);
    let mut counts: HashMap<[u8; 3], usize> = HashMap::new();
    for px in pixels[..info.buffer_size()].chunks_exact(samples) {
        *counts.entry([px[0], px[1], px[2]]).or_default() += 1;
    }
    let total = (info.width * info.height) as f64;
    let most = counts.values().copied().max().unwrap_or(0) as f64;
    Ok((info.width, info.height, counts.len(), (total - most) / total))
}

/// Whether a CSS colour (WebDriver reports `rgba(r, g, b, 1)`) is the opaque `r, g, b`.
fn is_colour(css: &str, rgb: &str) -> bool {
    css == format!("rgb({rgb})") || css == format!("rgba({rgb}, 1)")
}

/// Chooses the pack, continues, pays on the payment page and sees the paid outcome back home.
async fn buy_and_pay(c: &Client, widget: &CheckoutPage) -> Result<()> {
    widget.choose_membership(PACK).await?;
    widget.press_continue().await?;
    PaymentPage::wait(c).await?.pay().await?;
    CheckoutPage::on(c).wait_outcome("paid").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist-embed/: run by scripts/test.sh"]
async fn a_plain_studio_page_loads_the_widget_from_the_cdn_and_sells() {
    run("a_plain_studio_page_loads_the_widget_from_the_cdn_and_sells", |c| async move {
        let site = Site::start().await?;
        let widget = CheckoutPage::open(&c, &site.url("plain.html")).await?;
        widget.wait_state("browsing").await?;
        let wasm = fetched(&c, ".wasm").await?;
        ensure!(
            main_wasm_fetches(&c).await? == 1 && wasm.iter().all(|u| u.starts_with(&site.cdn.url())),
            "the main module once, and every chunk, from the CDN: {wasm:?}"
        );
        // While the wasm downloaded, the page script asked for the first screen's answers (profile,
        // catalogue, time zone); the widget took every one of them and asked for none again. (The
        // answers live inside the loader, out of reach of the page: the proof is in the timings. The
        // widget itself asks for the time zone after the class list, the loader before the wasm ran.)
        let early = c
            .execute(
                "const at = u => performance.getEntriesByType('resource').filter(e => e.name.includes(u)).map(e => e.startTime);\n\
                 const [zone] = at('/providers/100'), [classes] = at('/events?');\n\
                 return zone !== undefined && classes !== undefined && zone < classes;",
                vec![],
            )
            .await?;
        ensure!(early == json!(true), "the time zone was asked for before the widget started asking: {early}");
        let asked = c
            .execute(
                "return ['/memberships?for_sale=true&visible_to_customers=true&page_size=100', '/auth/profiles?page_size=100', '/providers/100?expand=address']
                    .map(u => performance.getEntriesByType('resource').filter(e => e.name.endsWith(u)).length);",
                vec![],
            )
            .await?;
        ensure!(asked == json!([1, 1, 1]), "each first-screen request once: {asked}");
        // The theme's `button { text-transform: uppercase }` and 62.5% root font don't get in.
        let looks = widget
            .find_all("button[data-testid=\"continue\"]")
            .await?
            .pop()
            .ok_or_else(|| anyhow!("no continue button"))?;
        ensure!(looks.css_value("text-transform").await? == "none", "the page's button styles leaked in");
        ensure!(looks.css_value("font-size").await? == "16px", "the page's root font size leaked in");
        photograph(&c, "#checkout", "plain").await?;
        buy_and_pay(&c, &widget).await?;
        let purchase = site.studio.only_purchase()?;
        ensure!(purchase["membership"] == json!(PACK) && purchase["status"] == json!("paid"), "{purchase}");
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist-embed/: run by scripts/test.sh"]
async fn a_dark_site_gets_the_dark_theme_in_its_own_colours() {
    run("a_dark_site_gets_the_dark_theme_in_its_own_colours", |c| async move {
        let site = Site::start().await?;
        let widget = CheckoutPage::open(&c, &site.url("dark.html")).await?;
        widget.wait_state("browsing").await?;
        let root = widget.find_all(".mc").await?.pop().ok_or_else(|| anyhow!("no .mc root"))?;
        ensure!(root.css_value("color-scheme").await? == "dark", "theme=\"dark\" forces the dark scheme");
        let background = root.css_value("background-color").await?;
        ensure!(is_colour(&background, "23, 23, 28"), "the site's --mc-surface (#17171c) is used: {background}");
        let button = widget.wait_visible("button[data-testid=\"continue\"]").await?;
        let accent = button.css_value("background-color").await?;
        ensure!(is_colour(&accent, "245, 185, 66"), "the site's --mc-accent (#f5b942) is used: {accent}");
        photograph(&c, "#checkout", "dark").await?;
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist-embed/: run by scripts/test.sh"]
async fn two_widgets_on_a_page_share_one_download_and_nothing_else() {
    run("two_widgets_on_a_page_share_one_download_and_nothing_else", |c| async move {
        let site = Site::start().await?;
        c.goto(&site.url("two-widgets.html")).await?;
        let first = CheckoutPage::on(&c).within("#first");
        let second = CheckoutPage::on(&c).within("#second");
        first.wait_state("browsing").await?;
        second.wait_state("browsing").await?;
        let loaders = fetched(&c, ".js").await?;
        ensure!(loaders.len() == 2, "the page includes the loader twice: {loaders:?}");
        // The page has snippet.html's preload hint too: the loader's fetch must reuse it.
        let hints = c.execute("return document.querySelectorAll('link[rel=preload][as=fetch]').length;", vec![]).await?;
        ensure!(hints == json!(1), "the page has the wasm preload hint: {hints}");
        let wasm = fetched(&c, ".wasm").await?;
        ensure!(main_wasm_fetches(&c).await? == 1, "the main module is downloaded once (the preloaded answer is used): {wasm:?}");

        first.choose_membership(DROP_IN).await?;
        let chosen_in_second = second.find_all("input[name=membership]:checked").await?;
        ensure!(chosen_in_second.is_empty(), "a choice in one widget shows up in the other");
        photograph(&c, "#first", "two-widgets-first").await?;
        photograph(&c, "#second", "two-widgets-second").await?;

        second.choose_membership(PACK).await?;
        second.press_continue().await?;
        PaymentPage::wait(&c).await?;
        let purchase = site.studio.only_purchase()?;
        ensure!(purchase["membership"] == json!(PACK), "the second widget bought its own choice: {purchase}");
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist-embed/: run by scripts/test.sh"]
async fn a_strict_content_security_policy_blocks_nothing_the_widget_needs() {
    run("a_strict_content_security_policy_blocks_nothing_the_widget_needs", |c| async move {
        let site = Site::start().await?;
        let widget = CheckoutPage::open(&c, &site.url("strict-csp.html")).await?;
        widget.wait_state("browsing").await?;
        widget.choose_membership(PACK).await?;
        photograph(&c, "#checkout", "strict-csp").await?;
        let blocked = c.find(Locator::Css("#csp-violations")).await?.text().await?;
        ensure!(blocked.is_empty() || blocked == "none", "the page's CSP blocked: {blocked}");

        // The policy is really in force: an inline script is refused and reported.
        c.execute(
            "const s = document.createElement('script'); s.textContent = 'window.__inline = 1'; document.body.append(s);",
            vec![],
        )
        .await?;
        let reported = wait_for("the CSP to report the inline script", || async {
            let text = c.find(Locator::Css("#csp-violations")).await?.text().await?;
            Ok(text.contains("script-src").then_some(text))
        })
        .await?;
        ensure!(c.execute("return window.__inline === undefined;", vec![]).await? == json!(true), "{reported}");

        widget.press_continue().await?;
        PaymentPage::wait(&c).await?;
        Ok(())
    })
    .await;
}

/// Counts, in the page, the timers, window/document listeners and fetches still running.
const PROBE_JS: &str = r#"
const probe = window.__probe = { intervals: new Set(), listeners: 0, inFlight: 0, fetches: 0 };
const setI = window.setInterval, clearI = window.clearInterval;
window.setInterval = function (...args) { const id = setI.apply(this, args); probe.intervals.add(id); return id; };
window.clearInterval = function (id) { probe.intervals.delete(id); return clearI.call(this, id); };
for (const target of [window, document]) {
  const add = target.addEventListener, remove = target.removeEventListener;
  target.addEventListener = function (...args) { probe.listeners++; return add.apply(this, args); };
  target.removeEventListener = function (...args) { probe.listeners--; return remove.apply(this, args); };
}
const realFetch = window.fetch;
window.fetch = function (...args) {
  probe.fetches++; probe.inFlight++;
  const answer = realFetch.apply(this, args);
  answer.then(() => probe.inFlight--, () => probe.inFlight--);
  return answer;
};
"#;

async fn probe(c: &Client) -> Result<Value> {
    Ok(c.execute(
        "const p = window.__probe; return { intervals: p.intervals.size, listeners: p.listeners, inFlight: p.inFlight, fetches: p.fetches };",
        vec![],
    )
    .await?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist-embed/: run by scripts/test.sh"]
async fn a_single_page_app_adds_and_removes_the_widget_without_leaks() {
    run("a_single_page_app_adds_and_removes_the_widget_without_leaks", |c| async move {
        let site = Site::start().await?;
        c.goto(&site.url("spa.html#/")).await?;
        wait_for("the app's home view", || async { Ok(c.find_all(Locator::Css("#view p")).await?.into_iter().next()) }).await?;
        c.execute(PROBE_JS, vec![]).await?;
        let go = |hash: &'static str| {
            let c = c.clone();
            async move { c.execute("location.hash = arguments[0];", vec![json!(hash)]).await }
        };

        // Leaving while the catalogue is still loading aborts the requests.
        site.studio.inject_fault("*", "latency", 4)?;
        go("#/join").await?;
        wait_for("the widget's requests to start", || async {
            Ok((probe(&c).await?["inFlight"].as_u64().unwrap_or(0) > 0).then_some(()))
        })
        .await?;
        go("#/classes").await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let after = probe(&c).await?;
        ensure!(after["inFlight"] == json!(0), "requests still running 300 ms after the widget left (the API takes 1 s): {after}");

        // Back to it, buy, and leave while the offer's countdown runs (the app keeps the customer
        // on the page by cancelling the redirect, as a host may).
        go("#/join").await?;
        let widget = CheckoutPage::on(&c).within("#checkout");
        widget.wait_state("browsing").await?;
        c.execute(
            "document.getElementById('checkout').addEventListener('membership-checkout:redirect', e => e.preventDefault());",
            vec![],
        )
        .await?;
        widget.choose_membership(PACK).await?;
        widget.press_continue().await?;
        widget.visible("countdown").await?;
        let offer = widget.text_of("offer").await?;
        ensure!(!offer.contains("Taking you"), "the app took over the redirect, so the widget doesn't claim it: {offer}");
        photograph(&c, "#checkout", "spa").await?;
        let running = probe(&c).await?;
        ensure!(running["intervals"].as_u64() >= Some(1), "the countdown runs on a timer: {running}");
        c.execute("window.__gone = document.getElementById('checkout');", vec![]).await?;
        go("#/").await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let left = probe(&c).await?;
        ensure!(left["intervals"] == json!(0), "timers left running after removal: {left}");
        ensure!(left["listeners"] == json!(0), "window/document listeners left behind: {left}");
        ensure!(left["inFlight"] == json!(0), "requests left running: {left}");
        let unmounted = c.execute("return !window.__gone.hasAttribute('data-membership-checkout-mounted');", vec![]).await?;
        ensure!(unmounted == json!(true), "the removed element still has its widget");
        let fetches = left["fetches"].as_u64().unwrap_or(0);
        tokio::time::sleep(Duration::from_millis(1500)).await;
        ensure!(probe(&c).await?["fetches"].as_u64() == Some(fetches), "a removed widget kept fetching");

        let activity = c.find(Locator::Css("#activity")).await?.text().await?;
        ensure!(
            activity.contains("ready {\"backend\":\"teamup\"}") && activity.contains("purchase-initiated"),
            "the app heard the widget's events: {activity}"
        );
        ensure!(main_wasm_fetches(&c).await? == 1, "the main module is downloaded once for all views");
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist-embed/: run by scripts/test.sh"]
async fn in_frames_the_payment_page_opens_at_the_top_or_in_a_new_tab() {
    run("in_frames_the_payment_page_opens_at_the_top_or_in_a_new_tab", |c| async move {
        let site = Site::start().await?;
        c.goto(&site.url("iframe.html")).await?;
        photograph(&c, "#framed", "iframe").await?;

        // The sandboxed frame (no allow-top-navigation) offers a link to a new tab.
        c.enter_frame(1).await?;
        let framed = CheckoutPage::on(&c);
        framed.wait_state("browsing").await?;
        framed.choose_membership(PACK).await?;
        framed.press_continue().await?;
        let link = framed.visible("payment-link").await?;
        ensure!(link.attr("target").await?.as_deref() == Some("_blank"), "a new-tab link in the sandboxed frame");
        c.enter_parent_frame().await?;
        ensure!(c.current_url().await?.path() == "/iframe.html", "the studio's page stayed");

        // The ordinary frame sends the whole window to the payment page.
        c.enter_frame(0).await?;
        let framed = CheckoutPage::on(&c);
        framed.wait_state("browsing").await?;
        framed.choose_membership(DROP_IN).await?;
        framed.press_continue().await?;
        PaymentPage::wait(&c).await?;
        ensure!(site.studio.purchases()?.len() == 2, "one purchase per frame");
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and dist-embed/: run by scripts/test.sh"]
async fn a_tampered_wasm_is_refused_and_the_page_says_so() {
    run("a_tampered_wasm_is_refused_and_the_page_says_so", |c| async move {
        let site = Site::start_tampered(|dir| {
            let manifest: Value = serde_json::from_slice(&std::fs::read(dir.join("manifest.json"))?)?;
            let wasm = dir.join(manifest["wasm"].as_str().ok_or_else(|| anyhow!("no wasm in manifest"))?);
            let mut bytes = std::fs::read(&wasm)?;
            let last = bytes.len() - 1;
            bytes[last] ^= 0xff;
            Ok(std::fs::write(wasm, bytes)?)
        })
        .await?;
        c.goto(&site.url("plain.html")).await?;
        c.execute(
            "window.__errors = []; document.addEventListener('membership-checkout:error', e => window.__errors.push(e.detail));",
            vec![],
        )
        .await?;
        let widget = CheckoutPage::on(&c).within("#checkout");
        let notice = widget.wait_visible("[data-testid=\"load-failed\"]").await?;
        let text = notice.text().await?;
        ensure!(text.contains("could not load") && text.contains("Try again"), "{text}");
        photograph(&c, "#checkout", "load-failed").await?;
        let errors = run_async_js(&c, "return window.__errors;", vec![]).await?;
        // The listener may be added after the failure on a fast machine; the notice is what counts then.
        if let Some(first) = errors.as_array().and_then(|e| e.first()) {
            ensure!(first["stage"] == json!("load"), "{errors}");
        }
        widget.find_all("[data-testid=\"load-failed\"] button").await?.pop().ok_or_else(|| anyhow!("no button"))?.click().await?;
        wait_for("the retry to fail the same way", || async {
            Ok(widget.find_all("[data-testid=\"load-failed\"] button").await?.into_iter().next())
        })
        .await?;
        ensure!(main_wasm_fetches(&c).await? >= 2, "Try again downloads the wasm again");
        Ok(())
    })
    .await;
}
