// How the three tools (`tld`, `tlib`, `tshow`) are linked on Linux with glibc. Each
// tool's `build.rs` includes this file (through a symbolic link, `build/static_exe.rs`
// in its package: `cargo package` copies the file it leads to) and calls `link_tool`
// with its binary's name; the reasons and measurements are in DESIGN.md,
// "Performance" (start-up of the small link). This is build code, not part of the
// `tdf-core` library.
//
// * **Statically**, when the C compiler that links has a static C library: no dynamic
//   loader runs at start, no shared library is found, mapped and relocated (tcc's small
//   link: 90 page faults against 113 and TenDRA's `tld` 97, 0.93 against 1.08 ms of
//   CPU, `perf stat -r 300`; medians 1.79 ms static, 2.06 ms dynamic and 2.11 ms for
//   TenDRA's `tld`, alternating in one `paired 500` run). Cargo cannot give
//   `-C target-feature=+crt-static` to some binaries of a workspace whose build runs
//   procedural macros (the flag then reaches them too, and they cannot be built so),
//   and `-static` alone is not enough: the standard library names its C libraries
//   (`-lc`, `-lm`, `-lgcc_s`, ...) after a `-Bdynamic` of its own, so the linker would
//   take the shared ones. A directory of our own, searched first, therefore holds one
//   linker script for each of those names (`libc.a`: `GROUP("/usr/lib/.../libc.a"
//   ".../libgcc.a" ".../libgcc_eh.a")`, and so on, the paths asked of the C compiler):
//   a library search takes the first directory with either file, so the scripts win
//   over the shared libraries. A trial link of an empty C program with `-static`
//   decides, and only a C library that holds the threads library itself (glibc 2.34
//   on: its `libpthread.a` is an empty archive) is linked statically; otherwise the
//   tool is linked as before:
// * position-dependent (`-no-pie`, both ways): the dynamic loader then has none of the
//   binary's own relocations to apply at every start (2,371 of them in `tld`);
// * with the unwinder linked in (`libgcc_eh.a`, what `gcc -static-libgcc` does) instead
//   of loading `libgcc_s.so.1`: a linker script called `libgcc_s.a`, in the same kind
//   of directory, stands for `-lgcc_s` and names `libgcc_eh` instead (used only when
//   the C compiler knows `libgcc_eh.a`).
//
// Nothing of this is done when cross-compiling (the C compiler asked is the host's) or
// when the build already links statically (`+crt-static`). `TDF_DYNAMIC_TOOLS=1` at
// build time keeps the tools dynamic (with the two points above), for valgrind's heap
// tools, which find `malloc` only in a shared C library.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The C libraries the standard library names on Linux with glibc (`-l...`), each with
/// what stands for it in a static link.
const STANDARD_LIBRARIES: [&str; 6] = ["m", "pthread", "rt", "util", "dl", "gcc_s"];

/// The most bytes of the `libpthread.a` of a C library that holds the threads library
/// itself (glibc 2.34 on: an empty archive, 8 bytes).
const MERGED_THREADS_STUB: u64 = 1024;

/// Decides how the binary `bin` of the package being built is linked (see the top of
/// this file) and tells Cargo.
fn link_tool(bin: &str) {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build/static_exe.rs");
    println!("cargo:rerun-if-env-changed=CC");
    println!("cargo:rerun-if-env-changed=TDF_DYNAMIC_TOOLS");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os != "linux" || env != "gnu" {
        return;
    }
    let features = std::env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    if features.split(',').any(|f| f == "crt-static") {
        return;
    }
    if std::env::var_os("HOST") != std::env::var_os("TARGET") {
        return;
    }
    println!("cargo:rustc-link-arg-bin={bin}=-no-pie");
    let Some(out) = std::env::var_os("OUT_DIR") else {
        return;
    };
    let out = PathBuf::from(out);
    // Emptied first: the scripts of an earlier run of this script (a static build before
    // `TDF_DYNAMIC_TOOLS=1`) would otherwise still stand for the C libraries.
    let dir = out.join("link");
    let _ = std::fs::remove_dir_all(&dir);
    if std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    // Valgrind's heap tools (memcheck, massif) find `malloc` in a shared C library
    // only: `TDF_DYNAMIC_TOOLS=1 cargo build` links the tools dynamically for them.
    let dynamic = std::env::var_os("TDF_DYNAMIC_TOOLS").is_some_and(|v| !v.is_empty() && v != "0");
    let eh = archive("gcc_eh");
    if let Some(scripts) = (!dynamic)
        .then(|| static_scripts(&out, eh.clone()?))
        .flatten()
    {
        if scripts
            .iter()
            .all(|(name, text)| std::fs::write(dir.join(name), text).is_ok())
        {
            println!("cargo:rustc-link-arg-bin={bin}=-static");
            println!("cargo:rustc-link-arg-bin={bin}=-L{}", dir.display());
            return;
        }
    }
    if let Some(eh) = eh {
        if let Some(script) = script("INPUT", &[eh]) {
            if std::fs::write(dir.join("libgcc_s.a"), script).is_ok() {
                println!("cargo:rustc-link-arg-bin={bin}=-L{}", dir.display());
            }
        }
    }
}

/// The linker scripts of a static link (file name, text), when the C compiler has every
/// archive they name and links an empty C program with `-static`. `eh` is the
/// unwinder's archive (`libgcc_eh.a`).
fn static_scripts(out: &Path, eh: PathBuf) -> Option<Vec<(String, String)>> {
    // Before glibc 2.34 the threads library was a library of its own, and a static one
    // needs more than a name to link right: only a C library that holds it (and keeps
    // an empty `libpthread.a` for old makefiles) is linked statically.
    let threads = archive("pthread")?;
    if std::fs::metadata(&threads).ok()?.len() > MERGED_THREADS_STUB {
        return None;
    }
    let c = archive("c")?;
    let gcc = archive("gcc")?;
    let mut scripts = vec![("libc.a".to_owned(), script("GROUP", &[c, gcc, eh.clone()])?)];
    for name in STANDARD_LIBRARIES {
        let path = match name {
            "gcc_s" => eh.clone(),
            "pthread" => threads.clone(),
            _ => archive(name)?,
        };
        scripts.push((format!("lib{name}.a"), script("INPUT", &[path])?));
    }
    trial_static_link(out).then_some(scripts)
}

/// A linker script of one command over `paths` (quoted), or `None` when a path cannot
/// be quoted.
fn script(command: &str, paths: &[PathBuf]) -> Option<String> {
    let mut text = format!("/* a static link (tdf-core/link/static_exe.rs) */\n{command}(");
    for (i, p) in paths.iter().enumerate() {
        let p = p.to_str()?;
        if p.contains('"') {
            return None;
        }
        if i > 0 {
            text.push(' ');
        }
        text.push('"');
        text.push_str(p);
        text.push('"');
    }
    text.push_str(")\n");
    Some(text)
}

/// The C compiler (`$CC`, else `cc`).
fn cc() -> Command {
    Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".to_owned()))
}

/// The path of `lib{name}.a` as the C compiler finds it (it prints the path then, and
/// only the name when it has none).
fn archive(name: &str) -> Option<PathBuf> {
    let out = cc()
        .arg(format!("-print-file-name=lib{name}.a"))
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let path = Path::new(text.trim());
    (out.status.success() && path.is_absolute() && path.is_file()).then(|| path.to_owned())
}

/// True when the C compiler links an empty C program with `-static`.
fn trial_static_link(out: &Path) -> bool {
    let source = out.join("trial.c");
    let binary = out.join("trial");
    if std::fs::write(&source, "int main(void) { return 0; }\n").is_err() {
        return false;
    }
    cc().args(["-static", "-no-pie", "-o"])
        .arg(&binary)
        .arg(&source)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
