//! Authentication and the two TeamUp scoping headers.
//!
//! `Authorization: Bearer|Token|JWT <token>` identifies a user; `Teamup-Request-Mode` picks
//! their customer or staff side; `TeamUp-Provider-ID` picks the studio when they have more
//! than one. Every `/api/v2` handler takes a `Ctx` (or `Authed` for `/auth/profiles`, or
//! `Reader` for the catalogue, which customer-mode visitors may read without signing in).
//!
//! A token is a demo user's static token or an access token issued by the OAuth token endpoint
//! (`crate::oauth`), which works until it expires and may be limited to one provider.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};

use super::ApiError;
use crate::data::{Profile, ProfileType, Provider, StudioData, User};
use crate::state::{Sandbox, State};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Customer,
    Provider,
}

impl Mode {
    pub(crate) fn profile_type(self) -> ProfileType {
        match self {
            Mode::Customer => ProfileType::Customer,
            Mode::Provider => ProfileType::Staff,
        }
    }
}

/// An authenticated user, before any provider is chosen (`/auth/profiles`).
pub struct Authed {
    pub user: User,
}

/// A request scoped to one provider and one mode. As the `Ctx` extractor it is always
/// authenticated; as `Reader` it may be an anonymous customer-mode visitor (no profile).
pub struct Ctx {
    pub mode: Mode,
    pub provider: Provider,
    /// The user's profile at `provider` in `mode` (customer profile id = `customer`); `None`
    /// only for an anonymous catalogue read.
    pub profile: Option<Profile>,
}

impl Ctx {
    pub fn is_customer(&self) -> bool {
        self.mode == Mode::Customer
    }

    /// The signed-in user's profile id at this provider in this mode.
    pub fn profile_id(&self) -> Option<u64> {
        self.profile.as_ref().map(|p| p.id)
    }
}

/// A catalogue read (memberships, payment plans, events, slots): signed in as `Ctx`, or, with
/// no `Authorization` header at all, an anonymous customer-mode visitor of the provider named
/// by `TeamUp-Provider-ID` (ASSUMPTION, like TeamUp's public calendar). A header that is present
/// is always checked.
pub struct Reader(pub Ctx);

/// Who the credentials belong to: the user (with profiles limited to a token's provider scope)
/// and, for an OAuth access token, the request mode it was issued for.
struct Identity {
    user: User,
    kind: Option<Mode>,
}

const PROVIDER_HEADER: &str = "teamup-provider-id";
const MODE_HEADER: &str = "teamup-request-mode";

fn authenticate(headers: &HeaderMap, state: &State) -> Result<Identity, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(ApiError::not_authenticated());
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::authentication_failed("Invalid token header."))?;
    let parts: Vec<&str> = value.split_whitespace().collect();
    // Like DRF, a scheme no authenticator recognises counts as "no credentials".
    let Some(scheme) = parts.first() else {
        return Err(ApiError::not_authenticated());
    };
    if !["bearer", "token", "jwt"].contains(&scheme.to_ascii_lowercase().as_str()) {
        return Err(ApiError::not_authenticated());
    }
    match parts.len() {
        1 => Err(ApiError::authentication_failed(
            "Invalid token header. No credentials provided.",
        )),
        2 => token_identity(parts[1], state),
        _ => Err(ApiError::authentication_failed(
            "Invalid token header. Token string should not contain spaces.",
        )),
    }
}

fn token_identity(token: &str, state: &State) -> Result<Identity, ApiError> {
    if let Some(user) = state.data.user_by_token(token) {
        return Ok(Identity {
            user: user.clone(),
            kind: None,
        });
    }
    let invalid = || ApiError::authentication_failed("Invalid token.");
    let t = state.oauth.access.get(token).ok_or_else(invalid)?;
    if t.revoked {
        return Err(ApiError::authentication_failed("Access token revoked."));
    }
    if std::time::Instant::now() >= t.expires_at {
        return Err(ApiError::authentication_failed("Access token expired."));
    }
    let mut user = state.data.users.get(t.user).cloned().ok_or_else(invalid)?;
    if let Some(p) = t.scope.provider {
        user.profiles.retain(|profile| profile.provider == p);
    }
    Ok(Identity {
        user,
        kind: Some(t.kind),
    })
}

fn mode_header(headers: &HeaderMap) -> Result<Option<Mode>, ApiError> {
    let Some(v) = headers.get(MODE_HEADER) else {
        return Ok(None);
    };
    match v.to_str().map(str::trim) {
        Ok("customer") => Ok(Some(Mode::Customer)),
        Ok("provider") => Ok(Some(Mode::Provider)),
        _ => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "parameter_invalid",
            "Teamup-Request-Mode must be \"customer\" or \"provider\".",
        )),
    }
}

fn provider_header(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    let Some(v) = headers.get(PROVIDER_HEADER) else {
        return Ok(None);
    };
    let parsed = v
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<u64>());
    match parsed {
        None => Ok(None),
        Some(Ok(id)) => Ok(Some(id)),
        Some(Err(_)) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "parameter_invalid",
            "TeamUp-Provider-ID must be a provider id (a whole number).",
        )),
    }
}

fn resolve(identity: Identity, headers: &HeaderMap, data: &StudioData) -> Result<Ctx, ApiError> {
    let requested_mode = mode_header(headers)?;
    let requested_provider = provider_header(headers)?;
    let user = identity.user;

    let has = |t: ProfileType| user.profiles.iter().any(|p| p.profile_type == t);
    let mode = match (identity.kind, requested_mode) {
        // "The TeamUp-Request-Mode header for requests made with the new token must match
        // this type" (refresh_access_token's new_access_token_type).
        (Some(kind), Some(m)) if m != kind => {
            return Err(ApiError::permission_denied(match kind {
                Mode::Customer => "This access token was issued for customer requests: send Teamup-Request-Mode: customer.",
                Mode::Provider => "This access token was issued for provider requests: send Teamup-Request-Mode: provider.",
            }))
        }
        (Some(kind), _) => kind,
        (None, Some(m)) => m,
        (None, None) if has(ProfileType::Customer) && has(ProfileType::Staff) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "request_mode_required",
                "These credentials have customer and staff profiles: send Teamup-Request-Mode: customer or provider.",
            ))
        }
        (None, None) if has(ProfileType::Staff) => Mode::Provider,
        (None, None) => Mode::Customer,
    };

    let mut providers: Vec<u64> = user.profiles.iter().map(|p| p.provider).collect();
    providers.sort_unstable();
    providers.dedup();
    let provider_id = match requested_provider {
        Some(id) => id,
        None if providers.len() > 1 => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "provider_required",
                "These credentials have access to more than one provider: send the TeamUp-Provider-ID header.",
            ))
        }
        None => *providers.first().ok_or_else(|| ApiError::permission_denied("These credentials have no profiles."))?,
    };

    if !providers.contains(&provider_id) {
        return Err(ApiError::permission_denied(
            "You do not have access to this provider.",
        ));
    }
    let profile = user
        .profiles
        .iter()
        .find(|p| p.provider == provider_id && p.profile_type == mode.profile_type())
        .cloned()
        .ok_or_else(|| {
            ApiError::permission_denied(match mode {
                Mode::Customer => "You do not have a customer profile at this provider.",
                Mode::Provider => "You do not have a staff profile at this provider, so provider mode is not allowed.",
            })
        })?;
    let provider = data
        .provider(provider_id)
        .cloned()
        .ok_or_else(|| ApiError::permission_denied("You do not have access to this provider."))?;
    Ok(Ctx {
        mode,
        provider,
        profile: Some(profile),
    })
}

impl FromRequestParts<Sandbox> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Sandbox,
    ) -> Result<Self, Self::Rejection> {
        let user = authenticate(&parts.headers, &state.lock())?.user;
        mode_header(&parts.headers)?;
        // Profiles are how a client discovers its providers, so the provider header is not
        // required here; when sent it must still name one of the user's providers.
        if let Some(id) = provider_header(&parts.headers)? {
            if !user.profiles.iter().any(|p| p.provider == id) {
                return Err(ApiError::permission_denied(
                    "You do not have access to this provider.",
                ));
            }
        }
        Ok(Authed { user })
    }
}

impl FromRequestParts<Sandbox> for Ctx {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Sandbox,
    ) -> Result<Self, Self::Rejection> {
        let guard = state.lock();
        let identity = authenticate(&parts.headers, &guard)?;
        resolve(identity, &parts.headers, &guard.data)
    }
}

impl FromRequestParts<Sandbox> for Reader {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Sandbox,
    ) -> Result<Self, Self::Rejection> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            return Ctx::from_request_parts(parts, state).await.map(Reader);
        }
        // Anonymous: customer mode at a provider that exists, else "not signed in".
        let mode = mode_header(&parts.headers)?;
        let provider = provider_header(&parts.headers)?;
        if mode == Some(Mode::Provider) {
            return Err(ApiError::not_authenticated());
        }
        let provider = provider
            .and_then(|id| state.lock().data.provider(id).cloned())
            .ok_or_else(ApiError::not_authenticated)?;
        Ok(Reader(Ctx {
            mode: Mode::Customer,
            provider,
            profile: None,
        }))
    }
}
