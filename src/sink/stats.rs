//! Measured column statistics for the data profile: null count, distinct count and min/max,
//! computed per chunk in the worker threads and merged in order. Distinct counts are exact
//! (sets of 64-bit value hashes) up to a cap per column, then reported as a lower bound.

use crate::emit::ColumnStats;
use crate::generate::rng::{hash_name, mix2, mix64};
use crate::ir::value::{Value, format_decimal};
use arrow::array::*;
use arrow::datatypes::{DataType, TimeUnit};
use std::collections::HashSet;

/// Beyond this many distinct values per column, distinct counts become a lower bound.
pub const DISTINCT_CAP: usize = 2_000_000;

/// Statistics of one column of one chunk.
#[derive(Clone, Debug, Default)]
pub struct ChunkStats {
    pub nulls: u64,
    /// Non-null values in the chunk.
    pub values: u64,
    pub min: Option<Value>,
    pub max: Option<Value>,
    /// Sorted, distinct hashes of the values (empty when the column is known to be unique).
    pub hashes: Vec<u64>,
    /// Every value of the column is distinct by construction (keys, unique attributes), so the
    /// distinct count is the non-null count and no hashing is needed.
    pub known_unique: bool,
}

fn less(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => x < y,
        (Value::Float(x), Value::Float(y)) => x < y,
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
        known_unique,
        ..Default::default()
    };
    let hash = !known_unique;
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
                        s.hashes.push(mix64($bits(x)));
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
                s.hashes
                    .extend(f.then_some(0).into_iter().chain(t.then_some(1)));
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
            let arr = a.as_any().downcast_ref::<StringArray>().expect("utf8");
            let mut min: Option<&str> = None;
            let mut max: Option<&str> = None;
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
                        s.hashes.push(hash_name(x));
                    }
                }
            }
            s.min = min.map(|x| Value::Str(x.to_string()));
            s.max = max.map(|x| Value::Str(x.to_string()));
        }
        _ => {}
    }
    s.hashes.sort_unstable();
    s.hashes.dedup();
    s
}

/// A hasher for keys that are already well-mixed 64-bit hashes: passes them through.
#[derive(Default)]
pub struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, x: u64) {
        self.0 = x;
    }
}

/// Running statistics of one column across chunks.
#[derive(Default)]
pub struct Accumulator {
    nulls: u64,
    min: Option<Value>,
    max: Option<Value>,
    seen: HashSet<u64, std::hash::BuildHasherDefault<PassThrough>>,
    known_unique_values: u64,
    known_unique: bool,
    capped: bool,
}

impl Accumulator {
    pub fn add(&mut self, c: ChunkStats) {
        self.nulls += c.nulls;
        if c.known_unique {
            self.known_unique = true;
            self.known_unique_values += c.values;
        }
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
        if !self.capped {
            self.seen.extend(c.hashes);
            if self.seen.len() > DISTINCT_CAP {
                self.capped = true;
            }
        }
    }

    pub fn finish(self) -> ColumnStats {
        let show = |v: Value| match v {
            Value::Decimal(x, s) => format_decimal(x, s),
            v => v.display(),
        };
        ColumnStats {
            nulls: self.nulls,
            distinct: if self.known_unique {
                self.known_unique_values
            } else {
                self.seen.len() as u64
            },
            distinct_exact: self.known_unique || !self.capped,
            min: self.min.map(show),
            max: self.max.map(show),
        }
    }
}
