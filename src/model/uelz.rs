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
        self.amount.trim().parse::<f64>().ok().filter(|v| v.is_finite())
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

impl UelzPlan {
    pub fn is_recurring(&self) -> bool {
        self.kind == "recurring"
    }

    /// " / month" after the price of a recurring plan.
    pub fn per_period(&self) -> &'static str {
        if !self.is_recurring() {
            return "";
        }
        match self.period.as_ref().map(|p| p.unit.as_str()) {
            Some("day") => " / day",
            Some("week") => " / week",
            Some("month") => " / month",
            Some("quarter") => " / quarter",
            Some("year") => " / year",
            _ => "",
        }
    }

    /// How the plan bills, in words: "Billed monthly until you cancel", "12 monthly payments"…
    pub fn billing_terms(&self) -> String {
        if !self.is_recurring() {
            return "One payment".into();
        }
        let adverb = match self.period.as_ref().map(|p| p.unit.as_str()) {
            Some("day") => "daily",
            Some("week") => "weekly",
            Some("month") => "monthly",
            Some("quarter") => "quarterly",
            Some("year") => "yearly",
            _ => "regularly",
        };
        let terms = match (self.billing_cycles, self.term_days) {
            (Some(1), _) => "1 payment".to_string(),
            (Some(n), _) => format!("{n} {adverb} payments"),
            (None, Some(days)) if days % 7 == 0 => format!("Billed {adverb} for {} weeks, then ends", days / 7),
            (None, Some(days)) => format!("Billed {adverb} for {days} days, then ends"),
            (None, None) => format!("Billed {adverb} until you cancel"),
        };
        match self.trial_days {
            0 => terms,
            1 => format!("Free for 1 day, then {}", lower_first(&terms)),
            n => format!("Free for {n} days, then {}", lower_first(&terms)),
        }
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn billing_terms_in_words() {
        let base = r#""id":"p","name":"n","price":{"amount":"1","currency":"EUR"}"#;
        assert_eq!(plan(&format!(r#"{{{base},"kind":"one_off"}}"#)).billing_terms(), "One payment");
        let monthly = plan(&format!(r#"{{{base},"kind":"recurring","period":{{"unit":"month"}}}}"#));
        assert_eq!(monthly.billing_terms(), "Billed monthly until you cancel");
        assert_eq!(monthly.per_period(), " / month");
        let committed = plan(&format!(r#"{{{base},"kind":"recurring","period":{{"unit":"month"}},"billing_cycles":12}}"#));
        assert_eq!(committed.billing_terms(), "12 monthly payments");
        let summer = plan(&format!(r#"{{{base},"kind":"recurring","period":{{"unit":"week"}},"term_days":84}}"#));
        assert_eq!(summer.billing_terms(), "Billed weekly for 12 weeks, then ends");
        let trial = plan(&format!(r#"{{{base},"kind":"recurring","period":{{"unit":"year"}},"trial_days":7}}"#));
        assert_eq!(trial.billing_terms(), "Free for 7 days, then billed yearly until you cancel");
        assert!(Price { amount: "0.00".into(), currency: "EUR".into() }.is_zero());
        assert_eq!(Price { amount: "x".into(), currency: "EUR".into() }.value(), None);
    }
}
