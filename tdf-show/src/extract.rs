//! Safe extraction of library members to files (§6.3, with tar's precautions), all or
//! nothing (Appendix B.13).
//!
//! Every request is checked before anything is written ([`plan`]): each requested name
//! must match a member, and each member's path must stay inside the target directory
//! (no `..` component, no existing symbolic link leading out, no existing file where a
//! directory is needed). Every problem found is reported, and if there is any, nothing is
//! written and the exit status is 1. Then every member is written to a temporary file
//! beside its target, and only when all of them are written are they renamed into place
//! in order: an I/O failure while writing (a full disk, a file size limit) removes
//! every temporary file and every directory the run created, and leaves the target
//! directory as it was. Putting a member in place keeps the file it replaces beside it
//! until every member is in place: if one cannot be put in place, those before it are
//! taken back, and the target directory is again as it was.
//!
//! When the target directory does not exist, the run builds it whole under a temporary
//! name beside it ([`StagingDir`]) and renames it into place at the end: every member
//! is then written straight into a new file of its name (no temporary file and rename
//! per member: 3 system calls a member instead of 7), and a failed or killed run leaves
//! nothing under the target's name.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use tdf_core::diag::io_reason;
use tdf_core::fsutil::{OutputKind, PendingOutput, StagingDir, WriteError, WrittenOutput};
use tdf_core::library::Member;
use tdf_core::tables::IndexTable;
use tdf_core::{in_file, show_bytes, Library};
use tdf_errors::{Diagnostic, Kind, LimitReached, Reporter};

use crate::options::ExtractOptions;

/// The text after the last `/` of a stored name.
pub(crate) fn basename(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|&b| b == b'/') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// The relative path components a stored name is extracted to, or why it is refused.
///
/// With `basename`, only the part after the last `/`. Leading `/`s are dropped (the
/// name becomes relative), empty and `.` components are skipped, and a `..` component
/// refuses the name.
pub fn safe_components(name: &[u8], basename_only: bool) -> Result<Vec<&[u8]>, &'static str> {
    let name = if basename_only { basename(name) } else { name };
    let mut parts = Vec::new();
    for c in name.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => return Err("its path has a '..' component"),
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        return Err("its path names no file");
    }
    Ok(parts)
}

#[cfg(unix)]
fn os(b: &[u8]) -> OsString {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::OsStr::from_bytes(b).to_owned()
}

#[cfg(not(unix))]
fn os(b: &[u8]) -> OsString {
    // Elsewhere file names are Unicode: invalid UTF-8 bytes become U+FFFD.
    OsString::from(String::from_utf8_lossy(b).into_owned())
}

fn create_dir(path: &Path) -> io::Result<()> {
    let mut b = fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o755);
    }
    b.create(path)
}

/// Writes `data` to a new file at `path` (nothing may be there).
fn write_new(path: &Path, data: &[u8]) -> Result<(), WriteError> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(WriteError::Create)?;
    io::Write::write_all(&mut f, data).map_err(WriteError::Write)
}

/// Why a directory could not be made ready.
enum DirError {
    /// Reported as `unsafe_member_name` with this reason.
    Unsafe(String),
    /// Reported as `cannot_create_directory` for this path.
    Create(PathBuf, io::Error),
}

/// Writes members below one target directory, never outside it.
struct Extractor<'o> {
    /// The directory the members are written below: the target directory as given
    /// (`.` by default), or where it is built (`staged`).
    base: PathBuf,
    /// The target directory as given, for messages.
    shown_base: PathBuf,
    /// `base` with every symbolic link resolved.
    canonical_base: PathBuf,
    /// The first directory of the target's path that did not exist, being built under
    /// a temporary name (renamed into place when every member is written), if it is.
    staged: Option<StagingDir>,
    /// Relative directories already checked (or created) inside the target.
    ready: HashSet<Vec<u8>>,
    /// The directories this run created, in order (removed again if the run fails).
    created: Vec<PathBuf>,
    opts: &'o ExtractOptions,
}

impl Extractor<'_> {
    fn shown(&self, rel: &Path) -> String {
        match &self.opts.directory {
            Some(_) => self.shown_base.join(rel).display().to_string(),
            None => rel.display().to_string(),
        }
    }

    /// Makes sure the directories of `parts[..n-1]` exist below the target and stay
    /// inside it: existing symbolic links must resolve to a directory inside the target,
    /// missing directories are created one by one (so nothing is ever created through a
    /// link that leads outside).
    fn prepare_dirs(&mut self, parts: &[&[u8]]) -> Result<(), DirError> {
        let dirs = &parts[..parts.len() - 1];
        let mut rel_key = Vec::new();
        let mut path = self.base.clone();
        for (i, c) in dirs.iter().enumerate() {
            if i > 0 {
                rel_key.push(b'/');
            }
            rel_key.extend_from_slice(c);
            path.push(os(c));
            if self.ready.contains(&rel_key) {
                continue;
            }
            match existing_dir(&path, &self.canonical_base, &rel_key) {
                Ok(true) => {}
                Ok(false) => {
                    if let Err(e) = create_dir(&path) {
                        return Err(DirError::Create(path, e));
                    }
                    self.created.push(path.clone());
                }
                Err(e) => return Err(e),
            }
            self.ready.insert(rel_key.clone());
        }
        Ok(())
    }

    /// Writes one member to a temporary file beside its target (or, in a directory
    /// being built, straight into its file: `None` then), with the path it will have
    /// (relative to the target directory). `None` means stop: the problem was reported,
    /// and nothing of the run is to stay.
    fn write_member(
        &mut self,
        m: &Member<'_>,
        parts: &[&[u8]],
        rep: &mut Reporter,
    ) -> Option<(Option<WrittenOutput>, PathBuf)> {
        let shown_name = || show_bytes(&m.name);
        let rel: PathBuf = parts.iter().map(|c| os(c)).collect();
        match self.prepare_dirs(parts) {
            Ok(()) => {}
            Err(DirError::Unsafe(reason)) => {
                let _ = rep.report(Kind::unsafe_member_name(shown_name(), reason).into());
                return None;
            }
            Err(DirError::Create(path, e)) => {
                let kind = Kind::cannot_create_directory(path.display().to_string(), io_reason(&e));
                let _ = rep.report(kind.into());
                return None;
            }
        }
        let path = self.base.join(&rel);
        let report = |e: WriteError, rep: &mut Reporter| {
            // A changed library is reported as such at the end of the run.
            if !tdf_core::input::any_changed() {
                let _ = rep.report(e.diagnostic(&self.shown(&rel)));
            }
        };
        if self.staged.is_some() {
            // Nothing under the target's name sees the file before the directory is
            // complete. A file already there (a member of the same name before this
            // one, or anything put there meanwhile) is replaced as below, at once.
            match write_new(&path, &m.data) {
                Ok(()) => return Some((None, rel)),
                Err(WriteError::Create(e)) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => {
                    report(e, rep);
                    return None;
                }
            }
        }
        // The final component may be an existing file or symbolic link: the temporary
        // file is renamed over it, so nothing is written through a link (a member's
        // name is untrusted, as in tar). A member is never written straight into a new
        // file of its name in a directory others see: a run killed while writing it
        // would leave it there half written.
        let written = PendingOutput::create(&path, OutputKind::Member).and_then(|mut out| {
            match io::Write::write_all(&mut out, &m.data) {
                Ok(()) => out.close(),
                Err(e) => Err(WriteError::Write(e)),
            }
        });
        let written = match written {
            Ok(w) if self.staged.is_some() => w.place().map(|p| {
                p.keep();
                None
            }),
            Ok(w) => Ok(Some(w)),
            Err(e) => Err(e),
        };
        match written {
            Ok(w) => Some((w, rel)),
            Err(e) => {
                report(e, rep);
                None
            }
        }
    }

    /// Puts the written members (each with its path and its stored name) in place, in
    /// order, then the directory being built, if one is. If one cannot be put in place
    /// (reported), those before it are taken back, the files they replaced returned,
    /// and the temporary files of those after it removed. Returns whether all are in
    /// place.
    fn commit(
        &mut self,
        written: Vec<(Option<WrittenOutput>, PathBuf, &[u8])>,
        rep: &mut Reporter,
    ) -> bool {
        let mut placed = Vec::with_capacity(written.len());
        let mut done = Vec::with_capacity(written.len());
        let mut failed = None;
        // Those not reached are dropped with the iterator: their temporary files go.
        for (w, rel, name) in written {
            let Some(w) = w else {
                done.push((rel, name));
                continue;
            };
            match w.place() {
                Ok(p) => placed.push((p, rel, name)),
                Err(e) => {
                    failed = Some(e.diagnostic(&self.shown(&rel)));
                    break;
                }
            }
        }
        if failed.is_none() {
            if let Some(staged) = self.staged.take() {
                let top = staged.target().display().to_string();
                if let Err(e) = staged.commit() {
                    failed = Some(Kind::cannot_create_directory(top, io_reason(&e)).into());
                }
            }
        }
        if let Some(d) = failed {
            // A changed library is reported as such at the end of the run.
            if !tdf_core::input::any_changed() {
                let _ = rep.report(d);
            }
            for (p, rel, _) in placed.into_iter().rev() {
                if let Err(e) = p.undo() {
                    let _ = rep.report(e.diagnostic(&self.shown(&rel)));
                }
            }
            return false;
        }
        for (p, rel, name) in placed {
            p.keep();
            done.push((rel, name));
        }
        for (rel, name) in done {
            if self.opts.verbose {
                let shown = self.shown(&rel);
                let kind = Kind::extracting_capsule(show_bytes(name), shown);
                if rep.report(kind.into()).is_err() {
                    break;
                }
            }
        }
        true
    }

    /// After a failure: the directories this run created are removed again, deepest
    /// first (each is empty: the temporary files in them are gone).
    fn remove_created(&mut self) {
        for dir in self.created.drain(..).rev() {
            let _ = fs::remove_dir(dir);
        }
    }
}

/// Checks the directories of `parts[..n-1]` that already exist below `base` without
/// changing anything: a symbolic link must resolve to a directory inside the target
/// (`canonical_base`), and an existing component must be a directory. A missing
/// component ends the check (everything below it will be created). `checked` holds the
/// directories found good for earlier members (relative, `/`-separated): they are not
/// looked at again.
fn check_existing_dirs(
    base: &Path,
    canonical_base: &Path,
    parts: &[&[u8]],
    checked: &mut HashSet<Vec<u8>>,
) -> Result<(), DirError> {
    let mut rel_key = Vec::new();
    let mut path = base.to_path_buf();
    for (i, c) in parts[..parts.len() - 1].iter().enumerate() {
        if i > 0 {
            rel_key.push(b'/');
        }
        rel_key.extend_from_slice(c);
        path.push(os(c));
        if checked.contains(&rel_key) {
            continue;
        }
        match existing_dir(&path, canonical_base, &rel_key) {
            Ok(true) => {
                checked.insert(rel_key.clone());
            }
            // Missing (everything below is created later), or it cannot be looked at
            // (creating it will say why).
            Ok(false) => return Ok(()),
            Err(DirError::Create(_, e)) if e.kind() != io::ErrorKind::NotADirectory => {
                return Ok(())
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Whether the directory component `path` (`rel_key` below the target, for messages)
/// exists as a directory inside the target `canonical_base`: `Ok(true)` for a
/// directory, or a symbolic link resolving to one inside the target; `Ok(false)` when
/// there is nothing at `path`; an error for a link leading outside (`Unsafe`), anything
/// that is not a directory, or a failure to look.
fn existing_dir(path: &Path, canonical_base: &Path, rel_key: &[u8]) -> Result<bool, DirError> {
    let not_a_directory = || {
        DirError::Create(
            path.to_path_buf(),
            io::Error::new(io::ErrorKind::NotADirectory, "not a directory"),
        )
    };
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => match fs::canonicalize(path) {
            Ok(target) if target.starts_with(canonical_base) && target.is_dir() => Ok(true),
            Ok(target) if target.starts_with(canonical_base) => Err(not_a_directory()),
            _ => Err(DirError::Unsafe(format!(
                "'{}' is a symbolic link that leads outside the target directory",
                show_bytes(rel_key)
            ))),
        },
        Ok(m) if m.is_dir() => Ok(true),
        Ok(_) => Err(not_a_directory()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(DirError::Create(path.to_path_buf(), e)),
    }
}

/// A member to write, with the path components it is written to.
type Planned<'l> = (&'l Member<'l>, Vec<&'l [u8]>);

/// The members to write, in order, found and checked before anything is written: every
/// requested name must match a member, and every member's path must be safe. Each
/// problem is reported; any problem means nothing is returned (and nothing written).
fn plan<'l>(
    library: &str,
    lib: &'l Library<'_>,
    opts: &ExtractOptions,
    base: &Path,
    rep: &mut Reporter,
) -> Result<Option<Vec<Planned<'l>>>, LimitReached> {
    let errors = rep.error_count();
    let mut chosen: Vec<usize> = Vec::new();
    if opts.all {
        chosen.extend(0..lib.members.len());
    } else {
        // For each requested name, in order, every member whose stored name (or, with
        // `match_basename`, basename) equals it. Members are looked up through a map,
        // so that extracting many names from a large library stays linear.
        let mut by_name: HashMap<&[u8], Vec<usize>> = HashMap::new();
        for (i, m) in lib.members.iter().enumerate() {
            by_name.entry(&m.name).or_default().push(i);
            if opts.match_basename {
                let base = basename(&m.name);
                if base != &*m.name {
                    by_name.entry(base).or_default().push(i);
                }
            }
        }
        let mut taken = vec![false; lib.members.len()];
        for name in &opts.names {
            match by_name.get(name.as_bytes()) {
                None => rep.report(Kind::capsule_not_found(name.as_str(), library).into())?,
                Some(list) => {
                    let mut list = list.clone();
                    list.sort_unstable();
                    for i in list {
                        if !std::mem::replace(&mut taken[i], true) {
                            chosen.push(i);
                        }
                    }
                }
            }
        }
    }
    let canonical_base = base.exists().then(|| fs::canonicalize(base).ok()).flatten();
    let mut checked = HashSet::new();
    let mut planned = Vec::with_capacity(chosen.len());
    for i in chosen {
        let m = &lib.members[i];
        let parts = match safe_components(&m.name, opts.basename) {
            Ok(p) => p,
            Err(reason) => {
                let kind = Kind::unsafe_member_name(show_bytes(&m.name), reason);
                rep.report(kind.into())?;
                continue;
            }
        };
        if let Some(canonical_base) = &canonical_base {
            match check_existing_dirs(base, canonical_base, &parts, &mut checked) {
                Ok(()) => {}
                Err(DirError::Unsafe(reason)) => {
                    let kind = Kind::unsafe_member_name(show_bytes(&m.name), reason);
                    rep.report(kind.into())?;
                    continue;
                }
                Err(DirError::Create(path, e)) => {
                    let kind =
                        Kind::cannot_create_directory(path.display().to_string(), io_reason(&e));
                    rep.report(kind.into())?;
                    continue;
                }
            }
        }
        planned.push((m, parts));
    }
    Ok((rep.error_count() == errors).then_some(planned))
}

pub(crate) fn extract(library: &str, opts: &ExtractOptions, rep: &mut Reporter) {
    if opts.all && !opts.names.is_empty() {
        let _ = rep.report(Kind::all_specified_with_capsules().into());
        return;
    }
    if !opts.all && opts.names.is_empty() {
        let _ = rep.report(Kind::no_capsules_specified().into());
        return;
    }
    // `-` is standard input, named so in messages.
    let shown = tdf_core::fsutil::shown_name(Path::new(library), false);
    let data = match tdf_core::fsutil::read_input_or_stdin(Path::new(library), &shown) {
        Ok(d) => d,
        Err(d) => {
            let _ = rep.report(*d);
            return;
        }
    };
    let library = shown.as_str();
    let lib = match Library::read(&data) {
        Ok(l) => l,
        Err(d) => {
            let _ = rep.report(*in_file(d, library));
            return;
        }
    };
    if IndexTable::check(library, &lib, rep).is_err() {
        return;
    }
    let base = opts.directory.clone().unwrap_or_else(|| PathBuf::from("."));
    // All or nothing: every request is checked before the first file is written.
    let Ok(Some(planned)) = plan(library, &lib, opts, &base, rep) else {
        return;
    };
    // The target directory and those above it that do not exist yet, deepest first.
    let missing: Vec<PathBuf> = base
        .ancestors()
        .take_while(|a| !a.as_os_str().is_empty() && !a.exists())
        .map(Path::to_path_buf)
        .collect();
    // Built under a temporary name, when the system can put it in place in one step
    // (and the path has no `..`, which could lead out of the temporary directory).
    let mut staged = None;
    let mut write_base = base.clone();
    if let Some(top) = missing.last() {
        let plain = !base
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir));
        if let (true, Ok(Some(dir))) = (plain, StagingDir::create(top)) {
            let below = base.strip_prefix(top).unwrap_or(Path::new(""));
            write_base = dir.path().join(below);
            staged = Some(dir);
        }
    }
    if !missing.is_empty() {
        if let Err(e) = fs::create_dir_all(&write_base) {
            let kind = Kind::cannot_create_directory(base.display().to_string(), io_reason(&e));
            let _ = rep.report(Diagnostic::new(kind));
            return;
        }
    }
    let canonical_base = match fs::canonicalize(&write_base) {
        Ok(b) => b,
        Err(e) => {
            let kind = Kind::cannot_create_directory(base.display().to_string(), io_reason(&e));
            let _ = rep.report(Diagnostic::new(kind));
            return;
        }
    };
    // In a directory being built, removing it takes back everything.
    let created = match staged {
        Some(_) => Vec::new(),
        None => missing.into_iter().rev().collect(),
    };
    let mut x = Extractor {
        base: write_base,
        shown_base: base,
        canonical_base,
        staged,
        ready: HashSet::new(),
        created,
        opts,
    };
    // Everything is written before anything is put in place.
    let mut written = Vec::with_capacity(planned.len());
    for (m, parts) in planned {
        match x.write_member(m, &parts, rep) {
            Some((w, rel)) => written.push((w, rel, &m.name[..])),
            None => {
                drop(written);
                x.remove_created();
                return;
            }
        }
    }
    if !x.commit(written, rep) {
        x.remove_created();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comps(name: &str, b: bool) -> Result<Vec<String>, &'static str> {
        safe_components(name.as_bytes(), b).map(|v| {
            v.iter()
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect()
        })
    }

    #[test]
    fn names_become_safe_relative_paths() {
        assert_eq!(comps("caps/a.j", false).unwrap(), ["caps", "a.j"]);
        assert_eq!(comps("/abs/a.j", false).unwrap(), ["abs", "a.j"]);
        assert_eq!(comps("//x/./y//a.j", false).unwrap(), ["x", "y", "a.j"]);
        assert_eq!(comps("caps/a.j", true).unwrap(), ["a.j"]);
        assert!(comps("../evil.j", false).is_err());
        assert!(comps("a/../../evil.j", false).is_err());
        assert!(comps("a/..", true).is_err());
        assert!(comps("a/", true).is_err());
        assert!(comps("/", false).is_err());
        assert_eq!(comps("../x/a.j", true).unwrap(), ["a.j"]);
    }

    #[test]
    fn basenames() {
        assert_eq!(basename(b"a/b/c.j"), b"c.j");
        assert_eq!(basename(b"c.j"), b"c.j");
        assert_eq!(basename(b"a/"), b"");
    }
}
