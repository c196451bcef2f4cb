//! How the vendors' values are worded for the customer: prices through `Intl` in the customer's
//! locale, billing periods, commitments and fees in the catalogue's words. `model/` holds the
//! values; this is the one place that turns them into text.

use super::Tr;
use crate::model::teamup::{Membership, Money, PaymentPlan};
use crate::model::uelz::{Price, UelzPlan};

/// `day`, `week`, `month`, `quarter` or `year` for a unit as the APIs spell it (`"months"`).
pub fn period_unit(unit: &str) -> Option<&'static str> {
    let unit = unit.trim().trim_end_matches('s');
    ["day", "week", "month", "quarter", "year"].into_iter().find(|u| u.eq_ignore_ascii_case(unit))
}

/// "every month", "every 2 weeks" in words for the locale.
pub fn every(tr: Tr, n: u32, unit: &str) -> Option<String> {
    let unit = period_unit(unit)?;
    Some(tr.n(&format!("every.{unit}"), u64::from(n.max(1)), &[]))
}

impl Money {
    /// Through `Intl` in the customer's locale when the amount and currency are known; else the
    /// vendor's ready-made label (`"£45"`, formatted for the studio's locale), else the amount.
    pub fn label(&self, tr: Tr) -> String {
        if let (Some(amount), Some(code)) = (self.decimal, self.iso_currency_code.as_deref()) {
            if let Some(label) = tr.money(amount, code) {
                return label;
            }
        }
        if let Some(s) = self.string.as_deref().filter(|s| !s.trim().is_empty()) {
            return s.to_string();
        }
        match (self.decimal, self.iso_currency_code.as_deref()) {
            (Some(d), Some(code)) => format!("{} {}", crate::num::two_decimals(d), code.to_ascii_uppercase()),
            (Some(d), None) => crate::num::two_decimals(d),
            _ => String::new(),
        }
    }
}

impl Membership {
    pub fn price_label(&self, tr: Tr) -> String {
        let money = self.display_price.as_ref().or(self.price.as_ref());
        let label = money.map(|m| m.label(tr)).unwrap_or_default();
        if self.needs_plan() && !label.is_empty() {
            tr.f("price.from", &[("price", &label)])
        } else {
            label
        }
    }

    /// "3 months" for prepaid memberships with a fixed length.
    pub fn duration_label(&self, tr: Tr) -> Option<String> {
        let n = self.duration.filter(|n| *n > 0)?;
        let unit = self.duration_unit.as_deref()?;
        match period_unit(unit).filter(|u| *u != "quarter") {
            Some(unit) => Some(tr.n(&format!("duration.{unit}"), u64::from(n), &[])),
            None => Some(format!("{n} {unit}")),
        }
    }
}

impl PaymentPlan {
    /// "every month", "every 2 weeks".
    pub fn period_label(&self, tr: Tr) -> Option<String> {
        every(tr, self.billing_period_length.unwrap_or(1), self.billing_period_unit.as_deref()?)
    }

    /// "£26.00 every 2 weeks", built from the figures in the customer's language; TeamUp's own
    /// `price_with_period` (in the studio's language) when the figures are missing.
    pub fn price_label(&self, tr: Tr) -> String {
        let price = self.price.as_ref().map(|m| m.label(tr)).unwrap_or_default();
        match self.period_label(tr) {
            Some(period) if !price.is_empty() => tr.f("price.with_period", &[("price", &price), ("period", &period)]),
            _ => match self.price_with_period.as_deref().filter(|s| !s.trim().is_empty()) {
                Some(vendor) => vendor.to_string(),
                None => price,
            },
        }
    }

    /// "6-week commitment": the committed billing periods in the plan's unit.
    pub fn commitment_label(&self, tr: Tr) -> Option<String> {
        let built = self.committed_billing_periods.filter(|n| *n > 0).and_then(|n| {
            let unit = period_unit(self.billing_period_unit.as_deref()?).filter(|u| *u != "quarter")?;
            let total = u64::from(n) * u64::from(self.billing_period_length.unwrap_or(1).max(1));
            Some(tr.n(&format!("plan.commitment.{unit}"), total, &[]))
        });
        built.or_else(|| self.duration_description.clone().filter(|s| !s.trim().is_empty()))
    }

    pub fn joining_fee_label(&self, tr: Tr) -> Option<String> {
        Some(tr.f("plan.joining_fee", &[("price", &self.joining_fee()?.label(tr))]))
    }

    pub fn due_today_label(&self, tr: Tr) -> Option<String> {
        Some(tr.f("plan.due_today", &[("price", &self.due_today()?.label(tr))]))
    }
}

impl Price {
    /// Through `Intl` for the locale; the raw figures if the platform refuses the currency.
    pub fn label(&self, tr: Tr) -> String {
        self.value()
            .and_then(|value| tr.money(value, &self.currency))
            .unwrap_or_else(|| format!("{} {}", self.amount, self.currency))
    }
}

impl UelzPlan {
    /// The plan's price for the locale, "€59.00 / month" for a recurring plan.
    pub fn price_label(&self, tr: Tr) -> String {
        let price = self.price.label(tr);
        match self.period.as_ref().and_then(|p| period_unit(&p.unit)).filter(|_| self.is_recurring()) {
            Some(unit) => tr.f(per_key(unit), &[("price", &price)]),
            None => price,
        }
    }

    /// How the plan bills, in words: "Billed every month until you cancel", "12 monthly payments"…
    pub fn billing_terms(&self, tr: Tr) -> String {
        if !self.is_recurring() {
            return tr.t("billing.one_payment").to_string();
        }
        let unit = self.period.as_ref().and_then(|p| period_unit(&p.unit));
        let period = unit.and_then(|u| every(tr, 1, u)).unwrap_or_default();
        let terms = match (self.billing_cycles, self.term_days, unit) {
            (Some(n), _, Some(unit)) => tr.n(&format!("billing.payments.{unit}"), u64::from(n), &[]),
            (None, Some(days), _) if days % 7 == 0 => tr.n("billing.for_weeks", u64::from(days / 7), &[("period", &period)]),
            (None, Some(days), _) => tr.n("billing.for_days", u64::from(days), &[("period", &period)]),
            _ => tr.f("billing.until_cancel", &[("period", &period)]),
        };
        match self.trial_days {
            0 => terms,
            n => tr.n("billing.trial", u64::from(n), &[("terms", &terms)]),
        }
    }
}

fn per_key(unit: &str) -> &'static str {
    match unit {
        "day" => "per.day",
        "week" => "per.week",
        "quarter" => "per.quarter",
        "year" => "per.year",
        _ => "per.month",
    }
}
