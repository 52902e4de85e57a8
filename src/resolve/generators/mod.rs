//! Attribute generators: each attribute's one generator (the loader has checked that there is
//! exactly one and that its options go with it) is resolved against the attribute's type, its
//! parameters are checked, and its expressions are resolved through the entity's scope. One
//! function per generator kind lives in the files of this folder; the scope, nullability and
//! uniqueness checks have their own.

mod choice;
mod injective;
mod key;
pub(super) mod nullability;
mod partition;
mod reference;
mod rollup;
mod scope;
mod time;
mod timeline;
mod uniqueness;
mod values;

use super::Resolver;
use super::expr;
use crate::codes;
use crate::diagnostics::Span;
use crate::ir::expr::Func;
use crate::ir::*;
use crate::spec::ast::{self, GeneratorSpec, Sp};
pub(super) use scope::EntityScope;

/// The attribute a generator is resolved for.
struct At {
    eid: EntityId,
    aid: AttrId,
    ty: Type,
    name: String,
    name_span: Span,
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

    /// Quoted scalars start one character after their span.
    fn quoted_offset(&self, s: Span) -> u32 {
        self.specs
            .sources
            .line(s.file, s.line)
            .and_then(|l| l.chars().nth((s.col as usize).saturating_sub(1)))
            .map_or(0, |c| u32::from(c == '"' || c == '\''))
    }

    /// Reports an error and gives no generator.
    fn refuse<T>(
        &mut self,
        code: &'static str,
        span: Span,
        msg: impl Into<String>,
        help: Option<String>,
    ) -> Option<T> {
        self.err(code, span, msg, help);
        None
    }

    /// Reports a generator that does not produce the attribute's type.
    fn bad_type<T>(&mut self, at: &At, gen_name: &str, span: Span, want: &str) -> Option<T> {
        self.refuse(
            codes::GENERATOR_TYPE,
            span,
            format!(
                "`{gen_name}` does not produce {} values for `{}`",
                at.ty, at.name
            ),
            Some(format!("`{gen_name}` needs {want}")),
        )
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
        // Then `time`: a creation date must be non-null in the full lake; events are null as
        // of an earlier date, and so are the row's expressions over them.
        let full: Vec<Vec<bool>> = (self.entities.iter())
            .map(|e| e.attributes.iter().map(|a| a.nullable).collect())
            .collect();
        for eid in 0..self.entities.len() {
            self.timeline(eid);
        }
        if self.entities.iter().any(|e| e.time.is_some()) {
            self.timed_references();
            for eid in 0..self.entities.len() {
                self.view_nullability(eid, &full);
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
        let Some(g) = &a.generator else {
            return; // none, several, or one that did not load: reported by the loader
        };
        let attr = &self.entities[eid].attributes[aid];
        let at = At {
            eid,
            aid,
            ty: attr.ty,
            name: attr.name.clone(),
            name_span: attr.span,
        };
        self.presence(&at, a.when.as_ref());
        if at.ty == Type::Null && !matches!(g, GeneratorSpec::Ref(_)) {
            return; // type error already reported
        }
        let generator = match g {
            GeneratorSpec::Const(c) => self.const_generator(&at, c),
            GeneratorSpec::Key(k) => self.key_generator(&at, k),
            GeneratorSpec::Choice(c) => self.choice_generator(&at, c),
            GeneratorSpec::Cycle(c) => self.cycle_generator(&at, c),
            GeneratorSpec::Dist(d) => self.dist_generator(&at, d),
            GeneratorSpec::Between(b) => self.between_generator(&at, b),
            GeneratorSpec::Relative(r) => self.relative_generator(&at, r),
            GeneratorSpec::Fake(f) => self.fake_generator(&at, f),
            GeneratorSpec::Expr(x) => self.expr_generator(&at, x),
            GeneratorSpec::Rollup(r) => self.rollup_generator(&at, r),
            GeneratorSpec::Ref(r) => {
                self.ref_generator(&at, r);
                return;
            }
        };
        if let Some(generator) = generator {
            self.check_length(&at, &generator);
            self.entities[eid].attributes[aid].generator = generator;
        }
    }

    /// A `string(n)` attribute with a key format whose shortest key is longer than n is an
    /// error here (constants, choice and cycle values are checked as they are parsed; other
    /// values as they are generated). Values are never cut.
    fn check_length(&mut self, at: &At, g: &Generator) {
        let (Type::String(Some(n)), Generator::Format(parts)) = (at.ty, g) else {
            return;
        };
        let len: usize = parts
            .iter()
            .map(|p| match p {
                FormatPart::Lit(s) => s.chars().count(),
                FormatPart::Row { width } => (*width).max(1),
            })
            .sum();
        if len > n as usize {
            self.err(
                codes::NOT_ASSIGNABLE,
                at.name_span,
                format!(
                    "the key format's shortest key has {len} characters, more than `{}` ({}) holds",
                    at.name, at.ty
                ),
                Some(format!(
                    "declare at least string({len}), or a shorter format"
                )),
            );
        }
    }

    /// Conditional presence: `when` must be a bool expression over the row.
    fn presence(&mut self, at: &At, when: Option<&Sp<String>>) {
        let Some(w) = when else { return };
        let off = self.quoted_offset(w.span);
        let site = format!("{}.{}#when", self.entities[at.eid].qualified, at.name);
        let Some(e) = self.check_expr(at.eid, w, off, &site) else {
            return;
        };
        if e.ty != Type::Bool && e.ty != Type::Null {
            return self.err(
                codes::EXPR_TYPE,
                w.span,
                format!("`when` must be a bool expression, found {}", e.ty),
                Some("compare with `=`, `!=`, `<` …".into()),
            );
        }
        if let Generator::Ref { fk, .. } = self.entities[at.eid].attributes[at.aid].generator {
            self.entities[at.eid].foreign_keys[fk].when = Some(e.clone());
        }
        self.entities[at.eid].attributes[at.aid].when = Some(e);
    }

    /// `expr`: an expression whose type the attribute accepts.
    fn expr_generator(&mut self, at: &At, t: &Sp<String>) -> Option<Generator> {
        let off = self.quoted_offset(t.span);
        let site = format!("{}.{}", self.entities[at.eid].qualified, at.name);
        let e = self.check_expr(at.eid, t, off, &site)?;
        if !at.ty.accepts(e.ty) {
            return self.refuse(
                codes::NOT_ASSIGNABLE,
                t.span,
                format!(
                    "expression for `{}` has type {}, but the attribute is {}",
                    at.name, e.ty, at.ty
                ),
                Some("change the attribute's `type` or convert the value (e.g. `to_string(…)`, `int(…)`, `date(…)`)".into()),
            );
        }
        Some(Generator::Expr(e))
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
