//! Checks of the catalogue itself, the agreed entry names and parameters, and
//! the generated CATALOGUE.md.

use std::collections::HashSet;
use std::path::Path;

use tdf_errors::{catalogue_markdown, explain, lookup, Kind, Severity, CATALOGUE};

const F: Severity = Severity::Fatal;
const E: Severity = Severity::Error;
const W: Severity = Severity::Warning;
const I: Severity = Severity::Info;

/// The names, parameters, severities and usage flags other crates code
/// against. (name, params, severity, usage)
const CONTRACT: &[(&str, &str, Severity, bool)] = &[
    // §7.1
    ("bad_mode", "mode: str", F, true),
    ("missing_files", "", F, true),
    ("unknown_option", "option: str", F, true),
    ("unknown_short_option", "option: str, rest: str", F, true),
    ("ambiguous_option", "option: str, candidates: str", F, true),
    ("missing_argument", "option: str", F, true),
    ("missing_short_argument", "option: str, rest: str", F, true),
    ("multiple_debug_files", "", F, true),
    ("cannot_open_debug_file", "file: str, reason: str", F, false),
    ("multiple_output_files", "", F, true),
    ("multiple_unit_files", "", F, true),
    ("too_many_library_files", "", F, true),
    ("all_specified_with_capsules", "", F, true),
    ("no_capsules_specified", "", F, true),
    (
        "cannot_open_output_file",
        "file: str, reason: str",
        F,
        false,
    ),
    ("read_error", "file: str, reason: str", F, false),
    ("write_error", "file: str, reason: str", F, false),
    ("too_many_ids", "shape: str", F, false),
    // §7.2
    ("illegal_external_name", "name: str", E, false),
    ("multiply_renamed_name", "shape: str, name: str", E, false),
    ("rename_cycle", "shape: str, names: str", E, false),
    (
        "cannot_open_rename_file",
        "file: str, reason: str",
        E,
        false,
    ),
    ("rename_expected_shape", "", E, false),
    ("rename_expected_name", "", E, false),
    ("rename_expected_semi", "", E, false),
    ("rename_unexpected_eof", "", E, false),
    ("rename_unexpected_newline", "", E, false),
    ("rename_illegal_escape", "", E, false),
    ("rename_illegal_char", "ch: str", E, false),
    // §7.3
    (
        "cannot_open_unit_set_file",
        "file: str, reason: str",
        F,
        false,
    ),
    ("unit_set_expected_quote", "", E, false),
    ("unit_set_illegal_escape", "", E, false),
    ("unit_set_eof_in_name", "", E, false),
    ("unit_set_duplicate_name", "name: str", E, false),
    ("unit_set_no_tld_name", "", E, false),
    // §7.4
    ("tdf_unexpected_eof", "", E, false),
    ("tdf_integer_too_big", "", E, false),
    ("tdf_unsupported_char_size", "k: int", E, false),
    ("tdf_bad_name_type", "tag: int", E, false),
    ("tdf_expected_eof", "", E, false),
    // §7.5
    ("capsule_bad_magic", "got: str", E, false),
    ("capsule_bad_version", "major: int", E, false),
    (
        "capsule_version_mismatch",
        "established: int, found: int",
        E,
        false,
    ),
    ("duplicate_unit_set_name", "name: str", E, false),
    ("out_of_order_unit_set_name", "name: str", E, false),
    ("unknown_unit_set_name", "name: str", E, false),
    ("tld2_unit_set_obsolete", "", W, false),
    ("extra_tld_unit_set", "", E, false),
    ("missing_tld_unit_set", "", W, false),
    ("duplicate_shape_name", "shape: str", E, false),
    (
        "shape_and_name_count_mismatch",
        "names: int, shapes: int",
        E,
        false,
    ),
    (
        "name_id_out_of_range",
        "shape: str, name: str, id: int, count: int",
        E,
        false,
    ),
    (
        "name_id_used_multiple_times",
        "shape: str, name: str, id: int",
        E,
        false,
    ),
    (
        "unit_set_count_mismatch",
        "groups: int, sets: int",
        E,
        false,
    ),
    (
        "unit_count_num_mismatch",
        "count: int, set: str, unit: int, shapes: int",
        E,
        false,
    ),
    (
        "unit_mapping_num_mismatch",
        "mappings: int, set: str, unit: int, counts: int",
        E,
        false,
    ),
    (
        "id_out_of_range",
        "shape: str, id: int, set: str, unit: int, count: int",
        E,
        false,
    ),
    ("too_many_tld_units", "", E, false),
    ("too_many_tld_unit_counts", "", E, false),
    ("too_many_tld_unit_mappings", "", E, false),
    ("unknown_tld_unit_type", "version: int", E, false),
    (
        "tld_unit_wrong_size",
        "actual: int, declared: int",
        E,
        false,
    ),
    ("bad_usage", "shape: str, name: str, usage: int", E, false),
    (
        "illegally_multiply_defined",
        "shape: str, name: str",
        E,
        false,
    ),
    (
        "defined_but_not_declared",
        "shape: str, name: str",
        E,
        false,
    ),
    (
        "multiply_defined",
        "shape: str, name: str, previous: str",
        E,
        false,
    ),
    // §7.6
    ("library_bad_magic", "got: str", E, false),
    ("library_bad_version", "major: int", E, false),
    (
        "library_version_mismatch",
        "established: int, found: int",
        E,
        false,
    ),
    ("lib_unknown_type", "version: int", E, false),
    ("null_in_capsule_name", "name: str", E, false),
    (
        "capsule_index_too_big",
        "shape: str, name: str, index: int, count: int",
        E,
        false,
    ),
    (
        "lib_bad_usage",
        "shape: str, name: str, usage: int",
        E,
        false,
    ),
    (
        "lib_illegally_mult_defined",
        "shape: str, name: str",
        E,
        false,
    ),
    (
        "lib_defined_but_not_declared",
        "shape: str, name: str",
        E,
        false,
    ),
    (
        "lib_multiply_defined",
        "shape: str, name: str, previous: str",
        E,
        false,
    ),
    ("capsule_not_found", "name: str, library: str", E, false),
    ("extracting_capsule", "name: str, path: str", I, false),
    // §7.7
    ("cannot_open_input_file", "file: str, reason: str", E, false),
    (
        "cannot_open_library_file",
        "name: str, reason: str",
        E,
        false,
    ),
    ("no_definition_found", "shape: str, name: str", W, false),
    ("cannot_hide_shape", "shape: str", E, false),
    ("cannot_hide", "shape: str, name: str", E, false),
    ("cannot_hide_undefined", "shape: str, name: str", E, false),
    ("cannot_keep_shape", "shape: str", E, false),
    ("cannot_keep", "shape: str, name: str", E, false),
    ("duplicate_capsule_name", "name: str", E, false),
    ("no_single_definition", "shape: str, name: str", E, false),
    // our own
    ("unsafe_member_name", "name: str, reason: str", E, false),
    ("cannot_write_output", "file: str, reason: str", E, false),
    (
        "cannot_create_directory",
        "path: str, reason: str",
        E,
        false,
    ),
    (
        "cannot_open_response_file",
        "file: str, reason: str",
        F,
        false,
    ),
    ("error_limit_reached", "limit: int", F, false),
    ("unknown_explain_code", "code: str", F, true),
    ("conflicting_options", "first: str, second: str", F, true),
    (
        "invalid_option_value",
        "option: str, value: str, expected: str",
        F,
        true,
    ),
];

#[test]
fn contract_entries_match() {
    for &(name, params, severity, usage) in CONTRACT {
        let e = lookup(name).unwrap_or_else(|| panic!("missing entry {name}"));
        assert_eq!(e.name, name);
        let declared: Vec<String> = e.params.iter().map(|(n, t)| format!("{n}: {t}")).collect();
        assert_eq!(declared.join(", "), params, "params of {name}");
        assert_eq!(e.severity, severity, "severity of {name}");
        assert_eq!(e.usage, usage, "usage flag of {name}");
    }
    // New entries may be added (E08xx); the agreed ones may not change.
    assert!(CATALOGUE.len() >= CONTRACT.len());
}

#[test]
fn contract_codes_are_in_their_area() {
    // Entries of the agreed list appear in the area of their section.
    let areas = [
        ("E01", "bad_mode"),
        ("E02", "illegal_external_name"),
        ("E03", "cannot_open_unit_set_file"),
        ("E04", "tdf_unexpected_eof"),
        ("E05", "capsule_bad_magic"),
        ("E06", "library_bad_magic"),
        ("E07", "cannot_open_input_file"),
        ("E08", "unsafe_member_name"),
    ];
    for (area, name) in areas {
        assert!(lookup(name).unwrap().code.starts_with(area), "{name}");
    }
    assert_eq!(lookup("tdf_unexpected_eof").unwrap().code, "E0401");
}

#[test]
fn codes_and_names_are_unique_and_well_formed() {
    let mut codes = HashSet::new();
    let mut names = HashSet::new();
    let mut previous = "";
    for e in CATALOGUE {
        assert!(codes.insert(e.code), "duplicate code {}", e.code);
        assert!(names.insert(e.name), "duplicate name {}", e.name);
        let digits = e.code.strip_prefix('E').expect("code starts with E");
        assert_eq!(digits.len(), 4, "{}", e.code);
        assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{}", e.code);
        let area: u32 = digits[..2].parse().unwrap();
        assert!((1..=8).contains(&area), "{} outside E01..E08", e.code);
        assert_ne!(&digits[2..], "00", "{}", e.code);
        assert!(e.code > previous, "{} out of order", e.code);
        previous = e.code;
        assert!(
            e.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "{} is not snake_case",
            e.name
        );
    }
}

#[test]
fn every_entry_has_text() {
    for e in CATALOGUE {
        assert!(!e.template.trim().is_empty(), "{} has no message", e.code);
        assert!(
            e.explanation.split_whitespace().count() >= 10,
            "{} needs a real explanation",
            e.code
        );
        assert!(
            !e.template.starts_with(|c: char| c.is_ascii_uppercase()),
            "{}: messages are lower case",
            e.code
        );
        assert!(!e.template.ends_with('.'), "{}: no full stop", e.code);
    }
}

fn placeholders(template: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}').expect("closed placeholder") + start;
        found.push(&rest[start + 1..end]);
        rest = &rest[end + 1..];
    }
    found
}

#[test]
fn placeholders_match_params() {
    for e in CATALOGUE {
        let used = placeholders(e.template);
        for p in &used {
            assert!(
                e.params.iter().any(|(n, _)| n == p),
                "{}: {{{p}}} is not a parameter",
                e.code
            );
        }
        for (n, t) in e.params {
            assert!(used.contains(n), "{}: parameter {n} unused", e.code);
            assert!(*t == "str" || *t == "int", "{}: type {t}", e.code);
        }
    }
}

#[test]
fn messages_fill_in_data() {
    let k = Kind::name_id_out_of_range("tag", "main", 7, 3);
    let m = k.message();
    assert!(m.contains("tag") && m.contains("'main'") && m.contains('7') && m.contains('3'));
    assert!(!m.contains('{'));
    assert_eq!(
        k,
        Kind::NameIdOutOfRange {
            shape: "tag".into(),
            name: "main".into(),
            id: 7,
            count: 3
        }
    );
    assert_eq!(
        Kind::tdf_unexpected_eof().message(),
        "unexpected end of file"
    );
    assert_eq!(
        Kind::rename_expected_shape().message(),
        "expected a shape name"
    );
    assert_eq!(
        Kind::tdf_unexpected_eof().to_string(),
        "unexpected end of file"
    );
}

#[test]
fn kinds_know_their_entry() {
    let k = Kind::multiply_defined("tag", "f", "a.j");
    assert_eq!(k.name(), "multiply_defined");
    assert_eq!(k.code(), k.entry().code);
    assert_eq!(k.severity(), Severity::Error);
    assert!(!k.is_usage());
    assert!(Kind::bad_mode("q").is_usage());
    assert_eq!(Kind::tld2_unit_set_obsolete().severity(), Severity::Warning);
}

#[test]
fn lookup_by_code_and_name() {
    let by_code = lookup("E0401").unwrap();
    assert_eq!(by_code.name, "tdf_unexpected_eof");
    assert_eq!(lookup("e0401"), Some(by_code));
    assert_eq!(lookup("tdf_unexpected_eof"), Some(by_code));
    assert_eq!(lookup(" tdf-unexpected-eof "), Some(by_code));
    assert_eq!(lookup("E9999"), None);
    assert_eq!(lookup("no_such_thing"), None);
    for e in CATALOGUE {
        assert_eq!(lookup(e.code), Some(e));
        assert_eq!(lookup(e.name), Some(e));
    }
}

#[test]
fn explain_text() {
    let text = explain("e0401").unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("E0401 (error): tdf_unexpected_eof"));
    assert_eq!(lines.next(), Some("unexpected end of file"));
    assert_eq!(lines.next(), Some(""));
    assert!(lines.next().unwrap().starts_with("The input ended"));
    assert!(text.ends_with('\n'));
    assert!(explain("E0101")
        .unwrap()
        .starts_with("E0101 (fatal error): bad_mode\n"));
    assert_eq!(explain("nope"), None);
    for e in CATALOGUE {
        let text = explain(e.code).unwrap();
        for line in text.lines().skip(3) {
            assert!(
                line.chars().count() <= 80,
                "{}: line too long: {line}",
                e.code
            );
        }
        let words: Vec<&str> = text
            .split("\n\n")
            .nth(1)
            .unwrap()
            .split_whitespace()
            .collect();
        let original: Vec<&str> = e.explanation.split_whitespace().collect();
        assert_eq!(words, original, "{}: wrapping lost words", e.code);
    }
}

#[test]
fn catalogue_md_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("CATALOGUE.md");
    let expected = catalogue_markdown();
    if std::env::var_os("UPDATE_CATALOGUE").is_some_and(|v| v == "1") {
        std::fs::write(&path, &expected).expect("write CATALOGUE.md");
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "{} is out of date; regenerate it with\n    \
         UPDATE_CATALOGUE=1 cargo test -p tdf-errors --test catalogue",
        path.display()
    );
}

#[test]
fn markdown_lists_every_entry() {
    let md = catalogue_markdown();
    for e in CATALOGUE {
        assert!(md.contains(&format!("\n### {}\n", e.code)), "{}", e.code);
        assert!(md.contains(&format!("| `{}` |", e.name)), "{}", e.name);
    }
}
