//! The plan stage: IR → Plan. Fixes the row count of every entity at `--scale`, the per-parent
//! child offsets (children of parent row p are rows `offsets[p]..offsets[p+1]`, so a child's
//! parent is found by binary search and never stored), the level boundaries of hierarchies,
//! the cumulative weights of weighted picks, and the chunking of every entity into row groups
//! and files. Seeds are not stored: streams are derived from names when needed.

use crate::codes;
use crate::diagnostics::Diagnostic;
use crate::generate::eval::{Evaluator, RowSet};
use crate::generate::rng::{RowRng, stream};
use crate::ir::*;
use rand_distr::Distribution;
use rayon::prelude::*;
use std::collections::HashMap;

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
}

#[derive(Clone, Debug, Default)]
pub struct EntityPlan {
    pub rows: u64,
    /// For entities generated per parent: `n_parent + 1` prefix sums of child counts.
    pub offsets: Option<Vec<u64>>,
    /// Level start rows of a hierarchy (`levels[0] = 0`, last = row count).
    pub levels: Option<Vec<u64>>,
    /// Cumulative weights over the target's rows, per weighted foreign key.
    pub weights: HashMap<FkId, Vec<f64>>,
}

impl Plan {
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

/// Draws the number of children of parent row `p`.
fn draw_count(c: &CountDist, s: u64, p: u64) -> u64 {
    let mut rng = RowRng::new(s, p);
    if c.zero_inflated > 0.0 && rng.f64() < c.zero_inflated {
        return 0;
    }
    let base = match c.base {
        CountBase::Fixed(n) => n,
        CountBase::Uniform(a, b) => a + rng.below(b - a + 1),
        CountBase::Poisson(l) => {
            if l <= 0.0 {
                0
            } else {
                rand_distr::Poisson::new(l).map_or(0.0, |d| d.sample(&mut rng)) as u64
            }
        }
        CountBase::Geometric(p) => rand_distr::Geometric::new(p).map_or(0, |d| d.sample(&mut rng)),
        CountBase::Bernoulli(p) => u64::from(rng.f64() < p),
    };
    let v = base + c.shift;
    c.max.map_or(v, |m| v.min(m))
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
    };
    for &e in &ir.order {
        let ent = &ir.entities[e];
        match &ent.rows {
            Rows::Scaled(_) | Rows::Fixed(_) => {
                plan.entities[e].rows = ent.base_rows(opts.scale).unwrap_or(0)
            }
            Rows::PerParent {
                parent,
                count,
                when,
            } => {
                let n_parent = plan.entities[*parent].rows;
                let s = stream(opts.seed, &format!("{}#rows", ent.qualified));
                // Distinct picks cannot have more children than the target has rows.
                let cap = ent
                    .foreign_keys
                    .iter()
                    .filter(|f| f.pick == Pick::Distinct)
                    .map(|f| plan.entities[f.target].rows)
                    .min();
                let chunk = plan.chunk_rows;
                let n_chunks = n_parent.div_ceil(chunk);
                let counts: Vec<Vec<u64>> = (0..n_chunks)
                    .into_par_iter()
                    .map(|k| {
                        let (a, b) = (k * chunk, ((k + 1) * chunk).min(n_parent));
                        let keep = when.as_ref().map(|w| {
                            let mut ev = Evaluator::new(&plan);
                            let f = ev.frame(*parent, RowSet::Range(a, b));
                            crate::generate::exprs::truthy(&ev.eval_expr(f, w))
                        });
                        (a..b)
                            .map(|p| {
                                if keep.as_ref().is_some_and(|k| !k[(p - a) as usize]) {
                                    return 0;
                                }
                                let c = draw_count(count, s, p);
                                cap.map_or(c, |m| c.min(m))
                            })
                            .collect()
                    })
                    .collect();
                let mut offsets = Vec::with_capacity(n_parent as usize + 1);
                let mut total = 0u64;
                offsets.push(0);
                for c in counts.into_iter().flatten() {
                    total += c;
                    offsets.push(total);
                }
                plan.entities[e].rows = total;
                plan.entities[e].offsets = Some(offsets);
            }
        }
        let n = plan.entities[e].rows;
        for fk in &ent.foreign_keys {
            if let Pick::Hierarchy { depth } = fk.pick {
                plan.entities[e].levels = Some(hierarchy_levels(n, depth));
            }
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
    let errors = feasibility(&plan);
    if errors.is_empty() {
        Ok(plan)
    } else {
        Err(errors)
    }
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
