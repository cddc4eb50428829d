//! `tshow`'s options (clap derive), here in the library so that the man page and shell
//! completion generator can read them ([`command`]). The binary parses them with
//! [`tdf_core::cli::parse`], which turns every complaint into a catalogue diagnostic.

use std::path::PathBuf;

use clap::{CommandFactory, Parser, ValueEnum, ValueHint};
use tdf_core::cli::{headings, ColorChoice, DiagnosticsFormat, VERSION};

use crate::options::ListFormat;

/// The heading of the listing options.
const LISTING: &str = "Listing (without -x)";
/// The heading of the extraction options.
const EXTRACTION: &str = "Extraction (-x)";
/// The heading of the decoding options.
const DECODING: &str = "Decoding unit bodies";

const EXAMPLES: &str = "\
Examples:
  tshow lib/api/c89.tl                list the members of a library
  tshow -s -i lib/sys/dep.tl          ... with their sizes and the index
  tshow --format json lib/sys/dep.tl  the same as one JSON document
  tshow main.j                        inspect a capsule, as nm does an object file
  tshow -x -C out lib/sys/dep.tl dep/int.j
                                      extract dep/int.j into out/
  tshow -x -a -b lib/sys/abi.tl       extract every member under its last name part
  tshow --diagnostics-format=json -x -v -a -C out lib/sys/abi.tl
                                      ... saying so for each, as JSON lines
  tshow -d main.j                     the capsule in TDF notation, as tnc -p prints it
  tshow -d --format json main.j       its decoded unit bodies as JSON
  tshow --check lib/api/c89.tl        decode the bodies of every member, report damage";

/// List a TDF library (.tl), inspect a TDF capsule (.j), or extract capsules from a library.
///
/// Without -x, FILE is listed if it is a library and inspected if it is a capsule (decided
/// by its first bytes). With -x, the named capsules (or all, with -a) are extracted from the
/// library FILE. With -d, the unit bodies of the capsule FILE (or of the members of the
/// library FILE, all or those named) are decoded and printed; --check decodes them and
/// reports what is damaged. Arguments of the form @FILE are replaced by the words in FILE.
#[derive(Parser, Debug)]
#[command(name = "tshow", version = VERSION, max_term_width = 100, after_help = EXAMPLES)]
pub struct ShowArgs {
    /// The library or capsule (- for standard input)
    #[arg(value_name = "FILE", required_unless_present = "explain", value_hint = ValueHint::FilePath, help_heading = headings::INPUT)]
    pub file: Option<String>,
    /// With -x, -d or --check: the library members to extract or decode
    #[arg(value_name = "NAME", help_heading = headings::INPUT)]
    pub names: Vec<String>,
    /// List the index of a library
    #[arg(short = 'i', long = "index", conflicts_with = "extract", help_heading = LISTING)]
    pub index: bool,
    /// List the sizes of the members of a library
    #[arg(short = 's', long = "size", conflicts_with = "extract", help_heading = LISTING)]
    pub size: bool,
    /// Print the TDF version of a library
    #[arg(short = 't', long = "tdf-version", conflicts_with = "extract", help_heading = LISTING)]
    pub tdf_version: bool,
    /// Output format
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        default_value = "text",
        conflicts_with = "extract",
        help_heading = LISTING
    )]
    pub format: Format,
    /// Extract capsules from the library FILE
    #[arg(short = 'x', long = "extract", help_heading = EXTRACTION)]
    pub extract: bool,
    /// Print the unit bodies: in TDF notation exactly as TenDRA's tnc -p prints them, or
    /// the decoded trees as JSON with --format json
    #[arg(short = 'd', long = "decode", conflicts_with_all = ["extract", "index", "size", "tdf_version", "check"], help_heading = DECODING)]
    pub decode: bool,
    /// Decode every unit body and report each damaged one (exit status 1); print nothing
    /// else
    #[arg(long = "check", conflicts_with_all = ["extract", "index", "size", "tdf_version"], help_heading = DECODING)]
    pub check: bool,
    /// With -x: extract every capsule
    #[arg(short = 'a', long = "all", help_heading = EXTRACTION)]
    pub all: bool,
    /// With -x: a NAME also matches the last part of a stored name
    #[arg(short = 'm', long = "match-basename", help_heading = EXTRACTION)]
    pub match_basename: bool,
    /// With -x: write each capsule under the last part of its name
    #[arg(short = 'b', long = "basename", help_heading = EXTRACTION)]
    pub basename: bool,
    /// With -x: extract below DIR
    #[arg(short = 'C', long = "directory", value_name = "DIR", value_hint = ValueHint::DirPath, help_heading = EXTRACTION)]
    pub directory: Option<PathBuf>,
    /// With -x: report each extracted capsule
    #[arg(short = 'v', long = "verbose", help_heading = EXTRACTION)]
    pub verbose: bool,
    /// Explain a diagnostic code (such as E0611) and exit
    #[arg(long, value_name = "CODE", help_heading = headings::DIAGNOSTICS)]
    pub explain: Option<String>,
    /// Colour diagnostics: auto (on a terminal, unless NO_COLOR is set), always, never
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto, hide_possible_values = true, help_heading = headings::DIAGNOSTICS)]
    pub color: ColorChoice,
    /// Print diagnostics as human (the default) or json (one JSON object per line)
    #[arg(long = "diagnostics-format", value_enum, value_name = "FORMAT", default_value_t = DiagnosticsFormat::Human, hide_possible_values = true, help_heading = headings::DIAGNOSTICS)]
    pub diagnostics_format: DiagnosticsFormat,
}

/// The listing formats of `--format`.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum Format {
    /// Readable text with aligned columns
    Text,
    /// One JSON document (see JSON.md)
    Json,
    /// The format of TenDRA's `tld -mt` (libraries only)
    #[value(hide = true)]
    Tendra,
}

impl From<Format> for ListFormat {
    fn from(f: Format) -> ListFormat {
        match f {
            Format::Text => ListFormat::Text,
            Format::Json => ListFormat::Json,
            Format::Tendra => ListFormat::Tendra,
        }
    }
}

/// `tshow`'s clap command, for the man page and shell completion generator.
pub fn command() -> clap::Command {
    ShowArgs::command()
}

#[cfg(test)]
mod tests {
    #[test]
    fn command_is_consistent() {
        super::command().debug_assert();
    }
}
