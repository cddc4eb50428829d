//! How `tld` is linked on Linux with glibc, for the small link `tcc` runs for every
//! program (DESIGN.md, "Performance"):
//!
//! * position-dependent: the dynamic loader then has none of the binary's own
//!   relocations to apply at every start (2,371 of them);
//! * with the unwinder linked in (`libgcc_eh.a`, what `gcc -static-libgcc` does) instead
//!   of loading `libgcc_s.so.1`: one shared library fewer to find, map and relocate at
//!   every start (the small link `tcc` runs: medians 1.95 against 2.30 ms, TenDRA's
//!   `tld` 2.17 ms, alternating in one `target/release/paired 400` run). The standard
//!   library asks for `-lgcc_s` itself; a linker
//!   script called `libgcc_s.a`, found first in a directory of our own, stands for it
//!   and names `libgcc_eh` instead. It is used only when the C compiler that links
//!   knows `libgcc_eh.a`.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CC");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os != "linux" || env != "gnu" {
        return;
    }
    println!("cargo:rustc-link-arg-bin=tld=-no-pie");
    if static_unwinder_available() {
        let Some(out) = std::env::var_os("OUT_DIR") else {
            return;
        };
        let dir = PathBuf::from(out).join("static-gcc-s");
        let script = "/* tld: the unwinder linked in, not loaded (tdf-link/build.rs) */\n\
                      INPUT(-lgcc_eh)\n";
        if std::fs::create_dir_all(&dir).is_ok()
            && std::fs::write(dir.join("libgcc_s.a"), script).is_ok()
        {
            println!("cargo:rustc-link-arg-bin=tld=-L{}", dir.display());
        }
    }
}

/// True when the C compiler (`$CC`, else `cc`) finds `libgcc_eh.a`: it prints the
/// library's path then, and only its name when it has none.
fn static_unwinder_available() -> bool {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_owned());
    let Ok(out) = Command::new(cc)
        .arg("-print-file-name=libgcc_eh.a")
        .output()
    else {
        return false;
    };
    let path = String::from_utf8_lossy(&out.stdout);
    let path = path.trim();
    out.status.success() && path.contains('/') && std::path::Path::new(path).is_file()
}
