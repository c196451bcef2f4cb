//! Fixture pages for the end-to-end suite (`e2e/tests/`).
//!
//! The browser tests run the release build in `dist/` (`E2E_DIST`, default `<workspace>/dist`): the
//! directory is copied into a temporary "studio site" and `index.html` is turned into host pages whose
//! widget element carries the attributes a test wants. The host element sits between two markers in
//! the preview page (`index.html` at the workspace root, kept as is by trunk):
//!
//! ```html
//! <!-- widget:start -->
//! <div data-membership-checkout data-api-base="/api/v2" ...></div>
//! <!-- widget:end -->
//! ```
//!
//! This module only deals with files (no browser, no server), so it is unit-tested by a plain
//! `cargo test`.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Marker before the host element in `index.html`.
pub const WIDGET_START: &str = "<!-- widget:start -->";
/// Marker after the host element in `index.html`.
pub const WIDGET_END: &str = "<!-- widget:end -->";

/// The workspace root (the parent of this crate).
pub fn workspace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("e2e crate lives inside the workspace")
        .to_path_buf()
}

/// The embed build under test: `E2E_EMBED` (relative to the workspace) or `<workspace>/dist-embed`.
pub fn embed_dir() -> PathBuf {
    match std::env::var_os("E2E_EMBED") {
        Some(dir) if !dir.is_empty() => workspace_dir().join(dir),
        _ => workspace_dir().join("dist-embed"),
    }
}

/// Cargo's target directory (`CARGO_TARGET_DIR` or `<workspace>/target`): screenshots and logs go there.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                workspace_dir().join(dir)
            }
        }
        None => workspace_dir().join("target"),
    }
}

/// The release build to test: `E2E_DIST` if set (relative to the workspace), else `<workspace>/dist`.
pub fn dist_dir() -> PathBuf {
    match std::env::var_os("E2E_DIST") {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                workspace_dir().join(dir)
            }
        }
        _ => workspace_dir().join("dist"),
    }
}

/// The widget's host element: a `<div>` with `data-*` attributes (contract §2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostElement {
    attrs: Vec<(String, Option<String>)>,
}

impl HostElement {
    /// The demo studio's widget: provider 100, Alex Runner's token, API on the same origin.
    pub fn demo() -> Self {
        HostElement { attrs: Vec::new() }
            .flag("data-membership-checkout")
            .with("data-api-base", "/api/v2")
            .with("data-provider-id", "100")
            .with("data-token", "demo-customer-token")
    }

    /// Sets (or replaces) an attribute with a value.
    /// The widget in Uelz mode, calling the studio's gateway at `gateway_url` (contract §5).
    pub fn uelz(gateway_url: &str) -> Self {
        HostElement { attrs: Vec::new() }
            .flag("data-membership-checkout")
            .with("data-backend", "uelz")
            .with("data-gateway-url", gateway_url)
    }

    pub fn with(mut self, name: &str, value: &str) -> Self {
        self.set(name, Some(value.to_owned()));
        self
    }

    /// Sets (or replaces) a boolean attribute, written without a value.
    pub fn flag(mut self, name: &str) -> Self {
        self.set(name, None);
        self
    }

    /// Removes an attribute.
    pub fn without(mut self, name: &str) -> Self {
        self.attrs.retain(|(n, _)| n != name);
        self
    }

    /// The attribute's value: `None` if absent, `Some(None)` for a flag.
    pub fn get(&self, name: &str) -> Option<Option<&str>> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_deref())
    }

    fn set(&mut self, name: &str, value: Option<String>) {
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "not an attribute name: {name:?}"
        );
        match self.attrs.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => self.attrs.push((name.to_owned(), value)),
        }
    }

    /// The element as HTML, attribute values escaped.
    pub fn to_html(&self) -> String {
        let mut html = String::from("<div");
        for (name, value) in &self.attrs {
            html.push(' ');
            html.push_str(name);
            if let Some(value) = value {
                html.push_str("=\"");
                html.push_str(&escape_attr(value));
                html.push('"');
            }
        }
        html.push_str("></div>");
        html
    }
}

fn escape_attr(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Why a host page could not be made.
#[derive(Debug, PartialEq, Eq)]
pub enum FixtureError {
    /// A marker is missing, repeated, or the end comes before the start.
    Markers(String),
}

impl fmt::Display for FixtureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FixtureError::Markers(why) => write!(
                f,
                "{why}: the preview page must wrap its widget host element in `{WIDGET_START}` and \
                 `{WIDGET_END}` (exactly once each) so that the e2e suite can swap it"
            ),
        }
    }
}

impl std::error::Error for FixtureError {}

/// `index_html` with the text between the markers replaced by `host` (the markers are kept).
pub fn host_page(index_html: &str, host: &HostElement) -> Result<String, FixtureError> {
    let start = unique(index_html, WIDGET_START)?;
    let end = unique(index_html, WIDGET_END)?;
    if end < start {
        return Err(FixtureError::Markers(format!(
            "`{WIDGET_END}` comes before `{WIDGET_START}`"
        )));
    }
    let inner_start = start + WIDGET_START.len();
    Ok(format!(
        "{}\n{}\n{}",
        &index_html[..inner_start],
        host.to_html(),
        &index_html[end..]
    ))
}

fn unique(html: &str, marker: &str) -> Result<usize, FixtureError> {
    let mut found = html.match_indices(marker).map(|(i, _)| i);
    match (found.next(), found.next()) {
        (Some(i), None) => Ok(i),
        (None, _) => Err(FixtureError::Markers(format!("no `{marker}` found"))),
        (Some(_), Some(_)) => Err(FixtureError::Markers(format!("`{marker}` found more than once"))),
    }
}

/// Copies `dist` into `site` and writes each `(file name, host element)` page made from `dist/index.html`.
pub fn build_site(
    dist: &Path,
    site: &Path,
    pages: &[(&str, HostElement)],
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let index_path = dist.join("index.html");
    let index = fs::read_to_string(&index_path).map_err(|e| {
        format!(
            "cannot read {}: {e}. Build the widget first (`trunk build --release`, or run \
             scripts/test.sh), or point E2E_DIST at a release build",
            index_path.display()
        )
    })?;
    copy_dir(dist, site)
        .map_err(|e| format!("copying {} to {}: {e}", dist.display(), site.display()))?;
    for (name, host) in pages {
        let page = host_page(&index, host)
            .map_err(|e| format!("{}: {e}", index_path.display()))?;
        fs::write(site.join(name), page)?;
    }
    Ok(())
}

/// Recursive copy of a directory's files (symbolic links are followed).
pub fn copy_dir(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if fs::metadata(entry.path())?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDEX: &str = "<html><body><h1>Riverside</h1>\n  <!-- widget:start -->\n  \
        <div data-membership-checkout data-api-base=\"/api/v2\"></div>\n  <!-- widget:end -->\n\
        <script type=\"module\" src=\"/app-123.js\"></script></body></html>";

    #[test]
    fn demo_host_element_has_the_contract_attributes() {
        assert_eq!(
            HostElement::demo().to_html(),
            "<div data-membership-checkout data-api-base=\"/api/v2\" data-provider-id=\"100\" \
             data-token=\"demo-customer-token\"></div>"
        );
    }

    #[test]
    fn with_replaces_and_without_removes() {
        let host = HostElement::demo()
            .with("data-provider-id", "200")
            .without("data-token")
            .with("data-locale", "de-DE");
        assert_eq!(host.get("data-provider-id"), Some(Some("200")));
        assert_eq!(host.get("data-token"), None);
        assert_eq!(host.get("data-membership-checkout"), Some(None));
        assert!(host.to_html().ends_with("data-provider-id=\"200\" data-locale=\"de-DE\"></div>"));
    }

    #[test]
    fn attribute_values_are_escaped() {
        let host = HostElement::demo().with("data-token", "a\"b<c>&d");
        assert!(host
            .to_html()
            .contains("data-token=\"a&quot;b&lt;c&gt;&amp;d\""));
    }

    #[test]
    fn host_page_replaces_only_the_text_between_the_markers() {
        let page = host_page(INDEX, &HostElement::demo().without("data-provider-id")).unwrap();
        assert!(page.starts_with("<html><body><h1>Riverside</h1>\n  <!-- widget:start -->\n<div "));
        assert!(page.contains("data-token=\"demo-customer-token\"></div>\n<!-- widget:end -->"));
        assert!(page.ends_with("<script type=\"module\" src=\"/app-123.js\"></script></body></html>"));
        assert!(!page.contains("data-provider-id"));
        assert_eq!(page.matches("data-membership-checkout").count(), 1);
    }

    #[test]
    fn host_page_reports_bad_markers() {
        let host = HostElement::demo();
        assert!(matches!(
            host_page("<body></body>", &host),
            Err(FixtureError::Markers(m)) if m.contains("no `<!-- widget:start -->`")
        ));
        let twice = format!("{WIDGET_START}{WIDGET_START}{WIDGET_END}");
        assert!(host_page(&twice, &host).is_err());
        let reversed = format!("{WIDGET_END} x {WIDGET_START}");
        let err = host_page(&reversed, &host).unwrap_err();
        assert!(err.to_string().contains("comes before"), "{err}");
    }

    #[test]
    fn build_site_copies_dist_and_writes_pages() {
        let base = std::env::temp_dir().join(format!("checkout-e2e-unit-{}", std::process::id()));
        let dist = base.join("dist");
        let site = base.join("site");
        fs::create_dir_all(dist.join("assets")).unwrap();
        fs::write(dist.join("index.html"), INDEX).unwrap();
        fs::write(dist.join("assets/app.wasm"), b"\0asm").unwrap();

        build_site(
            &dist,
            &site,
            &[
                ("index.html", HostElement::demo()),
                ("other.html", HostElement::demo().with("data-locale", "fr")),
            ],
        )
        .unwrap();

        assert_eq!(fs::read(site.join("assets/app.wasm")).unwrap(), b"\0asm");
        let index = fs::read_to_string(site.join("index.html")).unwrap();
        assert!(index.contains("data-provider-id=\"100\""));
        let other = fs::read_to_string(site.join("other.html")).unwrap();
        assert!(other.contains("data-locale=\"fr\""));

        let missing = build_site(&base.join("nope"), &base.join("site2"), &[]).unwrap_err();
        assert!(missing.to_string().contains("trunk build --release"), "{missing}");
        fs::remove_dir_all(&base).unwrap();
    }
}
