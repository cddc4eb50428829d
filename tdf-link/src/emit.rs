//! Phase 7: the output capsule (§5.9), as a [`Capsule`] model written by
//! [`Capsule::write`].
//!
//! * Shapes: those with at least one output id, or with a non-zero count in some stored
//!   unit, in table order, each with its number of output ids.
//! * External names: per shape, the names that are not hidden, in table order (first
//!   seen first), each with its output id.
//! * Unit sets: the configured list, in its order, keeping the sets that received units,
//!   plus `tld`, always: one format-1 linker-information unit with the usage of every
//!   external name written, in the same order.
//! * Units: in reading order (input capsules, then library capsules in load order); the
//!   counts and links of a unit are laid out over the output shapes (zero for a shape its
//!   capsule did not have). The link vectors and bodies are moved, not copied.
//! * Version: the major of the inputs, and the largest minor of the capsules read.

use std::borrow::Cow;

use tdf_core::capsule::{External, Group, Shape, Unit};
use tdf_core::linkinfo::{write_tld_body, LinkInfoKind};
use tdf_core::Capsule;

use crate::link::Linker;

/// Builds the output capsule, taking the stored units out of the link.
pub fn build<'a>(l: &mut Linker<'a>) -> Capsule<'a> {
    // The output shapes and each program shape's position among them.
    let mut position: Vec<Option<usize>> = vec![None; l.program.len()];
    let mut shapes = Vec::new();
    let mut usages = Vec::new();
    for (ps, name, entry) in l.program.iter() {
        if entry.next_id == 0 && !l.counted.get(ps).copied().unwrap_or(false) {
            continue;
        }
        position[ps] = Some(shapes.len());
        let mut externs = Vec::new();
        for (_, key, e) in entry.names.iter() {
            if e.hidden {
                continue;
            }
            externs.push(External {
                id: e.id,
                name: key.clone(),
                usage: e.usage,
                offset: 0,
            });
            usages.push(e.usage);
        }
        shapes.push(Shape {
            name: Cow::Owned(name.to_vec()),
            num_ids: entry.next_id,
            externs,
        });
    }
    let n = shapes.len();
    l.trace
        .line(|| format!("output: {n} shapes, {} external names", usages.len()));

    let list = &l.units.list;
    let mut groups = Vec::new();
    for set in 0..list.len() {
        let name = Cow::Owned(list.name(set).to_vec());
        if set == list.tld() {
            groups.push(Group {
                name,
                units: vec![Unit {
                    counts: Vec::new(),
                    links: Vec::new(),
                    body: Cow::Owned(write_tld_body(usages.iter().copied())),
                }],
            });
            continue;
        }
        let stored = std::mem::take(&mut l.units.units[set]);
        if stored.is_empty() {
            continue;
        }
        let units = stored
            .into_iter()
            .map(|u| match u.shapes {
                None => Unit {
                    counts: Vec::new(),
                    links: Vec::new(),
                    body: u.body,
                },
                Some(per_shape) => {
                    let mut counts = vec![0; n];
                    let mut links = vec![Vec::new(); n];
                    for s in per_shape {
                        if let Some(k) = position[s.shape] {
                            counts[k] = s.count;
                            links[k] = s.links;
                        }
                    }
                    Unit {
                        counts,
                        links,
                        body: u.body,
                    }
                }
            })
            .collect::<Vec<_>>();
        l.trace.line(|| {
            format!(
                "output: {} {} units",
                units.len(),
                String::from_utf8_lossy(list.name(set))
            )
        });
        groups.push(Group { name, units });
    }
    Capsule {
        major: l.major.unwrap_or(4),
        minor: l.minor,
        shapes,
        groups,
        linkinfo: LinkInfoKind::Tld(1),
        warnings: Vec::new(),
        aligned_idents: false,
    }
}
