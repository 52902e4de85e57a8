#!/usr/bin/env python3
"""Checks the dbt models of the daily increments (docs/dbt.md, "Increments") after they ran
day by day on DuckDB: per entity, the incremental SCD2 history equals the truth's
(`truth/_history/`), and the incremental current state equals the as-of lake of the last day,
exactly, row for row (EXCEPT ALL both ways, over the entity's exported columns, with
`valid_from`, `valid_to` and `is_current` for the history; timestamps compared at the
millisecond the files hold).

Usage: scd_check.py DUCKDB_FILE INC_LAKE AS_OF_LAKE DOMAIN ENTITY...
                    [--gold MART FACT SOURCE TIME DIM=ENTITY.KEY...]
Prints one line per check and the numbers of late and replayed rows the run met; exit 0 when
every check holds, 1 otherwise. With `--gold`, also checks the type-2 dimensions the marts
built over the history (`AS_OF_LAKE/curated/<mart>/<dim>/`): one row per version of the
history, and each row of the fact (over the entity SOURCE, its time the column TIME) references
the version of its member valid at its time (the first version reaching back, the last forward),
some of them a version that is no longer current.
"""
import sys

import duckdb

args = sys.argv[1:]
gold = args[args.index("--gold") + 1 :] if "--gold" in args else []
db, inc, asof, domain, *entities = args[: args.index("--gold")] if gold else args
con = duckdb.connect(db, read_only=True)
failed = 0


def report(name, bad):
    global failed
    failed += bad != 0
    print(f"{name:70} {'ok' if bad == 0 else f'FAIL ({bad})'}")


def one(sql):
    ((v,),) = con.sql(sql).fetchall()
    return v


def differ(a, b, cols):
    """Rows of a not in b plus rows of b not in a (multisets)."""
    sel = ", ".join(cols)
    return one(f"SELECT count(*) FROM (SELECT {sel} FROM {a} EXCEPT ALL SELECT {sel} FROM {b})") + one(
        f"SELECT count(*) FROM (SELECT {sel} FROM {b} EXCEPT ALL SELECT {sel} FROM {a})"
    )


def norm(col, types):
    """A column as compared: timestamps at the millisecond."""
    if types[col].startswith("TIMESTAMP"):
        return f'CAST(date_trunc(\'millisecond\', "{col}") AS TIMESTAMP) AS "{col}"'
    return f'"{col}"'


def snapshot_of(entity):
    return f"read_parquet('{asof}/raw/{domain}/{entity}/*.parquet')"


def key_of(entity):
    """The first column of an entity's files: its key (the test specs' keys come first)."""
    return one(f"SELECT column_name FROM (DESCRIBE SELECT * FROM {snapshot_of(entity)}) LIMIT 1")


for entity in entities:
    truth_hist = f"read_parquet('{inc}/truth/_history/{domain}/{entity}/*.parquet')"
    snapshot = f"read_parquet('{asof}/raw/{domain}/{entity}/*.parquet')"
    answers = f"read_parquet('{inc}/truth/_answers/increments/{domain}/{entity}/*.parquet')"
    model = f"main_increments.int_{domain}__{entity}"
    types = dict(con.sql(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {snapshot})").fetchall())
    cols = list(types)
    hist_types = dict(types, valid_from="TIMESTAMP", valid_to="TIMESTAMP", is_current="BOOLEAN")
    hcols = [norm(c, hist_types) for c in cols + ["valid_from", "valid_to", "is_current"]]
    ccols = [norm(c, types) for c in cols]
    n_hist = one(f"SELECT count(*) FROM {model}_history")
    report(
        f"{entity}: history ({n_hist} versions) = truth _history",
        differ(f"{model}_history", truth_hist, hcols) + (n_hist == 0),
    )
    n_cur = one(f"SELECT count(*) FROM {model}_current")
    report(
        f"{entity}: current state ({n_cur} rows) = as-of lake",
        differ(f"{model}_current", snapshot, ccols) + (n_cur == 0),
    )
    for kind in ["late", "replay", "hard_delete", "soft_delete", "schema_drift"]:
        print(f"{entity}: {kind} rows in the window: {one(f'SELECT count(*) FROM {answers} WHERE kind = ' + repr(kind))}")
if gold:
    mart, fact, source, time, *dims = gold
    curated = lambda t: f"read_parquet('{asof}/curated/{mart}/{t}/*.parquet')"
    rows = f"(SELECT f.*, s.{time} AS lab_time FROM {curated(fact)} f JOIN {snapshot_of(source)} s USING ({key_of(source)}))"
    for spec in dims:
        dim, target = spec.split("=")
        entity, key = target.split(".")
        dkey = dim.removeprefix("dim_") + "_key"
        n_dim = one(f"SELECT count(*) FROM {curated(dim)}")
        n_hist = one(f"SELECT count(*) FROM main_increments.int_{domain}__{entity}_history")
        report(f"{dim}: {n_dim} versions = the history's", n_dim - n_hist)
        versions = f"""(SELECT *, row_number() OVER (PARTITION BY {key} ORDER BY valid_from) = 1 AS first,
            row_number() OVER (PARTITION BY {key} ORDER BY valid_from DESC) = 1 AS last FROM {curated(dim)})"""
        bad = one(f"""SELECT count(*) FROM {rows} r LEFT JOIN {versions} v ON v.{dkey} = r.{dkey}
            WHERE v.{dkey} IS NULL OR NOT ((v.first OR r.lab_time >= v.valid_from)
                AND (v.last OR r.lab_time < v.valid_to))""")
        past = one(f"SELECT count(*) FROM {rows} r JOIN {curated(dim)} v ON v.{dkey} = r.{dkey} WHERE NOT v.is_current")
        report(f"{fact} -> {dim}: the version valid at {time} ({past} not current)", bad + (past == 0))
sys.exit(1 if failed else 0)
