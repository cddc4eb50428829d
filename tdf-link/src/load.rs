//! Phase 2: reading capsules into the tables (§5.4). Used for the input capsules and,
//! by the resolution phase, for library capsules.
//!
//! A capsule is first decoded and checked completely ([`Capsule::read_with`], §2.8); a
//! capsule that fails is reported and contributes nothing. Then:
//!
//! * each shape is entered in the program shape table;
//! * each external name is looked up through the renames (created if new, which gives it
//!   the next output id of its shape), the capsule id is mapped to that output id, and the
//!   capsule's usage is merged into the name's (§3.6; a second unique definition is a
//!   *multiply defined* error, and reading goes on);
//! * each unit's links are rewritten in place to output ids: a capsule id that no
//!   external name is bound to gets a fresh output id on its first use; counts and
//!   unit-scope ids are kept; the unit is appended to its unit set, its body borrowed
//!   from the input buffer.

use std::path::Path;

use tdf_core::capsule::ReadOptions;
use tdf_core::linkinfo::{merge_usage, Merge};
use tdf_core::tables::{MappingTable, StoredUnit, UnitShapeLinks};
use tdf_core::{in_file, Capsule};
use tdf_errors::{Diagnostic, Kind, LimitReached, Reporter};

use crate::args::LinkOptions;
use crate::link::{shape_text, Linker};
use crate::trace::{shape_name, usage_words};

/// An input capsule file, read whole before loading.
#[derive(Debug)]
pub struct Input {
    /// The path as given, for messages.
    pub display: String,
    /// The bytes, or why they could not be read.
    pub data: Result<Vec<u8>, Box<Diagnostic>>,
}

/// Reads every input capsule file.
pub fn read_inputs(opts: &LinkOptions) -> Vec<Input> {
    opts.inputs.iter().map(|p| read_input(p)).collect()
}

fn read_input(path: &Path) -> Input {
    let display = path.to_string_lossy().into_owned();
    let data = tdf_core::fsutil::read_input(path, &display);
    Input { display, data }
}

/// Loads the input capsules, in command-line order.
pub fn load_inputs<'a>(
    l: &mut Linker<'a>,
    inputs: &'a [Input],
    rep: &mut Reporter,
) -> Result<(), LimitReached> {
    for input in inputs {
        match &input.data {
            Ok(data) => {
                load_capsule(l, data, input.display.clone(), rep)?;
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

/// Reads one capsule into the tables. `display` names it in diagnostics (`FILE`, or
/// `LIB(CAPSULE)` for a library capsule). Returns whether it was read.
pub fn load_capsule<'a>(
    l: &mut Linker<'a>,
    data: &'a [u8],
    display: String,
    rep: &mut Reporter,
) -> Result<bool, LimitReached> {
    let read = Capsule::read_with(
        data,
        ReadOptions {
            unit_sets: &l.units.list,
            established_major: l.major,
        },
    );
    let cap = match read {
        Ok(c) => c,
        Err(d) => {
            l.trace.line(|| format!("capsule '{display}': rejected"));
            rep.report(*in_file(d, &display))?;
            return Ok(false);
        }
    };
    for w in cap.warnings {
        rep.report(w.with_file(display.clone()))?;
    }
    l.major.get_or_insert(cap.major);
    l.minor = l.minor.max(cap.minor);
    l.trace.line(|| {
        format!(
            "capsule '{display}': TDF {}.{}, {} shapes, {} unit sets, {} bytes",
            cap.major,
            cap.minor,
            cap.shapes.len(),
            cap.groups.len(),
            data.len()
        )
    });
    let cap_idx = l.capsules.len() as u32;
    l.capsules.push(display.clone());
    let display = &display;

    // Shapes and external names.
    let mut map = MappingTable::new(cap.shapes.iter().map(|s| s.num_ids), data.len());
    let mut shape_idx = Vec::with_capacity(cap.shapes.len());
    for (si, shape) in cap.shapes.into_iter().enumerate() {
        let ps = l.program_shape(shape.name.clone());
        shape_idx.push(ps);
        for e in shape.externs {
            let original = (l.trace.on() || l.trace.watching()).then(|| e.name.clone());
            let (n, created) = match l.program.add_name(ps, e.name) {
                Ok(x) => x,
                Err(_) => {
                    rep.report(Diagnostic::new(Kind::too_many_ids(shape_text(&shape.name))))?;
                    return Ok(false);
                }
            };
            let entry = l.program.entry_mut(ps).names.entry_mut(n);
            map.set(si, e.id, entry.id);
            let out_id = entry.id;
            let merged = merge_usage(&mut entry.usage, &mut entry.def, e.usage, cap_idx);
            if let Merge::MultiplyDefined(prev) = merged {
                let previous = prev
                    .and_then(|p| l.capsules.get(p as usize))
                    .cloned()
                    .unwrap_or_else(|| "an earlier capsule".into());
                let name = l.program.entry(ps).names.key(n).to_text();
                rep.report(
                    Diagnostic::new(Kind::multiply_defined(
                        shape_text(&shape.name),
                        name,
                        previous,
                    ))
                    .with_file(display.clone())
                    .at_byte(e.offset),
                )?;
            }
            if let Some(original) = original {
                trace_name(l, ps, n, &original, e.id, out_id, created, e.usage, display);
            }
        }
    }

    // Units, with their links rewritten to output ids.
    let tld = l.units.list.tld();
    let tld2 = l.units.list.tld2();
    for group in cap.groups {
        let set = l
            .units
            .list
            .position(&group.name)
            .expect("the reader accepts known unit sets only");
        if set == tld || Some(set) == tld2 {
            continue;
        }
        l.trace.line(|| {
            format!(
                "  {} {} units",
                group.units.len(),
                String::from_utf8_lossy(&group.name)
            )
        });
        for unit in group.units {
            let shapes = if unit.counts.is_empty() {
                None
            } else {
                let mut per_shape = Vec::with_capacity(unit.counts.len());
                for (si, (count, mut links)) in unit.counts.into_iter().zip(unit.links).enumerate()
                {
                    let ps = shape_idx[si];
                    if count > 0 {
                        l.counted[ps] = true;
                    }
                    for link in &mut links {
                        link.external = match map.get(si, link.external) {
                            Some(out) => out,
                            None => {
                                let Ok(out) = l.program.entry_mut(ps).alloc_id() else {
                                    let shape = shape_text(l.program.name(ps));
                                    rep.report(Diagnostic::new(Kind::too_many_ids(shape)))?;
                                    return Ok(false);
                                };
                                map.set(si, link.external, out);
                                out
                            }
                        };
                    }
                    per_shape.push(UnitShapeLinks {
                        shape: ps,
                        count,
                        links,
                    });
                }
                Some(per_shape)
            };
            l.units.push(
                set,
                StoredUnit {
                    shapes,
                    body: unit.body,
                },
            );
        }
    }
    Ok(true)
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
    display: &str,
) {
    let shape = l.program.name(ps);
    let key = l.program.entry(ps).names.key(n);
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
