//! The pipeline consumes the daily increments (docs/dbt.md, "Increments"): on the test shop
//! `tests/data/valid/time_changes` (price, segment and e-mail changes, soft and hard deletes),
//! the as-of lake of the window's last day (with the dbt project) and the window's increments
//! are compiled; the dbt project's increments models run on DuckDB in batches and day by day,
//! and their SCD2 history equals the truth's `_history` and their current state the as-of
//! lake, row for row (`tests/tools/scd_check.py`); the type-2 dimensions of the shop's marts
//! (`marts.yaml`) are built from the history, and each fact row references the version valid
//! when the order was placed. The same project without the replay dedupe fails the check, and
//! the Athena target compiles the increments models into queries sqlglot parses.

use crate::common::{self, root, tmp};
use std::path::Path;
use std::process::Command;

/// The window of the increments: from before the first row is created (so the history holds
/// every row) to its last day, the day of the as-of lake.
const FROM: &str = "2024-01-01";
const TO: &str = "2024-05-31";
const SCALE: &str = "2";

/// Runs dbt in the project of `out` (its profiles; the lake vars absolute: the as-of lake of
/// `out`, the increments of the sibling `inc`) and returns whether it succeeded, with its output.
fn dbt(out: &Path, args: &[&str], vars: &str) -> (bool, String) {
    let project = out.join("dbt");
    let vars = format!(
        "{{lake: '{}', increments_lake: '{}', {vars}}}",
        out.join("lake").display(),
        inc_of(out).join("lake").display()
    );
    let o = common::dbt(&project)
        .args(args)
        .args(["--vars", &vars])
        .output()
        .expect("run dbt");
    let log = format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), log)
}

/// The output of the increments beside the output `out`.
fn inc_of(out: &Path) -> std::path::PathBuf {
    out.with_file_name("inc")
}

/// Runs the increments models up to the delivery day `dt` (every partition when `None`).
fn load(out: &Path, dt: Option<&str>) {
    let vars = dt.map_or("lab_increments: true".to_string(), |d| {
        format!("lab_increments: true, dt: '{d}'")
    });
    let (ok, log) = dbt(out, &["run", "--select", "tag:increments"], &vars);
    assert!(ok, "dbt run (dt {dt:?}) failed:\n{log}");
}

/// `scd_check.py` on the project's DuckDB file: its report, and whether every check held.
fn scd_check(out: &Path) -> (bool, String) {
    let o = Command::new(common::python())
        .arg(root().join("tests/tools/scd_check.py"))
        .arg(out.join("dbt/target/lab.duckdb"))
        .arg(inc_of(out).join("lake"))
        .arg(out.join("lake"))
        .args(["shop", "customers", "products"])
        .args(["--gold", "shop", "fct_orders", "orders", "ordered_at"])
        .args([
            "dim_customer=customers.customer_id",
            "dim_product=products.product_id",
        ])
        .output()
        .expect("run scd_check.py");
    let report =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    (o.status.success(), report)
}

#[test]
fn increments_models_reproduce_the_history_and_the_current_state() {
    let started = std::time::Instant::now();
    let base = tmp("scd");
    let out = base.join("out");
    let specs = root().join("tests/data/valid/time_changes");
    // The as-of lake of the last day (with the dbt project), and the window's increments.
    common::compile(&specs, &out, &["--clean", "--scale", SCALE, "--as-of", TO]);
    common::compile(
        &specs,
        &inc_of(&out),
        &[
            "--clean",
            "--scale",
            SCALE,
            "--increments",
            &format!("{FROM}..{TO}"),
        ],
    );
    // A batch, then day by day from the drift's first day (2024-03-17), then every
    // partition left (with the late and replayed rows delivered after the window) in the build
    // of the marts, whose tests (keys, relationships, row counts) must pass.
    for dt in ["2024-03-16", "2024-03-17", "2024-03-18"] {
        load(&out, Some(dt));
    }
    let (ok, log) = dbt(
        &out,
        &["build", "--select", "tag:increments", "+models/marts"],
        "lab_increments: true, lab_gold_severity: error",
    );
    assert!(ok, "dbt build failed:\n{log}");
    let (ok, report) = scd_check(&out);
    eprintln!("{report}");
    assert!(ok, "{report}");
    // History and current state of two entities, two dimensions and their fact references.
    assert_eq!(report.matches(" ok\n").count(), 8, "{report}");
    for (entity, kind) in [
        ("customers", "late"),
        ("customers", "replay"),
        ("customers", "hard_delete"),
        ("customers", "soft_delete"),
        ("products", "schema_drift"),
    ] {
        assert!(
            !report.contains(&format!("{entity}: {kind} rows in the window: 0\n")),
            "{report}"
        );
    }
    athena_parses(&out);
    eprintln!(
        "scd test, loaded and checked: {:.1}s",
        started.elapsed().as_secs_f64()
    );

    // Without the replay dedupe the history repeats versions: the check must fail.
    let stg = out.join("dbt/models/increments/shop/stg_shop_increments__customers.sql");
    let sql = common::read(&stg);
    assert!(sql.contains("where lab_delivery = 1"), "{sql}");
    std::fs::write(&stg, sql.replace("where lab_delivery = 1", "where true")).unwrap();
    let (ok, log) = dbt(
        &out,
        &["run", "--select", "tag:increments", "--full-refresh"],
        "lab_increments: true",
    );
    assert!(ok, "dbt run without the dedupe failed:\n{log}");
    let (ok, report) = scd_check(&out);
    assert!(!ok, "the check passed without the replay dedupe:\n{report}");
    assert!(
        report.contains("customers: history") && report.contains("FAIL"),
        "{report}"
    );
    let _ = std::fs::remove_dir_all(&base);
    eprintln!("scd test: {:.1}s", started.elapsed().as_secs_f64());
}

/// The systems' deliveries of the increments (docs/dbt.md, "Increments"): on the test shop
/// `tests/data/valid/time_deliveries` (a CSV in a German dialect with near and exact duplicates
/// and cell defects, a JSON Lines export whose price is renamed and then written in cents), the
/// deliveries' models run on DuckDB in a batch, then for one day, then over every partition
/// left; their history equals the truth's `_history` mapped through the deliveries' crosswalk,
/// version for version, and column for column except the cells the answer key lists
/// (`tests/tools/delivery_scd_check.py`).
#[test]
fn deliveries_models_reproduce_the_history() {
    let started = std::time::Instant::now();
    let base = tmp("scd-deliveries");
    let out = base.join("out");
    let specs = root().join("tests/data/valid/time_deliveries");
    // The documents (the dbt project) and the window's increments with the deliveries.
    common::compile(&specs, &out, &["--docs-only"]);
    common::compile(
        &specs,
        &inc_of(&out),
        &["--scale", "1", "--increments", &format!("{FROM}..{TO}")],
    );
    let t_compiled = started.elapsed().as_secs_f64();
    // A batch (the drift's rename holds from 2024-03-01 on), one day, then every partition
    // left (the cents from 2024-04-01 on, the late and replayed rows after the window).
    for dt in [Some("2024-03-15"), Some("2024-03-16"), None] {
        let vars = dt.map_or("lab_increments: true".to_string(), |d| {
            format!("lab_increments: true, dt: '{d}'")
        });
        let (ok, log) = dbt(&out, &["run", "--select", "tag:deliveries"], &vars);
        assert!(ok, "dbt run (dt {dt:?}) failed:\n{log}");
    }
    let report = common::run_tool(
        "delivery_scd_check.py",
        &[
            out.join("dbt/target/lab.duckdb").as_os_str(),
            inc_of(&out).join("lake").as_os_str(),
            "shop_platform".as_ref(),
            "shop.customers".as_ref(),
            "shop.products".as_ref(),
        ],
    );
    eprintln!("{report}");
    assert_eq!(report.matches(" ok\n").count(), 5, "{report}");
    for planted in [
        "customers: near_duplicate records delivered: 0\n",
        "customers: exact_duplicate records delivered: 0\n",
        "customers: replays in the window: 0\n",
    ] {
        assert!(!report.contains(planted), "{report}");
    }
    let _ = std::fs::remove_dir_all(&base);
    eprintln!(
        "deliveries scd test: compiled in {t_compiled:.1}s, {:.1}s in all",
        started.elapsed().as_secs_f64()
    );
}

/// `dbt compile --target athena` (no connection) of the whole project with the increments
/// models enabled; sqlglot parses every model as one Athena query.
fn athena_parses(out: &Path) {
    let project = out.join("dbt");
    let o = common::dbt(&project)
        .args(["compile", "--target", "athena", "--no-populate-cache"])
        .args(["--vars", "{lab_increments: true}"])
        .env("DBT_TARGET_PATH", "target-athena")
        .output()
        .expect("run dbt");
    let log = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(o.status.success(), "dbt compile --target athena:\n{log}");
    let o = Command::new(common::python())
        .arg(root().join("tests/tools/dbt_check.py"))
        .args(["athena", ".", "target-athena"])
        .current_dir(&project)
        .output()
        .expect("run dbt_check.py");
    let report = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(o.status.success(), "dbt_check.py athena:\n{report}");
    for model in [
        "stg_shop_increments__customers",
        "int_shop__customers_current",
        "int_shop__customers_history",
        "dim_customer",
        "fct_orders",
    ] {
        assert!(report.contains(&format!("{model}: parsed")), "{report}");
    }
}
