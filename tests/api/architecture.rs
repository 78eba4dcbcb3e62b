//! The house drawn from the imports: no file or folder of `src/` imports one that imports it
//! back, and nothing below `graphql/` and `http/` names them. Read from the `use` lines and
//! `crate::` paths of the source itself, so the check follows the code as it is.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers that sit on top: only they, and the binary's wiring, may name the GraphQL and
/// HTTP layers.
const TOP: [&str; 5] = ["graphql", "http", "startup", "main", "lib"];

#[test]
fn no_file_imports_one_that_imports_it_back() {
    let graph = Graph::of_sources();
    let cycles = cycles(&graph.files);
    assert!(cycles.is_empty(), "files import each other: {cycles:?}");
}

#[test]
fn no_folder_imports_one_that_imports_it_back() {
    let graph = Graph::of_sources();
    let folders = graph.folders();
    let cycles = cycles(&folders);
    assert!(cycles.is_empty(), "folders import each other: {cycles:?}");
}

#[test]
fn no_module_and_its_parent_import_each_other() {
    // The checks above leave out a module naming its parent (`use super::X` of a `mod.rs`
    // item); a parent that names it back would make the pair a cycle all the same.
    let graph = Graph::of_sources();
    let both: Vec<&(String, String)> = graph
        .parents
        .iter()
        .filter(|(child, parent)| graph.files[parent].contains(child))
        .collect();
    assert!(
        both.is_empty(),
        "modules and their parents import each other: {both:?}"
    );
}

#[test]
fn nothing_below_graphql_and_http_names_them() {
    let graph = Graph::of_sources();
    let climbing: Vec<(String, String)> = graph
        .folders()
        .into_iter()
        .filter(|(from, _)| !TOP.contains(&from.as_str()))
        .flat_map(|(from, to)| to.into_iter().map(move |t| (from.clone(), t)))
        .filter(|(_, to)| to == "graphql" || to == "http")
        .collect();
    assert!(climbing.is_empty(), "arrows climbing back up: {climbing:?}");
}

#[test]
fn the_reader_finds_the_imports_it_checks() {
    // A reader that found nothing would pass every check above.
    let graph = Graph::of_sources();
    let http = &graph.files["http::graphql"];
    assert!(http.contains("graphql::budget"), "{http:?}");
    assert!(graph.files["choropleth::legend"].contains("stats::classify"));
    assert!(graph.files["choropleth"].contains("choropleth::gather"));
    assert!(graph
        .parents
        .contains(&("choropleth::autocorrelation".into(), "choropleth".into())));
    assert!(graph.files["survey::store"].contains("entity::answer"));
}

/// Modules of `src/` and the modules each names.
struct Graph {
    files: BTreeMap<String, BTreeSet<String>>,
    /// (module, its parent) where the module names its parent.
    parents: BTreeSet<(String, String)>,
}

impl Graph {
    fn of_sources() -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut sources = BTreeMap::new();
        for path in rust_files(&root) {
            let text = std::fs::read_to_string(&path).unwrap();
            // Unit tests may reach anywhere.
            let code = match text.find("#[cfg(test)]\nmod tests") {
                Some(at) => text[..at].to_owned(),
                None => text,
            };
            sources.insert(module_name(&root, &path), code);
        }
        let known: BTreeSet<String> = sources.keys().cloned().collect();
        let mut parents = BTreeSet::new();
        let files = sources
            .iter()
            .map(|(module, code)| {
                let all: BTreeSet<String> = paths(module, code)
                    .into_iter()
                    .filter_map(|p| resolve(&known, &p))
                    .filter(|target| target != module)
                    .collect();
                let (up, named): (BTreeSet<String>, BTreeSet<String>) = all
                    .into_iter()
                    .partition(|target| module.starts_with(&format!("{target}::")));
                if let Some((parent, _)) = module.rsplit_once("::") {
                    if up.contains(parent) {
                        parents.insert((module.clone(), parent.to_owned()));
                    }
                }
                (module.clone(), named)
            })
            .collect();
        Self { files, parents }
    }

    /// Folder to folder (a top-level file is a folder of its own).
    fn folders(&self) -> BTreeMap<String, BTreeSet<String>> {
        let top = |m: &str| m.split("::").next().unwrap_or(m).to_owned();
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, to) in &self.files {
            let entry = out.entry(top(from)).or_default();
            entry.extend(to.iter().map(|t| top(t)).filter(|t| *t != top(from)));
        }
        out
    }
}

/// Every set of nodes that reach each other (Tarjan's strongly connected components).
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        found: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let i = s.index.len();
        s.index.insert(v, i);
        s.low.insert(v, i);
        s.stack.push(v);
        for w in s.edges.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.stack.contains(&w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                component.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        found: Vec::new(),
    };
    for v in edges.keys() {
        if !state.index.contains_key(v.as_str()) {
            visit(&mut state, v);
        }
    }
    state.found
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// `src/http/graphql.rs` is `http::graphql`; `src/http/mod.rs` is `http`.
fn module_name(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap().with_extension("");
    let parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let parts = match parts.split_last() {
        Some((last, rest)) if last == "mod" => rest.to_vec(),
        _ => parts,
    };
    parts.join("::")
}

/// Every module path a file names, absolute: its `use` trees expanded, and `crate::` paths
/// written inline.
fn paths(module: &str, code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for statement in code.split(';') {
        let trimmed = statement.trim_start();
        let body = trimmed
            .strip_prefix("pub use ")
            .or_else(|| trimmed.strip_prefix("pub(crate) use "))
            .or_else(|| trimmed.strip_prefix("use "));
        if let Some(body) = body {
            let mut expanded = Vec::new();
            expand("", body.trim(), &mut expanded);
            // A path from a child module (`use gather::MapData` in a `mod.rs`), as from `self`.
            out.extend(expanded.into_iter().map(|p| {
                if p.starts_with("crate::") || p.starts_with("super::") || p.starts_with("self::") {
                    p
                } else {
                    format!("self::{p}")
                }
            }));
        }
    }
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        let tail = &rest[at..];
        if !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            let end = tail
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(tail.len());
            out.push(tail[..end].trim_end_matches(':').to_owned());
        }
        rest = &tail["crate::".len()..];
    }
    out.into_iter()
        .filter_map(|p| absolute(module, &p))
        .collect()
}

/// `a::{b, c::{d}}` as `a::b`, `a::c::d`.
fn expand(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    match tree.find('{') {
        None => {
            let head = tree.split(" as ").next().unwrap_or(tree).trim();
            out.push(format!("{prefix}{head}"));
        }
        Some(open) => {
            let head = &tree[..open];
            let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        expand(&format!("{prefix}{head}"), &inner[start..i], out);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            if !inner[start..].trim().is_empty() {
                expand(&format!("{prefix}{head}"), &inner[start..], out);
            }
        }
    }
}

/// A path from `crate`, `super` or `self` as a path from the crate root; others are not ours.
fn absolute(module: &str, path: &str) -> Option<String> {
    let mut parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
    let mut base: Vec<&str> = module.split("::").collect();
    match parts.first().copied() {
        Some("crate") => {
            parts.remove(0);
            Some(parts.join("::"))
        }
        Some("super") => {
            while parts.first() == Some(&"super") {
                parts.remove(0);
                base.pop();
            }
            base.extend(parts);
            Some(base.join("::"))
        }
        Some("self") => {
            parts.remove(0);
            base.extend(parts);
            Some(base.join("::"))
        }
        _ => None,
    }
}

/// The longest known module a path starts with.
fn resolve(known: &BTreeSet<String>, path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split("::").collect();
    (1..=parts.len())
        .rev()
        .map(|n| parts[..n].join("::"))
        .find(|candidate| known.contains(candidate))
}
