//! The Uelz secrets never leave the gateway: not in any response (status line, headers, body)
//! of any route or error path, not in the request log, not in a `Debug` print, even when the
//! upstream echoes them back.
//!
//! Every secret here contains the canary `LEAKCANARY`; the test looks for the canary as well as
//! for each whole secret, so a partial leak is caught too.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use checkout_gateway::{Config, LogTarget, RateLimit};
use common::*;
use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::{json, Value};

const CANARY: &str = "LEAKCANARY";
const KEY: &str = "uelz_sk_LEAKCANARY_k3y_Q9w8E7r6T5y4";
const ORG: &str = "org_LEAKCANARY_0rg_Z5x4C3v2B1n0";
const WRONG_ORG: &str = "org_LEAKCANARY_wrong_M9n8B7v6";
const IDENTITY: &str = "identity_LEAKCANARY_s3cr3t_0123456789abcdef";
const SECRETS: [&str; 5] = [CANARY, KEY, ORG, WRONG_ORG, IDENTITY];

fn signed(customer: &str) -> String {
    checkout_gateway::identity::sign(IDENTITY, customer, time::OffsetDateTime::now_utc().unix_timestamp() + 600)
}

/// Everything a client could see of a response, as text.
async fn visible(r: Response) -> String {
    let mut s = format!("{:?} {}\n", r.version(), r.status());
    for (name, value) in r.headers() {
        s += &format!("{name}: {}\n", String::from_utf8_lossy(value.as_bytes()));
    }
    s += &r.text().await.unwrap_or_default();
    s
}

struct Seen {
    client: Client,
    transcripts: Vec<String>,
    statuses: Vec<u16>,
}

impl Seen {
    async fn send(&mut self, rb: RequestBuilder) {
        let r = rb.send().await.expect("gateway answers");
        self.statuses.push(r.status().as_u16());
        self.transcripts.push(visible(r).await);
    }

    async fn all_routes(&mut self, base: &str, origin: Option<&str>) {
        let c = self.client.clone();
        let with = |rb: RequestBuilder| match origin {
            Some(o) => rb.header("Origin", o),
            None => rb,
        };
        let get_paths = [
            "/v1/health".to_string(),
            "/v1/plans".into(),
            format!("/v1/coupons/WELCOME10?plan={MONTHLY}"),
            format!("/v1/coupons/NOSUCH?plan={MONTHLY}"),
            format!("/v1/coupons/SPRING?plan={MONTHLY}"),
            format!("/v1/coupons/ANNUAL50?plan={MONTHLY}"),
            "/v1/coupons/WELCOME10".into(),
            "/v1/coupons/WELCOME10?plan=clpl0nosuchplan0000000000".into(),
            "/v1/nope".into(),
            "/v1/purchases".into(),
        ];
        for p in &get_paths {
            self.send(with(c.get(format!("{base}{p}")))).await;
        }
        let post = |body: Value| with(c.post(format!("{base}/v1/purchases")).json(&body));
        let mut with_coupon = purchase_body(SUMMER, "attempt-secret-001");
        with_coupon["coupon_code"] = json!("WELCOME10");
        self.send(post(with_coupon.clone())).await; // 201
        self.send(post(with_coupon.clone())).await; // idempotent repeat
        with_coupon["coupon_code"] = json!("FIVEOFF");
        self.send(post(with_coupon)).await; // 409
        self.send(post(json!({"external_id": "x"}))).await; // 400 validation
        let mut b = purchase_body(MONTHLY, "attempt-secret-002");
        b["customer"] = json!({"token": signed("clcu0nobody00000000000000")});
        self.send(post(b)).await; // Uelz 422 mapped
        let mut b = purchase_body(MONTHLY, "attempt-secret-005");
        b["customer"] = json!({"token": checkout_gateway::identity::sign("forged-LEAKCANARY-0123456789abcdef", ALEX, 4_000_000_000)});
        self.send(post(b)).await; // 403 identity_refused
        self.send(with(c.get(format!("{base}/v1/purchases/attempt-secret-001")))).await; // status
        self.send(with(c.get(format!("{base}/v1/purchases/attempt-none-0001")))).await; // 404
        let mut b = purchase_body(MONTHLY, "attempt-secret-003");
        b["coupon_code"] = json!("SPRING");
        self.send(post(b)).await;
        let mut big = purchase_body(MONTHLY, "attempt-secret-004");
        big["pad"] = json!("x".repeat(20_000));
        self.send(post(big)).await; // 413
        self.send(with(c.post(format!("{base}/v1/purchases")).header("Content-Type", "application/json").body("{"))).await;
        self.send(with(c.post(format!("{base}/v1/purchases")).header("Content-Type", "text/plain").body("{}"))).await;
        self.send(c.post(format!("{base}/v1/purchases")).header("Origin", "https://evil.example").json(&json!({}))).await;
        self.send(
            c.request(Method::OPTIONS, format!("{base}/v1/purchases"))
                .header("Origin", ORIGIN)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type"),
        )
        .await;
        self.send(with(c.delete(format!("{base}/v1/plans")))).await;
    }

    fn assert_clean(&self) {
        assert!(!self.transcripts.is_empty());
        for t in &self.transcripts {
            for s in SECRETS {
                assert!(!t.contains(s), "a response shows {s:?}:\n{t}");
            }
        }
    }
}

fn log_of(buf: &Arc<Mutex<Vec<u8>>>) -> String {
    String::from_utf8(buf.lock().unwrap().clone()).unwrap()
}

fn assert_log_clean(log: &str, min_lines: usize) {
    assert!(log.lines().count() >= min_lines, "too few log lines:\n{log}");
    for s in SECRETS {
        assert!(!log.contains(s), "the log shows {s:?}:\n{log}");
    }
}

fn secret_config(upstream: String, log: LogTarget) -> Config {
    let mut c = Config::new(upstream, KEY, ORG).with_allowed_origins([ORIGIN]);
    c.merchant_id = Some(MERCHANT.into());
    c.rate_limit = RateLimit { requests: 1000, per: Duration::from_secs(60) };
    c.identity_secrets = vec![IDENTITY.into()];
    c.log = log;
    c
}

/// A Uelz that echoes the credentials it was sent in every error message.
async fn hostile_uelz() -> (String, tokio::task::JoinHandle<()>) {
    fn echo(h: &HeaderMap) -> String {
        format!(
            "bad credentials api-key={} organization-id={}",
            h.get("api-key").map(|v| v.to_str().unwrap_or("")).unwrap_or(""),
            h.get("organization-id").map(|v| v.to_str().unwrap_or("")).unwrap_or("")
        )
    }
    let app = Router::new()
        .route(
            "/plans",
            get(|h: HeaderMap| async move {
                (StatusCode::UNAUTHORIZED, Json(json!({"error": echo(&h), "message": echo(&h)})))
            }),
        )
        .route(
            "/plans/{id}",
            get(|| async {
                Json(json!({"id": MONTHLY, "plan_name": "M", "plan_type": "subscription", "plan_amount": 59.0,
                            "plan_currency": "EUR", "frequency": "month", "status": "active"}))
            }),
        )
        .route(
            "/coupons",
            get(|h: HeaderMap| async move { (StatusCode::INTERNAL_SERVER_ERROR, echo(&h)).into_response() }),
        )
        .route(
            "/customers",
            get(|| async { Json(json!([])) }).post(|h: HeaderMap| async move {
                (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({"error": "validation_error", "message": echo(&h), "field": "email"})))
            }),
        )
        .route(
            "/purchases",
            post(|h: HeaderMap| async move {
                (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({"error": echo(&h), "message": echo(&h), "field": "plan"})))
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

#[tokio::test]
async fn secrets_never_leave_the_gateway() {
    let mut sb = checkout_sandbox::Config::demo();
    sb.uelz.api_key = KEY.into();
    sb.uelz.organization_id = ORG.into();
    let sandbox = sandbox_with(sb).await;
    let mut seen = Seen { client: client(), transcripts: vec![], statuses: vec![] };

    // 1. The right secrets: every route, every refusal, with and without an Origin.
    let (log, buf) = LogTarget::memory();
    let mut config = secret_config(format!("{}/uelz", sandbox.url()), log);
    config.checkout_url = format!("{}/checkout", sandbox.url());
    let dbg = format!("{config:?} {config:#?}");
    for s in SECRETS {
        assert!(!dbg.contains(s), "Debug shows {s:?}: {dbg}");
    }
    let gateway = checkout_gateway::spawn(config).await.unwrap();
    seen.all_routes(&gateway.url(), Some(ORIGIN)).await;
    seen.all_routes(&gateway.url(), None).await;
    // The secrets did work upstream: a purchase went through.
    assert!(seen.statuses.contains(&201), "{:?}", seen.statuses);
    for code in [200, 400, 403, 404, 405, 409, 413, 422] {
        assert!(seen.statuses.contains(&code), "no {code} in {:?}", seen.statuses);
    }
    // Upstream failures: 503, dropped connection.
    let c = seen.client.clone();
    for (route, fault) in [("uelz.plans", "status_503"), ("uelz.purchases.create", "drop_after_acting")] {
        c.post(format!("{}/__sandbox/faults", sandbox.url()))
            .json(&json!({"route": route, "fault": fault, "times": 1}))
            .send()
            .await
            .unwrap();
    }
    seen.send(c.get(format!("{}/v1/plans", gateway.url()))).await;
    seen.send(c.post(format!("{}/v1/purchases", gateway.url())).header("Origin", ORIGIN).json(&purchase_body(ANNUAL, "attempt-secret-drop"))).await;
    assert_eq!(&seen.statuses[seen.statuses.len() - 2..], [502, 502]);
    assert_log_clean(&log_of(&buf), 40);

    // 2. Rate limited.
    let (log, buf) = LogTarget::memory();
    let mut config = secret_config(format!("{}/uelz", sandbox.url()), log);
    config.rate_limit = RateLimit { requests: 1, per: Duration::from_secs(60) };
    let limited = checkout_gateway::spawn(config).await.unwrap();
    seen.send(c.get(format!("{}/v1/plans", limited.url()))).await;
    seen.send(c.get(format!("{}/v1/plans", limited.url()))).await;
    seen.send(c.post(format!("{}/v1/purchases", limited.url())).header("Origin", ORIGIN).json(&json!({}))).await;
    assert_eq!(seen.statuses.last(), Some(&429));
    assert_log_clean(&log_of(&buf), 3);

    // 3. A wrong organization id: Uelz says 401.
    let (log, buf) = LogTarget::memory();
    let mut config = secret_config(format!("{}/uelz", sandbox.url()), log);
    config.uelz_organization_id = WRONG_ORG.into();
    let wrong = checkout_gateway::spawn(config).await.unwrap();
    seen.all_routes(&wrong.url(), Some(ORIGIN)).await;
    assert!(seen.statuses.ends_with(&[405]));
    assert_log_clean(&log_of(&buf), 20);

    // 4. An upstream that echoes the credentials in its errors.
    let (hostile, task) = hostile_uelz().await;
    let (log, buf) = LogTarget::memory();
    let evil = checkout_gateway::spawn(secret_config(hostile, log)).await.unwrap();
    seen.send(c.get(format!("{}/v1/plans", evil.url()))).await;
    seen.send(c.get(format!("{}/v1/coupons/X?plan={MONTHLY}", evil.url()))).await;
    seen.send(c.post(format!("{}/v1/purchases", evil.url())).header("Origin", ORIGIN).json(&purchase_body(MONTHLY, "attempt-secret-evil"))).await;
    let mut b = purchase_body(MONTHLY, "attempt-secret-evil2");
    b["customer"] = json!({"token": signed(ALEX)});
    seen.send(c.post(format!("{}/v1/purchases", evil.url())).header("Origin", ORIGIN).json(&b)).await;
    let n = seen.statuses.len();
    assert_eq!(&seen.statuses[n - 4..], [502, 502, 400, 400], "{:?}", &seen.transcripts[n - 4..]);
    // The echoed message is replaced by a neutral one.
    assert!(seen.transcripts[n - 1].contains("This value was refused."), "{}", seen.transcripts[n - 1]);
    assert_log_clean(&log_of(&buf), 4);
    task.abort();

    // 5. Nothing listening upstream.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (log, buf) = LogTarget::memory();
    let dead = checkout_gateway::spawn(secret_config(format!("http://127.0.0.1:{port}"), log)).await.unwrap();
    seen.all_routes(&dead.url(), Some(ORIGIN)).await;
    assert!(seen.statuses.contains(&502));
    assert_log_clean(&log_of(&buf), 20);

    seen.assert_clean();
}

#[test]
fn config_from_env_errors_and_debug_hide_the_secrets() {
    let vars = [
        ("UELZ_BASE_URL", "https://papi.app.uelzpay.com"),
        ("UELZ_API_KEY", KEY),
        ("UELZ_ORGANIZATION_ID", ORG),
        ("GATEWAY_ALLOWED_ORIGINS", "https://studio.example"),
        ("GATEWAY_TIMEZONE", "Europe/Berlin"),
        ("GATEWAY_IDENTITY_SECRET", IDENTITY),
        ("GATEWAY_RATE_LIMIT", "lots"),
    ];
    let get = |k: &str| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string());
    let e = Config::from_lookup(get).unwrap_err();
    assert_eq!(e.var, "GATEWAY_RATE_LIMIT");
    let ok = Config::from_lookup(|k| if k == "GATEWAY_RATE_LIMIT" { None } else { get(k) }).unwrap();
    for s in SECRETS {
        assert!(!e.to_string().contains(s) && !format!("{e:?}").contains(s));
        assert!(!format!("{ok:?}").contains(s) && !format!("{ok:#?}").contains(s));
    }
}
