//! Schema drift at the batch level: a rendered export batch (its columns, then the later
//! renderings of retyped columns, `super::mess::render`) becomes the batch of one day as
//! its files hold it — columns renamed from that day on under their new names, columns
//! added later left out, retyped columns in the style of that day. Without drift the batch
//! is written as rendered, so exports without drift are the same bytes as before.

use crate::arrow::datatypes::{Field, Schema};
use crate::arrow::error::ArrowError;
use crate::arrow::record_batch::RecordBatch;
use crate::ir::Entity;
use crate::ir::export::Export;
use std::sync::Arc;

/// The rows of `b` (rendered for `ent`'s export `x`) as the batch of `day` writes them.
pub fn shape(
    ent: &Entity,
    x: &Export,
    day: i64,
    b: &RecordBatch,
) -> Result<RecordBatch, ArrowError> {
    if x.drift.is_empty() {
        return Ok(b.clone());
    }
    let n = x.columns.len();
    let mut fields = Vec::with_capacity(n);
    let mut cols = Vec::with_capacity(n);
    for (c, (a, _)) in x.columns.iter().enumerate() {
        let w = x.written(c, day);
        if !w.present {
            continue;
        }
        let k = w.retype.map_or(c, |k| n + k);
        if k >= b.num_columns() {
            return Err(ArrowError::ComputeError(format!(
                "the rendered batch of `{}` lacks a retyped column",
                ent.qualified
            )));
        }
        let col = b.column(k).clone();
        let name = w.renamed.unwrap_or(&ent.attributes[*a].name);
        fields.push(Field::new(name, col.data_type().clone(), true));
        cols.push(col);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)
}
