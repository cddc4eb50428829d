//! The decoded tree: one flat vector of [`Node`]s in pre-order.
//!
//! A node's children follow it directly; `end` is the index one past its last
//! descendant, so the next sibling of node `i` is `nodes[i].end`. A node is 16 bytes and
//! borrows nothing: strings, identifiers and undecoded bitstreams are located by their
//! bit position in the unit body, which the tree is read together with.

use super::bits::BodyReader;
use super::table::{ConsId, SortId};

/// What a node is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum NodeKind {
    /// A constructor application; `code` is the [`ConsId`], the children are its
    /// parameters in order.
    Cons,
    /// A TDFINT whose value fits in 32 bits (`value`), in `aux` digits.
    Int,
    /// A TDFINT too big for 32 bits (or with over 255 digits): `value` is its number of
    /// digits, which are read from the body at `pos`.
    BigInt,
    /// A TDFBOOL (`value` 0 or 1).
    Bool,
    /// A TDFSTRING: `value` characters of `aux` bits, starting `code` bits after `pos`.
    Str,
    /// A TDFIDENT: `value` 8-bit characters, starting `code` bits after `pos`.
    Ident,
    /// An OPTION: `value` 1 when present, with the item as its child.
    Option,
    /// A LIST of `value` items (a count of `aux` digits), the children.
    List,
    /// An SLIST of `value` items (a count of `aux` digits), the children.
    SList,
    /// A BITSTREAM of `value` bits, starting `code` bits after `pos` (the length's
    /// digits); `aux` 1 when the contents were decoded (they are the children), 0 when
    /// they were skipped.
    BitStream,
    /// A token application's parameters: like [`NodeKind::BitStream`].
    Args,
    /// A token definition (`make_tokdef`, `use_tokdef`): like [`NodeKind::BitStream`];
    /// the children are the `token_defn` and, when decoded, the body.
    TokBody,
    /// A unit-scope identifier: `value` is the number, `code` the linkable sort (or
    /// [`LABEL`] for a label), `aux` its number of digits.
    Id,
    /// The number of labels of the unit (`value`, in `aux` digits).
    Labels,
    /// The body of a `tld` unit; the children are TDFINTs (format, then one usage per
    /// external name).
    Tld,
    /// A unit body of a unit set this table does not describe: `value` bytes, not
    /// decoded.
    Raw,
}

/// The `code` of an [`NodeKind::Id`] naming a label.
pub const LABEL: u16 = u16::MAX;

/// `end` of a node whose decoding did not finish (only seen while decoding).
pub(crate) const OPEN: u32 = u32::MAX;

/// One node of the tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Node {
    /// What it is.
    pub kind: NodeKind,
    /// Kind-specific (digits of an integer, character width, decoded flag).
    pub aux: u8,
    /// Kind-specific (constructor, linkable sort, offset of contents).
    pub code: u16,
    /// Kind-specific (value, count, length).
    pub value: u32,
    /// Bit offset in the unit body where the item starts.
    pub pos: u32,
    /// Index one past the last node of its subtree.
    pub end: u32,
}

impl Node {
    /// The constructor of a [`NodeKind::Cons`] node.
    #[inline]
    pub fn cons(&self) -> Option<ConsId> {
        (self.kind == NodeKind::Cons).then_some(ConsId(self.code))
    }

    /// The linkable sort of an [`NodeKind::Id`] node (`None` for a label).
    pub fn entity(&self) -> Option<SortId> {
        (self.kind == NodeKind::Id && self.code != LABEL).then_some(SortId(self.code))
    }

    /// True for a bitstream-like node whose contents were decoded.
    pub fn decoded(&self) -> bool {
        self.aux != 0
    }
}

/// Iterates over the children of node `i`.
pub fn children(nodes: &[Node], i: usize) -> Children<'_> {
    let end = nodes[i].end as usize;
    Children {
        nodes,
        next: i + 1,
        end,
    }
}

/// The children of a node, by index.
#[derive(Debug, Clone)]
pub struct Children<'n> {
    nodes: &'n [Node],
    next: usize,
    end: usize,
}

impl Iterator for Children<'_> {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        if self.next >= self.end {
            return None;
        }
        let i = self.next;
        self.next = (self.nodes[i].end as usize).max(i + 1);
        Some(i)
    }
}

/// The digits of an integer node ([`NodeKind::Int`], [`NodeKind::BigInt`],
/// [`NodeKind::Id`], [`NodeKind::Labels`]), octal, most significant first, leading zeros
/// included.
pub fn octal_digits(body: &[u8], node: &Node) -> Vec<u8> {
    let n = match node.kind {
        NodeKind::BigInt => node.value as usize,
        _ => node.aux as usize,
    };
    let mut r = BodyReader::range(body, node.pos as usize, node.pos as usize + 4 * n);
    let mut out = Vec::with_capacity(n.min(r.left() / 4));
    while let Ok(d) = r.bits(4) {
        out.push((d & 7) as u8);
    }
    out
}

/// The characters of a [`NodeKind::Str`] node, each widened to 32 bits.
pub fn string_chars<'b>(body: &'b [u8], node: &Node) -> impl Iterator<Item = u32> + 'b {
    let start = node.pos as usize + node.code as usize;
    let width = u32::from(node.aux);
    let mut r = BodyReader::range(body, start, start + node.value as usize * width as usize);
    let mut left = node.value;
    std::iter::from_fn(move || {
        if left == 0 {
            return None;
        }
        left -= 1;
        r.bits(width).ok()
    })
}

/// The bytes of a [`NodeKind::Ident`] node, or of a [`NodeKind::Str`] node with 8-bit
/// characters that starts on a byte boundary; `None` otherwise.
pub fn bytes<'b>(body: &'b [u8], node: &Node) -> Option<&'b [u8]> {
    let start = node.pos as usize + node.code as usize;
    let ok = match node.kind {
        NodeKind::Ident => true,
        NodeKind::Str => node.aux == 8,
        _ => false,
    };
    if !ok || !start.is_multiple_of(8) {
        return None;
    }
    body.get(start / 8..start / 8 + node.value as usize)
}

/// The bit range of the contents of a bitstream-like node.
pub fn contents(node: &Node) -> std::ops::Range<usize> {
    let start = node.pos as usize + node.code as usize;
    start..start + node.value as usize
}
