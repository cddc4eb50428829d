//! Decoding every unit body of a capsule.
//!
//! Token applications can only be decoded with the signatures of the tokens applied, and
//! a capsule may apply a token in a unit that comes before the unit declaring it. So the
//! capsule is read in two passes, as TenDRA's tools read it:
//!
//! 1. The `tokdec` and `tokdef` units are read for the signatures they give (token
//!    definitions' bodies are skipped). A signature given to a token linked to a
//!    capsule-scope token is the capsule's; one given to a unit-scope token belongs to
//!    that unit. Tokens given two different signatures are reported here. Capsule-scope
//!    tokens whose external name is a standard token and that have no signature get the
//!    standard one.
//! 2. Every unit is decoded, in capsule order, with the signatures known.
//!
//! Units of the `tld` set are decoded as the linker-information unit they are (a format
//! number and one usage per external name); units of unit sets the table does not know
//! are kept undecoded ([`NodeKind::Raw`]).

use super::bits::BodyReader;
use super::decoder::{
    entity_slot, BodyDecoder, DecodeError, ErrorKind, Problem, ProblemKind, Scope,
};
use super::sig::{Sigs, SortRef};
use super::table::{entity_sort, unit_sort, SortId, ENTITIES, STANDARD_TOKENS};
use super::tree::{Node, NodeKind};
use crate::capsule::FlatCapsule;
use crate::name::ExtName;

/// The longest unit body decoded: node positions are 32-bit bit offsets.
pub const MAX_BODY_BYTES: usize = 1 << 29;

/// The decoded body of one unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitTree {
    /// Its unit set, an index into [`FlatCapsule::groups`].
    pub group: usize,
    /// The unit, an index into [`FlatCapsule::units`].
    pub unit: usize,
    /// Its first node (the body's root) in [`Decoded::nodes`].
    pub root: u32,
    /// One past its last node.
    pub end: u32,
    /// Why decoding stopped before the end of the body, if it did.
    pub error: Option<DecodeError>,
    /// After an error: the nodes being decoded when it happened, outermost first.
    pub path: Vec<u32>,
}

/// Every unit body of a capsule, decoded.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The nodes of every unit, unit after unit.
    pub nodes: Vec<Node>,
    /// One entry per unit of the capsule, in capsule order.
    pub units: Vec<UnitTree>,
    /// The token signatures met.
    pub sigs: Sigs,
    /// Problems found (identifiers outside their counts, token parameters not matching
    /// their signatures), unit after unit.
    pub problems: Vec<Problem>,
    /// Signatures (+1; 0 unknown) of the capsule-scope tokens.
    pub capsule_tokens: Vec<u32>,
    /// Bodies longer than this are not decoded ([`ErrorKind::TooLong`]); at most
    /// [`MAX_BODY_BYTES`], which node positions can hold.
    pub max_body_bytes: usize,
    scratch: Vec<Node>,
    scope: Scope,
    links: super::decoder::IdMap,
}

impl Default for Decoded {
    fn default() -> Self {
        Decoded {
            nodes: Vec::new(),
            units: Vec::new(),
            sigs: Sigs::new(),
            problems: Vec::new(),
            capsule_tokens: Vec::new(),
            max_body_bytes: MAX_BODY_BYTES,
            scratch: Vec::new(),
            scope: Scope::default(),
            links: super::decoder::IdMap::default(),
        }
    }
}

impl Decoded {
    /// An empty result, to decode into.
    pub fn new() -> Self {
        Decoded::default()
    }

    /// Decodes every unit body of `c` (read by [`FlatCapsule::read`]), replacing what was
    /// decoded before.
    pub fn decode(&mut self, c: &FlatCapsule<'_>) {
        self.nodes.clear();
        self.units.clear();
        self.sigs.clear();
        self.problems.clear();
        self.capsule_tokens.clear();

        // The shape of each linkable sort.
        let mut shape_of = [usize::MAX; ENTITIES.len()];
        for (i, s) in c.shapes.iter().enumerate() {
            if let Some(slot) = entity_sort(s.name).and_then(entity_slot) {
                if shape_of[slot] == usize::MAX {
                    shape_of[slot] = i;
                }
            }
        }
        let token_shape = shape_of[1];
        let capsule_token_count = c.shapes.get(token_shape).map_or(0, |s| s.num_ids);
        // Capsule-scope token signatures: dense up to what the file could name.
        let dense = capsule_token_count as usize <= body_bits(c).max(4096);
        let mut capsule_tokens = if dense {
            vec![0u32; capsule_token_count as usize]
        } else {
            Vec::new()
        };
        let mut sparse = crate::hash::FastHashMap::<u32, u32>::default();
        let mut unit_local: Vec<(usize, u32, u32)> = Vec::new();

        // Pass 1: signatures from tokdec and tokdef units.
        for g in &c.groups {
            if g.name != b"tokdec" && g.name != b"tokdef" {
                continue;
            }
            let sort = unit_sort(g.name).expect("tokdec and tokdef are in the table");
            for ui in g.units.clone() {
                let body = c.units[ui].body;
                if body.len() > self.max_body_bytes.min(MAX_BODY_BYTES) {
                    continue;
                }
                self.setup_scope(c, ui, &shape_of, &capsule_tokens, &sparse, &[]);
                self.scratch.clear();
                let mut problems = Vec::new();
                let mut d = BodyDecoder::new(
                    body_reader(c, body),
                    &mut self.scratch,
                    &mut self.scope,
                    &mut self.sigs,
                    &mut problems,
                    ui as u32,
                );
                d.skim = true;
                d.report_redeclared = true;
                let _ = d.sort(sort);
                // Keep only the redeclarations: everything else is found again below.
                self.problems.extend(
                    problems
                        .into_iter()
                        .filter(|p| matches!(p.kind, ProblemKind::TokenRedeclared { .. })),
                );
                let links: &[crate::capsule::Link] =
                    match c.shapes_of(&c.units[ui]).get(token_shape) {
                        Some(us) => c.links_of(us),
                        None => &[],
                    };
                let counted = !c.units[ui].shapes.is_empty();
                // The unit's token links, by unit-scope identifier.
                self.links
                    .reset(self.scope.counts[1], body.len() * 8 + 4096);
                for l in links {
                    self.links.set(l.internal, l.external + 1);
                }
                for &(local, sig) in &self.scope.declared {
                    let capsule_id = if counted {
                        self.links.get(local).checked_sub(1)
                    } else {
                        Some(local)
                    };
                    match capsule_id {
                        Some(id) => {
                            let slot = if dense {
                                capsule_tokens.get_mut(id as usize)
                            } else {
                                Some(sparse.entry(id).or_insert(0))
                            };
                            // (A different signature was reported by the decoder,
                            // which knew this one.)
                            if let Some(slot) = slot {
                                if *slot == 0 {
                                    *slot = sig + 1;
                                }
                            }
                        }
                        None => unit_local.push((ui, local, sig)),
                    }
                }
            }
        }
        // Standard tokens used without a declaration.
        if let Some(shape) = c.shapes.get(token_shape) {
            for e in c.externs_of(shape) {
                let ExtName::String(name) = &e.name else {
                    continue;
                };
                let Some(std) = STANDARD_TOKENS
                    .iter()
                    .find(|t| t.name.as_bytes() == &name[..])
                else {
                    continue;
                };
                let current = if dense {
                    capsule_tokens.get(e.id as usize).copied().unwrap_or(1)
                } else {
                    sparse.get(&e.id).copied().unwrap_or(0)
                };
                if current != 0 {
                    continue;
                }
                let params: Vec<SortRef> = std
                    .params
                    .iter()
                    .map(|p| match p {
                        super::table::Item::Sort(s) => SortRef::Sort(*s),
                        _ => SortRef::TdfString,
                    })
                    .collect();
                let sig = self.sigs.add(SortRef::Sort(std.result), &params) + 1;
                if dense {
                    if let Some(slot) = capsule_tokens.get_mut(e.id as usize) {
                        *slot = sig;
                    }
                } else {
                    sparse.insert(e.id, sig);
                }
            }
        }

        // Pass 2: every unit.
        let mut local_start = 0;
        for (gi, g) in c.groups.iter().enumerate() {
            for ui in g.units.clone() {
                let body = c.units[ui].body;
                let root = self.nodes.len() as u32;
                let mut tree = UnitTree {
                    group: gi,
                    unit: ui,
                    root,
                    end: root,
                    error: None,
                    path: Vec::new(),
                };
                // The signatures pass 1 found for this unit's own tokens.
                while local_start < unit_local.len() && unit_local[local_start].0 < ui {
                    local_start += 1;
                }
                let mut local_end = local_start;
                while local_end < unit_local.len() && unit_local[local_end].0 == ui {
                    local_end += 1;
                }
                let locals: Vec<(u32, u32)> = unit_local[local_start..local_end]
                    .iter()
                    .map(|&(_, l, s)| (l, s))
                    .collect();
                if body.len() > self.max_body_bytes.min(MAX_BODY_BYTES) {
                    tree.error = Some(DecodeError {
                        kind: ErrorKind::TooLong,
                        pos: 0,
                    });
                } else if g.name == b"tld" {
                    self.decode_tld(c, body, &mut tree);
                } else if let Some(sort) = unit_sort(g.name) {
                    self.setup_scope(c, ui, &shape_of, &capsule_tokens, &sparse, &locals);
                    let mut d = BodyDecoder::new(
                        body_reader(c, body),
                        &mut self.nodes,
                        &mut self.scope,
                        &mut self.sigs,
                        &mut self.problems,
                        ui as u32,
                    );
                    d.nodes.reserve(body.len() * 2);
                    let error = match d.sort(sort) {
                        Err(_) => d.failure.take(),
                        Ok(()) => {
                            d.r.align();
                            match d.r.left() {
                                0 => None,
                                left => Some(DecodeError {
                                    kind: ErrorKind::Trailing { bits: left as u32 },
                                    pos: d.r.pos() as u32,
                                }),
                            }
                        }
                    };
                    if let Some(e) = error {
                        tree.path = d.close_after_error(root as usize);
                        tree.error = Some(e);
                    }
                } else {
                    self.nodes.push(Node {
                        kind: NodeKind::Raw,
                        aux: 0,
                        code: 0,
                        value: body.len() as u32,
                        pos: 0,
                        end: root + 1,
                    });
                }
                tree.end = self.nodes.len() as u32;
                self.units.push(tree);
            }
        }
        // Problems in unit order (those found reading declarations come first).
        self.problems.sort_by_key(|p| (p.unit, p.pos));
        if dense {
            self.capsule_tokens = capsule_tokens;
        } else {
            self.capsule_tokens.clear();
        }
    }

    /// Sets the scope for unit `ui`: its counts, and the signatures of its tokens.
    fn setup_scope(
        &mut self,
        c: &FlatCapsule<'_>,
        ui: usize,
        shape_of: &[usize; ENTITIES.len()],
        capsule_tokens: &[u32],
        sparse: &crate::hash::FastHashMap<u32, u32>,
        locals: &[(u32, u32)],
    ) {
        let unit = &c.units[ui];
        let shapes = c.shapes_of(unit);
        let scope = &mut self.scope;
        scope.labels = 0;
        scope.declared.clear();
        for (slot, &shape) in shape_of.iter().enumerate() {
            scope.counts[slot] = if shape == usize::MAX {
                0
            } else if shapes.is_empty() {
                c.shapes[shape].num_ids
            } else {
                shapes[shape].count
            };
        }
        let count = scope.counts[1];
        let dense_limit = (unit.body.len() * 8).max(4096);
        scope.tokens.reset(count, dense_limit);
        let lookup = |id: u32| -> u32 {
            if capsule_tokens.is_empty() {
                sparse.get(&id).copied().unwrap_or(0)
            } else {
                capsule_tokens.get(id as usize).copied().unwrap_or(0)
            }
        };
        if shapes.is_empty() {
            // No unit scope: the capsule's identifiers are used directly.
            if capsule_tokens.is_empty() {
                for (&id, &sig) in sparse {
                    scope.tokens.set(id, sig);
                }
            } else {
                for (id, &sig) in capsule_tokens.iter().enumerate() {
                    if sig != 0 {
                        scope.tokens.set(id as u32, sig);
                    }
                }
            }
        } else if let Some(us) = shapes.get(shape_of[1]) {
            for l in c.links_of(us) {
                let sig = lookup(l.external);
                if sig != 0 {
                    scope.tokens.set(l.internal, sig);
                }
            }
        }
        for &(local, sig) in locals {
            if scope.tokens.get(local) == 0 {
                scope.tokens.set(local, sig + 1);
            }
        }
    }

    /// Decodes a `tld` unit: the format, then one usage per external name (format 1) or
    /// per token and tag name (format 0).
    fn decode_tld(&mut self, c: &FlatCapsule<'_>, body: &[u8], tree: &mut UnitTree) {
        let root = self.nodes.len();
        self.nodes.push(Node {
            kind: NodeKind::Tld,
            aux: 0,
            code: 0,
            value: 0,
            pos: 0,
            end: 0,
        });
        let mut r = BodyReader::new(body);
        let read = |nodes: &mut Vec<Node>, r: &mut BodyReader<'_>| -> Result<u32, DecodeError> {
            let pos = r.pos();
            let t = r.tdfint().map_err(|_| DecodeError {
                kind: ErrorKind::Eof,
                pos: pos as u32,
            })?;
            let Ok(v) = u32::try_from(t.value) else {
                return Err(DecodeError {
                    kind: ErrorKind::TooBig,
                    pos: pos as u32,
                });
            };
            if t.big || t.nibbles > 255 {
                return Err(DecodeError {
                    kind: ErrorKind::TooBig,
                    pos: pos as u32,
                });
            }
            let end = nodes.len() as u32 + 1;
            nodes.push(Node {
                kind: NodeKind::Int,
                aux: t.nibbles as u8,
                code: 0,
                value: v,
                pos: pos as u32,
                end,
            });
            Ok(v)
        };
        let result = (|| {
            let format = read(&mut self.nodes, &mut r)?;
            let count: usize = match format {
                0 => c
                    .shapes
                    .iter()
                    .filter(|s| s.name == b"token" || s.name == b"tag")
                    .map(|s| s.externs.len())
                    .sum(),
                _ => c.externs.len(),
            };
            for _ in 0..count {
                read(&mut self.nodes, &mut r)?;
            }
            r.align();
            match r.left() {
                0 => Ok(()),
                left => Err(DecodeError {
                    kind: ErrorKind::Trailing { bits: left as u32 },
                    pos: r.pos() as u32,
                }),
            }
        })();
        let end = self.nodes.len() as u32;
        self.nodes[root].end = end;
        if let Err(e) = result {
            tree.error = Some(e);
            tree.path = vec![root as u32];
        }
    }

    /// The nodes of unit `u`.
    pub fn unit_nodes(&self, u: &UnitTree) -> &[Node] {
        &self.nodes[..u.end as usize]
    }
}

/// A reader of `body`, a unit body of `c`, over the capsule's bytes when the body lies
/// in them (so that reads near the body's end can load whole words).
fn body_reader<'a>(c: &FlatCapsule<'a>, body: &'a [u8]) -> BodyReader<'a> {
    let offset = (body.as_ptr() as usize).wrapping_sub(c.input.as_ptr() as usize);
    match c.input.get(offset..offset.wrapping_add(body.len())) {
        Some(slice) if std::ptr::eq(slice, body) => {
            BodyReader::in_file(c.input, offset, body.len())
        }
        _ => BodyReader::new(body),
    }
}

/// The number of bits of every unit body, an upper bound on how many identifiers the
/// capsule can name.
fn body_bits(c: &FlatCapsule<'_>) -> usize {
    c.units.iter().map(|u| u.body.len() * 8).sum()
}

/// The linkable sort of the [`ENTITIES`] slot.
pub fn entity_of_slot(slot: usize) -> SortId {
    ENTITIES[slot].sort
}
