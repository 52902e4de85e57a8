//! The metrics end to end, on the gold project `tests/it/marts.rs` builds once (scale 0.02,
//! truth stand-ins for silver, the semantic layer and the metric views included):
//! `tests/tools/metrics_check.py` runs `mf validate-configs`, compares every metric view
//! `metric_<name>` with MetricFlow's answer for the same metric (`mf query --metrics …
//! --group-by metric_time__month`, and the breakdown the view's `meta` names), and compares
//! revenue by month, AOV, both return rates, ROAS by channel, DSO, the AR aging by month end
//! and bucket and the cohort retention by cohort and months since from the semantic layer
//! with independent SQL over the truth Parquet. The whole-period KPIs it prints are held to
//! the published ranges docs/metrics.md cites (widened where the small lake is noisy).

use crate::common;

/// The whole-period value of a KPI from the check's report (`period <label>: <value>`).
fn period(report: &str, label: &str) -> f64 {
    let prefix = format!("period {label}: ");
    report
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no `{prefix}` in:\n{report}"))
}

#[test]
fn metrics_equal_metricflow_and_the_truth() {
    let g = crate::marts::gold();
    assert!(g.ok, "dbt build failed:\n{}", g.log);
    let lake = g.out.join("lake");
    let report = common::run_tool("metrics_check.py", &[g.dir.as_os_str(), lake.as_os_str()]);
    println!("{report}");
    assert!(report.contains("metrics check: 0 failures"), "{report}");
    assert!(
        report.contains("mf validate-configs: no errors"),
        "{report}"
    );
    let views: usize = report
        .lines()
        .find_map(|l| l.strip_suffix(" metric views equal MetricFlow's answers"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_default();
    assert!(views >= 60, "{views} metric views checked:\n{report}");
    for kpi in [
        "revenue",
        "aov",
        "return_rate_by_count",
        "return_rate_by_value",
        "roas",
        "dso",
        "ar_aging_balance",
        "cohort_retention_rate",
    ] {
        assert!(
            report.contains(&format!("{kpi} by ")) && report.contains("rows equal the truth"),
            "{kpi} not compared with the truth:\n{report}"
        );
    }
    // Published ranges (/work/shared/reference/domains.md §3), with room for a small lake.
    for (label, low, high) in [
        ("AOV", 80.0, 200.0),
        ("session conversion rate", 0.01, 0.05),
        ("return rate by count", 0.10, 0.30),
        ("return rate by value", 0.10, 0.30),
        ("repeat-purchase rate", 0.15, 0.40),
        ("lead to MQL", 0.15, 0.45),
        ("MQL to SQL", 0.10, 0.35),
        ("DSO (median month)", 1.0, 65.0),
        // A healthy aging: what is still unpaid 120 days after its due date is written off, so
        // the 90+ bucket holds a few per cent of receivables (house range, docs/realism.md).
        ("AR over 90 days share (median month)", 0.0, 0.10),
        // Consistent with a repeat-purchase rate of 20-30 % spread over later months.
        ("retention in month 1", 0.005, 0.15),
    ] {
        let v = period(&report, label);
        assert!(
            (low..=high).contains(&v),
            "{label} = {v}, outside {low}..{high}:\n{report}"
        );
    }
}
