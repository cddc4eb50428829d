//! `tshow -d` and `tshow --check`: what a capsule's unit bodies contain.

pub mod tnc;

use std::io::{self, Write};

use tdf_core::capsule::{FlatCapsule, ReadOptions};
use tdf_core::decode::Decoded;
use tdf_core::UnitSetList;

/// Prints `data` (a capsule) as `tnc -p` does. Returns false when the capsule could not be
/// read at all.
pub fn print_tnc(data: &[u8], out: &mut dyn Write) -> io::Result<bool> {
    let sets = UnitSetList::default();
    let mut flat = FlatCapsule::new();
    if flat
        .read_lenient(
            data,
            ReadOptions {
                unit_sets: &sets,
                established_major: None,
            },
        )
        .is_err()
    {
        return Ok(false);
    }
    let mut decoded = Decoded::new();
    decoded.decode(&flat);
    let limit = 64 * data.len() as u64 + 1_000_000;
    let view = tnc::TncView::build(&flat, &decoded, limit);
    view.print(out)?;
    Ok(true)
}
