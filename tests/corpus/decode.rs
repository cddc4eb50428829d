//! Issue 13: decoding unit bodies, against the corpus.
//!
//! * `tshow -d X.j` prints exactly what `tnc -p X.j` printed (`decoded/**/X.j.tnc`, less
//!   the `#` lines the corpus appends after the output when tnc complained). Where tnc
//!   was killed by a signal (the appended exit status is negative) it printed nothing
//!   comparable, and the file is listed as not compared.
//! * Every body of every capsule (and library member) decodes and is written back by
//!   our encoder bit for bit.
//! * `tshow --check` passes every capsule tnc decoded without complaint (and `tld`
//!   accepted), and fails every one where tnc stopped in a unit body.

use std::path::{Path, PathBuf};
use std::process::Command;

use tdf_core::capsule::{FlatCapsule, ReadOptions};
use tdf_core::decode::{encode_unit, Decoded};
use tdf_core::{Library, UnitSetList};

/// Every file under `dir` whose name ends with `suffix`, sorted.
fn find(dir: &Path, suffix: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            find(&p, suffix, out);
        } else if p.to_string_lossy().ends_with(suffix) {
            out.push(p);
        }
    }
    out.sort();
}

/// The `tnc -p` output recorded in a `.tnc` file, and tnc's exit status when the corpus
/// appended one (after the output, as `\n# tnc exit status N` and message lines).
fn recorded(text: &[u8]) -> (&[u8], Option<i32>) {
    const MARK: &[u8] = b"\n# tnc exit status ";
    match text.windows(MARK.len()).position(|w| w == MARK) {
        None => (text, None),
        Some(i) => {
            let rest = &text[i + MARK.len()..];
            let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            let status = std::str::from_utf8(&rest[..end])
                .ok()
                .and_then(|s| s.parse().ok());
            (&text[..i], status)
        }
    }
}

/// The capsule a `decoded/**/X.j.tnc` file describes: the case folder's `X.j` at the same
/// place below the case folder.
fn capsule_of(tnc: &Path) -> PathBuf {
    let text = tnc.to_string_lossy();
    let rel = text.replacen("/decoded/", "/", 1);
    PathBuf::from(rel.strip_suffix(".tnc").expect("a .tnc file"))
}

/// `tshow -d` against every recorded `tnc -p`.
pub fn tnc_views(root: &Path) -> Result<String, Vec<String>> {
    let mut files = Vec::new();
    find(&root.join("cases"), ".j.tnc", &mut files);
    assert!(
        !files.is_empty(),
        "no .j.tnc files under {}",
        root.display()
    );
    let tshow = tdf_tests::bin("tshow");
    let mut failures = Vec::new();
    let mut not_compared = Vec::new();
    let mut equal = 0;
    for tnc in &files {
        let text = std::fs::read(tnc).expect("readable .tnc file");
        let (expected, status) = recorded(&text);
        let capsule = capsule_of(tnc);
        let out = Command::new(&tshow)
            .arg("-d")
            .arg(&capsule)
            .output()
            .expect("tshow runs");
        if status.is_some_and(|s| s < 0) {
            not_compared.push(format!(
                "{}: tnc was killed by signal {} and printed nothing to compare",
                capsule.display(),
                -status.unwrap_or(0)
            ));
            continue;
        }
        if out.stdout == expected {
            equal += 1;
        } else {
            let line = expected
                .split(|&b| b == b'\n')
                .zip(out.stdout.split(|&b| b == b'\n'))
                .position(|(a, b)| a != b)
                .map_or(0, |l| l + 1);
            failures.push(format!(
                "{}: tshow -d differs from tnc -p (first at line {line})",
                capsule.display()
            ));
        }
    }
    for n in &not_compared {
        println!("NOT COMPARED {n}");
    }
    let summary = format!(
        "tnc views: {} files, {equal} equal, {} different, {} not compared",
        files.len(),
        failures.len(),
        not_compared.len()
    );
    if failures.is_empty() {
        Ok(summary)
    } else {
        println!("{summary}");
        Err(failures)
    }
}

/// The capsules of a TDF file: itself, or a library's members.
fn capsules(data: &[u8]) -> Vec<Vec<u8>> {
    if data.starts_with(b"TDFL") {
        match Library::read(data) {
            Ok(l) => l.members.iter().map(|m| m.data.to_vec()).collect(),
            Err(_) => Vec::new(),
        }
    } else {
        vec![data.to_vec()]
    }
}

/// Every body of every capsule and library member of the corpus round-trips.
pub fn round_trips(root: &Path) -> Result<String, Vec<String>> {
    let mut files = Vec::new();
    for suffix in [".j", ".t", ".tl"] {
        find(&root.join("cases"), suffix, &mut files);
    }
    let sets = UnitSetList::default();
    let mut seen = std::collections::HashSet::new();
    let mut failures = Vec::new();
    let (mut units, mut capsule_count, mut undecodable) = (0, 0, 0);
    let mut decoded = Decoded::new();
    for f in &files {
        let data = std::fs::read(f).expect("readable corpus file");
        for c in capsules(&data) {
            if !seen.insert(c.clone()) {
                continue;
            }
            let mut flat = FlatCapsule::new();
            let opts = ReadOptions {
                unit_sets: &sets,
                established_major: None,
            };
            if flat.read(&c, opts).is_err() {
                continue;
            }
            capsule_count += 1;
            decoded.decode(&flat);
            for u in &decoded.units {
                let body = flat.units[u.unit].body;
                if u.error.is_some() {
                    undecodable += 1;
                    continue;
                }
                units += 1;
                match encode_unit(&decoded, u, body) {
                    Ok(bytes) if bytes == body => {}
                    Ok(_) => failures.push(format!(
                        "{}: unit {} is not written back as it was",
                        f.display(),
                        u.unit
                    )),
                    Err(e) => failures.push(format!("{}: unit {}: {e:?}", f.display(), u.unit)),
                }
            }
        }
    }
    let summary = format!(
        "round trip: {capsule_count} distinct capsules, {units} bodies written back, {undecodable} bodies not decodable"
    );
    if failures.is_empty() {
        Ok(summary)
    } else {
        println!("{summary}");
        Err(failures)
    }
}

/// `tshow --check` passes every capsule tnc decoded without complaint (unless the
/// reference `tld` rejected it: `rejected`) and fails every one where tnc stopped inside
/// a unit body.
pub fn checks(
    root: &Path,
    rejected: &std::collections::HashSet<PathBuf>,
) -> Result<String, Vec<String>> {
    let mut files = Vec::new();
    find(&root.join("cases"), ".j.tnc", &mut files);
    let tshow = tdf_tests::bin("tshow");
    let mut failures = Vec::new();
    let (mut passed, mut failed) = (0, 0);
    for tnc in &files {
        let text = std::fs::read(tnc).expect("readable .tnc file");
        let (output, status) = recorded(&text);
        let complaint = String::from_utf8_lossy(&text[output.len()..]).into_owned();
        let stopped_in_body = status.is_some()
            && output.ends_with(b"# TERMINATED ON INPUT ERROR\n")
            && complaint.contains("(in unit body)");
        let capsule = capsule_of(tnc);
        let out = Command::new(&tshow)
            .arg("--check")
            .arg(&capsule)
            .output()
            .expect("tshow runs");
        let ok = out.status.success();
        if rejected.contains(&capsule) {
            // tld rejected it (our reader agrees with tld, tnc is more lenient).
            continue;
        }
        match (status, stopped_in_body, ok) {
            (None, _, true) => passed += 1,
            (None, _, false) => failures.push(format!(
                "{}: tnc decoded it, but tshow --check fails it: {}",
                capsule.display(),
                String::from_utf8_lossy(&out.stderr)
            )),
            (Some(_), true, false) => failed += 1,
            (Some(_), true, true) => failures.push(format!(
                "{}: tnc stopped in a unit body, but tshow --check passes it",
                capsule.display()
            )),
            (Some(_), false, _) => {}
        }
    }
    let summary = format!(
        "check: {passed} capsules tnc accepted pass, {failed} where tnc stopped in a body fail"
    );
    if failures.is_empty() {
        Ok(summary)
    } else {
        println!("{summary}");
        Err(failures)
    }
}
