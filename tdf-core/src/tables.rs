//! The tables the linker and the librarian are built on (after the seed design of
//! TenDRA's `tld`): the unit set table, the shape and name tables of the program and of
//! the libraries ([`LinkTables`]: one table of names per shape, with rename indirections,
//! shared by both sides) and the mapping table (capsule ids to output ids); and the
//! library index table ([`IndexTable`]), the shape table the seed design reads each
//! library's index into only to check it.
//!
//! TenDRA kept these in small hash tables (31 buckets, so lookups grew linearly with the
//! number of names) and wrote its output in hash order. Here lookups go through hash
//! tables (hashed with [`crate::hash`]) and every order is kept in vectors, so lookups
//! take constant time, iteration is insertion order, and the same inputs give
//! byte-identical output on every run and machine.
//!
//! Names are addressed by a stable index ([`NameIdx`]) into their shape's table; renaming
//! makes a name an *indirection* to another, and a rename target not yet seen is a
//! *placeholder* that becomes a real name (with its output id) when a capsule first uses
//! it (§5.3).

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::BuildHasher;

use tdf_errors::{Diagnostic, Kind, LimitReached, Reporter};

use crate::hash::{FastHashMap, FastIndexMap, FastIndexSet, NameHashBuilder};

use crate::bits::{prefetch, Writer};
use crate::capsule::Link;
use crate::library::Library;
use crate::linkinfo::{merge_usage, Merge, Usage};
use crate::name::show_bytes;
use crate::name::ExtName;
use crate::unitset::UnitSetList;

/// A name in its shape's table of names ([`LinkTables`]): the same number on the program
/// and the library side.
pub type NameIdx = usize;
/// Position of a shape among the program's (or the library's) shapes.
pub type ShapeIdx = usize;

/// The program's data of a name: a name of the capsules linked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameEntry {
    /// Output id (capsule-scope id in the output capsule).
    pub id: u32,
    /// Usage merged over the capsules read so far (§3.6).
    pub usage: Usage,
    /// Hidden names become capsule-private in the output (§5.8).
    pub hidden: bool,
    /// The defining capsule, as an index into the owner's capsule list.
    pub def: Option<Def>,
}

/// The library's data of a name: the usage merged over the library indices, and the
/// defining library capsule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LibEntry {
    pub usage: Usage,
    pub def: Option<Def>,
    /// The flags of the [`Name`] this belongs to (both sides'): here, where the entry
    /// has room for them, a name takes 48 bytes instead of 56.
    flags: u8,
}

/// A defining capsule: an index into the owner's list of capsules, stored as the index
/// plus one, so that an `Option<Def>` takes 4 bytes where an `Option<u32>` takes 8. With
/// the entries' other fields a name takes 48 bytes instead of 56: 4.8 MB less for the
/// 600,000 names of a 200,000-capsule link, whose peak memory is near its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Def(std::num::NonZeroU32);

impl Def {
    /// Capsule `index` (below `u32::MAX`: a run holds fewer capsules than that, each
    /// taking some bytes of memory; the largest index saturates instead of wrapping).
    #[inline]
    pub fn new(index: u32) -> Def {
        Def(std::num::NonZeroU32::MIN.saturating_add(index))
    }

    /// The capsule's index.
    #[inline]
    pub fn get(self) -> u32 {
        self.0.get() - 1
    }
}

/// A second rename of the same name in one shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultiplyRenamed;

/// Output ids of one shape ran out (2³² − 1 of them), or its names did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyIds;

/// No name, no shape.
const NONE: u32 = u32::MAX;

/// Flags of a [`Name`].
const PROGRAM: u8 = 1;
const LIBRARY: u8 = 2;
const IN_PROGRAM_ORDER: u8 = 4;
const IN_LIBRARY_ORDER: u8 = 8;

/// One name of a shape, shared by the program and the library side: entered once,
/// hashed once per occurrence in an input, and looked up once, whichever side asks.
#[derive(Debug, Clone)]
struct Name<'a> {
    key: ExtName<'a>,
    /// The name this one is renamed to, or NONE.
    redirect: u32,
    program: NameEntry,
    library: LibEntry,
}

/// The names of one shape (by its name: the program's and the library's shape of that
/// name share it).
///
/// Names are found through open addressing with linear probing: each slot is 8 bytes,
/// the name's 32-bit hash and its number plus one (0: empty), at most seven eighths
/// full (three quarters took 6 MB more for the 600,000 names of a 200,000-capsule
/// link). One slot read rejects almost every other name without touching it, and the
/// slot where a lookup starts can be fetched ahead ([`LinkTables::prefetch_program`]).
#[derive(Debug, Clone, Default)]
struct Space<'a> {
    names: Vec<Name<'a>>,
    slots: Vec<u64>,
    /// The program's and the library's shape of this name (NONE: not on that side).
    program: u32,
    library: u32,
}

/// A shape of the program: its output id counter, its names in the order the program
/// met them, and the names waiting to be resolved.
#[derive(Debug, Clone, Default)]
pub struct ProgramShape {
    space: u32,
    /// The next output id to hand out; also the number of ids allocated so far.
    pub next_id: u32,
    /// Names queued for the linker's resolution phase (§5.7): each name when the program
    /// meets it (by [`LinkTables::add_program_name`]), and again whenever the linker
    /// changes its usage. A name may be queued more than once.
    pub pending: Vec<u32>,
    /// The program's names (renamed names and placeholders included) in the order it
    /// met them: the order of the output.
    order: Vec<u32>,
}

impl ProgramShape {
    /// Hands out the next output id.
    pub fn alloc_id(&mut self) -> Result<u32, TooManyIds> {
        if self.next_id == u32::MAX {
            return Err(TooManyIds);
        }
        self.next_id += 1;
        Ok(self.next_id - 1)
    }
}

/// A shape of the libraries: its names in the order the indices gave them.
#[derive(Debug, Clone, Default)]
struct LibraryShape {
    space: u32,
    order: Vec<u32>,
}

/// The linker's shape and name tables (§5.1, after the seed design of TenDRA's `tld`):
/// the program's shapes and names (those of the capsules linked) and the library's (the
/// merged indices), in one table of names per shape name that both sides share.
///
/// A name is entered once: the library's index entry and the program's name of the same
/// shape and spelling are one `Name`, so the resolution phase finds a program name's
/// library definition without a second lookup, and the name's bytes, its hash and both
/// sides' data sit together. Each side keeps its own order of shapes and of names (the
/// order in which it met them), which is the order of the output and of the traces.
///
/// Renaming makes a name an *indirection* to another (the same rules on both sides); a
/// rename target not yet seen is a *placeholder* that becomes a real name of a side
/// when that side first meets it (§5.3).
#[derive(Debug, Clone, Default)]
pub struct LinkTables<'a> {
    spaces: FastIndexMap<Cow<'a, [u8]>, Space<'a>>,
    program: Vec<ProgramShape>,
    library: Vec<LibraryShape>,
    hasher: NameHashBuilder,
}

impl<'a> Space<'a> {
    fn new() -> Self {
        Space {
            names: Vec::new(),
            slots: Vec::new(),
            program: NONE,
            library: NONE,
        }
    }

    /// The slot where looking for a name of hash `hash` starts.
    #[inline]
    fn home(&self, hash: u32) -> usize {
        hash as usize & (self.slots.len().wrapping_sub(1))
    }

    /// Asks the processor to fetch the slot where looking for `hash` starts.
    #[inline]
    fn prefetch(&self, hash: u32) {
        if !self.slots.is_empty() {
            prefetch(self.slots[self.home(hash)..].as_ptr().cast());
        }
    }

    /// The name `key` (hashed to `hash`), if entered.
    #[inline]
    fn find(&self, hash: u32, key: &ExtName<'_>) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut at = self.home(hash);
        loop {
            let slot = self.slots[at];
            if slot == 0 {
                return None;
            }
            if (slot >> 32) as u32 == hash {
                let i = slot as u32 - 1;
                if self.names[i as usize].key == *key {
                    return Some(i);
                }
            }
            at = (at + 1) & mask;
        }
    }

    /// The name `key`, entered if new (with no side). Returns it and whether it is new.
    #[inline]
    fn enter(&mut self, hash: u32, key: ExtName<'a>) -> Result<(u32, bool), TooManyIds> {
        if (self.names.len() + 1) * 8 > self.slots.len() * 7 {
            self.grow(self.names.len() + 1);
        }
        let mask = self.slots.len() - 1;
        let mut at = self.home(hash);
        loop {
            let slot = self.slots[at];
            if slot == 0 {
                break;
            }
            if (slot >> 32) as u32 == hash {
                let i = slot as u32 - 1;
                if self.names[i as usize].key == key {
                    return Ok((i, false));
                }
            }
            at = (at + 1) & mask;
        }
        // Names are numbered below u32::MAX - 1: slots hold the number plus one, and
        // NONE is never a name.
        let i = u32::try_from(self.names.len()).map_err(|_| TooManyIds)?;
        if i >= NONE - 1 {
            return Err(TooManyIds);
        }
        self.slots[at] = (u64::from(hash) << 32) | u64::from(i + 1);
        self.names.push(Name {
            key,
            redirect: NONE,
            program: NameEntry {
                id: 0,
                usage: Usage::NONE,
                hidden: false,
                def: None,
            },
            library: LibEntry::default(),
        });
        Ok((i, true))
    }

    /// Makes the slots room for `names` names at most seven eighths full, placing the
    /// names again by the hashes their slots hold (no name is hashed again).
    fn grow(&mut self, names: usize) {
        let size = (names * 8).div_ceil(7).next_power_of_two().max(16);
        if size <= self.slots.len() {
            return;
        }
        let mut slots = vec![0u64; size];
        let mask = size - 1;
        for &slot in self.slots.iter().filter(|&&s| s != 0) {
            let mut at = (slot >> 32) as usize & mask;
            while slots[at] != 0 {
                at = (at + 1) & mask;
            }
            slots[at] = slot;
        }
        self.slots = slots;
    }

    /// Follows indirections from `i` to the final name. After
    /// [`LinkTables::resolve_renames`] this is at most one step; the bound keeps a lookup
    /// in an unresolved table finite.
    #[inline]
    fn target(&self, mut i: u32) -> u32 {
        for _ in 0..=self.names.len() {
            match self.names[i as usize].redirect {
                NONE => return i,
                next => i = next,
            }
        }
        i
    }

    fn reserve(&mut self, additional: usize) {
        self.names.reserve(additional);
        self.grow(self.names.len() + additional);
    }

    /// Points every renamed name straight at its final target (renaming is transitive).
    /// The names of a cycle (`A→B, B→A`, or `A→A`) become placeholders, so that later
    /// lookups terminate; names leading into a cycle point at the name where it was
    /// found. Iterative: a rename chain of any length uses no stack. Returns one name of
    /// each cycle.
    fn resolve_renames(&mut self) -> Vec<NameIdx> {
        const UNSEEN: u8 = 0;
        const ON_PATH: u8 = 1;
        const DONE: u8 = 2;
        let names = &mut self.names;
        let mut state = vec![UNSEEN; names.len()];
        let mut cycles = Vec::new();
        let mut path = Vec::new();
        for start in 0..names.len() {
            if state[start] != UNSEEN || names[start].redirect == NONE {
                continue;
            }
            path.clear();
            let mut cur = start;
            // Walk until a final name, a finished indirection, or the path itself.
            let outcome = loop {
                let next = names[cur].redirect;
                match (next, state[cur]) {
                    (_, ON_PATH) => break None,
                    (NONE, _) => break Some(cur),
                    (next, DONE) => break Some(next as usize),
                    (next, _) => {
                        state[cur] = ON_PATH;
                        path.push(cur);
                        cur = next as usize;
                    }
                }
            };
            match outcome {
                Some(last) => {
                    for &p in &path {
                        names[p].redirect = last as u32;
                        state[p] = DONE;
                    }
                }
                None => {
                    cycles.push(cur);
                    let on_cycle = path.iter().position(|&p| p == cur).unwrap_or(0);
                    for (i, &p) in path.iter().enumerate() {
                        names[p].redirect = if i >= on_cycle { NONE } else { cur as u32 };
                        state[p] = DONE;
                    }
                }
            }
        }
        cycles
    }
}

impl<'a> LinkTables<'a> {
    /// The space of names called `name`, created if needed.
    fn space(&mut self, name: Cow<'a, [u8]>) -> usize {
        if let Some(i) = self.spaces.get_index_of(&*name) {
            return i;
        }
        self.spaces.insert_full(name, Space::new()).0
    }

    /// The hash of a name, for [`LinkTables::add_program_name_hashed`] and
    /// [`LinkTables::prefetch_program`].
    #[inline]
    pub fn hash(&self, key: &ExtName<'_>) -> u32 {
        let h = self.hasher.hash_one(key);
        (h ^ (h >> 32)) as u32
    }

    fn program_space(&self, ps: ShapeIdx) -> &Space<'a> {
        &self.spaces[self.program[ps].space as usize]
    }

    fn library_space(&self, ls: ShapeIdx) -> &Space<'a> {
        &self.spaces[self.library[ls].space as usize]
    }

    // The program's shapes.

    /// The program shape called `name`, created if needed.
    pub fn program_shape(&mut self, name: Cow<'a, [u8]>) -> ShapeIdx {
        let s = self.space(name);
        match self.spaces[s].program {
            NONE => {
                let ps = self.program.len();
                self.spaces[s].program = ps as u32;
                self.program.push(ProgramShape {
                    space: s as u32,
                    ..Default::default()
                });
                ps
            }
            ps => ps as usize,
        }
    }

    /// The program shape called `name`, if any.
    pub fn program_get(&self, name: &[u8]) -> Option<ShapeIdx> {
        match self.spaces.get(name)?.program {
            NONE => None,
            ps => Some(ps as usize),
        }
    }

    /// Number of program shapes.
    pub fn program_len(&self) -> usize {
        self.program.len()
    }

    /// The name of program shape `ps`.
    pub fn program_name(&self, ps: ShapeIdx) -> &[u8] {
        self.spaces
            .get_index(self.program[ps].space as usize)
            .expect("index in range")
            .0
    }

    /// Program shape `ps`.
    pub fn program(&self, ps: ShapeIdx) -> &ProgramShape {
        &self.program[ps]
    }

    /// Program shape `ps`, mutably.
    pub fn program_mut(&mut self, ps: ShapeIdx) -> &mut ProgramShape {
        &mut self.program[ps]
    }

    // The program's names.

    /// Looks up or enters a name of program shape `ps` through the renames; a name new
    /// to the program gets the shape's next output id and joins its pending list.
    /// Returns the name and whether it is new to the program.
    pub fn add_program_name(
        &mut self,
        ps: ShapeIdx,
        key: ExtName<'a>,
    ) -> Result<(NameIdx, bool), TooManyIds> {
        let hash = self.hash(&key);
        self.add_program_name_hashed(ps, key, hash)
    }

    /// Asks the processor to fetch where a name of hash `hash` (from
    /// [`LinkTables::hash`]) of program shape `ps` is looked up, so that the lookups of
    /// a capsule's names overlap instead of waiting for memory one after the other.
    #[inline]
    pub fn prefetch_program(&self, ps: ShapeIdx, hash: u32) {
        self.program_space(ps).prefetch(hash);
    }

    /// [`LinkTables::add_program_name`] of a name whose hash is known.
    #[inline]
    pub fn add_program_name_hashed(
        &mut self,
        ps: ShapeIdx,
        key: ExtName<'a>,
        hash: u32,
    ) -> Result<(NameIdx, bool), TooManyIds> {
        let shape = &mut self.program[ps];
        let space = &mut self.spaces[shape.space as usize];
        let (i, _) = space.enter(hash, key)?;
        let t = space.target(i);
        let name = &mut space.names[t as usize];
        if name.library.flags & PROGRAM != 0 {
            return Ok((t as usize, false));
        }
        let id = shape.alloc_id()?;
        name.library.flags |= PROGRAM;
        name.program.id = id;
        if name.library.flags & IN_PROGRAM_ORDER == 0 {
            // Reached without a redirect (a name met first by the libraries).
            name.library.flags |= IN_PROGRAM_ORDER;
            shape.order.push(t);
        }
        shape.pending.push(t);
        Ok((t as usize, true))
    }

    /// Looks a name of program shape `ps` up through renames; placeholders and names the
    /// program has not met count as absent.
    pub fn program_lookup(&self, ps: ShapeIdx, key: &ExtName<'_>) -> Option<NameIdx> {
        let space = self.program_space(ps);
        let t = space.target(space.find(self.hash(key), key)?);
        (space.names[t as usize].library.flags & PROGRAM != 0).then_some(t as usize)
    }

    /// The spelling of name `n` of program shape `ps`.
    pub fn program_key(&self, ps: ShapeIdx, n: NameIdx) -> &ExtName<'a> {
        &self.program_space(ps).names[n].key
    }

    /// The program's data of name `n` (a name the program has) of shape `ps`.
    pub fn program_entry(&self, ps: ShapeIdx, n: NameIdx) -> &NameEntry {
        let name = &self.program_space(ps).names[n];
        debug_assert!(name.library.flags & PROGRAM != 0);
        &name.program
    }

    /// The program's data of name `n` of shape `ps`, mutably.
    pub fn program_entry_mut(&mut self, ps: ShapeIdx, n: NameIdx) -> &mut NameEntry {
        let space = self.program[ps].space as usize;
        let name = &mut self.spaces[space].names[n];
        debug_assert!(name.library.flags & PROGRAM != 0);
        &mut name.program
    }

    /// The library's data of the program's name `n` of shape `ps`, if the libraries have
    /// the name (after renaming: the same rules apply on both sides).
    pub fn library_of(&self, ps: ShapeIdx, n: NameIdx) -> Option<&LibEntry> {
        let name = &self.program_space(ps).names[n];
        (name.library.flags & LIBRARY != 0).then_some(&name.library)
    }

    /// The program's names of shape `ps`, in the order it met them.
    pub fn program_names(
        &self,
        ps: ShapeIdx,
    ) -> impl Iterator<Item = (NameIdx, &ExtName<'a>, &NameEntry)> {
        let names = &self.program_space(ps).names;
        self.program[ps].order.iter().filter_map(move |&i| {
            let n = &names[i as usize];
            (n.library.flags & PROGRAM != 0 && n.redirect == NONE)
                .then_some((i as usize, &n.key, &n.program))
        })
    }

    /// Calls `f` on each of the program's names of shape `ps`, in order, mutably.
    pub fn program_names_mut(
        &mut self,
        ps: ShapeIdx,
        mut f: impl FnMut(&ExtName<'a>, &mut NameEntry),
    ) {
        let shape = &self.program[ps];
        let names = &mut self.spaces[shape.space as usize].names;
        for &i in &shape.order {
            let n = &mut names[i as usize];
            if n.library.flags & PROGRAM != 0 && n.redirect == NONE {
                f(&n.key, &mut n.program);
            }
        }
    }

    /// The names of program shape `ps` in the order the program met them (renamed names
    /// and placeholders included): the order of [`LinkTables::program_names`].
    pub fn program_order(&self, ps: ShapeIdx) -> &[u32] {
        &self.program[ps].order
    }

    /// Makes room for `additional` more names of program shape `ps` in its order.
    pub fn reserve_program_names(&mut self, ps: ShapeIdx, additional: usize) {
        self.program[ps].order.reserve(additional);
    }

    // The library's shapes and names.

    /// The library shape called `name`, created if needed.
    pub fn library_shape(&mut self, name: Cow<'a, [u8]>) -> ShapeIdx {
        let s = self.space(name);
        match self.spaces[s].library {
            NONE => {
                let ls = self.library.len();
                self.spaces[s].library = ls as u32;
                self.library.push(LibraryShape {
                    space: s as u32,
                    order: Vec::new(),
                });
                ls
            }
            ls => ls as usize,
        }
    }

    /// The library shape called `name`, if any.
    pub fn library_get(&self, name: &[u8]) -> Option<ShapeIdx> {
        match self.spaces.get(name)?.library {
            NONE => None,
            ls => Some(ls as usize),
        }
    }

    /// Number of library shapes.
    pub fn library_len(&self) -> usize {
        self.library.len()
    }

    /// The name of library shape `ls`.
    pub fn library_name(&self, ls: ShapeIdx) -> &[u8] {
        self.spaces
            .get_index(self.library[ls].space as usize)
            .expect("index in range")
            .0
    }

    /// Makes room for `additional` more names of library shape `ls`.
    pub fn reserve_library_names(&mut self, ls: ShapeIdx, additional: usize) {
        let shape = &mut self.library[ls];
        shape.order.reserve(additional);
        self.spaces[shape.space as usize].reserve(additional);
    }

    /// Looks up or enters a name of library shape `ls` through the renames. Returns the
    /// name and whether it is new to the libraries.
    pub fn add_library_name(
        &mut self,
        ls: ShapeIdx,
        key: ExtName<'a>,
    ) -> Result<(NameIdx, bool), TooManyIds> {
        let hash = self.hash(&key);
        let shape = &mut self.library[ls];
        let space = &mut self.spaces[shape.space as usize];
        let (i, _) = space.enter(hash, key)?;
        let t = space.target(i);
        let name = &mut space.names[t as usize];
        if name.library.flags & LIBRARY != 0 {
            return Ok((t as usize, false));
        }
        name.library.flags |= LIBRARY;
        if name.library.flags & IN_LIBRARY_ORDER == 0 {
            name.library.flags |= IN_LIBRARY_ORDER;
            shape.order.push(t);
        }
        Ok((t as usize, true))
    }

    /// Looks a name of library shape `ls` up through renames.
    pub fn library_lookup(&self, ls: ShapeIdx, key: &ExtName<'_>) -> Option<NameIdx> {
        let space = self.library_space(ls);
        let t = space.target(space.find(self.hash(key), key)?);
        (space.names[t as usize].library.flags & LIBRARY != 0).then_some(t as usize)
    }

    /// The spelling of name `n` of library shape `ls`.
    pub fn library_key(&self, ls: ShapeIdx, n: NameIdx) -> &ExtName<'a> {
        &self.library_space(ls).names[n].key
    }

    /// The library's data of name `n` of shape `ls`.
    pub fn library_entry(&self, ls: ShapeIdx, n: NameIdx) -> &LibEntry {
        &self.library_space(ls).names[n].library
    }

    /// The library's data of name `n` of shape `ls`, mutably.
    pub fn library_entry_mut(&mut self, ls: ShapeIdx, n: NameIdx) -> &mut LibEntry {
        let space = self.library[ls].space as usize;
        &mut self.spaces[space].names[n].library
    }

    /// Calls `f` on each of the library's names of shape `ls`, in order, mutably.
    pub fn library_names_mut(
        &mut self,
        ls: ShapeIdx,
        mut f: impl FnMut(&ExtName<'a>, &mut LibEntry),
    ) {
        let shape = &self.library[ls];
        let names = &mut self.spaces[shape.space as usize].names;
        for &i in &shape.order {
            let n = &mut names[i as usize];
            if n.library.flags & LIBRARY != 0 && n.redirect == NONE {
                f(&n.key, &mut n.library);
            }
        }
    }

    // Renames.

    /// Enters the rule "FROM means TO" (§5.3) for the shape called `shape` on both sides
    /// (creating the program's and the library's shape of that name). Call before any
    /// name is entered.
    pub fn add_rename(
        &mut self,
        shape: Cow<'a, [u8]>,
        from: ExtName<'a>,
        to: ExtName<'a>,
    ) -> Result<(), MultiplyRenamed> {
        let ps = self.program_shape(shape.clone());
        let ls = self.library_shape(shape);
        let (hf, ht) = (self.hash(&from), self.hash(&to));
        let s = self.program[ps].space as usize;
        let space = &mut self.spaces[s];
        if let Some(f) = space.find(hf, &from) {
            if space.names[f as usize].redirect != NONE {
                return Err(MultiplyRenamed);
            }
        }
        let (t, _) = space.enter(ht, to).map_err(|_| MultiplyRenamed)?;
        let (f, _) = space.enter(hf, from).map_err(|_| MultiplyRenamed)?;
        space.names[f as usize].redirect = t;
        for i in [t, f] {
            let name = &mut space.names[i as usize];
            if name.library.flags & IN_PROGRAM_ORDER == 0 {
                name.library.flags |= IN_PROGRAM_ORDER;
                self.program[ps].order.push(i);
            }
            if name.library.flags & IN_LIBRARY_ORDER == 0 {
                name.library.flags |= IN_LIBRARY_ORDER;
                self.library[ls].order.push(i);
            }
        }
        Ok(())
    }

    /// Points every renamed name of every shape straight at its final target (see
    /// [`LinkTables::add_rename`]); returns, per shape name, one name of each cycle.
    pub fn resolve_renames(&mut self) -> Vec<(Vec<u8>, Vec<NameIdx>)> {
        let mut all = Vec::new();
        for (name, space) in self.spaces.iter_mut() {
            let cycles = space.resolve_renames();
            if !cycles.is_empty() {
                all.push((name.to_vec(), cycles));
            }
        }
        all
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
/// are stored as bytes, one record after the other in chunks that never move, a list of
/// chunks per unit set. A record holds:
///
/// * LEB128 varints: the unit's capsule (an index into the capsules registered with
///   [`UnitSetTable::add_capsule`]) and whether its *layout* differs from the previous
///   unit's of the same set; if it does, the layout plus one (0: the unit declared no
///   counts); the offset and the length of its body in that capsule. The capsule is
///   stored as the difference from the previous unit of the same set (0 or 1, mostly),
///   doubled, plus one when the layout differs; the offset, within the same capsule,
///   from the end of that unit's body;
/// * for a counted unit, its *header*: a varint, the header's number of nibbles, then the
///   header itself, the unit's counts and links exactly as an output capsule encodes them
///   (TDFINTs, §2.4: the number of shapes, each shape's count, the number again, then
///   each shape's number of links and its links), with output ids, over the shapes of
///   its layout; a last odd nibble is padded with zeros to a byte.
///
/// A layout is the list of program shapes of a unit's capsule, in increasing order (the
/// order of the output), interned: capsules with the same shapes share one. When a
/// unit's layout is the output's list of shapes (every capsule of a link has the same
/// shapes, the usual case), the emitter copies the header as it is; otherwise it reads
/// the header and lays it out again over the output's shapes, with zeros for the shapes
/// the unit's capsule did not have. A header is as long as the unit's own in its input,
/// give or take the digits of the output ids: memory stays in proportion to the input.
#[derive(Debug, Clone)]
pub struct UnitSetTable<'a> {
    pub list: UnitSetList,
    capsules: Vec<&'a [u8]>,
    sets: Vec<SetRecords>,
    /// The layouts, numbered in the order they were met.
    layouts: FastIndexSet<Box<[u32]>>,
    /// The header of the unit being written ([`UnitWriter`]).
    header: Writer,
}

/// The units of one set.
#[derive(Debug, Clone, Default)]
struct SetRecords {
    /// The records; a record never spans chunks.
    chunks: Vec<Vec<u8>>,
    len: usize,
    /// The capsule, body end and layout code of the last unit: the next record is
    /// relative to them.
    last_capsule: u32,
    last_end: usize,
    last_layout: u64,
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
            layouts: FastIndexSet::default(),
            header: Writer::new(),
        }
    }

    /// Registers the capsule whose units follow; returns its number.
    pub fn add_capsule(&mut self, data: &'a [u8]) -> u32 {
        self.capsules.push(data);
        u32::try_from(self.capsules.len() - 1).expect("fewer than 2^32 capsules")
    }

    /// The number of the layout of `shapes` (program shapes in increasing order),
    /// interned if new.
    pub fn layout(&mut self, shapes: &[u32]) -> u32 {
        debug_assert!(shapes.windows(2).all(|w| w[0] < w[1]), "increasing shapes");
        let id = match self.layouts.get_index_of(shapes) {
            Some(id) => id,
            None => self.layouts.insert_full(shapes.into()).0,
        };
        u32::try_from(id).expect("fewer than 2^32 layouts")
    }

    /// The number of the layout of `shapes`, if some unit has it.
    pub fn find_layout(&self, shapes: &[u32]) -> Option<u32> {
        self.layouts.get_index_of(shapes).map(|id| id as u32)
    }

    /// The program shapes of layout `layout`, in increasing order.
    pub fn layout_shapes(&self, layout: u32) -> &[u32] {
        &self.layouts[layout as usize]
    }

    /// Adds a unit of set `set` (by order number) that declared no counts, from capsule
    /// `capsule`, whose body is `body` (a slice of the capsule).
    pub fn add_uncounted(&mut self, set: usize, capsule: u32, body: &[u8]) {
        self.header.clear();
        self.push_record(set, capsule, body, None);
    }

    /// Starts a counted unit of set `set` from capsule `capsule`, whose body is `body` (a
    /// slice of the capsule), laid out over the shapes of `layout`: its header follows
    /// through the [`UnitWriter`], and [`UnitWriter::finish`] stores the unit.
    pub fn begin_unit(
        &mut self,
        set: usize,
        capsule: u32,
        body: &'a [u8],
        layout: u32,
    ) -> UnitWriter<'_, 'a> {
        self.header.clear();
        UnitWriter {
            table: self,
            set,
            capsule,
            body,
            layout,
        }
    }

    /// Appends the record of a unit whose header (if counted) is in `self.header`.
    fn push_record(&mut self, set: usize, capsule: u32, body: &[u8], layout: Option<u32>) {
        let data = self.capsules[capsule as usize];
        let offset = (body.as_ptr() as usize).wrapping_sub(data.as_ptr() as usize);
        assert!(
            offset <= data.len() && body.len() <= data.len() - offset,
            "a unit body lies within its capsule"
        );
        let header = self.header.as_bytes();
        let room = 6 * MAX_VARINT + header.len();
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
        let code = layout.map_or(0, |l| u64::from(l) + 1);
        let changed = code != records.last_layout;
        records.last_capsule = capsule;
        records.last_end = offset + body.len();
        records.last_layout = code;
        let chunk = records.chunks.last_mut().expect("a chunk with room");
        put_varint(chunk, (u64::from(capsule_delta) << 1) | u64::from(changed));
        if changed {
            put_varint(chunk, code);
        }
        // The offset's lowest bit says whether it is relative to the last body's end.
        put_varint(chunk, ((offset_delta as u64) << 1) | u64::from(relative));
        put_varint(chunk, body.len() as u64);
        if code != 0 {
            put_varint(chunk, self.header.bit_len() / 4);
            chunk.extend_from_slice(header);
        }
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
        let mut units = Units {
            capsules: &self.capsules,
            chunks: &self.sets[set].chunks,
            ahead: Cursor::default(),
            ring: [Ahead::default(); LOOKAHEAD],
            next: 0,
            len: 0,
        };
        for _ in 0..LOOKAHEAD {
            units.look_ahead();
        }
        units
    }
}

/// Writes the header of the unit [`UnitSetTable::begin_unit`] started: the unit's counts
/// and links as the output encodes them over the shapes of its layout, TDFINT by TDFINT
/// ([`UnitWriter::int`]; a link is two), then [`UnitWriter::finish`].
#[derive(Debug)]
pub struct UnitWriter<'t, 'a> {
    table: &'t mut UnitSetTable<'a>,
    set: usize,
    capsule: u32,
    body: &'a [u8],
    layout: u32,
}

impl UnitWriter<'_, '_> {
    /// Appends one TDFINT of the header.
    #[inline]
    pub fn int(&mut self, v: u32) {
        self.table.header.write_tdfint(v);
    }

    /// Appends one link: its unit-scope id, then its output id.
    #[inline]
    pub fn link(&mut self, link: Link) {
        self.table.header.write_tdfint(link.internal);
        self.table.header.write_tdfint(link.external);
    }

    /// Stores the unit.
    pub fn finish(self) {
        let (set, capsule, body, layout) = (self.set, self.capsule, self.body, self.layout);
        self.table.push_record(set, capsule, body, Some(layout));
    }
}

/// Units the iterator of a unit set reads ahead, to have their bodies fetched into the
/// cache before they are needed.
const LOOKAHEAD: usize = 8;

/// A position in the records of a unit set.
#[derive(Debug, Clone, Copy, Default)]
struct Cursor {
    chunk: usize,
    pos: usize,
    /// The capsule, body end and layout code of the last unit read.
    capsule: usize,
    end: usize,
    layout: u64,
}

/// A unit read ahead.
#[derive(Debug, Clone, Copy, Default)]
struct Ahead<'a, 't> {
    body: &'a [u8],
    header: Option<UnitHeader<'t>>,
}

/// The iterator of [`UnitSetTable::units`].
///
/// The bodies of a unit set lie scattered over the input buffers (a library of ten
/// megabytes, one unit of the set in each member): read one after the other, nearly
/// every body missed the caches, and copying them took a sixth of a large link. The
/// iterator therefore reads the records `LOOKAHEAD` units ahead, into a ring, and
/// asks the processor to fetch each body as its record is read, so that it is in the
/// cache when needed.
#[derive(Debug, Clone)]
pub struct Units<'a, 't> {
    capsules: &'t [&'a [u8]],
    chunks: &'t [Vec<u8>],
    /// Where the next record to read ahead starts.
    ahead: Cursor,
    /// The units read ahead: `len` of them from `next` on, cyclically.
    ring: [Ahead<'a, 't>; LOOKAHEAD],
    next: usize,
    len: usize,
}

impl<'a, 't> Units<'a, 't> {
    /// Reads the next record ahead into the ring (which has room) and prefetches its
    /// body.
    #[inline]
    fn look_ahead(&mut self) {
        let c = &mut self.ahead;
        loop {
            match self.chunks.get(c.chunk) {
                None => return,
                Some(chunk) if c.pos == chunk.len() => {
                    c.chunk += 1;
                    c.pos = 0;
                }
                Some(_) => break,
            }
        }
        let chunk: &'t [u8] = &self.chunks[c.chunk];
        let pos = &mut c.pos;
        let first = get_varint(chunk, pos);
        c.capsule += (first >> 1) as usize;
        if first & 1 == 1 {
            c.layout = get_varint(chunk, pos);
        }
        let layout = c.layout;
        let offset = get_varint(chunk, pos);
        let offset = (offset >> 1) as usize + if offset & 1 == 1 { c.end } else { 0 };
        let len = get_varint(chunk, pos) as usize;
        let body = &self.capsules[c.capsule][offset..offset + len];
        c.end = offset + len;
        let header = if layout == 0 {
            None
        } else {
            let nibbles = get_varint(chunk, pos) as usize;
            let bytes = &chunk[*pos..*pos + nibbles.div_ceil(2)];
            *pos += bytes.len();
            Some(UnitHeader {
                layout: (layout - 1) as u32,
                nibbles,
                bytes,
            })
        };
        self.ring[(self.next + self.len) % LOOKAHEAD] = Ahead { body, header };
        self.len += 1;
        prefetch(body.as_ptr());
        if body.len() > 32 {
            prefetch(body.as_ptr().wrapping_add(body.len() - 1));
        }
    }

    /// The next unit.
    pub fn next_unit(&mut self) -> Option<StoredUnit<'a, 't>> {
        if self.len == 0 {
            return None;
        }
        let u = self.ring[self.next];
        self.next = (self.next + 1) % LOOKAHEAD;
        self.len -= 1;
        self.look_ahead();
        Some(StoredUnit {
            body: u.body,
            header: u.header,
        })
    }
}

impl<'a, 't> Iterator for Units<'a, 't> {
    type Item = StoredUnit<'a, 't>;

    fn next(&mut self) -> Option<StoredUnit<'a, 't>> {
        self.next_unit()
    }
}

/// A stored unit, as [`UnitSetTable::units`] gives it back.
#[derive(Debug, Clone, Copy)]
pub struct StoredUnit<'a, 't> {
    pub body: &'a [u8],
    /// `None` for a unit read with no counts.
    pub header: Option<UnitHeader<'t>>,
}

/// The counts and links of a stored unit as the output encodes them over the shapes of
/// its layout ([`UnitSetTable`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct UnitHeader<'t> {
    /// The layout ([`UnitSetTable::layout_shapes`]).
    pub layout: u32,
    /// The length of the header in nibbles.
    pub nibbles: usize,
    /// The header, a last odd nibble padded with zeros.
    pub bytes: &'t [u8],
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
        // A slot holds the entry's number plus one and, below 2^24 entries, 8 more bits
        // of its hash in the top byte: a slot of another name is then passed over
        // without fetching that entry, nearly always.
        let tagged = size <= 1 << 24;
        let number_mask = if tagged { 0x00FF_FFFFu32 } else { u32::MAX };
        let tag_of = |h: usize| {
            if tagged {
                h as u32 & 0xFF00_0000
            } else {
                0
            }
        };
        let hasher = crate::hash::NameHashBuilder::default();
        // The hashes first, in index order (reading the names in file order), so that
        // each entry's slot can be fetched some entries ahead: the slots are read in
        // random order, and waiting for each was half of the check.
        let mut hashes = Vec::with_capacity(total);
        for shape in &lib.index {
            for e in &shape.entries {
                use std::hash::{BuildHasher, Hash, Hasher};
                let mut h = hasher.build_hasher();
                shape.name.hash(&mut h);
                e.name.hash(&mut h);
                // 32 bits: the slot (below 2^24 slots, from the low 24) and the tag.
                hashes.push(h.finish() as u32);
            }
        }
        const AHEAD: usize = 16;
        for &h in hashes.iter().take(AHEAD) {
            prefetch(slots[h as usize & mask..].as_ptr().cast());
        }
        let mut repeated: FastHashMap<usize, (Usage, Option<u32>)> = FastHashMap::default();
        let mut flat = 0usize;
        for shape in &lib.index {
            for e in &shape.entries {
                if let Some(&next) = hashes.get(flat + AHEAD) {
                    prefetch(slots[next as usize & mask..].as_ptr().cast());
                }
                let h = hashes[flat] as usize;
                let tag = tag_of(h);
                let mut at = h & mask;
                let first = loop {
                    match slots[at] {
                        0 => {
                            let number = u32::try_from(flat + 1).expect("fewer than 2^32 names");
                            slots[at] = tag | number;
                            break None;
                        }
                        k if k & !number_mask == tag => {
                            let k = (k & number_mask) as usize;
                            let (os, oe) = locate(k - 1);
                            let other = &lib.index[os];
                            if other.name == shape.name && other.entries[oe].name == e.name {
                                break Some((k - 1, os, oe));
                            }
                        }
                        _ => {}
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
    /// A name's size is most of the linker's memory beside the inputs (600,000 names
    /// for 200,000 capsules): its flags live in the library entry's padding, its hash
    /// only in its slot, its defining capsules in 4 bytes each ([`Def`]).
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_name_takes_48_bytes() {
        assert_eq!(std::mem::size_of::<super::Name<'_>>(), 48);
        assert_eq!(std::mem::size_of::<Option<super::Def>>(), 4);
    }

    #[test]
    fn a_def_gives_back_its_index() {
        for i in [0, 1, 7, 1 << 20, u32::MAX - 1] {
            assert_eq!(Def::new(i).get(), i);
        }
        assert_ne!(Def::new(0), Def::new(1));
    }

    use super::*;

    fn s(x: &str) -> ExtName<'static> {
        ExtName::String(Cow::Owned(x.as_bytes().to_vec()))
    }

    #[test]
    fn transitive_renames() {
        let mut t = LinkTables::default();
        t.add_rename(Cow::Borrowed(b"tag"), s("a"), s("b")).unwrap();
        t.add_rename(Cow::Borrowed(b"tag"), s("b"), s("c")).unwrap();
        t.resolve_renames();
        let ps = t.program_get(b"tag").unwrap();
        let ls = t.library_get(b"tag").unwrap();
        let (c, created) = t.add_program_name(ps, s("a")).unwrap();
        assert!(created);
        assert_eq!(t.program_key(ps, c), &s("c"));
        assert_eq!(t.add_program_name(ps, s("b")).unwrap(), (c, false));
        assert_eq!(t.program_lookup(ps, &s("c")), Some(c));
        assert_eq!(t.program_names(ps).count(), 1);
        assert_eq!(
            t.add_rename(Cow::Borrowed(b"tag"), s("a"), s("d")),
            Err(MultiplyRenamed)
        );
        // The same rules on the library side: a library definition of `a` is one of `c`.
        assert_eq!(t.library_lookup(ls, &s("c")), None);
        let (l, created) = t.add_library_name(ls, s("a")).unwrap();
        assert!(created);
        assert_eq!(l, c);
        assert_eq!(t.library_key(ls, l), &s("c"));
        t.library_entry_mut(ls, l).def = Some(Def::new(7));
        assert_eq!(
            t.library_of(ps, c).and_then(|e| e.def).map(Def::get),
            Some(7)
        );
    }

    #[test]
    fn placeholders_are_absent_until_added() {
        let mut t = LinkTables::default();
        t.add_rename(Cow::Borrowed(b"tag"), s("x"), s("y")).unwrap();
        t.resolve_renames();
        let ps = t.program_get(b"tag").unwrap();
        assert_eq!(t.program_lookup(ps, &s("x")), None);
        assert_eq!(t.program_lookup(ps, &s("y")), None);
        assert_eq!(t.program_names(ps).count(), 0);
    }

    #[test]
    fn cycles_are_found() {
        let mut t = LinkTables::default();
        t.add_rename(Cow::Borrowed(b"tag"), s("a"), s("a")).unwrap();
        assert_eq!(t.resolve_renames()[0].1.len(), 1);
        let mut t = LinkTables::default();
        t.add_rename(Cow::Borrowed(b"tag"), s("a"), s("b")).unwrap();
        t.add_rename(Cow::Borrowed(b"tag"), s("b"), s("a")).unwrap();
        t.add_rename(Cow::Borrowed(b"tag"), s("c"), s("a")).unwrap();
        let cycles = t.resolve_renames();
        assert_eq!(cycles.len(), 1);
        assert_eq!(cycles[0].1.len(), 1);
        // Lookups terminate after a cycle.
        let ps = t.program_get(b"tag").unwrap();
        t.add_program_name(ps, s("c")).unwrap();
    }

    #[test]
    fn long_chain_is_iterative() {
        let mut t = LinkTables::default();
        let n = 100_000;
        for i in 0..n {
            t.add_rename(
                Cow::Borrowed(b"tag"),
                s(&format!("n{i}")),
                s(&format!("n{}", i + 1)),
            )
            .unwrap();
        }
        assert!(t.resolve_renames().is_empty());
        let ps = t.program_get(b"tag").unwrap();
        let (idx, _) = t.add_program_name(ps, s("n0")).unwrap();
        assert_eq!(t.program_key(ps, idx), &s(&format!("n{n}")));
        // A cycle closing the chain is found too.
        let mut t = LinkTables::default();
        for i in 0..n {
            t.add_rename(
                Cow::Borrowed(b"tag"),
                s(&format!("n{i}")),
                s(&format!("n{}", (i + 1) % n)),
            )
            .unwrap();
        }
        assert_eq!(t.resolve_renames()[0].1.len(), 1);
    }

    #[test]
    fn shapes_and_names_are_kept_in_each_sides_order() {
        let mut t = LinkTables::default();
        // The libraries meet `token` first, and `f` before `b`.
        let ltok = t.library_shape(Cow::Borrowed(b"token"));
        let ltag = t.library_shape(Cow::Borrowed(b"tag"));
        t.add_library_name(ltag, s("f")).unwrap();
        t.add_library_name(ltag, s("b")).unwrap();
        let tag = t.program_shape(Cow::Borrowed(b"tag"));
        let tok = t.program_shape(Cow::Borrowed(b"token"));
        assert_eq!(t.program_shape(Cow::Borrowed(b"tag")), tag);
        assert_eq!((tag, tok, ltok, ltag), (0, 1, 0, 1));
        let (a, _) = t.add_program_name(tag, s("a")).unwrap();
        let (b, _) = t.add_program_name(tag, s("b")).unwrap();
        assert_eq!(t.add_program_name(tag, s("a")).unwrap(), (a, false));
        assert_eq!(t.program_entry(tag, a).id, 0);
        assert_eq!(t.program_entry(tag, b).id, 1);
        assert_eq!(t.program_mut(tag).alloc_id(), Ok(2));
        assert_eq!(t.program(tag).pending, [a as u32, b as u32]);
        assert_eq!(t.program(tok).next_id, 0);
        let names: Vec<&[u8]> = (0..t.program_len()).map(|p| t.program_name(p)).collect();
        assert_eq!(names, [&b"tag"[..], b"token"]);
        let order: Vec<ExtName<'_>> = t.program_names(tag).map(|(_, k, _)| k.clone()).collect();
        assert_eq!(order, [s("a"), s("b")]);
        let mut lib = Vec::new();
        t.library_names_mut(ltag, |k, _| lib.push(k.clone()));
        assert_eq!(lib, [s("f"), s("b")]);
        // `b` is one name on both sides; `a` is the program's only.
        assert!(t.library_of(tag, b).is_some());
        assert!(t.library_of(tag, a).is_none());
        assert_eq!(t.library_lookup(ltag, &s("a")), None);
    }

    #[test]
    fn stored_units_read_back() {
        let data: Vec<u8> = (0..=255u8).cycle().take(3 * LAST_CHUNK).collect();
        let mut t = UnitSetTable::new(UnitSetList::default());
        let mut c = 0;
        let layouts = [t.layout(&[0, 9]), t.layout(&[1, 2, 4]), t.layout(&[0, 9])];
        assert_eq!(layouts[0], layouts[2]);
        assert_eq!(t.layout_shapes(layouts[1]), [1, 2, 4]);
        assert_eq!(t.find_layout(&[1, 2, 4]), Some(layouts[1]));
        assert_eq!(t.find_layout(&[1, 2]), None);
        // The numbers of unit i's header: its layout, then TDFINTs of every size.
        let header = |i: usize| -> (u32, Vec<u32>) {
            let links = if i == 500 { LAST_CHUNK } else { i % 3 };
            let mut v = vec![2, (i % 5) as u32, i as u32, 2, links as u32];
            for k in 0..links {
                v.extend([k as u32, (i * k) as u32]);
            }
            v.push(0);
            (layouts[i % 2], v)
        };
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
                t.add_uncounted(set, c, body);
                continue;
            }
            let (layout, numbers) = header(i);
            let mut u = t.begin_unit(set, c, body, layout);
            for v in numbers {
                u.int(v);
            }
            u.finish();
        }
        assert!(t.sets[3].chunks.len() >= 2);
        for set in [3, 4] {
            assert_eq!(t.len(set), 50_000);
            for (j, u) in t.units(set).enumerate() {
                let i = 2 * j + set - 3;
                let cap = &data[(i / 25) % 7..];
                assert_eq!(u.body, &cap[i % 1000..i % 1000 + i % 50]);
                assert_eq!(u.body.as_ptr(), cap[i % 1000..].as_ptr());
                let Some(h) = u.header else {
                    assert_eq!(i % 7, 0);
                    continue;
                };
                let (layout, numbers) = header(i);
                assert_eq!(h.layout, layout);
                let mut w = Writer::new();
                for &v in &numbers {
                    w.write_tdfint(v);
                }
                assert_eq!(h.nibbles as u64, w.bit_len() / 4);
                assert_eq!(h.bytes, w.as_bytes());
            }
        }
        assert!(t.is_empty(0));
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
    fn index_library(entries: &[(&str, &str, &str, Usage)]) -> crate::library::Library<'static> {
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
        crate::library::Library {
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
