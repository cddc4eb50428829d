//! The bit reader and writer of unit bodies.
//!
//! Inside a unit body items start at any bit and basic integers have any width from 1
//! to 32 bits, so the reader loads eight bytes at once and shifts, instead of going
//! through the bytes one by one as the capsule-level reader of `crate::bits` does.
//! The reader has a movable end: a BITSTREAM's contents are read with the end set to
//! the end of the bitstream, so that nothing inside can run past it.

/// The input ended (at the body's or the enclosing bitstream's end) inside an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Eof;

/// A TDFINT as read: its value (when it fits in 64 bits) and its number of digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TdfInt {
    /// The value; meaningless when `big`.
    pub value: u64,
    /// The number of octal digits (nibbles), leading zeros included.
    pub nibbles: u32,
    /// The value does not fit in 64 bits.
    pub big: bool,
}

/// A reader of bits over one borrowed body. The body may be given as a part of a larger
/// buffer (the capsule file): positions are still counted from the body's start and
/// nothing beyond the body is read, but reads near its end can load whole words.
#[derive(Debug, Clone)]
pub struct BodyReader<'a> {
    data: &'a [u8],
    /// The body's first bit in `data`.
    base: usize,
    /// Absolute positions in `data`, in bits.
    pos: usize,
    end: usize,
    /// The body's end in `data`: `end` never moves past it.
    limit: usize,
}

impl<'a> BodyReader<'a> {
    /// A reader over the whole of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        BodyReader {
            data,
            base: 0,
            pos: 0,
            end: data.len() * 8,
            limit: data.len() * 8,
        }
    }

    /// A reader over the `len` bytes of `file` from byte `start` (clamped to the file).
    pub fn in_file(file: &'a [u8], start: usize, len: usize) -> Self {
        let start = start.min(file.len());
        let end = (start + len).min(file.len());
        BodyReader {
            data: file,
            base: start * 8,
            pos: start * 8,
            end: end * 8,
            limit: end * 8,
        }
    }

    /// A reader over `data` from bit `pos` to bit `end` (both clamped to the data).
    pub fn range(data: &'a [u8], pos: usize, end: usize) -> Self {
        let end = end.min(data.len() * 8);
        BodyReader {
            data,
            base: 0,
            pos: pos.min(end),
            end,
            limit: end,
        }
    }

    /// The body read.
    pub fn body(&self) -> &'a [u8] {
        &self.data[self.base / 8..self.limit.div_ceil(8)]
    }

    /// The current position in bits, from the start of the body.
    #[inline]
    pub fn pos(&self) -> usize {
        self.pos - self.base
    }

    /// The end in bits, from the start of the body.
    #[inline]
    pub fn end(&self) -> usize {
        self.end - self.base
    }

    /// Bits left before the end.
    #[inline]
    pub fn left(&self) -> usize {
        self.end - self.pos
    }

    /// Moves the end (never beyond the body).
    #[inline]
    pub fn set_end(&mut self, end: usize) {
        self.end = (self.base + end).min(self.limit);
    }

    /// Moves to bit `pos` of the body (clamped to the end).
    #[inline]
    pub fn seek(&mut self, pos: usize) {
        self.pos = (self.base + pos).min(self.end);
    }

    /// The 64 bits starting at byte `byte` (zeros past the end of the data).
    #[inline(always)]
    fn word(&self, byte: usize) -> u64 {
        match self.data.get(byte..byte + 8) {
            Some(chunk) => u64::from_be_bytes(chunk.try_into().expect("eight bytes")),
            None => self.word_at_end(byte),
        }
    }

    /// [`BodyReader::word`] within eight bytes of the end of the data.
    #[cold]
    fn word_at_end(&self, byte: usize) -> u64 {
        let mut bytes = [0u8; 8];
        let rest = self.data.get(byte..).unwrap_or_default();
        bytes[..rest.len()].copy_from_slice(rest);
        u64::from_be_bytes(bytes)
    }

    /// Reads `n` bits (0 to 32), most significant first.
    #[inline]
    pub fn bits(&mut self, n: u32) -> Result<u32, Eof> {
        debug_assert!(n <= 32);
        let n = n as usize;
        if self.end - self.pos < n {
            return Err(Eof);
        }
        if n == 0 {
            return Ok(0);
        }
        let w = self.word(self.pos >> 3);
        let shift = 64 - (self.pos & 7) - n;
        self.pos += n;
        Ok(((w >> shift) & ((1u64 << n) - 1)) as u32)
    }

    /// The next `n` bits (1 to 32), without reading them; `None` near the end.
    #[inline(always)]
    pub fn peek(&self, n: u32) -> Option<u32> {
        let n = n as usize;
        if self.end - self.pos < n {
            return None;
        }
        let w = self.word(self.pos >> 3);
        let shift = 64 - (self.pos & 7) - n;
        Some(((w >> shift) & ((1u64 << n) - 1)) as u32)
    }

    /// Moves on `n` bits, which [`BodyReader::peek`] showed are there.
    #[inline(always)]
    pub fn advance(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.end);
    }

    /// Reads one bit.
    #[inline]
    pub fn bit(&mut self) -> Result<bool, Eof> {
        if self.pos >= self.end {
            return Err(Eof);
        }
        let b = self.data[self.pos >> 3] >> (7 - (self.pos & 7)) & 1;
        self.pos += 1;
        Ok(b != 0)
    }

    /// Reads a TDFINT. Values beyond 64 bits are read to their end and marked `big`.
    #[inline(always)]
    pub fn tdfint(&mut self) -> Result<TdfInt, Eof> {
        // Fast path: up to 14 digits from one 8-byte load; one digit (most TDFINTs)
        // without a loop.
        let w = self.word(self.pos >> 3) << (self.pos & 7);
        let left = self.end - self.pos;
        let first = w >> 60;
        if first & 8 != 0 && left >= 4 {
            self.pos += 4;
            return Ok(TdfInt {
                value: first & 7,
                nibbles: 1,
                big: false,
            });
        }
        let avail = left.min(57) / 4;
        let mut value: u64 = 0;
        for k in 0..avail {
            let d = (w >> (60 - 4 * k)) & 0xF;
            value = (value << 3) | (d & 7);
            if d & 8 != 0 {
                self.pos += 4 * (k + 1);
                return Ok(TdfInt {
                    value,
                    nibbles: k as u32 + 1,
                    big: false,
                });
            }
        }
        self.tdfint_slow()
    }

    /// [`BodyReader::tdfint`] a digit at a time.
    #[cold]
    fn tdfint_slow(&mut self) -> Result<TdfInt, Eof> {
        let start = self.pos;
        let mut value: u64 = 0;
        let mut nibbles = 0u32;
        let mut big = false;
        loop {
            let d = match self.bits(4) {
                Ok(d) => d,
                Err(e) => {
                    self.pos = start;
                    return Err(e);
                }
            };
            nibbles += 1;
            if value >> 61 != 0 {
                big = true;
            }
            value = (value << 3) | u64::from(d & 7);
            if d & 8 != 0 {
                return Ok(TdfInt {
                    value,
                    nibbles,
                    big,
                });
            }
        }
    }

    /// Reads an extendable encoding of `n` bits (1 to 16); `None` when the value does not
    /// fit in 32 bits.
    #[inline]
    pub fn extendable(&mut self, n: u32) -> Result<Option<u32>, Eof> {
        let step = (1u64 << n) - 1;
        let mut total: u64 = 0;
        loop {
            let v = self.bits(n)?;
            if v != 0 {
                total += u64::from(v);
                return Ok(u32::try_from(total).ok());
            }
            total += step;
            if total > u64::from(u32::MAX) {
                // Keep reading to the end of the encoding, but the value is lost.
                total = u64::from(u32::MAX) + 1;
            }
        }
    }

    /// BYTE_ALIGN.
    #[inline]
    pub fn align(&mut self) {
        self.pos = ((self.pos + 7) & !7).min(self.end.max(self.pos));
    }

    /// Skips `n` bits.
    #[inline]
    pub fn skip(&mut self, n: usize) -> Result<(), Eof> {
        if self.end - self.pos < n {
            return Err(Eof);
        }
        self.pos += n;
        Ok(())
    }
}

/// A writer of bits into a growing `Vec<u8>`; padding bits are zero.
#[derive(Debug, Clone, Default)]
pub struct BodyWriter {
    buf: Vec<u8>,
    bits: usize,
}

impl BodyWriter {
    /// An empty writer.
    pub fn new() -> Self {
        BodyWriter::default()
    }

    /// Bits written.
    pub fn bit_len(&self) -> usize {
        self.bits
    }

    /// Writes the low `n` bits of `v` (0 to 32), most significant first.
    pub fn bits(&mut self, v: u32, n: u32) {
        for i in (0..n).rev() {
            if self.bits & 7 == 0 {
                self.buf.push(0);
            }
            if (v >> i) & 1 != 0 {
                let last = self.buf.last_mut().expect("a byte exists");
                *last |= 0x80 >> (self.bits & 7);
            }
            self.bits += 1;
        }
    }

    /// Writes a TDFINT of `value` in `nibbles` digits (more than it needs: leading zeros).
    pub fn tdfint(&mut self, value: u64, nibbles: u32) {
        for i in (0..nibbles).rev() {
            let digit = if 3 * i >= 64 {
                0
            } else {
                ((value >> (3 * i)) & 7) as u32
            };
            self.bits(if i == 0 { digit | 8 } else { digit }, 4);
        }
    }

    /// Writes the extendable encoding of `v` (at least 1) in `n`-bit pieces.
    pub fn extendable(&mut self, mut v: u32, n: u32) {
        let step = (1u32 << n) - 1;
        while v > step {
            self.bits(0, n);
            v -= step;
        }
        self.bits(v, n);
    }

    /// BYTE_ALIGN.
    pub fn align(&mut self) {
        self.bits = (self.bits + 7) & !7;
    }

    /// Copies bits `from..to` of `data`.
    pub fn copy(&mut self, data: &[u8], from: usize, to: usize) {
        let mut r = BodyReader::range(data, from, to);
        while r.left() >= 32 {
            let v = r.bits(32).expect("within range");
            self.bits(v, 32);
        }
        let n = r.left() as u32;
        let v = r.bits(n).expect("within range");
        self.bits(v, n);
    }

    /// The bytes written, the last one padded with zeros.
    pub fn finish(self) -> Vec<u8> {
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_at_every_offset() {
        let data: Vec<u8> = (0..40u8).map(|i| i.wrapping_mul(37) ^ 0xA5).collect();
        for start in 0..64 {
            for n in 0..=32 {
                let mut fast = BodyReader::new(&data);
                fast.skip(start).unwrap();
                let v = fast.bits(n).unwrap();
                let mut slow: u64 = 0;
                for b in start..start + n as usize {
                    slow = (slow << 1) | u64::from(data[b / 8] >> (7 - b % 8) & 1);
                }
                assert_eq!(u64::from(v), slow, "{n} bits at {start}");
                assert_eq!(fast.pos(), start + n as usize);
            }
        }
        // Near the end of the data (the slow path) and past it.
        let mut r = BodyReader::new(&data[..3]);
        r.skip(3).unwrap();
        assert_eq!(r.bits(20).unwrap(), {
            let mut w = BodyWriter::new();
            w.copy(&data[..3], 3, 23);
            let b = w.finish();
            (u32::from(b[0]) << 12) | (u32::from(b[1]) << 4) | (u32::from(b[2]) >> 4)
        });
        assert_eq!(r.bits(2), Err(Eof));
        assert_eq!(r.bits(1), Ok(u32::from(data[2] & 1)));
        assert_eq!(r.bit(), Err(Eof));
    }

    #[test]
    fn tdfints_and_extendable_round_trip() {
        let mut w = BodyWriter::new();
        let ints = [
            (0u64, 1u32),
            (7, 1),
            (8, 2),
            (100, 3),
            (5, 6),
            (u64::MAX, 22),
        ];
        w.bits(1, 3);
        for &(v, n) in &ints {
            w.tdfint(v, n);
        }
        let ext = [
            (1u32, 3u32),
            (7, 3),
            (8, 3),
            (14, 3),
            (15, 3),
            (116, 7),
            (1000, 2),
        ];
        for &(v, n) in &ext {
            w.extendable(v, n);
        }
        let bytes = w.finish();
        let mut r = BodyReader::new(&bytes);
        r.bits(3).unwrap();
        for &(v, n) in &ints {
            let t = r.tdfint().unwrap();
            assert_eq!((t.value, t.nibbles, t.big), (v, n, false));
        }
        for &(v, n) in &ext {
            assert_eq!(r.extendable(n).unwrap(), Some(v));
        }
        // 23 digits do not fit in 64 bits.
        let mut w = BodyWriter::new();
        for _ in 0..22 {
            w.bits(7, 4);
        }
        w.bits(15, 4);
        let bytes = w.finish();
        let t = BodyReader::new(&bytes).tdfint().unwrap();
        assert!(t.big);
        assert_eq!(t.nibbles, 23);
    }

    #[test]
    fn end_limits_reads() {
        let data = [0xFF, 0xFF];
        let mut r = BodyReader::range(&data, 2, 9);
        assert_eq!(r.left(), 7);
        assert_eq!(r.bits(8), Err(Eof));
        assert_eq!(r.bits(7), Ok(0x7F));
        r.align();
        assert_eq!(r.pos(), 9);
    }
}
