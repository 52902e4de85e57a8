//! `lab compile --increments FROM..TO`: the daily change rows of every entity, one Parquet
//! file per entity and partition day under `lake/increments/<domain>/<entity>/dt=YYYY-MM-DD/`,
//! with their SCD2 history under `lake/truth/_history/<domain>/<entity>/` and the answer key
//! of the planted deliveries under `lake/truth/_answers/increments/<domain>/<entity>/`
//! (see `generate::increments` and docs/time.md); an entity a source system exports also
//! gets that system's delivery of the same change rows (`super::deliveries`). Chunks are evaluated on the pool and
//! written in chunk order, so the bytes do not depend on the thread count.
//!
//! One schema drift is planted per run: from the middle day of the window on, the first
//! entity (in spec order) with change rows delivered then writes its last exported non-key
//! column as `<name>_v2`; the answer key of that entity lists it (`kind` `schema_drift`,
//! `detail` `renamed <name> to <name>_v2`).

use super::files::{io, write_file};
use super::{EntityReport, Error, LakeReport};
use crate::arrow::array::{BooleanArray, RecordBatch};
use crate::diagnostics::SourceMap;
use crate::generate::increments::{Changes, check, chunk_changes, chunk_ranges, window};
use crate::ir::EntityId;
use crate::plan::Plan;
use rayon::prelude::*;
use std::path::Path;
use std::time::Instant;

/// Rows per chunk of the increments (one evaluator each).
const CHUNK: u64 = 131_072;

/// Writes the increments of days `from..=to` (days since 1970) under `lake`.
pub(super) fn write(
    plan: &Plan,
    lake: &Path,
    (from, to): (i32, i32),
    sources: &SourceMap,
) -> Result<LakeReport, Error> {
    let started = Instant::now();
    check(plan).map_err(Error::Increments)?;
    let spec_error = |err: crate::generate::Error| Error::Spec {
        diagnostics: vec![err.diagnostic(plan)],
        sources: sources.clone(),
    };
    let w = window(plan, (from, to)).map_err(spec_error)?;
    let mut entities = Vec::new();
    let mut drift = Drift {
        day: from + (to - from + 1) / 2,
        done: false,
    };
    for group in entity_groups(plan) {
        // The chunks of a group's entities are evaluated at once (most entities fit in one
        // chunk), then written entity by entity in spec order.
        let tasks: Vec<(EntityId, u64, u64)> = (group.iter())
            .flat_map(|&e| chunk_ranges(plan.entities[e].rows, CHUNK).map(move |(a, b)| (e, a, b)))
            .collect();
        let results: Vec<Result<Changes, _>> = tasks
            .par_iter()
            .with_max_len(1)
            .map(|&(e, a, b)| chunk_changes(plan, &w, e, a, b))
            .collect();
        let mut results = results.into_iter();
        for &e in &group {
            let n = tasks.iter().filter(|t| t.0 == e).count();
            let chunks: Vec<Changes> = (results.by_ref().take(n))
                .collect::<Result<_, _>>()
                .map_err(spec_error)?;
            if let Some(report) = write_entity(plan, lake, e, &chunks, &mut drift)? {
                entities.push(report);
            }
        }
    }
    Ok(LakeReport {
        entities,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Rows of the entities whose chunks are evaluated at once (the change rows of a group are
/// held until written).
const GROUP_ROWS: u64 = 16 * CHUNK;

/// The entities in spec order, cut into consecutive groups of at most [`GROUP_ROWS`] rows
/// (an entity larger than that alone).
fn entity_groups(plan: &Plan) -> Vec<Vec<EntityId>> {
    let mut groups: Vec<Vec<EntityId>> = Vec::new();
    let mut rows = 0u64;
    for (e, ent) in plan.entities.iter().enumerate() {
        if groups.is_empty() || rows.saturating_add(ent.rows) > GROUP_ROWS {
            groups.push(Vec::new());
            rows = 0;
        }
        rows = rows.saturating_add(ent.rows);
        if let Some(g) = groups.last_mut() {
            g.push(e);
        }
    }
    groups
}

/// The schema drift of a run: its first day, and whether an entity has taken it.
struct Drift {
    day: i32,
    done: bool,
}

/// Writes the change rows of entity `e` (its chunks, in order), their systems' deliveries,
/// its SCD2 history and answer key; the report, when it wrote a file.
fn write_entity(
    plan: &Plan,
    lake: &Path,
    e: EntityId,
    chunks: &[Changes],
    drifts: &mut Drift,
) -> Result<Option<EntityReport>, Error> {
    let t0 = Instant::now();
    let ent = &plan.ir.entities[e];
    let (domain, name) = ent
        .qualified
        .split_once('.')
        .unwrap_or(("", &ent.qualified));
    let mut report = EntityReport {
        name: ent.qualified.clone(),
        rows: 0,
        files: 0,
        bytes: 0,
        seconds: 0.0,
    };
    let mut days: Vec<i32> = chunks.iter().flat_map(|c| c.dt.iter().copied()).collect();
    days.sort_unstable();
    days.dedup();
    let drift_day = drifts.day;
    let drift = (!drifts.done && days.last().is_some_and(|&d| d >= drift_day))
        .then(|| drift_column(ent))
        .flatten();
    drifts.done |= drift.is_some();
    super::deliveries::write(plan, lake, e, chunks, &days, &mut report)?;
    for day in days {
        let mut batches: Vec<RecordBatch> = chunks
            .iter()
            .map(|c| {
                let keep: BooleanArray = c.dt.iter().map(|&d| Some(d == day)).collect();
                crate::arrow::compute::filter_record_batch(&c.batch, &keep)
            })
            .collect::<Result<_, _>>()
            .map_err(|x| io(lake, &x))?;
        if let Some(name) = drift.as_deref().filter(|_| day >= drift_day) {
            batches = (batches.iter())
                .map(|b| renamed(b, name))
                .collect::<Result<_, _>>()
                .map_err(|x| io(lake, &x))?;
        }
        let dir = lake.join(format!(
            "increments/{domain}/{name}/dt={}",
            crate::ir::value::format_date(day)
        ));
        write_file(&dir, &batches, &mut report)?;
    }
    let history: Vec<RecordBatch> = chunks.iter().map(|c| c.history.clone()).collect();
    if history.iter().any(|b| b.num_rows() > 0) {
        let dir = lake.join(format!("truth/_history/{domain}/{name}"));
        write_file(&dir, &history, &mut report)?;
    }
    let mut answers: Vec<RecordBatch> = chunks.iter().map(|c| c.answers.clone()).collect();
    if let (Some(name), Some(first)) = (&drift, answers.first()) {
        answers.push(drift_answer(first, name, drift_day).map_err(|x| io(lake, &x))?);
    }
    if answers.iter().any(|b| b.num_rows() > 0) {
        let dir = lake.join(format!("truth/_answers/increments/{domain}/{name}"));
        write_file(&dir, &answers, &mut report)?;
    }
    report.seconds = t0.elapsed().as_secs_f64();
    Ok((report.files > 0).then_some(report))
}

/// The column the schema drift renames in entity `ent`'s increments: its last exported
/// attribute outside the primary key.
fn drift_column(ent: &crate::ir::Entity) -> Option<String> {
    (ent.exported())
        .filter(|(a, _)| !ent.primary_key.contains(a))
        .last()
        .map(|(_, a)| a.name.clone())
}

/// `batch` with column `name` renamed to `<name>_v2`.
fn renamed(
    batch: &RecordBatch,
    name: &str,
) -> Result<RecordBatch, crate::arrow::error::ArrowError> {
    let fields: Vec<crate::arrow::datatypes::Field> = (batch.schema().fields().iter())
        .map(|f| {
            let f = f.as_ref().clone();
            if f.name() == name {
                f.with_name(format!("{name}_v2"))
            } else {
                f
            }
        })
        .collect();
    RecordBatch::try_new(
        std::sync::Arc::new(crate::arrow::datatypes::Schema::new(fields)),
        batch.columns().to_vec(),
    )
}

/// The answer-key row of the schema drift, in the schema of `like`.
fn drift_answer(
    like: &RecordBatch,
    name: &str,
    day: i32,
) -> Result<RecordBatch, crate::arrow::error::ArrowError> {
    use crate::arrow::array::{ArrayRef, Date32Array, Int64Array, StringArray};
    let cols: Vec<ArrayRef> = vec![
        std::sync::Arc::new(StringArray::from(vec![None::<&str>])),
        std::sync::Arc::new(Int64Array::from(vec![None::<i64>])),
        std::sync::Arc::new(Date32Array::from(vec![day])),
        std::sync::Arc::new(Date32Array::from(vec![day])),
        std::sync::Arc::new(StringArray::from(vec!["schema_drift"])),
        std::sync::Arc::new(StringArray::from(vec![format!(
            "renamed {name} to {name}_v2"
        )])),
    ];
    RecordBatch::try_new(like.schema(), cols)
}
