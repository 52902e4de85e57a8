//! Reconciliations: the user's golden table of an entity (`unified/<entity>`) against the
//! truth — the row count, and for every decimal or double column of the truth the total and
//! the total per calendar month of the entity's first date or timestamp column, each with its
//! absolute and relative error. The user's columns are cast to the truth's types; a value the
//! cast cannot read counts as null.

use super::lake::Lake;
use super::read::Table;
use super::values::{day_of, month_of, value_at};
use super::{Measure, MonthTotal, Reconciled, UnifiedScore};
use crate::arrow::array::{Array, ArrayRef};
use crate::arrow::compute::{CastOptions, cast_with_options};
use crate::arrow::datatypes::DataType;
use std::collections::{BTreeMap, BTreeSet};

/// Scores the user's golden table `t` of `entity`.
pub fn score(lake: &Lake, entity: &str, t: &Table) -> Result<UnifiedScore, String> {
    let file = t.path.display();
    let (domain, name) = golden_table(lake, entity, &file.to_string())?;
    if t.rows == 0 {
        return Err(format!("`{file}` is empty: it has no row"));
    }
    let truth = lake.truth(domain, name)?;
    let date = truth
        .columns
        .iter()
        .find(|(_, a)| matches!(a.data_type(), DataType::Date32 | DataType::Timestamp(..)));
    let months = |tab: &Table| -> Option<Vec<Option<String>>> {
        let (name, a) = date?;
        let col = cast(tab.column(name)?, a.data_type())?;
        Some(
            (0..col.len())
                .map(|i| day_of(&value_at(col.as_ref(), i)).map(month_of))
                .collect(),
        )
    };
    let (truth_months, user_months) = (months(&truth), months(t));
    let mut measures = Vec::new();
    let mut missing = Vec::new();
    for (name, a) in &truth.columns {
        if !matches!(a.data_type(), DataType::Decimal128(..) | DataType::Float64) {
            continue;
        }
        let Some(u) = t.column(name) else {
            missing.push(name.clone());
            continue;
        };
        // Decimal sums are rounded to the column's scale, so a float's last bits never show.
        let round = |x: f64| match a.data_type() {
            DataType::Decimal128(_, s) => {
                let f = 10f64.powi(i32::from(*s));
                (x * f).round() / f
            }
            _ => x,
        };
        let reconcile = |t: f64, u: f64| {
            let mut r = Reconciled::new(round(t), round(u));
            r.abs_error = round(r.abs_error);
            r
        };
        let tv = numbers(a).unwrap_or_default();
        let uv = numbers(u).unwrap_or_default();
        let mut by_month = Vec::new();
        if let (Some(tm), Some(um)) = (&truth_months, &user_months) {
            let (ts, us) = (by(&tv, tm), by(&uv, um));
            let all: BTreeSet<&String> = ts.keys().chain(us.keys()).collect();
            for m in all {
                let r = reconcile(
                    ts.get(m).copied().unwrap_or(0.0),
                    us.get(m).copied().unwrap_or(0.0),
                );
                by_month.push(MonthTotal {
                    month: m.clone(),
                    value: r,
                });
            }
        }
        measures.push(Measure {
            column: name.clone(),
            total: reconcile(tv.iter().flatten().sum(), uv.iter().flatten().sum()),
            by_month,
        });
    }
    Ok(UnifiedScore {
        entity: entity.to_string(),
        file: file.to_string(),
        rows: Reconciled::new(truth.rows as f64, t.rows as f64),
        month_column: date
            .filter(|_| user_months.is_some())
            .map(|(n, _)| n.clone()),
        missing_columns: missing,
        measures,
    })
}

/// The (domain, entity) a golden table's name stands for: an entity's name, or
/// `domain.entity` — required when entities of several domains share the name.
fn golden_table<'a>(lake: &'a Lake, name: &str, file: &str) -> Result<(&'a str, &'a str), String> {
    let known = lake.truth_entities();
    let found: Vec<(&str, &str)> = known
        .iter()
        .copied()
        .filter(|(d, e)| *e == name || format!("{d}.{e}") == name)
        .collect();
    match found.as_slice() {
        [one] => Ok(*one),
        [] => {
            let names: BTreeSet<&str> = known.iter().map(|(_, e)| *e).collect();
            Err(format!(
                "`{file}`: unknown entity `{name}`{}",
                crate::diagnostics::did_you_mean(name, names.iter().copied())
                    .map_or(String::new(), |h| format!("; {h}"))
            ))
        }
        several => {
            let names: Vec<String> = several.iter().map(|(d, e)| format!("{d}.{e}")).collect();
            Err(format!(
                "`{file}`: entities of several domains are named `{name}` ({}): name the \
                 file after one of them",
                names.join(", ")
            ))
        }
    }
}

fn cast(a: &ArrayRef, to: &DataType) -> Option<ArrayRef> {
    let opts = CastOptions {
        safe: true,
        ..CastOptions::default()
    };
    cast_with_options(a, to, &opts).ok()
}

/// A column as numbers (null where null or unreadable).
fn numbers(a: &ArrayRef) -> Option<Vec<Option<f64>>> {
    let c = cast(a, &DataType::Float64)?;
    let f = c
        .as_any()
        .downcast_ref::<crate::arrow::array::Float64Array>()?
        .clone();
    Some(
        (0..f.len())
            .map(|i| {
                (!f.is_null(i))
                    .then(|| f.value(i))
                    .filter(|v| v.is_finite())
            })
            .collect(),
    )
}

/// Totals by month; rows without a month are left out.
fn by(values: &[Option<f64>], months: &[Option<String>]) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for (v, m) in values.iter().zip(months) {
        if let (Some(v), Some(m)) = (v, m) {
            *out.entry(m.clone()).or_insert(0.0) += v;
        }
    }
    out
}
