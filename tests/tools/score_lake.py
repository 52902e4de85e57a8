"""Submissions for `lab score` written from a compiled lake and its own answer key.

usage: score_lake.py OUT_DIR SUBS_DIR

OUT_DIR is a `lab compile --out OUT_DIR` (without --clean) of any specs whose systems declare a
mess, plus `exports.json` (written by the test from the IR, as for `answers_check.py`: per
export its system, domain, entity, key, batch column, column styles, references and mess). The
raw exports are read through their own DDL by DuckDB (`silo_check.duck_read`). Under SUBS_DIR,
in the layout of docs/scoring.md:

- `perfect/`: the truth — every crosswalk record clustered by its golden key, each export's
  records with the truth's values (a near-duplicate copy takes its original's row), every
  exported entity's truth as its golden table;
- `nothing/`: the raw exports as they are — every record its own cluster, every row parsed in
  its system's style and nothing else, the raw rows as golden tables;
- `pipeline/`: a simple pipeline — texts trimmed, e-mails lower-cased, numbers more than 10
  times their column's median divided by 100 (amounts in cents), one row per record key;
  records clustered by the trimmed, lower-cased e-mail within each group of exports that stand
  for one entity (an export whose `identity` names another entity joins that entity's group),
  references to a record of the same system moved to the first record of its cluster.

It prints, as JSON, what the report must say, computed here from the answer key, the raw
exports and the truth independently of `lab score`: per export the cells, the defective cells
per column (planted cells whose clean and dirty values differ once parsed, plus references to a
near-duplicate copy), the planted cells per defect kind, the record-level defects by kind
(exact duplicates and late rows counted in the raw files, orphans as truth rows not exported,
near duplicates from the crosswalk) and the completeness of each submission; per golden entity
the pair counts and B-cubed of each submission's clusters (pairwise as docs/scoring.md defines
it); per golden table the truth's row count and totals and the submissions' totals.
"""

import datetime as dt
import json
import os
import pathlib
import statistics
import sys
from collections import Counter, defaultdict
from decimal import Decimal, InvalidOperation

import pyarrow as pa
import pyarrow.parquet as pq

sys.dont_write_bytecode = True  # no __pycache__ beside the tools
sys.path.insert(0, str(pathlib.Path(__file__).parent))
from answers_check import undrift  # noqa: E402
from silo_check import ddl_statements, duck_read, nested_columns, parse_date, parse_time, parse_table, styled  # noqa: E402

SUBS = ("perfect", "nothing", "pipeline")


def ts_text(v):
    return v.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def truth_text(v):
    """A truth value in the truth's representation (docs/scoring.md), as text."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dt.datetime):
        return ts_text(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def raw_text(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def number(text):
    """A decimal of a text that is a plain number (no blanks around it), else None."""
    if text is None or text != text.strip():
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def value(col, r):
    """Row `r`'s value of `col` parsed in its batch's style; None where its batch lacks it."""
    if col["name"] in r.get("__absent", ()):
        return None
    return parsed(styled(col, r), r.get(col["name"]))


def parsed(col, v):
    """A raw value parsed in its column's style into the truth's representation; a text that
    is no value of the column's type is kept as it is (the user could not read it either)."""
    if v is None:
        return None
    kind, word = col["kind"], col["word"]
    if isinstance(v, (dt.datetime, dt.date, bool)) and kind != "bool":
        return truth_text(v)
    text = raw_text(v)
    try:
        if kind == "date":
            return parse_date(text, word).isoformat()
        if kind == "time":
            return ts_text(parse_time(text, word))
    except (ValueError, KeyError):
        return text
    if kind == "decimal":
        if word == "comma":
            d = None if "." in text else number(text.replace(",", "."))
        elif word == "minor_units":
            scale = int(col["type"].split(",")[1].rstrip(")"))
            d = number(text).scaleb(-scale) if number(text) is not None else None
        else:
            d = number(text)
        return text if d is None else str(d)
    if kind == "bool":
        yes, no = word.split("/")
        return {yes: "true", no: "false"}.get(text, text)
    if kind == "codes":
        back = {code: value for value, code in col["codes"].items()}
        return back.get(text, text)
    return text


def sort_key(k):
    return (len(k), k)


class Export:
    """One raw export with its answer key and its entity's truth."""

    def __init__(self, con, out, spec, table, answers):
        self.spec = spec
        self.system, self.entity = spec["system"], spec["entity"]
        self.name = f"{self.system}/{self.entity}"
        self.keys = spec["primary_key"]
        self.key_columns = [next(c for c in spec["columns"] if c["name"] == k) for k in self.keys]
        # Columns nested into records or arrays of a JSON Lines export (GA4's event_params)
        # are not columns of the raw table: the pipeline and the checks leave them out.
        nested = {m for f in spec.get("nest", []) for m in nested_columns(f)}
        self.columns = [c for c in spec["columns"] if c["name"] not in self.keys and c["name"] not in nested]
        self.names = [c["name"] for c in spec["columns"]]
        mine = lambda t: [x for x in answers[t] if (x["system"], x["entity"]) == (self.system, self.entity)]  # noqa: E731
        self.crosswalk, self.cells, self.records = mine("crosswalk"), mine("cells"), mine("records")
        self.golden = {x["record_key"]: x for x in self.crosswalk}
        # Record keys as the crosswalk writes them, by their meaning.
        by_meaning = {self.meaning(x["record_key"].split("|")): x["record_key"] for x in self.crosswalk}
        drift = spec.get("drift", [])
        self.rows = duck_read(con, out, table, any("add" in d for d in drift))
        self.problems = []
        # Schema drift undone (renamed columns under their first name; `__absent` and
        # `__styles` per row: columns a batch lacks, and retyped columns' styles).
        if drift:
            undrift(spec, self.rows, self.problems)
        for r in self.rows:
            r["_meaning"] = self.meaning([r[k] for k in self.keys])
            written = "|".join(raw_text(r[k]) or "" for k in self.keys)
            r["_key"] = by_meaning.get(r["_meaning"], written)
            # A key read as text is the text the export writes: the crosswalk must have it.
            if all(isinstance(r[k], str) for k in self.keys) and written not in self.golden:
                self.problems.append(f"{self.name}: the export writes the record key {written!r}, "
                                     f"the crosswalk has no such key (e.g. {self.crosswalk[0]['record_key']!r})"
                                     if self.crosswalk else f"{self.name}: no crosswalk")
        truth = out / "lake" / "truth" / spec["domain"] / self.entity
        rows = pq.read_table(truth).to_pylist()
        self.truth = {self.meaning([r[k] for k in self.keys], truth=True): r for r in rows}
        self.first = {}
        for r in self.rows:
            self.first.setdefault(r["_key"], r)

    def meaning(self, parts, truth=False):
        """A record key's parts (raw values, or the truth's with `truth`) in the truth's
        representation, at the precision the export keeps: the same for a raw record and its
        truth row."""
        out = []
        for c, v in zip(self.key_columns, parts):
            text = truth_text(v) if truth else parsed(c, v)
            if c["kind"] == "time" and c["word"] != "iso" and text:
                text = text[:19]
            out.append(text or "")
        return "|".join(out)

    def truth_row(self, key):
        """The truth's row of a record: a copy's original, else the record's own."""
        x = self.golden[key]
        if x["copy"]:
            key = next(r["original_key"] for r in self.records
                       if r["kind"] == "near_duplicate" and r["record_key"] == key)
        return self.truth[self.meaning(key.split("|"))]

    def key_parts(self, key):
        """A record key's columns as the export writes them."""
        return dict(zip(self.keys, key.split("|")))


def write_parquet(path, rows, names):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    cols = {n: pa.array([r.get(n) for r in rows], pa.string()) for n in names}
    pq.write_table(pa.table(cols), path)


def write_clusters(path, rows):
    import csv
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["system", "entity", "record_key", "cluster"])
        for r in rows:
            w.writerow([r["system"], r["entity"], r["record_key"], r["cluster"] or ""])


def group_of(e):
    """The entity an export's records stand for, as the specs say it: its identity
    reference's target, else itself."""
    ident = e.spec["mess"]["identity"]
    for ref in e.spec["references"]:
        if ref["column"] == ident:
            return ref["entity"]
    return e.entity


def pipeline(exports):
    """The simple pipeline: cleaned rows per export, and a cluster per record."""
    by_name = {(e.system, e.entity): e for e in exports}
    clean = {}
    for e in exports:
        rows = []
        for key, r in e.first.items():
            row = e.key_parts(key)
            for c in e.columns:
                v = value(c, r)
                if v is not None and c["type"] == "string":
                    v = v.strip()
                    if "email" in c["name"]:
                        v = v.lower()
                row[c["name"]] = v
            rows.append(row)
        for c in e.columns:
            if c["type"] == "double" or c["type"].startswith("decimal"):
                values = [number(r[c["name"]]) for r in rows]
                usable = [v for v in values if v is not None]
                if not usable:
                    continue
                median = statistics.median(usable)
                for r, v in zip(rows, values):
                    if v is not None and median > 0 and v > 10 * median:
                        r[c["name"]] = str((v / 100).quantize(Decimal(1).scaleb(v.as_tuple().exponent)))
        clean[e.name] = rows
    clusters = {}
    first_of = {}
    for e in exports:
        email = next((c["name"] for c in e.columns if "email" in c["name"]), None)
        group = group_of(e)
        for row in clean[e.name]:
            key = "|".join(row[k] for k in e.keys)
            if email is None:
                cluster = f"{e.name}|{key}"
            elif row[email]:
                cluster = f"{group}|{row[email]}"
                best = first_of.get((e.name, cluster))
                if best is None or sort_key(key) < sort_key(best):
                    first_of[(e.name, cluster)] = key
            else:
                cluster = None
            clusters[(e.system, e.entity, key)] = cluster
    # References to a record of the same system point at the first record of its cluster.
    for e in exports:
        for ref in e.spec["references"]:
            target = by_name.get((ref["system"], ref["entity"]))
            if ref["system"] != e.system or target is None:
                continue
            for row in clean[e.name]:
                v = row[ref["column"]]
                c = clusters.get((target.system, target.entity, v))
                if v is not None and c is not None:
                    row[ref["column"]] = first_of.get((target.name, c), v)
    return clean, clusters


def pair_scores(records):
    """Pairwise and cross-system pair counts and B-cubed, by the definitions of
    docs/scoring.md: records are (golden key, predicted cluster, system)."""
    def pairs(n):
        return n * (n - 1) // 2

    def count(group_of_record, cross):
        groups = defaultdict(Counter)
        for r in records:
            groups[group_of_record(r)][r[2]] += 1
        return sum(pairs(sum(c.values())) - (sum(pairs(k) for k in c.values()) if cross else 0)
                   for c in groups.values())
    out = {}
    for cross in (False, True):
        name = "cross_system_pairs" if cross else "pairs"
        out[name] = dict(true_positive=count(lambda r: (r[0], r[1]), cross),
                         predicted=count(lambda r: r[1], cross),
                         actual=count(lambda r: r[0], cross))
    n_t, n_p, n_b = Counter(r[0] for r in records), Counter(r[1] for r in records), Counter((r[0], r[1]) for r in records)
    p = sum(k * k / n_p[q] for (_, q), k in n_b.items()) / len(records)
    r_ = sum(k * k / n_t[t] for (t, _), k in n_b.items()) / len(records)
    out["bcubed"] = dict(precision=p, recall=r_)
    return out


def entity_names(out):
    """The report's name of every entity (`domain.entity`): its own name, or the qualified one
    when entities of several domains share it."""
    entities = json.loads((out / "lake" / "_manifest.json").read_text())["entities"]
    count = Counter(e["entity"] for e in entities)
    return {f"{e['domain']}.{e['entity']}": e["entity"] if count[e["entity"]] == 1 else f"{e['domain']}.{e['entity']}"
            for e in entities}


def cluster_expectations(exports, listed, names):
    """Per golden entity, the scores of a clustering `listed` ((system, entity, key) → cluster
    or None for a singleton)."""
    by_golden = defaultdict(list)
    for e in exports:
        for x in e.crosswalk:
            rec = (e.system, e.entity, x["record_key"])
            cluster = listed.get(rec)
            predicted = f"c{cluster}" if cluster is not None else f"s{rec}"
            by_golden[names[x["golden_entity"]]].append((x["golden_key"], predicted, e.system))
    return {g: dict(pair_scores(recs), records=len(recs)) for g, recs in sorted(by_golden.items())}


def export_expectations(e, by_name):
    """What the report must say of an export, counted from the answer key, the raw rows and
    the truth."""
    cols = {c["name"]: c for c in e.columns}
    defective = Counter()
    for c in e.cells:
        col = styled(cols[c["column_name"]], e.first.get(c["record_key"], {}))
        if parsed(col, c["clean"]) != parsed(col, c["dirty"]):
            defective[c["column_name"]] += 1
    for ref in e.spec["references"]:
        target = by_name.get((ref["system"], ref["entity"]))
        if ref["system"] != e.system or target is None:
            continue
        copies = {x["record_key"] for x in target.crosswalk if x["copy"]}
        defective[ref["column"]] += sum(1 for r in e.first.values() if raw_text(r[ref["column"]]) in copies)
    per_key = Counter(r["_key"] for r in e.rows)
    records = Counter()
    records["exact_duplicate"] = sum(1 for n in per_key.values() if n > 1)
    records["near_duplicate"] = sum(1 for x in e.crosswalk if x["copy"])
    records["orphan"] = len(set(e.truth) - {r["_meaning"] for r in e.rows})
    batch = e.spec.get("batch")
    if batch:
        for r in e.rows:
            day = r[batch] if isinstance(r[batch], dt.date) else None
            if day is None:
                col = styled(next(c for c in e.spec["columns"] if c["name"] == batch), r)
                day = dt.datetime.strptime(parsed(col, r[batch])[:10], "%Y-%m-%d").date()
            if isinstance(day, dt.datetime):
                day = day.date()
            if str(r["export_date"]) != day.isoformat():
                records["late"] += 1
    records["drift"] = sum(1 for x in e.records if x["kind"] == "drift")
    return {
        "cells": len(e.first),
        "cells_of": {c: sum(1 for r in e.first.values() if c not in r.get("__absent", ())) for c in cols},
        "defective": {c: defective[c] for c in cols},
        "planted": dict(Counter(c["defect"] for c in e.cells)),
        "records": {k: n for k, n in records.items() if n},
        "repeated_raw_keys": sum(n - 1 for n in per_key.values()),
    }


def totals(rows, columns):
    """The total of every decimal or double column over `rows` (texts; unreadable is null)."""
    out = {}
    for c in columns:
        if c["type"] == "double" or c["type"].startswith("decimal"):
            out[c["name"]] = float(sum(v for v in (number(r.get(c["name"])) for r in rows) if v is not None))
    return out


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    import duckdb
    out, subs = pathlib.Path(argv[0]).resolve(), pathlib.Path(argv[1]).resolve()
    specs = {(t["system"], t["entity"]): t for t in json.loads((out / "exports.json").read_text())["tables"]}
    problems = []
    stmts = ddl_statements(out, problems)
    con = duckdb.connect()
    answers = {}
    for t in ("crosswalk", "cells", "records"):
        # An answer table with nothing to log (specs without cell defects) has no files.
        files = sorted((out / "lake" / "truth" / "_answers" / t).glob("*/*/*.parquet"))
        if not files:
            answers[t] = []
            continue
        rel = con.execute("SELECT * FROM read_parquet(?, hive_partitioning=false, union_by_name=true)",
                          [[str(f) for f in files]])
        names = [d[0] for d in rel.description]
        answers[t] = [dict(zip(names, r)) for r in rel.fetchall()]
    raw = [parse_table(s) for f, s in stmts if "/raw/" in str(f) and s.startswith("CREATE EXTERNAL TABLE")]
    exports = sorted((Export(con, out, specs[(t["database"][: -len("_raw")], t["name"])], t, answers)
                      for t in raw), key=lambda e: e.name)
    problems += [p for e in exports for p in e.problems[:3]]
    if problems:
        for p in problems:
            print("FAIL", p, file=sys.stderr)
        return 1
    by_name = {(e.system, e.entity): e for e in exports}
    names = entity_names(out)
    listed = {s: {} for s in SUBS}
    for e in exports:
        for x in e.crosswalk:
            rec = (e.system, e.entity, x["record_key"])
            listed["perfect"][rec] = f"{x['golden_entity']}|{x['golden_key']}"
            listed["nothing"][rec] = "|".join(rec)
    clean, listed["pipeline"] = pipeline(exports)
    expect = {"exports": {}, "clusters": {}, "unified": {}}
    for s in SUBS:
        write_clusters(subs / s / "clusters.csv",
                       [dict(system=k[0], entity=k[1], record_key=k[2], cluster=c) for k, c in listed[s].items()])
        expect["clusters"][s] = cluster_expectations(exports, listed[s], names)
    for e in exports:
        perfect = []
        for x in e.crosswalk:
            row = {c: truth_text(v) for c, v in e.truth_row(x["record_key"]).items()}
            row.update(e.key_parts(x["record_key"]))
            perfect.append(row)
        nothing = [{**e.key_parts(r["_key"]),
                    **{c["name"]: value(c, r) for c in e.columns}} for r in e.rows]
        for s, rows in (("perfect", perfect), ("nothing", nothing), ("pipeline", clean[e.name])):
            write_parquet(subs / s / "clean" / e.system / f"{e.entity}.parquet", rows, e.names)
        ex = export_expectations(e, by_name)
        keys = {x["record_key"] for x in e.crosswalk}
        for s, rows in (("perfect", perfect), ("nothing", nothing), ("pipeline", clean[e.name])):
            given = Counter("|".join(r[k] for k in e.keys) for r in rows)
            ex[f"completeness_{s}"] = dict(expected=len(keys), found=len(keys & set(given)),
                                           missing=len(keys - set(given)), extra=len(set(given) - keys),
                                           repeated=sum(n - 1 for n in given.values()))
        expect["exports"][e.name] = ex
        # Golden tables: the truth; the raw rows; the pipeline's rows, one per cluster.
        golden = names[f"{e.spec['domain']}.{e.entity}"]
        if golden in expect["unified"]:
            continue
        truth_rows = pq.read_table(out / "lake" / "truth" / e.spec["domain"] / e.entity)
        pq.write_table(truth_rows, _mkdir(subs / "perfect" / "unified" / f"{golden}.parquet"))
        write_parquet(subs / "nothing" / "unified" / f"{golden}.parquet", nothing, e.names)
        seen, unified = set(), []
        for r in clean[e.name]:
            c = listed["pipeline"].get((e.system, e.entity, "|".join(r[k] for k in e.keys)))
            if c is None or c not in seen:
                unified.append(r)
            seen.add(c)
        write_parquet(subs / "pipeline" / "unified" / f"{golden}.parquet", unified, e.names)
        expect["unified"][golden] = dict(
            rows=truth_rows.num_rows,
            truth=totals([{c: truth_text(v) for c, v in r.items()} for r in truth_rows.to_pylist()], e.columns),
            nothing=totals(nothing, e.columns), pipeline=totals(unified, e.columns),
            user_rows=dict(nothing=len(nothing), pipeline=len(unified)))
    for p in problems:
        print("FAIL", p, file=sys.stderr)
    print(json.dumps(expect, indent=1, sort_keys=True))
    return 1 if problems else 0


def _mkdir(path):
    os.makedirs(path.parent, exist_ok=True)
    return str(path)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
