//! `lab score` (`src/grade/`) over a small lake (`tests/data/score`) into which
//! `tests/tools/score_fixture.py` plants duplicates, cell defects and the answer key in the
//! contract's layout: the truth itself scores perfectly; doing nothing scores recall 0 and
//! reproduces the planted counts; a simple pipeline lands strictly in between; every bad
//! input gets its message and exit code; the JSON has the fields `docs/scoring.md` documents.

use crate::common::{self, root, tmp};
use serde_json::Value;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

const SPECS: &str = "tests/data/score";

struct Fixture {
    /// The compiled output directory (holding `lake/`).
    out: PathBuf,
    /// `perfect/`, `nothing/`, `halfway/` and `bad/<mistake>/`.
    subs: PathBuf,
    /// What was planted: `cells` per `entity.column`, and more.
    planted: Value,
}

/// One lake and its submissions, built once for every test of this module.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let base = tmp("score");
        let out = base.join("out");
        let o = common::run_compile(&root().join(SPECS), &out, &[]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let lake = out.join("lake");
        let subs = base.join("subs");
        let run = |args: &[&OsStr]| common::run_tool("score_fixture.py", args);
        let planted: Value =
            serde_json::from_str(&run(&["plant".as_ref(), lake.as_os_str()])).unwrap();
        run(&["submit".as_ref(), lake.as_os_str(), subs.as_os_str()]);
        run(&[
            "bad".as_ref(),
            lake.as_os_str(),
            subs.join("bad").as_os_str(),
        ]);
        Fixture { out, subs, planted }
    })
}

fn score(sub: &Path, lake: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "score",
        sub.to_str().unwrap(),
        "--lake",
        lake.to_str().unwrap(),
        "--specs",
        SPECS,
    ];
    args.extend_from_slice(extra);
    common::lab(&args)
}

/// The JSON report of a submission of the fixture (which must score).
fn report(name: &str) -> Value {
    let f = fixture();
    let o = score(&f.subs.join(name), &f.out, &["--json"]);
    assert!(
        o.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// The element of a JSON list whose `key` is `value`.
fn find<'a>(list: &'a Value, key: &str, value: &str) -> &'a Value {
    list.as_array()
        .and_then(|l| l.iter().find(|v| v[key] == value))
        .unwrap_or_else(|| panic!("no `{key}` = `{value}` in {list}"))
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[test]
fn the_truth_scores_perfectly() {
    let r = report("perfect");
    let c = find(&r["clusters"], "entity", "customers");
    for part in ["pairs", "cross_system_pairs", "bcubed"] {
        assert_eq!(num(&c[part]["f1"]), 1.0, "{part}: {c}");
    }
    assert_eq!(c["unlisted"], 0);
    assert_eq!(r["clean"].as_array().map(Vec::len), Some(3));
    for t in r["clean"].as_array().unwrap() {
        let total = &t["total"];
        assert!(num(&total["defective"]) > 0.0, "{t}");
        assert_eq!(total["broken"], 0, "{t}");
        assert_eq!(num(&total["correction"]["precision"]), 1.0, "{t}");
        assert_eq!(num(&total["correction"]["recall"]), 1.0, "{t}");
        let k = &t["completeness"];
        assert_eq!(
            (&k["missing"], &k["extra"]),
            (&Value::from(0), &Value::from(0))
        );
    }
    for u in r["unified"].as_array().unwrap() {
        assert_eq!(num(&u["rows"]["abs_error"]), 0.0, "{u}");
        for m in u["measures"].as_array().unwrap() {
            assert_eq!(num(&m["total"]["abs_error"]), 0.0, "{m}");
            assert!(!m["by_month"].as_array().unwrap().is_empty(), "{m}");
            for mo in m["by_month"].as_array().unwrap() {
                assert_eq!(num(&mo["abs_error"]), 0.0, "{mo}");
            }
        }
    }
}

#[test]
fn doing_nothing_finds_nothing_and_reproduces_the_planted_counts() {
    let f = fixture();
    let r = report("nothing");
    let c = find(&r["clusters"], "entity", "customers");
    assert_eq!(num(&c["pairs"]["recall"]), 0.0);
    assert!(c["pairs"]["precision"].is_null(), "no pair predicted: {c}");
    assert_eq!(num(&c["cross_system_pairs"]["recall"]), 0.0);
    let planted = f.planted["cells"].as_object().unwrap();
    let mut total = 0.0;
    for t in r["clean"].as_array().unwrap() {
        let entity = t["entity"].as_str().unwrap();
        for col in t["columns"].as_array().unwrap() {
            let key = format!("{entity}.{}", col["column"].as_str().unwrap());
            let want = planted.get(&key).map_or(0.0, num);
            assert_eq!(num(&col["defective"]), want, "{key}: {col}");
            assert_eq!(col["changed"], 0, "{key}: {col}");
            total += want;
        }
        if num(&t["total"]["defective"]) > 0.0 {
            assert_eq!(num(&t["total"]["correction"]["recall"]), 0.0, "{t}");
        }
    }
    let all: f64 = planted.values().map(num).sum();
    assert_eq!(total, all, "every planted cell is counted once");
    // The exact duplicate is exported twice, so a table parsed from the export repeats it.
    let customers = find(&r["clean"], "entity", "customers");
    assert_eq!(customers["completeness"]["repeated"], 1);
    assert_eq!(customers["records"][0]["kind"], "exact_duplicate");
    let orders = find(&r["clean"], "entity", "orders");
    assert_eq!(find(&orders["records"], "kind", "drift")["count"], 1);
    // Amounts in the wrong unit inflate the revenue of their month.
    let orders = find(&r["unified"], "entity", "orders");
    let amount = find(&orders["measures"], "column", "amount");
    assert!(num(&amount["total"]["abs_error"]) > 0.0, "{amount}");
    assert_eq!(orders["month_column"], "ordered_at");
}

#[test]
fn a_simple_pipeline_lands_strictly_in_between() {
    let (perfect, nothing, half) = (report("perfect"), report("nothing"), report("halfway"));
    let f1 = |r: &Value, part: &str| -> f64 {
        let c = find(&r["clusters"], "entity", "customers");
        c[part]["f1"].as_f64().unwrap_or(0.0)
    };
    for part in ["pairs", "bcubed"] {
        let (p, n, h) = (f1(&perfect, part), f1(&nothing, part), f1(&half, part));
        assert!(
            n < h && h < p,
            "{part}: nothing {n}, halfway {h}, perfect {p}"
        );
    }
    let c = find(&half["clusters"], "entity", "customers");
    assert_eq!(c["unknown"]["count"], 1);
    assert_eq!(c["unknown"]["examples"][0], "shop_platform/C-7777");
    let cleaning = |r: &Value| -> f64 {
        let t = find(&r["clean"], "entity", "customers");
        t["total"]["correction"]["f1"].as_f64().unwrap_or(0.0)
    };
    let (p, n, h) = (cleaning(&perfect), cleaning(&nothing), cleaning(&half));
    assert!(
        n < h && h < p,
        "cleaning: nothing {n}, halfway {h}, perfect {p}"
    );
    let email = find(
        &find(&half["clean"], "entity", "customers")["columns"],
        "column",
        "email",
    );
    assert_eq!(email["fixed"], email["defective"], "{email}");
    let kinds = &find(&half["clean"], "entity", "customers")["by_defect"];
    for (kind, fixed) in [
        ("case", true),
        ("whitespace", true),
        ("day_month_swap", false),
    ] {
        let k = find(kinds, "defect", kind);
        assert!(num(&k["planted"]) > 0.0, "{k}");
        let want = if fixed { num(&k["planted"]) } else { 0.0 };
        assert_eq!(num(&k["fixed"]), want, "{k}");
    }
}

#[test]
fn the_text_report_shows_every_part() {
    let f = fixture();
    let o = score(&f.subs.join("halfway"), &f.out, &[]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    for part in [
        "entity resolution",
        "cleaning shop_platform/customers",
        "record keys: 34 expected",
        "email ",
        "total ",
        "shop_platform/C-7777",
        "–",
    ] {
        assert!(text.contains(part), "`{part}` missing from:\n{text}");
    }
    let o = score(&f.subs.join("nothing"), &f.out, &[]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("reconciliation of orders") && text.contains("amount 2025-"));
}

/// Every key of `v`, recursively.
fn keys(v: &Value, out: &mut std::collections::BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                out.insert(k.clone());
                keys(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| keys(x, out)),
        _ => {}
    }
}

#[test]
fn the_json_report_has_the_documented_fields() {
    let doc = common::read(root().join("docs/scoring.md"));
    let mut all = std::collections::BTreeSet::new();
    for name in ["perfect", "nothing", "halfway"] {
        let r = report(name);
        assert_eq!(r["schema_version"], 1);
        keys(&r, &mut all);
    }
    for k in [
        "clusters",
        "clean",
        "unified",
        "cross_system_pairs",
        "bcubed",
        "completeness",
        "by_month",
        "rel_error",
        "by_defect",
    ] {
        assert!(all.contains(k), "the report lacks `{k}`");
    }
    let undocumented: Vec<&String> = all
        .iter()
        .filter(|k| !doc.contains(&format!("\"{k}\"")))
        .collect();
    assert!(
        undocumented.is_empty(),
        "fields missing from the JSON example of docs/scoring.md: {undocumented:?}"
    );
}

#[test]
fn bad_inputs_get_their_messages() {
    let f = fixture();
    let bad = f.subs.join("bad");
    let cases: &[(&str, &[&str])] = &[
        ("empty_dir", &["holds nothing to score"]),
        ("empty_table", &["empty_table/clusters.csv", "is empty"]),
        (
            "missing_column",
            &["missing_column/clusters.csv", "no column `record_key`"],
        ),
        (
            "unknown_entity",
            &["unknown entity `customer`", "did you mean `customers`"],
        ),
        (
            "unknown_system",
            &[
                "unknown system `shop_platfrom`",
                "did you mean `shop_platform`",
            ],
        ),
        (
            "unknown_pair",
            &["row 1: system `crm` exports no `customers`"],
        ),
        (
            "missing_key",
            &["shop_platform/customers.csv", "no column `customer_id`"],
        ),
        (
            "unknown_column",
            &["column `emial`", "did you mean `email`"],
        ),
        (
            "unknown_export",
            &[
                "`shop_platfrom/customers`",
                "did you mean `shop_platform/customers`",
            ],
        ),
        (
            "unknown_unified",
            &["unknown entity `customer`", "did you mean"],
        ),
        (
            "key_type",
            &["column `customer_id` is Float64", "record key"],
        ),
        (
            "unreadable",
            &["unreadable/clusters.parquet", "not readable Parquet"],
        ),
        (
            "unreadable_csv",
            &["unreadable_csv/unified/orders.csv", "not closed"],
        ),
        (
            "both_formats",
            &["clusters.parquet", "clusters.csv", "keep one"],
        ),
    ];
    for (dir, parts) in cases {
        let o = score(&bad.join(dir), &f.out, &[]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{dir}: {stderr}");
        assert!(o.stdout.is_empty(), "{dir}");
        for p in *parts {
            assert!(stderr.contains(p), "{dir}: `{p}` missing from: {stderr}");
        }
        assert!(!stderr.contains("panicked"), "{dir}: {stderr}");
    }
    let o = score(&bad.join("no_such_dir"), &f.out, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a directory"));
    // The lake of other specs, and flags clap refuses.
    let o = common::lab(&[
        "score",
        f.subs.join("perfect").to_str().unwrap(),
        "--lake",
        f.out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("compiled from other specs"));
    assert_eq!(common::lab(&["score"]).status.code(), Some(2));
    let o = score(&f.subs.join("perfect"), &f.out, &["--bogus"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_lake_without_an_answer_key_is_refused() {
    let f = fixture();
    let out = tmp("score_clean").join("out");
    let o = common::run_compile(&root().join(SPECS), &out, &["--clean"]);
    assert!(o.status.success());
    let o = score(&f.subs.join("perfect"), &out, &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("has no answer key") && stderr.contains("--clean"),
        "{stderr}"
    );
}

/// Two domains with an entity of the same name: one exported with a mess, one not.
const SHARED_A: &str = "domain: a
system: { name: shop, format: csv }
entities:
  customers:
    rows: 20
    primary_key: customer_id
    export:
      exact_duplicates: 0.2
    attributes:
      customer_id: { type: string, key: \"C-{row:04}\" }
      credit: { type: \"decimal(10,2)\", dist: { uniform: [5, 500] }, round: 2 }
";
const SHARED_B: &str = "domain: b
entities:
  customers:
    rows: 5
    primary_key: id
    attributes:
      id: { type: int64, key: sequence }
      balance: { type: \"decimal(10,2)\", dist: { uniform: [1, 9] }, round: 2 }
";

/// Entities of two domains may share a name: a golden table is then named `domain.entity`
/// (the bare name is refused as ambiguous) and reconciled with that domain's truth alone, and
/// the clusters report names the golden entity with its domain.
#[test]
fn entities_of_two_domains_may_share_a_name() {
    let base = tmp("score_shared_name");
    let specs = base.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    std::fs::write(specs.join("a.yaml"), SHARED_A).unwrap();
    std::fs::write(specs.join("b.yaml"), SHARED_B).unwrap();
    let out = base.join("out");
    common::compile(&specs, &out, &[]);
    let sub = base.join("sub");
    std::fs::create_dir_all(sub.join("unified")).unwrap();
    std::fs::copy(
        out.join("lake/truth/b/customers/part-00000.parquet"),
        sub.join("unified/customers.parquet"),
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "score",
            sub.to_str().unwrap(),
            "--lake",
            out.to_str().unwrap(),
            "--specs",
            specs.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        common::lab(&args)
    };
    let o = run(&[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("several domains are named `customers` (a.customers, b.customers)"),
        "{stderr}"
    );
    std::fs::rename(
        sub.join("unified/customers.parquet"),
        sub.join("unified/b.customers.parquet"),
    )
    .unwrap();
    std::fs::write(
        sub.join("clusters.csv"),
        "system,entity,record_key,cluster\nshop,customers,C-0001,x\n",
    )
    .unwrap();
    let o = run(&["--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    let u = &r["unified"][0];
    assert_eq!(u["entity"], "b.customers");
    assert_eq!(
        (num(&u["rows"]["truth"]), num(&u["rows"]["abs_error"])),
        (5.0, 0.0)
    );
    assert_eq!(num(&u["measures"][0]["total"]["abs_error"]), 0.0, "{u}");
    let c = &r["clusters"][0];
    assert_eq!(
        (&c["entity"], &c["records"]),
        (&"a.customers".into(), &20.into())
    );
    std::fs::remove_dir_all(&base).unwrap();
}
