//! The checker: every body error and problem of a decoded capsule as a catalogue
//! diagnostic, located at its byte and bit in the file, naming the unit and the path of
//! constructs.

use tdf_errors::{Diagnostic, Kind};

use super::decoded::{Decoded, UnitTree};
use super::decoder::{ErrorKind, Problem, ProblemKind, MAX_DEPTH};
use super::sig::SortRef;
use super::table::{cons, ConsId};
use super::tree::{children, Node};
use crate::capsule::FlatCapsule;

/// Decodes every body of `c` into `decoded` and returns one diagnostic per error and
/// problem, unit after unit. `file` is the buffer the capsule was read from (the
/// capsule itself, or the library holding it): offsets are counted from its start.
pub fn check(c: &FlatCapsule<'_>, file: &[u8], decoded: &mut Decoded) -> Vec<Diagnostic> {
    decoded.decode(c);
    diagnostics(c, file, decoded)
}

/// The diagnostics of a decoded capsule (see [`check`]).
pub fn diagnostics(c: &FlatCapsule<'_>, file: &[u8], decoded: &Decoded) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut problems = decoded.problems.iter().peekable();
    for u in &decoded.units {
        while let Some(p) = problems.next_if(|p| p.unit as usize <= u.unit) {
            out.push(problem(c, file, decoded, p));
        }
        if let Some(e) = u.error {
            let unit = unit_name(c, u);
            let (offset, bit) = locate(c, file, u.unit, e.pos);
            let path = path_text(&decoded.nodes, &u.path);
            let bit64 = u64::from(bit);
            let kind = match e.kind {
                ErrorKind::Eof => Kind::body_eof(unit, bit64, path),
                ErrorKind::BadConstruct { sort, value } => {
                    Kind::body_bad_construct(unit, bit64, value.into(), sort.name(), path)
                }
                ErrorKind::ListFlag => Kind::body_list_flag(unit, bit64, path),
                ErrorKind::TooBig => Kind::body_integer_too_big(unit, bit64, path),
                ErrorKind::CharSize(k) => Kind::body_char_size(unit, bit64, k.into(), path),
                ErrorKind::TooDeep => Kind::body_too_deep(unit, bit64, MAX_DEPTH.into(), path),
                ErrorKind::Length { length, used } => {
                    Kind::body_bitstream_length(unit, bit64, used.into(), length.into(), path)
                }
                ErrorKind::Trailing { bits } => Kind::body_trailing_bits(unit, bit64, bits.into()),
                ErrorKind::TooLong => Kind::body_too_long(unit),
            };
            out.push(Diagnostic::new(kind).at_bit(offset, bit));
        }
    }
    for p in problems {
        out.push(problem(c, file, decoded, p));
    }
    out
}

/// "tagdef unit 0": the unit set and the unit's place in it.
pub fn unit_name(c: &FlatCapsule<'_>, u: &UnitTree) -> String {
    let g = &c.groups[u.group];
    format!(
        "{} unit {}",
        crate::name::show_bytes(g.name),
        u.unit - g.units.start
    )
}

/// The byte offset in `file` and bit of bit `pos` of unit `unit`'s body.
fn locate(c: &FlatCapsule<'_>, file: &[u8], unit: usize, pos: u32) -> (u64, u8) {
    let body = c.units[unit].body;
    let base = (body.as_ptr() as usize).wrapping_sub(file.as_ptr() as usize);
    let base = if base <= file.len() { base } else { 0 };
    let bit = u64::from(pos);
    (base as u64 + bit / 8, (bit % 8) as u8)
}

/// Constructor names along a path of nodes, outermost first.
fn path_text(nodes: &[Node], path: &[u32]) -> String {
    let names: Vec<&str> = path
        .iter()
        .filter_map(|&i| nodes.get(i as usize).and_then(|n| n.cons()))
        .map(ConsId::name)
        .collect();
    const SHOWN: usize = 8;
    if names.is_empty() {
        return "the body".to_owned();
    }
    if names.len() > SHOWN {
        format!("... > {}", names[names.len() - SHOWN..].join(" > "))
    } else {
        names.join(" > ")
    }
}

/// The nodes from the root of unit `u` down to node `target` (included).
fn ancestors(nodes: &[Node], u: &UnitTree, target: usize) -> Vec<u32> {
    let mut path = Vec::new();
    let mut i = u.root as usize;
    if target < i || target >= u.end as usize {
        return path;
    }
    loop {
        path.push(i as u32);
        if i == target {
            return path;
        }
        match children(nodes, i).find(|&c| c <= target && target < nodes[c].end as usize) {
            Some(c) => i = c,
            None => return path,
        }
    }
}

/// The name of the token of unit-scope identifier `id` in unit `unit`.
fn token_name(c: &FlatCapsule<'_>, unit: usize, id: u32) -> String {
    let Some(shape) = c.shapes.iter().position(|s| s.name == b"token") else {
        return format!("#{id}");
    };
    let shapes = c.shapes_of(&c.units[unit]);
    let capsule_id = match shapes.get(shape) {
        Some(us) => c
            .links_of(us)
            .iter()
            .find(|l| l.internal == id)
            .map(|l| l.external),
        None if shapes.is_empty() => Some(id),
        None => None,
    };
    let Some(cid) = capsule_id else {
        return format!("#{id} (local to the unit)");
    };
    match c.externs_of(&c.shapes[shape]).iter().find(|e| e.id == cid) {
        Some(e) => format!("'{}'", e.name.to_text()),
        None => format!("#{cid} (of the capsule)"),
    }
}

/// The token applied by application node `app`.
fn applied_token(c: &FlatCapsule<'_>, nodes: &[Node], unit: usize, app: usize) -> String {
    let mut tok = app + 1;
    while nodes.get(tok).and_then(|n| n.cons()) == Some(cons::TOKEN_APPLY_TOKEN) {
        tok += 1;
    }
    match nodes.get(tok).and_then(|n| n.cons()) {
        Some(cons::MAKE_TOK) => match nodes.get(tok + 1) {
            Some(n) => token_name(c, unit, n.value),
            None => "?".to_owned(),
        },
        Some(cons::USE_TOKDEF) => "defined in place (use_tokdef)".to_owned(),
        _ => "?".to_owned(),
    }
}

fn sort_text(decoded: &Decoded, s: SortRef) -> String {
    match s {
        SortRef::Sort(s) => s.name().to_owned(),
        SortRef::Token(k) => format!("token giving {}", sort_text_shallow(decoded.sigs.result(k))),
        SortRef::TdfString => "tdfstring".to_owned(),
        SortRef::Foreign => "a foreign sort".to_owned(),
    }
}

fn sort_text_shallow(s: SortRef) -> String {
    match s {
        SortRef::Sort(s) => s.name().to_owned(),
        SortRef::Token(_) => "a token".to_owned(),
        SortRef::TdfString => "tdfstring".to_owned(),
        SortRef::Foreign => "a foreign sort".to_owned(),
    }
}

fn error_text(e: ErrorKind) -> String {
    match e {
        ErrorKind::Eof => "they end inside a construct".to_owned(),
        ErrorKind::BadConstruct { sort, value } => {
            format!("{value} is not a constructor number of {}", sort.name())
        }
        ErrorKind::ListFlag => "a LIST does not start with a 0 bit".to_owned(),
        ErrorKind::TooBig => "a number does not fit in 32 bits".to_owned(),
        ErrorKind::CharSize(k) => format!("characters of {k} bits"),
        ErrorKind::TooDeep => "they nest too deep".to_owned(),
        ErrorKind::Length { length, used } => {
            format!("a {length}-bit bitstream ends after {used} bits")
        }
        ErrorKind::Trailing { bits } => format!("{bits} bits are left over"),
        ErrorKind::TooLong => "they are too long".to_owned(),
    }
}

fn problem(c: &FlatCapsule<'_>, file: &[u8], decoded: &Decoded, p: &Problem) -> Diagnostic {
    let nodes = &decoded.nodes;
    let tree = decoded.units.iter().find(|u| u.unit == p.unit as usize);
    let unit = tree.map_or_else(|| format!("unit {}", p.unit), |u| unit_name(c, u));
    let (offset, bit) = locate(c, file, p.unit as usize, p.pos);
    let bit64 = u64::from(bit);
    let path = match tree {
        Some(u) if p.node != u32::MAX => path_text(nodes, &ancestors(nodes, u, p.node as usize)),
        _ => "the body".to_owned(),
    };
    let kind = match p.kind {
        ProblemKind::IdOutOfRange { entity, id, count } => {
            let shape = super::table::ENTITIES
                .iter()
                .find(|e| e.sort == entity)
                .map_or("identifier", |e| e.name);
            Kind::body_id_out_of_range(unit, bit64, shape, id.into(), count.into(), path)
        }
        ProblemKind::LabelOutOfRange { id, count } => {
            Kind::body_label_out_of_range(unit, bit64, id.into(), count.into(), path)
        }
        ProblemKind::TokenArgs { error, left } => {
            let token = applied_token(c, nodes, p.unit as usize, p.node as usize);
            let detail = match error {
                Some(e) => error_text(e),
                None => format!("{left} bits are left over"),
            };
            Kind::body_token_arguments(unit, bit64, token, detail, path)
        }
        ProblemKind::TokenResult { declared, applied } => {
            let token = applied_token(c, nodes, p.unit as usize, p.node as usize);
            Kind::body_token_result(
                unit,
                bit64,
                token,
                sort_text(decoded, declared),
                applied.name(),
                path,
            )
        }
        ProblemKind::TokenRedeclared { id } => {
            Kind::body_token_redeclared(unit, token_name(c, p.unit as usize, id))
        }
    };
    Diagnostic::new(kind).at_bit(offset, bit)
}
