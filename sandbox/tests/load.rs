//! Load: 10,000 `POST /api/v2/memberships/101/initiate_purchase` over loopback at concurrency
//! 64; every one must be 200 and make exactly one purchase. Bounded for CI (under 120 s even in
//! a debug build). See the figures with
//! `cargo test -p checkout-sandbox --test load -- --nocapture`.

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{start, ALEX, RETURN_TO};
use serde_json::{json, Value};

const REQUESTS: usize = 10_000;
const CONCURRENCY: usize = 64;
const BUDGET: Duration = Duration::from_secs(120);

/// p-th percentile (0–100) of sorted samples, in milliseconds.
fn percentile(sorted: &[Duration], p: usize) -> f64 {
    let i = (sorted.len() * p / 100).min(sorted.len() - 1);
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_initiate_purchases_at_concurrency_64() {
    // 10,000 request-log lines would only slow the run down.
    std::env::set_var("CHECKOUT_SANDBOX_QUIET", "1");
    let api = start().await;
    let url = api.url("/api/v2/memberships/101/initiate_purchase");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONCURRENCY)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let body = json!({"customer": 4242, "return_to": RETURN_TO});
    let next = Arc::new(AtomicUsize::new(0));

    let started = Instant::now();
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (client, url, body, next) =
                (client.clone(), url.clone(), body.clone(), next.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = Vec::new();
                let mut next_urls = Vec::new();
                while next.fetch_add(1, Ordering::Relaxed) < REQUESTS {
                    let t = Instant::now();
                    let result = client
                        .post(&url)
                        .headers(ALEX.headers())
                        .json(&body)
                        .send()
                        .await;
                    let outcome = match result {
                        Ok(r) if r.status() == 200 => {
                            r.json::<Value>().await.map_err(|e| e.to_string())
                        }
                        Ok(r) => Err(format!("status {}", r.status())),
                        Err(e) => Err(e.to_string()),
                    };
                    latencies.push(t.elapsed());
                    match outcome {
                        Ok(v) => match v["next_url"].as_str() {
                            Some(u) if v["expires_at"].is_string() => next_urls.push(u.to_string()),
                            _ => errors.push(format!("unexpected body {v}")),
                        },
                        Err(e) => errors.push(e),
                    }
                }
                (latencies, errors, next_urls)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(REQUESTS);
    let mut errors = Vec::new();
    let mut next_urls = HashSet::with_capacity(REQUESTS);
    for w in workers {
        let (l, e, u) = w.await.unwrap();
        latencies.extend(l);
        errors.extend(e);
        next_urls.extend(u);
    }
    let elapsed = started.elapsed();

    let purchases = api.sandbox().purchases();
    latencies.sort();
    println!(
        "load sandbox initiate_purchase: {} requests, concurrency {CONCURRENCY}, {:.0} req/s, p50 {:.1} ms, p99 {:.1} ms, errors {}, purchases created {} (expected {REQUESTS})",
        latencies.len(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 50),
        percentile(&latencies, 99),
        errors.len(),
        purchases.len(),
    );

    assert_eq!(latencies.len(), REQUESTS);
    assert!(
        errors.is_empty(),
        "{} errors, first: {:?}",
        errors.len(),
        errors.first()
    );
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
    assert!(elapsed < BUDGET, "took {elapsed:?}");
}
