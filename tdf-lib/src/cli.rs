//! `tlib`'s options ([`TlibArgs`], [`command`]), here in the library so that the man page
//! and shell completion generator can read them, and the conversions of option arguments
//! that `tlib` shares with `tld -mc` (`-s SHAPE NAME`: [`parse_suppress`]; `-u FILE`:
//! [`read_unit_file`]).
//!
//! The conventions every tool shares (`@FILE`, clap errors as catalogue diagnostics,
//! `--explain`, `--color`, `--diagnostics-format`, the version text, the help headings)
//! are in [`tdf_core::cli`]; the binary parses with [`tdf_core::cli::parse`].

use std::path::{Path, PathBuf};

use clap::{CommandFactory, Parser, ValueHint};
use tdf_core::cli::{headings, ColorChoice, DiagnosticsFormat, VERSION};
use tdf_core::{ExtName, UnitSetList};
use tdf_errors::{Kind, Reporter};

/// Converts the words of `-s SHAPE NAME` options (SHAPE, NAME, SHAPE, NAME, ...),
/// parsing each NAME in the §8.4 syntax. A name that does not parse is reported
/// (`illegal_external_name`) and left out.
pub fn parse_suppress(words: &[String], rep: &mut Reporter) -> Vec<(Vec<u8>, ExtName<'static>)> {
    let mut out = Vec::with_capacity(words.len() / 2);
    for pair in words.chunks(2) {
        let [shape, name] = pair else {
            continue;
        };
        match ExtName::parse(name.as_bytes()) {
            Ok(n) => out.push((shape.as_bytes().to_vec(), n)),
            Err(_) => {
                let _ = rep.report(Kind::illegal_external_name(name.as_str()).into());
            }
        }
    }
    out
}

/// Reads a unit set file (`-u FILE`, §8.6). Problems are reported; `None` then.
pub fn read_unit_file(path: &Path, rep: &mut Reporter) -> Option<UnitSetList> {
    UnitSetList::read_file(path)
        .map_err(|diags| {
            for d in diags {
                if rep.report(d).is_err() {
                    break;
                }
            }
        })
        .ok()
}

// ---------------------------------------------------------------------------------------
// tlib's options
// ---------------------------------------------------------------------------------------

const TLIB_EXAMPLES: &str = "\
Examples:
  tlib -o stats.tl stats.j report.j      build stats.tl from two capsules
  tlib -o all.tl -i stats.tl main.j      stats.tl's capsules, then main.j
  tlib -o prog.tl @units.list            read the arguments from units.list
  tlib --check -o stats.tl stats.j report.j
                                         build stats.tl, decoding every unit body to check it
  tlib -s tag report -o stats.tl stats.j report.j
                                         leave the tag 'report' out of the index
  tlib --diagnostics-format=json -o stats.tl stats.j report.j
                                         messages as JSON lines, for programs";

/// Build a TDF library (.tl) from TDF capsules (.j).
///
/// The capsules of the libraries given with -i come first, then the capsules named on the
/// command line, each stored under the path exactly as given. Nothing is written if any
/// error is found. Arguments of the form @FILE are replaced by the words in FILE.
#[derive(Parser, Debug)]
#[command(
    name = "tlib",
    version = VERSION,
    max_term_width = 100,
    after_help = TLIB_EXAMPLES
)]
pub struct TlibArgs {
    /// The capsules to put into the library
    #[arg(value_name = "CAPSULE", value_hint = ValueHint::FilePath, help_heading = headings::INPUT)]
    pub capsules: Vec<String>,
    /// Include every capsule of the library LIB (repeatable)
    #[arg(short = 'i', long = "include-library", value_name = "LIB", value_hint = ValueHint::FilePath, help_heading = headings::INPUT)]
    pub include_library: Vec<String>,
    /// Read the list of known unit sets from FILE
    #[arg(short = 'u', long = "unit-file", value_name = "FILE", value_hint = ValueHint::FilePath, help_heading = headings::INPUT)]
    pub unit_file: Option<PathBuf>,
    /// Leave the external name NAME of SHAPE out of the index (repeatable)
    #[arg(short = 's', long = "suppress", num_args = 2, value_names = ["SHAPE", "NAME"], allow_hyphen_values = true, help_heading = headings::NAMES)]
    pub suppress: Vec<String>,
    /// Leave every name of SHAPE out of the index (repeatable)
    #[arg(
        short = 'S',
        long = "suppress-all",
        value_name = "SHAPE",
        allow_hyphen_values = true,
        help_heading = headings::NAMES
    )]
    pub suppress_all: Vec<String>,
    /// Leave names that have only non-unique definitions out of the index
    #[arg(short = 'M', long = "suppress-mult", help_heading = headings::NAMES)]
    pub suppress_mult: bool,
    /// Write the library to FILE (- for standard output)
    #[arg(short = 'o', long = "output-file", value_name = "FILE", default_value = crate::DEFAULT_OUTPUT, value_hint = ValueHint::FilePath, help_heading = headings::OUTPUT)]
    pub output: PathBuf,
    /// Decode every unit body of every capsule and report each damaged one (bodies are
    /// otherwise copied unread)
    #[arg(long = "check", help_heading = headings::DIAGNOSTICS)]
    pub check: bool,
    /// Write a trace of the build to FILE (- for standard output)
    #[arg(short = 'd', long = "debug-file", value_name = "FILE", value_hint = ValueHint::FilePath, help_heading = headings::DIAGNOSTICS)]
    pub debug_file: Option<PathBuf>,
    /// Explain a diagnostic code (such as E0709) and exit
    #[arg(long, value_name = "CODE", help_heading = headings::DIAGNOSTICS)]
    pub explain: Option<String>,
    /// Colour diagnostics: auto (on a terminal, unless NO_COLOR is set), always, never
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorChoice::Auto, hide_possible_values = true, help_heading = headings::DIAGNOSTICS)]
    pub color: ColorChoice,
    /// Print diagnostics as human (the default) or json (one JSON object per line)
    #[arg(long = "diagnostics-format", value_enum, value_name = "FORMAT", default_value_t = DiagnosticsFormat::Human, hide_possible_values = true, help_heading = headings::DIAGNOSTICS)]
    pub diagnostics_format: DiagnosticsFormat,
}

/// `tlib`'s clap command, for the man page and shell completion generator.
pub fn command() -> clap::Command {
    TlibArgs::command()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlib_command_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn suppress_names_are_parsed() {
        let mut rep = Reporter::with_writer("t", Box::new(std::io::sink()));
        let pairs = ["tag", "[a.b]", "tag", "a.b"].map(String::from);
        let got = parse_suppress(&pairs, &mut rep);
        assert_eq!(got.len(), 1);
        assert!(got[0].1.is_unique());
        assert_eq!(rep.diagnostics()[0].kind.name(), "illegal_external_name");
    }
}
