//! `tshow -d --format json`: every unit's decoded tree as one JSON document (schema
//! `tshow-decode-1`, described in `JSON.md`).
//!
//! The tree is written with an explicit stack, not recursively: it is as deep as the
//! decoder allowed, and the writer must not recurse that deep.

use std::io::{self, Write};

use tdf_core::capsule::FlatCapsule;
use tdf_core::decode::table::{ConsId, ENTITIES};
use tdf_core::decode::tree::{self, children, Node, NodeKind, LABEL};
use tdf_core::decode::{Decoded, ErrorKind, UnitTree};
use tdf_core::hash::FastHashMap;
use tdf_core::Diagnostic;
use tdf_errors::{Location, Severity};

use crate::text::{json_bytes, json_str};

/// Opens the document.
pub fn start(w: &mut dyn Write, file: &str) -> io::Result<()> {
    writeln!(w, "{{")?;
    writeln!(w, "  \"schema\": \"tshow-decode-1\",")?;
    writeln!(w, "  \"file\": {},", json_str(file))?;
    write!(w, "  \"capsules\": [")
}

/// Closes the document.
pub fn finish(w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "\n  ]")?;
    writeln!(w, "}}")
}

/// The external names and links of a capsule, to name identifiers.
struct Names<'c, 'a> {
    capsule: &'c FlatCapsule<'a>,
    /// Shape index of each [`ENTITIES`] slot.
    shape_of: Vec<Option<usize>>,
    /// (shape, capsule id) -> external name (§8.4 text).
    externs: FastHashMap<(usize, u32), String>,
}

impl<'c, 'a> Names<'c, 'a> {
    fn new(capsule: &'c FlatCapsule<'a>) -> Self {
        let shape_of = ENTITIES
            .iter()
            .map(|e| {
                capsule
                    .shapes
                    .iter()
                    .position(|s| s.name == e.name.as_bytes())
            })
            .collect();
        let mut externs = FastHashMap::default();
        for (si, s) in capsule.shapes.iter().enumerate() {
            for e in capsule.externs_of(s) {
                externs.insert((si, e.id), e.name.to_text());
            }
        }
        Names {
            capsule,
            shape_of,
            externs,
        }
    }

    /// Unit `unit`'s links: (shape, unit id) -> capsule id.
    fn links(&self, unit: usize) -> FastHashMap<(usize, u32), u32> {
        let c = self.capsule;
        let mut m = FastHashMap::default();
        for (si, us) in c.shapes_of(&c.units[unit]).iter().enumerate() {
            for l in c.links_of(us) {
                m.insert((si, l.internal), l.external);
            }
        }
        m
    }
}

fn error_name(e: ErrorKind) -> &'static str {
    match e {
        ErrorKind::Eof => "end_of_body",
        ErrorKind::BadConstruct { .. } => "bad_constructor",
        ErrorKind::ListFlag => "list_flag",
        ErrorKind::TooBig => "integer_too_big",
        ErrorKind::CharSize(_) => "character_size",
        ErrorKind::TooDeep => "too_deep",
        ErrorKind::Length { .. } => "bitstream_length",
        ErrorKind::Trailing { .. } => "trailing_bits",
        ErrorKind::TooLong => "too_long",
    }
}

/// Writes capsule number `k` of the document.
#[allow(clippy::too_many_arguments)]
pub fn capsule(
    w: &mut dyn Write,
    file: &[u8],
    k: usize,
    name: &str,
    flat: Option<&FlatCapsule<'_>>,
    decoded: &Decoded,
    diags: &[Diagnostic],
) -> io::Result<()> {
    if k > 0 {
        write!(w, ",")?;
    }
    writeln!(w, "\n    {{")?;
    writeln!(w, "      \"name\": {},", json_str(name))?;
    match flat {
        Some(c) => {
            writeln!(
                w,
                "      \"version\": {{\"major\": {}, \"minor\": {}}},",
                c.major, c.minor
            )?;
            write!(w, "      \"units\": [")?;
            let names = Names::new(c);
            for (i, u) in decoded.units.iter().enumerate() {
                if i > 0 {
                    write!(w, ",")?;
                }
                write!(w, "\n        ")?;
                unit(w, file, &names, decoded, u)?;
            }
            writeln!(w, "\n      ],")?;
        }
        None => {
            writeln!(w, "      \"version\": null,")?;
            writeln!(w, "      \"units\": [],")?;
        }
    }
    write!(w, "      \"diagnostics\": [")?;
    for (i, d) in diags.iter().enumerate() {
        if i > 0 {
            write!(w, ",")?;
        }
        let (offset, bit) = match d.location {
            Location::Byte { offset, bit } => (offset.to_string(), bit.to_string()),
            _ => ("null".to_owned(), "null".to_owned()),
        };
        let severity = match d.severity() {
            Severity::Fatal => "fatal",
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        write!(
            w,
            "\n        {{\"code\": \"{}\", \"severity\": \"{severity}\", \"offset\": {offset}, \"bit\": {bit}, \"message\": {}}}",
            d.code(),
            json_str(&d.kind.message())
        )?;
    }
    if !diags.is_empty() {
        write!(w, "\n      ")?;
    }
    writeln!(w, "]")?;
    write!(w, "    }}")
}

fn unit(
    w: &mut dyn Write,
    file: &[u8],
    names: &Names<'_, '_>,
    d: &Decoded,
    u: &UnitTree,
) -> io::Result<()> {
    let c = names.capsule;
    let g = &c.groups[u.group];
    let body = c.units[u.unit].body;
    let offset = (body.as_ptr() as usize).wrapping_sub(file.as_ptr() as usize);
    write!(
        w,
        "{{\"set\": {}, \"index\": {}, \"offset\": {}, \"bytes\": {}, ",
        json_bytes(g.name),
        u.unit - g.units.start,
        offset,
        body.len()
    )?;
    match u.error {
        None => write!(w, "\"error\": null, ")?,
        Some(e) => write!(
            w,
            "\"error\": {{\"kind\": \"{}\", \"bit\": {}}}, ",
            error_name(e.kind),
            e.pos
        )?,
    }
    write!(w, "\"body\": ")?;
    if u.root == u.end {
        write!(w, "null")?;
    } else {
        let links = names.links(u.unit);
        let counted = !c.shapes_of(&c.units[u.unit]).is_empty();
        let mut t = TreeWriter {
            w,
            names,
            links,
            counted,
            nodes: &d.nodes,
            body,
        };
        t.write(u.root as usize)?;
    }
    write!(w, "}}")
}

struct TreeWriter<'w, 'n, 'c, 'a> {
    w: &'w mut dyn Write,
    names: &'n Names<'c, 'a>,
    links: FastHashMap<(usize, u32), u32>,
    counted: bool,
    nodes: &'n [Node],
    body: &'n [u8],
}

/// A step of the writer's stack.
enum Step {
    /// Write node `i` (after a comma if `comma`).
    Node { i: usize, comma: bool },
    /// Write literal text.
    Text(&'static str),
}

impl TreeWriter<'_, '_, '_, '_> {
    fn write(&mut self, root: usize) -> io::Result<()> {
        let mut stack = vec![Step::Node {
            i: root,
            comma: false,
        }];
        while let Some(step) = stack.pop() {
            match step {
                Step::Text(t) => self.w.write_all(t.as_bytes())?,
                Step::Node { i, comma } => {
                    if comma {
                        self.w.write_all(b",")?;
                    }
                    let close = self.open(i)?;
                    if let Some(close) = close {
                        stack.push(Step::Text(close));
                        let kids: Vec<usize> = children(self.nodes, i).collect();
                        for (k, &c) in kids.iter().enumerate().rev() {
                            stack.push(Step::Node { i: c, comma: k > 0 });
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Writes the start of node `i`; returns the text closing it when its children
    /// follow, `None` for a leaf (written completely).
    fn open(&mut self, i: usize) -> io::Result<Option<&'static str>> {
        let n = self.nodes[i];
        let w = &mut *self.w;
        write!(w, "{{\"bit\": {}, ", n.pos)?;
        match n.kind {
            NodeKind::Cons => {
                let c = ConsId(n.code);
                write!(w, "\"cons\": \"{}\"", c.name())?;
                if n.end as usize == i + 1 {
                    w.write_all(b"}")?;
                    return Ok(None);
                }
                w.write_all(b", \"args\": [")?;
                Ok(Some("]}"))
            }
            NodeKind::Int => {
                write!(w, "\"int\": {}}}", n.value)?;
                Ok(None)
            }
            NodeKind::BigInt => {
                let digits: String = tree::octal_digits(self.body, &n)
                    .iter()
                    .map(|d| char::from(b'0' + d))
                    .collect();
                write!(w, "\"octal\": \"{digits}\"}}")?;
                Ok(None)
            }
            NodeKind::Bool => {
                write!(w, "\"bool\": {}}}", n.value != 0)?;
                Ok(None)
            }
            NodeKind::Str if n.aux == 8 => {
                let s: String = tree::string_chars(self.body, &n)
                    .map(|c| char::from(c as u8))
                    .collect();
                write!(w, "\"string\": {}}}", json_str(&s))?;
                Ok(None)
            }
            NodeKind::Str => {
                write!(w, "\"width\": {}, \"chars\": [", n.aux)?;
                for (k, c) in tree::string_chars(self.body, &n).enumerate() {
                    if k > 0 {
                        w.write_all(b", ")?;
                    }
                    write!(w, "{c}")?;
                }
                w.write_all(b"]}")?;
                Ok(None)
            }
            NodeKind::Ident => {
                let s: String = tree::bytes(self.body, &n)
                    .unwrap_or_default()
                    .iter()
                    .map(|&b| char::from(b))
                    .collect();
                write!(w, "\"ident\": {}}}", json_str(&s))?;
                Ok(None)
            }
            NodeKind::Option => {
                if n.value == 0 {
                    w.write_all(b"\"option\": null}")?;
                    return Ok(None);
                }
                w.write_all(b"\"option\": ")?;
                Ok(Some("}"))
            }
            NodeKind::List | NodeKind::SList => {
                let key = if n.kind == NodeKind::List {
                    "list"
                } else {
                    "slist"
                };
                write!(w, "\"{key}\": [")?;
                Ok(Some("]}"))
            }
            NodeKind::BitStream => {
                write!(w, "\"bits\": {}, \"bitstream\": ", n.value)?;
                if n.end as usize == i + 1 {
                    w.write_all(b"null}")?;
                    return Ok(None);
                }
                Ok(Some("}"))
            }
            NodeKind::Args => {
                write!(w, "\"bits\": {}, \"params\": ", n.value)?;
                if !n.decoded() {
                    w.write_all(b"null}")?;
                    return Ok(None);
                }
                w.write_all(b"[")?;
                Ok(Some("]}"))
            }
            NodeKind::TokBody => {
                write!(
                    w,
                    "\"bits\": {}, \"body_decoded\": {}, \"token_definition\": [",
                    n.value,
                    n.decoded()
                )?;
                Ok(Some("]}"))
            }
            NodeKind::Id if n.code == LABEL => {
                write!(w, "\"label\": {}}}", n.value)?;
                Ok(None)
            }
            NodeKind::Id => {
                let slot = ENTITIES.iter().position(|e| e.sort.0 == n.code);
                let key = slot.map_or("id", |s| ENTITIES[s].name);
                write!(w, "\"{key}\": {}", n.value)?;
                let shape = slot.and_then(|s| self.names.shape_of[s]);
                if let Some(shape) = shape {
                    let capsule_id = if self.counted {
                        self.links.get(&(shape, n.value)).copied()
                    } else {
                        Some(n.value)
                    };
                    if let Some(cid) = capsule_id {
                        write!(w, ", \"capsule_id\": {cid}")?;
                        if let Some(name) = self.names.externs.get(&(shape, cid)) {
                            write!(w, ", \"name\": {}", json_str(name))?;
                        }
                    }
                }
                w.write_all(b"}")?;
                Ok(None)
            }
            NodeKind::Labels => {
                write!(w, "\"labels\": {}}}", n.value)?;
                Ok(None)
            }
            NodeKind::Tld => {
                w.write_all(b"\"tld\": [")?;
                Ok(Some("]}"))
            }
            NodeKind::Raw => {
                write!(w, "\"raw_bytes\": {}}}", n.value)?;
                Ok(None)
            }
        }
    }
}
