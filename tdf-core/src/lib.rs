//! The core of the TDF toolset: everything about TDF capsules and libraries that does not
//! depend on which tool is running.
//!
//! Bottom up:
//!
//! * [`bits`]: the MSB-first bit stream: basic integers, TDFINT, alignment, TDFIDENT,
//!   BYTESTREAM, over one borrowed `&[u8]`.
//! * [`name`]: external names (string and unique), their binary form and their
//!   command-line text syntax.
//! * [`linkinfo`]: usage bits, the linker-information unit, and the usage merge rule.
//! * [`unitset`]: the ordered list of unit sets and the `-u` file that replaces it.
//! * [`capsule`] and [`library`]: models of `.j` and `.tl` files with checking readers and
//!   byte-exact writers. Bodies and members borrow from the input buffer.
//! * [`tables`]: the unit set, shape, name and mapping tables of the linker, all in
//!   insertion order.
//!
//! Every failure is a [`tdf_errors::Diagnostic`] from the catalogue, located at a byte of
//! the input; the caller adds the file name with [`in_file`].

pub mod bits;
pub mod capsule;
pub mod fsutil;
pub mod library;
pub mod linkinfo;
pub mod name;
pub mod rename;
pub mod tables;
mod text;
pub mod unitset;

pub use capsule::Capsule;
pub use library::Library;
pub use linkinfo::Usage;
pub use name::ExtName;
pub use tdf_errors::{Diagnostic, Kind};
pub use unitset::UnitSetList;

/// The result of reading: a value, or one boxed catalogue diagnostic.
pub type DiagResult<T> = Result<T, Box<Diagnostic>>;

/// Names the file a diagnostic is about.
pub fn in_file(mut d: Box<Diagnostic>, file: &str) -> Box<Diagnostic> {
    d.file = Some(file.to_owned());
    d
}

/// Bytes for a message: printable ASCII as is, anything else as `\xHH`.
pub fn show_bytes(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    for &b in bytes {
        if (0x20..0x7F).contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("\\x{b:02x}"));
        }
    }
    s
}

/// The TDF versions this toolset reads and writes, for `--version`.
pub const TDF_VERSIONS: &str = "TDF 4.x capsules and type-0 libraries";
