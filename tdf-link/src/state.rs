//! The state of one link: the tables of §5.1 ([`Linker`]) and the names of the capsules
//! read into it. Every phase takes a `&mut Linker`; the driver (`link.rs`) creates it and
//! passes it from phase to phase. This module imports no phase.
//!
//! Memory: the tables borrow names and unit bodies from the input buffers, which the
//! driver owns for the whole link. A capsule is decoded into one reused [`FlatCapsule`]
//! and entered into the tables from there, so loading allocates only as the tables grow;
//! the counts and links of the units are kept compactly ([`UnitSetTable`]).

use std::borrow::Cow;

use tdf_core::capsule::FlatCapsule;
use tdf_core::hash::FastHashMap;
use tdf_core::tables::{LinkTables, MappingTable, ShapeIdx, UnitSetTable};
use tdf_core::UnitSetList;

use crate::trace::Trace;

/// A capsule read into the link: an input file, as given, or a capsule of a library (an
/// index into [`Linker::lib_capsules`]). Diagnostics name them `FILE` and
/// `LIBPATH(CAPSULENAME)` ([`Linker::capsule_text`]); the text is only made when needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapsuleName<'a> {
    File(&'a str),
    Member(u32),
}

impl<'a> From<&'a str> for CapsuleName<'a> {
    fn from(file: &'a str) -> Self {
        CapsuleName::File(file)
    }
}

/// A capsule of a library, which the resolution phase may load.
#[derive(Debug)]
pub struct LibCapsule<'a> {
    /// The library, an index into [`Linker::libraries`].
    pub library: u32,
    /// The capsule's stored name.
    pub name: Cow<'a, [u8]>,
    /// The complete capsule file, inside the library's buffer.
    pub data: &'a [u8],
}

/// The state of one link: the tables of §5.1.
#[derive(Debug)]
pub struct Linker<'a> {
    /// The configured unit sets and the units read so far.
    pub units: UnitSetTable<'a>,
    /// The shape and name tables of the program (the names of the capsules linked) and
    /// of the libraries (the merged library indices), one table of names per shape shared
    /// by both. A program name's `def` indexes [`Linker::capsules`], a library name's
    /// [`Linker::lib_capsules`].
    pub tables: LinkTables<'a>,
    /// Names of the capsules read (inputs, then loaded library capsules).
    pub capsules: Vec<CapsuleName<'a>>,
    /// Every capsule of every library read.
    pub lib_capsules: Vec<LibCapsule<'a>>,
    /// The path of every library read, as diagnostics name it.
    pub libraries: Vec<&'a str>,
    /// The major version fixed by the first capsule or library read.
    pub major: Option<u32>,
    /// The maximum minor version of the capsules read.
    pub minor: u32,
    /// Per program shape: some stored unit has a non-zero count for it.
    pub counted: Vec<bool>,
    /// The observers.
    pub trace: Trace,
    /// Reused while loading: the capsule being read, its id map, and the program shape
    /// of each of its shapes.
    pub(crate) flat: FlatCapsule<'a>,
    pub(crate) map: MappingTable,
    pub(crate) shape_idx: Vec<ShapeIdx>,
    /// The hash of each of the capsule's external names.
    pub(crate) hashes: Vec<u32>,
    /// The capsule's shapes (by number) in increasing order of their program shapes.
    pub(crate) shape_order: Vec<usize>,
    /// Those program shapes, in that order: the capsule's layout of units.
    pub(crate) layout: Vec<u32>,
    /// The first shape names met and their program shapes ([`Linker::program_shape_of`]).
    recent_shapes: Vec<(&'a [u8], ShapeIdx)>,
    /// With `--check`: every capsule's bodies are decoded (into this, reused) and what
    /// is damaged reported.
    pub check: Option<Box<tdf_core::decode::Decoded>>,
    /// The accepted rename rules as diagnostics print them: (shape, from) → to. A
    /// capsule rejected for a name's usage names it as renamed (see `load.rs`).
    pub renamed: FastHashMap<(String, String), String>,
}

impl<'a> Linker<'a> {
    /// An empty link with this unit set list.
    pub fn new(list: UnitSetList, trace: Trace) -> Self {
        Linker {
            units: UnitSetTable::new(list),
            tables: LinkTables::default(),
            capsules: Vec::new(),
            lib_capsules: Vec::new(),
            libraries: Vec::new(),
            major: None,
            minor: 0,
            counted: Vec::new(),
            trace,
            flat: FlatCapsule::new(),
            map: MappingTable::default(),
            shape_idx: Vec::new(),
            shape_order: Vec::new(),
            layout: Vec::new(),
            recent_shapes: Vec::new(),
            hashes: Vec::new(),
            check: None,
            renamed: FastHashMap::default(),
        }
    }

    /// How diagnostics name a capsule: `FILE` or `LIBPATH(CAPSULENAME)`.
    pub fn capsule_text(&self, name: &CapsuleName<'_>) -> String {
        match *name {
            CapsuleName::File(s) => s.to_owned(),
            CapsuleName::Member(c) => {
                let c = &self.lib_capsules[c as usize];
                let library = self.libraries[c.library as usize];
                format!("{library}({})", tdf_core::show_bytes(&c.name))
            }
        }
    }

    /// [`Linker::program_shape`] of a capsule's shape name. Every capsule names the same
    /// few shapes (`tag`, `token`, ...): the first few names met are compared byte for
    /// byte before the table hashes a name. Hashing them took 11 M of the 519 M
    /// instructions of a link against a 20,000-member library; with the comparison the
    /// link runs 513 M (callgrind; TenDRA's `tld` takes 5.8–6.3 s for that link on the
    /// machine measured, where ours takes about 0.1 s).
    pub fn program_shape_of(&mut self, name: &'a [u8]) -> ShapeIdx {
        const RECENT: usize = 8;
        if let Some(&(_, ps)) = self.recent_shapes.iter().find(|(n, _)| *n == name) {
            return ps;
        }
        let ps = self.program_shape(Cow::Borrowed(name));
        if self.recent_shapes.len() < RECENT {
            self.recent_shapes.push((name, ps));
        }
        ps
    }

    /// The program shape called `name`, created if needed.
    pub fn program_shape(&mut self, name: Cow<'a, [u8]>) -> ShapeIdx {
        let idx = self.tables.program_shape(name);
        if self.counted.len() <= idx {
            self.counted.resize(idx + 1, false);
        }
        idx
    }
}

/// A shape name for messages.
pub fn shape_text(shape: &[u8]) -> String {
    tdf_core::show_bytes(shape)
}
