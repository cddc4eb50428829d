//! Unit bodies: what is inside the units of a capsule.
//!
//! * [`table`]: every sort and constructor of TDF, generated from `constructs.txt`.
//! * [`bits`]: the bit reader and writer of bodies.
//! * [`tree`]: the decoded tree, a flat vector of 16-byte nodes.
//! * [`decoder`]: the decoder of one body, driven by the table.
//! * [`decoded`]: decoding every body of a capsule (token signatures first).
//! * [`encode`]: writing a decoded body back, bit for bit.
//! * [`check`]: every error and problem of the bodies as catalogue diagnostics.

pub mod bits;
pub mod check;
pub mod decoded;
pub mod decoder;
pub mod encode;
pub mod sig;
pub mod table;
pub mod tree;

#[cfg(test)]
mod tests;

pub use decoded::{Decoded, UnitTree};
pub use decoder::{DecodeError, ErrorKind, Problem, ProblemKind, MAX_DEPTH};
pub use encode::{encode_unit, EncodeError};
pub use sig::{Sigs, SortRef};
pub use table::{cons, sort, ConsId, Item, Param, SortId, Wrap};
pub use tree::{Node, NodeKind};

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
