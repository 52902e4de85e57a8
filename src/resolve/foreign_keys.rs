//! Foreign keys: every `ref` attribute's target entity and key column, grouped into one
//! foreign key per referenced row (composite keys take one `ref` attribute per key column),
//! with the way the referenced row is picked; then key types are inherited from, or checked
//! against, the referenced key.

use super::Resolver;
use crate::codes;
use crate::diagnostics::{Span, did_you_mean, suggest};
use crate::ir::*;
use crate::spec::ast::{self, GeneratorSpec, Sp};

/// One `ref` attribute, resolved to its target entity and key column.
struct RefAttr {
    attr: AttrId,
    target: EntityId,
    column: AttrId,
    pick: Option<Sp<ast::PickSpec>>,
    hierarchy: Option<u32>,
    lookup: Option<Span>,
    span: Span,
}

/// What decides the picks of one entity's foreign keys: its `per` parent (bound to the first
/// reference to it without a pick) and its union sources.
struct PickContext {
    eid: EntityId,
    parent: Option<EntityId>,
    parent_bound: bool,
    sources: Vec<Option<EntityId>>,
}

impl Resolver<'_> {
    /// Resolves `ref` targets into foreign keys, groups composite keys, picks, and inherits
    /// key types.
    pub(super) fn foreign_keys(&mut self) {
        let mut per_entity: Vec<Vec<RefAttr>> = Vec::with_capacity(self.entities.len());
        for eid in 0..self.entities.len() {
            let mut refs = Vec::new();
            for aid in 0..self.entities[eid].attributes.len() {
                let a = self.attr_ast(eid, aid);
                let Some(GeneratorSpec::Ref(g)) = &a.generator else {
                    continue;
                };
                refs.extend(self.ref_attr(eid, aid, g));
            }
            per_entity.push(refs);
        }
        for (eid, refs) in per_entity.into_iter().enumerate() {
            self.group_refs(eid, refs);
        }
        self.inherit_key_types();
        self.check_key_types();
    }

    /// Resolves one `ref` attribute: its target entity, the key column it holds, and its
    /// hierarchy.
    fn ref_attr(&mut self, eid: EntityId, aid: AttrId, g: &ast::RefGen) -> Option<RefAttr> {
        let r = &g.target;
        let (entity_text, column_text) = self.ref_parts(eid, r)?;
        let domain = self.entities[eid].domain;
        let target = self.lookup_entity(domain, &entity_text, r.span)?;
        let column = self.ref_column(eid, aid, target, &entity_text, column_text, r)?;
        let hierarchy = g.hierarchy.as_ref().map(|h| h.value.depth);
        if target == eid && hierarchy.is_none() {
            self.err(
                codes::BAD_SELF_REF,
                r.span,
                format!("`{}` references its own entity without a hierarchy", self.entities[eid].attributes[aid].name),
                Some("declare the tree's depth, e.g. `hierarchy: {depth: 3}` (roots get a null parent)".into()),
            );
            return None;
        }
        if let Some(h) = &g.hierarchy {
            if target != eid {
                self.err(
                    codes::BAD_SELF_REF,
                    h.span,
                    "`hierarchy` applies only to a reference to the attribute's own entity",
                    None,
                );
                return None;
            }
            if h.value.depth < 2 || h.value.depth > 32 {
                self.err(
                    codes::BAD_DIST,
                    h.span,
                    format!("hierarchy depth {} must be in 2..=32", h.value.depth),
                    None,
                );
                return None;
            }
        }
        Some(RefAttr {
            attr: aid,
            target,
            column,
            pick: g.pick.clone(),
            hierarchy,
            lookup: g.lookup.as_ref().map(|l| l.span),
            span: r.span,
        })
    }

    /// Splits a reference into the entity (`entity` or `domain.entity`) and the key column,
    /// if named. Two parts are `domain.entity` when the first names a domain (or nothing at
    /// all, so the error speaks of the unknown domain), else `entity.column`.
    fn ref_parts(&mut self, eid: EntityId, r: &Sp<String>) -> Option<(String, Option<String>)> {
        let domain = self.entities[eid].domain;
        let parts: Vec<&str> = r.value.split('.').collect();
        match parts.as_slice() {
            [e] if !e.is_empty() => Some((e.to_string(), None)),
            [a, b] if !a.is_empty() && !b.is_empty() => {
                let local = |n: &str| {
                    self.entities
                        .iter()
                        .any(|x| x.domain == domain && x.name == n)
                };
                let is_domain = self.domains.iter().any(|d| d.name == *a);
                let local_names = self
                    .entities
                    .iter()
                    .filter(|x| x.domain == domain)
                    .map(|x| x.name.as_str());
                let local_typo = suggest(a, local_names).is_some();
                let qualified = if is_domain {
                    !local(a)
                        || self
                            .entities
                            .iter()
                            .any(|x| self.domains[x.domain].name == *a && x.name == *b)
                } else {
                    !local(a) && !local_typo
                };
                Some(if qualified {
                    (format!("{a}.{b}"), None)
                } else {
                    (a.to_string(), Some(b.to_string()))
                })
            }
            [d, e, c] if !d.is_empty() && !e.is_empty() && !c.is_empty() => {
                Some((format!("{d}.{e}"), Some(c.to_string())))
            }
            _ => {
                self.err(codes::INVALID_VALUE, r.span, format!("`{}` is not a reference", r.value), Some("write `entity`, `domain.entity`, `entity.column` or `domain.entity.column`".into()));
                None
            }
        }
    }

    /// The key column of `target` that attribute `aid` holds: the named one (which must be a
    /// key column), the single key column, or the key column of the same name.
    fn ref_column(
        &mut self,
        eid: EntityId,
        aid: AttrId,
        target: EntityId,
        entity_text: &str,
        column_text: Option<String>,
        r: &Sp<String>,
    ) -> Option<AttrId> {
        let pk = self.entities[target].primary_key.clone();
        if let Some(c) = &column_text {
            let Some(col) = self.entities[target].attr(c) else {
                self.unknown_attr(target, c, r.span);
                return None;
            };
            if !pk.contains(&col) {
                let msg = format!(
                    "`{}` is not part of the primary key of `{}`",
                    c, self.entities[target].qualified
                );
                self.err(
                    codes::BAD_KEY,
                    r.span,
                    msg,
                    Some("references point at the referenced entity's primary key".into()),
                );
                return None;
            }
            return Some(col);
        }
        match pk.as_slice() {
            [] => None, // reported as a missing primary key
            [only] => Some(*only),
            _ => {
                let name = &self.entities[eid].attributes[aid].name;
                let same = pk
                    .iter()
                    .find(|&&p| &self.entities[target].attributes[p].name == name);
                if let Some(&p) = same {
                    return Some(p);
                }
                let cols: Vec<String> = pk
                    .iter()
                    .map(|&p| self.entities[target].attributes[p].name.clone())
                    .collect();
                let msg = format!(
                    "`{}` has a composite key ({}); say which column this attribute holds",
                    self.entities[target].qualified,
                    cols.join(", ")
                );
                let help = format!("e.g. `ref: {}.{}`", entity_text, cols[0]);
                self.err(codes::BAD_KEY, r.span, msg, Some(help));
                None
            }
        }
    }

    /// Groups one entity's `ref` attributes into foreign keys (the columns of a composite key
    /// together) and records them.
    fn group_refs(&mut self, eid: EntityId, refs: Vec<RefAttr>) {
        let mut used = vec![false; refs.len()];
        let mut cx = PickContext {
            eid,
            parent: self.entities[eid].parent(),
            parent_bound: false,
            sources: self.entities[eid].sources(),
        };
        for i in 0..refs.len() {
            if used[i] {
                continue;
            }
            used[i] = true;
            let mut group = vec![i];
            let tpk = self.entities[refs[i].target].primary_key.clone();
            if tpk.len() > 1 {
                for j in i + 1..refs.len() {
                    if !used[j]
                        && refs[j].target == refs[i].target
                        && refs[j].pick.as_ref().map(|p| &p.value).is_some()
                            == refs[i].pick.is_some()
                        && !group.iter().any(|&g| refs[g].column == refs[j].column)
                    {
                        used[j] = true;
                        group.push(j);
                    }
                }
            }
            let first = &refs[i];
            // Order the group's columns by the target key's column order.
            let mut cols: Vec<(AttrId, AttrId)> = group
                .iter()
                .map(|&g| (refs[g].attr, refs[g].column))
                .collect();
            cols.sort_by_key(|(_, c)| tpk.iter().position(|p| p == c));
            if !self.covers_key(first, &cols, &tpk) {
                continue;
            }
            let Some(pick) = self.pick(&mut cx, first) else {
                continue;
            };
            self.add_foreign_key(eid, first.target, cols, tpk, pick);
        }
    }

    /// Whether a group of `ref` attributes covers the target's whole key (reported if not).
    fn covers_key(&mut self, first: &RefAttr, cols: &[(AttrId, AttrId)], tpk: &[AttrId]) -> bool {
        let covered: Vec<AttrId> = cols.iter().map(|c| c.1).collect();
        if covered == tpk {
            return true;
        }
        let names: Vec<String> = tpk
            .iter()
            .map(|&p| self.entities[first.target].attributes[p].name.clone())
            .collect();
        let msg = format!(
            "reference to `{}` must cover its whole key ({})",
            self.entities[first.target].qualified,
            names.join(", ")
        );
        self.err(
            codes::BAD_KEY,
            first.span,
            msg,
            Some("add one `ref` attribute per key column".into()),
        );
        false
    }

    /// Records a foreign key and makes its columns reference it.
    fn add_foreign_key(
        &mut self,
        eid: EntityId,
        target: EntityId,
        cols: Vec<(AttrId, AttrId)>,
        target_columns: Vec<AttrId>,
        pick: Pick,
    ) {
        let fk_id = self.entities[eid].foreign_keys.len();
        let null_rate = cols
            .iter()
            .map(|(a, _)| self.entities[eid].attributes[*a].null_rate)
            .fold(0.0, f64::max);
        for (k, (a, _)) in cols.iter().enumerate() {
            self.entities[eid].attributes[*a].generator = Generator::Ref {
                fk: fk_id,
                column: k,
            };
        }
        self.entities[eid].foreign_keys.push(ForeignKey {
            columns: cols.iter().map(|c| c.0).collect(),
            target,
            target_columns,
            pick,
            null_rate,
            when: None,
        });
    }

    /// How the referenced row is picked: a hierarchy, a lookup, the `per` parent or a union
    /// source by default, else the declared `pick`.
    fn pick(&mut self, cx: &mut PickContext, first: &RefAttr) -> Option<Pick> {
        if let Some(depth) = first.hierarchy {
            return Some(Pick::Hierarchy { depth });
        }
        if let Some(lspan) = first.lookup {
            return self.lookup_pick(first.target, first.pick.as_ref(), lspan);
        }
        let Some(p) = &first.pick else {
            if Some(first.target) == cx.parent && !cx.parent_bound {
                cx.parent_bound = true;
                return Some(Pick::Parent);
            }
            // A union member's parent: the row's source row (null on other members).
            if cx.sources.contains(&Some(first.target)) {
                let paths = (0..cx.sources.len())
                    .filter(|&k| cx.sources[k] == Some(first.target))
                    .map(|k| vec![Hop::Source(k)])
                    .collect();
                return Some(Pick::Path(paths));
            }
            return Some(Pick::Uniform);
        };
        match &p.value {
            ast::PickSpec::Named(n) => self.named_pick(cx, first.target, n, p.span),
            ast::PickSpec::NthChild(n) => self.nth_child_pick(cx.eid, first.target, n, p.span),
            ast::PickSpec::Zipf(ast::ZipfPick { zipf }) => {
                if !(*zipf > 0.0 && *zipf <= 10.0) {
                    self.err(
                        codes::BAD_DIST,
                        p.span,
                        format!("zipf exponent {zipf} must be in (0, 10]"),
                        Some("1.0–1.5 is typical for product popularity".into()),
                    );
                    return None;
                }
                Some(Pick::Zipf(*zipf))
            }
            ast::PickSpec::Match(m) => self.match_pick(first.target, m),
            ast::PickSpec::Weighted(ast::WeightedPick { weighted }) => {
                match self.entities[first.target].attr(weighted) {
                    Some(w) => Some(Pick::Weighted(w)),
                    None => {
                        self.unknown_attr(first.target, weighted, p.span);
                        None
                    }
                }
            }
        }
    }

    /// `pick: {match: {attr: expr}, weighted: w}`: the target attributes are resolved here, the
    /// expression in `generators` (a placeholder until then).
    fn match_pick(&mut self, target: EntityId, m: &ast::MatchPick) -> Option<Pick> {
        let (name, value) = &m.on;
        let Some(attr) = self.entities[target].attr(&name.value) else {
            self.unknown_attr(target, &name.value, name.span);
            return None;
        };
        let weight = match &m.weighted {
            Some(w) => match self.entities[target].attr(&w.value) {
                Some(id) => Some(id),
                None => {
                    self.unknown_attr(target, &w.value, w.span);
                    return None;
                }
            },
            None => None,
        };
        Some(Pick::Match {
            attr,
            value: Box::new(Expr {
                kind: ExprKind::Lit(Value::Null),
                ty: Type::Null,
                span: value.span,
            }),
            weight,
            empty_null: m
                .empty
                .as_ref()
                .is_some_and(|e| e.value == ast::EmptyGroup::Null),
        })
    }

    /// `pick: uniform | distinct | parent | ancestor`.
    fn named_pick(
        &mut self,
        cx: &mut PickContext,
        target: EntityId,
        n: &str,
        span: Span,
    ) -> Option<Pick> {
        match n {
            "uniform" => Some(Pick::Uniform),
            "ancestor" => {
                let paths = ancestor_paths(&self.entities, cx.eid, target);
                if paths.is_empty() {
                    let msg = format!(
                        "`pick: ancestor` needs `{}` to be an ancestor of `{}` (through `per` parents or `union` sources)",
                        self.entities[target].qualified, self.entities[cx.eid].qualified
                    );
                    self.err(codes::BAD_PARENT, span, msg, None);
                    return None;
                }
                Some(Pick::Path(paths))
            }
            "distinct" => {
                if cx.parent.is_none() {
                    self.err(codes::BAD_PARENT, span, "`pick: distinct` needs rows generated `per` a parent", Some("distinct picks are unique among the children of one parent (bridge entities)".into()));
                    return None;
                }
                Some(Pick::Distinct)
            }
            "parent" => {
                if Some(target) != cx.parent {
                    self.err(codes::BAD_PARENT, span, "`pick: parent` needs the referenced entity to be this entity's `per` parent", None);
                    return None;
                }
                cx.parent_bound = true;
                Some(Pick::Parent)
            }
            _ => {
                let help = did_you_mean(n, ["uniform", "distinct", "parent", "ancestor"]);
                self.err(codes::INVALID_VALUE, span, format!("unknown pick `{n}`"), help.or(Some("use `uniform`, `distinct`, `parent`, `ancestor`, `{zipf: s}`, `{weighted: attribute}` or `{nth_child: expr}`".into())));
                None
            }
        }
    }

    /// `pick: {nth_child: …}`: the target's parent, or the first union member whose parent is
    /// an ancestor of this row. The index expression is checked with the generators.
    /// With `of`, the path to the counted row is resolved with the generators (every
    /// reference is known by then).
    fn nth_child_pick(
        &mut self,
        eid: EntityId,
        target: EntityId,
        n: &ast::NthChildPick,
        span: Span,
    ) -> Option<Pick> {
        let index = Box::new(Expr {
            kind: ExprKind::Lit(Value::Null),
            ty: Type::Null,
            span,
        });
        if n.of.is_some() {
            return Some(Pick::NthChild {
                paths: Vec::new(),
                index,
                member: None,
                shuffle: n.shuffle,
            });
        }
        let t = &self.entities[target];
        let (paths, member) = match t.parent() {
            Some(g) => (ancestor_paths(&self.entities, eid, g), None),
            None => t
                .sources()
                .iter()
                .enumerate()
                .filter_map(|(k, g)| {
                    let p = ancestor_paths(&self.entities, eid, (*g)?);
                    (!p.is_empty()).then_some((p, Some(k)))
                })
                .next()
                .unwrap_or_default(),
        };
        if paths.is_empty() {
            let msg = format!(
                "`pick: {{nth_child: …}}` needs `{}` to be generated `per` an ancestor of `{}`",
                self.entities[target].qualified, self.entities[eid].qualified
            );
            self.err(codes::BAD_PARENT, span, msg, Some("e.g. invoice lines (per invoices per orders) can pick the n-th line of their order".into()));
            return None;
        }
        Some(Pick::NthChild {
            paths,
            index,
            member,
            shuffle: n.shuffle,
        })
    }

    /// Inherits key types along references; iterates so chains (a key that is itself a
    /// reference) settle.
    fn inherit_key_types(&mut self) {
        for _round in 0..=self.entities.len() {
            let mut changed = false;
            for eid in 0..self.entities.len() {
                for f in 0..self.entities[eid].foreign_keys.len() {
                    let fk = self.entities[eid].foreign_keys[f].clone();
                    for (a, t) in fk.columns.iter().zip(&fk.target_columns) {
                        let tt = self.entities[fk.target].attributes[*t].ty;
                        if tt != Type::Null
                            && self.declared[eid][*a].is_none()
                            && self.entities[eid].attributes[*a].ty != tt
                        {
                            self.entities[eid].attributes[*a].ty = tt;
                            changed = true;
                        }
                    }
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// Checks declared key types against the referenced key's.
    fn check_key_types(&mut self) {
        for eid in 0..self.entities.len() {
            for f in 0..self.entities[eid].foreign_keys.len() {
                let fk = self.entities[eid].foreign_keys[f].clone();
                for (a, t) in fk.columns.iter().zip(&fk.target_columns) {
                    let (Some(decl), tt) = (
                        self.declared[eid][*a],
                        self.entities[fk.target].attributes[*t].ty,
                    ) else {
                        continue;
                    };
                    if tt != Type::Null && !decl.same_key_type(tt) {
                        let attr = &self.entities[eid].attributes[*a];
                        let span = self
                            .attr_ast(eid, *a)
                            .ty
                            .as_ref()
                            .map_or(attr.span, |s| s.span);
                        let msg = format!(
                            "`{}` is declared {decl} but references `{}.{}`, which is {tt}",
                            attr.name,
                            self.entities[fk.target].qualified,
                            self.entities[fk.target].attributes[*t].name
                        );
                        self.err(
                            codes::KEY_TYPE_MISMATCH,
                            span,
                            msg,
                            Some(format!("use `type: {tt}` or drop `type` to inherit it")),
                        );
                    }
                }
            }
        }
    }
}
