//! Rendering of diagnostics.

use std::sync::Arc;

use tdf_errors::{Diagnostic, Kind, Location, Severity};

#[test]
fn byte_location_with_file() {
    let d = Diagnostic::new(Kind::tdf_unexpected_eof())
        .with_file("in/x.j")
        .at_byte(12);
    assert_eq!(
        d.render("tld", false),
        "tld: error: in/x.j: byte 12: unexpected end of file [E0401]\n"
    );
    assert_eq!(d.offset(), Some(12));
    assert_eq!(
        d.to_string(),
        "error: in/x.j: byte 12: unexpected end of file [E0401]"
    );
}

#[test]
fn bit_location_prints_the_byte() {
    let d = Diagnostic::new(Kind::tdf_integer_too_big())
        .with_file("a.j")
        .at_bit(7, 4);
    assert_eq!(d.location, Location::Byte { offset: 7, bit: 4 });
    assert_eq!(d.offset(), Some(7));
    assert!(d
        .render("tld", false)
        .starts_with("tld: error: a.j: byte 7: "));
}

#[test]
fn file_without_location() {
    let d = Diagnostic::new(Kind::missing_tld_unit_set()).with_file("a.j");
    assert_eq!(
        d.render("tld", false),
        format!(
            "tld: warning: a.j: {} [E0509]\n",
            Kind::missing_tld_unit_set().message()
        )
    );
    assert_eq!(d.offset(), None);
}

#[test]
fn no_file() {
    let d: Diagnostic = Kind::bad_mode("q").into();
    assert_eq!(d.file, None);
    assert_eq!(d.location, Location::None);
    assert_eq!(
        d.render("tld", false),
        format!("tld: fatal error: {} [{}]\n", d.kind.message(), d.code())
    );
    assert!(d.is_usage());
    assert_eq!(d.severity(), Severity::Fatal);
    let info = Diagnostic::new(Kind::extracting_capsule("a.j", "out/a.j"));
    assert!(info.render("tld", false).starts_with("tld: info: "));
}

#[test]
fn text_location_shows_a_snippet() {
    let source: Arc<str> = Arc::from("'tag'\n  \"a\" ;\n");
    let d = Diagnostic::new(Kind::rename_expected_name())
        .with_file("in/r.txt")
        .in_text(source, 10..11);
    let out = d.render("tld", false);
    let first = out.lines().next().unwrap();
    assert!(first.starts_with("tld: error[E0206]: "), "{out}");
    assert!(
        first.ends_with(&Kind::rename_expected_name().message()),
        "{out}"
    );
    assert!(out.contains("┌─ in/r.txt:2:5"), "{out}");
    assert!(out.contains('^'), "{out}");
    assert!(out.ends_with('\n') && !out.ends_with("\n\n"), "{out:?}");
    assert!(!out.contains('\x1b'));
    // The one-line form gives line and column.
    assert!(d.to_string().starts_with("error: in/r.txt:2:5: "));
}

#[test]
fn text_location_severity_words() {
    let source: Arc<str> = Arc::from("x");
    let fatal = Diagnostic::new(Kind::bad_mode("x"))
        .with_file("f")
        .in_text(source.clone(), 0..1);
    assert!(fatal
        .render("tld", false)
        .starts_with("tld: fatal error[E0101]: "));
    let info = Diagnostic::new(Kind::extracting_capsule("a", "b"))
        .with_file("f")
        .in_text(source, 0..1);
    assert!(info.render("tld", false).starts_with("tld: info[E0612]: "));
}

#[test]
fn text_span_out_of_range_is_tolerated() {
    let source: Arc<str> = Arc::from("ab\n");
    let d = Diagnostic::new(Kind::rename_unexpected_eof())
        .with_file("r")
        .in_text(source, 50..60);
    let out = d.render("tld", false);
    assert!(out.starts_with("tld: error[E0208]: "), "{out}");
}

#[test]
fn colour() {
    let d = Diagnostic::new(Kind::tdf_unexpected_eof())
        .with_file("in/x.j")
        .at_byte(12);
    let out = d.render("tld", true);
    assert!(
        out.starts_with("tld: \x1b[1;31merror:\x1b[0m in/x.j: byte 12:"),
        "{out:?}"
    );
    let w = Diagnostic::new(Kind::tld2_unit_set_obsolete()).render("tld", true);
    assert!(w.contains("\x1b[1;33mwarning:"), "{w:?}");
    let source: Arc<str> = Arc::from("'tag' x");
    let t = Diagnostic::new(Kind::rename_illegal_char("x"))
        .with_file("r")
        .in_text(source, 6..7)
        .render("tld", true);
    assert!(t.starts_with("tld: "), "{t:?}");
    assert!(t.contains('\x1b'), "{t:?}");
    assert!(
        t.contains("error[E0211]") || t.contains("error\x1b"),
        "{t:?}"
    );
}

#[test]
fn diagnostic_is_an_error() {
    fn takes_error(_: &dyn std::error::Error) {}
    takes_error(&Diagnostic::new(Kind::write_error(
        "out.j",
        "no space left on device",
    )));
}
