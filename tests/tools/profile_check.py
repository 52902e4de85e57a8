"""Checks the measured data profile (`<lake>/_profile.json`) against the data itself.

For every column of every entity, DuckDB computes the null count, the distinct count and the
minimum and maximum from the clean Parquet files (not the systems' raw exports); they must equal what `lab` measured while writing
(timestamps compared as ISO-8601 text). Exact distinct counts must be equal; estimated ones
(HyperLogLog, about 0.8 % standard error) must be within 4 % of the true count, and the check
fails if no column was estimated, so both paths are exercised.

Usage: python profile_check.py <lake-dir>; exits 1 listing every mismatch.
"""

import json
import sys
from decimal import Decimal
from pathlib import Path

import duckdb


def norm(v, kind):
    if v is None:
        return None
    if kind in ("DOUBLE", "FLOAT"):
        return round(float(v), 9)
    if kind.startswith("DECIMAL"):
        return Decimal(str(v))
    if kind.startswith("TIMESTAMP"):
        if hasattr(v, "isoformat"):
            return v.isoformat(timespec="milliseconds")
        return str(v)[:23]
    return str(v)


def main() -> int:
    lake = Path(sys.argv[1])
    manifest = json.loads((lake / "_manifest.json").read_text())
    profile = json.loads((lake / "_profile.json").read_text())
    con = duckdb.connect()
    bad = []
    checked = 0
    estimated = 0
    for e in manifest["entities"]:
        name = f"{e['domain']}.{e['entity']}"
        files = [str(lake / f["path"]) for f in e["files"] if f["format"] == "parquet" and f.get("layer") in (None, "truth")]
        if not files:
            continue
        con.sql(f"CREATE OR REPLACE VIEW t AS SELECT * FROM read_parquet({files!r})")
        types = {r[0]: r[1] for r in con.sql("DESCRIBE t").fetchall()}
        for col, p in profile[name]["columns"].items():
            q = f'SELECT count(*) - count("{col}"), count(DISTINCT "{col}"), min("{col}"), max("{col}") FROM t'
            nulls, distinct, lo, hi = con.sql(q).fetchall()[0]
            kind = types[col]
            checked += 1
            if nulls != p["nulls"]:
                bad.append(f"{name}.{col}: {nulls} nulls in the data, profile says {p['nulls']}")
            if p["distinct_exact"] and distinct != p["distinct"]:
                bad.append(f"{name}.{col}: {distinct} distinct in the data, profile says {p['distinct']}")
            if not p["distinct_exact"]:
                estimated += 1
                if abs(p["distinct"] - distinct) > 0.04 * distinct:
                    bad.append(f"{name}.{col}: {distinct} distinct in the data, profile estimates {p['distinct']} (off by more than 4 %)")
            if kind == "BOOLEAN":
                lo, hi = (str(lo).lower() if lo is not None else None), (str(hi).lower() if hi is not None else None)
            for what, got, want in (("min", lo, p["min"]), ("max", hi, p["max"])):
                if norm(got, kind) != norm(want, kind):
                    bad.append(f"{name}.{col}: {what} {got!r} in the data, profile says {want!r}")
    if estimated == 0:
        bad.append("no distinct count was estimated: compile at a larger scale to exercise the sketch")
    if bad:
        print("\n".join(bad))
        print(f"profile check: {len(bad)} mismatches in {checked} columns")
        return 1
    print(f"profile check: {checked} columns match the data ({estimated} distinct counts estimated)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
