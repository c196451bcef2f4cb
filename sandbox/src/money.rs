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

/// Integer cents from a JSON number such as `59.0` or `12.34`. `None` for negative, non-finite
/// or sub-cent amounts (`0.005`), so data and API input stay exact.
pub fn cents_from_f64(amount: f64) -> Option<i64> {
    if !amount.is_finite() || !(0.0..=1e13).contains(&amount) {
        return None;
    }
    let cents = (amount * 100.0).round();
    // Accept only what really has at most two decimals (allowing for binary rounding).
    if (cents / 100.0 - amount).abs() > 1e-9 * amount.max(1.0) {
        return None;
    }
    Some(cents as i64)
}

/// The JSON number for an amount in cents: `5310` → `53.1`. Exact to the cent, because the
/// nearest f64 to `n/100` prints back as the shortest decimal with at most two places.
pub fn cents_to_f64(cents: i64) -> f64 {
    cents as f64 / 100.0
}

/// `cents × percent / 100`, rounded half up to the cent, in integers. `percent` is in
/// hundredths of a percent (basis points), so 12.5 % is 1250.
pub fn percent_of(cents: i64, basis_points: i64) -> i64 {
    (cents * basis_points + 5_000).div_euclid(10_000)
}

/// "59.00": two decimals, no grouping.
pub fn plain_amount(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
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

    #[test]
    fn cents_are_exact() {
        assert_eq!(cents_from_f64(59.0), Some(5900));
        assert_eq!(cents_from_f64(0.1 + 0.2), Some(30));
        assert_eq!(cents_from_f64(19.99), Some(1999));
        assert_eq!(cents_from_f64(0.005), None);
        assert_eq!(cents_from_f64(-1.0), None);
        assert_eq!(cents_from_f64(f64::NAN), None);
        assert_eq!(cents_to_f64(5310).to_string(), "53.1");
        assert_eq!(
            serde_json::to_string(&cents_to_f64(10799)).unwrap(),
            "107.99"
        );
        assert_eq!(plain_amount(5900), "59.00");
        assert_eq!(plain_amount(5), "0.05");
    }

    #[test]
    fn percentages_round_half_up_in_integers() {
        assert_eq!(percent_of(5900, 1000), 590);
        assert_eq!(percent_of(1500, 2000), 300);
        // 12.5 % of 0.99 = 0.12375 → 0.12; 50 % of 0.05 = 0.025 → 0.03
        assert_eq!(percent_of(99, 1250), 12);
        assert_eq!(percent_of(5, 5000), 3);
        assert_eq!(percent_of(12000, 10000), 12000);
    }
}
