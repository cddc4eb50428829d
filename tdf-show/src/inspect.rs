//! Inspecting one capsule, as `nm`/`readelf` do for object files.

use std::io::{self, Write};

use tdf_core::capsule::Capsule;
use tdf_core::linkinfo::LinkInfoKind;
use tdf_core::{show_bytes, Usage};

use crate::text::{json_bytes, json_str, json_usage, Table};

/// How an external name stands in a capsule, from its usage.
pub(crate) fn status(linkinfo: LinkInfoKind, u: Usage) -> &'static str {
    if linkinfo == LinkInfoKind::Missing {
        "unknown"
    } else if u.contains(Usage::DEFD) {
        "defined"
    } else if u.contains(Usage::MULT) {
        "common"
    } else {
        "undefined"
    }
}

fn linkinfo_text(c: &Capsule<'_>) -> String {
    match c.linkinfo {
        // Read leniently: the unit is there, but the linker could not use it.
        LinkInfoKind::Missing if c.group(b"tld").or_else(|| c.group(b"tld2")).is_some() => {
            "present but not usable (usage unknown)".into()
        }
        LinkInfoKind::Missing => "none".into(),
        LinkInfoKind::Tld(f) => format!("tld (format {f})"),
        LinkInfoKind::Tld2 => "tld2 (obsolete)".into(),
    }
}

fn body_bytes(g: &tdf_core::capsule::Group<'_>) -> usize {
    g.units.iter().map(|u| u.body.len()).sum()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The readable text form.
pub(crate) fn text(file: &str, size: usize, c: &Capsule<'_>, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "capsule {file}: {}", plural(size, "byte", "bytes"))?;
    writeln!(w, "TDF version {}.{}", c.major, c.minor)?;
    writeln!(w, "linker information: {}", linkinfo_text(c))?;

    writeln!(w, "unit sets: {}", c.groups.len())?;
    let mut t = Table::new(&[false, true, true]);
    t.row(vec!["SET".into(), "UNITS".into(), "BODY BYTES".into()]);
    for g in &c.groups {
        t.row(vec![
            show_bytes(&g.name),
            g.units.len().to_string(),
            body_bytes(g).to_string(),
        ]);
    }
    t.write("  ", w)?;

    writeln!(w, "shapes: {}", c.shapes.len())?;
    let mut t = Table::new(&[false, true, true, true]);
    t.row(vec![
        "SHAPE".into(),
        "IDS".into(),
        "EXTERNAL".into(),
        "UNDEFINED".into(),
    ]);
    for s in &c.shapes {
        let undefined = s
            .externs
            .iter()
            .filter(|e| status(c.linkinfo, e.usage) == "undefined")
            .count();
        t.row(vec![
            show_bytes(&s.name),
            s.num_ids.to_string(),
            s.externs.len().to_string(),
            undefined.to_string(),
        ]);
    }
    t.write("  ", w)?;

    let total: usize = c.shapes.iter().map(|s| s.externs.len()).sum();
    let undefined: usize = c
        .shapes
        .iter()
        .flat_map(|s| &s.externs)
        .filter(|e| status(c.linkinfo, e.usage) == "undefined")
        .count();
    writeln!(w, "external names: {total} ({undefined} undefined)")?;
    if total > 0 {
        let mut t = Table::new(&[false, false, true, false, false]);
        t.row(vec![
            "STATUS".into(),
            "SHAPE".into(),
            "ID".into(),
            "NAME".into(),
            "USAGE".into(),
        ]);
        for s in &c.shapes {
            for e in &s.externs {
                t.row(vec![
                    status(c.linkinfo, e.usage).into(),
                    show_bytes(&s.name),
                    e.id.to_string(),
                    e.name.to_text(),
                    e.usage.to_string(),
                ]);
            }
        }
        t.write("  ", w)?;
    }
    Ok(())
}

/// The JSON document of a capsule (schema `tshow-capsule-1`, see `JSON.md`).
pub(crate) fn json(file: &str, size: usize, c: &Capsule<'_>, w: &mut dyn Write) -> io::Result<()> {
    let (li, format) = match c.linkinfo {
        LinkInfoKind::Missing => ("none", "null".to_owned()),
        LinkInfoKind::Tld(f) => ("tld", f.to_string()),
        LinkInfoKind::Tld2 => ("tld2", "0".to_owned()),
    };
    writeln!(w, "{{")?;
    writeln!(w, "  \"schema\": \"tshow-capsule-1\",")?;
    writeln!(w, "  \"file\": {},", json_str(file))?;
    writeln!(w, "  \"size\": {size},")?;
    writeln!(
        w,
        "  \"version\": {{\"major\": {}, \"minor\": {}}},",
        c.major, c.minor
    )?;
    writeln!(
        w,
        "  \"linker_information\": {{\"set\": \"{li}\", \"format\": {format}}},"
    )?;
    writeln!(w, "  \"unit_sets\": [")?;
    for (i, g) in c.groups.iter().enumerate() {
        let comma = if i + 1 < c.groups.len() { "," } else { "" };
        writeln!(
            w,
            "    {{\"name\": {}, \"units\": {}, \"body_bytes\": {}}}{comma}",
            json_bytes(&g.name),
            g.units.len(),
            body_bytes(g)
        )?;
    }
    writeln!(w, "  ],")?;
    writeln!(w, "  \"shapes\": [")?;
    for (i, s) in c.shapes.iter().enumerate() {
        let comma = if i + 1 < c.shapes.len() { "," } else { "" };
        let undefined = s
            .externs
            .iter()
            .filter(|e| status(c.linkinfo, e.usage) == "undefined")
            .count();
        writeln!(
            w,
            "    {{\"name\": {}, \"ids\": {}, \"external_names\": {}, \"undefined\": {undefined}}}{comma}",
            json_bytes(&s.name),
            s.num_ids,
            s.externs.len()
        )?;
    }
    writeln!(w, "  ],")?;
    writeln!(w, "  \"external_names\": [")?;
    let all: Vec<_> = c
        .shapes
        .iter()
        .flat_map(|s| s.externs.iter().map(move |e| (s, e)))
        .collect();
    for (i, (s, e)) in all.iter().enumerate() {
        let comma = if i + 1 < all.len() { "," } else { "" };
        writeln!(
            w,
            "    {{\"shape\": {}, \"id\": {}, \"name\": {}, \"unique\": {}, \"usage\": {}, \
             \"usage_bits\": {}, \"status\": \"{}\"}}{comma}",
            json_bytes(&s.name),
            e.id,
            json_str(&e.name.to_text()),
            e.name.is_unique(),
            json_usage(e.usage),
            e.usage.bits(),
            status(c.linkinfo, e.usage)
        )?;
    }
    writeln!(w, "  ]")?;
    writeln!(w, "}}")
}
