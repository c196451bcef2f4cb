//! `checkout-gateway`: reads its settings from the environment (see README.md, "Environment"),
//! prints the listen address and serves until Ctrl-C or SIGTERM.
//!
//! The command line is `clap`'s: every variable of [`ENV_VARS`] is an argument that clap reads
//! from the environment (or, the same name in lower case with dashes, from a flag), so `--help`
//! lists them all; `Config::from_lookup` checks the values. Values are never shown: some are
//! secrets.

use checkout_gateway::config::ENV_VARS;
use checkout_gateway::{spawn_on, Config};
use clap::{Arg, ArgMatches, Command};

/// What `--help` says of each variable (README.md, "Environment", has the details).
fn describe(var: &str) -> &'static str {
    match var {
        "UELZ_BASE_URL" => "Uelz API base, e.g. https://papi.app.uelzpay.com (required unless the gateway is a TeamUp pass-through alone)",
        "UELZ_API_KEY" => "Secret: the organisation's Uelz API key (required with UELZ_BASE_URL)",
        "UELZ_ORGANIZATION_ID" => "Secret: the organisation id sent with the key (required with UELZ_BASE_URL)",
        "UELZ_CHECKOUT_URL" => "Hosted checkout base; next_url = <this>/<purchase id>?return_url=... [default: https://app.uelzpay.com/checkout]",
        "UELZ_CHECKOUT_LIFETIME" => "How long an unpaid purchase can be paid, a duration [default: 30m]",
        "UELZ_MERCHANT_ID" => "The merchant a platform organisation acts for, sent as a query parameter on POST /purchases",
        "UELZ_MERCHANT_PARAM" => "That query parameter's name [default: merchant_id]",
        "UELZ_BILLING_CONFIGURATION" => "Uelz billing configuration id sent with every purchase",
        "GATEWAY_ADDR" => "Listen address [default: 127.0.0.1:8788]",
        "GATEWAY_ALLOWED_ORIGINS" => "Comma-separated exact origins of the pages that embed the widget (required)",
        "GATEWAY_TIMEZONE" => "The studio's IANA time zone, e.g. Europe/Berlin (required with Uelz)",
        "GATEWAY_IDENTITY_SECRET" => "Secret, at least 32 characters, shared with the studio's server that signs customer identities",
        "GATEWAY_IDENTITY_SECRET_PREVIOUS" => "Secret: during a rotation, the old identity secret, still accepted",
        "GATEWAY_RATE_LIMIT" => "Requests per client IP: 10/s, 60/min, 1000/h or N/DURATION [default: 60/min]",
        "GATEWAY_UPSTREAM_TIMEOUT" => "Timeout of each Uelz (and TeamUp) call, a duration under 15s [default: 10s]",
        "GATEWAY_PURCHASE_DEADLINE" => "Deadline of a whole purchase, a duration under 30s [default: 20s]",
        "GATEWAY_TRUST_FORWARDED" => "1: the client IP is the last X-Forwarded-For entry (only behind a proxy that sets it) [default: 0]",
        "GATEWAY_TEAMUP_BASE" => "The studio's TeamUp API base; turns on the TeamUp pass-through",
        "GATEWAY_TEAMUP_RATE_LIMIT" => "The pass-through's rate limit per client IP [default: 300/min]",
        "GATEWAY_PUBLIC_URL" => "The gateway's public address, for the links the pass-through rewrites [default: each request's Host]",
        "CHECKOUT_GATEWAY_QUIET" => "1 silences the request log",
        _ => "",
    }
}

/// `GATEWAY_ADDR` → `gateway-addr`.
fn flag_name(var: &str) -> String {
    var.to_ascii_lowercase().replace('_', "-")
}

fn command() -> Command {
    let args = ENV_VARS.iter().map(|var| {
        Arg::new(*var)
            .long(flag_name(var))
            .env(var)
            .hide_env_values(true)
            .value_name("VALUE")
            .help(describe(var))
    });
    Command::new("checkout-gateway")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Holds the Uelz secrets server-side and gives the checkout widget plans, coupons and purchases")
        .max_term_width(100)
        .args(args)
        .after_help(format!(
            "Every setting is an environment variable; a flag of the same name (GATEWAY_ADDR: --gateway-addr) wins \
             over it. Keep secrets in the environment: a process's arguments are visible to other users. \
             Durations: {}.",
            checkout_common::DURATION_FORMS
        ))
}

/// The settings clap read, checked by `Config::from_lookup`.
fn config(matches: &ArgMatches) -> Result<Config, checkout_gateway::ConfigError> {
    Config::from_lookup(|var| matches.get_one::<String>(var).cloned())
}

#[tokio::main]
async fn main() {
    let config = match config(&command().get_matches()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("checkout-gateway: configuration error: {e}");
            std::process::exit(2);
        }
    };
    let addr = config.addr;
    let upstream = if config.uelz_enabled {
        format!("Uelz at {}", config.uelz_base_url)
    } else {
        "Uelz off (a TeamUp pass-through alone)".to_string()
    };
    let origins = config.allowed_origins.join(", ");
    let zone = config.timezone.name().to_string();
    let identity = if config.identity_secrets.is_empty() {
        "off (every buyer is a new customer)"
    } else {
        "on (customer tokens signed by the studio's server)"
    };
    let teamup = config.teamup_base.clone().unwrap_or_else(|| "off".into());
    let uelz_enabled = config.uelz_enabled;
    let running = match spawn_on(config, addr).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("checkout-gateway: cannot listen on {addr}: {e}");
            std::process::exit(1);
        }
    };
    println!("checkout-gateway listening on http://{addr}");
    eprintln!("checkout-gateway: {upstream}; browser origins allowed: {origins}");
    if uelz_enabled {
        eprintln!("checkout-gateway: studio time zone {zone}; customer identity {identity}; TeamUp pass-through {teamup}");
    } else {
        eprintln!("checkout-gateway: TeamUp pass-through {teamup}");
    }
    shutdown_signal().await;
    eprintln!("checkout-gateway: shutting down");
    running.shutdown().await;
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<ArgMatches, clap::Error> {
        command().try_get_matches_from(std::iter::once("checkout-gateway").chain(args.iter().copied()))
    }

    #[test]
    fn every_variable_is_an_argument_with_help() {
        let cmd = command();
        for var in ENV_VARS {
            let arg = cmd.get_arguments().find(|a| a.get_id() == var).unwrap_or_else(|| panic!("{var}"));
            assert_eq!(arg.get_env(), Some(std::ffi::OsStr::new(var)));
            assert_eq!(arg.get_long(), Some(flag_name(var).as_str()));
            assert!(!describe(var).is_empty(), "{var} has no help");
        }
        assert_eq!(cmd.get_arguments().filter(|a| a.get_env().is_some()).count(), ENV_VARS.len());
    }

    #[test]
    fn flags_are_read_like_the_variables() {
        let m = parse(&[
            "--uelz-base-url", "http://127.0.0.1:8787/uelz",
            "--uelz-api-key=k", "--uelz-organization-id", "o",
            "--gateway-allowed-origins", "https://studio.example",
            "--gateway-timezone", "Europe/Berlin",
            "--uelz-checkout-lifetime", "90s",
        ])
        .unwrap();
        let c = config(&m).unwrap();
        assert_eq!(c.uelz_base_url, "http://127.0.0.1:8787/uelz");
        assert_eq!(c.checkout_lifetime, std::time::Duration::from_secs(90));
        assert_eq!(c.timezone.name(), "Europe/Berlin");
        let e = config(&parse(&["--gateway-allowed-origins", "https://studio.example", "--uelz-api-key", "k"]).unwrap())
            .unwrap_err();
        assert_eq!(e.var, "UELZ_BASE_URL", "a missing setting is named by its variable");
        let bad = parse(&["--frobnicate"]).unwrap_err();
        assert_eq!(bad.exit_code(), 2);
    }

    #[test]
    fn help_lists_every_variable_and_never_a_value() {
        let help = command().render_long_help().to_string();
        for var in ENV_VARS {
            assert!(help.contains(&format!("[env: {var}]")), "{var} missing from --help");
        }
        assert!(help.contains(checkout_common::DURATION_FORMS));
    }
}
