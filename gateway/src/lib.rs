//! checkout-gateway: a small native HTTP server that holds the Uelz billing API secrets
//! (`api-key`, `organization-id`) and exposes to the browser widget only plan listing, coupon
//! lookup by code and initiate-purchase, with TeamUp's error envelope. See README.md.

pub mod config;
pub mod error;
pub mod logic;
pub mod money;
pub mod ratelimit;
mod routes;
mod server;
pub mod uelz;

pub use config::{parse_duration, parse_rate_limit, Config, ConfigError, LogTarget, RateLimit};
pub use error::ApiError;
pub use server::{router, spawn, spawn_on, try_router, Running};
