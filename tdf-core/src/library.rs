//! The TDF library (`.tl` file, library type 0, §4): model, reader and writer.
//!
//! A library is a list of named members, each a complete capsule file stored verbatim,
//! followed by an index: per shape, the external names some member defines, with the
//! usage merged over all members and the number of the defining member. Reading checks
//! the structure and each index entry (§4.3); merging entries of several libraries is the
//! linker's business.

use std::borrow::Cow;
use std::io;

use tdf_errors::{Diagnostic, Kind};

use crate::bits::{len_u32, Reader, Streamer, Writer};
use crate::capsule::{read_version, VersionKinds};
use crate::diag::DiagResult;
use crate::linkinfo::{check_usage, Usage, UsageError};
use crate::name::show_bytes;
use crate::name::ExtName;

/// Bytes gathered before [`LibraryWriter`] hands them on.
const CHUNK: usize = 64 * 1024;

/// The encoder of libraries (§4.1), in steps, for writers that hold no [`Library`] model
/// (the librarian writes straight from its tables): [`LibraryWriter::header`], each
/// member, [`LibraryWriter::shapes`], then each shape followed by its entries, and
/// [`LibraryWriter::finish`]. Bytes go to the output a chunk at a time.
pub struct LibraryWriter<'o> {
    w: Writer,
    out: Option<&'o mut dyn io::Write>,
    written: usize,
}

impl<'o> LibraryWriter<'o> {
    /// A writer into `out`.
    pub fn new(out: &'o mut dyn io::Write) -> Self {
        LibraryWriter {
            w: Writer::with_capacity(2 * CHUNK),
            out: Some(out),
            written: 0,
        }
    }

    /// A writer that keeps everything in `w`.
    fn into_writer(w: Writer) -> LibraryWriter<'static> {
        LibraryWriter {
            w,
            out: None,
            written: 0,
        }
    }

    /// Magic number, version, library type 0 and the number of members.
    pub fn header(&mut self, major: u32, minor: u32, members: usize) {
        let w = &mut self.w;
        w.write_bytes(LIBRARY_MAGIC);
        w.write_tdfint(major);
        w.write_tdfint(minor);
        w.align();
        w.write_tdfint(0);
        w.write_tdfint(len_u32(members));
    }

    /// One member: its stored name and the capsule file.
    pub fn member(&mut self, name: &[u8], data: &[u8]) -> io::Result<()> {
        self.w.write_ident(name);
        self.w.write_bytestream(data);
        self.drain()
    }

    /// The number of index shapes.
    pub fn shapes(&mut self, shapes: usize) {
        self.w.write_tdfint(len_u32(shapes));
    }

    /// An index shape and its number of entries.
    pub fn shape(&mut self, name: &[u8], entries: usize) {
        self.w.write_ident(name);
        self.w.write_tdfint(len_u32(entries));
    }

    /// One index entry.
    pub fn entry(&mut self, name: &ExtName<'_>, usage: Usage, capsule: u32) -> io::Result<()> {
        name.write(&mut self.w);
        self.w.write_tdfint(usage.bits().into());
        self.w.write_tdfint(capsule);
        self.drain()
    }

    fn drain(&mut self) -> io::Result<()> {
        if let Some(out) = self.out.as_mut() {
            if self.w.byte_len() >= CHUNK {
                self.written += self.w.drain_to(*out)?;
            }
        }
        Ok(())
    }

    /// Ends the library; returns its size.
    pub fn finish(mut self) -> io::Result<usize> {
        self.w.align();
        let rest = self.w.finish();
        if let Some(out) = self.out {
            out.write_all(&rest)?;
        }
        Ok(self.written + rest.len())
    }
}

/// The 4-byte magic number of a library.
pub const LIBRARY_MAGIC: &[u8; 4] = b"TDFL";

/// A decoded library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Library<'a> {
    pub major: u32,
    pub minor: u32,
    /// The members (capsules) in file order.
    pub members: Vec<Member<'a>>,
    /// The index, shape by shape, in file order.
    pub index: Vec<IndexShape<'a>>,
}

/// A library member: its stored name and the complete capsule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member<'a> {
    pub name: Cow<'a, [u8]>,
    pub data: Cow<'a, [u8]>,
    /// Byte offset of `data` in the library file (0 for members not read from a file).
    pub offset: u64,
}

/// The index entries of one shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexShape<'a> {
    pub name: Cow<'a, [u8]>,
    pub entries: Vec<IndexEntry<'a>>,
}

/// One index entry: a defined name, its merged usage, and its defining member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry<'a> {
    pub name: ExtName<'a>,
    pub usage: Usage,
    /// Index into [`Library::members`].
    pub capsule: u32,
    /// Byte offset of the entry in the file, for diagnostics.
    pub offset: u64,
}

fn at(kind: Kind, offset: u64) -> Box<Diagnostic> {
    Box::new(Diagnostic::new(kind).at_byte(offset))
}

impl<'a> Library<'a> {
    /// Reads a library with no established version.
    pub fn read(data: &'a [u8]) -> DiagResult<Library<'a>> {
        Library::read_with(data, None)
    }

    /// Reads and checks a library (§4.3). `established_major` is the major version fixed
    /// by earlier inputs, if any. The diagnostic has no file name; the caller adds it.
    pub fn read_with(data: &'a [u8], established_major: Option<u32>) -> DiagResult<Library<'a>> {
        let mut r = Reader::new(data);
        let r = &mut r;
        if data.len() < 4 {
            return Err(Box::new(
                r.error(crate::bits::ReadErrorKind::UnexpectedEof)
                    .diagnostic(),
            ));
        }
        let magic = r.read_bytes(4)?;
        if magic != LIBRARY_MAGIC {
            return Err(at(Kind::library_bad_magic(show_bytes(magic)), 0));
        }
        let (major, minor) = read_version(r, established_major, VersionKinds::LIBRARY)?;
        let off = r.byte_pos();
        let lib_type = r.read_tdfint()?;
        if lib_type != 0 {
            return Err(at(Kind::lib_unknown_type(lib_type.into()), off));
        }
        let n = r.read_tdfint()?;
        let mut members = Vec::with_capacity((n as usize).min(r.remaining_bytes() + 1));
        // Each member is found from the length of the one before: the lines ahead are
        // fetched as the reading goes, or every member would wait for memory.
        let mut stream = Streamer::default();
        for _ in 0..n {
            let off = r.byte_pos();
            stream.at(data, off as usize);
            let name = r.read_ident()?;
            if name.contains(&0) {
                return Err(at(Kind::null_in_capsule_name(show_bytes(name)), off));
            }
            let data = r.read_bytestream()?;
            members.push(Member {
                name: Cow::Borrowed(name),
                offset: r.byte_pos() - data.len() as u64,
                data: Cow::Borrowed(data),
            });
        }
        let n = r.read_tdfint()?;
        let mut index = Vec::with_capacity((n as usize).min(r.remaining_bytes() + 1));
        for _ in 0..n {
            let shape = r.read_ident()?;
            let n = r.read_tdfint()?;
            let mut entries = Vec::with_capacity((n as usize).min(r.remaining_bytes() + 1));
            for _ in 0..n {
                let off = r.byte_pos();
                let name = ExtName::read(r)?;
                let usage_off = r.byte_pos();
                let bits = r.read_tdfint()?;
                let cap_off = r.byte_pos();
                let capsule = r.read_tdfint()?;
                let s = || show_bytes(shape);
                if capsule as usize >= members.len() {
                    return Err(at(
                        Kind::capsule_index_too_big(
                            s(),
                            name.to_text(),
                            capsule.into(),
                            members.len() as u64,
                        ),
                        cap_off,
                    ));
                }
                let usage = check_usage(shape, bits).map_err(|e| {
                    let kind = match e {
                        UsageError::BadUsage => {
                            Kind::lib_bad_usage(s(), name.to_text(), bits.into())
                        }
                        UsageError::IllegallyMultiplyDefined => {
                            Kind::lib_illegally_mult_defined(s(), name.to_text())
                        }
                        UsageError::DefinedButNotDeclared => {
                            Kind::lib_defined_but_not_declared(s(), name.to_text())
                        }
                    };
                    at(kind, usage_off)
                })?;
                entries.push(IndexEntry {
                    name,
                    usage,
                    capsule,
                    offset: off,
                });
            }
            index.push(IndexShape {
                name: Cow::Borrowed(shape),
                entries,
            });
        }
        r.align();
        if !r.at_end() {
            return Err(at(Kind::tdf_expected_eof(), r.byte_pos()));
        }
        Ok(Library {
            major,
            minor,
            members,
            index,
        })
    }

    /// Encodes this library.
    pub fn write(&self, w: &mut Writer) {
        let mut lw = LibraryWriter::into_writer(std::mem::take(w));
        self.encode(&mut lw)
            .expect("encoding without an output does not fail");
        lw.w.align();
        *w = lw.w;
    }

    /// Encodes this library into `out`, through a buffer of a few dozen kilobytes: the
    /// members are copied once, from their input buffers to `out`. Returns the size.
    pub fn write_to(&self, out: &mut dyn io::Write) -> io::Result<usize> {
        let mut lw = LibraryWriter::new(out);
        self.encode(&mut lw)?;
        lw.finish()
    }

    fn encode(&self, lw: &mut LibraryWriter<'_>) -> io::Result<()> {
        lw.header(self.major, self.minor, self.members.len());
        for m in &self.members {
            lw.member(&m.name, &m.data)?;
        }
        lw.shapes(self.index.len());
        for s in &self.index {
            lw.shape(&s.name, s.entries.len());
            for e in &s.entries {
                lw.entry(&e.name, e.usage, e.capsule)?;
            }
        }
        Ok(())
    }
    /// The encoded library as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let size = self
            .members
            .iter()
            .map(|m| m.data.len() + m.name.len() + 8)
            .sum::<usize>();
        let mut w = Writer::with_capacity(size + 1024);
        self.write(&mut w);
        w.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// §4.4, with member bodies replaced by placeholders of the right length.
    fn example() -> Vec<u8> {
        let mut v = vec![
            0x54, 0x44, 0x46, 0x4C, 0xC8, 0x8A, 0x18, 0xC0, 0x6C, 0x31, 0x2E, 0x6A, 0x7E,
        ];
        v.extend(std::iter::repeat_n(0xAA, 62));
        v.extend_from_slice(&[0x18, 0x1B]);
        v.extend_from_slice(b"dir/../l2.j");
        v.push(0x4F);
        v.extend(std::iter::repeat_n(0xBB, 39));
        v.extend_from_slice(&[
            0xA1, 0x8D, 0x74, 0x6F, 0x6B, 0x65, 0x6E, 0x94, 0x18, 0xA0, 0x74, 0x6B, 0xE8,
        ]);
        v.extend_from_slice(&[
            0x18, 0xB0, 0x74, 0x61, 0x67, 0xA4, 0x18, 0x90, 0x66, 0xF8, 0x40, 0x18, 0x90, 0x67,
            0x1A, 0x90,
        ]);
        v
    }

    #[test]
    fn worked_example() {
        let bytes = example();
        let lib = Library::read(&bytes).unwrap();
        assert_eq!((lib.major, lib.minor), (4, 0));
        assert_eq!(lib.members.len(), 2);
        assert_eq!(&*lib.members[0].name, b"l1.j");
        assert_eq!(lib.members[0].data.len(), 62);
        assert_eq!(&*lib.members[1].name, b"dir/../l2.j");
        assert_eq!(lib.members[1].data.len(), 39);
        assert_eq!(lib.index.len(), 2);
        assert_eq!(&*lib.index[0].name, b"token");
        let tk = &lib.index[0].entries[0];
        assert_eq!(
            (tk.name.to_text(), tk.usage.bits(), tk.capsule),
            ("tk".into(), 6, 0)
        );
        let tag = &lib.index[1].entries;
        assert_eq!(
            (tag[0].name.to_text(), tag[0].usage.bits(), tag[0].capsule),
            ("f".into(), 7, 0)
        );
        assert_eq!(
            (tag[1].name.to_text(), tag[1].usage.bits(), tag[1].capsule),
            ("g".into(), 10, 1)
        );
        assert_eq!(lib.to_bytes(), bytes);
        let mut streamed = Vec::new();
        assert_eq!(lib.write_to(&mut streamed).unwrap(), bytes.len());
        assert_eq!(streamed, bytes);
    }

    #[test]
    fn streamed_write_of_a_large_library() {
        // Members larger and smaller than a chunk, an index crossing chunk boundaries.
        let big = vec![0x5A; 3 * CHUNK + 7];
        let base = example();
        let mut lib = Library::read(&base).unwrap();
        lib.members.push(Member {
            name: Cow::Borrowed(b"big.j"),
            data: Cow::Borrowed(&big),
            offset: 0,
        });
        let names: Vec<String> = (0..20_000).map(|i| format!("name_{i}")).collect();
        for n in &names {
            lib.index[1].entries.push(IndexEntry {
                name: ExtName::string(n.as_bytes()),
                usage: Usage::DEFD | Usage::DECD,
                capsule: 2,
                offset: 0,
            });
        }
        let mut streamed = Vec::new();
        let n = lib.write_to(&mut streamed).unwrap();
        assert_eq!(streamed, lib.to_bytes());
        assert_eq!(n, streamed.len());
    }

    #[test]
    fn errors() {
        let name = |d: &[u8]| Library::read(d).unwrap_err().kind.name();
        let mut bytes = example();
        bytes[3] = b'C';
        assert_eq!(name(&bytes), "library_bad_magic");
        let bytes = example();
        assert_eq!(name(&bytes[..bytes.len() - 3]), "tdf_unexpected_eof");
        let mut long = example();
        long.push(0);
        assert_eq!(name(&long), "tdf_expected_eof");
        let base = example();
        let mut lib = Library::read(&base).unwrap();
        lib.index[1].entries[1].capsule = 2;
        let lib = lib.to_bytes();
        let e = Library::read(&lib).unwrap_err();
        assert_eq!(e.kind.name(), "capsule_index_too_big");
        let mut lib = Library::read(&base).unwrap();
        lib.members[0].name = Cow::Borrowed(b"a\0b");
        assert_eq!(name(&lib.to_bytes()), "null_in_capsule_name");
        let mut lib = Library::read(&base).unwrap();
        lib.index[1].entries[0].usage = Usage::DEFD;
        assert_eq!(name(&lib.to_bytes()), "lib_defined_but_not_declared");
        let mut bytes = example();
        bytes[5] = 0x9A; // library type 1, two capsules
        assert_eq!(name(&bytes), "lib_unknown_type");
        // The usage of "g" (the last entry), octal 12, becomes octal 32: bit 4 is set.
        let mut bytes = example();
        let at = bytes.len() - 2;
        assert_eq!(bytes[at], 0x1A);
        bytes[at] = 0x3A;
        assert_eq!(name(&bytes), "lib_bad_usage");
        let mut lib = Library::read(&base).unwrap();
        lib.index[0].entries[0].usage = Usage::MULT | Usage::DECD;
        assert_eq!(name(&lib.to_bytes()), "lib_illegally_mult_defined");
        let mut bytes = example();
        bytes[4] = 0xB8; // major 3
        assert_eq!(name(&bytes), "library_bad_version");
        let e = Library::read_with(&example(), Some(5)).unwrap_err();
        assert_eq!(e.kind.name(), "library_version_mismatch");
    }
}
