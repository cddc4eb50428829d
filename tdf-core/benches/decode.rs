//! Benchmark: decoding every unit body of capsules (issue 13's target: 100 MB/s of
//! capsule).
//!
//! Run with `TDF_CORPUS=../shared/corpus cargo bench -p tdf-core --bench decode`. The
//! capsules are every distinct capsule and library member of the corpus's cases (the
//! output of TenDRA's C and C++ producers and of `tnc`), or, without `TDF_CORPUS`, the
//! capsules under `tests/data/`. One round reads each capsule (`FlatCapsule::read`, the
//! checks of its structure included) and decodes all its bodies (`Decoded::decode`,
//! token signatures and identifier checks included). The best of several rounds is
//! printed as MB of capsule per second of wall-clock time, and the whole run as MB per
//! second of the process's CPU time (which other work on a shared machine does not
//! inflate).

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tdf_core::capsule::{FlatCapsule, ReadOptions};
use tdf_core::decode::Decoded;
use tdf_core::{Library, UnitSetList};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if ["j", "t", "tl"]
            .iter()
            .any(|x| p.extension().is_some_and(|e| e == *x))
        {
            out.push(p);
        }
    }
}

/// Every distinct capsule (library members included) under `dir` that reads.
fn capsules(dir: &Path) -> Vec<Vec<u8>> {
    let mut paths = Vec::new();
    files(dir, &mut paths);
    paths.sort();
    let sets = UnitSetList::default();
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for p in paths {
        let Ok(data) = std::fs::read(&p) else {
            continue;
        };
        let members: Vec<Vec<u8>> = if data.starts_with(b"TDFL") {
            match Library::read(&data) {
                Ok(l) => l.members.iter().map(|m| m.data.to_vec()).collect(),
                Err(_) => continue,
            }
        } else {
            vec![data]
        };
        for m in members {
            let mut flat = FlatCapsule::new();
            let opts = ReadOptions {
                unit_sets: &sets,
                established_major: None,
            };
            if flat.read(&m, opts).is_ok() && seen.insert(m.clone()) {
                out.push(m);
            }
        }
    }
    out
}

/// CPU time of this process so far (user and system), from /proc; `None` elsewhere.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of stat(5) (utime, stime), counted after the command name.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // The kernel's USER_HZ is 100 on every Linux architecture this runs on.
    Some(Duration::from_millis(ticks * 10))
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let (source, caps) = match std::env::var_os("TDF_CORPUS") {
        Some(c) if !c.is_empty() => {
            let dir = root.join(c).join("cases");
            (dir.display().to_string(), capsules(&dir))
        }
        _ => {
            let dir = root.join("tests/data");
            (dir.display().to_string(), capsules(&dir))
        }
    };
    let bytes: usize = caps.iter().map(Vec::len).sum();
    assert!(bytes > 0, "no capsules under {source}");
    let sets = UnitSetList::default();
    // The reader's and decoder's structures are reused from capsule to capsule (no
    // allocation once they have grown).
    let mut flat = FlatCapsule::new();
    let mut decoded = Decoded::new();
    let mut nodes = 0usize;
    // Enough passes over the capsules per round for some 50 ms of work.
    let reps = (8_000_000 / bytes).max(1);
    let mut round = || {
        for _ in 0..reps {
            for c in &caps {
                let opts = ReadOptions {
                    unit_sets: &sets,
                    established_major: None,
                };
                flat.read(c, opts).expect("read before");
                decoded.decode(&flat);
                nodes += black_box(decoded.nodes.len());
            }
        }
    };
    round(); // warm-up
    let cpu_start = cpu_time();
    let mut best = Duration::MAX;
    let rounds = 20;
    for _ in 0..rounds {
        let t = Instant::now();
        round();
        best = best.min(t.elapsed());
    }
    let cpu = cpu_start.and_then(|s| Some(cpu_time()? - s));
    let per_round = (bytes * reps) as f64;
    println!(
        "decode: {} capsules, {bytes} bytes (from {source}), {reps} passes a round",
        caps.len()
    );
    println!(
        "  best of {rounds} rounds: {:.2} ms, {:.1} MB/s",
        best.as_secs_f64() * 1e3,
        per_round / best.as_secs_f64() / 1e6
    );
    if let Some(cpu) = cpu {
        println!(
            "  CPU time of the {rounds} rounds: {:.2} s, {:.1} MB/s",
            cpu.as_secs_f64(),
            per_round * f64::from(rounds) / cpu.as_secs_f64() / 1e6
        );
    }
}
