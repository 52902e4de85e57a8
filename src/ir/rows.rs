//! Expected row counts, computed from the IR alone: the one place that says how many rows an
//! entity has at a scale before the planner has drawn any per-parent count. Absolute counts
//! scale as the planner scales them (rounded, at least 1 unless 0), `fixed` counts never
//! scale, an entity generated per parent has its parent's expected count times the mean
//! children per parent (times the scale for a `scaled` count; following the parent chain), and a `union` entity has the sum of its
//! members. The resolver's uniqueness feasibility check and the emitters' stand-in counts (where
//! no plan exists) both read this.

use super::{Entity, Rows};

/// Rows at `scale` for a count given at scale 1: rounded, and at least 1 unless the count is 0.
pub fn scaled(n: u64, scale: f64) -> u64 {
    ((n as f64) * scale)
        .round()
        .max(if n > 0 { 1.0 } else { 0.0 }) as u64
}

/// Expected row count of every entity at `scale` (indexed by entity id), unrounded. A cycle of
/// per-parent references (an error reported by the resolver) counts as 0 where it closes.
pub fn expected(entities: &[Entity], scale: f64) -> Vec<f64> {
    parents_first(entities, |rows, memo| own(rows, memo, scale))
        .into_iter()
        .map(|r| r.unwrap_or(0.0))
        .collect()
}

/// Computes `own(rows, known)` for every entity, each after the entities its rows come from
/// (so `known` holds their values); where a cycle closes, a parent's value is still `None`.
fn parents_first<T: Clone>(
    entities: &[Entity],
    own: impl Fn(&Rows, &[Option<T>]) -> T,
) -> Vec<Option<T>> {
    let mut memo: Vec<Option<T>> = vec![None; entities.len()];
    let mut visiting = vec![false; entities.len()];
    for start in 0..entities.len() {
        // An explicit stack: parent chains can be as long as the model is large.
        let mut stack = vec![start];
        while let Some(&top) = stack.last() {
            if memo[top].is_some() {
                stack.pop();
                continue;
            }
            let pending: Vec<usize> = entities[top]
                .row_parents()
                .into_iter()
                .filter(|&p| p < entities.len() && memo[p].is_none() && !visiting[p])
                .collect();
            if pending.is_empty() {
                memo[top] = Some(own(&entities[top].rows, &memo));
                visiting[top] = false;
                stack.pop();
            } else {
                visiting[top] = true;
                stack.extend(pending);
            }
        }
    }
    memo
}

/// Whether each entity's row count grows with `--scale` (a scaled count somewhere in its
/// sources or their parent chains); the others have the same rows at every scale.
pub fn scales(entities: &[Entity]) -> Vec<bool> {
    let one = expected(entities, 1.0);
    let two = expected(entities, 2.0);
    one.iter().zip(&two).map(|(a, b)| b > a).collect()
}

/// The most rows each entity can have whatever the draws, for entities whose rows do not
/// scale: `fixed` counts, and per-parent counts with an upper bound (`fixed`, `uniform`,
/// `bernoulli` or `max`) under such parents. `None` where rows scale, a count is unbounded
/// (`poisson`, `geometric` or an expression without `max`) or the sum overflows.
pub fn most(entities: &[Entity]) -> Vec<Option<u64>> {
    parents_first(entities, own_most)
        .into_iter()
        .map(Option::flatten)
        .collect()
}

/// The most rows of one row source, given the bounds of the parents known so far.
fn own_most(rows: &Rows, memo: &[Option<Option<u64>>]) -> Option<u64> {
    match rows {
        Rows::Scaled(_) => None,
        Rows::Fixed(n) => Some(*n),
        Rows::PerParent { parent, count, .. } => memo
            .get(*parent)
            .copied()
            .flatten()
            .flatten()?
            .checked_mul(count.upper_bound()?),
        Rows::Union(members) => members.iter().try_fold(0u64, |acc, m| match m {
            Rows::Union(_) => Some(acc),
            m => acc.checked_add(own_most(m, memo)?),
        }),
    }
}

/// Expected row count of every entity at `scale`, rounded to whole rows.
pub fn expected_rows(entities: &[Entity], scale: f64) -> Vec<u64> {
    expected(entities, scale)
        .into_iter()
        .map(|r| r.round().max(0.0) as u64)
        .collect()
}

/// The expected count of one row source, given the expected counts of the parents known so far
/// (an unknown parent counts as 0).
fn own(rows: &Rows, memo: &[Option<f64>], scale: f64) -> f64 {
    match rows {
        Rows::Scaled(n) => scaled(*n, scale) as f64,
        Rows::Fixed(n) => *n as f64,
        Rows::PerParent { parent, count, .. } => {
            memo.get(*parent).copied().flatten().unwrap_or(0.0) * count.mean_at(scale)
        }
        Rows::Union(members) => members
            .iter()
            .map(|m| match m {
                // Members are never unions themselves.
                Rows::Union(_) => 0.0,
                m => own(m, memo, scale),
            })
            .sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{CountBase, CountDist};

    fn check(texts: &[(&str, &str)]) -> crate::ir::Ir {
        let checked = crate::check_texts(texts);
        assert!(!checked.has_errors(), "{}", checked.render(false));
        checked.ir.clone().expect("an IR")
    }

    const SPEC: &str = r#"domain: d
entities:
  parents:
    rows: 1000
    primary_key: id
    attributes:
      id: { type: int64, key: sequence }
  kids:
    rows: { per: parents, count: { poisson: 2.5 } }
    primary_key: id
    attributes:
      id: { type: int64, key: sequence }
  grandkids:
    rows: { per: kids, count: { uniform: [1, 3] } }
    primary_key: id
    attributes:
      id: { type: int64, key: sequence }
  codes:
    rows: { fixed: 7 }
    primary_key: id
    attributes:
      id: { type: int64, key: sequence }
  events:
    rows:
      union:
        - { per: parents, count: 2 }
        - { per: kids, count: { bernoulli: 0.5 } }
        - 40
    primary_key: id
    attributes:
      id: { type: int64, key: sequence }
"#;

    #[test]
    fn scaled_fixed_per_parent_and_union_counts() {
        let ir = check(&[("d.yaml", SPEC)]);
        let id = |n: &str| ir.entity_by_name("d", n).expect("entity");
        let at = |scale: f64| expected_rows(&ir.entities, scale);
        let one = at(1.0);
        assert_eq!(one[id("parents")], 1000);
        assert_eq!(one[id("kids")], 2500);
        assert_eq!(one[id("grandkids")], 5000);
        assert_eq!(one[id("codes")], 7);
        // 2 per parent, half a row per kid, and 40 more.
        assert_eq!(one[id("events")], 2000 + 1250 + 40);
        let tenth = at(0.1);
        assert_eq!(tenth[id("parents")], 100);
        assert_eq!(tenth[id("kids")], 250);
        assert_eq!(tenth[id("codes")], 7, "fixed counts do not scale");
        assert_eq!(tenth[id("events")], 200 + 125 + 4);
        // A scaled count never rounds to zero rows.
        assert_eq!(at(0.000_001)[id("parents")], 1);
        assert_eq!(scaled(0, 5.0), 0);
        assert_eq!(scaled(3, 0.5), 2);
    }

    #[test]
    fn rows_that_do_not_scale_have_a_most() {
        let spec = SPEC.replace("rows: 1000", "rows: { fixed: 1000 }");
        let ir = check(&[("d.yaml", &spec)]);
        let id = |n: &str| ir.entity_by_name("d", n).expect("entity");
        let (s, m) = (scales(&ir.entities), most(&ir.entities));
        assert!(!s[id("parents")] && !s[id("kids")] && !s[id("codes")]);
        assert!(s[id("events")], "the union has a scaled member");
        assert_eq!(m[id("parents")], Some(1000));
        assert_eq!(m[id("kids")], None, "poisson has no bound");
        assert_eq!(m[id("codes")], Some(7));
        assert_eq!(m[id("events")], None);
        let scaled_kids = spec.replace(
            "count: { poisson: 2.5 } }",
            "count: { poisson: 2.5 }, scaled: true }",
        );
        let ir = check(&[("d.yaml", &scaled_kids)]);
        assert!(scales(&ir.entities)[ir.entity_by_name("d", "kids").expect("kids")]);
        let at = |scale: f64| {
            expected(&ir.entities, scale)[ir.entity_by_name("d", "kids").expect("kids")]
        };
        assert_eq!((at(1.0), at(2.0)), (2500.0, 5000.0));
    }

    #[test]
    fn a_parent_cycle_ends_without_looping() {
        let mut ir = check(&[("d.yaml", SPEC)]);
        let parents = ir.entity_by_name("d", "parents").expect("parents");
        let kids = ir.entity_by_name("d", "kids").expect("kids");
        ir.entities[parents].rows = Rows::PerParent {
            parent: kids,
            count: CountDist {
                base: CountBase::Fixed(2),
                zero_inflated: 0.0,
                shift: 0,
                max: None,
                scaled: false,
            },
            when: None,
        };
        let rows = expected(&ir.entities, 1.0);
        assert_eq!(rows.len(), ir.entities.len());
        assert!(rows.iter().all(|r| r.is_finite()), "{rows:?}");
        assert_eq!(rows[ir.entity_by_name("d", "codes").expect("codes")], 7.0);
    }
}
