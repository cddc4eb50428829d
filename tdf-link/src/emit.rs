//! Phase 7: the output capsule (§5.9), encoded straight from the tables.
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
//!   capsule did not have): the loader stored them encoded over its capsule's shapes,
//!   and when those are the output's (the usual case) they are copied as they are.
//!   Bodies are copied from the input buffers once, into the output.
//! * Version: the major of the inputs, and the largest minor of the capsules read.
//!
//! The encoding is exactly that of [`tdf_core::Capsule::write`] for the capsule these
//! rules describe (a test builds that model and compares), without building the model
//! or the output in memory: no per-unit vectors, and the bytes go to the output file a
//! chunk at a time.

use std::io::{self, Write};

use tdf_core::bits::{Reader, Writer};
use tdf_core::capsule::CAPSULE_MAGIC;
use tdf_core::linkinfo::write_tld_body;
use tdf_core::tables::{StoredUnit, UnitHeader, UnitSetTable};

use crate::state::Linker;

/// No output position: the program shape is not written, or the slot is free.
const NONE: usize = usize::MAX;

/// Bytes gathered before they are handed to the output.
const CHUNK: usize = 64 * 1024;

/// Encodes the output capsule into `out`, a chunk at a time; returns its size.
pub fn write(l: &mut Linker<'_>, out: &mut dyn Write) -> io::Result<usize> {
    // The output shapes and each program shape's position among them.
    let t = &l.tables;
    let mut position: Vec<usize> = vec![NONE; t.program_len()];
    let mut shapes = Vec::new();
    for (ps, at) in position.iter_mut().enumerate() {
        if t.program(ps).next_id == 0 && !l.counted.get(ps).copied().unwrap_or(false) {
            continue;
        }
        *at = shapes.len();
        shapes.push(ps);
    }
    let n = shapes.len();
    let list = &l.units.list;
    let sets: Vec<usize> = (0..list.len())
        .filter(|&s| s == list.tld() || !l.units.is_empty(s))
        .collect();

    // Small outputs (a program against its token libraries) never need the whole room:
    // the buffer grows to it only when the output does.
    let mut w = Writer::with_capacity(CHUNK / 4);
    let mut written = 0;
    w.write_bytes(CAPSULE_MAGIC);
    w.write_tdfint(l.major.unwrap_or(4));
    w.write_tdfint(l.minor);
    w.align();
    w.write_tdfint(sets.len() as u32);
    for &s in &sets {
        w.write_ident(list.name(s));
    }
    w.write_tdfint(n as u32);
    for &ps in &shapes {
        w.write_ident(t.program_name(ps));
        w.write_tdfint(t.program(ps).next_id);
    }
    w.write_tdfint(n as u32);
    let mut usages = Vec::new();
    for &ps in &shapes {
        let shown = t.program_names(ps).filter(|(_, _, e)| !e.hidden).count();
        w.write_tdfint(shown as u32);
        for (_, key, e) in t.program_names(ps) {
            if e.hidden {
                continue;
            }
            w.write_tdfint(e.id);
            key.write(&mut w);
            usages.push(e.usage);
            if w.byte_len() >= CHUNK {
                written += w.drain_to(out)?;
            }
        }
    }
    l.trace
        .line(|| format!("output: {n} shapes, {} external names", usages.len()));

    w.write_tdfint(sets.len() as u32);
    let output_shapes: Vec<u32> = shapes.iter().map(|&ps| ps as u32).collect();
    let layout = UnitLayout {
        units: &l.units,
        same: l.units.find_layout(&output_shapes),
        position: &position,
        n,
    };
    for &s in &sets {
        if s == list.tld() {
            w.write_tdfint(1);
            w.write_tdfint(0);
            w.write_tdfint(0);
            w.write_bytestream(&write_tld_body(usages.iter().copied()));
            written += w.drain_to(out)?;
            continue;
        }
        let count = l.units.len(s);
        w.write_tdfint(count as u32);
        let units = l.units.units(s);
        for u in units {
            layout.write_unit(&mut w, u);
            if w.byte_len() >= CHUNK {
                written += w.drain_to(out)?;
            }
        }
        l.trace.line(|| {
            format!(
                "output: {count} {} units",
                tdf_core::show_bytes(list.name(s))
            )
        });
    }
    w.align();
    let rest = w.finish();
    out.write_all(&rest)?;
    Ok(written + rest.len())
}

/// Lays the stored counts and links of a unit out over the output shapes.
struct UnitLayout<'u, 'a> {
    units: &'u UnitSetTable<'a>,
    /// The layout whose shapes are the output's, if some unit has it.
    same: Option<u32>,
    /// The output position of each program shape.
    position: &'u [usize],
    /// The number of output shapes.
    n: usize,
}

impl UnitLayout<'_, '_> {
    /// Writes one unit. A unit stored over the output's shapes is copied as it is; any
    /// other is laid out again ([`UnitLayout::relayout`]).
    #[inline]
    fn write_unit(&self, w: &mut Writer, u: StoredUnit<'_, '_>) {
        match u.header {
            None => {
                w.write_tdfint(0);
                w.write_tdfint(0);
            }
            Some(h) if Some(h.layout) == self.same => w.write_nibbles(h.bytes, h.nibbles),
            Some(h) => self.relayout(w, h),
        }
        w.write_bytestream(u.body);
    }

    /// Writes the counts and links of a header stored over the shapes of another layout
    /// than the output's. Both lists of shapes are in increasing order of program shape,
    /// so each list is written in one pass, with zeros for the output shapes the unit's
    /// capsule did not have. A shape of the layout that is not in the output has no
    /// count and no link (a count marks its shape counted, a link gives it an id).
    fn relayout(&self, w: &mut Writer, h: UnitHeader<'_>) {
        let shapes = self.units.layout_shapes(h.layout);
        let mut r = Reader::new(h.bytes);
        // The header was written by the loader: it reads back whole.
        let mut next = || r.read_tdfint().unwrap_or_default();
        let n = self.n;
        next();
        w.write_tdfint(n as u32);
        let mut k = 0;
        for &ps in shapes {
            let count = next();
            let at = self.position[ps as usize];
            if at == NONE {
                continue;
            }
            zeros(w, at - k);
            w.write_tdfint(count);
            k = at + 1;
        }
        zeros(w, n - k);
        next();
        w.write_tdfint(n as u32);
        k = 0;
        for &ps in shapes {
            let num_links = next();
            let at = self.position[ps as usize];
            if at != NONE {
                zeros(w, at - k);
                w.write_tdfint(num_links);
                k = at + 1;
            }
            for _ in 0..num_links {
                // Each link: its unit-scope id, then its output id.
                let (internal, external) = (next(), next());
                if at != NONE {
                    w.write_tdfint(internal);
                    w.write_tdfint(external);
                }
            }
        }
        zeros(w, n - k);
    }
}

/// Writes `count` zero TDFINTs.
#[inline]
fn zeros(w: &mut Writer, count: usize) {
    for _ in 0..count {
        w.write_tdfint(0);
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use tdf_core::capsule::{Capsule, External, Group, Link, Shape, Unit};
    use tdf_core::linkinfo::{LinkInfoKind, Usage};
    use tdf_core::{ExtName, UnitSetList};
    use tdf_errors::Reporter;
    use tdf_tests::fixtures::capsule;

    use crate::load::load_capsule;
    use crate::state::{CapsuleName, Linker};

    /// The output as a [`Capsule`] model, by the rules of the module documentation: the
    /// reference [`super::write`] is checked against.
    fn model<'a>(l: &Linker<'a>) -> Capsule<'a> {
        let t = &l.tables;
        let mut position = vec![None; t.program_len()];
        let mut shapes = Vec::new();
        let mut usages = Vec::new();
        for (ps, at) in position.iter_mut().enumerate() {
            let (name, next_id) = (t.program_name(ps), t.program(ps).next_id);
            if next_id == 0 && !l.counted[ps] {
                continue;
            }
            *at = Some(shapes.len());
            let mut externs = Vec::new();
            for (_, key, e) in t.program_names(ps) {
                if !e.hidden {
                    externs.push(External {
                        id: e.id,
                        name: key.clone(),
                        usage: e.usage,
                        offset: 0,
                    });
                    usages.push(e.usage);
                }
            }
            shapes.push(Shape {
                name: Cow::Owned(name.to_vec()),
                num_ids: next_id,
                externs,
            });
        }
        let n = shapes.len();
        let list = &l.units.list;
        let mut groups = Vec::new();
        for set in 0..list.len() {
            let name = Cow::Owned(list.name(set).to_vec());
            if set == list.tld() {
                let body = tdf_core::linkinfo::write_tld_body(usages.iter().copied());
                groups.push(Group {
                    name,
                    units: vec![Unit {
                        counts: vec![],
                        links: vec![],
                        body: Cow::Owned(body),
                    }],
                });
                continue;
            }
            if l.units.is_empty(set) {
                continue;
            }
            let units = l
                .units
                .units(set)
                .map(|u| {
                    let Some(h) = u.header else {
                        return Unit {
                            counts: vec![],
                            links: vec![],
                            body: Cow::Borrowed(u.body),
                        };
                    };
                    // The header over its layout's shapes, read back whole.
                    let shapes = l.units.layout_shapes(h.layout);
                    let mut r = tdf_core::bits::Reader::new(h.bytes);
                    let mut next = || r.read_tdfint().unwrap();
                    let mut counts = vec![0; n];
                    let mut links = vec![Vec::new(); n];
                    assert_eq!(next() as usize, shapes.len());
                    let at: Vec<Option<usize>> =
                        shapes.iter().map(|&ps| position[ps as usize]).collect();
                    for &k in &at {
                        let count = next();
                        match k {
                            Some(k) => counts[k] = count,
                            None => assert_eq!(count, 0, "a shape not written has no count"),
                        }
                    }
                    assert_eq!(next() as usize, shapes.len());
                    for &k in &at {
                        let list: Vec<Link> = (0..next())
                            .map(|_| Link {
                                internal: next(),
                                external: next(),
                            })
                            .collect();
                        match k {
                            Some(k) => links[k] = list,
                            None => assert!(list.is_empty(), "a shape not written has no link"),
                        }
                    }
                    Unit {
                        counts,
                        links,
                        body: Cow::Borrowed(u.body),
                    }
                })
                .collect();
            groups.push(Group { name, units });
        }
        Capsule {
            major: l.major.unwrap_or(4),
            minor: l.minor,
            shapes,
            groups,
            linkinfo: LinkInfoKind::Tld(1),
            warnings: vec![],
            aligned_idents: false,
        }
    }

    /// A capsule with an uncounted unit, a third shape listed before `tag`, and a unit
    /// whose only link is in that shape.
    fn odd_capsule() -> Vec<u8> {
        let unit = |counts: Vec<u32>, links: Vec<Vec<Link>>, body: &'static [u8]| Unit {
            counts,
            links,
            body: Cow::Borrowed(body),
        };
        let link = |internal, external| Link { internal, external };
        Capsule {
            major: 4,
            minor: 3,
            shapes: vec![
                Shape {
                    name: Cow::Borrowed(b"al_tag"),
                    num_ids: 2,
                    externs: vec![External {
                        id: 1,
                        name: ExtName::unique([&b"pkg"[..], b"align"]),
                        usage: Usage::DEFD,
                        offset: 0,
                    }],
                },
                Shape {
                    name: Cow::Borrowed(b"tag"),
                    num_ids: 3,
                    externs: vec![External {
                        id: 2,
                        name: ExtName::string(b"f_1"),
                        usage: Usage::DEFD | Usage::DECD,
                        offset: 0,
                    }],
                },
            ],
            groups: vec![
                Group {
                    name: Cow::Borrowed(b"tld"),
                    units: vec![Unit {
                        counts: vec![],
                        links: vec![],
                        body: Cow::Owned(tdf_core::linkinfo::write_tld_body([
                            Usage::DEFD,
                            Usage::DEFD | Usage::DECD,
                        ])),
                    }],
                },
                Group {
                    name: Cow::Borrowed(b"versions"),
                    units: vec![unit(vec![], vec![], b"no counts")],
                },
                Group {
                    name: Cow::Borrowed(b"aldef"),
                    units: vec![unit(
                        vec![2, 0],
                        vec![vec![link(0, 1), link(1, 0)], vec![]],
                        b"aldef body",
                    )],
                },
                Group {
                    name: Cow::Borrowed(b"tagdef"),
                    units: vec![
                        unit(vec![0, 1], vec![vec![], vec![link(0, 2)]], b"def f_1"),
                        unit(vec![0, 0], vec![vec![], vec![]], b"all zero"),
                        unit(vec![0, 3], vec![vec![], vec![link(2, 0)]], b"private"),
                    ],
                },
            ],
            linkinfo: LinkInfoKind::Tld(1),
            warnings: vec![],
            aligned_idents: false,
        }
        .to_bytes()
    }

    #[test]
    fn streamed_output_matches_the_model() {
        let inputs = [
            capsule()
                .define_tag("main")
                .use_tag("f_0")
                .use_token("tk_0")
                .private_tags(2)
                .body_size(40)
                .build(),
            capsule()
                .define_tag("f_0")
                .use_tag("f_1")
                .define_token("tk_0")
                .common_tag("c")
                .build(),
            odd_capsule(),
            // Large ids and bodies: multi-digit TDFINTs and chunked output.
            {
                let mut c = capsule().body_size(3000).private_tags(300);
                for i in 0..200 {
                    c = c
                        .define_tag(&format!("big_{i}"))
                        .use_token(&format!("t{i}"));
                }
                c.build()
            },
        ];
        // Once with every name shown, once with some hidden.
        for hide in [false, true] {
            let mut rep = Reporter::with_writer("tld", Box::new(std::io::sink()));
            let mut l = Linker::new(UnitSetList::default(), Default::default());
            for (i, data) in inputs.iter().enumerate() {
                let name = CapsuleName::File(["a.j", "b.j", "c.j", "d.j"][i]);
                assert!(load_capsule(&mut l, data, name, &mut rep).unwrap());
            }
            assert!(!rep.had_errors());
            if hide {
                for s in 0..l.tables.program_len() {
                    let mut i = 0;
                    l.tables.program_names_mut(s, |_, e| {
                        e.hidden = i % 3 == 1;
                        i += 1;
                    });
                }
            }
            let expected = model(&l).to_bytes();
            let mut out = Vec::new();
            let n = super::write(&mut l, &mut out).unwrap();
            assert_eq!(n, out.len());
            assert!(
                out == expected,
                "hide {hide}: output differs from the model"
            );
            assert!(out.len() > 2 * super::CHUNK);
        }
    }
}
