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

/// Keeps freed memory for reuse (`tdf_core::process`); the library modes `-mt` and `-mx`
/// (the mode word comes first) keep blocks up to 4 MiB in the heap too. A link would
/// keep the old copies of its growing tables so (204 MB for 200,000 capsules, over the
/// limit).
#[cfg(all(unix, not(test)))]
fn keep_freed_memory() {
    let listing = matches!(
        std::env::args_os()
            .nth(1)
            .as_deref()
            .and_then(|w| w.to_str()),
        Some("-mt" | "-mx")
    );
    tdf_core::process::keep_freed_memory(listing);
}

#[cfg(any(not(unix), test))]
fn main() {
    std::process::exit(tld());
}
