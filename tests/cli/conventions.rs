//! The conventions users of `ld`, `ar`, `nm` and TenDRA's `tld` expect, for all three
//! tools: `--color` and `NO_COLOR`, grouped `--help`, `--version`, the man pages and
//! shell completions written by `gen-docs`, the README walkthrough on the shipped
//! example, whose output must be what the tools print, and the README's main job.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use insta::assert_snapshot;
use tdf_tests::fixtures::capsule;

/// A scratch directory with `main.j` (defines `main`, uses `helper`, which nothing
/// defines), `lib.tl` (one member), and `bad.txt`, a rename file with a syntax error.
fn setup(name: &str) -> PathBuf {
    let dir = tdf_tests::scratch(&format!("conv-{name}"));
    let main = capsule().define_tag("main").use_tag("helper").build();
    let util = capsule().define_tag("util").build();
    std::fs::write(dir.join("main.j"), &main).unwrap();
    std::fs::write(
        dir.join("lib.tl"),
        tdf_tests::fixtures::library(&[("util.j", &util)]),
    )
    .unwrap();
    std::fs::write(dir.join("bad.txt"), "'tag'\n  \"a\" \"b\"\n  \"c\";\n").unwrap();
    dir
}

/// A command for one of the tools, in `dir`, with no colour settings inherited.
fn tool(name: &str, dir: &Path) -> Command {
    let mut c = Command::new(tdf_tests::bin(name));
    c.current_dir(dir).env_remove("NO_COLOR");
    c
}

/// One run as text: the command, exit status, standard output and standard error, with
/// the escape character shown as `\e`.
fn shown(c: &mut Command) -> String {
    let out: Output = c.output().expect("the tool runs");
    let program = Path::new(c.get_program())
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let args: Vec<String> = c
        .get_args()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let envs: Vec<String> = c
        .get_envs()
        .filter_map(|(k, v)| Some(format!("{}={} ", k.to_str()?, v?.to_str()?)))
        .collect();
    let esc = |b: &[u8]| String::from_utf8_lossy(b).replace('\x1b', "\\e");
    format!(
        "$ {}{program} {}\nexit: {}\n--- stdout\n{}--- stderr\n{}\n",
        envs.concat(),
        args.join(" "),
        out.status.code().unwrap_or(-1),
        esc(&out.stdout),
        esc(&out.stderr),
    )
}

fn runs(dir: &Path, list: &[(&str, &[&str], Option<&str>)]) -> String {
    list.iter()
        .map(|(t, args, no_color)| {
            let mut c = tool(t, dir);
            c.args(*args);
            if let Some(v) = no_color {
                c.env("NO_COLOR", v);
            }
            shown(&mut c)
        })
        .collect()
}

// --- colour --------------------------------------------------------------------------

#[test]
fn color_always_colours_by_severity() {
    let dir = setup("always");
    assert_snapshot!(runs(
        &dir,
        &[
            (
                "tld",
                &["--color=always", "-i", "-o", "out.j", "main.j"],
                None
            ),
            (
                "tld",
                &["--color", "always", "-o", "out.j", "nothere.j"],
                None
            ),
            ("tld", &["--color=always", "-R", "bad.txt", "main.j"], None),
            ("tld", &["--color=always", "--bogus"], None),
            ("tld", &["-mt", "--color=always", "-i", "lib.tl"], None),
            ("tlib", &["--color=always", "-o", "x.tl", "nothere.j"], None),
            ("tlib", &["--color=always", "--bogus"], None),
            ("tshow", &["--color=always", "nothere.tl"], None),
            ("tshow", &["--color", "always", "-x", "lib.tl"], None),
        ]
    ));
    assert!(!dir.join("x.tl").exists());
}

#[test]
fn color_never_and_no_color() {
    let dir = setup("never");
    assert_snapshot!(runs(
        &dir,
        &[
            (
                "tld",
                &["--color=never", "-i", "-o", "out.j", "main.j"],
                None
            ),
            ("tld", &["--co", "never", "-o", "out.j", "nothere.j"], None),
            ("tlib", &["--color=never", "-o", "x.tl", "nothere.j"], None),
            ("tshow", &["--color", "never", "nothere.tl"], None),
            // NO_COLOR turns automatic colour off, not --color=always.
            ("tld", &["-o", "out.j", "nothere.j"], Some("1")),
            (
                "tld",
                &["--color=auto", "-o", "out.j", "nothere.j"],
                Some("1")
            ),
            (
                "tld",
                &["--color=always", "-o", "out.j", "nothere.j"],
                Some("1")
            ),
            ("tlib", &["-o", "x.tl", "nothere.j"], Some("1")),
            (
                "tlib",
                &["--color=always", "-o", "x.tl", "nothere.j"],
                Some("1")
            ),
            ("tshow", &["nothere.tl"], Some("1")),
            ("tshow", &["--color=always", "nothere.tl"], Some("1")),
        ]
    ));
}

#[test]
fn invalid_color_values() {
    let dir = setup("invalid");
    assert_snapshot!(runs(
        &dir,
        &[
            ("tld", &["--color=pink", "main.j"], None),
            ("tld", &["--color"], None),
            ("tlib", &["--color=pink", "main.j"], None),
            ("tshow", &["--color", "pink", "lib.tl"], None),
        ]
    ));
}

/// `auto` on a terminal: run each tool under `script`, which gives it a pseudo-terminal.
/// Skipped where util-linux `script` is missing.
#[test]
fn auto_colours_only_on_a_terminal_without_no_color() {
    let dir = setup("terminal");
    let works = Command::new("script")
        .args(["-q", "-e", "-c", "true", "/dev/null"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !works {
        eprintln!("skipped: no util-linux `script` to run the tools on a terminal");
        return;
    }
    let on_terminal = |tool: &str, args: &str, no_color: Option<&str>| -> String {
        let line = format!("{} {args}", tdf_tests::bin(tool).display());
        let mut c = Command::new("script");
        c.args(["-q", "-e", "-c", &line, "/dev/null"])
            .current_dir(&dir)
            .env_remove("NO_COLOR");
        if let Some(v) = no_color {
            c.env("NO_COLOR", v);
        }
        let out = c.output().expect("script runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    for (tool, args) in [
        ("tld", "-o out.j nothere.j"),
        ("tlib", "-o x.tl nothere.j"),
        ("tshow", "nothere.tl"),
    ] {
        let auto = on_terminal(tool, args, None);
        assert!(auto.contains("\x1b[1;31merror:"), "{tool}: {auto:?}");
        let empty = on_terminal(tool, args, Some(""));
        assert!(empty.contains('\x1b'), "{tool} NO_COLOR='': {empty:?}");
        let off = on_terminal(tool, args, Some("1"));
        assert!(
            off.contains("error:") && !off.contains('\x1b'),
            "{tool}: {off:?}"
        );
        let never = on_terminal(tool, &format!("--color=never {args}"), None);
        assert!(!never.contains('\x1b'), "{tool} --color=never: {never:?}");
        let always = on_terminal(tool, &format!("--color=always {args}"), Some("1"));
        assert!(always.contains('\x1b'), "{tool} --color=always: {always:?}");
    }
    // Listings on standard output are never coloured, even on a terminal.
    let listing = on_terminal("tld", "-mt --color=always -i -s lib.tl", None);
    assert!(listing.contains("util.j") && !listing.contains('\x1b'));
    let listing = on_terminal("tshow", "--color=always -i lib.tl", None);
    assert!(listing.contains("util.j") && !listing.contains('\x1b'));
}

// --- help and version -----------------------------------------------------------------

#[test]
fn help_is_grouped_with_examples() {
    let dir = setup("help");
    assert_snapshot!("tshow_help", runs(&dir, &[("tshow", &["--help"], None)]));
    assert_snapshot!(
        "tld_help_modes",
        runs(
            &dir,
            &[
                ("tld", &["-mc", "--help"], None),
                ("tld", &["-mx", "-?"], None),
            ]
        )
    );
    for (t, args) in [
        ("tld", &["--help"][..]),
        ("tld", &["-mc", "-?"]),
        ("tld", &["-mt", "-?"]),
        ("tld", &["-mx", "-?"]),
        ("tlib", &["--help"]),
        ("tlib", &["-h"]),
        ("tshow", &["--help"]),
        ("tshow", &["-h"]),
    ] {
        let out = tool(t, &dir).args(args).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("\nInput:\n"), "{t} {args:?}");
        assert!(text.contains("\nDiagnostics:\n"), "{t} {args:?}");
        assert!(text.contains("\nExamples:\n"), "{t} {args:?}");
        assert!(text.contains("--color <WHEN>"), "{t} {args:?}");
    }
}

/// `--explain` goes with the other conventions' options (and ignores the rest).
#[test]
fn explain_with_color_and_diagnostics_format() {
    let dir = setup("explain-with");
    for t in ["tld", "tlib", "tshow"] {
        for extra in [&["--color", "never"][..], &["--diagnostics-format=json"]] {
            let out = tool(t, &dir)
                .args(extra)
                .args(["--explain", "E0401"])
                .output()
                .unwrap();
            assert!(out.status.success(), "{t} {extra:?}");
            assert!(out.stdout.starts_with(b"E0401 (error)"), "{t} {extra:?}");
        }
    }
}

#[test]
fn version_names_package_and_tdf_versions() {
    let dir = setup("version");
    assert_snapshot!(runs(
        &dir,
        &[
            ("tld", &["--version"], None),
            ("tlib", &["--version"], None),
            ("tshow", &["-V"], None),
        ]
    ));
}

/// TenDRA's prefixes keep their meaning next to the added `--color`.
#[test]
fn tld_prefixes_unchanged() {
    let dir = setup("prefixes");
    for args in [
        &["--w", "-o", "a.j", "main.j"][..],
        &["--m", "-o", "b.j", "main.j"],
    ] {
        let out = tool("tld", &dir).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
    }
    let out = tool("tld", &dir).args(["-c", "main.j"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("[E0104]"));
}

// --- man pages and completions --------------------------------------------------------

/// Runs `gen-docs` into a scratch directory and returns it.
fn gen_docs(name: &str) -> PathBuf {
    let out = tdf_tests::scratch(name);
    let run = Command::new(env!("CARGO_BIN_EXE_gen-docs"))
        .arg(&out)
        .output()
        .unwrap();
    tdf_tests::assert_success(&run);
    out
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Runs `program args` if the program exists; `None` when it does not.
fn try_run(program: &str, args: &[&str]) -> Option<Output> {
    Command::new(program).args(args).output().ok()
}

#[test]
fn man_pages_and_completions_generate() {
    let out = gen_docs("gen-docs");
    let commands = [
        ("tld", tdf_link::args::command()),
        ("tlib", tdf_lib::cli::command()),
        ("tshow", tdf_show::cli::command()),
    ];
    for (name, cmd) in &commands {
        let man = read(&out.join(format!("man/man1/{name}.1")));
        assert!(man.contains(&format!(".TH {} 1", name.to_uppercase())));
        for section in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXAMPLES"] {
            assert!(
                man.contains(&format!(".SH {section}\n")),
                "{name}: {section}"
            );
        }
        assert!(man.contains("NO_COLOR"), "{name}");
        let bash = read(&out.join(format!("bash-completion/completions/{name}")));
        let zsh = read(&out.join(format!("zsh/site-functions/_{name}")));
        let fish = read(&out.join(format!("fish/vendor_completions.d/{name}.fish")));
        // Every visible option of every mode is in the page and the completions.
        let mut cmds = vec![cmd.clone()];
        cmds.extend(cmd.get_subcommands().cloned());
        for c in &cmds {
            for arg in c.get_arguments().filter(|a| !a.is_hide_set()) {
                let Some(long) = arg.get_long() else { continue };
                let roff = format!("\\-\\-{}", long.replace('-', "\\-"));
                assert!(man.contains(&roff), "{name}.1 lacks --{long}");
                let word = format!("--{long}");
                assert!(bash.contains(&word), "bash {name} lacks {word}");
                assert!(zsh.contains(&word), "zsh {name} lacks {word}");
                assert!(
                    fish.contains(&format!("-l {long}")),
                    "fish {name} lacks {word}"
                );
            }
        }
        let bash_file = out.join(format!("bash-completion/completions/{name}"));
        let check = try_run("bash", &["-n", bash_file.to_str().unwrap()]).expect("bash");
        assert!(check.status.success(), "bash -n {name}");
        for (shell, file) in [
            ("zsh", out.join(format!("zsh/site-functions/_{name}"))),
            (
                "fish",
                out.join(format!("fish/vendor_completions.d/{name}.fish")),
            ),
        ] {
            match try_run(shell, &["-n", file.to_str().unwrap()]) {
                Some(o) => assert!(o.status.success(), "{shell} -n {name}"),
                None => eprintln!("{shell} not installed: syntax of {name}'s script not checked"),
            }
        }
    }
    // tld's modes are sections of its page.
    let tld = read(&out.join("man/man1/tld.1"));
    for section in [
        "BUILDING A LIBRARY",
        "LISTING A LIBRARY",
        "EXTRACTING CAPSULES",
    ] {
        assert!(tld.contains(section), "{section}");
    }
    // tdf.5 is the hand-written page, as kept in the sources.
    let tdf5 = read(&out.join("man/man5/tdf.5"));
    assert_eq!(
        tdf5,
        read(&tdf_tests::workspace_root().join("tests/man/tdf.5"))
    );
    // groff, where installed, renders every page without a warning.
    let pages = ["man1/tld.1", "man1/tlib.1", "man1/tshow.1", "man5/tdf.5"];
    for page in pages {
        let path = out.join("man").join(page);
        let Some(o) = try_run(
            "groff",
            &["-man", "-Tutf8", "-ww", "-z", path.to_str().unwrap()],
        ) else {
            eprintln!("groff not installed: {page} not rendered");
            break;
        };
        assert!(
            o.status.success() && o.stderr.is_empty(),
            "{page}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// Where fish is installed, its completions of `tld` know the mode words, which can only
/// come first, and each mode's options.
#[test]
fn fish_completes_tld_modes() {
    if try_run("fish", &["--version"]).is_none() {
        eprintln!("skipped: fish not installed");
        return;
    }
    let out = gen_docs("gen-docs-fish");
    let script = out.join("fish/vendor_completions.d/tld.fish");
    let complete = |line: &str| -> String {
        let cmd = format!("source {}; complete -C '{line}'", script.display());
        let o = try_run("fish", &["--no-config", "-c", &cmd]).unwrap();
        assert!(
            o.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    assert!(complete("tld -m").contains("-mc\t"));
    assert!(complete("tld -mc --inc").contains("--include-library"));
    assert!(!complete("tld -mt --").contains("--output-file"));
    assert!(complete("tld main.j --out").contains("--output-file"));
    assert!(complete("tld --color ").contains("always"));
}

// --- examples and the README walkthrough ----------------------------------------------

/// The commands of the README's section starting `## TITLE` and the output shown for
/// each, from its `console` blocks (which may be indented, as in a list item).
fn readme_console(title: &str) -> Vec<(String, String)> {
    let readme = read(&tdf_tests::workspace_root().join("README.md"));
    let start = readme
        .find(&format!("\n## {title}"))
        .unwrap_or_else(|| panic!("README has a {title} section"));
    let section = &readme[start + 1..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let mut steps: Vec<(String, String)> = Vec::new();
    let mut indent: Option<usize> = None;
    for line in section.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            indent = (trimmed == "```console").then(|| line.len() - trimmed.len());
            continue;
        }
        let Some(indent) = indent else { continue };
        let line = line.get(indent..).unwrap_or("");
        if let Some(cmd) = line.strip_prefix("$ ") {
            steps.push((cmd.to_owned(), String::new()));
        } else {
            let (_, out) = steps.last_mut().expect("output after a command");
            out.push_str(line);
            out.push('\n');
        }
    }
    steps
}

/// Runs README console steps in a copy of `examples/`, comparing each output (standard
/// output, then standard error) with the README's. With `must_succeed`, every command
/// must exit 0. A command may end in `| head -n N`, which keeps the first N lines.
fn run_readme_steps(name: &str, steps: Vec<(String, String)>, must_succeed: bool) {
    let dir = tdf_tests::scratch(name);
    tdf_tests::run::copy_dir(&tdf_tests::workspace_root().join("examples"), &dir).unwrap();
    for (cmd, expected) in steps {
        let (run, head) = match cmd.split_once(" | head -n ") {
            Some((run, n)) => (run, Some(n.parse::<usize>().expect("a line count"))),
            None => (cmd.as_str(), None),
        };
        let words: Vec<&str> = run.split_whitespace().collect();
        let mut got = match words[0] {
            "cat" => read(&dir.join(words[1])),
            tool => {
                let out = self::tool(tool, &dir).args(&words[1..]).output().unwrap();
                assert!(!must_succeed || out.status.success(), "{cmd}");
                let mut text = String::from_utf8(out.stdout).unwrap();
                text.push_str(&String::from_utf8(out.stderr).unwrap());
                text
            }
        };
        if let Some(n) = head {
            got = got.lines().take(n).map(|l| format!("{l}\n")).collect();
        }
        assert_eq!(got, expected, "README: output of `{cmd}` differs");
    }
}

/// Runs the README's walkthrough in a copy of `examples/`.
#[test]
fn readme_walkthrough_output_is_what_the_tools_print() {
    let steps = readme_console("Walkthrough");
    assert!(steps.len() >= 10, "{steps:?}");
    run_readme_steps("walkthrough", steps, true);
}

/// The examples of the README's Conventions section (the JSON diagnostics).
#[test]
fn readme_conventions_output_is_what_the_tools_print() {
    let steps = readme_console("Conventions");
    assert!(!steps.is_empty());
    run_readme_steps("conventions", steps, false);
}

/// The README's main job (`cargo run -p tdf-tests --bin demo`) runs the real workflow on
/// the shipped example: inspect, merge, link against the token libraries, list, decode a
/// definition, check the bodies, build.
#[test]
fn main_job_links_the_shipped_example() {
    let out = Command::new(env!("CARGO_BIN_EXE_demo")).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for expected in [
        "$ tshow main.j\ncapsule main.j: 1002 bytes\n",
        "$ tld -o prog.j main.j stats.j report.j\n",
        "$ tld -Llib/api -Llib/lpi -Llib/map -Llib/sys -lc89 -ltdfc2 -lc -ltdi -ldep -labi \
         --why-extract why.txt -o prog.t prog.j\n",
        "lib/api/c89.tl(api/c89/stdlib.j)\ttoken\tc89\\.stdlib\\.atoi\n",
        "$ tshow -s -i lib/sys/dep.tl\n2 members, 682 bytes:\n",
        "$ tshow prog.t\ncapsule prog.t: 10835 bytes\n",
        "./stats.tl(stats.j)\ttag\tstats_init\n",
        "$ tshow -d stats.j    (the part defining stats_init)\n( make_id_tagdef stats_init\n  -\n  ( make_proc\n",
        "      ( return\n        make_top ) ) ) )\n\n",
        "$ tshow --check prog.t\n\n",
    ] {
        assert!(
            stdout.contains(expected),
            "demo lacks {expected:?}:\n{stdout}"
        );
    }
}

/// The example commands at the end of every `--help` (and so of the man pages) run on
/// the shipped example: each succeeds in a copy of `examples/`, in order (later ones
/// may use what earlier ones wrote). `units.list` is the response file one names.
#[test]
fn help_examples_run_on_the_shipped_example() {
    let helps: [(&str, &[&str]); 6] = [
        ("tld", &["--help"]),
        ("tld", &["-mc", "--help"]),
        ("tld", &["-mt", "--help"]),
        ("tld", &["-mx", "--help"]),
        ("tlib", &["--help"]),
        ("tshow", &["--help"]),
    ];
    let mut ran = 0;
    for (i, (t, args)) in helps.iter().enumerate() {
        let dir = tdf_tests::scratch(&format!("help-examples-{i}"));
        tdf_tests::run::copy_dir(&tdf_tests::workspace_root().join("examples"), &dir).unwrap();
        std::fs::write(dir.join("units.list"), "main.j\nstats.j\nreport.j\n").unwrap();
        let help = tool(t, &dir).args(*args).output().unwrap();
        let help = String::from_utf8(help.stdout).unwrap();
        let examples = &help[help.find("\nExamples:\n").expect("examples") + 11..];
        let examples = &examples[..examples.find("\n\n").unwrap_or(examples.len())];
        for line in examples.lines() {
            // A command starts in column 2; its description follows after two spaces,
            // or on the next line, indented further.
            let Some(cmd) = line.strip_prefix("  ").filter(|l| !l.starts_with(' ')) else {
                continue;
            };
            let cmd = cmd.split("  ").next().unwrap();
            let words: Vec<&str> = cmd.split_whitespace().collect();
            let out = tool(words[0], &dir).args(&words[1..]).output().unwrap();
            assert!(
                out.status.success(),
                "{t} {args:?}: `{cmd}` fails: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            ran += 1;
        }
    }
    assert!(ran >= 20, "{ran} examples");
}
