//! Columns of generated values for one frame of rows: typed vectors plus an optional validity
//! mask. Strings are stored Arrow-style (64-bit offsets + bytes) so they convert to Arrow
//! arrays without copying each value: a column whose text fits 32-bit offsets (under 2 GiB)
//! becomes a `Utf8` array (only the offsets are narrowed), a larger one a `LargeUtf8` array. Also the casts from expression types to attribute types.

use crate::arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Float64Array, Int8Array, Int16Array,
    Int32Array, Int64Array, LargeStringArray, StringArray, TimestampMillisecondArray,
};
use crate::arrow::buffer::{Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
use crate::ir::Type;
use crate::ir::value::{self, Value};
use std::sync::Arc;

/// Arrow-layout strings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Strings {
    pub offsets: Vec<i64>,
    pub bytes: Vec<u8>,
}

impl Strings {
    pub fn with_capacity(n: usize, bytes: usize) -> Strings {
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        Strings {
            offsets,
            bytes: Vec::with_capacity(bytes),
        }
    }
    #[inline]
    pub fn push(&mut self, s: &str) {
        self.bytes.extend_from_slice(s.as_bytes());
        self.offsets.push(self.bytes.len() as i64);
    }
    /// Ends the current value (after writing bytes directly into `bytes`).
    #[inline]
    pub fn finish_value(&mut self) {
        self.offsets.push(self.bytes.len() as i64);
    }
    #[inline]
    pub fn get(&self, i: usize) -> &str {
        let (a, b) = (self.offsets[i] as usize, self.offsets[i + 1] as usize);
        // Only valid UTF-8 is ever pushed.
        std::str::from_utf8(&self.bytes[a..b]).unwrap_or("")
    }
    /// The bytes of value `i` (no UTF-8 check; they order like the string).
    #[inline]
    pub fn bytes_at(&self, i: usize) -> &[u8] {
        &self.bytes[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    Bool(Vec<bool>),
    Int(Vec<i64>),
    Float(Vec<f64>),
    Dec(Vec<i128>, u8),
    Str(Strings),
    Date(Vec<i32>),
    Ts(Vec<i64>),
    Interval(Vec<i64>),
    /// All values null (the type of a `null` literal).
    Null(usize),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub data: Data,
    /// `None` means every value is valid.
    pub valid: Option<Vec<bool>>,
}

impl Column {
    pub fn new(data: Data) -> Column {
        Column { data, valid: None }
    }

    pub fn len(&self) -> usize {
        match &self.data {
            Data::Bool(v) => v.len(),
            Data::Int(v) | Data::Ts(v) | Data::Interval(v) => v.len(),
            Data::Float(v) => v.len(),
            Data::Dec(v, _) => v.len(),
            Data::Str(s) => s.len(),
            Data::Date(v) => v.len(),
            Data::Null(n) => *n,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    pub fn is_valid(&self, i: usize) -> bool {
        !matches!(self.data, Data::Null(_)) && self.valid.as_ref().is_none_or(|v| v[i])
    }

    /// A column of `n` copies of a constant.
    pub fn constant(v: &Value, ty: Type, n: usize) -> Column {
        let data = match (v, ty) {
            (Value::Null, _) => {
                return Column {
                    data: empty_of(ty, n),
                    valid: Some(vec![false; n]),
                };
            }
            (Value::Bool(b), _) => Data::Bool(vec![*b; n]),
            (Value::Int(x), _) => Data::Int(vec![*x; n]),
            (Value::Float(x), _) => Data::Float(vec![*x; n]),
            (Value::Decimal(x, s), _) => Data::Dec(vec![*x; n], *s),
            (Value::Str(s), _) => {
                let mut st = Strings::with_capacity(n, s.len() * n);
                for _ in 0..n {
                    st.push(s);
                }
                Data::Str(st)
            }
            (Value::Date(d), _) => Data::Date(vec![*d; n]),
            (Value::Timestamp(t), _) => Data::Ts(vec![*t; n]),
            (Value::Interval(t), _) => Data::Interval(vec![*t; n]),
        };
        Column::new(data)
    }

    /// Row `i` as a [`Value`] (slow; for tests, stats and examples).
    pub fn value(&self, i: usize) -> Value {
        if !self.is_valid(i) {
            return Value::Null;
        }
        match &self.data {
            Data::Bool(v) => Value::Bool(v[i]),
            Data::Int(v) => Value::Int(v[i]),
            Data::Float(v) => Value::Float(v[i]),
            Data::Dec(v, s) => Value::Decimal(v[i], *s),
            Data::Str(s) => Value::Str(s.get(i).to_string()),
            Data::Date(v) => Value::Date(v[i]),
            Data::Ts(v) => Value::Timestamp(v[i]),
            Data::Interval(v) => Value::Interval(v[i]),
            Data::Null(_) => Value::Null,
        }
    }

    /// Takes rows by index (`u32::MAX` gives a null).
    pub fn gather(&self, idx: &[u32]) -> Column {
        let get = |i: u32| i as usize;
        let mut valid: Option<Vec<bool>> = None;
        let any_null = idx.contains(&u32::MAX);
        if any_null || self.valid.is_some() {
            valid = Some(
                idx.iter()
                    .map(|&i| i != u32::MAX && self.is_valid(get(i)))
                    .collect(),
            );
        }
        let safe = |i: u32| if i == u32::MAX { 0 } else { get(i) };
        let data = match &self.data {
            Data::Bool(v) => Data::Bool(
                idx.iter()
                    .map(|&i| if i == u32::MAX { false } else { v[get(i)] })
                    .collect(),
            ),
            Data::Int(v) => Data::Int(
                idx.iter()
                    .map(|&i| if i == u32::MAX { 0 } else { v[get(i)] })
                    .collect(),
            ),
            Data::Float(v) => Data::Float(
                idx.iter()
                    .map(|&i| if i == u32::MAX { 0.0 } else { v[get(i)] })
                    .collect(),
            ),
            Data::Dec(v, s) => Data::Dec(
                idx.iter()
                    .map(|&i| if i == u32::MAX { 0 } else { v[get(i)] })
                    .collect(),
                *s,
            ),
            Data::Date(v) => Data::Date(
                idx.iter()
                    .map(|&i| if i == u32::MAX { 0 } else { v[get(i)] })
                    .collect(),
            ),
            Data::Ts(v) => Data::Ts(
                idx.iter()
                    .map(|&i| if i == u32::MAX { 0 } else { v[get(i)] })
                    .collect(),
            ),
            Data::Interval(v) => Data::Interval(
                idx.iter()
                    .map(|&i| if i == u32::MAX { 0 } else { v[get(i)] })
                    .collect(),
            ),
            Data::Str(s) => {
                let mut out = Strings::with_capacity(idx.len(), idx.len() * 8);
                for &i in idx {
                    if i == u32::MAX || s.is_empty() {
                        out.push("");
                    } else {
                        out.push(s.get(safe(i)));
                    }
                }
                Data::Str(out)
            }
            Data::Null(_) => Data::Null(idx.len()),
        };
        Column { data, valid }
    }

    /// Sets rows to null where `mask` is false.
    pub fn mask(&mut self, keep: &[bool]) {
        let n = self.len();
        let mut valid = self.valid.take().unwrap_or_else(|| vec![true; n]);
        for (v, k) in valid.iter_mut().zip(keep) {
            *v &= *k;
        }
        self.valid = if valid.iter().all(|v| *v) {
            None
        } else {
            Some(valid)
        };
    }

    /// Converts to the attribute's storage type (numeric casts round half away from zero).
    /// Strings are never cut to a `string(n)` length: a longer value is refused where the
    /// chunk is assembled.
    pub fn cast(self, to: Type) -> Column {
        self.cast_checked(to).0
    }

    /// [`Column::cast`], and the rows whose value the target type cannot hold (a float that is
    /// not finite or outside the 64-bit integers, a decimal outside them, a number past 38
    /// decimal digits): their value in the result is a placeholder, never a clamped number.
    pub fn cast_checked(self, to: Type) -> (Column, Vec<usize>) {
        let mut bad = Vec::new();
        let valid = self.valid;
        let n = match &self.data {
            Data::Null(n) => Some(*n),
            _ => None,
        };
        if let Some(n) = n {
            let col = Column {
                data: empty_of(to, n),
                valid: Some(vec![false; n]),
            };
            return (col, bad);
        }
        let data = match (self.data, to) {
            // Integers keep their value: one outside the column type's range is refused
            // where the chunk is assembled, never clamped or wrapped.
            (Data::Int(v), t) if t.is_integer() => Data::Int(v),
            (Data::Float(v), t) if t.is_integer() => Data::Int(
                v.into_iter()
                    .enumerate()
                    .map(|(i, x)| {
                        // 2^63 rounds to itself and is past i64::MAX.
                        let fits = x.is_finite() && x.abs() < 9.223_372_036_854_775e18;
                        match fits.then(|| i64::try_from(round_i128(x)).ok()).flatten() {
                            Some(x) => x,
                            None => {
                                bad.push(i);
                                0
                            }
                        }
                    })
                    .collect(),
            ),
            (Data::Dec(v, s), t) if t.is_integer() => Data::Int(
                v.into_iter()
                    .enumerate()
                    .map(|(i, x)| {
                        i64::try_from(rescale(x, s, 0)).unwrap_or_else(|_| {
                            bad.push(i);
                            0
                        })
                    })
                    .collect(),
            ),
            (Data::Int(v), Type::Float64) => Data::Float(v.into_iter().map(|x| x as f64).collect()),
            (Data::Dec(v, s), Type::Float64) => {
                let d = 10f64.powi(s as i32);
                Data::Float(v.into_iter().map(|x| x as f64 / d).collect())
            }
            // Decimals keep their value: one past the type's precision is refused where the
            // chunk is assembled, never clamped (or truncated by the Parquet encoding).
            (Data::Int(v), Type::Decimal(_, s)) => Data::Dec(
                v.into_iter()
                    .map(|x| i128::from(x).saturating_mul(pow10(s)))
                    .collect(),
                s,
            ),
            (Data::Float(v), Type::Decimal(_, s)) => {
                let m = 10f64.powi(s as i32);
                Data::Dec(
                    v.into_iter()
                        .enumerate()
                        .map(|(i, x)| {
                            // 1e38 is past every decimal's precision and inside i128.
                            if x.is_finite() && (x * m).abs() < 1e38 {
                                round_i128(x * m)
                            } else {
                                bad.push(i);
                                0
                            }
                        })
                        .collect(),
                    s,
                )
            }
            (Data::Dec(v, from), Type::Decimal(_, s)) => {
                Data::Dec(v.into_iter().map(|x| rescale(x, from, s)).collect(), s)
            }
            (Data::Date(v), Type::Timestamp) => Data::Ts(
                v.into_iter()
                    .map(|d| d as i64 * value::MS_PER_DAY)
                    .collect(),
            ),
            (Data::Ts(v), Type::Date) => Data::Date(
                v.into_iter()
                    .map(|t| t.div_euclid(value::MS_PER_DAY) as i32)
                    .collect(),
            ),
            (d, _) => d,
        };
        (Column { data, valid }, bad)
    }

    /// Converts to an Arrow array of the attribute's Arrow type; 64-bit numbers, decimals,
    /// dates, timestamps and strings move their buffers without copying.
    pub fn into_arrow(self, ty: Type) -> ArrayRef {
        let n = self.len();
        let nulls = self.valid.map(NullBuffer::from);
        match (self.data, ty) {
            (Data::Bool(v), _) => Arc::new(BooleanArray::new(v.into_iter().collect(), nulls)),
            (Data::Int(v), Type::Int8) => {
                Arc::new(Int8Array::new(v.iter().map(|x| *x as i8).collect(), nulls))
            }
            (Data::Int(v), Type::Int16) => Arc::new(Int16Array::new(
                v.iter().map(|x| *x as i16).collect(),
                nulls,
            )),
            (Data::Int(v), Type::Int32) => Arc::new(Int32Array::new(
                v.iter().map(|x| *x as i32).collect(),
                nulls,
            )),
            (Data::Int(v), _) => Arc::new(Int64Array::new(ScalarBuffer::from(v), nulls)),
            (Data::Float(v), _) => Arc::new(Float64Array::new(ScalarBuffer::from(v), nulls)),
            (Data::Dec(v, _), Type::Decimal(p, s)) => Arc::new(
                Decimal128Array::new(ScalarBuffer::from(v), nulls)
                    .with_precision_and_scale(p, s as i8)
                    .expect("valid decimal"),
            ),
            (Data::Date(v), _) => Arc::new(Date32Array::new(ScalarBuffer::from(v), nulls)),
            (Data::Ts(v), _) => {
                Arc::new(TimestampMillisecondArray::new(ScalarBuffer::from(v), nulls))
            }
            (Data::Str(s), _) => strings_to_arrow(s, nulls, i32::MAX as usize),
            // Not reachable for resolved specs: every attribute is cast to its type first.
            (_, t) => crate::arrow::array::new_null_array(&t.arrow(), n),
        }
    }
}

/// Arrow strings: `Utf8` with 32-bit offsets when the text has at most `max32` bytes (always,
/// but for chunks with more than 2 GiB of text in one column), else `LargeUtf8`.
fn strings_to_arrow(s: Strings, nulls: Option<NullBuffer>, max32: usize) -> ArrayRef {
    if s.bytes.len() <= max32 {
        let narrow: Vec<i32> = s.offsets.iter().map(|&o| o as i32).collect();
        let offsets = OffsetBuffer::new(ScalarBuffer::from(narrow));
        Arc::new(StringArray::new(offsets, Buffer::from_vec(s.bytes), nulls))
    } else {
        let offsets = OffsetBuffer::new(ScalarBuffer::from(s.offsets));
        Arc::new(LargeStringArray::new(
            offsets,
            Buffer::from_vec(s.bytes),
            nulls,
        ))
    }
}

/// An all-zero column of a type (values to be masked as null).
pub fn empty_of(ty: Type, n: usize) -> Data {
    match ty {
        Type::Bool => Data::Bool(vec![false; n]),
        Type::Int8 | Type::Int16 | Type::Int32 | Type::Int64 => Data::Int(vec![0; n]),
        Type::Float64 => Data::Float(vec![0.0; n]),
        Type::Decimal(_, s) => Data::Dec(vec![0; n], s),
        Type::String(_) => {
            let mut s = Strings::with_capacity(n, 0);
            for _ in 0..n {
                s.finish_value();
            }
            Data::Str(s)
        }
        Type::Date => Data::Date(vec![0; n]),
        Type::Timestamp => Data::Ts(vec![0; n]),
        Type::Interval => Data::Interval(vec![0; n]),
        Type::Null => Data::Null(n),
    }
}

/// 10^s for decimal scales 0..=38, from a table (hot in decimal arithmetic).
pub fn pow10(s: u8) -> i128 {
    const T: [i128; 39] = {
        let mut t = [1i128; 39];
        let mut i = 1;
        while i < 39 {
            t[i] = t[i - 1] * 10;
            i += 1;
        }
        t
    };
    T[(s as usize).min(38)]
}

/// Changes a decimal's scale, rounding half away from zero.
pub fn rescale(x: i128, from: u8, to: u8) -> i128 {
    if to >= from {
        x.saturating_mul(pow10(to - from))
    } else {
        let d = pow10(from - to);
        let q = x / d;
        let r = x % d;
        if r.abs() * 2 >= d { q + x.signum() } else { q }
    }
}

/// `y.round() as i128` (half away from zero), through a 64-bit conversion when the value
/// fits: both `round` and the float → i128 conversion are library calls on baseline x86-64.
#[inline]
pub fn round_i128(y: f64) -> i128 {
    if y.abs() < 4.0e18 {
        let t = y as i64; // truncates toward zero, exact for |y| < 2^62
        let frac = y - t as f64;
        let r = if frac >= 0.5 {
            t + 1
        } else if frac <= -0.5 {
            t - 1
        } else {
            t
        };
        r as i128
    } else {
        y.round() as i128
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_rounding_matches_round() {
        for y in [
            0.0,
            0.49999999999999994,
            0.5,
            1.5,
            2.5,
            -0.5,
            -1.5,
            -2.4999,
            123456.785,
            -99999.995,
            4.5e15,
            -4.5e15 + 0.5,
            3.9e18,
            5.0e18,
            -7.0e20,
            1e-300,
        ] {
            assert_eq!(round_i128(y), y.round() as i128, "{y}");
        }
    }

    #[test]
    fn rescale_rounds_half_away_from_zero() {
        assert_eq!(rescale(12345, 3, 2), 1235);
        assert_eq!(rescale(-12345, 3, 2), -1235);
        assert_eq!(rescale(12344, 3, 2), 1234);
        assert_eq!(rescale(12, 0, 2), 1200);
    }

    #[test]
    fn strings_past_the_32_bit_limit_become_large_strings() {
        let mut s = Strings::with_capacity(3, 9);
        for v in ["abc", "", "defgh"] {
            s.push(v);
        }
        let large = strings_to_arrow(s.clone(), None, 7);
        assert_eq!(
            large.data_type(),
            &crate::arrow::datatypes::DataType::LargeUtf8
        );
        let fits = strings_to_arrow(s, None, 8);
        assert_eq!(fits.data_type(), &crate::arrow::datatypes::DataType::Utf8);
        let values: Vec<&str> = large
            .as_any()
            .downcast_ref::<LargeStringArray>()
            .map(|a| a.iter().flatten().collect())
            .unwrap_or_default();
        assert_eq!(values, ["abc", "", "defgh"]);
    }

    #[test]
    fn gather_with_nulls() {
        let mut s = Strings::with_capacity(2, 4);
        s.push("a");
        s.push("bc");
        let c = Column::new(Data::Str(s)).gather(&[1, u32::MAX, 0]);
        assert_eq!(c.value(0), Value::Str("bc".into()));
        assert_eq!(c.value(1), Value::Null);
        assert_eq!(c.value(2), Value::Str("a".into()));
    }
}
