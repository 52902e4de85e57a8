//! A system's daily delivery of change rows (`lab compile --increments`): the clean change
//! rows of one partition day (an entity's exported columns, then `_op`, `_seq`,
//! `_event_time` and `_ingested_at`) rendered as the system exports the entity — its records,
//! keys, value styles and cell defects from [`super::mess::render_changes`], so a record's
//! defect in the full export is the same defect in its change rows where the values agree —
//! with the change-data columns after the export's, their times in the system's timestamp
//! style. The answer key's rows are those of the full export's tables, the cell and record
//! logs with the `_seq` of the change row they are about and the partition day `dt`.

use super::mess::{NO_ROW, render_changes};
use crate::arrow::array::{ArrayRef, AsArray, Date32Array, Int64Array, UInt32Array};
use crate::arrow::datatypes::{DataType, Field, Int64Type, Schema, SchemaRef};
use crate::arrow::error::ArrowError;
use crate::arrow::record_batch::RecordBatch;
use crate::ir::export::ValueStyle;
use crate::ir::{EntityId, Type};
use crate::layout::Layout;
use std::sync::Arc;

/// The change-data columns, in order after the export's columns.
pub const CDC: [&str; 4] = ["_op", "_seq", "_event_time", "_ingested_at"];

/// One partition of a system's delivery and its answer-key rows.
pub struct Delivery {
    /// The rows as the system writes them: the export's columns (shaped by its schema drift
    /// for the partition day), then [`CDC`].
    pub batch: RecordBatch,
    /// Crosswalk, cells and records as [`crate::ir::export::ANSWER_TABLES`] has them; the
    /// cells and records followed by `_seq` (null for a row about no record) and `dt`.
    pub answers: [RecordBatch; 3],
}

/// The export schema of entity `e` with every column nullable (an after-image holds nulls
/// where the full lake does not: events not happened yet, references to rows not created).
fn nullable_schema(layout: &Layout, e: EntityId) -> Option<SchemaRef> {
    let s = super::schema(&layout.ir.entities[e])?;
    let fields: Vec<Field> = (s.fields().iter())
        .map(|f| f.as_ref().clone().with_nullable(true))
        .collect();
    Some(Arc::new(Schema::new(fields)))
}

/// Renders the clean change rows `clean` of entity `e` (golden rows `rows`) delivered on day
/// `dt` (days since 1970); `first` logs the export's own schema drift (once per run).
pub fn deliver(
    layout: &Layout,
    e: EntityId,
    clean: &RecordBatch,
    rows: &[u64],
    dt: i32,
    first: bool,
) -> Result<Delivery, ArrowError> {
    let ent = &layout.ir.entities[e];
    let (Some(x), Some(schema)) = (&ent.export, nullable_schema(layout, e)) else {
        return Err(ArrowError::ComputeError(format!(
            "`{}` has no export",
            ent.qualified
        )));
    };
    let n = x.columns.len();
    if clean.num_columns() != n + CDC.len() {
        return Err(ArrowError::ComputeError(format!(
            "the change rows of `{}` are not its exported columns and {}",
            ent.qualified,
            CDC.join(", ")
        )));
    }
    let clean_fields: Vec<Field> = (clean.schema().fields().iter().take(n))
        .map(|f| f.as_ref().clone())
        .collect();
    let exported = RecordBatch::try_new(
        Arc::new(Schema::new(clean_fields)),
        clean.columns()[..n].to_vec(),
    )?;
    let r = render_changes(layout, e, &schema, &exported, rows, first)?;
    let shaped = super::drift::shape(ent, x, i64::from(dt), &r.batch)?;
    let src = UInt32Array::from(r.src.clone());
    let time = ValueStyle::Time(x.changes_time);
    let mut fields: Vec<Field> = (shaped.schema().fields().iter())
        .map(|f| f.as_ref().clone())
        .collect();
    let mut cols = shaped.columns().to_vec();
    for (k, name) in CDC.iter().enumerate() {
        let mut col = crate::arrow::compute::take(clean.column(n + k), &src, None)?;
        if k >= 2 {
            col = super::column(&col, Type::Timestamp, &time, &x.format)?;
        }
        fields.push(Field::new(*name, col.data_type().clone(), false));
        cols.push(col);
    }
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)?;
    let seq = clean.column(n + 1).as_primitive::<Int64Type>();
    let [cross, cells, records] = r.answers;
    let [_, cell_src, record_src] = r.answer_src;
    Ok(Delivery {
        batch,
        answers: [
            cross,
            with_change(&cells, &cell_src, seq, dt)?,
            with_change(&records, &record_src, seq, dt)?,
        ],
    })
}

/// Answer rows with the `_seq` of the change row each is about and the partition day.
fn with_change(
    b: &RecordBatch,
    src: &[u32],
    seq: &crate::arrow::array::PrimitiveArray<Int64Type>,
    dt: i32,
) -> Result<RecordBatch, ArrowError> {
    let seqs: Int64Array = (src.iter())
        .map(|&s| (s != NO_ROW).then(|| seq.value(s as usize)))
        .collect();
    let mut fields: Vec<Field> = (b.schema().fields().iter())
        .map(|f| f.as_ref().clone())
        .collect();
    fields.push(Field::new("_seq", DataType::Int64, true));
    fields.push(Field::new("dt", DataType::Date32, false));
    let mut cols = b.columns().to_vec();
    cols.push(Arc::new(seqs) as ArrayRef);
    cols.push(Arc::new(Date32Array::from(vec![dt; b.num_rows()])));
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)
}

/// The answer schema of table `k` of a delivery (see [`Delivery::answers`]).
pub fn answer_schema(k: usize) -> SchemaRef {
    let base = super::mess::answer_schema(k);
    if k == 0 {
        return base;
    }
    let mut fields: Vec<Field> = base.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.push(Field::new("_seq", DataType::Int64, true));
    fields.push(Field::new("dt", DataType::Date32, false));
    Arc::new(Schema::new(fields))
}
