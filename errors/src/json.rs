//! Machine-readable diagnostics: [`Format::Json`] prints each diagnostic as one JSON
//! object on one line, for build systems and editors (as `rustc --error-format=json`
//! and `clang -fdiagnostics-format=json` do). The schema is in `errors/JSON.md`.
//!
//! ```text
//! {"program":"tld","severity":"error","code":"E0526","name":"...","message":"...","file":"b.j","offset":72,"line":null,"column":null,"length":null,"params":{"shape":"tag",...}}
//! ```
//!
//! Every field is always present, in this order; a value that is unknown is `null`.
//! Strings are escaped by [`json_string`], the one JSON string escaper of the toolset.

use crate::catalogue::Param;
use crate::diagnostic::{clamp_span, line_column};
use crate::diagnostic::{Diagnostic, Location};

/// How a [`crate::Reporter`] prints diagnostics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Format {
    /// GNU-style lines and source snippets for people (the default).
    #[default]
    Human,
    /// One JSON object per line (`errors/JSON.md`).
    Json,
}

/// `s` as a JSON string literal, quotes included: `"` and `\` are escaped, as are the
/// control characters (`\n`, `\r`, `\t`, others as `\u00XX`, DEL as `\u007f`); all
/// other characters are written as they are (the output is UTF-8).
///
/// ```
/// assert_eq!(tdf_errors::json_string("a\"b\\c\n\u{1}"), r#""a\"b\\c\n\u0001""#);
/// ```
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_json_string(&mut out, s);
    out
}

/// Appends `s` as a JSON string literal to `out` (see [`json_string`]).
fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Appends `,"key":` to `out`.
fn key(out: &mut String, key: &str) {
    out.push(',');
    push_json_string(out, key);
    out.push(':');
}

/// Appends a number or `null`.
fn number(out: &mut String, n: Option<u64>) {
    match n {
        Some(n) => out.push_str(&n.to_string()),
        None => out.push_str("null"),
    }
}

impl Diagnostic {
    /// The diagnostic as one line of JSON, ending with `'\n'` (schema in
    /// `errors/JSON.md`).
    ///
    /// ```
    /// use tdf_errors::{Diagnostic, Kind};
    ///
    /// let d = Diagnostic::new(Kind::tdf_unexpected_eof()).with_file("x.j").at_byte(12);
    /// assert_eq!(
    ///     d.render_json("tld"),
    ///     concat!(
    ///         r#"{"program":"tld","severity":"error","code":"E0401","#,
    ///         r#""name":"tdf_unexpected_eof","message":"unexpected end of file","#,
    ///         r#""file":"x.j","offset":12,"line":null,"column":null,"length":null,"#,
    ///         r#""params":{}}"#,
    ///         "\n"
    ///     )
    /// );
    /// ```
    pub fn render_json(&self, program: &str) -> String {
        let mut out = String::with_capacity(256);
        out.push('{');
        push_json_string(&mut out, "program");
        out.push(':');
        push_json_string(&mut out, program);
        key(&mut out, "severity");
        push_json_string(&mut out, self.severity().keyword());
        key(&mut out, "code");
        push_json_string(&mut out, self.code());
        key(&mut out, "name");
        push_json_string(&mut out, self.kind.name());
        key(&mut out, "message");
        push_json_string(&mut out, &self.kind.message());
        key(&mut out, "file");
        match &self.file {
            Some(f) => push_json_string(&mut out, f),
            None => out.push_str("null"),
        }
        let (offset, line, column, length) = match &self.location {
            Location::None => (None, None, None, None),
            Location::Byte { offset, .. } => (Some(*offset), None, None, None),
            Location::Text { source, span } => {
                let span = clamp_span(source, span.clone());
                let (l, c) = line_column(source, span.start);
                (
                    Some(span.start as u64),
                    Some(l as u64),
                    Some(c as u64),
                    Some(span.len() as u64),
                )
            }
        };
        key(&mut out, "offset");
        number(&mut out, offset);
        key(&mut out, "line");
        number(&mut out, line);
        key(&mut out, "column");
        number(&mut out, column);
        key(&mut out, "length");
        number(&mut out, length);
        key(&mut out, "params");
        out.push('{');
        for (i, (name, value)) in self.kind.params().into_iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_json_string(&mut out, name);
            out.push(':');
            match value {
                Param::Str(s) => push_json_string(&mut out, s),
                Param::Int(n) => out.push_str(&n.to_string()),
            }
        }
        out.push_str("}}\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::catalogue::Kind;

    #[test]
    fn escapes_quotes_backslashes_and_controls() {
        assert_eq!(json_string(""), "\"\"");
        assert_eq!(json_string("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(
            json_string("\n\r\t\u{0}\u{1f}\u{7f}"),
            r#""\n\r\t\u0000\u001f\u007f""#
        );
        assert_eq!(json_string("é✓"), "\"é✓\"");
    }

    #[test]
    fn params_keep_their_types_and_order() {
        let d = Diagnostic::new(Kind::name_id_out_of_range("tag", "f\"x", 3, 2))
            .with_file("a.j")
            .at_byte(7);
        let line = d.render_json("tld");
        assert!(line.ends_with("}\n") && !line[..line.len() - 1].contains('\n'));
        assert!(
            line.contains(r#""params":{"shape":"tag","name":"f\"x","id":3,"count":2}"#),
            "{line}"
        );
        assert!(
            line.contains(r#""file":"a.j","offset":7,"line":null"#),
            "{line}"
        );
    }

    #[test]
    fn text_locations_give_line_column_and_length() {
        let source: Arc<str> = Arc::from("'tag'\n  \"a\" \"bé\"\n");
        let d = Diagnostic::new(Kind::tdf_unexpected_eof()).in_text(source, 12..16);
        let line = d.render_json("tld");
        assert!(
            line.contains(r#""file":null,"offset":12,"line":2,"column":7,"length":4,"#),
            "{line}"
        );
    }

    #[test]
    fn no_file_and_no_position_are_null() {
        let line = Diagnostic::new(Kind::missing_files()).render_json("tlib");
        assert!(
            line.contains(
                r#""file":null,"offset":null,"line":null,"column":null,"length":null,"params":{}}"#
            ),
            "{line}"
        );
        assert!(line.contains(r#""severity":"fatal""#), "{line}");
    }
}
