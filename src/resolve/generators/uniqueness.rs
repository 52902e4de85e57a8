//! Uniqueness: a unique attribute (or a single-column primary key) must be unique by
//! construction (keys, row-based expressions, one-to-one references) or have enough distinct
//! values for the entity's expected rows.

use super::injective;
use crate::codes;
use crate::diagnostics::Span;
use crate::ir::expr::ColRef;
use crate::ir::*;
use crate::resolve::Resolver;
use crate::spec::ast::GeneratorSpec;

impl Resolver<'_> {
    /// Uniqueness feasibility and partitioning.
    pub(in crate::resolve) fn constraints(&mut self) {
        let expected = crate::ir::rows::expected(&self.entities, 1.0);
        for (eid, &rows) in expected.iter().enumerate() {
            for aid in 0..self.entities[eid].attributes.len() {
                self.unique_attribute(eid, aid, rows);
                self.sequence_range(eid, aid);
            }
            self.partition(eid);
        }
    }

    /// A key sequence of an entity whose row count does not scale (`fixed`, or a union of
    /// `fixed` members) must stay inside its integer type: the plan would refuse it at every
    /// scale, so `check` refuses it already (with the plan's reasoning).
    fn sequence_range(&mut self, eid: EntityId, aid: AttrId) {
        let ent = &self.entities[eid];
        let attr = &ent.attributes[aid];
        let Generator::Sequence { start, step } = attr.generator else {
            return;
        };
        let fixed = |r: &Rows| match r {
            Rows::Fixed(n) => Some(*n),
            _ => None,
        };
        let rows = match &ent.rows {
            Rows::Union(members) => members.iter().map(fixed).sum::<Option<u64>>(),
            r => fixed(r),
        };
        let Some(rows) = rows.filter(|&n| n > 0) else {
            return;
        };
        let (lo, hi) = attr.ty.int_range();
        let last = i128::from(start) + i128::from(rows - 1) * i128::from(step);
        let (min, max) = (i128::from(start).min(last), i128::from(start).max(last));
        if min >= i128::from(lo) && max <= i128::from(hi) {
            return;
        }
        let (name, ty, span) = (attr.name.clone(), attr.ty, attr.span);
        let help = if ty == Type::Int64 {
            "lower the row count, or use a string key (`key: { format: \"K-{row:012}\" }`)"
                .to_string()
        } else {
            "use a wider integer type (e.g. int64), start the sequence lower, or lower the row count".to_string()
        };
        self.err(
            codes::INFEASIBLE_UNIQUE,
            span,
            format!(
                "`{name}` is a key sequence that reaches {} over its {rows} fixed rows, outside {ty}'s range {lo}..={hi}",
                if max > i128::from(hi) { max } else { min },
            ),
            Some(help),
        );
    }

    /// Checks one attribute that must be unique against `rows` expected rows.
    fn unique_attribute(&mut self, eid: EntityId, aid: AttrId, rows: f64) {
        let is_key = self.entities[eid].primary_key == [aid];
        let attr = &self.entities[eid].attributes[aid];
        if !(attr.unique || is_key) {
            return;
        }
        let span = self
            .attr_ast(eid, aid)
            .unique
            .as_ref()
            .map_or(attr.span, |u| u.span);
        let name = attr.name.clone();
        let Some(cap) = self.capacity(eid, aid, is_key, span) else {
            return;
        };
        if cap < rows.ceil() {
            self.err(
                codes::INFEASIBLE_UNIQUE,
                span,
                format!(
                    "`{name}` must be unique{}, but its generator has only {cap} distinct value{} for about {} rows",
                    if self.attr_ast(eid, aid).unique.is_none() { " (it is the primary key)" } else { "" },
                    if cap == 1.0 { "" } else { "s" },
                    rows.round()
                ),
                Some("widen the value range, lower the row count, or drop `unique`".into()),
            );
        }
    }

    /// How many distinct values the attribute's generator can give; `None` when values are
    /// unique by construction, or cannot be (reported here), or the generator failed.
    fn capacity(&mut self, eid: EntityId, aid: AttrId, is_key: bool, span: Span) -> Option<f64> {
        let attr = &self.entities[eid].attributes[aid];
        let name = attr.name.clone();
        match &attr.generator {
            Generator::Sequence { .. } | Generator::Format(_) => None,
            // Without `const` in the spec this is the placeholder of a generator
            // that failed (already reported): nothing to check.
            Generator::Const(_)
                if !matches!(
                    self.attr_ast(eid, aid).generator,
                    Some(GeneratorSpec::Const(_))
                ) =>
            {
                None
            }
            Generator::Const(_) => Some(1.0),
            Generator::Choice { values, .. } | Generator::Cycle(values) => {
                Some(values.len() as f64)
            }
            Generator::Dist {
                dist: Dist::Uniform(lo, hi),
                ..
            } if attr.ty.is_integer() => Some((hi.floor() - lo.ceil() + 1.0).max(0.0)),
            Generator::Between { lo, hi, .. } => Some((hi - lo + 1) as f64),
            Generator::Dist {
                dist: Dist::Bernoulli { .. },
                ..
            } => Some(2.0),
            Generator::Expr(e) => {
                let ents = &self.entities;
                let unique = |c: &ColRef| {
                    let x = &ents[eid].attributes[c.attr];
                    c.attr != aid && !x.nullable && (x.unique || ents[eid].primary_key == [c.attr])
                };
                if !injective::injective(e, &unique) {
                    self.err(
                        codes::UNIQUE_NOT_CONSTRUCTIBLE,
                        span,
                        format!("`{name}` must be unique, but its expression is not injective in `row` or a unique attribute, so it can repeat values"),
                        Some("unique expressions are `row`, `row + c`, `row * c` (c ≠ 0), `to_string(row)`, `lpad(to_string(row), 20, '0')`, or text around them such as `'user' || row || '@example.com'` (see `unique` in docs/spec-reference.md)".into()),
                    );
                }
                None
            }
            Generator::Ref { fk, .. } => {
                let fkd = &self.entities[eid].foreign_keys[*fk];
                let one_per_parent = matches!(&self.entities[eid].rows, Rows::PerParent { count, .. } if count.upper_bound().is_some_and(|b| b <= 1));
                if !(fkd.pick == Pick::Parent && one_per_parent)
                    && fkd.columns.len() == 1
                    && !is_key
                {
                    self.err(
                        codes::UNIQUE_NOT_CONSTRUCTIBLE,
                        span,
                        format!("`{name}` must be unique, but picked references can repeat"),
                        Some("generate the entity `per` the referenced entity with `count: 1` for a one-to-one link".into()),
                    );
                }
                None
            }
            Generator::ChildIndex if !is_key => {
                self.err(
                    codes::UNIQUE_NOT_CONSTRUCTIBLE,
                    span,
                    format!("`{name}` is a child index, unique only within one parent"),
                    Some("make the key composite: `primary_key: [parent_id, line_no]`".into()),
                );
                None
            }
            Generator::Fake { .. }
            | Generator::Relative { .. }
            | Generator::Rollup { .. }
            | Generator::Dist { .. }
            | Generator::ChildIndex => {
                if !(is_key && matches!(attr.generator, Generator::ChildIndex)) {
                    self.err(
                        codes::UNIQUE_NOT_CONSTRUCTIBLE,
                        span,
                        format!("`{name}` must be unique, but its generator can repeat values"),
                        Some("unique values come from `key` (sequence or format), a uniform integer range, `between`, `choice`/`cycle` with enough values, or an expression using `row`".into()),
                    );
                }
                None
            }
        }
    }
}
