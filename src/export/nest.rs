//! GA4 parameter values: the columns of an exported batch that a parameter array holds, in the
//! type of the value slot GA4's BigQuery export gives them ([`crate::ir::nest::Slot`]):
//! timestamps as whole microseconds since the epoch, dates as `YYYYMMDD` text, booleans as 1/0,
//! other integers as 64-bit integers; strings, doubles and decimals as they are. Applied to a
//! batch after [`super::transform`] (which leaves parameter columns in their clean type), by the
//! JSON Lines writer of nested exports; a pure function of the batch.

use crate::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Date32Array, Int64Array, StringArray,
    TimestampMillisecondArray,
};
use crate::arrow::datatypes::{DataType, Int64Type};
use crate::arrow::error::ArrowError;
use crate::arrow::record_batch::RecordBatch;
use crate::ir::Entity;
use crate::ir::export::{DateStyle, date_text};
use crate::ir::nest::Node;
use std::sync::Arc;

/// The positions (in the export's column order) of the columns parameter arrays hold.
pub fn param_columns(ent: &Entity) -> Vec<usize> {
    let Some(x) = &ent.export else {
        return Vec::new();
    };
    let mut out: Vec<usize> = x
        .nest
        .iter()
        .filter_map(|(_, n)| match n {
            Node::Params(p) => Some(p),
            _ => None,
        })
        .flatten()
        .filter_map(|(_, a)| x.columns.iter().position(|(c, _)| c == a))
        .collect();
    out.sort_unstable();
    out
}

/// `batch` with the columns at `params` converted to their GA4 value types.
pub fn param_values(batch: &RecordBatch, params: &[usize]) -> Result<RecordBatch, ArrowError> {
    if params.is_empty() {
        return Ok(batch.clone());
    }
    let schema = batch.schema();
    let mut cols = Vec::with_capacity(batch.num_columns());
    for (k, col) in batch.columns().iter().enumerate() {
        let name = schema.field(k).name().clone();
        let converted = if params.binary_search(&k).is_ok() {
            value(col)?
        } else {
            col.clone()
        };
        cols.push((name, converted));
    }
    RecordBatch::try_from_iter(cols)
}

fn value(col: &ArrayRef) -> Result<ArrayRef, ArrowError> {
    Ok(match col.data_type() {
        DataType::Timestamp(..) => {
            let a = col
                .as_any()
                .downcast_ref::<TimestampMillisecondArray>()
                .ok_or_else(|| {
                    ArrowError::InvalidArgumentError(
                        "a timestamp parameter is not in milliseconds".into(),
                    )
                })?;
            let micros: Result<Int64Array, ArrowError> = a
                .iter()
                .map(|v| {
                    v.map(|ms| {
                        ms.checked_mul(1000).ok_or_else(|| {
                            ArrowError::ComputeError(
                                "a timestamp in microseconds does not fit 64 bits".into(),
                            )
                        })
                    })
                    .transpose()
                })
                .collect();
            Arc::new(micros?)
        }
        DataType::Date32 => {
            let a = col.as_any().downcast_ref::<Date32Array>().ok_or_else(|| {
                ArrowError::InvalidArgumentError("a date parameter is not a Date32".into())
            })?;
            Arc::new(
                a.iter()
                    .map(|v| v.map(|d| date_text(d, DateStyle::Compact)))
                    .collect::<StringArray>(),
            )
        }
        DataType::Boolean => {
            let a = col.as_any().downcast_ref::<BooleanArray>().ok_or_else(|| {
                ArrowError::InvalidArgumentError("a boolean parameter is not boolean".into())
            })?;
            Arc::new(a.iter().map(|v| v.map(i64::from)).collect::<Int64Array>())
        }
        DataType::Int8 | DataType::Int16 | DataType::Int32 => {
            let cast = crate::arrow::compute::cast(col, &DataType::Int64)?;
            debug_assert_eq!(
                cast.as_primitive::<Int64Type>().null_count(),
                col.null_count()
            );
            cast
        }
        _ => col.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arrow::array::Int32Array;

    #[test]
    fn parameters_take_the_ga4_value_types() {
        let batch = RecordBatch::try_from_iter(vec![
            (
                "ts",
                Arc::new(TimestampMillisecondArray::from(vec![
                    Some(1_759_830_626_123),
                    None,
                ])) as ArrayRef,
            ),
            ("day", Arc::new(Date32Array::from(vec![Some(20368), None]))),
            (
                "flag",
                Arc::new(BooleanArray::from(vec![Some(true), Some(false)])),
            ),
            ("n", Arc::new(Int32Array::from(vec![Some(7), None]))),
            ("kept", Arc::new(Date32Array::from(vec![Some(1), None]))),
        ])
        .unwrap();
        let out = param_values(&batch, &[0, 1, 2, 3]).unwrap();
        let ints = |k: usize| out.column(k).as_primitive::<Int64Type>().clone();
        assert_eq!(ints(0).value(0), 1_759_830_626_123_000);
        assert!(ints(0).is_null(1));
        assert_eq!(out.column(1).as_string::<i32>().value(0), "20251007");
        assert!(out.column(1).is_null(1));
        assert_eq!((ints(2).value(0), ints(2).value(1)), (1, 0));
        assert_eq!(ints(3).value(0), 7);
        assert!(ints(3).is_null(1));
        assert_eq!(out.column(4).data_type(), &DataType::Date32);
    }
}
