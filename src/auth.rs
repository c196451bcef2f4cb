//! Customer sign-in: OAuth 2.0 authorization code with PKCE (RFC 7636) for a public client, and
//! the tokens it yields. Plain Rust, unit-tested; the browser supplies random bytes, SHA-256
//! (`crypto.subtle`), storage and navigation (`ui::signin`).

use serde::{Deserialize, Serialize};

use crate::url::{encode, query_params, strip_params, without_query};
use crate::i18n::Text;

/// How long a started sign-in may take before its answer is refused.
pub const SIGN_IN_LIFETIME_MS: f64 = 10.0 * 60_000.0;
/// Refresh this long before the access token lapses (a request in flight must not outlive it).
pub const REFRESH_MARGIN_MS: f64 = 30_000.0;
/// The parameters the authorization server adds to our page's address.
pub const RETURN_PARAMS: [&str; 5] = ["code", "state", "error", "error_description", "iss"];

/// The longest access-token lifetime taken as given: about 24.8 days, the longest wait a
/// browser timer holds. A longer `expires_in` is read as this (the token is renewed early,
/// which is harmless), never as a timer that wraps round and fires at once, again and again.
pub const MAX_LIFETIME_MS: f64 = i32::MAX as f64;
/// A renewal that failed for a passing reason is tried again after this long at first…
pub const RETRY_FIRST_MS: f64 = 1_000.0;
/// …doubling each time, up to this.
pub const RETRY_MAX_MS: f64 = 60_000.0;

/// The sessionStorage prefix of one widget's credentials: its API origin, OAuth client id and
/// provider id, so that a widget for another API or client on the same page (even for the same
/// provider id) can't read, refresh, use or complete another's sign-in. Written as a JSON array,
/// which no other triple writes alike: `membership-checkout:["https://goteamup.com","app",100]`.
pub fn storage_prefix(api_origin: &str, client_id: Option<&str>, provider_id: u64) -> String {
    format!("membership-checkout:[{},{},{provider_id}]", quoted(api_origin), quoted(client_id.unwrap_or("")))
}

/// `text` as a JSON string literal: the browser's `JSON.stringify` in the widget (no serde_json on
/// the first screen, which writes this prefix), serde_json's natively.
#[cfg(target_arch = "wasm32")]
fn quoted(text: &str) -> String {
    js_sys::JSON::stringify(&wasm_bindgen::JsValue::from_str(text)).map(String::from).unwrap_or_default()
}

#[cfg(not(target_arch = "wasm32"))]
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

/// When to try a failed renewal again: [`RETRY_FIRST_MS`] after the first failure, doubling up to
/// [`RETRY_MAX_MS`], spread by `random` in [0, 1) (up to a quarter less) so that many tabs of one
/// customer don't retry in step.
pub fn retry_after_ms(failures: u32, random: f64) -> f64 {
    let ceiling = (RETRY_FIRST_MS * 2f64.powi(failures.saturating_sub(1).min(16) as i32)).min(RETRY_MAX_MS);
    ceiling * (1.0 - 0.25 * random.clamp(0.0, 1.0))
}

/// Base64url without padding (RFC 4648 §5), as PKCE and `state` use it.
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (chunk[0] as u32) << 16 | (*chunk.get(1).unwrap_or(&0) as u32) << 8 | *chunk.get(2).unwrap_or(&0) as u32;
        let emit = chunk.len() + 1;
        for i in 0..emit {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// A sign-in on its way: what the page must remember across the trip to the authorization server.
/// Its `Debug` leaves out `state` and the verifier.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct SignInRequest {
    pub state: String,
    pub verifier: String,
    pub redirect_uri: String,
    pub started_ms: f64,
    /// The customer's choices, restored when they come back.
    pub selection: Option<serde_json::Value>,
}

impl SignInRequest {
    /// From 32 random bytes for the verifier (43 characters, RFC 7636 §4.1) and 16 for `state`.
    pub fn new(verifier_bytes: &[u8; 32], state_bytes: &[u8; 16], redirect_uri: String, now_ms: f64) -> Self {
        SignInRequest {
            state: base64url(state_bytes),
            verifier: base64url(verifier_bytes),
            redirect_uri,
            started_ms: now_ms,
            selection: None,
        }
    }
}

/// The S256 `code_challenge` for a verifier's SHA-256 digest.
pub fn challenge(digest: &[u8]) -> String {
    base64url(digest)
}

/// Where sign-in happens: `<api>/auth/oauth/authorize?…` (TeamUp's OAuth guide, docs.goteamup.com
/// `/guides/oauth`).
pub fn authorize_url(api_base: &str, client_id: &str, request: &SignInRequest, challenge: &str, provider_id: u64) -> String {
    format!(
        "{}/auth/oauth/authorize?response_type=code&client_id={}&redirect_uri={}&scope={}&state={}&code_challenge={}&code_challenge_method=S256",
        api_base.trim_end_matches('/'),
        encode(client_id),
        encode(&request.redirect_uri),
        encode(&format!("read_write provider:{provider_id}")),
        encode(&request.state),
        encode(challenge),
    )
}


/// The page's own address as the redirect URI: no query or fragment (they would have to match).
pub fn redirect_uri_for(page_url: &str) -> String {
    without_query(page_url)
}

/// The page's address without what the authorization server added (the code must not linger).
pub fn strip_return_params(url: &str) -> String {
    strip_params(url, &RETURN_PARAMS)
}

/// What the address says about a sign-in coming back.
#[derive(Clone, PartialEq)]
pub enum Return {
    /// Not a return from a sign-in this widget started: left alone, in the address, for whoever
    /// it belongs to (another widget on the page, or the host page itself).
    Nothing,
    /// A return this widget was waiting for, but with another `state`: not its own, so it is
    /// not exchanged and stays in the address, and the sign-in this widget started stays open.
    /// Said to the customer, who came back expecting to be signed in.
    NotOurs(Text),
    /// The code to exchange, for this request.
    Code { code: String, request: SignInRequest },
    /// This widget's sign-in came back refused (or can't be trusted), with what to tell the
    /// customer: the started sign-in is used up.
    Refused(Text),
}

impl std::fmt::Debug for Return {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Return::Nothing => f.write_str("Nothing"),
            Return::NotOurs(text) => f.debug_tuple("NotOurs").field(text).finish(),
            Return::Code { request, .. } => f.debug_struct("Code").field("code", &"[redacted]").field("request", request).finish(),
            Return::Refused(text) => f.debug_tuple("Refused").field(text).finish(),
        }
    }
}

/// Checks a return against the sign-in this widget started (`pending`, used once). A return is
/// this widget's only if its `state` is the one this widget made. When the authorization server
/// names itself (`iss`, RFC 9207), it must be `issuer`, the API's origin (ASSUMPTION: TeamUp's
/// documentation names no issuer identifier; the origin of the API that serves the authorize and
/// token endpoints is what RFC 8414 would make it), so a code from another server is never sent
/// to this one's token endpoint.
pub fn read_return(query: &str, pending: Option<SignInRequest>, now_ms: f64, issuer: &str) -> Return {
    let params = query_params(query);
    let (code, error) = (params.get("code"), params.get("error"));
    if code.is_none() && error.is_none() {
        return Return::Nothing;
    }
    let Some(request) = pending else {
        return Return::Nothing;
    };
    if params.get("state") != Some(&request.state) {
        return Return::NotOurs(Text::Key("signin.mismatch"));
    }
    if params.get("iss").is_some_and(|iss| iss != issuer) {
        return Return::Refused(Text::Key("signin.wrong_issuer"));
    }
    if now_ms - request.started_ms > SIGN_IN_LIFETIME_MS {
        return Return::Refused(Text::Key("signin.too_long"));
    }
    match (code, error.map(String::as_str)) {
        (_, Some("access_denied")) => Return::Refused(Text::Key("signin.cancelled")),
        (_, Some(error)) => {
            let detail = params.get("error_description").filter(|d| !d.is_empty()).cloned().unwrap_or_else(|| error.to_string());
            Return::Refused(Text::With("signin.refused", vec![("reason", detail)]))
        }
        (Some(code), None) if !code.is_empty() => Return::Code { code: code.clone(), request },
        _ => Return::Refused(Text::Key("signin.no_code")),
    }
}


/// The token request body (form-urlencoded).
pub fn token_form(client_id: &str, code: &str, request: &SignInRequest) -> String {
    format!(
        "grant_type=authorization_code&code={}&redirect_uri={}&client_id={}&code_verifier={}",
        encode(code),
        encode(&request.redirect_uri),
        encode(client_id),
        encode(&request.verifier)
    )
}

/// The refresh request body (JSON, auth/endpoints_auth-refresh-access-token-create.md).
pub fn refresh_body(refresh_token: &str) -> String {
    serde_json::json!({ "refresh_token": refresh_token, "new_access_token_type": "customer" }).to_string()
}

impl std::fmt::Debug for SignInRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInRequest")
            .field("state", &"[redacted]")
            .field("verifier", &"[redacted]")
            .field("redirect_uri", &self.redirect_uri)
            .field("started_ms", &self.started_ms)
            .finish_non_exhaustive()
    }
}

/// A signed-in customer's tokens. Its `Debug` shows neither token.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Tokens {
    pub access: String,
    pub refresh: Option<String>,
    /// When the access token lapses, on this browser's clock; `None`: not said.
    pub expires_at_ms: Option<f64>,
    /// How long it was issued for.
    pub lifetime_ms: Option<f64>,
}

impl Tokens {
    /// Reads `{access_token, expires_in, refresh_token}` (token and refresh answers alike).
    pub fn from_reply(body: &str, now_ms: f64) -> Result<Tokens, String> {
        #[derive(Deserialize)]
        struct Reply {
            access_token: String,
            #[serde(default)]
            refresh_token: Option<String>,
            #[serde(default)]
            expires_in: Option<f64>,
        }
        let reply: Reply = serde_json::from_str(body).map_err(|e| format!("unexpected token answer: {e}"))?;
        if reply.access_token.trim().is_empty() || reply.access_token.contains(char::is_whitespace) {
            return Err("unexpected token answer: empty access_token".into());
        }
        let lifetime_ms = reply.expires_in.filter(|s| s.is_finite() && *s > 0.0).map(|s| (s * 1000.0).min(MAX_LIFETIME_MS));
        Ok(Tokens {
            access: reply.access_token,
            refresh: reply.refresh_token.filter(|r| !r.is_empty()),
            expires_at_ms: lifetime_ms.map(|l| now_ms + l),
            lifetime_ms,
        })
    }

    /// Refresh this long before expiry: [`REFRESH_MARGIN_MS`], or a fifth of a short lifetime.
    fn margin_ms(&self) -> f64 {
        self.lifetime_ms.map_or(REFRESH_MARGIN_MS, |l| (l / 5.0).min(REFRESH_MARGIN_MS))
    }

    /// Time to refresh: the access token lapses within the margin (or has lapsed).
    pub fn needs_refresh(&self, now_ms: f64) -> bool {
        self.refresh.is_some() && self.expires_at_ms.is_some_and(|at| at - now_ms <= self.margin_ms())
    }

    /// Milliseconds until [`Tokens::needs_refresh`] turns true, if it will.
    pub fn refresh_in_ms(&self, now_ms: f64) -> Option<f64> {
        self.refresh.as_ref()?;
        Some((self.expires_at_ms? - self.margin_ms() - now_ms).max(0.0))
    }
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("access", &"[redacted]")
            .field("refresh", &self.refresh.as_ref().map(|_| "[redacted]"))
            .field("expires_at_ms", &self.expires_at_ms)
            .field("lifetime_ms", &self.lifetime_ms)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUER: &str = "https://goteamup.com";

    fn request() -> SignInRequest {
        SignInRequest::new(&[7; 32], &[9; 16], "https://studio.example/join".into(), 1_000.0)
    }

    #[test]
    fn base64url_matches_rfc_4648_without_padding() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(b"foob"), "Zm9vYg");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    /// RFC 7636 Appendix B: the verifier's octets, and the challenge from its SHA-256. (The digest
    /// itself is the browser's `crypto.subtle`; tests/web.rs checks it against this vector.)
    #[test]
    fn pkce_matches_the_rfc_7636_example() {
        let octets: [u8; 32] = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88,
            83, 132, 141, 121,
        ];
        let request = SignInRequest::new(&octets, &[0; 16], String::new(), 0.0);
        assert_eq!(request.verifier, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        let digest: [u8; 32] = [
            19, 211, 30, 150, 26, 26, 216, 236, 47, 22, 177, 12, 76, 152, 46, 8, 118, 168, 120, 173, 109, 241, 68, 86, 110, 225, 137, 74,
            203, 112, 249, 195,
        ];
        assert_eq!(challenge(&digest), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert_eq!(request.verifier.len(), 43);
    }

    #[test]
    fn the_authorize_address_carries_every_parameter_encoded() {
        let url = authorize_url("https://goteamup.com/api/v2/", "widget app", &request(), "CH", 100);
        assert!(url.starts_with("https://goteamup.com/api/v2/auth/oauth/authorize?response_type=code&"), "{url}");
        assert!(url.contains("client_id=widget%20app"), "{url}");
        assert!(url.contains("redirect_uri=https%3A%2F%2Fstudio.example%2Fjoin"), "{url}");
        assert!(url.contains("scope=read_write%20provider%3A100"), "{url}");
        assert!(url.contains(&format!("state={}", request().state)), "{url}");
        assert!(url.ends_with("code_challenge=CH&code_challenge_method=S256"), "{url}");
    }

    #[test]
    fn the_redirect_uri_is_the_page_without_query_or_fragment() {
        assert_eq!(redirect_uri_for("https://s.example/join?x=1#top"), "https://s.example/join");
        assert_eq!(redirect_uri_for("https://s.example/"), "https://s.example/");
        assert_eq!(strip_return_params("https://s.example/j?a=1&code=c&state=s#t"), "https://s.example/j?a=1#t");
    }

    #[test]
    fn a_return_is_accepted_only_with_the_state_this_page_started() {
        let r = request();
        let query = format!("?code=abc&state={}", r.state);
        assert_eq!(read_return(&query, Some(r.clone()), 2_000.0, ISSUER), Return::Code { code: "abc".into(), request: r.clone() });
        assert_eq!(read_return("?a=1", Some(r.clone()), 2_000.0, ISSUER), Return::Nothing);
        match read_return(&query, Some(r.clone()), 1_000.0 + SIGN_IN_LIFETIME_MS + 1.0, ISSUER) {
            Return::Refused(m) => assert_eq!(m, Text::Key("signin.too_long")),
            other => panic!("{other:?}"),
        }
        match read_return(&format!("?error=access_denied&state={}", r.state), Some(r.clone()), 2_000.0, ISSUER) {
            Return::Refused(m) => assert_eq!(m, Text::Key("signin.cancelled")),
            other => panic!("{other:?}"),
        }
        match read_return(&format!("?error=invalid_request&error_description=PKCE%20required&state={}", r.state), Some(r), 2_000.0, ISSUER) {
            Return::Refused(m) => assert_eq!(crate::i18n::Tr::english().text(&m), "Sign-in failed: PKCE required"),
            other => panic!("{other:?}"),
        }
    }

    /// Another widget's return (or the host page's own `?code=`) is none of this widget's business:
    /// it is neither exchanged nor taken out of the address.
    #[test]
    fn a_code_this_widget_did_not_ask_for_is_left_alone() {
        let r = request();
        let ours = format!("?code=abc&state={}", r.state);
        assert_eq!(read_return(&ours, None, 2_000.0, ISSUER), Return::Nothing, "no sign-in started here");
        assert_eq!(read_return("?code=abc", None, 2_000.0, ISSUER), Return::Nothing);
        assert_eq!(read_return("?code=abc&state=forged", Some(r.clone()), 2_000.0, ISSUER), Return::NotOurs(Text::Key("signin.mismatch")));
        assert_eq!(read_return("?code=abc", Some(r.clone()), 2_000.0, ISSUER), Return::NotOurs(Text::Key("signin.mismatch")));
        assert_eq!(read_return("?error=access_denied&state=other", Some(r), 2_000.0, ISSUER), Return::NotOurs(Text::Key("signin.mismatch")));
    }

    #[test]
    fn the_issuer_is_checked_when_the_server_names_it() {
        let r = request();
        let with_iss = |iss: &str| format!("?code=abc&state={}&iss={}", r.state, encode(iss));
        assert!(matches!(read_return(&with_iss(ISSUER), Some(r.clone()), 2_000.0, ISSUER), Return::Code { .. }));
        for other in ["https://evil.example", "https://goteamup.com/", "http://goteamup.com", "https://goteamup.com:8443", ""] {
            assert_eq!(
                read_return(&with_iss(other), Some(r.clone()), 2_000.0, ISSUER),
                Return::Refused(Text::Key("signin.wrong_issuer")),
                "{other:?}"
            );
        }
        assert!(matches!(read_return(&format!("?code=abc&state={}", r.state), Some(r), 2_000.0, ISSUER), Return::Code { .. }), "no iss: not checked");
    }

    #[test]
    fn credentials_are_stored_per_api_client_and_provider() {
        let key = storage_prefix("https://goteamup.com", Some("app"), 100);
        assert_eq!(key, r#"membership-checkout:["https://goteamup.com","app",100]"#);
        let others = [
            storage_prefix("https://evil.example", Some("app"), 100),
            storage_prefix("https://goteamup.com:8443", Some("app"), 100),
            storage_prefix("https://goteamup.com", Some("other"), 100),
            storage_prefix("https://goteamup.com", None, 100),
            storage_prefix("https://goteamup.com", Some("app"), 200),
            storage_prefix("https://goteamup.com\",\"app", None, 100),
        ];
        for other in &others {
            assert_ne!(&key, other);
            assert!(!other.starts_with(&key) && !key.starts_with(other.as_str()), "{other}");
        }
    }

    #[test]
    fn debug_never_shows_a_secret() {
        let r = request();
        let tokens = Tokens { access: "access-secret".into(), refresh: Some("refresh-secret".into()), expires_at_ms: Some(1.0), lifetime_ms: None };
        let code = Return::Code { code: "code-secret".into(), request: r.clone() };
        let printed = format!("{tokens:?} {r:?} {code:?} {:#?}", (tokens.clone(), r.clone()));
        for secret in ["access-secret", "refresh-secret", "code-secret", r.state.as_str(), r.verifier.as_str()] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
        assert!(printed.contains("[redacted]") && printed.contains("studio.example/join"), "{printed}");
    }

    #[test]
    fn failed_renewals_are_retried_with_backoff() {
        assert_eq!(retry_after_ms(1, 0.0), 1_000.0);
        assert_eq!(retry_after_ms(2, 0.0), 2_000.0);
        assert_eq!(retry_after_ms(4, 0.0), 8_000.0);
        assert_eq!(retry_after_ms(7, 0.0), RETRY_MAX_MS);
        assert_eq!(retry_after_ms(u32::MAX, 0.0), RETRY_MAX_MS, "no overflow however many");
        assert_eq!(retry_after_ms(1, 0.999_999).round(), 750.0);
        assert!(retry_after_ms(0, 0.5) > 0.0, "never a busy loop");
    }

    #[test]
    fn token_and_refresh_requests_are_encoded() {
        let form = token_form("demo", "c/d", &request());
        assert!(form.starts_with("grant_type=authorization_code&code=c%2Fd&redirect_uri=https%3A%2F%2Fstudio.example%2Fjoin&client_id=demo&code_verifier="));
        let body: serde_json::Value = serde_json::from_str(&refresh_body("r1")).unwrap();
        assert_eq!(body["refresh_token"], "r1");
    }

    #[test]
    fn tokens_know_when_to_refresh() {
        let t = Tokens::from_reply(r#"{"access_token":"a","expires_in":120,"refresh_token":"r","token_type":"Bearer"}"#, 0.0).unwrap();
        assert_eq!(t.expires_at_ms, Some(120_000.0));
        assert!(!t.needs_refresh(95_000.0), "a fifth of two minutes before expiry, not earlier");
        assert!(t.needs_refresh(96_000.0));
        assert_eq!(t.refresh_in_ms(0.0), Some(96_000.0));
        let long = Tokens::from_reply(r#"{"access_token":"a","expires_in":3600,"refresh_token":"r"}"#, 0.0).unwrap();
        assert_eq!(long.refresh_in_ms(0.0), Some(3_600_000.0 - REFRESH_MARGIN_MS));
        let short = Tokens::from_reply(r#"{"access_token":"a","expires_in":3,"refresh_token":"r"}"#, 0.0).unwrap();
        assert!(!short.needs_refresh(2_000.0), "a short lifetime is not refreshed on every request");
        assert!(short.needs_refresh(2_400.0) && short.needs_refresh(5_000.0));
        // A lifetime past what a timer holds is read as the longest one that does.
        let huge = Tokens::from_reply(r#"{"access_token":"a","expires_in":1e12,"refresh_token":"r"}"#, 0.0).unwrap();
        assert_eq!(huge.lifetime_ms, Some(MAX_LIFETIME_MS));
        assert!(huge.refresh_in_ms(0.0).is_some_and(|ms| ms > 0.0 && ms <= MAX_LIFETIME_MS));
        let over = Tokens::from_reply(r#"{"access_token":"a","expires_in":1e308,"refresh_token":"r"}"#, 0.0).unwrap();
        assert_eq!(over.expires_at_ms, Some(MAX_LIFETIME_MS));
        let forever = Tokens::from_reply(r#"{"access_token":"a"}"#, 0.0).unwrap();
        assert!(!forever.needs_refresh(1e15) && forever.refresh_in_ms(0.0).is_none());
        assert!(Tokens::from_reply(r#"{"access_token":""}"#, 0.0).is_err());
        assert!(Tokens::from_reply("<html>", 0.0).is_err());
    }
}
