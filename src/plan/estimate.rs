//! A size estimate of a run from the IR alone, before anything is planned or generated:
//! expected rows (per-parent entities by the mean count), bytes and the plan's memory.

use crate::ir::{Ir, Rows};

/// Expected size of a run at one scale.
#[derive(Clone, Debug, Default)]
pub struct Estimate {
    /// Expected rows of the whole lake.
    pub rows: u64,
    /// Expected bytes of one output format (8 bytes per value).
    pub bytes: u64,
    /// Expected memory of the plan: 8 bytes per parent row of every per-parent entity.
    pub plan_bytes: u64,
}

/// Estimates the run over `ir` at `scale`.
pub fn estimate(ir: &Ir, scale: f64) -> Estimate {
    let n = ir.entities.len();
    let mut rows = vec![0f64; n];
    for &e in ir.order.iter() {
        rows[e] = expected(&ir.entities[e].rows, scale, &rows);
    }
    let mut est = Estimate::default();
    let mut plan = 0f64;
    let mut bytes = 0f64;
    for (e, ent) in ir.entities.iter().enumerate() {
        bytes += rows[e] * 8.0 * ent.attributes.len() as f64;
        plan += parent_rows(&ent.rows, &rows) * 8.0;
    }
    est.rows = clamp(rows.iter().sum());
    est.bytes = clamp(bytes);
    est.plan_bytes = clamp(plan);
    est
}

fn expected(r: &Rows, scale: f64, rows: &[f64]) -> f64 {
    match r {
        Rows::Scaled(n) => (*n as f64 * scale).round().max(1.0),
        Rows::Fixed(n) => *n as f64,
        Rows::PerParent { parent, count, .. } => rows[*parent] * count.mean(),
        Rows::Union(members) => members.iter().map(|m| expected(m, scale, rows)).sum(),
    }
}

fn parent_rows(r: &Rows, rows: &[f64]) -> f64 {
    match r {
        Rows::PerParent { parent, .. } => rows[*parent] + 1.0,
        Rows::Union(members) => members.iter().map(|m| parent_rows(m, rows)).sum(),
        _ => 0.0,
    }
}

fn clamp(x: f64) -> u64 {
    if x.is_finite() && x < u64::MAX as f64 {
        x as u64
    } else {
        u64::MAX
    }
}
