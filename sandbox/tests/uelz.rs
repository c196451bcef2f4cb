//! The Uelz subset (docs/contract.md §3) over real HTTP: auth, catalogue, customers, every
//! purchase rule, idempotency, the merchant parameter, the hosted checkout and fault injection.

mod common;

use std::time::Duration;

use checkout_sandbox::Config;
use common::{start, start_with, Api};
use reqwest::{RequestBuilder, StatusCode};
use serde_json::{json, Value};
use time::{Date, OffsetDateTime};

const KEY: &str = "uelz_sk_sandbox_7Hq2xVw9LmT4";
const ORG: &str = "org_sandbox_riverside_5Kd8";
const MERCHANT: &str = "mer_riverside_01";

const CARD: &str = "clpl0drop1n10card000000001";
const MONTHLY: &str = "clpl0month1yun11m1ted00002";
const ANNUAL: &str = "clpl0annua1un11m1ted000003";
const COMMIT: &str = "clpl0comm1t12month0000004";
const SUMMER: &str = "clpl0summerpass12wk000005";
const REFORMER: &str = "clpl0reformerstart0000006";
const ONLINE_USD: &str = "clpl0on11neclassesusd0007";
const ARCHIVED: &str = "clpl0o1darch1ved000000008";
const ALEX: &str = "clcu0a1exrunner0000000001";
const SAM: &str = "clcu0saml1fter0000000002";
const RETURN: &str = "https://studio.example/join?utm_source=mail#checkout";

fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

fn day(offset: i64) -> String {
    let d = today() + time::Duration::days(offset);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn authed(rb: RequestBuilder) -> RequestBuilder {
    rb.header("api-key", KEY).header("organization-id", ORG)
}

async fn get(api: &Api, path: &str) -> (StatusCode, Value) {
    api.send(authed(api.client.get(api.url(path)))).await
}

async fn post(api: &Api, path: &str, body: Value) -> (StatusCode, Value) {
    api.send(authed(api.client.post(api.url(path))).json(&body))
        .await
}

async fn buy(api: &Api, body: Value) -> (StatusCode, Value) {
    post(api, "/uelz/purchases", body).await
}

async fn coupon_id(api: &Api, code: &str) -> String {
    let (status, found) = get(api, &format!("/uelz/coupons?code={code}")).await;
    assert_eq!(status, 200, "{found}");
    found[0]["id"].as_str().expect("coupon found").to_string()
}

async fn hook_purchases(api: &Api) -> Vec<Value> {
    let (status, list) = api
        .send(api.client.get(api.url("/__sandbox/uelz/purchases")))
        .await;
    assert_eq!(status, 200);
    list.as_array().unwrap().clone()
}

#[track_caller]
fn assert_invalid(status: StatusCode, body: &Value, field: &str, contains: &str) {
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"], "validation_error", "{body}");
    assert_eq!(body["field"], field, "{body}");
    let msg = body["message"].as_str().unwrap();
    assert!(msg.contains(contains), "{msg:?} lacks {contains:?}");
}

#[tokio::test]
async fn every_route_needs_both_headers_with_the_right_values() {
    let api = start().await;
    let missing =
        json!({"error": "unauthorized", "message": "Missing api-key or organization-id header"});
    let invalid = json!({"error": "unauthorized", "message": "Invalid api-key or organization-id"});
    let url = api.url("/uelz/plans");
    let cases = [
        (None, None, &missing),
        (Some(KEY), None, &missing),
        (None, Some(ORG), &missing),
        (Some("uelz_sk_wrong"), Some(ORG), &invalid),
        (Some(KEY), Some("org_other"), &invalid),
    ];
    for (key, org, want) in cases {
        let mut rb = api.client.get(&url);
        if let Some(k) = key {
            rb = rb.header("api-key", k);
        }
        if let Some(o) = org {
            rb = rb.header("organization-id", o);
        }
        let (status, body) = api.send(rb).await;
        assert_eq!(status, 401, "{key:?} {org:?}");
        assert_eq!(&body, want, "{key:?} {org:?}");
    }
    // Writes and unknown routes too, before anything else is looked at.
    let (status, _) = api
        .send(
            api.client
                .post(api.url("/uelz/purchases"))
                .json(&json!({"plan": MONTHLY})),
        )
        .await;
    assert_eq!(status, 401);
    assert!(hook_purchases(&api).await.is_empty());
    let (status, body) = api.send(api.client.get(api.url("/uelz/nothing"))).await;
    assert_eq!(
        (status.as_u16(), &body["error"]),
        (401, &json!("unauthorized"))
    );
    let (status, body) = get(&api, "/uelz/nothing").await;
    assert_eq!(
        (status.as_u16(), &body["error"]),
        (404, &json!("not_found"))
    );
    let (status, body) = api
        .send(authed(api.client.delete(api.url("/uelz/plans"))))
        .await;
    assert_eq!(
        (status.as_u16(), &body["error"]),
        (405, &json!("method_not_allowed"))
    );
}

#[tokio::test]
async fn plans_list_and_retrieve() {
    let api = start().await;
    let (status, plans) = get(&api, "/uelz/plans").await;
    assert_eq!(status, 200);
    let plans = plans.as_array().expect("a plain array");
    let ids: Vec<&str> = plans.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [CARD, MONTHLY, ANNUAL, COMMIT, SUMMER, REFORMER, ONLINE_USD, ARCHIVED]
    );
    let monthly = &plans[1];
    assert_eq!(monthly["plan_name"], "Monthly unlimited");
    assert_eq!(monthly["plan_amount"], json!(59.0));
    assert_eq!(monthly["plan_currency"], "EUR");
    assert_eq!(monthly["plan_type"], "subscription");
    assert_eq!(monthly["frequency"], "month");
    assert_eq!(monthly["billing_cycles"], Value::Null);
    assert_eq!(monthly["has_service_activation_date"], false);
    assert_eq!(monthly["trial_days"], 0);
    assert_eq!(monthly["status"], "active");
    assert_eq!(plans[0]["plan_type"], "one_time");
    assert_eq!(plans[0]["frequency"], Value::Null);
    assert_eq!(plans[0]["plan_amount"], json!(120.0));
    assert_eq!(plans[3]["billing_cycles"], 12);
    assert_eq!(plans[4]["metadata"], json!({"term_days": "84"}));
    assert_eq!(plans[5]["has_service_activation_date"], true);
    assert_eq!(plans[6]["plan_currency"], "USD");
    assert_eq!(plans[7]["status"], "archived");

    let service = plans[6]["service_id"].as_str().unwrap();
    let (_, online) = get(&api, &format!("/uelz/plans?service_id={service}")).await;
    assert_eq!(online.as_array().unwrap().len(), 1);
    assert_eq!(online[0]["id"], ONLINE_USD);

    let (status, one) = get(&api, &format!("/uelz/plans/{ANNUAL}")).await;
    assert_eq!(status, 200);
    assert_eq!(one["plan_amount"], json!(590.0));
    assert_eq!(one["frequency"], "year");
    let (status, body) = get(&api, "/uelz/plans/clpl_nope").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"], "not_found");
}

#[tokio::test]
async fn coupon_lookup_by_code_ignores_case() {
    let api = start().await;
    let (status, found) = get(&api, "/uelz/coupons?code=welcome10").await;
    assert_eq!(status, 200);
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["code"], "WELCOME10");
    assert_eq!(found[0]["discount_type"], "percentage");
    assert_eq!(found[0]["percent_off"], json!(10.0));
    assert_eq!(found[0]["plans"], Value::Null);
    assert_eq!(found[0]["active"], true);

    let (_, five) = get(&api, "/uelz/coupons?code=FIVEOFF").await;
    assert_eq!(five[0]["discount_type"], "fixed_amount");
    assert_eq!(five[0]["amount_off"], json!(5.0));
    assert_eq!(five[0]["currency"], "EUR");
    let (_, spring) = get(&api, "/uelz/coupons?code=Spring").await;
    assert_eq!(spring[0]["valid_until"], day(-30));
    let (_, annual) = get(&api, "/uelz/coupons?code=ANNUAL50").await;
    assert_eq!(annual[0]["plans"], json!([ANNUAL]));
    let (_, paused) = get(&api, "/uelz/coupons?code=PAUSED").await;
    assert_eq!(paused[0]["active"], false);

    let (status, none) = get(&api, "/uelz/coupons?code=NOPE").await;
    assert_eq!(status, 200);
    assert_eq!(none, json!([]));
}

#[tokio::test]
async fn customers_find_by_email_and_create() {
    let api = start().await;
    let (status, found) = get(&api, "/uelz/customers?email=ALEX@example.com").await;
    assert_eq!(status, 200);
    assert_eq!(found.as_array().unwrap().len(), 1);
    assert_eq!(found[0]["id"], ALEX);
    assert_eq!(found[0]["name"], "Alex Runner");
    let (_, none) = get(&api, "/uelz/customers?email=nobody@example.com").await;
    assert_eq!(none, json!([]));

    let (status, made) = post(
        &api,
        "/uelz/customers",
        json!({"external_customer_id": "w-1", "email": "jo@example.org", "name": "Jo Park"}),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let id = made["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("cl") && id.len() == 25, "{id}");
    assert_eq!(made["email"], "jo@example.org");
    assert_eq!(made["external_customer_id"], "w-1");
    let (_, found) = get(&api, "/uelz/customers?email=jo@example.org").await;
    assert_eq!(found[0]["id"], id.as_str());
    // The new customer can buy.
    let (status, p) = buy(&api, json!({"plan": MONTHLY, "customer": id})).await;
    assert_eq!(status, 201, "{p}");

    let (status, body) = post(&api, "/uelz/customers", json!({"name": "No Mail"})).await;
    assert_invalid(status, &body, "email", "required");
    let (status, body) = post(&api, "/uelz/customers", json!({"email": "not-an-email"})).await;
    assert_invalid(status, &body, "email", "not a valid email");

    // Reset forgets customers made at run time, not the demo ones.
    let (status, _) = api.send(api.client.post(api.url("/__sandbox/reset"))).await;
    assert_eq!(status, 200);
    let (_, gone) = get(&api, "/uelz/customers?email=jo@example.org").await;
    assert_eq!(gone, json!([]));
    let (_, sam) = get(&api, "/uelz/customers?email=sam@example.com").await;
    assert_eq!(sam[0]["id"], SAM);
}

#[tokio::test]
async fn bodies_must_be_json_objects() {
    let api = start().await;
    let url = api.url("/uelz/purchases");
    let raw = |ct: &str, body: &str| {
        authed(api.client.post(&url))
            .header("Content-Type", ct)
            .body(body.to_string())
    };
    let (status, body) = api.send(raw("application/json", "{\"plan\": ")).await;
    assert_eq!(
        (status.as_u16(), &body["error"]),
        (400, &json!("invalid_json"))
    );
    assert!(body.get("field").is_none(), "{body}");
    let (status, body) = api.send(raw("application/json", "[]")).await;
    assert_eq!(
        (status.as_u16(), &body["error"]),
        (400, &json!("invalid_json"))
    );
    let (status, body) = api
        .send(raw(
            "application/x-www-form-urlencoded",
            "plan=x&customer=y",
        ))
        .await;
    assert_eq!(
        (status.as_u16(), &body["error"]),
        (400, &json!("invalid_content_type"))
    );
    let (status, body) = api.send(authed(api.client.post(&url)).body("{}")).await;
    assert_eq!(
        (status.as_u16(), &body["error"]),
        (400, &json!("invalid_content_type"))
    );
    let (status, _) = api
        .send(
            authed(api.client.post(api.url("/uelz/customers")))
                .header("Content-Type", "text/plain")
                .body("{\"email\": \"a@b.co\"}"),
        )
        .await;
    assert_eq!(status, 400);
    assert!(hook_purchases(&api).await.is_empty());
}

#[tokio::test]
async fn every_purchase_rule_is_a_422_on_its_field() {
    let api = start().await;
    let welcome = coupon_id(&api, "WELCOME10").await;
    let five = coupon_id(&api, "FIVEOFF").await;
    let spring = coupon_id(&api, "SPRING").await;
    let annual = coupon_id(&api, "ANNUAL50").await;
    let paused = coupon_id(&api, "PAUSED").await;
    let base = |extra: Value| {
        let mut b = json!({"plan": MONTHLY, "customer": ALEX});
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                b.as_object_mut().unwrap().remove(k);
            } else {
                b[k] = v.clone();
            }
        }
        b
    };
    let cases: Vec<(Value, &str, &str)> = vec![
        (base(json!({"plan": null})), "plan", "required"),
        (base(json!({"plan": "clpl_nope"})), "plan", "No plan"),
        (base(json!({"plan": ARCHIVED})), "plan", "archived"),
        (base(json!({"plan": 42})), "plan", "must be a string"),
        (base(json!({"customer": null})), "customer", "required"),
        (
            base(json!({"customer": "clcu_nobody"})),
            "customer",
            "No customer",
        ),
        (base(json!({"currency": "eur"})), "currency", "ISO 4217"),
        (base(json!({"currency": "ABC"})), "currency", "ISO 4217"),
        (
            base(json!({"currency": "USD"})),
            "currency",
            "doesn't match the plan's currency EUR",
        ),
        (
            base(json!({"plan": ONLINE_USD, "currency": "EUR"})),
            "currency",
            "doesn't match",
        ),
        (base(json!({"coupon": "WELCOME10"})), "coupon", "No coupon"),
        (base(json!({"coupon": paused})), "coupon", "not active"),
        (base(json!({"coupon": spring})), "coupon", "expired"),
        (
            base(json!({"coupon": annual})),
            "coupon",
            "can't be used with plan",
        ),
        (
            base(json!({"plan": ONLINE_USD, "coupon": five})),
            "coupon",
            "is in EUR but the purchase is in USD",
        ),
        (
            base(json!({"billing_configuration": "bc_fast"})),
            "billing_configuration",
            "No billing configuration",
        ),
        (
            base(json!({"payment_method": ""})),
            "payment_method",
            "must not be empty",
        ),
        (
            base(json!({"service_activation_date": day(7)})),
            "service_activation_date",
            "doesn't take",
        ),
        (
            base(json!({"plan": REFORMER, "service_activation_date": day(-1)})),
            "service_activation_date",
            "past",
        ),
        (
            base(json!({"plan": REFORMER, "service_activation_date": "next week"})),
            "service_activation_date",
            "YYYY-MM-DD",
        ),
        (
            base(json!({"plan": COMMIT, "end_date": day(90)})),
            "end_date",
            "billing cycles",
        ),
        (base(json!({"end_date": day(0)})), "end_date", "after today"),
        (
            base(json!({"plan": REFORMER, "service_activation_date": day(10), "end_date": day(5)})),
            "end_date",
            "after the service_activation_date",
        ),
        (
            base(json!({"external_id": "x".repeat(65)})),
            "external_id",
            "at most 64",
        ),
    ];
    for (body, field, contains) in cases {
        let (status, resp) = buy(&api, body.clone()).await;
        assert_eq!(status, 422, "{body} → {resp}");
        assert_eq!(resp["error"], "validation_error", "{body} → {resp}");
        assert_eq!(resp["field"], field, "{body} → {resp}");
        assert!(
            resp["message"].as_str().unwrap().contains(contains),
            "{body} → {resp}, wanted {contains:?}"
        );
    }
    assert!(
        hook_purchases(&api).await.is_empty(),
        "no refused request creates"
    );

    // And the same fields in their valid forms are accepted.
    let ok = [
        base(
            json!({"coupon": welcome, "currency": "EUR", "billing_configuration": "bc_gentle", "payment_method": "pm_tok_123"}),
        ),
        base(json!({"plan": ANNUAL, "coupon": annual})),
        base(json!({"plan": REFORMER, "service_activation_date": day(0)})),
        base(json!({"plan": REFORMER, "service_activation_date": day(10), "end_date": day(11)})),
        base(json!({"plan": SUMMER, "end_date": day(84)})),
        base(json!({"plan": CARD, "customer": SAM, "external_id": "x".repeat(64)})),
        base(json!({"plan": ONLINE_USD, "coupon": welcome})),
    ];
    for body in ok {
        let (status, resp) = buy(&api, body.clone()).await;
        assert_eq!(status, 201, "{body} → {resp}");
    }
    assert_eq!(hook_purchases(&api).await.len(), 7);
}

#[tokio::test]
async fn a_purchase_answers_its_computed_amounts_and_dates() {
    let api = start().await;
    let welcome = coupon_id(&api, "WELCOME10").await;
    let (status, p) = buy(
        &api,
        json!({"plan": MONTHLY, "customer": ALEX, "coupon": welcome, "external_id": "att-0001",
               "billing_configuration": "bc_default", "payment_method": "pm_1"}),
    )
    .await;
    assert_eq!(status, 201, "{p}");
    let id = p["id"].as_str().unwrap();
    assert!(id.starts_with("cl") && id.len() == 25, "{id}");
    assert_eq!(p["object"], "purchase");
    assert_eq!(p["type"], "subscription");
    assert_eq!(p["status"], "incomplete");
    assert_eq!(p["plan"], MONTHLY);
    assert_eq!(p["customer"], ALEX);
    assert_eq!(p["external_id"], "att-0001");
    assert_eq!(p["coupon"], welcome.as_str());
    assert_eq!(p["billing_configuration"], "bc_default");
    assert_eq!(p["payment_method"], "pm_1");
    assert_eq!(p["currency"], "EUR", "defaults to the plan's currency");
    assert_eq!(p["amount"], json!(59.0));
    assert_eq!(p["discount_amount"], json!(5.9));
    assert_eq!(p["amount_due"], json!(53.1));
    assert_eq!(p["service_activation_date"], Value::Null);
    assert_eq!(p["end_date"], Value::Null);
    assert_eq!(p["first_charge_date"], day(0));
    assert_eq!(p["merchant_id"], Value::Null);
    let created = p["created_at"].as_str().unwrap();
    assert_eq!(created.len(), 24, "{created}");
    assert!(
        created.ends_with('Z') && created.as_bytes()[19] == b'.',
        "{created}"
    );

    // Fixed discounts in exact cents, and a one-time purchase.
    let five = coupon_id(&api, "FIVEOFF").await;
    let (_, card) = buy(&api, json!({"plan": CARD, "customer": SAM, "coupon": five})).await;
    assert_eq!(card["type"], "unique");
    assert_eq!(
        (
            card["amount"].clone(),
            card["discount_amount"].clone(),
            card["amount_due"].clone()
        ),
        (json!(120.0), json!(5.0), json!(115.0))
    );
    // The USD plan defaults to USD; activation dates move the first charge.
    let (_, usd) = buy(&api, json!({"plan": ONLINE_USD, "customer": ALEX})).await;
    assert_eq!(usd["currency"], "USD");
    assert_eq!(usd["amount_due"], json!(19.0));
    let (_, later) = buy(
        &api,
        json!({"plan": REFORMER, "customer": ALEX, "service_activation_date": day(14)}),
    )
    .await;
    assert_eq!(later["service_activation_date"], day(14));
    assert_eq!(later["first_charge_date"], day(14));

    // The hook lists them oldest first, exactly as answered (and retrieve agrees).
    let list = hook_purchases(&api).await;
    assert_eq!(list.len(), 4);
    assert_eq!(list[0], p);
    let (status, one) = get(&api, &format!("/uelz/purchases/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(one, p);
    assert_eq!(api.sandbox().uelz_purchases()[3], later);
}

#[tokio::test]
async fn external_id_makes_creation_idempotent() {
    let api = start().await;
    let body = json!({"plan": MONTHLY, "customer": ALEX, "external_id": "attempt-7f3a", "currency": "EUR"});
    let (status, first) = buy(&api, body.clone()).await;
    assert_eq!(status, 201, "{first}");
    let (status, again) = buy(&api, body.clone()).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again, first, "the purchase first created, unchanged");
    assert_eq!(hook_purchases(&api).await.len(), 1);

    // Same id, different request (a field, a field left out, or another merchant): 409.
    let mut changed = body.clone();
    changed["plan"] = json!(ANNUAL);
    let mut dropped = body.clone();
    dropped.as_object_mut().unwrap().remove("currency");
    for other in [changed, dropped] {
        let (status, resp) = buy(&api, other).await;
        assert_eq!(status, 409, "{resp}");
        assert_eq!(
            resp,
            json!({"error": "conflict",
                   "message": "A purchase with this external_id already exists with different parameters",
                   "field": "external_id"})
        );
    }
    let (status, _) = api
        .send(
            authed(
                api.client
                    .post(api.url(&format!("/uelz/purchases?merchant_id={MERCHANT}"))),
            )
            .json(&body),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(hook_purchases(&api).await.len(), 1);

    // Another external_id, or none, creates.
    let mut fresh = body.clone();
    fresh["external_id"] = json!("attempt-8b21");
    let (status, second) = buy(&api, fresh).await;
    assert_eq!(status, 201);
    assert_ne!(second["id"], first["id"]);
    let (s1, a) = buy(&api, json!({"plan": MONTHLY, "customer": ALEX})).await;
    let (s2, b) = buy(&api, json!({"plan": MONTHLY, "customer": ALEX})).await;
    assert_eq!((s1.as_u16(), s2.as_u16()), (201, 201));
    assert_ne!(a["id"], b["id"]);
    assert_eq!(hook_purchases(&api).await.len(), 4);
}

/// `GET /uelz/purchases?external_id=` (ASSUMPTION, what the gateway's purchase status asks):
/// 0 or 1 purchases, exact match, with the status as it is now; create faults don't touch it.
#[tokio::test]
async fn purchases_are_found_by_external_id_with_their_current_status() {
    let api = start().await;
    let (status, none) = get(&api, "/uelz/purchases?external_id=attempt-lookup-1").await;
    assert_eq!((status.as_u16(), none), (200, json!([])));
    let (status, made) = buy(
        &api,
        json!({"plan": CARD, "customer": ALEX, "external_id": "attempt-lookup-1"}),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    buy(&api, json!({"plan": MONTHLY, "customer": SAM, "external_id": "attempt-lookup-2"})).await;

    let (status, found) = get(&api, "/uelz/purchases?external_id=attempt-lookup-1").await;
    assert_eq!(status, 200);
    assert_eq!(found, json!([made.clone()]));
    // Exact: no prefix or case-insensitive matches.
    for q in ["attempt-lookup", "ATTEMPT-LOOKUP-1", "attempt-lookup-1%20"] {
        let (_, list) = get(&api, &format!("/uelz/purchases?external_id={q}")).await;
        assert_eq!(list, json!([]), "{q}");
    }
    let (_, all) = get(&api, "/uelz/purchases").await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    let (_, sams) = get(&api, &format!("/uelz/purchases?customer={SAM}")).await;
    assert_eq!(sams[0]["external_id"], "attempt-lookup-2");

    // Paying changes the status the lookup reports.
    let id = made["id"].as_str().unwrap();
    assert_eq!(api.submit(&checkout_url(&api, id), "pay").await.status(), 303);
    let (_, found) = get(&api, "/uelz/purchases?external_id=attempt-lookup-1").await;
    assert_eq!(found[0]["status"], "succeeded");

    // A fault armed for creating purchases leaves the lookup alone; credentials are required.
    api.sandbox().inject_fault("uelz.purchases.create", "status_503", 1);
    let (status, _) = get(&api, "/uelz/purchases?external_id=attempt-lookup-1").await;
    assert_eq!(status, 200);
    let (status, _) = buy(&api, json!({"plan": CARD, "customer": ALEX})).await;
    assert_eq!(status, 503);
    let (status, _) = api
        .send(api.client.get(api.url("/uelz/purchases?external_id=attempt-lookup-1")))
        .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn merchant_parameter_must_name_a_known_merchant() {
    let api = start().await;
    let body = json!({"plan": MONTHLY, "customer": ALEX});
    let send =
        |q: &str| authed(api.client.post(api.url(&format!("/uelz/purchases{q}")))).json(&body);
    let (status, p) = api.send(send(&format!("?merchant_id={MERCHANT}"))).await;
    assert_eq!(status, 201, "{p}");
    assert_eq!(p["merchant_id"], MERCHANT);
    assert_eq!(hook_purchases(&api).await[0]["merchant_id"], MERCHANT);
    let (status, resp) = api.send(send("?merchant_id=mer_elsewhere")).await;
    assert_invalid(status, &resp, "merchant_id", "Unknown merchant");
    let (status, resp) = api.send(send("?merchant_id=")).await;
    assert_invalid(status, &resp, "merchant_id", "Unknown merchant");
    assert_eq!(hook_purchases(&api).await.len(), 1);

    // A configured name replaces merchant_id (which is then just an unknown parameter).
    let mut config = Config::demo();
    config.uelz.merchant_param = "on_behalf_of".into();
    config.uelz.merchants = vec!["mer_a".into(), "mer_b".into()];
    let api = start_with(config).await;
    let send =
        |q: &str| authed(api.client.post(api.url(&format!("/uelz/purchases{q}")))).json(&body);
    let (status, p) = api.send(send("?on_behalf_of=mer_b")).await;
    assert_eq!(status, 201, "{p}");
    assert_eq!(p["merchant_id"], "mer_b");
    let (status, resp) = api.send(send(&format!("?on_behalf_of={MERCHANT}"))).await;
    assert_invalid(status, &resp, "on_behalf_of", "Unknown merchant");
    let (status, p) = api.send(send("?merchant_id=whatever")).await;
    assert_eq!(status, 201);
    assert_eq!(p["merchant_id"], Value::Null);
}

#[tokio::test]
async fn credentials_come_from_the_config() {
    let mut config = Config::demo();
    config.uelz.api_key = "k_test".into();
    config.uelz.organization_id = "org_test".into();
    let api = start_with(config).await;
    let (status, _) = get(&api, "/uelz/plans").await;
    assert_eq!(status, 401, "the demo key no longer works");
    let (status, plans) = api
        .send(
            api.client
                .get(api.url("/uelz/plans"))
                .header("api-key", "k_test")
                .header("organization-id", "org_test"),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(plans.as_array().unwrap().len(), 8);
}

// ---- hosted checkout ------------------------------------------------------------------------

async fn purchase(api: &Api, body: Value) -> String {
    let (status, p) = buy(api, body).await;
    assert_eq!(status, 201, "{p}");
    p["id"].as_str().unwrap().to_string()
}

fn checkout_url(api: &Api, id: &str) -> String {
    let q: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("return_url", RETURN)
        .finish();
    api.url(&format!("/checkout/{id}?{q}"))
}

fn status_of(api: &Api, id: &str) -> Value {
    api.sandbox()
        .uelz_purchases()
        .into_iter()
        .find(|p| p["id"] == id)
        .expect("purchase stored")["status"]
        .clone()
}

#[tokio::test]
async fn checkout_page_shows_the_purchase_and_pays() {
    let api = start().await;
    let welcome = coupon_id(&api, "WELCOME10").await;
    let id = purchase(
        &api,
        json!({"plan": MONTHLY, "customer": ALEX, "coupon": welcome}),
    )
    .await;
    let url = checkout_url(&api, &id);
    let (status, html) = api.page(&url).await;
    assert_eq!(status, 200);
    assert!(html.contains("<title>Payment — Riverside Fitness Studio</title>"));
    assert!(html.contains("Monthly unlimited"));
    assert!(html.contains("€59.00 every month"));
    assert!(html.contains("Discount (WELCOME10)"));
    assert!(html.contains("−€5.90"));
    assert!(html.contains(r#"<dd data-testid="total">€53.10</dd>"#));
    assert!(html.contains(
        r#"<button type="submit" class="pay" data-testid="pay" name="action" value="pay">Pay €53.10</button>"#
    ));
    assert!(html.contains(r#"data-testid="cancel" name="action" value="cancel""#));
    assert!(html.contains("Alex Runner"));

    // Back to return_url exactly as given: nothing is added (what happened is the purchase's
    // status, which the studio asks for).
    let resp = api.submit(&url, "pay").await;
    assert_eq!(resp.status(), 303);
    assert_eq!(
        resp.headers()["location"],
        "https://studio.example/join?utm_source=mail#checkout"
    );
    assert_eq!(status_of(&api, &id), "active");
    let (status, html) = api.page(&url).await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"data-testid="done" data-outcome="paid""#));
    assert!(html.contains(r#"href="https://studio.example/join?utm_source=mail#checkout""#));
    // A second submit goes back the same way; nothing changes.
    let again = api.submit(&url, "cancel").await;
    assert_eq!(again.status(), 303);
    assert_eq!(
        again.headers()["location"],
        "https://studio.example/join?utm_source=mail#checkout"
    );
    assert_eq!(status_of(&api, &id), "active");
}

#[tokio::test]
async fn paid_statuses_follow_the_plan_and_cancel_cancels() {
    let api = start().await;
    let card = purchase(&api, json!({"plan": CARD, "customer": ALEX})).await;
    let later = purchase(
        &api,
        json!({"plan": REFORMER, "customer": ALEX, "service_activation_date": day(7)}),
    )
    .await;
    let now = purchase(
        &api,
        json!({"plan": REFORMER, "customer": SAM, "service_activation_date": day(0)}),
    )
    .await;
    let cancelled = purchase(&api, json!({"plan": ANNUAL, "customer": SAM})).await;
    for id in [&card, &later, &now] {
        assert_eq!(
            api.submit(&checkout_url(&api, id), "pay").await.status(),
            303
        );
    }
    assert_eq!(status_of(&api, &card), "succeeded");
    assert_eq!(status_of(&api, &later), "pending");
    assert_eq!(status_of(&api, &now), "active");

    let resp = api.submit(&checkout_url(&api, &cancelled), "cancel").await;
    assert_eq!(resp.status(), 303);
    let loc = resp.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(loc, "https://studio.example/join?utm_source=mail#checkout");
    assert_eq!(status_of(&api, &cancelled), "canceled");
    let (_, html) = api.page(&checkout_url(&api, &cancelled)).await;
    assert!(html.contains(r#"data-testid="done" data-outcome="cancelled""#));

    // Anything but pay or cancel is refused and changes nothing.
    let open = purchase(&api, json!({"plan": MONTHLY, "customer": SAM})).await;
    assert_eq!(
        api.submit(&checkout_url(&api, &open), "steal")
            .await
            .status(),
        400
    );
    assert_eq!(status_of(&api, &open), "incomplete");
}

#[tokio::test]
async fn checkout_needs_an_absolute_return_url_and_a_real_purchase() {
    let api = start().await;
    let id = purchase(&api, json!({"plan": MONTHLY, "customer": ALEX})).await;
    for q in [
        "",
        "?return_url=",
        "?return_url=/relative",
        "?return_url=javascript:alert(1)",
        "?return_url=ftp://studio.example/x",
    ] {
        let url = api.url(&format!("/checkout/{id}{q}"));
        assert_eq!(api.page(&url).await.0, 400, "{q}");
        assert_eq!(api.submit(&url, "pay").await.status(), 400, "{q}");
    }
    assert_eq!(status_of(&api, &id), "incomplete");
    let (status, _) = api.page(&checkout_url(&api, "clpu_nope")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn unpaid_checkouts_lapse_after_the_lifetime() {
    let mut config = Config::demo();
    config.uelz.checkout_lifetime = Duration::from_millis(600);
    let api = start_with(config).await;
    let id = purchase(&api, json!({"plan": MONTHLY, "customer": ALEX})).await;
    let paid = purchase(&api, json!({"plan": MONTHLY, "customer": SAM})).await;
    let url = checkout_url(&api, &id);
    assert_eq!(api.page(&url).await.0, 200);
    assert_eq!(
        api.submit(&checkout_url(&api, &paid), "pay")
            .await
            .status(),
        303
    );
    tokio::time::sleep(Duration::from_millis(700)).await;

    let (status, html) = api.page(&url).await;
    assert_eq!(status, 410);
    assert!(html.contains(r#"data-testid="lapsed""#), "{html}");
    assert!(html.contains(r#"href="https://studio.example/join?utm_source=mail#checkout""#));
    let resp = api.submit(&url, "pay").await;
    assert_eq!(resp.status(), 410);
    assert_eq!(status_of(&api, &id), "incomplete");
    // What was finished in time stays finished.
    let (status, html) = api.page(&checkout_url(&api, &paid)).await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"data-outcome="paid""#));
}

// ---- faults ---------------------------------------------------------------------------------

async fn arm(api: &Api, body: Value) -> (StatusCode, Value) {
    api.send(api.client.post(api.url("/__sandbox/faults")).json(&body))
        .await
}

#[tokio::test]
async fn drop_after_acting_creates_once_and_a_retry_gets_the_same_purchase() {
    let api = start().await;
    let (status, armed) = arm(
        &api,
        json!({"route": "uelz.purchases.create", "fault": "drop_after_acting", "times": 1}),
    )
    .await;
    assert_eq!(status, 201, "{armed}");
    let body = json!({"plan": MONTHLY, "customer": ALEX, "external_id": "retry-me-0001"});

    let err = authed(api.client.post(api.url("/uelz/purchases")))
        .json(&body)
        .send()
        .await
        .expect_err("the connection is closed without a response");
    assert!(!err.is_status() && !err.is_timeout(), "{err:?}");
    let stored = hook_purchases(&api).await;
    assert_eq!(stored.len(), 1, "the purchase was made before the drop");
    assert_eq!(stored[0]["external_id"], "retry-me-0001");

    let (status, again) = buy(&api, body).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["id"], stored[0]["id"]);
    assert_eq!(hook_purchases(&api).await.len(), 1);
}

#[tokio::test]
async fn drop_before_acting_and_503_do_nothing() {
    let api = start().await;
    let sb = api.sandbox();
    sb.inject_fault("uelz.purchases.create", "drop_before_acting", 1);
    sb.inject_fault("uelz.purchases.create", "status_503", 1);
    let body = json!({"plan": MONTHLY, "customer": ALEX, "external_id": "retry-me-0002"});
    let first = authed(api.client.post(api.url("/uelz/purchases")))
        .json(&body)
        .send()
        .await;
    assert!(first.is_err(), "{first:?}");
    assert!(hook_purchases(&api).await.is_empty());
    let (status, resp) = buy(&api, body.clone()).await;
    assert_eq!(status, 503);
    assert_eq!(resp["error"], "service_unavailable");
    assert!(hook_purchases(&api).await.is_empty());
    let (status, _) = buy(&api, body).await;
    assert_eq!(status, 201, "faults are used up");
}

#[tokio::test]
async fn faults_count_down_per_route_and_can_be_cleared() {
    let api = start().await;
    let (status, _) = arm(
        &api,
        json!({"route": "uelz.plans", "fault": "status_503", "times": 2}),
    )
    .await;
    assert_eq!(status, 201);
    let (status, listed) = arm(
        &api,
        json!({"route": "uelz.coupons", "fault": "drop_before_acting"}),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        listed,
        json!([{"route": "uelz.plans", "fault": "status_503", "times": 2},
               {"route": "uelz.coupons", "fault": "drop_before_acting", "times": 1}])
    );
    // Requests without credentials don't reach the route, so they use nothing up.
    let (status, _) = api.send(api.client.get(api.url("/uelz/plans"))).await;
    assert_eq!(status, 401);
    for _ in 0..2 {
        let (status, body) = get(&api, "/uelz/plans").await;
        assert_eq!(status, 503);
        assert_eq!(body["error"], "service_unavailable");
    }
    assert_eq!(get(&api, "/uelz/plans").await.0, 200);
    // Other routes were untouched; DELETE disarms what is left.
    assert_eq!(get(&api, "/uelz/customers").await.0, 200);
    let (status, cleared) = api
        .send(api.client.delete(api.url("/__sandbox/faults")))
        .await;
    assert_eq!(status, 200);
    assert_eq!(cleared, json!({"cleared": 1}));
    assert_eq!(get(&api, "/uelz/coupons?code=FIVEOFF").await.0, 200);

    // drop_after_acting on a read: the client sees a connection error.
    api.sandbox()
        .inject_fault("uelz.coupons", "drop_after_acting", 1);
    let r = authed(api.client.get(api.url("/uelz/coupons")))
        .send()
        .await;
    assert!(r.is_err(), "{r:?}");
    assert_eq!(get(&api, "/uelz/coupons").await.0, 200);

    // Reset disarms faults too.
    api.sandbox().inject_fault("uelz.plans", "status_503", 3);
    api.send(api.client.post(api.url("/__sandbox/reset"))).await;
    assert_eq!(get(&api, "/uelz/plans").await.0, 200);
}

#[tokio::test]
async fn fault_hook_refuses_unknown_names() {
    let api = start().await;
    for body in [
        json!({"route": "uelz.refunds", "fault": "status_503"}),
        json!({"route": "uelz.plans", "fault": "status_501"}),
        json!({"route": "uelz.plans", "fault": "status_503", "times": -1}),
        json!({"route": "uelz.plans", "fault": "status_503", "times": "2"}),
        json!({"route": "uelz.plans", "fault": "status_500", "retry_after": 2}),
        json!({"route": "uelz.plans", "fault": "latency", "ms": "fast"}),
        json!(["uelz.plans"]),
    ] {
        let (status, resp) = arm(&api, body.clone()).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(resp["error"], "invalid_fault", "{body}");
    }
    let (_, armed) = api.send(api.client.get(api.url("/__sandbox/faults"))).await;
    assert_eq!(armed, json!([]));
}

#[tokio::test]
#[should_panic(expected = "unknown fault")]
async fn inject_fault_panics_on_a_typo() {
    let api = start().await;
    api.sandbox().inject_fault("uelz.plans", "status_501", 1);
}

#[tokio::test]
async fn reset_forgets_uelz_purchases() {
    let api = start().await;
    purchase(
        &api,
        json!({"plan": MONTHLY, "customer": ALEX, "external_id": "before-reset"}),
    )
    .await;
    assert_eq!(hook_purchases(&api).await.len(), 1);
    let (status, _) = api.send(api.client.post(api.url("/__sandbox/reset"))).await;
    assert_eq!(status, 200);
    assert!(hook_purchases(&api).await.is_empty());
    assert!(api.sandbox().uelz_purchases().is_empty());
    // The external_id is free again.
    let (status, _) = buy(
        &api,
        json!({"plan": ANNUAL, "customer": ALEX, "external_id": "before-reset"}),
    )
    .await;
    assert_eq!(status, 201);
}
