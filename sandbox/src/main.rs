//! `checkout-sandbox`: run the TeamUp v2 stand-in (and optionally the built widget) locally.
//! Flags are parsed by hand to keep the dependency list short.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use checkout_sandbox::{
    parse_lifetime, parse_oauth_client, spawn_on, Config, FaultSpec, OAuthClient, StudioData,
    UelzConfig, DEFAULT_ACCESS_TOKEN_LIFETIME, DEFAULT_OFFER_LIFETIME,
};

const USAGE: &str = "\
Usage: checkout-sandbox [OPTIONS]

  --addr HOST:PORT         listen address (default 127.0.0.1:8787)
  --offer-lifetime DUR     how long a purchase offer stays payable: 90s, 15m, 1h or seconds (default 15m)
  --data demo|FILE.json    studio data: the built-in demo (default) or a file shaped like --dump-data
  --widget-dir DIR         also serve this directory at / (index.html fallback), e.g. trunk's dist
  --public-url URL         base for absolute links when a request has no Host header
  --dump-data              print the studio data as JSON and exit

Uelz billing API subset under /uelz (hosted checkout at /checkout/<purchase id>):
  --uelz-api-key KEY       expected api-key header (default uelz_sk_sandbox_7Hq2xVw9LmT4)
  --uelz-organization-id ID
                           expected organization-id header (default org_sandbox_riverside_5Kd8)
  --uelz-merchant-param NAME
                           name of the merchant-on-behalf query parameter of POST /uelz/purchases
                           (default merchant_id)
  --uelz-merchant ID       a merchant id that parameter accepts; repeat for several
                           (default mer_riverside_01)
  --uelz-checkout-lifetime DUR
                           unpaid purchases lapse this long after created_at: 90s, 30m, 1h or
                           seconds (default 30m)

OAuth sign-in (authorization code + PKCE S256) at /api/v2/auth/oauth/authorize:
  --oauth-client ID=URI[,URI...]
                           register a client and its redirect URIs (loopback hosts match any
                           port); repeatable; the first use replaces the demo client
                           membership-checkout-demo (http://127.0.0.1/, http://localhost/,
                           .../index.html, http://127.0.0.1/spa.html, http://127.0.0.1/plain.html)
  --access-token-lifetime DUR
                           how long issued access tokens work: 90s, 15m, 1h or seconds
                           (default 1h); refresh with POST /api/v2/auth/refresh_access_token

Fault injection (routes and faults: sandbox/README.md, section Fault injection):
  --fault ROUTE=FAULT[,times=N][,ms=N][,retry_after=N]
                           arm a fault at start-up; repeatable. times defaults to 0 (every
                           request until DELETE /__sandbox/faults), e.g. --fault '*=latency,ms=50'
                           or --fault uelz.purchases.create=status_503,times=2,retry_after=5

Hostile mode (sandbox/README.md, section Hostile mode):
  --hostile[=TRICK,...]    answers carry links to a second local server (which records every
                           request), unsafe next_url values, a skewed Date, markup in every
                           string, endless /events pages... Without a value: foreign-plans,
                           foreign-next:events, next-url:rotate, date-skew, markup. Change them
                           while running with POST /__sandbox/hostile {\"tricks\": [...]}

  -h, --help               show this help
";

struct Cli {
    addr: SocketAddr,
    offer_lifetime: std::time::Duration,
    data: String,
    widget_dir: Option<PathBuf>,
    public_url: Option<String>,
    dump_data: bool,
    uelz: UelzConfig,
    uelz_merchants_given: bool,
    faults: Vec<FaultSpec>,
    oauth_clients: Vec<OAuthClient>,
    oauth_clients_given: bool,
    access_token_lifetime: std::time::Duration,
    hostile: Option<Vec<checkout_sandbox::Trick>>,
}

fn non_empty(flag: &str, v: String) -> Result<String, String> {
    let v = v.trim().to_string();
    if v.is_empty() {
        Err(format!("{flag} needs a non-empty value"))
    } else {
        Ok(v)
    }
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<Cli>, String> {
    let mut cli = Cli {
        addr: "127.0.0.1:8787".parse().expect("valid default address"),
        offer_lifetime: DEFAULT_OFFER_LIFETIME,
        data: "demo".into(),
        widget_dir: None,
        public_url: None,
        dump_data: false,
        uelz: UelzConfig::demo(),
        uelz_merchants_given: false,
        faults: Vec::new(),
        oauth_clients: vec![OAuthClient::demo()],
        oauth_clients_given: false,
        access_token_lifetime: DEFAULT_ACCESS_TOKEN_LIFETIME,
        hostile: None,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        // Both "--flag value" and "--flag=value".
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--addr" => {
                let v = value("--addr")?;
                cli.addr = v
                    .parse()
                    .map_err(|_| format!("--addr: {v:?} is not HOST:PORT (e.g. 127.0.0.1:8787)"))?;
            }
            "--offer-lifetime" => cli.offer_lifetime = parse_lifetime(&value("--offer-lifetime")?)?,
            "--data" => cli.data = value("--data")?,
            "--widget-dir" => cli.widget_dir = Some(PathBuf::from(value("--widget-dir")?)),
            "--public-url" => {
                let v = value("--public-url")?;
                if !(v.starts_with("http://") || v.starts_with("https://")) {
                    return Err(format!(
                        "--public-url: {v:?} must start with http:// or https://"
                    ));
                }
                cli.public_url = Some(v.trim_end_matches('/').to_string());
            }
            "--dump-data" => cli.dump_data = true,
            "--uelz-api-key" => {
                cli.uelz.api_key = non_empty("--uelz-api-key", value("--uelz-api-key")?)?
            }
            "--uelz-organization-id" => {
                cli.uelz.organization_id =
                    non_empty("--uelz-organization-id", value("--uelz-organization-id")?)?
            }
            "--uelz-merchant-param" => {
                let v = non_empty("--uelz-merchant-param", value("--uelz-merchant-param")?)?;
                if !v
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
                {
                    return Err(format!(
                        "--uelz-merchant-param: {v:?} must be a plain query parameter name"
                    ));
                }
                cli.uelz.merchant_param = v;
            }
            "--uelz-merchant" => {
                let v = non_empty("--uelz-merchant", value("--uelz-merchant")?)?;
                if !cli.uelz_merchants_given {
                    cli.uelz.merchants.clear();
                    cli.uelz_merchants_given = true;
                }
                cli.uelz.merchants.push(v);
            }
            "--uelz-checkout-lifetime" => {
                cli.uelz.checkout_lifetime = parse_lifetime(&value("--uelz-checkout-lifetime")?)?
            }
            "--fault" => {
                let v = value("--fault")?;
                cli.faults
                    .push(v.parse().map_err(|e| format!("--fault {v:?}: {e}"))?);
            }
            "--oauth-client" => {
                let v = value("--oauth-client")?;
                let client = parse_oauth_client(&v).map_err(|e| format!("--oauth-client: {e}"))?;
                if !cli.oauth_clients_given {
                    cli.oauth_clients.clear();
                    cli.oauth_clients_given = true;
                }
                cli.oauth_clients.retain(|c| c.id != client.id);
                cli.oauth_clients.push(client);
            }
            "--hostile" => {
                let tricks = checkout_sandbox::hostile::parse_tricks(inline.as_deref().unwrap_or(""))
                    .map_err(|e| format!("--hostile: {e}"))?;
                cli.hostile = Some(tricks);
            }
            "--access-token-lifetime" => {
                cli.access_token_lifetime = parse_lifetime(&value("--access-token-lifetime")?)?
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some(cli))
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match parse_args(std::env::args().skip(1)) {
        Ok(Some(cli)) => cli,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("checkout-sandbox: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };

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
    config.uelz = cli.uelz.clone();
    config.oauth_clients = cli.oauth_clients.clone();
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

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn parses_all_flags() {
        let cli = parse_args(args(
            "--addr 0.0.0.0:9000 --offer-lifetime=90s --data demo --widget-dir dist --public-url http://x.test:1/ --dump-data",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(cli.addr.port(), 9000);
        assert_eq!(cli.offer_lifetime.as_secs(), 90);
        assert_eq!(cli.widget_dir, Some(PathBuf::from("dist")));
        assert_eq!(cli.public_url.as_deref(), Some("http://x.test:1"));
        assert!(cli.dump_data);
        assert_eq!(cli.uelz.api_key, "uelz_sk_sandbox_7Hq2xVw9LmT4");
        assert_eq!(cli.uelz.merchant_param, "merchant_id");
        assert_eq!(cli.uelz.merchants, ["mer_riverside_01"]);
        assert_eq!(cli.uelz.checkout_lifetime.as_secs(), 1800);
    }

    #[test]
    fn parses_uelz_flags() {
        let cli = parse_args(args(
            "--uelz-api-key k1 --uelz-organization-id=org2 --uelz-merchant-param on_behalf_of \
             --uelz-merchant m1 --uelz-merchant m2 --uelz-checkout-lifetime 90s",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(cli.uelz.api_key, "k1");
        assert_eq!(cli.uelz.organization_id, "org2");
        assert_eq!(cli.uelz.merchant_param, "on_behalf_of");
        assert_eq!(cli.uelz.merchants, ["m1", "m2"]);
        assert_eq!(cli.uelz.checkout_lifetime.as_secs(), 90);
        assert!(parse_args(args("--uelz-checkout-lifetime never")).is_err());
        assert!(parse_args(args("--uelz-merchant-param a&b")).is_err());
        assert!(parse_args(args("--uelz-api-key")).is_err());
        assert!(USAGE.contains("--uelz-organization-id"));
    }

    #[test]
    fn parses_fault_flags() {
        use checkout_sandbox::{Fault, FaultOptions, FaultRoute};
        let cli = parse_args(args(
            "--fault *=latency,ms=50 --fault=uelz.purchases.create=status_503,times=2,retry_after=5",
        ))
        .unwrap()
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
        assert!(parse_args(args("--fault")).is_err());
        assert!(parse_args(args("--fault *=slowness")).is_err());
        assert!(parse_args(args("--fault teamup.refunds=latency")).is_err());
        assert!(parse_args(args("--fault *=status_500,ms=5")).is_err());
        assert!(USAGE.contains("--fault ROUTE=FAULT"));
    }

    #[test]
    fn parses_oauth_flags() {
        let cli = parse_args(args("")).unwrap().unwrap();
        assert_eq!(cli.oauth_clients, [OAuthClient::demo()]);
        assert_eq!(cli.access_token_lifetime.as_secs(), 3600);
        let cli = parse_args(args(
            "--oauth-client app=http://127.0.0.1/cb,https://app.example/oauth \
             --oauth-client=other=http://localhost/ --access-token-lifetime 2s",
        ))
        .unwrap()
        .unwrap();
        let ids: Vec<&str> = cli.oauth_clients.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["app", "other"]);
        assert_eq!(
            cli.oauth_clients[0].redirect_uris,
            ["http://127.0.0.1/cb", "https://app.example/oauth"]
        );
        assert_eq!(cli.access_token_lifetime.as_secs(), 2);
        assert!(parse_args(args("--oauth-client app")).is_err());
        assert!(parse_args(args("--oauth-client app=ftp://x.example/")).is_err());
        assert!(parse_args(args("--access-token-lifetime never")).is_err());
        assert!(USAGE.contains("--oauth-client ID=URI"));
        assert!(USAGE.contains("--access-token-lifetime DUR"));
    }

    #[test]
    fn parses_the_hostile_flag() {
        use checkout_sandbox::hostile::{NextUrl, Trick};
        assert_eq!(parse_args(args("")).unwrap().unwrap().hostile, None);
        assert_eq!(parse_args(args("--hostile")).unwrap().unwrap().hostile, Some(Trick::DEFAULT.to_vec()));
        assert_eq!(
            parse_args(args("--hostile=next-url:javascript,markup --addr 127.0.0.1:1")).unwrap().unwrap().hostile,
            Some(vec![Trick::NextUrl(NextUrl::Javascript), Trick::Markup])
        );
        assert!(parse_args(args("--hostile=evil")).is_err());
        assert!(USAGE.contains("--hostile[=TRICK,...]"));
    }

    #[test]
    fn rejects_bad_input() {
        assert!(parse_args(args("--addr nowhere")).is_err());
        assert!(parse_args(args("--offer-lifetime")).is_err());
        assert!(parse_args(args("--frobnicate")).is_err());
        assert!(parse_args(args("--public-url ftp://x")).is_err());
        assert!(parse_args(args("--help")).unwrap().is_none());
    }
}
