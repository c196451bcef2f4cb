//! `GET /api/v2/auth/oauth/authorize`: the sign-in page; `POST` (its form): a code for the
//! chosen customer, or `access_denied`, sent back to the client's `redirect_uri`.
//!
//! An unknown `client_id` or a `redirect_uri` not registered for it is never redirected to
//! (RFC 6749 §4.1.2.1): 400 with an HTML page. Every other problem is redirected back with
//! `error`, `error_description` and `state`.

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;

use super::{pkce, redirect, Code, Scope, AUTHORIZE_PATH};
use crate::config::OAuthClient;
use crate::data::{ProfileType, Provider, StudioData, User};
use crate::html::esc;
use crate::hosted_page::{html, see_other};
use crate::state::{new_token, Sandbox};
use crate::urls::set_query;

/// The parameters the authorize endpoint reads (each at most once).
const PARAMS: &[&str] = &[
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "login_hint",
];

/// A request that passed every check.
struct Authz {
    client: OAuthClient,
    redirect_uri: String,
    state: String,
    challenge: String,
    scope_param: Option<String>,
    scope: Scope,
    login_hint: Option<String>,
}

enum Refusal {
    /// 400 HTML page: never redirect to an unverified address.
    Page {
        error: &'static str,
        message: String,
    },
    /// 303 back to the client with `error` (and `state` when the request had one).
    Back {
        redirect_uri: String,
        state: Option<String>,
        error: &'static str,
        description: String,
    },
}

/// Each parameter's value; a repeated one is an error (RFC 6749 §3.1), an empty one absent.
struct Params(Vec<(String, String)>);

impl Params {
    fn get(&self, name: &str) -> Result<Option<String>, String> {
        let mut values = self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v);
        let first = values.next();
        if values.next().is_some() {
            return Err(format!("{name} is given more than once."));
        }
        Ok(first.filter(|v| !v.is_empty()).cloned())
    }
}

fn check(params: &Params, sb: &Sandbox, data: &StudioData) -> Result<Authz, Refusal> {
    let page = |error, message: String| Refusal::Page { error, message };
    let client_id = params
        .get("client_id")
        .map_err(|m| page("invalid_request", m))?
        .ok_or_else(|| page("invalid_request", "The request has no client_id.".into()))?;
    let client = sb
        .oauth_clients()
        .iter()
        .find(|c| c.id == client_id)
        .cloned()
        .ok_or_else(|| {
            page(
                "invalid_client",
                format!("Unknown client_id \"{client_id}\": no application is registered under this id."),
            )
        })?;
    let redirect_uri = params
        .get("redirect_uri")
        .map_err(|m| page("invalid_request", m))?
        .ok_or_else(|| page("invalid_request", "The request has no redirect_uri.".into()))?;
    if !client
        .redirect_uris
        .iter()
        .any(|r| redirect::matches(r, &redirect_uri))
    {
        return Err(page(
            "invalid_redirect_uri",
            format!(
                "The redirect_uri \"{redirect_uri}\" is not registered for {} ({}).",
                client.name, client.id
            ),
        ));
    }

    // From here on the client is told, at its own address.
    let state = params.get("state").ok().flatten();
    let back = |error, description: String| Refusal::Back {
        redirect_uri: redirect_uri.clone(),
        state: state.clone(),
        error,
        description,
    };
    for name in PARAMS {
        params.get(name).map_err(|m| back("invalid_request", m))?;
    }
    match params.get("response_type").ok().flatten().as_deref() {
        None => return Err(back("invalid_request", "response_type is required.".into())),
        Some("code") => {}
        Some(other) => {
            return Err(back(
                "unsupported_response_type",
                format!("response_type \"{other}\" is not supported: use code."),
            ))
        }
    }
    let Some(state_value) = state.clone() else {
        return Err(back("invalid_request", "state is required.".into()));
    };
    let challenge = params.get("code_challenge").ok().flatten().ok_or_else(|| {
        back(
            "invalid_request",
            "code_challenge is required: public clients must use PKCE.".into(),
        )
    })?;
    match params
        .get("code_challenge_method")
        .ok()
        .flatten()
        .as_deref()
    {
        Some("S256") => {}
        None => {
            return Err(back(
                "invalid_request",
                "code_challenge_method is required and must be S256 (plain is not accepted)."
                    .into(),
            ))
        }
        Some(other) => {
            return Err(back(
                "invalid_request",
                format!("code_challenge_method \"{other}\" is not supported: use S256."),
            ))
        }
    }
    if !pkce::valid_challenge(&challenge) {
        return Err(back(
            "invalid_request",
            "code_challenge must be 43 base64url characters (BASE64URL(SHA256(code_verifier)))."
                .into(),
        ));
    }
    let scope_param = params.get("scope").ok().flatten();
    let scope = Scope::parse(scope_param.as_deref().unwrap_or(""), data)
        .map_err(|m| back("invalid_scope", m))?;
    Ok(Authz {
        client,
        redirect_uri: redirect_uri.clone(),
        state: state_value,
        challenge,
        scope_param,
        scope,
        login_hint: params.get("login_hint").ok().flatten(),
    })
}

/// The authorization server's issuer identifier, sent back as `iss` with every answer that
/// returns to the client (RFC 9207), so a client can tell which server a code comes from.
/// ASSUMPTION: TeamUp documents no issuer; the sandbox uses its origin (scheme, host and port as
/// the request reached it, like its other absolute links), which is what the widget expects: the
/// origin of its `api-base`.
fn issuer(sb: &Sandbox, headers: &HeaderMap, uri: &Uri) -> String {
    crate::urls::base_url(headers, uri, sb)
}

fn refuse(refusal: Refusal, issuer: &str) -> Response {
    match refusal {
        Refusal::Page { error, message } => error_page(error, &message),
        Refusal::Back {
            redirect_uri,
            state,
            error,
            description,
        } => {
            let mut add = vec![
                ("error", error),
                ("error_description", description.as_str()),
            ];
            if let Some(s) = &state {
                add.push(("state", s));
            }
            add.push(("iss", issuer));
            see_other(&set_query(
                &redirect_uri,
                &["code", "state", "error_uri", "iss"],
                &add,
            ))
        }
    }
}

fn error_page(error: &str, message: &str) -> Response {
    let body = format!(
        "<p class=\"studio\">Sign in</p>\n<h1>This sign-in link doesn't work</h1>\n\
         <p class=\"message warn\" data-testid=\"oauth-error\" data-error=\"{error}\">{message}</p>\n\
         <p class=\"who\">The application that sent you here is misconfigured. Close this page and \
         tell the studio.</p>",
        error = esc(error),
        message = esc(message),
    );
    html(StatusCode::BAD_REQUEST, "Sign-in error", &body)
}

/// The studio signed in to: the scope's provider, else the first (the demo studio).
fn studio<'a>(a: &Authz, data: &'a StudioData) -> Option<&'a Provider> {
    match a.scope.provider {
        Some(id) => data.provider(id),
        None => data.providers.first(),
    }
}

/// Users with a customer profile at the studio, with their 1-based user ids.
fn customers(data: &StudioData, provider: u64) -> Vec<(usize, &User)> {
    data.users
        .iter()
        .enumerate()
        .filter(|(_, u)| {
            u.profiles
                .iter()
                .any(|p| p.provider == provider && p.profile_type == ProfileType::Customer)
        })
        .map(|(i, u)| (i + 1, u))
        .collect()
}

fn sign_in_page(
    a: &Authz,
    data: &StudioData,
    status: StatusCode,
    problem: Option<&str>,
) -> Response {
    let Some(studio) = studio(a, data) else {
        return error_page("server_error", "There is no studio to sign in to.");
    };
    let mut hidden = String::new();
    let fields: [(&str, Option<&str>); 8] = [
        ("client_id", Some(&a.client.id)),
        ("redirect_uri", Some(&a.redirect_uri)),
        ("response_type", Some("code")),
        ("scope", a.scope_param.as_deref()),
        ("state", Some(&a.state)),
        ("code_challenge", Some(&a.challenge)),
        ("code_challenge_method", Some("S256")),
        ("login_hint", a.login_hint.as_deref()),
    ];
    for (name, value) in fields {
        if let Some(v) = value {
            hidden += &format!(
                "<input type=\"hidden\" name=\"{name}\" value=\"{}\">\n",
                esc(v)
            );
        }
    }
    let hint = a.login_hint.as_deref().map(str::to_ascii_lowercase);
    let mut accounts = String::new();
    let list = customers(data, studio.id);
    for (id, u) in &list {
        let hinted = hint.as_deref() == Some(u.email.to_ascii_lowercase().as_str());
        let customer = u
            .profiles
            .iter()
            .find(|p| p.provider == studio.id && p.profile_type == ProfileType::Customer)
            .map(|p| p.id)
            .unwrap_or_default();
        accounts += &format!(
            "<li{li_class}><button type=\"submit\" class=\"pay account\" name=\"user\" value=\"{id}\" \
             data-testid=\"oauth-sign-in\" data-user=\"{email}\"{extra}>Sign in as {name}</button>\
             <small>{email} · customer {customer}</small></li>\n",
            li_class = if hinted { " class=\"hinted\"" } else { "" },
            extra = if hinted { " data-hinted=\"true\" autofocus" } else { "" },
            email = esc(&u.email),
            name = esc(&u.name()),
        );
    }
    if list.is_empty() {
        accounts += "<li data-testid=\"oauth-no-accounts\">No customers at this studio.</li>\n";
    }
    let problem = problem
        .map(|p| {
            format!(
                "<p class=\"message warn\" data-testid=\"oauth-sign-in-error\">{}</p>\n",
                esc(p)
            )
        })
        .unwrap_or_default();
    let body = format!(
        r#"<p class="studio">{studio}</p>
<h1>Sign in</h1>
<p class="note">Sandbox sign-in: choose a demo customer. No password is asked.</p>
<p data-testid="oauth-client"><strong>{client}</strong> wants to use your {studio} account to show your memberships and buy on your behalf.</p>
{problem}<form method="post" action="{action}" data-testid="oauth-form">
{hidden}<ul class="accounts" data-testid="oauth-accounts">
{accounts}</ul>
<button type="submit" class="cancel" name="action" value="deny" data-testid="oauth-deny">Cancel</button>
</form>
<style>
.accounts {{ list-style: none; margin: 0 0 1rem; padding: 0; width: 100%; }}
.accounts li {{ display: flex; align-items: center; gap: 1rem; flex-wrap: wrap; padding: .5rem 0; border-bottom: 1px solid var(--line); }}
.accounts li.hinted {{ background: #eef6f4; border-radius: 8px; padding: .5rem; }}
.accounts small {{ color: var(--muted); }}
</style>"#,
        studio = esc(&studio.name),
        client = esc(&a.client.name),
        action = AUTHORIZE_PATH,
    );
    html(status, &format!("Sign in — {}", esc(&studio.name)), &body)
}

pub(super) async fn show(State(sb): State<Sandbox>, uri: Uri, headers: HeaderMap) -> Response {
    let iss = issuer(&sb, &headers, &uri);
    let params = Params(
        uri.query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default(),
    );
    let state = sb.lock();
    match check(&params, &sb, &state.data) {
        Ok(a) => sign_in_page(&a, &state.data, StatusCode::OK, None),
        Err(r) => refuse(r, &iss),
    }
}

pub(super) async fn decide(State(sb): State<Sandbox>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let iss = issuer(&sb, &headers, &uri);
    let params = Params(form_urlencoded::parse(&body).into_owned().collect());
    let mut state = sb.lock();
    let a = match check(&params, &sb, &state.data) {
        Ok(a) => a,
        Err(r) => return refuse(r, &iss),
    };
    let action = params.get("action").ok().flatten();
    let user = params.get("user").ok().flatten();
    if action.as_deref() == Some("deny") {
        return refuse(
            Refusal::Back {
                redirect_uri: a.redirect_uri,
                state: Some(a.state),
                error: "access_denied",
                description: "The user cancelled the sign-in.".into(),
            },
            &iss,
        );
    }
    let studio_id = studio(&a, &state.data).map(|p| p.id);
    let chosen = user.and_then(|u| u.parse::<usize>().ok()).filter(|id| {
        studio_id.is_some_and(|s| customers(&state.data, s).iter().any(|(i, _)| i == id))
    });
    let Some(user_id) = chosen else {
        return sign_in_page(
            &a,
            &state.data,
            StatusCode::BAD_REQUEST,
            Some("Choose one of the accounts below."),
        );
    };
    let code = new_token();
    let oauth = &mut state.oauth;
    let grant = oauth.new_grant();
    oauth.codes.insert(
        code.clone(),
        Code {
            client_id: a.client.id.clone(),
            redirect_uri: a.redirect_uri.clone(),
            challenge: a.challenge.clone(),
            user: user_id - 1,
            scope: a.scope.clone(),
            expires_at: Instant::now() + sb.oauth_code_lifetime(),
            used: false,
            grant,
        },
    );
    oauth.codes_issued += 1;
    see_other(&set_query(
        &a.redirect_uri,
        &["error", "error_description", "error_uri", "iss"],
        &[("code", &code), ("state", &a.state), ("iss", &iss)],
    ))
}
