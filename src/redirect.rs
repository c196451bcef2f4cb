//! Where the widget is willing to send the customer: the payment page must be https (http only on
//! this machine, for development) on a host the studio trusts. Plain Rust, unit tested.

use crate::settings::is_host_name;

/// Why a `next_url` was not followed; worded for the customer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal(pub String);

/// `host:port` of an absolute http(s) URL (lower case; the scheme's port when none is written):
/// an entry of the list [`check_payment_url`] takes.
pub fn allow_entry(url: &str) -> Option<String> {
    let parts = crate::url::split(url)?;
    is_host_name(&parts.host).then(|| format!("{}:{}", parts.host, parts.effective_port()))
}

/// Checks `next_url` before the page is sent there. `allowed` are `host:port` entries (see
/// [`allow_entry`]): the host *and* the port must be listed, so another service on the API's
/// host (`:8443`) is not the API's payment page.
pub fn check_payment_url(url: &str, allowed: &[String]) -> Result<(), Refusal> {
    let refuse = |why: &str| Err(Refusal(format!("The payment page address we were given {why}, so we didn't go there. Nothing has been charged. Please tell the studio.")));
    if url.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\\') || url.len() > 4000 {
        return refuse("is malformed");
    }
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    if !lower.starts_with("https://") && !lower.starts_with("http://") {
        return refuse("is not a web address");
    }
    let rest = &url[if lower.starts_with("https://") { 8 } else { 7 }..];
    if rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())].contains('@') {
        return refuse("carries a user name or password");
    }
    let Some(parts) = crate::url::split(url).filter(|p| is_host_name(&p.host)) else {
        return refuse("is malformed");
    };
    if !parts.is_secure() {
        return refuse("is not secure (https)");
    }
    let entry = format!("{}:{}", parts.host, parts.effective_port());
    if !allowed.contains(&entry) {
        let shown = if parts.port.is_some() { entry } else { parts.host };
        return refuse(&format!("is on {shown}, which this studio hasn't approved"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> Vec<String> {
        vec!["goteamup.com:443".into(), "127.0.0.1:8787".into()]
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
    fn the_port_must_be_allowed_too() {
        for url in ["https://goteamup.com:8443/pay", "http://127.0.0.1:8788/pay", "http://127.0.0.1/pay", "http://localhost:8787/pay"] {
            match check_payment_url(url, &allowed()) {
                Err(Refusal(message)) => assert!(message.contains("hasn't approved"), "{url}: {message}"),
                Ok(()) => panic!("{url} must be refused: another port is another service"),
            }
        }
        assert_eq!(check_payment_url("https://goteamup.com:443/pay", &allowed()), Ok(()));
    }

    #[test]
    fn entries() {
        assert_eq!(allow_entry("https://A.example:8443/x").as_deref(), Some("a.example:8443"));
        assert_eq!(allow_entry("https://a.example/x").as_deref(), Some("a.example:443"));
        assert_eq!(allow_entry("http://[::1]:8080/").as_deref(), Some("[::1]:8080"));
        assert_eq!(allow_entry("http://127.0.0.1/").as_deref(), Some("127.0.0.1:80"));
        assert_eq!(allow_entry("https://a@b.example/"), None);
        assert_eq!(allow_entry("ftp://a.example/"), None);
    }
}
