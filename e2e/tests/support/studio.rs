//! A studio's web site for one test: the release build's files plus generated host pages, served by an
//! in-process sandbox (API, payment page and the site on one origin).

use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use checkout_e2e::{build_site, dist_dir, host_page, HostElement};
use checkout_sandbox::{spawn, Config, Hostile, Running, Trick};
use fantoccini::Client;
use serde_json::{json, Value};

use super::pages::run_async_js;

/// The sandbox's demo catalogue (sandbox/README.md, "Demo data"): TeamUp memberships and a plan…
pub const PACK: u64 = 101;
pub const DROP_IN: u64 = 102;
pub const UNLIMITED_MONTHLY: u64 = 103;
pub const UNLIMITED_MONTHLY_PLAN: u64 = 1032;
/// … and Uelz plans (docs/contract.md §3).
pub const UELZ_MONTHLY: &str = "clpl0month1yun11m1ted00002";
pub const UELZ_CLASS_CARD: &str = "clpl0drop1n10card000000001";
pub const UELZ_REFORMER: &str = "clpl0reformerstart0000006";

pub struct Studio {
    running: Running,
    gateway: Option<checkout_gateway::Running>,
    site: tempfile::TempDir,
    hostile: Option<Hostile>,
}

/// The sandbox's demo Uelz credentials (contract §3): what a studio keeps in its gateway's environment.
pub const UELZ_API_KEY: &str = "uelz_sk_sandbox_7Hq2xVw9LmT4";
pub const UELZ_ORGANIZATION_ID: &str = "org_sandbox_riverside_5Kd8";
/// The secret the studio's server signs returning members' identities with (gateway README,
/// "Customer identity"), shared with the gateway.
pub const UELZ_IDENTITY_SECRET: &str = "e2e-studio-identity-secret-0123456789abcdef";

impl Studio {
    /// Demo data, 15-minute offers, `index.html` = the demo host element.
    pub async fn start() -> Result<Self> {
        Self::start_with(Config::demo(), &[]).await
    }

    /// `config` with `widget_dir` set to a copy of the release build in which `index.html` carries the
    /// demo host element and each of `pages` is written from dist/index.html with its own host element.
    pub async fn start_with(mut config: Config, pages: &[(&str, HostElement)]) -> Result<Self> {
        let site = tempfile::Builder::new()
            .prefix("checkout-e2e-site-")
            .tempdir()?;
        let mut all = vec![("index.html", HostElement::demo())];
        all.extend(pages.iter().cloned());
        build_site(&dist_dir(), site.path(), &all).map_err(|e| anyhow!("{e}"))?;
        config.widget_dir = Some(site.path().to_path_buf());
        let hostile = config.hostile.clone();
        let running = spawn(config).await.context("starting the sandbox")?;
        Ok(Studio {
            running,
            gateway: None,
            site,
            hostile,
        })
    }

    /// The demo studio in hostile mode (sandbox/README.md "Hostile mode") with `tricks` armed:
    /// its answers rewritten, and a foreign server on another port recording what reaches it.
    pub async fn hostile(config: Config, tricks: &[Trick], pages: &[(&str, HostElement)]) -> Result<Self> {
        Self::start_with(config.with_hostile(Hostile::new(tricks)), pages).await
    }

    /// Hostile mode's handle (arm other tricks, read the foreign server's requests).
    pub fn hostile_mode(&self) -> Result<&Hostile> {
        self.hostile.as_ref().ok_or_else(|| anyhow!("this studio is not in hostile mode"))
    }

    /// Demo data plus the gateway in front of the sandbox's Uelz (and, as its TeamUp pass-through,
    /// the sandbox's TeamUp), allowed for this site's origin, and
    /// `uelz.html` with a Uelz-mode host element; `pages` get the gateway's `/v1` URL to build more.
    pub async fn with_gateway(pages: impl FnOnce(&str) -> Vec<(&'static str, HostElement)>) -> Result<Self> {
        let mut studio = Self::start().await?;
        let origin = studio.origin();
        let mut config = checkout_gateway::Config::new(format!("{origin}/uelz"), UELZ_API_KEY, UELZ_ORGANIZATION_ID)
            .with_allowed_origins([origin.as_str()]);
        config.checkout_url = format!("{origin}/checkout");
        config.merchant_id = Some("mer_riverside_01".into());
        config.identity_secrets = vec![UELZ_IDENTITY_SECRET.into()];
        // The same-site TeamUp pass-through (`<gateway>/v1/teamup`), in front of the sandbox's TeamUp.
        config.teamup_base = Some(format!("{origin}/api/v2"));
        let gateway = checkout_gateway::spawn(config).await.context("starting the gateway")?;
        let api = format!("{}/v1", gateway.url().trim_end_matches('/'));
        let mut all = vec![("uelz.html", HostElement::uelz(&api))];
        all.extend(pages(&api));
        let index = std::fs::read_to_string(studio.site.path().join("index.html"))?;
        // The hosted checkout is the sandbox, on another port than the gateway: the widget sends
        // customers only to a host *and port* it is told of.
        let checkout_host = origin.trim_start_matches("http://").to_string();
        for (name, host) in &all {
            let host = match host.get("data-payment-hosts") {
                None if host.get("data-backend") == Some(Some("uelz")) => host.clone().with("data-payment-hosts", &checkout_host),
                _ => host.clone(),
            };
            let html = host_page(&index, &host).map_err(|e| anyhow!("{e}"))?;
            std::fs::write(studio.site.path().join(name), html)?;
        }
        studio.gateway = Some(gateway);
        Ok(studio)
    }

    /// The gateway's base URL (`http://127.0.0.1:PORT/v1`).
    pub fn gateway_api(&self) -> Result<String> {
        let gateway = self.gateway.as_ref().ok_or_else(|| anyhow!("this studio has no gateway"))?;
        Ok(format!("{}/v1", gateway.url().trim_end_matches('/')))
    }

    /// Writes a page of the studio's own (e.g. one that frames the widget's page).
    pub fn write_page(&self, name: &str, html: &str) -> Result<()> {
        std::fs::write(self.site.path().join(name), html)?;
        Ok(())
    }

    /// The built site's directory (what the browser can download).
    pub fn site_dir(&self) -> &std::path::Path {
        self.site.path()
    }

    fn sandbox(&self) -> Result<checkout_sandbox::Sandbox> {
        self.running.sandbox().ok_or_else(|| anyhow!("not a sandbox (static site)"))
    }

    /// What the sandbox's OAuth server has done so far (codes issued and exchanged, refreshes…).
    pub fn oauth_stats(&self) -> Result<checkout_sandbox::OAuthStats> {
        Ok(self.sandbox()?.oauth_stats())
    }

    /// The studio's data as the sandbox holds it now (bookings included).
    pub fn data(&self) -> Result<checkout_sandbox::StudioData> {
        Ok(self.sandbox()?.data())
    }

    /// The purchases the sandbox's Uelz has recorded (`GET /__sandbox/uelz/purchases`).
    pub fn uelz_purchases(&self) -> Result<Vec<Value>> {
        Ok(self.sandbox()?.uelz_purchases())
    }

    /// The next `times` requests to `route` (e.g. `uelz.purchases.create`) suffer `fault`.
    pub fn inject_fault(&self, route: &str, fault: &str, times: u32) -> Result<()> {
        self.sandbox()?.inject_fault(route, fault, times);
        Ok(())
    }

    /// Like [`Studio::start`] but offers lapse after `lifetime`.
    pub async fn with_offer_lifetime(lifetime: Duration) -> Result<Self> {
        let mut config = Config::demo();
        config.offer_lifetime = lifetime;
        Self::start_with(config, &[]).await
    }

    /// `http://127.0.0.1:PORT`
    pub fn origin(&self) -> String {
        self.running.url().trim_end_matches('/').to_string()
    }

    /// Absolute URL of `path` on the studio's site (e.g. `/`, `/no-provider.html`).
    pub fn url(&self, path: &str) -> String {
        format!("{}/{}", self.origin(), path.trim_start_matches('/'))
    }

    /// The purchases the sandbox has recorded, as the JSON of `GET /__sandbox/purchases`.
    pub fn purchases(&self) -> Result<Vec<Value>> {
        let sandbox = self
            .running
            .sandbox()
            .ok_or_else(|| anyhow!("not a sandbox (static site)"))?;
        let records = serde_json::to_value(sandbox.purchases())?;
        match records {
            Value::Array(items) => Ok(items),
            other => Err(anyhow!("purchases are not a list: {other}")),
        }
    }

    /// The one purchase recorded; fails if there are none or several.
    pub fn only_purchase(&self) -> Result<Value> {
        let mut all = self.purchases()?;
        if all.len() != 1 {
            return Err(anyhow!(
                "expected exactly one purchase, the sandbox has {}: {}",
                all.len(),
                Value::Array(all)
            ));
        }
        Ok(all.remove(0))
    }
}

/// A same-origin call to one of the sandbox's test hooks (`/__sandbox/…`), from the page the
/// browser is on (a page of the studio's origin); fails unless the answer is 2xx. Returns
/// `{status, text}`.
pub async fn hook(c: &Client, method: &str, path: &str, body: Option<Value>) -> Result<Value> {
    let script = r#"
const [method, path, body] = args;
const init = { method };
if (body !== null) { init.headers = { 'Content-Type': 'application/json' }; init.body = JSON.stringify(body); }
const res = await fetch(path, init);
const text = await res.text();
return { status: res.status, text };
"#;
    let out = run_async_js(c, script, vec![json!(method), json!(path), body.unwrap_or(Value::Null)]).await?;
    let status = out.get("status").and_then(Value::as_u64).unwrap_or(0);
    anyhow::ensure!((200..300).contains(&status), "{method} {path}: {out}");
    Ok(out)
}

/// Arms a sandbox fault (`POST /__sandbox/faults`) with options such as `{"ms": 4000}`.
pub async fn arm_fault(c: &Client, route: &str, fault: &str, times: u32, options: Value) -> Result<()> {
    let mut body = options;
    body["route"] = json!(route);
    body["fault"] = json!(fault);
    body["times"] = json!(times);
    hook(c, "POST", "/__sandbox/faults", Some(body)).await.with_context(|| format!("arming {fault} on {route}"))?;
    Ok(())
}

/// Disarms every sandbox fault (`DELETE /__sandbox/faults`).
pub async fn clear_faults(c: &Client) -> Result<()> {
    hook(c, "DELETE", "/__sandbox/faults", None).await.context("clearing the faults")?;
    Ok(())
}
