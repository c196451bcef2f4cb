//! The checkout state machine: browsing → submitting → redirecting → (lapsed | outcome), and back
//! from the payment page: confirming → (outcome | lapsed). Every answer from an API is one
//! transition here, which says what the views do next: [`Checkout::offer_received`] (the
//! purchase's answer: pay, refused address, or failed with a retry when it helps),
//! [`Checkout::tick`] (the countdown; lapsed), [`Checkout::offer_kept`] (an offer kept from
//! before the payment page: resumed, or asked about) and [`Checkout::outcome_confirmed`] (what
//! the platform says about it).
//!
//! Plain Rust, no signals and no DOM, so every transition is unit tested natively; components
//! only send it intents and render it. The vendors' own choices are [`teamup`] and [`uelz`].

pub mod teamup;
pub mod uelz;

use serde::{Deserialize, Serialize};

use crate::backend::error::ApiError;
use crate::backend::teamup::BookingCheck;
use crate::backend::{Confirmation, Receipt};
use crate::i18n::{Text, Tr};
use crate::model::Offer;
use crate::redirect::check_payment_url;
use teamup::Selection;

/// Messages shown next to the control they concern (keyed by control name), or above the button (`form`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Problems {
    fields: Vec<(&'static str, Text)>,
    pub form: Option<Text>,
    /// Offer "try again": every failure except a validation refusal, which needs a changed choice.
    pub retryable: bool,
    /// Found by trying to continue: listed in the error summary, which takes the focus.
    pub summary: bool,
}

impl Problems {
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.form.is_none()
    }

    pub fn get(&self, control: &str) -> Option<Text> {
        self.fields.iter().find(|(c, _)| *c == control).map(|(_, m)| m.clone())
    }

    /// The control's message in the customer's language.
    pub fn text(&self, control: &str, tr: Tr) -> Option<String> {
        self.get(control).map(|t| tr.text(&t))
    }

    pub fn form_text(&self, tr: Tr) -> Option<String> {
        self.form.as_ref().map(|t| tr.text(t))
    }

    /// Every control with a message, in the order they were found.
    pub fn controls(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.fields.iter().map(|(c, _)| *c)
    }

    pub fn set(&mut self, control: &'static str, message: impl Into<Text>) {
        self.clear(control);
        self.fields.push((control, message.into()));
    }

    pub fn clear(&mut self, control: &str) {
        self.fields.retain(|(c, _)| *c != control);
    }
}

/// What a backend's form declares so that server refusals land on the right control.
pub trait VendorForm {
    /// Request field → control; messages for fields not listed here go above the button.
    const CONTROLS: &'static [(&'static str, &'static str)];
    /// The purchase carries an idempotency key, so sending it again after a lost answer can't
    /// make a second purchase.
    const SAFE_TO_RESEND: bool;
}


/// Said when a purchase without an idempotency key may or may not have been made.
pub const OUTCOME_UNKNOWN: &str = "error.outcome_unknown";








/// How long the widget keeps asking on its own after the customer is back (then "Check again"
/// starts another round).
pub const CONFIRM_FOR_MS: f64 = 60_000.0;

/// The wait before the next check after `checks` answers: 2 s, then half as long again each
/// time, at most 10 s (2, 3, 4.5, 6.75, 10, 10… s: 9 checks in the first minute).
pub fn confirm_delay_ms(checks: u32) -> f64 {
    (2_000.0 * 1.5f64.powi(checks.saturating_sub(1).min(10) as i32)).min(10_000.0)
}

/// Back from the payment page: asking the platform what became of the offer.
#[derive(Clone, Debug, PartialEq)]
pub struct Confirming {
    pub offer: PendingOffer,
    /// The platform's last answer (`None` before the first).
    pub said: Option<Confirmation>,
    /// The last check could not be made (network, server error); checking goes on.
    pub unreachable: bool,
    pub checks: u32,
    /// When this round of checks started.
    pub since_ms: f64,
    /// A check is on its way.
    pub asking: bool,
    /// When the next check is due; `None`: not checking on its own any more.
    pub next_at_ms: Option<f64>,
}

impl Confirming {
    /// `checking`, `pending`, `not-found` or `unreachable`, for `data-confirmation`.
    pub fn name(&self) -> &'static str {
        match (self.unreachable, self.said) {
            (true, _) => "unreachable",
            (false, Some(Confirmation::Pending)) => "pending",
            (false, Some(_)) => "not-found",
            (false, None) => "checking",
        }
    }
}

/// An offer on its way to (or back from) the payment page. Kept in sessionStorage so that the
/// widget knows, back on the studio's page, what to ask about.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingOffer {
    pub next_url: String,
    /// `expires_at` on the device's clock: corrected by the server's `Date` when it sent one.
    pub expires_local_ms: f64,
    pub membership_name: String,
    /// What to ask the platform when the customer is back.
    #[serde(default)]
    pub receipt: Receipt,
    /// Navigate to the payment page straight away (false when the customer came back to it).
    #[serde(skip)]
    pub auto_redirect: bool,
    /// The page couldn't be sent there (a sandboxed frame): the link opens a new tab instead.
    #[serde(skip)]
    pub new_tab: bool,
}

impl PendingOffer {
    pub fn new(offer: &Offer, server_date_ms: Option<f64>, device_now_ms: f64, membership_name: String) -> Option<Self> {
        let expires = offer.expires_at_ms()?;
        let skew = server_date_ms.map(|server| device_now_ms - server).unwrap_or(0.0);
        Some(PendingOffer {
            next_url: offer.next_url.clone(),
            expires_local_ms: expires + skew,
            membership_name,
            receipt: Receipt::None,
            auto_redirect: true,
            new_tab: false,
        })
    }

    pub fn with_receipt(mut self, receipt: Receipt) -> Self {
        self.receipt = receipt;
        self
    }

    pub fn remaining_ms(&self, now_ms: f64) -> f64 {
        (self.expires_local_ms - now_ms).max(0.0)
    }
}

/// What the platform confirmed about a purchase the customer came back from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutcomeKind {
    /// Bought: the platform says so.
    Paid,
    /// The platform says the payment failed (or was cancelled).
    Failed,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub kind: OutcomeKind,
    pub membership_name: Option<String>,
    /// A class or an appointment confirmed with the membership (a catalogue key).
    pub booked: Option<&'static str>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    Browsing,
    Submitting,
    Redirecting(PendingOffer),
    Lapsed { membership_name: Option<String> },
    Confirming(Confirming),
    Outcome(Outcome),
}

impl Phase {
    /// The name used in `data-state` for styling and tests.
    pub fn name(&self) -> &'static str {
        match self {
            Phase::Browsing => "browsing",
            Phase::Submitting => "submitting",
            Phase::Redirecting(_) => "redirecting",
            Phase::Lapsed { .. } => "lapsed",
            Phase::Confirming(_) => "confirming",
            Phase::Outcome(_) => "outcome",
        }
    }
}

/// One checkout: what the customer chose (`S`, per backend), where it stands, and what went wrong.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkout<S = Selection> {
    pub selection: S,
    pub phase: Phase,
    pub problems: Problems,
    /// Continue attempts that ended in problems: each one moves the focus to the error summary.
    pub failures: u32,
}

impl<S: Default> Default for Checkout<S> {
    fn default() -> Self {
        Checkout { selection: S::default(), phase: Phase::Browsing, problems: Problems::default(), failures: 0 }
    }
}


impl<S: VendorForm> Checkout<S> {
    pub(crate) fn browsing(&self) -> bool {
        self.phase == Phase::Browsing
    }

    /// The problems came from trying to continue: the summary lists them and takes the focus.
    pub(crate) fn summarise_problems(&mut self) {
        self.problems.summary = true;
        self.failures += 1;
    }

    /// The customer changed these controls: their messages, and the form-level one, are stale.
    pub(crate) fn touched(&mut self, controls: &[&str]) {
        for control in controls {
            self.problems.clear(control);
        }
        self.problems.form = None;
    }

    /// The server refused or could not be reached: back to browsing, selection kept, each
    /// message placed on its control.
    pub fn fail(&mut self, error: &ApiError) {
        if self.phase != Phase::Submitting {
            return;
        }
        self.phase = Phase::Browsing;
        let mut problems = Problems::default();
        let mut form = Vec::new();
        if let ApiError::Http { field_errors, .. } = error {
            for (field, messages) in field_errors {
                let text = messages.join(" ");
                match S::CONTROLS.iter().find(|(f, _)| f == field) {
                    Some((_, control)) => problems.set(control, Text::Said(text)),
                    None => form.push(text),
                }
            }
        }
        problems.form = if !form.is_empty() {
            Some(Text::Said(form.join(" ")))
        } else if !S::SAFE_TO_RESEND && crate::backend::retry::outcome_unknown(error) {
            // Not sent again by itself: the customer decides, knowing what happens.
            Some(Text::Key(OUTCOME_UNKNOWN))
        } else if problems.is_empty() {
            Some(error.user_message())
        } else {
            None
        };
        problems.retryable = !matches!(error.status(), Some(400 | 422));
        self.problems = problems;
        self.summarise_problems();
    }

    /// The server made an offer we won't follow (see [`crate::redirect`]): say so (the details
    /// go to the console); retrying would only get the same answer.
    pub fn refuse_offer(&mut self) {
        if self.phase == Phase::Submitting {
            self.phase = Phase::Browsing;
            self.problems = Problems { form: Some(Text::Key("error.offer_refused")), ..Problems::default() };
            self.summarise_problems();
        }
    }

    // The lifecycle after "continue" concerns only the phase: its transitions live on [`Phase`],
    // compiled once for every backend's form; these hand them on.

    pub fn succeed(&mut self, offer: PendingOffer, now_ms: f64) {
        self.phase.succeed(offer, now_ms)
    }

    /// Recomputes from the clock (never decrements), lapsing the offer at zero. Returns the
    /// time left while an offer is open.
    pub fn tick(&mut self, now_ms: f64) -> Option<f64> {
        self.phase.tick(now_ms)
    }

    /// The host page cancelled the redirect to handle it itself: no "taking you there" any more.
    pub fn redirect_taken_over(&mut self) {
        self.phase.redirect_held(false)
    }

    /// The browser wouldn't send the top page to the payment page: offer it in a new tab.
    pub fn redirect_refused(&mut self) {
        self.phase.redirect_held(true)
    }

    /// Back from the payment page without an outcome: an open offer can be resumed.
    pub fn resume(&mut self, offer: PendingOffer, now_ms: f64) {
        self.phase.resume(offer, now_ms)
    }

    /// Back on the studio's page after being sent to the payment page (paid, cancelled, or just
    /// Back): nothing is known until the platform says. Returns whether to ask it now.
    pub fn returned_from_payment(&mut self, offer: PendingOffer, now_ms: f64) -> bool {
        self.phase.returned_from_payment(offer, now_ms)
    }

    /// Asks again now (the customer pressed "Check again", or a check fell due): `true` when the
    /// caller must send the check. Never two at once; after checking stopped, a new round starts.
    pub fn check_again(&mut self, now_ms: f64) -> bool {
        self.phase.check_again(now_ms)
    }

    /// A check falls due: only the one the last answer scheduled (a timer overtaken by "Check
    /// again" does nothing). `true` when the caller must send it.
    pub fn check_due(&mut self, now_ms: f64) -> bool {
        self.phase.check_due(now_ms)
    }

    /// What the platform said (or why it couldn't be asked). Active or failed ends the wait; a
    /// purchase not found once its offer has lapsed can't be paid any more; otherwise checking
    /// goes on for [`CONFIRM_FOR_MS`]. Returns the wait before the next check, if one is due.
    pub fn outcome_confirmed(&mut self, answer: Result<Confirmation, ApiError>, now_ms: f64) -> Option<f64> {
        self.phase.outcome_confirmed(answer, now_ms)
    }

    /// The purchase was answered (`answer`: the offer and the server's clock, or why not). An
    /// offer whose `expires_at` can't be read is a malformed answer; one whose payment page is
    /// not on `allowed` (`host:port` entries, see [`crate::redirect`]) is refused; otherwise it
    /// is on its way to be paid, unless it lapsed already. `receipt` is what to ask the platform
    /// when the customer is back.
    pub fn offer_received(
        &mut self,
        answer: Result<(Offer, Option<f64>), ApiError>,
        membership_name: String,
        receipt: Receipt,
        now_ms: f64,
        allowed: &[String],
    ) -> Next {
        let read = answer.and_then(|(offer, server_date)| {
            let pending = PendingOffer::new(&offer, server_date, now_ms, membership_name)
                .ok_or_else(|| ApiError::Malformed("expires_at is not a date-time".into()))?;
            Ok((pending.with_receipt(receipt), offer.expires_at))
        });
        let (pending, expires_at) = match read {
            Ok(read) => read,
            Err(error) => {
                self.fail(&error);
                return Next::Failed(error);
            }
        };
        if let Err(refusal) = check_payment_url(&pending.next_url, allowed) {
            self.refuse_offer();
            return Next::Refused(refusal.0);
        }
        self.succeed(pending.clone(), now_ms);
        match self.phase {
            Phase::Redirecting(_) => Next::Pay { offer: pending, expires_at },
            _ => Next::Closed,
        }
    }

    /// Back on the studio's page with an offer `kept` from before the payment page. Storage is
    /// not more trustworthy than an answer: its payment page must pass the same rules as a fresh
    /// offer's (`allowed`). With something to ask (its receipt), the platform is asked; without,
    /// the offer is shown again.
    pub fn offer_kept(&mut self, kept: PendingOffer, now_ms: f64, allowed: &[String]) -> Resumed {
        if let Err(refusal) = check_payment_url(&kept.next_url, allowed) {
            return Resumed::Refused(refusal.0);
        }
        if self.returned_from_payment(kept, now_ms) {
            Resumed::Asking
        } else {
            Resumed::Shown
        }
    }

    /// A fresh attempt keeps what the customer chose.
    pub fn start_again(&mut self) {
        if !matches!(self.phase, Phase::Submitting) {
            self.phase = Phase::Browsing;
            self.problems = Problems::default();
        }
    }
}

/// What the views do once the purchase is answered ([`Checkout::offer_received`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Next {
    /// Keep the offer for Back, tell the host (`expires_at` as the API wrote it) and send the
    /// customer to pay.
    Pay { offer: PendingOffer, expires_at: String },
    /// The payment page's address is not followed: why (for the console and the host page).
    Refused(String),
    /// No offer: the error, shown on the form with the choices intact.
    Failed(ApiError),
    /// An offer that is not open any more (it lapsed on the way): nothing to follow.
    Closed,
}

impl Next {
    /// Whether the answer was an offer, open or not: the attempt it answered is over.
    pub fn answered_with_offer(&self) -> bool {
        matches!(self, Next::Pay { .. } | Next::Closed)
    }
}

/// What the views do with an offer kept from before the payment page ([`Checkout::offer_kept`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Resumed {
    /// The platform is to be asked about it: confirming.
    Asking,
    /// Nothing to ask about it: the offer is shown again (payable while open, else lapsed).
    Shown,
    /// Its payment page fails the rules a fresh offer's must pass: dropped, and why.
    Refused(String),
}

/// The transitions after "continue" ([`Checkout`]'s methods of the same names hand them on).
impl Phase {
    fn succeed(&mut self, offer: PendingOffer, now_ms: f64) {
        if *self != Phase::Submitting {
            return;
        }
        *self = if offer.remaining_ms(now_ms) > 0.0 {
            Phase::Redirecting(offer)
        } else {
            Phase::Lapsed { membership_name: Some(offer.membership_name) }
        };
    }

    fn tick(&mut self, now_ms: f64) -> Option<f64> {
        let Phase::Redirecting(offer) = &*self else { return None };
        let left = offer.remaining_ms(now_ms);
        if left <= 0.0 {
            *self = Phase::Lapsed { membership_name: Some(offer.membership_name.clone()) };
            return None;
        }
        Some(left)
    }

    /// The redirect is not happening by itself: the countdown stays, with an ordinary link, or
    /// one that opens a new tab.
    fn redirect_held(&mut self, new_tab: bool) {
        if let Phase::Redirecting(offer) = self {
            offer.auto_redirect = false;
            offer.new_tab |= new_tab;
        }
    }

    fn resume(&mut self, mut offer: PendingOffer, now_ms: f64) {
        offer.auto_redirect = false;
        *self = Phase::Submitting;
        self.succeed(offer, now_ms);
    }

    fn returned_from_payment(&mut self, mut offer: PendingOffer, now_ms: f64) -> bool {
        if matches!(offer.receipt, Receipt::None) {
            // Nothing to ask about: an open offer can still be paid.
            self.resume(offer, now_ms);
            return false;
        }
        offer.auto_redirect = false;
        *self = Phase::Confirming(Confirming {
            offer,
            said: None,
            unreachable: false,
            checks: 0,
            since_ms: now_ms,
            asking: true,
            next_at_ms: None,
        });
        true
    }

    fn check_again(&mut self, now_ms: f64) -> bool {
        let Phase::Confirming(c) = self else { return false };
        if c.asking {
            return false;
        }
        if c.next_at_ms.is_none() {
            c.since_ms = now_ms;
        }
        c.asking = true;
        c.next_at_ms = None;
        true
    }

    fn check_due(&mut self, now_ms: f64) -> bool {
        let due = matches!(self, Phase::Confirming(c) if c.next_at_ms.is_some_and(|at| at <= now_ms + 50.0));
        due && self.check_again(now_ms)
    }

    fn outcome_confirmed(&mut self, answer: Result<Confirmation, ApiError>, now_ms: f64) -> Option<f64> {
        let Phase::Confirming(c) = self else { return None };
        if !c.asking {
            return None;
        }
        c.asking = false;
        c.checks += 1;
        let name = Some(c.offer.membership_name.clone());
        match answer {
            Ok(Confirmation::Active) => {
                let booked = c.offer.receipt.booking_key();
                *self = Phase::Outcome(Outcome { kind: OutcomeKind::Paid, membership_name: name, booked });
                return None;
            }
            Ok(Confirmation::Failed) => {
                *self = Phase::Outcome(Outcome { kind: OutcomeKind::Failed, membership_name: name, booked: None });
                return None;
            }
            Ok(Confirmation::NotFound) if c.offer.remaining_ms(now_ms) <= 0.0 => {
                *self = Phase::Lapsed { membership_name: name };
                return None;
            }
            Ok(said) => {
                c.said = Some(said);
                c.unreachable = false;
            }
            Err(_) => c.unreachable = true,
        }
        let delay = confirm_delay_ms(c.checks);
        if now_ms + delay - c.since_ms <= CONFIRM_FOR_MS {
            c.next_at_ms = Some(now_ms + delay);
            Some(delay)
        } else {
            c.next_at_ms = None;
            None
        }
    }
}

/// What to say for `seconds` left: whole minutes (rounded up) from a minute on, else seconds.
pub fn time_left_words(tr: Tr, remaining_ms: f64) -> String {
    let seconds = (remaining_ms / 1000.0).ceil().max(0.0) as u64;
    if seconds >= 60 {
        tr.n("offer.left_minutes", seconds.div_ceil(60), &[])
    } else {
        tr.n("offer.left_seconds", seconds, &[])
    }
}

impl Receipt {
    /// What a confirmed purchase also booked (a catalogue key).
    pub fn booking_key(&self) -> Option<&'static str> {
        match self {
            Receipt::TeamUp { booking: Some(BookingCheck::Class(_)), .. } => Some("outcome.booked_class"),
            Receipt::TeamUp { booking: Some(BookingCheck::AppointmentAt(_)), .. } => Some("outcome.booked_appointment"),
            _ => None,
        }
    }
}


#[cfg(test)]
mod tests {
    use super::teamup::{Booking, Selection};
    use super::*;
    use crate::backend::uelz::status_confirmation;
    use crate::model::uelz::PurchaseStatus;
    use crate::time::countdown_milestone;

    const RETURN: &str = "https://studio.example/join";

    fn offer(expires_at: &str) -> Offer {
        Offer { next_url: "https://goteamup.com/pay/x".into(), expires_at: expires_at.into() }
    }

    fn ms(s: &str) -> f64 {
        crate::time::parse_rfc3339_ms(s).unwrap()
    }

    #[test]
    fn membership_is_required() {
        let mut c = Checkout::<Selection>::default();
        assert_eq!(c.submit(1, RETURN), None);
        assert_eq!(c.problems.text("membership", Tr::english()).as_deref(), Some("Choose a membership."));
        assert_eq!(c.phase, Phase::Browsing);
    }

    #[test]
    fn recurring_membership_needs_a_plan_and_pack_does_not() {
        let mut c = Checkout::<Selection>::default();
        c.choose_membership(103, true);
        assert_eq!(c.submit(4242, RETURN), None);
        assert_eq!(c.problems.text("plan", Tr::english()).as_deref(), Some("Choose a payment plan."));
        c.choose_plan(1032);
        assert!(c.problems.get("plan").is_none());
        let req = c.submit(4242, RETURN).unwrap();
        assert_eq!((req.membership, req.payment_plan, req.customer), (103, Some(1032), 4242));

        let mut pack = Checkout::<Selection>::default();
        pack.choose_membership(103, true);
        pack.choose_plan(1032);
        pack.choose_membership(101, false);
        assert_eq!(pack.selection.plan, None, "a plan never leaks into another membership");
        let req = pack.submit(4242, RETURN).unwrap();
        assert_eq!(req.payment_plan, None);
    }

    #[test]
    fn event_and_slot_exclude_each_other() {
        let mut c = Checkout::<Selection>::default();
        c.choose_membership(103, false);
        c.choose_event(Some(5001));
        c.choose_slot(Some("pt_1".into()));
        assert_eq!(c.selection.booking, Booking::Slot("pt_1".into()));
        let req = c.clone().submit(1, RETURN).unwrap();
        assert_eq!((req.event, req.appointment_slot.as_deref()), (None, Some("pt_1")));
        c.choose_event(Some(5002));
        let req = c.clone().submit(1, RETURN).unwrap();
        assert_eq!((req.event, req.appointment_slot), (Some(5002), None));
        c.choose_slot(Some(String::new()));
        assert_eq!(c.selection.booking, Booking::None);
        c.choose_event(Some(5003));
        c.choose_membership(104, false);
        assert_eq!(c.selection.booking, Booking::None, "events are per membership");
    }

    #[test]
    fn submit_gives_exactly_one_request_per_attempt() {
        let mut c = Checkout::<Selection>::default();
        c.choose_membership(101, false);
        assert!(c.submit(1, RETURN).is_some());
        for _ in 0..5 {
            assert!(c.submit(1, RETURN).is_none());
        }
        c.choose_membership(102, false);
        assert_eq!(c.selection.membership, Some(101), "choices are frozen while sending");
        c.succeed(PendingOffer::new(&offer("2030-01-01T00:15:00Z"), None, 0.0, "Pack".into()).unwrap(), ms("2030-01-01T00:00:00Z"));
        assert!(c.submit(1, RETURN).is_none(), "no second purchase after success");
    }

    #[test]
    fn a_redirect_the_host_takes_over_or_the_frame_refuses_stops_saying_it_is_underway() {
        let redirecting = || {
            let mut c = Checkout::<Selection>::default();
            c.choose_membership(101, false);
            c.submit(1, RETURN).unwrap();
            c.succeed(PendingOffer::new(&offer("2030-01-01T00:15:00Z"), None, 0.0, "Pack".into()).unwrap(), ms("2030-01-01T00:00:00Z"));
            c
        };
        let offer_of = |c: &Checkout| match &c.phase {
            Phase::Redirecting(offer) => (offer.auto_redirect, offer.new_tab),
            other => panic!("not redirecting: {}", other.name()),
        };
        assert_eq!(offer_of(&redirecting()), (true, false));
        let mut host = redirecting();
        host.redirect_taken_over();
        assert_eq!(offer_of(&host), (false, false), "held, with the ordinary link");
        let mut frame = redirecting();
        frame.redirect_refused();
        assert_eq!(offer_of(&frame), (false, true), "held, with a new-tab link");
    }

    #[test]
    fn field_errors_land_on_their_controls_and_selection_survives() {
        let mut c = Checkout::<Selection>::default();
        c.choose_membership(103, true);
        c.choose_plan(1033);
        c.choose_slot(Some("pt_1".into()));
        c.submit(1, RETURN).unwrap();
        let err = ApiError::from_response(
            400,
            r#"{"code":"parameter_invalid","message":"Your request was invalid","type":"invalid_request_error",
            "field_errors":{"payment_plan":["This payment plan is not for sale."],
            "appointment_slot":["This membership can't be used for this appointment."]}}"#,
        );
        c.fail(&err);
        assert_eq!(c.phase, Phase::Browsing);
        assert_eq!(c.problems.text("plan", Tr::english()).as_deref(), Some("This payment plan is not for sale."));
        assert_eq!(c.problems.text("slot", Tr::english()).as_deref(), Some("This membership can't be used for this appointment."));
        assert_eq!(c.problems.form, None);
        assert_eq!(c.selection.plan, Some(1033));
        c.choose_plan(1031);
        assert!(c.problems.get("plan").is_none() && c.problems.get("slot").is_some());
    }

    #[test]
    fn other_errors_are_form_level_and_say_if_retry_helps() {
        let mut c = Checkout::<Selection>::default();
        c.choose_membership(101, false);
        c.submit(1, RETURN).unwrap();
        c.fail(&ApiError::Timeout);
        assert_eq!(c.problems.form_text(Tr::english()).as_deref(), Some(Tr::english().t(OUTCOME_UNKNOWN)), "a timed-out purchase may have been made");
        assert!(c.problems.retryable, "the customer may choose to try again");
        c.submit(1, RETURN).unwrap();
        c.fail(&ApiError::from_response(400, r#"{"field_errors":{"non_field_errors":["This membership is not for sale."]}}"#));
        assert_eq!(c.problems.form_text(Tr::english()).as_deref(), Some("This membership is not for sale."));
        assert!(!c.problems.retryable, "a refusal needs a different choice, not a retry");
        c.submit(1, RETURN).unwrap();
        c.fail(&ApiError::from_response(401, r#"{"detail":"Invalid token."}"#));
        assert_eq!(c.problems.form_text(Tr::english()).as_deref(), Some("Invalid token."));
        assert!(c.problems.retryable, "401/404/5xx still offer a way to retry");
        c.fail(&ApiError::Timeout);
        assert_eq!(c.problems.form_text(Tr::english()).as_deref(), Some("Invalid token."), "fail outside submitting is ignored");
        c.submit(1, RETURN).unwrap();
        c.refuse_offer();
        let refused = Tr::english().t("error.offer_refused");
        assert_eq!((c.phase.name(), c.problems.form_text(Tr::english()).as_deref(), c.problems.retryable), ("browsing", Some(refused), false));
        assert!(c.problems.summary && c.failures > 0, "the summary lists it and takes the focus");
    }

    #[test]
    fn countdown_follows_the_clock_and_lapses() {
        let mut c = submitted_for(101);
        let start = ms("2030-01-01T00:00:00Z");
        let pending = PendingOffer::new(&offer("2030-01-01T00:15:00.000Z"), None, start, "Pack".into()).unwrap();
        c.succeed(pending, start);
        assert_eq!(c.phase.name(), "redirecting");
        assert_eq!(c.tick(start + 60_000.0), Some(14.0 * 60_000.0));
        // A sleeping laptop skips ticks: the next one still shows the truth.
        assert_eq!(c.tick(start + 14.0 * 60_000.0 + 30_000.0), Some(30_000.0));
        assert_eq!(c.tick(start + 15.0 * 60_000.0), None);
        assert_eq!(c.phase, Phase::Lapsed { membership_name: Some("Pack".into()) });
        c.start_again();
        assert_eq!(c.phase, Phase::Browsing);
        assert_eq!(c.selection.membership, Some(101), "starting again keeps the choice");
    }

    #[test]
    fn server_date_corrects_a_wrong_device_clock() {
        // Device clock one hour fast: the server says 10:00, the device 11:00.
        let device_now = ms("2030-01-01T11:00:00Z");
        let p = PendingOffer::new(&offer("2030-01-01T10:15:00Z"), Some(ms("2030-01-01T10:00:00Z")), device_now, "X".into()).unwrap();
        assert_eq!(p.remaining_ms(device_now), 15.0 * 60_000.0);
        let unadjusted = PendingOffer::new(&offer("2030-01-01T10:15:00Z"), None, device_now, "X".into()).unwrap();
        assert_eq!(unadjusted.remaining_ms(device_now), 0.0);
    }

    #[test]
    fn an_already_expired_offer_is_lapsed_at_once_and_resume_does_not_redirect() {
        let mut c = submitted_for(101);
        let now = ms("2030-01-01T00:00:00Z");
        c.succeed(PendingOffer::new(&offer("2029-12-31T23:59:59Z"), None, now, "Pack".into()).unwrap(), now);
        assert_eq!(c.phase.name(), "lapsed");

        let mut back = Checkout::<Selection>::default();
        back.resume(PendingOffer::new(&offer("2030-01-01T00:10:00Z"), None, now, "Pack".into()).unwrap(), now);
        match &back.phase {
            Phase::Redirecting(p) => assert!(!p.auto_redirect),
            other => panic!("expected redirecting, got {other:?}"),
        }
    }

    /// A fresh page load, back from the payment page with the offer kept before going there.
    /// A checkout whose purchase request for `membership` (a pack, nothing else to choose) is on
    /// its way.
    fn submitted_for(membership: u64) -> Checkout {
        let mut c = Checkout::<Selection>::default();
        c.choose_membership(membership, false);
        assert!(c.submit(4242, RETURN).is_some());
        c
    }

    fn submitted() -> Checkout {
        submitted_for(7)
    }

    const ALLOWED: &[&str] = &["goteamup.com:443"];

    fn allowed() -> Vec<String> {
        ALLOWED.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn an_open_offer_received_is_paid_with_its_receipt_and_the_servers_clock() {
        let mut c = submitted();
        let now = ms("2030-01-01T00:00:00Z");
        let server = now - 60_000.0; // the device's clock is a minute fast
        let answer = Ok((offer("2030-01-01T00:15:00Z"), Some(server)));
        let next = c.offer_received(answer, "Pack".into(), teamup(None), now, &allowed());
        let Next::Pay { offer: pending, expires_at } = &next else { panic!("{next:?}") };
        assert_eq!(expires_at, "2030-01-01T00:15:00Z", "the host hears the API's own words");
        assert_eq!((pending.next_url.as_str(), pending.receipt.clone()), ("https://goteamup.com/pay/x", teamup(None)));
        assert_eq!(pending.remaining_ms(now), 16.0 * 60_000.0, "corrected by the server's clock");
        assert_eq!(c.phase, Phase::Redirecting(pending.clone()));
        assert!(next.answered_with_offer());
    }

    #[test]
    fn an_offer_whose_page_is_not_allowed_is_refused_and_the_choices_stay() {
        let mut c = submitted();
        let now = ms("2030-01-01T00:00:00Z");
        for page in ["https://evil.example/pay", "javascript:alert(1)", "http://goteamup.com/pay", "https://goteamup.com:8443/pay"] {
            let mut c = c.clone();
            let answer = Ok((Offer { next_url: page.into(), expires_at: "2030-01-01T00:15:00Z".into() }, None));
            let next = c.offer_received(answer, "Pack".into(), Receipt::None, now, &allowed());
            assert!(matches!(&next, Next::Refused(why) if why.contains("Nothing has been charged")), "{page}: {next:?}");
            assert!(!next.answered_with_offer());
            assert_eq!(c.phase, Phase::Browsing, "{page}");
            assert_eq!(c.problems.form, Some(Text::Key("error.offer_refused")));
            assert_eq!(c.selection.membership, Some(7));
        }
        // Nothing is allowed: nothing is followed.
        let answer = Ok((offer("2030-01-01T00:15:00Z"), None));
        assert!(matches!(c.offer_received(answer, "Pack".into(), Receipt::None, now, &[]), Next::Refused(_)));
    }

    #[test]
    fn an_offer_without_a_readable_expiry_is_a_failure_that_can_be_retried() {
        let mut c = submitted();
        let now = ms("2030-01-01T00:00:00Z");
        let next = c.offer_received(Ok((offer("soon"), None)), "Pack".into(), Receipt::None, now, &allowed());
        assert!(matches!(&next, Next::Failed(ApiError::Malformed(_))), "{next:?}");
        assert_eq!(c.phase, Phase::Browsing);
        // TeamUp's purchase has no idempotency key: an unreadable answer may have bought it.
        assert_eq!(c.problems.form, Some(Text::Key(OUTCOME_UNKNOWN)));
        assert!(c.problems.retryable);
        // Retry after the failure: the same choices make exactly one new request.
        assert!(c.submit(4242, RETURN).is_some());
        assert_eq!(c.submit(4242, RETURN), None);
    }

    #[test]
    fn a_refused_purchase_is_a_failure_on_its_control_and_is_not_retried_as_is() {
        let mut c = submitted();
        let refusal = ApiError::from_response(422, r#"{"code":"invalid","field_errors":{"event":["This class is full."]}}"#);
        let next = c.offer_received(Err(refusal.clone()), "Pack".into(), Receipt::None, 0.0, &allowed());
        assert_eq!(next, Next::Failed(refusal));
        assert_eq!(c.problems.get("event"), Some(Text::Said("This class is full.".into())));
        assert!(!c.problems.retryable, "a validation refusal needs a changed choice");
        assert_eq!(c.phase, Phase::Browsing);
    }

    #[test]
    fn an_offer_that_lapsed_on_the_way_is_closed_not_followed() {
        let mut c = submitted();
        let now = ms("2030-01-01T00:20:00Z");
        let next = c.offer_received(Ok((offer("2030-01-01T00:15:00Z"), None)), "Pack".into(), Receipt::None, now, &allowed());
        assert_eq!(next, Next::Closed);
        assert!(next.answered_with_offer(), "the attempt is over");
        assert_eq!(c.phase, Phase::Lapsed { membership_name: Some("Pack".into()) });
    }

    #[test]
    fn a_kept_offer_is_asked_about_shown_again_or_refused() {
        let now = ms("2030-01-01T00:00:00Z");
        let kept = |next_url: &str, receipt: Receipt| {
            let offer = Offer { next_url: next_url.into(), expires_at: "2030-01-01T00:15:00Z".into() };
            PendingOffer::new(&offer, None, now - 60_000.0, "Pack".into()).unwrap().with_receipt(receipt)
        };
        // With something to ask: the platform is asked.
        let mut c = Checkout::<Selection>::default();
        assert_eq!(c.offer_kept(kept("https://goteamup.com/pay/x", teamup(None)), now, &allowed()), Resumed::Asking);
        assert!(confirming(&c).asking);
        // Nothing to ask: the offer is shown again, payable while open, without sending the page off.
        let mut c = Checkout::<Selection>::default();
        assert_eq!(c.offer_kept(kept("https://goteamup.com/pay/x", Receipt::None), now, &allowed()), Resumed::Shown);
        let Phase::Redirecting(open) = &c.phase else { panic!("{:?}", c.phase) };
        assert!(!open.auto_redirect);
        // Storage is not more trustworthy than an answer: a page off the list is dropped.
        let mut c = Checkout::<Selection>::default();
        let refused = c.offer_kept(kept("https://evil.example/pay", teamup(None)), now, &allowed());
        assert!(matches!(refused, Resumed::Refused(_)), "{refused:?}");
        assert_eq!(c.phase, Phase::Browsing);
    }

    fn sent_to_pay(receipt: Receipt, expires_at: &str) -> (Checkout, f64) {
        let now = ms("2030-01-01T00:00:00Z");
        let offer = PendingOffer::new(&offer(expires_at), None, now, "Unlimited Monthly".into()).unwrap().with_receipt(receipt);
        let mut back = Checkout::<Selection>::default();
        assert!(back.returned_from_payment(offer, now), "asks at once");
        (back, now)
    }

    fn teamup(booking: Option<BookingCheck>) -> Receipt {
        Receipt::TeamUp { customer: 4242, membership: 103, booking, known: Some(vec![]), since: "2029-12-31".into() }
    }

    fn confirming<S>(c: &Checkout<S>) -> &Confirming {
        match &c.phase {
            Phase::Confirming(x) => x,
            other => panic!("not confirming: {}", other.name()),
        }
    }

    #[test]
    fn back_from_payment_the_outcome_is_what_the_platform_says() {
        let (mut c, now) = sent_to_pay(teamup(Some(BookingCheck::Class(5001))), "2030-01-01T00:15:00Z");
        assert_eq!((c.phase.name(), confirming(&c).name()), ("confirming", "checking"));
        assert!(!c.check_again(now), "one check at a time");
        // Active: confirmed, with the class it booked.
        c.outcome_confirmed(Ok(Confirmation::Active), now + 300.0);
        assert_eq!(
            c.phase,
            Phase::Outcome(Outcome { kind: OutcomeKind::Paid, membership_name: Some("Unlimited Monthly".into()), booked: Some("outcome.booked_class") })
        );
        assert!(!c.check_again(now), "nothing left to check");
        assert_eq!(c.outcome_confirmed(Ok(Confirmation::NotFound), now), None, "a late answer changes nothing");
        assert_eq!(c.phase.name(), "outcome");

        let (mut c, now) = sent_to_pay(teamup(None), "2030-01-01T00:15:00Z");
        c.outcome_confirmed(Ok(Confirmation::Failed), now);
        assert!(matches!(&c.phase, Phase::Outcome(o) if o.kind == OutcomeKind::Failed && o.booked.is_none()));
    }

    #[test]
    fn not_found_or_pending_is_checked_again_for_a_bounded_time_then_on_request() {
        let (mut c, start) = sent_to_pay(teamup(None), "2030-01-01T00:15:00Z");
        let mut now = start;
        let mut waits = Vec::new();
        loop {
            match c.outcome_confirmed(Ok(Confirmation::NotFound), now) {
                Some(wait) => {
                    waits.push(wait);
                    assert_eq!(confirming(&c).name(), "not-found");
                    assert!(!c.check_due(now + wait - 500.0), "not before it is due");
                    now += wait;
                    assert!(c.check_due(now), "due");
                }
                None => break,
            }
        }
        assert_eq!(waits, [2_000.0, 3_000.0, 4_500.0, 6_750.0, 10_000.0, 10_000.0, 10_000.0, 10_000.0], "2 s, growing, at most 10 s");
        assert!(now - start <= CONFIRM_FOR_MS);
        let x = confirming(&c);
        assert_eq!((x.checks, x.asking, x.next_at_ms), (9, false, None), "stopped after a minute: the customer may check again");
        assert!(!c.check_due(now + 60_000.0), "no timer is due any more");
        // "Check again" starts another round.
        assert!(c.check_again(now + 90_000.0));
        assert_eq!(confirming(&c).since_ms, now + 90_000.0);
        assert_eq!(c.outcome_confirmed(Ok(Confirmation::Pending), now + 90_500.0), Some(10_000.0));
        assert_eq!(confirming(&c).name(), "pending");
        // A press while a check is scheduled overtakes it; the old timer then does nothing.
        assert!(c.check_again(now + 91_000.0));
        assert!(!c.check_due(now + 92_500.0), "a check is already out");
        c.outcome_confirmed(Err(ApiError::Timeout), now + 91_200.0);
        assert_eq!(confirming(&c).name(), "unreachable", "couldn't ask: said, and checking goes on");
        assert!(confirming(&c).next_at_ms.is_some());
        assert_eq!(c.outcome_confirmed(Ok(Confirmation::Pending), now + 91_300.0), None);
        assert_eq!(confirming(&c).name(), "unreachable", "an answer nobody asked for isn't taken");
    }

    #[test]
    fn not_found_after_the_offer_lapsed_is_a_lapsed_offer_and_nothing_to_ask_resumes_it() {
        let (mut c, now) = sent_to_pay(teamup(None), "2030-01-01T00:15:00Z");
        c.outcome_confirmed(Ok(Confirmation::NotFound), now + 20.0 * 60_000.0);
        assert_eq!(c.phase, Phase::Lapsed { membership_name: Some("Unlimited Monthly".into()) });
        // Pending after it lapsed: recorded, so still asked about.
        let (mut c, now) = sent_to_pay(teamup(None), "2030-01-01T00:15:00Z");
        c.outcome_confirmed(Ok(Confirmation::Pending), now + 20.0 * 60_000.0);
        assert_eq!(c.phase.name(), "confirming");
        // An offer kept without a receipt (an older widget): nothing to ask, the offer resumes.
        let mut old = Checkout::<Selection>::default();
        let now = ms("2030-01-01T00:00:00Z");
        let pending = PendingOffer::new(&offer("2030-01-01T00:10:00Z"), None, now, "Pack".into()).unwrap();
        assert!(!old.returned_from_payment(pending, now));
        assert!(matches!(&old.phase, Phase::Redirecting(p) if !p.auto_redirect));
        // Receipts keep through sessionStorage, every kind.
        for receipt in [
            teamup(Some(BookingCheck::Class(5001))),
            teamup(Some(BookingCheck::AppointmentAt("2030-01-02T09:00:00.000Z".into()))),
            Receipt::TeamUp { customer: 1, membership: 2, booking: None, known: None, since: "2030-01-01".into() },
            Receipt::Uelz { external_id: "abc".into() },
            Receipt::None,
        ] {
            let kept = PendingOffer::new(&offer("2030-01-01T00:10:00Z"), None, now, "Pack".into()).unwrap().with_receipt(receipt.clone());
            let back: PendingOffer = serde_json::from_str(&serde_json::to_string(&kept).unwrap()).unwrap();
            assert_eq!(back.receipt, receipt);
        }
        // A kept offer reads without the field, as older widgets stored it.
        let stored = r#"{"next_url":"https://x/pay/1","expires_local_ms":1.0,"membership_name":"Pack"}"#;
        assert_eq!(serde_json::from_str::<PendingOffer>(stored).unwrap().receipt, Receipt::None);
    }

    /// The machine is the same for every backend: the Uelz form plugs in through the gateway's
    /// `GET <gateway>/purchases/<external_id>` (its `outcome`, or 404 `purchase_not_found`).
    #[test]
    fn the_same_machine_confirms_a_uelz_purchase_by_its_external_id() {
        const ID: &str = "6f1c2d3e-0000-4000-8000-000000000001";
        // The gateway's answers as the widget reads them (backend::uelz::not_found_yet for a 404).
        let said = |body: &str| status_confirmation(ID, Some(serde_json::from_str::<PurchaseStatus>(body).unwrap()));
        let status = |outcome: &str| format!(r#"{{"external_id":"{ID}","purchase_id":"clpu1","status":"x","outcome":"{outcome}"}}"#);
        let missing = r#"{"code":"purchase_not_found","message":"There is no purchase for this checkout (yet).","type":"invalid_request_error","field_errors":{}}"#;
        let not_found = crate::backend::uelz::not_found_yet::<PurchaseStatus>(Err(ApiError::from_response(404, missing))).unwrap();
        assert_eq!(status_confirmation(ID, not_found), Ok(Confirmation::NotFound));
        assert_eq!(said(&status("active")), Ok(Confirmation::Active));
        assert_eq!(said(&status("pending")), Ok(Confirmation::Pending));
        assert_eq!(said(&status("failed")), Ok(Confirmation::Failed));
        assert_eq!(said(&status("paid")), Ok(Confirmation::Pending), "an outcome this version doesn't know claims nothing");
        let other = r#"{"external_id":"another-attempt-0001","purchase_id":"clpu2","status":"active","outcome":"active"}"#;
        assert!(matches!(said(other), Err(ApiError::Malformed(_))), "another attempt's purchase confirms nothing");

        let mut c = Checkout::<uelz::UelzSelection>::default();
        let now = ms("2030-01-01T00:00:00Z");
        let receipt = Receipt::Uelz { external_id: ID.into() };
        let pending = PendingOffer::new(&offer("2030-01-01T00:30:00Z"), None, now, "Monthly unlimited".into()).unwrap().with_receipt(receipt);
        assert!(c.returned_from_payment(pending, now));
        assert_eq!(c.outcome_confirmed(status_confirmation(ID, None), now), Some(2_000.0));
        assert_eq!(confirming(&c).name(), "not-found");
        assert!(c.check_due(now + 2_000.0));
        assert_eq!(c.outcome_confirmed(said(&status("pending")), now + 2_100.0), Some(3_000.0));
        assert_eq!(confirming(&c).name(), "pending", "made, not paid yet");
        assert!(c.check_due(now + 5_100.0));
        c.outcome_confirmed(said(&status("active")), now + 5_200.0);
        assert!(matches!(&c.phase, Phase::Outcome(o) if o.kind == OutcomeKind::Paid && o.booked.is_none()));
        // Cancelled on Uelz's checkout: the gateway says failed, and so does the widget.
        let mut c = Checkout::<uelz::UelzSelection>::default();
        let pending = PendingOffer::new(&offer("2030-01-01T00:30:00Z"), None, now, "Monthly unlimited".into()).unwrap();
        assert!(c.returned_from_payment(pending.with_receipt(Receipt::Uelz { external_id: ID.into() }), now));
        c.outcome_confirmed(said(&status("failed")), now + 100.0);
        assert!(matches!(&c.phase, Phase::Outcome(o) if o.kind == OutcomeKind::Failed));
    }

    #[test]
    fn countdown_is_announced_at_milestones_only() {
        let said: Vec<Option<u32>> = [900_000.0, 600_000.0, 599_000.0, 301_000.0, 300_000.0, 61_000.0, 45_000.0, 30_000.0, 1.0]
            .into_iter()
            .map(countdown_milestone)
            .collect();
        assert_eq!(said, [None, Some(600), Some(600), Some(600), Some(300), Some(120), Some(60), Some(30), Some(30)]);
        let en = Tr::english();
        assert_eq!(time_left_words(en, 900_000.0), "15 minutes left to pay.");
        assert_eq!(time_left_words(en, 60_000.0), "1 minute left to pay.");
        assert_eq!(time_left_words(en, 61_000.0), "2 minutes left to pay.");
        assert_eq!(time_left_words(en, 30_000.0), "30 seconds left to pay.");
        assert_eq!(time_left_words(en, 500.0), "1 second left to pay.");
    }
}
