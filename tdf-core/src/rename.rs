//! Rename files (`tld -R FILE`, §8.5): sections of a quoted shape name followed by
//! `FROM TO ;` pairs of external names.
//!
//! ```text
//! 'tag'   "old_name" "new_name" ;
//!         [pkg.counter] "pkg_counter" ;   # unique names in brackets
//! ```
//!
//! The parser reports every problem it finds as a catalogue diagnostic with a span in the
//! file (rendered as a snippet with line and column) and keeps going, so one run shows
//! all the mistakes. A pair missing only its `;` is still recorded.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

use tdf_errors::{Diagnostic, Kind};

use crate::name::ExtName;
use crate::text::{diag_source, unescape_file_char, Escape};

/// One rule: in shape `shape`, the name `from` means `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenameRule {
    pub shape: Vec<u8>,
    pub from: ExtName<'static>,
    pub to: ExtName<'static>,
    /// Where the rule stands in its file (byte range of FROM to TO).
    pub span: Range<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Shape(Vec<u8>),
    Name(ExtName<'static>),
    Semi,
}

struct Lexer<'s> {
    src: &'s [u8],
    pos: usize,
    errors: Vec<(Kind, Range<usize>)>,
}

impl Lexer<'_> {
    /// The next token and its span, or `None` at the end of the input.
    fn next(&mut self) -> Option<(Token, Range<usize>)> {
        loop {
            let &c = self.src.get(self.pos)?;
            let start = self.pos;
            match c {
                b'#' => {
                    while self.pos < self.src.len() && self.src[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                c if c.is_ascii_whitespace() => self.pos += 1,
                b';' => {
                    self.pos += 1;
                    return Some((Token::Semi, start..self.pos));
                }
                b'\'' | b'"' | b'[' => {
                    let tok = self.quoted(c);
                    return Some((tok, start..self.pos));
                }
                _ => {
                    self.pos += 1;
                    let ch = crate::name::show_bytes(&self.src[start..self.pos]);
                    self.errors
                        .push((Kind::rename_illegal_char(ch), start..self.pos));
                }
            }
        }
    }

    /// Reads a token opened by `open` (`'` shape, `"` string name, `[` unique name).
    fn quoted(&mut self, open: u8) -> Token {
        let close = match open {
            b'[' => b']',
            q => q,
        };
        self.pos += 1;
        let mut parts: Vec<Vec<u8>> = vec![Vec::new()];
        loop {
            let Some(&c) = self.src.get(self.pos) else {
                self.errors.push((
                    Kind::rename_unexpected_eof(),
                    self.src.len()..self.src.len(),
                ));
                break;
            };
            let at = self.pos;
            self.pos += 1;
            match c {
                c if c == close => break,
                b'\n' => self
                    .errors
                    .push((Kind::rename_unexpected_newline(), at..at + 1)),
                b'\\' => match unescape_file_char(self.src, at) {
                    (Escape::Char(b), next) => {
                        parts.last_mut().expect("one part").push(b);
                        self.pos = next;
                    }
                    (Escape::Nothing, next) => self.pos = next,
                    (Escape::Illegal, next) => {
                        self.errors
                            .push((Kind::rename_illegal_escape(), at..next.min(self.src.len())));
                        self.pos = next.min(self.src.len());
                    }
                },
                b'.' if open == b'[' => parts.push(Vec::new()),
                b'[' | b']' | b'.' if open != b'\'' => self.errors.push((
                    Kind::rename_illegal_char((c as char).to_string()),
                    at..at + 1,
                )),
                _ => parts.last_mut().expect("one part").push(c),
            }
        }
        match open {
            b'\'' => Token::Shape(parts.pop().expect("one part")),
            b'"' => Token::Name(ExtName::String(Cow::Owned(parts.pop().expect("one part")))),
            _ => Token::Name(ExtName::Unique(parts.into_iter().map(Cow::Owned).collect())),
        }
    }
}

/// Parses a rename file. Returns the rules in file order and every problem found;
/// `file` names the file in the diagnostics.
pub fn parse_rename_file(source: &[u8], file: &str) -> (Vec<RenameRule>, Vec<Diagnostic>) {
    let mut lex = Lexer {
        src: source,
        pos: 0,
        errors: Vec::new(),
    };
    let mut problems: Vec<(Kind, Range<usize>)> = Vec::new();
    let mut rules = Vec::new();
    let mut shape: Option<Vec<u8>> = None;
    let mut in_junk = false;
    let mut pending: Option<(Token, Range<usize>)> = None;
    while let Some((tok, span)) = pending.take().or_else(|| lex.next()) {
        match (tok, &shape) {
            (Token::Shape(s), _) => {
                shape = Some(s);
                in_junk = false;
            }
            (Token::Name(from), Some(sh)) => {
                let sh = sh.clone();
                match lex.next() {
                    Some((Token::Name(to), to_span)) => {
                        match lex.next() {
                            Some((Token::Semi, _)) => {}
                            other => {
                                problems.push((Kind::rename_expected_semi(), to_span.clone()));
                                pending = other;
                            }
                        }
                        rules.push(RenameRule {
                            shape: sh,
                            from,
                            to,
                            span: span.start..to_span.end,
                        });
                    }
                    other => {
                        problems.push((Kind::rename_expected_name(), span));
                        // A `;` ends the broken pair; anything else is read afresh.
                        if !matches!(other, Some((Token::Semi, _))) {
                            pending = other;
                        }
                    }
                }
            }
            (Token::Name(_), None) | (Token::Semi, _) => {
                if !in_junk {
                    problems.push((Kind::rename_expected_shape(), span));
                    in_junk = true;
                }
                // A stray `;` ends the section: names need a shape again.
                shape = None;
            }
        }
    }
    // Lexical problems and grammar problems, in file order.
    problems.extend(lex.errors);
    problems.sort_by_key(|(_, span)| span.start);
    let text: Arc<str> = diag_source(source);
    let diags = problems
        .into_iter()
        .map(|(kind, span)| {
            Diagnostic::new(kind)
                .with_file(file)
                .in_text(text.clone(), span)
        })
        .collect();
    (rules, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(diags: &[Diagnostic]) -> Vec<&'static str> {
        diags.iter().map(|d| d.kind.name()).collect()
    }

    #[test]
    fn good_file() {
        let src =
            b"# renames\n'tag' \"a\" \"b\" ;\n  [x.y] \"x\\.y\";\n'token' \"t\\x41\" \"u\";\n";
        let (rules, diags) = parse_rename_file(src, "r");
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(rules.len(), 3);
        assert_eq!(rules[0].shape, b"tag");
        assert_eq!(rules[0].from, ExtName::string(b"a"));
        assert_eq!(rules[0].to, ExtName::string(b"b"));
        assert_eq!(rules[1].from, ExtName::unique([&b"x"[..], b"y"]));
        assert_eq!(rules[1].to, ExtName::string(b"x.y"));
        assert_eq!(rules[2].shape, b"token");
        assert_eq!(rules[2].from, ExtName::string(b"tA"));
    }

    #[test]
    fn the_corpus_bad_file() {
        // opt_rename_file_bad: TenDRA reports two "expected shape name", an unexpected
        // newline and an unexpected end of file.
        let src =
            b"\"tag\" 'add_numbers' 'sum_pair'\n'missing_shape' 'x';\n\"tag\" 'unterminated\n";
        let (rules, diags) = parse_rename_file(src, "r");
        assert!(rules.is_empty());
        assert_eq!(
            names(&diags),
            [
                "rename_expected_shape",
                "rename_expected_shape",
                "rename_unexpected_newline",
                "rename_unexpected_eof"
            ]
        );
    }

    #[test]
    fn pair_problems() {
        let (rules, diags) = parse_rename_file(b"'tag' \"a\" \"b\" 'token' \"c\" ;", "r");
        assert_eq!(rules.len(), 1);
        assert_eq!(
            names(&diags),
            ["rename_expected_semi", "rename_expected_name"]
        );
        let (_, diags) = parse_rename_file(b"'tag' \"a.b\" [c[d] ; \"x\" ? \"y\\x\" ;", "r");
        assert_eq!(
            names(&diags),
            [
                "rename_illegal_char",
                "rename_illegal_char",
                "rename_illegal_char",
                "rename_illegal_escape"
            ]
        );
    }
}
