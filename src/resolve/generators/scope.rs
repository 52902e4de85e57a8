//! The expression scope of an entity: its own attributes, `parent.x`, its ancestors (through
//! `per` parents and `union` sources) and the rows its foreign keys reach, with the built-ins
//! (`row`, `child_index`, `union_index`, `level`) the entity allows.

use crate::codes;
use crate::diagnostics::{Diagnostic, Span, did_you_mean};
use crate::ir::expr::Builtin;
use crate::ir::*;
use crate::resolve::expr::Scope;

/// Expression scope: attributes of `entity` and of the rows it can reach.
pub(in crate::resolve) struct EntityScope<'r> {
    pub entities: &'r [Entity],
    pub domains: &'r [Domain],
    pub entity: EntityId,
}

impl EntityScope<'_> {
    /// Qualifier → hops. A qualifier is `parent`, an ancestor entity's name, a foreign-key
    /// attribute's name (any column of a composite key), or the name of an entity referenced
    /// by exactly one foreign key and not also an ancestor.
    fn qualifier(&self, q: &str, span: Span) -> Result<(Vec<Hop>, EntityId), Diagnostic> {
        let (mut paths, t) = self.qualifier_paths(q, span)?;
        if paths.len() > 1 {
            return Err(Diagnostic::error(
                codes::AMBIGUOUS,
                Some(span),
                format!(
                    "`{q}` is reached through {} `union` members here",
                    paths.len()
                ),
            )
            .with_help("use it in an expression (`expr`), where the member's own path is taken"));
        }
        Ok((paths.pop().unwrap_or_default(), t))
    }

    /// Like `qualifier`, but an ancestor reached through several `union` members gives one
    /// path per member (each row takes the one its member reaches).
    fn qualifier_paths(
        &self,
        q: &str,
        span: Span,
    ) -> Result<(Vec<Vec<Hop>>, EntityId), Diagnostic> {
        let e = &self.entities[self.entity];
        let mut options: Vec<(Vec<Hop>, EntityId, String)> = Vec::new();
        if q == "parent" {
            return match e.parent() {
                Some(p) => Ok((vec![vec![Hop::Parent]], p)),
                None => Err(Diagnostic::error(
                    codes::UNKNOWN_ENTITY,
                    Some(span),
                    format!(
                        "`{}` has no `per` parent, so `parent.` is not available",
                        e.name
                    ),
                )
                .with_help(
                    "refer to a referenced entity by its name or by the foreign-key attribute",
                )),
            };
        }
        // Ancestors via `per` parents and `union` sources.
        for (hops, p) in ancestors(self.entities, self.entity) {
            let pe = &self.entities[p];
            if pe.name == q || pe.qualified == q {
                options.push((hops, p, format!("the ancestor `{}`", pe.qualified)));
            }
        }
        // An entity's name means the ancestor when one has it; a reference to the same entity
        // is then reached by its attribute's name (any column of a composite reference).
        let ancestor_named = !options.is_empty();
        for (i, fk) in e.foreign_keys.iter().enumerate() {
            if fk.pick == Pick::Parent || matches!(fk.pick, Pick::Path(_)) {
                continue; // reached as an ancestor
            }
            let t = &self.entities[fk.target];
            let via_attr = fk.columns.iter().any(|&c| e.attributes[c].name == q);
            let by_name = (t.name == q || t.qualified == q) && !ancestor_named;
            if via_attr || by_name {
                options.push((
                    vec![Hop::Fk(i)],
                    fk.target,
                    format!("the reference `{}`", e.attributes[fk.columns[0]].name),
                ));
            }
        }
        let union_alternatives = options.len() > 1
            && options
                .iter()
                .all(|o| o.1 == options[0].1 && o.2.starts_with("the ancestor"));
        if union_alternatives {
            let t = options[0].1;
            return Ok((options.into_iter().map(|o| o.0).collect(), t));
        }
        if let [(h, t, _)] = options.as_slice() {
            return Ok((vec![h.clone()], *t));
        }
        match options.len() {
            0 => {
                let mut cands: Vec<String> = Vec::new();
                if e.parent().is_some() {
                    cands.push("parent".into());
                }
                for (_, p) in ancestors(self.entities, self.entity) {
                    cands.push(self.entities[p].name.clone());
                }
                for fk in &e.foreign_keys {
                    cands.push(self.entities[fk.target].name.clone());
                    cands.extend(fk.columns.iter().map(|&c| e.attributes[c].name.clone()));
                }
                let help = did_you_mean(q, cands.iter().map(String::as_str))
                    .unwrap_or_else(|| "qualify with `parent`, an ancestor entity, or a referenced entity / foreign-key attribute".into());
                Err(Diagnostic::error(
                    codes::UNKNOWN_ENTITY,
                    Some(span),
                    format!("`{q}` is not reachable from `{}`", e.qualified),
                )
                .with_help(help))
            }
            _ => {
                let list: Vec<String> = options.iter().map(|o| o.2.clone()).collect();
                Err(Diagnostic::error(
                    codes::AMBIGUOUS,
                    Some(span),
                    format!("`{q}` could mean {}", list.join(" or ")),
                )
                .with_help("qualify with the foreign-key attribute's name instead of the entity's"))
            }
        }
    }
}

impl Scope for EntityScope<'_> {
    fn column(&self, name: &str, span: Span) -> Result<(ColRef, Type), Diagnostic> {
        if let Some((q, _)) = name.rsplit_once('.') {
            // Anchors and other single-column uses need one path.
            self.qualifier(q, span.sub(0, q.chars().count() as u32))?;
        }
        let mut cols = self.columns(name, span)?;
        Ok(cols.remove(0))
    }

    fn columns(&self, name: &str, span: Span) -> Result<Vec<(ColRef, Type)>, Diagnostic> {
        let (paths, target, attr_name) = match name.rsplit_once('.') {
            None => (vec![Vec::new()], self.entity, name),
            Some((q, a)) => {
                let (h, t) = self.qualifier_paths(q, span.sub(0, q.chars().count() as u32))?;
                (h, t, a)
            }
        };
        let t = &self.entities[target];
        match t.attr(attr_name) {
            Some(a) => Ok(paths
                .into_iter()
                .map(|hops| {
                    (
                        ColRef {
                            hops,
                            entity: target,
                            attr: a,
                        },
                        t.attributes[a].ty,
                    )
                })
                .collect()),
            None => {
                // Point at the attribute part of a qualified name.
                let prefix = name.chars().count() - attr_name.chars().count();
                let span = span.sub(prefix as u32, attr_name.chars().count() as u32);
                let mut d = Diagnostic::error(
                    codes::UNKNOWN_ATTRIBUTE,
                    Some(span),
                    format!("`{}` has no attribute `{attr_name}`", t.qualified),
                );
                if let Some(h) =
                    did_you_mean(attr_name, t.attributes.iter().map(|a| a.name.as_str()))
                {
                    d = d.with_help(h);
                } else if hopsless(name) && self.domains.iter().any(|d| d.name == attr_name) {
                    d = d.with_help(
                        "to use another entity's attribute, qualify it: `entity.attribute`",
                    );
                }
                Err(d)
            }
        }
    }

    fn builtin(&self, b: Builtin, span: Span) -> Result<(), Diagnostic> {
        let e = &self.entities[self.entity];
        match b {
            Builtin::Row | Builtin::Scale => Ok(()),
            Builtin::ChildIndex if e.parent().is_some() || matches!(e.rows, Rows::Union(_)) => {
                Ok(())
            }
            Builtin::UnionIndex if matches!(e.rows, Rows::Union(_)) => Ok(()),
            Builtin::UnionIndex => Err(Diagnostic::error(
                codes::BAD_PARENT,
                Some(span),
                format!(
                    "`union_index` needs `rows: {{union: …}}`, and `{}` has none",
                    e.name
                ),
            )),
            Builtin::ChildIndex => Err(Diagnostic::error(
                codes::BAD_PARENT,
                Some(span),
                format!(
                    "`child_index` needs rows generated `per` a parent, and `{}` has none",
                    e.name
                ),
            )
            .with_help("use `row` for the row number")),
            Builtin::Level
                if e.foreign_keys
                    .iter()
                    .any(|f| matches!(f.pick, Pick::Hierarchy { .. })) =>
            {
                Ok(())
            }
            Builtin::Level => Err(Diagnostic::error(
                codes::BAD_SELF_REF,
                Some(span),
                format!(
                    "`level` needs a self-referencing hierarchy, and `{}` has none",
                    e.name
                ),
            )
            .with_help("add a `ref` to the entity itself with `hierarchy: {depth: n}`")),
        }
    }
}

fn hopsless(name: &str) -> bool {
    !name.contains('.')
}
