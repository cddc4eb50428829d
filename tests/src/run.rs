//! Running a program as the corpus runner and the differential harness do, and seeing
//! what it changed in its directory.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// What a run gave: its status (`None`: killed at the time limit) and both outputs.
#[derive(Debug)]
pub struct Ran {
    pub status: Option<ExitStatus>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Runs `program args` in `dir` with nothing on standard input, collecting standard
/// output and error (each read on a thread of its own, so that neither pipe fills), and
/// kills it after `limit`. `Err` only when it cannot be started.
pub fn run_limited(
    program: &Path,
    args: &[String],
    dir: &Path,
    limit: Duration,
) -> std::io::Result<Ran> {
    let mut child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut out = child.stdout.take().expect("piped");
    let mut err = child.stderr.take().expect("piped");
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break Some(s);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_micros(200));
    };
    Ok(Ran {
        status,
        stdout: t_out.join().unwrap_or_default(),
        stderr: t_err.join().unwrap_or_default(),
    })
}

/// Every file below `dir`, as sorted relative paths with `/`, leaving out the
/// directories at the top named in `skip`.
pub fn files(dir: &Path, skip: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(dir.join(&rel)) else {
            continue;
        };
        for e in entries.flatten() {
            let r = rel.join(e.file_name());
            let top = r
                .components()
                .next()
                .map(|c| c.as_os_str().to_string_lossy().into_owned());
            if top.is_some_and(|t| skip.contains(&t.as_str())) {
                continue;
            }
            match e.file_type() {
                Ok(t) if t.is_dir() => stack.push(r),
                Ok(_) => out.push(r.to_string_lossy().replace('\\', "/")),
                Err(_) => {}
            }
        }
    }
    out.sort();
    out
}

/// [`files`] with their bytes (files that cannot be read are left out).
pub fn snapshot(dir: &Path, skip: &[&str]) -> BTreeMap<String, Vec<u8>> {
    files(dir, skip)
        .into_iter()
        .filter_map(|rel| std::fs::read(dir.join(&rel)).ok().map(|d| (rel, d)))
        .collect()
}

/// Copies the directory `from` to `to` (created), files made writable: the corpus's
/// files are read-only, and a copy is a place to run in.
pub fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let target = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_dir(&e.path(), &target)?;
        } else {
            std::fs::copy(e.path(), &target)?;
            // Corpus files are read-only; the copy must be replaceable.
            let mut perm = std::fs::metadata(&target)?.permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perm.set_readonly(false);
            std::fs::set_permissions(&target, perm)?;
        }
    }
    Ok(())
}
