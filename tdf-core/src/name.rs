//! External names: the `string_extern` and `unique_extern` forms of TDF's EXTERNAL sort
//! (§2.3), their binary encoding, and their command-line text syntax (§8.4).
//!
//! A name read from a capsule or library borrows its bytes from the input
//! (`ExtName<'a>` holds `Cow::Borrowed` slices); names parsed from the command line or a
//! rename file own theirs. Equality and hashing look at the form and the bytes only, so a
//! borrowed and an owned name with the same bytes are the same key. A string name never
//! equals a unique name, not even a unique of one component.

use std::borrow::Cow;
use std::fmt;

use crate::bits::{ReadError, ReadErrorKind, Reader, Writer};

/// An external name: a string, or a unique (a list of string components).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExtName<'a> {
    /// `string_extern`: one byte string.
    String(Cow<'a, [u8]>),
    /// `unique_extern`: a sequence of byte strings, written `[a.b.c]`. A boxed slice,
    /// not a vector: it keeps a name at 24 bytes, and tables hold millions of names.
    Unique(Box<[Cow<'a, [u8]>]>),
}

/// One write of the bytes for a string name (the tables hash every name they see; the
/// derived hash wrote the form, the length and the bytes separately). A unique name
/// writes its number of components, then each component and its length, so that no two
/// unequal names are forced to collide; a string and a unique of one component differ
/// by the count.
impl std::hash::Hash for ExtName<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            ExtName::String(s) => state.write(s),
            ExtName::Unique(parts) => {
                state.write_usize(usize::MAX - parts.len());
                for p in parts.iter() {
                    state.write(p);
                    state.write_usize(p.len());
                }
            }
        }
    }
}

impl<'a> ExtName<'a> {
    /// A string name borrowing `s`.
    pub fn string(s: &'a [u8]) -> Self {
        ExtName::String(Cow::Borrowed(s))
    }

    /// A unique name of borrowed components.
    pub fn unique<I: IntoIterator<Item = &'a [u8]>>(parts: I) -> Self {
        ExtName::Unique(parts.into_iter().map(Cow::Borrowed).collect())
    }

    /// The same name owning its bytes.
    pub fn into_owned(self) -> ExtName<'static> {
        match self {
            ExtName::String(s) => ExtName::String(Cow::Owned(s.into_owned())),
            ExtName::Unique(v) => {
                let parts = v.into_vec().into_iter();
                ExtName::Unique(parts.map(|c| Cow::Owned(c.into_owned())).collect())
            }
        }
    }

    /// A copy of this name that borrows from `self`.
    pub fn borrowed(&self) -> ExtName<'_> {
        match self {
            ExtName::String(s) => ExtName::String(Cow::Borrowed(s)),
            ExtName::Unique(v) => ExtName::Unique(v.iter().map(|c| Cow::Borrowed(&**c)).collect()),
        }
    }

    /// True for a unique name.
    pub fn is_unique(&self) -> bool {
        matches!(self, ExtName::Unique(_))
    }

    /// Reads an EXTERNAL (§2.3): the 2-bit tag, alignment, then a TDFIDENT or a UNIQUE.
    /// Tags 0 (extension) and 3 (`chain_extern`) are rejected.
    pub fn read(r: &mut Reader<'a>) -> Result<Self, ReadError> {
        let start = r.bit_pos();
        let tag = r.read_tag2()?;
        r.align();
        match tag {
            1 => Ok(ExtName::String(Cow::Borrowed(r.read_ident()?))),
            2 => {
                let n = r.read_tdfint()? as usize;
                // Each component takes at least two nibbles: never trust `n` for capacity.
                let mut parts = Vec::with_capacity(n.min(r.remaining_bytes() + 1));
                for _ in 0..n {
                    parts.push(Cow::Borrowed(r.read_ident()?));
                }
                Ok(ExtName::Unique(parts.into_boxed_slice()))
            }
            t => Err(ReadError {
                kind: ReadErrorKind::BadNameType(t),
                bit_pos: start,
            }),
        }
    }

    /// Writes the EXTERNAL encoding of this name.
    pub fn write(&self, w: &mut Writer) {
        match self {
            ExtName::String(s) => {
                w.write_bits(1, 2);
                w.align();
                w.write_ident(s);
            }
            ExtName::Unique(parts) => {
                w.write_bits(2, 2);
                w.align();
                w.write_tdfint(crate::bits::len_u32(parts.len()));
                for p in parts {
                    w.write_ident(p);
                }
            }
        }
    }

    /// Parses the command-line syntax of §8.4: `[c1.c2...]` is a unique, anything else a
    /// string; `\\ \[ \] \. \n \r \t \0 \xHH` are escapes (letters in either case).
    pub fn parse(text: &[u8]) -> Result<ExtName<'static>, NameSyntaxError> {
        if let Some(rest) = text.strip_prefix(b"[") {
            let mut parts = Vec::new();
            let mut cur = Vec::new();
            let mut i = 0;
            loop {
                let Some(&c) = rest.get(i) else {
                    return Err(NameSyntaxError::Unterminated);
                };
                i += 1;
                match c {
                    b']' => {
                        parts.push(Cow::Owned(std::mem::take(&mut cur)));
                        if i != rest.len() {
                            return Err(NameSyntaxError::TrailingText);
                        }
                        return Ok(ExtName::Unique(parts.into_boxed_slice()));
                    }
                    b'.' => parts.push(Cow::Owned(std::mem::take(&mut cur))),
                    b'[' => return Err(NameSyntaxError::IllegalChar(c)),
                    b'\\' => cur.push(unescape(rest, &mut i)?),
                    _ => cur.push(c),
                }
            }
        } else {
            let mut out = Vec::with_capacity(text.len());
            let mut i = 0;
            while let Some(&c) = text.get(i) {
                i += 1;
                match c {
                    b'[' | b']' | b'.' => return Err(NameSyntaxError::IllegalChar(c)),
                    b'\\' => out.push(unescape(text, &mut i)?),
                    _ => out.push(c),
                }
            }
            Ok(ExtName::String(Cow::Owned(out)))
        }
    }

    /// Appends this name as users read it ([`TextForm::Readable`]): the §8.4 syntax,
    /// valid UTF-8 as it is, control characters and bytes that are not UTF-8 as `\xHH`.
    /// [`ExtName::parse`] reads the text back to the same name.
    pub fn push_text(&self, out: &mut String) {
        match self {
            ExtName::String(s) => push_readable(out, s, true),
            ExtName::Unique(parts) => {
                out.push('[');
                for (i, p) in parts.iter().enumerate() {
                    if i > 0 {
                        out.push('.');
                    }
                    push_readable(out, p, true);
                }
                out.push(']');
            }
        }
    }

    /// The text [`ExtName::push_text`] gives, without a copy, when it is the name's bytes
    /// as they are (a string name of printable ASCII without `[ ] . \`: nearly every
    /// name); `None` otherwise.
    pub fn plain_text(&self) -> Option<&str> {
        match self {
            ExtName::String(s) if s.iter().all(|&b| plain_byte(b, true)) => {
                // SAFETY: every byte is ASCII (0x20 to 0x7E), and ASCII is UTF-8.
                Some(unsafe { std::str::from_utf8_unchecked(s) })
            }
            _ => None,
        }
    }

    /// This name as users read it ([`ExtName::push_text`]): the form of diagnostics,
    /// `tshow` listings and JSON.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.push_text(&mut out);
        out
    }

    /// Appends this name in TenDRA's output form ([`TextForm::Tendra`], §8.4): `[ ] . \`
    /// preceded by a backslash, every other byte raw. This is the form of `tld -mt`,
    /// which scripts parse.
    pub fn write_tendra(&self, out: &mut Vec<u8>) {
        match self {
            ExtName::String(s) => push_tendra(out, s),
            ExtName::Unique(parts) => {
                out.push(b'[');
                for (i, p) in parts.iter().enumerate() {
                    if i > 0 {
                        out.push(b'.');
                    }
                    push_tendra(out, p);
                }
                out.push(b']');
            }
        }
    }
}

/// The two ways names are printed. Everything the tools print goes through
/// [`push_readable`] (names, shapes, member and unit set names), except the TenDRA
/// listing of `tld -mt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextForm {
    /// TenDRA's output form (§8.4), kept exactly by `tld -mt` (the compatibility listing
    /// that scripts parse): `[ ] . \` preceded by a backslash, every other byte raw,
    /// control characters included.
    Tendra,
    /// As users read them, in diagnostics, `tshow` and JSON: valid UTF-8 as it is,
    /// control characters (U+0000–U+001F, U+007F–U+009F) and bytes that are not part of
    /// valid UTF-8 as `\xHH` (each byte), which the command-line syntax reads back; in
    /// external names also `[ ] . \` preceded by a backslash.
    Readable,
}

/// Appends `bytes` as users read them ([`TextForm::Readable`]). With `syntax`, the
/// characters of the §8.4 syntax (`[ ] . \`) are escaped too, as in external names; shape,
/// member and file names are shown without that. The one function that decides how the
/// tools print bytes: [`show_bytes`] and [`ExtName::to_text`] are built on it.
pub fn push_readable(out: &mut String, bytes: &[u8], syntax: bool) {
    // Printable ASCII with nothing to escape (nearly every name): as it is.
    if bytes.iter().all(|&b| plain_byte(b, syntax)) {
        // SAFETY: every byte is ASCII (0x20 to 0x7E), and ASCII is UTF-8.
        out.push_str(unsafe { std::str::from_utf8_unchecked(bytes) });
        return;
    }
    push_readable_chars(out, bytes, syntax);
}

/// A byte [`push_readable`] shows as it is: printable ASCII, but for the characters of
/// the §8.4 syntax with `syntax`.
#[inline]
fn plain_byte(b: u8, syntax: bool) -> bool {
    PLAIN[b as usize] & (1 << syntax as u8) != 0
}

/// Per byte: bit 0 set when [`push_readable`] shows it as it is without `syntax`, bit 1
/// with it (one load a byte instead of five comparisons).
static PLAIN: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0x20;
    while b < 0x7F {
        t[b] = match b as u8 {
            b'[' | b']' | b'.' | b'\\' => 1,
            _ => 3,
        };
        b += 1;
    }
    t
};

/// [`push_readable`] character by character.
fn push_readable_chars(out: &mut String, bytes: &[u8], syntax: bool) {
    for chunk in bytes.utf8_chunks() {
        let valid = chunk.valid();
        let mut run = 0;
        for (i, c) in valid.char_indices() {
            let special = syntax && matches!(c, '[' | ']' | '.' | '\\');
            if !special && !c.is_control() {
                continue;
            }
            out.push_str(&valid[run..i]);
            run = i + c.len_utf8();
            if special {
                out.push('\\');
                out.push(c);
            } else {
                push_hex(out, &valid.as_bytes()[i..run]);
            }
        }
        out.push_str(&valid[run..]);
        push_hex(out, chunk.invalid());
    }
}

/// Appends each byte as `\xHH`.
fn push_hex(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &b in bytes {
        out.push('\\');
        out.push('x');
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 15) as usize] as char);
    }
}

/// Appends `bytes` in TenDRA's output form: `[ ] . \` preceded by a backslash, every
/// other byte raw.
fn push_tendra(out: &mut Vec<u8>, bytes: &[u8]) {
    // Names are mostly plain: copy runs of plain bytes at once (listings print many).
    let mut rest = bytes;
    while let Some(run) = rest
        .iter()
        .position(|&b| matches!(b, b'[' | b']' | b'.' | b'\\'))
    {
        out.extend_from_slice(&rest[..run]);
        out.extend_from_slice(&[b'\\', rest[run]]);
        rest = &rest[run + 1..];
    }
    out.extend_from_slice(rest);
}

impl fmt::Display for ExtName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl fmt::Debug for ExtName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ExtName({})", self.to_text())
    }
}

/// Why a command-line name does not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameSyntaxError {
    /// `[`, `]` or `.` unescaped in a string name, or `[` inside a unique.
    IllegalChar(u8),
    /// A unique without its closing `]`.
    Unterminated,
    /// Text after the closing `]` of a unique.
    TrailingText,
    /// An unknown escape, a bad `\x` escape, or a `\` at the end.
    IllegalEscape,
}

impl fmt::Display for NameSyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameSyntaxError::IllegalChar(c) => write!(f, "illegal character '{}'", *c as char),
            NameSyntaxError::Unterminated => f.write_str("missing ']'"),
            NameSyntaxError::TrailingText => f.write_str("text after ']'"),
            NameSyntaxError::IllegalEscape => f.write_str("illegal escape sequence"),
        }
    }
}

fn hex_value(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Decodes the escape whose backslash was just consumed; `*i` indexes the next byte.
fn unescape(text: &[u8], i: &mut usize) -> Result<u8, NameSyntaxError> {
    let c = *text.get(*i).ok_or(NameSyntaxError::IllegalEscape)?;
    *i += 1;
    Ok(match c {
        b'\\' | b'[' | b']' | b'.' => c,
        b'n' | b'N' => b'\n',
        b'r' | b'R' => b'\r',
        b't' | b'T' => b'\t',
        b'0' => 0,
        b'x' | b'X' => {
            let hi = text.get(*i).copied().and_then(hex_value);
            let lo = text.get(*i + 1).copied().and_then(hex_value);
            match (hi, lo) {
                (Some(h), Some(l)) => {
                    *i += 2;
                    (h << 4) | l
                }
                _ => return Err(NameSyntaxError::IllegalEscape),
            }
        }
        _ => return Err(NameSyntaxError::IllegalEscape),
    })
}

/// Bytes (shape, member, unit set and file names) as users read them: valid UTF-8 as it
/// is, control characters and bytes that are not UTF-8 as `\xHH` ([`push_readable`],
/// which also decides how external names are printed).
pub fn show_bytes(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    push_shown(&mut s, bytes);
    s
}

/// Appends [`show_bytes`] of `bytes` to `out`, without allocating when `out` has room.
pub fn push_shown(out: &mut String, bytes: &[u8]) {
    push_readable(out, bytes, false);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_the_text_when_nothing_is_escaped() {
        let string = |b: &'static [u8]| ExtName::String(Cow::Borrowed(b));
        for b in [
            &b"main"[..],
            b"a b~",
            b"",
            b"x\\y",
            b"d.n",
            b"[u]",
            b"caf\xc3\xa9",
            b"\x01",
        ] {
            let name = string(b);
            if let Some(t) = name.plain_text() {
                assert_eq!(t, name.to_text(), "{b:?}");
            }
        }
        assert_eq!(string(b"main").plain_text(), Some("main"));
        assert_eq!(string(b"a b~").plain_text(), Some("a b~"));
        // Escaped, or not plain ASCII: made by push_text.
        for b in [&b"d.n"[..], b"x\\y", b"[u]", b"\x01", b"caf\xc3\xa9"] {
            assert_eq!(string(b).plain_text(), None, "{b:?}");
        }
        let unique = ExtName::Unique(vec![Cow::Borrowed(&b"u"[..])].into_boxed_slice());
        assert_eq!(unique.plain_text(), None);
    }

    #[test]
    fn shown_bytes() {
        assert_eq!(show_bytes(b"caps/a.j"), "caps/a.j");
        assert_eq!(show_bytes(b"a\x00b\xffc\n"), "a\\x00b\\xffc\\x0a");
        assert_eq!(show_bytes(b""), "");
        assert_eq!(show_bytes(b"\x7f~ "), "\\x7f~ ");
        assert_eq!(show_bytes("api/été.j".as_bytes()), "api/été.j");
    }

    fn encode_after(prefix_nibble: Option<u8>, name: &ExtName) -> Vec<u8> {
        let mut w = Writer::new();
        if let Some(n) = prefix_nibble {
            w.write_nibble(n);
        }
        name.write(&mut w);
        w.finish()
    }

    #[test]
    fn string_encoding_examples() {
        // §2.3: "main" after a byte-aligned TDFINT, and after a half byte (capsule id 0).
        let main = ExtName::string(b"main");
        assert_eq!(
            encode_after(None, &main),
            [0x40, 0x18, 0xC0, 0x6D, 0x61, 0x69, 0x6E]
        );
        let bytes = encode_after(Some(8), &main);
        assert_eq!(bytes, [0x84, 0x18, 0xC0, 0x6D, 0x61, 0x69, 0x6E]);
        let mut r = Reader::new(&bytes);
        assert_eq!(r.read_tdfint().unwrap(), 0);
        assert_eq!(ExtName::read(&mut r).unwrap(), main);
        assert!(r.at_end());
    }

    #[test]
    fn unique_encoding_example() {
        // §2.3: [a.bc] = 80 A1 89 61 18 A0 62 63
        let name = ExtName::unique([&b"a"[..], b"bc"]);
        let bytes = encode_after(None, &name);
        assert_eq!(bytes, [0x80, 0xA1, 0x89, 0x61, 0x18, 0xA0, 0x62, 0x63]);
        assert_eq!(ExtName::read(&mut Reader::new(&bytes)).unwrap(), name);
    }

    #[test]
    fn bad_name_types() {
        for (byte, tag) in [(0x00u8, 0u32), (0xC0, 3)] {
            let e = ExtName::read(&mut Reader::new(&[byte, 0x18, 0x90, 0x41])).unwrap_err();
            assert_eq!(e.kind, ReadErrorKind::BadNameType(tag));
        }
    }

    #[test]
    fn names_are_small() {
        assert_eq!(std::mem::size_of::<ExtName<'_>>(), 24);
    }

    #[test]
    fn string_never_equals_unique() {
        assert_ne!(ExtName::string(b"a"), ExtName::unique([&b"a"[..]]));
    }

    #[test]
    fn parse_strings_and_escapes() {
        let p = |s: &str| ExtName::parse(s.as_bytes());
        assert_eq!(p("main").unwrap(), ExtName::string(b"main"));
        assert_eq!(
            p(r"dotted\.name\[1\]").unwrap(),
            ExtName::string(b"dotted.name[1]")
        );
        assert_eq!(
            p(r"a\nb\Tc\0\x41\\").unwrap(),
            ExtName::string(b"a\nb\tc\0A\\")
        );
        assert_eq!(p(r"\xff").unwrap(), ExtName::string(&[0xFF]));
        for bad in ["a.b", "a]", r"a\q", r"a\x4", r"a\xg1", "a\\"] {
            assert!(p(bad).is_err(), "{bad} should not parse");
        }
        assert_eq!(p(""), Ok(ExtName::string(b"")));
    }

    #[test]
    fn parse_uniques() {
        let p = |s: &str| ExtName::parse(s.as_bytes());
        assert_eq!(
            p("[pkg.module.counter]").unwrap(),
            ExtName::unique([&b"pkg"[..], b"module", b"counter"])
        );
        assert_eq!(p("[]").unwrap(), ExtName::unique([&b""[..]]));
        assert_eq!(
            p("[a..b]").unwrap(),
            ExtName::unique([&b"a"[..], b"", b"b"])
        );
        assert_eq!(p(r"[a\.b]").unwrap(), ExtName::unique([&b"a.b"[..]]));
        assert_eq!(p("[unterminated"), Err(NameSyntaxError::Unterminated));
        assert_eq!(p("[a]b"), Err(NameSyntaxError::TrailingText));
        assert_eq!(p("[a[b]"), Err(NameSyntaxError::IllegalChar(b'[')));
    }

    #[test]
    fn text_round_trip() {
        let names = [
            ExtName::string(b"dotted.name[1]"),
            ExtName::string(b"tab\there\x1b\xff"),
            ExtName::unique([&b"a.b"[..], b"", b"c\\"]),
            ExtName::string("été\u{85}".as_bytes()),
            ExtName::string(b"\xc3\xa9\xc3"),
        ];
        for n in names {
            let text = n.to_text();
            assert_eq!(ExtName::parse(text.as_bytes()).unwrap(), n, "{text}");
        }
        assert_eq!(ExtName::string(b"dotted.name").to_text(), r"dotted\.name");
        assert_eq!(ExtName::unique([&b"a"[..], b"bc"]).to_text(), "[a.bc]");
    }

    /// Issue 10: names are printed as users read them; `tld -mt` keeps TenDRA's form.
    #[test]
    fn names_are_printed_as_users_read_them() {
        let ete = ExtName::string("été".as_bytes());
        assert_eq!(ete.to_text(), "été");
        // Control characters (C0, DEL, C1) and bytes that are not UTF-8 are escaped.
        let odd = ExtName::string(b"a\tb\x7f\xc2\x85c\xff\xc3.");
        assert_eq!(odd.to_text(), r"a\x09b\x7f\xc2\x85c\xff\xc3\.");
        let unique = ExtName::unique(["é.1".as_bytes(), b"\n"]);
        assert_eq!(unique.to_text(), r"[é\.1.\x0a]");
        // TenDRA's form: only the syntax characters are escaped, every other byte raw.
        let tendra = |n: &ExtName| {
            let mut v = Vec::new();
            n.write_tendra(&mut v);
            v
        };
        assert_eq!(tendra(&ete), "été".as_bytes());
        assert_eq!(tendra(&odd), b"a\tb\x7f\xc2\x85c\xff\xc3\\.");
        assert_eq!(tendra(&unique), "[é\\.1.\n]".as_bytes());
        // The shortcut for plain ASCII says what the general rule says, byte by byte.
        for syntax in [false, true] {
            for b in 0..=255u8 {
                let bytes = [b'a', b, b'z'];
                let (mut fast, mut slow) = (String::new(), String::new());
                push_readable(&mut fast, &bytes, syntax);
                push_readable_chars(&mut slow, &bytes, syntax);
                assert_eq!(fast, slow, "byte {b:#x}, syntax {syntax}");
            }
        }
        // Shapes and member names: the same rule without the name syntax.
        let mut s = String::new();
        push_readable(&mut s, b"dir/x.j\\\x00\xe9", false);
        assert_eq!(s, r"dir/x.j\\x00\xe9");
    }
}
