//! `POST /v1/purchases` end to end: what the widget gets and what Uelz (the sandbox) recorded.

mod common;

use common::*;
use serde_json::{json, Value};
use time::{Duration as Days, OffsetDateTime};

fn records_for<'a>(all: &'a [Value], external_id: &str) -> Vec<&'a Value> {
    all.iter().filter(|p| p["external_id"] == external_id).collect()
}

#[tokio::test]
async fn a_full_purchase_with_coupon_new_customer_and_term() {
    let env = start().await;
    let mut body = purchase_body(SUMMER, "attempt-summer-0001");
    body["coupon_code"] = json!("welcome10");
    let before = OffsetDateTime::now_utc();
    let (s, v) = json_of(env.post("/v1/purchases", &body).await).await;
    assert_eq!(s, 201, "{v}");
    let id = v["purchase_id"].as_str().unwrap().to_string();
    let expected_next = {
        let mut u = url::Url::parse(&format!("{}/checkout/{id}", env.sandbox.url())).unwrap();
        u.query_pairs_mut().append_pair("return_url", RETURN_TO);
        u.to_string()
    };
    assert_eq!(v["next_url"], expected_next);
    // created_at + 30 minutes.
    let expires = v["expires_at"].as_str().unwrap();
    assert!(expires.ends_with('Z') && expires.len() == 24, "{expires}");
    let expires = OffsetDateTime::parse(expires, &time::format_description::well_known::Rfc3339).unwrap();
    let after = OffsetDateTime::now_utc();
    assert!(expires >= before + Days::minutes(30) - Days::seconds(1) && expires <= after + Days::minutes(30), "{expires}");

    let all = env.uelz_purchases().await;
    let recs = records_for(&all, "attempt-summer-0001");
    assert_eq!(recs.len(), 1, "{all:?}");
    let rec = recs[0];
    assert_eq!(rec["id"], id.as_str());
    assert_eq!(rec["plan"], SUMMER);
    assert_eq!(rec["currency"], "EUR");
    assert_eq!(rec["merchant_id"], MERCHANT);
    assert_eq!(rec["end_date"], ymd(today() + Days::days(84)));
    assert_eq!(rec["service_activation_date"], json!(null));
    assert_eq!(rec["billing_configuration"], json!(null));
    // The coupon went as its id, not its code.
    let coupon = rec["coupon"].as_str().unwrap();
    assert!(!coupon.is_empty() && !coupon.eq_ignore_ascii_case("welcome10"), "{rec}");
    assert_eq!(rec["amount_due"].as_f64(), Some(13.5), "{rec}");
    // A customer was made for this attempt (keyed by it), never looked up by email.
    let customer = rec["customer"].as_str().unwrap().to_string();
    assert!(customer != ALEX);
    let customers = env.uelz_customers().await;
    let made: Vec<&Value> = customers.iter().filter(|c| c["id"] == customer.as_str()).collect();
    assert_eq!(made.len(), 1);
    assert_eq!(made[0]["external_customer_id"], "checkout-attempt-summer-0001");
    assert_eq!(made[0]["email"], "new.member@example.com");
    // Another attempt by the same (unsigned) buyer is another new customer: an email proves nothing.
    let (s, v) = json_of(env.post("/v1/purchases", &purchase_body(CARD, "attempt-card-00002")).await).await;
    assert_eq!(s, 201, "{v}");
    let all = env.uelz_purchases().await;
    let second = records_for(&all, "attempt-card-00002")[0]["customer"].as_str().unwrap().to_string();
    assert!(second != customer && second != ALEX, "{second}");

    // The hosted checkout page the link points at exists.
    let page = env.client.get(v["next_url"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(page.status(), 200);
}

#[tokio::test]
async fn existing_customers_activation_dates_and_billing_configuration() {
    let env = start_with(|c| c.billing_configuration = Some("bc_gentle".into())).await;
    // Through the identity the studio's server signed → Alex's existing id.
    let activation = ymd(today() + Days::days(14));
    let body = json!({
        "plan": REFORMER, "external_id": "attempt-reformer-01", "service_activation_date": activation,
        "customer": {"token": token_for(ALEX)}, "return_to": RETURN_TO,
    });
    let (s, v) = json_of(env.post("/v1/purchases", &body).await).await;
    assert_eq!(s, 201, "{v}");
    let body = json!({"plan": MONTHLY, "external_id": "attempt-monthly-01", "customer": {"token": token_for(ALEX)},
                      "return_to": "https://studio.example/"});
    let (s, v) = json_of(env.post("/v1/purchases", &body).await).await;
    assert_eq!(s, 201, "{v}");

    let all = env.uelz_purchases().await;
    let r = records_for(&all, "attempt-reformer-01")[0];
    assert_eq!(r["customer"], ALEX);
    assert_eq!(r["service_activation_date"], activation.as_str());
    assert_eq!(r["end_date"], json!(null));
    assert_eq!(r["billing_configuration"], "bc_gentle");
    assert_eq!(r["merchant_id"], MERCHANT);
    let r = records_for(&all, "attempt-monthly-01")[0];
    assert_eq!(r["customer"], ALEX);
    assert_eq!(r["coupon"], json!(null));
    assert_eq!(r["currency"], "EUR");
}

#[tokio::test]
async fn usd_plans_are_bought_in_usd() {
    let env = start().await;
    let (s, v) = json_of(env.post("/v1/purchases", &purchase_body(ONLINE_USD, "attempt-usd-000001")).await).await;
    assert_eq!(s, 201, "{v}");
    let all = env.uelz_purchases().await;
    assert_eq!(records_for(&all, "attempt-usd-000001")[0]["currency"], "USD");
}

#[tokio::test]
async fn a_retry_returns_the_same_purchase_and_a_changed_body_conflicts() {
    let env = start().await;
    let mut body = purchase_body(MONTHLY, "attempt-retry-0001");
    body["coupon_code"] = json!("FIVEOFF");
    let (s1, v1) = json_of(env.post("/v1/purchases", &body).await).await;
    assert_eq!(s1, 201, "{v1}");
    // Uelz answers 200 for the repeat; the widget still gets 201 and the same answer.
    let (s2, v2) = json_of(env.post("/v1/purchases", &body).await).await;
    assert_eq!(s2, 201, "{v2}");
    assert_eq!(v1["purchase_id"], v2["purchase_id"]);
    assert_eq!(v1["next_url"], v2["next_url"]);
    assert_eq!(v1["expires_at"], v2["expires_at"]);
    assert_eq!(records_for(&env.uelz_purchases().await, "attempt-retry-0001").len(), 1);
    assert!(env.log_text().contains("uelz 200 repeat"), "{}", env.log_text());

    body["coupon_code"] = json!("WELCOME10");
    let v = envelope(env.post("/v1/purchases", &body).await, 409, "conflict").await;
    assert_eq!(v["type"], "conflict");
    assert_eq!(records_for(&env.uelz_purchases().await, "attempt-retry-0001").len(), 1);
}

#[tokio::test]
async fn a_dropped_connection_is_a_502_and_the_retry_finds_the_one_purchase() {
    let env = start().await;
    let body = purchase_body(ANNUAL, "attempt-dropped-01");
    env.arm_fault("uelz.purchases.create", "drop_after_acting", 1).await;
    let v = envelope(env.post("/v1/purchases", &body).await, 502, "upstream_unavailable").await;
    assert_eq!(v["message"], "The billing service didn't answer. Try again: you won't be charged twice.");
    assert_eq!(v["field_errors"], json!({}));
    // Uelz did create it.
    let created = records_for(&env.uelz_purchases().await, "attempt-dropped-01")
        .iter()
        .map(|r| r["id"].clone())
        .collect::<Vec<_>>();
    assert_eq!(created.len(), 1);

    let (s, v) = json_of(env.post("/v1/purchases", &body).await).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["purchase_id"], created[0]);
    assert_eq!(records_for(&env.uelz_purchases().await, "attempt-dropped-01").len(), 1);

    // 503 and a drop before acting are 502s too, and nothing is created.
    env.arm_fault("uelz.purchases.create", "status_503", 1).await;
    envelope(env.post("/v1/purchases", &purchase_body(ANNUAL, "attempt-503-00001")).await, 502, "upstream_unavailable").await;
    env.arm_fault("uelz.purchases.create", "drop_before_acting", 1).await;
    envelope(env.post("/v1/purchases", &purchase_body(ANNUAL, "attempt-503-00001")).await, 502, "upstream_unavailable").await;
    assert!(records_for(&env.uelz_purchases().await, "attempt-503-00001").is_empty());
}

#[tokio::test]
async fn validation_errors_use_the_widget_field_names() {
    let env = start().await;
    let v = envelope(
        env.post(
            "/v1/purchases",
            &json!({"external_id": "bad id", "customer": {"email": "nope", "name": ""},
                    "return_to": "https://elsewhere.example/", "service_activation_date": "2001-01-01"}),
        )
        .await,
        400,
        "parameter_invalid",
    )
    .await;
    let mut keys: Vec<&str> = v["field_errors"].as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["email", "external_id", "name", "plan", "return_to", "service_activation_date"], "{v}");
    assert_eq!(v["type"], "invalid_request_error");

    let check = |body: Value, field: &'static str| {
        let env = &env;
        async move {
            let v = envelope(env.post("/v1/purchases", &body).await, 400, "parameter_invalid").await;
            assert!(v["field_errors"][field].is_array(), "{field}: {v}");
        }
    };
    // Unknown or archived plan.
    check(purchase_body("clpl0nosuchplan0000000000", "attempt-val-000001"), "plan").await;
    check(purchase_body(ARCHIVED, "attempt-val-000001"), "plan").await;
    // An activation date for a plan that takes none.
    let mut b = purchase_body(MONTHLY, "attempt-val-000002");
    b["service_activation_date"] = json!(ymd(today() + Days::days(3)));
    check(b, "service_activation_date").await;
    // Coupons: unknown, expired, not for this plan.
    for code in ["NOSUCH", "SPRING", "ANNUAL50", "PAUSED"] {
        let mut b = purchase_body(MONTHLY, "attempt-val-000003");
        b["coupon_code"] = json!(code);
        check(b, "coupon_code").await;
    }
    // Uelz's own 422 for an unknown (but signed) customer id lands on `customer`.
    let mut b = purchase_body(MONTHLY, "attempt-val-000004");
    b["customer"] = json!({"token": token_for("clcu0nobody00000000000000")});
    check(b, "customer").await;
    // Uelz's stricter email check lands on `email`.
    let mut b = purchase_body(MONTHLY, "attempt-val-000005");
    b["customer"] = json!({"email": "a@exa_mple.com", "name": "A"});
    check(b, "email").await;

    assert!(env.uelz_purchases().await.is_empty());
}

#[tokio::test]
async fn a_merchant_uelz_does_not_know_is_a_configuration_error() {
    let env = start_with(|c| c.merchant_id = Some("mer_unknown".into())).await;
    let v = envelope(env.post("/v1/purchases", &purchase_body(MONTHLY, "attempt-merchant-1")).await, 502, "upstream_misconfigured").await;
    assert!(!v["message"].as_str().unwrap().contains("mer_unknown"));
    assert!(env.log_text().contains("field=merchant_id"), "{}", env.log_text());

    let env = start_with(|c| c.billing_configuration = Some("bc_nope".into())).await;
    envelope(env.post("/v1/purchases", &purchase_body(MONTHLY, "attempt-billing-1")).await, 502, "upstream_misconfigured").await;
}

#[tokio::test]
async fn without_a_merchant_no_merchant_is_recorded() {
    let env = start_with(|c| c.merchant_id = None).await;
    let (s, v) = json_of(env.post("/v1/purchases", &purchase_body(MONTHLY, "attempt-nomerch-1")).await).await;
    assert_eq!(s, 201, "{v}");
    let all = env.uelz_purchases().await;
    assert_eq!(records_for(&all, "attempt-nomerch-1")[0]["merchant_id"], json!(null));
}
