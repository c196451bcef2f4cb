//! Fault injection over real HTTP: what a client observes for every fault kind (status, headers,
//! body shape, connection errors, timing, size), `times` counting, `*`, the precedence rule,
//! credentials checked first, the library calls and the `--fault` flag of the binary.

mod common;

use std::time::{Duration, Instant};

use checkout_sandbox::{
    Fault, FaultOptions, FaultRoute, FaultSpec, UELZ_DEMO_API_KEY, UELZ_DEMO_ORGANIZATION_ID,
};
use common::{start, Api, As, ALEX, NOBODY, RETURN_TO};
use reqwest::{RequestBuilder, Response, StatusCode};
use serde_json::{json, Value};

const PLAN: &str = "clpl0month1yun11m1ted00002";
const UELZ_ALEX: &str = "clcu0a1exrunner0000000001";

fn uelz(rb: RequestBuilder) -> RequestBuilder {
    rb.header("api-key", UELZ_DEMO_API_KEY)
        .header("organization-id", UELZ_DEMO_ORGANIZATION_ID)
}

async fn arm(api: &Api, body: Value) -> (StatusCode, Value) {
    api.send(api.client.post(api.url("/__sandbox/faults")).json(&body))
        .await
}

async fn armed(api: &Api) -> Value {
    api.send(api.client.get(api.url("/__sandbox/faults")))
        .await
        .1
}

/// A request as a route sees it: TeamUp as Alex, Uelz with the demo credentials.
fn request(api: &Api, method: &str, path: &str) -> RequestBuilder {
    let url = api.url(path);
    let rb = match method {
        "POST" => api.client.post(url),
        _ => api.client.get(url),
    };
    if path.starts_with("/uelz") {
        let rb = uelz(rb);
        match path {
            "/uelz/purchases" => rb.json(&json!({"plan": PLAN, "customer": UELZ_ALEX})),
            "/uelz/customers" if method == "POST" => rb.json(&json!({"email": "new@example.com"})),
            _ => rb,
        }
    } else {
        let rb = rb.headers(ALEX.headers());
        if path.ends_with("/initiate_purchase") {
            rb.json(&json!({"customer": 4242, "return_to": RETURN_TO}))
        } else {
            rb
        }
    }
}

async fn send(rb: RequestBuilder) -> Response {
    rb.send().await.expect("an answer")
}

async fn teamup_purchases(api: &Api) -> usize {
    api.sandbox().purchases().len()
}

/// One request per route name, and the envelope its API uses.
const ROUTES: [(&str, &str, &str); 10] = [
    ("teamup.profiles", "GET", "/api/v2/auth/profiles"),
    ("teamup.memberships", "GET", "/api/v2/memberships/101"),
    ("teamup.plans", "GET", "/api/v2/membership_payment_plans"),
    ("teamup.events", "GET", "/api/v2/events"),
    ("teamup.slots", "GET", "/api/v2/slots"),
    (
        "teamup.initiate_purchase",
        "POST",
        "/api/v2/memberships/101/initiate_purchase",
    ),
    ("uelz.plans", "GET", "/uelz/plans"),
    ("uelz.coupons", "GET", "/uelz/coupons?code=FIVEOFF"),
    ("uelz.customers", "GET", "/uelz/customers"),
    ("uelz.purchases.create", "POST", "/uelz/purchases"),
];

#[track_caller]
fn assert_envelope(path: &str, body: &Value, code: &str) {
    if path.starts_with("/uelz") {
        assert_eq!(body["error"], code, "{path}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    } else {
        assert_eq!(body["code"], code, "{path}: {body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(body["type"].is_string(), "{body}");
        assert_eq!(body["field_errors"], json!({}), "{body}");
    }
}

#[tokio::test]
async fn status_faults_answer_in_each_apis_envelope_on_every_route() {
    let api = start().await;
    let cases = [
        ("status_500", 500, "server_error", "internal_error"),
        ("status_502", 502, "bad_gateway", "bad_gateway"),
        (
            "status_503",
            503,
            "service_unavailable",
            "service_unavailable",
        ),
        ("status_504", 504, "gateway_timeout", "gateway_timeout"),
        ("status_429", 429, "throttled", "rate_limited"),
    ];
    for (route, method, path) in ROUTES {
        for (fault, status, teamup_code, uelz_code) in cases {
            let (s, _) = arm(&api, json!({"route": route, "fault": fault})).await;
            assert_eq!(s, 201);
            let resp = send(request(&api, method, path)).await;
            assert_eq!(resp.status().as_u16(), status, "{route} {fault}");
            let retry_after = resp
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string());
            assert_eq!(
                retry_after.as_deref(),
                (status == 429).then_some("1"),
                "{route} {fault}: Retry-After only on 429 by default"
            );
            assert!(resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"));
            let body: Value = resp.json().await.unwrap();
            let code = if path.starts_with("/uelz") {
                uelz_code
            } else {
                teamup_code
            };
            assert_envelope(path, &body, code);
        }
        // Then the route answers normally again.
        let resp = send(request(&api, method, path)).await;
        assert!(resp.status().is_success(), "{route}: {}", resp.status());
    }
    assert_eq!(teamup_purchases(&api).await, 1, "status faults do nothing");
    assert_eq!(api.sandbox().uelz_purchases().len(), 1);
    assert_eq!(armed(&api).await, json!([]));
}

#[tokio::test]
async fn retry_after_is_configurable_on_429_and_503() {
    let api = start().await;
    arm(
        &api,
        json!({"route": "teamup.events", "fault": "status_429", "retry_after": 7}),
    )
    .await;
    arm(
        &api,
        json!({"route": "uelz.plans", "fault": "status_503", "retry_after": 30}),
    )
    .await;
    let r = send(request(&api, "GET", "/api/v2/events")).await;
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "7");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["type"], "rate_limit_error");
    assert!(body["message"].as_str().unwrap().contains("7 seconds"));
    let r = send(request(&api, "GET", "/uelz/plans")).await;
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "30");
}

#[tokio::test]
async fn latency_waits_then_answers_normally() {
    let api = start().await;
    let normal: Value = send(request(&api, "GET", "/api/v2/memberships/101"))
        .await
        .json()
        .await
        .unwrap();
    api.sandbox().inject_fault_with(
        "teamup.memberships",
        "latency",
        FaultOptions::times(1).ms(400),
    );
    let t = Instant::now();
    let r = send(request(&api, "GET", "/api/v2/memberships/101")).await;
    let slow = t.elapsed();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap(), normal);
    assert!(slow >= Duration::from_millis(400), "{slow:?}");

    // Latency acts: a delayed purchase is still made.
    api.sandbox().inject_fault_with(
        "uelz.purchases.create",
        "latency",
        FaultOptions::times(1).ms(200),
    );
    let t = Instant::now();
    let r = send(request(&api, "POST", "/uelz/purchases")).await;
    assert_eq!(r.status(), 201);
    assert!(t.elapsed() >= Duration::from_millis(200));
    assert_eq!(api.sandbox().uelz_purchases().len(), 1);

    let t = Instant::now();
    send(request(&api, "GET", "/api/v2/memberships/101")).await;
    assert!(
        t.elapsed() < slow,
        "used up: the next request is not delayed"
    );
}

#[tokio::test]
async fn malformed_json_is_a_200_that_does_not_parse() {
    let api = start().await;
    for (route, method, path) in [
        ("teamup.memberships", "GET", "/api/v2/memberships"),
        ("uelz.coupons", "GET", "/uelz/coupons?code=FIVEOFF"),
        (
            "teamup.initiate_purchase",
            "POST",
            "/api/v2/memberships/101/initiate_purchase",
        ),
    ] {
        api.sandbox().inject_fault(route, "malformed_json", 1);
        let r = send(request(&api, method, path)).await;
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/json");
        let text = r.text().await.unwrap();
        assert!(text.starts_with("{\"results\": [{"), "{text}");
        assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    }
    assert_eq!(
        teamup_purchases(&api).await,
        0,
        "malformed_json does not act"
    );
}

#[tokio::test]
async fn wrong_content_type_is_an_html_page() {
    let api = start().await;
    api.sandbox()
        .inject_fault("uelz.purchases.create", "wrong_content_type", 1);
    let r = send(request(&api, "POST", "/uelz/purchases")).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let text = r.text().await.unwrap();
    assert!(
        text.starts_with("<!DOCTYPE html>") && text.contains("<form"),
        "{text}"
    );
    assert!(serde_json::from_str::<Value>(&text).is_err());
    assert!(api.sandbox().uelz_purchases().is_empty(), "nothing is done");
}

#[tokio::test]
async fn truncated_body_promises_more_than_it_sends_then_closes() {
    let api = start().await;
    let full = send(request(&api, "GET", "/api/v2/events"))
        .await
        .bytes()
        .await
        .unwrap();
    api.sandbox()
        .inject_fault("teamup.events", "truncated_body", 1);
    let r = send(request(&api, "GET", "/api/v2/events")).await;
    assert_eq!(r.status(), 200, "the head arrives whole");
    assert_eq!(r.content_length(), Some(full.len() as u64));
    let err = r.bytes().await.expect_err("the body ends early");
    assert!(err.is_body() || err.is_decode(), "{err:?}");

    // What the wire carries: the declared length, then fewer bytes, then EOF.
    api.sandbox()
        .inject_fault("teamup.events", "truncated_body", 1);
    let raw = raw_request(&api, "GET /api/v2/events HTTP/1.1", &ALEX, None).await;
    let (head, body) = split_head(&raw);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains(&format!("content-length: {}", full.len())),
        "{head}"
    );
    assert_eq!(body.len(), full.len() / 2);
    assert_eq!(body, &full[..full.len() / 2]);

    // It acts: the purchase behind a truncated answer exists.
    api.sandbox()
        .inject_fault("teamup.initiate_purchase", "truncated_body", 1);
    let r = send(request(
        &api,
        "POST",
        "/api/v2/memberships/101/initiate_purchase",
    ))
    .await;
    assert_eq!(r.status(), 200);
    assert!(r.bytes().await.is_err());
    assert_eq!(teamup_purchases(&api).await, 1);
}

#[tokio::test]
async fn drop_before_acting_closes_without_an_answer_or_a_purchase() {
    let api = start().await;
    api.sandbox()
        .inject_fault("teamup.initiate_purchase", "drop_before_acting", 1);
    let err = request(&api, "POST", "/api/v2/memberships/101/initiate_purchase")
        .send()
        .await
        .expect_err("no answer");
    assert!(!err.is_status() && !err.is_timeout(), "{err:?}");
    assert_eq!(teamup_purchases(&api).await, 0);
    // Raw: the connection closes with zero bytes.
    api.sandbox()
        .inject_fault("teamup.slots", "drop_before_acting", 1);
    let raw = raw_request(&api, "GET /api/v2/slots HTTP/1.1", &ALEX, None).await;
    assert!(raw.is_empty(), "{:?}", String::from_utf8_lossy(&raw));
}

#[tokio::test]
async fn drop_after_acting_on_initiate_purchase_makes_the_purchase() {
    let api = start().await;
    api.sandbox()
        .inject_fault("teamup.initiate_purchase", "drop_after_acting", 1);
    let err = request(&api, "POST", "/api/v2/memberships/101/initiate_purchase")
        .send()
        .await
        .expect_err("no answer");
    assert!(!err.is_status(), "{err:?}");
    let (status, hook) = api
        .send(api.client.get(api.url("/__sandbox/purchases")))
        .await;
    assert_eq!(status, 200);
    let hook = hook.as_array().unwrap().clone();
    assert_eq!(hook.len(), 1, "the purchase was made before the drop");
    assert_eq!(hook[0]["membership"], 101);
    assert_eq!(hook[0]["customer"], 4242);
    // On a read it is a plain drop.
    api.sandbox()
        .inject_fault("teamup.profiles", "drop_after_acting", 1);
    assert!(request(&api, "GET", "/api/v2/auth/profiles")
        .send()
        .await
        .is_err());
    assert_eq!(
        send(request(&api, "GET", "/api/v2/auth/profiles"))
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn huge_body_pads_the_real_answer_to_about_ten_megabytes() {
    let api = start().await;
    let normal: Value = send(request(&api, "GET", "/api/v2/memberships"))
        .await
        .json()
        .await
        .unwrap();
    api.sandbox()
        .inject_fault("teamup.memberships", "huge_body", 1);
    let r = send(request(&api, "GET", "/api/v2/memberships")).await;
    assert_eq!(r.status(), 200);
    let declared = r.content_length().expect("a length");
    let bytes = r.bytes().await.unwrap();
    assert_eq!(bytes.len() as u64, declared);
    assert!(bytes.len() >= 10 * 1024 * 1024, "{}", bytes.len());
    assert!(bytes.len() < 11 * 1024 * 1024, "{}", bytes.len());
    let mut v: Value = serde_json::from_slice(&bytes).expect("valid JSON");
    let padding = v.as_object_mut().unwrap().remove("padding").unwrap();
    assert_eq!(padding.as_str().unwrap().len(), 10 * 1024 * 1024);
    assert_eq!(v, normal, "the real answer plus a huge field");

    // A JSON array (Uelz lists) is padded with whitespace.
    api.sandbox().inject_fault("uelz.plans", "huge_body", 1);
    let bytes = send(request(&api, "GET", "/uelz/plans"))
        .await
        .bytes()
        .await
        .unwrap();
    assert!(bytes.len() >= 10 * 1024 * 1024);
    let plans: Value = serde_json::from_slice(&bytes).unwrap();
    assert!(!plans.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn slow_trickle_sends_the_real_answer_a_few_bytes_at_a_time() {
    let api = start().await;
    let full = send(request(&api, "GET", "/uelz/coupons?code=FIVEOFF"))
        .await
        .bytes()
        .await
        .unwrap();
    let chunks = full.len().div_ceil(8) as u32;
    assert!(chunks > 10, "{} bytes", full.len());
    api.sandbox().inject_fault_with(
        "uelz.coupons",
        "slow_trickle",
        FaultOptions::times(1).ms(20),
    );
    let t = Instant::now();
    let mut r = send(request(&api, "GET", "/uelz/coupons?code=FIVEOFF")).await;
    let head_after = t.elapsed();
    assert_eq!(r.status(), 200);
    assert_eq!(r.content_length(), Some(full.len() as u64));
    let mut got = Vec::new();
    let mut pieces = 0;
    while let Some(chunk) = r.chunk().await.unwrap() {
        assert!(
            chunk.len() <= 8 * 4,
            "a few bytes at a time, got {}",
            chunk.len()
        );
        got.extend_from_slice(&chunk);
        pieces += 1;
    }
    let total = t.elapsed();
    assert_eq!(got, full, "the real answer");
    assert!(pieces > 3, "{pieces} pieces");
    let min = Duration::from_millis(20) * (chunks - 1);
    assert!(total >= min, "{total:?} < {min:?}");
    assert!(
        head_after < total / 2,
        "head {head_after:?}, total {total:?}"
    );
}

#[tokio::test]
async fn slow_trickle_defaults_to_200ms_between_chunks() {
    let api = start().await;
    api.sandbox()
        .inject(FaultRoute::TeamupProfiles, Fault::SlowTrickle, 1);
    let t = Instant::now();
    let r = send(request(&api, "GET", "/api/v2/auth/profiles")).await;
    let len = r.content_length().unwrap();
    // Only read the first few chunks: each is 200 ms after the last.
    let mut r = r;
    for _ in 0..4 {
        r.chunk().await.unwrap().expect("more body");
    }
    assert!(len > 8 * 4);
    assert!(
        t.elapsed() >= Duration::from_millis(600),
        "{:?}",
        t.elapsed()
    );
}

#[tokio::test]
async fn times_counts_matching_requests_and_zero_means_until_cleared() {
    let api = start().await;
    let (s, list) = arm(
        &api,
        json!({"route": "uelz.customers", "fault": "status_500", "times": 2}),
    )
    .await;
    assert_eq!(s, 201);
    assert_eq!(
        list,
        json!([{"route": "uelz.customers", "fault": "status_500", "times": 2}])
    );
    for expected in [500, 500, 200, 200] {
        let r = send(request(&api, "GET", "/uelz/customers")).await;
        assert_eq!(r.status().as_u16(), expected);
    }

    let (s, list) = arm(
        &api,
        json!({"route": "teamup.plans", "fault": "latency", "times": 0, "ms": 1}),
    )
    .await;
    assert_eq!(s, 201);
    assert_eq!(
        list,
        json!([{"route": "teamup.plans", "fault": "latency", "times": 0, "ms": 1}])
    );
    api.sandbox().inject_fault("teamup.slots", "status_502", 0);
    for _ in 0..5 {
        let r = send(request(&api, "GET", "/api/v2/slots")).await;
        assert_eq!(r.status(), 502);
        send(request(&api, "GET", "/api/v2/membership_payment_plans")).await;
    }
    assert_eq!(
        armed(&api).await.as_array().unwrap().len(),
        2,
        "still armed"
    );
    let (_, cleared) = api
        .send(api.client.delete(api.url("/__sandbox/faults")))
        .await;
    assert_eq!(cleared, json!({"cleared": 2}));
    assert_eq!(
        send(request(&api, "GET", "/api/v2/slots")).await.status(),
        200
    );
}

#[tokio::test]
async fn several_routes_at_once_and_first_armed_first_used() {
    let api = start().await;
    let sb = api.sandbox();
    sb.inject_fault("teamup.events", "status_500", 1);
    sb.inject_fault("teamup.events", "status_502", 2);
    sb.inject_fault("uelz.plans", "status_504", 1);
    assert_eq!(
        send(request(&api, "GET", "/uelz/plans")).await.status(),
        504
    );
    for expected in [500, 502, 502, 200] {
        let r = send(request(&api, "GET", "/api/v2/events")).await;
        assert_eq!(r.status().as_u16(), expected);
    }
    assert_eq!(
        send(request(&api, "GET", "/uelz/plans")).await.status(),
        200
    );
}

#[tokio::test]
async fn star_reaches_every_api_route_but_not_pages_or_hooks() {
    let api = start().await;
    api.sandbox().inject_fault("*", "status_503", 0);
    for (_, method, path) in ROUTES {
        let r = send(request(&api, method, path)).await;
        assert_eq!(r.status(), 503, "{path}");
        let body: Value = r.json().await.unwrap();
        assert_envelope(path, &body, "service_unavailable");
    }
    // Routes without a name of their own.
    for path in ["/api/v2/providers/100", "/uelz/purchases/clpu_nope"] {
        assert_eq!(
            send(request(&api, "GET", path)).await.status(),
            503,
            "{path}"
        );
    }
    // Not the index, the hooks, the payment pages or 404s.
    for (path, status) in [
        ("/", 200),
        ("/__sandbox/purchases", 200),
        ("/__sandbox/faults", 200),
        ("/pay/nope", 404),
        ("/checkout/nope", 404),
    ] {
        let r = send(api.client.get(api.url(path))).await;
        assert_eq!(r.status().as_u16(), status, "{path}");
    }
    assert_eq!(
        send(request(&api, "GET", "/api/v2/nothing-here"))
            .await
            .status(),
        404
    );
    // A route's own fault comes before '*', even when armed later.
    api.sandbox().inject_fault("uelz.plans", "status_429", 1);
    assert_eq!(
        send(request(&api, "GET", "/uelz/plans")).await.status(),
        429
    );
    assert_eq!(
        send(request(&api, "GET", "/uelz/plans")).await.status(),
        503
    );
    api.sandbox().clear_faults();
    assert_eq!(
        send(request(&api, "GET", "/uelz/plans")).await.status(),
        200
    );
}

#[tokio::test]
async fn teamup_faults_wait_for_valid_credentials() {
    let api = start().await;
    api.sandbox()
        .inject_fault("teamup.memberships", "status_503", 1);
    api.sandbox()
        .inject_fault("teamup.profiles", "drop_before_acting", 1);
    api.sandbox()
        .inject_fault("teamup.initiate_purchase", "drop_after_acting", 1);
    let bad_token = ALEX.token(Some("not-a-token"));
    let other_provider = ALEX.provider(Some("300"));
    // Without credentials or a provider, the catalogue is not readable either (with a provider
    // it is, anonymously, so faults apply there: see below).
    let nobody = NOBODY.provider(None);
    for (who, status) in [(nobody, 401), (bad_token, 401), (other_provider, 403)] {
        let (s, body) = api.get_as(who, "/api/v2/memberships").await;
        assert_eq!(s.as_u16(), status, "{body}");
        let (s, _) = api.get_as(who, "/api/v2/auth/profiles").await;
        assert_eq!(s.as_u16(), if status == 403 { 403 } else { 401 });
        let (s, _) = api
            .purchase_json(who, 101, json!({"customer": 4242, "return_to": RETURN_TO}))
            .await;
        assert_eq!(s.as_u16(), status);
    }
    assert_eq!(
        armed(&api).await.as_array().unwrap().len(),
        3,
        "nothing used up"
    );
    assert_eq!(teamup_purchases(&api).await, 0);
    // An anonymous catalogue read passes the route's credential check, so it suffers the fault.
    assert_eq!(api.get_as(NOBODY, "/api/v2/memberships").await.0, 503);
    assert!(request(&api, "GET", "/api/v2/auth/profiles")
        .send()
        .await
        .is_err());
    assert!(
        request(&api, "POST", "/api/v2/memberships/101/initiate_purchase")
            .send()
            .await
            .is_err()
    );
    assert_eq!(teamup_purchases(&api).await, 1);
    assert_eq!(armed(&api).await, json!([]));
}

#[tokio::test]
async fn uelz_faults_wait_for_valid_credentials() {
    let api = start().await;
    api.sandbox().inject_fault("*", "status_500", 1);
    let r = send(
        api.client
            .get(api.url("/uelz/plans"))
            .header("api-key", "wrong"),
    )
    .await;
    assert_eq!(r.status(), 401);
    assert_eq!(
        send(request(&api, "GET", "/uelz/plans")).await.status(),
        500
    );
}

#[tokio::test]
async fn hook_and_library_refuse_options_a_fault_does_not_take() {
    let api = start().await;
    for body in [
        json!({"route": "*", "fault": "status_500", "ms": 5}),
        json!({"route": "*", "fault": "latency", "retry_after": 5}),
        json!({"route": "*", "fault": "latency", "ms": 600_001}),
        json!({"route": "teamup.refunds", "fault": "latency"}),
        json!({"route": "*", "fault": "latency", "times": 1.5}),
    ] {
        let (s, resp) = arm(&api, body.clone()).await;
        assert_eq!(s, 400, "{body}");
        assert_eq!(resp["error"], "invalid_fault");
        assert!(resp["message"].as_str().unwrap().len() > 10);
    }
    let (s, list) = arm(
        &api,
        json!({"route": "*", "fault": "status_503", "retry_after": 9, "times": 3}),
    )
    .await;
    assert_eq!(s, 201);
    assert_eq!(
        list,
        json!([{"route": "*", "fault": "status_503", "times": 3, "retry_after": 9}])
    );
    assert_eq!(api.sandbox().faults(), list);
    let sb = api.sandbox();
    let bad = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        sb.inject_fault_with("*", "status_500", FaultOptions::times(1).ms(3))
    }));
    assert!(bad.is_err());
}

#[test]
fn fault_specs_parse_like_the_cli_flag() {
    let s: FaultSpec = "*=latency,ms=50".parse().unwrap();
    assert_eq!(s.route, FaultRoute::Any);
    assert_eq!(s.fault, Fault::Latency);
    assert_eq!(s.options, FaultOptions::times(0).ms(50));
    let s: FaultSpec = "teamup.initiate_purchase=drop_after_acting,times=1"
        .parse()
        .unwrap();
    assert_eq!(s.route, FaultRoute::TeamupInitiatePurchase);
    assert_eq!(s.options, FaultOptions::times(1));
    let s: FaultSpec = "uelz.plans=status_429,retry_after=3".parse().unwrap();
    assert_eq!(s.options.retry_after, Some(3));
    assert!("uelz.plans=status_429,retry_after=soon"
        .parse::<FaultSpec>()
        .is_err());
    assert!("uelz.plans".parse::<FaultSpec>().is_err());
}

/// The binary with `--fault '*=latency,ms=50'` and a second flag: both armed before it listens.
#[tokio::test]
async fn the_binary_arms_fault_flags_at_start_up() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_checkout-sandbox"))
        .args([
            "--addr",
            &format!("127.0.0.1:{port}"),
            "--fault",
            "*=latency,ms=50",
            "--fault=uelz.coupons=status_503,times=1,retry_after=2",
        ])
        .env("CHECKOUT_SANDBOX_QUIET", "1")
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the binary starts");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut listed = None;
    for _ in 0..200 {
        // Armed right after the listener is up, before "listening" is printed.
        if let Ok(r) = client.get(format!("{base}/__sandbox/faults")).send().await {
            let v = r.json::<Value>().await.unwrap();
            if v != json!([]) {
                listed = Some(v);
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        listed.expect("the sandbox answers"),
        json!([{"route": "*", "fault": "latency", "times": 0, "ms": 50},
               {"route": "uelz.coupons", "fault": "status_503", "times": 1, "retry_after": 2}])
    );
    let get = |path: &str| uelz(client.get(format!("{base}{path}"))).send();
    let r = get("/uelz/coupons").await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "2");
    for _ in 0..3 {
        let t = Instant::now();
        let r = get("/uelz/plans").await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(
            t.elapsed() >= Duration::from_millis(50),
            "{:?}",
            t.elapsed()
        );
    }
    child.kill().await.unwrap();
}

#[tokio::test]
async fn the_binary_refuses_a_bad_fault_flag() {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_checkout-sandbox"))
        .args(["--addr", "127.0.0.1:1", "--fault", "*=latency,ms=soon"])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--fault") && err.contains("ms"), "{err}");
}

// ---- raw HTTP -------------------------------------------------------------------------------

/// Sends one request on a fresh connection (`Connection: close`) and returns every byte the
/// server sent until it closed.
async fn raw_request(api: &Api, request_line: &str, who: &As, body: Option<&[u8]>) -> Vec<u8> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(api.running.addr())
        .await
        .unwrap();
    let mut req = format!(
        "{request_line}\r\nHost: {}\r\nConnection: close\r\n",
        api.running.addr()
    );
    for (k, v) in who.headers().iter() {
        req += &format!("{k}: {}\r\n", v.to_str().unwrap());
    }
    if let Some(b) = body {
        req += &format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            b.len()
        );
    }
    req += "\r\n";
    s.write_all(req.as_bytes()).await.unwrap();
    if let Some(b) = body {
        s.write_all(b).await.unwrap();
    }
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out)).await;
    out
}

fn split_head(raw: &[u8]) -> (String, &[u8]) {
    let i = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head");
    (
        String::from_utf8_lossy(&raw[..i]).to_string(),
        &raw[i + 4..],
    )
}
