//! What every reader and writer of the core returns: a value or one boxed catalogue
//! diagnostic ([`DiagResult`]), the file name added by the caller ([`in_file`]), and
//! the text of a system error inside a diagnostic ([`io_reason`]).

use std::io;

use tdf_errors::Diagnostic;

/// The result of reading: a value, or one boxed catalogue diagnostic.
pub type DiagResult<T> = Result<T, Box<Diagnostic>>;

/// Names the file a diagnostic is about.
pub fn in_file(mut d: Box<Diagnostic>, file: &str) -> Box<Diagnostic> {
    d.file = Some(file.to_owned());
    d
}

/// A system error as a lower-case phrase without the "(os error N)" suffix.
pub fn io_reason(e: &io::Error) -> String {
    let s = e.to_string();
    let s = match s.find(" (os error") {
        Some(i) => s[..i].to_owned(),
        None => s,
    };
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => s,
    }
}
