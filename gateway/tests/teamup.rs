//! The same-site TeamUp pass-through (`/v1/teamup/<path>`): a real purchase through it against
//! the sandbox's TeamUp, and every way it could become an open proxy refused (other paths,
//! traversal, encoded slashes, other methods, foreign origins, big bodies) with nothing reaching
//! the upstream; only the listed headers go either way.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use checkout_gateway::RateLimit;
use common::*;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TOKEN: &str = "demo-customer-token";

/// A sandbox and a gateway whose pass-through points at the sandbox's TeamUp.
async fn through_sandbox() -> Env {
    let sandbox = sandbox().await;
    let (mut config, log) = gateway_config(&sandbox.url());
    config.teamup_base = Some(format!("{}/api/v2", sandbox.url()));
    let gateway = checkout_gateway::spawn(config).await.unwrap();
    Env { sandbox, gateway, client: client(), log }
}

fn teamup_get(env: &Env, path: &str) -> reqwest::RequestBuilder {
    env.client
        .get(env.url(&format!("/v1/teamup/{path}")))
        .header("Origin", ORIGIN)
        .header("Authorization", format!("Bearer {TOKEN}"))
        .header("TeamUp-Provider-ID", "100")
        .header("Teamup-Request-Mode", "customer")
}

#[tokio::test]
async fn off_unless_configured() {
    let env = start().await;
    let r = env.client.get(env.url("/v1/teamup/memberships")).header("Origin", ORIGIN).send().await.unwrap();
    envelope(r, 404, "not_found").await;
}

/// A studio selling through TeamUp runs the gateway for the pass-through alone, from the
/// environment with no Uelz setting: TeamUp passes, the Uelz routes are not there.
#[tokio::test]
async fn a_pass_through_alone_needs_no_uelz() {
    let sandbox = sandbox().await;
    let teamup = format!("{}/api/v2", sandbox.url());
    let config = checkout_gateway::Config::from_lookup(|var| match var {
        "GATEWAY_TEAMUP_BASE" => Some(teamup.clone()),
        "GATEWAY_ALLOWED_ORIGINS" => Some(ORIGIN.to_string()),
        _ => None,
    })
    .unwrap();
    let gateway = checkout_gateway::spawn(config).await.unwrap();
    let env = Env { sandbox, gateway, client: client(), log: Default::default() };
    let r = teamup_get(&env, "memberships?page_size=100").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let page: Value = r.json().await.unwrap();
    assert!(!page["results"].as_array().unwrap().is_empty());
    for path in ["/v1/plans", "/v1/coupons/WELCOME10", "/v1/purchases/attempt-0000001"] {
        let r = env.client.get(env.url(path)).header("Origin", ORIGIN).send().await.unwrap();
        envelope(r, 404, "not_found").await;
    }
    let r = env.client.post(env.url("/v1/purchases")).header("Origin", ORIGIN).json(&json!({})).send().await.unwrap();
    envelope(r, 404, "not_found").await;
    assert!(env.uelz_purchases().await.is_empty(), "nothing reached Uelz");
}

#[tokio::test]
async fn a_whole_purchase_through_the_pass_through() {
    let env = through_sandbox().await;
    let direct = |path: &str| {
        env.client
            .get(format!("{}/api/v2/{path}", env.sandbox.url()))
            .header("Authorization", format!("Bearer {TOKEN}"))
            .header("TeamUp-Provider-ID", "100")
    };

    // The profile, as the sandbox answers it.
    let r = teamup_get(&env, "auth/profiles?page_size=100").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], ORIGIN);
    assert_eq!(r.headers()["cache-control"], "no-store");
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    assert!(r.headers().contains_key("date"));
    let profiles: Value = r.json().await.unwrap();
    let direct_profiles: Value = direct("auth/profiles?page_size=100").send().await.unwrap().json().await.unwrap();
    assert_eq!(profiles, direct_profiles);
    let customer = profiles["results"].as_array().unwrap().iter().find(|p| p["provider"] == 100).unwrap()["id"].clone();

    // The catalogue; its links point back through the gateway, and following one works.
    let r = teamup_get(&env, "memberships?for_sale=true&visible_to_customers=true&page_size=2").send().await.unwrap();
    assert_eq!(r.status(), 200);
    let page: Value = r.json().await.unwrap();
    let next = page["next"].as_str().expect("the demo has more than two memberships").to_string();
    assert!(next.starts_with(&format!("{}/v1/teamup/memberships?", env.gateway.url())), "{next}");
    for m in page["results"].as_array().unwrap() {
        if let Some(plans) = m["plans"].as_str() {
            assert!(plans.starts_with(&format!("{}/v1/teamup/membership_payment_plans?", env.gateway.url())), "{plans}");
        }
    }
    let r = env
        .client
        .get(&next)
        .header("Origin", ORIGIN)
        .header("Authorization", format!("Bearer {TOKEN}"))
        .header("TeamUp-Provider-ID", "100")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let all: Value = teamup_get(&env, "memberships?for_sale=true&visible_to_customers=true&page_size=100").send().await.unwrap().json().await.unwrap();
    let pack = all["results"].as_array().unwrap().iter().find(|m| m["type"] == "pack").expect("a pack").clone();

    // The other reads the widget makes: the same status and body as asked directly (a route
    // the sandbox doesn't serve yet answers its 404 through the gateway too).
    for path in [
        "providers/100",
        "events?page_size=5",
        "slots?page_size=5",
        "customer_memberships",
        &format!("attendances?customer={customer}&event=5001&page_size=100"),
        &format!("memberships/{}", pack["id"]),
    ] {
        let r = teamup_get(&env, path).send().await.unwrap();
        let d = direct(path).header("Teamup-Request-Mode", "customer").send().await.unwrap();
        assert_eq!(r.status(), d.status(), "{path}");
        if path != "customer_memberships" {
            assert_eq!(r.status(), 200, "{path}");
        }
        let (mut via, mine): (Value, Value) = (r.json().await.unwrap(), d.json().await.unwrap());
        // Links differ by design (they point through the gateway); the rest is the same.
        if via.get("next").is_some_and(Value::is_string) {
            via["next"] = mine["next"].clone();
        }
        if via.get("results").is_some() {
            assert_eq!(via["results"].as_array().map(Vec::len), mine["results"].as_array().map(Vec::len), "{path}");
        } else if !path.starts_with("memberships/") {
            assert_eq!(via, mine, "{path}");
        }
    }

    // The purchase.
    let r = env
        .client
        .post(env.url(&format!("/v1/teamup/memberships/{}/initiate_purchase", pack["id"])))
        .header("Origin", ORIGIN)
        .header("Authorization", format!("Bearer {TOKEN}"))
        .header("TeamUp-Provider-ID", "100")
        .json(&json!({"customer": customer, "return_to": RETURN_TO}))
        .send()
        .await
        .unwrap();
    let (s, offer) = json_of(r).await;
    assert_eq!(s, 200, "{offer}");
    let next_url = offer["next_url"].as_str().unwrap();
    assert!(next_url.starts_with(&format!("{}/pay/", env.sandbox.url())), "the payment page is not rewritten: {next_url}");
    assert!(offer["expires_at"].is_string());
    let purchases: Value = env.client.get(format!("{}/__sandbox/purchases", env.sandbox.url())).send().await.unwrap().json().await.unwrap();
    assert_eq!(purchases.as_array().unwrap().len(), 1);

    // Errors come back as TeamUp said them.
    let r = env
        .client
        .get(env.url("/v1/teamup/auth/profiles"))
        .header("Origin", ORIGIN)
        .header("Authorization", "Bearer not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert!(body["code"].is_string(), "{body}");
    let r = env
        .client
        .post(env.url("/v1/teamup/auth/refresh_access_token"))
        .header("Origin", ORIGIN)
        .json(&json!({"refresh_token": "sbx_rt_unknown"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(env.log_text().contains("POST /v1/teamup/memberships/"), "{}", env.log_text());
    assert!(env.log_text().contains("(teamup 200)"), "{}", env.log_text());
}

#[tokio::test]
async fn retry_after_and_date_are_passed_back() {
    let env = through_sandbox().await;
    let r = env
        .client
        .post(format!("{}/__sandbox/faults", env.sandbox.url()))
        .json(&json!({"route": "teamup.memberships", "fault": "status_429", "times": 1, "retry_after": 7}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let r = teamup_get(&env, "memberships").send().await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "7");
    let expose = r.headers()["access-control-expose-headers"].to_str().unwrap().to_ascii_lowercase();
    assert!(expose.contains("retry-after") && expose.contains("date"), "{expose}");
}

/// One request of a fake TeamUp.
#[derive(Clone, Debug)]
struct Hit {
    method: String,
    uri: String,
    headers: Vec<(String, String)>,
    body: String,
}

/// A fake TeamUp that records everything and answers in ways a proxy must not pass on blindly.
async fn fake_teamup() -> (String, Arc<Mutex<Vec<Hit>>>) {
    let hits: Arc<Mutex<Vec<Hit>>> = Arc::default();
    let record = {
        let hits = hits.clone();
        move |req: axum::extract::Request| {
            let hits = hits.clone();
            async move {
                let (parts, body) = req.into_parts();
                let body = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
                hits.lock().unwrap().push(Hit {
                    method: parts.method.to_string(),
                    uri: parts.uri.to_string(),
                    headers: parts
                        .headers
                        .iter()
                        .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                        .collect(),
                    body: String::from_utf8_lossy(&body).into_owned(),
                });
                (parts.uri.path().to_string(), parts.headers)
            }
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let api = format!("{base}/api/v2");
    let app = Router::new().fallback(move |req: axum::extract::Request| {
        let record = record.clone();
        let api = api.clone();
        async move {
            let (path, _headers): (String, HeaderMap) = record(req).await;
            match path.as_str() {
                "/api/v2/events" => (
                    [
                        ("content-type", "application/json"),
                        ("set-cookie", "session=stolen; Path=/"),
                        ("date", "Wed, 21 Oct 2015 07:28:00 GMT"),
                        ("x-internal", "secret-header"),
                        ("location", "https://evil.example/"),
                    ],
                    json!({"count": 2, "next": format!("{api}/events?page=2"), "previous": null, "results": []}).to_string(),
                )
                    .into_response(),
                "/api/v2/memberships" => (StatusCode::FOUND, [("location", "https://evil.example/steal")]).into_response(),
                "/api/v2/slots" => ([("content-type", "application/json")], format!("\"{}\"", "x".repeat(6 * 1024 * 1024))).into_response(),
                "/api/v2/customer_memberships" => {
                    tokio::time::sleep(Duration::from_secs(3)).await;
                    "late".into_response()
                }
                "/api/v2/auth/oauth/token" => ([("content-type", "application/json")], json!({"access_token": "t"}).to_string()).into_response(),
                _ => (StatusCode::NOT_FOUND, "no").into_response(),
            }
        }
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("{base}/api/v2"), hits)
}

async fn through_fake() -> (Env, Arc<Mutex<Vec<Hit>>>) {
    let (fake, hits) = fake_teamup().await;
    let env = start_with(|c| {
        c.teamup_base = Some(fake);
        c.upstream_timeout = Duration::from_millis(800);
        c.teamup_rate_limit = RateLimit { requests: 1000, per: Duration::from_secs(60) };
    })
    .await;
    (env, hits)
}

#[tokio::test]
async fn only_the_listed_headers_go_either_way_and_nothing_is_followed() {
    let (env, hits) = through_fake().await;
    let r = teamup_get(&env, "events?starts_at_gte=2026-01-01T00%3A00%3A00Z&x=%2F..%2F")
        .header("Cookie", "studio_session=abc")
        .header("X-Forwarded-For", "1.2.3.4")
        .header("Accept", "application/json")
        .header("User-Agent", "Browser/1.0")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let headers: Vec<String> = r.headers().keys().map(|k| k.to_string()).collect();
    assert!(!headers.iter().any(|h| h == "set-cookie" || h == "x-internal" || h == "location"), "{headers:?}");
    assert_eq!(r.headers()["date"], "Wed, 21 Oct 2015 07:28:00 GMT", "the upstream's Date, for the widget's clock");
    assert_eq!(r.headers()["cache-control"], "no-store");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["next"], format!("{}/v1/teamup/events?page=2", env.gateway.url()));

    let hit = hits.lock().unwrap()[0].clone();
    assert_eq!(hit.method, "GET");
    assert_eq!(hit.uri, "/api/v2/events?starts_at_gte=2026-01-01T00%3A00%3A00Z&x=%2F..%2F", "the query as sent");
    let names: Vec<&str> = hit.headers.iter().map(|(k, _)| k.as_str()).collect();
    for name in &names {
        assert!(
            ["authorization", "teamup-provider-id", "teamup-request-mode", "accept", "host", "user-agent"].contains(name),
            "{name} was forwarded: {names:?}"
        );
    }
    let value = |n: &str| hit.headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    assert_eq!(value("authorization").as_deref(), Some("Bearer demo-customer-token"));
    assert_eq!(value("teamup-provider-id").as_deref(), Some("100"));
    assert!(value("user-agent").unwrap().starts_with("checkout-gateway/"), "the browser's own is not passed on");
    assert!(value("api-key").is_none() && value("organization-id").is_none(), "never the Uelz secrets");

    // A POST: its body and Content-Type go as they are.
    let r = env
        .client
        .post(env.url("/v1/teamup/auth/oauth/token"))
        .header("Origin", ORIGIN)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("grant_type=authorization_code&code=abc&client_id=x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let hit = hits.lock().unwrap().last().unwrap().clone();
    assert_eq!((hit.method.as_str(), hit.body.as_str()), ("POST", "grant_type=authorization_code&code=abc&client_id=x"));
    assert!(hit.headers.contains(&("content-type".into(), "application/x-www-form-urlencoded".into())));

    // A redirect is not followed (nor passed on); a huge answer and a silent upstream are 502s.
    envelope(teamup_get(&env, "memberships").send().await.unwrap(), 502, "upstream_error").await;
    envelope(teamup_get(&env, "slots").send().await.unwrap(), 502, "upstream_error").await;
    let started = std::time::Instant::now();
    envelope(teamup_get(&env, "customer_memberships").send().await.unwrap(), 502, "upstream_unavailable").await;
    assert!(started.elapsed() < Duration::from_secs(3));
    let paths: Vec<String> = hits.lock().unwrap().iter().map(|h| h.uri.clone()).collect();
    assert!(!paths.iter().any(|p| p.contains("steal")), "{paths:?}");
}

/// Sends `request` (a raw HTTP/1.1 head, no body) and returns the whole answer.
async fn raw(base: &str, request: &str) -> String {
    let addr = base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(request.replace("{host}", addr).as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn it_is_not_an_open_proxy() {
    let (env, hits) = through_fake().await;
    let base = env.gateway.url();

    // Paths written raw, exactly as an attacker would send them (a client library would tidy
    // some of them up first).
    let paths = [
        "/v1/teamup/../v1/plans",
        "/v1/teamup/../../etc/passwd",
        "/v1/teamup/memberships/1/../../customers",
        "/v1/teamup/memberships/..%2F..%2Fcustomers",
        "/v1/teamup/memberships%2F1",
        "/v1/teamup/%2e%2e/uelz/plans",
        "/v1/teamup/%2Fevil.example/api",
        "/v1/teamup//evil.example/api/v2/events",
        "/v1/teamup/events/",
        "/v1/teamup/events;x=1",
        "/v1/teamup/events%3Fx=1",
        "/v1/teamup/customers",
        "/v1/teamup/auth/oauth/authorize",
        "/v1/teamup/memberships/abc",
        "/v1/teamup/memberships/1/initiate_purchase/extra",
        "/v1/teamup/",
        "/v1/teamup",
        "/v1/teamupevents",
    ];
    for path in paths {
        let head = format!("GET {path} HTTP/1.1\r\nHost: {{host}}\r\nOrigin: {ORIGIN}\r\nAuthorization: Bearer x\r\nConnection: close\r\n\r\n");
        let answer = raw(&base, &head).await;
        let refused = answer.starts_with("HTTP/1.1 400") || (answer.starts_with("HTTP/1.1 404") && answer.contains("\"code\":\"not_found\""));
        assert!(refused, "{path}: {answer}");
        assert!(hits.lock().unwrap().is_empty(), "{path} reached the upstream");
    }
    // An absolute-form target naming another host still only reaches the listed path upstream.
    let answer = raw(&base, &format!("GET http://evil.example/v1/teamup/customers HTTP/1.1\r\nHost: evil.example\r\nOrigin: {ORIGIN}\r\nConnection: close\r\n\r\n")).await;
    assert!(answer.starts_with("HTTP/1.1 404") && answer.contains("\"code\":\"not_found\""), "{answer}");

    // Other methods on listed paths, and listed methods on other paths.
    for (method, path) in [
        ("PUT", "events"),
        ("DELETE", "memberships/1"),
        ("PATCH", "auth/profiles"),
        ("POST", "events"),
        ("GET", "memberships/1/initiate_purchase"),
        ("GET", "auth/oauth/token"),
        ("HEAD", "events"),
    ] {
        let r = env
            .client
            .request(method.parse().unwrap(), env.url(&format!("/v1/teamup/{path}")))
            .header("Origin", ORIGIN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 405, "{method} {path}");
    }

    // State changes without an allowed Origin, and bodies over the cap.
    let post = |origin: Option<&str>, body: String| {
        let mut rb = env.client.post(env.url("/v1/teamup/memberships/1/initiate_purchase")).header("Content-Type", "application/json").body(body);
        if let Some(o) = origin {
            rb = rb.header("Origin", o);
        }
        rb.send()
    };
    envelope(post(None, "{}".into()).await.unwrap(), 403, "origin_not_allowed").await;
    envelope(post(Some("https://evil.example"), "{}".into()).await.unwrap(), 403, "origin_not_allowed").await;
    envelope(post(Some(ORIGIN), format!("{{\"pad\":\"{}\"}}", "x".repeat(17 * 1024))).await.unwrap(), 413, "payload_too_large").await;

    // None of it reached the upstream.
    let seen = hits.lock().unwrap().clone();
    assert!(seen.is_empty(), "{seen:?}");

    // CORS: the widget's headers are allowed for the studio's origin only.
    let pre = |origin: &'static str| {
        env.preflight("/v1/teamup/events", origin, "GET", "authorization,teamup-provider-id,teamup-request-mode")
    };
    let r = pre(ORIGIN).await;
    let allowed = r.headers()["access-control-allow-headers"].to_str().unwrap().to_ascii_lowercase();
    for h in ["authorization", "teamup-provider-id", "teamup-request-mode", "content-type", "accept"] {
        assert!(allowed.contains(h), "{allowed}");
    }
    let r = pre("https://evil.example").await;
    assert!(!r.headers().contains_key("access-control-allow-origin"));
    assert!(!r.headers().contains_key("access-control-allow-headers"));
}

#[tokio::test]
async fn the_pass_through_has_its_own_rate_limit() {
    let (fake, _) = fake_teamup().await;
    let env = start_with(|c| {
        c.teamup_base = Some(fake);
        c.teamup_rate_limit = RateLimit { requests: 2, per: Duration::from_secs(60) };
        c.rate_limit = RateLimit { requests: 2, per: Duration::from_secs(60) };
    })
    .await;
    assert_eq!(teamup_get(&env, "events").send().await.unwrap().status(), 200);
    assert_eq!(teamup_get(&env, "events").send().await.unwrap().status(), 200);
    let r = teamup_get(&env, "events").send().await.unwrap();
    assert!(r.headers().contains_key("retry-after"));
    envelope(r, 429, "rate_limited").await;
    // The Uelz routes still have their own two.
    assert_eq!(env.get("/v1/plans").await.status(), 200);
}
