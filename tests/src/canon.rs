//! Equivalence of TDF files as the corpus defines it (corpus README, "Equivalence of
//! output files").
//!
//! * Capsules: same version; same unit sets in the same order; per unit set the same
//!   multiset of units, a unit compared by its body bytes, its per-shape counts and its
//!   links, each link resolved to (shape, external name) or, for a capsule-private id, to
//!   (shape, private #k) with private ids numbered canonically; per shape the same set of
//!   external names with the same usage. Id numbering, the order of shapes and names,
//!   and the order of units within a set are free.
//! * Libraries: same version, same member names with identical bytes in the same order,
//!   and the same index as a set of (shape, name, usage, defining member name).
//!
//! Canonical private numbering: units are sorted by a key in which private ids are
//! replaced by a numbering-independent colour (where the id is referenced from), then
//! private ids are numbered by first appearance in that order.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use tdf_core::capsule::Capsule;
use tdf_core::library::Library;

/// Where a link points: an external name, or a private id (canonical number or colour).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Target {
    Name(String),
    Private(u64),
}

/// The links of a unit for one shape, resolved.
type ShapeLinks = (Vec<u8>, Vec<(u32, Target)>);
/// A unit with everything resolved: (body, had counts, counts by shape, links by shape).
type UnitKey = (Vec<u8>, bool, Vec<(Vec<u8>, u32)>, Vec<ShapeLinks>);
/// Links of a unit as read: per shape index, (internal, external name or private id).
type RawShapeLinks = (usize, Vec<(u32, Result<String, u32>)>);
/// Where each private id (shape, id) is used: (set, unit key, position).
type Uses<'k> = HashMap<(usize, u32), Vec<(usize, &'k UnitKey, usize)>>;

/// A capsule reduced to its numbering-free form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonCapsule {
    version: (u32, u32),
    sets: Vec<Vec<u8>>,
    /// Per set: the sorted units.
    units: Vec<Vec<UnitKey>>,
    /// (shape, name) → usage bits.
    names: BTreeMap<(Vec<u8>, String), u8>,
}

/// Reduces a capsule to its canonical form.
pub fn canon_capsule(c: &Capsule<'_>) -> CanonCapsule {
    // (shape index, capsule id) → name text.
    let mut bound: HashMap<(usize, u32), String> = HashMap::new();
    let mut names = BTreeMap::new();
    for (si, s) in c.shapes.iter().enumerate() {
        for e in &s.externs {
            bound.insert((si, e.id), e.name.to_text());
            names.insert((s.name.to_vec(), e.name.to_text()), e.usage.bits());
        }
    }
    // Raw units with private ids kept as (shape, id).
    struct Raw {
        set: usize,
        body: Vec<u8>,
        has_counts: bool,
        counts: Vec<(Vec<u8>, u32)>,
        links: Vec<RawShapeLinks>,
    }
    let mut raws = Vec::new();
    for (gi, g) in c.groups.iter().enumerate() {
        if &*g.name == b"tld" || &*g.name == b"tld2" {
            continue; // compared through `names`
        }
        for u in &g.units {
            let mut counts: Vec<(Vec<u8>, u32)> = u
                .counts
                .iter()
                .enumerate()
                .filter(|(_, &n)| n != 0)
                .map(|(si, &n)| (c.shapes[si].name.to_vec(), n))
                .collect();
            counts.sort();
            let links = u
                .links
                .iter()
                .enumerate()
                .filter(|(_, l)| !l.is_empty())
                .map(|(si, l)| {
                    let ls = l
                        .iter()
                        .map(|k| {
                            let t = bound.get(&(si, k.external)).cloned().ok_or(k.external);
                            (k.internal, t)
                        })
                        .collect();
                    (si, ls)
                })
                .collect();
            raws.push(Raw {
                set: gi,
                body: u.body.to_vec(),
                has_counts: !u.counts.is_empty(),
                counts,
                links,
            });
        }
    }
    let key_with = |r: &Raw, private: &dyn Fn(usize, u32) -> u64| -> UnitKey {
        let mut links: Vec<ShapeLinks> = r
            .links
            .iter()
            .map(|(si, ls)| {
                let ls = ls
                    .iter()
                    .map(|(i, t)| {
                        let t = match t {
                            Ok(n) => Target::Name(n.clone()),
                            Err(id) => Target::Private(private(*si, *id)),
                        };
                        (*i, t)
                    })
                    .collect();
                (c.shapes[*si].name.to_vec(), ls)
            })
            .collect();
        links.sort();
        (r.body.clone(), r.has_counts, r.counts.clone(), links)
    };
    // Round 0: private ids erased.
    let key0: Vec<UnitKey> = raws.iter().map(|r| key_with(r, &|_, _| 0)).collect();
    // Colour of a private id: the sorted list of (set, key0, shape, position) of its uses.
    let mut uses: Uses<'_> = HashMap::new();
    for (ri, r) in raws.iter().enumerate() {
        for (si, ls) in &r.links {
            for (pos, (_, t)) in ls.iter().enumerate() {
                if let Err(id) = t {
                    uses.entry((*si, *id))
                        .or_default()
                        .push((r.set, &key0[ri], pos));
                }
            }
        }
    }
    let mut colours: Vec<_> = uses
        .values_mut()
        .map(|v| {
            v.sort();
            v.clone()
        })
        .collect();
    colours.sort();
    colours.dedup();
    let colour_of: HashMap<(usize, u32), u64> = uses
        .iter()
        .map(|(k, v)| (*k, colours.binary_search(v).expect("present") as u64))
        .collect();
    // Sort units by the refined key (ties: input order), number privates by appearance.
    let mut order: Vec<usize> = (0..raws.len()).collect();
    let key1: Vec<UnitKey> = raws
        .iter()
        .map(|r| key_with(r, &|si, id| colour_of[&(si, id)]))
        .collect();
    order.sort_by(|&a, &b| (raws[a].set, &key1[a]).cmp(&(raws[b].set, &key1[b])));
    let mut number: HashMap<(usize, u32), u64> = HashMap::new();
    for &ri in &order {
        let mut sorted_links: Vec<&RawShapeLinks> = raws[ri].links.iter().collect();
        sorted_links.sort_by_key(|(si, _)| c.shapes[*si].name.to_vec());
        for (si, ls) in sorted_links {
            for (_, t) in ls {
                if let Err(id) = t {
                    let next = number.len() as u64;
                    number.entry((*si, *id)).or_insert(next);
                }
            }
        }
    }
    let mut units: Vec<Vec<UnitKey>> = vec![Vec::new(); c.groups.len()];
    for (ri, r) in raws.iter().enumerate() {
        units[r.set].push(key_with(r, &|si, id| number[&(si, id)]));
        let _ = ri;
    }
    for u in &mut units {
        u.sort();
    }
    CanonCapsule {
        version: (c.major, c.minor),
        sets: c.groups.iter().map(|g| g.name.to_vec()).collect(),
        units,
        names,
    }
}

/// Compares two capsule files; `Err` says how they differ.
pub fn capsules_equivalent(ours: &[u8], theirs: &[u8]) -> Result<(), String> {
    let a = Capsule::read(ours).map_err(|d| format!("ours does not read: {d}"))?;
    let b = Capsule::read(theirs).map_err(|d| format!("theirs does not read: {d}"))?;
    let (a, b) = (canon_capsule(&a), canon_capsule(&b));
    if a.version != b.version {
        return Err(format!("version {:?} != {:?}", a.version, b.version));
    }
    if a.sets != b.sets {
        let show = |s: &[Vec<u8>]| {
            s.iter()
                .map(|n| String::from_utf8_lossy(n).into_owned())
                .collect::<Vec<_>>()
        };
        return Err(format!(
            "unit sets {:?} != {:?}",
            show(&a.sets),
            show(&b.sets)
        ));
    }
    if a.names != b.names {
        let only_a: Vec<_> = a
            .names
            .iter()
            .filter(|(k, v)| b.names.get(*k) != Some(v))
            .take(5)
            .collect();
        let only_b: Vec<_> = b
            .names
            .iter()
            .filter(|(k, v)| a.names.get(*k) != Some(v))
            .take(5)
            .collect();
        return Err(format!(
            "external names differ: ours {only_a:?}, theirs {only_b:?}"
        ));
    }
    for (i, (ua, ub)) in a.units.iter().zip(&b.units).enumerate() {
        if ua != ub {
            return Err(format!(
                "units of set {} differ ({} vs {} units)",
                String::from_utf8_lossy(&a.sets[i]),
                ua.len(),
                ub.len()
            ));
        }
    }
    Ok(())
}

/// Compares two library files; `Err` says how they differ.
pub fn libraries_equivalent(ours: &[u8], theirs: &[u8]) -> Result<(), String> {
    let a = Library::read(ours).map_err(|d| format!("ours does not read: {d}"))?;
    let b = Library::read(theirs).map_err(|d| format!("theirs does not read: {d}"))?;
    if (a.major, a.minor) != (b.major, b.minor) {
        return Err(format!(
            "version ({}, {}) != ({}, {})",
            a.major, a.minor, b.major, b.minor
        ));
    }
    let members = |l: &Library<'_>| -> Vec<(Vec<u8>, Vec<u8>)> {
        l.members
            .iter()
            .map(|m| (m.name.to_vec(), m.data.to_vec()))
            .collect()
    };
    let (ma, mb) = (members(&a), members(&b));
    if ma.len() != mb.len() {
        return Err(format!("{} members != {}", ma.len(), mb.len()));
    }
    for (x, y) in ma.iter().zip(&mb) {
        if x.0 != y.0 {
            return Err(format!(
                "member {} != {}",
                String::from_utf8_lossy(&x.0),
                String::from_utf8_lossy(&y.0)
            ));
        }
        if x.1 != y.1 {
            return Err(format!(
                "member {} bytes differ",
                String::from_utf8_lossy(&x.0)
            ));
        }
    }
    let index = |l: &Library<'_>| -> BTreeSet<(Vec<u8>, String, u8, Vec<u8>)> {
        l.index
            .iter()
            .flat_map(|s| {
                s.entries.iter().map(|e| {
                    (
                        s.name.to_vec(),
                        e.name.to_text(),
                        e.usage.bits(),
                        l.members[e.capsule as usize].name.to_vec(),
                    )
                })
            })
            .collect()
    };
    let (ia, ib) = (index(&a), index(&b));
    if ia != ib {
        let d1: Vec<_> = ia.difference(&ib).take(5).collect();
        let d2: Vec<_> = ib.difference(&ia).take(5).collect();
        return Err(format!(
            "index differs: only ours {d1:?}, only theirs {d2:?}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn capsule_equivalence_ignores_numbering_and_order() {
        let a = fixtures::capsule()
            .define_tag("a")
            .use_tag("b")
            .private_tags(2)
            .build();
        let b = fixtures::capsule()
            .use_tag("b")
            .define_tag("a")
            .private_tags(2)
            .build();
        assert!(capsules_equivalent(&a, &b).is_ok());
        let c = fixtures::capsule()
            .define_tag("a")
            .use_tag("b")
            .private_tags(1)
            .build();
        assert!(capsules_equivalent(&a, &c).is_err());
        let d = fixtures::capsule()
            .define_tag("a")
            .define_tag("b")
            .private_tags(2)
            .build();
        assert!(capsules_equivalent(&a, &d).is_err());
    }

    #[test]
    fn library_equivalence() {
        let m = fixtures::capsule().define_tag("a").build();
        let n = fixtures::capsule().define_tag("b").build();
        let l1 = fixtures::library(&[("m.j", &m), ("n.j", &n)]);
        assert!(libraries_equivalent(&l1, &l1).is_ok());
        let l2 = fixtures::library(&[("n.j", &n), ("m.j", &m)]);
        assert!(libraries_equivalent(&l1, &l2).is_err());
    }
}
