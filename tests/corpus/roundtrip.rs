//! Issue 4's round trip: every library of the corpus, extracted with `tshow -x -a` and
//! rebuilt with `tlib` from the extracted members in library order, gives the same
//! members byte for byte and the same index. A library built with suppression (`-s`,
//! `-S`, `-M`) has names left out of its index on purpose; the rebuilt index may add
//! entries only for names the original index does not mention at all.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::process::Command;

use tdf_core::Library;

type Entry = (Vec<u8>, String, u8, Vec<u8>);

fn index(l: &Library<'_>) -> BTreeSet<Entry> {
    l.index
        .iter()
        .flat_map(|s| {
            s.entries.iter().map(|e| {
                let member = l.members[e.capsule as usize].name.to_vec();
                (s.name.to_vec(), e.name.to_text(), e.usage.bits(), member)
            })
        })
        .collect()
}

/// Checks one library; `Err` says what differs.
pub fn check(data: &[u8], work: &Path) -> Result<(), String> {
    let original = Library::read(data).map_err(|d| format!("unreadable: {d}"))?;
    let _ = std::fs::remove_dir_all(work);
    std::fs::create_dir_all(work).map_err(|e| e.to_string())?;
    std::fs::write(work.join("original.tl"), data).map_err(|e| e.to_string())?;
    let out = Command::new(tdf_tests::bin("tshow"))
        .args(["-x", "-a", "-C", "x", "original.tl"])
        .current_dir(work)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "tshow -x failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    for m in &original.members {
        let name = String::from_utf8_lossy(&m.name).into_owned();
        let got = std::fs::read(work.join("x").join(name.trim_start_matches('/')))
            .map_err(|e| format!("member {name} not extracted: {e}"))?;
        if got != *m.data {
            return Err(format!("member {name} extracted with different bytes"));
        }
    }
    let names: Vec<String> = original
        .members
        .iter()
        .map(|m| String::from_utf8_lossy(&m.name).into_owned())
        .collect();
    let out = Command::new(tdf_tests::bin("tlib"))
        .arg("-o")
        .arg("../rebuilt.tl")
        .args(&names)
        .current_dir(work.join("x"))
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "tlib failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let rebuilt_bytes = std::fs::read(work.join("rebuilt.tl")).map_err(|e| e.to_string())?;
    let rebuilt = Library::read(&rebuilt_bytes).map_err(|d| format!("rebuilt unreadable: {d}"))?;
    if (rebuilt.major, rebuilt.minor) != (original.major, original.minor) {
        return Err("version differs".into());
    }
    let members = |l: &Library<'_>| -> Vec<(Vec<u8>, Vec<u8>)> {
        l.members
            .iter()
            .map(|m| (m.name.to_vec(), m.data.to_vec()))
            .collect()
    };
    if members(&rebuilt) != members(&original) {
        return Err("members differ".into());
    }
    let (a, b) = (index(&original), index(&rebuilt));
    if let Some(missing) = a.difference(&b).next() {
        return Err(format!("rebuilt index lacks {missing:?}"));
    }
    let known: HashSet<(Vec<u8>, String)> = a.iter().map(|e| (e.0.clone(), e.1.clone())).collect();
    if let Some(extra) = b
        .difference(&a)
        .find(|e| known.contains(&(e.0.clone(), e.1.clone())))
    {
        return Err(format!("rebuilt index changes {extra:?}"));
    }
    Ok(())
}
