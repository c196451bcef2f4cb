//! Health, plan listing and coupon lookup against the real sandbox.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn health() {
    let env = start().await;
    let (s, v) = json_of(env.get("/v1/health").await).await;
    assert_eq!(s, 200);
    assert_eq!(v, json!({"ok": true}));
}

#[tokio::test]
async fn plans_are_the_active_ones_in_the_widget_shape() {
    let env = start().await;
    let (s, v) = json_of(env.get("/v1/plans").await).await;
    assert_eq!(s, 200, "{v}");
    let plans = v["plans"].as_array().unwrap();
    let ids: Vec<&str> = plans.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [CARD, MONTHLY, ANNUAL, COMMITMENT, SUMMER, REFORMER, ONLINE_USD]);
    assert!(!ids.contains(&ARCHIVED));
    let by_id = |id: &str| plans.iter().find(|p| p["id"] == id).unwrap().clone();

    let monthly = by_id(MONTHLY);
    assert_eq!(monthly["name"], "Monthly unlimited");
    assert_eq!(monthly["kind"], "recurring");
    assert_eq!(monthly["price"], json!({"amount": "59.00", "currency": "EUR"}));
    assert_eq!(monthly["period"], json!({"unit": "month"}));
    assert_eq!(monthly["billing_cycles"], json!(null));
    assert_eq!(monthly["needs_activation_date"], false);
    assert_eq!(monthly["term_days"], json!(null));
    assert!(monthly["trial_days"].is_u64());
    assert!(monthly["description"].is_string());

    let card = by_id(CARD);
    assert_eq!((card["kind"].as_str(), &card["period"]), (Some("one_off"), &json!(null)));
    assert_eq!(card["price"]["amount"], "120.00");
    assert_eq!(by_id(COMMITMENT)["billing_cycles"], 12);
    assert_eq!(by_id(SUMMER)["term_days"], 84);
    assert_eq!(by_id(SUMMER)["period"], json!({"unit": "week"}));
    assert_eq!(by_id(REFORMER)["needs_activation_date"], true);
    assert_eq!(by_id(ONLINE_USD)["price"], json!({"amount": "19.00", "currency": "USD"}));
    assert_eq!(by_id(ANNUAL)["price"]["amount"], "590.00");
}

#[tokio::test]
async fn coupons_that_apply() {
    let env = start().await;
    let (s, v) = json_of(env.get(&format!("/v1/coupons/WELCOME10?plan={MONTHLY}")).await).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["code"], "WELCOME10");
    assert!(v["name"].is_string());
    assert_eq!(v["discount"], json!({"amount": "5.90", "currency": "EUR"}));
    assert_eq!(v["total"], json!({"amount": "53.10", "currency": "EUR"}));

    // Codes match case-insensitively; the answer carries the coupon's own spelling.
    let (s, v) = json_of(env.get(&format!("/v1/coupons/fiveoff?plan={MONTHLY}")).await).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["code"], "FIVEOFF");
    assert_eq!(v["discount"]["amount"], "5.00");
    assert_eq!(v["total"]["amount"], "54.00");

    // A percentage works in USD too.
    let (s, v) = json_of(env.get(&format!("/v1/coupons/WELCOME10?plan={ONLINE_USD}")).await).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["discount"], json!({"amount": "1.90", "currency": "USD"}));
    assert_eq!(v["total"], json!({"amount": "17.10", "currency": "USD"}));

    // ANNUAL50 on its plan.
    let (s, v) = json_of(env.get(&format!("/v1/coupons/ANNUAL50?plan={ANNUAL}")).await).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["total"]["amount"], "540.00");
}

#[tokio::test]
async fn coupons_that_do_not() {
    let env = start().await;
    let v = envelope(env.get(&format!("/v1/coupons/NOSUCHCODE?plan={MONTHLY}")).await, 404, "coupon_not_found").await;
    assert_eq!(v["message"], "This code isn't valid.");
    assert_eq!(v["field_errors"], json!({"coupon_code": ["This code isn't valid."]}));
    // Inactive reads as not valid.
    envelope(env.get(&format!("/v1/coupons/PAUSED?plan={MONTHLY}")).await, 404, "coupon_not_found").await;

    let v = envelope(env.get(&format!("/v1/coupons/SPRING?plan={MONTHLY}")).await, 422, "coupon_expired").await;
    assert_eq!(v["message"], "This code has expired.");
    assert_eq!(v["field_errors"]["coupon_code"], json!(["This code has expired."]));

    let v = envelope(env.get(&format!("/v1/coupons/ANNUAL50?plan={MONTHLY}")).await, 422, "coupon_not_applicable").await;
    assert_eq!(v["message"], "This code can't be used with this plan.");
    assert_eq!(v["field_errors"]["coupon_code"], json!(["This code can't be used with this plan."]));
    // A fixed EUR amount can't apply to a USD plan.
    envelope(env.get(&format!("/v1/coupons/FIVEOFF?plan={ONLINE_USD}")).await, 422, "coupon_not_applicable").await;

    // The plan is required and must be a plan on sale.
    let v = envelope(env.get("/v1/coupons/WELCOME10").await, 400, "parameter_invalid").await;
    assert!(v["field_errors"]["plan"].is_array(), "{v}");
    let v = envelope(env.get("/v1/coupons/WELCOME10?plan=").await, 400, "parameter_invalid").await;
    assert!(v["field_errors"]["plan"].is_array(), "{v}");
    let v = envelope(env.get("/v1/coupons/WELCOME10?plan=clpl0nosuchplan0000000000").await, 400, "parameter_invalid").await;
    assert!(v["field_errors"]["plan"].is_array(), "{v}");
    envelope(env.get(&format!("/v1/coupons/WELCOME10?plan={ARCHIVED}")).await, 400, "parameter_invalid").await;
    envelope(env.get("/v1/coupons/WELCOME10?plan=..%2F..%2Fplans").await, 400, "parameter_invalid").await;
}

#[tokio::test]
async fn upstream_503_on_the_catalogue_is_a_502() {
    let env = start().await;
    env.arm_fault("uelz.plans", "status_503", 1).await;
    let v = envelope(env.get("/v1/plans").await, 502, "upstream_unavailable").await;
    assert_eq!(v["message"], "The billing service didn't answer. Try again.");
    let (s, _) = json_of(env.get("/v1/plans").await).await;
    assert_eq!(s, 200);
    env.arm_fault("uelz.coupons", "drop_before_acting", 1).await;
    envelope(env.get(&format!("/v1/coupons/WELCOME10?plan={MONTHLY}")).await, 502, "upstream_unavailable").await;
    assert!(env.log_text().contains("GET /v1/plans 502"), "{}", env.log_text());
}
