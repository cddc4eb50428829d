//! The TDF bit stream: a reader over one borrowed `&[u8]` and a writer into a `Vec<u8>`.
//!
//! A TDF stream fills each byte from the most significant bit down (§1.1 of the format
//! reference). Outside unit bodies every item is a TDFINT (whole 4-bit nibbles), an aligned
//! run of bytes, or the 2-bit EXTERNAL tag, so the hot paths here work in nibbles: a nibble
//! read is one shift and mask of one byte. General basic integers of 1 to 32 bits are
//! supported too, for completeness and for the tests.
//!
//! The reader never copies: identifiers and BYTESTREAM bodies come back as sub-slices of
//! the input. Before it hands out a slice of `n` bytes it checks that `n` bytes remain, so
//! a lying length field costs nothing and gives [`ReadErrorKind::UnexpectedEof`].
//!
//! Errors are small `Copy` values ([`ReadError`]) carrying the bit position where the
//! failing item started; they become catalogue diagnostics with [`ReadError::diagnostic`].

use tdf_errors::{Diagnostic, Kind};

/// What went wrong while decoding the bit stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadErrorKind {
    /// The input ended inside an item.
    UnexpectedEof,
    /// A TDFINT does not fit in 32 bits.
    IntegerTooBig,
    /// A TDFIDENT whose characters are not 8 bits wide.
    UnsupportedCharSize(u32),
    /// An EXTERNAL tag other than 1 (string) and 2 (unique).
    BadNameType(u32),
}

/// A decoding error and the bit position where the failing item started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadError {
    pub kind: ReadErrorKind,
    /// Bit position from the start of the input.
    pub bit_pos: u64,
}

impl ReadError {
    /// The catalogue diagnostic for this error, located at its byte (and bit) in the input.
    /// The caller adds the file name.
    pub fn diagnostic(self) -> Diagnostic {
        let kind = match self.kind {
            ReadErrorKind::UnexpectedEof => Kind::tdf_unexpected_eof(),
            ReadErrorKind::IntegerTooBig => Kind::tdf_integer_too_big(),
            ReadErrorKind::UnsupportedCharSize(k) => Kind::tdf_unsupported_char_size(k.into()),
            ReadErrorKind::BadNameType(t) => Kind::tdf_bad_name_type(t.into()),
        };
        Diagnostic::new(kind).at_bit(self.bit_pos / 8, (self.bit_pos % 8) as u8)
    }
}

impl From<ReadError> for Box<Diagnostic> {
    fn from(e: ReadError) -> Self {
        Box::new(e.diagnostic())
    }
}

/// Asks the processor to bring the memory at `p` into the cache, for data about to be
/// read (a hint: it never faults, whatever the address; no effect on processors
/// without a prefetch instruction).
#[inline(always)]
pub fn prefetch(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is a hint; it never faults, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Prefetches the first `lines` cache lines (64 bytes each) of `bytes`.
#[inline]
pub fn prefetch_bytes(bytes: &[u8], lines: usize) {
    for i in 0..lines.min(bytes.len().div_ceil(64)) {
        prefetch(bytes[i * 64..].as_ptr());
    }
}

/// Prefetches a buffer read from start to end in jumps (the members of a library, each
/// found from the length of the one before): the lines up to [`Streamer::AHEAD`]
/// bytes past the position are asked for as the position advances, so that the reads
/// find them in the cache instead of waiting for memory one member at a time.
#[derive(Debug, Clone, Default)]
pub struct Streamer {
    /// The first byte not yet asked for.
    next: usize,
}

impl Streamer {
    /// How far ahead of the position lines are fetched.
    pub const AHEAD: usize = 4096;

    /// The reading position in `data` is `pos`.
    #[inline]
    pub fn at(&mut self, data: &[u8], pos: usize) {
        let end = (pos + Self::AHEAD).min(data.len());
        while self.next < end {
            prefetch(data[self.next..].as_ptr());
            self.next += 64;
        }
    }
}

/// A reader over a TDF bit stream, borrowing the input.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    data: &'a [u8],
    /// Current position in bits.
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    /// A reader over `data` positioned at byte `offset`, so that reported positions are
    /// relative to the whole of `data`.
    pub fn at_byte(data: &'a [u8], offset: usize) -> Self {
        Reader {
            data,
            pos: offset.min(data.len()) * 8,
        }
    }

    /// The whole input.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// Current position in bits.
    pub fn bit_pos(&self) -> u64 {
        self.pos as u64
    }

    /// The byte holding the current position.
    pub fn byte_pos(&self) -> u64 {
        (self.pos / 8) as u64
    }

    /// Bytes consumed so far, counting a partly read byte as consumed.
    pub fn bytes_consumed(&self) -> usize {
        self.pos.div_ceil(8)
    }

    /// Bytes left after the current (partly read) byte.
    pub fn remaining_bytes(&self) -> usize {
        self.data.len() - self.bytes_consumed()
    }

    /// True when nothing but padding bits of the current byte is left.
    pub fn at_end(&self) -> bool {
        self.bytes_consumed() >= self.data.len()
    }

    /// True when the position is on a byte boundary.
    pub fn is_aligned(&self) -> bool {
        self.pos.is_multiple_of(8)
    }

    /// An error of `kind` at the current position.
    pub fn error(&self, kind: ReadErrorKind) -> ReadError {
        ReadError {
            kind,
            bit_pos: self.pos as u64,
        }
    }

    fn eof_at(&self, bit_pos: usize) -> ReadError {
        ReadError {
            kind: ReadErrorKind::UnexpectedEof,
            bit_pos: bit_pos as u64,
        }
    }

    /// BYTE_ALIGN: skip to the next byte boundary (padding bits are ignored).
    #[inline]
    pub fn align(&mut self) {
        self.pos = (self.pos + 7) & !7;
    }

    /// Reads a 4-bit basic integer.
    #[inline]
    pub fn read_nibble(&mut self) -> Result<u8, ReadError> {
        if self.pos.is_multiple_of(4) {
            let byte = match self.data.get(self.pos / 8) {
                Some(&b) => b,
                None => return Err(self.eof_at(self.pos)),
            };
            let shift = 4 - (self.pos & 4);
            self.pos += 4;
            Ok((byte >> shift) & 0xF)
        } else {
            self.read_bits(4).map(|v| v as u8)
        }
    }

    /// Reads a 2-bit basic integer (the tag of an EXTERNAL).
    #[inline]
    pub fn read_tag2(&mut self) -> Result<u32, ReadError> {
        if self.pos % 8 <= 6 {
            let byte = match self.data.get(self.pos / 8) {
                Some(&b) => b,
                None => return Err(self.eof_at(self.pos)),
            };
            let v = (byte >> (6 - self.pos % 8)) & 3;
            self.pos += 2;
            Ok(v.into())
        } else {
            self.read_bits(2)
        }
    }

    /// Reads a basic integer of `n` bits (1 to 32), most significant bit first.
    pub fn read_bits(&mut self, n: u32) -> Result<u32, ReadError> {
        assert!((1..=32).contains(&n), "basic integers have 1 to 32 bits");
        let n = n as usize;
        if self.pos + n > self.data.len() * 8 {
            return Err(self.eof_at(self.pos));
        }
        let mut value: u64 = 0;
        let mut pos = self.pos;
        let end = pos + n;
        while pos < end {
            let byte = self.data[pos / 8] as u64;
            let used = pos % 8;
            let take = (8 - used).min(end - pos);
            let bits = (byte >> (8 - used - take)) & ((1 << take) - 1);
            value = (value << take) | bits;
            pos += take;
        }
        self.pos = end;
        Ok(value as u32)
    }

    /// Reads a TDFINT (§1.2): octal digits in nibbles, the last one with its top bit set.
    /// Redundant leading zero digits are accepted; a value over 32 bits is an error.
    #[inline]
    pub fn read_tdfint(&mut self) -> Result<u32, ReadError> {
        // Nibble-aligned with one digit (most TDFINTs of a well-formed stream): one byte
        // load, a shift and a test. (Finding the terminating digit in a 64-bit word was
        // measured slower: most TDFINTs have one digit.)
        if self.pos.is_multiple_of(4) {
            if let Some(&byte) = self.data.get(self.pos / 8) {
                let nibble = (byte >> (4 - (self.pos & 4))) & 0xF;
                if nibble & 8 != 0 {
                    self.pos += 4;
                    return Ok((nibble & 7).into());
                }
            }
        }
        self.read_tdfint_digits()
    }

    /// [`Reader::read_tdfint`] for several digits, an odd position, or an error.
    #[inline(never)]
    fn read_tdfint_digits(&mut self) -> Result<u32, ReadError> {
        let start = self.pos;
        let mut value: u32 = 0;
        // Nibble-aligned with eight bytes to spare: the digits are found in one 64-bit
        // word (the terminating digit is the first nibble with its top bit set), then
        // gathered without bounds checks. Anything unusual (over 11 digits, a value
        // over 32 bits, the end of the input) takes the digit-by-digit loop below.
        if start.is_multiple_of(4) {
            if let Some(bytes) = self.data.get(start / 8..start / 8 + 8) {
                let word = u64::from_be_bytes(bytes.try_into().expect("8 bytes")) << (start & 4);
                let tops = word & 0x8888_8888_8888_8888;
                let digits = tops.leading_zeros() as usize / 4 + 1;
                if tops != 0 && digits <= 11 && digits <= 16 - (start & 4) / 4 {
                    let v = gather_octal(word >> (64 - 4 * digits));
                    if v <= u64::from(u32::MAX) {
                        self.pos = start + 4 * digits;
                        return Ok(v as u32);
                    }
                }
            }
        }
        if start.is_multiple_of(4) {
            // One byte load and a shift per digit, no per-nibble alignment test.
            let mut pos = start;
            loop {
                let Some(&byte) = self.data.get(pos / 8) else {
                    self.pos = pos;
                    return Err(self.eof_at(start));
                };
                let nibble = (byte >> (4 - (pos & 4))) & 0xF;
                pos += 4;
                if value > 0x1FFF_FFFF {
                    self.pos = pos;
                    return Err(ReadError {
                        kind: ReadErrorKind::IntegerTooBig,
                        bit_pos: start as u64,
                    });
                }
                value = (value << 3) | (nibble & 7) as u32;
                if nibble & 8 != 0 {
                    self.pos = pos;
                    return Ok(value);
                }
            }
        }
        loop {
            let nibble = match self.read_nibble() {
                Ok(n) => n,
                Err(_) => return Err(self.eof_at(start)),
            };
            if value > 0x1FFF_FFFF {
                return Err(ReadError {
                    kind: ReadErrorKind::IntegerTooBig,
                    bit_pos: start as u64,
                });
            }
            value = (value << 3) | (nibble & 7) as u32;
            if nibble & 8 != 0 {
                return Ok(value);
            }
        }
    }

    /// Reads `n` whole bytes; the position must be byte-aligned.
    #[inline]
    pub fn read_bytes(&mut self, n: usize) -> Result<&'a [u8], ReadError> {
        debug_assert!(self.is_aligned());
        let start = self.pos / 8;
        if n > self.data.len() - start.min(self.data.len()) {
            return Err(self.eof_at(self.pos));
        }
        self.pos += n * 8;
        Ok(&self.data[start..start + n])
    }

    /// Reads a TDFIDENT (§1.5) with 8-bit characters, returned as a borrowed slice.
    #[inline]
    pub fn read_ident(&mut self) -> Result<&'a [u8], ReadError> {
        let start = self.pos;
        // The character size is 8 (octal 10: nibbles 1 and 8) in every identifier TDF
        // producers write: recognised without decoding.
        let at = self.pos / 8;
        let k = match (self.pos & 7, self.data.get(at), self.data.get(at + 1)) {
            (0, Some(0x18), _) => {
                self.pos += 8;
                8
            }
            (4, Some(a), Some(b)) if a & 0xF == 1 && b >> 4 == 8 => {
                self.pos += 8;
                8
            }
            _ => self.read_tdfint()?,
        };
        let n = self.read_tdfint()?;
        if k != 8 {
            return Err(ReadError {
                kind: ReadErrorKind::UnsupportedCharSize(k),
                bit_pos: start as u64,
            });
        }
        self.align();
        self.read_bytes(n as usize)
    }

    /// Reads a BYTESTREAM (§1.6): a length, alignment, then that many bytes, borrowed.
    #[inline]
    pub fn read_bytestream(&mut self) -> Result<&'a [u8], ReadError> {
        let n = self.read_tdfint()?;
        self.align();
        self.read_bytes(n as usize)
    }
}

/// A writer of TDF bit streams into a growing `Vec<u8>`. Padding bits are zero.
#[derive(Debug, Clone, Default)]
pub struct Writer {
    buf: Vec<u8>,
    /// Bits used in the last byte of `buf`; 0 means byte-aligned.
    used: u8,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Self {
        Writer::default()
    }

    /// An empty writer with room for `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> Self {
        Writer {
            buf: Vec::with_capacity(capacity),
            used: 0,
        }
    }

    /// Bits written so far.
    pub fn bit_len(&self) -> u64 {
        if self.used == 0 {
            self.buf.len() as u64 * 8
        } else {
            (self.buf.len() as u64 - 1) * 8 + self.used as u64
        }
    }

    /// Writes a 4-bit basic integer (the low four bits of `v`).
    #[inline]
    pub fn write_nibble(&mut self, v: u8) {
        let v = v & 0xF;
        match self.used {
            0 => {
                self.buf.push(v << 4);
                self.used = 4;
            }
            4 => {
                *self.buf.last_mut().expect("a half-filled byte exists") |= v;
                self.used = 0;
            }
            _ => self.write_bits(v as u32, 4),
        }
    }

    /// Writes the low `n` bits of `v` (1 to 32), most significant first.
    pub fn write_bits(&mut self, v: u32, n: u32) {
        assert!((1..=32).contains(&n), "basic integers have 1 to 32 bits");
        for i in (0..n).rev() {
            let bit = ((v >> i) & 1) as u8;
            if self.used == 0 {
                self.buf.push(0);
            }
            let last = self.buf.last_mut().expect("a byte exists");
            *last |= bit << (7 - self.used);
            self.used = (self.used + 1) % 8;
        }
    }

    /// Writes a TDFINT with no redundant leading zeros.
    #[inline]
    pub fn write_tdfint(&mut self, v: u32) {
        // One digit on a nibble boundary (most TDFINTs): a push or an or.
        if v < 8 {
            match self.used {
                0 => {
                    self.buf.push((v as u8 | 8) << 4);
                    self.used = 4;
                    return;
                }
                4 => {
                    *self.buf.last_mut().expect("a half-filled byte exists") |= v as u8 | 8;
                    self.used = 0;
                    return;
                }
                _ => {}
            }
        }
        self.write_tdfint_digits(v);
    }

    /// [`Writer::write_tdfint`] for several digits or an odd position.
    fn write_tdfint_digits(&mut self, v: u32) {
        let digits = tdfint_nibbles(v);
        if self.used & 3 != 0 {
            for i in (1..digits).rev() {
                self.write_nibble(((v >> (3 * i)) & 7) as u8);
            }
            self.write_nibble((v & 7) as u8 | 8);
            return;
        }
        // Nibble-aligned: spread the octal digits over nibbles, then store whole bytes.
        let mut nibbles = spread_octal(v) | 8;
        let mut count = digits;
        if self.used == 4 {
            let last = self.buf.pop().expect("a half-filled byte exists");
            nibbles |= u64::from(last >> 4) << (4 * count);
            count += 1;
        }
        // Eight bytes stored at once (one store), the unused ones dropped again.
        let len = self.buf.len() + count.div_ceil(2) as usize;
        let bytes = (nibbles << (64 - 4 * count)).to_be_bytes();
        self.buf.extend_from_slice(&bytes);
        self.buf.truncate(len);
        self.used = if count % 2 == 1 { 4 } else { 0 };
    }

    /// BYTE_ALIGN: pad with zero bits to the next byte boundary.
    #[inline]
    pub fn align(&mut self) {
        self.used = 0;
    }

    /// Appends whole bytes; the position must be byte-aligned.
    pub fn write_bytes(&mut self, bytes: &[u8]) {
        debug_assert_eq!(self.used, 0, "write_bytes needs alignment");
        self.buf.extend_from_slice(bytes);
    }

    /// Writes a TDFIDENT with 8-bit characters.
    pub fn write_ident(&mut self, s: &[u8]) {
        self.write_tdfint(8);
        self.write_tdfint(len_u32(s.len()));
        self.align();
        self.write_bytes(s);
    }

    /// Writes a BYTESTREAM: length, alignment, bytes.
    pub fn write_bytestream(&mut self, bytes: &[u8]) {
        self.write_tdfint(len_u32(bytes.len()));
        self.align();
        self.write_bytes(bytes);
    }

    /// Number of bytes written so far (a partial last byte counts).
    pub fn byte_len(&self) -> usize {
        self.buf.len()
    }

    /// Hands the complete bytes written so far to `out` and forgets them (a partial last
    /// byte stays), so that a long stream can be written through a small buffer.
    /// Returns the number of bytes handed over.
    pub fn drain_to(&mut self, out: &mut dyn std::io::Write) -> std::io::Result<usize> {
        let complete = if self.used == 0 {
            self.buf.len()
        } else {
            self.buf.len() - 1
        };
        out.write_all(&self.buf[..complete])?;
        self.buf.drain(..complete);
        Ok(complete)
    }

    /// The bytes written, with a final partial byte padded with zeros.
    pub fn finish(self) -> Vec<u8> {
        self.buf
    }

    /// The bytes written so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Forgets everything written, keeping the room.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.used = 0;
    }

    /// Appends `nibbles` nibbles of `bytes` (most significant first; `bytes` holds at
    /// least that many). The position must be on a nibble boundary, as after TDFINTs.
    #[inline]
    pub fn write_nibbles(&mut self, bytes: &[u8], nibbles: usize) {
        let whole = nibbles / 2;
        let odd = nibbles % 2 == 1;
        match self.used {
            0 => {
                self.buf.extend_from_slice(&bytes[..whole]);
                if odd {
                    self.buf.push(bytes[whole] & 0xF0);
                    self.used = 4;
                }
            }
            4 => {
                // Every byte straddles two: its high nibble ends the last byte.
                let mut last = self.buf.pop().expect("a half-filled byte exists");
                self.buf.reserve(whole + 1);
                for &b in &bytes[..whole] {
                    self.buf.push(last | (b >> 4));
                    last = b << 4;
                }
                if odd {
                    self.buf.push(last | (bytes[whole] >> 4));
                    self.used = 0;
                } else {
                    self.buf.push(last);
                }
            }
            _ => {
                for i in 0..nibbles {
                    self.write_nibble(bytes[i / 2] >> (4 * (1 - i % 2)));
                }
            }
        }
    }
}

/// The octal digits of `v`, one per nibble (digit `i` in bits `4i..4i+3`), without
/// a loop: groups of bits are moved apart in four halving steps.
#[inline]
fn spread_octal(v: u32) -> u64 {
    let x = u64::from(v);
    // Digits 8..10 to nibbles 8..10; then within 32-, 16- and 8-bit lanes.
    let x = (x & 0x00FF_FFFF) | ((x & 0x1_FF00_0000) << 8);
    let x = (x & 0x0000_0FFF_0000_0FFF) | ((x & 0x00FF_F000_00FF_F000) << 4);
    let x = (x & 0x003F_003F_003F_003F) | ((x & 0x0FC0_0FC0_0FC0_0FC0) << 2);
    (x & 0x0707_0707_0707_0707) | ((x & 0x3838_3838_3838_3838) << 1)
}

/// The inverse of [`spread_octal`]: the low three bits of each of the (at most 16)
/// nibbles of `x`, most significant nibble first, packed into one number, without a
/// loop: groups of bits are moved together in four doubling steps.
#[inline]
fn gather_octal(x: u64) -> u64 {
    let x = x & 0x7777_7777_7777_7777;
    let x = (x & 0x0707_0707_0707_0707) | ((x & 0x7070_7070_7070_7070) >> 1);
    let x = (x & 0x003F_003F_003F_003F) | ((x & 0x3F00_3F00_3F00_3F00) >> 2);
    let x = (x & 0x0000_0FFF_0000_0FFF) | ((x & 0x0FFF_0000_0FFF_0000) >> 4);
    (x & 0x00FF_FFFF) | ((x & 0x00FF_FFFF_0000_0000) >> 8)
}

/// Number of nibbles (octal digits) in the TDFINT encoding of `v` (`tdf_int_size`).
#[inline]
pub fn tdfint_nibbles(v: u32) -> u32 {
    if v == 0 {
        1
    } else {
        (32 - v.leading_zeros()).div_ceil(3)
    }
}

/// A length as a TDFINT value. Lengths over 4 GiB cannot be encoded in TDF; inputs are
/// far smaller (they are read into memory) so this only guards against misuse.
pub(crate) fn len_u32(n: usize) -> u32 {
    u32::try_from(n).expect("TDF lengths are below 2^32")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: u32) -> Vec<u8> {
        let mut w = Writer::new();
        w.write_tdfint(v);
        w.finish()
    }

    #[test]
    fn nibbles_copied_at_any_position() {
        let bytes = [0x9A, 0xC3, 0x5F, 0x70];
        for lead in [0, 1, 3, 4, 8, 12] {
            for nibbles in 0..=7 {
                let mut a = Writer::new();
                let mut b = Writer::new();
                for w in [&mut a, &mut b] {
                    if lead > 0 {
                        w.write_bits(0b1011_0110_1101 & ((1 << lead) - 1), lead);
                    }
                }
                a.write_nibbles(&bytes, nibbles);
                for i in 0..nibbles {
                    b.write_nibble(bytes[i / 2] >> (4 * (1 - i % 2)));
                }
                assert_eq!(a.bit_len(), b.bit_len(), "lead {lead}, {nibbles} nibbles");
                a.write_tdfint(5);
                b.write_tdfint(5);
                assert_eq!(a.finish(), b.finish(), "lead {lead}, {nibbles} nibbles");
            }
        }
    }

    #[test]
    fn tdfint_worked_examples() {
        // §1.2 table: value, bytes when starting byte-aligned (pad nibble is zero).
        let table: &[(u32, &[u8])] = &[
            (0, &[0x80]),
            (1, &[0x90]),
            (7, &[0xF0]),
            (8, &[0x18]),
            (10, &[0x1A]),
            (62, &[0x7E]),
            (100, &[0x14, 0xC0]),
            (4096, &[0x10, 0x00, 0x80]),
        ];
        for &(v, bytes) in table {
            assert_eq!(enc(v), bytes, "encoding {v}");
            let mut r = Reader::new(bytes);
            assert_eq!(r.read_tdfint().unwrap(), v, "decoding {v}");
        }
        assert_eq!(tdfint_nibbles(0), 1);
        assert_eq!(tdfint_nibbles(7), 1);
        assert_eq!(tdfint_nibbles(8), 2);
        assert_eq!(tdfint_nibbles(4096), 5);
        assert_eq!(tdfint_nibbles(u32::MAX), 11);
    }

    #[test]
    fn tdfint_fast_paths_match_the_nibble_loop() {
        // Every start offset within a byte, values of every digit count.
        let mut values = vec![0, 1, 7, 8, 63, 64, 511, 512, u32::MAX, u32::MAX - 1];
        values.extend((0..32).map(|b| 1u32 << b));
        values.extend((0..32).map(|b| (1u32 << b) - 1));
        for lead in 0..8u32 {
            for &v in &values {
                let mut fast = Writer::new();
                let mut slow = Writer::new();
                if lead > 0 {
                    fast.write_bits(0b1010_1010 >> (8 - lead), lead);
                    slow.write_bits(0b1010_1010 >> (8 - lead), lead);
                }
                fast.write_tdfint(v);
                let digits = tdfint_nibbles(v);
                for i in (1..digits).rev() {
                    slow.write_bits((v >> (3 * i)) & 7, 4);
                }
                slow.write_bits((v & 7) | 8, 4);
                assert_eq!(fast.bit_len(), slow.bit_len(), "{v} after {lead} bits");
                let bytes = fast.finish();
                assert_eq!(bytes, slow.finish(), "{v} after {lead} bits");
                let mut r = Reader::new(&bytes);
                if lead > 0 {
                    r.read_bits(lead).unwrap();
                }
                assert_eq!(r.read_tdfint().unwrap(), v, "{v} after {lead} bits");
                assert_eq!(r.bit_pos(), u64::from(lead + 4 * digits));
                // With input to spare, the digits are found in one 64-bit word.
                let mut padded = bytes.clone();
                padded.extend_from_slice(&[0xFF; 8]);
                let mut r = Reader::new(&padded);
                if lead > 0 {
                    r.read_bits(lead).unwrap();
                }
                assert_eq!(r.read_tdfint().unwrap(), v, "{v} after {lead} bits, padded");
                assert_eq!(r.bit_pos(), u64::from(lead + 4 * digits));
            }
        }
        // Leading zero digits, up to more than a word holds, with input to spare.
        for zeros in 0..20 {
            let mut w = Writer::new();
            for _ in 0..zeros {
                w.write_nibble(0);
            }
            w.write_nibble(3);
            w.write_nibble(0xD);
            let mut bytes = w.finish();
            bytes.extend_from_slice(&[0x77; 8]);
            let mut r = Reader::new(&bytes);
            assert_eq!(r.read_tdfint().unwrap(), 0o35, "{zeros} leading zeros");
            assert_eq!(r.bit_pos(), 4 * (zeros + 2));
        }
        let mut padded = vec![0x40, 0, 0, 0, 0, 0x08];
        padded.extend_from_slice(&[0xFF; 8]);
        let e = Reader::new(&padded).read_tdfint().unwrap_err();
        assert_eq!(e.kind, ReadErrorKind::IntegerTooBig);
        assert_eq!(e.bit_pos, 0);
        // Errors of the aligned path: position of the start, as before.
        let mut r = Reader::new(&[0x01]);
        r.read_nibble().unwrap();
        assert_eq!(
            r.read_tdfint().unwrap_err(),
            ReadError {
                kind: ReadErrorKind::UnexpectedEof,
                bit_pos: 4
            }
        );
        let big = [0x47, 0x77, 0x77, 0x77, 0x77, 0x7F];
        let e = Reader::new(&big).read_tdfint().unwrap_err();
        assert_eq!(e.kind, ReadErrorKind::IntegerTooBig);
        assert_eq!(e.bit_pos, 0);
    }

    #[test]
    fn identifiers_at_every_offset() {
        for lead in 0..8u32 {
            for k in [8u32, 16] {
                let mut w = Writer::new();
                if lead > 0 {
                    w.write_bits(1, lead);
                }
                w.write_tdfint(k);
                w.write_tdfint(3);
                w.align();
                w.write_bytes(b"abc");
                let bytes = w.finish();
                let mut r = Reader::new(&bytes);
                if lead > 0 {
                    r.read_bits(lead).unwrap();
                }
                match k {
                    8 => assert_eq!(r.read_ident().unwrap(), b"abc", "after {lead} bits"),
                    _ => assert_eq!(
                        r.read_ident().unwrap_err().kind,
                        ReadErrorKind::UnsupportedCharSize(16)
                    ),
                }
            }
        }
        // Cut after the character size: the length is missing.
        let e = Reader::new(&[0x18]).read_ident().unwrap_err();
        assert_eq!((e.kind, e.bit_pos), (ReadErrorKind::UnexpectedEof, 8));
    }

    #[test]
    fn octal_gather_inverts_spread() {
        for v in (0..5000u32).chain([u32::MAX, 1 << 31, 0o7654_3210, 0o1_2345_6701]) {
            let nibbles = spread_octal(v);
            assert_eq!(gather_octal(nibbles), u64::from(v), "{v:o}");
            // The top bit of each nibble (the TDFINT's end marker) is ignored.
            assert_eq!(gather_octal(nibbles | 0x8888_8888_8888_8888), u64::from(v));
        }
        assert_eq!(gather_octal(0x7777_7777_7777_7777), (1 << 48) - 1);
    }

    #[test]
    fn octal_spread() {
        for v in [
            0,
            1,
            7,
            8,
            0o12345670,
            u32::MAX,
            0o37777777777,
            1 << 31,
            0o1234,
        ] {
            let mut expected = 0u64;
            for i in 0..11 {
                expected |= u64::from((v >> (3 * i)) & 7) << (4 * i);
            }
            assert_eq!(spread_octal(v), expected, "{v:o}");
        }
    }

    #[test]
    fn tag_reads_match_read_bits() {
        let data = [0b1011_0010, 0b0111_1000];
        for start in 0..=16 {
            let mut a = Reader::new(&data);
            let mut b = Reader::new(&data);
            if start > 0 {
                a.read_bits(start).unwrap();
                b.read_bits(start).unwrap();
            }
            assert_eq!(a.read_tag2(), b.read_bits(2), "at bit {start}");
            assert_eq!(a.bit_pos(), b.bit_pos());
        }
    }

    #[test]
    fn tdfint_accepts_leading_zero_digits() {
        let mut r = Reader::new(&[0x09]);
        assert_eq!(r.read_tdfint().unwrap(), 1);
    }

    #[test]
    fn tdfint_limits() {
        for v in [0, 1, 0x1FFF_FFFF, 0x2000_0000, u32::MAX] {
            let bytes = enc(v);
            assert_eq!(Reader::new(&bytes).read_tdfint().unwrap(), v);
        }
        // 2^32 = octal 40000000000: eleven digits.
        let mut w = Writer::new();
        w.write_nibble(4);
        for _ in 0..9 {
            w.write_nibble(0);
        }
        w.write_nibble(8);
        let bytes = w.finish();
        let err = Reader::new(&bytes).read_tdfint().unwrap_err();
        assert_eq!(err.kind, ReadErrorKind::IntegerTooBig);
        assert_eq!(err.bit_pos, 0);
    }

    #[test]
    fn tdfint_eof_reports_start() {
        let mut r = Reader::new(&[0x01]);
        r.read_nibble().unwrap();
        let e = r.read_tdfint().unwrap_err();
        assert_eq!(e.kind, ReadErrorKind::UnexpectedEof);
        assert_eq!(e.bit_pos, 4);
    }

    #[test]
    fn basic_integers_round_trip() {
        let mut w = Writer::new();
        let items: &[(u32, u32)] = &[
            (1, 1),
            (2, 3),
            (0x5, 3),
            (0xABCDE, 20),
            (u32::MAX, 32),
            (0, 7),
            (9, 4),
        ];
        for &(v, n) in items {
            w.write_bits(v, n);
        }
        let bytes = w.finish();
        let mut r = Reader::new(&bytes);
        for &(v, n) in items {
            assert_eq!(r.read_bits(n).unwrap(), v);
        }
    }

    #[test]
    fn ident_example() {
        // §1.5: "tld" starting on a byte boundary is 18 B0 74 6C 64.
        let mut w = Writer::new();
        w.write_ident(b"tld");
        assert_eq!(w.as_bytes(), &[0x18, 0xB0, 0x74, 0x6C, 0x64]);
        // After a nibble X it is X1 8B 74 6C 64.
        let mut w = Writer::new();
        w.write_nibble(0xA);
        w.write_ident(b"tld");
        let bytes = w.finish();
        assert_eq!(bytes, [0xA1, 0x8B, 0x74, 0x6C, 0x64]);
        let mut r = Reader::new(&bytes);
        r.read_nibble().unwrap();
        assert_eq!(r.read_ident().unwrap(), b"tld");
        assert!(r.at_end());
    }

    #[test]
    fn ident_rejects_other_char_sizes_and_lying_lengths() {
        // k = 16
        let mut w = Writer::new();
        w.write_tdfint(16);
        w.write_tdfint(1);
        w.align();
        w.write_bytes(&[0, 0x41]);
        let e = Reader::new(w.as_bytes()).read_ident().unwrap_err();
        assert_eq!(e.kind, ReadErrorKind::UnsupportedCharSize(16));
        // n = 4 billion with two bytes left: an error, not an allocation.
        let mut w = Writer::new();
        w.write_tdfint(8);
        w.write_tdfint(u32::MAX);
        w.align();
        w.write_bytes(b"ab");
        let e = Reader::new(w.as_bytes()).read_ident().unwrap_err();
        assert_eq!(e.kind, ReadErrorKind::UnexpectedEof);
    }

    #[test]
    fn bytestream_borrows() {
        let mut w = Writer::new();
        w.write_nibble(9);
        w.write_bytestream(b"ABC");
        let bytes = w.finish();
        assert_eq!(bytes, [0x9B, 0x41, 0x42, 0x43]);
        let mut r = Reader::new(&bytes);
        r.read_nibble().unwrap();
        let body = r.read_bytestream().unwrap();
        assert_eq!(body, b"ABC");
        assert!(std::ptr::eq(body.as_ptr(), bytes[1..].as_ptr()));
    }
}
