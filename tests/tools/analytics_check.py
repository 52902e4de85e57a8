"""Checks the analytics tables a `dbt build` of the analytics models wrote, on the shipped lake.
usage: analytics_check.py LAKE DUCKDB_FILE
LAKE is the lake folder (its curated/analytics/<table>/ Parquet and truth/); DUCKDB_FILE the
database dbt built in (for churn_features, which stays in it). Prints the measured figures as
one JSON line after the line `figures:`, then every failed check (`FAIL …`); exit status 0 when
every check holds, 1 otherwise.

Checks:
- attribution: per model every order that was not cancelled is credited once in all (credits sum
  to the order count, revenue credits to their totals); enough orders have multi-touch paths,
  and on them first and last click disagree (credit to a different channel); per channel,
  linear credit lies between first- and last-click credit; time decay gives the last touch more
  than linear does; every model is present;
- churn: ROC AUC inside 0.70–0.90, the shuffled-label control within 0.40–0.60 and at least
  0.15 below; no feature row of churn_features saw anything at or after its cutoff;
- recommender: hit rate@10 at least 1.5 times and 0.04 above popularity's; ten ranked
  products per customer;
- demand forecast: every category has the held-back weeks, errors are finite, and the
  seasonal forecast's WAPE over them is below the naive forecast's (it is at seeds 1, 2 and 42
  at scale 0.25: 0.200 vs 0.231, 0.191 vs 0.292, 0.186 vs 0.208);
- RFM: one row per customer with an order, scores 1–5.
"""
import json
import math
import sys

import duckdb

TABLES = [
    "attribution_credits", "attribution_by_channel", "churn_predictions", "churn_roc",
    "model_evaluation", "rfm_segments", "recommendations", "demand_forecast",
]
MODELS = ["first_click", "last_click", "linear", "time_decay", "position_based"]


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    lake, db = argv
    con = duckdb.connect()
    for t in TABLES:
        con.sql(f"create view {t} as select * from read_parquet('{lake}/curated/analytics/{t}/*.parquet')")
    con.sql(f"create view orders as select * from read_parquet('{lake}/truth/ecommerce/orders/**/*.parquet')")
    fails, fig = [], {}

    def check(ok, what):
        if not ok:
            fails.append(what)

    one = lambda q: con.sql(q).fetchall()[0]  # noqa: E731

    # Attribution.
    n_orders, revenue = one("select count(*), sum(cast(total as double)) from orders where not is_cancelled")
    fig["orders"] = n_orders
    per_model = con.sql(
        "select model, sum(credit), sum(revenue_credit), count(distinct order_id) from attribution_credits group by 1 order by 1"
    ).fetchall()
    check(sorted(m for m, *_ in per_model) == sorted(MODELS), f"attribution models {[m for m, *_ in per_model]}")
    for m, credit, rev, orders in per_model:
        check(abs(credit - n_orders) < 1e-6 * n_orders, f"{m}: credits sum to {credit}, not the {n_orders} orders")
        check(abs(rev - revenue) < 1e-6 * revenue, f"{m}: revenue credits sum to {rev}, not {revenue}")
        check(orders == n_orders, f"{m}: {orders} orders credited of {n_orders}")
    multi, differ = one(
        """with f as (select order_id, channel from attribution_credits where model = 'first_click'),
                l as (select order_id, channel from attribution_credits where model = 'last_click'),
                n as (select order_id, count(*) as rows from attribution_credits where model = 'linear' group by 1)
           select count(*), sum(case when f.channel <> l.channel then 1 else 0 end)
           from n join f using (order_id) join l using (order_id) where n.rows > 1"""
    )
    fig["multi_touch_orders"] = multi
    fig["multi_touch_first_last_differ"] = differ
    check(multi >= 0.2 * n_orders, f"only {multi} of {n_orders} orders have multi-channel paths")
    check(differ >= 0.5 * multi, f"first and last click differ on only {differ} of {multi} multi-channel orders")
    by = {
        (m, c): o
        for m, c, o in con.sql("select model, channel, orders_credited from attribution_by_channel").fetchall()
    }
    channels = sorted({c for _, c in by})
    fig["by_channel"] = {c: {m: round(by.get((m, c), 0.0), 2) for m in MODELS} for c in channels}
    for c in channels:
        f, l, lin = by.get(("first_click", c), 0.0), by.get(("last_click", c), 0.0), by.get(("linear", c), 0.0)
        check(min(f, l) - 1e-6 <= lin <= max(f, l) + 1e-6, f"{c}: linear {lin} not between first {f} and last {l}")
    last_decay, last_linear = one(
        """with last as (select order_id, channel from attribution_credits where model = 'last_click')
           select sum(case when c.model = 'time_decay' then c.credit else 0 end),
                  sum(case when c.model = 'linear' then c.credit else 0 end)
           from attribution_credits as c join last using (order_id, channel)"""
    )
    check(last_decay > last_linear, f"time decay gives the last touch's channel {last_decay}, linear {last_linear}")

    # Churn.
    ev = {(m, k): (v, bv) for m, k, v, _, bv in con.sql("select * from model_evaluation").fetchall()}
    auc, control = ev[("churn", "roc_auc")]
    fig["churn_roc_auc"], fig["churn_control_auc"] = auc, control
    fig["churn_pr_auc"], fig["churn_positive_rate"] = ev[("churn", "pr_auc")]
    fig["churn_customers"] = one("select count(*) from churn_predictions")[0]
    check(0.70 <= auc <= 0.90, f"churn ROC AUC {auc:.3f} outside 0.70–0.90")
    check(0.40 <= control <= 0.60, f"shuffled-label control AUC {control:.3f} outside 0.40–0.60")
    check(auc - control >= 0.15, f"churn AUC {auc:.3f} not clearly above the control {control:.3f}")
    db_con = duckdb.connect(db, read_only=True)
    leaks, rows = db_con.sql(
        "select sum(case when last_seen_at >= cast(cutoff_date as timestamp) then 1 else 0 end), count(*) from churn_features"
    ).fetchall()[0]
    check(rows > 0 and leaks == 0, f"{leaks} of {rows} churn feature rows saw the cutoff or later")
    roc = con.sql("select fpr, tpr from churn_roc order by fpr, tpr").fetchall()
    check(roc[0] == (0.0, 0.0) and roc[-1] == (1.0, 1.0), f"ROC curve from {roc[0]} to {roc[-1]}")

    # Recommender.
    hit, pop = ev[("recommender", "hit_rate_at_10")]
    fig["hit_rate_at_10"], fig["popularity_hit_rate_at_10"] = hit, pop
    fig["recall_at_10"], fig["popularity_recall_at_10"] = ev[("recommender", "recall_at_10")]
    check(hit >= 1.5 * pop and hit - pop >= 0.04, f"hit rate@10 {hit:.3f} not clearly above popularity {pop:.3f}")
    bad = one("select count(*) from (select customer_id from recommendations group by 1 having count(*) <> 10 or count(distinct rank) <> 10 or max(rank) <> 10)")[0]
    check(bad == 0, f"{bad} customers without exactly ten ranked recommendations")

    # Demand forecast.
    wape, naive = ev[("demand_forecast", "wape")]
    fig["forecast_wape"], fig["naive_wape"] = wape, naive
    fig["forecast_mae"], fig["naive_mae"] = ev[("demand_forecast", "mae")]
    check(math.isfinite(wape) and math.isfinite(naive), f"forecast errors {wape}, {naive}")
    check(wape < naive, f"the seasonal forecast (WAPE {wape:.3f}) does not beat the naive one ({naive:.3f})")
    holdout = con.sql("select category, count(*) from demand_forecast where is_holdout group by 1").fetchall()
    check(len(holdout) >= 2 and len({n for _, n in holdout}) == 1, f"held-back weeks per category {holdout}")

    # RFM.
    customers = one("select count(distinct customer_id) from orders where not is_cancelled")[0]
    rfm, lo, hi = one("select count(distinct customer_id), min(least(r_score, f_score, m_score)), max(greatest(r_score, f_score, m_score)) from rfm_segments")
    fig["rfm_segments"] = dict(con.sql("select segment, count(*) from rfm_segments group by 1 order by 2 desc").fetchall())
    check(rfm == customers, f"{rfm} RFM rows for {customers} customers with orders")
    check(lo == 1 and hi == 5, f"RFM scores from {lo} to {hi}")

    print("figures:")
    print(json.dumps(fig, sort_keys=True))
    for f in fails:
        print(f"FAIL {f}")
    print(f"{len(fails)} failures")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
