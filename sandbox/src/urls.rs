//! URL helpers: the absolute base for links (DRF's `build_absolute_uri`), DRF-style page links,
//! `return_to` handling and the URL validation DRF's URLField applies.

use std::collections::BTreeMap;

use axum::http::{header, HeaderMap, Uri};

use crate::state::Sandbox;

/// Scheme and authority for absolute links: the request's Host header (like Django), else the
/// URI's authority, else `--public-url`, else the address the server is bound to.
pub fn base_url(headers: &HeaderMap, uri: &Uri, sandbox: &Sandbox) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::trim)
        .filter(|h| !h.is_empty() && valid_host_header(h))
        .map(str::to_string)
        .or_else(|| uri.authority().map(|a| a.to_string()));
    if let Some(host) = host {
        return format!("http://{host}");
    }
    if let Some(public) = &sandbox.inner.public_url {
        return public.clone();
    }
    sandbox
        .listen_base()
        .unwrap_or_else(|| "http://localhost".to_string())
}

/// Refuses Host values that would break out of the authority when pasted into a link.
fn valid_host_header(h: &str) -> bool {
    h.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-.:[]_".contains(c))
}

/// DRF's `replace_query_param` / `remove_query_param`: parse the query, set (or drop) one key,
/// and re-encode with keys sorted, so `next` and `previous` keep the other filters.
pub fn page_link(
    base: &str,
    path: &str,
    query: &[(String, String)],
    key: &str,
    value: Option<String>,
) -> String {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in query {
        map.entry(k.clone()).or_default().push(v.clone());
    }
    match value {
        Some(v) => {
            map.insert(key.to_string(), vec![v]);
        }
        None => {
            map.remove(key);
        }
    }
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, vs) in &map {
        for v in vs {
            ser.append_pair(k, v);
        }
    }
    let q = ser.finish();
    if q.is_empty() {
        format!("{base}{path}")
    } else {
        format!("{base}{path}?{q}")
    }
}

/// Adds `params` to a URL's query, keeping its other parameters byte-for-byte and its
/// fragment after the query. Parameters of the same names already present are replaced, so a
/// URL that already carries one of them (a stale `code=` on an OAuth return) does not pile them up.
pub fn append_query(url: &str, params: &[(&str, &str)]) -> String {
    set_query(url, &[], params)
}

/// `append_query` that also drops the parameters named in `remove` (an OAuth redirect drops a
/// stale `error` when it adds `code`, and the other way round).
pub fn set_query(url: &str, remove: &[&str], params: &[(&str, &str)]) -> String {
    let (before_fragment, fragment) = match url.find('#') {
        Some(i) => (&url[..i], &url[i..]),
        None => (url, ""),
    };
    let (path, query) = match before_fragment.find('?') {
        Some(i) => (&before_fragment[..i], &before_fragment[i + 1..]),
        None => (before_fragment, ""),
    };
    let mut parts: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .filter(|p| {
            let name = form_urlencoded::parse(p.as_bytes())
                .next()
                .map(|(k, _)| k.into_owned())
                .unwrap_or_default();
            !params.iter().any(|(k, _)| *k == name) && !remove.contains(&name.as_str())
        })
        .map(str::to_string)
        .collect();
    for (k, v) in params {
        let encoded: String = form_urlencoded::Serializer::new(String::new())
            .append_pair(k, v)
            .finish();
        parts.push(encoded);
    }
    format!("{path}?{}{fragment}", parts.join("&"))
}

/// Django's URLValidator restricted to http(s): a scheme, a host that is `localhost`, an IPv4
/// or bracketed IPv6 address or a dotted name with a real-looking TLD, an optional port, and
/// no whitespace anywhere.
pub fn is_absolute_http_url(s: &str) -> bool {
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    let rest = if lower.starts_with("http://") {
        &s[7..]
    } else if lower.starts_with("https://") {
        &s[8..]
    } else {
        return false;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    // Credentials are allowed by Django ("user:pass@host").
    let host_port = authority
        .rsplit_once('@')
        .map(|(_, h)| h)
        .unwrap_or(authority);
    let (host, port) = if let Some(stripped) = host_port.strip_prefix('[') {
        match stripped.split_once(']') {
            Some((v6, after)) => {
                if v6.is_empty()
                    || !v6
                        .chars()
                        .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
                    || !v6.contains(':')
                {
                    return false;
                }
                (None, after.strip_prefix(':'))
            }
            None => return false,
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((h, p)) => (Some(h), Some(p)),
            None => (Some(host_port), None),
        }
    };
    if let Some(p) = port {
        if p.is_empty()
            || !p.chars().all(|c| c.is_ascii_digit())
            || p.parse::<u32>().map_or(true, |n| n > 65535)
        {
            return false;
        }
    }
    match host {
        None => true,
        Some(h) => valid_host(h),
    }
}

fn valid_host(h: &str) -> bool {
    if h.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let parts: Vec<&str> = h.split('.').collect();
    if parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.chars().all(|c| c.is_ascii_digit()))
    {
        return parts
            .iter()
            .all(|p| p.parse::<u16>().map(|n| n <= 255).unwrap_or(false));
    }
    let labels: Vec<&str> = h.strip_suffix('.').unwrap_or(h).split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.chars().count() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || !c.is_ascii())
    };
    if !labels.iter().all(|l| label_ok(l)) {
        return false;
    }
    let tld = labels[labels.len() - 1];
    let lower = tld.to_ascii_lowercase();
    lower.starts_with("xn--")
        || (tld.chars().count() >= 2 && tld.chars().all(|c| c.is_alphabetic() || c == '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_query_keeps_existing_query_and_fragment() {
        assert_eq!(
            append_query(
                "https://studio.example/join?utm=mail&x=1#checkout",
                &[("outcome", "paid"), ("purchase", "7")]
            ),
            "https://studio.example/join?utm=mail&x=1&outcome=paid&purchase=7#checkout"
        );
        assert_eq!(
            append_query(
                "http://127.0.0.1:8080/",
                &[("outcome", "cancelled"), ("purchase", "2")]
            ),
            "http://127.0.0.1:8080/?outcome=cancelled&purchase=2"
        );
        assert_eq!(
            append_query("http://a.example/p?#f", &[("outcome", "paid")]),
            "http://a.example/p?outcome=paid#f"
        );
        // Encoded values elsewhere in the query are left exactly as they were.
        assert_eq!(
            append_query("http://a.example/?q=a%20b&r=%26", &[("outcome", "paid")]),
            "http://a.example/?q=a%20b&r=%26&outcome=paid"
        );
    }

    #[test]
    fn append_query_replaces_previous_outcome() {
        assert_eq!(
            append_query(
                "http://a.example/?outcome=cancelled&purchase=1&keep=yes",
                &[("outcome", "paid"), ("purchase", "2")]
            ),
            "http://a.example/?keep=yes&outcome=paid&purchase=2"
        );
    }

    #[test]
    fn page_links_sort_and_keep_filters() {
        let q = vec![
            ("page_size".to_string(), "2".to_string()),
            ("for_sale".to_string(), "true".to_string()),
        ];
        assert_eq!(
            page_link(
                "http://h:1",
                "/api/v2/memberships",
                &q,
                "page",
                Some("3".into())
            ),
            "http://h:1/api/v2/memberships?for_sale=true&page=3&page_size=2"
        );
        let q = vec![("page".to_string(), "2".to_string())];
        assert_eq!(
            page_link("http://h:1", "/x", &q, "page", None),
            "http://h:1/x"
        );
    }

    #[test]
    fn url_validation_is_djangoish() {
        for ok in [
            "https://studio.example/join",
            "http://localhost:8080/",
            "http://127.0.0.1:8787/?a=b#c",
            "https://user:pw@sub.studio.co.uk",
            "http://[::1]:3000/x",
        ] {
            assert!(is_absolute_http_url(ok), "{ok}");
        }
        for bad in [
            "/relative/path",
            "studio.example/join",
            "ftp://studio.example/",
            "https://",
            "https://exa mple.com/",
            "http://intranet/",
            "http://256.1.1.1/",
            "http://example.com:99999/",
            "javascript:alert(1)",
        ] {
            assert!(!is_absolute_http_url(bad), "{bad}");
        }
    }
}
