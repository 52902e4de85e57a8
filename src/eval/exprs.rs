//! Expression evaluation a column at a time. Each node evaluates to a [`Column`] over the
//! frame's rows; operators follow the types the resolver computed (SQL-style null
//! propagation, three-valued `and`/`or`, decimals in exact fixed point).

use super::column::{Column, Data, Strings, pow10, rescale, round_i128};
use super::funcs::Faults;
use super::{ErrorKind, Evaluator, FrameId, MAX_VALUE_BYTES};
use crate::ir::expr::{BinOp, ExprKind, UnOp};
use crate::ir::value::{MS_PER_DAY, Value, civil_from_days};
use crate::ir::{Expr, Type};
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
    pub(super) fn eval_shared(&mut self, f: FrameId, e: &Expr) -> Arc<Column> {
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
                        let bad: Faults = (0..v.len())
                            .filter(|&i| v[i] == i64::MIN && c.is_valid(i))
                            .map(|i| {
                                let what = "the negation".to_string();
                                (i, ErrorKind::Overflow { what })
                            })
                            .collect();
                        let data = Data::Int(v.iter().map(|x| x.wrapping_neg()).collect());
                        return self.defer(f, Column { data, valid }, bad);
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
                let (c, over, overflows) = binary(*op, &ca, a.ty, &cb, b.ty, e.ty, n);
                if let Some((i, kind)) = over {
                    self.fail(f, i, kind);
                }
                self.defer(f, c, overflows)
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
                let mut any_null: Vec<bool> = (0..n).map(|i| !c.is_valid(i)).collect();
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
                    for (i, ch) in chosen.iter_mut().enumerate() {
                        if ch.is_none() && cc.is_valid(i) && cc.bool_at(i) {
                            *ch = Some(k);
                        }
                    }
                    branches.push(self.branch(f, v, e.ty));
                }
                let other = match otherwise {
                    Some(o) => self.branch(f, o, e.ty),
                    None => (Column::constant(&Value::Null, e.ty, 1), true),
                };
                select(e.ty, n, |i| {
                    let (c, lit) = match chosen[i] {
                        Some(k) => &branches[k],
                        None => &other,
                    };
                    (c, if *lit { 0 } else { i })
                })
            }
            ExprKind::Call(func, args) => self.call(f, *func, args, e.ty, n),
        }
    }
}

impl Evaluator<'_> {
    /// A `case` branch over frame `f`, cast to `ty`, and whether it is a literal: a literal is
    /// one row, read for every row that takes the branch, not copied for each (a `case` over
    /// string literals would otherwise build every one of them for every row).
    fn branch(&mut self, f: FrameId, x: &Expr, ty: Type) -> (Column, bool) {
        match &x.kind {
            ExprKind::Lit(v) => (Column::constant(v, x.ty, 1).cast(ty), true),
            _ => (self.eval_expr(f, x).cast(ty), false),
        }
    }
}

pub(super) fn finish(data: Data, valid: Vec<bool>) -> Column {
    let valid = if valid.iter().all(|v| *v) {
        None
    } else {
        Some(valid)
    };
    Column { data, valid }
}

/// Builds a column of type `ty` by taking, for each row, row `j` of some source column.
pub(super) fn select<'c>(
    ty: Type,
    n: usize,
    pick: impl Fn(usize) -> (&'c Column, usize),
) -> Column {
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
            for (i, v) in valid.iter_mut().enumerate() {
                let (c, j) = pick(i);
                *v = c.is_valid(j);
                out.push(if c.is_valid(j) { c.dec_at(j, s) } else { 0 });
            }
            Data::Dec(out, s)
        }
        Type::String(_) => {
            let mut out = Strings::with_capacity(n, n * 8);
            for (i, v) in valid.iter_mut().enumerate() {
                let (c, j) = pick(i);
                *v = c.is_valid(j);
                match &c.data {
                    Data::Str(s) if c.is_valid(j) => {
                        out.bytes.extend_from_slice(s.bytes_at(j));
                        out.finish_value();
                    }
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
        (Data::Str(x), Data::Str(y)) => Some(x.bytes_at(i).cmp(y.bytes_at(i))),
        (Data::Bool(x), Data::Bool(y)) => Some(x[i].cmp(&y[i])),
        (Data::Interval(x), Data::Interval(y)) => Some(x[i].cmp(&y[i])),
        _ => None,
    }
}

/// A binary operator over two columns; also the first row whose result overflows.
fn binary(
    op: BinOp,
    a: &Column,
    ta: Type,
    b: &Column,
    tb: Type,
    ty: Type,
    n: usize,
) -> (Column, Option<(usize, ErrorKind)>, Faults) {
    use BinOp::*;
    let c = match op {
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
                return (
                    Column {
                        data: Data::Bool(data),
                        valid,
                    },
                    None,
                    Vec::new(),
                );
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
            let mut valid = and_valid(a, b, n);
            let mut s = Strings::with_capacity(n, n * 16);
            let mut over = None;
            for i in 0..n {
                let start = s.bytes.len();
                if over.is_none() && a.is_valid(i) && b.is_valid(i) {
                    match &a.data {
                        Data::Str(x) => s.bytes.extend_from_slice(x.bytes_at(i)),
                        _ => s.bytes.extend_from_slice(a.text_at(i).as_bytes()),
                    }
                    match &b.data {
                        Data::Str(x) => s.bytes.extend_from_slice(x.bytes_at(i)),
                        _ => s.bytes.extend_from_slice(b.text_at(i).as_bytes()),
                    }
                }
                let bytes = s.bytes.len() - start;
                if bytes > MAX_VALUE_BYTES {
                    // Past the per-value limit: the chunk is refused, the value dropped.
                    s.bytes.truncate(start);
                    over = Some((i, ErrorKind::ValueTooLarge { bytes }));
                    valid.get_or_insert_with(|| vec![true; n])[i] = false;
                }
                s.finish_value();
            }
            return (
                Column {
                    data: Data::Str(s),
                    valid,
                },
                over,
                Vec::new(),
            );
        }
        Add | Sub | Mul | Div | Rem => {
            let valid = and_valid(a, b, n);
            let (data, overflow) = arith(op, a, ta, b, tb, ty, n);
            let mut c = Column { data, valid };
            if op == Rem || op == Div {
                // Division by zero gives null.
                let zero: Vec<bool> = (0..n).map(|i| b.f64_at(i) != 0.0).collect();
                c.mask(&zero);
            }
            let faults = overflow
                .into_iter()
                .map(|i| {
                    let what = "the arithmetic".to_string();
                    (i, ErrorKind::Overflow { what })
                })
                .collect();
            return (c, None, faults);
        }
    };
    (c, None, Vec::new())
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

/// Integer arithmetic, `None` on overflow (division by zero gives 0, masked as null by the
/// caller).
#[inline]
fn int_op(op: BinOp, p: i64, q: i64) -> Option<i64> {
    match op {
        BinOp::Add => p.checked_add(q),
        BinOp::Sub => p.checked_sub(q),
        BinOp::Mul => p.checked_mul(q),
        BinOp::Rem if q != 0 => Some(p.wrapping_rem(q)),
        _ => Some(0),
    }
}

/// Milliseconds from a float, `None` when not finite or past the 64-bit range.
#[inline]
fn float_ms(x: f64) -> Option<i64> {
    let r = x.round();
    (r.is_finite() && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&r))
        .then_some(r as i64)
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

/// Arithmetic over two columns; also the rows (of those where both operands are valid) whose
/// result overflows (their values are placeholders).
fn arith(
    op: BinOp,
    a: &Column,
    ta: Type,
    b: &Column,
    tb: Type,
    ty: Type,
    n: usize,
) -> (Data, Vec<usize>) {
    let bad = std::cell::RefCell::new(Vec::new());
    let note = |i: usize| {
        if a.is_valid(i) && b.is_valid(i) {
            bad.borrow_mut().push(i);
        }
    };
    let data = arith_data(op, (a, ta), (b, tb), ty, n, &note);
    (data, bad.into_inner())
}

fn arith_data(
    op: BinOp,
    (a, ta): (&Column, Type),
    (b, tb): (&Column, Type),
    ty: Type,
    n: usize,
    note: &dyn Fn(usize),
) -> Data {
    use BinOp::*;
    let sign = if op == Sub { -1 } else { 1 };
    let checked = |i: usize, v: Option<i64>| {
        v.unwrap_or_else(|| {
            note(i);
            0
        })
    };
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
            return Data::Int(
                x.iter()
                    .zip(y)
                    .enumerate()
                    .map(|(i, (&p, &q))| checked(i, int_op(op, p, q)))
                    .collect(),
            );
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
                .map(|i| checked(i, int_op(op, a.i64_at(i), b.i64_at(i))))
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
                    (Mul, Type::Interval, _) => {
                        checked(i, float_ms(a.ms_at(i) as f64 * b.f64_at(i)))
                    }
                    (Mul, _, Type::Interval) => {
                        checked(i, float_ms(b.ms_at(i) as f64 * a.f64_at(i)))
                    }
                    (Div, _, _) => {
                        let q = b.f64_at(i);
                        if q == 0.0 {
                            0
                        } else {
                            checked(i, float_ms(a.ms_at(i) as f64 / q))
                        }
                    }
                    _ => checked(i, a.ms_at(i).checked_add(sign * b.ms_at(i))),
                })
                .collect(),
        ),
        Type::Timestamp => Data::Ts(
            (0..n)
                .map(|i| checked(i, temporal_add(a, ta, b, sign, i)))
                .collect(),
        ),
        Type::Date => Data::Date(
            (0..n)
                .map(|i| {
                    let day = temporal_add(a, ta, b, sign, i)
                        .and_then(|ms| i32::try_from(ms.div_euclid(MS_PER_DAY)).ok());
                    checked(i, day.map(i64::from)) as i32
                })
                .collect(),
        ),
        _ => Data::Null(n),
    }
}

/// A time plus or minus an interval (either order), `None` on overflow.
fn temporal_add(a: &Column, ta: Type, b: &Column, sign: i64, i: usize) -> Option<i64> {
    if ta == Type::Interval {
        b.ms_at(i).checked_add(a.ms_at(i))
    } else {
        a.ms_at(i).checked_add(sign * b.ms_at(i))
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
