//! Large inputs mapped into memory instead of read, and guarded against files that
//! change while they are mapped.
//!
//! Reading a file copies it into fresh memory, and every fresh page costs a page fault
//! (about 2–3 µs each on the machines measured, so 6–8 ms for a 10 MB library, six times
//! what `cat` needs to read it). A read-only private mapping of a regular file shares the
//! pages the kernel already holds in its cache instead: 0.6 ms for the same library.
//! [`read_mapped`] therefore maps regular files of at least [`MAP_THRESHOLD`] bytes (on
//! Linux) and reads everything else (small files, pipes, devices) as
//! [`crate::fsutil::read_input`] does, with the same diagnostics. Either way the result
//! is one buffer per file, which names and members borrow from for the whole run.
//!
//! The risk of a mapping: a file truncated by another process while it is mapped makes
//! the next access to a page past its new end fail with `SIGBUS`, which would end the
//! run with a crash. Every mapping is therefore registered with a guard: a `SIGBUS`
//! handler that, for an address inside a registered mapping, replaces the whole mapping
//! with zero-filled memory (so that the access, repeated, reads zeros), records that
//! the file changed, and returns. Reading goes on over zeros, which at worst produce
//! errors of their own; the tools never write an output once an input changed (the
//! writers check [`any_changed`] before an output is put in place), and report each
//! such file with the catalogue's `input_changed` ([`report_changed`]), exit status 1.
//! A `SIGBUS` for any other address is left to the system, as before. Reading into
//! memory instead, even into transparent huge pages (no per-page faults), took 2.5
//! times as long as mapping, with stalls of up to 200 ms when the kernel had to compact
//! memory for them (DESIGN.md, "Performance").

use std::fs::File;
use std::io::Read;
use std::ops::Deref;
use std::path::Path;

use tdf_errors::{Diagnostic, Kind, LimitReached, Reporter};

use crate::diag::io_reason;

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
    #[cfg(target_os = "linux")]
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
            #[cfg(target_os = "linux")]
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

    /// True when the file was mapped and changed (was cut short) while mapped: its
    /// bytes have become zeros from some point of the run on.
    pub fn changed(&self) -> bool {
        match &self.inner {
            Inner::Owned(_) => false,
            #[cfg(target_os = "linux")]
            Inner::Mapped(m) => guard::changed(m.slot),
        }
    }
}

impl Deref for InputBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.inner {
            Inner::Owned(v) => v,
            #[cfg(target_os = "linux")]
            Inner::Mapped(m) => m.bytes(),
        }
    }
}

/// True when some input changed while it was mapped (see the module documentation):
/// no output may be put in place then.
pub fn any_changed() -> bool {
    #[cfg(target_os = "linux")]
    return guard::any_changed();
    #[cfg(not(target_os = "linux"))]
    false
}

/// For the writers of outputs, after the output's bytes: an error when some input
/// changed while it was mapped, so that the output is not put in place (the changed
/// inputs are reported by [`report_changed`], not as a write error).
pub fn unchanged() -> std::io::Result<()> {
    if any_changed() {
        return Err(std::io::Error::other(
            "an input changed while it was being read",
        ));
    }
    Ok(())
}

/// Reports every input that changed while it was mapped (`input_changed`, naming the
/// file as it was opened), once each; the tools call this before they exit.
pub fn report_changed(rep: &mut Reporter) -> Result<(), LimitReached> {
    #[cfg(target_os = "linux")]
    for file in guard::take_changed() {
        rep.report(Diagnostic::new(Kind::input_changed()).with_file(file))?;
    }
    #[cfg(not(target_os = "linux"))]
    let _ = rep;
    Ok(())
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
    #[cfg(target_os = "linux")]
    if let Some(m) = &meta {
        if m.is_file() && m.len() >= MAP_THRESHOLD {
            if let Some(mapping) = Mapping::new(&file, m.len(), path) {
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

/// A read-only private mapping of a whole file, registered with the guard.
#[cfg(target_os = "linux")]
struct Mapping {
    ptr: *const u8,
    len: usize,
    /// Its place in the guard's registry.
    slot: usize,
}

// SAFETY: the mapping is read-only and owned by this value: sharing or sending it
// between threads is sharing or sending a `&[u8]`.
#[cfg(target_os = "linux")]
unsafe impl Send for Mapping {}
#[cfg(target_os = "linux")]
unsafe impl Sync for Mapping {}

#[cfg(target_os = "linux")]
impl Mapping {
    /// Maps `len` bytes of `file` (opened from `path`); `None` when the system refuses
    /// or the guard has no room (the caller reads).
    fn new(file: &File, len: u64, path: &Path) -> Option<Mapping> {
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
                libc::MAP_PRIVATE | libc::MAP_POPULATE,
                file.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return None;
        }
        let Some(slot) = guard::register(ptr as usize, len, path) else {
            // SAFETY: unmaps the mapping just made, which nothing borrows.
            unsafe {
                libc::munmap(ptr, len);
            }
            return None;
        };
        Some(Mapping {
            ptr: ptr as *const u8,
            len,
            slot,
        })
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: `ptr` maps `len` readable bytes until `drop` (the file's pages, or
        // zeros once the guard replaced them); the mapping is private and read-only,
        // so no one writes through it.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

#[cfg(target_os = "linux")]
impl Drop for Mapping {
    fn drop(&mut self) {
        guard::unregister(self.slot);
        // SAFETY: unmaps exactly the mapping made in `new` (or the zeros the guard put
        // in its place), once; no borrow of it outlives `self` (`bytes` borrows `self`).
        unsafe {
            libc::munmap(self.ptr as *mut libc::c_void, self.len);
        }
    }
}

/// The `SIGBUS` guard of the mappings (see the module documentation).
///
/// The registry is a fixed array of slots, so that the signal handler reads nothing
/// but atomics: a slot's start address is 0 when free, [`RESERVED`] while being filled
/// or emptied. The names of the files are kept outside, under a lock the handler never
/// takes.
#[cfg(target_os = "linux")]
mod guard {
    use std::path::Path;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Mutex, Once};

    /// Mappings registered at once at most; more inputs are read instead.
    const SLOTS: usize = 1024;
    /// A start address no mapping has: the slot is being filled or emptied.
    const RESERVED: usize = usize::MAX;

    struct Slot {
        start: AtomicUsize,
        len: AtomicUsize,
        changed: AtomicBool,
    }

    #[allow(clippy::declare_interior_mutable_const)]
    const FREE: Slot = Slot {
        start: AtomicUsize::new(0),
        len: AtomicUsize::new(0),
        changed: AtomicBool::new(false),
    };

    static REGISTRY: [Slot; SLOTS] = [FREE; SLOTS];
    /// Some mapping was replaced by zeros.
    static ANY: AtomicBool = AtomicBool::new(false);
    static INSTALL: Once = Once::new();

    /// Per slot, the file's name; and the names of changed files already unmapped.
    struct Names {
        live: Vec<Option<String>>,
        changed: Vec<String>,
    }

    static NAMES: Mutex<Names> = Mutex::new(Names {
        live: Vec::new(),
        changed: Vec::new(),
    });

    fn names() -> std::sync::MutexGuard<'static, Names> {
        NAMES.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers the mapping of `len` bytes at `start` of the file `path`; `None` when
    /// every slot is taken.
    pub(super) fn register(start: usize, len: usize, path: &Path) -> Option<usize> {
        INSTALL.call_once(install);
        let slot = REGISTRY.iter().position(|s| {
            s.start
                .compare_exchange(0, RESERVED, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        })?;
        {
            let mut n = names();
            if n.live.len() <= slot {
                n.live.resize(slot + 1, None);
            }
            n.live[slot] = Some(path.to_string_lossy().into_owned());
        }
        let s = &REGISTRY[slot];
        s.changed.store(false, Ordering::Release);
        s.len.store(len, Ordering::Release);
        s.start.store(start, Ordering::Release);
        Some(slot)
    }

    /// Forgets the mapping of `slot` (before it is unmapped), keeping the file's name
    /// if it changed.
    pub(super) fn unregister(slot: usize) {
        let s = &REGISTRY[slot];
        s.start.store(RESERVED, Ordering::Release);
        let mut n = names();
        let name = n.live.get_mut(slot).and_then(Option::take);
        if s.changed.load(Ordering::Acquire) {
            if let Some(name) = name {
                n.changed.push(name);
            }
        }
        s.start.store(0, Ordering::Release);
    }

    pub(super) fn changed(slot: usize) -> bool {
        REGISTRY[slot].changed.load(Ordering::Acquire)
    }

    pub(super) fn any_changed() -> bool {
        ANY.load(Ordering::Acquire)
    }

    /// The names of the files that changed, each once (the list is emptied).
    pub(super) fn take_changed() -> Vec<String> {
        let mut n = names();
        let mut out = std::mem::take(&mut n.changed);
        for (slot, s) in REGISTRY.iter().enumerate().take(n.live.len()) {
            if s.changed.swap(false, Ordering::AcqRel) {
                if let Some(name) = &n.live[slot] {
                    out.push(name.clone());
                }
            }
        }
        out
    }

    fn install() {
        // SAFETY: installs a handler for SIGBUS with its information (SA_SIGINFO); the
        // handler only reads atomics and calls `mmap` and `sigaction`, which are
        // system calls.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigbus as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
        }
    }

    /// The `SIGBUS` handler: for an address inside a registered mapping, the mapping's
    /// pages become zeros (the faulting access is then repeated and succeeds) and the
    /// file is marked as changed; any other `SIGBUS` gets the system's default action
    /// again, which the repeated access then meets.
    extern "C" fn on_sigbus(_: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
        // SAFETY: the kernel passes the signal's information for an SA_SIGINFO
        // handler; for SIGBUS it has the faulting address.
        let addr = unsafe { (*info).si_addr() } as usize;
        for s in &REGISTRY {
            let start = s.start.load(Ordering::Acquire);
            if start == 0 || start == RESERVED {
                continue;
            }
            let len = s.len.load(Ordering::Acquire);
            if addr < start || addr - start >= len {
                continue;
            }
            // SAFETY: replaces exactly the registered mapping, which this process
            // made read-only and private, by zero-filled pages at the same address.
            let zeros = unsafe {
                libc::mmap(
                    start as *mut libc::c_void,
                    len,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                    -1,
                    0,
                )
            };
            if zeros != libc::MAP_FAILED {
                s.changed.store(true, Ordering::Release);
                ANY.store(true, Ordering::Release);
                return;
            }
            break;
        }
        // Not ours (or it could not be repaired): the default action.
        // SAFETY: resets the disposition of SIGBUS; returning repeats the access.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = libc::SIG_DFL;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
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
        #[cfg(target_os = "linux")]
        assert!(format!("{l:?}").contains("mapped"));
        #[cfg(unix)]
        {
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

    /// A mapped file cut short by someone else: reading past its new end gives zeros
    /// instead of a crash, the file is reported as changed (`input_changed`), once, and
    /// a file that did not change is not.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_cut_short_while_mapped_reads_as_zeros_and_is_reported() {
        let dir = std::env::temp_dir().join(format!("tdf-cut-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cut = dir.join("cut.tl");
        let kept = dir.join("kept.tl");
        let big: Vec<u8> = (0..3 * MAP_THRESHOLD as usize)
            .map(|i| 1 + i as u8 % 200)
            .collect();
        std::fs::write(&cut, &big).unwrap();
        std::fs::write(&kept, &big).unwrap();
        let a = read_mapped(&cut, "cut.tl").unwrap();
        let b = read_mapped(&kept, "kept.tl").unwrap();
        assert!(!a.changed() && !any_changed());
        std::fs::OpenOptions::new()
            .write(true)
            .open(&cut)
            .unwrap()
            .set_len(4096)
            .unwrap();
        // The last byte is past the new end: without the guard, SIGBUS.
        let last = a.len() - 1;
        assert_eq!(std::hint::black_box(&a[..])[last], 0);
        assert!(a.iter().all(|&x| x == 0), "the whole mapping is zeros now");
        assert!(a.changed() && any_changed());
        assert!(!b.changed());
        assert_eq!(&b[..], &big[..]);
        drop(a);
        let mut rep = Reporter::with_writer("t", Box::new(std::io::sink()));
        report_changed(&mut rep).unwrap();
        let found: Vec<_> = rep.diagnostics().iter().map(|d| d.kind.name()).collect();
        assert_eq!(found, ["input_changed"]);
        assert!(rep.diagnostics()[0].to_string().contains("cut.tl"));
        // Once only.
        let mut rep = Reporter::with_writer("t", Box::new(std::io::sink()));
        report_changed(&mut rep).unwrap();
        assert!(rep.diagnostics().is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
