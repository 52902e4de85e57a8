"""Check a built lab dbt project (DuckDB target) against the lake's truth and answer key.

usage: dbt_check.py staging|silver|raw PROJECT_DIR LAKE_DIR
       dbt_check.py submission LAKE_DIR SUBMISSION_DIR
       dbt_check.py athena|docs PROJECT_DIR TARGET_DIR

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

`raw`: every raw-layer test of the sources (`target/run_results.json`) failed exactly as often
as the answer key says: its failures equal the count of the answer key's rows of its table,
columns and defect kinds (`CLAIMS`; docs/dbt.md, "Raw-layer tests"): exact duplicates for
`unique`, late records for `lab_on_time`, for `lab_relationships` the records the system left
out that the exported rows name (from the truth) plus the texts cell defects wrote in the column.

`docs`: after `dbt docs generate`, TARGET_DIR holds `index.html`, a manifest with every model
file and raw source in which the lineage of every gold model that reads anything (the date
spine reads nothing) reaches a raw source, and a catalog
with every model's and raw source's columns.

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
                "cells": "'' as column_name, '' as defect, '' as dirty",
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
    # The singular tests (gold held to the truth) run on Athena too: each one query.
    n_tests = 0
    for root, _, files in os.walk(os.path.join(project, target, "compiled")):
        if os.sep + "tests" not in root:
            continue
        for f in sorted(files):
            if not f.endswith(".sql"):
                continue
            with open(os.path.join(root, f)) as fh:
                sql = fh.read()
            try:
                tree = [t for t in sqlglot.parse(sql, read="athena") if t is not None]
            except sqlglot.errors.ParseError as e:
                problems.append(f"test {f}: sqlglot (athena) cannot parse it: {str(e)[:300]}")
                continue
            if len(tree) != 1 or not isinstance(tree[0], exp.Query):
                problems.append(f"test {f}: expected one query, sqlglot read "
                                f"{[type(t).__name__ for t in tree]}")
                continue
            n_tests += 1
    print(f"{n_tests} singular tests parsed")
    if n_tests == 0:
        problems.append("no compiled singular test found")
    return problems


# The defect kinds each raw-layer test claims (docs/dbt.md, "Raw-layer tests"): its failures
# are the answer key's cells of its columns with these kinds (`None`: every kind that leaves
# text), or its records of this kind.
CLAIMS = {
    "lab_not_null": ["missing"],
    "lab_placeholders": ["sentinel"],
    "lab_parses": ["sentinel"],
    "lab_accepted_values": None,
    "lab_in_range": ["wrong_unit", "out_of_range", "wrong_digits", "day_month_swap"],
}
DATE_FORMATS = {"iso": "%Y-%m-%d", "MM/DD/YYYY": "%m/%d/%Y", "DD.MM.YYYY": "%d.%m.%Y", "YYYYMMDD": "%Y%m%d"}


def read_dirty(text, how, date):
    """A dirty text as the range test reads it (None: unreadable), for the shapes it takes."""
    import datetime
    from decimal import Decimal, InvalidOperation

    if text is None:
        return None
    try:
        if date:
            fmt = DATE_FORMATS[how.get("style", "iso")]
            return datetime.datetime.strptime(text.strip(), fmt).date()
        style = how.get("style", "point")
        if style == "comma":
            return Decimal(text.strip().replace(",", "."))
        if style == "minor_units":
            return Decimal(text.strip()) / (10 ** int(how.get("scale", 0)))
        return Decimal(text.strip())
    except (ValueError, KeyError, InvalidOperation):
        return None


def raw_expected(con, node, source, truth_of):
    """The failures the answer key gives a raw-layer test (one node of the manifest)."""
    import datetime
    from decimal import Decimal

    meta = node["test_metadata"]
    name, kw = meta["name"], meta.get("kwargs", {})
    system, table = source["source_name"], source["name"]
    where = "system = ? and entity = ?"
    record_kind = {"unique": "exact_duplicate", "lab_unique": "exact_duplicate", "lab_on_time": "late"}
    if name in record_kind:
        return con.execute(
            f"select count(*) from ans_records where {where} and kind = ?",
            [system, table, record_kind[name]],
        ).fetchone()[0]
    if name == "lab_relationships":
        # The distinct keys that dangle: the records the system left out of the referenced
        # table that the exported rows name, and the texts a cell defect wrote in the column.
        target = kw["to"].split("'")[3]
        column = kw["column_name"]
        domain, entity = truth_of[(system, table)].split(".")
        key = truth_key[(system, table)]
        folder = os.path.join(lake_dir, "truth", domain, entity)
        con.execute(
            f"create or replace temp view child as select * from "
            f"read_parquet('{folder}/**/*.parquet', hive_partitioning=false)"
        )
        types = {r[0]: r[1] for r in con.execute("describe child").fetchall()}
        left_out = (
            f"select record_key from ans_records where {where} and kind = 'orphan' "
            "and record_key is not null"
        )
        named = con.execute(
            f"select distinct cast({column} as varchar) from child c "
            f"where {key_sql('c', key, types)} not in ({left_out})",
            [system, table],
        ).fetchall()
        named = {r[0] for r in named}
        orphans = {
            r[0]
            for r in con.execute(
                f"select record_key from ans_records where {where} and kind = 'orphan'",
                [system, target],
            ).fetchall()
        }
        dirty = {
            r[0]
            for r in con.execute(
                f"select distinct dirty from ans_cells where {where} and column_name = ? "
                "and dirty is not null",
                [system, table, column],
            ).fetchall()
        }
        return len((named & orphans) | dirty)
    columns = kw["columns"]
    names = list(columns) if isinstance(columns, (list, dict)) else [columns]
    kinds = CLAIMS[name]
    rows = con.execute(
        f"select column_name, defect, dirty from ans_cells where {where} "
        f"and column_name in (select unnest(?))",
        [system, table, names],
    ).fetchall()
    rows = [r for r in rows if (r[1] in kinds if kinds else r[2] is not None)]
    if name != "lab_in_range":
        return len(rows)
    out = 0
    for column, _, dirty in rows:
        r = columns[column]
        value = read_dirty(dirty, r["how"], r.get("date"))
        if value is None:
            continue
        lo, hi = r.get("min"), r.get("max")
        conv = (lambda v: datetime.date.fromisoformat(str(v))) if r.get("date") else (lambda v: Decimal(str(v)))
        if (lo is not None and value < conv(lo)) or (hi is not None and value > conv(hi)):
            out += 1
    return out


def raw(project, lake):
    """Every raw-layer test's failures in `run_results.json` equal the answer key's count."""
    global lake_dir, truth_key
    lake_dir = lake
    con = connect(project, lake)
    with open(os.path.join(project, "target", "manifest.json")) as f:
        manifest = json.load(f)
    with open(os.path.join(project, "target", "run_results.json")) as f:
        results = {r["unique_id"]: r for r in json.load(f)["results"]}
    truth_of, truth_key = {}, {}
    for node in models(project, "stg_"):
        lab = node["config"]["meta"]["lab"]
        truth_of[(lab["system"], lab["entity"])] = lab["truth"]
        truth_key[(lab["system"], lab["entity"])] = lab["key"]
    problems = []
    tested = 0
    for uid, node in sorted(manifest["nodes"].items()):
        if node["resource_type"] != "test" or not node.get("depends_on", {}).get("nodes"):
            continue
        deps = [manifest["sources"].get(d) for d in node["depends_on"]["nodes"]]
        raw_sources = [d for d in deps if d and d["meta"].get("lab", {}).get("path")]
        if not raw_sources or "test_metadata" not in node:
            continue
        # A relationship depends on both tables: the tested one is the model argument's.
        tested_source = next(
            (d for d in raw_sources if f"'{d['name']}'" in node["test_metadata"]["kwargs"].get("model", "")),
            raw_sources[0],
        )
        if uid not in results:
            problems.append(f"{node['name']}: not run")
            continue
        got = results[uid].get("failures")
        want = raw_expected(con, node, tested_source, truth_of)
        tested += 1
        print(
            f"{tested_source['source_name']}.{tested_source['name']} "
            f"{node['test_metadata']['name']}: {got} failures, answer key {want}"
        )
        if got != want:
            problems.append(f"{node['name']}: {got} failures, the answer key gives {want}")
    if not tested:
        problems.append("no raw-layer test ran")
    return problems


def docs(project, target):
    """`dbt docs generate` wrote the lineage site: `index.html`, a manifest with every model file
    of the project and every raw source, in which every gold model (`models/marts/`) reaches a
    raw source through its `depends_on` lineage, and a catalog with the columns of every model
    and raw source."""
    problems = []
    target = os.path.join(project, target)
    index = os.path.join(target, "index.html")
    if not os.path.isfile(index) or os.path.getsize(index) < 1000:
        problems.append("no index.html")
    with open(os.path.join(target, "manifest.json")) as f:
        manifest = json.load(f)
    with open(os.path.join(target, "catalog.json")) as f:
        catalog = json.load(f)
    nodes = manifest["nodes"]
    models = {u: n for u, n in nodes.items() if n["resource_type"] == "model"}
    files = set()
    for root, _, names in os.walk(os.path.join(project, "models")):
        for name in names:
            if name.endswith((".sql", ".py")):
                files.add(os.path.relpath(os.path.join(root, name), project))
    listed = {n["original_file_path"] for n in models.values()}
    # Models switched off by the project (the increments', until `--vars '{lab_increments:
    # true}'`) are in the manifest's `disabled` part.
    listed |= {n["original_file_path"] for ns in manifest.get("disabled", {}).values()
               for n in ns if n.get("resource_type") == "model"}
    for f in sorted(files - listed):
        problems.append(f"{f}: not a model of the manifest")
    raw = {
        u: s
        for u, s in manifest["sources"].items()
        if s["meta"].get("lab", {}).get("path", "").startswith("raw/")
    }
    if not raw:
        problems.append("no raw source in the manifest")

    def reaches_raw(uid, seen):
        if uid in raw:
            return True
        if uid in seen or uid not in nodes:
            return False
        seen.add(uid)
        return any(reaches_raw(d, seen) for d in nodes[uid]["depends_on"]["nodes"])

    # A gold model that reads nothing (the date spine) is generated, not derived from the lake.
    gold = [
        u
        for u, n in models.items()
        if n["original_file_path"].startswith("models/marts/") and n["depends_on"]["nodes"]
    ]
    for u in sorted(gold):
        if not reaches_raw(u, set()):
            problems.append(f"{u}: its lineage reaches no raw source")
    for u in sorted(models):
        if not catalog["nodes"].get(u, {}).get("columns"):
            problems.append(f"{u}: no columns in the catalog")
    for u in sorted(raw):
        if not catalog["sources"].get(u, {}).get("columns"):
            problems.append(f"{u}: no columns in the catalog")
    print(
        f"docs: {len(models)} models ({len(gold)} gold, each reaching a raw source), "
        f"{len(raw)} raw sources, {len(catalog['nodes'])} catalogued models"
    )
    return problems


def main():
    commands = ("staging", "silver", "submission", "athena", "raw", "docs")
    if len(sys.argv) != 4 or sys.argv[1] not in commands:
        print(__doc__, file=sys.stderr)
        return 2
    run = {
        "staging": staging,
        "silver": silver,
        "submission": submission,
        "athena": athena,
        "raw": raw,
        "docs": docs,
    }[sys.argv[1]]
    problems = run(sys.argv[2], sys.argv[3])
    for p in problems:
        print("PROBLEM", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
