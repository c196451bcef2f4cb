//! Load: 10,000 `POST /api/v2/memberships/101/initiate_purchase` over loopback at concurrency
//! 64; every one must be 200 and make exactly one purchase. Bounded for CI (under 120 s even in
//! a debug build). See the figures with
//! `cargo test -p checkout-sandbox --test load -- --nocapture`.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{start, ALEX, RETURN_TO};
use serde_json::{json, Value};

const REQUESTS: usize = 10_000;
const CONCURRENCY: usize = 64;
const BUDGET: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_initiate_purchases_at_concurrency_64() {
    // 10,000 request-log lines would only slow the run down.
    std::env::set_var("CHECKOUT_SANDBOX_QUIET", "1");
    let api = start().await;
    let url = api.url("/api/v2/memberships/101/initiate_purchase");
    let client = checkout_common::load::client(CONCURRENCY);
    let body = json!({"customer": 4242, "return_to": RETURN_TO});

    let outcome = checkout_common::load::run(REQUESTS, CONCURRENCY, move |_| {
        let request = client.post(&url).headers(ALEX.headers()).json(&body);
        async move {
            let r = request.send().await.map_err(|e| e.to_string())?;
            if r.status() != 200 {
                return Err(format!("status {}", r.status()));
            }
            let v = r.json::<Value>().await.map_err(|e| e.to_string())?;
            match v["next_url"].as_str() {
                Some(u) if v["expires_at"].is_string() => Ok(u.to_string()),
                _ => Err(format!("unexpected body {v}")),
            }
        }
    })
    .await;

    let purchases = api.sandbox().purchases();
    outcome.report(
        "sandbox initiate_purchase",
        &format!("purchases created {} (expected {REQUESTS})", purchases.len()),
    );
    let next_urls: HashSet<&str> = outcome.answers.iter().map(|(_, u)| u.as_str()).collect();
    assert_eq!(
        next_urls.len(),
        REQUESTS,
        "every answer has its own payment link"
    );
    assert_eq!(
        purchases.len(),
        REQUESTS,
        "exactly one purchase per request"
    );
    let ids: HashSet<u64> = purchases.iter().map(|p| p.id).collect();
    assert_eq!(ids.len(), REQUESTS, "purchase ids are distinct");
    let links: HashSet<&str> = purchases.iter().map(|p| p.next_url.as_str()).collect();
    assert_eq!(links.len(), REQUESTS);
    assert!(
        links.iter().all(|l| next_urls.contains(*l)),
        "the recorded purchases are the ones answered"
    );
    assert!(purchases
        .iter()
        .all(|p| p.membership == 101 && p.customer == 4242 && p.payment_plan.is_none()));
    assert!(outcome.elapsed < BUDGET, "took {:?}", outcome.elapsed);
}
