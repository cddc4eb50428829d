//! In-process tests of the link phases (§5) on fixtures made with the project's writer.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tdf_core::capsule::Capsule;
use tdf_errors::Reporter;
use tdf_tests::fixtures::{capsule, library};

/// A writer the test can read back.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct Run {
    status: i32,
    stdout: String,
    stderr: String,
    /// Codes of the diagnostics reported.
    codes: Vec<&'static str>,
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tld-phase-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn put(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

/// Runs tld in `dir` (paths in `args` are made relative to it).
fn run(dir: &Path, args: &[&str]) -> Run {
    let err = Shared::default();
    let mut rep = Reporter::with_writer("tld", Box::new(err.clone()));
    let mut out = Vec::new();
    let args = args
        .iter()
        .map(|a| {
            if a.ends_with(".j") || a.ends_with(".tl") || a.ends_with(".txt") {
                dir.join(a).into_os_string()
            } else {
                (*a).into()
            }
        })
        .collect();
    let status = crate::run(args, &mut out, &mut rep);
    let stderr = String::from_utf8(err.0.lock().unwrap().clone()).unwrap();
    Run {
        status,
        stdout: String::from_utf8(out).unwrap(),
        stderr,
        codes: rep.diagnostics().iter().map(|d| d.code()).collect(),
    }
}

/// `shape name usage` for each external name of a capsule file, sorted.
fn names(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).unwrap();
    let c = Capsule::read(&bytes).unwrap();
    let mut v: Vec<String> = c
        .shapes
        .iter()
        .flat_map(|s| {
            s.externs.iter().map(move |e| {
                format!(
                    "{} {} {}",
                    String::from_utf8_lossy(&s.name),
                    e.name.to_text(),
                    e.usage.bits()
                )
            })
        })
        .collect();
    v.sort();
    v
}

#[test]
fn ids_are_shared_and_private_ids_stay_private() {
    let d = dir("ids");
    put(
        &d,
        "a.j",
        &capsule()
            .define_tag("f")
            .use_tag("g")
            .private_tags(2)
            .build(),
    );
    put(
        &d,
        "b.j",
        &capsule()
            .define_tag("g")
            .use_tag("f")
            .private_tags(1)
            .build(),
    );
    let r = run(&d, &["-o", "o.j", "a.j", "b.j"]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let bytes = std::fs::read(d.join("o.j")).unwrap();
    let c = Capsule::read(&bytes).unwrap();
    // f, g, and three private tags.
    assert_eq!(c.shapes.len(), 1);
    assert_eq!(c.shapes[0].num_ids, 5);
    assert_eq!(names(&d.join("o.j")), ["tag f 7", "tag g 7"]);
    // Every unit of both capsules is there, in reading order.
    let tagdef = c.group(b"tagdef").unwrap();
    assert_eq!(tagdef.units.len(), 3 + 2);
}

#[test]
fn hidden_names_keep_their_ids() {
    let d = dir("hide");
    put(
        &d,
        "a.j",
        &capsule()
            .define_tag("f")
            .define_tag("main")
            .use_tag("x")
            .build(),
    );
    let r = run(&d, &["-H", "tag", "-k", "tag", "main", "-o", "o.j", "a.j"]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let bytes = std::fs::read(d.join("o.j")).unwrap();
    let c = Capsule::read(&bytes).unwrap();
    assert_eq!(c.shapes[0].num_ids, 3);
    assert_eq!(names(&d.join("o.j")), ["tag main 6", "tag x 3"]);
}

#[test]
fn usage_twelve_takes_two_nibbles() {
    let d = dir("usage12");
    put(
        &d,
        "a.j",
        &capsule().name_with_usage("tag", "c", 14).build(),
    );
    put(&d, "b.j", &capsule().common_tag("c").build());
    let r = run(&d, &["-o", "o.j", "a.j", "b.j"]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(names(&d.join("o.j")), ["tag c 14"]);
}

#[test]
fn output_minor_is_the_largest() {
    let d = dir("minor");
    put(&d, "a.j", &capsule().define_tag("f").version(4, 0).build());
    put(&d, "b.j", &capsule().use_tag("f").version(4, 1).build());
    let r = run(&d, &["-o", "o.j", "a.j", "b.j"]);
    assert_eq!(r.status, 0);
    let bytes = std::fs::read(d.join("o.j")).unwrap();
    let c = Capsule::read(&bytes).unwrap();
    assert_eq!((c.major, c.minor), (4, 1));
    put(&d, "c.j", &capsule().use_tag("f").version(5, 0).build());
    let r = run(&d, &["-o", "p.j", "a.j", "c.j"]);
    assert_eq!(r.status, 1);
    assert_eq!(r.codes, ["E0503"]);
    assert!(!d.join("p.j").exists());
}

#[test]
fn library_resolution_is_transitive_and_loads_each_capsule_once() {
    let d = dir("resolve");
    put(
        &d,
        "main.j",
        &capsule().define_tag("main").use_tag("a").build(),
    );
    let a = capsule().define_tag("a").use_tag("b").use_tag("c").build();
    let b = capsule()
        .define_tag("b")
        .define_tag("c")
        .use_tag("a")
        .build();
    let unused = capsule().define_tag("z").build();
    put(
        &d,
        "l.tl",
        &library(&[("a.j", &a), ("b.j", &b), ("z.j", &unused)]),
    );
    let r = run(
        &d,
        &[
            "--why-extract",
            "why.txt",
            "-o",
            "o.j",
            "main.j",
            "-l",
            "l.tl",
        ],
    );
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(
        names(&d.join("o.j")),
        ["tag a 7", "tag b 7", "tag c 7", "tag main 6"]
    );
    let why = std::fs::read_to_string(d.join("why.txt")).unwrap();
    assert_eq!(why.lines().count(), 3, "{why}");
    assert!(why.contains("l.tl(a.j)\ttag\ta"), "{why}");
    assert!(why.contains("l.tl(b.j)\ttag\tb"), "{why}");
}

#[test]
fn shared_definitions_and_suppress_mult() {
    let d = dir("mult");
    put(&d, "main.j", &capsule().use_tag("c").build());
    let common = capsule().common_tag("c").build();
    put(&d, "l.tl", &library(&[("common.j", &common)]));
    // A shared library definition is used ...
    let r = run(&d, &["-o", "o.j", "main.j", "-l", "l.tl"]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(names(&d.join("o.j")), ["tag c 11"]);
    // ... unless -M.
    let r = run(&d, &["-M", "-i", "-o", "p.j", "main.j", "-l", "l.tl"]);
    assert_eq!(r.status, 0);
    assert_eq!(r.codes, ["E0703"]);
    assert_eq!(names(&d.join("p.j")), ["tag c 3"]);
    // A program name with a shared definition is only completed by a unique one.
    put(&d, "own.j", &capsule().common_tag("c").use_tag("c").build());
    let r = run(&d, &["-o", "q.j", "own.j", "-l", "l.tl"]);
    assert_eq!(r.status, 0);
    assert_eq!(names(&d.join("q.j")), ["tag c 11"]);
    let unique = capsule().define_tag("c").build();
    put(&d, "u.tl", &library(&[("unique.j", &unique)]));
    let r = run(&d, &["-o", "r.j", "own.j", "-l", "u.tl"]);
    assert_eq!(r.status, 0);
    assert_eq!(names(&d.join("r.j")), ["tag c 15"]);
}

#[test]
fn suppression_only_stops_loading_for_that_name() {
    let d = dir("suppress");
    put(&d, "main.j", &capsule().use_tag("a").use_tag("b").build());
    let ab = capsule().define_tag("a").define_tag("b").build();
    put(&d, "l.tl", &library(&[("ab.j", &ab)]));
    let r = run(&d, &["-s", "tag", "a", "-o", "o.j", "main.j", "-l", "l.tl"]);
    assert_eq!(r.status, 0);
    assert_eq!(names(&d.join("o.j")), ["tag a 7", "tag b 7"]);
    let r = run(&d, &["-S", "tag", "-o", "p.j", "main.j", "-l", "l.tl"]);
    assert_eq!(r.status, 0);
    assert_eq!(names(&d.join("p.j")), ["tag a 3", "tag b 3"]);
}

#[test]
fn renames_apply_to_libraries_and_are_transitive() {
    let d = dir("rename");
    put(&d, "main.j", &capsule().use_tag("new").build());
    let old = capsule().define_tag("old").build();
    put(&d, "l.tl", &library(&[("old.j", &old)]));
    let r = run(
        &d,
        &[
            "-r", "tag", "old", "mid", "-r", "tag", "mid", "new", "-o", "o.j", "main.j", "-l",
            "l.tl",
        ],
    );
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(names(&d.join("o.j")), ["tag new 7"]);
    // Renaming onto a defined name merges them: two definitions.
    put(
        &d,
        "two.j",
        &capsule().define_tag("x").define_tag("y").build(),
    );
    let r = run(&d, &["-r", "tag", "x", "y", "-o", "p.j", "two.j"]);
    assert_eq!(r.status, 1);
    assert_eq!(r.codes, ["E0526"]);
    // A name renamed twice, and a loop.
    let r = run(
        &d,
        &[
            "-r", "tag", "a", "b", "-r", "tag", "a", "c", "-r", "tag", "p", "p", "-o", "q.j",
            "two.j",
        ],
    );
    assert_eq!(r.status, 1);
    assert_eq!(r.codes, ["E0202", "E0203"]);
    assert!(!d.join("q.j").exists());
}

#[test]
fn rename_file_rules_count_as_command_line_rules() {
    let d = dir("rename-file");
    put(
        &d,
        "a.j",
        &capsule().define_tag("a").use_tag("[u.v]").build(),
    );
    put(&d, "r.txt", b"'tag' \"a\" \"b\" ;\n [u.v] \"uv\";\n");
    let r = run(&d, &["-R", "r.txt", "-o", "o.j", "a.j"]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(names(&d.join("o.j")), ["tag b 6", "tag uv 3"]);
    put(&d, "dup.txt", b"'tag' \"a\" \"b\" ;\n\"a\" \"c\" ;\n");
    let r = run(&d, &["-R", "dup.txt", "-o", "p.j", "a.j"]);
    assert_eq!(r.codes, ["E0202"]);
    assert!(r.stderr.contains("dup.txt:2:1"), "{}", r.stderr);
}

#[test]
fn errors_keep_going_within_a_phase() {
    let d = dir("errors");
    put(
        &d,
        "a.j",
        &capsule().define_tag("f").define_tag("g").build(),
    );
    let r = run(&d, &["-o", "o.j", "a.j", "nosuch.j", "a.j", "a.j"]);
    assert_eq!(r.status, 1);
    assert_eq!(r.codes, ["E0701", "E0526", "E0526", "E0526", "E0526"]);
    assert!(!d.join("o.j").exists());
}

#[test]
fn trace_symbol_and_debug_file() {
    let d = dir("trace");
    put(&d, "a.j", &capsule().define_tag("f").build());
    put(&d, "b.j", &capsule().use_tag("f").build());
    let trace = d.join("trace.txt");
    let r = run(
        &d,
        &[
            "-y",
            "tag",
            "f",
            "-d",
            trace.to_str().unwrap(),
            "-o",
            "o.j",
            "a.j",
            "b.j",
        ],
    );
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(r.stdout.lines().count(), 2, "{}", r.stdout);
    assert!(r.stdout.contains("a.j: tag 'f': defined, declared"));
    let t = std::fs::read_to_string(trace).unwrap();
    for phase in [
        "rename",
        "load",
        "search",
        "suppress",
        "resolve",
        "visibility",
        "emit",
    ] {
        assert!(t.contains(&format!("== {phase}")), "{t}");
    }
}

#[test]
fn running_out_of_output_ids_is_reported() {
    // Two new names when only one output id is left (ids stop at 2^32 - 2).
    let data = capsule().define_tag("a").define_tag("b").build();
    let mut l = crate::state::Linker::new(Default::default(), Default::default());
    let tag = l.program_shape(std::borrow::Cow::Borrowed(b"tag"));
    l.program.entry_mut(tag).next_id = u32::MAX - 1;
    let mut rep = Reporter::with_writer("tld", Box::new(Shared::default()));
    let _ = crate::load::load_capsule(&mut l, &data, "x.j".into(), &mut rep);
    let names: Vec<&str> = rep.diagnostics().iter().map(|d| d.kind.name()).collect();
    assert_eq!(names, ["too_many_ids"]);
    assert_eq!(rep.exit_code(), 1);
}
