//! The in-memory library builder (§6.1). The `-i` libraries' indices are checked in a
//! [`tdf_core::tables::IndexTable`].

use std::borrow::Cow;

use tdf_core::capsule::{FlatCapsule, ReadOptions};
use tdf_core::decode::check::check;
use tdf_core::decode::Decoded;
use tdf_core::hash::{FastHashMap, FastHashSet, FastIndexMap};
use tdf_core::library::{IndexEntry, IndexShape, LibraryWriter, Member};
use tdf_core::linkinfo::{merge_usage, Merge};
use tdf_core::tables::IndexTable;
use tdf_core::{in_file, show_bytes, ExtName, Library, UnitSetList, Usage};
use tdf_errors::{Diagnostic, Kind, LimitReached, Reporter};

/// Reports `d`; `Err` once the reporter's error limit is reached.
pub(crate) fn report(rep: &mut Reporter, d: impl Into<Diagnostic>) -> Result<(), LimitReached> {
    rep.report(d.into())
}

/// Which names a build leaves out of the index (§6.1 step 4). Unknown shapes and names
/// are ignored.
#[derive(Debug, Clone, Copy, Default)]
pub struct Suppression<'s> {
    /// `-s SHAPE NAME`: single names.
    pub names: &'s [(Vec<u8>, ExtName<'static>)],
    /// `-S SHAPE`: whole shapes.
    pub shapes: &'s [Vec<u8>],
    /// `-M`: names whose only definitions are non-unique (`MULT` without `DEFD`).
    pub mult: bool,
}

/// Per shape (first-seen order), per external name (first-seen order), a `T`.
type ShapeTable<'a, T> = FastIndexMap<Cow<'a, [u8]>, FastIndexMap<ExtName<'a>, T>>;

/// Merged state of one external name over the capsules read so far.
#[derive(Debug, Clone, Copy, Default)]
struct NameState {
    usage: Usage,
    def: Option<u32>,
    suppressed: bool,
}

/// Builds a library from capsules, in memory, borrowing every capsule from its input
/// buffer.
///
/// Feed it the `-i` libraries ([`Builder::add_library`]) and then the capsules
/// ([`Builder::add_capsule`]) in command-line order, then call [`Builder::finish`]. Every
/// problem is reported through the [`Reporter`]; the methods return `Err` only when the
/// reporter's error limit is reached, and the caller should then stop. A library may be
/// written only if no error was reported.
#[derive(Debug)]
pub struct Builder<'a, 's> {
    unit_sets: &'s UnitSetList,
    major: Option<u32>,
    minor: Option<u32>,
    members: Vec<Member<'a>>,
    /// How members are named in diagnostics, where that is not their stored name
    /// (`LIB(CAP)` for library members), by member number.
    shown: FastHashMap<u32, String>,
    stored_names: FastHashSet<Cow<'a, [u8]>>,
    /// shape → name → merged state, all in first-seen order.
    table: ShapeTable<'a, NameState>,
    /// The `-i` libraries' indices, validated and merged (then thrown away).
    lib_index: IndexTable<'a>,
    trace: Option<String>,
    /// The capsule being read, reused from one capsule to the next.
    flat: FlatCapsule<'a>,
    /// With `--check`: the decoded bodies of the capsule being read, reused.
    check: Option<Box<Decoded>>,
}

impl<'a, 's> Builder<'a, 's> {
    /// A builder reading capsules with this unit set list.
    pub fn new(unit_sets: &'s UnitSetList) -> Self {
        Builder {
            unit_sets,
            major: None,
            minor: None,
            members: Vec::new(),
            shown: FastHashMap::default(),
            stored_names: FastHashSet::default(),
            table: FastIndexMap::default(),
            lib_index: IndexTable::default(),
            trace: None,
            flat: FlatCapsule::new(),
            check: None,
        }
    }

    /// Decodes every unit body of every capsule added and reports each error and problem
    /// found ([`tdf_core::decode::check`]); without this, bodies are copied unread.
    pub fn enable_check(&mut self) {
        self.check.get_or_insert_with(Default::default);
    }

    /// Records a human-readable trace of the build, returned by [`Builder::take_trace`].
    pub fn enable_trace(&mut self) {
        self.trace.get_or_insert_with(String::new);
    }

    /// The trace recorded so far (empty unless [`Builder::enable_trace`] was called).
    pub fn take_trace(&mut self) -> String {
        self.trace.as_mut().map(std::mem::take).unwrap_or_default()
    }

    fn log(&mut self, line: impl FnOnce() -> String) {
        if let Some(t) = &mut self.trace {
            t.push_str(&line());
            t.push('\n');
        }
    }

    /// The major version fixed so far (by the first library or capsule read).
    pub fn major(&self) -> Option<u32> {
        self.major
    }

    /// The highest minor version of the capsules added so far.
    pub fn minor(&self) -> Option<u32> {
        self.minor
    }

    /// Number of capsules added so far.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// True before any capsule was added.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Adds every capsule of a library (`-i`): reads and checks the library, merges its
    /// index into the throw-away library-side table (reporting `lib_multiply_defined`),
    /// then adds each member under its stored name. `shown` names the library in
    /// diagnostics.
    pub fn add_library(
        &mut self,
        shown: &str,
        data: &'a [u8],
        rep: &mut Reporter,
    ) -> Result<(), LimitReached> {
        let lib = match Library::read_with(data, self.major) {
            Ok(lib) => lib,
            Err(d) => return report(rep, *in_file(d, shown)),
        };
        self.major.get_or_insert(lib.major);
        self.log(|| {
            format!(
                "library '{shown}': TDF {}.{}, {} capsules",
                lib.major,
                lib.minor,
                lib.members.len()
            )
        });
        self.lib_index.add(shown, &lib, rep)?;
        for m in lib.members {
            // Library::read borrows every member from `data`, at `m.offset`.
            let start = m.offset as usize;
            let bytes = &data[start..start + m.data.len()];
            let member_shown = format!("{shown}({})", show_bytes(&m.name));
            self.add_capsule(m.name, member_shown, bytes, rep)?;
        }
        Ok(())
    }

    /// Adds one capsule stored as `name`; `shown` names it in diagnostics. The capsule is
    /// read and checked completely (§2.8, §3) and its usages merged (§3.6).
    pub fn add_capsule(
        &mut self,
        name: Cow<'a, [u8]>,
        shown: String,
        data: &'a [u8],
        rep: &mut Reporter,
    ) -> Result<(), LimitReached> {
        if !self.stored_names.insert(name.clone()) {
            report(rep, Kind::duplicate_capsule_name(show_bytes(&name)))?;
        }
        let opts = ReadOptions {
            unit_sets: self.unit_sets,
            established_major: self.major,
        };
        let mut capsule = std::mem::take(&mut self.flat);
        let result = self.merge_capsule(&mut capsule, name, shown, data, opts, rep);
        self.flat = capsule;
        result
    }

    /// A capsule the reader rejected may have had some of its usages read and checked
    /// before the problem. The reference merges each usage as it reads it (§2.8), so it
    /// reports a name defined twice before it rejects the capsule: the same clashes with
    /// the capsules already read are reported here, in reading order, before the
    /// rejection. Nothing of the capsule is merged (the build fails anyway).
    fn report_clashes_before_rejection(
        &self,
        capsule: &FlatCapsule<'a>,
        shown: &str,
        rep: &mut Reporter,
    ) -> Result<(), LimitReached> {
        for shape in &capsule.shapes {
            let Some(names) = self.table.get(shape.name) else {
                continue;
            };
            for e in capsule.externs_of(shape) {
                let Some(st) = names.get(&e.name) else {
                    continue;
                };
                if !(e.usage.contains(Usage::DEFD) && st.usage.contains(Usage::DEFD)) {
                    continue;
                }
                let previous = st.def.map_or_else(
                    || "an earlier capsule".to_owned(),
                    |p| match self.shown.get(&p) {
                        Some(s) => s.clone(),
                        None => show_bytes(&self.members[p as usize].name),
                    },
                );
                let d = Diagnostic::new(Kind::multiply_defined(
                    show_bytes(shape.name),
                    e.name.to_text(),
                    previous,
                ))
                .with_file(shown.to_owned())
                .at_byte(e.offset);
                report(rep, d)?;
            }
        }
        Ok(())
    }

    /// Reads one capsule into `capsule` and merges its usages.
    fn merge_capsule(
        &mut self,
        capsule: &mut FlatCapsule<'a>,
        name: Cow<'a, [u8]>,
        shown: String,
        data: &'a [u8],
        opts: ReadOptions<'_>,
        rep: &mut Reporter,
    ) -> Result<(), LimitReached> {
        if let Err(d) = capsule.read(data, opts) {
            self.report_clashes_before_rejection(capsule, &shown, rep)?;
            return report(rep, *in_file(d, &shown));
        }
        self.major.get_or_insert(capsule.major);
        self.minor = Some(self.minor.map_or(capsule.minor, |m| m.max(capsule.minor)));
        for w in capsule.warnings.drain(..) {
            report(rep, w.with_file(shown.clone()))?;
        }
        if let Some(decoded) = &mut self.check {
            for d in check(capsule, data, decoded) {
                report(rep, d.with_file(shown.clone()))?;
            }
        }
        let this = self.members.len() as u32;
        self.log(|| {
            format!(
                "capsule {this} '{}' from '{shown}': TDF {}.{}, {} bytes",
                show_bytes(&name),
                capsule.major,
                capsule.minor,
                data.len()
            )
        });
        let Builder {
            table,
            shown: shown_list,
            members,
            trace,
            ..
        } = self;
        for shape in &capsule.shapes {
            let entry = table.entry(Cow::Borrowed(shape.name));
            let shape_idx = entry.index();
            entry.or_default();
            let (shape_name, names) = table.get_index_mut(shape_idx).expect("just inserted");
            for e in capsule.externs_of(shape) {
                if let Some(t) = trace {
                    t.push_str(&format!(
                        "  {} '{}' {}\n",
                        show_bytes(shape_name),
                        e.name,
                        e.usage
                    ));
                }
                let entry = names.entry(e.name.clone());
                let name_idx = entry.index();
                let st = entry.or_default();
                let merged = merge_usage(&mut st.usage, &mut st.def, e.usage, this);
                if let Merge::MultiplyDefined(prev) = merged {
                    let previous = prev.map_or_else(
                        || "an earlier capsule".to_owned(),
                        |p| match shown_list.get(&p) {
                            // The same capsule, under another id.
                            _ if p == this => shown.clone(),
                            Some(s) => s.clone(),
                            // Not recorded: the same bytes as the stored name.
                            None => show_bytes(&members[p as usize].name),
                        },
                    );
                    let name = names.get_index(name_idx).expect("just inserted").0;
                    let d = Diagnostic::new(Kind::multiply_defined(
                        show_bytes(shape_name),
                        name.to_text(),
                        previous,
                    ))
                    .with_file(shown.clone())
                    .at_byte(e.offset);
                    report(rep, d)?;
                }
            }
        }
        if *shown.as_bytes() != *name {
            self.shown.insert(this, shown);
        }
        self.members.push(Member {
            name,
            data: Cow::Borrowed(data),
            offset: 0,
        });
        Ok(())
    }

    /// Ends the build: reports names with several non-unique definitions and no unique
    /// one (`no_single_definition`), applies `suppress`, and returns the library:
    /// members in the order added, version (major, highest minor), and the index of
    /// §4.2 (shapes and names in first-seen order, merged usage, defining capsule).
    /// Returns `None` only when the error limit was reached; the caller must still
    /// check the reporter for errors before writing the library.
    pub fn finish(
        &mut self,
        suppress: &Suppression<'_>,
        rep: &mut Reporter,
    ) -> Option<Library<'a>> {
        self.check(suppress, rep)?;
        Some(self.library(suppress))
    }

    /// The first half of [`Builder::finish`]: reports names with several non-unique
    /// definitions and no unique one, and marks the names `-s` leaves out. `None` when
    /// the error limit was reached.
    pub fn check(&mut self, suppress: &Suppression<'_>, rep: &mut Reporter) -> Option<()> {
        for (shape, names) in &self.table {
            for (name, st) in names {
                if st.usage.contains(Usage::MULT) && st.def.is_none() {
                    let kind = Kind::no_single_definition(show_bytes(shape), name.to_text());
                    report(rep, kind).ok()?;
                }
            }
        }
        for (shape, name) in suppress.names {
            let found = self
                .table
                .get_mut(shape.as_slice())
                .and_then(|names| names.get_mut(name));
            if let Some(st) = found {
                st.suppressed = true;
            }
        }
        Some(())
    }

    /// True when a shape is left out of the index.
    fn shape_indexed(suppress: &Suppression<'_>, shape: &[u8]) -> bool {
        !suppress.shapes.iter().any(|s| s.as_slice() == shape)
    }

    /// The defining capsule of a name in the index, or `None` when it is left out.
    fn indexed(suppress: &Suppression<'_>, st: &NameState) -> Option<u32> {
        let def = st.def?;
        let left_out = st.suppressed || (suppress.mult && st.usage.mult_only());
        (!left_out).then_some(def)
    }

    /// Writes the library into `out` straight from the tables, without a [`Library`]
    /// model (after [`Builder::check`]): the members in the order added, the version,
    /// and the index [`Builder::finish`] would give. Writes no trace. Returns the size.
    pub fn write_library(
        &self,
        suppress: &Suppression<'_>,
        out: &mut dyn std::io::Write,
    ) -> std::io::Result<usize> {
        let mut lw = LibraryWriter::new(out);
        let major = self.major.unwrap_or(4);
        lw.header(major, self.minor.unwrap_or(0), self.members.len());
        for m in &self.members {
            lw.member(&m.name, &m.data)?;
        }
        let count = |names: &FastIndexMap<ExtName<'a>, NameState>| {
            names
                .values()
                .filter(|st| Self::indexed(suppress, st).is_some())
                .count()
        };
        let shapes = self
            .table
            .iter()
            .filter(|(shape, names)| Self::shape_indexed(suppress, shape) && count(names) > 0);
        lw.shapes(shapes.clone().count());
        for (shape, names) in shapes {
            lw.shape(shape, count(names));
            for (name, st) in names {
                if let Some(def) = Self::indexed(suppress, st) {
                    lw.entry(name, st.usage, def)?;
                }
            }
        }
        lw.finish()
    }

    /// The second half of [`Builder::finish`] (after [`Builder::check`]): the library
    /// model, with the trace. The members move into it.
    pub fn library(&mut self, suppress: &Suppression<'_>) -> Library<'a> {
        let Builder {
            table,
            members,
            trace,
            ..
        } = self;
        let tracing = trace.is_some();
        let mut log = |line: String| {
            if let Some(t) = trace.as_mut() {
                t.push_str(&line);
                t.push('\n');
            }
        };
        let mut index = Vec::new();
        for (shape, names) in table.iter() {
            if !Self::shape_indexed(suppress, shape) {
                if tracing {
                    log(format!("suppressed every {}", show_bytes(shape)));
                }
                continue;
            }
            let mut entries = Vec::new();
            for (name, st) in names {
                if st.def.is_none() {
                    continue;
                }
                let Some(def) = Self::indexed(suppress, st) else {
                    if tracing {
                        log(format!("suppressed {} '{name}'", show_bytes(shape)));
                    }
                    continue;
                };
                if tracing {
                    log(format!(
                        "index {} '{name}' {} capsule {def} '{}'",
                        show_bytes(shape),
                        st.usage,
                        show_bytes(&members[def as usize].name)
                    ));
                }
                entries.push(IndexEntry {
                    name: name.clone(),
                    usage: st.usage,
                    capsule: def,
                    offset: 0,
                });
            }
            if !entries.is_empty() {
                index.push(IndexShape {
                    name: shape.clone(),
                    entries,
                });
            }
        }
        Library {
            major: self.major.unwrap_or(4),
            minor: self.minor.unwrap_or(0),
            members: std::mem::take(&mut self.members),
            index,
        }
    }
}
