//! Cleaning: the user's cleaned version of one export (`clean/<system>/<entity>`) against
//! the raw export and the cells log. Per column, every record of the crosswalk is one cell:
//! *dirty* is the raw value parsed in the system's style, *clean* the log's clean value when
//! a defect was planted there (else the dirty one), the user's value the user's column cast to
//! the truth's type. A cell is *changed* when the user's value differs from the dirty one; a
//! record or column the user left out counts as left as exported. The planted cells are also
//! counted per defect kind. A reference to a near-duplicate copy of a record the same system
//! exports is cleaned to the original's key (the crosswalk's golden key), as applying the answer
//! key does: its clean value differs from the exported one. Completeness compares the user's record keys with the crosswalk's
//! keys of the export.

use super::lake::{Lake, record_keys};
use super::read::Table;
use super::values::{Norm, styled, user_keys};
use super::{CleanScore, ColumnScore, Completeness, DefectScore, KindCount};
use crate::ir::export::{Change, ExportFormat, ValueStyle};
use crate::ir::{AttrId, Entity};
use crate::score::{CellCounts, completeness};
use std::collections::{BTreeMap, HashMap};

/// Scores the user's table `t` as the cleaned export of `entity` by `system`.
pub fn score(lake: &Lake, system: &str, entity: &str, t: &Table) -> Result<CleanScore, String> {
    let file = t.path.display();
    let Some((ent, x)) = lake.export(system, entity) else {
        let names: Vec<String> = lake
            .exports()
            .into_iter()
            .map(|(s, e)| format!("{s}/{e}"))
            .collect();
        let wanted = format!("{system}/{entity}");
        return Err(format!(
            "`{file}`: no system exports `{wanted}`{}",
            crate::diagnostics::did_you_mean(&wanted, names.iter().map(String::as_str))
                .map_or(String::new(), |h| format!("; {h}"))
        ));
    };
    let keys = Lake::key_columns(ent);
    check_keys(t, &keys, system, entity)?;
    let columns = value_columns(ent, x, &keys);
    for (name, _) in &t.columns {
        if !keys.contains(name) && !columns.iter().any(|(_, n, ..)| n == name) {
            let hint =
                crate::diagnostics::did_you_mean(name, columns.iter().map(|(_, n, ..)| n.as_str()))
                    .map_or(String::new(), |h| format!("; {h}"));
            return Err(format!(
                "`{file}` has a column `{name}` that {system}'s {entity} export lacks{hint}"
            ));
        }
    }
    if t.rows == 0 {
        return Err(format!("`{file}` is empty: it has no record"));
    }
    let raw = lake.raw(ent, x)?;
    let expected: Vec<&str> = lake
        .crosswalk
        .iter()
        .filter(|l| l.system == system && l.entity == entity)
        .map(|l| l.record_key.as_str())
        .collect();
    let user_rows = record_keys(t, &keys)?;
    let given: Vec<&str> = user_rows.iter().flatten().map(String::as_str).collect();
    let c = completeness(&expected, &given);
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, k) in user_rows.iter().enumerate() {
        if let Some(k) = k {
            index.entry(k.as_str()).or_insert(i);
        }
    }
    let latin1 = matches!(&x.format, ExportFormat::Csv(d)
        if d.encoding == crate::ir::export::Encoding::Latin1);
    let mut total = CellCounts::default();
    let mut kinds: BTreeMap<String, CellCounts> = BTreeMap::new();
    let renames = lake.renames(system, entity);
    let mut scores = Vec::new();
    let retypes: Vec<&ValueStyle> = x
        .retypes()
        .filter_map(|d| match &d.change {
            Change::Retype { style, .. } => Some(style),
            _ => None,
        })
        .collect();
    for (c, name, own, ty, attr) in &columns {
        let copies = copies_of(lake, system, ent, *attr);
        let norm = |style: &ValueStyle| Norm {
            ty: *ty,
            millis: !matches!(style, ValueStyle::Time(s) if !s.keeps_millis()),
            latin1,
        };
        // The user's values, at the precision of each style the column is written in (a
        // style that drops milliseconds compares to the second).
        let user_at = |millis: bool| {
            t.column(name).map(|a| {
                let n = Norm {
                    millis,
                    ..norm(own)
                };
                user_keys(a, &n)
            })
        };
        let (user_ms, user_s) = (user_at(true), user_at(false));
        let mut counts = CellCounts::default();
        let raw_col = raw.columns.get(name);
        for k in &expected {
            let Some(&row) = raw.rows.get(*k) else {
                continue;
            };
            // Schema drift: a cell of a batch without the column is no cell (unknown to the
            // raw layer); a retyped column is read in the style of the row's batch.
            let w = raw.days[row].map(|d| x.written(*c, d));
            if w.is_some_and(|w| !w.present) {
                continue;
            }
            let style = w.and_then(|w| w.retype).map_or(*own, |r| retypes[r]);
            let norm = norm(style);
            // A defect may be logged under a later name of a renamed column.
            let logged = std::iter::once(name.as_str())
                .chain(renames.iter().filter(|(o, _)| o == name).map(|(_, n)| *n))
                .find_map(|col| {
                    lake.cells.get(&(
                        system.to_string(),
                        entity.to_string(),
                        k.to_string(),
                        col.to_string(),
                    ))
                });
            // A column the export lacks (renamed from some batch on) is read from the log.
            let dirty_text = match raw_col {
                Some(c) => c[row].as_deref(),
                None => logged.and_then(|d| d.dirty.as_deref()),
            };
            let dirty = styled(dirty_text, style, &norm);
            let clean_text = logged.map_or(dirty_text, |d| d.clean.as_deref());
            let clean = match clean_text.and_then(|t| copies.get(t)) {
                Some(original) => styled(Some(original), style, &norm),
                None if logged.is_some() => styled(clean_text, style, &norm),
                None => dirty.clone(),
            };
            let user = if norm.millis { &user_ms } else { &user_s };
            let mine = match (user, index.get(k)) {
                (Some(u), Some(&i)) => Some(u[i].as_deref()),
                _ => None,
            };
            counts.add(clean.as_deref(), dirty.as_deref(), mine);
            if let Some(d) = logged {
                let k = kinds.entry(d.defect.clone()).or_default();
                k.add(clean.as_deref(), dirty.as_deref(), mine);
            }
        }
        total.merge(&counts);
        scores.push(ColumnScore::new(name, user_ms.is_some(), &counts));
    }
    Ok(CleanScore {
        system: system.to_string(),
        entity: entity.to_string(),
        file: t.path.display().to_string(),
        completeness: Completeness::from(&c),
        columns: scores,
        total: ColumnScore::new("total", true, &total),
        records: planted_records(lake, system, entity),
        by_defect: kinds
            .iter()
            .map(|(kind, c)| DefectScore {
                defect: kind.clone(),
                planted: c.cells,
                defective: c.defective,
                detected: c.detected,
                fixed: c.fixed,
            })
            .collect(),
    })
}

/// The originals of the near-duplicate copies a reference column `attr` of `ent` may name: the
/// crosswalk's golden key of every copy of the referenced entity in `system`'s export of it
/// (nothing for another column, or a reference into another system).
fn copies_of<'a>(
    lake: &'a Lake,
    system: &str,
    ent: &Entity,
    attr: AttrId,
) -> HashMap<&'a str, &'a str> {
    let Some(fk) = ent
        .foreign_keys
        .iter()
        .find(|fk| fk.columns.len() == 1 && fk.columns[0] == attr)
    else {
        return HashMap::new();
    };
    let target = &lake.ir.entities[fk.target];
    lake.crosswalk
        .iter()
        .filter(|l| {
            l.system == system
                && l.entity == target.name
                && l.golden_entity == target.qualified
                && l.record_key != l.golden_key
        })
        .map(|l| (l.record_key.as_str(), l.golden_key.as_str()))
        .collect()
}

/// (export column, name, style, type, attribute) of every exported column but the key.
fn value_columns<'a>(
    ent: &Entity,
    x: &'a crate::ir::export::Export,
    keys: &[String],
) -> Vec<(usize, String, &'a ValueStyle, crate::ir::Type, AttrId)> {
    x.columns
        .iter()
        .enumerate()
        .map(|(c, (a, s))| {
            let attr = &ent.attributes[*a];
            (c, attr.name.clone(), s, attr.ty, *a)
        })
        .filter(|(_, n, ..)| !keys.contains(n))
        .collect()
}

/// Checks that the user's table `t` has every record-key column, of a key type.
fn check_keys(t: &Table, keys: &[String], system: &str, entity: &str) -> Result<(), String> {
    let file = t.path.display();
    for k in keys {
        match t.column(k) {
            None => {
                return Err(format!(
                    "`{file}` has no column `{k}` (the record key of {system}'s {entity})"
                ));
            }
            Some(a) if !super::is_key_type(a.data_type()) => {
                return Err(format!(
                    "`{file}` column `{k}` is {}: a record key is text or a whole number",
                    a.data_type()
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// The record-level defects planted in an export, counted by kind.
fn planted_records(lake: &Lake, system: &str, entity: &str) -> Vec<KindCount> {
    let mut by: BTreeMap<&str, u64> = BTreeMap::new();
    for r in &lake.records {
        if r.system == system && r.entity == entity {
            *by.entry(r.kind.as_str()).or_default() += 1;
        }
    }
    by.into_iter()
        .map(|(k, count)| KindCount {
            kind: k.to_string(),
            count,
        })
        .collect()
}
