//! An entity's life in time (`time`): the attribute a row is created at (a date or
//! timestamp of the entity, never null) and the dates known at creation; every other date and
//! timestamp of the entity is an event.

use crate::codes;
use crate::ir::*;
use crate::resolve::Resolver;

impl Resolver<'_> {
    /// Checks entity `eid`'s `time` and records it (its events become nullable).
    pub(super) fn timeline(&mut self, eid: EntityId) {
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
        // An event is null as of an earlier date, so it cannot identify a row.
        let ent = &self.entities[eid];
        let keyed = |a: AttrId| {
            if ent.primary_key.contains(&a) {
                Some("part of the primary key")
            } else if ent.unique.iter().any(|u| u.contains(&a)) {
                Some("part of a `unique` constraint")
            } else if (self.entities.iter()).any(|o| {
                o.foreign_keys
                    .iter()
                    .any(|f| f.target == eid && f.target_columns.contains(&a))
            }) {
                Some("referenced by a foreign key")
            } else {
                None
            }
        };
        if let Some((a, why)) = events.iter().find_map(|&a| keyed(a).map(|w| (a, w))) {
            let msg = format!(
                "`{}` is an event of `time` (unknown before it happens) but is {why}",
                ent.attributes[a].name
            );
            return self.err(
                codes::BAD_TIME,
                t.span,
                msg,
                Some("list it in `known`, or key the rows by other attributes".into()),
            );
        }
        // As of a date before it, an event is unknown: the column holds nulls.
        for &a in &events {
            self.entities[eid].attributes[a].nullable = true;
        }
        self.entities[eid].time = Some(EntityTime { created, events });
    }

    /// As of a date, a reference to a row not created yet is null: references to entities
    /// whose rows depend on time are nullable, except to the row's own ancestors (which exist
    /// whenever the row does).
    pub(super) fn timed_references(&mut self) {
        for eid in 0..self.entities.len() {
            for k in 0..self.entities[eid].foreign_keys.len() {
                let fk = &self.entities[eid].foreign_keys[k];
                if matches!(fk.pick, Pick::Parent | Pick::Path(_))
                    || !crate::ir::timed(&self.entities, fk.target)
                {
                    continue;
                }
                for c in fk.columns.clone() {
                    self.entities[eid].attributes[c].nullable = true;
                }
            }
        }
    }

    /// Expressions of entity `eid` evaluated again in the as-of view over the row's own
    /// values: nullable when they can be null given the row's columns as they are there (an
    /// event, or another such expression, can be null) and other rows' values as in the full
    /// lake (`full`: each attribute's nullability before `time` was applied).
    pub(super) fn view_nullability(&mut self, eid: EntityId, full: &[Vec<bool>]) {
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
