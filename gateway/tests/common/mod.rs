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
pub const SAM: &str = "clcu0saml1fter0000000002";
/// The secret the studio's server and the test gateways share for customer identities.
pub const IDENTITY_SECRET: &str = "tst_s3cr3t_for_signing_0123456789abcdef";

/// What the studio's server would put on the page for `customer`: valid for 10 minutes.
pub fn token_for(customer: &str) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    checkout_gateway::identity::sign(IDENTITY_SECRET, customer, now + 600)
}

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
    c.identity_secrets = vec![IDENTITY_SECRET.into()];
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

    /// A browser's CORS preflight from `origin` for `method` with `headers` (comma-separated).
    pub async fn preflight(&self, path: &str, origin: &str, method: &str, headers: &str) -> Response {
        self.client
            .request(reqwest::Method::OPTIONS, self.url(path))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", method)
            .header("Access-Control-Request-Headers", headers)
            .send()
            .await
            .unwrap()
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

    /// A fault with a wait (`latency`, `slow_trickle`).
    pub async fn arm_fault_ms(&self, route: &str, fault: &str, times: u32, ms: u64) {
        let r = self
            .client
            .post(format!("{}/__sandbox/faults", self.sandbox.url()))
            .json(&json!({"route": route, "fault": fault, "times": times, "ms": ms}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "arming a fault: {}", r.status());
    }

    pub async fn clear_faults(&self) {
        let r = self.client.delete(format!("{}/__sandbox/faults", self.sandbox.url())).send().await.unwrap();
        assert!(r.status().is_success());
    }

    pub fn log_text(&self) -> String {
        String::from_utf8(self.log.lock().unwrap().clone()).unwrap()
    }

    /// Every Uelz customer the sandbox holds (asked with the demo credentials).
    pub async fn uelz_customers(&self) -> Vec<Value> {
        let r = self
            .client
            .get(format!("{}/uelz/customers", self.sandbox.url()))
            .header("api-key", DEMO_KEY)
            .header("organization-id", DEMO_ORG)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    /// Purchases and customers in the sandbox's Uelz now.
    pub async fn uelz_counts(&self) -> (usize, usize) {
        (self.uelz_purchases().await.len(), self.uelz_customers().await.len())
    }
}

/// One request the gateway sent to Uelz, as it arrived.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub body: Option<Value>,
}

/// A recorder between the gateway and `upstream`: passes every request on unchanged (method,
/// path, query, the Uelz headers, body) and keeps a copy, so a test can show the exact body and
/// query the gateway sent. Returns its base URL and the record.
pub async fn recorder(upstream: String) -> (String, Arc<Mutex<Vec<Recorded>>>) {
    use axum::body::Bytes;
    use axum::extract::{Request, State};
    use axum::response::IntoResponse;
    let seen: Arc<Mutex<Vec<Recorded>>> = Arc::default();
    #[derive(Clone)]
    struct Ctx {
        upstream: String,
        seen: Arc<Mutex<Vec<Recorded>>>,
        client: Client,
    }
    async fn pass(State(ctx): State<Ctx>, req: Request) -> axum::response::Response {
        let (parts, body) = req.into_parts();
        let bytes: Bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
        ctx.seen.lock().unwrap().push(Recorded {
            method: parts.method.to_string(),
            path: parts.uri.path().to_string(),
            query: parts.uri.query().map(str::to_string),
            body: serde_json::from_slice(&bytes).ok(),
        });
        let url = format!("{}{}", ctx.upstream, parts.uri);
        let mut rb = ctx.client.request(parts.method.clone(), url).body(bytes.to_vec());
        for name in ["api-key", "organization-id", "content-type", "accept"] {
            if let Some(v) = parts.headers.get(name) {
                rb = rb.header(name, v.as_bytes());
            }
        }
        match rb.send().await {
            Ok(r) => {
                let status = axum::http::StatusCode::from_u16(r.status().as_u16()).unwrap();
                let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap_or("").to_string());
                let body = r.bytes().await.unwrap_or_default();
                let mut resp = (status, body).into_response();
                if let Some(ct) = ct {
                    resp.headers_mut().insert("content-type", ct.parse().unwrap());
                }
                resp
            }
            Err(_) => axum::http::StatusCode::BAD_GATEWAY.into_response(),
        }
    }
    let app = axum::Router::new()
        .fallback(pass)
        .with_state(Ctx { upstream, seen: seen.clone(), client: client() });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, seen)
}

/// A sandbox, a recorder in front of its Uelz, and a gateway talking to Uelz through the
/// recorder; `tweak` may change the gateway's settings.
pub async fn start_recorded(tweak: impl FnOnce(&mut GatewayConfig)) -> (Env, Arc<Mutex<Vec<Recorded>>>) {
    let sandbox = sandbox().await;
    let (rec, seen) = recorder(format!("{}/uelz", sandbox.url())).await;
    let (mut config, log) = gateway_config(&sandbox.url());
    config.uelz_base_url = rec;
    tweak(&mut config);
    let gateway = checkout_gateway::spawn(config).await.expect("gateway starts");
    (Env { sandbox, gateway, client: client(), log }, seen)
}

/// The `POST /purchases` requests the recorder saw.
pub fn purchase_posts(seen: &Arc<Mutex<Vec<Recorded>>>) -> Vec<Recorded> {
    seen.lock().unwrap().iter().filter(|r| r.method == "POST" && r.path == "/purchases").cloned().collect()
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
