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
pub use decoder::{
    stack_address, DecodeError, ErrorKind, Problem, ProblemKind, MAX_DEPTH, STACK_BUDGET,
};
pub use encode::{encode_unit, EncodeError};
pub use sig::{Sigs, SortRef};
pub use table::{cons, sort, ConsId, Item, Param, SortId, Wrap};
pub use tree::{Node, NodeKind};
