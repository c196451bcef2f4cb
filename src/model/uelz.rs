//! What the studio's gateway says about Uelz plans and coupons (docs/contract.md §4). Parsed
//! leniently: optional fields default, unknown fields are ignored.

use serde::Deserialize;

/// An amount as the gateway sends it: a decimal string, so nothing is lost to floating point.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Price {
    pub amount: String,
    pub currency: String,
}

impl Price {
    /// For display only (through `Intl.NumberFormat`); sums are the gateway's job.
    pub fn value(&self) -> Option<f64> {
        crate::num::parse_decimal(&self.amount)
    }

    pub fn is_zero(&self) -> bool {
        self.value() == Some(0.0)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct Period {
    /// `day`, `week`, `month`, `quarter` or `year`.
    pub unit: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct UelzPlan {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// `one_off` or `recurring`.
    pub kind: String,
    pub price: Price,
    #[serde(default)]
    pub period: Option<Period>,
    #[serde(default)]
    pub billing_cycles: Option<u32>,
    #[serde(default)]
    pub trial_days: u32,
    #[serde(default)]
    pub needs_activation_date: bool,
    #[serde(default)]
    pub term_days: Option<u32>,
}

#[derive(Debug, Deserialize)]
pub struct PlansReply {
    pub plans: Vec<UelzPlan>,
}

/// The gateway's answer to "what does this code take off this plan".
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct CouponQuote {
    pub code: String,
    #[serde(default)]
    pub name: String,
    pub discount: Price,
    pub total: Price,
}

/// What the gateway says of a checkout attempt's purchase (`GET /purchases/<external_id>`):
/// asked when the customer comes back from the payment page, instead of believing the URL.
/// Only what the widget uses is read (the answer also carries Uelz's `purchase_id` and its own
/// `status`, e.g. `incomplete`; docs/contract.md §4).
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct PurchaseStatus {
    pub external_id: String,
    #[serde(default)]
    pub outcome: PurchaseOutcome,
}

/// What to tell the customer. An outcome this version doesn't know reads as `Pending`: keep
/// checking rather than claim anything.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub enum PurchaseOutcome {
    /// Paid (it may start later).
    Active,
    /// Not paid yet, or still being settled.
    #[default]
    Pending,
    /// Cancelled or unpaid.
    Failed,
}

impl From<String> for PurchaseOutcome {
    fn from(s: String) -> Self {
        match s.as_str() {
            "active" => PurchaseOutcome::Active,
            "failed" => PurchaseOutcome::Failed,
            _ => PurchaseOutcome::Pending,
        }
    }
}

impl UelzPlan {
    pub fn is_recurring(&self) -> bool {
        self.kind == "recurring"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Tr;

    fn plan(json: &str) -> UelzPlan {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn gateway_plans_parse_leniently() {
        let reply: PlansReply = serde_json::from_str(
            r#"{"plans":[{"id":"p1","name":"Monthly","kind":"recurring","price":{"amount":"59.00","currency":"EUR"},
            "period":{"unit":"month"},"billing_cycles":null,"unknown":true},
            {"id":"p2","name":"Card","kind":"one_off","price":{"amount":"120.00","currency":"EUR"}}]}"#,
        )
        .unwrap();
        assert_eq!(reply.plans.len(), 2);
        assert_eq!(reply.plans[1].period, None);
        assert!(!reply.plans[1].needs_activation_date);
        assert_eq!(reply.plans[0].price.value(), Some(59.0));
        assert!(serde_json::from_str::<PlansReply>(r#"{"plans":[{"id":"p"}]}"#).is_err(), "a plan without a price is refused");
    }

    #[test]
    fn purchase_statuses_parse_and_unknown_outcomes_are_pending() {
        let s: PurchaseStatus = serde_json::from_str(
            r#"{"external_id":"0c2f8a5e-7c1d-4f3a-9b2e-1a2b3c4d5e6f","purchase_id":"clpu1","status":"pending","outcome":"active","x":1}"#,
        )
        .unwrap();
        assert_eq!((s.outcome, s.external_id.as_str()), (PurchaseOutcome::Active, "0c2f8a5e-7c1d-4f3a-9b2e-1a2b3c4d5e6f"));
        let read = |outcome: &str| {
            serde_json::from_str::<PurchaseStatus>(&format!(r#"{{"external_id":"e","purchase_id":"p","status":"x","outcome":"{outcome}"}}"#))
                .unwrap()
                .outcome
        };
        assert_eq!(read("failed"), PurchaseOutcome::Failed);
        assert_eq!(read("pending"), PurchaseOutcome::Pending);
        assert_eq!(read("refunded_someday"), PurchaseOutcome::Pending);
        assert_eq!(read("ACTIVE"), PurchaseOutcome::Pending, "exact words only");
        let bare: PurchaseStatus = serde_json::from_str(r#"{"external_id":"e","purchase_id":"p"}"#).unwrap();
        assert_eq!(bare.outcome, PurchaseOutcome::Pending);
        assert!(serde_json::from_str::<PurchaseStatus>(r#"{"purchase_id":"p","outcome":"active"}"#).is_err(), "no external_id: whose is it?");
    }

    #[test]
    fn billing_terms_in_words() {
        let en = Tr::english();
        let base = r#""id":"p","name":"n","price":{"amount":"1","currency":"EUR"}"#;
        assert_eq!(plan(&format!(r#"{{{base},"kind":"one_off"}}"#)).billing_terms(en), "One payment");
        let monthly = plan(&format!(r#"{{{base},"kind":"recurring","period":{{"unit":"month"}}}}"#));
        assert_eq!(monthly.billing_terms(en), "Billed every month until you cancel");
        assert_eq!(monthly.price_label(en), "1.00 EUR / month");
        let committed = plan(&format!(r#"{{{base},"kind":"recurring","period":{{"unit":"month"}},"billing_cycles":12}}"#));
        assert_eq!(committed.billing_terms(en), "12 monthly payments");
        let once = plan(&format!(r#"{{{base},"kind":"recurring","period":{{"unit":"month"}},"billing_cycles":1}}"#));
        assert_eq!(once.billing_terms(en), "1 monthly payment");
        let summer = plan(&format!(r#"{{{base},"kind":"recurring","period":{{"unit":"week"}},"term_days":84}}"#));
        assert_eq!(summer.billing_terms(en), "Billed every week for 12 weeks, then ends");
        let trial = plan(&format!(r#"{{{base},"kind":"recurring","period":{{"unit":"year"}},"trial_days":7}}"#));
        assert_eq!(trial.billing_terms(en), "Free for 7 days, then: Billed every year until you cancel");
        let de = Tr::of(crate::i18n::Lang::De);
        assert!(!trial.billing_terms(de).contains("Billed"), "German: {}", trial.billing_terms(de));
        assert!(Price { amount: "0.00".into(), currency: "EUR".into() }.is_zero());
        assert_eq!(Price { amount: "x".into(), currency: "EUR".into() }.value(), None);
        assert_eq!(Price { amount: "x".into(), currency: "EUR".into() }.label(en), "x EUR");
    }
}
