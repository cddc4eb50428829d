//! `--diagnostics-format=json` on every tool: each diagnostic is one JSON object on one
//! line of standard error, with the fields of `errors/JSON.md` in their order, and the
//! run is otherwise unchanged (standard output, exit status, files written). Snapshots
//! show the lines of each tool for binary positions, text positions, usage errors,
//! warnings, information and the error limit.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use insta::assert_snapshot;
use tdf_tests::fixtures::{capsule, library};

/// The fields of every line, in order.
const FIELDS: [&str; 11] = [
    "program", "severity", "code", "name", "message", "file", "offset", "line", "column", "length",
    "params",
];

fn setup(name: &str) -> PathBuf {
    let dir = tdf_tests::scratch(&format!("json-{name}"));
    let main = capsule()
        .define_tag("main")
        .use_tag("helper")
        .use_tag("say \"hi\"\\now")
        .build();
    let f1 = capsule().define_tag("f").build();
    let f2 = capsule().define_tag("f").define_tag("g").build();
    std::fs::write(dir.join("main.j"), &main).unwrap();
    std::fs::write(dir.join("f1.j"), &f1).unwrap();
    std::fs::write(dir.join("f2.j"), &f2).unwrap();
    std::fs::write(dir.join("half.j"), &f2[..f2.len() / 2]).unwrap();
    std::fs::write(
        dir.join("lib.tl"),
        library(&[("f1.j", &f1), ("m.j", &main)]),
    )
    .unwrap();
    std::fs::write(
        dir.join("bad-rename.txt"),
        "'tag'\n  \"a\" \"b\"\n  \"c\";\n",
    )
    .unwrap();
    std::fs::write(dir.join("bad-units.txt"), "\"tld\" \"tagdef\n").unwrap();
    std::fs::write(dir.join("text.j"), "not a capsule\n").unwrap();
    dir
}

/// Checks that standard error is JSON lines with the documented fields, and returns the
/// run as text: the command, exit status, standard output and standard error.
fn run(dir: &Path, tool: &str, args: &[&str]) -> String {
    let out: Output = Command::new(tdf_tests::bin(tool))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.is_empty() || stderr.ends_with('\n'), "{stderr:?}");
    for line in stderr.lines() {
        check_line(tool, line);
    }
    format!(
        "$ {tool} {}\nexit: {}\n--- stdout\n{}--- stderr\n{stderr}\n",
        args.join(" "),
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout),
    )
}

fn check_line(tool: &str, line: &str) {
    let v: serde_json::Value =
        serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {line}"));
    // serde_json's map keeps keys sorted; the order is checked on the text.
    let mut at = 0;
    for f in FIELDS {
        let key = format!("\"{f}\":");
        let i = line[at..]
            .find(&key)
            .unwrap_or_else(|| panic!("{f} missing or out of order: {line}"));
        at += i + key.len();
        assert!(obj.contains_key(f), "{f}: {line}");
    }
    assert_eq!(obj.len(), FIELDS.len(), "{line}");
    assert_eq!(obj["program"], tool);
    assert!(
        ["fatal", "error", "warning", "info"].contains(&obj["severity"].as_str().unwrap()),
        "{line}"
    );
    let code = obj["code"].as_str().unwrap();
    let entry = tdf_errors::lookup(code).unwrap_or_else(|| panic!("unknown code: {line}"));
    assert_eq!(obj["name"], entry.name);
    assert_eq!(obj["severity"], entry.severity.keyword());
    let params = obj["params"].as_object().unwrap();
    let names: Vec<&str> = entry.params.iter().map(|(n, _)| *n).collect();
    let keys: Vec<&str> = params.keys().map(String::as_str).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(keys, sorted, "{line}");
    for (n, ty) in entry.params {
        let ok = match *ty {
            "str" => params[*n].is_string(),
            _ => params[*n].is_u64(),
        };
        assert!(ok, "{n} is not a {ty}: {line}");
    }
    for f in ["offset", "line", "column", "length"] {
        assert!(obj[f].is_null() || obj[f].is_u64(), "{f}: {line}");
    }
    assert!(obj["file"].is_null() || obj["file"].is_string(), "{line}");
}

#[test]
fn tld_json_diagnostics() {
    let dir = setup("tld");
    let mut out = String::new();
    for args in [
        // an error at a byte offset, and no output written
        &["--diagnostics-format=json", "-o", "x.j", "f1.j", "f2.j"][..],
        // a truncated capsule
        &["--diagnostics-format", "json", "-o", "x.j", "half.j"],
        // warnings; the names need escaping
        &["--diagnostics-format=json", "-i", "-o", "y.j", "main.j"],
        // a text file: line, column and length
        &[
            "--diagnostics-format=json",
            "-R",
            "bad-rename.txt",
            "main.j",
        ],
        // usage errors, found before the command line is parsed
        &["--diagnostics-format=json", "--bogus", "main.j"],
        &["--diagnostics-format=json", "-o", "z.j"],
        // the error limit
        &[
            "--diagnostics-format=json",
            "--error-limit",
            "1",
            "-o",
            "x.j",
            "f1.j",
            "f2.j",
            "lib.tl",
        ],
        // the last word counts
        &[
            "-mt",
            "--diagnostics-format=human",
            "--diagnostics-format=json",
            "text.j",
        ],
    ] {
        out.push_str(&run(&dir, "tld", args));
    }
    assert!(!dir.join("x.j").exists() && !dir.join("z.j").exists());
    assert!(dir.join("y.j").exists(), "warnings do not stop the link");
    assert_snapshot!(out);
}

#[test]
fn tlib_json_diagnostics() {
    let dir = setup("tlib");
    let mut out = String::new();
    for args in [
        &["--diagnostics-format=json", "-o", "x.tl", "f1.j", "f2.j"][..],
        &[
            "--diagnostics-format=json",
            "-o",
            "x.tl",
            "text.j",
            "nosuch.j",
        ],
        &["--diagnostics-format=json", "-u", "bad-units.txt", "f1.j"],
        &["--diagnostics-format=json", "--color=sometimes", "f1.j"],
        &["--diagnostics-format=json"],
        &["--diagnostics-format=json", "--explain", "E0999"],
    ] {
        out.push_str(&run(&dir, "tlib", args));
    }
    assert!(!dir.join("x.tl").exists());
    assert_snapshot!(out);
}

#[test]
fn tshow_json_diagnostics() {
    let dir = setup("tshow");
    let mut out = String::new();
    for args in [
        // listings still go to standard output
        &["--diagnostics-format=json", "lib.tl"][..],
        &["--diagnostics-format=json", "half.j"],
        &["--diagnostics-format=json", "text.j"],
        &[
            "--diagnostics-format=json",
            "-x",
            "-v",
            "-a",
            "-C",
            "out",
            "lib.tl",
        ],
        &["--diagnostics-format=json", "-x", "lib.tl", "nosuch.j"],
        &["--diagnostics-format=json", "-x", "-s", "lib.tl"],
        &["--diagnostics-format=json", "--explain", "E9999"],
    ] {
        out.push_str(&run(&dir, "tshow", args));
    }
    assert_snapshot!(out);
}

/// Without the option, or with `human`, diagnostics are the GNU-style lines.
#[test]
fn human_is_the_default() {
    let dir = setup("human");
    for tool_args in [
        ("tld", &["-o", "x.j", "f1.j", "f2.j"][..]),
        (
            "tld",
            &["--diagnostics-format=human", "-o", "x.j", "f1.j", "f2.j"],
        ),
        ("tlib", &["-o", "x.tl", "f1.j", "f2.j"]),
        ("tshow", &["--diagnostics-format", "human", "half.j"]),
    ] {
        let (tool, args) = tool_args;
        let out = Command::new(tdf_tests::bin(tool))
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.starts_with(&format!("{tool}: error: ")),
            "{tool} {args:?}: {stderr}"
        );
        assert!(!stderr.contains('{'), "{stderr}");
    }
}

/// An unknown format is a usage error, reported in the human format.
#[test]
fn unknown_format_is_a_usage_error() {
    let dir = setup("unknown");
    for tool in ["tld", "tlib", "tshow"] {
        let out = Command::new(tdf_tests::bin(tool))
            .args(["--diagnostics-format=xml", "main.j"])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{tool}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains("[E0808]"), "{tool}: {stderr}");
        assert!(stderr.contains("human, json"), "{tool}: {stderr}");
    }
}
