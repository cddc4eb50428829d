//! Tests of the decoder, encoder and checker on bodies written here, construct by
//! construct, with the table's encodings.

use std::borrow::Cow;

use super::bits::BodyWriter;
use super::check::diagnostics;
use super::decoded::Decoded;
use super::decoder::{ErrorKind, ProblemKind, MAX_DEPTH};
use super::encode::encode_unit;
use super::table::{sort, ConsId};
use super::tree::{children, NodeKind};
use crate::capsule::{Capsule, External, FlatCapsule, Group, Link, ReadOptions, Shape, Unit};
use crate::linkinfo::{LinkInfoKind, Usage};
use crate::name::ExtName;
use crate::unitset::UnitSetList;

/// A body under construction.
#[derive(Default)]
struct Body(BodyWriter);

impl Body {
    fn new() -> Self {
        Body::default()
    }
    /// Constructor `name`, in its sort's encoding.
    fn cons(mut self, name: &str) -> Self {
        let c = ConsId::by_name(name).unwrap_or_else(|| panic!("no constructor {name}"));
        let s = c.sort().info();
        let n = u32::from(c.info().encoding);
        if s.bits > 0 {
            self.0.extendable(n, u32::from(s.bits));
        }
        self
    }
    fn int(mut self, v: u64) -> Self {
        let digits = if v == 0 {
            1
        } else {
            (64 - v.leading_zeros()).div_ceil(3)
        };
        self.0.tdfint(v, digits);
        self
    }
    fn bits(mut self, v: u32, n: u32) -> Self {
        self.0.bits(v, n);
        self
    }
    /// A LIST of `n` items (the items follow).
    fn list(self, n: u64) -> Self {
        self.bits(0, 1).int(n)
    }
    /// A BITSTREAM holding `inner`.
    fn stream(mut self, inner: Body) -> Self {
        let len = inner.0.bit_len();
        let bytes = inner.0.finish();
        self = self.int(len as u64);
        self.0.copy(&bytes, 0, len);
        self
    }
    fn done(mut self) -> Vec<u8> {
        self.0.align();
        self.0.finish()
    }
}

/// `make_int(~int, v)` where `~int` is capsule token 0, a variety token.
fn make_int(b: Body, v: u64) -> Body {
    b.cons("make_int")
        .cons("var_apply_token")
        .cons("make_tok")
        .int(0)
        .int(0)
        .cons("make_signed_nat")
        .bits(0, 1)
        .int(v)
}

/// One unit of a test capsule: its set, its tag and token counts, and its body.
struct U {
    set: &'static str,
    tags: u32,
    tokens: u32,
    body: Vec<u8>,
}

fn unit(set: &'static str, body: Vec<u8>) -> U {
    U {
        set,
        tags: 2,
        tokens: 2,
        body,
    }
}

/// A capsule with tags `f` (0) and `g` (1), tokens `~int` (0) and `~op` (1); every
/// unit links its identifiers 0 and 1 to the capsule's.
fn capsule(units: Vec<U>) -> Vec<u8> {
    let names = |a: &str, b: &str| {
        vec![
            External {
                id: 0,
                name: ExtName::String(Cow::Owned(a.as_bytes().to_vec())),
                usage: Usage::DECD,
                offset: 0,
            },
            External {
                id: 1,
                name: ExtName::String(Cow::Owned(b.as_bytes().to_vec())),
                usage: Usage::DECD,
                offset: 0,
            },
        ]
    };
    let link2 = |n: u32| -> Vec<Link> {
        (0..n.min(2))
            .map(|i| Link {
                internal: i,
                external: i,
            })
            .collect()
    };
    let mut groups: Vec<Group<'static>> = Vec::new();
    let sets = UnitSetList::default();
    let mut units = units;
    units.sort_by_key(|u| sets.position(u.set.as_bytes()));
    for u in units {
        let unit = Unit {
            counts: vec![u.tags, u.tokens],
            links: vec![link2(u.tags), link2(u.tokens)],
            body: Cow::Owned(u.body),
        };
        match groups.last_mut() {
            Some(g) if g.name == u.set.as_bytes() => g.units.push(unit),
            _ => groups.push(Group {
                name: Cow::Borrowed(u.set.as_bytes()),
                units: vec![unit],
            }),
        }
    }
    Capsule {
        major: 4,
        minor: 0,
        shapes: vec![
            Shape {
                name: Cow::Borrowed(b"tag"),
                num_ids: 2,
                externs: names("f", "g"),
            },
            Shape {
                name: Cow::Borrowed(b"token"),
                num_ids: 2,
                externs: names("~int", "~op"),
            },
        ],
        groups,
        linkinfo: LinkInfoKind::Missing,
        warnings: Vec::new(),
        aligned_idents: false,
    }
    .to_bytes()
}

/// `~int` declared as a variety token, `~op` as ( exp exp ) exp.
fn tokdecs() -> U {
    let b = Body::new()
        .int(2)
        .cons("make_tokdec")
        .int(0)
        .bits(0, 1)
        .cons("variety")
        .cons("make_tokdec")
        .int(1)
        .bits(0, 1)
        .cons("token")
        .cons("exp")
        .list(2)
        .cons("exp")
        .cons("exp");
    unit("tokdec", b.done())
}

/// A tagdef unit defining tag 0 as `e` (with `labels` labels).
fn tagdef(labels: u64, e: Body) -> U {
    let b = Body::new()
        .int(labels)
        .int(1)
        .cons("make_id_tagdef")
        .int(0)
        .bits(0, 1);
    let mut body = b.0;
    let inner_len = e.0.bit_len();
    let inner = e.0.finish();
    body.copy(&inner, 0, inner_len);
    unit("tagdef", Body(body).done())
}

fn decode(bytes: &[u8]) -> (FlatCapsule<'_>, Decoded) {
    let sets = UnitSetList::default();
    let mut flat = FlatCapsule::new();
    flat.read(
        bytes,
        ReadOptions {
            unit_sets: &sets,
            established_major: None,
        },
    )
    .expect("a well-formed capsule");
    let mut d = Decoded::new();
    d.decode(&flat);
    (flat, d)
}

/// The error of the (only) tagdef unit.
fn tagdef_error(bytes: &[u8]) -> Option<ErrorKind> {
    let (flat, d) = decode(bytes);
    let u = d
        .units
        .iter()
        .find(|u| flat.groups[u.group].name == b"tagdef")
        .expect("a tagdef unit");
    u.error.map(|e| e.kind)
}

fn problems(bytes: &[u8]) -> Vec<ProblemKind> {
    decode(bytes).1.problems.iter().map(|p| p.kind).collect()
}

fn names(bytes: &[u8]) -> Vec<&'static str> {
    let (flat, d) = decode(bytes);
    diagnostics(&flat, bytes, &d)
        .iter()
        .map(|d| d.kind.name())
        .collect()
}

#[test]
fn bodies_decode_and_write_back() {
    let e = Body::new()
        .cons("sequence")
        .list(1)
        .cons("apply_proc")
        .cons("top")
        .cons("obtain_tag")
        .cons("make_tag")
        .int(1)
        .list(0)
        .bits(0, 1);
    let e = make_int(e.cons("plus").cons("impossible"), 5);
    let e = e
        .cons("exp_apply_token")
        .cons("make_tok")
        .int(1)
        .stream(make_int(make_int(Body::new(), 1), 2));
    let bytes = capsule(vec![tokdecs(), tagdef(0, e)]);
    let (flat, d) = decode(&bytes);
    assert!(d.problems.is_empty(), "{:?}", d.problems);
    for u in &d.units {
        assert_eq!(u.error, None);
        let body = flat.units[u.unit].body;
        assert_eq!(encode_unit(&d, u, body).unwrap(), body, "unit {}", u.unit);
    }
    // The token application's parameters were decoded by ~op's sorts: two exps.
    let args = d
        .nodes
        .iter()
        .position(|n| n.kind == NodeKind::Args && n.value > 0)
        .expect("an application with parameters");
    assert!(d.nodes[args].decoded());
    let params: Vec<_> = children(&d.nodes, args)
        .map(|i| d.nodes[i].cons().map(|c| c.name()))
        .collect();
    assert_eq!(params, [Some("make_int"), Some("make_int")]);
    assert!(diagnostics(&flat, &bytes, &d).is_empty());
}

#[test]
fn every_error_stops_its_unit() {
    let eof = capsule(vec![tagdef(0, Body::new().cons("plus"))]);
    assert_eq!(tagdef_error(&eof), Some(ErrorKind::Eof));
    // exp has numbers 1 to 116: 120 is none.
    let bad = capsule(vec![tagdef(0, Body::new().bits(120, 7))]);
    assert_eq!(
        tagdef_error(&bad),
        Some(ErrorKind::BadConstruct {
            sort: sort::EXP,
            value: 120
        })
    );
    let flag = capsule(vec![tagdef(0, Body::new().cons("sequence").bits(1, 1))]);
    assert_eq!(tagdef_error(&flag), Some(ErrorKind::ListFlag));
    let big = capsule(vec![tagdef(
        0,
        Body::new().cons("goto").cons("make_label").int(1 << 40),
    )]);
    assert_eq!(tagdef_error(&big), Some(ErrorKind::TooBig));
    let wide = Body::new()
        .cons("fail_installer")
        .cons("make_string")
        .int(40)
        .int(1)
        .bits(0, 32)
        .bits(0, 8);
    assert_eq!(
        tagdef_error(&capsule(vec![tagdef(0, wide)])),
        Some(ErrorKind::CharSize(40))
    );
    // Characters of no bits: a count of them would be free to lie about.
    let empty = Body::new()
        .cons("fail_installer")
        .cons("make_string")
        .int(0)
        .int(u64::from(u32::MAX));
    assert_eq!(
        tagdef_error(&capsule(vec![tagdef(0, empty)])),
        Some(ErrorKind::CharSize(0))
    );
    let mut deep = Body::new();
    for _ in 0..MAX_DEPTH + 10 {
        deep = deep.cons("not");
    }
    let deep = capsule(vec![tagdef(0, deep.cons("make_top"))]);
    assert_eq!(tagdef_error(&deep), Some(ErrorKind::TooDeep));
    let short = Body::new()
        .cons("exp_cond")
        .cons("make_top")
        .int(20)
        .cons("make_top")
        .bits(0, 13)
        .stream(Body::new().cons("make_top"));
    assert_eq!(
        tagdef_error(&capsule(vec![tagdef(0, short)])),
        Some(ErrorKind::Length {
            length: 20,
            used: 7
        })
    );
    let mut trailing = tagdef(0, Body::new().cons("make_top"));
    trailing.body.extend_from_slice(&[0, 0]);
    assert_eq!(
        tagdef_error(&capsule(vec![trailing])),
        Some(ErrorKind::Trailing { bits: 16 })
    );
    // A body over the limit is not decoded at all.
    let bytes = capsule(vec![tagdef(0, Body::new().cons("make_top"))]);
    let sets = UnitSetList::default();
    let mut flat = FlatCapsule::new();
    let opts = ReadOptions {
        unit_sets: &sets,
        established_major: None,
    };
    flat.read(&bytes, opts).unwrap();
    let mut d = Decoded::new();
    d.max_body_bytes = 1;
    d.decode(&flat);
    assert_eq!(d.units[0].error.map(|e| e.kind), Some(ErrorKind::TooLong));
    let kinds: Vec<_> = diagnostics(&flat, &bytes, &d)
        .iter()
        .map(|d| d.kind.name())
        .collect();
    assert_eq!(kinds, ["body_too_long"]);
    // Each error is its catalogue diagnostic.
    assert_eq!(names(&eof), ["body_eof"]);
    assert_eq!(names(&bad), ["body_bad_construct"]);
    assert_eq!(names(&flag), ["body_list_flag"]);
    assert_eq!(names(&big), ["body_integer_too_big"]);
    assert_eq!(names(&deep), ["body_too_deep"]);
    let wide = Body::new()
        .cons("fail_installer")
        .cons("make_string")
        .int(40)
        .int(1)
        .bits(0, 32)
        .bits(0, 8);
    assert_eq!(names(&capsule(vec![tagdef(0, wide)])), ["body_char_size"]);
    let short = Body::new()
        .cons("exp_cond")
        .cons("make_top")
        .int(20)
        .cons("make_top")
        .bits(0, 13)
        .stream(Body::new().cons("make_top"));
    assert_eq!(
        names(&capsule(vec![tagdef(0, short)])),
        ["body_bitstream_length"]
    );
    let mut trailing = tagdef(0, Body::new().cons("make_top"));
    trailing.body.extend_from_slice(&[0, 0]);
    assert_eq!(names(&capsule(vec![trailing])), ["body_trailing_bits"]);
}

#[test]
fn lying_counts_cost_nothing() {
    // A list claiming four billion items in a few bytes: the end of the body, quickly.
    let lie = capsule(vec![tagdef(
        0,
        Body::new().cons("sequence").list(u64::from(u32::MAX)),
    )]);
    assert_eq!(tagdef_error(&lie), Some(ErrorKind::Eof));
    let (_, d) = decode(&lie);
    assert!(d.nodes.len() < 64);
}

#[test]
fn problems_do_not_stop_decoding() {
    let tag = capsule(vec![tagdef(
        0,
        Body::new().cons("obtain_tag").cons("make_tag").int(7),
    )]);
    assert_eq!(
        problems(&tag),
        [ProblemKind::IdOutOfRange {
            entity: sort::TAG,
            id: 7,
            count: 2
        }]
    );
    assert_eq!(names(&tag), ["body_id_out_of_range"]);
    let label = capsule(vec![tagdef(
        1,
        Body::new().cons("goto").cons("make_label").int(3),
    )]);
    assert_eq!(
        problems(&label),
        [ProblemKind::LabelOutOfRange { id: 3, count: 1 }]
    );
    assert_eq!(names(&label), ["body_label_out_of_range"]);
    // ~op takes two exps; one is given.
    let one = Body::new()
        .cons("exp_apply_token")
        .cons("make_tok")
        .int(1)
        .stream(make_int(Body::new(), 1));
    let args = capsule(vec![tokdecs(), tagdef(0, one)]);
    assert!(matches!(
        problems(&args)[..],
        [ProblemKind::TokenArgs {
            error: Some(ErrorKind::Eof),
            ..
        }]
    ));
    assert_eq!(names(&args), ["body_token_arguments"]);
    // Three exps: one left over.
    let three = Body::new()
        .cons("exp_apply_token")
        .cons("make_tok")
        .int(1)
        .stream(make_int(make_int(make_int(Body::new(), 1), 2), 3));
    let extra = capsule(vec![tokdecs(), tagdef(0, three)]);
    assert!(matches!(
        problems(&extra)[..],
        [ProblemKind::TokenArgs {
            error: None,
            left
        }] if left > 0
    ));
    // ~int is a variety token, applied as an exp.
    let wrong = Body::new()
        .cons("exp_apply_token")
        .cons("make_tok")
        .int(0)
        .int(0);
    let result = capsule(vec![tokdecs(), tagdef(0, wrong)]);
    assert_eq!(
        problems(&result),
        [ProblemKind::TokenResult {
            declared: super::SortRef::Sort(sort::VARIETY),
            applied: sort::EXP
        }]
    );
    assert_eq!(names(&result), ["body_token_result"]);
    // ~int declared again, as a shape token.
    let again = Body::new()
        .int(1)
        .cons("make_tokdec")
        .int(0)
        .bits(0, 1)
        .cons("shape");
    let redeclared = capsule(vec![tokdecs(), unit("tokdec", again.done())]);
    assert_eq!(
        problems(&redeclared),
        [ProblemKind::TokenRedeclared { id: 0 }]
    );
    assert_eq!(names(&redeclared), ["body_token_redeclared"]);
}

#[test]
fn unknown_tokens_keep_their_parameters_as_bits() {
    // No declaration of ~op: its parameters are skipped, not guessed, and written back.
    let e = Body::new()
        .cons("exp_apply_token")
        .cons("make_tok")
        .int(1)
        .stream(make_int(Body::new(), 9));
    let bytes = capsule(vec![tagdef(0, e)]);
    let (flat, d) = decode(&bytes);
    assert!(d.problems.is_empty());
    let args = d
        .nodes
        .iter()
        .position(|n| n.kind == NodeKind::Args)
        .unwrap();
    assert!(!d.nodes[args].decoded());
    assert_eq!(d.nodes[args].end as usize, args + 1);
    for u in &d.units {
        let body = flat.units[u.unit].body;
        assert_eq!(encode_unit(&d, u, body).unwrap(), body);
    }
}

#[test]
fn token_definitions_give_signatures() {
    // ~op defined with two formal exps, its body adding them; then applied.
    let def = Body::new()
        .cons("token_definition")
        .cons("exp")
        .list(2)
        .cons("make_tokformals")
        .cons("exp")
        .int(2)
        .cons("make_tokformals")
        .cons("exp")
        .int(3)
        .cons("plus")
        .cons("impossible")
        .cons("exp_apply_token")
        .cons("make_tok")
        .int(2)
        .int(0)
        .cons("exp_apply_token")
        .cons("make_tok")
        .int(3)
        .int(0);
    let tokdef = Body::new()
        .int(0)
        .int(1)
        .cons("make_tokdef")
        .int(1)
        .bits(0, 1)
        .stream(def);
    let mut tokdef = unit("tokdef", tokdef.done());
    tokdef.tokens = 4;
    let apply = Body::new()
        .cons("exp_apply_token")
        .cons("make_tok")
        .int(1)
        .stream(make_int(make_int(Body::new(), 1), 2));
    let bytes = capsule(vec![tokdecs(), tokdef, tagdef(0, apply)]);
    let (flat, d) = decode(&bytes);
    assert!(d.problems.is_empty(), "{:?}", d.problems);
    assert!(d.units.iter().all(|u| u.error.is_none()));
    let decoded_args = d
        .nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Args && n.decoded())
        .count();
    // ~op's application, its two make_ints' ~int, the two formals' applications.
    assert_eq!(decoded_args, 5);
    for u in &d.units {
        let body = flat.units[u.unit].body;
        assert_eq!(encode_unit(&d, u, body).unwrap(), body);
    }
}
