//! Shared helpers: a sandbox on 127.0.0.1:0 and a reqwest client that does not follow redirects.
#![allow(dead_code)]

use checkout_sandbox::{spawn, Config, Running, Sandbox};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::Value;

pub const CUSTOMER: &str = "demo-customer-token";
pub const CUSTOMER_2: &str = "demo-customer-2-token";
pub const STAFF: &str = "demo-staff-token";
pub const RETURN_TO: &str = "https://studio.example/join?utm_source=mail#checkout";

pub struct Api {
    pub running: Running,
    pub client: Client,
}

pub async fn start() -> Api {
    start_with(Config::demo()).await
}

pub async fn start_with(config: Config) -> Api {
    let running = spawn(config).await.expect("sandbox starts");
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Api { running, client }
}

/// Who is calling: token, provider header and mode header (None = header not sent).
#[derive(Clone, Copy)]
pub struct As {
    pub token: Option<&'static str>,
    pub provider: Option<&'static str>,
    pub mode: Option<&'static str>,
}

pub const ALEX: As = As {
    token: Some(CUSTOMER),
    provider: Some("100"),
    mode: Some("customer"),
};
pub const SAM: As = As {
    token: Some(CUSTOMER_2),
    provider: Some("100"),
    mode: Some("customer"),
};
pub const RILEY: As = As {
    token: Some(STAFF),
    provider: Some("100"),
    mode: Some("provider"),
};
pub const NOBODY: As = As {
    token: None,
    provider: Some("100"),
    mode: Some("customer"),
};

impl As {
    /// The same caller with another bearer token (`None`: no `Authorization` header).
    pub const fn token(self, token: Option<&'static str>) -> As {
        As { token, ..self }
    }

    /// The same caller with another `TeamUp-Provider-ID` (`None`: header not sent).
    pub const fn provider(self, provider: Option<&'static str>) -> As {
        As { provider, ..self }
    }

    /// The same caller with another `TeamUp-Request-Mode` (`None`: header not sent).
    pub const fn mode(self, mode: Option<&'static str>) -> As {
        As { mode, ..self }
    }

    pub fn headers(&self) -> HeaderMap {
        let mut h = HeaderMap::new();
        if let Some(t) = self.token {
            h.insert(
                "Authorization",
                HeaderValue::from_str(&format!("Bearer {t}")).unwrap(),
            );
        }
        if let Some(p) = self.provider {
            h.insert("TeamUp-Provider-ID", HeaderValue::from_str(p).unwrap());
        }
        if let Some(m) = self.mode {
            h.insert("Teamup-Request-Mode", HeaderValue::from_str(m).unwrap());
        }
        h
    }
}

impl Api {
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{}", self.running.url(), path)
        }
    }

    pub fn sandbox(&self) -> Sandbox {
        self.running
            .sandbox()
            .expect("a sandbox, not a static site")
    }

    pub async fn send(&self, rb: RequestBuilder) -> (StatusCode, Value) {
        let resp = rb.send().await.expect("request reaches the sandbox");
        let status = resp.status();
        let text = resp.text().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    pub async fn get_as(&self, who: As, path: &str) -> (StatusCode, Value) {
        self.send(self.client.get(self.url(path)).headers(who.headers()))
            .await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.get_as(ALEX, path).await
    }

    /// All results of a list, following `next` to the end.
    pub async fn get_all(&self, who: As, path: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut url = self.url(path);
        loop {
            let (status, page) = self.get_as(who, &url).await;
            assert_eq!(status, 200, "{url}: {page}");
            out.extend(page["results"].as_array().unwrap().iter().cloned());
            match page["next"].as_str() {
                Some(next) => url = next.to_string(),
                None => return out,
            }
        }
    }

    /// A hosted page (payment page, checkout, sign-in): its status and HTML.
    pub async fn page(&self, url: &str) -> (u16, String) {
        let resp = self.client.get(url).send().await.unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    }

    /// Presses a hosted page's button: `action=pay` or `action=cancel`, as its form posts it.
    pub async fn submit(&self, url: &str, action: &str) -> reqwest::Response {
        self.client.post(url).form(&[("action", action)]).send().await.unwrap()
    }

    pub async fn purchase_json(
        &self,
        who: As,
        membership: u64,
        body: Value,
    ) -> (StatusCode, Value) {
        let url = self.url(&format!(
            "/api/v2/memberships/{membership}/initiate_purchase"
        ));
        self.send(self.client.post(url).headers(who.headers()).json(&body))
            .await
    }

    pub async fn purchase_form(&self, who: As, membership: u64, body: &str) -> (StatusCode, Value) {
        let url = self.url(&format!(
            "/api/v2/memberships/{membership}/initiate_purchase"
        ));
        let rb = self
            .client
            .post(url)
            .headers(who.headers())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body.to_string());
        self.send(rb).await
    }

    /// The first event (by start) of the demo offering type with this name that has room.
    /// (Events give their offering type as an id: events/endpoints_events-list.md.)
    pub async fn bookable_event(&self, offering: &str) -> Value {
        let type_id = match offering {
            "Yoga" => 1,
            "HIIT" => 2,
            "Spin" => 3,
            other => panic!("not a demo class type: {other}"),
        };
        let events = self
            .get_all(ALEX, "/api/v2/events?status=active&page_size=250")
            .await;
        events
            .into_iter()
            .find(|e| {
                let room = match (e["max_occupancy"].as_u64(), e["attending_count"].as_u64()) {
                    (Some(max), Some(n)) if max > 0 => n < max,
                    _ => true,
                };
                e["offering_type"] == type_id && room
            })
            .unwrap_or_else(|| panic!("no bookable {offering} event"))
    }

    pub async fn available_slot(&self, skip: usize) -> String {
        let slots = self.get_all(ALEX, "/api/v2/slots?available=true").await;
        slots[skip]["id"].as_str().unwrap().to_string()
    }
}

pub fn ids(items: &[Value]) -> Vec<u64> {
    items.iter().map(|v| v["id"].as_u64().unwrap()).collect()
}

pub fn field_error(body: &Value, field: &str) -> Vec<String> {
    body["field_errors"][field]
        .as_array()
        .map(|a| a.iter().map(|m| m.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// Asserts a TeamUp validation error whose `field` has exactly `message` among its messages.
#[track_caller]
pub fn assert_field_error(status: StatusCode, body: &Value, field: &str, message: &str) {
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "parameter_invalid", "{body}");
    assert_eq!(body["message"], "Your request was invalid", "{body}");
    assert_eq!(body["type"], "invalid_request_error", "{body}");
    let msgs = field_error(body, field);
    assert!(
        msgs.iter().any(|m| m == message),
        "expected {field}: {message:?}, got {body}"
    );
}
