//! The four tables the linker and the librarian are built on (after the seed design of
//! TenDRA's `tld`): the unit set table, the shape table, the name table (one per shape,
//! with rename indirections) and the mapping table (capsule ids to output ids).
//!
//! TenDRA kept these in small hash tables and wrote its output in hash order. Here every
//! table is an [`IndexMap`] or a `Vec`, so iteration is insertion order and the same inputs
//! give byte-identical output on every run and machine.
//!
//! Names are addressed by a stable index ([`NameIdx`]) into their table; renaming makes a
//! name an *indirection* to another, and a rename target not yet seen is a *placeholder*
//! that becomes a real entry (with its output id) when a capsule first uses it (§5.3).

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};

use indexmap::IndexMap;

use crate::capsule::Link;
use crate::linkinfo::Usage;
use crate::name::ExtName;
use crate::unitset::UnitSetList;

/// Position of a name in its [`NameTable`].
pub type NameIdx = usize;
/// Position of a shape in its [`ShapeTable`].
pub type ShapeIdx = usize;

/// The data of a real ("direct") name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameEntry {
    /// Output id (capsule-scope id in the output capsule).
    pub id: u32,
    /// Usage merged over the capsules read so far (§3.6).
    pub usage: Usage,
    /// Hidden names become capsule-private in the output (§5.8).
    pub hidden: bool,
    /// The defining capsule, as an index into the owner's capsule list.
    pub def: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Slot {
    Direct(NameEntry),
    /// A renamed name: lookups go on to this entry.
    Indirect(NameIdx),
    /// A rename target no capsule has used yet.
    Placeholder,
}

/// A second rename of the same name in one shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultiplyRenamed;

/// The names of one shape.
#[derive(Debug, Clone, Default)]
pub struct NameTable<'a> {
    map: IndexMap<ExtName<'a>, Slot>,
}

impl<'a> NameTable<'a> {
    /// Follows indirections from `idx` to the final entry. After
    /// [`NameTable::resolve_renames`] this is at most one step; the bound keeps a lookup in
    /// an unresolved table finite.
    fn target(&self, mut idx: NameIdx) -> NameIdx {
        for _ in 0..=self.map.len() {
            match self.map[idx] {
                Slot::Indirect(next) => idx = next,
                _ => return idx,
            }
        }
        idx
    }

    fn slot(&self, idx: NameIdx) -> &Slot {
        &self.map[idx]
    }

    /// Looks a name up through renames; placeholders count as absent.
    pub fn get(&self, key: &ExtName<'_>) -> Option<NameIdx> {
        let idx = self.target(self.map.get_index_of(key)?);
        matches!(self.slot(idx), Slot::Direct(_)).then_some(idx)
    }

    /// Looks a name up through renames, creating it if needed; a new entry gets the id
    /// that `alloc` returns. Returns the final entry and whether it was created.
    pub fn add<E>(
        &mut self,
        key: ExtName<'a>,
        alloc: impl FnOnce() -> Result<u32, E>,
    ) -> Result<(NameIdx, bool), E> {
        let idx = match self.map.get_index_of(&key) {
            Some(i) => self.target(i),
            None => {
                let id = alloc()?;
                let (i, _) = self.map.insert_full(key, Slot::Direct(Self::new_entry(id)));
                return Ok((i, true));
            }
        };
        if let Slot::Placeholder = self.map[idx] {
            self.map[idx] = Slot::Direct(Self::new_entry(alloc()?));
            return Ok((idx, true));
        }
        Ok((idx, false))
    }

    fn new_entry(id: u32) -> NameEntry {
        NameEntry {
            id,
            usage: Usage::NONE,
            hidden: false,
            def: None,
        }
    }

    /// The entry at `idx`, which must be a real name (as returned by `get` or `add`).
    pub fn entry(&self, idx: NameIdx) -> &NameEntry {
        match &self.map[idx] {
            Slot::Direct(e) => e,
            _ => panic!("name {idx} is not a direct entry"),
        }
    }

    /// The entry at `idx`, mutably.
    pub fn entry_mut(&mut self, idx: NameIdx) -> &mut NameEntry {
        match &mut self.map[idx] {
            Slot::Direct(e) => e,
            _ => panic!("name {idx} is not a direct entry"),
        }
    }

    /// The name at `idx`.
    pub fn key(&self, idx: NameIdx) -> &ExtName<'a> {
        self.map.get_index(idx).expect("index in range").0
    }

    /// The real names, in table order.
    pub fn iter(&self) -> impl Iterator<Item = (NameIdx, &ExtName<'a>, &NameEntry)> {
        self.map
            .iter()
            .enumerate()
            .filter_map(|(i, (k, s))| match s {
                Slot::Direct(e) => Some((i, k, e)),
                _ => None,
            })
    }

    /// The real names, mutably, in table order.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&ExtName<'a>, &mut NameEntry)> {
        self.map.iter_mut().filter_map(|(k, s)| match s {
            Slot::Direct(e) => Some((k, e)),
            _ => None,
        })
    }

    /// Number of real names.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// True when there are no real names.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// Enters the rule "FROM means TO" (§5.3). Call before any name is added.
    pub fn add_rename(
        &mut self,
        from: ExtName<'a>,
        to: ExtName<'a>,
    ) -> Result<(), MultiplyRenamed> {
        if let Some(Slot::Indirect(_)) = self.map.get(&from) {
            return Err(MultiplyRenamed);
        }
        let to_idx = match self.map.get_index_of(&to) {
            Some(i) => i,
            None => self.map.insert_full(to, Slot::Placeholder).0,
        };
        match self.map.get_index_of(&from) {
            Some(i) => self.map[i] = Slot::Indirect(to_idx),
            None => {
                self.map.insert(from, Slot::Indirect(to_idx));
            }
        }
        Ok(())
    }

    /// Points every renamed name straight at its final target. Renaming is transitive.
    /// Returns one name of each cycle found (`A→B, B→A`, or `A→A`); the names of a cycle
    /// become placeholders so that later lookups terminate. Iterative: a rename chain of
    /// any length uses no stack.
    pub fn resolve_renames(&mut self) -> Vec<NameIdx> {
        const UNSEEN: u8 = 0;
        const ON_PATH: u8 = 1;
        const DONE: u8 = 2;
        let mut state = vec![UNSEEN; self.map.len()];
        let mut cycles = Vec::new();
        let mut path = Vec::new();
        for start in 0..self.map.len() {
            if state[start] != UNSEEN || !matches!(self.map[start], Slot::Indirect(_)) {
                continue;
            }
            path.clear();
            let mut cur = start;
            // Walk until a final entry, a finished indirection, or the path itself.
            let outcome = loop {
                match (&self.map[cur], state[cur]) {
                    (_, ON_PATH) => break None,
                    (Slot::Indirect(next), DONE) => break Some(*next),
                    (Slot::Indirect(next), _) => {
                        state[cur] = ON_PATH;
                        path.push(cur);
                        cur = *next;
                    }
                    _ => break Some(cur),
                }
            };
            match outcome {
                Some(last) => {
                    for &p in &path {
                        self.map[p] = Slot::Indirect(last);
                        state[p] = DONE;
                    }
                }
                None => {
                    cycles.push(cur);
                    // Names on the cycle become placeholders; names leading into it point
                    // at the name where it was found.
                    let on_cycle = path.iter().position(|&p| p == cur).unwrap_or(0);
                    for (i, &p) in path.iter().enumerate() {
                        self.map[p] = if i >= on_cycle {
                            Slot::Placeholder
                        } else {
                            Slot::Indirect(cur)
                        };
                        state[p] = DONE;
                    }
                }
            }
        }
        cycles
    }
}

/// Output ids of one shape ran out (2³² − 1 of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyIds;

/// One shape: its output id counter, its names, and the names waiting to be resolved.
#[derive(Debug, Clone, Default)]
pub struct ShapeEntry<'a> {
    /// The next output id to hand out; also the number of ids allocated so far.
    pub next_id: u32,
    pub names: NameTable<'a>,
    /// Real names in creation order, not yet examined by the resolution loop (§5.7).
    pub pending: VecDeque<NameIdx>,
}

impl ShapeEntry<'_> {
    /// Hands out the next output id.
    pub fn alloc_id(&mut self) -> Result<u32, TooManyIds> {
        if self.next_id == u32::MAX {
            return Err(TooManyIds);
        }
        self.next_id += 1;
        Ok(self.next_id - 1)
    }
}

/// Shapes by name, in first-seen order.
#[derive(Debug, Clone, Default)]
pub struct ShapeTable<'a> {
    map: IndexMap<Cow<'a, [u8]>, ShapeEntry<'a>>,
}

impl<'a> ShapeTable<'a> {
    /// The shape called `name`, created if needed.
    pub fn intern(&mut self, name: Cow<'a, [u8]>) -> ShapeIdx {
        if let Some(i) = self.map.get_index_of(&*name) {
            return i;
        }
        self.map.insert_full(name, ShapeEntry::default()).0
    }

    /// The shape called `name`, if present.
    pub fn get(&self, name: &[u8]) -> Option<ShapeIdx> {
        self.map.get_index_of(name)
    }

    /// The name of a shape.
    pub fn name(&self, idx: ShapeIdx) -> &[u8] {
        self.map.get_index(idx).expect("index in range").0
    }

    /// A shape's entry.
    pub fn entry(&self, idx: ShapeIdx) -> &ShapeEntry<'a> {
        &self.map[idx]
    }

    /// A shape's entry, mutably.
    pub fn entry_mut(&mut self, idx: ShapeIdx) -> &mut ShapeEntry<'a> {
        &mut self.map[idx]
    }

    /// Number of shapes.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when there are no shapes.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Shapes in table order.
    pub fn iter(&self) -> impl Iterator<Item = (ShapeIdx, &[u8], &ShapeEntry<'a>)> {
        self.map.iter().enumerate().map(|(i, (k, v))| (i, &**k, v))
    }

    /// Looks up or creates a name of a shape; a new name gets the shape's next output id
    /// and joins its pending list. Returns the name and whether it was created.
    pub fn add_name(
        &mut self,
        shape: ShapeIdx,
        key: ExtName<'a>,
    ) -> Result<(NameIdx, bool), TooManyIds> {
        let entry = &mut self.map[shape];
        let next = &mut entry.next_id;
        let (idx, created) = entry.names.add(key, || {
            if *next == u32::MAX {
                return Err(TooManyIds);
            }
            *next += 1;
            Ok(*next - 1)
        })?;
        if created {
            entry.pending.push_back(idx);
        }
        Ok((idx, created))
    }
}

/// Maps one capsule's capsule-scope ids of each shape to output ids (§5.4). Dense for
/// plausible id counts, sparse otherwise, so a lying count never drives an allocation.
#[derive(Debug, Clone)]
pub struct MappingTable {
    shapes: Vec<IdMap>,
}

#[derive(Debug, Clone)]
enum IdMap {
    Dense(Vec<u32>),
    Sparse(HashMap<u32, u32>),
}

const UNMAPPED: u32 = u32::MAX;

impl MappingTable {
    /// A table for shapes with these id counts; `input_len` is the size of the capsule.
    pub fn new(id_counts: impl IntoIterator<Item = u32>, input_len: usize) -> Self {
        let limit = input_len.saturating_mul(2) + 64;
        MappingTable {
            shapes: id_counts
                .into_iter()
                .map(|n| {
                    if (n as usize) <= limit {
                        IdMap::Dense(vec![UNMAPPED; n as usize])
                    } else {
                        IdMap::Sparse(HashMap::new())
                    }
                })
                .collect(),
        }
    }

    /// The output id of capsule id `id` in shape `shape`, if mapped.
    pub fn get(&self, shape: usize, id: u32) -> Option<u32> {
        let v = match &self.shapes[shape] {
            IdMap::Dense(v) => v[id as usize],
            IdMap::Sparse(m) => *m.get(&id)?,
        };
        (v != UNMAPPED).then_some(v)
    }

    /// Records that capsule id `id` of `shape` is output id `out`.
    pub fn set(&mut self, shape: usize, id: u32, out: u32) {
        match &mut self.shapes[shape] {
            IdMap::Dense(v) => v[id as usize] = out,
            IdMap::Sparse(m) => {
                m.insert(id, out);
            }
        }
    }
}

/// The links of one unit for one output shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitShapeLinks {
    pub shape: ShapeIdx,
    pub count: u32,
    pub links: Vec<Link>,
}

/// A unit as stored for output: links already rewritten to output ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredUnit<'a> {
    /// `None` when the unit was read with no counts.
    pub shapes: Option<Vec<UnitShapeLinks>>,
    pub body: Cow<'a, [u8]>,
}

/// The configured unit sets and the units read into each, in reading order.
#[derive(Debug, Clone)]
pub struct UnitSetTable<'a> {
    pub list: UnitSetList,
    pub units: Vec<Vec<StoredUnit<'a>>>,
}

impl<'a> UnitSetTable<'a> {
    /// An empty table for this list.
    pub fn new(list: UnitSetList) -> Self {
        let units = vec![Vec::new(); list.len()];
        UnitSetTable { list, units }
    }

    /// Appends a unit to a set (by order number).
    pub fn push(&mut self, set: usize, unit: StoredUnit<'a>) {
        self.units[set].push(unit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> ExtName<'static> {
        ExtName::String(Cow::Owned(x.as_bytes().to_vec()))
    }

    fn ok(n: &mut u32) -> impl FnOnce() -> Result<u32, ()> + '_ {
        move || {
            *n += 1;
            Ok(*n - 1)
        }
    }

    #[test]
    fn transitive_renames() {
        let mut t = NameTable::default();
        t.add_rename(s("a"), s("b")).unwrap();
        t.add_rename(s("b"), s("c")).unwrap();
        assert!(t.resolve_renames().is_empty());
        let mut next = 0;
        let (c, created) = t.add(s("a"), ok(&mut next)).unwrap();
        assert!(created);
        assert_eq!(t.key(c), &s("c"));
        assert_eq!(t.add(s("b"), ok(&mut next)).unwrap(), (c, false));
        assert_eq!(t.get(&s("c")), Some(c));
        assert_eq!(t.iter().count(), 1);
        assert_eq!(t.add_rename(s("a"), s("d")), Err(MultiplyRenamed));
    }

    #[test]
    fn placeholders_are_absent_until_added() {
        let mut t = NameTable::default();
        t.add_rename(s("x"), s("y")).unwrap();
        t.resolve_renames();
        assert_eq!(t.get(&s("x")), None);
        assert_eq!(t.get(&s("y")), None);
        assert!(t.is_empty());
    }

    #[test]
    fn cycles_are_found() {
        let mut t = NameTable::default();
        t.add_rename(s("a"), s("a")).unwrap();
        assert_eq!(t.resolve_renames().len(), 1);
        let mut t = NameTable::default();
        t.add_rename(s("a"), s("b")).unwrap();
        t.add_rename(s("b"), s("a")).unwrap();
        t.add_rename(s("c"), s("a")).unwrap();
        let cycles = t.resolve_renames();
        assert_eq!(cycles.len(), 1);
        // Lookups terminate after a cycle.
        let mut next = 0;
        t.add(s("c"), ok(&mut next)).unwrap();
    }

    #[test]
    fn long_chain_is_iterative() {
        let mut t = NameTable::default();
        let n = 100_000;
        for i in 0..n {
            t.add_rename(s(&format!("n{i}")), s(&format!("n{}", i + 1)))
                .unwrap();
        }
        assert!(t.resolve_renames().is_empty());
        let mut next = 0;
        let (idx, _) = t.add(s("n0"), ok(&mut next)).unwrap();
        assert_eq!(t.key(idx), &s(&format!("n{n}")));
        // A cycle closing the chain is found too.
        let mut t = NameTable::default();
        for i in 0..n {
            t.add_rename(s(&format!("n{i}")), s(&format!("n{}", (i + 1) % n)))
                .unwrap();
        }
        assert_eq!(t.resolve_renames().len(), 1);
    }

    #[test]
    fn shape_table_allocates_in_order() {
        let mut st = ShapeTable::default();
        let tag = st.intern(Cow::Borrowed(b"tag"));
        let tok = st.intern(Cow::Borrowed(b"token"));
        assert_eq!(st.intern(Cow::Borrowed(b"tag")), tag);
        let (a, _) = st.add_name(tag, s("a")).unwrap();
        let (b, _) = st.add_name(tag, s("b")).unwrap();
        assert_eq!(st.add_name(tag, s("a")).unwrap(), (a, false));
        assert_eq!(st.entry(tag).names.entry(a).id, 0);
        assert_eq!(st.entry(tag).names.entry(b).id, 1);
        assert_eq!(st.entry_mut(tag).alloc_id(), Ok(2));
        assert_eq!(st.entry(tag).pending, [a, b]);
        assert_eq!(st.entry(tok).next_id, 0);
        let names: Vec<&[u8]> = st.iter().map(|(_, n, _)| n).collect();
        assert_eq!(names, [&b"tag"[..], b"token"]);
    }

    #[test]
    fn mapping_table() {
        let mut m = MappingTable::new([4, u32::MAX], 10);
        assert_eq!(m.get(0, 3), None);
        m.set(0, 3, 7);
        m.set(1, 4_000_000_000, 1);
        assert_eq!(m.get(0, 3), Some(7));
        assert_eq!(m.get(1, 4_000_000_000), Some(1));
    }
}
