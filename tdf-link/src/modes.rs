//! The TenDRA-compatible non-link modes: `-mc` (build a library, as `tlib`), `-mt` (list
//! a library) and `-mx` (extract capsules), as `tshow` does. The option parsing of §8.3
//! is in [`crate::args`]; this module makes the mode-level checks and calls the shared
//! library code of `tdf-lib` and `tdf-show`, so there is one implementation of each job.

use std::io::Write;
use std::path::PathBuf;

use tdf_core::UnitSetList;
use tdf_errors::{Diagnostic, Kind, Reporter};

use crate::args::{at_most_one, shaped_names, shapes, BuildArgs, ExtractArgs, ListArgs};

fn lossy(s: &std::ffi::OsStr) -> String {
    s.to_string_lossy().into_owned()
}

/// Reads the `-u` file of `-mc` as `tlib` does, or the built-in list.
fn unit_sets(file: Option<PathBuf>, rep: &mut Reporter) -> Option<UnitSetList> {
    match file {
        None => Some(UnitSetList::default()),
        Some(path) => tdf_lib::cli::read_unit_file(&path, rep),
    }
}

/// `-mc`: builds a library.
pub fn build(a: &BuildArgs, rep: &mut Reporter) {
    let output = match at_most_one(&a.output_file, Kind::multiple_output_files()) {
        Ok(o) => o,
        Err(d) => {
            let _ = rep.report(*d);
            return;
        }
    };
    let debug_file = match at_most_one(&a.common.debug_file, Kind::multiple_debug_files()) {
        Ok(o) => o,
        Err(d) => {
            let _ = rep.report(*d);
            return;
        }
    };
    let unit_file = match at_most_one(&a.unit_file, Kind::multiple_unit_files()) {
        Ok(o) => o,
        Err(d) => {
            let _ = rep.report(*d);
            return;
        }
    };
    let errors = rep.error_count();
    let suppress = shaped_names(&a.suppress, rep)
        .into_iter()
        .map(|s| (s.shape, s.name))
        .collect();
    if rep.error_count() > errors {
        return;
    }
    let Some(unit_sets) = unit_sets(unit_file, rep) else {
        return;
    };
    let mut include_libraries: Vec<String> = Vec::new();
    for l in &a.include_library {
        let l = lossy(l);
        if !include_libraries.contains(&l) {
            include_libraries.push(l);
        }
    }
    let opts = tdf_lib::BuildOptions {
        output,
        include_libraries,
        capsules: a.files.iter().map(|f| lossy(f)).collect(),
        suppress,
        suppress_all: shapes(&a.suppress_all),
        suppress_mult: a.suppress_mult,
        unit_sets,
        debug_file,
        check: a.check,
    };
    tdf_lib::build(&opts, rep);
}

/// `-mt`: lists one library in the reference format.
pub fn list(a: &ListArgs, out: &mut dyn Write, rep: &mut Reporter) {
    if a.files.len() != 1 {
        let _ = rep.report(Diagnostic::new(Kind::too_many_library_files()));
        return;
    }
    let opts = tdf_show::ListOptions {
        index: a.index,
        size: a.size,
        tdf_version: a.tdf_version,
        format: tdf_show::ListFormat::Tendra,
    };
    tdf_show::list(&lossy(&a.files[0]), &opts, out, rep);
}

/// `-mx`: extracts capsules from a library.
pub fn extract(a: &ExtractArgs, rep: &mut Reporter) {
    let (library, names) = a.files.split_first().expect("checked: files given");
    if a.all && !names.is_empty() {
        let _ = rep.report(Diagnostic::new(Kind::all_specified_with_capsules()));
        return;
    }
    if !a.all && names.is_empty() {
        let _ = rep.report(Diagnostic::new(Kind::no_capsules_specified()));
        return;
    }
    let opts = tdf_show::ExtractOptions {
        all: a.all,
        basename: a.basename,
        match_basename: a.match_basename,
        verbose: a.info,
        directory: None,
        names: names.iter().map(|n| lossy(n)).collect(),
    };
    tdf_show::extract(&lossy(library), &opts, rep);
}
