//! The dbt project of the lake's bronze → silver half (`generated/dbt/`): the project file,
//! profiles for DuckDB, Spark and Athena, the macros the models share, one sources file per
//! source system describing every raw table and column from the dictionary, and one staging
//! model per raw table that reads the system's value styles back into the truth's types. Pure
//! text from the IR, like every emitter; what each raw table looks like (columns, Athena types,
//! SerDe properties) comes from [`super::table::raw_table`], so the project and the raw DDL
//! cannot disagree.

mod deliveries;
pub mod increments;
mod intermediate;
mod project;
mod raw_tests;
mod sources;
mod staging;

use super::{Artifact, EmitOptions};
use crate::ir::{EntityId, Ir};

/// The folder of the project in the output directory.
pub const DIR: &str = "dbt";

/// One raw table the project reads: the source (system, or domain for a domain without a
/// system), the entity, its folder under the lake and the schema (database) of its relation.
#[derive(Clone, Debug)]
pub struct RawTable {
    pub source: String,
    pub entity: EntityId,
    /// `raw/<source>/<entity>`, or `truth/<domain>/<entity>` for a domain without a system in
    /// specs that declare systems.
    pub path: String,
    /// `<source>_raw`, or `<domain>_truth` (lab's Athena database of the truth).
    pub schema: String,
}

/// The raw tables of the lake, by source then entity: every export of a system, every entity
/// of a domain that declares no system (its clean Parquet: `raw/<domain>/` when the specs
/// declare no system at all, else `truth/<domain>/`), unless a system has the domain's name.
pub fn raw_tables(ir: &Ir) -> Vec<RawTable> {
    let exporting: Vec<bool> = (0..ir.domains.len())
        .map(|d| {
            ir.entities
                .iter()
                .any(|e| e.domain == d && e.export.is_some())
        })
        .collect();
    let systems: Vec<&str> = ir
        .entities
        .iter()
        .filter_map(|e| e.export.as_ref().map(|x| x.system.as_str()))
        .collect();
    let mut out: Vec<RawTable> = ir
        .entities
        .iter()
        .enumerate()
        .filter_map(|(e, ent)| {
            let domain = &ir.domains[ent.domain].name;
            let (source, layer) = match &ent.export {
                Some(x) => (x.system.clone(), "raw"),
                None if !ir.systems => (domain.clone(), "raw"),
                None if !exporting[ent.domain] && !systems.contains(&domain.as_str()) => {
                    (domain.clone(), "truth")
                }
                None => return None,
            };
            Some(RawTable {
                path: format!("{layer}/{source}/{}", ent.name),
                schema: format!("{source}_{layer}"),
                source,
                entity: e,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        (&a.source, &ir.entities[a.entity].name).cmp(&(&b.source, &ir.entities[b.entity].name))
    });
    out
}

/// Every file of the dbt project, paths under [`DIR`].
pub fn render(ir: &Ir, opts: &EmitOptions) -> Vec<Artifact> {
    let tables = raw_tables(ir);
    let mut out = project::render(ir);
    let mut sources: Vec<&str> = tables.iter().map(|t| t.source.as_str()).collect();
    sources.dedup();
    for source in sources {
        let mine: Vec<&RawTable> = tables.iter().filter(|t| t.source == source).collect();
        let dir = format!("{DIR}/models/staging/{source}");
        out.push(Artifact::new(
            format!("{dir}/_{source}__sources.yml"),
            sources::render(ir, opts, source, &mine),
        ));
        out.push(Artifact::new(
            format!("{dir}/_{source}__models.yml"),
            staging::models_yml(ir, source, &mine),
        ));
        for t in mine {
            out.push(Artifact::new(
                format!("{dir}/{}.sql", staging::model_name(ir, t)),
                staging::model_sql(ir, t),
            ));
        }
    }
    let all: Vec<&RawTable> = tables.iter().collect();
    let dir = format!("{DIR}/models/intermediate");
    let records = intermediate::records_sql(ir, &all);
    out.push(Artifact::new(
        format!("{dir}/{}.py", intermediate::FOLDERS),
        intermediate::FOLDERS_PY,
    ));
    out.push(Artifact::new(
        format!("{dir}/_intermediate__models.yml"),
        intermediate::models_yml(ir, &all, records.is_some()),
    ));
    if let Some(sql) = records {
        out.push(Artifact::new(
            format!("{dir}/{}.sql", intermediate::RECORDS),
            sql,
        ));
        out.push(Artifact::new(
            format!("{dir}/{}.sql", intermediate::CROSSWALK),
            intermediate::crosswalk_sql(),
        ));
    }
    for t in &all {
        out.push(Artifact::new(
            format!("{dir}/{}.sql", silver_model(ir, t.entity)),
            intermediate::entity_sql(ir, t, &all),
        ));
    }
    out.extend(increments::render(ir));
    out.extend(deliveries::render(ir, opts));
    out
}

/// The silver model of a truth entity: `int_<domain>__<entity>` (the gold models read it).
pub fn silver_model(ir: &Ir, entity: EntityId) -> String {
    let e = &ir.entities[entity];
    format!("int_{}__{}", ir.domains[e.domain].name, e.name)
}

/// A YAML scalar: a double-quoted string (JSON's escapes are YAML's), with the `{{`, `{%` and
/// `{#` that dbt would render as Jinja broken up.
pub fn yaml_str(s: &str) -> String {
    let safe = s
        .replace("{{", "{ {")
        .replace("{%", "{ %")
        .replace("{#", "{ #");
    serde_json::Value::String(safe).to_string()
}

/// A single-quoted SQL string literal (quotes doubled).
pub fn sql_str(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A Jinja string literal (single-quoted, backslash and quote escaped).
pub fn jinja_str(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_their_quotes() {
        assert_eq!(yaml_str("a \"b\"\n"), r#""a \"b\"\n""#);
        assert_eq!(sql_str("it's"), "'it''s'");
        assert_eq!(jinja_str(r"it's \x"), r"'it\'s \\x'");
    }
}
