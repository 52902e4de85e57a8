"""Apply lab's answer key to the raw exports and get the truth back; measure the planted rates.

usage: answers_check.py OUT_DIR

OUT_DIR is a `lab compile --out OUT_DIR` of specs whose systems declare a mess, plus
`exports.json` (written by the test from the IR: per export its system, entity, key, column
styles, references and declared mess). For every raw export, read by DuckDB with the dialect
its own DDL states:
- every cell of the cell log (`truth/_answers/cells`) holds the logged dirty text and is set
  back to the logged clean text;
- schema drift is undone first (`undrift`): renamed JSON keys are read under their first
  name, a column added from some batch on is compared only from that batch on (it must be
  empty before), a retyped column is parsed in the style of its row's batch; each declared
  drift is one `drift` record of the log with its first batch and detail;
- rows the record log calls exact duplicates appear twice, identical; near duplicates (copies
  in the crosswalk) equal their original once their cells are fixed, and are dropped;
- references to a copy are mapped to the original through the target's crosswalk;
- the truth rows missing from the export are exactly the logged orphans; late rows sit in the
  batch folder of their logged export date;
- what remains, parsed by its style, equals the truth (`silo_check.expected_and_parsed`);
- each planted rate (cells per kind, duplicates, exact duplicates, orphans, late rows) is
  within four standard deviations of the declared rate (at most the declared rate for kinds
  that cannot apply to every value).
Exit status 0 when everything holds; otherwise every problem is printed and the status is 1.
"""

import json
import math
import pathlib
import sys
from collections import defaultdict

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from silo_check import ddl_statements, duck_read, expected_and_parsed, parse_table  # noqa: E402

# Kinds that apply to every non-null value of the test specs' columns (two-sided check).
ALWAYS = {"missing", "whitespace", "typo_substitute", "typo_transpose", "wrong_unit"}


def answers(con, out, table):
    path = out / "lake" / "truth" / "_answers" / table / "*" / "*" / "*.parquet"
    rel = con.execute("SELECT * FROM read_parquet(?, hive_partitioning=false)", [str(path)])
    cols = [d[0] for d in rel.description]
    return [dict(zip(cols, r)) for r in rel.fetchall()]


def as_text(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def within(problems, what, planted, n, rate, two_sided):
    if n == 0:
        return
    sd = math.sqrt(max(rate * (1 - rate), 1e-12) / n)
    got = planted / n
    if got > rate + 4 * sd + 1e-9 or (two_sided and got < rate - 4 * sd - 1e-9):
        problems.append(f"{what}: planted {got:.4f} ({planted}/{n}), declared {rate}")


def undrift(spec, rows, problems):
    """Undoes an export's schema drift in the rows read through its DDL (whose `export_date`
    is the batch): a JSON key renamed from some batch on is read back under its first name (a
    CSV is read by position, so its header's names do not matter); a column added from some
    batch on must be empty before it and is marked absent there (`__absent`: compared only
    from its batch on); a retyped column's style from its batch on is noted (`__styles`), to
    parse it by."""
    name = f"{spec['system']}.{spec['entity']}"
    for r in rows:
        day = str(r.get("export_date"))
        r["__absent"], r["__styles"] = set(), {}
        for d in spec["drift"]:
            col = d["column"]
            if "rename" in d and d["rename"] in r:
                new = r.pop(d["rename"])
                if day >= d["from"]:
                    if r.get(col) is not None:
                        problems.append(f"{name} {day}: {col} holds a value in a batch that renamed it")
                    r[col] = new
                elif new is not None:
                    problems.append(f"{name} {day}: {d['rename']} holds a value before its rename")
            elif "add" in d and day < d["from"]:
                if r.get(col) is not None:
                    problems.append(f"{name} {day}: {col} holds a value before it was added")
                r["__absent"].add(col)
            elif "retype" in d and day >= d["from"]:
                r["__styles"][col] = d["retype"]


def check_drift_log(spec, recs, problems):
    """Every drift of the spec is one `drift` record of the log, at its first batch, whose
    detail names the change."""
    name = f"{spec['system']}.{spec['entity']}"
    logged = sorted((str(x["export_date"]), x["detail"]) for x in recs if x["kind"] == "drift")
    want = []
    for d in spec["drift"]:
        col = d["column"]
        if "rename" in d:
            want.append((d["from"], f"{col} renamed to {d['rename']}"))
        elif "add" in d:
            want.append((d["from"], f"{col} added"))
        else:
            got = [x for x in logged if x[0] == d["from"] and x[1].startswith(f"{col} retyped: ")]
            want.append(got[0] if got else (d["from"], f"{col} retyped: …"))
    if logged != sorted(want):
        problems.append(f"{name}: drift records {logged}, the spec declares {sorted(want)}")


def check_export(con, out, t, spec, crosswalk, cells, records, problems):
    sys_, ent = spec["system"], spec["entity"]
    key = spec["primary_key"][0]
    rows = duck_read(con, out, t, pad=any("add" in d for d in spec["drift"]))
    undrift(spec, rows, problems)
    by_key = defaultdict(list)
    for r in rows:
        by_key[as_text(r[key])].append(r)
    mine = [c for c in cells if (c["system"], c["entity"]) == (sys_, ent)]
    for c in mine:
        for r in by_key.get(c["record_key"], []):
            got = as_text(r[c["column_name"]])
            if got != c["dirty"]:
                problems.append(f"{sys_}.{ent} {c['record_key']}.{c['column_name']}: raw {got!r}, log says dirty {c['dirty']!r}")
            r[c["column_name"]] = c["clean"]
    cross = {x["record_key"]: x for x in crosswalk if (x["system"], x["entity"]) == (sys_, ent)}
    recs = [x for x in records if (x["system"], x["entity"]) == (sys_, ent)]
    check_drift_log(spec, recs, problems)
    exact = {x["record_key"] for x in recs if x["kind"] == "exact_duplicate"}
    if set(by_key) != set(cross):
        problems.append(f"{sys_}.{ent}: raw keys and crosswalk keys differ ({len(by_key)} vs {len(cross)})")
    fixed = {}
    for k, rs in by_key.items():
        want = 2 if k in exact else 1
        if len(rs) != want:
            problems.append(f"{sys_}.{ent} {k}: exported {len(rs)} times, the log says {want}")
        if any(r != rs[0] for r in rs):
            problems.append(f"{sys_}.{ent} {k}: an exact duplicate differs from its original")
        fixed[k] = rs[0]
    originals = {}
    for k, r in fixed.items():
        x = cross.get(k)
        if x is None:
            continue
        if x["copy"] == 0:
            originals[x["golden_key"]] = (k, r)
    for k, r in fixed.items():
        x = cross.get(k)
        if x is None or x["copy"] == 0:
            continue
        ok, orig = originals.get(x["golden_key"], (None, None))
        if orig is None:
            problems.append(f"{sys_}.{ent} {k}: a copy of {x['golden_key']} whose original is not exported")
            continue
        diff = [c for c in r if c != key and not c.startswith("__") and r[c] != orig[c]]
        if diff:
            problems.append(f"{sys_}.{ent} {k}: copy differs from {ok} in {diff} after fixing its cells")
    # Late rows sit in their logged export batch.
    for x in recs:
        if x["kind"] == "late" and x["export_date"] <= x["event_date"]:
            problems.append(f"{sys_}.{ent} {x['record_key']}: late row exported on {x['export_date']}, not after {x['event_date']}")
    return rows, {k: r for k, r in ((o[0], o[1]) for o in originals.values())}, cross, recs


def check_rates(spec, cross, recs, n_golden, mine_cells, problems):
    """Cell kinds are measured on the originals, noise on the copies (where cell kinds fire
    first, so noise is checked one-sided)."""
    m = spec["mess"]
    name = f"{spec['system']}.{spec['entity']}"
    copy = {k: x["copy"] for k, x in cross.items()}
    planted = defaultdict(int)
    for c in mine_cells:
        planted[(c["column_name"], c["defect"], copy.get(c["record_key"], 0) > 0)] += 1
    n_orig = sum(1 for x in cross.values() if x["copy"] == 0)
    n_copies = len(cross) - n_orig
    for col, kind, rate in m["cells"]:
        within(problems, f"{name}.{col} {kind}", planted[(col, kind, False)], n_orig, rate, kind in ALWAYS)
    for col, kind, rate in m["noise"]:
        within(problems, f"{name}.{col} noise {kind}", planted[(col, kind, True)], n_copies, rate, False)
    kinds = defaultdict(int)
    for x in recs:
        kinds[x["kind"]] += 1
    if m["exact_duplicates"]:
        within(problems, f"{name} exact duplicates", kinds["exact_duplicate"], n_golden, m["exact_duplicates"], True)
    if m["orphans"]:
        within(problems, f"{name} orphans", kinds["orphan"], n_golden, m["orphans"], True)
    if m["late"]:
        within(problems, f"{name} late", kinds["late"], len(cross), m["late"]["rate"], True)
    if m["duplicates"]:
        with_copies = len({x["original_key"] for x in recs if x["kind"] == "near_duplicate"})
        within(problems, f"{name} duplicated records", with_copies, n_golden - kinds["orphan"], m["duplicates"]["rate"], True)


def main(argv):
    if len(argv) != 1:
        print(__doc__)
        return 2
    import duckdb
    out = pathlib.Path(argv[0]).resolve()
    problems = []
    specs = {(t["system"], t["entity"]): t for t in json.loads((out / "exports.json").read_text())["tables"]}
    stmts = ddl_statements(out, problems)
    con = duckdb.connect()
    crosswalk, cells, records = (answers(con, out, t) for t in ("crosswalk", "cells", "records"))
    raw = [parse_table(s) for f, s in stmts if "/raw/" in str(f) and s.startswith("CREATE EXTERNAL TABLE")]
    golden = {}
    fixed = {}
    for t in raw:
        spec = specs[(t["database"][: -len("_raw")], t["name"])]
        rows, originals, cross, recs = check_export(con, out, t, spec, crosswalk, cells, records, problems)
        fixed[(spec["system"], spec["entity"])] = (t, spec, originals, recs)
        golden[(spec["system"], spec["entity"])] = {k: x["golden_key"] for k, x in cross.items()}
        mine = [c for c in cells if (c["system"], c["entity"]) == (spec["system"], spec["entity"])]
        truth_rows = con.execute(
            "SELECT count(*) FROM read_parquet(?)",
            [str(out / "lake" / "truth" / spec["domain"] / spec["entity"] / "*.parquet")]).fetchone()[0]
        check_rates(spec, cross, recs, truth_rows, mine, problems)
    checked = 0
    for (sys_, ent), (t, spec, originals, recs) in fixed.items():
        # References to a copy name its original.
        for ref in spec["references"]:
            target = golden.get((ref["system"], ref["entity"]))
            if ref["system"] != sys_ or target is None:
                continue
            for r in originals.values():
                v = as_text(r[ref["column"]])
                if v is not None and v in target:
                    r[ref["column"]] = target[v]
        key = spec["primary_key"][0]
        truth = out / "lake" / "truth" / spec["domain"] / spec["entity"]
        rel = con.execute("SELECT * FROM read_parquet(?)", [str(truth / "*.parquet")])
        cols = [d[0] for d in rel.description]
        clean = {as_text(r[key]): r for r in (dict(zip(cols, x)) for x in rel.fetchall())}
        orphans = {x["record_key"] for x in recs if x["kind"] == "orphan"}
        missing = set(clean) - set(originals)
        if missing != orphans:
            problems.append(f"{sys_}.{ent}: {len(missing)} truth rows not exported, {len(orphans)} logged orphans")
        latin1 = t["serde_props"].get("serialization.encoding") == "ISO-8859-1"
        for k, r in originals.items():
            c_row = clean.get(k)
            if c_row is None:
                problems.append(f"{sys_}.{ent} {k}: not in the truth")
                continue
            for col in spec["columns"]:
                if col["name"] in r["__absent"]:
                    continue
                v, c = r[col["name"]], c_row[col["name"]]
                if col["name"] == key or (v is None and c is None):
                    continue
                col = {**col, **r["__styles"].get(col["name"], {})}
                if (v is None) != (c is None):
                    problems.append(f"{sys_}.{ent} {k}: {col['name']} {v!r} after the answer key, truth {c!r}")
                    continue
                try:
                    want, got = expected_and_parsed(col, v, c, latin1)
                except Exception as e:  # noqa: BLE001 - a value that does not parse is a finding
                    problems.append(f"{sys_}.{ent} {k}: {col['name']} {v!r} does not parse: {e}")
                    continue
                if want != got and not (isinstance(want, str) and str(got) == want):
                    problems.append(f"{sys_}.{ent} {k}: {col['name']} {got!r} after the answer key, truth {want!r}")
                checked += 1
    for p in problems[:50]:
        print("FAIL", p)
    print(f"answer key: {len(crosswalk)} crosswalk rows, {len(cells)} cells, {len(records)} records; "
          f"{checked} cells equal the truth; {len(problems)} problems")
    return 1 if problems or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
