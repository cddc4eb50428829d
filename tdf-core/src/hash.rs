//! The hash function of the name tables.
//!
//! The standard library's SipHash is built to resist collision attacks with a strong
//! keyed function, and costs about 20 ns for a short name. The tables here hash every
//! external name of every capsule and library index read (hundreds of thousands in a
//! large link), so they use a folded-multiply hash in the manner of `foldhash`: eight
//! bytes per multiplication, a few nanoseconds for a typical name. It is seeded once per
//! process from where the system placed the program in memory (randomised at every
//! start), so the bucket of a name cannot be predicted from the input alone. Nothing depends on hash order: every table iterates
//! in insertion order.

use std::hash::{BuildHasher, Hasher};
use std::sync::OnceLock;

/// An `IndexMap` with the name hash.
pub type FastIndexMap<K, V> = indexmap::IndexMap<K, V, NameHashBuilder>;

/// An `IndexSet` with the name hash.
pub type FastIndexSet<K> = indexmap::IndexSet<K, NameHashBuilder>;

/// A `HashSet` with the name hash.
pub type FastHashSet<K> = std::collections::HashSet<K, NameHashBuilder>;

/// A `HashMap` with the name hash.
pub type FastHashMap<K, V> = std::collections::HashMap<K, V, NameHashBuilder>;

const MUL: u64 = 0x9E37_79B9_7F4A_7C15;
const MUL2: u64 = 0xD6E8_FEB8_6659_FD93;

#[inline(always)]
fn fold(a: u64, b: u64) -> u64 {
    let p = (a as u128).wrapping_mul(b as u128);
    (p as u64) ^ ((p >> 64) as u64)
}

/// The per-process seed: the addresses the system placed this program's code, stack and
/// heap at, which address space layout randomisation makes unpredictable from outside,
/// folded together. (The standard library's random keys would cost a `getrandom`
/// system call at every start, for the same purpose.)
fn seed() -> u64 {
    static SEED: OnceLock<u64> = OnceLock::new();
    *SEED.get_or_init(|| {
        let stack = 0u8;
        let heap = Box::new(0u8);
        let code = seed as fn() -> u64 as usize as u64;
        let stack = std::ptr::addr_of!(stack) as usize as u64;
        let heap = std::ptr::addr_of!(*heap) as usize as u64;
        fold(fold(code ^ MUL2, stack ^ MUL), heap ^ MUL2) | 1
    })
}

/// The last 1 to 7 bytes of a key as one word, without a copy through memory (a
/// `memcpy` call per name): two overlapping loads, or three single bytes. The length is
/// folded in by the caller.
#[inline(always)]
fn tail(rest: &[u8]) -> u64 {
    let n = rest.len();
    if n >= 4 {
        let lo = u32::from_le_bytes(rest[..4].try_into().expect("4 bytes"));
        let hi = u32::from_le_bytes(rest[n - 4..].try_into().expect("4 bytes"));
        u64::from(lo) | (u64::from(hi) << 32)
    } else {
        u64::from(rest[0]) | (u64::from(rest[n / 2]) << 8) | (u64::from(rest[n - 1]) << 16)
    }
}

/// Builds [`NameHasher`]s with the per-process seed.
#[derive(Debug, Clone, Copy)]
pub struct NameHashBuilder {
    seed: u64,
}

impl Default for NameHashBuilder {
    #[inline]
    fn default() -> Self {
        NameHashBuilder { seed: seed() }
    }
}

impl BuildHasher for NameHashBuilder {
    type Hasher = NameHasher;

    #[inline]
    fn build_hasher(&self) -> NameHasher {
        NameHasher { h: self.seed }
    }
}

/// The hasher: one folded multiplication per 8 input bytes or integer written.
#[derive(Debug, Clone, Copy)]
pub struct NameHasher {
    h: u64,
}

impl Hasher for NameHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.h;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let v = u64::from_le_bytes(c.try_into().expect("8 bytes"));
            h = fold(h ^ v, MUL);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            h = fold(h ^ tail(rest), MUL ^ rest.len() as u64);
        }
        self.h = h;
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.write_u64(i.into());
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.write_u64(i.into());
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.h = fold(self.h ^ i, MUL);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }

    #[inline]
    fn write_isize(&mut self, i: isize) {
        self.write_u64(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        fold(self.h, MUL2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::Hash;

    fn hash<T: Hash + ?Sized>(t: &T) -> u64 {
        NameHashBuilder::default().hash_one(t)
    }

    #[test]
    fn equal_keys_hash_equal_and_short_keys_differ() {
        assert_eq!(hash(&b"main"[..]), hash(&b"main".to_vec()[..]));
        let mut seen = std::collections::HashSet::new();
        for i in 0..10_000u32 {
            assert!(seen.insert(hash(format!("f_{i}").as_bytes())));
        }
        // Trailing zero bytes and length are part of the hash.
        assert_ne!(hash(&b"a"[..]), hash(&b"a\0"[..]));
        assert_ne!(hash(&b""[..]), hash(&b"\0"[..]));
    }
}
