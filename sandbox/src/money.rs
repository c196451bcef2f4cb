//! TeamUp's Money object: every price in the API is one of these.

use serde::Serialize;

use crate::data::Currency;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Money {
    pub decimal: f64,
    pub string: String,
    /// Lower case, as in TeamUp's examples ("gbp").
    pub iso_currency_code: String,
    pub currency_symbol: String,
    pub currency_symbol_position: String,
}

impl Money {
    pub fn new(amount: f64, currency: &Currency) -> Money {
        Money {
            decimal: amount,
            string: format_amount(amount, currency),
            iso_currency_code: currency.iso_currency_code.to_lowercase(),
            currency_symbol: currency.symbol.clone(),
            currency_symbol_position: currency.position.clone(),
        }
    }
}

/// "£1,234.50" (symbol before) or "1,234.50 kr" (symbol after).
pub fn format_amount(amount: f64, currency: &Currency) -> String {
    let cents = (amount.abs() * 100.0).round() as u64;
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if amount < 0.0 && cents > 0 { "-" } else { "" };
    let number = format!("{grouped}.{:02}", cents % 100);
    if currency.position == "after" {
        format!("{sign}{number} {}", currency.symbol)
    } else {
        format!("{sign}{}{number}", currency.symbol)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gbp() -> Currency {
        Currency {
            iso_currency_code: "GBP".into(),
            symbol: "£".into(),
            position: "before".into(),
        }
    }

    #[test]
    fn money_matches_teamup_shape() {
        let m = Money::new(79.0, &gbp());
        let v = serde_json::to_value(&m).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"decimal": 79.0, "string": "£79.00", "iso_currency_code": "gbp",
                                "currency_symbol": "£", "currency_symbol_position": "before"})
        );
    }

    #[test]
    fn groups_thousands_and_places_symbol() {
        assert_eq!(format_amount(1234.5, &gbp()), "£1,234.50");
        assert_eq!(format_amount(0.0, &gbp()), "£0.00");
        let sek = Currency {
            iso_currency_code: "sek".into(),
            symbol: "kr".into(),
            position: "after".into(),
        };
        assert_eq!(format_amount(120.0, &sek), "120.00 kr");
    }
}
