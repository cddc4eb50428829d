//! The shipped example (`examples/`): a C program compiled to capsules by TenDRA's `tcc`
//! and the token libraries `tcc` links C programs against. `tld` links them as `tcc`
//! does (per unit, `-M`, `-MA`), and each result is compared, by the corpus's
//! equivalence, with what TenDRA's `tld` made of the same inputs (`examples/expected/`).

use std::path::{Path, PathBuf};
use std::process::Command;

use tdf_core::{Capsule, Usage};
use tdf_tests::canon::capsules_equivalent;

/// The link `tcc` runs after its C producer: every token library of a C89 program.
const TCC_LINK: &[&str] = &[
    "-Llib/api",
    "-Llib/lpi",
    "-Llib/map",
    "-Llib/sys",
    "-lc89",
    "-ltdfc2",
    "-lc",
    "-ltdi",
    "-ldep",
    "-labi",
];

const UNITS: [&str; 3] = ["main.j", "stats.j", "report.j"];

fn examples() -> PathBuf {
    tdf_tests::workspace_root().join("examples")
}

/// A scratch copy of the example's capsules and libraries.
fn copy_examples(name: &str) -> PathBuf {
    let dir = tdf_tests::scratch(name);
    tdf_tests::run::copy_dir(&examples(), &dir).unwrap();
    dir
}

/// Runs our `tld` in `dir`; it must succeed without a word.
fn tld(dir: &Path, args: &[&str]) {
    let out = Command::new(tdf_tests::bin("tld"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty() && out.stdout.is_empty(),
        "tld {}: {}\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

fn assert_equivalent(dir: &Path, ours: &str, expected: &str) {
    let ours_bytes = std::fs::read(dir.join(ours)).unwrap();
    let theirs = std::fs::read(examples().join("expected").join(expected)).unwrap();
    if let Err(why) = capsules_equivalent(&ours_bytes, &theirs) {
        panic!("{ours} is not equivalent to expected/{expected}: {why}");
    }
}

/// `tcc -M`: merge the units, then link the merged capsule against the libraries.
#[test]
fn merge_then_link_is_what_tendra_makes() {
    let dir = copy_examples("examples-m");
    let mut merge = vec!["-o", "prog.j"];
    merge.extend(UNITS);
    tld(&dir, &merge);
    assert_equivalent(&dir, "prog.j", "prog.j");

    let mut link = TCC_LINK.to_vec();
    link.extend(["-o", "prog.t", "prog.j"]);
    tld(&dir, &link);
    assert_equivalent(&dir, "prog.t", "prog.t");
}

/// `tcc -MA`: the merge hides every defined tag but `main`.
#[test]
fn merge_hiding_all_but_main_is_what_tendra_makes() {
    let dir = copy_examples("examples-ma");
    let mut merge = vec!["-a", "-k", "tag", "main", "-o", "prog-hidden.j"];
    merge.extend(UNITS);
    tld(&dir, &merge);
    assert_equivalent(&dir, "prog-hidden.j", "prog-hidden.j");
    let c = std::fs::read(dir.join("prog-hidden.j")).unwrap();
    let c = Capsule::read(&c).unwrap();
    let tags: Vec<String> = c
        .shapes
        .iter()
        .filter(|s| &*s.name == b"tag")
        .flat_map(|s| s.externs.iter().map(|e| e.name.to_string()))
        .collect();
    assert!(tags.contains(&"main".to_owned()), "{tags:?}");
    assert!(!tags.contains(&"stats_add".to_owned()), "{tags:?}");
}

/// Without `-M`, `tcc` links each unit on its own against the libraries: the tokens a
/// unit uses get their definitions from the libraries.
#[test]
fn each_unit_links_on_its_own() {
    let dir = copy_examples("examples-units");
    let undefined_tokens = |file: &str| -> Vec<String> {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let c = Capsule::read(&bytes).unwrap();
        c.shapes
            .iter()
            .filter(|s| &*s.name == b"token")
            .flat_map(|s| s.externs.iter())
            .filter(|e| !e.usage.contains(Usage::DEFD))
            .map(|e| e.name.to_string())
            .collect()
    };
    for unit in UNITS {
        let out = unit.replace(".j", ".t");
        let mut link = TCC_LINK.to_vec();
        link.extend(["-o", &out, unit]);
        tld(&dir, &link);
        let before = undefined_tokens(unit);
        let after = undefined_tokens(&out);
        assert!(
            before.iter().any(|t| t == "~signed_int"),
            "{unit}: {before:?}"
        );
        assert!(
            after.len() < before.len() && !after.iter().any(|t| t == "~signed_int"),
            "{out}: still undefined: {after:?}"
        );
    }
}

/// The shipped token libraries are the corpus's (the libraries `tcc` uses, with neutral
/// member names), when the corpus is there to compare with.
#[test]
fn token_libraries_are_the_corpus_ones() {
    let Some(corpus) = std::env::var_os("TDF_CORPUS") else {
        eprintln!("skipped: TDF_CORPUS not set");
        return;
    };
    let case = Path::new(&corpus).join("cases/toolchain_hello/in");
    let case = if case.is_absolute() {
        case
    } else {
        tdf_tests::workspace_root().join(case)
    };
    for lib in [
        "api/c89.tl",
        "lpi/tdfc2.tl",
        "map/c.tl",
        "sys/tdi.tl",
        "sys/dep.tl",
        "sys/abi.tl",
    ] {
        let ours = std::fs::read(examples().join("lib").join(lib)).unwrap();
        let corpus = std::fs::read(case.join(lib)).unwrap();
        assert!(ours == corpus, "examples/lib/{lib} differs from the corpus");
    }
}

/// With TenDRA installed (`TDF_ORACLE` names its prefix or its `bin/`), `examples/remake` makes the
/// shipped files again, byte for byte.
#[test]
fn remake_makes_the_shipped_files() {
    let Some(oracle) = std::env::var_os("TDF_ORACLE") else {
        eprintln!("skipped: TDF_ORACLE not set");
        return;
    };
    let dir = copy_examples("examples-remake");
    // What remake writes: the units, the libraries and the expected outputs.
    let mut made: Vec<PathBuf> = UNITS.iter().map(PathBuf::from).collect();
    collect_files(&examples(), Path::new("expected"), &mut made);
    let mut libs = Vec::new();
    collect_files(&examples(), Path::new("lib"), &mut libs);
    made.extend(
        libs.into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "tl")),
    );
    assert_eq!(made.len(), 3 + 3 + 6, "{made:?}");
    for rel in &made {
        std::fs::remove_file(dir.join(rel)).unwrap();
    }
    let out = Command::new(dir.join("remake"))
        .env("TDF_ORACLE", oracle)
        .output()
        .unwrap();
    tdf_tests::assert_success(&out);
    for rel in made {
        let shipped = std::fs::read(examples().join(&rel)).unwrap();
        let again = std::fs::read(dir.join(&rel))
            .unwrap_or_else(|e| panic!("remake did not write {}: {e}", rel.display()));
        assert!(
            shipped == again,
            "remake made {} differently",
            rel.display()
        );
    }
}

/// Every file below `root/rel`, as paths relative to `root`.
fn collect_files(root: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(root.join(rel)).unwrap() {
        let e = e.unwrap();
        let path = rel.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            collect_files(root, &path, out);
        } else {
            out.push(path);
        }
    }
}
