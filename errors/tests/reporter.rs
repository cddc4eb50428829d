//! The Reporter: printing, counting, hiding, the error limit, exit codes.

use std::io::Write;
use std::sync::{Arc, Mutex};

use tdf_errors::{Diagnostic, Format, Kind, LimitReached, Reporter, Severity};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

fn reporter() -> (Reporter, Buffer) {
    let buffer = Buffer::default();
    (
        Reporter::with_writer("tld", Box::new(buffer.clone())),
        buffer,
    )
}

#[test]
fn clean_run() {
    let (mut r, out) = reporter();
    r.report(Diagnostic::new(Kind::extracting_capsule("a.j", "a.j")))
        .unwrap();
    assert_eq!(r.error_count(), 0);
    assert_eq!(r.warning_count(), 0);
    assert!(!r.had_errors());
    assert_eq!(r.exit_code(), 0);
    assert_eq!(
        out.text(),
        "tld: info: extracted capsule 'a.j' to 'a.j' [E0612]\n"
    );
}

#[test]
fn counts_and_prints_in_order() {
    let (mut r, out) = reporter();
    r.report(Kind::tld2_unit_set_obsolete().into()).unwrap();
    r.report(
        Diagnostic::new(Kind::tdf_unexpected_eof())
            .with_file("in/x.j")
            .at_byte(12),
    )
    .unwrap();
    r.report(Kind::multiply_defined("tag", "f", "a.j").into())
        .unwrap();
    assert_eq!(r.error_count(), 2);
    assert_eq!(r.warning_count(), 1);
    assert!(r.had_errors());
    assert!(!r.had_fatal());
    assert!(!r.had_usage_error());
    assert_eq!(r.exit_code(), 1);
    assert_eq!(r.diagnostics().len(), 3);
    let text = out.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[0].starts_with("tld: warning: "));
    assert_eq!(
        lines[1],
        "tld: error: in/x.j: byte 12: unexpected end of file [E0401]"
    );
    assert!(lines[2].ends_with("[E0526]"));
}

#[test]
fn hidden_warnings_are_counted_not_printed() {
    let (mut r, out) = reporter();
    r.set_show_warnings(false);
    r.report(Kind::no_definition_found("tag", "f").into())
        .unwrap();
    assert_eq!(r.warning_count(), 1);
    assert_eq!(r.diagnostics().len(), 1);
    assert_eq!(out.text(), "");
    assert_eq!(r.exit_code(), 0);
    r.set_show_warnings(true);
    r.report(Kind::no_definition_found("tag", "g").into())
        .unwrap();
    assert!(out.text().contains("'g'"));
}

#[test]
fn usage_errors_exit_with_two() {
    let (mut r, _) = reporter();
    r.report(Kind::cannot_open_input_file("a.j", "No such file or directory").into())
        .unwrap();
    assert_eq!(r.exit_code(), 1);
    r.report(Kind::unknown_option("--frob").into()).unwrap();
    assert!(r.had_usage_error());
    assert!(r.had_fatal());
    assert_eq!(r.exit_code(), 2);
}

#[test]
fn fatal_does_not_stop_by_itself() {
    let (mut r, _) = reporter();
    assert_eq!(
        r.report(Kind::write_error("out.j", "no space left on device").into()),
        Ok(())
    );
    assert!(r.had_fatal());
    assert_eq!(r.exit_code(), 1);
}

#[test]
fn error_limit() {
    let (mut r, out) = reporter();
    r.set_error_limit(3);
    for i in 0..2 {
        r.report(Kind::tdf_bad_name_type(i).into()).unwrap();
        r.report(Kind::no_definition_found("tag", "w").into())
            .unwrap();
    }
    assert_eq!(
        r.report(Kind::tdf_bad_name_type(2).into()),
        Err(LimitReached)
    );
    assert!(r.limit_reached());
    assert!(r.had_fatal());
    assert_eq!(r.error_count(), 3);
    let text = out.text();
    let last = text.lines().last().unwrap();
    assert_eq!(last, "tld: fatal error: stopping after 3 errors [E0805]");
    let stop = r.diagnostics().last().unwrap();
    assert_eq!(stop.kind, Kind::error_limit_reached(3));
    assert_eq!(stop.severity(), Severity::Fatal);
    // Afterwards nothing more is printed.
    assert_eq!(
        r.report(Kind::tdf_bad_name_type(3).into()),
        Err(LimitReached)
    );
    assert_eq!(out.text(), text);
    assert_eq!(r.exit_code(), 1);
}

#[test]
fn default_limit_is_twenty_and_zero_is_unlimited() {
    let (mut r, _) = reporter();
    for _ in 0..19 {
        r.report(Kind::tdf_expected_eof().into()).unwrap();
    }
    assert_eq!(r.report(Kind::tdf_expected_eof().into()), Err(LimitReached));

    let (mut r, _) = reporter();
    r.set_error_limit(0);
    for _ in 0..100 {
        r.report(Kind::tdf_expected_eof().into()).unwrap();
    }
    assert_eq!(r.error_count(), 100);
}

#[test]
fn colour_output() {
    let (mut r, out) = reporter();
    r.set_color(true);
    r.report(Kind::tdf_expected_eof().into()).unwrap();
    assert!(out.text().contains("\x1b[1;31m"));
}

#[test]
fn json_output_is_one_object_per_line_without_colour() {
    let (mut r, out) = reporter();
    assert_eq!(r.format(), Format::Human);
    r.set_format(Format::Json);
    r.set_color(true);
    r.set_error_limit(2);
    r.report(Kind::tld2_unit_set_obsolete().into()).unwrap();
    r.report(Kind::tdf_expected_eof().into()).unwrap();
    assert_eq!(
        r.report(Kind::tdf_unexpected_eof().into()),
        Err(LimitReached)
    );
    let text = out.text();
    assert!(!text.contains('\x1b'), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    for line in &lines {
        assert!(
            line.starts_with(r#"{"program":"tld","severity":""#),
            "{line}"
        );
        assert!(line.ends_with('}'), "{line}");
    }
    assert!(lines[0].contains(r#""severity":"warning""#));
    assert!(lines[3].contains(r#""name":"error_limit_reached""#));
    assert!(lines[3].contains(r#""params":{"limit":2}"#));
    assert_eq!(r.exit_code(), 1);
}

#[test]
fn reporter_is_send() {
    fn is_send<T: Send>() {}
    is_send::<Reporter>();
    let r = Reporter::new("tld");
    assert_eq!(r.program(), "tld");
    assert!(format!("{r:?}").contains("tld"));
}
