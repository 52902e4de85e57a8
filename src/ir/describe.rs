//! One-line descriptions of IR facts that several outputs print: how a foreign key picks its
//! referenced row. The IR dump (`lab check --dump-ir`), the data dictionary's foreign-key list
//! and its generator column all call [`pick`], so they cannot word the same rule differently.

use super::dump::expr;
use super::{Entity, ForeignKey, Hop, Ir, Pick};

/// How foreign key `fk` of entity `e` picks its row, e.g. `zipf(1.1) pick`, `pick weighted by
/// popularity`, `the ancestor via shop.orders → shop.customers`. `quote` wraps the fragments
/// that are names or code (attribute names, expressions, hop paths): the identity for plain
/// text, an inline code span for Markdown.
pub fn pick(ir: &Ir, e: &Entity, fk: &ForeignKey, quote: &dyn Fn(&str) -> String) -> String {
    let target = &ir.entities[fk.target];
    match &fk.pick {
        Pick::Parent => "the parent row".into(),
        Pick::Uniform => "uniform pick".into(),
        Pick::Distinct => "distinct pick per parent".into(),
        Pick::Zipf(s) => format!("zipf({s}) pick"),
        Pick::Weighted(w) => format!("pick weighted by {}", quote(&target.attributes[*w].name)),
        Pick::Hierarchy { depth } => format!("hierarchy of depth {depth}"),
        Pick::Lookup(x) => format!("lookup by key = {}", quote(&expr(ir, e.id, x))),
        Pick::Match {
            attr,
            value,
            weight,
            empty_null,
        } => format!(
            "a row with {} = {}{}{}",
            quote(&target.attributes[*attr].name),
            quote(&expr(ir, e.id, value)),
            weight.map_or(String::new(), |w| format!(
                ", weighted by {}",
                quote(&target.attributes[w].name)
            )),
            if *empty_null { ", or none" } else { "" }
        ),
        Pick::Path(paths) => format!("the ancestor via {}", quote(&hop_paths(ir, e, paths))),
        Pick::NthChild {
            paths,
            index,
            shuffle,
            ..
        } => format!(
            "child number {}{} of the {} via {}",
            quote(&expr(ir, e.id, index)),
            if *shuffle { " (in a random order)" } else { "" },
            if paths.iter().flatten().any(|h| matches!(h, Hop::Fk(_))) {
                "referenced row"
            } else {
                "ancestor"
            },
            quote(&hop_paths(ir, e, paths))
        ),
    }
}

/// Hop paths as text, e.g. `shop.orders → shop.customers`, alternatives separated by ` or `.
pub fn hop_paths(ir: &Ir, e: &Entity, paths: &[Vec<Hop>]) -> String {
    paths
        .iter()
        .map(|p| {
            let mut cur = e.id;
            let mut names = Vec::new();
            for h in p {
                cur = match h {
                    Hop::Parent => ir.entities[cur].parent().unwrap_or(cur),
                    Hop::Source(k) => ir.entities[cur]
                        .sources()
                        .get(*k)
                        .copied()
                        .flatten()
                        .unwrap_or(cur),
                    Hop::Fk(f) => ir.entities[cur]
                        .foreign_keys
                        .get(*f)
                        .map_or(cur, |fk| fk.target),
                };
                names.push(ir.entities[cur].qualified.clone());
            }
            names.join(" → ")
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"domain: d
entities:
  customers:
    rows: 10
    primary_key: id
    attributes:
      id: { type: int64, key: sequence }
      weight: { type: float64, dist: { uniform: [1, 2] } }
  orders:
    rows: { per: customers, count: 2 }
    primary_key: id
    attributes:
      id: { type: int64, key: sequence }
      customer_id: { ref: customers, pick: ancestor }
      favourite_id: { ref: customers, pick: { weighted: weight } }
      other_id: { ref: customers, pick: { zipf: 1.1 } }
"#;

    #[test]
    fn one_wording_plain_or_quoted() {
        let checked = crate::check_texts(&[("d.yaml", SPEC)]);
        assert!(!checked.has_errors(), "{}", checked.render(false));
        let ir = checked.ir.clone().expect("an IR");
        let orders = &ir.entities[ir.entity_by_name("d", "orders").expect("orders")];
        let plain = |s: &str| s.to_string();
        let code = |s: &str| format!("`{s}`");
        let fk = |col: &str| {
            let a = orders.attr(col).expect("column");
            orders
                .foreign_keys
                .iter()
                .find(|f| f.columns == [a])
                .expect("a foreign key")
        };
        assert_eq!(
            pick(&ir, orders, fk("customer_id"), &plain),
            "the ancestor via d.customers"
        );
        assert_eq!(
            pick(&ir, orders, fk("customer_id"), &code),
            "the ancestor via `d.customers`"
        );
        assert_eq!(
            pick(&ir, orders, fk("favourite_id"), &code),
            "pick weighted by `weight`"
        );
        assert_eq!(pick(&ir, orders, fk("other_id"), &plain), "zipf(1.1) pick");
    }
}
