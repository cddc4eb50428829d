//! The differential harness: random link, build, list and extract scenarios run through
//! the reference `tld` (TenDRA 4.0#7) and ours, judged by the corpus's rules.
//!
//! `TDF_ORACLE` names a folder holding the reference `tld` (`../shared/tools/
//! build_oracle.sh` builds one). When it is unset the harness says so and passes: CI
//! cannot build the reference. As a test (`cargo test -p tdf-tests --test diff`) it runs
//! a small number of scenarios; by hand it takes options after `--`:
//!
//! ```text
//! TDF_ORACLE=/work/oracle/bin cargo test --release -p tdf-tests --test diff -- \
//!     --count 20000 --seed 1 --out target/diff
//! ```
//!
//! * `--count N` scenarios (default 150), `--seed S` (default 1): scenario `i` of seed
//!   `S` is the same on every machine, so a run is reproducible; `--only I` runs scenario
//!   `I` alone and keeps its working folders.
//! * `--out DIR` (default `target/diff-repro`): each disagreement is minimised and
//!   written there as a corpus case folder (`SEED-INDEX/`, with a `note` saying why).
//! * `--verbose`: every scenario, its verdict and the reference's messages.
//!
//! It prints a table of outcomes per kind of scenario: agreements, differences that
//! Appendix B of the format reference documents (by item), and disagreements. The exit
//! status is 1 when there is any disagreement.
//!
//! Scenarios: `scenario.rs`; running, judging and classifying: `judge.rs`; the judging
//! itself is the corpus runner's `case.rs`, included unchanged.

// The corpus runner's case judging, unchanged (its unit test only runs in the corpus
// target; this target has no test harness).
#[allow(dead_code, unused_imports)]
#[path = "../corpus/case.rs"]
mod case;
mod judge;
mod scenario;

use std::collections::BTreeMap;
use std::path::PathBuf;

use judge::{Tools, Verdict};
use scenario::{Kind, Scenario};

struct Options {
    count: u64,
    seed: u64,
    only: Option<u64>,
    out: PathBuf,
    verbose: bool,
}

fn options() -> Options {
    let mut o = Options {
        count: 150,
        seed: 1,
        only: None,
        out: tdf_tests::workspace_root().join("target/diff-repro"),
        verbose: false,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    // Arguments the test harness may pass (`--nocapture`, filters) are ignored.
    while i < args.len() {
        let value = args.get(i + 1);
        let number = || -> u64 {
            value
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{} wants a number", args[i]))
        };
        match args[i].as_str() {
            "--count" => o.count = number(),
            "--seed" => o.seed = number(),
            "--only" => o.only = Some(number()),
            "--out" => o.out = PathBuf::from(value.expect("--out wants a folder")),
            "--verbose" => {
                o.verbose = true;
                i += 1;
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    o
}

#[derive(Default)]
struct Tally {
    scenarios: usize,
    /// The reference's results: success, error (exit 0 with errors, or 1), crash.
    reference: [usize; 3],
    agree: usize,
    documented: BTreeMap<&'static str, usize>,
    disagree: usize,
}

fn main() {
    let Some(oracle) = std::env::var_os("TDF_ORACLE").filter(|v| !v.is_empty()) else {
        println!("TDF_ORACLE is not set: the differential harness was not run");
        return;
    };
    let reference = PathBuf::from(oracle).join("tld");
    assert!(
        reference.is_file(),
        "TDF_ORACLE names no folder with a reference tld: {}",
        reference.display()
    );
    let opts = options();
    let tools = Tools {
        reference,
        ours: tdf_tests::bin("tld"),
        work: tdf_tests::scratch("diff"),
    };
    let mut tally: BTreeMap<&'static str, Tally> = BTreeMap::new();
    let mut disagreements = Vec::new();
    let indices: Vec<u64> = match opts.only {
        Some(i) => vec![i],
        None => (0..opts.count).collect(),
    };
    for &i in &indices {
        let s = Scenario::generate(opts.seed, i);
        let verdict = judge::judge(&tools, &s);
        if opts.verbose {
            println!("scenario {i}: {verdict:?}");
            for line in s.describe().lines() {
                println!("    {line}");
            }
            let stderr = std::fs::read(tools.work.join("case/stderr")).unwrap_or_default();
            let rc = std::fs::read_to_string(tools.work.join("case/rc")).unwrap_or_default();
            println!("  reference: rc {}", rc.trim());
            for line in String::from_utf8_lossy(&stderr).lines() {
                println!("    {line}");
            }
        }
        let t = tally.entry(s.kind.name()).or_default();
        t.scenarios += 1;
        t.reference[judge::reference_result(&tools)] += 1;
        match &verdict {
            Verdict::Agree => t.agree += 1,
            Verdict::Documented(item, _) => *t.documented.entry(item).or_default() += 1,
            Verdict::Disagree(why) => {
                t.disagree += 1;
                let (small, v) = judge::minimise(&tools, &s, 300);
                let why = match v {
                    Verdict::Disagree(w) => w,
                    _ => why.clone(),
                };
                let dest = opts.out.join(format!("{}-{i}", opts.seed));
                judge::write_reproducer(&tools, &small, &why, &dest);
                println!("DISAGREE scenario {i} (seed {}): {why}", opts.seed);
                println!("  reproducer: {}", dest.display());
                for line in small.describe().lines() {
                    println!("    {line}");
                }
                disagreements.push(i);
            }
        }
    }
    print_table(&tally, &opts);
    if opts.only.is_none() {
        let _ = std::fs::remove_dir_all(&tools.work);
    } else {
        println!(
            "the scenario's folders are kept in {}",
            tools.work.display()
        );
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements: scenarios {disagreements:?}",
        disagreements.len()
    );
}

fn print_table(tally: &BTreeMap<&'static str, Tally>, opts: &Options) {
    let mut items: Vec<&'static str> = tally
        .values()
        .flat_map(|t| t.documented.keys().copied())
        .collect();
    items.sort();
    items.dedup();
    println!();
    println!(
        "differential run: seed {}, {} scenarios",
        opts.seed,
        tally.values().map(|t| t.scenarios).sum::<usize>()
    );
    let mut header = format!(
        "{:<8} {:>9} {:>7} {:>7} {:>7} {:>9}",
        "kind", "scenarios", "ref ok", "ref err", "crash", "agree"
    );
    for it in &items {
        header.push_str(&format!(" {:>9}", format!("doc {it}")));
    }
    header.push_str(&format!(" {:>9}", "disagree"));
    println!("{header}");
    let mut total = Tally::default();
    for kind in Kind::ALL {
        let Some(t) = tally.get(kind.name()) else {
            continue;
        };
        let mut row = format!(
            "{:<8} {:>9} {:>7} {:>7} {:>7} {:>9}",
            kind.name(),
            t.scenarios,
            t.reference[0],
            t.reference[1],
            t.reference[2],
            t.agree
        );
        for it in &items {
            let n = t.documented.get(it).copied().unwrap_or(0);
            row.push_str(&format!(" {n:>9}"));
            *total.documented.entry(it).or_default() += n;
        }
        row.push_str(&format!(" {:>9}", t.disagree));
        println!("{row}");
        total.scenarios += t.scenarios;
        for k in 0..3 {
            total.reference[k] += t.reference[k];
        }
        total.agree += t.agree;
        total.disagree += t.disagree;
    }
    let mut row = format!(
        "{:<8} {:>9} {:>7} {:>7} {:>7} {:>9}",
        "total",
        total.scenarios,
        total.reference[0],
        total.reference[1],
        total.reference[2],
        total.agree
    );
    for it in &items {
        row.push_str(&format!(
            " {:>9}",
            total.documented.get(it).copied().unwrap_or(0)
        ));
    }
    row.push_str(&format!(" {:>9}", total.disagree));
    println!("{row}");
}
