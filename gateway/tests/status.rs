//! `GET /v1/purchases/<external_id>`: what the widget asks on the customer's return, instead of
//! trusting the return URL. Uelz's status verbatim plus the outcome to show.

mod common;

use common::*;
use serde_json::json;

async fn status(env: &Env, external_id: &str) -> reqwest::Response {
    env.client.get(env.url(&format!("/v1/purchases/{external_id}"))).header("Origin", ORIGIN).send().await.unwrap()
}

/// The hosted checkout's Pay or Cancel button (a form POST to the page).
async fn settle(env: &Env, next_url: &str, action: &str) {
    let r = env.client.post(next_url).form(&[("action", action)]).send().await.unwrap();
    assert_eq!(r.status(), 303, "{action}");
}

#[tokio::test]
async fn not_found_then_pending_then_what_the_payment_page_decided() {
    let env = start().await;
    let v = envelope(status(&env, "attempt-status-001").await, 404, "purchase_not_found").await;
    assert_eq!(v["type"], "invalid_request_error");
    assert_eq!(v["field_errors"], json!({}));

    let (s, made) = json_of(env.post("/v1/purchases", &purchase_body(MONTHLY, "attempt-status-001")).await).await;
    assert_eq!(s, 201, "{made}");
    let r = status(&env, "attempt-status-001").await;
    assert_eq!(r.headers()["access-control-allow-origin"], ORIGIN);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let (s, v) = json_of(r).await;
    assert_eq!(s, 200);
    assert_eq!(
        v,
        json!({"external_id": "attempt-status-001", "purchase_id": made["purchase_id"], "status": "incomplete", "outcome": "pending"})
    );

    settle(&env, made["next_url"].as_str().unwrap(), "pay").await;
    let (_, v) = json_of(status(&env, "attempt-status-001").await).await;
    assert_eq!((v["status"].as_str(), v["outcome"].as_str()), (Some("active"), Some("active")), "{v}");

    // A one-off card succeeds; a cancelled checkout failed.
    let (_, card) = json_of(env.post("/v1/purchases", &purchase_body(CARD, "attempt-status-002")).await).await;
    settle(&env, card["next_url"].as_str().unwrap(), "pay").await;
    let (_, v) = json_of(status(&env, "attempt-status-002").await).await;
    assert_eq!((v["status"].as_str(), v["outcome"].as_str()), (Some("succeeded"), Some("active")));
    let (_, gone) = json_of(env.post("/v1/purchases", &purchase_body(ANNUAL, "attempt-status-003")).await).await;
    settle(&env, gone["next_url"].as_str().unwrap(), "cancel").await;
    let (_, v) = json_of(status(&env, "attempt-status-003").await).await;
    assert_eq!((v["status"].as_str(), v["outcome"].as_str()), (Some("canceled"), Some("failed")));

    // A start date in the future: paid, Uelz says pending (starts later), the outcome is active.
    let mut later = purchase_body(REFORMER, "attempt-status-004");
    later["service_activation_date"] = json!(ymd(today() + time::Duration::days(7)));
    let (_, later) = json_of(env.post("/v1/purchases", &later).await).await;
    settle(&env, later["next_url"].as_str().unwrap(), "pay").await;
    let (_, v) = json_of(status(&env, "attempt-status-004").await).await;
    assert_eq!((v["status"].as_str(), v["outcome"].as_str()), (Some("pending"), Some("active")));
}

#[tokio::test]
async fn other_attempts_malformed_ids_and_a_broken_uelz() {
    let env = start().await;
    let (s, _) = json_of(env.post("/v1/purchases", &purchase_body(MONTHLY, "attempt-status-101")).await).await;
    assert_eq!(s, 201);
    // Only the exact id: not a prefix, not another case, not a path trick.
    for id in ["attempt-status-10", "ATTEMPT-STATUS-101", "short", "attempt-status-101%2F..", "..%2Fplans", &"x".repeat(65)] {
        envelope(status(&env, id).await, 404, "purchase_not_found").await;
    }
    // Without an Origin it still answers (a read), with no CORS headers for strangers.
    let r = env.client.get(env.url("/v1/purchases/attempt-status-101")).header("Origin", "https://evil.example").send().await.unwrap();
    assert!(!r.headers().contains_key("access-control-allow-origin"));
    // Uelz down: a 502 the widget retries.
    env.arm_fault("*", "status_503", 1).await;
    envelope(status(&env, "attempt-status-101").await, 502, "upstream_unavailable").await;
    assert_eq!(status(&env, "attempt-status-101").await.status(), 200);
    // Other methods.
    let r = env.client.delete(env.url("/v1/purchases/attempt-status-101")).header("Origin", ORIGIN).send().await.unwrap();
    envelope(r, 405, "method_not_allowed").await;
    assert!(env.log_text().contains("GET /v1/purchases/attempt-status-101 200"), "{}", env.log_text());
}
