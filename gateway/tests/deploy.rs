//! What README tells a studio to run, run: the env file and the systemd unit in `deploy/` against
//! the gateway's real configuration, the binary started from the env file the way README does it,
//! and the identity-signing examples in README executed and checked by the gateway's own verifier.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use checkout_gateway::config::ENV_VARS;
use checkout_gateway::Config;
use common::*;
use serde_json::json;

fn gateway_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(gateway_dir().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// `KEY=value` lines of an env file; commented-out `#KEY=value` lines are returned apart.
fn env_file(text: &str) -> (BTreeMap<String, String>, Vec<String>) {
    let mut set = BTreeMap::new();
    let mut commented = Vec::new();
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix('#') {
            if let Some((k, _)) = rest.split_once('=') {
                if !k.is_empty() && k.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
                    commented.push(k.to_string());
                }
            }
            continue;
        }
        if line.is_empty() {
            continue;
        }
        let (k, v) = line.split_once('=').unwrap_or_else(|| panic!("not KEY=value: {line:?}"));
        assert!(!k.contains(' ') && !v.starts_with(' ') && !v.contains('"') && !v.contains('\''), "{line:?}: no spaces or quotes");
        set.insert(k.to_string(), v.to_string());
    }
    (set, commented)
}

/// The `[Service]` section of a unit: key → values, in order.
fn service_section(unit: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut in_service = false;
    for line in unit.lines().map(str::trim) {
        if line.starts_with('[') {
            in_service = line == "[Service]";
            continue;
        }
        if !in_service || line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (k, v) = line.split_once('=').unwrap();
        out.entry(k.to_string()).or_default().push(v.to_string());
    }
    out
}

#[test]
fn the_env_file_and_the_unit_use_only_settings_the_gateway_reads() {
    let (file, commented) = env_file(&read("deploy/checkout-gateway.env.example"));
    let unit = service_section(&read("deploy/checkout-gateway.service"));
    let mut unit_env = BTreeMap::new();
    for assignment in unit.get("Environment").into_iter().flatten() {
        let (k, v) = assignment.split_once('=').unwrap();
        unit_env.insert(k.to_string(), v.to_string());
    }
    for var in file.keys().chain(unit_env.keys()).chain(commented.iter()) {
        assert!(ENV_VARS.contains(&var.as_str()), "{var} is not a setting the gateway reads");
    }
    // The studio-specific values left as placeholders must be the secrets and names to fill in.
    for var in ["UELZ_API_KEY", "UELZ_ORGANIZATION_ID", "GATEWAY_IDENTITY_SECRET"] {
        assert!(file[var].starts_with("replace-with-"), "{var} is a placeholder");
    }
    // Together (the unit's Environment= after its EnvironmentFile=, as systemd applies them) they
    // make a configuration the gateway accepts, with the intended values.
    let mut all = file.clone();
    all.extend(unit_env.clone());
    let config = Config::from_lookup(|k| all.get(k).cloned()).expect("the deploy files make a valid configuration");
    assert_eq!(config.addr.to_string(), "127.0.0.1:8788");
    assert_eq!(config.uelz_base_url, "https://papi.app.uelzpay.com");
    assert!(config.trust_forwarded, "behind the TLS proxy");
    assert_eq!(config.identity_secrets.len(), 1);
    assert_eq!(config.timezone.name(), "Europe/Berlin");
    assert_eq!(config.teamup_base, None, "the pass-through is off unless chosen");
    // The secret placeholder is long enough to be accepted: a real one (openssl rand -hex 32) is 64.
    assert!(file["GATEWAY_IDENTITY_SECRET"].len() >= 64);

    // The unit runs the installed binary with no arguments, reads the env file README names,
    // and doesn't restart into a configuration error (exit 2, checked below).
    assert_eq!(unit["ExecStart"], ["/usr/local/bin/checkout-gateway"]);
    assert_eq!(unit["EnvironmentFile"], ["/etc/checkout-gateway.env"]);
    assert_eq!(unit["RestartPreventExitStatus"], ["2"]);
    assert_eq!(unit["DynamicUser"], ["yes"]);
    let readme = read("README.md");
    for must in ["/usr/local/bin/checkout-gateway", "/etc/checkout-gateway.env", "deploy/checkout-gateway.service", "deploy/checkout-gateway.env.example"] {
        assert!(readme.contains(must), "README should name {must}");
    }
    assert!(!readme.to_ascii_lowercase().contains("docker"), "no instructions for a container we don't build");

    // README's environment table lists exactly the variables the gateway reads.
    let table: Vec<String> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once('`').map(|(v, _)| v.to_string()))
        .filter(|v| v.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'))
        .collect();
    let mut listed = table.clone();
    listed.sort();
    listed.dedup();
    let mut real: Vec<String> = ENV_VARS.iter().map(|v| v.to_string()).collect();
    real.sort();
    assert_eq!(listed, real, "README's Environment table vs config::ENV_VARS");
}

/// `scripts/sandbox-uelz.env` (what `scripts/preview.sh` starts the gateway with, adding the
/// allowed origins) is a configuration the gateway accepts.
#[test]
fn the_preview_env_file_is_a_valid_configuration() {
    let text = std::fs::read_to_string(gateway_dir().join("../scripts/sandbox-uelz.env")).unwrap();
    let (mut vars, _) = env_file(&text);
    for var in vars.keys() {
        assert!(ENV_VARS.contains(&var.as_str()), "{var}");
    }
    let preview = std::fs::read_to_string(gateway_dir().join("../scripts/preview.sh")).unwrap();
    assert!(preview.contains("GATEWAY_ALLOWED_ORIGINS="), "preview.sh sets the origins");
    vars.insert("GATEWAY_ALLOWED_ORIGINS".into(), "http://127.0.0.1:8080,http://localhost:8080".into());
    let config = Config::from_lookup(|k| vars.get(k).cloned()).expect("preview's gateway starts");
    assert_eq!(config.uelz_base_url, "http://127.0.0.1:8787/uelz");
    assert_eq!(config.teamup_base.as_deref(), Some("http://127.0.0.1:8787/api/v2"));
}

/// systemd's own check of the unit, where systemd is installed (it is not needed to run the
/// tests; the checks above don't depend on it).
#[test]
fn systemd_accepts_the_unit_where_it_is_installed() {
    let Ok(out) = Command::new("systemd-analyze").arg("--version").output() else {
        eprintln!("systemd-analyze is not installed: skipped");
        return;
    };
    if !out.status.success() {
        eprintln!("systemd-analyze does not run here: skipped");
        return;
    }
    let dir = tempfile_dir("unit");
    let env = dir.join("checkout-gateway.env");
    std::fs::write(&env, read("deploy/checkout-gateway.env.example")).unwrap();
    let unit = read("deploy/checkout-gateway.service")
        .replace("/usr/local/bin/checkout-gateway", env!("CARGO_BIN_EXE_checkout-gateway"))
        .replace("/etc/checkout-gateway.env", env.to_str().unwrap());
    let path = dir.join("checkout-gateway.service");
    std::fs::write(&path, unit).unwrap();
    let out = Command::new("systemd-analyze").arg("verify").arg(&path).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    // It reports problems (an unknown key, a bad value) as lines naming the file, exit status or
    // not; a container's own units may draw warnings of their own, which are not ours.
    let ours: Vec<&str> = said.lines().filter(|l| l.contains(path.to_str().unwrap())).collect();
    assert!(out.status.success() && ours.is_empty(), "systemd-analyze verify:\n{said}");
}

fn tempfile_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("checkout-gateway-deploy-{what}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// README's command, `set -a; . FILE; set +a; BINARY`, in an otherwise empty environment.
fn run_from_env_file(file: &std::path::Path) -> std::process::Child {
    Command::new("bash")
        .arg("-c")
        .arg(r#"set -a; . "$1"; set +a; exec "$2""#)
        .arg("run")
        .arg(file)
        .arg(env!("CARGO_BIN_EXE_checkout-gateway"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bash runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_runs_from_the_env_file() {
    let sandbox = sandbox().await;
    let port = free_port();
    // The example file with the sandbox's values (what a studio does with its own).
    let example = read("deploy/checkout-gateway.env.example");
    let (values, _) = env_file(&example);
    let mut text = String::new();
    for (k, v) in &values {
        let v = match k.as_str() {
            "UELZ_BASE_URL" => format!("{}/uelz", sandbox.url()),
            "UELZ_API_KEY" => DEMO_KEY.into(),
            "UELZ_ORGANIZATION_ID" => DEMO_ORG.into(),
            "GATEWAY_ALLOWED_ORIGINS" => ORIGIN.into(),
            "GATEWAY_IDENTITY_SECRET" => IDENTITY_SECRET.into(),
            "GATEWAY_ADDR" => format!("127.0.0.1:{port}"),
            _ => v.clone(),
        };
        text += &format!("{k}={v}\n");
    }
    text += &format!("UELZ_CHECKOUT_URL={}/checkout\nUELZ_MERCHANT_ID={MERCHANT}\nCHECKOUT_GATEWAY_QUIET=1\n", sandbox.url());
    let dir = tempfile_dir("run");
    let file = dir.join("checkout-gateway.env");
    std::fs::write(&file, &text).unwrap();

    let mut child = run_from_env_file(&file);
    let stdout = child.stdout.take().unwrap();
    let first = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    });
    let line = tokio::time::timeout(Duration::from_secs(30), first).await.expect("it starts").unwrap().unwrap();
    assert_eq!(line.trim(), format!("checkout-gateway listening on http://127.0.0.1:{port}"));

    let base = format!("http://127.0.0.1:{port}");
    let c = client();
    let r = c.get(format!("{base}/v1/health")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = c.get(format!("{base}/v1/plans")).header("Origin", ORIGIN).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["access-control-allow-origin"], ORIGIN);
    let mut body = purchase_body(MONTHLY, "attempt-deploy-0001");
    body["customer"] = json!({"token": token_for(ALEX)});
    let r = c.post(format!("{base}/v1/purchases")).header("Origin", ORIGIN).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let recorded = sandbox.sandbox().unwrap().uelz_purchases();
    assert_eq!(recorded[0]["customer"], ALEX);
    assert_eq!(recorded[0]["merchant_id"], MERCHANT);

    // SIGTERM (systemd's stop) ends it cleanly.
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "it should stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");

    // A missing setting: exit 2 (the unit's RestartPreventExitStatus), naming it.
    std::fs::write(&file, text.replace("GATEWAY_TIMEZONE=Europe/Berlin\n", "")).unwrap();
    let mut child = run_from_env_file(&file);
    let status = child.wait().unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(err.contains("GATEWAY_TIMEZONE"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The block after `<!-- sign:NAME -->` in README.
fn readme_block(name: &str) -> String {
    let readme = read("README.md");
    let marker = format!("<!-- sign:{name} -->\n```");
    let at = readme.find(&marker).unwrap_or_else(|| panic!("README has no {name} signer"));
    let rest = &readme[at + marker.len()..];
    let body = &rest[rest.find('\n').unwrap() + 1..];
    body[..body.find("\n```").unwrap()].to_string()
}

fn run_signer(program: &str, args: &[&str], code: &str) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .arg(code)
        .env("GATEWAY_IDENTITY_SECRET", IDENTITY_SECRET)
        .output()
        .ok()?;
    assert!(out.status.success(), "{program}: {}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8(out.stdout).unwrap().trim().to_string())
}

#[test]
fn the_signing_examples_in_the_readme_make_tokens_the_gateway_accepts() {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let check = |what: &str, token: String| {
        let id = checkout_gateway::identity::verify(&[IDENTITY_SECRET.to_string()], &token, now);
        assert_eq!(id.as_deref(), Ok(ALEX), "{what}: {token}");
        let expires: i64 = token.split('.').nth(2).unwrap().parse().unwrap();
        assert!((now + 3590..=now + 3610).contains(&expires), "{what}: valid for an hour ({expires} vs {now})");
        // Signed with another secret, the gateway refuses it.
        assert!(checkout_gateway::identity::verify(&["another-secret-0123456789abcdef01234".into()], &token, now).is_err());
    };
    // Shell with openssl, and Node: both on every machine that builds the project.
    check("sh", run_signer("bash", &["-c"], &readme_block("sh")).expect("bash"));
    check("node", run_signer("node", &["-e"], &readme_block("node")).expect("node is installed by scripts/install.sh"));
    match run_signer("python3", &["-c"], &readme_block("python")) {
        Some(token) => check("python", token),
        None => eprintln!("python3 is not installed: the Python signer was not run"),
    }
}
