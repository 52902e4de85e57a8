//! An entity's life in time (`time`): the attribute a row is created at (a date or
//! timestamp of the entity, never null) and the dates known at creation; every other date and
//! timestamp of the entity is an event.

use crate::codes;
use crate::ir::value;
use crate::ir::*;
use crate::resolve::Resolver;
use crate::spec::ast::Sp;

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
        let changes = self.time_changes(eid, &t.value.changes, &events, &known);
        let deleted = t
            .value
            .deleted
            .as_ref()
            .and_then(|d| self.time_deleted(eid, d, &events));
        let (late, replay) = self.time_increments(t.value.increments.as_ref());
        self.entities[eid].time = Some(EntityTime {
            created,
            events,
            changes,
            deleted,
            late,
            replay,
        });
    }

    /// Checks how the increments deliver an entity's change rows (`time.increments`): each
    /// rate a share in `[0, 1]`, each lag 1 to `MAX_DELIVERY_DAYS` days; the defaults where
    /// nothing (or something wrong) is declared.
    fn time_increments(
        &mut self,
        spec: Option<&Sp<crate::spec::ast::IncrementsSpec>>,
    ) -> (Delivery, Delivery) {
        let mut out = (DEFAULT_LATE, DEFAULT_REPLAY);
        let Some(spec) = spec else {
            return out;
        };
        let declared = [
            ("late", &spec.value.late, &mut out.0),
            ("replay", &spec.value.replay, &mut out.1),
        ];
        for (what, d, slot) in declared {
            let Some(d) = d else {
                continue;
            };
            let rate = d.value.rate.value;
            if !(0.0..=1.0).contains(&rate) {
                let msg = format!("`{what}.rate: {rate}` must be a share in [0, 1]");
                self.err(
                    codes::BAD_DELIVERY,
                    d.value.rate.span,
                    msg,
                    Some(format!(
                        "the share of change rows delivered so, e.g. `rate: {}`",
                        slot.rate
                    )),
                );
                continue;
            }
            let days = d.value.days.as_ref().map_or(slot.days, |x| x.value);
            if !(1..=MAX_DELIVERY_DAYS).contains(&days) {
                let msg = format!(
                    "`{what}.days: {days}` must be a number of days from 1 to {MAX_DELIVERY_DAYS}"
                );
                let span = d.value.days.as_ref().map_or(d.span, |x| x.span);
                self.err(
                    codes::BAD_DELIVERY,
                    span,
                    msg,
                    Some(format!("the most days later, e.g. `days: {}`", slot.days)),
                );
                continue;
            }
            *slot = Delivery { rate, days };
        }
        out
    }

    /// Checks the mutable attributes of entity `eid` (`time.changes`): each a value drawn
    /// anew per version (a `choice`, `dist`, `between` or `fake`), not temporal, not a key, with
    /// a number of changes in `[0, 16]` and a span after creation `[min, max]`, `min > 0`.
    fn time_changes(
        &mut self,
        eid: EntityId,
        specs: &[(Sp<String>, Sp<crate::spec::ast::ChangeSpec>)],
        events: &[AttrId],
        known: &[AttrId],
    ) -> Vec<Change> {
        let mut out: Vec<Change> = Vec::new();
        for (name, c) in specs {
            let Some(a) = self.entities[eid].attr(&name.value) else {
                self.unknown_attr(eid, &name.value.clone(), name.span);
                continue;
            };
            let ent = &self.entities[eid];
            let attr = &ent.attributes[a];
            let why = if events.contains(&a) || known.contains(&a) {
                Some("a date or timestamp of the row's timeline".to_string())
            } else if !matches!(
                attr.generator,
                Generator::Choice { .. }
                    | Generator::Dist { .. }
                    | Generator::Between { .. }
                    | Generator::Fake { .. }
            ) || ent.joint_of(a).is_some()
            {
                Some("not a drawn value (`choice`, `dist`, `between` or `fake`)".to_string())
            } else if ent.primary_key.contains(&a)
                || ent.unique.iter().any(|u| u.contains(&a))
                || (self.entities.iter()).any(|o| {
                    (o.foreign_keys.iter())
                        .any(|f| f.target == eid && f.target_columns.contains(&a))
                })
            {
                Some("a key (primary, unique or referenced)".to_string())
            } else if out.iter().any(|x| x.attr == a) {
                Some("listed twice".to_string())
            } else {
                None
            };
            if let Some(why) = why {
                let msg = format!("`{}` cannot change over time: it is {why}", attr.name);
                self.err(
                    codes::BAD_CHANGE,
                    name.span,
                    msg,
                    Some("list attributes whose value is drawn, e.g. a `choice` segment or a `dist` price".into()),
                );
                continue;
            }
            let (lo, hi) = c.value.versions.value;
            if lo > hi || hi > MAX_VERSIONS {
                let msg = format!(
                    "`versions: [{lo}, {hi}]` must be `[min, max]` with min ≤ max ≤ {MAX_VERSIONS}"
                );
                self.err(
                    codes::BAD_CHANGE,
                    c.value.versions.span,
                    msg,
                    Some("the number of changes per row, e.g. `[0, 2]`".into()),
                );
                continue;
            }
            let (wa, wb) = &c.value.within.value;
            let parsed = (
                value::parse_duration(&wa.value),
                value::parse_duration(&wb.value),
            );
            let (min_ms, max_ms) = match parsed {
                (Ok(x), Ok(y)) if 0 < x && x <= y => (x, y),
                (Err(e), _) | (_, Err(e)) => {
                    self.err(
                        codes::BAD_CHANGE,
                        c.value.within.span,
                        e,
                        Some("durations such as `30d`, `12h`, `90m`".into()),
                    );
                    continue;
                }
                _ => {
                    let msg = format!(
                        "`within: [{}, {}]` must be `[min, max]` with 0 < min ≤ max",
                        wa.value, wb.value
                    );
                    self.err(
                        codes::BAD_CHANGE,
                        c.value.within.span,
                        msg,
                        Some("changes happen after the row is created, e.g. `[30d, 720d]`".into()),
                    );
                    continue;
                }
            };
            out.push(Change {
                attr: a,
                versions: (lo, hi),
                min_ms,
                max_ms,
            });
        }
        out
    }

    /// Checks entity `eid`'s deletes (`time.deleted`): `at` an event of the row, `hard` a
    /// share in `[0, 1]`.
    fn time_deleted(
        &mut self,
        eid: EntityId,
        d: &Sp<crate::spec::ast::DeleteSpec>,
        events: &[AttrId],
    ) -> Option<Delete> {
        let Some(at) = self.entities[eid].attr(&d.value.at.value) else {
            self.unknown_attr(eid, &d.value.at.value.clone(), d.value.at.span);
            return None;
        };
        if !events.contains(&at) {
            let msg = format!(
                "rows are deleted at `{}`, which is not an event of the row's timeline",
                d.value.at.value
            );
            self.err(codes::BAD_DELETE, d.value.at.span, msg, Some("name a date or timestamp that is neither `created` nor `known`, e.g. `at: deleted_at`, and give it a null rate for the rows never deleted".into()));
            return None;
        }
        let hard = d.value.hard.unwrap_or(0.0);
        if !(0.0..=1.0).contains(&hard) {
            let msg = format!("`hard: {hard}` must be a share in [0, 1]");
            self.err(
                codes::BAD_DELETE,
                d.span,
                msg,
                Some("the share of deleted rows deleted hard, e.g. `hard: 0.3`".into()),
            );
            return None;
        }
        Some(Delete { at, hard })
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
