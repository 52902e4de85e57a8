//! An entity's life in time (`time`): the attribute a row is created at (a date or
//! timestamp of the entity, never null) and the dates known at creation; every other date and
//! timestamp of the entity is an event.

use crate::codes;
use crate::ir::*;
use crate::resolve::Resolver;

impl Resolver<'_> {
    /// Checks entity `eid`'s `time` and records it; `full` is every attribute's nullability
    /// in the full lake.
    pub(super) fn timeline(&mut self, eid: EntityId, full: &[Vec<bool>]) {
        let Some(t) = &self.asts[eid].time else {
            return;
        };
        let created_name = &t.value.created;
        let Some(created) = self.entities[eid].attr(&created_name.value) else {
            self.unknown_attr(eid, &created_name.value.clone(), created_name.span);
            return;
        };
        let ca = &self.entities[eid].attributes[created];
        if !ca.ty.is_temporal() || ca.nullable {
            let why = if ca.nullable {
                format!(
                    " and nullable ({})",
                    super::nullability::nullable_reason(&self.entities, eid, created)
                )
            } else {
                String::new()
            };
            let msg = format!("rows are created at `{}`, which is {}{why}", ca.name, ca.ty);
            self.err(
                codes::BAD_TIME,
                created_name.span,
                msg,
                Some(
                    "name a non-null date or timestamp attribute, e.g. `created: ordered_at`"
                        .into(),
                ),
            );
            return;
        }
        let mut known = vec![created];
        for k in &t.value.known {
            let Some(a) = self.entities[eid].attr(&k.value) else {
                self.unknown_attr(eid, &k.value.clone(), k.span);
                return;
            };
            let ka = &self.entities[eid].attributes[a];
            if !ka.ty.is_temporal() || a == created {
                let msg = if a == created {
                    format!(
                        "`{}` is the creation date; it is known by definition",
                        ka.name
                    )
                } else {
                    format!(
                        "`{}` is {}: `known` lists dates and timestamps",
                        ka.name, ka.ty
                    )
                };
                self.err(
                    codes::BAD_TIME,
                    k.span,
                    msg,
                    Some("list dates and timestamps known when the row is created, e.g. `known: [due_date]`".into()),
                );
                return;
            }
            known.push(a);
        }
        let events: Vec<AttrId> = (0..self.entities[eid].attributes.len())
            .filter(|a| !known.contains(a) && self.entities[eid].attributes[*a].ty.is_temporal())
            .collect();
        // As of a date before it, an event is unknown: the column holds nulls.
        for &a in &events {
            self.entities[eid].attributes[a].nullable = true;
        }
        self.entities[eid].time = Some(EntityTime { created, events });
        self.view_nullability(eid, full);
    }

    /// Expressions of entity `eid` evaluated again in the as-of view over the row's own
    /// values: nullable when they can be null given the row's columns as they are there (an
    /// event, or another such expression, can be null) and other rows' values as in the full
    /// lake (`full`: each attribute's nullability before `time` was applied).
    fn view_nullability(&mut self, eid: EntityId, full: &[Vec<bool>]) {
        loop {
            let mut changed = false;
            for aid in 0..self.entities[eid].attributes.len() {
                let ents = &self.entities;
                let a = &ents[eid].attributes[aid];
                let Generator::Expr(x) = &a.generator else {
                    continue;
                };
                let col = |c: &ColRef| {
                    super::nullability::hops_may_miss(ents, eid, c)
                        || if c.hops.is_empty() {
                            ents[eid].attributes[c.attr].nullable
                        } else {
                            full[c.entity][c.attr]
                        }
                };
                if a.nullable || !super::nullability::expr_nullable_by(x, &col) {
                    continue;
                }
                self.entities[eid].attributes[aid].nullable = true;
                changed = true;
            }
            if !changed {
                break;
            }
        }
    }
}
