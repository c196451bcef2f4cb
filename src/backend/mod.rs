//! One module per vendor API; `http` is the shared fetch layer, `error` the shared error type and
//! `session` a widget's credentials.

pub mod error;
pub mod http;
pub mod teamup;
pub mod uelz;
pub mod retry;
pub mod session;
