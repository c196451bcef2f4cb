//! `POST /api/v2/auth/oauth/token` (authorization code + PKCE → tokens) and TeamUp's
//! `POST /api/v2/auth/refresh_access_token` (refresh token → new tokens, rotating).

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::{expires_in, pkce, Scope};
use crate::api::auth::Mode;
use crate::api::{ApiError, FieldErrors};
use crate::data::ProfileType;
use crate::state::Sandbox;

/// Token answers must not be cached (RFC 6749 §5.1).
fn no_store(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp
}

fn mime(headers: &HeaderMap) -> Option<String> {
    headers.get(header::CONTENT_TYPE).map(|ct| {
        String::from_utf8_lossy(ct.as_bytes())
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    })
}

/// An OAuth error in TeamUp's envelope: 400, `code` = the OAuth error code.
fn oauth_error(code: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, code, message)
}

const TOKEN_PARAMS: &[&str] = &[
    "grant_type",
    "code",
    "redirect_uri",
    "client_id",
    "code_verifier",
];

pub(super) async fn exchange(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = exchange_inner(&sb, &headers, &body);
    let mut state = sb.lock();
    match result {
        Ok(v) => {
            state.oauth.codes_exchanged += 1;
            no_store(Json(v).into_response())
        }
        Err(e) => {
            state.oauth.refused_exchanges += 1;
            no_store(e.into_response())
        }
    }
}

fn exchange_inner(sb: &Sandbox, headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    if mime(headers).as_deref() != Some("application/x-www-form-urlencoded") {
        return Err(oauth_error(
            "invalid_request",
            "The token request must be application/x-www-form-urlencoded.",
        ));
    }
    let pairs: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
    let mut values = std::collections::HashMap::new();
    for name in TOKEN_PARAMS {
        let mut found = pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str());
        let first = found.next();
        if found.next().is_some() {
            return Err(oauth_error(
                "invalid_request",
                format!("{name} is given more than once."),
            ));
        }
        if let Some(v) = first.filter(|v| !v.is_empty()) {
            values.insert(*name, v.to_string());
        }
    }
    let required = |name: &str| {
        values
            .get(name)
            .cloned()
            .ok_or_else(|| oauth_error("invalid_request", format!("{name} is required.")))
    };
    let grant_type = required("grant_type")?;
    if grant_type != "authorization_code" {
        return Err(oauth_error(
            "unsupported_grant_type",
            format!("grant_type \"{grant_type}\" is not supported: use authorization_code (refresh with /api/v2/auth/refresh_access_token)."),
        ));
    }
    let client_id = required("client_id")?;
    if !sb.oauth_clients().iter().any(|c| c.id == client_id) {
        return Err(oauth_error(
            "invalid_client",
            format!("Unknown client_id \"{client_id}\"."),
        ));
    }
    let code = required("code")?;
    let redirect_uri = required("redirect_uri")?;
    let verifier = required("code_verifier")?;

    let now = Instant::now();
    let mut state = sb.lock();
    let oauth = &mut state.oauth;
    let invalid_grant = |m: &str| oauth_error("invalid_grant", m);
    let Some(c) = oauth.codes.get(&code) else {
        return Err(invalid_grant("The authorization code is not valid."));
    };
    if c.used {
        let grant = c.grant;
        oauth.revoke_grant(grant);
        return Err(invalid_grant(
            "The authorization code has already been used; the tokens issued for it are revoked.",
        ));
    }
    if now >= c.expires_at {
        return Err(invalid_grant("The authorization code has expired."));
    }
    if c.client_id != client_id {
        return Err(invalid_grant(
            "The authorization code was issued to another client.",
        ));
    }
    if c.redirect_uri != redirect_uri {
        return Err(invalid_grant(
            "redirect_uri does not match the one the authorization code was issued for.",
        ));
    }
    if !pkce::valid_verifier(&verifier) {
        return Err(invalid_grant(
            "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~.",
        ));
    }
    if pkce::s256(&verifier) != c.challenge {
        return Err(invalid_grant(
            "code_verifier does not match the code_challenge (S256).",
        ));
    }
    let (grant, user, scope) = (c.grant, c.user, c.scope.clone());
    if let Some(c) = oauth.codes.get_mut(&code) {
        c.used = true;
    }
    let lifetime = sb.access_token_lifetime();
    let issued = oauth.issue(grant, user, Mode::Customer, scope.clone(), lifetime);
    Ok(json!({
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": expires_in(lifetime),
        "refresh_token": issued.refresh_token,
        "scope": scope.as_string(),
    }))
}

/// The body of `refresh_access_token`, JSON or form-urlencoded.
struct RefreshBody {
    refresh_token: Option<String>,
    scope: Option<Vec<String>>,
    kind: Option<String>,
    errors: FieldErrors,
}

const REQUIRED: &str = "This field is required.";

fn parse_refresh(headers: &HeaderMap, body: &[u8]) -> Result<RefreshBody, ApiError> {
    let mut out = RefreshBody {
        refresh_token: None,
        scope: None,
        kind: None,
        errors: FieldErrors::new(),
    };
    let Some(mime) = mime(headers) else {
        out.errors.add("refresh_token", REQUIRED);
        return Ok(out);
    };
    if mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json")) {
        if body.iter().all(u8::is_ascii_whitespace) {
            out.errors.add("refresh_token", REQUIRED);
            return Ok(out);
        }
        let value: Value = serde_json::from_slice(body).map_err(ApiError::json_parse)?;
        let Value::Object(map) = value else {
            let mut fe = FieldErrors::new();
            fe.add(
                "non_field_errors",
                "Invalid data. Expected a dictionary, but got another type.",
            );
            return Err(ApiError::invalid(fe));
        };
        match map.get("refresh_token") {
            None => out.errors.add("refresh_token", REQUIRED),
            Some(Value::Null) => out
                .errors
                .add("refresh_token", "This field may not be null."),
            Some(Value::String(s)) if s.trim().is_empty() => out
                .errors
                .add("refresh_token", "This field may not be blank."),
            Some(Value::String(s)) => out.refresh_token = Some(s.clone()),
            Some(_) => out.errors.add("refresh_token", "Not a valid string."),
        }
        match map.get("scope") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                let words: Option<Vec<String>> = items
                    .iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect();
                match words {
                    Some(w) => out.scope = Some(w),
                    None => out.errors.add("scope", "Not a valid string."),
                }
            }
            Some(_) => out
                .errors
                .add("scope", "Expected a list of items but got another type."),
        }
        match map.get("new_access_token_type") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => out.kind = Some(s.clone()),
            Some(other) => out.kind = Some(other.to_string()),
        }
        return Ok(out);
    }
    if mime == "application/x-www-form-urlencoded" {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
        let last = |name: &str| {
            pairs
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        match last("refresh_token") {
            None => out.errors.add("refresh_token", REQUIRED),
            Some(s) if s.trim().is_empty() => out
                .errors
                .add("refresh_token", "This field may not be blank."),
            Some(s) => out.refresh_token = Some(s),
        }
        let scope: Vec<String> = pairs
            .iter()
            .filter(|(k, _)| k == "scope")
            .flat_map(|(_, v)| v.split_whitespace().map(str::to_string))
            .collect();
        if !scope.is_empty() {
            out.scope = Some(scope);
        }
        out.kind = last("new_access_token_type").filter(|v| !v.is_empty());
        return Ok(out);
    }
    let ct = headers
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).to_string())
        .unwrap_or_default();
    Err(ApiError::unsupported_media_type(&ct))
}

pub(super) async fn refresh(
    State(sb): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    no_store(match refresh_inner(&sb, &headers, &body) {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    })
}

fn refresh_inner(sb: &Sandbox, headers: &HeaderMap, body: &[u8]) -> Result<Value, ApiError> {
    let mut b = parse_refresh(headers, body)?;
    let kind = match b.kind.as_deref() {
        None | Some("customer") => Mode::Customer,
        Some("provider") => Mode::Provider,
        Some(other) => {
            b.errors.add(
                "new_access_token_type",
                format!("\"{other}\" is not a valid choice."),
            );
            Mode::Customer
        }
    };
    let mut state = sb.lock();
    let requested_scope = match &b.scope {
        None => None,
        Some(words) => match Scope::from_words(words.iter().map(String::as_str), &state.data) {
            Ok(s) => Some(s),
            Err(m) => {
                b.errors.add("scope", m);
                None
            }
        },
    };
    if !b.errors.is_empty() {
        return Err(ApiError::invalid(b.errors));
    }
    let token = b.refresh_token.unwrap_or_default();
    let Some(old) = state.oauth.refresh.get(&token) else {
        return Err(ApiError::authentication_failed("Invalid refresh token."));
    };
    if old.revoked {
        return Err(ApiError::authentication_failed("Refresh token revoked."));
    }
    if old.used {
        return Err(ApiError::authentication_failed(
            "Refresh token already used: each refresh returns a new one.",
        ));
    }
    let (grant, user, granted) = (old.grant, old.user, old.scope.clone());
    let scope = match requested_scope {
        None => granted,
        Some(s) if granted.allows(&s) => s,
        Some(_) => {
            return Err(ApiError::invalid_field(
                "scope",
                "The scope may only narrow what was granted.",
            ))
        }
    };
    if kind == Mode::Provider {
        let has_staff = state.data.users.get(user).is_some_and(|u| {
            u.profiles.iter().any(|p| {
                p.profile_type == ProfileType::Staff
                    && scope.provider.is_none_or(|id| p.provider == id)
            })
        });
        if !has_staff {
            return Err(ApiError::permission_denied(
                "These credentials have no staff profile, so a provider token cannot be issued.",
            ));
        }
    }
    let oauth = &mut state.oauth;
    if let Some(old) = oauth.refresh.get_mut(&token) {
        old.used = true;
    }
    let lifetime = sb.access_token_lifetime();
    let issued = oauth.issue(grant, user, kind, scope, lifetime);
    oauth.refreshes += 1;
    Ok(json!({
        "access_token": issued.access_token,
        "expires_in": expires_in(lifetime),
        "refresh_token": issued.refresh_token,
    }))
}
