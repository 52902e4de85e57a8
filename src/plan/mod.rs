//! The plan stage: IR → Plan. Fixes the row count of every entity at `--scale`, the per-parent
//! child offsets (children of parent row p are rows `offsets[p]..offsets[p+1]`, so a child's
//! parent is found by binary search and never stored), the level boundaries of hierarchies,
//! the cumulative weights of weighted picks, the row ranges of `union` members, the key → row
//! maps of `lookup` references (literal lookup values are checked to have a row here, other
//! values as they are generated), and the chunking of every entity into row groups and files. Seeds are not
//! stored: streams are derived from names when needed.

mod estimate;
pub use estimate::{Estimate, estimate};

use crate::codes;
use crate::diagnostics::Diagnostic;
use crate::generate::eval::{Evaluator, RowSet};
use crate::generate::rng::{RowRng, stream};
use crate::ir::*;
use rand_distr::Distribution;
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// Run parameters that shape the plan.
#[derive(Clone, Copy, Debug)]
pub struct PlanOptions {
    pub scale: f64,
    pub seed: u64,
    /// Rows per chunk; a chunk is generated as a unit and becomes one Parquet row group.
    pub chunk_rows: u64,
    /// Rows per data file (a multiple of `chunk_rows`).
    pub file_rows: u64,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            scale: 1.0,
            seed: 42,
            chunk_rows: 131_072,
            file_rows: 1_048_576,
        }
    }
}

#[derive(Debug)]
pub struct Plan {
    pub ir: Ir,
    pub seed: u64,
    pub scale: f64,
    pub chunk_rows: u64,
    pub file_rows: u64,
    pub entities: Vec<EntityPlan>,
    /// Cumulative Zipf weights 1/k^s over k = 1..=n, per (n, s), built on first use.
    zipf: std::sync::Mutex<HashMap<(u64, u64), Arc<Vec<f64>>>>,
}

/// Zipf picks over at most this many rows draw from a cumulative table (one binary search per
/// pick); larger targets sample by rejection-inversion instead of holding the table.
pub const ZIPF_TABLE_MAX: u64 = 1 << 22;

#[derive(Clone, Debug, Default)]
pub struct EntityPlan {
    pub rows: u64,
    /// For entities generated per parent: `n_parent + 1` prefix sums of child counts.
    pub offsets: Option<Vec<u64>>,
    /// Level start rows of a hierarchy (`levels[0] = 0`, last = row count).
    pub levels: Option<Vec<u64>>,
    /// Cumulative weights over the target's rows, per weighted foreign key.
    pub weights: HashMap<FkId, Vec<f64>>,
    /// For `union` entities: the row range of every member, in order.
    pub members: Option<Vec<MemberPlan>>,
    /// Key value (as text) → target row, per `lookup` foreign key.
    pub lookups: HashMap<FkId, Arc<HashMap<String, u64>>>,
}

/// The rows of one member of a `union` entity.
#[derive(Clone, Debug, Default)]
pub struct MemberPlan {
    pub start: u64,
    pub end: u64,
    /// For a `per` member: `n_parent + 1` prefix sums of child counts, starting at `start`
    /// (children of parent row p are rows `offsets[p]..offsets[p+1]`).
    pub offsets: Option<Vec<u64>>,
}

impl EntityPlan {
    /// The member of a `union` entity that row `r` belongs to.
    pub fn member_of(&self, r: u64) -> Option<usize> {
        let m = self.members.as_ref()?;
        let k = m.partition_point(|x| x.end <= r);
        (k < m.len()).then_some(k)
    }
}

impl Plan {
    /// The cumulative weights of a Zipf distribution with exponent `s` over ranks 1..=n, or
    /// `None` when `n` is above [`ZIPF_TABLE_MAX`].
    pub fn zipf_table(&self, n: u64, s: f64) -> Option<Arc<Vec<f64>>> {
        if n == 0 || n > ZIPF_TABLE_MAX {
            return None;
        }
        let mut cache = self.zipf.lock().unwrap_or_else(|p| p.into_inner());
        let t = cache.entry((n, s.to_bits())).or_insert_with(|| {
            let mut total = 0.0;
            Arc::new(
                (1..=n)
                    .map(|k| {
                        total += (k as f64).powf(-s);
                        total
                    })
                    .collect(),
            )
        });
        Some(t.clone())
    }

    /// The error for a `lookup` foreign key whose expression gives a key value that no row of
    /// the target has.
    pub fn lookup_miss(&self, m: &crate::generate::LookupMiss) -> Diagnostic {
        let ent = &self.ir.entities[m.entity];
        let fk = &ent.foreign_keys[m.fk];
        let attr = &ent.attributes[fk.columns[0]];
        let target = &self.ir.entities[fk.target];
        Diagnostic::error(
            codes::BAD_KEY,
            Some(attr.span),
            format!(
                "`{}.{}` looks up `{}` key `{}`, which no row has",
                ent.qualified, attr.name, target.qualified, m.value
            ),
        )
        .with_help(format!(
            "`{}` has {} rows; make the lookup give one of their keys",
            target.qualified, self.entities[fk.target].rows
        ))
    }

    /// The chunks (row ranges) of an entity, in order.
    pub fn chunks(&self, e: EntityId) -> Vec<(u64, u64)> {
        let n = self.entities[e].rows;
        let mut v = Vec::new();
        let mut a = 0;
        while a < n {
            let b = (a + self.chunk_rows).min(n);
            v.push((a, b));
            a = b;
        }
        v
    }
}

/// Draws the number of children of parent row `p`; `value` is the count expression's value
/// for that row, when the count is an expression.
fn draw_count(c: &CountDist, s: u64, p: u64, value: Option<i64>) -> u64 {
    let mut rng = RowRng::new(s, p);
    if c.zero_inflated > 0.0 && rng.f64() < c.zero_inflated {
        return 0;
    }
    let base = match &c.base {
        CountBase::Fixed(n) => *n,
        CountBase::Uniform(a, b) => a + rng.below(b - a + 1),
        CountBase::Poisson(l) => {
            if *l <= 0.0 {
                0
            } else {
                rand_distr::Poisson::new(*l).map_or(0.0, |d| d.sample(&mut rng)) as u64
            }
        }
        CountBase::Geometric(p) => rand_distr::Geometric::new(*p).map_or(0, |d| d.sample(&mut rng)),
        CountBase::Bernoulli(p) => u64::from(rng.f64() < *p),
        CountBase::Expr(_) => value.unwrap_or(0).max(0) as u64,
    };
    let v = base + c.shift;
    c.max.map_or(v, |m| v.min(m))
}

/// Child row offsets of a `per` source: `n_parent + 1` prefix sums starting at `base`.
/// `when` and count expressions are evaluated over the parent rows chunk by chunk.
fn child_offsets(
    plan: &Plan,
    stream_name: &str,
    parent: EntityId,
    count: &CountDist,
    when: Option<&Expr>,
    cap: Option<u64>,
    base: u64,
) -> Vec<u64> {
    let n_parent = plan.entities[parent].rows;
    let s = stream(plan.seed, stream_name);
    // Smaller than a generation chunk: most parents fit in one chunk, and counting is cheap
    // per row, so finer pieces let every thread help (the result does not depend on it).
    let chunk = (plan.chunk_rows / 8).max(1024);
    let n_chunks = n_parent.div_ceil(chunk);
    let counts: Vec<Vec<u64>> = (0..n_chunks)
        .into_par_iter()
        .map(|k| {
            let (a, b) = (k * chunk, ((k + 1) * chunk).min(n_parent));
            let mut ev = Evaluator::new(plan);
            let f = ev.frame(parent, RowSet::Range(a, b));
            let keep = when.map(|w| crate::generate::exprs::truthy(&ev.eval_expr(f, w)));
            let values = match &count.base {
                CountBase::Expr(x) => Some(ev.eval_expr(f, x)),
                _ => None,
            };
            (a..b)
                .map(|p| {
                    let i = (p - a) as usize;
                    if keep.as_ref().is_some_and(|k| !k[i]) {
                        return 0;
                    }
                    let v = values
                        .as_ref()
                        .and_then(|c| c.is_valid(i).then(|| c.i64_at(i)));
                    let c = draw_count(count, s, p, v);
                    cap.map_or(c, |m| c.min(m))
                })
                .collect()
        })
        .collect();
    let mut offsets = Vec::with_capacity(n_parent as usize + 1);
    let mut total = base;
    offsets.push(base);
    for c in counts.into_iter().flatten() {
        total += c;
        offsets.push(total);
    }
    offsets
}

/// Level boundaries for a hierarchy of `depth` levels over `n` rows: level k starts at
/// about n^(k/depth), so each level is a roughly constant factor wider than the one above.
pub fn hierarchy_levels(n: u64, depth: u32) -> Vec<u64> {
    let mut v = vec![0u64];
    for k in 1..depth {
        let b = (n as f64).powf(k as f64 / depth as f64).round() as u64;
        let prev = *v.last().unwrap();
        if b > prev && b < n {
            v.push(b);
        }
    }
    v.push(n);
    v
}

/// Builds the plan. Errors (e.g. uniqueness that becomes infeasible at this scale) are
/// returned before any data is generated.
pub fn plan(ir: &Ir, opts: PlanOptions) -> Result<Plan, Vec<Diagnostic>> {
    let mut plan = Plan {
        ir: ir.clone(),
        seed: opts.seed,
        scale: opts.scale,
        chunk_rows: opts.chunk_rows.max(1),
        file_rows: opts
            .file_rows
            .max(opts.chunk_rows)
            .div_ceil(opts.chunk_rows.max(1))
            * opts.chunk_rows.max(1),
        entities: vec![EntityPlan::default(); ir.entities.len()],
        zipf: Default::default(),
    };
    // Row counts wave by wave: every count's inputs (a `when` may read a rollup over another
    // entity's children) are fixed in an earlier wave, and the entities of one wave are
    // planned concurrently (each also splits its parent rows across the threads).
    for wave in &ir.waves {
        let planned: Vec<(EntityId, EntityPlan)> = wave
            .par_iter()
            .with_max_len(1)
            .map(|&e| (e, entity_rows(&plan, e)))
            .collect();
        for (e, p) in planned {
            plan.entities[e] = p;
        }
    }
    // Weighted picks need the target's weight column over all its rows.
    for e in 0..ir.entities.len() {
        for (k, fk) in ir.entities[e].foreign_keys.iter().enumerate() {
            let Pick::Weighted(w) = fk.pick else { continue };
            let n = plan.entities[fk.target].rows;
            let chunk = plan.chunk_rows;
            let parts: Vec<Vec<f64>> = (0..n.div_ceil(chunk))
                .into_par_iter()
                .map(|c| {
                    let mut ev = Evaluator::new(&plan);
                    let f = ev.frame(
                        fk.target,
                        RowSet::Range(c * chunk, ((c + 1) * chunk).min(n)),
                    );
                    let col = ev.attr(f, w);
                    (0..col.len())
                        .map(|i| {
                            if col.is_valid(i) {
                                col.f64_at(i).max(0.0)
                            } else {
                                0.0
                            }
                        })
                        .collect()
                })
                .collect();
            let mut cum = Vec::with_capacity(n as usize);
            let mut t = 0.0;
            for x in parts.into_iter().flatten() {
                t += x;
                cum.push(t);
            }
            plan.entities[e].weights.insert(k, cum);
        }
    }
    let mut errors = lookups(&mut plan);
    errors.extend(feasibility(&plan));
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(errors)
    }
}

/// The row count of entity `e` and how its rows map to parents (offsets, union members,
/// hierarchy levels), given the plans of the entities its count needs.
fn entity_rows(plan: &Plan, e: EntityId) -> EntityPlan {
    let ent = &plan.ir.entities[e];
    let mut out = EntityPlan::default();
    match &ent.rows {
        Rows::Scaled(_) | Rows::Fixed(_) => out.rows = ent.base_rows(plan.scale).unwrap_or(0),
        Rows::PerParent {
            parent,
            count,
            when,
        } => {
            // Distinct picks cannot have more children than the target has rows.
            let cap = ent
                .foreign_keys
                .iter()
                .filter(|f| f.pick == Pick::Distinct)
                .map(|f| plan.entities[f.target].rows)
                .min();
            let offsets = child_offsets(
                plan,
                &format!("{}#rows", ent.qualified),
                *parent,
                count,
                when.as_ref(),
                cap,
                0,
            );
            out.rows = *offsets.last().unwrap_or(&0);
            out.offsets = Some(offsets);
        }
        Rows::Union(members) => {
            let mut planned = Vec::with_capacity(members.len());
            let mut start = 0u64;
            for (k, m) in members.iter().enumerate() {
                let (end, offsets) = match m {
                    Rows::PerParent {
                        parent,
                        count,
                        when,
                    } => {
                        let o = child_offsets(
                            plan,
                            &format!("{}#rows{k}", ent.qualified),
                            *parent,
                            count,
                            when.as_ref(),
                            None,
                            start,
                        );
                        (*o.last().unwrap_or(&start), Some(o))
                    }
                    Rows::Scaled(n) => (start + scaled(*n, plan.scale), None),
                    Rows::Fixed(n) => (start + n, None),
                    Rows::Union(_) => (start, None),
                };
                planned.push(MemberPlan {
                    start,
                    end,
                    offsets,
                });
                start = end;
            }
            out.rows = start;
            out.members = Some(planned);
        }
    }
    for fk in &ent.foreign_keys {
        if let Pick::Hierarchy { depth } = fk.pick {
            out.levels = Some(hierarchy_levels(out.rows, depth));
        }
    }
    out
}

/// Rows at `scale` for a count given at scale 1 (rounded, at least 1 unless 0).
fn scaled(n: u64, scale: f64) -> u64 {
    ((n as f64) * scale)
        .round()
        .max(if n > 0 { 1.0 } else { 0.0 }) as u64
}

/// The values an expression can take when they are all literals (`case` / `if` / `coalesce`
/// over constants); `None` when a value depends on the row.
fn literal_values(e: &Expr, out: &mut Vec<Value>) -> bool {
    use crate::ir::expr::Func;
    match &e.kind {
        ExprKind::Lit(v) => {
            out.push(v.clone());
            true
        }
        ExprKind::Case { whens, otherwise } => {
            whens.iter().all(|(_, v)| literal_values(v, out))
                && otherwise.as_ref().is_none_or(|o| literal_values(o, out))
        }
        ExprKind::Call(Func::If, args) => args[1..].iter().all(|a| literal_values(a, out)),
        ExprKind::Call(Func::Coalesce, args) => args.iter().all(|a| literal_values(a, out)),
        _ => false,
    }
}

/// Maps the key values of every `lookup` target to rows. When a lookup expression's values
/// are all literals they are checked here, before anything is generated; other values are
/// checked row by row as the entity is generated (see [`crate::generate::chunk`]).
fn lookups(plan: &mut Plan) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    let ir = &plan.ir;
    let mut maps: Vec<(EntityId, FkId, HashMap<String, u64>)> = Vec::new();
    for (e, ent) in ir.entities.iter().enumerate() {
        for (k, fk) in ent.foreign_keys.iter().enumerate() {
            if !matches!(fk.pick, Pick::Lookup(_)) {
                continue;
            }
            let n = plan.entities[fk.target].rows;
            let mut ev = Evaluator::new(plan);
            let f = ev.frame(fk.target, RowSet::Range(0, n));
            let col = ev.attr(f, fk.target_columns[0]);
            let map: HashMap<String, u64> = (0..col.len())
                .filter(|&i| col.is_valid(i))
                .map(|i| (col.text_at(i), i as u64))
                .collect();
            maps.push((e, k, map));
        }
    }
    for (e, k, map) in maps {
        let Pick::Lookup(x) = &ir.entities[e].foreign_keys[k].pick else {
            continue;
        };
        let mut lits = Vec::new();
        if literal_values(x, &mut lits) {
            let missing = lits
                .iter()
                .filter(|v| **v != Value::Null)
                .map(|v| match v {
                    Value::Str(s) => s.clone(),
                    v => v.display(),
                })
                .find(|t| !map.contains_key(t));
            if let Some(value) = missing {
                let m = crate::generate::LookupMiss {
                    entity: e,
                    fk: k,
                    value,
                };
                errors.push(plan.lookup_miss(&m));
            }
        }
        plan.entities[e].lookups.insert(k, Arc::new(map));
    }
    errors
}

/// Uniqueness that holds at scale 1 can become impossible at a larger scale.
fn feasibility(plan: &Plan) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (e, ent) in plan.ir.entities.iter().enumerate() {
        let rows = plan.entities[e].rows;
        for a in &ent.attributes {
            if !a.unique {
                continue;
            }
            let cap: Option<u64> = match &a.generator {
                Generator::Choice { values, .. } | Generator::Cycle(values) => {
                    Some(values.len() as u64)
                }
                Generator::Dist {
                    dist: Dist::Uniform(lo, hi),
                    ..
                } if a.ty.is_integer() => Some((hi.floor() - lo.ceil() + 1.0).max(0.0) as u64),
                Generator::Between { lo, hi, .. } => Some((hi - lo + 1) as u64),
                Generator::Const(_) => Some(1),
                _ => None,
            };
            if let Some(cap) = cap
                && cap < rows
            {
                out.push(
                    Diagnostic::error(
                        codes::INFEASIBLE_UNIQUE,
                        Some(a.span),
                        format!("`{}.{}` must be unique, but at --scale {} it needs {rows} distinct values and its generator has {cap}", ent.qualified, a.name, plan.scale),
                    )
                    .with_help("widen the value range or use a smaller --scale"),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    //! Row sources, picks and expression functions of the generic engine, end to end on small
    //! in-memory specs: resolve → plan → generate.

    use super::*;
    use arrow::util::display::array_value_to_string;

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
        let checked = crate::check_texts(&[("t.yaml", spec)]);
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
            let batch = crate::generate::chunk(plan, e, a, b).expect("lookups hit");
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
        let checked = crate::check_texts(&[("t.yaml", SPEC)]);
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
                "2" => assert!(
                    doc[i].is_empty() && !item_doc[i].is_empty() && any_doc[i] == item_doc[i]
                ),
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
            .find_map(|(a, b)| crate::generate::chunk(&p, e, a, b).err())
            .expect("a chunk meets the missing key");
        assert_eq!(miss.value, "1200");
        let d = p.lookup_miss(&miss);
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
            let checked = crate::check_texts(&[("t.yaml", &spec)]);
            let text = checked.render(false);
            assert!(
                checked.has_errors() && text.contains(want),
                "{want}:\n{text}"
            );
        }
    }
}
