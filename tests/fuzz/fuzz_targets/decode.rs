//! The body decoder: every unit body of a capsule read from arbitrary bytes decodes to a
//! tree or a diagnostic (never panics, hangs, recurses or allocates without bound); a
//! body that decodes is written back by the encoder bit for bit; every diagnostic
//! renders; and `tshow -d`'s TDF notation and JSON print.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tdf_core::capsule::{FlatCapsule, ReadOptions};
use tdf_core::decode::check::diagnostics;
use tdf_core::decode::{encode_unit, Decoded};
use tdf_core::UnitSetList;

fuzz_target!(|data: &[u8]| {
    let sets = UnitSetList::default();
    let mut flat = FlatCapsule::new();
    let opts = ReadOptions {
        unit_sets: &sets,
        established_major: None,
    };
    if flat.read_lenient(data, opts).is_err() {
        return;
    }
    let mut decoded = Decoded::new();
    decoded.decode(&flat);
    for u in &decoded.units {
        let body = flat.units[u.unit].body;
        assert!(u.root <= u.end && u.end as usize <= decoded.nodes.len());
        if u.error.is_some() {
            continue;
        }
        match encode_unit(&decoded, u, body) {
            Ok(bytes) => assert!(
                bytes == body,
                "unit {} decoded without error but is written back differently",
                u.unit
            ),
            Err(e) => panic!("unit {} decoded without error but cannot be written: {e:?}", u.unit),
        }
    }
    for d in diagnostics(&flat, data, &decoded) {
        let offset = d.offset().expect("body diagnostics are located");
        assert!(offset <= data.len() as u64, "offset {offset} beyond the input");
        let _ = d.render("fuzz", false);
    }
    let mut out = Vec::new();
    tdf_show::decode::print_tnc(data, &mut out).expect("writing to a vector");
});
