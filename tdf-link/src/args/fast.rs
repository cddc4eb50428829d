//! The command line `tcc` passes for every program it links, read without clap.
//!
//! `tcc` calls `tld` with nothing but `-L DIR`, `-l NAME`, `-o FILE` and capsule files
//! (`tld -Lin/api -lc89 ... -o out.t prog.j`). Building the clap command of link mode
//! (some forty options), its option table and the canonical word list, and parsing that,
//! took a fifth of such a link. [`simple_link`] reads exactly these words and nothing
//! else; any other word (another option, a `+` word, `--`, an empty word, a second
//! `-o`) makes it give up, and the command line goes the general way
//! ([`super::words`]), which also gives every diagnostic. What it accepts it reads as the
//! general way does: the tests compare the two on every word mix of these options.

use std::ffi::OsString;
use std::path::PathBuf;

use super::convert::LinkOptions;
use super::words::{os_bytes, os_from_bytes};

/// The link options of a command line (after the mode words and `@FILE` expansion) made
/// only of `-LDIR`/`-L DIR`, `-lNAME`/`-l NAME`, `-o FILE` (once) and file operands,
/// with at least one file; `None` for anything else.
pub(super) fn simple_link(words: &[OsString]) -> Option<LinkOptions> {
    let mut opts = LinkOptions::default();
    let mut output = None;
    let mut i = 0;
    while i < words.len() {
        let b = os_bytes(&words[i]);
        i += 1;
        // The value of an option: the rest of its word, else the next word.
        let mut value = |attached: &[u8]| -> Option<OsString> {
            if !attached.is_empty() {
                return Some(os_from_bytes(attached));
            }
            let next = words.get(i)?;
            i += 1;
            (!next.is_empty()).then(|| next.clone())
        };
        match b {
            [b'-', b'L', rest @ ..] => opts.paths.push(PathBuf::from(value(rest)?)),
            [b'-', b'l', rest @ ..] => {
                let name = value(rest)?;
                if !opts.libraries.contains(&name) {
                    opts.libraries.push(name);
                }
            }
            b"-o" => {
                if output.is_some() {
                    return None;
                }
                output = Some(PathBuf::from(value(&[])?));
            }
            [] | [b'-' | b'+' | b'@', ..] => return None,
            _ => opts.inputs.push(PathBuf::from(&words[i - 1])),
        }
    }
    if opts.inputs.is_empty() {
        return None;
    }
    if let Some(o) = output {
        opts.output = o;
    }
    Some(opts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::convert::link_options;
    use crate::args::modes::{LinkArgs, LINK_EITHER};
    use crate::args::words::parse_mode;
    use tdf_errors::Reporter;

    fn words(s: &[&str]) -> Vec<OsString> {
        s.iter().map(OsString::from).collect()
    }

    /// The general way: clap, then the conversion. `None` when it reports anything.
    fn general(w: &[OsString]) -> Option<LinkOptions> {
        let mut rep = Reporter::with_writer("tld", Box::new(std::io::sink()));
        let (a, m) = parse_mode::<LinkArgs>(w, LINK_EITHER).ok()?;
        if a.common.help || a.common.version || a.common.explain.is_some() {
            return None;
        }
        let o = link_options(a, &m, &mut rep).ok()??;
        rep.diagnostics().is_empty().then_some(o)
    }

    #[test]
    fn tcc_command_line() {
        let w = words(&[
            "-Lin/api",
            "-Lin/lpi",
            "-L",
            "in/map",
            "-lc89",
            "-ltdfc2",
            "-l",
            "c",
            "-lc89",
            "-o",
            "out/hello.t",
            "in/hello_stdio.j",
            "more.j",
        ]);
        let fast = simple_link(&w).expect("a simple command line");
        assert_eq!(Some(&fast), general(&w).as_ref());
        assert_eq!(fast.libraries, words(&["c89", "tdfc2", "c"]));
        assert_eq!(fast.output, PathBuf::from("out/hello.t"));
    }

    #[test]
    fn anything_else_goes_the_general_way() {
        for w in [
            &["-o", "a.j", "-o", "b.j", "f.j"][..],
            &["-o", "a.j"],
            &["f.j", "-w"],
            &["f.j", "+w"],
            &["--", "f.j"],
            &["-", "f.j"],
            &["", "f.j"],
            &["f.j", "-L"],
            &["f.j", "-l", ""],
            &["-ofile", "f.j"],
            &["-Lx", "@r", "f.j"],
            &["--library=c", "f.j"],
        ] {
            assert_eq!(simple_link(&words(w)), None, "{w:?}");
        }
    }

    /// Every mix of these words, up to four of them: whatever the fast path accepts,
    /// the general way reads the same.
    #[test]
    fn agrees_with_the_general_way() {
        let pool = [
            "-L", "-Ldir", "-l", "-lc", "-lc89", "-o", "out.j", "a.j", "b/c.j", "-x.j", "-Lq",
            "-L-l", "-l-o", "",
        ];
        let mut accepted = 0;
        let mut stack: Vec<Vec<&str>> = vec![Vec::new()];
        while let Some(w) = stack.pop() {
            let ws = words(&w);
            if let Some(fast) = simple_link(&ws) {
                assert_eq!(Some(fast), general(&ws), "{w:?}");
                accepted += 1;
            }
            if w.len() < 4 {
                for p in pool {
                    let mut next = w.clone();
                    next.push(p);
                    stack.push(next);
                }
            }
        }
        assert!(accepted > 1000, "{accepted}");
    }
}
