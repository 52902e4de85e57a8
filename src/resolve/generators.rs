//! Attribute generators: checks that each attribute has exactly one way of producing values,
//! that the generator fits the attribute's type, that parameters are valid, and that declared
//! uniqueness can be guaranteed by construction. Also resolves expressions through the entity's
//! scope (its own attributes, `parent.x`, ancestors, and foreign-key targets).

use super::Resolver;
use super::expr::{self, Scope};
use crate::codes;
use crate::diagnostics::{Diagnostic, Span, did_you_mean};
use crate::ir::expr::{BinOp, Builtin, Func};
use crate::ir::value::{parse_date, parse_duration, parse_timestamp};
use crate::ir::*;
use crate::spec::ast::{self, Sp};

/// Expression scope: attributes of `entity` and of the rows it can reach.
pub(super) struct EntityScope<'r> {
    pub entities: &'r [Entity],
    pub domains: &'r [Domain],
    pub entity: EntityId,
}

impl EntityScope<'_> {
    /// Qualifier → hops. A qualifier is `parent`, an ancestor entity's name, a single-column
    /// foreign-key attribute's name, or the name of an entity referenced by exactly one
    /// foreign key.
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
        for (i, fk) in e.foreign_keys.iter().enumerate() {
            if fk.pick == Pick::Parent || matches!(fk.pick, Pick::Path(_)) {
                continue; // reached as an ancestor
            }
            let t = &self.entities[fk.target];
            let via_attr = fk.columns.len() == 1 && e.attributes[fk.columns[0]].name == q;
            if via_attr || t.name == q || t.qualified == q {
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
        match options.len() {
            1 => {
                let (h, t, _) = options.pop().unwrap();
                Ok((vec![h], t))
            }
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
                    if fk.columns.len() == 1 {
                        cands.push(e.attributes[fk.columns[0]].name.clone());
                    }
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
            Builtin::Row => Ok(()),
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

/// Gives every `random()` call its own stream: a hidden argument, the hash of the site and
/// the call's position in the expression, so draws depend on names and never on spans.
pub(super) fn seed_randoms(e: &mut Expr, site: &str, k: &mut u32) {
    match &mut e.kind {
        ExprKind::Call(Func::Random, args) => {
            if args.is_empty() {
                let salt = crate::hash::hash_name(&format!("{site}#random{k}"));
                *k += 1;
                args.push(Expr {
                    kind: ExprKind::Lit(Value::Int(salt as i64)),
                    ty: Type::Int64,
                    span: e.span,
                });
            }
        }
        ExprKind::Lit(_) | ExprKind::Col(_) | ExprKind::Builtin(_) => {}
        ExprKind::Unary(_, x) => seed_randoms(x, site, k),
        ExprKind::Binary(_, a, b) => {
            seed_randoms(a, site, k);
            seed_randoms(b, site, k);
        }
        ExprKind::Call(_, args) => args.iter_mut().for_each(|a| seed_randoms(a, site, k)),
        ExprKind::Case { whens, otherwise } => {
            for (c, v) in whens {
                seed_randoms(c, site, k);
                seed_randoms(v, site, k);
            }
            if let Some(o) = otherwise {
                seed_randoms(o, site, k);
            }
        }
        ExprKind::IsNull { expr, .. } => seed_randoms(expr, site, k),
        ExprKind::In { expr, list, .. } => {
            seed_randoms(expr, site, k);
            list.iter_mut().for_each(|a| seed_randoms(a, site, k));
        }
    }
}

/// Whether a column reference can be null: a hop that may reach no row, or a nullable
/// attribute at its end.
fn col_nullable(entities: &[Entity], from: EntityId, c: &ColRef) -> bool {
    let mut cur = from;
    for h in &c.hops {
        match h {
            Hop::Parent => cur = entities[cur].parent().unwrap_or(cur),
            Hop::Source(_) => return true,
            Hop::Fk(f) => {
                let fk = &entities[cur].foreign_keys[*f];
                if fk.optional() {
                    return true;
                }
                cur = fk.target;
            }
        }
    }
    entities[c.entity].attributes[c.attr].nullable
}

/// Whether an expression can evaluate to null (conservatively).
fn expr_nullable(entities: &[Entity], from: EntityId, e: &Expr) -> bool {
    let n = |x: &Expr| expr_nullable(entities, from, x);
    match &e.kind {
        ExprKind::Lit(v) => *v == Value::Null,
        ExprKind::Col(c) => col_nullable(entities, from, c),
        ExprKind::Builtin(_) => false,
        ExprKind::Unary(_, x) => n(x),
        ExprKind::Binary(op, a, b) => {
            let zero_div = matches!(op, BinOp::Div | BinOp::Rem)
                && !matches!(&b.kind, ExprKind::Lit(v) if v.display() != "0" && *v != Value::Null);
            zero_div || n(a) || n(b)
        }
        ExprKind::Call(f, args) => match f {
            Func::Coalesce => args.iter().all(n),
            Func::Concat | Func::Random => false,
            Func::If => n(&args[1]) || n(&args[2]),
            Func::Ln | Func::Sqrt => true,
            _ => args.iter().any(n),
        },
        ExprKind::Case { whens, otherwise } => {
            otherwise.as_ref().is_none_or(|o| n(o)) || whens.iter().any(|(_, v)| n(v))
        }
        ExprKind::IsNull { .. } => false,
        ExprKind::In { expr, list, .. } => n(expr) || list.iter().any(n),
    }
}

fn hopsless(name: &str) -> bool {
    !name.contains('.')
}

/// Expected rows at scale 1 (per-parent entities use the mean count), for feasibility checks.
pub fn expected_rows(entities: &[Entity], eid: EntityId) -> f64 {
    let mut n = 1.0;
    let mut cur = eid;
    for _ in 0..=entities.len() {
        match &entities[cur].rows {
            Rows::Scaled(r) | Rows::Fixed(r) => return n * *r as f64,
            Rows::PerParent { parent, count, .. } => {
                n *= count.mean();
                cur = *parent;
            }
            Rows::Union(members) => {
                let mut total = 0.0;
                for m in members {
                    total += match m {
                        Rows::Scaled(r) | Rows::Fixed(r) => *r as f64,
                        Rows::PerParent { parent, count, .. } => {
                            count.mean() * expected_rows(entities, *parent)
                        }
                        Rows::Union(_) => 0.0,
                    };
                }
                return n * total;
            }
        }
    }
    n
}

/// The generator keys of an attribute that are set, by name.
fn generator_keys(a: &ast::AttributeSpec) -> Vec<(&'static str, Span)> {
    let mut v = Vec::new();
    macro_rules! k {
        ($field:ident, $name:expr) => {
            if let Some(x) = &a.$field {
                v.push(($name, x.span));
            }
        };
    }
    k!(constant, "const");
    k!(key, "key");
    k!(choice, "choice");
    k!(cycle, "cycle");
    k!(dist, "dist");
    k!(between, "between");
    k!(after, "after");
    k!(before, "before");
    k!(fake, "fake");
    k!(expr, "expr");
    k!(reference, "ref");
    k!(rollup, "rollup");
    v
}

impl Resolver<'_> {
    /// Checks an expression over entity `eid`. `site` names where it is used (e.g.
    /// `shop.orders.total`), which seeds its `random()` calls.
    fn check_expr(
        &mut self,
        eid: EntityId,
        text: &Sp<String>,
        offset: u32,
        site: &str,
    ) -> Option<Expr> {
        let scope = EntityScope {
            entities: &self.entities,
            domains: &self.domains,
            entity: eid,
        };
        let span = Span {
            col: text.span.col + offset,
            ..text.span
        };
        let n_before = self.diags.len();
        let e = expr::check(&text.value, span, &scope, self.diags);
        // The checker counts characters of the value from its first one; move diagnostics that
        // land past a line break or an escape to where the character really is in the file.
        let sources = &self.specs.sources;
        for d in &mut self.diags[n_before..] {
            if let Some(s) = &mut d.span
                && s.file == span.file
                && s.line == span.line
                && s.col >= span.col
            {
                *s = locate(
                    sources.text(span.file),
                    span,
                    &text.value,
                    s.col - span.col,
                    s.len,
                );
            }
        }
        let mut e = e?;
        seed_randoms(&mut e, site, &mut 0);
        Some(e)
    }

    fn expr_offset(&self, eid: EntityId, aid: Option<AttrId>, field: &str) -> u32 {
        // Quoted scalars start one character after their span.
        let line = |s: Span| {
            self.specs
                .sources
                .line(s.file, s.line)
                .and_then(|l| l.chars().nth(s.col as usize - 1))
        };
        let span = match (aid, field) {
            (Some(a), "expr") => self.attr_ast(eid, a).expr.as_ref().map(|s| s.span),
            (Some(a), "when") => self.attr_ast(eid, a).when.as_ref().map(|s| s.span),
            _ => None,
        };
        span.and_then(line)
            .map_or(0, |c| u32::from(c == '"' || c == '\''))
    }

    fn quoted_offset(&self, s: Span) -> u32 {
        self.specs
            .sources
            .line(s.file, s.line)
            .and_then(|l| l.chars().nth((s.col as usize).saturating_sub(1)))
            .map_or(0, |c| u32::from(c == '"' || c == '\''))
    }

    pub(super) fn generators(&mut self) {
        // Count `when` conditions and count expressions are evaluated on the parent row.
        for eid in 0..self.entities.len() {
            let ast = self.asts[eid];
            let q = self.entities[eid].qualified.clone();
            match &ast.rows.value {
                ast::RowsSpec::Per(p) => {
                    let mut rows = std::mem::replace(&mut self.entities[eid].rows, Rows::Fixed(0));
                    self.member_exprs(p, &mut rows, &format!("{q}#rows"));
                    self.entities[eid].rows = rows;
                }
                ast::RowsSpec::Union(u) => {
                    let mut rows = std::mem::replace(&mut self.entities[eid].rows, Rows::Fixed(0));
                    if let Rows::Union(members) = &mut rows {
                        for (k, (m, r)) in u.union.iter().zip(members.iter_mut()).enumerate() {
                            if let ast::RowsSpec::Per(p) = &m.value {
                                self.member_exprs(p, r, &format!("{q}#rows{k}"));
                            }
                        }
                    }
                    self.entities[eid].rows = rows;
                }
                _ => {}
            }
        }
        for eid in 0..self.entities.len() {
            for aid in 0..self.entities[eid].attributes.len() {
                self.generator(eid, aid);
            }
        }
        self.nullability();
    }

    /// Marks derived attributes nullable when their source can be null: expressions over
    /// nullable columns or hops that may reach no row, and times relative to a nullable
    /// anchor. Iterates to a fixpoint because attributes derive from one another.
    fn nullability(&mut self) {
        loop {
            let mut changed = false;
            for eid in 0..self.entities.len() {
                for aid in 0..self.entities[eid].attributes.len() {
                    let a = &self.entities[eid].attributes[aid];
                    if a.nullable {
                        continue;
                    }
                    let null = match &a.generator {
                        Generator::Expr(x) => expr_nullable(&self.entities, eid, x),
                        Generator::Relative { anchor, .. } => {
                            col_nullable(&self.entities, eid, anchor)
                        }
                        _ => false,
                    };
                    if null {
                        self.entities[eid].attributes[aid].nullable = true;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// Checks a `per` source's `when` (bool) and count `expr` (integer) over the parent row.
    fn member_exprs(&mut self, p: &ast::PerRows, rows: &mut Rows, site: &str) {
        let Rows::PerParent {
            parent,
            count,
            when,
        } = rows
        else {
            return;
        };
        let parent = *parent;
        if let Some(w) = &p.when {
            let off = self.quoted_offset(w.span);
            if let Some(e) = self.check_expr(parent, w, off, &format!("{site}#when")) {
                if e.ty != Type::Bool && e.ty != Type::Null {
                    self.err(
                        codes::EXPR_TYPE,
                        w.span,
                        format!("`when` must be a bool expression, found {}", e.ty),
                        Some("compare with `=`, `!=`, `<` …".into()),
                    );
                } else {
                    *when = Some(e);
                }
            }
        }
        if let (ast::CountSpec::Dist(d), CountBase::Expr(slot)) = (&p.count.value, &mut count.base)
            && let Some(x) = &d.expr
        {
            let off = self.quoted_offset(x.span);
            if let Some(e) = self.check_expr(parent, x, off, &format!("{site}#count")) {
                if e.ty.is_integer() || e.ty == Type::Null {
                    **slot = e;
                } else {
                    self.err(
                        codes::EXPR_TYPE,
                        x.span,
                        format!("a count expression must be an integer, found {}", e.ty),
                        Some("convert with `int(…)`, `floor(…)` or `round(…)`".into()),
                    );
                }
            }
        }
    }

    fn generator(&mut self, eid: EntityId, aid: AttrId) {
        let a = self.attr_ast(eid, aid);
        let ty = self.entities[eid].attributes[aid].ty;
        let name = self.entities[eid].attributes[aid].name.clone();
        let name_span = self.entities[eid].attributes[aid].span;
        let keys = generator_keys(a);
        if keys.is_empty() {
            self.err(
                codes::MISSING_KEY,
                name_span,
                format!("attribute `{name}` has no generator"),
                Some("give exactly one of: const, key, choice, cycle, dist, between, after, before, fake, expr, ref, rollup".into()),
            );
            return;
        }
        let after_before = keys
            .iter()
            .filter(|k| k.0 == "after" || k.0 == "before")
            .count();
        if keys.len() > 1 {
            let (k2, s2) = keys[1];
            self.err(
                codes::CONFLICT,
                s2,
                format!("attribute `{name}` has both `{}` and `{k2}`", keys[0].0),
                Some(if after_before == 2 {
                    "use one of `after` and `before`".into()
                } else {
                    "an attribute takes exactly one generator".into()
                }),
            );
            return;
        }
        // Options that only apply to some generators.
        let gen_name = keys[0].0;
        for (opt, span, allowed) in [
            ("min", a.min.as_ref().map(|s| s.span), &["dist"][..]),
            ("max", a.max.as_ref().map(|s| s.span), &["dist"][..]),
            ("round", a.round.as_ref().map(|s| s.span), &["dist"][..]),
            (
                "seasonality",
                a.seasonality.as_ref().map(|s| s.span),
                &["between", "after", "before"][..],
            ),
            (
                "within",
                a.within.as_ref().map(|s| s.span),
                &["after", "before"][..],
            ),
            ("pick", a.pick.as_ref().map(|s| s.span), &["ref"][..]),
            ("lookup", a.lookup.as_ref().map(|s| s.span), &["ref"][..]),
            (
                "hierarchy",
                a.hierarchy.as_ref().map(|s| s.span),
                &["ref"][..],
            ),
        ] {
            if let Some(span) = span
                && !allowed.contains(&gen_name)
            {
                self.err(
                    codes::CONFLICT,
                    span,
                    format!("`{opt}` does not apply to `{gen_name}`"),
                    Some(format!(
                        "`{opt}` goes with {}",
                        allowed
                            .iter()
                            .map(|x| format!("`{x}`"))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    )),
                );
            }
        }
        // Conditional presence.
        if let Some(w) = &a.when {
            let off = self.expr_offset(eid, Some(aid), "when");
            let site = format!("{}.{name}#when", self.entities[eid].qualified);
            if let Some(e) = self.check_expr(eid, w, off, &site) {
                if e.ty != Type::Bool && e.ty != Type::Null {
                    self.err(
                        codes::EXPR_TYPE,
                        w.span,
                        format!("`when` must be a bool expression, found {}", e.ty),
                        Some("compare with `=`, `!=`, `<` …".into()),
                    );
                } else {
                    if let Generator::Ref { fk, .. } = self.entities[eid].attributes[aid].generator
                    {
                        self.entities[eid].foreign_keys[fk].when = Some(e.clone());
                    }
                    self.entities[eid].attributes[aid].when = Some(e);
                }
            }
        }
        if ty == Type::Null && gen_name != "ref" {
            return; // type error already reported
        }
        let bad_type = |this: &mut Self, span: Span, want: &str| {
            this.err(
                codes::GENERATOR_TYPE,
                span,
                format!("`{gen_name}` does not produce {ty} values for `{name}`"),
                Some(format!("`{gen_name}` needs {want}")),
            );
        };
        let generator = match gen_name {
            "const" => {
                let c = a.constant.as_ref().unwrap();
                match Value::parse(&c.value.text, ty) {
                    Ok(v) if !(c.value.plain && crate::spec::yaml::is_null(&c.value.text)) => {
                        Generator::Const(v)
                    }
                    Ok(_) => {
                        self.entities[eid].attributes[aid].nullable = true;
                        Generator::Const(Value::Null)
                    }
                    Err(msg) => {
                        return self.err(
                            codes::NOT_ASSIGNABLE,
                            c.span,
                            msg,
                            Some(format!("give {} value", a_type(ty))),
                        );
                    }
                }
            }
            "key" => {
                let k = a.key.as_ref().unwrap();
                match &k.value {
                    ast::KeySpec::Named(s) if s == "sequence" => {
                        if !ty.is_integer() {
                            return bad_type(self, k.span, "an integer type");
                        }
                        Generator::Sequence { start: 1, step: 1 }
                    }
                    ast::KeySpec::Named(s) if s == "child_index" => {
                        if !ty.is_integer() {
                            return bad_type(self, k.span, "an integer type");
                        }
                        if self.entities[eid].parent().is_none() {
                            return self.err(
                                codes::BAD_PARENT,
                                k.span,
                                "`child_index` needs rows generated `per` a parent",
                                Some("use `key: sequence` for a row number".into()),
                            );
                        }
                        Generator::ChildIndex
                    }
                    ast::KeySpec::Named(fmt)
                        if !fmt.contains(['{', '}'])
                            && crate::diagnostics::suggest(fmt, ["sequence", "child_index"])
                                .is_some() =>
                    {
                        return self.err(
                            codes::INVALID_VALUE,
                            k.span,
                            format!("unknown key generator `{fmt}`"),
                            did_you_mean(fmt, ["sequence", "child_index"]),
                        );
                    }
                    ast::KeySpec::Named(fmt) => {
                        if !ty.is_string() {
                            return bad_type(
                                self,
                                k.span,
                                "a string type (or use `key: sequence` for integers)",
                            );
                        }
                        match parse_format(fmt) {
                            Ok(parts) => Generator::Format(parts),
                            Err(msg) => {
                                let help = "a key format holds `{row}` or `{row:07}` (zero-padded), e.g. `C-{row:07}`; or use `sequence` / `child_index`".to_string();
                                return self.err(codes::BAD_FORMAT, k.span, msg, Some(help));
                            }
                        }
                    }
                    ast::KeySpec::Sequence(ast::SequenceKey { sequence }) => {
                        if !ty.is_integer() {
                            return bad_type(self, k.span, "an integer type");
                        }
                        let step = sequence.step.unwrap_or(1);
                        if step == 0 {
                            return self.err(
                                codes::BAD_DIST,
                                k.span,
                                "sequence step must not be 0",
                                None,
                            );
                        }
                        Generator::Sequence {
                            start: sequence.start.unwrap_or(1),
                            step,
                        }
                    }
                }
            }
            "choice" => {
                let c = a.choice.as_ref().unwrap();
                let pairs: Vec<(&Sp<ast::Scalar>, f64, Span)> = match &c.value {
                    ast::ChoiceSpec::List(v) => v.iter().map(|s| (s, 1.0, s.span)).collect(),
                    ast::ChoiceSpec::Weighted(v) => {
                        v.iter().map(|(s, w)| (s, w.value, w.span)).collect()
                    }
                };
                let mut values = Vec::new();
                let mut weights = Vec::new();
                for (s, w, wspan) in pairs {
                    match Value::parse(&s.value.text, ty) {
                        Ok(v) => {
                            if values.contains(&v) {
                                return self.err(
                                    codes::DUPLICATE_NAME,
                                    s.span,
                                    format!("choice value `{}` is listed twice", s.value.text),
                                    None,
                                );
                            }
                            values.push(v)
                        }
                        Err(msg) => {
                            return self.err(
                                codes::GENERATOR_TYPE,
                                s.span,
                                format!("choice value for `{name}`: {msg}"),
                                Some(format!("every value must be {}", a_type(ty))),
                            );
                        }
                    }
                    if w < 0.0 {
                        return self.err(
                            codes::BAD_WEIGHTS,
                            wspan,
                            format!("weight {w} is negative"),
                            Some("weights are relative frequencies ≥ 0".into()),
                        );
                    }
                    weights.push(w);
                }
                if weights.iter().sum::<f64>() <= 0.0 {
                    return self.err(
                        codes::BAD_WEIGHTS,
                        c.span,
                        "choice weights sum to 0",
                        Some("give at least one value a positive weight".into()),
                    );
                }
                Generator::Choice { values, weights }
            }
            "cycle" => {
                let c = a.cycle.as_ref().unwrap();
                let mut values = Vec::new();
                for s in &c.value {
                    let v = if s.value.plain && crate::spec::yaml::is_null(&s.value.text) {
                        Ok(Value::Null)
                    } else {
                        Value::parse(&s.value.text, ty)
                    };
                    match v {
                        Ok(v) => values.push(v),
                        Err(msg) => {
                            return self.err(
                                codes::GENERATOR_TYPE,
                                s.span,
                                format!("cycle value for `{name}`: {msg}"),
                                Some(format!("every value must be {}", a_type(ty))),
                            );
                        }
                    }
                }
                if values.contains(&Value::Null) {
                    self.entities[eid].attributes[aid].nullable = true;
                }
                Generator::Cycle(values)
            }
            "dist" => {
                let d = a.dist.as_ref().unwrap();
                let dist = match d.value {
                    ast::DistSpec::Uniform((lo, hi)) => {
                        if lo > hi {
                            return self.err(
                                codes::BAD_RANGE,
                                d.span,
                                format!("`uniform: [{lo}, {hi}]` has min > max"),
                                Some(format!("write `[{hi}, {lo}]`")),
                            );
                        }
                        Dist::Uniform(lo, hi)
                    }
                    ast::DistSpec::Normal { mean, sd } => {
                        if sd < 0.0 {
                            return self.err(
                                codes::BAD_DIST,
                                d.span,
                                format!("normal `sd` is {sd}; it must be ≥ 0"),
                                Some("sd is the standard deviation".into()),
                            );
                        }
                        Dist::Normal { mean, sd }
                    }
                    ast::DistSpec::Lognormal { median, sigma } => {
                        if sigma < 0.0 {
                            return self.err(codes::BAD_DIST, d.span, format!("lognormal `sigma` is {sigma}; it must be ≥ 0"), Some("sigma is the standard deviation of the log; 0.5–1.0 is typical for prices".into()));
                        }
                        if median <= 0.0 {
                            return self.err(
                                codes::BAD_DIST,
                                d.span,
                                format!("lognormal `median` is {median}; it must be > 0"),
                                None,
                            );
                        }
                        Dist::Lognormal { median, sigma }
                    }
                    ast::DistSpec::Exponential { mean } => {
                        if mean <= 0.0 {
                            return self.err(
                                codes::BAD_DIST,
                                d.span,
                                format!("exponential `mean` is {mean}; it must be > 0"),
                                None,
                            );
                        }
                        Dist::Exponential { mean }
                    }
                    ast::DistSpec::Poisson { mean } => {
                        if !(0.0..=1e9).contains(&mean) {
                            return self.err(
                                codes::BAD_DIST,
                                d.span,
                                format!("poisson `mean` is {mean}; it must be in [0, 1e9]"),
                                None,
                            );
                        }
                        Dist::Poisson { mean }
                    }
                    ast::DistSpec::Geometric { p } => {
                        if !(p > 0.0 && p <= 1.0) {
                            return self.err(
                                codes::BAD_DIST,
                                d.span,
                                format!("geometric `p` is {p}; it must be in (0, 1]"),
                                None,
                            );
                        }
                        Dist::Geometric { p }
                    }
                    ast::DistSpec::Zipf { n, s } => {
                        if n < 1 || s <= 0.0 {
                            return self.err(
                                codes::BAD_DIST,
                                d.span,
                                "zipf needs `n` ≥ 1 and `s` > 0",
                                None,
                            );
                        }
                        Dist::Zipf { n, s }
                    }
                    ast::DistSpec::Bernoulli { p } => {
                        if !(0.0..=1.0).contains(&p) {
                            return self.err(
                                codes::BAD_RATE,
                                d.span,
                                format!("bernoulli `p` is {p}; it must be in [0, 1]"),
                                None,
                            );
                        }
                        Dist::Bernoulli { p }
                    }
                };
                let is_bool_dist = matches!(dist, Dist::Bernoulli { .. });
                if is_bool_dist != (ty == Type::Bool) || !(ty.is_numeric() || ty == Type::Bool) {
                    return bad_type(
                        self,
                        d.span,
                        if is_bool_dist {
                            "a bool type"
                        } else {
                            "a numeric type (use `bernoulli` for bool)"
                        },
                    );
                }
                let (min, max) = (
                    a.min.as_ref().map(|m| m.value),
                    a.max.as_ref().map(|m| m.value),
                );
                if let (Some(lo), Some(hi)) = (min, max)
                    && lo > hi
                {
                    return self.err(
                        codes::BAD_RANGE,
                        a.min.as_ref().unwrap().span,
                        format!("`min` {lo} is greater than `max` {hi}"),
                        None,
                    );
                }
                Generator::Dist {
                    dist,
                    min,
                    max,
                    round: a.round.as_ref().map(|r| r.value),
                }
            }
            "between" => {
                let b = a.between.as_ref().unwrap();
                if !ty.is_temporal() {
                    return bad_type(self, b.span, "a date or timestamp type");
                }
                let parse = |s: &Sp<String>| {
                    if ty == Type::Date {
                        parse_date(&s.value).map(|d| d as i64)
                    } else {
                        parse_timestamp(&s.value)
                    }
                };
                let (lo, hi) = match (parse(&b.value.0), parse(&b.value.1)) {
                    (Ok(lo), Ok(hi)) => (lo, hi),
                    (Err(m), _) => {
                        return self.err(
                            codes::INVALID_VALUE,
                            b.value.0.span,
                            m,
                            Some("dates are `YYYY-MM-DD`; timestamps may add `THH:MM:SS`".into()),
                        );
                    }
                    (_, Err(m)) => {
                        return self.err(
                            codes::INVALID_VALUE,
                            b.value.1.span,
                            m,
                            Some("dates are `YYYY-MM-DD`; timestamps may add `THH:MM:SS`".into()),
                        );
                    }
                };
                if lo > hi {
                    return self.err(
                        codes::BAD_RANGE,
                        b.span,
                        format!(
                            "`between` starts after it ends ({} > {})",
                            b.value.0.value, b.value.1.value
                        ),
                        Some("swap the two bounds".into()),
                    );
                }
                // A timestamp range given as dates covers the whole end day.
                let hi = if ty == Type::Timestamp && !b.value.1.value.contains(['T', ' ']) {
                    hi + value::MS_PER_DAY - 1
                } else {
                    hi
                };
                let Some(seasonality) = self.seasonality(a, ty) else {
                    return;
                };
                Generator::Between {
                    lo,
                    hi,
                    seasonality,
                }
            }
            "after" | "before" => {
                let anchor = if gen_name == "after" {
                    a.after.as_ref()
                } else {
                    a.before.as_ref()
                }
                .unwrap();
                if !ty.is_temporal() {
                    return bad_type(self, anchor.span, "a date or timestamp type");
                }
                let scope = EntityScope {
                    entities: &self.entities,
                    domains: &self.domains,
                    entity: eid,
                };
                let col = match scope.column(&anchor.value, anchor.span) {
                    Ok((c, t)) => {
                        if !t.is_temporal() {
                            return self.err(
                                codes::GENERATOR_TYPE,
                                anchor.span,
                                format!(
                                    "`{gen_name}: {}` refers to a {t}, not a date or timestamp",
                                    anchor.value
                                ),
                                None,
                            );
                        }
                        c
                    }
                    Err(d) => return self.diags.push(d),
                };
                let Some(w) = &a.within else {
                    return self.err(
                        codes::MISSING_KEY,
                        anchor.span,
                        format!("`{gen_name}` needs `within`"),
                        Some(format!("e.g. `{gen_name}: {}, within: 3d`", anchor.value)),
                    );
                };
                let (min_ms, max_ms) = match &w.value {
                    ast::WithinSpec::Max(m) => match parse_duration(m) {
                        Ok(v) => (0, v),
                        Err(msg) => return self.err(codes::INVALID_VALUE, w.span, msg, None),
                    },
                    ast::WithinSpec::Range((lo, hi)) => {
                        match (parse_duration(lo), parse_duration(hi)) {
                            (Ok(l), Ok(h)) => (l, h),
                            (Err(msg), _) | (_, Err(msg)) => {
                                return self.err(codes::INVALID_VALUE, w.span, msg, None);
                            }
                        }
                    }
                };
                if min_ms > max_ms {
                    return self.err(
                        codes::BAD_RANGE,
                        w.span,
                        "`within` range has min > max",
                        Some("write `[shortest, longest]`".into()),
                    );
                }
                let Some(seasonality) = self.seasonality(a, ty) else {
                    return;
                };
                Generator::Relative {
                    anchor: col,
                    before: gen_name == "before",
                    min_ms,
                    max_ms,
                    seasonality,
                }
            }
            "fake" => {
                let f = a.fake.as_ref().unwrap();
                let (kname, range) = match &f.value {
                    ast::FakeSpec::Name(n) => (n.as_str(), None),
                    ast::FakeSpec::WithRange(n, r) => (n.as_str(), Some(*r)),
                };
                let Some(kind) = FakeKind::parse(kname) else {
                    let help = did_you_mean(kname, FakeKind::ALL.iter().map(|k| k.0))
                        .unwrap_or_else(|| {
                            format!(
                                "fakers: {}",
                                FakeKind::ALL
                                    .iter()
                                    .map(|k| k.0)
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        });
                    return self.err(
                        codes::INVALID_VALUE,
                        f.span,
                        format!("unknown faker `{kname}`"),
                        Some(help),
                    );
                };
                if !ty.is_string() {
                    return bad_type(self, f.span, "a string type");
                }
                if let Some((lo, hi)) = range {
                    if !kind.takes_range() {
                        return self.err(
                            codes::INVALID_VALUE,
                            f.span,
                            format!("faker `{kname}` takes no length range"),
                            Some("ranges apply to words, sentence, paragraph and digits".into()),
                        );
                    }
                    if lo > hi || hi > 1000 || hi == 0 {
                        return self.err(
                            codes::BAD_RANGE,
                            f.span,
                            format!("length range [{lo}, {hi}] must have 0 < min ≤ max ≤ 1000"),
                            None,
                        );
                    }
                }
                Generator::Fake { kind, range }
            }
            "expr" => {
                let t = a.expr.as_ref().unwrap();
                let off = self.expr_offset(eid, Some(aid), "expr");
                let site = format!("{}.{name}", self.entities[eid].qualified);
                let Some(e) = self.check_expr(eid, t, off, &site) else {
                    return;
                };
                if !ty.accepts(e.ty) {
                    return self.err(
                        codes::NOT_ASSIGNABLE,
                        t.span,
                        format!("expression for `{name}` has type {}, but the attribute is {ty}", e.ty),
                        Some("change the attribute's `type` or convert the value (e.g. `to_string(…)`, `int(…)`, `date(…)`)".into()),
                    );
                }
                Generator::Expr(e)
            }
            "rollup" => {
                let r = a.rollup.as_ref().unwrap();
                let (agg, target) = match &r.value {
                    ast::RollupSpec::Sum(t) => (Agg::Sum, t),
                    ast::RollupSpec::Count(t) => (Agg::Count, t),
                    ast::RollupSpec::Min(t) => (Agg::Min, t),
                    ast::RollupSpec::Max(t) => (Agg::Max, t),
                };
                let (child_name, attr_name) = match (agg, target.rsplit_once('.')) {
                    (Agg::Count, None) => (target.as_str(), None),
                    (Agg::Count, Some((c, a)))
                        if self.entities.iter().any(|e| e.qualified == *target) =>
                    {
                        let _ = (c, a);
                        (target.as_str(), None)
                    }
                    (_, Some((c, a))) => (c, Some(a)),
                    (_, None) => {
                        return self.err(
                            codes::BAD_ROLLUP,
                            r.span,
                            format!("`{}` needs `child_entity.attribute`", agg.as_str()),
                            Some(format!(
                                "e.g. `rollup: {{{}: order_items.line_total}}`",
                                agg.as_str()
                            )),
                        );
                    }
                };
                let children = self
                    .entities
                    .iter()
                    .filter(|e| e.parent() == Some(eid))
                    .map(|e| e.id)
                    .collect::<Vec<_>>();
                let child = children.iter().copied().find(|&c| {
                    self.entities[c].name == child_name || self.entities[c].qualified == child_name
                });
                let Some(child) = child else {
                    let help = did_you_mean(
                        child_name,
                        children.iter().map(|&c| self.entities[c].name.as_str()),
                    )
                    .unwrap_or_else(|| {
                        if children.is_empty() {
                            format!("no entity is generated `per: {}`", self.entities[eid].name)
                        } else {
                            "rollups read entities generated `per` this one".into()
                        }
                    });
                    return self.err(
                        codes::BAD_ROLLUP,
                        r.span,
                        format!(
                            "`{child_name}` is not a child entity of `{}`",
                            self.entities[eid].qualified
                        ),
                        Some(help),
                    );
                };
                let attr = match attr_name {
                    None => None,
                    Some(an) => match self.entities[child].attr(an) {
                        Some(x) => Some(x),
                        None => return self.unknown_attr(child, an, r.span),
                    },
                };
                let src_ty = attr.map(|x| self.entities[child].attributes[x].ty);
                let result_ty = match (agg, src_ty) {
                    (Agg::Count, _) => Type::Int64,
                    (Agg::Sum, Some(t)) if t.is_numeric() => t,
                    (Agg::Sum, Some(t)) => {
                        return self.err(
                            codes::GENERATOR_TYPE,
                            r.span,
                            format!("cannot sum {t} values"),
                            Some("sum a numeric attribute".into()),
                        );
                    }
                    (_, Some(t)) if t.is_numeric() || t.is_temporal() || t.is_string() => t,
                    (_, Some(t)) => {
                        return self.err(
                            codes::GENERATOR_TYPE,
                            r.span,
                            format!("cannot take the {} of {t} values", agg.as_str()),
                            None,
                        );
                    }
                    (_, None) => unreachable!(),
                };
                if !ty.accepts(result_ty) {
                    return self.err(
                        codes::NOT_ASSIGNABLE,
                        r.span,
                        format!("rollup gives {result_ty}, but `{name}` is {ty}"),
                        None,
                    );
                }
                if matches!(agg, Agg::Min | Agg::Max) {
                    self.entities[eid].attributes[aid].nullable = true; // no children → null
                }
                Generator::Rollup { agg, child, attr }
            }
            "ref" => {
                // Built in `foreign_keys`; nothing to do when that failed.
                if !matches!(
                    self.entities[eid].attributes[aid].generator,
                    Generator::Ref { .. }
                ) {
                    return;
                }
                let Generator::Ref { fk, .. } = self.entities[eid].attributes[aid].generator else {
                    return;
                };
                self.pick_exprs(eid, aid, fk);
                if self.entities[eid].foreign_keys[fk].optional() {
                    self.entities[eid].attributes[aid].nullable = true;
                }
                if let Pick::Weighted(w) = self.entities[eid].foreign_keys[fk].pick {
                    let t = self.entities[eid].foreign_keys[fk].target;
                    let wt = self.entities[t].attributes[w].ty;
                    if !(wt.is_numeric() || wt == Type::Bool) {
                        let span = a.pick.as_ref().map_or(name_span, |p| p.span);
                        return self.err(
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
                return;
            }
            _ => unreachable!(),
        };
        self.entities[eid].attributes[aid].generator = generator;
    }

    /// Checks the expressions of `lookup` and `nth_child` picks (once per foreign key, on its
    /// first column): a lookup value must have the target key's type, an index an integer.
    fn pick_exprs(&mut self, eid: EntityId, aid: AttrId, fk: FkId) {
        let f = self.entities[eid].foreign_keys[fk].clone();
        if f.columns[0] != aid {
            return;
        }
        let a = self.attr_ast(eid, aid);
        let site = format!(
            "{}.{}",
            self.entities[eid].qualified, self.entities[eid].attributes[aid].name
        );
        match &f.pick {
            Pick::Lookup(_) => {
                let Some(l) = &a.lookup else { return };
                let key = f.target_columns[0];
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
                let Some(p) = &a.pick else { return };
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

    fn seasonality(&mut self, a: &ast::AttributeSpec, ty: Type) -> Option<Seasonality> {
        let Some(s) = &a.seasonality else {
            return Some(Seasonality::default());
        };
        let mut out = Seasonality::default();
        for (key, list, n) in [
            ("month", &s.value.month, 12),
            ("weekday", &s.value.weekday, 7),
            ("hour", &s.value.hour, 24),
        ] {
            let Some(list) = list else { continue };
            if list.value.len() != n {
                self.err(
                    codes::BAD_SEASONALITY,
                    list.span,
                    format!(
                        "`seasonality.{key}` has {} weights; it needs {n}",
                        list.value.len()
                    ),
                    Some(format!(
                        "one weight per {key}{}",
                        if key == "weekday" {
                            ", Monday first"
                        } else {
                            ""
                        }
                    )),
                );
                return None;
            }
            if list.value.iter().any(|w| *w < 0.0) || list.value.iter().sum::<f64>() <= 0.0 {
                self.err(
                    codes::BAD_SEASONALITY,
                    list.span,
                    format!("`seasonality.{key}` weights must be ≥ 0 and not all 0"),
                    None,
                );
                return None;
            }
            if key == "hour" && ty == Type::Date {
                self.err(
                    codes::BAD_SEASONALITY,
                    list.span,
                    "hour-of-day seasonality needs a timestamp, not a date",
                    None,
                );
                return None;
            }
            match key {
                "month" => out.month = list.value.clone(),
                "weekday" => out.weekday = list.value.clone(),
                _ => out.hour = list.value.clone(),
            }
        }
        Some(out)
    }

    /// Uniqueness feasibility and partitioning.
    pub(super) fn constraints(&mut self) {
        for eid in 0..self.entities.len() {
            let rows = expected_rows(&self.entities, eid);
            for aid in 0..self.entities[eid].attributes.len() {
                let is_key = self.entities[eid].primary_key == [aid];
                let attr = &self.entities[eid].attributes[aid];
                if !(attr.unique || is_key) {
                    continue;
                }
                let span = self
                    .attr_ast(eid, aid)
                    .unique
                    .as_ref()
                    .map_or(attr.span, |u| u.span);
                let name = attr.name.clone();
                let capacity: Option<f64> = match &attr.generator {
                    Generator::Sequence { .. } | Generator::Format(_) => None,
                    // Without `const` in the spec this is the placeholder of a generator
                    // that failed (already reported): nothing to check.
                    Generator::Const(_) if self.attr_ast(eid, aid).constant.is_none() => continue,
                    Generator::Const(_) => Some(1.0),
                    Generator::Choice { values, .. } | Generator::Cycle(values) => {
                        Some(values.len() as f64)
                    }
                    Generator::Dist {
                        dist: Dist::Uniform(lo, hi),
                        ..
                    } if attr.ty.is_integer() => Some((hi.floor() - lo.ceil() + 1.0).max(0.0)),
                    Generator::Between { lo, hi, .. } => Some((hi - lo + 1) as f64),
                    Generator::Dist {
                        dist: Dist::Bernoulli { .. },
                        ..
                    } => Some(2.0),
                    Generator::Expr(e) => {
                        let uses_row = e.uses_builtin(Builtin::Row);
                        let mut cols = Vec::new();
                        e.columns(&mut cols);
                        let uses_unique = cols.iter().any(|c| {
                            c.hops.is_empty() && c.attr != aid && {
                                let x = &self.entities[eid].attributes[c.attr];
                                x.unique || self.entities[eid].primary_key == [c.attr]
                            }
                        });
                        if !(uses_row || uses_unique) {
                            self.err(
                                codes::UNIQUE_NOT_CONSTRUCTIBLE,
                                span,
                                format!("`{name}` must be unique, but its expression uses neither `row` nor a unique attribute"),
                                Some("include `row` (the row number) or a unique attribute in the expression, e.g. `… || row || '@example.com'`".into()),
                            );
                        }
                        None
                    }
                    Generator::Ref { fk, .. } => {
                        let fkd = &self.entities[eid].foreign_keys[*fk];
                        let one_per_parent = matches!(&self.entities[eid].rows, Rows::PerParent { count, .. } if count.upper_bound().is_some_and(|b| b <= 1));
                        if !(fkd.pick == Pick::Parent && one_per_parent)
                            && fkd.columns.len() == 1
                            && !is_key
                        {
                            self.err(
                                codes::UNIQUE_NOT_CONSTRUCTIBLE,
                                span,
                                format!("`{name}` must be unique, but picked references can repeat"),
                                Some("generate the entity `per` the referenced entity with `count: 1` for a one-to-one link".into()),
                            );
                        }
                        None
                    }
                    Generator::ChildIndex if !is_key => {
                        self.err(
                            codes::UNIQUE_NOT_CONSTRUCTIBLE,
                            span,
                            format!("`{name}` is a child index, unique only within one parent"),
                            Some(
                                "make the key composite: `primary_key: [parent_id, line_no]`"
                                    .into(),
                            ),
                        );
                        None
                    }
                    Generator::Fake { .. }
                    | Generator::Relative { .. }
                    | Generator::Rollup { .. }
                    | Generator::Dist { .. }
                    | Generator::ChildIndex => {
                        if !(is_key && matches!(attr.generator, Generator::ChildIndex)) {
                            self.err(
                                codes::UNIQUE_NOT_CONSTRUCTIBLE,
                                span,
                                format!("`{name}` must be unique, but its generator can repeat values"),
                                Some("unique values come from `key` (sequence or format), a uniform integer range, `between`, `choice`/`cycle` with enough values, or an expression using `row`".into()),
                            );
                        }
                        None
                    }
                };
                if let Some(cap) = capacity
                    && cap < rows.ceil()
                {
                    self.err(
                        codes::INFEASIBLE_UNIQUE,
                        span,
                        format!(
                            "`{name}` must be unique{}, but its generator has only {cap} distinct value{} for about {} rows",
                            if self.attr_ast(eid, aid).unique.is_none() { " (it is the primary key)" } else { "" },
                            if cap == 1.0 { "" } else { "s" },
                            rows.round()
                        ),
                        Some("widen the value range, lower the row count, or drop `unique`".into()),
                    );
                }
            }
            // Partitioning.
            let ast = self.asts[eid];
            if let Some(p) = &ast.partition_by {
                let key = p
                    .value
                    .key
                    .as_ref()
                    .map_or_else(|| "dt".to_string(), |k| k.value.clone());
                let key_span = p.value.key.as_ref().map_or(p.span, |k| k.span);
                if !is_ident_ok(&key) {
                    self.err(
                        codes::BAD_IDENT,
                        key_span,
                        format!("partition key `{key}` is not a valid identifier"),
                        Some("use a lower-case name such as `dt`".into()),
                    );
                    continue;
                }
                if self.entities[eid].attr(&key).is_some() {
                    self.err(codes::BAD_PARTITION, key_span, format!("partition key `{key}` is also an attribute"), Some("Athena rejects a partition column that repeats a table column; name it e.g. `dt`".into()));
                    continue;
                }
                let Some(from) = self.entities[eid].attr(&p.value.from.value) else {
                    self.unknown_attr(eid, &p.value.from.value.clone(), p.value.from.span);
                    continue;
                };
                let fa = &self.entities[eid].attributes[from];
                if !fa.ty.is_temporal() || fa.nullable {
                    let msg = format!(
                        "partitions come from `{}`, which is {}{}",
                        fa.name,
                        fa.ty,
                        if fa.nullable { " and nullable" } else { "" }
                    );
                    self.err(
                        codes::BAD_PARTITION,
                        p.value.from.span,
                        msg,
                        Some("partition by a non-null date or timestamp attribute".into()),
                    );
                    continue;
                }
                let granularity = p
                    .value
                    .granularity
                    .as_ref()
                    .map_or(Granularity::Month, |g| g.value);
                self.entities[eid].partition = Some(Partition {
                    key,
                    from,
                    granularity,
                });
            }
        }
    }
}

/// The source position of character `off` of a scalar's value that starts at `start`: walks
/// the value and the source together, so folded and block scalars that span lines, and
/// escapes (`''`, `\"`), map to the right line and column. Falls back to counting characters
/// on the first line when the two cannot be matched up.
fn locate(text: &str, start: Span, value: &str, off: u32, len: u32) -> Span {
    let fallback = start.sub(off, len);
    let mut lines = text.split('\n').skip(start.line as usize - 1);
    let Some(first) = lines.next() else {
        return fallback;
    };
    let mut cur: Vec<char> = first.trim_end_matches('\r').chars().collect();
    let (mut line, mut col) = (start.line, start.col as usize - 1);
    // Just after a line break, spaces of the value are the indentation of a more-indented
    // line that folding kept; the source's indentation was skipped already.
    let mut after_break = false;
    for vc in value.chars().take(off as usize) {
        if after_break && vc == ' ' {
            continue;
        }
        after_break = false;
        loop {
            match cur.get(col) {
                Some(&sc) if sc == vc => col += 1,
                Some('\\') => col += 2,
                Some('\'') if cur.get(col + 1) == Some(&'\'') => col += 2,
                Some(_) => return fallback,
                None => {
                    // A line break in the source: a newline of the value, or folded to a space.
                    let Some(next) = lines.next() else {
                        return fallback;
                    };
                    cur = next.trim_end_matches('\r').chars().collect();
                    line += 1;
                    col = cur.iter().take_while(|c| **c == ' ').count();
                    if vc != ' ' && vc != '\n' {
                        continue;
                    }
                    after_break = true;
                }
            }
            break;
        }
    }
    Span::new(start.file, line, col as u32 + 1, len.max(1))
}

/// "a string", "an int32": the type with its indefinite article, for messages.
fn a_type(ty: Type) -> String {
    let name = ty.to_string();
    let article = if name.starts_with('i') { "an" } else { "a" };
    format!("{article} {name}")
}

fn is_ident_ok(s: &str) -> bool {
    super::is_ident(s)
}

/// Parses a key format such as `C-{row:07}` into parts.
pub fn parse_format(fmt: &str) -> Result<Vec<FormatPart>, String> {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut rest = fmt;
    let mut has_row = false;
    while let Some(i) = rest.find(['{', '}']) {
        lit.push_str(&rest[..i]);
        if rest[i..].starts_with('}') {
            return Err(format!("unmatched `}}` in key format `{fmt}`"));
        }
        let Some(j) = rest[i..].find('}') else {
            return Err(format!("unclosed `{{` in key format `{fmt}`"));
        };
        let inner = &rest[i + 1..i + j];
        let width = match inner {
            "row" => 0,
            _ => match inner.strip_prefix("row:") {
                Some(w) if w.starts_with('0') && w.len() >= 2 => w[1..]
                    .parse::<usize>()
                    .ok()
                    .filter(|w| *w <= 20)
                    .ok_or(format!("bad width `{w}` in `{{{inner}}}`"))?,
                Some(w) => w
                    .parse::<usize>()
                    .ok()
                    .filter(|w| *w <= 20)
                    .ok_or(format!("bad width `{w}` in `{{{inner}}}`"))?,
                None => {
                    return Err(format!(
                        "unknown placeholder `{{{inner}}}` in key format `{fmt}`"
                    ));
                }
            },
        };
        if !lit.is_empty() {
            parts.push(FormatPart::Lit(std::mem::take(&mut lit)));
        }
        parts.push(FormatPart::Row { width });
        has_row = true;
        rest = &rest[i + j + 1..];
    }
    lit.push_str(rest);
    if !lit.is_empty() {
        parts.push(FormatPart::Lit(lit));
    }
    if !has_row {
        return Err(format!(
            "key format `{fmt}` has no `{{row}}` placeholder, so every row would get the same key"
        ));
    }
    Ok(parts)
}
