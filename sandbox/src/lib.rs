//! checkout-sandbox: a local stand-in for the TeamUp v2 API subset the membership checkout
//! widget uses (auth profiles, memberships, payment plans, events, slots, initiate_purchase),
//! plus the hosted payment page that `next_url` points at, test hooks, and optionally the built
//! widget itself. See README.md for the routes, demo data and assumptions.

pub(crate) mod api;
pub mod config;
pub mod data;
mod html;
mod money;
mod pay_page;
mod server;
mod state;
mod times;
mod urls;

pub use config::{parse_lifetime, Config, DEFAULT_OFFER_LIFETIME};
pub use data::StudioData;
pub use server::{router, spawn, spawn_on, spawn_static_site, Running};
pub use state::{PurchaseRecord, PurchaseStatus, Sandbox};
