"""Check a built lab dbt project (DuckDB target) against the lake's truth and answer key.

usage: dbt_check.py staging|silver PROJECT_DIR LAKE_DIR
       dbt_check.py submission LAKE_DIR SUBMISSION_DIR
       dbt_check.py athena PROJECT_DIR TARGET_DIR

PROJECT_DIR is a copy of `generated/dbt/` after `dbt build --target duckdb` (its
`target/manifest.json`, `target/run_results.json` and DuckDB file `target/lab.duckdb`);
LAKE_DIR the lake it was built on (with `truth/` and, for specs with systems, `truth/_answers/`).

`staging`: every staging model (`stg_…`, its `meta.lab`: truth entity, record key, Latin-1)
gives back the truth's value of every cell the answer key does not list as a cell defect:
joined with the truth on the record key, each column equal to the truth's (timestamps also at
the second when the system cuts milliseconds, texts also through Latin-1's `?`), except cells
the cells log lists and references to near-duplicate copies (the crosswalk's `copy > 0` keys of
the same system, which the answer key counts as defective without listing them); every truth
row is staged except the orphans the records log lists; no staged key repeats except
near-duplicate copies (which the truth lacks). A column the schema drift adds from some batch
on may be null (the rows of earlier batches do not have it). `silver`: every silver model (`int_<domain>__<entity>`, written by the build as Parquet under
`<lake>/processed/<domain>/<entity>/`) has exactly the truth entity's columns and types, and as
many rows as the truth less the orphans the export leaves out, give or take the records whose
golden record the silver crosswalk gets wrong (`processed/identity/crosswalk/` against the
answer key's: a record resolved to another golden key, or left unresolved). Prints per model
the truth's and silver's rows and the allowance.

`submission`: writes `SUBMISSION_DIR/clusters.csv` for `lab score` from the silver crosswalk
(`cluster` = its golden key).

`athena`: every model `dbt compile --target athena` wrote under TARGET_DIR (its dbt target
path: `manifest.json`, `compiled/lab/models/`) parses with sqlglot in the Athena dialect (Trino for queries) as one query (a SELECT or a WITH
…, never an opaque Command), and every model of the project has its compiled SQL.

A staged record is joined with the truth through the crosswalk: its golden key when the
golden record is of the same entity (a record key that is also a reference to a copy names the
original there), else its own key. Prints one line per model; exit 1 on any problem.
"""

import json
import os
import sys

import duckdb


def connect(project, lake):
    con = duckdb.connect(os.path.join(project, "target", "lab.duckdb"), read_only=True)
    answers = os.path.join(lake, "truth", "_answers")
    for table in ("crosswalk", "cells", "records"):
        folder = os.path.join(answers, table)
        if os.path.isdir(folder):
            con.execute(
                f"create temp view ans_{table} as select * from "
                f"read_parquet('{folder}/**/*.parquet', hive_partitioning=false)"
            )
        else:
            cols = {
                "crosswalk": "golden_entity, golden_key, 0 as copy",
                "cells": "'' as column_name",
                "records": "'' as kind, '' as detail",
            }[table]
            con.execute(
                f"create temp view ans_{table} as select system, entity, record_key, {cols} "
                "from (select '' as system, '' as entity, '' as record_key, "
                "'' as golden_entity, '' as golden_key) where false"
            )
    return con


def models(project, prefix, target="target"):
    with open(os.path.join(project, target, "manifest.json")) as f:
        manifest = json.load(f)
    out = []
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["name"].startswith(prefix):
            out.append(node)
    return sorted(out, key=lambda n: n["name"])


def key_sql(alias, key, types):
    """The truth's key as the answer key renders it (Arrow's text: `2025-05-05T23:17:21`)."""
    parts = [
        f"strftime({alias}.{k}, '%Y-%m-%dT%H:%M:%S')"
        if types[k].startswith("TIMESTAMP")
        else f"cast({alias}.{k} as varchar)"
        for k in key
    ]
    return parts[0] if len(parts) == 1 else " || '|' || ".join(parts)


def staging(project, lake):
    con = connect(project, lake)
    problems = []
    for node in models(project, "stg_"):
        meta = node["config"]["meta"]["lab"]
        domain, entity = meta["truth"].split(".")
        system, exported = meta["system"], meta["entity"]
        rel = f"{node['schema']}.{node['name']}"
        truth = os.path.join(lake, "truth", domain, entity)
        if not os.path.isdir(truth):
            truth = os.path.join(lake, "raw", domain, entity)
        con.execute(
            f"create or replace temp view t as select * from "
            f"read_parquet('{truth}/**/*.parquet', hive_partitioning=false)"
        )
        described = con.execute("describe t").fetchall()
        truth_cols = [r[0] for r in described]
        types = {r[0]: r[1] for r in described}
        stg_cols = [r[0] for r in con.execute(f"describe {rel}").fetchall()]
        if stg_cols != ["_record_key"] + truth_cols:
            problems.append(f"{node['name']}: columns {stg_cols} != truth {truth_cols}")
            continue
        key = meta["key"]
        sk, tk = "s._record_key", key_sql("t", key, types)
        where = f"s.system = '{system}' and s.entity = '{exported}'"
        # A record's truth key: its crosswalk golden key when the golden record is of this
        # entity (a key that is also a reference to a near-duplicate copy names the original).
        con.execute(
            f"create or replace temp view j as select coalesce(c.golden_key, s.k) as g, s.* "
            f"from (select {sk} as k, s.* from {rel} s) s left join ans_crosswalk c "
            f"on c.system = '{system}' and c.entity = '{exported}' and c.record_key = s.k "
            f"and c.golden_entity = '{meta['truth']}'"
        )
        rows = con.execute(f"select count(*) from {rel}").fetchone()[0]
        missing = con.execute(
            f"select count(*), min({tk}) from t where {tk} not in (select g from j) "
            f"and {tk} not in (select record_key from ans_records s where {where} "
            "and kind = 'orphan' and record_key is not null)"
        ).fetchone()
        if missing[0]:
            problems.append(f"{node['name']}: {missing[0]} truth rows not staged, e.g. {missing[1]}")
        repeated = con.execute(
            f"select count(*), min(k) from (select k from j group by k having count(*) > 1) "
            f"where k not in (select record_key from ans_crosswalk s where {where} and copy > 0)"
        ).fetchone()
        if repeated[0]:
            problems.append(f"{node['name']}: {repeated[0]} keys staged twice, e.g. {repeated[1]}")
        copies = (
            "select record_key from ans_crosswalk c where c.system = "
            f"'{system}' and c.copy > 0"
        )
        added = {
            r[0].split(" ")[0]
            for r in con.execute(
                f"select detail from ans_records s where {where} and kind = 'drift' "
                "and detail like '% added'"
            ).fetchall()
        }
        bad_total = 0
        for c in truth_cols:
            if c in key:
                continue
            same = f"(j.{c} is not distinct from t.{c})"
            if types[c].startswith("TIMESTAMP"):
                same = f"({same} or j.{c} = date_trunc('second', t.{c}))"
            if types[c] == "VARCHAR" and meta.get("latin1"):
                same = (
                    f"({same} or j.{c} = regexp_replace(t.{c}, '[^\\x{{01}}-\\x{{FF}}]', '?', 'g'))"
                )
            if c in added:
                same = f"({same} or j.{c} is null)"
            bad = con.execute(
                f"select count(*), min(j.k), min(cast(j.{c} as varchar)), min(cast(t.{c} as varchar)) "
                f"from j join t on j.g = {tk} where not {same} "
                f"and j.k not in (select record_key from ans_cells s where {where} "
                f"and column_name = '{c}') "
                f"and coalesce(cast(j.{c} as varchar), '') not in ({copies})"
            ).fetchone()
            if bad[0]:
                bad_total += bad[0]
                problems.append(
                    f"{node['name']}.{c}: {bad[0]} cells differ from the truth, "
                    f"e.g. key {bad[1]}: staged {bad[2]!r}, truth {bad[3]!r}"
                )
        print(f"{node['name']}: {rows} rows, {len(truth_cols)} columns, {bad_total} cells differ")
    return problems


def silver(project, lake):
    con = connect(project, lake)
    processed = os.path.join(lake, "processed")
    if os.path.isdir(os.path.join(processed, "identity", "crosswalk")):
        con.execute(
            "create temp view xw as select * from "
            f"read_parquet('{processed}/identity/crosswalk/*.parquet')"
        )
    else:
        con.execute("create temp view xw as select * from ans_crosswalk")
    problems = []
    for node in models(project, "int_"):
        meta = node["config"].get("meta", {}).get("lab")
        if not meta:
            continue
        domain, entity = meta["truth"].split(".")
        truth = os.path.join(lake, "truth", domain, entity)
        if not os.path.isdir(truth):
            truth = os.path.join(lake, "raw", domain, entity)
        mine = os.path.join(processed, domain, entity)
        t = f"read_parquet('{truth}/**/*.parquet', hive_partitioning=false)"
        m = f"read_parquet('{mine}/*.parquet')"
        tcols = con.execute(f"describe select * from {t}").fetchall()
        mcols = con.execute(f"describe select * from {m}").fetchall()
        if [c[:2] for c in tcols] != [c[:2] for c in mcols]:
            problems.append(f"{node['name']}: columns {[c[:2] for c in mcols]} != truth {[c[:2] for c in tcols]}")
            continue
        truth_rows = con.execute(f"select count(*) from {t}").fetchone()[0]
        rows = con.execute(f"select count(*) from {m}").fetchone()[0]
        # The export this entity comes from: the staging model of the same truth entity.
        stg = [n for n in models(project, "stg_") if n["config"]["meta"]["lab"]["truth"] == meta["truth"]]
        system, exported = (
            (stg[0]["config"]["meta"]["lab"]["system"], stg[0]["config"]["meta"]["lab"]["entity"])
            if stg
            else ("", "")
        )
        orphans = con.execute(
            "select count(*) from ans_records where system = ? and entity = ? and kind = 'orphan'",
            [system, exported],
        ).fetchone()[0]
        wrong = con.execute(
            "select count(*) from ans_crosswalk a left join xw on xw.system = a.system "
            "and xw.entity = a.entity and xw.record_key = a.record_key "
            "where a.system = ? and a.entity = ? and xw.record_key is not null "
            "and xw.golden_key is distinct from a.golden_key",
            [system, exported],
        ).fetchone()[0]
        expected = truth_rows - orphans
        print(
            f"{node['name']}: truth {truth_rows} rows, {orphans} orphans left out, silver {rows} "
            f"rows, {wrong} records resolved to another golden key"
        )
        if abs(rows - expected) > wrong:
            problems.append(
                f"{node['name']}: {rows} rows, expected {expected} give or take {wrong}"
            )
    return problems


def submission(lake, out):
    os.makedirs(out, exist_ok=True)
    con = duckdb.connect()
    xw = os.path.join(lake, "processed", "identity", "crosswalk")
    con.execute(
        f"copy (select system, entity, record_key, golden_key as cluster from "
        f"read_parquet('{xw}/*.parquet') order by all) to '{out}/clusters.csv' (header)"
    )
    return []


def athena(project, target):
    import sqlglot
    from sqlglot import exp

    problems = []
    names = [
        n["name"]
        for n in models(project, "", target)
        if n.get("language", "sql") == "sql" and n["config"].get("enabled", True)
    ]
    found = {}
    for root, _, files in os.walk(os.path.join(project, target, "compiled")):
        for f in files:
            if f.endswith(".sql"):
                found[f[: -len(".sql")]] = os.path.join(root, f)
    for name in sorted(names):
        if name not in found:
            problems.append(f"{name}: no compiled SQL for athena")
            continue
        with open(found[name]) as fh:
            sql = fh.read()
        try:
            tree = sqlglot.parse(sql, read="athena", error_level=sqlglot.ErrorLevel.RAISE)
        except sqlglot.errors.ParseError as e:
            problems.append(f"{name}: sqlglot (athena) cannot parse it: {str(e)[:300]}")
            continue
        statements = [t for t in tree if t is not None]
        if len(statements) != 1 or not isinstance(statements[0], exp.Query):
            kinds = [type(t).__name__ for t in statements]
            problems.append(f"{name}: expected one query, sqlglot read {kinds}")
            continue
        print(f"{name}: parsed ({len(sql)} bytes)")
    return problems


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("staging", "silver", "submission", "athena"):
        print(__doc__, file=sys.stderr)
        return 2
    run = {"staging": staging, "silver": silver, "submission": submission, "athena": athena}[
        sys.argv[1]
    ]
    problems = run(sys.argv[2], sys.argv[3])
    for p in problems:
        print("PROBLEM", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
