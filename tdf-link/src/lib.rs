//! `tld`, the TDF linker: a drop-in replacement for TenDRA's `tld` (version 4.0#7), with
//! correct exit codes, atomic output and deterministic order.
//!
//! # Phases
//!
//! The driver ([`link`], `link.rs`) creates the state of the link ([`state::Linker`],
//! `state.rs`: the tables of §5.1) and runs these phases on it in order; each takes what
//! the earlier ones built, reports problems to one [`tdf_errors::Reporter`], and the
//! driver stops after any phase that reported an error, so a failed link writes nothing.
//! The phases import the state, never the driver:
//!
//! | phase | module | file | work |
//! |---|---|---|---|
//! | 0 | [`args`] | `src/args/` | command line: TenDRA's word syntax normalised, then parsed with clap (`mod.rs` mode words and request, `words.rs` normaliser, `modes.rs` clap definitions, `convert.rs` link options, `texts.rs` help and version texts) |
//! | 1 | [`rename`] | `src/rename.rs` | `-r` / `-R` rules entered in the program and library tables, loops found |
//! | 2 | [`load`] | `src/load.rs` | input capsules read: names entered and merged, ids mapped, units stored |
//! | 3 | [`search`] | `src/search.rs` | libraries found (`-L`, `-l`) and their indices merged |
//! | 4 | [`suppress`] | `src/suppress.rs` | `-s`, `-S`, `-M` take library definitions away |
//! | 5 | [`resolve`] | `src/resolve.rs` | library capsules loaded for undefined names, to a fixed point |
//! | 6 | [`visibility`] | `src/visibility.rs` | `-a`, `-H`, `-h` hide names; `-K`, `-k` keep them |
//! | 7 | [`emit`] | `src/emit.rs` | the output capsule built and written atomically |
//!
//! [`trace`] (`src/trace.rs`) observes the phases (`-d`, `-y`, `--why-extract`);
//! [`modes`] (`src/modes.rs`) runs the TenDRA-compatible `-mc`, `-mt` and `-mx` modes on
//! the shared `tdf-lib` and `tdf-show` code. [`run`] (this file) is the entry point of the
//! `tld` binary (`src/main.rs`): it parses the command line and prints help, version or
//! an explanation, runs a link, or runs a mode.
//!
//! Every table iterates in insertion order, so the same inputs and options give
//! byte-identical output on every run and machine.

pub mod args;
pub mod emit;
pub mod link;
pub mod load;
pub mod modes;
pub mod rename;
pub mod resolve;
pub mod search;
pub mod state;
pub mod suppress;
pub mod trace;
pub mod visibility;

#[cfg(test)]
mod phase_tests;

use std::ffi::OsString;
use std::io::Write;

use args::Request;
use tdf_errors::{Diagnostic, Kind, Reporter};

/// Runs `tld` with these arguments (without the program name), writing listings, help
/// and `-y` lines to `stdout` (never coloured) and diagnostics through `rep`, whose
/// colour follows `--color` and this process's standard error ([`args::parse`]).
/// Returns the exit status: 0 on success, 1 after an error, 2 after a usage error.
pub fn run(args: Vec<OsString>, stdout: &mut dyn Write, rep: &mut Reporter) -> i32 {
    let Some(parsed) = args::parse(args, rep) else {
        return rep.exit_code();
    };
    if let Some(limit) = parsed.error_limit {
        rep.set_error_limit(limit);
    }
    if parsed.show_version {
        tdf_core::cli::print(&args::version_text(), stdout, rep);
    }
    match &parsed.request {
        Request::Help(mode) => tdf_core::cli::print(&args::help_text(*mode), stdout, rep),
        Request::Explain(code) => match tdf_errors::explain(code) {
            Some(text) => tdf_core::cli::print(&text, stdout, rep),
            None => {
                let _ = rep.report(Diagnostic::new(Kind::unknown_explain_code(code.clone())));
            }
        },
        Request::VersionOnly => {}
        Request::Link(opts) => link::link(opts, rep, stdout),
        Request::Build(a) => modes::build(a, rep),
        Request::List(a) => modes::list(a, stdout, rep),
        Request::Extract(a) => modes::extract(a, rep),
    }
    let _ = stdout.flush();
    let _ = tdf_core::input::report_changed(rep);
    rep.exit_code()
}
