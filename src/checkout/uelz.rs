//! The Uelz form: plan, start date, coupon and customer details, and the purchase request with
//! its idempotency key. The lifecycle after "continue" is the shared one in [`super`].

use serde::{Deserialize, Serialize};

use super::{Checkout, Phase, VendorForm};
use crate::backend::error::ApiError;
use crate::backend::uelz::{Customer, UelzPurchaseRequest};
use crate::time::is_iso_date;
use crate::i18n::Text;
use crate::model::uelz::{CouponQuote, UelzPlan};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct UelzSelection {
    pub plan: Option<String>,
    pub needs_activation_date: bool,
    /// `YYYY-MM-DD`, as a date input gives it.
    pub activation_date: String,
    /// What the customer typed.
    pub coupon_code: String,
    /// A code the gateway accepted for the chosen plan.
    pub coupon: Option<AppliedCoupon>,
    /// Set while a code is being checked, so a late answer for an older code is ignored.
    pub checking_coupon: Option<(String, String)>,
    pub name: String,
    pub email: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AppliedCoupon {
    pub plan: String,
    pub quote: CouponQuote,
}

impl VendorForm for UelzSelection {
    const CONTROLS: &'static [(&'static str, &'static str)] = &[
        ("plan", "plan"),
        ("coupon_code", "coupon"),
        ("service_activation_date", "activation"),
        ("name", "name"),
        ("email", "email"),
    ];
    /// Every attempt carries its `external_id`.
    const SAFE_TO_RESEND: bool = true;
}





/// One checkout attempt's idempotency key, kept in sessionStorage: sending the same request again
/// (after a lost answer, a timeout, a reload) reuses it, so Uelz never makes a second purchase.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub external_id: String,
    pub fingerprint: String,
}

/// A version 4 UUID from 16 random bytes (the browser's `crypto.getRandomValues`).
pub fn uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}


/// Loose on purpose: one `@`, something before it, a dot in the domain. The gateway decides.
pub fn is_plausible_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(char::is_whitespace)
        && s.len() <= 254
}

impl Checkout<UelzSelection> {
    /// A new plan: a start date is offered (today by default) if it needs one, and an applied
    /// coupon must be checked again, since what it takes off depends on the plan.
    pub fn choose_plan(&mut self, plan: &UelzPlan, today: &str) {
        if !self.browsing() || self.selection.plan.as_deref() == Some(plan.id.as_str()) {
            return;
        }
        let sel = &mut self.selection;
        sel.plan = Some(plan.id.clone());
        sel.needs_activation_date = plan.needs_activation_date;
        if plan.needs_activation_date && sel.activation_date.is_empty() {
            sel.activation_date = today.to_string();
        }
        sel.coupon = None;
        self.touched(&["plan", "activation", "coupon"]);
    }

    pub fn set_activation_date(&mut self, date: String) {
        if self.browsing() {
            self.selection.activation_date = date;
            self.touched(&["activation"]);
        }
    }

    pub fn set_name(&mut self, name: String) {
        if self.browsing() {
            self.selection.name = name;
            self.touched(&["name"]);
        }
    }

    pub fn set_email(&mut self, email: String) {
        if self.browsing() {
            self.selection.email = email;
            self.touched(&["email"]);
        }
    }

    /// Typing a different code drops the one applied.
    pub fn set_coupon_code(&mut self, code: String) {
        if !self.browsing() {
            return;
        }
        let applied = self.selection.coupon.as_ref().map(|c| c.quote.code.as_str());
        if applied.is_some_and(|a| !a.eq_ignore_ascii_case(code.trim())) {
            self.selection.coupon = None;
        }
        self.selection.coupon_code = code;
        self.touched(&["coupon"]);
    }

    pub fn remove_coupon(&mut self) {
        if self.browsing() {
            self.selection.coupon = None;
            self.selection.coupon_code.clear();
            self.touched(&["coupon"]);
        }
    }

    /// "Apply": the (code, plan) to check with the gateway, or a message on the field.
    pub fn begin_coupon_check(&mut self) -> Option<(String, String)> {
        if !self.browsing() {
            return None;
        }
        let code = self.selection.coupon_code.trim().to_string();
        self.touched(&["coupon"]);
        if code.is_empty() {
            self.problems.set("coupon", "error.coupon_empty");
            return None;
        }
        let Some(plan) = self.selection.plan.clone() else {
            self.problems.set("coupon", "error.coupon_no_plan");
            return None;
        };
        self.selection.checking_coupon = Some((code.clone(), plan.clone()));
        Some((code, plan))
    }

    /// The gateway's verdict. Ignored if the customer has since changed the code or the plan.
    pub fn coupon_checked(&mut self, code: &str, plan: &str, result: Result<CouponQuote, ApiError>) {
        if self.selection.checking_coupon.as_ref() != Some(&(code.to_string(), plan.to_string())) {
            return;
        }
        self.selection.checking_coupon = None;
        let current = self.selection.coupon_code.trim().eq_ignore_ascii_case(code) && self.selection.plan.as_deref() == Some(plan);
        if !current {
            return;
        }
        match result {
            Ok(quote) => {
                self.selection.coupon = Some(AppliedCoupon { plan: plan.to_string(), quote });
                self.problems.clear("coupon");
            }
            Err(error) => {
                self.selection.coupon = None;
                let own = error.field_messages("coupon_code");
                let message = if own.is_empty() { error.user_message() } else { Text::Said(own.join(" ")) };
                self.problems.set("coupon", message);
            }
        }
    }

    /// Validates everything at once and moves to `Submitting`. The key is reused when the request
    /// is the same as the last unfinished attempt's, so a retry is the same purchase.
    pub fn submit(
        &mut self,
        customer_token: Option<&str>,
        return_to: &str,
        today: &str,
        previous: Option<&Attempt>,
        fresh_key: impl FnOnce() -> String,
    ) -> Option<(UelzPurchaseRequest, Attempt)> {
        if !self.browsing() {
            return None;
        }
        self.problems = Default::default();
        let sel = &self.selection;
        let mut problems = super::Problems::default();
        if sel.plan.is_none() {
            problems.set("plan", "error.choose_plan");
        }
        let activation = if sel.needs_activation_date {
            let date = sel.activation_date.trim();
            if !is_iso_date(date) {
                problems.set("activation", "error.choose_start");
            } else if date < today {
                problems.set("activation", "error.start_past");
            }
            Some(date.to_string())
        } else {
            None
        };
        let typed = sel.coupon_code.trim();
        let coupon_code = match &sel.coupon {
            Some(applied) if sel.plan.as_deref() == Some(applied.plan.as_str()) => Some(applied.quote.code.clone()),
            _ if typed.is_empty() => None,
            _ => {
                problems.set("coupon", "error.coupon_unapplied");
                None
            }
        };
        let customer = match customer_token {
            Some(token) => Customer::Signed(token.to_string()),
            None => {
                let (name, email) = (sel.name.trim(), sel.email.trim());
                if name.is_empty() {
                    problems.set("name", "error.name");
                }
                if !is_plausible_email(email) {
                    problems.set("email", "error.email");
                }
                Customer::Details { name: name.to_string(), email: email.to_string() }
            }
        };
        if !problems.is_empty() {
            self.problems = problems;
            self.summarise_problems();
            return None;
        }
        let mut request = UelzPurchaseRequest {
            plan: sel.plan.clone().unwrap_or_default(),
            external_id: String::new(),
            coupon_code,
            service_activation_date: activation,
            customer,
            return_to: return_to.to_string(),
        };
        let fingerprint = request.fingerprint();
        request.external_id = match previous {
            Some(attempt) if attempt.fingerprint == fingerprint => attempt.external_id.clone(),
            _ => fresh_key(),
        };
        self.phase = Phase::Submitting;
        let attempt = Attempt { external_id: request.external_id.clone(), fingerprint };
        Some((request, attempt))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};
    use crate::i18n::Tr;
    use crate::model::uelz::Price;

    const TODAY: &str = "2026-11-23";
    const RETURN: &str = "https://studio.example/join";
    const SIGNED: &str = "v1.clcu0a1exrunner0000000001.1780000000.tR6fukZvAcfjp6wtX-niKzOW7JJ_PvrrpUV6ZSASBiI";

    fn plan(id: &str, needs_date: bool) -> UelzPlan {
        UelzPlan {
            id: id.into(),
            name: id.into(),
            description: None,
            kind: "recurring".into(),
            price: Price { amount: "59.00".into(), currency: "EUR".into() },
            period: None,
            billing_cycles: None,
            trial_days: 0,
            needs_activation_date: needs_date,
            term_days: None,
        }
    }

    fn quote(code: &str) -> CouponQuote {
        CouponQuote {
            code: code.into(),
            name: "10 % off".into(),
            discount: Price { amount: "5.90".into(), currency: "EUR".into() },
            total: Price { amount: "53.10".into(), currency: "EUR".into() },
        }
    }

    fn key(n: u8) -> impl FnOnce() -> String {
        move || format!("key-{n}")
    }

    #[test]
    fn everything_missing_is_reported_at_once() {
        let mut c = Checkout::<UelzSelection>::default();
        c.selection.coupon_code = "WELCOME10".into();
        c.selection.email = "not-an-email".into();
        assert!(c.submit(None, RETURN, TODAY, None, key(1)).is_none());
        for control in ["plan", "coupon", "name", "email"] {
            assert!(c.problems.get(control).is_some(), "{control} should have a message");
        }
        assert_eq!(c.phase, Phase::Browsing);
    }

    #[test]
    fn activation_date_defaults_to_today_and_cannot_be_past() {
        let mut c = Checkout::<UelzSelection>::default();
        c.choose_plan(&plan("reformer", true), TODAY);
        assert_eq!(c.selection.activation_date, TODAY);
        c.set_activation_date("2026-11-22".into());
        assert!(c.submit(Some(SIGNED), RETURN, TODAY, None, key(1)).is_none());
        assert_eq!(c.problems.text("activation", Tr::english()).as_deref(), Some(Tr::english().t("error.start_past")));
        c.set_activation_date("2026-12-01".into());
        let (req, _) = c.submit(Some(SIGNED), RETURN, TODAY, None, key(1)).unwrap();
        assert_eq!(req.service_activation_date.as_deref(), Some("2026-12-01"));
        assert_eq!(req.customer, Customer::Signed(SIGNED.into()));

        let mut other = Checkout::<UelzSelection>::default();
        other.choose_plan(&plan("monthly", false), TODAY);
        let (req, _) = other.submit(Some(SIGNED), RETURN, TODAY, None, key(1)).unwrap();
        assert_eq!(req.service_activation_date, None, "never sent for a plan that doesn't take one");
    }

    #[test]
    fn coupon_check_applies_only_to_the_current_code_and_plan() {
        let mut c = Checkout::<UelzSelection>::default();
        assert_eq!(c.begin_coupon_check(), None);
        assert_eq!(c.problems.text("coupon", Tr::english()).as_deref(), Some(Tr::english().t("error.coupon_empty")));
        c.set_coupon_code("welcome10".into());
        assert_eq!(c.begin_coupon_check(), None, "no plan yet");
        c.choose_plan(&plan("monthly", false), TODAY);
        let (code, plan_id) = c.begin_coupon_check().unwrap();
        assert_eq!((code.as_str(), plan_id.as_str()), ("welcome10", "monthly"));
        c.coupon_checked(&code, &plan_id, Ok(quote("WELCOME10")));
        assert_eq!(c.selection.coupon.as_ref().map(|a| a.quote.code.as_str()), Some("WELCOME10"));
        let (req, _) = c.submit(Some(SIGNED), RETURN, TODAY, None, key(1)).unwrap();
        assert_eq!(req.coupon_code.as_deref(), Some("WELCOME10"));

        // Another plan: the discount must be checked again.
        let mut c2 = Checkout::<UelzSelection>::default();
        c2.choose_plan(&plan("monthly", false), TODAY);
        c2.set_coupon_code("WELCOME10".into());
        let (code, plan_id) = c2.begin_coupon_check().unwrap();
        c2.choose_plan(&plan("annual", false), TODAY);
        c2.coupon_checked(&code, &plan_id, Ok(quote("WELCOME10")));
        assert_eq!(c2.selection.coupon, None, "a late answer for the old plan is ignored");
        assert!(c2.submit(Some(SIGNED), RETURN, TODAY, None, key(1)).is_none());
        assert_eq!(c2.problems.text("coupon", Tr::english()).as_deref(), Some(Tr::english().t("error.coupon_unapplied")));
    }

    #[test]
    fn a_refused_code_is_explained_on_the_field() {
        let mut c = Checkout::<UelzSelection>::default();
        c.choose_plan(&plan("monthly", false), TODAY);
        c.set_coupon_code("SPRING".into());
        let (code, plan_id) = c.begin_coupon_check().unwrap();
        let refusal = ApiError::from_response(
            422,
            r#"{"code":"coupon_expired","message":"Your request was invalid","type":"invalid_request_error","field_errors":{"coupon_code":["This code has expired."]}}"#,
        );
        c.coupon_checked(&code, &plan_id, Err(refusal));
        assert_eq!(c.problems.text("coupon", Tr::english()).as_deref(), Some("This code has expired."));
        c.remove_coupon();
        assert_eq!((c.problems.get("coupon"), c.selection.coupon_code.as_str()), (None, ""));
        assert!(c.submit(Some(SIGNED), RETURN, TODAY, None, key(1)).is_some());
    }

    #[test]
    fn a_retry_of_the_same_request_reuses_its_key_and_a_changed_one_does_not() {
        let mut c = Checkout::<UelzSelection>::default();
        c.choose_plan(&plan("monthly", false), TODAY);
        c.set_name("Alex Runner".into());
        c.set_email("alex@example.com".into());
        let (first, attempt) = c.submit(None, RETURN, TODAY, None, key(1)).unwrap();
        assert_eq!(first.external_id, "key-1");
        assert!(c.submit(None, RETURN, TODAY, Some(&attempt), key(9)).is_none(), "one request per attempt");
        c.fail(&ApiError::Network("connection reset".into()));
        assert!(c.problems.retryable);
        let (again, _) = c.submit(None, RETURN, TODAY, Some(&attempt), key(2)).unwrap();
        assert_eq!(again.external_id, "key-1", "the answer was lost: same purchase");
        assert_eq!(again.body(), first.body());
        c.fail(&ApiError::Timeout);
        c.choose_plan(&plan("annual", false), TODAY);
        let (changed, _) = c.submit(None, RETURN, TODAY, Some(&attempt), key(3)).unwrap();
        assert_eq!(changed.external_id, "key-3");
    }

    #[test]
    fn server_refusals_land_on_the_uelz_controls() {
        let mut c = Checkout::<UelzSelection>::default();
        c.choose_plan(&plan("monthly", false), TODAY);
        c.set_name("A".into());
        c.set_email("a@b.example".into());
        c.submit(None, RETURN, TODAY, None, key(1)).unwrap();
        c.fail(&ApiError::from_response(
            400,
            r#"{"code":"parameter_invalid","message":"Your request was invalid","field_errors":{"email":["Use a real address."],"return_to":["Not allowed."]}}"#,
        ));
        assert_eq!(c.problems.text("email", Tr::english()).as_deref(), Some("Use a real address."));
        assert_eq!(c.problems.form_text(Tr::english()).as_deref(), Some("Not allowed."));
        assert!(!c.problems.retryable);
    }

    #[test]
    fn request_body_and_helpers() {
        let req = UelzPurchaseRequest {
            plan: "p".into(),
            external_id: "k".into(),
            coupon_code: None,
            service_activation_date: Some("2026-12-01".into()),
            customer: Customer::Details { name: "A".into(), email: "a@b.example".into() },
            return_to: RETURN.into(),
        };
        let body: Value = serde_json::from_str(&req.body()).unwrap();
        assert_eq!(
            body,
            json!({"plan":"p","external_id":"k","service_activation_date":"2026-12-01",
                   "customer":{"name":"A","email":"a@b.example"},"return_to":RETURN})
        );
        assert!(!req.fingerprint().contains("\"k\""));

        // A signed member: the token goes to the gateway; the fingerprint keeps only the member,
        // so a fresh token for the same member (a reloaded page) is still the same attempt.
        let signed = UelzPurchaseRequest { customer: Customer::Signed(SIGNED.into()), ..req.clone() };
        let body: Value = serde_json::from_str(&signed.body()).unwrap();
        assert_eq!(body["customer"], json!({"token": SIGNED}));
        let later = SIGNED.replace("1780000000.tR6fukZvAcfjp6wtX-niKzOW7JJ_PvrrpUV6ZSASBiI", "1780003600.Zm9yZ2V0LW1lLW5vdC1hLXJlYWwtc2lnbmF0dXJlMDA");
        let refreshed = UelzPurchaseRequest { customer: Customer::Signed(later), ..req.clone() };
        assert_eq!(signed.fingerprint(), refreshed.fingerprint());
        assert!(!signed.fingerprint().contains("tR6fuk"), "{}", signed.fingerprint());
        let sam = SIGNED.replace("a1exrunner", "saml1fter0");
        assert_ne!(signed.fingerprint(), UelzPurchaseRequest { customer: Customer::Signed(sam), ..req.clone() }.fingerprint());
        let shown = format!("{signed:?}");
        assert!(!shown.contains("tR6fuk") && shown.contains("clcu0a1exrunner0000000001"), "{shown}");
        let id = uuid_v4([0xff; 16]);
        assert_eq!(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(uuid_v4([0; 16]), "00000000-0000-4000-8000-000000000000");
        assert!(is_iso_date("2026-02-28") && !is_iso_date("2026-13-01") && !is_iso_date("26-01-01") && !is_iso_date("2026-1-011"));
        assert!(is_plausible_email("a.b@c.example") && !is_plausible_email("a@b") && !is_plausible_email("a b@c.d") && !is_plausible_email("@c.d"));
    }
}
