"""Fixtures of `tests/it/score.rs` over a lake compiled from `tests/data/score`.

`plant LAKE` plants defects into the raw exports and writes the answer key beside the truth in
the layout of the contract (`docs/scoring.md`): near duplicates and an exact duplicate of
customers, cell defects (case, whitespace, day/month swap, missing, typo, wrong unit), a column
renamed in later batches (drift), a second system (`crm`) known to the crosswalk only whose
contacts stand for the customers, the three answer tables and their manifest entries.
It prints the planted counts as JSON.

`submit LAKE OUT` writes three submissions under OUT: `perfect` (the truth: clusters by golden
key, cleaned exports from the truth by golden key, the golden tables), `nothing` (every record its
own cluster, the raw values parsed as they are) and `halfway` (e-mails trimmed and lower-cased,
customers clustered by e-mail, plus one record the crosswalk lacks).

`bad LAKE OUT` writes one submission per input mistake under OUT.
"""

import csv
import datetime as dt
import glob
import hashlib
import io
import json
import os
import shutil
import sys
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq

SYSTEM = "shop_platform"
CUSTOMERS = f"raw/{SYSTEM}/customers/part-00000.csv"
STOCK = f"raw/{SYSTEM}/stock/part-00000.parquet"
CODES = {"DE": "Deutschland", "FR": "Frankreich"}
DIALECT = dict(delimiter=";", quotechar='"', lineterminator="\n")


def read_customers(lake):
    with open(os.path.join(lake, CUSTOMERS), encoding="latin-1", newline="") as f:
        rows = list(csv.reader(f, **DIALECT))
    return rows[0], rows[1:]


def write_customers(lake, header, rows):
    buf = io.StringIO()
    w = csv.writer(buf, **DIALECT)
    w.writerow(header)
    for r in rows:
        w.writerow(r)
    with open(os.path.join(lake, CUSTOMERS), "w", encoding="latin-1", newline="") as f:
        f.write(buf.getvalue())


def order_files(lake):
    return sorted(glob.glob(os.path.join(lake, f"raw/{SYSTEM}/orders/*/part-00000.jsonl")))


def swap(text):
    """DD.MM.YYYY with day and month exchanged, or None."""
    d, m, y = text.split(".")
    if int(d) > 12 or d == m:
        return None
    return f"{m}.{d}.{y}"


def plant(lake):
    header, rows = read_customers(lake)
    col = {n: i for i, n in enumerate(header)}
    cells, records, xwalk = [], [], []

    def defect(key, column, kind, clean, dirty, entity="customers"):
        cells.append(dict(system=SYSTEM, entity=entity, record_key=key, column_name=column,
                          defect=kind, clean=clean, dirty=dirty))

    for r in rows:
        xwalk.append((SYSTEM, "customers", r[0], r[0], 0))
    # Cell defects on the originals.
    for i, kind in [(0, "case"), (1, "case"), (2, "whitespace"), (3, "whitespace")]:
        r = rows[i]
        clean = r[col["email"]]
        r[col["email"]] = clean.upper() if kind == "case" else f" {clean} "
        defect(r[0], "email", kind, clean, r[col["email"]])
    swapped = 0
    for r in rows[4:]:
        s = swap(r[col["born_on"]])
        if s and swapped < 2:
            defect(r[0], "born_on", "day_month_swap", r[col["born_on"]], s)
            r[col["born_on"]] = s
            swapped += 1
    missing = [r for r in rows[10:] if r[col["credit"]] != "NULL"][:2]
    for r in missing:
        defect(r[0], "credit", "missing", r[col["credit"]], None)
        r[col["credit"]] = "NULL"
    r = rows[20]
    typo = r[col["country"]][:-1]
    defect(r[0], "country", "typo_delete", r[col["country"]], typo)
    r[col["country"]] = typo
    # Near duplicates: a second registration with a new key and a noisy e-mail.
    dups = []
    for n, r in enumerate(rows[21:25]):
        d = list(r)
        d[0] = f"C-{9000 + n}"
        d[col["email"]] = " " + r[col["email"]].upper()
        defect(d[0], "email", "case", r[col["email"]], d[col["email"]])
        dups.append(d)
        xwalk.append((SYSTEM, "customers", d[0], r[0], 1))
        records.append(dict(system=SYSTEM, entity="customers", record_key=d[0], golden_key=r[0],
                            kind="near_duplicate", original_key=r[0], detail=None))
    # An exact duplicate: the same row written twice.
    exact = list(rows[25])
    records.append(dict(system=SYSTEM, entity="customers", record_key=exact[0],
                        golden_key=exact[0], kind="exact_duplicate", original_key=exact[0],
                        detail=None))
    write_customers(lake, header, rows + dups + [exact])
    # The CRM knows ten of the customers as contacts under its own keys, one of them twice:
    # its contacts stand for the shop's customers (one golden entity).
    for n in range(10):
        xwalk.append(("crm", "contacts", f"K-{n}", rows[n][0], 0))
    xwalk.append(("crm", "contacts", "K-100", rows[0][0], 1))
    # Orders: two amounts in the wrong unit; `amount` renamed to `amount_cents` in the last two
    # batches (schema drift).
    planted_orders = 0
    files = order_files(lake)
    for n, path in enumerate(files):
        lines = open(path, encoding="utf-8").read().splitlines()
        out = []
        drift = n >= len(files) - 2
        for line in lines:
            o = json.loads(line)
            key = str(o["order_id"])
            xwalk.append((SYSTEM, "orders", key, key, 0))
            if planted_orders < 2 and o["amount"] is not None:
                clean = str(o["amount"])
                o["amount"] = o["amount"] * 100
                defect(key, "amount", "wrong_unit", clean, str(o["amount"]), entity="orders")
                planted_orders += 1
            if drift:
                o = {("amount_cents" if k == "amount" else k): v for k, v in o.items()}
            out.append(json.dumps(o, separators=(",", ":")))
        if drift and n == len(files) - 2:
            records.append(dict(system=SYSTEM, entity="orders", record_key=None,
                                golden_key=None, kind="drift", original_key=None,
                                detail="amount renamed to amount_cents"))
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(out) + "\n")
    # Stock (Parquet): one price in the wrong unit.
    path = os.path.join(lake, STOCK)
    stock = pq.read_table(path)
    rows_s = stock.to_pylist()
    for r in rows_s:
        xwalk.append((SYSTEM, "stock", r["sku"], r["sku"], 0))
    clean = rows_s[0]["price"]
    rows_s[0]["price"] = clean * 100
    defect(rows_s[0]["sku"], "price", "wrong_unit", str(clean), str(clean * 100), entity="stock")
    pq.write_table(pa.Table.from_pylist(rows_s, schema=stock.schema), path)
    write_answers(lake, xwalk, cells, records)
    counts = {}
    for c in cells:
        k = f"{c['entity']}.{c['column_name']}"
        counts[k] = counts.get(k, 0) + 1
    print(json.dumps({"cells": counts, "customers_records": len(rows) + len(dups),
                      "near_duplicates": len(dups)}))


def write_answers(lake, xwalk, cells, records):
    s = pa.string()
    tables = {
        "crosswalk": (pa.schema([("system", s), ("entity", s), ("record_key", s),
                                 ("golden_entity", s), ("golden_key", s), ("copy", pa.int32())]),
                      [dict(zip(["system", "entity", "record_key", "golden_key", "copy"], x),
                            golden_entity="shop.customers" if x[1] == "contacts" else f"shop.{x[1]}")
                       for x in xwalk]),
        "cells": (pa.schema([("system", s), ("entity", s), ("record_key", s), ("column_name", s),
                             ("defect", s), ("clean", s), ("dirty", s)]), cells),
        "records": (pa.schema([("system", s), ("entity", s), ("record_key", s),
                               ("golden_key", s), ("kind", s), ("original_key", s),
                               ("event_date", pa.date32()), ("export_date", pa.date32()),
                               ("detail", s)]), records),
    }
    manifest_path = os.path.join(lake, "_manifest.json")
    manifest = json.load(open(manifest_path))
    by_entity = {e["entity"]: e for e in manifest["entities"]}
    # This fixture plants its own, controlled mess (a column renamed in later batches, a
    # second system known only to the crosswalk): the compiled lake's answer key gives way.
    shutil.rmtree(os.path.join(lake, "truth", "_answers"), ignore_errors=True)
    for e in manifest["entities"]:
        e["files"] = [f for f in e["files"] if f.get("layer") != "answers"]
    for name, (schema, rows) in tables.items():
        groups = {}
        for r in rows:
            groups.setdefault((r["system"], r["entity"]), []).append(r)
        for (system, entity), part in sorted(groups.items()):
            rel = f"truth/_answers/{name}/{system}/{entity}/part-00000.parquet"
            path = os.path.join(lake, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            cols = {f.name: [r.get(f.name) for r in part] for f in schema}
            pq.write_table(pa.table(cols, schema=schema), path)
            data = open(path, "rb").read()
            # The CRM's contacts are no entity of these specs: their file goes with the customers.
            by_entity.get(entity, by_entity["customers"])["files"].append(dict(
                path=rel, format="parquet", layer="answers", rows=len(part), bytes=len(data),
                sha256=hashlib.sha256(data).hexdigest()))
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=2)


def truth(lake, entity):
    return pq.read_table(os.path.join(lake, f"truth/shop/{entity}")).to_pylist()


def answers(lake, table):
    return pq.read_table(os.path.join(lake, f"truth/_answers/{table}")).to_pylist()


def iso_ts(v):
    return v.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def truth_row(r):
    """A truth row in the truth's representation, as text."""
    out = {}
    for k, v in r.items():
        if v is None:
            out[k] = None
        elif isinstance(v, bool):
            out[k] = "true" if v else "false"
        elif isinstance(v, dt.datetime):
            out[k] = iso_ts(v)
        elif isinstance(v, dt.date):
            out[k] = v.isoformat()
        else:
            out[k] = str(v)
    return out


def parsed_customer(header, r):
    """A raw customer row parsed as it is: dates, local times, comma decimals, Y/N, codes."""
    v = dict(zip(header, [None if x == "NULL" else x for x in r]))
    if v["born_on"]:
        try:
            v["born_on"] = dt.datetime.strptime(v["born_on"], "%d.%m.%Y").date().isoformat()
        except ValueError:
            v["born_on"] = None
    if v["signed_up_at"]:
        t = dt.datetime.strptime(v["signed_up_at"], "%Y-%m-%d %H:%M:%S %z")
        v["signed_up_at"] = iso_ts(t.astimezone(dt.timezone.utc).replace(tzinfo=None))
    if v["credit"]:
        v["credit"] = v["credit"].replace(",", ".")
    v["vip"] = {"Y": "true", "N": "false"}.get(v["vip"])
    back = {name: code for code, name in CODES.items()}
    v["country"] = back.get(v["country"], v["country"])
    return v


def parsed_orders(lake):
    out = []
    for path in order_files(lake):
        for line in open(path, encoding="utf-8"):
            o = json.loads(line)
            ts = dt.datetime.fromtimestamp(o["ordered_at"], dt.timezone.utc).replace(tzinfo=None)
            cents = o.get("amount", o.get("amount_cents"))
            amount = None if cents is None else str(Decimal(cents) / 100)
            out.append(dict(order_id=str(o["order_id"]), customer_id=o["customer_id"],
                            ordered_at=iso_ts(ts), amount=amount))
    return out


def write_csv(path, rows, columns):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow(["" if r.get(c) is None else r[c] for c in columns])


def submit(lake, out):
    xwalk = answers(lake, "crosswalk")
    header, raw = read_customers(lake)
    customers = {r["customer_id"]: truth_row(r) for r in truth(lake, "customers")}
    orders = {r["order_id"]: truth_row(r) for r in truth(lake, "orders")}
    clusters = ["system", "entity", "record_key", "cluster"]
    # perfect
    d = os.path.join(out, "perfect")
    write_csv(os.path.join(d, "clusters.csv"),
              [dict(x, cluster=x["golden_key"]) for x in xwalk], clusters)
    rows = []
    for x in xwalk:
        if x["system"] == SYSTEM and x["entity"] == "customers":
            rows.append(dict(customers[x["golden_key"]], customer_id=x["record_key"]))
    write_csv(os.path.join(d, f"clean/{SYSTEM}/customers.csv"), rows, header)
    prows = [orders[int(x["golden_key"])] for x in xwalk if x["entity"] == "orders"]
    os.makedirs(os.path.join(d, f"clean/{SYSTEM}"), exist_ok=True)
    pq.write_table(pa.table({"order_id": pa.array([int(r["order_id"]) for r in prows]),
                             "amount": pa.array([Decimal(r["amount"]) for r in prows],
                                                pa.decimal128(10, 2))}),
                   os.path.join(d, f"clean/{SYSTEM}/orders.parquet"))
    stock = [truth_row(r) for r in truth(lake, "stock")]
    write_csv(os.path.join(d, f"clean/{SYSTEM}/stock.csv"), stock, list(stock[0]))
    os.makedirs(os.path.join(d, "unified"), exist_ok=True)
    pq.write_table(pq.read_table(os.path.join(lake, "truth/shop/orders")),
                   os.path.join(d, "unified/orders.parquet"))
    pq.write_table(pq.read_table(os.path.join(lake, "truth/shop/customers")),
                   os.path.join(d, "unified/customers.parquet"))
    # nothing
    d = os.path.join(out, "nothing")
    write_csv(os.path.join(d, "clusters.csv"),
              [dict(x, cluster=f"{x['system']}|{x['record_key']}") for x in xwalk], clusters)
    parsed = [parsed_customer(header, r) for r in raw]
    write_csv(os.path.join(d, f"clean/{SYSTEM}/customers.csv"), parsed, header)
    porders = parsed_orders(lake)
    write_csv(os.path.join(d, f"clean/{SYSTEM}/orders.csv"), porders, ["order_id", "amount"])
    stock = []
    for r in pq.read_table(os.path.join(lake, STOCK)).to_pylist():
        day = dt.date(1970, 1, 1) + dt.timedelta(days=r["counted_on"] // 86400)
        stock.append(dict(sku=r["sku"], counted_on=day.isoformat(),
                          counted_at=iso_ts(r["counted_at"]),
                          price=str(Decimal(r["price"]) / 100),
                          active={"Y": "true", "N": "false"}[r["active"]]))
    write_csv(os.path.join(d, f"clean/{SYSTEM}/stock.csv"), stock, list(stock[0]))
    write_csv(os.path.join(d, "unified/orders.csv"), porders,
              ["order_id", "customer_id", "ordered_at", "amount"])
    # halfway: e-mails trimmed and lower-cased, customers clustered by e-mail
    d = os.path.join(out, "halfway")
    half = [dict(p, email=p["email"].strip().lower()) for p in parsed]
    by_key = {p["customer_id"]: p["email"] for p in half}
    rows = []
    for x in xwalk:
        if x["system"] == SYSTEM and x["entity"] == "customers":
            rows.append(dict(x, cluster=by_key[x["record_key"]]))
    # A record the crosswalk lacks: reported, not scored.
    rows.append(dict(system=SYSTEM, entity="customers", record_key="C-7777", cluster="x"))
    write_csv(os.path.join(d, "clusters.csv"), rows, clusters)
    write_csv(os.path.join(d, f"clean/{SYSTEM}/customers.csv"), half, header)


def bad(lake, out):
    """One submission per mistake, named after it."""
    good = ["system", "entity", "record_key", "cluster"]
    row = dict(system=SYSTEM, entity="customers", record_key="C-0001", cluster="1")
    write_csv(os.path.join(out, "missing_column/clusters.csv"), [row], good[:2] + good[3:])
    write_csv(os.path.join(out, "unknown_entity/clusters.csv"),
              [dict(row, entity="customer")], good)
    write_csv(os.path.join(out, "unknown_system/clusters.csv"),
              [dict(row, system="shop_platfrom")], good)
    write_csv(os.path.join(out, "empty_table/clusters.csv"), [], good)
    write_csv(os.path.join(out, "missing_key/clean/shop_platform/customers.csv"),
              [dict(email="a@b.c")], ["email"])
    write_csv(os.path.join(out, "unknown_column/clean/shop_platform/customers.csv"),
              [dict(customer_id="C-0001", emial="a@b.c")], ["customer_id", "emial"])
    write_csv(os.path.join(out, "unknown_export/clean/shop_platfrom/customers.csv"),
              [dict(customer_id="C-0001")], ["customer_id"])
    write_csv(os.path.join(out, "unknown_unified/unified/customer.csv"),
              [dict(customer_id="C-0001")], ["customer_id"])
    p = os.path.join(out, "key_type/clean/shop_platform/customers.parquet")
    os.makedirs(os.path.dirname(p), exist_ok=True)
    pq.write_table(pa.table({"customer_id": pa.array([1.5, 2.5])}), p)
    p = os.path.join(out, "unreadable/clusters.parquet")
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(b"PAR1 this is not a parquet file")
    os.makedirs(os.path.join(out, "empty_dir"), exist_ok=True)
    p = os.path.join(out, "unreadable_csv/unified/orders.csv")
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        f.write('order_id,amount\n1,"12.50\n')
    write_csv(os.path.join(out, "unknown_pair/clusters.csv"), [dict(row, system="crm")], good)
    p = os.path.join(out, "both_formats/clusters")
    write_csv(p + ".csv", [row], good)
    pq.write_table(pa.table({c: [row[c]] for c in good}), p + ".parquet")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "plant":
        plant(sys.argv[2])
    elif cmd == "submit":
        submit(sys.argv[2], sys.argv[3])
    elif cmd == "bad":
        bad(sys.argv[2], sys.argv[3])
    else:
        sys.exit(f"unknown command {cmd}")
