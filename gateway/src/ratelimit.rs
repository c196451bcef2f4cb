//! A token bucket per client IP (IPv6 clients share one per /64, as one host usually holds the
//! whole prefix).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::RateLimit;

/// Buckets kept before idle (full) ones are dropped.
const MAX_TRACKED: usize = 10_000;

pub struct RateLimiter {
    capacity: f64,
    per_second: f64,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl RateLimiter {
    pub fn new(limit: RateLimit) -> RateLimiter {
        let capacity = limit.requests.max(1) as f64;
        RateLimiter {
            capacity,
            per_second: capacity / limit.per.as_secs_f64().max(0.001),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `ip`, or says how long until one is there (whole seconds, at least 1).
    pub fn check(&self, ip: IpAddr, now: Instant) -> Result<(), u64> {
        let key = bucket_key(ip);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_TRACKED && !buckets.contains_key(&key) {
            let (cap, rate) = (self.capacity, self.per_second);
            buckets.retain(|_, b| b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * rate < cap);
        }
        let b = buckets.entry(key).or_insert(Bucket { tokens: self.capacity, at: now });
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.per_second).min(self.capacity);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            let wait = Duration::from_secs_f64((1.0 - b.tokens) / self.per_second);
            Err(wait.as_secs_f64().ceil().max(1.0) as u64)
        }
    }
}

fn bucket_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut seg = v6.segments();
                seg[4..].fill(0);
                IpAddr::V6(seg.into())
            }
        },
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_burst_up_to_capacity_then_waits() {
        let rl = RateLimiter::new(RateLimit { requests: 3, per: Duration::from_secs(60) });
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(rl.check(ip("10.0.0.1"), t0), Ok(()));
        }
        // One token every 20 s.
        assert_eq!(rl.check(ip("10.0.0.1"), t0), Err(20));
        assert_eq!(rl.check(ip("10.0.0.1"), t0 + Duration::from_secs(5)), Err(15));
        // Someone else is not affected.
        assert_eq!(rl.check(ip("10.0.0.2"), t0), Ok(()));
        assert_eq!(rl.check(ip("10.0.0.1"), t0 + Duration::from_secs(20)), Ok(()));
        assert!(rl.check(ip("10.0.0.1"), t0 + Duration::from_secs(20)).is_err());
        // Refills up to capacity, not beyond.
        let later = t0 + Duration::from_secs(3600);
        for _ in 0..3 {
            assert_eq!(rl.check(ip("10.0.0.1"), later), Ok(()));
        }
        assert!(rl.check(ip("10.0.0.1"), later).is_err());
    }

    #[test]
    fn retry_after_is_at_least_one_second() {
        let rl = RateLimiter::new(RateLimit { requests: 10, per: Duration::from_secs(1) });
        let t0 = Instant::now();
        for _ in 0..10 {
            rl.check(ip("127.0.0.1"), t0).unwrap();
        }
        assert_eq!(rl.check(ip("127.0.0.1"), t0), Err(1));
    }

    #[test]
    fn ipv6_shares_a_bucket_per_64_and_mapped_v4_is_v4() {
        let rl = RateLimiter::new(RateLimit { requests: 1, per: Duration::from_secs(60) });
        let t0 = Instant::now();
        assert!(rl.check(ip("2001:db8:1:2::1"), t0).is_ok());
        assert!(rl.check(ip("2001:db8:1:2::ffff"), t0).is_err());
        assert!(rl.check(ip("2001:db8:1:3::1"), t0).is_ok());
        assert!(rl.check(ip("192.0.2.7"), t0).is_ok());
        assert!(rl.check(ip("::ffff:192.0.2.7"), t0).is_err());
    }

    #[test]
    fn idle_buckets_are_forgotten_when_many() {
        let rl = RateLimiter::new(RateLimit { requests: 1, per: Duration::from_secs(1) });
        let t0 = Instant::now();
        for i in 0..MAX_TRACKED as u32 {
            rl.check(IpAddr::V4(i.into()), t0).unwrap();
        }
        rl.check(ip("255.255.255.255"), t0 + Duration::from_secs(5)).unwrap();
        assert!(rl.buckets.lock().unwrap().len() < 10);
    }
}
