//! Headless Chromium through chromedriver: one driver per test binary, one browser session per test.

use std::future::Future;
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{mpsc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use fantoccini::elements::{Element, ElementRef};
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

/// How long a page object waits for something to appear (`E2E_WAIT_SECS`, default 10).
pub fn wait_timeout() -> Duration {
    std::env::var("E2E_WAIT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs_f64)
        .unwrap_or(Duration::from_secs(10))
}

/// Upper bound for one whole test, so that a hung browser cannot hang CI.
const TEST_TIMEOUT: Duration = Duration::from_secs(180);

/// Polls `check` every 100 ms until it yields `Some`, for up to [`wait_timeout`]. Errors while polling
/// (an element replaced mid-read, a page still navigating) count as "not yet"; the last one is reported.
pub async fn wait_for<T, F, Fut>(what: &str, mut check: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>>>,
{
    let timeout = wait_timeout();
    let deadline = Instant::now() + timeout;
    loop {
        let last_error = match check().await {
            Ok(Some(value)) => return Ok(value),
            Ok(None) => None,
            Err(err) => Some(err),
        };
        if Instant::now() >= deadline {
            return Err(match last_error {
                Some(err) => anyhow!("timed out after {timeout:?} waiting for {what} (last error: {err:#})"),
                None => anyhow!("timed out after {timeout:?} waiting for {what}"),
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// ---- chromedriver ---------------------------------------------------------------------------------

static DRIVER: OnceLock<std::result::Result<String, String>> = OnceLock::new();

/// The WebDriver URL: `E2E_WEBDRIVER_URL` if set, else a chromedriver started for this test binary.
fn webdriver_url() -> Result<String> {
    DRIVER
        .get_or_init(|| match std::env::var("E2E_WEBDRIVER_URL") {
            Ok(url) if !url.is_empty() => Ok(url),
            _ => start_chromedriver().map_err(|e| format!("{e:#}")),
        })
        .clone()
        .map_err(|e| anyhow!("chromedriver: {e}"))
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Starts `$CHROMEDRIVER` (default /usr/bin/chromedriver) on a free port. It is spawned from a thread
/// that lives as long as the process, with PR_SET_PDEATHSIG, so the kernel stops it when the test
/// binary exits, however it exits (pass, panic, Ctrl-C).
fn start_chromedriver() -> Result<String> {
    let bin = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    let port = free_port()?;
    let log_dir = checkout_e2e::target_dir().join("e2e-logs");
    std::fs::create_dir_all(&log_dir)?;
    let log_path = log_dir.join("chromedriver.log");
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("creating {}", log_path.display()))?;

    let mut cmd = Command::new(&bin);
    cmd.arg(format!("--port={port}"))
        // The customer is in New York, the demo studio in London: class times must name the
        // studio's zone, whatever zone the machine running the tests is in.
        .env("TZ", "America/New_York")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }

    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("chromedriver".into())
        .spawn(move || match cmd.spawn() {
            Ok(mut child) => {
                let _ = tx.send(Ok(()));
                let status = child.wait();
                eprintln!("[e2e] chromedriver exited: {status:?}");
            }
            Err(err) => {
                let _ = tx.send(Err(err));
            }
        })?;
    rx.recv()?
        .with_context(|| format!("starting {bin} (install it with scripts/install.sh)"))?;

    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() >= deadline {
            bail!(
                "{bin} did not listen on port {port} within 20 s (log: {})",
                log_path.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(format!("http://127.0.0.1:{port}"))
}

// ---- sessions -------------------------------------------------------------------------------------

/// The Chromium flags every session gets (plus a fresh `--user-data-dir`).
pub const CHROMIUM_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
];

/// One headless Chromium with its own profile directory.
pub struct Browser {
    pub client: Client,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn open() -> Result<Self> {
        let url = webdriver_url()?;
        let profile = tempfile::Builder::new()
            .prefix("checkout-e2e-chromium-")
            .tempdir()?;
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let binary = std::env::var("CHROME_BIN").unwrap_or_else(|_| "/usr/bin/chromium".into());

        let caps = json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "goog:chromeOptions": { "binary": binary, "args": args },
        });
        let caps = match caps {
            Value::Object(map) => map,
            _ => unreachable!(),
        };
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&url)
            .await
            .with_context(|| format!("opening a Chromium session through {url}"))?;
        client.set_window_size(1280, 900).await?;
        Ok(Browser {
            client,
            _profile: profile,
        })
    }

    /// Saves a screenshot and the page's HTML under target/e2e-screenshots/; returns where.
    pub async fn save_failure(&self, test: &str) -> Option<PathBuf> {
        let dir = checkout_e2e::target_dir().join("e2e-screenshots");
        std::fs::create_dir_all(&dir).ok()?;
        let limit = Duration::from_secs(10);
        if let Ok(Ok(html)) = tokio::time::timeout(limit, self.client.source()).await {
            let _ = std::fs::write(dir.join(format!("{test}.html")), html);
        }
        let png = tokio::time::timeout(limit, self.client.screenshot())
            .await
            .ok()?
            .ok()?;
        let path = dir.join(format!("{test}.png"));
        std::fs::write(&path, png).ok()?;
        Some(path)
    }

    pub async fn close(self) {
        let _ = tokio::time::timeout(Duration::from_secs(10), self.client.close()).await;
    }
}

/// Runs one browser test: opens a session, runs `body` with it, and on failure saves a screenshot
/// (target/e2e-screenshots/<name>.png) and the current URL before closing the session and failing.
pub async fn run<F, Fut>(name: &str, body: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = Result<()>> + Send + 'static,
{
    run_with_timeout(name, TEST_TIMEOUT, body).await
}

/// [`run`] for a long suite in one session (e.g. the fault matrix), with its own upper bound.
pub async fn run_with_timeout<F, Fut>(name: &str, limit: Duration, body: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: Future<Output = Result<()>> + Send + 'static,
{
    let browser = Browser::open()
        .await
        .unwrap_or_else(|e| panic!("{name}: no browser session: {e:#}"));
    let task = tokio::spawn(body(browser.client.clone()));
    let abort = task.abort_handle();
    let outcome = tokio::time::timeout(limit, task).await;

    let failure = match outcome {
        Ok(Ok(Ok(()))) => None,
        Ok(Ok(Err(err))) => Some(format!("{err:#}")),
        Ok(Err(join)) if join.is_panic() => Some(panic_message(join.into_panic())),
        Ok(Err(join)) => Some(join.to_string()),
        Err(_) => {
            abort.abort();
            Some(format!("test did not finish within {limit:?}"))
        }
    };
    if let Some(failure) = failure {
        let url = match tokio::time::timeout(Duration::from_secs(5), browser.client.current_url()).await {
            Ok(Ok(url)) => url.to_string(),
            _ => "?".into(),
        };
        let shot = browser.save_failure(name).await;
        browser.close().await;
        panic!(
            "{name} failed: {failure}\n  page: {url}\n  screenshot: {}",
            shot.map_or_else(|| "(none)".into(), |p| p.display().to_string())
        );
    }
    browser.close().await;
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => match payload.downcast::<&str>() {
            Ok(s) => s.to_string(),
            Err(_) => "panic".into(),
        },
    }
}

/// A Chrome DevTools Protocol command, sent through chromedriver's `goog/cdp/execute` endpoint.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base_url: &url::Url, session_id: Option<&str>) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!("session/{}/goog/cdp/execute", session_id.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({ "cmd": self.cmd, "params": self.params }).to_string()))
    }
}

/// Runs a Chrome DevTools command in the session's page and returns its result.
pub async fn cdp(c: &Client, cmd: &'static str, params: Value) -> Result<Value> {
    c.issue_cmd(Cdp { cmd, params }).await.with_context(|| format!("CDP {cmd}"))
}

/// Puts this session's page in `zone` (`Europe/Berlin`), whatever zone chromedriver runs in:
/// Chromium's own time zone override (CDP `Emulation.setTimezoneOverride`). It lasts for the tab,
/// across navigations.
pub async fn set_time_zone(c: &Client, zone: &str) -> Result<()> {
    cdp(c, "Emulation.setTimezoneOverride", json!({ "timezoneId": zone }))
        .await
        .with_context(|| format!("overriding the browser's time zone with {zone}"))?;
    Ok(())
}

/// Emulates a viewport of `width`×`height` CSS px at `scale` device pixels per CSS px.
pub async fn emulate_viewport(c: &Client, width: u32, height: u32, scale: f64) -> Result<()> {
    cdp(
        c,
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": width, "height": height, "deviceScaleFactor": scale, "mobile": false }),
    )
    .await?;
    Ok(())
}

/// Emulates CSS media features, e.g. `[("prefers-reduced-motion", "reduce")]`; empty clears them.
pub async fn emulate_media(c: &Client, features: &[(&str, &str)]) -> Result<()> {
    let features: Vec<Value> = features.iter().map(|(name, value)| json!({ "name": name, "value": value })).collect();
    cdp(c, "Emulation.setEmulatedMedia", json!({ "media": "", "features": features })).await?;
    Ok(())
}

/// An element returned by `client.execute(...)`, if the script returned one.
pub fn element_from_js(client: &Client, value: &Value) -> Option<Element> {
    let id = value
        .get("element-6066-11e4-a52e-4f735466cecf")
        .or_else(|| value.get("ELEMENT"))?
        .as_str()?;
    Some(Element::from_element_id(
        client.clone(),
        ElementRef::from(id.to_string()),
    ))
}

/// Runs `source` in every document this session opens from now on, before the page's own scripts
/// (CDP `Page.addScriptToEvaluateOnNewDocument`).
pub async fn add_init_script(c: &Client, source: &str) -> Result<()> {
    c.issue_cmd(Cdp { cmd: "Page.addScriptToEvaluateOnNewDocument", params: json!({ "source": source }) })
        .await
        .context("adding an init script to the session")?;
    Ok(())
}
