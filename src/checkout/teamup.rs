//! TeamUp's choices: a membership, its payment plan when it is recurring, and a class or an
//! appointment slot to book with it; the `initiate_purchase` request they make, and what to ask
//! TeamUp about the purchase when the customer is back. The lifecycle after "continue" is the
//! shared one in [`super`].

use serde::{Deserialize, Serialize};

use super::{Checkout, Phase, Problems, VendorForm};
use crate::backend::teamup::{BookingCheck, PurchaseRequest};
use crate::backend::Receipt;
use crate::model::teamup::Slot;

/// An event or an appointment slot, never both (`initiate_purchase` takes one of `event` and
/// `appointment_slot`: memberships/endpoints_memberships-initiate-purchase-create.md).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Booking {
    #[default]
    None,
    Event(u64),
    Slot(String),
}

impl Booking {
    /// The class booked, if it is one.
    pub fn event(&self) -> Option<u64> {
        match self {
            Booking::Event(id) => Some(*id),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Selection {
    pub membership: Option<u64>,
    pub needs_plan: bool,
    pub plan: Option<u64>,
    pub booking: Booking,
}

impl VendorForm for Selection {
    const CONTROLS: &'static [(&'static str, &'static str)] =
        &[("payment_plan", "plan"), ("event", "event"), ("appointment_slot", "slot")];
    /// TeamUp's initiate_purchase has no idempotency key.
    const SAFE_TO_RESEND: bool = false;
}

impl Checkout {

    /// A new membership invalidates the plan and the event (events are filtered per membership);
    /// a chosen appointment slot is kept.
    pub fn choose_membership(&mut self, id: u64, needs_plan: bool) {
        if !self.browsing() || self.selection.membership == Some(id) {
            return;
        }
        self.selection.membership = Some(id);
        self.selection.needs_plan = needs_plan;
        self.selection.plan = None;
        if matches!(self.selection.booking, Booking::Event(_)) {
            self.selection.booking = Booking::None;
        }
        self.problems = Problems::default();
    }

    pub fn choose_plan(&mut self, id: u64) {
        if self.browsing() {
            self.selection.plan = Some(id);
            self.touched(&["plan"]);
        }
    }

    pub fn choose_event(&mut self, id: Option<u64>) {
        if self.browsing() {
            self.selection.booking = id.map(Booking::Event).unwrap_or_default();
            self.touched(&["event", "slot"]);
        }
    }

    pub fn choose_slot(&mut self, id: Option<String>) {
        if self.browsing() {
            self.selection.booking = id.filter(|s| !s.is_empty()).map(Booking::Slot).unwrap_or_default();
            self.touched(&["event", "slot"]);
        }
    }

    /// Validates and moves to `Submitting`. Returns the request to send exactly when the caller
    /// must send one: never twice for one attempt, however often the button is pressed.
    /// Whether the choices are complete enough to buy (saying what is missing if not), without
    /// starting anything: e.g. before sending the customer off to sign in.
    pub fn check(&mut self) -> bool {
        if !self.browsing() {
            return false;
        }
        self.problems = Problems::default();
        if self.selection.membership.is_none() {
            self.problems.set("membership", "error.choose_membership");
        } else if self.selection.needs_plan && self.selection.plan.is_none() {
            self.problems.set("plan", "error.choose_payment_plan");
        } else {
            return true;
        }
        self.summarise_problems();
        false
    }

    pub fn submit(&mut self, customer: u64, return_to: &str) -> Option<PurchaseRequest> {
        if !self.check() {
            return None;
        }
        let membership = self.selection.membership?;
        let (event, appointment_slot) = match &self.selection.booking {
            Booking::None => (None, None),
            Booking::Event(id) => (Some(*id), None),
            Booking::Slot(id) => (None, Some(id.clone())),
        };
        self.phase = Phase::Submitting;
        Some(PurchaseRequest {
            membership,
            customer,
            payment_plan: if self.selection.needs_plan { self.selection.plan } else { None },
            event,
            appointment_slot,
            return_to: return_to.to_string(),
        })
    }

}

/// How the booking is found among the customer's registrations when they are back: a class by
/// its id, an appointment by its start (`slots` as they were offered).
pub fn booking_check(booking: &Booking, slots: &[Slot]) -> Option<BookingCheck> {
    match booking {
        Booking::None => None,
        Booking::Event(id) => Some(BookingCheck::Class(*id)),
        Booking::Slot(id) => slots.iter().find(|s| s.id == *id).map(|s| BookingCheck::AppointmentAt(s.starts_at.clone())),
    }
}

/// What to ask TeamUp when the customer is back from paying for `request`: their memberships of
/// this kind (`known`: the ones held before, if they could be read; else those starting from the
/// day before `now_ms`) and the `booking`, if one was made.
pub fn receipt(request: &PurchaseRequest, booking: Option<BookingCheck>, known: Option<Vec<u64>>, now_ms: f64) -> Receipt {
    Receipt::TeamUp { customer: request.customer, membership: request.membership, booking, known, since: crate::time::day_before(now_ms) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_receipt_says_how_to_find_the_purchase_and_its_booking_again() {
        let slot: Slot = serde_json::from_str(r#"{"id":"pt_1","starts_at":"2030-01-02T09:00:00Z"}"#).unwrap();
        let slots = [slot];
        assert_eq!(booking_check(&Booking::None, &slots), None);
        assert_eq!(booking_check(&Booking::Event(5001), &slots), Some(BookingCheck::Class(5001)));
        assert_eq!(booking_check(&Booking::Slot("pt_1".into()), &slots), Some(BookingCheck::AppointmentAt("2030-01-02T09:00:00Z".into())));
        assert_eq!(booking_check(&Booking::Slot("gone".into()), &slots), None, "a slot no longer offered can't be looked for");
        let request = PurchaseRequest { membership: 103, customer: 4242, payment_plan: None, event: None, appointment_slot: None, return_to: "https://s.example/".into() };
        let now = crate::time::parse_rfc3339_ms("2030-01-01T00:30:00Z").unwrap();
        let receipt = receipt(&request, Some(BookingCheck::Class(5001)), Some(vec![9]), now);
        assert_eq!(
            receipt,
            Receipt::TeamUp { customer: 4242, membership: 103, booking: Some(BookingCheck::Class(5001)), known: Some(vec![9]), since: "2029-12-31".into() }
        );
    }
}
