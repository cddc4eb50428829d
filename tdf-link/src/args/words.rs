//! The words of `tld`'s command line: TenDRA's word syntax turned into a canonical
//! argument list for clap ([`normalise`]), and that list parsed with the clap definition
//! of a mode (`parse_mode`), every complaint of clap a catalogue usage diagnostic.
//!
//! The canonical list spells every option `--full-name`, attaches single values with
//! `=`, and writes off-switches as `--no-name`. The normaliser reads its option table
//! from the clap command itself ([`OptTable::from_command`]), so every option is defined
//! once, in `modes.rs`.
//!
//! Long-option prefixes are resolved with the reference options first: a prefix that is
//! unique among TenDRA's own options (`--w` for `--warnings`) keeps meaning that option
//! even though this toolset added options with the same start (`--why-extract`).

use std::collections::HashMap;
use std::error::Error as _;
use std::ffi::{OsStr, OsString};

use clap::{Arg, ArgMatches, Parser};
use tdf_core::DiagResult;
use tdf_errors::{Diagnostic, Kind};

/// Options added by this toolset (not in TenDRA's `tld`). A long-option prefix is first
/// matched against the other options only; see the module documentation.
const EXTENSIONS: &[&str] = &[
    "check",
    "color",
    "diagnostics-format",
    "error-limit",
    "explain",
    "trace-symbol",
    "why-extract",
];

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
            let has_off = all_longs
                .iter()
                .any(|l| l.strip_prefix("no-") == Some(long.as_str()));
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

pub(super) fn lossy(s: &OsStr) -> String {
    s.to_string_lossy().into_owned()
}

#[cfg(unix)]
pub(super) fn os_from_bytes(b: &[u8]) -> OsString {
    use std::os::unix::ffi::OsStrExt;
    OsStr::from_bytes(b).to_os_string()
}

#[cfg(not(unix))]
pub(super) fn os_from_bytes(b: &[u8]) -> OsString {
    OsString::from(String::from_utf8_lossy(b).into_owned())
}

/// A boxed diagnostic of this kind.
pub(super) fn boxed(kind: Kind) -> Box<Diagnostic> {
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

/// Normalises `words` for the clap command of `P` and parses them.
pub(super) fn parse_mode<P: Parser>(
    words: &[OsString],
    either: &[char],
) -> DiagResult<(P, ArgMatches)> {
    let cmd = P::command();
    let table = OptTable::from_command(&cmd, either);
    let canonical = normalise(words, &table)?;
    let matches = cmd.try_get_matches_from(canonical).map_err(clap_error)?;
    let parsed = P::from_arg_matches(&matches).map_err(clap_error)?;
    Ok((parsed, matches))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::modes::{LinkArgs, LINK_EITHER};
    use clap::CommandFactory;

    fn words(s: &[&str]) -> Vec<OsString> {
        s.iter().map(OsString::from).collect()
    }

    fn canon(s: &[&str]) -> Result<Vec<String>, String> {
        let table = OptTable::from_command(&LinkArgs::command(), LINK_EITHER);
        normalise(&words(s), &table)
            .map(|v| v.iter().map(|w| lossy(w)).collect())
            .map_err(|d| d.kind.name().to_owned())
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
    }

    #[test]
    fn plus_turns_switches_off() {
        assert_eq!(canon(&["+a"]).unwrap(), ["--no-all-hide-defined"]);
        assert_eq!(canon(&["++warn"]).unwrap(), ["--no-warnings"]);
        // `+o` is just `-o` for an option that is not a switch.
        assert_eq!(canon(&["+o", "x"]).unwrap(), ["--output-file=x"]);
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
        // `--color` and `--check` are additions: no TenDRA option starts with `c`.
        assert_eq!(canon(&["--co", "never"]).unwrap(), ["--color=never"]);
        assert_eq!(canon(&["--ch"]).unwrap(), ["--check"]);
        assert_eq!(canon(&["--col=always"]).unwrap(), ["--color=always"]);
        assert_eq!(canon(&["-c"]).unwrap_err(), "unknown_short_option");
        // So is `--diagnostics-format`: `--d` keeps meaning TenDRA's `--debug-file`.
        assert_eq!(canon(&["--d", "f"]).unwrap(), ["--debug-file=f"]);
        assert_eq!(
            canon(&["--di", "json"]).unwrap(),
            ["--diagnostics-format=json"]
        );
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
    }

    #[test]
    fn clap_errors_become_catalogue_diagnostics() {
        let parse = |s: &[&str]| parse_mode::<LinkArgs>(&words(s), LINK_EITHER).map(drop);
        let e = parse(&["--error-limit", "x", "f"]).unwrap_err();
        assert_eq!(e.kind.name(), "invalid_option_value");
        assert!(e.to_string().contains("a whole number"), "{e}");
        let e = parse(&["--color", "pink", "f"]).unwrap_err();
        assert_eq!(e.kind.name(), "invalid_option_value");
        assert!(parse(&["--error-limit", "3", "f"]).is_ok());
    }
}
