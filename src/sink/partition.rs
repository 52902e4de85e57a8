//! Partition folders: a partitioned entity's rows are split by the value of their partition
//! column (a date or timestamp, at day, month or year granularity) into `key=value/` folders,
//! the layout Athena's partition projection reads. Values and folder names come from
//! [`crate::ir::partition`], which the DDL's projection uses too.

use super::Plan;
use crate::arrow::array::{Array, Date32Array, TimestampMillisecondArray, UInt32Array};
use crate::arrow::record_batch::RecordBatch;
use crate::ir::value::MS_PER_DAY;
use crate::ir::{EntityId, Granularity, partition};
use std::collections::BTreeMap;
use std::io;

/// Splits a batch by partition value, in value order: `(Some("key=value"), rows)` per
/// partition, or one `(None, batch)` when the entity is not partitioned.
pub fn split(
    plan: &Plan,
    e: EntityId,
    batch: RecordBatch,
) -> io::Result<Vec<(Option<String>, RecordBatch)>> {
    let Some(p) = &plan.ir.entities[e].partition else {
        return Ok(vec![(None, batch)]);
    };
    // The partition source is never hidden (the resolver refuses it), so it has a column.
    let col = plan.ir.entities[e].column_of(p.from);
    split_with(&batch, col, &p.key, p.granularity)
}

/// Splits a batch into daily `key=YYYY-MM-DD` folders by the date or timestamp column `col`
/// (one `(None, batch)` without a column): the batches of a system's export.
pub fn split_by_day(
    batch: &RecordBatch,
    col: Option<usize>,
    key: &str,
) -> io::Result<Vec<(Option<String>, RecordBatch)>> {
    split_with(batch, col, key, Granularity::Day)
}

/// Splits a batch into daily `key=YYYY-MM-DD` folders by a day number per row (one
/// `(None, batch)` without days): the batches of a system's export, late rows included.
/// `shape` turns the rows of one day into the batch its files hold (its schema drift), and
/// `each` receives the days in order, one at a time, so that only one day's copy of the rows
/// is held at once.
pub fn split_days(
    batch: &RecordBatch,
    days: Option<&[i64]>,
    key: &str,
    shape: impl Fn(i64, &RecordBatch) -> io::Result<RecordBatch>,
    mut each: impl FnMut(Option<String>, RecordBatch) -> io::Result<()>,
) -> io::Result<()> {
    let Some(days) = days else {
        return each(None, batch.clone());
    };
    let mut groups: BTreeMap<i64, Vec<u32>> = BTreeMap::new();
    for (i, d) in days.iter().enumerate() {
        groups.entry(*d).or_default().push(i as u32);
    }
    for (day, idx) in groups {
        let rows = rows_of(batch, idx)?;
        let value = partition::value_of_day(day, Granularity::Day);
        each(Some(partition::folder(key, &value)), shape(day, &rows)?)?;
    }
    Ok(())
}

/// The rows `idx` (ascending) of a batch: a slice of it when they are consecutive (most of
/// rows are in time order), a copy otherwise.
fn rows_of(batch: &RecordBatch, idx: Vec<u32>) -> io::Result<RecordBatch> {
    if let (Some(&a), Some(&b)) = (idx.first(), idx.last())
        && (b - a) as usize + 1 == idx.len()
    {
        return Ok(batch.slice(a as usize, idx.len()));
    }
    let idx = UInt32Array::from(idx);
    crate::arrow::compute::take_record_batch(batch, &idx).map_err(io::Error::other)
}

fn split_with(
    batch: &RecordBatch,
    col: Option<usize>,
    key: &str,
    granularity: Granularity,
) -> io::Result<Vec<(Option<String>, RecordBatch)>> {
    let Some(col) = col.map(|c| batch.column(c)) else {
        return Ok(vec![(None, batch.clone())]);
    };
    let days: Vec<i64> = if let Some(a) = col.as_any().downcast_ref::<Date32Array>() {
        a.values().iter().map(|d| i64::from(*d)).collect()
    } else if let Some(a) = col.as_any().downcast_ref::<TimestampMillisecondArray>() {
        a.values()
            .iter()
            .map(|t| t.div_euclid(MS_PER_DAY))
            .collect()
    } else {
        return Ok(vec![(None, batch.clone())]);
    };
    group(batch, &days, key, granularity)
}

fn group(
    batch: &RecordBatch,
    days: &[i64],
    key: &str,
    granularity: Granularity,
) -> io::Result<Vec<(Option<String>, RecordBatch)>> {
    let mut groups: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for (i, d) in days.iter().enumerate() {
        groups
            .entry(partition::value_of_day(*d, granularity))
            .or_default()
            .push(i as u32);
    }
    groups
        .into_iter()
        .map(|(value, idx)| Ok((Some(partition::folder(key, &value)), rows_of(batch, idx)?)))
        .collect()
}
