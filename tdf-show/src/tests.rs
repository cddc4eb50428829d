use std::borrow::Cow;
use std::path::{Path, PathBuf};

use tdf_core::library::Member;
use tdf_core::Library;
use tdf_errors::Reporter;

use super::*;
use tdf_tests::fixtures;

/// A capsule of tags with these usage bits, and one capsule-private tag.
fn capsule(names: &[(&str, u8)]) -> Vec<u8> {
    names
        .iter()
        .fold(fixtures::capsule().private_tags(1), |c, &(name, bits)| {
            c.name_with_usage("tag", name, bits)
        })
        .build()
}

/// A library of these members, with the index §4.2 prescribes (the shared fixture).
fn library(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let members: Vec<(&str, &[u8])> = members.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    fixtures::library(&members)
}

/// A library written without the builder's checks, for hostile member names.
fn raw_library(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    Library {
        major: 4,
        minor: 0,
        members: members
            .iter()
            .map(|(n, b)| Member {
                name: Cow::Owned(n.as_bytes().to_vec()),
                data: Cow::Owned(b.clone()),
                offset: 0,
            })
            .collect(),
        index: Vec::new(),
    }
    .to_bytes()
}

fn quiet() -> Reporter {
    Reporter::with_writer("tshow", Box::new(std::io::sink()))
}

fn kinds(rep: &Reporter) -> Vec<&'static str> {
    rep.diagnostics().iter().map(|d| d.kind.name()).collect()
}

fn math() -> Vec<u8> {
    library(&[
        ("caps/sq.j", capsule(&[("square", 7), ("[pkg.cube]", 6)])),
        ("abs.j", capsule(&[("abs", 6), ("square", 3), ("c", 10)])),
    ])
}

fn listing(data: &[u8], opts: &ListOptions) -> (String, Vec<&'static str>) {
    let mut rep = quiet();
    let mut out = Vec::new();
    list_bytes("math.tl", data, opts, &mut out, &mut rep);
    (String::from_utf8(out).unwrap(), kinds(&rep))
}

fn opts(format: ListFormat, flags: &str) -> ListOptions {
    ListOptions {
        index: flags.contains('i'),
        size: flags.contains('s'),
        tdf_version: flags.contains('t'),
        format,
    }
}

#[test]
fn tendra_listing_is_tld_mt() {
    let lib = math();
    let sq = capsule(&[("square", 7), ("[pkg.cube]", 6)]).len();
    let abs = capsule(&[("abs", 6), ("square", 3), ("c", 10)]).len();
    let (out, errs) = listing(&lib, &opts(ListFormat::Tendra, "ist"));
    assert!(errs.is_empty());
    assert_eq!(
        out,
        format!(
            "[4, 0]\ncaps/sq.j ({sq})\nabs.j ({abs})\ntag:\n  square {{DEFD, DECD, USED}} 'caps/sq.j'\n  \
             [pkg.cube] {{DEFD, DECD}} 'caps/sq.j'\n  abs {{DEFD, DECD}} 'abs.j'\n  c {{MULT, DECD}} 'abs.j'\n"
        )
    );
    let (out, _) = listing(&lib, &opts(ListFormat::Tendra, ""));
    assert_eq!(out, "caps/sq.j\nabs.j\n");
}

#[test]
fn text_listing() {
    let lib = math();
    let (out, _) = listing(&lib, &opts(ListFormat::Text, ""));
    assert_eq!(out, "caps/sq.j\nabs.j\n");
    let (out, _) = listing(&lib, &opts(ListFormat::Text, "ist"));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "TDF version 4.0");
    assert!(lines[1].starts_with("2 members, "), "{out}");
    assert_eq!(lines[4], "index: 4 names in 1 shape (tag 4)");
    assert_eq!(lines[5], "  tag:");
    assert_eq!(lines[6], "    square      {DEFD, DECD, USED}  caps/sq.j");
    assert_eq!(lines[9], "    c           {MULT, DECD}        abs.j");
}

/// Rows end without spaces, also where the last cell is empty or ends in spaces (the
/// last column is not padded, and only such rows are trimmed); a name's other white
/// space is kept.
#[test]
fn text_listing_rows_end_without_spaces() {
    let body = capsule(&[("x", 7)]);
    let n = body.len();
    let lib = raw_library(&[
        ("long-name.j", body.clone()),
        ("end ", body.clone()),
        ("", body.clone()),
        ("s\u{a0}", body),
    ]);
    let (out, _) = listing(&lib, &opts(ListFormat::Text, "s"));
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(
        rows,
        [
            format!("  {n}  long-name.j"),
            format!("  {n}  end"),
            format!("  {n}"),
            format!("  {n}  s\u{a0}"),
        ],
        "{out:?}"
    );
}

#[test]
fn json_listing_has_every_field() {
    let (out, _) = listing(&math(), &opts(ListFormat::Json, ""));
    assert!(out.starts_with("{\n  \"schema\": \"tshow-library-1\",\n  \"file\": \"math.tl\",\n"));
    assert!(out.contains("\"name\": \"[pkg.cube]\", \"unique\": true, \"usage\": [\"DEFD\", \"DECD\"], \"usage_bits\": 6, \"capsule\": 0, \"capsule_name\": \"caps/sq.j\""), "{out}");
    assert!(out.ends_with("  ]\n}\n"));
    // Balanced brackets, as a cheap well-formedness check.
    let opens = out.matches(['{', '[']).count();
    let closes = out.matches(['}', ']']).count();
    assert_eq!(opens - 2, closes - 2); // "[pkg.cube]" holds one of each
}

#[test]
fn bad_libraries_are_reported() {
    let lib = math();
    let (out, errs) = listing(&lib[..lib.len() - 3], &opts(ListFormat::Tendra, "i"));
    assert_eq!(out, "");
    assert_eq!(errs, ["tdf_unexpected_eof"]);
    let (_, errs) = listing(&capsule(&[]), &opts(ListFormat::Tendra, ""));
    assert_eq!(errs, ["library_bad_magic"]);
}

#[test]
fn show_inspects_capsules() {
    let c = capsule(&[("main", 7), ("helper", 3), ("common", 10)]);
    let mut rep = quiet();
    let mut out = Vec::new();
    let d = tmp("inspect");
    let path = d.join("m.j");
    std::fs::write(&path, &c).unwrap();
    show(
        path.to_str().unwrap(),
        &opts(ListFormat::Text, ""),
        &mut out,
        &mut rep,
    );
    assert!(kinds(&rep).is_empty());
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("external names: 3 (1 undefined)"), "{out}");
    assert!(
        out.contains("  undefined  tag     1  helper  {DECD, USED}"),
        "{out}"
    );
    assert!(
        out.contains("  common     tag     2  common  {MULT, DECD}"),
        "{out}"
    );
    // A capsule is not a library for the TenDRA listing.
    let mut rep = quiet();
    show(
        path.to_str().unwrap(),
        &opts(ListFormat::Tendra, ""),
        &mut Vec::new(),
        &mut rep,
    );
    assert_eq!(kinds(&rep), ["library_bad_magic"]);
    std::fs::remove_dir_all(&d).unwrap();
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tdf-show-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            let rel = p.strip_prefix(dir).unwrap().display().to_string();
            if e.file_type().unwrap().is_dir() {
                stack.push(p);
            } else {
                out.push(rel);
            }
        }
    }
    out.sort();
    out
}

fn extract_in(dir: &Path, lib: &str, o: ExtractOptions) -> Vec<&'static str> {
    let mut rep = quiet();
    let o = ExtractOptions {
        directory: Some(dir.join("out")),
        ..o
    };
    extract(dir.join(lib).to_str().unwrap(), &o, &mut rep);
    kinds(&rep)
}

#[test]
fn extraction_writes_members_byte_for_byte() {
    let d = tmp("extract");
    let a = capsule(&[("a", 6)]);
    let b = capsule(&[("b", 6)]);
    std::fs::write(
        d.join("l.tl"),
        library(&[("x/y/a.j", a.clone()), ("b.j", b.clone())]),
    )
    .unwrap();

    let all = ExtractOptions {
        all: true,
        ..Default::default()
    };
    assert!(extract_in(&d, "l.tl", all.clone()).is_empty());
    assert_eq!(files(&d.join("out")), ["b.j", "x/y/a.j"]);
    assert_eq!(std::fs::read(d.join("out/x/y/a.j")).unwrap(), a);
    // Overwrites existing files.
    std::fs::write(d.join("out/b.j"), b"old").unwrap();
    assert!(extract_in(&d, "l.tl", all).is_empty());
    assert_eq!(std::fs::read(d.join("out/b.j")).unwrap(), b);
    std::fs::remove_dir_all(d.join("out")).unwrap();

    // By name and basename.
    let by_name = ExtractOptions {
        match_basename: true,
        basename: true,
        names: vec!["a.j".into(), "b.j".into()],
        ..Default::default()
    };
    assert!(extract_in(&d, "l.tl", by_name.clone()).is_empty());
    assert_eq!(files(&d.join("out")), ["a.j", "b.j"]);
    std::fs::remove_dir_all(d.join("out")).unwrap();
    // Issue 10, class 2: all or nothing. Every name not found is reported, and nothing
    // is written (not even the target directory).
    let missing = ExtractOptions {
        names: vec![
            "nosuch.j".into(),
            "a.j".into(),
            "b.j".into(),
            "other.j".into(),
        ],
        ..by_name
    };
    assert_eq!(
        extract_in(&d, "l.tl", missing),
        ["capsule_not_found", "capsule_not_found"]
    );
    assert!(!d.join("out").exists());

    // Option errors.
    let both = ExtractOptions {
        all: true,
        names: vec!["a.j".into()],
        ..Default::default()
    };
    assert_eq!(
        extract_in(&d, "l.tl", both),
        ["all_specified_with_capsules"]
    );
    assert_eq!(
        extract_in(&d, "l.tl", ExtractOptions::default()),
        ["no_capsules_specified"]
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn extraction_refuses_to_leave_the_directory() {
    let d = tmp("unsafe");
    let c = capsule(&[("a", 6)]);
    std::fs::write(
        d.join("evil.tl"),
        raw_library(&[
            ("../evil.j", c.clone()),
            ("a/../../evil2.j", c.clone()),
            ("/abs.j", c.clone()),
            ("link/through.j", c.clone()),
            ("inner/ok.j", c.clone()),
        ]),
    )
    .unwrap();
    std::fs::create_dir_all(d.join("out/real")).unwrap();
    std::fs::create_dir_all(d.join("outside")).unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("../outside", d.join("out/link")).unwrap();
        std::os::unix::fs::symlink("real", d.join("out/inner")).unwrap();
    }
    let errs = extract_in(
        &d,
        "evil.tl",
        ExtractOptions {
            all: true,
            ..Default::default()
        },
    );
    // Every unsafe name is reported before anything is written, and then nothing is.
    let unsafe_names = if cfg!(unix) { 3 } else { 2 };
    assert_eq!(errs, vec!["unsafe_member_name"; unsafe_names]);
    assert_eq!(files(&d.join("outside")), Vec::<String>::new());
    assert!(!d.join("evil.j").exists() && !d.join("evil2.j").exists());
    assert!(!d.join("out/abs.j").exists());
    // Without the unsafe members, an absolute name is made relative and a link that
    // stays inside the target is followed.
    std::fs::write(
        d.join("fine.tl"),
        raw_library(&[("/abs.j", c.clone()), ("inner/ok.j", c.clone())]),
    )
    .unwrap();
    let all = ExtractOptions {
        all: true,
        ..Default::default()
    };
    assert!(extract_in(&d, "fine.tl", all).is_empty());
    assert_eq!(std::fs::read(d.join("out/abs.j")).unwrap(), c);
    #[cfg(unix)]
    assert_eq!(std::fs::read(d.join("out/real/ok.j")).unwrap(), c);
    std::fs::remove_dir_all(&d).unwrap();
}
