//! OAuth sign-in over real HTTP (contract §6): the authorize page, the token endpoint,
//! refresh_access_token, issued tokens on the API, expiry, refusals, the test hook, CORS and
//! the anonymous catalogue.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use checkout_sandbox::{Config, OAuthStats};
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

const CLIENT: &str = "membership-checkout-demo";
/// RFC 7636 Appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
/// Registered as http://127.0.0.1/ (loopback: any port).
const REDIRECT: &str = "http://127.0.0.1:43123/";
const AUTHORIZE: &str = "/api/v2/auth/oauth/authorize";
const TOKEN: &str = "/api/v2/auth/oauth/token";
const REFRESH: &str = "/api/v2/auth/refresh_access_token";
/// Alex Runner's user id on the sign-in page (Sam is 2).
const ALEX_USER: &str = "1";

/// Parameter changes: `(name, Some(value))` sets, `(name, None)` removes.
type Changes<'a> = Vec<(&'a str, Option<&'a str>)>;

/// The authorize parameters a well-behaved client sends, with `changes` applied
/// (`None` removes a parameter).
fn params(changes: &[(&str, Option<&str>)]) -> Vec<(String, String)> {
    let mut p: Vec<(String, String)> = [
        ("client_id", CLIENT),
        ("redirect_uri", REDIRECT),
        ("scope", "read_write"),
        ("response_type", "code"),
        ("state", "st-42/x y"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in changes {
        p.retain(|(name, _)| name != k);
        if let Some(v) = v {
            p.push((k.to_string(), v.to_string()));
        }
    }
    p
}

fn query(pairs: &[(String, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

struct Answer {
    status: StatusCode,
    location: Option<String>,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }

    /// The redirect's query parameters.
    fn redirect_params(&self) -> HashMap<String, String> {
        assert_eq!(self.status, 303, "{}", self.body);
        let loc = self.location.as_deref().expect("a Location header");
        let q = loc.split_once('?').map(|(_, q)| q).unwrap_or("");
        form_urlencoded::parse(q.split('#').next().unwrap().as_bytes())
            .into_owned()
            .collect()
    }
}

async fn answer(rb: reqwest::RequestBuilder) -> Answer {
    let resp = rb.send().await.expect("request reaches the sandbox");
    Answer {
        status: resp.status(),
        location: resp
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string()),
        headers: resp.headers().clone(),
        body: resp.text().await.unwrap(),
    }
}

async fn authorize(api: &Api, pairs: &[(String, String)]) -> Answer {
    answer(
        api.client
            .get(format!("{}?{}", api.url(AUTHORIZE), query(pairs))),
    )
    .await
}

async fn decide(api: &Api, pairs: &[(String, String)], extra: &[(&str, &str)]) -> Answer {
    let mut form = pairs.to_vec();
    form.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    answer(api.client.post(api.url(AUTHORIZE)).form(&form)).await
}

/// Signs in as `user` and returns the code (checking the state came back).
async fn code_for(api: &Api, pairs: &[(String, String)], user: &str) -> String {
    let a = decide(api, pairs, &[("user", user)]).await;
    let q = a.redirect_params();
    assert_eq!(q["state"], "st-42/x y");
    assert!(!q.contains_key("error"), "{q:?}");
    q["code"].clone()
}

async fn token(api: &Api, form: &[(&str, &str)]) -> Answer {
    answer(api.client.post(api.url(TOKEN)).form(form)).await
}

async fn exchange(api: &Api, code: &str) -> Answer {
    token(
        api,
        &[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("client_id", CLIENT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await
}

/// Signs Alex in with the default parameters and exchanges the code: the token answer.
async fn sign_in_alex(api: &Api) -> Value {
    let code = code_for(api, &params(&[]), ALEX_USER).await;
    let a = exchange(api, &code).await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()
}

async fn refresh(api: &Api, body: Value) -> Answer {
    answer(api.client.post(api.url(REFRESH)).json(&body)).await
}

async fn get_with(
    api: &Api,
    token: &str,
    path: &str,
    provider: Option<&str>,
) -> (StatusCode, Value) {
    let mut rb = api
        .client
        .get(api.url(path))
        .header("Authorization", format!("Bearer {token}"))
        .header("Teamup-Request-Mode", "customer");
    if let Some(p) = provider {
        rb = rb.header("TeamUp-Provider-ID", p);
    }
    api.send(rb).await
}

async fn hook(api: &Api) -> Value {
    api.send(api.client.get(api.url("/__sandbox/oauth")))
        .await
        .1
}

#[track_caller]
fn assert_envelope(a: &Answer, status: u16, code: &str) {
    assert_eq!(a.status.as_u16(), status, "{}", a.body);
    let b = a.json();
    assert_eq!(b["code"], code, "{b}");
    assert_eq!(b["type"], "invalid_request_error", "{b}");
    assert_eq!(b["field_errors"], json!({}), "{b}");
    assert!(b["message"].as_str().is_some_and(|m| !m.is_empty()), "{b}");
}

#[tokio::test]
async fn full_flow_sign_in_exchange_use_refresh() {
    let api = start().await;
    let sb = api.sandbox();

    // The sign-in page lists the demo studio's customers (not the staff member).
    let page = authorize(&api, &params(&[])).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let html = &page.body;
    assert!(
        html.contains("<title>Sign in — Riverside Fitness Studio</title>"),
        "{html}"
    );
    assert!(html.contains("Riverside membership checkout"));
    assert!(html.contains(r#"<form method="post" action="/api/v2/auth/oauth/authorize""#));
    assert!(html.contains(
        r#"name="user" value="1" data-testid="oauth-sign-in" data-user="alex.runner@example.com">Sign in as Alex Runner</button>"#
    ), "{html}");
    assert!(html.contains(r#"data-user="sam.lifter@example.com">Sign in as Sam Lifter</button>"#));
    assert!(!html.contains("Riley"));
    assert_eq!(html.matches(r#"data-testid="oauth-sign-in""#).count(), 2);
    assert!(html.contains(r#"data-testid="oauth-deny">Cancel</button>"#));
    assert!(html.contains(r#"<input type="hidden" name="state" value="st-42/x y">"#));
    assert!(html.contains(&format!(
        r#"<input type="hidden" name="code_challenge" value="{CHALLENGE}">"#
    )));
    assert_eq!(sb.oauth_stats(), OAuthStats::default());

    // Signing in sends a code and the state back.
    let redirect = REDIRECT;
    let a = decide(&api, &params(&[]), &[("user", ALEX_USER)]).await;
    let loc = a.location.clone().unwrap();
    assert!(loc.starts_with("http://127.0.0.1:43123/?code="), "{loc}");
    let q = a.redirect_params();
    assert_eq!(q["state"], "st-42/x y");
    assert_eq!(q["iss"], api.running.url(), "the issuer (RFC 9207): the sandbox's origin");
    assert!(!q.contains_key("error"));
    assert_eq!(q["code"].len(), 32);
    let t = token(
        &api,
        &[
            ("grant_type", "authorization_code"),
            ("code", &q["code"]),
            ("redirect_uri", redirect),
            ("client_id", CLIENT),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(t.status, 200, "{}", t.body);
    assert_eq!(t.headers["cache-control"], "no-store");
    let tokens = t.json();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert_eq!(tokens["scope"], "read_write");
    let mut keys: Vec<&String> = tokens.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "access_token",
            "expires_in",
            "refresh_token",
            "scope",
            "token_type"
        ]
    );
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let refresh_token = tokens["refresh_token"].as_str().unwrap().to_string();

    // The access token works like Alex's demo token.
    let (s, profiles) = get_with(&api, &access, "/api/v2/auth/profiles", None).await;
    assert_eq!(s, 200, "{profiles}");
    let (_, demo) = api.get_as(ALEX.provider(None), "/api/v2/auth/profiles").await;
    assert_eq!(profiles, demo);
    assert_eq!(profiles["count"], 2);
    let (s, _) = get_with(&api, &access, "/api/v2/memberships", Some("100")).await;
    assert_eq!(s, 200);
    let (s, offer) = api
        .send(
            api.client
                .post(api.url("/api/v2/memberships/101/initiate_purchase"))
                .header("Authorization", format!("Bearer {access}"))
                .header("TeamUp-Provider-ID", "100")
                .json(&json!({"customer": 4242, "return_to": RETURN_TO})),
        )
        .await;
    assert_eq!(s, 200, "{offer}");
    assert_eq!(sb.purchases()[0].customer, 4242);

    // Refresh: new tokens; the old refresh token is refused; the new access token works.
    let r = refresh(&api, json!({"refresh_token": refresh_token})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.headers["cache-control"], "no-store");
    let renewed = r.json();
    let mut keys: Vec<&String> = renewed.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["access_token", "expires_in", "refresh_token"]);
    assert_eq!(renewed["expires_in"], 3600);
    assert_ne!(renewed["access_token"], access.as_str());
    assert_ne!(renewed["refresh_token"], refresh_token.as_str());
    let again = refresh(&api, json!({"refresh_token": refresh_token})).await;
    assert_envelope(&again, 401, "authentication_failed");
    let new_access = renewed["access_token"].as_str().unwrap();
    let (s, p) = get_with(&api, new_access, "/api/v2/auth/profiles", None).await;
    assert_eq!(s, 200);
    assert_eq!(p, demo);
    // The rotated-out access token keeps working until it expires (ASSUMPTION).
    assert_eq!(
        get_with(&api, &access, "/api/v2/auth/profiles", None)
            .await
            .0,
        200
    );

    // The new refresh token works once too.
    let r2 = refresh(&api, json!({"refresh_token": renewed["refresh_token"]})).await;
    assert_eq!(r2.status, 200);

    let stats = OAuthStats {
        codes_issued: 1,
        codes_exchanged: 1,
        refused_exchanges: 0,
        refreshes: 2,
        tokens_active: 3,
    };
    assert_eq!(sb.oauth_stats(), stats);
    assert_eq!(hook(&api).await, serde_json::to_value(stats).unwrap());
    assert_eq!(
        hook(&api).await,
        json!({"codes_issued": 1, "codes_exchanged": 1, "refused_exchanges": 0, "refreshes": 2, "tokens_active": 3})
    );
}

#[tokio::test]
async fn provider_scope_picks_the_studio_and_limits_the_token() {
    let api = start().await;
    let p = params(&[("scope", Some("read_write provider:200"))]);
    let page = authorize(&api, &p).await;
    assert_eq!(page.status, 200);
    assert!(page
        .body
        .contains("<title>Sign in — Riverside Fitness — Harbour</title>"));
    // Only Alex has a customer profile at provider 200.
    assert_eq!(
        page.body.matches(r#"data-testid="oauth-sign-in""#).count(),
        1
    );
    assert!(page.body.contains(r#"data-user="alex.runner@example.com""#));
    assert!(page
        .body
        .contains(r#"name="scope" value="read_write provider:200""#));
    // Sam has no profile there: the form is shown again with a message.
    let a = decide(&api, &p, &[("user", "2")]).await;
    assert_eq!(a.status, 400);
    assert!(a.body.contains(r#"data-testid="oauth-sign-in-error""#));

    let code = code_for(&api, &p, ALEX_USER).await;
    let t = exchange(&api, &code).await.json();
    assert_eq!(t["scope"], "read_write provider:200");
    let access = t["access_token"].as_str().unwrap();
    let (s, profiles) = get_with(&api, access, "/api/v2/auth/profiles", None).await;
    assert_eq!(s, 200);
    assert_eq!(ids(profiles["results"].as_array().unwrap()), [5151]);
    // One provider: no header needed; the other provider is out of reach.
    let (s, ms) = get_with(&api, access, "/api/v2/memberships", None).await;
    assert_eq!(s, 200, "{ms}");
    assert_eq!(ids(ms["results"].as_array().unwrap()), [201, 202]);
    let (s, b) = get_with(&api, access, "/api/v2/memberships", Some("100")).await;
    assert_eq!(s, 403);
    assert_eq!(b["code"], "permission_denied");
}

#[tokio::test]
async fn client_and_redirect_problems_never_redirect() {
    let api = start_with(Config::demo().with_oauth_client(
        "other-app",
        "Other app",
        &["https://other.example/callback"],
    ))
    .await;
    let cases: Vec<(&str, Changes, &str)> = vec![
        (
            "unknown client",
            vec![("client_id", Some("nope"))],
            "invalid_client",
        ),
        ("no client", vec![("client_id", None)], "invalid_request"),
        (
            "no redirect_uri",
            vec![("redirect_uri", None)],
            "invalid_request",
        ),
        (
            "other path",
            vec![("redirect_uri", Some("http://127.0.0.1:43123/other"))],
            "invalid_redirect_uri",
        ),
        (
            "no trailing slash",
            vec![("redirect_uri", Some("http://127.0.0.1:43123"))],
            "invalid_redirect_uri",
        ),
        (
            "https loopback",
            vec![("redirect_uri", Some("https://127.0.0.1:43123/"))],
            "invalid_redirect_uri",
        ),
        (
            "other host",
            vec![("redirect_uri", Some("http://evil.example/"))],
            "invalid_redirect_uri",
        ),
        (
            "extra query",
            vec![("redirect_uri", Some("http://127.0.0.1/index.html?x=1"))],
            "invalid_redirect_uri",
        ),
        (
            "fragment",
            vec![("redirect_uri", Some("http://127.0.0.1/#top"))],
            "invalid_redirect_uri",
        ),
        (
            "another client's uri",
            vec![("redirect_uri", Some("https://other.example/callback"))],
            "invalid_redirect_uri",
        ),
        (
            "non-loopback port",
            vec![
                ("client_id", Some("other-app")),
                ("redirect_uri", Some("https://other.example:444/callback")),
            ],
            "invalid_redirect_uri",
        ),
    ];
    for (what, changes, error) in cases {
        let p = params(&changes);
        for a in [
            authorize(&api, &p).await,
            decide(&api, &p, &[("user", ALEX_USER)]).await,
        ] {
            assert_eq!(a.status, 400, "{what}: {}", a.body);
            assert!(a.location.is_none(), "{what}");
            assert!(
                a.body.contains(&format!(
                    r#"data-testid="oauth-error" data-error="{error}""#
                )),
                "{what}: {}",
                a.body
            );
        }
    }
    // A repeated client_id is refused on the page too.
    let mut p = params(&[]);
    p.push(("client_id".into(), "other-app".into()));
    let a = authorize(&api, &p).await;
    assert_eq!(a.status, 400);
    assert!(a.body.contains(r#"data-testid="oauth-error""#));
    // The registered other client works at its exact address.
    let a = authorize(
        &api,
        &params(&[
            ("client_id", Some("other-app")),
            ("redirect_uri", Some("https://other.example/callback")),
        ]),
    )
    .await;
    assert_eq!(a.status, 200);
    assert!(a.body.contains("Other app"));
    assert_eq!(api.sandbox().oauth_stats().codes_issued, 0);
}

#[tokio::test]
async fn other_problems_redirect_back_with_an_error() {
    let api = start().await;
    let not_base64url = "a+b/".repeat(11)[..43].to_string();
    let cases: Vec<(Changes, &str, bool)> = vec![
        (vec![("response_type", None)], "invalid_request", true),
        (
            vec![("response_type", Some("token"))],
            "unsupported_response_type",
            true,
        ),
        (vec![("state", None)], "invalid_request", false),
        (vec![("code_challenge", None)], "invalid_request", true),
        (
            vec![("code_challenge_method", None)],
            "invalid_request",
            true,
        ),
        (
            vec![("code_challenge_method", Some("plain"))],
            "invalid_request",
            true,
        ),
        (
            vec![("code_challenge", Some("too-short"))],
            "invalid_request",
            true,
        ),
        (
            vec![("code_challenge", Some(not_base64url.as_str()))],
            "invalid_request",
            true,
        ),
        (vec![("scope", Some("admin"))], "invalid_scope", true),
        (
            vec![("scope", Some("read_write provider:999"))],
            "invalid_scope",
            true,
        ),
    ];
    for (changes, error, has_state) in cases {
        let p = params(&changes);
        for a in [
            authorize(&api, &p).await,
            decide(&api, &p, &[("user", ALEX_USER)]).await,
        ] {
            let loc = a.location.clone().unwrap_or_default();
            assert!(loc.starts_with(REDIRECT), "{changes:?}: {loc} {}", a.body);
            let q = a.redirect_params();
            assert_eq!(q["error"], error, "{changes:?}");
            assert!(!q["error_description"].is_empty());
            assert_eq!(
                q.get("state").map(String::as_str),
                has_state.then_some("st-42/x y"),
                "{changes:?}"
            );
            assert!(!q.contains_key("code"));
        }
    }
    // A repeated parameter is invalid_request.
    let mut p = params(&[]);
    p.push(("state".into(), "again".into()));
    assert_eq!(
        authorize(&api, &p).await.redirect_params()["error"],
        "invalid_request"
    );

    // Cancel: access_denied with the state.
    let a = decide(&api, &params(&[]), &[("action", "deny")]).await;
    let q = a.redirect_params();
    assert_eq!(q["error"], "access_denied");
    assert_eq!(q["state"], "st-42/x y");
    assert_eq!(q["iss"], api.running.url(), "errors name the issuer too");
    assert!(!q.contains_key("code"));

    // No user chosen, or a user with no customer profile (Riley): the form again, 400.
    for extra in [
        vec![],
        vec![("user", "3")],
        vec![("user", "x")],
        vec![("user", "99")],
    ] {
        let a = decide(&api, &params(&[]), &extra).await;
        assert_eq!(a.status, 400, "{extra:?}");
        assert!(a.body.contains(r#"data-testid="oauth-sign-in-error""#));
        assert!(a.body.contains(r#"data-testid="oauth-sign-in""#));
    }
    assert_eq!(api.sandbox().oauth_stats().codes_issued, 0);
}

#[tokio::test]
async fn a_registered_query_is_kept_and_stale_oauth_parameters_replaced() {
    let registered = "http://127.0.0.1/cb?page=join&error=old&code=stale";
    let api = start_with(Config::demo().with_oauth_client("q", "Query app", &[registered])).await;
    let uri = "http://127.0.0.1:8123/cb?page=join&error=old&code=stale";
    let p = params(&[("client_id", Some("q")), ("redirect_uri", Some(uri))]);
    let a = decide(&api, &p, &[("user", ALEX_USER)]).await;
    let loc = a.location.clone().unwrap();
    assert!(
        loc.starts_with("http://127.0.0.1:8123/cb?page=join&code="),
        "{loc}"
    );
    let q = a.redirect_params();
    assert_eq!(
        (q["page"].as_str(), q["state"].as_str()),
        ("join", "st-42/x y")
    );
    assert!(!q.contains_key("error"));
    assert_ne!(q["code"], "stale");
    let t = token(
        &api,
        &[
            ("grant_type", "authorization_code"),
            ("code", &q["code"]),
            ("redirect_uri", uri),
            ("client_id", "q"),
            ("code_verifier", VERIFIER),
        ],
    )
    .await;
    assert_eq!(t.status, 200, "{}", t.body);

    let a = decide(&api, &p, &[("action", "deny")]).await;
    let loc = a.location.clone().unwrap();
    assert!(
        loc.starts_with(
            "http://127.0.0.1:8123/cb?page=join&error=access_denied&error_description="
        ),
        "{loc}"
    );
    let q = a.redirect_params();
    assert!(!q.contains_key("code"));
    assert_eq!(q["state"], "st-42/x y");
}

#[tokio::test]
async fn login_hint_highlights_the_account() {
    let api = start().await;
    let page = authorize(
        &api,
        &params(&[("login_hint", Some("Sam.Lifter@example.com"))]),
    )
    .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(
        r#"data-user="sam.lifter@example.com" data-hinted="true" autofocus>Sign in as Sam Lifter"#
    ), "{}", page.body);
    assert_eq!(page.body.matches("data-hinted").count(), 1);
    assert!(page
        .body
        .contains(r#"name="login_hint" value="Sam.Lifter@example.com""#));
}

#[tokio::test]
async fn loopback_redirects_match_any_port() {
    let api =
        start_with(Config::demo().with_oauth_client("v6", "IPv6 app", &["http://[::1]/cb"])).await;
    for (client, uri) in [
        (CLIENT, "http://127.0.0.1:43123/"),
        (CLIENT, "http://127.0.0.1/"),
        (CLIENT, "http://localhost:8080/"),
        (CLIENT, "http://localhost:1/index.html"),
        (CLIENT, "http://127.0.0.1:65535/index.html"),
        (CLIENT, "http://127.0.0.1:5000/spa.html"),
        (CLIENT, "http://127.0.0.1:5000/plain.html"),
        ("v6", "http://[::1]:7000/cb"),
    ] {
        let p = params(&[("client_id", Some(client)), ("redirect_uri", Some(uri))]);
        assert_eq!(authorize(&api, &p).await.status, 200, "{uri}");
        let a = decide(&api, &p, &[("user", ALEX_USER)]).await;
        assert!(
            a.location
                .as_deref()
                .unwrap()
                .starts_with(&format!("{uri}?code=")),
            "{uri}"
        );
        let code = a.redirect_params()["code"].clone();
        let t = token(
            &api,
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", uri),
                ("client_id", client),
                ("code_verifier", VERIFIER),
            ],
        )
        .await;
        assert_eq!(t.status, 200, "{uri}: {}", t.body);
    }
    for uri in [
        "http://127.0.0.1:5000/spa.htm",
        "http://localhost:5000/spa.html",
        "http://127.0.0.1:5000/index.html/",
    ] {
        let a = authorize(&api, &params(&[("redirect_uri", Some(uri))])).await;
        assert_eq!(a.status, 400, "{uri}");
    }
}

#[tokio::test]
async fn token_endpoint_refusals() {
    let api =
        start_with(Config::demo().with_oauth_client("other-app", "Other", &["http://127.0.0.1/"]))
            .await;
    let code = code_for(&api, &params(&[]), ALEX_USER).await;
    let good: Vec<(&str, &str)> = vec![
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", REDIRECT),
        ("client_id", CLIENT),
        ("code_verifier", VERIFIER),
    ];
    let with = |name: &str, value: Option<&'static str>| -> Vec<(String, String)> {
        let mut f: Vec<(String, String)> = good
            .iter()
            .filter(|(k, _)| *k != name)
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if let Some(v) = value {
            f.push((name.to_string(), v.to_string()));
        }
        f
    };
    let mut refused = 0;
    for (form, code_want) in [
        (with("grant_type", None), "invalid_request"),
        (with("code", None), "invalid_request"),
        (with("redirect_uri", None), "invalid_request"),
        (with("client_id", None), "invalid_request"),
        (with("code_verifier", None), "invalid_request"),
        (with("code_verifier", Some("")), "invalid_request"),
        (
            with("grant_type", Some("password")),
            "unsupported_grant_type",
        ),
        (
            with("grant_type", Some("refresh_token")),
            "unsupported_grant_type",
        ),
        (with("client_id", Some("nope")), "invalid_client"),
        (with("client_id", Some("other-app")), "invalid_grant"),
        (
            with("code", Some("0123456789abcdef0123456789abcdef")),
            "invalid_grant",
        ),
        (
            with("redirect_uri", Some("http://127.0.0.1:43124/")),
            "invalid_grant",
        ),
        (
            with("redirect_uri", Some("http://localhost:43123/")),
            "invalid_grant",
        ),
        (with("code_verifier", Some("wrong")), "invalid_grant"),
        (
            with(
                "code_verifier",
                Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK"),
            ),
            "invalid_grant",
        ),
    ] {
        let a = answer(api.client.post(api.url(TOKEN)).form(&form)).await;
        assert_envelope(&a, 400, code_want);
        assert_eq!(a.headers["cache-control"], "no-store");
        refused += 1;
    }
    // A repeated parameter, and bodies that are not form-urlencoded.
    let mut twice: Vec<(String, String)> = with("code", None);
    twice.push(("code".into(), code.clone()));
    twice.push(("code".into(), code.clone()));
    assert_envelope(
        &answer(api.client.post(api.url(TOKEN)).form(&twice)).await,
        400,
        "invalid_request",
    );
    let as_json: HashMap<&str, &str> = good.iter().cloned().collect();
    assert_envelope(
        &answer(api.client.post(api.url(TOKEN)).json(&as_json)).await,
        400,
        "invalid_request",
    );
    assert_envelope(
        &answer(api.client.post(api.url(TOKEN))).await,
        400,
        "invalid_request",
    );
    refused += 3;
    // GET is 405 in the envelope.
    let a = answer(api.client.get(api.url(TOKEN))).await;
    assert_eq!(a.status, 405);
    assert_eq!(a.json()["code"], "method_not_allowed");

    // None of that used the code up.
    let t = token(&api, &good).await;
    assert_eq!(t.status, 200, "{}", t.body);
    let stats = api.sandbox().oauth_stats();
    assert_eq!(stats.refused_exchanges, refused);
    assert_eq!(stats.codes_exchanged, 1);
    assert_eq!(stats.tokens_active, 1);
}

#[tokio::test]
async fn a_reused_code_is_refused_and_revokes_its_tokens() {
    let api = start().await;
    let code = code_for(&api, &params(&[]), ALEX_USER).await;
    let first = exchange(&api, &code).await;
    assert_eq!(first.status, 200);
    let tokens = first.json();
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(
        get_with(&api, access, "/api/v2/auth/profiles", None)
            .await
            .0,
        200
    );
    // A token refreshed from it belongs to the same grant.
    let renewed = refresh(&api, json!({"refresh_token": tokens["refresh_token"]}))
        .await
        .json();

    let second = exchange(&api, &code).await;
    assert_envelope(&second, 400, "invalid_grant");
    assert!(second.json()["message"]
        .as_str()
        .unwrap()
        .contains("already been used"));
    for t in [access, renewed["access_token"].as_str().unwrap()] {
        let (s, b) = get_with(&api, t, "/api/v2/auth/profiles", None).await;
        assert_eq!(s, 401);
        assert_eq!(b["code"], "authentication_failed");
        assert_eq!(b["message"], "Access token revoked.");
    }
    let r = refresh(&api, json!({"refresh_token": renewed["refresh_token"]})).await;
    assert_envelope(&r, 401, "authentication_failed");
    let stats = api.sandbox().oauth_stats();
    assert_eq!(
        (
            stats.codes_exchanged,
            stats.refused_exchanges,
            stats.tokens_active
        ),
        (1, 1, 0)
    );
    // Another sign-in is unaffected.
    let other = sign_in_alex(&api).await;
    assert_eq!(
        get_with(
            &api,
            other["access_token"].as_str().unwrap(),
            "/api/v2/auth/profiles",
            None
        )
        .await
        .0,
        200
    );
}

#[tokio::test]
async fn access_tokens_expire_and_refresh_brings_them_back() {
    let api = start_with(
        Config::demo()
            .with_access_token_lifetime(Duration::from_secs(1))
            .with_oauth_code_lifetime(Duration::from_millis(300)),
    )
    .await;
    let tokens = sign_in_alex(&api).await;
    assert_eq!(tokens["expires_in"], 1);
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(
        get_with(&api, access, "/api/v2/memberships", Some("100"))
            .await
            .0,
        200
    );
    assert_eq!(api.sandbox().oauth_stats().tokens_active, 1);

    // A code not exchanged in time is refused.
    let late = code_for(&api, &params(&[]), ALEX_USER).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let a = exchange(&api, &late).await;
    assert_envelope(&a, 400, "invalid_grant");
    assert!(a.json()["message"].as_str().unwrap().contains("expired"));

    // Expired: 401 on every route, never the anonymous catalogue.
    for path in [
        "/api/v2/auth/profiles",
        "/api/v2/memberships",
        "/api/v2/events",
    ] {
        let resp = api
            .client
            .get(api.url(path))
            .header("Authorization", format!("Bearer {access}"))
            .header("TeamUp-Provider-ID", "100")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401, "{path}");
        assert!(resp.headers().contains_key("www-authenticate"));
        let b: Value = resp.json().await.unwrap();
        assert_eq!(
            b,
            json!({"code": "authentication_failed", "message": "Access token expired.",
                   "type": "invalid_request_error", "field_errors": {}})
        );
    }
    assert_eq!(api.sandbox().oauth_stats().tokens_active, 0);
    // The refresh token still works (it carries the expired access token; ignored).
    let r = answer(
        api.client
            .post(api.url(REFRESH))
            .header("Authorization", format!("Bearer {access}"))
            .json(&json!({"refresh_token": tokens["refresh_token"]})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let fresh = r.json();
    assert_eq!(fresh["expires_in"], 1);
    assert_eq!(
        get_with(
            &api,
            fresh["access_token"].as_str().unwrap(),
            "/api/v2/memberships",
            Some("100")
        )
        .await
        .0,
        200
    );
    // The demo tokens never expire.
    assert_eq!(api.get("/api/v2/memberships").await.0, 200);
}

#[tokio::test]
async fn refresh_access_token_rules() {
    let api = start().await;
    let tokens = sign_in_alex(&api).await;
    let rt = tokens["refresh_token"].as_str().unwrap().to_string();

    let a = refresh(&api, json!({})).await;
    assert_eq!(a.status, 400);
    assert_field_error(
        a.status,
        &a.json(),
        "refresh_token",
        "This field is required.",
    );
    let a = refresh(
        &api,
        json!({"refresh_token": rt, "new_access_token_type": "admin"}),
    )
    .await;
    assert_field_error(
        a.status,
        &a.json(),
        "new_access_token_type",
        "\"admin\" is not a valid choice.",
    );
    let a = refresh(&api, json!({"refresh_token": rt, "scope": "read_write"})).await;
    assert_eq!(a.status, 400);
    assert_eq!(a.json()["code"], "parameter_invalid");
    let a = refresh(
        &api,
        json!({"refresh_token": rt, "scope": ["provider:999"]}),
    )
    .await;
    assert_eq!(a.status, 400);
    assert!(!field_error(&a.json(), "scope").is_empty());
    let a = refresh(&api, json!({"refresh_token": "sbx_rt_nope"})).await;
    assert_envelope(&a, 401, "authentication_failed");
    // Alex has no staff profile: no provider token.
    let a = refresh(
        &api,
        json!({"refresh_token": rt, "new_access_token_type": "provider"}),
    )
    .await;
    assert_envelope(&a, 403, "permission_denied");
    let a = answer(
        api.client
            .post(api.url(REFRESH))
            .header("Content-Type", "text/plain")
            .body(rt.clone()),
    )
    .await;
    assert_envelope(&a, 415, "unsupported_media_type");
    let a = answer(
        api.client
            .post(api.url(REFRESH))
            .header("Content-Type", "application/json")
            .body("{"),
    )
    .await;
    assert_envelope(&a, 400, "parse_error");
    assert_eq!(
        api.sandbox().oauth_stats().refreshes,
        0,
        "nothing rotated yet"
    );

    // Narrowing to one provider, as a form body.
    let a = answer(api.client.post(api.url(REFRESH)).form(&[
        ("refresh_token", rt.as_str()),
        ("scope", "provider:100"),
        ("new_access_token_type", "customer"),
    ]))
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let narrowed = a.json();
    let (s, profiles) = get_with(
        &api,
        narrowed["access_token"].as_str().unwrap(),
        "/api/v2/auth/profiles",
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(ids(profiles["results"].as_array().unwrap()), [4242]);
    // It cannot widen again.
    let a = refresh(
        &api,
        json!({"refresh_token": narrowed["refresh_token"], "scope": ["provider:200"]}),
    )
    .await;
    assert_eq!(a.status, 400, "{}", a.body);
    // A customer token with the provider mode header: 403.
    let resp = api
        .client
        .get(api.url("/api/v2/memberships"))
        .header(
            "Authorization",
            format!("Bearer {}", narrowed["access_token"].as_str().unwrap()),
        )
        .header("Teamup-Request-Mode", "provider")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(api.sandbox().oauth_stats().refreshes, 1);
}

#[tokio::test]
async fn anonymous_visitors_may_read_the_catalogue_only() {
    let api = start().await;
    let anon = NOBODY; // provider 100, customer mode, no Authorization header
    let memberships = api
        .get_all(
            anon,
            "/api/v2/memberships?for_sale=true&visible_to_customers=true",
        )
        .await;
    let signed_in = api
        .get_all(
            ALEX,
            "/api/v2/memberships?for_sale=true&visible_to_customers=true",
        )
        .await;
    assert_eq!(ids(&memberships), ids(&signed_in));
    assert!(
        !ids(&memberships).contains(&108),
        "hidden memberships stay hidden"
    );
    for path in [
        "/api/v2/memberships/103",
        "/api/v2/memberships?permits_registration_for_event=5001&fields=id",
        "/api/v2/membership_payment_plans?membership=103&expand=joining_fee",
        "/api/v2/membership_payment_plans/1031",
        "/api/v2/events?status=active&sort=start&page_size=250",
        "/api/v2/events/5001",
        "/api/v2/slots?page_size=100",
    ] {
        let (s, b) = api.get_as(anon, path).await;
        assert_eq!(s, 200, "{path}: {b}");
    }
    let slots = api.get_all(anon, "/api/v2/slots").await;
    let slot = slots[0]["id"].as_str().unwrap();
    assert_eq!(
        api.get_as(anon, &format!("/api/v2/slots/{slot}")).await.0,
        200
    );
    // No mode header means customer mode; the hidden membership is 404 as for a customer.
    let (s, _) = api.get_as(anon.mode(None), "/api/v2/memberships").await;
    assert_eq!(s, 200);
    assert_eq!(api.get_as(anon, "/api/v2/memberships/108").await.0, 404);
    // A slot held by someone's live offer is unavailable to the anonymous visitor too.
    let held = api.available_slot(0).await;
    let (s, b) = api
        .purchase_json(ALEX, 105, json!({"customer": 4242, "payment_plan": 1051, "appointment_slot": held, "return_to": RETURN_TO}))
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        api.get_as(anon, &format!("/api/v2/slots/{held}")).await.1["available"],
        false
    );

    // The provider's public details (time zone, currency) read like the catalogue.
    let (s, b) = api.get_as(anon, "/api/v2/providers/100?expand=address").await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["address"]["timezone"], "Europe/London", "{b}");
    // Still 401: profiles, purchases, provider mode, no or unknown provider.
    let not_authenticated = |s: StatusCode, b: &Value| {
        assert_eq!(s, 401, "{b}");
        assert_eq!(b["code"], "not_authenticated", "{b}");
    };
    let (s, b) = api.get_as(anon, "/api/v2/auth/profiles").await;
    not_authenticated(s, &b);
    let (s, b) = api
        .purchase_json(anon, 101, json!({"customer": 4242, "return_to": RETURN_TO}))
        .await;
    not_authenticated(s, &b);
    for who in [
        anon.mode(Some("provider")),
        anon.provider(None),
        anon.provider(Some("999")),
    ] {
        let (s, b) = api.get_as(who, "/api/v2/memberships").await;
        not_authenticated(s, &b);
    }
    let (s, _) = api.get_as(anon.provider(Some("abc")), "/api/v2/memberships").await;
    assert_eq!(s, 400);
    // A present but bad Authorization header is never treated as anonymous.
    let (s, b) = api.get_as(anon.token(Some("not-a-token")), "/api/v2/memberships").await;
    assert_eq!(s, 401);
    assert_eq!(b["code"], "authentication_failed");
    let resp = api
        .client
        .get(api.url("/api/v2/memberships"))
        .header("Authorization", "")
        .header("TeamUp-Provider-ID", "100")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn cross_origin_browser_requests_are_allowed() {
    let api = start().await;
    let tokens = sign_in_alex(&api).await;
    // Preflight of the JSON refresh.
    let resp = api
        .client
        .request(reqwest::Method::OPTIONS, api.url(REFRESH))
        .header("Origin", "http://127.0.0.1:5173")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    assert!(resp.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .contains("content-type"));
    assert!(resp.headers()["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .contains("POST"));
    let resp = api
        .client
        .post(api.url(REFRESH))
        .header("Origin", "http://127.0.0.1:5173")
        .json(&json!({"refresh_token": tokens["refresh_token"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    // The token endpoint with a form body (a simple request), errors included.
    let code = code_for(&api, &params(&[]), ALEX_USER).await;
    for _ in 0..2 {
        let resp = api
            .client
            .post(api.url(TOKEN))
            .header("Origin", "http://localhost:8080")
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("client_id", CLIENT),
                ("code_verifier", VERIFIER),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["access-control-allow-origin"], "*");
    }
}

#[tokio::test]
async fn resets_forget_codes_and_tokens() {
    let api = start().await;
    let tokens = sign_in_alex(&api).await;
    let access = tokens["access_token"].as_str().unwrap().to_string();
    assert_eq!(api.sandbox().oauth_stats().tokens_active, 1);
    let (s, b) = api
        .send(api.client.delete(api.url("/__sandbox/oauth")))
        .await;
    assert_eq!(s, 200);
    assert_eq!(b, serde_json::to_value(OAuthStats::default()).unwrap());
    assert_eq!(
        get_with(&api, &access, "/api/v2/auth/profiles", None)
            .await
            .0,
        401
    );
    assert_eq!(
        api.get("/api/v2/auth/profiles").await.0,
        200,
        "demo tokens still work"
    );

    let tokens = sign_in_alex(&api).await;
    let (s, _) = api.send(api.client.post(api.url("/__sandbox/reset"))).await;
    assert_eq!(s, 200);
    assert_eq!(
        hook(&api).await,
        serde_json::to_value(OAuthStats::default()).unwrap()
    );
    let r = refresh(&api, json!({"refresh_token": tokens["refresh_token"]})).await;
    assert_envelope(&r, 401, "authentication_failed");
}
