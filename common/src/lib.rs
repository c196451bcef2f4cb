//! What the two native servers, the sandbox and the gateway, share:
//!
//! - [`parse_duration`]: the one syntax of every duration setting (`--offer-lifetime`,
//!   `UELZ_CHECKOUT_LIFETIME`, `GATEWAY_RATE_LIMIT`'s window, …);
//! - [`Background`]: a server running on the caller's tokio runtime, stopped when dropped;
//! - [`log_enabled`]: the switch that silences a request log (`CHECKOUT_SANDBOX_QUIET`,
//!   `CHECKOUT_GATEWAY_QUIET`);
//! - `load` (feature `load`): the harness of the two load tests.

mod duration;
#[cfg(feature = "load")]
pub mod load;
mod server;

pub use duration::{parse_duration, DURATION_FORMS};
pub use server::{bound_addr, Background, Shutdown};

/// Whether a request log is on: it is, unless the environment variable `quiet_var` is set to
/// something other than empty or `0` (read on every call, so a test can switch it).
pub fn log_enabled(quiet_var: &str) -> bool {
    std::env::var_os(quiet_var).is_none_or(|v| v.is_empty() || v == "0")
}

/// Whether a quiet setting's value (`CHECKOUT_GATEWAY_QUIET=1`) silences the log: set to
/// something other than empty or `0`.
pub fn quiet(value: Option<&str>) -> bool {
    value.is_some_and(|v| !v.trim().is_empty() && v.trim() != "0")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_quiet_variable_silences_the_log_unless_empty_or_zero() {
        let var = "CHECKOUT_COMMON_TEST_QUIET";
        assert!(super::log_enabled(var));
        for (value, enabled) in [("", true), ("0", true), ("1", false), ("yes", false)] {
            std::env::set_var(var, value);
            assert_eq!(super::log_enabled(var), enabled, "{var}={value:?}");
        }
        std::env::remove_var(var);
        for (value, quiet) in [(None, false), (Some(""), false), (Some("0"), false), (Some("1"), true), (Some("yes"), true)] {
            assert_eq!(super::quiet(value), quiet, "{value:?}");
        }
    }
}
