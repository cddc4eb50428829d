//! `tlib`: build a TDF library from capsules. All the work is done by [`tdf_lib`]; the
//! options are [`tdf_lib::cli::TlibArgs`].

use tdf_core::cli;
use tdf_errors::Reporter;
use tdf_lib::cli::{parse_suppress, read_unit_file, TlibArgs};
use tdf_lib::{build, BuildOptions};

fn main() {
    let mut rep = Reporter::new("tlib");
    if let Some(args) = cli::parse::<TlibArgs>(&mut rep) {
        rep.set_color(args.color.for_stderr());
        rep.set_format(args.diagnostics_format.into());
        run(args, &mut rep);
    }
    let _ = tdf_core::input::report_changed(&mut rep);
    std::process::exit(rep.exit_code());
}

fn run(args: TlibArgs, rep: &mut Reporter) {
    if let Some(code) = &args.explain {
        return cli::explain(code, &mut std::io::stdout().lock(), rep);
    }
    let suppress = parse_suppress(&args.suppress, rep);
    let unit_sets = match &args.unit_file {
        Some(path) => match read_unit_file(path, rep) {
            Some(list) => list,
            None => return,
        },
        None => Default::default(),
    };
    if rep.had_errors() {
        return;
    }
    let opts = BuildOptions {
        output: Some(args.output),
        include_libraries: args.include_library,
        capsules: args.capsules,
        suppress,
        suppress_all: args
            .suppress_all
            .into_iter()
            .map(String::into_bytes)
            .collect(),
        suppress_mult: args.suppress_mult,
        unit_sets,
        debug_file: args.debug_file,
        check: args.check,
    };
    build(&opts, rep);
}
