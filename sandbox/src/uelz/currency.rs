//! ISO 4217 currency codes (list one, the codes in force in 2025, funds and precious metals
//! included), for validating `currency` on `POST /uelz/purchases`.

const ISO_4217: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD",
    "CAD", "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUP", "CVE",
    "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL",
    "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR",
    "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD",
    "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK",
    "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO",
    "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON",
    "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD",
    "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD",
    "TZS", "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED", "VES", "VND", "VUV",
    "WST", "XAF", "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XCD", "XCG", "XDR", "XOF", "XPD",
    "XPF", "XPT", "XSU", "XTS", "XUA", "XXX", "YER", "ZAR", "ZMW", "ZWG",
];

/// An upper-case code from the list; "eur" and "EURO" are not.
pub fn is_iso_4217(code: &str) -> bool {
    ISO_4217.binary_search(&code).is_ok()
}

/// "€59.00", "US$19.00", "GBP 10.00": for the checkout page only.
pub fn format_money(cents: i64, currency: &str) -> String {
    let amount = crate::money::plain_amount(cents);
    match currency {
        "EUR" => format!("€{amount}"),
        "USD" => format!("US${amount}"),
        "GBP" => format!("£{amount}"),
        other => format!("{other} {amount}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_sorted_and_unique() {
        assert!(
            ISO_4217.windows(2).all(|w| w[0] < w[1]),
            "binary search needs order"
        );
        assert!(ISO_4217
            .iter()
            .all(|c| c.len() == 3 && c.chars().all(|c| c.is_ascii_uppercase())));
    }

    #[test]
    fn real_codes_only() {
        for ok in ["EUR", "USD", "GBP", "CHF", "JPY", "SEK"] {
            assert!(is_iso_4217(ok), "{ok}");
        }
        for bad in ["eur", "Eur", "EURO", "ABC", "XYZ", "", "HRK"] {
            assert!(!is_iso_4217(bad), "{bad}");
        }
        assert_eq!(format_money(5900, "EUR"), "€59.00");
        assert_eq!(format_money(1900, "USD"), "US$19.00");
    }
}
