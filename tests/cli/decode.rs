//! `tshow -d` and `tshow --check` on a real capsule (`tests/data/decode/counter.j`,
//! compiled from `counter.c` by TenDRA's `tcc -Fj`) and on copies of it with one
//! deliberate corruption each, located by decoding the capsule: each corruption gets its
//! catalogue diagnostic, naming the unit, byte and bit, and the path of constructs.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use insta_cmd::assert_cmd_snapshot;
use tdf_core::capsule::{FlatCapsule, ReadOptions};
use tdf_core::decode::tree::Node;
use tdf_core::decode::{sort, Decoded, NodeKind};
use tdf_core::UnitSetList;
use tdf_tests::fixtures;

fn tshow(dir: &Path) -> Command {
    let mut c = Command::new(tdf_tests::bin("tshow"));
    c.current_dir(dir);
    c
}

fn counter() -> Vec<u8> {
    fs::read(tdf_tests::workspace_root().join("tests/data/decode/counter.j"))
        .expect("tests/data/decode/counter.j")
}

fn setup(name: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let d = tdf_tests::scratch(&format!("decode-{name}"));
    for (n, data) in files {
        fs::write(d.join(n), data).unwrap();
    }
    d
}

/// The absolute bit position in `data` of the first node of the `tagdef` unit matching
/// `pick`, and the unit's tag count.
fn find(data: &[u8], pick: impl Fn(&Node) -> bool) -> (usize, u32) {
    find_in(data, b"tagdef", pick)
}

/// [`find`] in the first unit of unit set `set`.
fn find_in(data: &[u8], set: &[u8], pick: impl Fn(&Node) -> bool) -> (usize, u32) {
    let sets = UnitSetList::default();
    let mut flat = FlatCapsule::new();
    let opts = ReadOptions {
        unit_sets: &sets,
        established_major: None,
    };
    flat.read(data, opts).expect("counter.j reads");
    let mut d = Decoded::new();
    d.decode(&flat);
    let u = d
        .units
        .iter()
        .find(|u| flat.groups[u.group].name == set)
        .expect("a unit of the set");
    let body = flat.units[u.unit].body;
    let base = (body.as_ptr() as usize - data.as_ptr() as usize) * 8;
    let tags = flat.shapes_of(&flat.units[u.unit])[0].count;
    let n = d.nodes[u.root as usize..u.end as usize]
        .iter()
        .find(|n| pick(n))
        .expect("a node to corrupt");
    (base + n.pos as usize, tags)
}

/// Sets `n` bits at bit `pos` of `data` to `v`.
fn set_bits(data: &mut [u8], pos: usize, n: u32, v: u32) {
    for k in 0..n as usize {
        let bit = (v >> (n as usize - 1 - k)) & 1;
        let (byte, shift) = ((pos + k) / 8, 7 - (pos + k) % 8);
        data[byte] = (data[byte] & !(1 << shift)) | ((bit as u8) << shift);
    }
}

#[test]
fn decode_prints_tnc_notation() {
    let d = setup("tnc", &[("counter.j", &counter())]);
    assert_cmd_snapshot!(tshow(&d).args(["-d", "counter.j"]));
}

#[test]
fn decode_json() {
    let d = setup("json", &[("counter.j", &counter())]);
    assert_cmd_snapshot!(tshow(&d).args(["-d", "--format", "json", "counter.j"]));
}

#[test]
fn check_passes_a_sound_capsule() {
    let d = setup("sound", &[("counter.j", &counter())]);
    assert_cmd_snapshot!(tshow(&d).args(["--check", "counter.j"]));
}

#[test]
fn check_library_members() {
    let lib = fixtures::library(&[("caps/counter.j", &counter()), ("caps/other.j", &counter())]);
    let d = setup("library", &[("lib.tl", &lib)]);
    assert_cmd_snapshot!(tshow(&d).args(["--check", "lib.tl"]));
    assert_cmd_snapshot!(tshow(&d).args(["-d", "lib.tl", "other.j", "missing.j"]));
}

#[test]
fn check_finds_a_bad_list_flag() {
    let mut data = counter();
    let (pos, _) = find(&data, |n| n.kind == NodeKind::List);
    set_bits(&mut data, pos, 1, 1);
    let d = setup("list-flag", &[("bad.j", &data)]);
    assert_cmd_snapshot!(tshow(&d).args(["--check", "bad.j"]));
    assert_cmd_snapshot!(tshow(&d).args(["-d", "bad.j"]));
}

#[test]
fn check_finds_a_bad_constructor() {
    let mut data = counter();
    // An EXP constructor: 7 bits; 120 is none.
    let (pos, _) = find(&data, |n| {
        n.cons()
            .is_some_and(|c| c.sort() == sort::EXP && c.info().encoding < 127)
    });
    set_bits(&mut data, pos, 7, 120);
    let d = setup("bad-construct", &[("bad.j", &data)]);
    assert_cmd_snapshot!(tshow(&d).args(["--check", "bad.j"]));
}

#[test]
fn check_finds_identifiers_outside_their_counts() {
    // The tagdef unit's body starts with its label count: say 0.
    let mut data = counter();
    let (pos, _) = find(&data, |n| n.kind == NodeKind::Labels && n.aux == 1);
    set_bits(&mut data, pos, 4, 0b1000);
    // And give the unit fewer tags than its body names.
    let sets = UnitSetList::default();
    let mut flat = FlatCapsule::new();
    let opts = ReadOptions {
        unit_sets: &sets,
        established_major: None,
    };
    flat.read(&data, opts).unwrap();
    let mut c = flat.to_capsule();
    let g = c
        .groups
        .iter_mut()
        .find(|g| &g.name[..] == b"tagdef")
        .unwrap();
    g.units[0].counts[0] = 3;
    g.units[0].links[0].retain(|l| l.internal < 3);
    let bytes = c.to_bytes();
    let d = setup("ids", &[("bad.j", &bytes)]);
    assert_cmd_snapshot!(tshow(&d).args(["--check", "bad.j"]));
}

#[test]
fn check_finds_token_parameters_not_matching() {
    // ~rem is declared as ( exp exp ) exp: declare its first parameter a shape instead
    // (SORTNAME exp is 7, shape 15: the same five bits wide).
    let mut data = counter();
    // The list of parameter sorts: a 0 bit, a one-digit count, then the first sort.
    let (list, _) = find_in(&data, b"tokdec", |n| n.kind == NodeKind::List);
    let pos = list + 5;
    set_bits(&mut data, pos, 5, 15);
    let d = setup("args", &[("bad.j", &data)]);
    assert_cmd_snapshot!(tshow(&d).args(["--check", "bad.j"]));
}

#[test]
fn check_finds_a_truncated_body() {
    let data = counter();
    let d = setup("truncated", &[("cut.j", &data[..data.len() - 40])]);
    assert_cmd_snapshot!(tshow(&d).args(["--check", "cut.j"]));
}

#[test]
fn decode_reports_an_incomplete_view() {
    // A tag defined but not declared: the tnc notation stops there.
    let data = counter();
    let sets = UnitSetList::default();
    let mut flat = FlatCapsule::new();
    let opts = ReadOptions {
        unit_sets: &sets,
        established_major: None,
    };
    flat.read(&data, opts).unwrap();
    let mut c = flat.to_capsule();
    c.groups.retain(|g| &g.name[..] != b"tagdec");
    let bytes = c.to_bytes();
    let d = setup("undeclared", &[("undeclared.j", &bytes)]);
    assert_cmd_snapshot!(tshow(&d).args(["-d", "undeclared.j"]));
}

#[test]
fn decode_options_conflict_with_extraction() {
    let d = setup("conflict", &[("counter.j", &counter())]);
    let out = tshow(&d).args(["-d", "-a", "counter.j"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = tshow(&d).args(["-d", "-x", "counter.j"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// A copy of counter.j with a damaged body (a LIST's flag bit set).
fn damaged() -> Vec<u8> {
    let mut data = counter();
    let (pos, _) = find(&data, |n| n.kind == NodeKind::List);
    set_bits(&mut data, pos, 1, 1);
    data
}

#[test]
fn tlib_copies_bodies_unread_unless_asked_to_check() {
    let d = setup(
        "tlib-check",
        &[("bad.j", &damaged()), ("counter.j", &counter())],
    );
    let tlib = || {
        let mut c = Command::new(tdf_tests::bin("tlib"));
        c.current_dir(&d);
        c
    };
    let out = tlib().args(["-o", "plain.tl", "bad.j"]).output().unwrap();
    tdf_tests::assert_success(&out);
    assert!(d.join("plain.tl").exists());
    assert_cmd_snapshot!(tlib().args(["--check", "-o", "checked.tl", "bad.j"]));
    assert!(
        !d.join("checked.tl").exists(),
        "nothing is written after an error"
    );
    let out = tlib()
        .args(["--check", "-o", "good.tl", "counter.j"])
        .output()
        .unwrap();
    tdf_tests::assert_success(&out);
}

#[test]
fn tld_copies_bodies_unread_unless_asked_to_check() {
    let lib = fixtures::library(&[("caps/bad.j", &damaged())]);
    let main = fs::read(tdf_tests::workspace_root().join("tests/data/decode/main.j")).unwrap();
    let d = setup(
        "tld-check",
        &[("bad.j", &damaged()), ("lbad.tl", &lib), ("main.j", &main)],
    );
    let tld = || {
        let mut c = Command::new(tdf_tests::bin("tld"));
        c.current_dir(&d);
        c
    };
    let out = tld().args(["-o", "plain.j", "bad.j"]).output().unwrap();
    tdf_tests::assert_success(&out);
    assert_cmd_snapshot!(tld().args(["--check", "-o", "checked.j", "bad.j"]));
    assert!(
        !d.join("checked.j").exists(),
        "nothing is written after an error"
    );
    // Library members are checked as they are loaded, and by tld -mc.
    assert_cmd_snapshot!(tld().args(["--ch", "-L", ".", "-l", "lbad", "-o", "x.j", "main.j"]));
    assert_cmd_snapshot!(
        tld().args(["-mc", "--check", "-o", "again.tl", "-i", "lbad.tl", "main.j"])
    );
}
