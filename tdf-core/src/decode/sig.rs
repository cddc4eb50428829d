//! Token signatures: the result sort and parameter sorts of a token, as its declaration
//! or definition gives them (or the standard tokens' table).

use super::table::SortId;

/// A sort as a token signature names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortRef {
    /// A sort of the table.
    Sort(SortId),
    /// TOKEN with this signature (a high-level sort), an index into [`Sigs`].
    Token(u32),
    /// A TDFSTRING (only in standard tokens).
    TdfString,
    /// A foreign sort: nothing of it can be decoded.
    Foreign,
}

/// One signature: a result sort and a range of parameter sorts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Sig {
    result: SortRef,
    start: u32,
    len: u32,
}

/// The signatures met in one capsule, numbered in order of appearance.
#[derive(Clone, Debug, Default)]
pub struct Sigs {
    sigs: Vec<Sig>,
    params: Vec<SortRef>,
}

impl Sigs {
    /// An empty table.
    pub fn new() -> Self {
        Sigs::default()
    }

    /// Forgets every signature.
    pub fn clear(&mut self) {
        self.sigs.clear();
        self.params.clear();
    }

    /// Adds a signature and returns its number.
    pub fn add(&mut self, result: SortRef, params: &[SortRef]) -> u32 {
        let start = self.params.len() as u32;
        self.params.extend_from_slice(params);
        self.sigs.push(Sig {
            result,
            start,
            len: params.len() as u32,
        });
        (self.sigs.len() - 1) as u32
    }

    /// Number of signatures.
    pub fn len(&self) -> usize {
        self.sigs.len()
    }

    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.sigs.is_empty()
    }

    /// The result sort of signature `s`.
    pub fn result(&self, s: u32) -> SortRef {
        self.sigs[s as usize].result
    }

    /// The parameter sorts of signature `s`.
    pub fn params(&self, s: u32) -> &[SortRef] {
        let sig = &self.sigs[s as usize];
        &self.params[sig.start as usize..(sig.start + sig.len) as usize]
    }

    /// True when signatures `a` and `b` give the same sorts.
    pub fn same(&self, a: u32, b: u32) -> bool {
        // High-level sorts nest; compare with an explicit stack (no recursion). A
        // signature only names earlier ones, so this ends; the budget bounds the work
        // on signatures built to share parts many times over.
        let mut stack = vec![(a, b)];
        let mut budget = 100_000u32;
        while let Some((a, b)) = stack.pop() {
            budget = match budget.checked_sub(1) {
                Some(b) => b,
                None => return false,
            };
            if a == b {
                continue;
            }
            let (pa, pb) = (self.params(a), self.params(b));
            if pa.len() != pb.len() {
                return false;
            }
            let pairs = std::iter::once((self.result(a), self.result(b))).chain(
                pa.iter()
                    .copied()
                    .zip(pb.iter().copied())
                    .collect::<Vec<_>>(),
            );
            for (x, y) in pairs {
                match (x, y) {
                    (SortRef::Token(x), SortRef::Token(y)) => stack.push((x, y)),
                    (x, y) if x == y => {}
                    _ => return false,
                }
            }
        }
        true
    }
}
