//! The vendors' APIs: one module per vendor ([`teamup`], [`uelz`]), each owning its client, its
//! request types and how its answers are read; [`http`] is the shared fetch layer (time limits,
//! the one-origin rule), [`retry`] when a request is sent again, [`error`] the shared error type,
//! [`session`] a widget's credentials and [`plans`] the payment plans the TeamUp client fills in
//! ahead of a choice. Nothing here decides what the customer sees next: that is the checkout's.
//!
//! Shared by both vendors: a [`Receipt`] (what to ask a platform about a purchase) and the
//! [`Confirmation`] its answer is read into.

use serde::{Deserialize, Serialize};

use teamup::BookingCheck;

pub mod error;
pub mod http;
pub mod json;
pub mod plans;
pub mod teamup;
pub mod uelz;
pub mod retry;
pub mod session;

/// What to ask the billing platform about a purchase when the customer comes back from its
/// payment page. Nothing in the address is trusted: the platforms don't document what they add
/// to `return_to`, and anyone can add `?outcome=paid`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(from = "StoredReceipt", into = "StoredReceipt")]
pub enum Receipt {
    /// Nothing to ask (an offer kept by an older version of the widget).
    #[default]
    None,
    /// TeamUp: the customer's memberships (`GET /customer_memberships`), and the registration
    /// when a class or an appointment was booked with it.
    TeamUp {
        customer: u64,
        membership: u64,
        booking: Option<BookingCheck>,
        /// The customer's memberships of this kind before the purchase (ids), so an older one is
        /// not taken for the new one; `None` if they couldn't be read.
        known: Option<Vec<u64>>,
        /// `YYYY-MM-DD`, the day before the purchase (UTC): without `known`, a membership
        /// starting earlier is not this purchase.
        since: String,
    },
    /// Uelz through the gateway: the attempt's `external_id` (its idempotency key), asked as
    /// `GET <gateway>/purchases/<external_id>` ([`uelz::status_confirmation`]).
    Uelz { external_id: String },
}

/// A [`Receipt`] as sessionStorage keeps it: flat, which serde reads in far fewer wasm bytes
/// than an enum of structs.
#[derive(Default, Serialize, Deserialize)]
#[serde(default)]
struct StoredReceipt {
    #[serde(skip_serializing_if = "Option::is_none")]
    customer: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    membership: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    class: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    appointment_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    known: Option<Vec<u64>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    since: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_id: Option<String>,
}

impl From<StoredReceipt> for Receipt {
    fn from(s: StoredReceipt) -> Receipt {
        match (s.customer, s.membership, s.external_id) {
            (Some(customer), Some(membership), _) => {
                let booking = match (s.class, s.appointment_at) {
                    (Some(event), _) => Some(BookingCheck::Class(event)),
                    (None, Some(at)) => Some(BookingCheck::AppointmentAt(at)),
                    (None, None) => None,
                };
                Receipt::TeamUp { customer, membership, booking, known: s.known, since: s.since.unwrap_or_default() }
            }
            (_, _, Some(external_id)) => Receipt::Uelz { external_id },
            _ => Receipt::None,
        }
    }
}

impl From<Receipt> for StoredReceipt {
    fn from(r: Receipt) -> StoredReceipt {
        match r {
            Receipt::None => StoredReceipt::default(),
            Receipt::TeamUp { customer, membership, booking, known, since } => {
                let (class, appointment_at) = match booking {
                    Some(BookingCheck::Class(event)) => (Some(event), None),
                    Some(BookingCheck::AppointmentAt(at)) => (None, Some(at)),
                    None => (None, None),
                };
                StoredReceipt { customer: Some(customer), membership: Some(membership), class, appointment_at, known, since: Some(since), external_id: None }
            }
            Receipt::Uelz { external_id } => StoredReceipt { external_id: Some(external_id), ..StoredReceipt::default() },
        }
    }
}

/// What the billing platform says about a purchase the customer came back from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirmation {
    /// Bought and in force (with its booking, if one was made).
    Active,
    /// Recorded but not complete yet: checking goes on.
    Pending,
    /// The payment failed.
    Failed,
    /// No such purchase (yet): paid moments ago and not recorded yet, cancelled, or never paid.
    NotFound,
}
