#!/usr/bin/env python3
"""Runs the business invariants of tests/invariants/*.sql against a generated lake.

Usage: invariants.py --lake <out>/lake [--invariants DIR] [--only ID ...]

Reads <lake>/_manifest.json, creates one DuckDB view per entity named <domain>_<entity> over
its clean Parquet files (the truth layer when the specs declare source systems, never a
system's raw export; Hive-partitioned when the manifest gives a partition key), then runs every
invariant query. An invariant holds when its query returns zero rows; otherwise the query's
rows are the violations. Prints one line per invariant (`ok` or `FAIL (n rows)` with up to five
example rows) and exits 1 when any invariant fails or cannot run.

Needs only the standard library and the `duckdb` package.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import duckdb

IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
EXAMPLES = 5


def quote_path(p: Path) -> str:
    return "'" + str(p).replace("'", "''") + "'"


def create_views(con: duckdb.DuckDBPyConnection, lake: Path) -> list[str]:
    manifest = json.loads((lake / "_manifest.json").read_text())
    views = []
    for ent in manifest["entities"]:
        domain, entity = ent["domain"], ent["entity"]
        if not (IDENT.match(domain) and IDENT.match(entity)):
            raise SystemExit(f"manifest names an invalid entity: {domain}.{entity}")
        name = f"{domain}_{entity}"
        files = [f["path"] for f in ent["files"] if f.get("format", "parquet") == "parquet" and f.get("layer") in (None, "truth")]
        if not files:
            # An entity with no rows has no files; keep an empty view so queries still bind.
            con.execute(f'CREATE OR REPLACE VIEW "{name}" AS SELECT NULL AS _empty WHERE false')
            views.append(name)
            continue
        paths = ", ".join(quote_path(lake / f) for f in files)
        hive = ", hive_partitioning = true" if ent.get("partition_key") else ""
        con.execute(f'CREATE OR REPLACE VIEW "{name}" AS SELECT * FROM read_parquet([{paths}]{hive})')
        views.append(name)
    return views


def header(sql: str) -> str:
    """The first comment line of an invariant file (its id and rule)."""
    for line in sql.splitlines():
        line = line.strip()
        if line.startswith("--"):
            return line.lstrip("-").strip()
        if line:
            break
    return ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lake", required=True, type=Path, help="the <out>/lake directory")
    ap.add_argument(
        "--invariants",
        type=Path,
        default=Path(__file__).resolve().parent.parent / "invariants",
        help="directory of *.sql invariant queries (default: tests/invariants)",
    )
    ap.add_argument("--only", nargs="*", default=None, help="run only invariants whose file name starts with one of these")
    args = ap.parse_args()

    if not (args.lake / "_manifest.json").is_file():
        print(f"no _manifest.json in {args.lake}", file=sys.stderr)
        return 2
    files = sorted(args.invariants.glob("*.sql"))
    if args.only:
        files = [f for f in files if any(f.name.startswith(o) for o in args.only)]
    if not files:
        print(f"no invariants in {args.invariants}", file=sys.stderr)
        return 2

    con = duckdb.connect()
    create_views(con, args.lake)
    failed = 0
    width = max(len(f.stem) for f in files)
    for f in files:
        sql = f.read_text()
        try:
            rel = con.sql(sql)
            cols = rel.columns
            rows = rel.fetchall()
        except duckdb.Error as e:
            failed += 1
            print(f"{f.stem:<{width}}  ERROR {str(e).splitlines()[0]}")
            continue
        if not rows:
            print(f"{f.stem:<{width}}  ok")
            continue
        failed += 1
        print(f"{f.stem:<{width}}  FAIL ({len(rows)} rows)  {header(sql)}")
        print("    " + " | ".join(cols))
        for r in rows[:EXAMPLES]:
            print("    " + " | ".join("NULL" if v is None else str(v) for v in r))
    print(f"{len(files) - failed} of {len(files)} invariants hold")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
