//! The gold layer end to end: the shipped specs compile into a small lake (scale 0.02, truth
//! only) and the gold half of the dbt project; in a temporary project whose silver models are
//! stand-ins reading the truth Parquet (`int_<domain>__<entity>` = the truth entity), `dbt
//! build --target duckdb` builds every mart model at `curated/<mart>/<table>/` and runs every
//! test: keys unique and not null, facts' relationships to their dimensions, and the singular
//! tests that reconcile each gold table with the truth (row counts, monthly sums of additive
//! measures). A stand-in that loses rows then makes the reconciliation fail.

use crate::common::{self, root, tmp};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Copies a directory tree.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir").flatten() {
        let p = entry.path();
        let t = to.join(entry.file_name());
        if p.is_dir() {
            copy_tree(&p, &t);
        } else {
            std::fs::copy(&p, &t).expect("copy");
        }
    }
}

/// The temporary project: the gold files of `out/dbt`, a project and a DuckDB profile, and one
/// stand-in silver model per truth entity.
fn project(out: &Path, dir: &Path) -> Vec<(String, String)> {
    for sub in [
        "models/marts",
        "models/truth",
        "macros/marts",
        "tests/marts",
    ] {
        copy_tree(&out.join("dbt").join(sub), &dir.join(sub));
    }
    let lake = out.join("lake");
    std::fs::write(
        dir.join("dbt_project.yml"),
        format!(
            "name: lab_gold\nversion: \"1.0\"\nconfig-version: 2\nprofile: lab\nvars:\n  lake: {}\n",
            lake.display()
        ),
    )
    .expect("write project");
    std::fs::write(
        dir.join("profiles.yml"),
        format!(
            "lab:\n  target: duckdb\n  outputs:\n    duckdb:\n      type: duckdb\n      path: {}\n      threads: 2\n",
            dir.join("lab.duckdb").display()
        ),
    )
    .expect("write profile");
    let int = dir.join("models/intermediate");
    std::fs::create_dir_all(&int).expect("mkdir");
    let mut entities = Vec::new();
    for d in std::fs::read_dir(lake.join("truth"))
        .expect("truth")
        .flatten()
    {
        let domain = d.file_name().to_string_lossy().into_owned();
        for e in std::fs::read_dir(d.path()).expect("domain").flatten() {
            let entity = e.file_name().to_string_lossy().into_owned();
            std::fs::write(
                int.join(format!("int_{domain}__{entity}.sql")),
                format!("select * from {{{{ source('truth_{domain}', '{entity}') }}}}\n"),
            )
            .expect("write stand-in");
            entities.push((domain.clone(), entity));
        }
    }
    entities
}

fn dbt(dir: &Path, args: &[&str]) -> (bool, String) {
    let o = Command::new(common::tool(".venv/bin/dbt"))
        .args(args)
        .args([
            "--profiles-dir",
            ".",
            "--project-dir",
            ".",
            "--target",
            "duckdb",
        ])
        .current_dir(dir)
        .env("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        .env("DBT_USE_COLORS", "false")
        .output()
        .expect("run dbt");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), text)
}

/// The gold tables the shipped marts declare, as `curated/<mart>/<table>` folders.
fn gold_tables(out: &Path) -> Vec<PathBuf> {
    let mut v = Vec::new();
    for m in std::fs::read_dir(out.join("dbt/models/marts"))
        .expect("marts")
        .flatten()
    {
        for f in std::fs::read_dir(m.path()).expect("mart").flatten() {
            let name = f.file_name().to_string_lossy().into_owned();
            if let Some(table) = name.strip_suffix(".sql") {
                v.push(Path::new("curated").join(m.file_name()).join(table));
            }
        }
    }
    v.sort();
    v
}

#[test]
fn gold_builds_and_reconciles_with_the_truth() {
    let base = tmp("marts");
    let out = base.join("out");
    common::compile(
        &root().join("specs"),
        &out,
        &["--scale", "0.02", "--clean", "--threads", "2"],
    );
    let dir = base.join("project");
    let entities = project(&out, &dir);
    assert!(entities.len() >= 20, "{entities:?}");
    let (ok, log) = dbt(&dir, &["build"]);
    assert!(ok, "dbt build failed:\n{log}");
    assert!(log.contains(" ERROR=0 "), "{log}");
    let tables = gold_tables(&out);
    assert!(tables.len() >= 17, "{tables:?}");
    for t in &tables {
        let files: Vec<_> = std::fs::read_dir(out.join("lake").join(t))
            .unwrap_or_else(|e| panic!("{}: {e}", t.display()))
            .flatten()
            .filter(|f| f.file_name().to_string_lossy().ends_with(".parquet"))
            .collect();
        assert!(!files.is_empty(), "no Parquet in {}", t.display());
    }
    // Every singular reconciliation test ran (and passed, as the build did).
    let singular = std::fs::read_dir(dir.join("tests/marts"))
        .expect("tests")
        .count();
    assert!(singular >= 25, "{singular} reconciliation tests");
    // A silver stand-in that loses rows fails the reconciliation of the facts over it.
    std::fs::write(
        dir.join("models/intermediate/int_ecommerce__order_items.sql"),
        "select * from {{ source('truth_ecommerce', 'order_items') }} where line_no > 1\n",
    )
    .expect("rewrite stand-in");
    let (ok, log) = dbt(
        &dir,
        &[
            "build",
            "--select",
            "int_ecommerce__order_items fct_order_lines fct_order_lines__rows fct_order_lines__monthly_sums",
        ],
    );
    assert!(!ok, "losing order lines went unnoticed:\n{log}");
    assert!(
        log.contains("FAIL") && log.contains("fct_order_lines__rows"),
        "{log}"
    );
    assert!(log.contains("fct_order_lines__monthly_sums"), "{log}");
    let _ = std::fs::remove_dir_all(&base);
}
