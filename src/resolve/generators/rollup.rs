//! The `rollup` generator: an aggregate (`sum`, `count`, `min`, `max`) over the rows of a
//! child entity, one generated `per` this one.

use super::At;
use crate::codes;
use crate::diagnostics::did_you_mean;
use crate::ir::*;
use crate::resolve::Resolver;
use crate::spec::ast::{self, Sp};

impl Resolver<'_> {
    /// `rollup`: the child entity and attribute, and a result type the attribute accepts.
    pub(super) fn rollup_generator(
        &mut self,
        at: &At,
        r: &Sp<ast::RollupSpec>,
    ) -> Option<Generator> {
        let (agg, target) = match &r.value {
            ast::RollupSpec::Sum(t) => (Agg::Sum, t),
            ast::RollupSpec::Count(t) => (Agg::Count, t),
            ast::RollupSpec::Min(t) => (Agg::Min, t),
            ast::RollupSpec::Max(t) => (Agg::Max, t),
        };
        let (child_name, attr_name) = match (agg, target.rsplit_once('.')) {
            (Agg::Count, None) => (target.as_str(), None),
            (Agg::Count, Some(_)) if self.entities.iter().any(|e| e.qualified == *target) => {
                (target.as_str(), None)
            }
            (_, Some((c, a))) => (c, Some(a)),
            (_, None) => {
                return self.refuse(
                    codes::BAD_ROLLUP,
                    r.span,
                    format!("`{}` needs `child_entity.attribute`", agg.as_str()),
                    Some(format!(
                        "e.g. `rollup: {{{}: order_items.line_total}}`",
                        agg.as_str()
                    )),
                );
            }
        };
        let child = self.rollup_child(at.eid, child_name, r)?;
        let attr = match attr_name {
            None => None,
            Some(an) => match self.entities[child].attr(an) {
                Some(x) => Some(x),
                None => {
                    self.unknown_attr(child, an, r.span);
                    return None;
                }
            },
        };
        let src_ty = attr.map(|x| self.entities[child].attributes[x].ty);
        let result_ty = self.rollup_type(agg, src_ty, r)?;
        if !at.ty.accepts(result_ty) {
            return self.refuse(
                codes::NOT_ASSIGNABLE,
                r.span,
                format!("rollup gives {result_ty}, but `{}` is {}", at.name, at.ty),
                None,
            );
        }
        if matches!(agg, Agg::Min | Agg::Max) {
            self.entities[at.eid].attributes[at.aid].nullable = true; // no children → null
        }
        Some(Generator::Rollup { agg, child, attr })
    }

    /// The child entity a rollup reads: one generated `per` entity `eid`, by name.
    fn rollup_child(
        &mut self,
        eid: EntityId,
        child_name: &str,
        r: &Sp<ast::RollupSpec>,
    ) -> Option<EntityId> {
        let children = self
            .entities
            .iter()
            .filter(|e| e.parent() == Some(eid))
            .map(|e| e.id)
            .collect::<Vec<_>>();
        let child = children.iter().copied().find(|&c| {
            self.entities[c].name == child_name || self.entities[c].qualified == child_name
        });
        if child.is_some() {
            return child;
        }
        let help = did_you_mean(
            child_name,
            children.iter().map(|&c| self.entities[c].name.as_str()),
        )
        .unwrap_or_else(|| {
            if children.is_empty() {
                format!("no entity is generated `per: {}`", self.entities[eid].name)
            } else {
                "rollups read entities generated `per` this one".into()
            }
        });
        let msg = format!(
            "`{child_name}` is not a child entity of `{}`",
            self.entities[eid].qualified
        );
        self.refuse(codes::BAD_ROLLUP, r.span, msg, Some(help))
    }

    /// The type an aggregate gives over values of `src` (`None` for a row count).
    fn rollup_type(
        &mut self,
        agg: Agg,
        src: Option<Type>,
        r: &Sp<ast::RollupSpec>,
    ) -> Option<Type> {
        match (agg, src) {
            (Agg::Count, _) | (_, None) => Some(Type::Int64),
            (Agg::Sum, Some(t)) if t.is_numeric() => Some(t),
            (Agg::Sum, Some(t)) => self.refuse(
                codes::GENERATOR_TYPE,
                r.span,
                format!("cannot sum {t} values"),
                Some("sum a numeric attribute".into()),
            ),
            (_, Some(t)) if t.is_numeric() || t.is_temporal() || t.is_string() => Some(t),
            (_, Some(t)) => self.refuse(
                codes::GENERATOR_TYPE,
                r.span,
                format!("cannot take the {} of {t} values", agg.as_str()),
                None,
            ),
        }
    }
}
