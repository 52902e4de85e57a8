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
use std::hash::BuildHasherDefault;
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
    pub offsets: Option<Offsets>,
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
/// cumulative weights restarting at each group when the pick is weighted (8 more bytes). The
/// values are held once, as one text, and found by a 64-bit hash of their text (checked
/// against the text, so a collision never picks the wrong group): tens of bytes per value
/// rather than a `String` and a map entry each, for indexes of millions of values.
#[derive(Clone, Debug, Default)]
pub struct Groups {
    /// Every value's text, one after another: value g is `text[ends[g]..ends[g + 1]]`.
    text: String,
    ends: Vec<usize>,
    /// Group g's rows are `rows[starts[g]..starts[g + 1]]`.
    starts: Vec<usize>,
    /// Hash of a value's text → its group.
    by_hash: HashMap<u64, usize, BuildHasherDefault<crate::hash::PassThrough>>,
    /// Values whose hash an earlier value already has.
    collided: HashMap<String, usize>,
    pub rows: Vec<u64>,
    /// Cumulative weights within each group, aligned with `rows`.
    pub cum: Option<Vec<f64>>,
}

fn value_hash(value: &str) -> u64 {
    crate::hash::mix64(crate::hash::hash_name(value))
}

impl Groups {
    /// The group of `value`, if it has one.
    pub fn find(&self, value: &str) -> Option<usize> {
        match self.by_hash.get(&value_hash(value)) {
            Some(&g) if self.value(g) == value => Some(g),
            _ => self.collided.get(value).copied(),
        }
    }

    /// The group of `value`, added (empty, after every other) if it has none.
    pub fn find_or_add(&mut self, value: &str) -> usize {
        if let Some(g) = self.find(value) {
            return g;
        }
        if self.ends.is_empty() {
            self.ends.push(0);
        }
        let g = self.ends.len() - 1;
        self.text.push_str(value);
        self.ends.push(self.text.len());
        match self.by_hash.entry(value_hash(value)) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(g);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                self.collided.insert(value.to_string(), g);
            }
        }
        g
    }

    /// How many values have a group.
    pub fn len(&self) -> usize {
        self.ends.len().saturating_sub(1)
    }

    /// Whether no value has a group.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sets the rows of every group: `rows` (target row, weight) in row order with `group[i]`
    /// the group of `rows[i]`; each group keeps its rows in that order, with cumulative
    /// weights when `weighted`.
    pub fn fill(&mut self, rows: &[(u64, f64)], group: &[usize], weighted: bool) {
        let mut starts = vec![0usize; self.len() + 1];
        for &g in group {
            starts[g + 1] += 1;
        }
        for g in 0..self.len() {
            starts[g + 1] += starts[g];
        }
        let mut at = starts.clone();
        let mut placed = vec![(0u64, 0.0f64); rows.len()];
        for (&r, &g) in rows.iter().zip(group) {
            placed[at[g]] = r;
            at[g] += 1;
        }
        self.rows = placed.iter().map(|p| p.0).collect();
        if weighted {
            let mut cum = Vec::with_capacity(placed.len());
            for g in 0..self.len() {
                let mut t = 0.0;
                for &(_, w) in &placed[starts[g]..starts[g + 1]] {
                    t += if w.is_finite() { w } else { 0.0 };
                    cum.push(t);
                }
            }
            self.cum = Some(cum);
        }
        self.starts = starts;
    }

    fn value(&self, g: usize) -> &str {
        &self.text[self.ends[g]..self.ends[g + 1]]
    }

    /// The rows of a value and their cumulative weights, if the value has a row of positive
    /// weight.
    pub fn group(&self, value: &str) -> Option<(&[u64], Option<&[f64]>)> {
        let g = self.find(value)?;
        let (a, b) = (*self.starts.get(g)?, *self.starts.get(g + 1)?);
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
    pub offsets: Option<Offsets>,
}

/// Offsets per block of [`Offsets`]: one 64-bit base per this many offsets.
const BLOCK_BITS: u32 = 12;

/// Non-decreasing row offsets (prefix sums of child counts, one per parent row and one more),
/// held in 4 bytes each where they can be: a 64-bit base per block of 4 096 offsets and each
/// offset's distance from its block's base, unless some block spans 2^32 rows or more (then
/// 8 bytes each). Tens of millions of parent rows make the offsets one of the largest
/// structures of a run; reading one is an addition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Offsets {
    Narrow { bases: Vec<u64>, deltas: Vec<u32> },
    Wide(Vec<u64>),
}

impl Offsets {
    /// Packs non-decreasing offsets.
    pub fn new(wide: Vec<u64>) -> Offsets {
        let block = 1usize << BLOCK_BITS;
        let bases: Vec<u64> = wide.chunks(block).map(|c| c[0]).collect();
        let fits = wide
            .chunks(block)
            .all(|c| c.last().is_some_and(|&l| l - c[0] <= u64::from(u32::MAX)));
        if !fits {
            return Offsets::Wide(wide);
        }
        let deltas = wide
            .iter()
            .enumerate()
            .map(|(i, &o)| (o - bases[i >> BLOCK_BITS]) as u32)
            .collect();
        Offsets::Narrow { bases, deltas }
    }

    /// How many offsets (parent rows + 1).
    pub fn len(&self) -> usize {
        match self {
            Offsets::Narrow { deltas, .. } => deltas.len(),
            Offsets::Wide(w) => w.len(),
        }
    }

    /// Whether there are no offsets.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Offset `i` (children of parent row p are rows `get(p)..get(p + 1)`).
    #[inline]
    pub fn get(&self, i: usize) -> u64 {
        match self {
            Offsets::Narrow { bases, deltas } => bases[i >> BLOCK_BITS] + u64::from(deltas[i]),
            Offsets::Wide(w) => w[i],
        }
    }

    /// The last offset (the end of the last parent's children).
    pub fn last(&self) -> Option<u64> {
        self.len().checked_sub(1).map(|i| self.get(i))
    }

    /// How many offsets are at most `r`: the parent of row `r` is this minus one.
    pub fn count_at_most(&self, r: u64) -> usize {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.get(mid) <= r {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The most children of one parent.
    pub fn widest(&self) -> u64 {
        (1..self.len())
            .map(|i| self.get(i) - self.get(i - 1))
            .max()
            .unwrap_or(0)
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        match self {
            Offsets::Narrow { bases, deltas } => bases.len() * 8 + deltas.len() * 4,
            Offsets::Wide(w) => w.len() * 8,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::{Groups, Offsets, value_hash};

    /// Groups keep each value's rows in row order with weights restarting per group, and a
    /// value whose hash another value has still finds its own group.
    #[test]
    fn groups_by_value() {
        let mut g = Groups::default();
        let values = ["b", "a", "b", "c", "a"];
        let group: Vec<usize> = values.iter().map(|v| g.find_or_add(v)).collect();
        assert_eq!(group, [0, 1, 0, 2, 1]);
        let rows: Vec<(u64, f64)> = (0..5).map(|r| (r * 10, (r + 1) as f64)).collect();
        g.fill(&rows, &group, true);
        assert_eq!(g.group("b"), Some((&[0, 20][..], Some(&[1.0, 4.0][..]))));
        assert_eq!(g.group("a"), Some((&[10, 40][..], Some(&[2.0, 7.0][..]))));
        assert_eq!(g.group("c"), Some((&[30][..], Some(&[4.0][..]))));
        assert_eq!(g.group("d"), None);
        // A collision: "e" is given the hash of "a" before it is added.
        g.by_hash.insert(value_hash("e"), 1);
        assert_eq!(g.find("e"), None);
        assert_eq!(g.find_or_add("e"), 3);
        assert_eq!((g.find("e"), g.find("a"), g.len()), (Some(3), Some(1), 4));
    }

    /// Packed offsets read back what they were given, and the parent search agrees with a
    /// search over the plain offsets, across block boundaries and empty parents.
    #[test]
    fn offsets_pack_and_search() {
        let mut plain = vec![7u64];
        for p in 0..10_000u64 {
            let last = *plain.last().unwrap_or(&0);
            plain.push(last + (p * 2_654_435_761 % 5));
        }
        let packed = Offsets::new(plain.clone());
        assert!(matches!(packed, Offsets::Narrow { .. }));
        assert_eq!(packed.len(), plain.len());
        assert_eq!(packed.bytes(), 3 * 8 + plain.len() * 4);
        assert!((0..plain.len()).all(|i| packed.get(i) == plain[i]));
        for r in 0..plain[plain.len() - 1] + 2 {
            assert_eq!(packed.count_at_most(r), plain.partition_point(|&o| o <= r));
        }
        let widest = plain.windows(2).map(|w| w[1] - w[0]).max();
        assert_eq!(Some(packed.widest()), widest);
        assert_eq!(packed.last(), plain.last().copied());
    }

    /// A block spanning 2^32 rows or more keeps 8 bytes per offset.
    #[test]
    fn offsets_too_far_apart_stay_wide() {
        let plain = vec![0, 1, 1 << 33, (1 << 33) + 5];
        let packed = Offsets::new(plain.clone());
        assert_eq!(packed, Offsets::Wide(plain.clone()));
        assert_eq!(packed.count_at_most(1 << 32), 2);
        assert_eq!(packed.widest(), (1 << 33) - 1);
        assert!(Offsets::new(Vec::new()).is_empty());
    }
}
