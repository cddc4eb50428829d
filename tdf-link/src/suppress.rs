//! Phase 4: suppression (§5.6).
//!
//! Suppression works on the *library* table only: it takes away a name's library
//! definition, so the resolution phase never loads a capsule *for* that name. The name
//! can still be defined by a capsule loaded for another reason. Unknown shapes and names
//! are silently ignored, as in the reference.
//!
//! 1. `-M`: every name whose library usage has MULT but not DEFD.
//! 2. `-S SHAPE`: every name of SHAPE.
//! 3. `-s SHAPE NAME`: that name (looked up through the renames).

use crate::args::LinkOptions;
use crate::state::Linker;
use crate::trace::shape_name;

/// Applies `-M`, `-S` and `-s` to the library table.
pub fn apply(l: &mut Linker<'_>, opts: &LinkOptions) {
    let Linker { tables, trace, .. } = l;
    if opts.suppress_mult {
        for shape in 0..tables.library_len() {
            let name = tables.library_name(shape).to_vec();
            tables.library_names_mut(shape, |key, e| {
                if e.usage.mult_only() && e.def.take().is_some() {
                    trace.line(|| format!("  -M: {}", shape_name(&name, key)));
                }
            });
        }
    }
    for shape in &opts.suppress_all {
        if let Some(s) = tables.library_get(shape) {
            tables.library_names_mut(s, |_, e| e.def = None);
            trace.line(|| format!("  -S: every {}", tdf_core::show_bytes(shape)));
        }
    }
    for sn in &opts.suppress {
        let Some(s) = tables.library_get(&sn.shape) else {
            continue;
        };
        if let Some(n) = tables.library_lookup(s, &sn.name) {
            tables.library_entry_mut(s, n).def = None;
            trace.line(|| format!("  -s: {}", shape_name(&sn.shape, &sn.name)));
        }
    }
}
