//! Shared mutable state behind the `Sandbox` handle: the studio data (which purchases change:
//! booked slots, attendance) and the purchases made through `initiate_purchase`.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::config::{Config, OAuthClient, UelzConfig};
use crate::data::{Attendance, BillingUnit, CustomerMembership, CustomerMembershipStatus, Event, EventStatus, PlanStatus, StudioData};
use crate::faults::{Fault, FaultOptions, FaultRegistry, FaultRoute, FaultSpec, Taken};
use crate::oauth::{OAuthState, OAuthStats};
use crate::times::format_utc;
use crate::uelz::state::UelzState;

/// Cloneable handle on a sandbox's state, for tests and the binary.
#[derive(Clone)]
pub struct Sandbox {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub offer_lifetime: Duration,
    pub public_url: Option<String>,
    /// What `reset` restores.
    initial: StudioData,
    /// "http://<bound addr>", the last resort for absolute links.
    listen_base: RwLock<Option<String>>,
    state: Mutex<State>,
    /// Uelz settings; its `data` is what `reset` restores.
    uelz: UelzConfig,
    faults: Mutex<FaultRegistry>,
    oauth_clients: Vec<OAuthClient>,
    access_token_lifetime: Duration,
    oauth_code_lifetime: Duration,
}

pub(crate) struct State {
    pub data: StudioData,
    pub purchases: Vec<Purchase>,
    next_purchase_id: u64,
    pub uelz: UelzState,
    /// OAuth codes, issued tokens and counters (contract §6).
    pub oauth: OAuthState,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PurchaseStatus {
    Pending,
    Paid,
    Cancelled,
}

impl PurchaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PurchaseStatus::Pending => "pending",
            PurchaseStatus::Paid => "paid",
            PurchaseStatus::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for PurchaseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

// So tests can write `record.status == "paid"` as well as comparing enums.
impl PartialEq<str> for PurchaseStatus {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}
impl PartialEq<&str> for PurchaseStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// A purchase as the test hooks show it (`GET /__sandbox/purchases`, `Sandbox::purchases`).
/// Timestamps are strings in the API's format (`2026-11-23T10:15:00.000Z`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PurchaseRecord {
    pub id: u64,
    pub membership: u64,
    pub payment_plan: Option<u64>,
    pub event: Option<u64>,
    pub appointment_slot: Option<String>,
    pub customer: u64,
    pub return_to: String,
    /// A pending purchase past `expires_at` has lapsed; it stays "pending" here.
    pub status: PurchaseStatus,
    pub created_at: String,
    pub expires_at: String,
    pub provider: u64,
    pub next_url: String,
    /// The JSON body initiate_purchase received, as sent (`None` for a form body): lets a test
    /// check exactly what a client sends.
    pub body: Option<serde_json::Value>,
}

pub(crate) struct Purchase {
    pub id: u64,
    pub token: String,
    pub provider: u64,
    pub membership: u64,
    pub payment_plan: Option<u64>,
    pub event: Option<u64>,
    pub appointment_slot: Option<String>,
    pub customer: u64,
    pub return_to: String,
    pub status: PurchaseStatus,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub next_url: String,
    pub body: Option<serde_json::Value>,
}

impl Purchase {
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        self.status == PurchaseStatus::Pending && now < self.expires_at
    }

    pub fn record(&self) -> PurchaseRecord {
        PurchaseRecord {
            id: self.id,
            membership: self.membership,
            payment_plan: self.payment_plan,
            event: self.event,
            appointment_slot: self.appointment_slot.clone(),
            customer: self.customer,
            return_to: self.return_to.clone(),
            status: self.status,
            created_at: format_utc(self.created_at),
            expires_at: format_utc(self.expires_at),
            provider: self.provider,
            next_url: self.next_url.clone(),
            body: self.body.clone(),
        }
    }
}

pub(crate) struct NewPurchase {
    pub provider: u64,
    pub membership: u64,
    pub payment_plan: Option<u64>,
    pub event: Option<u64>,
    pub appointment_slot: Option<String>,
    pub customer: u64,
    pub return_to: String,
    pub body: Option<serde_json::Value>,
}

impl State {
    /// The live offer holding a slot, if any (held slots are unavailable to other customers).
    pub fn slot_hold(&self, slot: &str, now: OffsetDateTime) -> Option<&Purchase> {
        self.purchases
            .iter()
            .find(|p| p.is_live(now) && p.appointment_slot.as_deref() == Some(slot))
    }

    /// Can `customer` take this slot now? Booked, past, or held by someone else: no.
    pub fn slot_open_for(&self, slot: &str, customer: Option<u64>, now: OffsetDateTime) -> bool {
        let Some(s) = self.data.slot(slot) else {
            return false;
        };
        if !s.available || s.starts_at <= now {
            return false;
        }
        match self.slot_hold(slot, now) {
            Some(hold) => Some(hold.customer) == customer,
            None => true,
        }
    }

    pub fn create_purchase(
        &mut self,
        new: NewPurchase,
        now: OffsetDateTime,
        lifetime: Duration,
        base_url: &str,
    ) -> &Purchase {
        let id = self.next_purchase_id;
        self.next_purchase_id += 1;
        let token = new_token();
        let lifetime = time::Duration::try_from(lifetime).unwrap_or(time::Duration::minutes(15));
        // TeamUp's timestamps have millisecond precision; keep expires_at exactly what we print.
        let now = now
            .replace_nanosecond(now.millisecond() as u32 * 1_000_000)
            .unwrap_or(now);
        self.purchases.push(Purchase {
            id,
            next_url: format!("{base_url}/pay/{token}"),
            token,
            provider: new.provider,
            membership: new.membership,
            payment_plan: new.payment_plan,
            event: new.event,
            appointment_slot: new.appointment_slot,
            customer: new.customer,
            return_to: new.return_to,
            status: PurchaseStatus::Pending,
            created_at: now,
            expires_at: now + lifetime,
            body: new.body,
        });
        self.purchases.last().expect("just pushed")
    }

    pub fn purchase_by_token(&self, token: &str) -> Option<&Purchase> {
        self.purchases.iter().find(|p| p.token == token)
    }

    /// Pays a live purchase: the customer now holds the membership (a customer membership),
    /// and its class or appointment is booked (an attendance; a slot becomes an appointment
    /// event). That is what the widget reads to confirm the purchase when the customer is back.
    pub fn complete(&mut self, token: &str, outcome: PurchaseStatus) {
        let Some(p) = self.purchases.iter_mut().find(|p| p.token == token) else {
            return;
        };
        p.status = outcome;
        if outcome != PurchaseStatus::Paid {
            return;
        }
        let (provider, customer, membership, plan) = (p.provider, p.customer, p.membership, p.payment_plan);
        let (slot, event) = (p.appointment_slot.clone(), p.event);
        let held = self.hold_membership(provider, customer, membership, plan, OffsetDateTime::now_utc());
        let booked = match (slot, event) {
            (Some(slot), _) => self.book_appointment(&slot),
            (None, Some(event)) => {
                let found = self.data.events.iter_mut().find(|e| e.id == event);
                found.map(|e| {
                    e.attending_count += 1;
                    e.id
                })
            }
            (None, None) => None,
        };
        if let Some(event) = booked {
            let id = self.data.attendances.iter().map(|a| a.id).max().unwrap_or(8000) + 1;
            self.data.attendances.push(Attendance {
                id,
                provider,
                customer,
                event,
                status: "registered".into(),
                customer_membership: held,
            });
        }
    }

    /// A new customer membership starting today (studio time); `None` for an unknown membership.
    fn hold_membership(
        &mut self,
        provider: u64,
        customer: u64,
        membership: u64,
        plan: Option<u64>,
        now: OffsetDateTime,
    ) -> Option<u64> {
        let zone = self.data.provider(provider)?.zone();
        let m = self.data.membership(membership)?;
        let plan = plan.and_then(|id| self.data.plan(id));
        let start = zone.to_local(now).date();
        let renewal = match plan {
            Some(p) => match p.billing_period_unit {
                BillingUnit::Months => add_months(start, p.billing_period_length),
                BillingUnit::Weeks => start + time::Duration::weeks(i64::from(p.billing_period_length)),
            },
            None => start,
        };
        let expiration = match (m.duration.filter(|d| *d > 0), m.duration_unit.as_deref()) {
            (Some(n), Some("months")) => Some(add_months(start, n)),
            (Some(n), Some("weeks")) => Some(start + time::Duration::weeks(i64::from(n))),
            (Some(n), _) => Some(start + time::Duration::days(i64::from(n))),
            (None, _) => None,
        };
        let id = self.data.customer_memberships.iter().map(|c| c.id).max().unwrap_or(7000) + 1;
        let billed = plan.map_or(m.price, |p| p.price);
        self.data.customer_memberships.push(CustomerMembership {
            id,
            provider,
            customer,
            membership,
            payment_plan: plan.map(|p| p.id),
            status: CustomerMembershipStatus::Active,
            start_date: iso_date(start),
            expiration_date: expiration.map(iso_date),
            renewal_date: iso_date(renewal),
            billed,
        });
        Some(id)
    }

    /// Books a slot: it is taken, and the appointment becomes an event of its own.
    fn book_appointment(&mut self, slot: &str) -> Option<u64> {
        let s = self.data.slots.iter_mut().find(|s| s.id == slot)?;
        s.available = false;
        let s = s.clone();
        let id = self.data.events.iter().map(|e| e.id).max().unwrap_or(0).max(90_000) + 1;
        let name = self.data.offering_type(s.offering_type).map(|o| o.name.clone()).unwrap_or_else(|| "Appointment".into());
        self.data.events.push(Event {
            id,
            provider: s.provider,
            name,
            description: String::new(),
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            status: EventStatus::Active,
            max_occupancy: Some(1),
            attending_count: 1,
            waiting_count: 0,
            venue: s.venue,
            venue_room: s.venue_room,
            offering_type: s.offering_type,
            instructors: vec![s.instructor],
            is_appointment: true,
        });
        Some(id)
    }
}

fn iso_date(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The same day `n` months later, or the month's last day when it is shorter.
fn add_months(d: time::Date, n: u32) -> time::Date {
    let months = d.year() * 12 + i32::from(u8::from(d.month())) - 1 + n as i32;
    let (year, month) = (months.div_euclid(12), time::Month::try_from((months.rem_euclid(12) + 1) as u8).unwrap_or(time::Month::January));
    let last = month.length(year);
    time::Date::from_calendar_date(year, month, d.day().min(last)).unwrap_or(d)
}

impl Sandbox {
    pub(crate) fn new(config: &Config) -> Sandbox {
        Sandbox {
            inner: Arc::new(Inner {
                offer_lifetime: config.offer_lifetime,
                public_url: config
                    .public_url
                    .as_ref()
                    .map(|u| u.trim_end_matches('/').to_string()),
                initial: config.data.clone(),
                listen_base: RwLock::new(None),
                state: Mutex::new(State {
                    data: config.data.clone(),
                    purchases: Vec::new(),
                    next_purchase_id: 1,
                    uelz: UelzState::new(config.uelz.data.clone()),
                    oauth: OAuthState::default(),
                }),
                uelz: config.uelz.clone(),
                faults: Mutex::new(FaultRegistry::default()),
                oauth_clients: config.oauth_clients.clone(),
                access_token_lifetime: config.access_token_lifetime,
                oauth_code_lifetime: config.oauth_code_lifetime,
            }),
        }
    }

    /// A poisoned lock only means a handler panicked mid-request; the data is still usable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn set_listen_base(&self, base: String) {
        *self
            .inner
            .listen_base
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Some(base);
    }

    pub(crate) fn listen_base(&self) -> Option<String> {
        self.inner
            .listen_base
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn offer_lifetime(&self) -> Duration {
        self.inner.offer_lifetime
    }

    /// Every purchase so far, oldest first.
    pub fn purchases(&self) -> Vec<PurchaseRecord> {
        self.lock().purchases.iter().map(Purchase::record).collect()
    }

    /// A snapshot of the current studio data (booked slots and attendance included).
    pub fn data(&self) -> StudioData {
        self.lock().data.clone()
    }

    /// Marks a payment plan "for_sale" or "unavailable", e.g. to test a plan withdrawn while
    /// the widget is open. Panics on an unknown plan id or status: that is a bug in the test.
    pub fn set_plan_status(&self, plan: u64, status: &str) {
        let status = PlanStatus::parse(status).unwrap_or_else(|| {
            panic!(
                "set_plan_status: status must be \"for_sale\" or \"unavailable\", got {status:?}"
            )
        });
        let mut state = self.lock();
        let p = state
            .data
            .payment_plans
            .iter_mut()
            .find(|p| p.id == plan)
            .unwrap_or_else(|| panic!("set_plan_status: no payment plan {plan}"));
        p.status = status;
    }

    /// Forgets every purchase (TeamUp and Uelz), restores the data the sandbox started with
    /// (so customers created at run time go), forgets OAuth codes and tokens (zeroing the
    /// counters) and disarms every fault.
    pub fn reset(&self) {
        let mut state = self.lock();
        state.data = self.inner.initial.clone();
        state.purchases.clear();
        state.next_purchase_id = 1;
        state.uelz = UelzState::new(self.inner.uelz.data.clone());
        state.oauth = OAuthState::default();
        drop(state);
        self.lock_faults().clear();
    }

    /// The OAuth counters, as `GET /__sandbox/oauth` reports them.
    pub fn oauth_stats(&self) -> OAuthStats {
        self.lock().oauth.stats(std::time::Instant::now())
    }

    /// Forgets every OAuth code and issued token and zeroes the counters
    /// (`DELETE /__sandbox/oauth`); the demo tokens keep working.
    pub fn reset_oauth(&self) {
        self.lock().oauth = OAuthState::default();
    }

    /// The registered OAuth clients.
    pub fn oauth_clients(&self) -> &[OAuthClient] {
        &self.inner.oauth_clients
    }

    /// Lifetime of issued access tokens (`expires_in`).
    pub fn access_token_lifetime(&self) -> Duration {
        self.inner.access_token_lifetime
    }

    pub(crate) fn oauth_code_lifetime(&self) -> Duration {
        self.inner.oauth_code_lifetime
    }

    pub fn uelz_config(&self) -> &UelzConfig {
        &self.inner.uelz
    }

    /// Every Uelz purchase so far, oldest first, as `POST /uelz/purchases` answered it (status
    /// as it is now).
    pub fn uelz_purchases(&self) -> Vec<serde_json::Value> {
        self.lock()
            .uelz
            .purchases
            .iter()
            .map(|p| p.to_json())
            .collect()
    }

    /// Arms a fault by its contract names, e.g. `inject_fault("uelz.purchases.create",
    /// "drop_after_acting", 1)`: the next `times` requests to that route suffer it (0 = every
    /// request until cleared). Panics on an unknown route or fault name: that is a bug in the test.
    pub fn inject_fault(&self, route: &str, fault: &str, times: u32) {
        self.inject_fault_with(route, fault, FaultOptions::times(times));
    }

    /// `inject_fault` with options, e.g. `inject_fault_with("*", "latency",
    /// FaultOptions::times(0).ms(50))` or `inject_fault_with("uelz.plans", "status_429",
    /// FaultOptions::times(2).retry_after(3))`. Panics on unknown names or an option the fault
    /// doesn't take (`ms`: latency, slow_trickle; `retry_after`: status_429, status_503).
    pub fn inject_fault_with(&self, route: &str, fault: &str, options: FaultOptions) {
        let spec = FaultSpec::from_names(route, fault, options)
            .unwrap_or_else(|e| panic!("inject_fault: {e}"));
        self.arm_fault(spec);
    }

    /// Typed form of `inject_fault`.
    pub fn inject(&self, route: FaultRoute, fault: Fault, times: u32) {
        self.inject_with(route, fault, FaultOptions::times(times));
    }

    /// Typed form of `inject_fault_with`; panics like it.
    pub fn inject_with(&self, route: FaultRoute, fault: Fault, options: FaultOptions) {
        let spec =
            FaultSpec::new(route, fault, options).unwrap_or_else(|e| panic!("inject_fault: {e}"));
        self.arm_fault(spec);
    }

    /// Arms a checked spec (e.g. parsed from `--fault`).
    pub fn arm_fault(&self, spec: FaultSpec) {
        self.lock_faults().arm(spec);
    }

    /// The armed faults as `GET /__sandbox/faults` lists them.
    pub fn faults(&self) -> serde_json::Value {
        self.lock_faults().to_json()
    }

    /// Disarms every fault (`DELETE /__sandbox/faults`).
    pub fn clear_faults(&self) {
        self.lock_faults().clear();
    }

    pub(crate) fn lock_faults(&self) -> MutexGuard<'_, FaultRegistry> {
        self.inner.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn take_fault(&self, route: FaultRoute) -> Option<Taken> {
        self.lock_faults().take(route)
    }
}

/// 128 random bits as hex. std's RandomState is seeded from the OS per thread and stepped
/// per instance, which is unpredictable enough for a local sandbox's payment links.
pub(crate) fn new_token() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
    let mut out = String::with_capacity(32);
    for half in 0..2u8 {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(n);
        h.write_i128(nanos);
        h.write_u8(half);
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_hex() {
        let a = new_token();
        let b = new_token();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn status_compares_with_str() {
        assert!(PurchaseStatus::Paid == "paid");
        assert!(PurchaseStatus::Pending != "paid");
        assert_eq!(
            serde_json::to_string(&PurchaseStatus::Cancelled).unwrap(),
            "\"cancelled\""
        );
    }
}
