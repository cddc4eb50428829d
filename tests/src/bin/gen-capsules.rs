//! `gen-capsules N DIR`: writes N cross-referencing capsules `cap_00000.j` ... and a
//! `main.j` into DIR, with the project's own writer. Deterministic.
//!
//! Capsule i defines the function tag `f_i`, the data tag `d_i` and the token `tk_i`, has
//! one capsule-private tag, and uses `f_{i+1}`, `d_{i+1}` and `tk_{i+1}`: a chain through
//! all N, so that linking `main.j` (which uses `f_0`) against a library of them pulls in
//! every member. Unit bodies are padded so a capsule is about 400 bytes, like the C
//! producer's output for a small function.

use std::path::PathBuf;
use std::process::ExitCode;

use tdf_tests::fixtures::capsule;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(n), Some(dir)) = (
        args.first().and_then(|a| a.parse::<usize>().ok()),
        args.get(1),
    ) else {
        eprintln!("usage: gen-capsules N DIR");
        return ExitCode::from(2);
    };
    let dir = PathBuf::from(dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("gen-capsules: cannot create {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    let write = |name: &str, bytes: Vec<u8>| {
        std::fs::write(dir.join(name), bytes).unwrap_or_else(|e| {
            eprintln!("gen-capsules: cannot write {name}: {e}");
            std::process::exit(1)
        })
    };
    for i in 0..n {
        let mut c = capsule()
            .define_tag(&format!("f_{i}"))
            .define_tag(&format!("d_{i}"))
            .define_token(&format!("tk_{i}"))
            .private_tags(1)
            .body_size(48);
        if i + 1 < n {
            c = c
                .use_tag(&format!("f_{}", i + 1))
                .use_tag(&format!("d_{}", i + 1))
                .use_token(&format!("tk_{}", i + 1));
        }
        write(&format!("cap_{i:05}.j"), c.build());
    }
    let mut main = capsule().define_tag("main").body_size(48);
    if n > 0 {
        main = main.use_tag("f_0").use_tag("d_0").use_token("tk_0");
    }
    write("main.j", main.build());
    println!("wrote {n} capsules and main.j to {}", dir.display());
    ExitCode::SUCCESS
}
