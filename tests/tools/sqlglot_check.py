"""Strict check of lab's Athena DDL with sqlglot (dialect `athena`, which parses DDL as Hive).

usage: sqlglot_check.py CASE_DIR...

Each CASE_DIR holds `ddl/athena/<domain>.sql` (emitted by lab) and `tables.json`, the IR's
tables as the test wrote them straight from the IR: {"tables": [{"database", "name",
"columns": [[name, athena_type]], "partition": key or null, "location"}]}.

sqlglot is a lenient parser, so besides "it parses" this checks what matters:
- every statement is an `exp.Create` (a `Command` fallback means sqlglot did not understand it):
  one CREATE DATABASE for the domain, then one CREATE EXTERNAL TABLE per entity, no others;
- every identifier (database, table, column, partition column) is backtick-quoted;
- column names and types equal the IR's, in order; the partition column is the IR's key, typed
  string, and is not also a column;
- STORED AS PARQUET, LOCATION equal to the IR's, TBLPROPERTIES with classification=parquet and,
  for partitioned tables, a complete date projection whose location template matches LOCATION;
- every column comment is at most 255 bytes (Glue's limit);
- printing the parsed statement and parsing it again gives the same tree (round trip).
Exit status 0 when everything holds; otherwise every problem is printed and the status is 1.
"""

import json
import pathlib
import sys

import sqlglot
from sqlglot import exp

DIALECT = "athena"


def norm_type(t):
    """An Athena DDL type string in sqlglot's canonical Hive spelling."""
    return exp.DataType.build(t, dialect=DIALECT).sql(dialect="hive")


def comment_of(coldef):
    for c in coldef.constraints:
        if isinstance(c.kind, exp.CommentColumnConstraint):
            return c.kind.this.this
    return None


def check_column(where, coldef, problems):
    if not coldef.this.quoted:
        problems.append(f"{where}: column `{coldef.name}` is not backtick-quoted")
    comment = comment_of(coldef)
    if comment is not None and len(comment.encode("utf-8")) > 255:
        problems.append(
            f"{where}: comment of `{coldef.name}` is {len(comment.encode('utf-8'))} bytes (> 255)"
        )


def check_table(where, stmt, table, problems):
    schema = stmt.this
    tbl = schema.this
    if not (tbl.this.quoted and tbl.args.get("db") is not None and tbl.args["db"].quoted):
        problems.append(f"{where}: database and table names must both be backtick-quoted")
    props = {type(p).__name__: p for p in stmt.args["properties"].expressions}
    if "ExternalProperty" not in props:
        problems.append(f"{where}: not EXTERNAL")
    if not stmt.args.get("exists"):
        problems.append(f"{where}: missing IF NOT EXISTS")

    got = [(c.name, c.args["kind"].sql(dialect="hive")) for c in schema.expressions]
    want = [(n, norm_type(t)) for n, t in table["columns"]]
    if got != want:
        problems.append(f"{where}: columns differ from the IR\n    got  {got}\n    want {want}")
    for c in schema.expressions:
        check_column(where, c, problems)

    part = props.get("PartitionedByProperty")
    key = table["partition"]
    if key is None:
        if part is not None:
            problems.append(f"{where}: PARTITIONED BY on an unpartitioned entity")
    else:
        cols = part.this.expressions if part is not None else []
        got_p = [(c.name, c.args["kind"].sql(dialect="hive")) for c in cols]
        if got_p != [(key, norm_type("string"))]:
            problems.append(f"{where}: PARTITIONED BY {got_p}, want [({key!r}, STRING)]")
        for c in cols:
            check_column(where, c, problems)
        if key in [n for n, _ in table["columns"]]:
            problems.append(f"{where}: partition key `{key}` is also a column")

    fmt = props.get("FileFormatProperty")
    if fmt is None or fmt.this.name.upper() != "PARQUET":
        problems.append(f"{where}: not STORED AS PARQUET")
    loc = props.get("LocationProperty")
    if loc is None or loc.this.this != table["location"]:
        problems.append(f"{where}: LOCATION {loc and loc.this.this!r}, want {table['location']!r}")

    tblprops = {
        p.this.this: p.args["value"].this
        for p in stmt.args["properties"].expressions
        if type(p) is exp.Property
    }
    if tblprops.get("classification") != "parquet":
        problems.append(f"{where}: TBLPROPERTIES lacks 'classification'='parquet'")
    if key is not None:
        need = {
            "projection.enabled": "true",
            f"projection.{key}.type": "date",
            f"projection.{key}.interval": "1",
            "storage.location.template": f"{table['location']}{key}=${{{key}}}/",
        }
        for k, v in need.items():
            if tblprops.get(k) != v:
                problems.append(f"{where}: TBLPROPERTIES {k}={tblprops.get(k)!r}, want {v!r}")
        for k in (f"projection.{key}.format", f"projection.{key}.range", f"projection.{key}.interval.unit"):
            if not tblprops.get(k):
                problems.append(f"{where}: TBLPROPERTIES lacks {k}")
        rng = tblprops.get(f"projection.{key}.range", "")
        if rng.count(",") != 1:
            problems.append(f"{where}: projection range {rng!r} is not 'first,last'")
    else:
        if any(k.startswith("projection.") for k in tblprops):
            problems.append(f"{where}: projection properties on an unpartitioned table")


def check_dir(case_dir, problems):
    tables = json.loads((case_dir / "tables.json").read_text())["tables"]
    by_domain = {}
    for t in tables:
        by_domain.setdefault(t.get("domain", t["database"]), {})[t["name"]] = t
    # The layers the dbt project writes have their DDL one folder deeper:
    # `ddl/athena/processed/<domain>.sql` and `ddl/athena/curated/<mart>.sql`, keyed
    # `processed/<domain>` and `curated/<mart>`; so do the daily increments
    # (`ddl/athena/increments/<domain>.sql`, keyed `increments/<domain>`).
    athena = case_dir / "ddl" / "athena"
    sql_files = sorted([*athena.glob("*.sql"), *athena.glob("processed/*.sql"), *athena.glob("curated/*.sql"),
                        *athena.glob("increments/*.sql")])

    def key(f):
        return f.relative_to(athena).with_suffix("").as_posix()

    if sorted(key(f) for f in sql_files) != sorted(by_domain):
        problems.append(f"{case_dir}: DDL files {[key(f) for f in sql_files]} != domains {sorted(by_domain)}")
    n = 0
    for f in sql_files:
        domain = key(f)
        # The domain's database: its name, or `<domain>_truth` when the specs declare systems.
        db = next(iter(by_domain.get(domain, {}).values()), {}).get("database", domain)
        where0 = f"{case_dir.name}/{f.relative_to(case_dir)}"
        try:
            stmts = [s for s in sqlglot.parse(f.read_text(encoding="utf-8"), read=DIALECT) if s is not None]
        except sqlglot.errors.ParseError as e:
            problems.append(f"{where0}: parse error: {e}")
            continue
        if not stmts:
            problems.append(f"{where0}: no statements")
            continue
        for s in stmts:
            if not isinstance(s, exp.Create):
                problems.append(f"{where0}: not understood as CREATE ({type(s).__name__}): {s.sql()[:120]}")
        stmts = [s for s in stmts if isinstance(s, exp.Create)]
        if not stmts:
            continue
        first = stmts[0]
        if first.args.get("kind") != "DATABASE" or first.this.name != db or not first.this.this.quoted:
            problems.append(f"{where0}: first statement must be CREATE DATABASE IF NOT EXISTS `{db}`")
        seen = []
        for s in stmts[1:]:
            n += 1
            where = f"{where0} {s.this.this.sql(dialect=DIALECT) if s.args.get('kind') == 'TABLE' else '?'}"
            if s.args.get("kind") != "TABLE":
                problems.append(f"{where}: expected CREATE EXTERNAL TABLE, got {s.args.get('kind')}")
                continue
            tbl = s.this.this
            if tbl.args.get("db") is None or tbl.args["db"].name != db:
                problems.append(f"{where}: table is not in database `{db}`")
            name = tbl.name
            seen.append(name)
            table = by_domain.get(domain, {}).get(name)
            if table is None:
                problems.append(f"{where}: no entity `{domain}.{name}` in the IR")
                continue
            check_table(where, s, table, problems)
            again = sqlglot.parse_one(s.sql(dialect=DIALECT), read=DIALECT)
            if again != s:
                problems.append(f"{where}: round trip changed the statement")
        if sorted(seen) != sorted(by_domain.get(domain, {})):
            problems.append(f"{where0}: tables {sorted(seen)} != entities {sorted(by_domain.get(domain, {}))}")
    return n


def main(argv):
    if not argv:
        print(__doc__)
        return 2
    problems = []
    n = 0
    for d in argv:
        n += check_dir(pathlib.Path(d), problems)
    for p in problems:
        print("FAIL", p)
    print(f"sqlglot {sqlglot.__version__}: {n} CREATE TABLE statements in {len(argv)} cases, {len(problems)} problems")
    return 1 if problems or n == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
