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
    let Linker { library, trace, .. } = l;
    if opts.suppress_mult {
        for shape in 0..library.len() {
            let name = library.name(shape).to_vec();
            for (key, e) in library.entry_mut(shape).names.iter_mut() {
                if e.usage.mult_only() && e.def.take().is_some() {
                    trace.line(|| format!("  -M: {}", shape_name(&name, key)));
                }
            }
        }
    }
    for shape in &opts.suppress_all {
        if let Some(s) = library.get(shape) {
            for (_, e) in library.entry_mut(s).names.iter_mut() {
                e.def = None;
            }
            trace.line(|| format!("  -S: every {}", tdf_core::show_bytes(shape)));
        }
    }
    for sn in &opts.suppress {
        let Some(s) = library.get(&sn.shape) else {
            continue;
        };
        let names = &mut library.entry_mut(s).names;
        if let Some(n) = names.get(&sn.name) {
            names.entry_mut(n).def = None;
            trace.line(|| format!("  -s: {}", shape_name(&sn.shape, &sn.name)));
        }
    }
}
