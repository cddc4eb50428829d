//! The rename-file parser (`tld -R`): `parse_rename_file` on arbitrary bytes returns
//! rules and diagnostics without panicking; every diagnostic's span, and every rule's
//! span, lies inside the input; the diagnostics `tld` would print render.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tdf_core::rename::parse_rename_file;
use tdf_errors::Location;

fuzz_target!(|data: &[u8]| {
    let (rules, diags) = parse_rename_file(data, "fuzz.rename");
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
            other => panic!("{} has no text location: {other:?}", d.kind.name()),
        }
        // `tld` prints the first 20 (its default error limit); rendering
        // all of them would make long inputs quadratic.
        if i < tdf_errors::Reporter::DEFAULT_ERROR_LIMIT {
            assert!(!d.render("tld", false).is_empty());
        }
    }
    for r in &rules {
        assert!(
            r.span.start <= r.span.end && r.span.end <= data.len(),
            "rule span {:?} outside input of {} bytes",
            r.span,
            data.len()
        );
        // A rule's names survive the command-line text syntax.
        for n in [&r.from, &r.to] {
            assert_eq!(
                tdf_core::ExtName::parse(n.to_text().as_bytes()).as_ref(),
                Ok(n)
            );
        }
    }
    // Diagnostics are sorted by position.
    let starts: Vec<usize> = diags
        .iter()
        .filter_map(|d| match &d.location {
            Location::Text { span, .. } => Some(span.start),
            _ => None,
        })
        .collect();
    assert!(
        starts.windows(2).all(|w| w[0] <= w[1]),
        "unsorted {starts:?}"
    );
});
