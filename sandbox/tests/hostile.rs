//! Hostile mode over real HTTP: each trick rewrites the normal answers, the foreign server
//! records what reaches it, and the hook changes the tricks while the sandbox runs.

mod common;

use checkout_sandbox::hostile::{parse_tricks, List, NextUrl, Trick, MARKUP};
use checkout_sandbox::{Config, Hostile};
use common::*;
use serde_json::{json, Value};

async fn hostile(tricks: &[Trick]) -> (Api, Hostile) {
    let hostile = Hostile::new(tricks);
    let api = start_with(Config::demo().with_hostile(hostile.clone())).await;
    (api, hostile)
}

fn buy() -> Value {
    json!({"return_to": RETURN_TO, "customer": 4242})
}

#[tokio::test]
async fn links_point_at_the_foreign_server_which_records_every_request() {
    let (api, hostile) = hostile(&[Trick::ForeignPlans, Trick::ForeignNext(List::Events)]).await;
    let foreign = hostile.foreign_url().expect("the foreign server runs");
    assert_ne!(foreign, api.running.url(), "another port");

    let (status, page) = api.get("/api/v2/memberships?page_size=100").await;
    assert_eq!(status, 200);
    for m in page["results"].as_array().unwrap() {
        let plans = m["plans"].as_str().unwrap();
        assert_eq!(plans, format!("{foreign}/api/v2/membership_payment_plans?membership={}", m["id"]));
    }
    assert!(page["next"].is_null(), "only the armed list's next is moved");
    let (_, events) = api.get("/api/v2/events").await;
    assert_eq!(events["next"], format!("{foreign}/api/v2/events?page=2"));
    assert!(!events["results"].as_array().unwrap().is_empty(), "the answer is the real one otherwise");

    assert!(hostile.foreign_requests().is_empty());
    let (status, _) = api.get_as(ALEX, events["next"].as_str().unwrap()).await;
    assert_eq!(status, 200, "the foreign server answers like an API would");
    let seen = hostile.foreign_requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].method, "GET");
    assert_eq!(seen[0].target, "/api/v2/events?page=2");
    assert_eq!(seen[0].authorization.as_deref(), Some("Bearer demo-customer-token"), "it records what a thief would want");

    // The hook shows the same, and forgets on request.
    let (_, state) = api.send(api.client.get(api.url("/__sandbox/hostile"))).await;
    assert_eq!(state["foreign"], foreign);
    assert_eq!(state["tricks"], json!(["foreign-plans", "foreign-next:events"]));
    assert_eq!(state["foreign_requests"][0]["target"], "/api/v2/events?page=2");
    let (_, state) = api.send(api.client.delete(api.url("/__sandbox/hostile/requests"))).await;
    assert_eq!(state["foreign_requests"], json!([]));
}

#[tokio::test]
async fn every_unsafe_next_url_can_be_chosen_and_rotate_goes_through_them_all() {
    let (api, hostile) = hostile(&[]).await;
    let foreign = hostile.foreign_url().unwrap();
    let foreign_authority = foreign.trim_start_matches("http://");
    let sandbox_authority = api.running.url().trim_start_matches("http://").to_string();
    let mut expected = Vec::new();
    for kind in NextUrl::KINDS {
        let (status, state) = api
            .send(api.client.post(api.url("/__sandbox/hostile")).json(&json!({"tricks": [format!("next-url:{}", kind.as_str())]})))
            .await;
        assert_eq!(status, 200, "{state}");
        let (status, offer) = api.purchase_json(ALEX, 101, buy()).await;
        assert_eq!(status, 200, "{offer}");
        let next_url = offer["next_url"].as_str().unwrap().to_string();
        let expires = time::OffsetDateTime::parse(offer["expires_at"].as_str().unwrap(), &time::format_description::well_known::Rfc3339).unwrap();
        let past = expires < time::OffsetDateTime::now_utc();
        match kind {
            NextUrl::Javascript => assert!(next_url.starts_with("javascript:"), "{next_url}"),
            NextUrl::Data => assert!(next_url.starts_with("data:text/html,<script>"), "{next_url}"),
            NextUrl::ProtocolRelative => assert!(next_url.starts_with(&format!("//{foreign_authority}/pay/")), "{next_url}"),
            NextUrl::Userinfo => assert!(next_url.starts_with(&format!("http://{sandbox_authority}@{foreign_authority}/pay/")), "{next_url}"),
            NextUrl::Lookalike => assert!(next_url.starts_with("https://127.0.0.1.evil.example/pay/"), "{next_url}"),
            NextUrl::HttpForeign => assert!(next_url.starts_with("http://pay.evil.example/pay/"), "{next_url}"),
            NextUrl::ForeignPort => assert!(next_url.starts_with(&format!("{foreign}/pay/")), "{next_url}"),
            NextUrl::Expired => assert!(next_url.starts_with(&format!("{}/pay/", api.running.url())), "{next_url}"),
            NextUrl::Rotate => unreachable!(),
        }
        assert_eq!(past, kind == NextUrl::Expired, "{kind:?}: expires_at {expires}");
        expected.push(next_url.split(':').next().unwrap().to_string());
    }
    hostile.arm(&[Trick::NextUrl(NextUrl::Rotate)]);
    let mut rotated = Vec::new();
    for _ in NextUrl::KINDS {
        let (_, offer) = api.purchase_json(ALEX, 101, buy()).await;
        rotated.push(offer["next_url"].as_str().unwrap().split(':').next().unwrap().to_string());
    }
    assert_eq!(rotated, expected, "rotate answers each kind in turn");
    let (status, body) = api.send(api.client.post(api.url("/__sandbox/hostile")).json(&json!({"tricks": ["next-url:ftp"]}))).await;
    assert_eq!((status.as_u16(), body["error"].as_str()), (400, Some("invalid_trick")));
}

#[tokio::test]
async fn strings_carry_markup_and_the_date_is_an_hour_off() {
    let (api, _hostile) = hostile(&[Trick::Markup, Trick::DateSkew]).await;
    let resp = api.client.get(api.url("/api/v2/memberships")).headers(ALEX.headers()).send().await.unwrap();
    let date = httpdate(resp.headers()["date"].to_str().unwrap());
    let ahead = date - time::OffsetDateTime::now_utc();
    assert!(ahead > time::Duration::minutes(59) && ahead < time::Duration::minutes(61), "Date is {ahead} ahead");
    let page: Value = resp.json().await.unwrap();
    let first = &page["results"][0];
    assert!(first["name"].as_str().unwrap().ends_with(MARKUP), "{first}");
    assert!(first["id"].is_u64() && first["type"].is_string() && !first["type"].as_str().unwrap().contains('<'), "data stays data: {first}");
    let (_, events) = api.get("/api/v2/events").await;
    let event = &events["results"][0];
    assert!(event["name"].as_str().unwrap().contains("<script>"), "{event}");
    assert!(!event["starts_at"].as_str().unwrap().contains('<'));
}

#[tokio::test]
async fn the_events_chain_never_ends_or_loops() {
    let (api, hostile) = hostile(&[Trick::EndlessEvents]).await;
    let mut url = api.url("/api/v2/events?status=active");
    let mut seen_results = 0;
    for page in 1..=30 {
        let (status, body) = api.get_as(ALEX, &url).await;
        assert_eq!(status, 200, "page {page}: {body}");
        seen_results += body["results"].as_array().unwrap().len();
        let next = body["next"].as_str().unwrap_or_else(|| panic!("page {page} ends the chain"));
        assert!(next.ends_with(&format!("page={}", page + 1)), "{next}");
        url = next.to_string();
    }
    assert!(seen_results > 0, "the first page is the real one");
    hostile.arm(&[Trick::LoopingEvents]);
    let (_, body) = api.get("/api/v2/events?status=active").await;
    assert_eq!(body["next"], api.url("/api/v2/events?status=active"));
}

#[tokio::test]
async fn without_tricks_the_answers_are_the_normal_ones() {
    let (api, _hostile) = hostile(&[]).await;
    let (_, honest) = api.get("/api/v2/memberships").await;
    let plain = start().await;
    let (_, normal) = plain.get("/api/v2/memberships").await;
    // Links name each server's own port: compared without their origin.
    fn strip(v: Value) -> Value {
        match v {
            Value::String(s) if s.starts_with("http://127.0.0.1:") => {
                Value::String(s.trim_start_matches("http://127.0.0.1:").trim_start_matches(|c: char| c.is_ascii_digit()).to_string())
            }
            Value::Array(items) => Value::Array(items.into_iter().map(strip).collect()),
            Value::Object(fields) => Value::Object(fields.into_iter().map(|(k, v)| (k, strip(v))).collect()),
            other => other,
        }
    }
    assert_eq!(strip(honest), strip(normal));
    assert_eq!(parse_tricks("").unwrap(), Trick::DEFAULT);
}

fn httpdate(s: &str) -> time::OffsetDateTime {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(s, &format).unwrap().assume_utc()
}
