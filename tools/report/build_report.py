#!/usr/bin/env python3
"""Builds the analytics report of a lab lake: one self-contained static HTML page.

lab writes this file into its dbt project (generated/dbt/report/); edit its source,
tools/report/build_report.py, instead. The page holds four dashboards (finance, marketing,
e-commerce, customer 360) and a per-domain exploratory section, computed with DuckDB from
the lake's gold tables (`curated/<mart>/<table>/`), its metric views
(`curated/metrics/<name>/`, columns month and value) and its analytics tables
(`curated/analytics/<table>/`). A chart whose tables are absent says so on the page instead.
Every chart is hand-written SVG (tooltips are SVG titles); the page fetches nothing, so it
opens offline. A small inline script marks each chart it finds drawn (`data-drawn="yes"` on
the figure, totals on the body), which a headless browser's DOM dump shows.

Run it from the repository (docs/analytics.md, "Dashboards"):

    .venv/bin/python generated/dbt/report/build_report.py --lake generated/lake \
        --out generated/lake/report/index.html

It needs only DuckDB and the standard library. Exit status: 0 written, 1 a chart failed to
build (the page is still written and names the failure), 2 bad arguments or no lake.
"""

import argparse
import datetime
import html
import math
import os
import sys

import duckdb

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999933", "#000000"]
# A sequential blue scale for heatmaps (light to dark).
SEQ = [(247, 251, 255), (198, 219, 239), (107, 174, 214), (33, 113, 181), (8, 48, 107)]


def esc(s):
    return html.escape(str(s), quote=True)


def sql_str(v):
    return "'" + str(v).replace("'", "''") + "'"


class Absent(Exception):
    """A table a chart reads is not in the lake."""


# ---------------------------------------------------------------------------------------
# Number formatting
# ---------------------------------------------------------------------------------------


def num(v, digits=0):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    return f"{v:,.{digits}f}"


def money(v):
    if v is None:
        return "n/a"
    if v < 0:
        return "−" + money(-v)
    a = v
    if a >= 1e6:
        return f"${v / 1e6:,.2f}M"
    if a >= 1e3:
        return f"${v / 1e3:,.1f}k"
    return f"${v:,.2f}"


def pct(v, digits=1):
    return "n/a" if v is None else f"{100 * v:.{digits}f}%"


def fmt_of(kind):
    return {"money": money, "pct": pct, "int": num, "ratio": lambda v: num(v, 2)}[kind]


def ratio(a, b):
    return None if not b else a / b


# ---------------------------------------------------------------------------------------
# The lake
# ---------------------------------------------------------------------------------------


class Lake:
    """The lake's tables as DuckDB relations; every table read is recorded for the status list."""

    def __init__(self, root):
        self.root = root
        self.con = duckdb.connect()
        self.con.execute("set TimeZone = 'UTC'")
        self.seen = {}

    def path(self, rel):
        return os.path.join(self.root, rel)

    def has(self, rel):
        d = self.path(rel)
        if not os.path.isdir(d):
            return False
        for _, _, files in os.walk(d):
            if any(f.endswith(".parquet") for f in files):
                return True
        return False

    def rel(self, rel):
        """`read_parquet(...)` of a lake folder, or Absent."""
        ok = self.has(rel)
        self.seen[rel] = ok
        if not ok:
            raise Absent(rel)
        p = self.path(rel).replace("'", "''")
        return f"read_parquet('{p}/**/*.parquet', union_by_name=true)"

    def gold(self, name):
        return self.rel(f"curated/{name}")

    def q(self, sql):
        return self.con.execute(sql).fetchall()

    def one(self, sql):
        return self.con.execute(sql).fetchone()


# ---------------------------------------------------------------------------------------
# SVG charts. Data marks carry class "mark" (the marker script counts them) and a <title>.
# ---------------------------------------------------------------------------------------


def nice_ticks(lo, hi, n=5):
    if hi == lo:
        hi = lo + 1
    span = hi - lo
    step = 10 ** math.floor(math.log10(span / n))
    for m in (1, 2, 2.5, 5, 10):
        if span / (step * m) <= n:
            step *= m
            break
    start = math.floor(lo / step) * step
    ticks = []
    t = start
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 10))
        t += step
    if ticks[-1] < hi:
        ticks.append(ticks[-1] + step)
    return ticks


def svg_open(cid, title, w, h):
    return (
        f'<svg class="chart-svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        f'aria-labelledby="{cid}-t">'
        f'<title id="{cid}-t">{esc(title)}</title>'
    )


def legend_per_row(x, w):
    return max(1, int((w - x - 10) // 125))


def legend_extra(k, x, w):
    """The height a legend of k entries needs beyond its first row."""
    return 0 if k < 2 else 16 * (math.ceil(k / legend_per_row(x, w)) - 1)


def legend(names, x, y, w):
    out = []
    per = legend_per_row(x, w)
    for i, n in enumerate(names):
        xx = x + 125 * (i % per)
        yy = y + 16 * (i // per)
        c = PALETTE[i % len(PALETTE)]
        out.append(
            f'<rect x="{xx}" y="{yy - 9}" width="10" height="10" fill="{c}"/>'
            f'<text x="{xx + 14}" y="{yy}" class="lg">{esc(n)}</text>'
        )
    return "".join(out)


def y_axis(ticks, sy, x0, x1, fmt):
    out = []
    for t in ticks:
        y = sy(t)
        out.append(
            f'<line x1="{x0}" x2="{x1}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{x0 - 6}" y="{y + 4:.1f}" class="ax" text-anchor="end">{esc(fmt(t))}</text>'
        )
    return "".join(out)


def line_chart(cid, title, xs, series, kind="money", w=620, h=280, zero=True):
    """Lines over categorical x labels (months); None values leave gaps."""
    fmt = fmt_of(kind)
    vals = [v for _, ys in series for v in ys if v is not None]
    if not vals:
        raise Absent("no values")
    lo, hi = min(vals), max(vals)
    if zero:
        lo = min(0, lo)
    ticks = nice_ticks(lo, hi)
    ml, mr, mt, mb = 70, 16, 14, 58
    pw, ph = w - ml - mr, h - mt - mb
    n = len(xs)
    ly = h - 12
    h += legend_extra(len(series), ml, w)

    def sx(i):
        return ml + (pw * (i + 0.5) / n)

    def sy(v):
        return mt + ph - ph * (v - ticks[0]) / (ticks[-1] - ticks[0])

    out = [svg_open(cid, title, w, h), y_axis(ticks, sy, ml, w - mr, fmt)]
    step = max(1, math.ceil(n / max(4, pw // 70)))
    for i, x in enumerate(xs):
        if i % step == 0:
            out.append(f'<text x="{sx(i):.1f}" y="{mt + ph + 16}" class="ax" text-anchor="middle">{esc(x)}</text>')
    out.append(f'<line x1="{ml}" x2="{w - mr}" y1="{mt + ph}" y2="{mt + ph}" class="axis"/>')
    for si, (name, ys) in enumerate(series):
        c = PALETTE[si % len(PALETTE)]
        d, pen = [], "M"
        for i, v in enumerate(ys):
            if v is None:
                pen = "M"
                continue
            d.append(f"{pen}{sx(i):.1f},{sy(v):.1f}")
            pen = "L"
        out.append(f'<path d="{" ".join(d)}" fill="none" stroke="{c}" stroke-width="2"/>')
        r = 2.5 if n > 30 else 3.5
        for i, v in enumerate(ys):
            if v is not None:
                out.append(
                    f'<circle class="mark" cx="{sx(i):.1f}" cy="{sy(v):.1f}" r="{r}" fill="{c}">'
                    f"<title>{esc(name)} · {esc(xs[i])}: {esc(fmt(v))}</title></circle>"
                )
    out.append(legend([s[0] for s in series], ml, ly, w))
    out.append("</svg>")
    return "".join(out)


def bar_chart(cid, title, cats, series, kind="money", horizontal=False, w=620, h=None, notes=None):
    """Grouped bars, one group per category; `notes[c]` adds a line to a bar's tooltip."""
    fmt = fmt_of(kind)
    vals = [v for _, ys in series for v in ys if v is not None]
    if not vals or not cats:
        raise Absent("no values")
    ticks = nice_ticks(min(0, min(vals)), max(0, max(vals)))
    k = len(series)
    if horizontal:
        ml = min(260, 12 + 7 * max(len(str(c)) for c in cats))
        band = 14 * k + 10
        h = h or (30 + band * len(cats) + (24 if k > 1 else 0) + 20)
        ly = h - 8
        h += legend_extra(k, ml, w)
        mr, mt = 60, 8
        pw = w - ml - mr

        def sv(v):
            return ml + pw * (v - ticks[0]) / (ticks[-1] - ticks[0])

        out = [svg_open(cid, title, w, h)]
        for t in ticks:
            x = sv(t)
            out.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{mt}" y2="{mt + band * len(cats)}" class="grid"/>'
                f'<text x="{x:.1f}" y="{mt + band * len(cats) + 14}" class="ax" text-anchor="middle">{esc(fmt(t))}</text>'
            )
        for ci, c in enumerate(cats):
            y0 = mt + band * ci + 5
            out.append(f'<text x="{ml - 6}" y="{y0 + 7 * k + 4}" class="ax" text-anchor="end">{esc(c)}</text>')
            for si, (name, ys) in enumerate(series):
                v = ys[ci]
                if v is None:
                    continue
                x0, x1 = sorted((sv(0), sv(v)))
                note = f" — {notes[ci]}" if notes else ""
                out.append(
                    f'<rect class="mark" x="{x0:.1f}" y="{y0 + 14 * si}" width="{max(x1 - x0, 0.5):.1f}" height="12" '
                    f'fill="{PALETTE[si % len(PALETTE)]}"><title>{esc(c)} · {esc(name)}: {esc(fmt(v))}{esc(note)}</title></rect>'
                )
                if k == 1:
                    out.append(f'<text x="{max(x1, x0) + 4:.1f}" y="{y0 + 10}" class="val">{esc(fmt(v))}</text>')
        if k > 1:
            out.append(legend([s[0] for s in series], ml, ly, w))
    else:
        h = h or 280
        ml, mr, mt, mb = 70, 16, 14, 62
        pw, ph = w - ml - mr, h - mt - mb
        ly = h - 12
        h += legend_extra(k, ml, w)

        def sv(v):
            return mt + ph - ph * (v - ticks[0]) / (ticks[-1] - ticks[0])

        out = [svg_open(cid, title, w, h), y_axis(ticks, sv, ml, w - mr, fmt)]
        band = pw / len(cats)
        bw = max(1.0, (band * 0.8) / k)
        step = max(1, math.ceil(len(cats) / max(4, pw // max(40, 7 * max(len(str(c)) for c in cats)))))
        for ci, c in enumerate(cats):
            x = ml + band * ci + band * 0.1
            if ci % step == 0:
                out.append(
                    f'<text x="{x + band * 0.4:.1f}" y="{mt + ph + 16}" class="ax" text-anchor="middle">{esc(c)}</text>'
                )
            for si, (name, ys) in enumerate(series):
                v = ys[ci]
                if v is None:
                    continue
                y0, y1 = sorted((sv(0), sv(v)))
                note = f" — {notes[ci]}" if notes else ""
                out.append(
                    f'<rect class="mark" x="{x + bw * si:.1f}" y="{y0:.1f}" width="{bw:.1f}" height="{max(y1 - y0, 0.5):.1f}" '
                    f'fill="{PALETTE[si % len(PALETTE)]}"><title>{esc(c)} · {esc(name)}: {esc(fmt(v))}{esc(note)}</title></rect>'
                )
        if k > 1:
            out.append(legend([s[0] for s in series], ml, ly, w))
    out.append("</svg>")
    return "".join(out)


def waterfall(cid, title, steps, w=620, h=300):
    """Steps (label, delta, is_total): floating bars from the running total."""
    run, bars = 0.0, []
    for label, v, total in steps:
        if total:
            bars.append((label, 0.0, v, v))
            run = v
        else:
            bars.append((label, run, run + v, v))
            run += v
    vals = [b for _, a, b, _ in bars] + [a for _, a, _, _ in bars]
    ticks = nice_ticks(min(0, min(vals)), max(vals))
    ml, mr, mt, mb = 70, 16, 14, 40
    pw, ph = w - ml - mr, h - mt - mb

    def sy(v):
        return mt + ph - ph * (v - ticks[0]) / (ticks[-1] - ticks[0])

    out = [svg_open(cid, title, w, h), y_axis(ticks, sy, ml, w - mr, money)]
    band = pw / len(bars)
    for i, (label, a, b, v) in enumerate(bars):
        y0, y1 = sorted((sy(a), sy(b)))
        total = steps[i][2]
        c = PALETTE[0] if total else (PALETTE[2] if v >= 0 else PALETTE[5])
        x = ml + band * i + band * 0.15
        out.append(
            f'<rect class="mark" x="{x:.1f}" y="{y0:.1f}" width="{band * 0.7:.1f}" height="{max(y1 - y0, 0.5):.1f}" fill="{c}">'
            f"<title>{esc(label)}: {esc(money(v))}</title></rect>"
            f'<text x="{x + band * 0.35:.1f}" y="{mt + ph + 16}" class="ax" text-anchor="middle">{esc(label)}</text>'
            f'<text x="{x + band * 0.35:.1f}" y="{y0 - 4:.1f}" class="val" text-anchor="middle">{esc(money(v))}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def seq_colour(t):
    t = min(1.0, max(0.0, t)) * (len(SEQ) - 1)
    i = min(int(t), len(SEQ) - 2)
    f = t - i
    r, g, b = (round(SEQ[i][j] + (SEQ[i + 1][j] - SEQ[i][j]) * f) for j in range(3))
    return f"rgb({r},{g},{b})", t > (len(SEQ) - 1) * 0.55


def heatmap(cid, title, rows, cols, values, kind="pct", w=620):
    """A matrix of cells coloured by value (None: empty), with the value written in each."""
    fmt = fmt_of(kind)
    flat = [v for r in values for v in r if v is not None]
    if not flat:
        raise Absent("no values")
    # The colour scale spans the cells after the first column (which is 100% for cohorts).
    rest = [v for r in values for v in r[1:] if v is not None]
    hi = (max(rest) if rest else max(flat)) or 1.0
    ml, mt = 90, 34
    cw = (w - ml - 10) / len(cols)
    ch = 22
    h = mt + ch * len(rows) + 10
    out = [svg_open(cid, title, w, h)]
    for j, c in enumerate(cols):
        out.append(f'<text x="{ml + cw * (j + 0.5):.1f}" y="{mt - 8}" class="ax" text-anchor="middle">{esc(c)}</text>')
    for i, r in enumerate(rows):
        y = mt + ch * i
        out.append(f'<text x="{ml - 6}" y="{y + 15}" class="ax" text-anchor="end">{esc(r)}</text>')
        for j, v in enumerate(values[i]):
            if v is None:
                continue
            fill, dark = seq_colour(v / hi)
            x = ml + cw * j
            out.append(
                f'<rect class="mark" x="{x:.1f}" y="{y}" width="{cw - 1:.1f}" height="{ch - 1}" fill="{fill}">'
                f"<title>{esc(r)} · {esc(cols[j])}: {esc(fmt(v))}</title></rect>"
                f'<text x="{x + cw / 2:.1f}" y="{y + 15}" class="cell{" dark" if dark else ""}" text-anchor="middle">{esc(fmt(v) if kind != "pct" else f"{100 * v:.0f}")}</text>'
            )
    out.append("</svg>")
    return "".join(out)


def xy_chart(cid, title, series, diagonal=True, w=420, h=400, xl="x", yl="y"):
    """Curves in the unit square (ROC: false positive rate → true positive rate)."""
    ml, mr, mt, mb = 52, 16, 14, 66
    pw, ph = w - ml - mr, h - mt - mb
    ly = h - 10
    h += legend_extra(len(series), ml, w)

    def sx(v):
        return ml + pw * v

    def sy(v):
        return mt + ph - ph * v

    out = [svg_open(cid, title, w, h)]
    for t in (0, 0.25, 0.5, 0.75, 1):
        out.append(
            f'<line x1="{ml}" x2="{ml + pw}" y1="{sy(t):.1f}" y2="{sy(t):.1f}" class="grid"/>'
            f'<text x="{ml - 6}" y="{sy(t) + 4:.1f}" class="ax" text-anchor="end">{t:g}</text>'
            f'<text x="{sx(t):.1f}" y="{mt + ph + 16}" class="ax" text-anchor="middle">{t:g}</text>'
        )
    out.append(f'<text x="{ml + pw / 2}" y="{mt + ph + 32}" class="ax" text-anchor="middle">{esc(xl)}</text>')
    out.append(f'<text x="12" y="{mt + ph / 2}" class="ax" transform="rotate(-90 12 {mt + ph / 2})" text-anchor="middle">{esc(yl)}</text>')
    if diagonal:
        out.append(f'<line x1="{sx(0)}" y1="{sy(0)}" x2="{sx(1)}" y2="{sy(1)}" class="diag"><title>chance (AUC 0.5)</title></line>')
    for si, (name, pts) in enumerate(series):
        c = PALETTE[si % len(PALETTE)]
        d = " ".join(f"{'M' if i == 0 else 'L'}{sx(x):.1f},{sy(y):.1f}" for i, (x, y, _) in enumerate(pts))
        out.append(f'<path d="{d}" fill="none" stroke="{c}" stroke-width="2"/>')
        every = max(1, len(pts) // 60)
        for i, (x, y, note) in enumerate(pts):
            if i % every == 0 or i == len(pts) - 1:
                out.append(
                    f'<circle class="mark" cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="2.5" fill="{c}">'
                    f"<title>{esc(name)}: {esc(xl)} {x:.3f}, {esc(yl)} {y:.3f}{esc(note)}</title></circle>"
                )
    out.append(legend([s[0] for s in series], ml, ly, w))
    out.append("</svg>")
    return "".join(out)


# ---------------------------------------------------------------------------------------
# Page blocks
# ---------------------------------------------------------------------------------------


def figure(cid, title, svg, caption, source):
    return (
        f'<figure class="chart" id="{cid}" data-chart="{cid}"><h4>{esc(title)}</h4>{svg}'
        f"<figcaption>{esc(caption)} <span class=\"src\">Source: {esc(source)}.</span></figcaption></figure>"
    )


def tile(key, label, value, shown, source, sub=""):
    v = "" if value is None else f"{value:.6f}".rstrip("0").rstrip(".")
    return (
        f'<div class="tile" data-kpi="{esc(key)}" data-value="{esc(v)}" data-source="{esc(source)}">'
        f'<div class="tl">{esc(label)}</div><div class="tv">{esc(shown)}</div>'
        f'<div class="ts">{esc(sub)}{" · " if sub else ""}{esc(source)}</div></div>'
    )


def tiles(items):
    return '<div class="tiles">' + "".join(items) + "</div>"


def table(cid, headers, rows, caption, source, numeric=None):
    numeric = numeric or set()
    head = "".join(f'<th{" class=n" if i in numeric else ""}>{esc(h)}</th>' for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f'<td{" class=n" if i in numeric else ""}>{esc(c)}</td>' for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    return (
        f'<div class="table" id="{cid}"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        f'<p class="cap">{esc(caption)} <span class="src">Source: {esc(source)}.</span></p></div>'
    )


def absent_note(what, missing):
    return (
        f'<div class="absent" data-absent="{esc(missing)}"><strong>{esc(what)}</strong>: not shown — '
        f"<code>{esc(missing)}</code> is not in this lake.</div>"
    )


class Section:
    """A dashboard: blocks built one by one; an absent table or a failure stays in its block."""

    def __init__(self, sid, title, intro):
        self.sid, self.title, self.intro = sid, title, intro
        self.blocks = []
        self.failures = []

    def add(self, what, build):
        try:
            self.blocks.append(build())
        except Absent as a:
            self.blocks.append(absent_note(what, a.args[0]))
        except Exception as e:  # noqa: BLE001 - shown on the page and in the exit status
            self.failures.append(f"{self.title} / {what}: {e!r}")
            self.blocks.append(
                f'<div class="section-error"><strong>{esc(what)}</strong> could not be built: {esc(repr(e))}</div>'
            )

    def html(self):
        return (
            f'<section id="{self.sid}"><h2>{esc(self.title)}</h2><p class="intro">{esc(self.intro)}</p>'
            + "".join(self.blocks)
            + "</section>"
        )


# ---------------------------------------------------------------------------------------
# Shared queries
# ---------------------------------------------------------------------------------------


def as_date(v):
    return v.date() if isinstance(v, datetime.datetime) else v


def month_label(d):
    return d.strftime("%Y-%m")


class Ctx:
    """The lake plus the report's time frame: every month with orders, and the last 12 of them."""

    def __init__(self, lake):
        self.lake = lake
        lo, hi = lake.one(
            f"select min(order_date_key), max(order_date_key) from {lake.gold('sales/fct_orders')}"
        )
        if lo is None:
            raise Absent("curated/sales/fct_orders (no rows)")
        self.as_of = hi
        self.months = [
            r[0]
            for r in lake.q(
                f"select cast(m as date) from range(date_trunc('month', date '{lo}'), "
                f"date_trunc('month', date '{hi}') + interval 1 month, interval 1 month) t(m) order by 1"
            )
        ]
        self.last12 = self.months[-12:]
        self.labels = [month_label(m) for m in self.months]

    def series(self, rows):
        """Monthly values aligned with the report's months (None where a month has no value)."""
        by = {as_date(r[0]): r[1] for r in rows}
        return [None if by.get(m) is None else float(by[m]) for m in self.months]

    def window(self):
        return f"date '{self.last12[0]}'", f"date '{self.as_of}'"

    def metric(self, name, fallback_sql, fallback_source):
        """Monthly series of a metric: its metric view when the lake has it, else gold SQL
        (`fallback_sql` may be a function returning it, so that the gold tables it names are
        only required when the view is absent)."""
        rel = f"curated/metrics/{name}"
        if self.lake.has(rel):
            rows = self.lake.q(
                f"select cast(month as date), sum(value) from {self.lake.rel(rel)} group by 1"
            )
            return self.series(rows), f"metric view metric_{name} ({rel})"
        self.lake.seen[rel] = False
        rows = self.lake.q(fallback_sql() if callable(fallback_sql) else fallback_sql)
        return self.series(rows), f"{fallback_source} (metric view {name} absent: computed from gold)"


# The contract's metrics each dashboard's scorecard shows, with how to format their values.
SCORECARDS = {
    "finance": [("revenue", "money"), ("gross_margin", "pct"), ("cash_collected", "money"), ("dso", "ratio"), ("operating_expense", "money")],
    "marketing": [("marketing_spend", "money"), ("roas", "ratio"), ("cpa", "money"), ("ctr", "pct"), ("cac", "money")],
    "ecommerce": [
        ("orders", "int"),
        ("aov", "money"),
        ("session_conversion_rate", "pct"),
        ("return_rate_by_count", "pct"),
        ("return_rate_by_value", "pct"),
        ("repeat_purchase_rate", "pct"),
    ],
}


def scorecard(ctx, section):
    """The section's metric views: latest month, the same month a year before, the change."""
    lk = ctx.lake
    rows, missing = [], []
    for name, kind in SCORECARDS[section]:
        rel = f"curated/metrics/{name}"
        if not lk.has(rel):
            lk.seen[rel] = False
            missing.append(name)
            continue
        r = lk.rel(rel)
        # The latest month with a value: a cumulative metric's view runs to the calendar's end.
        last = lk.one(f"select max(cast(month as date)) from {r} where value is not null")[0]
        if last is None:
            missing.append(name)
            continue
        now = lk.one(f"select sum(value) from {r} where cast(month as date) = date '{last}'")[0]
        ago = lk.one(f"select sum(value) from {r} where cast(month as date) = date '{last}' - interval 12 month")[0]
        change = pct(now / ago - 1) if now is not None and ago else "n/a"
        f = fmt_of(kind)
        rows.append((name, month_label(last), f(now), f(ago) if ago is not None else "n/a", change))
    if not rows:
        raise Absent("curated/metrics/{" + ",".join(missing) + "}")
    note = f" Not in this lake: {', '.join(missing)}." if missing else ""
    return table(
        f"{section}-scorecard",
        ["metric", "latest month", "value", "a year before", "change"],
        rows,
        "The semantic layer's metrics for this dashboard: the latest month against the same month a year before." + note,
        "metric views metric_<name> (curated/metrics/<name>)",
        numeric={2, 3, 4},
    )


# ---------------------------------------------------------------------------------------
# Finance
# ---------------------------------------------------------------------------------------


def finance(ctx):
    lk = ctx.lake
    s = Section(
        "finance",
        "Finance",
        "Revenue and margin, cash, receivables and operating expense: what a controller reviews at "
        "month end. Amounts are in the lake's reporting currency; ratios are ratios of sums.",
    )

    def revenue_series():
        inv = lk.gold("receivables/fct_invoices")
        return ctx.metric(
            "revenue",
            f"select date_trunc('month', invoice_date_key), sum(cast(subtotal as double)) from {inv} "
            f"where status <> 'void' group by 1",
            "curated/receivables/fct_invoices.subtotal",
        )

    def kpis():
        inv = lk.gold("receivables/fct_invoices")
        pay = lk.gold("receivables/fct_payments")
        lo, hi = ctx.window()
        rev, cogs = lk.one(
            f"select sum(cast(subtotal as double)), sum(cast(cost_of_goods as double)) from {inv} "
            f"where status <> 'void' and invoice_date_key between {lo} and {hi}"
        )
        prev = lk.one(
            f"select sum(cast(subtotal as double)) from {inv} where status <> 'void' and "
            f"invoice_date_key between {lo} - interval 12 month and {lo} - interval 1 day"
        )[0]
        cash = lk.one(f"select sum(cast(amount as double)) from {pay} where payment_date_key between {lo} and {hi}")[0]
        open_ar = lk.one(
            f"select sum(cast(total - amount_paid as double)) from {inv} where status in ('open', 'partial')"
        )[0]
        src = "curated/receivables"
        growth = "" if not prev else f"{pct((rev or 0) / prev - 1)} vs prior 12 months"
        return tiles(
            [
                tile("invoiced_revenue_12m", "Invoiced revenue, last 12 months", rev, money(rev), src + "/fct_invoices", growth),
                tile("gross_margin_12m", "Gross margin, last 12 months", ratio((rev or 0) - (cogs or 0), rev), pct(ratio((rev or 0) - (cogs or 0), rev)), src + "/fct_invoices"),
                tile("cash_collected_12m", "Cash collected, last 12 months", cash, money(cash), src + "/fct_payments"),
                tile("open_ar", "Open receivables", open_ar or 0.0, money(open_ar or 0.0), src + "/fct_invoices", f"as of {ctx.as_of}"),
            ]
        )

    s.add("Finance KPIs", kpis)
    s.add("Metric scorecard", lambda: scorecard(ctx, "finance"))

    def trend():
        ys, src = revenue_series()
        trailing = []
        for i in range(len(ys)):
            win = [v for v in ys[max(0, i - 11) : i + 1] if v is not None]
            trailing.append(sum(win) / len(win) if i >= 11 and win else None)
        svg = line_chart("fin-revenue", "Revenue by month", ctx.labels, [("revenue", ys), ("12-month moving average", trailing)])
        return figure(
            "fin-revenue",
            "Revenue by month, with its 12-month moving average",
            svg,
            "Monthly net revenue; the moving average removes the yearly season, so the gap between the lines is the season (Q4 peaks).",
            src,
        )

    s.add("Revenue trend", trend)

    def seasonality():
        ys, src = revenue_series()
        by_m = {}
        for m, v in zip(ctx.months, ys):
            if v is not None:
                by_m.setdefault(m.month, []).append(v)
        overall = [v for v in ys if v is not None]
        mean = sum(overall) / len(overall)
        idx = [(sum(by_m[m]) / len(by_m[m]) / mean) if m in by_m else None for m in range(1, 13)]
        cats = [datetime.date(2000, m, 1).strftime("%b") for m in range(1, 13)]
        svg = bar_chart("fin-season", "Seasonal index of revenue", cats, [("index", idx)], kind="ratio")
        return figure(
            "fin-season",
            "Seasonality: revenue of each calendar month relative to the average month",
            svg,
            "Mean revenue of each calendar month over all years divided by the mean monthly revenue (1.0 = an average month).",
            src,
        )

    s.add("Seasonality", seasonality)

    def margin():
        inv = lk.gold("receivables/fct_invoices")
        ys, src = ctx.metric(
            "gross_margin",
            f"select date_trunc('month', invoice_date_key), (sum(cast(subtotal as double)) - sum(cast(cost_of_goods as double))) "
            f"/ nullif(sum(cast(subtotal as double)), 0) from {inv} where status <> 'void' group by 1",
            "curated/receivables/fct_invoices (subtotal, cost_of_goods)",
        )
        svg = line_chart("fin-gm", "Gross margin % by month", ctx.labels, [("gross margin %", ys)], kind="pct", zero=False)
        return figure("fin-gm", "Gross margin % by month", svg, "(revenue − cost of goods) ÷ revenue, per month.", src)

    s.add("Gross margin", margin)

    def pnl():
        gl = lk.gold("ledger/fct_gl_lines")
        acc = lk.gold("core/dim_account")
        lo, hi = ctx.window()
        rows = dict(
            lk.q(
                f"select a.account_type, sum(cast(g.credit as double) - cast(g.debit as double)) from {gl} g "
                f"join {acc} a on a.account_key = g.account_key where g.posting_date_key between {lo} and {hi} group by 1"
            )
        )
        rev, cogs, opex = rows.get("revenue", 0.0), -rows.get("cogs", 0.0), -rows.get("expense", 0.0)
        steps = [("Revenue", rev, True), ("COGS", -cogs, False), ("Gross profit", rev - cogs, True), ("Opex", -opex, False), ("Operating profit", rev - cogs - opex, True)]
        return figure(
            "fin-pnl",
            "P&L waterfall, last 12 months (general ledger)",
            waterfall("fin-pnl", "P&L waterfall", steps),
            "Revenue accounts (credit − debit), less cost-of-goods and expense accounts (debit − credit), posted in the last 12 months.",
            "curated/ledger/fct_gl_lines joined to curated/core/dim_account",
        )

    s.add("P&L waterfall", pnl)

    def opex():
        lo, hi = ctx.window()
        rel = "curated/metrics/operating_expense__by_account"
        if lk.has(rel):
            rows = lk.q(
                f"select account, sum(value) from {lk.rel(rel)} where cast(month as date) between {lo} and {hi} "
                f"group by 1 order by 2 desc, 1"
            )
            src = f"metric view metric_operating_expense__by_account ({rel})"
        else:
            lk.seen[rel] = False
            gl = lk.gold("ledger/fct_gl_lines")
            acc = lk.gold("core/dim_account")
            rows = lk.q(
                f"select a.account_name, sum(cast(g.debit as double) - cast(g.credit as double)) from {gl} g "
                f"join {acc} a on a.account_key = g.account_key where a.account_type = 'expense' and "
                f"g.posting_date_key between {lo} and {hi} group by 1 order by 2 desc, 1"
            )
            src = "curated/ledger/fct_gl_lines × curated/core/dim_account (metric view operating_expense__by_account absent)"
        svg = bar_chart("fin-opex", "Operating expense by account", [r[0] for r in rows], [("opex", [float(r[1]) for r in rows])], horizontal=True)
        return figure("fin-opex", "Operating expense by account, last 12 months", svg, "Σ(debit − credit) on expense accounts.", src)

    s.add("Opex by account", opex)

    def collected():
        inv = lk.gold("receivables/fct_invoices")
        pay = lk.gold("receivables/fct_payments")
        invoiced = ctx.series(lk.q(f"select date_trunc('month', invoice_date_key), sum(cast(total as double)) from {inv} where status <> 'void' group by 1"))
        cash, src = ctx.metric(
            "cash_collected",
            f"select date_trunc('month', payment_date_key), sum(cast(amount as double)) from {pay} group by 1",
            "curated/receivables/fct_payments.amount",
        )
        svg = line_chart("fin-cash", "Invoiced vs collected", ctx.labels, [("invoiced (total)", invoiced), ("cash collected", cash)])
        return figure(
            "fin-cash",
            "Invoiced vs cash collected by month",
            svg,
            "Invoice totals by invoice month against payments by payment date; a widening gap is cash stuck in receivables.",
            f"curated/receivables/fct_invoices; {src}",
        )

    s.add("Invoiced vs collected", collected)

    def aging_history():
        rel = "curated/metrics/ar_aging_balance__by_bucket"
        rows = lk.q(f"select cast(month as date), bucket, value from {lk.rel(rel)}")
        order = ["current", "1-30", "31-60", "61-90", "90+"]
        by = {(as_date(r[0]), r[1]): r[2] for r in rows}
        series = [(b.replace("-", "–"), [None if by.get((m, b)) is None else float(by[(m, b)]) for m in ctx.months]) for b in order]
        last = max(as_date(r[0]) for r in rows)
        bars = [float(by.get((last, b)) or 0.0) for b in order]
        total = sum(bars)
        notes = [pct(v / total) if total else "" for v in bars]
        a = bar_chart("fin-aging-month-end", f"AR aging at {month_label(last)} (month end)", [b.replace("-", "–") for b in order], [("open balance", bars)], notes=notes)
        b = line_chart("fin-aging-trend", "Open receivables by aging bucket at each month end", ctx.labels, series)
        return figure(
            "fin-aging-month-end",
            f"Accounts receivable aging at the month end of {month_label(last)}",
            a,
            "Open receivables by days past due at the last month end (share of the total above each bar): a balance read from the month's snapshot, never summed over months.",
            f"metric view metric_ar_aging_balance__by_bucket ({rel})",
        ) + figure(
            "fin-aging-trend",
            "AR aging at each month end",
            b,
            "Open receivables per aging bucket at every month end: what was issued by then and neither paid nor written off (bad debt after 120 days past due).",
            f"metric view metric_ar_aging_balance__by_bucket ({rel})",
        )

    s.add("AR aging at month ends", aging_history)

    def aging():
        inv = lk.gold("receivables/fct_invoices")
        rows = lk.q(
            f"""with o as (select invoice_id, customer_key, due_date_key, cast(total - amount_paid as double) as open_amount,
                   date_diff('day', due_date_key, date '{ctx.as_of}') as dpd from {inv} where status in ('open', 'partial'))
                select case when dpd <= 0 then 'current' when dpd <= 30 then '1–30' when dpd <= 60 then '31–60'
                            when dpd <= 90 then '61–90' else '90+' end as bucket, sum(open_amount), count(*) from o group by 1"""
        )
        order = ["current", "1–30", "31–60", "61–90", "90+"]
        by = {r[0]: (r[1], r[2]) for r in rows}
        vals = [by.get(b, (0.0, 0))[0] for b in order]
        notes = [f"{by.get(b, (0, 0))[1]} invoices" for b in order]
        svg = bar_chart("fin-aging", "AR aging", order, [("open balance", vals)], notes=notes)
        top = lk.q(
            f"select invoice_id, customer_key, due_date_key, date_diff('day', due_date_key, date '{ctx.as_of}'), "
            f"cast(total - amount_paid as double) from {inv} where status in ('open', 'partial') "
            f"and due_date_key < date '{ctx.as_of}' order by 5 desc, 1 limit 8"
        )
        t = table(
            "fin-overdue",
            ["invoice", "customer", "due", "days past due", "open balance"],
            [(r[0], r[1], r[2], r[3], money(r[4])) for r in top],
            "The largest overdue open invoices.",
            "curated/receivables/fct_invoices",
            numeric={3, 4},
        )
        return figure(
            "fin-aging",
            f"Accounts receivable aging as of {ctx.as_of}",
            svg,
            "Open balance (total − amount paid) of open and partially paid invoices, by days past the due date.",
            "curated/receivables/fct_invoices",
        ) + t

    s.add("AR aging", aging)

    def dso():
        inv = lk.gold("receivables/fct_invoices")
        pay = lk.gold("receivables/fct_payments")
        ys, src = ctx.metric(
            "dso",
            f"""with m as (select cast(m as date) as month from range(date '{ctx.months[0]}', date '{ctx.months[-1]}' + interval 1 month, interval 1 month) t(m)),
                inv as (select invoice_date_key d, cast(total as double) v from {inv} where status <> 'void'),
                pay as (select payment_date_key d, cast(amount as double) v from {pay})
                select month,
                  ((select coalesce(sum(v), 0) from inv where d <= last_day(month)) - (select coalesce(sum(v), 0) from pay where d <= last_day(month)))
                  / nullif((select sum(v) from inv where date_trunc('month', d) = month), 0) * day(last_day(month))
                from m""",
            "curated/receivables/fct_invoices and fct_payments",
        )
        svg = line_chart("fin-dso", "DSO by month", ctx.labels, [("DSO (days)", ys)], kind="ratio")
        return figure(
            "fin-dso",
            "Days sales outstanding by month",
            svg,
            "Receivables at month end ÷ credit sales in the month × days in the month (invoiced minus paid to date).",
            src,
        )

    s.add("DSO trend", dso)
    return s


# ---------------------------------------------------------------------------------------
# Marketing
# ---------------------------------------------------------------------------------------


def marketing(ctx):
    lk = ctx.lake
    s = Section(
        "marketing",
        "Marketing",
        "Spend, delivery and return by channel and campaign, the lead funnel and how attribution "
        "models split the credit: what a CMO's weekly review covers.",
    )

    def perf():
        return lk.gold("marketing/fct_ad_performance"), lk.gold("core/dim_campaign")

    def kpis():
        ad, _ = perf()
        lo, hi = ctx.window()
        imp, clk, conv, spend = lk.one(
            f"select sum(impressions), sum(clicks), sum(conversions), sum(cast(spend as double)) from {ad} "
            f"where performance_date_key between {lo} and {hi}"
        )
        src = "curated/marketing/fct_ad_performance"
        return tiles(
            [
                tile("ad_spend_12m", "Ad spend, last 12 months", spend, money(spend), src),
                tile("conversions_12m", "Conversions, last 12 months", conv, num(conv), src),
                tile("ctr_12m", "CTR", ratio(clk, imp), pct(ratio(clk, imp), 2), src, "clicks ÷ impressions"),
                tile("cpc_12m", "CPC", ratio(spend, clk), money(ratio(spend, clk)), src, "spend ÷ clicks"),
                tile("cpa_12m", "CPA", ratio(spend, conv), money(ratio(spend, conv)), src, "spend ÷ conversions"),
            ]
        )

    s.add("Marketing KPIs", kpis)
    s.add("Metric scorecard", lambda: scorecard(ctx, "marketing"))

    def by_channel():
        ad, camp = perf()
        lo, hi = ctx.window()
        rows = lk.q(
            f"select c.channel, sum(cast(p.spend as double)), sum(p.clicks), sum(p.conversions) from {ad} p "
            f"join {camp} c on c.campaign_key = p.campaign_key where p.performance_date_key between {lo} and {hi} group by 1 order by 2 desc, 1"
        )
        notes = [f"{num(r[2])} clicks, {num(r[3])} conversions, CPA {money(ratio(r[1], r[3]))}" for r in rows]
        svg = bar_chart("mkt-channel", "Spend by channel", [r[0] for r in rows], [("spend", [r[1] for r in rows])], horizontal=True, notes=notes)
        return figure("mkt-channel", "Ad spend by channel, last 12 months", svg, "Platform-reported spend per campaign channel.", "curated/marketing/fct_ad_performance × curated/core/dim_campaign")

    s.add("Spend by channel", by_channel)

    def roas():
        rel = "curated/metrics/roas__by_channel"
        rows = lk.q(f"select cast(month as date), channel, value from {lk.rel(rel)} order by 1, 2")
        chans = sorted({r[1] for r in rows})
        series = [(c, ctx.series([(r[0], r[2]) for r in rows if r[1] == c])) for c in chans]
        svg = line_chart("mkt-roas", "ROAS by channel", ctx.labels, series, kind="ratio")
        return figure("mkt-roas", "ROAS by channel and month", svg, "Attributed revenue ÷ spend per channel (the metric's attribution model).", f"metric view metric_roas__by_channel ({rel})")

    s.add("ROAS by channel", roas)

    def cpa():
        ad, _ = perf()
        ys, src = ctx.metric(
            "cpa",
            f"select date_trunc('month', performance_date_key), sum(cast(spend as double)) / nullif(sum(conversions), 0) from {ad} group by 1",
            "curated/marketing/fct_ad_performance (spend ÷ conversions)",
        )
        svg = line_chart("mkt-cpa", "CPA by month", ctx.labels, [("CPA", ys)])
        return figure("mkt-cpa", "Cost per acquisition by month", svg, "Spend ÷ platform-reported conversions per month.", src)

    s.add("CPA trend", cpa)

    def campaigns():
        ad, camp = perf()
        lo, hi = ctx.window()
        rows = lk.q(
            f"select c.campaign_name, c.channel, sum(p.impressions) i, sum(p.clicks) k, sum(p.conversions) v, sum(cast(p.spend as double)) s "
            f"from {ad} p join {camp} c on c.campaign_key = p.campaign_key where p.performance_date_key between {lo} and {hi} "
            f"group by 1, 2 order by s desc, 1, 2 limit 15"
        )
        out = [
            (r[0], r[1], num(r[2]), num(r[3]), pct(ratio(r[3], r[2]), 2), money(ratio(r[5], r[3])), money(ratio(1000 * r[5], r[2])), num(r[4]), money(ratio(r[5], r[4])), money(r[5]))
            for r in rows
        ]
        return table(
            "mkt-campaigns",
            ["campaign", "channel", "impressions", "clicks", "CTR", "CPC", "CPM", "conversions", "CPA", "spend"],
            out,
            "Campaigns by spend, last 12 months; CTR, CPC, CPM and CPA are ratios of the sums.",
            "curated/marketing/fct_ad_performance × curated/core/dim_campaign",
            numeric=set(range(2, 10)),
        )

    s.add("Campaign table", campaigns)

    def funnel():
        leads = lk.gold("marketing/fct_leads")
        r = lk.one(
            f"select count(*), count(mql_at), count(sql_at), count(opp_at), count(customer_at) from {leads}"
        )
        stages = ["lead", "MQL", "SQL", "opportunity", "customer"]
        notes = ["all leads"] + [f"{pct(ratio(r[i], r[i - 1]))} of the previous stage" for i in range(1, 5)]
        svg = bar_chart("mkt-funnel", "Lead funnel", stages, [("leads reaching the stage", [float(v) for v in r])], kind="int", horizontal=True, notes=notes)
        conv = ", ".join(f"{stages[i - 1]}→{stages[i]} {pct(ratio(r[i], r[i - 1]))}" for i in range(1, 5))
        return figure("mkt-funnel", "Lead funnel (all lead cohorts)", svg, f"Leads that reached each stage. Stage conversion: {conv}.", "curated/marketing/fct_leads")

    s.add("Lead funnel", funnel)

    def attribution():
        rel = "curated/analytics/attribution_by_channel"
        rows = lk.q(f"select model, channel, sum(revenue_credited) from {lk.rel(rel)} group by 1, 2")
        models = [m for m in ("first_click", "last_click", "linear", "time_decay", "position_based") if any(r[0] == m for r in rows)]
        models += sorted({r[0] for r in rows} - set(models))
        chans = sorted({r[1] for r in rows})
        by = {(r[0], r[1]): float(r[2]) for r in rows}
        series = [(m, [by.get((m, c)) for c in chans]) for m in models]
        svg = bar_chart("mkt-attribution", "Revenue credited by attribution model", chans, series, horizontal=True)
        return figure(
            "mkt-attribution",
            "Attribution comparison: revenue credited per channel by model",
            svg,
            "The same orders' revenue split over the touches before them by five rule-based models; where the bars differ, the channel's value depends on the model.",
            f"analytics table attribution_by_channel ({rel})",
        )

    s.add("Attribution comparison", attribution)

    def cac_sql():
        spend = lk.gold("marketing/fct_marketing_spend")
        orders = lk.gold("sales/fct_orders")
        return f"""with n as (select date_trunc('month', min(order_date_key)) m, customer_key from {orders} group by 2),
                s as (select date_trunc('month', expense_date_key) m, sum(cast(amount as double)) v from {spend} where campaign_key is not null group by 1)
                select s.m, s.v / nullif((select count(*) from n where n.m = s.m), 0) from s"""

    def cac():
        ys, src = ctx.metric(
            "cac",
            cac_sql,
            "curated/marketing/fct_marketing_spend (campaign spend) ÷ new customers of curated/sales/fct_orders",
        )
        svg = line_chart("mkt-cac", "CAC by month", ctx.labels, [("CAC", ys)])
        return figure("mkt-cac", "Customer acquisition cost by month", svg, "Campaign spend booked in finance ÷ customers placing their first order that month (blended CAC).", src)

    s.add("CAC trend", cac)
    return s


# ---------------------------------------------------------------------------------------
# E-commerce
# ---------------------------------------------------------------------------------------


def ecommerce(ctx):
    lk = ctx.lake
    s = Section(
        "ecommerce",
        "E-commerce",
        "Revenue decomposed as sessions × conversion rate × AOV, the purchase funnel, products, "
        "returns, repeat purchase and cohort retention: a merchandiser's and growth lead's view.",
    )

    def kpis():
        orders = lk.gold("sales/fct_orders")
        lines = lk.gold("sales/fct_order_lines")
        n, live, total = lk.one(
            f"select count(*), count(*) filter (where not is_cancelled), sum(cast(total as double)) filter (where not is_cancelled) from {orders}"
        )
        gross = lk.one(f"select sum(cast(line_total as double)) from {lines}")[0]
        items = [
            tile("orders", "Orders placed", n, num(n), "curated/sales/fct_orders", "all time, cancelled included"),
            tile("gross_sales", "Gross merchandise sales", gross, money(gross), "curated/sales/fct_order_lines", "Σ line_total, all time"),
            tile("aov", "AOV", ratio(total, live), money(ratio(total, live)), "curated/sales/fct_orders", "order total ÷ orders, not cancelled"),
        ]
        if lk.has("curated/web/fct_sessions"):
            sess = lk.gold("web/fct_sessions")
            ns, buy = lk.one(f"select count(*), count(*) filter (where is_purchase) from {sess}")
            cr = ratio(buy, ns)
            items[:0] = [
                tile("sessions", "Sessions", ns, num(ns), "curated/web/fct_sessions", "all time"),
                tile("session_cr", "Session conversion rate", cr, pct(cr, 2), "curated/web/fct_sessions", "sessions with a purchase ÷ sessions"),
            ]
            items.append(
                tile("revenue_identity", "Sessions × CR × AOV", ns * (cr or 0) * (ratio(total, live) or 0), money(ns * (cr or 0) * (ratio(total, live) or 0)), "derived", "the decomposition of revenue")
            )
        return tiles(items)

    s.add("E-commerce KPIs", kpis)
    s.add("Metric scorecard", lambda: scorecard(ctx, "ecommerce"))

    def orders_trend():
        orders = lk.gold("sales/fct_orders")
        ys, src = ctx.metric("orders", f"select date_trunc('month', order_date_key), count(*) from {orders} where not is_cancelled group by 1", "curated/sales/fct_orders")
        aov, src2 = ctx.metric(
            "aov",
            f"select date_trunc('month', order_date_key), avg(cast(total as double)) from {orders} where not is_cancelled group by 1",
            "curated/sales/fct_orders",
        )
        a = line_chart("ec-orders", "Orders by month", ctx.labels, [("orders", ys)], kind="int")
        b = line_chart("ec-aov", "AOV by month", ctx.labels, [("AOV", aov)], zero=False)
        return figure("ec-orders", "Orders by month", a, "Orders not cancelled, by order month.", src) + figure(
            "ec-aov", "Average order value by month", b, "Order total ÷ orders per month.", src2
        )

    s.add("Orders and AOV", orders_trend)

    def funnel():
        steps = lk.gold("web/fct_funnel_steps")
        sess = lk.gold("web/fct_sessions")
        ns = lk.one(f"select count(*) from {sess}")[0]
        rows = lk.q(f"select step_no, step_name, count(distinct session_key) from {steps} group by 1, 2 order by 1")
        names = ["session"] + [r[1] for r in rows]
        vals = [float(ns)] + [float(r[2]) for r in rows]
        notes = ["all sessions"] + [f"{pct(ratio(vals[i], vals[i - 1]))} of the previous step" for i in range(1, len(vals))]
        svg = bar_chart("ec-funnel", "Purchase funnel", names, [("sessions reaching the step", vals)], kind="int", horizontal=True, notes=notes)
        return figure(
            "ec-funnel",
            "Purchase funnel: sessions reaching each step",
            svg,
            f"Sessions with each funnel event; overall {pct(ratio(vals[-1], vals[0]), 2)} of sessions purchase.",
            "curated/web/fct_funnel_steps and curated/web/fct_sessions",
        )

    s.add("Purchase funnel", funnel)

    def traffic():
        sess = lk.gold("web/fct_sessions")
        rows = lk.q(
            f"select source_medium, count(*), count(*) filter (where is_purchase) from {sess} group by 1 order by 2 desc, 1 limit 12"
        )
        notes = [f"conversion {pct(ratio(r[2], r[1]), 2)}" for r in rows]
        svg = bar_chart("ec-traffic", "Sessions by source / medium", [r[0] for r in rows], [("sessions", [float(r[1]) for r in rows])], kind="int", horizontal=True, notes=notes)
        dev = lk.q(f"select device_category, count(*), count(*) filter (where is_purchase) from {sess} group by 1 order by 2 desc, 1")
        t = table(
            "ec-device",
            ["device", "sessions", "share", "purchases", "conversion rate"],
            [(r[0], num(r[1]), pct(ratio(r[1], sum(x[1] for x in dev))), num(r[2]), pct(ratio(r[2], r[1]), 2)) for r in dev],
            "Sessions and conversion by device.",
            "curated/web/fct_sessions",
            numeric={1, 2, 3, 4},
        )
        return figure("ec-traffic", "Sessions by source / medium", svg, "Sessions per source / medium (tooltips: conversion rate).", "curated/web/fct_sessions") + t

    s.add("Traffic", traffic)

    def products():
        lines = lk.gold("sales/fct_order_lines")
        prod = lk.gold("core/dim_product")
        cats = lk.q(
            f"select p.category, sum(cast(l.line_total as double)) from {lines} l join {prod} p on p.product_key = l.product_key group by 1 order by 2 desc, 1"
        )
        svg = bar_chart("ec-category", "Sales by category", [r[0] for r in cats], [("sales", [r[1] for r in cats])], horizontal=True)
        top = lk.q(
            f"select p.name, p.category, sum(l.quantity), sum(cast(l.line_total as double)), sum(l.returned_qty) from {lines} l "
            f"join {prod} p on p.product_key = l.product_key group by 1, 2 order by 4 desc, 1, 2 limit 10"
        )
        t = table(
            "ec-products",
            ["product", "category", "units", "sales", "units returned"],
            [(r[0], r[1], num(r[2]), money(r[3]), num(r[4])) for r in top],
            "Top products by sales, all time.",
            "curated/sales/fct_order_lines × curated/core/dim_product",
            numeric={2, 3, 4},
        )
        return figure("ec-category", "Sales by product category", svg, "Σ line_total per category, all time.", "curated/sales/fct_order_lines × curated/core/dim_product") + t

    s.add("Products", products)

    def returns():
        lines = lk.gold("sales/fct_order_lines")
        rets = lk.gold("sales/fct_returns")
        by_count, src1 = ctx.metric(
            "return_rate_by_count",
            f"select date_trunc('month', order_date_key), sum(returned_qty) / nullif(sum(quantity), 0) from {lines} group by 1",
            "curated/sales/fct_order_lines (returned_qty ÷ quantity, by order month)",
        )
        by_value, src2 = ctx.metric(
            "return_rate_by_value",
            f"""select date_trunc('month', l.order_date_key), sum(cast(r.refund_amount as double)) / nullif(max(t.sales), 0)
                from {rets} r join {lines} l on l.order_id = r.order_id and l.line_no = r.line_no
                join (select date_trunc('month', order_date_key) m, sum(cast(line_total as double)) sales from {lines} group by 1) t
                  on t.m = date_trunc('month', l.order_date_key) group by 1""",
            "curated/sales/fct_returns refunds ÷ curated/sales/fct_order_lines sales (by order month)",
        )
        svg = line_chart("ec-returns", "Return rate by month", ctx.labels, [("by count (units)", by_count), ("by value (refunds)", by_value)], kind="pct")
        return figure("ec-returns", "Return rate by order month, by count and by value", svg, "Units returned ÷ units sold, and refunds ÷ sales, for the orders of each month (recent months are still open to returns).", f"{src1}; {src2}")

    s.add("Return rate", returns)

    def repeat():
        orders = lk.gold("sales/fct_orders")
        ys, src = ctx.metric(
            "repeat_purchase_rate",
            f"""with c as (select customer_key, min(order_date_key) first, count(*) n from {orders} where not is_cancelled group by 1),
                m as (select cast(m as date) mo from range(date '{ctx.months[0]}', date '{ctx.months[-1]}' + interval 1 month, interval 1 month) t(m))
                select mo, (select count(*) from (select customer_key from {orders} where not is_cancelled and order_date_key <= last_day(mo)
                                                  group by 1 having count(*) >= 2)) /
                       nullif((select count(*) from c where first <= last_day(mo)), 0) from m""",
            "curated/sales/fct_orders (customers with ≥ 2 orders ÷ customers with ≥ 1, to date)",
        )
        svg = line_chart("ec-repeat", "Repeat purchase rate", ctx.labels, [("repeat rate", ys)], kind="pct")
        return figure("ec-repeat", "Repeat purchase rate", svg, "Share of customers with at least one order who have ordered twice or more.", src)

    s.add("Repeat purchase rate", repeat)

    def cohorts_view():
        """The retention matrix from the metric view: month = cohort, months_since = k ≥ 1."""
        rel = "curated/metrics/cohort_retention_rate__by_months_since"
        rows = lk.q(f"select cast(month as date), cast(months_since as integer), value from {lk.rel(rel)} where cast(months_since as integer) between 1 and 11")
        return [(as_date(r[0]), r[1], r[2]) for r in rows] + [(c, 0, 1.0) for c in {as_date(r[0]) for r in rows}], rel

    def cohorts():
        if lk.has("curated/metrics/cohort_retention_rate__by_months_since"):
            rows, rel = cohorts_view()
            source = f"metric view metric_cohort_retention_rate__by_months_since ({rel})"
        else:
            lk.seen["curated/metrics/cohort_retention_rate__by_months_since"] = False
            rows, source = cohorts_gold(), "curated/sales/fct_orders"
        cohorts_ = sorted({r[0] for r in rows})[-12:]
        by = {(r[0], r[1]): float(r[2]) for r in rows}
        last = ctx.months[-1]
        vals = [
            [by.get((c, k), 0.0) if (last.year - c.year) * 12 + last.month - c.month >= k else None for k in range(12)]
            for c in cohorts_
        ]
        svg = heatmap("ec-cohorts", "Cohort retention", [month_label(c) for c in cohorts_], [f"M{k}" for k in range(12)], vals)
        return figure(
            "ec-cohorts",
            "Cohort retention: share of each first-order cohort ordering again, by months since the first order",
            svg,
            "Rows: the month of a customer's first order (the last 12 cohorts); columns: months since; cells: customers ordering in that month ÷ cohort size (%). Empty cells are in the future.",
            source,
        )

    def cohorts_gold():
        orders = lk.gold("sales/fct_orders")
        rows = lk.q(
            f"""with o as (select customer_key, date_trunc('month', order_date_key) m from {orders} where not is_cancelled),
                f as (select customer_key, min(m) c from o group by 1),
                a as (select f.c, date_diff('month', f.c, o.m) k, count(distinct o.customer_key) n from o join f using (customer_key) group by 1, 2)
                select a.c, a.k, a.n / (select n from a b where b.c = a.c and b.k = 0) from a where a.k between 0 and 11"""
        )
        return [(as_date(r[0]), r[1], r[2]) for r in rows]

    s.add("Cohort retention", cohorts)
    return s


# ---------------------------------------------------------------------------------------
# Customer 360
# ---------------------------------------------------------------------------------------


def customer360(ctx):
    lk = ctx.lake
    s = Section(
        "customer360",
        "Customer 360",
        "Who the customers are, what they are worth, how they behave and who is at risk of "
        "churning: an account manager's and retention analyst's view, with the baseline models.",
    )

    def kpis():
        cust = lk.gold("core/dim_customer")
        orders = lk.gold("sales/fct_orders")
        n, churned = lk.one(f"select count(*), count(churned_at) from {cust}")
        buyers, ltv = lk.one(
            f"select count(*), avg(v) from (select customer_key, sum(cast(total as double)) v from {orders} where not is_cancelled group by 1)"
        )
        return tiles(
            [
                tile("customers", "Customers", n, num(n), "curated/core/dim_customer"),
                tile("buyers", "Customers with an order", buyers, num(buyers), "curated/sales/fct_orders"),
                tile("ltv", "Revenue per buying customer", ltv, money(ltv), "curated/sales/fct_orders", "historical LTV"),
                tile("churned_share", "Churned (CRM)", ratio(churned, n), pct(ratio(churned, n)), "curated/core/dim_customer", "churned_at set"),
            ]
        )

    s.add("Customer KPIs", kpis)

    def segments():
        cust = lk.gold("core/dim_customer")
        rows = lk.q(
            f"select coalesce(segment, '(none)'), coalesce(lifecycle_stage, '(none)'), count(*) from {cust} group by 1, 2"
        )
        segs = sorted({r[0] for r in rows})
        stages = sorted({r[1] for r in rows})
        by = {(r[0], r[1]): float(r[2]) for r in rows}
        series = [(st, [by.get((sg, st)) for sg in segs]) for st in stages]
        svg = bar_chart("c360-segments", "Customers by segment and lifecycle stage", segs, series, kind="int", horizontal=True)
        return figure("c360-segments", "Customers by segment and lifecycle stage", svg, "The CRM's segment and lifecycle stage of every golden customer.", "curated/core/dim_customer")

    s.add("Segments", segments)

    def ltv():
        orders = lk.gold("sales/fct_orders")
        rows = lk.q(
            f"""with v as (select sum(cast(total as double)) v from {orders} where not is_cancelled group by customer_key),
                q as (select quantile_cont(v, 0.99) hi from v)
                select least(floor(v / (q.hi / 20)), 19) b, count(*), q.hi from v, q group by 1, 3 order by 1"""
        )
        hi = rows[0][2] if rows else 0
        width = hi / 20 if hi else 1
        by = {int(r[0]): float(r[1]) for r in rows}
        cats = [f"{money(width * b)}" for b in range(20)]
        svg = bar_chart("c360-ltv", "Revenue per customer", cats, [("customers", [by.get(b, 0.0) for b in range(20)])], kind="int")
        return figure("c360-ltv", "Distribution of revenue per buying customer", svg, "Customers by lifetime order value in 20 bins up to the 99th percentile (the last bin holds the rest).", "curated/sales/fct_orders")

    s.add("LTV distribution", ltv)

    def top_customers():
        cust = lk.gold("core/dim_customer")
        orders = lk.gold("sales/fct_orders")
        sessions = "(select customer_key, count(*) n from " + lk.gold("web/fct_sessions") + " group by 1)" if lk.has("curated/web/fct_sessions") else None
        churn = None
        if lk.has("curated/analytics/churn_predictions"):
            churn = f"(select customer_id, arg_max(score, cutoff_date) score from {lk.rel('curated/analytics/churn_predictions')} group by 1)"
        else:
            lk.seen["curated/analytics/churn_predictions"] = False
        rows = lk.q(
            f"""select c.customer_key, c.segment, c.lifecycle_stage, min(o.order_date_key), max(o.order_date_key), count(*),
                       sum(cast(o.total as double)), {'max(s.n)' if sessions else 'null'}, {'max(p.score)' if churn else 'null'}, c.crm_id, c.debtor_no
                from {orders} o join {cust} c on c.customer_key = o.customer_key
                {'left join ' + sessions + ' s on s.customer_key = c.customer_key' if sessions else ''}
                {'left join ' + churn + ' p on p.customer_id = c.customer_key' if churn else ''}
                where not o.is_cancelled group by c.customer_key, c.segment, c.lifecycle_stage, c.crm_id, c.debtor_no order by 7 desc, 1 limit 10"""
        )
        return table(
            "c360-top",
            ["customer", "segment", "lifecycle", "first order", "last order", "orders", "revenue", "AOV", "sessions", "churn score", "CRM id", "ERP debtor"],
            [(r[0], r[1], r[2], r[3], r[4], r[5], money(r[6]), money(ratio(r[6], r[5])), num(r[7]), num(r[8], 2), r[9] or "", r[10] or "") for r in rows],
            "The ten most valuable customers with their linked source ids (the identity crosswalk at work).",
            "curated/core/dim_customer, curated/sales/fct_orders, curated/web/fct_sessions"
            + (", analytics churn_predictions" if churn else " (churn_predictions absent)"),
            numeric={5, 6, 7, 8, 9},
        )

    s.add("Top customers", top_customers)

    def profile():
        cust = lk.gold("core/dim_customer")
        orders = lk.gold("sales/fct_orders")
        key = lk.one(
            f"select customer_key from {orders} where not is_cancelled group by 1 order by sum(cast(total as double)) desc, 1 limit 1"
        )[0]
        c = lk.one(
            f"select customer_key, segment, lifecycle_stage, created_at, country, crm_id, debtor_no, churned_at from {cust} where customer_key = {sql_str(key)}"
        )
        rows = lk.q(
            f"select date_trunc('month', order_date_key), sum(cast(total as double)) from {orders} where customer_key = {sql_str(key)} and not is_cancelled group by 1"
        )
        ys = ctx.series(rows)
        svg = bar_chart("c360-profile", f"Orders of customer {key}", ctx.labels, [("order value", ys)])
        info = (
            f"Customer {c[0]} · segment {c[1]} · lifecycle {c[2]} · since {c[3]:%Y-%m-%d} · {c[4]} · CRM {c[5] or '—'} · ERP {c[6] or '—'}"
            + (f" · churned {c[7]:%Y-%m-%d}" if c[7] else "")
        )
        return figure("c360-profile", "Customer profile: the most valuable customer's order timeline", svg, info + ".", "curated/core/dim_customer and curated/sales/fct_orders")

    s.add("Customer profile", profile)

    def rfm():
        rel = "curated/analytics/rfm_segments"
        rows = lk.q(f"select segment, count(*), avg(monetary) from {lk.rel(rel)} group by 1 order by 2 desc, 1")
        notes = [f"mean monetary {money(r[2])}" for r in rows]
        svg = bar_chart("c360-rfm", "Customers by RFM segment", [r[0] for r in rows], [("customers", [float(r[1]) for r in rows])], kind="int", horizontal=True, notes=notes)
        return figure("c360-rfm", "RFM segments", svg, "Customers per recency-frequency-monetary segment (quintile scores).", f"analytics table rfm_segments ({rel})")

    s.add("RFM segments", rfm)

    def roc():
        rel = "curated/analytics/churn_roc"
        pts = lk.q(f"select fpr, tpr, threshold from {lk.rel(rel)} order by fpr, tpr")
        if not pts:
            raise Absent(rel + " (no rows)")
        auc = sum((pts[i][0] - pts[i - 1][0]) * (pts[i][1] + pts[i - 1][1]) / 2 for i in range(1, len(pts)))
        curve = [(float(a), float(b), f", threshold {t:.3f}" if t is not None and math.isfinite(t) else "") for a, b, t in pts]
        svg = xy_chart("c360-roc", "ROC curve of the churn baseline", [(f"churn baseline (AUC {auc:.3f})", curve)], xl="false positive rate", yl="true positive rate")
        out = figure(
            "c360-roc",
            "ROC curve of the churn baseline",
            svg,
            f"True against false positive rate as the score threshold falls; area under the curve {auc:.3f} (0.5 is chance).",
            f"analytics table churn_roc ({rel})",
        )
        if lk.has("curated/analytics/model_evaluation"):
            ev = lk.q(f"select model, metric, value, baseline, baseline_value from {lk.rel('curated/analytics/model_evaluation')} order by 1, 2")
            out += table(
                "c360-eval",
                ["model", "metric", "value", "baseline", "baseline value"],
                [(r[0], r[1], num(r[2], 3), r[3] or "", num(r[4], 3)) for r in ev],
                "Every model's held-out measures against its baseline.",
                "analytics table model_evaluation",
                numeric={2, 4},
            )
        else:
            lk.seen["curated/analytics/model_evaluation"] = False
        return out

    s.add("Churn ROC curve", roc)

    def forecast():
        rel = "curated/analytics/demand_forecast"
        r = lk.rel(rel)
        cat = lk.one(f"select category from {r} group by 1 order by sum(actual) desc, 1 limit 1")
        if cat is None:
            raise Absent(rel + " (no rows)")
        rows = lk.q(f"select week, actual, forecast, naive_forecast, is_holdout from {r} where category = {sql_str(cat[0])} order by 1")
        labels = [f"{w:%Y-%m-%d}" for w, *_ in rows]
        series = [
            ("actual", [None if x[1] is None else float(x[1]) for x in rows]),
            ("forecast", [float(x[2]) if x[4] and x[2] is not None else None for x in rows]),
            ("naive forecast", [float(x[3]) if x[4] and x[3] is not None else None for x in rows]),
        ]
        svg = line_chart("c360-forecast", "Weekly demand and forecasts", labels, series, kind="int")
        return figure(
            "c360-forecast",
            f"Demand forecast for the largest category ({cat[0]}), held-out weeks",
            svg,
            "Weekly units sold against the model's and the naive (last season) forecast over the held-out weeks.",
            f"analytics table demand_forecast ({rel})",
        )

    s.add("Demand forecast", forecast)
    return s


# ---------------------------------------------------------------------------------------
# Exploratory data analysis per domain (the truth layer)
# ---------------------------------------------------------------------------------------


def eda(lake):
    s = Section(
        "eda",
        "Exploratory data analysis by domain",
        "Row counts, null rates and the distributions of key attributes of each domain's clean "
        "(truth) tables: the first look a consultant takes before trusting any dashboard.",
    )
    root = lake.path("truth")
    if not os.path.isdir(root):
        s.blocks.append(absent_note("Exploratory data analysis", "truth"))
        return s
    domains = sorted(d for d in os.listdir(root) if not d.startswith("_") and os.path.isdir(os.path.join(root, d)))
    for dom in domains:
        s.add(f"Domain {dom}", lambda dom=dom: eda_domain(lake, dom))
    return s


def eda_domain(lake, dom):
    base = os.path.join(lake.path("truth"), dom)
    ents = sorted(e for e in os.listdir(base) if lake.has(f"truth/{dom}/{e}"))
    stats = []
    for e in ents:
        rel = lake.rel(f"truth/{dom}/{e}")
        summ = lake.q(f"summarize select * from {rel}")
        n = summ[0][10] if summ else 0
        stats.append((e, rel, n, summ))
    rows, nulls = [], []
    for e, _, n, summ in stats:
        rates = [(c[0], float(c[11] or 0) / 100) for c in summ]
        worst = sorted((r for r in rates if r[1] > 0), key=lambda r: -r[1])[:3]
        cells = sum(r[1] for r in rates) / len(rates) if rates else 0
        rows.append((e, num(n), len(summ), pct(cells, 2), ", ".join(f"{c} {pct(v)}" for c, v in worst) or "none"))
        nulls += [(f"{e}.{c}", v) for c, v in rates if v > 0]
    out = [f'<h3 id="eda-{esc(dom)}">Domain {esc(dom)}</h3>']
    out.append(
        table(
            f"eda-{dom}-tables",
            ["entity", "rows", "columns", "null cells", "most null columns"],
            rows,
            f"The tables of domain {dom}.",
            f"truth/{dom}/",
            numeric={1, 2, 3},
        )
    )
    if nulls:
        nulls = sorted(nulls, key=lambda r: -r[1])[:15]
        svg = bar_chart(f"eda-{dom}-nulls", f"Null rates in {dom}", [r[0] for r in nulls], [("null rate", [r[1] for r in nulls])], kind="pct", horizontal=True)
        out.append(figure(f"eda-{dom}-nulls", f"{dom}: columns with the highest null rates", svg, "Share of rows where the column is null (optional attributes, later lifecycle stages).", f"truth/{dom}/"))
    for e, rel, n, summ in sorted(stats, key=lambda t: -t[2])[:4]:
        if n == 0:
            continue
        out += eda_entity(lake, dom, e, rel, summ)
    return "".join(out)


def eda_entity(lake, dom, e, rel, summ):
    """One histogram of the entity's first measure-like numeric column and one bar chart of
    its first low-cardinality text column."""
    out = []
    num_col = next(
        (c for c in summ if c[1].startswith(("DECIMAL", "DOUBLE", "FLOAT")) and c[4] > 10), None
    ) or next((c for c in summ if c[1] in ("INTEGER", "BIGINT") and c[4] > 10 and not c[0].endswith("_id")), None)
    if num_col:
        col = num_col[0]
        r = lake.one(f'select quantile_cont("{col}", 0.01), quantile_cont("{col}", 0.99) from {rel}')
        lo, hi = (float(r[0]), float(r[1])) if r[0] is not None else (0.0, 0.0)
        if hi > lo:
            w = (hi - lo) / 20
            rows = lake.q(
                f'select least(greatest(floor((cast("{col}" as double) - {lo}) / {w}), 0), 19) b, count(*) from {rel} '
                f'where "{col}" is not null group by 1'
            )
            by = {int(x[0]): float(x[1]) for x in rows}
            cats = [num(lo + w * b, 2 if w < 10 else 0) for b in range(20)]
            cid = f"eda-{dom}-{e}-{col}".replace("_", "-")
            svg = bar_chart(cid, f"{e}.{col}", cats, [("rows", [by.get(b, 0.0) for b in range(20)])], kind="int", h=220)
            out.append(figure(cid, f"{dom}.{e}: distribution of {col}", svg, f"Rows per bin of {col} between its 1st and 99th percentiles (the outer bins hold the tails); median {num_col[8]}.", f"truth/{dom}/{e}"))
    cat_col = next((c for c in summ if c[1] == "VARCHAR" and 2 <= c[4] <= 14), None)
    if cat_col:
        col = cat_col[0]
        rows = lake.q(f'select coalesce(cast("{col}" as varchar), \'(null)\'), count(*) from {rel} group by 1 order by 2 desc, 1 limit 14')
        total = sum(x[1] for x in rows)
        cid = f"eda-{dom}-{e}-{col}".replace("_", "-")
        svg = bar_chart(cid, f"{e}.{col}", [x[0] for x in rows], [("rows", [float(x[1]) for x in rows])], kind="int", horizontal=True, notes=[pct(ratio(x[1], total)) for x in rows])
        out.append(figure(cid, f"{dom}.{e}: values of {col}", svg, f"Rows per value of {col}.", f"truth/{dom}/{e}"))
    return out


# ---------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1b1b1b;background:#fafafa}
header{background:#0b3d62;color:#fff;padding:18px 28px}header h1{margin:0;font-size:24px}
header p{margin:6px 0 0;color:#d7e6f3}nav{padding:8px 28px;background:#e8eef4;position:sticky;top:0;z-index:2}
nav a{margin-right:16px;color:#0b3d62;text-decoration:none;font-weight:600}
main{padding:8px 28px 40px;max-width:1600px}section{margin:28px 0 36px}h2{border-bottom:2px solid #0b3d62;padding-bottom:4px}
.intro{color:#444;max-width:900px}.tiles{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.tile{background:#fff;border:1px solid #d5dde5;border-radius:6px;padding:10px 14px;min-width:170px}
.tl{font-size:12px;color:#555}.tv{font-size:22px;font-weight:700;margin:4px 0}.ts{font-size:11px;color:#777}
figure.chart{display:inline-block;vertical-align:top;background:#fff;border:1px solid #d5dde5;border-radius:6px;margin:8px 12px 8px 0;padding:8px 10px;max-width:640px}
figure h4{margin:2px 0 6px;font-size:14px}figcaption{font-size:12px;color:#444;max-width:620px}.src{color:#777}
.table{background:#fff;border:1px solid #d5dde5;border-radius:6px;margin:8px 0;padding:8px 10px;overflow-x:auto}
table{border-collapse:collapse;font-size:12px}th,td{padding:3px 8px;border-bottom:1px solid #eee;text-align:left}td.n,th.n{text-align:right}
.cap{font-size:12px;color:#444}.absent{background:#fff8e1;border-left:4px solid #E69F00;padding:8px 12px;margin:8px 0;font-size:13px}
.section-error{background:#fdecea;border-left:4px solid #D55E00;padding:8px 12px;margin:8px 0}
svg text{font-size:11px;fill:#333}.ax{fill:#444}.lg{fill:#333}.val{font-size:10px;fill:#222}.cell{font-size:10px;fill:#111}.cell.dark{fill:#fff}
.grid{stroke:#e3e3e3}.axis{stroke:#888}.diag{stroke:#999;stroke-dasharray:4 4}
.mark:hover{opacity:.75}#status td{font-size:12px}.ok{color:#009E73}.no{color:#D55E00}
"""

# Marks every chart the browser drew: a figure is drawn when its SVG holds marks and the
# laid-out marks have a non-empty bounding box.
SCRIPT = """
(function () {
  var figs = document.querySelectorAll('figure.chart');
  var drawn = 0;
  for (var i = 0; i < figs.length; i++) {
    var f = figs[i], svg = f.querySelector('svg'), marks = svg ? svg.querySelectorAll('.mark') : [];
    var area = 0;
    for (var j = 0; j < marks.length; j++) {
      var b = marks[j].getBBox();
      area += b.width + b.height;
    }
    var ok = marks.length > 0 && area > 0;
    f.setAttribute('data-marks', String(marks.length));
    f.setAttribute('data-drawn', ok ? 'yes' : 'no');
    if (ok) { drawn++; }
  }
  document.body.setAttribute('data-charts', String(figs.length));
  document.body.setAttribute('data-charts-drawn', String(drawn));
  var s = document.getElementById('render-status');
  if (s) { s.textContent = drawn + ' of ' + figs.length + ' charts drawn.'; }
})();
"""


def status_table(lake):
    rows = []
    for rel in sorted(lake.seen):
        ok = lake.seen[rel]
        n = lake.one(f"select count(*) from {lake.rel(rel)}")[0] if ok else None
        rows.append(
            f'<tr><td><code>{esc(rel)}</code></td><td class="{"ok" if ok else "no"}">{"present" if ok else "absent"}</td>'
            f'<td class="n">{"" if n is None else num(n)}</td></tr>'
        )
    return (
        '<section id="sources"><h2>Sources</h2><p class="intro">Every table the report reads, and whether this lake has it. '
        "Metric views are the semantic layer's monthly series; analytics tables hold the models' outputs; where either is absent the page "
        'computes from the gold marts or says so.</p><div class="table" id="status"><table><thead><tr><th>table</th><th>status</th>'
        f'<th class="n">rows</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div></section>'
    )


def build(lake_dir):
    lake = Lake(lake_dir)
    sections, failures = [], []
    try:
        ctx = Ctx(lake)
    except Absent as a:
        ctx = None
        sections.append(
            Section("dashboards", "Dashboards", "The dashboards need the gold marts (build them with dbt, docs/marts.md).")
        )
        sections[0].blocks.append(absent_note("Every dashboard", a.args[0]))
    if ctx:
        for make in (finance, marketing, ecommerce, customer360):
            sections.append(make(ctx))
    sections.append(eda(lake))
    for sec in sections:
        failures += sec.failures
    nav = "".join(f'<a href="#{s.sid}">{esc(s.title)}</a>' for s in sections) + '<a href="#sources">Sources</a>'
    frame = f"Orders from {ctx.months[0]:%Y-%m} to {ctx.as_of}; “last 12 months” ends on {ctx.as_of}." if ctx else ""
    page = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>lab analytics report</title><style>{CSS}</style></head><body>"
        f'<header><h1>Analytics report</h1><p>Four dashboards and a per-domain data profile of the lake, computed from its gold marts, metric views and analytics tables. {esc(frame)} '
        '<span id="render-status">Charts not yet checked.</span></p></header>'
        f"<nav>{nav}</nav><main>{''.join(s.html() for s in sections)}{status_table(lake)}</main>"
        f"<script>{SCRIPT}</script></body></html>\n"
    )
    return page, failures


def main(argv=None):
    p = argparse.ArgumentParser(description="Build the lake's analytics report (one offline HTML page).")
    p.add_argument("--lake", default="generated/lake", help="the lake folder (holding curated/ and truth/)")
    p.add_argument("--out", help="the HTML file to write (default: <lake>/report/index.html)")
    a = p.parse_args(argv)
    if not os.path.isdir(a.lake):
        print(f"build_report: no lake at {a.lake} (compile one with `lab compile`)", file=sys.stderr)
        return 2
    out = a.out or os.path.join(a.lake, "report", "index.html")
    page, failures = build(a.lake)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(page)
    os.replace(tmp, out)
    print(f"build_report: wrote {out} ({len(page):,} bytes)")
    for msg in failures:
        print(f"build_report: failed: {msg}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
