//! The README's main job: the workflow TenDRA's `tcc` runs after its C producer, on the
//! shipped example (`examples/`: a three-unit C program compiled to capsules by `tcc -Fj`,
//! and the token libraries `tcc` links against). It inspects a unit with `tshow`, merges
//! the units with `tld` (`tcc -M`'s step), links the result against the token libraries
//! (the installer's input), lists a token library, inspects the linked capsule, shows a
//! definition decoded by `tshow -d`, checks every body of the result with `tshow --check`
//! and builds a library of two units with `tlib`. Prints every command and its output.
//!
//! When TenDRA's installer is found (`TRANS_X86`, else `trans.x86` on the `PATH`), it
//! also translates the linked capsule to i386 assembly, assembles and links it with
//! `cc -m32` (`CC` overrides `cc`) and runs the program.
//!
//! `cargo run -p tdf-tests --bin demo` (it builds the three tools first). Works in
//! `target/<profile>/demo-run/`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The link `tcc` runs for a C89 program: every token library, in `tcc`'s order.
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

/// Longest output printed whole; longer outputs are cut here, with a note saying so.
const MAX_LINES: usize = 40;

fn main() -> ExitCode {
    let dir = tdf_tests::profile_dir().join("demo-run");
    let _ = std::fs::remove_dir_all(&dir);
    let examples = tdf_tests::workspace_root().join("examples");
    if let Err(e) = copy_example(&examples, &dir) {
        eprintln!(
            "demo: cannot copy {} to {}: {e}",
            examples.display(),
            dir.display()
        );
        return ExitCode::FAILURE;
    }
    println!("Working in {}, a copy of examples/:", dir.display());
    println!("  main.j stats.j report.j  the C program src/*.c, compiled by TenDRA's tcc -Fj");
    println!(
        "  lib/                     the token libraries tcc links every C89 program against\n"
    );

    let mut link: Vec<&str> = TCC_LINK.to_vec();
    link.extend(["--why-extract", "why.txt", "-o", "prog.t", "prog.j"]);
    let steps: Vec<(&str, &str, Vec<&str>)> = vec![
        (
            "A unit as tcc -Fj made it: stats_* and report* are defined by the other units; \
             the tokens (~signed_int, c89.stdlib.atoi, ...) by the token libraries.",
            "tshow",
            vec!["main.j"],
        ),
        (
            "Merge the units into one capsule, as tcc -M does before linking.",
            "tld",
            vec!["-o", "prog.j", "main.j", "stats.j", "report.j"],
        ),
        (
            "The merged capsule: the units' names are resolved; printf and the tokens remain.",
            "tshow",
            vec!["prog.j"],
        ),
        (
            "Link against the token libraries, as tcc does: the result is the installer's \
             input. --why-extract records which library member was loaded for which name.",
            "tld",
            link,
        ),
        ("", "cat", vec!["why.txt"]),
        (
            "One of the token libraries: its members and which member defines which token.",
            "tshow",
            vec!["-s", "-i", "lib/sys/dep.tl"],
        ),
        (
            "The linked capsule: the tokens now have their definitions; the C library's \
             functions stay undefined for the system linker.",
            "tshow",
            vec!["prog.t"],
        ),
        (
            "What a unit body holds: tshow -d decodes it into TDF notation, as TenDRA's tnc -p \
             prints it. Here the definition of stats_init (src/stats.c) from the decoded stats.j.",
            "definition",
            vec!["stats.j", "stats_init"],
        ),
        (
            "tshow --check decodes every body of the linked capsule and checks identifiers and \
             token applications against their declarations: silent when all is well.",
            "tshow",
            vec!["--check", "prog.t"],
        ),
        (
            "A library of your own units, and the link that takes from it what main.j needs.",
            "tlib",
            vec!["-o", "stats.tl", "stats.j", "report.j"],
        ),
        ("", "tld", vec!["-mt", "-i", "stats.tl"]),
        (
            "",
            "tld",
            vec![
                "-L",
                ".",
                "-l",
                "stats",
                "--why-extract",
                "why-stats.txt",
                "-o",
                "prog2.j",
                "main.j",
            ],
        ),
        ("", "cat", vec!["why-stats.txt"]),
    ];
    for (note, tool, args) in &steps {
        if !note.is_empty() {
            println!("# {note}");
        }
        let ok = if *tool == "cat" {
            cat(&dir, args[0])
        } else if *tool == "definition" {
            definition(&dir, args[0], args[1])
        } else {
            run(&dir, tool, &tdf_tests::bin(tool).into_os_string(), args)
        };
        if !ok {
            return ExitCode::FAILURE;
        }
    }
    println!(
        "Done: prog.t is the program linked as tcc links it; its installer makes machine code."
    );

    match installer() {
        Some(trans) => {
            println!(
                "\n# TenDRA's installer found ({}): translate, assemble, run.",
                trans.to_string_lossy()
            );
            if !install_and_run(&dir, &trans) {
                return ExitCode::FAILURE;
            }
        }
        None => println!(
            "(TenDRA's installer was not found: set TRANS_X86 or put trans.x86 on the PATH \
             to translate prog.t to i386 code and run it.)"
        ),
    }
    ExitCode::SUCCESS
}

/// Copies the example's capsules and libraries (`*.j` and `lib/`) into `dir`.
fn copy_example(examples: &Path, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for unit in ["main.j", "stats.j", "report.j"] {
        std::fs::copy(examples.join(unit), dir.join(unit))?;
    }
    for sub in ["api", "lpi", "map", "sys"] {
        std::fs::create_dir_all(dir.join("lib").join(sub))?;
        for e in std::fs::read_dir(examples.join("lib").join(sub))? {
            let e = e?;
            std::fs::copy(e.path(), dir.join("lib").join(sub).join(e.file_name()))?;
        }
    }
    Ok(())
}

/// `TRANS_X86` if set, else `trans.x86` on the `PATH`.
fn installer() -> Option<OsString> {
    if let Some(t) = std::env::var_os("TRANS_X86").filter(|t| !t.is_empty()) {
        return Some(t);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("trans.x86"))
        .find(|p| p.is_file())
        .map(PathBuf::into_os_string)
}

/// Translates `prog.t`, assembles and links the result, and runs it twice.
fn install_and_run(dir: &Path, trans: &OsString) -> bool {
    let cc = std::env::var_os("CC")
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "cc".into());
    let prog = dir.join("prog").into_os_string();
    run(dir, "trans.x86", trans, &["prog.t", "prog.s"])
        && run(
            dir,
            &cc.to_string_lossy(),
            &cc,
            &["-m32", "-no-pie", "-o", "prog", "prog.s"],
        )
        && run(dir, "./prog", &prog, &[])
        && run(dir, "./prog", &prog, &["5", "-2", "8"])
}

/// Runs `tshow -d unit` and prints the decoded tag definition of `tag` from its output.
fn definition(dir: &Path, unit: &str, tag: &str) -> bool {
    println!("$ tshow -d {unit}    (the part defining {tag})");
    let out = match Command::new(tdf_tests::bin("tshow"))
        .args(["-d", unit])
        .current_dir(dir)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            eprintln!("demo: cannot run tshow: {e}");
            return false;
        }
    };
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let head = format!("( make_id_tagdef {tag}");
    let block: Vec<&str> = text
        .lines()
        .skip_while(|l| *l != head)
        .take_while(|l| !l.is_empty())
        .collect();
    if !out.status.success() || block.is_empty() {
        eprintln!("demo: tshow -d {unit} did not print a definition of {tag}");
        return false;
    }
    println!("{}\n", block.join("\n"));
    true
}

fn cat(dir: &Path, file: &str) -> bool {
    println!("$ cat {file}");
    match std::fs::read_to_string(dir.join(file)) {
        Ok(text) => {
            println!("{text}");
            true
        }
        Err(e) => {
            eprintln!("demo: cannot read {file}: {e}");
            false
        }
    }
}

/// Runs `program` (shown as `shown`) in `dir` and prints the command and its output.
fn run(dir: &Path, shown: &str, program: &OsString, args: &[&str]) -> bool {
    if args.is_empty() {
        println!("$ {shown}");
    } else {
        println!("$ {shown} {}", args.join(" "));
    }
    let out = match Command::new(program).args(args).current_dir(dir).output() {
        Ok(out) => out,
        Err(e) => {
            eprintln!("demo: cannot run {shown}: {e}");
            return false;
        }
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    if lines.len() > MAX_LINES + 5 {
        for line in &lines[..MAX_LINES] {
            println!("{line}");
        }
        println!("... ({} more lines)", lines.len() - MAX_LINES);
    } else {
        print!("{stdout}");
    }
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    println!();
    if !out.status.success() {
        eprintln!("demo: {shown} failed with {}", out.status);
    }
    out.status.success()
}
