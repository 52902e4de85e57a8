#!/usr/bin/env python3
"""Checks the consistency law of the daily increments (docs/time.md) on a clean lake of one
domain: the as-of lake of D1 with the change rows of the days after D1 up to D2 (from
whichever partition they arrived in), deduplicated by key and `_seq` and applied in `_seq`
order per key (a delete removes the row, an insert or update replaces it), is exactly the
as-of lake of D2. Also checks the answer key against the change rows and the SCD2 history
against the change rows' order.

Usage: increments_check.py INC_OUT DOMAIN YYYY-MM-DD=AS_OF_OUT... [DOMAIN.]ENTITY=KEY[,KEY]...
(the law is checked for each pair of consecutive dates and for the first and last; an entity
of another domain than DOMAIN is named `domain.entity`). The last line counts the change rows
of each `_op` and the answer key's rows of each kind over all the entities named.
Exit 0 when every check holds, 1 with the failures printed otherwise.
"""
import pathlib
import re
import sys

import duckdb

inc, domain = sys.argv[1:3]
pairs = [a.split("=", 1) for a in sys.argv[3:] if not a.startswith("hard:")]
# `hard:ENTITY=SHARE`: the share of an entity's deletes that are hard (checked when it has
# both kinds and at least 40 deletes).
hard_shares = {a[5:].split("=")[0]: float(a.split("=")[1]) for a in sys.argv[3:] if a.startswith("hard:")}
snaps = [(d, o) for d, o in pairs if re.fullmatch(r"\d{4}-\d{2}-\d{2}", d)]
keys = {(e if "." in e else f"{domain}.{e}"): k for e, k in pairs if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", e)}
windows = list(zip(snaps, snaps[1:])) + ([(snaps[0], snaps[-1])] if len(snaps) > 2 else [])
con = duckdb.connect()
failed = 0
drifts = []


def report(name, bad):
    global failed
    failed += bad != 0
    print(f"{name:60} {'ok' if bad == 0 else f'FAIL ({bad})'}")


def one(sql):
    ((v,),) = con.sql(sql).fetchall()
    return v


for qualified, key in keys.items():
    domain, entity = qualified.split(".", 1)
    k = key.split(",")
    # The clean data: `raw/` when the specs declare no system, else `truth/` (partitioned
    # entities one folder deeper, the partition column left out).
    layer = lambda out: "truth" if pathlib.Path(f"{out}/lake/truth/{domain}").is_dir() else "raw"  # noqa: E731
    # Every file is read once, into a table (the many small partition files are the cost).
    for i, (_, out) in enumerate(snaps):
        con.sql(f"""CREATE OR REPLACE TEMP TABLE snap{i} AS SELECT * FROM
            read_parquet('{out}/lake/{layer(out)}/{domain}/{entity}/**/*.parquet', hive_partitioning = false)""")
    snap = lambda out: f"snap{[o for _, o in snaps].index(out)}"  # noqa: E731
    con.sql(f"""CREATE OR REPLACE TEMP TABLE inc_raw AS SELECT * FROM
        read_parquet('{inc}/lake/increments/{domain}/{entity}/*/*.parquet', hive_partitioning = true, union_by_name = true)""")
    raw = "inc_raw"
    con.sql(f"CREATE OR REPLACE TEMP TABLE inc_answers AS SELECT * FROM read_parquet('{inc}/lake/truth/_answers/increments/{domain}/{entity}/*.parquet')")
    answers = "inc_answers"
    changes = raw
    # The planted schema drift: a column renamed from a day on (undone before the law).
    for detail, day in con.sql(f"SELECT detail, dt FROM {answers} WHERE kind = 'schema_drift'").fetchall():
        old, new = re.fullmatch(r"renamed (\w+) to (\w+)", detail).groups()
        drifts.append(entity)
        bad = one(f"""SELECT count(*) FROM {raw} WHERE (CAST(dt AS DATE) >= DATE '{day}' AND "{old}" IS NOT NULL)
            OR (CAST(dt AS DATE) < DATE '{day}' AND "{new}" IS NOT NULL)""")
        bad += one(f"""SELECT count(*) = 0 FROM {raw} WHERE CAST(dt AS DATE) >= DATE '{day}' AND "{new}" IS NOT NULL""")
        report(f"{entity}: {detail} from {day} on", bad)
        con.sql(f'CREATE OR REPLACE TEMP TABLE inc_undrifted AS SELECT * EXCLUDE ("{new}") REPLACE (coalesce("{old}", "{new}") AS "{old}") FROM {raw}')
        changes = "inc_undrifted"
    cols = [c for (c,) in con.sql(f"SELECT column_name FROM (DESCRIBE SELECT * FROM {snap(snaps[0][1])})").fetchall()]
    collist = ", ".join(f'"{c}"' for c in cols)
    keylist = ", ".join(f'"{c}"' for c in k)
    for (d1, s1), (d2, s2) in windows:
        window = f"_event_time >= TIMESTAMP '{d1}' + INTERVAL 1 DAY AND _event_time < TIMESTAMP '{d2}' + INTERVAL 1 DAY"
        con.sql(f"""CREATE OR REPLACE TEMP VIEW ch AS
            SELECT DISTINCT ON ({keylist}, _seq) * FROM {changes} WHERE {window}""")
        con.sql(f"""CREATE OR REPLACE TEMP VIEW last AS
            SELECT * FROM ch QUALIFY row_number() OVER (PARTITION BY {keylist} ORDER BY _seq DESC) = 1""")
        con.sql(f"""CREATE OR REPLACE TEMP VIEW applied AS
            SELECT {collist} FROM {snap(s1)} s WHERE NOT EXISTS (SELECT 1 FROM last l WHERE {' AND '.join(f'l."{c}" = s."{c}"' for c in k)})
            UNION ALL SELECT {collist} FROM last WHERE _op <> 'delete'""")
        a_minus_b = one(f"SELECT count(*) FROM (SELECT * FROM applied EXCEPT ALL SELECT {collist} FROM {snap(s2)})")
        b_minus_a = one(f"SELECT count(*) FROM (SELECT {collist} FROM {snap(s2)} EXCEPT ALL SELECT * FROM applied)")
        n = one("SELECT count(*) FROM ch")
        report(f"{entity}: snapshot({d1}) + {n} changes = snapshot({d2})", a_minus_b + b_minus_a + int(n == 0))
    # Replays are exact duplicates of a change row (same key and _seq) in a later partition.
    dup = one(f"""SELECT count(*) FROM (SELECT {keylist}, _seq, count(DISTINCT dt) d, count(*) n FROM {changes} GROUP BY ALL) WHERE n > 1""")
    replays = one(f"SELECT count(*) FROM {answers} WHERE kind = 'replay'")
    report(f"{entity}: replayed change rows = answer key's replays ({replays})", dup - replays)
    late = one(f"SELECT count(*) FROM {changes} WHERE CAST(dt AS DATE) > CAST(_event_time AS DATE)")
    late_ans = one(f"SELECT count(*) FROM {answers} WHERE kind IN ('late', 'replay')")
    report(f"{entity}: rows delivered after their day = late + replays ({late})", late - late_ans)
    deletes = one(f"SELECT count(*) FROM {changes} WHERE _op = 'delete'") - one(f"SELECT count(*) FROM {answers} WHERE kind = 'replay' AND (key, _seq) IN (SELECT concat_ws('|', {keylist}), _seq FROM {changes} WHERE _op = 'delete')")
    hard = one(f"SELECT count(*) FROM {answers} WHERE kind = 'hard_delete'")
    report(f"{entity}: delete rows = answer key's hard deletes ({hard})", deletes - hard)
    hist = f"read_parquet('{inc}/lake/truth/_history/{domain}/{entity}/*.parquet')"
    # The entity's own columns named like the history's are `src_<name>` there.
    own = lambda c: f"src_{c}" if c in ("valid_from", "valid_to", "is_current") else c  # noqa: E731
    hkeylist = ", ".join(f'"{own(c)}"' for c in k)
    hcollist = ", ".join(f'"{own(c)}" AS "{c}"' for c in cols)
    hbad = one(f"""SELECT count(*) FROM (SELECT *, lead(valid_from) OVER (PARTITION BY {hkeylist} ORDER BY valid_from) nxt,
        count(*) FILTER (WHERE is_current) OVER (PARTITION BY {hkeylist}) cur FROM {hist})
        WHERE valid_to IS NOT NULL AND valid_to < valid_from OR cur > 1 OR (nxt IS NOT NULL AND valid_to <> nxt)""")
    report(f"{entity}: SCD2 history intervals follow each other", hbad)
    if one(f"SELECT count(*) FROM {hist}"):
        # The current versions of the history are the last image of each key not deleted.
        cur = one(f"""SELECT count(*) FROM (SELECT {hcollist} FROM {hist} WHERE is_current
            EXCEPT ALL SELECT {collist} FROM (SELECT DISTINCT ON ({keylist}, _seq) * FROM {changes}) x
            QUALIFY row_number() OVER (PARTITION BY {keylist} ORDER BY _seq DESC) = 1 AND _op <> 'delete')""")
        report(f"{entity}: history's current rows = last change rows", cur)

report(f"one schema drift planted ({drifts})", int(len(drifts) != 1))
# The planted rates over every change row of the run (`generate::increments`: 3 % late,
# 1 % replayed), when there are enough rows to tell; and the share of hard deletes.
def folder(e, what):
    d, n = e.split(".", 1)
    return f"{inc}/lake/{what}/{d}/{n}"


every = " UNION ALL ".join(f"SELECT _op FROM read_parquet('{folder(e, 'increments')}/*/*.parquet')" for e in keys)
answers = " UNION ALL ".join(
    f"SELECT kind FROM read_parquet('{folder(e, 'truth/_answers/increments')}/*.parquet', union_by_name = true)"
    for e in keys
)
total = one(f"SELECT count(*) FROM ({every})")
kinds = dict(con.sql(f"SELECT kind, count(*) FROM ({answers}) GROUP BY 1").fetchall())
if total >= 3000:
    late = kinds.get("late", 0) / total
    replay = kinds.get("replay", 0) / total
    report(f"late share {late:.4f} of {total} near 0.03", int(not 0.02 <= late <= 0.04))
    report(f"replay share {replay:.4f} near 0.01", int(not 0.005 <= replay <= 0.016))
for e in keys:
    if e.split(".", 1)[1] not in hard_shares and e not in hard_shares:
        continue
    want = hard_shares.get(e, hard_shares.get(e.split(".", 1)[1]))
    # Entities that declare deletes (soft ones among them): the share deleted hard.
    k = dict(con.sql(f"SELECT kind, count(*) FROM read_parquet('{folder(e, 'truth/_answers/increments')}/*.parquet') GROUP BY 1").fetchall())
    deleted = k.get("hard_delete", 0) + k.get("soft_delete", 0)
    if deleted >= 40 and k.get("soft_delete", 0):
        hard = k.get("hard_delete", 0) / deleted
        report(f"{e}: hard share {hard:.3f} of {deleted} deletes near {want}", int(not want - 0.2 <= hard <= want + 0.2))
ops = dict(con.sql(f"SELECT _op, count(*) FROM ({every}) GROUP BY 1").fetchall())
print("kinds: " + " ".join(f"{n}={c}" for n, c in sorted({**ops, **kinds}.items())))
sys.exit(1 if failed else 0)
