//! Where the widget is willing to send the customer: the payment page must be https (http only on
//! this machine, for development) on a host the studio trusts. Plain Rust, unit tested.

use crate::settings::is_host_name;

/// Why a `next_url` was not followed; worded for the customer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal(pub String);

const LOOPBACK: [&str; 3] = ["127.0.0.1", "localhost", "[::1]"];

/// The host (lower case, without port) of an absolute http(s) URL, if it is well formed.
pub fn host_of(url: &str) -> Option<String> {
    let (_, rest) = split_scheme(url)?;
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    host_of_authority(authority)
}

fn split_scheme(url: &str) -> Option<(&'static str, &str)> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    if lower.starts_with("https://") {
        Some(("https", &url[8..]))
    } else if lower.starts_with("http://") {
        Some(("http", &url[7..]))
    } else {
        None
    }
}

fn host_of_authority(authority: &str) -> Option<String> {
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let host = if authority.starts_with('[') {
        let end = authority.find(']')?;
        let (host, port) = authority.split_at(end + 1);
        if !(port.is_empty() || port.strip_prefix(':').is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))) {
            return None;
        }
        host
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => host,
            Some(_) => return None,
            None => authority,
        }
    };
    let host = host.to_ascii_lowercase();
    is_host_name(&host).then_some(host)
}

/// Checks `next_url` before the page is sent there. `allowed` are lower-case host names.
pub fn check_payment_url(url: &str, allowed: &[String]) -> Result<(), Refusal> {
    let refuse = |why: &str| Err(Refusal(format!("The payment page address we were given {why}, so we didn't go there. Nothing has been charged. Please tell the studio.")));
    if url.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\\') || url.len() > 4000 {
        return refuse("is malformed");
    }
    let Some((scheme, rest)) = split_scheme(url) else {
        return refuse("is not a web address");
    };
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    if authority.contains('@') {
        return refuse("carries a user name or password");
    }
    let Some(host) = host_of_authority(authority) else {
        return refuse("is malformed");
    };
    let loopback = LOOPBACK.contains(&host.as_str());
    if scheme == "http" && !loopback {
        return refuse("is not secure (https)");
    }
    if !allowed.contains(&host) {
        return refuse(&format!("is on {host}, which this studio hasn't approved"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> Vec<String> {
        vec!["goteamup.com".into(), "127.0.0.1".into()]
    }

    #[test]
    fn the_api_host_over_https_and_loopback_over_http_are_followed() {
        assert_eq!(check_payment_url("https://goteamup.com/pay/abc?x=1#f", &allowed()), Ok(()));
        assert_eq!(check_payment_url("HTTPS://GoTeamUp.com:443/pay", &allowed()), Ok(()));
        assert_eq!(check_payment_url("http://127.0.0.1:8787/pay/t", &allowed()), Ok(()));
    }

    #[test]
    fn hostile_addresses_are_refused_with_a_reason() {
        let cases = [
            ("javascript:alert(1)", "not a web address"),
            ("data:text/html,<script>alert(1)</script>", "not a web address"),
            ("//goteamup.com/pay", "not a web address"),
            ("http://goteamup.com/pay", "not secure"),
            ("https://user:pw@goteamup.com/pay", "user name or password"),
            ("https://goteamup.com@evil.example/pay", "user name or password"),
            ("https://goteamup.com.evil.example/pay", "evil.example, which this studio hasn't approved"),
            ("https://evil.example/goteamup.com", "evil.example"),
            ("https://xn--goteamp-x2a.com/pay", "hasn't approved"),
            ("https://goteamüp.com/pay", "malformed"),
            ("https://goteamup.com\\@evil.example", "malformed"),
            ("https://goteamup.com:x/pay", "malformed"),
            ("https:// goteamup.com", "malformed"),
            ("https:///pay", "malformed"),
        ];
        for (url, why) in cases {
            match check_payment_url(url, &allowed()) {
                Err(Refusal(message)) => assert!(message.contains(why), "{url}: {message}"),
                Ok(()) => panic!("{url} must be refused"),
            }
        }
    }

    #[test]
    fn hosts() {
        assert_eq!(host_of("https://A.example:8443/x").as_deref(), Some("a.example"));
        assert_eq!(host_of("http://[::1]:8080/").as_deref(), Some("[::1]"));
        assert_eq!(host_of("https://a@b.example/"), None);
        assert_eq!(host_of("ftp://a.example/"), None);
    }
}
