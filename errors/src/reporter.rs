//! [`Reporter`]: the diagnostic sink of one run.

use std::fmt;
use std::io::Write;

use crate::catalogue::{Kind, Severity};
use crate::diagnostic::Diagnostic;
use crate::json::Format;

/// Returned by [`Reporter::report`] once the error limit has been reached:
/// the caller should stop the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitReached;

impl fmt::Display for LimitReached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("error limit reached")
    }
}

impl std::error::Error for LimitReached {}

/// Collects the diagnostics of one run: prints each to a writer as it
/// arrives, counts them, and enforces an error limit.
///
/// * Errors and fatal errors count as errors; warnings as warnings; info
///   messages are only printed.
/// * Hidden warnings ([`Reporter::set_show_warnings`]`(false)`) are counted
///   and recorded but not printed.
/// * When the number of errors reaches the limit, the reporter prints
///   [`Kind::error_limit_reached`] (recorded in [`Reporter::diagnostics`] and
///   reflected by [`Reporter::had_fatal`], but not counted by
///   [`Reporter::error_count`]) and `report` returns `Err(LimitReached)`.
///   From then on every `report` call records the diagnostic without
///   printing it and returns `Err(LimitReached)` again.
/// * A fatal error does not stop anything by itself: `report` returns `Ok`
///   and the caller checks [`Reporter::had_fatal`].
/// * Write errors on the output are ignored (there is nowhere to report
///   them).
pub struct Reporter {
    program: &'static str,
    out: Box<dyn Write + Send>,
    error_limit: usize,
    show_warnings: bool,
    color: bool,
    format: Format,
    diagnostics: Vec<Diagnostic>,
    errors: usize,
    warnings: usize,
    usage_error: bool,
    fatal: bool,
    limit_reached: bool,
}

impl Reporter {
    /// The default error limit.
    pub const DEFAULT_ERROR_LIMIT: usize = 20;

    /// A reporter writing to standard error, with error limit 20, warnings
    /// shown and no colour.
    pub fn new(program: &'static str) -> Self {
        Self::with_writer(program, Box::new(std::io::stderr()))
    }

    /// A reporter writing to `out` (otherwise as [`Reporter::new`]).
    pub fn with_writer(program: &'static str, out: Box<dyn Write + Send>) -> Self {
        Reporter {
            program,
            out,
            error_limit: Self::DEFAULT_ERROR_LIMIT,
            show_warnings: true,
            color: false,
            format: Format::Human,
            diagnostics: Vec::new(),
            errors: 0,
            warnings: 0,
            usage_error: false,
            fatal: false,
            limit_reached: false,
        }
    }

    /// The program name printed before every message.
    pub fn program(&self) -> &'static str {
        self.program
    }

    /// Sets the error limit; 0 means unlimited.
    pub fn set_error_limit(&mut self, limit: usize) {
        self.error_limit = limit;
    }

    /// Shows or hides warnings (hidden ones are still counted and recorded).
    pub fn set_show_warnings(&mut self, show: bool) {
        self.show_warnings = show;
    }

    /// Turns ANSI colours on or off.
    pub fn set_color(&mut self, color: bool) {
        self.color = color;
    }

    /// Prints diagnostics for people ([`Format::Human`], the default) or as one JSON
    /// object per line ([`Format::Json`], never coloured).
    pub fn set_format(&mut self, format: Format) {
        self.format = format;
    }

    /// The output format of diagnostics.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Records, counts and (unless it is a hidden warning) prints `d`.
    ///
    /// Returns `Err(LimitReached)` when this diagnostic makes the error count
    /// reach the limit, and for every diagnostic after that.
    pub fn report(&mut self, d: Diagnostic) -> Result<(), LimitReached> {
        let severity = d.severity();
        match severity {
            Severity::Fatal | Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => {}
        }
        if severity == Severity::Fatal {
            self.fatal = true;
        }
        if d.is_usage() {
            self.usage_error = true;
        }
        if self.limit_reached {
            self.diagnostics.push(d);
            return Err(LimitReached);
        }
        if severity != Severity::Warning || self.show_warnings {
            self.print(&d);
        }
        self.diagnostics.push(d);
        if severity.is_error() && self.error_limit != 0 && self.errors >= self.error_limit {
            self.limit_reached = true;
            self.fatal = true;
            let stop = Diagnostic::new(Kind::error_limit_reached(self.error_limit as u64));
            self.print(&stop);
            self.diagnostics.push(stop);
            return Err(LimitReached);
        }
        Ok(())
    }

    fn print(&mut self, d: &Diagnostic) {
        let text = match self.format {
            Format::Human => d.render(self.program, self.color),
            Format::Json => d.render_json(self.program),
        };
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
    }

    /// Number of errors and fatal errors reported.
    pub fn error_count(&self) -> usize {
        self.errors
    }

    /// Number of warnings reported (shown or hidden).
    pub fn warning_count(&self) -> usize {
        self.warnings
    }

    /// True if any error or fatal error was reported.
    pub fn had_errors(&self) -> bool {
        self.errors > 0
    }

    /// True if a fatal error was reported (including the error-limit stop).
    pub fn had_fatal(&self) -> bool {
        self.fatal
    }

    /// True if a command-line usage error was reported.
    pub fn had_usage_error(&self) -> bool {
        self.usage_error
    }

    /// True once the error limit has been reached.
    pub fn limit_reached(&self) -> bool {
        self.limit_reached
    }

    /// The exit status: 2 after a usage error, else 1 after any error or
    /// fatal error, else 0.
    pub fn exit_code(&self) -> i32 {
        if self.usage_error {
            2
        } else if self.errors > 0 || self.fatal {
            1
        } else {
            0
        }
    }

    /// Everything reported, in order, including hidden warnings and the
    /// error-limit message.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }
}

impl fmt::Debug for Reporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reporter")
            .field("program", &self.program)
            .field("error_limit", &self.error_limit)
            .field("show_warnings", &self.show_warnings)
            .field("color", &self.color)
            .field("format", &self.format)
            .field("errors", &self.errors)
            .field("warnings", &self.warnings)
            .field("usage_error", &self.usage_error)
            .field("fatal", &self.fatal)
            .field("limit_reached", &self.limit_reached)
            .field("diagnostics", &self.diagnostics.len())
            .finish_non_exhaustive()
    }
}
