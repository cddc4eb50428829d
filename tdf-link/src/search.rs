//! Phase 3: finding the libraries and merging their indices (§5.5, §4.3).
//!
//! `-l NAME` without a `/` is looked up as `DIR/NAME.tl` in each `-L DIR`, in order; the
//! first file that can be read wins (there is no default search path, not even the
//! current directory). A NAME with a `/` is used as given. The same NAME given twice is
//! read once, and so is one file reached through two different NAMEs (for example
//! `-lmath` with `-Lin`, and `-lin/math.tl`): this linker compares the files (device and
//! inode, known from reading them), where TenDRA's would report every definition of the
//! library as multiply defined.
//!
//! Each library is checked whole; its capsules become candidates for the resolution
//! phase (named `LIBPATH(CAPSULE)` in diagnostics) and its index is merged into the
//! library shape table through the rename rules, with the usage merge of §3.6: two
//! unique definitions of a name in the libraries are a *lib multiply defined* error.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use tdf_core::input::{self, InputBytes};
use tdf_core::linkinfo::{merge_usage, Merge};
use tdf_core::tables::Def;
use tdf_core::{in_file, Library};
use tdf_errors::{Diagnostic, Kind, LimitReached, Reporter};

use crate::args::{os_bytes, LinkOptions};
use crate::state::{shape_text, CapsuleName, LibCapsule, Linker};
use crate::trace::shape_name;

/// A library file found and read (or the reason it could not be).
#[derive(Debug)]
pub struct LibFile {
    /// The path actually opened (or the NAME of `-l NAME` when none could be), for
    /// messages and `LIBPATH(CAPSULE)` names.
    pub display: String,
    /// The bytes (mapped when large, [`tdf_core::input`]), or why no file could be read.
    pub data: Result<InputBytes, Box<Diagnostic>>,
}

/// The candidate path of library `name` in directory `dir` (§5.5).
pub fn candidate(dir: &Path, name: &OsString) -> PathBuf {
    let mut file = name.clone();
    file.push(".tl");
    let d = os_bytes(dir.as_os_str());
    if d.is_empty() {
        PathBuf::from(file)
    } else {
        // `Path::join` inserts a `/` unless `dir` already ends with one.
        dir.join(file)
    }
}

/// Reads a library file whole: opened, then read or mapped.
fn read_library(path: &Path) -> std::io::Result<input::Opened> {
    tdf_core::input::open(path).map_err(|f| match f {
        input::Failure::Open(e) | input::Failure::Read(e) => e,
    })
}

/// Finds and reads every library named with `-l`, in order of first mention. A file
/// reached twice (through two names, or two paths) is read once: files are the same
/// when their device and inode are (or, where the system gives none, their canonical
/// paths), which costs no extra system call: the file is examined when it is read.
pub fn read_libraries(opts: &LinkOptions) -> Vec<LibFile> {
    let mut seen: Vec<Identity> = Vec::new();
    let mut out = Vec::new();
    for name in &opts.libraries {
        let shown = name.to_string_lossy().into_owned();
        let found = if os_bytes(name).contains(&b'/') {
            let p = PathBuf::from(name);
            read_library(&p).map(|d| (p, d)).map_err(|e| {
                Kind::cannot_open_library_file(shown.clone(), tdf_core::diag::io_reason(&e))
            })
        } else {
            let mut last = None;
            let mut hit = None;
            for dir in &opts.paths {
                let p = candidate(dir, name);
                match read_library(&p) {
                    Ok(d) => {
                        hit = Some((p, d));
                        break;
                    }
                    Err(e) => last = Some(e),
                }
            }
            hit.ok_or_else(|| {
                let reason = match last {
                    Some(e) => tdf_core::diag::io_reason(&e),
                    None => "no library directories were given with -L".into(),
                };
                Kind::cannot_open_library_file(shown.clone(), reason)
            })
        };
        match found {
            Ok((
                path,
                input::Opened {
                    bytes: data,
                    identity,
                },
            )) => {
                let key = match identity {
                    Some(id) => Identity::File(id),
                    None => Identity::Path(
                        std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone()),
                    ),
                };
                if seen.contains(&key) {
                    continue;
                }
                seen.push(key);
                out.push(LibFile {
                    display: path.to_string_lossy().into_owned(),
                    data: Ok(data),
                });
            }
            Err(kind) => out.push(LibFile {
                display: shown,
                data: Err(Box::new(Diagnostic::new(kind))),
            }),
        }
    }
    out
}

/// What makes two library files the same file.
#[derive(Debug, PartialEq, Eq)]
enum Identity {
    /// Device and inode.
    File((u64, u64)),
    /// The canonical path, where the system gives no inode.
    Path(PathBuf),
}

/// Checks each library and merges its index into the library shape table.
pub fn merge<'a>(
    l: &mut Linker<'a>,
    libs: &'a [LibFile],
    rep: &mut Reporter,
) -> Result<(), LimitReached> {
    for lib in libs {
        let data = match &lib.data {
            Ok(d) => &d[..],
            Err(d) => {
                rep.report((**d).clone())?;
                continue;
            }
        };
        let library = match Library::read_with(data, l.major) {
            Ok(x) => x,
            Err(d) => {
                l.trace
                    .line(|| format!("library '{}': rejected", lib.display));
                rep.report(*in_file(d, &lib.display))?;
                continue;
            }
        };
        l.major.get_or_insert(library.major);
        l.trace.line(|| {
            format!(
                "library '{}': TDF {}.{}, {} capsules, {} index shapes",
                lib.display,
                library.major,
                library.minor,
                library.members.len(),
                library.index.len()
            )
        });
        let base = l.lib_capsules.len() as u32;
        l.lib_capsules.reserve(library.members.len());
        let library_no = l.libraries.len() as u32;
        l.libraries.push(&lib.display);
        for m in library.members {
            // Library::read borrows every member from `data`, at `m.offset`.
            let start = m.offset as usize;
            l.lib_capsules.push(LibCapsule {
                library: library_no,
                name: m.name,
                data: &data[start..start + m.data.len()],
            });
        }
        for shape in library.index {
            let ls = l.tables.library_shape(shape.name.clone());
            l.tables.reserve_library_names(ls, shape.entries.len());
            for e in shape.entries {
                let traced = l.trace.on() || l.trace.watching();
                let original = traced.then(|| e.name.clone());
                let indexed = e.name.clone();
                let Ok((n, _)) = l.tables.add_library_name(ls, e.name) else {
                    rep.report(Diagnostic::new(Kind::too_many_ids(shape_text(&shape.name))))?;
                    break;
                };
                let this = base + e.capsule;
                let entry = l.tables.library_entry_mut(ls, n);
                if let Merge::MultiplyDefined(prev) =
                    merge_usage(&mut entry.usage, &mut entry.def, e.usage, Def::new(this))
                {
                    let previous = prev
                        .map(|p| l.capsule_text(&CapsuleName::Member(p.get())))
                        .unwrap_or_else(|| "an earlier library".into());
                    // The name of the index entry at that byte (before renaming).
                    let name = indexed.to_text();
                    rep.report(
                        Diagnostic::new(Kind::lib_multiply_defined(
                            shape_text(&shape.name),
                            name,
                            previous,
                        ))
                        .with_file(lib.display.clone())
                        .at_byte(e.offset),
                    )?;
                }
                if let Some(original) = original {
                    let what = shape_name(&shape.name, &original);
                    let capsule = l.capsule_text(&CapsuleName::Member(this));
                    l.trace
                        .line(|| format!("  {what} usage {} in '{capsule}'", e.usage));
                    if l.trace.watched(&shape.name, &original)
                        || l.trace.watched(&shape.name, l.tables.library_key(ls, n))
                    {
                        l.trace.symbol(format!(
                            "{}: index: {what}: {} in {capsule}",
                            lib.display,
                            crate::trace::usage_words(e.usage)
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}
