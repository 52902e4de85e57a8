#!/usr/bin/env python3
"""Checks an as-of lake against the full lake of tests/data/valid/time (the same specs and
seed): the as-of lake holds exactly the rows created before the cutoff (order lines with their
order), with the same values, except that events after the cutoff are null, the status is
what the events known by then give, and the rollups count only the rows that exist.

Usage: asof_check.py FULL_OUT ASOF_OUT YYYY-MM-DD   (the day after the as-of day)
Exit 0 when every check holds, 1 with the failures printed otherwise.
"""
import sys

import duckdb

full, asof, cut = sys.argv[1], sys.argv[2], f"TIMESTAMP '{sys.argv[3]}'"
con = duckdb.connect()


def t(out, entity):
    return f"read_parquet('{out}/lake/raw/shop/{entity}/*.parquet')"


ENTITIES = ["customers", "orders", "order_items", "reviews", "visits"]
F = {e: t(full, e) for e in ENTITIES}
A = {e: t(asof, e) for e in ENTITIES}

CHECKS = {
    "customers created by then": f"""
        SELECT (SELECT count(*) FROM {A['customers']}) - (SELECT count(*) FROM {F['customers']} WHERE signed_up_at < {cut})""",
    "orders placed by then": f"""
        SELECT (SELECT count(*) FROM {A['orders']}) - (SELECT count(*) FROM {F['orders']} WHERE ordered_at < {cut})""",
    "order lines of those orders": f"""
        SELECT (SELECT count(*) FROM {A['order_items']}) - (SELECT count(*) FROM {F['order_items']} i JOIN {F['orders']} o USING (order_id) WHERE o.ordered_at < {cut})""",
    "reviews written by then": f"""
        SELECT (SELECT count(*) FROM {A['reviews']}) - (SELECT count(*) FROM {F['reviews']} WHERE reviewed_at < {cut})""",
    "no event after the cutoff": f"""
        SELECT count(*) FROM {A['orders']} WHERE shipped_at >= {cut} OR delivered_at >= {cut}""",
    "events known by then kept": f"""
        SELECT count(*) FROM {A['orders']} a JOIN {F['orders']} f USING (order_id)
        WHERE (f.shipped_at < {cut}) <> (a.shipped_at IS NOT NULL) OR (f.delivered_at < {cut}) <> (a.delivered_at IS NOT NULL)""",
    "status as of the day": f"""
        SELECT count(*) FROM {A['orders']} a JOIN {F['orders']} f USING (order_id)
        WHERE a.status <> CASE WHEN f.delivered_at < {cut} THEN 'delivered' WHEN f.shipped_at < {cut} THEN 'shipped' ELSE 'placed' END""",
    "other values unchanged": f"""
        SELECT count(*) FROM {A['orders']} a JOIN {F['orders']} f USING (order_id)
        WHERE a.ordered_at <> f.ordered_at OR a.due_date <> f.due_date OR a.total <> f.total OR a.customer_id <> f.customer_id""",
    "rollups count the rows that exist": f"""
        SELECT count(*) FROM {A['customers']} c
        LEFT JOIN (SELECT customer_id, count(*) n, sum(total) s FROM {A['orders']} GROUP BY 1) o USING (customer_id)
        WHERE c.order_count <> coalesce(o.n, 0) OR c.spend <> coalesce(o.s, 0)""",
    "rollups sum the values of that day": f"""
        SELECT count(*) FROM {A['customers']} c
        LEFT JOIN (SELECT customer_id, sum(days_to_ship) d FROM {A['orders']} GROUP BY 1) o USING (customer_id)
        WHERE coalesce(c.ship_days, 0) <> coalesce(o.d, 0)""",
    "when follows the values of that day": f"""
        SELECT count(*) FROM {A['customers']} WHERE (tier IS NOT NULL) <> (order_count > 0)""",
    "references to rows not created yet are null": f"""
        SELECT count(*) FROM {A['visits']} v LEFT JOIN {A['customers']} c USING (customer_id)
        WHERE v.customer_id IS NOT NULL AND c.customer_id IS NULL""",
    "visits do not depend on time": f"""
        SELECT (SELECT count(*) FROM {F['visits']}) - (SELECT count(*) FROM {A['visits']})""",
    "references resolve": f"""
        SELECT count(*) FROM {A['reviews']} r LEFT JOIN {A['orders']} o USING (order_id) WHERE o.order_id IS NULL""",
    "some orders are still in flight": f"""
        SELECT CASE WHEN count(*) FILTER (WHERE status <> 'delivered') > 0 THEN 0 ELSE 1 END FROM {A['orders']}""",
}

failed = 0
for name, sql in CHECKS.items():
    ((bad,),) = con.sql(sql).fetchall()
    status = "ok" if bad == 0 else f"FAIL ({bad})"
    failed += bad != 0
    print(f"{name:40} {status}")
sys.exit(1 if failed else 0)
