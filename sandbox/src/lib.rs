//! checkout-sandbox: a local stand-in for the TeamUp v2 API subset the membership checkout
//! widget uses (auth profiles, memberships, payment plans, events, slots, initiate_purchase),
//! plus the hosted payment page that `next_url` points at, test hooks, and optionally the built
//! widget itself. Under `/uelz` it also stands in for the Uelz billing API subset the gateway
//! uses, with Uelz's hosted checkout at `/checkout/<purchase id>`, and test hooks can inject
//! faults (latency, error statuses, broken bodies, dropped connections) into every API route.
//! OAuth 2.0 sign-in (authorization code + PKCE) issues access tokens for the API. See README.md for the routes, demo data and assumptions.

pub(crate) mod api;
pub mod config;
pub mod data;
mod faults;
pub mod hostile;
mod hosted_page;
mod html;
mod limits;
mod money;
mod oauth;
mod pay_page;
mod server;
mod state;
mod times;
pub mod uelz;
mod urls;

pub use config::{
    parse_oauth_client, Config, OAuthClient, UelzConfig,
    DEFAULT_ACCESS_TOKEN_LIFETIME, DEFAULT_OAUTH_CODE_LIFETIME, DEFAULT_OFFER_LIFETIME,
    DEFAULT_UELZ_CHECKOUT_LIFETIME, DEFAULT_UELZ_MERCHANT_PARAM, DEMO_OAUTH_CLIENT_ID,
    DEMO_OAUTH_CLIENT_NAME, DEMO_OAUTH_REDIRECT_URIS, UELZ_DEMO_API_KEY, UELZ_DEMO_MERCHANT,
    UELZ_DEMO_ORGANIZATION_ID,
};
pub use data::StudioData;
pub use faults::{Fault, FaultOptions, FaultRoute, FaultSpec};
pub use hostile::{ForeignRequest, Hostile, Trick};
pub use limits::MAX_BODY_BYTES;
pub use oauth::OAuthStats;
pub use server::{router, spawn, spawn_on, spawn_static_site, Running};
pub use state::{PurchaseRecord, PurchaseStatus, Sandbox};
pub use uelz::UelzData;
