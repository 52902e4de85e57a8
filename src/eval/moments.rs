//! A row's life over time beyond its creation and events: the versions of its mutable
//! attributes (`time.changes`), its hard delete (`time.deleted`), and the *moments* at which
//! its as-of state may change, from which the daily increments pick the rows that change on
//! a day. Each is a pure function of (seed, entity, attribute, row): a row's change times are
//! drawn from the stream `<entity>.<attribute>#changes` after its creation, version `k` of a
//! mutable attribute from the attribute's value stream named `…@v<k>`, and whether a delete
//! is hard from `<entity>#hard`; after its last change a row holds its full-lake value.

use super::column::Column;
use super::rng::{RowRng, unit_at};
use super::{Evaluator, FrameId, RowSet};
use crate::hash::stream;
use crate::ir::{AttrId, Change, Entity, EntityId, FkId, Generator, Hop, Pick, Rows, timed};
use std::sync::Arc;

/// Whether a row of entity `e` can be hard deleted: `e` or one of its `per` parents or
/// `union` sources declares hard deletes.
pub fn hard_deleted(entities: &[Entity], e: EntityId) -> bool {
    let ent = &entities[e];
    (ent.time.as_ref())
        .and_then(|t| t.deleted.as_ref())
        .is_some_and(|d| d.hard > 0.0)
        || ent
            .parent()
            .is_some_and(|p| p != e && hard_deleted(entities, p))
        || (ent.sources().iter().flatten()).any(|&s| s != e && hard_deleted(entities, s))
}

/// Which attributes of entity `e` its change rows can show: the exported ones, its time
/// attributes, and every attribute of the row they read (a hidden rollup that only other
/// rows read keeps its full-lake value there, so its children's moments do not matter).
fn exported_reads(entities: &[Entity], e: EntityId) -> Vec<bool> {
    let ent = &entities[e];
    let mut read: Vec<bool> = ent.attributes.iter().map(|a| !a.hidden).collect();
    if let Some(t) = &ent.time {
        read[t.created] = true;
        t.events.iter().for_each(|&a| read[a] = true);
        t.changes.iter().for_each(|c| read[c.attr] = true);
        t.deleted.iter().for_each(|d| read[d.at] = true);
    }
    let mut stack: Vec<AttrId> = (0..read.len()).filter(|&a| read[a]).collect();
    while let Some(a) = stack.pop() {
        for (x, y) in crate::resolve::reads(entities, e, a) {
            if x == e && !read[y] {
                read[y] = true;
                stack.push(y);
            }
        }
    }
    read
}

/// The `per` parent and `union` source hops of entity `e`'s rows.
fn ancestor_hops(rows: &Rows) -> Vec<Hop> {
    match rows {
        Rows::PerParent { .. } => vec![Hop::Parent],
        Rows::Union(members) => (members.iter().enumerate())
            .filter(|(_, m)| matches!(m, Rows::PerParent { .. }))
            .map(|(k, _)| Hop::Source(k))
            .collect(),
        _ => Vec::new(),
    }
}

/// How deep [`no_later`] follows references through references before giving up.
const MAX_HOPS: usize = 16;

/// Whether foreign key `k` of entity `e` only ever references a row that begins no later
/// than the referencing row: its `per` parent, an ancestor reached through `per` parents,
/// `union` sources and such references, or a child without `time` of such an ancestor
/// (which begins with it). The beginning of such a row is never a moment of its own: the
/// row itself does not exist before it.
pub fn no_later(entities: &[Entity], e: EntityId, k: FkId, depth: usize) -> bool {
    let Some(fk) = entities[e].foreign_keys.get(k) else {
        return false;
    };
    if depth > MAX_HOPS {
        return false;
    }
    match &fk.pick {
        Pick::Parent => true,
        Pick::Path(paths) => {
            (paths.iter()).all(|p| ancestor_along(entities, e, p, depth).is_some())
        }
        Pick::NthChild { paths, member, .. } => {
            let target = &entities[fk.target];
            let parent = match member {
                Some(m) => target.sources().get(*m).copied().flatten(),
                None => target.parent(),
            };
            target.time.is_none()
                && parent.is_some()
                && (paths.iter()).all(|p| ancestor_along(entities, e, p, depth) == parent)
        }
        _ => false,
    }
}

/// The entity reached from entity `e` along `hops` when every hop leads to a row that begins
/// no later than the row before it (see [`no_later`]); `None` otherwise.
fn ancestor_along(
    entities: &[Entity],
    e: EntityId,
    hops: &[Hop],
    depth: usize,
) -> Option<EntityId> {
    let mut cur = e;
    for h in hops {
        cur = match *h {
            Hop::Parent => entities[cur].parent()?,
            Hop::Source(m) => entities[cur].sources().get(m).copied().flatten()?,
            Hop::Fk(k) => {
                if !no_later(entities, cur, k, depth + 1) {
                    return None;
                }
                entities[cur].foreign_keys[k].target
            }
        };
    }
    Some(cur)
}

/// The window of days of one increments run, `[lo, hi)` in ms, and the moments in it of the
/// entities whose moments a rollup reads, computed once for all their rows: by entity, the
/// (row, moment) pairs in order.
#[derive(Debug, Default)]
pub struct Window {
    pub lo: i64,
    pub hi: i64,
    pub known: Vec<Option<Vec<(u64, i64)>>>,
    /// By entity, when all its rows' beginnings were scanned: whether any is in the window.
    /// A reference to an entity none of whose rows begins in the window adds no moment in
    /// it, so its picks are not computed for the moments.
    pub begins_in: Vec<Option<bool>>,
}

/// The referenced entities worth scanning for beginnings in a window: timed targets of
/// references that may point at a later row ([`no_later`]), no larger than an entity
/// referencing them (scanning costs a pass over the target's rows, each referencing chunk
/// saves its picks).
pub fn scanned_targets(entities: &[Entity], rows: &[u64]) -> Vec<EntityId> {
    let mut out = Vec::new();
    for (e, ent) in entities.iter().enumerate() {
        for (k, fk) in ent.foreign_keys.iter().enumerate() {
            let t = fk.target;
            if timed(entities, t)
                && !no_later(entities, e, k, 0)
                && rows[t] <= rows[e]
                && !out.contains(&t)
            {
                out.push(t);
            }
        }
    }
    out
}

impl Window {
    /// The moments in the window of rows `a..b` of entity `e`, when they are known.
    fn of(&self, e: EntityId, a: u64, b: u64) -> Option<&[(u64, i64)]> {
        let k = self.known.get(e)?.as_ref()?;
        let from = k.partition_point(|x| x.0 < a);
        let to = k.partition_point(|x| x.0 < b);
        Some(&k[from..to])
    }
}

/// The entities whose moments the rollups of entity `e` read: its `per` children with time
/// rolled up by an attribute its change rows can show.
pub fn rolled_up(entities: &[Entity], e: EntityId) -> Vec<EntityId> {
    let read = exported_reads(entities, e);
    let mut children = Vec::new();
    for (a, attr) in entities[e].attributes.iter().enumerate() {
        if let Generator::Rollup {
            via: None, child, ..
        } = &attr.generator
            && read[a]
            && timed(entities, *child)
            && !children.contains(child)
        {
            children.push(*child);
        }
    }
    children
}

impl Evaluator<'_> {
    /// The change times of mutable attribute `c` for every row of true frame `f`, sorted.
    pub fn change_times(&mut self, f: FrameId, c: &Change) -> Vec<Vec<i64>> {
        let e = self.frames[f].entity;
        let Some(t) = self.ir.entities[e].time.as_ref() else {
            return vec![Vec::new(); self.len(f)];
        };
        let created = self.attr(f, t.created);
        let s = self.key(e, c.attr, "#changes");
        let (lo, hi) = c.versions;
        let span = (c.max_ms - c.min_ms).max(0) as f64 + 1.0;
        (0..self.len(f))
            .map(|i| {
                if !created.is_valid(i) {
                    return Vec::new();
                }
                let mut rng = RowRng::new(s, self.frames[f].rows.get(i));
                let n = lo + rng.below(hi - lo + 1);
                let base = created.ms_at(i).saturating_add(c.min_ms);
                let mut ts: Vec<i64> = (0..n)
                    .map(|_| base.saturating_add((rng.f64() * span) as i64))
                    .collect();
                ts.sort_unstable();
                ts
            })
            .collect()
    }

    /// Puts the earlier versions of mutable attribute `a` into `col` (its values over true
    /// frame `t`) for the rows whose last change comes after the cutoff.
    pub(super) fn versions(&mut self, t: FrameId, a: AttrId, col: &mut Column) {
        let Some(cutoff) = self.cutoff else {
            return;
        };
        let e = self.frames[t].entity;
        let ir = self.ir;
        let Some(c) =
            (ir.entities[e].time.as_ref()).and_then(|x| x.changes.iter().find(|c| c.attr == a))
        else {
            return;
        };
        let times = self.change_times(t, c);
        let which: Vec<Option<usize>> = (times.iter())
            .map(|ts| {
                let k = ts.iter().filter(|&&x| x < cutoff).count();
                (k < ts.len()).then_some(k)
            })
            .collect();
        let Some(top) = which.iter().flatten().max().copied() else {
            return;
        };
        let mut earlier: Vec<Option<Column>> = vec![None; top + 1];
        for k in which.iter().flatten() {
            if earlier[*k].is_none() {
                earlier[*k] = Some(self.version(t, a, *k));
            }
        }
        let values: Vec<_> = (which.iter().enumerate())
            .map(|(i, k)| match k.and_then(|k| earlier[k].as_ref()) {
                Some(v) => v.value(i),
                None => col.value(i),
            })
            .collect();
        let idx: Vec<usize> = (0..values.len()).collect();
        *col = super::values::from_values(&values, ir.entities[e].attributes[a].ty, &idx);
    }

    /// Version `k` of mutable attribute `a` over frame `f`: its generator's values from the
    /// version's stream, in the attribute's type, with its null rate.
    fn version(&mut self, f: FrameId, a: AttrId, k: usize) -> Column {
        let e = self.frames[f].entity;
        let mark = self.mark();
        let raw = self.generate_with(f, a, &format!("@v{k}"));
        self.deferred.truncate(mark);
        let (mut col, _) = raw.cast_checked(self.ir.entities[e].attributes[a].ty);
        self.null_rate(f, a, &mut col);
        col
    }

    /// When each row of true frame `f` stops existing (ms; `i64::MAX` for never): its own
    /// hard delete or that of a `per` parent or `union` source. `None` when no row can be
    /// hard deleted.
    pub fn ends(&mut self, f: FrameId) -> Option<Arc<Vec<i64>>> {
        if let Some(t) = self.frames[f].view_of {
            return self.ends(t);
        }
        let e = self.frames[f].entity;
        if !hard_deleted(&self.ir.entities, e) {
            return None;
        }
        if let Some(x) = &self.frames[f].ends {
            return x.clone();
        }
        let ir = self.ir;
        let ent = &ir.entities[e];
        let n = self.len(f);
        let mut end = vec![i64::MAX; n];
        if let Some(d) = ent.time.as_ref().and_then(|t| t.deleted.as_ref())
            && d.hard > 0.0
        {
            let at = self.attr(f, d.at);
            let s = stream(self.layout.seed, &format!("{}#hard", ent.qualified));
            for (i, x) in end.iter_mut().enumerate() {
                if at.is_valid(i) && unit_at(s, self.frames[f].rows.get(i)) < d.hard {
                    *x = at.ms_at(i);
                }
            }
        }
        for hop in ancestor_hops(&ent.rows) {
            let (pf, map) = self.link(f, hop);
            if let Some(pe) = self.ends(pf) {
                for (x, &j) in end.iter_mut().zip(map.iter()) {
                    if j != u32::MAX {
                        *x = (*x).min(pe[j as usize]);
                    }
                }
            }
        }
        let end = Some(Arc::new(end));
        self.frames[f].ends = Some(end.clone());
        end
    }

    /// Whether each row of true frame `f` is in the lake as of the cutoff: created by then
    /// (see [`Evaluator::exists`]) and not hard deleted before it.
    pub fn alive(&mut self, f: FrameId) -> Option<Arc<Vec<bool>>> {
        let cutoff = self.cutoff?;
        let x = self.exists(f);
        let Some(end) = self.ends(f) else {
            return x;
        };
        let keep: Vec<bool> = (0..self.len(f))
            .map(|i| x.as_ref().is_none_or(|x| x[i]) && end[i] >= cutoff)
            .collect();
        Some(Arc::new(keep))
    }

    /// When each row of true frame `f` comes into existence (ms; `i64::MIN` for always): its
    /// creation, or later its `per` parent's or `union` source's.
    pub fn begins(&mut self, f: FrameId) -> Arc<Vec<i64>> {
        if let Some(b) = &self.frames[f].begins {
            return b.clone();
        }
        let e = self.frames[f].entity;
        let n = self.len(f);
        let mut begin = vec![i64::MIN; n];
        let ir = self.ir;
        if timed(&ir.entities, e) {
            let ent = &ir.entities[e];
            if let Some(t) = &ent.time {
                let c = self.attr(f, t.created);
                for (i, b) in begin.iter_mut().enumerate() {
                    if c.is_valid(i) {
                        *b = c.ms_at(i);
                    }
                }
            }
            for hop in ancestor_hops(&ent.rows) {
                let (pf, map) = self.link(f, hop);
                let pb = self.begins(pf);
                for (b, &j) in begin.iter_mut().zip(map.iter()) {
                    if j != u32::MAX {
                        *b = (*b).max(pb[j as usize]);
                    }
                }
            }
        }
        let begin = Arc::new(begin);
        self.frames[f].begins = Some(begin.clone());
        begin
    }

    /// Every moment (ms) at which the as-of state of a row of true frame `f` may change: its
    /// beginning and end, its events and changes, the beginning of each row it references
    /// (a reference is null before), and the moments of its children that its rollups read.
    /// Fails, naming the attribute, on a rollup over referencing rows whose rows depend on
    /// time (their moments would need a pass over every referencing row).
    pub fn moments(&mut self, f: FrameId) -> Result<Vec<Vec<i64>>, String> {
        let e = self.frames[f].entity;
        let ir = self.ir;
        let ent = &ir.entities[e];
        let n = self.len(f);
        let mut out: Vec<Vec<i64>> = vec![Vec::new(); n];
        let push = |out: &mut Vec<Vec<i64>>, i: usize, t: i64| {
            if t != i64::MIN && t != i64::MAX {
                out[i].push(t);
            }
        };
        for (i, &b) in self.begins(f).iter().enumerate() {
            push(&mut out, i, b);
        }
        if let Some(end) = self.ends(f) {
            for (i, &x) in end.iter().enumerate() {
                push(&mut out, i, x);
            }
        }
        if let Some(t) = &ent.time {
            for &a in &t.events {
                let c = self.attr(f, a);
                for i in 0..n {
                    if c.is_valid(i) {
                        push(&mut out, i, c.ms_at(i));
                    }
                }
            }
            for c in &t.changes {
                for (i, ts) in self.change_times(f, c).into_iter().enumerate() {
                    out[i].extend(ts);
                }
            }
        }
        for (k, fk) in ent.foreign_keys.iter().enumerate() {
            // A referenced row that never begins after the row adds no moment of its own.
            if !timed(&ir.entities, fk.target) || no_later(&ir.entities, e, k, 0) {
                continue;
            }
            // Nothing it references begins in the increments' window.
            if (self.window).is_some_and(|w| w.begins_in.get(fk.target) == Some(&Some(false))) {
                continue;
            }
            let (tf, map) = self.link(f, Hop::Fk(k));
            let tb = self.begins(tf);
            for (i, &j) in map.iter().enumerate() {
                if j != u32::MAX {
                    push(&mut out, i, tb[j as usize]);
                }
            }
        }
        self.rollup_moments(f, &mut out)?;
        for m in &mut out {
            m.sort_unstable();
            m.dedup();
        }
        Ok(out)
    }

    /// Adds to `out` the moments of the children that frame `f`'s rollups read (from the
    /// window, when it holds them).
    fn rollup_moments(&mut self, f: FrameId, out: &mut [Vec<i64>]) -> Result<(), String> {
        let e = self.frames[f].entity;
        let ir = self.ir;
        let read = exported_reads(&ir.entities, e);
        for (a, attr) in ir.entities[e].attributes.iter().enumerate() {
            match &attr.generator {
                // An entity without `time` keeps its full-lake rollups over referencing rows.
                Generator::Rollup {
                    via: Some(_),
                    child,
                    ..
                } if read[a] && timed(&ir.entities, *child) && timed(&ir.entities, e) => {
                    return Err(format!(
                        "`{}.{}` rolls up rows of `{}` that reference it, whose rows depend on \
                         time; increments support rollups over `per` children only",
                        ir.entities[e].qualified, attr.name, ir.entities[*child].qualified
                    ));
                }
                _ => {}
            }
        }
        for child in rolled_up(&ir.entities, e) {
            if self.known_children(f, child, out) {
                continue;
            }
            let (cf, seg) = self.children(f, child);
            let cm = self.moments(cf)?;
            for (i, o) in out.iter_mut().enumerate() {
                for m in &cm[seg[i] as usize..seg[i + 1] as usize] {
                    o.extend(m.iter().copied());
                }
            }
        }
        Ok(())
    }

    /// Adds to `out` the moments in the window of the children in entity `child` of frame
    /// `f`'s rows, when the window holds them; whether it does.
    fn known_children(&self, f: FrameId, child: EntityId, out: &mut [Vec<i64>]) -> bool {
        let Some(w) = self.window else {
            return false;
        };
        let Some(offsets) = self.layout.entities[child].offsets.as_ref() else {
            return false;
        };
        if w.known.get(child).is_none_or(Option::is_none) {
            return false;
        }
        let rows = &self.frames[f].rows;
        for (i, o) in out.iter_mut().enumerate() {
            let r = rows.get(i) as usize;
            let ms = w
                .of(child, offsets.get(r), offsets.get(r + 1))
                .unwrap_or_default();
            o.extend(ms.iter().map(|x| x.1));
        }
        true
    }

    /// The moments of the rows of true frame `f` for the increments' window: read from the
    /// window when it holds the entity's; else computed, and only for the rows that begin
    /// before the window's end (a row that does not exist by then has no change row in it),
    /// the others left without moments.
    pub fn window_moments(&mut self, f: FrameId) -> Result<Vec<Vec<i64>>, String> {
        let e = self.frames[f].entity;
        let n = self.len(f);
        let Some(w) = self.window else {
            return self.moments(f);
        };
        if let (Some(_), RowSet::Range(a, b)) = (w.known[e].as_ref(), &self.frames[f].rows) {
            let mut out = vec![Vec::new(); n];
            for &(r, m) in w.of(e, *a, *b).unwrap_or_default() {
                out[(r - a) as usize].push(m);
            }
            return Ok(out);
        }
        let begins = self.begins(f);
        let keep: Vec<u32> = (0..n as u32)
            .filter(|&i| begins[i as usize] < w.hi)
            .collect();
        if keep.len() == n {
            return self.moments(f);
        }
        let s = self.subframe(f, &keep);
        let ms = self.moments(s)?;
        let mut out = vec![Vec::new(); n];
        for (&i, m) in keep.iter().zip(ms) {
            out[i as usize] = m;
        }
        Ok(out)
    }
}
