//! Uniqueness: a unique attribute (or a single-column primary key) must be unique by
//! construction (keys, row-based expressions, one-to-one references) or have enough distinct
//! values for the entity's expected rows.

use crate::codes;
use crate::diagnostics::Span;
use crate::ir::expr::Builtin;
use crate::ir::rows;
use crate::ir::*;
use crate::resolve::Resolver;
use crate::spec::ast::GeneratorSpec;

/// The rows a uniqueness check counts with.
#[derive(Clone, Copy)]
enum Counted {
    /// Rows that scale: the expected count at scale 1 (the plan checks the run's scale).
    Expected(f64),
    /// Rows that do not scale, at most this many whatever the draws.
    AtMost(u64),
    /// Rows that do not scale, drawn without a bound; the expected count at scale 1.
    Unbounded(f64),
}

impl Resolver<'_> {
    /// Uniqueness feasibility and partitioning.
    pub(in crate::resolve) fn constraints(&mut self) {
        let expected = rows::expected(&self.entities, 1.0);
        let scales = rows::scales(&self.entities);
        let most = rows::most(&self.entities);
        for (eid, &rows) in expected.iter().enumerate() {
            // Rows that scale are checked here at scale 1 and by the plan at the run's scale;
            // rows that do not scale are the same at every scale, so they are checked here
            // against the most the draws can give, and the plan never finds more.
            let rows = match (scales[eid], most[eid]) {
                (true, _) => Counted::Expected(rows),
                (false, Some(m)) => Counted::AtMost(m),
                (false, None) => Counted::Unbounded(rows),
            };
            for aid in 0..self.entities[eid].attributes.len() {
                self.unique_attribute(eid, aid, rows);
            }
            self.partition(eid);
        }
    }

    /// Checks one attribute that must be unique against the entity's rows.
    fn unique_attribute(&mut self, eid: EntityId, aid: AttrId, rows: Counted) {
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
        // Unique by its own `unique: true`, as the one-column primary key, or by a one-column
        // list in the entity's `unique`.
        let why = if self.attr_ast(eid, aid).unique.is_some() {
            ""
        } else if is_key {
            " (it is the primary key)"
        } else {
            " (it is listed in the entity's `unique`)"
        };
        let values = format!(
            "only {cap} distinct value{}",
            if cap == 1.0 { "" } else { "s" }
        );
        let (msg, help) = match rows {
            Counted::Expected(r) | Counted::Unbounded(r) if cap < r.ceil() => (
                format!(
                    "`{name}` must be unique{why}, but its generator has {values} for about {} rows",
                    r.round()
                ),
                "widen the value range, lower the row count, or drop `unique`",
            ),
            Counted::AtMost(m) if cap < m as f64 => (
                format!(
                    "`{name}` must be unique{why}, but its generator has {values} and the entity's rows, which do not scale, can number {m}"
                ),
                "widen the value range, lower the children per parent (e.g. `max` on the count), or drop `unique`",
            ),
            Counted::Unbounded(_) => (
                format!(
                    "`{name}` must be unique{why}, but its generator has {values} and the entity's rows, which do not scale, are drawn per parent without a bound"
                ),
                "cap the children per parent with `max` on the count (then the rows can be counted), widen the value range, or drop `unique`",
            ),
            _ => return,
        };
        self.err(codes::INFEASIBLE_UNIQUE, span, msg, Some(help.into()));
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
                let uses_row = e.uses_builtin(Builtin::Row);
                let mut cols = Vec::new();
                e.columns(&mut cols);
                let uses_unique = cols.iter().any(|c| {
                    c.hops.is_empty() && c.attr != aid && {
                        let x = &self.entities[eid].attributes[c.attr];
                        x.unique || self.entities[eid].primary_key == [c.attr]
                    }
                });
                if !(uses_row || uses_unique) {
                    self.err(
                        codes::UNIQUE_NOT_CONSTRUCTIBLE,
                        span,
                        format!("`{name}` must be unique, but its expression uses neither `row` nor a unique attribute"),
                        Some("include `row` (the row number) or a unique attribute in the expression, e.g. `… || row || '@example.com'`".into()),
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
            | Generator::Window { .. }
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
