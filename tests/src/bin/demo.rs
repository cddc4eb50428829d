//! The README's main job: generate capsules with the project's own writer, build a
//! library of them with `tlib`, look at it with `tshow`, link a main capsule against it
//! with `tld`, and inspect the result. Prints every command and its output.
//!
//! `cargo run -p tdf-tests --bin demo` (it builds the three tools first). Works in
//! `target/<profile>/demo-run/`.

use std::path::Path;
use std::process::{Command, ExitCode};

use tdf_tests::fixtures::{chain_capsule, chain_main};

const N: usize = 12;

fn main() -> ExitCode {
    let dir = tdf_tests::profile_dir().join("demo-run");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("caps")).expect("create the demo directory");
    println!("Working in {}\n", dir.display());

    // A chain of capsules (see `fixtures::chain_capsule`): main.j uses f_0, so linking
    // main.j against the library pulls in every member.
    let mut list = String::new();
    for i in 0..N {
        let c = chain_capsule(i, N);
        let name = format!("caps/cap_{i:02}.j");
        std::fs::write(dir.join(&name), c.build()).expect("write a capsule");
        list.push_str(&name);
        list.push('\n');
    }
    let main = chain_main(N);
    std::fs::write(dir.join("main.j"), main.build()).expect("write main.j");
    std::fs::write(dir.join("caps.list"), list).expect("write caps.list");
    println!("Generated {N} capsules in caps/ (listed in caps.list) and main.j\n");

    let steps: &[(&str, &[&str])] = &[
        ("tlib", &["-o", "chain.tl", "@caps.list"]),
        ("tshow", &["-s", "-i", "chain.tl"]),
        (
            "tld",
            &[
                "-L",
                ".",
                "-l",
                "chain",
                "--why-extract",
                "why.txt",
                "-o",
                "program.j",
                "main.j",
            ],
        ),
        ("cat", &["why.txt"]),
        ("tshow", &["program.j"]),
        ("tld", &["-mt", "-s", "chain.tl"]),
    ];
    for (tool, args) in steps {
        if !run(&dir, tool, args) {
            return ExitCode::FAILURE;
        }
    }
    println!("Done: program.j is main.j linked with every member of chain.tl.");
    ExitCode::SUCCESS
}

fn run(dir: &Path, tool: &str, args: &[&str]) -> bool {
    println!("$ {tool} {}", args.join(" "));
    if tool == "cat" {
        let text = std::fs::read_to_string(dir.join(args[0])).unwrap_or_default();
        println!("{text}");
        return true;
    }
    let out = Command::new(tdf_tests::bin(tool))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the tool runs");
    print!("{}", String::from_utf8_lossy(&out.stdout));
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    println!();
    if !out.status.success() {
        eprintln!("demo: {tool} failed with {}", out.status);
    }
    out.status.success()
}
