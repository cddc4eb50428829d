//! Tests of `tlib`: building libraries, every error class, and the round trip through
//! `tshow -x`. Each test works in its own scratch directory with relative paths, so
//! the snapshots do not depend on where the tree lives.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use insta_cmd::assert_cmd_snapshot;
use tdf_core::Library;
use tdf_tests::fixtures;

fn tlib(dir: &Path) -> Command {
    let mut c = Command::new(tdf_tests::bin("tlib"));
    c.current_dir(dir);
    c
}

fn tshow(dir: &Path) -> Command {
    let mut c = Command::new(tdf_tests::bin("tshow"));
    c.current_dir(dir);
    c
}

/// A scratch directory with `caps/main.j` (defines `main`, uses `helper`), `caps/util.j`
/// (defines `helper` and token `tk`, a common `c`) and `caps/other.j` (a common `c`, uses
/// `tk`).
fn setup(name: &str) -> PathBuf {
    let d = tdf_tests::scratch(&format!("tlib-{name}"));
    fs::create_dir_all(d.join("caps")).unwrap();
    fs::create_dir_all(d.join("out")).unwrap();
    let main = fixtures::capsule()
        .define_tag("main")
        .use_tag("helper")
        .build();
    let util = fixtures::capsule()
        .define_tag("helper")
        .define_token("tk")
        .common_tag("c")
        .define_tag("[pkg.unique]")
        .build();
    let other = fixtures::capsule().common_tag("c").use_token("tk").build();
    fs::write(d.join("caps/main.j"), main).unwrap();
    fs::write(d.join("caps/util.j"), util).unwrap();
    fs::write(d.join("caps/other.j"), other).unwrap();
    d
}

/// The library's member names and its index as `shape name usage capsule` lines.
fn describe(path: &Path) -> (Vec<String>, Vec<String>) {
    let bytes = fs::read(path).unwrap();
    let lib = Library::read(&bytes).unwrap();
    let members = lib
        .members
        .iter()
        .map(|m| String::from_utf8_lossy(&m.name).into_owned())
        .collect();
    let index = lib
        .index
        .iter()
        .flat_map(|s| {
            let lib = &lib;
            s.entries.iter().map(move |e| {
                format!(
                    "{} {} {} {}",
                    String::from_utf8_lossy(&s.name),
                    e.name,
                    e.usage,
                    String::from_utf8_lossy(&lib.members[e.capsule as usize].name)
                )
            })
        })
        .collect();
    (members, index)
}

/// Files below `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn builds_a_library() {
    let d = setup("build");
    assert_cmd_snapshot!(
        "tlib_build",
        tlib(&d).args(["-o", "out/lib.tl", "caps/main.j", "caps/util.j"])
    );
    let (members, index) = describe(&d.join("out/lib.tl"));
    assert_eq!(members, ["caps/main.j", "caps/util.j"]);
    assert_eq!(
        index,
        [
            "tag main {DEFD, DECD} caps/main.j",
            "tag helper {DEFD, DECD, USED} caps/util.j",
            "tag c {MULT, DECD} caps/util.j",
            "tag [pkg.unique] {DEFD, DECD} caps/util.j",
            "token tk {DEFD, DECD} caps/util.j",
        ]
    );
    // The same inputs give the same bytes.
    let first = fs::read(d.join("out/lib.tl")).unwrap();
    let status = tlib(&d)
        .args(["-o", "out/again.tl", "caps/main.j", "caps/util.j"])
        .output()
        .unwrap()
        .status;
    assert!(status.success());
    assert_eq!(fs::read(d.join("out/again.tl")).unwrap(), first);
}

#[test]
fn default_output_and_response_file() {
    let d = setup("default");
    fs::write(d.join("args.txt"), "caps/main.j\n  'caps/util.j'\n").unwrap();
    assert_cmd_snapshot!("tlib_default_output", tlib(&d).arg("@args.txt"));
    let (members, _) = describe(&d.join("library.tl"));
    assert_eq!(members, ["caps/main.j", "caps/util.j"]);
}

#[test]
fn includes_libraries_first() {
    let d = setup("include");
    let lib = fixtures::library(&[("lib/util.j", &fs::read(d.join("caps/util.j")).unwrap())]);
    fs::write(d.join("util.tl"), lib).unwrap();
    assert_cmd_snapshot!(
        "tlib_include_library",
        tlib(&d).args([
            "-o",
            "out/all.tl",
            "-i",
            "util.tl",
            "caps/main.j",
            "-i",
            "util.tl"
        ])
    );
    let (members, index) = describe(&d.join("out/all.tl"));
    assert_eq!(members, ["lib/util.j", "caps/main.j"]);
    assert!(index.contains(&"tag helper {DEFD, DECD, USED} lib/util.j".to_owned()));
}

#[test]
fn suppression() {
    let d = setup("suppress");
    assert_cmd_snapshot!(
        "tlib_suppress",
        tlib(&d).args([
            "-o",
            "out/s.tl",
            "-s",
            "tag",
            "[pkg.unique]",
            "-s",
            "tag",
            "nosuch",
            "-S",
            "token",
            "-M",
            "caps/main.j",
            "caps/util.j",
        ])
    );
    let (_, index) = describe(&d.join("out/s.tl"));
    assert_eq!(
        index,
        [
            "tag main {DEFD, DECD} caps/main.j",
            "tag helper {DEFD, DECD, USED} caps/util.j",
        ]
    );
}

#[test]
fn illegal_suppress_name() {
    let d = setup("suppress-bad");
    assert_cmd_snapshot!(
        "tlib_illegal_suppress_name",
        tlib(&d).args(["-o", "out/s.tl", "-s", "tag", "a.b", "caps/main.j"])
    );
    assert!(files(&d.join("out")).is_empty());
}

#[test]
fn duplicate_capsule_name() {
    let d = setup("duplicate");
    assert_cmd_snapshot!(
        "tlib_duplicate_capsule_name",
        tlib(&d).args(["-o", "out/x.tl", "caps/main.j", "caps/main.j"])
    );
    assert!(files(&d.join("out")).is_empty());
}

#[test]
fn multiply_defined() {
    let d = setup("multiply");
    let again = fixtures::capsule().define_tag("helper").build();
    fs::write(d.join("caps/again.j"), again).unwrap();
    assert_cmd_snapshot!(
        "tlib_multiply_defined",
        tlib(&d).args(["-o", "out/x.tl", "caps/util.j", "caps/again.j"])
    );
    assert!(files(&d.join("out")).is_empty());
}

#[test]
fn no_single_definition() {
    let d = setup("nosingle");
    // `c` is a common in both capsules and unique in none.
    assert_cmd_snapshot!(
        "tlib_no_single_definition",
        tlib(&d).args(["-o", "out/x.tl", "caps/util.j", "caps/other.j"])
    );
    assert!(files(&d.join("out")).is_empty());
    // A unique definition settles it.
    let unique = fixtures::capsule().define_tag("c").build();
    fs::write(d.join("caps/c.j"), unique).unwrap();
    let status = tlib(&d)
        .args(["-o", "out/ok.tl", "caps/util.j", "caps/other.j", "caps/c.j"])
        .output()
        .unwrap()
        .status;
    assert!(status.success());
    let (_, index) = describe(&d.join("out/ok.tl"));
    assert!(index.contains(&"tag c {DEFD, MULT, DECD} caps/c.j".to_owned()));
}

#[test]
fn invalid_capsules() {
    let d = setup("invalid");
    let good = fs::read(d.join("caps/main.j")).unwrap();
    fs::write(d.join("caps/truncated.j"), &good[..good.len() - 5]).unwrap();
    let undeclared = fixtures::capsule().name_with_usage("tag", "x", 4).build();
    fs::write(d.join("caps/undeclared.j"), undeclared).unwrap();
    let tokmult = fixtures::capsule().name_with_usage("token", "t", 8).build();
    fs::write(d.join("caps/tokmult.j"), tokmult).unwrap();
    let v5 = fixtures::capsule().define_tag("v").version(5, 0).build();
    fs::write(d.join("caps/v5.j"), v5).unwrap();
    fs::write(d.join("caps/text.j"), "not a capsule\n").unwrap();
    fs::write(d.join("lib.tl"), fixtures::library(&[("m.j", &good)])).unwrap();
    assert_cmd_snapshot!(
        "tlib_invalid_capsules",
        tlib(&d).args([
            "-o",
            "out/x.tl",
            "caps/main.j",
            "caps/truncated.j",
            "caps/undeclared.j",
            "caps/tokmult.j",
            "caps/v5.j",
            "caps/text.j",
            "lib.tl",
            "caps/nosuch.j",
        ])
    );
    assert!(files(&d.join("out")).is_empty());
}

#[test]
fn existing_output_is_kept_on_error() {
    let d = setup("keep");
    fs::write(d.join("out/x.tl"), "old").unwrap();
    let status = tlib(&d)
        .args(["-o", "out/x.tl", "caps/main.j", "caps/nosuch.j"])
        .output()
        .unwrap()
        .status;
    assert_eq!(status.code(), Some(1));
    assert_eq!(fs::read(d.join("out/x.tl")).unwrap(), b"old");
    assert_eq!(files(&d.join("out")), ["x.tl"]);
}

#[test]
fn unit_set_file() {
    let d = setup("units");
    fs::write(d.join("units.txt"), "\"tld\" \"tagdec\" \"tagdef\"\n").unwrap();
    // main.j has tagdec and tagdef units only: accepted.
    assert_cmd_snapshot!(
        "tlib_unit_file",
        tlib(&d).args(["-u", "units.txt", "-o", "out/u.tl", "caps/main.j"])
    );
    // util.j also has token units: rejected.
    assert_cmd_snapshot!(
        "tlib_unit_file_rejects",
        tlib(&d).args(["-u", "units.txt", "-o", "out/v.tl", "caps/util.j"])
    );
    fs::write(d.join("bad.txt"), "\"tagdec\" oops\n").unwrap();
    assert_cmd_snapshot!(
        "tlib_unit_file_bad",
        tlib(&d).args(["-u", "bad.txt", "-o", "out/w.tl", "caps/main.j"])
    );
    assert_eq!(files(&d.join("out")), ["u.tl"]);
}

#[test]
fn debug_trace() {
    let d = setup("debug");
    assert_cmd_snapshot!(
        "tlib_debug_file",
        tlib(&d).args(["-d", "out/trace.txt", "-o", "out/t.tl", "caps/main.j"])
    );
    let trace = fs::read_to_string(d.join("out/trace.txt")).unwrap();
    assert!(trace.contains("capsule 0 'caps/main.j'"), "{trace}");
    assert!(
        trace.contains("index tag 'main' {DEFD, DECD} capsule 0"),
        "{trace}"
    );
}

#[test]
fn usage_errors() {
    let d = setup("usage");
    assert_cmd_snapshot!("tlib_no_files", tlib(&d));
    assert_cmd_snapshot!(
        "tlib_unknown_option",
        tlib(&d).args(["--hide", "tag", "x", "caps/main.j"])
    );
    assert_cmd_snapshot!(
        "tlib_two_outputs",
        tlib(&d).args(["-o", "a.tl", "-o", "b.tl", "caps/main.j"])
    );
    assert_cmd_snapshot!(
        "tlib_missing_argument",
        tlib(&d).args(["caps/main.j", "-o"])
    );
    assert_cmd_snapshot!("tlib_help", tlib(&d).arg("--help"));
    assert!(!d.join("library.tl").exists());
}

#[test]
fn explain() {
    let d = setup("explain");
    assert_cmd_snapshot!("tlib_explain", tlib(&d).args(["--explain", "E0709"]));
    assert_cmd_snapshot!(
        "tlib_explain_unknown",
        tlib(&d).args(["--explain", "E9999"])
    );
}

#[test]
fn round_trip_through_extraction() {
    let d = setup("roundtrip");
    let status = tlib(&d)
        .args(["-o", "lib.tl", "caps/main.j", "caps/util.j", "caps/other.j"])
        .output()
        .map(|o| o.status);
    // other.j and util.j both have a common `c`: no single definition. Leave other.j out.
    assert_eq!(status.unwrap().code(), Some(1));
    let status = tlib(&d)
        .args(["-o", "lib.tl", "caps/main.j", "caps/util.j"])
        .output()
        .unwrap()
        .status;
    assert!(status.success());
    let status = tshow(&d)
        .args(["-x", "-a", "-C", "x", "lib.tl"])
        .output()
        .unwrap()
        .status;
    assert!(status.success());
    for f in ["caps/main.j", "caps/util.j"] {
        assert_eq!(
            fs::read(d.join("x").join(f)).unwrap(),
            fs::read(d.join(f)).unwrap()
        );
    }
    let status = Command::new(tdf_tests::bin("tlib"))
        .current_dir(d.join("x"))
        .args(["-o", "../again.tl", "caps/main.j", "caps/util.j"])
        .output()
        .unwrap()
        .status;
    assert!(status.success());
    assert_eq!(
        fs::read(d.join("again.tl")).unwrap(),
        fs::read(d.join("lib.tl")).unwrap()
    );
}
