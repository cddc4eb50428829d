//! `tshow -d` and `tshow --check`: what the unit bodies of a capsule contain.
//!
//! * `-d` prints a capsule in TenDRA's TDF notation exactly as `tnc -p` prints it
//!   ([`tnc`]), or (`--format json`) every unit's decoded tree as JSON ([`json`]).
//! * `--check` decodes every body and reports each error and problem the decoder finds
//!   ([`tdf_core::decode::check`]); it prints nothing else.
//!
//! A library is taken member by member (all of them, or those named). Every problem is a
//! catalogue diagnostic naming the file (`lib.tl(member.j)` for a member), the byte and
//! bit, the unit and the path of constructs; any error gives exit status 1.

pub mod json;
pub mod tnc;

use std::io::{self, BufWriter, Write};

use tdf_core::capsule::{FlatCapsule, ReadOptions, CAPSULE_MAGIC};
use tdf_core::decode::check::diagnostics;
use tdf_core::decode::Decoded;
use tdf_core::{in_file, Diagnostic, Kind, Library, UnitSetList};
use tdf_errors::{Reporter, Severity};

use crate::{read, report_output_error, shown};

/// What `tshow -d` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DecodeFormat {
    /// TenDRA's TDF notation, as `tnc -p` prints it.
    #[default]
    Tnc,
    /// The decoded trees as one JSON document (schema `tshow-decode-1`).
    Json,
}

/// The objects made by `tnc` for a capsule are bounded by this many per input byte
/// (plus a constant): a capsule declaring more identifiers than it could use is not
/// shown in TenDRA's notation.
const OBJECTS_PER_BYTE: u64 = 16;

/// One capsule to decode: its name in messages, its bytes, and the buffer they lie in.
struct Input<'a> {
    name: String,
    data: &'a [u8],
}

/// The capsules of `file` (a capsule, or a library and the members named, all when none
/// is). Problems are reported; `None` when nothing can be decoded.
fn inputs<'a>(
    file: &str,
    data: &'a [u8],
    members: &[String],
    rep: &mut Reporter,
) -> Option<Vec<Input<'a>>> {
    if data.starts_with(CAPSULE_MAGIC) || !data.starts_with(b"TDFL") {
        if !members.is_empty() {
            let _ = rep.report(Kind::too_many_library_files().into());
            return None;
        }
        return Some(vec![Input {
            name: file.to_owned(),
            data,
        }]);
    }
    let lib = match Library::read(data) {
        Ok(l) => l,
        Err(d) => {
            let _ = rep.report(*in_file(d, file));
            return None;
        }
    };
    let mut out = Vec::new();
    let member = |m: &tdf_core::library::Member<'a>| -> Input<'a> {
        let bytes: &'a [u8] = match &m.data {
            std::borrow::Cow::Borrowed(b) => b,
            std::borrow::Cow::Owned(_) => &[],
        };
        Input {
            name: format!("{file}({})", tdf_core::show_bytes(&m.name)),
            data: bytes,
        }
    };
    if members.is_empty() {
        out.extend(lib.members.iter().map(member));
    } else {
        for name in members {
            let base = |n: &[u8]| {
                n.rsplit(|&b| b == b'/')
                    .next()
                    .map(|b| b == name.as_bytes())
            };
            let found = lib
                .members
                .iter()
                .find(|m| &m.name[..] == name.as_bytes())
                .or_else(|| lib.members.iter().find(|m| base(&m.name) == Some(true)));
            match found {
                Some(m) => out.push(member(m)),
                None => {
                    let _ = rep.report(Kind::capsule_not_found(name.as_str(), file).into());
                }
            }
        }
    }
    Some(out)
}

/// Reads a capsule leniently (a cut-short capsule keeps what it has). The diagnostics
/// of reading are returned with the capsule; `None` when it cannot be read at all.
fn read_capsule<'a>(
    input: &Input<'a>,
    file: &'a [u8],
    sets: &UnitSetList,
) -> (Option<FlatCapsule<'a>>, Vec<Diagnostic>) {
    let mut flat = FlatCapsule::new();
    let opts = ReadOptions {
        unit_sets: sets,
        established_major: None,
    };
    let base = (input.data.as_ptr() as usize).wrapping_sub(file.as_ptr() as usize) as u64;
    let shift = |mut d: Diagnostic| {
        if let tdf_errors::Location::Byte { offset, bit } = d.location {
            d = d.at_bit(offset + base, bit);
        }
        d.with_file(input.name.clone())
    };
    match flat.read_lenient(input.data, opts) {
        Ok(()) => {
            let mut diags: Vec<Diagnostic> = flat
                .warnings
                .iter()
                .filter(|w| w.kind.severity() == Severity::Error)
                .cloned()
                .map(shift)
                .collect();
            if let Some(cut) = flat.cut {
                diags.push(shift(
                    Diagnostic::new(Kind::tdf_unexpected_eof()).at_byte(cut),
                ));
            }
            (Some(flat), diags)
        }
        Err(d) => (None, vec![shift(*d)]),
    }
}

/// Reports `diags`; false when the error limit stops the run.
fn report_all(diags: Vec<Diagnostic>, name: &str, rep: &mut Reporter) -> bool {
    for d in diags {
        let d = if d.file.is_none() {
            d.with_file(name)
        } else {
            d
        };
        if rep.report(d).is_err() {
            return false;
        }
    }
    true
}

/// `tshow -d FILE [MEMBER...]`: prints the capsule (or the library members) on `out`.
pub fn decode(
    file: &str,
    members: &[String],
    format: DecodeFormat,
    out: &mut dyn Write,
    rep: &mut Reporter,
) {
    let Some(data) = read(file, rep) else { return };
    let file = &shown(file);
    let Some(inputs) = inputs(file, &data, members, rep) else {
        return;
    };
    let library = !data.starts_with(CAPSULE_MAGIC) && data.starts_with(b"TDFL");
    let sets = UnitSetList::default();
    let mut decoded = Decoded::new();
    let mut w = BufWriter::new(out);
    let mut result: io::Result<()> = Ok(());
    if format == DecodeFormat::Json {
        result = json::start(&mut w, file);
    }
    for (k, input) in inputs.iter().enumerate() {
        let (flat, mut diags) = read_capsule(input, &data, &sets);
        if let Some(flat) = &flat {
            decoded.decode(flat);
            diags.extend(diagnostics(flat, &data, &decoded));
        }
        let errors = diags
            .iter()
            .any(|d| matches!(d.severity(), Severity::Error | Severity::Fatal));
        if result.is_ok() {
            result = match format {
                DecodeFormat::Tnc => {
                    if library {
                        let _ = writeln!(w, "# CAPSULE {}\n", input.name);
                    }
                    match &flat {
                        Some(flat) => {
                            let limit = OBJECTS_PER_BYTE * input.data.len() as u64 + 100_000;
                            let view = tnc::TncView::build(flat, &decoded, limit);
                            if let (Some(stop), false) = (&view.stop, errors) {
                                diags.push(
                                    Diagnostic::new(Kind::body_view_incomplete(stop.reason()))
                                        .with_file(input.name.clone()),
                                );
                            }
                            view.print(&mut w)
                        }
                        None => tnc::print_unreadable(&mut w),
                    }
                }
                DecodeFormat::Json => json::capsule(
                    &mut w,
                    &data,
                    k,
                    &input.name,
                    flat.as_ref(),
                    &decoded,
                    &diags,
                ),
            };
        }
        if !report_all(diags, &input.name, rep) {
            break;
        }
    }
    if format == DecodeFormat::Json && result.is_ok() {
        result = json::finish(&mut w);
    }
    if let Err(e) = result.and_then(|()| w.flush()) {
        report_output_error(e, rep);
    }
}

/// `tshow --check FILE [MEMBER...]`: decodes every body and reports what is wrong.
pub fn check(file: &str, members: &[String], rep: &mut Reporter) {
    let Some(data) = read(file, rep) else { return };
    let file = &shown(file);
    let Some(inputs) = inputs(file, &data, members, rep) else {
        return;
    };
    let sets = UnitSetList::default();
    let mut decoded = Decoded::new();
    for input in &inputs {
        let (flat, mut diags) = read_capsule(input, &data, &sets);
        if let Some(flat) = &flat {
            decoded.decode(flat);
            diags.extend(diagnostics(flat, &data, &decoded));
        }
        if !report_all(diags, &input.name, rep) {
            return;
        }
    }
}

/// Checks the bodies of a capsule already read (for `tlib --check` and `tld --check`):
/// the diagnostics, with `name` as the file and offsets counted from `file`'s start.
pub fn check_capsule(
    capsule: &FlatCapsule<'_>,
    file: &[u8],
    name: &str,
    decoded: &mut Decoded,
) -> Vec<Diagnostic> {
    decoded.decode(capsule);
    diagnostics(capsule, file, decoded)
        .into_iter()
        .map(|d| d.with_file(name))
        .collect()
}

/// Prints `data` (a capsule) as `tnc -p` does, with no diagnostics; false when the
/// capsule cannot be read at all (then the empty tables and the termination line are
/// printed, as `tnc` prints them).
pub fn print_tnc(data: &[u8], out: &mut dyn Write) -> io::Result<bool> {
    let sets = UnitSetList::default();
    let input = Input {
        name: String::new(),
        data,
    };
    let (flat, _) = read_capsule(&input, data, &sets);
    let Some(flat) = flat else {
        tnc::print_unreadable(out)?;
        return Ok(false);
    };
    let mut decoded = Decoded::new();
    decoded.decode(&flat);
    let limit = OBJECTS_PER_BYTE * data.len() as u64 + 100_000;
    tnc::TncView::build(&flat, &decoded, limit).print(out)?;
    Ok(true)
}
