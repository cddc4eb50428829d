//! Phase 5: resolving undefined names by loading library capsules (§5.7).
//!
//! Every program name joins its shape's pending list when it is created. The loop takes
//! names off the pending lists, shape by shape in table order; a name that is used but has
//! no unique definition is looked up in the library table, and the capsule holding its
//! library definition is loaded (once: each library capsule at most once per link). A
//! loaded capsule adds its own names to the pending lists, so the loop repeats until a
//! whole pass loads nothing. Each name is examined once, so the work is linear in the
//! number of names plus the capsules loaded.
//!
//! A name that already has a shared (MULT) definition is completed only by a unique
//! library definition. With `-i`, a name for which nothing can be loaded is reported as a
//! warning (it may still be defined later by a capsule loaded for another name).

use tdf_errors::{Diagnostic, Kind, LimitReached, Reporter};

use tdf_core::Usage;

use crate::load::load_capsule;
use crate::state::{shape_text, CapsuleName, Linker};
use crate::trace::shape_name;

/// Runs the resolution loop to its fixed point.
pub fn run(l: &mut Linker<'_>, warn_missing: bool, rep: &mut Reporter) -> Result<(), LimitReached> {
    // Each program shape may receive the names its library shape defines: room for them
    // up front spares the tables repeated growth (memory is only touched when used).
    for shape in 0..l.program.len() {
        if let Some(ls) = l.library.get(l.program.name(shape)) {
            let offered = l.library.entry(ls).names.slots();
            l.program.reserve_names(shape, offered);
        }
    }
    let mut pass = 0;
    loop {
        pass += 1;
        l.trace.line(|| format!("pass {pass}"));
        let mut progress = false;
        let mut shape = 0;
        // Loaded capsules may add shapes: the bound is re-read every time.
        while shape < l.program.len() {
            let lib_shape = l.library.get(l.program.name(shape));
            while let Some(n) = l.program.entry_mut(shape).pending.pop_front() {
                let n = n as usize;
                let usage = l.program.entry(shape).names.entry(n).usage;
                if usage.contains(Usage::DEFD) || !usage.contains(Usage::USED) {
                    continue;
                }
                let candidate = lib_shape.and_then(|ls| {
                    let names = &l.library.entry(ls).names;
                    let e = names.entry(names.get(l.program.entry(shape).names.key(n))?);
                    let c = e.def? as usize;
                    let wanted = !usage.contains(Usage::MULT) || e.usage.contains(Usage::DEFD);
                    (wanted && !l.lib_capsules[c].loaded).then_some(c)
                });
                if let Some(c) = candidate {
                    l.lib_capsules[c].loaded = true;
                    let data = l.lib_capsules[c].data;
                    let name = CapsuleName::Member(c as u32);
                    if l.trace.observing() {
                        observe_load(l, shape, n, &name);
                    }
                    load_capsule(l, data, name, rep)?;
                    progress = true;
                    continue;
                }
                if warn_missing {
                    let names = &l.program.entry(shape).names;
                    let name = names.key(n).to_text();
                    rep.report(Diagnostic::new(Kind::no_definition_found(
                        shape_text(l.program.name(shape)),
                        name,
                    )))?;
                }
                if l.trace.on() {
                    let what =
                        shape_name(l.program.name(shape), l.program.entry(shape).names.key(n));
                    l.trace.line(|| format!("  {what}: no library definition"));
                }
            }
            shape += 1;
        }
        if !progress {
            return Ok(());
        }
    }
}

/// The `-d`, `-y` and `--why-extract` records of loading capsule `name` for name `n` of
/// program shape `shape`.
fn observe_load(l: &mut Linker<'_>, shape: usize, n: usize, name: &CapsuleName<'_>) {
    let key = l.program.entry(shape).names.key(n).clone().into_owned();
    let shape_bytes = l.program.name(shape).to_vec();
    let display = l.capsule_text(name);
    l.trace
        .line(|| format!("  {}: loading '{display}'", shape_name(&shape_bytes, &key)));
    if l.trace.watching() && l.trace.watched(&shape_bytes, &key) {
        l.trace.symbol(format!(
            "{display}: loaded to define {}",
            shape_name(&shape_bytes, &key)
        ));
    }
    l.trace.extracted(&display, &shape_bytes, &key);
}
