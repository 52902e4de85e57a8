"""Read lab's source-system exports back through their own DDL, and round-trip every value.

usage: silo_check.py OUT_DIR [--counts]

OUT_DIR is a `lab compile --out OUT_DIR` of specs that declare systems, plus `exports.json`
(written by the test from the IR: per exported table its system, domain, entity, format,
primary key and, per column, the clean type and the value style). Checks:
- sqlglot (athena) parses every statement of `ddl/athena/*.sql` and `ddl/athena/raw/*.sql` as a
  CREATE (never an opaque Command); botocore accepts every Glue TableInput under `glue/`.
- DuckDB reads every raw export with the dialect its DDL states (CSV: `separatorChar`,
  `quoteChar`, `escapeChar`, `skip.header.line.count`, `serialization.null.format`, `serialization.encoding`;
  JSON Lines with the DDL's column types, nested `struct<…>` and `array<…>` included; Parquet),
  one row count per table equal to the manifest's raw files;
- every exported value, parsed back by its style (date and time formats, local time with its
  offset, comma decimals, minor units, Y/N and 1/0, code vocabularies, Latin-1's `?`), equals
  the clean value of the truth table (`truth/<domain>/<entity>/`) of the same (composite)
  primary key, and every exported row's key is a row of the truth; nested fields are unnested
  first (records by key; GA4 parameters by key, exactly their one value slot set, in GA4's
  typing; arrays as the non-null values in order); a lake whose systems declare a mess is
  compared with its answer key applied (`answers_check.fix_exports`: cells set back, exact
  duplicates and near-duplicate copies dropped, references to copies mapped);
- Spark (local, Hive metastore) executes every DDL statement, truth and raw, with locations
  pointed at the lake, repairs partitioned tables, reads every row, and counts match the
  manifest (a table of more than 16 daily batches: its first and last 8 days, added by name,
  and the parameter counts DuckDB finds in them; DuckDB reads every day) (Spark's Hive reader does not honour `skip.header.line.count`, which Athena does, so
  the header lines it returns are dropped). Spark bundles no Hive JSON SerDe, so a JSON table is created as Spark's own JSON
  table with the same columns, partition column and location (the rest of its DDL is checked
  by sqlglot and DuckDB); every GA4 parameter array is exploded (`LATERAL VIEW explode`) and
  each key's slot counts equal the truth's non-null values (with an answer key: the counts
  DuckDB finds in the export, exact duplicates included).
With `--counts` (a lake whose systems plant a mess, whose values the answer key explains:
`answers_check.py`) the round trip is left out; the DDL, DuckDB and Spark reads and their row
counts are checked. Schema drift (`drift` in `exports.json`): DuckDB pads the CSV lines of
batches before a column was added (the CSV SerDe reads the missing fields as nulls), and a
CSV header line is one whose fields hold their column's first or later name (or nothing, for
an added column).
Exit status 0 when everything holds; otherwise every problem is printed and the status is 1.
"""

import datetime as dt
import decimal
import json
import os
import pathlib
import re
import shutil
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from spark_check import split_statements  # noqa: E402

DUCK_TYPES = {"string": "VARCHAR", "bigint": "BIGINT", "int": "INTEGER", "smallint": "SMALLINT",
              "tinyint": "TINYINT", "double": "DOUBLE", "boolean": "BOOLEAN", "date": "DATE",
              "timestamp": "TIMESTAMP"}


def literals(text):
    """The single-quoted Hive literals of `text`, unescaped, in order."""
    out, i = [], 0
    while True:
        i = text.find("'", i)
        if i < 0:
            return out
        j, buf = i + 1, []
        while j < len(text) and text[j] != "'":
            if text[j] == "\\" and j + 1 < len(text):
                nxt = text[j + 1]
                buf.append({"t": "\t", "n": "\n"}.get(nxt, nxt))
                j += 2
                continue
            buf.append(text[j])
            j += 1
        out.append("".join(buf))
        i = j + 1


def props(stmt, keyword):
    m = re.search(keyword + r" \(\n(.*?)\n\)", stmt, re.S)
    if not m:
        return {}
    lits = literals(m.group(1))
    return dict(zip(lits[0::2], lits[1::2]))


def parse_table(stmt):
    head = re.match(r"CREATE EXTERNAL TABLE IF NOT EXISTS `(\w+)`\.`(\w+)` \(\n(.*?)\n\)\n", stmt, re.S)
    cols = []
    for line in head.group(3).split("\n"):
        # A type has no spaces (`decimal(10,2)`, `struct<a:string,b:bigint>`); a column
        # without a comment ends with the list's comma.
        m = re.match(r"\s*`(\w+)` (\S+)", line)
        cols.append((m.group(1), m.group(2).rstrip(",")))
    part = re.search(r"PARTITIONED BY \(`(\w+)` (\w+)", stmt)
    serde = re.search(r"ROW FORMAT SERDE '([^']+)'", stmt)
    return {
        "database": head.group(1), "name": head.group(2), "columns": cols,
        "partition": part.group(1) if part else None,
        "serde": serde.group(1) if serde else "parquet",
        "serde_props": props(stmt, "WITH SERDEPROPERTIES"),
        "tbl_props": props(stmt, "TBLPROPERTIES"),
        "location": re.search(r"LOCATION '([^']+)'", stmt).group(1),
        "text": stmt,
    }


def ddl_statements(out, problems):
    import sqlglot
    from sqlglot import exp
    stmts = []
    files = sorted((out / "ddl" / "athena").glob("*.sql")) + sorted((out / "ddl" / "athena" / "raw").glob("*.sql"))
    for f in files:
        for s in split_statements(f.read_text()):
            e = sqlglot.parse_one(s, dialect="athena")
            if not isinstance(e, exp.Create):
                problems.append(f"{f}: sqlglot did not parse a CREATE: {s[:80]}")
            stmts.append((f, s))
    return stmts


def glue_documents(out, problems):
    import botocore.session
    from botocore.validate import ParamValidator
    shape = botocore.session.get_session().get_service_model("glue").operation_model("CreateTable").input_shape
    n = 0
    for f in sorted((out / "glue").rglob("*.json")):
        report = ParamValidator().validate({"DatabaseName": "db", "TableInput": json.loads(f.read_text())}, shape)
        if report.has_errors():
            problems.append(f"{f}: botocore: {report.generate_report()}")
        n += 1
    return n


def manifest_rows(out):
    """Rows per lake folder `<layer>/<a>/<b>/` and per partition folder `<layer>/<a>/<b>/<k=v>`."""
    m = json.loads((out / "lake" / "_manifest.json").read_text())
    rows = {}
    for ent in m["entities"]:
        for f in ent["files"]:
            parts = f["path"].split("/")
            for key in {"/".join(parts[:3]), "/".join(parts[:4])}:
                rows[key] = rows.get(key, 0) + f["rows"]
    return rows


# Spark reads a table of daily batches through the first and last days only (its Hive readers
# pay per partition); DuckDB has read and round-tripped every day.
SPARK_DAYS = 8


def spark_partitions(spark, con, out, t, name, rows_by_folder, spec, pad):
    """Registers the table's partitions in Spark; returns the rows they hold and, when only
    some are, the parameter counts DuckDB finds in them (else None)."""
    folder = t["location"].split("/", 3)[3].rstrip("/")
    days = sorted(p.name for p in (out / "lake" / folder).iterdir() if p.is_dir() and "=" in p.name)
    if len(days) <= 2 * SPARK_DAYS:
        spark.sql(f"MSCK REPAIR TABLE {name}")
        return rows_by_folder.get(folder), None
    days = days[:SPARK_DAYS] + days[-SPARK_DAYS:]
    added = " ".join(f"PARTITION (`{d.split('=', 1)[0]}` = '{d.split('=', 1)[1]}')" for d in days)
    spark.sql(f"ALTER TABLE {name} ADD {added}")
    counts = {}
    if spec:
        raw_param_counts(t, spec, duck_read(con, out, t, pad, days), counts)
    return sum(rows_by_folder.get(f"{folder}/{d}", 0) for d in days), counts


def split_top(text):
    """`a:string,b:struct<c:int,d:int>` split at the commas outside brackets."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch in "<(":
            depth += 1
        elif ch in ">)":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


def duck_type(ty):
    """The DuckDB type of a Hive type, nested `struct<…>` and `array<…>` included."""
    if ty.startswith("struct<"):
        fields = [f.split(":", 1) for f in split_top(ty[len("struct<"):-1])]
        return "STRUCT(" + ", ".join(f'"{k}" {duck_type(v)}' for k, v in fields) + ")"
    if ty.startswith("array<"):
        return duck_type(ty[len("array<"):-1]) + "[]"
    return DUCK_TYPES.get(ty, ty.upper())


def duck_read(con, out, t, pad=False, parts=None):
    """The raw table `t` as DuckDB reads it with the DDL's dialect: column names → rows. With
    `pad`, CSV lines with fewer fields (batches before a column was added, which the CSV
    SerDe reads as nulls) are padded with nulls. With `parts`, only those partition folders."""
    folder = out / "lake" / t["location"].split("/", 3)[3]
    names = [c for c, _ in t["columns"]]
    hive = t["partition"] is not None
    globs = [str(folder / p / "*") for p in parts] if parts else [str(folder / ("*/*" if hive else "*"))]
    if t["serde"].endswith("OpenCSVSerde"):
        sp, tp = t["serde_props"], t["tbl_props"]
        enc = "latin-1" if sp.get("serialization.encoding") == "ISO-8859-1" else "utf-8"
        # Padding needs the columns stated and no sniffing (each file's own count would win).
        shape = (f"columns={ {c: 'VARCHAR' for c in names}!r}, auto_detect=false, null_padding=true"
                 if pad else "names=?, all_varchar=true")
        sql = (f"SELECT * FROM read_csv(?, delim=?, quote=?, escape=?, header=?, {shape}, "
               f"nullstr=?, allow_quoted_nulls=false, encoding='{enc}', hive_partitioning={str(hive).lower()}, "
               "hive_types_autocast=false)")
        # No `escapeChar`: quotes are doubled inside quoted fields (RFC 4180), which the SerDe
        # reads as one quote; otherwise the stated escape.
        escape = sp.get("escapeChar", sp["quoteChar"])
        params = [[g + ".csv" for g in globs], sp["separatorChar"], sp["quoteChar"], escape,
                  tp.get("skip.header.line.count") == "1"] + ([] if pad else [names]) + [
                  tp.get("serialization.null.format", "")]
        rel = con.execute(sql, params)
    elif t["serde"].endswith("JsonSerDe"):
        types = {c: duck_type(ty) for c, ty in t["columns"]}
        sql = (f"SELECT * FROM read_json(?, format='newline_delimited', columns={types!r}, "
               f"hive_partitioning={str(hive).lower()}, hive_types_autocast=false)")
        rel = con.execute(sql, [[g + ".jsonl" for g in globs]])
    else:
        rel = con.execute("SELECT * FROM read_parquet(?)", [[g + ".parquet" for g in globs]])
    cols = [d[0] for d in rel.description]
    return [dict(zip(cols, r)) for r in rel.fetchall()]


def parse_date(text, word):
    if word == "epoch":
        return dt.date(1970, 1, 1) + dt.timedelta(days=int(text) // 86400)
    fmt = {"iso": "%Y-%m-%d", "MM/DD/YYYY": "%m/%d/%Y", "DD.MM.YYYY": "%d.%m.%Y", "YYYYMMDD": "%Y%m%d"}[word]
    return dt.datetime.strptime(text, fmt).date()


def parse_time(text, word):
    if word == "epoch":
        return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=int(text))
    if word == "local":
        aware = dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S %z")
        return aware.astimezone(dt.timezone.utc).replace(tzinfo=None)
    fmt = {"iso": "%Y-%m-%dT%H:%M:%S.%fZ", "MM/DD/YYYY": "%m/%d/%Y %H:%M:%S",
           "DD.MM.YYYY": "%d.%m.%Y %H:%M:%S", "YYYYMMDD": "%Y%m%d%H%M%S"}[word]
    return dt.datetime.strptime(text, fmt)


def expected_and_parsed(col, value, clean, latin1):
    """(what the export should mean, what it means) for one cell."""
    kind, word = col["kind"], col["word"]
    if isinstance(value, bool):
        value = "true" if value else "false"
    if kind == "date":
        if isinstance(value, dt.date):
            return clean, value
        return clean, parse_date(str(value), word)
    if kind == "time":
        if isinstance(value, dt.datetime):
            return clean, value
        want = clean if word == "iso" else clean.replace(microsecond=0)
        return want, parse_time(str(value), word)
    if kind == "decimal":
        text = str(value)
        if word == "minor_units":
            scale = int(re.search(r",(\d+)\)", col["type"]).group(1))
            return decimal.Decimal(clean).scaleb(scale), decimal.Decimal(text)
        if col["type"] == "double":
            return float(clean), float(text.replace(",", "."))
        return decimal.Decimal(clean), decimal.Decimal(text.replace(",", "."))
    if kind == "bool":
        t, f = word.split("/")
        return clean, {t: True, f: False}.get(str(value), str(value))
    if kind == "codes":
        return col["codes"][clean], value
    if isinstance(clean, str):
        want = clean.encode("latin-1", "replace").decode("latin-1") if latin1 else clean
        return want, value
    if isinstance(clean, float):
        return clean, float(value)
    if isinstance(clean, int):
        return clean, int(value)
    return clean, value


def ga4_value(col, clean, codes):
    """What a GA4 parameter's slot should hold for a clean value (see docs, Nested fields)."""
    ty = col["type"]
    if ty == "timestamp":
        return (clean - dt.datetime(1970, 1, 1)) // dt.timedelta(microseconds=1)
    if ty == "date":
        return clean.strftime("%Y%m%d")
    if ty == "boolean":
        return int(clean)
    if ty == "double" or ty.startswith("decimal"):
        return float(clean)
    if isinstance(clean, str):
        return codes.get(clean, clean) if codes else clean
    return clean


SLOTS = ("string_value", "int_value", "float_value", "double_value")
# (database, table, field) → {(parameter key, slot): non-null values in the truth}, filled by
# the round trip and compared with what Spark's explode of the field finds.
PARAM_COUNTS = {}


def unnest(row, spec, problems, where):
    """The flat columns of a nested line: records walked by key, parameters found by key (each
    with exactly its one slot set, `("param", value)`), arrays as `("array", values)`."""
    flat = dict(row)
    for field in spec.get("nest", []):
        value = flat.pop(field["name"])
        if field["kind"] == "record":
            def walk(members, v):
                for m in members:
                    inner = None if v is None else v.get(m["key"])
                    if "record" in m:
                        walk(m["record"], inner)
                    else:
                        flat[m["column"]] = inner
            walk(field["members"], value)
        elif field["kind"] == "params":
            by_key = {}
            for p in value or []:
                if p["key"] in by_key:
                    problems.append(f"{where}: parameter {p['key']} twice")
                by_key[p["key"]] = p["value"]
            for m in field["members"]:
                v = by_key.pop(m["key"], None)
                if v is not None:
                    others = [k for k in SLOTS if k != m["slot"] and v[k] is not None]
                    if others or v[m["slot"]] is None:
                        problems.append(f"{where}: parameter {m['key']} sets {others or 'nothing'}, not only {m['slot']}")
                    v = ("param", v[m["slot"]])
                flat[m["column"]] = v
            if by_key:
                problems.append(f"{where}: unknown parameters {sorted(by_key)}")
        else:
            flat[field["name"]] = ("array", value)
    return flat


def nested_columns(field):
    """The columns a nested field holds (records walked recursively)."""
    if field["kind"] != "record":
        return [m["column"] if isinstance(m, dict) else m for m in field["members"]]
    out = []

    def walk(members):
        for m in members:
            if "record" in m:
                walk(m["record"])
            else:
                out.append(m["column"])
    walk(field["members"])
    return out


def check_arrays(spec, flat, c_row, by_name, where, problems):
    for field in spec.get("nest", []):
        if field["kind"] != "array":
            continue
        got = flat.pop(field["name"])[1] or []
        present = [c for c in field["members"] if c_row[c] is not None]
        if len(got) != len(present):
            problems.append(f"{where}: array {field['name']} is {got!r}, truth has values of {present}")
            continue
        for c, g in zip(present, got):
            want, parsed = expected_and_parsed(by_name[c], g, c_row[c], False)
            if want != parsed:
                problems.append(f"{where}: array {field['name']} holds {g!r} for {c}, truth {want!r}")


def key_text(col, value, clean_side):
    """One key column's value as text that the clean and the exported side agree on: dates and
    timestamps parsed by the column's style (cut to seconds where the style cuts them), codes
    mapped back to the clean value, everything else as text."""
    kind, word = col["kind"], col["word"]
    if value is None:
        return None
    if kind == "date":
        d = value if isinstance(value, dt.date) else parse_date(str(value), word)
        return d.isoformat()
    if kind == "time":
        if not isinstance(value, dt.datetime):
            value = parse_time(str(value), word)
        elif clean_side and word != "iso":
            value = value.replace(microsecond=0)
        return value.isoformat()
    if kind == "codes" and not clean_side:
        back = {code: v for v, code in col["codes"].items()}
        return back.get(value, value)
    return str(value)


def styled(col, row):
    """A column's description with the style of `row`'s batch, where schema drift retyped it
    (`__styles`, set by `answers_check.undrift`)."""
    return {**col, **row.get("__styles", {}).get(col["name"], {})}


def round_trip(con, out, t, spec, rows, problems):
    truth = out / "lake" / "truth" / spec["domain"] / spec["entity"]
    rel = con.execute("SELECT * FROM read_parquet(?, hive_partitioning=false)", [str(truth / "**" / "*.parquet")])
    cols = [d[0] for d in rel.description]
    by_name = {c["name"]: c for c in spec["columns"]}
    keys = spec["primary_key"]
    clean = {}
    for r in (dict(zip(cols, x)) for x in rel.fetchall()):
        clean[tuple(key_text(by_name[k], r[k], True) for k in keys)] = r
    latin1 = t["serde_props"].get("serialization.encoding") == "ISO-8859-1"
    checked = 0
    in_arrays = {c for f in spec.get("nest", []) if f["kind"] == "array" for c in f["members"]}
    for row in rows:
        # A CSV export with a byte-order mark starts its first field with it.
        row = {k: (v.lstrip("\ufeff") if isinstance(v, str) and k == keys[0] else v) for k, v in row.items()}
        where = f"{t['database']}.{t['name']} {[row.get(k) for k in keys]!r}"
        row = unnest(row, spec, problems, where)
        try:
            raw_key = tuple(key_text(by_name[k], row[k], False) for k in keys)
        except Exception as e:  # noqa: BLE001 - a key that does not parse is a finding
            problems.append(f"{t['database']}.{t['name']}: key {[row[k] for k in keys]!r} does not parse: {e}")
            continue
        c_row = clean.get(raw_key)
        if c_row is None:
            problems.append(f"{t['database']}.{t['name']}: exported key {raw_key!r} is not in the truth")
            continue
        check_arrays(spec, row, c_row, by_name, where, problems)
        for field in spec.get("nest", []):
            if field["kind"] == "params":
                counts = PARAM_COUNTS.setdefault((t["database"], t["name"], field["name"]), {})
                for m in field["members"]:
                    if c_row[m["column"]] is not None:
                        counts[(m["key"], m["slot"])] = counts.get((m["key"], m["slot"]), 0) + 1
        for name, col in by_name.items():
            # Schema drift undone by answers_check.undrift: a column added from a later batch
            # is compared from that batch on, a retyped one in its batch's style.
            if name in keys or name in in_arrays or name in row.get("__absent", ()):
                continue
            col = styled(col, row)
            v, c = row[name], c_row[name]
            if name in keys:
                continue
            if isinstance(v, tuple) and v[0] == "param":
                if c is None:
                    problems.append(f"{where}: parameter of {name} is {v[1]!r}, truth null")
                    continue
                want = ga4_value(col, c, col["codes"])
                if want != v[1]:
                    problems.append(f"{where}: parameter of {name} is {v[1]!r}, truth {want!r}")
                checked += 1
                continue
            if v is None or c is None:
                if (v is None) != (c is None):
                    problems.append(f"{t['database']}.{t['name']} {raw_key}: {name} exported {v!r}, truth {c!r}")
                continue
            try:
                want, got = expected_and_parsed(col, v, c, latin1)
            except Exception as e:  # noqa: BLE001 - a value that does not parse is a finding
                problems.append(f"{t['database']}.{t['name']} {raw_key}: {name} {v!r} does not parse: {e}")
                continue
            if want != got:
                problems.append(f"{t['database']}.{t['name']} {raw_key}: {name} exported {v!r} means {got!r}, truth {want!r}")
            checked += 1
    return checked


def raw_param_counts(t, spec, rows, into=None):
    """What Spark's explode must find in an export with an answer key: the parameters of every
    exported line, exact duplicates included (the round trip has compared the originals with
    the truth). Into PARAM_COUNTS, or the dict `into`."""
    into = PARAM_COUNTS if into is None else into
    for field in spec.get("nest", []):
        if field["kind"] != "params":
            continue
        counts = into[(t["database"], t["name"], field["name"])] = {}
        slot = {m["key"]: m["slot"] for m in field["members"]}
        for row in rows:
            for p in row[field["name"]] or []:
                k = (p["key"], slot.get(p["key"]))
                if p["value"][k[1]] is not None:
                    counts[k] = counts.get(k, 0) + 1


def spark_statement(stmt, lake):
    s = stmt.replace("s3://lab-lake/", f"file://{lake}/")
    if "JsonSerDe" not in s:
        return s
    t = parse_table(s)
    cols = ", ".join(f"`{c}` {ty}" for c, ty in t["columns"])
    part = t["partition"]
    if part:
        cols += f", `{part}` string"
    tail = f" PARTITIONED BY (`{part}`)" if part else ""
    return f"CREATE TABLE `{t['database']}`.`{t['name']}` ({cols}) USING json{tail} LOCATION '{t['location']}'"


def spark_params(spark, t, name, problems, counts=None):
    """`LATERAL VIEW explode` of every parameter array: per key, the slot set as many times as
    the truth has non-null values (or `counts` says), and no other slot."""
    for (db, table, field), want in (PARAM_COUNTS if counts is None else counts).items():
        if (db, table) != (t["database"], t["name"]):
            continue
        slots = ", ".join(f"count(p.value.{s})" for s in SLOTS)
        rows = spark.sql(f"SELECT p.key, {slots} FROM {name} LATERAL VIEW explode(`{field}`) e AS p GROUP BY p.key").collect()
        got = {}
        for r in rows:
            for s, n in zip(SLOTS, r[1:]):
                if n:
                    got[(r[0], s)] = n
        if got != want:
            problems.append(f"spark: {name}.{field} explodes to {sorted(got.items())}, truth {sorted(want.items())}")


def header_condition(t, spec):
    """Spark SQL that holds for a CSV header line of table `t`: each column holds its name, or
    a name a drift renames it to, or (a column added from some batch on) nothing."""
    drift = (spec or {}).get("drift", [])
    parts = []
    for c, _ in t["columns"]:
        names = [c] + [d["rename"] for d in drift if d["column"] == c and "rename" in d]
        cond = f"CAST(`{c}` AS STRING) IN ({', '.join(repr(n) for n in names)})"
        if any(d["column"] == c and "add" in d for d in drift):
            cond = f"({cond} OR `{c}` IS NULL)"
        parts.append(cond)
    return " AND ".join(parts)


def spark_check(out, stmts, rows_by_folder, problems, specs, con):
    work = pathlib.Path(tempfile.mkdtemp(prefix="lab-silo-check-"))
    os.chdir(work)
    from pyspark.sql import SparkSession
    spark = (
        SparkSession.builder.master("local[2]").appName("lab-silo-check")
        .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        # A short-lived JVM over small tables: the client JIT compiler alone and the serial
        # collector use about a third less CPU than the server defaults. The client compiler
        # alone has a 48 MB code cache by default, which Spark's generated code overflows.
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=256m -XX:+UseSerialGC")
        .config("spark.sql.warehouse.dir", f"file://{work}/warehouse")
        .config("spark.hadoop.javax.jdo.option.ConnectionURL", "jdbc:derby:memory:metastore_db;create=true")
        .config("spark.sql.session.timeZone", "UTC").config("spark.sql.variable.substitute", "false")
        .config("spark.sql.shuffle.partitions", "2")
        # Daily batches make tables of a thousand and more partitions: list them on the driver
        # and skip per-partition statistics, rather than run a Spark job for each.
        .config("spark.sql.sources.parallelPartitionDiscovery.threshold", "100000")
        .config("spark.sql.gatherFastStats", "false")
        .enableHiveSupport().getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    lake = out / "lake"
    n = 0
    for f, s in stmts:
        try:
            spark.sql(spark_statement(s, lake))
        except Exception as e:  # noqa: BLE001
            problems.append(f"spark: {f}: {str(e).splitlines()[0]}")
            continue
        if not s.startswith("CREATE EXTERNAL TABLE"):
            continue
        t = parse_table(s)
        name = f"`{t['database']}`.`{t['name']}`"
        spec = specs.get((t["database"][: -len("_raw")], t["name"]))
        want, counts = rows_by_folder.get(t["location"].split("/", 3)[3].rstrip("/")), None
        try:
            if t["partition"]:
                pad = any("add" in d for d in (spec or {}).get("drift", []))
                want, counts = spark_partitions(spark, con, out, t, name, rows_by_folder, spec, pad)
            if t["database"] == "answer_key":
                # One folder per system and entity under the location: Athena reads them all;
                # Spark's table reader does not descend, so read the folder recursively with
                # the table's schema.
                folder = lake / t["location"].split("/", 3)[3]
                schema = spark.table(name).schema
                got = spark.read.schema(schema).option("recursiveFileLookup", "true").parquet(
                    f"file://{folder}").count() if folder.exists() else 0
                want = rows_by_folder.get(t["location"].split("/", 3)[3].rstrip("/"), 0)
                if got != want:
                    problems.append(f"spark: {name} read {got} rows, the manifest has {want}")
                n += 1
                continue
            # Every column is decoded (a hash over all of them), and the rows are counted in
            # Spark rather than collected. Spark's Hive reader ignores
            # `skip.header.line.count` (Athena honours it): the header lines, one per file,
            # which name the columns, are counted apart and dropped.
            names = [c for c, _ in t["columns"]]
            cols = ", ".join(f"`{c}`" for c in names)
            header = header_condition(t, spec)
            got, _, headers = spark.sql(
                f"SELECT count(*), sum(hash({cols})), count_if({header}) FROM {name}"
            ).collect()[0]
            if t["tbl_props"].get("skip.header.line.count") == "1":
                got -= headers
        except Exception as e:  # noqa: BLE001
            problems.append(f"spark: {name}: {str(e).splitlines()[0]}")
            continue
        if got != want:
            problems.append(f"spark: {name} read {got} rows, the manifest has {want}")
        spark_params(spark, t, name, problems, counts)
        n += 1
    version = spark.version
    spark.stop()
    os.chdir("/")
    shutil.rmtree(work, ignore_errors=True)
    return version, n


def main(argv):
    counts_only = "--counts" in argv
    argv = [a for a in argv if a != "--counts"]
    if len(argv) != 1:
        print(__doc__)
        return 2
    import duckdb
    out = pathlib.Path(argv[0]).resolve()
    problems = []
    specs = {(t["system"], t["entity"]): t for t in json.loads((out / "exports.json").read_text())["tables"]}
    stmts = ddl_statements(out, problems)
    n_glue = glue_documents(out, problems)
    rows_by_folder = manifest_rows(out)
    con = duckdb.connect()
    raw = [parse_table(s) for f, s in stmts if "/raw/" in str(f) and s.startswith("CREATE EXTERNAL TABLE")]
    if sorted((t["database"][: -len("_raw")], t["name"]) for t in raw) != sorted(specs):
        problems.append(f"raw tables {sorted((t['database'], t['name']) for t in raw)} != exports {sorted(specs)}")
    cells = 0
    # A lake whose systems declare a mess carries an answer key: the round trip compares the
    # exports with the key applied (`answers_check.fix_exports`), which that checker tests.
    fixed = {}
    if not counts_only and (out / "lake" / "truth" / "_answers").is_dir():
        import answers_check
        key = answers_check.load(con, out)
        if key["cells"] or key["records"]:
            tables = answers_check.fix_exports(con, out, [t for t in raw if (t["database"][: -len("_raw")], t["name"]) in specs],
                                               specs, key, problems)
            fixed = {(tb["t"]["database"], tb["t"]["name"]): list(tb["originals"].values()) for tb in tables.values()}
    for t in raw:
        spec = specs.get((t["database"][: -len("_raw")], t["name"]))
        pad = any("add" in d for d in (spec or {}).get("drift", []))
        rows = duck_read(con, out, t, pad)
        want = rows_by_folder.get(t["location"].split("/", 3)[3].rstrip("/"))
        if len(rows) != want:
            problems.append(f"duckdb: {t['database']}.{t['name']} read {len(rows)} rows, the manifest has {want}")
        if spec and not counts_only:
            cells += round_trip(con, out, t, spec, fixed.get((t["database"], t["name"]), rows), problems)
            if (t["database"], t["name"]) in fixed:
                raw_param_counts(t, spec, rows)
    version, n_spark = spark_check(out, stmts, rows_by_folder, problems, specs, con)
    for p in problems[:50]:
        print("FAIL", p)
    print(f"duckdb: {len(raw)} raw tables, {cells} cells round-tripped; glue: {n_glue} documents")
    print(f"spark: {version}: {n_spark} tables read; {len(problems)} problems")
    return 1 if problems or (cells == 0 and not counts_only) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
