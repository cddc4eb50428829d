//! The configured list of unit sets (§2.5) and the unit-set file that replaces it (`-u`, §8.6).
//!
//! A capsule's unit sets must be known, appear at most once, and appear in increasing
//! position in this list. The built-in list is TenDRA's; a unit-set file gives another
//! list as double-quoted names separated by white space. It must name `tld`; `tld2` is
//! optional.

use std::sync::Arc;

use tdf_errors::{Diagnostic, Kind};

use crate::hash::FastIndexSet;
use crate::text::{diag_source, unescape_file_char, Escape};

/// The built-in unit set list, in order.
pub const DEFAULT_UNIT_SETS: [&str; 12] = [
    "tld",
    "tld2",
    "versions",
    "tokdec",
    "tokdef",
    "aldef",
    "diagtype",
    "tagdec",
    "diagdef",
    "dgcompunit",
    "tagdef",
    "linkinfo",
];

/// An ordered list of unit set names; a name's position is its order number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitSetList {
    names: FastIndexSet<Vec<u8>>,
    tld: usize,
    tld2: Option<usize>,
}

impl Default for UnitSetList {
    fn default() -> Self {
        UnitSetList::from_names(DEFAULT_UNIT_SETS.iter().map(|s| s.as_bytes().to_vec()))
            .expect("the built-in list names tld once")
    }
}

impl UnitSetList {
    /// A list of these names; `None` if a name repeats or `tld` is missing.
    pub fn from_names<I: IntoIterator<Item = Vec<u8>>>(names: I) -> Option<Self> {
        let mut set = FastIndexSet::default();
        for n in names {
            if !set.insert(n) {
                return None;
            }
        }
        let tld = set.get_index_of(&b"tld"[..])?;
        let tld2 = set.get_index_of(&b"tld2"[..]);
        Some(UnitSetList {
            names: set,
            tld,
            tld2,
        })
    }

    /// Order number of a unit set, if known.
    pub fn position(&self, name: &[u8]) -> Option<usize> {
        self.names.get_index_of(name)
    }

    /// The name at an order number.
    pub fn name(&self, position: usize) -> &[u8] {
        &self.names[position]
    }

    /// Number of unit sets.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Always false: a list holds at least `tld`.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Order number of `tld`.
    pub fn tld(&self) -> usize {
        self.tld
    }

    /// Order number of `tld2`, if listed.
    pub fn tld2(&self) -> Option<usize> {
        self.tld2
    }

    /// The names in order.
    pub fn names(&self) -> impl Iterator<Item = &[u8]> {
        self.names.iter().map(|v| v.as_slice())
    }

    /// Reads and parses the unit-set file at `path` (`-u FILE`); the diagnostics name it as
    /// the path is shown.
    pub fn read_file(path: &std::path::Path) -> Result<UnitSetList, Vec<Diagnostic>> {
        let shown = path.to_string_lossy();
        let text = std::fs::read(path).map_err(|e| {
            let reason = crate::diag::io_reason(&e);
            vec![Diagnostic::new(Kind::cannot_open_unit_set_file(
                shown.as_ref(),
                reason,
            ))]
        })?;
        UnitSetList::parse_file(&text, &shown)
    }

    /// Parses a unit-set file. `file` names it in diagnostics. Every problem found is
    /// returned (the parser resynchronises at the next white space).
    pub fn parse_file(source: &[u8], file: &str) -> Result<UnitSetList, Vec<Diagnostic>> {
        let text: Arc<str> = diag_source(source);
        let diag = |kind: Kind, span: std::ops::Range<usize>| {
            Diagnostic::new(kind)
                .with_file(file)
                .in_text(text.clone(), span)
        };
        let mut errors = Vec::new();
        let mut names: Vec<(Vec<u8>, std::ops::Range<usize>)> = Vec::new();
        let mut i = 0;
        while i < source.len() {
            let c = source[i];
            if c.is_ascii_whitespace() {
                i += 1;
                continue;
            }
            if c != b'"' {
                errors.push(diag(Kind::unit_set_expected_quote(), i..i + 1));
                while i < source.len() && !source[i].is_ascii_whitespace() {
                    i += 1;
                }
                continue;
            }
            let start = i;
            i += 1;
            let mut name = Vec::new();
            let mut closed = false;
            while i < source.len() {
                match source[i] {
                    b'"' => {
                        i += 1;
                        closed = true;
                        break;
                    }
                    b'\\' => match unescape_file_char(source, i) {
                        (Escape::Char(b), next) => {
                            name.push(b);
                            i = next;
                        }
                        (Escape::Nothing, next) => i = next,
                        (Escape::Illegal, next) => {
                            errors.push(diag(Kind::unit_set_illegal_escape(), i..next));
                            i = next;
                        }
                    },
                    b => {
                        name.push(b);
                        i += 1;
                    }
                }
            }
            if !closed {
                errors.push(diag(Kind::unit_set_eof_in_name(), start..source.len()));
                break;
            }
            names.push((name, start..i));
        }
        let mut set = FastIndexSet::default();
        for (name, span) in names {
            if set.contains(&name) {
                let shown = crate::name::show_bytes(&name);
                errors.push(diag(Kind::unit_set_duplicate_name(shown), span));
            } else {
                set.insert(name);
            }
        }
        if errors.is_empty() && !set.contains(&b"tld"[..]) {
            errors.push(Diagnostic::new(Kind::unit_set_no_tld_name()).with_file(file));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(UnitSetList::from_names(set).expect("checked above"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_list() {
        let l = UnitSetList::default();
        assert_eq!(l.len(), 12);
        assert_eq!(l.tld(), 0);
        assert_eq!(l.tld2(), Some(1));
        assert_eq!(l.position(b"tagdef"), Some(10));
        assert_eq!(l.position(b"bogus"), None);
    }

    #[test]
    fn parse_default_file() {
        let src = br#""tld" "tld2" "versions" "tokdec" "tokdef" "aldef" "diagtype" "tagdec" "diagdef" "dgcompunit" "tagdef" "linkinfo""#;
        assert_eq!(
            UnitSetList::parse_file(src, "u").unwrap(),
            UnitSetList::default()
        );
    }

    #[test]
    fn parse_escapes() {
        let l = UnitSetList::parse_file(b"\"t\\x6cd\" \"a\\\nb\" \"\\n\"", "u").unwrap();
        let names: Vec<&[u8]> = l.names().collect();
        assert_eq!(names, [&b"tld"[..], b"ab", b"\n"]);
    }

    #[test]
    fn read_file_reports_a_missing_file() {
        let e = UnitSetList::read_file(std::path::Path::new("/no/such/units")).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].kind.name(), "cannot_open_unit_set_file");
    }

    #[test]
    fn parse_errors() {
        let codes = |src: &[u8]| {
            UnitSetList::parse_file(src, "u")
                .unwrap_err()
                .iter()
                .map(|d| d.kind.name())
                .collect::<Vec<_>>()
        };
        assert_eq!(codes(b"tld"), ["unit_set_expected_quote"]);
        assert_eq!(codes(b"\"versions\""), ["unit_set_no_tld_name"]);
        assert_eq!(codes(b"\"tld\" \"tld\""), ["unit_set_duplicate_name"]);
        assert_eq!(codes(b"\"tld"), ["unit_set_eof_in_name"]);
        assert_eq!(codes(b"\"tld\" \"\\xZZ\""), ["unit_set_illegal_escape"]);
    }
}
