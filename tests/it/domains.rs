//! The shipped enterprise model: the five domain specs compile, and every business invariant
//! under `tests/invariants/` holds on the generated lake (checked by DuckDB) at two seeds and
//! two scales; the tutorial's new domain compiles beside them by YAML alone (and its dbt
//! sources, staging and silver models build), and so does a
//! supply-chain domain that needs rollups over referencing rows, `nth_child` through a
//! reference, conditional picks, multi-column uniqueness and children that scale under fixed
//! parents (its own invariants under `tests/data/supply_chain/invariants/`).

use crate::common::*;
use std::path::Path;

/// Compiles `specs` at one scale and seed.
fn compile_at(specs: &Path, out: &Path, scale: &str, seed: &str) {
    compile(specs, out, &["--scale", scale, "--seed", seed]);
}

fn invariants(lake: &Path) -> String {
    run_tool("invariants.py", &["--lake".as_ref(), lake.as_os_str()])
}

#[test]
fn five_domains_are_shipped() {
    for d in ["finance", "marketing", "ecommerce", "crm", "web"] {
        assert!(
            root().join(format!("specs/{d}.yaml")).is_file(),
            "specs/{d}.yaml is missing"
        );
    }
    let checked = lab::check(&root().join("specs"));
    assert!(!checked.has_errors(), "{}", checked.render(false));
    let ir = checked.ir.unwrap();
    assert_eq!(ir.domains.len(), 5);
    for e in &ir.entities {
        assert!(
            !e.description.is_empty() && !e.grain.is_empty() && !e.owner.is_empty(),
            "{} lacks description, grain or owner",
            e.qualified
        );
        for a in &e.attributes {
            assert!(
                !a.description.is_empty(),
                "{}.{} has no description",
                e.qualified,
                a.name
            );
        }
    }
    // Cross-domain links exist.
    let cross = ir
        .entities
        .iter()
        .flat_map(|e| e.foreign_keys.iter().map(move |f| (e, f)))
        .filter(|(e, f)| ir.entities[f.target].domain != e.domain)
        .count();
    assert!(cross >= 8, "only {cross} cross-domain foreign keys");
}

#[test]
fn invariants_hold_at_two_seeds_and_two_scales() {
    let base = tmp("invariants");
    let mut reports = Vec::new();
    // The invariants read the truth only: `--clean` writes it without the silos' exports.
    for (scale, seed) in [("0.05", "42"), ("0.05", "7"), ("0.15", "42")] {
        let out = base.join(format!("s{scale}-{seed}"));
        let specs = root().join("specs");
        compile(&specs, &out, &["--scale", scale, "--seed", seed, "--clean"]);
        reports.push(invariants(&out.join("lake")));
    }
    let n_files = std::fs::read_dir(root().join("tests/invariants"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "sql")
        })
        .count();
    assert!(n_files >= 30, "only {n_files} invariants");
    // The checker exits non-zero on a failure; also make sure every invariant ran in every run.
    for report in &reports {
        let n_ok = report
            .lines()
            .filter(|l| l.trim_end().ends_with("  ok"))
            .count();
        assert_eq!(n_ok, n_files, "not every invariant reported ok:\n{report}");
    }
}

/// Row counts by entity, from a lake's manifest.
fn manifest_rows(lake: &Path) -> std::collections::HashMap<String, u64> {
    let m: serde_json::Value = serde_json::from_str(&read(lake.join("_manifest.json"))).unwrap();
    m["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["entity"].as_str().unwrap().to_string(),
                e["rows"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_supply_chain_domain_is_written_by_yaml_alone() {
    let specs = root().join("tests/data/supply_chain/specs");
    let checks = root().join("tests/data/supply_chain/invariants");
    let n_checks = std::fs::read_dir(&checks).unwrap().count();
    let base = tmp("supply-chain");
    let mut rows = Vec::new();
    for (scale, seed) in [("1", "7"), ("1", "42"), ("0.5", "42")] {
        let out = base.join(format!("s{scale}-{seed}"));
        compile_at(&specs, &out, scale, seed);
        let lake = out.join("lake");
        let report = run_tool(
            "invariants.py",
            &[
                "--lake".as_ref(),
                lake.as_os_str(),
                "--invariants".as_ref(),
                checks.as_os_str(),
            ],
        );
        let n_ok = report
            .lines()
            .filter(|l| l.trim_end().ends_with("  ok"))
            .count();
        assert_eq!(n_ok, n_checks, "not every invariant reported ok:\n{report}");
        rows.push(manifest_rows(&lake));
    }
    // Bins are generated per warehouse (8 fixed rows) with `scaled: true`: half the scale,
    // about half the bins; the warehouses stay 8.
    let (full, half) = (&rows[1], &rows[2]);
    assert_eq!((full["warehouses"], half["warehouses"]), (8, 8));
    let ratio = half["bins"] as f64 / full["bins"] as f64;
    assert!(
        (0.4..0.6).contains(&ratio),
        "bins at scale 0.5 / scale 1 = {ratio}"
    );
    // The same lake at any thread count.
    let one = base.join("threads-1");
    let o = lab(&[
        "compile",
        "--quiet",
        "--threads",
        "1",
        "--seed",
        "7",
        "--specs",
        specs.to_str().unwrap(),
        "--out",
        one.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for e in ["warehouses", "return_lines", "products", "suppliers"] {
        let dir = |out: &Path| out.join(format!("lake/raw/supply/{e}/part-00000.parquet"));
        assert_eq!(
            std::fs::read(dir(&one)).unwrap(),
            std::fs::read(dir(&base.join("s1-7"))).unwrap(),
            "{e} differs between 1 thread and the default"
        );
    }
}

#[test]
fn the_tutorial_domain_compiles_with_yaml_alone() {
    let specs = tmp("tutorial-specs");
    // The spec files and the `analytics/` folder (the metrics file declares tables of it).
    for e in std::fs::read_dir(root().join("specs")).unwrap().flatten() {
        if e.path().is_file() {
            std::fs::copy(e.path(), specs.join(e.file_name())).unwrap();
        }
    }
    crate::marts::copy_tree(&root().join("specs/analytics"), &specs.join("analytics"));
    for e in std::fs::read_dir(root().join("tests/data/tutorial"))
        .unwrap()
        .flatten()
    {
        std::fs::copy(e.path(), specs.join(e.file_name())).unwrap();
    }
    // A fresh output directory that does not exist yet.
    // `--clean`: the tutorial's domain exports no system; the shipped ones' mess is not needed.
    let out = tmp("tutorial-out").join("out");
    compile(
        &specs,
        &out,
        &["--scale", "0.02", "--seed", "42", "--clean"],
    );
    let tutorial_domains: Vec<String> = std::fs::read_dir(root().join("tests/data/tutorial"))
        .unwrap()
        .flatten()
        .map(|e| e.path().file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(
        !tutorial_domains.is_empty(),
        "tests/data/tutorial holds no spec"
    );
    for d in tutorial_domains {
        assert!(
            out.join(format!("docs/{d}.md")).is_file(),
            "no dictionary page for {d}"
        );
        assert!(out.join(format!("erd/{d}.mmd")).is_file(), "no ERD for {d}");
        assert!(
            out.join(format!("ddl/athena/{d}.sql")).is_file(),
            "no DDL for {d}"
        );
        assert!(
            out.join(format!("lake/truth/{d}")).is_dir(),
            "no data for {d}"
        );
        crate::dbt::domain_without_system_builds(&out, &d);
    }
}

/// The realism report's instrument: every measure of `tests/tools/realism.py` computed on a
/// hand-made lake equals the value computed by hand (the report itself is in docs/realism.md).
#[test]
fn the_realism_report_measures_what_it_says() {
    let report = run_tool("realism_selftest.py", &[]);
    assert!(report.contains("realism self-test"), "{report}");
}
