//! The models that load the source systems' deliveries of the daily increments
//! (`lake/increments/raw/<system>/<entity>/dt=…/`, docs/time.md): per system a source
//! `<system>_deliveries` (schema `<system>_raw_increments`, the database of lab's Athena DDL of
//! the deliveries), registered like the raw exports (format, CSV dialect, JSON column types);
//! per delivered entity a staging model that reads every column exactly as the export's
//! staging model does (the same generated expressions: styles, defects it can undo, drift by
//! the delivery day) plus the change-data columns in the system's timestamp style, and drops
//! replays and exact duplicates; and the incremental current state and SCD2 history keyed on
//! the system's record key, built by the same SQL as the clean change rows' models. Enabled by
//! the var `lab_increments`, tagged `increments` and `deliveries` (docs/dbt.md, "Increments").

use super::increments::{Flow, current_sql, history_sql};
use super::staging::{RECORD_KEY, delivery_lines, exported};
use super::{Artifact, DIR, RawTable, jinja_str, yaml_str};
use crate::emit::EmitOptions;
use crate::emit::marts::ident;
use crate::emit::table::{Table, raw_increments_table};
use crate::ir::export::{Change, ExportFormat};
use crate::ir::{EntityId, Ir};
use std::fmt::Write as _;

/// The folder of the deliveries' models under `models/increments/` (as under the lake).
const RAW: &str = "raw";

/// The tag of the deliveries' models (beside the folder's `increments`): a lake compiled with
/// `--clean` has no deliveries, so `--exclude tag:deliveries` loads its clean change rows only.
const TAG: &str = "deliveries";

/// The source of `system`'s deliveries.
fn source(system: &str) -> String {
    format!("{system}_deliveries")
}

/// The staging model of a delivered entity.
pub fn staging_model(system: &str, ir: &Ir, e: EntityId) -> String {
    format!("stg_{}__{}", source(system), ir.entities[e].name)
}

/// The incremental current state of a delivered entity.
pub fn current_model(system: &str, ir: &Ir, e: EntityId) -> String {
    format!("int_{}__{}_current", source(system), ir.entities[e].name)
}

/// The incremental SCD2 history of a delivered entity.
pub fn history_model(system: &str, ir: &Ir, e: EntityId) -> String {
    format!("int_{}__{}_history", source(system), ir.entities[e].name)
}

/// The delivered tables, by system then entity: every export of an entity whose rows change
/// over time, with its Athena table (the columns and dialect the files have).
fn delivered(ir: &Ir, opts: &EmitOptions) -> Vec<(String, EntityId, Table)> {
    let mut out: Vec<(String, EntityId, Table)> = (0..ir.entities.len())
        .filter_map(|e| {
            let x = ir.entities[e].export.as_ref()?;
            Some((x.system.clone(), e, raw_increments_table(ir, opts, e)?))
        })
        .collect();
    out.sort_by(|a, b| (&a.0, &ir.entities[a.1].name).cmp(&(&b.0, &ir.entities[b.1].name)));
    out
}

/// The files of the deliveries' models (none without deliveries).
pub fn render(ir: &Ir, opts: &EmitOptions) -> Vec<Artifact> {
    let all = delivered(ir, opts);
    let mut systems: Vec<&str> = all.iter().map(|(s, _, _)| s.as_str()).collect();
    systems.dedup();
    let mut out = Vec::new();
    for system in systems {
        let mine: Vec<&(String, EntityId, Table)> =
            all.iter().filter(|(s, _, _)| s == system).collect();
        let dir = format!("{DIR}/models/increments/{RAW}/{system}");
        let src = source(system);
        out.push(Artifact::new(
            format!("{dir}/_{src}__sources.yml"),
            sources_yml(ir, system, &mine),
        ));
        out.push(Artifact::new(
            format!("{dir}/_{src}__models.yml"),
            models_yml(ir, system, &mine),
        ));
        for (_, e, _) in &mine {
            let f = flow(ir, system, *e);
            out.push(Artifact::new(
                format!("{dir}/{}.sql", f.staging),
                staging_sql(ir, system, *e),
            ));
            out.push(Artifact::new(
                format!("{dir}/{}.sql", current_model(system, ir, *e)),
                current_sql(&f),
            ));
            out.push(Artifact::new(
                format!("{dir}/{}.sql", history_model(system, ir, *e)),
                history_sql(&f),
            ));
        }
    }
    out
}

/// The change rows of `system`'s delivery of entity `e`: keyed on the record key as the system
/// writes it, the staged columns after it.
fn flow(ir: &Ir, system: &str, e: EntityId) -> Flow {
    let ent = &ir.entities[e];
    let mut data = vec![RECORD_KEY.to_string()];
    data.extend(exported(ent).iter().map(|(_, a)| ident(&a.name)));
    Flow {
        staging: staging_model(system, ir, e),
        key: vec![RECORD_KEY.to_string()],
        data,
        what: format!("`{}` as `{system}` delivers it", ent.qualified),
    }
}

fn sources_yml(ir: &Ir, system: &str, mine: &[&(String, EntityId, Table)]) -> String {
    let mut out = String::new();
    let src = source(system);
    let _ = writeln!(
        out,
        "# The deliveries of the daily increments by `{system}`, generated by lab from the specs; do not edit.\nversion: 2\n\nsources:\n  - name: {src}\n    schema: {system}_raw_increments"
    );
    let _ = writeln!(
        out,
        "    description: {}",
        yaml_str(&format!(
            "The change rows `{system}` delivers day by day under the lake's increments/{RAW}/{system}/ (lab compile --increments without --clean), as it writes its exports: one partition dt=YYYY-MM-DD per delivery day."
        ))
    );
    let _ = writeln!(out, "    tables:");
    for (_, e, t) in mine {
        let ent = &ir.entities[*e];
        let _ = writeln!(out, "      - name: {}", ent.name);
        let _ = writeln!(out, "        description: {}", yaml_str(&t.comment));
        let _ = writeln!(out, "        meta:\n          lab_deliveries:");
        for (k, v) in meta(ir, system, *e, t) {
            let k = if k == "null" { "\"null\"" } else { k };
            let _ = writeln!(out, "            {k}: {v}");
        }
        let _ = writeln!(out, "        columns:");
        for c in t.columns.iter().chain(t.partition.iter()) {
            let _ = writeln!(out, "          - name: {}", c.name);
            if !c.comment.is_empty() {
                let _ = writeln!(out, "            description: {}", yaml_str(&c.comment));
            }
            let _ = writeln!(out, "            data_type: {}", yaml_str(&c.ty));
        }
    }
    out
}

/// `meta.lab_deliveries`: the raw export's `meta.lab` (format, dialect, column types) for the
/// delivery's folder and columns, read under the var `increments_lake`, partitioned by `dt`,
/// and, for a CSV with a header line or Parquet, every column a partition may lack (a column
/// the drift adds or renames later than the window) to add as null.
fn meta(ir: &Ir, system: &str, e: EntityId, t: &Table) -> Vec<(&'static str, String)> {
    let ent = &ir.entities[e];
    let raw = RawTable {
        source: system.to_string(),
        entity: e,
        path: format!("increments/{RAW}/{system}/{}", ent.name),
        schema: format!("{system}_raw_increments"),
    };
    let mut out = super::sources::meta(ir, &raw, t);
    for (k, v) in &mut out {
        if *k == "batched" {
            *v = "true".into();
        }
    }
    out.push(("partition", yaml_str(crate::emit::table::INCREMENTS_KEY)));
    out.push(("lake_var", yaml_str("increments_lake")));
    let Some(x) = &ent.export else {
        return out;
    };
    let by_name = match &x.format {
        ExportFormat::Csv(d) => d.header,
        ExportFormat::Parquet => true,
        ExportFormat::Jsonl => false,
    };
    if by_name {
        let mut names: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
        for d in &x.drift {
            if let Change::Rename(new) = &d.change
                && !names.contains(new)
            {
                names.push(new.clone());
            }
        }
        let list: Vec<String> = names.iter().map(|n| yaml_str(n)).collect();
        out.push(("columns", format!("[{}]", list.join(", "))));
    }
    out
}

fn models_yml(ir: &Ir, system: &str, mine: &[&(String, EntityId, Table)]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Models of the deliveries of the daily increments by `{system}`, generated by lab from the specs; do not edit.\nversion: 2\n\nmodels:"
    );
    for (_, e, _) in mine {
        let ent = &ir.entities[*e];
        let q = &ent.qualified;
        let models = [
            (
                staging_model(system, ir, *e),
                format!(
                    "The change rows of {q} as {system} delivers them, read by the day `dt` with the staging rules of its export (stg_{system}__{}): styles, the defects staging undoes, the drift by delivery day; the change-data times parsed from the system's style; each (record key, _seq) once (replays and exact duplicates dropped); _dt is the partition it first arrived in.",
                    ent.name
                ),
            ),
            (
                current_model(system, ir, *e),
                format!(
                    "The current state of {q} as {system} delivers it: per record key the change row with the highest _seq delivered so far, deleted rows removed. Incremental, like the clean change rows' model."
                ),
            ),
            (
                history_model(system, ir, *e),
                format!(
                    "The SCD2 history of {q} as {system} delivers it: per record key one version per insert or update, valid from its _event_time to the next change's, is_current for the last. Incremental, like the clean change rows' model."
                ),
            ),
        ];
        for (name, what) in models {
            let _ = writeln!(out, "  - name: {name}");
            let _ = writeln!(out, "    description: {}", yaml_str(&what));
            let _ = writeln!(out, "    config:\n      tags: [{TAG}]");
            let _ = writeln!(out, "      meta:\n        lab:");
            let _ = writeln!(out, "          truth: {}", yaml_str(q));
            let _ = writeln!(out, "          system: {}", yaml_str(system));
            let _ = writeln!(out, "          entity: {}", yaml_str(&ent.name));
            let _ = writeln!(out, "          key: [{}]", yaml_str(RECORD_KEY));
        }
    }
    out
}

/// The staging model: the delivered rows up to the day `dt`, read as the export's staging
/// model reads them, each (record key, `_seq`) once.
fn staging_sql(ir: &Ir, system: &str, e: EntityId) -> String {
    let ent = &ir.entities[e];
    let f = flow(ir, system, e);
    let mut s = format!(
        "-- The change rows of `{}` as `{system}` delivers them, read back into the truth's types; generated by lab from the specs, do not edit.\n",
        ent.qualified
    );
    let _ = writeln!(
        s,
        "{{{{ config(materialized='view', enabled=var('lab_increments', false)) }}}}\n"
    );
    let mut lines = delivery_lines(ent);
    lines.push("cast(dt as date) as _dt".into());
    let _ = writeln!(
        s,
        "with delivered as (\n    select\n        {}\n    from {{{{ source({}, {}) }}}}\n    {{{{ lab_increments_until() }}}}\n),",
        lines.join(",\n        "),
        jinja_str(&source(system)),
        jinja_str(&ent.name)
    );
    let _ = writeln!(
        s,
        "-- A replay repeats a change row (same key and _seq) a day or two later, an exact duplicate\n-- within its partition: the first delivery counts.\nnumbered as (\n    select *, row_number() over (partition by {RECORD_KEY}, _seq order by _dt) as lab_delivery\n    from delivered\n)"
    );
    let mut cols = f.data.clone();
    cols.extend(["_op", "_seq", "_event_time", "_ingested_at", "_dt"].map(String::from));
    let _ = writeln!(
        s,
        "select {}\nfrom numbered\nwhere lab_delivery = 1",
        cols.join(", ")
    );
    s
}
