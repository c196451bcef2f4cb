//! The load tests' harness (sandbox/tests/load.rs, gateway/tests/load.rs): a number of requests
//! sent by a fixed number of workers, each request timed, and the figures printed alike.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The HTTP client of a load test: one pooled connection per worker kept open, no Nagle delay,
/// 30 s for any one request.
pub fn client(concurrency: usize) -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()
        .expect("the load test's HTTP client")
}

/// What a run gave: every request's latency (sorted), the failures, the successful answers.
pub struct Outcome<T> {
    pub latencies: Vec<Duration>,
    pub errors: Vec<String>,
    /// `(request number, answer)` of every request that succeeded, in no particular order.
    pub answers: Vec<(usize, T)>,
    pub elapsed: Duration,
    pub concurrency: usize,
    /// How many requests were asked for.
    pub requests: usize,
}

/// Sends requests `0..requests` with `concurrency` workers; `send(i)` makes request `i` and says
/// what came back, or what went wrong.
pub async fn run<T, F, Fut>(requests: usize, concurrency: usize, send: F) -> Outcome<T>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, String>> + Send,
{
    let send = Arc::new(send);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (send, next) = (send.clone(), next.clone());
            tokio::spawn(async move {
                let (mut latencies, mut errors, mut answers) = (Vec::new(), Vec::new(), Vec::new());
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= requests {
                        break;
                    }
                    let t = Instant::now();
                    let result = send(i).await;
                    latencies.push(t.elapsed());
                    match result {
                        Ok(answer) => answers.push((i, answer)),
                        Err(e) => errors.push(e),
                    }
                }
                (latencies, errors, answers)
            })
        })
        .collect();
    let mut outcome = Outcome {
        latencies: Vec::with_capacity(requests),
        errors: Vec::new(),
        answers: Vec::with_capacity(requests),
        elapsed: Duration::ZERO,
        concurrency,
        requests,
    };
    for worker in workers {
        let (latencies, errors, answers) = worker.await.expect("a load worker panicked");
        outcome.latencies.extend(latencies);
        outcome.errors.extend(errors);
        outcome.answers.extend(answers);
    }
    outcome.elapsed = started.elapsed();
    outcome.latencies.sort();
    outcome
}

impl<T> Outcome<T> {
    /// The p-th percentile (0–100) of the latencies, in milliseconds.
    pub fn percentile_ms(&self, p: usize) -> f64 {
        let Some(last) = self.latencies.len().checked_sub(1) else { return 0.0 };
        self.latencies[(self.latencies.len() * p / 100).min(last)].as_secs_f64() * 1000.0
    }

    /// The figures line both load tests print:
    /// `load NAME: N requests, concurrency C, R req/s, p50 … ms, p99 … ms, errors E, CREATED`.
    pub fn figures(&self, name: &str, created: &str) -> String {
        format!(
            "load {name}: {} requests, concurrency {}, {:.0} req/s, p50 {:.1} ms, p99 {:.1} ms, errors {}, {created}",
            self.latencies.len(),
            self.concurrency,
            self.latencies.len() as f64 / self.elapsed.as_secs_f64(),
            self.percentile_ms(50),
            self.percentile_ms(99),
            self.errors.len(),
        )
    }

    /// Panics with the first of the errors, if there were any.
    #[track_caller]
    pub fn assert_no_errors(&self) {
        assert!(self.errors.is_empty(), "{} errors, first: {:?}", self.errors.len(), self.errors.first());
    }

    /// Prints the figures line, then checks that every request was sent and none failed.
    #[track_caller]
    pub fn report(&self, name: &str, created: &str) {
        println!("{}", self.figures(name, created));
        assert_eq!(self.latencies.len(), self.requests, "every request was sent");
        self.assert_no_errors();
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_request_is_sent_once_and_counted() {
        let outcome = super::run(1000, 8, |i| async move {
            if i % 100 == 7 {
                Err(format!("request {i} failed"))
            } else {
                Ok(i * 2)
            }
        })
        .await;
        assert_eq!(outcome.latencies.len(), 1000);
        assert!(outcome.latencies.windows(2).all(|w| w[0] <= w[1]), "sorted");
        assert_eq!(outcome.errors.len(), 10);
        let mut answered: Vec<usize> = outcome.answers.iter().map(|(i, a)| {
            assert_eq!(*a, i * 2);
            *i
        }).collect();
        answered.sort();
        assert_eq!(answered, (0..1000).filter(|i| i % 100 != 7).collect::<Vec<_>>());
        let line = outcome.figures("test", "made 990");
        assert!(line.starts_with("load test: 1000 requests, concurrency 8, "), "{line}");
        assert!(line.ends_with(", errors 10, made 990"), "{line}");
        assert!(outcome.percentile_ms(50) <= outcome.percentile_ms(99));
        assert_eq!(outcome.requests, 1000);
        let failed = std::panic::catch_unwind(|| outcome.report("test", "made 990"));
        assert!(failed.is_err(), "report refuses a run with errors");
    }
}
