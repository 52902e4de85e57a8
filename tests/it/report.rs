//! The analytics report end to end, on the small lake whose gold marts `marts.rs` builds once
//! over stand-in silver models (scale 0.02, truth only): the emitted builder,
//! `dbt/report/build_report.py`, writes the page before gold exists (over a copy of the lake
//! holding the truth alone; it says so and profiles the truth), then over gold alone (a copy
//! with the marts but not the metric views), where every chart of the metric views and
//! analytics tables the lake lacks is replaced by a notice. Headless Chromium
//! loads each page from disk and dumps its DOM after the page's script has marked every chart
//! it found drawn; `tests/tools/report_check.py` checks that every chart drew, that nothing
//! outside the page is referenced, and that the tiles' numbers equal independent SQL on the
//! truth. The whole report, over the real metric views and analytics tables, is checked the
//! same way by `tests/it/analytics.rs`, which keeps its screenshot.

use crate::common::{self, tmp};
use crate::marts;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The charts over gold alone (metric views fall back to gold SQL).
pub(crate) const GOLD_CHARTS: &[&str] = &[
    "fin-revenue",
    "fin-season",
    "fin-gm",
    "fin-pnl",
    "fin-opex",
    "fin-cash",
    "fin-aging",
    "fin-dso",
    "mkt-channel",
    "mkt-cpa",
    "mkt-funnel",
    "mkt-cac",
    "ec-orders",
    "ec-aov",
    "ec-funnel",
    "ec-traffic",
    "ec-category",
    "ec-returns",
    "ec-repeat",
    "ec-cohorts",
    "c360-segments",
    "c360-ltv",
    "c360-profile",
];

/// The charts of the metric views and analytics tables without a gold fallback, and the tables.
pub(crate) const MODEL_CHARTS: &[(&str, &str)] = &[
    (
        "fin-aging-month-end",
        "curated/metrics/ar_aging_balance__by_bucket",
    ),
    (
        "fin-aging-trend",
        "curated/metrics/ar_aging_balance__by_bucket",
    ),
    ("mkt-roas", "curated/metrics/roas__by_channel"),
    (
        "mkt-attribution",
        "curated/analytics/attribution_by_channel",
    ),
    ("c360-rfm", "curated/analytics/rfm_segments"),
    ("c360-roc", "curated/analytics/churn_roc"),
    ("c360-forecast", "curated/analytics/demand_forecast"),
];

/// The Chromium binary installed from apt by `tests/tools/setup.sh`.
fn chromium() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("chromium"))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!("`chromium` is missing: run `bash tests/tools/setup.sh` first (the README's test command does)")
    })
}

/// Runs headless Chromium on a page (its own profile directory, a time limit against a hang)
/// and returns its standard output.
pub(crate) fn browser(profile: &Path, page: &Path, args: &[&str]) -> String {
    let o = Command::new("timeout")
        .arg("300")
        .arg(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--mute-audio",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(
        o.status.success(),
        "chromium {args:?} failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Builds the report of `out/lake` with the emitted builder into `html`.
pub(crate) fn build_report(out: &Path, html: &Path) {
    let o = Command::new(common::python())
        .arg(out.join("dbt/report/build_report.py"))
        .arg("--lake")
        .arg(out.join("lake"))
        .arg("--out")
        .arg(html)
        .output()
        .expect("run the report builder");
    assert!(
        o.status.success(),
        "build_report.py failed:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Loads a page in the browser, dumps its DOM next to it and runs the checker on both.
pub(crate) fn check(
    base: &Path,
    out: &Path,
    html: &Path,
    charts: &[&str],
    absent: &[&str],
) -> String {
    let dom = html.with_extension("dom.html");
    let text = browser(&base.join("chromium"), html, &["--dump-dom"]);
    std::fs::write(&dom, text).expect("write the DOM");
    let charts = format!("--charts={}", charts.join(","));
    let absent = format!("--absent={}", absent.join(","));
    let truth = out.join("lake/truth");
    let args: [&OsStr; 5] = [
        html.as_ref(),
        dom.as_ref(),
        truth.as_ref(),
        charts.as_ref(),
        absent.as_ref(),
    ];
    let report = common::run_tool("report_check.py", &args);
    assert!(report.contains(" 0 failures"), "{report}");
    report
}

/// A copy of the gold project's output `out` holding its truth, its manifests, its dbt project
/// and the curated folders `keep` accepts.
fn lake_copy(out: &Path, to: &Path, keep: impl Fn(&str) -> bool) {
    marts::copy_tree(&out.join("dbt/report"), &to.join("dbt/report"));
    marts::copy_tree(&out.join("lake/truth"), &to.join("lake/truth"));
    for f in ["_manifest.json", "_profile.json"] {
        std::fs::copy(out.join("lake").join(f), to.join("lake").join(f)).expect("copy");
    }
    let curated = out.join("lake/curated");
    for e in std::fs::read_dir(&curated).expect("read curated").flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if keep(&name) {
            marts::copy_tree(&e.path(), &to.join("lake/curated").join(&name));
        }
    }
}

#[test]
fn report_draws_every_chart_offline() {
    let started = std::time::Instant::now();
    let g = marts::gold();
    assert!(g.ok, "dbt build failed:\n{}", g.log);
    let base = tmp("report");
    // No gold yet: the page says the dashboards need it and still profiles the truth.
    let none = base.join("none");
    lake_copy(&g.out, &none, |_| false);
    let no_gold = base.join("none/index.html");
    build_report(&none, &no_gold);
    let page = common::read(&no_gold);
    assert!(
        page.contains(r#"data-absent="curated/sales/fct_orders""#),
        "no notice that the gold marts are absent"
    );
    assert!(page.contains(r#"id="eda-ecommerce""#), "no data profile");
    assert!(
        !page.contains(r#"id="fin-revenue""#),
        "a dashboard without gold"
    );

    // Gold alone: the charts of absent tables say so; every other chart draws.
    let gold = base.join("gold");
    lake_copy(&g.out, &gold, |name| {
        name != "metrics" && name != "analytics"
    });
    let gold_only = base.join("gold/index.html");
    build_report(&gold, &gold_only);
    let absent: Vec<&str> = MODEL_CHARTS.iter().map(|(_, t)| *t).collect();
    let report = check(&base, &gold, &gold_only, GOLD_CHARTS, &absent);
    println!("gold only: {report}");
    let page = common::read(&gold_only);
    assert!(
        page.contains("metric view orders absent"),
        "the orders chart does not name its fallback"
    );

    println!("report test wall time: {:.1?}", started.elapsed());
    let _ = std::fs::remove_dir_all(&base);
}
