//! Who the customer is comes from the studio's server, never from the browser: a forged
//! identity, a missing `Origin` and an oversized body are refused with a clear error and make
//! nothing in Uelz; a signed identity is reused; anyone else is a new customer, once per attempt.

mod common;

use common::*;
use serde_json::{json, Value};

fn with_customer(plan: &str, external_id: &str, customer: Value) -> Value {
    let mut b = purchase_body(plan, external_id);
    b["customer"] = customer;
    b
}

#[tokio::test]
async fn forged_identity_missing_origin_and_oversized_bodies_create_nothing() {
    let env = start().await;
    let before = env.uelz_counts().await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let sign = checkout_gateway::identity::sign;

    // Forged: each a way to claim Alex's record without the studio's signature.
    let alex_token = sign(IDENTITY_SECRET, ALEX, now + 600);
    let forged = [
        ("a bare customer id", json!({"id": ALEX})),
        ("an id beside an email", json!({"id": ALEX, "email": "alex@example.com", "name": "Alex Runner"})),
        ("a token signed with a guessed secret", json!({"token": sign("guessed-secret-0123456789abcdef0123", ALEX, now + 600)})),
        ("Sam's token with Alex's id", json!({"token": token_for(SAM).replace(SAM, ALEX)})),
        ("a longer-lived copy of Alex's token", json!({"token": alex_token.replace(&(now + 600).to_string(), &(now + 6000).to_string())})),
        ("an expired token", json!({"token": sign(IDENTITY_SECRET, ALEX, now - 3600)})),
        ("a token valid for a year", json!({"token": sign(IDENTITY_SECRET, ALEX, now + 365 * 86400)})),
        ("garbage", json!({"token": "v1.<script>.1.x"})),
    ];
    for (i, (what, customer)) in forged.iter().enumerate() {
        let body = with_customer(MONTHLY, &format!("attempt-forged-{i:02}"), customer.clone());
        let v = envelope(env.post("/v1/purchases", &body).await, 403, "identity_refused").await;
        let message = v["message"].as_str().unwrap();
        assert!(message.contains("Reload the page"), "{what}: {v}");
        assert_eq!(v["field_errors"]["customer"][0], message, "{what}: {v}");
    }
    assert!(env.log_text().contains("identity unsigned"), "{}", env.log_text());
    assert!(env.log_text().contains("identity bad_signature"), "{}", env.log_text());
    assert!(env.log_text().contains("identity expired"), "{}", env.log_text());

    // Missing Origin, with a valid signed identity and a valid body.
    let body = with_customer(MONTHLY, "attempt-noorigin-1", json!({"token": token_for(ALEX)}));
    let r = env.client.post(env.url("/v1/purchases")).json(&body).send().await.unwrap();
    let v = envelope(r, 403, "origin_not_allowed").await;
    assert!(v["message"].as_str().unwrap().contains("Origin"), "{v}");
    // A foreign Origin.
    let r = env.client.post(env.url("/v1/purchases")).header("Origin", "https://evil.example").json(&body).send().await.unwrap();
    envelope(r, 403, "origin_not_allowed").await;

    // Oversized, declared and chunked.
    let mut big = purchase_body(MONTHLY, "attempt-oversized-1");
    big["customer"]["name"] = json!("x".repeat(17 * 1024));
    let v = envelope(env.post("/v1/purchases", &big).await, 413, "payload_too_large").await;
    assert_eq!(v["message"], "The request body is too large.");

    // Nothing was made in Uelz: no purchase, no customer.
    assert_eq!(env.uelz_counts().await, before);

    // And the one that is right goes through.
    let (s, v) = json_of(env.post("/v1/purchases", &body).await).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(env.uelz_counts().await, (before.0 + 1, before.1));
}

#[tokio::test]
async fn a_signed_identity_buys_as_that_customer_and_an_email_never_does() {
    let env = start().await;
    let before_customers = env.uelz_customers().await.len();

    let signed = with_customer(CARD, "attempt-signed-001", json!({"token": token_for(ALEX)}));
    let (s, v) = json_of(env.post("/v1/purchases", &signed).await).await;
    assert_eq!(s, 201, "{v}");

    // Someone who knows Alex's email: a new customer, not Alex's record.
    let claim = with_customer(CARD, "attempt-byemail-01", json!({"email": "alex@example.com", "name": "Alex Runner"}));
    let (s, v) = json_of(env.post("/v1/purchases", &claim).await).await;
    assert_eq!(s, 201, "{v}");

    let all = env.uelz_purchases().await;
    let customer_of = |ext: &str| all.iter().find(|p| p["external_id"] == ext).unwrap()["customer"].as_str().unwrap().to_string();
    assert_eq!(customer_of("attempt-signed-001"), ALEX);
    let stranger = customer_of("attempt-byemail-01");
    assert_ne!(stranger, ALEX);
    let customers = env.uelz_customers().await;
    assert_eq!(customers.len(), before_customers + 1, "the signed purchase made no customer");
    let made = customers.iter().find(|c| c["id"] == stranger.as_str()).unwrap();
    assert_eq!(made["external_customer_id"], "checkout-attempt-byemail-01");
}

#[tokio::test]
async fn retries_reuse_the_attempts_new_customer_and_a_changed_buyer_conflicts() {
    let env = start().await;
    let body = purchase_body(MONTHLY, "attempt-guest-0001");
    // The answer to the first try is lost after Uelz made the purchase.
    env.arm_fault("uelz.purchases.create", "drop_after_acting", 1).await;
    envelope(env.post("/v1/purchases", &body).await, 502, "upstream_unavailable").await;
    let (s, first) = json_of(env.post("/v1/purchases", &body).await).await;
    assert_eq!(s, 201, "{first}");
    let (s, again) = json_of(env.post("/v1/purchases", &body).await).await;
    assert_eq!(s, 201, "{again}");
    assert_eq!(first["purchase_id"], again["purchase_id"]);

    let key = "checkout-attempt-guest-0001";
    let customers = env.uelz_customers().await;
    assert_eq!(customers.iter().filter(|c| c["external_customer_id"] == key).count(), 1, "one customer for the attempt");
    let purchases = env.uelz_purchases().await;
    assert_eq!(purchases.iter().filter(|p| p["external_id"] == "attempt-guest-0001").count(), 1);

    // Same attempt, another buyer's details: refused, nothing new.
    let mut other = body.clone();
    other["customer"] = json!({"email": "someone.else@example.com", "name": "Someone Else"});
    let v = envelope(env.post("/v1/purchases", &other).await, 409, "conflict").await;
    assert_eq!(v["type"], "conflict");
    assert_eq!(env.uelz_customers().await.len(), customers.len());
}

#[tokio::test]
async fn without_an_identity_secret_no_token_is_trusted() {
    let env = start_with(|c| c.identity_secrets.clear()).await;
    let body = with_customer(MONTHLY, "attempt-nosecret-1", json!({"token": token_for(ALEX)}));
    let v = envelope(env.post("/v1/purchases", &body).await, 403, "identity_refused").await;
    assert!(v["message"].as_str().unwrap().contains("couldn't confirm"), "{v}");
    assert!(env.log_text().contains("identity not_configured"), "{}", env.log_text());
    // Guests still buy.
    assert_eq!(env.post("/v1/purchases", &purchase_body(MONTHLY, "attempt-nosecret-2")).await.status(), 201);
}

#[tokio::test]
async fn a_rotated_secret_still_accepts_tokens_signed_with_the_previous_one() {
    let env = start_with(|c| c.identity_secrets = vec!["the-new-identity-secret-0123456789abcdef".into(), IDENTITY_SECRET.into()]).await;
    let body = with_customer(CARD, "attempt-rotated-01", json!({"token": token_for(ALEX)}));
    assert_eq!(env.post("/v1/purchases", &body).await.status(), 201);
    let env = start_with(|c| c.identity_secrets = vec!["the-new-identity-secret-0123456789abcdef".into()]).await;
    envelope(env.post("/v1/purchases", &body).await, 403, "identity_refused").await;
}
