//! membership-checkout: a Leptos widget that sells a studio's memberships through TeamUp or Uelz.
//!
//! Data flows one way: host attributes → [`settings`] → [`backend`] → [`checkout`] state → [`ui`]
//! → redirect to the vendor's payment page. [`host`] is how a widget gets onto a page.

pub mod auth;
pub mod backend;
pub mod checkout;
pub mod host;
pub mod i18n;
pub mod model;
pub mod num;
pub mod redirect;
pub mod settings;
pub mod split;
pub mod time;
pub mod ui;
pub mod url;

pub use host::{mount, mount_all, mount_with, HOST_ATTRIBUTE};
