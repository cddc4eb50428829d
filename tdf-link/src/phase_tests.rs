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
    // A header, then b.j is needed by b and by c in the same round: both are causes.
    assert_eq!(why.lines().count(), 4, "{why}");
    assert!(why.contains("l.tl(a.j)\ttag\ta"), "{why}");
    assert!(why.contains("l.tl(b.j)\ttag\tb"), "{why}");
    assert!(why.contains("l.tl(b.j)\ttag\tc"), "{why}");
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
    l.tables.program_mut(tag).next_id = u32::MAX - 1;
    let mut rep = Reporter::with_writer("tld", Box::new(Shared::default()));
    let _ = crate::load::load_capsule(&mut l, &data, "x.j".into(), &mut rep);
    let names: Vec<&str> = rep.diagnostics().iter().map(|d| d.kind.name()).collect();
    assert_eq!(names, ["too_many_ids"]);
    assert_eq!(rep.exit_code(), 1);
}

/// Issue 10, class 1: `main.j` uses tag `f` and declares token `t`; library member `A.j`
/// defines `f` and uses `t`, `B.j` defines `t`. Loading A.j makes `t` used after it was
/// first examined: B.j must be loaded too, whichever shape `main.j` lists first, and
/// `-i` has nothing to report.
#[test]
fn resolution_reexamines_names_whose_usage_changes() {
    let d = dir("fixpoint");
    let a = capsule()
        .name_with_usage("tag", "f", 6)
        .name_with_usage("token", "t", 1)
        .build();
    let b = capsule().name_with_usage("token", "t", 6).build();
    put(&d, "lib.tl", &library(&[("A.j", &a), ("B.j", &b)]));
    let tag_first = capsule()
        .name_with_usage("tag", "f", 3)
        .name_with_usage("token", "t", 2)
        .build();
    let token_first = capsule()
        .name_with_usage("token", "t", 2)
        .name_with_usage("tag", "f", 3)
        .build();
    for (i, main) in [tag_first, token_first].iter().enumerate() {
        put(&d, "main.j", main);
        let out = format!("out{i}.j");
        let r = run(
            &d,
            &[
                "--why-extract",
                "why.txt",
                "-i",
                "-o",
                &out,
                "main.j",
                "-l",
                "lib.tl",
            ],
        );
        assert_eq!(r.status, 0, "{}", r.stderr);
        assert_eq!(r.stderr, "", "no -i warning expected");
        assert_eq!(names(&d.join(&out)), ["tag f 7", "token t 7"]);
        let why = std::fs::read_to_string(d.join("why.txt")).unwrap();
        assert!(why.contains("lib.tl(A.j)\ttag\tf"), "{why}");
        assert!(why.contains("lib.tl(B.j)\ttoken\tt"), "{why}");
    }
}

/// `-i` warnings come after the fixpoint: a name that a capsule loaded for another name
/// defines is not reported, and a name still undefined at the end is.
#[test]
fn missing_definitions_are_reported_after_the_fixpoint() {
    let d = dir("missing");
    put(
        &d,
        "main.j",
        &capsule()
            .use_tag("g")
            .use_tag("f")
            .use_tag("nowhere")
            .build(),
    );
    // f's member also defines g: g is defined although no capsule was loaded for it.
    let fg = capsule()
        .define_tag("f")
        .define_tag("g")
        .use_tag("also_nowhere")
        .build();
    put(&d, "l.tl", &library(&[("fg.j", &fg)]));
    let r = run(
        &d,
        &["-i", "-s", "tag", "g", "-o", "o.j", "main.j", "-l", "l.tl"],
    );
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(r.codes, ["E0703", "E0703"], "{}", r.stderr);
    assert!(r.stderr.contains("'nowhere'"), "{}", r.stderr);
    assert!(r.stderr.contains("'also_nowhere'"), "{}", r.stderr);
}

/// One generated link: input capsules and library members as lists of (shape, name,
/// usage bits), in the order they are written.
#[derive(Debug, Clone)]
struct LinkSet {
    inputs: Vec<Vec<(&'static str, &'static str, u8)>>,
    members: Vec<Vec<(&'static str, &'static str, u8)>>,
    options: Vec<&'static str>,
}

fn random_names(rng: &mut tdf_tests::rng::Rng) -> Vec<(&'static str, &'static str, u8)> {
    const NAMES: [&str; 5] = ["f", "g", "h", "t", "u"];
    let mut out: Vec<(&'static str, &'static str, u8)> = Vec::new();
    for _ in 0..rng.range(1, 5) {
        let shape = *rng.pick(&["tag", "token"]);
        let name = *rng.pick(&NAMES);
        if out.iter().any(|&(s, n, _)| s == shape && n == name) {
            continue;
        }
        let mut bits = rng.below(16) as u8;
        if shape == "token" {
            bits &= !8; // tokens cannot be shared definitions
        } else if bits & 12 != 0 {
            bits |= 2; // a defined tag is declared
        }
        out.push((shape, name, bits));
    }
    out
}

fn build_capsule(spec: &[(&'static str, &'static str, u8)]) -> Vec<u8> {
    spec.iter()
        .fold(capsule(), |c, &(s, n, b)| c.name_with_usage(s, n, b))
        .build()
}

/// The outcome of a link that must not depend on order: exit status, diagnostic codes,
/// `-i` warnings, the capsules loaded and the output (compared by the corpus's rules).
fn link_outcome(
    d: &Path,
    set: &LinkSet,
    tag: &str,
) -> (i32, Vec<String>, Vec<String>, Option<Vec<u8>>) {
    let mut args: Vec<String> = set.options.iter().map(|s| s.to_string()).collect();
    let out = format!("out-{tag}.j");
    args.extend([
        "--why-extract".into(),
        format!("why-{tag}.txt"),
        "-o".into(),
        out.clone(),
    ]);
    for (i, spec) in set.inputs.iter().enumerate() {
        let file = format!("in{i}-{tag}.j");
        put(d, &file, &build_capsule(spec));
        args.push(file);
    }
    let members: Vec<(String, Vec<u8>)> = set
        .members
        .iter()
        .enumerate()
        .map(|(i, spec)| (format!("m{}.j", member_id(spec, i)), build_capsule(spec)))
        .collect();
    let refs: Vec<(&str, &[u8])> = members.iter().map(|(n, b)| (n.as_str(), &b[..])).collect();
    let lib = format!("l-{tag}.tl");
    put(d, &lib, &library(&refs));
    args.extend(["-l".into(), lib]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = run(d, &argv);
    let mut diags: Vec<String> = r.stderr.lines().map(str::to_owned).collect();
    diags.sort();
    let mut why: Vec<String> = std::fs::read_to_string(d.join(format!("why-{tag}.txt")))
        .unwrap_or_default()
        .lines()
        .map(|l| l.replace(&format!("l-{tag}.tl"), "L"))
        .collect();
    why.sort();
    let output = std::fs::read(d.join(&out)).ok();
    let _ = std::fs::remove_file(d.join(&out));
    // Messages name the files of this variant: make them comparable.
    let diags = diags
        .into_iter()
        .map(|l| l.replace(&format!("-{tag}"), ""))
        .collect();
    (r.status, diags, why, output)
}

/// A member's stored name must not depend on its position: it is named by a hash of its
/// contents (and its first position, to keep equal members apart).
fn member_id(spec: &[(&str, &str, u8)], i: usize) -> String {
    let mut sorted = spec.to_vec();
    sorted.sort();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (s, n, b) in sorted {
        for byte in s.bytes().chain(n.bytes()).chain([b]) {
            h = (h ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3);
        }
    }
    let _ = i;
    format!("{h:016x}")
}

/// The property of issue 10: every permutation of the input capsules, of the shapes and
/// names within each capsule and of the library members gives an equivalent link: the
/// same status, diagnostics (up to which capsule is named as the earlier definition),
/// `-i` warnings, loaded capsules and an equivalent output.
#[test]
fn resolution_does_not_depend_on_order() {
    let d = dir("order");
    let mut rng = tdf_tests::rng::Rng::new(10);
    let mut checked = 0;
    for set_no in 0..300 {
        let inputs: Vec<_> = (0..rng.range(1, 3))
            .map(|_| random_names(&mut rng))
            .collect();
        let members: Vec<_> = (0..rng.range(1, 4))
            .map(|_| random_names(&mut rng))
            .collect();
        // A library with two unique definitions of one name has no defined index.
        let mut defd = std::collections::HashSet::new();
        let valid = members
            .iter()
            .flatten()
            .all(|&(s, n, b)| b & 4 == 0 || defd.insert((s, n)));
        // Identical members would get the same stored name.
        let mut ids: Vec<String> = members
            .iter()
            .enumerate()
            .map(|(i, m)| member_id(m, i))
            .collect();
        ids.sort();
        ids.dedup();
        if !valid || ids.len() != members.len() {
            continue;
        }
        let options = match rng.below(3) {
            0 => vec!["-i"],
            1 => vec!["-i", "-M"],
            _ => vec![],
        };
        let set = LinkSet {
            inputs,
            members,
            options,
        };
        let base = link_outcome(&d, &set, "base");
        for p in 0..4 {
            let mut v = set.clone();
            rng.shuffle(&mut v.inputs);
            rng.shuffle(&mut v.members);
            for spec in v.inputs.iter_mut().chain(v.members.iter_mut()) {
                rng.shuffle(spec);
            }
            let got = link_outcome(&d, &v, "perm");
            assert_eq!(
                (base.0, &base.2),
                (got.0, &got.2),
                "set {set_no} permutation {p}: status or loaded capsules differ\n{set:?}\n{v:?}"
            );
            // Multiply-defined errors name the earlier definition, which follows the
            // order; every other line must be the same.
            let strip = |v: &[String]| -> Vec<String> {
                let mut v: Vec<String> = v
                    .iter()
                    .map(|l| {
                        // `tld: error: FILE: byte N: TEXT`: the file and offset follow
                        // the order; so does the earlier definition named in TEXT.
                        let text = match l.find(": byte ") {
                            Some(i) => l[i + 7..].split_once(": ").map_or(l.as_str(), |x| x.1),
                            None => l.as_str(),
                        };
                        text.split(" (first definition")
                            .next()
                            .unwrap_or(text)
                            .to_owned()
                    })
                    .collect();
                v.sort();
                v
            };
            assert_eq!(
                strip(&base.1),
                strip(&got.1),
                "set {set_no} permutation {p}\n{set:?}\n{v:?}"
            );
            match (&base.3, &got.3) {
                (Some(a), Some(b)) => {
                    if let Err(why) = tdf_tests::canon::capsules_equivalent(a, b) {
                        panic!(
                            "set {set_no} permutation {p}: outputs differ: {why}\n{set:?}\n{v:?}"
                        );
                    }
                }
                (None, None) => {}
                _ => panic!("set {set_no} permutation {p}: only one link wrote an output"),
            }
            checked += 1;
        }
    }
    assert!(checked > 500, "only {checked} permutations checked");
}

/// A capsule rejected for a bad usage after a name it defines a second time: the clash is
/// reported first, as the reference reports it while it reads the usages (§2.8).
#[test]
fn clashes_read_before_a_rejection_are_reported_first() {
    let d = dir("clash-then-reject");
    put(&d, "a.j", &capsule().define_tag("f").build());
    // g is DEFD without DECD: the capsule is rejected at g's usage, after f's.
    let b = capsule()
        .define_tag("f")
        .name_with_usage("tag", "g", 4)
        .build();
    put(&d, "b.j", &b);
    let r = run(&d, &["-o", "o.j", "a.j", "b.j"]);
    assert_eq!(r.status, 1);
    assert_eq!(r.codes, ["E0526", "E0525"], "{}", r.stderr);
    assert!(!d.join("o.j").exists());
    // The same for a library build.
    let r = run(&d, &["-mc", "-o", "l.tl", "a.j", "b.j"]);
    assert_eq!(r.codes, ["E0526", "E0525"], "{}", r.stderr);
    assert!(!d.join("l.tl").exists());
}
