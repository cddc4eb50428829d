//! `paired RUNS -- CMD1 ARGS... -- CMD2 ARGS... [-- ...]`: runs the commands in turn,
//! RUNS rounds after three warm-up rounds, and prints one line per command: the median
//! and minimum wall-clock time and the median CPU time (user + system, from
//! `getrusage`), in seconds, separated by tabs.
//!
//! Used by `tests/bench/run` to compare two programs on a machine shared with other
//! work: alternating them exposes both to the same interference, so the ratio of their
//! medians is meaningful where two separate series would drift apart. Each run is a
//! spawn and wait, as with `hyperfine -N`; standard output and error go to
//! `/dev/null`. A command that fails stops everything (exit status 1).

use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

const WARMUP: usize = 3;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runs = args.first().and_then(|a| a.parse::<usize>().ok());
    let mut commands: Vec<Vec<String>> = Vec::new();
    for a in args.iter().skip(1) {
        if a == "--" {
            commands.push(Vec::new());
        } else if let Some(c) = commands.last_mut() {
            c.push(a.clone());
        } else {
            commands.clear();
            break;
        }
    }
    let (Some(runs), false) = (runs.filter(|&r| r > 0), commands.is_empty()) else {
        eprintln!("usage: paired RUNS -- CMD ARGS... [-- CMD ARGS...]");
        return ExitCode::from(2);
    };
    if commands.iter().any(Vec::is_empty) {
        eprintln!("paired: empty command");
        return ExitCode::from(2);
    }
    let mut wall = vec![Vec::with_capacity(runs); commands.len()];
    let mut cpu = vec![Vec::with_capacity(runs); commands.len()];
    for round in 0..WARMUP + runs {
        for (i, c) in commands.iter().enumerate() {
            match run(c) {
                Ok((w, t)) if round >= WARMUP => {
                    wall[i].push(w);
                    cpu[i].push(t);
                }
                Ok(_) => {}
                Err(e) => {
                    eprintln!("paired: {}: {e}", c.join(" "));
                    return ExitCode::from(1);
                }
            }
        }
    }
    for i in 0..commands.len() {
        let (wm, wn) = median_min(&mut wall[i]);
        let (cm, _) = median_min(&mut cpu[i]);
        println!("{wm:.6}\t{wn:.6}\t{cm:.6}");
    }
    ExitCode::SUCCESS
}

/// Runs one command: its wall-clock time and the CPU time it used, in seconds.
fn run(c: &[String]) -> Result<(f64, f64), String> {
    let before = children_cpu();
    let start = Instant::now();
    let status = Command::new(&c[0])
        .args(&c[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| e.to_string())?;
    let wall = start.elapsed().as_secs_f64();
    if !status.success() {
        return Err(format!("failed ({status})"));
    }
    Ok((wall, children_cpu().saturating_sub(before).as_secs_f64()))
}

/// User and system time of the finished children so far.
#[cfg(unix)]
fn children_cpu() -> Duration {
    // SAFETY: `getrusage` fills the zeroed struct it is given and nothing else.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) != 0 {
            return Duration::ZERO;
        }
        usage
    };
    let time =
        |t: libc::timeval| Duration::new(t.tv_sec.max(0) as u64, (t.tv_usec.max(0) as u32) * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// No CPU times where the system does not give them.
#[cfg(not(unix))]
fn children_cpu() -> Duration {
    Duration::ZERO
}

fn median_min(v: &mut [f64]) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0])
}
