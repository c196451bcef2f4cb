//! The studio data the sandbox serves: the structure `--dump-data` prints and `--data FILE.json`
//! loads. It is stored close to TeamUp's objects but flat (ids instead of nested objects, plain
//! numbers instead of Money) so a studio can write its own file by hand; the API layer renders
//! the TeamUp shapes from it.

mod demo;

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::times::{serde_ts, Zone};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StudioData {
    pub providers: Vec<Provider>,
    /// API credentials and the profiles they sign in as.
    pub users: Vec<User>,
    #[serde(default)]
    pub offering_types: Vec<OfferingType>,
    #[serde(default)]
    pub venues: Vec<Venue>,
    #[serde(default)]
    pub instructors: Vec<Instructor>,
    #[serde(default)]
    pub memberships: Vec<Membership>,
    #[serde(default)]
    pub payment_plans: Vec<PaymentPlan>,
    #[serde(default)]
    pub events: Vec<Event>,
    #[serde(default)]
    pub slots: Vec<Slot>,
    /// Memberships customers hold (paying for a purchase adds one).
    #[serde(default)]
    pub customer_memberships: Vec<CustomerMembership>,
    /// Customers' registrations for classes and appointments (paying for a purchase with a
    /// class or a slot adds one).
    #[serde(default)]
    pub attendances: Vec<Attendance>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    pub id: u64,
    pub name: String,
    /// tz database name, e.g. "Europe/London".
    pub timezone: String,
    pub currency: Currency,
    /// ISO 3166 alpha-2, e.g. "GB".
    pub country: String,
    #[serde(default)]
    pub description: String,
    /// The studio's postal address (TeamUp's deferred `address`, which also carries `timezone`).
    #[serde(default)]
    pub street: String,
    #[serde(default)]
    pub street_secondary: Option<String>,
    #[serde(default)]
    pub city: String,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub postal_code: String,
}

impl Provider {
    /// Unknown zone names fall back to UTC (the CLI warns at start-up).
    pub fn zone(&self) -> Zone {
        Zone::named_or_utc(&self.timezone)
    }

    /// Whether the sandbox models this time zone (otherwise it uses UTC).
    pub fn zone_known(&self) -> bool {
        Zone::named(&self.timezone).is_some()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Currency {
    pub iso_currency_code: String,
    pub symbol: String,
    /// "before" or "after" the amount.
    pub position: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// The value after `Bearer `/`Token `/`JWT ` in the Authorization header.
    pub token: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub profiles: Vec<Profile>,
}

impl User {
    pub fn name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
            .trim()
            .to_string()
    }
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum ProfileType {
    Customer,
    Staff,
}

impl ProfileType {
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileType::Customer => "customer",
            ProfileType::Staff => "staff",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Customer profile id (the `customer` of initiate_purchase) or staff profile id.
    pub id: u64,
    pub provider: u64,
    pub profile_type: ProfileType,
    /// Staff permissions, e.g. ["super_admin"].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permissions: Vec<String>,
    /// A customer who has held a membership before: memberships with
    /// `new_customers_only` are refused to them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub existing_member: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OfferingType {
    pub id: u64,
    pub provider: u64,
    pub name: String,
    /// Appointment offering types are booked through slots, class types through events.
    #[serde(default)]
    pub is_appointment: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Venue {
    pub id: u64,
    pub provider: u64,
    pub name: String,
    /// One-line postal address ("1 Mill Lane, London E1 6AA").
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub rooms: Vec<Room>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Room {
    pub id: u64,
    pub name: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Instructor {
    pub id: u64,
    pub provider: u64,
    pub name: String,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MembershipType {
    Pack,
    RecurringPlan,
    PrepaidPlan,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Membership {
    pub id: u64,
    pub provider: u64,
    #[serde(rename = "type")]
    pub kind: MembershipType,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub begin_on_first_registration: bool,
    /// "YYYY-MM-DD"
    #[serde(default)]
    pub start_date: Option<String>,
    #[serde(default)]
    pub expiration_date: Option<String>,
    #[serde(default)]
    pub duration: Option<u32>,
    /// "days" | "weeks" | "months"
    #[serde(default)]
    pub duration_unit: Option<String>,
    #[serde(default)]
    pub one_time_fee: f64,
    pub price: f64,
    #[serde(default)]
    pub display_price: Option<f64>,
    #[serde(default)]
    pub use_prorate: bool,
    #[serde(default)]
    pub category: Option<u64>,
    #[serde(default)]
    pub is_dropin: bool,
    #[serde(default = "yes")]
    pub for_sale: bool,
    #[serde(default = "yes")]
    pub allow_repeat_purchases: bool,
    #[serde(default = "yes")]
    pub visible_to_customers: bool,
    #[serde(default)]
    pub purchasable_only_by_provider: bool,
    #[serde(default)]
    pub new_customers_only: bool,
    /// URL of the membership's terms, if any.
    #[serde(default)]
    pub terms: Option<String>,
    #[serde(default)]
    pub is_draft: bool,
    /// Offering types this membership books (TeamUp's "permits registration for").
    #[serde(default)]
    pub offering_types: Vec<u64>,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    ForSale,
    Unavailable,
}

impl PlanStatus {
    pub fn parse(s: &str) -> Option<PlanStatus> {
        match s {
            "for_sale" => Some(PlanStatus::ForSale),
            "unavailable" => Some(PlanStatus::Unavailable),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::ForSale => "for_sale",
            PlanStatus::Unavailable => "unavailable",
        }
    }
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum BillingUnit {
    Months,
    Weeks,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PaymentPlan {
    pub id: u64,
    pub membership: u64,
    pub status: PlanStatus,
    pub price: f64,
    pub billing_period_length: u32,
    pub billing_period_unit: BillingUnit,
    #[serde(default)]
    pub committed_billing_periods: Option<u32>,
    #[serde(default)]
    pub fixed_billing_day_of_month: Option<u8>,
    #[serde(default)]
    pub fixed_billing_day_of_week: Option<String>,
    #[serde(default = "continue_by_period")]
    pub commitment_expiration_scheme: String,
    #[serde(default)]
    pub cancellation_notice_days: Option<u32>,
    #[serde(default = "purchase_date")]
    pub enrollment_schedule: String,
    /// Display text; derived from the billing fields when empty.
    #[serde(default)]
    pub duration_description: String,
    /// Display text such as "£79.00 every month"; derived when empty.
    #[serde(default)]
    pub price_with_period: String,
    #[serde(default)]
    pub joining_fee: Option<JoiningFee>,
}

fn continue_by_period() -> String {
    "continue_by_period".into()
}
fn purchase_date() -> String {
    "purchase_date".into()
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct JoiningFee {
    pub id: u64,
    pub amount: f64,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum EventStatus {
    Active,
    Cancelled,
}

impl EventStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Active => "active",
            EventStatus::Cancelled => "cancelled",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub id: u64,
    pub provider: u64,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(with = "serde_ts")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "serde_ts")]
    pub ends_at: OffsetDateTime,
    pub status: EventStatus,
    /// None or 0: unlimited (TeamUp's rule).
    #[serde(default)]
    pub max_occupancy: Option<u32>,
    #[serde(default)]
    pub attending_count: u32,
    #[serde(default)]
    pub waiting_count: u32,
    pub venue: u64,
    #[serde(default)]
    pub venue_room: Option<u64>,
    pub offering_type: u64,
    #[serde(default)]
    pub instructors: Vec<u64>,
    /// An appointment booked from a slot (paying for a purchase with a slot makes one).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_appointment: bool,
}

impl Event {
    pub fn is_full(&self) -> bool {
        matches!(self.max_occupancy, Some(n) if n > 0 && self.attending_count >= n)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Slot {
    /// Opaque string id; clients must pass it through verbatim.
    pub id: String,
    pub provider: u64,
    pub offering_type: u64,
    pub instructor: u64,
    pub venue: u64,
    #[serde(default)]
    pub venue_room: Option<u64>,
    #[serde(with = "serde_ts")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "serde_ts")]
    pub ends_at: OffsetDateTime,
    /// false once booked (paying for a purchase that holds it books it).
    #[serde(default = "yes")]
    pub available: bool,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CustomerMembershipStatus {
    Active,
    Hold,
    Completed,
    Cancelled,
}

impl CustomerMembershipStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CustomerMembershipStatus::Active => "active",
            CustomerMembershipStatus::Hold => "hold",
            CustomerMembershipStatus::Completed => "completed",
            CustomerMembershipStatus::Cancelled => "cancelled",
        }
    }
}

/// A membership a customer holds (TeamUp's customer membership).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CustomerMembership {
    pub id: u64,
    pub provider: u64,
    /// The customer profile id.
    pub customer: u64,
    pub membership: u64,
    #[serde(default)]
    pub payment_plan: Option<u64>,
    pub status: CustomerMembershipStatus,
    /// "YYYY-MM-DD"
    pub start_date: String,
    #[serde(default)]
    pub expiration_date: Option<String>,
    pub renewal_date: String,
    /// What each billing period (or the one purchase) costs.
    pub billed: f64,
}

/// A customer's registration for an event (a class, or an appointment booked from a slot).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Attendance {
    pub id: u64,
    pub provider: u64,
    pub customer: u64,
    pub event: u64,
    /// "registered", "attended", "no_show", "late_cancelled" or "not_registered".
    pub status: String,
    #[serde(default)]
    pub customer_membership: Option<u64>,
}

impl StudioData {
    /// The built-in studio, with its schedule laid out from `now` onwards.
    pub fn demo_at(now: OffsetDateTime) -> StudioData {
        demo::build(now)
    }

    pub fn demo() -> StudioData {
        demo::build(OffsetDateTime::now_utc())
    }

    pub fn from_json(text: &str) -> Result<StudioData, String> {
        let data: StudioData =
            serde_json::from_str(text).map_err(|e| format!("invalid studio data: {e}"))?;
        data.validate()?;
        Ok(data)
    }

    pub fn load(path: &Path) -> Result<StudioData, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        StudioData::from_json(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("studio data serialises")
    }

    pub fn provider(&self, id: u64) -> Option<&Provider> {
        self.providers.iter().find(|p| p.id == id)
    }
    pub fn membership(&self, id: u64) -> Option<&Membership> {
        self.memberships.iter().find(|m| m.id == id)
    }
    pub fn plan(&self, id: u64) -> Option<&PaymentPlan> {
        self.payment_plans.iter().find(|p| p.id == id)
    }
    pub fn event(&self, id: u64) -> Option<&Event> {
        self.events.iter().find(|e| e.id == id)
    }
    pub fn slot(&self, id: &str) -> Option<&Slot> {
        self.slots.iter().find(|s| s.id == id)
    }
    pub fn offering_type(&self, id: u64) -> Option<&OfferingType> {
        self.offering_types.iter().find(|o| o.id == id)
    }
    pub fn venue(&self, id: u64) -> Option<&Venue> {
        self.venues.iter().find(|v| v.id == id)
    }
    pub fn room(&self, venue: u64, room: u64) -> Option<&Room> {
        self.venue(venue)
            .and_then(|v| v.rooms.iter().find(|r| r.id == room))
    }
    pub fn instructor(&self, id: u64) -> Option<&Instructor> {
        self.instructors.iter().find(|i| i.id == id)
    }
    pub fn user_by_token(&self, token: &str) -> Option<&User> {
        self.users.iter().find(|u| u.token == token)
    }
    /// The user owning a profile, with that profile.
    pub fn profile(&self, id: u64, kind: ProfileType) -> Option<(&User, &Profile)> {
        self.users.iter().find_map(|u| {
            u.profiles
                .iter()
                .find(|p| p.id == id && p.profile_type == kind)
                .map(|p| (u, p))
        })
    }

    /// Checks the references a hand-written file could get wrong; every problem is reported.
    pub fn validate(&self) -> Result<(), String> {
        let mut problems = Vec::new();
        let mut dup = |what: &str, ids: Vec<String>| {
            let mut seen = HashSet::new();
            for id in ids {
                if !seen.insert(id.clone()) {
                    problems.push(format!("duplicate {what} id {id}"));
                }
            }
        };
        dup(
            "provider",
            self.providers.iter().map(|p| p.id.to_string()).collect(),
        );
        dup(
            "membership",
            self.memberships.iter().map(|m| m.id.to_string()).collect(),
        );
        dup(
            "payment plan",
            self.payment_plans
                .iter()
                .map(|p| p.id.to_string())
                .collect(),
        );
        dup(
            "event",
            self.events.iter().map(|e| e.id.to_string()).collect(),
        );
        dup("slot", self.slots.iter().map(|s| s.id.clone()).collect());
        dup(
            "offering type",
            self.offering_types
                .iter()
                .map(|o| o.id.to_string())
                .collect(),
        );
        dup(
            "venue",
            self.venues.iter().map(|v| v.id.to_string()).collect(),
        );
        dup(
            "instructor",
            self.instructors.iter().map(|i| i.id.to_string()).collect(),
        );
        dup(
            "user token",
            self.users.iter().map(|u| u.token.clone()).collect(),
        );
        dup(
            "profile",
            self.users
                .iter()
                .flat_map(|u| {
                    u.profiles
                        .iter()
                        .map(|p| format!("{} ({})", p.id, p.profile_type.as_str()))
                })
                .collect(),
        );

        let provider_ok = |id: u64| self.provider(id).is_some();
        for p in &self.providers {
            if p.currency.position != "before" && p.currency.position != "after" {
                problems.push(format!(
                    "provider {}: currency.position must be \"before\" or \"after\"",
                    p.id
                ));
            }
        }
        for u in &self.users {
            if u.token.trim().is_empty() {
                problems.push(format!("user {}: empty token", u.email));
            }
            for p in &u.profiles {
                if !provider_ok(p.provider) {
                    problems.push(format!("profile {}: unknown provider {}", p.id, p.provider));
                }
            }
        }
        for o in &self.offering_types {
            if !provider_ok(o.provider) {
                problems.push(format!(
                    "offering type {}: unknown provider {}",
                    o.id, o.provider
                ));
            }
        }
        for m in &self.memberships {
            if !provider_ok(m.provider) {
                problems.push(format!(
                    "membership {}: unknown provider {}",
                    m.id, m.provider
                ));
            }
            for o in &m.offering_types {
                if self.offering_type(*o).is_none() {
                    problems.push(format!("membership {}: unknown offering type {o}", m.id));
                }
            }
        }
        for p in &self.payment_plans {
            match self.membership(p.membership) {
                None => problems.push(format!(
                    "payment plan {}: unknown membership {}",
                    p.id, p.membership
                )),
                Some(m) if m.kind != MembershipType::RecurringPlan => problems.push(format!(
                    "payment plan {}: membership {} is not a recurring_plan",
                    p.id, p.membership
                )),
                _ => {}
            }
            if p.billing_period_length == 0 {
                problems.push(format!(
                    "payment plan {}: billing_period_length must be at least 1",
                    p.id
                ));
            }
        }
        for e in &self.events {
            if !provider_ok(e.provider) {
                problems.push(format!("event {}: unknown provider {}", e.id, e.provider));
            }
            if self.offering_type(e.offering_type).is_none() {
                problems.push(format!(
                    "event {}: unknown offering type {}",
                    e.id, e.offering_type
                ));
            }
            if self.venue(e.venue).is_none() {
                problems.push(format!("event {}: unknown venue {}", e.id, e.venue));
            }
            if e.ends_at < e.starts_at {
                problems.push(format!("event {}: ends before it starts", e.id));
            }
        }
        for s in &self.slots {
            if s.id.trim().is_empty() {
                problems.push("slot with an empty id".to_string());
            }
            if !provider_ok(s.provider) {
                problems.push(format!("slot {}: unknown provider {}", s.id, s.provider));
            }
            if self.offering_type(s.offering_type).is_none() {
                problems.push(format!(
                    "slot {}: unknown offering type {}",
                    s.id, s.offering_type
                ));
            }
            if self.instructor(s.instructor).is_none() {
                problems.push(format!(
                    "slot {}: unknown instructor {}",
                    s.id, s.instructor
                ));
            }
            if self.venue(s.venue).is_none() {
                problems.push(format!("slot {}: unknown venue {}", s.id, s.venue));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_round_trips_through_json() {
        let demo = StudioData::demo();
        let text = demo.to_json_pretty();
        let back = StudioData::from_json(&text).expect("dumped demo data loads");
        assert_eq!(back, demo);
    }

    #[test]
    fn validation_reports_bad_references() {
        let mut d = StudioData::demo();
        d.payment_plans[0].membership = 999;
        let err = d.validate().unwrap_err();
        assert!(err.contains("unknown membership 999"), "{err}");
    }
}
