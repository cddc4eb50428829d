//! The texts of `tld`'s help and version: the examples that end each mode's `--help`,
//! the summary of the modes and the word syntax they all share, the long description
//! of the man page, and the `--version` text ([`version_text`]). The clap definitions in
//! `modes.rs` take the help texts from here.

/// The text after the examples of every mode's help: the modes and the word syntax.
macro_rules! modes_help {
    () => {
        "\
Modes (only as the first argument):
  -ml  link capsules (the default)
  -mc  build a library from capsules
  -mt  list the contents of a library
  -mx  extract capsules from a library
  -mv  print the version, then read the next argument as the mode

Short options may be combined in one word; options that take arguments consume the
following words in order (-vor OUT SHAPE FROM TO). '+x' and '++name' turn a switch
off, as does '--no-name'. Long options may be abbreviated to any unique prefix.
'@FILE' reads arguments from FILE. '--' ends the options."
    };
}

pub(super) const LINK_AFTER_HELP: &str = concat!(
    "\
Examples:
  tld -o prog.j main.j stats.j report.j  merge three capsules into prog.j, as tcc -M does
  tld -a -k tag main -o all.j main.j stats.j report.j
                                         ... hiding every defined tag but main, as tcc -MA does
  tld -Llib/api -Llib/lpi -Llib/map -Llib/sys -lc89 -ltdfc2 -lc -ltdi -ldep -labi -o prog.t prog.j
                                         link prog.j against the token libraries, as tcc does
  tld -h tag report -o r.j report.j      hide the defined tag 'report' in the output
  tld -r tag report say -o r.j report.j  rename the tag 'report' to 'say'
  tld -mc -o stats.tl stats.j report.j   build a library (as tlib does)
  tld -L . -l stats -o prog2.j main.j    take from ./stats.tl what main.j needs
  tld -mt -i lib/sys/dep.tl              list a library and its index (as tshow does)
  tld --diagnostics-format=json -i -o main.t main.j
                                         messages as JSON lines, for programs
  tld --check -o prog3.j main.j stats.j report.j
                                         merge them, decoding every unit body to check it

",
    modes_help!()
);

pub(super) const BUILD_AFTER_HELP: &str = concat!(
    "\
Examples:
  tld -mc -o stats.tl stats.j report.j   build stats.tl from two capsules
  tld -mc -o all.tl -i stats.tl main.j   stats.tl's capsules, then main.j

",
    modes_help!()
);

pub(super) const LIST_AFTER_HELP: &str = concat!(
    "\
Examples:
  tld -mt lib/sys/abi.tl                 list the capsules of abi.tl
  tld -mt -s -i -t lib/sys/dep.tl        ... of dep.tl, with sizes, index and TDF version

",
    modes_help!()
);

pub(super) const EXTRACT_AFTER_HELP: &str = concat!(
    "\
Examples:
  tld -mx lib/sys/dep.tl dep/int.j       extract the capsule dep/int.j
  tld -mx -a -b lib/sys/abi.tl           extract every capsule under its last name part

",
    modes_help!()
);

/// The long description of `tld`, for the man page.
pub(super) const LONG_ABOUT: &str = "\
tld links TDF capsules (.j) into one capsule: it reads the capsules named on the command \
line, loads from the libraries (-l, searched in the -L directories) every capsule that \
defines a name still undefined, applies the renaming (-r, -R), suppression (-s, -S, -M), \
hiding (-a, -h, -H) and keeping (-k, -K) options, and writes the result (-o, default \
capsule.j). It is a drop-in replacement for TenDRA's tld 4.0#7, including its -mc \
(build a library), -mt (list a library) and -mx (extract capsules) modes, but it exits \
non-zero after errors, never writes broken output, and orders its output \
deterministically.";

/// The version text.
pub fn version_text() -> String {
    format!(
        "tld {} (TDF toolset; drop-in for TenDRA tld 4.0#7)\nreads and writes {}\n",
        env!("CARGO_PKG_VERSION"),
        tdf_core::TDF_VERSIONS
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_names_the_reference_and_the_tdf_versions() {
        let v = version_text();
        assert!(
            v.starts_with(concat!("tld ", env!("CARGO_PKG_VERSION"), " ")),
            "{v}"
        );
        assert!(v.contains("TenDRA tld 4.0#7"), "{v}");
        assert!(v.ends_with(&format!("reads and writes {}\n", tdf_core::TDF_VERSIONS)));
    }

    #[test]
    fn every_mode_help_has_examples_then_the_modes() {
        for (text, word) in [
            (LINK_AFTER_HELP, "tld -o"),
            (BUILD_AFTER_HELP, "tld -mc"),
            (LIST_AFTER_HELP, "tld -mt"),
            (EXTRACT_AFTER_HELP, "tld -mx"),
        ] {
            assert!(text.starts_with("Examples:\n  "), "{text}");
            assert!(text.contains(word), "{text}");
            assert!(text.ends_with(modes_help!()), "{text}");
        }
        for word in ["-mc", "-mt", "-mx"] {
            assert!(LONG_ABOUT.contains(word), "{word}");
        }
    }
}
