//! Phase 1: rename rules (§5.3).
//!
//! Rules come from `-r SHAPE FROM TO` and from `-R FILE` rename files, in command-line
//! order (a file's rules in file order). Each rule is entered in both the program and the
//! library shape table, so that a library definition of FROM also satisfies a use of TO.
//! A name may be renamed only once per shape (*multiply renamed name*). Renaming is
//! transitive (`A→B`, `B→C` make both mean `C`); a loop (`A→A`, or `A→B`, `B→A`) is a
//! *rename cycle* error, reported once per loop for the first of its names in rule order.
//!
//! Rename-file syntax errors are reported with a snippet of the file
//! ([`tdf_core::rename::parse_rename_file`]); so is a second rule for the same name when
//! it comes from a file.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use tdf_core::diag::io_reason;
use tdf_core::rename::parse_rename_file;
use tdf_core::ExtName;
use tdf_errors::{Diagnostic, Kind, LimitReached, Reporter};

use crate::args::RenameSource;
use crate::state::{shape_text, Linker};

/// A rule and where it came from.
struct Rule {
    shape: Vec<u8>,
    from: ExtName<'static>,
    to: ExtName<'static>,
    /// The file, its text and the rule's span, for rules read from a rename file.
    origin: Option<(String, Arc<str>, Range<usize>)>,
}

/// Reads the rename files and collects every rule in order. Problems are reported.
fn collect(sources: &[RenameSource], rep: &mut Reporter) -> Result<Vec<Rule>, LimitReached> {
    let mut rules = Vec::new();
    for s in sources {
        match s {
            RenameSource::Rule { shape, from, to } => rules.push(Rule {
                shape: shape.clone(),
                from: from.clone(),
                to: to.clone(),
                origin: None,
            }),
            RenameSource::File(path) => {
                let shown = path.to_string_lossy().into_owned();
                let bytes = match std::fs::read(path) {
                    Ok(b) => b,
                    Err(e) => {
                        rep.report(Diagnostic::new(Kind::cannot_open_rename_file(
                            shown,
                            io_reason(&e),
                        )))?;
                        continue;
                    }
                };
                let (file_rules, diags) = parse_rename_file(&bytes, &shown);
                for d in diags {
                    rep.report(d)?;
                }
                let text: Arc<str> = Arc::from(source_text(&bytes));
                for r in file_rules {
                    rules.push(Rule {
                        shape: r.shape,
                        from: r.from,
                        to: r.to,
                        origin: Some((shown.clone(), text.clone(), r.span)),
                    });
                }
            }
        }
    }
    Ok(rules)
}

/// The text of a file for snippets; each non-ASCII byte of invalid UTF-8 becomes `?` so
/// that byte offsets stay valid (as the rename-file parser does).
fn source_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes
            .iter()
            .map(|&b| if b.is_ascii() { b as char } else { '?' })
            .collect(),
    }
}

/// Enters the rename rules in both shape tables and resolves them.
pub fn enter(
    l: &mut Linker<'_>,
    sources: &[RenameSource],
    rep: &mut Reporter,
) -> Result<(), LimitReached> {
    let rules = collect(sources, rep)?;
    // Accepted rules per program shape, for the cycle check.
    let mut by_shape: Vec<Vec<usize>> = Vec::new();
    for (i, r) in rules.iter().enumerate() {
        let ps = l.program_shape(Cow::Owned(r.shape.clone()));
        let entered =
            l.tables
                .add_rename(Cow::Owned(r.shape.clone()), r.from.clone(), r.to.clone());
        if entered.is_err() {
            let mut d = Diagnostic::new(Kind::multiply_renamed_name(
                shape_text(&r.shape),
                r.from.to_text(),
            ));
            if let Some((file, text, span)) = &r.origin {
                d = d
                    .with_file(file.clone())
                    .in_text(text.clone(), span.clone());
            }
            rep.report(d)?;
            continue;
        }
        if by_shape.len() <= ps {
            by_shape.resize(ps + 1, Vec::new());
        }
        by_shape[ps].push(i);
        l.renamed
            .insert((shape_text(&r.shape), r.from.to_text()), r.to.to_text());
        l.trace.line(|| {
            format!(
                "  {} '{}' -> '{}'",
                shape_text(&r.shape),
                r.from.to_text(),
                r.to.to_text()
            )
        });
    }
    for (ps, idxs) in by_shape.iter().enumerate() {
        if idxs.is_empty() {
            continue;
        }
        for names in cycles(idxs.iter().map(|&i| (&rules[i].from, &rules[i].to))) {
            let shown: Vec<String> = names.iter().map(|n| format!("'{}'", n.to_text())).collect();
            rep.report(Diagnostic::new(Kind::rename_cycle(
                shape_text(l.tables.program_name(ps)),
                shown.join(" -> "),
            )))?;
        }
    }
    // Point every renamed name at its final target; cycles were reported above, and
    // resolving makes their names inert.
    l.tables.resolve_renames();
    Ok(())
}

/// The rename loops among `FROM → TO` rules of one shape: for each loop, its names in
/// rule order, starting from the smallest name and ending with it again (`a → b → a`),
/// so that the text does not depend on the order of the rules. Loops come in the order
/// of the earliest rule leading into them. Linear in the number of rules.
fn cycles<'r>(
    rules: impl Iterator<Item = (&'r ExtName<'static>, &'r ExtName<'static>)> + Clone,
) -> Vec<Vec<&'r ExtName<'static>>> {
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let next: HashMap<&ExtName<'static>, &ExtName<'static>> = rules.clone().collect();
    let mut state: HashMap<&ExtName<'static>, u8> = HashMap::new();
    let mut found = Vec::new();
    let mut path = Vec::new();
    for (start, _) in rules {
        if state.contains_key(start) {
            continue;
        }
        path.clear();
        let mut cur = start;
        loop {
            match state.get(cur) {
                Some(&ON_PATH) => {
                    // The loop is the end of the path from `cur` on.
                    let at = path.iter().position(|p| *p == cur).unwrap_or(0);
                    let ring = &path[at..];
                    let first = (0..ring.len()).min_by_key(|&i| ring[i]).unwrap_or(0);
                    let mut names: Vec<&ExtName<'static>> = ring[first..]
                        .iter()
                        .chain(&ring[..first])
                        .copied()
                        .collect();
                    names.push(names[0]);
                    found.push(names);
                    break;
                }
                Some(_) => break,
                None => {
                    state.insert(cur, ON_PATH);
                    path.push(cur);
                    match next.get(cur) {
                        Some(n) => cur = n,
                        None => break,
                    }
                }
            }
        }
        for p in &path {
            state.insert(p, DONE);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> ExtName<'static> {
        ExtName::parse(s.as_bytes()).unwrap()
    }

    fn find(pairs: &[(&str, &str)]) -> Vec<String> {
        let rules: Vec<(ExtName<'static>, ExtName<'static>)> =
            pairs.iter().map(|(a, b)| (n(a), n(b))).collect();
        cycles(rules.iter().map(|(a, b)| (a, b)))
            .into_iter()
            .map(|ring| {
                let names: Vec<String> = ring.iter().map(|x| x.to_text()).collect();
                names.join(" ")
            })
            .collect()
    }

    #[test]
    fn cycle_detection() {
        assert!(find(&[("a", "b"), ("b", "c")]).is_empty());
        assert_eq!(find(&[("a", "a")]), ["a a"]);
        assert_eq!(
            find(&[
                ("add_numbers", "scale_value"),
                ("scale_value", "add_numbers")
            ]),
            ["add_numbers scale_value add_numbers"]
        );
        assert_eq!(find(&[("x", "a"), ("a", "b"), ("b", "a")]), ["a b a"]);
        assert_eq!(
            find(&[("a", "b"), ("b", "a"), ("c", "d"), ("d", "c")]),
            ["a b a", "c d c"]
        );
        // The text does not depend on the order of the rules.
        for rules in [
            [("t", "x"), ("x", "m"), ("m", "t")],
            [("m", "t"), ("t", "x"), ("x", "m")],
            [("x", "m"), ("m", "t"), ("t", "x")],
        ] {
            assert_eq!(find(&rules), ["m t x m"]);
        }
    }
}
