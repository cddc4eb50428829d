//! Test fixtures made with the project's own writer: small capsules shaped like TenDRA
//! producer output, and libraries of them.
//!
//! ```
//! use tdf_tests::fixtures;
//! let main = fixtures::capsule().define_tag("main").use_tag("helper").build();
//! let util = fixtures::capsule().define_tag("helper").build();
//! let lib = fixtures::library(&[("util.j", &util)]);
//! assert!(tdf_core::Library::read(&lib).is_ok());
//! # let _ = main;
//! ```
//!
//! Each defined tag gets a `tagdec` and a `tagdef` unit, each declared or used tag a
//! `tagdec` unit, each token definition a `tokdef` unit and each token use a `tokdec` unit;
//! every unit links unit-scope id 0 to the name's capsule id. The linker-information unit
//! carries the usage the C producer would write.

use std::borrow::Cow;

use indexmap::IndexMap;
use tdf_core::capsule::{Capsule, External, Group, Link, Shape, Unit};
use tdf_core::library::{IndexEntry, IndexShape, Library, Member};
use tdf_core::linkinfo::{merge_usage, write_tld_body, LinkInfoKind, Usage};
use tdf_core::ExtName;

/// The unit sets a fixture may use, in the built-in order.
const SETS: [&str; 5] = ["tld", "tokdec", "tokdef", "tagdec", "tagdef"];

/// Builds one capsule.
#[derive(Debug, Clone)]
pub struct CapsuleBuilder {
    major: u32,
    minor: u32,
    /// shape → names in order, with usage bits.
    names: IndexMap<&'static str, IndexMap<ExtName<'static>, Usage>>,
    private_tags: u32,
    body_size: usize,
}

/// A new, empty capsule builder (TDF 4.0).
pub fn capsule() -> CapsuleBuilder {
    CapsuleBuilder {
        major: 4,
        minor: 0,
        names: IndexMap::new(),
        private_tags: 0,
        body_size: 0,
    }
}

/// A unit body: `text`, padded to `size` bytes with deterministic filler.
fn body(text: String, size: usize) -> Vec<u8> {
    let mut b = text.into_bytes();
    let mut x = b.len() as u32 ^ 0x9E37_79B9;
    while b.len() < size {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b.push((x >> 24) as u8);
    }
    b
}

fn name(s: &str) -> ExtName<'static> {
    ExtName::parse(s.as_bytes())
        .unwrap_or_else(|_| ExtName::String(Cow::Owned(s.as_bytes().to_vec())))
}

impl CapsuleBuilder {
    fn add(mut self, shape: &'static str, n: &str, u: Usage) -> Self {
        *self
            .names
            .entry(shape)
            .or_default()
            .entry(name(n))
            .or_default() |= u;
        self
    }

    /// A tag defined (and declared) here. `n` uses the §8.4 text syntax (`[a.b]` is unique).
    pub fn define_tag(self, n: &str) -> Self {
        self.add("tag", n, Usage::DEFD | Usage::DECD)
    }

    /// A tag declared and used here but defined elsewhere.
    pub fn use_tag(self, n: &str) -> Self {
        self.add("tag", n, Usage::DECD | Usage::USED)
    }

    /// A tag with a common (non-unique) definition, like a C tentative definition.
    pub fn common_tag(self, n: &str) -> Self {
        self.add("tag", n, Usage::MULT | Usage::DECD)
    }

    /// A token defined here.
    pub fn define_token(self, n: &str) -> Self {
        self.add("token", n, Usage::DEFD | Usage::DECD)
    }

    /// A token used here but defined elsewhere.
    pub fn use_token(self, n: &str) -> Self {
        self.add("token", n, Usage::DECD | Usage::USED)
    }

    /// A name of any shape with explicit usage bits (0..15).
    pub fn name_with_usage(self, shape: &'static str, n: &str, bits: u8) -> Self {
        self.add(
            shape,
            n,
            Usage::from_bits(bits.into()).expect("usage bits 0..15"),
        )
    }

    /// Adds `n` capsule-private tags (ids bound to no external name), each with a unit.
    pub fn private_tags(mut self, n: u32) -> Self {
        self.private_tags += n;
        self
    }

    /// Pads every unit body to at least `n` bytes (deterministic content).
    pub fn body_size(mut self, n: usize) -> Self {
        self.body_size = n;
        self
    }

    /// Sets the version.
    pub fn version(mut self, major: u32, minor: u32) -> Self {
        self.major = major;
        self.minor = minor;
        self
    }

    /// The capsule model.
    pub fn model(&self) -> Capsule<'static> {
        let mut shapes: Vec<Shape<'static>> = Vec::new();
        for (shape, names) in &self.names {
            let externs = names
                .iter()
                .enumerate()
                .map(|(i, (n, &u))| External {
                    id: i as u32,
                    name: n.clone(),
                    usage: u,
                    offset: 0,
                })
                .collect::<Vec<_>>();
            let private = if *shape == "tag" {
                self.private_tags
            } else {
                0
            };
            shapes.push(Shape {
                name: Cow::Owned(shape.as_bytes().to_vec()),
                num_ids: externs.len() as u32 + private,
                externs,
            });
        }
        if self.private_tags > 0 && !self.names.contains_key("tag") {
            shapes.push(Shape {
                name: Cow::Borrowed(b"tag"),
                num_ids: self.private_tags,
                externs: Vec::new(),
            });
        }
        let nshapes = shapes.len();
        let unit = |shape_idx: usize, id: u32, body: Vec<u8>| {
            let mut counts = vec![0; nshapes];
            let mut links = vec![Vec::new(); nshapes];
            counts[shape_idx] = 1;
            links[shape_idx].push(Link {
                internal: 0,
                external: id,
            });
            Unit {
                counts,
                links,
                body: Cow::Owned(body),
            }
        };
        let mut groups: IndexMap<&str, Vec<Unit<'static>>> =
            SETS.iter().map(|s| (*s, Vec::new())).collect();
        for (si, shape) in shapes.iter().enumerate() {
            let (dec, def) = match &*shape.name {
                b"token" => ("tokdec", "tokdef"),
                _ => ("tagdec", "tagdef"),
            };
            for e in &shape.externs {
                let text = e.name.to_text();
                if e.usage.intersects(Usage::DECD | Usage::USED) {
                    groups[dec].push(unit(
                        si,
                        e.id,
                        body(format!("dec {text}"), self.body_size / 4),
                    ));
                }
                if e.usage.is_defined() {
                    groups[def].push(unit(si, e.id, body(format!("def {text}"), self.body_size)));
                }
            }
            if &*shape.name == b"tag" {
                for p in shape.externs.len() as u32..shape.num_ids {
                    groups["tagdef"].push(unit(
                        si,
                        p,
                        body(format!("private {p}"), self.body_size),
                    ));
                }
            }
        }
        let usages = write_tld_body(
            shapes
                .iter()
                .flat_map(|s| s.externs.iter().map(|e| e.usage)),
        );
        groups["tld"].push(Unit {
            counts: Vec::new(),
            links: Vec::new(),
            body: Cow::Owned(usages),
        });
        Capsule {
            major: self.major,
            minor: self.minor,
            shapes,
            groups: groups
                .into_iter()
                .filter(|(_, units)| !units.is_empty())
                .map(|(n, units)| Group {
                    name: Cow::Owned(n.as_bytes().to_vec()),
                    units,
                })
                .collect(),
            linkinfo: LinkInfoKind::Tld(1),
            warnings: Vec::new(),
            aligned_idents: false,
        }
    }

    /// The encoded capsule.
    pub fn build(&self) -> Vec<u8> {
        self.model().to_bytes()
    }
}

/// Capsule `i` of a generated chain of `n` (used by `gen-capsules` and `demo`): it defines
/// the tags `f_i`, `d_i` and the token `tk_i`, has one private tag, and uses `f_{i+1}` and
/// `tk_{i+1}` (a chain through all `n`, so that linking [`chain_main`] against a library
/// of them pulls in every member) and `d_j` for a scattered `j = 7i + 3 mod n`. About 440
/// bytes, like the C producer's output for a small function.
pub fn chain_capsule(i: usize, n: usize) -> CapsuleBuilder {
    let mut c = capsule()
        .define_tag(&format!("f_{i}"))
        .define_tag(&format!("d_{i}"))
        .define_token(&format!("tk_{i}"))
        .private_tags(1)
        .body_size(48);
    if i + 1 < n {
        c = c
            .use_tag(&format!("f_{}", i + 1))
            .use_token(&format!("tk_{}", i + 1));
    }
    let scattered = (7 * i + 3) % n.max(1);
    if scattered != i {
        c = c.use_tag(&format!("d_{scattered}"));
    }
    c
}

/// The main capsule of a chain of `n`: defines `main` and uses the chain's first names.
pub fn chain_main(n: usize) -> CapsuleBuilder {
    let main = capsule().define_tag("main").body_size(48);
    if n == 0 {
        return main;
    }
    main.use_tag("f_0").use_tag("d_0").use_token("tk_0")
}

/// A library of these members (stored name, capsule bytes), with the index §4.2
/// prescribes: every name with a single definition, usage merged over all members.
pub fn library(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut major = 4;
    let mut minor = 0;
    // shape → name → (usage, defining member)
    type Names = IndexMap<ExtName<'static>, (Usage, Option<u32>)>;
    let mut index: IndexMap<Vec<u8>, Names> = IndexMap::new();
    for (i, (_, bytes)) in members.iter().enumerate() {
        let c = Capsule::read(bytes).expect("fixture members are valid capsules");
        major = c.major;
        minor = minor.max(c.minor);
        for s in &c.shapes {
            let names = index.entry(s.name.to_vec()).or_default();
            for e in &s.externs {
                let (acc, def) = names.entry(e.name.clone().into_owned()).or_default();
                merge_usage(acc, def, e.usage, i as u32);
            }
        }
    }
    let index = index
        .into_iter()
        .map(|(shape, names)| IndexShape {
            name: Cow::Owned(shape),
            entries: names
                .into_iter()
                .filter_map(|(n, (usage, def))| {
                    def.map(|capsule| IndexEntry {
                        name: n,
                        usage,
                        capsule,
                        offset: 0,
                    })
                })
                .collect(),
        })
        .filter(|s| !s.entries.is_empty())
        .collect();
    Library {
        major,
        minor,
        members: members
            .iter()
            .map(|(n, b)| Member {
                name: Cow::Owned(n.as_bytes().to_vec()),
                data: Cow::Owned(b.to_vec()),
                offset: 0,
            })
            .collect(),
        index,
    }
    .to_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures_read_back() {
        let bytes = capsule()
            .define_tag("main")
            .use_tag("helper")
            .define_token("tk")
            .use_token("[a.b]")
            .common_tag("c")
            .private_tags(2)
            .build();
        let c = Capsule::read(&bytes).unwrap();
        assert_eq!(c.to_bytes(), bytes);
        assert_eq!(c.shapes.len(), 2);
        assert_eq!(&*c.shapes[0].name, b"tag");
        assert_eq!(c.shapes[0].num_ids, 5);
        assert!(c.shapes[1].externs[1].name.is_unique());
        let lib = library(&[("m.j", &bytes)]);
        let l = Library::read(&lib).unwrap();
        let defined: Vec<String> = l
            .index
            .iter()
            .flat_map(|s| s.entries.iter().map(|e| e.name.to_text()))
            .collect();
        assert_eq!(defined, ["main", "c", "tk"]);
    }
}
