//! Listing a library in the three formats.

use std::io::{self, Write};

use tdf_core::{show_bytes, Library};

use crate::text::{json_bytes, json_str, json_usage, Table};
use crate::ListOptions;

/// TenDRA's `tld -mt` format (§6.2), byte for byte: names are written raw.
pub(crate) fn tendra(lib: &Library<'_>, opts: &ListOptions, w: &mut dyn Write) -> io::Result<()> {
    if opts.tdf_version {
        writeln!(w, "[{}, {}]", lib.major, lib.minor)?;
    }
    for m in &lib.members {
        w.write_all(&m.name)?;
        if opts.size {
            write!(w, " ({})", m.data.len())?;
        }
        w.write_all(b"\n")?;
    }
    if opts.index {
        for shape in &lib.index {
            w.write_all(&shape.name)?;
            w.write_all(b":\n")?;
            for e in &shape.entries {
                write!(w, "  {} {} '", e.name, e.usage)?;
                w.write_all(&lib.members[e.capsule as usize].name)?;
                w.write_all(b"'\n")?;
            }
        }
    }
    Ok(())
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The readable text format. Without any of `-i`, `-s`, `-t`: the member names, one
/// per line. Otherwise sections with headers: the version, the members (with sizes for
/// `-s`), and the index (per shape, aligned name, usage and defining member columns).
pub(crate) fn text(lib: &Library<'_>, opts: &ListOptions, w: &mut dyn Write) -> io::Result<()> {
    if !(opts.index || opts.size || opts.tdf_version) {
        for m in &lib.members {
            writeln!(w, "{}", show_bytes(&m.name))?;
        }
        return Ok(());
    }
    if opts.tdf_version {
        writeln!(w, "TDF version {}.{}", lib.major, lib.minor)?;
    }
    let count = plural(lib.members.len(), "member", "members");
    if opts.size {
        let total: usize = lib.members.iter().map(|m| m.data.len()).sum();
        writeln!(w, "{count}, {}:", plural(total, "byte", "bytes"))?;
        let mut t = Table::new(&[true, false]);
        for m in &lib.members {
            t.row(vec![m.data.len().to_string(), show_bytes(&m.name)]);
        }
        t.write("  ", w)?;
    } else {
        writeln!(w, "{count}:")?;
        for m in &lib.members {
            writeln!(w, "  {}", show_bytes(&m.name))?;
        }
    }
    if opts.index {
        let total: usize = lib.index.iter().map(|s| s.entries.len()).sum();
        let per_shape: Vec<String> = lib
            .index
            .iter()
            .map(|s| format!("{} {}", show_bytes(&s.name), s.entries.len()))
            .collect();
        write!(
            w,
            "index: {} in {}",
            plural(total, "name", "names"),
            plural(lib.index.len(), "shape", "shapes")
        )?;
        if per_shape.is_empty() {
            writeln!(w)?;
        } else {
            writeln!(w, " ({})", per_shape.join(", "))?;
        }
        // One table for all shapes, so that the columns line up across shapes.
        let mut t = Table::new(&[]);
        for shape in &lib.index {
            for e in &shape.entries {
                t.row(vec![
                    e.name.to_text(),
                    e.usage.to_string(),
                    show_bytes(&lib.members[e.capsule as usize].name),
                ]);
            }
        }
        let mut start = 0;
        for shape in &lib.index {
            writeln!(w, "  {}:", show_bytes(&shape.name))?;
            let end = start + shape.entries.len();
            t.write_range(start..end, "    ", w)?;
            start = end;
        }
    }
    Ok(())
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
