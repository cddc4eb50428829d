//! Turns `src/decode/constructs.txt` (the table of TDF sorts and constructors, syntax at
//! its top) into Rust source in `OUT_DIR/constructs.rs`.
//!
//! Every rule the decoder relies on is checked here (names unique, encodings unique and
//! in range, every referenced sort defined, sorts without encoding bits having exactly
//! one constructor), so a bad table fails the build with `constructs.txt:LINE:` messages.

use std::collections::HashMap;
use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

const SOURCE: &str = "src/decode/constructs.txt";

fn fail(line: usize, msg: &str) -> ! {
    panic!("{SOURCE}:{line}: {msg}");
}

struct Sort {
    line: usize,
    name: String,
    bits: u32,
    extendable: bool,
    minor: u32,
    constructs: Vec<Cons>,
}

struct Cons {
    line: usize,
    name: String,
    encoding: u32,
    denotes: Option<String>,
    params: Vec<Param>,
}

struct Param {
    line: usize,
    name: String,
    wrap: &'static str,
    item: String,
    align: bool,
}

struct Named {
    line: usize,
    name: String,
    sort: String,
    minor: u32,
}

fn minor_flag(line: usize, words: &[&str]) -> u32 {
    match words {
        [] => 0,
        ["4.1"] => 1,
        _ => fail(line, &format!("unexpected words {words:?}")),
    }
}

/// Splits `wrap(item)` or `item`.
fn parse_type(line: usize, ty: &str) -> (&'static str, String) {
    for wrap in ["option", "list", "slist", "bitstream", "id"] {
        if let Some(rest) = ty.strip_prefix(wrap).and_then(|r| r.strip_prefix('(')) {
            let Some(inner) = rest.strip_suffix(')') else {
                fail(line, &format!("unclosed parenthesis in '{ty}'"))
            };
            let wrap = match wrap {
                "option" => "Option",
                "list" => "List",
                "slist" => "SList",
                "bitstream" => "BitStream",
                _ => "Id",
            };
            return (wrap, inner.to_owned());
        }
    }
    if ty.contains('(') {
        fail(line, &format!("unknown type constructor in '{ty}'"));
    }
    ("One", ty.to_owned())
}

fn upper(name: &str) -> String {
    name.to_ascii_uppercase()
}

fn main() {
    println!("cargo:rerun-if-changed={SOURCE}");
    println!("cargo:rerun-if-changed=build.rs");
    let text = fs::read_to_string(SOURCE).unwrap_or_else(|e| panic!("{SOURCE}: {e}"));

    let mut version = None;
    let mut entities: Vec<Named> = Vec::new();
    let mut units: Vec<Named> = Vec::new();
    let mut sorts: Vec<Sort> = Vec::new();
    let mut stdtokens: Vec<(usize, Vec<String>)> = Vec::new();
    let mut foreign: Vec<(usize, String, String)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        if raw.trim().is_empty() || raw.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = raw.split_whitespace().collect();
        if raw.starts_with(' ') {
            let Some(sort) = sorts.last_mut() else {
                fail(line, "constructor outside a sort")
            };
            let [enc, name, rest @ ..] = words.as_slice() else {
                fail(line, "a constructor needs a number and a name")
            };
            let encoding: u32 = enc
                .parse()
                .unwrap_or_else(|_| fail(line, &format!("bad constructor number '{enc}'")));
            let mut rest = rest;
            let mut denotes = None;
            if let [d, tail @ ..] = rest {
                if let Some(d) = d.strip_prefix('=') {
                    denotes = Some(d.to_owned());
                    rest = tail;
                }
            }
            let mut params = Vec::new();
            let mut align = false;
            for w in rest {
                if *w == "|" {
                    align = true;
                    continue;
                }
                let Some((pname, ty)) = w.split_once(':') else {
                    fail(line, &format!("parameter '{w}' is not label:type"))
                };
                let (mut wrap, mut item) = parse_type(line, ty);
                if wrap == "Option" && item.starts_with("list(") {
                    let (inner_wrap, inner) = parse_type(line, &item);
                    if inner_wrap != "List" {
                        fail(line, &format!("cannot nest '{ty}'"));
                    }
                    wrap = "OptionList";
                    item = inner;
                }
                params.push(Param {
                    line,
                    name: pname.to_owned(),
                    wrap,
                    item,
                    align,
                });
                align = false;
            }
            if align {
                fail(line, "'|' must precede a parameter");
            }
            sort.constructs.push(Cons {
                line,
                name: (*name).to_owned(),
                encoding,
                denotes,
                params,
            });
            continue;
        }
        match words.as_slice() {
            ["version", major, minor] => version = Some((major.to_string(), minor.to_string())),
            ["entity", shape, sort, rest @ ..] => entities.push(Named {
                line,
                name: shape.to_string(),
                sort: sort.to_string(),
                minor: minor_flag(line, rest),
            }),
            ["unit", set, sort, rest @ ..] => units.push(Named {
                line,
                name: set.to_string(),
                sort: sort.to_string(),
                minor: minor_flag(line, rest),
            }),
            ["foreign", name, sort] => foreign.push((line, name.to_string(), sort.to_string())),
            ["stdtoken", name, result, params @ ..] => {
                let mut words = vec![name.to_string(), result.to_string()];
                words.extend(params.iter().map(|p| p.to_string()));
                stdtokens.push((line, words));
            }
            ["sort", name, bits, rest @ ..] => {
                let bits: u32 = bits
                    .parse()
                    .unwrap_or_else(|_| fail(line, &format!("bad bit count '{bits}'")));
                let (extendable, rest) = match rest {
                    ["extendable", tail @ ..] => (true, tail),
                    _ => (false, rest),
                };
                sorts.push(Sort {
                    line,
                    name: name.to_string(),
                    bits,
                    extendable,
                    minor: minor_flag(line, rest),
                    constructs: Vec::new(),
                });
            }
            _ => fail(line, &format!("cannot read '{raw}'")),
        }
    }
    let Some((major, minor)) = version else {
        fail(0, "no version line")
    };

    // Checks.
    let mut sort_index: HashMap<&str, usize> = HashMap::new();
    for (i, s) in sorts.iter().enumerate() {
        if sort_index.insert(&s.name, i).is_some() {
            fail(s.line, &format!("sort '{}' defined twice", s.name));
        }
        if s.bits > 16 {
            fail(s.line, "at most 16 encoding bits");
        }
        if s.bits == 0 && s.constructs.len() != 1 {
            fail(
                s.line,
                "a sort without encoding bits has exactly one constructor",
            );
        }
    }
    let mut cons_names: HashMap<&str, usize> = HashMap::new();
    let entity_sorts: Vec<&str> = entities.iter().map(|e| e.sort.as_str()).collect();
    for s in &sorts {
        let mut encodings = HashMap::new();
        for c in &s.constructs {
            if cons_names.insert(&c.name, c.line).is_some() {
                fail(c.line, &format!("constructor '{}' defined twice", c.name));
            }
            if encodings.insert(c.encoding, ()).is_some() {
                fail(
                    c.line,
                    &format!("number {} used twice in sort {}", c.encoding, s.name),
                );
            }
            if s.bits == 0 && c.encoding != 0 {
                fail(
                    c.line,
                    "the constructor of a sort without encoding bits is numbered 0",
                );
            }
            if s.bits > 0 {
                let limit = if s.extendable {
                    4096
                } else {
                    (1u32 << s.bits) - 1
                };
                if c.encoding == 0 || c.encoding > limit {
                    fail(c.line, &format!("number {} out of range", c.encoding));
                }
                if s.extendable && c.encoding >= (1u32 << s.bits) {
                    // Fine: an extended encoding.
                }
            }
            if let Some(d) = &c.denotes {
                if s.name != "sortname" {
                    fail(c.line, "only sortname constructors denote sorts");
                }
                if d != "token" && d != "foreign" && !sort_index.contains_key(d.as_str()) {
                    fail(c.line, &format!("'{d}' is not a sort"));
                }
            } else if s.name == "sortname" {
                fail(
                    c.line,
                    "a sortname constructor must say which sort it denotes",
                );
            }
            for p in &c.params {
                let item = p.item.as_str();
                let basic = [
                    "tdfint",
                    "tdfbool",
                    "tdfstring",
                    "tdfident",
                    "labels",
                    "args",
                    "tokbody",
                    "unitbody",
                ];
                match p.wrap {
                    "Id" => {
                        if item != "label" && !entity_sorts.contains(&item) {
                            fail(p.line, &format!("id({item}): not a linkable sort"));
                        }
                    }
                    "BitStream" => {
                        if !sort_index.contains_key(item) {
                            fail(p.line, &format!("bitstream({item}): not a sort"));
                        }
                    }
                    _ => {
                        if !basic.contains(&item) && !sort_index.contains_key(item) {
                            fail(p.line, &format!("'{item}' is not a sort"));
                        }
                    }
                }
            }
        }
    }
    for e in entities.iter().chain(&units) {
        if !sort_index.contains_key(e.sort.as_str()) {
            fail(e.line, &format!("'{}' is not a sort", e.sort));
        }
    }

    for (line, _, sort) in &foreign {
        if !sort_index.contains_key(sort.as_str()) {
            fail(*line, &format!("'{sort}' is not a sort"));
        }
    }
    for (line, words) in &stdtokens {
        for w in &words[1..] {
            if w != "tdfstring" && !sort_index.contains_key(w.as_str()) {
                fail(*line, &format!("'{w}' is not a sort"));
            }
        }
    }

    // Output.
    let mut out = String::new();
    writeln!(
        out,
        "// Generated by tdf-core/build.rs from {SOURCE}. Do not edit."
    )
    .unwrap();
    writeln!(out).unwrap();
    writeln!(out, "/// The newest TDF version the table describes.").unwrap();
    writeln!(
        out,
        "pub const TABLE_VERSION: (u32, u32) = ({major}, {minor});"
    )
    .unwrap();

    // Sort ids.
    writeln!(out, "\n/// The sort ids, by name.\npub mod sort {{").unwrap();
    writeln!(out, "    use super::SortId;").unwrap();
    for (i, s) in sorts.iter().enumerate() {
        writeln!(out, "    /// `{}`", s.name).unwrap();
        writeln!(
            out,
            "    pub const {}: SortId = SortId({i});",
            upper(&s.name)
        )
        .unwrap();
    }
    writeln!(out, "}}").unwrap();

    // Constructor ids, in table order.
    let mut all_cons: Vec<(usize, &Cons)> = Vec::new();
    for (si, s) in sorts.iter().enumerate() {
        for c in &s.constructs {
            all_cons.push((si, c));
        }
    }
    writeln!(out, "\n/// The constructor ids, by name.\npub mod cons {{").unwrap();
    writeln!(out, "    use super::ConsId;").unwrap();
    for (i, (_, c)) in all_cons.iter().enumerate() {
        writeln!(out, "    /// `{}`", c.name).unwrap();
        writeln!(
            out,
            "    pub const {}: ConsId = ConsId({i});",
            upper(&c.name)
        )
        .unwrap();
    }
    writeln!(out, "}}").unwrap();

    // Parameters.
    let mut params = String::new();
    let mut param_count = 0usize;
    let mut cons_rows = String::new();
    for (si, c) in &all_cons {
        let start = param_count;
        for p in &c.params {
            let item = match (p.wrap, p.item.as_str()) {
                ("Id", "label") => "Item::Label".to_owned(),
                ("Id", sort) => format!("Item::Id(sort::{})", upper(sort)),
                (_, "tdfint") => "Item::TdfInt".to_owned(),
                (_, "tdfbool") => "Item::TdfBool".to_owned(),
                (_, "tdfstring") => "Item::TdfString".to_owned(),
                (_, "tdfident") => "Item::TdfIdent".to_owned(),
                (_, "labels") => "Item::Labels".to_owned(),
                (_, "args") => "Item::Args".to_owned(),
                (_, "tokbody") => "Item::TokBody".to_owned(),
                (_, "unitbody") => "Item::UnitBody".to_owned(),
                (_, sort) => format!("Item::Sort(sort::{})", upper(sort)),
            };
            let wrap = if p.wrap == "Id" { "One" } else { p.wrap };
            writeln!(
                params,
                "    Param {{ name: \"{}\", wrap: Wrap::{wrap}, item: {item}, align: {} }},",
                p.name, p.align
            )
            .unwrap();
            param_count += 1;
        }
        let denotes = match c.denotes.as_deref() {
            None => "Denotes::Nothing".to_owned(),
            Some("token") => "Denotes::Token".to_owned(),
            Some("foreign") => "Denotes::Foreign".to_owned(),
            Some(s) => format!("Denotes::Sort(sort::{})", upper(s)),
        };
        writeln!(
            cons_rows,
            "    ConsInfo {{ name: \"{}\", sort: SortId({si}), encoding: {}, params: ({start}, {param_count}), denotes: {denotes} }},",
            c.name, c.encoding
        )
        .unwrap();
    }
    writeln!(out, "\n/// Every parameter of every constructor.").unwrap();
    writeln!(
        out,
        "pub static PARAMS: [Param; {param_count}] = [\n{params}];"
    )
    .unwrap();
    writeln!(out, "\n/// Every constructor, sort after sort.").unwrap();
    writeln!(
        out,
        "pub static CONSTRUCTS: [ConsInfo; {}] = [\n{cons_rows}];",
        all_cons.len()
    )
    .unwrap();

    // Dispatch: per sort, constructor id by encoding number.
    let mut dispatch = Vec::new();
    let mut sort_rows = String::new();
    let mut first = 0usize;
    for (si, s) in sorts.iter().enumerate() {
        let max = s.constructs.iter().map(|c| c.encoding).max().unwrap_or(0) as usize;
        let start = dispatch.len();
        dispatch.resize(start + max + 1, u16::MAX);
        for (k, c) in s.constructs.iter().enumerate() {
            dispatch[start + c.encoding as usize] = (first + k) as u16;
        }
        let apply = s
            .constructs
            .iter()
            .position(|c| {
                c.params.len() == 2
                    && c.params[0].item == "token"
                    && c.params[0].wrap == "One"
                    && c.params[1].item == "args"
            })
            .map(|k| format!("Some(ConsId({}))", first + k))
            .unwrap_or_else(|| "None".to_owned());
        writeln!(
            sort_rows,
            "    SortInfo {{ name: \"{}\", bits: {}, extendable: {}, minor: {}, constructs: ({first}, {}), dispatch: ({start}, {}), apply_token: {apply} }},",
            s.name,
            s.bits,
            s.extendable,
            s.minor,
            first + s.constructs.len(),
            dispatch.len()
        )
        .unwrap();
        first += s.constructs.len();
        let _ = si;
    }
    writeln!(out, "\n/// Every sort.").unwrap();
    writeln!(
        out,
        "pub static SORTS: [SortInfo; {}] = [\n{sort_rows}];",
        sorts.len()
    )
    .unwrap();
    let rows: Vec<String> = dispatch.iter().map(|d| d.to_string()).collect();
    writeln!(
        out,
        "\n/// Constructor ids by sort and encoding number (`u16::MAX`: none).\npub static DISPATCH: [u16; {}] = [{}];",
        dispatch.len(),
        rows.join(", ")
    )
    .unwrap();

    let mut ent_rows = String::new();
    for e in &entities {
        writeln!(
            ent_rows,
            "    Named {{ name: \"{}\", sort: sort::{}, minor: {} }},",
            e.name,
            upper(&e.sort),
            e.minor
        )
        .unwrap();
    }
    writeln!(
        out,
        "\n/// The linkable entities: capsule shape name and sort."
    )
    .unwrap();
    writeln!(
        out,
        "pub static ENTITIES: [Named; {}] = [\n{ent_rows}];",
        entities.len()
    )
    .unwrap();
    let mut unit_rows = String::new();
    for u in &units {
        writeln!(
            unit_rows,
            "    Named {{ name: \"{}\", sort: sort::{}, minor: {} }},",
            u.name,
            upper(&u.sort),
            u.minor
        )
        .unwrap();
    }
    writeln!(out, "\n/// The kinds of unit: unit set name and body sort.").unwrap();
    writeln!(
        out,
        "pub static UNIT_KINDS: [Named; {}] = [\n{unit_rows}];",
        units.len()
    )
    .unwrap();

    let mut std_rows = String::new();
    for (_, words) in &stdtokens {
        let items: Vec<String> = words[2..]
            .iter()
            .map(|w| match w.as_str() {
                "tdfstring" => "Item::TdfString".to_owned(),
                s => format!("Item::Sort(sort::{})", upper(s)),
            })
            .collect();
        writeln!(
            std_rows,
            "    StdToken {{ name: \"{}\", result: sort::{}, params: &[{}] }},",
            words[0],
            upper(&words[1]),
            items.join(", ")
        )
        .unwrap();
    }
    writeln!(out, "\n/// The standard tokens.").unwrap();
    writeln!(
        out,
        "pub static STANDARD_TOKENS: [StdToken; {}] = [\n{std_rows}];",
        stdtokens.len()
    )
    .unwrap();

    let rows: Vec<String> = foreign
        .iter()
        .map(|(_, name, sort)| format!("    (\"{name}\", sort::{}),", upper(sort)))
        .collect();
    writeln!(out, "\n/// The sorts named by foreign_sort.").unwrap();
    writeln!(
        out,
        "pub static FOREIGN_SORTS: [(&str, SortId); {}] = [\n{}\n];",
        foreign.len(),
        rows.join("\n")
    )
    .unwrap();

    // The decoder: one function per sort, straight-line code per constructor.
    let decoder = generate_decoder(&sorts, &entity_sorts);
    let dest = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("decoder.rs");
    fs::write(&dest, decoder).unwrap_or_else(|e| panic!("{}: {e}", dest.display()));

    let dest =
        PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("constructs.rs");
    fs::write(&dest, out).unwrap_or_else(|e| panic!("{}: {e}", dest.display()));
}

/// The Rust expression decoding one item of type `item` (a sort name or a fundamental
/// encoding) on decoder `d`.
fn item_code(d: &str, item: &str) -> String {
    match item {
        "tdfint" => format!("{d}.p_int()"),
        "tdfbool" => format!("{d}.p_bool()"),
        "tdfstring" => format!("{d}.string()"),
        "tdfident" => format!("{d}.ident()"),
        "labels" => format!("{d}.p_labels()"),
        "tokbody" => format!("{d}.tokbody()"),
        "unitbody" => format!("Err({d}.unit_body())"),
        sort => format!("{d}.s_{sort}()"),
    }
}

/// `BodyDecoder::decode_sort` and one `s_SORT` function per sort.
fn generate_decoder(sorts: &[Sort], entity_sorts: &[&str]) -> String {
    let mut out = String::new();
    writeln!(
        out,
        "// Generated by tdf-core/build.rs from {SOURCE}. Do not edit."
    )
    .unwrap();
    writeln!(out, "impl BodyDecoder<'_, '_> {{").unwrap();
    writeln!(out, "    /// Decodes one construct of sort `s`.").unwrap();
    writeln!(
        out,
        "    pub(crate) fn decode_sort(&mut self, s: SortId) -> Res {{"
    )
    .unwrap();
    writeln!(out, "        match s.0 {{").unwrap();
    for (i, s) in sorts.iter().enumerate() {
        writeln!(out, "            {i} => self.s_{}(),", s.name).unwrap();
    }
    writeln!(
        out,
        "            _ => unreachable!(\"every sort id is in the table\"),"
    )
    .unwrap();
    writeln!(out, "        }}").unwrap();
    writeln!(out, "    }}").unwrap();
    let hooked = ["token", "tokdec", "tokdef", "tokformals"];
    for s in sorts {
        writeln!(out).unwrap();
        writeln!(out, "    fn s_{}(&mut self) -> Res {{", s.name).unwrap();
        writeln!(out, "        let pos = self.enter()?;").unwrap();
        let number = if s.bits == 0 {
            "0".to_owned()
        } else if s.extendable {
            format!("self.number_ext({}, pos)?", s.bits)
        } else {
            format!("self.number_fixed({}, pos)?", s.bits)
        };
        writeln!(out, "        let number = {number};").unwrap();
        writeln!(out, "        match number {{").unwrap();
        for c in &s.constructs {
            writeln!(out, "            {} => {{", c.encoding).unwrap();
            writeln!(
                out,
                "                let idx = self.open(cons::{}, pos);",
                upper(&c.name)
            )
            .unwrap();
            let mut tok = false;
            for (k, p) in c.params.iter().enumerate() {
                if p.align {
                    writeln!(out, "                self.r.align();").unwrap();
                }
                let next_is_args = c.params.get(k + 1).is_some_and(|n| n.item == "args");
                let code = match (p.wrap, p.item.as_str()) {
                    ("One", "args") => {
                        let t = if tok { "tok" } else { "0" };
                        format!("self.args(sort::{}, idx, {t})", upper(&s.name))
                    }
                    ("Id", "label") => "self.p_label()".to_owned(),
                    ("Id", e) => {
                        let slot = entity_sorts
                            .iter()
                            .position(|x| *x == e)
                            .expect("checked: a linkable sort");
                        format!("self.p_id(sort::{}, {slot})", upper(e))
                    }
                    ("One", item) => item_code("self", item),
                    ("Option", item) => format!("self.p_option(|d| {})", item_code("d", item)),
                    ("List", item) => format!("self.p_list(true, |d| {})", item_code("d", item)),
                    ("SList", item) => {
                        format!("self.p_list(false, |d| {})", item_code("d", item))
                    }
                    ("OptionList", item) => format!(
                        "self.p_option(|d| d.p_list(true, |d| {}))",
                        item_code("d", item)
                    ),
                    ("BitStream", item) => {
                        format!("self.p_bitstream(|d| {})", item_code("d", item))
                    }
                    (w, i) => panic!("{SOURCE}:{}: cannot decode {w}({i})", p.line),
                };
                if p.wrap == "One" && p.item == "token" && next_is_args {
                    writeln!(out, "                let tok = self.token_param()?;").unwrap();
                    tok = true;
                } else {
                    writeln!(out, "                {code}?;").unwrap();
                }
            }
            writeln!(out, "                self.leave(idx);").unwrap();
            if c.name == "make_tok" {
                writeln!(out, "                self.after_make_tok(idx);").unwrap();
            } else if c.name == "use_tokdef" {
                writeln!(out, "                self.token_sig = self.tokbody_sig;").unwrap();
            } else if hooked.contains(&s.name.as_str()) {
                let t = if tok { "tok" } else { "0" };
                writeln!(
                    out,
                    "                self.after(cons::{}, idx, pos, {t});",
                    upper(&c.name)
                )
                .unwrap();
            }
            writeln!(out, "            }}").unwrap();
        }
        writeln!(
            out,
            "            _ => return Err(self.bad_construct(sort::{}, number, pos)),",
            upper(&s.name)
        )
        .unwrap();
        writeln!(out, "        }}").unwrap();
        writeln!(out, "        Ok(())").unwrap();
        writeln!(out, "    }}").unwrap();
    }
    writeln!(out, "}}").unwrap();
    out
}
