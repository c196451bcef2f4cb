//! `auth`: the sign-in return parameters are removed from the page's address, and nothing else.

use super::*;

// ---------------------------------------------------------------------------------------------
// Sign-in return parameters (what the authorization server adds to the page's address)
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
pub(crate) struct ReturnUrl {
    base: String,
    pairs: Vec<String>,
    fragment: Option<String>,
}

impl ReturnUrl {
    fn render(&self) -> String {
        let mut url = self.base.clone();
        if !self.pairs.is_empty() {
            url.push('?');
            url.push_str(&self.pairs.join("&"));
        }
        if let Some(f) = &self.fragment {
            url.push('#');
            url.push_str(f);
        }
        url
    }
}

pub(crate) fn param_key() -> BoxedStrategy<String> {
    prop_oneof![
        3 => prop::sample::select(&["code", "state", "iss", "error", "error_description", "a", "outcome", "Code", "codes", "state_", "c%6Fde", "", " state"][..]).prop_map(str::to_owned),
        1 => "[a-z_%+ ]{0,6}",
    ]
    .boxed()
}

pub(crate) fn param_value() -> BoxedStrategy<String> {
    prop_oneof![
        3 => prop::sample::select(&["abc", "xyz", "access_denied", "<script>", "https%3A%2F%2Fgoteamup.com", "", "a=b", "x?y", "%20"][..]).prop_map(str::to_owned),
        1 => "[A-Za-z0-9_-]{0,70}",
        1 => text().prop_map(|t| t.replace(['&', '#'], "")),
    ]
    .boxed()
}

pub(crate) fn return_url() -> BoxedStrategy<ReturnUrl> {
    let base = prop_oneof![
        3 => prop::sample::select(&["https://s.example/j", "https://s.example", "/p", "", "https://s.example/a;b/"][..]).prop_map(str::to_owned),
        1 => text().prop_map(|t| t.replace(['?', '#'], "")),
    ];
    let pair = (param_key(), prop::option::of(param_value())).prop_map(|(k, v)| match v {
        Some(v) => format!("{k}={v}"),
        None => k,
    });
    let fragment = prop::option::of(prop_oneof![Just("code=abc&a=1".to_string()), "[a-z?&=#/]{0,10}".boxed(), text()]);
    (base, prop::collection::vec(pair, 0..7), fragment).prop_map(|(base, pairs, fragment)| ReturnUrl { base, pairs, fragment }).boxed()
}

pub(crate) fn key_of(pair: &str) -> &str {
    pair.split('=').next().unwrap_or("")
}

pub(crate) fn is_ours(pair: &str) -> bool {
    RETURN_PARAMS.contains(&key_of(pair))
}

/// The query part of a URL, as `location.search` would hold it (without `?`).
pub(crate) fn query_of(url: &str) -> &str {
    let before_fragment = url.split('#').next().unwrap_or("");
    before_fragment.split_once('?').map_or("", |(_, q)| q)
}

proptest! {
    #![proptest_config(config(MANY))]

    #[test]
    fn strip_return_params_on_any_text(url in text()) {
        let stripped = strip_return_params(&url);
        prop_assert_eq!(strip_return_params(&stripped), stripped.clone(), "idempotent");
        prop_assert!(!query_of(&stripped).split('&').any(is_ours), "{:?}", stripped);
    }

    #[test]
    fn strip_return_params_keeps_everything_else_in_order(u in return_url()) {
        let url = u.render();
        let stripped = strip_return_params(&url);
        let expected = ReturnUrl {
            base: u.base.clone(),
            pairs: u.pairs.iter().filter(|p| !p.is_empty() && !is_ours(p)).cloned().collect(),
            fragment: u.fragment.clone(),
        };
        prop_assert_eq!(&stripped, &expected.render());
        prop_assert_eq!(strip_return_params(&stripped), stripped.clone(), "idempotent");
        prop_assert!(!query_of(&stripped).split('&').any(is_ours));
    }
}
