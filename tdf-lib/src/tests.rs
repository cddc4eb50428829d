use std::borrow::Cow;
use std::path::PathBuf;

use tdf_core::{ExtName, Library};
use tdf_errors::Reporter;

use super::*;
use tdf_tests::fixtures;

const DEFD: u8 = 4 | 2; // DEFD | DECD (a tag must be declared where defined)
const USED: u8 = 2 | 1;
const MULT: u8 = 8 | 2;

/// A capsule with names `(shape, name, usage bits)`; `[a.b]` is a unique name.
fn capsule_v(minor: u32, names: &[(&'static str, &str, u8)]) -> Vec<u8> {
    names
        .iter()
        .fold(
            fixtures::capsule().version(4, minor),
            |c, &(shape, name, bits)| c.name_with_usage(shape, name, bits),
        )
        .build()
}

fn capsule(names: &[(&'static str, &str, u8)]) -> Vec<u8> {
    capsule_v(0, names)
}

fn quiet() -> Reporter {
    Reporter::with_writer("tlib", Box::new(std::io::sink()))
}

fn kinds(rep: &Reporter) -> Vec<&'static str> {
    rep.diagnostics().iter().map(|d| d.kind.name()).collect()
}

/// Builds in memory from `(stored name, bytes)`.
fn build_mem<'a>(
    caps: &'a [(&'a str, Vec<u8>)],
    suppress: &Suppression<'_>,
    rep: &mut Reporter,
) -> Library<'a> {
    let sets = tdf_core::UnitSetList::default();
    let mut b = Builder::new(&sets);
    for (name, bytes) in caps {
        b.add_capsule(Cow::Borrowed(name.as_bytes()), name.to_string(), bytes, rep)
            .unwrap();
    }
    b.finish(suppress, rep).unwrap()
}

/// The index as `shape name usage capsule` lines, in file order.
fn index_lines(lib: &Library<'_>) -> Vec<String> {
    lib.index
        .iter()
        .flat_map(|s| {
            s.entries.iter().map(move |e| {
                format!(
                    "{} {} {} {}",
                    String::from_utf8_lossy(&s.name),
                    e.name,
                    e.usage,
                    e.capsule
                )
            })
        })
        .collect()
}

#[test]
fn index_follows_first_seen_order_and_merges_usage() {
    let caps = [
        (
            "a.j",
            capsule(&[("tag", "f", DEFD), ("tag", "g", USED), ("token", "t", USED)]),
        ),
        (
            "b.j",
            capsule_v(
                1,
                &[
                    ("token", "t", 4),
                    ("tag", "g", DEFD | 1),
                    ("tag", "h", USED),
                ],
            ),
        ),
    ];
    let mut rep = quiet();
    let lib = build_mem(&caps, &Suppression::default(), &mut rep);
    assert!(kinds(&rep).is_empty());
    assert_eq!((lib.major, lib.minor), (4, 1));
    let names: Vec<&[u8]> = lib.members.iter().map(|m| &*m.name).collect();
    assert_eq!(names, [&b"a.j"[..], b"b.j"]);
    assert_eq!(
        index_lines(&lib),
        [
            "tag f {DEFD, DECD} 0",
            "tag g {DEFD, DECD, USED} 1",
            "token t {DEFD, DECD, USED} 1",
        ]
    );
    // The members are the input bytes, and the result reads back.
    assert_eq!(&*lib.members[1].data, &caps[1].1[..]);
    let bytes = lib.to_bytes();
    assert_eq!(
        index_lines(&Library::read(&bytes).unwrap()),
        index_lines(&lib)
    );
    // Byte-identical on every run.
    let again = build_mem(&caps, &Suppression::default(), &mut quiet()).to_bytes();
    assert_eq!(bytes, again);
}

#[test]
fn definition_rules() {
    // Two unique definitions: an error naming the first capsule.
    let caps = [
        ("a.j", capsule(&[("tag", "f", DEFD)])),
        ("b.j", capsule(&[("tag", "f", DEFD)])),
    ];
    let mut rep = quiet();
    build_mem(&caps, &Suppression::default(), &mut rep);
    assert_eq!(kinds(&rep), ["multiply_defined"]);
    let d = &rep.diagnostics()[0];
    assert_eq!(d.file.as_deref(), Some("b.j"));
    assert!(d.kind.message().contains("'a.j'"), "{}", d.kind.message());

    // Two shared definitions and no unique one.
    let caps = [
        ("a.j", capsule(&[("tag", "c", MULT)])),
        ("b.j", capsule(&[("tag", "c", MULT)])),
    ];
    let mut rep = quiet();
    let lib = build_mem(&caps, &Suppression::default(), &mut rep);
    assert_eq!(kinds(&rep), ["no_single_definition"]);
    assert!(lib.index.is_empty());

    // Shared definitions plus a unique one: the unique one is indexed.
    let caps = [
        ("a.j", capsule(&[("tag", "c", MULT)])),
        ("b.j", capsule(&[("tag", "c", MULT)])),
        ("u.j", capsule(&[("tag", "c", DEFD)])),
    ];
    let mut rep = quiet();
    let lib = build_mem(&caps, &Suppression::default(), &mut rep);
    assert!(kinds(&rep).is_empty());
    assert_eq!(index_lines(&lib), ["tag c {DEFD, MULT, DECD} 2"]);

    // One shared definition is a definition.
    let caps = [("a.j", capsule(&[("tag", "c", MULT)]))];
    let lib = build_mem(&caps, &Suppression::default(), &mut quiet());
    assert_eq!(index_lines(&lib), ["tag c {MULT, DECD} 0"]);

    // One capsule defining a name under two ids (found by fuzzing `tld -mc`, which
    // panicked looking for the earlier definition among the capsules before this one):
    // an error naming the capsule itself.
    let one = capsule(&[("tag", "f", DEFD)]);
    let mut c = tdf_core::Capsule::read(&one).unwrap();
    let mut twice = c.shapes[0].externs[0].clone();
    twice.id = c.shapes[0].num_ids;
    c.shapes[0].num_ids += 1;
    c.shapes[0].externs.push(twice);
    let tld = c.groups.iter_mut().find(|g| &*g.name == b"tld").unwrap();
    let usage = tdf_core::Usage::from_bits(DEFD.into()).unwrap();
    tld.units[0].body = Cow::Owned(tdf_core::linkinfo::write_tld_body([usage, usage]));
    let caps = [("twice.j", c.to_bytes())];
    let mut rep = quiet();
    build_mem(&caps, &Suppression::default(), &mut rep);
    assert_eq!(kinds(&rep), ["multiply_defined"]);
    let d = &rep.diagnostics()[0];
    assert_eq!(d.file.as_deref(), Some("twice.j"));
    assert!(
        d.kind.message().contains("'twice.j'"),
        "{}",
        d.kind.message()
    );
}

#[test]
fn suppression() {
    let caps = [(
        "a.j",
        capsule(&[
            ("tag", "f", DEFD),
            ("tag", "c", MULT),
            ("tag", "[u.v]", DEFD),
            ("token", "t", 4),
        ]),
    )];
    let all = build_mem(&caps, &Suppression::default(), &mut quiet());
    assert_eq!(index_lines(&all).len(), 4);

    let names = [
        (b"tag".to_vec(), ExtName::parse(b"[u.v]").unwrap()),
        (b"tag".to_vec(), ExtName::parse(b"nosuch").unwrap()),
        (b"nosuchshape".to_vec(), ExtName::parse(b"f").unwrap()),
    ];
    let s = Suppression {
        names: &names,
        ..Default::default()
    };
    let lib = build_mem(&caps, &s, &mut quiet());
    assert_eq!(
        index_lines(&lib),
        [
            "tag f {DEFD, DECD} 0",
            "tag c {MULT, DECD} 0",
            "token t {DEFD} 0"
        ]
    );

    let s = Suppression {
        mult: true,
        ..Default::default()
    };
    let lib = build_mem(&caps, &s, &mut quiet());
    assert!(!index_lines(&lib).iter().any(|l| l.starts_with("tag c ")));

    let shapes = [b"tag".to_vec()];
    let s = Suppression {
        shapes: &shapes,
        ..Default::default()
    };
    let lib = build_mem(&caps, &s, &mut quiet());
    assert_eq!(index_lines(&lib), ["token t {DEFD} 0"]);
}

#[test]
fn capsule_errors_are_reported_with_the_file() {
    let mut v5 = capsule(&[("tag", "f", DEFD)]);
    v5[4] = 0xD8; // major 5
    let caps = [
        ("a.j", capsule(&[("tag", "g", DEFD)])),
        ("a.j", capsule(&[("tag", "h", DEFD)])),
        ("bad.j", capsule(&[("tag", "x", 4)])), // defined but not declared
        ("v5.j", v5),
        ("short.j", b"TDFC".to_vec()),
    ];
    let mut rep = quiet();
    build_mem(&caps, &Suppression::default(), &mut rep);
    assert_eq!(
        kinds(&rep),
        [
            "duplicate_capsule_name",
            "defined_but_not_declared",
            "capsule_version_mismatch",
            "tdf_unexpected_eof"
        ]
    );
    let files: Vec<_> = rep.diagnostics()[1..]
        .iter()
        .map(|d| d.file.clone().unwrap())
        .collect();
    assert_eq!(files, ["bad.j", "v5.j", "short.j"]);
}

#[test]
fn included_libraries_come_first_with_their_names() {
    let a = capsule(&[("tag", "f", DEFD)]);
    let inner = [("lib/a.j", a)];
    let lib_bytes = build_mem(&inner, &Suppression::default(), &mut quiet()).to_bytes();

    let sets = tdf_core::UnitSetList::default();
    let b_bytes = capsule(&[("tag", "f", USED), ("tag", "g", DEFD)]);
    let mut rep = quiet();
    let mut b = Builder::new(&sets);
    b.add_library("in.tl", &lib_bytes, &mut rep).unwrap();
    b.add_capsule(Cow::Borrowed(b"b.j"), "b.j".into(), &b_bytes, &mut rep)
        .unwrap();
    let lib = b.finish(&Suppression::default(), &mut rep).unwrap();
    assert!(kinds(&rep).is_empty());
    let names: Vec<&[u8]> = lib.members.iter().map(|m| &*m.name).collect();
    assert_eq!(names, [&b"lib/a.j"[..], b"b.j"]);
    assert_eq!(
        index_lines(&lib),
        ["tag f {DEFD, DECD, USED} 0", "tag g {DEFD, DECD} 1"]
    );

    // The same library twice through two names: its capsules clash.
    let mut rep = quiet();
    let mut b = Builder::new(&sets);
    b.add_library("one.tl", &lib_bytes, &mut rep).unwrap();
    b.add_library("two.tl", &lib_bytes, &mut rep).unwrap();
    b.finish(&Suppression::default(), &mut rep);
    assert_eq!(
        kinds(&rep),
        [
            "lib_multiply_defined",
            "duplicate_capsule_name",
            "multiply_defined"
        ]
    );
    assert_eq!(
        rep.diagnostics()[2].file.as_deref(),
        Some("two.tl(lib/a.j)")
    );
    assert!(rep.diagnostics()[0]
        .kind
        .message()
        .contains("'one.tl(lib/a.j)'"));
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tdf-lib-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn build_writes_only_on_success() {
    let d = tmp("build");
    let a = d.join("a.j");
    let b = d.join("b.j");
    std::fs::write(&a, capsule(&[("tag", "f", DEFD)])).unwrap();
    std::fs::write(&b, capsule(&[("tag", "f", DEFD)])).unwrap();
    let out = d.join("out.tl");
    let s = |p: &PathBuf| p.display().to_string();

    let mut opts = BuildOptions {
        output: Some(out.clone()),
        capsules: vec![s(&a)],
        debug_file: Some(d.join("trace.txt")),
        ..Default::default()
    };
    let mut rep = quiet();
    build(&opts, &mut rep);
    assert_eq!(rep.exit_code(), 0, "{:?}", rep.diagnostics());
    let first = std::fs::read(&out).unwrap();
    let lib = Library::read(&first).unwrap();
    assert_eq!(&*lib.members[0].name, s(&a).as_bytes());
    let trace = std::fs::read_to_string(d.join("trace.txt")).unwrap();
    assert!(trace.contains("index tag 'f'"), "{trace}");

    // An error: the existing library stays as it was, no temporary file is left.
    opts.capsules = vec![s(&a), s(&b), s(&d.join("missing.j"))];
    opts.debug_file = None;
    let mut rep = quiet();
    build(&opts, &mut rep);
    assert_eq!(rep.exit_code(), 1);
    assert_eq!(kinds(&rep), ["multiply_defined", "cannot_open_input_file"]);
    assert_eq!(std::fs::read(&out).unwrap(), first);
    assert_eq!(std::fs::read_dir(&d).unwrap().count(), 4);

    // -i with the library just built, named twice (counted once).
    opts.capsules = vec![];
    opts.include_libraries = vec![s(&out), s(&out)];
    opts.output = Some(d.join("copy.tl"));
    let mut rep = quiet();
    build(&opts, &mut rep);
    assert_eq!(rep.exit_code(), 0, "{:?}", rep.diagnostics());
    assert_eq!(std::fs::read(d.join("copy.tl")).unwrap(), first);

    // Nothing to do: a usage error.
    let mut rep = quiet();
    build(&BuildOptions::default(), &mut rep);
    assert_eq!(kinds(&rep), ["missing_files"]);
    assert_eq!(rep.exit_code(), 2);
    std::fs::remove_dir_all(&d).unwrap();
}
