//! One purchase attempt at a time per `external_id`, carried on to the end even when the
//! browser stops waiting.
//!
//! The widget sends an attempt again after a timeout or a lost answer. If the first try is still
//! talking to Uelz, a second one running beside it could find no customer yet and make another,
//! or race the first to `POST /purchases`. So the work of an attempt runs as its own task: a
//! request with the same attempt (same `external_id`, same fingerprint) waits for that task's
//! result instead of starting its own; one with the same `external_id` but a different body waits
//! until the first is done and then runs (and Uelz answers it 409). A request that gives up (the
//! gateway's purchase deadline) leaves the task running, so the customer it was making is made
//! exactly once and the next try finds it.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

struct Flight<T> {
    id: u64,
    fingerprint: String,
    done: watch::Receiver<Option<T>>,
}

pub struct Flights<T> {
    map: Arc<Mutex<HashMap<String, Flight<T>>>>,
    next_id: AtomicU64,
}

impl<T> Default for Flights<T> {
    fn default() -> Self {
        Flights { map: Arc::new(Mutex::new(HashMap::new())), next_id: AtomicU64::new(0) }
    }
}

/// Removes a finished (or panicked) flight from the map, if it is still the one there.
struct Landing<T> {
    map: Arc<Mutex<HashMap<String, Flight<T>>>>,
    key: String,
    id: u64,
}

impl<T> Drop for Landing<T> {
    fn drop(&mut self) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.get(&self.key).is_some_and(|f| f.id == self.id) {
            map.remove(&self.key);
        }
    }
}

enum Next<T> {
    Share(watch::Receiver<Option<T>>),
    WaitFor(watch::Receiver<Option<T>>),
}

impl<T: Clone + Send + Sync + 'static> Flights<T> {
    /// The result of the attempt `key` with `fingerprint`: of a task already running for it, or
    /// of `work` started now as a task of its own. `None` only if that task died (panicked).
    pub async fn run<F>(&self, key: &str, fingerprint: &str, work: impl FnOnce() -> F) -> Option<T>
    where
        F: Future<Output = T> + Send + 'static,
    {
        let mut work = Some(work);
        loop {
            let next = {
                let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
                match map.get(key) {
                    Some(f) if f.fingerprint == fingerprint => Next::Share(f.done.clone()),
                    Some(f) => Next::WaitFor(f.done.clone()),
                    None => {
                        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
                        let (tx, rx) = watch::channel(None);
                        map.insert(key.to_string(), Flight { id, fingerprint: fingerprint.to_string(), done: rx.clone() });
                        let landing = Landing { map: self.map.clone(), key: key.to_string(), id };
                        let fut = (work.take().expect("work is started once"))();
                        tokio::spawn(async move {
                            let out = fut.await;
                            // Off the map first, so whoever the result wakes finds the way clear.
                            drop(landing);
                            let _ = tx.send(Some(out));
                        });
                        Next::Share(rx)
                    }
                }
            };
            match next {
                Next::Share(mut rx) => {
                    return rx.wait_for(Option::is_some).await.ok().and_then(|v| v.clone());
                }
                Next::WaitFor(mut rx) => {
                    let _ = rx.wait_for(Option::is_some).await;
                }
            }
        }
    }

    /// Attempts in flight now (tests).
    pub fn in_flight(&self) -> usize {
        self.map.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    #[tokio::test]
    async fn the_same_attempt_shares_one_run_even_after_the_first_caller_gives_up() {
        let flights = Arc::new(Flights::<u32>::default());
        let runs = Arc::new(AtomicUsize::new(0));
        let work = |runs: Arc<AtomicUsize>| {
            move || async move {
                runs.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(200)).await;
                7
            }
        };
        // The first caller stops waiting after 50 ms; the task goes on.
        let gave_up = tokio::time::timeout(Duration::from_millis(50), flights.run("a", "f", work(runs.clone()))).await;
        assert!(gave_up.is_err());
        assert_eq!(flights.in_flight(), 1);
        // The retry joins it rather than starting a second run.
        assert_eq!(flights.run("a", "f", work(runs.clone())).await, Some(7));
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(flights.in_flight(), 0, "a finished flight lands");
        // Afterwards a new call runs again.
        assert_eq!(flights.run("a", "f", work(runs.clone())).await, Some(7));
        assert_eq!(runs.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_different_body_waits_for_the_running_one_then_runs() {
        let flights = Arc::new(Flights::<&'static str>::default());
        let order = Arc::new(Mutex::new(Vec::new()));
        let first = {
            let (flights, order) = (flights.clone(), order.clone());
            tokio::spawn(async move {
                flights
                    .run("a", "one", move || async move {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        order.lock().unwrap().push("one");
                        "one"
                    })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        let o = order.clone();
        let second = flights
            .run("a", "two", move || async move {
                o.lock().unwrap().push("two");
                "two"
            })
            .await;
        assert_eq!(second, Some("two"));
        assert_eq!(first.await.unwrap(), Some("one"));
        assert_eq!(*order.lock().unwrap(), ["one", "two"]);
        // Other keys don't wait for each other.
        assert_eq!(flights.run("b", "x", || async { "b" }).await, Some("b"));
    }

    #[tokio::test]
    async fn a_panicking_run_is_none_and_lands() {
        let flights = Flights::<u8>::default();
        let out = flights.run("p", "f", || async { panic!("boom") }).await;
        assert_eq!(out, None);
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert_eq!(flights.in_flight(), 0);
    }
}
