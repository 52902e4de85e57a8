//! The raw layer's tests in `_<system>__sources.yml`, derived from the spec (severity `warn`:
//! bronze reports, it does not fail): `unique` on the key (`lab_unique` for a composite one),
//! `lab_relationships` on a reference to a table of the same system, and per table one
//! `lab_not_null` (columns the spec never leaves empty), `lab_placeholders` (columns the export
//! declares placeholders for), `lab_accepted_values` (choices, as the system's labels),
//! `lab_parses` (text the declared date, timestamp, number or boolean style must read) and
//! `lab_in_range` (`min`/`max` of numbers, `between` of dates), and `lab_on_time` on a daily
//! batch (rows whose day is not their batch's). Each is designed so that its
//! failures are the answer key's count for its table, columns and defect kinds (docs/dbt.md,
//! "Raw-layer tests"). Nested members, drifting columns and the partition column are not
//! tested: their raw column is not the attribute's in every batch. A table without an export
//! (a domain without a system) is its clean data: its tests hold it to the spec.

use super::{RawTable, yaml_str};
use crate::defects::SENTINELS;
use crate::emit::table::Table;
use crate::ir::export::{
    BATCH_KEY, BoolStyle, Carried, DateStyle, DecimalStyle, ExportFormat, TimeStyle, ValueStyle,
    carried,
};
use crate::ir::value::format_date;
use crate::ir::{AttrId, Entity, Generator, Ir, Type, Value};

/// The tests of one raw table: per column (name, YAML items of its `data_tests`), and the
/// table's own `data_tests` items.
#[derive(Default)]
pub struct Tests {
    pub columns: Vec<(String, Vec<String>)>,
    pub table: Vec<String>,
}

const WARN: &str = "config: {severity: warn}";

/// One test item of a `data_tests` list, `indent` spaces in, with its arguments (a YAML flow
/// value per argument).
fn item(indent: usize, name: &str, args: &[(&str, String)]) -> String {
    let pad = " ".repeat(indent);
    let mut out = format!("{pad}- {name}:\n");
    if !args.is_empty() {
        out.push_str(&format!("{pad}    arguments:\n"));
        for (k, v) in args {
            out.push_str(&format!("{pad}      {k}: {v}\n"));
        }
    }
    out.push_str(&format!("{pad}    {WARN}\n"));
    out
}

/// The tested columns of a raw table, in column order, with how each is written: an
/// export's top-level columns that do not drift, or every exported attribute of an entity
/// without an export (its clean data, typed).
fn tested(ent: &Entity) -> Vec<(AttrId, ValueStyle)> {
    let Some(x) = ent.export.as_ref() else {
        return ent
            .exported()
            .map(|(a, _)| (a, ValueStyle::Plain))
            .collect();
    };
    x.columns
        .iter()
        .enumerate()
        .filter(|(c, (a, _))| {
            !x.nest.iter().any(|(_, n)| n.columns().contains(a))
                && !x.drift.iter().any(|d| d.column == *c)
                && !ent.attributes[*a].hidden
        })
        .map(|(_, (a, style))| (*a, style.clone()))
        .collect()
}

/// The tests of raw table `t` (`physical`: its columns as the raw view types them; `same`:
/// the tables of its source, which its references may name).
pub fn tests(ir: &Ir, t: &RawTable, physical: &Table, same: &[&RawTable]) -> Tests {
    let ent = &ir.entities[t.entity];
    let mut out = Tests::default();
    let format = ent
        .export
        .as_ref()
        .map_or(ExportFormat::Parquet, |x| x.format.clone());
    let cols = tested(ent);
    let name = |a: AttrId| ent.attributes[a].name.clone();
    let is_tested = |a: &AttrId| cols.iter().any(|(b, _)| b == a);
    let text_column = |a: AttrId| {
        physical
            .columns
            .iter()
            .any(|c| c.name == ent.attributes[a].name && c.ty == "string")
    };
    // The key: unique as a whole.
    let key_tested = !ent.primary_key.is_empty() && ent.primary_key.iter().all(is_tested);
    if let ([a], true) = (ent.primary_key.as_slice(), key_tested) {
        push_column(&mut out, name(*a), item(14, "unique", &[]));
    } else if key_tested {
        let names: Vec<String> = ent.primary_key.iter().map(|a| name(*a)).collect();
        out.table
            .push(item(10, "lab_unique", &[("columns", flow_list(&names))]));
    }
    for fk in &ent.foreign_keys {
        if let Some((field, to)) = reference(ir, t, fk, same, &is_tested) {
            let args = [("to", yaml_str(&to)), ("field", field)];
            push_column(
                &mut out,
                name(fk.columns[0]),
                item(14, "lab_relationships", &args),
            );
        }
    }
    let never_null: Vec<String> = cols
        .iter()
        .filter(|(a, _)| !ent.attributes[*a].nullable || ent.primary_key.contains(a))
        .map(|(a, _)| name(*a))
        .collect();
    if !never_null.is_empty() {
        out.table.push(item(
            10,
            "lab_not_null",
            &[("columns", flow_list(&never_null))],
        ));
    }
    let placeholders: Vec<String> = cols
        .iter()
        .filter(|(a, _)| declares(ent, *a, "sentinel"))
        .map(|(a, _)| name(*a))
        .collect();
    if !placeholders.is_empty() {
        let texts: Vec<String> = SENTINELS.iter().map(|s| s.to_string()).collect();
        out.table.push(item(
            10,
            "lab_placeholders",
            &[
                ("columns", flow_list(&placeholders)),
                ("placeholders", flow_list(&texts)),
            ],
        ));
    }
    let mut choices = Vec::new();
    let mut parses = Vec::new();
    let mut ranges = Vec::new();
    for (a, style) in &cols {
        let (a, style) = (*a, style);
        let attr = &ent.attributes[a];
        if let Some(values) = vocabulary(attr.ty, &attr.generator, style) {
            choices.push(format!("{}: {}", attr.name, flow_list(&values)));
        }
        let how = parse_how(style, attr.ty, &format);
        if text_column(a)
            && !attr.ty.is_string()
            && let Some(how) = &how
        {
            parses.push(format!("{}: {how}", attr.name));
        }
        let read = if text_column(a) || carried(style, &format) == Carried::Int64 {
            how.clone()
        } else {
            Some(format!(
                "{{parse: typed, type: {}}}",
                yaml_str(&attr.ty.athena())
            ))
        };
        if let (Some((lo, hi)), Some(read)) = (bounds(attr.ty, &attr.generator), read) {
            let date = attr.ty == Type::Date;
            ranges.push(format!(
                "{}: {{min: {lo}, max: {hi}, date: {date}, how: {read}}}",
                attr.name
            ));
        }
    }
    let key: Vec<String> = ent.primary_key.iter().map(|a| name(*a)).collect();
    let batch = ent.export.as_ref().and_then(|x| x.batch);
    if let Some(b) = batch.filter(|b| is_tested(b) && key_tested) {
        let style = cols.iter().find(|(a, _)| *a == b).map(|(_, s)| s);
        let how = style.and_then(|s| parse_how(s, ent.attributes[b].ty, &format));
        if let Some(how) = how {
            out.table.push(item(
                10,
                "lab_on_time",
                &[
                    ("column", yaml_str(&name(b))),
                    ("how", how),
                    ("batch", yaml_str(BATCH_KEY)),
                    ("key", flow_list(&key)),
                ],
            ));
        }
    }
    for (test, list) in [
        ("lab_accepted_values", choices),
        ("lab_parses", parses),
        ("lab_in_range", ranges),
    ] {
        if !list.is_empty() {
            let map = format!("{{{}}}", list.join(", "));
            out.table.push(item(10, test, &[("columns", map)]));
        }
    }
    out
}

fn push_column(out: &mut Tests, column: String, test: String) {
    match out.columns.iter_mut().find(|(c, _)| *c == column) {
        Some((_, tests)) => tests.push(test),
        None => out.columns.push((column, vec![test])),
    }
}

/// `[a, b]` with each item a YAML string.
fn flow_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| yaml_str(s)).collect();
    format!("[{}]", quoted.join(", "))
}

/// Whether the export of `ent` declares defect `kind` on attribute `a` (in its cells or its
/// copies).
fn declares(ent: &Entity, a: AttrId, kind: &str) -> bool {
    let Some(x) = ent.export.as_ref() else {
        return false;
    };
    let Some(c) = x.columns.iter().position(|(col, _)| *col == a) else {
        return false;
    };
    x.mess
        .cells
        .iter()
        .chain(x.mess.duplicates.iter().flat_map(|d| d.noise.iter()))
        .any(|(i, k, _)| *i == c && k == kind)
}

/// The referenced column and the `source(…)` of a one-column reference to a table of the same
/// source (`same`), when both columns are tested.
fn reference(
    ir: &Ir,
    t: &RawTable,
    fk: &crate::ir::ForeignKey,
    same: &[&RawTable],
    is_tested: &dyn Fn(&AttrId) -> bool,
) -> Option<(String, String)> {
    let ([col], [target_col]) = (fk.columns.as_slice(), fk.target_columns.as_slice()) else {
        return None;
    };
    same.iter().find(|o| o.entity == fk.target)?;
    let target = &ir.entities[fk.target];
    let target_tested = tested(target).iter().any(|(a, _)| a == target_col);
    (is_tested(col) && target_tested).then(|| {
        (
            yaml_str(&target.attributes[*target_col].name),
            format!("source('{}', '{}')", t.source, target.name),
        )
    })
}

/// The accepted texts of a string choice: its values, or the system's labels for them.
fn vocabulary(ty: Type, generator: &Generator, style: &ValueStyle) -> Option<Vec<String>> {
    let Generator::Choice { values, .. } = generator else {
        return None;
    };
    if !ty.is_string() {
        return None;
    }
    values
        .iter()
        .map(|v| match v {
            Value::Str(s) => Some(match style {
                ValueStyle::Codes(pairs) => pairs
                    .iter()
                    .find(|(value, _)| value == s)
                    .map_or_else(|| s.clone(), |(_, code)| code.clone()),
                _ => s.clone(),
            }),
            _ => None,
        })
        .collect()
}

/// The declared range of a number (`min`/`max`) or a date (`between`), as YAML scalars
/// (`null` for an open end).
fn bounds(ty: Type, generator: &Generator) -> Option<(String, String)> {
    let num = |v: &Option<f64>| v.map_or_else(|| "null".to_string(), |f| f.to_string());
    match generator {
        Generator::Dist { min, max, .. } if min.is_some() || max.is_some() => {
            Some((num(min), num(max)))
        }
        Generator::Between { lo, hi, .. } if ty == Type::Date => {
            let day = |d: i64| i32::try_from(d).ok().map(format_date);
            Some((yaml_str(&day(*lo)?), yaml_str(&day(*hi)?)))
        }
        _ => None,
    }
}

/// How the staging model reads a raw text written in `style` into `ty`, as the YAML mapping
/// `lab_parsed` takes (`None`: a code vocabulary of a non-text type, read through its labels).
fn parse_how(style: &ValueStyle, ty: Type, format: &ExportFormat) -> Option<String> {
    let athena = yaml_str(&ty.athena());
    let typed = carried(style, format) == Carried::Typed;
    Some(match style {
        ValueStyle::Date(d) if !typed => format!("{{parse: date, style: {}}}", yaml_str(d.word())),
        ValueStyle::Time(TimeStyle::Local(m)) => {
            format!("{{parse: timestamp, style: local, offset: {m}}}")
        }
        ValueStyle::Time(TimeStyle::Utc(d)) if !typed => {
            format!("{{parse: timestamp, style: {}}}", yaml_str(d.word()))
        }
        ValueStyle::Decimal(d @ (DecimalStyle::Comma | DecimalStyle::MinorUnits)) => {
            let scale = match ty {
                Type::Decimal(_, s) => s,
                _ => 0,
            };
            format!(
                "{{parse: decimal, style: {}, type: {athena}, scale: {scale}}}",
                yaml_str(d.word())
            )
        }
        ValueStyle::Bool(b) if *b != BoolStyle::TrueFalse || !typed => {
            let (t, f) = b.texts();
            format!(
                "{{parse: bool, true_text: {}, false_text: {}}}",
                yaml_str(t),
                yaml_str(f)
            )
        }
        ValueStyle::Codes(_) if !ty.is_string() => return None,
        ValueStyle::Date(DateStyle::Iso)
        | ValueStyle::Plain
        | ValueStyle::Date(_)
        | ValueStyle::Time(_)
        | ValueStyle::Decimal(_)
        | ValueStyle::Bool(_)
        | ValueStyle::Codes(_) => format!("{{parse: cast, type: {athena}}}"),
    })
}
