//! The options of a listing and of an extraction (the crate root re-exports them; the
//! modules that read them import them from here).

use std::path::PathBuf;

/// Output format of a listing or inspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListFormat {
    /// TenDRA's `tld -mt` format, exactly (libraries only).
    Tendra,
    /// The readable layout of this tool.
    #[default]
    Text,
    /// One JSON document (schemas `tshow-library-1`, `tshow-capsule-1`).
    Json,
}

/// What a library listing shows.
#[derive(Debug, Clone, Default)]
pub struct ListOptions {
    /// `-i`: the index.
    pub index: bool,
    /// `-s`: member sizes.
    pub size: bool,
    /// `-t`: the TDF version.
    pub tdf_version: bool,
    pub format: ListFormat,
}

/// Options of an extraction.
#[derive(Debug, Clone, Default)]
pub struct ExtractOptions {
    /// `-a`: every member, in library order.
    pub all: bool,
    /// `-b`: write each member under its basename (text after the last `/`).
    pub basename: bool,
    /// `-m`: a requested name also matches a member's basename.
    pub match_basename: bool,
    /// `-v` (`tld -mx -i`): an informational message per extracted member.
    pub verbose: bool,
    /// `-C DIR`: extract below DIR instead of the current directory.
    pub directory: Option<PathBuf>,
    /// The members to extract (stored names, or basenames with `match_basename`).
    pub names: Vec<String>,
}
