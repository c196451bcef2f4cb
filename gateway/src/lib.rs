//! checkout-gateway: a small native HTTP server that holds the Uelz billing API secrets
//! (`api-key`, `organization-id`) and exposes to the browser widget only plan listing, coupon
//! lookup by code, initiate-purchase and a purchase's status, with TeamUp's error envelope; and,
//! when configured, a same-site pass-through to the exact TeamUp endpoints the widget uses.
//! See README.md.

pub mod config;
pub mod error;
pub mod flights;
pub mod identity;
pub mod logic;
pub mod money;
pub mod ratelimit;
mod routes;
mod server;
pub mod teamup;
pub mod uelz;

pub use config::{parse_duration, parse_rate_limit, Clock, Config, ConfigError, LogTarget, RateLimit, StudioZone};
pub use error::ApiError;
pub use server::{router, spawn, spawn_on, try_router, Running};
