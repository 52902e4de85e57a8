//! Source-system exports (`tests/data/valid/systems`, which uses every export setting, and the
//! shipped enterprise's five systems): the exports are the same bytes at any thread count;
//! `--clean` leaves them out; every export is read back through its own DDL — by DuckDB with
//! the dialect the DDL states and by Spark executing the DDL — with the manifest's row counts,
//! and every styled value parses back to the clean value of the truth
//! (`tests/tools/silo_check.py`); nested JSON Lines (records, a GA4 parameter array, an array)
//! are read with their `struct`/`array` types and unnested, and Spark's `LATERAL VIEW explode`
//! of the parameters finds the truth's values. A system's mess (`tests/data/valid/silo_mess`):
//! raw exports plus the answer key give back the truth, at the declared rates
//! (`tests/tools/answers_check.py`), the same at any thread count.

use crate::common::{self, root, tmp};
use lab::ir::export::{Change, TimeStyle, ValueStyle};
use lab::ir::nest::{Node, Slot};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const SPECS: &str = "tests/data/valid/systems";

fn compile(out: &Path, extra: &[&str]) {
    compile_specs(SPECS, out, extra);
}

fn compile_specs(specs: &str, out: &Path, extra: &[&str]) {
    let mut args = vec![
        "compile",
        "--specs",
        specs,
        "--out",
        out.to_str().unwrap(),
        "--format",
        "both",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let o = common::lab(&args);
    assert!(
        o.status.success(),
        "lab {args:?} failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Every file under `dir`, relative path → bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_path_buf();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn exports_are_the_same_bytes_at_any_thread_count() {
    let base = tmp("silo_threads");
    let mut lakes = Vec::new();
    for t in ["1", "2", "8"] {
        let out = base.join(format!("t{t}"));
        compile(&out, &["--threads", t]);
        lakes.push(files(&out.join("lake")));
    }
    let raw = lakes[0].keys().filter(|p| p.starts_with("raw")).count();
    assert!(
        raw >= 15,
        "expected the batched exports, found {raw} raw files"
    );
    assert!(lakes[0].keys().any(|p| p.starts_with("truth")));
    assert_eq!(lakes[0], lakes[1], "1 and 2 threads differ");
    assert_eq!(lakes[0], lakes[2], "1 and 8 threads differ");
}

#[test]
fn clean_runs_write_the_truth_only() {
    let out = tmp("silo_clean").join("out");
    compile(&out, &["--clean"]);
    let lake = files(&out.join("lake"));
    assert!(
        lake.keys().all(|p| !p.starts_with("raw")),
        "{:?}",
        lake.keys()
    );
    assert!(lake.keys().any(|p| p.starts_with("truth")));
    assert!(!out.join("ddl/athena/raw").exists());
    assert!(!out.join("glue/raw").exists());
    let ddl = common::read(out.join("ddl/athena/shop.sql"));
    assert!(ddl.contains("`shop_truth`.`customers`") && ddl.contains("/truth/shop/customers/"));
}

/// The IR's export of every entity, for the checkers (`silo_check.py`, `answers_check.py`,
/// `score_lake.py`): system, format, key, batch column and per column the clean type and the
/// style.
pub(crate) fn exports_json(ir: &lab::ir::Ir) -> Value {
    let mut tables = Vec::new();
    for ent in &ir.entities {
        let Some(x) = &ent.export else { continue };
        let columns: Vec<Value> = x
            .columns
            .iter()
            .map(|(a, style)| {
                let attr = &ent.attributes[*a];
                let mut col = style_json(style);
                col["name"] = json!(attr.name);
                col["type"] = json!(attr.ty.athena());
                col
            })
            .collect();
        // Schema drift: per change its first batch, column (first name) and what changes
        // (a new name, an addition, or the later style).
        let drift: Vec<Value> = x
            .drift
            .iter()
            .map(|d| {
                let mut v = json!({
                    "from": lab::ir::value::format_date(d.from),
                    "column": ent.attributes[x.columns[d.column].0].name,
                });
                match &d.change {
                    Change::Rename(n) => v["rename"] = json!(n),
                    Change::Add => v["add"] = json!(true),
                    Change::Retype { style, .. } => v["retype"] = style_json(style),
                }
                v
            })
            .collect();
        let col_name = |c: usize| ent.attributes[x.columns[c].0].name.clone();
        let rates = |v: &[(usize, String, f64)]| -> Vec<Value> {
            v.iter()
                .map(|(c, k, r)| json!([col_name(*c), k, r]))
                .collect()
        };
        let references: Vec<Value> = ent
            .foreign_keys
            .iter()
            .filter(|fk| fk.columns.len() == 1)
            .map(|fk| {
                let t = &ir.entities[fk.target];
                json!({
                    "column": ent.attributes[fk.columns[0]].name,
                    "system": t.export.as_ref().map(|t| t.system.clone()),
                    "entity": t.name,
                })
            })
            .collect();
        let m = &x.mess;
        let mess = json!({
            "cells": rates(&m.cells),
            "noise": m.duplicates.as_ref().map(|d| rates(&d.noise)).unwrap_or_default(),
            "duplicates": m.duplicates.as_ref().map(|d| json!({"rate": d.rate, "max": d.max})),
            "exact_duplicates": m.exact_duplicates,
            "orphans": m.orphans,
            "late": m.late.map(|(r, d)| json!({"rate": r, "days": d})),
            "identity": m.identity.map(|(a, _)| ent.attributes[a].name.clone()),
        });
        let nest: Vec<Value> = x
            .nest
            .iter()
            .map(|(name, node)| nest_json(ent, name, node))
            .collect();
        tables.push(json!({
            "changes_time": style_json(&ValueStyle::Time(x.changes_time)),
            "drift": drift,
            "mess": mess,
            "references": references,
            "nest": nest,
            "system": x.system,
            "domain": ir.domains[ent.domain].name,
            "entity": ent.name,
            "format": x.format.name(),
            "batch": x.batch.map(|a| ent.attributes[a].name.clone()),
            "primary_key": ent.primary_key.iter().map(|&a| ent.attributes[a].name.clone()).collect::<Vec<_>>(),
            "columns": columns,
        }));
    }
    json!({ "tables": tables })
}

/// A column style for the checker: kind (`plain`, `date`, `time`, `decimal`, `bool`,
/// `codes`), the style's word, the offset of local time and the vocabulary.
fn style_json(style: &ValueStyle) -> Value {
    let (kind, word, offset, codes) = match style {
        ValueStyle::Plain => ("plain", String::new(), 0, json!({})),
        ValueStyle::Date(d) => ("date", d.word().to_string(), 0, json!({})),
        ValueStyle::Time(TimeStyle::Local(m)) => ("time", "local".into(), *m, json!({})),
        ValueStyle::Time(t) => ("time", t.word().to_string(), 0, json!({})),
        ValueStyle::Decimal(d) => ("decimal", d.word().to_string(), 0, json!({})),
        ValueStyle::Bool(b) => ("bool", b.word().to_string(), 0, json!({})),
        ValueStyle::Codes(c) => (
            "codes",
            String::new(),
            0,
            Value::Object(c.iter().map(|(k, v)| (k.clone(), json!(v))).collect()),
        ),
    };
    json!({ "kind": kind, "word": word, "offset_minutes": offset, "codes": codes })
}

/// A nested field for the checker: its kind and members (records by key, recursively;
/// parameters by key with the value slot their type selects; array columns).
fn nest_json(ent: &lab::ir::Entity, name: &str, node: &Node) -> Value {
    fn members(ent: &lab::ir::Entity, m: &[(String, Node)]) -> Vec<Value> {
        m.iter()
            .map(|(k, n)| match n {
                Node::Record(inner) => json!({ "key": k, "record": members(ent, inner) }),
                other => json!({ "key": k, "column": ent.attributes[other.columns()[0]].name }),
            })
            .collect()
    }
    let name_of = |a: &lab::ir::AttrId| ent.attributes[*a].name.clone();
    match node {
        Node::Record(m) => json!({ "name": name, "kind": "record", "members": members(ent, m) }),
        Node::Params(p) => json!({
            "name": name, "kind": "params",
            "members": p.iter().map(|(k, a)| json!({
                "key": k, "column": name_of(a), "slot": Slot::of(ent.attributes[*a].ty).key(),
            })).collect::<Vec<_>>(),
        }),
        Node::Array(a) => json!({
            "name": name, "kind": "array", "members": a.iter().map(name_of).collect::<Vec<_>>(),
        }),
        Node::Column(a) => json!({ "name": name, "kind": "column", "members": [name_of(a)] }),
    }
}

/// Writes `exports.json` for the specs of `out` and runs the checker; returns its report.
fn silo_check(specs: &str, out: &Path) -> String {
    let checked = lab::check(&root().join(specs));
    let ir = checked.ir.expect("valid specs");
    std::fs::write(
        out.join("exports.json"),
        serde_json::to_string_pretty(&exports_json(&ir)).unwrap(),
    )
    .unwrap();
    common::run_tool("silo_check.py", &[out.as_os_str()])
}

#[test]
fn exports_read_back_through_their_ddl_and_round_trip_to_the_truth() {
    let out = tmp("silo_read").join("out");
    compile(&out, &[]);
    let report = silo_check(SPECS, &out);
    assert!(report.contains("spark: "), "{report}");
}

/// The shipped specs at a small scale: the five systems' exports (shop CSV, ERP CSV in
/// Latin-1 with comma decimals, CRM CSV with vocabularies, ad platform CSV, Parquet and JSON
/// Lines, GA4's nested events in daily batches) read back through their own DDL in DuckDB and
/// one Spark session, with the manifest's row counts and, once the answer key has undone
/// their mess, the truth's values.
#[test]
fn shipped_exports_read_back_through_their_ddl_and_round_trip_to_the_truth() {
    let out = tmp("silo_shipped").join("out");
    compile_specs("specs", &out, &["--scale", "0.02"]);
    let report = silo_check("specs", &out);
    for system in ["shop_platform", "erp", "crm", "ad_platform", "ga4"] {
        assert!(
            out.join("lake/raw").join(system).is_dir(),
            "no exports of {system}"
        );
    }
    assert!(report.contains("duckdb: 29 raw tables"), "{report}");
    assert!(report.contains("spark: "), "{report}");
}

#[test]
fn a_documents_only_run_keeps_a_lake_only_with_the_same_exports() {
    let out = tmp("silo_docs_only").join("out");
    compile(&out, &[]);
    compile(&out, &["--docs-only"]);
    assert!(
        out.join("lake/raw").is_dir(),
        "the same settings keep the lake"
    );
    compile(&out, &["--docs-only", "--clean"]);
    assert!(
        !out.join("lake").exists(),
        "a lake with exports does not match documents without them"
    );
    assert!(!out.join("ddl/athena/raw").exists());
}

/// A system's mess, explained by the answer key: applying the crosswalk, the cell log and the
/// record log to the raw exports (their schema drift undone: renamed JSON keys, columns added
/// from a batch on, values retyped) gives back the truth exactly, and every planted rate is
/// within statistical tolerance of the declared one (`tests/tools/answers_check.py`); DuckDB
/// and Spark read every row of the drifting exports through their DDL.
#[test]
fn raw_exports_and_the_answer_key_give_back_the_truth() {
    let specs = "tests/data/valid/silo_mess";
    let out = tmp("silo_mess").join("out");
    let o = common::lab(&[
        "compile",
        "--specs",
        specs,
        "--out",
        out.to_str().unwrap(),
        "--seed",
        "11",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = answers_check(specs, &out);
    assert!(report.contains("answer key: "), "{report}");
    // The drifting exports read back through their DDL in DuckDB and Spark, every row.
    let report = common::run_tool("silo_check.py", &[out.as_os_str(), "--counts".as_ref()]);
    assert!(report.contains("duckdb: 3 raw tables"), "{report}");
    assert!(report.contains("spark: "), "{report}");
}

/// Writes `exports.json` for the specs of `out` and runs the answer-key checker; returns its
/// report.
fn answers_check(specs: &str, out: &Path) -> String {
    let ir = lab::check(&root().join(specs)).ir.expect("valid specs");
    std::fs::write(
        out.join("exports.json"),
        serde_json::to_string_pretty(&exports_json(&ir)).unwrap(),
    )
    .unwrap();
    common::run_tool("answers_check.py", &[out.as_os_str()])
}

/// The shipped enterprise's mess at a small scale: the five systems' raw exports plus the
/// answer key give back the truth (near-duplicate shop accounts, CRM contacts and ERP debtors
/// resolving to one golden shop customer, exact duplicates and late rows of the daily files,
/// orphans, every planted cell), and every planted rate is within four standard deviations of
/// the declared one.
#[test]
fn the_shipped_raw_exports_and_answer_key_give_back_the_truth() {
    let out = tmp("silo_shipped_mess").join("out");
    compile_specs("specs", &out, &["--scale", "0.02", "--seed", "5"]);
    let report = answers_check("specs", &out);
    for export in [
        "shop_platform.customers",
        "shop_platform.orders",
        "crm.customers",
        "erp.debtors",
        "ad_platform.leads",
        "ga4.events",
    ] {
        assert!(
            report.contains(&format!("planted {export}: ")),
            "no mess measured in {export}:\n{report}"
        );
    }
    assert!(report.contains("answer key: "), "{report}");
}

/// The mess is a pure function of the seed and the records: the same bytes (raw exports and
/// answer key) at 1, 2 and 8 threads.
#[test]
fn the_mess_and_its_answer_key_are_the_same_at_any_thread_count() {
    let mut lakes = Vec::new();
    for threads in ["1", "2", "8"] {
        let out = tmp(&format!("silo_mess_t{threads}")).join("out");
        let o = common::lab(&[
            "compile",
            "--specs",
            "tests/data/valid/silo_mess",
            "--out",
            out.to_str().unwrap(),
            "--threads",
            threads,
            "--quiet",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        lakes.push(files(&out.join("lake")));
    }
    assert!(
        lakes[0]
            .keys()
            .any(|p| p.starts_with("truth/_answers/cells"))
    );
    assert_eq!(lakes[0], lakes[1], "1 and 2 threads differ");
    assert_eq!(lakes[0], lakes[2], "1 and 8 threads differ");
}

/// `lab score` reads drifting exports batch by batch: a cleaned export that is the truth
/// itself fixes every planted cell and breaks none — a renamed column read under its first
/// name, a retyped one in the style of each row's batch (cents, epoch seconds), an added one
/// only from its batch on.
#[test]
fn scoring_reads_drifting_exports_by_batch() {
    let specs = "tests/data/valid/silo_mess";
    let base = tmp("silo_drift_score");
    let out = base.join("out");
    compile_specs(specs, &out, &["--seed", "11"]);
    // The truth's CSV of the orders, less the reference (which points at duplicate
    // registrations in the raw export), as the user's cleaned table.
    let truth = out.join("lake/truth_csv/shop/orders");
    let file = std::fs::read_dir(&truth)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let text = common::read(&file);
    assert!(!text.contains('"'), "the orders' truth CSV needs no quotes");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let skip = header.iter().position(|c| *c == "customer_id").unwrap();
    let keep = |l: &str| {
        let f: Vec<&str> = l.split(',').collect();
        let kept: Vec<&str> = (0..f.len()).filter(|&i| i != skip).map(|i| f[i]).collect();
        kept.join(",")
    };
    let mut csv = keep(&header.join(",")) + "\n";
    for l in lines {
        csv += &(keep(l) + "\n");
    }
    let sub = base.join("sub");
    std::fs::create_dir_all(sub.join("clean/shop")).unwrap();
    std::fs::write(sub.join("clean/shop/orders.csv"), csv).unwrap();
    let o = common::lab(&[
        "score",
        sub.to_str().unwrap(),
        "--lake",
        out.to_str().unwrap(),
        "--specs",
        specs,
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    let clean = &report["clean"][0];
    let drift = clean["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "drift")
        .map(|r| r["count"].clone());
    assert_eq!(drift, Some(json!(4)), "{clean}");
    for c in clean["columns"].as_array().unwrap() {
        let name = &c["column"];
        assert_eq!(c["broken"], 0, "{name}: clean cells read as changed: {c}");
        // The reference left out of the submission fixes nothing (its cells that name a
        // duplicate registration stay defective); every submitted column is the truth.
        if c["submitted"] == true {
            assert_eq!(c["fixed"], c["defective"], "{name}: {c}");
        }
    }
    let col = |n: &str| {
        clean["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["column"] == n)
            .unwrap()
            .clone()
    };
    // The amount's planted cells (wrong units, missing) are found in every style; the gift
    // note has cells only from the batch that adds it.
    assert!(col("amount")["defective"].as_u64().unwrap() > 0);
    let (notes, amounts) = (
        col("gift_note")["cells"].as_u64(),
        col("amount")["cells"].as_u64(),
    );
    assert!(notes.unwrap() < amounts.unwrap(), "{notes:?} {amounts:?}");
}
