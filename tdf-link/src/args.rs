//! Phase 0: the command line.
//!
//! TenDRA's `tld` has its own word syntax: a leading mode word (`-mc`, `-ml`, `-mt`,
//! `-mx`, `-mv`), short-option clusters whose options consume the *following* words while
//! the cluster goes on (`-vor OUT SHAPE FROM TO`), `+x` and `++name` to turn a switch off,
//! `-lNAME` / `-LDIR` with attached or separate values, and unique-prefix long options.
//! This module turns that syntax into a canonical argument list (every option spelled
//! `--full-name`, single values attached with `=`, off-switches as `--no-name`) with a
//! small [`normalise`]r, and then parses the canonical list with a clap derive parser per
//! mode. The normaliser reads its option table from the clap command itself, so every
//! option is defined once, in the structs below.
//!
//! Beyond the reference: options may follow file operands (GNU style), `--` ends the
//! options, `--name=value` works for options taking one value, `[a.b.c]` unique names are
//! accepted, `@FILE` reads arguments from a response file, and `--help`/`--version` print
//! to standard output.
//!
//! Long-option prefixes are resolved with the reference options first: a prefix that is
//! unique among TenDRA's own options (`--w` for `--warnings`) keeps meaning that option
//! even though this toolset added options with the same start (`--why-extract`).

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

use clap::{Arg, ArgMatches, Args, CommandFactory, Parser, ValueHint};
use tdf_core::cli::headings::{DIAGNOSTICS, INPUT, LIBRARIES, NAMES, OUTPUT};
use tdf_core::cli::ColorChoice;
use tdf_core::{DiagResult, ExtName};
use tdf_errors::{Diagnostic, Kind, Reporter};

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

// ---------------------------------------------------------------------------------------
// clap definitions
// ---------------------------------------------------------------------------------------

/// The text after the examples of every mode's help: the modes and the word syntax.
macro_rules! modes_help {
    () => {
        "\
Modes (only as the first argument):
  -ml  link capsules (the default)
  -mc  build a library from capsules
  -mt  list the contents of a library
  -mx  extract capsules from a library
  -mv  print the version, then read the next argument as the mode

Short options may be combined in one word; options that take arguments consume the
following words in order (-vor OUT SHAPE FROM TO). '+x' and '++name' turn a switch
off, as does '--no-name'. Long options may be abbreviated to any unique prefix.
'@FILE' reads arguments from FILE. '--' ends the options."
    };
}

const LINK_AFTER_HELP: &str = concat!(
    "\
Examples:
  tld -o prog.j main.j util.j            link two capsules into prog.j
  tld -L lib -l math -o prog.j main.j    ... taking capsules from lib/math.tl as needed
  tld -h tag helper -o prog.j main.j     hide the defined tag 'helper' in the output
  tld -r tag old new -o prog.j main.j    rename the tag 'old' to 'new'
  tld -mc -o math.tl square.j abs.j      build a library (as tlib does)
  tld -mt -i math.tl                     list a library and its index (as tshow does)

",
    modes_help!()
);

const BUILD_AFTER_HELP: &str = concat!(
    "\
Examples:
  tld -mc -o math.tl square.j abs.j      build math.tl from two capsules
  tld -mc -o all.tl -i math.tl extra.j   math.tl's capsules, then extra.j

",
    modes_help!()
);

const LIST_AFTER_HELP: &str = concat!(
    "\
Examples:
  tld -mt math.tl                        list the capsules of math.tl
  tld -mt -s -i -t math.tl               ... with sizes, the index and the TDF version

",
    modes_help!()
);

const EXTRACT_AFTER_HELP: &str = concat!(
    "\
Examples:
  tld -mx math.tl square.j               extract the capsule square.j
  tld -mx -a -b math.tl                  extract every capsule under its last name part

",
    modes_help!()
);

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
    /// Write a readable trace of the run to FILE
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
    /// Write the output capsule to FILE (default capsule.j)
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
    /// Write, for each loaded library capsule, the name that caused it to be loaded
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
    /// Write the library to FILE (default library.tl)
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

const LONG_ABOUT: &str = "\
tld links TDF capsules (.j) into one capsule: it reads the capsules named on the command \
line, loads from the libraries (-l, searched in the -L directories) every capsule that \
defines a name still undefined, applies the renaming (-r, -R), suppression (-s, -S, -M), \
hiding (-a, -h, -H) and keeping (-k, -K) options, and writes the result (-o, default \
capsule.j). It is a drop-in replacement for TenDRA's tld 4.0#7, including its -mc \
(build a library), -mt (list a library) and -mx (extract capsules) modes, but it exits \
non-zero after errors, never writes broken output, and orders its output \
deterministically.";

/// Options added by this toolset (not in TenDRA's `tld`). A long-option prefix is first
/// matched against the other options only; see the module documentation.
const EXTENSIONS: &[&str] = &[
    "color",
    "error-limit",
    "explain",
    "trace-symbol",
    "why-extract",
];

/// Short options that take their value from the rest of the word or the next word.
const LINK_EITHER: &[char] = &['l', 'L'];

// ---------------------------------------------------------------------------------------
// The normaliser
// ---------------------------------------------------------------------------------------

/// What the normaliser knows about one option.
#[derive(Debug, Clone)]
struct OptInfo {
    long: String,
    /// Number of following words it takes.
    arity: usize,
    /// The "off" form `--no-LONG` exists.
    has_off: bool,
    /// Takes the rest of its word, or the next word (`-lNAME`, `-L DIR`).
    either: bool,
}

/// The options of one mode, read from its clap command.
#[derive(Debug, Clone)]
pub struct OptTable {
    shorts: HashMap<char, OptInfo>,
    longs: Vec<OptInfo>,
}

impl OptTable {
    /// The table of a clap command; `either` lists the attached-or-following options.
    pub fn from_command(cmd: &clap::Command, either: &[char]) -> OptTable {
        let all_longs: Vec<String> = cmd
            .get_arguments()
            .filter_map(|a| a.get_long().map(str::to_owned))
            .collect();
        let info = |a: &Arg| -> Option<OptInfo> {
            let long = a.get_long()?.to_owned();
            let arity = if a.get_action().takes_values() {
                a.get_num_args().map_or(1, |r| r.min_values())
            } else {
                0
            };
            let has_off = all_longs.iter().any(|l| *l == format!("no-{long}"));
            let either = a.get_short().is_some_and(|c| either.contains(&c));
            Some(OptInfo {
                long,
                arity,
                has_off,
                either,
            })
        };
        let mut shorts = HashMap::new();
        let mut longs = Vec::new();
        for a in cmd.get_arguments() {
            if let Some(i) = info(a) {
                if let Some(c) = a.get_short() {
                    shorts.insert(c, i.clone());
                }
                longs.push(i);
            }
        }
        OptTable { shorts, longs }
    }

    /// Resolves a long option name: an exact match, else a unique prefix among the
    /// reference options, else a unique prefix among this toolset's additions.
    fn resolve_long(&self, name: &str, word: &str) -> DiagResult<&OptInfo> {
        if let Some(i) = self.longs.iter().find(|i| i.long == name) {
            return Ok(i);
        }
        let is_extension = |l: &str| l.starts_with("no-") || EXTENSIONS.contains(&l);
        for extensions in [false, true] {
            let found: Vec<&OptInfo> = self
                .longs
                .iter()
                .filter(|i| is_extension(&i.long) == extensions && i.long.starts_with(name))
                .collect();
            match found.len() {
                0 => continue,
                1 => return Ok(found[0]),
                _ => {
                    let names: Vec<String> =
                        found.iter().map(|i| format!("--{}", i.long)).collect();
                    return Err(boxed(Kind::ambiguous_option(word, names.join(", "))));
                }
            }
        }
        Err(boxed(Kind::unknown_option(word)))
    }
}

fn lossy(s: &OsStr) -> String {
    s.to_string_lossy().into_owned()
}

#[cfg(unix)]
fn os_from_bytes(b: &[u8]) -> OsString {
    use std::os::unix::ffi::OsStrExt;
    OsStr::from_bytes(b).to_os_string()
}

#[cfg(not(unix))]
fn os_from_bytes(b: &[u8]) -> OsString {
    OsString::from(String::from_utf8_lossy(b).into_owned())
}

/// A boxed diagnostic of this kind.
fn boxed(kind: Kind) -> Box<Diagnostic> {
    Box::new(Diagnostic::new(kind))
}

/// The bytes of an argument (arguments are bytes on Unix; elsewhere their UTF-8 form).
pub fn os_bytes(s: &OsStr) -> &[u8] {
    s.as_encoded_bytes()
}

/// Turns TenDRA's word syntax into a canonical argument list for clap (see the module
/// documentation). The only errors are usage errors, returned as one diagnostic.
pub fn normalise(words: &[OsString], table: &OptTable) -> DiagResult<Vec<OsString>> {
    let mut out: Vec<OsString> = Vec::with_capacity(words.len() + 4);
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        let bytes = os_bytes(word);
        let shown = lossy(word);
        if bytes == b"--" || bytes == b"++" {
            out.push("--".into());
            out.extend(words[i + 1..].iter().cloned());
            break;
        }
        let first = bytes.first().copied();
        if !matches!(first, Some(b'-' | b'+')) {
            out.push(word.clone());
            i += 1;
            continue;
        }
        let off = first == Some(b'+');
        if bytes.len() == 1 || (bytes[1] != bytes[0] && matches!(bytes[1], b'-' | b'+')) {
            return Err(boxed(Kind::unknown_option(shown)));
        }
        let mut next = i + 1;
        if bytes[1] == bytes[0] {
            // Long option: --name, ++name, --name=value.
            let body = &bytes[2..];
            let (name, attached) = match body.iter().position(|&b| b == b'=') {
                Some(p) if !off => (&body[..p], Some(&body[p + 1..])),
                _ => (body, None),
            };
            let name = String::from_utf8_lossy(name);
            let info = table.resolve_long(&name, &shown)?;
            let mut values: Vec<OsString> = Vec::new();
            if let Some(v) = attached {
                if info.arity == 0 {
                    return Err(boxed(Kind::invalid_option_value(
                        format!("--{}", info.long),
                        String::from_utf8_lossy(v),
                        "no value",
                    )));
                }
                values.push(os_from_bytes(v));
            }
            while values.len() < info.arity {
                let Some(w) = words.get(next) else {
                    return Err(boxed(Kind::missing_argument(shown)));
                };
                values.push(w.clone());
                next += 1;
            }
            emit(&mut out, info, off, values);
        } else {
            // A cluster of short options.
            let letters = &bytes[1..];
            let mut j = 0;
            while j < letters.len() {
                let c = letters[j] as char;
                let rest = || String::from_utf8_lossy(&letters[j..]).into_owned();
                let info = match table.shorts.get(&c) {
                    Some(info) if letters[j].is_ascii() => info,
                    _ => return Err(boxed(Kind::unknown_short_option(shown, rest()))),
                };
                if info.either {
                    let value = if j + 1 < letters.len() {
                        os_from_bytes(&letters[j + 1..])
                    } else if let Some(w) = words.get(next) {
                        next += 1;
                        w.clone()
                    } else {
                        return Err(boxed(Kind::missing_short_argument(shown, rest())));
                    };
                    emit(&mut out, info, off, vec![value]);
                    break;
                }
                let mut values = Vec::with_capacity(info.arity);
                for _ in 0..info.arity {
                    let Some(w) = words.get(next) else {
                        return Err(boxed(Kind::missing_short_argument(shown, rest())));
                    };
                    values.push(w.clone());
                    next += 1;
                }
                emit(&mut out, info, off, values);
                j += 1;
            }
        }
        i = next;
    }
    Ok(out)
}

/// Appends one option in canonical form.
fn emit(out: &mut Vec<OsString>, info: &OptInfo, off: bool, values: Vec<OsString>) {
    match values.len() {
        0 => {
            let name = if off && info.has_off {
                format!("--no-{}", info.long)
            } else if off {
                // `++no-x` turns the switch back on.
                match info.long.strip_prefix("no-") {
                    Some(base) => format!("--{base}"),
                    None => format!("--{}", info.long),
                }
            } else {
                format!("--{}", info.long)
            };
            out.push(name.into());
        }
        1 => {
            // `--name=VALUE` keeps clap from reading the value as an option.
            let mut s = OsString::from(format!("--{}=", info.long));
            s.push(&values[0]);
            out.push(s);
        }
        _ => {
            out.push(format!("--{}", info.long).into());
            out.extend(values);
        }
    }
}

/// Maps a clap error on the canonical list to a catalogue usage diagnostic.
fn clap_error(e: clap::Error) -> Box<Diagnostic> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let ctx_text = |v: &ContextValue| match v {
        ContextValue::String(s) => s.clone(),
        ContextValue::Strings(v) => v.join(", "),
        other => other.to_string(),
    };
    let ctx = |k: ContextKind| e.get(k).map(ctx_text).unwrap_or_default();
    let arg = ctx(ContextKind::InvalidArg);
    let arg = arg.split(' ').next().unwrap_or("").to_owned();
    let kind = match e.kind() {
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            let value = ctx(ContextKind::InvalidValue);
            let expected = if arg == "--error-limit" {
                "a whole number (0 for no limit)".to_owned()
            } else if let Some(valid) = e.get(ContextKind::ValidValue) {
                format!("one of {}", ctx_text(valid))
            } else {
                match e.source() {
                    Some(src) => format!("a valid value ({src})"),
                    None => "a valid value".into(),
                }
            };
            Kind::invalid_option_value(arg, value, expected)
        }
        ErrorKind::ArgumentConflict => Kind::conflicting_options(arg, ctx(ContextKind::PriorArg)),
        ErrorKind::WrongNumberOfValues
        | ErrorKind::TooFewValues
        | ErrorKind::MissingRequiredArgument => Kind::missing_argument(arg),
        _ => Kind::unknown_option(if arg.is_empty() {
            e.kind().to_string()
        } else {
            arg
        }),
    };
    boxed(kind)
}

use std::error::Error as _;

/// Normalises `words` for the clap command of `P` and parses them.
fn parse_mode<P: Parser>(words: &[OsString], either: &[char]) -> DiagResult<(P, ArgMatches)> {
    let cmd = P::command();
    let table = OptTable::from_command(&cmd, either);
    let canonical = normalise(words, &table)?;
    let matches = cmd.try_get_matches_from(canonical).map_err(clap_error)?;
    let parsed = P::from_arg_matches(&matches).map_err(clap_error)?;
    Ok((parsed, matches))
}

// ---------------------------------------------------------------------------------------
// Typed options
// ---------------------------------------------------------------------------------------

/// A shape and an external name, as given to `-h`, `-k`, `-s`, `-y`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapedName {
    pub shape: Vec<u8>,
    pub name: ExtName<'static>,
}

/// One source of rename rules, in command-line order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenameSource {
    /// `-r SHAPE FROM TO`.
    Rule {
        shape: Vec<u8>,
        from: ExtName<'static>,
        to: ExtName<'static>,
    },
    /// `-R FILE`.
    File(PathBuf),
}

/// Everything link mode needs, checked and typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkOptions {
    /// Input capsules, in command-line order.
    pub inputs: Vec<PathBuf>,
    /// The output capsule (default `capsule.j`).
    pub output: PathBuf,
    /// Library search directories (`-L`), in order.
    pub paths: Vec<PathBuf>,
    /// Libraries (`-l`), in order of first mention, duplicates removed.
    pub libraries: Vec<OsString>,
    pub renames: Vec<RenameSource>,
    pub hide_all_defined: bool,
    pub hide_defined: Vec<Vec<u8>>,
    pub hide: Vec<ShapedName>,
    pub keep_all: Vec<Vec<u8>>,
    pub keep: Vec<ShapedName>,
    pub suppress: Vec<ShapedName>,
    pub suppress_all: Vec<Vec<u8>>,
    pub suppress_mult: bool,
    pub unit_file: Option<PathBuf>,
    /// `-i`: warn about names nothing defines.
    pub missing_definitions: bool,
    pub show_warnings: bool,
    pub debug_file: Option<PathBuf>,
    pub trace_symbols: Vec<ShapedName>,
    pub why_extract: Option<PathBuf>,
}

impl Default for LinkOptions {
    fn default() -> Self {
        LinkOptions {
            inputs: Vec::new(),
            output: PathBuf::from("capsule.j"),
            paths: Vec::new(),
            libraries: Vec::new(),
            renames: Vec::new(),
            hide_all_defined: false,
            hide_defined: Vec::new(),
            hide: Vec::new(),
            keep_all: Vec::new(),
            keep: Vec::new(),
            suppress: Vec::new(),
            suppress_all: Vec::new(),
            suppress_mult: false,
            unit_file: None,
            missing_definitions: false,
            show_warnings: true,
            debug_file: None,
            trace_symbols: Vec::new(),
            why_extract: None,
        }
    }
}

/// What the command line asks for.
#[derive(Debug, Clone)]
pub enum Request {
    /// Print the help text of a mode (on standard output) and exit 0.
    Help(Mode),
    /// Print the explanation of a diagnostic code and exit 0.
    Explain(String),
    /// Nothing but the version was asked for.
    VersionOnly,
    Link(Box<LinkOptions>),
    Build(Box<BuildArgs>),
    List(Box<ListArgs>),
    Extract(Box<ExtractArgs>),
}

/// The parsed command line.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// Print the version before doing anything else (`-v`, `-mv`).
    pub show_version: bool,
    /// `--error-limit`, if given.
    pub error_limit: Option<usize>,
    /// `--color`, if given.
    pub color: Option<ColorChoice>,
    pub request: Request,
}

/// Parses the command line (without the program name). Usage errors and illegal
/// external names are reported to `rep`; `None` means the run must stop (exit with
/// `rep.exit_code()`).
///
/// Also sets `rep`'s colour for standard error ([`ColorChoice::for_stderr`]): from the
/// parsed `--color`, and, for problems found while parsing, from the last `--color`
/// word that can be seen ([`ColorChoice::scan`]).
pub fn parse(args: Vec<OsString>, rep: &mut Reporter) -> Option<Parsed> {
    rep.set_color(ColorChoice::scan(&args).unwrap_or_default().for_stderr());
    let words = match tdf_core::fsutil::expand_response_files(args) {
        Ok(w) => w,
        Err(d) => {
            let _ = rep.report(*d);
            return None;
        }
    };
    rep.set_color(ColorChoice::scan(&words).unwrap_or_default().for_stderr());
    match parse_words(&words, rep) {
        Ok(Some(p)) => {
            rep.set_color(p.color.unwrap_or_default().for_stderr());
            Some(p)
        }
        Ok(None) => None,
        Err(d) => {
            let _ = rep.report(*d);
            None
        }
    }
}

/// Reads the mode words at the start: `(mode, version requested, rest)`.
fn split_mode(words: &[OsString]) -> DiagResult<(Mode, bool, &[OsString])> {
    let mut rest = words;
    let mut version = false;
    while let Some(first) = rest.first() {
        let b = os_bytes(first);
        if !b.starts_with(b"-m") {
            break;
        }
        let mode = match b.get(2) {
            Some(b'c') => Mode::Build,
            Some(b'l') => Mode::Link,
            Some(b't') => Mode::List,
            Some(b'x') => Mode::Extract,
            Some(b'v') => {
                version = true;
                rest = &rest[1..];
                continue;
            }
            _ => return Err(boxed(Kind::bad_mode(lossy(first)))),
        };
        return Ok((mode, version, &rest[1..]));
    }
    Ok((Mode::Link, version, rest))
}

fn parse_words(words: &[OsString], rep: &mut Reporter) -> DiagResult<Option<Parsed>> {
    let (mode, mode_version, rest) = split_mode(words)?;
    let (common, files_empty, request) = match mode {
        Mode::Link => {
            let (a, m) = parse_mode::<LinkArgs>(rest, LINK_EITHER)?;
            let common = a.common.clone();
            let empty = a.files.is_empty();
            let req = if common.help || common.explain.is_some() || empty {
                None
            } else {
                match link_options(a, &m, rep)? {
                    Some(o) => Some(Request::Link(Box::new(o))),
                    None => return Ok(None),
                }
            };
            (common, empty, req)
        }
        Mode::Build => {
            let (a, _) = parse_mode::<BuildArgs>(rest, &[])?;
            (
                a.common.clone(),
                a.files.is_empty(),
                Some(Request::Build(Box::new(a))),
            )
        }
        Mode::List => {
            let (a, _) = parse_mode::<ListArgs>(rest, &[])?;
            (
                a.common.clone(),
                a.files.is_empty(),
                Some(Request::List(Box::new(a))),
            )
        }
        Mode::Extract => {
            let (a, _) = parse_mode::<ExtractArgs>(rest, &[])?;
            (
                a.common.clone(),
                a.files.is_empty(),
                Some(Request::Extract(Box::new(a))),
            )
        }
    };
    let show_version = mode_version || common.version;
    let error_limit = common.error_limit;
    let color = common.color;
    let request = if common.help {
        Request::Help(mode)
    } else if let Some(code) = common.explain {
        Request::Explain(code)
    } else if files_empty && show_version {
        Request::VersionOnly
    } else if files_empty {
        return Err(boxed(Kind::missing_files()));
    } else {
        request.expect("a request for a run with files")
    };
    Ok(Some(Parsed {
        show_version,
        error_limit,
        color,
        request,
    }))
}

/// Splits a flat list of values of an option with `n` values per occurrence.
fn groups(values: &[OsString], n: usize) -> impl Iterator<Item = &[OsString]> {
    values.chunks_exact(n)
}

/// Parses an external name argument; reports `illegal_external_name` on failure.
pub fn parse_name(arg: &OsStr, rep: &mut Reporter) -> Option<ExtName<'static>> {
    match ExtName::parse(os_bytes(arg)) {
        Ok(n) => Some(n),
        Err(_) => {
            let _ = rep.report(Diagnostic::new(Kind::illegal_external_name(lossy(arg))));
            None
        }
    }
}

/// `SHAPE NAME` pairs of an option.
pub fn shaped_names(values: &[OsString], rep: &mut Reporter) -> Vec<ShapedName> {
    groups(values, 2)
        .filter_map(|g| {
            let name = parse_name(&g[1], rep)?;
            Some(ShapedName {
                shape: os_bytes(&g[0]).to_vec(),
                name,
            })
        })
        .collect()
}

/// Shapes of an option, as bytes.
pub fn shapes(values: &[OsString]) -> Vec<Vec<u8>> {
    values.iter().map(|v| os_bytes(v).to_vec()).collect()
}

/// At most one value of a "once only" option.
pub fn at_most_one(values: &[OsString], kind: Kind) -> DiagResult<Option<PathBuf>> {
    match values {
        [] => Ok(None),
        [one] => Ok(Some(PathBuf::from(one))),
        _ => Err(boxed(kind)),
    }
}

/// Converts parsed link-mode arguments to [`LinkOptions`]. Usage errors are returned;
/// illegal names are reported to `rep`, and then `Ok(None)` is returned.
fn link_options(
    a: LinkArgs,
    m: &ArgMatches,
    rep: &mut Reporter,
) -> DiagResult<Option<LinkOptions>> {
    let output = at_most_one(&a.output_file, Kind::multiple_output_files())?;
    let debug_file = at_most_one(&a.common.debug_file, Kind::multiple_debug_files())?;
    let unit_file = at_most_one(&a.unit_file, Kind::multiple_unit_files())?;
    let errors_before = rep.error_count();

    // Rename rules and rename files, in command-line order.
    let rule_pos: Vec<usize> = m
        .indices_of("rename")
        .map(|i| i.step_by(3).collect())
        .unwrap_or_default();
    let file_pos: Vec<usize> = m
        .indices_of("rename_file")
        .map(|i| i.collect())
        .unwrap_or_default();
    let mut renames: Vec<(usize, Option<RenameSource>)> = Vec::new();
    for (g, &pos) in groups(&a.rename, 3).zip(&rule_pos) {
        let from = parse_name(&g[1], rep);
        let to = parse_name(&g[2], rep);
        let rule = from.zip(to).map(|(from, to)| RenameSource::Rule {
            shape: os_bytes(&g[0]).to_vec(),
            from,
            to,
        });
        renames.push((pos, rule));
    }
    for (f, &pos) in a.rename_file.iter().zip(&file_pos) {
        renames.push((pos, Some(RenameSource::File(PathBuf::from(f)))));
    }
    renames.sort_by_key(|(pos, _)| *pos);

    let mut libraries: Vec<OsString> = Vec::new();
    for l in a.library {
        if !libraries.contains(&l) {
            libraries.push(l);
        }
    }
    let opts = LinkOptions {
        inputs: a.files.iter().map(PathBuf::from).collect(),
        output: output.unwrap_or_else(|| PathBuf::from("capsule.j")),
        paths: a.path.iter().map(PathBuf::from).collect(),
        libraries,
        renames: renames.into_iter().filter_map(|(_, r)| r).collect(),
        hide_all_defined: a.all_hide_defined,
        hide_defined: shapes(&a.hide_defined),
        hide: shaped_names(&a.hide, rep),
        keep_all: shapes(&a.keep_all),
        keep: shaped_names(&a.keep, rep),
        suppress: shaped_names(&a.suppress, rep),
        suppress_all: shapes(&a.suppress_all),
        suppress_mult: a.suppress_mult,
        unit_file,
        missing_definitions: a.missing_definitions,
        show_warnings: !a.no_warnings,
        debug_file,
        trace_symbols: shaped_names(&a.trace_symbol, rep),
        why_extract: a.why_extract.map(PathBuf::from),
    };
    if rep.error_count() > errors_before {
        return Ok(None);
    }
    Ok(Some(opts))
}

/// The help text of a mode.
pub fn help_text(mode: Mode) -> String {
    mode_command(mode).render_help().to_string()
}

/// The version text.
pub fn version_text() -> String {
    format!(
        "tld {} (TDF toolset; drop-in for TenDRA tld 4.0#7)\nreads and writes {}\n",
        env!("CARGO_PKG_VERSION"),
        tdf_core::TDF_VERSIONS
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &[&str]) -> Vec<OsString> {
        s.iter().map(OsString::from).collect()
    }

    fn canon(s: &[&str]) -> Result<Vec<String>, String> {
        let table = OptTable::from_command(&LinkArgs::command(), LINK_EITHER);
        normalise(&words(s), &table)
            .map(|v| v.iter().map(|w| lossy(w)).collect())
            .map_err(|d| d.kind.name().to_owned())
    }

    fn link(s: &[&str]) -> Result<LinkOptions, String> {
        let mut rep = Reporter::with_writer("tld", Box::new(std::io::sink()));
        match parse_words(&words(s), &mut rep) {
            Ok(Some(Parsed {
                request: Request::Link(o),
                ..
            })) => Ok(*o),
            Ok(Some(p)) => Err(format!("{:?}", p.request)),
            Ok(None) => Err(rep.diagnostics()[0].kind.name().to_owned()),
            Err(d) => Err(d.kind.name().to_owned()),
        }
    }

    fn sn(shape: &str, name: &str) -> ShapedName {
        ShapedName {
            shape: shape.as_bytes().to_vec(),
            name: ExtName::parse(name.as_bytes()).unwrap(),
        }
    }

    #[test]
    fn clusters_consume_following_words() {
        assert_eq!(
            canon(&["-vor", "OUT", "tag", "a", "b", "f.j"]).unwrap(),
            [
                "--version",
                "--output-file=OUT",
                "--rename",
                "tag",
                "a",
                "b",
                "f.j"
            ]
        );
        let o = link(&["-ao", "x.j", "-k", "tag", "main", "a.j"]).unwrap();
        assert!(o.hide_all_defined);
        assert_eq!(o.output, PathBuf::from("x.j"));
        assert_eq!(o.keep, [sn("tag", "main")]);
        assert_eq!(o.inputs, [PathBuf::from("a.j")]);
    }

    #[test]
    fn plus_turns_switches_off() {
        assert_eq!(canon(&["+a"]).unwrap(), ["--no-all-hide-defined"]);
        assert_eq!(canon(&["++warn"]).unwrap(), ["--no-warnings"]);
        // `+o` is just `-o` for an option that is not a switch.
        assert_eq!(canon(&["+o", "x"]).unwrap(), ["--output-file=x"]);
        assert!(!link(&["-a", "+a", "f.j"]).unwrap().hide_all_defined);
        assert!(link(&["+a", "-a", "f.j"]).unwrap().hide_all_defined);
        assert!(!link(&["+w", "f.j"]).unwrap().show_warnings);
        assert!(!link(&["--no-warnings", "f.j"]).unwrap().show_warnings);
        assert!(link(&["f.j"]).unwrap().show_warnings);
        assert!(link(&["+w", "-w", "f.j"]).unwrap().show_warnings);
    }

    #[test]
    fn long_prefixes_and_ambiguity() {
        assert_eq!(canon(&["--out", "x"]).unwrap(), ["--output-file=x"]);
        assert_eq!(canon(&["--lib", "m"]).unwrap(), ["--library=m"]);
        assert_eq!(canon(&["--p", "d"]).unwrap(), ["--path=d"]);
        assert_eq!(canon(&["--u", "f"]).unwrap(), ["--unit-file=f"]);
        assert_eq!(canon(&["--w"]).unwrap(), ["--warnings"]);
        assert_eq!(canon(&["--m"]).unwrap(), ["--missing-definitions"]);
        assert_eq!(canon(&["--wh", "f"]).unwrap(), ["--why-extract=f"]);
        // `--color` is an addition: no TenDRA option starts with `c`.
        assert_eq!(canon(&["--c", "never"]).unwrap(), ["--color=never"]);
        assert_eq!(canon(&["--col=always"]).unwrap(), ["--color=always"]);
        assert_eq!(canon(&["-c"]).unwrap_err(), "unknown_short_option");
        assert_eq!(
            canon(&["--suppress", "tag", "x"]).unwrap(),
            ["--suppress", "tag", "x"]
        );
        for amb in ["--s", "--h", "--k", "--r"] {
            assert_eq!(
                canon(&[amb, "a", "b", "c"]).unwrap_err(),
                "ambiguous_option"
            );
        }
        assert_eq!(canon(&["--bogus"]).unwrap_err(), "unknown_option");
        assert_eq!(
            canon(&["--output-file=o.j"]).unwrap(),
            ["--output-file=o.j"]
        );
        assert_eq!(canon(&["--out=-x"]).unwrap(), ["--output-file=-x"]);
        assert_eq!(
            canon(&["--warnings=1"]).unwrap_err(),
            "invalid_option_value"
        );
    }

    #[test]
    fn library_either_forms() {
        assert_eq!(canon(&["-lc89"]).unwrap(), ["--library=c89"]);
        assert_eq!(canon(&["-L", "dir"]).unwrap(), ["--path=dir"]);
        assert_eq!(canon(&["-Ldir"]).unwrap(), ["--path=dir"]);
        // The attached value ends the word.
        assert_eq!(
            canon(&["-alfoo"]).unwrap(),
            ["--all-hide-defined", "--library=foo"]
        );
        assert_eq!(canon(&["-l"]).unwrap_err(), "missing_short_argument");
        let o = link(&[
            "-Lin/api", "-L", "in/lpi", "-lc89", "-lc", "-lc89", "-o", "o.t", "h.j",
        ])
        .unwrap();
        assert_eq!(o.paths, [PathBuf::from("in/api"), PathBuf::from("in/lpi")]);
        assert_eq!(o.libraries, [OsString::from("c89"), OsString::from("c")]);
    }

    #[test]
    fn bad_words() {
        assert_eq!(canon(&["-z"]).unwrap_err(), "unknown_short_option");
        assert_eq!(canon(&["-mt"]).unwrap_err(), "unknown_short_option");
        for w in ["-", "+", "-+a", "+-a"] {
            assert_eq!(canon(&[w]).unwrap_err(), "unknown_option", "{w}");
        }
        assert_eq!(canon(&["-o"]).unwrap_err(), "missing_short_argument");
        assert_eq!(canon(&["-h", "tag"]).unwrap_err(), "missing_short_argument");
        assert_eq!(canon(&["--hide", "tag"]).unwrap_err(), "missing_argument");
        assert_eq!(
            link(&["-o", "a", "-o", "b", "f"]).unwrap_err(),
            "multiple_output_files"
        );
        assert_eq!(
            link(&["-d", "a", "-d", "b", "f"]).unwrap_err(),
            "multiple_debug_files"
        );
        assert_eq!(
            link(&["-u", "a", "-u", "b", "f"]).unwrap_err(),
            "multiple_unit_files"
        );
        assert_eq!(link(&["-o", "x"]).unwrap_err(), "missing_files");
        assert_eq!(link(&[]).unwrap_err(), "missing_files");
        assert_eq!(
            link(&["--error-limit", "x", "f"]).unwrap_err(),
            "invalid_option_value"
        );
    }

    #[test]
    fn options_after_files_and_double_dash() {
        let o = link(&["-o", "out/app.j", "in/app.j", "-Lin", "-lmath"]).unwrap();
        assert_eq!(o.inputs, [PathBuf::from("in/app.j")]);
        assert_eq!(o.paths, [PathBuf::from("in")]);
        let o = link(&["a.j", "--", "-weird.j", "+x"]).unwrap();
        assert_eq!(
            o.inputs,
            [
                PathBuf::from("a.j"),
                PathBuf::from("-weird.j"),
                PathBuf::from("+x")
            ]
        );
        let o = link(&["++", "-x.j"]).unwrap();
        assert_eq!(o.inputs, [PathBuf::from("-x.j")]);
        // Argument words are taken verbatim, even when they look like options.
        let o = link(&["-o", "-x.j", "-h", "tag", "--", "f.j"]).unwrap();
        assert_eq!(o.output, PathBuf::from("-x.j"));
        assert_eq!(o.hide, [sn("tag", "--")]);
        assert_eq!(o.inputs, [PathBuf::from("f.j")]);
    }

    #[test]
    fn names_and_renames() {
        let o = link(&[
            "-r",
            "tag",
            "[pkg.module.counter]",
            "pkg_counter",
            "-R",
            "f.txt",
            "-r",
            "tag",
            r"dotted\.name\[1\]",
            "[dotted.name]",
            "x.j",
        ])
        .unwrap();
        assert_eq!(o.renames.len(), 3);
        assert!(matches!(&o.renames[1], RenameSource::File(p) if p == &PathBuf::from("f.txt")));
        match &o.renames[0] {
            RenameSource::Rule { from, .. } => assert!(from.is_unique()),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            link(&["-r", "tag", "[unterminated", "x", "f.j"]).unwrap_err(),
            "illegal_external_name"
        );
        let o = link(&["-y", "tag", "main", "-s", "tag", "x", "-S", "token", "f.j"]).unwrap();
        assert_eq!(o.trace_symbols, [sn("tag", "main")]);
        assert_eq!(o.suppress, [sn("tag", "x")]);
        assert_eq!(o.suppress_all, [b"token".to_vec()]);
    }

    #[test]
    fn modes() {
        let mut rep = Reporter::with_writer("tld", Box::new(std::io::sink()));
        let p = parse_words(&words(&["-mv"]), &mut rep).unwrap().unwrap();
        assert!(p.show_version);
        assert!(matches!(p.request, Request::VersionOnly));
        let p = parse_words(&words(&["-mv", "-mt", "-i", "l.tl"]), &mut rep)
            .unwrap()
            .unwrap();
        assert!(p.show_version);
        assert!(matches!(&p.request, Request::List(a) if a.index));
        let p = parse_words(&words(&["-mt", "--help"]), &mut rep)
            .unwrap()
            .unwrap();
        assert!(matches!(p.request, Request::Help(Mode::List)));
        let p = parse_words(&words(&["-mc", "-?"]), &mut rep)
            .unwrap()
            .unwrap();
        assert!(matches!(p.request, Request::Help(Mode::Build)));
        let e = parse_words(&words(&["-mz", "f"]), &mut rep).unwrap_err();
        assert_eq!(e.kind.name(), "bad_mode");
        let e = parse_words(&words(&["-m"]), &mut rep).unwrap_err();
        assert_eq!(e.kind.name(), "bad_mode");
        let e = parse_words(&words(&["-mc", "-h", "tag", "x", "f.j"]), &mut rep).unwrap_err();
        assert_eq!(e.kind.name(), "unknown_short_option");
        let p = parse_words(&words(&["-ml", "-v"]), &mut rep)
            .unwrap()
            .unwrap();
        assert!(matches!(p.request, Request::VersionOnly));
        let p = parse_words(&words(&["--explain", "E0401"]), &mut rep)
            .unwrap()
            .unwrap();
        assert!(matches!(p.request, Request::Explain(ref c) if c == "E0401"));
        let p = parse_words(&words(&["-mx", "-ab", "l.tl"]), &mut rep)
            .unwrap()
            .unwrap();
        assert!(matches!(&p.request, Request::Extract(a) if a.all && a.basename));
        for mode in ["-ml", "-mc", "-mt", "-mx"] {
            let p = parse_words(&words(&[mode, "--color", "never", "f"]), &mut rep)
                .unwrap()
                .unwrap();
            assert_eq!(p.color, Some(ColorChoice::Never), "{mode}");
        }
    }

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
    fn response_files() {
        let dir = std::env::temp_dir().join(format!("tld-args-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let rsp = dir.join("args");
        std::fs::write(&rsp, "-o out.j\n-Lin -lmath\n").unwrap();
        let mut rep = Reporter::with_writer("tld", Box::new(std::io::sink()));
        let p = parse(
            vec![OsString::from(format!("@{}", rsp.display())), "a.j".into()],
            &mut rep,
        )
        .unwrap();
        match p.request {
            Request::Link(o) => {
                assert_eq!(o.output, PathBuf::from("out.j"));
                assert_eq!(o.libraries, [OsString::from("math")]);
                assert_eq!(o.inputs, [PathBuf::from("a.j")]);
            }
            other => panic!("{other:?}"),
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
