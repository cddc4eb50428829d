//! The clap definitions of `tld`'s four modes: the options every mode has
//! ([`CommonArgs`]), link mode ([`LinkArgs`]), `-mc` ([`BuildArgs`]), `-mt`
//! ([`ListArgs`]) and `-mx` ([`ExtractArgs`]); the command of one mode, which parsing and
//! `--help` use ([`mode_command`], [`help_text`]), and all four as one command for the
//! man page and shell completions ([`command`]). Only the command of the mode being run
//! is built when parsing.

use std::ffi::OsString;

use clap::{Args, CommandFactory, Parser, ValueHint};
use tdf_core::cli::headings::{DIAGNOSTICS, INPUT, LIBRARIES, NAMES, OUTPUT};
use tdf_core::cli::{ColorChoice, DiagnosticsFormat};

use super::texts::{
    BUILD_AFTER_HELP, EXTRACT_AFTER_HELP, LINK_AFTER_HELP, LIST_AFTER_HELP, LONG_ABOUT,
};

/// The four modes of `tld`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `-mc`: build a library (`tlib`).
    Build,
    /// `-ml`: link capsules (the default).
    Link,
    /// `-mt`: list a library (`tshow` listing).
    List,
    /// `-mx`: extract capsules from a library (`tshow` extraction).
    Extract,
}

impl Mode {
    /// The mode word, e.g. `-ml`.
    pub fn word(self) -> &'static str {
        match self {
            Mode::Build => "-mc",
            Mode::Link => "-ml",
            Mode::List => "-mt",
            Mode::Extract => "-mx",
        }
    }
}

/// Options every mode has. Flattened last into each mode, so that `--help` shows the
/// headings in the order input, libraries, names, output, diagnostics.
#[derive(Args, Debug, Clone, Default)]
pub struct CommonArgs {
    /// Print this summary of the options of the current mode
    #[arg(short = '?', long = "help")]
    pub help: bool,
    /// Print the version
    #[arg(short = 'v', long = "version")]
    pub version: bool,
    /// Write a readable trace of the run to FILE (- for standard output)
    #[arg(
        short = 'd',
        long = "debug-file",
        value_name = "FILE",
        allow_hyphen_values = true,
        value_hint = ValueHint::FilePath,
        help_heading = DIAGNOSTICS
    )]
    pub debug_file: Vec<OsString>,
    /// Stop after N errors (0: never; default 20)
    #[arg(long = "error-limit", value_name = "N", help_heading = DIAGNOSTICS)]
    pub error_limit: Option<usize>,
    /// Explain a diagnostic code (such as E0401) and exit
    #[arg(
        long = "explain",
        value_name = "CODE",
        allow_hyphen_values = true,
        help_heading = DIAGNOSTICS
    )]
    pub explain: Option<String>,
    /// Colour diagnostics: auto (on a terminal, unless NO_COLOR is set), always, never
    #[arg(
        long = "color",
        value_name = "WHEN",
        value_enum,
        hide_possible_values = true,
        help_heading = DIAGNOSTICS
    )]
    pub color: Option<ColorChoice>,
    /// Print diagnostics as human (the default) or json (one JSON object per line)
    #[arg(
        long = "diagnostics-format",
        value_name = "FORMAT",
        value_enum,
        hide_possible_values = true,
        help_heading = DIAGNOSTICS
    )]
    pub diagnostics_format: Option<DiagnosticsFormat>,
}

/// Link mode (`-ml`, the default).
#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "tld",
    about = "tld: link TDF capsules and libraries into one capsule",
    override_usage = "tld [-ml] [OPTION ...] FILE ...",
    after_help = LINK_AFTER_HELP,
    disable_help_flag = true,
    disable_version_flag = true,
    no_binary_name = true,
    args_override_self = true,
    infer_long_args = true
)]
pub struct LinkArgs {
    /// Capsules to link
    #[arg(value_name = "FILE", value_hint = ValueHint::FilePath, help_heading = INPUT)]
    pub files: Vec<OsString>,
    /// Read the list of unit set names from FILE
    #[arg(
        short = 'u',
        long = "unit-file",
        value_name = "FILE",
        allow_hyphen_values = true,
        value_hint = ValueHint::FilePath,
        help_heading = INPUT
    )]
    pub unit_file: Vec<OsString>,
    /// Append DIR to the library search path
    #[arg(
        short = 'L',
        long = "path",
        value_name = "DIR",
        allow_hyphen_values = true,
        value_hint = ValueHint::DirPath,
        help_heading = LIBRARIES
    )]
    pub path: Vec<OsString>,
    /// Use library NAME: NAME.tl in the search path, or the file NAME if it contains '/'
    #[arg(
        short = 'l',
        long = "library",
        value_name = "NAME",
        allow_hyphen_values = true,
        help_heading = LIBRARIES
    )]
    pub library: Vec<OsString>,
    /// Do not load a library capsule to define SHAPE NAME
    #[arg(short = 's', long = "suppress", num_args = 2, value_names = ["SHAPE", "NAME"], allow_hyphen_values = true, help_heading = LIBRARIES)]
    pub suppress: Vec<OsString>,
    /// Do not load library capsules to define any SHAPE name
    #[arg(
        short = 'S',
        long = "suppress-all",
        value_name = "SHAPE",
        allow_hyphen_values = true,
        help_heading = LIBRARIES
    )]
    pub suppress_all: Vec<OsString>,
    /// Do not use shared (non-unique) library definitions
    #[arg(
        short = 'M',
        long = "suppress-mult",
        overrides_with = "no_suppress_mult",
        help_heading = LIBRARIES
    )]
    pub suppress_mult: bool,
    #[arg(long = "no-suppress-mult", hide = true)]
    pub no_suppress_mult: bool,
    /// Rename the external SHAPE name FROM to TO
    #[arg(short = 'r', long = "rename", num_args = 3, value_names = ["SHAPE", "FROM", "TO"], allow_hyphen_values = true, help_heading = NAMES)]
    pub rename: Vec<OsString>,
    /// Read rename rules from FILE
    #[arg(
        short = 'R',
        long = "rename-file",
        value_name = "FILE",
        allow_hyphen_values = true,
        value_hint = ValueHint::FilePath,
        help_heading = NAMES
    )]
    pub rename_file: Vec<OsString>,
    /// Hide every external name of any shape that has a definition
    #[arg(
        short = 'a',
        long = "all-hide-defined",
        overrides_with = "no_all_hide_defined",
        help_heading = NAMES
    )]
    pub all_hide_defined: bool,
    #[arg(long = "no-all-hide-defined", hide = true)]
    pub no_all_hide_defined: bool,
    /// Hide the external SHAPE NAME (it must be defined)
    #[arg(short = 'h', long = "hide", num_args = 2, value_names = ["SHAPE", "NAME"], allow_hyphen_values = true, help_heading = NAMES)]
    pub hide: Vec<OsString>,
    /// Hide every external SHAPE name that has a definition
    #[arg(
        short = 'H',
        long = "hide-defined",
        value_name = "SHAPE",
        allow_hyphen_values = true,
        help_heading = NAMES
    )]
    pub hide_defined: Vec<OsString>,
    /// Keep the external SHAPE NAME visible
    #[arg(short = 'k', long = "keep", num_args = 2, value_names = ["SHAPE", "NAME"], allow_hyphen_values = true, help_heading = NAMES)]
    pub keep: Vec<OsString>,
    /// Keep every external SHAPE name visible
    #[arg(
        short = 'K',
        long = "keep-all",
        value_name = "SHAPE",
        allow_hyphen_values = true,
        help_heading = NAMES
    )]
    pub keep_all: Vec<OsString>,
    /// Write the output capsule to FILE (default capsule.j; - for standard output)
    #[arg(
        short = 'o',
        long = "output-file",
        value_name = "FILE",
        allow_hyphen_values = true,
        value_hint = ValueHint::FilePath,
        help_heading = OUTPUT
    )]
    pub output_file: Vec<OsString>,
    /// Warn about external names that nothing defines
    #[arg(
        short = 'i',
        long = "missing-definitions",
        overrides_with = "no_missing_definitions",
        help_heading = DIAGNOSTICS
    )]
    pub missing_definitions: bool,
    #[arg(long = "no-missing-definitions", hide = true)]
    pub no_missing_definitions: bool,
    /// Show warnings (the default; '+w' or '--no-warnings' hides them)
    #[arg(
        short = 'w',
        long = "warnings",
        overrides_with = "no_warnings",
        help_heading = DIAGNOSTICS
    )]
    pub warnings: bool,
    #[arg(long = "no-warnings", hide = true)]
    pub no_warnings: bool,
    /// Print every capsule that uses, declares, defines or loads SHAPE NAME
    #[arg(short = 'y', long = "trace-symbol", num_args = 2, value_names = ["SHAPE", "NAME"], allow_hyphen_values = true, help_heading = DIAGNOSTICS)]
    pub trace_symbol: Vec<OsString>,
    /// Decode every unit body of every capsule read and report each damaged one (bodies
    /// are otherwise copied unread)
    #[arg(long = "check", help_heading = DIAGNOSTICS)]
    pub check: bool,
    /// Write, for each loaded library capsule, the names that caused it to be loaded (- for
    /// standard output)
    #[arg(
        long = "why-extract",
        value_name = "FILE",
        allow_hyphen_values = true,
        value_hint = ValueHint::FilePath,
        help_heading = DIAGNOSTICS
    )]
    pub why_extract: Option<OsString>,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Library construction mode (`-mc`).
#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "tld -mc",
    about = "tld -mc: build a TDF library from capsules",
    override_usage = "tld -mc [OPTION ...] FILE ...",
    after_help = BUILD_AFTER_HELP,
    disable_help_flag = true,
    disable_version_flag = true,
    no_binary_name = true,
    args_override_self = true,
    infer_long_args = true
)]
pub struct BuildArgs {
    /// Capsules to put into the library
    #[arg(value_name = "FILE", value_hint = ValueHint::FilePath, help_heading = INPUT)]
    pub files: Vec<OsString>,
    /// Include the capsules of LIBRARY in the output library
    #[arg(
        short = 'i',
        long = "include-library",
        value_name = "LIBRARY",
        allow_hyphen_values = true,
        value_hint = ValueHint::FilePath,
        help_heading = INPUT
    )]
    pub include_library: Vec<OsString>,
    /// Read the list of unit set names from FILE
    #[arg(
        short = 'u',
        long = "unit-file",
        value_name = "FILE",
        allow_hyphen_values = true,
        value_hint = ValueHint::FilePath,
        help_heading = INPUT
    )]
    pub unit_file: Vec<OsString>,
    /// Leave SHAPE NAME out of the library index
    #[arg(short = 's', long = "suppress", num_args = 2, value_names = ["SHAPE", "NAME"], allow_hyphen_values = true, help_heading = NAMES)]
    pub suppress: Vec<OsString>,
    /// Leave every SHAPE name out of the library index
    #[arg(
        short = 'S',
        long = "suppress-all",
        value_name = "SHAPE",
        allow_hyphen_values = true,
        help_heading = NAMES
    )]
    pub suppress_all: Vec<OsString>,
    /// Leave names with only shared definitions out of the index
    #[arg(
        short = 'M',
        long = "suppress-mult",
        overrides_with = "no_suppress_mult",
        help_heading = NAMES
    )]
    pub suppress_mult: bool,
    #[arg(long = "no-suppress-mult", hide = true)]
    pub no_suppress_mult: bool,
    /// Decode every unit body of every capsule and report each damaged one
    #[arg(long = "check", help_heading = DIAGNOSTICS)]
    pub check: bool,
    /// Write the library to FILE (default library.tl; - for standard output)
    #[arg(
        short = 'o',
        long = "output-file",
        value_name = "FILE",
        allow_hyphen_values = true,
        value_hint = ValueHint::FilePath,
        help_heading = OUTPUT
    )]
    pub output_file: Vec<OsString>,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Library listing mode (`-mt`).
#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "tld -mt",
    about = "tld -mt: list the capsules (and index) of a TDF library",
    override_usage = "tld -mt [OPTION ...] LIBRARY",
    after_help = LIST_AFTER_HELP,
    disable_help_flag = true,
    disable_version_flag = true,
    no_binary_name = true,
    args_override_self = true,
    infer_long_args = true
)]
pub struct ListArgs {
    /// The library to list
    #[arg(value_name = "LIBRARY", value_hint = ValueHint::FilePath, help_heading = INPUT)]
    pub files: Vec<OsString>,
    /// List the library index as well as the capsule names
    #[arg(
        short = 'i',
        long = "index",
        overrides_with = "no_index",
        help_heading = OUTPUT
    )]
    pub index: bool,
    #[arg(long = "no-index", hide = true)]
    pub no_index: bool,
    /// List the size of each capsule
    #[arg(
        short = 's',
        long = "size",
        overrides_with = "no_size",
        help_heading = OUTPUT
    )]
    pub size: bool,
    #[arg(long = "no-size", hide = true)]
    pub no_size: bool,
    /// Print the TDF version of the library first
    #[arg(
        short = 't',
        long = "tdf-version",
        overrides_with = "no_tdf_version",
        help_heading = OUTPUT
    )]
    pub tdf_version: bool,
    #[arg(long = "no-tdf-version", hide = true)]
    pub no_tdf_version: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Extraction mode (`-mx`).
#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "tld -mx",
    about = "tld -mx: extract capsules from a TDF library",
    override_usage = "tld -mx [OPTION ...] LIBRARY [CAPSULE ...]",
    after_help = EXTRACT_AFTER_HELP,
    disable_help_flag = true,
    disable_version_flag = true,
    no_binary_name = true,
    args_override_self = true,
    infer_long_args = true
)]
pub struct ExtractArgs {
    /// The library, then the capsules to extract
    #[arg(value_name = "FILE", value_hint = ValueHint::FilePath, help_heading = INPUT)]
    pub files: Vec<OsString>,
    /// Extract every capsule
    #[arg(
        short = 'a',
        long = "all",
        overrides_with = "no_all",
        help_heading = NAMES
    )]
    pub all: bool,
    #[arg(long = "no-all", hide = true)]
    pub no_all: bool,
    /// Match capsule names against the last part of the stored names too
    #[arg(
        short = 'm',
        long = "match-basename",
        overrides_with = "no_match_basename",
        help_heading = NAMES
    )]
    pub match_basename: bool,
    #[arg(long = "no-match-basename", hide = true)]
    pub no_match_basename: bool,
    /// Write each capsule under the last part of its name
    #[arg(
        short = 'b',
        long = "basename",
        overrides_with = "no_basename",
        help_heading = OUTPUT
    )]
    pub basename: bool,
    #[arg(long = "no-basename", hide = true)]
    pub no_basename: bool,
    /// Report each extracted capsule
    #[arg(
        short = 'i',
        long = "info",
        overrides_with = "no_info",
        help_heading = DIAGNOSTICS
    )]
    pub info: bool,
    #[arg(long = "no-info", hide = true)]
    pub no_info: bool,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Short options that take their value from the rest of the word or the next word.
pub(super) const LINK_EITHER: &[char] = &['l', 'L'];

/// The clap command of one mode, as `--help` shows it.
pub fn mode_command(mode: Mode) -> clap::Command {
    match mode {
        Mode::Link => LinkArgs::command(),
        Mode::Build => BuildArgs::command(),
        Mode::List => ListArgs::command(),
        Mode::Extract => ExtractArgs::command(),
    }
}

/// `tld`'s options as one clap command, for the man page and the shell completion
/// generator: the link-mode options, and each mode as a subcommand named by its mode
/// word (`-ml`, `-mc`, `-mt`, `-mx`), which, like a subcommand, can only come first.
/// Parsing does not use this command (see the module documentation).
pub fn command() -> clap::Command {
    let mut cmd = LinkArgs::command()
        .name("tld")
        .bin_name("tld")
        .about("link TDF capsules and libraries into one capsule")
        .version(env!("CARGO_PKG_VERSION"))
        .long_about(LONG_ABOUT)
        .subcommand_help_heading("Modes")
        .subcommand_value_name("MODE")
        .disable_help_subcommand(true);
    for mode in [Mode::Link, Mode::Build, Mode::List, Mode::Extract] {
        let about = match mode {
            Mode::Link => "Link capsules (the default)",
            Mode::Build => "Build a library from capsules",
            Mode::List => "List the contents of a library",
            Mode::Extract => "Extract capsules from a library",
        };
        cmd = cmd.subcommand(
            mode_command(mode)
                .name(mode.word())
                .about(about)
                .after_help(None::<&str>),
        );
    }
    cmd
}

/// The help text of a mode.
pub fn help_text(mode: Mode) -> String {
    mode_command(mode).render_help().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_consistent() {
        for mode in [Mode::Link, Mode::Build, Mode::List, Mode::Extract] {
            mode_command(mode).debug_assert();
        }
        let cmd = command();
        cmd.clone().debug_assert();
        let modes: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
        assert_eq!(modes, ["-ml", "-mc", "-mt", "-mx"]);
    }

    #[test]
    fn help_is_the_mode_command_rendered() {
        for (mode, usage) in [
            (Mode::Link, "tld [-ml] [OPTION ...] FILE ..."),
            (Mode::Build, "tld -mc [OPTION ...] FILE ..."),
            (Mode::List, "tld -mt [OPTION ...] LIBRARY"),
            (Mode::Extract, "tld -mx [OPTION ...] LIBRARY [CAPSULE ...]"),
        ] {
            let help = help_text(mode);
            assert!(help.contains(usage), "{mode:?}: {help}");
            assert!(help.contains(&format!("  tld {}", mode.word())) || mode == Mode::Link);
            // The options every mode has come last, under the last heading.
            let diagnostics = help.find("Diagnostics:").expect("a Diagnostics heading");
            assert!(help[diagnostics..].contains("--color <WHEN>"), "{mode:?}");
        }
    }
}
