//! The dbt project `lab compile` writes (`generated/dbt/`): compiled next to a small lake, it
//! builds with dbt-duckdb, and its staging models give back the truth's value of every cell the
//! answer key does not list as a defect (`tests/tools/dbt_check.py`).

use crate::common::{lab, tmp, tool};
use std::path::Path;
use std::process::{Command, Output};

/// Compiles `specs` at `scale` into a fresh scratch directory named `name`: the lake and the
/// dbt project beside it (`<out>/dbt`, whose default `lake` var is `../lake`).
fn compile(name: &str, specs: &str, scale: &str) -> std::path::PathBuf {
    let out = tmp(name);
    let o = lab(&[
        "compile",
        "--specs",
        specs,
        "--scale",
        scale,
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

/// Runs `dbt <args>` in the project of a compiled output, with its profiles, `target/` and logs
/// inside the scratch directory.
fn dbt(out: &Path, args: &[&str]) -> Output {
    let project = out.join("dbt");
    Command::new(tool(".venv/bin/dbt"))
        .args(args)
        .current_dir(&project)
        .env("DBT_PROFILES_DIR", &project)
        .env("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        .env("DBT_USE_COLORS", "false")
        .output()
        .expect("run dbt")
}

fn text(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `dbt build --target duckdb` succeeds: every model builds, every test on a model passes.
fn build_duckdb(out: &Path) {
    let o = dbt(out, &["build", "--target", "duckdb"]);
    assert!(o.status.success(), "dbt build failed:\n{}", text(&o));
    let results: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("dbt/target/run_results.json")).unwrap(),
    )
    .unwrap();
    let results = results["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let id = r["unique_id"].as_str().unwrap_or_default();
        let status = r["status"].as_str().unwrap_or_default();
        let on_source = id.starts_with("test.") && id.contains("source_");
        assert!(
            matches!(status, "success" | "pass") || (on_source && status == "warn"),
            "{id}: {status}"
        );
    }
}

/// Runs one check of `dbt_check.py` on a built project.
fn check(out: &Path, what: &str) -> String {
    let o = Command::new(tool(".venv/bin/python"))
        .arg(crate::common::root().join("tests/tools/dbt_check.py"))
        // The raw views read `../lake`, relative to the project folder.
        .args([what, ".", "../lake"])
        .current_dir(out.join("dbt"))
        .output()
        .expect("run dbt_check.py");
    assert!(o.status.success(), "dbt_check.py {what}:\n{}", text(&o));
    text(&o)
}

/// The shipped enterprise: five systems, every style and defect they declare.
#[test]
fn staging_reads_the_shipped_systems_back_to_the_truth() {
    let out = compile("dbt-shipped", "specs", "0.02");
    build_duckdb(&out);
    let report = check(&out, "staging");
    // One line per raw table of the five systems.
    assert_eq!(report.matches(" cells differ").count(), 29, "{report}");
}

/// Schema drift (renamed, added and retyped columns, batch by batch) and a JSON Lines export.
#[test]
fn staging_follows_schema_drift() {
    let out = compile("dbt-drift", "tests/data/valid/silo_mess", "0.05");
    build_duckdb(&out);
    let report = check(&out, "staging");
    assert!(report.contains("stg_shop__orders"), "{report}");
}

/// Specs without systems: the raw layer is the clean data, staging a typed select.
#[test]
fn staging_of_specs_without_systems_is_a_typed_select() {
    let out = compile("dbt-clean", "tests/data/valid/types", "0.05");
    let sql =
        std::fs::read_to_string(out.join("dbt/models/staging/types/stg_types__all_types.sql"))
            .unwrap();
    assert!(sql.contains("lab_cast("), "{sql}");
    build_duckdb(&out);
    check(&out, "staging");
}
