//! How outputs are written, in a hostile file system: through symbolic links, in place
//! for special files (`/dev/stdout` whatever standard output is, FIFOs, terminals), `-`
//! for standard output and input, atomically against concurrent runs and SIGKILL.
//!
//! Nothing here touches the machine's own `/dev/stdout`: every link is made in a scratch
//! directory, so that code that replaced the link would replace only that link.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use tdf_tests::fixtures::{capsule, chain_capsule, chain_main, library};

fn tool(name: &str, dir: &Path) -> Command {
    let mut c = Command::new(tdf_tests::bin(name));
    c.current_dir(dir);
    c
}

fn run(name: &str, dir: &Path, args: &[&str]) -> Output {
    tool(name, dir).args(args).output().expect("tool runs")
}

/// Runs with `input` on standard input.
fn run_with_input(name: &str, dir: &Path, args: &[&str], input: &[u8]) -> Output {
    let mut child = tool(name, dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tool runs");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    out
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: &Output, what: &str) {
    assert_eq!(o.status.code(), Some(0), "{what}: {}", stderr(o));
}

fn listing(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

fn temporaries(dir: &Path) -> Vec<String> {
    listing(dir)
        .into_iter()
        .filter(|n| n.contains(".tdf-tmp."))
        .collect()
}

fn is_link(p: &Path) -> bool {
    fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
}

fn symlink(target: impl AsRef<Path>, link: impl AsRef<Path>) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

/// A scratch directory with `main.j` (uses `f`), `f.j` (defines it) and the library
/// `lib.tl` holding `f.j`.
fn setup(name: &str) -> PathBuf {
    let dir = tdf_tests::scratch(name);
    let main = capsule().define_tag("main").use_tag("f").build();
    let f = capsule().define_tag("f").build();
    fs::write(dir.join("main.j"), &main).unwrap();
    fs::write(dir.join("f.j"), &f).unwrap();
    fs::write(dir.join("lib.tl"), library(&[("f.j", &f)])).unwrap();
    dir
}

/// The outputs of `tld -o OUT -d TRACE --why-extract WHY main.j -L. -llib` and of
/// `tlib -o OUT -d TRACE f.j`, made with plain files, to compare with.
struct Reference {
    link: Vec<u8>,
    why: Vec<u8>,
    library: Vec<u8>,
}

fn reference(dir: &Path) -> Reference {
    let o = run(
        "tld",
        dir,
        &[
            "-o",
            "ref.j",
            "--why-extract",
            "ref.why",
            "main.j",
            "-L.",
            "-llib",
        ],
    );
    ok(&o, "reference link");
    let o = run("tlib", dir, &["-o", "ref.tl", "f.j"]);
    ok(&o, "reference library");
    let r = Reference {
        link: fs::read(dir.join("ref.j")).unwrap(),
        why: fs::read(dir.join("ref.why")).unwrap(),
        library: fs::read(dir.join("ref.tl")).unwrap(),
    };
    for f in ["ref.j", "ref.why", "ref.tl"] {
        fs::remove_file(dir.join(f)).unwrap();
    }
    r
}

#[test]
fn outputs_are_written_through_chains_of_links() {
    let dir = setup("outputs-links");
    let r = reference(&dir);
    fs::create_dir_all(dir.join("a")).unwrap();
    fs::create_dir_all(dir.join("b/real")).unwrap();
    // NAME -> a/NAME.1 -> ../b/NAME.2 -> real/NAME: relative links, the second and third
    // in other directories, ending in an existing file.
    let chain = |name: &str| {
        symlink(format!("a/{name}.1"), dir.join(name));
        symlink(format!("../b/{name}.2"), dir.join(format!("a/{name}.1")));
        symlink(format!("real/{name}"), dir.join(format!("b/{name}.2")));
        fs::write(dir.join("b/real").join(name), b"previous").unwrap();
    };
    let outputs = [
        "out.j",
        "why.txt",
        "trace.txt",
        "out.tl",
        "tlib-trace.txt",
        "mc.tl",
    ];
    for name in outputs {
        chain(name);
    }
    let o = run(
        "tld",
        &dir,
        &[
            "-o",
            "out.j",
            "--why-extract",
            "why.txt",
            "-d",
            "trace.txt",
            "main.j",
            "-L.",
            "-llib",
        ],
    );
    ok(&o, "tld");
    let o = run(
        "tlib",
        &dir,
        &["-o", "out.tl", "-d", "tlib-trace.txt", "f.j"],
    );
    ok(&o, "tlib");
    let o = run("tld", &dir, &["-mc", "-o", "mc.tl", "f.j"]);
    ok(&o, "tld -mc");
    let real = dir.join("b/real");
    assert_eq!(fs::read(real.join("out.j")).unwrap(), r.link);
    assert_eq!(fs::read(real.join("why.txt")).unwrap(), r.why);
    assert_eq!(fs::read(real.join("out.tl")).unwrap(), r.library);
    assert_eq!(fs::read(real.join("mc.tl")).unwrap(), r.library);
    let trace = fs::read_to_string(real.join("trace.txt")).unwrap();
    assert!(trace.contains("== emit"), "{trace}");
    let trace = fs::read_to_string(real.join("tlib-trace.txt")).unwrap();
    assert!(trace.contains("writing 'out.tl'"), "{trace}");
    for name in outputs {
        assert!(is_link(&dir.join(name)), "{name} was replaced");
        assert!(is_link(&dir.join(format!("a/{name}.1"))));
        assert!(is_link(&dir.join(format!("b/{name}.2"))));
    }
    for d in [&dir, &dir.join("a"), &dir.join("b"), &real] {
        assert_eq!(temporaries(d), Vec::<String>::new(), "{}", d.display());
    }
}

#[test]
fn a_dangling_link_creates_its_target() {
    let dir = setup("outputs-dangling");
    let r = reference(&dir);
    fs::create_dir(dir.join("elsewhere")).unwrap();
    symlink("elsewhere/new.j", dir.join("out.j"));
    symlink("elsewhere/new.tl", dir.join("out.tl"));
    ok(&run("tld", &dir, &["-o", "out.j", "main.j", "f.j"]), "tld");
    ok(&run("tlib", &dir, &["-o", "out.tl", "f.j"]), "tlib");
    assert!(is_link(&dir.join("out.j")) && is_link(&dir.join("out.tl")));
    assert_eq!(fs::read(dir.join("elsewhere/new.j")).unwrap(), r.link);
    assert_eq!(fs::read(dir.join("elsewhere/new.tl")).unwrap(), r.library);
}

#[test]
fn a_link_into_a_read_only_directory_fails_naming_the_target() {
    // Even root cannot create files in /proc: a directory no one can write to.
    let dir = setup("outputs-readonly");
    symlink("/proc/tdf-outputs-test.j", dir.join("out.j"));
    symlink("/proc/tdf-outputs-test.tl", dir.join("out.tl"));
    symlink("/proc/tdf-outputs-test.txt", dir.join("why.txt"));
    let before = listing(&dir);
    for (name, args) in [
        ("tld", &["-o", "out.j", "main.j", "f.j"][..]),
        (
            "tld",
            &[
                "--why-extract",
                "why.txt",
                "main.j",
                "-L.",
                "-llib",
                "-o",
                "x.j",
            ],
        ),
        ("tlib", &["-o", "out.tl", "f.j"]),
    ] {
        let o = run(name, &dir, args);
        assert_eq!(o.status.code(), Some(1), "{name} {args:?}: {}", stderr(&o));
        let e = stderr(&o);
        assert!(
            e.contains("[E0811]") && e.contains("'/proc/tdf-outputs-test."),
            "{e}"
        );
    }
    assert!(!Path::new("/proc/tdf-outputs-test.j").exists());
    for l in ["out.j", "out.tl", "why.txt"] {
        assert!(is_link(&dir.join(l)));
    }
    // The --why-extract failure is an error: nothing else was written either.
    assert_eq!(listing(&dir), before);
}

/// Links in `dir` to this process's standard output as the tools see it: `/dev/stdout`
/// and `/proc/self/fd/1` where they exist.
fn stdout_links(dir: &Path) -> Vec<PathBuf> {
    let mut links = Vec::new();
    for (i, target) in ["/dev/stdout", "/proc/self/fd/1", "/dev/fd/1"]
        .iter()
        .enumerate()
    {
        if Path::new(target).exists() {
            let l = dir.join(format!("stdout{i}"));
            symlink(target, &l);
            links.push(l);
        }
    }
    assert!(!links.is_empty(), "no way to name standard output");
    links
}

#[test]
fn dev_stdout_is_written_in_place_when_standard_output_is_a_file() {
    let dir = setup("outputs-stdout-file");
    let r = reference(&dir);
    for link in stdout_links(&dir) {
        let l = link.to_str().unwrap();
        // Standard output a file opened for appending, with something in it already:
        // the output is appended, the file keeps its contents and stays the same file.
        for (args, expected) in [
            (
                vec!["--why-extract", l, "-o", "out.j", "main.j", "-L.", "-llib"],
                &r.why,
            ),
            (vec!["-o", l, "main.j", "-L.", "-llib"], &r.link),
        ] {
            let out = dir.join("stdout.txt");
            fs::write(&out, b"before\n").unwrap();
            let file = File::options().append(true).open(&out).unwrap();
            let o = tool("tld", &dir)
                .args(&args)
                .stdout(Stdio::from(file))
                .output()
                .unwrap();
            ok(&o, l);
            let mut want = b"before\n".to_vec();
            want.extend_from_slice(expected);
            assert_eq!(fs::read(&out).unwrap(), want, "{args:?}");
            assert!(is_link(&link), "{l} was replaced");
            assert_eq!(temporaries(&dir), Vec::<String>::new());
        }
    }
}

#[test]
fn dev_stdout_is_written_in_place_when_standard_output_is_a_pipe() {
    let dir = setup("outputs-stdout-pipe");
    let r = reference(&dir);
    for link in stdout_links(&dir) {
        let l = link.to_str().unwrap();
        let o = run("tld", &dir, &["-o", l, "main.j", "-L.", "-llib"]);
        ok(&o, l);
        assert_eq!(o.stdout, r.link);
        let o = run(
            "tld",
            &dir,
            &["--why-extract", l, "-o", "out.j", "main.j", "-L.", "-llib"],
        );
        ok(&o, l);
        assert_eq!(o.stdout, r.why);
        let o = run("tlib", &dir, &["-o", l, "f.j"]);
        ok(&o, l);
        assert_eq!(o.stdout, r.library);
        assert!(is_link(&link), "{l} was replaced");
    }
    // `-` is the same standard output.
    let o = run("tld", &dir, &["-o", "-", "main.j", "-L.", "-llib"]);
    ok(&o, "-o -");
    assert_eq!(o.stdout, r.link);
    assert!(!dir.join("-").exists());
    assert_eq!(temporaries(&dir), Vec::<String>::new());
}

#[test]
fn fifos_are_written_in_place() {
    let dir = setup("outputs-fifo");
    let r = reference(&dir);
    let fifo = dir.join("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    symlink("fifo", dir.join("link"));
    for (name, args, expected) in [
        ("tld", vec!["-o", "fifo", "main.j", "-L.", "-llib"], &r.link),
        ("tld", vec!["-o", "link", "main.j", "-L.", "-llib"], &r.link),
        (
            "tld",
            vec![
                "--why-extract",
                "link",
                "-o",
                "x.j",
                "main.j",
                "-L.",
                "-llib",
            ],
            &r.why,
        ),
        ("tlib", vec!["-o", "link", "f.j"], &r.library),
    ] {
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || fs::read(fifo).unwrap())
        };
        let o = run(name, &dir, &args);
        ok(&o, name);
        assert_eq!(&reader.join().unwrap(), expected, "{name} {args:?}");
        use std::os::unix::fs::FileTypeExt;
        assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
        assert!(is_link(&dir.join("link")));
    }
    assert_eq!(temporaries(&dir), Vec::<String>::new());
}

#[test]
fn dash_is_standard_output_and_input() {
    let dir = setup("outputs-dash");
    let r = reference(&dir);
    let o = run("tld", &dir, &["-o", "-", "main.j", "-L.", "-llib"]);
    ok(&o, "tld -o -");
    assert_eq!(o.stdout, r.link);
    let o = run(
        "tld",
        &dir,
        &["--why-extract", "-", "main.j", "-L.", "-llib"],
    );
    ok(&o, "tld --why-extract -");
    assert_eq!(o.stdout, r.why);
    let o = run(
        "tld",
        &dir,
        &["-d", "-", "-o", "x.j", "main.j", "-L.", "-llib"],
    );
    ok(&o, "tld -d -");
    assert!(String::from_utf8_lossy(&o.stdout).contains("== resolve"));
    let o = run("tlib", &dir, &["-o", "-", "f.j"]);
    ok(&o, "tlib -o -");
    assert_eq!(o.stdout, r.library);
    let o = run("tlib", &dir, &["-d", "-", "-o", "y.tl", "f.j"]);
    ok(&o, "tlib -d -");
    assert!(String::from_utf8_lossy(&o.stdout).contains("writing 'y.tl'"));
    let o = run("tld", &dir, &["-mc", "-o", "-", "f.j"]);
    ok(&o, "tld -mc -o -");
    assert_eq!(o.stdout, r.library);
    let o = run("tld", &dir, &["-mc", "-d", "-", "-o", "z.tl", "f.j"]);
    ok(&o, "tld -mc -d -");
    assert!(String::from_utf8_lossy(&o.stdout).contains("writing 'z.tl'"));
    // No file called "-" anywhere.
    assert!(!dir.join("-").exists());

    // tshow - reads standard input: a capsule, a library, and extraction from it.
    let o = run_with_input("tshow", &dir, &["-"], &r.link);
    ok(&o, "tshow - (capsule)");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.starts_with("capsule standard input: "), "{text}");
    let o = run_with_input("tshow", &dir, &["-s", "-"], &r.library);
    ok(&o, "tshow - (library)");
    assert!(String::from_utf8_lossy(&o.stdout).contains("f.j"));
    let out = dir.join("x");
    fs::create_dir(&out).unwrap();
    let o = run_with_input("tshow", &out, &["-x", "-a", "-"], &r.library);
    ok(&o, "tshow -x -a -");
    assert_eq!(
        fs::read(out.join("f.j")).unwrap(),
        fs::read(dir.join("f.j")).unwrap()
    );
    // A pipeline: tld -o - | tshow -.
    let o = run_with_input("tshow", &dir, &["--format", "json", "-"], &r.link);
    ok(&o, "tshow --format json -");
    assert!(String::from_utf8_lossy(&o.stdout).contains("\"file\": \"standard input\""));
    // Bad input on standard input: a catalogue diagnostic naming it, exit 1.
    let o = run_with_input("tshow", &dir, &["-"], b"TDFC\x00");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).starts_with("tshow: error: standard input: byte 4: "),
        "{}",
        stderr(&o)
    );
}

#[test]
fn standard_output_carries_one_output() {
    let dir = setup("outputs-dash-twice");
    for (name, args) in [
        ("tld", &["-o", "-", "-d", "-", "main.j", "f.j"][..]),
        ("tld", &["-o", "-", "--why-extract", "-", "main.j", "f.j"]),
        ("tld", &["-d", "-", "--why-extract=-", "main.j", "f.j"]),
        ("tld", &["-o", "-", "-y", "tag", "main", "main.j", "f.j"]),
        ("tlib", &["-o", "-", "-d", "-", "f.j"]),
        ("tld", &["-mc", "-o", "-", "-d", "-", "f.j"]),
    ] {
        let o = run(name, &dir, args);
        assert_eq!(o.status.code(), Some(2), "{name} {args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("[E0807]"), "{}", stderr(&o));
        assert!(o.stdout.is_empty());
    }
}

#[test]
fn binary_output_to_a_terminal_is_refused() {
    // Opening /dev/ptmx makes a new pseudo-terminal; the tools get its master side as
    // standard output, which is a terminal.
    let dir = setup("outputs-terminal");
    let terminal = || File::options().read(true).write(true).open("/dev/ptmx");
    if terminal().is_err() {
        panic!("this test needs /dev/ptmx");
    }
    for (name, args) in [
        ("tld", &["-o", "-", "main.j", "f.j"][..]),
        ("tlib", &["-o", "-", "f.j"]),
        ("tld", &["-mc", "-o", "-", "f.j"]),
        ("tld", &["-o", "/dev/ptmx", "main.j", "f.j"]),
    ] {
        let o = tool(name, &dir)
            .args(args)
            .stdout(Stdio::from(terminal().unwrap()))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{name} {args:?}: {}", stderr(&o));
        let e = stderr(&o);
        assert!(
            e.contains("refusing to write binary output to the terminal"),
            "{e}"
        );
        assert!(e.contains("[E0810]"), "{e}");
    }
    // Text may go to a terminal.
    let o = tool("tld", &dir)
        .args(["--why-extract", "-", "-o", "x.j", "main.j", "-L.", "-llib"])
        .stdout(Stdio::from(terminal().unwrap()))
        .output()
        .unwrap();
    ok(&o, "--why-extract - to a terminal");
}

/// A 20,000-capsule link: `main.j` against `big.tl`, whose members are a chain that
/// pulls in every one of them (as `gen-capsules` writes them). The output is 7.5 MB.
fn big_link(dir: &Path, n: usize) {
    let caps: Vec<(String, Vec<u8>)> = (0..n)
        .map(|i| (format!("caps/cap_{i:05}.j"), chain_capsule(i, n).build()))
        .collect();
    let members: Vec<(&str, &[u8])> = caps.iter().map(|(n, b)| (n.as_str(), &b[..])).collect();
    fs::write(dir.join("big.tl"), library(&members)).unwrap();
    fs::write(dir.join("bigmain.j"), chain_main(n).build()).unwrap();
}

const BIG_ARGS: [&str; 5] = ["-o", "out.j", "bigmain.j", "-L.", "-lbig"];

#[test]
fn sigkill_at_any_moment_leaves_the_previous_output() {
    let dir = setup("outputs-sigkill");
    big_link(&dir, 20_000);
    // The complete new output, to tell "old" and "new" apart.
    ok(&run("tld", &dir, &BIG_ARGS), "the full link");
    let new = fs::read(dir.join("out.j")).unwrap();
    let old = fs::read(dir.join("main.j")).unwrap();
    assert_ne!(old, new);

    enum When {
        After(Duration),
        /// Once the temporary file exists, plus this long.
        Writing(Duration),
    }
    let points = [
        When::After(Duration::ZERO),
        When::After(Duration::from_millis(30)),
        When::After(Duration::from_millis(150)),
        When::Writing(Duration::ZERO),
        When::Writing(Duration::from_millis(2)),
        When::Writing(Duration::from_millis(10)),
    ];
    let mut killed_while_writing = 0;
    for (i, when) in points.iter().enumerate() {
        fs::write(dir.join("out.j"), &old).unwrap();
        let mut child = tool("tld", &dir)
            .args(BIG_ARGS)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id();
        match when {
            When::After(d) => std::thread::sleep(*d),
            When::Writing(d) => {
                let start = Instant::now();
                while temporaries(&dir).is_empty()
                    && child.try_wait().unwrap().is_none()
                    && start.elapsed() < Duration::from_secs(60)
                {
                    std::thread::yield_now();
                }
                std::thread::sleep(*d);
            }
        }
        child.kill().unwrap(); // SIGKILL
        let status = child.wait().unwrap();
        let now = fs::read(dir.join("out.j")).unwrap();
        let stale = temporaries(&dir);
        if status.code().is_none() && !stale.is_empty() {
            // Killed between creating the temporary file and renaming it.
            killed_while_writing += 1;
            assert!(now == old, "point {i}: the output changed");
            // The stale file is recognisable, never taken for the output.
            assert_eq!(stale.len(), 1);
            let prefix = format!(".out.j.tdf-tmp.{pid}.");
            assert!(stale[0].starts_with(&prefix), "point {i}: {stale:?}");
            assert!(!stale[0].ends_with(".j"));
            fs::remove_file(dir.join(&stale[0])).unwrap();
        } else {
            // Killed before it began to write, or it had finished.
            assert!(now == old || now == new, "point {i}: a partial output");
            assert!(stale.is_empty(), "point {i}: {stale:?}");
        }
        // Nothing else appeared.
        assert!(listing(&dir).iter().all(|n| !n.starts_with('.')));
    }
    assert!(
        killed_while_writing >= 2,
        "only {killed_while_writing} kills happened while the output was being written"
    );
}

#[test]
fn concurrent_runs_leave_one_complete_output() {
    let dir = setup("outputs-race");
    // Two links of different outputs of about the same size, written through one link
    // to one file.
    big_link(&dir, 3_000);
    let hiding: Vec<&str> = BIG_ARGS
        .iter()
        .copied()
        .chain(["-a", "-k", "tag", "main"])
        .collect();
    ok(&run("tld", &dir, &BIG_ARGS), "link a");
    let a = fs::read(dir.join("out.j")).unwrap();
    ok(&run("tld", &dir, &hiding), "link b");
    let b = fs::read(dir.join("out.j")).unwrap();
    assert_ne!(a, b);
    fs::remove_file(dir.join("out.j")).unwrap();
    fs::create_dir(dir.join("real")).unwrap();
    symlink("real/target.j", dir.join("out.j"));
    for round in 0..4 {
        let first = tool("tld", &dir).args(BIG_ARGS).spawn().unwrap();
        let second = tool("tld", &dir).args(&hiding).spawn().unwrap();
        for mut c in [first, second] {
            assert!(c.wait().unwrap().success(), "round {round}");
        }
        let now = fs::read(dir.join("real/target.j")).unwrap();
        assert!(now == a || now == b, "round {round}: a mix of two outputs");
        assert!(
            is_link(&dir.join("out.j")),
            "round {round}: the link was replaced"
        );
        assert_eq!(temporaries(&dir.join("real")), Vec::<String>::new());
        assert_eq!(temporaries(&dir), Vec::<String>::new());
    }
}
