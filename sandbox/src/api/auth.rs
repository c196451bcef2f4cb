//! Authentication and the two TeamUp scoping headers.
//!
//! `Authorization: Bearer|Token|JWT <token>` identifies a user; `Teamup-Request-Mode` picks
//! their customer or staff side; `TeamUp-Provider-ID` picks the studio when they have more
//! than one. Every `/api/v2` handler takes a `Ctx` (or `Authed` for `/auth/profiles`).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};

use super::ApiError;
use crate::data::{Profile, ProfileType, Provider, StudioData, User};
use crate::state::Sandbox;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Customer,
    Provider,
}

impl Mode {
    fn profile_type(self) -> ProfileType {
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

/// An authenticated request scoped to one provider and one mode.
pub struct Ctx {
    pub mode: Mode,
    pub provider: Provider,
    /// The user's profile at `provider` in `mode` (customer profile id = `customer`).
    pub profile: Profile,
}

impl Ctx {
    pub fn is_customer(&self) -> bool {
        self.mode == Mode::Customer
    }
}

const PROVIDER_HEADER: &str = "teamup-provider-id";
const MODE_HEADER: &str = "teamup-request-mode";

fn authenticate(headers: &HeaderMap, data: &StudioData) -> Result<User, ApiError> {
    let Some(value) = headers.get(axum::http::header::AUTHORIZATION) else {
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
        2 => data
            .user_by_token(parts[1])
            .cloned()
            .ok_or_else(|| ApiError::authentication_failed("Invalid token.")),
        _ => Err(ApiError::authentication_failed(
            "Invalid token header. Token string should not contain spaces.",
        )),
    }
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

fn resolve(user: User, headers: &HeaderMap, data: &StudioData) -> Result<Ctx, ApiError> {
    let requested_mode = mode_header(headers)?;
    let requested_provider = provider_header(headers)?;

    let has = |t: ProfileType| user.profiles.iter().any(|p| p.profile_type == t);
    let mode = match requested_mode {
        Some(m) => m,
        None if has(ProfileType::Customer) && has(ProfileType::Staff) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "request_mode_required",
                "These credentials have customer and staff profiles: send Teamup-Request-Mode: customer or provider.",
            ))
        }
        None if has(ProfileType::Staff) => Mode::Provider,
        None => Mode::Customer,
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
        profile,
    })
}

impl FromRequestParts<Sandbox> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Sandbox,
    ) -> Result<Self, Self::Rejection> {
        let user = authenticate(&parts.headers, &state.lock().data)?;
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
        let user = authenticate(&parts.headers, &guard.data)?;
        resolve(user, &parts.headers, &guard.data)
    }
}
