//! What the fuzz targets that run the linker share: a work directory per process and
//! target, and the reading of their inputs (pieces cut off the front, 16-bit lengths).

use std::path::PathBuf;

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
