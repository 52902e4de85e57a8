//! The lake manifest (`<out>/lake/_manifest.json`): what downstream tools read to find every
//! entity's files, row counts, checksums, keys and foreign keys. Nothing time-dependent goes
//! in, so the manifest is as deterministic as the data.

use crate::ir::Ir;
use serde::Serialize;

#[derive(Serialize, Debug, Clone)]
pub struct Manifest {
    pub lab_version: String,
    pub seed: u64,
    pub scale: f64,
    pub specs_sha256: String,
    pub formats: Vec<String>,
    pub compression: String,
    /// Whether the source systems' exports were written (`false` after `--clean`); only when
    /// the specs declare systems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exports: Option<bool>,
    /// `--as-of`: the day the lake shows (`YYYY-MM-DD`); absent for the full lake.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    pub entities: Vec<EntityEntry>,
}

/// The as-of day of a cutoff (the first instant after the day), as `YYYY-MM-DD`.
pub fn as_of_date(cutoff_ms: i64) -> String {
    let day = cutoff_ms.div_euclid(crate::ir::value::MS_PER_DAY) - 1;
    let (y, m, d) = crate::ir::value::civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

#[derive(Serialize, Debug, Clone)]
pub struct EntityEntry {
    pub domain: String,
    pub entity: String,
    pub rows: u64,
    pub primary_key: Vec<String>,
    pub foreign_keys: Vec<ForeignKeyEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition_key: Option<String>,
    pub files: Vec<FileEntry>,
}

#[derive(Serialize, Debug, Clone)]
pub struct ForeignKeyEntry {
    pub columns: Vec<String>,
    pub references: Reference,
}

#[derive(Serialize, Debug, Clone)]
pub struct Reference {
    pub domain: String,
    pub entity: String,
    pub columns: Vec<String>,
}

#[derive(Serialize, Debug, Clone)]
pub struct FileEntry {
    /// Relative to `<out>/lake/`.
    pub path: String,
    pub format: String,
    /// `raw` (a system's export) or `truth` (the clean data); only when the specs declare
    /// source systems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    pub rows: u64,
    pub bytes: u64,
    pub sha256: String,
}

/// The manifest skeleton of an entity (files are filled in by the writer).
pub fn entity_entry(ir: &Ir, e: usize, rows: u64) -> EntityEntry {
    let ent = &ir.entities[e];
    let names = |ids: &[usize], ent: &crate::ir::Entity| {
        ids.iter()
            .map(|&a| ent.attributes[a].name.clone())
            .collect::<Vec<_>>()
    };
    EntityEntry {
        domain: ir.domains[ent.domain].name.clone(),
        entity: ent.name.clone(),
        rows,
        primary_key: names(&ent.primary_key, ent),
        foreign_keys: ent
            .foreign_keys
            .iter()
            .filter(|fk| fk.columns.iter().all(|&a| !ent.attributes[a].hidden))
            .map(|fk| {
                let t = &ir.entities[fk.target];
                ForeignKeyEntry {
                    columns: names(&fk.columns, ent),
                    references: Reference {
                        domain: ir.domains[t.domain].name.clone(),
                        entity: t.name.clone(),
                        columns: names(&fk.target_columns, t),
                    },
                }
            })
            .collect(),
        partition_key: ent.partition.as_ref().map(|p| p.key.clone()),
        files: Vec::new(),
    }
}
