//! Minimal server-rendered HTML: one escaping function and one page shell. Every value that
//! reaches a page goes through `esc`.

pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root { color-scheme: light; --ink: #1d2433; --muted: #5b6475; --line: #e3e7ee; --accent: #0f6b5c;
        --accent-ink: #fff; --bg: #f4f6f9; --warn: #9a3412; --warn-bg: #fff4ed; }
* { box-sizing: border-box; }
body { margin: 0; min-height: 100vh; background: var(--bg); color: var(--ink);
       font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       display: flex; align-items: flex-start; justify-content: center; padding: 3rem 1rem; }
main { width: 100%; max-width: 34rem; background: #fff; border: 1px solid var(--line); border-radius: 14px;
       box-shadow: 0 6px 24px rgba(29, 36, 51, .06); padding: 2rem; }
.studio { margin: 0 0 .25rem; color: var(--accent); font-weight: 600; letter-spacing: .02em; }
h1 { margin: 0 0 1.25rem; font-size: 1.5rem; line-height: 1.25; }
.note { margin: 0 0 1.5rem; padding: .5rem .75rem; background: #eef6f4; border-radius: 8px; color: var(--muted); font-size: .875rem; }
dl { margin: 0 0 1.25rem; }
dl > div { display: grid; grid-template-columns: 9rem 1fr; gap: 1rem; padding: .6rem 0; border-bottom: 1px solid var(--line); }
dt { color: var(--muted); }
dd { margin: 0; }
dd small { display: block; color: var(--muted); }
dl > div.total { border-bottom: 0; font-weight: 700; font-size: 1.125rem; }
dl > div.total dt { color: var(--ink); white-space: nowrap; }
.hold { margin: 0 0 1.5rem; color: var(--muted); }
.hold strong { color: var(--ink); font-variant-numeric: tabular-nums; }
.hold.lapsed, .lapsed-note { color: var(--warn); }
form { display: flex; gap: .75rem; flex-wrap: wrap; }
button { font: inherit; font-weight: 600; border-radius: 10px; padding: .7rem 1.4rem; cursor: pointer; border: 1px solid transparent; }
button.pay { background: var(--accent); color: var(--accent-ink); }
button.cancel { background: #fff; color: var(--ink); border-color: var(--line); }
button:disabled { opacity: .5; cursor: not-allowed; }
button:focus-visible, a:focus-visible { outline: 3px solid #7cc4b6; outline-offset: 2px; }
.message { font-size: 1.125rem; margin: 0 0 1.25rem; }
.message.warn { background: var(--warn-bg); color: var(--warn); padding: .75rem 1rem; border-radius: 8px; }
a { color: var(--accent); }
.who { margin: 1.5rem 0 0; font-size: .875rem; color: var(--muted); }
code { font-size: .875em; background: var(--bg); padding: .1em .3em; border-radius: 4px; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
td, th { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
"#;

/// A complete page. `title` and `body` must already be escaped where they hold data.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex\">\n<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n\
         <body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            super::esc(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#x27;Jerry&#x27;&lt;/a&gt;"
        );
    }
}
