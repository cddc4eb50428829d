//! `tlib`: build a TDF library from capsules. All the work is done by [`tdf_lib`].

use std::path::PathBuf;

use clap::Parser;
use tdf_errors::Reporter;
use tdf_lib::{build, cli, BuildOptions};

/// Build a TDF library (.tl) from TDF capsules (.j).
///
/// The capsules of the libraries given with -i come first, then the capsules named on the
/// command line, each stored under the path exactly as given. Nothing is written if any
/// error is found. Arguments of the form @FILE are replaced by the words in FILE.
#[derive(Parser, Debug)]
#[command(name = "tlib", version = cli::VERSION, max_term_width = 100)]
struct Args {
    /// Write the library to FILE
    #[arg(short = 'o', long = "output-file", value_name = "FILE", default_value = tdf_lib::DEFAULT_OUTPUT)]
    output: PathBuf,
    /// Include every capsule of the library LIB (repeatable)
    #[arg(short = 'i', long = "include-library", value_name = "LIB")]
    include_library: Vec<String>,
    /// Leave the external name NAME of SHAPE out of the index (repeatable)
    #[arg(short = 's', long = "suppress", num_args = 2, value_names = ["SHAPE", "NAME"], allow_hyphen_values = true)]
    suppress: Vec<String>,
    /// Leave every name of SHAPE out of the index (repeatable)
    #[arg(
        short = 'S',
        long = "suppress-all",
        value_name = "SHAPE",
        allow_hyphen_values = true
    )]
    suppress_all: Vec<String>,
    /// Leave names that have only non-unique definitions out of the index
    #[arg(short = 'M', long = "suppress-mult")]
    suppress_mult: bool,
    /// Read the list of known unit sets from FILE
    #[arg(short = 'u', long = "unit-file", value_name = "FILE")]
    unit_file: Option<PathBuf>,
    /// Write a trace of the build to FILE
    #[arg(short = 'd', long = "debug-file", value_name = "FILE")]
    debug_file: Option<PathBuf>,
    /// Explain a diagnostic code (such as E0709) and exit
    #[arg(long, value_name = "CODE", exclusive = true)]
    explain: Option<String>,
    /// The capsules to put into the library
    #[arg(value_name = "CAPSULE")]
    capsules: Vec<String>,
}

fn main() {
    let mut rep = Reporter::new("tlib");
    if let Some(args) = cli::parse::<Args>(&mut rep) {
        run(args, &mut rep);
    }
    std::process::exit(rep.exit_code());
}

fn run(args: Args, rep: &mut Reporter) {
    if let Some(code) = &args.explain {
        return cli::explain(code, &mut std::io::stdout().lock(), rep);
    }
    let suppress = cli::parse_suppress(&args.suppress, rep);
    let unit_sets = match &args.unit_file {
        Some(path) => match cli::read_unit_file(path, rep) {
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
    };
    build(&opts, rep);
}
