//! A stand-in for the CDN that serves the embed build to other origins, whose answers a test can
//! hold back, fail or cut off per file, and which records what became of each request (answered,
//! or given up by the browser while held: an aborted download).
//!
//! Plain HTTP/1.1 on 127.0.0.1, one request per connection (`Connection: close`), CORS for every
//! origin (the loader's module script and the wasm downloads are cross-origin, and SRI needs it).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the CDN does with requests whose path contains a given part.
#[derive(Clone, Debug, PartialEq)]
pub enum Rule {
    /// Answer only once the rule is lifted (`heal`): a download that never ends.
    Hold,
    /// Answer with this status and no body (e.g. 404: the file is gone).
    Status(u16),
    /// Close the connection without an answer: to the browser, a network failure (offline).
    CutOff,
}

/// What became of one request.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Answered(u16),
    CutOff,
    /// The browser closed the connection while its answer was held: it gave up (aborted).
    GivenUp,
    /// Still held.
    Waiting,
}

#[derive(Default)]
struct State {
    rules: Vec<(String, Rule)>,
    requests: Vec<(String, Outcome)>,
}

pub struct Cdn {
    url: String,
    state: Arc<Mutex<State>>,
    /// Bumped whenever the rules change, so held requests look again.
    changed: watch::Sender<u64>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Cdn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Cdn {
    /// Serves the files of `dir` on a free port.
    pub async fn serve(dir: PathBuf) -> Result<Cdn> {
        let listener = TcpListener::bind("127.0.0.1:0").await.context("binding the CDN's port")?;
        let url = format!("http://{}", listener.local_addr()?);
        let state = Arc::new(Mutex::new(State::default()));
        let (changed, _) = watch::channel(0u64);
        let (shared, notify) = (state.clone(), changed.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (dir, state, changed) = (dir.clone(), shared.clone(), notify.subscribe());
                tokio::spawn(async move {
                    let _ = answer(stream, &dir, &state, changed).await;
                });
            }
        });
        Ok(Cdn { url, state, changed, task })
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> &str {
        &self.url
    }

    /// From now on, requests whose path contains `part` meet `rule` (replacing an earlier rule for `part`).
    pub fn set(&self, part: &str, rule: Rule) {
        {
            let mut state = self.state.lock().unwrap();
            state.rules.retain(|(p, _)| p != part);
            state.rules.push((part.to_string(), rule));
        }
        self.changed.send_modify(|n| *n += 1);
    }

    /// Lifts the rule for `part`: held requests are answered, later ones served normally.
    pub fn heal(&self, part: &str) {
        self.state.lock().unwrap().rules.retain(|(p, _)| p != part);
        self.changed.send_modify(|n| *n += 1);
    }

    /// Every request so far, in order: its path and what became of it.
    pub fn requests(&self) -> Vec<(String, Outcome)> {
        self.state.lock().unwrap().requests.clone()
    }

    /// The requests whose path contains `part`.
    pub fn requests_for(&self, part: &str) -> Vec<Outcome> {
        self.requests().into_iter().filter(|(path, _)| path.contains(part)).map(|(_, o)| o).collect()
    }

    /// How many times each path was asked for.
    pub fn counts(&self) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for (path, _) in self.requests() {
            *counts.entry(path).or_default() += 1;
        }
        counts
    }
}

fn rule_for(state: &Mutex<State>, path: &str) -> Option<Rule> {
    let state = state.lock().unwrap();
    state.rules.iter().rev().find(|(part, _)| path.contains(part.as_str())).map(|(_, rule)| rule.clone())
}

fn record(state: &Mutex<State>, at: usize, outcome: Outcome) {
    state.lock().unwrap().requests[at].1 = outcome;
}

async fn answer(mut stream: TcpStream, dir: &std::path::Path, state: &Mutex<State>, mut changed: watch::Receiver<u64>) -> Result<()> {
    // The request head (a GET or HEAD carries no body).
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf)).await??;
        if n == 0 || head.len() > 64 * 1024 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&head);
    let mut words = text.split_whitespace();
    let (method, target) = (words.next().unwrap_or_default().to_string(), words.next().unwrap_or("/").to_string());
    let path = target.split(['?', '#']).next().unwrap_or("/").to_string();
    let at = {
        let mut state = state.lock().unwrap();
        state.requests.push((path.clone(), Outcome::Waiting));
        state.requests.len() - 1
    };
    loop {
        match rule_for(state, &path) {
            Some(Rule::Hold) => {
                tokio::select! {
                    _ = changed.changed() => continue,
                    read = stream.read(&mut buf) => {
                        // Nothing more is expected on this connection: it ended, so the browser gave up.
                        if matches!(read, Ok(0) | Err(_)) {
                            record(state, at, Outcome::GivenUp);
                            return Ok(());
                        }
                    }
                }
            }
            Some(Rule::CutOff) => {
                record(state, at, Outcome::CutOff);
                let _ = stream.shutdown().await;
                return Ok(());
            }
            Some(Rule::Status(status)) => {
                record(state, at, Outcome::Answered(status));
                return respond(&mut stream, status, "text/plain", b"", &method).await;
            }
            None => break,
        }
    }
    let file = dir.join(path.trim_start_matches('/'));
    let safe = !path.contains("..") && file.starts_with(dir);
    match tokio::fs::read(&file).await {
        Ok(body) if safe => {
            record(state, at, Outcome::Answered(200));
            respond(&mut stream, 200, content_type(&path), &body, &method).await
        }
        _ => {
            record(state, at, Outcome::Answered(404));
            respond(&mut stream, 404, "text/plain", b"not found", &method).await
        }
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("wasm") => "application/wasm",
        Some("js") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        _ => "application/octet-stream",
    }
}

async fn respond(stream: &mut TcpStream, status: u16, content_type: &str, body: &[u8], method: &str) -> Result<()> {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\naccess-control-allow-origin: *\r\ncache-control: no-store\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    if method != "HEAD" {
        stream.write_all(body).await?;
    }
    stream.flush().await?;
    let _ = stream.shutdown().await;
    Ok(())
}
