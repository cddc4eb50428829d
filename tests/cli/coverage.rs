//! Every catalogue entry is triggered by at least one test.
//!
//! An entry counts as covered when a snapshot of a tool run shows its code (`[E0401]`,
//! `error[E0205]`), or test code names it: `"E0401"` (as the table of
//! `diagnostics.rs` does), `"tdf_unexpected_eof"` (as tests compare `kind.name()`) or
//! `Kind::tdf_unexpected_eof(` (as tests compare kinds). Test code is
//! everything under `tests/`, the `tests.rs` files of the crates, and what follows
//! `#[cfg(test)]` in a source file. The catalogue crate's own tests do not count: they
//! list every entry by construction.

use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "target" || n == "fuzz") {
                continue;
            }
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// The test code and snapshots of the workspace, as one text.
fn test_text() -> String {
    let root = tdf_tests::workspace_root();
    let mut text = String::new();
    for krate in ["tdf-core", "tdf-lib", "tdf-show", "tdf-link", "tests"] {
        let mut all = Vec::new();
        files(&root.join(krate), &mut all);
        for p in all {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let Ok(src) = std::fs::read_to_string(&p) else {
                continue;
            };
            let whole = krate == "tests" || name.ends_with("tests.rs") || name.ends_with(".snap");
            if name.ends_with(".snap") || (name.ends_with(".rs") && whole) {
                if !p.ends_with("cli/coverage.rs") {
                    text.push_str(&src);
                }
            } else if name.ends_with(".rs") {
                if let Some(i) = src.find("#[cfg(test)]") {
                    text.push_str(&src[i..]);
                }
            }
        }
    }
    text
}

#[test]
fn every_catalogue_entry_is_triggered_by_a_test() {
    let text = test_text();
    let uncovered: Vec<String> = tdf_errors::CATALOGUE
        .iter()
        .filter(|e| {
            let code = format!("[{}]", e.code);
            let quoted_code = format!("\"{}\"", e.code);
            let quoted = format!("\"{}\"", e.name);
            let ctor = format!("Kind::{}(", e.name);
            ![code, quoted_code, quoted, ctor]
                .iter()
                .any(|p| text.contains(p.as_str()))
        })
        .map(|e| format!("{} {}", e.code, e.name))
        .collect();
    assert!(
        uncovered.is_empty(),
        "{} catalogue entries are triggered by no test:\n  {}",
        uncovered.len(),
        uncovered.join("\n  ")
    );
}
