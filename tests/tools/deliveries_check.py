"""Apply the increments' answer key to the source systems' deliveries of the daily increments
and get the clean change rows back (docs/time.md, "The systems' deliveries").

usage: deliveries_check.py INC_OUT [DOCS_OUT [FULL_OUT]]

INC_OUT is a `lab compile --increments FROM..TO --out INC_OUT` (without `--clean`) of specs
that declare systems, plus `exports.json` (written by the test from the IR, as for
`answers_check.py`, with each export's `changes_time` style); DOCS_OUT (by default INC_OUT)
holds the documents of the same specs (`--increments` writes none). For every table of its
`ddl/athena/increments/raw/*.sql`:
- DuckDB reads the delivery with the dialect its DDL states (`silo_check.duck_read`: CSV
  separator, quote, header, null token, encoding; JSON Lines with the DDL's types, GA4's nested
  records included; Parquet), partitioned by `dt`;
- every cell of the delivery's cell log (`truth/_answers/increments/raw/cells/`) holds the
  logged dirty text in the change row of its key, `_seq` and `dt`, and is set back to the
  clean text; rows the record log calls exact duplicates appear twice, identical, and one is
  dropped; near-duplicate registrations (copies in the crosswalk) are dropped; every delivered
  key is in the crosswalk;
- what remains equals the clean change rows (`increments/<domain>/<entity>/`, the increments'
  own schema drift coalesced) of the same key, `_seq` and `dt`, value by value through the
  system's styles (`silo_check.expected_and_parsed`; nested fields unnested), the change-data
  columns included (`_event_time`, `_ingested_at` parsed by the system's timestamp style),
  once every reference the record log says was renamed to a near-duplicate registration
  (`reference_to_duplicate`, the column in `detail`) is set back to its original's key (keys
  included: a churn label keyed by its profile);
- the clean change rows that are not delivered are exactly those the record log calls orphans;
- with FULL_OUT (a compile of the same specs and seed, with its systems' exports and answer
  key, e.g. as of the window's last day): a delivered cell defect of a record and column the
  full export's cell log also has with the same clean text is the same defect with the same
  dirty text (the defects come from the same per-record streams), and at least one is compared.
Exit status 0 when everything holds; otherwise every problem is printed and the status is 1.
"""

import datetime as dt
import json
import pathlib
import sys
from collections import defaultdict

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import answers_check  # noqa: E402
import silo_check  # noqa: E402

CDC = ("_op", "_seq", "_event_time", "_ingested_at")


def answers(con, out, table, system, entity):
    folder = out / "lake" / "truth" / "_answers" / "increments" / "raw" / table / system / entity
    if not list(folder.glob("*.parquet")):
        return []
    rel = con.execute("SELECT * FROM read_parquet(?, hive_partitioning=false)", [str(folder / "*.parquet")])
    cols = [d[0] for d in rel.description]
    return [dict(zip(cols, r)) for r in rel.fetchall()]


def clean_rows(con, out, spec):
    """The clean change rows by (key text, _seq, dt), the drift's `<name>_v2` coalesced."""
    folder = out / "lake" / "increments" / spec["domain"] / spec["entity"]
    rel = con.execute("SELECT * FROM read_parquet(?, hive_partitioning=true, union_by_name=true)",
                      [str(folder / "*" / "*.parquet")])
    cols = [d[0] for d in rel.description]
    by_name = {c["name"]: c for c in spec["columns"]}
    out_rows = {}
    for x in rel.fetchall():
        r = dict(zip(cols, x))
        for c in [c for c in r if c.endswith("_v2")]:
            v = r.pop(c)
            if v is not None:
                r[c[: -len("_v2")]] = v
        key = "|".join(silo_check.key_text(by_name[k], r[k], True) or "" for k in spec["primary_key"])
        out_rows[(key, r["_seq"], str(r["dt"]))] = r
    return out_rows


def delivered_key(spec, by_name, row):
    """A delivered row's key as the clean side writes it (dates and times parsed by style)."""
    return "|".join(silo_check.key_text(by_name[k], row[k], False) or "" for k in spec["primary_key"])


def check_table(con, out, t, spec, crosswalks, problems):
    sys_, ent = spec["system"], spec["entity"]
    name = f"{sys_}.{ent}"
    by_name = {c["name"]: c for c in spec["columns"]}
    rows = silo_check.duck_read(con, out, t)
    cross = {x["record_key"]: x for x in crosswalks[(sys_, ent)]}
    cells = answers(con, out, "cells", sys_, ent)
    recs = answers(con, out, "records", sys_, ent)
    latin1 = t["serde_props"].get("serialization.encoding") == "ISO-8859-1"
    # Rows by (record key as the answer key writes it, _seq, dt).
    by_change = defaultdict(list)
    for r in rows:
        k = answers_check.record_key(spec, by_name, r)
        if k not in cross:
            problems.append(f"{name}: delivered key {k!r} is not in the crosswalk")
        by_change[(k, int(r["_seq"]), str(r["dt"]))].append(r)
    for c in cells:
        rs = by_change.get((c["record_key"], c["_seq"], str(c["dt"])), [])
        if not rs:
            problems.append(f"{name} {c['record_key']} {c['_seq']}: a logged cell of no delivered row")
        for r in rs:
            got = answers_check.as_text(r[c["column_name"]])
            if got != c["dirty"]:
                problems.append(f"{name} {c['record_key']}.{c['column_name']}: delivered {got!r}, log says {c['dirty']!r}")
            r[c["column_name"]] = c["clean"]
    # A reference renamed to a near-duplicate registration is set back to the original's key.
    renamed = 0
    for x in recs:
        if x["kind"] != "reference_to_duplicate":
            continue
        rs = by_change.get((x["record_key"], x["_seq"], str(x["dt"])), [])
        if not rs:
            problems.append(f"{name} {x['record_key']} {x['_seq']}: a logged reference of no delivered row")
        for r in rs:
            if answers_check.as_text(r[x["detail"]]) == x["original_key"]:
                problems.append(f"{name} {x['record_key']}.{x['detail']}: logged as renamed, holds the original")
            r[x["detail"]] = x["original_key"]
        renamed += 1
    exact = {(x["record_key"], x["_seq"], str(x["dt"])) for x in recs if x["kind"] == "exact_duplicate"}
    orphans = {(x["record_key"], x["_seq"], str(x["dt"])) for x in recs if x["kind"] == "orphan"}
    clean = clean_rows(con, out, spec)
    seen, checked = set(), 0
    for (k, seq, day), rs in by_change.items():
        x = cross.get(k)
        want = 2 if (k, seq, day) in exact else 1
        if len(rs) != want:
            problems.append(f"{name} {k} {seq} {day}: delivered {len(rs)} times, the log says {want}")
        if any(r != rs[0] for r in rs):
            problems.append(f"{name} {k} {seq}: an exact duplicate differs from its original")
        if x is None or x["copy"] > 0:
            continue
        r = silo_check.unnest(dict(rs[0]), spec, problems, f"{name} {k}")
        ck = (delivered_key(spec, by_name, r), seq, day)
        c = clean.get(ck)
        if c is None:
            problems.append(f"{name} {ck}: a delivered change row with no clean change row")
            continue
        seen.add(ck)
        if r["_op"] != c["_op"]:
            problems.append(f"{name} {ck}: _op {r['_op']!r}, clean {c['_op']!r}")
        for col in ("_event_time", "_ingested_at"):
            style = spec["changes_time"] | {"name": col, "type": "timestamp"}
            w, g = silo_check.expected_and_parsed(style, r[col], c[col], latin1)
            if w != g:
                problems.append(f"{name} {ck}: {col} {r[col]!r} means {g!r}, clean {w!r}")
        for col_name, col in by_name.items():
            if col_name in spec["primary_key"] or col_name not in r:
                continue
            v, cv = r[col_name], c[col_name]
            if isinstance(v, tuple) and v[0] == "param":
                want_v = None if cv is None else silo_check.ga4_value(col, cv, col["codes"])
                if want_v != v[1]:
                    problems.append(f"{name} {ck}: parameter {col_name} {v[1]!r}, clean {want_v!r}")
                checked += 1
                continue
            if isinstance(v, tuple) and v[0] == "array":
                continue
            if v is None or cv is None:
                if (v is None) != (cv is None):
                    problems.append(f"{name} {ck}: {col_name} delivered {v!r}, clean {cv!r}")
                continue
            try:
                w, g = silo_check.expected_and_parsed(col, v, cv, latin1)
            except Exception as e:  # noqa: BLE001 - a value that does not parse is a finding
                problems.append(f"{name} {ck}: {col_name} {v!r} does not parse: {e}")
                continue
            if w != g:
                problems.append(f"{name} {ck}: {col_name} delivered {v!r} means {g!r}, clean {w!r}")
            checked += 1
    missing = set(clean) - seen
    # An orphan's record key is the export's text of its clean key.
    orphan_keys = set()
    for k, seq, day in orphans:
        parts = k.split("|")
        text = "|".join(silo_check.key_text(by_name[c], p, False) or "" for c, p in zip(spec["primary_key"], parts))
        orphan_keys.add((text, seq, day))
    if missing != orphan_keys:
        problems.append(f"{name}: {len(missing)} clean change rows not delivered, {len(orphan_keys)} logged orphans "
                        f"(e.g. {sorted(missing ^ orphan_keys, key=str)[:3]})")
    return len(rows), checked, renamed, len(cells)


def same_as_full(con, out, full, problems):
    """The delivered cells that the full export's cell log has too (same record, column and
    clean text) are the same defect with the same dirty text."""
    inc = out / "lake" / "truth" / "_answers" / "increments" / "raw" / "cells" / "*" / "*" / "*.parquet"
    whole = full / "lake" / "truth" / "_answers" / "cells" / "*" / "*" / "*.parquet"
    rows = con.execute(
        "SELECT d.system, d.entity, d.record_key, d.column_name, d.defect, f.defect, d.dirty, f.dirty "
        "FROM read_parquet(?) d JOIN read_parquet(?) f "
        "USING (system, entity, record_key, column_name) WHERE d.clean IS NOT DISTINCT FROM f.clean",
        [str(inc), str(whole)]).fetchall()
    for r in rows:
        if r[4] != r[5] or r[6] != r[7]:
            problems.append(f"{r[0]}.{r[1]} {r[2]}.{r[3]}: delivered {r[4]} {r[6]!r}, the full export {r[5]} {r[7]!r}")
    if not rows:
        problems.append("no delivered cell defect is in the full export's cell log")
    print(f"defects as in the full export: {len(rows)} delivered cells compared")


def main(argv):
    if len(argv) not in (1, 2, 3):
        print(__doc__)
        return 2
    import duckdb
    out = pathlib.Path(argv[0]).resolve()
    docs = pathlib.Path(argv[1 if len(argv) > 1 else 0]).resolve()
    problems = []
    specs = {(t["system"], t["entity"]): t for t in json.loads((out / "exports.json").read_text())["tables"]}
    con = duckdb.connect()
    tables = []
    for f in sorted((docs / "ddl" / "athena" / "increments" / "raw").glob("*.sql")):
        for s in silo_check.split_statements(f.read_text()):
            if s.startswith("CREATE EXTERNAL TABLE"):
                tables.append(silo_check.parse_table(s))
    crosswalks = {k: answers(con, out, "crosswalk", *k) for k in specs}
    delivered = 0
    total = [0, 0, 0, 0]
    for t in tables:
        system = t["database"][: -len("_raw_increments")]
        spec = specs[(system, t["name"])]
        folder = out / "lake" / "increments" / "raw" / system / t["name"]
        if not folder.is_dir():
            continue
        if t["partition"] != "dt":
            problems.append(f"{system}.{t['name']}: partitioned by {t['partition']}, not dt")
        got = check_table(con, out, t, spec, crosswalks, problems)
        total = [a + b for a, b in zip(total, got)]
        delivered += 1
        print(f"delivered {system}.{t['name']}: {got[0]} rows, {got[3]} cells planted")
    if len(argv) == 3:
        same_as_full(con, out, pathlib.Path(argv[2]).resolve(), problems)
    for p in problems[:50]:
        print("FAIL", p)
    print(f"deliveries: {delivered} tables, {total[0]} rows, {total[3]} planted cells; {total[1]} values equal the clean "
          f"change rows; {total[2]} references to duplicates set back; {len(problems)} problems")
    return 1 if problems or delivered == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
