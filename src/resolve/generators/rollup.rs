//! The `rollup` generator: an aggregate (`sum`, `count`, `min`, `max`) over the rows of
//! another entity that belong to this row: the children of an entity generated `per` this one,
//! or the rows of an entity that reference this one (through its only reference here, or the
//! one `via` names).

use super::At;
use crate::codes;
use crate::diagnostics::did_you_mean;
use crate::ir::*;
use crate::resolve::Resolver;
use crate::spec::ast::{self, Sp};

impl Resolver<'_> {
    /// `rollup`: the child entity, the reference it follows (none for `per` children), the
    /// attribute, and a result type the attribute accepts.
    pub(super) fn rollup_generator(
        &mut self,
        at: &At,
        r: &Sp<ast::RollupSpec>,
    ) -> Option<Generator> {
        let (agg, target) = match &r.value.agg {
            ast::RollupAgg::Sum(t) => (Agg::Sum, t),
            ast::RollupAgg::Count(t) => (Agg::Count, t),
            ast::RollupAgg::Min(t) => (Agg::Min, t),
            ast::RollupAgg::Max(t) => (Agg::Max, t),
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
        let (child, via) = self.rollup_child(at.eid, child_name, r)?;
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
        Some(Generator::Rollup {
            agg,
            child,
            attr,
            via,
        })
    }

    /// The entity a rollup reads and how its rows belong to a row of `eid`: generated `per`
    /// it (no reference), or through the reference `via` names, or through the entity's only
    /// reference to `eid`.
    fn rollup_child(
        &mut self,
        eid: EntityId,
        child_name: &str,
        r: &Sp<ast::RollupSpec>,
    ) -> Option<(EntityId, Option<FkId>)> {
        let child = self.rollup_entity(eid, child_name, r)?;
        let inbound: Vec<FkId> = (self.entities[child].foreign_keys.iter().enumerate())
            .filter(|(_, fk)| fk.target == eid)
            .map(|(k, _)| k)
            .collect();
        let ref_names = |s: &Self| -> Vec<String> {
            let c = &s.entities[child];
            (inbound.iter())
                .map(|&k| format!("`{}`", c.attributes[c.foreign_keys[k].columns[0]].name))
                .collect()
        };
        if let Some(via) = &r.value.via {
            let c = &self.entities[child];
            let found = c.attr(&via.value).and_then(|a| {
                (inbound.iter().copied()).find(|&k| c.foreign_keys[k].columns.contains(&a))
            });
            if found.is_some() {
                return Some((child, found));
            }
            let names = ref_names(self);
            let help = if names.is_empty() {
                format!(
                    "`{}` has no reference to `{}`",
                    c.qualified, self.entities[eid].qualified
                )
            } else {
                format!("its references to this entity: {}", names.join(", "))
            };
            let msg = format!(
                "`via: {}` is not a reference of `{}` to `{}`",
                via.value, c.qualified, self.entities[eid].qualified
            );
            return self.refuse(codes::BAD_ROLLUP, via.span, msg, Some(help));
        }
        if self.entities[child].parent() == Some(eid) {
            return Some((child, None));
        }
        match inbound.as_slice() {
            [k] => Some((child, Some(*k))),
            [] => {
                let msg = format!(
                    "`{}` is neither generated `per` `{}` nor references it",
                    self.entities[child].qualified, self.entities[eid].qualified
                );
                let help = "a rollup reads the rows of an entity generated `per` this one, or of one with a `ref` to it".to_string();
                self.refuse(codes::BAD_ROLLUP, r.span, msg, Some(help))
            }
            _ => {
                let msg = format!(
                    "`{}` references `{}` through {}: the rollup needs `via`",
                    self.entities[child].qualified,
                    self.entities[eid].qualified,
                    ref_names(self).join(" and ")
                );
                let help = format!("e.g. `via: {}`", ref_names(self)[0].trim_matches('`'));
                self.refuse(codes::BAD_ROLLUP, r.span, msg, Some(help))
            }
        }
    }

    /// The entity a rollup names: a child generated `per` `eid` by its name, else any entity
    /// by `name` (this domain) or `domain.name`.
    fn rollup_entity(
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
        let domain = self.entities[eid].domain;
        let qualified = if child_name.contains('.') {
            child_name.to_string()
        } else {
            format!("{}.{child_name}", self.domains[domain].name)
        };
        if let Some(&id) = self.by_name.get(&qualified) {
            return Some(id);
        }
        let referencing: Vec<EntityId> = (self.entities.iter())
            .filter(|e| e.foreign_keys.iter().any(|fk| fk.target == eid))
            .map(|e| e.id)
            .collect();
        let names = (children.iter().chain(&referencing)).map(|&c| self.entities[c].name.as_str());
        let help = did_you_mean(child_name, names).unwrap_or_else(|| {
            if children.is_empty() && referencing.is_empty() {
                format!(
                    "no entity is generated `per: {}` or references it",
                    self.entities[eid].name
                )
            } else {
                "rollups read entities generated `per` this one or referencing it".into()
            }
        });
        let msg = format!(
            "`{child_name}` is not an entity that belongs to `{}`",
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
