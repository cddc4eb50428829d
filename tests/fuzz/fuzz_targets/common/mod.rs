//! What the fuzz targets that run the linker share: a work directory per process and
//! target, the reading of their inputs (pieces cut off the front, 16-bit lengths), and
//! the run of `tld` itself.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// A fresh directory `tdf-fuzz-TARGET-PID` below `TDF_FUZZ_TMP` (which the run script
/// points at a directory it removes afterwards) or the system's temporary directory.
pub fn new_work_dir(target: &str) -> PathBuf {
    let base = std::env::var_os("TDF_FUZZ_TMP").map_or_else(std::env::temp_dir, PathBuf::from);
    let d = base.join(format!("tdf-fuzz-{target}-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("create the work directory");
    d
}

/// Cuts up to `n` bytes off the front of `data`.
pub fn take<'a>(data: &mut &'a [u8], n: usize) -> &'a [u8] {
    let n = n.min(data.len());
    let (head, tail) = data.split_at(n);
    *data = tail;
    head
}

/// Cuts a little-endian 16-bit length off the front of `data` (missing bytes are 0).
pub fn len_prefix(data: &mut &[u8]) -> usize {
    let b = take(data, 2);
    let mut v = [0u8; 2];
    v[..b.len()].copy_from_slice(b);
    u16::from_le_bytes(v) as usize
}

/// Runs `tld ARGS` as the binary does (`tdf_link::run`), standard output into a buffer,
/// and checks the exit status: 0 or 1, never a usage error (2), which the targets never
/// provoke. Returns the status and what was printed.
pub fn run_tld(args: Vec<OsString>) -> (i32, Vec<u8>) {
    let mut rep = tdf_errors::Reporter::with_writer("tld", Box::new(std::io::sink()));
    let mut stdout = Vec::new();
    let status = tdf_link::run(args.clone(), &mut stdout, &mut rep);
    assert!(
        status == 0 || status == 1,
        "tld {args:?} exited {status}: {:?}",
        rep.diagnostics()
            .iter()
            .map(|d| d.render("tld", false))
            .collect::<Vec<_>>()
    );
    (status, stdout)
}

/// After a run with `status`: a success left `out`, which `read` accepts (else the
/// error, rendered, is the panic); a failure left nothing at `out`.
pub fn check_output<E: std::fmt::Display>(
    status: i32,
    out: &Path,
    what: &str,
    read: impl FnOnce(&[u8]) -> Result<(), E>,
) {
    if status == 0 {
        let written =
            std::fs::read(out).unwrap_or_else(|_| panic!("a successful run writes {what}"));
        if let Err(e) = read(&written) {
            panic!("{what} does not read: {e}");
        }
    } else {
        assert!(!out.exists(), "a failed run wrote {what}");
    }
}

/// The files of one run in the work directory: capsules `a.j` and `b.j`, the library
/// `lib.tl`, and the output, which [`write_inputs`] removed.
pub struct Inputs {
    pub a: PathBuf,
    pub b: PathBuf,
    pub lib: PathBuf,
    pub out: PathBuf,
}

/// Writes capsules `a`, `b` and the library `lib` into `dir` and removes an old output
/// called `output`.
pub fn write_inputs(dir: &Path, a: &[u8], b: &[u8], lib: &[u8], output: &str) -> Inputs {
    let files = Inputs {
        a: dir.join("a.j"),
        b: dir.join("b.j"),
        lib: dir.join("lib.tl"),
        out: dir.join(output),
    };
    std::fs::write(&files.a, a).unwrap();
    std::fs::write(&files.b, b).unwrap();
    std::fs::write(&files.lib, lib).unwrap();
    let _ = std::fs::remove_file(&files.out);
    files
}

/// The operands of a link: `-o OUT -L DIR -l lib A B`.
#[allow(dead_code)] // `modes` builds libraries instead
pub fn push_link_operands(args: &mut Vec<OsString>, dir: &Path, files: &Inputs) {
    args.push("-o".into());
    args.push(files.out.clone().into());
    args.push("-L".into());
    args.push(dir.into());
    args.push("-l".into());
    args.push("lib".into());
    args.push(files.a.clone().into());
    args.push(files.b.clone().into());
}
