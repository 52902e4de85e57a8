//! Schema drift of an export: `export.drift` lists what changes from which batch date on — a
//! column renamed, an attribute exported for the first time, a column written in another
//! style — and becomes [`crate::ir::export::Drift`]s in date order. Drift needs daily batches
//! of a flat text export (CSV or JSON Lines); an unknown or hidden column, a date that is no
//! date, an added key or reference, an added CSV column that is not among the last, and two
//! changes of one column out of order are E0634; a rename to a name the table has is E0635;
//! a retype whose style does not fit the column, or changes nothing, is E0636.

use super::export::Styles;
use crate::codes;
use crate::diagnostics::Span;
use crate::ir::export::{BATCH_KEY, Change, Drift, ExportFormat, ValueStyle};
use crate::ir::value::parse_date;
use crate::ir::{AttrId, EntityId};
use crate::resolve::Resolver;
use crate::spec::ast::{DriftChange, DriftSpec, ExportSettings, Sp};

/// The export a drift applies to, as resolved so far.
pub(super) struct Target<'t, 's> {
    pub format: &'t ExportFormat,
    pub batch: Option<AttrId>,
    pub nested: bool,
    pub columns: &'t [(AttrId, ValueStyle)],
    /// The style settings in force for each column.
    pub styles: &'t [Styles<'s>],
}

/// One change as declared: its date, column, what changes and where it was written.
struct Declared {
    from: i32,
    column: usize,
    change: Change,
    span: Span,
}

impl Resolver<'_> {
    /// Resolves an export's drift (every mistake reported), or `None` after an error.
    pub(super) fn drift(
        &mut self,
        eid: EntityId,
        t: &Target,
        spec: &[Sp<DriftSpec>],
    ) -> Option<Vec<Drift>> {
        let first = spec.first()?.span;
        if let Some(why) = unsupported(t) {
            self.err(
                codes::BAD_DRIFT,
                first,
                format!("this export cannot drift: {why}"),
                Some("schema drift is planted in the daily batches (`batch: <date or timestamp attribute>`) of a flat CSV or JSON Lines export".into()),
            );
            return None;
        }
        let before = self.diags.len();
        let mut declared = Vec::new();
        for d in spec {
            let Ok(from) = parse_date(&d.value.from.value) else {
                self.err(
                    codes::BAD_DRIFT,
                    d.value.from.span,
                    format!("`from: {}` is not a date", d.value.from.value),
                    Some("write the first batch date of the change, `YYYY-MM-DD`".into()),
                );
                continue;
            };
            self.changes(eid, t, from, &d.value.change, &mut declared);
        }
        if self.diags.len() > before {
            return None;
        }
        self.order(eid, t, &declared);
        if matches!(t.format, ExportFormat::Csv(_)) {
            self.trailing(eid, t, &declared);
        }
        if self.diags.len() > before {
            return None;
        }
        declared.sort_by_key(|d| d.from);
        Some(
            declared
                .into_iter()
                .map(|d| Drift {
                    from: d.from,
                    column: d.column,
                    change: d.change,
                })
                .collect(),
        )
    }

    /// The export column of an attribute a drift names (reported when there is none).
    fn drift_column(&mut self, eid: EntityId, t: &Target, name: &Sp<String>) -> Option<usize> {
        let Some(a) = self.entities[eid].attr(&name.value) else {
            self.unknown_attr(eid, &name.value.clone(), name.span);
            return None;
        };
        let c = t.columns.iter().position(|(x, _)| *x == a);
        if c.is_none() {
            self.err(
                codes::BAD_DRIFT,
                name.span,
                format!("`{}` is not exported, so it cannot drift", name.value),
                Some("a hidden attribute is no column of any batch".into()),
            );
        }
        c
    }

    fn changes(
        &mut self,
        eid: EntityId,
        t: &Target,
        from: i32,
        change: &DriftChange,
        out: &mut Vec<Declared>,
    ) {
        match change {
            DriftChange::Rename(pairs) => {
                for (name, new) in pairs {
                    let Some(c) = self.drift_column(eid, t, name) else {
                        continue;
                    };
                    if self.new_name(eid, t, name, new) {
                        out.push(Declared {
                            from,
                            column: c,
                            change: Change::Rename(new.value.clone()),
                            span: name.span,
                        });
                    }
                }
            }
            DriftChange::Add(names) => {
                for name in names {
                    let Some(c) = self.drift_column(eid, t, name) else {
                        continue;
                    };
                    if let Some(why) = self.always_there(eid, t, t.columns[c].0) {
                        self.err(
                            codes::BAD_DRIFT,
                            name.span,
                            format!("`{}` cannot be added from a batch on: {why}", name.value),
                            Some("add an attribute that describes the record (a note, a channel, a flag)".into()),
                        );
                        continue;
                    }
                    out.push(Declared {
                        from,
                        column: c,
                        change: Change::Add,
                        span: name.span,
                    });
                }
            }
            DriftChange::Retype(pairs) => {
                for (name, settings) in pairs {
                    let Some(c) = self.drift_column(eid, t, name) else {
                        continue;
                    };
                    if let Some(change) = self.retype(eid, t, c, name, settings) {
                        out.push(Declared {
                            from,
                            column: c,
                            change,
                            span: name.span,
                        });
                    }
                }
            }
        }
    }

    /// Checks a rename's new name: an identifier that no column of the table has.
    fn new_name(&mut self, eid: EntityId, t: &Target, old: &Sp<String>, new: &Sp<String>) -> bool {
        if !self.check_ident("column", &new.value, new.span) {
            return false;
        }
        let ent = &self.entities[eid];
        let taken = t
            .columns
            .iter()
            .any(|(a, _)| ent.attributes[*a].name == new.value)
            || (t.batch.is_some() && new.value == BATCH_KEY);
        if taken {
            self.err(
                codes::DRIFT_NAME_COLLISION,
                new.span,
                format!(
                    "`{}` cannot be renamed to `{}`: the table has a column of that name",
                    old.value, new.value
                ),
                Some("a reader could not tell the two columns apart; choose a name the table does not use".into()),
            );
            return false;
        }
        true
    }

    /// Why attribute `a` must be in every batch: the primary key or a reference.
    fn always_there(&self, eid: EntityId, t: &Target, a: AttrId) -> Option<&'static str> {
        let ent = &self.entities[eid];
        if ent.primary_key.contains(&a) {
            return Some("it is (part of) the primary key");
        }
        if ent.foreign_keys.iter().any(|fk| fk.columns.contains(&a)) {
            return Some("it is a reference, which records need in every batch");
        }
        if t.batch == Some(a) {
            return Some("it names the batch");
        }
        None
    }

    /// The change of a retype: the column's settings with `settings` on top, resolved to a
    /// style that fits its type and differs from its own.
    fn retype(
        &mut self,
        eid: EntityId,
        t: &Target,
        c: usize,
        name: &Sp<String>,
        settings: &ExportSettings,
    ) -> Option<Change> {
        let (a, old) = &t.columns[c];
        let before = self.diags.len();
        self.check_settings(settings);
        if matches!(old, ValueStyle::Codes(_)) || !self.column_fits(eid, *a, settings) {
            self.diags.truncate(before);
            self.err(
                codes::DRIFT_STYLE_TYPE,
                name.span,
                format!(
                    "`{}` cannot be retyped so: it is {}, and the styles given are not for that type",
                    name.value, self.entities[eid].attributes[*a].ty
                ),
                Some("retype dates with `dates`, timestamps with `timestamps` (and `utc_offset`), decimals and doubles with `decimals`, booleans with `booleans`".into()),
            );
            return None;
        }
        if self.diags.len() > before {
            return None;
        }
        let styles = t.styles[c].over(settings);
        let style = self.style(eid, *a, &styles)?;
        if &style == old {
            self.err(
                codes::DRIFT_STYLE_TYPE,
                name.span,
                format!("retyping `{}` so changes nothing: it is written that way already", name.value),
                Some("give a style other than the column's own (a system-wide `minor_units` leaves doubles in point style)".into()),
            );
            return None;
        }
        let words: Vec<String> = [
            ("dates", &settings.dates),
            ("timestamps", &settings.timestamps),
            ("utc_offset", &settings.utc_offset),
            ("decimals", &settings.decimals),
            ("booleans", &settings.booleans),
        ]
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {}", v.value)))
        .collect();
        Some(Change::Retype {
            style,
            words: words.join(", "),
        })
    }

    /// Checks the changes of each column: listed in date order, one of each kind, an
    /// addition before every other change.
    fn order(&mut self, eid: EntityId, t: &Target, declared: &[Declared]) {
        for (i, d) in declared.iter().enumerate() {
            let name = self.entities[eid].attributes[t.columns[d.column].0]
                .name
                .clone();
            let earlier = declared[..i].iter().filter(|e| e.column == d.column);
            for e in earlier {
                let problem =
                    if std::mem::discriminant(&e.change) == std::mem::discriminant(&d.change) {
                        Some(format!("`{name}` drifts the same way twice"))
                    } else if e.from > d.from {
                        Some(format!(
                            "the changes of `{name}` are not listed in date order"
                        ))
                    } else if matches!(e.change, Change::Add) && e.from == d.from {
                        Some(format!("`{name}` is changed in the batch that adds it"))
                    } else if matches!(d.change, Change::Add) {
                        Some(format!("`{name}` is changed before it is added"))
                    } else {
                        None
                    };
                if let Some(msg) = problem {
                    self.err(
                        codes::BAD_DRIFT,
                        d.span,
                        msg,
                        Some("list each column's changes in date order, at most one of each kind, an `add` first and alone in its batch".into()),
                    );
                    break;
                }
            }
        }
    }

    /// CSV columns are read by position: an added column must come after every column that
    /// is always there, and columns added later after those added earlier.
    fn trailing(&mut self, eid: EntityId, t: &Target, declared: &[Declared]) {
        let added = |c: usize| {
            declared
                .iter()
                .find(|d| d.column == c && matches!(d.change, Change::Add))
        };
        let mut last: Option<i32> = None;
        for c in 0..t.columns.len() {
            let name = &self.entities[eid].attributes[t.columns[c].0].name;
            match (added(c), last) {
                (Some(d), prev) => {
                    if prev.is_some_and(|p| d.from < p) {
                        let msg = format!("`{name}` is added before a column to its left");
                        self.csv_order(d.span, msg);
                        return;
                    }
                    last = Some(d.from);
                }
                (None, Some(_)) => {
                    let span = declared
                        .iter()
                        .find(|d| matches!(d.change, Change::Add))
                        .map_or_else(Span::default, |d| d.span);
                    let msg =
                        format!("an added column comes before `{name}`, which every batch has");
                    self.csv_order(span, msg);
                    return;
                }
                (None, None) => {}
            }
        }
    }

    fn csv_order(&mut self, span: Span, msg: String) {
        self.err(
            codes::BAD_DRIFT,
            span,
            format!("{msg}: a CSV is read by position"),
            Some(
                "move the added attributes to the end of the entity, in the order they are added"
                    .into(),
            ),
        );
    }
}

/// Why an export cannot drift.
fn unsupported(t: &Target) -> Option<&'static str> {
    if t.batch.is_none() {
        return Some("it has no daily batches");
    }
    if matches!(t.format, ExportFormat::Parquet) {
        return Some("a Parquet export has one schema for all its files here");
    }
    if t.nested {
        return Some("it nests columns (`nest`)");
    }
    None
}
