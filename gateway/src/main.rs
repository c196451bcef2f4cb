//! `checkout-gateway`: reads its settings from the environment (see README.md), prints the
//! listen address and serves until Ctrl-C or SIGTERM.

use checkout_gateway::{spawn_on, Config};

#[tokio::main]
async fn main() {
    let config = match Config::from_env() {
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
