"""Apply lab's answer key to the raw exports and get the truth back; measure the planted rates.

usage: answers_check.py OUT_DIR

OUT_DIR is a `lab compile --out OUT_DIR` of specs whose systems declare a mess, plus
`exports.json` (written by the test from the IR: per export its system, entity, key, column
styles, nested fields, references and declared mess). For every raw export, read by DuckDB
with the dialect its own DDL states:
- every cell of the cell log (`truth/_answers/cells`) holds the logged dirty text and is set
  back to the logged clean text;
- schema drift is undone first (`undrift`): renamed JSON keys are read under their first
  name, a column added from some batch on is compared only from that batch on (it must be
  empty before), a retyped column is parsed in the style of its row's batch; each declared
  drift is one `drift` record of the log with its first batch and detail;
- rows the record log calls exact duplicates appear twice, identical; near duplicates (copies
  in the crosswalk) equal their original once their cells are fixed and their references
  mapped, and are dropped;
- references to a copy are mapped to the original through the target's crosswalk (a key
  that is a reference, such as a profile's churn label keyed by the profile, is mapped too);
- the truth rows missing from the export are exactly the logged orphans; late rows sit in a
  later batch than their day;
- what remains round-trips to the truth as `silo_check.round_trip` checks a clean export
  (styles, vocabularies, composite keys, nested records and GA4 parameters);
- each planted rate (cells per kind over the column's non-null values, duplicates, exact
  duplicates, orphans, late rows) is within four standard deviations of the declared rate
  (at most the declared rate for kinds that cannot apply to every value).
Record keys are matched as the answer key writes them: key columns joined with `|`, dates
and timestamps as the clean value's ISO text.
`fix_exports` is also what `silo_check.py` applies before its round trip when the lake has an
answer key. Exit status 0 when everything holds; otherwise every problem is printed and the
status is 1.
"""

import datetime as dt
import json
import math
import pathlib
import sys
from collections import defaultdict

sys.path.insert(0, str(pathlib.Path(__file__).parent))
import silo_check  # noqa: E402

# Kinds that apply to every non-null value of the columns they are declared on (two-sided
# check): a missing cell, a stray space and a wrong unit change any value, a substitution any
# text with a letter or digit.
ALWAYS = {"missing", "whitespace", "typo_substitute", "wrong_unit"}


def answers(con, out, table):
    path = out / "lake" / "truth" / "_answers" / table / "*" / "*" / "*.parquet"
    if not list((out / "lake" / "truth" / "_answers" / table).glob("*/*/*.parquet")):
        return []
    rel = con.execute("SELECT * FROM read_parquet(?, hive_partitioning=false)", [str(path)])
    cols = [d[0] for d in rel.description]
    return [dict(zip(cols, r)) for r in rel.fetchall()]


def as_text(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def iso_text(col, v):
    """A date or timestamp key column's value as the answer key writes it (Arrow's ISO text)."""
    if not isinstance(v, (dt.date, dt.datetime)):
        v = (silo_check.parse_date if col["kind"] == "date" else silo_check.parse_time)(str(v), col["word"])
    if isinstance(v, dt.datetime):
        s = v.strftime("%Y-%m-%dT%H:%M:%S")
        return s + (f".{v.microsecond // 1000:03d}" if v.microsecond else "")
    return v.isoformat()


def record_key(spec, by_name, row):
    parts = []
    for k in spec["primary_key"]:
        v, col = row[k], by_name[k]
        if isinstance(v, str) and k == spec["primary_key"][0]:
            v = v.lstrip("\ufeff")
        if v is None:
            parts.append("")
        elif col["kind"] in ("date", "time") and not isinstance(v, str):
            # A typed value (Parquet); a text export's key is the text it writes.
            parts.append(iso_text(col, v))
        else:
            parts.append(as_text(v))
    return "|".join(parts)


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


def load(con, out):
    return {t: answers(con, out, t) for t in ("crosswalk", "cells", "records")}


def fix_exports(con, out, raw, specs, key, problems):
    """Applies the answer key to every raw export (`raw`: DDL tables, `specs`: exports.json by
    (system, entity)). Returns per (system, entity) a dict with the DDL table `t`, its `spec`,
    the raw rows, the fixed originals by record key, the crosswalk and the record log."""
    by_export = {name: defaultdict(list) for name in key}
    for name, rows in key.items():
        for r in rows:
            by_export[name][(r["system"], r["entity"])].append(r)
    tables = {}
    for t in raw:
        spec = specs[(t["database"][: -len("_raw")], t["name"])]
        sys_, ent = spec["system"], spec["entity"]
        by_name = {c["name"]: c for c in spec["columns"]}
        nested = {m for f in spec.get("nest", []) for m in silo_check.nested_columns(f)}
        drift = spec.get("drift", [])
        rows = silo_check.duck_read(con, out, t, any("add" in d for d in drift))
        if drift:
            undrift(spec, rows, problems)
        by_key = defaultdict(list)
        for r in rows:
            by_key[record_key(spec, by_name, r)].append(dict(r))
        for c in by_export["cells"][(sys_, ent)]:
            if c["column_name"] in nested:
                problems.append(f"{sys_}.{ent}: a cell of nested {c['column_name']} (not checked here)")
                continue
            for r in by_key.get(c["record_key"], []):
                got = as_text(r[c["column_name"]])
                if got != c["dirty"]:
                    problems.append(f"{sys_}.{ent} {c['record_key']}.{c['column_name']}: raw {got!r}, log says dirty {c['dirty']!r}")
                r[c["column_name"]] = c["clean"]
        cross = {x["record_key"]: x for x in by_export["crosswalk"][(sys_, ent)]}
        recs = by_export["records"][(sys_, ent)]
        if spec.get("drift"):
            check_drift_log(spec, recs, problems)
        if set(by_key) != set(cross):
            extra = sorted(set(by_key) - set(cross))[:3]
            problems.append(f"{sys_}.{ent}: raw keys and crosswalk keys differ ({len(by_key)} vs {len(cross)}; e.g. {extra})")
        tables[(sys_, ent)] = {"t": t, "spec": spec, "rows": rows, "by_key": by_key, "cross": cross, "recs": recs}
    # References to a copy name its original: a copy's key maps to its golden record's
    # original registration.
    originals = {}
    for name, tb in tables.items():
        orig = {x["golden_key"]: k for k, x in tb["cross"].items() if x["copy"] == 0}
        originals[name] = {k: orig.get(x["golden_key"], k) for k, x in tb["cross"].items() if x["copy"] > 0}
    for (sys_, ent), tb in tables.items():
        spec = tb["spec"]
        by_name = {c["name"]: c for c in spec["columns"]}
        exact = {x["record_key"] for x in tb["recs"] if x["kind"] == "exact_duplicate"}
        fixed = {}
        for k, rs in tb["by_key"].items():
            want = 2 if k in exact else 1
            if len(rs) != want:
                problems.append(f"{sys_}.{ent} {k}: exported {len(rs)} times, the log says {want}")
            if any(r != rs[0] for r in rs):
                problems.append(f"{sys_}.{ent} {k}: an exact duplicate differs from its original")
            r = rs[0]
            for ref in spec["references"]:
                if ref["column"] not in r:
                    continue  # a hidden reference is not exported
                to = originals.get((ref["system"], ref["entity"]))
                v = as_text(r[ref["column"]])
                if ref["system"] == sys_ and to and v in to:
                    r[ref["column"]] = to[v]
            fixed[k] = r
        kept = {}
        for k, r in fixed.items():
            x = tb["cross"].get(k)
            if x is None:
                continue
            if x["copy"] == 0:
                kept[record_key(spec, by_name, r)] = r
        for k, r in fixed.items():
            x = tb["cross"].get(k)
            if x is None or x["copy"] == 0:
                continue
            ok = originals[(sys_, ent)].get(k)
            orig = fixed.get(ok)
            if orig is None or ok == k:
                problems.append(f"{sys_}.{ent} {k}: a copy of {x['golden_key']} whose original is not exported")
                continue
            keys = set(spec["primary_key"])
            diff = [c for c in r if c not in keys and not c.startswith("__") and r[c] != orig[c]]
            if diff:
                problems.append(f"{sys_}.{ent} {k}: copy differs from {ok} in {diff} after fixing its cells")
        for x in tb["recs"]:
            if x["kind"] == "late" and x["export_date"] <= x["event_date"]:
                problems.append(f"{sys_}.{ent} {x['record_key']}: late row exported on {x['export_date']}, not after {x['event_date']}")
        tb["originals"] = kept
    return tables


def check_orphans(con, out, tb, problems):
    """The truth rows the export leaves out are exactly the logged orphans."""
    spec = tb["spec"]
    by_name = {c["name"]: c for c in spec["columns"]}
    truth = out / "lake" / "truth" / spec["domain"] / spec["entity"]
    rel = con.execute("SELECT * FROM read_parquet(?, hive_partitioning=false)", [str(truth / "**" / "*.parquet")])
    cols = [d[0] for d in rel.description]
    clean = {record_key(spec, by_name, dict(zip(cols, x))) for x in rel.fetchall()}

    def meaning(key):
        # A record key as the export writes it, its date and time parts as ISO text (the
        # truth's keys are typed values).
        parts = key.split("|")
        if len(parts) != len(spec["primary_key"]):
            return key
        return "|".join(iso_text(by_name[k], p) if by_name[k]["kind"] in ("date", "time") and p else p
                        for k, p in zip(spec["primary_key"], parts))
    orphans = {meaning(x["record_key"]) for x in tb["recs"] if x["kind"] == "orphan"}
    # An orphan's record key is its own clean key; the crosswalk's golden key for an entity
    # with an identity is another entity's, so compare own keys.
    missing = clean - {meaning(k) for k in tb["originals"]}
    if missing != orphans:
        problems.append(f"{spec['system']}.{spec['entity']}: {len(missing)} truth rows not exported, {len(orphans)} logged orphans")
    return len(clean)


def check_rates(tb, n_golden, cells, problems):
    """Cell kinds are measured on the originals' non-null values, noise on the copies' (where
    cell kinds fire first, so noise is checked one-sided)."""
    spec, cross, recs = tb["spec"], tb["cross"], tb["recs"]
    m = spec["mess"]
    name = f"{spec['system']}.{spec['entity']}"
    copy = {k: x["copy"] for k, x in cross.items()}
    planted = defaultdict(int)
    for c in cells:
        planted[(c["column_name"], c["defect"], copy.get(c["record_key"], 0) > 0)] += 1
    values = defaultdict(int)
    for k, rs in tb["by_key"].items():
        if k not in cross:
            continue
        for col, v in rs[0].items():
            if v is not None:
                values[(col, cross[k]["copy"] > 0)] += 1
    for col, kind, rate in m["cells"]:
        within(problems, f"{name}.{col} {kind}", planted[(col, kind, False)], values[(col, False)], rate, kind in ALWAYS)
    for col, kind, rate in m["noise"]:
        within(problems, f"{name}.{col} noise {kind}", planted[(col, kind, True)], values[(col, True)], rate, False)
    kinds = defaultdict(int)
    for x in recs:
        kinds[x["kind"]] += 1
    if m["exact_duplicates"]:
        within(problems, f"{name} exact duplicates", kinds["exact_duplicate"], n_golden, m["exact_duplicates"], True)
    if m["orphans"]:
        within(problems, f"{name} orphans", kinds["orphan"], n_golden, m["orphans"], True)
    # Lateness is drawn per record, so an exact duplicate of a late record is late too: the
    # share is of the exported lines.
    lines = len(cross) + kinds["exact_duplicate"]
    if m["late"]:
        within(problems, f"{name} late", kinds["late"], lines, m["late"]["rate"], True)
    if m["duplicates"]:
        with_copies = len({x["original_key"] for x in recs if x["kind"] == "near_duplicate"})
        within(problems, f"{name} duplicated records", with_copies, n_golden - kinds["orphan"], m["duplicates"]["rate"], True)
    rates = {f"{c} {k}": planted[(c, k, False)] / max(values[(c, False)], 1) for c, k, _ in m["cells"]}
    rates.update({f"{c} noise {k}": planted[(c, k, True)] / max(values[(c, True)], 1) for c, k, _ in m["noise"]})
    for kind, n in (("exact_duplicate", n_golden), ("orphan", n_golden), ("late", lines)):
        if kinds[kind]:
            rates[kind] = kinds[kind] / n
    if kinds["near_duplicate"]:
        rates["duplicated records"] = len({x["original_key"] for x in recs if x["kind"] == "near_duplicate"}) / max(n_golden - kinds["orphan"], 1)
    return rates


def main(argv):
    if len(argv) != 1:
        print(__doc__)
        return 2
    import duckdb
    out = pathlib.Path(argv[0]).resolve()
    problems = []
    specs = {(t["system"], t["entity"]): t for t in json.loads((out / "exports.json").read_text())["tables"]}
    stmts = silo_check.ddl_statements(out, problems)
    con = duckdb.connect()
    key = load(con, out)
    raw = [silo_check.parse_table(s) for f, s in stmts if "/raw/" in str(f) and s.startswith("CREATE EXTERNAL TABLE")]
    tables = fix_exports(con, out, raw, specs, key, problems)
    checked = 0
    measured = {}
    for (sys_, ent), tb in sorted(tables.items()):
        n_golden = check_orphans(con, out, tb, problems)
        mine = [c for c in key["cells"] if (c["system"], c["entity"]) == (sys_, ent)]
        rates = check_rates(tb, n_golden, mine, problems)
        if rates:
            measured[f"{sys_}.{ent}"] = rates
        checked += silo_check.round_trip(con, out, tb["t"], tb["spec"], list(tb["originals"].values()), problems)
    for p in problems[:50]:
        print("FAIL", p)
    for name, rates in measured.items():
        print(f"planted {name}: " + ", ".join(f"{k} {v:.4f}" for k, v in rates.items()))
    print(f"answer key: {len(key['crosswalk'])} crosswalk rows, {len(key['cells'])} cells, {len(key['records'])} records; "
          f"{checked} cells equal the truth; {len(problems)} problems")
    return 1 if problems or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
