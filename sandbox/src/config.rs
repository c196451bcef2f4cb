//! Run-time settings shared by the binary and the library API.

use std::path::PathBuf;
use std::time::Duration;

use crate::data::StudioData;
use crate::uelz::UelzData;

#[derive(Clone, Debug)]
pub struct Config {
    /// How long a purchase offer (`next_url`) stays payable; `expires_at` = creation + this.
    pub offer_lifetime: Duration,
    /// Base for absolute links when a request has no Host header (e.g. "http://127.0.0.1:8787").
    pub public_url: Option<String>,
    /// A built widget (trunk's `dist/`) served at `/`.
    pub widget_dir: Option<PathBuf>,
    pub data: StudioData,
    /// The Uelz billing API subset under `/uelz` and its hosted checkout (contract §3).
    pub uelz: UelzConfig,
    /// OAuth clients allowed at `/api/v2/auth/oauth/authorize` (contract §6).
    pub oauth_clients: Vec<OAuthClient>,
    /// How long an access token issued by the OAuth token endpoint or
    /// `refresh_access_token` works (`expires_in`). Default one hour.
    pub access_token_lifetime: Duration,
    /// How long an authorization code can be exchanged. Default 60 seconds.
    pub oauth_code_lifetime: Duration,
    /// Hostile mode (README "Hostile mode"): answers rewritten by the armed tricks, and a second
    /// server that records what reaches it. `None`: the sandbox answers honestly.
    pub hostile: Option<crate::hostile::Hostile>,
}

/// A registered OAuth client (a public client: no secret, PKCE required).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthClient {
    /// `client_id`.
    pub id: String,
    /// Shown on the sign-in page ("… wants to use your account").
    pub name: String,
    /// Registered redirect URIs: absolute http(s), no fragment. A request's `redirect_uri` must
    /// equal one exactly, except that for loopback hosts (127.0.0.1, localhost, [::1]) the port
    /// is ignored (RFC 8252 §7.3).
    pub redirect_uris: Vec<String>,
}

impl OAuthClient {
    /// Checks the registration: a non-empty id and at least one valid redirect URI.
    pub fn new(id: &str, name: &str, redirect_uris: &[&str]) -> Result<Self, String> {
        let id = id.trim();
        if id.is_empty() || id.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!(
                "OAuth client id {id:?} must be non-empty without spaces"
            ));
        }
        if redirect_uris.is_empty() {
            return Err(format!(
                "OAuth client {id:?} needs at least one redirect URI"
            ));
        }
        for uri in redirect_uris {
            crate::oauth::redirect::check_registered(uri)
                .map_err(|e| format!("OAuth client {id:?}: redirect URI {uri:?} {e}"))?;
        }
        Ok(OAuthClient {
            id: id.to_string(),
            name: if name.trim().is_empty() {
                id.to_string()
            } else {
                name.trim().to_string()
            },
            redirect_uris: redirect_uris.iter().map(|u| u.to_string()).collect(),
        })
    }

    /// The demo client `membership-checkout-demo` ("Riverside membership checkout").
    pub fn demo() -> Self {
        OAuthClient::new(
            DEMO_OAUTH_CLIENT_ID,
            DEMO_OAUTH_CLIENT_NAME,
            DEMO_OAUTH_REDIRECT_URIS,
        )
        .expect("the demo client is valid")
    }
}

/// `--oauth-client ID=URI[,URI…]`: the display name is the id.
pub fn parse_oauth_client(spec: &str) -> Result<OAuthClient, String> {
    let (id, uris) = spec
        .split_once('=')
        .ok_or_else(|| format!("{spec:?} is not ID=URI[,URI…]"))?;
    let uris: Vec<&str> = uris
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .collect();
    let name = if id.trim() == DEMO_OAUTH_CLIENT_ID {
        DEMO_OAUTH_CLIENT_NAME
    } else {
        id
    };
    OAuthClient::new(id, name, &uris)
}

pub const DEMO_OAUTH_CLIENT_ID: &str = "membership-checkout-demo";
pub const DEMO_OAUTH_CLIENT_NAME: &str = "Riverside membership checkout";
pub const DEMO_OAUTH_REDIRECT_URIS: &[&str] = &[
    "http://127.0.0.1/",
    "http://localhost/",
    "http://127.0.0.1/index.html",
    "http://localhost/index.html",
    "http://127.0.0.1/spa.html",
    "http://127.0.0.1/plain.html",
];
pub const DEFAULT_ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(60 * 60);
pub const DEFAULT_OAUTH_CODE_LIFETIME: Duration = Duration::from_secs(60);

/// Settings for the Uelz stand-in.
#[derive(Clone, Debug)]
pub struct UelzConfig {
    /// Expected `api-key` header.
    pub api_key: String,
    /// Expected `organization-id` header.
    pub organization_id: String,
    /// Name of the merchant-on-behalf query parameter on `POST /uelz/purchases`.
    pub merchant_param: String,
    /// Merchant ids that parameter accepts.
    pub merchants: Vec<String>,
    /// Unpaid purchases lapse this long after `created_at` at the hosted checkout.
    pub checkout_lifetime: Duration,
    pub data: UelzData,
}

pub const UELZ_DEMO_API_KEY: &str = "uelz_sk_sandbox_7Hq2xVw9LmT4";
pub const UELZ_DEMO_ORGANIZATION_ID: &str = "org_sandbox_riverside_5Kd8";
pub const UELZ_DEMO_MERCHANT: &str = "mer_riverside_01";
pub const DEFAULT_UELZ_MERCHANT_PARAM: &str = "merchant_id";
pub const DEFAULT_UELZ_CHECKOUT_LIFETIME: Duration = Duration::from_secs(30 * 60);

impl UelzConfig {
    /// Demo credentials, merchant `mer_riverside_01`, 30-minute checkout, demo catalogue.
    pub fn demo() -> Self {
        UelzConfig {
            api_key: UELZ_DEMO_API_KEY.into(),
            organization_id: UELZ_DEMO_ORGANIZATION_ID.into(),
            merchant_param: DEFAULT_UELZ_MERCHANT_PARAM.into(),
            merchants: vec![UELZ_DEMO_MERCHANT.into()],
            checkout_lifetime: DEFAULT_UELZ_CHECKOUT_LIFETIME,
            data: UelzData::demo(),
        }
    }
}

pub const DEFAULT_OFFER_LIFETIME: Duration = Duration::from_secs(15 * 60);

impl Config {
    /// Demo studio, 15-minute offers, no widget directory; Uelz demo settings.
    pub fn demo() -> Self {
        Config {
            offer_lifetime: DEFAULT_OFFER_LIFETIME,
            public_url: None,
            widget_dir: None,
            data: StudioData::demo(),
            uelz: UelzConfig::demo(),
            oauth_clients: vec![OAuthClient::demo()],
            access_token_lifetime: DEFAULT_ACCESS_TOKEN_LIFETIME,
            oauth_code_lifetime: DEFAULT_OAUTH_CODE_LIFETIME,
            hostile: None,
        }
    }

    /// Turns hostile mode on; keep a clone of `hostile` to change its tricks and read what the
    /// foreign server received.
    pub fn with_hostile(mut self, hostile: crate::hostile::Hostile) -> Self {
        self.hostile = Some(hostile);
        self
    }

    /// Registers an OAuth client (replacing one with the same id), e.g.
    /// `Config::demo().with_oauth_client("my-app", "My app", &["http://127.0.0.1/cb"])`.
    /// Panics on an invalid registration (empty id, no or bad redirect URIs): a bug in the test.
    pub fn with_oauth_client(mut self, id: &str, name: &str, redirect_uris: &[&str]) -> Self {
        let client = OAuthClient::new(id, name, redirect_uris)
            .unwrap_or_else(|e| panic!("with_oauth_client: {e}"));
        self.oauth_clients.retain(|c| c.id != client.id);
        self.oauth_clients.push(client);
        self
    }

    /// Forgets every registered OAuth client (the demo one included).
    pub fn without_oauth_clients(mut self) -> Self {
        self.oauth_clients.clear();
        self
    }

    /// Lifetime of issued access tokens (`expires_in`); e.g. 1 s to watch one expire.
    pub fn with_access_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.access_token_lifetime = lifetime;
        self
    }

    /// Lifetime of authorization codes (default 60 s).
    pub fn with_oauth_code_lifetime(mut self, lifetime: Duration) -> Self {
        self.oauth_code_lifetime = lifetime;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth_clients_parse_and_build() {
        let c = parse_oauth_client("app=http://127.0.0.1/cb, https://app.example/oauth").unwrap();
        assert_eq!(c.id, "app");
        assert_eq!(c.name, "app");
        assert_eq!(
            c.redirect_uris,
            ["http://127.0.0.1/cb", "https://app.example/oauth"]
        );
        assert_eq!(
            parse_oauth_client("membership-checkout-demo=http://127.0.0.1/")
                .unwrap()
                .name,
            DEMO_OAUTH_CLIENT_NAME
        );
        assert!(parse_oauth_client("app").is_err());
        assert!(parse_oauth_client("=http://127.0.0.1/").is_err());
        assert!(parse_oauth_client("app=").is_err());
        assert!(parse_oauth_client("app=ftp://x.example/").is_err());
        assert!(parse_oauth_client("app=http://x.example/#frag").is_err());
        assert!(parse_oauth_client("app=/relative").is_err());

        let config = Config::demo()
            .with_oauth_client("app", "App", &["http://localhost/"])
            .with_oauth_client("app", "App 2", &["http://localhost/x"])
            .with_access_token_lifetime(Duration::from_secs(1));
        assert_eq!(config.oauth_clients.len(), 2);
        assert_eq!(config.oauth_clients[0], OAuthClient::demo());
        assert_eq!(config.oauth_clients[1].name, "App 2");
        assert_eq!(config.access_token_lifetime, Duration::from_secs(1));
        assert_eq!(
            Config::demo().access_token_lifetime,
            Duration::from_secs(3600)
        );
        assert!(Config::demo()
            .without_oauth_clients()
            .oauth_clients
            .is_empty());
    }
}
