//! Large inputs mapped into memory instead of read.
//!
//! Reading a file copies it into fresh memory, and every fresh page costs a page fault
//! (about 2–3 µs each on the machines measured, so 6–8 ms for a 10 MB library, six times
//! what `cat` needs to read it). A read-only private mapping of a regular file shares the
//! pages the kernel already holds in its cache instead: 0.6 ms for the same library.
//! [`read_mapped`] therefore maps regular files of at least [`MAP_THRESHOLD`] bytes and
//! reads everything else (small files, pipes, devices) as [`crate::fsutil::read_input`]
//! does, with the same diagnostics. Either way the result is one buffer per file, which
//! names and members borrow from for the whole run.
//!
//! The cost of a mapping, as for `lld` and `mold`, which map their inputs too: a file
//! truncated by another process while it is mapped makes the next access to a lost page
//! fail with `SIGBUS`, ending the run. Nothing is lost then (outputs are only renamed
//! into place at the very end), and a file changed in place while being read gives
//! inconsistent input with a plain read as well.

use std::fs::File;
use std::io::Read;
use std::ops::Deref;
use std::path::Path;

use tdf_errors::{Diagnostic, Kind};

use crate::fsutil::io_reason;

/// Files at least this large are mapped (smaller ones cost less to read than to map).
pub const MAP_THRESHOLD: u64 = 256 * 1024;

/// The contents of an input file: read into memory, or mapped. As small as a `Vec`
/// (a run may hold hundreds of thousands of inputs).
pub struct InputBytes {
    inner: Inner,
}

enum Inner {
    Owned(Vec<u8>),
    /// Boxed, to keep the value small: mapped files are few and large.
    #[cfg(unix)]
    Mapped(Box<Mapping>),
}

/// A file opened by [`open`]: its contents, and its device and inode when the system
/// gives them (two paths to one file are one input).
#[derive(Debug)]
pub struct Opened {
    pub bytes: InputBytes,
    pub identity: Option<(u64, u64)>,
}

impl std::fmt::Debug for InputBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.inner {
            Inner::Owned(_) => "read",
            #[cfg(unix)]
            Inner::Mapped(_) => "mapped",
        };
        write!(f, "InputBytes({kind}, {} bytes)", self.len())
    }
}

impl InputBytes {
    /// Bytes already in memory.
    pub fn owned(data: Vec<u8>) -> Self {
        InputBytes {
            inner: Inner::Owned(data),
        }
    }
}

impl Deref for InputBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.inner {
            Inner::Owned(v) => v,
            #[cfg(unix)]
            Inner::Mapped(m) => m.bytes(),
        }
    }
}

/// Reads or maps a whole input file. The errors are those of
/// [`crate::fsutil::read_input`]: `cannot_open_input_file` when it cannot be opened,
/// `read_error` when reading fails (a directory, an I/O error), naming `shown`.
pub fn read_mapped(path: &Path, shown: &str) -> Result<InputBytes, Box<Diagnostic>> {
    open(path).map(|o| o.bytes).map_err(|e| {
        let kind = match e {
            Failure::Open(e) => Kind::cannot_open_input_file(shown, io_reason(&e)),
            Failure::Read(e) => Kind::read_error(shown, io_reason(&e)),
        };
        Box::new(Diagnostic::new(kind))
    })
}

/// Why [`open`] failed.
#[derive(Debug)]
pub enum Failure {
    /// The file could not be opened.
    Open(std::io::Error),
    /// It was opened, but could not be read (a directory, an I/O error).
    Read(std::io::Error),
}

impl Failure {
    /// The system error.
    pub fn error(&self) -> &std::io::Error {
        match self {
            Failure::Open(e) | Failure::Read(e) => e,
        }
    }
}

/// Reads or maps a whole file (see the module documentation).
pub fn open(path: &Path) -> Result<Opened, Failure> {
    let mut file = File::open(path).map_err(Failure::Open)?;
    let meta = file.metadata().ok();
    let identity = meta.as_ref().and_then(identity_of);
    #[cfg(unix)]
    if let Some(m) = &meta {
        if m.is_file() && m.len() >= MAP_THRESHOLD {
            if let Some(mapping) = Mapping::new(&file, m.len()) {
                return Ok(Opened {
                    bytes: InputBytes {
                        inner: Inner::Mapped(Box::new(mapping)),
                    },
                    identity,
                });
            }
        }
    }
    let size = meta.map_or(0, |m| m.len() as usize);
    let data = read_all(&mut file, size).map_err(Failure::Read)?;
    Ok(Opened {
        bytes: InputBytes::owned(data),
        identity,
    })
}

/// Reads `file` to its end, `size` bytes expected: one read for the bytes and one that
/// finds the end, into a buffer one byte larger (`read_to_end` would ask for the size
/// and the position again).
fn read_all(file: &mut File, size: usize) -> std::io::Result<Vec<u8>> {
    let mut data = vec![0; size + 1];
    let mut filled = 0;
    loop {
        if filled == data.len() {
            data.resize(2 * data.len(), 0);
        }
        match file.read(&mut data[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    data.truncate(filled);
    Ok(data)
}

#[cfg(unix)]
fn identity_of(m: &std::fs::Metadata) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    Some((m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn identity_of(_: &std::fs::Metadata) -> Option<(u64, u64)> {
    None
}

/// A read-only private mapping of a whole file.
#[cfg(unix)]
struct Mapping {
    ptr: *const u8,
    len: usize,
}

// SAFETY: the mapping is read-only and owned by this value: sharing or sending it
// between threads is sharing or sending a `&[u8]`.
#[cfg(unix)]
unsafe impl Send for Mapping {}
#[cfg(unix)]
unsafe impl Sync for Mapping {}

#[cfg(unix)]
impl Mapping {
    /// Maps `len` bytes of `file`; `None` when the system refuses (the caller reads).
    fn new(file: &File, len: u64) -> Option<Mapping> {
        use std::os::unix::io::AsRawFd;
        let len = usize::try_from(len).ok()?;
        // SAFETY: a fresh read-only private mapping of an open file; the kernel checks
        // every argument. MAP_POPULATE maps the cached pages at once instead of one
        // fault at a time.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_PRIVATE | populate(),
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return None;
        }
        Some(Mapping {
            ptr: ptr as *const u8,
            len,
        })
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: `ptr` maps `len` readable bytes until `drop`; the mapping is private
        // and read-only, so no one writes through it (see the module documentation for
        // a file truncated by another process).
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn populate() -> libc::c_int {
    libc::MAP_POPULATE
}

#[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
fn populate() -> libc::c_int {
    0
}

#[cfg(unix)]
impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping made in `new`, once; no borrow of it
        // outlives `self` (`bytes` borrows `self`).
        unsafe {
            libc::munmap(self.ptr as *mut libc::c_void, self.len);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_and_large_files_read_the_same() {
        let dir = std::env::temp_dir().join(format!("tdf-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let small = dir.join("small");
        let large = dir.join("large");
        std::fs::write(&small, b"TDFC").unwrap();
        let big: Vec<u8> = (0..MAP_THRESHOLD as usize + 3).map(|i| i as u8).collect();
        std::fs::write(&large, &big).unwrap();
        let s = read_mapped(&small, "small").unwrap();
        assert_eq!(&*s, b"TDFC");
        let l = read_mapped(&large, "large").unwrap();
        assert_eq!(&*l, &big[..]);
        #[cfg(unix)]
        {
            assert!(format!("{l:?}").contains("mapped"));
            let id = |p: &Path| open(p).unwrap().identity;
            assert_eq!(id(&small), id(&small));
            assert!(id(&small).is_some());
            assert_ne!(id(&small), id(&large));
        }
        // No bigger than the vector it replaces.
        assert_eq!(
            std::mem::size_of::<InputBytes>(),
            std::mem::size_of::<Vec<u8>>()
        );
        let e = read_mapped(&dir.join("none"), "none").unwrap_err();
        assert_eq!(e.kind.name(), "cannot_open_input_file");
        let e = read_mapped(&dir, "dir").unwrap_err();
        assert_eq!(e.kind.name(), "read_error");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
