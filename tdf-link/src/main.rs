//! `tld`: the TDF linker. All the work is in the `tdf_link` library.
//!
//! `tcc` runs `tld` once for every program it links, so its start-up counts: on Unix the
//! binary brings its own C `main` instead of the Rust runtime's. That runtime's
//! start-up reads `/proc/self/maps` to locate the main thread's stack guard and installs
//! a stack-overflow handler on an alternate signal stack (about 100,000 instructions and
//! seven system calls, a tenth of a small link); `tld` recurses nowhere, so it does
//! without them. It also keeps freed memory for reuse (`keep_freed_memory`). What the
//! runtime does that matters here is done below: `SIGPIPE` is
//! ignored (a closed pipe is a write error, reported quietly by the listings), and
//! standard output is flushed before exit (`std::process::exit` does it). The arguments
//! come from `std::env::args_os`, which the standard library captures at start-up on
//! its own.

// Test builds of this file get the test harness's `main`.
#![cfg_attr(all(unix, not(test)), no_main)]

/// Runs `tld` and returns its exit status.
fn tld() -> i32 {
    let mut rep = tdf_errors::Reporter::new("tld");
    tdf_link::run(
        std::env::args_os().skip(1).collect(),
        &mut std::io::stdout().lock(),
        &mut rep,
    )
}

/// The C entry point (see the module documentation).
#[cfg(all(unix, not(test)))]
#[no_mangle]
pub extern "C" fn main(_argc: libc::c_int, _argv: *const *const libc::c_char) -> libc::c_int {
    // SAFETY: setting the disposition of SIGPIPE, as the Rust runtime does before
    // `main`; no other thread exists yet.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    keep_freed_memory();
    std::process::exit(tld())
}

/// Large blocks come from the heap and go back to it, not to the system (glibc maps
/// blocks of 128 KiB and more separately and unmaps them when freed). Every fresh page
/// costs a page fault, a few microseconds on the machines measured, and a large link
/// frees big blocks (a library's index model) before it allocates others (its tables):
/// reused, they cost nothing again. A fifth fewer page faults for a link against a
/// library of 20,000 capsules; the process is short-lived, so nothing is given back
/// before it ends anyway.
#[cfg(all(unix, not(test)))]
fn keep_freed_memory() {
    #[cfg(target_env = "gnu")]
    // SAFETY: `mallopt` sets allocator parameters; no allocation is in progress.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 30);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
    }
}

#[cfg(any(not(unix), test))]
fn main() {
    std::process::exit(tld());
}
