"""Stand-in metric views and analytics tables for the report test (tests/it/report.rs).

Not a checker: writes, into a lake whose gold marts are built, small Parquet tables with the
columns of the analytics contract (docs/analytics.md) so the report's metric-view and model
charts are exercised before the real models exist. The values are simple functions of the
gold data (last-click credit scaled per model, a score from a hash, the ROC of that score),
never a model:

    .venv/bin/python tests/tools/report_standins.py LAKE

writes curated/metrics/{orders,roas__by_channel}/ and curated/analytics/{attribution_by_channel,
churn_predictions, churn_roc, model_evaluation, rfm_segments, demand_forecast}/.
"""

import os
import sys

import duckdb


def main(lake):
    con = duckdb.connect()

    def gold(rel):
        return f"read_parquet('{lake}/curated/{rel}/**/*.parquet')"

    def write(rel, sql):
        d = os.path.join(lake, "curated", rel)
        os.makedirs(d, exist_ok=True)
        con.execute(f"copy ({sql}) to '{d}/part-00000.parquet' (format parquet)")

    orders, ads, camps = gold("sales/fct_orders"), gold("marketing/dim_ad"), gold("core/dim_campaign")
    perf, cust, lines = gold("marketing/fct_ad_performance"), gold("core/dim_customer"), gold("sales/fct_order_lines")
    prods = gold("core/dim_product")
    write(
        "metrics/orders",
        f"select cast(date_trunc('month', order_date_key) as date) as month, cast(count(*) as double) as value "
        f"from {orders} where not is_cancelled group by 1",
    )
    write(
        "metrics/roas__by_channel",
        f"""with rev as (select cast(date_trunc('month', o.order_date_key) as date) m, c.channel, sum(cast(o.total as double)) r
                         from {orders} o join {ads} a on a.ad_id = o.last_click_ad_id join {camps} c on c.campaign_id = a.campaign_id group by 1, 2),
                 sp as (select cast(date_trunc('month', p.performance_date_key) as date) m, c.channel, sum(cast(p.spend as double)) s
                         from {perf} p join {camps} c on c.campaign_key = p.campaign_key group by 1, 2)
            select sp.m as month, sp.channel, coalesce(rev.r, 0) / sp.s as value from sp left join rev using (m, channel) where sp.s > 0""",
    )
    write(
        "analytics/attribution_by_channel",
        f"""with lc as (select c.channel, count(*) n, sum(cast(o.total as double)) r from {orders} o
                        join {ads} a on a.ad_id = o.last_click_ad_id join {camps} c on c.campaign_id = a.campaign_id group by 1),
                 m as (select * from (values ('first_click', 0.8), ('last_click', 1.0), ('linear', 0.9), ('time_decay', 0.95), ('position_based', 0.85)) t(model, f))
            select m.model, lc.channel, lc.n * (case when m.model = 'last_click' then 1 else m.f + (hash(lc.channel || m.model) % 40) / 100.0 end) as orders_credited,
                   lc.r * (case when m.model = 'last_click' then 1 else m.f + (hash(lc.channel || m.model) % 40) / 100.0 end) as revenue_credited
            from lc cross join m""",
    )
    write(
        "analytics/churn_predictions",
        f"""select customer_key as customer_id, date '2026-06-30' as cutoff_date,
                   least(1.0, (hash(customer_key) % 1000) / 1000.0 * 0.7 + case when churned_at is not null then 0.3 else 0 end) as score,
                   churned_at is not null as label from {cust}""",
    )
    preds = f"read_parquet('{lake}/curated/analytics/churn_predictions/**/*.parquet')"
    write(
        "analytics/churn_roc",
        f"""with p as (select score, label from {preds}),
                 t as (select distinct score as threshold from p union all select 2.0),
                 n as (select count(*) filter (where label) pos, count(*) filter (where not label) neg from p)
            select cast(count(*) filter (where not p.label and p.score >= t.threshold) as double) / any_value(n.neg) as fpr,
                   cast(count(*) filter (where p.label and p.score >= t.threshold) as double) / any_value(n.pos) as tpr,
                   t.threshold
            from t cross join p cross join n group by t.threshold""",
    )
    write(
        "analytics/model_evaluation",
        "select * from (values ('churn_baseline', 'roc_auc', 0.75, 'chance', 0.5), "
        "('recommender', 'hit_rate_at_10', 0.12, 'popularity', 0.08)) t(model, metric, value, baseline, baseline_value)",
    )
    write(
        "analytics/rfm_segments",
        f"""with c as (select customer_key, date_diff('day', max(order_date_key), date '2026-12-31') r, count(*) f, sum(cast(total as double)) m
                       from {orders} where not is_cancelled group by 1),
                 s as (select *, ntile(5) over (order by r desc) rs, ntile(5) over (order by f) fs, ntile(5) over (order by m) ms from c)
            select customer_key as customer_id, r as recency_days, f as frequency, m as monetary, rs as r_score, fs as f_score, ms as m_score,
                   case when rs >= 4 and fs >= 4 then 'champions' when rs >= 4 then 'new' when rs <= 2 and ms >= 4 then 'at_risk'
                        when rs <= 2 then 'hibernating' else 'needs_attention' end as segment from s""",
    )
    write(
        "analytics/demand_forecast",
        f"""with w as (select p.category, cast(date_trunc('week', l.order_date_key) as date) as week, cast(sum(l.quantity) as double) as actual
                       from {lines} l join {prods} p on p.product_key = l.product_key group by 1, 2),
                 r as (select *, row_number() over (partition by category order by week desc) k from w)
            select category, week, actual,
                   avg(actual) over (partition by category order by week rows between 4 preceding and 1 preceding) as forecast,
                   lag(actual) over (partition by category order by week) as naive_forecast, k <= 12 as is_holdout from r""",
    )
    print("report_standins: wrote 2 metric views and 6 analytics tables")


if __name__ == "__main__":
    main(sys.argv[1])
