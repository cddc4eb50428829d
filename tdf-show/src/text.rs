//! Small output helpers: aligned text columns and JSON strings.

use std::io::{self, Write};

/// A table of text cells printed with aligned columns.
#[derive(Debug, Default)]
pub(crate) struct Table {
    rows: Vec<Vec<String>>,
    /// Right-aligned columns (numbers).
    right: Vec<bool>,
}

impl Table {
    pub(crate) fn new(right: &[bool]) -> Self {
        Table {
            rows: Vec::new(),
            right: right.to_vec(),
        }
    }

    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The width of each column.
    fn widths(&self) -> Vec<usize> {
        let cols = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut widths = vec![0; cols];
        for row in &self.rows {
            for (i, c) in row.iter().enumerate() {
                widths[i] = widths[i].max(c.chars().count());
            }
        }
        widths
    }

    /// Writes the rows, each after `indent`, columns separated by two spaces, without
    /// trailing blanks.
    pub(crate) fn write(&self, indent: &str, w: &mut dyn Write) -> io::Result<()> {
        self.write_range(0..self.rows.len(), indent, w)
    }

    /// Writes some of the rows, aligned as if all were written.
    pub(crate) fn write_range(
        &self,
        range: std::ops::Range<usize>,
        indent: &str,
        w: &mut dyn Write,
    ) -> io::Result<()> {
        let widths = self.widths();
        let mut line = String::new();
        for row in &self.rows[range] {
            line.clear();
            line.push_str(indent);
            for (i, c) in row.iter().enumerate() {
                if i > 0 {
                    line.push_str("  ");
                }
                let pad = widths[i] - c.chars().count();
                if self.right.get(i).copied().unwrap_or(false) {
                    line.extend(std::iter::repeat_n(' ', pad));
                    line.push_str(c);
                } else {
                    line.push_str(c);
                    line.extend(std::iter::repeat_n(' ', pad));
                }
            }
            let trimmed = line.trim_end();
            w.write_all(trimmed.as_bytes())?;
            w.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// A JSON string literal for `s` (the toolset's one escaper, [`tdf_errors::json_string`]).
pub(crate) fn json_str(s: &str) -> String {
    tdf_errors::json_string(s)
}

/// A JSON string literal for bytes, shown as users read them ([`tdf_core::show_bytes`]:
/// valid UTF-8 as it is, control characters and bytes that are not UTF-8 as `\xHH`).
pub(crate) fn json_bytes(b: &[u8]) -> String {
    json_str(&tdf_core::show_bytes(b))
}

/// The usage flags as a JSON array of flag names, in the order of the text form.
pub(crate) fn json_usage(u: tdf_core::Usage) -> String {
    use tdf_core::Usage;
    let flags = [
        (Usage::DEFD, "DEFD"),
        (Usage::MULT, "MULT"),
        (Usage::DECD, "DECD"),
        (Usage::USED, "USED"),
    ];
    let names: Vec<String> = flags
        .iter()
        .filter(|(bit, _)| u.contains(*bit))
        .map(|(_, n)| format!("\"{n}\""))
        .collect();
    format!("[{}]", names.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes() {
        assert_eq!(json_str("a\"b\\c\n\u{1}"), "\"a\\\"b\\\\c\\n\\u0001\"");
        assert_eq!(json_bytes(b"x\xffy\xc3\xa9"), "\"x\\\\xffy\u{e9}\"");
        let u = tdf_core::Usage::DEFD | tdf_core::Usage::USED;
        assert_eq!(json_usage(u), "[\"DEFD\", \"USED\"]");
        assert_eq!(json_usage(tdf_core::Usage::NONE), "[]");
    }

    #[test]
    fn table_alignment() {
        let mut t = Table::new(&[true, false]);
        t.row(vec!["1".into(), "a".into()]);
        t.row(vec!["100".into(), "bbb".into()]);
        let mut out = Vec::new();
        t.write("  ", &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "    1  a\n  100  bbb\n");
    }
}
