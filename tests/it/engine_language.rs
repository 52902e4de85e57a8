//! Integration tests of spec-language capabilities end to end: hidden attributes (generated,
//! used, never exported), scale-aware expressions and children counts, and time bounds taken
//! from expressions.

use crate::common::*;
use arrow::array::{Array, AsArray};
use arrow::datatypes::{Float64Type, Int64Type};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::collections::BTreeMap;
use std::path::Path;

/// Compiles `specs` into `out` with `extra` flags; the run must succeed.
fn compile(specs: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec![
        "compile",
        "--quiet",
        "--specs",
        specs.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = lab(&args);
    assert!(
        o.status.success(),
        "lab compile failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Every Parquet column of a lake, concatenated per (entity, column).
fn columns(lake: &Path) -> BTreeMap<(String, String), arrow::array::ArrayRef> {
    let manifest: serde_json::Value =
        serde_json::from_str(&read(lake.join("_manifest.json"))).unwrap();
    let mut parts: BTreeMap<(String, String), Vec<arrow::array::ArrayRef>> = BTreeMap::new();
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
            (k, arrow::compute::concat(&refs).unwrap())
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
fn a_hidden_attribute_cannot_be_a_key_or_referenced() {
    let o = lab(&["check", "--specs", "tests/data/invalid/e0306_hidden_keys"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("is hidden but is (part of) the primary key"),
        "{err}"
    );
    assert!(err.contains("is hidden but is a reference"), "{err}");
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
