//! How `tld` is linked, which decides what every start of it costs (DESIGN.md,
//! "Performance", start-up of the small link): on Linux with glibc the standard
//! library's unwinder is linked in, not loaded from `libgcc_s.so.1`, whenever the C
//! compiler knows `libgcc_eh.a` (`tdf-link/build.rs`). A change in how the standard
//! library asks for its unwinder would silently bring the shared library back; this
//! test reads the binary's dynamic section and says so.

/// The shared libraries an ELF64 little-endian executable names (`DT_NEEDED`).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn needed(elf: &[u8]) -> Vec<String> {
    let u16_at = |o: usize| u16::from_le_bytes(elf[o..o + 2].try_into().unwrap()) as usize;
    let u32_at = |o: usize| u32::from_le_bytes(elf[o..o + 4].try_into().unwrap());
    let u64_at = |o: usize| u64::from_le_bytes(elf[o..o + 8].try_into().unwrap()) as usize;
    assert_eq!(&elf[..6], b"\x7fELF\x02\x01", "an ELF64 little-endian file");
    let (phoff, phentsize, phnum) = (u64_at(0x20), u16_at(0x36), u16_at(0x38));
    let headers: Vec<usize> = (0..phnum).map(|i| phoff + i * phentsize).collect();
    // A virtual address as a file offset, through the loadable segment holding it.
    let file_offset = |vaddr: usize| {
        headers
            .iter()
            .filter(|&&h| u32_at(h) == 1) // PT_LOAD
            .find(|&&h| (u64_at(h + 16)..u64_at(h + 16) + u64_at(h + 32)).contains(&vaddr))
            .map(|&h| vaddr - u64_at(h + 16) + u64_at(h + 8))
            .expect("the address lies in a loadable segment")
    };
    let Some(&dynamic) = headers.iter().find(|&&h| u32_at(h) == 2) else {
        return Vec::new(); // PT_DYNAMIC: none in a static executable
    };
    let entries: Vec<(usize, usize)> = (u64_at(dynamic + 8)..)
        .step_by(16)
        .map(|e| (u64_at(e), u64_at(e + 8)))
        .take_while(|&(tag, _)| tag != 0)
        .collect();
    let strtab = entries
        .iter()
        .find(|&&(tag, _)| tag == 5) // DT_STRTAB
        .map(|&(_, v)| file_offset(v))
        .expect("a string table");
    entries
        .iter()
        .filter(|&&(tag, _)| tag == 1) // DT_NEEDED
        .map(|&(_, v)| {
            let s = &elf[strtab + v..];
            let end = s.iter().position(|&b| b == 0).expect("a terminated name");
            String::from_utf8_lossy(&s[..end]).into_owned()
        })
        .collect()
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn tld_links_its_unwinder_in() {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_owned());
    let found = std::process::Command::new(cc)
        .arg("-print-file-name=libgcc_eh.a")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let tld = std::fs::read(tdf_tests::bin("tld")).unwrap();
    let needed = needed(&tld);
    assert!(
        needed.iter().any(|n| n.starts_with("libc.so")),
        "the C library is named: {needed:?}"
    );
    if !std::path::Path::new(&found).is_file() {
        eprintln!("no libgcc_eh.a here: tld loads libgcc_s, as build.rs chose");
        return;
    }
    assert!(
        !needed.iter().any(|n| n.starts_with("libgcc_s")),
        "tld loads the unwinder at every start: {needed:?}"
    );
}
