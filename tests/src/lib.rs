//! Support for the integration tests of `tld`, `tlib` and `tshow` and for the corpus
//! conformance runner: finding (and building) the binaries, and scratch directories.
//!
//! The binaries belong to other packages of the workspace, so Cargo does not build them
//! for `cargo test -p tdf-tests` on its own. [`bin`] runs `cargo build --bins` once per
//! test process (a no-op when they are fresh) in the same profile as the test, and
//! returns the path of the binary in the target directory.

pub mod canon;
pub mod fixtures;
pub mod rng;
pub mod run;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The directory holding the binaries of the profile this test was built in.
fn bin_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        // target/<profile>/deps/<test-exe>, or target/<profile>/<binary>
        let exe = std::env::current_exe().expect("executable path");
        let mut dir = exe.parent().expect("executable directory").to_path_buf();
        if dir.file_name().is_some_and(|n| n == "deps") {
            dir.pop();
        }
        let release = dir.file_name().is_some_and(|n| n == "release");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.args([
            "build", "--quiet", "--bins", "-p", "tdf-link", "-p", "tdf-lib", "-p", "tdf-show",
        ]);
        if release {
            cmd.arg("--release");
        }
        let status = cmd.status().expect("cargo runs");
        assert!(status.success(), "building the binaries failed");
        dir
    })
}

/// The directory of the binaries (`target/<profile>`), after building them.
pub fn profile_dir() -> &'static Path {
    bin_dir()
}

/// Path of one of the toolset's binaries (`tld`, `tlib`, `tshow`), built if needed.
pub fn bin(name: &str) -> PathBuf {
    let p = bin_dir().join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(p.exists(), "binary {} not found", p.display());
    p
}

/// A fresh, empty scratch directory under the target directory, unique to `name`.
pub fn scratch(name: &str) -> PathBuf {
    let d = bin_dir()
        .join("scratch")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create scratch directory");
    d
}

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// Asserts that a command run by a test succeeded, showing its standard error if not.
pub fn assert_success(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
