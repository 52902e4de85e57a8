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
    pub min: Option<Value>,
    pub max: Option<Value>,
    pub hashes: Vec<u64>,
}

fn key(v: &Value) -> (u8, i128, f64, String) {
    match v {
        Value::Bool(b) => (0, i128::from(*b), 0.0, String::new()),
        Value::Int(x) | Value::Timestamp(x) | Value::Interval(x) => {
            (1, *x as i128, 0.0, String::new())
        }
        Value::Date(x) => (1, *x as i128, 0.0, String::new()),
        Value::Decimal(x, _) => (1, *x, 0.0, String::new()),
        Value::Float(x) => (2, 0, *x, String::new()),
        Value::Str(s) => (3, 0, 0.0, s.clone()),
        Value::Null => (4, 0, 0.0, String::new()),
    }
}

fn less(a: &Value, b: &Value) -> bool {
    let (ka, kb) = (key(a), key(b));
    match ka.0 {
        2 => ka.2 < kb.2,
        3 => ka.3 < kb.3,
        _ => ka.1 < kb.1,
    }
}

/// Computes a chunk's statistics for one Arrow array.
pub fn chunk_stats(a: &ArrayRef) -> ChunkStats {
    let n = a.len();
    let mut s = ChunkStats {
        nulls: a.null_count() as u64,
        ..Default::default()
    };
    let update = |v: Value, h: u64, s: &mut ChunkStats| {
        if s.min.as_ref().is_none_or(|m| less(&v, m)) {
            s.min = Some(v.clone());
        }
        if s.max.as_ref().is_none_or(|m| less(m, &v)) {
            s.max = Some(v);
        }
        s.hashes.push(h);
    };
    macro_rules! prim {
        ($t:ty, $mk:expr) => {{
            let arr = a.as_any().downcast_ref::<$t>().expect("array type");
            for i in 0..n {
                if arr.is_valid(i) {
                    let x = arr.value(i);
                    let v = $mk(x);
                    let h = mix2(0x5eed, x as u64);
                    update(v, h, &mut s);
                }
            }
        }};
    }
    match a.data_type() {
        DataType::Boolean => {
            let arr = a.as_any().downcast_ref::<BooleanArray>().expect("bool");
            for i in 0..n {
                if arr.is_valid(i) {
                    let x = arr.value(i);
                    update(Value::Bool(x), u64::from(x), &mut s);
                }
            }
        }
        DataType::Int8 => prim!(Int8Array, |x: i8| Value::Int(x as i64)),
        DataType::Int16 => prim!(Int16Array, |x: i16| Value::Int(x as i64)),
        DataType::Int32 => prim!(Int32Array, |x: i32| Value::Int(x as i64)),
        DataType::Int64 => prim!(Int64Array, Value::Int),
        DataType::Date32 => prim!(Date32Array, Value::Date),
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            prim!(TimestampMillisecondArray, Value::Timestamp)
        }
        DataType::Float64 => {
            let arr = a.as_any().downcast_ref::<Float64Array>().expect("f64");
            for i in 0..n {
                if arr.is_valid(i) {
                    let x = arr.value(i);
                    update(Value::Float(x), mix64(x.to_bits()), &mut s);
                }
            }
        }
        DataType::Decimal128(_, scale) => {
            let scale = *scale as u8;
            let arr = a
                .as_any()
                .downcast_ref::<Decimal128Array>()
                .expect("decimal");
            for i in 0..n {
                if arr.is_valid(i) {
                    let x = arr.value(i);
                    update(
                        Value::Decimal(x, scale),
                        mix2(x as u64, (x >> 64) as u64),
                        &mut s,
                    );
                }
            }
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
                    s.hashes.push(hash_name(x));
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

/// Running statistics of one column across chunks.
#[derive(Default)]
pub struct Accumulator {
    nulls: u64,
    min: Option<Value>,
    max: Option<Value>,
    seen: HashSet<u64>,
    capped: bool,
}

impl Accumulator {
    pub fn add(&mut self, c: ChunkStats) {
        self.nulls += c.nulls;
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
            distinct: self.seen.len() as u64,
            distinct_exact: !self.capped,
            min: self.min.map(show),
            max: self.max.map(show),
        }
    }
}
