//! `gen-examples DIR`: writes the small capsules of the README walkthrough into DIR
//! (the committed copies are in `examples/capsules/`), with the project's own writer.
//! Deterministic: a test checks that the committed files are what this writes.
//!
//! `cargo run -p tdf-tests --bin gen-examples -- examples/capsules`
//!
//! The capsules are shaped like the C producer's output for a small program and a
//! small maths library:
//!
//! | capsule | defines | uses |
//! |---|---|---|
//! | `main.j` | tag `main` (and one private tag) | tags `square`, `abs`, `printf` |
//! | `square.j` | tag `square` | tag `mul`, token `int_t` |
//! | `mul.j` | tag `mul`, token `int_t` | |
//! | `abs.j` | tag `abs` | |
//! | `cube.j` | tag `cube` | tags `square`, `mul` |
//!
//! Linking `main.j` against a library of the other four loads `square.j`, `mul.j` and
//! `abs.j`, but not `cube.j`; `printf` stays undefined (a C library would define it).

use std::path::PathBuf;
use std::process::ExitCode;

use tdf_tests::fixtures::{capsule, CapsuleBuilder};

/// The example capsules: file name and contents.
fn examples() -> Vec<(&'static str, CapsuleBuilder)> {
    vec![
        (
            "main.j",
            capsule()
                .define_tag("main")
                .use_tag("square")
                .use_tag("abs")
                .use_tag("printf")
                .private_tags(1)
                .body_size(24),
        ),
        (
            "square.j",
            capsule()
                .define_tag("square")
                .use_tag("mul")
                .use_token("int_t")
                .body_size(24),
        ),
        (
            "mul.j",
            capsule()
                .define_tag("mul")
                .define_token("int_t")
                .body_size(24),
        ),
        ("abs.j", capsule().define_tag("abs").body_size(24)),
        (
            "cube.j",
            capsule()
                .define_tag("cube")
                .use_tag("square")
                .use_tag("mul")
                .body_size(24),
        ),
    ]
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir] = args.as_slice() else {
        eprintln!("usage: gen-examples DIR   (e.g. gen-examples examples/capsules)");
        return ExitCode::from(2);
    };
    let dir = PathBuf::from(dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("gen-examples: cannot create {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    for (name, c) in examples() {
        let path = dir.join(name);
        if let Err(e) = std::fs::write(&path, c.build()) {
            eprintln!("gen-examples: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
        println!("{}", path.display());
    }
    ExitCode::SUCCESS
}
