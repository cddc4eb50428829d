//! How the tools are linked, which decides what every start of them costs (DESIGN.md,
//! "Performance", start-up of the small link): on Linux with glibc `tld`, `tlib` and
//! `tshow` are static executables whenever the C compiler has a static C library
//! (`libc.a`, glibc 2.34 on), and otherwise the standard library's unwinder is linked
//! in, not loaded from `libgcc_s.so.1`, whenever the C compiler knows `libgcc_eh.a`
//! (`tdf-core/link/static_exe.rs`, included by each tool's `build.rs`).
//! A change in how the standard library names its C libraries would silently bring the
//! shared ones back; this test reads the binary's program headers and dynamic section
//! and says so.

/// The shared libraries an ELF64 little-endian executable names (`DT_NEEDED`), and
/// whether it asks for a dynamic loader (`PT_INTERP`).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn needed(elf: &[u8]) -> (Vec<String>, bool) {
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
    let interpreter = headers.iter().any(|&h| u32_at(h) == 3); // PT_INTERP
    let Some(&dynamic) = headers.iter().find(|&&h| u32_at(h) == 2) else {
        return (Vec::new(), interpreter); // PT_DYNAMIC: none in a static executable
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
    let names = entries
        .iter()
        .filter(|&&(tag, _)| tag == 1) // DT_NEEDED
        .map(|&(_, v)| {
            let s = &elf[strtab + v..];
            let end = s.iter().position(|&b| b == 0).expect("a terminated name");
            String::from_utf8_lossy(&s[..end]).into_owned()
        })
        .collect();
    (names, interpreter)
}

/// The size of the archive `name` the C compiler (`$CC`, else `cc`) finds, if it finds
/// one (it prints the path then, and only the name when it has none).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn c_compiler_archive(name: &str) -> Option<u64> {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_owned());
    let found = std::process::Command::new(cc)
        .arg(format!("-print-file-name={name}"))
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let path = std::path::Path::new(&found);
    let meta = std::fs::metadata(path).ok()?;
    (path.is_absolute() && meta.is_file()).then_some(meta.len())
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn tools_start_without_shared_libraries_they_can_do_without() {
    // A static C library that holds the threads library itself (glibc 2.34 on: an
    // empty `libpthread.a`), as `tdf-core/link/static_exe.rs` asks.
    let merged_threads = c_compiler_archive("libpthread.a").is_some_and(|n| n <= 1024);
    // Built dynamically on purpose (for valgrind's heap tools).
    let dynamic = std::env::var_os("TDF_DYNAMIC_TOOLS").is_some_and(|v| !v.is_empty() && v != "0");
    let static_libc = c_compiler_archive("libc.a").is_some() && merged_threads && !dynamic;
    let eh = c_compiler_archive("libgcc_eh.a").is_some();
    for tool in ["tld", "tlib", "tshow"] {
        let (needed, interpreter) = needed(&std::fs::read(tdf_tests::bin(tool)).unwrap());
        if static_libc {
            assert!(
                needed.is_empty() && !interpreter,
                "{tool} is linked dynamically although a static C library is there: \
                 {needed:?}, dynamic loader asked for: {interpreter}"
            );
            continue;
        }
        assert!(
            needed.iter().any(|n| n.starts_with("libc.so")) && interpreter,
            "without a static C library {tool} is linked dynamically: {needed:?}"
        );
        if !eh {
            eprintln!("no libgcc_eh.a here: {tool} loads libgcc_s, as its build.rs chose");
            continue;
        }
        assert!(
            !needed.iter().any(|n| n.starts_with("libgcc_s")),
            "{tool} loads the unwinder at every start: {needed:?}"
        );
    }
}
