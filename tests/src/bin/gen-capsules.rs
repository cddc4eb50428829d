//! `gen-capsules N DIR`: writes N cross-referencing capsules `DIR/caps/cap_00000.j` ...,
//! a `DIR/main.j`, and the response file `DIR/caps.list` naming the capsules (one path
//! per line, relative to DIR, in order), with the project's own writer. Deterministic:
//! the same N gives the same bytes.
//!
//! Capsule i is shaped like the C producer's output for a small translation unit (about
//! 420 bytes): it defines the function tag `f_i`, the data tag `d_i` and the token
//! `tk_i` (each with its declaration and definition units), has one capsule-private tag
//! (a `static` function), and declares and uses three names defined elsewhere:
//! `f_{i+1}` and `tk_{i+1}`, a chain through all N, so that linking `main.j` (which uses
//! `f_0`) against a library of them pulls in every member, and `d_j` for a scattered
//! `j = (7i + 3) mod N`, so that references do not only point at the next capsule.
//! Unit bodies are padded to realistic sizes (48 bytes for a definition, 12 for a
//! declaration). Names are numbered with at least five digits, more for N > 100,000.

use std::path::PathBuf;
use std::process::ExitCode;

use tdf_tests::fixtures::{chain_capsule, chain_main};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(n), Some(dir), 2) = (
        args.first().and_then(|a| a.parse::<usize>().ok()),
        args.get(1),
        args.len(),
    ) else {
        eprintln!("usage: gen-capsules N DIR");
        return ExitCode::from(2);
    };
    let dir = PathBuf::from(dir);
    if let Err(e) = std::fs::create_dir_all(dir.join("caps")) {
        eprintln!("gen-capsules: cannot create {}/caps: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    let write = |name: &str, bytes: &[u8]| {
        std::fs::write(dir.join(name), bytes).unwrap_or_else(|e| {
            eprintln!("gen-capsules: cannot write {name}: {e}");
            std::process::exit(1)
        })
    };
    let width = n.saturating_sub(1).to_string().len().max(5);
    let mut list = String::with_capacity(n * (width + 12));
    let mut bytes = 0;
    for i in 0..n {
        let c = chain_capsule(i, n);
        let name = format!("caps/cap_{i:0width$}.j");
        let capsule = c.build();
        bytes += capsule.len();
        write(&name, &capsule);
        list.push_str(&name);
        list.push('\n');
    }
    let main = chain_main(n);
    write("main.j", &main.build());
    write("caps.list", list.as_bytes());
    println!(
        "wrote {n} capsules ({bytes} bytes) to {}/caps, main.j and caps.list",
        dir.display()
    );
    ExitCode::SUCCESS
}
