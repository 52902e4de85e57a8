//! The measures `lab score` grades a cleaning and matching pipeline with, as pure functions
//! over keys and values (reading the user's tables and the answer key is the caller's job):
//!
//! * **entity resolution**, pairwise: every cluster of n records yields n(n−1)/2 unordered
//!   pairs; precision = |P∩T| / |P|, recall = |P∩T| / |T| over the predicted pairs P and the
//!   true pairs T (records of one golden id), optionally counting only pairs whose records come
//!   from different systems (linkage across silos). Computed from the contingency table of
//!   (true cluster, predicted cluster) counts, never by listing pairs;
//! * **entity resolution, B-cubed** (Bagga & Baldwin 1998): per record, the share of its
//!   predicted cluster that is truly its entity and the share of its entity found in its
//!   predicted cluster, averaged over records (singletons count);
//! * **cleaning**, per cell as in Raha/Baran: E = cells whose exported (dirty) value differs
//!   from the clean one, C = cells the user changed; fixed = cells of E the user set to the clean
//!   value, broken = cells not in E the user changed away from it; correction precision =
//!   fixed / |C|, recall = fixed / |E|; detection precision = |C∩E| / |C|, recall = |C∩E| / |E|;
//! * **completeness**: keys missing from and extra in the user's table.
//!
//! A ratio with an empty denominator is `None` (shown as "–"), never 0 or 1 by convention.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

/// Precision, recall and F1, each `None` when undefined (empty denominator).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Prf {
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
}

impl Prf {
    /// From true positives and the two denominators.
    pub fn from_counts(tp: u64, predicted: u64, actual: u64) -> Prf {
        let ratio = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
        Prf::new(ratio(tp, predicted), ratio(tp, actual))
    }

    /// From precision and recall; F1 is their harmonic mean (0 when both are 0).
    pub fn new(precision: Option<f64>, recall: Option<f64>) -> Prf {
        let f1 = match (precision, recall) {
            (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
            (Some(_), Some(_)) => Some(0.0),
            _ => None,
        };
        Prf {
            precision,
            recall,
            f1,
        }
    }
}

/// Pair counts of a clustering against the truth.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PairCounts {
    /// Pairs in one predicted cluster and one true cluster.
    pub true_positive: u64,
    /// Pairs in one predicted cluster.
    pub predicted: u64,
    /// Pairs in one true cluster.
    pub actual: u64,
}

impl PairCounts {
    pub fn prf(&self) -> Prf {
        Prf::from_counts(self.true_positive, self.predicted, self.actual)
    }
}

/// One record to match: its true entity, its predicted cluster, and the system it comes from.
#[derive(Clone, Debug)]
pub struct Assignment<T, P, S> {
    pub truth: T,
    pub predicted: P,
    pub system: S,
}

/// n(n−1)/2.
fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// Pairs of a group of records, all of them or only those across systems (given the
/// group's count per system): C(n, 2) − Σ C(n_s, 2).
fn group_pairs<S: Eq + Hash>(by_system: &HashMap<&S, u64>, cross_only: bool) -> u64 {
    let n: u64 = by_system.values().sum();
    let within: u64 = if cross_only {
        by_system.values().map(|&k| pairs(k)).sum()
    } else {
        0
    };
    pairs(n) - within
}

/// Pairwise counts of `records`, over all pairs or (`cross_only`) only pairs of records from
/// different systems.
pub fn pair_counts<T, P, S>(records: &[Assignment<T, P, S>], cross_only: bool) -> PairCounts
where
    T: Eq + Hash,
    P: Eq + Hash,
    S: Eq + Hash,
{
    type Groups<'a, K, S> = HashMap<K, HashMap<&'a S, u64>>;
    let mut by_truth: Groups<&T, S> = HashMap::new();
    let mut by_pred: Groups<&P, S> = HashMap::new();
    let mut by_both: Groups<(&T, &P), S> = HashMap::new();
    for r in records {
        *by_truth
            .entry(&r.truth)
            .or_default()
            .entry(&r.system)
            .or_default() += 1;
        *by_pred
            .entry(&r.predicted)
            .or_default()
            .entry(&r.system)
            .or_default() += 1;
        *by_both
            .entry((&r.truth, &r.predicted))
            .or_default()
            .entry(&r.system)
            .or_default() += 1;
    }
    let sum = |g: &dyn Fn() -> Vec<u64>| g().iter().sum::<u64>();
    PairCounts {
        true_positive: sum(&|| {
            by_both
                .values()
                .map(|s| group_pairs(s, cross_only))
                .collect()
        }),
        predicted: sum(&|| {
            by_pred
                .values()
                .map(|s| group_pairs(s, cross_only))
                .collect()
        }),
        actual: sum(&|| {
            by_truth
                .values()
                .map(|s| group_pairs(s, cross_only))
                .collect()
        }),
    }
}

/// B-cubed precision and recall of a clustering, averaged over records.
pub fn bcubed<T, P, S>(records: &[Assignment<T, P, S>]) -> Prf
where
    T: Eq + Hash,
    P: Eq + Hash,
{
    if records.is_empty() {
        return Prf::default();
    }
    let mut n_truth: HashMap<&T, u64> = HashMap::new();
    let mut n_pred: HashMap<&P, u64> = HashMap::new();
    let mut n_both: HashMap<(&T, &P), u64> = HashMap::new();
    for r in records {
        *n_truth.entry(&r.truth).or_default() += 1;
        *n_pred.entry(&r.predicted).or_default() += 1;
        *n_both.entry((&r.truth, &r.predicted)).or_default() += 1;
    }
    let (mut p, mut r) = (0.0, 0.0);
    for (&(t, q), &k) in &n_both {
        // Each of the k records of this cell scores k / |its predicted cluster| and
        // k / |its entity|.
        let k = k as f64;
        p += k * k / n_pred[q] as f64;
        r += k * k / n_truth[t] as f64;
    }
    let n = records.len() as f64;
    Prf::new(Some(p / n), Some(r / n))
}

/// The grades of one column (or table) of cleaned cells.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CellCounts {
    pub cells: u64,
    /// Cells whose exported value differs from the clean one (E).
    pub defective: u64,
    /// Cells the user changed from the exported value (C).
    pub changed: u64,
    /// Defective cells the user changed (detected: C∩E).
    pub detected: u64,
    /// Defective cells the user set to the clean value.
    pub fixed: u64,
    /// Cells that were clean and that the user changed.
    pub broken: u64,
}

impl CellCounts {
    /// Adds one cell: its clean value, the exported (dirty) value, and the user's value
    /// (`None` when the user's table lacks the cell, which counts as left as exported).
    pub fn add(&mut self, clean: Option<&str>, dirty: Option<&str>, user: Option<Option<&str>>) {
        let user = user.unwrap_or(dirty);
        let defective = clean != dirty;
        let changed = user != dirty;
        self.cells += 1;
        self.defective += u64::from(defective);
        self.changed += u64::from(changed);
        self.detected += u64::from(defective && changed);
        self.fixed += u64::from(defective && user == clean);
        self.broken += u64::from(!defective && changed);
    }

    /// Correction: fixed ÷ changed, fixed ÷ defective.
    pub fn correction(&self) -> Prf {
        Prf::from_counts(self.fixed, self.changed, self.defective)
    }

    /// Detection: changed defective cells ÷ changed, ÷ defective.
    pub fn detection(&self) -> Prf {
        Prf::from_counts(self.detected, self.changed, self.defective)
    }

    pub fn merge(&mut self, o: &CellCounts) {
        self.cells += o.cells;
        self.defective += o.defective;
        self.changed += o.changed;
        self.detected += o.detected;
        self.fixed += o.fixed;
        self.broken += o.broken;
    }
}

/// Keys of the truth missing from the user's table and keys the truth lacks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Completeness {
    pub expected: u64,
    pub found: u64,
    pub missing: u64,
    pub extra: u64,
    /// Keys given more than once by the user.
    pub repeated: u64,
}

/// Completeness of `user` keys against `truth` keys.
pub fn completeness<K: Eq + Hash>(truth: &[K], user: &[K]) -> Completeness {
    let t: HashSet<&K> = truth.iter().collect();
    let mut seen: HashSet<&K> = HashSet::new();
    let mut c = Completeness {
        expected: t.len() as u64,
        ..Completeness::default()
    };
    for k in user {
        if !seen.insert(k) {
            c.repeated += 1;
        } else if t.contains(k) {
            c.found += 1;
        } else {
            c.extra += 1;
        }
    }
    c.missing = c.expected - c.found;
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recs(
        rows: &[(&'static str, &'static str, &'static str)],
    ) -> Vec<Assignment<&'static str, &'static str, &'static str>> {
        rows.iter()
            .map(|&(truth, predicted, system)| Assignment {
                truth,
                predicted,
                system,
            })
            .collect()
    }

    #[test]
    fn perfect_and_all_singletons() {
        let r = recs(&[("a", "1", "x"), ("a", "1", "y"), ("b", "2", "x")]);
        let c = pair_counts(&r, false);
        assert_eq!((c.true_positive, c.predicted, c.actual), (1, 1, 1));
        assert_eq!(c.prf().f1, Some(1.0));
        // Nothing matched: no predicted pair, so precision is undefined and recall 0.
        let s = recs(&[("a", "1", "x"), ("a", "2", "y"), ("b", "3", "x")]);
        let c = pair_counts(&s, false).prf();
        assert_eq!((c.precision, c.recall, c.f1), (None, Some(0.0), None));
    }

    #[test]
    fn pairs_by_hand() {
        // Truth: {r1 r2 r3} {r4 r5}; prediction: {r1 r2} {r3 r4 r5}.
        let r = recs(&[
            ("A", "p", "shop"),
            ("A", "p", "crm"),
            ("A", "q", "erp"),
            ("B", "q", "shop"),
            ("B", "q", "crm"),
        ]);
        // T = 3 + 1 = 4; P = 1 + 3 = 4; TP = (r1,r2) + (r4,r5) = 2.
        let c = pair_counts(&r, false);
        assert_eq!((c.true_positive, c.predicted, c.actual), (2, 4, 4));
        let p = c.prf();
        assert_eq!(
            (p.precision, p.recall, p.f1),
            (Some(0.5), Some(0.5), Some(0.5))
        );
        // No cluster holds two records of one system, so counting only the pairs across
        // systems changes nothing.
        assert_eq!(pair_counts(&r, true), c);
    }

    #[test]
    fn cross_system_pairs_skip_duplicates_within_a_silo() {
        // One customer twice in the shop and once in the CRM, all predicted together.
        let r = recs(&[("A", "p", "shop"), ("A", "p", "shop"), ("A", "p", "crm")]);
        let all = pair_counts(&r, false);
        let cross = pair_counts(&r, true);
        assert_eq!((all.true_positive, all.predicted, all.actual), (3, 3, 3));
        assert_eq!(
            (cross.true_positive, cross.predicted, cross.actual),
            (2, 2, 2)
        );
    }

    #[test]
    fn bcubed_by_hand() {
        // Truth {r1 r2 r3} {r4}; prediction {r1 r2} {r3 r4}.
        let r = recs(&[
            ("A", "p", "s"),
            ("A", "p", "s"),
            ("A", "q", "s"),
            ("B", "q", "s"),
        ]);
        let b = bcubed(&r);
        // Precision: r1, r2: 2/2; r3: 1/2; r4: 1/2 → 3/4. Recall: r1, r2: 2/3; r3: 1/3; r4: 1 → 2/3.
        assert!((b.precision.unwrap() - 0.75).abs() < 1e-12);
        assert!((b.recall.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(bcubed::<&str, &str, &str>(&[]), Prf::default());
    }

    #[test]
    fn cells_fixed_broken_and_left() {
        let mut c = CellCounts::default();
        c.add(Some("Smith"), Some("Smiht"), Some(Some("Smith"))); // fixed
        c.add(Some("Jones"), Some("Jnes"), Some(Some("Jonas"))); // detected, wrong fix
        c.add(Some("Lee"), Some("Le"), None); // missed (user lacks the cell)
        c.add(Some("Kim"), Some("Kim"), Some(Some("KIM"))); // broken
        c.add(Some("Ng"), Some("Ng"), Some(Some("Ng"))); // left clean
        c.add(Some("Ann"), None, Some(Some("Ann"))); // a missing value restored
        assert_eq!(
            (
                c.cells,
                c.defective,
                c.changed,
                c.detected,
                c.fixed,
                c.broken
            ),
            (6, 4, 4, 3, 2, 1)
        );
        assert_eq!(c.correction().precision, Some(0.5));
        assert_eq!(c.correction().recall, Some(0.5));
        assert_eq!(c.detection().precision, Some(0.75));
        // The truth itself scores perfectly; the raw export as it is fixes nothing.
        let mut t = CellCounts::default();
        t.add(Some("a"), Some("b"), Some(Some("a")));
        assert_eq!(t.correction().f1, Some(1.0));
        let mut raw = CellCounts::default();
        raw.add(Some("a"), Some("b"), Some(Some("b")));
        assert_eq!(
            (raw.correction().precision, raw.correction().recall),
            (None, Some(0.0))
        );
    }

    #[test]
    fn completeness_counts() {
        let c = completeness(&[1, 2, 3, 4], &[1, 2, 2, 9]);
        assert_eq!(
            c,
            Completeness {
                expected: 4,
                found: 2,
                missing: 2,
                extra: 1,
                repeated: 1
            }
        );
    }
}
