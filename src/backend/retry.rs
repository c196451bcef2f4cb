//! When to send a request again, in plain Rust so the policy is unit tested.
//!
//! Reads are safe to repeat. A TeamUp `initiate_purchase` is not (it has no idempotency key), so it
//! is repeated only when the server said it did nothing (429, 503); a Uelz purchase carries its
//! `external_id`, so the gateway's answer decides like a read.

use super::error::ApiError;

/// Attempts in all, the first included.
pub const MAX_ATTEMPTS: u32 = 3;
/// A server asking for a longer wait than this is reported instead of waited for.
pub const MAX_WAIT_MS: u32 = 10_000;
const BASE_DELAY_MS: f64 = 400.0;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Decision {
    Stop,
    RetryAfterMs(u32),
}

/// Whether repeating the request could change anything on the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repeat {
    /// GETs, and POSTs with an idempotency key.
    Safe,
    /// Only when the server said it did nothing.
    OnlyIfRefused,
}

/// `attempt` is 1-based (the attempt that just failed); `random` in [0, 1) spreads clients out
/// (full jitter) so a recovering server isn't hit by everyone at once.
pub fn after_failure(error: &ApiError, attempt: u32, retry_after_ms: Option<u32>, repeat: Repeat, random: f64) -> Decision {
    if attempt >= MAX_ATTEMPTS {
        return Decision::Stop;
    }
    let refused = matches!(error.status(), Some(429 | 503));
    let transient = match error {
        ApiError::Network(_) | ApiError::Timeout | ApiError::Malformed(_) => true,
        // Asking again would be refused again: nothing was sent.
        ApiError::LinkRefused(_) => false,
        ApiError::Http { status, .. } => matches!(status, 408 | 429 | 500 | 502 | 503 | 504),
    };
    let allowed = match repeat {
        Repeat::Safe => transient,
        Repeat::OnlyIfRefused => refused,
    };
    if !allowed {
        return Decision::Stop;
    }
    match retry_after_ms {
        Some(wait) if wait > MAX_WAIT_MS => Decision::Stop,
        Some(wait) => Decision::RetryAfterMs(wait),
        None => {
            let ceiling = BASE_DELAY_MS * f64::from(1u32 << (attempt - 1).min(8));
            let jittered = (random.clamp(0.0, 1.0) * ceiling).max(100.0);
            Decision::RetryAfterMs(jittered as u32)
        }
    }
}

/// `Retry-After` as delta-seconds (the HTTP-date form is read by the caller with the platform's
/// `Date`). Absurd values are capped rather than trusted.
pub fn parse_retry_after_seconds(value: &str) -> Option<u32> {
    let v = value.trim();
    if v.is_empty() || v.len() > 9 || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse::<u32>().ok().map(|secs| secs.saturating_mul(1000))
}

/// Did the server possibly act on a request whose answer we didn't get or couldn't read?
/// (Refusals and validation errors say it didn't.)
pub fn outcome_unknown(error: &ApiError) -> bool {
    match error {
        ApiError::Network(_) | ApiError::Timeout | ApiError::Malformed(_) => true,
        ApiError::LinkRefused(_) => false,
        ApiError::Http { status, .. } => matches!(status, 500 | 502 | 504),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http(status: u16) -> ApiError {
        ApiError::from_response(status, "")
    }

    #[test]
    fn reads_retry_transient_failures_with_growing_jittered_delays() {
        for error in [ApiError::Timeout, ApiError::Network("reset".into()), ApiError::Malformed("x".into()), http(502), http(500)] {
            assert!(matches!(after_failure(&error, 1, None, Repeat::Safe, 0.5), Decision::RetryAfterMs(_)), "{error:?}");
        }
        assert_eq!(after_failure(&ApiError::Timeout, 1, None, Repeat::Safe, 0.99), Decision::RetryAfterMs(396));
        assert_eq!(after_failure(&ApiError::Timeout, 2, None, Repeat::Safe, 0.99), Decision::RetryAfterMs(792));
        assert_eq!(after_failure(&ApiError::Timeout, 1, None, Repeat::Safe, 0.0), Decision::RetryAfterMs(100), "never a busy loop");
        assert_eq!(after_failure(&ApiError::Timeout, MAX_ATTEMPTS, None, Repeat::Safe, 0.5), Decision::Stop, "bounded");
        for status in [400, 401, 403, 404, 409, 422] {
            assert_eq!(after_failure(&http(status), 1, None, Repeat::Safe, 0.5), Decision::Stop, "{status} won't change by asking again");
        }
    }

    #[test]
    fn retry_after_is_honoured_within_reason() {
        assert_eq!(after_failure(&http(429), 1, Some(2000), Repeat::Safe, 0.5), Decision::RetryAfterMs(2000));
        assert_eq!(after_failure(&http(503), 1, Some(60_000), Repeat::Safe, 0.5), Decision::Stop);
        assert_eq!(parse_retry_after_seconds(" 3 "), Some(3000));
        assert_eq!(parse_retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after_seconds("-1"), None);
        assert_eq!(parse_retry_after_seconds("99999999999"), None);
    }

    #[test]
    fn a_purchase_without_a_key_is_repeated_only_after_a_refusal() {
        for error in [ApiError::Timeout, ApiError::Network("reset".into()), ApiError::Malformed("x".into()), http(500), http(502), http(504)] {
            assert_eq!(after_failure(&error, 1, None, Repeat::OnlyIfRefused, 0.5), Decision::Stop, "{error:?} may have acted");
            assert!(outcome_unknown(&error), "{error:?}");
        }
        assert_eq!(after_failure(&http(429), 1, Some(1000), Repeat::OnlyIfRefused, 0.5), Decision::RetryAfterMs(1000));
        assert!(matches!(after_failure(&http(503), 1, None, Repeat::OnlyIfRefused, 0.5), Decision::RetryAfterMs(_)));
        for status in [400, 401, 404, 422, 429, 503] {
            assert!(!outcome_unknown(&http(status)), "{status} says the server did nothing");
        }
        let refused = ApiError::LinkRefused("https://evil.example/".into());
        assert!(!outcome_unknown(&refused), "a refused link was never sent");
        for repeat in [Repeat::Safe, Repeat::OnlyIfRefused] {
            assert_eq!(after_failure(&refused, 1, None, repeat, 0.5), Decision::Stop, "it would only be refused again");
        }
    }
}
