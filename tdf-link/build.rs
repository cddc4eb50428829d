//! Links `tld` as a position-dependent executable on Linux with glibc: the dynamic loader
//! then has none of the binary's own relocations to apply at every start (2,371 of
//! them), which `tcc` pays once per program it links (DESIGN.md, "Performance").

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-bin=tld=-no-pie");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
