//! The four tables the linker and the librarian are built on (after the seed design of
//! TenDRA's `tld`): the unit set table, the shape table, the name table (one per shape,
//! with rename indirections) and the mapping table (capsule ids to output ids); and the
//! library index table ([`IndexTable`]), the shape table the seed design reads each
//! library's index into only to check it.
//!
//! TenDRA kept these in small hash tables (31 buckets, so lookups grew linearly with the
//! number of names) and wrote its output in hash order. Here every table is an `IndexMap`
//! (hashed with [`crate::hash`]) or a `Vec`, so lookups take constant time, iteration is
//! insertion order, and the same inputs give byte-identical output on every run and
//! machine.
//!
//! Names are addressed by a stable index ([`NameIdx`]) into their table; renaming makes a
//! name an *indirection* to another, and a rename target not yet seen is a *placeholder*
//! that becomes a real entry (with its output id) when a capsule first uses it (§5.3).

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};

use tdf_errors::{Diagnostic, Kind, LimitReached, Reporter};

use crate::hash::{FastHashMap, FastIndexMap};

use crate::capsule::Link;
use crate::library::Library;
use crate::linkinfo::{merge_usage, Merge, Usage};
use crate::name::ExtName;
use crate::show_bytes;
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
    /// A renamed name: lookups go on to this entry (a [`NameIdx`]; `u32` keeps the
    /// slot as small as a [`NameEntry`]).
    Indirect(u32),
    /// A rename target no capsule has used yet.
    Placeholder,
}

fn to_u32(idx: NameIdx) -> u32 {
    u32::try_from(idx).expect("fewer than 2^32 names in a shape")
}

/// A second rename of the same name in one shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultiplyRenamed;

/// The names of one shape.
#[derive(Debug, Clone, Default)]
pub struct NameTable<'a> {
    map: FastIndexMap<ExtName<'a>, Slot>,
}

impl<'a> NameTable<'a> {
    /// Follows indirections from `idx` to the final entry. After
    /// [`NameTable::resolve_renames`] this is at most one step; the bound keeps a lookup in
    /// an unresolved table finite.
    fn target(&self, mut idx: NameIdx) -> NameIdx {
        for _ in 0..=self.map.len() {
            match self.map[idx] {
                Slot::Indirect(next) => idx = next as usize,
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
        // One hash and one probe, whether the name is there or not.
        let idx = match self.map.entry(key) {
            indexmap::map::Entry::Occupied(o) => {
                let i = o.index();
                self.target(i)
            }
            indexmap::map::Entry::Vacant(v) => {
                let id = alloc()?;
                let i = v.index();
                v.insert(Slot::Direct(Self::new_entry(id)));
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

    /// Number of entries, renamed names and placeholders included (constant time,
    /// unlike [`NameTable::len`]).
    pub fn slots(&self) -> usize {
        self.map.len()
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
            Some(i) => self.map[i] = Slot::Indirect(to_u32(to_idx)),
            None => {
                self.map.insert(from, Slot::Indirect(to_u32(to_idx)));
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
                    (Slot::Indirect(next), DONE) => break Some(*next as usize),
                    (Slot::Indirect(next), _) => {
                        state[cur] = ON_PATH;
                        path.push(cur);
                        cur = *next as usize;
                    }
                    _ => break Some(cur),
                }
            };
            match outcome {
                Some(last) => {
                    for &p in &path {
                        self.map[p] = Slot::Indirect(to_u32(last));
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
                            Slot::Indirect(to_u32(cur))
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
    /// Real names, as [`NameIdx`] values, queued for the linker's resolution phase
    /// (§5.7): each name when it is created (by [`ShapeTable::add_name`]), and again
    /// whenever the linker changes its usage. A name may be queued more than once.
    pub pending: VecDeque<u32>,
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
    map: FastIndexMap<Cow<'a, [u8]>, ShapeEntry<'a>>,
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

    /// Makes room for `additional` more names in a shape, so that a table whose final
    /// size is known (a library index) grows once, not by doubling.
    pub fn reserve_names(&mut self, shape: ShapeIdx, additional: usize) {
        self.map[shape].names.map.reserve(additional);
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
            entry.pending.push_back(to_u32(idx));
        }
        Ok((idx, created))
    }
}

/// Maps one capsule's capsule-scope ids of each shape to output ids (§5.4). Dense for
/// plausible id counts, sparse otherwise, so a lying count never drives an allocation.
/// One table serves capsule after capsule ([`MappingTable::reset`]), reusing its storage.
#[derive(Debug, Clone, Default)]
pub struct MappingTable {
    shapes: Vec<IdMap>,
    /// Shapes in use (the first `used` of `shapes`).
    used: usize,
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
        let mut t = MappingTable::default();
        t.reset(id_counts, input_len);
        t
    }

    /// Empties the table and sets it up for shapes with these id counts.
    pub fn reset(&mut self, id_counts: impl IntoIterator<Item = u32>, input_len: usize) {
        let limit = input_len.saturating_mul(2) + 64;
        self.used = 0;
        for n in id_counts {
            let dense = (n as usize) <= limit;
            if self.used == self.shapes.len() {
                self.shapes.push(IdMap::Dense(Vec::new()));
            }
            let map = &mut self.shapes[self.used];
            match (dense, &mut *map) {
                (true, IdMap::Dense(v)) => {
                    v.clear();
                    v.resize(n as usize, UNMAPPED);
                }
                (true, _) => *map = IdMap::Dense(vec![UNMAPPED; n as usize]),
                (false, _) => *map = IdMap::Sparse(HashMap::new()),
            }
            self.used += 1;
        }
    }

    /// The output id of capsule id `id` in shape `shape`, if mapped.
    #[inline]
    pub fn get(&self, shape: usize, id: u32) -> Option<u32> {
        debug_assert!(shape < self.used);
        let v = match &self.shapes[shape] {
            IdMap::Dense(v) => v[id as usize],
            IdMap::Sparse(m) => *m.get(&id)?,
        };
        (v != UNMAPPED).then_some(v)
    }

    /// Records that capsule id `id` of `shape` is output id `out`.
    #[inline]
    pub fn set(&mut self, shape: usize, id: u32, out: u32) {
        debug_assert!(shape < self.used);
        match &mut self.shapes[shape] {
            IdMap::Dense(v) => v[id as usize] = out,
            IdMap::Sparse(m) => {
                m.insert(id, out);
            }
        }
    }
}

/// The configured unit sets and the units read into each, in reading order.
///
/// A large link keeps millions of units (ten per capsule in C producer output), so they
/// are stored as bytes, each number a LEB128 varint, one after the other in chunks that
/// never move, a list of chunks per unit set:
///
/// * per unit: its capsule (an index into the capsules registered with
///   [`UnitSetTable::add_capsule`]), the offset and length of its body in that capsule,
///   and its number of counted entries plus one (0: the unit declared no counts). The
///   capsule is stored as the difference from the previous unit of the same set (0 or
///   1, mostly), and the offset, within the same capsule, from the end of that unit's
///   body;
/// * per entry: the program shape, the count and the number of links, then each link's
///   unit-scope and output id. Only shapes with a count or a link get an entry (the
///   others are zero in the output).
///
/// A typical unit takes about 12 bytes, where a body slice and a vector per shape would
/// take over a hundred.
#[derive(Debug, Clone)]
pub struct UnitSetTable<'a> {
    pub list: UnitSetList,
    capsules: Vec<&'a [u8]>,
    sets: Vec<SetRecords>,
}

/// The units of one set.
#[derive(Debug, Clone, Default)]
struct SetRecords {
    /// The records; a record never spans chunks.
    chunks: Vec<Vec<u8>>,
    len: usize,
    /// The capsule and body end of the last unit: the next record is relative to them.
    last_capsule: u32,
    last_end: usize,
}

/// Chunk sizes of the unit records: they double from the first to the last. A unit
/// larger than a chunk gets a chunk of its own size.
const FIRST_CHUNK: usize = 4 << 10;
const LAST_CHUNK: usize = 1 << 20;

#[inline]
fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[inline]
fn get_varint(data: &[u8], pos: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = data[*pos];
        *pos += 1;
        v |= u64::from(b & 0x7F) << shift;
        if b < 0x80 {
            return v;
        }
        shift += 7;
    }
}

/// The largest encoding of a u64 varint.
const MAX_VARINT: usize = 10;

impl<'a> UnitSetTable<'a> {
    /// An empty table for this list.
    pub fn new(list: UnitSetList) -> Self {
        let sets = vec![SetRecords::default(); list.len()];
        UnitSetTable {
            list,
            capsules: Vec::new(),
            sets,
        }
    }

    /// Registers the capsule whose units follow; returns its number.
    pub fn add_capsule(&mut self, data: &'a [u8]) -> u32 {
        self.capsules.push(data);
        u32::try_from(self.capsules.len() - 1).expect("fewer than 2^32 capsules")
    }

    /// Starts a unit of set `set` (by order number) from capsule `capsule`, whose body is
    /// `body` (a slice of the capsule). `entries` is `None` for a unit read with no
    /// counts, else the number of [`UnitWriter::entry`] calls that follow; `links`
    /// is the total number of [`UnitWriter::link`] calls that follow.
    pub fn begin_unit(
        &mut self,
        set: usize,
        capsule: u32,
        body: &[u8],
        entries: Option<usize>,
        links: usize,
    ) -> UnitWriter<'_> {
        let data = self.capsules[capsule as usize];
        let offset = (body.as_ptr() as usize).wrapping_sub(data.as_ptr() as usize);
        assert!(
            offset <= data.len() && body.len() <= data.len() - offset,
            "a unit body lies within its capsule"
        );
        let numbers = 4 + 3 * entries.unwrap_or(0) + 2 * links;
        let room = numbers.saturating_mul(MAX_VARINT);
        let records = &mut self.sets[set];
        let fits = matches!(records.chunks.last(), Some(c) if c.capacity() - c.len() >= room);
        if !fits {
            let size = match records.chunks.last() {
                Some(c) => (2 * c.capacity()).min(LAST_CHUNK),
                None => FIRST_CHUNK,
            };
            records.chunks.push(Vec::with_capacity(size.max(room)));
        }
        records.len += 1;
        // Capsules are registered in order, and the units of a set are read in order.
        let capsule_delta = capsule - records.last_capsule;
        let relative = capsule_delta == 0 && offset >= records.last_end;
        let offset_delta = if relative {
            offset - records.last_end
        } else {
            offset
        };
        records.last_capsule = capsule;
        records.last_end = offset + body.len();
        let chunk = records.chunks.last_mut().expect("a chunk with room");
        put_varint(chunk, capsule_delta.into());
        // The offset's lowest bit says whether it is relative to the last body's end.
        put_varint(chunk, ((offset_delta as u64) << 1) | u64::from(relative));
        put_varint(chunk, body.len() as u64);
        put_varint(chunk, entries.map_or(0, |e| e as u64 + 1));
        UnitWriter { chunk }
    }

    /// Number of units in set `set`.
    pub fn len(&self, set: usize) -> usize {
        self.sets[set].len
    }

    /// True when set `set` has no units.
    pub fn is_empty(&self, set: usize) -> bool {
        self.sets[set].len == 0
    }

    /// The units of set `set`, in reading order.
    pub fn units(&self, set: usize) -> Units<'a, '_> {
        Units {
            capsules: &self.capsules,
            chunks: &self.sets[set].chunks,
            chunk: 0,
            pos: 0,
            capsule: 0,
            end: 0,
        }
    }
}

/// The iterator of [`UnitSetTable::units`].
#[derive(Debug, Clone)]
pub struct Units<'a, 't> {
    capsules: &'t [&'a [u8]],
    chunks: &'t [Vec<u8>],
    chunk: usize,
    pos: usize,
    /// The capsule and body end of the last unit read.
    capsule: usize,
    end: usize,
}

impl<'a, 't> Units<'a, 't> {
    /// The next unit, without finding where its record ends. A unit with entries must
    /// then be read to its end, every entry and link, with the reader it comes with, and
    /// that reader handed to [`Units::resume`] before the next call. For a reader of
    /// every unit (the emitter), this saves going over each record twice.
    pub fn next_unit(&mut self) -> Option<StoredUnit<'a, 't>> {
        while self.pos == self.chunks.get(self.chunk)?.len() {
            self.chunk += 1;
            self.pos = 0;
        }
        let mut r = LinkReader {
            data: &self.chunks[self.chunk],
            pos: self.pos,
        };
        self.capsule += r.next_u64() as usize;
        let offset = r.next_u64();
        let offset = (offset >> 1) as usize + if offset & 1 == 1 { self.end } else { 0 };
        let len = r.next_u64() as usize;
        let body = &self.capsules[self.capsule][offset..offset + len];
        self.end = offset + len;
        let entries = r.next_u64();
        self.pos = r.pos;
        Some(StoredUnit {
            body,
            links: (entries > 0).then(|| (entries as u32 - 1, r)),
        })
    }

    /// Goes on after the unit [`Units::next_unit`] gave, read to its end with `r`.
    pub fn resume(&mut self, r: &LinkReader<'t>) {
        self.pos = r.pos;
    }
}

impl<'a, 't> Iterator for Units<'a, 't> {
    type Item = StoredUnit<'a, 't>;

    fn next(&mut self) -> Option<StoredUnit<'a, 't>> {
        let unit = self.next_unit()?;
        if let Some((entries, links)) = &unit.links {
            // Skip to the next record: count the last bytes of numbers, without decoding.
            let mut r = links.clone();
            for _ in 0..*entries {
                r.skip(2);
                let links = r.next_u64() as usize;
                r.skip(2 * links);
            }
            self.resume(&r);
        }
        Some(unit)
    }
}

/// Writes the entries of the unit [`UnitSetTable::begin_unit`] started, into room
/// reserved for them.
#[derive(Debug)]
pub struct UnitWriter<'t> {
    chunk: &'t mut Vec<u8>,
}

impl UnitWriter<'_> {
    /// Appends one entry's head: program shape, count, number of links. Its links
    /// follow with [`UnitWriter::link`].
    #[inline]
    pub fn entry(&mut self, shape: ShapeIdx, count: u32, num_links: u32) {
        put_varint(self.chunk, shape as u64);
        put_varint(self.chunk, count.into());
        put_varint(self.chunk, num_links.into());
    }

    /// Appends one link to the current entry.
    #[inline]
    pub fn link(&mut self, link: Link) {
        put_varint(self.chunk, link.internal.into());
        put_varint(self.chunk, link.external.into());
    }
}

/// A stored unit, as [`UnitSetTable::units`] gives it back.
#[derive(Debug, Clone)]
pub struct StoredUnit<'a, 't> {
    pub body: &'a [u8],
    /// `None` for a unit read with no counts; else the number of entries and a reader
    /// positioned at the first.
    pub links: Option<(u32, LinkReader<'t>)>,
}

/// Reads back the entries of one stored unit: [`LinkReader::next`] three times per
/// entry (shape, count, number of links), then [`LinkReader::link`] per link.
#[derive(Debug, Clone)]
pub struct LinkReader<'t> {
    data: &'t [u8],
    pos: usize,
}

impl LinkReader<'_> {
    #[inline]
    fn next_u64(&mut self) -> u64 {
        get_varint(self.data, &mut self.pos)
    }

    /// Skips `n` numbers.
    #[inline]
    fn skip(&mut self, mut n: usize) {
        while n > 0 {
            n -= usize::from(self.data[self.pos] < 0x80);
            self.pos += 1;
        }
    }

    /// The next number.
    #[inline]
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u32 {
        self.next_u64() as u32
    }

    /// The next link.
    #[inline]
    pub fn link(&mut self) -> Link {
        let internal = self.next();
        let external = self.next();
        Link { internal, external }
    }
}

/// The names of one shape of an [`IndexTable`]: merged usage and defining capsule.
type IndexNames<'a> = FastHashMap<ExtName<'a>, (Usage, Option<u32>)>;

/// The library-side name table of §4.3: the indices of one or more libraries merged
/// name by name, which reports a name uniquely defined in two library capsules
/// (`lib_multiply_defined`): the seed design's shape table per library read, kept only
/// to check the index. `tlib` checks its `-i` libraries with it, `tshow` every library it
/// lists or extracts from.
///
/// Nothing is listed from it, so it is unordered: per shape, a plain hash map from name
/// to merged usage and defining capsule (40 bytes a name).
#[derive(Debug, Default)]
pub struct IndexTable<'a> {
    table: FastHashMap<Cow<'a, [u8]>, IndexNames<'a>>,
    /// The libraries added, as named in diagnostics.
    libraries: Vec<String>,
    /// Every library capsule seen, numbered across libraries: its library (an index
    /// into `libraries`) and stored name. Named `LIB(CAP)` in diagnostics.
    owners: Vec<(usize, Cow<'a, [u8]>)>,
}

impl<'a> IndexTable<'a> {
    /// Merges the index of `lib` (named `shown` in diagnostics) into the table.
    pub fn add(
        &mut self,
        shown: &str,
        lib: &Library<'a>,
        rep: &mut Reporter,
    ) -> Result<(), LimitReached> {
        let base = self.owners.len();
        let lib_no = self.libraries.len();
        self.libraries.push(shown.to_owned());
        self.owners
            .extend(lib.members.iter().map(|m| (lib_no, m.name.clone())));
        for shape in &lib.index {
            let names = self.table.entry(shape.name.clone()).or_default();
            names.reserve(shape.entries.len());
            for e in &shape.entries {
                let (acc, def) = names.entry(e.name.clone()).or_default();
                let owner = u32::try_from(base).expect("fewer than 2^32 capsules") + e.capsule;
                if let Merge::MultiplyDefined(prev) = merge_usage(acc, def, e.usage, owner) {
                    let previous = prev.map_or_else(String::new, |p| {
                        let (l, name) = &self.owners[p as usize];
                        format!("{}({})", self.libraries[*l], show_bytes(name))
                    });
                    let d = Diagnostic::new(Kind::lib_multiply_defined(
                        show_bytes(&shape.name),
                        e.name.to_text(),
                        previous,
                    ))
                    .with_file(shown)
                    .at_byte(e.offset);
                    rep.report(d)?;
                }
            }
        }
        Ok(())
    }
}

impl IndexTable<'_> {
    /// Checks the index of one library on its own, as [`IndexTable::add`] does into an
    /// empty table (the same diagnostics, in the same order), for the tools that list or
    /// extract from a library. Nothing is copied: an open-addressing table of entry
    /// numbers (4 bytes a slot, at most half full) finds the repeated names, against 40
    /// bytes a name and the table's slack for a map of copied names; the merged usage
    /// is kept only for names that do repeat, which a well-formed index has none of.
    pub fn check(shown: &str, lib: &Library<'_>, rep: &mut Reporter) -> Result<(), LimitReached> {
        let total: usize = lib.index.iter().map(|s| s.entries.len()).sum();
        // Entry numbers across shapes: `starts[s]` is the number of shape `s`'s first.
        let mut starts = Vec::with_capacity(lib.index.len());
        let mut n = 0usize;
        for shape in &lib.index {
            starts.push(n);
            n += shape.entries.len();
        }
        let locate = |flat: usize| {
            let s = starts.partition_point(|&st| st <= flat) - 1;
            (s, flat - starts[s])
        };
        let size = (2 * total).next_power_of_two().max(16);
        let mask = size - 1;
        let mut slots = vec![0u32; size];
        let hasher = crate::hash::NameHashBuilder::default();
        let mut repeated: FastHashMap<usize, (Usage, Option<u32>)> = FastHashMap::default();
        let mut flat = 0usize;
        for shape in &lib.index {
            for e in &shape.entries {
                let h = {
                    use std::hash::{BuildHasher, Hash, Hasher};
                    let mut h = hasher.build_hasher();
                    shape.name.hash(&mut h);
                    e.name.hash(&mut h);
                    h.finish() as usize
                };
                let mut at = h & mask;
                let first = loop {
                    match slots[at] {
                        0 => {
                            slots[at] = u32::try_from(flat + 1).expect("fewer than 2^32 names");
                            break None;
                        }
                        k => {
                            let (os, oe) = locate(k as usize - 1);
                            let other = &lib.index[os];
                            if other.name == shape.name && other.entries[oe].name == e.name {
                                break Some((k as usize - 1, os, oe));
                            }
                        }
                    }
                    at = (at + 1) & mask;
                };
                flat += 1;
                let Some((first, os, oe)) = first else {
                    continue;
                };
                let (acc, def) = repeated.entry(first).or_insert_with(|| {
                    let f = &lib.index[os].entries[oe];
                    let (mut acc, mut def) = (Usage::NONE, None);
                    merge_usage(&mut acc, &mut def, f.usage, f.capsule);
                    (acc, def)
                });
                if let Merge::MultiplyDefined(prev) = merge_usage(acc, def, e.usage, e.capsule) {
                    let previous = prev.map_or_else(String::new, |p| {
                        format!("{shown}({})", show_bytes(&lib.members[p as usize].name))
                    });
                    let d = Diagnostic::new(Kind::lib_multiply_defined(
                        String::from_utf8_lossy(&shape.name).into_owned(),
                        e.name.to_text(),
                        previous,
                    ))
                    .with_file(shown)
                    .at_byte(e.offset);
                    rep.report(d)?;
                }
            }
        }
        Ok(())
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
        assert_eq!(st.entry(tag).pending, [a as u32, b as u32]);
        assert_eq!(st.entry(tok).next_id, 0);
        let names: Vec<&[u8]> = st.iter().map(|(_, n, _)| n).collect();
        assert_eq!(names, [&b"tag"[..], b"token"]);
    }

    #[test]
    fn stored_units_read_back() {
        let data: Vec<u8> = (0..=255u8).cycle().take(3 * LAST_CHUNK).collect();
        let mut t = UnitSetTable::new(UnitSetList::default());
        let mut c = 0;
        // Enough units to fill several chunks, one far larger than a chunk, and units
        // of two sets interleaved, from a new capsule every 25 units.
        for i in 0..100_000usize {
            let cap = &data[(i / 25) % 7..];
            if i % 25 == 0 {
                c = t.add_capsule(cap);
            }
            let set = 3 + i % 2;
            let body = &cap[i % 1000..i % 1000 + i % 50];
            if i % 7 == 0 {
                t.begin_unit(set, c, body, None, 0);
                continue;
            }
            let links = if i == 500 { LAST_CHUNK } else { i % 3 };
            let mut u = t.begin_unit(set, c, body, Some(1), links);
            u.entry(i % 5, i as u32, links as u32);
            for k in 0..links {
                u.link(Link {
                    internal: k as u32,
                    external: (i * k) as u32,
                });
            }
        }
        assert!(t.sets[3].chunks.len() >= 2);
        for set in [3, 4] {
            assert_eq!(t.len(set), 50_000);
            for (j, u) in t.units(set).enumerate() {
                let i = 2 * j + set - 3;
                let cap = &data[(i / 25) % 7..];
                assert_eq!(u.body, &cap[i % 1000..i % 1000 + i % 50]);
                assert_eq!(u.body.as_ptr(), cap[i % 1000..].as_ptr());
                let Some((entries, mut r)) = u.links else {
                    assert_eq!(i % 7, 0);
                    continue;
                };
                assert_eq!(entries, 1);
                let links = if i == 500 { LAST_CHUNK } else { i % 3 };
                assert_eq!(
                    (r.next(), r.next(), r.next()),
                    ((i % 5) as u32, i as u32, links as u32)
                );
                for k in 0..links {
                    let l = r.link();
                    assert_eq!((l.internal, l.external), (k as u32, (i * k) as u32));
                }
            }
        }
        assert!(t.is_empty(0));
    }

    #[test]
    fn slots_are_small() {
        // A name table entry is its hash, its name and this: keep it at 16 bytes.
        assert_eq!(std::mem::size_of::<Slot>(), 16);
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

    /// A library model with one member per `(member, shape, name, usage)`, the name in
    /// the index and defined by that member.
    fn index_library(entries: &[(&str, &str, &str, Usage)]) -> crate::Library<'static> {
        use crate::library::{IndexEntry, IndexShape, Member};
        let mut index: Vec<IndexShape<'static>> = Vec::new();
        for (i, &(_, shape, name, usage)) in entries.iter().enumerate() {
            let entry = IndexEntry {
                name: s(name),
                usage,
                capsule: i as u32,
                offset: 10 * i as u64,
            };
            match index.iter_mut().find(|x| *x.name == *shape.as_bytes()) {
                Some(x) => x.entries.push(entry),
                None => index.push(IndexShape {
                    name: Cow::Owned(shape.as_bytes().to_vec()),
                    entries: vec![entry],
                }),
            }
        }
        crate::Library {
            major: 4,
            minor: 0,
            members: entries
                .iter()
                .map(|&(m, ..)| Member {
                    name: Cow::Owned(m.as_bytes().to_vec()),
                    data: Cow::Owned(Vec::new()),
                    offset: 0,
                })
                .collect(),
            index,
        }
    }

    #[test]
    fn one_library_is_checked_as_an_index_table_would() {
        let defd = Usage::DEFD | Usage::DECD;
        let lib = index_library(&[
            ("a.j", "tag", "f", defd),
            ("b.j", "tag", "g", Usage::MULT | Usage::DECD),
            ("c.j", "token", "f", defd),
            ("d.j", "tag", "g", defd),
            ("e.j", "tag", "f", defd),
            ("f.j", "tag", "f", defd),
            ("g.j", "tag", "g", defd),
        ]);
        let run = |check: bool| {
            let mut rep = Reporter::with_writer("t", Box::new(std::io::sink()));
            if check {
                IndexTable::check("l.tl", &lib, &mut rep).unwrap();
            } else {
                IndexTable::default().add("l.tl", &lib, &mut rep).unwrap();
            }
            rep.diagnostics()
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
        };
        let found = run(true);
        assert_eq!(found, run(false));
        // f: a.j, then e.j and f.j; g: shared in b.j, unique in d.j, again in g.j.
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].contains("l.tl(a.j)"), "{found:?}");
        assert!(found[2].contains("l.tl(d.j)"), "{found:?}");
        // No repeated name: nothing to say.
        let lib = index_library(&[("a.j", "tag", "f", defd), ("b.j", "tag", "g", defd)]);
        let mut rep = Reporter::with_writer("t", Box::new(std::io::sink()));
        IndexTable::check("l.tl", &lib, &mut rep).unwrap();
        assert!(rep.diagnostics().is_empty());
    }

    #[test]
    fn index_table_reports_a_name_defined_in_two_libraries() {
        let defd = Usage::DEFD | Usage::DECD;
        let a = index_library(&[("x.j", "tag", "f", defd), ("y.j", "token", "t", defd)]);
        // `f` again, but as a token: another shape, no conflict. `t` only shared.
        let b = index_library(&[
            ("z.j", "token", "f", defd),
            ("w.j", "token", "t", Usage::MULT),
        ]);
        let c = index_library(&[("v.j", "tag", "f", defd)]);
        let mut rep = Reporter::with_writer("t", Box::new(std::io::sink()));
        let mut t = IndexTable::default();
        t.add("a.tl", &a, &mut rep).unwrap();
        t.add("b.tl", &b, &mut rep).unwrap();
        assert!(rep.diagnostics().is_empty(), "{:?}", rep.diagnostics());
        t.add("c.tl", &c, &mut rep).unwrap();
        let d = &rep.diagnostics()[0];
        assert_eq!(d.kind.name(), "lib_multiply_defined");
        assert_eq!(d.file.as_deref(), Some("c.tl"));
        let text = d.to_string();
        assert!(text.contains("a.tl(x.j)"), "{text}");
        assert_eq!(rep.diagnostics().len(), 1);
    }
}
