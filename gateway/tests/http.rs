//! Cross-cutting behaviour: CORS, origin check, rate limit, body limit, malformed requests,
//! unknown routes, broken upstreams, the request log.

mod common;

use std::time::Duration;

use checkout_gateway::{Config, RateLimit};
use common::*;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn cors_for_allowed_origins_only() {
    let env = start().await;
    let r = env.client.get(env.url("/v1/plans")).header("Origin", ORIGIN).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], ORIGIN);
    let expose = r.headers()["access-control-expose-headers"].to_str().unwrap().to_ascii_lowercase();
    assert!(expose.contains("date") && expose.contains("retry-after"), "{expose}");
    assert!(r.headers().contains_key("date"));

    let r = env.client.get(env.url("/v1/plans")).header("Origin", "https://evil.example").send().await.unwrap();
    assert!(!r.headers().contains_key("access-control-allow-origin"));

    // Preflight.
    let pre = |origin: &'static str| env.preflight("/v1/purchases", origin, "POST", "content-type");
    let r = pre(ORIGIN).await;
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(r.headers()["access-control-allow-origin"], ORIGIN);
    let methods = r.headers()["access-control-allow-methods"].to_str().unwrap().to_string();
    for m in ["GET", "POST", "OPTIONS"] {
        assert!(methods.contains(m), "{methods}");
    }
    assert!(r.headers()["access-control-allow-headers"].to_str().unwrap().to_ascii_lowercase().contains("content-type"));
    let r = pre("https://evil.example").await;
    assert!(!r.headers().contains_key("access-control-allow-origin"));
    assert!(!r.headers().contains_key("access-control-allow-methods"));
}

#[tokio::test]
async fn posts_from_other_origins_are_refused() {
    let env = start().await;
    for origin in ["https://evil.example", "null", "https://studio.example.evil.example", "http://studio.example"] {
        let r = env
            .client
            .post(env.url("/v1/purchases"))
            .header("Origin", origin)
            .json(&purchase_body(MONTHLY, "attempt-origin-01"))
            .send()
            .await
            .unwrap();
        envelope(r, 403, "origin_not_allowed").await;
    }
    // Without an Origin (not a browser on the studio's page) it is refused too.
    let r = env.client.post(env.url("/v1/purchases")).json(&purchase_body(MONTHLY, "attempt-origin-02")).send().await.unwrap();
    let v = envelope(r, 403, "origin_not_allowed").await;
    assert!(v["message"].as_str().unwrap().contains("Origin"), "{v}");
    assert!(env.uelz_purchases().await.is_empty());
    assert!(env.log_text().contains("POST /v1/purchases 403"), "{}", env.log_text());
    // The allowed origin gets through.
    assert_eq!(env.post("/v1/purchases", &purchase_body(MONTHLY, "attempt-origin-03")).await.status(), 201);
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let env = start_with(|c| c.rate_limit = RateLimit { requests: 3, per: Duration::from_secs(60) }).await;
    for _ in 0..3 {
        assert_eq!(env.get("/v1/coupons/NOSUCH?plan=x").await.status(), 400);
    }
    let r = env.client.get(env.url("/v1/plans")).header("Origin", ORIGIN).send().await.unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], ORIGIN);
    let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=20).contains(&retry), "{retry}");
    envelope(r, 429, "rate_limited").await;
    let r = env.post("/v1/purchases", &purchase_body(MONTHLY, "attempt-limited-1")).await;
    envelope(r, 429, "rate_limited").await;
    // Health checks are not counted.
    assert_eq!(env.get("/v1/health").await.status(), 200);
    assert!(env.log_text().contains("GET /v1/plans 429"));
}

#[tokio::test]
async fn forwarded_for_is_used_only_when_trusted() {
    let env = start_with(|c| {
        c.rate_limit = RateLimit { requests: 1, per: Duration::from_secs(60) };
        c.trust_forwarded = true;
    })
    .await;
    let get = |ip: &'static str| env.client.get(env.url("/v1/plans")).header("X-Forwarded-For", ip).send();
    assert_eq!(get("203.0.113.1").await.unwrap().status(), 200);
    assert_eq!(get("203.0.113.2").await.unwrap().status(), 200);
    assert_eq!(get("203.0.113.1").await.unwrap().status(), 429);

    let env = start_with(|c| c.rate_limit = RateLimit { requests: 1, per: Duration::from_secs(60) }).await;
    let get = |ip: &'static str| env.client.get(env.url("/v1/plans")).header("X-Forwarded-For", ip).send();
    assert_eq!(get("203.0.113.1").await.unwrap().status(), 200);
    assert_eq!(get("203.0.113.2").await.unwrap().status(), 429);
}

#[tokio::test]
async fn oversized_malformed_and_mistyped_bodies() {
    let env = start().await;
    let mut big = purchase_body(MONTHLY, "attempt-big-00001");
    big["padding"] = json!("x".repeat(17 * 1024));
    envelope(env.post("/v1/purchases", &big).await, 413, "payload_too_large").await;
    // Chunked, so no Content-Length to go by.
    let head = chunked_post(&env.gateway.url(), 20).await;
    assert!(head.starts_with("HTTP/1.1 413"), "{head}");
    assert!(head.contains("payload_too_large"), "{head}");

    let raw = |ct: Option<&'static str>, body: &'static str| {
        let mut rb = env.client.post(env.url("/v1/purchases")).header("Origin", ORIGIN).body(body);
        if let Some(ct) = ct {
            rb = rb.header("Content-Type", ct);
        }
        rb.send()
    };
    let v = envelope(raw(Some("application/json"), "{\"plan\": ").await.unwrap(), 400, "parse_error").await;
    assert_eq!(v["type"], "invalid_request_error");
    envelope(raw(Some("application/json"), "[1,2]").await.unwrap(), 400, "parse_error").await;
    envelope(raw(Some("application/json"), "").await.unwrap(), 400, "parse_error").await;
    envelope(raw(Some("text/plain"), "{}").await.unwrap(), 400, "unsupported_media_type").await;
    envelope(raw(Some("application/x-www-form-urlencoded"), "plan=x").await.unwrap(), 400, "unsupported_media_type").await;
    envelope(raw(None, "{}").await.unwrap(), 400, "unsupported_media_type").await;
    // A charset parameter is fine.
    let v = envelope(raw(Some("application/json; charset=utf-8"), "{}").await.unwrap(), 400, "parameter_invalid").await;
    assert!(v["field_errors"]["plan"].is_array());
}

/// POSTs `kib` KiB of JSON whitespace with `Transfer-Encoding: chunked` over a raw socket and
/// returns the whole answer.
async fn chunked_post(base: &str, kib: usize) -> String {
    let addr = base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /v1/purchases HTTP/1.1\r\nHost: {addr}\r\nOrigin: {ORIGIN}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let _ = s.write_all(head.as_bytes()).await;
    let chunk = format!("400\r\n{}\r\n", " ".repeat(1024));
    for _ in 0..kib {
        if s.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let _ = s.write_all(b"0\r\n\r\n").await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn unknown_routes_and_methods_get_the_envelope() {
    let env = start().await;
    envelope(env.get("/v1/nope").await, 404, "not_found").await;
    envelope(env.get("/").await, 404, "not_found").await;
    envelope(env.get("/uelz/plans").await, 404, "not_found").await;
    let r = env.client.delete(env.url("/v1/plans")).header("Origin", ORIGIN).send().await.unwrap();
    envelope(r, 405, "method_not_allowed").await;
    // A state-changing method without an Origin is refused before anything else.
    let r = env.client.delete(env.url("/v1/plans")).send().await.unwrap();
    envelope(r, 403, "origin_not_allowed").await;
    let r = env.client.get(env.url("/v1/purchases")).send().await.unwrap();
    envelope(r, 405, "method_not_allowed").await;
}

#[tokio::test]
async fn wrong_upstream_secrets_are_a_clear_502() {
    let sandbox = sandbox().await;
    let (mut config, log) = gateway_config(&sandbox.url());
    config.uelz_api_key = "uelz_sk_WRONG_wrongwrong".into();
    let gateway = checkout_gateway::spawn(config).await.unwrap();
    let c = client();
    let r = c.get(format!("{}/v1/plans", gateway.url())).send().await.unwrap();
    let v = envelope(r, 502, "upstream_misconfigured").await;
    assert!(!v.to_string().contains("WRONG"), "{v}");
    let r = c
        .post(format!("{}/v1/purchases", gateway.url()))
        .header("Origin", ORIGIN)
        .json(&purchase_body(MONTHLY, "attempt-secrets-1"))
        .send()
        .await
        .unwrap();
    envelope(r, 502, "upstream_misconfigured").await;
    let log = String::from_utf8(log.lock().unwrap().clone()).unwrap();
    assert!(log.contains("GET /v1/plans 502") && log.contains("uelz 401 unauthorized"), "{log}");
    assert!(!log.contains("WRONG"), "{log}");
}

#[tokio::test]
async fn unreachable_and_silent_upstreams_are_502() {
    // Nothing listens on a port we just released.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut config = Config::new(format!("http://127.0.0.1:{port}"), DEMO_KEY, DEMO_ORG).with_allowed_origins([ORIGIN]);
    config.log = checkout_gateway::LogTarget::Off;
    let gateway = checkout_gateway::spawn(config).await.unwrap();
    let c = client();
    let r = c.get(format!("{}/v1/plans", gateway.url())).send().await.unwrap();
    envelope(r, 502, "upstream_unavailable").await;
    let r = c
        .post(format!("{}/v1/purchases", gateway.url()))
        .header("Origin", ORIGIN)
        .json(&purchase_body(MONTHLY, "attempt-unreach-1"))
        .send()
        .await
        .unwrap();
    let v = envelope(r, 502, "upstream_unavailable").await;
    assert_eq!(v["message"], "The billing service didn't answer. Try again: you won't be charged twice.");

    // One that accepts and never answers: the upstream timeout applies.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_addr = silent.local_addr().unwrap();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut s, _)) = silent.accept().await {
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf).await;
            held.push(s);
        }
    });
    let mut config = Config::new(format!("http://{silent_addr}"), DEMO_KEY, DEMO_ORG).with_allowed_origins([ORIGIN]);
    config.upstream_timeout = Duration::from_millis(300);
    config.log = checkout_gateway::LogTarget::Off;
    let gateway = checkout_gateway::spawn(config).await.unwrap();
    let started = std::time::Instant::now();
    let r = c.get(format!("{}/v1/plans", gateway.url())).send().await.unwrap();
    envelope(r, 502, "upstream_unavailable").await;
    assert!(started.elapsed() < Duration::from_secs(5));
    holder.abort();
}

#[tokio::test]
async fn one_log_line_per_request_without_query_strings() {
    let env = start().await;
    env.get(&format!("/v1/coupons/WELCOME10?plan={MONTHLY}&token=sekrit")).await;
    env.get("/v1/health").await;
    let log = env.log_text();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(lines[0].starts_with("GET /v1/coupons/WELCOME10 200 "), "{log}");
    assert!(lines[0].ends_with("ms"), "{log}");
    assert!(!log.contains("sekrit") && !log.contains('?'), "{log}");
    assert!(lines[1].starts_with("GET /v1/health 200 "), "{log}");
}
