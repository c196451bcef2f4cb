//! `redirect`: where a payment page may send the customer.

use super::*;

// ---------------------------------------------------------------------------------------------
// Payment page addresses (redirect)
// ---------------------------------------------------------------------------------------------

pub(crate) fn payment_url() -> BoxedStrategy<String> {
    let scheme = prop::sample::select(&["https://", "HTTPS://", "http://", "hTTp://", "javascript:", "//", "https:/", "data:"][..]);
    let userinfo = prop::sample::select(&["", "", "", "u@", "u:p@", "goteamup.com@", "@"][..]);
    let port = prop::sample::select(&["", "", ":443", ":8787", ":", ":x", ":99999999999999999999", "]:1"][..]);
    let path = prop_oneof![
        3 => "(/[a-z0-9._~@-]{0,8}){0,3}(\\?[a-z=&@]{0,10})?(#[a-z@]{0,4})?",
        1 => text(),
    ];
    (scheme, userinfo, host(), port, path).prop_map(|(s, u, h, p, rest)| format!("{s}{u}{h}{p}{rest}")).boxed()
}

proptest! {
    #![proptest_config(config(MANY))]

    #[test]
    fn payment_urls_are_followed_only_when_safe(
        url in prop_oneof![3 => payment_url(), 1 => url_text(), 1 => text()],
        mut allowed in prop::collection::vec(host().prop_map(|h| format!("{}:443", h.to_ascii_lowercase())), 0..4),
        approve in any::<bool>(),
    ) {
        let entry = allow_entry(&url);
        if let Some(e) = entry.clone().filter(|_| approve) {
            allowed.push(e);
        }
        if let Some(e) = &entry {
            let (h, port) = e.rsplit_once(':').expect("host:port");
            prop_assert!(settings::is_host_name(h) && *e == e.to_ascii_lowercase(), "{:?}", e);
            prop_assert!(port.parse::<u16>().is_ok(), "{:?}", e);
        }
        match check_payment_url(&url, &allowed) {
            Ok(()) => {
                let lower = url.to_ascii_lowercase();
                let rest = lower.strip_prefix("https://").or_else(|| lower.strip_prefix("http://"));
                prop_assert!(rest.is_some(), "{:?}", url);
                let authority = rest.unwrap().split(['/', '?', '#']).next().unwrap();
                prop_assert!(!authority.contains('@'), "{:?}", url);
                prop_assert!(!url.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\\'), "{:?}", url);
                let entry = entry.unwrap();
                prop_assert!(allowed.contains(&entry), "{:?} {:?}", url, allowed);
                let host = entry.rsplit_once(':').unwrap().0;
                if lower.starts_with("http://") {
                    prop_assert!(["127.0.0.1", "localhost", "[::1]"].contains(&host), "{:?}", url);
                }
            }
            Err(Refusal(message)) => prop_assert!(!message.is_empty()),
        }
    }
}
