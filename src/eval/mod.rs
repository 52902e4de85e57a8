//! The evaluator: computes any attribute of any entity over any set of rows, reading only the
//! IR and the [`Layout`]. A frame is a set
//! of row indices of one entity with a cache of the columns computed for it; hops to the
//! parent row, to referenced rows (foreign-key picks) and to child rows (rollups) create linked
//! frames over the needed rows only. Because every value is a pure function of the row index,
//! a frame over scattered rows yields exactly the values a full scan would: this is what keeps
//! foreign keys, parent-derived values, time ordering and rollups consistent across chunks,
//! files and threads.

mod asof;
pub mod column;
pub mod error;
pub mod exprs;
mod funcs;
pub mod moments;
pub mod rng;
pub mod rollup;
pub mod values;

use crate::hash::{mix2, stream};
use crate::ir::expr::Builtin;
use crate::ir::*;
use crate::layout::Layout;
use column::{Column, Data};
pub use error::{Error, ErrorKind, MAX_VALUE_BYTES};
pub use exprs::truthy;
use rng::{Permutation, RowRng, unit_at};
use std::collections::HashMap;
use std::sync::Arc;

pub type FrameId = usize;

/// The rows of a frame: a contiguous range or a sorted list of distinct indices.
#[derive(Clone, Debug)]
pub enum RowSet {
    Range(u64, u64),
    List(Vec<u64>),
}

impl RowSet {
    pub fn len(&self) -> usize {
        match self {
            RowSet::Range(a, b) => (b - a) as usize,
            RowSet::List(v) => v.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    #[inline]
    pub fn get(&self, i: usize) -> u64 {
        match self {
            RowSet::Range(a, _) => a + i as u64,
            RowSet::List(v) => v[i],
        }
    }
    pub fn to_vec(&self) -> Vec<u64> {
        (0..self.len()).map(|i| self.get(i)).collect()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Link {
    Parent,
    Fk(FkId),
    Source(usize),
    Children(EntityId),
}

struct Frame {
    entity: EntityId,
    rows: RowSet,
    cols: HashMap<AttrId, Arc<Column>>,
    parent_idx: Option<Arc<Vec<u64>>>,
    picks: HashMap<FkId, Arc<Vec<u64>>>,
    /// Linked frame and, for each row of this frame, the row in the linked frame
    /// (`u32::MAX` for none). For `Children`, the map holds segment starts instead.
    links: HashMap<Link, (FrameId, Arc<Vec<u32>>)>,
    /// Which rows exist as of the run's date, once computed (see `asof.rs`).
    exists: Option<Arc<Vec<bool>>>,
    /// For the as-of view of a frame's rows: the frame of their true values (see `asof.rs`).
    view_of: Option<FrameId>,
    /// When each row stops existing (a hard delete of it or an ancestor), once computed.
    ends: Option<Option<Arc<Vec<i64>>>>,
    /// When each row comes into existence (its creation or an ancestor's), once computed.
    begins: Option<Arc<Vec<i64>>>,
}

/// Marks a missing reference in pick vectors.
pub const NONE: u64 = u64::MAX;

pub struct Evaluator<'p> {
    pub layout: &'p Layout,
    pub ir: &'p Ir,
    frames: Vec<Frame>,
    /// The first value met that cannot be generated or stored (the chunk is then refused).
    pub error: Option<Error>,
    /// The attribute being computed, to locate errors.
    current: Option<(EntityId, AttrId)>,
    /// Values that could not be computed (an overflow) and were made null, by frame and row:
    /// an error only if the null reaches the attribute's value (see [`Evaluator::settle`]).
    deferred: Vec<(FrameId, usize, ErrorKind)>,
    /// The as-of cutoff (ms since 1970) views are evaluated at: the run's `--as-of`, or a
    /// day of the increments ([`Evaluator::at`]).
    cutoff: Option<i64>,
    /// The window of days of the increments and the moments already computed in it
    /// ([`Evaluator::within`]).
    window: Option<&'p moments::Window>,
}

impl<'p> Evaluator<'p> {
    pub fn new(layout: &'p Layout) -> Evaluator<'p> {
        Evaluator {
            layout,
            ir: &layout.ir,
            frames: Vec::new(),
            error: None,
            current: None,
            deferred: Vec::new(),
            cutoff: layout.as_of,
            window: None,
        }
    }

    /// An evaluator for the moments of the increments' window `w`: the moments of the
    /// entities `w` holds are read from it, not computed again.
    pub fn within(layout: &'p Layout, w: &'p moments::Window) -> Evaluator<'p> {
        let mut ev = Evaluator::new(layout);
        ev.window = Some(w);
        ev
    }

    /// An evaluator whose views are as of `cutoff` (the first instant after a day).
    pub fn at(layout: &'p Layout, cutoff: i64) -> Evaluator<'p> {
        let mut ev = Evaluator::new(layout);
        ev.cutoff = Some(cutoff);
        ev
    }

    /// Makes the faulty rows of a column null and defers their errors to
    /// [`Evaluator::settle`]: a `case` branch that is not taken may hold them harmlessly.
    pub(crate) fn defer(
        &mut self,
        f: FrameId,
        mut col: Column,
        faults: Vec<(usize, ErrorKind)>,
    ) -> Column {
        if faults.is_empty() {
            return col;
        }
        let mut keep = vec![true; col.len()];
        for (i, kind) in faults {
            keep[i] = false;
            self.deferred.push((f, i, kind));
        }
        col.mask(&keep);
        col
    }

    /// The number of deferred errors so far; pass it to [`Evaluator::settle`].
    pub fn mark(&self) -> usize {
        self.deferred.len()
    }

    /// Turns the errors deferred since `mark` into the evaluator's error where `col` (a value
    /// computed over frame `f`) is null at their row: the faulty value reached it.
    pub fn settle(&mut self, f: FrameId, col: &Column, mark: usize) {
        let pending = self.deferred.split_off(mark.min(self.deferred.len()));
        for (pf, i, kind) in pending {
            if pf == f && !col.is_valid(i) {
                self.fail(f, i, kind);
            }
        }
    }

    /// Records an error at row `i` of frame `f`, unless one was recorded already: the
    /// attribute being computed when it belongs to the frame's entity, else the entity's rows.
    pub fn fail(&mut self, f: FrameId, i: usize, kind: ErrorKind) {
        if self.error.is_some() {
            return;
        }
        let entity = self.frames[f].entity;
        let attr = self.current.and_then(|(e, a)| (e == entity).then_some(a));
        let row = self.frames[f].rows.get(i);
        self.error = Some(Error {
            entity,
            attr,
            row,
            kind,
        });
    }

    pub fn frame(&mut self, entity: EntityId, rows: RowSet) -> FrameId {
        self.frames.push(Frame {
            entity,
            rows,
            cols: HashMap::new(),
            parent_idx: None,
            picks: HashMap::new(),
            links: HashMap::new(),
            exists: None,
            view_of: None,
            ends: None,
            begins: None,
        });
        self.frames.len() - 1
    }

    /// A frame over the rows of true frame `f` at positions `keep` (ascending), which takes
    /// along what was computed for `f` so far (columns, references, beginnings and ends):
    /// every value is a function of its row alone.
    pub fn subframe(&mut self, f: FrameId, keep: &[u32]) -> FrameId {
        let src = &self.frames[f];
        let rows: Vec<u64> = keep.iter().map(|&i| src.rows.get(i as usize)).collect();
        let take = |v: &Arc<Vec<u64>>| Arc::new(keep.iter().map(|&i| v[i as usize]).collect());
        let take_ms = |v: &Arc<Vec<i64>>| Arc::new(keep.iter().map(|&i| v[i as usize]).collect());
        let cols = (src.cols.iter())
            .map(|(&a, c)| (a, Arc::new(c.gather(keep))))
            .collect();
        let picks = (src.picks.iter()).map(|(&k, p)| (k, take(p))).collect();
        let parent_idx = src.parent_idx.as_ref().map(take);
        let begins = src.begins.as_ref().map(take_ms);
        let ends = (src.ends.as_ref()).map(|x| x.as_ref().map(take_ms));
        let entity = src.entity;
        let contiguous = rows
            .first()
            .is_some_and(|&a| rows[rows.len() - 1] - a + 1 == rows.len() as u64);
        let set = if contiguous {
            RowSet::Range(rows[0], rows[rows.len() - 1] + 1)
        } else {
            RowSet::List(rows)
        };
        let s = self.frame(entity, set);
        let fr = &mut self.frames[s];
        fr.cols = cols;
        fr.picks = picks;
        fr.parent_idx = parent_idx;
        fr.begins = begins;
        fr.ends = ends;
        s
    }

    pub fn len(&self, f: FrameId) -> usize {
        self.frames[f].rows.len()
    }

    pub fn rows(&self, f: FrameId) -> &RowSet {
        &self.frames[f].rows
    }

    fn key(&self, e: EntityId, a: AttrId, what: &str) -> u64 {
        let ent = &self.ir.entities[e];
        stream(
            self.layout.seed,
            &format!("{}.{}{what}", ent.qualified, ent.attributes[a].name),
        )
    }

    /// The stream of a jointly generated unique constraint, named by its attributes.
    fn joint_key(&self, e: EntityId, j: &Joint) -> u64 {
        let ent = &self.ir.entities[e];
        let names: Vec<&str> = j
            .attrs
            .iter()
            .map(|&a| ent.attributes[a].name.as_str())
            .collect();
        stream(
            self.layout.seed,
            &format!("{}#unique({})", ent.qualified, names.join(",")),
        )
    }

    /// The parent row index of every row (entities generated per parent).
    pub fn parent_index(&mut self, f: FrameId) -> Arc<Vec<u64>> {
        if let Some(p) = &self.frames[f].parent_idx {
            return p.clone();
        }
        let e = self.frames[f].entity;
        let offsets = self.layout.entities[e]
            .offsets
            .as_ref()
            .expect("per-parent entity has offsets");
        let rows = &self.frames[f].rows;
        let n = rows.len();
        let mut out = Vec::with_capacity(n);
        match rows {
            RowSet::Range(a, _) if n > 0 => {
                let mut p = offsets.count_at_most(*a) - 1;
                for i in 0..n as u64 {
                    let r = a + i;
                    while offsets.get(p + 1) <= r {
                        p += 1;
                    }
                    out.push(p as u64);
                }
            }
            _ => {
                for i in 0..n {
                    let r = rows.get(i);
                    out.push((offsets.count_at_most(r) - 1) as u64);
                }
            }
        }
        let out = Arc::new(out);
        self.frames[f].parent_idx = Some(out.clone());
        out
    }

    /// For a `union` entity: the parent row of every row that comes from member `k` (a `per`
    /// member), `NONE` for rows of other members.
    pub fn source_index(&mut self, f: FrameId, k: usize) -> Arc<Vec<u64>> {
        let e = self.frames[f].entity;
        let m = &self.layout.entities[e]
            .members
            .as_ref()
            .expect("union members")[k];
        let offsets = m.offsets.as_ref().expect("a per member has offsets");
        let rows = &self.frames[f].rows;
        Arc::new(
            (0..rows.len())
                .map(|i| {
                    let r = rows.get(i);
                    if r < m.start || r >= m.end {
                        NONE
                    } else {
                        (offsets.count_at_most(r) - 1) as u64
                    }
                })
                .collect(),
        )
    }

    /// The rows reached from every row of `f` by following `path` (`NONE` where a hop has no
    /// row).
    fn path_rows(&mut self, f: FrameId, path: &[Hop]) -> Vec<u64> {
        let (cur, map) = self.follow(f, path);
        let rows = &self.frames[cur].rows;
        match map {
            None => rows.to_vec(),
            Some(m) => m
                .iter()
                .map(|&i| {
                    if i == u32::MAX {
                        NONE
                    } else {
                        rows.get(i as usize)
                    }
                })
                .collect(),
        }
    }

    /// The first row each path alternative reaches.
    fn first_path_rows(&mut self, f: FrameId, paths: &[Vec<Hop>]) -> Vec<u64> {
        let mut out = vec![NONE; self.len(f)];
        for p in paths {
            let r = self.path_rows(f, p);
            for (o, x) in out.iter_mut().zip(r) {
                if *o == NONE {
                    *o = x;
                }
            }
        }
        out
    }

    /// A frame over the given target rows (`NONE` allowed) and the position of each input in it.
    fn gather_frame(&mut self, entity: EntityId, idx: &[u64]) -> (FrameId, Arc<Vec<u32>>) {
        // Sorted when the non-null indices never decrease (nulls may sit anywhere).
        let mut prev = 0u64;
        let sorted = idx.iter().filter(|&&x| x != NONE).all(|&x| {
            let ok = x >= prev;
            prev = x;
            ok
        });
        let (uniq, map) = if sorted {
            let mut uniq: Vec<u64> = idx.iter().copied().filter(|&x| x != NONE).collect();
            uniq.dedup();
            let mut pos = 0usize;
            let map = idx
                .iter()
                .map(|&x| {
                    if x == NONE {
                        return u32::MAX;
                    }
                    while uniq[pos] != x {
                        pos += 1;
                    }
                    pos as u32
                })
                .collect();
            (uniq, map)
        } else {
            unsorted_positions(idx)
        };
        let contiguous =
            !uniq.is_empty() && uniq[uniq.len() - 1] - uniq[0] + 1 == uniq.len() as u64;
        let rows = if contiguous {
            RowSet::Range(uniq[0], uniq[uniq.len() - 1] + 1)
        } else {
            RowSet::List(uniq)
        };
        (self.frame(entity, rows), Arc::new(map))
    }

    fn link(&mut self, f: FrameId, hop: Hop) -> (FrameId, Arc<Vec<u32>>) {
        let key = match hop {
            Hop::Parent => Link::Parent,
            Hop::Fk(k) => Link::Fk(k),
            Hop::Source(k) => Link::Source(k),
        };
        if let Some(l) = self.frames[f].links.get(&key) {
            return l.clone();
        }
        let e = self.frames[f].entity;
        let (target, idx) = match hop {
            Hop::Parent => (
                self.ir.entities[e].parent().expect("parent"),
                self.parent_index(f),
            ),
            Hop::Fk(k) => (self.ir.entities[e].foreign_keys[k].target, self.picks(f, k)),
            Hop::Source(k) => (
                self.ir.entities[e].sources()[k].expect("a per member"),
                self.source_index(f, k),
            ),
        };
        let l = self.gather_frame(target, &idx);
        self.frames[f].links.insert(key, l.clone());
        l
    }

    /// Follows hops from frame `f`: the frame reached and, for each row of `f`, its row there
    /// (`None` when there are no hops; `u32::MAX` where a hop finds no row).
    fn follow(&mut self, f: FrameId, hops: &[Hop]) -> (FrameId, Option<Vec<u32>>) {
        let mut cur = f;
        let mut map: Option<Vec<u32>> = None;
        for h in hops {
            let (next, m) = self.link(cur, *h);
            map = Some(match map {
                None => (*m).clone(),
                Some(prev) => prev
                    .iter()
                    .map(|&i| {
                        if i == u32::MAX {
                            u32::MAX
                        } else {
                            m[i as usize]
                        }
                    })
                    .collect(),
            });
            cur = next;
        }
        (cur, map)
    }

    /// A column reached through hops, aligned with frame `f`'s rows.
    pub fn col_ref(&mut self, f: FrameId, c: &ColRef) -> Arc<Column> {
        let (cur, map) = self.follow(f, &c.hops);
        let col = self.attr(cur, c.attr);
        match map {
            None => col,
            Some(m) => Arc::new(col.gather(&m)),
        }
    }

    pub fn builtin(&mut self, f: FrameId, b: Builtin) -> Column {
        let n = self.len(f);
        if b == Builtin::Scale {
            return Column::new(Data::Float(vec![self.layout.scale; n]));
        }
        let data = match b {
            Builtin::Row => (0..n)
                .map(|i| self.frames[f].rows.get(i) as i64 + 1)
                .collect(),
            Builtin::ChildIndex => self.child_index(f).iter().map(|&x| x as i64).collect(),
            Builtin::UnionIndex => {
                let e = self.frames[f].entity;
                let ep = &self.layout.entities[e];
                (0..n)
                    .map(|i| {
                        ep.member_of(self.frames[f].rows.get(i))
                            .map_or(0, |k| k as i64 + 1)
                    })
                    .collect()
            }
            Builtin::Level => {
                let e = self.frames[f].entity;
                let levels = self.layout.entities[e].levels.clone().unwrap_or_default();
                (0..n)
                    .map(|i| level_of(&levels, self.frames[f].rows.get(i)) as i64 + 1)
                    .collect()
            }
            Builtin::Scale => Vec::new(),
        };
        Column::new(Data::Int(data))
    }

    /// 1-based position of each row among its parent's children.
    pub fn child_index(&mut self, f: FrameId) -> Vec<u64> {
        let e = self.frames[f].entity;
        if let Some(members) = &self.layout.entities[e].members {
            // Within a union: the position among the children of the member's parent row, or
            // in the member for members with a plain row count.
            let rows = &self.frames[f].rows;
            return (0..rows.len())
                .map(|i| {
                    let r = rows.get(i);
                    let k = members
                        .partition_point(|m| m.end <= r)
                        .min(members.len() - 1);
                    match &members[k].offsets {
                        Some(o) => r - o.get(o.count_at_most(r) - 1) + 1,
                        None => r - members[k].start + 1,
                    }
                })
                .collect();
        }
        let p = self.parent_index(f);
        let offsets = self.layout.entities[e].offsets.as_ref().expect("offsets");
        (0..p.len())
            .map(|i| self.frames[f].rows.get(i) - offsets.get(p[i] as usize) + 1)
            .collect()
    }

    /// The referenced row index of every row for foreign key `fk` (`NONE` where null).
    pub fn picks(&mut self, f: FrameId, k: FkId) -> Arc<Vec<u64>> {
        if let Some(p) = self.frames[f].picks.get(&k) {
            return p.clone();
        }
        // An as-of view follows the true references (hiding some is the view's own business).
        if let Some(t) = self.frames[f].view_of {
            let p = self.picks(t, k);
            self.frames[f].picks.insert(k, p.clone());
            return p;
        }
        let e = self.frames[f].entity;
        let ent = &self.ir.entities[e];
        let fk = &ent.foreign_keys[k];
        let first = fk.columns[0];
        let pick_stream = self.key(e, first, "#pick");
        let null_stream = self.key(e, first, "#nulls");
        let n_target = self.layout.entities[fk.target].rows;
        let n = self.len(f);
        let mut out: Vec<u64> = match &fk.pick {
            Pick::Parent => (*self.parent_index(f)).clone(),
            Pick::Uniform => (0..n)
                .map(|i| {
                    (unit_at(pick_stream, self.frames[f].rows.get(i)) * n_target as f64) as u64
                })
                .collect(),
            Pick::Zipf(s) => self.zipf_picks(f, pick_stream, n_target, *s),
            Pick::Weighted(_) => {
                let cum = match weight_table(self.layout, e, k) {
                    Ok(c) => c,
                    Err(err) => {
                        self.error.get_or_insert(err);
                        Arc::default()
                    }
                };
                let total = cum.last().copied().unwrap_or(0.0);
                (0..n)
                    .map(|i| {
                        if total <= 0.0 {
                            return NONE;
                        }
                        let u = unit_at(pick_stream, self.frames[f].rows.get(i)) * total;
                        (cum.partition_point(|&c| c <= u) as u64).min(n_target - 1)
                    })
                    .collect()
            }
            Pick::Distinct => {
                let parents = self.parent_index(f);
                let ci = self.child_index(f);
                (0..n)
                    .map(|i| {
                        let p = parents[i];
                        let start = mix2(pick_stream, p) % n_target.max(1);
                        let step = coprime_step(mix2(pick_stream ^ 1, p), n_target);
                        ((start as u128 + (ci[i] - 1) as u128 * step as u128)
                            % n_target.max(1) as u128) as u64
                    })
                    .collect()
            }
            Pick::Hierarchy { .. } => {
                let levels = self.layout.entities[e].levels.clone().unwrap_or_default();
                (0..n)
                    .map(|i| hierarchy_parent(&levels, self.frames[f].rows.get(i)))
                    .collect()
            }
            Pick::Lookup(x) => {
                let x = x.clone();
                self.lookup_picks(f, k, first, &x)
            }
            Pick::Match { value, .. } => {
                let x = value.clone();
                self.match_picks(f, k, first, &x, pick_stream)
            }
            Pick::Path(paths) => {
                let paths = paths.clone();
                self.first_path_rows(f, &paths)
            }
            Pick::NthChild {
                paths,
                index,
                member,
                shuffle,
            } => {
                let (paths, index, shuffle) = (paths.clone(), index.clone(), *shuffle);
                let anc = self.first_path_rows(f, &paths);
                // The order of a shuffle is fixed per (`per` parent, counted row).
                let order_of: Vec<u64> = if !shuffle {
                    Vec::new()
                } else if ent.parent().is_some() {
                    (*self.parent_index(f)).clone()
                } else {
                    vec![0; n]
                };
                let idx = self.eval_expr(f, &index);
                let tp = &self.layout.entities[fk.target];
                let offsets = match member {
                    Some(k) => tp.members.as_ref().and_then(|m| m[*k].offsets.as_ref()),
                    None => tp.offsets.as_ref(),
                }
                .expect("nth_child target is generated per the ancestor");
                (0..n)
                    .map(|i| {
                        let p = anc[i];
                        if p == NONE || !idx.is_valid(i) {
                            return NONE;
                        }
                        let (a, b) = (offsets.get(p as usize), offsets.get(p as usize + 1));
                        let j = idx.i64_at(i);
                        if j < 1 || (j as u64) > b - a {
                            return NONE;
                        }
                        if shuffle {
                            let key = mix2(mix2(pick_stream, order_of[i]), p);
                            a + Permutation::new(b - a, key).apply(j as u64 - 1)
                        } else {
                            a + j as u64 - 1
                        }
                    })
                    .collect()
            }
        };
        if n_target == 0 {
            out.iter_mut().for_each(|x| *x = NONE);
        }
        if fk.null_rate > 0.0 {
            for (i, x) in out.iter_mut().enumerate() {
                if unit_at(null_stream, self.frames[f].rows.get(i)) < fk.null_rate {
                    *x = NONE;
                }
            }
        }
        if let Some(w) = &fk.when {
            let w = w.clone();
            let keep = exprs::truthy(&self.eval_expr(f, &w));
            for (x, k) in out.iter_mut().zip(keep) {
                if !k {
                    *x = NONE;
                }
            }
        }
        let out = Arc::new(out);
        self.frames[f].picks.insert(k, out.clone());
        out
    }

    /// Zipf picks: rank k of the target has weight 1/k^s, ranks scattered over the rows by a
    /// keyed permutation.
    fn zipf_picks(&self, f: FrameId, pick_stream: u64, n_target: u64, s: f64) -> Vec<u64> {
        let n = self.len(f);
        let perm = Permutation::new(n_target, pick_stream);
        let rows = &self.frames[f].rows;
        if let Some(cum) = self.layout.zipf_table(n_target, s) {
            // Inverse CDF over the table: rank k has weight 1/k^s.
            let total = cum[cum.len() - 1];
            (0..n)
                .map(|i| {
                    let u = unit_at(pick_stream, rows.get(i)) * total;
                    let rank = cum.partition_point(|&c| c <= u) as u64;
                    perm.apply(rank.min(n_target - 1))
                })
                .collect()
        } else {
            let z = rand_distr::Zipf::new(n_target.max(1) as f64, s).ok();
            (0..n)
                .map(|i| {
                    let mut rng = RowRng::new(pick_stream, rows.get(i));
                    let rank = z
                        .as_ref()
                        .map_or(1.0, |z| rand_distr::Distribution::sample(z, &mut rng));
                    perm.apply((rank as u64).clamp(1, n_target.max(1)) - 1)
                })
                .collect()
        }
    }

    /// Match picks: a target row among those whose matched attribute equals the expression's
    /// value (the plan's grouped index), uniform or by the group's cumulative weights. A value
    /// without a row is recorded as the evaluator's error (the chunk is then refused, so no
    /// dangling key is written); null gives a null reference.
    fn match_picks(
        &mut self,
        f: FrameId,
        k: FkId,
        first: AttrId,
        x: &Expr,
        stream: u64,
    ) -> Vec<u64> {
        let e = self.frames[f].entity;
        let n = self.len(f);
        let empty_null = matches!(
            self.ir.entities[e].foreign_keys[k].pick,
            Pick::Match {
                empty_null: true,
                ..
            }
        );
        let groups = match match_groups(self.layout, e, k) {
            Ok(g) => g,
            Err(err) => {
                self.error.get_or_insert(err);
                return vec![NONE; n];
            }
        };
        let col = self.eval_expr(f, x);
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            if !col.is_valid(i) {
                out.push(NONE);
                continue;
            }
            let value = col.text_at(i);
            let row = self.frames[f].rows.get(i);
            let u = unit_at(stream, row);
            match groups.group(&value) {
                Some((rows, None)) => {
                    out.push(rows[((u * rows.len() as f64) as usize).min(rows.len() - 1)]);
                }
                Some((rows, Some(cum))) => {
                    let t = u * cum[cum.len() - 1];
                    out.push(rows[cum.partition_point(|&c| c <= t).min(rows.len() - 1)]);
                }
                None => {
                    if self.error.is_none() && !empty_null {
                        self.error = Some(Error {
                            entity: e,
                            attr: Some(first),
                            row,
                            kind: ErrorKind::EmptyGroup { fk: k, value },
                        });
                    }
                    out.push(NONE);
                }
            }
        }
        out
    }

    /// Lookup picks: the target row whose key equals the expression's value. A value no row
    /// has is recorded as the evaluator's error (the chunk is then refused, so no dangling
    /// key is written).
    fn lookup_picks(&mut self, f: FrameId, k: FkId, first: AttrId, x: &Expr) -> Vec<u64> {
        let e = self.frames[f].entity;
        let n = self.len(f);
        let map = match lookup_map(self.layout, e, k) {
            Ok(m) => m,
            Err(err) => {
                self.error.get_or_insert(err);
                return vec![NONE; n];
            }
        };
        let col = self.eval_expr(f, x);
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            if !col.is_valid(i) {
                out.push(NONE);
                continue;
            }
            let key = col.text_at(i);
            match map.get(&key) {
                Some(&r) => out.push(r),
                None => {
                    if self.error.is_none() {
                        self.error = Some(Error {
                            entity: e,
                            attr: Some(first),
                            row: self.frames[f].rows.get(i),
                            kind: ErrorKind::LookupMiss { fk: k, value: key },
                        });
                    }
                    out.push(NONE);
                }
            }
        }
        out
    }

    /// A frame over all children (of entity `child`) of the rows of `f`, and segment starts.
    fn children(&mut self, f: FrameId, child: EntityId) -> (FrameId, Arc<Vec<u32>>) {
        if let Some(l) = self.frames[f].links.get(&Link::Children(child)) {
            return l.clone();
        }
        let offsets = self.layout.entities[child]
            .offsets
            .as_ref()
            .expect("child offsets");
        let rows = &self.frames[f].rows;
        let n = rows.len();
        let mut seg = Vec::with_capacity(n + 1);
        seg.push(0u32);
        let child_rows = match rows {
            RowSet::Range(a, b) => {
                let base = offsets.get(*a as usize);
                for r in *a..*b {
                    seg.push((offsets.get(r as usize + 1) - base) as u32);
                }
                RowSet::Range(base, offsets.get(*b as usize))
            }
            RowSet::List(v) => {
                let mut list = Vec::new();
                for &r in v {
                    list.extend(offsets.get(r as usize)..offsets.get(r as usize + 1));
                    seg.push(list.len() as u32);
                }
                RowSet::List(list)
            }
        };
        let cf = self.frame(child, child_rows);
        // The children's parent link points back at this frame.
        let mut back = Vec::with_capacity(self.len(cf));
        for i in 0..n {
            for _ in seg[i]..seg[i + 1] {
                back.push(i as u32);
            }
        }
        let parent_rows: Vec<u64> = back
            .iter()
            .map(|&i| self.frames[f].rows.get(i as usize))
            .collect();
        self.frames[cf].parent_idx = Some(Arc::new(parent_rows));
        self.frames[cf]
            .links
            .insert(Link::Parent, (f, Arc::new(back)));
        let seg = Arc::new(seg);
        self.frames[f]
            .links
            .insert(Link::Children(child), (cf, seg.clone()));
        (cf, seg)
    }

    /// Attribute `a` of frame `f`'s entity, computed once per frame.
    pub fn attr(&mut self, f: FrameId, a: AttrId) -> Arc<Column> {
        if let Some(c) = self.frames[f].cols.get(&a) {
            return c.clone();
        }
        let e = self.frames[f].entity;
        // An event computed by an expression is its true value, unknown before it happens:
        // evaluated again over the day's values it could fall on another day than the
        // moment the increments take from its true value.
        if let Some(t) = self.frames[f].view_of
            && matches!(
                self.ir.entities[e].attributes[a].generator,
                Generator::Expr(_)
            )
            && (self.ir.entities[e].time.as_ref()).is_some_and(|x| x.events.contains(&a))
        {
            let mut col = (*self.attr(t, a)).clone();
            self.mask_events(e, a, &mut col);
            let col = Arc::new(col);
            self.frames[f].cols.insert(a, col.clone());
            return col;
        }
        if let Some(t) = self.frames[f].view_of
            && !matches!(
                self.ir.entities[e].attributes[a].generator,
                Generator::Expr(_) | Generator::Rollup { .. }
            )
        {
            let col = Arc::new(self.view_copy(f, t, a));
            self.frames[f].cols.insert(a, col.clone());
            return col;
        }
        let outer = self.current.replace((e, a));
        let mark = self.mark();
        let raw = self.generate(f, a);
        let ir = self.ir;
        let attr = &ir.entities[e].attributes[a];
        // A number the attribute's type cannot hold is an error, never clamped.
        let (col, bad) = raw.cast_checked(attr.ty);
        let faults = bad
            .into_iter()
            .filter(|&i| col.is_valid(i))
            .map(|i| {
                let what = format!("a number converted to {}", attr.ty);
                (i, ErrorKind::Overflow { what })
            })
            .collect();
        let mut col = self.defer(f, col, faults);
        // Before the null rate and `when`: a faulty value they hide is still an error.
        self.settle(f, &col, mark);
        self.null_rate(f, a, &mut col);
        if let Some(w) = &attr.when {
            let w = w.clone();
            let keep = exprs::truthy(&self.eval_expr(f, &w));
            col.mask(&keep);
        }
        if self.frames[f].view_of.is_some() {
            self.mask_events(e, a, &mut col);
        }
        self.current = outer;
        let col = Arc::new(col);
        self.frames[f].cols.insert(a, col.clone());
        col
    }

    /// Attribute `a` over frame `f` without its `when` (the generator's values in the
    /// attribute's type, with its null rate), for the as-of view, which evaluates `when` over
    /// the values of that day. Faults were reported when the true value was computed.
    pub(super) fn unconditioned(&mut self, f: FrameId, a: AttrId) -> Column {
        let e = self.frames[f].entity;
        let mark = self.mark();
        let raw = self.generate(f, a);
        self.deferred.truncate(mark);
        let attr = &self.ir.entities[e].attributes[a];
        let (mut col, _) = raw.cast_checked(attr.ty);
        self.null_rate(f, a, &mut col);
        col
    }

    /// Nulls attribute `a`'s values over frame `f` at its declared rate (a reference's
    /// null rate is applied to its picks instead).
    fn null_rate(&self, f: FrameId, a: AttrId, col: &mut Column) {
        let e = self.frames[f].entity;
        let attr = &self.ir.entities[e].attributes[a];
        if attr.null_rate > 0.0 && !matches!(attr.generator, Generator::Ref { .. }) {
            let ns = self.key(e, a, "#nulls");
            let keep: Vec<bool> = (0..self.len(f))
                .map(|i| unit_at(ns, self.frames[f].rows.get(i)) >= attr.null_rate)
                .collect();
            col.mask(&keep);
        }
    }

    /// The values of attribute `a`'s generator over frame `f`, before the cast to the
    /// attribute's type, the null rate and `when`.
    fn generate(&mut self, f: FrameId, a: AttrId) -> Column {
        self.generate_with(f, a, "")
    }

    /// [`Evaluator::generate`] with the value stream named with `salt` appended (a mutable
    /// attribute's earlier versions).
    fn generate_with(&mut self, f: FrameId, a: AttrId, salt: &str) -> Column {
        let e = self.frames[f].entity;
        let ir = self.ir;
        let attr = &ir.entities[e].attributes[a];
        let ty = attr.ty;
        let stream_v = self.key(e, a, salt);
        let rows = &self.frames[f].rows;
        if let Some((j, pos)) = ir.entities[e].joint_of(a) {
            return values::joint(j, pos, ty, self.joint_key(e, j), rows);
        }
        match &attr.generator {
            Generator::Const(v) => Column::constant(v, ty, rows.len()),
            Generator::Sequence { start, step } => {
                let (start, step) = (*start, *step);
                self.sequence(f, start, step)
            }
            Generator::Format(parts) => values::format_keys(parts, rows),
            Generator::ChildIndex => Column::new(Data::Int(
                self.child_index(f)
                    .iter()
                    .map(|&x| i64::try_from(x).unwrap_or(i64::MAX))
                    .collect(),
            )),
            Generator::Choice {
                values: vals,
                weights,
            } => values::choice(vals, weights, ty, attr.unique, stream_v, rows),
            Generator::Cycle(vals) => {
                let idx: Vec<usize> = (0..rows.len())
                    .map(|i| (rows.get(i) % vals.len() as u64) as usize)
                    .collect();
                values::from_values(vals, ty, &idx)
            }
            Generator::Dist {
                dist,
                min,
                max,
                round,
            } => values::dist(
                &values::DistSpec {
                    dist: *dist,
                    min: *min,
                    max: *max,
                    round: *round,
                    ty,
                    unique: attr.unique,
                },
                stream_v,
                rows,
            ),
            Generator::Between {
                lo,
                hi,
                seasonality,
            } => values::between(*lo, *hi, seasonality, ty, attr.unique, stream_v, rows),
            Generator::Relative {
                anchor,
                before,
                min_ms,
                max_ms,
                seasonality,
            } => {
                let spec = values::RelativeSpec {
                    before: *before,
                    min_ms: *min_ms,
                    max_ms: *max_ms,
                    seasonality: seasonality.clone(),
                    ty,
                };
                let anchor_col = self.col_ref(f, anchor);
                let (col, bad) =
                    values::relative(&anchor_col, &spec, stream_v, &self.frames[f].rows);
                if let Some(i) = bad {
                    self.fail(f, i, ErrorKind::DateOutOfRange);
                }
                col
            }
            Generator::Window {
                lo,
                hi,
                seasonality,
            } => {
                let lo_ms = self.time_bound(f, lo);
                let hi_ms = self.time_bound(f, hi);
                let (col, bad) = values::window(
                    &lo_ms,
                    &hi_ms,
                    seasonality,
                    ty,
                    stream_v,
                    &self.frames[f].rows,
                );
                if let Some(i) = bad {
                    let show = |v: Option<i64>| v.map_or_else(String::new, |ms| show_ms(ms, ty));
                    let kind = ErrorKind::EmptyRange {
                        lo: show(lo_ms[i]),
                        hi: show(hi_ms[i]),
                    };
                    self.fail(f, i, kind);
                }
                col
            }
            Generator::Fake { kind, range } => {
                let max = match ty {
                    Type::String(max) => max,
                    _ => None,
                };
                values::fake(*kind, *range, max, stream_v, rows)
            }
            Generator::Expr(x) => {
                let x = x.clone();
                self.eval_expr(f, &x)
            }
            Generator::Ref { fk, column } => {
                let tcol = ir.entities[e].foreign_keys[*fk].target_columns[*column];
                let (tf, map) = self.link(f, Hop::Fk(*fk));
                let c = self.attr(tf, tcol);
                c.gather(&map)
            }
            Generator::Rollup { via: Some(_), .. } => {
                // An entity without `time` is the same at every date: its rollups over
                // referencing rows keep their full-lake values.
                let as_of = self.frames[f].view_of.is_some() && timed(&ir.entities, e);
                match rollup::referencing_rollup(self.layout, self.frames[f].entity, a, as_of) {
                    Ok(t) => rollup::take(&t, &self.frames[f].rows),
                    Err(err) => {
                        self.error.get_or_insert(err);
                        Column::new(Data::Null(self.len(f)))
                    }
                }
            }
            Generator::Rollup {
                agg,
                child,
                attr: ca,
                via: None,
            } => self.child_rollup(f, *agg, *child, *ca, ty),
        }
    }

    /// A rollup over the children of frame `f`'s rows in entity `child`. The as-of view
    /// counts only the children that exist by then (their values are the true ones, from the
    /// children of the true frame).
    fn child_rollup(
        &mut self,
        f: FrameId,
        agg: Agg,
        child: EntityId,
        ca: Option<AttrId>,
        ty: Type,
    ) -> Column {
        let view_of = self.frames[f].view_of;
        let (cf, mut seg) = self.children(view_of.unwrap_or(f), child);
        // The view aggregates the children's own as-of values.
        let read = if view_of.is_some() { self.view(cf) } else { cf };
        let mut col = ca.map(|x| self.attr(read, x));
        if view_of.is_some()
            && let Some(x) = self.exists(cf)
        {
            let (kept, idx) = existing_segments(&seg, &x);
            seg = Arc::new(kept);
            col = col.map(|c| Arc::new(c.gather(&idx)));
        }
        let src_ty = ca.map(|x| self.ir.entities[child].attributes[x].ty);
        let (col, bad) = values::rollup(agg, col.as_deref(), src_ty, &seg, ty);
        if let Some(i) = bad {
            let what = "the rollup sum".to_string();
            self.fail(f, i, ErrorKind::Overflow { what });
        }
        col
    }

    /// One end of a per-row time range over frame `f`, in milliseconds: `None` where a part
    /// is null; an overflow is recorded as a date out of range.
    fn time_bound(&mut self, f: FrameId, b: &crate::ir::TimeBound) -> Vec<Option<i64>> {
        let at = self.eval_expr(f, &b.at);
        let offset = match &b.offset {
            crate::ir::Offset::Ms(ms) => Err(*ms),
            crate::ir::Offset::Expr { expr, unit_ms } => Ok((self.eval_expr(f, expr), *unit_ms)),
        };
        let mut bad = None;
        let out = (0..at.len())
            .map(|i| {
                if !at.is_valid(i) {
                    return None;
                }
                let off = match &offset {
                    Err(ms) => Some(*ms),
                    Ok((c, _)) if !c.is_valid(i) => return None,
                    Ok((c, unit)) => c.ms_at(i).checked_mul(*unit),
                };
                let v = off.and_then(|o| {
                    if b.minus {
                        at.ms_at(i).checked_sub(o)
                    } else {
                        at.ms_at(i).checked_add(o)
                    }
                });
                if v.is_none() {
                    bad.get_or_insert(i);
                }
                v
            })
            .collect();
        if let Some(i) = bad {
            self.fail(f, i, ErrorKind::DateOutOfRange);
        }
        out
    }

    /// `start + row * step` over the frame's rows, with overflow checks.
    fn sequence(&mut self, f: FrameId, start: i64, step: i64) -> Column {
        let n = self.len(f);
        let mut bad = None;
        let data = (0..n)
            .map(|i| {
                let r = self.frames[f].rows.get(i);
                let v = i64::try_from(r)
                    .ok()
                    .and_then(|r| r.checked_mul(step))
                    .and_then(|x| x.checked_add(start));
                v.unwrap_or_else(|| {
                    bad.get_or_insert(i);
                    0
                })
            })
            .collect();
        if let Some(i) = bad {
            let what = "the key sequence".to_string();
            self.fail(f, i, ErrorKind::Overflow { what });
        }
        Column::new(Data::Int(data))
    }
}

/// A step in [1, n) coprime with n, from a random word (1 when n ≤ 2).
fn coprime_step(r: u64, n: u64) -> u64 {
    if n <= 2 {
        return 1;
    }
    let mut s = 1 + r % (n - 1);
    while gcd(s, n) != 1 {
        s = 1 + s % (n - 1);
    }
    s
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// A time in milliseconds shown as a date or a timestamp, for messages.
fn show_ms(ms: i64, ty: Type) -> String {
    use crate::ir::value::{MS_PER_DAY, format_date, format_timestamp};
    if ty == Type::Date {
        i32::try_from(ms.div_euclid(MS_PER_DAY)).map_or_else(|_| ms.to_string(), format_date)
    } else {
        format_timestamp(ms)
    }
}

/// Segments over the rows of a children frame that exist (`x`), and the positions of those
/// rows: the segment starts of the existing children per parent.
fn existing_segments(seg: &[u32], x: &[bool]) -> (Vec<u32>, Vec<u32>) {
    let mut kept = Vec::with_capacity(seg.len());
    let mut idx = Vec::new();
    kept.push(0u32);
    for w in seg.windows(2) {
        idx.extend((w[0]..w[1]).filter(|&j| x[j as usize]));
        kept.push(idx.len() as u32);
    }
    (kept, idx)
}

/// Level (0-based) of row `r` given level start boundaries.
pub fn level_of(levels: &[u64], r: u64) -> usize {
    levels.partition_point(|&l| l <= r).saturating_sub(1)
}

/// Parent of row `r` in a balanced hierarchy with the given level starts (last = row count).
pub fn hierarchy_parent(levels: &[u64], r: u64) -> u64 {
    let k = level_of(levels, r);
    if k == 0 || k + 1 >= levels.len() {
        return NONE;
    }
    let (ps, pe) = (levels[k - 1], levels[k]);
    let (cs, ce) = (levels[k], levels[k + 1]);
    ps + ((r - cs) as u128 * (pe - ps) as u128 / (ce - cs) as u128) as u64
}

/// The cumulative weights of weighted foreign key `k` of entity `e` over all the target's
/// rows (one `f64` per target row), built on first use: the same table whether a row count is
/// being planned or a chunk generated. A weight that is negative or not a finite number is
/// refused (the error of the first such row).
pub fn weight_table(layout: &Layout, e: EntityId, k: FkId) -> Result<Arc<Vec<f64>>, Error> {
    use rayon::prelude::*;
    if let Some(t) = crate::layout::cached(&layout.weights, e, k) {
        return Ok(t);
    }
    let fk = &layout.ir.entities[e].foreign_keys[k];
    let Pick::Weighted(w) = fk.pick else {
        return Ok(Arc::default());
    };
    let n = usize::try_from(layout.entities[fk.target].rows).unwrap_or(usize::MAX);
    let chunk = usize::try_from(layout.chunk_rows)
        .unwrap_or(usize::MAX)
        .max(1);
    let mut cum = vec![0.0f64; n];
    let failed: Vec<Error> = cum
        .par_chunks_mut(chunk)
        .enumerate()
        .filter_map(|(c, out)| {
            let a = (c * chunk) as u64;
            let mut ev = Evaluator::new(layout);
            let f = ev.frame(fk.target, RowSet::Range(a, a + out.len() as u64));
            let col = ev.attr(f, w);
            for (i, o) in out.iter_mut().enumerate() {
                *o = if col.is_valid(i) { col.f64_at(i) } else { 0.0 };
                // A weight that is negative or not a number is refused, not made 0.
                let kind = if !o.is_finite() {
                    Some(ErrorKind::NonFinite)
                } else if *o < 0.0 {
                    let value = col.text_at(i);
                    let what = "a pick weight".to_string();
                    Some(ErrorKind::Negative { what, value })
                } else {
                    None
                };
                if let Some(kind) = kind
                    && ev.error.is_none()
                {
                    ev.error = Some(Error {
                        entity: fk.target,
                        attr: Some(w),
                        row: a + i as u64,
                        kind,
                    });
                }
            }
            ev.error.take()
        })
        .collect();
    if let Some(err) = failed.into_iter().min_by_key(|x| x.row) {
        return Err(err);
    }
    accumulate(&mut cum);
    Ok(crate::layout::keep(&layout.weights, e, k, cum))
}

/// Turns finite weights ≥ 0 into their running sums. When the sum of huge weights overflows
/// to infinity (which would send every pick to the last row), the weights are first divided
/// by the largest, which keeps their proportions.
fn accumulate(w: &mut [f64]) {
    if !w.iter().sum::<f64>().is_finite() {
        let max = w.iter().copied().fold(0.0, f64::max);
        w.iter_mut().for_each(|x| *x /= max);
    }
    let mut t = 0.0;
    for x in w {
        t += *x;
        *x = t;
    }
}

/// The key value (as text) → target row map of `lookup` foreign key `k` of entity `e`, built
/// on first use (the same map while planning and generating).
pub fn lookup_map(
    layout: &Layout,
    e: EntityId,
    k: FkId,
) -> Result<Arc<HashMap<String, u64>>, Error> {
    if let Some(m) = crate::layout::cached(&layout.lookups, e, k) {
        return Ok(m);
    }
    let fk = &layout.ir.entities[e].foreign_keys[k];
    let mut map = HashMap::new();
    for (a, b) in layout.chunks(fk.target) {
        let mut ev = Evaluator::new(layout);
        let f = ev.frame(fk.target, RowSet::Range(a, b));
        let col = ev.attr(f, fk.target_columns[0]);
        if let Some(err) = ev.error.take() {
            return Err(err);
        }
        map.extend(
            (0..col.len())
                .filter(|&i| col.is_valid(i))
                .map(|i| (col.text_at(i), a + i as u64)),
        );
    }
    Ok(crate::layout::keep(&layout.lookups, e, k, map))
}

/// The first foreign key (in IR order) whose `match` pick groups the same target attribute
/// with the same weight as foreign key `k` of entity `e`.
fn shared_match_key(ir: &Ir, e: EntityId, k: FkId) -> (EntityId, FkId) {
    let fk = &ir.entities[e].foreign_keys[k];
    let Pick::Match { attr, weight, .. } = &fk.pick else {
        return (e, k);
    };
    for ent in &ir.entities {
        for (j, other) in ent.foreign_keys.iter().enumerate() {
            if let Pick::Match {
                attr: a, weight: w, ..
            } = &other.pick
                && other.target == fk.target
                && a == attr
                && w == weight
            {
                return (ent.id, j);
            }
        }
    }
    (e, k)
}

/// Builds the grouped index of `match` foreign key `k` of entity `e`: the target's rows by
/// the matched attribute's value (as text), read chunk by chunk, with cumulative weights
/// restarting at each group when the pick is weighted. Built on first use and kept in the
/// layout, like the weight tables and lookup maps.
pub fn match_groups(
    layout: &Layout,
    e: EntityId,
    k: FkId,
) -> Result<Arc<crate::layout::Groups>, Error> {
    // Match picks over the same attribute and weight of one entity share one index: it is
    // kept under the first such foreign key.
    let (e, k) = shared_match_key(&layout.ir, e, k);
    if let Some(g) = crate::layout::cached(&layout.groups, e, k) {
        return Ok(g);
    }
    let fk = &layout.ir.entities[e].foreign_keys[k];
    let mut g = crate::layout::Groups::default();
    let Pick::Match { attr, weight, .. } = &fk.pick else {
        return Ok(Arc::new(g));
    };
    // (row, weight) of every target row with a value, in row order, and the group of each.
    let mut rows: Vec<(u64, f64)> = Vec::new();
    let mut group: Vec<usize> = Vec::new();
    for (a, b) in layout.chunks(fk.target) {
        let mut ev = Evaluator::new(layout);
        let f = ev.frame(fk.target, RowSet::Range(a, b));
        let col = ev.attr(f, *attr);
        let w = weight.map(|w| ev.attr(f, w));
        if let Some(err) = ev.error.take() {
            return Err(err);
        }
        for i in 0..col.len() {
            if col.is_valid(i) {
                let wi = w.as_ref().map_or(1.0, |w| {
                    if w.is_valid(i) {
                        w.f64_at(i).max(0.0)
                    } else {
                        0.0
                    }
                });
                group.push(g.find_or_add(&col.text_at(i)));
                rows.push((a + i as u64, wi));
            }
        }
    }
    g.fill(&rows, &group, weight.is_some());
    Ok(crate::layout::keep(&layout.groups, e, k, g))
}

/// The distinct rows of `idx` (`NONE` left out) in ascending order, and for each input its
/// position among them (`u32::MAX` for `NONE`), for rows in no particular order. Each row is
/// sorted together with its input position (packed into one word when both fit), so the
/// positions come from one pass over the sorted words rather than a search per row.
fn unsorted_positions(idx: &[u64]) -> (Vec<u64>, Vec<u32>) {
    let mut map = vec![u32::MAX; idx.len()];
    if idx.is_empty() {
        return (Vec::new(), map);
    }
    let max = idx
        .iter()
        .copied()
        .filter(|&x| x != NONE)
        .max()
        .unwrap_or(0);
    let bits = usize::BITS - idx.len().leading_zeros();
    let fits = bits < 64 && (max >> (64 - bits)) == 0 && idx.len() <= u32::MAX as usize;
    let mut uniq: Vec<u64> = Vec::new();
    if fits {
        let mask = (1u64 << bits) - 1;
        let mut packed: Vec<u64> = idx
            .iter()
            .enumerate()
            .filter(|&(_, &x)| x != NONE)
            .map(|(i, &x)| (x << bits) | i as u64)
            .collect();
        packed.sort_unstable();
        uniq.reserve(packed.len());
        for p in packed {
            let x = p >> bits;
            if uniq.last() != Some(&x) {
                uniq.push(x);
            }
            map[(p & mask) as usize] = (uniq.len() - 1) as u32;
        }
        return (uniq, map);
    }
    uniq = idx.iter().copied().filter(|&x| x != NONE).collect();
    uniq.sort_unstable();
    uniq.dedup();
    for (m, &x) in map.iter_mut().zip(idx) {
        if x != NONE {
            *m = uniq.binary_search(&x).unwrap_or(0) as u32;
        }
    }
    (uniq, map)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The packed sort gives what sorting the rows and searching each one gives.
    #[test]
    fn positions_of_unsorted_rows_match_a_search() {
        let cases: Vec<Vec<u64>> = vec![
            vec![],
            vec![NONE, NONE],
            vec![5, 3, NONE, 5, 1, 3, 9],
            (0..1000u64).map(|i| (i * 7919) % 613).collect(),
            // Rows too large to pack beside their positions take the searching path.
            vec![u64::MAX - 1, 3, u64::MAX - 1, NONE, 2],
        ];
        for idx in cases {
            let (uniq, map) = unsorted_positions(&idx);
            let mut want: Vec<u64> = idx.iter().copied().filter(|&x| x != NONE).collect();
            want.sort_unstable();
            want.dedup();
            assert_eq!(uniq, want);
            for (&x, &m) in idx.iter().zip(&map) {
                if x == NONE {
                    assert_eq!(m, u32::MAX);
                } else {
                    assert_eq!(uniq[m as usize], x);
                }
            }
        }
    }
}
