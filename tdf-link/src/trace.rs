//! Observers of the link phases: the `-d FILE` trace, `-y SHAPE NAME` (`--trace-symbol`)
//! and `--why-extract FILE`.
//!
//! The phases call these hooks as they work; nothing here changes the link. Every hook
//! is cheap when its option was not given (one branch), so the phases call them freely.
//!
//! * The `-d` trace is a readable account of every phase: options, unit sets, rename
//!   rules, each capsule read (shapes, external names with their ids and usage, units),
//!   each library index, suppression, every resolution step, hiding and keeping, and the
//!   output. Its format is not part of any contract. It is written as the run goes, and
//!   also when the link fails, since that is when it is most useful.
//! * `-y` lines go to standard output: each capsule (input or library) that uses,
//!   declares or defines the name, each library index offering a definition, and each
//!   library capsule loaded for it.
//! * `--why-extract` lists, for each library capsule loaded, the names that caused the
//!   load (one line `CAPSULE<TAB>SHAPE<TAB>NAME` per name: a capsule needed by several
//!   names in the same resolution round is loaded for all of them). It is written once
//!   resolution is over, also when a later phase fails.

use std::io::Write;
use std::path::PathBuf;

use tdf_core::diag::io_reason;
use tdf_core::fsutil::{shown_name, write_atomic_with, OutputKind, PendingOutput};
use tdf_core::{ExtName, Usage};
use tdf_errors::{Diagnostic, Kind};

use crate::args::ShapedName;

/// The observers of one link.
#[derive(Default)]
pub struct Trace {
    /// The `-d` trace being written (committed by [`Trace::finish`]), and its name.
    debug: Option<(String, PendingOutput)>,
    /// The first failure to write the `-d` trace, reported by [`Trace::finish`].
    debug_failed: Option<Box<Diagnostic>>,
    symbols: Vec<ShapedName>,
    symbol_lines: Vec<String>,
    why: Option<(PathBuf, Vec<String>)>,
}

impl std::fmt::Debug for Trace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trace")
            .field("debug", &self.debug.as_ref().map(|d| &d.0))
            .field("symbols", &self.symbols)
            .finish_non_exhaustive()
    }
}

impl Trace {
    /// A trace for these options; opens the `-d` file now, so that a bad path is reported
    /// before any work is done. The trace is written like every output
    /// ([`PendingOutput`]): it replaces an existing file only once it is complete.
    pub fn new(
        debug_file: Option<&PathBuf>,
        symbols: Vec<ShapedName>,
        why_extract: Option<&PathBuf>,
    ) -> Result<Trace, Box<Diagnostic>> {
        let debug = match debug_file {
            None => None,
            Some(p) => {
                let shown = shown_name(p, true);
                let out = PendingOutput::create(p, OutputKind::Text)
                    .map_err(|e| Box::new(e.debug_file_diagnostic(&shown)))?;
                Some((shown, out))
            }
        };
        Ok(Trace {
            debug,
            debug_failed: None,
            symbols,
            symbol_lines: Vec::new(),
            why: why_extract.map(|p| (p.clone(), Vec::new())),
        })
    }

    /// True when the `-d` trace is being written.
    #[inline]
    pub fn on(&self) -> bool {
        self.debug.is_some()
    }

    /// Writes one line to the `-d` trace (the text is only built when tracing).
    #[inline]
    pub fn line(&mut self, text: impl FnOnce() -> String) {
        if let Some((shown, w)) = &mut self.debug {
            let mut s = text();
            s.push('\n');
            if let Err(e) = w.write_all(s.as_bytes()) {
                self.debug_failed
                    .get_or_insert_with(|| write_error(shown, &e));
            }
        }
    }

    /// Starts a phase in the `-d` trace.
    pub fn phase(&mut self, name: &str) {
        self.line(|| format!("\n== {name}"));
    }

    /// True when any observer is on: the `-d` trace, `-y` or `--why-extract`.
    #[inline]
    pub fn observing(&self) -> bool {
        self.debug.is_some() || !self.symbols.is_empty() || self.why.is_some()
    }

    /// True when some `-y` symbol is being traced.
    #[inline]
    pub fn watching(&self) -> bool {
        !self.symbols.is_empty()
    }

    /// True when `-y` asked for this shape and name.
    pub fn watched(&self, shape: &[u8], name: &ExtName<'_>) -> bool {
        self.symbols
            .iter()
            .any(|s| s.shape == shape && s.name == *name)
    }

    /// Records a `-y` line.
    pub fn symbol(&mut self, line: String) {
        self.line(|| format!("  [-y] {line}"));
        self.symbol_lines.push(line);
    }

    /// Records that library capsule `capsule` was loaded for `shape` `name`.
    pub fn extracted(&mut self, capsule: &str, shape: &[u8], name: &ExtName<'_>) {
        if let Some((_, lines)) = &mut self.why {
            lines.push(format!(
                "{capsule}\t{}\t{}",
                tdf_core::show_bytes(shape),
                name.to_text()
            ));
        }
    }

    /// The `-y` lines, in order.
    pub fn symbol_lines(&self) -> &[String] {
        &self.symbol_lines
    }

    /// Writes the `--why-extract` file, if asked for.
    pub fn write_why_extract(&mut self) -> Result<(), Box<Diagnostic>> {
        let Some((path, lines)) = &self.why else {
            return Ok(());
        };
        let mut text = String::from("capsule\tshape\tname\n");
        for l in lines {
            text.push_str(l);
            text.push('\n');
        }
        match write_atomic_with(path, OutputKind::Text, |w| w.write_all(text.as_bytes())) {
            // A changed input is reported as such at the end of the run.
            Err(_) if tdf_core::input::any_changed() => Ok(()),
            written => written.map_err(|e| Box::new(e.diagnostic(&shown_name(path, true)))),
        }
    }

    /// Completes the `-d` trace (it replaces the file now); reports a write failure.
    pub fn finish(&mut self) -> Result<(), Box<Diagnostic>> {
        if let Some((shown, out)) = self.debug.take() {
            // After a failed write the trace is dropped: the old file stays.
            if self.debug_failed.is_none() {
                match out.commit() {
                    // A changed input is reported as such at the end of the run.
                    Err(_) if tdf_core::input::any_changed() => {}
                    Err(e) => self.debug_failed = Some(Box::new(e.debug_file_diagnostic(&shown))),
                    Ok(()) => {}
                }
            }
        }
        self.debug_failed.take().map_or(Ok(()), Err)
    }
}

/// The diagnostic for a failed write to the trace file `shown`.
fn write_error(shown: &str, e: &std::io::Error) -> Box<Diagnostic> {
    Box::new(Diagnostic::new(Kind::write_error(shown, io_reason(e))))
}

/// Usage as words for `-y` lines: "defined, declared, used", or "mentioned".
pub fn usage_words(u: Usage) -> String {
    let mut words = Vec::new();
    if u.contains(Usage::DEFD) {
        words.push("defined");
    }
    if u.contains(Usage::MULT) {
        words.push("defined (shared)");
    }
    if u.contains(Usage::DECD) {
        words.push("declared");
    }
    if u.contains(Usage::USED) {
        words.push("used");
    }
    if words.is_empty() {
        "mentioned without linker information".into()
    } else {
        words.join(", ")
    }
}

/// `shape 'name'` as printed in trace lines.
pub fn shape_name(shape: &[u8], name: &ExtName<'_>) -> String {
    format!("{} '{}'", tdf_core::show_bytes(shape), name.to_text())
}
