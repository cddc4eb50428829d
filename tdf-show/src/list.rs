//! Listing a library in the three formats.

use std::io::{self, Write};

use tdf_core::{push_shown, show_bytes, Library, Usage};

use crate::options::ListOptions;
use crate::text::{json_bytes, json_str, json_usage};

/// TenDRA's `tld -mt` format (§6.2), byte for byte: member names raw, external names in
/// TenDRA's output form (§8.4: `[ ] . \` escaped, every other byte raw).
pub(crate) fn tendra(lib: &Library<'_>, opts: &ListOptions, w: &mut dyn Write) -> io::Result<()> {
    if opts.tdf_version {
        writeln!(w, "[{}, {}]", lib.major, lib.minor)?;
    }
    // Lines are assembled straight into one output buffer, handed to `w` whenever it
    // holds 64 KiB (a write that size passes a `BufWriter` by): one copy of the text,
    // one call through `w` per chunk; numbers and usages without `fmt`.
    const CHUNK: usize = 64 * 1024;
    let mut out = Vec::with_capacity(CHUNK + 512);
    let flush = |out: &mut Vec<u8>, w: &mut dyn Write| -> io::Result<()> {
        if out.len() >= CHUNK {
            w.write_all(out)?;
            out.clear();
        }
        Ok(())
    };
    // The member names, which the index entries print again in any order, copied
    // together: in the library each lies before its member's data, and reading them
    // there in index order missed the caches once an entry (a third of the listing).
    let mut names = Vec::new();
    let mut ends = Vec::new();
    for (i, m) in lib.members.iter().enumerate() {
        // The names lie a member's size apart in the library: fetched a few ahead.
        if let Some(ahead) = lib.members.get(i + 8) {
            tdf_core::bits::prefetch(ahead.name.as_ptr());
        }
        if opts.index {
            names.extend_from_slice(&m.name);
            ends.push(names.len());
        }
        out.extend_from_slice(&m.name);
        if opts.size {
            out.extend_from_slice(b" (");
            push_decimal(&mut out, m.data.len());
            out.push(b')');
        }
        out.push(b'\n');
        flush(&mut out, w)?;
    }
    if opts.index {
        let usages = usage_texts();
        for shape in &lib.index {
            out.extend_from_slice(&shape.name);
            out.extend_from_slice(b":\n");
            for e in &shape.entries {
                out.extend_from_slice(b"  ");
                e.name.write_tendra(&mut out);
                out.push(b' ');
                out.extend_from_slice(usages[e.usage.bits() as usize].as_bytes());
                out.extend_from_slice(b" '");
                let c = e.capsule as usize;
                let start = if c == 0 { 0 } else { ends[c - 1] };
                out.extend_from_slice(&names[start..ends[c]]);
                out.extend_from_slice(b"'\n");
                flush(&mut out, w)?;
            }
        }
    }
    w.write_all(&out)
}

/// The text of every usage value, `{DEFD, DECD}` and so on, by its bits.
fn usage_texts() -> Vec<String> {
    (0..16)
        .map(|b| Usage::from_bits(b).expect("4 bits").to_string())
        .collect()
}

fn push_decimal(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(decimal(n, &mut [0; 20]).as_bytes());
}

/// `n` in decimal digits, written at the end of `buf` (without `fmt`).
fn decimal(mut n: usize, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // ASCII digits, which are UTF-8.
    std::str::from_utf8(&buf[i..]).expect("ASCII digits")
}

/// The width of a cell: its number of characters (ASCII text is counted quickly).
fn chars(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Many short texts in one buffer: one allocation instead of one per text. Each text's
/// width in characters is counted once, as it is added.
#[derive(Default)]
struct Texts {
    buf: String,
    ends: Vec<usize>,
    widths: Vec<usize>,
}

impl Texts {
    fn push_with(&mut self, f: impl FnOnce(&mut String)) {
        let start = self.buf.len();
        f(&mut self.buf);
        self.widths.push(chars(&self.buf[start..]));
        self.ends.push(self.buf.len());
    }

    fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.buf[start..self.ends[i]]
    }

    /// Text `i` with its width.
    fn cell(&self, i: usize) -> (&str, usize) {
        (self.get(i), self.widths[i])
    }

    /// The widest of the first `n` texts.
    fn max_width(&self, n: usize) -> usize {
        self.widths[..n].iter().copied().max().unwrap_or(0)
    }
}

/// A cell of an aligned row: its text, the text's width in characters, the column's
/// width, and whether it is aligned on the right.
type Cell<'t> = (&'t str, usize, usize, bool);

/// Text assembled for the output, handed to it 64 KiB at a time (a write that size
/// passes a `BufWriter` by): one copy of the text, one call through `w` per chunk.
struct Out<'w> {
    text: String,
    w: &'w mut dyn Write,
}

impl Out<'_> {
    const CHUNK: usize = 64 * 1024;

    /// Hands the text on once it holds a chunk.
    fn maybe_flush(&mut self) -> io::Result<()> {
        if self.text.len() >= Self::CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.w.write_all(self.text.as_bytes())?;
        self.text.clear();
        Ok(())
    }

    /// Appends one row of aligned columns: `indent`, then the cells separated by two
    /// spaces, each padded to its column's width in characters (on the left for
    /// right-aligned columns), without spaces at the end.
    fn row(&mut self, indent: &str, cells: &[Cell<'_>]) -> io::Result<()> {
        const SPACES: &str = "                                                                ";
        let pad = |text: &mut String, mut n: usize| {
            while n > 0 {
                let k = n.min(SPACES.len());
                text.push_str(&SPACES[..k]);
                n -= k;
            }
        };
        let start = self.text.len();
        self.text.push_str(indent);
        let last = cells.len().saturating_sub(1);
        for (i, &(cell, cell_width, width, right)) in cells.iter().enumerate() {
            if i > 0 {
                self.text.push_str("  ");
            }
            let n = width - cell_width;
            if right {
                pad(&mut self.text, n);
                self.text.push_str(cell);
            } else {
                self.text.push_str(cell);
                // The last cell is not padded: its blanks would be cut below.
                if i < last {
                    pad(&mut self.text, n);
                }
            }
        }
        // Spaces at the end (after an empty last cell, or one ending in spaces) are cut;
        // a row that ends otherwise is not searched for them. Other white space is part
        // of a name, and kept.
        if self.text.ends_with(' ') {
            let kept = self.text[start..].trim_end_matches(' ').len();
            self.text.truncate(start + kept);
        }
        self.text.push('\n');
        self.maybe_flush()
    }
}

/// The readable text format. Without any of `-i`, `-s`, `-t`: the member names, one
/// per line. Otherwise sections with headers: the version, the members (with sizes for
/// `-s`), and the index (per shape, aligned name, usage and defining member columns).
///
/// Names are shown as users read them ([`tdf_core::name::push_readable`]); a column's
/// width is the largest number of characters in it, and the columns of the index line
/// up across shapes. Rows are assembled straight into the output's chunks, in two
/// passes (widths, then rows): no allocation per row.
pub(crate) fn text(lib: &Library<'_>, opts: &ListOptions, w: &mut dyn Write) -> io::Result<()> {
    use std::fmt::Write as _;
    let mut members = Texts::default();
    for (i, m) in lib.members.iter().enumerate() {
        // The names lie a member's size apart in the library: fetched a few ahead.
        if let Some(ahead) = lib.members.get(i + 8) {
            tdf_core::bits::prefetch(ahead.name.as_ptr());
        }
        members.push_with(|s| push_shown(s, &m.name));
    }
    let mut out = Out {
        text: String::with_capacity(Out::CHUNK + 1024),
        w,
    };
    if !(opts.index || opts.size || opts.tdf_version) {
        for i in 0..lib.members.len() {
            out.text.push_str(members.get(i));
            out.text.push('\n');
            out.maybe_flush()?;
        }
        return out.flush();
    }
    // Writing into a `String` does not fail.
    if opts.tdf_version {
        let _ = writeln!(out.text, "TDF version {}.{}", lib.major, lib.minor);
    }
    let count = plural(lib.members.len(), "member", "members");
    if opts.size {
        let total: usize = lib.members.iter().map(|m| m.data.len()).sum();
        let _ = writeln!(out.text, "{count}, {}:", plural(total, "byte", "bytes"));
        let mut sizes = Texts::default();
        for m in &lib.members {
            sizes.push_with(|s| s.push_str(decimal(m.data.len(), &mut [0; 20])));
        }
        let n = lib.members.len();
        let (size_w, name_w) = (sizes.max_width(n), members.max_width(n));
        for i in 0..n {
            let ((size, sw), (name, nw)) = (sizes.cell(i), members.cell(i));
            out.row("  ", &[(size, sw, size_w, true), (name, nw, name_w, false)])?;
        }
    } else {
        let _ = writeln!(out.text, "{count}:");
        for i in 0..lib.members.len() {
            out.text.push_str("  ");
            out.text.push_str(members.get(i));
            out.text.push('\n');
            out.maybe_flush()?;
        }
    }
    if opts.index {
        let total: usize = lib.index.iter().map(|s| s.entries.len()).sum();
        let per_shape: Vec<String> = lib
            .index
            .iter()
            .map(|s| format!("{} {}", show_bytes(&s.name), s.entries.len()))
            .collect();
        let _ = write!(
            out.text,
            "index: {} in {}",
            plural(total, "name", "names"),
            plural(lib.index.len(), "shape", "shapes")
        );
        if per_shape.is_empty() {
            out.text.push('\n');
        } else {
            let _ = writeln!(out.text, " ({})", per_shape.join(", "));
        }
        // One set of column widths for all shapes, so that the columns line up. A name
        // shown as it is stored (nearly all) is not copied: only the others' texts are
        // kept, in order, for the second pass.
        let usages = usage_texts();
        let mut names = Texts::default();
        let (mut name_w, mut usage_w, mut member_w) = (0, 0, 0);
        for e in lib.index.iter().flat_map(|s| &s.entries) {
            let width = match e.name.plain_text() {
                Some(text) => text.len(),
                None => {
                    names.push_with(|s| e.name.push_text(s));
                    names.widths[names.widths.len() - 1]
                }
            };
            name_w = name_w.max(width);
            usage_w = usage_w.max(usages[e.usage.bits() as usize].len());
            member_w = member_w.max(members.widths[e.capsule as usize]);
        }
        let mut escaped = 0;
        for shape in &lib.index {
            let _ = writeln!(out.text, "  {}:", show_bytes(&shape.name));
            for e in &shape.entries {
                let (name, nw) = match e.name.plain_text() {
                    Some(text) => (text, text.len()),
                    None => {
                        escaped += 1;
                        names.cell(escaped - 1)
                    }
                };
                let usage = usages[e.usage.bits() as usize].as_str();
                let (member, mw) = members.cell(e.capsule as usize);
                let cells = [
                    (name, nw, name_w, false),
                    (usage, usage.len(), usage_w, false),
                    (member, mw, member_w, false),
                ];
                out.row("    ", &cells)?;
            }
        }
    }
    out.flush()
}

/// The JSON document of a library (schema `tshow-library-1`, see `JSON.md`). The `-i`,
/// `-s` and `-t` switches do not change it: every field is always present.
pub(crate) fn json(file: &str, lib: &Library<'_>, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "{{")?;
    writeln!(w, "  \"schema\": \"tshow-library-1\",")?;
    writeln!(w, "  \"file\": {},", json_str(file))?;
    writeln!(
        w,
        "  \"version\": {{\"major\": {}, \"minor\": {}}},",
        lib.major, lib.minor
    )?;
    writeln!(w, "  \"members\": [")?;
    for (i, m) in lib.members.iter().enumerate() {
        let comma = if i + 1 < lib.members.len() { "," } else { "" };
        writeln!(
            w,
            "    {{\"index\": {i}, \"name\": {}, \"size\": {}, \"offset\": {}}}{comma}",
            json_bytes(&m.name),
            m.data.len(),
            m.offset
        )?;
    }
    writeln!(w, "  ],")?;
    writeln!(w, "  \"index\": [")?;
    for (si, shape) in lib.index.iter().enumerate() {
        writeln!(w, "    {{")?;
        writeln!(w, "      \"shape\": {},", json_bytes(&shape.name))?;
        writeln!(w, "      \"names\": [")?;
        for (i, e) in shape.entries.iter().enumerate() {
            let comma = if i + 1 < shape.entries.len() { "," } else { "" };
            writeln!(
                w,
                "        {{\"name\": {}, \"unique\": {}, \"usage\": {}, \"usage_bits\": {}, \
                 \"capsule\": {}, \"capsule_name\": {}}}{comma}",
                json_str(&e.name.to_text()),
                e.name.is_unique(),
                json_usage(e.usage),
                e.usage.bits(),
                e.capsule,
                json_bytes(&lib.members[e.capsule as usize].name)
            )?;
        }
        writeln!(w, "      ]")?;
        let comma = if si + 1 < lib.index.len() { "," } else { "" };
        writeln!(w, "    }}{comma}")?;
    }
    writeln!(w, "  ]")?;
    writeln!(w, "}}")
}
