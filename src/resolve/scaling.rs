//! `scaled` children counts: a `per` source may multiply its children per parent by `--scale`,
//! which is meant for parents whose own rows do not scale (`fixed`, or per-parent rows of such
//! parents). Scaling the children of rows that already scale would grow them with the square of
//! the scale, so that is a located error.

use crate::codes;
use crate::ir::*;
use crate::resolve::Resolver;
use crate::spec::ast;

impl Resolver<'_> {
    /// Refuses `scaled: true` on a `per` source whose parent's row count already scales.
    pub(super) fn scaled_counts(&mut self) {
        let at1 = rows::expected(&self.entities, 1.0);
        let at2 = rows::expected(&self.entities, 2.0);
        let scales = |p: EntityId| at2.get(p) > at1.get(p);
        let mut errors = Vec::new();
        for eid in 0..self.entities.len() {
            let sources: Vec<(&Rows, &ast::RowsSpec)> =
                match (&self.entities[eid].rows, &self.asts[eid].rows.value) {
                    (Rows::Union(ms), ast::RowsSpec::Union(u)) => {
                        ms.iter().zip(u.union.iter().map(|m| &m.value)).collect()
                    }
                    (r, spec) => vec![(r, spec)],
                };
            for (r, spec) in sources {
                let (Rows::PerParent { parent, count, .. }, ast::RowsSpec::Per(p)) = (r, spec)
                else {
                    continue;
                };
                if let Some(flag) = &p.scaled
                    && count.scaled
                    && scales(*parent)
                {
                    errors.push((flag.span, self.entities[*parent].qualified.clone()));
                }
            }
        }
        for (span, parent) in errors {
            self.err(
                codes::BAD_PARENT,
                span,
                format!("`scaled` children of `{parent}`, whose rows already scale with `--scale`"),
                Some(format!(
                    "children of `{parent}` already follow the scale through their parents; remove `scaled: true` (it is for parents with `rows: {{fixed: n}}`)"
                )),
            );
        }
    }
}
