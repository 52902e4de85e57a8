//! Multi-column uniqueness over random specs: every accepted spec writes no duplicate
//! combination (nulls aside), and every refused one has more rows than combinations, at
//! check time (scale 1) or at plan time (the requested scale and the drawn counts).

use lab::arrow::util::display::array_value_to_string;
use lab::codes;
use lab::plan::{PlanOptions, plan};
use proptest::prelude::*;
use std::collections::HashSet;

/// One finite-domain attribute of the constraint: its spec and its number of values.
fn column() -> impl Strategy<Value = (String, u64)> {
    prop_oneof![
        (1u64..7).prop_map(|n| {
            let vals: Vec<String> = (0..n).map(|i| format!("v{i}: {}", i + 1)).collect();
            (
                format!("{{ type: string, choice: {{ {} }} }}", vals.join(", ")),
                n,
            )
        }),
        (0i64..5, 1u64..12).prop_map(|(lo, n)| (
            format!(
                "{{ type: int16, dist: {{ uniform: [{lo}, {}] }} }}",
                lo + n as i64 - 1
            ),
            n
        )),
        (0.0f64..1.0).prop_map(|p| (
            format!("{{ type: bool, dist: {{ bernoulli: {p:.2} }} }}"),
            2
        )),
        (1u64..9).prop_map(|n| (
            format!("{{ type: date, between: [2024-02-01, 2024-02-{:02}] }}", n),
            n
        )),
        (1u64..5).prop_map(|n| {
            let vals: Vec<String> = (0..n).map(|i| format!("c{}", i % 3)).collect();
            (
                format!("{{ type: string, cycle: [{}] }}", vals.join(", ")),
                n.min(3),
            )
        }),
    ]
}

#[derive(Debug)]
struct Case {
    columns: Vec<(String, u64)>,
    /// Rows of the fixed entity, or children per parent as a Poisson mean.
    rows: u64,
    per_parent: Option<f64>,
    nulls: bool,
    scale: f64,
    seed: u64,
    chunk_rows: u64,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::collection::vec(column(), 2..4),
        1u64..260,
        prop_oneof![Just(None), (0.2f64..3.0).prop_map(Some)],
        any::<bool>(),
        prop_oneof![Just(1.0), Just(0.5), Just(2.0)],
        any::<u64>(),
        1u64..80,
    )
        .prop_map(
            |(columns, rows, per_parent, nulls, scale, seed, chunk_rows)| Case {
                columns,
                rows,
                per_parent,
                nulls,
                scale,
                seed,
                chunk_rows,
            },
        )
}

fn spec(c: &Case) -> String {
    let names: Vec<String> = (0..c.columns.len()).map(|i| format!("u{i}")).collect();
    let mut attrs = String::new();
    for (i, (s, _)) in c.columns.iter().enumerate() {
        let s = if c.nulls && i == 0 {
            format!("{}, nulls: 0.2 }}", s.strip_suffix(" }").unwrap_or(s))
        } else {
            s.clone()
        };
        attrs.push_str(&format!("      u{i}: {s}\n"));
    }
    let rows = match c.per_parent {
        Some(mean) => format!("{{ per: parents, count: {{ poisson: {mean:.2} }} }}"),
        None => c.rows.to_string(),
    };
    format!(
        "domain: uq\nentities:\n  parents:\n    rows: {}\n    primary_key: id\n    attributes:\n      id: {{ type: int64, key: sequence }}\n  items:\n    rows: {rows}\n    primary_key: item_id\n    unique: [[{}]]\n    attributes:\n      item_id: {{ type: int64, key: sequence }}\n      parent_id: {{ ref: parents }}\n{attrs}",
        c.rows.div_ceil(4).max(1),
        names.join(", ")
    )
}

/// The rows `lab check` expects at scale 1, rounded up.
fn expected(c: &Case) -> f64 {
    match c.per_parent {
        Some(mean) => {
            let mean: f64 = format!("{mean:.2}").parse().unwrap_or(mean);
            (c.rows.div_ceil(4).max(1) as f64 * mean).ceil()
        }
        None => c.rows as f64,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, .. ProptestConfig::default() })]

    /// Accepted specs write distinct combinations; refusals name the constraint and happen
    /// only when the rows outnumber the combinations.
    #[test]
    fn jointly_unique_columns_never_repeat(c in case()) {
        let text = spec(&c);
        let combos: u64 = c.columns.iter().map(|x| x.1).product();
        let checked = lab::check_texts(&[("uq.yaml", &text)]);
        let errors: Vec<_> = checked.diagnostics.iter().filter(|d| d.code.starts_with('E')).collect();
        if !errors.is_empty() {
            prop_assert!(errors.iter().all(|d| d.code == codes::INFEASIBLE_UNIQUE), "{}", checked.render(false));
            prop_assert!(expected(&c) > combos as f64, "refused {} rows over {} combinations:\n{}", expected(&c), combos, text);
            return Ok(());
        }
        prop_assert!(expected(&c) <= combos as f64, "accepted {} rows over {} combinations", expected(&c), combos);
        let ir = checked.ir.unwrap();
        let pl = match plan(&ir, PlanOptions { scale: c.scale, seed: c.seed, chunk_rows: c.chunk_rows, file_rows: c.chunk_rows * 4, as_of: None }) {
            Ok(pl) => pl,
            Err(errors) => {
                prop_assert!(errors.iter().all(|d| d.code == codes::INFEASIBLE_UNIQUE), "{errors:?}");
                prop_assert!(errors[0].message.contains("`uq.items` (u0, u1"), "{errors:?}");
                return Ok(());
            }
        };
        let e = ir.entities.iter().position(|x| x.name == "items").unwrap();
        let rows = pl.entities[e].rows;
        prop_assert!(rows <= combos, "planned {} rows over {} combinations", rows, combos);
        let cols: Vec<usize> = (0..c.columns.len()).map(|i| ir.entities[e].attr(&format!("u{i}")).unwrap()).collect();
        let mut seen = HashSet::new();
        for (a, b) in pl.chunks(e) {
            let batch = lab::generate::chunk(&pl, e, a, b).expect("no generation error");
            for r in 0..batch.num_rows() {
                if cols.iter().any(|&k| batch.column(k).is_null(r)) {
                    continue;
                }
                let key: Vec<String> = cols.iter().map(|&k| array_value_to_string(batch.column(k), r).unwrap()).collect();
                prop_assert!(seen.insert(key.clone()), "duplicate {:?} in {}", key, text);
            }
        }
    }
}
