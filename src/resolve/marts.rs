//! Resolution of the marts files: every entity, attribute and dimension a star schema names
//! is looked up in the resolved domains, and the schema is checked as a modeller would: a
//! fact's grain identifies its source's rows, its joins follow foreign keys many-to-one (so the
//! grain stays), its measures are numeric, a dimension's key and the attributes its conformed
//! entities join on are unique, and no gold table has two columns of one name. Runs after the
//! domains resolved without errors, on the finished IR.

use super::is_ident;
use crate::codes;
use crate::diagnostics::{Diagnostic, Span, did_you_mean};
use crate::ir::marts::*;
use crate::ir::{AttrId, EntityId, Ir, Type};
use crate::spec::Specs;
use crate::spec::ast::{self, Sp};
use std::collections::HashMap;

/// The longest calendar a generated date dimension may span (its SQL counts days with five
/// decimal digits).
const MAX_CALENDAR_DAYS: i64 = 36_600;

/// Resolves every marts file against `ir`. Problems are pushed to `diags`.
pub fn resolve(specs: &Specs, ir: &Ir, diags: &mut Vec<Diagnostic>) -> Marts {
    let mut out = Marts {
        file: specs
            .marts
            .first()
            .map(|f| f.path.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default(),
        ..Marts::default()
    };
    let mut r = Ctx { ir, diags };
    // Names first, so a fact may use a dimension declared in a later mart.
    let mut names: HashMap<String, Span> = HashMap::new();
    let mut dim_ids: HashMap<String, DimId> = HashMap::new();
    for f in &specs.marts {
        for (name, mart) in &f.spec.marts {
            if !r.name(name, "mart", &mut names) {
                continue;
            }
            let m = out.marts.len();
            out.marts.push(Mart {
                name: name.value.clone(),
                description: text(&mart.description),
                dimensions: Vec::new(),
                facts: Vec::new(),
            });
            for (dname, d) in &mart.dimensions {
                if !r.name(dname, "dimension", &mut names) {
                    continue;
                }
                if let Some(kind) = r.dimension(dname, d) {
                    let history = d.scd.as_ref().is_some_and(|s| s.value == 2);
                    let id = out.dimensions.len();
                    dim_ids.insert(dname.value.clone(), id);
                    out.marts[m].dimensions.push(id);
                    out.dimensions.push(Dimension {
                        name: dname.value.clone(),
                        mart: m,
                        description: text(&d.description),
                        key: key_name(&dname.value),
                        kind,
                        history,
                    });
                }
            }
        }
    }
    let mut m = 0;
    for f in &specs.marts {
        for (name, mart) in &f.spec.marts {
            if out.marts.get(m).is_none_or(|x| x.name != name.value) {
                continue;
            }
            for (fname, fact) in &mart.facts {
                if !r.name(fname, "fact", &mut names) {
                    continue;
                }
                if let Some(mut fct) = r.fact(fact, &out.dimensions, &dim_ids) {
                    fct.name = fname.value.clone();
                    fct.mart = m;
                    fct.description = text(&fact.description);
                    r.fact_columns(fname, &fct);
                    out.marts[m].facts.push(out.facts.len());
                    out.facts.push(fct);
                }
            }
            m += 1;
        }
    }
    out
}

fn text(s: &Option<Sp<String>>) -> String {
    s.as_ref().map(|s| s.value.clone()).unwrap_or_default()
}

/// A dimension's key column: `dim_customer` → `customer_key`.
pub fn key_name(dimension: &str) -> String {
    format!(
        "{}_key",
        dimension.strip_prefix("dim_").unwrap_or(dimension)
    )
}

struct Ctx<'a> {
    ir: &'a Ir,
    diags: &'a mut Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn err(&mut self, code: &'static str, span: Span, msg: String, help: impl Into<String>) {
        self.diags
            .push(Diagnostic::error(code, Some(span), msg).with_help(help));
    }

    /// Checks a mart, dimension or fact name (valid, not used before); false when refused.
    fn name(&mut self, name: &Sp<String>, what: &str, seen: &mut HashMap<String, Span>) -> bool {
        if !is_ident(&name.value) {
            self.err(
                codes::BAD_IDENT,
                name.span,
                format!("{what} name `{}` is not a valid identifier", name.value),
                "use lower-case letters, digits and `_`, starting with a letter",
            );
            return false;
        }
        if let Some(first) = seen.get(&name.value) {
            let d = Diagnostic::error(
                codes::DUPLICATE_NAME,
                Some(name.span),
                format!("`{}` is declared twice in the marts", name.value),
            )
            .with_help("marts, dimensions and facts share one namespace: rename one")
            .with_note(format!("first declared at line {}", first.line));
            self.diags.push(d);
            return false;
        }
        seen.insert(name.value.clone(), name.span);
        true
    }

    /// Looks up an entity by `domain.entity` (or `entity` when only one domain has it).
    fn entity(&mut self, name: &Sp<String>) -> Option<EntityId> {
        let ir = self.ir;
        let found: Vec<EntityId> = ir
            .entities
            .iter()
            .filter(|e| e.qualified == name.value || e.name == name.value)
            .map(|e| e.id)
            .collect();
        match found.as_slice() {
            [one] => Some(*one),
            [] => {
                let help = did_you_mean(
                    &name.value,
                    ir.entities.iter().map(|e| e.qualified.as_str()),
                )
                .unwrap_or_else(|| "name an entity as `domain.entity`".into());
                self.err(
                    codes::UNKNOWN_ENTITY,
                    name.span,
                    format!("unknown entity `{}`", name.value),
                    help,
                );
                None
            }
            many => {
                let names: Vec<&str> = many
                    .iter()
                    .map(|&e| ir.entities[e].qualified.as_str())
                    .collect();
                self.err(
                    codes::AMBIGUOUS,
                    name.span,
                    format!("`{}` names several entities", name.value),
                    format!("write one of {}", names.join(", ")),
                );
                None
            }
        }
    }

    /// Looks up an exported attribute of `entity`.
    fn attr(&mut self, entity: EntityId, name: &str, span: Span) -> Option<AttrId> {
        let e = &self.ir.entities[entity];
        match e.attr(name) {
            Some(a) if !e.attributes[a].hidden => Some(a),
            Some(_) => {
                self.err(
                    codes::UNKNOWN_ATTRIBUTE,
                    span,
                    format!("`{}.{name}` is hidden: it is not in the lake", e.qualified),
                    "marts read the silver layer, which holds only exported attributes",
                );
                None
            }
            None => {
                let names: Vec<&str> = e.exported().map(|(_, a)| a.name.as_str()).collect();
                let help = did_you_mean(name, names.iter().copied())
                    .unwrap_or_else(|| format!("see the attributes of `{}`", e.qualified));
                self.err(
                    codes::UNKNOWN_ATTRIBUTE,
                    span,
                    format!("`{}` has no attribute `{name}`", e.qualified),
                    help,
                );
                None
            }
        }
    }

    /// Resolves `attr`, `entity.attr` or `domain.entity.attr` among `scope` (the source
    /// first, then the joined entities).
    fn column(&mut self, text: &Sp<String>, scope: &[EntityId]) -> Option<Column> {
        let (owner, attr) = match text.value.rsplit_once('.') {
            None => (scope[0], text.value.as_str()),
            Some((ent, attr)) => {
                let ir = self.ir;
                let hits: Vec<EntityId> = scope
                    .iter()
                    .copied()
                    .filter(|&e| ir.entities[e].qualified == ent || ir.entities[e].name == ent)
                    .collect();
                match hits.as_slice() {
                    [one] => (*one, attr),
                    [] => {
                        let exists = ir
                            .entities
                            .iter()
                            .any(|e| e.qualified == ent || e.name == ent);
                        if exists {
                            self.err(
                                codes::MART_JOIN,
                                text.span,
                                format!("`{ent}` is not joined here"),
                                format!("add `{ent}` to the fact's `join` list (it must be reachable by foreign keys)"),
                            );
                        } else {
                            self.err(
                                codes::UNKNOWN_ENTITY,
                                text.span,
                                format!("unknown entity `{ent}` in `{}`", text.value),
                                "write `attr`, `entity.attr` or `domain.entity.attr`",
                            );
                        }
                        return None;
                    }
                    _ => {
                        self.err(
                            codes::AMBIGUOUS,
                            text.span,
                            format!("`{ent}` names several joined entities"),
                            "qualify it: `domain.entity.attr`",
                        );
                        return None;
                    }
                }
            }
        };
        let a = self.attr(owner, attr, text.span)?;
        Some(Column {
            entity: owner,
            attr: a,
        })
    }

    /// Whether attribute `a` alone identifies the rows of `e`.
    fn unique(&self, e: EntityId, a: AttrId) -> bool {
        let ent = &self.ir.entities[e];
        ent.primary_key == [a] || ent.attributes[a].unique || ent.unique.iter().any(|u| u == &[a])
    }

    fn dimension(&mut self, name: &Sp<String>, d: &ast::DimensionSpec) -> Option<DimensionKind> {
        if let Some(scd) = d.scd.as_ref().filter(|s| !matches!(s.value, 1 | 2)) {
            self.err(
                codes::INVALID_VALUE,
                scd.span,
                format!("unknown SCD type {}", scd.value),
                "use `scd: 1` (the current values) or `scd: 2` (every version)",
            );
        }
        if let Some(g) = &d.generated {
            return self.calendar(name, g, d);
        }
        let (Some(src), Some(key)) = (&d.source, &d.key) else {
            self.err(
                codes::MART_BAD_DIMENSION,
                name.span,
                format!("dimension `{}` needs `source` and `key`", name.value),
                "e.g. `source: shop.customers` and `key: customer_id`, or `generated: date` with `start` and `end`",
            );
            return None;
        };
        let source = self.entity(src)?;
        if let Some(scd) = d.scd.as_ref().filter(|s| s.value == 2) {
            self.history(name, scd, source);
        }
        let k = self.attr(source, &key.value, key.span)?;
        if !self.unique(source, k) {
            self.err(
                codes::MART_KEY_NOT_UNIQUE,
                key.span,
                format!(
                    "`{}` is not unique in `{}`: it cannot key a dimension",
                    key.value, self.ir.entities[source].qualified
                ),
                "use the entity's primary key or an attribute declared `unique: true`",
            );
        }
        let mut columns: Vec<Column> = Vec::new();
        let mut seen: HashMap<String, Span> = HashMap::new();
        seen.insert(key_name(&name.value), name.span);
        for c in &d.columns {
            if let Some(a) = self.attr(source, &c.value, c.span) {
                self.clash(&mut seen, &c.value, c.span, &name.value);
                columns.push(Column {
                    entity: source,
                    attr: a,
                });
            }
        }
        // A type-2 dimension keeps the natural key beside its surrogate key.
        let natural = Column {
            entity: source,
            attr: k,
        };
        if d.scd.as_ref().is_some_and(|s| s.value == 2) && !columns.contains(&natural) {
            let col = self.ir.entities[source].attributes[k].name.clone();
            self.clash(&mut seen, &col, key.span, &name.value);
            columns.insert(0, natural);
        }
        let mut conformed = Vec::new();
        for c in &d.conformed {
            let Some(e) = self.entity(&c.value.entity) else {
                continue;
            };
            let Some(on) = self.attr(e, &c.value.on.value, c.value.on.span) else {
                continue;
            };
            self.conformed_join(e, on, source, k, &c.value.on);
            for col in &c.value.columns {
                if let Some(a) = self.attr(e, &col.value, col.span) {
                    self.clash(&mut seen, &col.value, col.span, &name.value);
                    columns.push(Column { entity: e, attr: a });
                }
            }
            conformed.push(Conformed { entity: e, on });
        }
        Some(DimensionKind::Entity {
            source,
            key: k,
            columns,
            conformed,
        })
    }

    /// Checks that a type-2 dimension's source has a history: rows that change or are deleted
    /// (`time.changes` or `time.deleted`), whose daily increments the history model loads.
    fn history(&mut self, name: &Sp<String>, scd: &Sp<u64>, source: EntityId) {
        let ent = &self.ir.entities[source];
        let changes = ent
            .time
            .as_ref()
            .is_some_and(|t| !t.changes.is_empty() || t.deleted.is_some());
        if !changes {
            self.err(
                codes::MART_SCD2,
                scd.span,
                format!(
                    "`{}` asks for SCD type 2, but the rows of `{}` never change",
                    name.value, ent.qualified
                ),
                format!(
                    "declare `time.changes` (or `time.deleted`) on `{}` to give it a history, or use `scd: 1` (the current values)",
                    ent.qualified
                ),
            );
        }
    }

    /// Checks that `e.on` is a unique foreign key to `source.key`.
    fn conformed_join(
        &mut self,
        e: EntityId,
        on: AttrId,
        source: EntityId,
        key: AttrId,
        at: &Sp<String>,
    ) {
        let ir = self.ir;
        let ent = &ir.entities[e];
        let refers = ent
            .foreign_keys
            .iter()
            .any(|fk| fk.columns == [on] && fk.target == source && fk.target_columns == [key]);
        if !refers {
            self.err(
                codes::MART_JOIN,
                at.span,
                format!(
                    "`{}.{}` does not refer to `{}.{}`",
                    ent.qualified,
                    at.value,
                    ir.entities[source].qualified,
                    ir.entities[source].attributes[key].name
                ),
                format!(
                    "a conformed entity joins on its reference to the dimension's key `{}`",
                    ir.entities[source].attributes[key].name
                ),
            );
        } else if !self.unique(e, on) {
            self.err(
                codes::MART_KEY_NOT_UNIQUE,
                at.span,
                format!(
                    "`{}.{}` is not unique: joining on it would repeat the dimension's rows",
                    ent.qualified, at.value
                ),
                "conform only entities with at most one row per dimension row (declare the attribute `unique: true`)",
            );
        }
    }

    /// Reports a second column named `name` in `table`.
    fn clash(&mut self, seen: &mut HashMap<String, Span>, name: &str, span: Span, table: &str) {
        if let Some(first) = seen.get(name) {
            let d = Diagnostic::error(
                codes::MART_COLUMN_CLASH,
                Some(span),
                format!("`{table}` would have two columns named `{name}`"),
            )
            .with_help("leave one out, or reference the dimension under another name with `as:`")
            .with_note(format!("the first is at line {}", first.line));
            self.diags.push(d);
        } else {
            seen.insert(name.to_string(), span);
        }
    }

    fn calendar(
        &mut self,
        name: &Sp<String>,
        g: &Sp<String>,
        d: &ast::DimensionSpec,
    ) -> Option<DimensionKind> {
        if g.value != "date" {
            self.err(
                codes::INVALID_VALUE,
                g.span,
                format!("unknown generated dimension `{}`", g.value),
                "the only generated dimension is `generated: date`",
            );
            return None;
        }
        if d.source.is_some() || d.key.is_some() || !d.columns.is_empty() || !d.conformed.is_empty()
        {
            self.err(
                codes::CONFLICT,
                name.span,
                format!(
                    "`{}` is generated: it takes no `source`, `key`, `columns` or `conformed`",
                    name.value
                ),
                "a calendar's columns are fixed (see docs/spec-reference.md)",
            );
        }
        let day = |s: &Option<Sp<String>>, what: &str, ctx: &mut Self| -> Option<i32> {
            let Some(s) = s else {
                ctx.err(
                    codes::MART_BAD_DIMENSION,
                    name.span,
                    format!("calendar `{}` needs `{what}`", name.value),
                    format!("add `{what}: YYYY-MM-DD`"),
                );
                return None;
            };
            match crate::ir::value::parse_date(&s.value) {
                Ok(v) => Some(v),
                Err(e) => {
                    ctx.err(
                        codes::MART_BAD_DIMENSION,
                        s.span,
                        format!("`{what}`: {e}"),
                        "write the day as `YYYY-MM-DD`",
                    );
                    None
                }
            }
        };
        let start = day(&d.start, "start", self);
        let end = day(&d.end, "end", self);
        let (start, end) = (start?, end?);
        let days = i64::from(end) - i64::from(start);
        if !(0..MAX_CALENDAR_DAYS).contains(&days) {
            let span = d.end.as_ref().map_or(name.span, |e| e.span);
            self.err(
                codes::MART_BAD_DIMENSION,
                span,
                format!(
                    "calendar `{}` spans {days} days; it must span 1 to {MAX_CALENDAR_DAYS}",
                    name.value
                ),
                "`end` must not be before `start`, and a calendar covers at most a century",
            );
            return None;
        }
        Some(DimensionKind::Date { start, end })
    }

    fn fact(
        &mut self,
        f: &ast::FactSpec,
        dims: &[Dimension],
        dim_ids: &HashMap<String, DimId>,
    ) -> Option<Fact> {
        let source = self.entity(&f.source)?;
        let grain = self.grain(source, &f.grain)?;
        let mut scope = vec![source];
        let mut joins = Vec::new();
        for j in &f.join {
            let Some(e) = self.entity(j) else { continue };
            match self.join_fk(&scope, e) {
                Some((from, fk)) => {
                    joins.push(Join { entity: e, from, fk });
                    scope.push(e);
                }
                None => self.err(
                    codes::MART_JOIN,
                    j.span,
                    format!(
                        "`{}` cannot be joined: neither `{}` nor an entity joined before refers to it",
                        self.ir.entities[e].qualified, self.ir.entities[source].qualified
                    ),
                    "join only entities reached by a foreign key to their primary key (many-to-one), in order",
                ),
            }
        }
        let mut dimensions = Vec::new();
        for d in &f.dimensions {
            if let Some(r) = self.dim_ref(&d.value, &scope, dims, dim_ids) {
                dimensions.push(r);
            }
        }
        let degenerate = f
            .degenerate
            .iter()
            .filter_map(|c| self.column(c, &scope))
            .collect();
        let mut measures = Vec::new();
        for (name, m) in &f.measures {
            let col = m.column.clone().unwrap_or_else(|| name.clone());
            let Some(c) = self.column(&col, &scope) else {
                continue;
            };
            let ty = c.ty(self.ir);
            if !ty.is_numeric() {
                self.err(
                    codes::MART_MEASURE_TYPE,
                    col.span,
                    format!("measure `{}` is {ty}, not a number", name.value),
                    "measures are numeric: keep other attributes as `degenerate` dimensions",
                );
                continue;
            }
            measures.push(Measure {
                name: name.value.clone(),
                description: m
                    .description
                    .as_ref()
                    .map_or_else(|| c.description(self.ir).to_string(), |d| d.value.clone()),
                column: c,
                additivity: match m.additivity.value {
                    ast::Additivity::Additive => Additivity::Additive,
                    ast::Additivity::SemiAdditive => Additivity::SemiAdditive,
                    ast::Additivity::NonAdditive => Additivity::NonAdditive,
                },
            });
        }
        let mut fact = Fact {
            name: String::new(),
            mart: 0,
            description: String::new(),
            source,
            grain,
            joins,
            dimensions,
            degenerate,
            measures,
            reconcile_by: Vec::new(),
        };
        fact.reconcile_by = self.reconcile_by(&f.reconcile_by, &fact);
        Some(fact)
    }

    /// Checks that every `reconcile_by` name is a column of the fact that is not a measure.
    fn reconcile_by(&mut self, names: &[Sp<String>], f: &Fact) -> Vec<String> {
        let src = &self.ir.entities[f.source];
        let mut columns: Vec<String> = f
            .grain
            .iter()
            .map(|&a| src.attributes[a].name.clone())
            .collect();
        columns.extend(f.dimensions.iter().map(|d| d.name.clone()));
        columns.extend(f.degenerate.iter().map(|c| c.name(self.ir).to_string()));
        let mut out = Vec::new();
        for n in names {
            if columns.contains(&n.value) {
                out.push(n.value.clone());
                continue;
            }
            let help =
                did_you_mean(&n.value, columns.iter().map(String::as_str)).unwrap_or_else(|| {
                    "name a grain column, a dimension key or a degenerate dimension of the fact"
                        .into()
                });
            self.err(
                codes::UNKNOWN_ATTRIBUTE,
                n.span,
                format!(
                    "the fact has no column `{}` to reconcile by (measures are what is summed)",
                    n.value
                ),
                help,
            );
        }
        out
    }

    /// Resolves a fact's grain and checks that it identifies the source's rows.
    fn grain(&mut self, source: EntityId, g: &Sp<Vec<Sp<String>>>) -> Option<Vec<AttrId>> {
        let mut attrs = Vec::new();
        for n in &g.value {
            attrs.push(self.attr(source, &n.value, n.span)?);
        }
        let ent = &self.ir.entities[source];
        let mut sorted = attrs.clone();
        sorted.sort_unstable();
        let same = |set: &[AttrId]| {
            let mut s = set.to_vec();
            s.sort_unstable();
            s == sorted
        };
        let ok = same(&ent.primary_key)
            || ent.unique.iter().any(|u| same(u))
            || (attrs.len() == 1 && ent.attributes[attrs[0]].unique);
        if !ok {
            let pk: Vec<&str> = ent
                .primary_key
                .iter()
                .map(|&a| ent.attributes[a].name.as_str())
                .collect();
            self.err(
                codes::MART_GRAIN,
                g.span,
                format!(
                    "the grain does not match `{}`: one row of it is one ({})",
                    ent.qualified,
                    pk.join(", ")
                ),
                format!("a fact has its source's grain: write `grain: [{}]`, or choose the source whose rows are the fact's", pk.join(", ")),
            );
            return None;
        }
        Some(attrs)
    }

    /// The first foreign key of an entity in `scope` that leads to `target`'s primary key.
    fn join_fk(&self, scope: &[EntityId], target: EntityId) -> Option<(EntityId, usize)> {
        let t = &self.ir.entities[target];
        scope.iter().find_map(|&e| {
            self.ir.entities[e]
                .foreign_keys
                .iter()
                .position(|fk| fk.target == target && fk.target_columns == t.primary_key)
                .map(|i| (e, i))
        })
    }

    fn dim_ref(
        &mut self,
        d: &ast::DimensionRefSpec,
        scope: &[EntityId],
        dims: &[Dimension],
        dim_ids: &HashMap<String, DimId>,
    ) -> Option<DimRef> {
        let Some(&id) = dim_ids.get(&d.dimension.value) else {
            let help = did_you_mean(&d.dimension.value, dim_ids.keys().map(String::as_str))
                .unwrap_or_else(|| "declare it under a mart's `dimensions:`".into());
            self.err(
                codes::MART_UNKNOWN_DIMENSION,
                d.dimension.span,
                format!("no mart declares the dimension `{}`", d.dimension.value),
                help,
            );
            return None;
        };
        let column = self.column(&d.column, scope)?;
        let dim = &dims[id];
        let ty = column.ty(self.ir);
        let fits = match dim.kind {
            DimensionKind::Date { .. } => matches!(ty, Type::Date | Type::Timestamp),
            DimensionKind::Entity { .. } => same_key_type(ty, dim.natural_key_type(self.ir)),
        };
        if !fits {
            self.err(
                codes::KEY_TYPE_MISMATCH,
                d.column.span,
                format!(
                    "`{}` is {ty}, but the key of `{}` is {}",
                    d.column.value,
                    dim.name,
                    dim.natural_key_type(self.ir)
                ),
                "reference a dimension with an attribute of its key's type (a date or timestamp for a calendar)",
            );
            return None;
        }
        let name = d
            .alias
            .as_ref()
            .map_or_else(|| dim.key.clone(), |a| a.value.clone());
        if !is_ident(&name) {
            let span = d.alias.as_ref().map_or(d.dimension.span, |a| a.span);
            self.err(
                codes::BAD_IDENT,
                span,
                format!("column name `{name}` is not a valid identifier"),
                "use lower-case letters, digits and `_`, starting with a letter",
            );
            return None;
        }
        Some(DimRef {
            dimension: id,
            column,
            name,
        })
    }

    /// Checks that a fact's columns have distinct names (see `Fact::columns`).
    fn fact_columns(&mut self, name: &Sp<String>, f: &Fact) {
        let ir = self.ir;
        let mut seen: HashMap<String, Span> = HashMap::new();
        let mut cols: HashMap<String, Option<Column>> = HashMap::new();
        for &a in &f.grain {
            let c = Column {
                entity: f.source,
                attr: a,
            };
            cols.insert(c.name(ir).to_string(), Some(c));
            seen.insert(c.name(ir).to_string(), name.span);
        }
        for d in &f.dimensions {
            self.clash(&mut seen, &d.name, name.span, &name.value);
            cols.insert(d.name.clone(), None);
        }
        for c in &f.degenerate {
            let n = c.name(ir);
            if cols.get(n) == Some(&Some(*c)) {
                continue;
            }
            self.clash(&mut seen, n, name.span, &name.value);
            cols.insert(n.to_string(), Some(*c));
        }
        for m in &f.measures {
            self.clash(&mut seen, &m.name, name.span, &name.value);
        }
    }
}

/// Whether a fact column of type `a` can hold keys of type `b` (string lengths aside).
fn same_key_type(a: Type, b: Type) -> bool {
    match (a, b) {
        (Type::String(_), Type::String(_)) => true,
        _ => a == b,
    }
}
