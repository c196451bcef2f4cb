//! The widget inside an iframe: the payment page must open at the top, not inside the frame; a
//! sandboxed frame that may not navigate the top page gets a link that opens a new tab.
//!
//! `#[ignore]`d like the other browser suites; scripts/test.sh runs them.

mod support;

use anyhow::{ensure, Result};
use checkout_e2e::HostElement;
use fantoccini::{Client, Locator};

use support::browser::{run, wait_for};
use support::pages::{testid, CheckoutPage, PaymentPage};
use support::studio::{Studio, PACK};


fn framing(attrs: &str) -> String {
    format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Studio with a framed checkout</title></head>\
         <body><h1>Join us</h1><iframe id=checkout {attrs} src=\"/widget.html\" title=\"Membership checkout\" \
         style=\"width: 100%; height: 1600px; border: 0\"></iframe></body></html>"
    )
}

/// Opens `page` (which frames the widget), and in the frame chooses the pack and continues.
async fn buy_in_frame(c: &Client, studio: &Studio, page: &str) -> Result<CheckoutPage> {
    c.goto(&studio.url(page)).await?;
    wait_for("the frame", || async { Ok(c.find_all(Locator::Css("iframe#checkout")).await?.into_iter().next()) }).await?;
    c.enter_frame(0).await?;
    let checkout = CheckoutPage::on(c);
    checkout.wait_root().await?;
    checkout.choose_membership(PACK).await?;
    checkout.press_continue().await?;
    Ok(checkout)
}

async fn studio() -> Result<Studio> {
    let studio = Studio::start_with(checkout_sandbox::Config::demo(), &[("widget.html", HostElement::demo())]).await?;
    studio.write_page("framed.html", &framing(""))?;
    studio.write_page("sandboxed.html", &framing("sandbox=\"allow-scripts allow-same-origin allow-forms allow-popups\""))?;
    Ok(studio)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and a release build: run by scripts/test.sh"]
async fn in_a_frame_the_payment_page_opens_at_the_top() {
    run("in_a_frame_the_payment_page_opens_at_the_top", |c| async move {
        let studio = studio().await?;
        buy_in_frame(&c, &studio, "/framed.html").await?;
        // The whole window went to the payment page (WebDriver's URL is the top page's).
        PaymentPage::wait(&c).await?;
        ensure!(studio.purchases()?.len() == 1, "one purchase");
        Ok(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and a release build: run by scripts/test.sh"]
async fn a_sandboxed_frame_offers_a_new_tab_instead() {
    run("a_sandboxed_frame_offers_a_new_tab_instead", |c| async move {
        let studio = studio().await?;
        let page = buy_in_frame(&c, &studio, "/sandboxed.html").await?;
        let link = page.visible("payment-link").await?;
        ensure!(link.attr("target").await?.as_deref() == Some("_blank"), "the link opens a new tab");
        let text = link.text().await?;
        ensure!(text.contains("new tab"), "and says so: {text:?}");
        let href = link.attr("href").await?.unwrap_or_default();
        ensure!(href.contains("/pay/"), "it points at the payment page: {href}");
        page.visible("countdown").await?;
        ensure!(c.current_url().await?.path() == "/sandboxed.html", "the studio's page stayed");
        ensure!(
            c.find_all(Locator::Css(&testid("pay"))).await?.is_empty(),
            "the payment page did not open inside the frame"
        );
        ensure!(studio.purchases()?.len() == 1, "one purchase");
        Ok(())
    })
    .await;
}
