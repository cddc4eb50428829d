//! The capsule (`.j` file, §2): model, reader and writer.
//!
//! [`Capsule::read`] decodes a whole capsule from one borrowed buffer and performs every
//! structural check of §2.8 and the linker-information checks of §3, in the order TenDRA's
//! `tld` performs them, stopping at the first failure with a catalogue diagnostic located
//! at the byte (and bit) where the offending item starts. Unit bodies are borrowed, never
//! copied. [`Capsule::write`] encodes a model; for a capsule read from a file written by a
//! TDF producer, `write(read(bytes)) == bytes`.
//!
//! The checking reader itself is [`FlatCapsule::read`]: it decodes into flat vectors that
//! are reused from one capsule to the next, which is how the linker and the librarian read
//! thousands of capsules without allocating for each; [`Capsule::read`] builds the model
//! from it, so both apply the same checks.
//!
//! [`FlatCapsule::read_lenient`] is the same reader for viewers of damaged capsules
//! (`tshow -d`, `--check`): data cut short keeps the units read so far. And
//! [`Capsule::read_for_inspection`] (and [`FlatCapsule::read_for_inspection`]) is the same
//! reader for inspection (`tshow`): a failed check after which the rest of the capsule can
//! still be decoded (an unsupported major version, an unknown, repeated or misplaced unit
//! set, a repeated shape, a bad name id, bad linker information, a link id out of range,
//! bytes after the end) is collected as a problem and reading goes on; only what stops
//! the decoding itself (a bad magic number, the end of the data, counts that do not
//! match) fails. A broken linker-information unit is then read as an ordinary unit, and
//! every usage is left unknown ([`LinkInfoKind::Missing`]).
//!
//! The reader decides nothing about linking: merging names across capsules, renaming and
//! the output id space belong to the linker's tables.

use std::borrow::Cow;
use std::ops::Range;

use tdf_errors::{Diagnostic, Kind};

use crate::bits::{len_u32, Reader, Writer};
use crate::diag::DiagResult;
use crate::hash::FastHashSet;
use crate::linkinfo::{check_usage, LinkInfoKind, Usage, UsageError};
use crate::name::show_bytes;
use crate::name::ExtName;
use crate::unitset::UnitSetList;

/// The 4-byte magic number of a capsule.
pub const CAPSULE_MAGIC: &[u8; 4] = b"TDFC";

/// The failed checks an inspection ([`Capsule::read_for_inspection`]) keeps; the rest are
/// only counted, so that a damaged capsule failing a check at nearly every byte costs
/// memory and output in proportion to this, not to its size.
pub const MAX_PROBLEMS: usize = 100;

/// A decoded capsule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capsule<'a> {
    /// Major version (at least 4).
    pub major: u32,
    /// Minor version.
    pub minor: u32,
    /// The shapes (linkable entity kinds) in capsule order, with their external names.
    pub shapes: Vec<Shape<'a>>,
    /// The unit sets present, in capsule order, each with its units.
    pub groups: Vec<Group<'a>>,
    /// Which linker-information unit the capsule carries.
    pub linkinfo: LinkInfoKind,
    /// Warnings found while reading (obsolete `tld2`, no linker information).
    pub warnings: Vec<Diagnostic>,
    /// Encoding detail: the producer byte-aligned before every unit set and shape name
    /// (TenDRA's `tpl` does; the reader sees the pad nibble as a leading zero digit).
    /// Kept so that such a capsule writes back byte-identical.
    pub aligned_idents: bool,
}

/// One shape of a capsule: its name, the number of capsule-scope ids, and the external
/// names bound to some of those ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape<'a> {
    pub name: Cow<'a, [u8]>,
    pub num_ids: u32,
    pub externs: Vec<External<'a>>,
}

/// An external name bound to a capsule-scope id, with its usage in this capsule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct External<'a> {
    pub id: u32,
    pub name: ExtName<'a>,
    /// From the linker-information unit; empty when there is none.
    pub usage: Usage,
    /// Byte offset of the usage in the file (of the name when there is no usage), for
    /// diagnostics.
    pub offset: u64,
}

/// The units of one unit set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group<'a> {
    pub name: Cow<'a, [u8]>,
    pub units: Vec<Unit<'a>>,
}

/// One unit: per-shape unit-scope id counts and links, and the opaque body.
/// `counts` and `links` are both empty (the unit declared no counts) or both have one
/// entry per shape of the capsule, in shape order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit<'a> {
    pub counts: Vec<u32>,
    pub links: Vec<Vec<Link>>,
    pub body: Cow<'a, [u8]>,
}

/// A link from a unit-scope id to a capsule-scope id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Link {
    pub internal: u32,
    pub external: u32,
}

/// How to read a capsule.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions<'s> {
    /// The configured unit set list.
    pub unit_sets: &'s UnitSetList,
    /// The major version fixed by earlier inputs, if any.
    pub established_major: Option<u32>,
}

impl<'a> Capsule<'a> {
    /// Reads a capsule with the built-in unit set list and no established version.
    pub fn read(data: &'a [u8]) -> DiagResult<Capsule<'a>> {
        let sets = UnitSetList::default();
        Capsule::read_with(
            data,
            ReadOptions {
                unit_sets: &sets,
                established_major: None,
            },
        )
    }

    /// Reads and checks a capsule (§2.8, §3). The diagnostic has no file name; the caller
    /// adds it.
    pub fn read_with(data: &'a [u8], opts: ReadOptions<'_>) -> DiagResult<Capsule<'a>> {
        let mut flat = FlatCapsule::new();
        flat.read(data, opts)?;
        Ok(flat.to_capsule())
    }

    /// Reads a capsule for inspection, with the built-in unit set list (see the module
    /// documentation): the capsule, or the error that stopped the decoding, and the failed
    /// checks read past until then, in file order (the first [`MAX_PROBLEMS`], then one
    /// `more_problems_omitted` counting the rest). When the strict [`Capsule::read`]
    /// fails, its error is the first of these problems, or else the error here.
    pub fn read_for_inspection(data: &'a [u8]) -> (DiagResult<Capsule<'a>>, Vec<Diagnostic>) {
        let sets = UnitSetList::default();
        let mut flat = FlatCapsule::new();
        let read = flat.read_for_inspection(
            data,
            ReadOptions {
                unit_sets: &sets,
                established_major: None,
            },
        );
        let mut problems = std::mem::take(&mut flat.problems);
        if flat.problems_omitted > 0 {
            problems.push(Diagnostic::new(Kind::more_problems_omitted(
                flat.problems_omitted,
            )));
        }
        (read.map(|()| flat.to_capsule()), problems)
    }

    /// Encodes this capsule.
    pub fn write(&self, w: &mut Writer) {
        w.write_bytes(CAPSULE_MAGIC);
        w.write_tdfint(self.major);
        w.write_tdfint(self.minor);
        w.align();
        let ident = |w: &mut Writer, s: &[u8]| {
            if self.aligned_idents {
                w.align();
            }
            w.write_ident(s);
        };
        w.write_tdfint(len_u32(self.groups.len()));
        for g in &self.groups {
            ident(w, &g.name);
        }
        w.write_tdfint(len_u32(self.shapes.len()));
        for s in &self.shapes {
            ident(w, &s.name);
            w.write_tdfint(s.num_ids);
        }
        w.write_tdfint(len_u32(self.shapes.len()));
        for s in &self.shapes {
            w.write_tdfint(len_u32(s.externs.len()));
            for e in &s.externs {
                w.write_tdfint(e.id);
                e.name.write(w);
            }
        }
        w.write_tdfint(len_u32(self.groups.len()));
        for g in &self.groups {
            w.write_tdfint(len_u32(g.units.len()));
            for u in &g.units {
                u.write(w);
            }
        }
        w.align();
    }

    /// The encoded capsule as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(self.size_hint());
        self.write(&mut w);
        w.finish()
    }

    fn size_hint(&self) -> usize {
        self.groups
            .iter()
            .flat_map(|g| g.units.iter())
            .map(|u| u.body.len() + 8)
            .sum::<usize>()
            + 256
    }

    /// The group of a unit set, if present.
    pub fn group(&self, name: &[u8]) -> Option<&Group<'a>> {
        self.groups.iter().find(|g| &*g.name == name)
    }
}

impl Unit<'_> {
    /// Encodes this unit.
    pub fn write(&self, w: &mut Writer) {
        w.write_tdfint(len_u32(self.counts.len()));
        for &c in &self.counts {
            w.write_tdfint(c);
        }
        w.write_tdfint(len_u32(self.links.len()));
        for set in &self.links {
            w.write_tdfint(len_u32(set.len()));
            for l in set {
                w.write_tdfint(l.internal);
                w.write_tdfint(l.external);
            }
        }
        w.write_bytestream(&self.body);
    }
}

/// A capsule decoded into flat vectors: the form in which the linker and the librarian
/// read capsules, and from which [`Capsule`] is built.
///
/// One `FlatCapsule` serves capsule after capsule: [`FlatCapsule::read`] clears it and
/// refills its vectors, so once they have grown to the largest capsule, reading
/// allocates nothing (the component list of a unique name excepted). Unit bodies,
/// identifiers and names borrow from the input. Each shape names its range of
/// `externs`, each group its range of `units`, each counted unit its range of
/// `unit_shapes` (one per shape of the capsule, in shape order), and each of those its
/// range of `links`.
#[derive(Debug, Clone)]
pub struct FlatCapsule<'a> {
    /// Major version (at least 4).
    pub major: u32,
    /// Minor version.
    pub minor: u32,
    /// The shapes, in capsule order.
    pub shapes: Vec<FlatShape<'a>>,
    /// The external names of every shape, shape after shape.
    pub externs: Vec<External<'a>>,
    /// The unit sets present, in capsule order.
    pub groups: Vec<FlatGroup<'a>>,
    /// The units of every group, group after group.
    pub units: Vec<FlatUnit<'a>>,
    /// The per-shape counts and links of the counted units.
    pub unit_shapes: Vec<UnitShape>,
    /// The links of every unit and shape.
    pub links: Vec<Link>,
    /// Which linker-information unit the capsule carries.
    pub linkinfo: LinkInfoKind,
    /// Warnings found while reading (obsolete `tld2`, no linker information).
    pub warnings: Vec<Diagnostic>,
    /// See [`Capsule::aligned_idents`].
    pub aligned_idents: bool,
    /// After [`FlatCapsule::read_lenient`]: the byte where the data ended inside the
    /// units, if it did.
    pub cut: Option<u64>,
    /// The bytes read (the unit bodies are slices of them).
    pub input: &'a [u8],
    /// The failed checks [`FlatCapsule::read_for_inspection`] read past (empty after
    /// the other reads), the first [`MAX_PROBLEMS`] of them.
    pub problems: Vec<Diagnostic>,
    /// How many more failed checks were read past than [`FlatCapsule::problems`] keeps.
    pub problems_omitted: u64,
    scratch: Scratch<'a>,
}

/// One shape of a [`FlatCapsule`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlatShape<'a> {
    pub name: &'a [u8],
    pub num_ids: u32,
    /// Its external names, as a range of [`FlatCapsule::externs`].
    pub externs: Range<usize>,
}

/// One unit set of a [`FlatCapsule`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlatGroup<'a> {
    pub name: &'a [u8],
    /// Its order number in the unit set list the capsule was read with.
    pub set: usize,
    /// Its units, as a range of [`FlatCapsule::units`].
    pub units: Range<usize>,
}

/// One unit of a [`FlatCapsule`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlatUnit<'a> {
    pub body: &'a [u8],
    /// Its counts and links, as a range of [`FlatCapsule::unit_shapes`]: empty when the
    /// unit declared no counts, else one entry per shape of the capsule.
    pub shapes: Range<usize>,
}

/// The unit-scope id count and the links of one unit for one shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitShape {
    pub count: u32,
    /// The links, as a range of [`FlatCapsule::links`].
    pub links: Range<usize>,
}

/// Reusable working storage of the reader.
#[derive(Debug, Clone, Default)]
struct Scratch<'a> {
    set_positions: Vec<usize>,
    /// The ids bound so far in one shape, as a bitmap.
    id_bits: Vec<u64>,
    /// The shape names so far, once there are too many to compare one by one.
    shape_names: FastHashSet<&'a [u8]>,
    /// Reading for [`FlatCapsule::read_lenient`].
    lenient: bool,
    /// Reading for [`FlatCapsule::read_for_inspection`]: failed checks are collected.
    inspecting: bool,
}

impl Default for FlatCapsule<'_> {
    fn default() -> Self {
        FlatCapsule {
            major: 0,
            minor: 0,
            shapes: Vec::new(),
            externs: Vec::new(),
            groups: Vec::new(),
            units: Vec::new(),
            unit_shapes: Vec::new(),
            links: Vec::new(),
            linkinfo: LinkInfoKind::Missing,
            warnings: Vec::new(),
            aligned_idents: false,
            cut: None,
            input: &[],
            problems: Vec::new(),
            problems_omitted: 0,
            scratch: Scratch::default(),
        }
    }
}

/// A diagnostic located at byte `offset`.
fn at(kind: Kind, offset: u64) -> Box<Diagnostic> {
    Box::new(Diagnostic::new(kind).at_byte(offset))
}

/// The order number of unit set `name`. The built-in list has 12 names: comparing them
/// one by one is cheaper than hashing the name.
fn set_position(sets: &UnitSetList, name: &[u8]) -> Option<usize> {
    if sets.len() <= 32 {
        (0..sets.len()).find(|&i| sets.name(i) == name)
    } else {
        sets.position(name)
    }
}

/// Shapes compared one by one before a hash set takes over.
const FEW_SHAPES: usize = 16;

/// The `set` of a [`FlatGroup`] whose name failed a check in
/// [`FlatCapsule::read_for_inspection`] (unknown, repeated, out of order): its units are
/// read as ordinary units.
pub const UNCHECKED_SET: usize = usize::MAX;

impl<'a> FlatCapsule<'a> {
    /// An empty capsule, to read into.
    pub fn new() -> Self {
        FlatCapsule::default()
    }

    /// The external names of shape `s`.
    pub fn externs_of(&self, s: &FlatShape<'_>) -> &[External<'a>] {
        &self.externs[s.externs.clone()]
    }

    /// The counts and links of unit `u` (empty when it declared no counts).
    pub fn shapes_of(&self, u: &FlatUnit<'_>) -> &[UnitShape] {
        &self.unit_shapes[u.shapes.clone()]
    }

    /// The links of one unit and shape.
    pub fn links_of(&self, us: &UnitShape) -> &[Link] {
        &self.links[us.links.clone()]
    }

    /// The model of the capsule read.
    pub fn to_capsule(&self) -> Capsule<'a> {
        let shapes = self
            .shapes
            .iter()
            .map(|s| Shape {
                name: Cow::Borrowed(s.name),
                num_ids: s.num_ids,
                externs: self.externs_of(s).to_vec(),
            })
            .collect();
        let groups = self
            .groups
            .iter()
            .map(|g| Group {
                name: Cow::Borrowed(g.name),
                units: self.units[g.units.clone()]
                    .iter()
                    .map(|u| Unit {
                        counts: self.shapes_of(u).iter().map(|us| us.count).collect(),
                        links: self
                            .shapes_of(u)
                            .iter()
                            .map(|us| self.links_of(us).to_vec())
                            .collect(),
                        body: Cow::Borrowed(u.body),
                    })
                    .collect(),
            })
            .collect();
        Capsule {
            major: self.major,
            minor: self.minor,
            shapes,
            groups,
            linkinfo: self.linkinfo,
            warnings: self.warnings.clone(),
            aligned_idents: self.aligned_idents,
        }
    }

    fn clear(&mut self) {
        self.shapes.clear();
        self.externs.clear();
        self.groups.clear();
        self.units.clear();
        self.unit_shapes.clear();
        self.links.clear();
        self.warnings.clear();
        self.problems.clear();
        self.problems_omitted = 0;
        self.linkinfo = LinkInfoKind::Missing;
        self.aligned_idents = false;
        self.cut = None;
        self.scratch.set_positions.clear();
        self.scratch.shape_names.clear();
    }

    /// Reads and checks a capsule (§2.8, §3), replacing what was read before. The checks
    /// are TenDRA's, in its order; the first failure is returned as a diagnostic located
    /// at the byte where the offending item starts, without a file name (the caller adds
    /// it). After a failure the contents are unspecified.
    pub fn read(&mut self, data: &'a [u8], opts: ReadOptions<'_>) -> DiagResult<()> {
        self.clear();
        self.input = data;
        let sets = opts.unit_sets;
        let r = &mut Reader::new(data);
        // 1. Magic.
        if data.len() < 4 {
            return Err(Box::new(
                r.error(crate::bits::ReadErrorKind::UnexpectedEof)
                    .diagnostic(),
            ));
        }
        let magic = r.read_bytes(4)?;
        if magic != CAPSULE_MAGIC {
            return Err(at(Kind::capsule_bad_magic(show_bytes(magic)), 0));
        }
        // 2. Version.
        let off = r.byte_pos();
        let major = r.read_tdfint()?;
        if let Err(d) = check_major(major, off, opts.established_major, VersionKinds::CAPSULE) {
            self.problem(d)?;
        }
        let minor = r.read_tdfint()?;
        r.align();
        self.major = major;
        self.minor = minor;

        // 3. Unit set names.
        let n = r.read_tdfint()?;
        let mut style = IdentStyle::default();
        for _ in 0..n {
            let off = r.byte_pos();
            style.observe(r);
            let name = r.read_ident()?;
            let shown = || show_bytes(name);
            // A set that fails a check is read as an ordinary one (when inspecting).
            let unchecked = FlatGroup {
                name,
                set: UNCHECKED_SET,
                units: 0..0,
            };
            let Some(pos) = set_position(sets, name) else {
                self.problem(at(Kind::unknown_unit_set_name(shown()), off))?;
                self.groups.push(unchecked);
                continue;
            };
            // Positions are distinct and increasing, so at most one per known set.
            let positions = &self.scratch.set_positions;
            let misplaced = if positions.contains(&pos) {
                Some(Kind::duplicate_unit_set_name(shown()))
            } else if positions.iter().any(|&p| p > pos) {
                Some(Kind::out_of_order_unit_set_name(shown()))
            } else {
                None
            };
            if let Some(kind) = misplaced {
                self.problem(at(kind, off))?;
                self.groups.push(unchecked);
                continue;
            }
            if pos == sets.tld() || Some(pos) == sets.tld2() {
                if self.linkinfo != LinkInfoKind::Missing {
                    self.problem(at(Kind::extra_tld_unit_set(), off))?;
                    self.groups.push(unchecked);
                    continue;
                }
                if pos == sets.tld() {
                    self.linkinfo = LinkInfoKind::Tld(1);
                } else {
                    self.linkinfo = LinkInfoKind::Tld2;
                    self.warnings
                        .push(Diagnostic::new(Kind::tld2_unit_set_obsolete()).at_byte(off));
                }
            }
            self.scratch.set_positions.push(pos);
            self.groups.push(FlatGroup {
                name,
                set: pos,
                units: 0..0,
            });
        }
        if self.linkinfo == LinkInfoKind::Missing {
            self.warnings
                .push(Diagnostic::new(Kind::missing_tld_unit_set()));
        }

        // 4. Shapes.
        let n = r.read_tdfint()?;
        for _ in 0..n {
            let off = r.byte_pos();
            style.observe(r);
            let name = r.read_ident()?;
            let num_ids = r.read_tdfint()?;
            if self.shape_seen(name) {
                self.problem(at(Kind::duplicate_shape_name(show_bytes(name)), off))?;
            }
            self.shapes.push(FlatShape {
                name,
                num_ids,
                externs: 0..0,
            });
        }
        self.aligned_idents = style.aligned();

        // 5. External linkage.
        let off = r.byte_pos();
        let n = r.read_tdfint()?;
        if n as usize != self.shapes.len() {
            return Err(at(
                Kind::shape_and_name_count_mismatch(n.into(), self.shapes.len() as u64),
                off,
            ));
        }
        for si in 0..self.shapes.len() {
            self.read_externs(r, si)?;
        }

        // 6. Groups.
        let off = r.byte_pos();
        let n = r.read_tdfint()?;
        if n as usize != self.groups.len() {
            return Err(at(
                Kind::unit_set_count_mismatch(n.into(), self.groups.len() as u64),
                off,
            ));
        }
        for gi in 0..self.groups.len() {
            let set = self.groups[gi].set;
            let start = self.units.len();
            if self.cut.is_none() {
                let read = if set == sets.tld() || Some(set) == sets.tld2() {
                    let saved = r.clone();
                    match self.read_tld_group(r, set == sets.tld()) {
                        Ok(format) => {
                            if let LinkInfoKind::Tld(_) = self.linkinfo {
                                self.linkinfo = LinkInfoKind::Tld(format);
                            }
                            Ok(())
                        }
                        Err(d) if self.scratch.inspecting => {
                            // Read as ordinary units; the usages are unknown.
                            *r = saved;
                            self.units.truncate(start);
                            let first = self.problems.len();
                            let omitted = self.problems_omitted;
                            if self.read_units(r, gi).is_err() {
                                // What the retry found is not kept: the error is this one.
                                self.problems.truncate(first);
                                self.problems_omitted = omitted;
                                return Err(d);
                            }
                            self.problems.insert(first, *d);
                            self.linkinfo = LinkInfoKind::Missing;
                            for e in &mut self.externs {
                                e.usage = Usage::NONE;
                            }
                            Ok(())
                        }
                        Err(d) => Err(d),
                    }
                } else {
                    self.read_units(r, gi)
                };
                match read {
                    Err(e) if self.scratch.lenient && e.code() == "E0401" => {
                        self.cut = Some(e.offset().unwrap_or(r.byte_pos()));
                    }
                    other => other?,
                }
            }
            self.groups[gi].units = start..self.units.len();
        }
        if self.cut.is_some() {
            return Ok(());
        }

        // 7. End of file.
        r.align();
        if !r.at_end() {
            let extra = at(Kind::tdf_expected_eof(), r.byte_pos());
            if self.scratch.inspecting {
                return self.problem(extra);
            }
            if self.scratch.lenient {
                self.warnings.push(*extra);
                return Ok(());
            }
            return Err(extra);
        }
        Ok(())
    }

    /// Reads like [`FlatCapsule::read`], for a viewer of damaged capsules: data ending
    /// inside the units keeps the units read so far, the last body cut at the end of the
    /// data, and records where in [`FlatCapsule::cut`]; data after the end of the
    /// capsule is a warning (in [`FlatCapsule::warnings`]), not an error. Every other
    /// problem fails as in [`FlatCapsule::read`].
    pub fn read_lenient(&mut self, data: &'a [u8], opts: ReadOptions<'_>) -> DiagResult<()> {
        self.scratch.lenient = true;
        let result = self.read(data, opts);
        self.scratch.lenient = false;
        result
    }

    /// Reads a capsule for inspection: as [`FlatCapsule::read`], but a failed check after
    /// which decoding can go on is collected in [`FlatCapsule::problems`] and reading
    /// continues (see the module documentation). `Err` only when the data cannot be
    /// decoded as a capsule; the problems found before are kept then too.
    pub fn read_for_inspection(&mut self, data: &'a [u8], opts: ReadOptions<'_>) -> DiagResult<()> {
        self.scratch.inspecting = true;
        let result = self.read(data, opts);
        self.scratch.inspecting = false;
        result
    }

    /// A failed check: the error, or, when inspecting, a problem collected.
    fn problem(&mut self, d: Box<Diagnostic>) -> DiagResult<()> {
        if self.scratch.inspecting {
            // Bounded: a damaged capsule can fail a check for nearly every byte.
            if self.problems.len() < MAX_PROBLEMS {
                self.problems.push(*d);
            } else {
                self.problems_omitted += 1;
            }
            Ok(())
        } else {
            Err(d)
        }
    }

    /// True if a shape called `name` was read already (and records it).
    fn shape_seen(&mut self, name: &'a [u8]) -> bool {
        let names = &mut self.scratch.shape_names;
        if self.shapes.len() < FEW_SHAPES {
            return self.shapes.iter().any(|s| s.name == name);
        }
        if names.is_empty() {
            names.extend(self.shapes.iter().map(|s| s.name));
        }
        !names.insert(name)
    }

    /// Reads the external names of shape `si` (§2.3).
    fn read_externs(&mut self, r: &mut Reader<'a>, si: usize) -> DiagResult<()> {
        let n = r.read_tdfint()?;
        let start = self.externs.len();
        let (shape_name, num_ids) = (self.shapes[si].name, self.shapes[si].num_ids);
        // Ids bound so far: a bitmap when the id count is plausible for the input size,
        // a hash set otherwise, so that a lying count never drives an allocation.
        let dense = (num_ids as usize) <= r.data().len().saturating_mul(2) + 64;
        let mut sparse = FastHashSet::default();
        if dense && n > 0 {
            let bits = &mut self.scratch.id_bits;
            bits.clear();
            bits.resize((num_ids as usize).div_ceil(64), 0);
        }
        for _ in 0..n {
            let off = r.byte_pos();
            let id = r.read_tdfint()?;
            let name = ExtName::read(r)?;
            let shown = || show_bytes(shape_name);
            let fresh = if id >= num_ids {
                let kind =
                    Kind::name_id_out_of_range(shown(), name.to_text(), id.into(), num_ids.into());
                self.problem(at(kind, off))?;
                true
            } else if dense {
                let bits = &mut self.scratch.id_bits;
                let (w, b) = ((id / 64) as usize, id % 64);
                let was = bits[w] & (1 << b) != 0;
                bits[w] |= 1 << b;
                !was
            } else {
                sparse.insert(id)
            };
            if !fresh {
                let kind = Kind::name_id_used_multiple_times(shown(), name.to_text(), id.into());
                self.problem(at(kind, off))?;
            }
            self.externs.push(External {
                id,
                name,
                usage: Usage::NONE,
                offset: off,
            });
        }
        self.shapes[si].externs = start..self.externs.len();
        Ok(())
    }

    /// Reads the units of the ordinary unit set of group `gi` (§2.4).
    fn read_units(&mut self, r: &mut Reader<'a>, gi: usize) -> DiagResult<()> {
        let n = r.read_tdfint()?;
        let group_name = self.groups[gi].name;
        let set_name = || show_bytes(group_name);
        let num_shapes = self.shapes.len();
        for index in 0..n {
            let off = r.byte_pos();
            let num_counts = r.read_tdfint()?;
            if num_counts != 0 && num_counts as usize != num_shapes {
                return Err(at(
                    Kind::unit_count_num_mismatch(
                        num_counts.into(),
                        set_name(),
                        index.into(),
                        num_shapes as u64,
                    ),
                    off,
                ));
            }
            let first = self.unit_shapes.len();
            for _ in 0..num_counts {
                let count = r.read_tdfint()?;
                self.unit_shapes.push(UnitShape { count, links: 0..0 });
            }
            let off = r.byte_pos();
            let num_link_sets = r.read_tdfint()?;
            if num_link_sets != num_counts {
                return Err(at(
                    Kind::unit_mapping_num_mismatch(
                        num_link_sets.into(),
                        set_name(),
                        index.into(),
                        num_counts.into(),
                    ),
                    off,
                ));
            }
            for si in 0..num_link_sets as usize {
                let (shape_name, num_ids) = (self.shapes[si].name, self.shapes[si].num_ids);
                let n = r.read_tdfint()?;
                let start = self.links.len();
                for _ in 0..n {
                    let internal = r.read_tdfint()?;
                    let off = r.byte_pos();
                    let external = r.read_tdfint()?;
                    if external >= num_ids {
                        let kind = Kind::id_out_of_range(
                            show_bytes(shape_name),
                            external.into(),
                            set_name(),
                            index.into(),
                            num_ids.into(),
                        );
                        self.problem(at(kind, off))?;
                    }
                    self.links.push(Link { internal, external });
                }
                self.unit_shapes[first + si].links = start..self.links.len();
            }
            let body = if self.scratch.lenient {
                let length = r.read_tdfint()? as usize;
                r.align();
                let start = (r.byte_pos() as usize).min(r.data().len());
                if length > r.data().len() - start {
                    // Cut short: keep what there is, and stop reading.
                    self.units.push(FlatUnit {
                        body: &r.data()[start..],
                        shapes: first..self.unit_shapes.len(),
                    });
                    self.cut = Some(r.data().len() as u64);
                    return Ok(());
                }
                r.read_bytes(length)?
            } else {
                r.read_bytestream()?
            };
            self.units.push(FlatUnit {
                body,
                shapes: first..self.unit_shapes.len(),
            });
        }
        Ok(())
    }

    /// Reads the `tld` or `tld2` group (§3.1) and stores the usages in `externs`. Keeps
    /// the unit verbatim and returns the format number (0 for `tld2`).
    fn read_tld_group(&mut self, r: &mut Reader<'a>, is_tld: bool) -> DiagResult<u32> {
        let off = r.byte_pos();
        if r.read_tdfint()? != 1 {
            return Err(at(Kind::too_many_tld_units(), off));
        }
        let off = r.byte_pos();
        if r.read_tdfint()? != 0 {
            return Err(at(Kind::too_many_tld_unit_counts(), off));
        }
        let off = r.byte_pos();
        if r.read_tdfint()? != 0 {
            return Err(at(Kind::too_many_tld_unit_mappings(), off));
        }
        let length = r.read_tdfint()? as usize;
        r.align();
        let start = r.byte_pos() as usize;
        let format = if is_tld {
            let off = r.byte_pos();
            let f = r.read_tdfint()?;
            if f >= 2 {
                return Err(at(Kind::unknown_tld_unit_type(f.into()), off));
            }
            f
        } else {
            0
        };
        if format == 1 {
            for s in &self.shapes {
                read_usages(s, &mut self.externs, r)?;
            }
        } else {
            for wanted in [&b"token"[..], b"tag"] {
                if let Some(s) = self.shapes.iter().find(|s| s.name == wanted) {
                    read_usages(s, &mut self.externs, r)?;
                }
            }
        }
        r.align();
        let end = r.byte_pos() as usize;
        if end - start != length {
            return Err(at(
                Kind::tld_unit_wrong_size(end as u64, (start + length) as u64),
                start as u64,
            ));
        }
        self.units.push(FlatUnit {
            body: &r.data()[start..end],
            shapes: 0..0,
        });
        Ok(format)
    }
}

/// Reads the usages of the external names of `shape` (§3.2), checking each (§3.5).
fn read_usages(
    shape: &FlatShape<'_>,
    externs: &mut [External<'_>],
    r: &mut Reader<'_>,
) -> DiagResult<()> {
    for e in &mut externs[shape.externs.clone()] {
        let off = r.byte_pos();
        let bits = r.read_tdfint()?;
        e.usage = check_usage(shape.name, bits).map_err(|err| {
            let (s, n) = (show_bytes(shape.name), e.name.to_text());
            let kind = match err {
                UsageError::BadUsage => Kind::bad_usage(s, n, bits.into()),
                UsageError::IllegallyMultiplyDefined => Kind::illegally_multiply_defined(s, n),
                UsageError::DefinedButNotDeclared => Kind::defined_but_not_declared(s, n),
            };
            at(kind, off)
        })?;
        e.offset = off;
    }
    Ok(())
}

/// Watches the identifiers of the capsule header that start mid-byte: if every one of
/// them begins with a zero nibble, the producer aligned before identifiers.
#[derive(Default)]
struct IdentStyle {
    mid_byte: u32,
    padded: u32,
}

impl IdentStyle {
    fn observe(&mut self, r: &Reader<'_>) {
        if !r.is_aligned() {
            self.mid_byte += 1;
            let mut peek = r.clone();
            if peek.read_nibble() == Ok(0) {
                self.padded += 1;
            }
        }
    }

    fn aligned(&self) -> bool {
        self.mid_byte > 0 && self.padded == self.mid_byte
    }
}

/// The catalogue entries for version problems, which differ between capsules and libraries.
pub(crate) struct VersionKinds {
    pub bad: fn(u64) -> Kind,
    pub mismatch: fn(u64, u64) -> Kind,
}

impl VersionKinds {
    pub(crate) const CAPSULE: VersionKinds = VersionKinds {
        bad: Kind::capsule_bad_version,
        mismatch: Kind::capsule_version_mismatch,
    };
    pub(crate) const LIBRARY: VersionKinds = VersionKinds {
        bad: Kind::library_bad_version,
        mismatch: Kind::library_version_mismatch,
    };
}

/// Reads the major and minor version after a magic number, checks them, and aligns.
pub(crate) fn read_version(
    r: &mut Reader<'_>,
    established: Option<u32>,
    kinds: VersionKinds,
) -> DiagResult<(u32, u32)> {
    let off = r.byte_pos();
    let major = r.read_tdfint()?;
    check_major(major, off, established, kinds)?;
    let minor = r.read_tdfint()?;
    r.align();
    Ok((major, minor))
}

/// Checks a major version read at byte `off`: at least 4, and the established one.
fn check_major(
    major: u32,
    off: u64,
    established: Option<u32>,
    kinds: VersionKinds,
) -> DiagResult<()> {
    if major < 4 {
        return Err(at((kinds.bad)(major.into()), off));
    }
    match established {
        Some(e) if e != major => Err(at((kinds.mismatch)(e.into(), major.into()), off)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// §2.7: the complete minimal capsule of 43 bytes.
    pub(crate) const MINIMAL: [u8; 43] = [
        0x54, 0x44, 0x46, 0x43, 0xC8, 0xA1, 0x8B, 0x74, 0x6C, 0x64, 0x18, 0xE0, 0x74, 0x61, 0x67,
        0x64, 0x65, 0x66, 0x91, 0x8B, 0x74, 0x61, 0x67, 0x99, 0x98, 0x40, 0x18, 0xC0, 0x6D, 0x61,
        0x69, 0x6E, 0xA9, 0x88, 0x90, 0x9F, 0x99, 0x99, 0x98, 0x8B, 0x41, 0x42, 0x43,
    ];

    fn kind_of(data: &[u8]) -> &'static str {
        Capsule::read(data).unwrap_err().kind.name()
    }

    #[test]
    fn minimal_capsule() {
        let c = Capsule::read(&MINIMAL).unwrap();
        assert_eq!((c.major, c.minor), (4, 0));
        assert_eq!(c.linkinfo, LinkInfoKind::Tld(1));
        assert_eq!(c.shapes.len(), 1);
        assert_eq!(&*c.shapes[0].name, b"tag");
        assert_eq!(c.shapes[0].num_ids, 1);
        let e = &c.shapes[0].externs[0];
        assert_eq!((e.id, &e.name), (0, &ExtName::string(b"main")));
        assert_eq!(e.usage.bits(), 7);
        let tagdef = c.group(b"tagdef").unwrap();
        assert_eq!(tagdef.units.len(), 1);
        assert_eq!(tagdef.units[0].counts, [1]);
        assert_eq!(
            tagdef.units[0].links,
            [vec![Link {
                internal: 0,
                external: 0
            }]]
        );
        assert_eq!(&*tagdef.units[0].body, b"ABC");
        assert!(c.warnings.is_empty());
        assert_eq!(c.to_bytes(), MINIMAL);
    }

    #[test]
    fn smallest_written_capsule() {
        let bytes = [
            0x54, 0x44, 0x46, 0x43, 0xC8, 0x91, 0x8B, 0x74, 0x6C, 0x64, 0x88, 0x99, 0x88, 0x90,
            0x90,
        ];
        let c = Capsule::read(&bytes).unwrap();
        assert!(c.shapes.is_empty());
        assert_eq!(c.to_bytes(), bytes);
    }

    #[test]
    fn structural_errors() {
        assert_eq!(kind_of(b""), "tdf_unexpected_eof");
        assert_eq!(kind_of(b"TDFX\xC8"), "capsule_bad_magic");
        assert_eq!(kind_of(b"TDFC\xB8"), "capsule_bad_version");
        let mut extra = MINIMAL.to_vec();
        extra.extend_from_slice(&[0, 0, 0, 0]);
        let e = Capsule::read(&extra).unwrap_err();
        assert_eq!(e.kind.name(), "tdf_expected_eof");
        assert_eq!(e.offset(), Some(43));
        for cut in 0..MINIMAL.len() {
            let e = Capsule::read(&MINIMAL[..cut]).unwrap_err();
            assert!(e.offset().unwrap() <= cut as u64, "cut {cut}: {e:?}");
        }
    }

    #[test]
    fn usage_and_id_errors() {
        // Usage 7 → 23 (bit 4 set): nibbles 2 F in place of F; the body grows a nibble.
        let mut c = Capsule::read(&MINIMAL).unwrap();
        c.groups[0].units[0].body = Cow::Owned(vec![0x91, 0x80]); // format 1, usage 8 on a tag
        let bytes = c.to_bytes();
        assert_eq!(kind_of(&bytes), "defined_but_not_declared");
        c.groups[0].units[0].body = Cow::Owned(vec![0x92, 0xF0]); // usage 0o27 = 23
        assert_eq!(kind_of(&c.to_bytes()), "bad_usage");
        c.groups[0].units[0].body = Cow::Owned(vec![0xA0]); // format 2
        assert_eq!(kind_of(&c.to_bytes()), "unknown_tld_unit_type");
        c.groups[0].units[0].body = Cow::Owned(vec![0x9F, 0x00]); // one byte too long
        assert_eq!(kind_of(&c.to_bytes()), "tld_unit_wrong_size");

        let mut c = Capsule::read(&MINIMAL).unwrap();
        c.shapes[0].externs[0].id = 1;
        assert_eq!(kind_of(&c.to_bytes()), "name_id_out_of_range");
        let mut c = Capsule::read(&MINIMAL).unwrap();
        c.shapes[0].num_ids = 2;
        let dup = c.shapes[0].externs[0].clone();
        c.shapes[0].externs.push(dup);
        c.groups[0].units[0].body = Cow::Owned(vec![0x9F, 0xF0]);
        assert_eq!(kind_of(&c.to_bytes()), "name_id_used_multiple_times");
        let mut c = Capsule::read(&MINIMAL).unwrap();
        c.groups[1].units[0].links[0][0].external = 5;
        assert_eq!(kind_of(&c.to_bytes()), "id_out_of_range");
        let mut c = Capsule::read(&MINIMAL).unwrap();
        c.groups[1].units[0].counts.push(0);
        assert_eq!(kind_of(&c.to_bytes()), "unit_count_num_mismatch");
        let mut c = Capsule::read(&MINIMAL).unwrap();
        c.groups[1].units[0].links.clear();
        assert_eq!(kind_of(&c.to_bytes()), "unit_mapping_num_mismatch");
    }

    #[test]
    fn unit_set_errors() {
        let mut c = Capsule::read(&MINIMAL).unwrap();
        c.groups.swap(0, 1);
        assert_eq!(kind_of(&c.to_bytes()), "out_of_order_unit_set_name");
        let mut c = Capsule::read(&MINIMAL).unwrap();
        c.groups[1].name = Cow::Borrowed(b"bogus");
        assert_eq!(kind_of(&c.to_bytes()), "unknown_unit_set_name");
        let mut c = Capsule::read(&MINIMAL).unwrap();
        c.groups[1].name = Cow::Borrowed(b"tld");
        assert_eq!(kind_of(&c.to_bytes()), "duplicate_unit_set_name");
        let mut c = Capsule::read(&MINIMAL).unwrap();
        c.groups[1].name = Cow::Borrowed(b"tld2");
        assert_eq!(kind_of(&c.to_bytes()), "extra_tld_unit_set");
        // tld2 alone: a warning, read as format 0.
        let mut c = Capsule::read(&MINIMAL).unwrap();
        c.groups[0].name = Cow::Borrowed(b"tld2");
        c.groups[0].units[0].body = Cow::Owned(vec![0xF0]);
        let back = Capsule::read_owned_for_test(&c.to_bytes());
        assert_eq!(back.0, LinkInfoKind::Tld2);
        assert_eq!(back.1, ["tld2_unit_set_obsolete"]);
        // No linker information at all: a warning.
        let mut c = Capsule::read(&MINIMAL).unwrap();
        c.groups.remove(0);
        let back = Capsule::read_owned_for_test(&c.to_bytes());
        assert_eq!(back.0, LinkInfoKind::Missing);
        assert_eq!(back.1, ["missing_tld_unit_set"]);
    }

    #[test]
    fn header_errors() {
        // Two shapes called "tag".
        let mut c = Capsule::read(&MINIMAL).unwrap();
        c.shapes.push(c.shapes[0].clone());
        assert_eq!(kind_of(&c.to_bytes()), "duplicate_shape_name");
        // One shape, but the external linkage claims two lists: patch the count nibble.
        let mut bytes = MINIMAL.to_vec();
        assert_eq!(bytes[23], 0x99); // num_capsule_ids 1 | num_ext_linkage 1
        bytes[23] = 0x9A;
        assert_eq!(kind_of(&bytes), "shape_and_name_count_mismatch");
        // Two unit sets, three groups.
        let mut bytes = MINIMAL.to_vec();
        assert_eq!(bytes[32], 0xA9); // num_groups 2 | tld units 1
        bytes[32] = 0xB9;
        assert_eq!(kind_of(&bytes), "unit_set_count_mismatch");
        // The tld group: two units, a count, a mapping.
        bytes = MINIMAL.to_vec();
        bytes[32] = 0xAA;
        assert_eq!(kind_of(&bytes), "too_many_tld_units");
        bytes = MINIMAL.to_vec();
        assert_eq!(bytes[33], 0x88); // counts 0 | link sets 0
        bytes[33] = 0x98;
        assert_eq!(kind_of(&bytes), "too_many_tld_unit_counts");
        bytes[33] = 0x89;
        assert_eq!(kind_of(&bytes), "too_many_tld_unit_mappings");
        // A TDFINT over 32 bits as the number of unit sets.
        let mut w = Writer::new();
        w.write_bytes(CAPSULE_MAGIC);
        w.write_tdfint(4);
        w.write_tdfint(0);
        w.align();
        for _ in 0..11 {
            w.write_nibble(7);
        }
        w.write_nibble(8);
        assert_eq!(kind_of(w.as_bytes()), "tdf_integer_too_big");
        // A shape name with 16-bit characters.
        let mut bytes = MINIMAL.to_vec();
        assert_eq!(&bytes[18..20], [0x91, 0x8B]); // 1 shape | k = 8 ...
        bytes[19] = 0x28; // k = 16 (octal 20)
        assert_eq!(kind_of(&bytes), "tdf_unsupported_char_size");
        // EXTERNAL tag 3 (chain_extern).
        let mut bytes = MINIMAL.to_vec();
        assert_eq!(bytes[25], 0x40);
        bytes[25] = 0xC0;
        assert_eq!(kind_of(&bytes), "tdf_bad_name_type");
        // A token with the MULT bit.
        let mut c = Capsule::read(&MINIMAL).unwrap();
        c.shapes[0].name = Cow::Borrowed(b"token");
        c.groups[0].units[0].body = Cow::Owned(vec![0x91, 0xA0]); // usage 10
        assert_eq!(kind_of(&c.to_bytes()), "illegally_multiply_defined");
    }

    impl Capsule<'_> {
        fn read_owned_for_test(bytes: &[u8]) -> (LinkInfoKind, Vec<&'static str>) {
            let c = Capsule::read(bytes).unwrap();
            (
                c.linkinfo,
                c.warnings.iter().map(|w| w.kind.name()).collect(),
            )
        }
    }

    #[test]
    fn lying_counts_do_not_allocate() {
        // A capsule claiming 2^32-1 unit sets, shapes, ids and units.
        let mut w = Writer::new();
        w.write_bytes(CAPSULE_MAGIC);
        w.write_tdfint(4);
        w.write_tdfint(0);
        w.align();
        w.write_tdfint(u32::MAX);
        let e = Capsule::read(w.as_bytes()).unwrap_err();
        assert_eq!(e.kind.name(), "tdf_unexpected_eof");
    }

    /// Reads `data` strictly and for inspection: a capsule that reads strictly reads the
    /// same for inspection, without problems; for one that does not, the strict error is
    /// the first problem, or, without problems, the error of the inspection. Returns the
    /// names of the problems, or of that error.
    fn inspected(data: &[u8]) -> Result<Vec<&'static str>, &'static str> {
        let (read, problems) = Capsule::read_for_inspection(data);
        let names = problems.iter().map(|p| p.kind.name()).collect();
        match (Capsule::read(data), read) {
            (Ok(c), Ok(l)) => {
                assert_eq!(c, l);
                assert!(problems.is_empty());
                Ok(names)
            }
            (Err(e), read) => {
                assert_eq!(
                    problems
                        .first()
                        .unwrap_or_else(|| read.as_ref().unwrap_err()),
                    &*e
                );
                read.map(|_| names).map_err(|l| l.kind.name())
            }
            (Ok(_), Err(l)) => panic!("reads strictly, not for inspection: {l:?}"),
        }
    }

    #[test]
    fn inspection_reads_past_failed_checks() {
        assert_eq!(inspected(&MINIMAL), Ok(vec![]));
        // A major version below 4.
        let mut c = Capsule::read(&MINIMAL).unwrap();
        c.major = 3;
        let bytes = c.to_bytes();
        let (back, problems) = Capsule::read_for_inspection(&bytes);
        let back = back.unwrap();
        assert_eq!(back.major, 3);
        assert_eq!(back.shapes, c.shapes);
        assert_eq!(problems[0].offset(), Some(4));
        assert_eq!(inspected(&c.to_bytes()), Ok(vec!["capsule_bad_version"]));
        // Unknown, repeated and misplaced unit sets: read as ordinary sets.
        for (name, problem) in [
            (&b"bogus"[..], "unknown_unit_set_name"),
            (b"tld", "duplicate_unit_set_name"),
            (b"tld2", "extra_tld_unit_set"),
        ] {
            let mut c = Capsule::read(&MINIMAL).unwrap();
            c.groups[1].name = Cow::Borrowed(name);
            let bytes = c.to_bytes();
            assert_eq!(inspected(&bytes), Ok(vec![problem]), "{problem}");
            let back = Capsule::read_for_inspection(&bytes).0.unwrap();
            assert_eq!(back.groups, c.groups);
            assert_eq!(back.linkinfo, LinkInfoKind::Tld(1));
            assert_eq!(back.shapes[0].externs[0].usage.bits(), 7);
        }
        let mut c = Capsule::read(&MINIMAL).unwrap();
        c.groups.swap(0, 1);
        let bytes = c.to_bytes();
        let (back, problems) = Capsule::read_for_inspection(&bytes);
        let back = back.unwrap();
        assert_eq!(problems[0].kind.name(), "out_of_order_unit_set_name");
        // The linker information is the misplaced set: usages unknown.
        assert_eq!(back.linkinfo, LinkInfoKind::Missing);
        assert_eq!(back.groups, c.groups);
        // Broken linker information: read as an ordinary unit, usages unknown.
        for (body, problem) in [
            (vec![0xA0], "unknown_tld_unit_type"),
            (vec![0x91, 0x80], "defined_but_not_declared"),
            (vec![0x92, 0xF0], "bad_usage"),
            (vec![0x9F, 0x00], "tld_unit_wrong_size"),
        ] {
            let mut c = Capsule::read(&MINIMAL).unwrap();
            c.groups[0].units[0].body = Cow::Owned(body.clone());
            let bytes = c.to_bytes();
            assert_eq!(inspected(&bytes), Ok(vec![problem]), "{problem}");
            let back = Capsule::read_for_inspection(&bytes).0.unwrap();
            assert_eq!(back.linkinfo, LinkInfoKind::Missing);
            assert_eq!(back.shapes[0].externs[0].usage, Usage::NONE);
            assert_eq!(&*back.groups[0].units[0].body, &body[..]);
            assert_eq!(back.groups[1], c.groups[1]);
        }
        // Ids out of range or repeated, a repeated shape, trailing bytes.
        let mut c = Capsule::read(&MINIMAL).unwrap();
        c.groups[1].units[0].links[0][0].external = 5;
        assert_eq!(inspected(&c.to_bytes()), Ok(vec!["id_out_of_range"]));
        let mut c = Capsule::read(&MINIMAL).unwrap();
        c.shapes[0].externs[0].id = 1;
        assert_eq!(inspected(&c.to_bytes()), Ok(vec!["name_id_out_of_range"]));
        let mut c = Capsule::read(&MINIMAL).unwrap();
        c.shapes.push(c.shapes[0].clone());
        for g in &mut c.groups[1..] {
            for u in &mut g.units {
                u.counts.push(0);
                u.links.push(Vec::new());
            }
        }
        c.groups[0].units[0].body = Cow::Owned(vec![0x9F, 0xF0]);
        let problems = inspected(&c.to_bytes()).unwrap();
        assert_eq!(problems[0], "duplicate_shape_name");
        let mut extra = MINIMAL.to_vec();
        extra.extend_from_slice(&[1, 2, 3]);
        assert_eq!(inspected(&extra), Ok(vec!["tdf_expected_eof"]));
        // What stops decoding still fails.
        assert_eq!(inspected(&MINIMAL[..30]), Err("tdf_unexpected_eof"));
        assert_eq!(inspected(b"TDFX\xC8"), Err("capsule_bad_magic"));
        let mut bytes = MINIMAL.to_vec();
        bytes[32] = 0xB9;
        assert_eq!(inspected(&bytes), Err("unit_set_count_mismatch"));
        // A problem, then what stops decoding: the error, and the problem before it.
        let mut c = Capsule::read(&MINIMAL).unwrap();
        c.shapes[0].externs[0].id = 1;
        let mut bytes = c.to_bytes();
        bytes.truncate(bytes.len() - 6);
        let (read, problems) = Capsule::read_for_inspection(&bytes);
        assert_eq!(read.unwrap_err().kind.name(), "tdf_unexpected_eof");
        assert_eq!(problems[0].kind.name(), "name_id_out_of_range");
        assert_eq!(inspected(&bytes), Err("tdf_unexpected_eof"));
        // Broken linker information that does not read as ordinary units either, after
        // a link id out of range in that attempt (found by fuzzing): the error is the
        // linker information's, and the attempt leaves no problem behind.
        let fuzzed: [u8; 119] = [
            0x54, 0x44, 0x46, 0x43, 0xC8, 0xC1, 0x8B, 0x74, 0x6C, 0x64, 0x18, 0x18, 0x76, 0x65,
            0x72, 0x73, 0x69, 0x6F, 0x6E, 0x73, 0x18, 0xE0, 0x74, 0x61, 0x67, 0x64, 0x65, 0x63,
            0x18, 0xE0, 0x74, 0x61, 0x67, 0x64, 0x65, 0x66, 0xA1, 0x8B, 0x74, 0x61, 0x67, 0x91,
            0x8D, 0x74, 0x6F, 0x6B, 0x65, 0x6E, 0x9A, 0x98, 0x40, 0x18, 0x1E, 0x64, 0x65, 0x65,
            0x70, 0x5F, 0x6F, 0x6E, 0x65, 0x5F, 0x76, 0x61, 0x6C, 0x75, 0x65, 0x98, 0x40, 0x18,
            0x1B, 0x7E, 0x73, 0x69, 0x67, 0x6E, 0x65, 0x64, 0x5F, 0x69, 0x6E, 0x74, 0xC9, 0x00,
            0x00, 0x00, 0x0A, 0x88, 0xA0, 0x9F, 0x90, 0x9A, 0x6B, 0x65, 0x6E, 0x9A, 0x98, 0x40,
            0x18, 0x1E, 0x64, 0x65, 0x65, 0x70, 0x5F, 0x6F, 0x6E, 0x9A, 0x99, 0xA9, 0x88, 0x98,
            0x8E, 0x89, 0xA0, 0x7A, 0xD1, 0x11, 0x20,
        ];
        let (read, problems) = Capsule::read_for_inspection(&fuzzed);
        assert_eq!(read.unwrap_err().kind.name(), "too_many_tld_unit_counts");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(inspected(&fuzzed), Err("too_many_tld_unit_counts"));
        // Two problems, in file order.
        let mut c = Capsule::read(&MINIMAL).unwrap();
        c.major = 3;
        c.groups[1].name = Cow::Borrowed(b"bogus");
        assert_eq!(
            inspected(&c.to_bytes()),
            Ok(vec!["capsule_bad_version", "unknown_unit_set_name"])
        );
    }

    #[test]
    fn version_mismatch() {
        let sets = UnitSetList::default();
        let e = Capsule::read_with(
            &MINIMAL,
            ReadOptions {
                unit_sets: &sets,
                established_major: Some(5),
            },
        )
        .unwrap_err();
        assert_eq!(e.kind, Kind::capsule_version_mismatch(5, 4));
        assert_eq!(e.offset(), Some(4));
    }
}
