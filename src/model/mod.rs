//! The vendors' answers as their documents give them, and nothing else: [`teamup`] (TeamUp v2's
//! resources) and [`uelz`] (the gateway's answers), plus the one answer both share, the
//! [`Offer`]. Parsing is lenient on purpose: unknown fields are ignored and optional fields
//! default, so a vendor adding a field never blanks the widget. How a value is worded for the
//! customer is `i18n::labels`'s.

use serde::{Deserialize, Serialize};

use crate::time::parse_rfc3339_ms;

pub mod teamup;
pub mod uelz;

/// An offer to pay: TeamUp's `initiate_purchase` answer
/// (memberships/endpoints_memberships-initiate-purchase-create.md), and the gateway's to `POST
/// /purchases` in the same shape.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub struct Offer {
    pub next_url: String,
    pub expires_at: String,
}

impl Offer {
    pub fn expires_at_ms(&self) -> Option<f64> {
        parse_rfc3339_ms(&self.expires_at)
    }
}
