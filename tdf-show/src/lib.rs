//! `tshow`: listing TDF libraries, inspecting capsules, and extracting library members.
//!
//! * [`list`] prints a library (`.tl`): its members in file order, optionally with their
//!   sizes, the TDF version, and the index (shape, external name in the §8.4 syntax,
//!   usage flags, defining member). Three formats ([`ListFormat`]): TenDRA's `tld -mt`
//!   format, exactly (used by `tld -mt`), a readable text layout, and JSON.
//! * [`inspect`] describes a capsule (`.j`) as `nm`/`readelf` describe object files:
//!   version, linker information, unit sets with unit counts and body sizes, shapes
//!   with id counts, and every external name with its usage, undefined ones marked.
//!   It is lenient ([`tdf_core::Capsule::read_for_inspection`]): a capsule the linker would
//!   refuse (TDF 3, an unknown unit set, bad linker information, ...) is described as far
//!   as it can be read, each problem a warning (`capsule_refused_by_linker`); only a file
//!   that cannot be read as a capsule at all is an error (exit status 1).
//! * [`show`] decides between the two by the file's magic number (`TDFC` or `TDFL`).
//! * [`decode`] is `tshow -d` and `tshow --check`: a capsule's unit bodies printed in
//!   TenDRA's TDF notation exactly as `tnc -p` prints them, or as JSON
//!   (`tshow-decode-1`), or checked for damage.
//! * [`extract`] writes library members to files (§6.3), safely and all or nothing: a
//!   leading `/` is stripped, a name with a `..` component or a path leading through a
//!   symbolic link out of the target directory is refused (`unsafe_member_name`), a
//!   requested name must match a member (`capsule_not_found`), every problem is found
//!   before anything is written and any problem means nothing is written; every file is
//!   written to a temporary file, and all are renamed into place only once all are
//!   written (an I/O failure while writing leaves the target directory as it was).
//!
//! Every problem is reported through a [`tdf_errors::Reporter`] as a catalogue
//! diagnostic; the exit status is the reporter's. A library's index is checked with
//! [`tdf_core::tables::IndexTable`] (a name uniquely defined by two members is
//! `lib_multiply_defined`) before it is listed or extracted from.
//!
//! # Files
//!
//! | file | what it holds |
//! |---|---|
//! | `src/lib.rs` | the entry points above, shared by `tshow` and `tld -mt`/`-mx` |
//! | `src/list.rs` | the three listing formats |
//! | `src/inspect.rs` | capsule inspection, as text and JSON |
//! | `src/extract.rs` | safe extraction |
//! | `src/text.rs` | output helpers: aligned columns, JSON strings |
//! | `src/cli.rs` | `tshow`'s options ([`cli::ShowArgs`]); the conventions all tools share are in [`tdf_core::cli`] |
//! | `src/main.rs` | the `tshow` binary: parses the options and calls the entry points |
//!
//! # Text format
//!
//! Names are shown as users read them (`tdf_core::name::push_readable`): valid UTF-8
//! as it is, control characters and bytes that are not UTF-8 as `\xHH`, external names
//! in the §8.4 syntax. A library listing without `-i`, `-s` or `-t` is the member names,
//! one per line. With any of them it has sections:
//!
//! ```text
//! TDF version 4.0                        (-t)
//! 2 members, 313 bytes:                  (-s; without it "2 members:" and names only)
//!   167  caps/m_square.j
//!   146  caps/m_abs.j
//! index: 3 names in 1 shape (tag 3)      (-i)
//!   tag:
//!     m_square  {DEFD, DECD, USED}  caps/m_square.j
//! ```
//!
//! # JSON format
//!
//! `--format json` prints exactly one JSON document (UTF-8, two-space indentation, one
//! member, index entry or external name per line). The schema is identified by the
//! `schema` field and is stable: fields may be added in later versions, but none is
//! removed or changes meaning without a new schema name. Byte strings (member names,
//! shape and unit set names, file names) are shown as users read them: valid UTF-8 as
//! it is, control characters and bytes that are not UTF-8 as `\xHH`; external names are
//! given in the §8.4 text syntax with the same rule, which is lossless (the tools read
//! it back). The `-i`, `-s` and `-t` switches do not change JSON output:
//! every field is always present. `JSON.md` in this crate has the full description.
//!
//! A library (`"schema": "tshow-library-1"`):
//!
//! ```json
//! {
//!   "schema": "tshow-library-1",
//!   "file": "in/math.tl",
//!   "version": {"major": 4, "minor": 0},
//!   "members": [
//!     {"index": 0, "name": "caps/m_square.j", "size": 167, "offset": 25}
//!   ],
//!   "index": [
//!     {
//!       "shape": "tag",
//!       "names": [
//!         {"name": "m_square", "unique": false, "usage": ["DEFD", "DECD", "USED"], "usage_bits": 7, "capsule": 0, "capsule_name": "caps/m_square.j"}
//!       ]
//!     }
//!   ]
//! }
//! ```
//!
//! A capsule (`"schema": "tshow-capsule-1"`):
//!
//! ```json
//! {
//!   "schema": "tshow-capsule-1",
//!   "file": "caps/m_square.j",
//!   "size": 167,
//!   "version": {"major": 4, "minor": 0},
//!   "linker_information": {"set": "tld", "format": 1},
//!   "unit_sets": [
//!     {"name": "tld", "units": 1, "body_bytes": 2}
//!   ],
//!   "shapes": [
//!     {"name": "tag", "ids": 3, "external_names": 2, "undefined": 0}
//!   ],
//!   "external_names": [
//!     {"shape": "tag", "id": 0, "name": "m_square", "unique": false, "usage": ["DEFD", "DECD", "USED"], "usage_bits": 7, "status": "defined"}
//!   ]
//! }
//! ```
//!
//! `status` is `"defined"` (a unique definition, `DEFD`), `"common"` (only non-unique
//! definitions, `MULT`), `"undefined"` (neither) or `"unknown"` (the capsule carries no
//! linker information, so usage is not known).

pub mod cli;
pub mod decode;
mod extract;
mod inspect;
mod list;
mod options;
mod text;

use std::io::{self, BufWriter, Write};
use std::path::Path;

use tdf_core::capsule::CAPSULE_MAGIC;
use tdf_core::diag::io_reason;
use tdf_core::fsutil::{read_input_or_stdin, shown_name};
use tdf_core::input::InputBytes;
use tdf_core::tables::IndexTable;
use tdf_core::{in_file, Capsule, Library};
use tdf_errors::{Diagnostic, Kind, Reporter};

pub use extract::safe_components;
pub use options::{ExtractOptions, ListFormat, ListOptions};

/// Reports a write failure on `out`; a closed pipe (`tshow | head`) ends the output
/// quietly.
fn report_output_error(e: io::Error, rep: &mut Reporter) {
    if e.kind() != io::ErrorKind::BrokenPipe {
        let _ = rep.report(Kind::write_error("standard output", io_reason(&e)).into());
    }
}

/// The file `tshow` was given as named in messages and JSON (`-` is standard input).
fn shown(file: &str) -> String {
    shown_name(Path::new(file), false)
}

/// Reads the file `tshow` was given, or standard input for `-`.
fn read(file: &str, rep: &mut Reporter) -> Option<InputBytes> {
    match read_input_or_stdin(Path::new(file), &shown(file)) {
        Ok(d) => Some(d),
        Err(d) => {
            let _ = rep.report(*d);
            None
        }
    }
}

/// Lists the library `library` on `out` (§6.2). The library is read and checked
/// completely first (including names defined by two members of the index); nothing is
/// printed if it cannot be read.
pub fn list(library: &str, opts: &ListOptions, out: &mut dyn Write, rep: &mut Reporter) {
    if let Some(data) = read(library, rep) {
        list_bytes(&shown(library), &data, opts, out, rep);
    }
}

/// [`list`] for a library already in memory; `file` names it in messages and JSON.
pub fn list_bytes(
    file: &str,
    data: &[u8],
    opts: &ListOptions,
    out: &mut dyn Write,
    rep: &mut Reporter,
) {
    let lib = match Library::read(data) {
        Ok(l) => l,
        Err(d) => {
            let _ = rep.report(*in_file(d, file));
            return;
        }
    };
    if IndexTable::check(file, &lib, rep).is_err() {
        return;
    }
    // A listing of a large library runs to megabytes: written 64 KiB at a time, not in
    // the default 8 KiB (a tenth of the system calls).
    let mut w = BufWriter::with_capacity(64 * 1024, out);
    let result = match opts.format {
        ListFormat::Tendra => list::tendra(&lib, opts, &mut w),
        ListFormat::Text => list::text(&lib, opts, &mut w),
        ListFormat::Json => list::json(file, &lib, &mut w),
    }
    .and_then(|_| w.flush());
    if let Err(e) = result {
        report_output_error(e, rep);
    }
}

/// Describes the capsule `file` on `out` in the text or JSON format (the TenDRA format
/// has no capsule form; it is taken as text).
pub fn inspect(file: &str, format: ListFormat, out: &mut dyn Write, rep: &mut Reporter) {
    if let Some(data) = read(file, rep) {
        inspect_bytes(&shown(file), &data, format, out, rep);
    }
}

/// [`inspect`] for a capsule already in memory.
pub fn inspect_bytes(
    file: &str,
    data: &[u8],
    format: ListFormat,
    out: &mut dyn Write,
    rep: &mut Reporter,
) {
    // Leniently: what the linker would refuse is still described, with a warning.
    let (read, problems) = Capsule::read_for_inspection(data);
    let refused = problems.into_iter().map(|p| match p.kind {
        // The count of problems not kept is said as it is.
        Kind::MoreProblemsOmitted { .. } => p,
        _ => Diagnostic {
            kind: Kind::capsule_refused_by_linker(p.kind.message(), p.code()),
            file: None,
            location: p.location,
        },
    });
    let warnings = read.as_ref().map_or(&[][..], |c| &c.warnings[..]);
    let mut notes: Vec<Diagnostic> = warnings.iter().cloned().chain(refused).collect();
    // In file order; those about the whole file first, the count of those not shown last.
    notes.sort_by_key(|d| {
        (
            matches!(d.kind, Kind::MoreProblemsOmitted { .. }),
            d.offset(),
        )
    });
    for d in notes {
        if rep.report(d.with_file(file)).is_err() {
            return;
        }
    }
    let capsule = match read {
        Ok(c) => c,
        Err(d) => {
            let _ = rep.report(*in_file(d, file));
            return;
        }
    };
    let mut w = BufWriter::new(out);
    let result = match format {
        ListFormat::Json => inspect::json(file, data.len(), &capsule, &mut w),
        ListFormat::Text | ListFormat::Tendra => inspect::text(file, data.len(), &capsule, &mut w),
    }
    .and_then(|_| w.flush());
    if let Err(e) = result {
        report_output_error(e, rep);
    }
}

/// `tshow FILE`: inspects a capsule or lists a library, decided by the magic number. In
/// the TenDRA format the file must be a library, as for `tld -mt`. A file that is
/// neither is reported as not being a library.
pub fn show(file: &str, opts: &ListOptions, out: &mut dyn Write, rep: &mut Reporter) {
    let Some(data) = read(file, rep) else { return };
    let file = &shown(file);
    if data.starts_with(CAPSULE_MAGIC) && opts.format != ListFormat::Tendra {
        inspect_bytes(file, &data, opts.format, out, rep);
    } else {
        list_bytes(file, &data, opts, out, rep);
    }
}

/// Extracts members of the library `library` (§6.3), below the current directory or
/// `opts.directory`, all or nothing: every requested name and every member's path is
/// checked first, each problem is reported (`capsule_not_found`,
/// `unsafe_member_name`), and if there is any, nothing is written; a failure while
/// writing removes what the run wrote. See the crate documentation for the safety rules.
pub fn extract(library: &str, opts: &ExtractOptions, rep: &mut Reporter) {
    extract::extract(library, opts, rep)
}

#[cfg(test)]
mod tests;
