//! Nullability of derived attributes: an expression over nullable columns or over hops that
//! may reach no row can be null, and so can a time relative to a nullable anchor.

use crate::ir::expr::{BinOp, Func};
use crate::ir::*;
use crate::resolve::Resolver;

/// Whether a column reference can be null: a hop that may reach no row, or a nullable
/// attribute at its end.
pub(super) fn col_nullable(entities: &[Entity], from: EntityId, c: &ColRef) -> bool {
    hops_may_miss(entities, from, c) || entities[c.entity].attributes[c.attr].nullable
}

/// Whether a column reference's hops may reach no row.
pub(super) fn hops_may_miss(entities: &[Entity], from: EntityId, c: &ColRef) -> bool {
    let mut cur = from;
    for h in &c.hops {
        match h {
            Hop::Parent => cur = entities[cur].parent().unwrap_or(cur),
            Hop::Source(_) => return true,
            Hop::Fk(f) => {
                let fk = &entities[cur].foreign_keys[*f];
                if fk.optional() {
                    return true;
                }
                cur = fk.target;
            }
        }
    }
    false
}

/// Whether an expression can evaluate to null (conservatively).
fn expr_nullable(entities: &[Entity], from: EntityId, e: &Expr) -> bool {
    expr_nullable_by(e, &|c| col_nullable(entities, from, c))
}

/// Whether an expression can evaluate to null, given which column references can.
pub(super) fn expr_nullable_by(e: &Expr, col: &dyn Fn(&ColRef) -> bool) -> bool {
    let n = |x: &Expr| expr_nullable_by(x, col);
    match &e.kind {
        ExprKind::Lit(v) => *v == Value::Null,
        ExprKind::Col(c) => col(c),
        ExprKind::Builtin(_) => false,
        ExprKind::Unary(_, x) => n(x),
        ExprKind::Binary(op, a, b) => {
            let zero_div = matches!(op, BinOp::Div | BinOp::Rem)
                && !matches!(&b.kind, ExprKind::Lit(v) if v.display() != "0" && *v != Value::Null);
            zero_div || n(a) || n(b)
        }
        ExprKind::Call(f, args) => match f {
            Func::Coalesce => args.iter().all(n),
            Func::Concat | Func::Random => false,
            Func::If => args.iter().skip(1).any(n),
            Func::Ln | Func::Sqrt => true,
            _ => args.iter().any(n),
        },
        ExprKind::Case { whens, otherwise } => {
            otherwise.as_ref().is_none_or(|o| n(o)) || whens.iter().any(|(_, v)| n(v))
        }
        ExprKind::IsNull { .. } => false,
        ExprKind::In { expr, list, .. } => n(expr) || list.iter().any(n),
    }
}
impl Resolver<'_> {
    /// Marks derived attributes nullable when their source can be null: expressions over
    /// nullable columns or hops that may reach no row, and times relative to a nullable
    /// anchor. Iterates to a fixpoint because attributes derive from one another.
    pub(super) fn nullability(&mut self) {
        loop {
            let mut changed = false;
            for eid in 0..self.entities.len() {
                for aid in 0..self.entities[eid].attributes.len() {
                    let a = &self.entities[eid].attributes[aid];
                    if a.nullable {
                        continue;
                    }
                    let null = match &a.generator {
                        Generator::Expr(x) => expr_nullable(&self.entities, eid, x),
                        Generator::Relative { anchor, .. } => {
                            col_nullable(&self.entities, eid, anchor)
                        }
                        Generator::Window { lo, hi, .. } => lo
                            .exprs()
                            .chain(hi.exprs())
                            .any(|x| expr_nullable(&self.entities, eid, x)),
                        _ => false,
                    };
                    if null {
                        self.entities[eid].attributes[aid].nullable = true;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
    }
}

/// Why attribute `a` of entity `e` can be null, for messages: its own `nulls` or `when`, or the
/// nullable input its value comes from (named).
pub(in crate::resolve) fn nullable_reason(entities: &[Entity], e: EntityId, a: AttrId) -> String {
    let attr = &entities[e].attributes[a];
    if entities[e]
        .time
        .as_ref()
        .is_some_and(|t| t.events.contains(&a))
    {
        return "it is an event of the entity's `time`, unknown before it happens".into();
    }
    if attr.null_rate > 0.0 {
        return format!("it has `nulls: {}`", attr.null_rate);
    }
    if attr.when.is_some() {
        return "it has a `when` condition, null where it is false".into();
    }
    let col = |c: &ColRef| {
        let t = &entities[c.entity].attributes[c.attr];
        if t.nullable {
            format!("`{}`, which can be null", t.name)
        } else {
            format!("`{}` through a reference that can reach no row", t.name)
        }
    };
    let first_nullable = |xs: &mut dyn Iterator<Item = &Expr>| {
        let mut cols = Vec::new();
        for x in xs {
            x.columns(&mut cols);
        }
        cols.into_iter()
            .find(|c| col_nullable(entities, e, c))
            .map(|c| col(&c))
    };
    match &attr.generator {
        Generator::Relative { anchor, .. } => format!("its anchor is {}", col(anchor)),
        Generator::Expr(x) => first_nullable(&mut std::iter::once(x)).map_or_else(
            || {
                "its expression can be null (a division, `ln`, `sqrt`, or a `case` without `else`)"
                    .into()
            },
            |c| format!("its expression reads {c}"),
        ),
        Generator::Window { lo, hi, .. } => first_nullable(&mut lo.exprs().chain(hi.exprs()))
            .map_or_else(
                || "a bound of its range can be null".into(),
                |c| format!("a bound of its range reads {c}"),
            ),
        Generator::Ref { .. } => "its reference is optional".into(),
        _ => "its generator can give null".into(),
    }
}
