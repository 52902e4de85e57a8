//! The layout: the plain data the planner fixes and the evaluator reads. Per entity, the row
//! count at `--scale`, the per-parent child offsets (children of parent row p are rows
//! `offsets[p]..offsets[p+1]`, so a child's parent is found by binary search and never
//! stored), the level boundaries of hierarchies,
//! the row ranges of `union` members; plus the pick tables — cumulative weights of weighted
//! picks, key → row maps of `lookup` references, grouped indexes of `match` picks — and the
//! shared Zipf tables, all built on first use. [`Layout`] bundles it with the IR, the seed, the
//! scale and the chunking, so one value describes a whole run. Nothing here computes values:
//! the methods are accessors.

use crate::ir::{AttrId, EntityId, FkId, Ir};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Zipf picks over at most this many rows draw from a cumulative table (one binary search per
/// pick); larger targets sample by rejection-inversion instead of holding the table.
pub const ZIPF_TABLE_MAX: u64 = 1 << 22;

/// Cumulative Zipf tables by (row count, exponent bits), shared by every thread.
pub type ZipfTables = Mutex<HashMap<(u64, u64), Arc<Vec<f64>>>>;

/// Everything a run generates from: the IR, the seed and scale, the chunking, and the layout
/// of every entity's rows.
#[derive(Debug)]
pub struct Layout {
    pub ir: Ir,
    pub seed: u64,
    pub scale: f64,
    /// `--as-of`: the first instant (milliseconds since 1970, UTC) after the as-of day; rows
    /// created from then on are left out and later events are unknown.
    pub as_of: Option<i64>,
    /// Rows per chunk; a chunk is generated as a unit and becomes one Parquet row group.
    pub chunk_rows: u64,
    /// Rows per data file (a multiple of `chunk_rows`).
    pub file_rows: u64,
    pub entities: Vec<EntityLayout>,
    /// Cumulative Zipf weights 1/k^s over k = 1..=n, per (n, s), built on first use.
    pub zipf: ZipfTables,
    /// Grouped indexes of `match` picks, built on first use.
    pub groups: PickCache<Groups>,
    /// Cumulative weights over the target's rows, per weighted foreign key, built on first use.
    pub weights: PickCache<Vec<f64>>,
    /// Key value (as text) → target row, per `lookup` foreign key, built on first use.
    pub lookups: PickCache<HashMap<String, u64>>,
    /// Per (entity, attribute): the aggregates of a rollup over the rows that reference the
    /// entity, one per row, built by the evaluator (which owns their type) on first use.
    pub rollups: Tables,
}

/// Tables the evaluator builds and keeps, by (entity, attribute, for the as-of view); opaque
/// here.
pub type Tables = Mutex<HashMap<(EntityId, AttrId, bool), Arc<dyn std::any::Any + Send + Sync>>>;

/// The rows of one entity and how they map to parents, picks and lookups.
#[derive(Clone, Debug, Default)]
pub struct EntityLayout {
    pub rows: u64,
    /// For entities generated per parent: `n_parent + 1` prefix sums of child counts.
    pub offsets: Option<Vec<u64>>,
    /// Level start rows of a hierarchy (`levels[0] = 0`, last = row count).
    pub levels: Option<Vec<u64>>,
    /// For `union` entities: the row range of every member, in order.
    pub members: Option<Vec<MemberLayout>>,
}

/// The pick tables of one kind (weights, lookup maps, match groups) by (entity, foreign key), built on first
/// use — a row count or `when` may pick through them while the plan is being made, and must
/// pick the rows generation picks — and shared by every thread (never copied).
pub type PickCache<T> = Mutex<HashMap<(EntityId, FkId), Arc<T>>>;

/// The table of foreign key `k` of entity `e` in `cache`, if built.
pub fn cached<T>(cache: &PickCache<T>, e: EntityId, k: FkId) -> Option<Arc<T>> {
    let cache = cache.lock().unwrap_or_else(|p| p.into_inner());
    cache.get(&(e, k)).cloned()
}

/// Records a built table (the first one recorded wins; all are equal, since every value is a
/// function of its row and the target's rows are fixed before anything picks from them).
pub fn keep<T>(cache: &PickCache<T>, e: EntityId, k: FkId, t: T) -> Arc<T> {
    let mut cache = cache.lock().unwrap_or_else(|p| p.into_inner());
    cache.entry((e, k)).or_insert_with(|| Arc::new(t)).clone()
}

/// A grouped index over a target's rows for `match` picks: the rows of each value of the
/// matched attribute, contiguous in `rows` (8 bytes per target row with a value), with
/// cumulative weights restarting at each group when the pick is weighted (8 more bytes).
#[derive(Clone, Debug, Default)]
pub struct Groups {
    /// Value (as text) → the range of its rows in `rows`.
    pub index: HashMap<String, (usize, usize)>,
    pub rows: Vec<u64>,
    /// Cumulative weights within each group, aligned with `rows`.
    pub cum: Option<Vec<f64>>,
}

impl Groups {
    /// The rows of a value and their cumulative weights, if the value has a row of positive
    /// weight.
    pub fn group(&self, value: &str) -> Option<(&[u64], Option<&[f64]>)> {
        let &(a, b) = self.index.get(value)?;
        let cum = self.cum.as_ref().map(|c| &c[a..b]);
        if b <= a || cum.is_some_and(|c| c.last().is_none_or(|&t| t <= 0.0)) {
            return None;
        }
        Some((&self.rows[a..b], cum))
    }
}

/// The rows of one member of a `union` entity.
#[derive(Clone, Debug, Default)]
pub struct MemberLayout {
    pub start: u64,
    pub end: u64,
    /// For a `per` member: `n_parent + 1` prefix sums of child counts, starting at `start`
    /// (children of parent row p are rows `offsets[p]..offsets[p+1]`).
    pub offsets: Option<Vec<u64>>,
}

impl EntityLayout {
    /// The member of a `union` entity that row `r` belongs to.
    pub fn member_of(&self, r: u64) -> Option<usize> {
        let m = self.members.as_ref()?;
        let k = m.partition_point(|x| x.end <= r);
        (k < m.len()).then_some(k)
    }
}

impl Layout {
    /// The cumulative weights of a Zipf distribution with exponent `s` over ranks 1..=n, or
    /// `None` when `n` is above [`ZIPF_TABLE_MAX`].
    pub fn zipf_table(&self, n: u64, s: f64) -> Option<Arc<Vec<f64>>> {
        if n == 0 || n > ZIPF_TABLE_MAX {
            return None;
        }
        let mut cache = self.zipf.lock().unwrap_or_else(|p| p.into_inner());
        let t = cache.entry((n, s.to_bits())).or_insert_with(|| {
            let mut total = 0.0;
            Arc::new(
                (1..=n)
                    .map(|k| {
                        total += (k as f64).powf(-s);
                        total
                    })
                    .collect(),
            )
        });
        Some(t.clone())
    }

    /// The chunks (row ranges) of an entity, in order.
    pub fn chunks(&self, e: EntityId) -> Vec<(u64, u64)> {
        let n = self.entities[e].rows;
        let mut v = Vec::new();
        let mut a = 0;
        while a < n {
            let b = a.saturating_add(self.chunk_rows).min(n);
            v.push((a, b));
            a = b;
        }
        v
    }
}
