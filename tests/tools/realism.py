#!/usr/bin/env python3
"""Realism report: measures a generated lake against published business benchmarks.

Usage: realism.py LAKE_DIR [--json FILE] [--margin-small] [--gate]

LAKE_DIR is the `lake/` directory of a `lab compile` output (the one holding `_manifest.json`),
or the output directory itself. One DuckDB view per entity, named `<domain>_<entity>`, is
created over the clean Parquet files listed in the manifest (the truth layer, never a source
system's raw export; as `invariants.py` does), then every
measure below runs as one SQL query.

Ranges come from /work/shared/reference/domains.md §3 ("Benchmarks"), with source keys S1…S42
from its source list; formulas from §4 ("KPI formulas") and analytics.md §1 (every ratio is a
ratio of sums at the query grain). Reading rules for the published figures:

* "a–b" (also "≈a–b") is taken as the closed range [a, b].
* "≈x" (an approximate point figure) is taken as x ± 10 % of x (e.g. CSAT ≈77 % → 69.3–84.7 %).
* Checks named by the realism issue that have no published figure (business over time) carry
  a stated house range marked (K), general knowledge, as domains.md does.

Each measure reports a value, its standard error (linearisation of the ratio of sums over the
measure's units, or an order-statistic interval for medians), its denominator and PASS, FAIL or
N-A (with the reason and what the lake would need). With --margin-small every range is widened
by ±2 standard errors of the measured value given its denominator (the 95 % sampling noise of a
small lake); the tolerance is printed per measure. Rules that must hold exactly (no rows after
the snapshot) get no tolerance.

Exit code: 0 whatever the measures say, unless --gate is given; 2 when the lake cannot be read.
With --gate the report is a test: exit 1 when any measure FAILs (or cannot be computed, which
is an N-A whose reason starts "cannot compute"), naming each on stderr; N-A measures whose lake
lacks a table or whose denominator is empty do not fail the gate.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

SNAPSHOT = "2026-12-31"  # the CRM churn labels' snapshot date; no business fact may be later
APPROX = 0.10  # "≈x" is read as x ± 10 %
Z = 2.0  # --margin-small widens each range by Z standard errors


# ---------------------------------------------------------------------------------------------
# Result model


@dataclass
class Result:
    key: str
    name: str
    domain: str
    formula: str
    unit: str  # pct, usd, days, hours, sec, num, count
    lo: float | None
    hi: float | None
    source: str
    range_text: str
    tables: str
    value: float | None = None
    se: float | None = None
    n: int | None = None  # units in the denominator
    exact: bool = False  # an exact rule: never widened
    status: str = "N-A"
    reason: str = ""  # for N-A, or a note
    tolerance: float | None = None
    lo_used: float | None = None
    hi_used: float | None = None
    detail: dict = field(default_factory=dict)


def approx(x: float) -> tuple[float, float]:
    return (x * (1 - APPROX), x * (1 + APPROX))


# ---------------------------------------------------------------------------------------------
# Statistics helpers (all computed inside DuckDB)


def ratio(con, units_sql: str, group: bool = False) -> dict:
    """Ratio of sums Σy / Σx over the rows of `units_sql` (columns y, x and, with group, g).

    Returns {g: (value, se, n, sum_y, sum_x)}; se is the linearisation (delta-method) standard
    error sqrt(Σ(y − R·x)²) / Σx, which for a proportion (x = 1) is sqrt(p(1 − p)/n).
    """
    g = "g" if group else "'all'"
    sql = f"""
        with u as (select {g} as g, cast(y as double) as y, cast(x as double) as x from ({units_sql})),
             r as (select g, sum(y) / nullif(sum(x), 0) as r from u group by g)
        select u.g, any_value(r.r), sqrt(sum((u.y - r.r * u.x) ^ 2)) / nullif(sum(u.x), 0),
               count(*), sum(u.y), sum(u.x)
        from u join r using (g) group by u.g order by u.g
    """
    out = {}
    for gv, r, se, n, sy, sx in con.execute(sql).fetchall():
        out[gv] = (r, se, n, sy, sx)
    return out


def median(con, values_sql: str) -> tuple[float | None, float | None, int]:
    """Median of column v, with half the width of its distribution-free 95 % interval
    (order statistics at ranks n/2 ± √n, i.e. quantiles 0.5 ± 1/√n) as the 2-SE tolerance;
    the returned se is half of that."""
    n = con.execute(f"select count(v) from ({values_sql})").fetchone()[0]
    if not n:
        return None, None, 0
    d = min(0.5, 1 / math.sqrt(n))
    m, lo, hi = con.execute(
        f"select quantile_cont(v, 0.5), quantile_cont(v, {0.5 - d}), quantile_cont(v, {0.5 + d}) from ({values_sql})"
    ).fetchone()
    return m, (hi - lo) / 4, n


# ---------------------------------------------------------------------------------------------
# Lake access


def open_lake(path: Path) -> tuple[duckdb.DuckDBPyConnection, dict]:
    lake = path
    if not (lake / "_manifest.json").exists() and (lake / "lake" / "_manifest.json").exists():
        lake = lake / "lake"
    manifest = json.loads((lake / "_manifest.json").read_text())
    con = duckdb.connect()
    for ent in manifest["entities"]:
        name = f"{ent['domain']}_{ent['entity']}"
        files = [f["path"] for f in ent["files"] if f.get("format", "parquet") == "parquet" and f.get("layer") in (None, "truth")]
        if not files:
            con.execute(f'create view "{name}" as select null as _empty where false')
            continue
        paths = ", ".join("'" + str(lake / f).replace("'", "''") + "'" for f in files)
        hive = ", hive_partitioning = true" if ent.get("partition_key") else ""
        con.execute(f'create view "{name}" as select * from read_parquet([{paths}]{hive})')
    return con, manifest


def has_table(con, name: str) -> bool:
    return bool(con.execute("select count(*) from information_schema.tables where table_name = ?", [name]).fetchone()[0])


def has_columns(con, table: str, cols: list[str]) -> list[str]:
    """The columns of `cols` that `table` lacks (all of them when the table is missing)."""
    have = {r[0] for r in con.execute("select column_name from information_schema.columns where table_name = ?", [table]).fetchall()}
    return [c for c in cols if c not in have]


# ---------------------------------------------------------------------------------------------
# Measures. Each function returns a list of Result; each holds its SQL and names its source.

MEASURES = []


def measure(fn):
    MEASURES.append(fn)
    return fn


def needs(con, req: dict[str, list[str]]) -> str:
    """'' when every table.column in req exists, else the N-A reason naming what is missing."""
    missing = []
    for t, cols in req.items():
        if not has_table(con, t):
            missing.append(f"table {t.replace('_', '.', 1)} ({', '.join(cols)})")
        else:
            lack = has_columns(con, t, cols)
            if lack:
                missing.append(f"{t.replace('_', '.', 1)}.{'/'.join(lack)}")
    return ("lake lacks " + "; ".join(missing)) if missing else ""


def from_ratio(res: Result, vals: tuple | None, scale: float = 1.0, empty: str = "no rows in the denominator") -> Result:
    if vals is None or vals[0] is None:
        res.reason = res.reason or empty
        res.n = vals[2] if vals else 0
        return res
    r, se, n, sy, sx = vals
    res.value, res.se, res.n = r * scale, (se or 0.0) * scale, n
    res.detail.update({"numerator": sy, "denominator": sx})
    return res


def R(key, name, domain, formula, unit, rng, source, range_text, tables, **kw) -> Result:
    lo, hi = rng if rng else (None, None)
    return Result(key, name, domain, formula, unit, lo, hi, source, range_text, tables, **kw)


# ---- E-commerce ------------------------------------------------------------------------------

ORDERS_OK = "select * from ecommerce_orders where not is_cancelled"


@measure
def ecom_conversion(con):
    # S1,S2: e-com conversion 1.5–3 % (sessions with a purchase ÷ sessions).
    res = R("ecom_conversion", "E-com conversion", "web", "sessions with a purchase ÷ sessions", "pct",
            (0.015, 0.03), "S1,S2", "1.5–3 %", "web.sessions")
    if (why := needs(con, {"web_sessions": ["transaction_id"]})):
        res.reason = why
        return [res]
    return [from_ratio(res, ratio(con, "select case when transaction_id is not null then 1 else 0 end as y, 1 as x from web_sessions").get("all"))]


@measure
def aov(con):
    # S3,S4: AOV ≈ $110–145 global (revenue ÷ orders; cancelled orders dropped; revenue = order total).
    res = R("aov", "AOV", "ecommerce", "Σ order total ÷ orders (not cancelled)", "usd",
            (110, 145), "S3,S4", "$110–145", "ecommerce.orders")
    return [from_ratio(res, ratio(con, f"select total as y, 1 as x from ({ORDERS_OK})").get("all"))]


CART_UNITS = """
    select s.device_category as g, case when max(f.step_no) >= 4 then 0 else 1 end as y, 1 as x
    from web_funnel_steps f join web_sessions s using (session_key)
    group by f.session_key, s.device_category having max(f.step_no) >= 2
"""


@measure
def cart_abandonment(con):
    # S5: cart abandonment ≈70 % (mobile 80 %, desktop 66 %). Overall range = the published
    # device figures 66–80 %; per device ≈x ± 10 %.
    out = []
    base = dict(domain="web", unit="pct", source="S5", tables="web.funnel_steps, web.sessions")
    f = "sessions with add_to_cart and no purchase ÷ sessions with add_to_cart"
    why = needs(con, {"web_funnel_steps": ["session_key", "step_no"], "web_sessions": ["device_category"]})
    specs = [("cart_abandonment", "Cart abandonment", (0.66, 0.80), "≈70 % (66–80 %)", None),
             ("cart_abandonment_mobile", "Cart abandonment, mobile", approx(0.80), "≈80 %", "mobile"),
             ("cart_abandonment_desktop", "Cart abandonment, desktop", approx(0.66), "≈66 %", "desktop")]
    if why:
        for k, n, rng, rt, _ in specs:
            out.append(R(k, n, formula=f, rng=rng, range_text=rt, reason=why + " (no cart events)", **base))
        return out
    allv = ratio(con, f"select 'all' as g, y, x from ({CART_UNITS})", group=True).get("all")
    by = ratio(con, CART_UNITS, group=True)
    for k, n, rng, rt, dev in specs:
        out.append(from_ratio(R(k, n, formula=f, rng=rng, range_text=rt, **base), allv if dev is None else by.get(dev)))
    return out


RETURN_UNITS = """
    select i.category as g, i.quantity as q, coalesce(r.quantity, 0) as rq,
           i.line_total as v, coalesce(r.refund_amount, 0) as rv
    from ecommerce_order_items i join ecommerce_orders o on o.order_id = i.order_id and not o.is_cancelled
    left join ecommerce_returns r on r.order_id = i.order_id and r.line_no = i.line_no
"""


@measure
def return_rates(con):
    # S6,S7: online returns 17–20 %; apparel 25–40, electronics 8–15, home 5–10, beauty 5–12 %.
    base = dict(domain="ecommerce", unit="pct", source="S6,S7", tables="ecommerce.order_items, ecommerce.orders, ecommerce.returns")
    out = [
        from_ratio(R("return_rate_units", "Return rate (units)", formula="units returned ÷ units sold (not cancelled)",
                     rng=(0.17, 0.20), range_text="17–20 %", **base),
                   ratio(con, f"select rq as y, q as x from ({RETURN_UNITS})").get("all")),
        from_ratio(R("return_rate_value", "Return rate (value)", formula="Σ refund_amount ÷ Σ line_total (not cancelled)",
                     rng=(0.17, 0.20), range_text="17–20 %", **base),
                   ratio(con, f"select rv as y, v as x from ({RETURN_UNITS})").get("all")),
    ]
    by = ratio(con, f"select g, rq as y, q as x from ({RETURN_UNITS})", group=True)
    for cat, rng in [("apparel", (0.25, 0.40)), ("electronics", (0.08, 0.15)), ("home", (0.05, 0.10)), ("beauty", (0.05, 0.12))]:
        out.append(from_ratio(R(f"return_rate_{cat}", f"Return rate (units), {cat}", formula=f"units returned ÷ units sold, {cat} lines",
                                rng=rng, range_text=f"{rng[0]*100:g}–{rng[1]*100:g} %", **base), by.get(cat),
                              empty=f"no {cat} order lines"))
    return out


@measure
def repeat_rate(con):
    # S8: repeat purchase 20–30 % (customers with ≥ 2 orders ÷ customers with ≥ 1; lifetime window).
    res = R("repeat_rate", "Repeat purchase rate", "ecommerce", "customers with ≥ 2 orders ÷ customers with ≥ 1 (not cancelled, whole history)",
            "pct", (0.20, 0.30), "S8", "20–30 %", "ecommerce.orders")
    return [from_ratio(res, ratio(con, f"select case when count(*) >= 2 then 1 else 0 end as y, 1 as x from ({ORDERS_OK}) group by customer_id").get("all"))]


# ---- Marketing -------------------------------------------------------------------------------

PERF = """
    select d.*, c.channel, c.objective from marketing_daily_performance d
    join marketing_campaigns c on c.campaign_id = d.campaign_id
"""

PAID_LEADS_PER_AD_DAY = """
    select ad_id, performance_date, count(*) as leads from marketing_leads
    where ad_id is not null group by all
"""


def ad_measure(con, key, name, channel, what, rng, rt, source, where="true"):
    # CTR, CPC, CPM, CVR per §4: clicks/impr; spend/clicks; 1000·spend/impr; conv/clicks (ad × day units).
    yx = {"ctr": ("clicks", "impressions", "clicks ÷ impressions", "pct"),
          "cpc": ("spend", "clicks", "spend ÷ clicks", "usd"),
          "cpm": ("1000 * spend", "impressions", "1000 × spend ÷ impressions", "usd"),
          "cvr": ("conversions", "clicks", "platform conversions ÷ clicks", "pct")}[what]
    res = R(key, name, "marketing", f"{yx[2]} ({channel} ad-days)", yx[3], rng, source, rt,
            "marketing.daily_performance, marketing.campaigns")
    return from_ratio(res, ratio(con, f"select {yx[0]} as y, {yx[1]} as x from ({PERF}) where channel = '{channel}' and {where}").get("all"),
                      empty=f"no {channel} ad-days")


def cpl(con, key, name, channel, rng, rt, source):
    # CPL per §4: spend ÷ leads (units = campaigns of the channel).
    res = R(key, name, "marketing", f"Σ spend ÷ leads captured, {channel} campaigns", "usd", rng, source, rt,
            "marketing.daily_performance, marketing.leads, marketing.campaigns")
    sql = f"""
        select coalesce(s.spend, 0) as y, coalesce(l.n, 0) as x from marketing_campaigns c
        left join (select campaign_id, sum(spend) as spend from marketing_daily_performance group by 1) s using (campaign_id)
        left join (select campaign_id, count(*) as n from marketing_leads where campaign_id is not null group by 1) l using (campaign_id)
        where c.channel = '{channel}'
    """
    return from_ratio(res, ratio(con, sql).get("all"), empty=f"no {channel} leads")


@measure
def google_search(con):
    # S9,S10: Google Search CTR 6.4–6.6 %, CPC $4.7–5.4, CVR 7–8 %, CPL ≈$67.
    return [
        ad_measure(con, "search_ctr", "Google Search CTR", "google_search", "ctr", (0.064, 0.066), "6.4–6.6 %", "S9,S10"),
        ad_measure(con, "search_cpc", "Google Search CPC", "google_search", "cpc", (4.7, 5.4), "$4.7–5.4", "S9,S10"),
        ad_measure(con, "search_cvr", "Google Search CVR", "google_search", "cvr", (0.07, 0.08), "7–8 %", "S9,S10"),
        cpl(con, "search_cpl", "Google Search CPL", "google_search", approx(67), "≈$67", "S9,S10"),
    ]


@measure
def google_display(con):
    # S11,S12: Display CTR 0.35–0.46 %, CPC ≈$0.63, CVR ≈0.6 %, CPM ≈$3.
    return [
        ad_measure(con, "display_ctr", "Google Display CTR", "display", "ctr", (0.0035, 0.0046), "0.35–0.46 %", "S11,S12"),
        ad_measure(con, "display_cpc", "Google Display CPC", "display", "cpc", approx(0.63), "≈$0.63", "S11,S12"),
        ad_measure(con, "display_cvr", "Google Display CVR", "display", "cvr", approx(0.006), "≈0.6 %", "S11,S12"),
        ad_measure(con, "display_cpm", "Google Display CPM", "display", "cpm", approx(3.0), "≈$3", "S11,S12"),
    ]


@measure
def meta(con):
    # S13,S14: Meta CTR 0.9–2.5 %, CPC $0.8–1.9, lead CVR ≈8 %, CPL ≈$23, CPM $10–20 (Q4 +18 %).
    out = [
        ad_measure(con, "meta_ctr", "Meta CTR", "meta", "ctr", (0.009, 0.025), "0.9–2.5 %", "S13"),
        ad_measure(con, "meta_cpc", "Meta CPC", "meta", "cpc", (0.8, 1.9), "$0.8–1.9", "S13"),
        ad_measure(con, "meta_cpm", "Meta CPM", "meta", "cpm", (10, 20), "$10–20", "S14"),
    ]
    # Lead CVR: leads captured ÷ clicks, Meta campaigns whose objective is leads (ad × day units).
    res = R("meta_lead_cvr", "Meta lead CVR", "marketing", "leads captured ÷ clicks (Meta lead-generation campaigns, ad-days)", "pct",
            approx(0.08), "S13", "≈8 %", "marketing.daily_performance, marketing.leads, marketing.campaigns")
    sql = f"""select coalesce(l.leads, 0) as y, p.clicks as x from ({PERF}) p
              left join ({PAID_LEADS_PER_AD_DAY}) l using (ad_id, performance_date)
              where p.channel = 'meta' and p.objective = 'leads'"""
    out.append(from_ratio(res, ratio(con, sql).get("all"), empty="no Meta lead-generation campaigns"))
    out.append(cpl(con, "meta_cpl", "Meta CPL", "meta", approx(23), "≈$23", "S13"))
    # Q4 CPM uplift: CPM(Oct–Dec) ÷ CPM(Jan–Sep) − 1, ≈ +18 % (S14); se by the delta method.
    res = R("meta_cpm_q4_uplift", "Meta CPM Q4 uplift", "marketing", "CPM in Q4 ÷ CPM in Q1–Q3 − 1 (Meta)", "pct",
            approx(0.18), "S14", "≈+18 %", "marketing.daily_performance, marketing.campaigns")
    by = ratio(con, f"select case when quarter(performance_date) = 4 then 'q4' else 'rest' end as g, 1000 * spend as y, impressions as x from ({PERF}) where channel = 'meta'", group=True)
    if by.get("q4") and by.get("rest") and by["q4"][0] and by["rest"][0]:
        (a, sa, na, *_), (b, sb, nb, *_) = by["q4"], by["rest"]
        res.value = a / b - 1
        res.se = (a / b) * math.sqrt((sa / a) ** 2 + (sb / b) ** 2)
        res.n = na + nb
        res.detail = {"cpm_q4": a, "cpm_q1_q3": b}
    else:
        res.reason = "no Meta ad-days in Q4 or outside it"
    out.append(res)
    return out


@measure
def linkedin(con):
    # S15: LinkedIn CTR 0.44–0.65 %, CPC $5.5–16, CPM $25–73.
    return [
        ad_measure(con, "linkedin_ctr", "LinkedIn CTR", "linkedin", "ctr", (0.0044, 0.0065), "0.44–0.65 %", "S15"),
        ad_measure(con, "linkedin_cpc", "LinkedIn CPC", "linkedin", "cpc", (5.5, 16), "$5.5–16", "S15"),
        ad_measure(con, "linkedin_cpm", "LinkedIn CPM", "linkedin", "cpm", (25, 73), "$25–73", "S15"),
    ]


@measure
def b2b_funnel(con):
    # S16,S17: visit→lead 1–5 %; lead→MQL 20–40 %; MQL→SQL 13–30 %; SQL→opp 30–80 %; opp→won 20–30 %.
    # Funnel conversion per §4: reached k+1 ÷ reached k, over all leads (every lead is its own cohort member).
    base = dict(domain="marketing", unit="pct", source="S16,S17")
    out = []
    # Visits: the ad platforms' clicks (the web export keeps only ~5 % of paid clicks, so web
    # sessions cannot be the denominator); leads: paid leads captured on the same ad-day.
    res = R("funnel_visit_lead", "B2B funnel visit→lead", formula="paid leads ÷ ad clicks (visits), ad-days",
            rng=(0.01, 0.05), range_text="1–5 %", tables="marketing.daily_performance, marketing.leads", **base)
    out.append(from_ratio(res, ratio(con, f"""select coalesce(l.leads, 0) as y, p.clicks as x from marketing_daily_performance p
                                              left join ({PAID_LEADS_PER_AD_DAY}) l using (ad_id, performance_date)""").get("all")))
    stages = [("lead", "created_at", "mql_at", "lead→MQL", (0.20, 0.40), "20–40 %"),
              ("mql", "mql_at", "sql_at", "MQL→SQL", (0.13, 0.30), "13–30 %"),
              ("sql", "sql_at", "opp_at", "SQL→opp", (0.30, 0.80), "30–80 %"),
              ("opp", "opp_at", "customer_at", "opp→won", (0.20, 0.30), "20–30 %")]
    for k, a, b, label, rng, rt in stages:
        res = R(f"funnel_{k}", f"B2B funnel {label}", formula=f"leads with {b} ÷ leads with {a}", rng=rng, range_text=rt,
                tables="marketing.leads", **base)
        out.append(from_ratio(res, ratio(con, f"select case when {b} is not null then 1 else 0 end as y, 1 as x from marketing_leads where {a} is not null").get("all")))
    return out


# ---- Finance ---------------------------------------------------------------------------------

# AR at each month end by terms class: invoices dated ≤ month end minus payments dated ≤ month
# end; written-off invoices are left out (they leave AR, and are measured as write-offs).
DSO_UNITS = f"""
    with inv as (select invoice_id, case when terms_days = 0 then 'card' else 'b2b' end as g, invoice_date, total
                 from finance_invoices where status != 'written_off'),
    months as (select cast(m as date) as m_start, cast(m + interval 1 month - interval 1 day as date) as m_end
               from range((select date_trunc('month', min(invoice_date)) from inv),
                          date_trunc('month', date '{SNAPSHOT}') + interval 1 month, interval 1 month) t(m)),
    billed as (select g, date_trunc('month', invoice_date) as m, sum(total) as amt from inv group by all),
    paid as (select i.g, date_trunc('month', p.payment_date) as m, sum(p.amount) as amt
             from finance_payments p join inv i using (invoice_id) group by all),
    grid as (select g, m_start, m_end from months, (select distinct g from inv)),
    flows as (select grid.g, grid.m_start, grid.m_end, coalesce(b.amt, 0) as sales, coalesce(p.amt, 0) as cash
              from grid left join billed b on b.g = grid.g and b.m = grid.m_start
              left join paid p on p.g = grid.g and p.m = grid.m_start)
    select g, (sum(sales - cash) over (partition by g order by m_start)) * (datediff('day', m_start, m_end) + 1) as y,
           sales as x from flows
"""


@measure
def dso(con):
    # S18: DSO card e-com 1–3 d; B2B Net30 30–45 (SaaS) / 40–65 (mfg/distribution). §4: AR_end ÷
    # credit sales × days, month by month; reported as Σ(AR_end × days) ÷ Σ sales over all months
    # (the sales-weighted mean of the monthly DSO). B2B range: the union 30–65 of both bands, since
    # an online retailer selling on terms is neither SaaS nor manufacturing.
    by = ratio(con, DSO_UNITS, group=True)
    base = dict(domain="finance", unit="days", tables="finance.invoices, finance.payments", source="S18")
    f = "Σ_month (AR at month end × days) ÷ Σ_month invoiced; written-off invoices excluded"
    return [
        from_ratio(R("dso_card", "DSO, card (due on receipt)", formula=f + "; terms 0", rng=(1, 3), range_text="1–3 d", **base),
                   by.get("card"), empty="no invoices due on receipt"),
        from_ratio(R("dso_b2b", "DSO, B2B (net terms)", formula=f + "; terms > 0", rng=(30, 65), range_text="30–65 d (SaaS 30–45, distr. 40–65)", **base),
                   by.get("b2b"), empty="no invoices on net terms"),
    ]


@measure
def late_payment(con):
    # S20: 40–50 % of B2B invoices overdue; write-offs ≈1–2 %.
    base = dict(domain="finance", unit="pct", source="S20", tables="finance.invoices, finance.payments")
    overdue = f"""
        select case when coalesce(sum(p.amount) filter (where p.payment_date <= i.due_date), 0) < i.total - 0.005 then 1 else 0 end as y, 1 as x
        from finance_invoices i left join finance_payments p using (invoice_id)
        where i.terms_days > 0 and i.due_date <= date '{SNAPSHOT}' group by i.invoice_id, i.total
    """
    writeoff = "select case when status = 'written_off' then total - amount_paid else 0 end as y, total as x from finance_invoices where terms_days > 0"
    # The aging at the snapshot: open balances (invoices neither paid in full nor written off)
    # by days past due; the 90+ bucket's share of all of them.
    aging = f"""
        select case when date '{SNAPSHOT}' - due_date > 90 then total - amount_paid else 0 end as y,
               total - amount_paid as x
        from finance_invoices where status in ('open', 'partial')
    """
    return [
        from_ratio(R("b2b_overdue", "B2B invoices overdue", formula="B2B invoices not fully paid by their due date ÷ B2B invoices due by the snapshot",
                     rng=(0.40, 0.50), range_text="40–50 %", **base), ratio(con, overdue).get("all"), empty="no invoices on net terms"),
        from_ratio(R("b2b_writeoff", "Write-off rate (B2B, value)", formula="Σ balance written off (total − paid) of B2B invoices ÷ Σ total of B2B invoices",
                     rng=(0.01, 0.02), range_text="≈1–2 %", **base), ratio(con, writeoff).get("all"), empty="no invoices on net terms"),
        from_ratio(R("ar_over_90", "AR more than 90 days past due (share)", formula="open balance > 90 days past due at the snapshot ÷ open balance",
                     rng=(0.0, 0.10), range_text="a few % (K)", **dict(base, source="K")), ratio(con, aging).get("all"), empty="no open invoices"),
    ]


# ---- CRM -------------------------------------------------------------------------------------


@measure
def support(con):
    # S21–S23: 2–7 tickets/100 orders; FRT median 2 h; resolution 8.3 h; CSAT ≈77 %; FCR ≈68 %.
    # S22 (§1): WISMO is 16–50 % of tickets.
    base = dict(domain="crm", source="S21,S22")
    out = []
    per100 = """
        select coalesce(t.n, 0) as y, coalesce(o.n, 0) as x from crm_customers c
        left join (select crm_id, count(*) as n from crm_support_tickets group by 1) t using (crm_id)
        left join (select customer_id, count(*) as n from ecommerce_orders group by 1) o using (customer_id)
    """
    out.append(from_ratio(R("tickets_per_100_orders", "Tickets per 100 orders", formula="support tickets ÷ orders × 100", unit="num",
                            rng=(2, 7), range_text="2–7", tables="crm.support_tickets, crm.customers, ecommerce.orders", **base),
                          ratio(con, per100).get("all"), scale=100))
    for key, name, expr, where, rng, rt in [
        ("frt_median", "First response time, median", "first_response_at", "true", approx(2.0), "≈2 h"),
        ("resolution_median", "Resolution time, median", "resolved_at", "resolved_at is not null", approx(8.3), "≈8.3 h"),
    ]:
        res = R(key, name, "crm", f"median hours from created_at to {expr}", "hours", rng, "S23", rt, "crm.support_tickets")
        m, se, n = median(con, f"select epoch({expr} - created_at) / 3600.0 as v from crm_support_tickets where {where}")
        res.value, res.se, res.n = m, se, n
        if m is None:
            res.reason = "no tickets"
        out.append(res)
    out.append(from_ratio(R("csat", "CSAT", "crm", "ratings 4–5 ÷ ratings", "pct", approx(0.77), "S23", "≈77 %", "crm.support_tickets"),
                          ratio(con, "select case when csat >= 4 then 1 else 0 end as y, 1 as x from crm_support_tickets where csat is not null").get("all"),
                          empty="no CSAT ratings"))
    out.append(from_ratio(R("fcr", "First contact resolution", "crm", "tickets solved on first contact ÷ tickets solved (resolved or closed)", "pct",
                            approx(0.68), "S23", "≈68 %", "crm.support_tickets"),
                          ratio(con, "select case when first_contact_resolution then 1 else 0 end as y, 1 as x from crm_support_tickets where resolved_at is not null").get("all"),
                          empty="no solved tickets"))
    out.append(from_ratio(R("wismo_share", "WISMO share of tickets", "crm", "tickets of category wismo ÷ tickets", "pct",
                            (0.16, 0.50), "S22", "16–50 %", "crm.support_tickets"),
                          ratio(con, "select case when category = 'wismo' then 1 else 0 end as y, 1 as x from crm_support_tickets").get("all")))
    return out


CHURN_UNITS = f"""
    with cust as (select c.crm_id, c.segment, e.first_order_at, c.churned_at
                  from crm_customers c join ecommerce_customers e using (customer_id) where e.first_order_at is not null),
    months as (select cast(m as timestamp) as m0, cast(m + interval 1 month as timestamp) as m1
               from range((select date_trunc('month', min(first_order_at)) + interval 1 month from cust),
                          date_trunc('month', timestamp '{SNAPSHOT}') + interval 1 month, interval 1 month) t(m))
    select segment as g, case when churned_at >= m0 and churned_at < m1 then 1 else 0 end as y, 1 as x
    from cust, months where first_order_at < m0 and (churned_at is null or churned_at >= m0)
"""


@measure
def churn(con):
    # S24: SMB SaaS 3–5 %/mo; enterprise 0.5–1 %/mo; B2C subscription 5–8 %/mo. §4 churn = lost ÷ start:
    # customers churned in the month ÷ customers active (ordered before, not churned) at its start,
    # pooled over every month from the first order to the snapshot.
    by = ratio(con, CHURN_UNITS, group=True)
    base = dict(domain="crm", unit="pct", source="S24", tables="crm.customers, ecommerce.customers")
    f = "customers churned in the month ÷ customers active at its start, pooled over months"
    out = [from_ratio(R("churn_smb", "Churn SMB per month", formula=f + " (segment SMB)", rng=(0.03, 0.05), range_text="3–5 %/mo", **base), by.get("SMB"), empty="no SMB customers"),
           from_ratio(R("churn_ent", "Churn enterprise per month", formula=f + " (segment ENT)", rng=(0.005, 0.01), range_text="0.5–1 %/mo", **base), by.get("ENT"), empty="no ENT customers")]
    b2c = R("churn_b2c", "Churn B2C subscription per month", formula=f + " (segment B2C)", rng=(0.05, 0.08), range_text="5–8 %/mo", **base)
    why = needs(con, {"crm_subscriptions": ["subscription_id", "crm_id", "start_date", "end_date"]})
    if why:
        b2c.reason = why + "; the range is for subscriptions (B2C shop customers, 365-day rule: see detail)"
        v = by.get("B2C")
        if v and v[0] is not None:
            b2c.detail = {"b2c_shop_churn_per_month": v[0], "customer_months": v[2]}
    else:
        from_ratio(b2c, by.get("B2C"))
    out.append(b2c)
    return out


# ---- Web -------------------------------------------------------------------------------------


@measure
def web(con):
    # S26: GA4 bounce median ≈46 % (bounce = 1 − engaged ÷ sessions, §4); S27: e-com session p50 ≈127 s;
    # pages/session 3–5 (K).
    out = [from_ratio(R("bounce_rate", "Bounce rate", "web", "sessions not engaged ÷ sessions", "pct", approx(0.46), "S26", "≈46 %", "web.sessions"),
                      ratio(con, "select case when engaged then 0 else 1 end as y, 1 as x from web_sessions").get("all"))]
    res = R("session_p50", "Session duration p50", "web", "median of ended_at − started_at (s)", "sec", approx(127), "S27", "≈127 s", "web.sessions")
    res.value, res.se, res.n = median(con, "select epoch(ended_at - started_at) as v from web_sessions")
    out.append(res)
    out.append(from_ratio(R("pages_per_session", "Pages per session", "web", "Σ page_view events ÷ sessions", "num", (3, 5), "K", "3–5",
                            "web.events, web.sessions"),
                          ratio(con, """select coalesce(e.n, 0) as y, 1 as x from web_sessions s left join
                                        (select session_key, count(*) as n from web_events where event_name = 'page_view' group by 1) e using (session_key)""").get("all")))
    return out


@measure
def traffic_mix(con):
    # S28 (low confidence): organic 35–50 %, direct ≈20 %, paid search 10–15 %, referral ≈7 %,
    # social ≈5 %, email ≈3 %. Channel = web.traffic_sources.channel_group of the session's
    # source / medium; social = Organic Social + Paid Social (the published mix has no paid-social row).
    by = ratio(con, """select case t.channel_group when 'Paid Social' then 'Organic Social' else t.channel_group end as g, 1 as y, 1 as x
                       from web_sessions s join web_traffic_sources t using (source_medium)""", group=True)
    total = sum(v[2] for v in by.values())
    out = []
    for grp, name, rng, rt in [("Organic Search", "organic", (0.35, 0.50), "35–50 %"), ("Direct", "direct", approx(0.20), "≈20 %"),
                               ("Paid Search", "paid search", (0.10, 0.15), "10–15 %"), ("Referral", "referral", approx(0.07), "≈7 %"),
                               ("Organic Social", "social", approx(0.05), "≈5 %"), ("Email", "email", approx(0.03), "≈3 %")]:
        res = R(f"mix_{name.replace(' ', '_')}", f"Traffic mix: {name}", "web", f"sessions in channel group {grp}{' + Paid Social' if grp == 'Organic Social' else ''} ÷ sessions",
                "pct", rng, "S28", rt, "web.sessions, web.traffic_sources")
        k = by.get(grp, (0, 0, 0, 0, 0))[2]
        if total:
            p = k / total
            res.value, res.se, res.n = p, math.sqrt(p * (1 - p) / total), total
            res.detail = {"numerator": k, "denominator": total}
        else:
            res.reason = "no sessions"
        out.append(res)
    return out


# ---- Seasonality and business over time ------------------------------------------------------

FULL_YEARS = f"""
    select year(ordered_at) as yr from ({ORDERS_OK}) group by 1 having count(distinct month(ordered_at)) = 12
"""


@measure
def seasonality(con):
    # S29: Nov+Dec ≈18 % of annual US retail. S30: "Q4 e-com share +13–16 %", read as Q4 revenue
    # 13–16 % above the year's quarterly mean, i.e. a Q4 share of 0.25 × 1.13–1.16 = 28.25–29 %.
    # Revenue = order total by order date, pooled over calendar years with orders in all 12 months.
    years = [r[0] for r in con.execute(FULL_YEARS + " order by 1").fetchall()]
    base = dict(domain="ecommerce", unit="pct", tables="ecommerce.orders")
    sql = f"select case when month(ordered_at) in {{m}} then total else 0 end as y, total as x from ({ORDERS_OK}) where year(ordered_at) in (select yr from ({FULL_YEARS}))"
    out = []
    for key, name, months, rng, rt, src in [("novdec_share", "Nov+Dec share of annual revenue", "(11, 12)", approx(0.18), "≈18 %", "S29"),
                                            ("q4_share", "Q4 share of annual revenue", "(10, 11, 12)", (0.2825, 0.29), "28.3–29 % (+13–16 %)", "S30")]:
        res = R(key, name, formula=f"revenue in months {months} ÷ annual revenue, pooled over full years {years}", rng=rng, range_text=rt, source=src, **base)
        out.append(from_ratio(res, ratio(con, sql.format(m=months)).get("all"), empty="no calendar year with orders in all 12 months"))
    return out


def growth_rows(con, key, name, what, count_sql, tables):
    # Year-on-year growth: count(Y) ÷ count(Y − 1) − 1 per year; se ≈ (a/b)·√(1/a + 1/b) (Poisson counts).
    # House range (K): a going concern neither shrinks by more than 10 % nor more than doubles
    # … taken as −10 % to +50 % a year (the issue: the business must run until the snapshot).
    rows = dict(con.execute(count_sql).fetchall())
    out = []
    if not rows:
        return [R(key, name, "ecommerce", what, "pct", (-0.10, 0.50), "K", "−10…+50 %/yr", tables, reason="no rows")]
    for yr in range(min(rows) + 1, int(SNAPSHOT[:4]) + 1):
        a, b = rows.get(yr, 0), rows.get(yr - 1, 0)
        res = R(f"{key}_{yr}", f"{name} {yr}", "ecommerce", f"{what} in {yr} ÷ in {yr - 1} − 1", "pct", (-0.10, 0.50), "K", "−10…+50 %", tables)
        if b:
            res.value = a / b - 1
            res.se = (a / b) * math.sqrt((1 / a if a else 0) + 1 / b)
            res.n = a + b
            res.detail = {str(yr): a, str(yr - 1): b}
        else:
            res.reason = f"no {what} in {yr - 1}"
        out.append(res)
    return out


@measure
def growth(con):
    # Issue: year-on-year order and customer growth per year (K range, see growth_rows).
    return (growth_rows(con, "order_growth", "Order growth", "orders", f"select year(ordered_at), count(*) from ({ORDERS_OK}) group by 1", "ecommerce.orders")
            + growth_rows(con, "customer_growth", "New-customer growth", "registrations", "select year(created_at), count(*) from ecommerce_customers group by 1", "ecommerce.customers"))


@measure
def last_year_months(con):
    # Issue: monthly orders of the last year vs the year before. House rule (K): no month of the
    # snapshot year falls below 80 % of the same month a year earlier. Value = such months.
    yr = int(SNAPSHOT[:4])
    res = R("orders_month_drop", f"Months of {yr} with orders < 80 % of {yr - 1}", "ecommerce",
            f"count of months m of {yr} with orders(m) < 0.8 × orders(m of {yr - 1})", "count", (0, 0), "K", "0", "ecommerce.orders", exact=True)
    rows = con.execute(f"""select month(ordered_at) as m, count(*) filter (where year(ordered_at) = {yr}),
                           count(*) filter (where year(ordered_at) = {yr - 1}) from ({ORDERS_OK}) group by 1 order by 1""").fetchall()
    mm = {m: (a, b) for m, a, b in rows}
    res.value = sum(1 for m in range(1, 13) if mm.get(m, (0, 0))[0] < 0.8 * mm.get(m, (0, 0))[1])
    res.n = sum(a + b for a, b in mm.values())
    res.detail = {f"{m:02d}": {str(yr): mm.get(m, (0, 0))[0], str(yr - 1): mm.get(m, (0, 0))[1]} for m in range(1, 13)}
    return [res]


@measure
def spend_vs_revenue(con):
    # Issue: ad spend vs revenue trend. House range (K): media spend 5–25 % of revenue in every
    # year (online retailers spend 6–20 % of revenue on marketing, direct-to-consumer brands 10–30 %
    # with a median of 15–20 %; blended MER 3.5–5, i.e. ad spend 20–29 %, for acquisition-led
    # brands: boldist.co ecommerce-digital-marketing-budget, metricrig.com
    # ecommerce-marketing-spend-percentage-revenue, thespendreport.com dtc-acquisition-benchmarks-2026);
    # the published CPC, conversion, AOV and paid-search share already imply at least about 11 %
    # (docs/realism.md). Per year, so a drift of either shows. The se
    # treats the year's campaign spends and order totals as independent draws: the variance of a
    # sum of n units is n·s², and the ratio's relative errors add in quadrature.
    sql = f"""
        with cs as (select year(performance_date) as yr, campaign_id, sum(spend) as s
                    from marketing_daily_performance group by all),
             s as (select yr, sum(s) as spend, count(*) * coalesce(var_samp(s), 0) as var_spend from cs group by 1),
             r as (select year(ordered_at) as yr, sum(total) as rev, count(*) * coalesce(var_samp(total), 0) as var_rev
                   from ({ORDERS_OK}) group by 1)
        select yr, coalesce(spend, 0), coalesce(var_spend, 0), coalesce(rev, 0), coalesce(var_rev, 0), n_campaigns
        from s full join r using (yr)
        left join (select yr, count(*) as n_campaigns from cs group by 1) c using (yr) order by yr
    """
    out = []
    for yr, spend, var_spend, rev, var_rev, n_campaigns in con.execute(sql).fetchall():
        if yr > int(SNAPSHOT[:4]):
            continue
        res = R(f"spend_to_revenue_{yr}", f"Ad spend ÷ revenue {yr}", "marketing", f"Σ daily_performance.spend ÷ Σ order total (not cancelled), {yr}", "pct",
                (0.05, 0.25), "K", "5–25 %", "marketing.daily_performance, ecommerce.orders")
        spend, rev = float(spend), float(rev)
        if rev:
            res.value, res.n = spend / rev, int(n_campaigns or 0)
            rel = (float(var_spend) / spend ** 2 if spend else 0.0) + float(var_rev) / rev ** 2
            res.se = res.value * math.sqrt(rel)
            res.detail = {"spend": spend, "revenue": rev, "campaigns": int(n_campaigns or 0)}
        else:
            res.reason = f"no revenue in {yr}"
        out.append(res)
    return out


@measure
def paid_media(con):
    # Issue: paid media sells. House ranges (K): the share of web-shop revenue whose session came
    # from a paid click (last click) is 15–40 % for a retailer buying search, social and display
    # traffic; the blended last-click ROAS of all paid channels (that revenue ÷ all ad spend) is
    # between 1 and 5 (below 1 no retailer keeps buying; the lake's spend is 19–24 % of revenue).
    base = dict(domain="marketing", unit="pct", source="K")
    paid = """
        select case when last_click_ad_id is not null then total else 0 end as y, total as x
        from ecommerce_orders where not is_cancelled"""
    share = from_ratio(R("paid_revenue_share", "Paid last-click share of revenue",
                         formula="Σ total of orders whose session came from a paid click ÷ Σ total (not cancelled)",
                         rng=(0.15, 0.40), range_text="15–40 %", tables="ecommerce.orders", **base),
                       ratio(con, paid).get("all"))
    roas = R("paid_roas", "Paid ROAS (last click, all channels)", "marketing",
             "Σ total of paid last-click orders ÷ Σ daily_performance.spend", "x",
             (1.0, 5.0), "K", "1–5", "ecommerce.orders, marketing.daily_performance")
    rev, spend = con.execute(f"""
        select (select sum(total) from ecommerce_orders where not is_cancelled and last_click_ad_id is not null),
               (select sum(spend) from marketing_daily_performance)""").fetchall()[0]
    if rev and spend:
        roas.value, roas.n = float(rev) / float(spend), 1
        roas.detail = {"paid_revenue": float(rev), "spend": float(spend)}
    else:
        roas.reason = "no paid last-click revenue or no spend"
    return [share, roas]


@measure
def top_product(con):
    # Issue: the top product's share of order lines and of revenue. House range (K): in a 2 000-SKU
    # catalogue the best seller carries at most 5 %.
    top = "(select product_id from ecommerce_order_items group by 1 order by count(*) desc, product_id limit 1)"
    base = dict(domain="ecommerce", unit="pct", source="K", tables="ecommerce.order_items")
    return [
        from_ratio(R("top_product_lines", "Top product share of order lines", formula="order lines of the most-ordered product ÷ order lines",
                     rng=(0, 0.05), range_text="≤ 5 %", **base),
                   ratio(con, f"select case when product_id = {top} then 1 else 0 end as y, 1 as x from ecommerce_order_items").get("all")),
        from_ratio(R("top_product_revenue", "Top product share of revenue", formula="line_total of the most-ordered product ÷ Σ line_total",
                     rng=(0, 0.05), range_text="≤ 5 %", **base),
                   ratio(con, f"select case when product_id = {top} then line_total else 0 end as y, line_total as x from ecommerce_order_items").get("all")),
    ]


# Dates that are plans or contract terms, not events: an invoice issued in December may fall due
# in January, and a campaign may be booked to run past the snapshot.
PLANNED_COLUMNS = {"due_date", "end_date"}


@measure
def after_snapshot(con):
    # Issue: no row may be dated after the snapshot (exact rule, 0 %). A row counts when any of its
    # DATE or TIMESTAMP columns (other than PLANNED_COLUMNS) is later than the snapshot date.
    tables = [r[0] for r in con.execute("select table_name from information_schema.tables order by 1").fetchall()]
    out = []
    for t in tables:
        cols = [r[0] for r in con.execute("select column_name from information_schema.columns where table_name = ? and (data_type = 'DATE' or data_type like 'TIMESTAMP%') order by ordinal_position", [t]).fetchall()
                if r[0] not in PLANNED_COLUMNS]
        dotted = t.replace("_", ".", 1)
        res = R(f"after_snapshot_{t}", f"Rows after {SNAPSHOT}: {dotted}", t.split("_")[0], "rows with any event date/timestamp column > snapshot ÷ rows",
                "pct", (0, 0), "K", "0 %", dotted, exact=True)
        if not cols:
            res.reason = "no event date or timestamp column (dated through its parent)"
            out.append(res)
            continue
        cond = " or ".join(f'cast("{c}" as date) > date \'{SNAPSHOT}\'' for c in cols)
        by_col = ", ".join(f'count(*) filter (where cast("{c}" as date) > date \'{SNAPSHOT}\')' for c in cols)
        row = con.execute(f"select count(*), count(*) filter (where {cond}), {by_col} from \"{t}\"").fetchone()
        n, k = row[0], row[1]
        if not n:
            res.reason = "empty table"
        else:
            res.value, res.se, res.n = k / n, 0.0, n
            res.detail = {"rows_after": k, "by_column": {c: v for c, v in zip(cols, row[2:]) if v}}
        out.append(res)
    return out


# ---------------------------------------------------------------------------------------------
# Judging and printing


def judge(res: Result, margin_small: bool) -> Result:
    if res.value is None or res.lo is None:
        res.status = "N-A"
        if not res.reason:
            res.reason = "no value"
        return res
    tol = 0.0
    if margin_small and not res.exact and res.se is not None:
        tol = Z * res.se
    res.tolerance = tol if margin_small else None
    res.lo_used, res.hi_used = res.lo - tol, res.hi + tol
    eps = 1e-12
    res.status = "PASS" if res.lo_used - eps <= res.value <= res.hi_used + eps else "FAIL"
    return res


def fmt(unit: str, v: float | None) -> str:
    if v is None:
        return "–"
    if unit == "pct":
        return f"{v * 100:.2f} %"
    if unit == "usd":
        return f"${v:,.2f}"
    if unit == "days":
        return f"{v:.1f} d"
    if unit == "hours":
        return f"{v:.2f} h"
    if unit == "sec":
        return f"{v:.0f} s"
    if unit == "count":
        return f"{v:.0f}"
    return f"{v:.2f}"


def table(results: list[Result], margin_small: bool) -> str:
    head = ["measure", "domain", "value", "range", "source", "status"]
    if margin_small:
        head.insert(4, "± tolerance")
    head += ["n", "note / formula"]
    rows = []
    for r in results:
        note = r.reason if r.status == "N-A" or r.reason else r.formula
        row = [r.name, r.domain, fmt(r.unit, r.value), r.range_text, r.source, r.status]
        if margin_small:
            row.insert(4, "exact" if r.exact else ("–" if r.tolerance is None else fmt(r.unit, r.tolerance)))
        row += [str(r.n) if r.n is not None else "–", note]
        rows.append(row)
    widths = [max(len(h), *(len(x[i]) for x in rows)) for i, h in enumerate(head)]
    right = {2, 3} | ({4} if margin_small else set())
    def line(cells):
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    out = [line(head), line(["-" * w for w in widths])]
    out += [line(r) for r in rows]
    return "\n".join(out)


def run(lake: Path, margin_small: bool = False) -> tuple[list[Result], dict]:
    con, manifest = open_lake(lake)
    results = []
    for fn in MEASURES:
        try:
            got = fn(con)
        except duckdb.Error as e:  # a missing table or column: N-A with the engine's words
            got = [R(fn.__name__, fn.__name__, "?", "", "num", None, "", "", "", reason=f"cannot compute: {str(e).splitlines()[0]}")]
        results.extend(judge(r, margin_small) for r in got)
    meta = {"seed": manifest.get("seed"), "scale": manifest.get("scale"), "lab_version": manifest.get("lab_version"),
            "snapshot": SNAPSHOT, "margin_small": margin_small, "margin_rule": f"±{Z:g} standard errors" if margin_small else None}
    return results, meta


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("lake", type=Path, help="lake directory (holding _manifest.json) or the compile output directory")
    ap.add_argument("--json", type=Path, help="also write the results as JSON to this file")
    ap.add_argument("--margin-small", action="store_true", help="widen every range by ±2 standard errors of the measured value")
    ap.add_argument("--gate", action="store_true", help="exit 1 when any measure fails or cannot be computed, naming each on stderr")
    args = ap.parse_args(argv)
    try:
        results, meta = run(args.lake, args.margin_small)
    except (OSError, ValueError, KeyError, duckdb.Error) as e:
        print(f"realism: cannot read the lake at {args.lake}: {e}", file=sys.stderr)
        return 2
    counts = {s: sum(r.status == s for r in results) for s in ("PASS", "FAIL", "N-A")}
    print(f"Realism report: {args.lake} (seed {meta['seed']}, scale {meta['scale']}, snapshot {SNAPSHOT})"
          + (f"; ranges widened by ±{Z:g} SE (--margin-small)" if args.margin_small else ""))
    print(table(results, args.margin_small))
    print(f"\n{counts['PASS']} PASS, {counts['FAIL']} FAIL, {counts['N-A']} N-A of {len(results)} measures")
    if args.json:
        args.json.write_text(json.dumps({"lake": str(args.lake), **meta, "summary": counts,
                                         "measures": [asdict(r) for r in results]}, indent=2, default=float) + "\n")
    if args.gate:
        bad = gate_failures(results)
        for line in bad:
            print(f"realism gate: {line}", file=sys.stderr)
        if bad:
            print(f"realism gate: {len(bad)} measure(s) outside their range in {args.lake}", file=sys.stderr)
            return 1
    return 0


def gate_failures(results: list[Result]) -> list[str]:
    """One line per measure that fails the gate: a FAIL, or an N-A that could not be computed."""
    out = []
    for r in results:
        if r.status == "FAIL":
            tol = f" ± {fmt(r.unit, r.tolerance)}" if r.tolerance is not None and not r.exact else ""
            out.append(f"FAIL {r.name}: {fmt(r.unit, r.value)} outside {r.range_text}{tol} ({r.source}; n = {r.n})")
        elif r.status == "N-A" and (r.reason or "").startswith("cannot compute"):
            out.append(f"N-A {r.name}: {r.reason}")
    return out


if __name__ == "__main__":
    sys.exit(main())
