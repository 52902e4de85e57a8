#!/usr/bin/env python3
"""Checks the dbt models of the systems' deliveries of the daily increments (docs/dbt.md,
"Increments") after they ran on DuckDB: per delivered entity, the incremental SCD2 history
(`int_<system>_deliveries__<entity>_history`, keyed on the record key as the system writes it)
equals the truth's history (`truth/_history/`) mapped through the deliveries' crosswalk
(`truth/_answers/increments/raw/crosswalk/`: every delivered record key, near-duplicate
registrations included, stands for its golden record):

- the versions: (record key, `_seq`, `valid_from`, `valid_to`, `is_current`) exactly, as
  multisets both ways (`_seq` is the instant in ms of the truth's `valid_from`; the times at
  the second, as a system's timestamp style may cut the milliseconds);
- every column but the key (the record key, a near-duplicate registration's own) of every
  version equals the truth's value (timestamps at the second), except
  the cells the deliveries' cell log lists for that record key, column and `_seq` (defects
  staging does not undo); at least one cell is excepted, and at least one listed cell staging
  undid (it equals the truth although listed) — over all entities.

Usage: delivery_scd_check.py DUCKDB_FILE INC_LAKE SYSTEM DOMAIN.ENTITY...
Prints one line per check and the planted facts the run met; exit 0 when every check holds.
"""
import pathlib
import sys

import duckdb

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from dbt_check import key_sql  # noqa: E402

db, inc, system, *entities = sys.argv[1:]
con = duckdb.connect(db, read_only=True)
failed = 0
excepted_total = 0
undone_total = 0


def report(name, bad):
    global failed
    failed += bad != 0
    print(f"{name:78} {'ok' if bad == 0 else f'FAIL ({bad})'}")


def one(sql):
    ((v,),) = con.sql(sql).fetchall()
    return v


def answers(table, entity):
    folder = pathlib.Path(inc) / "truth" / "_answers" / "increments" / "raw" / table / system / entity
    if not list(folder.glob("*.parquet")):
        # Nothing planted: an empty table of the columns the checks read.
        return "(SELECT '' AS record_key, 0::BIGINT AS _seq, '' AS column_name, '' AS kind, 0 AS copy WHERE false)"
    return f"read_parquet('{folder}/*.parquet', hive_partitioning=false)"


def second(expr, ty):
    return f"date_trunc('second', {expr})" if ty.startswith("TIMESTAMP") else expr


for qualified in entities:
    domain, entity = qualified.split(".")
    model = f"main_increments.int_{system}_deliveries__{entity}_history"
    truth = f"read_parquet('{inc}/truth/_history/{domain}/{entity}/*.parquet')"
    described = con.sql(f"DESCRIBE SELECT * FROM {truth}").fetchall()
    types = {r[0]: r[1] for r in described}
    data = [c for c in types if c not in ("valid_from", "valid_to", "is_current")]
    key = [c for c in data if c == data[0]]  # the test specs' keys come first
    # The truth's versions under every delivered record key of their golden record.
    con.sql(
        f"CREATE OR REPLACE TEMP VIEW want AS SELECT c.record_key AS _record_key, "
        f"epoch_ms(t.valid_from) AS _seq, t.* FROM {truth} t "
        f"JOIN {answers('crosswalk', entity)} c ON c.golden_key = {key_sql('t', key, types)}"
    )
    versions = (
        "_record_key, _seq, date_trunc('second', valid_from) AS vf, "
        "date_trunc('second', valid_to) AS vt, is_current"
    )
    n = one(f"SELECT count(*) FROM {model}")
    bad = one(
        f"SELECT count(*) FROM (SELECT {versions} FROM {model} EXCEPT ALL SELECT {versions} FROM want)"
    ) + one(f"SELECT count(*) FROM (SELECT {versions} FROM want EXCEPT ALL SELECT {versions} FROM {model})")
    copies = one(
        f"SELECT count(DISTINCT _record_key) FROM {model} WHERE _record_key IN "
        f"(SELECT record_key FROM {answers('crosswalk', entity)} WHERE copy > 0)"
    )
    report(f"{entity}: history ({n} versions, {copies} near-duplicate keys) = truth's versions", bad + (n == 0))
    # Column by column, except the cells the deliveries' cell log lists.
    cells = answers("cells", entity)
    bad_cells = 0
    # The key is the record key (a near-duplicate registration's own), checked with the versions.
    for c in [c for c in data if c not in key]:
        got, exp = second(f"h.{c}", types[c]), second(f"w.{c}", types[c])
        listed = (
            f"(h._record_key, h._seq) IN (SELECT (record_key, _seq) FROM {cells} "
            f"WHERE column_name = '{c}')"
        )
        join = f"{model} h JOIN want w USING (_record_key, _seq)"
        wrong = one(f"SELECT count(*) FROM {join} WHERE {got} IS DISTINCT FROM {exp} AND NOT {listed}")
        if wrong:
            sample = con.sql(
                f"SELECT h._record_key, h._seq, cast({got} AS varchar), cast({exp} AS varchar) FROM {join} "
                f"WHERE {got} IS DISTINCT FROM {exp} AND NOT {listed} LIMIT 1"
            ).fetchall()
            print(f"  {entity}.{c}: {wrong} cells differ, e.g. {sample}")
        bad_cells += wrong
        excepted_total += one(f"SELECT count(*) FROM {join} WHERE {got} IS DISTINCT FROM {exp} AND {listed}")
        undone_total += one(f"SELECT count(*) FROM {join} WHERE {got} IS NOT DISTINCT FROM {exp} AND {listed}")
    report(f"{entity}: every column = truth's except the listed cells", bad_cells)
    for kind in ("near_duplicate", "exact_duplicate"):
        print(f"{entity}: {kind} records delivered: {one(f'SELECT count(*) FROM ' + answers('records', entity) + ' WHERE kind = ' + repr(kind))}")
    replays = f"read_parquet('{inc}/truth/_answers/increments/{domain}/{entity}/*.parquet')"
    print(f"{entity}: replays in the window: {one(f'SELECT count(*) FROM {replays} WHERE kind = ' + repr('replay'))}")
report(f"planted cells: {excepted_total} left as delivered, {undone_total} undone by staging",
       (excepted_total == 0) + (undone_total == 0))
sys.exit(1 if failed else 0)
