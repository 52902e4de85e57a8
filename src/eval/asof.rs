//! The lake as of a date (`lab compile --as-of`): which rows exist by the cutoff and what is
//! known of them. Every value is first computed as in the full lake (the truth), so a row's
//! keys, dates and amounts never depend on the as-of date. A row of an entity with `time`
//! exists once its creation date or timestamp is before the cutoff (the end of the as-of
//! day), and a child row only while its `per` parent (or `union` source) exists. The rows
//! that exist are then exported through a *view* frame: their event dates after the cutoff
//! are unknown (null); a reference to a row that does not exist yet is null; rollups count
//! only the rows that exist; and expressions are evaluated again over those values, so a
//! status computed from the row's own shipping date is what it was that day. Other values
//! are the true ones.

use super::column::Column;
use super::{Evaluator, FrameId, NONE};
use crate::ir::{AttrId, EntityId, Generator, Hop, Rows, timed};
use std::sync::Arc;

impl Evaluator<'_> {
    /// Whether each row of frame `f` exists as of the run's cutoff; `None` when every row
    /// does (no `--as-of`, or an entity whose rows never depend on time).
    pub fn exists(&mut self, f: FrameId) -> Option<Arc<Vec<bool>>> {
        let cutoff = self.cutoff?;
        if let Some(t) = self.frames[f].view_of {
            return self.exists(t);
        }
        let e = self.frames[f].entity;
        if !timed(&self.ir.entities, e) {
            return None;
        }
        if let Some(x) = &self.frames[f].exists {
            return Some(x.clone());
        }
        let n = self.len(f);
        let mut keep = vec![true; n];
        let ir = self.ir;
        let ent = &ir.entities[e];
        if let Some(t) = &ent.time {
            let c = self.attr(f, t.created);
            for (i, k) in keep.iter_mut().enumerate() {
                if c.is_valid(i) && c.ms_at(i) >= cutoff {
                    *k = false;
                }
            }
        }
        let hops: Vec<Hop> = match &ent.rows {
            Rows::PerParent { .. } => vec![Hop::Parent],
            Rows::Union(members) => (members.iter().enumerate())
                .filter(|(_, m)| matches!(m, Rows::PerParent { .. }))
                .map(|(k, _)| Hop::Source(k))
                .collect(),
            _ => Vec::new(),
        };
        for hop in hops {
            let (pf, map) = self.link(f, hop);
            if let Some(px) = self.exists(pf) {
                for (k, &j) in keep.iter_mut().zip(map.iter()) {
                    if j != u32::MAX && !px[j as usize] {
                        *k = false;
                    }
                }
            }
        }
        let keep = Arc::new(keep);
        self.frames[f].exists = Some(keep.clone());
        Some(keep)
    }

    /// Hides the values of event attribute `a` of entity `e` that come after the cutoff.
    pub(super) fn mask_events(&self, e: EntityId, a: AttrId, col: &mut Column) {
        let Some(cutoff) = self.cutoff else {
            return;
        };
        let Some(t) = &self.ir.entities[e].time else {
            return;
        };
        if !t.events.contains(&a) {
            return;
        }
        let keep: Vec<bool> = (0..col.len())
            .map(|i| !col.is_valid(i) || col.ms_at(i) < cutoff)
            .collect();
        if keep.iter().any(|k| !k) {
            col.mask(&keep);
        }
    }

    /// The as-of view of frame `f`'s rows: a frame over the same rows whose attributes are
    /// read as described above.
    pub fn view(&mut self, f: FrameId) -> FrameId {
        let rows = self.frames[f].rows.clone();
        let e = self.frames[f].entity;
        let v = self.frame(e, rows);
        self.frames[v].view_of = Some(f);
        v
    }

    /// The as-of value of attribute `a` (not an expression or a rollup) over view frame `v`
    /// of true frame `t`: the true value, with its `when` evaluated over the view; an event
    /// after the cutoff hidden; a reference to a row that does not exist yet null.
    pub(super) fn view_copy(&mut self, v: FrameId, t: FrameId, a: AttrId) -> Column {
        let e = self.frames[t].entity;
        let ir = self.ir;
        let mut col = match &ir.entities[e].attributes[a].when {
            None => (*self.attr(t, a)).clone(),
            Some(_) => self.unconditioned(t, a),
        };
        self.versions(t, a, &mut col);
        if let Some(w) = &ir.entities[e].attributes[a].when {
            let keep = super::exprs::truthy(&self.eval_expr(v, w));
            col.mask(&keep);
        }
        self.mask_events(e, a, &mut col);
        if let Generator::Ref { fk, .. } = ir.entities[e].attributes[a].generator {
            let target = ir.entities[e].foreign_keys[fk].target;
            if timed(&ir.entities, target) {
                let picks = self.picks(t, fk);
                let (tf, map) = self.gather_frame(target, &picks);
                if let Some(x) = self.exists(tf) {
                    let keep: Vec<bool> = (picks.iter().zip(map.iter()))
                        .map(|(&p, &j)| p == NONE || j == u32::MAX || x[j as usize])
                        .collect();
                    col.mask(&keep);
                }
            }
        }
        col
    }
}
