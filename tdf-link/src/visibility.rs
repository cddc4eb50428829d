//! Phase 6: hiding and keeping (§5.8).
//!
//! A hidden name is left out of the output's external names and of its linker
//! information; its output id stays, so it becomes internal to the output capsule. All
//! hide rules are applied before any keep rule, so keeping wins:
//!
//! 1. `-a`: in every shape, hide every name with a unique definition (DEFD);
//! 2. `-H SHAPE`: the same for one shape;
//! 3. `-h SHAPE NAME`: hide one name, which must exist and be uniquely defined;
//! 4. `-K SHAPE`: show every name of SHAPE again;
//! 5. `-k SHAPE NAME`: show one name again; it must exist.
//!
//! A shape no capsule has (not even through a rename rule) is an error for all four
//! shape-taking options.

use tdf_core::Usage;
use tdf_errors::{Diagnostic, Kind, LimitReached, Reporter};

use crate::args::LinkOptions;
use crate::state::{shape_text, Linker};
use crate::trace::shape_name;

/// Applies `-a`, `-H`, `-h`, then `-K`, `-k`.
pub fn apply(
    l: &mut Linker<'_>,
    opts: &LinkOptions,
    rep: &mut Reporter,
) -> Result<(), LimitReached> {
    let Linker { tables, trace, .. } = l;
    if opts.hide_all_defined {
        for s in 0..tables.program_len() {
            hide_defined(tables, s);
        }
        trace.line(|| "  -a: every defined name hidden".into());
    }
    for shape in &opts.hide_defined {
        match tables.program_get(shape) {
            Some(s) => {
                hide_defined(tables, s);
                trace.line(|| format!("  -H: every defined {}", shape_text(shape)));
            }
            None => rep.report(Diagnostic::new(Kind::cannot_hide_shape(shape_text(shape))))?,
        }
    }
    for sn in &opts.hide {
        let shape = shape_text(&sn.shape);
        let Some(s) = tables.program_get(&sn.shape) else {
            rep.report(Diagnostic::new(Kind::cannot_hide_shape(shape)))?;
            continue;
        };
        match tables.program_lookup(s, &sn.name) {
            None => rep.report(Diagnostic::new(Kind::cannot_hide(shape, sn.name.to_text())))?,
            Some(n) if !tables.program_entry(s, n).usage.contains(Usage::DEFD) => rep.report(
                Diagnostic::new(Kind::cannot_hide_undefined(shape, sn.name.to_text())),
            )?,
            Some(n) => {
                tables.program_entry_mut(s, n).hidden = true;
                trace.line(|| format!("  -h: {}", shape_name(&sn.shape, &sn.name)));
            }
        }
    }
    for shape in &opts.keep_all {
        match tables.program_get(shape) {
            Some(s) => {
                tables.program_names_mut(s, |_, e| e.hidden = false);
                trace.line(|| format!("  -K: every {}", shape_text(shape)));
            }
            None => rep.report(Diagnostic::new(Kind::cannot_keep_shape(shape_text(shape))))?,
        }
    }
    for sn in &opts.keep {
        let shape = shape_text(&sn.shape);
        let Some(s) = tables.program_get(&sn.shape) else {
            rep.report(Diagnostic::new(Kind::cannot_keep_shape(shape)))?;
            continue;
        };
        match tables.program_lookup(s, &sn.name) {
            None => rep.report(Diagnostic::new(Kind::cannot_keep(shape, sn.name.to_text())))?,
            Some(n) => {
                tables.program_entry_mut(s, n).hidden = false;
                trace.line(|| format!("  -k: {}", shape_name(&sn.shape, &sn.name)));
            }
        }
    }
    Ok(())
}

fn hide_defined(tables: &mut tdf_core::tables::LinkTables<'_>, shape: usize) {
    tables.program_names_mut(shape, |_, e| {
        if e.usage.contains(Usage::DEFD) {
            e.hidden = true;
        }
    });
}
