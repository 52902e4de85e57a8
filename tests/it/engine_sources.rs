//! Row sources, picks and expression functions of the generic engine, end to end on small
//! in-memory specs: resolve → plan → generate.

use lab::arrow::util::display::array_value_to_string;
use lab::codes;
use lab::diagnostics::Diagnostic;
use lab::generate::ErrorKind;
use lab::plan::{Plan, PlanOptions, plan};

const SPEC: &str = r#"
domain: t
entities:
  accounts:
    rows: { fixed: 4 }
    primary_key: account_id
    attributes:
      account_id: { type: int32, cycle: [1000, 2000, 1100, 2100] }
      parent_id: { ref: accounts, hierarchy: { depth: 2 } }
  docs:
    rows: 50
    primary_key: doc_id
    attributes:
      doc_id: { type: string, key: "D-{row:03}" }
      n_items: { type: int32, dist: { uniform: [0, 3] } }
      amount: { type: float64, expr: "random()" }
      amount2: { type: float64, expr: "random()" }
  items:
    rows: { per: docs, count: { expr: "n_items" } }
    primary_key: [doc_id, line_no]
    attributes:
      doc_id: { ref: docs }
      line_no: { type: int32, key: child_index }
  mirror:
    rows: { per: docs, count: { expr: "n_items + 1" } }
    primary_key: [doc_id, n]
    attributes:
      doc_id: { ref: docs }
      n: { type: int32, key: child_index }
      item_doc: { ref: items.doc_id, pick: { nth_child: child_index } }
      item_line: { ref: items.line_no, pick: { nth_child: child_index } }
  journal:
    rows: { union: [ { per: docs, count: 2 }, { per: items, count: 1 }, 3 ] }
    primary_key: id
    attributes:
      id: { type: int64, key: sequence }
      src: { type: int32, expr: "union_index" }
      pos: { type: int32, expr: "child_index" }
      doc_id: { ref: docs }
      item_doc: { ref: items.doc_id }
      item_line: { ref: items.line_no }
      any_doc: { ref: docs, pick: ancestor }
      account_id: { ref: accounts, lookup: "case union_index when 1 then 1100 when 2 then 2100 else 1000 end" }
      doc_amount: { type: float64, expr: "docs.amount" }
"#;

fn plan_of(spec: &str, seed: u64) -> Result<Plan, Vec<Diagnostic>> {
    let checked = lab::check_texts(&[("t.yaml", spec)]);
    let Some(ir) = &checked.ir else {
        panic!("spec should resolve:\n{}", checked.render(false));
    };
    plan(
        ir,
        PlanOptions {
            seed,
            chunk_rows: 7, // several chunks, so values must not depend on the batch
            file_rows: 7,
            ..PlanOptions::default()
        },
    )
}

/// Every value of column `name` of entity `entity`, as text ("" for null).
fn column(plan: &Plan, entity: &str, name: &str) -> Vec<String> {
    let e = plan.ir.entity_by_name("t", entity).unwrap();
    let mut out = Vec::new();
    for (a, b) in plan.chunks(e) {
        let batch = lab::generate::chunk(plan, e, a, b).expect("lookups hit");
        let col = batch.column_by_name(name).unwrap();
        for i in 0..col.len() {
            out.push(if col.is_null(i) {
                String::new()
            } else {
                array_value_to_string(col, i).unwrap()
            });
        }
    }
    out
}

#[test]
fn values_do_not_depend_on_chunking() {
    let checked = lab::check_texts(&[("t.yaml", SPEC)]);
    let ir = checked.ir.as_ref().unwrap();
    let big = plan(ir, PlanOptions::default()).unwrap();
    let small = plan_of(SPEC, 42).unwrap();
    for (entity, col) in [
        ("journal", "account_id"),
        ("journal", "doc_amount"),
        ("mirror", "item_line"),
    ] {
        assert_eq!(
            column(&big, entity, col),
            column(&small, entity, col),
            "{entity}.{col}"
        );
    }
}

#[test]
fn count_expressions_give_each_parent_its_count() {
    let p = plan_of(SPEC, 42).unwrap();
    let n_items: u64 = column(&p, "docs", "n_items")
        .iter()
        .map(|v| v.parse::<u64>().unwrap())
        .sum();
    assert_eq!(
        p.entities[p.ir.entity_by_name("t", "items").unwrap()].rows,
        n_items
    );
    let mirror = p.ir.entity_by_name("t", "mirror").unwrap();
    assert_eq!(p.entities[mirror].rows, n_items + 50);
}

#[test]
fn union_members_follow_each_other() {
    let p = plan_of(SPEC, 42).unwrap();
    let n_items = p.entities[p.ir.entity_by_name("t", "items").unwrap()].rows;
    let src = column(&p, "journal", "src");
    assert_eq!(src.len() as u64, 100 + n_items + 3);
    assert!(src[..100].iter().all(|s| s == "1"));
    assert!(src[100..100 + n_items as usize].iter().all(|s| s == "2"));
    assert_eq!(&src[src.len() - 3..], ["3", "3", "3"]);
    // A member's parent is reachable only on its own rows; `ancestor` reaches docs
    // through either member.
    let doc = column(&p, "journal", "doc_id");
    let item_doc = column(&p, "journal", "item_doc");
    let any_doc = column(&p, "journal", "any_doc");
    for i in 0..src.len() {
        match src[i].as_str() {
            "1" => {
                assert!(!doc[i].is_empty() && item_doc[i].is_empty() && any_doc[i] == doc[i])
            }
            "2" => {
                assert!(doc[i].is_empty() && !item_doc[i].is_empty() && any_doc[i] == item_doc[i])
            }
            _ => assert!(doc[i].is_empty() && item_doc[i].is_empty() && any_doc[i].is_empty()),
        }
    }
    assert_eq!(&column(&p, "journal", "pos")[..4], ["1", "2", "1", "2"]);
    // An expression reaches docs through the member's own path.
    let amount = column(&p, "docs", "amount");
    let doc_amount = column(&p, "journal", "doc_amount");
    assert_eq!(doc_amount[0], amount[0]);
    assert!(doc_amount[src.len() - 1].is_empty());
}

#[test]
fn lookups_find_rows_by_key_value() {
    let p = plan_of(SPEC, 42).unwrap();
    let acc = column(&p, "journal", "account_id");
    let src = column(&p, "journal", "src");
    for (a, s) in acc.iter().zip(&src) {
        let want = match s.as_str() {
            "1" => "1100",
            "2" => "2100",
            _ => "1000",
        };
        assert_eq!(a, want);
    }
}

#[test]
fn a_lookup_value_without_a_row_is_a_plan_error() {
    let spec = SPEC.replace("else 1000 end", "else 3000 end");
    let errors = plan_of(&spec, 42).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code, codes::BAD_KEY);
    assert!(
        errors[0].message.contains("t.journal.account_id"),
        "{}",
        errors[0].message
    );
    assert!(errors[0].message.contains("3000"), "{}", errors[0].message);
    // A value that depends on the row is checked as the rows are generated: the chunk
    // that meets it is refused.
    let spec = SPEC.replace(
        "lookup: \"case union_index when 1 then 1100 when 2 then 2100 else 1000 end\"",
        "lookup: \"1000 + 100 * union_index\"",
    );
    let p = plan_of(&spec, 42).unwrap();
    let e = p.ir.entity_by_name("t", "journal").unwrap();
    let miss = p
        .chunks(e)
        .into_iter()
        .find_map(|(a, b)| lab::generate::chunk(&p, e, a, b).err())
        .expect("a chunk meets the missing key");
    assert!(
        matches!(&miss.kind, ErrorKind::LookupMiss { value, .. } if value == "1200"),
        "{miss:?}"
    );
    let d = miss.diagnostic(&p);
    assert_eq!(d.code, codes::BAD_KEY);
    assert!(d.message.contains("t.journal.account_id"), "{}", d.message);
}

#[test]
fn nth_child_picks_the_matching_child_or_null() {
    let p = plan_of(SPEC, 42).unwrap();
    let doc = column(&p, "mirror", "doc_id");
    let n = column(&p, "mirror", "n");
    let item_doc = column(&p, "mirror", "item_doc");
    let item_line = column(&p, "mirror", "item_line");
    let n_items: std::collections::HashMap<String, String> = column(&p, "docs", "doc_id")
        .into_iter()
        .zip(column(&p, "docs", "n_items"))
        .collect();
    for i in 0..doc.len() {
        let k: u32 = n[i].parse().unwrap();
        let count: u32 = n_items[&doc[i]].parse().unwrap();
        if k > count {
            // The extra last child has no matching item.
            assert!(item_doc[i].is_empty() && item_line[i].is_empty());
        } else {
            assert_eq!(item_doc[i], doc[i]);
            assert_eq!(item_line[i], n[i]);
        }
    }
}

#[test]
fn random_is_per_call_per_row_and_per_seed() {
    let a = plan_of(SPEC, 42).unwrap();
    let b = plan_of(SPEC, 7).unwrap();
    let x = column(&a, "docs", "amount");
    assert_eq!(x, column(&plan_of(SPEC, 42).unwrap(), "docs", "amount"));
    assert_ne!(x, column(&a, "docs", "amount2"));
    assert_ne!(x, column(&b, "docs", "amount"));
    let v: Vec<f64> = x.iter().map(|s| s.parse().unwrap()).collect();
    assert!(v.iter().all(|f| (0.0..1.0).contains(f)));
    assert!(v.windows(2).any(|w| w[0] != w[1]));
}

#[test]
fn misuse_is_diagnosed() {
    let cases = [
        // lookup needs a fixed target
        (
            "account_id: { ref: accounts, lookup:",
            "account_id: { ref: docs, lookup:",
            "`lookup` needs",
        ),
        // ancestor picks need an ancestor
        (
            "any_doc: { ref: docs, pick: ancestor }",
            "any_doc: { ref: accounts, pick: ancestor }",
            "`pick: ancestor` needs",
        ),
        // union_index only in unions
        (
            "amount2: { type: float64, expr: \"random()\" }",
            "amount2: { type: float64, expr: \"union_index\" }",
            "`union_index` needs",
        ),
        // a count expression is an integer
        (
            "count: { expr: \"n_items\" }",
            "count: { expr: \"'x'\" }",
            "must be an integer",
        ),
    ];
    for (from, to, want) in cases {
        let spec = SPEC.replace(from, to);
        assert_ne!(spec, SPEC, "{from}");
        let checked = lab::check_texts(&[("t.yaml", &spec)]);
        let text = checked.render(false);
        assert!(
            checked.has_errors() && text.contains(want),
            "{want}:\n{text}"
        );
    }
}

const MATCH_SPEC: &str = r#"
domain: t
entities:
  depots:
    rows: 9
    primary_key: depot_id
    attributes:
      depot_id: { type: int32, key: sequence }
      zone: { type: int32, cycle: [1, 2, 3] }
      size: { type: float64, expr: "case when depot_id <= 3 then 0 else depot_id end" }
  stores:
    rows: 40
    primary_key: store_id
    attributes:
      store_id: { type: int32, key: sequence }
      zone: { type: int32, choice: [1, 2, 3] }
  deliveries:
    rows: { per: stores, count: 5 }
    primary_key: delivery_id
    attributes:
      delivery_id: { type: int64, key: sequence }
      store_id: { ref: stores }
      depot_id: { ref: depots, pick: { match: { zone: "stores.zone" }, weighted: size } }
      any_depot: { ref: depots, pick: { match: { zone: "stores.zone" } } }
"#;

#[test]
fn match_picks_stay_within_the_group_and_follow_weights() {
    let p = plan_of(MATCH_SPEC, 7).unwrap();
    let zone_of = |depot: &str| (depot.parse::<u32>().unwrap() - 1) % 3 + 1;
    let stores = column(&p, "stores", "zone");
    let store = column(&p, "deliveries", "store_id");
    let mut small = 0;
    for pick in ["depot_id", "any_depot"] {
        let depots = column(&p, "deliveries", pick);
        assert_eq!(depots.len(), 200);
        for (d, s) in depots.iter().zip(&store) {
            let want: u32 = stores[s.parse::<usize>().unwrap() - 1].parse().unwrap();
            assert_eq!(zone_of(d), want, "{pick}: depot {d} for store {s}");
            if pick == "depot_id" && d.parse::<u32>().unwrap() <= 3 {
                small += 1;
            }
        }
    }
    // Depots 1–3 weigh 0: a weighted pick never chooses them.
    assert_eq!(small, 0);
}

#[test]
fn a_match_value_without_rows_is_a_plan_or_generation_error() {
    // Zone 3 has only depots of weight 0, and the stores' zones are a known choice.
    let spec = MATCH_SPEC.replace("depot_id <= 3 then 0", "depot_id % 3 = 0 then 0");
    let errors = plan_of(&spec, 7).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code, codes::EMPTY_GROUP);
    assert!(
        errors[0].message.contains("t.deliveries.depot_id"),
        "{}",
        errors[0].message
    );
    assert!(errors[0].message.contains("`3`"), "{}", errors[0].message);
    // A computed value is checked as the rows are generated: the chunk that meets it is
    // refused.
    let spec = MATCH_SPEC.replace(
        "{ match: { zone: \"stores.zone\" } }",
        "{ match: { zone: \"stores.zone + 1\" } }",
    );
    let p = plan_of(&spec, 7).unwrap();
    let e = p.ir.entity_by_name("t", "deliveries").unwrap();
    let miss = p
        .chunks(e)
        .into_iter()
        .find_map(|(a, b)| lab::generate::chunk(&p, e, a, b).err())
        .expect("a chunk meets zone 4");
    assert!(
        matches!(&miss.kind, ErrorKind::EmptyGroup { value, .. } if value == "4"),
        "{miss:?}"
    );
    assert_eq!(miss.diagnostic(&p).code, codes::EMPTY_GROUP);
}

#[test]
fn a_row_count_can_read_through_a_match_pick() {
    let spec = format!(
        "{MATCH_SPEC}  stops:\n    rows: {{ per: deliveries, count: {{ expr: \"depot_id.zone\" }} }}\n    primary_key: stop_id\n    attributes:\n      stop_id: {{ type: int64, key: sequence }}\n      delivery_id: {{ ref: deliveries }}\n"
    );
    let p = plan_of(&spec, 7).unwrap();
    let zone_of = |depot: &str| (depot.parse::<usize>().unwrap() - 1) % 3 + 1;
    let depots = column(&p, "deliveries", "depot_id");
    let stops = column(&p, "stops", "delivery_id");
    let mut per = vec![0usize; depots.len()];
    for s in &stops {
        per[s.parse::<usize>().unwrap() - 1] += 1;
    }
    for (d, n) in depots.iter().zip(&per) {
        assert_eq!(*n, zone_of(d), "delivery with depot {d}");
    }
}
