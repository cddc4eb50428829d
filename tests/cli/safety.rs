//! Data safety: a failed link, build or extraction leaves an existing output byte for byte
//! unchanged and leaves no temporary file behind, whatever the reason it failed; an input
//! may also be the output.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use tdf_tests::fixtures::{capsule, library};

fn run(tool: &str, dir: &Path, args: &[&str]) -> Output {
    Command::new(tdf_tests::bin(tool))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("tool runs")
}

fn listing(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

/// A scratch directory with a good capsule, a corrupt one (truncated), and a library.
fn setup(name: &str) -> std::path::PathBuf {
    let dir = tdf_tests::scratch(name);
    let good = capsule().define_tag("main").use_tag("f").build();
    let other = capsule().define_tag("f").build();
    fs::write(dir.join("good.j"), &good).unwrap();
    fs::write(dir.join("other.j"), &other).unwrap();
    fs::write(dir.join("bad.j"), &good[..good.len() / 2]).unwrap();
    fs::write(dir.join("lib.tl"), library(&[("other.j", &other)])).unwrap();
    dir
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn failed_runs_leave_existing_outputs_unchanged() {
    let dir = setup("safety-unchanged");
    let previous = b"previous contents".to_vec();
    let cases: &[(&str, &str, &[&str])] = &[
        ("tld", "out.j", &["-o", "out.j", "good.j", "bad.j"]),
        (
            "tld",
            "out.j",
            &["-o", "out.j", "-L", ".", "-l", "nosuch", "good.j"],
        ),
        ("tlib", "out.tl", &["-o", "out.tl", "good.j", "bad.j"]),
        ("tlib", "out.tl", &["-o", "out.tl", "good.j", "good.j"]),
        (
            "tld",
            "out.tl",
            &["-mc", "-o", "out.tl", "other.j", "bad.j"],
        ),
    ];
    for (tool, out, args) in cases {
        fs::write(dir.join(out), &previous).unwrap();
        let before = listing(&dir);
        let o = run(tool, &dir, args);
        assert_eq!(o.status.code(), Some(1), "{tool} {args:?}: {}", stderr(&o));
        assert_eq!(
            fs::read(dir.join(out)).unwrap(),
            previous,
            "{tool} {args:?}"
        );
        assert_eq!(listing(&dir), before, "{tool} {args:?} left files behind");
    }
}

#[test]
fn failed_extraction_leaves_existing_files_unchanged() {
    let dir = setup("safety-extract");
    let lib = fs::read(dir.join("lib.tl")).unwrap();
    fs::write(dir.join("broken.tl"), &lib[..lib.len() - 3]).unwrap();
    fs::write(dir.join("other.j"), b"previous").unwrap();
    let before = listing(&dir);
    let o = run("tshow", &dir, &["-x", "-a", "broken.tl"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(fs::read(dir.join("other.j")).unwrap(), b"previous");
    assert_eq!(listing(&dir), before);
    // A name that is not in the library: nothing is extracted, and exit 1 (issue 10).
    for tool_args in [
        ("tshow", &["-x", "lib.tl", "other.j", "missing.j"][..]),
        ("tld", &["-mx", "lib.tl", "other.j", "missing.j"][..]),
    ] {
        let o = run(tool_args.0, &dir, tool_args.1);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert!(stderr(&o).contains("missing.j"));
        assert_eq!(fs::read(dir.join("other.j")).unwrap(), b"previous");
        assert_eq!(listing(&dir), before);
    }
}

#[test]
fn output_directory_not_writable() {
    // Even root cannot create files in /proc: a directory no one can write to.
    let dir = setup("safety-unwritable");
    for (tool, args) in [
        (
            "tld",
            vec!["-o", "/proc/tdf-safety-test.j", "good.j", "other.j"],
        ),
        ("tlib", vec!["-o", "/proc/tdf-safety-test.tl", "good.j"]),
        ("tshow", vec!["-x", "-a", "-C", "/proc", "lib.tl"]),
    ] {
        let o = run(tool, &dir, &args);
        assert_eq!(o.status.code(), Some(1), "{tool}: {}", stderr(&o));
        assert!(stderr(&o).contains("/proc"), "{tool}: {}", stderr(&o));
    }
    assert!(!Path::new("/proc/tdf-safety-test.j").exists());
    assert!(!Path::new("/proc/other.j").exists());
}

#[test]
fn output_path_is_a_directory() {
    let dir = setup("safety-dir");
    fs::create_dir(dir.join("out.j")).unwrap();
    fs::write(dir.join("out.j/keep"), b"k").unwrap();
    let before = listing(&dir);
    for (tool, args) in [
        ("tld", vec!["-o", "out.j", "good.j", "other.j"]),
        ("tlib", vec!["-o", "out.j", "good.j"]),
    ] {
        let o = run(tool, &dir, &args);
        assert_eq!(o.status.code(), Some(1), "{tool}: {}", stderr(&o));
        assert!(stderr(&o).contains("out.j"), "{tool}: {}", stderr(&o));
        assert_eq!(listing(&dir), before, "{tool} left files behind");
        assert_eq!(
            listing(&dir.join("out.j")),
            BTreeSet::from(["keep".to_owned()])
        );
    }
}

#[test]
fn write_failure_on_a_full_device() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    let dir = setup("safety-full");
    let dev_before = listing(Path::new("/dev"));
    for (tool, args) in [
        ("tld", vec!["-o", "/dev/full", "good.j", "other.j"]),
        ("tlib", vec!["-o", "/dev/full", "good.j"]),
    ] {
        let o = run(tool, &dir, &args);
        assert_eq!(o.status.code(), Some(1), "{tool}: {}", stderr(&o));
        assert!(stderr(&o).contains("/dev/full"), "{tool}: {}", stderr(&o));
        let meta = fs::metadata("/dev/full").unwrap();
        assert!(!meta.is_file(), "{tool} replaced /dev/full");
    }
    assert_eq!(
        listing(Path::new("/dev")),
        dev_before,
        "temporary files left in /dev"
    );
    // /dev/null is written in place and stays a device.
    let o = run("tld", &dir, &["-o", "/dev/null", "good.j", "other.j"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!fs::metadata("/dev/null").unwrap().is_file());
}

/// `--help`, `--version` and `--explain` on a standard output that cannot be written
/// are errors too (they used to exit 0 having printed nothing).
#[test]
fn printed_texts_that_cannot_be_written_are_errors() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    for tool in ["tld", "tlib", "tshow"] {
        for args in [&["--help"][..], &["--version"], &["--explain", "E0701"]] {
            let full = fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap();
            let o = Command::new(tdf_tests::bin(tool))
                .args(args)
                .stdout(full)
                .output()
                .unwrap();
            let e = stderr(&o);
            assert_eq!(o.status.code(), Some(1), "{tool} {args:?}: {e}");
            assert!(
                e.contains("failed to write 'standard output'"),
                "{tool} {args:?}: {e}"
            );
        }
    }
}

#[test]
fn an_input_may_be_the_output() {
    let dir = setup("safety-inout");
    let o = run("tld", &dir, &["-o", "good.j", "good.j", "other.j"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let linked = fs::read(dir.join("good.j")).unwrap();
    let c = tdf_core::Capsule::read(&linked).unwrap();
    let tag = c.shapes.iter().find(|s| &*s.name == b"tag").unwrap();
    let defined: Vec<String> = tag
        .externs
        .iter()
        .filter(|e| e.usage.contains(tdf_core::Usage::DEFD))
        .map(|e| e.name.to_text())
        .collect();
    assert_eq!(defined, ["main", "f"]);
    // The same with an error: the input-and-output is left as it was.
    let o = run("tld", &dir, &["-o", "good.j", "good.j", "bad.j"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(fs::read(dir.join("good.j")).unwrap(), linked);
    // A library rebuilt over itself from its own members.
    let o = run("tshow", &dir, &["-x", "-a", "lib.tl"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let before = fs::read(dir.join("lib.tl")).unwrap();
    let o = run("tlib", &dir, &["-o", "lib.tl", "other.j"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(fs::read(dir.join("lib.tl")).unwrap(), before);
}
