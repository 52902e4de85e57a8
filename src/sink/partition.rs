//! Partition folders: a partitioned entity's rows are split by the value of their partition
//! column (a date or timestamp, at day, month or year granularity) into `key=value/` folders,
//! the layout Athena's partition projection reads.

use super::Plan;
use crate::ir::value::{MS_PER_DAY, civil_from_days};
use crate::ir::{EntityId, Granularity};
use arrow::array::{Array, Date32Array, TimestampMillisecondArray, UInt32Array};
use arrow::record_batch::RecordBatch;
use std::collections::BTreeMap;
use std::io;

/// Formats a partition value from a date (days since the epoch).
fn partition_value(days: i64, g: Granularity) -> String {
    let (y, m, d) = civil_from_days(days);
    match g {
        Granularity::Day => format!("{y:04}-{m:02}-{d:02}"),
        Granularity::Month => format!("{y:04}-{m:02}"),
        Granularity::Year => format!("{y:04}"),
    }
}

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
    let col = batch.column(p.from);
    let days: Vec<i64> = if let Some(a) = col.as_any().downcast_ref::<Date32Array>() {
        a.values().iter().map(|d| i64::from(*d)).collect()
    } else if let Some(a) = col.as_any().downcast_ref::<TimestampMillisecondArray>() {
        a.values()
            .iter()
            .map(|t| t.div_euclid(MS_PER_DAY))
            .collect()
    } else {
        return Ok(vec![(None, batch)]);
    };
    let mut groups: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for (i, d) in days.iter().enumerate() {
        groups
            .entry(partition_value(*d, p.granularity))
            .or_default()
            .push(i as u32);
    }
    groups
        .into_iter()
        .map(|(value, idx)| {
            let idx = UInt32Array::from(idx);
            let rows = arrow::compute::take_record_batch(&batch, &idx).map_err(io::Error::other)?;
            Ok((Some(format!("{}={value}", p.key)), rows))
        })
        .collect()
}
