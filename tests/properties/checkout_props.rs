//! `checkout/uelz`: the Uelz form's helpers (dates, e-mail addresses, idempotency keys).

use super::*;

// ---------------------------------------------------------------------------------------------
// Uelz form helpers
// ---------------------------------------------------------------------------------------------

pub(crate) fn date_text() -> BoxedStrategy<String> {
    let valid = (0u32..10_000, 1u32..=12, 1u32..=31).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"));
    let mutated = ((0u32..10_000, 0u32..100, 0u32..100), any::<prop::sample::Index>(), prop_oneof![any::<char>(), prop::sample::select(&['é', '€', '😀', '٣', '-', '0'][..])])
        .prop_map(|((y, m, d), at, c)| {
            let mut chars: Vec<char> = format!("{y:04}-{m:02}-{d:02}").chars().collect();
            chars[at.index(10)] = c;
            chars.into_iter().collect()
        });
    prop_oneof![valid, mutated, text()].boxed()
}

proptest! {
    #![proptest_config(config(MANY))]

    #[test]
    fn uuid_v4_is_always_a_valid_v4_uuid(bytes in any::<[u8; 16]>()) {
        let id = uuid_v4(bytes);
        let groups: Vec<&str> = id.split('-').collect();
        prop_assert_eq!(groups.iter().map(|g| g.len()).collect::<Vec<_>>(), vec![8, 4, 4, 4, 12], "{}", id);
        prop_assert!(id.bytes().all(|b| b == b'-' || b.is_ascii_digit() || (b'a'..=b'f').contains(&b)), "{}", id);
        prop_assert_eq!(&groups[2][..1], "4");
        prop_assert!("89ab".contains(&groups[3][..1]));
        // Everything but the version and variant bits comes from the input.
        let hex: String = groups.concat();
        let out: Vec<u8> = (0..16).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()).collect();
        for i in 0..16 {
            let mask = match i { 6 => 0x0f, 8 => 0x3f, _ => 0xff };
            prop_assert_eq!(out[i] & mask, bytes[i] & mask);
        }
    }

    #[test]
    fn iso_dates_never_panic(s in date_text()) {
        if is_iso_date(&s) {
            let b = s.as_bytes();
            prop_assert!(b.len() == 10 && b[4] == b'-' && b[7] == b'-');
            prop_assert!(b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit()));
            prop_assert!((1..=12).contains(&s[5..7].parse::<u32>().unwrap()));
            prop_assert!((1..=31).contains(&s[8..10].parse::<u32>().unwrap()));
        }
    }

    #[test]
    fn valid_iso_dates_are_accepted(y in 0u32..10_000, m in 1u32..=12, d in 1u32..=28) {
        let date = format!("{y:04}-{m:02}-{d:02}");
        prop_assert!(is_iso_date(&date), "{}", date);
    }

    #[test]
    fn emails_never_panic(s in prop_oneof![text(), "[a-z.@ ]{0,12}", "[a-z]{1,5}@[a-z]{1,5}\\.[a-z]{2,3}", "\\PC{1,200}@\\PC{1,100}\\.x"]) {
        if is_plausible_email(&s) {
            let (local, domain) = s.split_once('@').unwrap();
            prop_assert!(!local.is_empty() && !domain.contains('@'));
            prop_assert!(domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'));
            prop_assert!(!s.chars().any(char::is_whitespace) && s.len() <= 254);
        }
    }
}
