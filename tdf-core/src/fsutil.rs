//! File handling shared by every tool: reading inputs whole, writing outputs, and
//! expanding `@FILE` response files on the command line.
//!
//! Every output of every tool goes through [`PendingOutput`] (or its short forms
//! [`write_atomic`] and [`write_atomic_with`]): `-` is standard output, symbolic links
//! are written through, special files (devices, FIFOs, `/dev/stdout`) are written in
//! place (except at the path of an extracted member, which replaces whatever is there),
//! and regular files are replaced atomically, by a temporary file in the target's
//! directory renamed over the target once complete. A failed or killed run leaves an
//! existing output byte for byte as it was.
//!
//! Outputs that stand or fall together (the members of an extraction) are each written
//! and closed first ([`PendingOutput::close`]), then put in place one by one with
//! [`WrittenOutput::place`], which keeps what was at the target beside it (exchanged
//! with the new file in one step where the system can, else a hard link, or the file
//! itself moved aside where links cannot be made): if one cannot be put in place, those
//! before it are taken back ([`Placed::undo`]), and the directory is as it was; once all
//! are in place, [`Placed::keep`] lets the old files go.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tdf_errors::{Diagnostic, Kind};

use crate::diag::io_reason;
use crate::input::InputBytes;

/// Reads a whole input file. The error is `cannot_open_input_file` when it cannot be
/// opened and `read_error` when reading fails (a directory, an I/O error), naming `shown`.
pub fn read_input(path: &Path, shown: &str) -> Result<Vec<u8>, Box<Diagnostic>> {
    use std::io::Read;
    let mut file = File::open(path).map_err(|e| {
        Box::new(Diagnostic::new(Kind::cannot_open_input_file(
            shown,
            io_reason(&e),
        )))
    })?;
    let mut data = Vec::with_capacity(file.metadata().map(|m| m.len() as usize + 1).unwrap_or(0));
    file.read_to_end(&mut data)
        .map_err(|e| Box::new(Diagnostic::new(Kind::read_error(shown, io_reason(&e)))))?;
    Ok(data)
}

/// The argument that stands for standard output as an output file (`-o -`, `-d -`,
/// `--why-extract -`) and for standard input as `tshow`'s file, as for `ar`, `tar` and
/// `lld`. A file of that name is `./-`.
pub const STDIO: &str = "-";

/// Standard output as named in messages.
pub const STDOUT_SHOWN: &str = "standard output";

/// Standard input as named in messages.
pub const STDIN_SHOWN: &str = "standard input";

/// True if `path` is [`STDIO`].
pub fn is_stdio(path: &Path) -> bool {
    path.as_os_str() == STDIO
}

/// How an input or output file is named in messages: as given, or [`STDIN_SHOWN`] /
/// [`STDOUT_SHOWN`] for [`STDIO`].
pub fn shown_name(path: &Path, output: bool) -> String {
    match (is_stdio(path), output) {
        (true, true) => STDOUT_SHOWN.into(),
        (true, false) => STDIN_SHOWN.into(),
        (false, _) => path.to_string_lossy().into_owned(),
    }
}

/// Reads (or maps, [`crate::input::read_mapped`]) a whole input, or all of standard input
/// for [`STDIO`] (`tshow -`). Errors as for [`read_input`].
pub fn read_input_or_stdin(path: &Path, shown: &str) -> Result<InputBytes, Box<Diagnostic>> {
    if !is_stdio(path) {
        return crate::input::read_mapped(path, shown);
    }
    let mut data = Vec::new();
    io::Read::read_to_end(&mut io::stdin().lock(), &mut data)
        .map_err(|e| Box::new(Diagnostic::new(Kind::read_error(shown, io_reason(&e)))))?;
    Ok(InputBytes::owned(data))
}

/// What an output is, which decides how `-`, symbolic links and terminals are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    /// A capsule or library the user named (`tld -o`, `tlib -o`, `tld -mc -o`): `-` is
    /// standard output, links are written through, a terminal is refused.
    Binary,
    /// A text report the user named (`-d`, `--why-extract`): `-` is standard output,
    /// links are written through, a terminal is fine.
    Text,
    /// A file named by a library member (`tshow -x`, `tld -mx`): the name is untrusted,
    /// so whatever is at the path (a symbolic link, a FIFO, a device) is replaced,
    /// never followed or written into (as `tar` does), and `-` is an ordinary name.
    Member,
}

/// How an output failed. `Create`, `Write` and `Rename` carry the system's error.
#[derive(Debug)]
pub enum WriteError {
    /// The output could not be opened: the temporary file could not be created
    /// (directory missing, not writable, ...), or the path could not be resolved.
    Create(io::Error),
    /// Writing or flushing the data failed (disk full, closed pipe, ...).
    Write(io::Error),
    /// The final rename failed, or the path is a directory.
    Rename(io::Error),
    /// Binary output refused because it would go to a terminal.
    Terminal,
    /// One of the failures above, on `target`: the file the symbolic link(s) at the
    /// output path lead to.
    Through {
        target: PathBuf,
        error: Box<WriteError>,
    },
}

impl WriteError {
    /// The system's error, if any.
    pub fn io(&self) -> Option<&io::Error> {
        match self {
            WriteError::Create(e) | WriteError::Write(e) | WriteError::Rename(e) => Some(e),
            WriteError::Terminal => None,
            WriteError::Through { error, .. } => error.io(),
        }
    }

    /// The catalogue diagnostic for this failure of the output `shown` (a capsule, a
    /// library or an extracted member).
    pub fn diagnostic(&self, shown: &str) -> Diagnostic {
        self.diagnostic_as(
            shown,
            Kind::cannot_open_output_file,
            Kind::cannot_write_output,
        )
    }

    /// The catalogue diagnostic for this failure of the trace file `shown` (`-d`).
    pub fn debug_file_diagnostic(&self, shown: &str) -> Diagnostic {
        self.diagnostic_as(shown, Kind::cannot_open_debug_file, Kind::write_error)
    }

    fn diagnostic_as(
        &self,
        shown: &str,
        create: fn(String, String) -> Kind,
        write: fn(String, String) -> Kind,
    ) -> Diagnostic {
        let kind = match self {
            WriteError::Create(e) => create(shown.into(), io_reason(e)),
            WriteError::Write(e) | WriteError::Rename(e) => write(shown.into(), io_reason(e)),
            WriteError::Terminal => Kind::binary_output_to_terminal(shown),
            WriteError::Through { target, error } => {
                let reason = match error.io() {
                    Some(e) => io_reason(e),
                    None => return error.diagnostic_as(shown, create, write),
                };
                Kind::cannot_write_through_link(shown, target.to_string_lossy(), reason)
            }
        };
        Diagnostic::new(kind)
    }
}

/// Writes `bytes` to the binary output `path` atomically ([`PendingOutput`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_atomic_with(path, OutputKind::Binary, |w| w.write_all(bytes))
}

/// Writes what `fill` writes to the output `path` of this kind, atomically: see
/// [`PendingOutput`]. On any failure, including a failure of `fill`, nothing is left
/// behind and an existing file is unchanged.
pub fn write_atomic_with(
    path: &Path,
    kind: OutputKind,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), WriteError> {
    let mut out = PendingOutput::create(path, kind)?;
    match fill(&mut out) {
        Ok(()) => out.commit(),
        Err(e) => Err(out.wrap(WriteError::Write(e))),
    }
}

/// Where an output goes.
#[derive(Debug)]
enum Dest {
    /// This process's standard output (`-`, `/dev/stdout`, `/proc/self/fd/1`).
    Stdout,
    /// This process's standard error (`/dev/stderr`, `/proc/self/fd/2`).
    Stderr,
    /// A special file (device, FIFO, a descriptor of `/proc`), opened and written in
    /// place: replacing it would replace the device node or the pipe.
    InPlace(PathBuf),
    /// A regular file, or none yet: a temporary file beside `target` renamed over it.
    /// `true` when something was at `target` when it was looked at.
    Replace(PathBuf, bool),
}

/// At most this many symbolic links are followed (Linux's limit).
const MAX_LINKS: usize = 40;

/// Decides where the output `path` goes. Returns the destination and, when symbolic
/// links were followed, the path they led to.
fn resolve(path: &Path, kind: OutputKind) -> Result<(Dest, Option<PathBuf>), WriteError> {
    if kind != OutputKind::Member && is_stdio(path) {
        return Ok((Dest::Stdout, None));
    }
    let mut cur = path.to_path_buf();
    let mut followed = false;
    let through = |followed: bool, p: &Path| followed.then(|| p.to_path_buf());
    for _ in 0..=MAX_LINKS {
        let meta = match fs::symlink_metadata(&cur) {
            Ok(m) => m,
            // Nothing there (also the end of a dangling link): it is created.
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let t = through(followed, &cur);
                return Ok((Dest::Replace(cur, false), t));
            }
            Err(e) => return Err(wrap(through(followed, &cur), WriteError::Create(e))),
        };
        let ft = meta.file_type();
        if ft.is_symlink() {
            if kind == OutputKind::Member {
                return Ok((Dest::Replace(cur, true), None));
            }
            if let Some(dest) = proc_link(&cur, &meta) {
                let t = Some(cur);
                return Ok((dest, t));
            }
            let target = fs::read_link(&cur)
                .map_err(|e| wrap(through(followed, &cur), WriteError::Create(e)))?;
            cur = match cur.parent() {
                Some(dir) if target.is_relative() => dir.join(target),
                _ => target,
            };
            followed = true;
            continue;
        }
        let t = through(followed, &cur);
        if ft.is_dir() {
            return Err(wrap(t, WriteError::Rename(is_a_directory())));
        }
        // An extracted member replaces whatever file is at its path, as `tar` and `ar`
        // do: written in place, a FIFO would block the run until a reader came, and a
        // device would receive the member.
        if ft.is_file() || kind == OutputKind::Member {
            return Ok((Dest::Replace(cur, true), t));
        }
        return Ok((Dest::InPlace(cur), t));
    }
    let e = io::Error::other("too many levels of symbolic links");
    Err(wrap(Some(cur), WriteError::Create(e)))
}

fn wrap(through: Option<PathBuf>, error: WriteError) -> WriteError {
    match through {
        Some(target) => WriteError::Through {
            target,
            error: Box::new(error),
        },
        None => error,
    }
}

/// A symbolic link of `/proc` (Linux's "magic" links such as `/proc/self/fd/1`, which
/// `/dev/stdout` leads to) names an open file, not a path: following it to a regular
/// file and renaming over that would detach the file from whoever has it open (a shell
/// redirection, an append to a log). Such an output is written in place: this process's
/// own standard output and standard error through their handles, anything else by
/// opening the link. `None` for any other link.
#[cfg(target_os = "linux")]
fn proc_link(link: &Path, meta: &fs::Metadata) -> Option<Dest> {
    use std::os::unix::fs::MetadataExt;
    static PROC: OnceLock<Option<(u64, PathBuf)>> = OnceLock::new();
    // The device of procfs, if it is mounted at /proc (then /proc/self leads to this
    // process's directory), and this process's directory.
    let (dev, own) = PROC
        .get_or_init(|| {
            let own = PathBuf::from(format!("/proc/{}", std::process::id()));
            let self_link = fs::read_link("/proc/self").ok()?;
            (Path::new("/proc").join(self_link) == own)
                .then(|| fs::symlink_metadata(&own).ok().map(|m| (m.dev(), own)))
                .flatten()
        })
        .as_ref()?;
    if meta.dev() != *dev {
        return None;
    }
    let in_place = Some(Dest::InPlace(link.to_path_buf()));
    let Some(dir) = link.parent().and_then(|d| fs::canonicalize(d).ok()) else {
        return in_place;
    };
    // `/proc/PID/fd` or `/proc/PID/task/TID/fd` of this process.
    let fd_dir = dir.file_name() == Some(std::ffi::OsStr::new("fd"))
        && dir.parent().is_some_and(|p| {
            p == own
                || p.parent().is_some_and(|t| {
                    t.file_name() == Some("task".as_ref()) && t.parent() == Some(own)
                })
        });
    match link.file_name().and_then(|n| n.to_str()) {
        Some("1") if fd_dir => Some(Dest::Stdout),
        Some("2") if fd_dir => Some(Dest::Stderr),
        _ => in_place,
    }
}

#[cfg(not(target_os = "linux"))]
fn proc_link(_link: &Path, _meta: &fs::Metadata) -> Option<Dest> {
    None
}

/// The open destination of an output.
enum Sink {
    File(File),
    Stdout(io::Stdout),
    Stderr(io::Stderr),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::File(f) => f.write(buf),
            Sink::Stdout(s) => s.write(buf),
            Sink::Stderr(s) => s.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Sink::File(f) => f.write_all(buf),
            Sink::Stdout(s) => s.write_all(buf),
            Sink::Stderr(s) => s.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::File(f) => f.flush(),
            Sink::Stdout(s) => s.flush(),
            Sink::Stderr(s) => s.flush(),
        }
    }
}

/// An output being written: the one way every tool writes a file.
///
/// * `-` ([`STDIO`]) is standard output (not for [`OutputKind::Member`]).
/// * A symbolic link at the path is written through, as `ld` and `ar` do (not for
///   [`OutputKind::Member`], where it is replaced): every link of a chain is followed,
///   relative links from their own directory, and the link stays a link. A dangling link
///   creates its target.
/// * A special file where the path (or its chain of links) ends is written in place and
///   never replaced: a device (`/dev/null`), a FIFO, a terminal, and the descriptors of
///   `/proc` (`/dev/stdout` leads to `/proc/self/fd/1`, which is written as standard
///   output, whatever that is).
/// * A regular file, or no file, is written atomically: to a new temporary file
///   `.NAME.tdf-tmp.PID.RAND` in the target's directory, renamed over the target by
///   [`PendingOutput::commit`]. Until then the old file is untouched; a failure, or
///   dropping the `PendingOutput` without committing, removes the temporary file. Of
///   two runs writing one output, the last rename wins whole; a run killed at any point
///   leaves the old output as it was (and perhaps a stale temporary file, which no tool
///   reads as an output).
/// * Binary output ([`OutputKind::Binary`], [`OutputKind::Member`]) to a terminal is
///   refused ([`WriteError::Terminal`]) before anything is written.
///
/// Nothing is flushed to disk (`fsync`): like TenDRA's `tld`, `ld`, `lld`, `mold`, `ar`
/// and `tar`, the tools leave that to the system (see DESIGN.md, "Outputs").
pub struct PendingOutput {
    out: Option<BufWriter<Sink>>,
    /// The temporary file and the target it is renamed to, until committed.
    temp: Option<(PathBuf, PathBuf)>,
    /// Something was at the target when the output was opened.
    replaces: bool,
    /// The end of the chain of symbolic links, when there was one (for messages).
    through: Option<PathBuf>,
}

impl PendingOutput {
    /// Opens the output `path`: creates the temporary file, opens the special file, or
    /// takes standard output. Fails before anything is written.
    pub fn create(path: &Path, kind: OutputKind) -> Result<PendingOutput, WriteError> {
        let (dest, through) = resolve(path, kind)?;
        let binary = kind != OutputKind::Text;
        let refuse = |terminal: bool| {
            if binary && terminal {
                Err(wrap(through.clone(), WriteError::Terminal))
            } else {
                Ok(())
            }
        };
        let mut replaces = false;
        let (sink, temp) = match dest {
            Dest::Stdout => {
                refuse(io::stdout().is_terminal())?;
                (Sink::Stdout(io::stdout()), None)
            }
            Dest::Stderr => {
                refuse(io::stderr().is_terminal())?;
                (Sink::Stderr(io::stderr()), None)
            }
            Dest::InPlace(p) => {
                let f = fs::OpenOptions::new()
                    .write(true)
                    .truncate(true)
                    .open(&p)
                    .map_err(|e| wrap(through.clone(), WriteError::Create(e)))?;
                refuse(f.is_terminal())?;
                (Sink::File(f), None)
            }
            Dest::Replace(target, exists) => {
                replaces = exists;
                let (tmp, f) = create_temp(&target)
                    .map_err(|e| wrap(through.clone(), WriteError::Create(e)))?;
                (Sink::File(f), Some((tmp, target)))
            }
        };
        Ok(PendingOutput {
            out: Some(BufWriter::with_capacity(BUFFER, sink)),
            temp,
            replaces,
            through,
        })
    }

    /// Flushes what was written and, for a regular file, renames the temporary file over
    /// the target. On failure the temporary file is removed and the target unchanged.
    pub fn commit(self) -> Result<(), WriteError> {
        self.close()?.commit()
    }

    /// Flushes what was written and closes the file, without putting it in place yet:
    /// several outputs that stand or fall together (the members an extraction writes)
    /// are all written first, then all committed ([`WrittenOutput::commit`]). On failure
    /// the temporary file is removed and the target unchanged.
    pub fn close(mut self) -> Result<WrittenOutput, WriteError> {
        let out = self.out.take().expect("a pending output is closed once");
        let sink = out
            .into_inner()
            .map_err(|e| self.wrap(WriteError::Write(e.into_error())))?;
        match sink {
            Sink::File(f) => drop(f),
            Sink::Stdout(mut s) => s.flush().map_err(|e| self.wrap(WriteError::Write(e)))?,
            Sink::Stderr(mut s) => s.flush().map_err(|e| self.wrap(WriteError::Write(e)))?,
        }
        Ok(WrittenOutput {
            temp: self.temp.take(),
            replaces: self.replaces,
            through: self.through.take(),
        })
    }

    /// `error`, on the end of the chain of links if there was one.
    fn wrap(&self, error: WriteError) -> WriteError {
        wrap(self.through.clone(), error)
    }

    /// The temporary file being written, until committed (`None` when writing in place).
    pub fn temp_path(&self) -> Option<&Path> {
        self.temp.as_ref().map(|(tmp, _)| tmp.as_path())
    }
}

impl Write for PendingOutput {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.as_mut().expect("not committed").write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.out.as_mut().expect("not committed").write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.as_mut().expect("not committed").flush()
    }
}

/// An output written whole and closed ([`PendingOutput::close`]), not yet in place:
/// dropped without [`WrittenOutput::commit`], its temporary file is removed and the
/// target stays as it was.
pub struct WrittenOutput {
    /// The temporary file and the target it is renamed to, until committed.
    temp: Option<(PathBuf, PathBuf)>,
    /// Something was at the target when the output was opened.
    replaces: bool,
    through: Option<PathBuf>,
}

impl WrittenOutput {
    /// Renames the temporary file over the target (nothing to do for an output written
    /// in place). On failure the temporary file is removed and the target unchanged.
    pub fn commit(mut self) -> Result<(), WriteError> {
        if let Some((tmp, target)) = &self.temp {
            // An input that changed while mapped was read as zeros from then on: what
            // was made of it is not put in place (crate::input).
            crate::input::unchanged()
                .map_err(|e| wrap(self.through.clone(), WriteError::Write(e)))?;
            fs::rename(tmp, target)
                .map_err(|e| wrap(self.through.clone(), WriteError::Rename(e)))?;
            self.temp = None;
        }
        Ok(())
    }

    /// Puts the output in place as [`WrittenOutput::commit`] does, keeping whatever was
    /// at the target until the returned [`Placed`] is kept or undone. Where something was
    /// at the target when the output was opened, the two change names in one step
    /// (`renameat2(RENAME_EXCHANGE)`), the temporary name keeping the old file; where
    /// nothing was, one `renameat2(RENAME_NOREPLACE)`; otherwise (the system cannot, or
    /// the target changed meanwhile) the old file is kept as a hard link, or moved aside,
    /// and the new one renamed over the target. A directory at the target is never
    /// replaced. On failure the temporary file is removed and the target unchanged.
    pub fn place(mut self) -> Result<Placed, WriteError> {
        let Some((tmp, target)) = &self.temp else {
            return Ok(Placed {
                target: None,
                backup: None,
            });
        };
        // Until the end, a failure leaves the temporary file to `Drop`.
        let err = |e| wrap(self.through.clone(), e);
        // An input that changed while mapped was read as zeros from then on: what was
        // made of it is not put in place (crate::input).
        crate::input::unchanged().map_err(|e| err(WriteError::Write(e)))?;
        // Something at the target when the output was opened (an extraction over an
        // earlier one): the new file and the old one change names in one step, and the
        // temporary name keeps the old file. Only a directory made there since is not
        // replaced: it is changed back.
        if self.replaces && rename_exchange(tmp, target).map_err(|e| err(WriteError::Rename(e)))? {
            let (tmp, target) = self.temp.take().expect("the output has a temporary file");
            if fs::symlink_metadata(&tmp).is_ok_and(|m| m.is_dir()) {
                let back = rename_exchange(&tmp, &target);
                // Our file, at the temporary name again, goes with `self`.
                self.temp = Some((tmp, target));
                let e = match back {
                    Ok(true) => is_a_directory(),
                    Ok(false) => io::Error::other("cannot put a directory back"),
                    Err(e) => e,
                };
                return Err(err(WriteError::Rename(e)));
            }
            return Ok(Placed {
                target: Some(target),
                backup: Some(tmp),
            });
        }
        // Nothing at the target (an extraction into a new directory): one rename.
        let backup = if rename_noreplace(tmp, target).map_err(|e| err(WriteError::Rename(e)))? {
            None
        } else {
            let backup = keep_aside(target).map_err(|e| err(WriteError::Rename(e)))?;
            if let Err(e) = fs::rename(tmp, target) {
                // The target is left as it was: a link to it is dropped, a file moved
                // aside is moved back.
                match &backup {
                    Some(Backup { path, moved: false }) => {
                        let _ = fs::remove_file(path);
                    }
                    Some(Backup { path, moved: true }) => {
                        let _ = fs::rename(path, target);
                    }
                    None => {}
                }
                return Err(err(WriteError::Rename(e)));
            }
            backup.map(|b| b.path)
        };
        let (_, target) = self.temp.take().expect("the output has a temporary file");
        Ok(Placed {
            target: Some(target),
            backup,
        })
    }
}

/// What was at a target before an output was put there, kept beside it.
struct Backup {
    path: PathBuf,
    /// The file itself was moved aside (the target was missing until the output came);
    /// otherwise `path` is a second hard link to it.
    moved: bool,
}

/// Keeps what is at `target` (a file, a symbolic link, a special file) under a fresh
/// name beside it, as a hard link when the file system makes one, else by moving it
/// aside. `None` when nothing is there.
fn keep_aside(target: &Path) -> io::Result<Option<Backup>> {
    match fs::symlink_metadata(target) {
        // A directory made since the output was opened (by another member's path) is
        // not replaced.
        Ok(m) if m.is_dir() => return Err(is_a_directory()),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    }
    // A hard link to a symbolic link links the link itself (it is not followed).
    match with_fresh_sibling(target, |p| fs::hard_link(target, p)) {
        Ok((path, ())) => return Ok(Some(Backup { path, moved: false })),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(_) => {}
    }
    // No hard links here: a fresh name is reserved by an empty file, which the target
    // then replaces.
    let (path, f) = create_temp(target)?;
    drop(f);
    match fs::rename(target, &path) {
        Ok(()) => Ok(Some(Backup { path, moved: true })),
        Err(e) => {
            let _ = fs::remove_file(&path);
            if e.kind() == io::ErrorKind::NotFound {
                Ok(None)
            } else {
                Err(e)
            }
        }
    }
}

/// The error of an output whose target is a directory, which is never replaced.
fn is_a_directory() -> io::Error {
    io::Error::new(io::ErrorKind::IsADirectory, "is a directory")
}

/// Renames `from` to `to` if nothing is at `to`. `Ok(false)` when something is, or
/// when the file system cannot say atomically; nothing was done then.
fn rename_noreplace(from: &Path, to: &Path) -> io::Result<bool> {
    // Taken, or a file system without the flag: the caller looks first.
    #[cfg(target_os = "linux")]
    return renameat2(from, to, libc::RENAME_NOREPLACE, &[libc::EEXIST]);
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (from, to);
        Ok(false)
    }
}

/// Exchanges the files at `a` and `b` in one step (both stay, each under the other's
/// name). `Ok(false)` when one of them is missing, or when the file system cannot;
/// nothing was done then.
fn rename_exchange(a: &Path, b: &Path) -> io::Result<bool> {
    // Gone meanwhile, or a file system without the flag: the caller goes on without.
    #[cfg(target_os = "linux")]
    return renameat2(a, b, libc::RENAME_EXCHANGE, &[libc::ENOENT]);
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (a, b);
        Ok(false)
    }
}

/// `renameat2(from, to, flags)`: `Ok(true)` when done; `Ok(false)` when the system
/// refused with one of `not_done`, or does not know the flag (nothing was done then).
#[cfg(target_os = "linux")]
fn renameat2(from: &Path, to: &Path, flags: libc::c_uint, not_done: &[i32]) -> io::Result<bool> {
    use std::os::unix::ffi::OsStrExt;
    let (Ok(from), Ok(to)) = (
        std::ffi::CString::new(from.as_os_str().as_bytes()),
        std::ffi::CString::new(to.as_os_str().as_bytes()),
    ) else {
        return Ok(false);
    };
    // SAFETY: two valid NUL-terminated strings, only read by the call.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            flags,
        )
    };
    if r == 0 {
        return Ok(true);
    }
    let e = io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EINVAL | libc::ENOSYS | libc::ENOTSUP) => Ok(false),
        Some(n) if not_done.contains(&n) => Ok(false),
        _ => Err(e),
    }
}

/// An output put in place by [`WrittenOutput::place`], with what was at its target
/// kept beside it until [`Placed::keep`] (dropping it keeps too) or [`Placed::undo`].
#[derive(Debug)]
pub struct Placed {
    /// The target (`None` for an output written in place: nothing to undo).
    target: Option<PathBuf>,
    /// Where the previous file is kept, if there was one.
    backup: Option<PathBuf>,
}

impl Placed {
    /// The output stays; the previous file, if any, is let go.
    pub fn keep(self) {}

    /// Takes the output back: the previous file returns to the target, or, if there was
    /// none, the output is removed.
    pub fn undo(mut self) -> Result<(), UndoError> {
        let Some(target) = self.target.take() else {
            return Ok(());
        };
        match self.backup.take() {
            Some(backup) => fs::rename(&backup, &target).map_err(|error| UndoError {
                target,
                backup: Some(backup),
                error,
            }),
            None => match fs::remove_file(&target) {
                Err(error) if error.kind() != io::ErrorKind::NotFound => Err(UndoError {
                    target,
                    backup: None,
                    error,
                }),
                _ => Ok(()),
            },
        }
    }
}

impl Drop for Placed {
    fn drop(&mut self) {
        if let Some(backup) = self.backup.take() {
            let _ = fs::remove_file(backup);
        }
    }
}

/// [`Placed::undo`] failed: the output stays at `target`, and the previous file, if
/// there was one, is under the name `backup`.
#[derive(Debug)]
pub struct UndoError {
    pub target: PathBuf,
    pub backup: Option<PathBuf>,
    pub error: io::Error,
}

impl UndoError {
    /// The catalogue diagnostic, with the target shown as `shown`.
    pub fn diagnostic(&self, shown: &str) -> Diagnostic {
        let kept = match &self.backup {
            Some(b) => format!("its previous contents are in '{}'", b.display()),
            None => "the extracted file stays".into(),
        };
        Diagnostic::new(Kind::cannot_restore_output(
            shown,
            kept,
            io_reason(&self.error),
        ))
    }
}

impl Drop for WrittenOutput {
    fn drop(&mut self) {
        if let Some((tmp, _)) = self.temp.take() {
            let _ = fs::remove_file(tmp);
        }
    }
}

impl Drop for PendingOutput {
    fn drop(&mut self) {
        // Not committed: the buffered rest is discarded, not written, and the temporary
        // file removed.
        if let Some(out) = self.out.take() {
            let _ = out.into_parts();
        }
        if let Some((tmp, _)) = self.temp.take() {
            let _ = fs::remove_file(tmp);
        }
    }
}

impl std::fmt::Debug for PendingOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingOutput")
            .field("temp", &self.temp)
            .field("through", &self.through)
            .finish_non_exhaustive()
    }
}

/// A new directory built whole under a temporary name and put in place in one step: a
/// run that extracts into a directory it creates writes every file straight into the
/// temporary directory (no temporary file and rename per file), and
/// [`StagingDir::commit`] renames the directory to its target, which must still not
/// exist. Until then nothing is at the target: a failed run removes the temporary
/// directory with everything in it (dropping the `StagingDir` does), and a killed run
/// leaves only that (`.NAME.tdf-tmp.PID.RAND`, a temporary name like an output's),
/// never a half-written file under its own name.
#[derive(Debug)]
pub struct StagingDir {
    /// The temporary directory, until committed.
    temp: Option<PathBuf>,
    target: PathBuf,
    /// The permissions the target gets: those of a directory created as usual.
    permissions: Option<fs::Permissions>,
}

impl StagingDir {
    /// Creates the temporary directory beside `target`, open to its owner only while it
    /// is built. `Ok(None)` when something is at `target`, or where the system cannot
    /// rename a directory without replacing what may have appeared at its target
    /// (`renameat2(RENAME_NOREPLACE)`, Linux): the caller creates the directory itself.
    pub fn create(target: &Path) -> io::Result<Option<StagingDir>> {
        if !cfg!(target_os = "linux") || fs::symlink_metadata(target).is_ok() {
            return Ok(None);
        }
        let (temp, ()) = with_fresh_sibling(target, |p| fs::create_dir(p))?;
        // From here on a failure removes the directory (the `StagingDir` is dropped).
        let mut staging = StagingDir {
            temp: Some(temp),
            target: target.to_path_buf(),
            permissions: None,
        };
        let temp = staging.path();
        let permissions = fs::metadata(temp)?.permissions();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(temp, fs::Permissions::from_mode(0o700))?;
        }
        staging.permissions = Some(permissions);
        Ok(Some(staging))
    }

    /// The directory it becomes.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// The temporary directory, to build in.
    pub fn path(&self) -> &Path {
        self.temp
            .as_deref()
            .expect("a staging directory is committed once")
    }

    /// Gives the directory its permissions and renames it to its target. When that
    /// fails (something appeared at the target meanwhile: `AlreadyExists`), the
    /// temporary directory is removed and nothing is at the target.
    pub fn commit(mut self) -> io::Result<()> {
        let temp = self.path().to_path_buf();
        if let Some(p) = self.permissions.take() {
            fs::set_permissions(&temp, p)?;
        }
        if !rename_noreplace(&temp, &self.target)? {
            // Taken, or a file system that cannot say atomically: look first.
            if fs::symlink_metadata(&self.target).is_ok() {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    "it appeared while the files were written",
                ));
            }
            fs::rename(&temp, &self.target)?;
        }
        self.temp = None;
        Ok(())
    }
}

impl Drop for StagingDir {
    fn drop(&mut self) {
        if let Some(temp) = self.temp.take() {
            // Symbolic links inside are removed, not followed.
            let _ = fs::remove_dir_all(temp);
        }
    }
}

/// The write buffer of an output file.
const BUFFER: usize = 64 * 1024;

/// The marker in the names of temporary files: `.NAME.tdf-tmp.PID.RAND`.
pub const TEMP_MARKER: &str = ".tdf-tmp.";

/// True if `name` (a file name) is that of a temporary output file.
pub fn is_temp_name(name: &std::ffi::OsStr) -> bool {
    let s = name.to_string_lossy();
    s.starts_with('.') && s.contains(TEMP_MARKER)
}

/// Creates a new, exclusive temporary file `.NAME.tdf-tmp.PID.RAND` beside `target`.
fn create_temp(target: &Path) -> io::Result<(PathBuf, File)> {
    with_fresh_sibling(target, |p| {
        fs::OpenOptions::new().write(true).create_new(true).open(p)
    })
}

/// Calls `make` with fresh names `.NAME.tdf-tmp.PID.RAND` beside `target` until one
/// is not taken (`make` fails with `AlreadyExists` for a taken name); returns the name
/// and what `make` made there.
fn with_fresh_sibling<T>(
    target: &Path,
    mut make: impl FnMut(&Path) -> io::Result<T>,
) -> io::Result<(PathBuf, T)> {
    // `process::id` is a system call; an extraction makes thousands of files.
    static PID: OnceLock<u32> = OnceLock::new();
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let pid = *PID.get_or_init(std::process::id);
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // The name is kept under the usual 255-byte limit of a file name.
    let base = target.file_name().unwrap_or("out".as_ref());
    let base = truncated(base, 200);
    let mut last = None;
    for _ in 0..64 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let rand = mix(nanos ^ n.rotate_left(32) ^ u64::from(pid));
        let mut name = OsString::from(".");
        name.push(&base);
        name.push(format!("{TEMP_MARKER}{pid}.{:08x}", rand as u32));
        let p = dir.join(name);
        match make(&p) {
            Ok(made) => return Ok((p, made)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("cannot create a temporary file")))
}

/// A 64-bit finaliser (splitmix64's), to spread the bits of the temporary name.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// `name` cut to at most `max` bytes (on a character boundary where names are Unicode).
#[cfg(unix)]
fn truncated(name: &std::ffi::OsStr, max: usize) -> OsString {
    use std::os::unix::ffi::OsStrExt;
    let b = name.as_bytes();
    std::ffi::OsStr::from_bytes(&b[..b.len().min(max)]).to_owned()
}

#[cfg(not(unix))]
fn truncated(name: &std::ffi::OsStr, max: usize) -> OsString {
    let s = name.to_string_lossy();
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    OsString::from(&s[..end])
}

/// Replaces every argument `@FILE` by the whitespace-separated words of FILE (with `'…'`
/// and `"…"` quoting and `\` escaping, as GNU tools do). Response files may name other
/// response files, up to a depth of 16. An argument that is exactly `@` is kept.
pub fn expand_response_files<I>(args: I) -> Result<Vec<OsString>, Box<Diagnostic>>
where
    I: IntoIterator<Item = OsString>,
{
    let mut out = Vec::new();
    for a in args {
        expand_one(a, &mut out, 0)?;
    }
    Ok(out)
}

fn expand_one(arg: OsString, out: &mut Vec<OsString>, depth: u32) -> Result<(), Box<Diagnostic>> {
    let Some(file) = arg
        .to_str()
        .and_then(|s| s.strip_prefix('@'))
        .filter(|f| !f.is_empty())
    else {
        out.push(arg);
        return Ok(());
    };
    let cannot = |reason: String| {
        Box::new(Diagnostic::new(Kind::cannot_open_response_file(
            file, reason,
        )))
    };
    if depth >= 16 {
        return Err(cannot("response files nested too deeply".into()));
    }
    let text = fs::read(file).map_err(|e| cannot(io_reason(&e)))?;
    for word in split_words(&text) {
        expand_one(bytes_to_os(word), out, depth + 1)?;
    }
    Ok(())
}

#[cfg(unix)]
fn bytes_to_os(b: Vec<u8>) -> OsString {
    use std::os::unix::ffi::OsStringExt;
    OsString::from_vec(b)
}

#[cfg(not(unix))]
fn bytes_to_os(b: Vec<u8>) -> OsString {
    OsString::from(String::from_utf8_lossy(&b).into_owned())
}

/// Splits response-file text into words.
fn split_words(text: &[u8]) -> Vec<Vec<u8>> {
    let mut words = Vec::new();
    let mut cur: Option<Vec<u8>> = None;
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        i += 1;
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(b'\''), c) => cur.get_or_insert_with(Vec::new).push(c),
            (_, b'\\') if i < text.len() => {
                cur.get_or_insert_with(Vec::new).push(text[i]);
                i += 1;
            }
            (Some(_), c) => cur.get_or_insert_with(Vec::new).push(c),
            (None, b'\'' | b'"') => {
                quote = Some(c);
                cur.get_or_insert_with(Vec::new);
            }
            (None, c) if c.is_ascii_whitespace() => {
                if let Some(w) = cur.take() {
                    words.push(w);
                }
            }
            (None, c) => cur.get_or_insert_with(Vec::new).push(c),
        }
    }
    if let Some(w) = cur {
        words.push(w);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmpdir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("tdf-core-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn atomic_write_replaces_and_cleans_up() {
        let d = tmpdir("atomic");
        let p = d.join("out.j");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"two");
        assert_eq!(fs::read_dir(&d).unwrap().count(), 1);
        // Into a directory that does not exist: an error, nothing created.
        let e = write_atomic(&d.join("no/such/x.j"), b"x").unwrap_err();
        assert!(matches!(e, WriteError::Create(_)));
        // Onto a directory: an error, the directory untouched, no temporary left.
        fs::create_dir(d.join("sub")).unwrap();
        assert!(write_atomic(&d.join("sub"), b"x").is_err());
        assert_eq!(fs::read_dir(&d).unwrap().count(), 2);
        fs::remove_dir_all(&d).unwrap();
    }

    fn written(target: &Path, bytes: &[u8]) -> WrittenOutput {
        let mut out = PendingOutput::create(target, OutputKind::Member).unwrap();
        out.write_all(bytes).unwrap();
        out.close().unwrap()
    }

    fn names(d: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn placed_outputs_are_kept_or_taken_back() {
        let d = tmpdir("placed");
        let old = d.join("old.j");
        let new = d.join("new.j");
        // Over an existing file: the file is kept beside it until kept or undone.
        fs::write(&old, b"before").unwrap();
        let p = written(&old, b"after").place().unwrap();
        assert_eq!(fs::read(&old).unwrap(), b"after");
        let backup = p.backup.clone().expect("the previous file is kept");
        assert_eq!(fs::read(&backup).unwrap(), b"before");
        p.undo().unwrap();
        assert_eq!(fs::read(&old).unwrap(), b"before");
        // Where nothing was: undone, the output is removed.
        written(&new, b"x").place().unwrap().undo().unwrap();
        assert_eq!(names(&d), ["old.j"]);
        // Kept: the outputs stay, and nothing else does.
        written(&old, b"after").place().unwrap().keep();
        written(&new, b"x").place().unwrap().keep();
        assert_eq!(fs::read(&old).unwrap(), b"after");
        assert_eq!(names(&d), ["new.j", "old.j"]);
        // A FIFO at the path is replaced, and returns when undone.
        #[cfg(unix)]
        {
            let fifo = d.join("fifo");
            let c =
                std::ffi::CString::new(fifo.clone().into_os_string().into_encoded_bytes()).unwrap();
            // SAFETY: a valid NUL-terminated path.
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
            let p = written(&fifo, b"member").place().unwrap();
            assert_eq!(fs::read(&fifo).unwrap(), b"member");
            p.undo().unwrap();
            use std::os::unix::fs::FileTypeExt;
            assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
            fs::remove_file(&fifo).unwrap();
        }
        // A directory made where a file was when the output was opened is not replaced:
        // the output fails, and the directory stays, with nothing beside it.
        let w = written(&old, b"late");
        fs::remove_file(&old).unwrap();
        fs::create_dir(&old).unwrap();
        fs::write(old.join("inside"), b"x").unwrap();
        let e = w.place().unwrap_err();
        assert!(
            e.diagnostic("old.j").to_string().contains("directory"),
            "{e:?}"
        );
        assert_eq!(names(&old), ["inside"]);
        assert_eq!(names(&d), ["new.j", "old.j"]);
        fs::remove_dir_all(&old).unwrap();
        fs::write(&old, b"after").unwrap();
        // Taking back fails when the kept file went away meanwhile: the output stays,
        // and the diagnostic says where the previous contents were to be.
        let p = written(&old, b"third").place().unwrap();
        let backup = p.backup.clone().unwrap();
        fs::remove_file(&backup).unwrap();
        let e = p.undo().unwrap_err();
        assert_eq!(fs::read(&old).unwrap(), b"third");
        let diag = e.diagnostic("old.j");
        assert_eq!(diag.kind.name(), "cannot_restore_output");
        assert!(diag.to_string().contains(&backup.display().to_string()));
        assert_eq!(names(&d), ["new.j", "old.j"]);
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn streamed_writes_and_failed_producers() {
        let d = tmpdir("streamed");
        let p = d.join("out.j");
        write_atomic(&p, b"old").unwrap();
        write_atomic_with(&p, OutputKind::Binary, |w| {
            for i in 0..100_000u32 {
                w.write_all(&i.to_le_bytes())?;
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(fs::read(&p).unwrap().len(), 400_000);
        // A failure of the producer: the target keeps its contents, no temporary file.
        write_atomic(&p, b"old").unwrap();
        let e = write_atomic_with(&p, OutputKind::Binary, |w| {
            w.write_all(&[0; 100_000])?;
            Err(io::Error::other("producer failed"))
        })
        .unwrap_err();
        assert!(matches!(e, WriteError::Write(_)));
        assert_eq!(fs::read(&p).unwrap(), b"old");
        assert_eq!(fs::read_dir(&d).unwrap().count(), 1);
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn pending_outputs_use_recognisable_temporary_files() {
        let d = tmpdir("pending");
        let p = d.join("out.j");
        write_atomic(&p, b"old").unwrap();
        let mut out = PendingOutput::create(&p, OutputKind::Binary).unwrap();
        out.write_all(&[7; 100_000]).unwrap();
        let tmp = out.temp_path().unwrap().to_path_buf();
        let name = tmp.file_name().unwrap().to_string_lossy().into_owned();
        let prefix = format!(".out.j.tdf-tmp.{}.", std::process::id());
        assert!(name.starts_with(&prefix), "{name}");
        assert_eq!(name.len(), prefix.len() + 8, "{name}");
        assert!(is_temp_name(tmp.file_name().unwrap()));
        assert!(!is_temp_name("out.j".as_ref()));
        assert_eq!(tmp.parent(), Some(d.as_path()));
        // Until the commit, the old output is untouched.
        assert_eq!(fs::read(&p).unwrap(), b"old");
        // Dropped without a commit: the temporary file goes, the output stays.
        drop(out);
        assert!(!tmp.exists());
        assert_eq!(fs::read(&p).unwrap(), b"old");
        let mut out = PendingOutput::create(&p, OutputKind::Text).unwrap();
        out.write_all(b"new").unwrap();
        out.commit().unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"new");
        assert_eq!(fs::read_dir(&d).unwrap().count(), 1);
        // A name too long for a temporary file of its own is cut.
        let long = d.join("x".repeat(250));
        write_atomic(&long, b"long").unwrap();
        assert_eq!(fs::read(&long).unwrap(), b"long");
        fs::remove_dir_all(&d).unwrap();
    }

    #[cfg(unix)]
    fn symlink(target: impl AsRef<Path>, link: impl AsRef<Path>) {
        std::os::unix::fs::symlink(target, link).unwrap();
    }

    #[cfg(unix)]
    fn is_link(p: &Path) -> bool {
        fs::symlink_metadata(p).unwrap().file_type().is_symlink()
    }

    #[cfg(unix)]
    #[test]
    fn links_are_written_through() {
        let d = tmpdir("links");
        fs::create_dir_all(d.join("a")).unwrap();
        fs::create_dir_all(d.join("b/real")).unwrap();
        // out.j -> a/l1 (relative) -> ../b/l2 (relative, into another directory)
        //   -> real/out.j (relative to b), an existing file.
        symlink("a/l1", d.join("out.j"));
        symlink("../b/l2", d.join("a/l1"));
        symlink("real/out.j", d.join("b/l2"));
        fs::write(d.join("b/real/out.j"), b"old").unwrap();
        write_atomic(&d.join("out.j"), b"new").unwrap();
        assert_eq!(fs::read(d.join("b/real/out.j")).unwrap(), b"new");
        for l in ["out.j", "a/l1", "b/l2"] {
            assert!(is_link(&d.join(l)), "{l} is no longer a link");
        }
        // No temporary file anywhere.
        for dir in ["", "a", "b", "b/real"] {
            let names: Vec<_> = fs::read_dir(d.join(dir))
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert!(!names.iter().any(|n| is_temp_name(n)), "{dir}: {names:?}");
        }
        // A dangling link creates its target, and stays a link.
        symlink("b/real/new.j", d.join("dangling.j"));
        write_atomic_with(&d.join("dangling.j"), OutputKind::Text, |w| {
            w.write_all(b"t")
        })
        .unwrap();
        assert_eq!(fs::read(d.join("b/real/new.j")).unwrap(), b"t");
        assert!(is_link(&d.join("dangling.j")));
        // An absolute link.
        symlink(d.join("b/real/out.j"), d.join("abs.j"));
        write_atomic(&d.join("abs.j"), b"abs").unwrap();
        assert_eq!(fs::read(d.join("b/real/out.j")).unwrap(), b"abs");
        assert!(is_link(&d.join("abs.j")));
        fs::remove_dir_all(&d).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn failures_through_links_name_the_target() {
        let d = tmpdir("link-fail");
        // Into a directory no one can write to (even root cannot create files in /proc).
        symlink("/proc/tdf-core-no-such.j", d.join("ro.j"));
        let e = write_atomic(&d.join("ro.j"), b"x").unwrap_err();
        match &e {
            WriteError::Through { target, error } => {
                assert_eq!(target, Path::new("/proc/tdf-core-no-such.j"));
                assert!(matches!(**error, WriteError::Create(_)), "{e:?}");
            }
            other => panic!("{other:?}"),
        }
        let diag = e.diagnostic("ro.j");
        assert_eq!(diag.kind.name(), "cannot_write_through_link");
        assert!(diag.kind.message().contains("'/proc/tdf-core-no-such.j'"));
        assert!(is_link(&d.join("ro.j")));
        // A loop of links.
        symlink("loop2", d.join("loop1"));
        symlink("loop1", d.join("loop2"));
        let e = write_atomic(&d.join("loop1"), b"x").unwrap_err();
        assert_eq!(
            e.diagnostic("loop1").kind.name(),
            "cannot_write_through_link"
        );
        assert!(is_link(&d.join("loop1")) && is_link(&d.join("loop2")));
        // A link to a directory.
        fs::create_dir(d.join("sub")).unwrap();
        symlink("sub", d.join("dir.j"));
        let e = write_atomic(&d.join("dir.j"), b"x").unwrap_err();
        assert!(e
            .diagnostic("dir.j")
            .kind
            .message()
            .contains("is a directory"));
        assert_eq!(fs::read_dir(d.join("sub")).unwrap().count(), 0);
        fs::remove_dir_all(&d).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn members_replace_links() {
        let d = tmpdir("member-links");
        fs::write(d.join("outside.j"), b"outside").unwrap();
        symlink(d.join("outside.j"), d.join("m.j"));
        write_atomic_with(&d.join("m.j"), OutputKind::Member, |w| w.write_all(b"m")).unwrap();
        assert_eq!(fs::read(d.join("outside.j")).unwrap(), b"outside");
        assert!(!is_link(&d.join("m.j")));
        assert_eq!(fs::read(d.join("m.j")).unwrap(), b"m");
        // For a member, "-" is a file name.
        write_atomic_with(&d.join("-"), OutputKind::Member, |w| w.write_all(b"-")).unwrap();
        assert_eq!(fs::read(d.join("-")).unwrap(), b"-");
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn special_files_are_written_in_place() {
        // /dev/null stays a device; /dev/full reports the write error.
        write_atomic(Path::new("/dev/null"), b"x").unwrap();
        assert!(!fs::metadata("/dev/null").unwrap().is_file());
        if Path::new("/dev/full").exists() {
            let e = write_atomic(Path::new("/dev/full"), &[0; 70_000]).unwrap_err();
            assert!(matches!(e, WriteError::Write(_)), "{e:?}");
            assert!(!fs::metadata("/dev/full").unwrap().is_file());
        }
    }

    #[cfg(unix)]
    #[test]
    fn fifos_are_written_in_place() {
        let d = tmpdir("fifo");
        let fifo = d.join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            panic!("mkfifo is needed for this test");
        }
        symlink("fifo", d.join("link.j"));
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || fs::read(fifo).unwrap())
        };
        write_atomic(&d.join("link.j"), &[5; 200_000]).unwrap();
        assert_eq!(reader.join().unwrap(), vec![5; 200_000]);
        use std::os::unix::fs::FileTypeExt;
        assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
        assert!(is_link(&d.join("link.j")));
        assert_eq!(fs::read_dir(&d).unwrap().count(), 2);
        fs::remove_dir_all(&d).unwrap();
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn descriptors_of_proc_are_this_process_streams() {
        // Resolved only: writing would go to the test's own standard output.
        let d = tmpdir("proc");
        let cases = [
            ("/proc/self/fd/1", "Stdout"),
            ("/dev/fd/1", "Stdout"),
            ("/proc/thread-self/fd/1", "Stdout"),
            ("/proc/self/fd/2", "Stderr"),
            ("/proc/self/fd/0", "InPlace"),
        ];
        for (i, (target, want)) in cases.iter().enumerate() {
            if !Path::new(target).exists() {
                continue;
            }
            let link = d.join(format!("l{i}"));
            symlink(target, &link);
            let (dest, through) = resolve(&link, OutputKind::Text).unwrap();
            assert!(format!("{dest:?}").starts_with(want), "{target}: {dest:?}");
            assert!(through.is_some());
        }
        let (dest, through) = resolve(Path::new("-"), OutputKind::Binary).unwrap();
        assert!(matches!(dest, Dest::Stdout) && through.is_none());
        fs::remove_dir_all(&d).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn binary_output_to_a_terminal_is_refused() {
        // Opening /dev/ptmx makes a new pseudo-terminal: a terminal nobody reads.
        if fs::File::open("/dev/ptmx").is_err() {
            return;
        }
        let e = write_atomic(Path::new("/dev/ptmx"), b"x").unwrap_err();
        assert!(matches!(e, WriteError::Terminal), "{e:?}");
        assert_eq!(
            e.diagnostic("/dev/ptmx").kind,
            Kind::binary_output_to_terminal("/dev/ptmx")
        );
        let d = tmpdir("tty");
        symlink("/dev/ptmx", d.join("tty.j"));
        let e = write_atomic(&d.join("tty.j"), b"x").unwrap_err();
        assert_eq!(
            e.diagnostic("tty.j").kind.name(),
            "binary_output_to_terminal"
        );
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn response_files() {
        let d = tmpdir("rsp");
        let inner = d.join("inner");
        fs::write(&inner, "c 'd e'").unwrap();
        let outer = d.join("outer");
        fs::write(
            &outer,
            format!("a \"b b\"\n  @{}  x\\ y\n", inner.display()),
        )
        .unwrap();
        let args = vec![
            OsString::from("-o"),
            OsString::from(format!("@{}", outer.display())),
        ];
        let got = expand_response_files(args).unwrap();
        assert_eq!(
            got,
            ["-o", "a", "b b", "c", "d e", "x y"].map(OsString::from)
        );
        let e = expand_response_files([OsString::from("@/no/such/file")]).unwrap_err();
        assert_eq!(e.kind.name(), "cannot_open_response_file");
        // A response file that names itself stops at the depth limit.
        let rec = d.join("rec");
        fs::write(&rec, format!("@{}", rec.display())).unwrap();
        assert!(expand_response_files([OsString::from(format!("@{}", rec.display()))]).is_err());
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn input_errors() {
        let e = read_input(Path::new("/no/such/file"), "f").unwrap_err();
        assert_eq!(e.kind.name(), "cannot_open_input_file");
        let e = read_input(Path::new("/"), "/").unwrap_err();
        assert_eq!(e.kind, Kind::read_error("/", "is a directory"));
    }

    #[test]
    fn reasons_are_lower_case() {
        let e = io::Error::from(io::ErrorKind::NotFound);
        let r = io_reason(&fs::read("/no/such/file").unwrap_err());
        assert_eq!(r, "no such file or directory");
        assert!(!io_reason(&e).is_empty());
    }

    /// The entries of `d` whose names are temporary (`.NAME.tdf-tmp.PID.RAND`).
    fn temporaries(d: &Path) -> Vec<OsString> {
        fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| is_temp_name(n))
            .collect()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn staging_directory_is_put_in_place_whole_or_not_at_all() {
        use std::os::unix::fs::PermissionsExt;
        let d = tmpdir("staging");
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        fs::create_dir(d.join("plain")).unwrap();

        // Built under a temporary name, open to its owner only; then in place, with the
        // permissions of a directory created as usual.
        let target = d.join("out");
        let s = StagingDir::create(&target).unwrap().expect("staged");
        assert!(is_temp_name(s.path().file_name().unwrap()));
        assert_eq!(mode(s.path()), 0o700);
        fs::create_dir(s.path().join("sub")).unwrap();
        fs::write(s.path().join("sub/a.j"), b"a").unwrap();
        assert!(!target.exists());
        s.commit().unwrap();
        assert_eq!(fs::read(target.join("sub/a.j")).unwrap(), b"a");
        assert_eq!(mode(&target), mode(&d.join("plain")));
        assert!(temporaries(&d).is_empty());

        // Something at the target (a directory, a dangling link): not staged.
        assert!(StagingDir::create(&target).unwrap().is_none());
        std::os::unix::fs::symlink("nowhere", d.join("dangling")).unwrap();
        assert!(StagingDir::create(&d.join("dangling")).unwrap().is_none());

        // Dropped unfinished: nothing stays.
        let s = StagingDir::create(&d.join("dropped")).unwrap().unwrap();
        fs::write(s.path().join("half.j"), b"half").unwrap();
        drop(s);
        assert!(!d.join("dropped").exists());
        assert!(temporaries(&d).is_empty());

        // Something appeared at the target meanwhile: it stays as it was, and the
        // temporary directory goes.
        let s = StagingDir::create(&d.join("raced")).unwrap().unwrap();
        fs::write(s.path().join("ours.j"), b"ours").unwrap();
        fs::create_dir(d.join("raced")).unwrap();
        fs::write(d.join("raced/theirs.j"), b"theirs").unwrap();
        let e = s.commit().unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        let names: Vec<_> = fs::read_dir(d.join("raced"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["theirs.j"]);
        assert!(temporaries(&d).is_empty());
    }
}
