//! The corpus conformance runner.
//!
//! Reads the corpus folder named by `TDF_CORPUS` (layout: the corpus README): case
//! folders under `cases/`, each with `cmd`, `expect`, the oracle's `stdout`, `stderr`,
//! `rc` and `outputs`, and its input files. When `TDF_CORPUS` is unset the tests say so
//! and pass; CI always sets it. Nothing here knows a case by name: it runs unchanged on
//! any folder of the same layout.
//!
//! Two checks:
//!
//! * `formats`: every `.j`, `.t` and `.tl` file of every case that the reference tool
//!   accepted reads without error and writes back byte-identical; every input the
//!   reference rejected (its stderr names the file with a byte offset, or a bad library
//!   magic) is rejected by our reader with a catalogue diagnostic at an offset inside it.
//! * `cases`: every case's command is run with `tld` replaced by our binary in a copy of
//!   the case folder, and judged by the case's `expect` file: exit status, the files
//!   created or changed (compared by the corpus's equivalence), stdout lines, and stderr
//!   mentions. Prints `N passed, M failed` and fails on any failure.
//!
//! And for unit bodies (`decode.rs`): `tshow -d` prints what `tnc -p` printed for every
//! capsule the corpus decoded, every body round-trips through our decoder and encoder,
//! and `tshow --check` agrees with tnc on which capsules have damaged bodies.

mod case;
mod decode;
mod mutate;
mod roundtrip;

use std::path::{Path, PathBuf};

use case::{Case, Role};

fn corpus() -> Option<PathBuf> {
    match std::env::var_os("TDF_CORPUS") {
        // A relative path is taken from the workspace root, as CI gives it.
        Some(p) if !p.is_empty() => Some(tdf_tests::workspace_root().join(p)),
        _ => {
            println!("TDF_CORPUS is not set: the corpus was not run");
            None
        }
    }
}

fn cases(root: &Path) -> Vec<Case> {
    let dir = root.join("cases");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("cmd").is_file())
        .collect();
    names.sort();
    names.iter().map(|p| Case::load(p)).collect()
}

/// Issue 5: thousands of deterministic mutants of every input never panic, and every
/// failure is a catalogue diagnostic inside the input.
#[test]
fn mutations_never_panic() {
    mutate::run(corpus().as_deref());
}

#[test]
fn formats() {
    let Some(root) = corpus() else { return };
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut rejected = 0;
    for case in cases(&root) {
        for (rel, role) in case.tdf_files() {
            checked += 1;
            if matches!(role, Role::RejectedCapsule | Role::RejectedLibrary) {
                rejected += 1;
            }
            let data = std::fs::read(case.dir.join(&rel)).expect("readable corpus file");
            if let Err(why) = check_file(&case, &rel, &data, role) {
                failures.push(format!("{}/{}: {why}", case.name, rel));
            }
        }
    }
    for f in &failures {
        println!("FAIL {f}");
    }
    println!("formats: {checked} files, of which {rejected} inputs the reference rejected");
    println!(
        "{} passed, {} failed",
        checked - failures.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{} files failed", failures.len());
}

fn check_file(case: &Case, rel: &str, data: &[u8], role: Role) -> Result<(), String> {
    use tdf_core::capsule::ReadOptions;
    let sets = tdf_core::UnitSetList::default();
    match role {
        Role::AcceptedCapsule => {
            let c = tdf_core::Capsule::read(data).map_err(|d| format!("rejected: {d}"))?;
            (c.to_bytes() == data)
                .then_some(())
                .ok_or_else(|| "capsule does not write back byte-identical".into())
        }
        Role::AcceptedLibrary => {
            let l = tdf_core::Library::read(data).map_err(|d| format!("rejected: {d}"))?;
            (l.to_bytes() == data)
                .then_some(())
                .ok_or_else(|| "library does not write back byte-identical".into())
        }
        Role::RejectedCapsule | Role::RejectedLibrary => {
            let established = case.established_major(rel);
            let result = if role == Role::RejectedCapsule {
                tdf_core::Capsule::read_with(
                    data,
                    ReadOptions {
                        unit_sets: &sets,
                        established_major: established,
                    },
                )
                .map(|_| ())
            } else {
                tdf_core::Library::read_with(data, established).map(|_| ())
            };
            let d = match result {
                Ok(()) => return Err("accepted, but the reference rejected it".into()),
                Err(d) => tdf_core::in_file(d, rel),
            };
            let off = d
                .offset()
                .ok_or_else(|| format!("diagnostic without a byte offset: {d}"))?;
            if off > data.len() as u64 {
                return Err(format!(
                    "offset {off} beyond the file ({} bytes): {d}",
                    data.len()
                ));
            }
            if !d.render("tld", false).contains(rel) {
                return Err(format!("diagnostic does not name the file: {d}"));
            }
            Ok(())
        }
    }
}

#[test]
fn cases_pass_their_expect_files() {
    let Some(root) = corpus() else { return };
    let tld = tdf_tests::bin("tld");
    let scratch = tdf_tests::scratch("corpus");
    let mut failures = Vec::new();
    let all = cases(&root);
    for case in &all {
        if let Err(why) = case.run(&tld, &scratch) {
            failures.push(format!("{}: {why}", case.name));
        }
    }
    for f in &failures {
        println!("FAIL {f}");
    }
    let passed = all.len() - failures.len();
    println!("{passed} passed, {} failed", failures.len());
    assert!(
        failures.is_empty(),
        "{} corpus cases failed",
        failures.len()
    );
    let _ = std::fs::remove_dir_all(&scratch);
}

/// Issue 4: extracting every corpus library and rebuilding it from its members gives the
/// same library.
#[test]
fn libraries_rebuild_from_their_members() {
    let Some(root) = corpus() else { return };
    let scratch = tdf_tests::scratch("roundtrip");
    let mut seen = std::collections::HashSet::new();
    let mut failures = Vec::new();
    for case in cases(&root) {
        for (rel, role) in case.tdf_files() {
            if role != Role::AcceptedLibrary {
                continue;
            }
            let data = std::fs::read(case.dir.join(&rel)).expect("readable corpus file");
            if !seen.insert(data.clone()) {
                continue;
            }
            if let Err(why) = roundtrip::check(&data, &scratch.join("lib")) {
                failures.push(format!("{}/{rel}: {why}", case.name));
            }
        }
    }
    for f in &failures {
        println!("FAIL {f}");
    }
    println!("round trip: {} distinct libraries", seen.len());
    println!(
        "{} passed, {} failed",
        seen.len() - failures.len(),
        failures.len()
    );
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(failures.is_empty(), "{} libraries failed", failures.len());
}

/// The outcome of one of the body checks of `decode.rs`.
fn judge(what: &str, result: Result<String, Vec<String>>) {
    match result {
        Ok(summary) => println!("{summary}"),
        Err(failures) => {
            for f in &failures {
                println!("FAIL {f}");
            }
            panic!("{what}: {} failures", failures.len());
        }
    }
}

/// Issue 13: `tshow -d` prints exactly what `tnc -p` printed.
#[test]
fn tshow_decode_matches_tnc() {
    let Some(root) = corpus() else { return };
    judge("tshow -d", decode::tnc_views(&root));
}

/// Issue 13: every corpus body is written back by our encoder as it was.
#[test]
fn bodies_round_trip() {
    let Some(root) = corpus() else { return };
    judge("round trip", decode::round_trips(&root));
}

/// Issue 13: `tshow --check` agrees with tnc about damaged bodies.
#[test]
fn check_agrees_with_tnc() {
    let Some(root) = corpus() else { return };
    let mut rejected = std::collections::HashSet::new();
    for case in cases(&root) {
        for (rel, role) in case.tdf_files() {
            if matches!(role, Role::RejectedCapsule | Role::RejectedLibrary) {
                rejected.insert(case.dir.join(rel));
            }
        }
    }
    judge("tshow --check", decode::checks(&root, &rejected));
}
