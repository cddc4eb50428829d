//! Benchmark: our nibble-oriented TDF reader against a reader built on `bitvec`.
//!
//! Run with `cargo bench -p tdf-core --bench bits`. Both readers decode the same stream of
//! TDFINTs interleaved with aligned identifiers (the shape of capsule headers and link
//! tables); the best of several rounds is printed as nanoseconds per item.

use std::hint::black_box;
use std::time::{Duration, Instant};

use bitvec::prelude::*;
use tdf_core::bits::{Reader, Writer};

/// A TDF reader over a `BitSlice`, the straightforward way to write one with bitvec.
struct BitvecReader<'a> {
    data: &'a [u8],
    bits: &'a BitSlice<u8, Msb0>,
    pos: usize,
}

impl<'a> BitvecReader<'a> {
    fn new(data: &'a [u8]) -> Self {
        BitvecReader {
            data,
            bits: data.view_bits::<Msb0>(),
            pos: 0,
        }
    }

    fn nibble(&mut self) -> Option<u8> {
        let v = self.bits.get(self.pos..self.pos + 4)?.load_be::<u8>();
        self.pos += 4;
        Some(v)
    }

    fn tdfint(&mut self) -> Option<u32> {
        let mut v: u32 = 0;
        loop {
            let n = self.nibble()?;
            if v > 0x1FFF_FFFF {
                return None;
            }
            v = (v << 3) | (n & 7) as u32;
            if n & 8 != 0 {
                return Some(v);
            }
        }
    }

    fn ident(&mut self) -> Option<&'a [u8]> {
        let k = self.tdfint()?;
        let n = self.tdfint()? as usize;
        if k != 8 {
            return None;
        }
        self.pos = (self.pos + 7) & !7;
        let start = self.pos / 8;
        let s = self.data.get(start..start + n)?;
        self.pos += n * 8;
        Some(s)
    }
}

const ITEMS: u32 = 1_000_000;

fn sample() -> Vec<u8> {
    let mut w = Writer::new();
    let mut x: u32 = 12345;
    for i in 0..ITEMS {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        // Mostly small values, as in real link tables, some large ones.
        let v = if i % 16 == 0 { x } else { x % 200 };
        w.write_tdfint(v);
        if i % 8 == 0 {
            w.write_ident(b"identifier");
        }
    }
    w.finish()
}

fn ours(data: &[u8]) -> u64 {
    let mut r = Reader::new(data);
    let mut sum = 0u64;
    for i in 0..ITEMS {
        sum += r.read_tdfint().unwrap() as u64;
        if i % 8 == 0 {
            sum += r.read_ident().unwrap().len() as u64;
        }
    }
    sum
}

fn theirs(data: &[u8]) -> u64 {
    let mut r = BitvecReader::new(data);
    let mut sum = 0u64;
    for i in 0..ITEMS {
        sum += r.tdfint().unwrap() as u64;
        if i % 8 == 0 {
            sum += r.ident().unwrap().len() as u64;
        }
    }
    sum
}

fn best(f: impl Fn() -> u64) -> (Duration, u64) {
    let mut best = Duration::MAX;
    let mut out = 0;
    for _ in 0..7 {
        let t = Instant::now();
        out = black_box(f());
        best = best.min(t.elapsed());
    }
    (best, out)
}

fn main() {
    let data = sample();
    let (t_ours, a) = best(|| ours(black_box(&data)));
    let (t_bitvec, b) = best(|| theirs(black_box(&data)));
    assert_eq!(a, b, "both readers decode the same values");
    let per = |d: Duration| d.as_nanos() as f64 / ITEMS as f64;
    println!(
        "stream of {} bytes, {ITEMS} TDFINTs and {} identifiers",
        data.len(),
        ITEMS.div_ceil(8)
    );
    println!(
        "tdf-core Reader : {:>8.2?}  {:.2} ns/item",
        t_ours,
        per(t_ours)
    );
    println!(
        "bitvec reader   : {:>8.2?}  {:.2} ns/item",
        t_bitvec,
        per(t_bitvec)
    );
    println!(
        "speed-up        : {:.2}x",
        t_bitvec.as_secs_f64() / t_ours.as_secs_f64()
    );
}
