//! Tests of `tld`: whole runs (stdout, stderr, exit status) as insta-cmd snapshots, in a
//! scratch directory with relative paths, on fixtures made by the project's own writer.
//! Each error class is covered, and every failing run is checked to leave no output.

use std::path::{Path, PathBuf};
use std::process::Command;

use insta_cmd::assert_cmd_snapshot;
use tdf_core::{Capsule, Library};
use tdf_tests::fixtures::{capsule, library};

/// A scratch directory holding `main.j` (defines `main`, uses `helper` and token `tk`)
/// and `util.j` (defines `helper` and `tk`, uses `log`).
fn setup(name: &str) -> PathBuf {
    let dir = tdf_tests::scratch(&format!("tld-{name}"));
    let main = capsule()
        .define_tag("main")
        .use_tag("helper")
        .use_token("tk")
        .private_tags(1)
        .build();
    let util = capsule()
        .define_tag("helper")
        .use_tag("log")
        .define_token("tk")
        .build();
    std::fs::write(dir.join("main.j"), main).unwrap();
    std::fs::write(dir.join("util.j"), util).unwrap();
    dir
}

fn tld(dir: &Path) -> Command {
    let mut c = Command::new(tdf_tests::bin("tld"));
    c.current_dir(dir);
    c
}

/// The external names of a capsule file, as `shape name usage` lines.
fn names(path: &Path) -> Vec<String> {
    let bytes = std::fs::read(path).unwrap();
    let c = Capsule::read(&bytes).unwrap();
    c.shapes
        .iter()
        .flat_map(|s| {
            s.externs.iter().map(move |e| {
                format!(
                    "{} {} {}",
                    String::from_utf8_lossy(&s.name),
                    e.name.to_text(),
                    e.usage
                )
            })
        })
        .collect()
}

#[test]
fn link_two_capsules() {
    let dir = setup("link");
    assert_cmd_snapshot!(tld(&dir).args(["-o", "out.j", "main.j", "util.j"]));
    assert_eq!(
        names(&dir.join("out.j")),
        [
            "tag main {DEFD, DECD}",
            "tag helper {DEFD, DECD, USED}",
            "tag log {DECD, USED}",
            "token tk {DEFD, DECD, USED}",
        ]
    );
}

#[test]
fn link_is_deterministic_and_default_output_is_capsule_j() {
    let dir = setup("determinism");
    let run = |d: &Path| {
        let s = tld(d).args(["main.j", "util.j"]).status().unwrap();
        assert!(s.success());
        std::fs::read(d.join("capsule.j")).unwrap()
    };
    let first = run(&dir);
    assert_eq!(run(&dir), first);
}

#[test]
fn output_may_be_an_input() {
    let dir = setup("in-place");
    let s = tld(&dir)
        .args(["-o", "main.j", "main.j", "util.j"])
        .status()
        .unwrap();
    assert!(s.success());
    assert_eq!(names(&dir.join("main.j")).len(), 4);
}

#[test]
fn library_link_with_trace_symbol_and_why_extract() {
    let dir = setup("library");
    let util = std::fs::read(dir.join("util.j")).unwrap();
    let log = capsule().define_tag("log").build();
    let unused = capsule().define_tag("unused").build();
    let lib = library(&[("util.j", &util), ("log.j", &log), ("unused.j", &unused)]);
    std::fs::create_dir(dir.join("lib")).unwrap();
    std::fs::write(dir.join("lib/util.tl"), lib).unwrap();
    assert_cmd_snapshot!(tld(&dir).args([
        "-Llib",
        "-lutil",
        "-y",
        "tag",
        "log",
        "--why-extract",
        "why.txt",
        "-o",
        "app.j",
        "main.j",
    ]));
    let why = std::fs::read_to_string(dir.join("why.txt")).unwrap();
    assert_eq!(
        why,
        "capsule\tshape\tname\nlib/util.tl(util.j)\ttag\thelper\nlib/util.tl(util.j)\ttoken\ttk\n\
         lib/util.tl(log.j)\ttag\tlog\n"
    );
    let got = names(&dir.join("app.j"));
    assert!(
        got.contains(&"tag log {DEFD, DECD, USED}".to_string()),
        "{got:?}"
    );
    assert!(!got.iter().any(|n| n.contains("unused")), "{got:?}");
}

#[test]
fn tendra_driver_command_line() {
    // The shape of the command lines TenDRA's tcc passes: -L and -l attached and
    // separate, several libraries, and options after the files.
    let dir = setup("driver");
    let util = std::fs::read(dir.join("util.j")).unwrap();
    std::fs::create_dir(dir.join("api")).unwrap();
    std::fs::write(dir.join("api/c89.tl"), library(&[("util.j", &util)])).unwrap();
    let log = capsule().define_tag("log").build();
    std::fs::write(dir.join("sys.tl"), library(&[("log.j", &log)])).unwrap();
    assert_cmd_snapshot!(
        tld(&dir).args(["-Lapi", "-L", ".", "-lc89", "-lsys", "main.j", "-o", "out.t", "-i"])
    );
    assert_eq!(names(&dir.join("out.t")).len(), 4);
}

#[test]
fn missing_definitions_warn_and_plus_w_hides_them() {
    let dir = setup("warnings");
    assert_cmd_snapshot!(
        "missing_definitions_warn",
        tld(&dir).args(["-i", "-o", "o.j", "main.j"])
    );
    assert_cmd_snapshot!(
        "missing_definitions_hidden_by_plus_w",
        tld(&dir).args(["-i", "+w", "-o", "o2.j", "main.j"])
    );
}

#[test]
fn hide_and_keep() {
    let dir = setup("hide");
    assert_cmd_snapshot!(
        tld(&dir).args(["-a", "-k", "tag", "main", "-o", "h.j", "main.j", "util.j"])
    );
    assert_eq!(
        names(&dir.join("h.j")),
        ["tag main {DEFD, DECD}", "tag log {DECD, USED}"]
    );
}

#[test]
fn rename_rules() {
    let dir = setup("rename");
    std::fs::write(dir.join("r.txt"), "# renames\n'tag' \"log\" [sys.log] ;\n").unwrap();
    assert_cmd_snapshot!(tld(&dir)
        .args(["-r", "tag", "helper", "assist", "-R", "r.txt", "-o", "r.j", "main.j", "util.j"]));
    let got = names(&dir.join("r.j"));
    assert!(
        got.contains(&"tag assist {DEFD, DECD, USED}".to_string()),
        "{got:?}"
    );
    assert!(
        got.contains(&"tag [sys.log] {DECD, USED}".to_string()),
        "{got:?}"
    );
}

/// A capsule refused for a name's usage names it as renamed, through a chain of rules,
/// as TenDRA's `tld` does (the differential harness found the original name printed).
#[test]
fn usage_errors_name_the_renamed_name() {
    let dir = setup("rename-usage");
    // Token `f` with the multiple-definition bit (8), which tokens may not have.
    let bad = capsule().name_with_usage("token", "f", 0b1010).build();
    std::fs::write(dir.join("bad.j"), bad).unwrap();
    let o = tld(&dir)
        .args([
            "-r", "token", "f", "g", "-r", "token", "g", "été", "-o", "x.j", "bad.j",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("token 'été' is marked as having a shared definition"),
        "{e}"
    );
    assert!(!dir.join("x.j").exists());
}

// --- errors: every failing run leaves no output file ------------------------------------

/// Runs `args` in `dir`, snapshots it, and checks that `out` was not created.
macro_rules! fails_without_output {
    ($name:expr, $dir:expr, $out:expr, $args:expr) => {{
        assert_cmd_snapshot!($name, tld(&$dir).args($args));
        assert!(!$dir.join($out).exists(), "{} was written", $out);
    }};
}

#[test]
fn usage_errors() {
    let dir = setup("usage");
    fails_without_output!(
        "usage_unknown_short_option",
        dir,
        "x.j",
        ["-z", "-o", "x.j", "main.j"]
    );
    fails_without_output!(
        "usage_ambiguous_prefix",
        dir,
        "x.j",
        ["--s", "tag", "a", "-o", "x.j", "main.j"]
    );
    fails_without_output!("usage_missing_argument", dir, "x.j", ["main.j", "-o"]);
    fails_without_output!("usage_bad_mode", dir, "x.j", ["-mz", "main.j"]);
    fails_without_output!("usage_no_files", dir, "x.j", ["-o", "x.j"]);
    fails_without_output!(
        "usage_two_outputs",
        dir,
        "x.j",
        ["-o", "x.j", "-o", "y.j", "main.j"]
    );
    fails_without_output!(
        "usage_link_option_in_mc",
        dir,
        "x.tl",
        ["-mc", "-h", "tag", "main", "-o", "x.tl", "main.j"]
    );
}

#[test]
fn unreadable_input() {
    let dir = setup("unreadable");
    fails_without_output!(
        "unreadable_input",
        dir,
        "x.j",
        ["-o", "x.j", "main.j", "nosuch.j"]
    );
}

#[test]
fn corrupt_capsules() {
    let dir = setup("corrupt");
    let mut bad = std::fs::read(dir.join("util.j")).unwrap();
    std::fs::write(dir.join("half.j"), &bad[..bad.len() / 2]).unwrap();
    bad[3] = b'X';
    std::fs::write(dir.join("magic.j"), &bad).unwrap();
    std::fs::write(dir.join("empty.j"), b"").unwrap();
    fails_without_output!(
        "corrupt_capsules",
        dir,
        "x.j",
        ["-o", "x.j", "main.j", "magic.j", "half.j", "empty.j"]
    );
}

#[test]
fn existing_output_is_left_alone_on_error() {
    let dir = setup("keep-old");
    std::fs::write(dir.join("x.j"), b"old").unwrap();
    let s = tld(&dir)
        .args(["-o", "x.j", "main.j", "nosuch.j"])
        .status()
        .unwrap();
    assert_eq!(s.code(), Some(1));
    assert_eq!(std::fs::read(dir.join("x.j")).unwrap(), b"old");
}

#[test]
fn multiply_defined() {
    let dir = setup("multiply");
    fails_without_output!(
        "multiply_defined",
        dir,
        "x.j",
        ["-o", "x.j", "main.j", "util.j", "util.j"]
    );
}

#[test]
fn error_limit() {
    let dir = setup("limit");
    fails_without_output!(
        "error_limit",
        dir,
        "x.j",
        [
            "--error-limit",
            "2",
            "-o",
            "x.j",
            "util.j",
            "util.j",
            "util.j"
        ]
    );
}

#[test]
fn missing_library() {
    let dir = setup("nolib");
    fails_without_output!(
        "missing_library",
        dir,
        "x.j",
        ["-L.", "-lnosuch", "-o", "x.j", "main.j"]
    );
}

#[test]
fn library_errors() {
    let dir = setup("badlib");
    let util = std::fs::read(dir.join("util.j")).unwrap();
    // A capsule given as a library, and two libraries defining the same names.
    std::fs::write(dir.join("a.tl"), library(&[("util.j", &util)])).unwrap();
    std::fs::write(dir.join("b.tl"), library(&[("util2.j", &util)])).unwrap();
    fails_without_output!(
        "library_errors",
        dir,
        "x.j",
        ["-l./util.j", "-l./a.tl", "-l./b.tl", "-o", "x.j", "main.j"]
    );
}

#[test]
fn rename_cycle() {
    let dir = setup("cycle");
    fails_without_output!(
        "rename_cycle",
        dir,
        "x.j",
        ["-r", "tag", "main", "helper", "-r", "tag", "helper", "main", "-o", "x.j", "main.j"]
    );
}

#[test]
fn illegal_names() {
    let dir = setup("names");
    fails_without_output!(
        "illegal_names",
        dir,
        "x.j",
        [
            "-r",
            "tag",
            "[unterminated",
            "x",
            "-h",
            "tag",
            "a.b",
            "-o",
            "x.j",
            "main.j"
        ]
    );
}

#[test]
fn hide_errors() {
    let dir = setup("hide-errors");
    fails_without_output!(
        "hide_errors",
        dir,
        "x.j",
        [
            "-h",
            "alignment",
            "x",
            "-h",
            "tag",
            "helper",
            "-h",
            "tag",
            "nosuch",
            "-k",
            "tag",
            "nosuch",
            "-K",
            "dgtag",
            "-o",
            "x.j",
            "main.j"
        ]
    );
}

#[test]
fn rename_file_syntax_errors() {
    let dir = setup("rename-file");
    std::fs::write(
        dir.join("bad.txt"),
        "\"tag\" 'main' 'x'\n'tag' \"a\" \"b\" \"c\" ;\n'tag' \"bad\\xZZ\" \"d\" ;\n'tag' \"open\n",
    )
    .unwrap();
    fails_without_output!(
        "rename_file_syntax_errors",
        dir,
        "x.j",
        ["-R", "bad.txt", "-o", "x.j", "main.j"]
    );
    fails_without_output!(
        "rename_file_missing",
        dir,
        "x.j",
        ["-R", "nosuch.txt", "-o", "x.j", "main.j"]
    );
}

#[test]
fn unit_file_errors() {
    let dir = setup("unit-file");
    std::fs::write(dir.join("u.txt"), "\"versions\" \"tagdef\" \"tagdec\"").unwrap();
    fails_without_output!(
        "unit_file_without_tld",
        dir,
        "x.j",
        ["-u", "u.txt", "-o", "x.j", "main.j"]
    );
    std::fs::write(
        dir.join("u2.txt"),
        "\"tld\" \"tokdec\" \"tokdef\" \"tagdef\" \"tagdec\"",
    )
    .unwrap();
    fails_without_output!(
        "unit_file_wrong_order",
        dir,
        "x.j",
        ["-u", "u2.txt", "-o", "x.j", "main.j"]
    );
}

#[test]
fn unwritable_output() {
    let dir = setup("unwritable");
    assert_cmd_snapshot!(tld(&dir).args(["-o", "nodir/x.j", "main.j"]));
}

// --- help, version, explain, other modes --------------------------------------------------

#[test]
fn help() {
    let dir = setup("help");
    assert_cmd_snapshot!("help_link", tld(&dir).arg("--help"));
    assert_cmd_snapshot!("help_list_qmark", tld(&dir).args(["-mt", "-?"]));
}

#[test]
fn version() {
    let dir = setup("version");
    assert_cmd_snapshot!("version", tld(&dir).arg("-v"));
    assert_cmd_snapshot!("version_mv", tld(&dir).arg("-mv"));
}

#[test]
fn explain() {
    let dir = setup("explain");
    assert_cmd_snapshot!("explain_known", tld(&dir).args(["--explain", "E0526"]));
    assert_cmd_snapshot!("explain_unknown", tld(&dir).args(["--explain", "E9999"]));
}

#[test]
fn library_modes() {
    let dir = setup("modes");
    assert_cmd_snapshot!(
        "mode_mc",
        tld(&dir).args(["-mc", "-o", "l.tl", "main.j", "util.j"])
    );
    let lib = std::fs::read(dir.join("l.tl")).unwrap();
    assert_eq!(Library::read(&lib).unwrap().members.len(), 2);
    assert_cmd_snapshot!("mode_mt", tld(&dir).args(["-mt", "-i", "-s", "-t", "l.tl"]));
    std::fs::create_dir(dir.join("x")).unwrap();
    assert_cmd_snapshot!("mode_mx_no_names", tld(&dir).args(["-mx", "l.tl"]));
    assert_cmd_snapshot!(
        "mode_mx_all_and_names",
        tld(&dir).args(["-mx", "-a", "l.tl", "util.j"])
    );
    assert_cmd_snapshot!("mode_mt_two_files", tld(&dir).args(["-mt", "l.tl", "l.tl"]));
}

#[test]
fn response_file() {
    let dir = setup("response");
    std::fs::write(dir.join("args"), "-o out.j\nmain.j util.j\n").unwrap();
    assert_cmd_snapshot!(tld(&dir).arg("@args"));
    assert!(dir.join("out.j").exists());
}

/// Issue 10, class 3: `tld -mt` prints names in TenDRA's form (syntax characters
/// escaped, every other byte raw); diagnostics and `tshow` print valid UTF-8 as it is
/// and escape control characters and bytes that are not UTF-8.
#[test]
fn names_are_printed_as_users_read_them() {
    let dir = tdf_tests::scratch("tld-names");
    let defs = capsule()
        .define_tag("été")
        .define_tag(r"tab\x09x")
        .define_tag(r"a\.b")
        .build();
    let main = capsule()
        .use_tag("été")
        .use_tag("ünï")
        .use_tag(r"bell\x07")
        .use_tag(r"raw\xff")
        .build();
    std::fs::write(dir.join("lib.tl"), library(&[("defs.j", &defs)])).unwrap();
    std::fs::write(dir.join("main.j"), main).unwrap();

    let out = tld(&dir).args(["-mt", "-i", "lib.tl"]).output().unwrap();
    assert!(out.status.success());
    let listing = out.stdout;
    for line in [
        "  été {DEFD, DECD} 'defs.j'\n".as_bytes(),
        b"  tab\tx {DEFD, DECD} 'defs.j'\n",
        b"  a\\.b {DEFD, DECD} 'defs.j'\n",
    ] {
        assert!(
            listing.windows(line.len()).any(|w| w == line),
            "{:?} not in {}",
            String::from_utf8_lossy(line),
            String::from_utf8_lossy(&listing)
        );
    }

    let out = tld(&dir)
        .args(["-i", "-L", ".", "-l", "lib", "-o", "out.j", "main.j"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).expect("diagnostics are UTF-8");
    assert!(stderr.contains("'ünï'"), "{stderr}");
    assert!(stderr.contains(r"'bell\x07'"), "{stderr}");
    assert!(stderr.contains(r"'raw\xff'"), "{stderr}");
    assert!(!stderr.contains("été"), "été is defined: {stderr}");
    assert_eq!(stderr.lines().count(), 3, "{stderr}");

    let tshow = |args: &[&str]| {
        let out = Command::new(tdf_tests::bin("tshow"))
            .current_dir(&dir)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).expect("tshow prints UTF-8")
    };
    let text = tshow(&["-i", "lib.tl"]);
    assert!(text.contains("été  "), "{text}");
    assert!(text.contains(r"tab\x09x"), "{text}");
    let json = tshow(&["--format", "json", "lib.tl"]);
    assert!(json.contains("\"name\": \"été\""), "{json}");
    assert!(json.contains(r#""name": "tab\\x09x""#), "{json}");
    let inspect = tshow(&["main.j"]);
    assert!(inspect.contains("ünï"), "{inspect}");
    assert!(inspect.contains(r"raw\xff"), "{inspect}");
}

/// Issue 10, class 2: `tld -mx lib.tl A.j nosuch.j` reports the missing name, writes
/// nothing (not even A.j) and exits 1.
#[test]
fn extraction_is_all_or_nothing() {
    let dir = setup("mx-missing");
    let s = tld(&dir)
        .args(["-mc", "-o", "lib.tl", "main.j", "util.j"])
        .status()
        .unwrap();
    assert!(s.success());
    std::fs::create_dir(dir.join("x")).unwrap();
    let out = tld(&dir.join("x"))
        .args([
            "-mx",
            "../lib.tl",
            "util.j",
            "nosuch.j",
            "main.j",
            "other.j",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("'nosuch.j'") && stderr.contains("'other.j'"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_dir(dir.join("x")).unwrap().count(), 0);
    let s = tld(&dir.join("x"))
        .args(["-mx", "../lib.tl", "util.j", "main.j"])
        .status()
        .unwrap();
    assert!(s.success());
    assert_eq!(std::fs::read_dir(dir.join("x")).unwrap().count(), 2);
}
