//! One module per vendor API; `http` is the shared fetch layer and `error` the shared error type.

pub mod error;
pub mod http;
pub mod teamup;
pub mod uelz;
pub mod retry;
