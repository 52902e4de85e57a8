"""Replay lab's Athena DDL in Spark (local, embedded Derby Hive metastore) over a lake.

usage: spark_check.py OUT_DIR...

Each OUT_DIR is laid out as `lab compile --out OUT_DIR` writes it: `ddl/athena/*.sql` (and
`ddl/athena/{processed,curated}/*.sql` when the lake has those folders) and
`lake/` with `lake/_manifest.json` and the data under `lake/raw/<domain>/<entity>/` (or, when
the specs declare source systems, the clean data under `lake/truth/<domain>/<entity>/` in
database `<domain>_truth`; the systems' raw DDL is `silo_check.py`'s). Every
statement of every DDL file runs with LOCATION and `storage.location.template` pointed from
`s3://<bucket>/` at `file://OUT_DIR/lake/` (and `spark.sql.variable.substitute=false`, so
`${dt}` stays literal). Then, per table: `MSCK REPAIR TABLE` when it is partitioned, and a full
read (`SELECT *`, which decodes every column, so a type that does not match the Parquet files
fails; up to 40 tables' reads are one Spark job) whose row count must equal the manifest's.

Optional extras:
- OUT_DIR/tables.json (the IR's tables, as the emit tests write them): for partitioned tables,
  every row's partition value must be its source column (`partition_from`) formatted with the
  partition format (`partition_format`).
- OUT_DIR/glue/<domain>/<entity>.json: Spark's column and table comments, read back from the
  DDL's escaped literals, must equal the Glue document's plain text.

The manifest is read leniently: a table entry is any object with an integer `rows` and either
`domain` + `entity` (or `name`/`table`) or `qualified` ("domain.entity"); a file entry is any
object with an integer `rows` and a `path` containing `raw/<domain>/<entity>/` (and not in the
`raw` layer of a source system). Table entries
win; otherwise file rows are summed per table.

All OUT_DIRs share one Spark session (the JVM start is most of the cost); each case's databases
are dropped after it. The Hive metastore is an in-memory Derby database (on disk every DDL
statement waits for Derby's commit); the run is in a scratch temp directory, where Derby writes
`derby.log` and Spark its empty warehouse. Exit status 0 when every table matches; otherwise
problems are printed, status 1.
"""

import json
import os
import pathlib
import re
import shutil
import sys
import tempfile
import time


def split_statements(text):
    """Split SQL text on `;` outside quotes, backticks and `--` comments; drop the comments."""
    stmts, cur, i, n = [], [], 0, len(text)
    while i < n:
        c = text[i]
        if c == "-" and text.startswith("--", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        if c in ("'", '"', "`"):
            q = c
            cur.append(c)
            i += 1
            while i < n:
                d = text[i]
                cur.append(d)
                i += 1
                if d == "\\" and q != "`" and i < n:
                    cur.append(text[i])
                    i += 1
                elif d == q:
                    if q == "`" and i < n and text[i] == "`":
                        cur.append("`")
                        i += 1
                    else:
                        break
            continue
        if c == ";":
            s = "".join(cur).strip()
            if s:
                stmts.append(s)
            cur = []
            i += 1
            continue
        cur.append(c)
        i += 1
    s = "".join(cur).strip()
    if s:
        stmts.append(s)
    return stmts


def manifest_rows(manifest):
    tables, files = {}, {}

    def visit(node):
        if isinstance(node, dict):
            rows = node.get("rows")
            if isinstance(rows, int) and not isinstance(rows, bool):
                dom = node.get("domain")
                ent = node.get("entity") or node.get("table") or node.get("name")
                qual = node.get("qualified")
                path = node.get("path") or node.get("file")
                if isinstance(qual, str) and qual.count(".") == 1:
                    tables[tuple(qual.split("."))] = rows
                elif isinstance(dom, str) and isinstance(ent, str) and "." not in ent and "/" not in ent:
                    tables[(dom, ent)] = rows
                elif isinstance(path, str) and node.get("layer") in (None, "truth"):
                    m = re.search(r"(?:^|/)raw/([a-z][a-z0-9_]*)/([a-z][a-z0-9_]*)/", path)
                    if m:
                        key = (m.group(1), m.group(2))
                        files[key] = files.get(key, 0) + rows
            for v in node.values():
                visit(v)
        elif isinstance(node, list):
            for v in node:
                visit(v)

    visit(manifest)
    out = dict(files)
    out.update(tables)
    return out


def scan_all(spark, scans, batch=40):
    """Runs the scans' queries as few Spark jobs as possible: up to `batch` of them as one
    `UNION ALL` (a job per query costs more than the reading of a small table). When a batch
    fails, its queries run one by one, so the error names its table. Yields (rows, bad) or the
    error's first line, per scan, in order."""
    for i in range(0, len(scans), batch):
        part = scans[i : i + batch]
        union = "\nUNION ALL\n".join(
            f"SELECT {k} AS k, n, h, bad FROM ({q})" for k, (*_, q) in enumerate(part)
        )
        try:
            got = {r["k"]: (r["n"], r["bad"]) for r in spark.sql(union).collect()}
        except Exception:  # noqa: BLE001 - located below, query by query
            got = {}
            for k, (*_, q) in enumerate(part):
                try:
                    r = spark.sql(q).collect()[0]
                    got[k] = (r["n"], r["bad"])
                except Exception as e:  # noqa: BLE001
                    got[k] = str(e).splitlines()[0]
        for k in range(len(part)):
            yield got[k]


def check_case(spark, out, problems):
    """Replays one OUT_DIR's DDL and reads every table back; returns (tables, rows read)."""
    ir_tables = {}
    if (out / "tables.json").is_file():
        for t in json.loads((out / "tables.json").read_text())["tables"]:
            ir_tables[(t["database"], t["name"])] = t
    lake = out / "lake"
    manifest_path = lake / "_manifest.json"
    if not manifest_path.is_file():
        problems.append(f"{out}: no manifest at {manifest_path}")
        return 0, 0
    expected = manifest_rows(json.loads(manifest_path.read_text()))
    if not expected:
        problems.append(f"{out}: no table row counts found in {manifest_path}")
        return 0, 0
    athena = out / "ddl" / "athena"
    ddl_files = sorted(athena.glob("*.sql"))
    # The layers the dbt project writes (`processed/`, `curated/`) and the increments have their
    # DDL one folder deeper; their tables are read when the lake holds their data (a lake
    # `lab compile` writes has none: dbt writes the first two, `--increments` the last).
    for layer in ("processed", "curated", "increments"):
        if (lake / layer).is_dir():
            ddl_files += sorted((athena / layer).glob("*.sql"))
    if not ddl_files:
        problems.append(f"{out}: no DDL under {out / 'ddl' / 'athena'}")
        return 0, 0

    created = []  # (db, table, partitioned)
    s3 = re.compile(r"s3://[a-z0-9][a-z0-9.-]*[a-z0-9]/")
    for f in ddl_files:
        for stmt in split_statements(f.read_text(encoding="utf-8")):
            local = s3.sub(f"file://{lake}/", stmt)
            try:
                spark.sql(local)
            except Exception as e:  # noqa: BLE001 - report every failure and go on
                problems.append(f"{out.name}/{f.name}: {local.splitlines()[0]} ...: {str(e).splitlines()[0]}")
                continue
            m = re.match(r"CREATE EXTERNAL TABLE IF NOT EXISTS `([^`]+)`\.`([^`]+)`", local)
            if m:
                created.append((m.group(1), m.group(2), "\nPARTITIONED BY" in local))

    # Each table's scan: its row count, a hash over every column of every row (which decodes
    # them all, so a type that does not match the Parquet files fails) and, for a partitioned
    # table, the rows whose partition value is not its source column formatted with the
    # partition format. Counted in Spark, not shipped to Python.
    scans = []  # (db, table, IR table, partitioned, want, partition check or None, query)
    for db, table, partitioned in created:
        if db == "answer_key":
            # Its tables read every file under their folder, one folder per system and entity,
            # which Spark's table reader does not descend into; silo_check.py reads them
            # recursively and checks their rows.
            continue
        name = f"`{db}`.`{table}`"
        # A truth database `<domain>_truth` holds the domain's clean tables.
        want = expected.get((db, table), expected.get((db.removesuffix("_truth"), table)))
        t = ir_tables.get((db, table)) or {}
        part, bad_expr = None, "0"
        if partitioned and t.get("partition_from") and t.get("partition_format"):
            part = (t["partition"], t["partition_from"], t["partition_format"])
            bad_expr = f"count_if(`{part[0]}` <> date_format(`{part[1]}`, '{part[2]}'))"
        if partitioned:
            try:
                spark.sql(f"MSCK REPAIR TABLE {name}")
            except Exception as e:  # noqa: BLE001
                problems.append(f"{out.name}: {db}.{table}: repair failed: {str(e).splitlines()[0]}")
                continue
        query = f"SELECT count(*) AS n, sum(hash(*)) AS h, {bad_expr} AS bad FROM {name}"
        scans.append((db, table, t, partitioned, want, part, query))

    n_rows = 0
    for (db, table, t, partitioned, want, part, _), result in zip(scans, scan_all(spark, scans)):
        name = f"`{db}`.`{table}`"
        where = f"{out.name}: {db}.{table}"
        if isinstance(result, str):
            problems.append(f"{where}: read failed: {result}")
            continue
        rows, bad = result
        n_rows += rows
        if want is None:
            problems.append(f"{where}: not in the manifest (read {rows} rows)")
        elif rows != want:
            problems.append(f"{where}: read {rows} rows, manifest says {want}")
        else:
            print(f"ok {where}: {rows} rows{' (partitioned)' if partitioned else ''}")
        if bad:
            key, src, fmt = part
            problems.append(f"{where}: {bad} rows whose `{key}` is not date_format(`{src}`, '{fmt}')")
        # Glue documents sit in `glue/<domain>/`; a truth database is `<domain>_truth`.
        glue = out / "glue" / t.get("domain", db) / f"{table}.json"
        if glue.is_file():
            # The DDL's escaped comments must read back as the Glue document's plain text.
            ti = json.loads(glue.read_text(encoding="utf-8"))
            want_c = {
                c["Name"]: c.get("Comment")
                for c in ti["StorageDescriptor"]["Columns"] + ti.get("PartitionKeys", [])
            }
            # DESCRIBE lists the columns (partition columns last) up to its first blank or
            # `#` row, then the table's details, its comment among them.
            desc = spark.sql(f"DESCRIBE TABLE EXTENDED {name}").collect()
            got_c = {}
            for r in desc:
                if not r[0] or r[0].startswith("#"):
                    break
                got_c[r[0]] = r[2]
            if got_c != want_c:
                problems.append(f"{where}: column comments in Spark {got_c} != Glue {want_c}")
            got_t = next((r[1] for r in desc if r[0] == "Comment"), None)
            if got_t != ti.get("Description"):
                problems.append(f"{where}: table comment in Spark {got_t!r} != Glue {ti.get('Description')!r}")
    made = {(d, t) for d, t, _ in created} | {(d.removesuffix("_truth"), t) for d, t, _ in created}
    missing = sorted(set(expected) - made)
    if missing:
        problems.append(f"{out.name}: manifest tables without DDL: {missing}")
    # The next case may reuse database names.
    for db in sorted({d for d, _, _ in created}):
        spark.sql(f"DROP DATABASE IF EXISTS `{db}` CASCADE")
    return len(created), n_rows


def main(argv):
    if not argv:
        print(__doc__)
        return 2
    outs = [pathlib.Path(a).resolve() for a in argv]
    work = pathlib.Path(tempfile.mkdtemp(prefix="lab-spark-check-"))
    os.chdir(work)

    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("lab-spark-check")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        # A short-lived JVM over small tables: the client JIT compiler alone and the serial
        # collector use about a third less CPU than the server defaults. The client compiler
        # alone has a 48 MB code cache by default, which Spark's generated code overflows.
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=256m -XX:+UseSerialGC")
        .config("spark.sql.warehouse.dir", f"file://{work}/warehouse")
        .config("spark.hadoop.javax.jdo.option.ConnectionURL", "jdbc:derby:memory:metastore_db;create=true")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.variable.substitute", "false")
        .config("spark.sql.hive.convertMetastoreParquet", "true")
        .config("spark.sql.shuffle.partitions", "2")
        # Daily batches make tables of a thousand and more partitions: list them on the driver
        # and skip per-partition statistics, rather than run a Spark job for each.
        .config("spark.sql.sources.parallelPartitionDiscovery.threshold", "100000")
        .config("spark.sql.gatherFastStats", "false")
        .enableHiveSupport()
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    problems = []
    n_tables = n_rows = 0
    for out in outs:
        started = time.monotonic()
        t, r = check_case(spark, out, problems)
        print(f"case {out.name}: {t} tables, {r} rows in {time.monotonic() - started:.1f} s")
        n_tables += t
        n_rows += r
    version = spark.version
    spark.stop()
    os.chdir("/")
    shutil.rmtree(work, ignore_errors=True)
    for p in problems:
        print("FAIL", p)
    print(f"spark {version}: {len(outs)} cases, {n_tables} tables, {n_rows} rows read, {len(problems)} problems")
    return 1 if problems or n_tables == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
