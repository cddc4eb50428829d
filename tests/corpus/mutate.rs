//! Deterministic mutation testing of every reader, on stable Rust.
//!
//! Every distinct capsule, library, rename file and unit-set file of the corpus (or, when
//! `TDF_CORPUS` is unset, a set of generated fixtures) is mutated thousands of times: bit
//! flips, truncations, inserted and deleted bytes, and lying length and count fields
//! (large TDFINTs written over the input). For each mutant the reader must return, not
//! panic or hang, and every failure must be a catalogue diagnostic located inside the
//! input. One capsule mutant in five (so every kind of mutation) is also decoded, every
//! unit body as `tshow -d` reads them: every body that decodes is written back as it
//! was, and every diagnostic of the bodies lies inside the input.

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use tdf_core::rename::parse_rename_file;
use tdf_core::{Capsule, Library, UnitSetList};
use tdf_errors::{Diagnostic, Location};

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A TDFINT of a large value, to write over a length or count field.
const LIES: [&[u8]; 4] = [
    &[0x77, 0x77, 0x77, 0x7F],             // octal 7777777 7 ≈ 2^24
    &[0x37, 0x77, 0x77, 0x77, 0x77, 0x7F], // 2^32 - 1
    &[0x47, 0x77, 0x77, 0x77, 0x77, 0x7F], // too big for 32 bits
    &[0x00, 0x00, 0x00, 0x00, 0x09],       // redundant leading zeros
];

/// Mutation number `k` of `data`.
fn mutate(data: &[u8], rng: &mut Rng, k: usize) -> Vec<u8> {
    let mut d = data.to_vec();
    let len = d.len();
    match k % 6 {
        0 if len > 0 => {
            let i = rng.below(len);
            d[i] ^= 1 << rng.below(8);
        }
        1 => d.truncate(rng.below(len + 1)),
        2 => {
            let i = rng.below(len + 1);
            let n = 1 + rng.below(4);
            for _ in 0..n {
                d.insert(i, rng.next() as u8);
            }
        }
        3 if len > 0 => {
            let i = rng.below(len);
            let n = (1 + rng.below(8)).min(len - i);
            d.drain(i..i + n);
        }
        4 if len > 0 => {
            let lie = LIES[rng.below(LIES.len())];
            let i = rng.below(len);
            // Nibble-aligned start: shift the lie by half a byte half the time.
            for (j, &b) in lie.iter().enumerate() {
                if i + j < d.len() {
                    d[i + j] = b;
                }
            }
            if rng.below(2) == 0 && i < d.len() {
                d[i] = (d[i] & 0xF0) | (lie[0] >> 4);
            }
        }
        _ if len > 0 => {
            let i = rng.below(len);
            d[i] = [0x00, 0xFF, 0x80, 0x08][rng.below(4)];
        }
        _ => {}
    }
    d
}

fn check_diag(d: &Diagnostic, len: usize) -> Result<(), String> {
    match &d.location {
        Location::Byte { offset, .. } if *offset <= len as u64 => Ok(()),
        Location::Text { span, .. } if span.end <= len && span.start <= span.end => Ok(()),
        Location::None if d.file.is_some() => Ok(()),
        _ => Err(format!("diagnostic outside the input ({len} bytes): {d:?}")),
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Capsule,
    Library,
    RenameFile,
    UnitFile,
}

/// Decodes the unit bodies of a capsule mutant read leniently.
fn decode(data: &[u8]) -> Result<(), String> {
    let sets = UnitSetList::default();
    let mut flat = tdf_core::capsule::FlatCapsule::new();
    let opts = tdf_core::capsule::ReadOptions {
        unit_sets: &sets,
        established_major: None,
    };
    if flat.read_lenient(data, opts).is_err() {
        return Ok(());
    }
    let mut decoded = tdf_core::decode::Decoded::new();
    for d in tdf_core::decode::check::check(&flat, data, &mut decoded) {
        check_diag(&d, data.len())?;
    }
    for u in &decoded.units {
        if u.error.is_some() {
            continue;
        }
        let body = flat.units[u.unit].body;
        match tdf_core::decode::encode_unit(&decoded, u, body) {
            Ok(b) if b == body => {}
            _ => return Err(format!("body of unit {} is not written back", u.unit)),
        }
    }
    Ok(())
}

fn read(kind: Kind, data: &[u8], bodies: bool) -> Result<(), String> {
    let sets = UnitSetList::default();
    if bodies && matches!(kind, Kind::Capsule) {
        decode(data)?;
    }
    match kind {
        Kind::Capsule => match Capsule::read_with(
            data,
            tdf_core::capsule::ReadOptions {
                unit_sets: &sets,
                established_major: None,
            },
        ) {
            Ok(c) => {
                // What reads must write and read back to the same model.
                // What reads must write, and writing is a fixed point after one round.
                let again = c.to_bytes();
                let c2 = Capsule::read(&again).map_err(|d| format!("rewrite unreadable: {d}"))?;
                (c2.to_bytes() == again)
                    .then_some(())
                    .ok_or("rewrite differs".to_owned())
            }
            Err(d) => check_diag(&d, data.len()),
        },
        Kind::Library => match Library::read(data) {
            Ok(l) => {
                let again = l.to_bytes();
                let l2 = Library::read(&again).map_err(|d| format!("rewrite unreadable: {d}"))?;
                (l2.to_bytes() == again)
                    .then_some(())
                    .ok_or("rewrite differs".to_owned())
            }
            Err(d) => check_diag(&d, data.len()),
        },
        Kind::RenameFile => {
            let (_, diags) = parse_rename_file(data, "r");
            diags.iter().try_for_each(|d| check_diag(d, data.len()))
        }
        Kind::UnitFile => match UnitSetList::parse_file(data, "u") {
            Ok(_) => Ok(()),
            Err(diags) => diags.iter().try_for_each(|d| check_diag(d, data.len())),
        },
    }
}

/// The inputs to mutate: every distinct corpus file of a known kind, or fixtures.
fn inputs(corpus: Option<&Path>) -> Vec<(String, Kind, Vec<u8>)> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let Some(root) = corpus else {
        use tdf_tests::fixtures::{capsule, library};
        let a = capsule()
            .define_tag("main")
            .use_tag("f")
            .use_token("[a.b]")
            .private_tags(2)
            .build();
        let b = capsule()
            .define_tag("f")
            .common_tag("c")
            .define_token("[a.b]")
            .build();
        let lib = library(&[("a.j", &a), ("dir/b.j", &b)]);
        return vec![
            ("a.j".into(), Kind::Capsule, a),
            ("b.j".into(), Kind::Capsule, b),
            ("l.tl".into(), Kind::Library, lib),
            (
                "r".into(),
                Kind::RenameFile,
                b"'tag' \"a\" [b.c] ;\n'token' \"x\\x41\" \"y\";".to_vec(),
            ),
            (
                "u".into(),
                Kind::UnitFile,
                b"\"tld\" \"versions\" \"tagdef\"".to_vec(),
            ),
        ];
    };
    let mut stack = vec![root.join("cases")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                if !matches!(
                    p.file_name().and_then(|n| n.to_str()),
                    Some("decoded" | "src")
                ) {
                    stack.push(p);
                }
                continue;
            }
            let Ok(data) = std::fs::read(&p) else {
                continue;
            };
            let name = p.to_string_lossy().into_owned();
            let kind = if data.starts_with(b"TDFL") {
                Kind::Library
            } else if name.ends_with(".j") || name.ends_with(".t") || data.starts_with(b"TDFC") {
                Kind::Capsule
            } else if name.ends_with(".txt") && data.contains(&b'\'') {
                Kind::RenameFile
            } else if name.ends_with(".txt") {
                Kind::UnitFile
            } else {
                continue;
            };
            if seen.insert(data.clone()) {
                out.push((name, kind, data));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

pub fn run(corpus: Option<&Path>) {
    let inputs = inputs(corpus);
    let mut failures = Vec::new();
    let mut mutants = 0usize;
    for (name, kind, data) in &inputs {
        // About 4 MB of mutants per file, between 200 and 3,000 of them.
        let count = (4_000_000 / data.len().max(1)).clamp(200, 3000);
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ data.len() as u64);
        for k in 0..count {
            let m = mutate(data, &mut rng, k);
            mutants += 1;
            let outcome = catch_unwind(AssertUnwindSafe(|| read(*kind, &m, k % 5 == 0)));
            match outcome {
                Ok(Ok(())) => {}
                Ok(Err(why)) => failures.push(format!("{name} mutant {k}: {why}")),
                Err(_) => failures.push(format!("{name} mutant {k}: panicked")),
            }
            if failures.len() > 20 {
                break;
            }
        }
    }
    for f in failures.iter().take(20) {
        println!("FAIL {f}");
    }
    println!("mutations: {} inputs, {mutants} mutants", inputs.len());
    println!(
        "{} passed, {} failed",
        mutants - failures.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{} mutants failed", failures.len());
}
