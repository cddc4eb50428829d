//! The core of the TDF toolset: everything about TDF capsules and libraries that does not
//! depend on which tool is running.
//!
//! Bottom up (each module is the file of its name in `src/`):
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
//!   insertion order, hashed with [`hash`], and the library index table that checks a
//!   library's index ([`tables::IndexTable`]).
//! * [`decode`]: unit bodies: the constructor table of TDF 4.0/4.1 (generated from
//!   `src/decode/constructs.txt`), the decoder into a flat tree, the encoder that writes
//!   a tree back bit for bit, and the checker's diagnostics.
//! * [`rename`]: the `-R` rename-file parser.
//! * [`fsutil`]: reading inputs, atomic writes, `@FILE` response files; [`input`]: large
//!   inputs mapped instead of read; [`cli`]: the
//!   command-line conventions the three tools share (no tool's options).
//!
//! Every failure is a [`tdf_errors::Diagnostic`] from the catalogue, located at a byte of
//! the input; the caller adds the file name with [`in_file`] ([`diag`]).
//!
//! This file only declares the modules and re-exports what the tools use most; the
//! modules import each other by their own paths, never through these re-exports, so that
//! no module imports one that imports it (`tests/architecture/imports.rs`).

pub mod bits;
pub mod capsule;
pub mod cli;
pub mod decode;
pub mod diag;
pub mod fsutil;
pub mod hash;
pub mod input;
pub mod library;
pub mod linkinfo;
pub mod name;
pub mod process;
pub mod rename;
pub mod tables;
mod text;
pub mod unitset;

pub use capsule::Capsule;
pub use diag::{in_file, DiagResult};
pub use library::Library;
pub use linkinfo::Usage;
pub use name::{push_shown, show_bytes, ExtName};
pub use tdf_errors::{Diagnostic, Kind};
pub use unitset::UnitSetList;

/// The TDF versions this toolset reads and writes, as a literal for `concat!` (clap's
/// `version` wants a `&'static str` built at compile time).
#[macro_export]
macro_rules! tdf_versions {
    () => {
        "TDF 4.x capsules and type-0 libraries"
    };
}

/// The TDF versions this toolset reads and writes, for `--version`.
pub const TDF_VERSIONS: &str = tdf_versions!();
