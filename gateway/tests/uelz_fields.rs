//! Every field of the Uelz `POST /purchases` reference (seed 004: `plan`, `customer`,
//! `external_id`, `coupon`, `billing_configuration`, `currency`, `payment_method`,
//! `service_activation_date`, `end_date`, and the merchant-on-behalf query parameter): the exact
//! body and query the gateway sends, as a recorder between the gateway and the sandbox saw them,
//! and what the sandbox then recorded.

mod common;

use checkout_gateway::Clock;
use common::*;
use serde_json::{json, Value};
use time::{Duration as Days, OffsetDateTime};

/// The gateway with a clock stopped at `now` (so "today" is known), Uelz behind a recorder.
async fn recorded_at(now: OffsetDateTime, tweak: impl FnOnce(&mut checkout_gateway::Config)) -> (Env, std::sync::Arc<std::sync::Mutex<Vec<Recorded>>>) {
    start_recorded(|c| {
        c.clock = Clock::from_fn(move || now);
        tweak(c);
    })
    .await
}

fn signed_body(plan: &str, external_id: &str) -> Value {
    let mut b = purchase_body(plan, external_id);
    b["customer"] = json!({"token": token_for(ALEX)});
    b
}

async fn created(env: &Env, body: &Value) -> Value {
    let (s, v) = json_of(env.post("/v1/purchases", body).await).await;
    assert_eq!(s, 201, "{v}");
    v
}

#[tokio::test]
async fn payment_method_is_passed_on_as_given() {
    let (env, seen) = recorded_at(OffsetDateTime::now_utc(), |_| {}).await;
    let mut body = signed_body(MONTHLY, "attempt-pm-000001");
    body["payment_method"] = json!("pm_1QfX9zStudio:card.4242");
    created(&env, &body).await;
    let posts = purchase_posts(&seen);
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].query.as_deref(), Some("merchant_id=mer_riverside_01"));
    assert_eq!(
        posts[0].body,
        Some(json!({
            "plan": MONTHLY, "customer": ALEX, "currency": "EUR", "external_id": "attempt-pm-000001",
            "payment_method": "pm_1QfX9zStudio:card.4242",
        }))
    );
    assert_eq!(env.uelz_purchases().await[0]["payment_method"], "pm_1QfX9zStudio:card.4242");

    // Without one, none is sent; a malformed one is the widget's field error and nothing is sent.
    created(&env, &signed_body(MONTHLY, "attempt-pm-000002")).await;
    assert!(purchase_posts(&seen)[1].body.as_ref().unwrap().get("payment_method").is_none());
    let mut bad = signed_body(MONTHLY, "attempt-pm-000003");
    bad["payment_method"] = json!("pm 1 <script>");
    let v = envelope(env.post("/v1/purchases", &bad).await, 400, "parameter_invalid").await;
    assert!(v["field_errors"]["payment_method"].is_array(), "{v}");
    assert_eq!(purchase_posts(&seen).len(), 2);
}

#[tokio::test]
async fn billing_configuration_and_coupon_ids() {
    let (env, seen) = recorded_at(OffsetDateTime::now_utc(), |c| c.billing_configuration = Some("bc_gentle".into())).await;
    let mut body = signed_body(ANNUAL, "attempt-bc-000001");
    body["coupon_code"] = json!("annual50");
    created(&env, &body).await;
    let coupon = env.uelz_purchases().await[0]["coupon"].as_str().unwrap().to_string();
    assert_ne!(coupon.to_ascii_lowercase(), "annual50", "the coupon goes as its Uelz id");
    assert_eq!(
        purchase_posts(&seen)[0].body,
        Some(json!({
            "plan": ANNUAL, "customer": ALEX, "currency": "EUR", "external_id": "attempt-bc-000001",
            "coupon": coupon, "billing_configuration": "bc_gentle",
        }))
    );
    assert_eq!(env.uelz_purchases().await[0]["billing_configuration"], "bc_gentle");
}

#[tokio::test]
async fn currency_is_the_plans() {
    let (env, seen) = recorded_at(OffsetDateTime::now_utc(), |_| {}).await;
    created(&env, &signed_body(ONLINE_USD, "attempt-usd-000001")).await;
    assert_eq!(
        purchase_posts(&seen)[0].body,
        Some(json!({"plan": ONLINE_USD, "customer": ALEX, "currency": "USD", "external_id": "attempt-usd-000001"}))
    );
    assert_eq!(env.uelz_purchases().await[0]["amount_due"], json!(19.0));
}

#[tokio::test]
async fn service_activation_date_for_plans_that_take_one() {
    let now = OffsetDateTime::now_utc();
    let (env, seen) = recorded_at(now, |_| {}).await;
    let start = ymd(now.date() + Days::days(10));
    let mut body = signed_body(REFORMER, "attempt-start-00001");
    body["service_activation_date"] = json!(start);
    created(&env, &body).await;
    assert_eq!(
        purchase_posts(&seen)[0].body,
        Some(json!({
            "plan": REFORMER, "customer": ALEX, "currency": "EUR", "external_id": "attempt-start-00001",
            "service_activation_date": start,
        }))
    );
    assert_eq!(env.uelz_purchases().await[0]["first_charge_date"], start.as_str());
}

/// A fixed-term plan (`metadata.term_days` = 84) bought by a new customer: every Uelz call of
/// the attempt in order, and `end_date` = the studio's today + 84 days.
#[tokio::test]
async fn end_date_for_fixed_term_plans_and_the_whole_conversation() {
    let now = OffsetDateTime::now_utc();
    let (env, seen) = recorded_at(now, |_| {}).await;
    created(&env, &purchase_body(SUMMER, "attempt-term-00001")).await;
    let end = ymd(now.date() + Days::days(84));
    let calls: Vec<(String, String, Option<String>)> =
        seen.lock().unwrap().iter().map(|r| (r.method.clone(), r.path.clone(), r.query.clone())).collect();
    let call = |m: &str, p: &str, q: Option<&str>| (m.to_string(), p.to_string(), q.map(str::to_string));
    assert_eq!(
        calls,
        [
            call("GET", &format!("/plans/{SUMMER}"), None),
            call("GET", "/customers", Some("external_customer_id=checkout-attempt-term-00001")),
            call("POST", "/customers", None),
            call("GET", "/purchases", Some("external_id=attempt-term-00001")),
            call("POST", "/purchases", Some("merchant_id=mer_riverside_01")),
        ]
    );
    let recorded = seen.lock().unwrap().clone();
    assert_eq!(
        recorded[2].body,
        Some(json!({"external_customer_id": "checkout-attempt-term-00001", "email": "new.member@example.com", "name": "New Member"}))
    );
    let customer = env.uelz_customers().await.last().unwrap()["id"].as_str().unwrap().to_string();
    assert_eq!(
        recorded[4].body,
        Some(json!({
            "plan": SUMMER, "customer": customer, "currency": "EUR", "external_id": "attempt-term-00001", "end_date": end,
        }))
    );
    assert_eq!(env.uelz_purchases().await[0]["end_date"], end.as_str());
}

#[tokio::test]
async fn the_merchant_parameter_its_name_and_its_absence() {
    // Default name.
    let (env, seen) = recorded_at(OffsetDateTime::now_utc(), |_| {}).await;
    created(&env, &signed_body(CARD, "attempt-merch-0001")).await;
    assert_eq!(purchase_posts(&seen)[0].query.as_deref(), Some("merchant_id=mer_riverside_01"));
    assert_eq!(env.uelz_purchases().await[0]["merchant_id"], MERCHANT);

    // A platform whose parameter has another name (UELZ_MERCHANT_PARAM), and a sandbox that
    // reads that name.
    let mut sb = checkout_sandbox::Config::demo();
    sb.uelz.merchant_param = "on_behalf_of".into();
    let sandbox = sandbox_with(sb).await;
    let (rec, seen) = recorder(format!("{}/uelz", sandbox.url())).await;
    let (mut config, log) = gateway_config(&sandbox.url());
    config.uelz_base_url = rec;
    config.merchant_param = "on_behalf_of".into();
    let gateway = checkout_gateway::spawn(config).await.unwrap();
    let env = Env { sandbox, gateway, client: client(), log };
    created(&env, &signed_body(CARD, "attempt-merch-0002")).await;
    assert_eq!(purchase_posts(&seen)[0].query.as_deref(), Some("on_behalf_of=mer_riverside_01"));
    assert_eq!(env.uelz_purchases().await[0]["merchant_id"], MERCHANT);

    // No merchant: no query at all (the platform itself).
    let (env, seen) = recorded_at(OffsetDateTime::now_utc(), |c| c.merchant_id = None).await;
    created(&env, &signed_body(CARD, "attempt-merch-0003")).await;
    assert_eq!(purchase_posts(&seen)[0].query, None);
    assert_eq!(env.uelz_purchases().await[0]["merchant_id"], json!(null));
}
