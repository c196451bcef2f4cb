//! Load: 10,000 `POST /v1/purchases` through the gateway to the real sandbox over loopback at
//! concurrency 64. 9,000 attempts have their own `external_id`; 1,000 are retries that repeat
//! one of those ids with the identical body (some while the first is still in flight). Every
//! answer must be 201 with the attempt's one purchase, and the sandbox must end up with exactly
//! 9,000 Uelz purchases: none lost, none duplicated. Bounded for CI (under 120 s even in a debug
//! build). See the figures with `cargo test -p checkout-gateway --test load -- --nocapture`.

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use checkout_gateway::{LogTarget, RateLimit};
use common::{envelope, gateway_config, sandbox, token_for, ALEX, CARD, ORIGIN, RETURN_TO};
use serde_json::{json, Value};

const REQUESTS: usize = 10_000;
const DISTINCT: usize = 9_000;
const CONCURRENCY: usize = 64;
const BUDGET: Duration = Duration::from_secs(120);

fn external_id(n: usize) -> String {
    format!("load-attempt-{n:05}")
}

fn body(n: usize, alex: &str) -> Value {
    json!({
        "plan": CARD,
        "external_id": external_id(n),
        "customer": {"token": alex},
        "return_to": RETURN_TO,
    })
}

/// Request `i` → the attempt it belongs to: 0..9,000 are first tries; each of the last 1,000
/// repeats attempt `(i * 7919) % 9,000` (spread over the whole run, so some overlap the first try).
fn attempt_of(i: usize) -> usize {
    if i < DISTINCT {
        i
    } else {
        (i * 7919) % DISTINCT
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_purchases_with_retries_at_concurrency_64() {
    std::env::set_var("CHECKOUT_SANDBOX_QUIET", "1");
    let sandbox = sandbox().await;
    let (mut config, _) = gateway_config(&sandbox.url());
    config.rate_limit = RateLimit {
        requests: 1_000_000,
        per: Duration::from_secs(60),
    };
    config.log = LogTarget::Off;
    config.upstream_timeout = Duration::from_secs(30);
    let gateway = checkout_gateway::spawn(config)
        .await
        .expect("gateway starts");
    let url = format!("{}/v1/purchases", gateway.url());
    let client = checkout_common::load::client(CONCURRENCY);

    // Retries come after their first try in the queue (attempt_of(i) < i for every retry), but
    // with 64 in flight some still overlap it.
    let order: Arc<Vec<usize>> = Arc::new((0..REQUESTS).map(attempt_of).collect());
    assert_eq!(
        order.iter().collect::<HashSet<_>>().len(),
        DISTINCT,
        "the plan"
    );
    // Alex's identity, signed by the studio's server (one page view's token, reused by every try).
    let alex = Arc::new(token_for(ALEX));
    let outcome = {
        let (client, url, order, alex) = (client.clone(), url.clone(), order.clone(), alex.clone());
        checkout_common::load::run(REQUESTS, CONCURRENCY, move |i| {
            let attempt = order[i];
            let request = client.post(&url).header("Origin", ORIGIN).json(&body(attempt, &alex));
            async move {
                let answer = async {
                    let r = request.send().await.map_err(|e| e.to_string())?;
                    if r.status() != 201 {
                        return Err(format!("status {}: {}", r.status(), r.text().await.unwrap_or_default()));
                    }
                    r.json::<Value>().await.map_err(|e| e.to_string())
                };
                answer.await.map_err(|e| format!("{}: {e}", external_id(attempt)))
            }
        })
        .await
    };

    let records = sandbox.sandbox().unwrap().uelz_purchases();
    outcome.report(
        "gateway purchases",
        &format!("purchases created {} (expected {DISTINCT})", records.len()),
    );
    // Request i made attempt order[i].
    let answers: Vec<(usize, &Value)> = outcome.answers.iter().map(|(i, v)| (order[*i], v)).collect();
    assert_eq!(answers.len(), REQUESTS, "every answer is 201");

    // The sandbox: exactly one purchase per attempt, for the right plan and customer.
    assert_eq!(records.len(), DISTINCT, "none lost, none duplicated");
    let mut by_external: HashMap<String, String> = HashMap::new();
    for r in &records {
        assert_eq!(r["plan"], CARD, "{r}");
        assert_eq!(r["customer"], ALEX, "{r}");
        let ext = r["external_id"].as_str().expect("external_id").to_string();
        let id = r["id"].as_str().unwrap().to_string();
        assert!(by_external.insert(ext, id).is_none(), "duplicate: {r}");
    }

    // Every answer carries its attempt's one purchase, retries included.
    let mut seen: HashMap<usize, usize> = HashMap::new();
    for (attempt, v) in &answers {
        let want = &by_external[&external_id(*attempt)];
        assert_eq!(v["purchase_id"], want.as_str(), "{v}");
        let next_url = v["next_url"].as_str().unwrap_or_default();
        assert!(
            next_url.starts_with(&format!("{}/checkout/{want}?return_url=", sandbox.url())),
            "{v}"
        );
        assert!(v["expires_at"].is_string(), "{v}");
        *seen.entry(*attempt).or_default() += 1;
    }
    assert_eq!(seen.len(), DISTINCT);
    assert_eq!(
        seen.values().filter(|n| **n > 1).count(),
        1000,
        "1,000 retried attempts"
    );

    // Still bounded after the run: an oversized body is refused with the envelope.
    let mut big = body(0, &alex);
    big["padding"] = json!("x".repeat(17 * 1024));
    let r = client
        .post(&url)
        .header("Origin", ORIGIN)
        .json(&big)
        .send()
        .await
        .unwrap();
    envelope(r, 413, "payload_too_large").await;
    assert_eq!(sandbox.sandbox().unwrap().uelz_purchases().len(), DISTINCT);

    assert!(outcome.elapsed < BUDGET, "took {:?}", outcome.elapsed);
}
