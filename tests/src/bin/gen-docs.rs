//! `gen-docs OUTDIR`: writes the man pages and the shell completions of `tld`, `tlib` and
//! `tshow`, generated from their clap definitions, under OUTDIR in the layout of a
//! `share` directory, so that `gen-docs /usr/local/share` installs them:
//!
//! ```text
//! OUTDIR/man/man1/tld.1, tlib.1, tshow.1         clap_mangen, plus hand-written sections
//! OUTDIR/man/man5/tdf.5                          copied from tests/man/tdf.5
//! OUTDIR/bash-completion/completions/tld, ...    clap_complete
//! OUTDIR/zsh/site-functions/_tld, ...
//! OUTDIR/fish/vendor_completions.d/tld.fish, ...
//! ```
//!
//! `cargo run -p tdf-tests --bin gen-docs -- OUTDIR`. Deterministic: the same sources
//! give the same files.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Command;
use clap_complete::Shell;
use clap_mangen::roff::{bold, italic, roman, Inline, Roff};
use clap_mangen::Man;

/// The hand-written page of the file formats.
const TDF_5: &str = include_str!("../../man/tdf.5");

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [out] = args.as_slice() else {
        eprintln!("usage: gen-docs OUTDIR   (e.g. gen-docs /usr/local/share)");
        return ExitCode::from(2);
    };
    match generate(Path::new(out)) {
        Ok(files) => {
            for f in files {
                println!("{}", f.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen-docs: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The three tools: name and clap command.
fn tools() -> [(&'static str, Command); 3] {
    [
        ("tld", tdf_link::args::command()),
        ("tlib", tdf_lib::cli::command()),
        ("tshow", tdf_show::cli::command()),
    ]
}

/// Writes everything; returns the files written.
fn generate(out: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    let mut write = |rel: String, bytes: &[u8]| -> std::io::Result<()> {
        let path = out.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, bytes).map_err(|e| {
            std::io::Error::new(e.kind(), format!("cannot write {}: {e}", path.display()))
        })?;
        written.push(path);
        Ok(())
    };
    for (name, cmd) in tools() {
        write(
            format!("man/man1/{name}.1"),
            man_page(name, cmd.clone())?.as_bytes(),
        )?;
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let (dir, file) = match shell {
                Shell::Bash => ("bash-completion/completions", name.to_owned()),
                Shell::Zsh => ("zsh/site-functions", format!("_{name}")),
                _ => ("fish/vendor_completions.d", format!("{name}.fish")),
            };
            let mut buf = Vec::new();
            if shell == Shell::Zsh && name == "tld" {
                buf = zsh_tld();
            } else {
                clap_complete::generate(shell, &mut cmd.clone(), name, &mut buf);
            }
            if shell == Shell::Fish {
                buf = fish_quote_question_mark(&buf);
                if name == "tld" {
                    buf = fish_tld_modes(&buf);
                }
            }
            write(format!("{dir}/{file}"), &buf)?;
        }
    }
    write("man/man5/tdf.5".to_owned(), TDF_5.as_bytes())?;
    Ok(written)
}

/// clap_complete writes `tld`'s short option `-?` unquoted into the fish script
/// (`-s ?`, `?/help`), where fish takes `?` for a wildcard; quote it.
fn fish_quote_question_mark(script: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(script)
        .replace(" -s ? ", " -s '?' ")
        .replace(" ?/help", " '?/help'")
        .into_bytes()
}

/// How fish tells `tld`'s mode: clap_complete's fish script finds a subcommand by
/// parsing the words with `argparse`, which takes `-mc` for options `-m` and `-c`; but a
/// mode word can only be the first argument, so look there.
const FISH_TLD_MODES: &str = r#"function __fish_tld_needs_command
    # The mode word (-ml, -mc, -mt, -mx) can only be the first argument: print it, or
    # succeed when there is none (link mode).
    set -l cmd (commandline -opc)
    if set -q cmd[2]; and contains -- $cmd[2] -ml -mc -mt -mx
        echo $cmd[2]
        return 1
    end
    return 0
end

function __fish_tld_at_first_argument
    set -l cmd (commandline -opc)
    not set -q cmd[2]
end

function __fish_tld_using_subcommand"#;

/// Puts [`FISH_TLD_MODES`] into clap_complete's fish script for `tld`, and offers the
/// mode words only as the first argument.
fn fish_tld_modes(script: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(script);
    let start = text.find("function __fish_tld_needs_command");
    let end = text.find("function __fish_tld_using_subcommand");
    let text = match (start, end) {
        (Some(s), Some(e)) if s < e => {
            format!(
                "{}{}{}",
                &text[..s],
                FISH_TLD_MODES,
                &text[e + FISH_USING.len()..]
            )
        }
        _ => panic!("clap_complete's fish script has changed: revisit fish_tld_modes"),
    };
    text.replace(
        "-n \"__fish_tld_needs_command\" -a \"-m",
        "-n \"__fish_tld_at_first_argument\" -a \"-m",
    )
    .into_bytes()
}

const FISH_USING: &str = "function __fish_tld_using_subcommand";

/// The zsh completion of `tld`. clap_complete's zsh script for [`tdf_link::args::command`]
/// takes the mode words for options (they start with `-`) and looks for them after the
/// file operands; so this script has one completion function per mode, generated by
/// clap_complete from that mode's command, and a dispatcher that offers the mode words
/// as the first argument and picks the function by the first word.
fn zsh_tld() -> Vec<u8> {
    use tdf_link::args::{mode_command, Mode};
    let mut out = String::from(
        "#compdef tld\n\n\
         # tld's mode word (-ml, -mc, -mt, -mx) can only be the first argument; each mode\n\
         # has its own options, completed by _tld_ml, _tld_mc, _tld_mt and _tld_mx.\n\n\
         autoload -U is-at-least\n\n",
    );
    for mode in [Mode::Link, Mode::Build, Mode::List, Mode::Extract] {
        let mut buf = Vec::new();
        clap_complete::generate(Shell::Zsh, &mut mode_command(mode), "tld", &mut buf);
        let text = String::from_utf8_lossy(&buf);
        let (Some(start), Some(end)) = (text.find("_tld() {"), text.find("if [ \"$funcstack[1]\""))
        else {
            panic!("clap_complete's zsh script has changed: revisit zsh_tld");
        };
        let suffix = &mode.word()[1..];
        out.push_str(&text[start..end].replace("_tld", &format!("_tld_{suffix}")));
    }
    out.push_str(ZSH_TLD_DISPATCH);
    out.into_bytes()
}

const ZSH_TLD_DISPATCH: &str = r#"_tld() {
    if (( CURRENT == 2 )) && [[ $PREFIX == -m* ]]; then
        local -a modes
        modes=(
            '-ml:link capsules (the default)'
            '-mc:build a library from capsules'
            '-mt:list the contents of a library'
            '-mx:extract capsules from a library'
            '-mv:print the version, then read the next argument as the mode'
        )
        _describe -t modes 'tld mode' modes
        return
    fi
    local mode=ml
    if (( CURRENT > 2 )); then
        case $words[2] in
            -ml|-mc|-mt|-mx)
                mode=${words[2]#-}
                words=("$words[1]" "${(@)words[3,-1]}")
                (( CURRENT-- ))
                ;;
        esac
    fi
    _tld_$mode "$@"
}

if [ "$funcstack[1]" = "_tld" ]; then
    _tld "$@"
else
    compdef _tld tld
fi
"#;

/// The manual page of one tool.
fn man_page(name: &str, cmd: Command) -> std::io::Result<String> {
    let version = env!("CARGO_PKG_VERSION");
    let man = Man::new(cmd.clone())
        .title(name.to_uppercase())
        .section("1")
        .source(format!("tdf-tools {version}"))
        .manual("TDF tools");
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    piece(&mut out, |w| man.render_name_section(w))?;
    // The forms of the command line: (switches, operands).
    let forms: &[(&str, &str)] = match name {
        "tld" => &[
            ("[-ml]", "[OPTION ...] FILE ..."),
            ("-mc", "[OPTION ...] FILE ..."),
            ("-mt", "[OPTION ...] LIBRARY"),
            ("-mx", "[OPTION ...] LIBRARY [CAPSULE ...]"),
        ],
        "tlib" => &[("", "[OPTION ...] [-o LIBRARY] CAPSULE ...")],
        _ => &[
            ("", "[OPTION ...] FILE"),
            ("-x", "[OPTION ...] LIBRARY [NAME ...]"),
        ],
    };
    let mut r = Roff::new();
    r.control("SH", ["SYNOPSIS"]);
    for (i, (switches, rest)) in forms.iter().enumerate() {
        if i > 0 {
            r.control("br", []);
        }
        let mut line = vec![bold(name), roman(" ")];
        if !switches.is_empty() {
            line.extend([bold(*switches), roman(" ")]);
        }
        line.push(italic(*rest));
        r.text(line);
    }
    piece(&mut out, |w| r.to_writer(w))?;
    piece(&mut out, |w| man.render_description_section(w))?;
    // One OPTIONS section, the help headings as its subsections.
    let mut options = Vec::new();
    piece(&mut options, |w| man.render_options_section(w))?;
    for line in String::from_utf8_lossy(&options).lines() {
        let heading = line.strip_prefix(".SH ").and_then(|h| {
            cmd.get_arguments()
                .filter_map(|a| a.get_help_heading())
                .find(|k| k.to_uppercase() == h.trim_matches('"'))
        });
        match heading {
            Some(h) => out.extend(format!(".SS \"{h}\"\n").as_bytes()),
            None => out.extend(format!("{line}\n").as_bytes()),
        }
    }
    if name == "tld" {
        for mode in cmd.get_subcommands().filter(|m| m.get_name() != "-ml") {
            out.extend(mode_section(mode)?);
        }
    }
    let mut r = Roff::new();
    after_help_sections(&mut r, &cmd);
    r.control("SH", ["EXIT STATUS"]);
    r.text([roman(if name == "tshow" {
        "0 on success (warnings do not change it); 1 after an error; 2 after a \
         command-line usage error."
    } else {
        "0 on success (warnings do not change it); 1 after an error, in which case no \
         output file was written or changed; 2 after a command-line usage error."
    })]);
    r.control("SH", ["ENVIRONMENT"]);
    r.control("TP", []);
    r.text([bold("NO_COLOR")]);
    r.text([roman(
        "When set to a non-empty value, diagnostics are not coloured under --color=auto \
         (the default). --color=always colours them all the same.",
    )]);
    r.control("SH", ["MESSAGES"]);
    r.text([roman(
        "Messages go to standard error, one per line in the form \
         PROGRAM: SEVERITY: FILE: byte N: MESSAGE [CODE]; problems in text inputs (rename \
         and unit set files) are shown as source snippets. Each CODE is explained by ",
    )]);
    r.text([
        bold(format!("{name} --explain")),
        roman(" "),
        italic("CODE"),
        roman("."),
    ]);
    r.control("PP", []);
    r.text([roman(
        "With --diagnostics-format=json every message is instead one JSON object on one \
         line (program, severity, code, name, message, file, offset, line, column, length \
         and the message's parameters), for build systems and editors; errors/JSON.md of \
         the source distribution describes it.",
    )]);
    if name == "tshow" {
        r.control("PP", []);
        r.text([roman(
            "The JSON written by --format json is described in tdf-show/JSON.md of the \
             source distribution.",
        )]);
    }
    r.control("SH", ["SEE ALSO"]);
    let see: Vec<Inline> = ["tld", "tlib", "tshow"]
        .iter()
        .filter(|t| **t != name)
        .flat_map(|t| [bold(*t), roman("(1), ")])
        .chain([bold("tdf"), roman("(5)")])
        .collect();
    r.text(see);
    piece(&mut out, |w| r.to_writer(w))?;
    piece(&mut out, |w| man.render_version_section(w))?;
    String::from_utf8(out).map_err(|e| std::io::Error::other(e.to_string()))
}

/// Appends a piece of roff rendered by `render` to `out`, without the preamble (the
/// definition of the apostrophe string) the roff writer starts every piece with: the
/// title piece has it already.
fn piece(
    out: &mut Vec<u8>,
    render: impl FnOnce(&mut Vec<u8>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    render(&mut buf)?;
    for line in String::from_utf8_lossy(&buf).lines() {
        if !line.starts_with(".ie \\n(.g .ds Aq") && !line.starts_with(".el .ds Aq") {
            out.extend(line.as_bytes());
            out.push(b'\n');
        }
    }
    Ok(())
}

/// One `tld` mode other than linking: its options (those common to every mode are
/// described once, under link mode).
fn mode_section(mode: &Command) -> std::io::Result<Vec<u8>> {
    let common = [
        "help",
        "version",
        "debug_file",
        "error_limit",
        "explain",
        "color",
    ];
    let cmd = mode.clone().mut_args(|a| {
        if common.contains(&a.get_id().as_str()) {
            a.hide(true)
        } else {
            a.help_heading(None::<&str>)
        }
    });
    let mut r = Roff::new();
    let title = match mode.get_name() {
        "-mc" => "BUILDING A LIBRARY (-mc)",
        "-mt" => "LISTING A LIBRARY (-mt)",
        _ => "EXTRACTING CAPSULES (-mx)",
    };
    r.control("SH", [title]);
    let about = mode.get_about().map(|a| a.to_string()).unwrap_or_default();
    r.text([roman(format!(
        "{about}. With the mode word {} first, tld takes these options and those common to \
         every mode (-?, -v, -d, --error-limit, --explain, --color):",
        mode.get_name()
    ))]);
    let mut out = Vec::new();
    piece(&mut out, |w| r.to_writer(w))?;
    let mut options = Vec::new();
    piece(&mut options, |w| Man::new(cmd).render_options_section(w))?;
    // Drop the section header ".SH OPTIONS": the options belong to the mode's section.
    let text = String::from_utf8_lossy(&options);
    for line in text.lines().filter(|l| !l.starts_with(".SH ")) {
        out.extend(line.as_bytes());
        out.push(b'\n');
    }
    Ok(out)
}

/// The blocks of `--help`'s closing text as sections: a block whose first line ends with
/// ':' starts a section named by that line; other blocks are paragraphs of the section
/// before. Lines keep their layout (no filling) and their indentation beyond the first
/// two spaces.
fn after_help_sections(r: &mut Roff, cmd: &Command) {
    let Some(text) = cmd.get_after_help().map(|t| t.to_string()) else {
        return;
    };
    for block in text.split("\n\n") {
        let mut lines = block.lines();
        let first = lines.next().unwrap_or("");
        if let Some(head) = first.strip_suffix(':') {
            let head = head.split(" (").next().unwrap_or(head);
            r.control("SH", [head.to_uppercase().as_str()]);
            r.control("nf", []);
            // The section's own indentation (two spaces) goes; deeper indentation, such
            // as an example's description on the line after a long command, stays.
            for line in lines {
                r.text([roman(line.strip_prefix("  ").unwrap_or(line))]);
            }
            r.control("fi", []);
        } else {
            r.control("PP", []);
            for line in block.lines() {
                r.text([roman(line)]);
            }
        }
    }
}
