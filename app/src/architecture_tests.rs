//! The shape of the code, checked: no two modules import each other, directly or in a circle, and
//! no source file grows past 600 lines without a reason written at its top. Run over the sources
//! of every crate in the workspace.
//!
//! A module's imports are every `crate::`, `super::` and `self::` path in it (test modules and
//! comments aside), resolved to the deepest module they name. A module's use of its own
//! ancestors is not counted: a parent module is its children's namespace (`kinds/access.rs` uses
//! `kinds::KindDef`, and `kinds` lists `access`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 600;
/// What a file over the limit says in its first lines, followed by the reason.
const REASON: &str = "Longer than 600 lines:";

type Module = Vec<String>;

struct Source {
    module: Module,
    text: String,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn sources(src: &Path) -> Vec<Source> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let rel = path.strip_prefix(src).unwrap();
        let mut parts: Vec<String> = rel
            .iter()
            .map(|s| s.to_string_lossy().trim_end_matches(".rs").to_string())
            .collect();
        let last = parts.last().cloned().unwrap_or_default();
        // Test modules may use anything; they are not part of the layering.
        if last == "tests" || last.ends_with("_tests") || parts.iter().any(|p| p == "bin") {
            continue;
        }
        if matches!(last.as_str(), "mod" | "lib" | "main") {
            parts.pop();
        }
        let text = std::fs::read_to_string(&path).unwrap();
        out.push(Source {
            module: parts,
            text,
        });
    }
    out
}

/// The file without its comments and its inline `#[cfg(test)]` modules.
fn code(text: &str) -> String {
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let t = line.trim();
        if t == "#[cfg(test)]" && lines.peek().is_some_and(|n| n.trim().starts_with("mod ")) {
            let decl = lines.next().unwrap_or_default();
            if decl.trim_end().ends_with('{') {
                // An inline test module runs to the end of the file by convention here.
                break;
            }
            continue;
        }
        if t.starts_with("//") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Reads `a::b::{c, d::e}` from `s`, appending each full path to `out`.
fn read_tree(s: &[char], mut i: usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) -> usize {
    let mut path = prefix;
    loop {
        while i < s.len() && s[i].is_whitespace() {
            i += 1;
        }
        if i < s.len() && s[i] == '{' {
            i += 1;
            loop {
                while i < s.len() && (s[i].is_whitespace() || s[i] == ',') {
                    i += 1;
                }
                if i >= s.len() || s[i] == '}' {
                    return i + 1;
                }
                let before = i;
                i = read_tree(s, i, path.clone(), out);
                if i == before {
                    i += 1;
                }
            }
        }
        let start = i;
        while i < s.len() && is_ident(s[i]) {
            i += 1;
        }
        if start == i {
            out.push(path);
            return i;
        }
        let seg: String = s[start..i].iter().collect();
        if seg != "self" || path.is_empty() {
            path.push(seg);
        }
        if i + 1 < s.len() && s[i] == ':' && s[i + 1] == ':' {
            i += 2;
        } else {
            out.push(path);
            return i;
        }
    }
}

/// Every path in the code that starts at `crate`, `super` or `self`.
fn paths(code: &str) -> Vec<Vec<String>> {
    let s: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let at_word = i == 0 || !is_ident(s[i - 1]) && s[i - 1] != ':';
        if at_word {
            for root in ["crate::", "super::", "self::"] {
                let r: Vec<char> = root.chars().collect();
                if s[i..].starts_with(&r) {
                    let mut found = Vec::new();
                    let end = read_tree(&s, i, Vec::new(), &mut found);
                    out.extend(found);
                    i = end.max(i + 1);
                    break;
                }
            }
        }
        i += 1;
    }
    out
}

/// The module a path names, as absolute segments, before finding the deepest real module.
fn absolute(from: &Source, path: &[String]) -> Module {
    let mut base: Module = from.module.clone();
    let mut rest = path;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        _ => {}
    }
    while rest.first().map(String::as_str) == Some("super") {
        base.pop();
        rest = &rest[1..];
    }
    base.extend(rest.iter().cloned());
    base
}

fn graph(srcs: &[Source]) -> BTreeMap<Module, BTreeSet<Module>> {
    let known: BTreeSet<Module> = srcs.iter().map(|s| s.module.clone()).collect();
    let mut g: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for s in srcs {
        let edges = g.entry(s.module.clone()).or_default();
        for p in paths(&code(&s.text)) {
            let mut target = absolute(s, &p);
            while !target.is_empty() && !known.contains(&target) {
                target.pop();
            }
            let ancestor = s.module.starts_with(&target);
            if !ancestor {
                edges.insert(target);
            }
        }
    }
    g
}

fn reaches(
    g: &BTreeMap<Module, BTreeSet<Module>>,
    from: &Module,
    to: &Module,
) -> Option<Vec<Module>> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![vec![from.clone()]];
    while let Some(trail) = stack.pop() {
        let last = trail.last().unwrap();
        if last == to {
            return Some(trail);
        }
        if !seen.insert(last.clone()) {
            continue;
        }
        for next in g.get(last).into_iter().flatten() {
            let mut t = trail.clone();
            t.push(next.clone());
            stack.push(t);
        }
    }
    None
}

fn name(m: &Module) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

fn crates() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    [
        "app/src",
        "server/src",
        "bench/src",
        "frontend/src",
        "tools/wasm-split/src",
    ]
    .iter()
    .map(|c| root.join(c))
    .filter(|p| p.is_dir())
    .collect()
}

#[test]
fn no_two_modules_import_each_other() {
    let mut circles = Vec::new();
    for dir in crates() {
        let srcs = sources(&dir);
        let g = graph(&srcs);
        for (a, edges) in &g {
            for b in edges {
                if let Some(back) = reaches(&g, b, a) {
                    let mut trail = vec![name(a)];
                    trail.extend(back.iter().map(name));
                    circles.push(format!("{}: {}", dir.display(), trail.join(" → ")));
                }
            }
        }
    }
    circles.sort();
    circles.dedup();
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn the_checker_sees_a_circle() {
    let a = Source {
        module: vec!["a".into()],
        text: "use super::b::{X, c::{self, Y}};\nfn f() { crate::d::g(); }\n".into(),
    };
    let b = Source {
        module: vec!["b".into()],
        text: "// use crate::d::h;\nfn f() -> crate::a::Z { todo() }\n#[cfg(test)]\nmod tests {\n use crate::d::x;\n}\n".into(),
    };
    let d = Source {
        module: vec!["d".into()],
        text: String::new(),
    };
    let c = Source {
        module: vec!["b".into(), "c".into()],
        text: "use super::X;\n".into(),
    };
    let g = graph(&[a, b, c, d]);
    let edges = |m: &str| -> Vec<String> {
        g[&m.split("::").map(String::from).collect::<Vec<_>>()]
            .iter()
            .map(name)
            .collect()
    };
    assert_eq!(edges("a"), vec!["b", "b::c", "d"]);
    assert_eq!(
        edges("b"),
        vec!["a"],
        "comments and test modules are not imports"
    );
    assert!(
        edges("b::c").is_empty(),
        "a child's use of its parent is not counted"
    );
    let am: Module = vec!["a".into()];
    let bm: Module = vec!["b".into()];
    assert!(reaches(&g, &bm, &am).is_some());
}

#[test]
fn no_file_is_over_600_lines_without_a_reason() {
    let mut long = Vec::new();
    for dir in crates() {
        let mut files = Vec::new();
        rust_files(&dir, &mut files);
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            let n = text.lines().count();
            let head: String = text.lines().take(20).collect::<Vec<_>>().join("\n");
            if n > MAX_LINES && !head.contains(REASON) {
                long.push(format!("{} ({n} lines)", f.display()));
            }
        }
    }
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} lines with no \u{201c}{REASON}\u{201d} at the top:\n{}",
        long.join("\n")
    );
}

/// The files allowed to relax the workspace's `unsafe_code = "deny"`: the lazy routes, whose
/// macro expands to the WebAssembly chunk's imports and exports, and the server's allocator
/// settings, made through mimalloc's C interface.
const UNSAFE_ALLOWED: [&str; 2] = ["app/src/routes/lazy.rs", "server/src/allocator.rs"];

#[test]
fn only_the_lazy_routes_and_the_allocator_allow_unsafe_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut allowing = Vec::new();
    for dir in crates() {
        let mut files = Vec::new();
        rust_files(&dir, &mut files);
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            let rel = f.strip_prefix(root).unwrap().to_string_lossy().to_string();
            // This file names the allowances it looks for.
            if rel == "app/src/architecture_tests.rs" {
                continue;
            }
            if allows_unsafe(&code(&text)) && !UNSAFE_ALLOWED.contains(&rel.as_str()) {
                allowing.push(rel);
            }
        }
    }
    assert!(allowing.is_empty(), "unsafe code allowed in: {allowing:?}");
    for allowed in UNSAFE_ALLOWED {
        let text = std::fs::read_to_string(root.join(allowed)).unwrap();
        assert!(
            allows_unsafe(&code(&text)),
            "{allowed} no longer needs the exception: take it away (and forbid unsafe_code again)"
        );
    }
}

/// Whether code (comments removed) relaxes the `unsafe_code` lint or writes `unsafe` itself.
fn allows_unsafe(code: &str) -> bool {
    let squeezed: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    [
        "allow(unsafe_code)",
        "expect(unsafe_code)",
        "warn(unsafe_code)",
    ]
    .iter()
    .any(|a| squeezed.contains(a))
}

#[test]
fn the_unsafe_check_sees_an_allowance() {
    assert!(allows_unsafe("#![allow( unsafe_code )]\nfn f() {}"));
    assert!(allows_unsafe("#[expect(unsafe_code)] mod m {}"));
    assert!(!allows_unsafe("fn f() { let allowed = 1; }"));
    assert!(!allows_unsafe(&code(
        "// #![allow(unsafe_code)]\nfn f() {}"
    )));
}

/// The text a `<textarea>` is given in a view, if any: what stands between the end of its
/// opening tag and `</textarea>`.
fn textarea_children(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("<textarea") {
        let after = &rest[start..];
        let Some(end) = after.find("</textarea>") else {
            break;
        };
        let element = &after[..end];
        // The opening tag ends at the first `>` outside braces and quotes.
        let (mut depth, mut quoted, mut open_end) = (0i32, false, None);
        for (i, c) in element.char_indices() {
            match c {
                '"' => quoted = !quoted,
                '{' if !quoted => depth += 1,
                '}' if !quoted => depth -= 1,
                '>' if !quoted && depth == 0 && i > 0 && !element[..i].ends_with('=') => {
                    open_end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        if let Some(i) = open_end {
            out.push(element[i + 1..].trim().to_string());
        }
        rest = &after[end + "</textarea>".len()..];
    }
    out
}

/// tachys writes a textarea's children unescaped on the server, so every text given to one goes
/// through `components::textarea_text`, which escapes it there: `</textarea>` typed into a form
/// and sent back must stay text.
#[test]
fn every_textarea_text_is_escaped() {
    let mut raw = Vec::new();
    for dir in crates() {
        let mut files = Vec::new();
        rust_files(&dir, &mut files);
        for f in files {
            if f.ends_with("architecture_tests.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&f).unwrap();
            for child in textarea_children(&code(&text)) {
                if !child.is_empty() && !child.contains("textarea_text(") {
                    raw.push(format!("{}: {child}", f.display()));
                }
            }
        }
    }
    assert!(
        raw.is_empty(),
        "textarea text not escaped:\n{}",
        raw.join("\n")
    );
}

#[test]
fn the_textarea_check_sees_raw_text() {
    let found = textarea_children(
        "<textarea id=x aria-invalid=move || e.get().is_some().to_string()>{value}</textarea>",
    );
    assert_eq!(found, vec!["{value}".to_string()]);
    let found = textarea_children(
        "<textarea name=\"a>b\">{textarea_text(v)}</textarea> <textarea rows=\"2\"></textarea>",
    );
    assert_eq!(found, vec!["{textarea_text(v)}".to_string(), String::new()]);
}
