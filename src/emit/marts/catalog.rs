//! The metastore tables of the layers the dbt project writes: the processed (silver) tables,
//! one per entity in the truth's shape at `processed/<domain>/<entity>/` (database
//! `<domain>_processed`), and the curated (gold) tables, one per dimension and fact at
//! `curated/<mart>/<table>/` (database `curated`). Both are [`Table`]s, printed by the same
//! Athena DDL and Glue TableInput printers as the lake's own tables.

use crate::emit::table::{
    COLUMN_COMMENT_BYTES, Column, Storage, TABLE_COMMENT_BYTES, Table, athena_compression,
    folder_location, table,
};
use crate::emit::{EmitOptions, one_line_within};
use crate::ir::Ir;
use crate::ir::marts::TableColumn;

/// The Glue database of the gold tables.
pub const CURATED_DATABASE: &str = "curated";

/// The database of a domain's processed tables.
pub fn processed_database(domain: &str) -> String {
    format!("{domain}_processed")
}

/// The processed tables of domain `d`: the truth's tables, unpartitioned (dbt writes each as
/// plain Parquet files), at `processed/<domain>/<entity>/`. Empty without source systems
/// (then the lake has no silver layer).
pub fn processed_tables(ir: &Ir, opts: &EmitOptions, d: usize) -> Vec<Table> {
    if !ir.systems {
        return Vec::new();
    }
    let dom = &ir.domains[d];
    dom.entities
        .iter()
        .map(|&e| {
            let mut t = table(ir, opts, e);
            t.database = processed_database(&dom.name);
            t.location = folder_location(
                &opts.bucket,
                &format!("processed/{}/{}", dom.name, ir.entities[e].name),
            );
            t.partition = None;
            t.properties = parquet_properties(opts);
            t
        })
        .collect()
}

fn parquet_properties(opts: &EmitOptions) -> Vec<(String, String)> {
    vec![
        ("classification".to_string(), "parquet".to_string()),
        (
            "parquet.compression".into(),
            athena_compression(opts.compression).into(),
        ),
    ]
}

fn curated_table(
    opts: &EmitOptions,
    mart: &str,
    name: &str,
    description: &str,
    cols: Vec<TableColumn>,
) -> Table {
    Table {
        database: CURATED_DATABASE.to_string(),
        name: name.to_string(),
        comment: one_line_within(description, TABLE_COMMENT_BYTES),
        owner: "lab".to_string(),
        columns: cols
            .into_iter()
            .map(|c| Column {
                name: c.name,
                ty: c.ty.athena(),
                comment: one_line_within(&c.description, COLUMN_COMMENT_BYTES),
                pii: false,
            })
            .collect(),
        partition: None,
        location: folder_location(&opts.bucket, &format!("curated/{mart}/{name}")),
        properties: parquet_properties(opts),
        storage: Storage::Parquet,
    }
}

/// The curated tables of mart `m`: its dimensions, then its facts.
pub fn curated_tables(ir: &Ir, opts: &EmitOptions, m: usize) -> Vec<Table> {
    let marts = &ir.marts;
    let mart = &marts.marts[m];
    let dims = mart.dimensions.iter().map(|&d| {
        let dim = &marts.dimensions[d];
        curated_table(
            opts,
            &mart.name,
            &dim.name,
            &dim.description,
            dim.columns(ir),
        )
    });
    let facts = mart.facts.iter().map(|&f| {
        let fact = &marts.facts[f];
        curated_table(
            opts,
            &mart.name,
            &fact.name,
            &fact.description,
            fact.columns(ir, marts),
        )
    });
    dims.chain(facts).collect()
}
