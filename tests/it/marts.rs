//! The gold layer end to end: the shipped specs compile into a small lake (scale 0.02, truth
//! only) and the gold half of the dbt project; in a temporary project whose silver models are
//! stand-ins reading the truth Parquet (`int_<domain>__<entity>` = the truth entity), `dbt
//! build --target duckdb` builds every mart model at `curated/<mart>/<table>/` and runs every
//! test: keys unique and not null, facts' relationships to their dimensions, and the singular
//! tests that reconcile each gold table with the truth (row counts, monthly sums of additive
//! measures). A stand-in that loses rows then makes the reconciliation fail (in a copy of the
//! project). The same models and tests, compiled by dbt for Spark, parse in its dialect (for
//! Athena, `tests/it/dbt.rs` parses the whole project's). The built project is shared (one
//! compile, one `dbt build`): it holds the semantic layer and the metric views too, which
//! `tests/it/metrics.rs` checks, and the analytics report's builder (`tests/it/report.rs`).

use crate::common::{self, root, tmp};
use std::path::{Path, PathBuf};

/// Copies a directory tree.
pub(crate) fn copy_tree(from: &Path, to: &Path) {
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
pub(crate) fn project(out: &Path, dir: &Path) -> Vec<(String, String)> {
    for sub in [
        "models/marts",
        "models/truth",
        "models/semantic",
        "models/metrics",
        "macros/marts",
        "tests/marts",
    ] {
        copy_tree(&out.join("dbt").join(sub), &dir.join(sub));
    }
    configure(dir, &out.join("lake"));
    let int = dir.join("models/intermediate");
    std::fs::create_dir_all(&int).expect("mkdir");
    let checked = lab::check(&root().join("specs"));
    let ir = checked.ir.expect("the shipped specs are valid");
    // The analytics models the metrics measure (`models:` of the metrics file).
    let analytics = dir.join("models/analytics");
    std::fs::create_dir_all(&analytics).expect("mkdir");
    for m in &ir.metrics.models {
        let file = format!("{}.sql", m.name);
        std::fs::copy(
            out.join("dbt/models/analytics").join(&file),
            analytics.join(&file),
        )
        .expect("copy an analytics model the metrics read");
    }
    let mut entities = Vec::new();
    for e in &ir.entities {
        let domain = ir.domains[e.domain].name.clone();
        std::fs::write(
            int.join(format!("int_{domain}__{}.sql", e.name)),
            format!(
                "select * from {{{{ source('truth_{domain}', '{}') }}}}\n",
                e.name
            ),
        )
        .expect("write stand-in");
        entities.push((domain, e.name.clone()));
    }
    entities
}

/// The project's `dbt_project.yml` (the lake var) and its profiles (the DuckDB file in `dir`).
fn configure(dir: &Path, lake: &Path) {
    std::fs::write(
        dir.join("dbt_project.yml"),
        format!(
            "name: lab_gold\nversion: \"1.0\"\nconfig-version: 2\nprofile: lab\nvars:\n  lake: {}\n  lab_gold_severity: error\n",
            lake.display()
        ),
    )
    .expect("write project");
    std::fs::write(
        dir.join("profiles.yml"),
        format!(
            "lab:\n  target: duckdb\n  outputs:\n    duckdb:\n      type: duckdb\n      path: {}\n      threads: 2\n",
            dir.join("lab.duckdb").display()
        ) + OTHER_TARGETS,
    )
    .expect("write profile");
}

/// The shared built project: the compiled lake (`out`), the project (`dir`), its stand-ins'
/// entities, and whether `dbt build` passed, with its log.
pub struct Gold {
    pub out: PathBuf,
    pub dir: PathBuf,
    pub entities: Vec<(String, String)>,
    pub ok: bool,
    pub log: String,
}

/// Compiles the shipped specs and builds the gold project once per test binary.
pub fn gold() -> &'static Gold {
    static GOLD: std::sync::OnceLock<Gold> = std::sync::OnceLock::new();
    GOLD.get_or_init(|| {
        let base = tmp("marts");
        let out = base.join("out");
        common::compile(
            &root().join("specs"),
            &out,
            &["--scale", "0.02", "--clean", "--threads", "2"],
        );
        let dir = base.join("project");
        let entities = project(&out, &dir);
        let (ok, log) = dbt(&dir, &["build"]);
        Gold {
            out,
            dir,
            entities,
            ok,
            log,
        }
    })
}

/// The Athena and Spark targets, for `dbt compile` (which needs no connection).
const OTHER_TARGETS: &str = "    athena:\n      type: athena\n      s3_staging_dir: s3://lab-lake/athena-staging/\n      region_name: us-east-1\n      database: awsdatacatalog\n      schema: curated\n      threads: 1\n    spark:\n      type: spark\n      method: session\n      host: localhost\n      schema: curated\n";

pub(crate) fn dbt(dir: &Path, args: &[&str]) -> (bool, String) {
    dbt_on(dir, "duckdb", args)
}

pub(crate) fn dbt_on(dir: &Path, target: &str, args: &[&str]) -> (bool, String) {
    let o = common::dbt(dir)
        .args(args)
        .args(["--project-dir", ".", "--target", target])
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
    let g = gold();
    let (out, dir, log) = (&g.out, &g.dir, &g.log);
    assert!(g.entities.len() >= 20, "{:?}", g.entities);
    assert!(g.ok, "dbt build failed:\n{log}");
    assert!(log.contains(" ERROR=0 "), "{log}");
    let tables = gold_tables(out);
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
    // A silver stand-in that loses rows fails the reconciliation of the facts over it, in a
    // copy of the project and its lake (the shared one stays as built).
    let copy = tmp("marts-broken");
    copy_tree(dir, &copy.join("project"));
    copy_tree(&out.join("lake"), &copy.join("lake"));
    let dir = copy.join("project");
    configure(&dir, &copy.join("lake"));
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
    let _ = std::fs::remove_dir_all(&copy);
}

/// The gold models, metric views, time spine and singular tests, compiled by dbt for Spark,
/// parse in Spark's dialect (for Athena, `tests/it/dbt.rs` parses every model and singular
/// test of the whole project).
#[test]
fn gold_sql_compiles_for_spark() {
    let base = tmp("marts-sql");
    let out = base.join("out");
    common::compile(&root().join("specs"), &out, &["--docs-only"]);
    let dir = base.join("project");
    project(&out, &dir);
    let (ok, log) = dbt_on(
        &dir,
        "spark",
        &[
            "compile",
            "--no-populate-cache",
            "--vars",
            "{lake: 's3://lab-lake/lake'}",
        ],
    );
    assert!(ok, "dbt compile --target spark failed:\n{log}");
    let gold = dir.join("target/compiled/lab_gold");
    assert!(
        gold.join("models/marts").is_dir(),
        "spark: nothing compiled:\n{log}"
    );
    for sub in ["models/marts", "models/metrics", "models/semantic", "tests"] {
        let report = common::run_tool(
            "dbt_sql_check.py",
            &["spark".as_ref(), gold.join(sub).as_os_str()],
        );
        assert!(report.contains(" 0 failures"), "{report}");
    }
    let _ = std::fs::remove_dir_all(&base);
}
