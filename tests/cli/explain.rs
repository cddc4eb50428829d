//! `--explain CODE` on every tool, for every entry of the catalogue.

use std::process::Command;

#[test]
fn every_code_is_explained_by_every_tool() {
    for tool in ["tld", "tlib", "tshow"] {
        let bin = tdf_tests::bin(tool);
        for entry in tdf_errors::CATALOGUE {
            let out = Command::new(&bin)
                .args(["--explain", entry.code])
                .output()
                .expect("tool runs");
            assert!(
                out.status.success(),
                "{tool} --explain {} failed: {}",
                entry.code,
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8_lossy(&out.stdout);
            assert_eq!(
                text,
                tdf_errors::explain(entry.code).expect("catalogue entry"),
                "{tool} --explain {}",
                entry.code
            );
            assert!(
                text.contains(entry.name),
                "{tool} --explain {}: {text}",
                entry.code
            );
        }
    }
}

#[test]
fn unknown_codes_are_usage_errors() {
    for tool in ["tld", "tlib", "tshow"] {
        let out = Command::new(tdf_tests::bin(tool))
            .args(["--explain", "E9999"])
            .output()
            .expect("tool runs");
        assert_eq!(out.status.code(), Some(2), "{tool}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("E9999"));
    }
}
