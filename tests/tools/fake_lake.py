"""Write a tiny Parquet lake that matches the IR's tables, for checking the DDL before (and
independently of) lab's own engine.

usage: fake_lake.py CASE_DIR

CASE_DIR holds `tables.json` (the IR's tables as the emit tests write them: database, name,
columns [[name, athena_type]], partition, partition_from, partition_format). Writes
`CASE_DIR/lake/raw/<domain>/<entity>/[<key>=<value>/]part-00000.parquet` with a few rows per
table, typed as lab's sinks type them (Int64/Int32/Int16/Int8, Float64, Decimal128(p,s),
Utf8, Date32, Timestamp(ms) without zone, Boolean), and `CASE_DIR/lake/_manifest.json` with
each table's row count. Partitioned tables get one folder per distinct partition value, computed
from the source column the way Athena's projection format reads it.
"""

import datetime as dt
import decimal
import json
import pathlib
import re
import sys

import pyarrow as pa
import pyarrow.parquet as pq

N_ROWS = 3
PY_FORMAT = {"yyyy-MM-dd": "%Y-%m-%d", "yyyy-MM": "%Y-%m", "yyyy": "%Y"}


def arrow_type(t):
    m = re.fullmatch(r"decimal\((\d+),(\d+)\)", t)
    if m:
        return pa.decimal128(int(m.group(1)), int(m.group(2)))
    if t.startswith("varchar(") or t == "string":
        return pa.string()
    return {
        "boolean": pa.bool_(),
        "tinyint": pa.int8(),
        "smallint": pa.int16(),
        "int": pa.int32(),
        "bigint": pa.int64(),
        "double": pa.float64(),
        "date": pa.date32(),
        "timestamp": pa.timestamp("ms"),
    }[t]


def value(t, i):
    base = dt.datetime(2023, 1, 15, 12, 30, 45, 123000) + dt.timedelta(days=40 * i)
    if t == "date":
        return base.date()
    if t == "timestamp":
        return base
    if t == "boolean":
        return i % 2 == 0
    if t in ("tinyint", "smallint", "int", "bigint"):
        return i + 1
    if t == "double":
        return 1.5 * (i + 1)
    m = re.fullmatch(r"decimal\((\d+),(\d+)\)", t)
    if m:
        p, s = int(m.group(1)), int(m.group(2))
        whole = decimal.Decimal(i + 1 if p > s else 0)
        return whole.quantize(decimal.Decimal(1).scaleb(-s))
    m = re.fullmatch(r"varchar\((\d+)\)", t)
    if m:
        return f"v{i}"[: int(m.group(1))]
    return f"value '{i}' ü"


def main(argv):
    case = pathlib.Path(argv[0])
    tables = json.loads((case / "tables.json").read_text())["tables"]
    lake = case / "lake"
    manifest = []
    for t in tables:
        names = [c[0] for c in t["columns"]]
        types = [c[1] for c in t["columns"]]
        schema = pa.schema([(n, arrow_type(ty)) for n, ty in zip(names, types)])
        rows = [[value(ty, i) for ty in types] for i in range(N_ROWS)]
        # The table's folder in the lake: its S3 location without the bucket.
        root = lake / t["location"].split("/", 3)[3]
        groups = {None: rows}
        if t.get("partition") and not t.get("partition_from"):
            # A partition no column gives (the increments' delivery day `dt`): one folder.
            groups = {"2024-01-01": rows}
        elif t.get("partition"):
            src = names.index(t["partition_from"])
            fmt = PY_FORMAT[t["partition_format"]]
            groups = {}
            for r in rows:
                groups.setdefault(r[src].strftime(fmt), []).append(r)
        for part, rs in groups.items():
            d = root if part is None else root / f"{t['partition']}={part}"
            d.mkdir(parents=True, exist_ok=True)
            cols = list(zip(*rs))
            table = pa.Table.from_arrays(
                [pa.array(list(c), type=f.type) for c, f in zip(cols, schema)], schema=schema
            )
            pq.write_table(table, d / "part-00000.parquet", compression="snappy")
        manifest.append({"domain": t["database"], "entity": t["name"], "rows": N_ROWS})
    (lake / "_manifest.json").write_text(json.dumps({"tables": manifest}, indent=2))
    print(f"wrote {len(manifest)} tables under {lake}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
