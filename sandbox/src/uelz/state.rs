//! Uelz run-time state: the catalogue (customers grow at run time) and the purchases.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;
use time::{Date, OffsetDateTime};

use super::data::UelzData;

/// Purchase statuses (Uelz's list, plus `incomplete` before checkout: ASSUMPTION).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UelzStatus {
    Incomplete,
    Pending,
    Trialing,
    Active,
    Succeeded,
    Canceled,
}

impl UelzStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UelzStatus::Incomplete => "incomplete",
            UelzStatus::Pending => "pending",
            UelzStatus::Trialing => "trialing",
            UelzStatus::Active => "active",
            UelzStatus::Succeeded => "succeeded",
            UelzStatus::Canceled => "canceled",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PurchaseType {
    Unique,
    Subscription,
}

/// The request fields that decide whether a repeated `external_id` is "the same request".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PurchaseRequest {
    pub plan: Option<String>,
    pub customer: Option<String>,
    pub external_id: Option<String>,
    pub coupon: Option<String>,
    pub billing_configuration: Option<String>,
    pub currency: Option<String>,
    pub payment_method: Option<String>,
    pub service_activation_date: Option<String>,
    pub end_date: Option<String>,
    /// The merchant-on-behalf query parameter.
    pub merchant: Option<String>,
}

/// A stored purchase; serialises as the API response.
#[derive(Clone, Debug, Serialize)]
pub struct Purchase {
    pub id: String,
    pub object: &'static str,
    #[serde(rename = "type")]
    pub kind: PurchaseType,
    pub status: UelzStatus,
    pub plan: String,
    pub customer: String,
    pub external_id: Option<String>,
    pub coupon: Option<String>,
    pub billing_configuration: Option<String>,
    pub currency: String,
    #[serde(serialize_with = "cents")]
    pub amount: i64,
    #[serde(serialize_with = "cents")]
    pub discount_amount: i64,
    #[serde(serialize_with = "cents")]
    pub amount_due: i64,
    pub payment_method: Option<String>,
    #[serde(serialize_with = "opt_date")]
    pub service_activation_date: Option<Date>,
    #[serde(serialize_with = "opt_date")]
    pub end_date: Option<Date>,
    #[serde(serialize_with = "date")]
    pub first_charge_date: Date,
    pub merchant_id: Option<String>,
    #[serde(with = "crate::times::serde_ts")]
    pub created_at: OffsetDateTime,
    #[serde(skip)]
    pub request: PurchaseRequest,
}

impl Purchase {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("a purchase serialises")
    }
}

fn cents<S: serde::Serializer>(c: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(crate::money::cents_to_f64(*c))
}

fn date<S: serde::Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&super::data::format_date(*d))
}

fn opt_date<S: serde::Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => date(d, s),
        None => s.serialize_none(),
    }
}

pub(crate) struct UelzState {
    pub data: UelzData,
    pub purchases: Vec<Purchase>,
}

impl UelzState {
    pub fn new(data: UelzData) -> Self {
        UelzState {
            data,
            purchases: Vec::new(),
        }
    }

    pub fn purchase(&self, id: &str) -> Option<&Purchase> {
        self.purchases.iter().find(|p| p.id == id)
    }

    pub fn by_external_id(&self, external_id: &str) -> Option<&Purchase> {
        self.purchases
            .iter()
            .find(|p| p.external_id.as_deref() == Some(external_id))
    }
}

/// A cuid-like id: `prefix` then lower-case base-36 characters, 25 in all, unique per process.
pub fn new_id(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos() as u128;
    let mut out = prefix.to_string();
    out += &base36(nanos / 1_000_000, 9);
    out += &base36(n as u128, 4);
    // Some randomness so ids from two runs don't collide in shared logs.
    let r = {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(n);
        h.write_u128(nanos);
        h.finish() as u128
    };
    let rest = 25usize.saturating_sub(out.len());
    out += &base36(r, rest);
    out
}

/// The last `width` base-36 digits of `n`, zero-padded.
fn base36(mut n: u128, width: usize) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut v = vec![b'0'; width];
    for slot in v.iter_mut().rev() {
        *slot = DIGITS[(n % 36) as usize];
        n /= 36;
    }
    String::from_utf8(v).expect("ascii")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_cuids_and_differ() {
        let a = new_id("clpu");
        let b = new_id("clpu");
        assert_eq!(a.len(), 25);
        assert!(a.starts_with("clpu"));
        assert!(a
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        assert_ne!(a, b);
        assert_eq!(base36(35, 3), "00z");
    }
}
