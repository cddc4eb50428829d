//! Small pieces shared by the parsers of text inputs (rename files, unit-set files).

use std::sync::Arc;

/// The result of decoding one backslash escape in a rename or unit-set file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Escape {
    /// The escape stands for this byte.
    Char(u8),
    /// Backslash-newline: a line continuation, nothing.
    Nothing,
    /// A bad `\x` escape, or a backslash at the end of the input.
    Illegal,
}

/// Decodes the escape whose backslash is at `src[at]` (§8.5): `\0`, `\f \n \r \t` in either
/// case, `\xHH` with exactly two hex digits, backslash-newline, and backslash before any
/// other byte meaning that byte. Returns the escape and the index after it.
pub(crate) fn unescape_file_char(src: &[u8], at: usize) -> (Escape, usize) {
    debug_assert_eq!(src[at], b'\\');
    let Some(&c) = src.get(at + 1) else {
        return (Escape::Illegal, at + 1);
    };
    let next = at + 2;
    let byte = match c {
        b'0' => 0,
        b'f' | b'F' => 0x0C,
        b'n' | b'N' => b'\n',
        b'r' | b'R' => b'\r',
        b't' | b'T' => b'\t',
        b'\n' => return (Escape::Nothing, next),
        b'x' | b'X' => {
            let hex = |i: usize| src.get(i).and_then(|&b| (b as char).to_digit(16));
            return match (hex(next), hex(next + 1)) {
                (Some(h), Some(l)) => (Escape::Char((h * 16 + l) as u8), next + 2),
                _ => (Escape::Illegal, next),
            };
        }
        other => other,
    };
    (Escape::Char(byte), next)
}

/// The text of a file for diagnostic snippets. Invalid UTF-8 is shown with each
/// non-ASCII byte replaced by `?`, so byte offsets stay valid.
pub(crate) fn diag_source(src: &[u8]) -> Arc<str> {
    match std::str::from_utf8(src) {
        Ok(s) => Arc::from(s),
        Err(_) => {
            let s: String = src
                .iter()
                .map(|&b| if b.is_ascii() { b as char } else { '?' })
                .collect();
            Arc::from(s)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(unescape_file_char(b"\\n", 0), (Escape::Char(b'\n'), 2));
        assert_eq!(unescape_file_char(b"\\F", 0), (Escape::Char(0x0C), 2));
        assert_eq!(unescape_file_char(b"\\x4a", 0), (Escape::Char(0x4A), 4));
        assert_eq!(unescape_file_char(b"\\x4", 0).0, Escape::Illegal);
        assert_eq!(unescape_file_char(b"\\", 0).0, Escape::Illegal);
        assert_eq!(unescape_file_char(b"\\\n", 0), (Escape::Nothing, 2));
        assert_eq!(unescape_file_char(b"\\q", 0), (Escape::Char(b'q'), 2));
    }

    #[test]
    fn diag_source_keeps_offsets() {
        assert_eq!(&*diag_source(b"a\xffb"), "a?b");
        assert_eq!(&*diag_source("é".as_bytes()), "é");
    }
}
