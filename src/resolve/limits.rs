//! Size limits on row counts: an entity may expect at most [`MAX_ROWS`] rows at scale 1, and a
//! children-per-parent count may give at most [`MAX_ROWS`] children to one parent. Row indices,
//! per-parent offsets and the lake's files are not meant for more, and a count past the limit
//! is almost always a typo (an extra zero or two).

use super::Resolver;
use crate::codes;
use crate::diagnostics::Span;
use crate::ir::{CountDist, EntityId};

/// The most rows an entity may expect at scale 1, and the most children one parent may get:
/// 2^40 (about 1.1 × 10^12).
pub const MAX_ROWS: u64 = 1 << 40;

const HINT: &str = "row indices, per-parent offsets and Parquet files are not meant for more than 2^40 (about 1.1e12) rows per entity; lower the count (a typo often adds a few zeros)";

impl Resolver<'_> {
    /// Refuses a count distribution that can give one parent more than [`MAX_ROWS`] children.
    pub(super) fn count_limit(&mut self, count: &CountDist, span: Span) -> bool {
        let most = match count.upper_bound() {
            Some(b) => b,
            // Unbounded draws start at the shift.
            None => count.shift,
        };
        if most <= MAX_ROWS {
            return true;
        }
        self.err(
            codes::TOO_MANY_ROWS,
            span,
            format!("this count can give one parent {most} children, more than 2^40"),
            Some(HINT.into()),
        );
        false
    }

    /// Refuses entities that expect more than [`MAX_ROWS`] rows at scale 1 (per-parent
    /// entities count their parents' rows times the mean count; unions add their members). An
    /// entity whose own parent is already over the limit is not reported again.
    pub(super) fn row_limits(&mut self) {
        let expected = crate::ir::rows::expected(&self.entities, 1.0);
        let over: Vec<bool> = expected.iter().map(|&r| r > MAX_ROWS as f64).collect();
        for eid in 0..self.entities.len() {
            if !over[eid] || self.entities[eid].row_parents().iter().any(|&p| over[p]) {
                continue;
            }
            self.too_many_rows(eid, expected[eid]);
        }
    }

    fn too_many_rows(&mut self, eid: EntityId, rows: f64) {
        let span = self.asts[eid].rows.span;
        let name = self.entities[eid].qualified.clone();
        self.err(
            codes::TOO_MANY_ROWS,
            span,
            format!("`{name}` expects about {rows:.3e} rows at scale 1, more than 2^40"),
            Some(HINT.into()),
        );
    }
}
