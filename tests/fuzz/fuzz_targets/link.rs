//! A whole link of two fuzzed capsules against a fuzzed library, through the same entry
//! point as the `tld` binary (`tdf_link::run`), with the inputs written to files:
//!
//! ```text
//! tld [FLAGS] -o DIR/out.j -L DIR -l lib DIR/a.j DIR/b.j
//! ```
//!
//! Input layout: byte 0 selects FLAGS (bit 0 `-a`, bit 1 `-i`, bit 2 `-w`, bit 3 `-M`);
//! bytes 1-2 and 3-4 are the little-endian lengths of capsule A and capsule B (each
//! taken modulo what is left), then A, then B; the rest is the library `lib.tl`.
//! The `run` script builds seeds in this layout from the shared corpus.
//!
//! The link must end with status 0 or 1 (never a panic, a hang, or the usage status 2),
//! and a link with status 0 must have written an output capsule that reads back.
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
    DIR.get_or_init(|| new_work_dir("link"))
}

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    let flags = take(&mut rest, 1).first().copied().unwrap_or(0);
    let len_a = len_prefix(&mut rest);
    let len_b = len_prefix(&mut rest);
    let a = take(&mut rest, len_a);
    let b = take(&mut rest, len_b);
    let lib = rest;

    let dir = work_dir();
    let files = write_inputs(dir, a, b, lib, "out.j");

    let mut args: Vec<OsString> = Vec::new();
    for (bit, flag) in [(1, "-a"), (2, "-i"), (4, "-w"), (8, "-M")] {
        if flags & bit != 0 {
            args.push(flag.into());
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
