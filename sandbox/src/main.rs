//! `checkout-sandbox`: run the TeamUp v2 stand-in (and optionally the built widget) locally.
//! The command line is `clap`'s (derive): `--help` is made from the doc comments below.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use checkout_common::{parse_duration, DURATION_FORMS};
use checkout_sandbox::{
    parse_oauth_client, spawn_on, Config, FaultSpec, OAuthClient, StudioData, Trick, UelzConfig,
    DEFAULT_UELZ_MERCHANT_PARAM, UELZ_DEMO_API_KEY, UELZ_DEMO_MERCHANT, UELZ_DEMO_ORGANIZATION_ID,
};
use clap::Parser;

/// Runs the TeamUp v2 stand-in locally: the API at /api/v2, the hosted payment page, test hooks
/// at /__sandbox/, the Uelz billing API subset at /uelz and, with --widget-dir, the built widget.
#[derive(Parser, Debug)]
#[command(name = "checkout-sandbox", version, max_term_width = 100, after_help = after_help())]
struct Cli {
    /// Listen address
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8787")]
    addr: SocketAddr,

    /// How long a purchase offer (next_url) stays payable
    #[arg(long, value_name = "DUR", default_value = "15m", value_parser = parse_duration)]
    offer_lifetime: Duration,

    /// Studio data: the built-in demo, or a JSON file shaped like --dump-data's output
    #[arg(long, value_name = "demo|FILE.json", default_value = "demo")]
    data: String,

    /// Also serve this directory at / (index.html fallback), e.g. trunk's dist
    #[arg(long, value_name = "DIR")]
    widget_dir: Option<PathBuf>,

    /// Base for absolute links when a request has no Host header
    #[arg(long, value_name = "URL", value_parser = parse_public_url)]
    public_url: Option<String>,

    /// Print the studio data as JSON and exit
    #[arg(long)]
    dump_data: bool,

    /// The api-key header every /uelz route expects
    #[arg(long, value_name = "KEY", default_value = UELZ_DEMO_API_KEY, value_parser = non_empty,
          help_heading = UELZ)]
    uelz_api_key: String,

    /// The organization-id header every /uelz route expects
    #[arg(long, value_name = "ID", default_value = UELZ_DEMO_ORGANIZATION_ID, value_parser = non_empty,
          help_heading = UELZ)]
    uelz_organization_id: String,

    /// Name of the merchant-on-behalf query parameter of POST /uelz/purchases
    #[arg(long, value_name = "NAME", default_value = DEFAULT_UELZ_MERCHANT_PARAM,
          value_parser = parse_merchant_param, help_heading = UELZ)]
    uelz_merchant_param: String,

    /// A merchant id that parameter accepts; repeat for several (the first use replaces the default)
    #[arg(long = "uelz-merchant", value_name = "ID", default_value = UELZ_DEMO_MERCHANT,
          value_parser = non_empty, help_heading = UELZ)]
    uelz_merchants: Vec<String>,

    /// Unpaid purchases lapse this long after created_at at the hosted checkout
    #[arg(long, value_name = "DUR", default_value = "30m", value_parser = parse_duration,
          help_heading = UELZ)]
    uelz_checkout_lifetime: Duration,

    /// Register an OAuth client and its redirect URIs (loopback hosts match any port); repeatable;
    /// the first use replaces the demo client membership-checkout-demo (http://127.0.0.1/,
    /// http://localhost/, .../index.html, http://127.0.0.1/spa.html, http://127.0.0.1/plain.html)
    #[arg(long = "oauth-client", value_name = "ID=URI[,URI...]", value_parser = parse_oauth_client,
          help_heading = OAUTH)]
    oauth_clients: Vec<OAuthClient>,

    /// How long issued access tokens work; refresh with POST /api/v2/auth/refresh_access_token
    #[arg(long, value_name = "DUR", default_value = "1h", value_parser = parse_duration,
          help_heading = OAUTH)]
    access_token_lifetime: Duration,

    /// Arm a fault at start-up; repeatable. times defaults to 0 (every request until
    /// DELETE /__sandbox/faults), e.g. --fault '*=latency,ms=50' or
    /// --fault uelz.purchases.create=status_503,times=2,retry_after=5
    #[arg(long = "fault", value_name = "ROUTE=FAULT[,times=N][,ms=N][,retry_after=N]",
          value_parser = parse_fault, help_heading = FAULTS)]
    faults: Vec<FaultSpec>,

    /// Answers carry links to a second local server (which records every request), unsafe
    /// next_url values, a skewed Date, markup in every string, endless /events pages... Without
    /// a value: foreign-plans, foreign-next:events, next-url:rotate, date-skew, markup. Change them
    /// while running with POST /__sandbox/hostile {"tricks": [...]}
    #[arg(long, value_name = "TRICK,...", num_args = 0..=1, require_equals = true,
          default_missing_value = "", value_parser = checkout_sandbox::hostile::parse_tricks,
          help_heading = HOSTILE)]
    hostile: Option<::std::vec::Vec<Trick>>,
}

const UELZ: &str = "Uelz billing API subset under /uelz (hosted checkout at /checkout/<purchase id>)";
const OAUTH: &str = "OAuth sign-in (authorization code + PKCE S256) at /api/v2/auth/oauth/authorize";
const FAULTS: &str = "Fault injection (routes and faults: sandbox/README.md, section Fault injection)";
const HOSTILE: &str = "Hostile mode (sandbox/README.md, section Hostile mode)";

fn after_help() -> String {
    format!("Durations (DUR): {DURATION_FORMS}.")
}

impl Cli {
    /// The Uelz stand-in's settings: the demo catalogue with the flags' credentials and merchants.
    fn uelz(&self) -> UelzConfig {
        UelzConfig {
            api_key: self.uelz_api_key.clone(),
            organization_id: self.uelz_organization_id.clone(),
            merchant_param: self.uelz_merchant_param.clone(),
            merchants: self.uelz_merchants.clone(),
            checkout_lifetime: self.uelz_checkout_lifetime,
            ..UelzConfig::demo()
        }
    }

    /// The registered OAuth clients: the demo one unless --oauth-client is given; a later
    /// registration of the same id replaces an earlier one.
    fn oauth_clients(&self) -> Vec<OAuthClient> {
        if self.oauth_clients.is_empty() {
            return vec![OAuthClient::demo()];
        }
        let mut clients: Vec<OAuthClient> = Vec::new();
        for client in &self.oauth_clients {
            clients.retain(|c| c.id != client.id);
            clients.push(client.clone());
        }
        clients
    }
}

fn non_empty(v: &str) -> Result<String, String> {
    let v = v.trim();
    if v.is_empty() {
        Err("needs a non-empty value".into())
    } else {
        Ok(v.to_string())
    }
}

fn parse_public_url(v: &str) -> Result<String, String> {
    if !(v.starts_with("http://") || v.starts_with("https://")) {
        return Err(format!("{v:?} must start with http:// or https://"));
    }
    Ok(v.trim_end_matches('/').to_string())
}

fn parse_merchant_param(v: &str) -> Result<String, String> {
    let v = non_empty(v)?;
    if !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.') {
        return Err(format!("{v:?} must be a plain query parameter name"));
    }
    Ok(v)
}

fn parse_fault(v: &str) -> Result<FaultSpec, String> {
    v.parse()
}

#[tokio::main]
async fn main() -> ExitCode {
    // A bad flag: clap names it and exits with status 2.
    let cli = Cli::parse();

    let data = if cli.data == "demo" {
        StudioData::demo()
    } else {
        match StudioData::load(std::path::Path::new(&cli.data)) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("checkout-sandbox: {e}");
                return ExitCode::from(2);
            }
        }
    };
    if cli.dump_data {
        println!("{}", data.to_json_pretty());
        return ExitCode::SUCCESS;
    }
    for p in &data.providers {
        if !p.zone_known() {
            eprintln!(
                "warning: provider {} time zone {:?} is not modelled; times are shown in UTC",
                p.id, p.timezone
            );
        }
    }
    if let Some(dir) = &cli.widget_dir {
        if !dir.join("index.html").is_file() {
            eprintln!(
                "warning: {} has no index.html (build the widget first, e.g. `trunk build`)",
                dir.display()
            );
        }
    }

    let mut config = Config::demo().with_access_token_lifetime(cli.access_token_lifetime);
    config.offer_lifetime = cli.offer_lifetime;
    config.public_url = cli.public_url.clone();
    config.widget_dir = cli.widget_dir.clone();
    config.data = data;
    config.uelz = cli.uelz();
    config.oauth_clients = cli.oauth_clients();
    let hostile = cli.hostile.as_deref().map(checkout_sandbox::Hostile::new);
    config.hostile = hostile.clone();
    let summary = summary(&config);
    let running = match spawn_on(config, cli.addr).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("checkout-sandbox: cannot listen on {}: {e}", cli.addr);
            return ExitCode::from(1);
        }
    };
    if let Some(sb) = running.sandbox() {
        for spec in &cli.faults {
            sb.arm_fault(*spec);
        }
    }
    eprintln!("checkout-sandbox listening on {}", running.url());
    for spec in &cli.faults {
        eprintln!("  fault armed: {}", describe_fault(spec));
    }
    eprintln!("{summary}");
    if let Some(hostile) = &hostile {
        let tricks: Vec<String> = hostile.tricks().iter().map(ToString::to_string).collect();
        eprintln!(
            "  HOSTILE MODE: {}; foreign server {} (GET /__sandbox/hostile lists what reached it)",
            tricks.join(", "),
            hostile.foreign_url().unwrap_or_default()
        );
    }
    if let Some(dir) = &cli.widget_dir {
        eprintln!("  widget: {} served at {}/", dir.display(), running.url());
    }
    let _ = tokio::signal::ctrl_c().await;
    eprintln!("checkout-sandbox: shutting down");
    running.shutdown().await;
    ExitCode::SUCCESS
}

fn describe_fault(spec: &FaultSpec) -> String {
    let o = &spec.options;
    let mut s = format!("{} {}", spec.route, spec.fault);
    match o.times {
        0 => s += " on every request",
        n => s += &format!(" on the next {n} requests"),
    }
    if let Some(ms) = o.ms {
        s += &format!(", {ms} ms");
    }
    if let Some(ra) = o.retry_after {
        s += &format!(", Retry-After {ra}");
    }
    s
}

fn summary(config: &Config) -> String {
    let mut lines = vec![format!(
        "  offers last {:?}; API at /api/v2; test hooks at /__sandbox/",
        config.offer_lifetime
    )];
    let u = &config.uelz;
    lines.push(format!(
        "  Uelz at /uelz: api-key {} organization-id {}; merchant param {} ({}); checkout lasts {:?}",
        u.api_key,
        u.organization_id,
        u.merchant_param,
        u.merchants.join(", "),
        u.checkout_lifetime
    ));
    for c in &config.oauth_clients {
        lines.push(format!(
            "  OAuth client {} ({}): {}",
            c.id,
            c.name,
            c.redirect_uris.join(" ")
        ));
    }
    lines.push(format!(
        "  OAuth sign-in at /api/v2/auth/oauth/authorize; access tokens last {:?}",
        config.access_token_lifetime
    ));
    for p in &config.data.providers {
        lines.push(format!("  provider {}: {}", p.id, p.name));
    }
    for u in &config.data.users {
        let profiles: Vec<String> = u
            .profiles
            .iter()
            .map(|p| format!("{} {}@{}", p.profile_type.as_str(), p.id, p.provider))
            .collect();
        lines.push(format!(
            "  token {:<24} {} ({})",
            u.token,
            u.name(),
            profiles.join(", ")
        ));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The command line `checkout-sandbox ARGS` as clap reads it.
    fn parse_args(s: &str) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("checkout-sandbox").chain(s.split_whitespace()))
    }

    /// What `--help` prints.
    fn usage() -> String {
        use clap::CommandFactory;
        Cli::command().render_long_help().to_string()
    }

    #[test]
    fn parses_all_flags() {
        let cli = parse_args(
            "--addr 0.0.0.0:9000 --offer-lifetime=90s --data demo --widget-dir dist --public-url http://x.test:1/ --dump-data",
        )
        .unwrap();
        assert_eq!(cli.addr.port(), 9000);
        assert_eq!(cli.offer_lifetime.as_secs(), 90);
        assert_eq!(cli.widget_dir, Some(PathBuf::from("dist")));
        assert_eq!(cli.public_url.as_deref(), Some("http://x.test:1"));
        assert!(cli.dump_data);
        assert_eq!(cli.uelz().api_key, "uelz_sk_sandbox_7Hq2xVw9LmT4");
        assert_eq!(cli.uelz().merchant_param, "merchant_id");
        assert_eq!(cli.uelz().merchants, ["mer_riverside_01"]);
        assert_eq!(cli.uelz().checkout_lifetime.as_secs(), 1800);
    }

    #[test]
    fn parses_uelz_flags() {
        let cli = parse_args(
            "--uelz-api-key k1 --uelz-organization-id=org2 --uelz-merchant-param on_behalf_of \
             --uelz-merchant m1 --uelz-merchant m2 --uelz-checkout-lifetime 90s",
        )
        .unwrap();
        assert_eq!(cli.uelz().api_key, "k1");
        assert_eq!(cli.uelz().organization_id, "org2");
        assert_eq!(cli.uelz().merchant_param, "on_behalf_of");
        assert_eq!(cli.uelz().merchants, ["m1", "m2"]);
        assert_eq!(cli.uelz().checkout_lifetime.as_secs(), 90);
        assert!(parse_args("--uelz-checkout-lifetime never").is_err());
        assert!(parse_args("--uelz-merchant-param a&b").is_err());
        assert!(parse_args("--uelz-api-key").is_err());
        assert!(usage().contains("--uelz-organization-id"));
    }

    #[test]
    fn parses_fault_flags() {
        use checkout_sandbox::{Fault, FaultOptions, FaultRoute};
        let cli = parse_args(
            "--fault *=latency,ms=50 --fault=uelz.purchases.create=status_503,times=2,retry_after=5",
        )
        .unwrap();
        assert_eq!(cli.faults.len(), 2);
        assert_eq!(
            (
                cli.faults[0].route,
                cli.faults[0].fault,
                cli.faults[0].options
            ),
            (
                FaultRoute::Any,
                Fault::Latency,
                FaultOptions::times(0).ms(50)
            )
        );
        assert_eq!(cli.faults[1].route, FaultRoute::UelzPurchasesCreate);
        assert_eq!(cli.faults[1].options, FaultOptions::times(2).retry_after(5));
        assert_eq!(
            describe_fault(&cli.faults[1]),
            "uelz.purchases.create status_503 on the next 2 requests, Retry-After 5"
        );
        assert!(parse_args("--fault").is_err());
        assert!(parse_args("--fault *=slowness").is_err());
        assert!(parse_args("--fault teamup.refunds=latency").is_err());
        assert!(parse_args("--fault *=status_500,ms=5").is_err());
        assert!(usage().contains("--fault <ROUTE=FAULT[,times=N][,ms=N][,retry_after=N]>"));
    }

    #[test]
    fn parses_oauth_flags() {
        let cli = parse_args("").unwrap();
        assert_eq!(cli.oauth_clients(), [OAuthClient::demo()]);
        assert_eq!(cli.access_token_lifetime.as_secs(), 3600);
        let cli = parse_args(
            "--oauth-client app=http://127.0.0.1/cb,https://app.example/oauth \
             --oauth-client=other=http://localhost/ --access-token-lifetime 2s",
        )
        .unwrap();
        let clients = cli.oauth_clients();
        let ids: Vec<&str> = clients.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["app", "other"]);
        assert_eq!(
            cli.oauth_clients()[0].redirect_uris,
            ["http://127.0.0.1/cb", "https://app.example/oauth"]
        );
        assert_eq!(cli.access_token_lifetime.as_secs(), 2);
        assert!(parse_args("--oauth-client app").is_err());
        assert!(parse_args("--oauth-client app=ftp://x.example/").is_err());
        assert!(parse_args("--access-token-lifetime never").is_err());
        assert!(usage().contains("--oauth-client <ID=URI[,URI...]>"));
        assert!(usage().contains("--access-token-lifetime <DUR>"));
    }

    #[test]
    fn parses_the_hostile_flag() {
        use checkout_sandbox::hostile::{NextUrl, Trick};
        assert_eq!(parse_args("").unwrap().hostile, None);
        assert_eq!(parse_args("--hostile").unwrap().hostile, Some(Trick::DEFAULT.to_vec()));
        assert_eq!(
            parse_args("--hostile=next-url:javascript,markup --addr 127.0.0.1:1").unwrap().hostile,
            Some(vec![Trick::NextUrl(NextUrl::Javascript), Trick::Markup])
        );
        assert!(parse_args("--hostile=evil").is_err());
        assert!(usage().contains("--hostile[=<TRICK,...>]"));
    }

    /// The defaults `--help` shows are the library's.
    #[test]
    fn the_defaults_are_the_librarys() {
        use checkout_sandbox::{
            DEFAULT_ACCESS_TOKEN_LIFETIME, DEFAULT_OFFER_LIFETIME, DEFAULT_UELZ_CHECKOUT_LIFETIME,
        };
        let cli = parse_args("").unwrap();
        assert_eq!(cli.offer_lifetime, DEFAULT_OFFER_LIFETIME);
        assert_eq!(cli.access_token_lifetime, DEFAULT_ACCESS_TOKEN_LIFETIME);
        assert_eq!(cli.uelz().checkout_lifetime, DEFAULT_UELZ_CHECKOUT_LIFETIME);
        let demo = UelzConfig::demo();
        let uelz = cli.uelz();
        assert_eq!(
            (uelz.api_key, uelz.organization_id, uelz.merchant_param, uelz.merchants),
            (demo.api_key, demo.organization_id, demo.merchant_param, demo.merchants)
        );
        assert_eq!(cli.data, "demo");
        assert_eq!(cli.addr, "127.0.0.1:8787".parse().unwrap());
        assert!(usage().contains(DURATION_FORMS), "the duration forms are documented once, in --help");
    }

    #[test]
    fn rejects_bad_input() {
        assert!(parse_args("--addr nowhere").is_err());
        assert!(parse_args("--offer-lifetime").is_err());
        assert!(parse_args("--frobnicate").is_err());
        assert!(parse_args("--public-url ftp://x").is_err());
        let help = parse_args("--help").unwrap_err();
        assert_eq!(help.kind(), clap::error::ErrorKind::DisplayHelp);
        assert_eq!(help.exit_code(), 0);
        let bad = parse_args("--frobnicate").unwrap_err();
        assert_eq!(bad.exit_code(), 2, "a bad flag exits with status 2");
    }
}
