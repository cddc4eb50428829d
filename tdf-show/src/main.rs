//! `tshow`: list TDF libraries, inspect capsules, extract library members. All the work
//! is done by [`tdf_show`]; the options are [`tdf_show::cli::ShowArgs`].

use tdf_core::cli;
use tdf_errors::{Kind, Reporter};
use tdf_show::cli::{Format, ShowArgs};
use tdf_show::decode::DecodeFormat;
use tdf_show::{ExtractOptions, ListOptions};

fn main() {
    // Every run lists, inspects, extracts or decodes: blocks up to 4 MiB reuse the pages
    // freed before them (`tdf_core::process`).
    tdf_core::process::keep_freed_memory(true);
    let mut rep = Reporter::new("tshow");
    if let Some(args) = cli::parse::<ShowArgs>(&mut rep) {
        rep.set_color(args.color.for_stderr());
        rep.set_format(args.diagnostics_format.into());
        run(args, &mut rep);
    }
    let _ = tdf_core::input::report_changed(&mut rep);
    std::process::exit(rep.exit_code());
}

fn run(args: ShowArgs, rep: &mut Reporter) {
    if let Some(code) = &args.explain {
        return cli::explain(code, &mut std::io::stdout().lock(), rep);
    }
    let Some(file) = args.file.clone() else {
        return;
    };
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
    if args.decode || args.check {
        return decode(args, &file, rep);
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
        format: args.format.into(),
    };
    tdf_show::show(&file, &opts, &mut std::io::stdout().lock(), rep);
}

fn decode(args: ShowArgs, file: &str, rep: &mut Reporter) {
    let extraction_only = [
        (args.all, "--all"),
        (args.basename, "--basename"),
        (args.match_basename, "--match-basename"),
        (args.verbose, "--verbose"),
        (args.directory.is_some(), "--directory"),
    ];
    if let Some((_, option)) = extraction_only.iter().find(|(given, _)| *given) {
        let kind = Kind::conflicting_options(*option, "decoding (-d, --check)");
        let _ = rep.report(kind.into());
        return;
    }
    if args.check {
        return tdf_show::decode::check(file, &args.names, rep);
    }
    let format = match args.format {
        Format::Json => DecodeFormat::Json,
        Format::Text | Format::Tendra => DecodeFormat::Tnc,
    };
    let out = &mut std::io::stdout().lock();
    tdf_show::decode::decode(file, &args.names, format, out, rep);
}
