//! A system's mess, planted in a clean batch on its way to the export, and the answer key
//! that explains it. Every decision is a pure function of (seed, system, entity, what, record)
//! where a record is the golden row number plus `rows × copy` for its near duplicates, so the
//! mess is the same at any thread count and adding a defect moves no other value:
//!
//! 1. **records**: a golden row is left out (`orphans`), exported once, exported twice
//!    verbatim (`exact_duplicates`), and registered again under new keys (`duplicates`, up
//!    to `max` copies, each further copy a quarter as likely);
//! 2. **keys**: copy k of row r takes the key the entity's key would give row `rows·k + r`
//!    (numbered after every original), and a reference to a record the same system
//!    duplicates points at one of its copies, chosen per referring record;
//! 3. **cells**: per column, the declared kinds fire independently (the first declared wins
//!    a cell); copies also get their `noise`. Typed kinds (missing, day–month swap, wrong
//!    unit, out of range) act on the value, text kinds on the text the system writes;
//! 4. **batches**: a late row is exported 1–`days` days after its day.
//!
//! The answer key lists the crosswalk of every exported record to its golden record, each
//! planted cell with its clean and dirty text, and each planted record-level defect.

use crate::arrow::array::{
    Array, ArrayRef, AsArray, Date32Array, Decimal128Array, Float64Array, Int32Array, Int64Array,
    StringArray, TimestampMillisecondArray, UInt32Array,
};
use crate::arrow::datatypes::{DataType, Field, Int32Type, Int64Type, Schema, SchemaRef};
use crate::arrow::error::ArrowError;
use crate::arrow::record_batch::RecordBatch;
use crate::arrow::util::display::{ArrayFormatter, FormatOptions};
use crate::defects::{self, Defect};
use crate::eval::rng::unit_at;
use crate::hash::{mix2, stream};
use crate::ir::export::{ANSWER_TABLES, Change, Export};
use crate::ir::value::MS_PER_DAY;
use crate::ir::{Entity, EntityId, FormatPart, Generator};
use crate::layout::Layout;
use std::sync::Arc;

/// A batch as the system exports it, the day of each row's batch, and the answer key's rows
/// for it (crosswalk, cells, records).
pub struct Rendered {
    pub batch: RecordBatch,
    pub days: Option<Vec<i64>>,
    pub answers: [RecordBatch; 3],
    /// The clean row (index into the batch rendered) each exported row renders.
    pub src: Vec<u32>,
    /// Per answer table, the clean row each answer row is about ([`NO_ROW`] for a row about
    /// no record: a schema drift).
    pub answer_src: [Vec<u32>; 3],
}

/// The clean row of an answer row about no record.
pub const NO_ROW: u32 = u32::MAX;

/// One exported record: which clean row it renders, its golden row, its copy number, and
/// whether it is the verbatim second export of a record.
#[derive(Clone, Copy)]
struct Rec {
    src: u32,
    row: u64,
    copy: u32,
    exact: bool,
}

/// The names a system's decisions about one entity are drawn from.
struct Streams<'a> {
    seed: u64,
    system: &'a str,
    entity: &'a str,
}

impl Streams<'_> {
    fn of(&self, what: &str) -> u64 {
        stream(
            self.seed,
            &format!("mess.{}.{}.{what}", self.system, self.entity),
        )
    }
}

fn err(msg: String) -> ArrowError {
    ArrowError::ComputeError(msg)
}

/// Which registrations of its golden rows an entity's system exports: the orphans it leaves
/// out and the near duplicates it adds, with their streams drawn once (the decisions are made
/// per row, in the batch's own rendering and for every reference to the entity).
struct Registrations {
    orphans: f64,
    orphan: u64,
    /// (rate, most copies, stream of the first copy, stream of each further one).
    duplicates: Option<(f64, u32, u64, u64)>,
}

impl Registrations {
    fn of(layout: &Layout, e: EntityId) -> Registrations {
        let ent = &layout.ir.entities[e];
        let Some(x) = ent.export.as_ref() else {
            return Registrations {
                orphans: 0.0,
                orphan: 0,
                duplicates: None,
            };
        };
        let s = Streams {
            seed: layout.seed,
            system: &x.system,
            entity: &ent.name,
        };
        Registrations {
            orphans: x.mess.orphans,
            orphan: s.of("orphans"),
            duplicates: x
                .mess
                .duplicates
                .as_ref()
                .map(|d| (d.rate, d.max, s.of("duplicates"), s.of("duplicates.more"))),
        }
    }

    /// Whether the system leaves golden row `r` out of its export.
    fn left_out(&self, r: u64) -> bool {
        self.orphans > 0.0 && unit_at(self.orphan, r) < self.orphans
    }

    /// Extra copies of golden row `r` (0 for most rows).
    fn copies(&self, r: u64) -> u32 {
        let Some((rate, max, first, more)) = self.duplicates else {
            return 0;
        };
        if unit_at(first, r) >= rate {
            return 0;
        }
        let mut c = 1;
        while c < max && unit_at(more, r * 16 + u64::from(c)) < 0.25 {
            c += 1;
        }
        c
    }
}

/// The record number of copy `copy` of golden row `row` (what streams are indexed by).
fn record_id(rows: u64, row: u64, copy: u32) -> Result<u64, ArrowError> {
    rows.checked_mul(u64::from(copy))
        .and_then(|x| x.checked_add(row))
        .ok_or_else(|| err("a duplicate's record number does not fit 64 bits".into()))
}

/// The key value of row number `row` (0-based) under a numbered key.
enum KeyVal {
    Int(i64),
    Text(String),
}

fn key_at(ent: &Entity, row: u64) -> Result<KeyVal, ArrowError> {
    let pk = ent.primary_key[0];
    let overflow = || {
        err(format!(
            "a duplicate's key of `{}` overflows",
            ent.qualified
        ))
    };
    match &ent.attributes[pk].generator {
        Generator::Sequence { start, step } => i64::try_from(row)
            .ok()
            .and_then(|r| r.checked_mul(*step))
            .and_then(|x| x.checked_add(*start))
            .map(KeyVal::Int)
            .ok_or_else(overflow),
        Generator::Format(parts) => {
            let n = row.checked_add(1).ok_or_else(overflow)?;
            let mut s = String::new();
            for p in parts {
                match p {
                    FormatPart::Lit(l) => s.push_str(l),
                    FormatPart::Row { width } => s.push_str(&format!("{n:0width$}")),
                }
            }
            Ok(KeyVal::Text(s))
        }
        _ => Err(err(format!("`{}` has no numbered key", ent.qualified))),
    }
}

/// The row number a numbered key value stands for.
fn row_of_int(ent: &Entity, v: i64) -> Option<u64> {
    match &ent.attributes[ent.primary_key[0]].generator {
        Generator::Sequence { start, step } if *step != 0 => {
            let d = v.checked_sub(*start)?;
            (d % step == 0)
                .then(|| d / step)
                .and_then(|r| u64::try_from(r).ok())
        }
        _ => None,
    }
}

fn row_of_text(ent: &Entity, v: &str) -> Option<u64> {
    let Generator::Format(parts) = &ent.attributes[ent.primary_key[0]].generator else {
        return None;
    };
    let at = parts
        .iter()
        .position(|p| matches!(p, FormatPart::Row { .. }))?;
    let lit = |p: &FormatPart| match p {
        FormatPart::Lit(l) => l.clone(),
        FormatPart::Row { .. } => String::new(),
    };
    let prefix: String = parts[..at].iter().map(lit).collect();
    let suffix: String = parts[at + 1..].iter().map(lit).collect();
    let digits = v.strip_prefix(&prefix)?.strip_suffix(&suffix)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u64>().ok()?.checked_sub(1)
}

/// Renders a clean batch of entity `e` (rows `rows[i]`) as its system exports it; the first
/// chunk of the entity (`first`) also logs the export's schema drift.
pub fn render(
    layout: &Layout,
    e: EntityId,
    schema: &SchemaRef,
    clean: &RecordBatch,
    rows: &[u64],
    first: bool,
) -> Result<Rendered, ArrowError> {
    render_with(layout, e, schema, clean, rows, (first, true))
}

/// Renders change rows of entity `e` (the after-images of golden rows `rows[i]`, a row
/// possibly more than once) as its system delivers them: the same records, keys and cell
/// defects as [`render`] gives those rows, without the export's daily batches (a delivery's
/// day is its partition, and its lateness the increments' own).
pub fn render_changes(
    layout: &Layout,
    e: EntityId,
    schema: &SchemaRef,
    clean: &RecordBatch,
    rows: &[u64],
    first: bool,
) -> Result<Rendered, ArrowError> {
    render_with(layout, e, schema, clean, rows, (first, false))
}

fn render_with(
    layout: &Layout,
    e: EntityId,
    schema: &SchemaRef,
    clean: &RecordBatch,
    rows: &[u64],
    (first, batched): (bool, bool),
) -> Result<Rendered, ArrowError> {
    let ent = &layout.ir.entities[e];
    let Some(x) = &ent.export else {
        return Err(err(format!("`{}` has no export", ent.qualified)));
    };
    let total = layout.entities[e].rows;
    let s = Streams {
        seed: layout.seed,
        system: &x.system,
        entity: &ent.name,
    };
    let mut log = Log::default();
    let reg = Registrations::of(layout, e);
    let recs = records(&reg, x, &s, rows);
    let idx = UInt32Array::from(recs.iter().map(|r| r.src).collect::<Vec<_>>());
    let mut ex = crate::arrow::compute::take_record_batch(clean, &idx)?;
    let ids: Vec<u64> = recs
        .iter()
        .map(|r| record_id(total, r.row, r.copy))
        .collect::<Result<_, _>>()?;
    let golden = golden_keys(ent, x, &ex)?;
    // A delivery of change rows logs each reference renamed to a near-duplicate registration
    // (the window's crosswalk may not hold that registration).
    let mut renamed = Vec::new();
    let refs = (!batched).then_some(&mut renamed);
    ex = rekey(layout, e, x, &ex, (&recs, &ids), refs)?;
    let clean_x = super::transform(ent, schema, &ex)?;
    // Record keys as the export writes them (keys carry no defect, so the clean rendering is
    // the file's): a timestamp part of a composite key in the system's own format.
    let keys = record_keys(ent, x, &clean_x)?;
    let days = if batched {
        batch_days(x, ent, &ex, &recs, &ids, &s, &keys, &mut log)?
    } else {
        None
    };
    let (dirty, planted) = cells(x, ent, &s, &ex, &recs, &ids)?;
    let mut dirty_x = super::transform(ent, schema, &dirty)?;
    dirty_x = text_defects(&dirty_x, &planted)?;
    // A retyped column is rendered in its later style too, carried after the export's
    // columns; each batch takes the one its day writes (`super::drift::shape`).
    let mut retyped = Vec::new();
    for d in x.retypes() {
        let Change::Retype { style, .. } = &d.change else {
            continue;
        };
        let ty = ent.attributes[x.columns[d.column].0].ty;
        let c = super::column(ex.column(d.column), ty, style, &x.format)?;
        let mut v = super::column(dirty.column(d.column), ty, style, &x.format)?;
        v = text_column(&v, d.column, &planted)?;
        retyped.push((c, v));
    }
    for p in planted.iter().filter(|p| !recs[p.rec].exact) {
        let w = days
            .as_ref()
            .map(|days| x.written(p.col, days[p.rec]))
            .filter(|_| !x.drift.is_empty());
        // A cell of a column its batch does not have is no planted defect.
        if w.is_some_and(|w| !w.present) {
            continue;
        }
        let (cc, dc) = match w.and_then(|w| w.retype) {
            Some(k) => (&retyped[k].0, &retyped[k].1),
            None => (clean_x.column(p.col), dirty_x.column(p.col)),
        };
        let c = text(cc, p.rec)?;
        let d = text(dc, p.rec)?;
        if c != d {
            let name = ent.attributes[x.columns[p.col].0].name.clone();
            log.cell(recs[p.rec].src, &keys[p.rec], name, p.kind.name(), c, d);
        }
    }
    if !retyped.is_empty() {
        dirty_x = with_retyped(ent, x, &dirty_x, retyped.into_iter().map(|r| r.1))?;
    }
    if first {
        for d in &x.drift {
            let name = &ent.attributes[x.columns[d.column].0].name;
            log.drift(d.from, d.detail(name));
        }
    }
    for (i, r) in recs.iter().enumerate() {
        log.at = r.src;
        if r.exact {
            log.record(
                &keys[i],
                Some(&golden[i]),
                "exact_duplicate",
                Some(&keys[i]),
                (None, None),
            );
        } else {
            log.cross(r.src, &keys[i], &golden[i], r.copy);
        }
        if r.copy > 0 && !r.exact {
            let original = key_text(&key_at(ent, r.row)?);
            log.record(
                &keys[i],
                Some(&golden[i]),
                "near_duplicate",
                Some(&original),
                (None, None),
            );
        }
    }
    // The verbatim second export of a record holds the same reference: one log row.
    for (i, a, original) in renamed.iter().filter(|r| !recs[r.0].exact) {
        log.at = recs[*i].src;
        log.record(
            &keys[*i],
            Some(&golden[*i]),
            "reference_to_duplicate",
            Some(original),
            (None, None),
        );
        log.records.6.pop();
        log.records.6.push(Some(ent.attributes[*a].name.clone()));
    }
    let left_out: Vec<usize> = (0..rows.len()).filter(|&i| reg.left_out(rows[i])).collect();
    if !left_out.is_empty() {
        let idx = UInt32Array::from(left_out.iter().map(|&i| i as u32).collect::<Vec<_>>());
        let gone = crate::arrow::compute::take_record_batch(clean, &idx)?;
        let gone_keys = record_keys(ent, x, &super::transform(ent, schema, &gone)?)?;
        let gone_golden = golden_keys(ent, x, &gone)?;
        for (i, &src) in left_out.iter().enumerate() {
            log.at = src as u32;
            log.record(
                &gone_keys[i],
                Some(&gone_golden[i]),
                "orphan",
                None,
                (None, None),
            );
        }
    }
    let answer_src = log.src.clone();
    Ok(Rendered {
        batch: dirty_x,
        days,
        answers: log.finish(&x.system, &ent.name, golden_entity(layout, x, e))?,
        src: recs.iter().map(|r| r.src).collect(),
        answer_src,
    })
}

fn golden_entity(layout: &Layout, x: &Export, e: EntityId) -> String {
    let g = x.mess.identity.map_or(e, |(_, t)| t);
    layout.ir.entities[g].qualified.clone()
}

/// Which records the clean rows become.
fn records(reg: &Registrations, x: &Export, s: &Streams, rows: &[u64]) -> Vec<Rec> {
    let exact = s.of("exact_duplicates");
    let mut out = Vec::with_capacity(rows.len());
    for (i, &row) in rows.iter().enumerate() {
        if reg.left_out(row) {
            continue;
        }
        let src = i as u32;
        out.push(Rec {
            src,
            row,
            copy: 0,
            exact: false,
        });
        if x.mess.exact_duplicates > 0.0 && unit_at(exact, row) < x.mess.exact_duplicates {
            out.push(Rec {
                src,
                row,
                copy: 0,
                exact: true,
            });
        }
        for copy in 1..=reg.copies(row) {
            out.push(Rec {
                src,
                row,
                copy,
                exact: false,
            });
        }
    }
    out
}

fn key_text(k: &KeyVal) -> String {
    match k {
        KeyVal::Int(v) => v.to_string(),
        KeyVal::Text(s) => s.clone(),
    }
}

/// The export column of each primary-key attribute.
fn pk_columns(ent: &Entity, x: &Export) -> Vec<usize> {
    ent.primary_key
        .iter()
        .filter_map(|a| x.columns.iter().position(|(c, _)| c == a))
        .collect()
}

/// Each row's key as text (columns joined with `|`).
fn record_keys(ent: &Entity, x: &Export, b: &RecordBatch) -> Result<Vec<String>, ArrowError> {
    join_columns(b, &pk_columns(ent, x))
}

fn join_columns(b: &RecordBatch, cols: &[usize]) -> Result<Vec<String>, ArrowError> {
    let mut out = vec![String::new(); b.num_rows()];
    for (k, &c) in cols.iter().enumerate() {
        for (i, o) in out.iter_mut().enumerate() {
            if k > 0 {
                o.push('|');
            }
            o.push_str(&text(b.column(c), i)?.unwrap_or_default());
        }
    }
    Ok(out)
}

/// The golden key of each record: its identity reference's value, or its own clean key.
fn golden_keys(ent: &Entity, x: &Export, b: &RecordBatch) -> Result<Vec<String>, ArrowError> {
    match x.mess.identity {
        Some((a, _)) => {
            let fk = ent.foreign_keys.iter().find(|f| f.columns == [a]);
            let cols: Vec<usize> = fk
                .map(|f| f.columns.clone())
                .unwrap_or_default()
                .iter()
                .filter_map(|a| x.columns.iter().position(|(c, _)| c == a))
                .collect();
            join_columns(b, &cols)
        }
        None => record_keys(ent, x, b),
    }
}

/// The text of one value as a reader of the file sees it (`None` for null).
fn text(a: &ArrayRef, i: usize) -> Result<Option<String>, ArrowError> {
    if a.is_null(i) {
        return Ok(None);
    }
    if let Some(s) = a.as_string_opt::<i32>() {
        return Ok(Some(s.value(i).to_string()));
    }
    if let Some(s) = a.as_string_opt::<i64>() {
        return Ok(Some(s.value(i).to_string()));
    }
    let f = ArrayFormatter::try_new(a.as_ref(), &FormatOptions::default())?;
    Ok(Some(f.value(i).to_string()))
}

/// Gives copies their own keys, and points references to records the same system
/// duplicates at one of the copies.
/// References renamed to a near-duplicate registration: (record index, referencing
/// attribute, the original registration's key as text).
type Renamed = Vec<(usize, usize, String)>;

fn rekey(
    layout: &Layout,
    e: EntityId,
    x: &Export,
    b: &RecordBatch,
    (recs, ids): (&[Rec], &[u64]),
    mut renamed: Option<&mut Renamed>,
) -> Result<RecordBatch, ArrowError> {
    let ent = &layout.ir.entities[e];
    let total = layout.entities[e].rows;
    let mut cols: Vec<ArrayRef> = b.columns().to_vec();
    if recs.iter().any(|r| r.copy > 0) {
        let c = pk_columns(ent, x)[0];
        let keys: Vec<Option<KeyVal>> = recs
            .iter()
            .map(|r| {
                (r.copy > 0)
                    .then(|| key_at(ent, record_id(total, r.row, r.copy)?))
                    .transpose()
            })
            .collect::<Result<_, _>>()?;
        cols[c] = replace(&cols[c], &keys)?;
    }
    for (k, fk) in ent.foreign_keys.iter().enumerate() {
        let target = &layout.ir.entities[fk.target];
        let same = target.export.as_ref().is_some_and(|t| {
            t.system == x.system && t.mess.duplicates.is_some() && fk.columns.len() == 1
        });
        let Some(c) = fk
            .columns
            .first()
            .and_then(|a| x.columns.iter().position(|(col, _)| col == a))
        else {
            continue;
        };
        if !same {
            continue;
        }
        let reg = Registrations::of(layout, fk.target);
        let pick = stream(
            layout.seed,
            &format!("mess.{}.{}.ref{k}", x.system, ent.name),
        );
        let col = &cols[c];
        let keys: Vec<Option<KeyVal>> = (0..col.len())
            .map(|i| {
                let row = match text_or_int(col, i) {
                    Some(KeyVal::Int(v)) => row_of_int(target, v),
                    Some(KeyVal::Text(t)) => row_of_text(target, &t),
                    None => None,
                };
                // A reference to a record left out keeps its key: it dangles as an orphan.
                let Some(row) = row.filter(|&r| !reg.left_out(r)) else {
                    return Ok(None);
                };
                let n = reg.copies(row);
                if n == 0 {
                    return Ok(None);
                }
                let copy = (mix2(pick, ids[i]) % u64::from(n + 1)) as u32;
                if copy == 0 {
                    return Ok(None);
                }
                let trows = layout.entities[fk.target].rows;
                key_at(target, record_id(trows, row, copy)?).map(Some)
            })
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(out) = renamed.as_deref_mut() {
            for (i, k) in keys.iter().enumerate() {
                if k.is_some()
                    && let Some(original) = text(col, i)?
                {
                    out.push((i, fk.columns[0], original));
                }
            }
        }
        cols[c] = replace(col, &keys)?;
    }
    RecordBatch::try_new(b.schema(), cols)
}

fn text_or_int(a: &ArrayRef, i: usize) -> Option<KeyVal> {
    if a.is_null(i) {
        return None;
    }
    match a.data_type() {
        DataType::Utf8 => Some(KeyVal::Text(a.as_string::<i32>().value(i).to_string())),
        DataType::LargeUtf8 => Some(KeyVal::Text(a.as_string::<i64>().value(i).to_string())),
        DataType::Int64 => Some(KeyVal::Int(a.as_primitive::<Int64Type>().value(i))),
        DataType::Int32 => Some(KeyVal::Int(i64::from(
            a.as_primitive::<Int32Type>().value(i),
        ))),
        _ => None,
    }
}

/// A key column with some values replaced (`None` keeps the value).
fn replace(a: &ArrayRef, with: &[Option<KeyVal>]) -> Result<ArrayRef, ArrowError> {
    let bad = || err("a duplicated key column has an unexpected type".into());
    Ok(match a.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 => {
            let out: StringArray = (0..a.len())
                .map(|i| match &with[i] {
                    Some(KeyVal::Text(t)) => Some(t.clone()),
                    _ => text(a, i).ok().flatten(),
                })
                .collect();
            crate::arrow::compute::cast(&(Arc::new(out) as ArrayRef), a.data_type())?
        }
        DataType::Int64 | DataType::Int32 => {
            let v = crate::arrow::compute::cast(a, &DataType::Int64)?;
            let v = v.as_primitive::<Int64Type>();
            let out: Int64Array = (0..a.len())
                .map(|i| match &with[i] {
                    Some(KeyVal::Int(k)) => Some(*k),
                    _ => v.is_valid(i).then(|| v.value(i)),
                })
                .collect();
            crate::arrow::compute::cast(&(Arc::new(out) as ArrayRef), a.data_type())?
        }
        _ => return Err(bad()),
    })
}

/// One planted cell: record index, export column, kind.
struct Planted {
    rec: usize,
    col: usize,
    kind: Defect,
    key: u64,
}

/// Chooses the defective cells and plants the typed kinds; text kinds are planted after the
/// styles are applied ([`text_defects`]).
fn cells(
    x: &Export,
    ent: &Entity,
    s: &Streams,
    b: &RecordBatch,
    recs: &[Rec],
    ids: &[u64],
) -> Result<(RecordBatch, Vec<Planted>), ArrowError> {
    let mut planted = Vec::new();
    let noise = x.mess.duplicates.as_ref().map_or(&[][..], |d| &d.noise[..]);
    for (c, (a, _)) in x.columns.iter().enumerate() {
        let name = &ent.attributes[*a].name;
        let kinds: Vec<(&str, &str, f64)> = (x.mess.cells.iter())
            .filter(|k| k.0 == c)
            .map(|k| ("defect", k.1.as_str(), k.2))
            .chain(
                noise
                    .iter()
                    .filter(|k| k.0 == c)
                    .map(|k| ("noise", k.1.as_str(), k.2)),
            )
            .collect();
        if kinds.is_empty() {
            continue;
        }
        let streams: Vec<(u64, Defect, f64, bool)> = kinds
            .iter()
            .filter_map(|(w, k, r)| {
                let d = Defect::from_name(k)?;
                Some((s.of(&format!("{w}.{name}.{k}")), d, *r, *w == "noise"))
            })
            .collect();
        for (i, r) in recs.iter().enumerate() {
            let hit = streams.iter().find(|(st, _, rate, copies_only)| {
                (!copies_only || r.copy > 0) && unit_at(*st, ids[i]) < *rate
            });
            if let Some((st, d, _, _)) = hit {
                planted.push(Planted {
                    rec: i,
                    col: c,
                    kind: *d,
                    key: mix2(*st ^ 0x6b65_7973, ids[i]),
                });
            }
        }
    }
    let mut cols: Vec<ArrayRef> = b.columns().to_vec();
    for (c, col) in cols.iter_mut().enumerate() {
        let here: Vec<&Planted> = planted
            .iter()
            .filter(|p| p.col == c && (!p.kind.on_text() || p.kind == Defect::Missing))
            .collect();
        if !here.is_empty() {
            *col = typed(col, &here)?;
        }
    }
    // Defects may empty cells of columns the clean data never leaves empty.
    let fields: Vec<Field> = (b.schema().fields().iter())
        .map(|f| f.as_ref().clone().with_nullable(true))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    Ok((RecordBatch::try_new(schema, cols)?, planted))
}

/// Plants typed defects (missing, day–month swap, wrong unit, out of range) in a column.
fn typed(a: &ArrayRef, planted: &[&Planted]) -> Result<ArrayRef, ArrowError> {
    let mut missing = vec![false; a.len()];
    let mut change: Vec<Option<(Defect, u64)>> = vec![None; a.len()];
    for p in planted {
        if p.kind == Defect::Missing {
            missing[p.rec] = true;
        } else {
            change[p.rec] = Some((p.kind, p.key));
        }
    }
    let num = |v: f64, d: Defect, k: u64| match d {
        Defect::WrongUnit => defects::wrong_unit(v, k),
        Defect::OutOfRange => defects::out_of_range(v, k),
        _ => v,
    };
    let out: ArrayRef = match a.data_type() {
        DataType::Date32 => {
            let v = a.as_primitive::<crate::arrow::datatypes::Date32Type>();
            Arc::new(
                (0..a.len())
                    .map(|i| {
                        let x = v.is_valid(i).then(|| v.value(i))?;
                        Some(match change[i] {
                            Some((Defect::DayMonthSwap, _)) => {
                                defects::swap_day_month(x).unwrap_or(x)
                            }
                            _ => x,
                        })
                    })
                    .collect::<Date32Array>(),
            )
        }
        DataType::Timestamp(..) => {
            let v = a.as_primitive::<crate::arrow::datatypes::TimestampMillisecondType>();
            Arc::new(
                (0..a.len())
                    .map(|i| {
                        let x = v.is_valid(i).then(|| v.value(i))?;
                        Some(match change[i] {
                            Some((Defect::DayMonthSwap, _)) => {
                                let (day, ms) =
                                    (x.div_euclid(MS_PER_DAY), x.rem_euclid(MS_PER_DAY));
                                i32::try_from(day)
                                    .ok()
                                    .and_then(defects::swap_day_month)
                                    .map_or(x, |d| i64::from(d) * MS_PER_DAY + ms)
                            }
                            _ => x,
                        })
                    })
                    .collect::<TimestampMillisecondArray>()
                    .with_timezone_opt(match a.data_type() {
                        DataType::Timestamp(_, tz) => tz.clone(),
                        _ => None,
                    }),
            )
        }
        DataType::Float64 => {
            let v = a.as_primitive::<crate::arrow::datatypes::Float64Type>();
            Arc::new(
                (0..a.len())
                    .map(|i| {
                        let x = v.is_valid(i).then(|| v.value(i))?;
                        Some(change[i].map_or(x, |(d, k)| num(x, d, k)))
                    })
                    .collect::<Float64Array>(),
            )
        }
        DataType::Decimal128(p, sc) => {
            let v = a.as_primitive::<crate::arrow::datatypes::Decimal128Type>();
            let (p, sc) = (*p, *sc);
            let out: Decimal128Array = (0..a.len())
                .map(|i| {
                    let x = v.is_valid(i).then(|| v.value(i))?;
                    Some(change[i].map_or(x, |(d, k)| num(x as f64, d, k).round() as i128))
                })
                .collect();
            Arc::new(out.with_precision_and_scale(p, sc)?)
        }
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Int64 => {
            let w = crate::arrow::compute::cast(a, &DataType::Int64)?;
            let v = w.as_primitive::<Int64Type>();
            let out: Int64Array = (0..a.len())
                .map(|i| {
                    let x = v.is_valid(i).then(|| v.value(i))?;
                    Some(change[i].map_or(x, |(d, k)| num(x as f64, d, k).round() as i64))
                })
                .collect();
            // A value pushed out of the column's type becomes null rather than wrapping.
            let opts = crate::arrow::compute::CastOptions {
                safe: true,
                ..Default::default()
            };
            crate::arrow::compute::cast_with_options(
                &(Arc::new(out) as ArrayRef),
                a.data_type(),
                &opts,
            )?
        }
        _ => a.clone(),
    };
    let mask = crate::arrow::array::BooleanArray::from(missing);
    crate::arrow::compute::nullif(&out, &mask)
}

/// Plants the text kinds in the exported text.
fn text_defects(b: &RecordBatch, planted: &[Planted]) -> Result<RecordBatch, ArrowError> {
    let mut cols: Vec<ArrayRef> = b.columns().to_vec();
    for (c, col) in cols.iter_mut().enumerate() {
        *col = text_column(col, c, planted)?;
    }
    RecordBatch::try_new(b.schema(), cols)
}

/// Plants the text kinds of export column `c` in `col`, the text it is written as.
fn text_column(col: &ArrayRef, c: usize, planted: &[Planted]) -> Result<ArrayRef, ArrowError> {
    let here: Vec<&Planted> = planted
        .iter()
        .filter(|p| p.col == c && p.kind.on_text() && p.kind != Defect::Missing)
        .collect();
    if here.is_empty() {
        return Ok(col.clone());
    }
    let mut vals: Vec<Option<String>> = (0..col.len())
        .map(|i| text(col, i))
        .collect::<Result<_, _>>()?;
    for p in here {
        if let Some(v) = &vals[p.rec]
            && let Some(d) = defects::corrupt_text(p.kind, v, p.key)
        {
            vals[p.rec] = Some(d);
        }
    }
    let out: StringArray = vals.into_iter().collect();
    crate::arrow::compute::cast(&(Arc::new(out) as ArrayRef), col.data_type())
}

/// The rendered batch with the retyped columns' later renderings after the export's columns.
fn with_retyped(
    ent: &Entity,
    x: &Export,
    b: &RecordBatch,
    retyped: impl Iterator<Item = ArrayRef>,
) -> Result<RecordBatch, ArrowError> {
    let mut fields: Vec<Field> = b
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    let mut cols = b.columns().to_vec();
    for (d, col) in x.retypes().zip(retyped) {
        let name = &ent.attributes[x.columns[d.column].0].name;
        fields.push(Field::new(
            format!("{name}@{}", d.from),
            col.data_type().clone(),
            true,
        ));
        cols.push(col);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)
}

/// The day each record's batch is named by (late rows later), or `None` without batches.
#[allow(clippy::too_many_arguments)]
fn batch_days(
    x: &Export,
    ent: &Entity,
    b: &RecordBatch,
    recs: &[Rec],
    ids: &[u64],
    s: &Streams,
    keys: &[String],
    log: &mut Log,
) -> Result<Option<Vec<i64>>, ArrowError> {
    let Some(col) = x
        .batch
        .and_then(|a| x.columns.iter().position(|(c, _)| *c == a))
    else {
        return Ok(None);
    };
    let a = b.column(col);
    let day = |i: usize| -> Option<i64> {
        if a.is_null(i) {
            return None;
        }
        match a.data_type() {
            DataType::Date32 => Some(i64::from(
                a.as_primitive::<crate::arrow::datatypes::Date32Type>()
                    .value(i),
            )),
            DataType::Timestamp(..) => Some(
                a.as_primitive::<crate::arrow::datatypes::TimestampMillisecondType>()
                    .value(i)
                    .div_euclid(MS_PER_DAY),
            ),
            _ => None,
        }
    };
    let late = s.of("late");
    let mut out = Vec::with_capacity(recs.len());
    for i in 0..recs.len() {
        let d = day(i)
            .ok_or_else(|| err(format!("`{}` has a row without a batch day", ent.qualified)))?;
        let mut export = d;
        if let Some((rate, most)) = x.mess.late
            && unit_at(late, ids[i]) < rate
        {
            let by = 1 + mix2(late ^ 0x6c61_7465, ids[i]) % u64::from(most);
            export = d + by as i64;
            // The verbatim second export of a late record arrives with it: one late record.
            if !recs[i].exact {
                log.at = recs[i].src;
                log.late(&keys[i], d, export);
            }
        }
        out.push(export);
    }
    Ok(Some(out))
}

/// The cell log's columns: record key, column, kind, clean text, dirty text.
type CellColumns = (
    Vec<String>,
    Vec<String>,
    Vec<&'static str>,
    Vec<Option<String>>,
    Vec<Option<String>>,
);
/// The record log's columns: record key, golden key, kind, original key, event and export
/// days, detail.
type RecordColumns = (
    Vec<Option<String>>,
    Vec<Option<String>>,
    Vec<&'static str>,
    Vec<Option<String>>,
    Vec<Option<i32>>,
    Vec<Option<i32>>,
    Vec<Option<String>>,
);

/// The answer key's rows for one batch, column by column (the system and entity columns are
/// added when the batches are built).
#[derive(Default)]
struct Log {
    /// Crosswalk: record key, golden key, copy.
    cross: (Vec<String>, Vec<String>, Vec<i32>),
    /// Cells: record key, column, kind, clean text, dirty text.
    cells: CellColumns,
    /// Records: record key, golden key, kind, original key, event and export days.
    records: RecordColumns,
    /// Per table, the clean row each answer row is about ([`NO_ROW`]: none).
    src: [Vec<u32>; 3],
    /// The clean row the next record is about.
    at: u32,
}

impl Log {
    fn cross(&mut self, src: u32, key: &str, golden: &str, copy: u32) {
        self.src[0].push(src);
        self.cross.0.push(key.to_string());
        self.cross.1.push(golden.to_string());
        self.cross.2.push(copy as i32);
    }

    fn cell(
        &mut self,
        src: u32,
        key: &str,
        col: String,
        kind: &'static str,
        c: Option<String>,
        d: Option<String>,
    ) {
        self.src[1].push(src);
        let t = &mut self.cells;
        t.0.push(key.to_string());
        t.1.push(col);
        t.2.push(kind);
        t.3.push(c);
        t.4.push(d);
    }

    fn record(
        &mut self,
        key: &str,
        golden: Option<&str>,
        kind: &'static str,
        original: Option<&str>,
        days: (Option<i32>, Option<i32>),
    ) {
        self.src[2].push(self.at);
        let t = &mut self.records;
        t.0.push(Some(key.to_string()));
        t.1.push(golden.map(str::to_string));
        t.2.push(kind);
        t.3.push(original.map(str::to_string));
        t.4.push(days.0);
        t.5.push(days.1);
        t.6.push(None);
    }

    /// A schema change from batch day `from` on: no record key, the change in `detail`.
    fn drift(&mut self, from: i32, detail: String) {
        self.src[2].push(NO_ROW);
        let t = &mut self.records;
        t.0.push(None);
        t.1.push(None);
        t.2.push("drift");
        t.3.push(None);
        t.4.push(None);
        t.5.push(Some(from));
        t.6.push(Some(detail));
    }

    fn late(&mut self, key: &str, event: i64, export: i64) {
        let d = |v: i64| i32::try_from(v).ok();
        self.record(key, None, "late", None, (d(event), d(export)));
    }

    fn finish(
        self,
        system: &str,
        entity: &str,
        golden: String,
    ) -> Result<[RecordBatch; 3], ArrowError> {
        let rep = |v: &str, n: usize| -> ArrayRef { Arc::new(StringArray::from(vec![v; n])) };
        let strs = |v: Vec<String>| -> ArrayRef { Arc::new(StringArray::from(v)) };
        let words = |v: Vec<&str>| -> ArrayRef { Arc::new(StringArray::from(v)) };
        let opt = |v: Vec<Option<String>>| -> ArrayRef { Arc::new(StringArray::from(v)) };
        let days = |v: Vec<Option<i32>>| -> ArrayRef { Arc::new(Date32Array::from(v)) };
        let (x, c, r) = (self.cross, self.cells, self.records);
        let n = x.0.len();
        let cross = vec![
            rep(system, n),
            rep(entity, n),
            strs(x.0),
            rep(&golden, n),
            strs(x.1),
            Arc::new(Int32Array::from(x.2)) as ArrayRef,
        ];
        let n = c.0.len();
        let cells = vec![
            rep(system, n),
            rep(entity, n),
            strs(c.0),
            strs(c.1),
            words(c.2),
            opt(c.3),
            opt(c.4),
        ];
        let n = r.0.len();
        let records = vec![
            rep(system, n),
            rep(entity, n),
            opt(r.0),
            opt(r.1),
            words(r.2),
            opt(r.3),
            days(r.4),
            days(r.5),
            opt(r.6),
        ];
        Ok([
            RecordBatch::try_new(answer_schema(0), cross)?,
            RecordBatch::try_new(answer_schema(1), cells)?,
            RecordBatch::try_new(answer_schema(2), records)?,
        ])
    }
}

/// The Arrow schema of answer table `k` of [`ANSWER_TABLES`].
pub fn answer_schema(k: usize) -> SchemaRef {
    let fields: Vec<Field> = ANSWER_TABLES[k]
        .1
        .iter()
        .map(|(n, t, null)| Field::new(*n, t.arrow(), *null))
        .collect();
    Arc::new(Schema::new(fields))
}
