//! A studio's web site for one test: the release build's files plus generated host pages, served by an
//! in-process sandbox (API, payment page and the site on one origin).

use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use checkout_e2e::{build_site, dist_dir, HostElement};
use checkout_sandbox::{spawn, Config, Running};
use serde_json::Value;

pub struct Studio {
    running: Running,
    _site: tempfile::TempDir,
}

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
        let running = spawn(config).await.context("starting the sandbox")?;
        Ok(Studio {
            running,
            _site: site,
        })
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
