//! The layers of `src/` call one way down, and no module imports its way
//! back to itself. This test reads every `crate::…` and `super::…` path in
//! `src/` (outside `#[cfg(test)]` blocks), resolves it to the module it
//! names, and fails on
//! - an import cycle between modules (files), printing the cycle, and
//! - an edge that goes up or sideways between layers:
//!   `web` → `app` → `dispatch` → `store` → `domain`, with `platform` (the
//!   runtime's randomness, crypto and clock) usable from every layer but
//!   `domain`, and `domain` using nothing.
//!
//! Edges still to be moved down are listed in `KNOWN_SHORTCUTS`; the test
//! fails when one disappears too (so the list only ever shrinks).

// A test binary: a file that cannot be read is a failed test.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Lower rank = lower layer. An edge must go to a strictly lower rank, or
/// stay inside its own layer.
fn rank(layer: &str) -> Option<u8> {
    Some(match layer {
        "domain" => 0,
        "platform" => 1,
        "store" => 2,
        "dispatch" => 3,
        "app" => 4,
        "web" => 5,
        _ => return None,
    })
}

/// Edges from `web` pages straight to `store`, to be moved behind `app`
/// use cases (issue 8's next step). Format: "from -> to".
const KNOWN_SHORTCUTS: &[&str] = &[];

fn module_of(path: &Path, src: &Path) -> String {
    let rel = path.strip_prefix(src).unwrap_or(path).with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().map(String::as_str) == Some("mod")
        || parts.last().map(String::as_str) == Some("lib")
    {
        parts.pop();
    }
    parts.join("::")
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its `#[cfg(test)]` items (tests may reach
/// anywhere) and without comments.
fn code_outside_tests(text: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    let mut depth: i64 = 0;
    let mut pending_test_attr = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("//") {
            continue;
        }
        if skipping {
            depth += line.matches('{').count() as i64 - line.matches('}').count() as i64;
            if depth <= 0 && line.contains('}') {
                skipping = false;
            }
            continue;
        }
        if trimmed.starts_with("#[cfg(test)]") {
            pending_test_attr = true;
            continue;
        }
        if pending_test_attr {
            pending_test_attr = false;
            if trimmed.ends_with(';') {
                continue; // `mod tests;` in another file: that file is skipped by name
            }
            depth = line.matches('{').count() as i64 - line.matches('}').count() as i64;
            skipping = depth > 0;
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Every path written as `crate::a::b…` or `super::…` (also inside `use`
/// groups such as `use super::{a, b}`), resolved against `module`.
fn referenced_paths(code: &str, module: &str) -> Vec<String> {
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    for start in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(i) = code[from..].find(start) {
            let at = from + i;
            from = at + start.len();
            if at > 0
                && (bytes[at - 1].is_ascii_alphanumeric()
                    || bytes[at - 1] == b'_'
                    || bytes[at - 1] == b':')
            {
                continue;
            }
            // Read `a::b::c` or `a::{b, c::d}` after the prefix.
            let rest = &code[at..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            let mut head = rest[..end].trim_end_matches(':').to_string();
            let mut tails = vec![String::new()];
            if rest[end..].starts_with('{') && rest[..end].ends_with("::") {
                let close = rest[end..].find('}').map(|c| end + c).unwrap_or(rest.len());
                tails = rest[end + 1..close]
                    .split(',')
                    .map(|t| {
                        t.trim()
                            .split(" as ")
                            .next()
                            .unwrap_or("")
                            .trim()
                            .to_string()
                    })
                    .filter(|t| !t.is_empty() && t != "self")
                    .map(|t| format!("::{t}"))
                    .collect();
                tails.push(String::new());
            }
            // Resolve `super::` against the module.
            let mut base: Vec<&str> = if head.starts_with("crate::") {
                head = head.trim_start_matches("crate::").to_string();
                Vec::new()
            } else {
                module.split("::").filter(|s| !s.is_empty()).collect()
            };
            while let Some(r) = head
                .strip_prefix("super::")
                .or_else(|| (head == "super").then_some(""))
            {
                base.pop();
                head = r.to_string();
            }
            for tail in &tails {
                let mut parts: Vec<String> = base.iter().map(|s| s.to_string()).collect();
                parts.extend(head.split("::").filter(|s| !s.is_empty()).map(String::from));
                parts.extend(tail.split("::").filter(|s| !s.is_empty()).map(String::from));
                found.push(parts.join("::"));
            }
        }
    }
    found
}

/// The longest known module that `path` names (a path to an item names the
/// module that holds it).
fn target_module(path: &str, modules: &BTreeSet<String>) -> Option<String> {
    let parts: Vec<&str> = path.split("::").collect();
    (1..=parts.len())
        .rev()
        .map(|n| parts[..n].join("::"))
        .find(|m| modules.contains(m))
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(f, &src)).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let module = module_of(file, &src);
        if module.ends_with("_tests") || module.ends_with("::tests") {
            continue;
        }
        let code = code_outside_tests(&fs::read_to_string(file).unwrap());
        let entry = edges.entry(module.clone()).or_default();
        for path in referenced_paths(&code, &module) {
            if let Some(target) = target_module(&path, &modules) {
                // A module naming its own children (`pub use error::AppError`)
                // or itself is not a dependency on the outside.
                if target != module
                    && !target.is_empty()
                    && !target.starts_with(&format!("{module}::"))
                {
                    entry.insert(target);
                }
            }
        }
    }
    edges
}

fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_string(), 1);
        stack.push(node.to_string());
        for next in edges.get(node).into_iter().flatten() {
            match state.get(next.as_str()) {
                Some(1) => {
                    let from = stack.iter().position(|m| m == next).unwrap_or(0);
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(next, edges, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(node.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in edges.keys() {
        if !state.contains_key(node.as_str()) {
            if let Some(c) = visit(node, edges, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

fn layer(module: &str) -> &str {
    module.split("::").next().unwrap_or(module)
}

#[test]
fn no_module_imports_its_way_back_to_itself() {
    let edges = graph();
    assert!(edges.len() > 40, "read only {} modules", edges.len());
    if let Some(cycle) = find_cycle(&edges) {
        panic!("import cycle: {}", cycle.join(" -> "));
    }
}

#[test]
fn layers_call_only_down() {
    let mut wrong = BTreeSet::new();
    for (from, targets) in graph() {
        for to in targets {
            let (a, b) = (layer(&from), layer(&to));
            // The JSON API and the pages both call `app`, never each other.
            let area = |m: &str| m.split("::").nth(1).map(String::from);
            if a == "web" && b == "web" {
                let (x, y) = (area(&from), area(&to));
                if matches!(
                    (x.as_deref(), y.as_deref()),
                    (Some("api"), Some("pages")) | (Some("pages"), Some("api"))
                ) {
                    wrong.insert(format!("{from} -> {to}"));
                }
                continue;
            }
            if a == b || a.is_empty() {
                continue;
            }
            let ok = match (rank(a), rank(b)) {
                (Some(ra), Some(rb)) => ra > rb && a != "domain",
                _ => true, // lib.rs (the entry points) may call anything
            };
            if !ok {
                wrong.insert(format!("{from} -> {to}"));
            }
        }
    }
    let known: BTreeSet<String> = KNOWN_SHORTCUTS.iter().map(|s| s.to_string()).collect();
    let new: Vec<_> = wrong.difference(&known).collect();
    let gone: Vec<_> = known.difference(&wrong).collect();
    assert!(new.is_empty(), "edges that go up or sideways: {new:#?}");
    assert!(
        gone.is_empty(),
        "fixed shortcuts to drop from KNOWN_SHORTCUTS: {gone:#?}"
    );
}

#[test]
fn the_checker_sees_a_cycle_and_resolves_super_and_groups() {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    edges.entry("a".into()).or_default().insert("b".into());
    edges.entry("b".into()).or_default().insert("a".into());
    assert_eq!(
        find_cycle(&edges),
        Some(vec!["a".into(), "b".into(), "a".into()])
    );
    let paths = referenced_paths(
        "use super::{read::check, AppError};\nuse crate::store::Db;",
        "app::act",
    );
    assert!(paths.contains(&"app::read::check".to_string()), "{paths:?}");
    assert!(paths.contains(&"app::AppError".to_string()), "{paths:?}");
    assert!(paths.contains(&"store::Db".to_string()), "{paths:?}");
    let code = code_outside_tests(
        "use crate::a;\n#[cfg(test)]\nmod tests {\n    use crate::b;\n}\nuse crate::c;\n",
    );
    assert!(
        code.contains("crate::a") && code.contains("crate::c") && !code.contains("crate::b"),
        "{code}"
    );
}
