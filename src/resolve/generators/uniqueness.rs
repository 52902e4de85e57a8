//! Uniqueness: a unique attribute (or a single-column primary key) must be unique by
//! construction (keys, row-based expressions, one-to-one references) or have enough distinct
//! values for the entity's expected rows. A unique constraint over several attributes (or a
//! composite primary key) must be unique by construction (one of its attributes is; or it
//! holds the `per` parent's reference and an attribute distinct within one parent), or be
//! generated jointly over finite domains with enough combinations (`ir::Joint`).

use super::injective;
use crate::codes;
use crate::diagnostics::{Diagnostic, Span};
use crate::ir::expr::{Builtin, ColRef};
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
                self.sequence_range(eid, aid);
            }
            let most_rows = match rows {
                Counted::Expected(r) | Counted::Unbounded(r) => r,
                Counted::AtMost(m) => m as f64,
            };
            self.unique_groups(eid, most_rows);
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

    /// Checks every multi-column unique constraint and composite key of entity `eid`, and
    /// records the ones generated jointly.
    fn unique_groups(&mut self, eid: EntityId, rows: f64) {
        let ast = self.asts[eid];
        let ent = &self.entities[eid];
        let mut groups: Vec<(Vec<AttrId>, Span, bool)> = Vec::new();
        let pk = ast.primary_key.iter().map(|p| (p, true));
        for (list, is_key) in pk.chain(ast.unique.iter().map(|u| (u, false))) {
            let ids: Option<Vec<AttrId>> = list.value.iter().map(|n| ent.attr(&n.value)).collect();
            let Some(mut ids) = ids else { continue };
            ids.sort_unstable();
            ids.dedup();
            if ids.len() != list.value.len() || ids.len() < 2 {
                continue;
            }
            if !groups.iter().any(|g| g.0 == ids) {
                groups.push((ids, list.span, is_key));
            }
        }
        for (ids, span, is_key) in groups {
            self.unique_group(eid, &ids, span, is_key, rows);
        }
    }

    /// One multi-column constraint: unique by construction, generated jointly, or an error.
    fn unique_group(&mut self, eid: EntityId, ids: &[AttrId], span: Span, is_key: bool, rows: f64) {
        if self.group_by_construction(eid, ids) {
            return;
        }
        let ent = &self.entities[eid];
        let names: Vec<String> = ids
            .iter()
            .map(|&a| ent.attributes[a].name.clone())
            .collect();
        let what = if is_key {
            "the composite key"
        } else {
            "the unique constraint"
        };
        let domains: Option<Vec<FiniteDomain>> = ids
            .iter()
            .map(|&a| finite_domain(&ent.attributes[a]))
            .collect();
        let Some(domains) = domains else {
            let open: Vec<&str> = ids
                .iter()
                .filter(|&&a| finite_domain(&ent.attributes[a]).is_none())
                .map(|&a| ent.attributes[a].name.as_str())
                .collect();
            self.err(
                codes::UNIQUE_NOT_CONSTRUCTIBLE,
                span,
                format!(
                    "{what} ({}) cannot be guaranteed: no attribute of it is unique by construction, and `{}` {} no finite set of values to combine",
                    names.join(", "),
                    open.join("`, `"),
                    if open.len() == 1 { "has" } else { "have" },
                ),
                Some("include a unique attribute, or the `per` parent's reference with a `child_index` key or a `distinct` pick; or give every attribute a finite domain (choice, cycle, bool, integer uniform range, between) so the combinations are generated jointly".into()),
            );
            return;
        };
        if let Some(other) = ids.iter().find(|&&a| ent.joint_of(a).is_some()) {
            let msg = format!(
                "`{}` is already generated jointly for another unique constraint",
                ent.attributes[*other].name
            );
            self.err(
                codes::UNIQUE_NOT_CONSTRUCTIBLE,
                span,
                msg,
                Some("an attribute can take part in one jointly generated constraint only".into()),
            );
            return;
        }
        let joint = Joint {
            attrs: ids.to_vec(),
            domains,
            span,
        };
        let cap = joint.combinations();
        if (cap as f64) < rows.ceil() {
            self.err(
                codes::INFEASIBLE_UNIQUE,
                span,
                format!(
                    "{what} ({}) has only {cap} combination{} for about {} rows",
                    names.join(", "),
                    if cap == 1 { "" } else { "s" },
                    rows.round()
                ),
                Some("add values to the attributes' domains, add an attribute to the constraint, or lower the row count".into()),
            );
            return;
        }
        let ent = &self.entities[eid];
        let lost: Vec<&str> = ids
            .iter()
            .filter(|&&a| shaped(&ent.attributes[a].generator))
            .map(|&a| ent.attributes[a].name.as_str())
            .collect();
        if !lost.is_empty() {
            let msg = format!(
                "the weights or order of `{}` do not apply: ({}) is generated jointly, uniform over its {cap} combinations",
                lost.join("`, `"),
                names.join(", ")
            );
            self.diags.push(
                Diagnostic::warning(codes::JOINT_UNIFORM, Some(span), msg).with_help(
                    "drop the weights (or the `cycle`), or add an attribute unique by construction to the constraint if the frequencies matter",
                ),
            );
        }
        self.entities[eid].joint.push(joint);
    }

    /// Whether the attributes `ids` are unique together by construction: one of them is
    /// unique by itself, or they hold the `per` parent's reference and an attribute that is
    /// distinct among the children of one parent (`child_index`, a `distinct` pick, an
    /// expression of `child_index`), or at most one row is generated per parent.
    fn group_by_construction(&self, eid: EntityId, ids: &[AttrId]) -> bool {
        let ent = &self.entities[eid];
        let alone = |a: AttrId| {
            let x = &ent.attributes[a];
            x.unique
                || ent.primary_key == [a]
                || matches!(
                    x.generator,
                    Generator::Sequence { .. } | Generator::Format(_)
                )
                || matches!(&x.generator, Generator::Expr(e) if injective::injective(e, &|_: &ColRef| false))
        };
        if ids.iter().any(|&a| alone(a)) {
            return true;
        }
        let Rows::PerParent { parent, count, .. } = &ent.rows else {
            return false;
        };
        let has_parent = ent.foreign_keys.iter().any(|f| {
            f.pick == Pick::Parent
                && f.target == *parent
                && f.columns.iter().all(|c| ids.contains(c))
        });
        if !has_parent {
            return false;
        }
        let within = |a: AttrId| match &ent.attributes[a].generator {
            Generator::ChildIndex => true,
            Generator::Expr(e) => {
                let mut cols = Vec::new();
                e.columns(&mut cols);
                e.uses_builtin(Builtin::ChildIndex)
                    || cols.iter().any(|c| {
                        c.hops.is_empty()
                            && matches!(ent.attributes[c.attr].generator, Generator::ChildIndex)
                    })
            }
            Generator::Ref { fk, .. } => {
                let f = &ent.foreign_keys[*fk];
                f.pick == Pick::Distinct && f.columns.iter().all(|c| ids.contains(c))
            }
            _ => false,
        };
        count.upper_bound().is_some_and(|b| b <= 1) || ids.iter().any(|&a| within(a))
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

/// The finite set of values an attribute's generator gives, when it has one that joint
/// generation can enumerate (the values it takes are then chosen by the joint permutation).
fn finite_domain(attr: &Attribute) -> Option<FiniteDomain> {
    match &attr.generator {
        Generator::Const(v) => Some(FiniteDomain::Values(vec![v.clone()])),
        Generator::Choice { values, .. } => Some(FiniteDomain::Values(values.clone())),
        Generator::Cycle(values) => {
            let mut seen = std::collections::HashSet::new();
            let distinct = values
                .iter()
                .filter(|v| seen.insert(format!("{v:?}")))
                .cloned()
                .collect();
            Some(FiniteDomain::Values(distinct))
        }
        Generator::Dist {
            dist: Dist::Bernoulli { .. },
            ..
        } => Some(FiniteDomain::Values(vec![
            Value::Bool(false),
            Value::Bool(true),
        ])),
        Generator::Dist {
            dist: Dist::Uniform(lo, hi),
            ..
        } if attr.ty.is_integer() => {
            let (lo, hi) = (lo.ceil(), hi.floor());
            (hi >= lo && lo >= i64::MIN as f64 && hi <= i64::MAX as f64).then_some(
                FiniteDomain::Range {
                    lo: lo as i64,
                    size: (hi - lo + 1.0) as u64,
                },
            )
        }
        Generator::Between { lo, hi, .. } if hi >= lo => Some(FiniteDomain::Range {
            lo: *lo,
            size: u64::try_from(i128::from(*hi) - i128::from(*lo) + 1).unwrap_or(u64::MAX),
        }),
        _ => None,
    }
}

/// Whether a generator shapes its values' frequencies or order in a way joint generation does
/// not keep: unequal choice weights, a bool probability other than 1/2, a cycle.
fn shaped(g: &Generator) -> bool {
    match g {
        Generator::Choice { weights, .. } => weights.windows(2).any(|w| w[0] != w[1]),
        Generator::Dist {
            dist: Dist::Bernoulli { p },
            ..
        } => *p != 0.5,
        Generator::Cycle(_) => true,
        _ => false,
    }
}
