//! The command-line conventions shared by the three tools (`tld`, `tlib`, `tshow`):
//! clap parsing of `tlib`'s and `tshow`'s options after `@FILE` expansion, with every
//! complaint turned into a catalogue diagnostic ([`parse`]), `--explain` ([`explain`]),
//! `--color` ([`ColorChoice`]), `--diagnostics-format` ([`DiagnosticsFormat`]), the
//! `--version` text ([`VERSION`]) and the help headings ([`headings`]). No tool's
//! options are defined here: each tool declares its own (clap derive) in its own crate
//! and builds no other tool's definitions.
//!
//! The binaries only declare their options and call these functions, so that everything
//! they print is a catalogue diagnostic and the exit status always comes from
//! [`Reporter::exit_code`]. `tld` reads TenDRA's word syntax with its own parser
//! (`tdf-link/src/args/`), and takes [`ColorChoice`], [`DiagnosticsFormat`] and
//! [`headings`] from here.
//!
//! # Conventions shared by the three tools
//!
//! * `--color=WHEN` (or `--color WHEN`), WHEN one of `auto` (the default), `always`,
//!   `never`, colours diagnostics on standard error by severity ([`ColorChoice`]).
//!   `auto` colours only when standard error is a terminal and the environment variable
//!   `NO_COLOR` is unset or empty; `always` colours even with `NO_COLOR` set. Standard
//!   output (listings, help, JSON) is never coloured.
//! * `--diagnostics-format=human|json` prints diagnostics for people (the default) or
//!   as one JSON object per line ([`DiagnosticsFormat`]; schema in `errors/JSON.md`).
//!   Usage errors follow the last such word on the command line, as colours do.
//! * `--help` groups the options under the headings in [`headings`] and ends with
//!   one-line examples; `--version` prints the program name and [`VERSION`]: the package
//!   version and the TDF versions understood ([`crate::TDF_VERSIONS`]).
//! * `@FILE` on the command line is replaced by the words of FILE
//!   ([`crate::fsutil::expand_response_files`]).

use std::ffi::{OsStr, OsString};
use std::io::{IsTerminal, Write};

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::ValueEnum;
use tdf_errors::{Kind, Reporter};

use crate::diag::io_reason;
use crate::fsutil::expand_response_files;

/// Parses the process arguments (after expanding `@FILE` response files) into `T`.
///
/// `--help` and `--version` print their text to standard output and give `None` with
/// nothing reported (exit status 0). Any other problem is reported as a catalogue usage
/// error (exit status 2) and gives `None`. Such errors are coloured as the last
/// `--color` word asks ([`ColorChoice::scan`]); after a successful parse the caller sets
/// `rep`'s colour from the parsed `--color`.
pub fn parse<T: clap::Parser>(rep: &mut Reporter) -> Option<T> {
    parse_from(std::env::args_os(), rep)
}

/// [`parse`] over the given arguments (the first is the program name).
pub fn parse_from<T: clap::Parser>(
    args: impl IntoIterator<Item = OsString>,
    rep: &mut Reporter,
) -> Option<T> {
    let args = match expand_response_files(args) {
        Ok(a) => a,
        Err(d) => {
            let _ = rep.report(*d);
            return None;
        }
    };
    // Usage errors are reported before the parsed `--color` exists: colour them as the
    // command line asks, as far as it can be read.
    let words = args.get(1..).unwrap_or_default();
    rep.set_color(ColorChoice::scan(words).unwrap_or_default().for_stderr());
    rep.set_format(DiagnosticsFormat::scan(words).unwrap_or_default().into());
    match T::try_parse_from(args) {
        Ok(t) => Some(t),
        Err(e) => {
            match e.kind() {
                ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    let text = e.render().to_string();
                    print(&text, &mut std::io::stdout().lock(), rep);
                }
                _ => {
                    let _ = rep.report(clap_error_kind(&e).into());
                }
            }
            None
        }
    }
}

fn context_text(e: &clap::Error, kind: ContextKind) -> Option<String> {
    match e.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        ContextValue::Strings(v) => Some(v.join(", ")),
        ContextValue::StyledStr(s) => Some(s.to_string()),
        ContextValue::StyledStrs(v) => Some(
            v.iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ),
        ContextValue::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The option word of a clap argument description (`--output-file <FILE>` →
/// `--output-file`).
fn option_word(arg: &str) -> String {
    arg.split_whitespace().next().unwrap_or(arg).to_owned()
}

/// The catalogue diagnostic for a clap parse error.
fn clap_error_kind(e: &clap::Error) -> Kind {
    let arg = context_text(e, ContextKind::InvalidArg).unwrap_or_default();
    let word = option_word(&arg);
    match e.kind() {
        ErrorKind::UnknownArgument => Kind::unknown_option(word),
        ErrorKind::MissingRequiredArgument => Kind::missing_files(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            let value = context_text(e, ContextKind::InvalidValue).unwrap_or_default();
            if value.is_empty() {
                return Kind::missing_argument(word);
            }
            let expected = match context_text(e, ContextKind::ValidValue) {
                Some(v) => format!("one of {v}"),
                None => "a valid value".to_owned(),
            };
            Kind::invalid_option_value(word, value, expected)
        }
        ErrorKind::ArgumentConflict => {
            let prior = context_text(e, ContextKind::PriorArg).map(|p| option_word(&p));
            match prior {
                Some(p) if p != word => Kind::conflicting_options(p, word),
                _ => match word.as_str() {
                    "--output-file" | "-o" => Kind::multiple_output_files(),
                    "--unit-file" | "-u" => Kind::multiple_unit_files(),
                    "--debug-file" | "-d" => Kind::multiple_debug_files(),
                    _ => Kind::conflicting_options(word.clone(), word),
                },
            }
        }
        ErrorKind::WrongNumberOfValues
        | ErrorKind::TooFewValues
        | ErrorKind::TooManyValues
        | ErrorKind::NoEquals => Kind::missing_argument(word),
        ErrorKind::InvalidUtf8 => Kind::invalid_option_value(word, "?", "UTF-8 text"),
        _ => {
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("").trim();
            let first = first.strip_prefix("error: ").unwrap_or(first);
            Kind::unknown_option(first)
        }
    }
}

/// `--explain CODE`: prints the explanation of a catalogue entry to `out`, or reports
/// `unknown_explain_code`.
pub fn explain(code: &str, out: &mut dyn Write, rep: &mut Reporter) {
    match tdf_errors::explain(code) {
        Some(text) => print(&text, out, rep),
        None => {
            let _ = rep.report(Kind::unknown_explain_code(code).into());
        }
    }
}

/// Prints a text the user asked for (`--help`, `--version`, `--explain`) on `out`, the
/// standard output: a failure to write it (a full disk, `> /dev/full`) is `write_error`
/// and the exit status 1, as for every output; a reader that went away (`| head`) is
/// not an error, as for the listings.
pub fn print(text: &str, out: &mut dyn Write, rep: &mut Reporter) {
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            let _ = rep.report(Kind::write_error("standard output", io_reason(&e)).into());
        }
        _ => {}
    }
}

/// The `--version` text of `tlib` and `tshow` after the program name: the package
/// version (every crate of the workspace has the same), then the TDF versions understood
/// ([`crate::TDF_VERSIONS`]).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (TDF toolset)\nreads and writes ",
    crate::tdf_versions!()
);

// ---------------------------------------------------------------------------------------
// --color
// ---------------------------------------------------------------------------------------

/// When to colour diagnostics: the value of `--color` (all three tools).
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ColorChoice {
    /// Colour when standard error is a terminal and NO_COLOR is unset or empty
    #[default]
    Auto,
    /// Always colour, even when NO_COLOR is set
    Always,
    /// Never colour
    Never,
}

impl ColorChoice {
    /// Whether to colour, given whether the diagnostics go to a terminal and the value of
    /// `NO_COLOR` (<https://no-color.org>: set and not empty disables automatic colour).
    pub fn enabled(self, is_terminal: bool, no_color: Option<&OsStr>) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => is_terminal && no_color.is_none_or(OsStr::is_empty),
        }
    }

    /// Whether to colour diagnostics written to this process's standard error. Standard
    /// error and `NO_COLOR` are looked at once a run, and only for `auto` (the tools
    /// decide the colour several times while they read their command lines).
    pub fn for_stderr(self) -> bool {
        static AUTO: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        match self {
            ColorChoice::Auto => *AUTO.get_or_init(|| {
                self.enabled(
                    std::io::stderr().is_terminal(),
                    std::env::var_os("NO_COLOR").as_deref(),
                )
            }),
            _ => self.enabled(false, None),
        }
    }

    /// The value of the last `--color WHEN` or `--color=WHEN` among `words` (the command
    /// line without the program name), reading no further than a `--`. Used to colour
    /// usage errors found before the command line could be parsed; an unknown WHEN is
    /// ignored here (the parser reports it).
    pub fn scan(words: &[OsString]) -> Option<ColorChoice> {
        scan_last(words, "--color")
    }
}

/// The last valid value of `option` (`--option VALUE` or `--option=VALUE`) among
/// `words`, reading no further than a `--`; values that are not valid are skipped.
fn scan_last<T: ValueEnum>(words: &[OsString], option: &str) -> Option<T> {
    let mut found = None;
    let mut words = words.iter();
    while let Some(w) = words.next() {
        let w = w.to_string_lossy();
        if w == "--" {
            break;
        }
        let value = if w == option {
            words.next().map(|v| v.to_string_lossy().into_owned())
        } else {
            w.strip_prefix(option)
                .and_then(|rest| rest.strip_prefix('='))
                .map(str::to_owned)
        };
        if let Some(v) = value.and_then(|v| T::from_str(&v, false).ok()) {
            found = Some(v);
        }
    }
    found
}

// ---------------------------------------------------------------------------------------
// --diagnostics-format
// ---------------------------------------------------------------------------------------

/// How diagnostics are printed on standard error: the value of `--diagnostics-format`
/// (all three tools).
#[derive(ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DiagnosticsFormat {
    /// GNU-style lines and source snippets, for people
    #[default]
    Human,
    /// One JSON object per line, for programs (schema in errors/JSON.md)
    Json,
}

impl DiagnosticsFormat {
    /// The value of the last `--diagnostics-format FORMAT` or `--diagnostics-format=FORMAT`
    /// among `words`, as [`ColorChoice::scan`] reads `--color`: usage errors found before
    /// the command line could be parsed are printed in this format.
    pub fn scan(words: &[OsString]) -> Option<DiagnosticsFormat> {
        scan_last(words, "--diagnostics-format")
    }
}

impl From<DiagnosticsFormat> for tdf_errors::Format {
    fn from(f: DiagnosticsFormat) -> tdf_errors::Format {
        match f {
            DiagnosticsFormat::Human => tdf_errors::Format::Human,
            DiagnosticsFormat::Json => tdf_errors::Format::Json,
        }
    }
}

/// The help headings of the three tools, in the order `--help` shows them (each tool
/// uses those that apply to it).
pub mod headings {
    /// Files read.
    pub const INPUT: &str = "Input";
    /// Library search and library definitions.
    pub const LIBRARIES: &str = "Libraries";
    /// External names: renaming, hiding, keeping, suppressing, selecting.
    pub const NAMES: &str = "Names";
    /// What is written, and how.
    pub const OUTPUT: &str = "Output";
    /// Messages, traces and explanations.
    pub const DIAGNOSTICS: &str = "Diagnostics";
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser, Debug)]
    #[command(name = "t")]
    struct Args {
        #[arg(short = 'o', long = "output-file")]
        output: Option<String>,
        #[arg(short = 'a', long = "all", conflicts_with = "names")]
        all: bool,
        #[arg(long, value_parser = ["x", "y"])]
        format: Option<String>,
        #[arg(required = true)]
        names: Vec<String>,
    }

    fn err(args: &[&str]) -> String {
        let mut rep = Reporter::with_writer("t", Box::new(std::io::sink()));
        let args = std::iter::once("t")
            .chain(args.iter().copied())
            .map(OsString::from);
        assert!(parse_from::<Args>(args, &mut rep).is_none());
        assert_eq!(rep.exit_code(), 2);
        rep.diagnostics()[0].kind.name().to_owned()
    }

    #[test]
    fn clap_errors_become_catalogue_diagnostics() {
        assert_eq!(err(&["--bogus", "a"]), "unknown_option");
        assert_eq!(err(&[]), "missing_files");
        assert_eq!(err(&["-o", "x", "-o", "y", "a"]), "multiple_output_files");
        assert_eq!(err(&["a", "-o"]), "missing_argument");
        assert_eq!(err(&["--format", "z", "a"]), "invalid_option_value");
        assert_eq!(err(&["-a", "a"]), "conflicting_options");
    }

    #[test]
    fn version_names_the_tdf_versions() {
        assert!(VERSION.starts_with(env!("CARGO_PKG_VERSION")));
        assert!(VERSION.ends_with(crate::TDF_VERSIONS), "{VERSION}");
    }

    #[test]
    fn color_choice() {
        use ColorChoice::*;
        let set = Some(OsStr::new("1"));
        let empty = Some(OsStr::new(""));
        assert!(Auto.enabled(true, None));
        assert!(Auto.enabled(true, empty));
        assert!(!Auto.enabled(true, set));
        assert!(!Auto.enabled(false, None));
        assert!(Always.enabled(false, set));
        assert!(!Never.enabled(true, None));
        let scan = |w: &[&str]| {
            let w: Vec<OsString> = w.iter().map(OsString::from).collect();
            ColorChoice::scan(&w)
        };
        assert_eq!(scan(&["a.j"]), None);
        assert_eq!(scan(&["--color=always", "a.j"]), Some(Always));
        assert_eq!(scan(&["--color", "never", "--bogus"]), Some(Never));
        assert_eq!(scan(&["--color=never", "--color=always"]), Some(Always));
        assert_eq!(scan(&["--color=never", "--color=pink"]), Some(Never));
        assert_eq!(scan(&["--", "--color=always"]), None);
        assert_eq!(scan(&["--colorful=always"]), None);
    }

    #[test]
    fn diagnostics_format_scan() {
        use DiagnosticsFormat::*;
        let scan = |w: &[&str]| {
            let w: Vec<OsString> = w.iter().map(OsString::from).collect();
            DiagnosticsFormat::scan(&w)
        };
        assert_eq!(scan(&["a.j"]), None);
        assert_eq!(scan(&["--diagnostics-format=json", "--bogus"]), Some(Json));
        assert_eq!(scan(&["--diagnostics-format", "json", "-o"]), Some(Json));
        assert_eq!(
            scan(&["--diagnostics-format=json", "--diagnostics-format=xml"]),
            Some(Json)
        );
        assert_eq!(scan(&["--diagnostics-format=human"]), Some(Human));
        assert_eq!(scan(&["--", "--diagnostics-format=json"]), None);
        assert_eq!(tdf_errors::Format::from(Json), tdf_errors::Format::Json);
    }

    #[test]
    fn usage_errors_follow_the_diagnostics_format_on_the_command_line() {
        let mut rep = Reporter::with_writer("t", Box::new(std::io::sink()));
        let args = ["t", "--diagnostics-format=json", "--bogus", "a"].map(OsString::from);
        assert!(parse_from::<Args>(args, &mut rep).is_none());
        assert_eq!(rep.format(), tdf_errors::Format::Json);
    }
}
