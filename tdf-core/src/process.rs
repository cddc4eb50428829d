//! Process-wide settings for the tools, which are short-lived: a run reads its inputs,
//! builds its tables, writes its output and ends.
//!
//! [`keep_freed_memory`]: freed memory at the top of the heap is kept, not given back
//! to the system. Every fresh page costs a page fault, a few microseconds on the
//! machines measured, and nothing given back would be used by anyone before the process
//! ends. Setting the trim threshold also fixes glibc's threshold for mapping blocks
//! separately at 128 KiB (it no longer grows as blocks are freed): large tables then
//! grow by `mremap`, without a copy, and a freed one goes back at once. Keeping those in
//! the heap too (a 1 GiB mapping threshold, tried) left the old copy of every grown
//! table in the heap: 210 MB against 197 MB of peak memory for the link of 200,000
//! capsules (the limit is 199 MB), for 3–5% of a link against a library of 20,000
//! capsules (`paired`, 30 rounds, twice: medians 60.5 and 66.6 ms with the heap against
//! 62.3 and 70.1 ms without; TenDRA's `tld` 3.15 s on the same link).
//!
//! Listing and extracting (`tshow`, and `tld -mt` and `-mx`) are the exception: they
//! free the tables of the index check before they print or extract, and the blocks they
//! allocate then reuse those pages if blocks up to 4 MiB stay in the heap: 1,272 page
//! faults instead of 1,440 for `tld -mt -i -s` of a 20,000-member library, and medians
//! of 9.62 and 9.25 ms against 10.14 and 9.68 ms (`paired`, 60 rounds, twice; TenDRA's
//! `tld -mt -i -s` 391 ms on the same library).

/// Keeps freed memory in the heap (see the module documentation); with
/// `blocks_in_heap`, blocks up to 4 MiB are allocated in the heap too. Call it first
/// thing in `main`, before any allocation that matters. Only glibc is tuned.
pub fn keep_freed_memory(blocks_in_heap: bool) {
    #[cfg(all(unix, target_env = "gnu"))]
    // SAFETY: `mallopt` sets allocator parameters; no other thread exists yet.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
        if blocks_in_heap {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
        }
    }
    #[cfg(not(all(unix, target_env = "gnu")))]
    let _ = blocks_in_heap;
}
