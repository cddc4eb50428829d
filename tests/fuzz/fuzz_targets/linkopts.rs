//! A link with fuzzed options, through `tdf_link::run` (what the `tld` binary runs):
//!
//! ```text
//! tld [-r S F T] [-R DIR/names.txt] [-h S N] [-k S N] [-s S N] [-M] [-u DIR/units.txt]
//!     [-a] [-H S] [-K S] [-S S] -o DIR/out.j -L DIR -l lib DIR/a.j DIR/b.j
//! ```
//!
//! Input layout: bytes 0-1 select the options (bit 0 `-r`, 1 `-R`, 2 `-h`, 3 `-k`,
//! 4 `-s`, 5 `-M`, 6 `-u`, 7 `-a`, 8 `-H`, 9 `-K`, 10 `-S`, in that order on the command
//! line); then three little-endian 16-bit lengths and capsule A, capsule B and a text T
//! (each length taken modulo what is left); the rest is the library. The arguments S, F,
//! T, N are the whitespace-separated words of T in turn (an empty word list gives
//! `tag`/`x`); `names.txt` (the rename file) and `units.txt` (the unit-set file) both
//! hold T.
//!
//! Properties: the link ends with status 0 or 1 (never a panic, a hang or the usage
//! status 2); status 0 leaves an output capsule that reads, status 1 none.
#![no_main]

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

mod common;
use common::{
    check_output, len_prefix, new_work_dir, push_link_operands, run_tld, take, write_inputs,
};

fn work_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| new_work_dir("linkopts"))
}

#[cfg(unix)]
fn os(b: &[u8]) -> OsString {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::OsStr::from_bytes(b).to_owned()
}

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    let sel = len_prefix(&mut rest);
    let len_a = len_prefix(&mut rest);
    let len_b = len_prefix(&mut rest);
    let len_t = len_prefix(&mut rest);
    let a = take(&mut rest, len_a);
    let b = take(&mut rest, len_b);
    let text = take(&mut rest, len_t);
    let lib = rest;

    let dir = work_dir();
    let files = write_inputs(dir, a, b, lib, "out.j");
    let (pr, pu) = (dir.join("names.txt"), dir.join("units.txt"));
    std::fs::write(&pr, text).unwrap();
    std::fs::write(&pu, text).unwrap();

    // The words of T. A word starting with '@' would name a response file (any file of
    // the machine): leading '@'s are dropped.
    let words: Vec<&[u8]> = text
        .split(|c| c.is_ascii_whitespace())
        .map(|w| &w[w.iter().position(|&c| c != b'@').unwrap_or(w.len())..])
        .filter(|w| !w.is_empty())
        .take(64)
        .collect();
    let mut next = 0;
    let mut word = || {
        let w = words
            .get(next)
            .copied()
            .unwrap_or(if next % 2 == 0 { b"tag" } else { b"x" });
        next += 1;
        os(w)
    };

    let on = |bit: u32| sel & (1 << bit) != 0;
    let mut args: Vec<OsString> = Vec::new();
    if on(0) {
        args.push("-r".into());
        for _ in 0..3 {
            args.push(word());
        }
    }
    if on(1) {
        args.push("-R".into());
        args.push(pr.into());
    }
    for (bit, flag) in [(2, "-h"), (3, "-k"), (4, "-s")] {
        if on(bit) {
            args.push(flag.into());
            args.push(word());
            args.push(word());
        }
    }
    if on(5) {
        args.push("-M".into());
    }
    if on(6) {
        args.push("-u".into());
        args.push(pu.into());
    }
    if on(7) {
        args.push("-a".into());
    }
    for (bit, flag) in [(8, "-H"), (9, "-K"), (10, "-S")] {
        if on(bit) {
            args.push(flag.into());
            args.push(word());
        }
    }
    push_link_operands(&mut args, dir, &files);

    let (status, _) = run_tld(args);
    check_output(status, &files.out, "the linked capsule", |b| {
        tdf_core::Capsule::read(b)
            .map(drop)
            .map_err(|d| d.render("tld", false))
    });
});
