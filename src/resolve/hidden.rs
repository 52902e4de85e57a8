//! Hidden attributes: generated and usable by other attributes, never exported. A hidden
//! attribute has no column anywhere, so it cannot be part of what other outputs name: a primary
//! key, a unique constraint, a foreign key (its own `ref`, or the key another entity references)
//! or the source of a partition. Each such use is a located error at the `hidden` flag.

use crate::codes;
use crate::diagnostics::Span;
use crate::ir::*;
use crate::resolve::Resolver;

impl Resolver<'_> {
    /// Reports every hidden attribute that an exported structure needs as a column.
    pub(super) fn hidden(&mut self) {
        for eid in 0..self.entities.len() {
            for a in 0..self.entities[eid].attributes.len() {
                if self.entities[eid].attributes[a].hidden {
                    self.hidden_attribute(eid, a);
                }
            }
        }
    }

    fn hidden_attribute(&mut self, eid: EntityId, a: AttrId) {
        let ent = &self.entities[eid];
        let name = ent.attributes[a].name.clone();
        let span = self
            .attr_ast(eid, a)
            .hidden
            .as_ref()
            .map_or(ent.attributes[a].span, |h| h.span);
        let mut problems: Vec<(&'static str, String)> = Vec::new();
        if ent.primary_key.contains(&a) {
            problems.push((codes::BAD_KEY, "is (part of) the primary key".into()));
        }
        if ent.unique.iter().any(|u| u.contains(&a)) {
            problems.push((codes::BAD_KEY, "is part of a `unique` constraint".into()));
        }
        // A hidden reference is allowed: it picks a row for other attributes to read, and is
        // neither exported nor drawn as a relationship. All its columns must be hidden.
        if let Some(f) = ent.foreign_keys.iter().find(|f| f.columns.contains(&a))
            && f.columns.iter().any(|&c| !ent.attributes[c].hidden)
        {
            problems.push((
                codes::BAD_KEY,
                "is a column of a reference whose other columns are exported".into(),
            ));
        }
        let referencing: Vec<String> = self
            .entities
            .iter()
            .filter(|o| {
                o.foreign_keys
                    .iter()
                    .any(|f| f.target == eid && f.target_columns.contains(&a))
            })
            .map(|o| format!("`{}`", o.qualified))
            .collect();
        if !referencing.is_empty() {
            problems.push((
                codes::BAD_KEY,
                format!(
                    "is referenced by a foreign key of {}",
                    referencing.join(", ")
                ),
            ));
        }
        if ent.partition.as_ref().is_some_and(|p| p.from == a) {
            problems.push((
                codes::BAD_PARTITION,
                "is the source of the partition".into(),
            ));
        }
        for (code, why) in problems {
            self.hidden_error(code, span, &name, &why);
        }
    }

    fn hidden_error(&mut self, code: &'static str, span: Span, name: &str, why: &str) {
        self.err(
            code,
            span,
            format!("attribute `{name}` is hidden but {why}, which needs an exported column"),
            Some(format!(
                "remove `hidden: true` from `{name}`, or keep it hidden and derive an exported attribute from it"
            )),
        );
    }
}
