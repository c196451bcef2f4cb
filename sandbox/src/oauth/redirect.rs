//! Redirect URI registration and matching: exact string comparison (RFC 6749 §3.1.2.3), except
//! that for loopback hosts the port is ignored (RFC 8252 §7.3), since a native or local app
//! gets whatever port is free.

use crate::urls::is_absolute_http_url;

struct Split<'a> {
    scheme: &'a str,
    host: &'a str,
    /// Path, query and fragment, as written.
    rest: &'a str,
}

fn split(uri: &str) -> Option<Split<'_>> {
    let (scheme, after) = if let Some(a) = uri.strip_prefix("http://") {
        ("http", a)
    } else if let Some(a) = uri.strip_prefix("https://") {
        ("https", a)
    } else {
        return None;
    };
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    if authority.contains('@') {
        return None;
    }
    let (host, port) = if authority.starts_with('[') {
        let close = authority.find(']')?;
        let (host, after) = authority.split_at(close + 1);
        match after {
            "" => (host, None),
            p => (host, Some(p.strip_prefix(':')?)),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return None;
    }
    if let Some(p) = port {
        p.parse::<u16>().ok()?;
    }
    Some(Split { scheme, host, rest })
}

fn is_loopback(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

/// A redirect URI a client may register: absolute http(s), a valid host, no credentials and
/// no fragment (RFC 6749 §3.1.2).
pub fn check_registered(uri: &str) -> Result<(), String> {
    if !is_absolute_http_url(uri) || split(uri).is_none() {
        return Err("must be an absolute http(s) URL without credentials".into());
    }
    if uri.contains('#') {
        return Err("must not have a fragment".into());
    }
    Ok(())
}

/// Does a request's `redirect_uri` match this registered one?
pub fn matches(registered: &str, requested: &str) -> bool {
    if registered == requested {
        return !requested.contains('#');
    }
    let (Some(r), Some(q)) = (split(registered), split(requested)) else {
        return false;
    };
    is_loopback(r.host) && r.scheme == q.scheme && r.host == q.host && r.rest == q.rest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_match_for_ordinary_hosts() {
        let reg = "https://studio.example/join/callback";
        assert!(matches(reg, reg));
        assert!(!matches(reg, "https://studio.example/join/callback/"));
        assert!(!matches(reg, "https://studio.example:8443/join/callback"));
        assert!(!matches(reg, "http://studio.example/join/callback"));
        assert!(!matches(reg, "https://studio.example/join/callback?x=1"));
        assert!(!matches(reg, "https://STUDIO.example/join/callback"));
        assert!(!matches(reg, "https://studio.example/join/callback#top"));
    }

    #[test]
    fn loopback_ignores_the_port_only() {
        for (reg, req) in [
            ("http://127.0.0.1/", "http://127.0.0.1:43123/"),
            ("http://127.0.0.1/", "http://127.0.0.1/"),
            (
                "http://localhost/index.html",
                "http://localhost:8080/index.html",
            ),
            ("http://[::1]/cb", "http://[::1]:5000/cb"),
            ("http://127.0.0.1:9999/cb", "http://127.0.0.1:1234/cb"),
        ] {
            assert!(matches(reg, req), "{reg} {req}");
        }
        for (reg, req) in [
            ("http://127.0.0.1/", "http://127.0.0.1:43123"),
            ("http://127.0.0.1/", "http://127.0.0.1:43123/index.html"),
            (
                "http://127.0.0.1/index.html",
                "http://127.0.0.1:1/index.html?x=1",
            ),
            ("http://127.0.0.1/", "https://127.0.0.1:43123/"),
            ("http://127.0.0.1/", "http://localhost:43123/"),
            ("http://127.0.0.1/", "http://127.0.0.1:notaport/"),
            ("http://127.0.0.1/", "http://127.0.0.1:/"),
            ("http://127.0.0.1/", "http://127.0.0.1:99999/"),
            ("http://127.0.0.1/", "http://evil@127.0.0.1:1/"),
            ("http://127.0.0.1/", "http://127.0.0.1:1/#frag"),
            ("http://127.0.0.2/", "http://127.0.0.2:1/"),
        ] {
            assert!(!matches(reg, req), "{reg} {req}");
        }
    }

    #[test]
    fn registration_rules() {
        assert!(check_registered("http://127.0.0.1/").is_ok());
        assert!(check_registered("https://app.example/cb?x=1").is_ok());
        assert!(check_registered("http://[::1]/cb").is_ok());
        assert!(check_registered("ftp://app.example/").is_err());
        assert!(check_registered("/cb").is_err());
        assert!(check_registered("https://app.example/cb#x").is_err());
        assert!(check_registered("https://u@app.example/cb").is_err());
        assert!(check_registered("https://app/cb").is_err());
    }
}
