//! Who the customer is, as the studio's own server says: a short-lived identity it signs with a
//! secret it shares with the gateway (`GATEWAY_IDENTITY_SECRET`). The browser only carries it.
//!
//! Token: `v1.<customer id>.<expires>.<signature>` where `expires` is Unix seconds and
//! `signature` = base64url without padding of HMAC-SHA256(secret, `v1.<customer id>.<expires>`).
//! Anything the browser says about a customer without such a token (an id, an email) never
//! selects an existing Uelz customer: such a buyer is a new customer (README, "Customer identity").

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::logic::plausible_id;

type HmacSha256 = Hmac<Sha256>;

pub const VERSION: &str = "v1";
/// A token may be valid for at most this long from now: it is a page view's identity, not a login.
pub const MAX_LIFETIME_SECS: i64 = 24 * 60 * 60;
/// Clocks of the studio's server and the gateway may differ by this much.
pub const CLOCK_LEEWAY_SECS: i64 = 60;
/// Shortest secret accepted (bytes): 256 bits, what `openssl rand -hex 32` gives.
pub const MIN_SECRET_LEN: usize = 32;
/// Longest token read (a customer id of 64, a 12-digit time, a 43-character signature, dots).
const MAX_TOKEN_LEN: usize = 200;

/// Why a customer token was refused (for the log; the customer gets one message for all).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The gateway has no identity secret, so it can't check any token.
    NotConfigured,
    /// Not `v1.<id>.<expires>.<signature>`.
    Malformed,
    /// The signature doesn't match: forged, altered, or signed with another secret.
    BadSignature,
    Expired,
    /// Valid for longer than [`MAX_LIFETIME_SECS`]: not a short-lived identity.
    TooLong,
    /// A customer id without any signature (`{"id": …}`).
    Unsigned,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::NotConfigured => "not_configured",
            Refusal::Malformed => "malformed",
            Refusal::BadSignature => "bad_signature",
            Refusal::Expired => "expired",
            Refusal::TooLong => "lifetime_too_long",
            Refusal::Unsigned => "unsigned",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn mac(secret: &str, payload: &str) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(payload.as_bytes());
    mac
}

/// What the studio's server does (README has the same in shell, Python and Node): a token for
/// `customer_id` that expires at `expires` (Unix seconds).
pub fn sign(secret: &str, customer_id: &str, expires: i64) -> String {
    let payload = format!("{VERSION}.{customer_id}.{expires}");
    let signature = URL_SAFE_NO_PAD.encode(mac(secret, &payload).finalize().into_bytes());
    format!("{payload}.{signature}")
}

/// The customer id the token vouches for, at `now` (Unix seconds). `secrets` are tried in
/// order (the current one, then the previous one while keys are rotated); the comparison is
/// constant-time.
pub fn verify(secrets: &[String], token: &str, now: i64) -> Result<String, Refusal> {
    if secrets.is_empty() {
        return Err(Refusal::NotConfigured);
    }
    let token = token.trim();
    if token.len() > MAX_TOKEN_LEN {
        return Err(Refusal::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(version), Some(id), Some(expires), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refusal::Malformed);
    };
    if version != VERSION
        || !plausible_id(id)
        || expires.is_empty()
        || expires.len() > 12
        || !expires.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(Refusal::Malformed);
    }
    // A signature that doesn't even decode is as wrong as one that doesn't match.
    let Ok(signature) = URL_SAFE_NO_PAD.decode(signature) else { return Err(Refusal::BadSignature) };
    let payload = format!("{version}.{id}.{expires}");
    if !secrets.iter().any(|s| mac(s, &payload).verify_slice(&signature).is_ok()) {
        return Err(Refusal::BadSignature);
    }
    let expires: i64 = expires.parse().map_err(|_| Refusal::Malformed)?;
    if expires.saturating_add(CLOCK_LEEWAY_SECS) < now {
        return Err(Refusal::Expired);
    }
    if expires > now.saturating_add(MAX_LIFETIME_SECS + CLOCK_LEEWAY_SECS) {
        return Err(Refusal::TooLong);
    }
    Ok(id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    const NOW: i64 = 1_780_000_000;
    const ALEX: &str = "clcu0a1exrunner0000000001";

    fn secrets() -> Vec<String> {
        vec![SECRET.to_string()]
    }

    #[test]
    fn a_signed_identity_verifies() {
        let token = sign(SECRET, ALEX, NOW + 3600);
        assert!(token.starts_with(&format!("v1.{ALEX}.{}.", NOW + 3600)), "{token}");
        assert_eq!(verify(&secrets(), &token, NOW), Ok(ALEX.to_string()));
        // Within the clock leeway on both sides.
        assert!(verify(&secrets(), &sign(SECRET, ALEX, NOW - 30), NOW).is_ok());
        assert!(verify(&secrets(), &sign(SECRET, ALEX, NOW + MAX_LIFETIME_SECS + 30), NOW).is_ok());
    }

    /// Computed independently with
    /// `printf 'v1.abc.1780000000' | openssl dgst -sha256 -hmac key -binary | basenc --base64url`.
    #[test]
    fn the_signature_is_plain_hmac_sha256_in_base64url() {
        assert_eq!(sign("key", "abc", 1_780_000_000), "v1.abc.1780000000.tR6fukZvAcfjp6wtX-niKzOW7JJ_PvrrpUV6ZSASBiI");
    }

    #[test]
    fn forged_altered_and_foreign_tokens_are_refused() {
        let token = sign(SECRET, ALEX, NOW + 3600);
        // Another customer's id under Alex's signature.
        let swapped = token.replace(ALEX, "clcu0saml1fter0000000002");
        assert_eq!(verify(&secrets(), &swapped, NOW), Err(Refusal::BadSignature));
        // A later expiry under the old signature.
        let stretched = token.replace(&(NOW + 3600).to_string(), &(NOW + 7200).to_string());
        assert_eq!(verify(&secrets(), &stretched, NOW), Err(Refusal::BadSignature));
        // Signed with a secret the gateway doesn't hold.
        let foreign = sign("another-studio-secret-0123456789abcdef", ALEX, NOW + 3600);
        assert_eq!(verify(&secrets(), &foreign, NOW), Err(Refusal::BadSignature));
        // A truncated signature.
        assert_eq!(verify(&secrets(), &token[..token.len() - 2], NOW), Err(Refusal::BadSignature));
        assert_eq!(verify(&[], &token, NOW), Err(Refusal::NotConfigured));
    }

    #[test]
    fn expiry_and_lifetime() {
        assert_eq!(verify(&secrets(), &sign(SECRET, ALEX, NOW - 61), NOW), Err(Refusal::Expired));
        assert_eq!(
            verify(&secrets(), &sign(SECRET, ALEX, NOW + MAX_LIFETIME_SECS + 61), NOW),
            Err(Refusal::TooLong)
        );
        assert_eq!(verify(&secrets(), &sign(SECRET, ALEX, i64::MAX), NOW), Err(Refusal::Malformed), "13+ digits");
    }

    #[test]
    fn malformed_tokens() {
        let good = sign(SECRET, ALEX, NOW + 60);
        for bad in [
            "",
            "v1",
            "v1.a.b",
            &format!("{good}.extra"),
            &good.replacen("v1.", "v2.", 1),
            &sign(SECRET, "a b", NOW + 60),
            &sign(SECRET, "../x", NOW + 60),
            &format!("v1.{ALEX}.-5.AAAA"),
            &"v1.x.1.".repeat(60),
        ] {
            assert_eq!(verify(&secrets(), bad, NOW), Err(Refusal::Malformed), "{bad:?}");
        }
        let not_base64 = format!("v1.{ALEX}.{}.not base64!", NOW + 60);
        assert_eq!(verify(&secrets(), &not_base64, NOW), Err(Refusal::BadSignature));
    }

    #[test]
    fn rotation_accepts_the_previous_secret() {
        let old = "old-secret-0123456789abcdef0123456789abcdef";
        let token = sign(old, ALEX, NOW + 60);
        assert_eq!(verify(&secrets(), &token, NOW), Err(Refusal::BadSignature));
        assert_eq!(verify(&[SECRET.to_string(), old.to_string()], &token, NOW), Ok(ALEX.into()));
    }
}
