//! File handling shared by every tool: reading inputs whole, writing outputs atomically,
//! and expanding `@FILE` response files on the command line.
//!
//! Outputs are never written in place. [`write_atomic`] writes to a temporary file in the
//! target's directory, flushes it to disk, and renames it over the target only when all
//! went well; on any failure the temporary file is removed and an existing target is left
//! byte-for-byte as it was. [`write_atomic_with`] is the same helper for a caller that
//! produces the contents as it writes them, and that may skip the flush to disk.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tdf_errors::{Diagnostic, Kind};

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

/// A system error as a lower-case phrase without the "(os error N)" suffix.
pub fn io_reason(e: &io::Error) -> String {
    let s = e.to_string();
    let s = match s.find(" (os error") {
        Some(i) => s[..i].to_owned(),
        None => s,
    };
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => s,
    }
}

/// How an atomic write failed.
#[derive(Debug)]
pub enum WriteError {
    /// The temporary file could not be created (directory missing, not writable, ...).
    Create(io::Error),
    /// Writing or flushing the data failed (disk full, ...).
    Write(io::Error),
    /// The final rename failed (the target is a directory, ...).
    Rename(io::Error),
}

impl WriteError {
    /// The catalogue diagnostic for this failure on `shown`.
    pub fn diagnostic(&self, shown: &str) -> Diagnostic {
        match self {
            WriteError::Create(e) => {
                Diagnostic::new(Kind::cannot_open_output_file(shown, io_reason(e)))
            }
            WriteError::Write(e) | WriteError::Rename(e) => {
                Diagnostic::new(Kind::cannot_write_output(shown, io_reason(e)))
            }
        }
    }
}

/// Whether an atomic write waits for the data to reach the disk before the rename.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// `fsync` the temporary file before renaming it: after a system crash the target
    /// holds either the old or the new contents. For the one output of a link or build.
    Synced,
    /// No `fsync` (as `tar` and `ar` do): the rename still makes the file appear whole
    /// to every reader, but a system crash soon after may leave it empty. For extracting
    /// many files, where a flush per file would cost more than all the rest.
    Unsynced,
}

/// Writes `bytes` to `path` atomically: temporary file in the same directory, `fsync`,
/// rename. On failure nothing is left behind and an existing `path` is unchanged.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_atomic_with(path, Durability::Synced, |w| w.write_all(bytes))
}

/// Writes to `path` atomically what `fill` writes, through a buffer, with the given
/// durability: temporary file in the same directory, (`fsync`,) rename. On failure,
/// including a failure of `fill`, nothing is left behind and an existing `path` is
/// unchanged. A device or pipe (`/dev/null`, a FIFO) is written in place.
pub fn write_atomic_with(
    path: &Path,
    durability: Durability,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), WriteError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    match fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(WriteError::Rename(io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory",
            )));
        }
        // A device or a pipe (`/dev/null`, `/dev/stdout`, a FIFO) is written in place:
        // renaming over it would replace the device node with a file.
        Ok(m) if !m.is_file() => return write_special(path, fill),
        _ => {}
    }
    let base = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let (tmp, file) = create_temp(&dir, &base).map_err(WriteError::Create)?;
    let mut out = BufWriter::with_capacity(BUFFER, file);
    let result = fill(&mut out)
        .and_then(|_| out.flush())
        .and_then(|_| match durability {
            Durability::Synced => out.get_ref().sync_all(),
            Durability::Unsynced => Ok(()),
        })
        .map_err(WriteError::Write)
        .and_then(|_| {
            drop(out);
            fs::rename(&tmp, path).map_err(WriteError::Rename)
        });
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// The write buffer of an output file.
const BUFFER: usize = 64 * 1024;

/// Writes to an existing special file (device, FIFO) directly.
fn write_special(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), WriteError> {
    let f = fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(WriteError::Create)?;
    let mut out = BufWriter::with_capacity(BUFFER, f);
    fill(&mut out)
        .and_then(|_| out.flush())
        .map_err(WriteError::Write)
}

/// Creates a new, exclusive temporary file `.NAME.tmpXXXX` in `dir`.
fn create_temp(dir: &Path, base: &str) -> io::Result<(PathBuf, File)> {
    // `process::id` is a system call; an extraction makes thousands of files.
    static PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    let pid = *PID.get_or_init(std::process::id);
    let mut last = None;
    for attempt in 0..64u32 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(".{base}.tmp{pid}.{nanos:x}.{attempt}");
        let p = dir.join(name);
        match fs::OpenOptions::new().write(true).create_new(true).open(&p) {
            Ok(f) => return Ok((p, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("cannot create a temporary file")))
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

    #[test]
    fn streamed_and_unsynced_writes() {
        let d = tmpdir("streamed");
        let p = d.join("out.j");
        write_atomic(&p, b"old").unwrap();
        for durability in [Durability::Synced, Durability::Unsynced] {
            write_atomic_with(&p, durability, |w| {
                for i in 0..100_000u32 {
                    w.write_all(&i.to_le_bytes())?;
                }
                Ok(())
            })
            .unwrap();
            assert_eq!(fs::read(&p).unwrap().len(), 400_000);
        }
        // A failure of the producer: the target keeps its contents, no temporary file.
        write_atomic(&p, b"old").unwrap();
        let e = write_atomic_with(&p, Durability::Unsynced, |w| {
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
}
