//! [`Diagnostic`]: a [`Kind`] plus the file and position it refers to, and
//! its rendering.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use codespan_reporting::diagnostic::{self as cs, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor::Ansi, Config};

use crate::catalogue::{Kind, Severity};

/// Where in its file a diagnostic points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// Nowhere in particular (or no file at all).
    None,
    /// A position in binary input: the number of bytes consumed (a byte
    /// whose high nibble has been read counts as consumed) and, for readers
    /// that track it, the bit within the next byte (0 = most significant).
    /// Only the byte offset is printed.
    Byte {
        /// Byte offset from the start of the file (or library member).
        offset: u64,
        /// Bit position within the byte, 0..=7.
        bit: u8,
    },
    /// A span of a text file (rename file, unit set file), shown as a source
    /// snippet.
    Text {
        /// The whole text of the file.
        source: Arc<str>,
        /// Byte range of the offending text in `source` (may be empty).
        span: Range<usize>,
    },
}

/// A reported condition: what ([`Kind`]), in which file, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// What went wrong, with its data.
    pub kind: Kind,
    /// The file concerned, as it should be printed (for a capsule loaded
    /// from a library: `LIB(CAPSULE)`).
    pub file: Option<String>,
    /// Where in the file.
    pub location: Location,
}

impl Diagnostic {
    /// A diagnostic without file and location.
    pub fn new(kind: Kind) -> Self {
        Diagnostic {
            kind,
            file: None,
            location: Location::None,
        }
    }

    /// Sets the file name.
    pub fn with_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    /// Points at a byte offset (bit 0).
    pub fn at_byte(self, offset: u64) -> Self {
        self.at_bit(offset, 0)
    }

    /// Points at a byte offset and a bit within that byte.
    pub fn at_bit(mut self, offset: u64, bit: u8) -> Self {
        self.location = Location::Byte { offset, bit };
        self
    }

    /// Points at `span` (a byte range) of the text `source`.
    pub fn in_text(mut self, source: Arc<str>, span: Range<usize>) -> Self {
        self.location = Location::Text { source, span };
        self
    }

    /// The severity of the kind.
    pub fn severity(&self) -> Severity {
        self.kind.severity()
    }

    /// The stable code of the kind, e.g. `"E0401"`.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// True for command-line usage errors.
    pub fn is_usage(&self) -> bool {
        self.kind.is_usage()
    }

    /// The byte offset, for [`Location::Byte`].
    pub fn offset(&self) -> Option<u64> {
        match self.location {
            Location::Byte { offset, .. } => Some(offset),
            _ => None,
        }
    }

    /// The message as printed, ending with `'\n'`.
    ///
    /// Without a text location this is one GNU-style line:
    /// `PROGRAM: SEVERITY: FILE: byte N: MESSAGE [CODE]`, where the file and
    /// the `byte N` part are left out when unknown. With a text location it
    /// is a source snippet whose first line is
    /// `PROGRAM: SEVERITY[CODE]: MESSAGE`, followed by a `┌─ FILE:LINE:COL`
    /// line and the marked source. With `color`, ANSI colours mark the
    /// severity (red for errors, yellow for warnings, green for information).
    pub fn render(&self, program: &str, color: bool) -> String {
        if let Location::Text { source, span } = &self.location {
            if let Some(snippet) = self.snippet(program, color, source, span.clone()) {
                return snippet;
            }
        }
        format!("{program}: {}\n", self.headline(color))
    }

    /// The one-line form without the program name.
    fn headline(&self, color: bool) -> String {
        let severity = self.severity();
        let mut line = if color {
            format!("{}{}:{}", ansi_start(severity), severity, ANSI_RESET)
        } else {
            format!("{severity}:")
        };
        if let Some(file) = &self.file {
            line.push(' ');
            line.push_str(file);
            match &self.location {
                Location::Byte { offset, .. } => line.push_str(&format!(": byte {offset}")),
                Location::Text { source, span } => {
                    let (l, c) = line_column(source, span.start);
                    line.push_str(&format!(":{l}:{c}"));
                }
                Location::None => {}
            }
            line.push(':');
        } else if let Location::Byte { offset, .. } = &self.location {
            line.push_str(&format!(" byte {offset}:"));
        }
        line.push(' ');
        line.push_str(&self.kind.message());
        line.push_str(&format!(" [{}]", self.code()));
        line
    }

    /// A codespan-reporting snippet, or `None` if the span cannot be shown.
    fn snippet(
        &self,
        program: &str,
        color: bool,
        source: &str,
        span: Range<usize>,
    ) -> Option<String> {
        let name = self.file.as_deref().unwrap_or("<input>");
        let file = SimpleFile::new(name, source);
        let severity = self.severity();
        let cs_severity = match severity {
            Severity::Fatal | Severity::Error => cs::Severity::Error,
            Severity::Warning => cs::Severity::Warning,
            Severity::Info => cs::Severity::Note,
        };
        let diagnostic = cs::Diagnostic::new(cs_severity)
            .with_code(self.code())
            .with_message(self.kind.message())
            .with_label(Label::primary((), clamp_span(source, span)));
        let config = Config::default();
        let text = if color {
            let mut out = Ansi::new(Vec::new());
            term::emit_to_write_style(&mut out, &config, &file, &diagnostic).ok()?;
            String::from_utf8(out.into_inner()).ok()?
        } else {
            term::emit_into_string(&config, &file, &diagnostic).ok()?
        };
        // codespan knows no "fatal" and no "info": adjust the header word.
        let text = match severity {
            Severity::Fatal => text.replacen("error[", "fatal error[", 1),
            Severity::Info => text.replacen("note[", "info[", 1),
            _ => text,
        };
        let mut out = format!("{program}: {}", text.trim_end());
        out.push('\n');
        Some(out)
    }
}

impl From<Kind> for Diagnostic {
    fn from(kind: Kind) -> Self {
        Diagnostic::new(kind)
    }
}

impl fmt::Display for Diagnostic {
    /// The one-line form without the program name and colours:
    /// `SEVERITY: FILE: byte N: MESSAGE [CODE]` (text locations give
    /// `FILE:LINE:COL`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.headline(false))
    }
}

impl std::error::Error for Diagnostic {}

const ANSI_RESET: &str = "\x1b[0m";

fn ansi_start(severity: Severity) -> &'static str {
    match severity {
        Severity::Fatal | Severity::Error => "\x1b[1;31m",
        Severity::Warning => "\x1b[1;33m",
        Severity::Info => "\x1b[1;32m",
    }
}

/// Restricts `span` to `source` and to character boundaries.
pub(crate) fn clamp_span(source: &str, span: Range<usize>) -> Range<usize> {
    let floor = |mut i: usize| {
        i = i.min(source.len());
        while !source.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let end = floor(span.end);
    let start = floor(span.start.min(end));
    start..end
}

/// 1-based line and column (in characters) of byte `offset` in `source`.
pub(crate) fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let range = clamp_span(source, offset..offset);
    let before = &source[..range.start];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamp_keeps_char_boundaries() {
        let s = "aé b";
        assert_eq!(clamp_span(s, 2..3), 1..3);
        assert_eq!(clamp_span(s, 0..100), 0..s.len());
        assert_eq!(clamp_span(s, Range { start: 4, end: 2 }), 1..1);
    }

    #[test]
    fn line_column_counts_from_one() {
        let s = "ab\ncdé\nf";
        assert_eq!(line_column(s, 0), (1, 1));
        assert_eq!(line_column(s, 3), (2, 1));
        assert_eq!(line_column(s, 8), (3, 1));
        assert_eq!(line_column(s, 100), (3, 2));
    }
}
