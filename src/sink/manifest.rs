//! The lake manifest (`<out>/lake/_manifest.json`): what downstream tools read to find every
//! entity's files, row counts, checksums, keys and foreign keys. Nothing time-dependent goes
//! in, so the manifest is as deterministic as the data.

use crate::ir::Ir;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
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
    /// A part manifest (`lab compile --part k --parts N`): which part of how many this is;
    /// absent for a whole lake. Its entities list the rows and files of this part only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<PartEntry>,
    pub entities: Vec<EntityEntry>,
}

/// Which part of a split run a part manifest describes.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartEntry {
    pub index: u32,
    pub of: u32,
}

/// The as-of day of a cutoff (the first instant after the day), as `YYYY-MM-DD`.
pub fn as_of_date(cutoff_ms: i64) -> String {
    let day = cutoff_ms.div_euclid(crate::ir::value::MS_PER_DAY) - 1;
    let (y, m, d) = crate::ir::value::civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
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

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct ForeignKeyEntry {
    pub columns: Vec<String>,
    pub references: Reference,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct Reference {
    pub domain: String,
    pub entity: String,
    pub columns: Vec<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
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

/// Combines the part manifests of one split run (`lab compile --part k --parts N`, each
/// named by a label for messages) into the lake's manifest, exactly as the single run writes
/// it: every part of `1..=N` exactly once, all with one fingerprint (specs, seed, scale,
/// formats, compression, exports, as-of day, version) and the same entities; an entity's rows
/// are the sum of the parts' rows and its files the union of theirs, each path once, sorted
/// by path as the single run sorts them. Also returns, per file path, the position in
/// `parts` of the part that wrote it.
pub fn merge(parts: &[(String, Manifest)]) -> Result<(Manifest, BTreeMap<String, usize>), String> {
    let Some((first_label, first)) = parts.first() else {
        return Err("no parts to merge".into());
    };
    let mut seen: BTreeMap<u32, &str> = BTreeMap::new();
    let mut of = None;
    for (label, m) in parts {
        let Some(p) = m.part else {
            return Err(format!(
                "`{label}` is a whole lake, not a part (its manifest names no part); merge the \
                 outputs of `lab compile --part K --parts N`"
            ));
        };
        let (want_label, want) = *of.get_or_insert((label.as_str(), p.of));
        if p.of != want {
            return Err(format!(
                "`{want_label}` is a part of {want} but `{label}` is part {} of {}: the parts \
                 come from different splits",
                p.index, p.of
            ));
        }
        if let Some(field) = fingerprint_difference(first, m) {
            return Err(format!(
                "`{label}` was written with another {field} than `{first_label}`: the parts of \
                 one lake need the same specs, --seed, --scale, --format, --compression, \
                 --clean, --as-of and lab version"
            ));
        }
        if let Some(other) = seen.insert(p.index, label) {
            return Err(format!(
                "`{other}` and `{label}` are both part {} of {}",
                p.index, p.of
            ));
        }
    }
    let n = of.map_or(0, |o| o.1);
    let missing: Vec<String> = (1..=n)
        .filter(|k| !seen.contains_key(k))
        .map(|k| k.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "part {} of {n} missing: a lake needs every part",
            missing.join(", ")
        ));
    }
    let mut merged = Manifest {
        part: None,
        ..first.clone()
    };
    let mut owner: BTreeMap<String, usize> = BTreeMap::new();
    for (label, m) in parts.iter().skip(1) {
        if m.entities.len() != merged.entities.len()
            || m.entities
                .iter()
                .zip(&merged.entities)
                .any(|(a, b)| !same_entity(a, b))
        {
            return Err(format!(
                "`{label}` lists other entities than `{first_label}`"
            ));
        }
        for (acc, ent) in merged.entities.iter_mut().zip(&m.entities) {
            acc.rows = acc
                .rows
                .checked_add(ent.rows)
                .ok_or_else(|| format!("`{label}`: the rows of `{}` overflow", ent.entity))?;
            acc.files.extend(ent.files.iter().cloned());
        }
    }
    for (i, (_, m)) in parts.iter().enumerate() {
        for f in m.entities.iter().flat_map(|e| &e.files) {
            if let Some(j) = owner.insert(f.path.clone(), i) {
                return Err(format!(
                    "`{}` is listed twice, by `{}` and `{}`",
                    f.path, parts[j].0, parts[i].0
                ));
            }
        }
    }
    for e in &mut merged.entities {
        e.files.sort_by(|a, b| a.path.cmp(&b.path));
    }
    Ok((merged, owner))
}

/// The first field (as a flag name) in which two manifests' fingerprints differ.
fn fingerprint_difference(a: &Manifest, b: &Manifest) -> Option<&'static str> {
    [
        ("specs (specs_sha256)", a.specs_sha256 == b.specs_sha256),
        ("--seed", a.seed == b.seed),
        ("--scale", a.scale.to_bits() == b.scale.to_bits()),
        ("--format", a.formats == b.formats),
        ("--compression", a.compression == b.compression),
        ("--clean", a.exports == b.exports),
        ("--as-of", a.as_of == b.as_of),
        ("lab version", a.lab_version == b.lab_version),
    ]
    .into_iter()
    .find(|(_, same)| !same)
    .map(|(field, _)| field)
}

/// Whether two entity entries describe the same entity (everything but rows and files).
fn same_entity(a: &EntityEntry, b: &EntityEntry) -> bool {
    a.domain == b.domain
        && a.entity == b.entity
        && a.primary_key == b.primary_key
        && a.foreign_keys == b.foreign_keys
        && a.partition_key == b.partition_key
}
