//! Shared setup: the real sandbox (TeamUp + Uelz stand-in) on 127.0.0.1:0 and a gateway in
//! front of its `/uelz` API, plus a reqwest client that follows no redirects.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use checkout_gateway::{Config as GatewayConfig, LogTarget, RateLimit};
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};

pub const ORIGIN: &str = "https://studio.example";
pub const RETURN_TO: &str = "https://studio.example/join?plan=summer#checkout";
pub const MERCHANT: &str = "mer_riverside_01";
pub const DEMO_KEY: &str = "uelz_sk_sandbox_7Hq2xVw9LmT4";
pub const DEMO_ORG: &str = "org_sandbox_riverside_5Kd8";

pub const CARD: &str = "clpl0drop1n10card000000001";
pub const MONTHLY: &str = "clpl0month1yun11m1ted00002";
pub const ANNUAL: &str = "clpl0annua1un11m1ted000003";
pub const COMMITMENT: &str = "clpl0comm1t12month0000004";
pub const SUMMER: &str = "clpl0summerpass12wk000005";
pub const REFORMER: &str = "clpl0reformerstart0000006";
pub const ONLINE_USD: &str = "clpl0on11neclassesusd0007";
pub const ARCHIVED: &str = "clpl0o1darch1ved000000008";
pub const ALEX: &str = "clcu0a1exrunner0000000001";

pub struct Env {
    pub sandbox: checkout_sandbox::Running,
    pub gateway: checkout_gateway::Running,
    pub client: Client,
    pub log: Arc<Mutex<Vec<u8>>>,
}

pub fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

pub async fn sandbox() -> checkout_sandbox::Running {
    sandbox_with(checkout_sandbox::Config::demo()).await
}

pub async fn sandbox_with(config: checkout_sandbox::Config) -> checkout_sandbox::Running {
    checkout_sandbox::spawn(config).await.expect("sandbox starts")
}

/// The gateway settings for this sandbox: demo secrets, merchant, one allowed origin, a
/// generous rate limit and an in-memory log.
pub fn gateway_config(sandbox_url: &str) -> (GatewayConfig, Arc<Mutex<Vec<u8>>>) {
    let (log, buf) = LogTarget::memory();
    let mut c = GatewayConfig::new(format!("{sandbox_url}/uelz"), DEMO_KEY, DEMO_ORG)
        .with_allowed_origins([ORIGIN]);
    c.checkout_url = format!("{sandbox_url}/checkout");
    c.merchant_id = Some(MERCHANT.into());
    c.rate_limit = RateLimit { requests: 1000, per: Duration::from_secs(60) };
    c.upstream_timeout = Duration::from_secs(5);
    c.log = log;
    (c, buf)
}

pub async fn start() -> Env {
    start_with(|_| {}).await
}

/// A sandbox and a gateway whose settings `tweak` may change.
pub async fn start_with(tweak: impl FnOnce(&mut GatewayConfig)) -> Env {
    let sandbox = sandbox().await;
    let (mut config, log) = gateway_config(&sandbox.url());
    tweak(&mut config);
    let gateway = checkout_gateway::spawn(config).await.expect("gateway starts");
    Env { sandbox, gateway, client: client(), log }
}

impl Env {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.gateway.url())
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .header("Origin", ORIGIN)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// What the sandbox's Uelz recorded.
    pub async fn uelz_purchases(&self) -> Vec<Value> {
        let r = self
            .client
            .get(format!("{}/__sandbox/uelz/purchases", self.sandbox.url()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    pub async fn arm_fault(&self, route: &str, fault: &str, times: u32) {
        let r = self
            .client
            .post(format!("{}/__sandbox/faults", self.sandbox.url()))
            .json(&json!({"route": route, "fault": fault, "times": times}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "arming a fault: {}", r.status());
    }

    pub fn log_text(&self) -> String {
        String::from_utf8(self.log.lock().unwrap().clone()).unwrap()
    }
}

/// Status and JSON body.
pub async fn json_of(r: Response) -> (StatusCode, Value) {
    let status = r.status();
    let text = r.text().await.unwrap();
    let v = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"));
    (status, v)
}

/// Asserts the TeamUp-style error envelope and returns it.
pub async fn envelope(r: Response, status: u16, code: &str) -> Value {
    let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string());
    let (s, v) = json_of(r).await;
    assert_eq!(s.as_u16(), status, "{v}");
    assert_eq!(ct.as_deref(), Some("application/json"), "{v}");
    assert_eq!(v["code"], code, "{v}");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    assert!(v["type"].is_string(), "{v}");
    assert!(v["field_errors"].is_object(), "{v}");
    v
}

pub fn purchase_body(plan: &str, external_id: &str) -> Value {
    json!({
        "plan": plan,
        "external_id": external_id,
        "customer": {"email": "new.member@example.com", "name": "New Member"},
        "return_to": RETURN_TO,
    })
}

pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

pub fn ymd(d: time::Date) -> String {
    d.format(time::macros::format_description!("[year]-[month]-[day]")).unwrap()
}
