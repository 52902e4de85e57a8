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

    /// Checks the expressions of `lookup` and `nth_child` picks (once per foreign key, on its
    /// first column): a lookup value must have the target key's type, an index an integer.
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
            Pick::NthChild { paths, member, .. } => {
                let (paths, member) = (paths.clone(), *member);
                let Some(p) = &r.pick else { return };
                let ast::PickSpec::NthChild(n) = &p.value else {
                    return;
                };
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
                };
            }
            _ => {}
        }
    }
}
