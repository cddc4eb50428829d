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

/// Freed memory at the top of the heap is kept, not given back to the system: every
/// fresh page costs a page fault, a few microseconds on the machines measured, and the
/// process is short-lived, so nothing given back would be used by anyone before it
/// ends. Setting the trim threshold also fixes glibc's threshold for mapping blocks
/// separately at 128 KiB (it no longer grows as blocks are freed): large tables then
/// grow by `mremap`, without a copy, and a freed one goes back at once. Keeping those in
/// the heap too (a 1 GiB mapping threshold, tried) left the old copy of every grown
/// table in the heap: 210 MB against 197 MB of peak memory for the link of 200,000
/// capsules (the limit is 199 MB), for 3–5% of a link against a library of 20,000
/// capsules (`paired`, 30 rounds, twice: medians 60.5 and 66.6 ms with the heap against
/// 62.3 and 70.1 ms without; TenDRA's `tld` 3.15 s on the same link).
///
/// The library modes `-mt` and `-mx` (the mode word comes first) are the exception:
/// they free the tables of the index check before they print or extract, and the blocks
/// they allocate then reuse those pages if blocks up to 4 MiB stay in the heap: 1,272
/// page faults instead of 1,440 for `tld -mt -i -s` of a 20,000-member library, and
/// medians of 9.62 and 9.25 ms against 10.14 and 9.68 ms (`paired`, 60 rounds, twice;
/// TenDRA's `tld -mt -i -s` 391 ms on the same library). A link would keep the old
/// copies of its growing tables so (204 MB for 200,000 capsules, over the limit).
#[cfg(all(unix, not(test)))]
fn keep_freed_memory() {
    let listing = matches!(
        std::env::args_os()
            .nth(1)
            .as_deref()
            .and_then(|w| w.to_str()),
        Some("-mt" | "-mx")
    );
    #[cfg(target_env = "gnu")]
    // SAFETY: `mallopt` sets allocator parameters; no allocation is in progress.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
        if listing {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
        }
    }
    #[cfg(not(target_env = "gnu"))]
    let _ = listing;
}

#[cfg(any(not(unix), test))]
fn main() {
    std::process::exit(tld());
}
