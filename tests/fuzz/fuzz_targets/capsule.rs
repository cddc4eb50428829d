//! The capsule reader: `Capsule::read` on arbitrary bytes must return a value or a
//! diagnostic (never panic, hang or allocate without bound), and write-after-read is a
//! fixed point: for `c = read(x)`, `y = write(c)` reads back and `write(read(y)) == y`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tdf_core::Capsule;

fuzz_target!(|data: &[u8]| {
    let Ok(first) = Capsule::read(data) else {
        return;
    };
    let written = first.to_bytes();
    let second = match Capsule::read(&written) {
        Ok(c) => c,
        Err(d) => panic!(
            "the writer's output of a capsule that read does not read back: {}",
            d.render("fuzz", false)
        ),
    };
    assert_eq!(
        second.to_bytes(),
        written,
        "write(read(write(read(x)))) differs from write(read(x))"
    );
    // The model survives the round trip too (positions and warnings aside).
    assert_eq!((second.major, second.minor), (first.major, first.minor));
    assert_eq!(second.linkinfo, first.linkinfo);
    assert_eq!(second.groups, first.groups);
    assert_eq!(second.shapes.len(), first.shapes.len());
    for (a, b) in first.shapes.iter().zip(&second.shapes) {
        assert_eq!((&a.name, a.num_ids), (&b.name, b.num_ids));
        let names = |s: &tdf_core::capsule::Shape<'_>| {
            s.externs
                .iter()
                .map(|e| (e.id, e.name.clone().into_owned(), e.usage))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(a), names(b));
    }
});
