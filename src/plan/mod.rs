//! The plan stage: IR → [`Layout`]. Fixes the row count of every entity at `--scale`, the
//! per-parent child offsets, the level boundaries of hierarchies, the cumulative weights of
//! weighted picks, the row ranges of `union` members, the key → row maps of `lookup`
//! references (literal lookup values are checked to have a row here, other values as they are
//! generated), and the chunking of every entity into row groups and files. Counts and offsets
//! use checked arithmetic; key sequences that cannot fit their type at this scale and
//! uniqueness that becomes infeasible are diagnosed before anything is generated. Seeds are
//! not stored: streams are derived from names when needed. [`estimate`] predicts the sizes
//! of a run from the IR alone.

mod estimate;

use crate::codes;
use crate::diagnostics::Diagnostic;
use crate::eval::rng::RowRng;
use crate::eval::{Error, ErrorKind, Evaluator, RowSet, truthy};
use crate::hash::stream;
use crate::ir::*;
use crate::layout::{EntityLayout, Layout, MemberLayout, Offsets};
pub use estimate::{Estimate, estimate};
use rand_distr::Distribution;
use rayon::prelude::*;
use std::collections::HashMap;

/// Run parameters that shape the plan.
#[derive(Clone, Copy, Debug)]
pub struct PlanOptions {
    pub scale: f64,
    pub seed: u64,
    /// Rows per chunk; a chunk is generated as a unit and becomes one Parquet row group.
    pub chunk_rows: u64,
    /// Rows per data file (a multiple of `chunk_rows`).
    pub file_rows: u64,
    /// `--as-of`: the end of the as-of day, in milliseconds since 1970 (see [`Layout::as_of`]).
    pub as_of: Option<i64>,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            scale: 1.0,
            seed: 42,
            chunk_rows: 131_072,
            file_rows: 1_048_576,
            as_of: None,
        }
    }
}

/// The layout of one entity's rows, or why they cannot be laid out.
type EntityPlan = Result<EntityLayout, Error>;

/// The planned run: the IR, seed, scale, chunking and every entity's [`Layout`]. The plan
/// is the layout; the name stays for the stages that take "the plan".
pub type Plan = Layout;

/// Draws the number of children of parent row `p`; `value` is the count expression's value
/// for that row, when the count is an expression. `None` when the count overflows.
fn draw_count(c: &CountDist, s: u64, p: u64, value: Option<i64>, scale: f64) -> Option<u64> {
    let mut rng = RowRng::new(s, p);
    if c.zero_inflated > 0.0 && rng.f64() < c.zero_inflated {
        return Some(0);
    }
    let base = match &c.base {
        CountBase::Fixed(n) => *n,
        CountBase::Uniform(a, b) => a + rng.below((b - a).checked_add(1)?),
        CountBase::Poisson(l) => {
            if *l <= 0.0 {
                0
            } else {
                rand_distr::Poisson::new(*l).map_or(0.0, |d| d.sample(&mut rng)) as u64
            }
        }
        CountBase::Geometric(p) => rand_distr::Geometric::new(*p).map_or(0, |d| d.sample(&mut rng)),
        CountBase::Bernoulli(p) => u64::from(rng.f64() < *p),
        // A null count gives no children; a negative one is refused before the draw.
        CountBase::Expr(_) => value.unwrap_or(0).max(0).unsigned_abs(),
    };
    let v = base.checked_add(c.shift)?;
    let v = c.max.map_or(v, |m| v.min(m));
    if !c.scaled {
        return Some(v);
    }
    // Rounded up with the probability of the fraction, so the expected count is `v * scale`
    // exactly; at scale 1 the count is `v` and no draw is made.
    let x = v as f64 * scale;
    if !x.is_finite() || x >= 2f64.powi(53) {
        return None;
    }
    let whole = x.floor();
    let frac = x - whole;
    Some(whole as u64 + u64::from(frac > 0.0 && rng.f64() < frac))
}

/// How the rows of a `per` source are counted: the count stream, the parent, the count, the
/// optional `when` and a cap per parent.
struct PerSource<'a> {
    stream_name: String,
    parent: EntityId,
    count: &'a CountDist,
    when: Option<&'a Expr>,
    cap: Option<u64>,
}

/// One `per` source of a wave: the entity, its `union` member (none for a plain `per`
/// entity), and how it counts.
struct Counted<'a> {
    entity: EntityId,
    member: Option<usize>,
    src: PerSource<'a>,
}

/// The child counts of every `per` source of the entities of a wave, one count per parent
/// row, by (entity, member). Parent rows are read chunk by chunk, and the sources with the
/// same parent share one evaluator per chunk, so a parent attribute that several counts read
/// is computed once. Counting holds one `u64` per parent row and source, nothing more.
fn wave_counts(layout: &Layout, wave: &[EntityId]) -> Vec<(Source, Result<Vec<u64>, Error>)> {
    let mut by_parent: Vec<(EntityId, Vec<Counted>)> = Vec::new();
    for &e in wave {
        for c in per_sources(layout, e) {
            match by_parent.iter_mut().find(|(p, _)| *p == c.src.parent) {
                Some((_, v)) => v.push(c),
                None => by_parent.push((c.src.parent, vec![c])),
            }
        }
    }
    by_parent
        .par_iter()
        .with_max_len(1)
        .flat_map_iter(|(parent, group)| parent_counts(layout, *parent, group))
        .collect()
}

/// The counts of the sources `group`, all `per` the entity `parent`.
fn parent_counts(
    layout: &Layout,
    parent: EntityId,
    group: &[Counted],
) -> Vec<(Source, Result<Vec<u64>, Error>)> {
    let n_parent = layout.entities[parent].rows;
    // Smaller than a generation chunk: most parents fit in one chunk, and counting is cheap
    // per row, so finer pieces let every thread help (the result does not depend on it).
    let chunk = (layout.chunk_rows / 8).max(1024);
    let streams: Vec<u64> = (group.iter())
        .map(|c| stream(layout.seed, &c.src.stream_name))
        .collect();
    let key = |c: &Counted| (c.entity, c.member);
    if usize::try_from(n_parent).is_err() {
        let err = |c: &Counted| Err(overflow(c.entity, 0, "the parent row count"));
        return group.iter().map(|c| (key(c), err(c))).collect();
    }
    // Each source's counts are written in place into its future offsets (slot 0 is left for
    // the base), so planning holds one `u64` per parent row and source, nothing more.
    let n = n_parent as usize;
    let mut outs: Vec<Vec<u64>> = group.iter().map(|_| vec![0u64; n + 1]).collect();
    let mut per_chunk: Vec<Vec<&mut [u64]>> = (0..n.div_ceil(chunk as usize))
        .map(|_| Vec::with_capacity(group.len()))
        .collect();
    for v in &mut outs {
        for (k, piece) in v[1..].chunks_mut(chunk as usize).enumerate() {
            per_chunk[k].push(piece);
        }
    }
    let failed: Vec<(usize, Error)> = per_chunk
        .into_par_iter()
        .enumerate()
        .flat_map_iter(|(k, pieces)| {
            let a = k as u64 * chunk;
            let b = a.saturating_add(chunk).min(n_parent);
            let mut ev = Evaluator::new(layout);
            let f = ev.frame(parent, RowSet::Range(a, b));
            let mut errs = Vec::new();
            for (i, out) in pieces.into_iter().enumerate() {
                if let Err(err) = count_chunk(&mut ev, f, &group[i].src, streams[i], a, out) {
                    errs.push((i, err));
                }
            }
            errs
        })
        .collect();
    let mut out: Vec<(Source, Result<Vec<u64>, Error>)> = (group.iter())
        .zip(outs)
        .map(|(c, v)| (key(c), Ok(v)))
        .collect();
    for (i, err) in failed {
        // The first error by row wins.
        match &out[i].1 {
            Err(prev) if prev.row <= err.row => {}
            _ => out[i].1 = Err(err),
        }
    }
    for ((e, _), acc) in &mut out {
        if let Err(first) = acc
            && first.attr.is_none()
        {
            // A row-count error is the child's; an error in an attribute the count reads
            // (through a parent hop, a pick or a rollup) stays located at that attribute.
            first.entity = *e;
        }
    }
    out
}

/// Child row offsets from the counts of a `per` source (written after a free first slot):
/// `n_parent + 1` prefix sums starting at `base`, summed in place with overflow checks.
fn offsets_from(mut offsets: Vec<u64>, base: u64, child: EntityId) -> Result<Vec<u64>, Error> {
    if offsets.is_empty() {
        offsets.push(0);
    }
    offsets[0] = base;
    for p in 1..offsets.len() {
        offsets[p] = offsets[p - 1]
            .checked_add(offsets[p])
            .ok_or_else(|| overflow(child, p as u64 - 1, "the total row count"))?;
    }
    Ok(offsets)
}

/// The child counts of parent rows `a..a + out.len()` (the rows of frame `f`) for one source,
/// written into `out`.
fn count_chunk(
    ev: &mut Evaluator,
    f: crate::eval::FrameId,
    src: &PerSource,
    s: u64,
    a: u64,
    out: &mut [u64],
) -> Result<(), Error> {
    let keep = src.when.map(|w| {
        let when = ev.eval_expr(f, w);
        ev.settle(f, &when, 0);
        truthy(&when)
    });
    let values = match &src.count.base {
        CountBase::Expr(x) => {
            let mark = ev.mark();
            let v = ev.eval_expr(f, x);
            ev.settle(f, &v, mark);
            Some(v)
        }
        _ => None,
    };
    if let Some(e) = ev.error.take() {
        return Err(e);
    }
    for (i, o) in out.iter_mut().enumerate() {
        let p = a + i as u64;
        if keep.as_ref().is_some_and(|k| !k[i]) {
            *o = 0;
            continue;
        }
        let v = values
            .as_ref()
            .and_then(|c| c.is_valid(i).then(|| c.i64_at(i)));
        if let Some(x) = v.filter(|x| *x < 0) {
            let kind = ErrorKind::Negative {
                what: "a child count".into(),
                value: x.to_string(),
            };
            return Err(Error {
                entity: src.parent,
                attr: None,
                row: p,
                kind,
            });
        }
        let c = draw_count(src.count, s, p, v, ev.layout.scale)
            .ok_or_else(|| overflow(src.parent, p, "a child count"))?;
        *o = src.cap.map_or(c, |m| c.min(m));
    }
    Ok(())
}

/// An overflow of the rows of entity `e`, at (parent) row `row`.
fn overflow(e: EntityId, row: u64, what: &str) -> Error {
    Error {
        entity: e,
        attr: None,
        row,
        kind: ErrorKind::Overflow {
            what: what.to_string(),
        },
    }
}

/// Level boundaries for a hierarchy of `depth` levels over `n` rows: level k starts at
/// about n^(k/depth), so each level is a roughly constant factor wider than the one above.
pub fn hierarchy_levels(n: u64, depth: u32) -> Vec<u64> {
    let mut v = vec![0u64];
    for k in 1..depth {
        let b = (n as f64).powf(f64::from(k) / f64::from(depth)).round() as u64;
        let prev = v.last().copied().unwrap_or(0);
        if b > prev && b < n {
            v.push(b);
        }
    }
    v.push(n);
    v
}

/// Builds the plan. Errors (e.g. uniqueness that becomes infeasible at this scale, or a
/// key sequence that leaves its type) are returned before any data is generated.
pub fn plan(ir: &Ir, opts: PlanOptions) -> Result<Plan, Vec<Diagnostic>> {
    let chunk_rows = opts.chunk_rows.max(1);
    let mut layout = Layout {
        ir: ir.clone(),
        seed: opts.seed,
        scale: opts.scale,
        as_of: opts.as_of,
        chunk_rows,
        file_rows: opts.file_rows.max(chunk_rows).div_ceil(chunk_rows) * chunk_rows,
        entities: vec![EntityLayout::default(); ir.entities.len()],
        zipf: Default::default(),
        groups: Default::default(),
        weights: Default::default(),
        lookups: Default::default(),
        rollups: Default::default(),
    };
    // Row counts wave by wave: every count's inputs (a `when` may read a rollup over another
    // entity's children) are fixed in an earlier wave, and the entities of one wave are
    // planned concurrently (each also splits its parent rows across the threads).
    for wave in &ir.waves {
        let mut counts: Counts = wave_counts(&layout, wave).into_iter().collect();
        let planned: Vec<(EntityId, EntityPlan)> = wave
            .iter()
            .map(|&e| (e, entity_rows(&layout, e, &mut counts)))
            .collect();
        let mut errors = Vec::new();
        for (e, p) in planned {
            match p {
                Ok(p) => layout.entities[e] = p,
                Err(err) => errors.push(err.diagnostic(&layout)),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
    }
    let mut errors = weights(&layout);
    errors.extend(lookups(&layout));
    errors.extend(groups(&layout));
    errors.extend(feasibility(&layout));
    if errors.is_empty() {
        Ok(layout)
    } else {
        Err(errors)
    }
}

/// Builds (or finds, when a row count already picked through it) the cumulative weights of
/// every weighted pick, over all the target's rows: one `f64` per target row.
fn weights(layout: &Layout) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    for (e, ent) in layout.ir.entities.iter().enumerate() {
        for (k, fk) in ent.foreign_keys.iter().enumerate() {
            if !matches!(fk.pick, Pick::Weighted(_)) {
                continue;
            }
            if let Err(err) = crate::eval::weight_table(layout, e, k) {
                errors.push(err.diagnostic(layout));
            }
        }
    }
    errors
}

/// The `per` sources of entity `e`: the entity itself when generated `per` a parent, or its
/// `per` union members.
fn per_sources(layout: &Layout, e: EntityId) -> Vec<Counted<'_>> {
    let ent = &layout.ir.entities[e];
    match &ent.rows {
        Rows::PerParent {
            parent,
            count,
            when,
        } => {
            // Distinct picks cannot have more children than the target has rows.
            let cap = ent
                .foreign_keys
                .iter()
                .filter(|f| f.pick == Pick::Distinct)
                .map(|f| layout.entities[f.target].rows)
                .min();
            let src = PerSource {
                stream_name: format!("{}#rows", ent.qualified),
                parent: *parent,
                count,
                when: when.as_ref(),
                cap,
            };
            vec![Counted {
                entity: e,
                member: None,
                src,
            }]
        }
        Rows::Union(members) => (members.iter().enumerate())
            .filter_map(|(k, m)| match m {
                Rows::PerParent {
                    parent,
                    count,
                    when,
                } => Some(Counted {
                    entity: e,
                    member: Some(k),
                    src: PerSource {
                        stream_name: format!("{}#rows{k}", ent.qualified),
                        parent: *parent,
                        count,
                        when: when.as_ref(),
                        cap: None,
                    },
                }),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A `per` source: an entity and its union member (none for a plain `per` entity).
type Source = (EntityId, Option<usize>);

/// The child counts the wave computed, by source.
type Counts = HashMap<Source, Result<Vec<u64>, Error>>;

/// The counts of one source of entity `e` (member `member` of a union).
fn take_counts(counts: &mut Counts, e: EntityId, member: Option<usize>) -> Result<Vec<u64>, Error> {
    counts
        .remove(&(e, member))
        .unwrap_or_else(|| Err(overflow(e, 0, "the parent row count")))
}

/// The row count of entity `e` and how its rows map to parents (offsets, union members,
/// hierarchy levels), given the layouts of the entities its count needs and the child
/// counts of its `per` sources.
fn entity_rows(layout: &Layout, e: EntityId, counts: &mut Counts) -> Result<EntityLayout, Error> {
    let ent = &layout.ir.entities[e];
    let mut out = EntityLayout::default();
    match &ent.rows {
        Rows::Scaled(_) | Rows::Fixed(_) => out.rows = ent.base_rows(layout.scale).unwrap_or(0),
        Rows::PerParent { .. } => {
            let offsets = offsets_from(take_counts(counts, e, None)?, 0, e)?;
            out.rows = offsets.last().copied().unwrap_or(0);
            out.offsets = Some(Offsets::new(offsets));
        }
        Rows::Union(members) => {
            let mut planned = Vec::with_capacity(members.len());
            let mut start = 0u64;
            for (k, m) in members.iter().enumerate() {
                let (end, offsets) = match m {
                    Rows::PerParent { .. } => {
                        let o = offsets_from(take_counts(counts, e, Some(k))?, start, e)?;
                        (o.last().copied().unwrap_or(start), Some(Offsets::new(o)))
                    }
                    Rows::Scaled(n) => (
                        start
                            .checked_add(crate::ir::rows::scaled(*n, layout.scale))
                            .ok_or_else(|| overflow(e, start, "the total row count"))?,
                        None,
                    ),
                    Rows::Fixed(n) => (
                        start
                            .checked_add(*n)
                            .ok_or_else(|| overflow(e, start, "the total row count"))?,
                        None,
                    ),
                    Rows::Union(_) => (start, None),
                };
                planned.push(MemberLayout {
                    start,
                    end,
                    offsets,
                });
                start = end;
            }
            out.rows = start;
            out.members = Some(planned);
        }
    }
    for fk in &ent.foreign_keys {
        if let Pick::Hierarchy { depth } = fk.pick {
            out.levels = Some(hierarchy_levels(out.rows, depth));
        }
    }
    Ok(out)
}

/// The values an expression can take when they are all literals (`case` / `if` / `coalesce`
/// over constants); `None` when a value depends on the row.
fn literal_values(e: &Expr, out: &mut Vec<Value>) -> bool {
    use crate::ir::expr::Func;
    match &e.kind {
        ExprKind::Lit(v) => {
            out.push(v.clone());
            true
        }
        ExprKind::Case { whens, otherwise } => {
            whens.iter().all(|(_, v)| literal_values(v, out))
                && otherwise.as_ref().is_none_or(|o| literal_values(o, out))
        }
        ExprKind::Call(Func::If, args) => args[1..].iter().all(|a| literal_values(a, out)),
        ExprKind::Call(Func::Coalesce, args) => args.iter().all(|a| literal_values(a, out)),
        _ => false,
    }
}

/// Maps the key values of every `lookup` target to rows. When a lookup expression's values
/// are all literals they are checked here, before anything is generated; other values are
/// checked row by row as the entity is generated (`generate::chunk` refuses the chunk).
fn lookups(plan: &Layout) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    let ir = &plan.ir;
    for (e, ent) in ir.entities.iter().enumerate() {
        for (k, fk) in ent.foreign_keys.iter().enumerate() {
            let Pick::Lookup(x) = &fk.pick else {
                continue;
            };
            let map = match crate::eval::lookup_map(plan, e, k) {
                Ok(m) => m,
                Err(err) => {
                    errors.push(err.diagnostic(plan));
                    continue;
                }
            };
            let mut lits = Vec::new();
            if literal_values(x, &mut lits)
                && let Some(value) = first_missing(&lits, |t| map.contains_key(t))
            {
                let m = Error {
                    entity: e,
                    attr: Some(fk.columns[0]),
                    row: 0,
                    kind: ErrorKind::LookupMiss { fk: k, value },
                };
                errors.push(m.diagnostic(plan));
            }
        }
    }
    errors
}

/// Builds the grouped index of every `match` pick: the target's rows by the matched
/// attribute's value (as text), with cumulative weights within each group when weighted. The
/// target is read chunk by chunk. When the pick's values are literals, or a `choice`/`cycle`
/// of this entity, each is checked here to have a row; other values row by row as the entity
/// is generated.
fn groups(plan: &Layout) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    let ir = &plan.ir;
    for (e, ent) in ir.entities.iter().enumerate() {
        for (k, fk) in ent.foreign_keys.iter().enumerate() {
            let Pick::Match {
                value, empty_null, ..
            } = &fk.pick
            else {
                continue;
            };
            let mut lits = Vec::new();
            let known = literal_values(value, &mut lits) || finite_values(ir, e, value, &mut lits);
            if !known || *empty_null {
                // Other values are checked as rows are generated; the index is built then.
                continue;
            }
            let g = match crate::eval::match_groups(plan, e, k) {
                Ok(g) => g,
                Err(err) => {
                    errors.push(err.diagnostic(plan));
                    continue;
                }
            };
            if let Some(value) = first_missing(&lits, |t| g.group(t).is_some()) {
                let m = Error {
                    entity: e,
                    attr: Some(fk.columns[0]),
                    row: 0,
                    kind: ErrorKind::EmptyGroup { fk: k, value },
                };
                errors.push(m.diagnostic(plan));
            }
        }
    }
    errors
}

/// The first of the known values `lits` (as text, nulls aside) that `has` says has no row.
fn first_missing(lits: &[Value], has: impl Fn(&str) -> bool) -> Option<String> {
    lits.iter()
        .filter(|v| **v != Value::Null)
        .map(|v| match v {
            Value::Str(s) => s.clone(),
            v => v.display(),
        })
        .find(|t| !has(t))
}

/// The values an expression that is a plain column of entity `e` with a `choice` or `cycle`
/// generator can take.
fn finite_values(ir: &Ir, e: EntityId, x: &Expr, out: &mut Vec<Value>) -> bool {
    let ExprKind::Col(c) = &x.kind else {
        return false;
    };
    let owner = if c.hops.is_empty() { e } else { c.entity };
    match &ir.entities[owner].attributes[c.attr].generator {
        Generator::Choice { values, .. } | Generator::Cycle(values) => {
            out.extend(values.iter().cloned());
            true
        }
        _ => false,
    }
}

/// Uniqueness that holds at scale 1 can become impossible at a larger scale, and key
/// sequences or child indices can outgrow their integer type.
fn feasibility(layout: &Layout) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let scales = crate::ir::rows::scales(&layout.ir.entities);
    for (e, ent) in layout.ir.entities.iter().enumerate() {
        let rows = layout.entities[e].rows;
        for j in &ent.joint {
            let cap = j.combinations();
            if cap < rows {
                let names: Vec<&str> = j
                    .attrs
                    .iter()
                    .map(|&a| ent.attributes[a].name.as_str())
                    .collect();
                out.push(
                    Diagnostic::error(
                        codes::INFEASIBLE_UNIQUE,
                        Some(j.span),
                        format!("`{}` ({}) must be unique together, but at --scale {} it needs {rows} distinct combinations and its attributes have {cap}", ent.qualified, names.join(", "), layout.scale),
                    )
                    .with_help(if scales[e] {
                        "add values to the attributes' domains or use a smaller --scale"
                    } else {
                        "the entity's rows do not scale: add values to the attributes' domains or lower its row count"
                    }),
                );
            }
        }
        for (i, a) in ent.attributes.iter().enumerate() {
            if let Some(d) = out_of_type(layout, e, a) {
                out.push(d);
            }
            // The same attributes as the resolver's check: unique ones and a one-column key.
            if !(a.unique || ent.primary_key == [i]) {
                continue;
            }
            let cap: Option<u64> = match &a.generator {
                Generator::Choice { values, .. } | Generator::Cycle(values) => {
                    Some(values.len() as u64)
                }
                Generator::Dist {
                    dist: Dist::Uniform(lo, hi),
                    ..
                } if a.ty.is_integer() => Some((hi.floor() - lo.ceil() + 1.0).max(0.0) as u64),
                Generator::Between { lo, hi, .. } => {
                    Some(u64::try_from(i128::from(*hi) - i128::from(*lo) + 1).unwrap_or(u64::MAX))
                }
                Generator::Const(_) => Some(1),
                Generator::Dist {
                    dist: Dist::Bernoulli { .. },
                    ..
                } => Some(2),
                _ => None,
            };
            if let Some(cap) = cap
                && cap < rows
            {
                out.push(
                    Diagnostic::error(
                        codes::INFEASIBLE_UNIQUE,
                        Some(a.span),
                        format!("`{}.{}` must be unique, but at --scale {} it needs {rows} distinct values and its generator has {cap}", ent.qualified, a.name, layout.scale),
                    )
                    .with_help(if scales[e] {
                        "widen the value range or use a smaller --scale"
                    } else {
                        "the entity's rows do not scale: widen the value range or lower its row count"
                    }),
                );
            }
        }
    }
    out
}

/// A key sequence or child index whose values at this scale leave the attribute's integer
/// type (they would repeat the type's maximum or wrap).
fn out_of_type(layout: &Layout, e: EntityId, a: &Attribute) -> Option<Diagnostic> {
    if !a.ty.is_integer() {
        return None;
    }
    let ent = &layout.ir.entities[e];
    let el = &layout.entities[e];
    let (lo, hi) = a.ty.int_range();
    let (first, last) = match &a.generator {
        Generator::Sequence { start, step } if el.rows > 0 => {
            let last = i128::from(*start) + i128::from(el.rows - 1) * i128::from(*step);
            (i128::from(*start), last)
        }
        Generator::ChildIndex => {
            let max = match (&el.offsets, &el.members) {
                (Some(o), _) => o.widest(),
                (None, Some(m)) => m
                    .iter()
                    .map(|m| m.offsets.as_ref().map_or(m.end - m.start, Offsets::widest))
                    .max()
                    .unwrap_or(0),
                _ => 0,
            };
            (1, i128::from(max))
        }
        _ => return None,
    };
    let (min, max) = (first.min(last), first.max(last));
    if min >= i128::from(lo) && max <= i128::from(hi) {
        return None;
    }
    let what = match a.generator {
        Generator::ChildIndex => "child index".to_string(),
        _ => "key sequence".to_string(),
    };
    Some(
        Diagnostic::error(
            codes::INFEASIBLE_UNIQUE,
            Some(a.span),
            format!(
                "`{}.{}` is a {what} that reaches {} at --scale {} ({} rows), outside {}'s range {lo}..={hi}",
                ent.qualified,
                a.name,
                if max > i128::from(hi) { max } else { min },
                layout.scale,
                el.rows,
                a.ty,
            ),
        )
        .with_help(if a.ty == Type::Int64 {
            "use a smaller --scale, fewer rows, or a string key (`key: { format: \"K-{row:012}\" }`)"
        } else {
            "use a wider integer type (e.g. int64) or a smaller --scale"
        }),
    )
}
