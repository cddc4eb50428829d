//! `tshow`: list TDF libraries, inspect capsules, extract library members. All the work
//! is done by [`tdf_show`].

use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use tdf_errors::{Kind, Reporter};
use tdf_lib::cli;
use tdf_show::{ExtractOptions, ListFormat, ListOptions};

/// List a TDF library (.tl), inspect a TDF capsule (.j), or extract capsules from a library.
///
/// Without -x, FILE is listed if it is a library and inspected if it is a capsule (decided
/// by its first bytes). With -x, the named capsules (or all, with -a) are extracted from the
/// library FILE. Arguments of the form @FILE are replaced by the words in FILE.
#[derive(Parser, Debug)]
#[command(name = "tshow", version = cli::VERSION, max_term_width = 100)]
struct Args {
    /// List the index of a library
    #[arg(short = 'i', long = "index", conflicts_with = "extract")]
    index: bool,
    /// List the sizes of the members of a library
    #[arg(short = 's', long = "size", conflicts_with = "extract")]
    size: bool,
    /// Print the TDF version of a library
    #[arg(short = 't', long = "tdf-version", conflicts_with = "extract")]
    tdf_version: bool,
    /// Output format
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        default_value = "text",
        conflicts_with = "extract"
    )]
    format: Format,
    /// Extract capsules from the library FILE
    #[arg(short = 'x', long = "extract")]
    extract: bool,
    /// With -x: extract every capsule
    #[arg(short = 'a', long = "all")]
    all: bool,
    /// With -x: write each capsule under the last part of its name
    #[arg(short = 'b', long = "basename")]
    basename: bool,
    /// With -x: a NAME also matches the last part of a stored name
    #[arg(short = 'm', long = "match-basename")]
    match_basename: bool,
    /// With -x: report each extracted capsule
    #[arg(short = 'v', long = "verbose")]
    verbose: bool,
    /// With -x: extract below DIR
    #[arg(short = 'C', long = "directory", value_name = "DIR")]
    directory: Option<PathBuf>,
    /// Explain a diagnostic code (such as E0611) and exit
    #[arg(long, value_name = "CODE", exclusive = true)]
    explain: Option<String>,
    /// The library or capsule
    #[arg(value_name = "FILE", required_unless_present = "explain")]
    file: Option<String>,
    /// With -x: the capsules to extract
    #[arg(value_name = "NAME")]
    names: Vec<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
enum Format {
    /// Readable text with aligned columns
    Text,
    /// One JSON document (see JSON.md)
    Json,
    /// The format of TenDRA's `tld -mt` (libraries only)
    #[value(hide = true)]
    Tendra,
}

fn main() {
    let mut rep = Reporter::new("tshow");
    if let Some(args) = cli::parse::<Args>(&mut rep) {
        run(args, &mut rep);
    }
    std::process::exit(rep.exit_code());
}

fn run(args: Args, rep: &mut Reporter) {
    if let Some(code) = &args.explain {
        return cli::explain(code, &mut std::io::stdout().lock(), rep);
    }
    let Some(file) = args.file else { return };
    if args.extract {
        let opts = ExtractOptions {
            all: args.all,
            basename: args.basename,
            match_basename: args.match_basename,
            verbose: args.verbose,
            directory: args.directory,
            names: args.names,
        };
        return tdf_show::extract(&file, &opts, rep);
    }
    let extraction_only = [
        (args.all, "--all"),
        (args.basename, "--basename"),
        (args.match_basename, "--match-basename"),
        (args.verbose, "--verbose"),
        (args.directory.is_some(), "--directory"),
    ];
    if let Some((_, option)) = extraction_only.iter().find(|(given, _)| *given) {
        let kind = Kind::conflicting_options(*option, "listing (without --extract)");
        let _ = rep.report(kind.into());
        return;
    }
    if !args.names.is_empty() {
        let _ = rep.report(Kind::too_many_library_files().into());
        return;
    }
    let opts = ListOptions {
        index: args.index,
        size: args.size,
        tdf_version: args.tdf_version,
        format: match args.format {
            Format::Text => ListFormat::Text,
            Format::Json => ListFormat::Json,
            Format::Tendra => ListFormat::Tendra,
        },
    };
    tdf_show::show(&file, &opts, &mut std::io::stdout().lock(), rep);
}
