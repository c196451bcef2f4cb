//! Web addresses the widget takes from settings and API answers: their origin (scheme, host and
//! port), whether they are safe to send credentials over, and links resolved against the page
//! they came from. Plain Rust that imports nothing from the crate, so where a token may go is
//! decided here and tested natively.
//!
//! The parser is deliberately stricter than the browser's (WHATWG) one: it accepts only
//! `http(s)://host[:port][/path][?query][#fragment]` with a plain ASCII host, and refuses
//! anything the two could read differently (a user name, a backslash, white space, a percent
//! sign or other unusual characters in the host, an empty port). So when two addresses have the
//! same origin here, the browser sends both to the same server; a disagreement can only refuse a
//! link the browser would have taken, never the other way round (tests/web.rs checks this
//! against the platform's `URL`).

/// Hosts that are this machine: plain `http` is allowed there, for development.
pub const LOOPBACK: [&str; 3] = ["127.0.0.1", "localhost", "[::1]"];

/// An absolute http(s) address, split. `host` is lower case; `port` as written, if written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parts<'a> {
    pub scheme: &'static str,
    pub host: String,
    pub port: Option<u16>,
    /// Path, query and fragment, as written (may be empty).
    pub rest: &'a str,
}

impl Parts<'_> {
    /// The port the browser connects to.
    pub fn effective_port(&self) -> u16 {
        self.port.unwrap_or(self.default_port())
    }

    fn default_port(&self) -> u16 {
        if self.scheme == "https" {
            443
        } else {
            80
        }
    }

    /// `scheme://host[:port]`, the port left out when it is the scheme's default (as the
    /// browser's `URL.origin` writes it).
    pub fn origin(&self) -> String {
        match self.port.filter(|p| *p != self.default_port()) {
            Some(port) => format!("{}://{}:{port}", self.scheme, self.host),
            None => format!("{}://{}", self.scheme, self.host),
        }
    }

    pub fn is_loopback(&self) -> bool {
        LOOPBACK.contains(&self.host.as_str())
    }

    /// https, or http on this machine.
    pub fn is_secure(&self) -> bool {
        self.scheme == "https" || self.is_loopback()
    }
}

/// Splits an absolute http(s) address; `None` for anything else or anything ambiguous.
pub fn split(url: &str) -> Option<Parts<'_>> {
    if url.len() > 4000 || url.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\\') {
        return None;
    }
    let head = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let (scheme, after) = if head.starts_with("https://") {
        ("https", &url[8..])
    } else if head.starts_with("http://") {
        ("http", &url[7..])
    } else {
        return None;
    };
    let end = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(end);
    let (host, port) = if authority.starts_with('[') {
        // Of IPv6 literals only this machine's, written as the browser writes it.
        let after_host = authority.strip_prefix("[::1]")?;
        match after_host {
            "" => ("[::1]", None),
            p => ("[::1]", Some(p.strip_prefix(':')?)),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let plain = host.starts_with('[')
        || (!host.is_empty()
            && host.len() <= 253
            && !host.starts_with(['.', '-'])
            && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'));
    if !plain || numeric_but_not_dotted_quad(host) {
        return None;
    }
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => Some(p.parse::<u16>().ok()?),
        Some(_) => return None,
    };
    Some(Parts { scheme, host: host.to_ascii_lowercase(), port, rest })
}

/// A host the browser reads as an IPv4 address written some other way than `a.b.c.d`
/// (`2130706433`, `0x7f.1`, `127.1`, `0127.0.0.1`): it would connect to another address than the
/// text says, so such hosts are refused rather than compared.
fn numeric_but_not_dotted_quad(host: &str) -> bool {
    let trimmed = host.strip_suffix('.').unwrap_or(host);
    let last = trimmed.rsplit('.').next().unwrap_or("");
    let numeric = |part: &str| {
        !part.is_empty()
            && (part.bytes().all(|b| b.is_ascii_digit())
                || part.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("0x")) && part[2..].bytes().all(|b| b.is_ascii_hexdigit()))
    };
    if !numeric(last) {
        return false;
    }
    let parts: Vec<&str> = host.split('.').collect();
    let canonical = parts.len() == 4
        && parts.iter().all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()) && (p.len() == 1 || !p.starts_with('0')) && p.parse::<u16>().is_ok_and(|n| n <= 255));
    !canonical
}

/// The origin of an absolute http(s) address (see [`Parts::origin`]).
pub fn origin(url: &str) -> Option<String> {
    split(url).map(|p| p.origin())
}

/// Whether `url` is an address on exactly this origin (as [`origin`] writes it).
pub fn is_on(url: &str, allowed_origin: &str) -> bool {
    origin(url).is_some_and(|o| o == allowed_origin)
}

/// Whether a link taken from an answer has a scheme of its own (`javascript:`, `https:`…).
fn has_scheme(link: &str) -> bool {
    let name_end = link.find(':').unwrap_or(0);
    name_end > 0
        && link.as_bytes()[0].is_ascii_alphabetic()
        && link[..name_end].bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
}

/// `link` (absolute, or relative as an API may write `next`) resolved against `base`, the
/// address of the answer it came in. `None` when either can't be read strictly; the result is
/// never checked for its origin here (see [`is_on`]).
pub fn resolve(base: &str, link: &str) -> Option<String> {
    let parts = split(base)?;
    if link.is_empty() || link.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\\') {
        return None;
    }
    let resolved = if link.starts_with("//") {
        format!("{}:{link}", parts.scheme)
    } else if has_scheme(link) {
        link.to_string()
    } else {
        // `scheme://authority` exactly as the base wrote it, then its path, query and fragment.
        let authority = &base[..base.len() - parts.rest.len()];
        let path_end = parts.rest.find(['?', '#']).unwrap_or(parts.rest.len());
        let path = &parts.rest[..path_end];
        match link.as_bytes()[0] {
            b'/' => format!("{authority}{link}"),
            b'?' => format!("{authority}{path}{link}"),
            b'#' => {
                let query_end = parts.rest.find('#').unwrap_or(parts.rest.len());
                format!("{authority}{}{link}", &parts.rest[..query_end])
            }
            _ => {
                let directory = &path[..path.rfind('/').map_or(0, |i| i + 1)];
                let directory = if directory.is_empty() { "/" } else { directory };
                format!("{authority}{directory}{link}")
            }
        }
    };
    split(&resolved)?;
    Some(resolved)
}

// ---- building and cleaning addresses ----

/// Percent-encodes a query value (RFC 3986 unreserved characters pass).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `url` with `extra` (`name=value&…`, already encoded) added to its query, before any fragment.
pub fn with_query(url: &str, extra: &str) -> String {
    let (base, fragment) = url.split_once('#').map(|(b, f)| (b, Some(f))).unwrap_or((url, None));
    let joined = if base.contains('?') { format!("{base}&{extra}") } else { format!("{base}?{extra}") };
    match fragment {
        Some(f) => format!("{joined}#{f}"),
        None => joined,
    }
}

/// A query value decoded (`%XX` and `+` for a space; invalid sequences kept as written).
pub fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A query (`?a=1&b=x%20y`, the `?` optional) as name → decoded value; a name given twice keeps
/// its last value.
pub fn query_params(query: &str) -> std::collections::HashMap<&str, String> {
    let mut params = std::collections::HashMap::new();
    for pair in query.trim_start_matches('?').split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        params.insert(key, percent_decode(value));
    }
    params
}

/// `url` without the query parameters named in `names` (others and the fragment kept as they are).
pub fn strip_params(url: &str, names: &[&str]) -> String {
    let (before_fragment, fragment) = match url.split_once('#') {
        Some((b, f)) => (b, Some(f)),
        None => (url, None),
    };
    let (path, query) = match before_fragment.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (before_fragment, None),
    };
    let kept: Vec<&str> = query
        .unwrap_or("")
        .split('&')
        .filter(|pair| {
            let key = pair.split('=').next().unwrap_or("");
            !pair.is_empty() && !names.contains(&key)
        })
        .collect();
    let mut out = path.to_string();
    if !kept.is_empty() {
        out.push('?');
        out.push_str(&kept.join("&"));
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

/// An address without its query and fragment.
pub fn without_query(page_url: &str) -> String {
    let end = page_url.find(['?', '#']).unwrap_or(page_url.len());
    page_url[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_and_port() {
        assert_eq!(origin("https://GoTeamUp.com/api/v2").as_deref(), Some("https://goteamup.com"));
        assert_eq!(origin("HTTPS://goteamup.com:443/x").as_deref(), Some("https://goteamup.com"), "the default port is left out");
        assert_eq!(origin("https://goteamup.com:8443").as_deref(), Some("https://goteamup.com:8443"));
        assert_eq!(origin("http://127.0.0.1:8787/api/v2?x#y").as_deref(), Some("http://127.0.0.1:8787"));
        assert_eq!(origin("http://[::1]:80/").as_deref(), Some("http://[::1]"));
        assert_eq!(origin("https://a.example?q=1").as_deref(), Some("https://a.example"));
        assert_eq!(origin("https://a.example:0443/").as_deref(), Some("https://a.example"), "as the browser reads it");
        assert_eq!(origin("http://10.0.0.1/").as_deref(), Some("http://10.0.0.1"));
        assert_eq!(origin("https://a1.example.com./").as_deref(), Some("https://a1.example.com."));
        assert_eq!(origin("https://123.example/").as_deref(), Some("https://123.example"), "a numeric label that isn't the last is a name");
    }

    #[test]
    fn anything_the_browser_could_read_differently_has_no_origin() {
        for url in [
            "javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "//evil.example/x",
            "ftp://a.example/",
            "https://user@a.example/",
            "https://a.example@evil.example/",
            "https://a.example\\@evil.example/",
            "https://a.example\\.evil.example/",
            "https:\\\\evil.example",
            "https:/evil.example",
            "https:evil.example",
            "https://%65vil.example/",
            "https://evil .example/",
            "https://a.example/\tpath",
            " https://a.example/",
            "https://a.example:/",
            "https://a.example:99999/",
            "https://a.example:8o/",
            "https:///path",
            "https://",
            "https://.a.example/",
            "https://a.exämple/",
            "https://[::1/",
            "https://[evil.example]/",
            "https://[::1]x/",
            "http://[0:0::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://127.1/",
            "http://0127.0.0.1/",
            "http://127.0.0.256/",
            "http://evil.0x10/",
        ] {
            assert_eq!(origin(url), None, "{url}");
        }
    }

    #[test]
    fn loopback_is_the_only_place_plain_http_is_secure_enough() {
        assert!(split("https://goteamup.com/").unwrap().is_secure());
        assert!(split("http://127.0.0.1:8787/").unwrap().is_secure());
        assert!(split("http://LOCALHOST/").unwrap().is_secure());
        assert!(split("http://[::1]:9/").unwrap().is_secure());
        assert!(!split("http://goteamup.com/").unwrap().is_secure());
        assert!(!split("http://127.0.0.1.evil.example/").unwrap().is_secure());
        assert!(!split("http://localhost.evil.example/").unwrap().is_secure());
        assert_eq!(split("https://a.example/").unwrap().effective_port(), 443);
        assert_eq!(split("http://a.example/").unwrap().effective_port(), 80);
        assert_eq!(split("http://a.example:81/").unwrap().effective_port(), 81);
    }

    #[test]
    fn links_resolve_like_the_browser_resolves_them() {
        let base = "https://goteamup.com/api/v2/memberships?for_sale=true&page=1#top";
        let cases = [
            ("https://goteamup.com/api/v2/memberships?page=2", "https://goteamup.com/api/v2/memberships?page=2"),
            ("/api/v2/memberships?page=2", "https://goteamup.com/api/v2/memberships?page=2"),
            ("?page=2", "https://goteamup.com/api/v2/memberships?page=2"),
            ("#end", "https://goteamup.com/api/v2/memberships?for_sale=true&page=1#end"),
            ("membership_payment_plans?membership=7", "https://goteamup.com/api/v2/membership_payment_plans?membership=7"),
            ("//goteamup.com/api/v2/x", "https://goteamup.com/api/v2/x"),
            ("//evil.example/api/v2/x", "https://evil.example/api/v2/x"),
            ("http://evil.example:8080/p", "http://evil.example:8080/p"),
        ];
        for (link, want) in cases {
            assert_eq!(resolve(base, link).as_deref(), Some(want), "{link}");
        }
        assert_eq!(resolve("https://a.example", "x").as_deref(), Some("https://a.example/x"));
        for link in ["", "javascript:alert(1)", "data:,x", "https://a@evil.example/", "ftp://x/", " /x", "/x\\y", "https:evil.example"] {
            assert_eq!(resolve(base, link), None, "{link:?}");
        }
        assert_eq!(resolve("not a url", "/x"), None);
    }

    #[test]
    fn only_the_exact_origin_is_on_it() {
        let api = "https://goteamup.com";
        assert!(is_on("https://goteamup.com/api/v2/x?page=2", api));
        assert!(is_on("https://GOTEAMUP.com:443/api", api));
        for url in [
            "http://goteamup.com/api",
            "https://goteamup.com:8443/api",
            "https://api.goteamup.com/api",
            "https://goteamup.com.evil.example/api",
            "https://goteamup.com@evil.example/",
            "https://xn--goteamp-x2a.com/",
            "https://goteamup.com./api",
            "//goteamup.com/api",
            "/api/v2",
            "javascript:alert(1)",
        ] {
            assert!(!is_on(url, api), "{url}");
        }
    }
}
