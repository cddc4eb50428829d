//! Phase 0: the command line.
//!
//! TenDRA's `tld` has its own word syntax: a leading mode word (`-mc`, `-ml`, `-mt`,
//! `-mx`, `-mv`), short-option clusters whose options consume the *following* words while
//! the cluster goes on (`-vor OUT SHAPE FROM TO`), `+x` and `++name` to turn a switch off,
//! `-lNAME` / `-LDIR` with attached or separate values, and unique-prefix long options.
//! [`parse`] reads the mode words, turns the rest into a canonical argument list with a
//! small [`normalise`]r, parses that list with the clap definition of the mode, and
//! converts the result into what the run needs ([`Parsed`], [`Request`]).
//!
//! Beyond the reference: options may follow file operands (GNU style), `--` ends the
//! options, `--name=value` works for options taking one value, `[a.b.c]` unique names are
//! accepted, `@FILE` reads arguments from a response file, and `--help`/`--version` print
//! to standard output.
//!
//! One job a file:
//!
//! | file | job |
//! |---|---|
//! | `args/mod.rs` | the mode words, then the request: [`parse`], [`Parsed`], [`Request`] |
//! | `args/words.rs` | TenDRA's word syntax normalised ([`normalise`], [`OptTable`]) and parsed with clap, clap's complaints as catalogue diagnostics |
//! | `args/modes.rs` | the clap definitions of the four modes ([`LinkArgs`], [`BuildArgs`], [`ListArgs`], [`ExtractArgs`], [`CommonArgs`]; [`mode_command`], [`command`], [`help_text`]) |
//! | `args/convert.rs` | link-mode arguments converted to [`LinkOptions`]; the argument helpers of the other modes |
//! | `args/fast.rs` | the command line `tcc` passes (`-L`, `-l`, `-o`, files), read without clap; anything else goes the general way |
//! | `args/texts.rs` | the help texts (examples, modes, long description) and [`version_text`] |
//!
//! The files below this one import each other downwards only (`convert` uses `words`
//! and `modes`, `modes` uses `texts`), never this file.

mod convert;
mod fast;
mod modes;
mod texts;
mod words;

use std::ffi::OsString;

use tdf_core::cli::{ColorChoice, DiagnosticsFormat};
use tdf_core::DiagResult;
use tdf_errors::{Kind, Reporter};

use convert::link_options;
use modes::LINK_EITHER;
use words::{boxed, lossy, parse_mode};

pub use convert::{
    at_most_one, parse_name, shaped_names, shapes, LinkOptions, RenameSource, ShapedName,
};
pub use modes::{
    command, help_text, mode_command, BuildArgs, CommonArgs, ExtractArgs, LinkArgs, ListArgs, Mode,
};
pub use texts::version_text;
pub use words::{normalise, os_bytes, OptTable};

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
    /// `--diagnostics-format`, if given.
    pub diagnostics_format: Option<DiagnosticsFormat>,
    pub request: Request,
}

/// Parses the command line (without the program name). Usage errors and illegal
/// external names are reported to `rep`; `None` means the run must stop (exit with
/// `rep.exit_code()`).
///
/// Also sets `rep`'s colour for standard error ([`ColorChoice::for_stderr`]) and its
/// format ([`DiagnosticsFormat`]): from the parsed `--color` and
/// `--diagnostics-format`, and, for problems found while parsing, from the last such
/// words that can be seen ([`ColorChoice::scan`], [`DiagnosticsFormat::scan`]).
pub fn parse(args: Vec<OsString>, rep: &mut Reporter) -> Option<Parsed> {
    scan_conventions(&args, rep);
    let words = match tdf_core::fsutil::expand_response_files(args) {
        Ok(w) => w,
        Err(d) => {
            let _ = rep.report(*d);
            return None;
        }
    };
    scan_conventions(&words, rep);
    match parse_words(&words, rep) {
        Ok(Some(p)) => {
            rep.set_color(p.color.unwrap_or_default().for_stderr());
            rep.set_format(p.diagnostics_format.unwrap_or_default().into());
            Some(p)
        }
        Ok(None) => None,
        Err(d) => {
            let _ = rep.report(*d);
            None
        }
    }
}

/// Sets `rep`'s colour and format from the words of a command line not yet parsed.
fn scan_conventions(words: &[OsString], rep: &mut Reporter) {
    rep.set_color(ColorChoice::scan(words).unwrap_or_default().for_stderr());
    rep.set_format(DiagnosticsFormat::scan(words).unwrap_or_default().into());
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
            if let Some(opts) = fast::simple_link(rest) {
                return Ok(Some(Parsed {
                    show_version: mode_version,
                    error_limit: None,
                    color: None,
                    diagnostics_format: None,
                    request: Request::Link(Box::new(opts)),
                }));
            }
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
    let diagnostics_format = common.diagnostics_format;
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
        diagnostics_format,
        request,
    }))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn words(s: &[&str]) -> Vec<OsString> {
        s.iter().map(OsString::from).collect()
    }

    #[test]
    fn files_are_required() {
        let mut rep = Reporter::with_writer("tld", Box::new(std::io::sink()));
        let e = parse_words(&words(&["-o", "x"]), &mut rep).unwrap_err();
        assert_eq!(e.kind.name(), "missing_files");
        let e = parse_words(&words(&[]), &mut rep).unwrap_err();
        assert_eq!(e.kind.name(), "missing_files");
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
            let p = parse_words(&words(&[mode, "f", "--diagnostics-format=json"]), &mut rep)
                .unwrap()
                .unwrap();
            assert_eq!(
                p.diagnostics_format,
                Some(DiagnosticsFormat::Json),
                "{mode}"
            );
        }
        let mut rep = Reporter::with_writer("tld", Box::new(std::io::sink()));
        assert!(parse(words(&["--diagnostics-format", "json", "f.j"]), &mut rep).is_some());
        assert_eq!(rep.format(), tdf_errors::Format::Json);
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
