//! TenDRA's TDF notation, exactly as `tnc -p` prints a capsule.
//!
//! `tnc` does not print a capsule in file order: it reads it into tables of tokens,
//! alignment tags and tags (each with its declaration and definitions), and prints the
//! tables sorted by name, in six sections. Objects without an external name get made-up
//! names (`~~tag_4`, `~~token_10`, `~~alignment_0`, `~~label_3`, `~~extern_0` for
//! external names that are not plain identifiers) numbered by one counter per kind, in
//! the order `tnc` creates them, which this module follows step by step:
//!
//! 1. every external name of every shape, in capsule order, creates an object (two
//!    names spelled the same share one);
//! 2. every capsule-scope identifier without an external name gets a made-up object,
//!    shape by shape, in identifier order;
//! 3. every unit, in capsule order, does the same for its unit-scope identifiers that
//!    are not linked to capsule ones; the units of the `tokdef` set are read twice (once
//!    for the tokens' sorts, once for the definitions), so their unlinked identifiers
//!    get two objects each, and the first ones show up when they were given a sort;
//!    every `use_tokdef` creates a token when it is read;
//! 4. labels are numbered across the whole capsule, unit by unit, in both readings of
//!    `tokdef` units.
//!
//! Where `tnc` stops at an input error it prints the tables as they are and the line
//! `# TERMINATED ON INPUT ERROR`; so does this module.
//!
//! The tables borrow the decoded tree ([`tdf_core::decode::Decoded`]): declarations and
//! definitions are kept as node indices and printed at the end.

use std::borrow::Cow;
use std::io::{self, Write};

use tdf_core::capsule::FlatCapsule;
use tdf_core::decode::table::{cons, sort, Denotes, SortId};
use tdf_core::decode::tree::{self, children, Node, NodeKind, LABEL};
use tdf_core::decode::{Decoded, UnitTree};
use tdf_core::hash::{FastHashMap, FastHashSet};
use tdf_core::ExtName;

/// Why the tables stopped filling (tnc's fatal input errors).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// The capsule's version is not 4.0 or 4.1.
    Version,
    /// The decoder stopped inside a unit body.
    Decode,
    /// An identifier or label number beyond its table.
    Range,
    /// A token applied as another sort than it has, or with parameters that do not
    /// match it.
    Token,
    /// A tag defined but not declared.
    Undeclared,
    /// A made-up name clashes with an external name.
    NameClash,
    /// A token with a high-level result sort, or a high-level token application.
    HighLevel,
    /// More identifiers than the capsule could use.
    TooMany,
}

impl Stop {
    /// Why, in words, for a diagnostic.
    pub fn reason(&self) -> &'static str {
        match self {
            Stop::Version => "its TDF version is not 4.0 or 4.1",
            Stop::Decode => "a unit body does not decode",
            Stop::Range => "an identifier or label is outside its unit's counts",
            Stop::Token => "a token is applied with another sort or other parameters than it has",
            Stop::Undeclared => "a tag is defined but not declared",
            Stop::NameClash => "an external name is spelled like a name tnc makes up",
            Stop::HighLevel => "a token has a high-level result sort",
            Stop::TooMany => "it declares far more identifiers than it could use",
        }
    }
}

/// What `tnc -p` prints for a capsule it cannot read at all: the empty tables and the
/// termination line.
pub fn print_unreadable(out: &mut dyn Write) -> io::Result<()> {
    for section in [
        "TOKEN DECLARATIONS",
        "ALIGNMENT TAG DECLARATIONS",
        "TAG DECLARATIONS",
        "TOKEN DEFINITIONS",
        "ALIGNMENT TAG DEFINITIONS",
        "TAG DEFINITIONS",
    ] {
        write!(out, "# {section}\n\n\n")?;
    }
    out.write_all(b"# TERMINATED ON INPUT ERROR\n")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Var {
    Tag,
    Token,
    AlTag,
    Other,
}

impl Var {
    fn of_shape(name: &[u8]) -> Var {
        match name {
            b"tag" => Var::Tag,
            b"token" => Var::Token,
            b"alignment" => Var::AlTag,
            _ => Var::Other,
        }
    }

    fn counter(self) -> usize {
        match self {
            Var::Tag => 0,
            Var::Token => 1,
            Var::AlTag => 2,
            Var::Other => 3,
        }
    }
}

/// A sort as tnc keeps it for tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TSort {
    Unknown,
    /// TOKEN, not expanded (a `make_tokdec` sortname before its parts are read).
    Token,
    Basic(SortId),
    /// A high-level sort, by index in the high-level sort list.
    High(usize),
}

#[derive(Clone, Debug)]
enum Ename {
    /// The external name is the object's name.
    Plain,
    /// A string name that is not an identifier.
    Str(Vec<u8>),
    /// A unique name.
    Unique(Vec<Vec<u8>>),
}

/// Something to print: sibling nodes read in one context.
#[derive(Clone, Debug)]
struct Printable {
    ctx: u32,
    nodes: Vec<u32>,
}

/// An object's name: given (an external name, or tnc's name for an external name that
/// is not an identifier), or made up from a prefix and a number when it is needed (most
/// made-up objects are never printed, so their names are not kept).
#[derive(Clone, Debug)]
enum Name {
    Given(Box<[u8]>),
    /// `~~PREFIX_N`, the prefix a capsule shape's name (by index) or, for
    /// [`TOKEN_PREFIX`], `token`.
    Made {
        prefix: u16,
        n: u64,
    },
}

/// The prefix of the tokens `use_tokdef` makes.
const TOKEN_PREFIX: u16 = u16::MAX;

/// A token, tag, alignment tag or other object of tnc's tables.
#[derive(Clone, Debug)]
struct Obj {
    var: Var,
    name: Name,
    /// Its external name, an index into `enames` (`u32::MAX`: local).
    ename: u32,
    /// What is known of it, an index into `infos` (`u32::MAX`: nothing yet).
    info: u32,
}

/// What tnc records about an object.
#[derive(Clone, Debug)]
struct Info {
    // Tags.
    tag_var: u8,
    tag_dec: Option<Printable>,
    tag_defs: Vec<Printable>,
    // Tokens.
    dec: bool,
    res: TSort,
    args: Option<Vec<TSort>>,
    sig: Option<Printable>,
    def: Option<Printable>,
    pars: Option<Vec<u32>>,
    // Alignment tags.
    al_def: Option<Printable>,
}

/// The record of an object nothing is known of.
static NO_INFO: Info = Info {
    tag_var: 3,
    tag_dec: None,
    tag_defs: Vec::new(),
    dec: false,
    res: TSort::Unknown,
    args: None,
    sig: None,
    def: None,
    pars: None,
    al_def: None,
};

#[derive(Clone, Debug)]
struct HighSort {
    name: String,
    visible: bool,
    res: TSort,
    args: Vec<TSort>,
}

/// How a token application was read.
#[derive(Clone, Copy, Debug)]
enum App {
    /// By the token's sort: the parameters (if any) are the decoded ones.
    Known,
    /// The token's sort was unknown: parameters read as far as tnc reads them for
    /// its few diagnostic tokens (`x` an EXP, `$` a TDFSTRING, `F` unknown).
    Unknown(&'static str),
}

/// The reading context of a unit: its identifier tables and first label number.
#[derive(Clone, Debug)]
struct Ctx {
    unit: u32,
    /// Per capsule shape, the objects of the identifiers; `None`: the capsule's.
    bind: Option<Vec<Vec<u32>>>,
    label_base: u64,
    labels: u32,
}

/// tnc's tables for one capsule.
pub struct TncView<'d, 'a> {
    decoded: &'d Decoded,
    capsule: &'d FlatCapsule<'a>,
    vars: Vec<Var>,
    objs: Vec<Obj>,
    enames: Vec<Ename>,
    infos: Vec<Info>,
    counters: [i64; 4],
    /// Objects in the name tables, per [`Var::counter`] (`Other` is never printed).
    names: [FastHashMap<Vec<u8>, u32>; 4],
    cap_bind: Vec<Vec<u32>>,
    ctxs: Vec<Ctx>,
    label_count: u64,
    high: Vec<HighSort>,
    made_up_sorts: u32,
    extern_count: u32,
    /// `use_tokdef` token nodes and their objects.
    use_tokdefs: FastHashMap<u32, u32>,
    /// Token application nodes and how they were read.
    apps: FastHashMap<u32, App>,
    /// Nodes open when the decoder stopped (tnc reads up to there and stops).
    error_path: FastHashSet<u32>,
    budget: u64,
    /// Why the tables stopped filling, if they did.
    pub stop: Option<Stop>,
}

type Step = Result<(), Stop>;

/// Characters tnc accepts in a name used as is.
fn alpha(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b'~' || c == b'.'
}

fn alphanum(c: u8) -> bool {
    alpha(c) || c.is_ascii_digit()
}

/// A name as C sees it: up to the first NUL.
fn c_name(n: &[u8]) -> &[u8] {
    match n.iter().position(|&b| b == 0) {
        Some(i) => &n[..i],
        None => n,
    }
}

/// tnc's names for local declarations start with its local prefix, "<none>" by default.
fn is_local_name(n: &[u8]) -> bool {
    c_name(n).starts_with(b"<none>")
}

impl<'d, 'a> TncView<'d, 'a> {
    /// Fills tnc's tables from a decoded capsule. `limit` bounds the number of objects
    /// (made-up names included) created.
    pub fn build(capsule: &'d FlatCapsule<'a>, decoded: &'d Decoded, limit: u64) -> Self {
        let mut v = TncView {
            decoded,
            capsule,
            vars: capsule
                .shapes
                .iter()
                .map(|s| Var::of_shape(s.name))
                .collect(),
            objs: Vec::new(),
            enames: Vec::new(),
            infos: Vec::new(),
            counters: [0; 4],
            names: Default::default(),
            cap_bind: Vec::new(),
            ctxs: Vec::new(),
            label_count: 0,
            high: Vec::new(),
            made_up_sorts: 0,
            extern_count: 0,
            use_tokdefs: FastHashMap::default(),
            apps: FastHashMap::default(),
            error_path: FastHashSet::default(),
            budget: limit,
            stop: None,
        };
        if let Err(stop) = v.run() {
            v.stop = Some(stop);
        }
        v
    }

    fn run(&mut self) -> Step {
        let c = self.capsule;
        if c.major != 4 || c.minor > 1 {
            return Err(Stop::Version);
        }
        for u in &self.decoded.units {
            self.error_path.extend(u.path.iter().copied());
        }
        // External names.
        self.cap_bind = vec![Vec::new(); c.shapes.len()];
        let mut total: u64 = 0;
        for s in &c.shapes {
            total += u64::from(s.num_ids);
        }
        self.spend(total)?;
        for (i, s) in c.shapes.iter().enumerate() {
            self.cap_bind[i] = vec![u32::MAX; s.num_ids as usize];
        }
        for (i, s) in c.shapes.iter().enumerate() {
            let var = self.vars[i];
            for e in c.externs_of(s) {
                let (name, ename) = match &e.name {
                    ExtName::String(bytes) => {
                        let ok = bytes.first().is_some_and(|&b| alpha(b))
                            && bytes[1..].iter().all(|&b| alphanum(b));
                        let local = is_local_name(bytes);
                        if ok {
                            let ename = if local { None } else { Some(Ename::Plain) };
                            (bytes.to_vec(), ename)
                        } else {
                            let n = format!("~~extern_{}", self.extern_count).into_bytes();
                            self.extern_count += 1;
                            let ename = if local {
                                None
                            } else {
                                Some(Ename::Str(bytes.to_vec()))
                            };
                            (n, ename)
                        }
                    }
                    ExtName::Unique(parts) => {
                        let n = format!("~~extern_{}", self.extern_count).into_bytes();
                        self.extern_count += 1;
                        let parts = parts.iter().map(|p| p.to_vec()).collect();
                        (n, Some(Ename::Unique(parts)))
                    }
                };
                let id = self.new_obj(var, name, ename, true)?;
                if let Some(slot) = self.cap_bind[i].get_mut(e.id as usize) {
                    *slot = id;
                }
            }
        }
        // Capsule-scope identifiers without external names.
        let mut bind = std::mem::take(&mut self.cap_bind);
        let res = self.complete(&mut bind);
        self.cap_bind = bind;
        res?;
        // The units.
        for (gi, g) in c.groups.iter().enumerate() {
            let units: Vec<usize> = self
                .decoded
                .units
                .iter()
                .enumerate()
                .filter(|(_, u)| u.group == gi)
                .map(|(k, _)| k)
                .collect();
            let kind = g.name;
            if kind == b"tokdef" {
                for &k in &units {
                    self.unit(k, kind, true)?;
                }
            }
            for &k in &units {
                self.unit(k, kind, false)?;
            }
        }
        if c.cut.is_some() {
            // tnc reads on, and meets the end of the file.
            return Err(Stop::Decode);
        }
        Ok(())
    }

    fn spend(&mut self, n: u64) -> Step {
        match self.budget.checked_sub(n) {
            Some(b) => {
                self.budget = b;
                Ok(())
            }
            None => Err(Stop::TooMany),
        }
    }

    /// Creates an object with an external name and enters it in its name table; an
    /// existing object of the same name is returned instead.
    fn new_obj(
        &mut self,
        var: Var,
        name: Vec<u8>,
        ename: Option<Ename>,
        merge: bool,
    ) -> Result<u32, Stop> {
        let k = var.counter();
        self.counters[k] += 1;
        let key = c_name(&name).to_vec();
        if let Some(&existing) = self.names[k].get(&key) {
            if merge {
                self.counters[k] -= 1;
                return Ok(existing);
            }
            return Err(Stop::NameClash);
        }
        let id = self.objs.len() as u32;
        let ename = match ename {
            Some(e) => {
                self.enames.push(e);
                (self.enames.len() - 1) as u32
            }
            None => u32::MAX,
        };
        self.objs.push(Obj {
            var,
            name: Name::Given(name.into_boxed_slice()),
            ename,
            info: u32::MAX,
        });
        self.names[k].insert(key, id);
        Ok(id)
    }

    /// Creates an object with a made-up name, `~~PREFIX_N` with N its kind's count
    /// (a name of the name table spelled the same is an error).
    fn made_up(&mut self, var: Var, prefix: u16) -> Result<u32, Stop> {
        let k = var.counter();
        let n = self.counters[k] as u64;
        self.counters[k] += 1;
        let name = Name::Made { prefix, n };
        if !self.names[k].is_empty() && self.names[k].contains_key(&self.spell(&name)[..]) {
            return Err(Stop::NameClash);
        }
        self.objs.push(Obj {
            var,
            name,
            ename: u32::MAX,
            info: u32::MAX,
        });
        Ok((self.objs.len() - 1) as u32)
    }

    /// The name of object `o`, as tnc prints it.
    fn obj_name(&self, o: u32) -> Cow<'_, [u8]> {
        match &self.objs[o as usize].name {
            Name::Given(b) => Cow::Borrowed(c_name(b)),
            made => Cow::Owned(self.spell(made)),
        }
    }

    fn spell(&self, name: &Name) -> Vec<u8> {
        match name {
            Name::Given(b) => c_name(b).to_vec(),
            Name::Made { prefix, n } => {
                let prefix = match *prefix {
                    TOKEN_PREFIX => Cow::Borrowed("token"),
                    s => String::from_utf8_lossy(c_name(self.capsule.shapes[s as usize].name)),
                };
                format!("~~{prefix}_{n}").into_bytes()
            }
        }
    }

    /// What is known of object `o`.
    fn info(&self, o: u32) -> &Info {
        match self.objs[o as usize].info {
            u32::MAX => &NO_INFO,
            i => &self.infos[i as usize],
        }
    }

    /// What is known of object `o`, to change it.
    fn info_mut(&mut self, o: u32) -> &mut Info {
        let obj = &mut self.objs[o as usize];
        if obj.info == u32::MAX {
            obj.info = self.infos.len() as u32;
            self.infos.push(NO_INFO.clone());
        }
        &mut self.infos[obj.info as usize]
    }

    /// Gives every unbound identifier of `bind` a made-up object.
    fn complete(&mut self, bind: &mut [Vec<u32>]) -> Step {
        for (v, table) in bind.iter_mut().enumerate() {
            let var = self.vars[v];
            for slot in table.iter_mut() {
                if *slot == u32::MAX {
                    *slot = self.made_up(var, v as u16)?;
                }
            }
        }
        Ok(())
    }

    /// Reads unit `k` (an index into the decoded units) of unit set `kind`, in the
    /// first (`skim`) or the main reading.
    fn unit(&mut self, k: usize, kind: &[u8], skim: bool) -> Step {
        let d = self.decoded;
        let u: &UnitTree = &d.units[k];
        let fu = &self.capsule.units[u.unit];
        let shapes = self.capsule.shapes_of(fu);
        let bind = if shapes.is_empty() {
            None
        } else {
            let total: u64 = shapes.iter().map(|s| u64::from(s.count)).sum();
            self.spend(total)?;
            let mut bind: Vec<Vec<u32>> = shapes
                .iter()
                .map(|s| vec![u32::MAX; s.count as usize])
                .collect();
            for (v, us) in shapes.iter().enumerate() {
                for l in self.capsule.links_of(us) {
                    let outer = self.cap_bind[v].get(l.external as usize).copied();
                    let Some(outer) = outer else {
                        return Err(Stop::Range);
                    };
                    match bind[v].get_mut(l.internal as usize) {
                        Some(slot) if *slot == u32::MAX => *slot = outer,
                        _ => return Err(Stop::Range),
                    }
                }
            }
            self.complete(&mut bind)?;
            Some(bind)
        };
        let ctx = self.ctxs.len() as u32;
        self.ctxs.push(Ctx {
            unit: k as u32,
            bind,
            label_base: self.label_count,
            labels: 0,
        });
        let root = u.root as usize;
        let nodes = &d.nodes;
        let reads = matches!(
            kind,
            b"aldef" | b"tagdec" | b"tagdef" | b"tokdec" | b"tokdef" | b"versions"
        );
        if !reads {
            return Ok(());
        }
        if u.root == u.end {
            return match u.error {
                Some(_) => Err(Stop::Decode),
                None => Ok(()),
            };
        }
        // The root is make_xxx(no_labels?, list).
        let mut parts = children(nodes, root);
        if kind != b"tokdec" && kind != b"versions" {
            let Some(l) = parts.next() else {
                return Err(Stop::Decode);
            };
            if nodes[l].kind == NodeKind::Labels {
                self.ctxs[ctx as usize].labels = nodes[l].value;
                self.ctxs[ctx as usize].label_base = self.label_count;
                self.label_count += u64::from(nodes[l].value);
                self.spend(u64::from(nodes[l].value))?;
            }
        }
        let Some(list) = parts.next() else {
            return Err(Stop::Decode);
        };
        for item in children(nodes, list) {
            match kind {
                b"tokdec" => self.tokdec(ctx, item)?,
                b"tokdef" => self.tokdef(ctx, item, skim)?,
                b"tagdec" => self.tagdec(ctx, item)?,
                b"tagdef" => self.tagdef(ctx, item)?,
                b"aldef" => self.aldef(ctx, item)?,
                _ => self.version(ctx, item)?,
            }
        }
        if u.error.is_some() && !(skim && self.error_in_skipped_body(u)) {
            return Err(Stop::Decode);
        }
        Ok(())
    }

    /// The object of identifier `id` of shape var `var` in context `ctx`.
    fn binding(&self, ctx: u32, var: Var, id: u32) -> Result<u32, Stop> {
        let Some(v) = self.vars.iter().position(|&x| x == var) else {
            return Err(Stop::Range);
        };
        let c = &self.ctxs[ctx as usize];
        let table = match &c.bind {
            Some(b) => &b[v],
            None => &self.cap_bind[v],
        };
        table.get(id as usize).copied().ok_or(Stop::Range)
    }

    fn entity_var(e: SortId) -> Var {
        match e {
            sort::TAG => Var::Tag,
            sort::TOKEN => Var::Token,
            sort::AL_TAG => Var::AlTag,
            _ => Var::Other,
        }
    }

    /// The children of node `i`, by index.
    fn kids(&self, i: usize) -> Vec<usize> {
        children(&self.decoded.nodes, i).collect()
    }

    fn printable(&self, ctx: u32, nodes: &[usize]) -> Printable {
        Printable {
            ctx,
            nodes: nodes.iter().map(|&n| n as u32).collect(),
        }
    }

    /// Fails when node `i` is one the decoder did not finish.
    fn finished(&self, i: usize) -> Step {
        if self.error_path.contains(&(i as u32)) {
            Err(Stop::Decode)
        } else {
            Ok(())
        }
    }

    fn tokdec(&mut self, ctx: u32, item: usize) -> Step {
        let k = self.kids(item);
        let [id, sig, sortname] = k[..] else {
            return Err(Stop::Decode);
        };
        let p = self.binding(ctx, Var::Token, self.decoded.nodes[id].value)?;
        self.walk(ctx, sig)?;
        self.finished(sig)?;
        let mut rs = self.de_sortname(sortname, false)?;
        let mut args = None;
        if rs == TSort::Token {
            let parts = self.kids(sortname);
            let [result, list] = parts[..] else {
                return Err(Stop::Decode);
            };
            rs = self.de_sortname(result, true)?;
            let items = self.kids(list);
            if !items.is_empty() {
                let mut a = Vec::new();
                for i in items {
                    a.push(self.de_sortname(i, true)?);
                }
                args = Some(a);
            }
        }
        self.finished(item)?;
        if matches!(rs, TSort::High(_)) {
            return Err(Stop::HighLevel);
        }
        let sig = self.printable(ctx, &[sig]);
        let o = self.info_mut(p);
        o.res = rs;
        o.args = args;
        o.sig = Some(sig);
        o.dec = true;
        Ok(())
    }

    fn tokdef(&mut self, ctx: u32, item: usize, skim: bool) -> Step {
        let k = self.kids(item);
        let [id, sig, body] = k[..] else {
            return Err(Stop::Decode);
        };
        let p = self.binding(ctx, Var::Token, self.decoded.nodes[id].value)?;
        self.walk(ctx, sig)?;
        self.finished(sig)?;
        let sig = self.printable(ctx, &[sig]);
        self.token_defn(ctx, p, Some(sig), body, skim)?;
        if skim {
            // The first reading skips the bodies: an error inside one is not met.
            return Ok(());
        }
        self.finished(item)
    }

    /// True when unit `u` stopped inside the body of a token definition (which the
    /// first reading of a `tokdef` unit skips).
    fn error_in_skipped_body(&self, u: &UnitTree) -> bool {
        let nodes = &self.decoded.nodes;
        u.path.iter().any(|&i| {
            let n = nodes[i as usize];
            n.kind == NodeKind::TokBody && !u.path.contains(&(i + 1))
        })
    }

    /// A token definition (`make_tokdef` or `use_tokdef`) of token `p`.
    fn token_defn(
        &mut self,
        ctx: u32,
        p: u32,
        sig: Option<Printable>,
        tokbody: usize,
        skim: bool,
    ) -> Step {
        let nodes = &self.decoded.nodes;
        if nodes[tokbody].kind != NodeKind::TokBody || nodes[tokbody].end as usize == tokbody + 1 {
            return Err(Stop::Decode);
        }
        let defn = tokbody + 1;
        let parts = self.kids(defn);
        let [result, formals] = parts[..] else {
            return Err(Stop::Decode);
        };
        let rs = self.de_sortname(result, true)?;
        let mut args = Vec::new();
        let mut pars = Vec::new();
        for f in self.kids(formals) {
            let fk = self.kids(f);
            let [sn, pn] = fk[..] else {
                return Err(Stop::Decode);
            };
            let ps = self.de_sortname(sn, true)?;
            let q = self.binding(ctx, Var::Token, self.decoded.nodes[pn].value)?;
            let qo = self.info_mut(q);
            qo.res = ps;
            qo.args = None;
            qo.sig = None;
            args.push(ps);
            pars.push(q);
        }
        self.finished(defn)?;
        if matches!(rs, TSort::High(_)) {
            return Err(Stop::HighLevel);
        }
        {
            let o = self.info_mut(p);
            o.res = rs;
            o.args = (!args.is_empty()).then(|| args.clone());
            o.sig = sig;
            o.dec = true;
        }
        if skim {
            return Ok(());
        }
        let old_pars = self.info(p).pars.clone();
        if !pars.is_empty() {
            self.info_mut(p).pars = Some(pars);
        }
        let body_nodes = self.kids(tokbody);
        let def = match body_nodes.get(1) {
            // tnc reads a body of a sort it does not know as "....".
            Some(&b) if self.decoded.nodes[tokbody].decoded() && rs != TSort::Unknown => {
                self.walk(ctx, b)?;
                self.finished(b)?;
                Some(b)
            }
            _ => None,
        };
        self.finished(tokbody)?;
        let printable = Printable {
            ctx,
            nodes: def.map(|b| vec![b as u32]).unwrap_or_default(),
        };
        if self.info(p).def.is_some() {
            self.info_mut(p).pars = old_pars;
        } else {
            self.info_mut(p).def = Some(printable);
        }
        if let Some(pars) = self.info(p).pars.clone() {
            for q in pars {
                self.info_mut(q).dec = false;
            }
        }
        Ok(())
    }

    fn tagdec(&mut self, ctx: u32, item: usize) -> Step {
        let nodes = &self.decoded.nodes;
        let var = match nodes[item].cons() {
            Some(cons::MAKE_ID_TAGDEC) => 0,
            Some(cons::MAKE_VAR_TAGDEC) => 1,
            _ => 2,
        };
        let k = self.kids(item);
        let Some((&id, rest)) = k.split_first() else {
            return Err(Stop::Decode);
        };
        let p = self.binding(ctx, Var::Tag, nodes[id].value)?;
        for &r in rest {
            self.walk(ctx, r)?;
        }
        self.finished(item)?;
        let dec = self.printable(ctx, rest);
        let o = self.info_mut(p);
        o.tag_var = var;
        if o.tag_dec.is_none() {
            o.tag_dec = Some(dec);
        }
        Ok(())
    }

    fn tagdef(&mut self, ctx: u32, item: usize) -> Step {
        let nodes = &self.decoded.nodes;
        let var = match nodes[item].cons() {
            Some(cons::MAKE_ID_TAGDEF) => 0,
            Some(cons::MAKE_VAR_TAGDEF) => 1,
            _ => 2,
        };
        let k = self.kids(item);
        let Some((&id, rest)) = k.split_first() else {
            return Err(Stop::Decode);
        };
        let p = self.binding(ctx, Var::Tag, nodes[id].value)?;
        if self.info(p).tag_dec.is_none() {
            return Err(Stop::Undeclared);
        }
        for &r in rest {
            self.walk(ctx, r)?;
        }
        self.finished(item)?;
        let def = self.printable(ctx, rest);
        let o = self.info_mut(p);
        o.tag_var = var;
        if o.tag_defs.is_empty() || var == 2 {
            o.tag_defs.push(def);
        }
        Ok(())
    }

    fn aldef(&mut self, ctx: u32, item: usize) -> Step {
        let k = self.kids(item);
        let [id, a] = k[..] else {
            return Err(Stop::Decode);
        };
        let p = self.binding(ctx, Var::AlTag, self.decoded.nodes[id].value)?;
        self.walk(ctx, a)?;
        self.finished(item)?;
        let def = self.printable(ctx, &[a]);
        let o = self.info_mut(p);
        if o.al_def.is_none() {
            o.al_def = Some(def);
        }
        Ok(())
    }

    fn version(&mut self, ctx: u32, item: usize) -> Step {
        let nodes = &self.decoded.nodes;
        if nodes[item].cons() == Some(cons::MAKE_VERSION) {
            let k = self.kids(item);
            if k.len() == 2 {
                let major = &nodes[k[0]];
                let minor = &nodes[k[1]];
                let big = |n: &Node| n.kind != NodeKind::Int;
                if big(major) || big(minor) || major.value != 4 || minor.value > 1 {
                    return Err(Stop::Version);
                }
            }
        } else {
            self.walk(ctx, item)?;
        }
        self.finished(item)
    }

    /// tnc's reading of a SORTNAME: high-level sorts are entered in their list when
    /// `expand`.
    fn de_sortname(&mut self, i: usize, expand: bool) -> Result<TSort, Stop> {
        let Some(c) = self.decoded.nodes[i].cons() else {
            return Err(Stop::Decode);
        };
        match c.info().denotes {
            Denotes::Sort(s) => Ok(TSort::Basic(s)),
            Denotes::Foreign | Denotes::Nothing => Ok(TSort::Unknown),
            Denotes::Token if !expand => Ok(TSort::Token),
            Denotes::Token => {
                let parts = self.kids(i);
                let [result, list] = parts[..] else {
                    return Err(Stop::Decode);
                };
                let res = self.de_sortname(result, true)?;
                let name = format!("~~sort_{}", self.made_up_sorts);
                self.made_up_sorts += 1;
                let mut args = Vec::new();
                for p in self.kids(list) {
                    args.push(self.de_sortname(p, true)?);
                }
                let h = HighSort {
                    name,
                    visible: true,
                    res,
                    args,
                };
                let first = self
                    .high
                    .iter()
                    .position(|x| x.res == h.res && x.args == h.args);
                self.high.push(h);
                match first {
                    Some(f) => {
                        self.high.last_mut().expect("just pushed").visible = false;
                        Ok(TSort::High(f))
                    }
                    None => Ok(TSort::High(self.high.len() - 1)),
                }
            }
        }
    }

    /// Reads node `i` as tnc reads it: checks identifiers, reads token applications.
    fn walk(&mut self, ctx: u32, i: usize) -> Step {
        // An explicit stack: the tree is as deep as the decoder allowed, and the walk
        // must not recurse that deep.
        let nodes = &self.decoded.nodes;
        let mut stack = vec![i];
        while let Some(i) = stack.pop() {
            let n = nodes[i];
            match n.kind {
                NodeKind::Cons => {
                    let c = tdf_core::decode::ConsId(n.code);
                    if c.sort().info().apply_token == Some(c) {
                        self.token_app(ctx, i, c.sort())?;
                        continue;
                    }
                    if c == cons::USE_TOKDEF {
                        // A token given as a parameter.
                        self.token(ctx, i)?;
                        continue;
                    }
                }
                NodeKind::Id => {
                    if n.code == LABEL {
                        if n.value >= self.ctxs[ctx as usize].labels {
                            return Err(Stop::Range);
                        }
                    } else {
                        let var = Self::entity_var(SortId(n.code));
                        self.binding(ctx, var, n.value)?;
                    }
                }
                NodeKind::Args | NodeKind::TokBody => return Err(Stop::Decode),
                _ => {}
            }
            let kids: Vec<usize> = children(nodes, i).collect();
            stack.extend(kids.into_iter().rev());
        }
        Ok(())
    }

    /// The TOKEN construct at node `tok`: its object (a `use_tokdef` creates one).
    fn token(&mut self, ctx: u32, tok: usize) -> Result<u32, Stop> {
        let nodes = &self.decoded.nodes;
        let t = match nodes[tok].cons() {
            Some(cons::MAKE_TOK) => {
                let id = tok + 1;
                if id >= nodes[tok].end as usize {
                    return Err(Stop::Decode);
                }
                self.binding(ctx, Var::Token, nodes[id].value)?
            }
            Some(cons::USE_TOKDEF) => {
                self.spend(1)?;
                let t = self.made_up(Var::Token, TOKEN_PREFIX)?;
                self.use_tokdefs.insert(tok as u32, t);
                if tok + 1 >= nodes[tok].end as usize {
                    return Err(Stop::Decode);
                }
                self.token_defn(ctx, t, None, tok + 1, false)?;
                t
            }
            _ => return Err(Stop::HighLevel),
        };
        self.finished(tok)?;
        Ok(t)
    }

    /// A token application of sort `s` at node `app`.
    fn token_app(&mut self, ctx: u32, app: usize, s: SortId) -> Result<u32, Stop> {
        let k = self.kids(app);
        let [tok, args] = k[..] else {
            return Err(Stop::Decode);
        };
        // The token applied, and its sort when known: a high-level token application
        // (token_apply_token) gives the sort its high-level sort names.
        let (t, high) = if self.decoded.nodes[tok].cons() == Some(cons::TOKEN_APPLY_TOKEN) {
            let inner = self.token_app(ctx, tok, sort::TOKEN)?;
            match self.info(inner).res {
                TSort::High(h) => {
                    let h = &self.high[h];
                    let args = (!h.args.is_empty()).then(|| h.args.clone());
                    (inner, Some((h.res, args)))
                }
                _ => return Err(Stop::HighLevel),
            }
        } else {
            (self.token(ctx, tok)?, None)
        };
        let nodes = &self.decoded.nodes;
        let a = nodes[args];
        let bits = a.value;
        let o = self.info(t);
        let is_high = high.is_some();
        let known = match high {
            Some(h) => Some(h),
            None if o.res == TSort::Unknown => None,
            None => Some((o.res, o.args.clone())),
        };
        match known {
            None if bits == 0 => {
                let o = self.info_mut(t);
                o.res = TSort::Basic(s);
                o.dec = true;
                self.apps.insert(app as u32, App::Known);
            }
            None => {
                let letters = match &self.obj_name(t)[..] {
                    b"~dg_exp" | b"~exp_to_source" => "xFF",
                    b"~diag_id_scope" => "x$xF",
                    b"~diag_type_scope" | b"~diag_tag_scope" => "x$F",
                    _ => "F",
                };
                if a.decoded() {
                    let given = self.kids(args);
                    for (k, l) in letters.bytes().enumerate() {
                        match (l, given.get(k)) {
                            (b'x', Some(&g)) => self.walk(ctx, g)?,
                            (b'$', Some(_)) => {}
                            _ => break,
                        }
                    }
                }
                self.apps.insert(app as u32, App::Unknown(letters));
            }
            Some((res, targs)) => {
                let fits = match (s, res) {
                    (sort::TOKEN, TSort::High(_)) => true,
                    (_, TSort::Basic(r)) => r == s,
                    _ => false,
                };
                if !fits {
                    return Err(Stop::Token);
                }
                if targs.is_some() {
                    if !a.decoded() {
                        return Err(Stop::Token);
                    }
                    for g in self.kids(args) {
                        self.walk(ctx, g)?;
                    }
                } else if bits != 0 {
                    return Err(Stop::Token);
                }
                if !is_high {
                    self.info_mut(t).dec = true;
                }
                self.apps.insert(app as u32, App::Known);
            }
        }
        self.finished(args)?;
        self.finished(app)?;
        Ok(t)
    }
}

// ---------------------------------------------------------------------------------------
// Printing.

/// One node of tnc's print tree, made from the decoded tree on the fly.
#[derive(Clone, Copy, Debug)]
enum P {
    /// A decoded node, printed by its kind.
    Node(u32),
    /// A node of an undecoded part: tnc's "....".
    Unknown,
}

struct Printer<'v, 'd, 'a, 'w> {
    v: &'v TncView<'d, 'a>,
    out: &'w mut dyn Write,
    /// The stack address where printing started: printing recurses as deep as the tree,
    /// and shows "...." below a megabyte of stack (only hostile trees are that deep).
    stack_base: usize,
}

fn sort_name(v: &TncView<'_, '_>, s: TSort) -> String {
    match s {
        TSort::Unknown => "....".to_owned(),
        TSort::Token => "token".to_owned(),
        TSort::Basic(s) => s.name().to_owned(),
        TSort::High(h) => v.high[h].name.clone(),
    }
}

/// tnc's test of whether a number written as `digits` octal digits fits in an unsigned
/// long less `sign` bits.
fn fits_ulong(digits: &[u8], sign: u32) -> bool {
    let mut n = 3 * digits.len() as i64;
    match digits.first() {
        Some(0) => n -= 3,
        Some(1) => n -= 2,
        Some(2) | Some(3) => n -= 1,
        _ => {}
    }
    n <= i64::from(64 - sign)
}

fn octal_value(digits: &[u8]) -> u64 {
    digits
        .iter()
        .fold(0u64, |v, &d| v.wrapping_shl(3).wrapping_add(u64::from(d)))
}

impl<'a> Printer<'_, '_, 'a, '_> {
    fn nodes(&self) -> &[Node] {
        &self.v.decoded.nodes
    }

    fn body(&self, ctx: u32) -> &'a [u8] {
        let unit = self.v.decoded.units[self.v.ctxs[ctx as usize].unit as usize].unit;
        self.v.capsule.units[unit].body
    }

    fn spaces(&mut self, d: usize) -> io::Result<()> {
        for _ in 0..d {
            self.out.write_all(b"  ")?;
        }
        Ok(())
    }

    /// The print nodes of the parameters of constructor node `i` (0-bit sorts, which
    /// tnc does not make nodes of, are flattened).
    fn params(&self, i: usize, out: &mut Vec<P>) {
        for c in children(self.nodes(), i) {
            self.item(c, out);
        }
    }

    /// The print nodes of one parameter value `c`.
    fn item(&self, c: usize, out: &mut Vec<P>) {
        let n = self.nodes()[c];
        if n.kind == NodeKind::Cons && tdf_core::decode::ConsId(n.code).sort().info().bits == 0 {
            self.params(c, out);
        } else {
            out.push(P::Node(c as u32));
        }
    }

    /// tnc's `print_node` over a sibling list; returns whether a line is open.
    fn list(&mut self, ctx: u32, items: &[P], d: usize) -> io::Result<bool> {
        let mut negate = false;
        let mut newline = false;
        for (k, &p) in items.iter().enumerate() {
            newline = match p {
                P::Unknown => {
                    self.spaces(d)?;
                    self.out.write_all(b"....")?;
                    true
                }
                P::Node(i) => self.node(ctx, i as usize, d, &mut negate)?,
            };
            if newline && k + 1 < items.len() {
                self.out.write_all(b"\n")?;
                newline = false;
            }
        }
        Ok(newline)
    }

    fn name_of(&self, ctx: u32, n: &Node) -> Vec<u8> {
        let v = self.v;
        if n.code == LABEL {
            let base = v.ctxs[ctx as usize].label_base;
            return format!("~~label_{}", base + u64::from(n.value)).into_bytes();
        }
        let var = TncView::entity_var(SortId(n.code));
        match v.binding(ctx, var, n.value) {
            Ok(o) => v.obj_name(o).into_owned(),
            Err(_) => b"....".to_vec(),
        }
    }

    fn node(&mut self, ctx: u32, i: usize, d: usize, negate: &mut bool) -> io::Result<bool> {
        let used = self
            .stack_base
            .wrapping_sub(tdf_core::decode::stack_address());
        if used > tdf_core::decode::STACK_BUDGET {
            self.spaces(d)?;
            self.out.write_all(b"....")?;
            return Ok(true);
        }
        let n = self.nodes()[i];
        match n.kind {
            NodeKind::Bool => {
                *negate = n.value != 0;
                Ok(false)
            }
            NodeKind::Int | NodeKind::BigInt | NodeKind::Labels => {
                self.spaces(d)?;
                let digits = if n.kind == NodeKind::Int && n.aux <= 21 {
                    None
                } else {
                    Some(tree::octal_digits(self.body(ctx), &n))
                };
                match digits {
                    None => {
                        let v = i64::from(n.value);
                        let v = if *negate { -v } else { v };
                        write!(self.out, "{v}")?;
                    }
                    Some(digits) if fits_ulong(&digits, 1) => {
                        let v = octal_value(&digits) as i64;
                        let v = if *negate { v.wrapping_neg() } else { v };
                        write!(self.out, "{v}")?;
                    }
                    Some(digits) => {
                        if fits_ulong(&digits, 0) {
                            let v = octal_value(&digits);
                            if *negate && v != 0 {
                                self.out.write_all(b"-")?;
                            }
                            write!(self.out, "{v}")?;
                        } else {
                            if *negate {
                                self.out.write_all(b"-")?;
                            }
                            self.out.write_all(b"0")?;
                            for dg in digits {
                                write!(self.out, "{dg}")?;
                            }
                        }
                    }
                }
                *negate = false;
                Ok(true)
            }
            NodeKind::Str | NodeKind::Ident => {
                self.spaces(d)?;
                if n.kind == NodeKind::Str && n.aux != 8 {
                    // tnc: ( multi_string width c1 c2 ... | )
                    self.out.write_all(b"( multi_string\n")?;
                    self.spaces(d + 1)?;
                    write!(self.out, "{}", n.aux)?;
                    self.out.write_all(b"\n")?;
                    // The characters, each on its own line, then " |" (or "|" alone).
                    let mut chars = tree::string_chars(self.body(ctx), &n).peekable();
                    if chars.peek().is_none() {
                        self.spaces(d + 1)?;
                        self.out.write_all(b"|")?;
                    } else {
                        while let Some(ch) = chars.next() {
                            self.spaces(d + 1)?;
                            write!(self.out, "{ch}")?;
                            if chars.peek().is_some() {
                                self.out.write_all(b"\n")?;
                            }
                        }
                        self.out.write_all(b" |")?;
                    }
                    self.out.write_all(b" )")?;
                    return Ok(true);
                }
                if n.kind == NodeKind::Ident {
                    let bytes = tree::bytes(self.body(ctx), &n).unwrap_or_default();
                    self.quoted(bytes.iter().map(|&c| u32::from(c)))?;
                } else {
                    let body = self.body(ctx);
                    self.quoted(tree::string_chars(body, &n))?;
                }
                Ok(true)
            }
            NodeKind::Option => {
                let kids: Vec<usize> = children(self.nodes(), i).collect();
                let absent = n.value == 0
                    || kids.first().is_some_and(|&k| {
                        let kn = self.nodes()[k];
                        kn.kind == NodeKind::List && kn.value == 0
                    });
                if absent {
                    self.spaces(d)?;
                    self.out.write_all(b"-")?;
                    return Ok(true);
                }
                let mut items = Vec::new();
                for k in kids {
                    self.item(k, &mut items);
                }
                self.list(ctx, &items, d)
            }
            NodeKind::List | NodeKind::SList => {
                if n.value == 0 {
                    self.spaces(d)?;
                    self.out.write_all(b"|")?;
                    return Ok(true);
                }
                let mut items = Vec::new();
                for k in children(self.nodes(), i) {
                    self.item(k, &mut items);
                }
                let newline = self.list(ctx, &items, d)?;
                self.out.write_all(b" |")?;
                Ok(newline)
            }
            NodeKind::BitStream => {
                let mut items = Vec::new();
                for k in children(self.nodes(), i) {
                    self.item(k, &mut items);
                }
                self.list(ctx, &items, d)
            }
            NodeKind::Id => {
                self.spaces(d)?;
                let name = self.name_of(ctx, &n);
                self.out.write_all(&name)?;
                Ok(true)
            }
            NodeKind::Cons => self.cons(ctx, i, d),
            NodeKind::Args | NodeKind::TokBody | NodeKind::Tld | NodeKind::Raw => {
                self.spaces(d)?;
                self.out.write_all(b"....")?;
                Ok(true)
            }
        }
    }

    fn quoted(&mut self, chars: impl IntoIterator<Item = u32>) -> io::Result<()> {
        self.out.write_all(b"\"")?;
        for c in chars {
            let c = c & 0xFF;
            let b = c as u8;
            if (0x20..0x7F).contains(&b) {
                if b == b'\\' || b == b'"' {
                    self.out.write_all(b"\\")?;
                }
                self.out.write_all(&[b])?;
            } else if b == b'\n' {
                self.out.write_all(b"\\n")?;
            } else if b == b'\t' {
                self.out.write_all(b"\\t")?;
            } else {
                write!(self.out, "\\{b:03o}")?;
            }
        }
        self.out.write_all(b"\"")
    }

    fn cons(&mut self, ctx: u32, i: usize, d: usize) -> io::Result<bool> {
        let n = self.nodes()[i];
        let c = tdf_core::decode::ConsId(n.code);
        let s = c.sort();
        // Token applications print as the token, with its parameters.
        if s.info().apply_token == Some(c) {
            return self.token_app(ctx, i, d);
        }
        match c {
            cons::MAKE_NAT
            | cons::MAKE_SIGNED_NAT
            | cons::MAKE_STRING
            | cons::MAKE_TAG
            | cons::MAKE_AL_TAG
            | cons::MAKE_LABEL => {
                let mut items = Vec::new();
                self.params(i, &mut items);
                return self.list(ctx, &items, d);
            }
            cons::MAKE_TOK => {
                self.spaces(d)?;
                let name = match self.nodes().get(i + 1) {
                    Some(id) if (n.end as usize) > i + 1 => self.name_of(ctx, id),
                    _ => b"....".to_vec(),
                };
                self.out.write_all(&name)?;
                return Ok(true);
            }
            cons::USE_TOKDEF => {
                self.spaces(d)?;
                let name = match self.v.use_tokdefs.get(&(i as u32)) {
                    Some(&o) => self.v.obj_name(o).into_owned(),
                    None => b"....".to_vec(),
                };
                self.out.write_all(&name)?;
                return Ok(true);
            }
            _ => {}
        }
        self.spaces(d)?;
        let mut items = Vec::new();
        self.params(i, &mut items);
        if items.is_empty() {
            self.out.write_all(c.name().as_bytes())?;
            return Ok(true);
        }
        writeln!(self.out, "( {}", c.name())?;
        let newline = self.list(ctx, &items, d + 1)?;
        self.out.write_all(b" )")?;
        Ok(newline)
    }

    fn token_app(&mut self, ctx: u32, app: usize, d: usize) -> io::Result<bool> {
        let kids: Vec<usize> = children(self.nodes(), app).collect();
        let [tok, args] = kids[..] else {
            self.spaces(d)?;
            self.out.write_all(b"....")?;
            return Ok(true);
        };
        let mut tok = tok;
        while self.nodes().get(tok).and_then(Node::cons) == Some(cons::TOKEN_APPLY_TOKEN) {
            tok += 1;
        }
        let Some(&tn) = self.nodes().get(tok) else {
            self.spaces(d)?;
            self.out.write_all(b"....")?;
            return Ok(true);
        };
        let name = match tn.cons() {
            Some(cons::MAKE_TOK) if (tn.end as usize) > tok + 1 => {
                let id = self.nodes()[tok + 1];
                self.name_of(ctx, &id)
            }
            Some(cons::USE_TOKDEF) => match self.v.use_tokdefs.get(&(tok as u32)) {
                Some(&o) => self.v.obj_name(o).into_owned(),
                None => b"....".to_vec(),
            },
            _ => b"....".to_vec(),
        };
        let a = self.nodes()[args];
        let given: Vec<usize> = children(self.nodes(), args).collect();
        let mut items = Vec::new();
        match self.v.apps.get(&(app as u32)) {
            Some(App::Unknown(letters)) => {
                for (k, l) in letters.bytes().enumerate() {
                    match (l, given.get(k)) {
                        (b'x' | b'$', Some(&g)) if a.decoded() => self.item(g, &mut items),
                        _ => items.push(P::Unknown),
                    }
                }
            }
            _ => {
                for g in given {
                    self.item(g, &mut items);
                }
            }
        }
        self.spaces(d)?;
        if items.is_empty() {
            self.out.write_all(&name)?;
            return Ok(true);
        }
        self.out.write_all(b"( ")?;
        self.out.write_all(&name)?;
        self.out.write_all(b"\n")?;
        let newline = self.list(ctx, &items, d + 1)?;
        self.out.write_all(b" )")?;
        Ok(newline)
    }

    fn printable(&mut self, p: &Printable, d: usize) -> io::Result<bool> {
        let mut items = Vec::new();
        for &n in &p.nodes {
            self.item(n as usize, &mut items);
        }
        if items.is_empty() {
            items.push(P::Unknown);
        }
        self.list(p.ctx, &items, d)
    }

    /// `( [local ]TITLE[ ( string_extern ... )] NAME`.
    fn name(&mut self, title: &str, o: u32, dec: bool) -> io::Result<()> {
        let v = self.v;
        let ename = match v.objs[o as usize].ename {
            u32::MAX => None,
            e => Some(&v.enames[e as usize]),
        };
        self.out.write_all(b"( ")?;
        if ename.is_none() {
            self.out.write_all(b"local ")?;
        }
        self.out.write_all(title.as_bytes())?;
        match (ename, dec) {
            (Some(Ename::Str(s)), true) => {
                self.out.write_all(b"\n  ( string_extern\n")?;
                self.spaces(2)?;
                self.quoted(s.iter().map(|&b| u32::from(b)))?;
                self.out.write_all(b" )\n  ")?;
            }
            (Some(Ename::Unique(parts)), true) => {
                self.out.write_all(b"\n  ( unique_extern\n")?;
                if parts.is_empty() {
                    self.spaces(2)?;
                    self.out.write_all(b"|")?;
                } else {
                    for (k, p) in parts.iter().enumerate() {
                        self.spaces(2)?;
                        self.quoted(p.iter().map(|&b| u32::from(b)))?;
                        if k + 1 < parts.len() {
                            self.out.write_all(b"\n")?;
                        }
                    }
                    self.out.write_all(b" |")?;
                }
                self.out.write_all(b" )\n  ")?;
            }
            _ => self.out.write_all(b" ")?,
        }
        self.out.write_all(&v.obj_name(o))
    }

    fn sig(&mut self, o: &Info) -> io::Result<()> {
        match &o.sig {
            Some(p) => {
                self.printable(p, 1)?;
            }
            None => {
                self.spaces(1)?;
                self.out.write_all(b"-")?;
            }
        }
        Ok(())
    }
}

impl TncView<'_, '_> {
    /// The objects of `var` that `keep` selects, sorted by name as tnc sorts them.
    fn sorted(&self, var: Var, keep: impl Fn(&Info) -> bool) -> Vec<u32> {
        let mut v: Vec<(Cow<'_, [u8]>, u32)> = (0..self.objs.len() as u32)
            .filter(|&o| self.objs[o as usize].var == var && keep(self.info(o)))
            .map(|o| (self.obj_name(o), o))
            .collect();
        v.sort();
        v.into_iter().map(|(_, o)| o).collect()
    }

    /// Prints the tables as `tnc -p` does, and the termination line after a stop.
    pub fn print(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut p = Printer {
            v: self,
            out,
            stack_base: tdf_core::decode::stack_address(),
        };
        if !self.high.is_empty() {
            p.out.write_all(b"# HIGH-LEVEL SORTS\n\n")?;
            for h in self.high.iter().filter(|h| h.visible) {
                write!(p.out, "( make_token_sort {} ", h.name)?;
                if !h.args.is_empty() {
                    p.out.write_all(b"( ")?;
                    for (k, a) in h.args.iter().enumerate() {
                        if k > 0 && k % 8 == 0 {
                            p.out.write_all(b"\n  ")?;
                        }
                        write!(p.out, "{} ", sort_name(self, *a))?;
                    }
                    p.out.write_all(b") ")?;
                }
                write!(p.out, "{} )\n\n", sort_name(self, h.res))?;
            }
            p.out.write_all(b"\n")?;
        }
        let tokens = self.sorted(Var::Token, |i| i.dec);
        let altags = self.sorted(Var::AlTag, |_| true);
        let tags = self.sorted(Var::Tag, |i| i.tag_dec.is_some() || !i.tag_defs.is_empty());

        p.out.write_all(b"# TOKEN DECLARATIONS\n\n")?;
        for &t in &tokens {
            let o = self.info(t);
            if !o.dec {
                continue;
            }
            p.name("make_tokdec", t, true)?;
            p.out.write_all(b"\n")?;
            p.sig(o)?;
            p.out.write_all(b"\n  ")?;
            if let Some(args) = &o.args {
                p.out.write_all(b"( ")?;
                for (k, a) in args.iter().enumerate() {
                    if k > 0 && k % 8 == 0 {
                        p.out.write_all(b"\n  ")?;
                    }
                    write!(p.out, "{} ", sort_name(self, *a))?;
                }
                p.out.write_all(b") ")?;
            }
            write!(p.out, "{} )\n\n", sort_name(self, o.res))?;
        }
        p.out.write_all(b"\n")?;

        p.out.write_all(b"# ALIGNMENT TAG DECLARATIONS\n\n")?;
        for &a in &altags {
            p.name("make_al_tagdec", a, true)?;
            p.out.write_all(b" )\n\n")?;
        }
        p.out.write_all(b"\n")?;

        p.out.write_all(b"# TAG DECLARATIONS\n\n")?;
        for &t in &tags {
            let o = self.info(t);
            let Some(dec) = &o.tag_dec else { continue };
            let title = match o.tag_var {
                0 => "make_id_tagdec",
                1 => "make_var_tagdec",
                _ => "common_tagdec",
            };
            p.name(title, t, true)?;
            p.out.write_all(b"\n")?;
            p.printable(dec, 1)?;
            p.out.write_all(b" )\n\n")?;
        }
        p.out.write_all(b"\n")?;

        p.out.write_all(b"# TOKEN DEFINITIONS\n\n")?;
        for &t in &tokens {
            let o = self.info(t);
            let Some(def) = &o.def else { continue };
            if !o.dec {
                continue;
            }
            p.name("make_tokdef", t, false)?;
            p.out.write_all(b"\n")?;
            p.sig(o)?;
            p.out.write_all(b"\n  ")?;
            if o.args.is_some() {
                p.out.write_all(b"( ")?;
                for (k, &q) in o.pars.iter().flatten().enumerate() {
                    if k > 0 && k % 4 == 0 {
                        p.out.write_all(b"\n    ")?;
                    }
                    write!(p.out, "{} ", sort_name(self, self.info(q).res))?;
                    p.out.write_all(&self.obj_name(q))?;
                    p.out.write_all(b" ")?;
                }
                p.out.write_all(b") ")?;
            }
            writeln!(p.out, "{}", sort_name(self, o.res))?;
            p.printable(def, 1)?;
            p.out.write_all(b" )\n\n")?;
        }
        p.out.write_all(b"\n")?;

        p.out.write_all(b"# ALIGNMENT TAG DEFINITIONS\n\n")?;
        for &a in &altags {
            let o = self.info(a);
            let Some(def) = &o.al_def else { continue };
            p.name("make_al_tagdef", a, false)?;
            p.out.write_all(b"\n")?;
            p.printable(def, 1)?;
            p.out.write_all(b" )\n\n")?;
        }
        p.out.write_all(b"\n")?;

        p.out.write_all(b"# TAG DEFINITIONS\n\n")?;
        for &t in &tags {
            let o = self.info(t);
            let title = match o.tag_var {
                0 => "make_id_tagdef",
                1 => "make_var_tagdef",
                _ => "common_tagdef",
            };
            for def in &o.tag_defs {
                p.name(title, t, false)?;
                p.out.write_all(b"\n")?;
                p.printable(def, 1)?;
                p.out.write_all(b" )\n\n")?;
            }
        }
        p.out.write_all(b"\n")?;
        if self.stop.is_some() {
            p.out.write_all(b"# TERMINATED ON INPUT ERROR\n")?;
        }
        Ok(())
    }
}
