//! `settings`: every attribute value is read or refused with a named error, never a panic.

use super::*;

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

pub(crate) const ATTRIBUTES: [&str; 16] = [
    settings::CUSTOMER_TOKEN,
    settings::API_PROXY,
    settings::CLIENT_ID,
    settings::TIMEOUT,
    settings::PAYMENT_HOSTS,
    settings::EXTERNAL_RETURN,
    settings::API_BASE,
    settings::PROVIDER_ID,
    settings::TOKEN,
    settings::AUTH_PREFIX,
    settings::REQUEST_MODE,
    settings::CUSTOMER_ID,
    settings::RETURN_URL,
    settings::LOCALE,
    settings::BACKEND,
    settings::GATEWAY_URL,
];

pub(crate) fn number_text() -> BoxedStrategy<String> {
    prop_oneof![3 => (1u64..1_000_000).prop_map(|n| n.to_string()), 1 => any::<u64>().prop_map(|n| n.to_string()), 1 => special()].boxed()
}

pub(crate) fn attribute_value(name: &'static str) -> BoxedStrategy<String> {
    let likely: BoxedStrategy<String> = match name {
        settings::API_BASE | settings::API_PROXY | settings::RETURN_URL | settings::GATEWAY_URL => url_text(),
        settings::PROVIDER_ID => number_text(),
        settings::CUSTOMER_ID => prop_oneof![number_text(), "[A-Za-z0-9_-]{0,70}".boxed()].boxed(),
        settings::TOKEN => prop_oneof!["[A-Za-z0-9._-]{1,40}", "(Bearer|Token) [a-z0-9]{1,8}"].boxed(),
        settings::CLIENT_ID => prop_oneof!["[A-Za-z0-9._-]{1,40}", "client id"].boxed(),
        settings::CUSTOMER_TOKEN => prop_oneof!["v[0-9]\\.[A-Za-z0-9_ -]{0,66}\\.[0-9a-z]{0,13}\\.[A-Za-z0-9_+/=-]{0,45}", "[A-Za-z0-9._-]{1,40}"].boxed(),
        settings::AUTH_PREFIX => prop::sample::select(&["Bearer", "token", "JWT", "jwt", "Basic", ""][..]).prop_map(str::to_owned).boxed(),
        settings::REQUEST_MODE => prop::sample::select(&["customer", "Provider", "admin", ""][..]).prop_map(str::to_owned).boxed(),
        settings::BACKEND => prop::sample::select(&["teamup", "uelz", "UELZ", "TeamUp", "stripe", ""][..]).prop_map(str::to_owned).boxed(),
        settings::LOCALE => "[a-zA-Z]{0,9}([-_][a-zA-Z0-9]{0,9}){0,3}".boxed(),
        settings::TIMEOUT => prop_oneof![(0u64..200).prop_map(|n| n.to_string()).boxed(), number_text()].boxed(),
        settings::PAYMENT_HOSTS => prop::collection::vec(prop_oneof![host().boxed(), text()], 0..4)
            .prop_flat_map(|hosts| prop::sample::select(&[",", ", ", " ", ",,"][..]).prop_map(move |sep| hosts.join(sep)))
            .boxed(),
        settings::EXTERNAL_RETURN => prop::sample::select(&["", "true", "false"][..]).prop_map(str::to_owned).boxed(),
        _ => text(),
    };
    let padding = prop::sample::select(&["", "", " ", "\t\n", "\u{a0}", "\u{3000}"][..]);
    (prop_oneof![4 => likely, 1 => text()], padding.clone(), padding).prop_map(|(v, a, b)| format!("{a}{v}{b}")).boxed()
}

/// Values the attribute accepts (mostly), for attribute maps that get past validation.
pub(crate) fn valid_attribute_value(name: &'static str) -> BoxedStrategy<String> {
    fn words(w: &'static [&'static str]) -> BoxedStrategy<String> {
        prop::sample::select(w).prop_map(str::to_owned).boxed()
    }
    match name {
        settings::API_BASE | settings::API_PROXY | settings::GATEWAY_URL => prop_oneof![
            words(&["https://goteamup.com/api/v2", "/api/v2/", "http://127.0.0.1:8787", "https://pay.studio.example/v1/"]),
            "(https?://[a-z]{1,8}\\.example(:[0-9]{1,5})?)?(/[a-z0-9._~-]{1,6}){1,3}/{0,2}".boxed(),
        ]
        .boxed(),
        settings::PROVIDER_ID => prop_oneof![(1u64..1_000_000).prop_map(|n| n.to_string()), any::<u64>().prop_map(|n| n.to_string())].boxed(),
        settings::TOKEN => "[A-Za-z0-9._-]{1,40}".boxed(),
        settings::CLIENT_ID => "[A-Za-z0-9._-]{1,40}".boxed(),
        settings::CUSTOMER_TOKEN => "v1\\.[A-Za-z0-9_-]{1,64}\\.[0-9]{1,12}\\.[A-Za-z0-9_-]{43}".boxed(),
        settings::AUTH_PREFIX => words(&["Bearer", "token", "JWT"]),
        settings::REQUEST_MODE => words(&["customer", "Provider"]),
        settings::CUSTOMER_ID => prop_oneof![(1u64..1_000_000).prop_map(|n| n.to_string()), "[A-Za-z0-9_-]{1,64}".boxed()].boxed(),
        settings::RETURN_URL => prop_oneof![
            words(&["/thanks", "https://studio.example/done", "https://STUDIO.example/x?y#z", "https://elsewhere.example/"]),
            "(/[a-z0-9._~-]{1,6}){1,3}(\\?[a-z]=[a-z])?".boxed(),
        ]
        .boxed(),
        settings::LOCALE => words(&["en-GB", "de", "zh-Hant-TW", "pt_BR"]),
        settings::BACKEND => words(&["teamup", "uelz", "UELZ", "TeamUp"]),
        settings::TIMEOUT => (1u32..=120).prop_map(|n| n.to_string()).boxed(),
        settings::PAYMENT_HOSTS => prop::collection::vec(words(&["pay.example.com", "GoTeamUp.com", "127.0.0.1", "[::1]"]), 1..4)
            .prop_map(|h| h.join(", "))
            .boxed(),
        _ => words(&[""]),
    }
}

pub(crate) fn attributes() -> BoxedStrategy<HashMap<String, String>> {
    let dirty: Vec<BoxedStrategy<Option<(String, String)>>> = ATTRIBUTES
        .iter()
        .map(|&name| prop::option::weighted(0.7, attribute_value(name).prop_map(move |v| (name.to_string(), v))).boxed())
        .collect();
    let clean: Vec<BoxedStrategy<Option<(String, String)>>> = ATTRIBUTES
        .iter()
        .map(|&name| {
            let required = [settings::API_BASE, settings::PROVIDER_ID, settings::TOKEN, settings::GATEWAY_URL].contains(&name);
            prop::option::weighted(if required { 0.95 } else { 0.4 }, valid_attribute_value(name).prop_map(move |v| (name.to_string(), v)))
                .boxed()
        })
        .collect();
    let build = |(known, unknown): (Vec<Option<(String, String)>>, Vec<(String, String)>)| {
        unknown.into_iter().chain(known.into_iter().flatten()).collect::<HashMap<_, _>>()
    };
    prop_oneof![
        (dirty, prop::collection::vec((text(), text()), 0..3)).prop_map(build),
        (clean, prop::collection::vec(("data-x-[a-z-]{1,10}".prop_map(String::from), text()), 0..3)).prop_map(build),
    ]
    .boxed()
}

pub(crate) fn page_url() -> BoxedStrategy<String> {
    prop_oneof![
        4 => prop::sample::select(&["https://studio.example/join?x=1", "https://studio.example", "http://localhost:8080/", "about:blank", "file:///x.html", "", "https://", "https://a@b/"][..]).prop_map(str::to_owned),
        2 => url_text(),
        1 => text(),
    ]
    .boxed()
}

pub(crate) fn assert_http_url(url: &str, what: &str) {
    assert!(is_absolute_http_url(url), "{what} {url:?}");
    assert!(url.starts_with("https://") || url.starts_with("http://"), "{what} {url:?}");
    assert!(!url.chars().any(|c| c.is_whitespace() || c.is_control()), "{what} {url:?}");
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn settings_never_panic_and_are_valid_when_accepted(attrs in attributes(), page in page_url()) {
        let asked = std::cell::RefCell::new(Vec::new());
        let result = settings::parse(|name| { asked.borrow_mut().push(name.to_string()); attrs.get(name).cloned() }, &page);
        prop_assert!(asked.borrow().iter().all(|n| ATTRIBUTES.contains(&n.as_str())), "reads only its own attributes");
        match result {
            Ok(s) => {
                match &s.backend {
                    Backend::TeamUp(t) => {
                        assert_http_url(&t.api_base, "api base");
                        prop_assert!(!t.api_base.ends_with('/'));
                        if let Some(proxy) = &t.api_proxy {
                            assert_http_url(proxy, "api proxy");
                            prop_assert!(!proxy.ends_with('/'));
                        }
                        prop_assert!(t.provider_id > 0);
                        prop_assert!(t.customer_id.is_none_or(|c| c > 0));
                        prop_assert!(["Bearer", "Token", "JWT"].contains(&t.auth_prefix.as_str()));
                        prop_assert!(t.token.is_some() || t.client_id.is_some(), "a token, or a way to sign in");
                        for credential in [&t.token, &t.client_id].into_iter().flatten() {
                            prop_assert!(!credential.is_empty() && !credential.chars().any(|c| c.is_whitespace() || c.is_control()));
                        }
                        prop_assert!(matches!(t.request_mode, RequestMode::Customer | RequestMode::Provider));
                    }
                    Backend::Uelz(u) => {
                        assert_http_url(&u.gateway_url, "gateway url");
                        prop_assert!(!u.gateway_url.ends_with('/'));
                        prop_assert!(attrs.get(settings::CUSTOMER_ID).is_none_or(|v| v.trim().is_empty()), "a bare customer id is refused in Uelz mode");
                        if let Some(t) = &u.customer_token {
                            let id = settings::signed_customer_id(t);
                            prop_assert!(id.is_some_and(|id| !id.is_empty() && id.len() <= 64), "{:?}", t);
                            prop_assert!(!t.chars().any(|c| c.is_whitespace() || c.is_control()));
                        }
                    }
                }
                if let Some(r) = &s.return_url {
                    assert_http_url(r, "return url");
                    if !attrs.contains_key(settings::EXTERNAL_RETURN) {
                        let lower = |u: &str| origin_of(u).map(str::to_ascii_lowercase);
                        prop_assert_eq!(lower(r), lower(&page), "same-origin return url");
                    }
                }
                prop_assert!((1000..=120_000).contains(&s.timeout_ms) && s.timeout_ms % 1000 == 0, "{}", s.timeout_ms);
                for h in &s.payment_hosts {
                    let (host, port) = h.rsplit_once(':').expect("host:port");
                    prop_assert!(settings::is_host_name(host) && *h == h.to_ascii_lowercase(), "{:?}", h);
                    prop_assert!(port.parse::<u16>().is_ok(), "{:?}", h);
                }
                if let Some(l) = &s.locale {
                    prop_assert!(!l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
                }
            }
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                let mut named: Vec<&str> = errors.iter().map(|e| e.attribute).collect();
                prop_assert!(named.iter().all(|a| ATTRIBUTES.contains(a)), "{:?}", named);
                prop_assert!(errors.iter().all(|e| !e.message.is_empty() && e.to_string().starts_with(e.attribute)));
                named.sort_unstable();
                let before = named.len();
                named.dedup();
                prop_assert_eq!(before, named.len(), "each attribute is reported once");
            }
        }
    }

    /// Attribute values are read trimmed: padding them never changes the outcome.
    #[test]
    fn settings_ignore_surrounding_whitespace(attrs in attributes(), page in page_url()) {
        let padded: HashMap<String, String> = attrs.iter().map(|(k, v)| (k.clone(), format!(" \t{v}\n "))).collect();
        prop_assert_eq!(
            settings::parse(|n| attrs.get(n).cloned(), &page),
            settings::parse(|n| padded.get(n).cloned(), &page)
        );
    }
}

proptest! {
    #![proptest_config(config(MANY))]

    #[test]
    fn url_checks_never_panic(url in prop_oneof![url_text(), text()]) {
        // The strict reader the transport decides by: never panics, and what it resolves it can read.
        if let Some(origin) = membership_checkout::url::origin(&url) {
            prop_assert!(membership_checkout::url::is_on(&url, &origin));
        }
        if let Some(resolved) = membership_checkout::url::resolve("https://api.example/api/v2/memberships?page=1", &url) {
            prop_assert!(membership_checkout::url::split(&resolved).is_some(), "{:?} -> {:?}", url, resolved);
        }
        if let Some(origin) = origin_of(&url) {
            prop_assert!(url.starts_with(origin));
            prop_assert!(origin.starts_with("https://") || origin.starts_with("http://"));
        }
        if is_absolute_http_url(&url) {
            prop_assert!(origin_of(&url).is_some());
            prop_assert!(!url.chars().any(|c| c.is_whitespace() || c.is_control()));
        }
    }
}
