//! Glue `TableInput` documents, one per entity, as `aws glue create-table --database-name <domain>
//! --table-input file://<entity>.json` takes them: an external Parquet table with its columns,
//! partition keys (`[]` when unpartitioned, which Athena needs), location, SerDe and the same
//! table properties as the Athena DDL (both come from [`super::table`]). No `DatabaseName` or
//! timestamps: `create-table` rejects them inside `TableInput`.

use super::EmitOptions;
use super::table::{Column, Storage, Table, raw_table, table};
use crate::ir::{EntityId, Ir};
use serde_json::{Map, Value, json};

/// The TableInput JSON of entity `e`, pretty-printed with a trailing newline.
pub fn render_table(ir: &Ir, opts: &EmitOptions, e: EntityId) -> String {
    let mut s = serde_json::to_string_pretty(&table_input(&table(ir, opts, e)))
        .unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

/// The TableInput JSON of entity `e`'s raw export (`None` without a system).
pub fn render_raw_table(ir: &Ir, opts: &EmitOptions, e: EntityId) -> Option<String> {
    let mut s = serde_json::to_string_pretty(&table_input(&raw_table(ir, opts, e)?))
        .unwrap_or_else(|_| "{}".into());
    s.push('\n');
    Some(s)
}

/// The TableInput JSON of a table.
pub fn render(t: &Table) -> String {
    let mut s = serde_json::to_string_pretty(&table_input(t)).unwrap_or_else(|_| "{}".into());
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
    let (serde, input, output) = t.storage.serde();
    let mut serde_params = Map::new();
    match &t.storage {
        Storage::Csv(props) => {
            for (k, v) in props {
                serde_params.insert(k.clone(), v.clone().into());
            }
        }
        Storage::Parquet | Storage::Json => {
            serde_params.insert("serialization.format".into(), "1".into());
        }
    }
    ti.insert(
        "StorageDescriptor".into(),
        json!({
            "Columns": t.columns.iter().map(column).collect::<Vec<_>>(),
            "Location": t.location,
            "InputFormat": input,
            "OutputFormat": output,
            "Compressed": false,
            "SerdeInfo": {
                "SerializationLibrary": serde,
                "Parameters": serde_params
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
