//! The library reader: `Library::read` on arbitrary bytes must return a value or a
//! diagnostic, and write-after-read is a fixed point: for `l = read(x)`, `y = write(l)`
//! reads back and `write(read(y)) == y`. Each member of a library that reads is also
//! read as a capsule, as the linker does when it extracts one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tdf_core::{Capsule, Library};

fuzz_target!(|data: &[u8]| {
    let Ok(first) = Library::read(data) else {
        return;
    };
    let written = first.to_bytes();
    let second = match Library::read(&written) {
        Ok(l) => l,
        Err(d) => panic!(
            "the writer's output of a library that read does not read back: {}",
            d.render("fuzz", false)
        ),
    };
    assert_eq!(
        second.to_bytes(),
        written,
        "write(read(write(read(x)))) differs from write(read(x))"
    );
    assert_eq!((second.major, second.minor), (first.major, first.minor));
    assert_eq!(second.members.len(), first.members.len());
    for (a, b) in first.members.iter().zip(&second.members) {
        assert_eq!((&a.name, &a.data), (&b.name, &b.data));
    }
    assert_eq!(second.index.len(), first.index.len());
    for (a, b) in first.index.iter().zip(&second.index) {
        assert_eq!(a.name, b.name);
        let entries = |s: &tdf_core::library::IndexShape<'_>| {
            s.entries
                .iter()
                .map(|e| (e.name.clone().into_owned(), e.usage, e.capsule))
                .collect::<Vec<_>>()
        };
        assert_eq!(entries(a), entries(b));
    }
    for m in &first.members {
        let _ = Capsule::read(&m.data);
    }
});
