"""Checks the metrics of a built dbt project (DuckDB) three ways.
usage: metrics_check.py PROJECT_DIR LAKE

1. `mf validate-configs` passes (the semantic manifest, and every entity, dimension, measure
   and metric queried against the warehouse).
2. Every metric view `metric_<name>` (Parquet at LAKE/curated/metrics/<folder>/) has the rows
   MetricFlow gives for the same metric: the query its model's `meta` names (what `mf query
   --metrics <metric> --group-by <group_by>` runs), one query per distinct group-by, through
   the engine `mf` builds, set up once in this process (each `mf` command would start Python,
   run `dbt debug` and load the manifest again); months MetricFlow leaves null (rows without
   a time) are not in the views; the views end at the data (a cumulative one at the last
   month with rows), so MetricFlow's months after a view's last month with a value are not
   compared.
3. Selected KPIs from the semantic layer equal independent SQL over the truth Parquet
   (LAKE/truth/…): revenue by month, AOV, both return rates, ROAS by channel, DSO, the AR
   aging by month end and bucket, and cohort retention by cohort and months since.
It then prints each KPI over the whole period (ratios of the period's sums) for the
plausibility check. Exit status 0 when everything agrees; otherwise every difference is
printed and the status is 1. The last line counts the failures.
"""
import csv
import math
import os
import pathlib
import subprocess
import sys

import duckdb
import yaml

TOLERANCE = 1e-6


def mf(project, args):
    env = dict(os.environ, DBT_PROFILES_DIR=str(project))
    bin_dir = pathlib.Path(sys.executable).parent
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    o = subprocess.run([str(bin_dir / "mf"), *args], cwd=project, env=env,
                       capture_output=True, text=True)
    return o.returncode, o.stdout + o.stderr


def key_text(v):
    """A group value as text: dates and timestamps by their day, null as empty."""
    if v is None:
        return ""
    s = str(v)
    if len(s) >= 10 and s[4:5] == "-" and s[7:8] == "-":
        return s[:10]
    return s


def number(v):
    if v is None or v == "":
        return None
    x = float(v)
    return None if math.isnan(x) else x


def same(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= TOLERANCE * max(1.0, abs(a), abs(b))


_ENGINE = {}


def engine(project):
    """MetricFlow's engine for the project, as the `mf` CLI sets it up (once per process)."""
    if project not in _ENGINE:
        from dbt_metricflow.cli.cli_configuration import CLIConfiguration

        cfg = CLIConfiguration()
        cfg.setup(dbt_profiles_path=project, dbt_project_path=project,
                  configure_file_logging=False)
        _ENGINE[project] = cfg.mf
    return _ENGINE[project]


def mf_query(project, out_dir, metrics, group_by, failures):
    """Rows of MetricFlow's answer as {(month, group…): {metric: value}}; also written as CSV."""
    from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

    keys = group_by.split(",")
    try:
        request = MetricFlowQueryRequest.create(metric_names=metrics, group_by_names=keys)
        table = engine(project).query(mf_request=request).result_df
    except Exception as e:  # the check reports MetricFlow's refusal and goes on
        failures.append(f"MetricFlow query {metrics} by {group_by} failed: {e}")
        return {}
    if table is None:
        failures.append(f"MetricFlow query {metrics} by {group_by} returned no table")
        return {}
    names = list(table.column_names)
    path = out_dir / f"mf_{'_'.join(keys)[:80]}.csv"
    rows = {}
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(names)
        for r in table.rows:
            out.writerow(r)
            rec = dict(zip(names, r))
            k = tuple(key_text(rec[c]) for c in keys)
            rows[k] = {m: number(rec.get(m)) for m in metrics}
    return rows


def views(project):
    models = yaml.safe_load((project / "models/metrics/_metrics__models.yml").read_text())
    return [(m["name"], m["meta"]["metric"], m["meta"]["group_by"]) for m in models["models"]]


def compare_views(con, project, lake, out_dir, failures):
    by_group = {}
    for view, metric, group_by in views(project):
        by_group.setdefault(group_by, []).append((view, metric))
    answers = {}
    checked = 0
    for group_by, items in sorted(by_group.items()):
        metrics = sorted({m for _, m in items})
        rows = mf_query(project, out_dir, metrics, group_by, failures)
        answers[group_by] = rows
        for view, metric in items:
            folder = lake / "curated/metrics" / view.removeprefix("metric_")
            got = con.execute(
                f"select * from read_parquet('{folder}/*.parquet')").fetchall()
            cols = [d[0] for d in con.description]
            mine = {}
            for r in got:
                rec = dict(zip(cols, r))
                k = tuple(key_text(rec[c]) for c in cols if c != "value")
                mine[k] = number(rec["value"])
            last = max((k[0] for k, v in mine.items() if v is not None), default="")
            theirs = {k: v[metric] for k, v in rows.items() if "" < k[0] <= last}
            # MetricFlow's multi-metric rows carry the other metrics' months too.
            theirs = {k: v for k, v in theirs.items() if v is not None or k in mine}
            mine = {k: v for k, v in mine.items() if v is not None or k in theirs}
            diff = [k for k in sorted(set(mine) | set(theirs))
                    if not same(mine.get(k), theirs.get(k))]
            checked += 1
            if diff:
                sample = [(k, mine.get(k), theirs.get(k)) for k in diff[:5]]
                failures.append(f"{view}: {len(diff)} of {len(theirs)} rows differ from "
                                f"MetricFlow (key, view, mf): {sample}")
            elif not theirs:
                failures.append(f"{view}: MetricFlow gives no rows")
    print(f"{checked} metric views equal MetricFlow's answers")
    return answers


TRUTH_TABLES = {
    "invoices": "finance/invoices", "payments": "finance/payments",
    "orders": "ecommerce/orders", "order_items": "ecommerce/order_items",
    "returns": "ecommerce/returns", "funnel_steps": "web/funnel_steps",
    "sessions": "web/sessions", "campaigns": "marketing/campaigns",
    "daily_performance": "marketing/daily_performance",
    "customers": "ecommerce/customers",
}

MONTH = "cast(date_trunc('month', {}) as date)"

# Independent SQL over the truth: (metric, group_by, SQL giving month[, group], value).
TRUTH = [
    ("revenue", "metric_time__month",
     f"select {MONTH.format('invoice_date')}, sum(subtotal) from invoices group by 1"),
    ("aov", "metric_time__month",
     f"select {MONTH.format('ordered_at')}, sum(subtotal) / count(*) from orders "
     "where not is_cancelled group by 1"),
    ("return_rate_by_count", "metric_time__month",
     f"select {MONTH.format('o.ordered_at')}, sum(i.returned_qty) / sum(i.quantity) "
     "from order_items i join orders o using (order_id) where o.status <> 'cancelled' group by 1"),
    ("return_rate_by_value", "metric_time__month",
     f"with r as (select {MONTH.format('requested_at')} m, sum(refund_amount) v from returns "
     "where status = 'refunded' group by 1), "
     f"s as (select {MONTH.format('o.ordered_at')} m, sum(i.line_total) v from order_items i "
     "join orders o using (order_id) where o.status <> 'cancelled' group by 1) "
     "select s.m, r.v / s.v from s left join r using (m)"),
    ("roas", "metric_time__month,campaign__channel",
     f"with a as (select {MONTH.format('f.reached_at')} m, c.channel, sum(f.order_total) v "
     "from funnel_steps f join sessions s using (session_key) "
     "join campaigns c on c.campaign_id = s.campaign_id where f.order_total is not null "
     "group by 1, 2), "
     f"p as (select {MONTH.format('d.performance_date')} m, c.channel, sum(d.spend) v "
     "from daily_performance d join campaigns c using (campaign_id) group by 1, 2) "
     "select p.m, p.channel, a.v / nullif(p.v, 0) from p left join a using (m, channel)"),
    ("dso", "metric_time__month",
     f"with i as (select {MONTH.format('invoice_date')} m, sum(total) v, "
     "sum(case when status = 'written_off' then total - amount_paid else 0 end) w "
     "from invoices group by 1), "
     f"p as (select {MONTH.format('payment_date')} m, sum(amount) v from payments group by 1), "
     "months as (select m from i union select m from p), "
     "ar as (select months.m, "
     "(select sum(v) from i where i.m <= months.m) "
     "- coalesce((select sum(v) from p where p.m <= months.m), 0) "
     "- (select sum(w) from i where i.m <= months.m) as ar from months) "
     "select i.m, ar.ar / i.v * 30 from i join ar using (m)"),
    # The aging at each month end: invoices issued by then, not yet paid in full by then, and
    # not written off by then (the policy: 120 days after the due date).
    ("ar_aging_balance", "metric_time__month,ar_aging__aging_bucket",
     "with me as (select distinct last_day(invoice_date) m from invoices), "
     "paid as (select me.m, p.invoice_id, sum(p.amount) v from me join payments p "
     "on p.payment_date <= me.m group by 1, 2), "
     "open as (select me.m, i.due_date, i.total - coalesce(paid.v, 0) ob from me "
     "join invoices i on i.invoice_date <= me.m "
     "left join paid on paid.m = me.m and paid.invoice_id = i.invoice_id "
     "where not (i.status = 'written_off' and i.due_date + 120 <= me.m)), "
     "aged as (select m, case when m - due_date <= 0 then 'current' when m - due_date <= 30 "
     "then '1-30' when m - due_date <= 60 then '31-60' when m - due_date <= 90 then '61-90' "
     "else '90+' end b, ob from open where ob > 0.005), "
     "buckets as (select unnest(['current', '1-30', '31-60', '61-90', '90+']) b) "
     f"select {MONTH.format('me.m')}, buckets.b, coalesce(sum(aged.ob), 0) from me "
     "cross join buckets left join aged on aged.m = me.m and aged.b = buckets.b group by 1, 2"),
    # Cohorts by the first month with an order not cancelled; retention in each later month.
    ("cohort_retention_rate", "metric_time__month,cohort_retention__months_since",
     "with o as (select distinct customer_id c, "
     f"{MONTH.format('ordered_at')} om from orders where not is_cancelled "
     "and customer_id is not null), "
     "f as (select c, min(om) cm from o group by 1), "
     "sz as (select cm, count(*) n from f group by 1), "
     "r as (select f.cm, o.om, count(*) k from o join f using (c) where o.om > f.cm group by 1, 2), "
     "ms as (select distinct om from o) "
     "select sz.cm, cast(datediff('month', sz.cm, ms.om) as varchar), "
     "coalesce(r.k, 0) / sz.n from sz join ms on ms.om > sz.cm "
     "left join r on r.cm = sz.cm and r.om = ms.om"),
]


def compare_truth(con, lake, answers, failures):
    for name, path in TRUTH_TABLES.items():
        con.execute(f"create or replace view {name} as select * from "
                    f"read_parquet('{lake}/truth/{path}/**/*.parquet', hive_partitioning=false)")
    for metric, group_by, sql in TRUTH:
        rows = answers.get(group_by, {})
        truth = {tuple(key_text(c) for c in r[:-1]): number(r[-1])
                 for r in con.execute(sql).fetchall()}
        layer = {k: v[metric] for k, v in rows.items() if metric in v and k[0] != ""}
        layer = {k: v for k, v in layer.items() if k in truth or v is not None}
        diff = [k for k in sorted(set(truth) | set(layer), key=str)
                if not same(truth.get(k), layer.get(k))]
        if diff or not truth:
            sample = [(k, truth.get(k), layer.get(k)) for k in diff[:5]]
            failures.append(f"{metric}: {len(diff)} of {len(truth)} rows differ from the "
                            f"truth (key, truth, semantic layer): {sample}")
        else:
            print(f"{metric} by {group_by}: {len(truth)} rows equal the truth")


# Whole-period values: (label, SQL over the metric views' inputs, read from the views).
PERIOD = [
    ("AOV", "order_revenue", "orders", 1),
    ("units per order", "units_sold", "orders", 1),
    ("session conversion rate", "purchase_sessions", "sessions", 1),
    ("return rate by count", "returned_line_units", "line_units", 1),
    ("return rate by value", "refunds", "line_revenue", 1),
    ("repeat-purchase rate", "repeat_customers", "new_customers", 1),
    ("gross margin", "gross_profit", "revenue", 1),
    ("CTR", "clicks", "impressions", 1),
    ("CPC", "marketing_spend", "clicks", 1),
    ("CPM", "marketing_spend", "impressions", 1000),
    ("CPA", "marketing_spend", "ad_conversions", 1),
    ("CPL", "marketing_spend", "leads", 1),
    ("ROAS", "attributed_revenue", "marketing_spend", 1),
    ("CAC", "marketing_spend", "new_customers", 1),
    ("lead to MQL", "mqls", "leads", 1),
    ("MQL to SQL", "sqls", "mqls", 1),
]


def period(con, lake):
    def total(metric):
        return con.execute(f"select sum(value) from read_parquet("
                           f"'{lake}/curated/metrics/{metric}/*.parquet')").fetchone()[0]
    for label, num, den, scale in PERIOD:
        n, d = total(num), total(den)
        print(f"period {label}: {scale * n / d:.4f}" if d else f"period {label}: n/a")
    dso = con.execute(f"select median(value) from read_parquet("
                      f"'{lake}/curated/metrics/dso/*.parquet')").fetchone()[0]
    print(f"period DSO (median month): {dso:.2f}")
    aging = f"read_parquet('{lake}/curated/metrics/ar_over_90_share/*.parquet')"
    share = con.execute(f"select median(value) from {aging} where value is not null").fetchone()[0]
    print(f"period AR over 90 days share (median month): {share:.4f}")
    curve = f"read_parquet('{lake}/curated/metrics/cohort_retention_rate__by_months_since/*.parquet')"
    sizes = f"read_parquet('{lake}/curated/metrics/cohort_customers/*.parquet')"
    m1 = con.execute(f"select sum(r.value * s.value) / sum(s.value) from {curve} r "
                     f"join {sizes} s using (month) where r.months_since = '1'").fetchone()[0]
    print(f"period retention in month 1: {m1:.4f}")


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    project, lake = pathlib.Path(argv[0]).resolve(), pathlib.Path(argv[1]).resolve()
    failures = []
    code, log = mf(project, ["validate-configs"])
    if code != 0 or "ERRORS: 0" not in log or "ERROR:" in log:
        failures.append(f"mf validate-configs failed:\n{log[-3000:]}")
    else:
        print("mf validate-configs: no errors")
    out_dir = project / "target" / "metrics_check"
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    answers = compare_views(con, project, lake, out_dir, failures)
    compare_truth(con, lake, answers, failures)
    period(con, lake)
    for f in failures:
        print(f"FAIL {f}")
    print(f"metrics check: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
