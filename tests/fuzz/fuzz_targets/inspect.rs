//! The `tshow` inspector on arbitrary bytes, as `tshow FILE` runs it: a capsule (magic
//! `TDFC`) is described (read for inspection) in the text and JSON formats, anything else is listed
//! as a library in the text, JSON and TenDRA formats.
//!
//! Properties: nothing panics, hangs or allocates without bound; reading for inspection
//! agrees with the strict reader (a capsule that reads strictly reads the same so,
//! without problems; for one that does not, the strict error is the first problem, or,
//! without problems, the inspection's error); a capsule that reads so is described
//! without an error diagnostic, and one that does not is an error with no output; a
//! library is listed unless it cannot be read, which is an error with no output.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tdf_core::capsule::CAPSULE_MAGIC;
use tdf_core::{Capsule, Library};
use tdf_errors::Reporter;
use tdf_show::ListFormat;

fn reporter() -> Reporter {
    Reporter::with_writer("tshow", Box::new(std::io::sink()))
}

fuzz_target!(|data: &[u8]| {
    if data.starts_with(CAPSULE_MAGIC) {
        let (inspected, problems) = Capsule::read_for_inspection(data);
        match (Capsule::read(data), &inspected) {
            (Ok(c), Ok(l)) => {
                assert_eq!(&c, l, "inspection reads a good capsule differently");
                assert!(
                    problems.is_empty(),
                    "problems in a good capsule: {problems:?}"
                );
            }
            (Err(e), _) => {
                let first = problems.first().or(inspected.as_ref().err().map(|l| &**l));
                assert_eq!(
                    first,
                    Some(&*e),
                    "the strict error is not the first problem"
                );
            }
            (Ok(_), Err(l)) => panic!("reads strictly, not for inspection: {l:?}"),
        }
        for format in [ListFormat::Text, ListFormat::Json] {
            let mut rep = reporter();
            let mut out = Vec::new();
            tdf_show::inspect_bytes("f.j", data, format, &mut out, &mut rep);
            match &inspected {
                Ok(_) => {
                    assert!(!rep.had_errors(), "{:?}", rep.diagnostics());
                    assert!(!out.is_empty());
                    assert_eq!(rep.exit_code(), 0);
                }
                Err(_) => {
                    assert!(rep.had_errors());
                    assert!(out.is_empty());
                }
            }
        }
    } else {
        for format in [ListFormat::Text, ListFormat::Json, ListFormat::Tendra] {
            let opts = tdf_show::ListOptions {
                index: true,
                size: true,
                tdf_version: true,
                format,
            };
            let mut rep = reporter();
            let mut out = Vec::new();
            tdf_show::list_bytes("f.tl", data, &opts, &mut out, &mut rep);
            // A library that cannot be read prints nothing; one that reads is listed,
            // also when its index has a problem that is reported as an error (a name
            // defined by two members: reading goes on, as in TenDRA's tools).
            assert!(
                !out.is_empty() || rep.had_errors(),
                "nothing printed, no error"
            );
            if Library::read(data).is_err() {
                assert!(out.is_empty() && rep.had_errors());
            }
        }
    }
});
