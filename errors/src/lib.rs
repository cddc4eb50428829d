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

mod catalogue;
mod diagnostic;
mod json;
mod reporter;

pub use catalogue::{catalogue_markdown, explain, lookup, Entry, Kind, Param, Severity, CATALOGUE};
pub use diagnostic::{Diagnostic, Location};
pub use json::{json_string, Format};
pub use reporter::{LimitReached, Reporter};
