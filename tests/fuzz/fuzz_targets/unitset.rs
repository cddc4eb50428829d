//! The unit-set-file parser (`tld -u`): `UnitSetList::parse_file` on arbitrary bytes
//! returns a list or diagnostics without panicking. A list names `tld` exactly once and
//! has no duplicates; every located diagnostic's span lies inside the input, and the
//! diagnostics `tld` would print render.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tdf_core::UnitSetList;
use tdf_errors::Location;

fuzz_target!(|data: &[u8]| {
    match UnitSetList::parse_file(data, "fuzz.units") {
        Ok(list) => {
            assert!(!list.is_empty());
            assert_eq!(list.name(list.tld()), b"tld");
            if let Some(t2) = list.tld2() {
                assert_eq!(list.name(t2), b"tld2");
            }
            let names: Vec<&[u8]> = list.names().collect();
            for (i, n) in names.iter().enumerate() {
                assert_eq!(list.position(n), Some(i));
            }
        }
        Err(diags) => {
            assert!(!diags.is_empty(), "an error with no diagnostic");
            for (i, d) in diags.iter().enumerate() {
                match &d.location {
                    Location::Text { source, span } => {
                        assert_eq!(source.len(), data.len(), "diagnostic text is not the input");
                        assert!(
                            span.start <= span.end && span.end <= data.len(),
                            "{} span {span:?} outside input of {} bytes",
                            d.kind.name(),
                            data.len()
                        );
                    }
                    Location::None => {}
                    other => panic!("{} has a binary location: {other:?}", d.kind.name()),
                }
                // `tld` prints the first 20 (its default error limit); rendering
                // all of them would make long inputs quadratic.
                if i < tdf_errors::Reporter::DEFAULT_ERROR_LIMIT {
                    assert!(!d.render("tld", false).is_empty());
                }
            }
        }
    }
});
