//! Measured column statistics for the data profile: null count, distinct count and min/max,
//! computed per chunk in the worker threads and merged in order.
//!
//! Distinct counts are exact while a column has few distinct values (a chunk sends its set of
//! value hashes when it holds at most [`SMALL_SET`] of them, and the merged set stays exact up
//! to [`EXACT_CAP`]); beyond that they are HyperLogLog estimates (2^14 registers, about 0.8 %
//! standard error), which merge by a register-wise maximum. Either way the work per value is a
//! hash and a register update on a worker thread: nothing per value is left for the thread
//! that assembles the files.

use crate::arrow::array::*;
use crate::arrow::datatypes::{DataType, TimeUnit};
use crate::hash::{mix2, mix64};
use crate::ir::value::{Value, format_decimal};
use crate::profile::ColumnStats;
use std::collections::HashSet;

/// A chunk whose column has at most this many distinct values sends them as a set.
pub const SMALL_SET: usize = 8192;
/// Merged sets larger than this become a sketch: the count is then an estimate.
pub const EXACT_CAP: usize = 65_536;
/// HyperLogLog precision: 2^P registers.
const P: u32 = 14;
const M: usize = 1 << P;

/// A HyperLogLog sketch of a set of 64-bit hashes.
#[derive(Clone, Debug, PartialEq)]
pub struct Sketch {
    registers: Vec<u8>,
}

impl Default for Sketch {
    fn default() -> Self {
        Sketch {
            registers: vec![0; M],
        }
    }
}

impl Sketch {
    #[inline]
    pub fn insert(&mut self, h: u64) {
        let idx = (h >> (64 - P)) as usize;
        // The remaining bits, with a guard bit so the rank is at most 64 - P + 1.
        let w = (h << P) | (1 << (P - 1));
        let rank = w.leading_zeros() as u8 + 1;
        let r = &mut self.registers[idx];
        if rank > *r {
            *r = rank;
        }
    }
    /// A sketch from its registers in hex ([`Accumulator::partial`]).
    fn from_hex(hex: &str) -> Result<Sketch, String> {
        let bytes = hex.as_bytes();
        if bytes.len() != 2 * M {
            return Err(format!(
                "a sketch has {} hex digits, not {}",
                bytes.len(),
                2 * M
            ));
        }
        let registers = bytes
            .chunks(2)
            .map(|d| {
                std::str::from_utf8(d)
                    .ok()
                    .and_then(|d| u8::from_str_radix(d, 16).ok())
                    .ok_or_else(|| "a sketch holds a character that is not hex".to_string())
            })
            .collect::<Result<Vec<u8>, String>>()?;
        Ok(Sketch { registers })
    }

    pub fn merge(&mut self, o: &Sketch) {
        for (a, b) in self.registers.iter_mut().zip(&o.registers) {
            *a = (*a).max(*b);
        }
    }
    /// The estimated number of distinct hashes inserted (linear counting while registers are
    /// empty enough, the harmonic-mean estimate beyond).
    pub fn estimate(&self) -> u64 {
        let m = M as f64;
        let alpha = 0.7213 / (1.0 + 1.079 / m);
        let sum: f64 = self
            .registers
            .iter()
            .map(|&r| f64::from_bits((1023u64.saturating_sub(r as u64)) << 52))
            .sum();
        let raw = alpha * m * m / sum;
        let zeros = self.registers.iter().filter(|&&r| r == 0).count();
        let e = if raw <= 2.5 * m && zeros > 0 {
            m * (m / zeros as f64).ln()
        } else {
            raw
        };
        e.round() as u64
    }
}

/// The distinct values of one column of one chunk.
#[derive(Clone, Debug, PartialEq)]
pub enum Distinct {
    /// The column is distinct by construction (keys, sequences): nothing is hashed.
    Unique,
    /// Distinct value hashes, when there are at most [`SMALL_SET`].
    Set(Vec<u64>),
    Sketch(Box<Sketch>),
}

impl Default for Distinct {
    fn default() -> Self {
        Distinct::Set(Vec::new())
    }
}

/// Collects hashes into a small open-addressing set, or into a sketch once the set is full.
struct Collector {
    table: Vec<u64>,
    len: usize,
    sketch: Option<Box<Sketch>>,
}

/// Marks an empty slot of the collector's table (a hash equal to it is nudged).
const EMPTY: u64 = 0;

impl Collector {
    fn new() -> Collector {
        Collector {
            table: vec![EMPTY; SMALL_SET * 2],
            len: 0,
            sketch: None,
        }
    }
    #[inline]
    fn add(&mut self, h: u64) {
        let h = if h == EMPTY { 1 } else { h };
        if let Some(s) = &mut self.sketch {
            s.insert(h);
            return;
        }
        let mask = self.table.len() - 1;
        let mut i = (h as usize) & mask;
        loop {
            let t = self.table[i];
            if t == h {
                return;
            }
            if t == EMPTY {
                break;
            }
            i = (i + 1) & mask;
        }
        if self.len == SMALL_SET {
            let mut s = Box::<Sketch>::default();
            for &t in self.table.iter().filter(|&&t| t != EMPTY) {
                s.insert(t);
            }
            s.insert(h);
            self.sketch = Some(s);
            return;
        }
        self.table[i] = h;
        self.len += 1;
    }
    fn finish(self) -> Distinct {
        match self.sketch {
            Some(s) => Distinct::Sketch(s),
            None => Distinct::Set(self.table.into_iter().filter(|&t| t != EMPTY).collect()),
        }
    }
}

/// A fast, well-mixed hash of a string's bytes (eight at a time), for distinct counting only.
#[inline]
fn hash_str(s: &str) -> u64 {
    let b = s.as_bytes();
    let mut h = 0x9e37_79b9_7f4a_7c15u64 ^ b.len() as u64;
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        let x = u64::from_le_bytes(w.try_into().expect("eight bytes"));
        h = (h ^ x).wrapping_mul(0xff51_afd7_ed55_8ccd).rotate_left(29);
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        // The tail is read with whole loads (the last eight bytes, overlapping, when the
        // string is that long): copying it into a buffer would stall on store forwarding.
        let t = if b.len() >= 8 {
            u64::from_le_bytes(b[b.len() - 8..].try_into().expect("eight bytes"))
        } else if rest.len() >= 4 {
            let lo = u32::from_le_bytes(rest[..4].try_into().expect("four bytes"));
            let hi = u32::from_le_bytes(rest[rest.len() - 4..].try_into().expect("four bytes"));
            u64::from(lo) | u64::from(hi) << 32
        } else {
            u64::from(rest[0])
                | u64::from(rest[rest.len() / 2]) << 8
                | u64::from(rest[rest.len() - 1]) << 16
        };
        h = (h ^ t).wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    }
    mix64(h)
}

/// The first eight bytes of a string as a big-endian number, zero-padded: comparing two
/// prefixes orders the strings whenever the prefixes differ.
#[inline]
fn prefix(s: &str) -> u64 {
    let b = s.as_bytes();
    match b.first_chunk::<8>() {
        Some(w) => u64::from_be_bytes(*w),
        None => b
            .iter()
            .enumerate()
            .fold(0, |p, (i, &c)| p | u64::from(c) << (56 - 8 * i)),
    }
}

/// Statistics of one column of one chunk.
#[derive(Clone, Debug, Default)]
pub struct ChunkStats {
    pub nulls: u64,
    /// Non-null values in the chunk.
    pub values: u64,
    pub min: Option<Value>,
    pub max: Option<Value>,
    pub distinct: Distinct,
}

fn less(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => x < y,
        // A total order (-0 before +0), so the extremes do not depend on the order in which
        // chunks, or the parts of a split run, are merged.
        (Value::Float(x), Value::Float(y)) => x.total_cmp(y).is_lt(),
        (Value::Bool(x), Value::Bool(y)) => x < y,
        (Value::Decimal(x, _), Value::Decimal(y, _)) => x < y,
        (Value::Date(x), Value::Date(y)) => x < y,
        (Value::Int(x), Value::Int(y))
        | (Value::Timestamp(x), Value::Timestamp(y))
        | (Value::Interval(x), Value::Interval(y)) => x < y,
        _ => false,
    }
}

/// Computes a chunk's statistics for one Arrow array, with typed loops: values become
/// [`Value`]s only for the chunk's minimum and maximum.
pub fn chunk_stats(a: &ArrayRef, known_unique: bool) -> ChunkStats {
    let n = a.len();
    let mut s = ChunkStats {
        nulls: a.null_count() as u64,
        values: (n - a.null_count()) as u64,
        ..Default::default()
    };
    let hash = !known_unique;
    let mut distinct = Collector::new();
    macro_rules! prim {
        ($t:ty, $mk:expr, $bits:expr) => {{
            let arr = a.as_any().downcast_ref::<$t>().expect("array type");
            let mut min = None;
            let mut max = None;
            for i in 0..n {
                if arr.is_valid(i) {
                    let x = arr.value(i);
                    if min.is_none_or(|m| x < m) {
                        min = Some(x);
                    }
                    if max.is_none_or(|m| x > m) {
                        max = Some(x);
                    }
                    if hash {
                        distinct.add(mix64($bits(x)));
                    }
                }
            }
            s.min = min.map($mk);
            s.max = max.map($mk);
        }};
    }
    match a.data_type() {
        DataType::Boolean => {
            let arr = a.as_any().downcast_ref::<BooleanArray>().expect("bool");
            let (mut f, mut t) = (false, false);
            for i in 0..n {
                if arr.is_valid(i) {
                    if arr.value(i) { t = true } else { f = true }
                }
            }
            s.min = if f {
                Some(Value::Bool(false))
            } else if t {
                Some(Value::Bool(true))
            } else {
                None
            };
            s.max = if t {
                Some(Value::Bool(true))
            } else if f {
                Some(Value::Bool(false))
            } else {
                None
            };
            if hash {
                f.then(|| distinct.add(mix64(0)));
                t.then(|| distinct.add(mix64(1)));
            }
        }
        DataType::Int8 => prim!(Int8Array, |x: i8| Value::Int(x as i64), |x: i8| x as u64),
        DataType::Int16 => prim!(Int16Array, |x: i16| Value::Int(x as i64), |x: i16| x as u64),
        DataType::Int32 => prim!(Int32Array, |x: i32| Value::Int(x as i64), |x: i32| x as u64),
        DataType::Int64 => prim!(Int64Array, Value::Int, |x: i64| x as u64),
        DataType::Date32 => prim!(Date32Array, Value::Date, |x: i32| x as u64),
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            prim!(TimestampMillisecondArray, Value::Timestamp, |x: i64| x
                as u64)
        }
        DataType::Float64 => prim!(Float64Array, Value::Float, |x: f64| x.to_bits()),
        DataType::Decimal128(_, scale) => {
            let scale = *scale as u8;
            prim!(
                Decimal128Array,
                |x: i128| Value::Decimal(x, scale),
                |x: i128| mix2(x as u64, (x >> 64) as u64)
            )
        }
        DataType::Utf8 => {
            if let Some(arr) = a.as_any().downcast_ref::<StringArray>() {
                (s.min, s.max) = string_extremes(arr.iter(), hash.then_some(&mut distinct));
            }
        }
        // A chunk holding more than 2 GiB of text comes as 64-bit offsets.
        DataType::LargeUtf8 => {
            if let Some(arr) = a.as_any().downcast_ref::<LargeStringArray>() {
                (s.min, s.max) = string_extremes(arr.iter(), hash.then_some(&mut distinct));
            }
        }
        _ => {}
    }
    s.distinct = if known_unique {
        Distinct::Unique
    } else {
        distinct.finish()
    };
    s
}

/// The smallest and largest of a chunk's strings, hashing each into `distinct` when given.
/// Candidates are compared by their 8-byte prefixes first; whole strings only when the
/// prefixes tie.
fn string_extremes<'a>(
    values: impl Iterator<Item = Option<&'a str>>,
    mut distinct: Option<&mut Collector>,
) -> (Option<Value>, Option<Value>) {
    let mut min: Option<(u64, &str)> = None;
    let mut max: Option<(u64, &str)> = None;
    for x in values.flatten() {
        let px = prefix(x);
        if min.is_none_or(|(pm, m)| px < pm || (px == pm && x < m)) {
            min = Some((px, x));
        }
        if max.is_none_or(|(pm, m)| px > pm || (px == pm && x > m)) {
            max = Some((px, x));
        }
        if let Some(d) = distinct.as_deref_mut() {
            d.add(hash_str(x));
        }
    }
    let text = |m: Option<(u64, &str)>| m.map(|(_, x)| Value::Str(x.to_string()));
    (text(min), text(max))
}

/// Running statistics of one column across chunks.
#[derive(Default)]
pub struct Accumulator {
    nulls: u64,
    values: u64,
    min: Option<Value>,
    max: Option<Value>,
    /// Exact distinct hashes, while there are at most [`EXACT_CAP`] and no chunk sent a sketch.
    set: HashSet<u64, std::hash::BuildHasherDefault<crate::hash::PassThrough>>,
    sketch: Option<Box<Sketch>>,
    unique: bool,
}

impl Accumulator {
    pub fn add(&mut self, c: ChunkStats) {
        self.nulls += c.nulls;
        self.values += c.values;
        if let Some(m) = c.min
            && self.min.as_ref().is_none_or(|x| less(&m, x))
        {
            self.min = Some(m);
        }
        if let Some(m) = c.max
            && self.max.as_ref().is_none_or(|x| less(x, &m))
        {
            self.max = Some(m);
        }
        match c.distinct {
            Distinct::Unique => self.unique = true,
            Distinct::Set(v) => match &mut self.sketch {
                Some(s) => v.into_iter().for_each(|h| s.insert(h)),
                None => {
                    self.set.extend(v);
                    if self.set.len() > EXACT_CAP {
                        self.spill_to_sketch();
                    }
                }
            },
            Distinct::Sketch(o) => {
                self.spill_to_sketch();
                if let Some(s) = &mut self.sketch {
                    s.merge(&o);
                }
            }
        }
    }

    /// Moves the exact set into a sketch (from then on the count is an estimate).
    fn spill_to_sketch(&mut self) {
        let s = self.sketch.get_or_insert_with(Box::default);
        for h in self.set.drain() {
            s.insert(h);
        }
    }

    /// The running state, to be merged with other parts' ([`Accumulator::absorb`]).
    pub fn partial(&self) -> Partial {
        let mut set: Vec<u64> = self.set.iter().copied().collect();
        set.sort_unstable();
        Partial {
            nulls: self.nulls,
            values: self.values,
            min: self.min.as_ref().and_then(Extreme::of),
            max: self.max.as_ref().and_then(Extreme::of),
            set,
            sketch: self.sketch.as_ref().map(|s| crate::hash::hex(&s.registers)),
            unique: self.unique,
        }
    }

    /// Merges another accumulator's state, as if its chunks had been added here: counts add
    /// up, extremes and distinct sets (or sketches) combine in an order-independent way, so
    /// merging the parts of a split run gives the single run's statistics.
    pub fn absorb(&mut self, p: Partial) -> Result<(), String> {
        let sketch = match p.sketch {
            Some(hex) => Some(Box::new(Sketch::from_hex(&hex)?)),
            None => None,
        };
        self.add(ChunkStats {
            nulls: p.nulls,
            values: p.values,
            min: p.min.map(Extreme::value),
            max: p.max.map(Extreme::value),
            distinct: Distinct::Set(p.set),
        });
        if let Some(s) = sketch {
            self.add(ChunkStats {
                distinct: Distinct::Sketch(s),
                ..ChunkStats::default()
            });
        }
        if p.unique {
            self.add(ChunkStats {
                distinct: Distinct::Unique,
                ..ChunkStats::default()
            });
        }
        Ok(())
    }

    pub fn finish(self) -> ColumnStats {
        let show = |v: Value| match v {
            Value::Decimal(x, s) => format_decimal(x, s),
            v => v.display(),
        };
        let (distinct, distinct_exact) = if self.unique {
            (self.values, true)
        } else if let Some(s) = &self.sketch {
            // An estimate never exceeds the number of values.
            (s.estimate().min(self.values), false)
        } else {
            (self.set.len() as u64, true)
        };
        ColumnStats {
            nulls: self.nulls,
            distinct,
            distinct_exact,
            min: self.min.map(show),
            max: self.max.map(show),
        }
    }
}

/// The file (in a part's lake) holding the running state of a part's statistics.
pub const PART_PROFILE: &str = "_profile.part.json";

/// The running statistics of a part of a split run: per entity (in the IR's order) the rows it
/// wrote and per exported column the state of its [`Accumulator`].
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PartProfile {
    pub entities: Vec<PartEntity>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PartEntity {
    /// `domain.entity`.
    pub entity: String,
    pub rows: u64,
    pub columns: Vec<Partial>,
}

/// The state of an [`Accumulator`] as data (a part of a split run writes it to
/// `_profile.part.json`): counts, extremes, the exact distinct hashes (sorted) or the sketch's
/// registers in hex, and whether the column is distinct by construction.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Partial {
    pub nulls: u64,
    pub values: u64,
    pub min: Option<Extreme>,
    pub max: Option<Extreme>,
    pub set: Vec<u64>,
    pub sketch: Option<String>,
    pub unique: bool,
}

/// A column's extreme value as data, exactly: floats by their bits, decimals' unscaled value
/// as text (JSON numbers would round both).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Extreme {
    Bool(bool),
    Int(i64),
    FloatBits(u64),
    Decimal(String, u8),
    Str(String),
    Date(i32),
    Timestamp(i64),
    Interval(i64),
}

impl Extreme {
    fn of(v: &Value) -> Option<Extreme> {
        Some(match v {
            Value::Null => return None,
            Value::Bool(b) => Extreme::Bool(*b),
            Value::Int(i) => Extreme::Int(*i),
            Value::Float(f) => Extreme::FloatBits(f.to_bits()),
            Value::Decimal(x, s) => Extreme::Decimal(x.to_string(), *s),
            Value::Str(t) => Extreme::Str(t.clone()),
            Value::Date(d) => Extreme::Date(*d),
            Value::Timestamp(t) => Extreme::Timestamp(*t),
            Value::Interval(t) => Extreme::Interval(*t),
        })
    }

    fn value(self) -> Value {
        match self {
            Extreme::Bool(b) => Value::Bool(b),
            Extreme::Int(i) => Value::Int(i),
            Extreme::FloatBits(f) => Value::Float(f64::from_bits(f)),
            // A decimal that does not parse (a hand-edited file) is no extreme.
            Extreme::Decimal(x, s) => x.parse().map_or(Value::Null, |x| Value::Decimal(x, s)),
            Extreme::Str(t) => Value::Str(t),
            Extreme::Date(d) => Value::Date(d),
            Extreme::Timestamp(t) => Value::Timestamp(t),
            Extreme::Interval(t) => Value::Interval(t),
        }
    }
}

/// The measured statistics as JSON (`_profile.json`): entity → column → nulls, distinct
/// count, min and max, for tools that check the profile against the data.
pub fn profile_json(ir: &crate::ir::Ir, stats: &crate::profile::DataStats) -> String {
    let mut root = serde_json::Map::new();
    for (e, ent) in ir.entities.iter().enumerate() {
        let mut cols = serde_json::Map::new();
        for (a, (_, attr)) in ent.exported().enumerate() {
            let Some(c) = stats.entities[e].columns.get(a) else {
                continue;
            };
            cols.insert(
                attr.name.clone(),
                serde_json::json!({
                    "nulls": c.nulls,
                    "distinct": c.distinct,
                    "distinct_exact": c.distinct_exact,
                    "min": c.min,
                    "max": c.max,
                }),
            );
        }
        root.insert(
            ent.qualified.clone(),
            serde_json::json!({ "rows": stats.entities[e].rows, "columns": cols }),
        );
    }
    // A map of strings, numbers and nulls always serialises.
    serde_json::to_string_pretty(&root).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn stats_of(chunks: &[Vec<i64>]) -> ColumnStats {
        let mut acc = Accumulator::default();
        for c in chunks {
            let a: ArrayRef = Arc::new(Int64Array::from(c.clone()));
            acc.add(chunk_stats(&a, false));
        }
        acc.finish()
    }

    /// The chunks split into parts (every third chunk to each), each part's state through
    /// JSON, merged in the given order.
    fn merged_parts(chunks: &[ArrayRef], order: &[usize]) -> ColumnStats {
        let mut parts: Vec<Accumulator> = (0..3).map(|_| Accumulator::default()).collect();
        for (i, c) in chunks.iter().enumerate() {
            parts[i % 3].add(chunk_stats(c, false));
        }
        let mut acc = Accumulator::default();
        for &p in order {
            let text = serde_json::to_string(&parts[p].partial()).unwrap();
            acc.absorb(serde_json::from_str(&text).unwrap()).unwrap();
        }
        acc.finish()
    }

    #[test]
    fn merged_parts_give_the_single_run_statistics() {
        let ints = |n: i64, k: i64| -> ArrayRef {
            Arc::new(Int64Array::from(
                (0..n).map(|i| (i * 7919 + k) % (n * 3)).collect::<Vec<_>>(),
            ))
        };
        // Few distinct values (exact), many (a sketch), and floats with both zeros.
        let few: Vec<ArrayRef> = (0..7).map(|k| ints(1000, k)).collect();
        let many: Vec<ArrayRef> = (0..7).map(|k| ints(40_000, k * 40_000)).collect();
        let zeros: Vec<ArrayRef> = (0..7)
            .map(|k| -> ArrayRef {
                let z = if k % 2 == 0 { 0.0 } else { -0.0 };
                Arc::new(Float64Array::from(vec![Some(z), None, Some(k as f64)]))
            })
            .collect();
        for chunks in [few, many, zeros] {
            let mut one = Accumulator::default();
            for c in &chunks {
                one.add(chunk_stats(c, false));
            }
            let whole = one.finish();
            for order in [[0, 1, 2], [2, 0, 1], [1, 2, 0]] {
                assert_eq!(merged_parts(&chunks, &order), whole, "order {order:?}");
            }
        }
    }

    #[test]
    fn few_distinct_values_are_counted_exactly_across_chunks() {
        let chunks: Vec<Vec<i64>> = (0..40)
            .map(|k| (0..10_000).map(|i| (i * 7 + k) % 3000).collect())
            .collect();
        let s = stats_of(&chunks);
        assert!(s.distinct_exact);
        assert_eq!(s.distinct, 3000);
        assert_eq!(
            (s.min.as_deref(), s.max.as_deref()),
            (Some("0"), Some("2999"))
        );
    }

    #[test]
    fn many_distinct_values_are_estimated_within_a_few_percent() {
        for n in [
            3_000i64, 20_000, 30_000, 41_000, 50_000, 60_000, 70_000, 100_000, 300_000, 2_000_000,
        ] {
            // Every value twice, in chunks of 131 072, so chunks overlap.
            let all: Vec<i64> = (0..n).chain(0..n).map(|i| i * 1_000_003).collect();
            let chunks: Vec<Vec<i64>> = all.chunks(131_072).map(|c| c.to_vec()).collect();
            let s = stats_of(&chunks);
            let err = (s.distinct as f64 - n as f64).abs() / n as f64;
            if s.distinct_exact {
                assert_eq!(s.distinct, n as u64);
            } else {
                assert!(
                    err < 0.03,
                    "n = {n}: estimated {} ({:.2} %)",
                    s.distinct,
                    err * 100.0
                );
            }
        }
    }

    #[test]
    fn string_extremes_compare_whole_strings_when_prefixes_tie() {
        let a: ArrayRef = Arc::new(StringArray::from(vec![
            Some("abcdefgh-b"),
            None,
            Some("abcdefgh-a"),
            Some("abcdefgh"),
            Some("abcdefgh\u{0}"),
            Some("b"),
        ]));
        let s = chunk_stats(&a, false);
        assert_eq!(s.min, Some(Value::Str("abcdefgh".into())));
        assert_eq!(s.max, Some(Value::Str("b".into())));
        assert_eq!(s.nulls, 1);
        assert!(
            matches!(&s.distinct, Distinct::Set(v) if v.len() == 5),
            "{:?}",
            s.distinct
        );
    }

    /// A chunk whose text needs 64-bit offsets gets the same figures as one that does not.
    #[test]
    fn large_strings_have_the_same_statistics() {
        let values = vec![
            Some("pear"),
            None,
            Some("apple"),
            Some("fig"),
            Some("apple"),
        ];
        let small: ArrayRef = Arc::new(StringArray::from(values.clone()));
        let large: ArrayRef = Arc::new(LargeStringArray::from(values));
        let (a, b) = (chunk_stats(&small, false), chunk_stats(&large, false));
        assert_eq!(b.min, Some(Value::Str("apple".into())));
        assert_eq!(b.max, Some(Value::Str("pear".into())));
        assert_eq!((a.min, a.max, a.nulls), (b.min, b.max, b.nulls));
        assert!(
            matches!((&a.distinct, &b.distinct), (Distinct::Set(x), Distinct::Set(y)) if x.len() == 3 && y.len() == 3),
            "{:?} {:?}",
            a.distinct,
            b.distinct
        );
    }
}
