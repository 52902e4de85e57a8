//! JSON Lines with nested fields: the export batch stays flat, and each line is assembled from
//! its columns by the export's nesting ([`crate::ir::nest`]) — records as objects, GA4
//! parameter arrays as `[{"key": …, "value": {"string_value": …, "int_value": …,
//! "float_value": null, "double_value": …}}, …]` (a null column omits its parameter), arrays
//! as the non-null values. Keys come in a fixed order (top-level columns and fields in export
//! column order, members in declared order, the four value slots always), and numbers are the
//! exact texts of the clean values, so lines are deterministic. A flat export keeps
//! [`super::dialect::JsonLines`].

use super::dialect::{Row, RowBytes, TextFile, for_each_row, json_string, push_json_string};
use super::format::{Encoded, FileOut, FileWriter, Format};
use crate::arrow::datatypes::DataType;
use crate::arrow::record_batch::RecordBatch;
use crate::ir::nest::{Node, Slot, Top, top_level};
use crate::ir::{AttrId, Entity};
use std::io;

/// One key of a line (or of a record) and what it holds; keys are JSON-encoded once.
enum Part {
    Column(String, usize),
    Record(String, Vec<Part>),
    /// The encoded key, and per parameter its column with the text before and after its value
    /// (`{"key":…,"value":{"string_value":null,"int_value":` … `,"float_value":null,…}}`).
    Params(String, Vec<Param>),
    Array(String, Vec<usize>),
}

/// One parameter of a GA4 parameter array: its column, and the constant text around its value.
struct Param {
    column: usize,
    before: String,
    after: String,
}

impl Param {
    fn new(key: &str, column: usize, slot: Slot) -> Param {
        let mut before = format!("{{\"key\":{},\"value\":{{", json_string(key));
        let mut after = String::new();
        let mut seen = false;
        for (s, name) in Slot::KEYS.iter().enumerate() {
            let text = if seen { &mut after } else { &mut before };
            if s > 0 {
                text.push(',');
            }
            text.push('"');
            text.push_str(name);
            text.push_str("\":");
            if *name == slot.key() {
                seen = true;
            } else {
                text.push_str("null");
            }
        }
        after.push_str("}}");
        Param {
            column,
            before,
            after,
        }
    }
}

/// The nested JSON Lines writer of one entity's export.
pub struct NestedJsonLines {
    parts: Vec<Part>,
    /// The columns parameter arrays hold, converted to their GA4 value types before writing.
    params: Vec<usize>,
    row_bytes: RowBytes,
}

impl NestedJsonLines {
    /// The writer of `ent`'s export.
    pub fn new(ent: &Entity) -> NestedJsonLines {
        let params = crate::export::nest::param_columns(ent);
        let Some(x) = &ent.export else {
            return NestedJsonLines {
                parts: Vec::new(),
                params,
                row_bytes: RowBytes::new(256),
            };
        };
        let index = |a: AttrId| x.columns.iter().position(|(c, _)| *c == a).unwrap_or(0);
        fn part(key: &str, node: &Node, ent: &Entity, index: &dyn Fn(AttrId) -> usize) -> Part {
            let key = json_string(key);
            match node {
                Node::Column(a) => Part::Column(key, index(*a)),
                Node::Record(m) => {
                    Part::Record(key, m.iter().map(|(k, n)| part(k, n, ent, index)).collect())
                }
                Node::Params(p) => Part::Params(
                    key,
                    p.iter()
                        .map(|(k, a)| Param::new(k, index(*a), Slot::of(ent.attributes[*a].ty)))
                        .collect(),
                ),
                Node::Array(a) => Part::Array(key, a.iter().map(|a| index(*a)).collect()),
            }
        }
        let parts = top_level(x)
            .into_iter()
            .map(|t| match t {
                Top::Flat(a) => Part::Column(json_string(&ent.attributes[a].name), index(a)),
                Top::Nested(name, node) => part(name, node, ent, &index),
            })
            .collect();
        NestedJsonLines {
            parts,
            params,
            row_bytes: RowBytes::new(256),
        }
    }

    /// The writer of `ent`'s export with columns `extra` after the export's own, written as
    /// top-level keys at the end of each line (the change-data columns of an increment).
    pub fn with_extra(ent: &Entity, extra: &[&str]) -> NestedJsonLines {
        let mut w = NestedJsonLines::new(ent);
        let n = ent.export.as_ref().map_or(0, |x| x.columns.len());
        for (k, name) in extra.iter().enumerate() {
            w.parts.push(Part::Column(json_string(name), n + k));
        }
        w
    }

    fn value(out: &mut String, row: &Row<'_>, bare: &[bool], k: usize) {
        match row.get(k) {
            None => out.push_str("null"),
            Some(v) => Self::text(out, v, bare, k),
        }
    }

    /// The non-null value `v` of column `k`: bare or as a JSON string.
    fn text(out: &mut String, v: &str, bare: &[bool], k: usize) {
        if bare.get(k) == Some(&true) {
            out.push_str(v);
        } else {
            push_json_string(out, v);
        }
    }

    fn object(&self, out: &mut String, parts: &[Part], row: &Row<'_>, bare: &[bool]) {
        out.push('{');
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            match p {
                Part::Column(key, k) => {
                    out.push_str(key);
                    out.push(':');
                    Self::value(out, row, bare, *k);
                }
                Part::Record(key, members) => {
                    out.push_str(key);
                    out.push(':');
                    self.object(out, members, row, bare);
                }
                Part::Params(key, params) => {
                    out.push_str(key);
                    out.push_str(":[");
                    let mut first = true;
                    for p in params {
                        let Some(v) = row.get(p.column) else {
                            continue;
                        };
                        if !first {
                            out.push(',');
                        }
                        first = false;
                        out.push_str(&p.before);
                        Self::text(out, v, bare, p.column);
                        out.push_str(&p.after);
                    }
                    out.push(']');
                }
                Part::Array(key, cols) => {
                    out.push_str(key);
                    out.push_str(":[");
                    let mut first = true;
                    for k in cols {
                        let Some(v) = row.get(*k) else {
                            continue;
                        };
                        if !first {
                            out.push(',');
                        }
                        first = false;
                        Self::text(out, v, bare, *k);
                    }
                    out.push(']');
                }
            }
        }
        out.push('}');
    }
}

impl Format for NestedJsonLines {
    fn name(&self) -> &'static str {
        "jsonl"
    }

    fn encode(&self, batch: &RecordBatch) -> io::Result<Encoded> {
        let batch =
            crate::export::nest::param_values(batch, &self.params).map_err(io::Error::other)?;
        // Numbers and booleans are bare, everything else a string, by what the batch holds.
        let bare: Vec<bool> = batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.data_type().is_numeric() || *f.data_type() == DataType::Boolean)
            .collect();
        let mut text = self.row_bytes.buffer(batch.num_rows());
        for_each_row(&batch, |row| {
            self.object(&mut text, &self.parts, row, &bare);
            text.push('\n');
        })?;
        self.row_bytes.record(&text, batch.num_rows());
        Ok(Box::new(text.into_bytes()))
    }

    fn begin(&self, out: FileOut) -> io::Result<Box<dyn FileWriter>> {
        Ok(Box::new(TextFile(out)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arrow::array::{
        ArrayRef, BooleanArray, Date32Array, Decimal128Array, Int64Array, StringArray,
        TimestampMillisecondArray,
    };
    use crate::arrow::datatypes::{Field, Schema};
    use std::sync::Arc;

    const SPEC: &str = r#"
domain: d
system: { name: s, format: jsonl, booleans: Y/N }
entities:
  t:
    rows: { fixed: 2 }
    primary_key: id
    export:
      nest:
        tags: { array: [tag_a, tag_b] }
        device: { record: { kind: device_kind, sub: { record: [flag] } } }
        event_params: { params: [title, seen_at, seen_on, flag2, price] }
    attributes:
      id: { type: int64, key: sequence }
      tag_a: { type: string, const: x, nulls: 0.5 }
      device_kind: { type: string, const: mobile }
      title: { type: string, const: "a \"b\"", nulls: 0.5 }
      flag: { type: bool, const: true }
      seen_at: { type: timestamp, const: "2025-10-07T09:50:26.123" }
      seen_on: { type: date, const: 2025-10-07 }
      flag2: { type: bool, const: false }
      price: { type: "decimal(10,2)", const: 1.5 }
      tag_b: { type: string, const: y, nulls: 0.5 }
"#;

    /// Two rows: the first with every value, the second with the nullable ones null.
    fn lines() -> String {
        let checked = crate::check_texts(&[("d.yaml", SPEC)]);
        let Some(ir) = checked.ir else {
            panic!("{}", checked.render(false));
        };
        let ent = &ir.entities[0];
        let cols: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(vec![1, 2])),
            Arc::new(StringArray::from(vec![Some("x"), None])),
            Arc::new(StringArray::from(vec!["mobile", "mobile"])),
            Arc::new(StringArray::from(vec![Some("a \"b\""), None])),
            Arc::new(BooleanArray::from(vec![true, true])),
            Arc::new(TimestampMillisecondArray::from(vec![1_759_830_626_123; 2])),
            Arc::new(Date32Array::from(vec![20368; 2])),
            Arc::new(BooleanArray::from(vec![false, false])),
            Arc::new(
                Decimal128Array::from(vec![150, 150])
                    .with_precision_and_scale(10, 2)
                    .unwrap(),
            ),
            Arc::new(StringArray::from(vec![Some("y"), None])),
        ];
        let fields: Vec<Field> = ent
            .exported()
            .map(|(_, a)| Field::new(&a.name, a.ty.arrow(), a.nullable))
            .collect();
        let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).unwrap();
        let schema = crate::export::schema(ent).unwrap();
        let out = crate::export::transform(ent, &schema, &batch).unwrap();
        let w = NestedJsonLines::new(ent);
        let bytes = w.encode(&out).unwrap().downcast::<Vec<u8>>().unwrap();
        String::from_utf8(*bytes).unwrap()
    }

    #[test]
    fn lines_nest_in_a_fixed_order_with_ga4_values() {
        let text = lines();
        let mut it = text.lines();
        let slot = |s: &str, i: &str, d: &str| {
            format!(
                r#"{{"string_value":{s},"int_value":{i},"float_value":null,"double_value":{d}}}"#
            )
        };
        let params = [
            format!(
                r#"{{"key":"title","value":{}}}"#,
                slot(r#""a \"b\"""#, "null", "null")
            ),
            format!(
                r#"{{"key":"seen_at","value":{}}}"#,
                slot("null", "1759830626123000", "null")
            ),
            format!(
                r#"{{"key":"seen_on","value":{}}}"#,
                slot(r#""20251007""#, "null", "null")
            ),
            format!(r#"{{"key":"flag2","value":{}}}"#, slot("null", "0", "null")),
            format!(
                r#"{{"key":"price","value":{}}}"#,
                slot("null", "null", "1.50")
            ),
        ];
        let first = format!(
            r#"{{"id":1,"tags":["x","y"],"device":{{"kind":"mobile","sub":{{"flag":"Y"}}}},"event_params":[{}]}}"#,
            params.join(",")
        );
        assert_eq!(it.next(), Some(first.as_str()));
        let second = format!(
            r#"{{"id":2,"tags":[],"device":{{"kind":"mobile","sub":{{"flag":"Y"}}}},"event_params":[{}]}}"#,
            params[1..].join(",")
        );
        assert_eq!(it.next(), Some(second.as_str()));
        assert_eq!(it.next(), None);
    }
}
