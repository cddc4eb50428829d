//! Phase 5: resolving undefined names by loading library capsules, to a true fixpoint
//! (§5.7, with the correction of Appendix B.12).
//!
//! A program name *needs* a library capsule when it is used (USED) but has no unique
//! definition (no DEFD), the library table gives it a definition in capsule C that is
//! not loaded yet, and either it has no shared definition (no MULT) or the library's
//! definition is unique (the library usage has DEFD).
//!
//! Resolution runs in rounds. A name joins its shape's pending list when it is created
//! and again whenever its usage changes (`load.rs` re-queues it), so a name that becomes
//! used through a capsule loaded for another name is examined again. A round drains
//! every pending list, examining each name once against the state at the start of the
//! round, and collects the capsules needed; then it loads them all, in library order
//! (the order in which the libraries were read, then the order of the members in their
//! library). Loaded capsules create names and change usages, which queues them for the
//! next round; the rounds stop when one needs nothing.
//!
//! Because every decision of a round is taken against the same state, and a round loads
//! exactly the set of capsules needed in it, which capsules load depends only on the
//! contents of the capsules, of the libraries and of the options, never on the order of
//! shapes, names, input capsules or library members. (Library *search* order still
//! decides which library a name's definition comes from, when merging the indices.) The
//! order is only the order of the output: units come in load order.
//!
//! The work is linear: a name is examined at most once per round in which it was
//! queued, and it is queued only when created or when its usage gains a bit (at most
//! four times).
//!
//! After the fixpoint, with `-i`, every name still used without a unique definition is
//! reported as missing, unless a library capsule was loaded for it (a shared definition
//! taken from a library on its account). No warning is issued earlier, so none is
//! spurious, and none is missed.

use tdf_errors::{Diagnostic, Kind, LimitReached, Reporter};

use tdf_core::Usage;

use crate::load::load_capsule;
use crate::state::{shape_text, CapsuleName, LibCapsule, Linker};
use crate::trace::shape_name;

/// What the rounds know about one program name.
#[derive(Debug, Clone, Copy, Default)]
struct Mark {
    /// The last round that examined it (0: none yet).
    round: u32,
    /// A library capsule was loaded for it.
    loaded_for: bool,
}

/// Per program shape, per name (by [`tdf_core::tables::NameIdx`]): its [`Mark`].
#[derive(Debug, Default)]
struct Marks(Vec<Vec<Mark>>);

impl Marks {
    fn get(&mut self, shape: usize, n: usize) -> &mut Mark {
        if self.0.len() <= shape {
            self.0.resize_with(shape + 1, Vec::new);
        }
        let names = &mut self.0[shape];
        if names.len() <= n {
            names.resize(n + 1, Mark::default());
        }
        &mut names[n]
    }

    fn loaded_for(&self, shape: usize, n: usize) -> bool {
        self.0
            .get(shape)
            .and_then(|v| v.get(n))
            .is_some_and(|m| m.loaded_for)
    }
}

/// Runs the resolution rounds to the fixpoint, then reports the names still missing.
pub fn run(l: &mut Linker<'_>, warn_missing: bool, rep: &mut Reporter) -> Result<(), LimitReached> {
    let mut marks = Marks::default();
    // The capsules a round needs, each once, and the round in which each library capsule
    // was found needed (0: none yet). A capsule is loaded in the round that needs it, so
    // one found needed in an earlier round is loaded: this dense vector answers that
    // (4 bytes a capsule, in the cache) where the capsule's record would be fetched
    // from memory for each name examined.
    let mut needed: Vec<u32> = Vec::new();
    let mut needed_in: Vec<u32> = vec![0; l.lib_capsules.len()];
    // With observers: every (library capsule, program shape, name) that needed a load.
    let observing = l.trace.observing();
    let mut why: Vec<(u32, u32, u32)> = Vec::new();
    let mut round = 0u32;
    loop {
        round += 1;
        l.trace.line(|| format!("round {round}"));
        needed.clear();
        why.clear();
        // Loading may add shapes: the bound is re-read each round.
        for shape in 0..l.tables.program_len() {
            let pending = std::mem::take(&mut l.tables.program_mut(shape).pending);
            for &n in &pending {
                let mark = marks.get(shape, n as usize);
                if mark.round == round {
                    continue; // queued twice: the answer is the same within a round
                }
                mark.round = round;
                let Some(c) = needs(l, shape, n as usize) else {
                    continue;
                };
                if needed_in[c] != 0 && needed_in[c] != round {
                    continue; // loaded in an earlier round
                }
                // Every capsule needed in a round is loaded in it.
                mark.loaded_for = true;
                if needed_in[c] != round {
                    needed_in[c] = round;
                    needed.push(c as u32);
                }
                if observing {
                    why.push((c as u32, shape as u32, n));
                }
            }
            // The list's storage serves the next round.
            let queue = &mut l.tables.program_mut(shape).pending;
            if queue.is_empty() {
                *queue = pending;
                queue.clear();
            }
        }
        if needed.is_empty() {
            break;
        }
        // Library order; a capsule needed by several names is loaded once, for all.
        needed.sort_unstable();
        // The observers see the names that needed a capsule in the program's order.
        if observing {
            sort_by_program_order(l, &mut why);
        }
        let mut w = 0;
        for (i, &c) in needed.iter().enumerate() {
            // The next capsule's first bytes are fetched while this one loads, and the
            // record of the one after it (which says where its bytes are).
            if let Some(&next) = needed.get(i + 1) {
                tdf_core::bits::prefetch_bytes(l.lib_capsules[next as usize].data, 4);
            }
            if let Some(&after) = needed.get(i + 2) {
                let record: *const LibCapsule<'_> = &l.lib_capsules[after as usize];
                tdf_core::bits::prefetch(record.cast());
            }
            let name = CapsuleName::Member(c);
            while w < why.len() && why[w].0 == c {
                let (_, shape, n) = why[w];
                observe_load(l, shape as usize, n as usize, &name);
                w += 1;
            }
            let data = l.lib_capsules[c as usize].data;
            load_capsule(l, data, name, rep)?;
        }
    }
    report_missing(l, &marks, warn_missing, rep)
}

/// Sorts (capsule, shape, name) triples by capsule, shape and the name's place in the
/// program's order of the shape's names.
fn sort_by_program_order(l: &Linker<'_>, why: &mut [(u32, u32, u32)]) {
    let mut place: Vec<Vec<u32>> = vec![Vec::new(); l.tables.program_len()];
    for &(_, shape, _) in why.iter() {
        let place = &mut place[shape as usize];
        if place.is_empty() {
            let order = l.tables.program_order(shape as usize);
            let names = order.iter().map(|&n| n as usize + 1).max().unwrap_or(0);
            place.resize(names, 0);
            for (i, &n) in order.iter().enumerate() {
                place[n as usize] = i as u32;
            }
        }
    }
    why.sort_unstable_by_key(|&(c, shape, n)| (c, shape, place[shape as usize][n as usize]));
}

/// The library capsule that name `n` of program shape `shape` needs, if any, whether
/// or not it is loaded already (the caller skips one loaded in an earlier round).
fn needs(l: &Linker<'_>, shape: usize, n: usize) -> Option<usize> {
    let usage = l.tables.program_entry(shape, n).usage;
    if usage.contains(Usage::DEFD) || !usage.contains(Usage::USED) {
        return None;
    }
    // The library's entry of the same name (one name on both sides, renames alike).
    let e = l.tables.library_of(shape, n)?;
    let c = e.def?.get() as usize;
    let wanted = !usage.contains(Usage::MULT) || e.usage.contains(Usage::DEFD);
    wanted.then_some(c)
}

/// After the fixpoint: every name used without a unique definition, for which no library
/// capsule was loaded, is missing (a warning with `-i`, a trace line with `-d`). Shapes
/// and names in table order.
fn report_missing(
    l: &mut Linker<'_>,
    marks: &Marks,
    warn_missing: bool,
    rep: &mut Reporter,
) -> Result<(), LimitReached> {
    if !warn_missing && !l.trace.on() {
        return Ok(());
    }
    let mut missing = Vec::new();
    for shape in 0..l.tables.program_len() {
        for (n, _, e) in l.tables.program_names(shape) {
            let u = e.usage;
            if u.contains(Usage::USED) && !u.contains(Usage::DEFD) && !marks.loaded_for(shape, n) {
                missing.push((shape, n));
            }
        }
    }
    for (shape, n) in missing {
        let shape_bytes = l.tables.program_name(shape);
        let key = l.tables.program_key(shape, n);
        if l.trace.on() {
            let what = shape_name(shape_bytes, key);
            l.trace.line(|| format!("  {what}: no library definition"));
        }
        if warn_missing {
            let shape_bytes = l.tables.program_name(shape);
            let key = l.tables.program_key(shape, n);
            rep.report(Diagnostic::new(Kind::no_definition_found(
                shape_text(shape_bytes),
                key.to_text(),
            )))?;
        }
    }
    Ok(())
}

/// The `-d`, `-y` and `--why-extract` records of loading capsule `name` for name `n` of
/// program shape `shape`.
fn observe_load(l: &mut Linker<'_>, shape: usize, n: usize, name: &CapsuleName<'_>) {
    let key = l.tables.program_key(shape, n).clone().into_owned();
    let shape_bytes = l.tables.program_name(shape).to_vec();
    let display = l.capsule_text(name);
    l.trace
        .line(|| format!("  {}: loading '{display}'", shape_name(&shape_bytes, &key)));
    if l.trace.watching() && l.trace.watched(&shape_bytes, &key) {
        l.trace.symbol(format!(
            "{display}: loaded to define {}",
            shape_name(&shape_bytes, &key)
        ));
    }
    l.trace.extracted(&display, &shape_bytes, &key);
}
