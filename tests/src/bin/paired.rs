//! `paired RUNS [--warmup K] -- [--prepare SH] CMD1 ARGS... -- [--prepare SH] CMD2 ARGS...
//! [-- ...]`: runs the commands in turn, RUNS rounds after K warm-up rounds (default 3),
//! and prints one line per command: the median and minimum wall-clock time and the
//! median CPU time (user + system, from `getrusage`), in seconds, separated by tabs.
//!
//! Used by `tests/bench/run` to compare two programs on a machine shared with other
//! work: alternating them exposes both to the same interference, so the ratio of their
//! medians is meaningful where two separate series would drift apart. Each run is a
//! spawn and wait, as with `hyperfine -N`; standard output and error go to
//! `/dev/null`. A command's `--prepare` shell command runs (`sh -c`, not timed) before
//! each of its runs, warm-ups included: extraction needs a fresh directory every time.
//! A command that fails stops everything (exit status 1).

use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

const WARMUP: usize = 3;

/// One command to time, and what prepares each of its runs.
struct Timed {
    prepare: Option<String>,
    argv: Vec<String>,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((runs, warmup, commands)) = parse(&args) else {
        eprintln!(
            "usage: paired RUNS [--warmup K] -- [--prepare SH] CMD ARGS... [-- [--prepare SH] CMD ARGS...]"
        );
        return ExitCode::from(2);
    };
    let mut wall = vec![Vec::with_capacity(runs); commands.len()];
    let mut cpu = vec![Vec::with_capacity(runs); commands.len()];
    for round in 0..warmup + runs {
        for (i, c) in commands.iter().enumerate() {
            match run(c) {
                Ok((w, t)) if round >= warmup => {
                    wall[i].push(w);
                    cpu[i].push(t);
                }
                Ok(_) => {}
                Err(e) => {
                    eprintln!("paired: {}: {e}", c.argv.join(" "));
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

/// The rounds, the warm-up rounds and the commands, or `None` for a malformed line.
fn parse(args: &[String]) -> Option<(usize, usize, Vec<Timed>)> {
    let runs = args.first()?.parse::<usize>().ok().filter(|&r| r > 0)?;
    let mut rest = &args[1..];
    let mut warmup = WARMUP;
    if rest.first().map(String::as_str) == Some("--warmup") {
        warmup = rest.get(1)?.parse().ok()?;
        rest = &rest[2..];
    }
    let mut commands = Vec::new();
    for segment in rest.split(|a| a == "--").skip(1) {
        let (prepare, argv) = match segment {
            [flag, sh, argv @ ..] if flag == "--prepare" => (Some(sh.clone()), argv),
            argv => (None, argv),
        };
        if argv.is_empty() {
            return None;
        }
        commands.push(Timed {
            prepare,
            argv: argv.to_vec(),
        });
    }
    // Nothing may come before the first `--`.
    if commands.is_empty() || rest.first().map(String::as_str) != Some("--") {
        return None;
    }
    Some((runs, warmup, commands))
}

/// Runs one command (after its preparation): its wall-clock time and the CPU time it
/// used, in seconds.
fn run(c: &Timed) -> Result<(f64, f64), String> {
    if let Some(sh) = &c.prepare {
        let status = quiet(Command::new("sh").arg("-c").arg(sh))
            .status()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!("preparation '{sh}' failed ({status})"));
        }
    }
    let before = children_cpu();
    let start = Instant::now();
    let status = quiet(Command::new(&c.argv[0]).args(&c.argv[1..]))
        .status()
        .map_err(|e| e.to_string())?;
    let wall = start.elapsed().as_secs_f64();
    if !status.success() {
        return Err(format!("failed ({status})"));
    }
    Ok((wall, children_cpu().saturating_sub(before).as_secs_f64()))
}

/// No input, and output and errors thrown away.
fn quiet(c: &mut Command) -> &mut Command {
    c.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_owned).collect()
    }

    #[test]
    fn command_lines() {
        let (runs, warmup, c) = parse(&words("5 -- a x -- b")).unwrap();
        assert_eq!((runs, warmup, c.len()), (5, WARMUP, 2));
        assert_eq!(
            (c[0].prepare.as_deref(), &c[0].argv[..]),
            (None, &words("a x")[..])
        );
        let mut args = words("2 --warmup 1 -- --prepare");
        args.push("rm -rf out".into());
        args.extend(words("tool -C out -- cp -r in out"));
        let (runs, warmup, c) = parse(&args).unwrap();
        assert_eq!((runs, warmup), (2, 1));
        assert_eq!(c[0].prepare.as_deref(), Some("rm -rf out"));
        assert_eq!(c[0].argv, words("tool -C out"));
        assert_eq!(
            (c[1].prepare.as_deref(), &c[1].argv[..]),
            (None, &words("cp -r in out")[..])
        );
        for bad in [
            "0 -- a",
            "x -- a",
            "3",
            "3 a -- b",
            "3 -- a --",
            "3 -- --prepare sh",
            "3 --warmup -- a",
        ] {
            assert!(parse(&words(bad)).is_none(), "{bad}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn preparation_runs_before_each_run() {
        let dir = std::env::temp_dir().join(format!("paired-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mark = dir.join("mark");
        let timed = Timed {
            prepare: Some(format!(
                "mkdir -p '{}' && touch '{}'",
                dir.display(),
                mark.display()
            )),
            argv: vec!["rm".into(), mark.display().to_string()],
        };
        // `rm` fails unless the preparation made the file again.
        assert!(run(&timed).is_ok());
        assert!(run(&timed).is_ok());
        let failing = Timed {
            prepare: Some("exit 3".into()),
            argv: vec!["true".into()],
        };
        assert!(run(&failing).unwrap_err().contains("preparation"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
