//! Turns `catalogue.txt` into Rust source in `OUT_DIR/catalogue.rs`.
//!
//! The catalogue syntax is described at the top of `catalogue.txt`. Every rule
//! the rest of the crate relies on (unique codes and names, codes in their
//! area and ascending, placeholders matching the declared parameters, ...) is
//! checked here, so a bad catalogue fails the build with `catalogue.txt:LINE:`
//! messages instead of producing code that misbehaves at run time.

use std::collections::BTreeSet;
use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

const SOURCE: &str = "catalogue.txt";

/// Methods of `Kind` that a constructor must not shadow.
const RESERVED_NAMES: &[&str] = &[
    "code", "name", "severity", "is_usage", "message", "params", "entry", "index", "clone", "eq",
    "fmt",
];

/// Rust keywords that cannot be parameter (field) names.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "gen", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

#[derive(Default)]
struct RawEntry {
    line: usize,
    code: String,
    name: String,
    severity: Option<String>,
    usage: Option<bool>,
    params: Vec<(String, String)>,
    params_given: bool,
    message: Option<String>,
    explain: Option<String>,
}

fn fail(line: usize, msg: &str) -> ! {
    panic!("{SOURCE}:{line}: {msg}");
}

fn is_snake_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z'))
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.ends_with('_')
        && !s.contains("__")
}

fn camel(name: &str) -> String {
    name.split('_')
        .map(|part| {
            let mut c = part.chars();
            match c.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// The `{param}` placeholders of a message template, in order. Any other
/// brace is an error: templates become Rust format strings.
fn placeholders(line: usize, template: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        if rest[i..].starts_with('}') {
            fail(line, "unmatched '}' in message");
        }
        let Some(end) = rest[i..].find('}') else {
            fail(line, "unclosed '{' in message");
        };
        let param = &rest[i + 1..i + end];
        if !is_snake_ident(param) {
            fail(line, &format!("bad placeholder '{{{param}}}' in message"));
        }
        found.push(param.to_string());
        rest = &rest[i + end + 1..];
    }
    found
}

fn parse_params(line: usize, value: &str) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = Vec::new();
    if value.trim().is_empty() {
        return params;
    }
    for item in value.split(',') {
        let Some((name, ty)) = item.split_once(':') else {
            fail(
                line,
                &format!("parameter '{}' needs the form 'name: type'", item.trim()),
            );
        };
        let (name, ty) = (name.trim(), ty.trim());
        if !is_snake_ident(name) || KEYWORDS.contains(&name) {
            fail(line, &format!("bad parameter name '{name}'"));
        }
        if ty != "str" && ty != "int" {
            fail(
                line,
                &format!("parameter '{name}' has type '{ty}'; use str or int"),
            );
        }
        if params.iter().any(|(n, _)| n == name) {
            fail(line, &format!("parameter '{name}' is declared twice"));
        }
        params.push((name.to_string(), ty.to_string()));
    }
    params
}

fn parse(text: &str) -> Vec<RawEntry> {
    let mut entries: Vec<RawEntry> = Vec::new();
    // The field the next continuation line belongs to.
    let mut open_field: Option<&'static str> = None;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        if raw.starts_with('#') || raw.trim().is_empty() {
            open_field = None;
            continue;
        }
        if raw.starts_with([' ', '\t']) {
            let Some(field) = open_field else {
                fail(line, "indented line does not continue a field");
            };
            let entry = entries.last_mut().expect("a field implies an entry");
            let target = match field {
                "message" => entry.message.as_mut(),
                _ => entry.explain.as_mut(),
            }
            .expect("open field is set");
            target.push(' ');
            target.push_str(raw.trim());
            continue;
        }
        open_field = None;
        if let Some(header) = raw.strip_prefix('[') {
            let Some(header) = header.trim_end().strip_suffix(']') else {
                fail(line, "entry header must end with ']'");
            };
            let mut words = header.split_whitespace();
            let (Some(code), Some(name), None) = (words.next(), words.next(), words.next()) else {
                fail(line, "entry header must be '[CODE name]'");
            };
            entries.push(RawEntry {
                line,
                code: code.to_string(),
                name: name.to_string(),
                ..RawEntry::default()
            });
            continue;
        }
        let Some((key, value)) = raw.split_once('=') else {
            fail(
                line,
                "expected 'key = value', a '[CODE name]' header or a comment",
            );
        };
        let (key, value) = (key.trim(), value.trim());
        let Some(entry) = entries.last_mut() else {
            fail(line, "field before the first entry header");
        };
        match key {
            "severity" => {
                if entry.severity.is_some() {
                    fail(line, "severity given twice");
                }
                if !matches!(value, "fatal" | "error" | "warning" | "info") {
                    fail(line, &format!("unknown severity '{value}'"));
                }
                entry.severity = Some(value.to_string());
            }
            "usage" => {
                if entry.usage.is_some() {
                    fail(line, "usage given twice");
                }
                entry.usage = Some(match value {
                    "yes" => true,
                    "no" => false,
                    _ => fail(line, "usage must be 'yes' or 'no'"),
                });
            }
            "params" => {
                if entry.params_given {
                    fail(line, "params given twice");
                }
                entry.params_given = true;
                entry.params = parse_params(line, value);
            }
            "message" => {
                if entry.message.is_some() {
                    fail(line, "message given twice");
                }
                entry.message = Some(value.to_string());
                open_field = Some("message");
            }
            "explain" => {
                if entry.explain.is_some() {
                    fail(line, "explain given twice");
                }
                entry.explain = Some(value.to_string());
                open_field = Some("explain");
            }
            _ => fail(line, &format!("unknown field '{key}'")),
        }
    }
    entries
}

fn validate(entries: &[RawEntry]) {
    if entries.is_empty() {
        fail(1, "the catalogue is empty");
    }
    let mut names = BTreeSet::new();
    let mut previous_code: Option<&str> = None;
    for e in entries {
        let line = e.line;
        let digits = e.code.strip_prefix('E').unwrap_or("");
        let area_ok = digits.len() == 4
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (1..=8).contains(&digits[..2].parse::<u32>().unwrap_or(0))
            && &digits[2..] != "00";
        if !area_ok {
            fail(
                line,
                &format!(
                    "code '{}' is not of the form E01xx..E08xx (xx >= 01)",
                    e.code
                ),
            );
        }
        if let Some(prev) = previous_code {
            if e.code.as_str() <= prev {
                fail(line, &format!("code {} does not come after {prev}", e.code));
            }
        }
        previous_code = Some(&e.code);
        if !is_snake_ident(&e.name) {
            fail(line, &format!("name '{}' is not snake_case", e.name));
        }
        if RESERVED_NAMES.contains(&e.name.as_str()) || KEYWORDS.contains(&e.name.as_str()) {
            fail(line, &format!("name '{}' is reserved", e.name));
        }
        if !names.insert(e.name.as_str()) {
            fail(line, &format!("name '{}' is used twice", e.name));
        }
        if e.severity.is_none() {
            fail(line, "missing 'severity'");
        }
        let message = e.message.as_deref().unwrap_or("");
        if message.trim().is_empty() {
            fail(line, "missing or empty 'message'");
        }
        if e.explain.as_deref().unwrap_or("").trim().is_empty() {
            fail(line, "missing or empty 'explain'");
        }
        let mut used = BTreeSet::new();
        for p in placeholders(line, message) {
            if !e.params.iter().any(|(n, _)| *n == p) {
                fail(
                    line,
                    &format!("placeholder '{{{p}}}' is not a declared parameter"),
                );
            }
            used.insert(p);
        }
        for (p, _) in &e.params {
            if !used.contains(p) {
                fail(line, &format!("parameter '{p}' is not used in the message"));
            }
        }
    }
}

fn generate(entries: &[RawEntry]) -> String {
    let mut out = String::new();
    let w = &mut out;
    writeln!(w, "// @generated by build.rs from {SOURCE}; do not edit.").unwrap();
    writeln!(w).unwrap();

    // The enum.
    writeln!(
        w,
        "/// What went wrong: one variant per catalogue entry, carrying its data."
    )
    .unwrap();
    writeln!(w, "///").unwrap();
    writeln!(
        w,
        "/// Build values with the constructor functions of the same (snake_case)"
    )
    .unwrap();
    writeln!(w, "/// name, e.g. [`Kind::tdf_unexpected_eof`].").unwrap();
    writeln!(w, "#[derive(Debug, Clone, PartialEq, Eq)]").unwrap();
    writeln!(w, "pub enum Kind {{").unwrap();
    for e in entries {
        let severity = e.severity.as_deref().unwrap();
        let message = e.message.as_deref().unwrap();
        let explain = e.explain.as_deref().unwrap();
        let doc = format!(
            "`{}` `{}` ({severity}{}): \"{message}\"\n\n{explain}",
            e.code,
            e.name,
            if e.usage == Some(true) { ", usage" } else { "" }
        );
        writeln!(w, "    #[doc = {doc:?}]").unwrap();
        if e.params.is_empty() {
            writeln!(w, "    {},", camel(&e.name)).unwrap();
        } else {
            writeln!(w, "    #[allow(missing_docs)]").unwrap();
            writeln!(w, "    {} {{", camel(&e.name)).unwrap();
            for (p, ty) in &e.params {
                let rust_ty = if ty == "str" { "String" } else { "u64" };
                writeln!(w, "        {p}: {rust_ty},").unwrap();
            }
            writeln!(w, "    }},").unwrap();
        }
    }
    writeln!(w, "}}").unwrap();
    writeln!(w).unwrap();

    // Constructors, index and message.
    writeln!(w, "impl Kind {{").unwrap();
    for e in entries {
        let variant = camel(&e.name);
        writeln!(
            w,
            "    #[doc = {:?}]",
            format!("Creates [`Kind::{variant}`] ({}).", e.code)
        )
        .unwrap();
        let args: Vec<String> = e
            .params
            .iter()
            .map(|(p, ty)| {
                if ty == "str" {
                    format!("{p}: impl Into<String>")
                } else {
                    format!("{p}: u64")
                }
            })
            .collect();
        writeln!(w, "    pub fn {}({}) -> Kind {{", e.name, args.join(", ")).unwrap();
        if e.params.is_empty() {
            writeln!(w, "        Kind::{variant}").unwrap();
        } else {
            let fields: Vec<String> = e
                .params
                .iter()
                .map(|(p, ty)| {
                    if ty == "str" {
                        format!("{p}: {p}.into()")
                    } else {
                        p.clone()
                    }
                })
                .collect();
            writeln!(w, "        Kind::{variant} {{ {} }}", fields.join(", ")).unwrap();
        }
        writeln!(w, "    }}").unwrap();
        writeln!(w).unwrap();
    }

    writeln!(w, "    /// Position of this kind's entry in [`CATALOGUE`].").unwrap();
    writeln!(w, "    fn index(&self) -> usize {{").unwrap();
    writeln!(w, "        match self {{").unwrap();
    for (i, e) in entries.iter().enumerate() {
        let pattern = if e.params.is_empty() { "" } else { " { .. }" };
        writeln!(w, "            Kind::{}{pattern} => {i},", camel(&e.name)).unwrap();
    }
    writeln!(w, "        }}").unwrap();
    writeln!(w, "    }}").unwrap();
    writeln!(w).unwrap();

    writeln!(
        w,
        "    /// The message: the entry's template with the data filled in."
    )
    .unwrap();
    writeln!(w, "    pub fn message(&self) -> String {{").unwrap();
    writeln!(w, "        match self {{").unwrap();
    for e in entries {
        let message = e.message.as_deref().unwrap();
        let variant = camel(&e.name);
        if e.params.is_empty() {
            writeln!(
                w,
                "            Kind::{variant} => String::from({message:?}),"
            )
            .unwrap();
        } else {
            let names: Vec<&str> = e.params.iter().map(|(p, _)| p.as_str()).collect();
            // Placeholders are `{param}`, exactly Rust's inline format arguments,
            // and `validate` rejected any other brace.
            writeln!(
                w,
                "            Kind::{variant} {{ {} }} => format!({message:?}),",
                names.join(", ")
            )
            .unwrap();
        }
    }
    writeln!(w, "        }}").unwrap();
    writeln!(w, "    }}").unwrap();
    writeln!(w).unwrap();

    writeln!(
        w,
        "    /// The data: each parameter's name and value, in the entry's order."
    )
    .unwrap();
    writeln!(
        w,
        "    pub fn params(&self) -> Vec<(&'static str, Param<'_>)> {{"
    )
    .unwrap();
    writeln!(w, "        match self {{").unwrap();
    for e in entries {
        let variant = camel(&e.name);
        if e.params.is_empty() {
            writeln!(w, "            Kind::{variant} => Vec::new(),").unwrap();
        } else {
            let names: Vec<&str> = e.params.iter().map(|(p, _)| p.as_str()).collect();
            let values: Vec<String> = e
                .params
                .iter()
                .map(|(p, ty)| {
                    if ty == "str" {
                        format!("({p:?}, Param::Str({p}))")
                    } else {
                        format!("({p:?}, Param::Int(*{p}))")
                    }
                })
                .collect();
            writeln!(
                w,
                "            Kind::{variant} {{ {} }} => vec![{}],",
                names.join(", "),
                values.join(", ")
            )
            .unwrap();
        }
    }
    writeln!(w, "        }}").unwrap();
    writeln!(w, "    }}").unwrap();
    writeln!(w, "}}").unwrap();
    writeln!(w).unwrap();

    // The table.
    writeln!(
        w,
        "/// Every catalogue entry, in the order of `catalogue.txt`."
    )
    .unwrap();
    writeln!(w, "pub static CATALOGUE: &[Entry] = &[").unwrap();
    for e in entries {
        let severity = match e.severity.as_deref().unwrap() {
            "fatal" => "Fatal",
            "error" => "Error",
            "warning" => "Warning",
            _ => "Info",
        };
        let params: Vec<String> = e
            .params
            .iter()
            .map(|(p, ty)| format!("({p:?}, {ty:?})"))
            .collect();
        writeln!(w, "    Entry {{").unwrap();
        writeln!(w, "        code: {:?},", e.code).unwrap();
        writeln!(w, "        name: {:?},", e.name).unwrap();
        writeln!(w, "        severity: Severity::{severity},").unwrap();
        writeln!(w, "        usage: {},", e.usage == Some(true)).unwrap();
        writeln!(w, "        params: &[{}],", params.join(", ")).unwrap();
        writeln!(w, "        template: {:?},", e.message.as_deref().unwrap()).unwrap();
        writeln!(
            w,
            "        explanation: {:?},",
            e.explain.as_deref().unwrap()
        )
        .unwrap();
        writeln!(w, "    }},").unwrap();
    }
    writeln!(w, "];").unwrap();
    out
}

fn main() {
    println!("cargo:rerun-if-changed={SOURCE}");
    println!("cargo:rerun-if-changed=build.rs");
    let manifest_dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let text = fs::read_to_string(manifest_dir.join(SOURCE))
        .unwrap_or_else(|e| panic!("cannot read {SOURCE}: {e}"));
    let entries = parse(&text);
    validate(&entries);
    let code = generate(&entries);
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR")).join("catalogue.rs");
    fs::write(&out, code).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}
