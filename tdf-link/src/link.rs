//! The link driver: it creates the state of the link ([`Linker`], in `state.rs`) and runs
//! the phases on it in order (§5.2).
//!
//! Every phase reports through the one [`Reporter`]; after each phase the driver stops
//! if anything was reported as an error, so a failed link never writes its output. When
//! the error limit is reached a phase returns [`LimitReached`] and the driver stops at
//! once.
//!
//! Memory: each input file is read whole into a buffer owned here before its phase runs
//! (capsules before loading, libraries before the index merge, through a `OnceCell` so
//! that they are only read when linking gets that far), and the tables of the [`Linker`]
//! borrow names and unit bodies from those buffers for the whole link. The output is
//! written from the tables in one pass ([`emit::write`]).

use std::cell::OnceCell;
use std::io::Write;

use tdf_core::fsutil::{shown_name, write_atomic, write_atomic_with, OutputKind};
use tdf_core::UnitSetList;
use tdf_errors::{LimitReached, Reporter};

use crate::args::LinkOptions;
use crate::state::Linker;
use crate::trace::Trace;
use crate::{emit, load, rename, resolve, search, suppress, visibility};

/// Reads the unit set list: the built-in one, or the `-u` file.
fn unit_sets(opts: &LinkOptions, rep: &mut Reporter) -> Result<Option<UnitSetList>, LimitReached> {
    let Some(path) = &opts.unit_file else {
        return Ok(Some(UnitSetList::default()));
    };
    match UnitSetList::read_file(path) {
        Ok(list) => Ok(Some(list)),
        Err(diags) => {
            for d in diags {
                rep.report(d)?;
            }
            Ok(None)
        }
    }
}

/// Links as `opts` says. Everything is reported to `rep`; `-y` lines go to `stdout`.
/// The output is written only when no error was reported.
pub fn link(opts: &LinkOptions, rep: &mut Reporter, stdout: &mut dyn Write) {
    rep.set_show_warnings(opts.show_warnings);
    let trace = match Trace::new(
        opts.debug_file.as_ref(),
        opts.trace_symbols.clone(),
        opts.why_extract.as_ref(),
    ) {
        Ok(t) => t,
        Err(d) => {
            let _ = rep.report(*d);
            return;
        }
    };
    let Ok(Some(list)) = unit_sets(opts, rep) else {
        return;
    };
    let inputs = load::read_inputs(opts);
    let libraries: OnceCell<Vec<search::LibFile>> = OnceCell::new();
    let mut l = Linker::new(list, trace);
    if opts.check {
        l.check = Some(Default::default());
    }
    let _ = run(&mut l, opts, &inputs, &libraries, rep);
    for line in l.trace.symbol_lines() {
        let _ = writeln!(stdout, "{line}");
    }
    if let Err(d) = l.trace.finish() {
        let _ = rep.report(*d);
    }
}

/// The phases of §5.2, stopping after any phase that reported an error.
fn run<'a>(
    l: &mut Linker<'a>,
    opts: &LinkOptions,
    inputs: &'a [load::Input<'_>],
    libraries: &'a OnceCell<Vec<search::LibFile>>,
    rep: &mut Reporter,
) -> Result<(), LimitReached> {
    trace_options(l, opts);

    l.trace.phase("rename");
    rename::enter(l, &opts.renames, rep)?;
    if rep.had_errors() {
        return Ok(());
    }

    l.trace.phase("load");
    load::load_inputs(l, inputs, rep)?;
    if rep.had_errors() {
        return Ok(());
    }

    l.trace.phase("search");
    let libs = libraries.get_or_init(|| search::read_libraries(opts));
    search::merge(l, libs, rep)?;
    if rep.had_errors() {
        return Ok(());
    }

    l.trace.phase("suppress");
    suppress::apply(l, opts);

    l.trace.phase("resolve");
    let resolved = resolve::run(l, opts.missing_definitions, rep);
    if let Err(d) = l.trace.write_why_extract() {
        rep.report(*d)?;
    }
    resolved?;
    if rep.had_errors() {
        return Ok(());
    }

    l.trace.phase("visibility");
    visibility::apply(l, opts, rep)?;
    if rep.had_errors() {
        return Ok(());
    }

    l.trace.phase("emit");
    let shown = shown_name(&opts.output, true);
    // The trace gives the size of the output before it is written: then the output is
    // built in memory first. Otherwise it is encoded straight into the output file.
    let mut whole = None;
    if l.trace.on() {
        let mut bytes = Vec::new();
        emit::write(l, &mut bytes).expect("writing to memory does not fail");
        l.trace
            .line(|| format!("writing {} bytes to '{shown}'", bytes.len()));
        whole = Some(bytes);
    }
    // The trace is complete: a trace that could not be written is an error, and an
    // error means no output.
    if let Err(d) = l.trace.finish() {
        rep.report(*d)?;
        return Ok(());
    }
    let written = match whole {
        Some(bytes) => write_atomic(&opts.output, &bytes),
        None => write_atomic_with(&opts.output, OutputKind::Binary, |out| {
            emit::write(l, out).map(drop)
        }),
    };
    match written {
        // A changed input is reported as such at the end of the run.
        Err(_) if tdf_core::input::any_changed() => {}
        Err(e) => rep.report(e.diagnostic(&shown))?,
        Ok(()) => {}
    }
    Ok(())
}

/// The options and unit sets, at the start of the `-d` trace.
fn trace_options(l: &mut Linker<'_>, opts: &LinkOptions) {
    if !l.trace.on() {
        return;
    }
    l.trace
        .line(|| format!("tld {} link trace", env!("CARGO_PKG_VERSION")));
    l.trace.line(|| format!("options: {opts:?}"));
    let names: Vec<String> = l.units.list.names().map(tdf_core::show_bytes).collect();
    l.trace.line(|| format!("unit sets: {}", names.join(" ")));
}
