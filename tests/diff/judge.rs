//! Running a scenario through the reference `tld` and ours, and judging ours by the
//! corpus's rules.
//!
//! The reference's run becomes a corpus case (the scenario's inputs, `cmd`, the
//! reference's `stdout`, `stderr`, `rc`, `outputs` and the output files), and its
//! `expect` file is derived from the reference's result as the corpus README says the
//! corpus's were: exit 0 without `Error:`/`Fatal:` lines means success with equivalent
//! outputs (a `mention:` per warning's quoted name, stdout lines for `-mt`); anything
//! else, a crash included, means a non-zero exit and no file changed (a `mention:` of
//! the first quoted name of the first error). The case is then judged by the corpus
//! runner's own code ([`crate::case::Case::run`]), unchanged.
//!
//! Where this toolset deliberately differs (Appendix B of the format reference), the
//! difference is either written into `expect` as the corpus writes its overrides, or
//! recognised afterwards:
//!
//! * B.14, names printed as users read them: a `mention:` of a name with a control
//!   character or a byte that is not UTF-8 is expected in our readable form.
//! * B.1, exit status and error policy: after an error in a phase that reads no file
//!   (rename rules), the reference goes on and also rejects later inputs; we stop after
//!   the phase (§5.2), so those inputs are not named.
//! * B.12, resolution order: the reference examines each name once, in its hash order.
//!   A disagreement in a link is put down to this when the reference's own result shows
//!   it: its output is not a fixpoint (linking that output again against the same
//!   libraries loads more), or it gives another result when only the order of capsules,
//!   shapes, names and members changes; and our result does not change under those
//!   permutations.
//!
//! Beyond the corpus rules, a successful link with `-i` must report the names the
//! reference reports, and our reports must match our output ([`compare_warnings`]); a
//! name only one tool reports must be explained by the reference reporting names as it
//! examines them rather than after the fixpoint (B.12).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tdf_core::{Capsule, ExtName, Usage};
use tdf_tests::rng::Rng;
use tdf_tests::run::{copy_dir, run_limited, snapshot};

use crate::case::Case;
use crate::scenario::{Kind, Opt, Scenario};

/// A shape and an external name (in our readable form), as bytes.
type Key = (Vec<u8>, Vec<u8>);

/// Used without a unique definition.
fn unresolved(u: Usage) -> bool {
    u.contains(Usage::USED) && !u.contains(Usage::DEFD)
}

/// How a scenario came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Ours passes the corpus rules for the reference's result.
    Agree,
    /// Ours differs where Appendix B says we do: the item (e.g. "B.12") and what showed
    /// it.
    Documented(&'static str, String),
    /// A real disagreement, and why.
    Disagree(String),
}

/// The result of running one tool.
#[derive(Debug, Clone)]
pub struct Run {
    /// Exit status, or `None` when killed by a signal.
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Files created, changed or removed (relative paths).
    pub outputs: Vec<String>,
}

impl Run {
    fn failed(&self) -> bool {
        let text = String::from_utf8_lossy(&self.stderr);
        self.code != Some(0)
            || text
                .lines()
                .any(|l| l.starts_with("tld: Error:") || l.starts_with("tld: Fatal:"))
    }
}

/// What a run of both tools needs.
pub struct Tools {
    pub reference: PathBuf,
    pub ours: PathBuf,
    /// A scratch folder for this process.
    pub work: PathBuf,
}

fn changed(before: &BTreeMap<String, Vec<u8>>, after: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let mut v: Vec<String> = after
        .iter()
        .filter(|(k, d)| before.get(*k) != Some(*d))
        .map(|(k, _)| k.clone())
        .chain(before.keys().filter(|k| !after.contains_key(*k)).cloned())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Runs `tool args` in `dir`, with a time limit.
pub fn run_tool(tool: &Path, args: &[String], dir: &Path) -> Run {
    let before = snapshot(dir, &[]);
    let ran = run_limited(tool, args, dir, Duration::from_secs(60))
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()));
    let (stdout, mut stderr) = (ran.stdout, ran.stderr);
    let (code, signal) = match ran.status {
        Some(s) => {
            use std::os::unix::process::ExitStatusExt;
            (s.code(), s.signal())
        }
        None => {
            stderr.extend_from_slice(b"\n(harness: killed after 60 s)\n");
            (None, Some(9))
        }
    };
    let after = snapshot(dir, &[]);
    Run {
        code,
        signal,
        stdout,
        stderr,
        outputs: changed(&before, &after),
    }
}

fn fresh(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).expect("create scratch folder");
}

/// The text between the first pair of single quotes of `line`, as bytes.
fn first_quoted(line: &[u8]) -> Option<&[u8]> {
    let start = line.iter().position(|&b| b == b'\'')? + 1;
    let len = line[start..].iter().position(|&b| b == b'\'')?;
    Some(&line[start..start + len])
}

/// A name as the reference prints it (§8.4 output form) as we print it, when the two
/// differ: a name with a control character or a byte that is not UTF-8 (B.14).
fn readable_override(raw: &[u8]) -> Option<String> {
    let name = ExtName::parse(raw).ok()?;
    let ours = name.to_text();
    (ours.as_bytes() != raw).then_some(ours)
}

/// The `expect` file for the reference's result, and the Appendix B items written into
/// it as overrides.
fn derive_expect(kind: Kind, r: &Run) -> (String, Vec<&'static str>) {
    let mut overrides = Vec::new();
    let mut mention = |raw: &[u8], out: &mut String| {
        let text = match readable_override(raw) {
            Some(t) => {
                overrides.push("B.14");
                t
            }
            None => String::from_utf8_lossy(raw).into_owned(),
        };
        if !text.contains('\n') && !text.is_empty() {
            out.push_str(&format!("mention: {text}\n"));
        }
    };
    let lines: Vec<&[u8]> = r.stderr.split(|&b| b == b'\n').collect();
    let mut e = String::new();
    if !r.failed() {
        e.push_str("status: ok\noutputs: same\n");
        e.push_str(if kind == Kind::List {
            "stdout: lines\n"
        } else {
            "stdout: ignore\n"
        });
        for l in &lines {
            if l.starts_with(b"tld: Warning:") {
                if let Some(q) = first_quoted(l) {
                    mention(q, &mut e);
                }
            }
        }
    } else {
        if r.code == Some(0) {
            e.push_str("# reference reported an error but exited 0\n");
        }
        e.push_str("status: error\noutputs: none\nstdout: ignore\n");
        let first = lines
            .iter()
            .find(|l| l.starts_with(b"tld: Error:") || l.starts_with(b"tld: Fatal:"));
        if let Some(l) = first {
            let text = String::from_utf8_lossy(l);
            let skip = ["bad magic", "unit set", "option", "Too many errors"];
            if !skip.iter().any(|s| text.contains(s)) {
                if let Some(q) = first_quoted(l) {
                    mention(q, &mut e);
                }
            }
        }
    }
    overrides.dedup();
    (e, overrides)
}

/// Runs the reference on `s` in `dir` and turns the folder into a corpus case.
fn reference_case(tools: &Tools, s: &Scenario, dir: &Path) -> (Run, Vec<&'static str>) {
    fresh(dir);
    s.write(dir).expect("write scenario");
    let r = run_tool(&tools.reference, &s.args(), dir);
    let (expect, overrides) = derive_expect(s.kind, &r);
    let rc = match (r.code, r.signal) {
        (Some(c), _) => c,
        (None, Some(sig)) => -sig,
        _ => -1,
    };
    let files: [(&str, Vec<u8>); 6] = [
        ("cmd", format!("{}\n", s.cmd()).into_bytes()),
        ("expect", expect.into_bytes()),
        ("stdout", r.stdout.clone()),
        ("stderr", r.stderr.clone()),
        ("rc", format!("{rc}\n").into_bytes()),
        (
            "outputs",
            r.outputs
                .iter()
                .map(|o| format!("{o}\n"))
                .collect::<String>()
                .into_bytes(),
        ),
    ];
    for (name, data) in files {
        std::fs::write(dir.join(name), data).expect("write case file");
    }
    (r, overrides)
}

/// The reference's result in the last judged case: 0 success, 1 error, 2 crash.
pub fn reference_result(tools: &Tools) -> usize {
    let dir = tools.work.join("case");
    let rc: i32 = std::fs::read_to_string(dir.join("rc"))
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(-1);
    let expect = std::fs::read_to_string(dir.join("expect")).unwrap_or_default();
    if rc < 0 {
        2
    } else if expect.contains("status: error") {
        1
    } else {
        0
    }
}

/// Runs our `tld` on `s` in a fresh `dir`; a link also writes `why.txt`
/// (`--why-extract`).
fn ours(tools: &Tools, s: &Scenario, dir: &Path) -> Run {
    fresh(dir);
    s.write(dir).expect("write scenario");
    let mut args = s.args();
    if s.kind == Kind::Link {
        args.extend(["--why-extract".into(), "why.txt".into()]);
    }
    run_tool(&tools.ours, &args, dir)
}

/// The `-i` warnings of a run as (shape, name) pairs, read from either tool's wording.
fn warnings(r: &Run) -> BTreeSet<Key> {
    let mut out = BTreeSet::new();
    for l in r.stderr.split(|&b| b == b'\n') {
        // Reference: "tld: Warning: no definition found for SHAPE 'NAME'".
        // Ours: "tld: warning: SHAPE 'NAME' is used but no input or library defines it".
        let rest = if let Some(r) = l.strip_prefix(b"tld: Warning: no definition found for ") {
            r
        } else if l.starts_with(b"tld: warning: ") && l.ends_with(b"[E0703]") {
            &l[14..]
        } else {
            continue;
        };
        let Some(sp) = rest.iter().position(|&b| b == b' ') else {
            continue;
        };
        let Some(q) = first_quoted(rest) else {
            continue;
        };
        let name = ExtName::parse(q)
            .map(|n| n.to_text().into_bytes())
            .unwrap_or(q.to_vec());
        out.insert((rest[..sp].to_vec(), name));
    }
    out
}

fn show_names(set: &BTreeSet<Key>) -> String {
    set.iter()
        .map(|(s, n)| {
            format!(
                "{} '{}'",
                String::from_utf8_lossy(s),
                String::from_utf8_lossy(n)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The names our `--why-extract` file in `dir` gives as causes of a load.
fn causes(dir: &Path) -> BTreeSet<Key> {
    let text = std::fs::read(dir.join("why.txt")).unwrap_or_default();
    text.split(|&b| b == b'\n')
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split(|&b| b == b'\t');
            let (_, shape, name) = (f.next()?, f.next()?, f.next()?);
            let name = ExtName::parse(name).ok()?.to_text().into_bytes();
            Some((shape.to_vec(), name))
        })
        .collect()
}

/// Compares the `-i` warnings of a successful link whose outputs already agree.
///
/// Ours must be consistent with our output: every name reported is used without a
/// unique definition, and every name used with no definition at all is reported. Then
/// each name only one tool reports must be explained by the reference's examination
/// order (B.12): the reference reports a name that its output defines uniquely, or one
/// for which we loaded a library capsule (the reference loaded the same capsule, for
/// another name, before it examined this one); or it does not report a name that its
/// output uses without a unique definition (it examined the name before the name was
/// used). `Ok(None)`: the same warnings; `Ok(Some(note))`: explained differences.
fn compare_warnings(
    reference: &Run,
    ref_dir: &Path,
    ours: &Run,
    our_dir: &Path,
) -> Result<Option<String>, String> {
    let (theirs, mine) = (warnings(reference), warnings(ours));
    let our_names = std::fs::read(our_dir.join("out.j"))
        .ok()
        .and_then(|o| usages(&o))
        .ok_or("our output does not read")?;
    for (key, u) in &our_names {
        let warned = mine.contains(key);
        if warned && !unresolved(*u) {
            return Err(format!(
                "we report {} which our output does not need",
                show_names(&[key.clone()].into())
            ));
        }
        if !warned && u.contains(Usage::USED) && !u.is_defined() {
            return Err(format!(
                "we do not report {} which our output leaves undefined",
                show_names(&[key.clone()].into())
            ));
        }
    }
    if theirs == mine {
        return Ok(None);
    }
    let ref_names = std::fs::read(ref_dir.join("out.j"))
        .ok()
        .and_then(|o| usages(&o))
        .ok_or("the reference's output does not read")?;
    let loaded_for = causes(our_dir);
    let usage = |k: &Key| ref_names.get(k).copied().unwrap_or_default();
    let only_theirs: BTreeSet<_> = theirs.difference(&mine).cloned().collect();
    let only_mine: BTreeSet<_> = mine.difference(&theirs).cloned().collect();
    let unexplained_theirs: BTreeSet<_> = only_theirs
        .iter()
        .filter(|k| !usage(k).contains(Usage::DEFD) && !loaded_for.contains(*k))
        .cloned()
        .collect();
    let unexplained_mine: BTreeSet<_> = only_mine
        .iter()
        .filter(|k| !unresolved(usage(k)))
        .cloned()
        .collect();
    let describe = format!(
        "-i warnings differ: reference only [{}], ours only [{}]",
        show_names(&only_theirs),
        show_names(&only_mine)
    );
    if unexplained_theirs.is_empty() && unexplained_mine.is_empty() {
        Ok(Some(format!(
            "{describe}: the reference reported names as it examined them, not after the fixpoint"
        )))
    } else {
        Err(describe)
    }
}

/// (shape, name) → usage of every external name of a capsule.
fn usages(capsule: &[u8]) -> Option<BTreeMap<Key, Usage>> {
    let c = Capsule::read(capsule).ok()?;
    let mut m = BTreeMap::new();
    for s in &c.shapes {
        for e in &s.externs {
            m.insert((s.name.to_vec(), e.name.to_text().into_bytes()), e.usage);
        }
    }
    Some(m)
}

/// Judges one scenario.
pub fn judge(tools: &Tools, s: &Scenario) -> Verdict {
    let case_dir = tools.work.join("case");
    let (reference, overrides) = reference_case(tools, s, &case_dir);
    let case = Case::load(&case_dir);
    let scratch = tools.work.join("runner");
    let corpus = case.run(&tools.ours, &scratch);
    let mut problem = corpus.err();
    // Beyond the corpus rules: the same `-i` warnings after a successful link.
    // In a successful case, mentions come from the reference's warnings only: a missing
    // one is judged with the warnings.
    let mentions_only = problem
        .as_deref()
        .is_some_and(|p| p.starts_with("stderr does not mention"));
    let mut warning_note = None;
    if (problem.is_none() || mentions_only)
        && s.kind == Kind::Link
        && !reference.failed()
        && s.opts.contains(&Opt::Switch("-i"))
    {
        let dir = tools.work.join("ours");
        let ours = ours(tools, s, &dir);
        match compare_warnings(&reference, &case_dir, &ours, &dir) {
            Ok(None) => {}
            Ok(Some(note)) => {
                warning_note = Some(note);
                if mentions_only {
                    problem = None;
                }
            }
            Err(why) => problem = Some(why),
        }
    }
    if let (None, Some(note)) = (&problem, warning_note) {
        return Verdict::Documented("B.12", note);
    }
    let Some(problem) = problem else {
        return match overrides.first() {
            Some(b) => Verdict::Documented(b, "a name printed as users read it".into()),
            None => Verdict::Agree,
        };
    };
    if problem.starts_with("no diagnostic names") && went_on_after_failed_phase(&reference) {
        return Verdict::Documented("B.1", problem);
    }
    if s.kind == Kind::Link {
        if let Some(how) = resolution_order_explains(tools, s, &reference) {
            return Verdict::Documented("B.12", format!("{problem}; {how}"));
        }
    }
    Verdict::Disagree(problem)
}

/// B.1: the reference's first error is not about an input file (it comes from the rename
/// rules or the command line), and it went on to read and reject files: a phase that
/// failed did not stop it. Ours stops after that phase (§5.2), so the later files are
/// not named; the corpus rule that every rejected input is named cannot hold, and the
/// rest of the rules (status, outputs, mention of the first error) already did.
fn went_on_after_failed_phase(reference: &Run) -> bool {
    let first = reference
        .stderr
        .split(|&b| b == b'\n')
        .find(|l| l.starts_with(b"tld: Error:") || l.starts_with(b"tld: Fatal:"));
    first.is_some_and(|l| !l.windows(3).any(|w| w == b": #"))
}

/// B.12: how the reference's own results show its resolution-order defect, if they do
/// and ours stays the same under the permutations tried.
fn resolution_order_explains(tools: &Tools, s: &Scenario, reference: &Run) -> Option<String> {
    let case_dir = tools.work.join("case");
    // The reference writes its output also after errors (B.1); an error after resolution
    // (hiding or keeping a name that a missed capsule would have brought) leaves its
    // resolution's result there.
    let ref_out = std::fs::read(case_dir.join("out.j")).ok();
    let mut shown = Vec::new();
    if let Some(out) = &ref_out {
        if not_a_fixpoint(tools, s, out) {
            shown.push("the reference's output is not a fixpoint");
        }
    }
    // Permutations: the reference may change its mind, ours must not.
    let mut rng = Rng::new(0x5eed);
    let ours_base = outcome(
        &ours(tools, s, &tools.work.join("ours")),
        &tools.work.join("ours"),
    );
    let ref_base = outcome(reference, &case_dir);
    let mut reference_moved = false;
    for _ in 0..6 {
        let p = s.permuted(&mut rng);
        let dir = tools.work.join("perm");
        fresh(&dir);
        p.write(&dir).expect("write permutation");
        let r = run_tool(&tools.reference, &p.args(), &dir);
        reference_moved |= !same_outcome(&outcome(&r, &dir), &ref_base);
        let o = ours(tools, &p, &dir);
        if !same_outcome(&outcome(&o, &dir), &ours_base) {
            return None;
        }
    }
    if reference_moved {
        shown.push("the reference's result depends on the order of its inputs");
    }
    (!shown.is_empty()).then(|| shown.join(", "))
}

/// What must not depend on order: success, the output (by the corpus's equivalence),
/// the `-i` warnings.
type Outcome = (bool, Option<Vec<u8>>, BTreeSet<Key>);

fn outcome(r: &Run, dir: &Path) -> Outcome {
    let ok = !r.failed();
    let out = if ok {
        std::fs::read(dir.join("out.j")).ok()
    } else {
        None
    };
    (ok, out, warnings(r))
}

fn same_outcome(a: &Outcome, b: &Outcome) -> bool {
    a.0 == b.0
        && a.2 == b.2
        && match (&a.1, &b.1) {
            (Some(x), Some(y)) => tdf_tests::canon::capsules_equivalent(x, y).is_ok(),
            (None, None) => true,
            _ => false,
        }
}

/// Links the reference's output again, against the same libraries with the same
/// library options, with our `tld`: if that loads anything, the reference stopped before
/// the fixpoint.
fn not_a_fixpoint(tools: &Tools, s: &Scenario, out: &[u8]) -> bool {
    let dir = tools.work.join("fixpoint");
    fresh(&dir);
    let mut again = s.clone();
    again.inputs.clear();
    // Hiding and keeping are done; the rest (renames, suppression, libraries) again.
    again.opts.retain(|o| match o {
        Opt::Switch(w) => *w == "-M",
        Opt::Shape(w, _) => *w == "-S",
        Opt::ShapeName(w, _, _) => *w == "-s",
        Opt::Rename(..) => true,
    });
    if again.write(&dir).is_err() || std::fs::write(dir.join("ref.j"), out).is_err() {
        return false;
    }
    let mut args: Vec<String> = again.args();
    // args ends with the inputs (none): add the reference's output.
    args.extend(["--why-extract".into(), "why.txt".into(), "ref.j".into()]);
    // Options must precede the file operand for TenDRA's syntax; ours accepts either.
    // The loads are what counts, even when a loaded capsule then clashes with the
    // output (the why-extract file is written after resolution, also then).
    let _ = run_tool(&tools.ours, &args, &dir);
    let why = std::fs::read_to_string(dir.join("why.txt")).unwrap_or_default();
    why.lines().count() > 1
}

/// Minimises a disagreeing scenario: drops inputs, libraries, members, options and
/// names while the disagreement stays. Returns the smallest and its verdict.
pub fn minimise(tools: &Tools, s: &Scenario, budget: usize) -> (Scenario, Verdict) {
    let mut best = s.clone();
    let mut verdict = judge(tools, s);
    let mut spent = 0;
    'outer: loop {
        for candidate in best.shrink() {
            if spent >= budget {
                break 'outer;
            }
            spent += 1;
            let v = judge(tools, &candidate);
            if matches!(v, Verdict::Disagree(_)) {
                best = candidate;
                verdict = v;
                continue 'outer;
            }
        }
        break;
    }
    (best, verdict)
}

/// Writes the reproducer of a disagreement: the corpus case folder of the minimised
/// scenario (inputs, `cmd`, `expect`, the reference's results) and `note` (why, and the
/// scenario in words).
pub fn write_reproducer(tools: &Tools, s: &Scenario, why: &str, dest: &Path) {
    let case_dir = tools.work.join("case");
    let _ = reference_case(tools, s, &case_dir);
    let _ = std::fs::remove_dir_all(dest);
    copy_dir(&case_dir, dest).expect("copy reproducer");
    let note = format!("{why}\n\n{}", s.describe());
    std::fs::write(dest.join("note"), note).expect("write note");
}
