//! One corpus case: loading its files, classifying its TDF files, running its command
//! and judging the result by its `expect` file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tdf_tests::canon::{capsules_equivalent, libraries_equivalent};
use tdf_tests::run::{copy_dir, files, run_limited, snapshot};

/// The folders of a case that are not its files: TenDRA's decoded views, C sources.
const SKIPPED: &[&str] = &["decoded", "src"];

/// How a TDF file of a case is to be checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    AcceptedCapsule,
    AcceptedLibrary,
    RejectedCapsule,
    RejectedLibrary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outputs {
    Same,
    Exist,
    None,
}

#[derive(Debug, Clone)]
struct Expect {
    ok: bool,
    outputs: Outputs,
    stdout_lines: bool,
    mentions: Vec<String>,
}

/// A case folder.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    pub dir: PathBuf,
    words: Vec<String>,
    expect: Expect,
    outputs: Vec<String>,
    stdout: Vec<u8>,
    stderr: String,
    /// Every file of the case folder (relative paths), listed once.
    files: Vec<String>,
    /// The inputs the reference rejected, found once from its stderr.
    rejected: BTreeMap<String, Role>,
}

fn read_text(p: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned()
}

/// Splits a shell-quoted command line (single and double quotes, backslashes).
fn shell_words(s: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur: Option<String> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                let w = cur.get_or_insert_with(String::new);
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    w.push(c);
                }
            }
            '"' => {
                let w = cur.get_or_insert_with(String::new);
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(n) = chars.next() {
                                if !matches!(n, '"' | '\\' | '$' | '`') {
                                    w.push('\\');
                                }
                                w.push(n);
                            }
                        }
                        _ => w.push(c),
                    }
                }
            }
            '\\' => {
                if let Some(n) = chars.next() {
                    cur.get_or_insert_with(String::new).push(n);
                }
            }
            c if c.is_whitespace() => {
                if let Some(w) = cur.take() {
                    words.push(w);
                }
            }
            c => cur.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(cur);
    words
}

fn parse_expect(text: &str) -> Expect {
    let mut e = Expect {
        ok: true,
        outputs: Outputs::Same,
        stdout_lines: false,
        mentions: Vec::new(),
    };
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        if let Some(t) = line.strip_prefix("mention: ") {
            e.mentions.push(t.to_owned());
            continue;
        }
        let value = |l: &str| l.split('#').next().unwrap_or("").trim().to_owned();
        if let Some(v) = line.strip_prefix("status:") {
            e.ok = value(v) == "ok";
        } else if let Some(v) = line.strip_prefix("outputs:") {
            e.outputs = match value(v).as_str() {
                "none" => Outputs::None,
                "exist" => Outputs::Exist,
                _ => Outputs::Same,
            };
        } else if let Some(v) = line.strip_prefix("stdout:") {
            e.stdout_lines = value(v) == "lines";
        }
    }
    e
}

fn magic(data: &[u8]) -> &[u8] {
    &data[..data.len().min(4)]
}

impl Case {
    pub fn load(dir: &Path) -> Case {
        let cmd = read_text(&dir.join("cmd"));
        let mut case = Case {
            name: dir.file_name().unwrap().to_string_lossy().into_owned(),
            dir: dir.to_path_buf(),
            words: shell_words(cmd.trim()),
            expect: parse_expect(&read_text(&dir.join("expect"))),
            outputs: read_text(&dir.join("outputs"))
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            stdout: std::fs::read(dir.join("stdout")).unwrap_or_default(),
            stderr: read_text(&dir.join("stderr")),
            files: files(dir, SKIPPED),
            rejected: BTreeMap::new(),
        };
        case.rejected = case.find_rejected();
        case
    }

    /// The input files the reference rejected, with the role they were read in.
    fn find_rejected(&self) -> BTreeMap<String, Role> {
        let mut out = BTreeMap::new();
        let role_of = |msg: &str, data: Option<&[u8]>| {
            if msg.contains("should be 'TDFC'") {
                Role::RejectedCapsule
            } else if msg.contains("should be 'TDFL'") || data.is_some_and(|d| magic(d) == b"TDFL")
            {
                Role::RejectedLibrary
            } else {
                Role::RejectedCapsule
            }
        };
        for line in self.stderr.lines() {
            let Some(rest) = line
                .strip_prefix("tld: Error: ")
                .or_else(|| line.strip_prefix("tld: Fatal: "))
            else {
                continue;
            };
            if let Some(i) = rest.find(": #") {
                let (path, tail) = (&rest[..i], &rest[i + 3..]);
                let msg = tail.split_once(": ").map(|x| x.1).unwrap_or("");
                if msg.contains("defined more than once") {
                    continue; // a linking error between valid capsules
                }
                if let Ok(data) = std::fs::read(self.dir.join(path)) {
                    out.insert(path.to_owned(), role_of(msg, Some(&data)));
                }
            } else if let Some(m) = rest.strip_prefix("bad magic number '") {
                // A library's bad magic is reported without a file: it is the file named
                // on the command line whose magic is the one quoted.
                let got = m.split('\'').next().unwrap_or("");
                for rel in self.library_operands() {
                    let Ok(data) = std::fs::read(self.dir.join(&rel)) else {
                        continue;
                    };
                    if magic(&data) == got.as_bytes() {
                        out.insert(rel, role_of(rest, None));
                    }
                }
            }
        }
        out
    }

    /// The files the command reads as libraries, by TenDRA's command syntax: the operand
    /// of `-mt`/`-mx`, `-i LIB` of `-mc`, and in link mode `-l PATH` (a name with `/`) or
    /// `-l NAME` found as `DIR/NAME.tl` on the `-L` path.
    fn library_operands(&self) -> Vec<String> {
        let args = &self.words[1..];
        let mode = args
            .first()
            .filter(|w| w.starts_with("-m"))
            .map(|w| &w[2..]);
        let mut libs = Vec::new();
        let mut dirs = Vec::new();
        let mut names = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let w = args[i].as_str();
            let next = args.get(i + 1).cloned();
            match (mode.map(|m| &m[..1]), w) {
                (Some("t" | "x"), w) if !w.starts_with('-') => libs.push(w.to_owned()),
                (Some("c"), "-i" | "--include-library") => libs.extend(next),
                (Some("c" | "t" | "x"), _) => {}
                (_, "-L" | "--path") => dirs.extend(next),
                (_, "-l" | "--library") => names.extend(next),
                (_, w) if w.starts_with("-L") => dirs.push(w[2..].to_owned()),
                (_, w) if w.starts_with("-l") => names.push(w[2..].to_owned()),
                _ => {}
            }
            i += 1;
        }
        for n in names {
            if n.contains('/') {
                libs.push(n);
            } else {
                libs.extend(
                    dirs.iter()
                        .map(|d| format!("{}/{n}.tl", d.trim_end_matches('/'))),
                );
            }
        }
        libs
    }

    /// Every TDF file of the case with the check it gets. Outputs of a case whose oracle
    /// run failed are broken by definition and skipped.
    pub fn tdf_files(&self) -> Vec<(String, Role)> {
        self.files
            .iter()
            .filter(|rel| rel.ends_with(".j") || rel.ends_with(".t") || rel.ends_with(".tl"))
            .filter(|rel| self.expect.ok || !self.outputs.contains(rel))
            .map(|rel| {
                let role = self.rejected.get(rel).copied().unwrap_or_else(|| {
                    let data = std::fs::read(self.dir.join(rel)).unwrap_or_default();
                    if magic(&data) == b"TDFL" {
                        Role::AcceptedLibrary
                    } else {
                        Role::AcceptedCapsule
                    }
                });
                (rel.clone(), role)
            })
            .collect()
    }

    /// The major version established before `rel` is read: that of the first other TDF
    /// file named on the command line.
    pub fn established_major(&self, rel: &str) -> Option<u32> {
        for w in &self.words[1..] {
            for rel2 in &self.files {
                if rel2 == rel || !w.ends_with(rel2.as_str()) {
                    continue;
                }
                let data = std::fs::read(self.dir.join(rel2)).ok()?;
                if matches!(magic(&data), b"TDFC" | b"TDFL") {
                    let mut r = tdf_core::bits::Reader::at_byte(&data, 4);
                    if let Ok(major) = r.read_tdfint() {
                        return Some(major);
                    }
                }
            }
        }
        None
    }

    /// Runs the case in a copy under `scratch` and judges it.
    pub fn run(&self, tld: &Path, scratch: &Path) -> Result<(), String> {
        let work = scratch.join(&self.name);
        let _ = std::fs::remove_dir_all(&work);
        copy_dir(&self.dir, &work).map_err(|e| format!("copying the case: {e}"))?;
        for o in &self.outputs {
            let _ = std::fs::remove_file(work.join(o));
        }
        if self.words.iter().any(|w| w.contains("out/")) {
            std::fs::create_dir_all(work.join("out")).map_err(|e| e.to_string())?;
        }
        let before = snapshot(&work, SKIPPED);
        let ran = run_limited(tld, &self.words[1..], &work, Duration::from_secs(120))
            .map_err(|e| format!("cannot run {}: {e}", tld.display()))?;
        let Some(status) = ran.status else {
            return Err("timed out after 120 s".into());
        };
        let (code, stdout, stderr) = (status.code(), ran.stdout, ran.stderr);
        let after = snapshot(&work, SKIPPED);
        let stderr = String::from_utf8_lossy(&stderr).into_owned();
        let show = || {
            format!(
                "\n    stderr: {}",
                stderr.trim_end().replace('\n', "\n            ")
            )
        };

        // Status.
        match code {
            None => return Err(format!("killed by a signal{}", show())),
            Some(0) if !self.expect.ok => {
                return Err(format!("exit status 0, expected an error{}", show()))
            }
            Some(c) if c != 0 && self.expect.ok => {
                return Err(format!("exit status {c}, expected success{}", show()))
            }
            _ => {}
        }
        // Files created, changed or removed.
        let mut changed: Vec<String> = after
            .iter()
            .filter(|(k, v)| before.get(*k) != Some(v))
            .map(|(k, _)| k.clone())
            .chain(before.keys().filter(|k| !after.contains_key(*k)).cloned())
            .collect();
        changed.sort();
        changed.dedup();
        let mut listed = self.outputs.clone();
        listed.sort();
        match self.expect.outputs {
            Outputs::None if !changed.is_empty() => {
                return Err(format!("files changed: {changed:?}{}", show()))
            }
            Outputs::Same | Outputs::Exist if changed != listed => {
                return Err(format!(
                    "files changed: {changed:?}, expected {listed:?}{}",
                    show()
                ))
            }
            _ => {}
        }
        if self.expect.outputs == Outputs::Same {
            let debug_file = self.debug_file();
            for o in &self.outputs {
                let ours = after.get(o).expect("checked above");
                if Some(o.as_str()) == debug_file.as_deref() {
                    continue; // the -d trace only has to exist
                }
                let theirs = std::fs::read(self.dir.join(o)).map_err(|e| e.to_string())?;
                let verdict = if o.ends_with(".j") || o.ends_with(".t") {
                    capsules_equivalent(ours, &theirs)
                } else if o.ends_with(".tl") {
                    libraries_equivalent(ours, &theirs)
                } else if *ours == theirs {
                    Ok(())
                } else {
                    Err("bytes differ".into())
                };
                verdict.map_err(|why| format!("{o}: {why}"))?;
            }
        }
        // Standard output.
        if self.expect.stdout_lines {
            let lines = |b: &[u8]| {
                let mut v: Vec<String> = String::from_utf8_lossy(b)
                    .lines()
                    .map(str::to_owned)
                    .collect();
                v.sort();
                v
            };
            if lines(&stdout) != lines(&self.stdout) {
                return Err(format!(
                    "stdout lines differ:\n--- ours\n{}\n--- reference\n{}",
                    String::from_utf8_lossy(&stdout),
                    String::from_utf8_lossy(&self.stdout)
                ));
            }
        }
        // Mentions.
        for m in &self.expect.mentions {
            if !stderr.contains(m.as_str()) {
                return Err(format!("stderr does not mention {m:?}{}", show()));
            }
        }
        // Inputs the reference rejected must be named with a byte offset.
        if !self.expect.ok {
            for rel in self.rejected.keys() {
                let named = stderr
                    .lines()
                    .any(|l| l.contains(rel.as_str()) && l.contains("byte "));
                if !named {
                    return Err(format!(
                        "no diagnostic names {rel} with a byte offset{}",
                        show()
                    ));
                }
            }
        }
        Ok(())
    }

    /// The argument of `-d` / `--debug-file`, if any.
    fn debug_file(&self) -> Option<String> {
        let w = &self.words;
        w.iter()
            .position(|x| x == "-d" || x == "--debug-file")
            .and_then(|i| w.get(i + 1).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        assert_eq!(
            shell_words(r#"tld -r tag 'dotted\.name\[1\]' x '-?' "a b""#),
            ["tld", "-r", "tag", r"dotted\.name\[1\]", "x", "-?", "a b"]
        );
    }
}
