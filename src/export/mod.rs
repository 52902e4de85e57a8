//! The silo export transform: a clean batch of an entity → the batch its source system
//! writes. Each column is rewritten in the style the IR resolved for it
//! ([`crate::ir::export::ValueStyle`]): dates and timestamps in the system's format, decimals
//! with a comma or in minor units, booleans as `Y`/`N` or `1`/`0`, codes from a vocabulary.
//! What a column carries afterwards (its clean type, a whole number or text) is
//! [`crate::ir::export::carried`], the same rule the DDL describes. A pure function of the
//! clean batch, run per chunk on the workers, so exports are as deterministic as the truth.

pub mod changes;
pub mod drift;
pub mod mess;
pub mod nest;

use crate::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Date32Array, Decimal128Array, Float64Array, Int64Array,
    StringArray, TimestampMillisecondArray,
};
use crate::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use crate::arrow::error::ArrowError;
use crate::arrow::record_batch::RecordBatch;
use crate::ir::export::{
    Carried, ExportFormat, ValueStyle, carried, date_text, decimal_text, time_text,
};
use crate::ir::{Entity, Type};
use std::sync::Arc;

/// The schema of an entity's export (`None` when the entity has no system).
pub fn schema(ent: &Entity) -> Option<SchemaRef> {
    let x = ent.export.as_ref()?;
    let fields: Vec<Field> = x
        .columns
        .iter()
        .enumerate()
        .map(|(c, (a, style))| {
            let attr = &ent.attributes[*a];
            // A column with defects may lose values (missing cells, numbers out of the type).
            let noise = x.mess.duplicates.as_ref().map_or(&[][..], |d| &d.noise[..]);
            let defective = x.mess.cells.iter().chain(noise).any(|d| d.0 == c);
            let ty = match carried(style, &x.format) {
                Carried::Typed => attr.ty.arrow(),
                Carried::Int64 => DataType::Int64,
                Carried::Text => DataType::Utf8,
            };
            Field::new(&attr.name, ty, attr.nullable || defective)
        })
        .collect();
    Some(Arc::new(Schema::new(fields)))
}

/// Rewrites a clean batch of `ent` (its exported columns, in order) as the system writes it.
pub fn transform(
    ent: &Entity,
    schema: &SchemaRef,
    batch: &RecordBatch,
) -> Result<RecordBatch, ArrowError> {
    let Some(x) = &ent.export else {
        return Ok(batch.clone());
    };
    let mut cols = Vec::with_capacity(batch.num_columns());
    for ((a, style), col) in x.columns.iter().zip(batch.columns()) {
        let ty = ent.attributes[*a].ty;
        cols.push(column(col, ty, style, &x.format)?);
    }
    RecordBatch::try_new(schema.clone(), cols)
}

fn column(
    col: &ArrayRef,
    ty: Type,
    style: &ValueStyle,
    format: &ExportFormat,
) -> Result<ArrayRef, ArrowError> {
    let kind = carried(style, format);
    if kind == Carried::Typed {
        return Ok(col.clone());
    }
    let wrong =
        || ArrowError::InvalidArgumentError(format!("an export style {style:?} met a {ty} column"));
    let out: ArrayRef = match (style, kind) {
        (ValueStyle::Date(_), Carried::Int64) => {
            let a = col
                .as_any()
                .downcast_ref::<Date32Array>()
                .ok_or_else(wrong)?;
            Arc::new(
                a.iter()
                    .map(|v| v.map(|d| i64::from(d) * 86_400))
                    .collect::<Int64Array>(),
            )
        }
        (ValueStyle::Date(d), _) => {
            let a = col
                .as_any()
                .downcast_ref::<Date32Array>()
                .ok_or_else(wrong)?;
            Arc::new(
                a.iter()
                    .map(|v| v.map(|x| date_text(x, *d)))
                    .collect::<StringArray>(),
            )
        }
        (ValueStyle::Time(_), Carried::Int64) => {
            let a = col
                .as_any()
                .downcast_ref::<TimestampMillisecondArray>()
                .ok_or_else(wrong)?;
            Arc::new(
                a.iter()
                    .map(|v| v.map(|ms| ms.div_euclid(1000)))
                    .collect::<Int64Array>(),
            )
        }
        (ValueStyle::Time(t), _) => {
            let a = col
                .as_any()
                .downcast_ref::<TimestampMillisecondArray>()
                .ok_or_else(wrong)?;
            Arc::new(
                a.iter()
                    .map(|v| v.map(|x| time_text(x, *t)))
                    .collect::<StringArray>(),
            )
        }
        (ValueStyle::Decimal(_), Carried::Int64) => {
            let a = col
                .as_any()
                .downcast_ref::<Decimal128Array>()
                .ok_or_else(wrong)?;
            Arc::new(
                a.iter()
                    .map(|v| v.map(i64::try_from).transpose())
                    .collect::<Result<Int64Array, _>>()
                    .map_err(|_| {
                        ArrowError::ComputeError(
                            "an amount in minor units does not fit 64 bits".into(),
                        )
                    })?,
            )
        }
        (ValueStyle::Decimal(d), _) => match ty {
            Type::Decimal(_, scale) => {
                let a = col
                    .as_any()
                    .downcast_ref::<Decimal128Array>()
                    .ok_or_else(wrong)?;
                Arc::new(
                    a.iter()
                        .map(|v| v.map(|x| decimal_text(x, scale, *d)))
                        .collect::<StringArray>(),
                )
            }
            _ => {
                let a = col
                    .as_any()
                    .downcast_ref::<Float64Array>()
                    .ok_or_else(wrong)?;
                Arc::new(
                    a.iter()
                        .map(|v| v.map(|x| x.to_string().replace('.', ",")))
                        .collect::<StringArray>(),
                )
            }
        },
        (ValueStyle::Bool(b), _) => {
            let a = col
                .as_any()
                .downcast_ref::<BooleanArray>()
                .ok_or_else(wrong)?;
            let (t, f) = b.texts();
            Arc::new(
                a.iter()
                    .map(|v| v.map(|x| if x { t } else { f }))
                    .collect::<StringArray>(),
            )
        }
        (ValueStyle::Codes(pairs), _) => codes(col, pairs).ok_or_else(wrong)?,
        _ => return Err(wrong()),
    };
    Ok(out)
}

/// Maps a string column through a vocabulary (pairs sorted by value). The resolver checked
/// that the vocabulary holds every value the attribute's `choice` can take.
fn codes(col: &ArrayRef, pairs: &[(String, String)]) -> Option<ArrayRef> {
    let map = |s: &str| {
        pairs
            .binary_search_by(|(k, _)| k.as_str().cmp(s))
            .ok()
            .map(|i| pairs[i].1.as_str())
    };
    let out: StringArray = match col.data_type() {
        DataType::Utf8 => col
            .as_string::<i32>()
            .iter()
            .map(|v| v.and_then(map))
            .collect(),
        DataType::LargeUtf8 => col
            .as_string::<i64>()
            .iter()
            .map(|v| v.and_then(map))
            .collect(),
        _ => return None,
    };
    // A value without a code would be a resolver bug; it must not pass as a null.
    (out.null_count() == col.null_count()).then(|| Arc::new(out) as ArrayRef)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"
domain: d
system: { name: s, format: jsonl, dates: epoch, decimals: minor_units, booleans: Y/N }
entities:
  t:
    rows: { fixed: 3 }
    primary_key: id
    export:
      codes: { c: { a: Alpha, b: Beta } }
      columns: { ts: { timestamps: local, utc_offset: "-05:30" } }
    attributes:
      id: { type: int64, key: sequence }
      c: { type: string, choice: [a, b] }
      day: { type: date, const: 2025-10-07 }
      ts: { type: timestamp, const: "2025-10-07T01:02:03.456" }
      amount: { type: "decimal(18,2)", const: 1.5 }
      flag: { type: bool, const: true }
"#;

    fn entity() -> Entity {
        let checked = crate::check_texts(&[("d.yaml", SPEC)]);
        match checked.ir {
            Some(ir) => ir.entities[0].clone(),
            None => panic!("{}", checked.render(false)),
        }
    }

    fn batch(ent: &Entity, amount: i128) -> RecordBatch {
        let cols: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(vec![1])),
            Arc::new(StringArray::from(vec!["b"])),
            Arc::new(Date32Array::from(vec![20368])),
            Arc::new(TimestampMillisecondArray::from(vec![1_759_798_923_456])),
            Arc::new(
                Decimal128Array::from(vec![amount])
                    .with_precision_and_scale(18, 2)
                    .unwrap(),
            ),
            Arc::new(BooleanArray::from(vec![true])),
        ];
        let fields: Vec<Field> = ent
            .exported()
            .map(|(_, a)| Field::new(&a.name, a.ty.arrow(), a.nullable))
            .collect();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).unwrap()
    }

    #[test]
    fn columns_are_written_in_their_styles() {
        let ent = entity();
        let schema = schema(&ent).unwrap();
        let out = transform(&ent, &schema, &batch(&ent, 150)).unwrap();
        let text = |i: usize| out.column(i).as_string::<i32>().value(0).to_string();
        let int = |i: usize| {
            out.column(i)
                .as_primitive::<crate::arrow::datatypes::Int64Type>()
                .value(0)
        };
        assert_eq!(int(0), 1);
        assert_eq!(text(1), "Beta");
        assert_eq!(int(2), 1_759_795_200);
        assert_eq!(text(3), "2025-10-06 19:32:03 -0530");
        assert_eq!(int(4), 150);
        assert_eq!(text(5), "Y");
    }

    /// The resolver refuses minor units for precisions over 18; a value beyond 64 bits that
    /// reached the transform anyway is an error, never a wrapped number.
    #[test]
    fn minor_units_beyond_64_bits_are_an_error() {
        let ent = entity();
        let schema = schema(&ent).unwrap();
        let big = i128::from(i64::MAX) + 1;
        assert!(transform(&ent, &schema, &batch(&ent, big)).is_err());
    }
}
