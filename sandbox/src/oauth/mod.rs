//! OAuth 2.0 sign-in (contract §6): the authorization code grant with PKCE (S256) for
//! public clients, the access and refresh tokens it issues, and TeamUp's
//! `POST /api/v2/auth/refresh_access_token`.
//!
//! - `GET|POST /api/v2/auth/oauth/authorize`: the sign-in page (`authorize.rs`);
//! - `POST /api/v2/auth/oauth/token` and `POST /api/v2/auth/refresh_access_token` (`token.rs`);
//! - `GET|DELETE /__sandbox/oauth`: counters for tests.
//!
//! Issued access tokens authenticate `/api/v2` like the demo tokens (`api/auth.rs` looks them
//! up here) until they expire.

mod authorize;
pub(crate) mod pkce;
pub(crate) mod redirect;
mod token;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::Method;
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use crate::api::auth::Mode;
use crate::api::ApiError;
use crate::data::StudioData;
use crate::state::{new_token, Sandbox};

pub const AUTHORIZE_PATH: &str = "/api/v2/auth/oauth/authorize";

/// Under `/api/v2` (so the body limit applies); other methods get the envelope's 405 without
/// a credential check (these routes take none).
pub(crate) fn api_routes() -> Router<Sandbox> {
    Router::new()
        .route(
            AUTHORIZE_PATH,
            no_auth_405(get(authorize::show).post(authorize::decide)),
        )
        .route(
            "/api/v2/auth/oauth/token",
            no_auth_405(post(token::exchange)),
        )
        .route(
            "/api/v2/auth/refresh_access_token",
            no_auth_405(post(token::refresh)),
        )
}

fn no_auth_405(route: MethodRouter<Sandbox>) -> MethodRouter<Sandbox> {
    route.fallback(|method: Method| async move { ApiError::method_not_allowed(method.as_str()) })
}

/// `GET /__sandbox/oauth` (counters) and `DELETE /__sandbox/oauth` (forget codes and tokens,
/// zero the counters).
pub(crate) fn hook_routes() -> Router<Sandbox> {
    Router::new().route("/__sandbox/oauth", get(hook_stats).delete(hook_reset))
}

async fn hook_stats(State(sb): State<Sandbox>) -> Json<OAuthStats> {
    Json(sb.oauth_stats())
}

async fn hook_reset(State(sb): State<Sandbox>) -> Json<OAuthStats> {
    sb.reset_oauth();
    Json(sb.oauth_stats())
}

/// What `GET /__sandbox/oauth` and `Sandbox::oauth_stats` report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthStats {
    /// Authorization codes handed out by the sign-in page.
    pub codes_issued: u64,
    /// Codes exchanged for tokens at the token endpoint.
    pub codes_exchanged: u64,
    /// Token endpoint requests refused (any 400 answer, a reused code included).
    pub refused_exchanges: u64,
    /// Successful `refresh_access_token` calls.
    pub refreshes: u64,
    /// Issued access tokens that work right now (not expired, not revoked).
    pub tokens_active: u64,
}

/// A granted scope: `read_write` and at most one `provider:<ID>`, which restricts the tokens to
/// that provider's profiles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Scope {
    pub tokens: Vec<String>,
    pub provider: Option<u64>,
}

impl Scope {
    /// Space-separated; empty means `read_write`. Unknown words, unknown providers and two
    /// different `provider:` words are refused with the reason.
    pub fn parse(s: &str, data: &StudioData) -> Result<Scope, String> {
        Scope::from_words(s.split_whitespace(), data)
    }

    pub fn from_words<'a>(
        words: impl IntoIterator<Item = &'a str>,
        data: &StudioData,
    ) -> Result<Scope, String> {
        let mut scope = Scope {
            tokens: Vec::new(),
            provider: None,
        };
        for w in words {
            if w == "read_write" {
            } else if let Some(id) = w.strip_prefix("provider:") {
                let id: u64 = id
                    .parse()
                    .map_err(|_| format!("{w:?} is not provider:<provider id>."))?;
                if data.provider(id).is_none() {
                    return Err(format!("There is no provider {id}."));
                }
                if scope.provider.is_some_and(|p| p != id) {
                    return Err("Only one provider: scope may be given.".into());
                }
                scope.provider = Some(id);
            } else {
                return Err(format!(
                    "Unknown scope {w:?}: use read_write and provider:<ID>."
                ));
            }
            if !scope.tokens.iter().any(|t| t == w) {
                scope.tokens.push(w.to_string());
            }
        }
        if scope.tokens.is_empty() {
            scope.tokens.push("read_write".into());
        }
        Ok(scope)
    }

    /// May a refresh ask for `narrower`? Every word must be granted already, except that a
    /// scope without a provider may be narrowed to one provider.
    pub fn allows(&self, narrower: &Scope) -> bool {
        narrower.tokens.iter().all(|t| {
            self.tokens.contains(t) || (t.starts_with("provider:") && self.provider.is_none())
        })
    }

    pub fn as_string(&self) -> String {
        self.tokens.join(" ")
    }
}

pub(crate) struct Code {
    pub client_id: String,
    pub redirect_uri: String,
    pub challenge: String,
    /// Index into `StudioData::users`.
    pub user: usize,
    pub scope: Scope,
    pub expires_at: Instant,
    pub used: bool,
    /// The grant its tokens belong to (revoked together when the code is replayed).
    pub grant: u64,
}

pub(crate) struct AccessToken {
    pub user: usize,
    pub kind: Mode,
    pub scope: Scope,
    pub expires_at: Instant,
    pub grant: u64,
    pub revoked: bool,
}

pub(crate) struct RefreshToken {
    pub user: usize,
    pub scope: Scope,
    pub grant: u64,
    pub used: bool,
    pub revoked: bool,
}

/// Codes, tokens and counters; lives in the sandbox's `State` so authentication sees it under
/// the same lock as the data.
#[derive(Default)]
pub(crate) struct OAuthState {
    pub codes: HashMap<String, Code>,
    pub access: HashMap<String, AccessToken>,
    pub refresh: HashMap<String, RefreshToken>,
    next_grant: u64,
    pub codes_issued: u64,
    pub codes_exchanged: u64,
    pub refused_exchanges: u64,
    pub refreshes: u64,
}

/// The pair a token or refresh answer carries.
pub(crate) struct Issued {
    pub access_token: String,
    pub refresh_token: String,
}

impl OAuthState {
    pub fn new_grant(&mut self) -> u64 {
        self.next_grant += 1;
        self.next_grant
    }

    pub fn issue(
        &mut self,
        grant: u64,
        user: usize,
        kind: Mode,
        scope: Scope,
        lifetime: Duration,
    ) -> Issued {
        let access_token = format!("sbx_at_{}", new_token());
        let refresh_token = format!("sbx_rt_{}", new_token());
        self.access.insert(
            access_token.clone(),
            AccessToken {
                user,
                kind,
                scope: scope.clone(),
                expires_at: Instant::now() + lifetime,
                grant,
                revoked: false,
            },
        );
        self.refresh.insert(
            refresh_token.clone(),
            RefreshToken {
                user,
                scope,
                grant,
                used: false,
                revoked: false,
            },
        );
        Issued {
            access_token,
            refresh_token,
        }
    }

    /// A replayed code: every token of its grant stops working (RFC 6749 §4.1.2).
    pub fn revoke_grant(&mut self, grant: u64) {
        for t in self.access.values_mut().filter(|t| t.grant == grant) {
            t.revoked = true;
        }
        for t in self.refresh.values_mut().filter(|t| t.grant == grant) {
            t.revoked = true;
        }
    }

    pub fn stats(&self, now: Instant) -> OAuthStats {
        OAuthStats {
            codes_issued: self.codes_issued,
            codes_exchanged: self.codes_exchanged,
            refused_exchanges: self.refused_exchanges,
            refreshes: self.refreshes,
            tokens_active: self
                .access
                .values()
                .filter(|t| !t.revoked && now < t.expires_at)
                .count() as u64,
        }
    }
}

/// `expires_in`: whole seconds, rounded up (a 500 ms lifetime says 1).
pub(crate) fn expires_in(lifetime: Duration) -> u64 {
    let secs = lifetime.as_secs();
    if lifetime.subsec_nanos() > 0 {
        secs + 1
    } else {
        secs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse() {
        let data = StudioData::demo();
        let s = Scope::parse("", &data).unwrap();
        assert_eq!(
            (s.as_string(), s.provider),
            ("read_write".to_string(), None)
        );
        let s = Scope::parse("read_write  provider:100 read_write", &data).unwrap();
        assert_eq!(s.as_string(), "read_write provider:100");
        assert_eq!(s.provider, Some(100));
        assert_eq!(
            Scope::parse("provider:200", &data).unwrap().provider,
            Some(200)
        );
        for bad in [
            "admin",
            "provider:999",
            "provider:x",
            "provider:100 provider:200",
        ] {
            assert!(Scope::parse(bad, &data).is_err(), "{bad}");
        }
        let all = Scope::parse("read_write", &data).unwrap();
        let one = Scope::parse("read_write provider:100", &data).unwrap();
        assert!(all.allows(&one));
        assert!(!one.allows(&Scope::parse("provider:200", &data).unwrap()));
        assert!(one.allows(&Scope::parse("provider:100", &data).unwrap()));
    }

    #[test]
    fn expires_in_rounds_up() {
        assert_eq!(expires_in(Duration::from_secs(3600)), 3600);
        assert_eq!(expires_in(Duration::from_millis(500)), 1);
        assert_eq!(expires_in(Duration::from_millis(1500)), 2);
    }
}
