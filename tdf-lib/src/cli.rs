//! Command-line plumbing shared by the `tlib` and `tshow` binaries: `@FILE` expansion,
//! clap parsing with every complaint turned into a catalogue diagnostic, `--explain`,
//! and the conversions of option arguments (`-s SHAPE NAME`, `-u FILE`).
//!
//! The binaries only declare their options (clap derive) and call these functions, so
//! that everything they print is a catalogue diagnostic and the exit status always comes
//! from [`Reporter::exit_code`].

use std::ffi::OsString;
use std::io::Write;
use std::path::Path;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use tdf_core::fsutil::{expand_response_files, io_reason};
use tdf_core::{ExtName, UnitSetList};
use tdf_errors::{Kind, Reporter};

/// Parses the process arguments (after expanding `@FILE` response files) into `T`.
///
/// `--help` and `--version` print their text to standard output and give `None` with
/// nothing reported (exit status 0). Any other problem is reported as a catalogue usage
/// error (exit status 2) and gives `None`.
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
    match T::try_parse_from(args) {
        Ok(t) => Some(t),
        Err(e) => {
            match e.kind() {
                ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    let mut out = std::io::stdout().lock();
                    let _ = write!(out, "{}", e.render());
                    let _ = out.flush();
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
        Some(text) => {
            if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                let _ = rep.report(Kind::write_error("standard output", io_reason(&e)).into());
            }
        }
        None => {
            let _ = rep.report(Kind::unknown_explain_code(code).into());
        }
    }
}

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
    let shown = path.display().to_string();
    let text = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) => {
            let kind = Kind::cannot_open_unit_set_file(shown, io_reason(&e));
            let _ = rep.report(kind.into());
            return None;
        }
    };
    match UnitSetList::parse_file(&text, &shown) {
        Ok(list) => Some(list),
        Err(diags) => {
            for d in diags {
                if rep.report(d).is_err() {
                    break;
                }
            }
            None
        }
    }
}

/// The `--version` text of the tools: the version and the TDF versions handled (as
/// [`tdf_core::TDF_VERSIONS`]).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (TDF 4.x capsules and type-0 libraries)"
);

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
    fn suppress_names_are_parsed() {
        let mut rep = Reporter::with_writer("t", Box::new(std::io::sink()));
        let pairs = ["tag", "[a.b]", "tag", "a.b"].map(String::from);
        let got = parse_suppress(&pairs, &mut rep);
        assert_eq!(got.len(), 1);
        assert!(got[0].1.is_unique());
        assert_eq!(rep.diagnostics()[0].kind.name(), "illegal_external_name");
    }
}
