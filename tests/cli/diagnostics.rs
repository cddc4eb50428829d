//! Diagnostics that no other test shows: each row runs a tool and expects an exit status
//! and a catalogue code on standard error.

use std::fs;
use std::process::Command;

use tdf_tests::fixtures::{capsule, library};

#[test]
fn each_row_reports_its_code() {
    let dir = tdf_tests::scratch("diagnostics");
    let good = capsule().define_tag("main").use_tag("f").build();
    let other = capsule().define_tag("f").build();
    fs::write(dir.join("good.j"), &good).unwrap();
    fs::write(dir.join("other.j"), &other).unwrap();
    fs::write(
        dir.join("nested.tl"),
        library(&[("sub/dir/other.j", &other)]),
    )
    .unwrap();
    fs::create_dir(dir.join("adir")).unwrap();
    let rows: &[(&str, &[&str], i32, &str)] = &[
        // The trace file cannot be created, or cannot be written.
        (
            "tld",
            &["-d", "/proc/trace.txt", "good.j", "other.j"],
            1,
            "E0109",
        ),
        (
            "tld",
            &["-d", "/dev/full", "-o", "out.j", "good.j", "other.j"],
            1,
            "E0118",
        ),
        ("tlib", &["-d", "/proc/trace.txt", "good.j"], 1, "E0109"),
        (
            "tlib",
            &["-d", "/dev/full", "-o", "out.tl", "good.j"],
            1,
            "E0118",
        ),
        // A directory given as an input capsule: it opens, but cannot be read.
        ("tld", &["-o", "out.j", "adir"], 1, "E0117"),
        // The same name renamed twice in one shape.
        (
            "tld",
            &["-r", "tag", "f", "g", "-r", "tag", "f", "h", "good.j"],
            1,
            "E0202",
        ),
        // A unit-set file that does not exist.
        ("tld", &["-u", "nosuch.txt", "good.j"], 1, "E0301"),
        ("tlib", &["-u", "nosuch.txt", "good.j"], 1, "E0301"),
        // Output into a directory that cannot be written; a device that is full.
        ("tld", &["-o", "/proc/x.j", "good.j", "other.j"], 1, "E0115"),
        ("tld", &["-o", "/dev/full", "good.j", "other.j"], 1, "E0802"),
        // Extraction that needs a directory where none can be made.
        (
            "tshow",
            &["-x", "-a", "-C", "/proc", "nested.tl"],
            1,
            "E0803",
        ),
    ];
    for (tool, args, status, code) in rows {
        let out = Command::new(tdf_tests::bin(tool))
            .args(*args)
            .current_dir(&dir)
            .output()
            .expect("tool runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(*status),
            "{tool} {args:?}: {stderr}"
        );
        assert!(
            stderr.contains(&format!("[{code}]")),
            "{tool} {args:?}: wanted {code}: {stderr}"
        );
    }
    // No row may leave an output behind, not even when only the trace failed.
    assert!(!dir.join("out.j").exists());
    assert!(!dir.join("out.tl").exists());
}
