//! The `ref` generator: the foreign key itself is built with the other keys (`resolve`'s
//! `foreign_keys`); here its `lookup` and `nth_child` expressions are checked, optional
//! references make the attribute nullable, and weights must be numeric.

use super::At;
use crate::codes;
use crate::ir::*;
use crate::resolve::Resolver;
use crate::spec::ast::{self, Sp};

impl Resolver<'_> {
    /// `ref`: nothing to do when the foreign key could not be built (already reported).
    pub(super) fn ref_generator(&mut self, at: &At, r: &ast::RefGen) {
        let (eid, aid) = (at.eid, at.aid);
        let Generator::Ref { fk, .. } = self.entities[eid].attributes[aid].generator else {
            return;
        };
        self.pick_exprs(eid, aid, fk, r);
        if self.entities[eid].foreign_keys[fk].optional() {
            self.entities[eid].attributes[aid].nullable = true;
        }
        if let Pick::Weighted(w) = self.entities[eid].foreign_keys[fk].pick {
            let t = self.entities[eid].foreign_keys[fk].target;
            let wt = self.entities[t].attributes[w].ty;
            if !(wt.is_numeric() || wt == Type::Bool) {
                let span = r.pick.as_ref().map_or(at.name_span, |p| p.span);
                self.err(
                    codes::GENERATOR_TYPE,
                    span,
                    format!(
                        "weights come from `{}`, which is {wt}",
                        self.entities[t].attributes[w].name
                    ),
                    Some("weight by a numeric or bool attribute".into()),
                );
            }
        }
    }

    /// Checks the expressions of `lookup`, `match` and `nth_child` picks (once per foreign key,
    /// on its first column): a lookup value must have the target key's type, a match value the
    /// matched attribute's type, an index an integer.
    fn pick_exprs(&mut self, eid: EntityId, aid: AttrId, fk: FkId, r: &ast::RefGen) {
        let f = self.entities[eid].foreign_keys[fk].clone();
        if f.columns.first() != Some(&aid) {
            return;
        }
        let site = format!(
            "{}.{}",
            self.entities[eid].qualified, self.entities[eid].attributes[aid].name
        );
        match &f.pick {
            Pick::Lookup(_) => {
                let Some(l) = &r.lookup else { return };
                let Some(&key) = f.target_columns.first() else {
                    return;
                };
                let kt = self.entities[f.target].attributes[key].ty;
                let off = self.quoted_offset(l.span);
                let Some(e) = self.check_expr(eid, l, off, &format!("{site}#lookup")) else {
                    return;
                };
                if e.ty != Type::Null
                    && !e.ty.same_key_type(kt)
                    && !(e.ty.is_integer() && kt.is_integer())
                {
                    let msg = format!(
                        "`lookup` gives {} values, but the key `{}.{}` is {kt}",
                        e.ty,
                        self.entities[f.target].qualified,
                        self.entities[f.target].attributes[key].name
                    );
                    return self.err(
                        codes::KEY_TYPE_MISMATCH,
                        l.span,
                        msg,
                        Some(
                            "give a value of the key's type (e.g. `to_string(…)` or `int(…)`)"
                                .into(),
                        ),
                    );
                }
                self.entities[eid].foreign_keys[fk].pick = Pick::Lookup(Box::new(e));
            }
            &Pick::Match {
                attr,
                weight,
                empty_null,
                ..
            } => {
                let Some(p) = &r.pick else { return };
                let ast::PickSpec::Match(m) = &p.value else {
                    return;
                };
                let target = &self.entities[f.target];
                let (at, aname) = (
                    target.attributes[attr].ty,
                    target.attributes[attr].name.clone(),
                );
                if let Some(w) = weight {
                    let wa = &target.attributes[w];
                    if !wa.ty.is_numeric() {
                        let msg = format!(
                            "`weighted` needs a numeric attribute, but `{}` is {}",
                            wa.name, wa.ty
                        );
                        let span = m.weighted.as_ref().map_or(p.span, |w| w.span);
                        return self.err(codes::EXPR_TYPE, span, msg, None);
                    }
                }
                let text = &m.on.1;
                let off = self.quoted_offset(text.span);
                let Some(e) = self.check_expr(eid, text, off, &format!("{site}#match")) else {
                    return;
                };
                if e.ty != Type::Null
                    && !e.ty.same_key_type(at)
                    && !(e.ty.is_integer() && at.is_integer())
                {
                    let msg = format!(
                        "`match` compares {} values with `{}.{aname}`, which is {at}",
                        e.ty, self.entities[f.target].qualified
                    );
                    return self.err(
                        codes::KEY_TYPE_MISMATCH,
                        text.span,
                        msg,
                        Some("give a value of the attribute's type (e.g. `to_string(…)` or `int(…)`)".into()),
                    );
                }
                if let Some(v) = self
                    .unmatched(eid, &e, f.target, attr)
                    .filter(|_| !empty_null)
                {
                    let msg = format!(
                        "`match` can give `{v}`, but `{}.{aname}` never takes that value",
                        self.entities[f.target].qualified
                    );
                    return self.err(
                        codes::EMPTY_GROUP,
                        text.span,
                        msg,
                        Some(format!("add `{v}` to `{aname}`'s values, or keep the expression to values `{aname}` takes")),
                    );
                }
                self.entities[eid].foreign_keys[fk].pick = Pick::Match {
                    attr,
                    value: Box::new(e),
                    weight,
                    empty_null,
                };
            }
            Pick::NthChild {
                paths,
                member,
                shuffle,
                ..
            } => {
                let (mut paths, mut member, shuffle) = (paths.clone(), *member, *shuffle);
                let Some(p) = &r.pick else { return };
                let ast::PickSpec::NthChild(n) = &p.value else {
                    return;
                };
                if let Some(of) = &n.of {
                    let Some(found) = self.nth_child_of(eid, f.target, of, &site) else {
                        return;
                    };
                    (paths, member) = found;
                }
                let text = Sp::new(n.nth_child.clone(), p.span);
                let off = self.quoted_offset(p.span);
                let Some(e) = self.check_expr(eid, &text, off, &format!("{site}#nth_child")) else {
                    return;
                };
                if !(e.ty.is_integer() || e.ty == Type::Null) {
                    return self.err(
                        codes::EXPR_TYPE,
                        p.span,
                        format!("`nth_child` must be an integer expression, found {}", e.ty),
                        Some("e.g. `child_index` or `1 + int(random() * n)`".into()),
                    );
                }
                self.entities[eid].foreign_keys[fk].pick = Pick::NthChild {
                    paths,
                    index: Box::new(e),
                    member,
                    shuffle,
                };
            }
            _ => {}
        }
    }
}

impl Resolver<'_> {
    /// `nth_child … of: reference`: the path to the row the reference (an attribute of this
    /// row or of an ancestor) points at, and the `union` member of the target generated per
    /// that row (none when the target itself is generated `per` it).
    fn nth_child_of(
        &mut self,
        eid: EntityId,
        target: EntityId,
        of: &Sp<String>,
        site: &str,
    ) -> Option<(Vec<Vec<Hop>>, Option<usize>)> {
        let off = self.quoted_offset(of.span);
        let x = self.check_expr(eid, of, off, &format!("{site}#of"))?;
        let found = match &x.kind {
            ExprKind::Col(c) => (self.entities[c.entity].foreign_keys.iter())
                .position(|fk| fk.columns.first() == Some(&c.attr))
                .map(|k| (c.clone(), k)),
            _ => None,
        };
        let Some((c, k)) = found else {
            return self.refuse(
                codes::BAD_PARENT,
                of.span,
                format!("`of: {}` is not a reference attribute", of.value),
                Some("name a `ref` attribute of this row or of an ancestor, e.g. `of: purchase_order_id`".into()),
            );
        };
        let row = self.entities[c.entity].foreign_keys[k].target;
        let mut path = c.hops;
        path.push(Hop::Fk(k));
        let t = &self.entities[target];
        if t.parent() == Some(row) {
            return Some((vec![path], None));
        }
        if let Some(m) = t.sources().iter().position(|s| *s == Some(row)) {
            return Some((vec![path], Some(m)));
        }
        let msg = format!(
            "`{}` is not generated `per` `{}`, which `of: {}` points at",
            t.qualified, self.entities[row].qualified, of.value
        );
        self.refuse(
            codes::BAD_PARENT,
            of.span,
            msg,
            Some(
                "`nth_child` picks a child of the referenced row in an entity generated `per` it"
                    .into(),
            ),
        )
    }

    /// A value a `match` expression can give that the matched attribute never takes, when
    /// both sets of values are known from the spec: the expression is a literal or a `choice`
    /// or `cycle` attribute, and so is the matched attribute (or a `const`).
    fn unmatched(&self, eid: EntityId, x: &Expr, target: EntityId, attr: AttrId) -> Option<String> {
        let text = |v: &Value| match v {
            Value::Str(s) => s.clone(),
            v => v.display(),
        };
        let values = |e: EntityId, a: AttrId| match &self.entities[e].attributes[a].generator {
            Generator::Choice { values, .. } | Generator::Cycle(values) => Some(values.clone()),
            Generator::Const(v) => Some(vec![v.clone()]),
            _ => None,
        };
        let given = match &x.kind {
            ExprKind::Lit(v) => vec![v.clone()],
            ExprKind::Col(c) => values(if c.hops.is_empty() { eid } else { c.entity }, c.attr)?,
            _ => return None,
        };
        let taken: Vec<String> = values(target, attr)?
            .iter()
            .filter(|v| **v != Value::Null)
            .map(text)
            .collect();
        given
            .iter()
            .filter(|v| **v != Value::Null)
            .map(text)
            .find(|v| !taken.contains(v))
    }
}
