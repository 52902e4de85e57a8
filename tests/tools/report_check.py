"""Checks the analytics report (tests/it/report.rs) as a browser drew it.

    .venv/bin/python tests/tools/report_check.py PAGE DOM TRUTH [--charts ID,...] [--absent REL,...]

PAGE is the HTML the builder wrote, DOM the page after its script ran (`chromium --headless
--dump-dom`), TRUTH the lake's truth folder. Checks, each failure printed on its own line:

- offline: no element of the page names a resource outside it (every src, href and similar
  attribute is absent or a fragment `#…`; no <link>, <iframe>, <object>, <embed>, external
  script or CSS url()/@import);
- drawn: the page's marker script ran (the body carries its totals) and marked every chart
  figure drawn, with marks; every chart named by --charts is there;
- absent: every table named by --absent has its notice on the page, and no chart failed to
  build (no section-error block);
- numbers: the KPI tiles' values equal independent SQL on the truth (order count, gross sales,
  AOV, sessions, session conversion rate, customers).

Ends with `report_check: … N failures`; exit status 1 when there is any.
"""

import argparse
import html.parser
import re
import sys

import duckdb

URL_ATTRS = {"src", "href", "xlink:href", "action", "poster", "data", "formaction", "srcset", "background"}


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.refs, self.tags, self.figures, self.tiles, self.absent, self.errors = [], [], [], {}, [], 0
        self.body = {}
        self.style = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        for k, v in attrs:
            if k in URL_ATTRS and v is not None:
                self.refs.append((tag, k, v))
        if tag == "body":
            self.body = a
        if tag == "figure" and "chart" in (a.get("class") or "").split():
            self.figures.append(a)
        if tag == "div" and a.get("data-kpi"):
            self.tiles[a["data-kpi"]] = a.get("data-value")
        if tag == "div" and a.get("data-absent"):
            self.absent.append(a["data-absent"])
        if tag == "div" and a.get("class") == "section-error":
            self.errors += 1
        if tag == "script" and a.get("src"):
            self.refs.append((tag, "src", a["src"]))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.style.append(data)


def parse(path):
    p = Page()
    with open(path, encoding="utf-8") as f:
        p.feed(f.read())
    return p


def truth_numbers(truth):
    con = duckdb.connect()

    def t(rel):
        return f"read_parquet('{truth}/{rel}/**/*.parquet')"

    orders, live, total = con.execute(
        f"select count(*), count(*) filter (where not is_cancelled), sum(cast(total as double)) filter (where not is_cancelled) from {t('ecommerce/orders')}"
    ).fetchone()
    gross = con.execute(f"select sum(cast(line_total as double)) from {t('ecommerce/order_items')}").fetchone()[0]
    sessions, bought = con.execute(f"select count(*), count(*) filter (where is_purchase) from {t('web/sessions')}").fetchone()
    customers = con.execute(f"select count(*) from {t('ecommerce/customers')}").fetchone()[0]
    return {
        "orders": orders,
        "gross_sales": gross,
        "aov": total / live,
        "sessions": sessions,
        "session_cr": bought / sessions,
        "customers": customers,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("page")
    ap.add_argument("dom")
    ap.add_argument("truth")
    ap.add_argument("--charts", default="")
    ap.add_argument("--absent", default="")
    a = ap.parse_args()
    fails = []
    page, dom = parse(a.page), parse(a.dom)

    # Offline.
    for tag, attr, v in page.refs:
        if not v.startswith("#"):
            fails.append(f"offline: <{tag} {attr}={v!r}> names a resource outside the page")
    for tag in ("link", "iframe", "object", "embed", "img"):
        if tag in page.tags:
            fails.append(f"offline: the page has a <{tag}> element")
    css = "".join(page.style)
    if re.search(r"url\s*\(|@import", css):
        fails.append("offline: the style sheet loads a resource")

    # Drawn.
    total, drawn = dom.body.get("data-charts"), dom.body.get("data-charts-drawn")
    if total is None or drawn is None:
        fails.append("drawn: the marker script did not run (no totals on <body>)")
    elif int(total) != len(dom.figures) or int(drawn) != len(dom.figures) or not dom.figures:
        fails.append(f"drawn: {drawn} of {total} charts drawn, {len(dom.figures)} figures")
    ids = set()
    for f in dom.figures:
        ids.add(f.get("id"))
        if f.get("data-drawn") != "yes" or int(f.get("data-marks") or 0) == 0:
            fails.append(f"drawn: chart {f.get('id')} not drawn (data-drawn={f.get('data-drawn')}, marks={f.get('data-marks')})")
    for want in filter(None, a.charts.split(",")):
        if want not in ids:
            fails.append(f"drawn: chart {want} is missing")

    # Absent tables and failures.
    for want in filter(None, a.absent.split(",")):
        if want not in page.absent:
            fails.append(f"absent: no notice for {want} (notices: {page.absent})")
    if page.errors:
        fails.append(f"absent: {page.errors} charts failed to build")

    # Numbers.
    checked = 0
    for key, want in truth_numbers(a.truth).items():
        got = page.tiles.get(key)
        if got is None:
            fails.append(f"numbers: no tile {key}")
            continue
        checked += 1
        if abs(float(got) - want) > max(0.005, abs(want) * 1e-9):
            fails.append(f"numbers: tile {key} shows {got}, the truth says {want}")

    for f in fails:
        print(f"FAIL {f}")
    print(
        f"report_check: {len(dom.figures)} charts, {drawn} drawn, {len(page.refs)} references, "
        f"{checked} numbers checked against the truth, {len(fails)} failures"
    )
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
