//! The hosted payment page, the test hooks, static serving and shutdown.

mod common;

use std::time::Duration;

use checkout_sandbox::{spawn_static_site, Config};
use common::*;
use serde_json::json;

async fn offer(api: &Api, body: serde_json::Value, membership: u64) -> String {
    let (status, resp) = api.purchase_json(ALEX, membership, body).await;
    assert_eq!(status, 200, "{resp}");
    resp["next_url"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn page_shows_the_offer_with_pay_and_cancel_buttons() {
    let api = start().await;
    let yoga = api.bookable_event("Yoga").await;
    let body = json!({"return_to": RETURN_TO, "customer": 4242, "payment_plan": 1031, "event": yoga["id"]});
    let url = offer(&api, body, 103).await;
    let (status, html) = api.page(&url).await;
    assert_eq!(status, 200);
    assert!(html.contains("<title>Payment — Riverside Fitness Studio</title>"));
    assert!(html.contains("Unlimited Monthly"));
    assert!(html.contains("£79.00 every month"));
    assert!(html.contains(yoga["name"].as_str().unwrap()));
    assert!(
        html.contains("£104.00"),
        "total = first month + £25 joining fee"
    );
    assert!(html.contains("Offer held until"));
    assert!(html.contains(
        r#"<button type="submit" class="pay" data-testid="pay" name="action" value="pay">"#
    ));
    assert!(html.contains(r#"data-testid="cancel" name="action" value="cancel""#));
}

/// TeamUp documents nothing it adds to `return_to`, so the sandbox adds nothing: the outcome is
/// for the API to say (customer memberships, attendances), never the address.
#[tokio::test]
async fn paying_returns_to_return_to_unchanged_and_the_api_shows_the_purchase() {
    let api = start().await;
    let slot = api.available_slot(0).await;
    let (_, before) = api.get(&format!("/api/v2/slots/{slot}")).await;
    let body = json!({"return_to": RETURN_TO, "customer": 4242, "payment_plan": 1051, "appointment_slot": slot});
    let url = offer(&api, body, 105).await;
    assert!(api.get_all(ALEX, "/api/v2/customer_memberships?customer=4242").await.is_empty());

    let resp = api.submit(&url, "pay").await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], RETURN_TO, "nothing appended");
    assert!(api.sandbox().purchases()[0].status == "paid");

    // The customer now holds the membership, active from today, and the appointment is booked.
    let held = api.get_all(ALEX, "/api/v2/customer_memberships?customer=4242&membership=105").await;
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0]["status"], "active");
    assert_eq!(held[0]["object"], "customermembership");
    assert_eq!(held[0]["name"], "Personal Training Plan");
    assert_eq!(held[0]["billed_price"]["decimal"], 120.0);
    let at = before["starts_at"].as_str().unwrap();
    let booked = api
        .get_all(ALEX, &format!("/api/v2/attendances?customer=4242&event_starts_at_gte={at}&event_starts_at_lte={at}"))
        .await;
    assert_eq!(booked.len(), 1, "{booked:?}");
    assert_eq!(booked[0]["status"], "registered");
    assert_eq!(booked[0]["customer_membership"], held[0]["id"]);
    let (_, appointment) = api.get(&format!("/api/v2/events/{}", booked[0]["event"])).await;
    assert_eq!(appointment["is_appointment"], "true");
    assert_eq!(appointment["starts_at"], before["starts_at"]);

    // Afterwards the page shows the result, and the slot is booked for everyone.
    let (status, html) = api.page(&url).await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"data-testid="done" data-outcome="paid""#));
    let (_, s) = api.get(&format!("/api/v2/slots/{slot}")).await;
    assert_eq!(s["available"], false);
    // A second submit lands in the same place rather than charging twice.
    let again = api.submit(&url, "cancel").await;
    assert_eq!(again.status(), 303);
    assert_eq!(again.headers()["location"], RETURN_TO);
    assert_eq!(api.get_all(ALEX, "/api/v2/customer_memberships").await.len(), 1, "bought once");
}

#[tokio::test]
async fn cancelling_returns_unchanged_holds_nothing_and_releases_the_slot() {
    let api = start().await;
    let slot = api.available_slot(1).await;
    let body = json!({"return_to": "http://localhost:8080/", "customer": 4242, "payment_plan": 1051, "appointment_slot": slot});
    let url = offer(&api, body, 105).await;
    let resp = api.submit(&url, "cancel").await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "http://localhost:8080/");
    assert!(api.sandbox().purchases()[0].status == "cancelled");
    assert!(api.get_all(ALEX, "/api/v2/customer_memberships").await.is_empty());
    assert!(api.get_all(ALEX, "/api/v2/attendances?customer=4242").await.is_empty());

    let sam = json!({"return_to": RETURN_TO, "customer": 4343, "payment_plan": 1051, "appointment_slot": slot});
    let (status, b) = api.purchase_json(SAM, 105, sam).await;
    assert_eq!(status, 200, "a cancelled hold frees the slot: {b}");
}

/// customers/endpoints_customer-memberships-list.md and attendance/endpoints_attendances-list.md:
/// a customer sees only their own; the documented filters narrow the list; staff see everyone's.
#[tokio::test]
async fn customer_memberships_and_attendances_are_the_customers_own() {
    let api = start().await;
    let yoga = api.bookable_event("Yoga").await;
    let alex = offer(&api, json!({"return_to": RETURN_TO, "customer": 4242, "event": yoga["id"]}), 101).await;
    api.submit(&alex, "pay").await;
    let (status, b) = api.purchase_json(SAM, 102, json!({"return_to": RETURN_TO, "customer": 4343})).await;
    assert_eq!(status, 200, "{b}");
    api.submit(b["next_url"].as_str().unwrap(), "pay").await;

    let mine = api.get_all(ALEX, "/api/v2/customer_memberships").await;
    assert_eq!(mine.iter().map(|c| c["membership"].clone()).collect::<Vec<_>>(), vec![json!(101)]);
    assert!(api.get_all(ALEX, "/api/v2/customer_memberships?customer=4343").await.is_empty(), "not Sam's");
    assert_eq!(api.get_all(RILEY, "/api/v2/customer_memberships").await.len(), 2, "staff see both");
    assert!(api.get_all(ALEX, "/api/v2/customer_memberships?membership=102").await.is_empty());
    assert_eq!(api.get_all(ALEX, "/api/v2/customer_memberships?status=active,hold").await.len(), 1);
    assert!(api.get_all(ALEX, "/api/v2/customer_memberships?status=complete").await.is_empty());
    let (status, body) = api.get("/api/v2/customer_memberships?status=paid").await;
    assert_field_error(status, &body, "status", "Select a valid choice. paid is not one of the available choices.");
    let id = mine[0]["id"].as_u64().unwrap();
    assert_eq!(api.get(&format!("/api/v2/customer_memberships/{id}")).await.0, 200);
    let sams = api.get_all(RILEY, "/api/v2/customer_memberships?customer=4343").await;
    assert_eq!(api.get(&format!("/api/v2/customer_memberships/{}", sams[0]["id"])).await.0, 404, "not Alex's to see");
    assert_eq!(api.get_as(NOBODY, "/api/v2/customer_memberships").await.0, 401, "needs credentials");

    let booked = api.get_all(ALEX, &format!("/api/v2/attendances?customer=4242&event={}", yoga["id"])).await;
    assert_eq!(booked.len(), 1);
    assert_eq!(booked[0]["customer_membership"], json!(id));
    assert_eq!(api.get_all(ALEX, "/api/v2/attendances?status=plans_to_attend").await.len(), 1);
    let other = yoga["id"].as_u64().unwrap() + 1;
    assert!(api.get_all(ALEX, &format!("/api/v2/attendances?event={other}")).await.is_empty());
}

#[tokio::test]
async fn lapsed_offer_answers_410_with_a_link_back() {
    let mut config = Config::demo();
    config.offer_lifetime = Duration::from_secs(1);
    let api = start_with(config).await;
    let url = offer(
        &api,
        json!({"return_to": RETURN_TO, "customer": 4242, "payment_plan": 1031}),
        103,
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1200)).await;

    let (status, html) = api.page(&url).await;
    assert_eq!(status, 410);
    assert!(
        html.contains(r#"<p class="message warn" data-testid="lapsed">This offer has lapsed"#),
        "{html}"
    );
    assert!(
        html.contains("href=\"https://studio.example/join?utm_source=mail#checkout\""),
        "{html}"
    );
    let resp = api.submit(&url, "pay").await;
    assert_eq!(resp.status(), 410);
    assert!(
        api.sandbox().purchases()[0].status == "pending",
        "nothing was paid"
    );
}

#[tokio::test]
async fn every_value_on_the_page_is_escaped() {
    let api = start().await;
    let nasty = "https://studio.example/?q=\"><script>alert(1)</script>";
    let url = offer(
        &api,
        json!({"return_to": nasty, "customer": 4242, "payment_plan": 1031}),
        103,
    )
    .await;
    let (_, html) = api.page(&url).await;
    assert!(!html.contains("<script>alert(1)"));
    assert!(html.contains("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
}

#[tokio::test]
async fn unknown_payment_links_are_404() {
    let api = start().await;
    let (status, html) = api.page(&api.url("/pay/not-a-token")).await;
    assert_eq!(status, 404);
    assert!(html.contains("isn't valid"));
}

#[tokio::test]
async fn hooks_list_purchases_and_reset_the_data() {
    let api = start().await;
    let slot = api.available_slot(0).await;
    let url = offer(&api, json!({"return_to": RETURN_TO, "customer": 4242, "payment_plan": 1051, "appointment_slot": slot}), 105).await;
    api.submit(&url, "pay").await;

    let (status, list) = api
        .send(api.client.get(api.url("/__sandbox/purchases")))
        .await;
    assert_eq!(status, 200);
    let rec = &list[0];
    assert_eq!(rec["id"], 1);
    assert_eq!(rec["status"], "paid");
    assert_eq!(rec["membership"], 105);
    assert_eq!(rec["appointment_slot"], slot.as_str());
    for key in [
        "payment_plan",
        "event",
        "customer",
        "return_to",
        "created_at",
        "expires_at",
    ] {
        assert!(rec.get(key).is_some(), "{key}");
    }

    let (status, _) = api.send(api.client.post(api.url("/__sandbox/reset"))).await;
    assert_eq!(status, 200);
    assert!(api.sandbox().purchases().is_empty());
    let (_, s) = api.get(&format!("/api/v2/slots/{slot}")).await;
    assert_eq!(s["available"], true, "reset restores the booked slot");
}

#[tokio::test]
async fn static_site_and_widget_dir_serve_files_with_content_types() {
    let dir = std::env::temp_dir().join(format!("sandbox-static-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><title>widget</title>",
    )
    .unwrap();
    std::fs::write(dir.join("app_bg.wasm"), [0u8, 97, 115, 109]).unwrap();
    std::fs::write(dir.join("app.js"), "export {}").unwrap();

    let site = spawn_static_site(dir.clone()).await.unwrap();
    assert!(site.sandbox().is_none());
    let client = reqwest::Client::new();
    let get = |path: &str| client.get(format!("{}{path}", site.url())).send();
    let resp = get("/").await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.text().await.unwrap().contains("<title>widget</title>"));
    assert_eq!(
        get("/app_bg.wasm").await.unwrap().headers()["content-type"],
        "application/wasm"
    );
    assert!(get("/app.js").await.unwrap().headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("javascript"));
    assert!(
        get("/some/route")
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("widget"),
        "index.html fallback"
    );

    let mut config = Config::demo();
    config.widget_dir = Some(dir.clone());
    let api = start_with(config).await;
    let (_, html) = api.page(&api.url("/")).await;
    assert!(html.contains("<title>widget</title>"));
    let (status, _) = api.get("/api/v2/memberships").await;
    assert_eq!(status, 200, "the API still answers next to the widget");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn shutdown_stops_the_server() {
    let api = start().await;
    let url = api.running.url();
    let client = reqwest::Client::new();
    assert!(client.get(format!("{url}/")).send().await.is_ok());
    api.running.shutdown().await;
    let fresh = reqwest::Client::new();
    assert!(fresh.get(format!("{url}/")).send().await.is_err());
}
