//! Expression evaluation a column at a time. Each node evaluates to a [`Column`] over the
//! frame's rows; operators follow the types the resolver computed (SQL-style null
//! propagation, three-valued `and`/`or`, decimals in exact fixed point).

use super::column::{Column, Data, Strings, pow10, rescale, round_i128};
use super::eval::{Evaluator, FrameId};
use crate::ir::expr::{BinOp, ExprKind, Func, UnOp};
use crate::ir::value::{MS_PER_DAY, Value, civil_from_days, days_from_civil, weekday};
use crate::ir::{Expr, Type};
use sha2::Digest;
use std::cmp::Ordering;
use std::sync::Arc;

/// Powers of ten as floats, so decimal → float conversion needs no `powi` per value.
/// Each entry is the exact power of ten rounded once to the nearest float.
const POW10_F64: [f64; 39] = {
    let mut t = [1.0f64; 39];
    let mut i = 1;
    while i < 39 {
        t[i] = 10i128.pow(i as u32) as f64;
        i += 1;
    }
    t
};

/// Per-row accessors used by the operators.
impl Column {
    #[inline]
    pub fn f64_at(&self, i: usize) -> f64 {
        match &self.data {
            Data::Int(v) | Data::Ts(v) | Data::Interval(v) => v[i] as f64,
            Data::Float(v) => v[i],
            Data::Dec(v, s) => {
                // i128 → f64 is a slow library call; decimals almost always fit in an i64.
                let x = match i64::try_from(v[i]) {
                    Ok(x) => x as f64,
                    Err(_) => v[i] as f64,
                };
                x / POW10_F64[(*s).min(38) as usize]
            }
            Data::Date(v) => v[i] as f64,
            Data::Bool(v) => f64::from(u8::from(v[i])),
            _ => 0.0,
        }
    }
    #[inline]
    pub fn i64_at(&self, i: usize) -> i64 {
        match &self.data {
            Data::Int(v) | Data::Ts(v) | Data::Interval(v) => v[i],
            Data::Float(v) => v[i] as i64,
            Data::Dec(v, s) => (v[i] / pow10(*s)) as i64,
            Data::Date(v) => v[i] as i64,
            Data::Bool(v) => i64::from(v[i]),
            _ => 0,
        }
    }
    /// The value as an unscaled decimal at scale `s`.
    #[inline]
    pub fn dec_at(&self, i: usize, s: u8) -> i128 {
        match &self.data {
            Data::Int(v) => (v[i] as i128).saturating_mul(pow10(s)),
            Data::Dec(v, from) => rescale(v[i], *from, s),
            Data::Float(v) => round_i128(v[i] * POW10_F64[s.min(38) as usize]),
            _ => 0,
        }
    }
    /// A date or timestamp as milliseconds.
    #[inline]
    pub fn ms_at(&self, i: usize) -> i64 {
        match &self.data {
            Data::Date(v) => v[i] as i64 * MS_PER_DAY,
            Data::Ts(v) | Data::Interval(v) | Data::Int(v) => v[i],
            _ => 0,
        }
    }
    #[inline]
    pub fn bool_at(&self, i: usize) -> bool {
        matches!(&self.data, Data::Bool(v) if v[i])
    }
    /// Display text of row `i` (as CSV prints it).
    pub fn text_at(&self, i: usize) -> String {
        match &self.data {
            Data::Str(s) => s.get(i).to_string(),
            _ => self.value(i).display(),
        }
    }
    pub fn scale(&self) -> u8 {
        match &self.data {
            Data::Dec(_, s) => *s,
            _ => 0,
        }
    }
}

fn and_valid(a: &Column, b: &Column, n: usize) -> Option<Vec<bool>> {
    if a.valid.is_none()
        && b.valid.is_none()
        && !matches!(a.data, Data::Null(_))
        && !matches!(b.data, Data::Null(_))
    {
        return None;
    }
    Some((0..n).map(|i| a.is_valid(i) && b.is_valid(i)).collect())
}

/// Rows where a bool column is true (nulls count as false).
pub fn truthy(c: &Column) -> Vec<bool> {
    (0..c.len())
        .map(|i| c.is_valid(i) && c.bool_at(i))
        .collect()
}

impl Evaluator<'_> {
    /// Like [`Evaluator::eval_expr`], but a column reference is shared with the frame's cache
    /// instead of copied (operators only read their operands).
    fn eval_shared(&mut self, f: FrameId, e: &Expr) -> Arc<Column> {
        match &e.kind {
            ExprKind::Col(c) => self.col_ref(f, c),
            _ => Arc::new(self.eval_expr(f, e)),
        }
    }

    pub fn eval_expr(&mut self, f: FrameId, e: &Expr) -> Column {
        let n = self.len(f);
        match &e.kind {
            ExprKind::Lit(v) => Column::constant(v, e.ty, n),
            ExprKind::Col(c) => (*self.col_ref(f, c)).clone(),
            ExprKind::Builtin(b) => self.builtin(f, *b),
            ExprKind::Unary(op, x) => {
                let c = self.eval_expr(f, x);
                let valid = c.valid.clone();
                let data = match (op, &c.data) {
                    (UnOp::Not, Data::Bool(v)) => Data::Bool(v.iter().map(|b| !b).collect()),
                    (UnOp::Neg, Data::Int(v)) => {
                        Data::Int(v.iter().map(|x| x.wrapping_neg()).collect())
                    }
                    (UnOp::Neg, Data::Float(v)) => Data::Float(v.iter().map(|x| -x).collect()),
                    (UnOp::Neg, Data::Dec(v, s)) => Data::Dec(v.iter().map(|x| -x).collect(), *s),
                    (UnOp::Neg, Data::Interval(v)) => {
                        Data::Interval(v.iter().map(|x| -x).collect())
                    }
                    (_, d) => d.clone(),
                };
                Column { data, valid }
            }
            ExprKind::Binary(op, a, b) => {
                let ca = self.eval_shared(f, a);
                let cb = self.eval_shared(f, b);
                binary(*op, &ca, a.ty, &cb, b.ty, e.ty, n)
            }
            ExprKind::IsNull { expr, negated } => {
                let c = self.eval_shared(f, expr);
                Column::new(Data::Bool(
                    (0..n).map(|i| c.is_valid(i) == *negated).collect(),
                ))
            }
            ExprKind::In {
                expr,
                list,
                negated,
            } => {
                let c = self.eval_shared(f, expr);
                let mut hit = vec![false; n];
                let mut any_null = vec![!c.valid.is_none(); n];
                for i in 0..n {
                    any_null[i] = !c.is_valid(i);
                }
                for x in list {
                    let cx = self.eval_shared(f, x);
                    for i in 0..n {
                        if c.is_valid(i) && cx.is_valid(i) {
                            if compare(&c, expr.ty, &cx, x.ty, i) == Some(Ordering::Equal) {
                                hit[i] = true;
                            }
                        } else {
                            any_null[i] = true;
                        }
                    }
                }
                let valid: Vec<bool> = (0..n).map(|i| hit[i] || !any_null[i]).collect();
                let data = Data::Bool(hit.iter().map(|h| *h != *negated).collect());
                Column {
                    data,
                    valid: if valid.iter().all(|v| *v) {
                        None
                    } else {
                        Some(valid)
                    },
                }
            }
            ExprKind::Case { whens, otherwise } => {
                let mut chosen: Vec<Option<usize>> = vec![None; n];
                let mut branches = Vec::new();
                for (k, (c, v)) in whens.iter().enumerate() {
                    let cc = self.eval_shared(f, c);
                    for i in 0..n {
                        if chosen[i].is_none() && cc.is_valid(i) && cc.bool_at(i) {
                            chosen[i] = Some(k);
                        }
                    }
                    branches.push(self.eval_expr(f, v).cast(e.ty));
                }
                let other = match otherwise {
                    Some(o) => self.eval_expr(f, o).cast(e.ty),
                    None => Column::constant(&Value::Null, e.ty, n),
                };
                select(e.ty, n, |i| match chosen[i] {
                    Some(k) => (&branches[k], i),
                    None => (&other, i),
                })
            }
            ExprKind::Call(func, args) => self.call(f, *func, args, e.ty, n),
        }
    }

    fn call(&mut self, f: FrameId, func: Func, args: &[Expr], ty: Type, n: usize) -> Column {
        let cols: Vec<Arc<Column>> = args.iter().map(|a| self.eval_shared(f, a)).collect();
        let all_valid = |i: usize| cols.iter().all(|c| c.is_valid(i));
        let valid_all: Vec<bool> = (0..n).map(all_valid).collect();
        let strs = |g: &dyn Fn(usize) -> Option<String>| -> Column {
            let mut s = Strings::with_capacity(n, n * 8);
            let mut valid = vec![true; n];
            for (i, v) in valid.iter_mut().enumerate() {
                match g(i) {
                    Some(x) => s.push(&x),
                    None => {
                        *v = false;
                        s.push("");
                    }
                }
            }
            finish(Data::Str(s), valid)
        };
        let ints = |g: &dyn Fn(usize) -> Option<i64>| -> Column {
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
        };
        let ok = |i: usize| valid_all[i];
        use Func::*;
        match func {
            Lower => strs(&|i| ok(i).then(|| cols[0].text_at(i).to_lowercase())),
            Upper => strs(&|i| ok(i).then(|| cols[0].text_at(i).to_uppercase())),
            Trim => strs(&|i| ok(i).then(|| cols[0].text_at(i).trim().to_string())),
            Length => ints(&|i| ok(i).then(|| cols[0].text_at(i).chars().count() as i64)),
            Substr => strs(&|i| {
                ok(i).then(|| {
                    let s = cols[0].text_at(i);
                    let start = (cols[1].i64_at(i).max(1) - 1) as usize;
                    let len = if cols.len() > 2 {
                        cols[2].i64_at(i).max(0) as usize
                    } else {
                        usize::MAX
                    };
                    s.chars().skip(start).take(len).collect()
                })
            }),
            Concat => strs(&|i| {
                Some(
                    cols.iter()
                        .filter(|c| c.is_valid(i))
                        .map(|c| c.text_at(i))
                        .collect(),
                )
            }),
            Replace => strs(&|i| {
                ok(i).then(|| {
                    let from = cols[1].text_at(i);
                    if from.is_empty() {
                        cols[0].text_at(i)
                    } else {
                        cols[0].text_at(i).replace(&from, &cols[2].text_at(i))
                    }
                })
            }),
            Lpad => strs(&|i| {
                ok(i).then(|| {
                    let s = cols[0].text_at(i);
                    let want = cols[1].i64_at(i).clamp(0, 10_000) as usize;
                    let pad: Vec<char> = cols[2].text_at(i).chars().collect();
                    let have = s.chars().count();
                    if have >= want || pad.is_empty() {
                        return s.chars().take(want).collect();
                    }
                    let mut out: String = (0..want - have).map(|k| pad[k % pad.len()]).collect();
                    out.push_str(&s);
                    out
                })
            }),
            ToString => strs(&|i| ok(i).then(|| cols[0].text_at(i))),
            Sha256 => strs(&|i| {
                ok(i).then(|| {
                    crate::resolve::hex(&sha2::Sha256::digest(cols[0].text_at(i).as_bytes()))
                })
            }),
            Hash => ints(&|i| {
                ok(i).then(|| {
                    (super::rng::mix64(super::rng::hash_name(&cols[0].text_at(i))) >> 1) as i64
                })
            }),
            Coalesce => {
                let casted: Vec<Column> = cols
                    .into_iter()
                    .map(|c| Arc::unwrap_or_clone(c).cast(ty))
                    .collect();
                let fallback = Column::constant(&Value::Null, ty, n);
                select(ty, n, |i| match casted.iter().find(|c| c.is_valid(i)) {
                    Some(c) => (c, i),
                    None => (&fallback, i),
                })
            }
            If => {
                let a = Column::clone(&cols[1]).cast(ty);
                let b = Column::clone(&cols[2]).cast(ty);
                select(ty, n, |i| {
                    if cols[0].is_valid(i) && cols[0].bool_at(i) {
                        (&a, i)
                    } else {
                        (&b, i)
                    }
                })
            }
            Least | Greatest => {
                let casted: Vec<Column> = cols
                    .into_iter()
                    .map(|c| Arc::unwrap_or_clone(c).cast(ty))
                    .collect();
                let fallback = Column::constant(&Value::Null, ty, n);
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
                                let better = if func == Least {
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
            Abs => {
                let c = &cols[0];
                let data = match &c.data {
                    Data::Int(v) => Data::Int(v.iter().map(|x| x.wrapping_abs()).collect()),
                    Data::Float(v) => Data::Float(v.iter().map(|x| x.abs()).collect()),
                    Data::Dec(v, s) => Data::Dec(v.iter().map(|x| x.abs()).collect(), *s),
                    d => d.clone(),
                };
                Column {
                    data,
                    valid: c.valid.clone(),
                }
            }
            Round => {
                let c = &cols[0];
                // Digits are taken from the first row (an empty frame has none).
                let digits = if cols.len() > 1 && n > 0 {
                    cols[1].i64_at(0).clamp(0, 18) as u8
                } else {
                    0
                };
                let data = match &c.data {
                    Data::Float(v) => {
                        let m = 10f64.powi(digits as i32);
                        Data::Float(v.iter().map(|x| (x * m).round() / m).collect())
                    }
                    Data::Dec(v, s) if digits < *s => Data::Dec(
                        v.iter()
                            .map(|x| rescale(rescale(*x, *s, digits), digits, *s))
                            .collect(),
                        *s,
                    ),
                    d => d.clone(),
                };
                Column {
                    data,
                    valid: c.valid.clone(),
                }
            }
            Floor => ints(&|i| ok(i).then(|| cols[0].f64_at(i).floor() as i64)),
            Ceil => ints(&|i| ok(i).then(|| cols[0].f64_at(i).ceil() as i64)),
            Int => ints(&|i| ok(i).then(|| cols[0].f64_at(i).trunc() as i64)),
            Float => {
                let c = &cols[0];
                Column {
                    data: Data::Float((0..n).map(|i| c.f64_at(i)).collect()),
                    valid: c.valid.clone(),
                }
            }
            Days | Hours | Minutes | Seconds => {
                let unit = match func {
                    Days => MS_PER_DAY as f64,
                    Hours => 3_600_000.0,
                    Minutes => 60_000.0,
                    _ => 1000.0,
                };
                let c = &cols[0];
                Column {
                    data: Data::Interval(
                        (0..n)
                            .map(|i| (c.f64_at(i) * unit).round() as i64)
                            .collect(),
                    ),
                    valid: c.valid.clone(),
                }
            }
            Date => {
                let c = &cols[0];
                Column {
                    data: Data::Date(
                        (0..n)
                            .map(|i| c.ms_at(i).div_euclid(MS_PER_DAY) as i32)
                            .collect(),
                    ),
                    valid: c.valid.clone(),
                }
            }
            Func::Timestamp => {
                let c = &cols[0];
                Column {
                    data: Data::Ts((0..n).map(|i| c.ms_at(i)).collect()),
                    valid: c.valid.clone(),
                }
            }
            MonthStart => {
                let c = &cols[0];
                let data = (0..n)
                    .map(|i| {
                        let (y, m, _) = civil_from_days(c.ms_at(i).div_euclid(MS_PER_DAY));
                        days_from_civil(y, m, 1) as i32
                    })
                    .collect();
                Column {
                    data: Data::Date(data),
                    valid: c.valid.clone(),
                }
            }
            Year | Month | Day | Weekday | Hour => ints(&|i| {
                ok(i).then(|| {
                    let ms = cols[0].ms_at(i);
                    let days = ms.div_euclid(MS_PER_DAY);
                    let (y, m, d) = civil_from_days(days);
                    match func {
                        Year => y,
                        Month => m as i64,
                        Day => d as i64,
                        Weekday => weekday(days) as i64 + 1,
                        _ => ms.rem_euclid(MS_PER_DAY) / 3_600_000,
                    }
                })
            }),
            DaysBetween => ints(&|i| {
                ok(i).then(|| (cols[1].ms_at(i) - cols[0].ms_at(i)).div_euclid(MS_PER_DAY))
            }),
            Strftime => strs(&|i| ok(i).then(|| strftime(cols[0].ms_at(i), &cols[1].text_at(i)))),
            Random => {
                // The resolver adds the call's stream salt as a hidden argument.
                let salt = match args.first().map(|a| &a.kind) {
                    Some(ExprKind::Lit(Value::Int(s))) => *s as u64,
                    _ => 0,
                };
                let key = super::rng::mix2(self.plan.seed, salt);
                let rows = self.rows(f);
                Column::new(Data::Float(
                    (0..n)
                        .map(|i| super::rng::unit_at(key, rows.get(i)))
                        .collect(),
                ))
            }
            Ln | Exp | Sqrt => {
                let c = &cols[0];
                let mut valid: Vec<bool> = (0..n).map(|i| c.is_valid(i)).collect();
                let data = (0..n)
                    .map(|i| {
                        let x = c.f64_at(i);
                        let y = match func {
                            Ln => x.ln(),
                            Exp => x.exp(),
                            _ => x.sqrt(),
                        };
                        if !y.is_finite() {
                            valid[i] = false;
                            return 0.0;
                        }
                        y
                    })
                    .collect();
                finish(Data::Float(data), valid)
            }
        }
    }
}

fn finish(data: Data, valid: Vec<bool>) -> Column {
    let valid = if valid.iter().all(|v| *v) {
        None
    } else {
        Some(valid)
    };
    Column { data, valid }
}

/// Builds a column of type `ty` by taking, for each row, row `j` of some source column.
fn select<'c>(ty: Type, n: usize, pick: impl Fn(usize) -> (&'c Column, usize)) -> Column {
    let mut valid = vec![true; n];
    macro_rules! gather {
        ($variant:ident, $zero:expr) => {{
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                let (c, j) = pick(i);
                valid[i] = c.is_valid(j);
                out.push(match &c.data {
                    Data::$variant(v) if c.is_valid(j) => v[j].clone(),
                    _ => $zero,
                });
            }
            Data::$variant(out)
        }};
    }
    let data = match ty {
        Type::Bool => gather!(Bool, false),
        Type::Int8 | Type::Int16 | Type::Int32 | Type::Int64 => gather!(Int, 0),
        Type::Float64 => gather!(Float, 0.0),
        Type::Date => gather!(Date, 0),
        Type::Timestamp => gather!(Ts, 0),
        Type::Interval => gather!(Interval, 0),
        Type::Decimal(_, s) => {
            let mut out = Vec::with_capacity(n);
            for i in 0..n {
                let (c, j) = pick(i);
                valid[i] = c.is_valid(j);
                out.push(if c.is_valid(j) { c.dec_at(j, s) } else { 0 });
            }
            Data::Dec(out, s)
        }
        Type::String(_) => {
            let mut out = Strings::with_capacity(n, n * 8);
            for i in 0..n {
                let (c, j) = pick(i);
                valid[i] = c.is_valid(j);
                match &c.data {
                    Data::Str(s) if c.is_valid(j) => out.push(s.get(j)),
                    _ => out.push(""),
                }
            }
            Data::Str(out)
        }
        Type::Null => Data::Null(n),
    };
    finish(data, valid)
}

/// Compares row `i` of two columns of comparable types.
pub fn compare(a: &Column, ta: Type, b: &Column, tb: Type, i: usize) -> Option<Ordering> {
    if ta.is_numeric() && tb.is_numeric() {
        return match (ta, tb) {
            (Type::Float64, _) | (_, Type::Float64) => a.f64_at(i).partial_cmp(&b.f64_at(i)),
            (Type::Decimal(..), _) | (_, Type::Decimal(..)) => {
                let s = a.scale().max(b.scale());
                Some(a.dec_at(i, s).cmp(&b.dec_at(i, s)))
            }
            _ => Some(a.i64_at(i).cmp(&b.i64_at(i))),
        };
    }
    if ta.is_temporal() && tb.is_temporal() {
        return Some(a.ms_at(i).cmp(&b.ms_at(i)));
    }
    match (&a.data, &b.data) {
        (Data::Str(x), Data::Str(y)) => Some(x.get(i).cmp(y.get(i))),
        (Data::Bool(x), Data::Bool(y)) => Some(x[i].cmp(&y[i])),
        (Data::Interval(x), Data::Interval(y)) => Some(x[i].cmp(&y[i])),
        _ => None,
    }
}

fn binary(op: BinOp, a: &Column, ta: Type, b: &Column, tb: Type, ty: Type, n: usize) -> Column {
    use BinOp::*;
    match op {
        And | Or => {
            // Three-valued logic.
            let mut data = Vec::with_capacity(n);
            let mut valid = Vec::with_capacity(n);
            for i in 0..n {
                let x = a.is_valid(i).then(|| a.bool_at(i));
                let y = b.is_valid(i).then(|| b.bool_at(i));
                let r = if op == And {
                    match (x, y) {
                        (Some(false), _) | (_, Some(false)) => Some(false),
                        (Some(true), Some(true)) => Some(true),
                        _ => None,
                    }
                } else {
                    match (x, y) {
                        (Some(true), _) | (_, Some(true)) => Some(true),
                        (Some(false), Some(false)) => Some(false),
                        _ => None,
                    }
                };
                data.push(r.unwrap_or(false));
                valid.push(r.is_some());
            }
            finish(Data::Bool(data), valid)
        }
        Eq | Ne | Lt | Le | Gt | Ge => {
            let valid = and_valid(a, b, n);
            let same = compare_same(op, a, b, n).or_else(|| {
                // Mixed numeric representations (a decimal against an integer literal, …):
                // bring both to the common one first, then compare in one typed loop.
                if !(ta.is_numeric() && tb.is_numeric()) {
                    return None;
                }
                let common = if ta == Type::Float64 || tb == Type::Float64 {
                    Type::Float64
                } else if matches!(ta, Type::Decimal(..)) || matches!(tb, Type::Decimal(..)) {
                    Type::Decimal(38, a.scale().max(b.scale()))
                } else {
                    Type::Int64
                };
                compare_same(op, &a.clone().cast(common), &b.clone().cast(common), n)
            });
            if let Some(mut data) = same {
                if let Some(v) = &valid {
                    data.iter_mut().zip(v).for_each(|(d, ok)| *d &= *ok);
                }
                return Column {
                    data: Data::Bool(data),
                    valid,
                };
            }
            let data = (0..n)
                .map(|i| {
                    let ord = if a.is_valid(i) && b.is_valid(i) {
                        compare(a, ta, b, tb, i)
                    } else {
                        None
                    };
                    match ord {
                        None => false,
                        Some(o) => match op {
                            Eq => o == Ordering::Equal,
                            Ne => o != Ordering::Equal,
                            Lt => o == Ordering::Less,
                            Le => o != Ordering::Greater,
                            Gt => o == Ordering::Greater,
                            _ => o != Ordering::Less,
                        },
                    }
                })
                .collect();
            Column {
                data: Data::Bool(data),
                valid,
            }
        }
        Concat => {
            let valid = and_valid(a, b, n);
            let mut s = Strings::with_capacity(n, n * 16);
            for i in 0..n {
                if a.is_valid(i) && b.is_valid(i) {
                    match &a.data {
                        Data::Str(x) => s.bytes.extend_from_slice(x.get(i).as_bytes()),
                        _ => s.bytes.extend_from_slice(a.text_at(i).as_bytes()),
                    }
                    match &b.data {
                        Data::Str(x) => s.bytes.extend_from_slice(x.get(i).as_bytes()),
                        _ => s.bytes.extend_from_slice(b.text_at(i).as_bytes()),
                    }
                }
                s.finish_value();
            }
            Column {
                data: Data::Str(s),
                valid,
            }
        }
        Add | Sub | Mul | Div | Rem => {
            let valid = and_valid(a, b, n);
            let data = arith(op, a, ta, b, tb, ty, n);
            let mut c = Column { data, valid };
            if op == Rem || op == Div {
                // Division by zero gives null.
                let zero: Vec<bool> = (0..n).map(|i| b.f64_at(i) != 0.0).collect();
                c.mask(&zero);
            }
            c
        }
    }
}

/// Whether an ordering satisfies a comparison operator.
#[inline]
fn holds(op: BinOp, o: Ordering) -> bool {
    use BinOp::*;
    match op {
        Eq => o == Ordering::Equal,
        Ne => o != Ordering::Equal,
        Lt => o == Ordering::Less,
        Le => o != Ordering::Greater,
        Gt => o == Ordering::Greater,
        _ => o != Ordering::Less,
    }
}

/// Comparison of two columns with the same representation, in one typed loop (values of
/// invalid rows are compared too; the caller masks them).
fn compare_same(op: BinOp, a: &Column, b: &Column, n: usize) -> Option<Vec<bool>> {
    macro_rules! each {
        ($x:expr, $y:expr) => {
            Some((0..n).map(|i| holds(op, $x[i].cmp(&$y[i]))).collect())
        };
    }
    match (&a.data, &b.data) {
        (Data::Int(x), Data::Int(y))
        | (Data::Ts(x), Data::Ts(y))
        | (Data::Interval(x), Data::Interval(y)) => each!(x, y),
        (Data::Date(x), Data::Date(y)) => each!(x, y),
        (Data::Bool(x), Data::Bool(y)) => each!(x, y),
        (Data::Dec(x, sx), Data::Dec(y, sy)) if sx == sy => each!(x, y),
        (Data::Float(x), Data::Float(y)) => Some(
            (0..n)
                .map(|i| x[i].partial_cmp(&y[i]).is_some_and(|o| holds(op, o)))
                .collect(),
        ),
        (Data::Str(x), Data::Str(y)) => Some(
            (0..n)
                .map(|i| holds(op, x.bytes_at(i).cmp(y.bytes_at(i))))
                .collect(),
        ),
        _ => None,
    }
}

/// Integer arithmetic (wrapping; division by zero gives 0, masked as null by the caller).
#[inline]
fn int_op(op: BinOp, p: i64, q: i64) -> i64 {
    match op {
        BinOp::Add => p.wrapping_add(q),
        BinOp::Sub => p.wrapping_sub(q),
        BinOp::Mul => p.wrapping_mul(q),
        BinOp::Rem if q != 0 => p.wrapping_rem(q),
        _ => 0,
    }
}

/// Float arithmetic (division by zero gives 0, masked as null by the caller).
#[inline]
fn float_op(op: BinOp, p: f64, q: f64) -> f64 {
    match op {
        BinOp::Add => p + q,
        BinOp::Sub => p - q,
        BinOp::Mul => p * q,
        BinOp::Div if q != 0.0 => p / q,
        _ => 0.0,
    }
}

/// A column's values as floats, borrowed when they already are.
fn floats(c: &Column, n: usize) -> std::borrow::Cow<'_, [f64]> {
    match &c.data {
        Data::Float(v) => std::borrow::Cow::Borrowed(v),
        _ => std::borrow::Cow::Owned((0..n).map(|i| c.f64_at(i)).collect()),
    }
}

fn arith(op: BinOp, a: &Column, ta: Type, b: &Column, tb: Type, ty: Type, n: usize) -> Data {
    use BinOp::*;
    let sign = if op == Sub { -1 } else { 1 };
    // Typed loops when both sides already have the result's representation (floats are
    // converted once per column).
    match (&a.data, &b.data, ty) {
        (_, _, Type::Float64) => {
            let (x, y) = (floats(a, n), floats(b, n));
            return Data::Float(
                x.iter()
                    .zip(y.iter())
                    .map(|(&p, &q)| float_op(op, p, q))
                    .collect(),
            );
        }
        (Data::Int(x), Data::Int(y), t) if t.is_integer() => {
            return Data::Int(x.iter().zip(y).map(|(&p, &q)| int_op(op, p, q)).collect());
        }
        (Data::Dec(x, sx), Data::Dec(y, sy), Type::Decimal(_, s))
            if (op == Add || op == Sub) && *sx == s && *sy == s =>
        {
            return Data::Dec(
                x.iter()
                    .zip(y)
                    .map(|(&p, &q)| p.saturating_add(sign as i128 * q))
                    .collect(),
                s,
            );
        }
        _ => {}
    }
    match ty {
        Type::Null => Data::Null(n),
        Type::Int64 | Type::Int32 | Type::Int16 | Type::Int8 => Data::Int(
            (0..n)
                .map(|i| int_op(op, a.i64_at(i), b.i64_at(i)))
                .collect(),
        ),
        Type::Decimal(_, s) => {
            if op == Mul {
                let (sa, sb) = (a.scale(), b.scale());
                Data::Dec(
                    (0..n)
                        .map(|i| {
                            let p = if ta.is_integer() {
                                a.i64_at(i) as i128
                            } else if ta == Type::Float64 {
                                a.dec_at(i, 6)
                            } else {
                                a.dec_at(i, sa)
                            };
                            let q = if tb.is_integer() {
                                b.i64_at(i) as i128
                            } else if tb == Type::Float64 {
                                b.dec_at(i, 6)
                            } else {
                                b.dec_at(i, sb)
                            };
                            let from = (if ta == Type::Float64 {
                                6
                            } else if ta.is_integer() {
                                0
                            } else {
                                sa
                            }) + (if tb == Type::Float64 {
                                6
                            } else if tb.is_integer() {
                                0
                            } else {
                                sb
                            });
                            rescale(p.saturating_mul(q), from, s)
                        })
                        .collect(),
                    s,
                )
            } else {
                Data::Dec(
                    (0..n)
                        .map(|i| a.dec_at(i, s).saturating_add(sign as i128 * b.dec_at(i, s)))
                        .collect(),
                    s,
                )
            }
        }
        Type::Interval => Data::Interval(
            (0..n)
                .map(|i| match (op, ta, tb) {
                    (Mul, Type::Interval, _) => (a.ms_at(i) as f64 * b.f64_at(i)).round() as i64,
                    (Mul, _, Type::Interval) => (b.ms_at(i) as f64 * a.f64_at(i)).round() as i64,
                    (Div, _, _) => {
                        let q = b.f64_at(i);
                        if q == 0.0 {
                            0
                        } else {
                            (a.ms_at(i) as f64 / q).round() as i64
                        }
                    }
                    _ => a.ms_at(i).wrapping_add(sign * b.ms_at(i)),
                })
                .collect(),
        ),
        Type::Timestamp => Data::Ts(
            (0..n)
                .map(|i| temporal_add(a, ta, b, tb, sign, i))
                .collect(),
        ),
        Type::Date => Data::Date(
            (0..n)
                .map(|i| temporal_add(a, ta, b, tb, sign, i).div_euclid(MS_PER_DAY) as i32)
                .collect(),
        ),
        _ => Data::Null(n),
    }
}

fn temporal_add(a: &Column, ta: Type, b: &Column, tb: Type, sign: i64, i: usize) -> i64 {
    let _ = tb;
    if ta == Type::Interval {
        b.ms_at(i) + a.ms_at(i)
    } else {
        a.ms_at(i) + sign * b.ms_at(i)
    }
}

/// `%Y %m %d %H %M %S %%` formatting of a UTC instant.
pub fn strftime(ms: i64, fmt: &str) -> String {
    let days = ms.div_euclid(MS_PER_DAY);
    let rem = ms.rem_euclid(MS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let mut out = String::with_capacity(fmt.len() + 8);
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('Y') => out.push_str(&format!("{y:04}")),
            Some('m') => out.push_str(&format!("{m:02}")),
            Some('d') => out.push_str(&format!("{d:02}")),
            Some('H') => out.push_str(&format!("{:02}", rem / 3_600_000)),
            Some('M') => out.push_str(&format!("{:02}", rem / 60_000 % 60)),
            Some('S') => out.push_str(&format!("{:02}", rem / 1000 % 60)),
            Some('%') => out.push('%'),
            Some(o) => {
                out.push('%');
                out.push(o);
            }
            None => out.push('%'),
        }
    }
    out
}
