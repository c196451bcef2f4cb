//! axe-core (npm `axe-core`, pinned in package.json, installed into node_modules/ by
//! scripts/install.sh) run in the page on the widget's host element. axe follows open shadow roots,
//! so the whole widget is checked, in whatever state the test has put it.
//!
//! Only the WCAG 2.0/2.1/2.2 A and AA rules run (`runOnly` tags [`WCAG_TAGS`]), plus `target-size`
//! (WCAG 2.2 2.5.8, AA), which axe ships disabled. Results axe can't decide ("incomplete", e.g.
//! contrast over a gradient) don't fail a check; they are printed so a reader can look.

use std::sync::OnceLock;

use anyhow::{anyhow, bail, Context, Result};
use fantoccini::Client;
use serde_json::{json, Value};

use super::pages::run_async_js;

/// The axe tags a check runs.
pub const WCAG_TAGS: &[&str] = &["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

static SOURCE: OnceLock<std::result::Result<String, String>> = OnceLock::new();

/// node_modules/axe-core/axe.min.js, read once per test binary.
fn source() -> Result<&'static str> {
    SOURCE
        .get_or_init(|| {
            let path = checkout_e2e::workspace_dir().join("node_modules/axe-core/axe.min.js");
            std::fs::read_to_string(&path).map_err(|e| {
                format!(
                    "cannot read {}: {e}. Install the npm tools (scripts/install.sh, or `npm ci` at the \
                     workspace root): axe-core is pinned in package.json",
                    path.display()
                )
            })
        })
        .as_ref()
        .map(String::as_str)
        .map_err(|e| anyhow!("{e}"))
}

/// Puts axe into the current document, unless it is there already (each navigation needs it again).
pub async fn inject(c: &Client) -> Result<()> {
    let present = c.execute("return typeof window.axe === 'object' && typeof window.axe.run === 'function';", vec![]).await?;
    if present == json!(true) {
        return Ok(());
    }
    c.execute(&format!("{}\n;return true;", source()?), vec![])
        .await
        .context("injecting axe-core into the page")?;
    let version = c.execute("return window.axe && window.axe.version;", vec![]).await?;
    if !version.is_string() {
        bail!("axe-core did not define window.axe after injection");
    }
    Ok(())
}

/// One element a rule failed on.
#[derive(Debug, Clone)]
pub struct Node {
    /// Selector path: host element, then `>>>` into its shadow root.
    pub target: String,
    pub html: String,
    pub failure_summary: String,
}

/// One failed axe rule with the elements it failed on.
#[derive(Debug, Clone)]
pub struct Violation {
    pub id: String,
    pub impact: String,
    pub help: String,
    pub help_url: String,
    pub tags: Vec<String>,
    pub nodes: Vec<Node>,
}

/// What one axe run found.
#[derive(Debug, Clone, Default)]
pub struct AxeResult {
    pub violations: Vec<Violation>,
    /// Rules axe could not decide (reported, not failed).
    pub incomplete: Vec<Violation>,
    /// How many rules passed.
    pub passes: usize,
}

fn target_text(target: &Value) -> String {
    match target {
        Value::Array(parts) => parts.iter().map(target_text).collect::<Vec<_>>().join(" >>> "),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn parse_rules(list: &Value) -> Vec<Violation> {
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    list.as_array()
        .map(|rules| {
            rules
                .iter()
                .map(|r| Violation {
                    id: text(r, "id"),
                    impact: text(r, "impact"),
                    help: text(r, "help"),
                    help_url: text(r, "helpUrl"),
                    tags: r["tags"]
                        .as_array()
                        .map(|t| t.iter().filter_map(Value::as_str).map(String::from).collect())
                        .unwrap_or_default(),
                    nodes: r["nodes"]
                        .as_array()
                        .map(|nodes| {
                            nodes
                                .iter()
                                .map(|n| Node {
                                    target: n["target"].as_array().map(|t| t.iter().map(target_text).collect::<Vec<_>>().join(", ")).unwrap_or_default(),
                                    html: text(n, "html"),
                                    failure_summary: text(n, "failureSummary"),
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Runs axe on the first element matching `host_css` (the widget's host; axe descends into its
/// open shadow root).
pub async fn run(c: &Client, host_css: &str) -> Result<AxeResult> {
    inject(c).await?;
    let script = r#"
const [hostCss, tags] = args;
const host = document.querySelector(hostCss);
if (!host) throw new Error('no element matches ' + hostCss);
const r = await axe.run(host, {
  runOnly: { type: 'tag', values: tags },
  rules: { 'target-size': { enabled: true } },
  resultTypes: ['violations', 'incomplete'],
});
const slim = list => list.map(v => ({
  id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, tags: v.tags,
  nodes: v.nodes.map(n => ({ target: n.target, html: n.html, failureSummary: n.failureSummary })),
}));
return { violations: slim(r.violations), incomplete: slim(r.incomplete), passes: r.passes.length };
"#;
    let out = run_async_js(c, script, vec![json!(host_css), json!(WCAG_TAGS)])
        .await
        .context("running axe-core")?;
    Ok(AxeResult {
        violations: parse_rules(&out["violations"]),
        incomplete: parse_rules(&out["incomplete"]),
        passes: out["passes"].as_u64().unwrap_or(0) as usize,
    })
}

/// A readable list: rule id, impact, help, and for each element its selector and axe's summary.
pub fn describe(state: &str, violations: &[Violation]) -> String {
    let mut out = format!("axe: {} violation(s) in state \"{state}\":\n", violations.len());
    for v in violations {
        out.push_str(&format!("  - {} [{}] {} ({})\n", v.id, v.impact, v.help, v.help_url));
        for n in &v.nodes {
            out.push_str(&format!("      at {}\n", n.target));
            out.push_str(&format!("         {}\n", n.html.chars().take(200).collect::<String>()));
            for line in n.failure_summary.lines() {
                out.push_str(&format!("         | {line}\n"));
            }
        }
    }
    out
}

/// Fails, with [`describe`]'s list, when axe finds any violation in the widget in `state`.
pub async fn ensure_clean(c: &Client, host_css: &str, state: &str) -> Result<()> {
    let result = check(c, host_css, state).await?;
    if !result.violations.is_empty() {
        bail!("{}", describe(state, &result.violations));
    }
    Ok(())
}

/// Runs axe and prints one line for `state` (plus what axe could not decide); does not fail.
pub async fn check(c: &Client, host_css: &str, state: &str) -> Result<AxeResult> {
    let result = run(c, host_css).await.with_context(|| format!("axe in state \"{state}\""))?;
    println!(
        "axe [{state}]: {} violation(s), {} rule(s) passed{}",
        result.violations.len(),
        result.passes,
        if result.incomplete.is_empty() {
            String::new()
        } else {
            format!(
                ", needs review: {}",
                result.incomplete.iter().map(|v| format!("{} ×{}", v.id, v.nodes.len())).collect::<Vec<_>>().join(", ")
            )
        }
    );
    Ok(result)
}

/// Collects axe results over many states, so one run lists every problem, then fails once.
#[derive(Default)]
pub struct Audit {
    failures: Vec<String>,
    states: Vec<String>,
}

impl Audit {
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks the widget in `host_css` in `state`; violations are kept for [`Audit::finish`].
    pub async fn check(&mut self, c: &Client, host_css: &str, state: &str) -> Result<()> {
        let result = check(c, host_css, state).await?;
        self.states.push(state.to_string());
        if !result.violations.is_empty() {
            self.failures.push(describe(state, &result.violations));
        }
        Ok(())
    }

    /// Fails with every state's violations, or says which states were clean.
    pub fn finish(self) -> Result<()> {
        if self.failures.is_empty() {
            println!("axe: no violations in {} state(s): {}", self.states.len(), self.states.join("; "));
            return Ok(());
        }
        bail!(
            "axe found violations in {} of {} state(s):\n{}",
            self.failures.len(),
            self.states.len(),
            self.failures.join("\n")
        )
    }
}
