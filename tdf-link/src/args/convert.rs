//! Link-mode arguments converted to the typed options the phases take
//! ([`LinkOptions`]): external names parsed in the §8.4 syntax ([`parse_name`],
//! [`shaped_names`]), once-only options checked ([`at_most_one`]), rename rules and
//! rename files kept in command-line order, libraries without duplicates. The helpers are
//! shared with the `-mc`, `-mt` and `-mx` modes (`tdf-link/src/modes.rs`).

use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

use clap::ArgMatches;
use tdf_core::{DiagResult, ExtName};
use tdf_errors::{Diagnostic, Kind, Reporter};

use super::modes::LinkArgs;
use super::words::{boxed, lossy, os_bytes};

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
    /// `--check`: decode every unit body and report what is damaged.
    pub check: bool,
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
            check: false,
        }
    }
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
pub(super) fn link_options(
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
        check: a.check,
    };
    if rep.error_count() > errors_before {
        return Ok(None);
    }
    stdout_once(&opts)?;
    Ok(Some(opts))
}

/// Standard output carries at most one thing: `-` may be the file of one output option
/// only, and the binary output (`-o -`) leaves no room for the `-y` lines.
fn stdout_once(opts: &LinkOptions) -> DiagResult<()> {
    use tdf_core::fsutil::is_stdio;
    let mut users = Vec::new();
    for (path, option) in [
        (Some(&opts.output), "-o -"),
        (opts.debug_file.as_ref(), "-d -"),
        (opts.why_extract.as_ref(), "--why-extract -"),
    ] {
        if path.is_some_and(|p| is_stdio(p)) {
            users.push(option);
        }
    }
    if is_stdio(&opts.output) && !opts.trace_symbols.is_empty() {
        users.push("-y");
    }
    match users[..] {
        [first, second, ..] => Err(boxed(Kind::conflicting_options(first, second))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::modes::LINK_EITHER;
    use crate::args::words::parse_mode;

    fn words(s: &[&str]) -> Vec<OsString> {
        s.iter().map(OsString::from).collect()
    }

    /// The link options of a link-mode command line (without the mode word).
    fn link(s: &[&str]) -> Result<LinkOptions, String> {
        let mut rep = Reporter::with_writer("tld", Box::new(std::io::sink()));
        let (a, m) =
            parse_mode::<LinkArgs>(&words(s), LINK_EITHER).map_err(|d| d.kind.name().to_owned())?;
        match link_options(a, &m, &mut rep) {
            Ok(Some(o)) => Ok(o),
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
        let o = link(&["-ao", "x.j", "-k", "tag", "main", "a.j"]).unwrap();
        assert!(o.hide_all_defined);
        assert_eq!(o.output, PathBuf::from("x.j"));
        assert_eq!(o.keep, [sn("tag", "main")]);
        assert_eq!(o.inputs, [PathBuf::from("a.j")]);
    }

    #[test]
    fn plus_turns_switches_off() {
        assert!(!link(&["-a", "+a", "f.j"]).unwrap().hide_all_defined);
        assert!(link(&["+a", "-a", "f.j"]).unwrap().hide_all_defined);
        assert!(!link(&["+w", "f.j"]).unwrap().show_warnings);
        assert!(!link(&["--no-warnings", "f.j"]).unwrap().show_warnings);
        assert!(link(&["f.j"]).unwrap().show_warnings);
        assert!(link(&["+w", "-w", "f.j"]).unwrap().show_warnings);
    }

    #[test]
    fn library_either_forms() {
        let o = link(&[
            "-Lin/api", "-L", "in/lpi", "-lc89", "-lc", "-lc89", "-o", "o.t", "h.j",
        ])
        .unwrap();
        assert_eq!(o.paths, [PathBuf::from("in/api"), PathBuf::from("in/lpi")]);
        assert_eq!(o.libraries, [OsString::from("c89"), OsString::from("c")]);
    }

    #[test]
    fn once_only_options() {
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
        assert_eq!(link(&["f"]).unwrap().output, PathBuf::from("capsule.j"));
    }

    #[test]
    fn standard_output_is_named_once() {
        let o = link(&["-o", "-", "-d", "t.txt", "f.j"]).unwrap();
        assert_eq!(o.output, PathBuf::from("-"));
        assert!(link(&["-d", "-", "--why-extract", "w.txt", "f.j"]).is_ok());
        assert!(link(&["--why-extract=-", "-y", "tag", "x", "f.j"]).is_ok());
        for bad in [
            &["-o", "-", "-d", "-", "f.j"][..],
            &["-o", "-", "--why-extract=-", "f.j"],
            &["-d", "-", "--why-extract", "-", "f.j"],
            &["-o", "-", "-y", "tag", "main", "f.j"],
        ] {
            assert_eq!(link(bad).unwrap_err(), "conflicting_options", "{bad:?}");
        }
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
}
