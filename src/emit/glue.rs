//! Glue `TableInput` documents, one per entity, as `aws glue create-table --database-name <domain>
//! --table-input file://<entity>.json` takes them: an external Parquet table with its columns,
//! partition keys (`[]` when unpartitioned, which Athena needs), location, SerDe and the same
//! table properties as the Athena DDL (both come from [`super::table`]). No `DatabaseName` or
//! timestamps: `create-table` rejects them inside `TableInput`.

use super::EmitOptions;
use super::table::{Column, INPUT_FORMAT, OUTPUT_FORMAT, SERDE, Table, table};
use crate::ir::{EntityId, Ir};
use serde_json::{Map, Value, json};

/// The TableInput JSON of entity `e`, pretty-printed with a trailing newline.
pub fn render_table(ir: &Ir, opts: &EmitOptions, e: EntityId) -> String {
    let mut s = serde_json::to_string_pretty(&table_input(&table(ir, opts, e)))
        .unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

pub fn table_input(t: &Table) -> Value {
    let mut params: Map<String, Value> = Map::new();
    params.insert("EXTERNAL".into(), "TRUE".into());
    for (k, v) in &t.properties {
        params.insert(k.clone(), v.clone().into());
    }
    let mut ti = Map::new();
    ti.insert("Name".into(), t.name.clone().into());
    if !t.comment.is_empty() {
        ti.insert("Description".into(), t.comment.clone().into());
    }
    if !t.owner.is_empty() {
        ti.insert("Owner".into(), t.owner.clone().into());
    }
    ti.insert("TableType".into(), "EXTERNAL_TABLE".into());
    ti.insert("Parameters".into(), Value::Object(params));
    ti.insert(
        "PartitionKeys".into(),
        Value::Array(t.partition.iter().map(column).collect()),
    );
    ti.insert(
        "StorageDescriptor".into(),
        json!({
            "Columns": t.columns.iter().map(column).collect::<Vec<_>>(),
            "Location": t.location,
            "InputFormat": INPUT_FORMAT,
            "OutputFormat": OUTPUT_FORMAT,
            "Compressed": false,
            "SerdeInfo": {
                "SerializationLibrary": SERDE,
                "Parameters": { "serialization.format": "1" }
            }
        }),
    );
    Value::Object(ti)
}

fn column(c: &Column) -> Value {
    let mut m = Map::new();
    m.insert("Name".into(), c.name.clone().into());
    m.insert("Type".into(), c.ty.clone().into());
    if !c.comment.is_empty() {
        m.insert("Comment".into(), c.comment.clone().into());
    }
    if c.pii {
        m.insert("Parameters".into(), json!({ "pii": "true" }));
    }
    Value::Object(m)
}
