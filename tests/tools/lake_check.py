"""Checks a generated lake with DuckDB, an engine `lab` does not control.

For every entity in `<lake>/_manifest.json`: the row count of its clean Parquet files (not a
source system's raw export) equals the
manifest, the primary key is unique and not null, and every foreign key finds its parent
(an anti-join returns zero rows; a null reference is not an orphan). Then a Parquet footer lint
for Athena safety: no nanosecond timestamps, no unsigned integers, no INT96.

Usage: python lake_check.py <lake-dir>; exits 1 with a report when any check fails.
"""

import json
import sys
from pathlib import Path

import duckdb


def main() -> int:
    lake = Path(sys.argv[1])
    manifest = json.loads((lake / "_manifest.json").read_text())
    con = duckdb.connect()
    failures = []

    def view(e):
        return f'"{e["domain"]}__{e["entity"]}"'

    for e in manifest["entities"]:
        files = [str(lake / f["path"]) for f in e["files"] if f["format"] == "parquet" and f.get("layer") in (None, "truth")]
        if not files:
            failures.append(f"{e['domain']}.{e['entity']}: no parquet files")
            continue
        hive = ", hive_partitioning=true" if e.get("partition_key") else ""
        con.sql(f"CREATE VIEW {view(e)} AS SELECT * FROM read_parquet({files!r}{hive})")
    by_name = {(e["domain"], e["entity"]): e for e in manifest["entities"]}
    for e in manifest["entities"]:
        name = f"{e['domain']}.{e['entity']}"
        n = con.sql(f"SELECT count(*) FROM {view(e)}").fetchall()[0][0]
        if n != e["rows"]:
            failures.append(f"{name}: {n} rows in files, manifest says {e['rows']}")
        pk = ", ".join(f'"{c}"' for c in e["primary_key"])
        dup = con.sql(f"SELECT count(*) FROM (SELECT {pk} FROM {view(e)} GROUP BY ALL HAVING count(*) > 1)").fetchall()[0][0]
        if dup:
            failures.append(f"{name}: {dup} duplicate primary keys ({pk})")
        nulls = " OR ".join(f'"{c}" IS NULL' for c in e["primary_key"])
        n_null = con.sql(f"SELECT count(*) FROM {view(e)} WHERE {nulls}").fetchall()[0][0]
        if n_null:
            failures.append(f"{name}: {n_null} null primary keys")
        for fk in e["foreign_keys"]:
            ref = fk["references"]
            parent = by_name[(ref["domain"], ref["entity"])]
            on = " AND ".join(f'c."{a}" = p."{b}"' for a, b in zip(fk["columns"], ref["columns"]))
            not_null = " AND ".join(f'c."{a}" IS NOT NULL' for a in fk["columns"])
            q = f"SELECT count(*) FROM {view(e)} c ANTI JOIN {view(parent)} p ON {on} WHERE {not_null}"
            orphans = con.sql(q).fetchall()[0][0]
            if orphans:
                failures.append(f"{name}: {orphans} rows whose ({', '.join(fk['columns'])}) has no parent in {ref['domain']}.{ref['entity']}")
    # The lint covers every Parquet file, the systems' Parquet exports too.
    all_files = [str(lake / f["path"]) for e in manifest["entities"] for f in e["files"] if f["format"] == "parquet"]
    bad = con.sql(
        f"SELECT file_name, name, type, logical_type FROM parquet_schema({all_files!r}) "
        "WHERE logical_type ILIKE '%NanoSeconds()%' OR logical_type ILIKE '%isSigned=0%' OR type = 'INT96'"
    ).fetchall()
    for row in bad:
        failures.append(f"Athena-unsafe Parquet column: {row}")
    checked = sum(1 + len(e["foreign_keys"]) for e in manifest["entities"])
    if failures:
        print("\n".join(failures))
        print(f"lake check: {len(failures)} failed")
        return 1
    print(f"lake check: {len(manifest['entities'])} entities, {checked} key checks, footer lint: all ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
