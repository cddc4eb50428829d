//! The encoder: a decoded unit body written back into bits.
//!
//! Every node is written from what the tree holds: constructor numbers in their sort's
//! encoding, integers, counts and lengths in as many digits as they were read with, the
//! options' and lists' flags, alignment where the table asks for it. Only what the tree
//! locates rather than holds (strings and identifiers, the digits of integers too big
//! for 32 bits, parameters of tokens without a known signature, and the padding bits of
//! the body's last byte) is copied from the body the tree was decoded from.
//! For a body decoded without error the result is the body, bit for bit (a test checks
//! this over the corpus).

use super::bits::BodyWriter;
use super::decoded::{Decoded, UnitTree};
use super::table::ConsId;
use super::tree::{children, contents, Node, NodeKind};

/// Why a tree cannot be written back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodeError {
    /// The unit was not decoded to its end.
    NotDecoded,
    /// Node `node` does not fit its place (a bitstream's contents came out at another
    /// length than recorded).
    Inconsistent { node: u32 },
}

/// Writes unit `u` of `decoded` back; `body` is the body it was decoded from.
pub fn encode_unit(decoded: &Decoded, u: &UnitTree, body: &[u8]) -> Result<Vec<u8>, EncodeError> {
    if u.error.is_some() {
        return Err(EncodeError::NotDecoded);
    }
    let mut e = Encoder {
        nodes: &decoded.nodes,
        body,
        w: BodyWriter::new(),
    };
    let root = u.root as usize;
    if root < u.end as usize {
        e.run(root)?;
    }
    // The padding of the last byte, as it was.
    let end = e.w.bit_len();
    e.w.copy(body, end, end.div_ceil(8) * 8);
    Ok(e.w.finish())
}

struct Encoder<'n, 'b> {
    nodes: &'n [Node],
    body: &'b [u8],
    w: BodyWriter,
}

/// A step of the encoder's stack (an explicit stack: the tree is as deep as the decoder
/// allowed, and the encoder must not recurse that deep).
enum Work {
    /// Write node `i`.
    Node(usize),
    /// BYTE_ALIGN.
    Align,
    /// End the bitstream of node `i`, whose contents started at bit `start`.
    EndStream { i: usize, start: usize },
}

impl Encoder<'_, '_> {
    fn run(&mut self, root: usize) -> Result<(), EncodeError> {
        let mut stack = vec![Work::Node(root)];
        while let Some(work) = stack.pop() {
            match work {
                Work::Align => self.w.align(),
                Work::Node(i) => self.node(i, &mut stack),
                Work::EndStream { i, start } => {
                    let n = self.nodes[i];
                    let complete = n.kind == NodeKind::BitStream || n.decoded();
                    if !complete {
                        // Contents not (all) decoded: the rest is copied as it was.
                        let range = contents(&n);
                        let done = self.w.bit_len() - start;
                        self.w.copy(self.body, range.start + done, range.end);
                    }
                    if self.w.bit_len() - start != n.value as usize {
                        return Err(EncodeError::Inconsistent { node: i as u32 });
                    }
                }
            }
        }
        Ok(())
    }

    /// Writes what precedes node `i`'s children and schedules them.
    fn node(&mut self, i: usize, stack: &mut Vec<Work>) {
        let n = self.nodes[i];
        let kids = |stack: &mut Vec<Work>| {
            let kids: Vec<usize> = children(self.nodes, i).collect();
            stack.extend(kids.into_iter().rev().map(Work::Node));
        };
        match n.kind {
            NodeKind::Cons => {
                let c = ConsId(n.code);
                let s = c.sort().info();
                let number = u32::from(c.info().encoding);
                if s.bits > 0 {
                    if s.extendable {
                        self.w.extendable(number, u32::from(s.bits));
                    } else {
                        self.w.bits(number, u32::from(s.bits));
                    }
                }
                let params = c.params();
                let kids: Vec<usize> = children(self.nodes, i).collect();
                for (k, &child) in kids.iter().enumerate().rev() {
                    stack.push(Work::Node(child));
                    if params.get(k).is_some_and(|p| p.align) {
                        stack.push(Work::Align);
                    }
                }
            }
            NodeKind::Int | NodeKind::Id | NodeKind::Labels => {
                self.w.tdfint(u64::from(n.value), u32::from(n.aux));
            }
            NodeKind::BigInt => {
                let start = n.pos as usize;
                self.w.copy(self.body, start, start + 4 * n.value as usize);
            }
            NodeKind::Bool => self.w.bits(n.value, 1),
            NodeKind::Str | NodeKind::Ident => {
                // The header (character width and count, as they were written) and the
                // characters are the body's.
                let start = n.pos as usize;
                let width = if n.kind == NodeKind::Ident { 8 } else { n.aux };
                let end = start + n.code as usize + n.value as usize * width as usize;
                self.w.copy(self.body, start, end);
            }
            NodeKind::Option => {
                self.w.bits(n.value, 1);
                kids(stack);
            }
            NodeKind::List | NodeKind::SList => {
                if n.kind == NodeKind::List {
                    self.w.bits(0, 1);
                }
                self.w.tdfint(u64::from(n.value), u32::from(n.aux));
                kids(stack);
            }
            NodeKind::BitStream | NodeKind::Args | NodeKind::TokBody => {
                // The length, in as many digits as it was written with.
                self.w.tdfint(u64::from(n.value), u32::from(n.code) / 4);
                let start = self.w.bit_len();
                stack.push(Work::EndStream { i, start });
                kids(stack);
            }
            NodeKind::Tld => kids(stack),
            NodeKind::Raw => self.w.copy(self.body, 0, self.body.len() * 8),
        }
    }
}
