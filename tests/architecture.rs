//! The module graph of `src/`, read from the source: which top-level module imports which (every
//! `crate::<module>` path outside comments and `#[cfg(test)]` modules, `use crate::{a, b}` groups
//! included). It must have no cycle, the leaves must import only what docs/architecture.md says,
//! and the diagram there must be this graph, arrow for arrow.
//!
//! Native only: it reads the source files.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

/// What each leaf may import of the crate.
const LEAVES: [(&str, &[&str]); 4] = [("url", &[]), ("time", &[]), ("num", &[]), ("model", &["num", "time"])];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The length of a `#[cfg(test)]` or `#[cfg(all(test, …))]` attribute that `rest` starts with.
fn test_only_attribute(rest: &str) -> Option<usize> {
    if rest.starts_with("#[cfg(test)]") {
        Some("#[cfg(test)]".len())
    } else if rest.starts_with("#[cfg(all(test,") {
        rest.find(")]").map(|end| end + 2)
    } else {
        None
    }
}

/// The source without comments, string literals and `#[cfg(test)]` items (tests may reach
/// anywhere; they are not part of the widget).
fn code_only(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let bytes = source.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &source[i..];
        if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            i += rest.find("*/").map_or(rest.len(), |e| e + 2);
        } else if let Some(raw) = rest.strip_prefix("r#\"") {
            i += 3 + raw.find("\"#").map_or(raw.len(), |e| e + 2);
        } else if rest.starts_with('"') {
            let mut j = 1;
            while j < rest.len() && rest.as_bytes()[j] != b'"' {
                j += if rest.as_bytes()[j] == b'\\' { 2 } else { 1 };
            }
            i += (j + 1).min(rest.len());
        } else if rest.starts_with("'\"'") {
            i += 3;
        } else if let Some(attribute) = test_only_attribute(rest) {
            // Skip the attribute and the item it guards: up to its matching closing brace (or `;`).
            let mut depth = 0usize;
            let mut j = attribute;
            loop {
                match rest.as_bytes().get(j) {
                    None => break,
                    Some(b'{') => depth += 1,
                    Some(b'}') => {
                        depth -= 1;
                        if depth == 0 {
                            j += 1;
                            break;
                        }
                    }
                    Some(b';') if depth == 0 => {
                        j += 1;
                        break;
                    }
                    _ => {}
                }
                j += 1;
            }
            i += j;
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

fn ident(s: &str) -> &str {
    let end = s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(s.len());
    &s[..end]
}

/// The top-level modules `code` names through `crate::`.
fn imports(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue; // `some_crate::`
        }
        let after = code[at + "crate::".len()..].trim_start();
        if let Some(group) = after.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            // Top-level names of the group: the first segment of each comma-separated path.
            let mut depth = 0;
            let mut start = true;
            for (k, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && !c.is_whitespace() => {
                        found.insert(ident(&group[k..]).to_string());
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            found.insert(ident(after).to_string());
        }
    }
    found.retain(|m| !m.is_empty() && m != "self");
    found
}

fn graph_of(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut graph = Graph::new();
    for file in files {
        let relative = file.strip_prefix(src).unwrap();
        let first = relative.components().next().unwrap().as_os_str().to_str().unwrap();
        let module = first.strip_suffix(".rs").unwrap_or(first).to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        let code = code_only(&std::fs::read_to_string(&file).unwrap());
        let entry = graph.entry(module.clone()).or_default();
        entry.extend(imports(&code).into_iter().filter(|m| *m != module));
    }
    graph
}

/// A cycle in `graph` (its modules in order), if there is one.
fn cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(node: &str, graph: &Graph, path: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_string());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn edges(graph: &Graph) -> BTreeSet<(String, String)> {
    graph.iter().flat_map(|(from, to)| to.iter().map(move |t| (from.clone(), t.clone()))).collect()
}

#[test]
fn the_reader_finds_imports_and_the_checker_finds_cycles() {
    let code = code_only(
        "use crate::backend::http::Transport;\nuse crate::{i18n::Tr, url};\n// crate::ui in a comment\nlet s = \"crate::host\";\n\
         fn f() -> crate::time::Zone { other_crate::x() }\n#[cfg(test)]\nmod tests { use crate::redirect; }\n\
         #[cfg(all(test, target_arch = \"wasm32\"))]\nmod web { use crate::auth; }\n",
    );
    let found: Vec<String> = imports(&code).into_iter().collect();
    assert_eq!(found, ["backend", "i18n", "time", "url"]);
    let mut graph = Graph::new();
    graph.entry("a".into()).or_default().insert("b".into());
    graph.entry("b".into()).or_default().insert("c".into());
    assert_eq!(cycle(&graph), None);
    graph.entry("c".into()).or_default().insert("a".into());
    assert_eq!(cycle(&graph), Some(vec!["a".to_string(), "b".into(), "c".into(), "a".into()]));
}

#[test]
fn no_import_cycle_between_top_level_modules() {
    let graph = graph_of(&src());
    assert!(graph.len() >= 10, "read too few modules: {graph:?}");
    assert_eq!(cycle(&graph), None, "the module graph: {graph:#?}");
}

#[test]
fn the_leaves_import_nothing_but_each_other_as_designed() {
    let graph = graph_of(&src());
    for (leaf, allowed) in LEAVES {
        let imported: Vec<&str> = graph[leaf].iter().map(String::as_str).collect();
        assert_eq!(imported, allowed, "{leaf} imports {imported:?}");
    }
}

#[test]
fn the_architecture_diagram_is_the_module_graph() {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md")).unwrap();
    let start = doc.find("```mermaid\nflowchart").expect("a flowchart in docs/architecture.md");
    let block = &doc[start..start + doc[start..].find("\n```\n").unwrap()];
    let drawn: BTreeSet<(String, String)> = block
        .lines()
        .filter_map(|line| line.trim().split_once(" --> "))
        .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
        .collect();
    let actual = edges(&graph_of(&src()));
    let missing: Vec<_> = actual.difference(&drawn).collect();
    let extra: Vec<_> = drawn.difference(&actual).collect();
    assert!(missing.is_empty() && extra.is_empty(), "imports not drawn: {missing:?}; drawn but not imported: {extra:?}");
}
