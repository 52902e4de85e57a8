//! The analytics models of the shipped specs (`specs/analytics/`, copied by `lab compile` into
//! the dbt project's `models/analytics/`) end to end. The shipped specs compile at scale 0.25
//! (truth only: the smallest scale at which the churn and recommender figures are stable, see
//! docs/analytics-models.md); in the gold test's temporary project (stand-in silver models
//! reading the truth, `tests/it/marts.rs`) one `dbt build` of the analytics models and their
//! ancestors runs the unit tests with hand-built fixtures (attribution credits known exactly,
//! touchpoint paths, churn features that read nothing after the cutoff) and writes every
//! analytics table, which `tests/tools/analytics_check.py` holds to the properties of
//! docs/analytics-models.md: attribution credit sums and the models' disagreement on
//! multi-touch paths, churn ROC AUC in 0.70–0.90 above a shuffled-label control, no leakage,
//! recommender hit rate@10 above popularity, forecasts and RFM scores. Broken models then fail
//! the unit tests. The same build writes the metric views, and the analytics report's four
//! dashboards over them and the analytics tables draw every chart in headless Chromium
//! (`tests/it/report.rs` has the checks). The SQL models, compiled for Athena, parse with
//! sqlglot as part of the whole project (`tests/it/dbt.rs`).

use crate::common::{self, root, tmp};
use crate::marts::{copy_tree, dbt_on, project};
use crate::report;
use std::path::Path;
use std::time::Instant;

/// The project of the gold test plus the analytics models the compile wrote.
fn analytics_project(out: &Path, dir: &Path) {
    project(out, dir);
    copy_tree(
        &out.join("dbt/models/analytics"),
        &dir.join("models/analytics"),
    );
}

#[test]
fn analytics_build_and_prove_their_signal() {
    let start = Instant::now();
    let base = tmp("analytics");
    let out = base.join("out");
    common::compile(
        &root().join("specs"),
        &out,
        &["--scale", "0.25", "--clean", "--threads", "2"],
    );
    let dir = base.join("project");
    analytics_project(&out, &dir);
    let (ok, log) = dbt_on(
        &dir,
        "duckdb",
        &[
            "build",
            "--select",
            "+path:models/analytics",
            "+path:models/metrics",
            "--indirect-selection",
            "cautious",
        ],
    );
    assert!(ok, "dbt build failed:\n{log}");
    assert!(log.contains(" ERROR=0 "), "{log}");
    assert!(
        log.contains("3 unit tests"),
        "the unit tests did not run:\n{log}"
    );
    let lake = out.join("lake");
    let report = common::run_tool(
        "analytics_check.py",
        &[lake.as_os_str(), dir.join("lab.duckdb").as_os_str()],
    );
    println!("{report}");
    assert!(report.contains("0 failures"), "{report}");
    dashboards(&base, &out);

    // Wrong splits and a feature that reads past the cutoff fail the unit tests.
    let models = dir.join("models/analytics");
    let credits = models.join("attribution_credits.sql");
    let text = common::read(&credits);
    assert!(text.contains("cast(0.4 as double)"), "{text}");
    std::fs::write(
        &credits,
        text.replace("cast(0.4 as double)", "cast(0.3 as double)"),
    )
    .expect("rewrite");
    let features = models.join("churn_features.sql");
    let text = common::read(&features);
    assert!(text.contains("join orders as o on o.ordered_at < c.cutoff_at"));
    std::fs::write(
        &features,
        text.replace(
            "join orders as o on o.ordered_at < c.cutoff_at",
            "join orders as o on o.ordered_at < {{ dbt.dateadd('day', 30, 'c.cutoff_at') }}",
        ),
    )
    .expect("rewrite");
    let (ok, log) = dbt_on(&dir, "duckdb", &["test", "--select", "test_type:unit"]);
    assert!(!ok, "broken analytics passed their unit tests:\n{log}");
    assert!(
        log.contains("attribution_models_split_a_known_path")
            && log.contains("churn_features_read_nothing_after_the_cutoff")
            && log.contains("ERROR=2"),
        "{log}"
    );
    let _ = std::fs::remove_dir_all(&base);
    println!("analytics: {:.0} s", start.elapsed().as_secs_f64());
}

/// The analytics report over the real metric views and analytics tables: every chart of the
/// four dashboards draws in headless Chromium and its tiles equal SQL on the truth; the page
/// and a screenshot are kept under `target/report-test/` (the test's artifact).
fn dashboards(base: &Path, out: &Path) {
    let html = base.join("report/index.html");
    report::build_report(out, &html);
    let mut charts = report::GOLD_CHARTS.to_vec();
    charts.extend(report::MODEL_CHARTS.iter().map(|(c, _)| *c));
    let checked = report::check(base, out, &html, &charts, &[]);
    println!("report: {checked}");
    let page = common::read(&html);
    assert!(
        page.contains("metric view metric_orders (curated/metrics/orders)"),
        "the orders chart does not read its metric view"
    );
    assert!(
        page.contains("metric view metric_cohort_retention_rate__by_months_since"),
        "the cohort heatmap does not read its metric view"
    );
    assert!(
        page.contains("metric view metric_ar_aging_balance__by_bucket"),
        "the AR aging does not read its metric view"
    );
    assert!(
        page.contains(r#"id="ecommerce-scorecard""#),
        "no scorecard of the metric views"
    );
    let keep = root().join("target/report-test");
    std::fs::create_dir_all(&keep).expect("mkdir target/report-test");
    std::fs::copy(&html, keep.join("index.html")).expect("copy the page");
    let shot = keep.join("report.png");
    let _ = std::fs::remove_file(&shot);
    report::browser(
        &base.join("chromium"),
        &html,
        &[
            "--window-size=1400,9000",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
    assert!(
        size > 50_000,
        "screenshot {} is {size} bytes",
        shot.display()
    );
    println!("report screenshot: {}", shot.display());
}
