#!/usr/bin/env python3
"""Self-test of realism.py: a tiny hand-made lake whose measures are known.

Usage: realism_selftest.py   (exit 0 when every check holds)

Writes a lake of a few rows per table with pyarrow into a temporary directory (the layout
`lab compile` writes: `_manifest.json` plus `raw/<domain>/<entity>/part-00000.parquet`), runs
the realism measures on it and compares each value with the one worked out by hand in the
comments below. Needs duckdb and pyarrow (the project's .venv has both).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
import realism  # noqa: E402

T = datetime  # timestamps
D = date


def write_lake(root: Path, tables: dict[str, dict[str, list]]) -> Path:
    lake = root / "lake"
    entities = []
    for name, cols in tables.items():
        domain, entity = name.split(".")
        rel = f"raw/{domain}/{entity}/part-00000.parquet"
        (lake / rel).parent.mkdir(parents=True, exist_ok=True)
        tbl = pa.table(cols)
        pq.write_table(tbl, lake / rel)
        entities.append({"domain": domain, "entity": entity, "rows": tbl.num_rows,
                         "files": [{"path": rel, "format": "parquet", "rows": tbl.num_rows}]})
    (lake / "_manifest.json").write_text(json.dumps({"seed": 1, "scale": 0.0, "entities": entities}))
    return lake


def tiny_lake() -> dict[str, dict[str, list]]:
    ts = pa.timestamp("us")
    return {
        # Customers C1..C4 register in 2023 (2) and 2024 (2): new-customer growth 2024 = 0 %.
        "ecommerce.customers": {
            "customer_id": ["C1", "C2", "C3", "C4"],
            "created_at": pa.array([T(2023, 1, 10), T(2023, 2, 1), T(2024, 3, 1), T(2024, 5, 1)], ts),
            "first_order_at": pa.array([T(2023, 3, 1), T(2024, 12, 1), T(2024, 6, 1), None], ts),
        },
        # Not cancelled: O1 100, O2 200, O3 60, O5 140 → AOV 125; C1 has two orders, C2 and C3 one
        # each → repeat rate 1/3; 2023: 2 orders, 2024: 2 → order growth 2024 = 0 %.
        "ecommerce.orders": {
            "order_id": ["O1", "O2", "O3", "O4", "O5"],
            "customer_id": ["C1", "C1", "C2", "C3", "C3"],
            "ordered_at": pa.array([T(2023, 3, 1), T(2023, 11, 15), T(2024, 12, 1), T(2024, 6, 1), T(2024, 7, 1)], ts),
            "is_cancelled": [False, False, False, True, False],
            "total": [100.0, 200.0, 60.0, 40.0, 140.0],
        },
        # Units sold (not cancelled) 2+1+4+1+2 = 10, line value 500; apparel units 2+4 = 6.
        # Product P1 has 3 of the 6 lines and 290 of the 540 line value.
        "ecommerce.order_items": {
            "order_id": ["O1", "O1", "O2", "O3", "O4", "O5"],
            "line_no": [1, 2, 1, 1, 1, 1],
            "product_id": [1, 2, 1, 3, 1, 2],
            "quantity": [2, 1, 4, 1, 1, 2],
            "category": ["apparel", "home", "apparel", "electronics", "apparel", "home"],
            "line_total": [50.0, 50.0, 200.0, 60.0, 40.0, 140.0],
        },
        # Returned 1 + 2 = 3 units (30 %), refunds 25 + 100 = 125 (25 %), apparel 3/6 = 50 %.
        "ecommerce.returns": {
            "order_id": ["O1", "O2"], "line_no": [1, 1], "quantity": [1, 2], "refund_amount": [25.0, 100.0],
        },
        # Five sessions, two purchases (40 %); S2 not engaged (bounce 20 %); durations 100, 5,
        # 200, 300, 50 s → p50 100 s; channels: organic 2, direct 1, paid search 1, email 1.
        "web.sessions": {
            "session_key": ["S1", "S2", "S3", "S4", "S5"],
            "transaction_id": ["O1", None, None, "O2", None],
            "device_category": ["mobile", "mobile", "desktop", "desktop", "desktop"],
            "engaged": [True, False, True, True, True],
            "started_at": pa.array([T(2024, 1, 1)] * 5, ts),
            "ended_at": pa.array([T(2024, 1, 1) + timedelta(seconds=s) for s in (100, 5, 200, 300, 50)], ts),
            "source_medium": ["google / organic", "(direct) / (none)", "google / cpc", "google / organic", "newsletter / email"],
        },
        "web.traffic_sources": {
            "source_medium": ["google / organic", "(direct) / (none)", "google / cpc", "newsletter / email", "instagram / social"],
            "channel_group": ["Organic Search", "Direct", "Paid Search", "Email", "Organic Social"],
        },
        # Add to cart reached by S1, S3, S4, S5; purchases S1, S4 → abandonment 2/4 = 50 %;
        # mobile (S1) 0 %, desktop (S3, S4, S5) 2/3.
        "web.funnel_steps": {
            "session_key": ["S1"] * 4 + ["S3"] * 2 + ["S4"] * 4 + ["S5"] * 3,
            "step_no": [1, 2, 3, 4, 1, 2, 1, 2, 3, 4, 1, 2, 3],
        },
        # Page views 3 + 1 + 2 + 4 + 0 = 10 over 5 sessions → 2.0 per session.
        "web.events": {
            "session_key": ["S1"] * 4 + ["S2"] * 2 + ["S3"] * 2 + ["S4"] * 5 + ["S5"],
            "event_name": ["session_start", "page_view", "page_view", "page_view", "session_start", "page_view",
                           "page_view", "page_view", "session_start", "page_view", "page_view", "page_view", "page_view",
                           "session_start"],
        },
        "marketing.campaigns": {
            "campaign_id": ["CS", "CM"], "channel": ["google_search", "meta"], "objective": ["conversions", "leads"],
        },
        # Search: 40 clicks, 500 impressions, spend 140, 3 conversions → CTR 8 %, CPC 3.5, CVR 7.5 %.
        # Meta: CPM 20 outside Q4, 30 in Q4 → uplift +50 %; CTR 40/2000 = 2 %.
        "marketing.daily_performance": {
            "ad_id": ["A1", "A1", "A2", "A2"],
            "performance_date": [D(2024, 3, 1), D(2024, 3, 2), D(2024, 2, 1), D(2024, 11, 1)],
            "campaign_id": ["CS", "CS", "CM", "CM"],
            "clicks": [10, 30, 20, 20], "impressions": [200, 300, 1000, 1000],
            "spend": [50.0, 90.0, 20.0, 30.0], "conversions": [1, 2, 2, 2],
        },
        # Leads: 4 created, 3 MQL, 2 SQL, 1 opportunity, 1 customer. Meta lead CVR 3/40 = 7.5 %,
        # Meta CPL 50/3, Search CPL 140/1; visit→lead 4/80 = 5 %.
        "marketing.leads": {
            "lead_id": ["L1", "L2", "L3", "L4"],
            "ad_id": ["A2", "A2", "A2", "A1"],
            "performance_date": [D(2024, 2, 1), D(2024, 2, 1), D(2024, 11, 1), D(2024, 3, 1)],
            "campaign_id": ["CM", "CM", "CM", "CS"],
            "created_at": pa.array([T(2024, 2, 1)] * 3 + [T(2024, 3, 1)], ts),
            "mql_at": pa.array([T(2024, 2, 2), T(2024, 2, 2), None, T(2024, 3, 2)], ts),
            "sql_at": pa.array([T(2024, 2, 3), None, None, T(2024, 3, 3)], ts),
            "opp_at": pa.array([T(2024, 2, 4), None, None, None], ts),
            "customer_at": pa.array([T(2024, 2, 5), None, None, None], ts),
        },
        # Card I1 (100, Jan 30, paid Feb 2): AR end of Jan 100 → DSO 100·31/100 = 31 d.
        # B2B (I4 written off, left out): Jan invoiced 1500, Mar 300; paid Feb 1000, Mar 500 + 300.
        # AR ends: Jan 1500 (×31), Feb 500 (×29), Mar 0 → DSO (46500 + 14500)/1800 = 33.89 d.
        # Overdue: I2 paid late, I3 paid late, I4 unpaid, I5 on time → 3/4. Write-off 200/2000.
        "finance.invoices": {
            "invoice_id": ["I1", "I2", "I3", "I4", "I5"],
            "terms_days": [0, 30, 30, 30, 30],
            "invoice_date": [D(2024, 1, 30), D(2024, 1, 5), D(2024, 1, 20), D(2024, 2, 1), D(2024, 3, 1)],
            "due_date": [D(2024, 1, 30), D(2024, 2, 4), D(2024, 2, 19), D(2024, 3, 2), D(2024, 3, 31)],
            "total": [100.0, 1000.0, 500.0, 200.0, 300.0],
            "amount_paid": [100.0, 1000.0, 500.0, 0.0, 300.0],
            "status": ["paid", "paid", "paid", "written_off", "paid"],
        },
        "finance.payments": {
            "payment_id": ["P1", "P2", "P3", "P5"],
            "invoice_id": ["I1", "I2", "I3", "I5"],
            "payment_date": [D(2024, 2, 2), D(2024, 2, 10), D(2024, 3, 1), D(2024, 3, 15)],
            "amount": [100.0, 1000.0, 500.0, 300.0],
        },
        # K1 (SMB) churns 2024-11-15, K2 (SMB) stays, K3 (ENT) churns 2025-07-01, K4 never ordered.
        "crm.customers": {
            "crm_id": ["K1", "K2", "K3", "K4"], "customer_id": ["C1", "C2", "C3", "C4"],
            "segment": ["SMB", "SMB", "ENT", "B2C"],
            "churned_at": pa.array([T(2024, 11, 15), None, T(2025, 7, 1), None], ts),
        },
        # Three tickets over five orders → 60 per 100. First response 1, 3, 2 h → median 2 h;
        # resolved after 5 and 9 h → median 7 h; CSAT 1 of 2 ratings ≥ 4; FCR 1 of 2 solved;
        # WISMO 2 of 3.
        "crm.support_tickets": {
            "ticket_id": ["T1", "T2", "T3"], "crm_id": ["K1", "K1", "K2"],
            "created_at": pa.array([T(2024, 5, 1)] * 3, ts),
            "first_response_at": pa.array([T(2024, 5, 1, 1), T(2024, 5, 1, 3), T(2024, 5, 1, 2)], ts),
            "resolved_at": pa.array([T(2024, 5, 1, 5), T(2024, 5, 1, 9), None], ts),
            "csat": pa.array([5, 3, None], pa.int32()),
            "first_contact_resolution": [True, False, False],
            "category": ["wismo", "billing", "wismo"],
        },
        # One interaction of two after the snapshot → 50 %.
        "crm.interactions": {
            "interaction_id": ["N1", "N2"], "occurred_at": pa.array([T(2026, 5, 1), T(2027, 1, 5)], ts),
        },
    }


def churn_by_hand() -> dict[str, float]:
    """Churned ÷ active customer-months, month starts from 2023-04 (the month after the first
    order) to 2026-12, counted with a plain loop rather than SQL."""
    custs = [("SMB", T(2023, 3, 1), T(2024, 11, 15)), ("SMB", T(2024, 12, 1), None), ("ENT", T(2024, 6, 1), T(2025, 7, 1))]
    months = [T(y, m, 1) for y in range(2023, 2027) for m in range(1, 13) if T(y, m, 1) >= T(2023, 4, 1)]
    tally: dict[str, list[int]] = {}
    for seg, first, churned in custs:
        for i, m0 in enumerate(months):
            m1 = months[i + 1] if i + 1 < len(months) else T(2027, 1, 1)
            if first < m0 and (churned is None or churned >= m0):
                t = tally.setdefault(seg, [0, 0])
                t[1] += 1
                t[0] += int(churned is not None and m0 <= churned < m1)
    return {seg: a / b for seg, (a, b) in tally.items()}


def main() -> int:
    hand_churn = churn_by_hand()
    assert abs(hand_churn["SMB"] - 1 / 44) < 1e-12 and abs(hand_churn["ENT"] - 1 / 13) < 1e-12, hand_churn
    expected = {
        "aov": 125.0,
        "repeat_rate": 1 / 3,
        "return_rate_units": 0.30,
        "return_rate_value": 0.25,
        "return_rate_apparel": 0.50,
        "ecom_conversion": 0.40,
        "bounce_rate": 0.20,
        "session_p50": 100.0,
        "pages_per_session": 2.0,
        "cart_abandonment": 0.50,
        "cart_abandonment_mobile": 0.0,
        "cart_abandonment_desktop": 2 / 3,
        "mix_organic": 0.40,
        "mix_direct": 0.20,
        "mix_paid_search": 0.20,
        "mix_email": 0.20,
        "mix_social": 0.0,
        "search_ctr": 0.08,
        "search_cpc": 3.5,
        "search_cvr": 0.075,
        "search_cpl": 140.0,
        "meta_ctr": 0.02,
        "meta_cpm": 25.0,
        "meta_cpm_q4_uplift": 0.5,
        "meta_lead_cvr": 0.075,
        "meta_cpl": 50 / 3,
        "funnel_visit_lead": 0.05,
        "funnel_lead": 0.75,
        "funnel_mql": 2 / 3,
        "funnel_sql": 0.5,
        "funnel_opp": 1.0,
        "dso_card": 31.0,
        "dso_b2b": 61000 / 1800,
        "b2b_overdue": 0.75,
        "b2b_writeoff": 0.10,
        "tickets_per_100_orders": 60.0,
        "frt_median": 2.0,
        "resolution_median": 7.0,
        "csat": 0.5,
        "fcr": 0.5,
        "wismo_share": 2 / 3,
        "churn_smb": hand_churn["SMB"],
        "churn_ent": hand_churn["ENT"],
        "order_growth_2024": 0.0,
        "order_growth_2025": -1.0,
        "customer_growth_2024": 0.0,
        "top_product_lines": 0.5,
        "top_product_revenue": 290 / 540,
        "after_snapshot_crm_interactions": 0.5,
        "after_snapshot_ecommerce_orders": 0.0,
        "spend_to_revenue_2024": 190 / 200,
    }
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        lake = write_lake(Path(tmp), tiny_lake())
        results, _ = realism.run(lake)
        by = {r.key: r for r in results}
        for key, want in expected.items():
            r = by.get(key)
            if r is None or r.value is None or not math.isclose(r.value, want, rel_tol=1e-9, abs_tol=1e-12):
                failures.append(f"{key}: got {None if r is None else r.value} ({'' if r is None else r.reason}), want {want}")
        # Statuses: AOV 125 is inside 110–145; conversion 40 % is far above 1.5–3 %; no full
        # calendar year of orders → seasonality N-A; no subscriptions table → B2C churn N-A.
        for key, want in [("aov", "PASS"), ("ecom_conversion", "FAIL"), ("novdec_share", "N-A"), ("churn_b2c", "N-A"),
                          ("after_snapshot_crm_interactions", "FAIL"), ("order_growth_2026", "N-A")]:
            if by[key].status != want:
                failures.append(f"{key}: status {by[key].status}, want {want} ({by[key].reason})")
        # Standard errors: a proportion's is √(p(1−p)/n) (conversion: p = 0.4, n = 5).
        if not math.isclose(by["ecom_conversion"].se, math.sqrt(0.4 * 0.6 / 5), rel_tol=1e-9):
            failures.append(f"ecom_conversion se {by['ecom_conversion'].se}")
        # The ratio of sums' linearised se: AOV units (100, 200, 60, 140) around 125.
        se_aov = math.sqrt(sum((y - 125) ** 2 for y in (100, 200, 60, 140))) / 4
        if not math.isclose(by["aov"].se, se_aov, rel_tol=1e-9):
            failures.append(f"aov se {by['aov'].se}, want {se_aov}")
        # Ad spend ÷ revenue 2024: campaign spends 140 and 50, order totals 60 and 140;
        # se = R·√(n·s²_spend/spend² + n·s²_rev/rev²).
        r_sr = 190 / 200
        se_sr = r_sr * math.sqrt(2 * 4050 / 190 ** 2 + 2 * 3200 / 200 ** 2)
        if not math.isclose(by["spend_to_revenue_2024"].se, se_sr, rel_tol=1e-9):
            failures.append(f"spend_to_revenue_2024 se {by['spend_to_revenue_2024'].se}, want {se_sr}")
        # --margin-small: conversion range widened by 2 SE; exact rules never widened.
        wide, _ = realism.run(lake, margin_small=True)
        w = {r.key: r for r in wide}
        if not math.isclose(w["ecom_conversion"].hi_used, 0.03 + 2 * math.sqrt(0.24 / 5), rel_tol=1e-9):
            failures.append(f"margin: conversion upper bound {w['ecom_conversion'].hi_used}")
        if w["after_snapshot_crm_interactions"].tolerance != 0.0 or w["after_snapshot_crm_interactions"].status != "FAIL":
            failures.append("margin: an exact rule was widened")
        # The command line: exit 0 with a report and JSON, exit 2 on a directory that is no lake.
        script = Path(__file__).resolve().parent / "realism.py"
        out = subprocess.run([sys.executable, str(script), str(lake), "--json", str(Path(tmp) / "r.json")], capture_output=True, text=True)
        if out.returncode != 0 or "AOV" not in out.stdout or json.loads((Path(tmp) / "r.json").read_text())["seed"] != 1:
            failures.append(f"cli: exit {out.returncode}: {out.stderr[-300:]}")
        bad = subprocess.run([sys.executable, str(script), tmp + "/nowhere"], capture_output=True, text=True)
        if bad.returncode != 2:
            failures.append(f"cli on a missing lake: exit {bad.returncode}, want 2")
        # --gate: exit 1 naming every failing measure on stderr (this lake fails the snapshot rule
        # for crm.interactions), 2 when the lake cannot be read.
        gate = subprocess.run([sys.executable, str(script), str(lake), "--gate"], capture_output=True, text=True)
        n_fail = sum(r.status == "FAIL" for r in results)
        named = [ln for ln in gate.stderr.splitlines() if ln.startswith("realism gate: FAIL ")]
        if gate.returncode != 1 or len(named) != n_fail or not any("Rows after 2026-12-31: crm.interactions" in ln for ln in named):
            failures.append(f"gate: exit {gate.returncode}, {len(named)} named of {n_fail} failing: {gate.stderr[-300:]}")
        bad_gate = subprocess.run([sys.executable, str(script), tmp + "/nowhere", "--gate"], capture_output=True, text=True)
        if bad_gate.returncode != 2:
            failures.append(f"gate on a missing lake: exit {bad_gate.returncode}, want 2")
    checked = len(expected)
    if failures:
        print("realism self-test FAILED:\n  " + "\n  ".join(failures))
        return 1
    print(f"realism self-test: {checked} measured values, statuses, standard errors, margin and CLI as computed by hand")
    return 0


if __name__ == "__main__":
    sys.exit(main())
