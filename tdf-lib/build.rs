//! How `tlib` is linked: statically on Linux with glibc whenever the C compiler can,
//! for a start-up without the dynamic loader. The rules, shared by the three tools,
//! are in `tdf-core/link/static_exe.rs`; `build/static_exe.rs` is a symbolic link to
//! it, so that this package holds a copy when it is packaged.

include!("build/static_exe.rs");

fn main() {
    link_tool("tlib");
}
