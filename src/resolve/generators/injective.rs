//! Injectivity of expressions: whether an expression gives a different value on every row, so
//! that an attribute claiming uniqueness through it is unique by construction. The atoms are
//! `row` and the non-nullable unique attributes of the same row; the forms that keep them
//! distinct are integer offsets and non-zero integer factors, the decimal text of an integer,
//! `lpad` that cannot truncate, and concatenations in which the distinct part can be read back
//! because constant text delimits it (the rule is stated in `docs/spec-reference.md`).

use crate::ir::expr::{BinOp, Builtin, ColRef, Expr, ExprKind, Func, UnOp};
use crate::ir::value::Value;

/// The shortest `lpad` length that cannot truncate the decimal text of any int64 (the length
/// of `-9223372036854775808`).
pub(super) const LPAD_NO_TRUNCATION: i64 = 20;

/// What a part of a concatenation is known to be.
enum Part {
    /// Constant text.
    Const(String),
    /// The decimal text of an injective integer, possibly left-padded (pad characters are all
    /// `0`, or neither digits nor `-`).
    Numeral,
    /// Any injective text.
    Text,
    /// Anything else.
    Other,
}

/// Whether `e` takes a different value on every row; `unique(c)` tells whether a column of the
/// same row is a non-nullable unique attribute.
pub(super) fn injective(e: &Expr, unique: &dyn Fn(&ColRef) -> bool) -> bool {
    if e.ty.is_integer() {
        return int_injective(e, unique);
    }
    !matches!(part(e, unique), Part::Other | Part::Const(_))
}

/// An integer constant: a literal, possibly negated.
fn const_int(e: &Expr) -> Option<i64> {
    match &e.kind {
        ExprKind::Lit(Value::Int(v)) => Some(*v),
        ExprKind::Unary(UnOp::Neg, x) => const_int(x).and_then(i64::checked_neg),
        _ => None,
    }
}

/// An integer expression that is injective in its atoms: an atom, `x ± c`, `c ± x`, `-x`,
/// `x * c` and `c * x` with `c ≠ 0`, `int(x)`.
fn int_injective(e: &Expr, unique: &dyn Fn(&ColRef) -> bool) -> bool {
    if !e.ty.is_integer() {
        return false;
    }
    match &e.kind {
        ExprKind::Builtin(Builtin::Row) => true,
        ExprKind::Col(c) => c.hops.is_empty() && unique(c),
        ExprKind::Unary(UnOp::Neg, x) => int_injective(x, unique),
        ExprKind::Binary(BinOp::Add | BinOp::Sub, a, b) => {
            (int_injective(a, unique) && const_int(b).is_some())
                || (const_int(a).is_some() && int_injective(b, unique))
        }
        ExprKind::Binary(BinOp::Mul, a, b) => {
            (int_injective(a, unique) && const_int(b).is_some_and(|c| c != 0))
                || (const_int(a).is_some_and(|c| c != 0) && int_injective(b, unique))
        }
        ExprKind::Call(Func::Int, args) => args.len() == 1 && int_injective(&args[0], unique),
        _ => false,
    }
}

/// Classifies one expression as a part of a concatenation.
fn part(e: &Expr, unique: &dyn Fn(&ColRef) -> bool) -> Part {
    match &e.kind {
        ExprKind::Lit(Value::Str(s)) => Part::Const(s.clone()),
        ExprKind::Lit(Value::Int(v)) => Part::Const(v.to_string()),
        _ if int_injective(e, unique) => Part::Numeral,
        ExprKind::Col(c) if c.hops.is_empty() && unique(c) => Part::Text,
        ExprKind::Call(Func::ToString, args) if args.len() == 1 => match part(&args[0], unique) {
            Part::Numeral => Part::Numeral,
            _ => Part::Other,
        },
        ExprKind::Call(Func::Lpad, args) if args.len() == 3 => lpad(args, unique),
        ExprKind::Binary(BinOp::Concat, ..) | ExprKind::Call(Func::Concat, _) => {
            let mut parts = Vec::new();
            flatten(e, unique, &mut parts);
            if concat_injective(&parts) {
                Part::Text
            } else {
                Part::Other
            }
        }
        _ => Part::Other,
    }
}

/// `lpad(numeral, length, pad)` keeps the numeral readable when the length is a constant that
/// cannot truncate it and the pad is constant text of only `0`, or of neither digits nor `-`.
fn lpad(args: &[Expr], unique: &dyn Fn(&ColRef) -> bool) -> Part {
    let numeral = matches!(part(&args[0], unique), Part::Numeral);
    let long = const_int(&args[1]).is_some_and(|n| n >= LPAD_NO_TRUNCATION);
    let pad_ok = match &args[2].kind {
        ExprKind::Lit(Value::Str(p)) => {
            !p.is_empty()
                && (p.chars().all(|c| c == '0')
                    || p.chars().all(|c| !c.is_ascii_digit() && c != '-'))
        }
        _ => false,
    };
    if numeral && long && pad_ok {
        Part::Numeral
    } else {
        Part::Other
    }
}

/// The parts of a concatenation (`||` chains and `concat(…)`), adjacent constants merged and
/// empty constants dropped.
fn flatten(e: &Expr, unique: &dyn Fn(&ColRef) -> bool, out: &mut Vec<Part>) {
    match &e.kind {
        ExprKind::Binary(BinOp::Concat, a, b) => {
            flatten(a, unique, out);
            flatten(b, unique, out);
        }
        ExprKind::Call(Func::Concat, args) => args.iter().for_each(|a| flatten(a, unique, out)),
        _ => match (part(e, unique), out.last_mut()) {
            (Part::Const(s), _) if s.is_empty() => {}
            (Part::Const(s), Some(Part::Const(prev))) => prev.push_str(&s),
            (p, _) => out.push(p),
        },
    }
}

/// A concatenation is injective when one part can be read back from the whole: an injective
/// text whose every other part is constant, or a numeral whose parts on one side are all
/// constant and whose neighbour on the other side (if any) is constant text whose character
/// next to the numeral is neither a digit nor `-`.
fn concat_injective(parts: &[Part]) -> bool {
    let is_const = |p: &Part| matches!(p, Part::Const(_));
    let delimits = |p: Option<&Part>, first: bool| match p {
        None => true,
        Some(Part::Const(s)) => {
            let c = if first {
                s.chars().next()
            } else {
                s.chars().last()
            };
            c.is_some_and(|c| !c.is_ascii_digit() && c != '-')
        }
        Some(_) => false,
    };
    parts.iter().enumerate().any(|(k, p)| {
        let before = parts[..k].iter().all(is_const);
        let after = parts[k + 1..].iter().all(is_const);
        match p {
            Part::Text => before && after,
            Part::Numeral => {
                (before && delimits(parts.get(k + 1), true))
                    || (after && delimits(k.checked_sub(1).map(|j| &parts[j]), false))
            }
            _ => false,
        }
    })
}
