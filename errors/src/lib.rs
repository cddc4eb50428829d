//! The diagnostic catalogue of the TDF toolset (`tld`, `tlib`, `tshow`).
//!
//! # Design
//!
//! Every message any tool can print is an entry of one text file,
//! `errors/catalogue.txt`. An entry has a stable code (`E0401`), a snake_case
//! name (`tdf_unexpected_eof`), a [`Severity`], a flag marking command-line
//! usage errors, typed parameters, a one-line message template with
//! `{param}` placeholders, and a paragraph of explanation. The codes are
//! grouped by area:
//!
//! | codes | area |
//! |---|---|
//! | E01xx | command line and setup |
//! | E02xx | names and rename rules (including the rename file syntax) |
//! | E03xx | the unit set file |
//! | E04xx | reading TDF |
//! | E05xx | capsule structure and linker information |
//! | E06xx | libraries |
//! | E07xx | link, build, input and output |
//! | E08xx | additions of this toolset |
//!
//! The build script parses and checks the catalogue and generates:
//!
//! * [`Kind`], one variant per entry (CamelCase of the name) whose fields are
//!   the parameters (`str` becomes `String`, `int` becomes `u64`), with one
//!   constructor function per entry named like the entry
//!   (`Kind::name_id_out_of_range("tag", "f", 3, 2)`);
//! * [`CATALOGUE`], the table of [`Entry`] values in file order, which
//!   [`lookup`], [`explain`] and [`catalogue_markdown`] read.
//!
//! A [`Kind`] knows *what* happened. A [`Diagnostic`] adds *where*: an
//! optional file name and a [`Location`] (a byte offset in binary input, or a
//! span in a text file such as a rename file). [`Diagnostic::render`] prints
//! it in GNU style,
//!
//! ```text
//! tld: error: in/x.j: byte 12: unexpected end of file [E0401]
//! ```
//!
//! or, for text locations, as a source snippet; [`Diagnostic::render_json`] prints it
//! as one line of JSON for programs (schema in `errors/JSON.md`; the parameters are
//! [`Kind::params`]). A [`Reporter`] collects the
//! diagnostics of one run: it prints each as it arrives (in its [`Format`]), counts errors and
//! warnings, enforces an error limit and computes the exit status (2 for a
//! usage error, 1 for any other error, 0 otherwise).
//!
//! Messages are lower case and contain neither the file, the position nor
//! the severity: those are added when rendering. Names inside messages are
//! already formatted by the caller (external-name syntax); shapes and file
//! names are passed raw.
//!
//! `errors/CATALOGUE.md` is generated from [`CATALOGUE`] by
//! [`catalogue_markdown`]; the `catalogue` test fails when it is stale and
//! `UPDATE_CATALOGUE=1 cargo test -p tdf-errors --test catalogue` rewrites it.
//!
//! # Example
//!
//! ```
//! use tdf_errors::{Diagnostic, Kind};
//!
//! let d = Diagnostic::new(Kind::tdf_unexpected_eof())
//!     .with_file("in/x.j")
//!     .at_byte(12);
//! assert_eq!(
//!     d.render("tld", false),
//!     "tld: error: in/x.j: byte 12: unexpected end of file [E0401]\n"
//! );
//! ```

#![warn(missing_docs)]

use std::fmt;

mod diagnostic;
mod json;
mod reporter;

pub use diagnostic::{Diagnostic, Location};
pub use json::{json_string, Format};
pub use reporter::{LimitReached, Reporter};

include!(concat!(env!("OUT_DIR"), "/catalogue.rs"));

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    /// The run cannot continue.
    Fatal,
    /// The run continues (perhaps with the next input) but fails in the end.
    Error,
    /// Something suspicious; the run still succeeds.
    Warning,
    /// Information only.
    Info,
}

impl Severity {
    /// The word printed in messages: "fatal error", "error", "warning", "info".
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Fatal => "fatal error",
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    /// True for [`Severity::Fatal`] and [`Severity::Error`].
    pub fn is_error(self) -> bool {
        matches!(self, Severity::Fatal | Severity::Error)
    }

    /// The lower-case keyword used in `catalogue.txt` and in JSON diagnostics:
    /// "fatal", "error", "warning", "info".
    pub fn keyword(self) -> &'static str {
        match self {
            Severity::Fatal => "fatal",
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The value of one parameter of a [`Kind`], as [`Kind::params`] gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param<'a> {
    /// A `str` parameter: a name (already in external-name syntax), a shape, a file
    /// name, an option word, a reason.
    Str(&'a str),
    /// An `int` parameter: a count, an id, a version number.
    Int(u64),
}

/// One catalogue entry, as written in `catalogue.txt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    /// Stable code, e.g. `"E0401"`.
    pub code: &'static str,
    /// Stable snake_case name, e.g. `"tdf_unexpected_eof"`.
    pub name: &'static str,
    /// The severity.
    pub severity: Severity,
    /// A command-line usage error (the program exits with status 2).
    pub usage: bool,
    /// Parameters in order: (name, type), type being `"str"` or `"int"`.
    pub params: &'static [(&'static str, &'static str)],
    /// The message with `{param}` placeholders.
    pub template: &'static str,
    /// The explanation paragraph (unwrapped).
    pub explanation: &'static str,
}

impl Kind {
    /// The stable code, e.g. `"E0401"`.
    pub fn code(&self) -> &'static str {
        self.entry().code
    }

    /// The stable snake_case name, e.g. `"tdf_unexpected_eof"`.
    pub fn name(&self) -> &'static str {
        self.entry().name
    }

    /// The severity of the entry.
    pub fn severity(&self) -> Severity {
        self.entry().severity
    }

    /// True for command-line usage errors (exit status 2).
    pub fn is_usage(&self) -> bool {
        self.entry().usage
    }

    /// The catalogue entry of this kind.
    pub fn entry(&self) -> &'static Entry {
        &CATALOGUE[self.index()]
    }
}

impl fmt::Display for Kind {
    /// The filled-in message, as [`Kind::message`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

/// Finds an entry by code (`"E0401"`, case-insensitive) or by name
/// (`"tdf_unexpected_eof"`; `-` may stand for `_`).
pub fn lookup(code_or_name: &str) -> Option<&'static Entry> {
    let key = code_or_name.trim().replace('-', "_");
    CATALOGUE
        .iter()
        .find(|e| e.code.eq_ignore_ascii_case(&key) || e.name.eq_ignore_ascii_case(&key))
}

/// The text printed by `--explain CODE`, or `None` for an unknown code.
///
/// The first line is the header `E0401 (error): tdf_unexpected_eof`, the
/// second the message template; then a blank line and the explanation
/// wrapped at 80 columns. The text ends with a newline.
pub fn explain(code_or_name: &str) -> Option<String> {
    let e = lookup(code_or_name)?;
    let mut out = format!(
        "{} ({}): {}\n{}\n\n",
        e.code, e.severity, e.name, e.template
    );
    for line in wrap(e.explanation, 80) {
        out.push_str(&line);
        out.push('\n');
    }
    Some(out)
}

/// Splits `text` into lines of at most `width` characters at spaces (a single
/// word longer than `width` gets a line of its own).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_len = 0;
    for word in text.split_whitespace() {
        let word_len = word.chars().count();
        if line_len > 0 && line_len + 1 + word_len > width {
            lines.push(std::mem::take(&mut line));
            line_len = 0;
        }
        if line_len > 0 {
            line.push(' ');
            line_len += 1;
        }
        line.push_str(word);
        line_len += word_len;
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Titles of the code areas, by the first three characters of the code.
const AREAS: &[(&str, &str)] = &[
    ("E01", "Command line and setup"),
    ("E02", "Names and rename rules"),
    ("E03", "Unit set file"),
    ("E04", "Reading TDF"),
    ("E05", "Capsule structure and linker information"),
    ("E06", "Libraries"),
    ("E07", "Link, build, input and output"),
    ("E08", "Additions of this toolset"),
];

/// The contents of `errors/CATALOGUE.md`: a table of all entries followed by
/// every entry's explanation, grouped by area.
pub fn catalogue_markdown() -> String {
    fn cell(s: &str) -> String {
        s.replace('|', "\\|")
    }
    fn severity_text(e: &Entry) -> String {
        if e.usage {
            format!("{} (usage)", e.severity.keyword())
        } else {
            e.severity.keyword().to_string()
        }
    }

    let mut out = String::new();
    out.push_str("# Diagnostic catalogue\n\n");
    out.push_str(
        "<!-- Generated from errors/catalogue.txt; do not edit. Regenerate with\n     \
         UPDATE_CATALOGUE=1 cargo test -p tdf-errors --test catalogue -->\n\n",
    );
    out.push_str(
        "Every diagnostic the TDF tools can print. Messages are printed as\n\
         `PROGRAM: SEVERITY: FILE: byte N: MESSAGE [CODE]` (file and position when known);\n\
         `tld --explain CODE` prints the explanation of an entry. Usage errors make the\n\
         program exit with status 2, other errors and fatal errors with status 1.\n\n",
    );
    out.push_str("| code | name | severity | message |\n|---|---|---|---|\n");
    for e in CATALOGUE {
        out.push_str(&format!(
            "| [{code}](#{lower}) | `{name}` | {sev} | `{msg}` |\n",
            code = e.code,
            lower = e.code.to_ascii_lowercase(),
            name = e.name,
            sev = severity_text(e),
            msg = cell(e.template),
        ));
    }
    let mut area = "";
    for e in CATALOGUE {
        let prefix = &e.code[..3];
        if prefix != area {
            area = prefix;
            let title = AREAS
                .iter()
                .find(|(p, _)| *p == prefix)
                .map_or("Other", |(_, t)| t);
            out.push_str(&format!("\n## {prefix}xx: {title}\n"));
        }
        out.push_str(&format!("\n### {}\n\n", e.code));
        out.push_str(&format!(
            "`{}`, {}; message: `{}`",
            e.name,
            severity_text(e),
            e.template
        ));
        if e.params.is_empty() {
            out.push_str("\n\n");
        } else {
            let params: Vec<String> = e
                .params
                .iter()
                .map(|(n, t)| format!("`{n}` ({t})"))
                .collect();
            out.push_str(&format!("; parameters: {}.\n\n", params.join(", ")));
        }
        for line in wrap(e.explanation, 90) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_respects_width() {
        let text = "aaa bbb ccc ddd";
        assert_eq!(wrap(text, 7), vec!["aaa bbb", "ccc ddd"]);
        assert_eq!(
            wrap("averyveryverylongword x", 5),
            vec!["averyveryverylongword", "x"]
        );
        assert!(wrap("", 10).is_empty());
    }

    #[test]
    fn every_kind_maps_to_its_entry() {
        let k = Kind::name_id_out_of_range("tag", "f", 3, 2);
        assert_eq!(k.name(), "name_id_out_of_range");
        assert_eq!(k.entry().params.len(), 4);
        assert_eq!(Kind::tdf_unexpected_eof().code(), "E0401");
    }
}
