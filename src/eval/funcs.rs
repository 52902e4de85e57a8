//! The expression functions, a column at a time: text (with the per-value size limit),
//! choices (`coalesce`, `if`, `least`, `greatest`), numbers and dates. A string over
//! [`MAX_VALUE_BYTES`] is an error where it is built. A value that cannot be represented (an
//! integer or a time past the 64-bit range, a date past the 32-bit day range, a non-finite
//! number made an integer) becomes null and is an error only if that null reaches the
//! attribute's value (see [`Evaluator::defer`]): a `case` branch that is not taken may overflow.

use super::column::{Column, Data, Strings};
use super::exprs::{compare, finish, select, strftime};
use super::{ErrorKind, Evaluator, FrameId, MAX_VALUE_BYTES};
use crate::ir::expr::{ExprKind, Func};
use crate::ir::value::{MS_PER_DAY, Value, civil_from_days, days_from_civil, weekday};
use crate::ir::{Expr, Type};
use sha2::Digest;
use std::cmp::Ordering;
use std::sync::Arc;

/// A string column from a per-row function (`None` gives a null). Values longer than
/// [`MAX_VALUE_BYTES`] become nulls; the first such row and its size are returned.
fn text_column(
    n: usize,
    g: impl Fn(usize) -> Option<String>,
) -> (Column, Option<(usize, ErrorKind)>) {
    sized_text_column(n, |i| g(i).map(Ok))
}

/// Like [`text_column`], for functions that can tell a value is too large before building
/// it: `Err(bytes)` is a value of that many bytes.
fn sized_text_column(
    n: usize,
    g: impl Fn(usize) -> Option<Result<String, usize>>,
) -> (Column, Option<(usize, ErrorKind)>) {
    let mut s = Strings::with_capacity(n, n * 8);
    let mut valid = vec![true; n];
    let mut over = None;
    for (i, v) in valid.iter_mut().enumerate() {
        // After a value over the limit the chunk is refused: the rest need not be computed.
        let value = if over.is_some() { None } else { g(i) };
        let bytes = match value {
            Some(Ok(x)) if x.len() <= MAX_VALUE_BYTES => {
                s.push(&x);
                continue;
            }
            Some(Ok(x)) => Some(x.len()),
            Some(Err(bytes)) => Some(bytes),
            None => None,
        };
        if let Some(bytes) = bytes {
            over.get_or_insert((i, ErrorKind::ValueTooLarge { bytes }));
        }
        *v = false;
        s.push("");
    }
    (finish(Data::Str(s), valid), over)
}

/// An integer column from a per-row function (`None` gives a null).
fn int_column(n: usize, g: impl Fn(usize) -> Option<i64>) -> Column {
    let mut out = Vec::with_capacity(n);
    let mut valid = vec![true; n];
    for (i, v) in valid.iter_mut().enumerate() {
        match g(i) {
            Some(x) => out.push(x),
            None => {
                *v = false;
                out.push(0);
            }
        }
    }
    finish(Data::Int(out), valid)
}

/// Rows whose value could not be computed, and why.
pub(super) type Faults = Vec<(usize, ErrorKind)>;

/// A float made an integer: `None` when it is not finite or past the 64-bit range.
fn to_i64(x: f64) -> Option<i64> {
    (-9.223_372_036_854_776e18..9.223_372_036_854_776e18)
        .contains(&x)
        .then_some(x as i64)
}

impl Evaluator<'_> {
    pub(super) fn call(
        &mut self,
        f: FrameId,
        func: Func,
        args: &[Expr],
        ty: Type,
        n: usize,
    ) -> Column {
        use Func::*;
        let cols: Vec<Arc<Column>> = args.iter().map(|a| self.eval_shared(f, a)).collect();
        let (col, faults) = match func {
            Lower | Upper | Trim | Substr | Concat | Replace | Lpad | ToString | Sha256
            | Strftime => {
                // A value over the size limit is refused where it is built: it costs memory
                // even in a `case` branch that is not taken.
                let (col, over) = text(func, &cols, n);
                if let Some((i, kind)) = over {
                    self.fail(f, i, kind);
                }
                return col;
            }
            Length | Hash => (text_ints(func, &cols, n), Vec::new()),
            Coalesce | If | Least | Greatest => (choose(func, cols, ty, n), Vec::new()),
            Abs | Round | Floor | Ceil | Int | Float | Ln | Exp | Sqrt => numeric(func, &cols, n),
            Random => {
                // The resolver adds the call's stream salt as a hidden argument.
                let salt = match args.first().map(|a| &a.kind) {
                    Some(ExprKind::Lit(Value::Int(s))) => *s as u64,
                    _ => 0,
                };
                let key = crate::hash::mix2(self.layout.seed, salt);
                let rows = self.rows(f);
                let data = (0..n)
                    .map(|i| super::rng::unit_at(key, rows.get(i)))
                    .collect();
                (Column::new(Data::Float(data)), Vec::new())
            }
            _ => temporal(func, &cols, n),
        };
        self.defer(f, col, faults)
    }
}

/// Whether every argument of row `i` is valid.
fn all_valid(cols: &[Arc<Column>], i: usize) -> bool {
    cols.iter().all(|c| c.is_valid(i))
}

fn text(func: Func, cols: &[Arc<Column>], n: usize) -> (Column, Option<(usize, ErrorKind)>) {
    use Func::*;
    let ok = |i: usize| all_valid(cols, i);
    let arg = |k: usize, i: usize| cols[k].text_at(i);
    match func {
        Lower => text_column(n, |i| ok(i).then(|| arg(0, i).to_lowercase())),
        Upper => text_column(n, |i| ok(i).then(|| arg(0, i).to_uppercase())),
        Trim => text_column(n, |i| ok(i).then(|| arg(0, i).trim().to_string())),
        Substr => text_column(n, |i| {
            ok(i).then(|| {
                let start = usize::try_from(cols[1].i64_at(i).max(1) - 1).unwrap_or(usize::MAX);
                let len = if cols.len() > 2 {
                    usize::try_from(cols[2].i64_at(i).max(0)).unwrap_or(usize::MAX)
                } else {
                    usize::MAX
                };
                arg(0, i).chars().skip(start).take(len).collect()
            })
        }),
        Concat => text_column(n, |i| {
            Some(
                cols.iter()
                    .filter(|c| c.is_valid(i))
                    .map(|c| c.text_at(i))
                    .collect(),
            )
        }),
        Replace => sized_text_column(n, |i| {
            ok(i).then(|| {
                let (s, from, to) = (arg(0, i), arg(1, i), arg(2, i));
                if from.is_empty() {
                    return Ok(s);
                }
                // Refuse before building a value past the limit (it can be 1 MiB × 1 MiB).
                let hits = s.matches(&from).count();
                let size =
                    (s.len() - hits * from.len()).saturating_add(hits.saturating_mul(to.len()));
                if size > MAX_VALUE_BYTES {
                    Err(size)
                } else {
                    Ok(s.replace(&from, &to))
                }
            })
        }),
        Lpad => sized_text_column(n, |i| {
            ok(i).then(|| {
                let s = arg(0, i);
                // A negative length pads to nothing (and cuts the text to nothing), as in SQL.
                let want = usize::try_from(cols[1].i64_at(i).max(0)).unwrap_or(usize::MAX);
                let pad: Vec<char> = arg(2, i).chars().collect();
                let have = s.chars().count();
                if have >= want || pad.is_empty() {
                    return Ok(s.chars().take(want).collect());
                }
                // Refuse before building a value past the limit (the length can be 2^63).
                let extra = want - have;
                let pad_bytes = arg(2, i).len();
                let part: usize = pad[..extra % pad.len()].iter().map(|c| c.len_utf8()).sum();
                let size = (extra / pad.len())
                    .saturating_mul(pad_bytes)
                    .saturating_add(part)
                    .saturating_add(s.len());
                if size > MAX_VALUE_BYTES {
                    return Err(size);
                }
                let mut out: String = (0..extra).map(|k| pad[k % pad.len()]).collect();
                out.push_str(&s);
                Ok(out)
            })
        }),
        ToString => text_column(n, |i| ok(i).then(|| arg(0, i))),
        Sha256 => text_column(n, |i| {
            ok(i).then(|| crate::hash::hex(&sha2::Sha256::digest(arg(0, i).as_bytes())))
        }),
        _ => text_column(n, |i| ok(i).then(|| strftime(cols[0].ms_at(i), &arg(1, i)))),
    }
}

/// `length` and `hash`: integers from text.
fn text_ints(func: Func, cols: &[Arc<Column>], n: usize) -> Column {
    let ok = |i: usize| all_valid(cols, i);
    match func {
        Func::Length => int_column(n, |i| {
            ok(i).then(|| cols[0].text_at(i).chars().count() as i64)
        }),
        _ => int_column(n, |i| {
            ok(i).then(|| {
                (crate::hash::mix64(crate::hash::hash_name(&cols[0].text_at(i))) >> 1) as i64
            })
        }),
    }
}

/// `coalesce`, `if`, `least` and `greatest`: each row takes one argument's value.
fn choose(func: Func, cols: Vec<Arc<Column>>, ty: Type, n: usize) -> Column {
    if func == Func::If {
        let a = Column::clone(&cols[1]).cast(ty);
        let b = Column::clone(&cols[2]).cast(ty);
        return select(ty, n, |i| {
            if cols[0].is_valid(i) && cols[0].bool_at(i) {
                (&a, i)
            } else {
                (&b, i)
            }
        });
    }
    let casted: Vec<Column> = cols
        .into_iter()
        .map(|c| Arc::unwrap_or_clone(c).cast(ty))
        .collect();
    let fallback = Column::constant(&Value::Null, ty, n);
    if func == Func::Coalesce {
        return select(ty, n, |i| match casted.iter().find(|c| c.is_valid(i)) {
            Some(c) => (c, i),
            None => (&fallback, i),
        });
    }
    select(ty, n, |i| {
        let mut best: Option<&Column> = None;
        for c in &casted {
            if !c.is_valid(i) {
                continue;
            }
            best = match best {
                None => Some(c),
                Some(b) => {
                    let ord = compare(c, ty, b, ty, i).unwrap_or(Ordering::Equal);
                    let better = if func == Func::Least {
                        ord == Ordering::Less
                    } else {
                        ord == Ordering::Greater
                    };
                    Some(if better { c } else { b })
                }
            }
        }
        (best.unwrap_or(&fallback), i)
    })
}

/// Integers from floats (`floor`, `ceil`, `int`): a value that is not finite or past the
/// 64-bit range is an error at its row.
fn float_to_ints(cols: &[Arc<Column>], n: usize, op: fn(f64) -> f64) -> (Column, Faults) {
    let c = &cols[0];
    let mut out = Vec::with_capacity(n);
    let mut bad = Vec::new();
    for i in 0..n {
        let x = op(c.f64_at(i));
        out.push(match to_i64(x) {
            Some(v) => v,
            None if !c.is_valid(i) => 0,
            None => {
                let kind = if x.is_finite() {
                    ErrorKind::Overflow {
                        what: format!("the integer {x}"),
                    }
                } else {
                    ErrorKind::NonFinite
                };
                bad.push((i, kind));
                0
            }
        });
    }
    let valid = (0..n).map(|i| c.is_valid(i)).collect();
    (finish(Data::Int(out), valid), bad)
}

fn numeric(func: Func, cols: &[Arc<Column>], n: usize) -> (Column, Faults) {
    use Func::*;
    let c = &cols[0];
    let data = match func {
        Floor => return float_to_ints(cols, n, f64::floor),
        Ceil => return float_to_ints(cols, n, f64::ceil),
        Int => return float_to_ints(cols, n, f64::trunc),
        Ln | Sqrt => {
            // Outside the domain (ln of 0 or less, sqrt of a negative) is null.
            let mut valid: Vec<bool> = (0..n).map(|i| c.is_valid(i)).collect();
            let data = (0..n)
                .map(|i| {
                    let x = c.f64_at(i);
                    let y = if func == Ln { x.ln() } else { x.sqrt() };
                    if !y.is_finite() {
                        valid[i] = false;
                        return 0.0;
                    }
                    y
                })
                .collect();
            return (finish(Data::Float(data), valid), Vec::new());
        }
        // An overflow stays infinite: it is an error where it reaches a column.
        Exp => Data::Float((0..n).map(|i| c.f64_at(i).exp()).collect()),
        Float => Data::Float((0..n).map(|i| c.f64_at(i)).collect()),
        Abs => match &c.data {
            Data::Int(v) => {
                let mut bad = Vec::new();
                let data = v
                    .iter()
                    .enumerate()
                    .map(|(i, x)| {
                        x.checked_abs().unwrap_or_else(|| {
                            if c.is_valid(i) {
                                let what = "abs".to_string();
                                bad.push((i, ErrorKind::Overflow { what }));
                            }
                            0
                        })
                    })
                    .collect();
                let col = Column {
                    data: Data::Int(data),
                    valid: c.valid.clone(),
                };
                return (col, bad);
            }
            Data::Float(v) => Data::Float(v.iter().map(|x| x.abs()).collect()),
            Data::Dec(v, s) => Data::Dec(v.iter().map(|x| x.abs()).collect(), *s),
            d => d.clone(),
        },
        _ => {
            let (data, bad) = round(cols, n);
            let col = Column {
                data,
                valid: c.valid.clone(),
            };
            return (col, bad);
        }
    };
    let col = Column {
        data,
        valid: c.valid.clone(),
    };
    (col, Vec::new())
}

/// `round(x, digits)`: digits are taken from the first row (an empty frame has none). Negative
/// digits round to tens, hundreds, … (`round(123.456, -1)` is 120), as in SQL. An integer
/// rounded past the 64-bit range is an error.
fn round(cols: &[Arc<Column>], n: usize) -> (Data, Faults) {
    let c = &cols[0];
    let digits = if cols.len() > 1 && n > 0 {
        cols[1].i64_at(0).clamp(-400, 400)
    } else {
        0
    };
    let mut bad = Vec::new();
    let data = match &c.data {
        Data::Float(v) => Data::Float(v.iter().map(|&x| round_f64(x, digits)).collect()),
        Data::Dec(v, s) if digits < i64::from(*s) => {
            // Round to 10^k units of the scale, then back to the scale.
            let k = u32::try_from(i64::from(*s) - digits).unwrap_or(u32::MAX);
            Data::Dec(
                v.iter()
                    .map(|&x| match 10i128.checked_pow(k) {
                        Some(d) => round_div(x, d).saturating_mul(d),
                        // |x| < 10^38 rounds to 0 at 10^39 and beyond.
                        None => 0,
                    })
                    .collect(),
                *s,
            )
        }
        Data::Int(v) if digits < 0 => Data::Int(
            v.iter()
                .enumerate()
                .map(|(i, &x)| {
                    let k = u32::try_from(-digits).unwrap_or(u32::MAX);
                    let r = match 10i128.checked_pow(k) {
                        Some(d) => round_div(i128::from(x), d) * d,
                        None => 0,
                    };
                    i64::try_from(r).unwrap_or_else(|_| {
                        if c.is_valid(i) {
                            let what = "round".to_string();
                            bad.push((i, ErrorKind::Overflow { what }));
                        }
                        0
                    })
                })
                .collect(),
        ),
        d => d.clone(),
    };
    (data, bad)
}

/// `x / d` rounded half away from zero (`d` > 0).
fn round_div(x: i128, d: i128) -> i128 {
    let (q, r) = (x / d, x % d);
    if r.unsigned_abs() >= d.unsigned_abs() - r.unsigned_abs() {
        q + x.signum()
    } else {
        q
    }
}

/// A float rounded to `digits` decimal digits (negative: to tens, hundreds, …), half away
/// from zero.
fn round_f64(x: f64, digits: i64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    let m = 10f64.powi(digits.unsigned_abs().min(400) as i32);
    let y = if digits >= 0 {
        (x * m).round() / m
    } else {
        (x / m).round() * m
    };
    // Digits past a float's precision leave it unchanged (the scaling overflowed); tens past
    // 10^308 round every float to 0.
    match (y.is_finite(), digits >= 0) {
        (true, _) => y,
        (false, true) => x,
        (false, false) => 0.0,
    }
}

/// A day number from milliseconds, `None` past the 32-bit day range.
fn day_of(ms: i64) -> Option<i32> {
    i32::try_from(ms.div_euclid(MS_PER_DAY)).ok()
}

/// The valid rows where `bad(i)` holds, as date-range errors.
fn bad_dates(c: &Column, n: usize, bad: impl Fn(usize) -> bool) -> Faults {
    (0..n)
        .filter(|&i| c.is_valid(i) && bad(i))
        .map(|i| (i, ErrorKind::DateOutOfRange))
        .collect()
}

fn temporal(func: Func, cols: &[Arc<Column>], n: usize) -> (Column, Faults) {
    use Func::*;
    let c = &cols[0];
    let ok = |i: usize| all_valid(cols, i);
    let with_valid = |data| Column {
        data,
        valid: c.valid.clone(),
    };
    match func {
        Days | Hours | Minutes | Seconds => {
            let unit = match func {
                Days => MS_PER_DAY as f64,
                Hours => 3_600_000.0,
                Minutes => 60_000.0,
                _ => 1000.0,
            };
            let ms = |i: usize| to_i64((c.f64_at(i) * unit).round());
            let bad = (0..n)
                .filter(|&i| c.is_valid(i) && ms(i).is_none())
                .map(|i| {
                    let what = "the duration".to_string();
                    (i, ErrorKind::Overflow { what })
                })
                .collect();
            let data = (0..n).map(|i| ms(i).unwrap_or(0)).collect();
            (with_valid(Data::Interval(data)), bad)
        }
        Date => {
            let bad = bad_dates(c, n, |i| day_of(c.ms_at(i)).is_none());
            let data = (0..n).map(|i| day_of(c.ms_at(i)).unwrap_or(0)).collect();
            (with_valid(Data::Date(data)), bad)
        }
        Func::Timestamp => (
            with_valid(Data::Ts((0..n).map(|i| c.ms_at(i)).collect())),
            Vec::new(),
        ),
        MonthStart => {
            let first = |i: usize| {
                let (y, m, _) = civil_from_days(c.ms_at(i).div_euclid(MS_PER_DAY));
                i32::try_from(days_from_civil(y, m, 1)).ok()
            };
            let bad = bad_dates(c, n, |i| first(i).is_none());
            let data = (0..n).map(|i| first(i).unwrap_or(0)).collect();
            (with_valid(Data::Date(data)), bad)
        }
        Year | Month | Day | Weekday | Hour => {
            let col = int_column(n, |i| {
                ok(i).then(|| {
                    let ms = cols[0].ms_at(i);
                    let days = ms.div_euclid(MS_PER_DAY);
                    let (y, m, d) = civil_from_days(days);
                    match func {
                        Year => y,
                        Month => i64::from(m),
                        Day => i64::from(d),
                        Weekday => i64::from(weekday(days)) + 1,
                        _ => ms.rem_euclid(MS_PER_DAY) / 3_600_000,
                    }
                })
            });
            (col, Vec::new())
        }
        _ => {
            // days_between(a, b)
            let diff = |i: usize| cols[1].ms_at(i).checked_sub(cols[0].ms_at(i));
            let bad = (0..n)
                .filter(|&i| ok(i) && diff(i).is_none())
                .map(|i| {
                    let what = "days_between".to_string();
                    (i, ErrorKind::Overflow { what })
                })
                .collect();
            let col = int_column(n, |i| {
                ok(i).then(|| diff(i).unwrap_or(0).div_euclid(MS_PER_DAY))
            });
            (col, bad)
        }
    }
}
