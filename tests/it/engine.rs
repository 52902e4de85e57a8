//! Integration tests of the generation engine: determinism across thread counts and runs,
//! stability of columns when specs grow, referential integrity checked by DuckDB, atomic
//! output under SIGKILL, flag validation, CSV shape, and property tests over random specs.

use crate::common::*;
use lab::arrow::array::Array;
use lab::eval::{Evaluator, RowSet};
use lab::ir::Value;
use lab::plan::{PlanOptions, plan};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use proptest::prelude::*;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn specs_dir() -> PathBuf {
    root().join("specs")
}

#[test]
fn output_is_identical_across_thread_counts_and_runs() {
    let base = tmp("threads");
    let mut manifests = Vec::new();
    for (i, t) in ["1", "2", "8", "2"].iter().enumerate() {
        let out = base.join(format!("run{i}"));
        compile(
            &specs_dir(),
            &out,
            &["--scale", "0.05", "--threads", t, "--format", "both"],
        );
        manifests.push(read(out.join("lake/_manifest.json")));
    }
    for m in &manifests[1..] {
        assert_eq!(
            m, &manifests[0],
            "manifests (with per-file SHA-256) differ between runs"
        );
    }
    assert!(manifests[0].contains("\"sha256\""));
}

/// Reads every column of every Parquet file of a lake: (entity path, column) → values.
fn lake_columns(lake: &Path) -> BTreeMap<(String, String), Vec<lab::arrow::array::ArrayData>> {
    let manifest: serde_json::Value =
        serde_json::from_str(&read(lake.join("_manifest.json"))).unwrap();
    let mut out = BTreeMap::new();
    for e in manifest["entities"].as_array().unwrap() {
        let name = format!(
            "{}.{}",
            e["domain"].as_str().unwrap(),
            e["entity"].as_str().unwrap()
        );
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
                    out.entry((name.clone(), field.name().clone()))
                        .or_insert_with(Vec::new)
                        .push(col.to_data());
                }
            }
        }
    }
    out
}

#[test]
fn adding_an_attribute_or_entity_leaves_other_columns_unchanged() {
    let base = tmp("growth");
    let (before, after) = (base.join("before"), base.join("after"));
    std::fs::create_dir_all(&before).unwrap();
    std::fs::create_dir_all(&after).unwrap();
    // The shipped domains reference one another, so all of them are compiled; only the
    // e-commerce spec grows.
    for e in std::fs::read_dir(specs_dir()).unwrap().flatten() {
        // The spec files; the `analytics/` folder below (the metrics file declares its tables).
        if e.path().is_file() {
            std::fs::copy(e.path(), before.join(e.file_name())).unwrap();
            std::fs::copy(e.path(), after.join(e.file_name())).unwrap();
        }
    }
    for dir in [&before, &after] {
        crate::marts::copy_tree(&specs_dir().join("analytics"), &dir.join("analytics"));
    }
    let spec = read(specs_dir().join("ecommerce.yaml"));
    // A new attribute in the middle of `customers` and a new child entity of `customers` (the
    // line break anchors the attribute, not the export's noise and defects of `first_name`).
    let grown = spec.replacen(
        "\n      first_name:",
        "\n      loyalty_tier: { type: string, choice: { bronze: 70, silver: 20, gold: 10 }, description: Tier. }\n      first_name:",
        1,
    ) + "\n  wishlists:\n    kind: fact\n    grain: one row per wishlist\n    rows: { per: customers, count: { poisson: 1.5 } }\n    primary_key: wishlist_id\n    attributes:\n      wishlist_id: { type: int64, key: sequence }\n      customer_id: { ref: customers }\n      product_id: { ref: products, pick: { zipf: 1.2 } }\n";
    assert_ne!(grown, spec);
    std::fs::write(after.join("ecommerce.yaml"), &grown).unwrap();
    let (o1, o2) = (base.join("o1"), base.join("o2"));
    compile(&before, &o1, &["--scale", "0.05"]);
    compile(&after, &o2, &["--scale", "0.05"]);
    let a = lake_columns(&o1.join("lake"));
    let b = lake_columns(&o2.join("lake"));
    assert!(b.contains_key(&("ecommerce.customers".into(), "loyalty_tier".into())));
    assert!(b.keys().any(|(e, _)| e == "ecommerce.wishlists"));
    for (k, v) in &a {
        assert_eq!(Some(v), b.get(k), "column {k:?} changed when the spec grew");
    }
}

#[test]
fn duckdb_finds_unique_keys_no_orphans_and_athena_safe_footers() {
    let out = tmp("duckdb");
    compile(&specs_dir(), &out, &["--scale", "0.1", "--seed", "7"]);
    let report = run_tool("lake_check.py", &[out.join("lake").as_os_str()]);
    assert!(report.contains("all ok"), "{report}");
}

#[test]
fn the_data_profile_matches_the_data() {
    let out = tmp("profile");
    compile(&specs_dir(), &out, &["--scale", "0.05", "--seed", "11"]);
    let report = run_tool("profile_check.py", &[out.join("lake").as_os_str()]);
    assert!(report.contains("columns match the data"), "{report}");
    assert!(read(out.join("docs/profile/index.md")).contains("Data profile"));
}

/// The clean lake only (`--clean`): the silo exports go through the same staging directory
/// and switch, and would only make the test slower.
#[test]
fn a_killed_run_leaves_the_previous_output_intact() {
    let out = tmp("kill");
    compile(&specs_dir(), &out, &["--scale", "0.05", "--clean"]);
    let manifest = read(out.join("lake/_manifest.json"));
    let files_before = walk(&out.join("lake"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_lab"))
        .args([
            "compile",
            "--quiet",
            "--threads",
            "1",
            "--scale",
            "2",
            "--clean",
            "--out",
            out.to_str().unwrap(),
        ])
        .current_dir(root())
        .spawn()
        .unwrap();
    // Wait until the new lake is being written (in the staging directory beside the output),
    // then kill the process outright.
    let staging_prefix = format!(
        ".{}.lab-staging-",
        out.file_name().unwrap().to_string_lossy()
    );
    let staged = || -> Vec<String> {
        std::fs::read_dir(out.parent().unwrap())
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(&staging_prefix))
            .collect()
    };
    let started = std::time::Instant::now();
    loop {
        let staging = std::fs::read_dir(out.parent().unwrap())
            .unwrap()
            .flatten()
            .any(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                n.starts_with(&staging_prefix)
                    && std::fs::read_dir(e.path().join("lake"))
                        .map(|mut d| d.next().is_some())
                        .unwrap_or(false)
            });
        if staging || started.elapsed().as_secs() > 300 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    let _ = child.wait();
    assert!(
        !staged().is_empty(),
        "the killed run left no staging directory to clean"
    );
    assert_eq!(
        read(out.join("lake/_manifest.json")),
        manifest,
        "the previous manifest changed"
    );
    assert_eq!(
        walk(&out.join("lake")),
        files_before,
        "the previous lake's files changed"
    );
    // The next run cleans up what the killed one left behind.
    compile(&specs_dir(), &out, &["--scale", "0.05", "--clean"]);
    let leftovers = staged();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert_eq!(read(out.join("lake/_manifest.json")), manifest);
}

fn walk(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            v.extend(walk(&p));
        } else {
            v.push((p.clone(), std::fs::metadata(&p).unwrap().len()));
        }
    }
    v.sort();
    v
}

#[test]
fn bad_flags_are_refused_before_any_work() {
    let base = tmp("flags");
    let file = base.join("a-file");
    std::fs::write(&file, "x").unwrap();
    let out = base.join("out");
    for (args, needle) in [
        (vec!["--scale", "-1"], "--scale"),
        (vec!["--scale", "nan"], "--scale"),
        (vec!["--scale", "0"], "--scale"),
        (vec!["--threads", "0"], "--threads"),
        (vec!["--out", file.to_str().unwrap()], "not a directory"),
        (vec!["--check"], "--docs-only"),
    ] {
        let mut all = vec!["compile"];
        if !args.contains(&"--out") {
            all.extend(["--out", out.to_str().unwrap()]);
        }
        all.extend(args.iter().copied());
        let o = lab(&all);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{all:?}: {err}");
        assert!(err.contains(needle), "{all:?}: {err}");
        assert!(!out.exists(), "{all:?} created the output directory");
    }
}

#[test]
fn a_lookup_value_without_a_row_fails_with_a_diagnostic_and_keeps_the_lake() {
    let base = tmp("lookup-miss");
    let specs = base.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    let spec = |lookup: &str| {
        format!(
            "domain: t
entities:
  accounts:
    rows: {{ fixed: 3 }}
    primary_key: code
    attributes:
      code: {{ type: int32, cycle: [10, 20, 30] }}
  postings:
    rows: 300000
    primary_key: id
    attributes:
      id: {{ type: int64, key: sequence }}
      n: {{ type: int32, dist: {{ uniform: [1, 3] }} }}
      account: {{ ref: accounts, lookup: \"{lookup}\" }}
"
        )
    };
    let out = base.join("out");
    std::fs::write(specs.join("t.yaml"), spec("n * 10")).unwrap();
    compile(&specs, &out, &[]);
    let before = walk(&out.join("lake"));
    let manifest = read(out.join("lake/_manifest.json"));
    // Row-dependent values are checked as rows are generated; 40 is met only in some chunk.
    std::fs::write(
        specs.join("t.yaml"),
        spec("case when n = 3 and id > 200000 then 40 else n * 10 end"),
    )
    .unwrap();
    let o = run_compile(&specs, &out, &[]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("`t.postings.account` looks up `t.accounts` key `40`, which no row has"),
        "{err}"
    );
    assert!(
        err.contains("t.yaml:14:"),
        "the diagnostic points at the attribute: {err}"
    );
    assert_eq!(
        walk(&out.join("lake")),
        before,
        "the previous lake is untouched"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|d| d.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "staging left behind: {leftovers:?}");
    assert_eq!(
        read(out.join("lake/_manifest.json")),
        manifest,
        "the previous lake is untouched"
    );
}

#[test]
fn csv_has_a_header_rfc4180_quoting_and_iso_times() {
    let out = tmp("csv");
    // The clean data only: the shipped specs' source systems write their own dialects.
    compile(
        &specs_dir(),
        &out,
        &["--scale", "0.02", "--format", "csv", "--clean"],
    );
    let lake = out.join("lake");
    assert!(
        !lake.join("truth").exists(),
        "csv-only runs write no parquet"
    );
    assert!(!lake.join("raw").exists(), "--clean writes no exports");
    let text = read(lake.join("truth_csv/ecommerce/customers/part-00000.csv"));
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("customer_id,first_name,"), "{header}");
    let row = lines.next().unwrap();
    // Timestamps are ISO-8601 with milliseconds; dates are YYYY-MM-DD.
    let ts = regex_like_iso(row);
    assert!(ts, "no ISO-8601 timestamp in {row}");
    let manifest: serde_json::Value =
        serde_json::from_str(&read(lake.join("_manifest.json"))).unwrap();
    for e in manifest["entities"].as_array().unwrap() {
        let rows: u64 = e["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rows"].as_u64().unwrap())
            .sum();
        assert_eq!(rows, e["rows"].as_u64().unwrap());
        for f in e["files"].as_array().unwrap() {
            let body = read(lake.join(f["path"].as_str().unwrap()));
            assert_eq!(
                count_csv_records(&body) as u64,
                f["rows"].as_u64().unwrap() + 1,
                "{}",
                f["path"]
            );
        }
    }
}

fn regex_like_iso(row: &str) -> bool {
    row.split(',')
        .any(|f| f.len() == 23 && f.as_bytes()[10] == b'T' && f.as_bytes()[19] == b'.')
}

/// Counts RFC 4180 records (quoted fields may hold commas, quotes and newlines).
fn count_csv_records(s: &str) -> usize {
    let mut n = 0;
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            '\n' if !quoted => n += 1,
            _ => {}
        }
    }
    n
}

// ---------------------------------------------------------------------------------------
// Property tests over random small specs, in process.

#[derive(Debug, Clone)]
struct Params {
    n_parent: u64,
    count: String,
    null_rate: f64,
    weights: Vec<u32>,
    pick: String,
    chunk_rows: u64,
    seed: u64,
    /// A key sequence of this integer type, `seq_rows` rows long, starting `seq_margin` below
    /// the type's maximum: it fits exactly when `seq_rows <= seq_margin + 1`.
    seq_type: &'static str,
    seq_rows: u64,
    seq_margin: u64,
}

impl Params {
    fn seq_max(&self) -> i64 {
        match self.seq_type {
            "int16" => i64::from(i16::MAX),
            "int32" => i64::from(i32::MAX),
            _ => i64::MAX,
        }
    }
    fn seq_fits(&self) -> bool {
        self.seq_rows <= self.seq_margin + 1
    }
}

fn params() -> impl Strategy<Value = Params> {
    (
        1u64..400,
        prop_oneof![
            Just("3".to_string()),
            (0u64..4, 0u64..4).prop_map(|(a, b)| format!(
                "{{ uniform: [{}, {}] }}",
                a.min(b),
                a.max(b)
            )),
            (0.0f64..4.0).prop_map(|l| format!("{{ poisson: {l:.2} }}")),
            (0.05f64..1.0).prop_map(|p| format!("{{ bernoulli: {p:.2} }}")),
            (0.0f64..0.9, 0.5f64..3.0).prop_map(|(z, l)| format!(
                "{{ poisson: {l:.2}, zero_inflated: {z:.2}, shift: 1, max: 6 }}"
            )),
        ],
        0.0f64..0.6,
        prop::collection::vec(0u32..10, 2..5)
            .prop_filter("some weight", |w| w.iter().sum::<u32>() > 0),
        prop_oneof![
            Just("uniform".to_string()),
            Just("{ zipf: 1.3 }".to_string()),
            Just("{ weighted: weight }".to_string())
        ],
        1u64..50,
        any::<u64>(),
        prop_oneof![Just("int16"), Just("int32"), Just("int64")],
        1u64..300,
        0u64..400,
    )
        .prop_map(
            |(
                n_parent,
                count,
                null_rate,
                weights,
                pick,
                chunk_rows,
                seed,
                seq_type,
                seq_rows,
                seq_margin,
            )| Params {
                n_parent,
                count,
                null_rate,
                weights,
                pick,
                chunk_rows,
                seed,
                seq_type,
                seq_rows,
                seq_margin,
            },
        )
}

fn spec_for(p: &Params) -> String {
    let choice: Vec<String> = p
        .weights
        .iter()
        .enumerate()
        .map(|(i, w)| format!("v{i}: {w}"))
        .collect();
    format!(
        r#"domain: prop
entities:
  parents:
    rows: {n}
    primary_key: id
    attributes:
      id: {{ type: int64, key: sequence }}
      created_at: {{ type: timestamp, between: [2023-01-01, 2023-12-31] }}
      cat: {{ type: string, choice: {{ {choice} }} }}
      weight: {{ type: float64, dist: {{ uniform: [0, 5] }} }}
      maybe: {{ type: int32, dist: {{ poisson: 3 }}, nulls: {nulls:.3} }}
      total: {{ type: "decimal(14,2)", rollup: {{ sum: children.amount }} }}
      n_children: {{ type: int64, rollup: {{ count: children }} }}
      last_at: {{ type: timestamp, rollup: {{ max: children.at }} }}
  children:
    rows: {{ per: parents, count: {count} }}
    primary_key: [parent_id, line]
    attributes:
      parent_id: {{ ref: parents }}
      line: {{ type: int32, key: child_index }}
      at: {{ type: timestamp, after: parents.created_at, within: [1h, 10d] }}
      amount: {{ type: "decimal(10,2)", dist: {{ lognormal: {{ median: 20, sigma: 0.7 }} }}, round: 2 }}
  others:
    rows: 150
    primary_key: code
    attributes:
      code: {{ type: string, key: "X-{{row:05}}" }}
      parent_id: {{ ref: parents, pick: {pick}, nulls: 0.1 }}
  seqs:
    rows: {{ fixed: {seq_rows} }}
    primary_key: id
    attributes:
      id: {{ type: {seq_type}, key: {{ sequence: {{ start: {seq_start} }} }} }}
"#,
        n = p.n_parent,
        choice = choice.join(", "),
        nulls = p.null_rate,
        count = p.count,
        pick = p.pick,
        seq_rows = p.seq_rows,
        seq_type = p.seq_type,
        seq_start = p.seq_max() - p.seq_margin as i64,
    )
}

type Table = Vec<Vec<Value>>;

/// Every column of every entity as values, generated both in one frame and chunk by chunk;
/// asserts the two agree (values never depend on chunking). `None` when the spec is refused,
/// which must be exactly when the key sequence cannot fit its type (its rows are fixed, so
/// `check` refuses it already; the plan refuses it too).
fn generate_all(p: &Params) -> Option<(lab::ir::Ir, BTreeMap<String, Table>)> {
    let checked = lab::check_texts(&[("prop.yaml", &spec_for(p))]);
    if checked.has_errors() {
        assert!(!p.seq_fits(), "refused: {}", checked.render(false));
        let codes: Vec<&str> = checked.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            [lab::codes::INFEASIBLE_UNIQUE],
            "{}",
            checked.render(false)
        );
        assert!(
            checked.diagnostics[0].message.contains("`id`"),
            "{}",
            checked.render(false)
        );
        return None;
    }
    let ir = checked.ir.unwrap();
    let planned = plan(
        &ir,
        PlanOptions {
            scale: 1.0,
            seed: p.seed,
            chunk_rows: p.chunk_rows,
            file_rows: p.chunk_rows * 4,
            as_of: None,
        },
    );
    let pl = match planned {
        Ok(pl) => {
            assert!(p.seq_fits(), "an overflowing key sequence was planned");
            pl
        }
        Err(errors) => {
            assert!(!p.seq_fits(), "refused: {errors:?}");
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!(errors[0].code, lab::codes::INFEASIBLE_UNIQUE);
            assert!(errors[0].message.contains("`prop.seqs.id`"), "{errors:?}");
            return None;
        }
    };
    let mut out = BTreeMap::new();
    for (e, ent) in ir.entities.iter().enumerate() {
        let n = pl.entities[e].rows;
        let mut ev = Evaluator::new(&pl);
        let f = ev.frame(e, RowSet::Range(0, n));
        let cols: Table = (0..ent.attributes.len())
            .map(|a| {
                let c = ev.attr(f, a);
                (0..c.len()).map(|i| c.value(i)).collect()
            })
            .collect();
        // Chunked generation must give the same values.
        for (a, b) in pl.chunks(e) {
            let batch = lab::generate::chunk(&pl, e, a, b).expect("no generation error");
            for (k, col) in batch.columns().iter().enumerate() {
                assert_eq!(col.len() as u64, b - a);
                assert_eq!(
                    col.null_count(),
                    (a..b)
                        .filter(|&r| cols[k][r as usize] == Value::Null)
                        .count(),
                    "{}.{}",
                    ent.name,
                    ent.attributes[k].name
                );
            }
        }
        out.insert(ent.name.clone(), cols);
    }
    Some((ir, out))
}

fn idx(ir: &lab::ir::Ir, e: &str, a: &str) -> usize {
    ir.entities
        .iter()
        .find(|x| x.name == e)
        .unwrap()
        .attr(a)
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, .. ProptestConfig::default() })]

    #[test]
    fn generated_data_keeps_its_invariants(p in params()) {
        let Some((ir, t)) = generate_all(&p) else {
            return Ok(());
        };
        // Key sequences near their type's limit: distinct and within the type.
        let seqs = &t["seqs"][0];
        let distinct: HashSet<String> = seqs.iter().map(Value::display).collect();
        prop_assert_eq!(distinct.len() as u64, p.seq_rows);
        prop_assert!(seqs.iter().all(|v| matches!(v, Value::Int(x) if *x <= p.seq_max())));
        let parents = &t["parents"];
        let children = &t["children"];
        let others = &t["others"];
        let n = parents[0].len();
        // Primary keys are unique.
        let ids: HashSet<String> = parents[idx(&ir, "parents", "id")].iter().map(Value::display).collect();
        prop_assert_eq!(ids.len(), n);
        let ck: HashSet<(String, String)> = (0..children[0].len())
            .map(|i| (children[idx(&ir, "children", "parent_id")][i].display(), children[idx(&ir, "children", "line")][i].display()))
            .collect();
        prop_assert_eq!(ck.len(), children[0].len());
        // Every foreign key resolves (nulls aside).
        for v in &others[idx(&ir, "others", "parent_id")] {
            if *v != Value::Null { prop_assert!(ids.contains(&v.display()), "orphan {:?}", v); }
        }
        // Children: after their parent, rollups exact.
        let pid: BTreeMap<String, usize> = parents[idx(&ir, "parents", "id")].iter().enumerate().map(|(i, v)| (v.display(), i)).collect();
        let mut sums = vec![0i128; n];
        let mut counts = vec![0i64; n];
        let mut last: Vec<Option<i64>> = vec![None; n];
        for i in 0..children[0].len() {
            let p_i = pid[&children[idx(&ir, "children", "parent_id")][i].display()];
            let (Value::Timestamp(at), Value::Timestamp(created)) = (&children[idx(&ir, "children", "at")][i], &parents[idx(&ir, "parents", "created_at")][p_i]) else { panic!() };
            prop_assert!(at >= created, "child at {} before parent {}", at, created);
            prop_assert!(at - created >= 3_600_000 && at - created <= 10 * 86_400_000);
            let Value::Decimal(x, 2) = children[idx(&ir, "children", "amount")][i] else { panic!() };
            sums[p_i] += x;
            counts[p_i] += 1;
            last[p_i] = Some(last[p_i].map_or(*at, |l| l.max(*at)));
        }
        for i in 0..n {
            prop_assert_eq!(&parents[idx(&ir, "parents", "total")][i], &Value::Decimal(sums[i], 2));
            prop_assert_eq!(&parents[idx(&ir, "parents", "n_children")][i], &Value::Int(counts[i]));
            prop_assert_eq!(&parents[idx(&ir, "parents", "last_at")][i], &last[i].map_or(Value::Null, Value::Timestamp));
        }
        // Null rate and choice frequencies within 5 standard deviations.
        let nn = parents[idx(&ir, "parents", "maybe")].iter().filter(|v| **v == Value::Null).count() as f64;
        let sd = (n as f64 * p.null_rate * (1.0 - p.null_rate)).sqrt();
        prop_assert!((nn - n as f64 * p.null_rate).abs() <= 5.0 * sd + 1.0, "nulls {} of {} at rate {}", nn, n, p.null_rate);
        let total: u32 = p.weights.iter().sum();
        for (k, w) in p.weights.iter().enumerate() {
            let expect = *w as f64 / total as f64;
            let got = parents[idx(&ir, "parents", "cat")].iter().filter(|v| v.display() == format!("v{k}")).count() as f64;
            let sd = (n as f64 * expect * (1.0 - expect)).sqrt();
            prop_assert!((got - n as f64 * expect).abs() <= 5.0 * sd + 1.0, "v{} {} of {} (p {})", k, got, n, expect);
        }
    }
}
