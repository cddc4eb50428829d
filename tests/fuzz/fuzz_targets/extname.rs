//! The external-name text syntax: `ExtName::parse` on arbitrary bytes returns a name or
//! an error; for a name that parses, `parse(to_text(n)) == n`, the text has no control
//! characters, and the binary EXTERNAL encoding reads back to the same name.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tdf_core::bits::{Reader, Writer};
use tdf_core::ExtName;

fuzz_target!(|data: &[u8]| {
    let Ok(name) = ExtName::parse(data) else {
        return;
    };
    let text = name.to_text();
    assert!(
        !text.chars().any(char::is_control),
        "to_text gave a control character: {text:?}"
    );
    assert_eq!(
        ExtName::parse(text.as_bytes()).as_ref(),
        Ok(&name),
        "parse(to_text(n)) != n for text {text:?}"
    );
    // The text form is canonical: printing again gives the same text.
    assert_eq!(ExtName::parse(text.as_bytes()).unwrap().to_text(), text);

    let mut w = Writer::new();
    name.write(&mut w);
    let bytes = w.finish();
    let mut r = Reader::new(&bytes);
    let back = ExtName::read(&mut r).expect("a written name reads back");
    assert_eq!(back, name);
    r.align();
    assert!(r.at_end(), "the name's encoding has trailing bytes");
});
