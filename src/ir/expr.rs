//! Typed expressions over the row, the parent row and referenced rows: the `expr`, `when` and
//! count `when` derivations of the spec language. The resolver builds these from text; the
//! generator evaluates them a column at a time.

use super::types::Type;
use super::value::Value;
use super::{AttrId, EntityId, FkId};
use crate::diagnostics::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: Type,
    pub span: Span,
}

/// A step from one row to a related row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Hop {
    /// To the `per` parent row.
    Parent,
    /// To the row referenced by foreign key `FkId` of the current entity.
    Fk(FkId),
    /// To the parent row of member `k` of a `union` entity (none for rows of other members).
    Source(usize),
}

/// An attribute of the current row (no hops) or of a related row.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ColRef {
    pub hops: Vec<Hop>,
    pub entity: EntityId,
    pub attr: AttrId,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Concat,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
            BinOp::Concat => "||",
            BinOp::Eq => "=",
            BinOp::Ne => "!=",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::And => "and",
            BinOp::Or => "or",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Not,
}

/// Built-in row values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    /// 1-based row number in the entity.
    Row,
    /// 1-based position among the children of the same parent.
    ChildIndex,
    /// 1-based level in a self-referencing hierarchy (roots are 1).
    Level,
    /// 1-based index of the `union` member a row comes from.
    UnionIndex,
    /// The run's `--scale` (a float, 1 by default).
    Scale,
}

impl Builtin {
    /// The type of the built-in's value.
    pub fn ty(self) -> crate::ir::Type {
        match self {
            Builtin::Scale => crate::ir::Type::Float64,
            _ => crate::ir::Type::Int64,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Lit(Value),
    Col(ColRef),
    Builtin(Builtin),
    Unary(UnOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Call(Func, Vec<Expr>),
    Case {
        whens: Vec<(Expr, Expr)>,
        otherwise: Option<Box<Expr>>,
    },
    IsNull {
        expr: Box<Expr>,
        negated: bool,
    },
    In {
        expr: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
    },
}

/// Functions available in expressions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    Lower,
    Upper,
    Trim,
    Length,
    Substr,
    Concat,
    Replace,
    Lpad,
    ToString,
    Sha256,
    Hash,
    Coalesce,
    If,
    Least,
    Greatest,
    Abs,
    Round,
    Floor,
    Ceil,
    Int,
    Float,
    Days,
    Hours,
    Minutes,
    Seconds,
    Date,
    Year,
    Month,
    Day,
    Hour,
    Weekday,
    MonthStart,
    DaysBetween,
    Strftime,
    Random,
    Timestamp,
    Ln,
    Exp,
    Sqrt,
}

impl Func {
    /// (name, function, min args, max args, signature for docs)
    pub const ALL: &'static [(&'static str, Func, usize, usize, &'static str)] = &[
        ("lower", Func::Lower, 1, 1, "lower(string) → string"),
        ("upper", Func::Upper, 1, 1, "upper(string) → string"),
        ("trim", Func::Trim, 1, 1, "trim(string) → string"),
        (
            "length",
            Func::Length,
            1,
            1,
            "length(string) → int64 (characters)",
        ),
        (
            "substr",
            Func::Substr,
            2,
            3,
            "substr(string, start[, length]) → string (1-based start)",
        ),
        (
            "concat",
            Func::Concat,
            1,
            16,
            "concat(any, …) → string (nulls skipped)",
        ),
        (
            "replace",
            Func::Replace,
            3,
            3,
            "replace(string, from, to) → string",
        ),
        (
            "lpad",
            Func::Lpad,
            3,
            3,
            "lpad(string, length, pad) → string",
        ),
        ("to_string", Func::ToString, 1, 1, "to_string(any) → string"),
        ("sha256", Func::Sha256, 1, 1, "sha256(any) → string (hex)"),
        (
            "hash",
            Func::Hash,
            1,
            1,
            "hash(any) → int64 (stable, non-negative)",
        ),
        (
            "coalesce",
            Func::Coalesce,
            1,
            16,
            "coalesce(a, b, …) → first non-null",
        ),
        ("if", Func::If, 3, 3, "if(bool, a, b) → a or b"),
        (
            "least",
            Func::Least,
            1,
            16,
            "least(a, b, …) → smallest non-null",
        ),
        (
            "greatest",
            Func::Greatest,
            1,
            16,
            "greatest(a, b, …) → largest non-null",
        ),
        ("abs", Func::Abs, 1, 1, "abs(number) → number"),
        (
            "round",
            Func::Round,
            1,
            2,
            "round(number[, digits]) → number (half away from zero)",
        ),
        ("floor", Func::Floor, 1, 1, "floor(number) → int64"),
        ("ceil", Func::Ceil, 1, 1, "ceil(number) → int64"),
        ("int", Func::Int, 1, 1, "int(number) → int64 (truncates)"),
        ("float", Func::Float, 1, 1, "float(number) → float64"),
        ("days", Func::Days, 1, 1, "days(number) → interval"),
        ("hours", Func::Hours, 1, 1, "hours(number) → interval"),
        ("minutes", Func::Minutes, 1, 1, "minutes(number) → interval"),
        ("seconds", Func::Seconds, 1, 1, "seconds(number) → interval"),
        ("date", Func::Date, 1, 1, "date(timestamp) → date"),
        ("year", Func::Year, 1, 1, "year(date|timestamp) → int64"),
        (
            "month",
            Func::Month,
            1,
            1,
            "month(date|timestamp) → int64 (1–12)",
        ),
        ("day", Func::Day, 1, 1, "day(date|timestamp) → int64 (1–31)"),
        ("hour", Func::Hour, 1, 1, "hour(timestamp) → int64 (0–23)"),
        (
            "weekday",
            Func::Weekday,
            1,
            1,
            "weekday(date|timestamp) → int64 (1 = Monday … 7 = Sunday)",
        ),
        (
            "month_start",
            Func::MonthStart,
            1,
            1,
            "month_start(date|timestamp) → date",
        ),
        (
            "days_between",
            Func::DaysBetween,
            2,
            2,
            "days_between(a, b) → int64 (whole days from a to b)",
        ),
        (
            "strftime",
            Func::Strftime,
            2,
            2,
            "strftime(date|timestamp, format) → string (%Y %m %d %H %M %S)",
        ),
        (
            "random",
            Func::Random,
            0,
            0,
            "random() → float64 uniform in [0, 1), a pure function of the seed, the attribute and the row; every call is an independent draw",
        ),
        (
            "timestamp",
            Func::Timestamp,
            1,
            1,
            "timestamp(date|timestamp) → timestamp (a date at midnight UTC)",
        ),
        (
            "ln",
            Func::Ln,
            1,
            1,
            "ln(number) → float64 (natural log; null for x ≤ 0)",
        ),
        ("exp", Func::Exp, 1, 1, "exp(number) → float64"),
        (
            "sqrt",
            Func::Sqrt,
            1,
            1,
            "sqrt(number) → float64 (null for x < 0)",
        ),
    ];

    pub fn lookup(name: &str) -> Option<(Func, usize, usize)> {
        Self::ALL
            .iter()
            .find(|f| f.0 == name)
            .map(|f| (f.1, f.2, f.3))
    }

    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|f| f.1 == self).map_or("?", |f| f.0)
    }
}

impl Expr {
    /// Visits every column reference.
    pub fn columns(&self, out: &mut Vec<ColRef>) {
        match &self.kind {
            ExprKind::Col(c) => out.push(c.clone()),
            ExprKind::Lit(_) | ExprKind::Builtin(_) => {}
            ExprKind::Unary(_, e) => e.columns(out),
            ExprKind::Binary(_, a, b) => {
                a.columns(out);
                b.columns(out);
            }
            ExprKind::Call(_, args) => args.iter().for_each(|a| a.columns(out)),
            ExprKind::Case { whens, otherwise } => {
                for (c, v) in whens {
                    c.columns(out);
                    v.columns(out);
                }
                if let Some(o) = otherwise {
                    o.columns(out);
                }
            }
            ExprKind::IsNull { expr, .. } => expr.columns(out),
            ExprKind::In { expr, list, .. } => {
                expr.columns(out);
                list.iter().for_each(|a| a.columns(out));
            }
        }
    }

    pub fn uses_builtin(&self, b: Builtin) -> bool {
        match &self.kind {
            ExprKind::Builtin(x) => *x == b,
            ExprKind::Lit(_) | ExprKind::Col(_) => false,
            ExprKind::Unary(_, e) => e.uses_builtin(b),
            ExprKind::Binary(_, x, y) => x.uses_builtin(b) || y.uses_builtin(b),
            ExprKind::Call(_, args) => args.iter().any(|a| a.uses_builtin(b)),
            ExprKind::Case { whens, otherwise } => {
                whens
                    .iter()
                    .any(|(c, v)| c.uses_builtin(b) || v.uses_builtin(b))
                    || otherwise.as_ref().is_some_and(|o| o.uses_builtin(b))
            }
            ExprKind::IsNull { expr, .. } => expr.uses_builtin(b),
            ExprKind::In { expr, list, .. } => {
                expr.uses_builtin(b) || list.iter().any(|a| a.uses_builtin(b))
            }
        }
    }
}
