//! What a source system gets wrong: an entity's `export` declares cell defects per column,
//! near duplicates (with the noise that hides them), exact duplicates, orphans, late
//! arrivals, and the golden record each row stands for. Resolved after every export is known
//! (a defect on a reference depends on which system exports its target) into
//! [`crate::ir::export::Mess`]. Unknown kinds, rates outside [0, 1], kinds that cannot apply
//! to a column, defects on keys or on references inside the system, and duplicates of rows
//! whose key cannot be numbered again are located diagnostics (E0619).

use crate::codes;
use crate::defects::Defect;
use crate::diagnostics::{Span, did_you_mean};
use crate::ir::export::{Carried, Duplicates, Export, Mess, carried};
use crate::ir::*;
use crate::resolve::Resolver;
use crate::spec::ast::{self, Sp};

/// Most near duplicates of one record.
const MAX_COPIES: u64 = 9;
/// Most days a row can be exported late.
const MAX_LATE_DAYS: u64 = 366;

impl Resolver<'_> {
    /// Resolves the defects of every export (after [`Resolver::exports`]).
    pub(super) fn messes(&mut self) {
        for eid in 0..self.entities.len() {
            let Some(spec) = self.asts[eid].export.as_ref() else {
                continue;
            };
            let Some(x) = self.entities[eid].export.clone() else {
                continue;
            };
            if let Some(mess) = self.mess(eid, &x, &spec.value)
                && let Some(x) = self.entities[eid].export.as_mut()
            {
                x.mess = mess;
            }
        }
    }

    fn mess(&mut self, eid: EntityId, x: &Export, spec: &ast::ExportSpec) -> Option<Mess> {
        let mut ok = true;
        let mut cells = Vec::new();
        for (attr, rates) in &spec.defects {
            ok &= self.rates(eid, x, attr, rates, &mut cells);
        }
        // Every part is checked, so one run reports every mistake.
        let identity = spec.identity.as_ref().map(|n| self.identity(eid, n));
        let duplicates = spec.duplicates.as_ref().map(|d| self.duplicates(eid, x, d));
        let exact_duplicates = self.opt_rate(spec.exact_duplicates.as_ref(), "exact_duplicates");
        let orphans = self.opt_rate(spec.orphans.as_ref(), "orphans");
        let late = spec.late.as_ref().map(|l| self.late(x, l));
        let (identity, duplicates, late) = (
            identity.map_or(Some(None), |i| i.map(Some))?,
            duplicates.map_or(Some(None), |d| d.map(Some))?,
            late.map_or(Some(None), |l| l.map(Some))?,
        );
        Some(Mess {
            cells,
            identity,
            duplicates,
            exact_duplicates: exact_duplicates?,
            orphans: orphans?,
            late,
        })
        .filter(|_| ok)
    }

    fn mess_err(&mut self, span: Span, msg: String, help: &str) {
        self.err(codes::BAD_MESS, span, msg, Some(help.to_string()));
    }

    /// A rate in [0, 1].
    fn rate(&mut self, r: &Sp<f64>, what: &str) -> Option<f64> {
        if (0.0..=1.0).contains(&r.value) {
            return Some(r.value);
        }
        self.mess_err(
            r.span,
            format!("the rate of {what} is {}, outside [0, 1]", r.value),
            "a rate is the share of rows or cells it hits, e.g. 0.02 for 2 %",
        );
        None
    }

    fn opt_rate(&mut self, r: Option<&Sp<f64>>, what: &str) -> Option<f64> {
        r.map_or(Some(0.0), |r| self.rate(r, &format!("`{what}`")))
    }

    /// Resolves `{kind: rate}` of one attribute into `(column, kind, rate)` entries.
    fn rates(
        &mut self,
        eid: EntityId,
        x: &Export,
        attr: &Sp<String>,
        rates: &ast::Rates,
        out: &mut Vec<(usize, String, f64)>,
    ) -> bool {
        let Some(a) = self.entities[eid].attr(&attr.value) else {
            self.unknown_attr(eid, &attr.value.clone(), attr.span);
            return false;
        };
        let Some(col) = x.columns.iter().position(|(c, _)| *c == a) else {
            self.mess_err(
                attr.span,
                format!("`{}` is not exported, so it carries no defect", attr.value),
                "declare defects on exported attributes only",
            );
            return false;
        };
        if let Some(why) = self.protected(eid, x, a) {
            self.mess_err(
                attr.span,
                format!("`{}` cannot carry defects: {why}", attr.value),
                "keys and references inside one system resolve by construction; plant orphans with `orphans: RATE` instead",
            );
            return false;
        }
        let mut ok = true;
        for (kind, rate) in rates {
            let Some(d) = Defect::from_name(&kind.value) else {
                let names = Defect::ALL.iter().map(|d| d.name());
                let help = did_you_mean(&kind.value, names)
                    .unwrap_or_else(|| "the kinds are listed in docs/defects.md".to_string());
                self.err(
                    codes::BAD_MESS,
                    kind.span,
                    format!("unknown defect kind `{}`", kind.value),
                    Some(help),
                );
                ok = false;
                continue;
            };
            let what = format!("`{}` on `{}`", kind.value, attr.value);
            let Some(r) = self.rate(rate, &what) else {
                ok = false;
                continue;
            };
            let style = &x.columns[col].1;
            let ty = self.entities[eid].attributes[a].ty;
            if let Some(why) = inapplicable(d, ty, carried(style, &x.format)) {
                self.mess_err(
                    kind.span,
                    format!("`{}` cannot apply to `{}`: {why}", kind.value, attr.value),
                    "text defects need text (a string, or a value the system writes as text); day_month_swap needs a date; wrong_unit and out_of_range need a number",
                );
                ok = false;
                continue;
            }
            out.push((col, kind.value.clone(), r));
        }
        ok
    }

    /// Why attribute `a` may carry no defect: a key column, or a reference to a record the
    /// same system exports.
    fn protected(&self, eid: EntityId, x: &Export, a: AttrId) -> Option<String> {
        let ent = &self.entities[eid];
        if ent.primary_key.contains(&a) {
            return Some("it is the primary key".into());
        }
        for fk in &ent.foreign_keys {
            if !fk.columns.contains(&a) {
                continue;
            }
            let target = &self.entities[fk.target];
            if target.export.as_ref().is_some_and(|t| t.system == x.system) {
                return Some(format!(
                    "it refers to `{}`, which system `{}` exports too",
                    target.qualified, x.system
                ));
            }
        }
        None
    }

    fn identity(&mut self, eid: EntityId, name: &Sp<String>) -> Option<(AttrId, EntityId)> {
        let Some(a) = self.entities[eid].attr(&name.value) else {
            self.unknown_attr(eid, &name.value.clone(), name.span);
            return None;
        };
        let fk = self.entities[eid]
            .foreign_keys
            .iter()
            .find(|fk| fk.columns == [a]);
        match fk {
            Some(fk) => Some((a, fk.target)),
            None => {
                self.mess_err(
                    name.span,
                    format!("`identity: {}` names no single-column reference", name.value),
                    "name the reference to the golden record, e.g. `identity: customer_id` where `customer_id: { ref: shop.customers }`",
                );
                None
            }
        }
    }

    fn duplicates(
        &mut self,
        eid: EntityId,
        x: &Export,
        d: &Sp<ast::DuplicatesSpec>,
    ) -> Option<Duplicates> {
        let rate = self.rate(&d.value.rate, "`duplicates`");
        let max = d.value.max.as_ref().map_or(2, |m| m.value);
        if !(1..=MAX_COPIES).contains(&max) {
            let span = d.value.max.as_ref().map_or(d.span, |m| m.span);
            self.mess_err(
                span,
                format!("`max: {max}` duplicates per record is outside 1–{MAX_COPIES}"),
                "most duplicated records have one or two extra registrations",
            );
            return None;
        }
        if let Some(why) = renumberable(&self.entities[eid]) {
            self.mess_err(
                d.span,
                format!(
                    "`{}` cannot have duplicates: {why}",
                    self.entities[eid].qualified
                ),
                "a duplicate is registered under a new key, numbered after the last row: give the entity a one-column `key: sequence` or a `key: \"PREFIX-{row:07}\"` template",
            );
            return None;
        }
        let mut noise = Vec::new();
        let mut ok = true;
        for (attr, rates) in &d.value.noise {
            ok &= self.rates(eid, x, attr, rates, &mut noise);
        }
        Some(Duplicates {
            rate: rate?,
            max: max as u32,
            noise,
        })
        .filter(|_| ok)
    }

    fn late(&mut self, x: &Export, l: &Sp<ast::LateSpec>) -> Option<(f64, u32)> {
        let rate = self.rate(&l.value.rate, "`late`");
        let days = l.value.days.as_ref().map_or(3, |d| d.value);
        if !(1..=MAX_LATE_DAYS).contains(&days) {
            let span = l.value.days.as_ref().map_or(l.span, |d| d.span);
            self.mess_err(
                span,
                format!("`days: {days}` is outside 1–{MAX_LATE_DAYS}"),
                "late rows arrive a few days after their batch",
            );
            return None;
        }
        if x.batch.is_none() {
            self.mess_err(
                l.span,
                "late arrivals need daily batches, and this export has none".into(),
                "add `batch: <date or timestamp attribute>` to the export",
            );
            return None;
        }
        Some((rate?, days as u32))
    }
}

/// Why a defect kind cannot apply to a column of type `ty` written as `kind`.
fn inapplicable(d: Defect, ty: Type, kind: Carried) -> Option<&'static str> {
    let text = matches!(ty, Type::String(_)) || kind == Carried::Text;
    let numeric = matches!(
        ty,
        Type::Int8 | Type::Int16 | Type::Int32 | Type::Int64 | Type::Float64 | Type::Decimal(..)
    );
    match d {
        Defect::Missing => None,
        Defect::DayMonthSwap => (!ty.is_temporal()).then_some("it is not a date or timestamp"),
        Defect::WrongUnit | Defect::OutOfRange => (!numeric).then_some("it is not a number"),
        _ => (!text).then_some("the system writes it as a typed value, not text"),
    }
}

/// Why an entity's rows cannot be registered again under new keys: its key must be one
/// column numbered by the row (a sequence or a `{row}` template).
fn renumberable(ent: &Entity) -> Option<&'static str> {
    let [pk] = ent.primary_key[..] else {
        return Some("its primary key has several columns");
    };
    match &ent.attributes[pk].generator {
        Generator::Sequence { step, .. } if *step != 0 => None,
        Generator::Format(parts)
            if parts
                .iter()
                .filter(|p| matches!(p, FormatPart::Row { .. }))
                .count()
                == 1 =>
        {
            None
        }
        _ => Some("its key is not numbered by the row"),
    }
}
