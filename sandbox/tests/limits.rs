//! Request bodies on the API routes: above 64 KiB → 413 and malformed JSON → 400, both in the
//! API's own error envelope (TeamUp `{code, message, type, field_errors}`, Uelz `{error,
//! message}`), whether the size is announced or only found while reading a chunked body.

mod common;

use std::time::Duration;

use checkout_sandbox::{MAX_BODY_BYTES, UELZ_DEMO_API_KEY, UELZ_DEMO_ORGANIZATION_ID};
use common::{start, Api, ALEX, NOBODY, RETURN_TO};
use reqwest::{RequestBuilder, StatusCode};
use serde_json::{json, Value};

const PLAN: &str = "clpl0month1yun11m1ted00002";
const UELZ_ALEX: &str = "clcu0a1exrunner0000000001";

fn uelz(rb: RequestBuilder) -> RequestBuilder {
    rb.header("api-key", UELZ_DEMO_API_KEY)
        .header("organization-id", UELZ_DEMO_ORGANIZATION_ID)
}

fn json_of_size(base: Value, size: usize) -> String {
    let mut v = base;
    let without = serde_json::to_string(&v).unwrap().len() + r#","note":"""#.len();
    v["note"] = json!("x".repeat(size - without));
    let s = serde_json::to_string(&v).unwrap();
    assert_eq!(s.len(), size);
    s
}

async fn post_raw(api: &Api, rb: RequestBuilder, body: String) -> (StatusCode, Value) {
    api.send(rb.header("Content-Type", "application/json").body(body))
        .await
}

#[track_caller]
fn assert_teamup(status: StatusCode, body: &Value, want: u16, code: &str) {
    assert_eq!(status.as_u16(), want, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["type"], "invalid_request_error", "{body}");
    assert!(body["message"].is_string(), "{body}");
    assert!(body["field_errors"].is_object(), "{body}");
}

#[track_caller]
fn assert_uelz(status: StatusCode, body: &Value, want: u16, code: &str) {
    assert_eq!(status.as_u16(), want, "{body}");
    assert_eq!(body["error"], code, "{body}");
    assert!(body["message"].is_string(), "{body}");
}

#[tokio::test]
async fn teamup_bodies_over_64_kib_are_413_in_the_envelope() {
    let api = start().await;
    assert_eq!(MAX_BODY_BYTES, 64 * 1024);
    let url = api.url("/api/v2/memberships/101/initiate_purchase");
    let base = json!({"customer": 4242, "return_to": RETURN_TO});

    // Just under the limit is fine (the extra field is ignored) …
    let ok = json_of_size(base.clone(), MAX_BODY_BYTES);
    let (status, body) = post_raw(&api, api.client.post(&url).headers(ALEX.headers()), ok).await;
    assert_eq!(status, 200, "{body}");
    // … one byte more is not, and nothing is bought.
    let big = json_of_size(base.clone(), MAX_BODY_BYTES + 1);
    let (status, body) = post_raw(&api, api.client.post(&url).headers(ALEX.headers()), big).await;
    assert_teamup(status, &body, 413, "request_too_large");
    assert!(body["message"].as_str().unwrap().contains("65536"));
    assert_eq!(api.sandbox().purchases().len(), 1);

    // Checked before credentials, and on every route (a GET with a body too).
    let huge = "x".repeat(1024 * 1024);
    let (status, body) = post_raw(
        &api,
        api.client.post(&url).headers(NOBODY.headers()),
        huge.clone(),
    )
    .await;
    assert_teamup(status, &body, 413, "request_too_large");
    let (status, body) = api
        .send(
            api.client
                .get(api.url("/api/v2/memberships"))
                .headers(ALEX.headers())
                .body(huge.clone()),
        )
        .await;
    assert_teamup(status, &body, 413, "request_too_large");
    let (status, body) = post_raw(&api, api.client.post(api.url("/api/v2/nothing")), huge).await;
    assert_teamup(status, &body, 413, "request_too_large");
}

#[tokio::test]
async fn uelz_bodies_over_64_kib_are_413_in_the_envelope() {
    let api = start().await;
    let base = json!({"plan": PLAN, "customer": UELZ_ALEX});
    let ok = json_of_size(base.clone(), MAX_BODY_BYTES);
    let (status, body) =
        post_raw(&api, uelz(api.client.post(api.url("/uelz/purchases"))), ok).await;
    assert_eq!(status, 201, "{body}");
    for path in ["/uelz/purchases", "/uelz/customers"] {
        let big = json_of_size(json!({"email": "a@example.com"}), MAX_BODY_BYTES + 1);
        let (status, body) = post_raw(&api, uelz(api.client.post(api.url(path))), big).await;
        assert_uelz(status, &body, 413, "payload_too_large");
    }
    // Without credentials too.
    let (status, body) = post_raw(
        &api,
        api.client.post(api.url("/uelz/purchases")),
        "x".repeat(200_000),
    )
    .await;
    assert_uelz(status, &body, 413, "payload_too_large");
    assert_eq!(api.sandbox().uelz_purchases().len(), 1);
}

#[tokio::test]
async fn chunked_bodies_are_bounded_while_reading() {
    let api = start().await;
    for (path, headers, marker) in [
        (
            "/api/v2/memberships/101/initiate_purchase",
            "Authorization: Bearer demo-customer-token\r\nTeamUp-Provider-ID: 100\r\nTeamup-Request-Mode: customer\r\n",
            "\"code\":\"request_too_large\"",
        ),
        (
            "/uelz/purchases",
            "api-key: uelz_sk_sandbox_7Hq2xVw9LmT4\r\norganization-id: org_sandbox_riverside_5Kd8\r\n",
            "\"error\":\"payload_too_large\"",
        ),
    ] {
        let raw = chunked_post(&api, path, headers, 5, 16 * 1024).await;
        let text = String::from_utf8_lossy(&raw);
        assert!(text.starts_with("HTTP/1.1 413"), "{path}: {text}");
        assert!(text.contains(marker), "{path}: {text}");
    }
    // Under the limit, chunked is fine (and still parsed as JSON: this one isn't).
    let raw = chunked_post(
        &api,
        "/uelz/purchases",
        "api-key: uelz_sk_sandbox_7Hq2xVw9LmT4\r\norganization-id: org_sandbox_riverside_5Kd8\r\n",
        2,
        1024,
    )
    .await;
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(text.contains("\"error\":\"invalid_json\""), "{text}");
}

#[tokio::test]
async fn malformed_json_is_400_in_the_envelope() {
    let api = start().await;
    for bad in ["{\"customer\": 4242,", "{'customer': 4242}", "nul"] {
        let (status, body) = post_raw(
            &api,
            api.client
                .post(api.url("/api/v2/memberships/101/initiate_purchase"))
                .headers(ALEX.headers()),
            bad.to_string(),
        )
        .await;
        assert_teamup(status, &body, 400, "parse_error");
        assert!(body["message"]
            .as_str()
            .unwrap()
            .starts_with("JSON parse error"));
        for path in ["/uelz/purchases", "/uelz/customers"] {
            let (status, body) =
                post_raw(&api, uelz(api.client.post(api.url(path))), bad.to_string()).await;
            assert_uelz(status, &body, 400, "invalid_json");
        }
    }
    assert!(api.sandbox().purchases().is_empty());
    assert!(api.sandbox().uelz_purchases().is_empty());
}

/// POSTs `chunks` chunks of `size` bytes with `Transfer-Encoding: chunked` (no length announced)
/// and returns what the server sent back.
async fn chunked_post(api: &Api, path: &str, headers: &str, chunks: usize, size: usize) -> Vec<u8> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(api.running.addr())
        .await
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n{headers}\
         Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        api.running.addr()
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("{size:x}\r\n{}\r\n", "x".repeat(size));
    for _ in 0..chunks {
        // The server may answer and close before everything is sent.
        if s.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
    }
    let _ = s.write_all(b"0\r\n\r\n").await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out)).await;
    out
}
