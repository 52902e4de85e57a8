//! The source systems' deliveries of the daily increments: for an entity that a system
//! exports, each partition day's change rows as that system writes them
//! (`lake/increments/raw/<system>/<entity>/dt=YYYY-MM-DD/part-00000.<csv|jsonl|parquet>`, see
//! `export::changes`), and their answer key
//! (`lake/truth/_answers/increments/raw/<table>/<system>/<entity>/part-00000.parquet`: the
//! crosswalk of every delivered record key, one row per key; the cells and records planted,
//! each with the `_seq` and `dt` of its change row). Days are rendered on the pool and written
//! in day order, so the bytes do not depend on the thread count.

use super::{EntityReport, Error};
use crate::arrow::array::{AsArray, RecordBatch, UInt32Array};
use crate::arrow::error::ArrowError;
use crate::export::changes::{CDC, Delivery, answer_schema, deliver};
use crate::generate::increments::Changes;
use crate::ir::EntityId;
use crate::ir::export::{Carried, ExportFormat};
use crate::plan::Plan;
use crate::sink::format::Format;
use crate::sink::hashing::HashingWriter;
use crate::sink::{Codec, Lake, LocalLake};
use rayon::prelude::*;
use std::collections::HashSet;
use std::path::Path;

/// The folder of the deliveries under `lake/increments/` (beside the domains' clean change
/// rows) and under the increments' answer key.
pub const RAW: &str = "raw";

/// Writes the deliveries of entity `e` (its change rows `chunks`, partition days `days`,
/// ascending) when a system exports it.
pub(super) fn write(
    plan: &Plan,
    lake: &Path,
    e: EntityId,
    chunks: &[Changes],
    days: &[i32],
    report: &mut EntityReport,
) -> Result<(), Error> {
    let ent = &plan.ir.entities[e];
    let Some(x) = &ent.export else {
        return Ok(());
    };
    let fail =
        |what: &str, x: &dyn std::fmt::Display| super::files::io(lake, &format!("{what}: {x}"));
    let rendered: Vec<Vec<Delivery>> = days
        .par_iter()
        .map(|&day| render_day(plan, e, chunks, day, Some(&day) == days.first()))
        .collect::<Result<_, _>>()
        .map_err(|x| fail("rendering a delivery", &x))?;
    let out = LocalLake::new(lake);
    let mut answers: [Vec<RecordBatch>; 3] = Default::default();
    for (&day, parts) in days.iter().zip(&rendered) {
        let Some(first) = parts.first() else {
            continue;
        };
        let format = format(plan, e, &first.batch.schema()).map_err(|x| fail("a format", &x))?;
        let rel = format!(
            "increments/{RAW}/{}/{}/dt={}/part-00000.{}",
            x.system,
            ent.name,
            crate::ir::value::format_date(day),
            format.name()
        );
        let file = out.create(&rel).map_err(|x| fail(&rel, &x))?;
        let mut w = format
            .begin(HashingWriter::new(file))
            .map_err(|x| fail(&rel, &x))?;
        for p in parts.iter().filter(|p| p.batch.num_rows() > 0) {
            let encoded = format.encode(&p.batch).map_err(|x| fail(&rel, &x))?;
            w.append(encoded).map_err(|x| fail(&rel, &x))?;
        }
        let (bytes, _) = w.finish().map_err(|x| fail(&rel, &x))?;
        report.files += 1;
        report.bytes += bytes;
        for p in parts {
            for (t, b) in p.answers.iter().enumerate() {
                answers[t].push(b.clone());
            }
        }
    }
    answers[0] = vec![distinct_keys(&answers[0]).map_err(|x| fail("the crosswalk", &x))?];
    for (t, (table, _)) in crate::ir::export::ANSWER_TABLES.iter().enumerate() {
        let batches: Vec<RecordBatch> = std::mem::take(&mut answers[t])
            .into_iter()
            .filter(|b| b.num_rows() > 0)
            .collect();
        if batches.is_empty() {
            continue;
        }
        let all = crate::arrow::compute::concat_batches(&answer_schema(t), &batches)
            .map_err(|x| fail("the answer key", &x))?;
        let dir = lake.join(format!(
            "truth/{}/increments/{RAW}/{table}/{}/{}",
            crate::ir::export::ANSWERS_DIR,
            x.system,
            ent.name
        ));
        super::files::write_file(&dir, &[all], report)?;
    }
    Ok(())
}

/// The deliveries of day `day`, one per chunk with change rows delivered that day; `first`
/// (the first day) logs the export's own schema drift with its first delivery.
fn render_day(
    plan: &Plan,
    e: EntityId,
    chunks: &[Changes],
    day: i32,
    first: bool,
) -> Result<Vec<Delivery>, ArrowError> {
    let mut out = Vec::new();
    for ch in chunks {
        let idx: Vec<u32> = (ch.dt.iter().enumerate())
            .filter(|(_, d)| **d == day)
            .map(|(i, _)| i as u32)
            .collect();
        if idx.is_empty() {
            continue;
        }
        let rows: Vec<u64> = idx.iter().map(|&i| ch.rows[i as usize]).collect();
        let b = crate::arrow::compute::take_record_batch(&ch.batch, &UInt32Array::from(idx))?;
        out.push(deliver(plan, e, &b, &rows, day, first && out.is_empty())?);
    }
    Ok(out)
}

/// The crosswalk rows with the first of each record key only (a record delivered on several
/// days, or twice in a day, maps to its golden record once).
fn distinct_keys(batches: &[RecordBatch]) -> Result<RecordBatch, ArrowError> {
    let all = crate::arrow::compute::concat_batches(&answer_schema(0), batches)?;
    let keys = all.column(2).as_string::<i32>();
    let mut seen = HashSet::new();
    let keep: Vec<u32> = (0..all.num_rows())
        .filter(|&i| seen.insert(keys.value(i)))
        .map(|i| i as u32)
        .collect();
    crate::arrow::compute::take_record_batch(&all, &UInt32Array::from(keep))
}

/// The format entity `e`'s system writes a delivery of schema `schema` in.
fn format(
    plan: &Plan,
    e: EntityId,
    schema: &crate::arrow::datatypes::SchemaRef,
) -> std::io::Result<Box<dyn Format>> {
    let ent = &plan.ir.entities[e];
    let nested = ent.export.as_ref().is_some_and(|x| !x.nest.is_empty());
    Ok(match ent.export.as_ref().map(|x| &x.format) {
        Some(ExportFormat::Csv(d)) => Box::new(crate::sink::dialect::DialectCsv::new(schema, d)),
        Some(ExportFormat::Jsonl) if nested => {
            Box::new(crate::sink::nested::NestedJsonLines::with_extra(ent, &CDC))
        }
        // Numbers the delivery carries are bare, by their type (a whole number of epoch
        // seconds or minor units is an integer column).
        Some(ExportFormat::Jsonl) => Box::new(crate::sink::dialect::JsonLines::new(
            schema,
            &vec![Carried::Typed; schema.fields().len()],
        )),
        _ => Box::new(crate::sink::parquet::Parquet::new(
            plan,
            e,
            schema,
            Codec::Snappy,
        )?),
    })
}
