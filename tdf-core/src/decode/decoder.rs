//! The decoder of one unit body into the flat tree ([`super::tree`]).
//!
//! It is driven by the constructor table: a construct is its constructor number (in the
//! sort's encoding bits, extendable or not) followed by its parameters as the table
//! lists them. Three things need more than the table:
//!
//! * Token applications (`..._apply_token`): the parameters are decoded by the sorts of
//!   the token's signature, taken from the capsule's `make_tokdec`s and `make_tokdef`s
//!   (found before the bodies are decoded, see [`super::decoded`]), the formal parameters
//!   of the enclosing token definition, an inline `use_tokdef`, or the standard tokens.
//!   A token without a known signature keeps its parameters as undecoded bits. When the
//!   parameters do not decode to exactly their length by the signature's sorts, they
//!   too are kept as bits and a [`Problem`] records it.
//! * Token definitions (`make_tokdef`, `use_tokdef`): a `token_defn` giving the result
//!   sort and the formal parameters, then a body of the result sort.
//! * Identifiers: every unit-scope identifier is checked against the unit's counts, and
//!   every label against the unit's label count (a [`Problem`] when outside).
//!
//! Errors that make the rest of the body unreadable (the end reached inside an item, an
//! unknown constructor number, nesting deeper than [`MAX_DEPTH`]) stop the unit with a
//! [`DecodeError`]; the nodes decoded until then stay. The decoder never recurses more
//! than [`MAX_DEPTH`] sorts deep (nor uses more than a megabyte of stack, whatever the
//! build's frame sizes), and allocates nodes only for items it has read, so a lying
//! count or length costs nothing.

use super::bits::{BodyReader, TdfInt};
use super::sig::{Sigs, SortRef};
use super::table::{cons, sort, ConsId, Denotes, SortId, ENTITIES, FOREIGN_SORTS};
use super::tree::{Node, NodeKind, LABEL, OPEN};
use crate::hash::FastHashMap;

/// Bytes of stack the recursive decoder (and printers of its trees) use at most below
/// their entry: with
/// [`MAX_DEPTH`], what keeps hostile nesting from overflowing the stack however large
/// the frames of a build are (a thread's stack is 2 MiB by default).
pub const STACK_BUDGET: usize = 1 << 20;

/// An address in the current stack frame, to measure how much stack is in use.
#[inline(always)]
pub fn stack_address() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// The deepest nesting of constructs decoded. Real TDF nests a few dozen levels; a body
/// nesting deeper gets [`ErrorKind::TooDeep`] instead of exhausting the stack.
pub const MAX_DEPTH: u32 = 2000;

/// Why a unit body could not be decoded to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The body (or the enclosing bitstream) ended inside an item.
    Eof,
    /// No constructor of `sort` has this number (`u32::MAX`: beyond 32 bits).
    BadConstruct { sort: SortId, value: u32 },
    /// A LIST whose first bit is not 0.
    ListFlag,
    /// A count, length or identifier beyond 32 bits.
    TooBig,
    /// A TDFIDENT whose characters are not 8 bits wide, or a TDFSTRING with characters
    /// wider than 32 bits.
    CharSize(u32),
    /// Nesting deeper than [`MAX_DEPTH`].
    TooDeep,
    /// A bitstream whose contents ended `used` bits into its `length`.
    Length { length: u32, used: u32 },
    /// The body has `bits` bits left after its contents.
    Trailing { bits: u32 },
    /// The body is too long to be decoded (over 2^29 bytes).
    TooLong,
}

/// A decoding error at bit `pos` of the unit body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeError {
    /// What went wrong.
    pub kind: ErrorKind,
    /// Where the failing item starts, in bits from the start of the body.
    pub pos: u32,
}

/// Something wrong that does not stop decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// An identifier of a linkable sort at or beyond the unit's count.
    IdOutOfRange { entity: SortId, id: u32, count: u32 },
    /// A label at or beyond the unit's label count.
    LabelOutOfRange { id: u32, count: u32 },
    /// A token application whose parameters do not decode by the token's sorts: an
    /// error inside them, or `left` bits left over.
    TokenArgs { error: Option<ErrorKind>, left: u32 },
    /// A token applied as a construct of `applied` whose signature gives another result.
    TokenResult { declared: SortRef, applied: SortId },
    /// A token declared or defined with two different signatures.
    TokenRedeclared { id: u32 },
}

/// A problem found in a unit body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Problem {
    /// What is wrong.
    pub kind: ProblemKind,
    /// The unit (index into the capsule's units).
    pub unit: u32,
    /// The node concerned (the identifier, or the token application); an index into
    /// the decoded tree. For problems found while reading declarations ahead of the
    /// bodies, `u32::MAX`.
    pub node: u32,
    /// The bit in the unit body.
    pub pos: u32,
}

/// A map from unit-scope identifiers to small values (0: none): a vector for plausible
/// counts, a hash map when the count is larger than the body could use.
#[derive(Debug, Clone)]
pub(crate) enum IdMap {
    Dense(Vec<u32>),
    Sparse(FastHashMap<u32, u32>),
}

impl Default for IdMap {
    fn default() -> Self {
        IdMap::Dense(Vec::new())
    }
}

impl IdMap {
    /// A map for identifiers below `count`, dense when `count` is at most `dense_limit`.
    pub(crate) fn reset(&mut self, count: u32, dense_limit: usize) {
        if count as usize <= dense_limit {
            match self {
                IdMap::Dense(v) => {
                    v.clear();
                    v.resize(count as usize, 0);
                }
                IdMap::Sparse(_) => *self = IdMap::Dense(vec![0; count as usize]),
            }
        } else {
            *self = IdMap::Sparse(FastHashMap::default());
        }
    }

    #[inline]
    pub(crate) fn get(&self, id: u32) -> u32 {
        match self {
            IdMap::Dense(v) => v.get(id as usize).copied().unwrap_or(0),
            IdMap::Sparse(m) => m.get(&id).copied().unwrap_or(0),
        }
    }

    pub(crate) fn set(&mut self, id: u32, value: u32) {
        match self {
            IdMap::Dense(v) => {
                if let Some(slot) = v.get_mut(id as usize) {
                    *slot = value;
                }
            }
            IdMap::Sparse(m) => {
                m.insert(id, value);
            }
        }
    }
}

/// The position of a linkable sort in [`ENTITIES`].
#[inline]
pub(crate) fn entity_slot(s: SortId) -> Option<usize> {
    ENTITIES.iter().position(|e| e.sort == s)
}

/// What a unit body may refer to: its identifier counts, labels and token signatures.
#[derive(Debug, Clone, Default)]
pub(crate) struct Scope {
    /// Identifier counts, by slot of [`ENTITIES`].
    pub counts: [u32; ENTITIES.len()],
    /// The unit's label count (set by its `labels` item).
    pub labels: u32,
    /// Token signatures by token identifier: signature number + 1, 0 when unknown.
    pub tokens: IdMap,
    /// Signatures given in this unit: (token identifier, signature number).
    pub declared: Vec<(u32, u32)>,
}

/// Decodes one unit body.
pub(crate) struct BodyDecoder<'a, 's> {
    pub r: BodyReader<'a>,
    pub nodes: &'s mut Vec<Node>,
    pub scope: &'s mut Scope,
    pub sigs: &'s mut Sigs,
    pub problems: &'s mut Vec<Problem>,
    /// The unit's index, for problems.
    pub unit: u32,
    /// Read token definitions' signatures but skip their bodies.
    pub skim: bool,
    /// Report tokens given two different signatures.
    pub report_redeclared: bool,
    depth: u32,
    /// Signature (+1) of the TOKEN construct decoded last.
    token_sig: u32,
    /// Signature (+1) of the token definition decoded last.
    tokbody_sig: u32,
    /// Why decoding stopped.
    pub failure: Option<DecodeError>,
    /// The stack address where decoding started.
    stack_base: usize,
}

/// Decoding stopped; the error is in [`BodyDecoder::failure`]. (A zero-sized error keeps
/// the hot paths' results in registers.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Failed;

type Res = Result<(), Failed>;

impl<'a, 's> BodyDecoder<'a, 's> {
    pub(crate) fn new(
        r: BodyReader<'a>,
        nodes: &'s mut Vec<Node>,
        scope: &'s mut Scope,
        sigs: &'s mut Sigs,
        problems: &'s mut Vec<Problem>,
        unit: u32,
    ) -> Self {
        BodyDecoder {
            r,
            nodes,
            scope,
            sigs,
            problems,
            unit,
            skim: false,
            report_redeclared: false,
            depth: 0,
            token_sig: 0,
            tokbody_sig: 0,
            failure: None,
            stack_base: stack_address(),
        }
    }

    #[cold]
    fn err(&mut self, kind: ErrorKind, pos: usize) -> Failed {
        self.failure = Some(DecodeError {
            kind,
            pos: pos as u32,
        });
        Failed
    }

    #[cold]
    fn eof(&mut self, pos: usize) -> Failed {
        self.err(ErrorKind::Eof, pos)
    }

    #[inline]
    fn push(&mut self, kind: NodeKind, aux: u8, code: u16, value: u32, pos: usize) -> usize {
        let i = self.nodes.len();
        self.nodes.push(Node {
            kind,
            aux,
            code,
            value,
            pos: pos as u32,
            end: OPEN,
        });
        i
    }

    #[inline]
    fn leaf(&mut self, kind: NodeKind, aux: u8, code: u16, value: u32, pos: usize) {
        let end = self.nodes.len() as u32 + 1;
        self.nodes.push(Node {
            kind,
            aux,
            code,
            value,
            pos: pos as u32,
            end,
        });
    }

    #[inline]
    fn close(&mut self, i: usize) {
        let end = self.nodes.len() as u32;
        self.nodes[i].end = end;
    }

    fn problem(&mut self, kind: ProblemKind, node: usize, pos: usize) {
        self.problems.push(Problem {
            kind,
            unit: self.unit,
            node: node as u32,
            pos: pos as u32,
        });
    }

    /// A TDFINT that must fit in 32 bits (a count, length or identifier).
    #[inline(always)]
    fn small(&mut self) -> Result<(u32, u8), Failed> {
        let pos = self.r.pos();
        let t = self.r.tdfint().map_err(|_| self.eof(pos))?;
        match u32::try_from(t.value) {
            Ok(v) if !t.big && t.nibbles <= 255 => Ok((v, t.nibbles as u8)),
            _ => Err(self.err(ErrorKind::TooBig, pos)),
        }
    }

    /// Decodes one construct of sort `s`.
    #[inline]
    pub(crate) fn sort(&mut self, s: SortId) -> Res {
        self.decode_sort(s)
    }

    /// Starts a construct: checks the nesting depth; returns the position.
    #[inline(always)]
    fn enter(&mut self) -> Result<usize, Failed> {
        let pos = self.r.pos();
        // The stack is measured every 32 levels: a few kilobytes of frames at most in
        // between, far below the budget.
        if self.depth >= MAX_DEPTH
            || (self.depth % 32 == 31
                && self.stack_base.wrapping_sub(stack_address()) > STACK_BUDGET)
        {
            return Err(self.err(ErrorKind::TooDeep, pos));
        }
        self.depth += 1;
        Ok(pos)
    }

    /// A constructor number in the extendable encoding of `bits` bits (`u32::MAX`
    /// beyond 32 bits, which no constructor has).
    #[inline(always)]
    fn number_ext(&mut self, bits: u32, pos: usize) -> Result<u32, Failed> {
        match self.r.extendable(bits) {
            Ok(n) => Ok(n.unwrap_or(u32::MAX)),
            Err(_) => Err(self.eof(pos)),
        }
    }

    /// A constructor number of `bits` bits (every sort of TDF 4 is extendable, but the
    /// table allows other sorts).
    #[inline(always)]
    #[allow(dead_code)]
    fn number_fixed(&mut self, bits: u32, pos: usize) -> Result<u32, Failed> {
        self.r.bits(bits).map_err(|_| self.eof(pos))
    }

    #[cold]
    fn bad_construct(&mut self, s: SortId, value: u32, pos: usize) -> Failed {
        self.err(ErrorKind::BadConstruct { sort: s, value }, pos)
    }

    /// A unit body inside a body: only capsules hold them.
    #[cold]
    fn unit_body(&mut self) -> Failed {
        let pos = self.r.pos();
        self.bad_construct(sort::UNIT, 0, pos)
    }

    /// Pushes the node of constructor `c`, read at `pos`.
    #[inline(always)]
    fn open(&mut self, c: ConsId, pos: usize) -> usize {
        self.push(NodeKind::Cons, 0, c.0, 0, pos)
    }

    /// Ends the construct of node `idx`.
    #[inline(always)]
    fn leave(&mut self, idx: usize) {
        self.close(idx);
        self.depth -= 1;
    }

    /// The TOKEN of a token application; returns its signature (+1, 0 unknown). The
    /// common case, `make_tok` of an identifier, is decoded here without the general
    /// decoder of TOKENs.
    #[inline(always)]
    fn token_param(&mut self) -> Result<u32, Failed> {
        // make_tok is TOKEN's constructor 2, in two bits.
        if self.r.peek(2) == Some(2) && self.depth < MAX_DEPTH {
            let pos = self.r.pos();
            self.r.advance(2);
            self.depth += 1;
            let idx = self.open(cons::MAKE_TOK, pos);
            self.p_id(sort::TOKEN, 1)?;
            self.leave(idx);
            self.after_make_tok(idx);
        } else {
            self.s_token()?;
        }
        Ok(self.token_sig)
    }

    /// After `make_tok` (node `idx`): the token's signature is the one applied next.
    #[inline(always)]
    fn after_make_tok(&mut self, idx: usize) {
        let id = self.nodes[idx + 1].value;
        self.token_sig = if id < self.scope.counts[1] {
            self.scope.tokens.get(id)
        } else {
            0
        };
    }

    /// What follows a construct that names a token's signature: tokens, token
    /// declarations, definitions and formal parameters.
    #[inline(never)]
    fn after(&mut self, c: ConsId, idx: usize, pos: usize, tok: u32) {
        match c {
            cons::MAKE_TOK => {
                let id = self.nodes[idx + 1].value;
                self.token_sig = if id < self.scope.counts[1] {
                    self.scope.tokens.get(id)
                } else {
                    0
                };
            }
            cons::USE_TOKDEF => self.token_sig = self.tokbody_sig,
            cons::TOKEN_APPLY_TOKEN => {
                self.token_sig = match tok.checked_sub(1).map(|t| self.sigs.result(t)) {
                    Some(SortRef::Token(k)) => k + 1,
                    _ => 0,
                };
            }
            cons::MAKE_TOKDEC => {
                let id = self.nodes[idx + 1].value;
                let sortname = self.nodes[self.nodes[idx + 1].end as usize].end as usize;
                let sig = self.token_sig_of(sortname);
                self.declare(id, sig, pos);
            }
            cons::MAKE_TOKDEF => {
                let id = self.nodes[idx + 1].value;
                if self.tokbody_sig != 0 {
                    self.declare(id, self.tokbody_sig - 1, pos);
                }
            }
            cons::MAKE_TOKFORMALS => {
                // A formal parameter is a token without parameters of its sort; one of
                // a TOKEN sort is applied with token_apply_token to get the token.
                let id_node = self.nodes[idx + 1].end as usize;
                let id = self.nodes[id_node].value;
                let result = self.sort_ref(idx + 1);
                let sig = self.sigs.add(result, &[]);
                self.declare(id, sig, pos);
            }
            _ => {}
        }
    }

    /// An OPTION of what `f` decodes.
    #[inline(always)]
    fn p_option(&mut self, f: impl FnOnce(&mut Self) -> Res) -> Res {
        let pos = self.r.pos();
        let present = self.r.bit().map_err(|_| self.eof(pos))?;
        if present {
            let i = self.push(NodeKind::Option, 0, 0, 1, pos);
            f(self)?;
            self.close(i);
        } else {
            self.leaf(NodeKind::Option, 0, 0, 0, pos);
        }
        Ok(())
    }

    /// A LIST (`flag`: the 0 bit first) or SLIST of what `f` decodes.
    #[inline]
    fn p_list(&mut self, flag: bool, f: impl Fn(&mut Self) -> Res) -> Res {
        let pos = self.r.pos();
        if flag && self.r.bit().map_err(|_| self.eof(pos))? {
            return Err(self.err(ErrorKind::ListFlag, pos));
        }
        let (n, digits) = self.small()?;
        let kind = if flag {
            NodeKind::List
        } else {
            NodeKind::SList
        };
        let i = self.push(kind, digits, 0, n, pos);
        // Every item takes at least one bit, so a lying count ends at the end of the
        // input.
        for _ in 0..n {
            f(self)?;
        }
        self.close(i);
        Ok(())
    }

    /// A TDFINT.
    #[inline(always)]
    fn p_int(&mut self) -> Res {
        let pos = self.r.pos();
        let t = self.r.tdfint().map_err(|_| self.eof(pos))?;
        self.int(t, pos);
        Ok(())
    }

    /// A TDFBOOL.
    #[inline(always)]
    fn p_bool(&mut self) -> Res {
        let pos = self.r.pos();
        let b = self.r.bit().map_err(|_| self.eof(pos))?;
        self.leaf(NodeKind::Bool, 0, 0, b as u32, pos);
        Ok(())
    }

    /// A unit-scope identifier of linkable sort `e`, the entity of slot `slot` of
    /// [`ENTITIES`].
    #[inline(always)]
    fn p_id(&mut self, e: SortId, slot: usize) -> Res {
        let pos = self.r.pos();
        let (id, digits) = self.small()?;
        let count = self.scope.counts[slot];
        let i = self.nodes.len();
        self.leaf(NodeKind::Id, digits, e.0, id, pos);
        if id >= count {
            self.problem(
                ProblemKind::IdOutOfRange {
                    entity: e,
                    id,
                    count,
                },
                i,
                pos,
            );
        }
        Ok(())
    }

    /// A label.
    #[inline(always)]
    fn p_label(&mut self) -> Res {
        let pos = self.r.pos();
        let (id, digits) = self.small()?;
        let i = self.nodes.len();
        self.leaf(NodeKind::Id, digits, LABEL, id, pos);
        if id >= self.scope.labels {
            let count = self.scope.labels;
            self.problem(ProblemKind::LabelOutOfRange { id, count }, i, pos);
        }
        Ok(())
    }

    /// The unit's label count.
    fn p_labels(&mut self) -> Res {
        let pos = self.r.pos();
        let (n, digits) = self.small()?;
        self.scope.labels = n;
        self.leaf(NodeKind::Labels, digits, 0, n, pos);
        Ok(())
    }

    /// Pushes an integer node.
    #[inline]
    fn int(&mut self, t: TdfInt, pos: usize) {
        match u32::try_from(t.value) {
            Ok(v) if !t.big && t.nibbles <= 255 => {
                self.leaf(NodeKind::Int, t.nibbles as u8, 0, v, pos)
            }
            _ => self.leaf(NodeKind::BigInt, 0, 0, t.nibbles, pos),
        }
    }

    /// The offset from `pos` to here, for a node's `code`.
    fn header(&mut self, pos: usize) -> Result<u16, Failed> {
        let n = self.r.pos() - pos;
        u16::try_from(n).map_err(|_| self.err(ErrorKind::TooBig, pos))
    }

    fn string(&mut self) -> Res {
        let pos = self.r.pos();
        let (k, _) = self.small()?;
        let (n, _) = self.small()?;
        // Characters of 1 to 32 bits (none of 0 bits: a count of them would cost
        // nothing to lie about).
        if k > 32 || (k == 0 && n > 0) {
            return Err(self.err(ErrorKind::CharSize(k), pos));
        }
        let header = self.header(pos)?;
        let bits = n as usize * k as usize;
        self.r.skip(bits).map_err(|_| self.eof(pos))?;
        self.leaf(NodeKind::Str, k as u8, header, n, pos);
        Ok(())
    }

    fn ident(&mut self) -> Res {
        let pos = self.r.pos();
        let (k, _) = self.small()?;
        let (n, _) = self.small()?;
        if k != 8 {
            return Err(self.err(ErrorKind::CharSize(k), pos));
        }
        self.r.align();
        let header = self.header(pos)?;
        self.r.skip(n as usize * 8).map_err(|_| self.eof(pos))?;
        self.leaf(NodeKind::Ident, 8, header, n, pos);
        Ok(())
    }

    /// Reads a bitstream's length; returns (start of contents, end of contents, header).
    #[inline(always)]
    fn stream_head(&mut self) -> Result<(usize, usize, u16), Failed> {
        let pos = self.r.pos();
        let (len, _) = self.small()?;
        if len as usize > self.r.left() {
            return Err(self.err(ErrorKind::Eof, pos));
        }
        let header = self.header(pos)?;
        let start = self.r.pos();
        Ok((start, start + len as usize, header))
    }

    /// A BITSTREAM holding what `f` decodes, filling it exactly.
    fn p_bitstream(&mut self, f: impl FnOnce(&mut Self) -> Res) -> Res {
        let pos = self.r.pos();
        let (start, stop, header) = self.stream_head()?;
        let i = self.push(NodeKind::BitStream, 1, header, (stop - start) as u32, pos);
        let saved = self.r.end();
        self.r.set_end(stop);
        f(self)?;
        if self.r.pos() != stop {
            return Err(self.length_error(start, stop, pos));
        }
        self.r.set_end(saved);
        self.close(i);
        Ok(())
    }

    fn length_error(&mut self, start: usize, stop: usize, pos: usize) -> Failed {
        let used = (self.r.pos() - start) as u32;
        self.err(
            ErrorKind::Length {
                length: (stop - start) as u32,
                used,
            },
            pos,
        )
    }

    /// A token application's parameters, for an application of sort `app` (node
    /// `app_node`) of a token with signature `tok` (+1; 0 unknown).
    fn args(&mut self, app: SortId, app_node: usize, tok: u32) -> Res {
        let pos = self.r.pos();
        let (start, stop, header) = self.stream_head()?;
        let len = (stop - start) as u32;
        let i = self.push(NodeKind::Args, 0, header, len, pos);
        let Some(sig) = tok.checked_sub(1) else {
            // Unknown token: the parameters can only be skipped.
            if len == 0 {
                self.nodes[i].aux = 1;
            }
            self.r.seek(stop);
            self.close(i);
            return Ok(());
        };
        let (result, nparams) = (self.sigs.result(sig), self.sigs.params(sig).len());
        if nparams == 0 && len == 0 && matches!(result, SortRef::Sort(r) if r == app) {
            self.nodes[i].aux = 1;
            self.close(i);
            return Ok(());
        }
        let fits = match result {
            SortRef::Token(_) => app == sort::TOKEN,
            SortRef::Sort(r) => r == app,
            _ => false,
        };
        if !fits {
            self.problem(
                ProblemKind::TokenResult {
                    declared: result,
                    applied: app,
                },
                app_node,
                self.nodes[app_node].pos as usize,
            );
        }
        let (mark, problems, depth) = (self.nodes.len(), self.problems.len(), self.depth);
        let saved = self.r.end();
        self.r.set_end(stop);
        let mut outcome = Ok(true);
        for k in 0..nparams {
            let p = self.sigs.params(sig)[k];
            outcome = self.arg(p);
            if !matches!(outcome, Ok(true)) {
                break;
            }
        }
        self.r.set_end(saved);
        let problem = match outcome {
            Ok(true) if self.r.pos() == stop => None,
            Ok(true) => Some(Some(ProblemKind::TokenArgs {
                error: None,
                left: (stop - self.r.pos()) as u32,
            })),
            // A parameter of a foreign sort: the rest cannot be decoded, but nothing is
            // wrong.
            Ok(false) => Some(None),
            Err(Failed) => {
                let e = self.failure.take().expect("a failure is recorded");
                if e.kind == ErrorKind::TooDeep {
                    self.failure = Some(e);
                    return Err(Failed);
                }
                Some(Some(ProblemKind::TokenArgs {
                    error: Some(e.kind),
                    left: 0,
                }))
            }
        };
        match problem {
            None => self.nodes[i].aux = 1,
            Some(kind) => {
                self.nodes.truncate(mark);
                self.problems.truncate(problems);
                self.depth = depth;
                self.r.seek(stop);
                if let Some(kind) = kind {
                    let at = self.nodes[app_node].pos as usize;
                    self.problem(kind, app_node, at);
                }
            }
        }
        self.close(i);
        Ok(())
    }

    /// One token parameter of sort `p`; `false` for a foreign sort (not decodable).
    fn arg(&mut self, p: SortRef) -> Result<bool, Failed> {
        match p {
            SortRef::Sort(s) => self.sort(s).map(|()| true),
            SortRef::Token(_) => self.sort(sort::TOKEN).map(|()| true),
            SortRef::TdfString => self.string().map(|()| true),
            SortRef::Foreign => Ok(false),
        }
    }

    /// A token definition: `token_defn`, then the body of its result sort.
    fn tokbody(&mut self) -> Res {
        let pos = self.r.pos();
        let (start, stop, header) = self.stream_head()?;
        let i = self.push(NodeKind::TokBody, 0, header, (stop - start) as u32, pos);
        let saved = self.r.end();
        self.r.set_end(stop);
        let defn = self.nodes.len();
        self.sort(sort::TOKEN_DEFN)?;
        // token_definition(result_sort, tok_params): the signature.
        let result_node = defn + 1;
        let result = self.sort_ref(result_node);
        let formals = self.nodes[result_node].end as usize;
        let formals: Vec<usize> = super::tree::children(self.nodes, formals).collect();
        let mut params = Vec::with_capacity(formals.len());
        for f in formals {
            params.push(self.sort_ref(f + 1));
        }
        let sig = self.sigs.add(result, &params) + 1;
        let body = match result {
            _ if self.skim => None,
            SortRef::Sort(s) => Some(s),
            SortRef::Token(_) => Some(sort::TOKEN),
            SortRef::TdfString | SortRef::Foreign => None,
        };
        match body {
            Some(s) => {
                self.sort(s)?;
                if self.r.pos() != stop {
                    return Err(self.length_error(start, stop, pos));
                }
                self.nodes[i].aux = 1;
            }
            None => self.r.seek(stop),
        }
        self.r.set_end(saved);
        self.close(i);
        self.tokbody_sig = sig;
        Ok(())
    }

    /// The sort a SORTNAME node names.
    fn sort_ref(&mut self, i: usize) -> SortRef {
        let Some(c) = self.nodes[i].cons() else {
            return SortRef::Foreign;
        };
        match c.info().denotes {
            Denotes::Sort(s) => SortRef::Sort(s),
            Denotes::Token => {
                // token(result, params): children i+1 (result) and its sibling (list).
                let result = self.sort_ref(i + 1);
                let list = self.nodes[i + 1].end as usize;
                let items: Vec<usize> = super::tree::children(self.nodes, list).collect();
                let mut params = Vec::with_capacity(items.len());
                for p in items {
                    params.push(self.sort_ref(p));
                }
                SortRef::Token(self.sigs.add(result, &params))
            }
            Denotes::Foreign => {
                // foreign_sort(make_string(name)): a diagnostic sort, or nothing known.
                let name = self.nodes.get(i + 2).filter(|n| {
                    self.nodes[i + 1].cons() == Some(cons::MAKE_STRING)
                        && n.kind == super::tree::NodeKind::Str
                });
                let known = name.and_then(|n| {
                    let chars: Vec<u32> = super::tree::string_chars(self.r.body(), n).collect();
                    FOREIGN_SORTS.iter().find_map(|&(f, s)| {
                        (f.len() == chars.len()
                            && f.bytes().zip(&chars).all(|(a, &b)| u32::from(a) == b))
                        .then_some(s)
                    })
                });
                known.map_or(SortRef::Foreign, SortRef::Sort)
            }
            Denotes::Nothing => SortRef::Foreign,
        }
    }

    /// The signature of a token declared with the SORTNAME at node `i`.
    fn token_sig_of(&mut self, i: usize) -> u32 {
        match self.sort_ref(i) {
            SortRef::Token(k) => k,
            other => self.sigs.add(other, &[]),
        }
    }

    /// Records that token `id` has signature `sig`.
    fn declare(&mut self, id: u32, sig: u32, pos: usize) {
        if id >= self.scope.counts[1] {
            return;
        }
        let old = self.scope.tokens.get(id);
        if old == 0 {
            self.scope.tokens.set(id, sig + 1);
        } else if self.report_redeclared && !self.sigs.same(old - 1, sig) {
            self.problems.push(Problem {
                kind: ProblemKind::TokenRedeclared { id },
                unit: self.unit,
                node: u32::MAX,
                pos: pos as u32,
            });
        }
        self.scope.declared.push((id, sig));
    }

    /// The nodes still open after an error, outermost first (the construct path), after
    /// which every node is closed so that the partial tree is well formed.
    pub(crate) fn close_after_error(&mut self, root: usize) -> Vec<u32> {
        let end = self.nodes.len() as u32;
        let mut path = Vec::new();
        for (i, n) in self.nodes.iter_mut().enumerate().skip(root) {
            if n.end == OPEN {
                path.push(i as u32);
                n.end = end;
            }
        }
        path
    }
}

// The per-sort decoders (`decode_sort`, `s_exp`, ...), generated from the table.
include!(concat!(env!("OUT_DIR"), "/decoder.rs"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_maps() {
        let mut m = IdMap::default();
        m.reset(10, 100);
        m.set(3, 7);
        m.set(20, 1);
        assert_eq!((m.get(3), m.get(4), m.get(20)), (7, 0, 0));
        m.reset(u32::MAX, 100);
        m.set(4_000_000_000, 5);
        assert_eq!(m.get(4_000_000_000), 5);
        assert_eq!(m.get(3), 0);
        m.reset(2, 100);
        assert_eq!(m.get(0), 0);
    }

    #[test]
    fn entity_slots_match_the_scope_layout() {
        // Scope::counts[1] is read as the token count.
        assert_eq!(entity_slot(sort::TAG), Some(0));
        assert_eq!(entity_slot(sort::TOKEN), Some(1));
        assert_eq!(entity_slot(sort::AL_TAG), Some(2));
    }
}
