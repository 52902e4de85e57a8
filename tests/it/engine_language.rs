//! Integration tests of spec-language capabilities end to end: hidden attributes (generated,
//! used, never exported), scale-aware expressions and children counts, and time bounds taken
//! from expressions.

use crate::common::*;
use lab::arrow::array::{Array, AsArray};
use lab::arrow::datatypes::{Float64Type, Int64Type};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::collections::BTreeMap;
use std::path::Path;

/// Every Parquet column of a lake, concatenated per (entity, column).
fn columns(lake: &Path) -> BTreeMap<(String, String), lab::arrow::array::ArrayRef> {
    let manifest: serde_json::Value =
        serde_json::from_str(&read(lake.join("_manifest.json"))).unwrap();
    let mut parts: BTreeMap<(String, String), Vec<lab::arrow::array::ArrayRef>> = BTreeMap::new();
    for e in manifest["entities"].as_array().unwrap() {
        let name = e["entity"].as_str().unwrap().to_string();
        for f in e["files"].as_array().unwrap() {
            if f["format"] != "parquet" {
                continue;
            }
            let file = std::fs::File::open(lake.join(f["path"].as_str().unwrap())).unwrap();
            let reader = ParquetRecordBatchReaderBuilder::try_new(file)
                .unwrap()
                .build()
                .unwrap();
            for batch in reader {
                let batch = batch.unwrap();
                for (field, col) in batch.schema().fields().iter().zip(batch.columns()) {
                    parts
                        .entry((name.clone(), field.name().clone()))
                        .or_default()
                        .push(col.clone());
                }
            }
        }
    }
    parts
        .into_iter()
        .map(|(k, v)| {
            let refs: Vec<&dyn Array> = v.iter().map(|a| a.as_ref()).collect();
            (k, lab::arrow::compute::concat(&refs).unwrap())
        })
        .collect()
}

/// The identifiers of a text (runs of `[a-z0-9_]`).
fn words(text: &str) -> std::collections::BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map(str::to_string)
        .collect()
}

/// Every file under `dir` whose name ends with one of `exts`.
fn files(dir: &Path, exts: &[&str]) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p, exts));
        } else if exts.iter().any(|x| p.to_string_lossy().ends_with(x)) {
            out.push(p);
        }
    }
    out
}

const HIDDEN: &[&str] = &["appeal", "engagement", "minutes"];

#[test]
fn hidden_attributes_are_generated_used_and_never_exported() {
    let base = tmp("hidden");
    let spec = read(root().join("tests/data/valid/hidden/crm.yaml"));
    let (hidden, shown) = (base.join("hidden"), base.join("shown"));
    std::fs::create_dir_all(&hidden).unwrap();
    std::fs::create_dir_all(&shown).unwrap();
    std::fs::write(hidden.join("crm.yaml"), &spec).unwrap();
    let unhidden = spec.replace(", hidden: true", "");
    assert_ne!(unhidden, spec);
    std::fs::write(shown.join("crm.yaml"), &unhidden).unwrap();
    let (o1, o2) = (base.join("o1"), base.join("o2"));
    compile(&hidden, &o1, &["--format", "both"]);
    compile(&shown, &o2, &["--format", "both"]);

    // No output names a hidden attribute as a column.
    let h = columns(&o1.join("lake"));
    for name in HIDDEN {
        assert!(h.keys().all(|(_, c)| c != name), "column `{name}` exported");
    }
    for f in files(&o1, &[".csv"]) {
        let text = read(&f);
        let header = words(text.lines().next().unwrap());
        assert!(
            HIDDEN.iter().all(|n| !header.contains(*n)),
            "{}",
            f.display()
        );
    }
    for f in files(&o1, &[".json", ".sql", ".mmd", ".dot"]) {
        let w = words(&read(&f));
        for name in HIDDEN {
            assert!(!w.contains(*name), "`{name}` in {}", f.display());
        }
    }
    for f in files(&o1.join("docs"), &[".md"]) {
        for line in read(&f).lines() {
            for name in HIDDEN {
                assert!(
                    !line.starts_with(&format!("| `{name}`")),
                    "`{name}` is a row of a column table in {}",
                    f.display()
                );
            }
        }
    }
    assert!(read(o1.join("docs/crm.md")).contains("1 hidden attribute is used in generation"));

    // Hiding changes nothing else: every exported column is the same as when shown.
    let s = columns(&o2.join("lake"));
    for (k, v) in &h {
        assert_eq!(Some(v), s.get(k), "column {k:?} changed by hiding");
    }
    for name in HIDDEN {
        assert!(s.keys().any(|(_, c)| c == name), "`{name}` not shown");
    }

    // Values that depend on the hidden ones are what they should be.
    let col = |e: &str, c: &str| s[&(e.to_string(), c.to_string())].clone();
    let engagement = col("customers", "engagement");
    let engagement = engagement.as_primitive::<Float64Type>();
    let copy = col("customer_summary", "engagement_copy");
    assert_eq!(engagement, copy.as_primitive::<Float64Type>());
    let tier = col("customers", "tier");
    let note = col("customers", "loyalty_note");
    for i in 0..engagement.len() {
        let g = engagement.value(i);
        let t = tier.as_string::<i32>().value(i);
        assert_eq!(t == "gold", g > 0.5, "row {i}");
        assert_eq!(note.is_valid(i), g > 0.8, "row {i}");
    }
    let minutes = col("visits", "minutes");
    let total = col("customers", "total_minutes");
    let (minutes, total) = (
        minutes.as_primitive::<Int64Type>(),
        total.as_primitive::<Int64Type>(),
    );
    for c in 0..total.len() {
        let sum: i64 = (3 * c..3 * c + 3).map(|v| minutes.value(v)).sum();
        assert_eq!(total.value(c), sum, "customer row {c}");
    }
}

#[test]
fn a_hidden_attribute_cannot_be_a_key_or_referenced_or_half_a_reference() {
    let o = lab(&["check", "--specs", "tests/data/invalid/e0306_hidden_keys"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("is hidden but is (part of) the primary key"),
        "{err}"
    );
    assert!(
        err.contains("is hidden but is a column of a reference whose other columns are exported"),
        "{err}"
    );
}

/// The resolved IR of a corpus directory (no diagnostics allowed).
fn ir_of(dir: &str) -> lab::ir::Ir {
    let checked = lab::check(&root().join(dir));
    assert!(checked.diagnostics.is_empty(), "{}", checked.render(false));
    checked.ir.expect("an IR")
}

fn plan_at(ir: &lab::ir::Ir, scale: f64) -> lab::plan::Plan {
    let opts = lab::plan::PlanOptions {
        scale,
        ..Default::default()
    };
    lab::plan::plan(ir, opts).unwrap_or_else(|d| panic!("plan at scale {scale}: {d:?}"))
}

#[test]
fn scaled_children_of_fixed_parents_follow_the_scale() {
    let ir = ir_of("tests/data/valid/scaling");
    let id = |n: &str| ir.entity_by_name("supply", n).unwrap();
    let (movements, docks, audits) = (id("movements"), id("docks"), id("audits"));
    for scale in [0.1, 1.0, 4.0] {
        let plan = plan_at(&ir, scale);
        let expected = lab::ir::rows::expected(&ir.entities, scale);
        let estimate = lab::plan::estimate(&ir, scale);
        for (e, (x, y)) in expected.iter().zip(&estimate.rows).enumerate() {
            assert!(
                (x - y).abs() < 1e-6,
                "expected and estimate differ for entity {e} at {scale}"
            );
        }
        // 10 warehouses × poisson(50) × scale: within 5 standard deviations.
        let mean = 500.0 * scale;
        assert!((expected[movements] - mean).abs() < 1e-6);
        let got = plan.entities[movements].rows as f64;
        assert!(
            (got - mean).abs() < 5.0 * mean.sqrt() + 1.0,
            "{got} movements at scale {scale}, expected about {mean}"
        );
        // Children of unscaled counts under fixed parents do not scale.
        assert!(plan.entities[docks].rows <= 40);
        assert!((expected[audits] - (20.0 * scale + 5.0)).abs() < 1e-6);
    }
    // At scale 1 a scaled count is the unscaled draw; at other scales the plan is
    // deterministic.
    let unscaled = read(root().join("tests/data/valid/scaling/supply.yaml")).replace(
        "count: { poisson: 50 }, scaled: true",
        "count: { poisson: 50 }",
    );
    let checked = lab::check_texts(&[("supply.yaml", &unscaled)]);
    let plain = checked.ir.expect("an IR");
    assert_eq!(
        plan_at(&plain, 1.0).entities[movements].offsets,
        plan_at(&ir, 1.0).entities[movements].offsets
    );
    assert_eq!(
        plan_at(&ir, 2.5).entities[movements].offsets,
        plan_at(&ir, 2.5).entities[movements].offsets
    );
}

#[test]
fn scale_is_readable_in_expressions() {
    let base = tmp("scale-expr");
    let out = base.join("o");
    compile(
        &root().join("tests/data/valid/scaling"),
        &out,
        &["--scale", "0.5", "--format", "csv"],
    );
    let csv = read(out.join("lake/csv/supply/warehouses/part-00000.csv"));
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("warehouse_id,capacity"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 10);
    assert!(rows.iter().all(|r| r.ends_with(",500.0")), "{rows:?}");
}

/// Days since the epoch of a Date32 column, `None` for nulls.
fn days(c: &lab::arrow::array::ArrayRef) -> Vec<Option<i64>> {
    let a = c.as_primitive::<lab::arrow::datatypes::Date32Type>();
    (0..a.len())
        .map(|i| a.is_valid(i).then(|| i64::from(a.value(i))))
        .collect()
}

#[test]
fn time_bounds_from_the_row_and_negative_offsets_hold() {
    let out = tmp("time-bounds").join("o");
    compile(&root().join("tests/data/valid/time_bounds"), &out, &[]);
    let c = columns(&out.join("lake"));
    let col = |e: &str, a: &str| c[&(e.to_string(), a.to_string())].clone();
    let int = |e: &str, a: &str| -> Vec<i64> {
        let x = col(e, a);
        let x = lab::arrow::compute::cast(&x, &lab::arrow::datatypes::DataType::Int64).unwrap();
        x.as_primitive::<Int64Type>().values().to_vec()
    };
    let lead = int("suppliers", "lead_time_days");
    let supplier = int("purchase_orders", "supplier_id");
    let ordered = days(&col("purchase_orders", "ordered_at"));
    let promised = days(&col("purchase_orders", "promised_at"));
    let delivered = days(&col("purchase_orders", "delivered_at"));
    let invoiced = days(&col("purchase_orders", "invoiced_at"));
    let mut early = 0;
    for i in 0..ordered.len() {
        let l = lead[(supplier[i] - 1) as usize];
        let (o, p, d, v) = (
            ordered[i].unwrap(),
            promised[i].unwrap(),
            delivered[i].unwrap(),
            invoiced[i].unwrap(),
        );
        assert!((o + 1..=o + l).contains(&p), "row {i}: {o} {p} lead {l}");
        assert!((p - 3..=p + 10).contains(&d), "row {i}: {p} {d}");
        assert!((d - l..=d).contains(&v), "row {i}: {d} {v} lead {l}");
        early += usize::from(d < p);
    }
    assert!(early > 0, "a negative offset never gave an earlier date");
    let po = int("shipments", "po_id");
    let shipped = days(&col("shipments", "shipped_on"));
    for (i, s) in shipped.iter().enumerate() {
        let k = (po[i] - 1) as usize;
        let s = s.unwrap();
        assert!(
            (ordered[k].unwrap()..=promised[k].unwrap()).contains(&s),
            "shipment {i}"
        );
    }
}

#[test]
fn an_empty_range_at_a_row_is_a_located_runtime_error() {
    let base = tmp("empty-range");
    let specs = base.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    let spec = read(root().join("tests/data/valid/time_bounds/supply.yaml")).replace(
        "between: [purchase_orders.ordered_at, purchase_orders.promised_at]",
        "between: [purchase_orders.promised_at, purchase_orders.ordered_at]",
    );
    std::fs::write(specs.join("supply.yaml"), spec).unwrap();
    let o = lab(&[
        "compile",
        "--quiet",
        "--specs",
        specs.to_str().unwrap(),
        "--out",
        base.join("o").to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("error[E0800]"), "{err}");
    assert!(err.contains("`supply.shipments.shipped_on`"), "{err}");
    assert!(
        err.contains("is empty (its start is after its end)"),
        "{err}"
    );
    assert!(err.contains("supply.yaml:"), "not located: {err}");
}
