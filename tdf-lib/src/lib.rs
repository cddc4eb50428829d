//! `tlib`: building TDF libraries (`.tl`, library type 0) from capsules.
//!
//! [`build`] is the whole of `tlib` and of `tld -mc` (§6.1 of the format reference):
//!
//! 1. every `-i` library is read and checked, and its index merged into a throw-away
//!    library-side table ([`tdf_core::tables::IndexTable`], which reports a name
//!    defined in two included libraries);
//! 2. the capsules of the `-i` libraries (library order, then member order; each keeps
//!    its stored name) and then the capsule files (command-line order; stored name = the
//!    path exactly as given) are read completely with [`tdf_core::Capsule::read_with`],
//!    sharing the major version fixed by the first input; a stored name seen before is
//!    a `duplicate_capsule_name` error; with `--check` every unit body is decoded and
//!    each damaged one reported ([`tdf_core::decode::check`]); the usages of every
//!    external name are merged
//!    over all capsules ([`tdf_core::linkinfo::merge_usage`]), a second unique
//!    definition being `multiply_defined`;
//! 3. a name with non-unique definitions (`MULT`) and no single recorded definition is
//!    `no_single_definition`;
//! 4. suppression (`-M`, `-S SHAPE`, `-s SHAPE NAME`) leaves names out of the index;
//! 5. the library is written: members in input order, version (major, highest minor of
//!    the capsules read), and the index of §4.2 (shapes in first-seen order that have at
//!    least one indexed name, names in first-seen order, merged usage, defining
//!    capsule).
//!
//! Everything is kept in insertion order, so the same inputs always give byte-identical
//! output. Capsules and names borrow from the input buffers; the work is linear in the
//! size of the inputs. Any error means no library is written: the output is written to
//! a temporary file and renamed over the target ([`tdf_core::fsutil::PendingOutput`]) only
//! after a run without errors. `-` as the output or the trace file is standard output.
//!
//! [`Builder`] is the in-memory part, for callers that have the bytes already.
//!
//! # Files
//!
//! | file | what it holds |
//! |---|---|
//! | `src/lib.rs` | [`build`] and its options ([`BuildOptions`]), shared by `tlib` and `tld -mc` |
//! | `src/builder.rs` | [`Builder`]: capsules and `-i` libraries merged, checked, and written as a library |
//! | `src/cli.rs` | `tlib`'s options ([`cli::TlibArgs`]) and the `-s`/`-u` helpers `tld -mc` shares; the conventions all tools share are in [`tdf_core::cli`] |
//! | `src/main.rs` | the `tlib` binary: parses the options and calls [`build`] |

mod builder;
pub mod cli;

use std::borrow::Cow;
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use tdf_core::diag::io_reason;
use tdf_core::fsutil::{
    is_stdio, shown_name, write_atomic, write_atomic_with, OutputKind, PendingOutput,
};
use tdf_core::input::read_mapped;
use tdf_errors::{Diagnostic, Kind, Reporter};

pub use builder::{Builder, Suppression};

/// The default output file of a build.
pub const DEFAULT_OUTPUT: &str = "library.tl";

/// Options of a library build (`tlib`, `tld -mc`).
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// The library to write; `None` means [`DEFAULT_OUTPUT`].
    pub output: Option<PathBuf>,
    /// `-i LIB`: libraries whose capsules join first (a path given twice counts once).
    pub include_libraries: Vec<String>,
    /// The capsule files, in command-line order.
    pub capsules: Vec<String>,
    /// `-s SHAPE NAME`: names left out of the index.
    pub suppress: Vec<(Vec<u8>, tdf_core::ExtName<'static>)>,
    /// `-S SHAPE`: shapes left out of the index.
    pub suppress_all: Vec<Vec<u8>>,
    /// `-M`: leave out names that have only non-unique definitions.
    pub suppress_mult: bool,
    /// The unit set list capsules are checked against (`-u`).
    pub unit_sets: tdf_core::UnitSetList,
    /// `-d FILE`: write a trace of the build there (format not part of the contract).
    pub debug_file: Option<PathBuf>,
    /// `--check`: decode every unit body of every capsule and report what is damaged
    /// (by default bodies are copied unread).
    pub check: bool,
}

/// Builds a library as §6.1 describes. Everything is reported through `rep`; the library
/// is written (atomically) only when no error was reported.
pub fn build(opts: &BuildOptions, rep: &mut Reporter) {
    if opts.include_libraries.is_empty() && opts.capsules.is_empty() {
        let _ = rep.report(Kind::missing_files().into());
        return;
    }
    let output = opts
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_OUTPUT));
    // Standard output carries one of them.
    if opts.debug_file.as_deref().is_some_and(is_stdio) && is_stdio(&output) {
        let _ = rep.report(Kind::conflicting_options("-d -", "-o -").into());
        return;
    }
    // The trace file is opened first, so that a bad path is reported before any work.
    let debug = match &opts.debug_file {
        None => None,
        Some(p) => {
            let shown = shown_name(p, true);
            match PendingOutput::create(p, OutputKind::Text) {
                Ok(out) => Some((shown, out)),
                Err(e) => {
                    let _ = rep.report(e.debug_file_diagnostic(&shown));
                    return;
                }
            }
        }
    };

    // Read every input first: the library borrows from all of them.
    let mut seen = HashSet::new();
    let libraries: Vec<(&str, _)> = opts
        .include_libraries
        .iter()
        .filter(|l| seen.insert(l.as_str()))
        .map(|l| (l.as_str(), read_mapped(Path::new(l), l)))
        .collect();
    let capsules: Vec<(&str, _)> = opts
        .capsules
        .iter()
        .map(|c| (c.as_str(), read_mapped(Path::new(c), c)))
        .collect();

    let mut builder = Builder::new(&opts.unit_sets);
    if debug.is_some() {
        builder.enable_trace();
    }
    if opts.check {
        builder.enable_check();
    }
    let suppress = Suppression {
        names: &opts.suppress,
        shapes: &opts.suppress_all,
        mult: opts.suppress_mult,
    };
    let checked = (|| {
        for (name, data) in &libraries {
            match data {
                Ok(bytes) => builder.add_library(name, bytes, rep).ok()?,
                Err(d) => rep.report((**d).clone()).ok()?,
            }
        }
        for (name, data) in &capsules {
            match data {
                Ok(bytes) => builder
                    .add_capsule(
                        Cow::Borrowed(name.as_bytes()),
                        (*name).to_owned(),
                        bytes,
                        rep,
                    )
                    .ok()?,
                Err(d) => rep.report((**d).clone()).ok()?,
            }
        }
        builder.check(&suppress, rep)
    })();

    let shown = shown_name(&output, true);
    let checked = checked.filter(|_| !rep.had_errors());
    // The trace lists the index and gives the size of the library before it is written:
    // then the library model is built and encoded in memory first. Otherwise the library
    // is encoded straight from the builder's tables into the output file.
    let members = builder.len();
    let whole = match checked {
        Some(()) if debug.is_some() => Some(builder.library(&suppress).to_bytes()),
        _ => None,
    };
    let mut trace = builder.take_trace();
    match (&checked, &whole) {
        (Some(()), Some(bytes)) => trace.push_str(&format!(
            "writing '{shown}': TDF {}.{}, {} capsules, {} bytes\n",
            builder.major().unwrap_or(4),
            builder.minor().unwrap_or(0),
            members,
            bytes.len()
        )),
        (Some(()), None) => {}
        (None, _) => trace.push_str(&format!("errors: '{shown}' not written\n")),
    }
    // The trace is written first: a trace that cannot be written is an error, and an
    // error means no library.
    if let Some((shown, mut file)) = debug {
        if let Err(e) = file.write_all(trace.as_bytes()) {
            let kind = Kind::write_error(shown, io_reason(&e));
            let _ = rep.report(Diagnostic::new(kind));
            return;
        }
        if let Err(e) = file.commit() {
            // A changed input is reported as such at the end of the run.
            if !tdf_core::input::any_changed() {
                let _ = rep.report(e.debug_file_diagnostic(&shown));
            }
            return;
        }
    }
    let written = match (checked, whole) {
        (_, Some(bytes)) => write_atomic(&output, &bytes),
        (Some(()), None) => write_atomic_with(&output, OutputKind::Binary, |out| {
            builder.write_library(&suppress, out).map(drop)
        }),
        (None, None) => return,
    };
    match written {
        // A changed input is reported as such at the end of the run.
        Err(_) if tdf_core::input::any_changed() => {}
        Err(e) => {
            let _ = rep.report(e.diagnostic(&shown));
        }
        Ok(()) => {}
    }
}

#[cfg(test)]
mod tests;
