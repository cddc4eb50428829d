//! TenDRA's library modes through `tdf_link::run` (what the `tld` binary runs), on two
//! fuzzed capsules and a fuzzed library written to files:
//!
//! ```text
//! tld -mc [-M] [-S token] -o DIR/out.tl [-i DIR/lib.tl] DIR/a.j DIR/b.j
//! tld -mt [-i] [-s] [-t] DIR/lib.tl
//! tld -mx [-a | NAME] [-b] [-m] [-i] DIR/lib.tl      (in DIR/x/, the current directory)
//! ```
//!
//! Input layout: byte 0 selects the mode (bits 0-1: 0 and 3 `-mc`, 1 `-mt`, 2 `-mx`)
//! and the flags (bits 2-5, per mode as listed above, in that order); bytes 1-2 and 3-4
//! are the little-endian lengths of capsule A and capsule B (each taken modulo what is
//! left), then A, then B; the rest is the library. For `-mx` without `-a`, capsule A's
//! bytes (up to 64) are the NAME to extract.
//!
//! Properties: the run ends with status 0 or 1 (never a panic, a hang or the usage
//! status 2); `-mc` with status 0 leaves a library that reads, with status 1 none;
//! `-mt` prints something when it succeeds; `-mx` writes nothing outside its
//! directory, and with status 0 every file it wrote is a member of the library.
#![no_main]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

mod common;
use common::{check_output, len_prefix, new_work_dir, run_tld, take, write_inputs};

fn work_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = new_work_dir("modes");
        std::fs::create_dir_all(d.join("x")).expect("create the work directory");
        // -mx extracts below the current directory.
        std::env::set_current_dir(d.join("x")).expect("enter the extraction directory");
        d
    })
}

/// Every file below `dir` (links not followed), relative, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(p),
                _ => out.push(p.strip_prefix(dir).unwrap().to_path_buf()),
            }
        }
    }
    out.sort();
    out
}

#[cfg(unix)]
fn os(b: &[u8]) -> OsString {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::OsStr::from_bytes(b).to_owned()
}

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    let selector = take(&mut rest, 1).first().copied().unwrap_or(0);
    let len_a = len_prefix(&mut rest);
    let len_b = len_prefix(&mut rest);
    let a = take(&mut rest, len_a);
    let b = take(&mut rest, len_b);
    let lib = rest;

    let dir = work_dir();
    let x = dir.join("x");
    let inputs = write_inputs(dir, a, b, lib, "out.tl");
    let (pa, pb, pl, out) = (&inputs.a, &inputs.b, &inputs.lib, &inputs.out);
    let _ = std::fs::remove_dir_all(&x);
    std::fs::create_dir_all(&x).unwrap();
    let outside_before = files(dir);

    let flag = |bit: u8| selector & (4 << bit) != 0;
    let mut args: Vec<OsString> = Vec::new();
    let mode = selector & 3;
    match mode {
        1 => {
            args.push("-mt".into());
            for (bit, f) in [(0, "-i"), (1, "-s"), (2, "-t")] {
                if flag(bit) {
                    args.push(f.into());
                }
            }
            args.push(pl.clone().into());
        }
        2 => {
            args.push("-mx".into());
            for (bit, f) in [(1, "-b"), (2, "-m"), (3, "-i")] {
                if flag(bit) {
                    args.push(f.into());
                }
            }
            if flag(0) {
                args.push("-a".into());
                args.push(pl.clone().into());
            } else {
                // The name operand. After "--" a name that looks like an option is a
                // name; one starting with '@' would name a response file (any file of
                // the machine), so leading '@'s are dropped.
                let name = &a[..a.len().min(64)];
                let name = &name[name.iter().position(|&c| c != b'@').unwrap_or(name.len())..];
                if name.is_empty() {
                    return;
                }
                args.push("--".into());
                args.push(pl.clone().into());
                args.push(os(name));
            }
        }
        _ => {
            args.push("-mc".into());
            if flag(0) {
                args.push("-M".into());
            }
            if flag(1) {
                args.push("-S".into());
                args.push("token".into());
            }
            args.push("-o".into());
            args.push(out.clone().into());
            if flag(2) {
                args.push("-i".into());
                args.push(pl.clone().into());
            }
            args.push(pa.into());
            args.push(pb.into());
        }
    }

    let (status, stdout) = run_tld(args.clone());
    match mode {
        // A listing is printed on success (and also when the index has a problem that
        // is reported as an error but does not stop the reading).
        1 => assert!(status == 1 || !stdout.is_empty(), "tld {args:?}"),
        2 => {
            // Nothing outside x/ changed.
            assert_eq!(
                files(dir)
                    .into_iter()
                    .filter(|p| !p.starts_with("x"))
                    .collect::<Vec<_>>(),
                outside_before
                    .into_iter()
                    .filter(|p| !p.starts_with("x"))
                    .collect::<Vec<_>>(),
                "tld {args:?} wrote outside its directory"
            );
            if status == 0 {
                let library =
                    tdf_core::Library::read(lib).expect("extracted from a library that reads");
                for f in files(&x) {
                    let bytes = std::fs::read(x.join(&f)).unwrap();
                    assert!(
                        library.members.iter().any(|m| *m.data == *bytes),
                        "tld {args:?} wrote {} which is no member",
                        f.display()
                    );
                }
            }
        }
        _ => {
            check_output(status, &out, "the library built", |b| {
                tdf_core::Library::read(b)
                    .map(drop)
                    .map_err(|d| d.render("tld", false))
            });
        }
    }
});
