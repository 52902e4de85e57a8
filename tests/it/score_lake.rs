//! `lab score` against the answer key the compiler itself writes: a lake compiled from the
//! messy corpus `tests/data/valid/silo_mess` (two systems, near and exact duplicates, orphans,
//! late rows, cell defects, a CRM whose contacts stand for the shop's customers) and three
//! submissions `tests/tools/score_lake.py` writes from its raw exports and truth — the truth
//! scores 1 everywhere; doing nothing reproduces the counts the helper takes from the answer
//! key, the raw files and the truth; a simple pipeline lands strictly in between, with the
//! pair counts and B-cubed the helper computes on its own. The helper takes any specs and
//! scale: [`Scored::build`] and the checks work for other specs as they are.

use crate::common::{self, root, tmp};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A compiled lake, its submissions, what the helper expects and the three reports.
struct Scored {
    base: PathBuf,
    expect: Value,
    perfect: Value,
    nothing: Value,
    pipeline: Value,
}

impl Scored {
    /// Compiles `specs` at `scale` (with exports and the answer key), writes the submissions
    /// and scores each of them.
    fn build(specs: &str, scale: &str, name: &str) -> Scored {
        let base = tmp(name);
        let out = base.join("out");
        common::compile(&root().join(specs), &out, &["--scale", scale]);
        let ir = lab::check(&root().join(specs)).ir.expect("valid specs");
        let exports = crate::silo::exports_json(&ir);
        std::fs::write(out.join("exports.json"), exports.to_string()).unwrap();
        let subs = base.join("subs");
        let report = common::run_tool("score_lake.py", &[out.as_os_str(), subs.as_os_str()]);
        let expect: Value = serde_json::from_str(&report).unwrap();
        let score = |sub: &str| -> Value {
            let o = common::lab(&[
                "score",
                subs.join(sub).to_str().unwrap(),
                "--lake",
                out.to_str().unwrap(),
                "--specs",
                specs,
                "--json",
            ]);
            assert!(
                o.status.success(),
                "{sub}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            serde_json::from_slice(&o.stdout).unwrap()
        };
        Scored {
            expect,
            perfect: score("perfect"),
            nothing: score("nothing"),
            pipeline: score("pipeline"),
            base,
        }
    }

    /// The report's entry of an export (`system/entity`) in `list` of a report.
    fn export<'a>(report: &'a Value, name: &str) -> &'a Value {
        let (system, entity) = name.split_once('/').unwrap();
        report["clean"]
            .as_array()
            .and_then(|l| {
                l.iter()
                    .find(|t| t["system"] == system && t["entity"] == entity)
            })
            .unwrap_or_else(|| panic!("no cleaning report of {name}"))
    }

    fn exports(&self) -> Vec<(&String, &Value)> {
        self.expect["exports"].as_object().unwrap().iter().collect()
    }
}

const MESS: &str = "tests/data/valid/silo_mess";
/// The tests sharing the silo_mess lake; the last one to pass deletes it.
const MESS_TESTS: usize = 4;

fn mess() -> &'static Scored {
    static S: OnceLock<Scored> = OnceLock::new();
    S.get_or_init(|| Scored::build(MESS, "0.25", "score_lake_mess"))
}

/// Counts a passed test; the last one deletes the lake (a failure keeps it to look at).
fn passed(s: &Scored, done: &AtomicUsize, of: usize) {
    if done.fetch_add(1, Ordering::SeqCst) + 1 == of {
        let _ = std::fs::remove_dir_all(&s.base);
    }
}

static MESS_DONE: AtomicUsize = AtomicUsize::new(0);

/// The element of a JSON list whose `key` is `value`.
fn find<'a>(list: &'a Value, key: &str, value: &str) -> &'a Value {
    list.as_array()
        .and_then(|l| l.iter().find(|v| v[key] == value))
        .unwrap_or_else(|| panic!("no `{key}` = `{value}` in {list}"))
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// A ratio of the report; an undefined one (`null`) scores 0 in comparisons.
fn score_of(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

/// The pair counts of a report's clusters entry equal the helper's.
fn same_pairs(got: &Value, want: &Value, what: &str) {
    for part in ["pairs", "cross_system_pairs"] {
        for n in ["true_positive", "predicted", "actual"] {
            assert_eq!(got[part][n], want[part][n], "{what} {part}.{n}: {got}");
        }
    }
    for m in ["precision", "recall"] {
        let (g, w) = (num(&got["bcubed"][m]), num(&want["bcubed"][m]));
        assert!(close(g, w), "{what} B-cubed {m}: report {g}, helper {w}");
    }
    assert_eq!(got["records"], want["records"], "{what}");
}

/// The truth: every defined ratio 1 (a measure with no true pair is undefined, not 1), every
/// planted cell fixed and no clean one broken, complete keys, exact reconciliations.
fn check_perfect(s: &Scored) {
    let r = &s.perfect;
    let want = &s.expect["clusters"]["perfect"];
    let mut cross = 0;
    for (entity, w) in want.as_object().unwrap() {
        let c = find(&r["clusters"], "entity", entity);
        same_pairs(c, w, entity);
        for part in ["pairs", "cross_system_pairs"] {
            let defined = num(&w[part]["actual"]) > 0.0;
            for m in ["precision", "recall", "f1"] {
                if defined {
                    assert_eq!(num(&c[part][m]), 1.0, "{entity} {part}.{m}: {c}");
                } else {
                    assert!(c[part][m].is_null(), "{entity} {part}.{m}: {c}");
                }
            }
        }
        cross += c["cross_system_pairs"]["actual"].as_u64().unwrap();
        for m in ["precision", "recall", "f1"] {
            assert_eq!(num(&c["bcubed"][m]), 1.0, "{entity} B-cubed {m}: {c}");
        }
        assert_eq!(
            (&c["unlisted"], &c["unknown"]["count"]),
            (&0.into(), &0.into())
        );
    }
    assert!(
        cross > 0,
        "no record is linked across systems: {}",
        r["clusters"]
    );
    for (name, w) in s.exports() {
        let t = Scored::export(r, name);
        let total = &t["total"];
        assert_eq!(total["fixed"], total["defective"], "{name}: {total}");
        assert_eq!(total["changed"], total["defective"], "{name}: {total}");
        assert_eq!(total["broken"], 0, "{name}: {total}");
        if num(&total["defective"]) > 0.0 {
            for m in ["precision", "recall", "f1"] {
                assert_eq!(num(&total["correction"][m]), 1.0, "{name}: {total}");
            }
        }
        for k in t["by_defect"].as_array().unwrap() {
            assert_eq!(k["fixed"], k["defective"], "{name}: {k}");
        }
        assert_eq!(t["completeness"], w["completeness_perfect"], "{name}");
        assert_eq!(t["completeness"]["missing"], 0, "{name}");
        assert_eq!(t["completeness"]["repeated"], 0, "{name}");
    }
    let defective: f64 = r["clean"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| num(&t["total"]["defective"]))
        .sum();
    assert!(defective > 0.0, "nothing planted");
    for u in r["unified"].as_array().unwrap() {
        assert_eq!(num(&u["rows"]["abs_error"]), 0.0, "{u}");
        for m in u["measures"].as_array().unwrap() {
            assert_eq!(num(&m["total"]["abs_error"]), 0.0, "{m}");
            for mo in m["by_month"].as_array().unwrap() {
                assert_eq!(num(&mo["abs_error"]), 0.0, "{mo}");
            }
        }
    }
}

/// Doing nothing: no pair found, nothing changed, and every count equal to the helper's count
/// from the answer key, the raw files and the truth.
fn check_nothing(s: &Scored) {
    let r = &s.nothing;
    for (entity, w) in s.expect["clusters"]["nothing"].as_object().unwrap() {
        let c = find(&r["clusters"], "entity", entity);
        same_pairs(c, w, entity);
        assert_eq!(c["pairs"]["predicted"], 0, "{c}");
        if num(&w["pairs"]["actual"]) > 0.0 {
            assert_eq!(num(&c["pairs"]["recall"]), 0.0, "{c}");
            assert!(c["pairs"]["precision"].is_null(), "{c}");
        }
        assert_eq!(num(&c["bcubed"]["precision"]), 1.0, "{c}");
    }
    for (name, w) in s.exports() {
        let t = Scored::export(r, name);
        for col in t["columns"].as_array().unwrap() {
            let n = col["column"].as_str().unwrap();
            // A column added from some batch on has cells only from that batch on.
            assert_eq!(col["cells"], w["cells_of"][n], "{name}.{n}: {col}");
            assert_eq!(col["defective"], w["defective"][n], "{name}.{n}: {col}");
            for k in ["changed", "fixed", "broken"] {
                assert_eq!(col[k], 0, "{name}.{n} {k}: {col}");
            }
            if num(&col["defective"]) > 0.0 {
                assert_eq!(num(&col["correction"]["recall"]), 0.0, "{name}.{n}: {col}");
                assert_eq!(num(&col["detection"]["recall"]), 0.0, "{name}.{n}: {col}");
            }
        }
        let planted: serde_json::Map<String, Value> = t["by_defect"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| {
                (
                    k["defect"].as_str().unwrap().to_string(),
                    k["planted"].clone(),
                )
            })
            .collect();
        assert_eq!(Value::Object(planted), w["planted"], "{name} by defect");
        let records: serde_json::Map<String, Value> = t["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| (k["kind"].as_str().unwrap().to_string(), k["count"].clone()))
            .collect();
        assert_eq!(
            Value::Object(records),
            w["records"],
            "{name} planted records"
        );
        assert_eq!(t["completeness"], w["completeness_nothing"], "{name}");
        assert_eq!(
            t["completeness"]["repeated"], w["repeated_raw_keys"],
            "{name}"
        );
    }
    for (entity, w) in s.expect["unified"].as_object().unwrap() {
        let u = find(&r["unified"], "entity", entity);
        assert_eq!(num(&u["rows"]["truth"]), num(&w["rows"]), "{u}");
        assert_eq!(
            num(&u["rows"]["user"]),
            num(&w["user_rows"]["nothing"]),
            "{u}"
        );
        for (col, total) in w["truth"].as_object().unwrap() {
            let m = find(&u["measures"], "column", col);
            assert!(close(num(&m["total"]["truth"]), num(total)), "{m}");
            let user = num(&w["nothing"][col]);
            assert!(close(num(&m["total"]["user"]), user), "{m}");
        }
    }
}

/// A simple pipeline: its pair counts and B-cubed equal the helper's own computation, and
/// every headline measure lies strictly between doing nothing and the truth.
fn check_pipeline(s: &Scored) {
    let (p, n, h) = (&s.perfect, &s.nothing, &s.pipeline);
    for (entity, w) in s.expect["clusters"]["pipeline"].as_object().unwrap() {
        let c = find(&h["clusters"], "entity", entity);
        same_pairs(c, w, entity);
        if num(&w["pairs"]["actual"]) == 0.0 {
            // No duplicates: every partition into singletons is right.
            continue;
        }
        for part in ["pairs", "cross_system_pairs", "bcubed"] {
            if part != "bcubed" && num(&w[part]["actual"]) == 0.0 {
                continue;
            }
            let f1 = |r: &Value| score_of(&find(&r["clusters"], "entity", entity)[part]["f1"]);
            let (fp, fn_, fh) = (f1(p), f1(n), f1(h));
            assert!(
                fn_ < fh && fh < fp,
                "{entity} {part} F1: nothing {fn_}, pipeline {fh}, truth {fp}"
            );
        }
    }
    for (name, w) in s.exports() {
        let t = Scored::export(h, name);
        assert_eq!(t["completeness"], w["completeness_pipeline"], "{name}");
        if num(&t["total"]["defective"]) == 0.0 {
            continue;
        }
        let f1 = |r: &Value| score_of(&Scored::export(r, name)["total"]["correction"]["f1"]);
        let (fp, fn_, fh) = (f1(p), f1(n), f1(h));
        assert!(
            fn_ < fh && fh < fp,
            "{name} correction F1: nothing {fn_}, pipeline {fh}, truth {fp}"
        );
    }
    let mut between = 0;
    for (entity, w) in s.expect["unified"].as_object().unwrap() {
        for col in w["truth"].as_object().unwrap().keys() {
            let err = |r: &Value| -> f64 {
                let u = find(&r["unified"], "entity", entity);
                num(&find(&u["measures"], "column", col)["total"]["abs_error"]).abs()
            };
            let (en, eh) = (err(n), err(h));
            let m = find(
                &find(&h["unified"], "entity", entity)["measures"],
                "column",
                col,
            );
            assert!(
                close(num(&m["total"]["user"]), num(&w["pipeline"][col])),
                "{m}"
            );
            if en > 0.0 {
                assert!(
                    0.0 < eh && eh < en,
                    "{entity}.{col} total: nothing off by {en}, pipeline by {eh}"
                );
                between += 1;
            }
        }
    }
    assert!(between > 0, "no reconciliation tells the submissions apart");
}

#[test]
fn the_truth_of_a_compiled_lake_scores_perfectly() {
    let s = mess();
    check_perfect(s);
    passed(s, &MESS_DONE, MESS_TESTS);
}

#[test]
fn doing_nothing_reproduces_the_compiled_answer_keys_counts() {
    let s = mess();
    check_nothing(s);
    passed(s, &MESS_DONE, MESS_TESTS);
}

#[test]
fn a_simple_pipeline_on_a_compiled_lake_lands_strictly_in_between() {
    let s = mess();
    check_pipeline(s);
    // Here the pipeline's rules touch planted defects only (other specs' amounts may be
    // heavy-tailed, or their e-mails keep capitals, and then it breaks cells).
    for (name, _) in s.exports() {
        let total = &Scored::export(&s.pipeline, name)["total"];
        assert_eq!(total["broken"], 0, "{name}: {total}");
    }
    passed(s, &MESS_DONE, MESS_TESTS);
}

/// An order may refer to a customer's near-duplicate registration; its clean value is the
/// original's key (as applying the answer key makes it), so the truth fixes those cells and
/// doing nothing leaves every one of them defective — though the cells log lists none.
#[test]
fn a_reference_to_a_copy_is_cleaned_to_its_original() {
    let s = mess();
    let want = &s.expect["exports"]["shop/orders"];
    assert!(num(&want["defective"]["customer_id"]) > 0.0, "{want}");
    let column = |r: &Value| -> Value {
        find(
            &Scored::export(r, "shop/orders")["columns"],
            "column",
            "customer_id",
        )
        .clone()
    };
    let (perfect, nothing) = (column(&s.perfect), column(&s.nothing));
    assert_eq!(nothing["defective"], want["defective"]["customer_id"]);
    assert_eq!(
        perfect["fixed"], want["defective"]["customer_id"],
        "{perfect}"
    );
    assert_eq!(perfect["broken"], 0, "{perfect}");
    passed(s, &MESS_DONE, MESS_TESTS);
}
