//! Phase 2: reading capsules into the tables (§5.4). Used for the input capsules and,
//! by the resolution phase, for library capsules.
//!
//! A capsule is first decoded and checked completely ([`FlatCapsule::read`], §2.8) into
//! the linker's reused [`FlatCapsule`]; a capsule that fails is reported and contributes
//! nothing. Then:
//!
//! * each shape is entered in the program shape table;
//! * each external name is looked up through the renames (created if new, which gives it
//!   the next output id of its shape), the capsule id is mapped to that output id, and the
//!   capsule's usage is merged into the name's (§3.6; a second unique definition is a
//!   *multiply defined* error, and reading goes on); a name that is new or whose usage
//!   changed joins its shape's pending list, for the resolution phase;
//! * each unit's links are rewritten to output ids as they are stored: a capsule id that
//!   no external name is bound to gets a fresh output id on its first use; counts and
//!   unit-scope ids are kept; the unit is appended to its unit set, its counts and links
//!   encoded as the output will have them, over the capsule's shapes in the program's
//!   order (the capsule's *layout*), its body borrowed from the input buffer.

use std::borrow::Cow;
use std::path::Path;

use tdf_core::capsule::{FlatCapsule, Link, ReadOptions};
use tdf_core::in_file;
use tdf_core::input::InputBytes;
use tdf_core::linkinfo::{merge_usage, Merge};
use tdf_core::tables::Def;
use tdf_core::Usage;
use tdf_errors::{Diagnostic, Kind, LimitReached, Reporter};

use crate::args::LinkOptions;
use crate::state::{shape_text, CapsuleName, Linker};
use crate::trace::{shape_name, usage_words};

/// An input capsule file, read whole before loading.
#[derive(Debug)]
pub struct Input<'o> {
    /// The path as given, for messages (borrowed from the options when it is UTF-8).
    pub display: Cow<'o, str>,
    /// The bytes (mapped when large, [`tdf_core::input`]), or why they could not be read.
    pub data: Result<InputBytes, Box<Diagnostic>>,
}

/// Reads every input capsule file.
pub fn read_inputs(opts: &LinkOptions) -> Vec<Input<'_>> {
    opts.inputs.iter().map(|p| read_input(p)).collect()
}

fn read_input(path: &Path) -> Input<'_> {
    let display = path.to_string_lossy();
    let data = tdf_core::input::read_mapped(path, &display);
    Input { display, data }
}

/// Loads the input capsules, in command-line order.
pub fn load_inputs<'a>(
    l: &mut Linker<'a>,
    inputs: &'a [Input<'_>],
    rep: &mut Reporter,
) -> Result<(), LimitReached> {
    for input in inputs {
        match &input.data {
            Ok(data) => {
                load_capsule(l, data, CapsuleName::File(&input.display), rep)?;
            }
            Err(d) => {
                l.trace
                    .line(|| format!("cannot read input '{}'", input.display));
                rep.report((**d).clone())?;
            }
        }
    }
    Ok(())
}

/// Reads one capsule into the tables. `name` names it in diagnostics (`FILE`, or
/// `LIB(CAPSULE)` for a library capsule). Returns whether it was read.
pub fn load_capsule<'a>(
    l: &mut Linker<'a>,
    data: &'a [u8],
    name: CapsuleName<'a>,
    rep: &mut Reporter,
) -> Result<bool, LimitReached> {
    // The reused decoding storage is taken out of the linker while the tables change.
    let mut cap = std::mem::take(&mut l.flat);
    let result = load_flat(l, &mut cap, data, name, rep);
    l.flat = cap;
    result
}

fn load_flat<'a>(
    l: &mut Linker<'a>,
    cap: &mut FlatCapsule<'a>,
    data: &'a [u8],
    name: CapsuleName<'a>,
    rep: &mut Reporter,
) -> Result<bool, LimitReached> {
    let read = cap.read(
        data,
        ReadOptions {
            unit_sets: &l.units.list,
            established_major: l.major,
        },
    );
    if let Err(d) = read {
        let shown = l.capsule_text(&name);
        l.trace.line(|| format!("capsule '{shown}': rejected"));
        report_clashes_before_rejection(l, cap, &shown, rep)?;
        rep.report(*in_file(renamed_in(l, d), &shown))?;
        return Ok(false);
    }
    for w in cap.warnings.drain(..) {
        rep.report(w.with_file(l.capsule_text(&name)))?;
    }
    if let Some(decoded) = &mut l.check {
        let diags = tdf_core::decode::check::check(cap, data, decoded);
        if !diags.is_empty() {
            let shown = l.capsule_text(&name);
            for d in diags {
                rep.report(d.with_file(shown.clone()))?;
            }
        }
    }
    l.major.get_or_insert(cap.major);
    l.minor = l.minor.max(cap.minor);
    if l.trace.on() {
        let shown = l.capsule_text(&name);
        l.trace.line(|| {
            format!(
                "capsule '{shown}': TDF {}.{}, {} shapes, {} unit sets, {} bytes",
                cap.major,
                cap.minor,
                cap.shapes.len(),
                cap.groups.len(),
                data.len()
            )
        });
    }
    let cap_idx = l.capsules.len() as u32;
    l.capsules.push(name);
    let name = &name;
    let tracing = l.trace.on() || l.trace.watching();

    // Shapes and external names.
    l.map
        .reset(cap.shapes.iter().map(|s| s.num_ids), data.len());
    l.shape_idx.clear();
    for shape in &cap.shapes {
        let ps = l.program_shape_of(shape.name);
        l.shape_idx.push(ps);
    }
    // Every name is hashed and where it is looked up fetched first: the lookups of the
    // capsule's names then wait for memory once, not once each.
    l.hashes.clear();
    for (si, shape) in cap.shapes.iter().enumerate() {
        for e in cap.externs_of(shape) {
            let h = l.tables.hash(&e.name);
            l.tables.prefetch_program(l.shape_idx[si], h);
            l.hashes.push(h);
        }
    }
    for (si, shape) in cap.shapes.iter().enumerate() {
        let ps = l.shape_idx[si];
        for (k, e) in cap.externs_of(shape).iter().enumerate() {
            let h = l.hashes[shape.externs.start + k];
            let (n, created) = match l.tables.add_program_name_hashed(ps, e.name.clone(), h) {
                Ok(x) => x,
                Err(_) => {
                    rep.report(Diagnostic::new(Kind::too_many_ids(shape_text(shape.name))))?;
                    return Ok(false);
                }
            };
            let entry = l.tables.program_entry_mut(ps, n);
            l.map.set(si, e.id, entry.id);
            let out_id = entry.id;
            let before = entry.usage;
            let merged = merge_usage(&mut entry.usage, &mut entry.def, e.usage, Def::new(cap_idx));
            if !created && entry.usage != before {
                // A name whose usage changed is examined again by the resolution phase
                // (a new name joined the pending list when it was created).
                l.tables.program_mut(ps).pending.push(n as u32);
            }
            if let Merge::MultiplyDefined(prev) = merged {
                let previous = prev
                    .and_then(|p| l.capsules.get(p.get() as usize))
                    .map(|c| l.capsule_text(c))
                    .unwrap_or_else(|| "an earlier capsule".into());
                let key = l.tables.program_key(ps, n).to_text();
                rep.report(
                    Diagnostic::new(Kind::multiply_defined(
                        shape_text(shape.name),
                        key,
                        previous,
                    ))
                    .with_file(l.capsule_text(name))
                    .at_byte(e.offset),
                )?;
            }
            if tracing {
                trace_name(l, ps, n, &e.name, e.id, out_id, created, e.usage, name);
            }
        }
    }

    // The capsule's shapes in the order of the program's (distinct names: distinct
    // program shapes), the order in which units are stored.
    l.shape_order.clear();
    l.shape_order.extend(0..cap.shapes.len());
    let shape_idx = &l.shape_idx;
    l.shape_order.sort_unstable_by_key(|&si| shape_idx[si]);

    // Units, with their links rewritten to output ids.
    let tld = l.units.list.tld();
    let tld2 = l.units.list.tld2();
    let stored = l.units.add_capsule(data);
    // The capsule's layout: its program shapes in increasing order (once it is needed).
    let mut layout = None;
    for group in &cap.groups {
        let set = group.set;
        if set == tld || Some(set) == tld2 {
            continue;
        }
        l.trace.line(|| {
            format!(
                "  {} {} units",
                group.units.len(),
                tdf_core::show_bytes(group.name)
            )
        });
        for unit in &cap.units[group.units.clone()] {
            let shapes = cap.shapes_of(unit);
            if shapes.is_empty() {
                l.units.add_uncounted(set, stored, unit.body);
                continue;
            }
            let layout = *layout.get_or_insert_with(|| {
                l.layout.clear();
                l.layout
                    .extend(l.shape_order.iter().map(|&si| l.shape_idx[si] as u32));
                l.units.layout(&l.layout)
            });
            // The counts, then the links, over the capsule's shapes in the order of the
            // program's, as the output encodes them.
            let mut out = l.units.begin_unit(set, stored, unit.body, layout);
            out.int(shapes.len() as u32);
            for &si in &l.shape_order {
                let count = shapes[si].count;
                if count > 0 {
                    l.counted[l.shape_idx[si]] = true;
                }
                out.int(count);
            }
            out.int(shapes.len() as u32);
            for &si in &l.shape_order {
                let us = &shapes[si];
                let ps = l.shape_idx[si];
                out.int(us.links.len() as u32);
                for link in cap.links_of(us) {
                    let external = match l.map.get(si, link.external) {
                        Some(out) => out,
                        None => {
                            let Ok(out) = l.tables.program_mut(ps).alloc_id() else {
                                let shape = shape_text(l.tables.program_name(ps));
                                rep.report(Diagnostic::new(Kind::too_many_ids(shape)))?;
                                return Ok(false);
                            };
                            l.map.set(si, link.external, out);
                            out
                        }
                    };
                    out.link(Link {
                        internal: link.internal,
                        external,
                    });
                }
            }
            out.finish();
        }
    }
    Ok(true)
}

/// A capsule's name with a usage the linker refuses is named as renamed by `-r` and
/// `-R` (after every rename of a chain), as TenDRA's `tld` names it: the rules apply to
/// the capsule's names as they are entered, before the check.
fn renamed_in(l: &Linker<'_>, mut d: Box<Diagnostic>) -> Box<Diagnostic> {
    if l.renamed.is_empty() {
        return d;
    }
    if let Kind::BadUsage { shape, name, .. }
    | Kind::IllegallyMultiplyDefined { shape, name }
    | Kind::DefinedButNotDeclared { shape, name } = &mut d.kind
    {
        // A chain is at most as long as the rules (a loop was reported already).
        for _ in 0..l.renamed.len() {
            match l.renamed.get(&(shape.clone(), name.clone())) {
                Some(to) => *name = to.clone(),
                None => break,
            }
        }
    }
    d
}

/// A capsule the reader rejected may have had some of its usages read and checked before
/// the problem (all of them when the problem is in a later unit set). The reference
/// merges each usage as it reads it (§2.8: what was added before the abort stays), so it
/// reports a name defined twice before it rejects the capsule. The same clashes with
/// the names already linked are reported here, in reading order, before the rejection;
/// nothing of the capsule is merged (the link fails anyway).
fn report_clashes_before_rejection(
    l: &Linker<'_>,
    cap: &FlatCapsule<'_>,
    shown: &str,
    rep: &mut Reporter,
) -> Result<(), LimitReached> {
    for shape in &cap.shapes {
        let Some(ps) = l.tables.program_get(shape.name) else {
            continue;
        };
        for e in cap.externs_of(shape) {
            if !e.usage.contains(Usage::DEFD) {
                continue;
            }
            let Some(n) = l.tables.program_lookup(ps, &e.name) else {
                continue;
            };
            let entry = l.tables.program_entry(ps, n);
            if !entry.usage.contains(Usage::DEFD) {
                continue;
            }
            let previous = entry
                .def
                .and_then(|p| l.capsules.get(p.get() as usize))
                .map(|c| l.capsule_text(c))
                .unwrap_or_else(|| "an earlier capsule".into());
            rep.report(
                Diagnostic::new(Kind::multiply_defined(
                    shape_text(shape.name),
                    l.tables.program_key(ps, n).to_text(),
                    previous,
                ))
                .with_file(shown.to_owned())
                .at_byte(e.offset),
            )?;
        }
    }
    Ok(())
}

/// The `-d` and `-y` lines for one external name of a capsule.
#[allow(clippy::too_many_arguments)]
fn trace_name(
    l: &mut Linker<'_>,
    ps: usize,
    n: usize,
    original: &tdf_core::ExtName<'_>,
    capsule_id: u32,
    out_id: u32,
    created: bool,
    usage: tdf_core::Usage,
    display: &CapsuleName<'_>,
) {
    let shape = l.tables.program_name(ps);
    let key = l.tables.program_key(ps, n);
    let watched =
        l.trace.watching() && (l.trace.watched(shape, original) || l.trace.watched(shape, key));
    if !watched && !l.trace.on() {
        return;
    }
    let shape = shape.to_vec();
    let key = key.clone().into_owned();
    let renamed = key != *original;
    l.trace.line(|| {
        format!(
            "  {} id {capsule_id} -> {out_id}{}{} usage {usage}",
            shape_name(&shape, original),
            if renamed {
                format!(" (renamed to '{}')", key.to_text())
            } else {
                String::new()
            },
            if created { " (new)" } else { "" },
        )
    });
    if watched {
        let display = l.capsule_text(display);
        let what = shape_name(&shape, original);
        let renamed = if renamed {
            format!(" (renamed to '{}')", key.to_text())
        } else {
            String::new()
        };
        l.trace.symbol(format!(
            "{display}: {what}{renamed}: {}",
            usage_words(usage)
        ));
    }
}
