//! No import circle among the files of any library crate of the workspace (`errors`,
//! `tdf-core`, `tdf-lib`, `tdf-link`, `tdf-show`).
//!
//! The library's modules are found from `src/lib.rs` by following `mod NAME;`
//! declarations. Every path a file names that starts with `crate::`, `super::`, `self::`
//! or a child module of where it stands (in `use` declarations, `use` trees with braces,
//! and paths in code alike; inline modules such as `mod tests { ... }` included) is
//! resolved to the deepest module it reaches, and so to that module's file: the file
//! imports that file. Comments and string and character literals are skipped. The test
//! fails when the files and these imports contain a cycle (a file importing a module
//! that imports it, directly or through others), naming the files and the lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use tdf_tests::workspace_root;

/// A module path from the crate root (`["args", "words"]`); the root is empty.
type ModPath = Vec<String>;

/// One import: the importing file, the line, and the path as written.
#[derive(Debug, Clone)]
struct Import {
    line: usize,
    path: String,
}

/// Source text with comments and string and character literals blanked out (newlines
/// kept, so line numbers stay), leaving only code.
fn code_only(src: &str) -> String {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let blank = |out: &mut String, ch: char| out.push(if ch == '\n' { '\n' } else { ' ' });
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut i = 0;
    while i < c.len() {
        let prev_ident = i > 0 && ident(c[i - 1]);
        if c[i] == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
        } else if !prev_ident && (c[i] == 'r' || (c[i] == 'b' && c.get(i + 1) == Some(&'r'))) && {
            let mut j = i + if c[i] == 'b' { 2 } else { 1 };
            while c.get(j) == Some(&'#') {
                j += 1;
            }
            c.get(j) == Some(&'"')
        } {
            // A raw string: r"..." or r#"..."#, maybe with a b in front.
            let mut j = i + if c[i] == 'b' { 2 } else { 1 };
            let mut hashes = 0;
            while c[j] == '#' {
                hashes += 1;
                j += 1;
            }
            j += 1;
            while j < c.len() {
                if c[j] == '"' && (0..hashes).all(|h| c.get(j + 1 + h) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            for &ch in &c[i..j.min(c.len())] {
                blank(&mut out, ch);
            }
            i = j;
        } else if c[i] == '"' {
            blank(&mut out, c[i]);
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    blank(&mut out, c[i]);
                    i += 1;
                }
                if i < c.len() {
                    blank(&mut out, c[i]);
                    i += 1;
                }
            }
            if i < c.len() {
                blank(&mut out, c[i]);
                i += 1;
            }
        } else if c[i] == '\'' {
            // A character literal ('x', '\n', '\u{7f}'), or a lifetime or label ('a).
            if c.get(i + 1) == Some(&'\\') {
                // Past the backslash and the character it escapes.
                let mut j = i + 3;
                while j < c.len() && c[j] != '\'' {
                    j += 1;
                }
                for _ in i..=j.min(c.len() - 1) {
                    out.push(' ');
                }
                i = j + 1;
            } else if c.get(i + 2) == Some(&'\'') {
                out.push_str("   ");
                i += 3;
            } else {
                out.push(' ');
                i += 1;
            }
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// The tokens of code: identifiers, `::`, and single punctuation characters, with their
/// line numbers.
fn tokens(code: &str) -> Vec<(String, usize)> {
    let c: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch.is_alphanumeric() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            out.push((c[start..i].iter().collect(), line));
        } else if ch == ':' && c.get(i + 1) == Some(&':') {
            out.push(("::".into(), line));
            i += 2;
        } else {
            out.push((ch.to_string(), line));
            i += 1;
        }
    }
    out
}

fn is_ident(t: &str) -> bool {
    t.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
}

/// What one file says: the file modules it declares, its inline modules, and every
/// path it names, each with the module it is named in.
#[derive(Debug, Default)]
struct FileScan {
    file_mods: Vec<String>,
    inline_mods: Vec<ModPath>,
    paths: Vec<(ModPath, Vec<String>, Import)>,
}

/// Expands a `use` tree (the tokens after `use`, up to the `;`) into paths.
fn use_paths(toks: &[(String, usize)], prefix: &[String], out: &mut Vec<Vec<String>>) {
    // Split at top-level commas.
    let mut depth = 0;
    let mut start = 0;
    let mut parts = Vec::new();
    for (i, (t, _)) in toks.iter().enumerate() {
        match t.as_str() {
            "{" => depth += 1,
            "}" => depth -= 1,
            "," if depth == 0 => {
                parts.push(&toks[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&toks[start..]);
    for part in parts {
        let mut path = prefix.to_vec();
        let mut i = 0;
        let mut nested = false;
        while i < part.len() {
            let t = part[i].0.as_str();
            if t == "{" {
                let end = part.len() - 1;
                use_paths(&part[i + 1..end], &path, out);
                nested = true;
                break;
            } else if t == "as" {
                break;
            } else if is_ident(t) {
                path.push(t.to_owned());
            }
            i += 1;
        }
        if !nested && !path.is_empty() {
            // `use a::b::{self}` names `a::b`.
            if path.last().is_some_and(|s| s == "self") && path.len() > prefix.len() {
                path.pop();
            }
            out.push(path);
        }
    }
}

/// Reads one file of module `here`.
fn scan(src: &str, here: &ModPath) -> FileScan {
    let toks = tokens(&code_only(src));
    let mut scan = FileScan::default();
    // Inline modules open at a brace depth: (module, depth inside it).
    let mut stack: Vec<(ModPath, usize)> = vec![(here.clone(), 0)];
    let mut depth = 0;
    let mut i = 0;
    while i < toks.len() {
        let (t, line) = (&toks[i].0, toks[i].1);
        let current = stack.last().unwrap().0.clone();
        match t.as_str() {
            "{" => depth += 1,
            "}" => {
                depth -= 1;
                if stack.len() > 1 && stack.last().unwrap().1 > depth {
                    stack.pop();
                }
            }
            "mod" if toks.get(i + 1).is_some_and(|n| is_ident(&n.0)) => {
                let name = toks[i + 1].0.clone();
                match toks.get(i + 2).map(|n| n.0.as_str()) {
                    Some(";") if stack.len() == 1 => scan.file_mods.push(name),
                    Some("{") => {
                        let mut m = current.clone();
                        m.push(name);
                        scan.inline_mods.push(m.clone());
                        depth += 1;
                        stack.push((m, depth));
                        i += 3;
                        continue;
                    }
                    _ => {}
                }
            }
            "use" => {
                let end = (i..toks.len())
                    .find(|&j| toks[j].0 == ";")
                    .unwrap_or(toks.len());
                let mut paths = Vec::new();
                use_paths(&toks[i + 1..end], &[], &mut paths);
                for p in paths {
                    let text = p.join("::");
                    scan.paths
                        .push((current.clone(), p, Import { line, path: text }));
                }
                i = end + 1;
                continue;
            }
            _ if is_ident(t) && toks.get(i + 1).is_some_and(|n| n.0 == "::") => {
                // A path in code: IDENT (:: IDENT)*.
                let mut p = vec![t.clone()];
                let mut j = i + 1;
                while toks.get(j).is_some_and(|n| n.0 == "::")
                    && toks.get(j + 1).is_some_and(|n| is_ident(&n.0))
                {
                    p.push(toks[j + 1].0.clone());
                    j += 2;
                }
                let text = p.join("::");
                scan.paths
                    .push((current.clone(), p, Import { line, path: text }));
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    scan
}

/// The imports between the files of a crate: for each file (relative to `src/`), the
/// files it imports and how. `read` gives a file's text by its path relative to `src/`.
fn import_graph(
    read: &dyn Fn(&Path) -> Option<String>,
) -> BTreeMap<PathBuf, BTreeMap<PathBuf, Import>> {
    // Find the files from lib.rs through `mod NAME;`.
    let mut modules: BTreeMap<ModPath, PathBuf> = BTreeMap::new();
    let mut scans: Vec<(PathBuf, FileScan)> = Vec::new();
    let mut todo = vec![(ModPath::new(), PathBuf::from("lib.rs"))];
    while let Some((m, file)) = todo.pop() {
        let src = read(&file).unwrap_or_else(|| panic!("{} not found", file.display()));
        let s = scan(&src, &m);
        let dir = match file.file_name().and_then(|n| n.to_str()) {
            Some("lib.rs" | "mod.rs") => file.parent().unwrap().to_path_buf(),
            _ => file.with_extension(""),
        };
        for name in &s.file_mods {
            let mut child = m.clone();
            child.push(name.clone());
            let flat = dir.join(format!("{name}.rs"));
            let nested = dir.join(name).join("mod.rs");
            let path = if read(&flat).is_some() { flat } else { nested };
            todo.push((child, path));
        }
        for inline in &s.inline_mods {
            modules.insert(inline.clone(), file.clone());
        }
        modules.insert(m, file.clone());
        scans.push((file, s));
    }
    let mut graph: BTreeMap<PathBuf, BTreeMap<PathBuf, Import>> = BTreeMap::new();
    for (file, s) in &scans {
        let edges = graph.entry(file.clone()).or_default();
        for (here, p, import) in &s.paths {
            let (mut base, rest): (ModPath, &[String]) = match p[0].as_str() {
                "crate" => (ModPath::new(), &p[1..]),
                "self" => (here.clone(), &p[1..]),
                "super" => {
                    let mut b = here.clone();
                    let mut k = 0;
                    while p.get(k).is_some_and(|s| s == "super") {
                        b.pop();
                        k += 1;
                    }
                    (b, &p[k..])
                }
                first => {
                    let mut child = here.clone();
                    child.push(first.to_owned());
                    if !modules.contains_key(&child) {
                        continue;
                    }
                    (here.clone(), &p[..])
                }
            };
            for seg in rest {
                let mut next = base.clone();
                next.push(seg.clone());
                if !modules.contains_key(&next) {
                    break;
                }
                base = next;
            }
            let target = &modules[&base];
            if target != file {
                edges
                    .entry(target.clone())
                    .or_insert_with(|| import.clone());
            }
        }
    }
    graph
}

/// The cycles of the graph: each strongly connected set of more than one file, as the
/// files with the imports among them.
fn circles(graph: &BTreeMap<PathBuf, BTreeMap<PathBuf, Import>>) -> Vec<Vec<String>> {
    let reach = |from: &PathBuf| -> BTreeSet<PathBuf> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(f) = todo.pop() {
            for to in graph.get(&f).into_iter().flat_map(|e| e.keys()) {
                if seen.insert(to.clone()) {
                    todo.push(to.clone());
                }
            }
        }
        seen
    };
    let reached: BTreeMap<&PathBuf, BTreeSet<PathBuf>> =
        graph.keys().map(|f| (f, reach(f))).collect();
    let mut done = BTreeSet::new();
    let mut out = Vec::new();
    for f in graph.keys() {
        if done.contains(f) || !reached[f].contains(f) {
            continue;
        }
        let set: BTreeSet<&PathBuf> = graph
            .keys()
            .filter(|g| reached[f].contains(*g) && reached[*g].contains(f))
            .collect();
        let mut lines = Vec::new();
        for g in &set {
            done.insert((*g).clone());
            for (to, how) in &graph[*g] {
                if set.contains(to) {
                    lines.push(format!(
                        "{}:{} imports {} ({})",
                        g.display(),
                        how.line,
                        to.display(),
                        how.path
                    ));
                }
            }
        }
        out.push(lines);
    }
    out
}

fn read_under(src: &Path) -> impl Fn(&Path) -> Option<String> + '_ {
    move |p| std::fs::read_to_string(src.join(p)).ok()
}

/// The library crates whose files are checked, by folder.
const CRATES: [&str; 5] = ["errors", "tdf-core", "tdf-lib", "tdf-link", "tdf-show"];

#[test]
fn no_import_circle_in_any_library() {
    let mut found = String::new();
    for krate in CRATES {
        let src = workspace_root().join(krate).join("src");
        let graph = import_graph(&read_under(&src));
        for c in circles(&graph) {
            found.push_str(&format!("{krate}:\n  {}\n", c.join("\n  ")));
        }
    }
    assert!(found.is_empty(), "import circles:\n{found}");
}

#[test]
fn the_scan_sees_the_linker_driver_on_top() {
    let src = workspace_root().join("tdf-link").join("src");
    let graph = import_graph(&read_under(&src));
    let driver = &graph[Path::new("link.rs")];
    for phase in ["state.rs", "load.rs", "search.rs", "emit.rs", "args/mod.rs"] {
        assert!(
            driver.contains_key(Path::new(phase)),
            "link.rs imports {phase}"
        );
    }
    assert!(graph.contains_key(Path::new("args/words.rs")));
    // The crate roots that re-export their modules' items are seen doing so.
    let src = workspace_root().join("tdf-core").join("src");
    let graph = import_graph(&read_under(&src));
    assert!(graph[Path::new("lib.rs")].contains_key(Path::new("capsule.rs")));
}

#[test]
fn the_scan_finds_circles() {
    let files: BTreeMap<&str, &str> = BTreeMap::from([
        (
            "lib.rs",
            "pub mod a;\npub mod b;\nmod c;\n// use crate::c::X;\nfn f() { a::g(); }\n",
        ),
        (
            "a.rs",
            "use crate::{b::Thing, c};\nconst S: &str = \"crate::c\";\n",
        ),
        (
            "b.rs",
            "pub struct Thing;\n#[cfg(test)]\nmod tests {\n    use super::*;\n    \
             fn t() { let c = '{'; crate::a::f(); }\n}\n",
        ),
        ("c/mod.rs", "mod d;\npub(crate) fn f<'a>(x: &'a str) {}\n"),
        (
            "c/d.rs",
            "use super::super::c;\nfn g() { let s = r#\"}\"#; }\n",
        ),
    ]);
    let read = |p: &Path| files.get(p.to_str().unwrap()).map(|s| s.to_string());
    let graph = import_graph(&read);
    let edges = |f: &str| -> Vec<String> {
        graph[Path::new(f)]
            .keys()
            .map(|p| p.display().to_string())
            .collect()
    };
    assert_eq!(edges("lib.rs"), ["a.rs"]);
    assert_eq!(edges("a.rs"), ["b.rs", "c/mod.rs"]);
    // The test module of b.rs imports a.rs, which imports b.rs.
    assert_eq!(edges("b.rs"), ["a.rs"]);
    assert_eq!(edges("c/mod.rs"), Vec::<String>::new());
    assert_eq!(edges("c/d.rs"), ["c/mod.rs"]);
    let found = circles(&graph);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0],
        [
            "a.rs:1 imports b.rs (crate::b::Thing)",
            "b.rs:5 imports a.rs (crate::a::f)"
        ]
    );
}
