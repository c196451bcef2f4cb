//! Property tests for the widget's plain-Rust parsers: nothing panics on arbitrary input (random
//! strings and bytes, and structured near-valid input: JSON with the right keys but wrong types,
//! huge numbers, nulls, nested garbage, unicode, very long strings), and key invariants hold.
//!
//! Native only: proptest does not build for wasm32-unknown-unknown (see Cargo.toml).
#![cfg(not(target_arch = "wasm32"))]
// proptest generator tuples read better inline than behind type aliases
#![allow(clippy::type_complexity)]

mod auth_props;
mod backend_props;
mod checkout_props;
mod generators;
mod model_props;
mod redirect_props;
mod settings_props;
mod time_props;
mod url_props;

use generators::*;

use std::collections::HashMap;

use membership_checkout::backend::error::ApiError;
use membership_checkout::i18n::{Lang, Tr};
use membership_checkout::backend::http::{read_offer, Reply};
use membership_checkout::backend::teamup::customer_id_for;
use membership_checkout::checkout::uelz::{is_plausible_email, uuid_v4, Attempt};
use membership_checkout::auth::{strip_return_params, RETURN_PARAMS};
use membership_checkout::checkout::PendingOffer;
use membership_checkout::model::uelz::{CouponQuote, Period, PlansReply, Price, UelzPlan};
use membership_checkout::model::teamup::{
    Attendance, CustomerMembership, Event, JoiningFeeField, Membership, Money, PaymentPlan, Profile, Provider, Related, Slot,
};
use membership_checkout::model::Offer;
use membership_checkout::time::{format_countdown, format_rfc3339_ms, is_iso_date, parse_rfc3339_ms};
use membership_checkout::url::encode;
use membership_checkout::redirect::{allow_entry, check_payment_url, Refusal};
use membership_checkout::settings::{self, is_absolute_http_url, origin_of, Backend, RequestMode};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// DRF's page envelope as TeamUp's list pages show it (the widget reads it raw, page by page).
#[derive(Debug, serde::Deserialize)]
struct Page<T> {
    results: Vec<T>,
}

/// Cheap properties run this many cases; the JSON and settings ones use proptest's default (256).
const MANY: u32 = 2048;

/// Failures are reported with their shrunk input and kept as unit tests next to the code, not as
/// `.proptest-regressions` files. `PROPTEST_CASES=n` sets every property's case count for a
/// deeper (slower) run.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(cases);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}
