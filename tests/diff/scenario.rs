//! Random scenarios: capsule sets, libraries and `tld` command lines, reproducible from a
//! seed, written to a folder as the corpus lays out a case's inputs.
//!
//! Four kinds, as TenDRA's `tld` has four modes: link (`-ml`, 1–6 input capsules with
//! colliding names, 0–3 libraries, random link options), build (`-mc`), list (`-mt`) and
//! extract (`-mx`). Names come from a small pool, so that capsules collide; the pool has
//! names that need escaping on the command line (`x.y`), a non-ASCII name, a unique name,
//! and rarely names with a control character or a byte that is not UTF-8. Usage bits are
//! valid (§3.5) except, rarely, on purpose.

use std::fmt::Write as _;
use std::path::Path;

use tdf_core::ExtName;
use tdf_tests::fixtures;
use tdf_tests::rng::Rng;

/// Shapes, in the §2.6 sense; `al_tag` has no usage rules.
pub const SHAPES: [&str; 3] = ["tag", "token", "al_tag"];

/// External names, in the §8.4 text syntax that the fixtures read.
const NAMES: [&str; 11] = [
    "f", "g", "h", "t", "main", r"x\.y", "été", "[u.v]", "[u]", r"tab\x09", r"raw\xff",
];

/// How often each name is drawn (the odd ones rarely).
const NAME_WEIGHTS: [usize; 11] = [10, 10, 8, 8, 4, 3, 3, 2, 1, 1, 1];

/// A capsule: (shape, name, usage bits) in the order they are written, so that the
/// order of shapes and of names is part of the scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapsuleSpec {
    pub names: Vec<(usize, usize, u8)>,
    pub private_tags: u32,
    pub minor: u32,
}

impl CapsuleSpec {
    /// A random capsule; usage bits are valid unless `odd` (then rarely invalid).
    fn random(rng: &mut Rng, max_names: usize, odd: bool) -> CapsuleSpec {
        let mut names: Vec<(usize, usize, u8)> = Vec::new();
        for _ in 0..rng.range(1, max_names) {
            let shape = match rng.below(10) {
                0..=5 => 0,
                6..=8 => 1,
                _ => 2,
            };
            let name = weighted(rng, &NAME_WEIGHTS);
            if names.iter().any(|&(s, n, _)| s == shape && n == name) {
                continue;
            }
            names.push((shape, name, random_usage(rng, shape, odd)));
        }
        CapsuleSpec {
            names,
            private_tags: if rng.chance(1, 4) {
                rng.range(1, 2) as u32
            } else {
                0
            },
            minor: u32::from(rng.chance(1, 8)),
        }
    }

    /// The capsule file, written with the project's fixtures.
    pub fn bytes(&self) -> Vec<u8> {
        self.names
            .iter()
            .fold(fixtures::capsule(), |c, &(s, n, b)| {
                c.name_with_usage(SHAPES[s], NAMES[n], b)
            })
            .private_tags(self.private_tags)
            .version(4, self.minor)
            .build()
    }
}

fn weighted(rng: &mut Rng, weights: &[usize]) -> usize {
    let mut x = rng.below(weights.iter().sum());
    for (i, &w) in weights.iter().enumerate() {
        if x < w {
            return i;
        }
        x -= w;
    }
    unreachable!("x is below the sum of the weights")
}

/// Usage bits for a name of `shape`: valid by §3.5, except in about 1 case of 60 when
/// `odd`.
fn random_usage(rng: &mut Rng, shape: usize, odd: bool) -> u8 {
    const USED: u8 = 1;
    const DECD: u8 = 2;
    const DEFD: u8 = 4;
    const MULT: u8 = 8;
    let mut bits = match rng.below(10) {
        0..=2 => DECD | USED,
        3..=4 => DEFD | DECD,
        5 => DEFD | DECD | USED,
        6 => MULT | DECD,
        7 => DECD,
        8 => USED,
        _ => rng.below(16) as u8,
    };
    if odd && rng.chance(1, 60) {
        return bits; // possibly invalid on purpose
    }
    if shape == 1 {
        bits &= !MULT;
    } else if shape == 0 && bits & (DEFD | MULT) != 0 {
        bits |= DECD;
    }
    bits
}

/// Keeps the first unique definition (DEFD) of each name in these capsules; a later one
/// becomes a declaration and use.
fn unique_definitions<'c>(capsules: impl Iterator<Item = &'c mut CapsuleSpec>) {
    let mut seen = std::collections::HashSet::new();
    for c in capsules {
        for (s, n, b) in &mut c.names {
            if *b & 4 != 0 && !seen.insert((*s, *n)) {
                *b = (*b & !4) | 3;
            }
        }
    }
}

/// A library: its file stem and its members (stored name, capsule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibSpec {
    pub stem: String,
    pub members: Vec<(String, CapsuleSpec)>,
}

impl LibSpec {
    /// The path of the library file, relative to the scenario folder.
    pub fn path(&self) -> String {
        format!("libs/{}.tl", self.stem)
    }

    /// The library file, written with the project's fixtures (index as §4.2 says).
    pub fn bytes(&self) -> Vec<u8> {
        let members: Vec<(String, Vec<u8>)> = self
            .members
            .iter()
            .map(|(n, c)| (n.clone(), c.bytes()))
            .collect();
        let refs: Vec<(&str, &[u8])> = members.iter().map(|(n, b)| (n.as_str(), &b[..])).collect();
        fixtures::library(&refs)
    }
}

/// Member names: relative paths, some in a folder, one not ASCII.
const MEMBER_NAMES: [&str; 8] = [
    "A.j",
    "B.j",
    "sub/C.j",
    "sub/D.j",
    "E.j",
    "deep/er/F.j",
    "été.j",
    "G.j",
];

/// What the scenario runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Link,
    Build,
    List,
    Extract,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Link, Kind::Build, Kind::List, Kind::Extract];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Link => "link",
            Kind::Build => "build",
            Kind::List => "list",
            Kind::Extract => "extract",
        }
    }
}

/// One option of the command line (operands are built from the scenario).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opt {
    /// A switch: `-i`, `-a`, `-M`, `-w`, `-s`, `-t`, `-b`, `-m` (meaning by mode).
    Switch(&'static str),
    /// `-H SHAPE`, `-K SHAPE`, `-S SHAPE`.
    Shape(&'static str, usize),
    /// `-h SHAPE NAME`, `-k SHAPE NAME`, `-s SHAPE NAME`.
    ShapeName(&'static str, usize, usize),
    /// `-r SHAPE FROM TO`.
    Rename(usize, usize, usize),
}

/// How a link names a library: `-L libs -l STEM`, or the path (`-l libs/STEM.tl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LibRef {
    Searched,
    Path,
}

/// One scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    pub kind: Kind,
    /// Input capsules (`in0.j`, ...): link and build.
    pub inputs: Vec<CapsuleSpec>,
    /// Libraries (`libs/STEM.tl`); a list or extract scenario uses the first.
    pub libs: Vec<LibSpec>,
    /// How the link names each library (parallel to `libs`), or which libraries a build
    /// includes with `-i`.
    pub lib_refs: Vec<LibRef>,
    pub opts: Vec<Opt>,
    /// Extract: the names asked for (`None` with `-a`).
    pub extract: Option<Vec<String>>,
}

impl Scenario {
    /// Scenario number `index` of the run seeded with `seed`.
    pub fn generate(seed: u64, index: u64) -> Scenario {
        let mut rng = Rng::new(seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let kind = match rng.below(20) {
            0..=13 => Kind::Link,
            14..=15 => Kind::Build,
            16..=17 => Kind::List,
            _ => Kind::Extract,
        };
        let mut s = Scenario {
            kind,
            inputs: Vec::new(),
            libs: Vec::new(),
            lib_refs: Vec::new(),
            opts: Vec::new(),
            extract: None,
        };
        let libs = match kind {
            Kind::Link => {
                if rng.chance(1, 6) {
                    0
                } else {
                    rng.range(1, 3)
                }
            }
            Kind::Build => {
                if rng.chance(1, 4) {
                    1
                } else {
                    0
                }
            }
            Kind::List | Kind::Extract => 1,
        };
        for l in 0..libs {
            let mut members = Vec::new();
            let mut stored: Vec<&str> = MEMBER_NAMES.to_vec();
            rng.shuffle(&mut stored);
            for name in stored.into_iter().take(rng.range(1, 5)) {
                // Library members are valid: the fixture writer builds their index.
                let mut c = CapsuleSpec::random(&mut rng, 5, false);
                // A member mostly defines its first name and uses or declares the others,
                // so that loading one member needs another.
                if rng.chance(2, 3) {
                    for (i, (sh, _, b)) in c.names.iter_mut().enumerate() {
                        if i == 0 {
                            *b = if *sh == 0 && rng.chance(1, 5) { 10 } else { 6 };
                        } else if rng.chance(2, 3) {
                            *b = *rng.pick(&[1, 2, 3]);
                        }
                    }
                }
                members.push((name.to_owned(), c));
            }
            // Mostly libraries tld -mc would build: one unique definition per name.
            if rng.chance(9, 10) {
                unique_definitions(members.iter_mut().map(|m| &mut m.1));
            }
            s.libs.push(LibSpec {
                stem: format!("lib{l}"),
                members,
            });
            s.lib_refs.push(if rng.chance(1, 4) {
                LibRef::Path
            } else {
                LibRef::Searched
            });
        }
        // Mostly libraries that do not define a name twice between them either.
        if s.libs.len() > 1 && rng.chance(4, 5) {
            unique_definitions(
                s.libs
                    .iter_mut()
                    .flat_map(|l| l.members.iter_mut().map(|m| &mut m.1)),
            );
        }
        match kind {
            Kind::Link | Kind::Build => {
                for _ in 0..rng.range(1, 6) {
                    s.inputs.push(CapsuleSpec::random(&mut rng, 5, true));
                }
                // Mostly inputs that do not define a name twice.
                if rng.chance(3, 4) {
                    unique_definitions(s.inputs.iter_mut());
                }
            }
            Kind::List | Kind::Extract => {}
        }
        let present: Vec<(usize, usize)> = s
            .inputs
            .iter()
            .flat_map(|c| c.names.iter().map(|&(sh, n, _)| (sh, n)))
            .filter(|&(_, n)| command_line_pool().contains(&n))
            .collect();
        s.opts = random_options(&mut rng, kind, &present);
        if kind == Kind::Extract && !s.opts.contains(&Opt::Switch("-a")) {
            let members: Vec<String> = s.libs[0].members.iter().map(|m| m.0.clone()).collect();
            let mut names = Vec::new();
            for _ in 0..rng.range(1, 3) {
                let m = rng.pick(&members).clone();
                names.push(match rng.below(6) {
                    0 => "nosuch.j".to_owned(),
                    1 => m.rsplit('/').next().unwrap_or(&m).to_owned(),
                    _ => m,
                });
            }
            s.extract = Some(names);
        }
        s
    }

    /// The command-line words after `tld`.
    pub fn args(&self) -> Vec<String> {
        let mut words: Vec<String> = Vec::new();
        match self.kind {
            Kind::Link => {}
            Kind::Build => words.push("-mc".into()),
            Kind::List => words.push("-mt".into()),
            Kind::Extract => words.push("-mx".into()),
        }
        for o in &self.opts {
            match *o {
                Opt::Switch(w) => words.push(w.into()),
                Opt::Shape(w, s) => words.extend([w.into(), SHAPES[s].into()]),
                Opt::ShapeName(w, s, n) => {
                    words.extend([w.into(), SHAPES[s].into(), command_line_name(n)])
                }
                Opt::Rename(s, from, to) => words.extend([
                    "-r".into(),
                    SHAPES[s].into(),
                    command_line_name(from),
                    command_line_name(to),
                ]),
            }
        }
        match self.kind {
            Kind::Link => {
                words.extend(["-o".into(), "out.j".into()]);
                if self.lib_refs.contains(&LibRef::Searched) {
                    words.extend(["-L".into(), "libs".into()]);
                }
                for (lib, r) in self.libs.iter().zip(&self.lib_refs) {
                    match r {
                        LibRef::Searched => words.extend(["-l".into(), lib.stem.clone()]),
                        LibRef::Path => words.extend(["-l".into(), lib.path()]),
                    }
                }
                words.extend((0..self.inputs.len()).map(|i| format!("in{i}.j")));
            }
            Kind::Build => {
                words.extend(["-o".into(), "out.tl".into()]);
                for lib in &self.libs {
                    words.extend(["-i".into(), lib.path()]);
                }
                words.extend((0..self.inputs.len()).map(|i| format!("in{i}.j")));
            }
            Kind::List => words.push(self.libs[0].path()),
            Kind::Extract => {
                words.push(self.libs[0].path());
                words.extend(self.extract.iter().flatten().cloned());
            }
        }
        words
    }

    /// The command as the corpus's `cmd` file gives it: `tld` and shell-quoted words.
    pub fn cmd(&self) -> String {
        let mut s = String::from("tld");
        for w in self.args() {
            s.push(' ');
            if !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b))
            {
                s.push_str(&w);
            } else {
                let _ = write!(s, "'{}'", w.replace('\'', r"'\''"));
            }
        }
        s
    }

    /// Writes the inputs and libraries into `dir`.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        for (i, c) in self.inputs.iter().enumerate() {
            std::fs::write(dir.join(format!("in{i}.j")), c.bytes())?;
        }
        if !self.libs.is_empty() {
            std::fs::create_dir_all(dir.join("libs"))?;
        }
        for lib in &self.libs {
            std::fs::write(dir.join(lib.path()), lib.bytes())?;
        }
        Ok(())
    }

    /// The same scenario in another order: input capsules, names (and so shapes) within
    /// every capsule, and library members shuffled. Library order (the search order) and
    /// the options stay.
    pub fn permuted(&self, rng: &mut Rng) -> Scenario {
        let mut p = self.clone();
        rng.shuffle(&mut p.inputs);
        for lib in &mut p.libs {
            rng.shuffle(&mut lib.members);
        }
        for c in p.inputs.iter_mut().chain(
            p.libs
                .iter_mut()
                .flat_map(|l| l.members.iter_mut().map(|m| &mut m.1)),
        ) {
            rng.shuffle(&mut c.names);
        }
        p
    }

    /// Smaller scenarios, for minimising a disagreement: one input, library, member,
    /// option, extraction name or external name less.
    pub fn shrink(&self) -> Vec<Scenario> {
        let mut out = Vec::new();
        let inputs_needed = matches!(self.kind, Kind::Link | Kind::Build) as usize;
        if self.inputs.len() > inputs_needed {
            for i in 0..self.inputs.len() {
                let mut s = self.clone();
                s.inputs.remove(i);
                out.push(s);
            }
        }
        if matches!(self.kind, Kind::Link | Kind::Build) {
            for i in 0..self.libs.len() {
                let mut s = self.clone();
                s.libs.remove(i);
                s.lib_refs.remove(i);
                out.push(s);
            }
        }
        for l in 0..self.libs.len() {
            if self.libs[l].members.len() > 1 {
                for m in 0..self.libs[l].members.len() {
                    let mut s = self.clone();
                    s.libs[l].members.remove(m);
                    out.push(s);
                }
            }
        }
        for i in 0..self.opts.len() {
            let mut s = self.clone();
            s.opts.remove(i);
            if s.kind == Kind::Extract && self.opts[i] == Opt::Switch("-a") {
                continue;
            }
            out.push(s);
        }
        if let Some(names) = &self.extract {
            if names.len() > 1 {
                for i in 0..names.len() {
                    let mut s = self.clone();
                    s.extract.as_mut().expect("names").remove(i);
                    out.push(s);
                }
            }
        }
        let capsules = self.inputs.len();
        for c in 0..capsules + self.libs.iter().map(|l| l.members.len()).sum::<usize>() {
            let len = self.capsule(c).names.len();
            for n in 0..len {
                let mut s = self.clone();
                s.capsule_mut(c).names.remove(n);
                out.push(s);
            }
            if self.capsule(c).private_tags > 0 {
                let mut s = self.clone();
                s.capsule_mut(c).private_tags = 0;
                out.push(s);
            }
        }
        out
    }

    fn capsule(&self, mut c: usize) -> &CapsuleSpec {
        if c < self.inputs.len() {
            return &self.inputs[c];
        }
        c -= self.inputs.len();
        for lib in &self.libs {
            if c < lib.members.len() {
                return &lib.members[c].1;
            }
            c -= lib.members.len();
        }
        panic!("capsule out of range")
    }

    fn capsule_mut(&mut self, mut c: usize) -> &mut CapsuleSpec {
        if c < self.inputs.len() {
            return &mut self.inputs[c];
        }
        c -= self.inputs.len();
        for lib in &mut self.libs {
            if c < lib.members.len() {
                return &mut lib.members[c].1;
            }
            c -= lib.members.len();
        }
        panic!("capsule out of range")
    }

    /// A readable description, for reproducers.
    pub fn describe(&self) -> String {
        let mut s = String::new();
        let capsule = |c: &CapsuleSpec| {
            let names: Vec<String> = c
                .names
                .iter()
                .map(|&(sh, n, b)| format!("{} {} {b}", SHAPES[sh], NAMES[n]))
                .collect();
            format!(
                "[{}]{}{}",
                names.join(", "),
                if c.private_tags > 0 {
                    format!(" +{} private tags", c.private_tags)
                } else {
                    String::new()
                },
                if c.minor > 0 { " (TDF 4.1)" } else { "" }
            )
        };
        let _ = writeln!(s, "{}", self.cmd());
        for (i, c) in self.inputs.iter().enumerate() {
            let _ = writeln!(s, "in{i}.j: {}", capsule(c));
        }
        for lib in &self.libs {
            for (n, c) in &lib.members {
                let _ = writeln!(s, "{}({n}): {}", lib.path(), capsule(c));
            }
        }
        s
    }
}

/// A name as a command-line argument in the §8.4 syntax: `[ ] . \` escaped, other bytes
/// raw. Only names whose bytes are valid UTF-8 without control characters are drawn for
/// the command line (others would need `\xHH`, which TenDRA reads wrongly, B.4).
fn command_line_name(n: usize) -> String {
    let name = ExtName::parse(NAMES[n].as_bytes()).expect("pool names parse");
    let mut out = Vec::new();
    name.write_tendra(&mut out);
    String::from_utf8(out).expect("command-line names are UTF-8")
}

/// Names that may appear on the command line (valid UTF-8, no control characters, no
/// unique names: TenDRA rejects every unique there, B.3).
fn command_line_pool() -> Vec<usize> {
    (0..NAMES.len())
        .filter(|&n| !NAMES[n].contains(r"\x") && !NAMES[n].starts_with('['))
        .collect()
}

/// Options for a scenario of `kind`; `present` are the (shape, name) pairs of the input
/// capsules that may be named on the command line (hiding and keeping mostly name one).
fn random_options(rng: &mut Rng, kind: Kind, present: &[(usize, usize)]) -> Vec<Opt> {
    let pool = command_line_pool();
    let mut opts = Vec::new();
    let shape = |rng: &mut Rng| {
        if rng.chance(2, 3) {
            0
        } else {
            rng.below(SHAPES.len())
        }
    };
    let shape_name = |rng: &mut Rng, w: &'static str| {
        if !present.is_empty() && rng.chance(3, 4) {
            let &(s, n) = rng.pick(present);
            Opt::ShapeName(w, s, n)
        } else {
            Opt::ShapeName(w, shape(rng), *rng.pick(&pool))
        }
    };
    match kind {
        Kind::Link => {
            if rng.chance(1, 2) {
                opts.push(Opt::Switch("-i"));
            }
            if rng.chance(1, 10) {
                opts.push(Opt::Switch("-w"));
            }
            if rng.chance(1, 7) {
                opts.push(Opt::Switch("-M"));
            }
            if rng.chance(1, 10) {
                opts.push(Opt::Switch("-a"));
            }
            for _ in 0..rng.below(3) {
                let o = match rng.below(8) {
                    0 | 1 => Opt::ShapeName("-s", shape(rng), *rng.pick(&pool)),
                    2 => shape_name(rng, "-h"),
                    3 => shape_name(rng, "-k"),
                    4 => Opt::Shape(["-H", "-K", "-S"][rng.below(3)], shape(rng)),
                    _ => Opt::Rename(shape(rng), *rng.pick(&pool), *rng.pick(&pool)),
                };
                opts.push(o);
            }
        }
        Kind::Build => {
            if rng.chance(1, 6) {
                opts.push(Opt::Switch("-M"));
            }
            if rng.chance(1, 5) {
                opts.push(Opt::ShapeName("-s", shape(rng), *rng.pick(&pool)));
            }
            if rng.chance(1, 10) {
                opts.push(Opt::Shape("-S", shape(rng)));
            }
        }
        Kind::List => {
            for w in ["-i", "-s", "-t"] {
                if rng.chance(1, 2) {
                    opts.push(Opt::Switch(w));
                }
            }
        }
        Kind::Extract => {
            if rng.chance(1, 4) {
                opts.push(Opt::Switch("-a"));
            }
            for w in ["-b", "-m", "-i"] {
                if rng.chance(1, 4) {
                    opts.push(Opt::Switch(w));
                }
            }
        }
    }
    rng.shuffle(&mut opts);
    opts
}
