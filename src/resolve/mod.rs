//! The resolve stage: spec ASTs → IR. Names are resolved within and across domains (with "did
//! you mean" help), types are checked (foreign keys against the referenced key, expression
//! operands, generator against attribute type), the foreign-key graph is built with petgraph
//! and ordered, and cycles, infeasible uniqueness and invalid distribution parameters are
//! diagnosed. Every problem is collected; the IR is returned only when there are no errors.

mod drift;
mod export;
pub mod expr;
mod foreign_keys;
mod generators;
mod graph;
pub use graph::reads;
mod hidden;
mod limits;
pub mod marts;
mod mess;
pub mod metrics;
mod nest;
pub mod reserved;
mod scaling;

use crate::codes;
use crate::diagnostics::{Diagnostic, Span, did_you_mean};
use crate::ir::*;
use crate::spec::Specs;
use crate::spec::ast::{self, Sp};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Resolves every loaded spec into one IR. Returns `None` when any error was reported.
pub fn resolve(specs: &Specs, diags: &mut Vec<Diagnostic>) -> Option<Ir> {
    let mut r = Resolver {
        specs,
        diags,
        domains: Vec::new(),
        entities: Vec::new(),
        asts: Vec::new(),
        declared: Vec::new(),
        attr_asts: Vec::new(),
        by_name: HashMap::new(),
    };
    r.collect_names();
    r.attributes();
    r.rows();
    r.scaled_counts();
    r.primary_keys();
    r.foreign_keys();
    r.generators();
    r.constraints();
    r.hidden();
    r.exports();
    r.messes();
    r.row_limits();
    let errors_before_graph = r.diags.iter().any(|d| d.is_error());
    let order = if errors_before_graph {
        Vec::new()
    } else {
        graph::check(&r.entities, r.diags)
    };
    if r.diags.iter().any(|d| d.is_error()) {
        return None;
    }
    let specs_sha256 = specs_hash(specs);
    let Resolver {
        domains, entities, ..
    } = r;
    let waves = graph::row_waves(&entities);
    let systems = entities.iter().any(|e| e.export.is_some());
    let mut ir = Ir {
        systems,
        domains,
        entities,
        order,
        waves,
        specs_sha256,
        marts: crate::ir::marts::Marts::default(),
        analytics: specs
            .analytics
            .iter()
            .map(|f| crate::ir::ModelFile {
                name: f.name.clone(),
                text: f.text.clone(),
            })
            .collect(),
        metrics: crate::ir::metrics::Metrics::default(),
    };
    let errors = diags.iter().filter(|d| d.is_error()).count();
    ir.marts = marts::resolve(specs, &ir, diags);
    if diags.iter().filter(|d| d.is_error()).count() > errors {
        return None;
    }
    ir.metrics.models = metrics::resolve_models(specs, &ir, diags);
    if diags.iter().filter(|d| d.is_error()).count() > errors {
        return None;
    }
    ir.metrics = metrics::resolve(specs, &ir, diags);
    if diags.iter().filter(|d| d.is_error()).count() > errors {
        return None;
    }
    Some(ir)
}

/// The IR's entity kind for the spec's.
fn entity_kind(k: ast::EntityKind) -> EntityKind {
    match k {
        ast::EntityKind::Dimension => EntityKind::Dimension,
        ast::EntityKind::Fact => EntityKind::Fact,
        ast::EntityKind::Bridge => EntityKind::Bridge,
        ast::EntityKind::Reference => EntityKind::Reference,
    }
}

/// The IR's partition granularity for the spec's.
fn granularity(g: ast::Granularity) -> Granularity {
    match g {
        ast::Granularity::Day => Granularity::Day,
        ast::Granularity::Month => Granularity::Month,
        ast::Granularity::Year => Granularity::Year,
    }
}

/// SHA-256 over every spec file's name and bytes, in name order.
pub fn specs_hash(specs: &Specs) -> String {
    let mut h = Sha256::new();
    let mut files: Vec<&crate::spec::SpecFile> = specs.files.iter().collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    for f in files {
        h.update(f.stem.as_bytes());
        h.update([0u8]);
        h.update(specs.sources.text(f.file).as_bytes());
        h.update([0u8]);
    }
    crate::hash::hex(&h.finalize())
}

/// Whether `name` is a valid identifier: `[a-z][a-z0-9_]*`, at most 63 characters.
pub fn is_ident(name: &str) -> bool {
    let mut c = name.chars();
    matches!(c.next(), Some('a'..='z'))
        && c.all(|ch| matches!(ch, 'a'..='z' | '0'..='9' | '_'))
        && name.len() <= 63
}

/// Domain names that would collide with emitted files (`docs/index.md`, `erd/enterprise.*`).
pub const RESERVED_DOMAINS: &[&str] = &["index", "enterprise"];

struct Resolver<'a> {
    specs: &'a Specs,
    diags: &'a mut Vec<Diagnostic>,
    domains: Vec<Domain>,
    entities: Vec<Entity>,
    /// The AST of each entity, by EntityId.
    asts: Vec<&'a ast::EntitySpec>,
    /// Declared (or, for references, inherited) attribute types; `None` until known.
    declared: Vec<Vec<Option<Type>>>,
    /// For each IR attribute, its position in the entity's AST (attributes with an invalid
    /// name are left out of the IR, so the positions differ).
    attr_asts: Vec<Vec<usize>>,
    /// Entities by qualified name (`domain.entity`), so references resolve in constant time.
    by_name: HashMap<String, EntityId>,
}

fn suggest_ident(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    while s.contains("__") {
        s = s.replace("__", "_");
    }
    let mut s = s.trim_matches('_').to_string();
    s.truncate(63);
    let s = s.trim_end_matches('_').to_string();
    if s.starts_with(|c: char| c.is_ascii_digit()) || s.is_empty() {
        format!("x_{s}")
    } else {
        s
    }
}

impl<'a> Resolver<'a> {
    fn err(
        &mut self,
        code: &'static str,
        span: Span,
        msg: impl Into<String>,
        help: Option<String>,
    ) {
        let mut d = Diagnostic::error(code, Some(span), msg);
        d.help = help;
        self.diags.push(d);
    }

    fn check_ident(&mut self, what: &str, name: &str, span: Span) -> bool {
        if !is_ident(name) {
            self.err(
                codes::BAD_IDENT,
                span,
                format!(
                    "{what} name `{name}` is not a valid identifier{}",
                    if name.len() > 63 {
                        " (it is longer than 63 characters)"
                    } else {
                        ""
                    }
                ),
                Some(format!(
                    "names are lower-case `[a-z][a-z0-9_]*` (at most 63 characters) so they are safe in paths and SQL; try `{}`",
                    suggest_ident(name)
                )),
            );
            return false;
        }
        if reserved::is_reserved(name) {
            self.diags.push(
                Diagnostic::warning(codes::RESERVED_WORD, Some(span), format!("{what} name `{name}` is a reserved word in Athena"))
                    .with_help(format!("it will be written as `{name}` (backticks) in DDL and \"{name}\" in queries; a different name avoids quoting")),
            );
        }
        true
    }

    fn collect_names(&mut self) {
        let specs = self.specs;
        let mut seen_domains: HashMap<String, Span> = HashMap::new();
        for file in &specs.files {
            let d = &file.spec.domain;
            if !self.check_ident("domain", &d.value, d.span) {
                continue;
            }
            if RESERVED_DOMAINS.contains(&d.value.as_str()) {
                self.err(
                    codes::BAD_IDENT,
                    d.span,
                    format!("domain name `{}` is reserved", d.value),
                    Some("`index` and `enterprise` name the dictionary's index page and the enterprise-wide ERD; pick another name".into()),
                );
                continue;
            }
            if let Some(first) = seen_domains.get(&d.value) {
                let first = *first;
                self.err(
                    codes::DUPLICATE_NAME,
                    d.span,
                    format!("domain `{}` is defined twice", d.value),
                    Some(format!(
                        "it is first defined in {}:{}",
                        specs.sources.name(first.file),
                        first.line
                    )),
                );
                continue;
            }
            seen_domains.insert(d.value.clone(), d.span);
            if d.value != file.stem {
                self.diags.push(
                    Diagnostic::warning(
                        codes::FILE_DOMAIN_MISMATCH,
                        Some(d.span),
                        format!(
                            "domain `{}` is in a file named `{}`",
                            d.value,
                            specs.sources.name(file.file)
                        ),
                    )
                    .with_help(format!(
                        "name the file `{}.yaml` so readers find it",
                        d.value
                    )),
                );
            }
            let domain_id = self.domains.len();
            let owner = file
                .spec
                .owner
                .as_ref()
                .map_or_else(|| d.value.clone(), |o| o.value.clone());
            self.domains.push(Domain {
                name: d.value.clone(),
                description: file
                    .spec
                    .description
                    .as_ref()
                    .map(|s| s.value.clone())
                    .unwrap_or_default(),
                owner: owner.clone(),
                file: specs.sources.name(file.file).to_string(),
                entities: Vec::new(),
            });
            for (name, e) in &file.spec.entities {
                if !self.check_ident("entity", &name.value, name.span) {
                    continue;
                }
                let id = self.entities.len();
                self.domains[domain_id].entities.push(id);
                self.entities.push(Entity {
                    id,
                    domain: domain_id,
                    name: name.value.clone(),
                    qualified: format!("{}.{}", d.value, name.value),
                    description: e
                        .description
                        .as_ref()
                        .map(|s| s.value.clone())
                        .unwrap_or_default(),
                    kind: e
                        .kind
                        .as_ref()
                        .map_or(EntityKind::Fact, |k| entity_kind(k.value)),
                    grain: e
                        .grain
                        .as_ref()
                        .map(|s| s.value.clone())
                        .unwrap_or_default(),
                    owner: e
                        .owner
                        .as_ref()
                        .map_or_else(|| owner.clone(), |o| o.value.clone()),
                    rows: Rows::Fixed(0),
                    primary_key: Vec::new(),
                    unique: Vec::new(),
                    joint: Vec::new(),
                    attributes: Vec::new(),
                    foreign_keys: Vec::new(),
                    partition: None,
                    export: None,
                    time: None,
                    span: name.span,
                });
                self.asts.push(e);
            }
        }
        self.by_name = self
            .entities
            .iter()
            .map(|e| (e.qualified.clone(), e.id))
            .collect();
    }

    fn attributes(&mut self) {
        for eid in 0..self.entities.len() {
            let ast = self.asts[eid];
            let mut decl = Vec::new();
            let mut positions = Vec::new();
            for (position, (name, a)) in ast.attributes.iter().enumerate() {
                if !self.check_ident("attribute", &name.value, name.span) {
                    continue;
                }
                let ty = match &a.ty {
                    Some(t) => match Type::parse(&t.value) {
                        Ok(ty) => Some(ty),
                        Err(msg) if t.value.starts_with("decimal(") && !t.value.contains(')') => {
                            let help = "inside a `{ … }` flow mapping a comma ends the value: quote the type, `type: \"decimal(12,2)\"`, or use block style".to_string();
                            self.err(codes::BAD_TYPE, t.span, msg, Some(help));
                            None
                        }
                        Err(msg) => {
                            let help = if msg.starts_with("unknown type") {
                                crate::diagnostics::suggest(&t.value, Type::NAMES.iter().copied())
                                    .map(|s| format!("did you mean `{s}`?"))
                                    .or_else(|| {
                                        Some(format!("types are {}", Type::NAMES.join(", ")))
                                    })
                            } else {
                                None
                            };
                            self.err(codes::BAD_TYPE, t.span, msg, help);
                            None
                        }
                    },
                    None => {
                        if !a.has_ref {
                            self.err(
                                codes::MISSING_KEY,
                                name.span,
                                format!("attribute `{}` has no `type`", name.value),
                                Some("add e.g. `type: string`; only references (`ref`) take their type from the referenced key".into()),
                            );
                        }
                        None
                    }
                };
                let null_rate = match &a.nulls {
                    Some(n) if !(0.0..=1.0).contains(&n.value) => {
                        self.err(
                            codes::BAD_RATE,
                            n.span,
                            format!("`nulls` is {}, but a rate must be in [0, 1]", n.value),
                            Some("e.g. `nulls: 0.05` for 5 % nulls".into()),
                        );
                        0.0
                    }
                    Some(n) => n.value,
                    None => 0.0,
                };
                self.entities[eid].attributes.push(Attribute {
                    name: name.value.clone(),
                    description: a
                        .description
                        .as_ref()
                        .map(|s| s.value.clone())
                        .unwrap_or_default(),
                    ty: ty.unwrap_or(Type::Null),
                    pii: a.pii.as_ref().is_some_and(|p| p.value),
                    hidden: a.hidden.as_ref().is_some_and(|p| p.value),
                    unique: a.unique.as_ref().is_some_and(|p| p.value),
                    null_rate,
                    when: None,
                    generator: Generator::Const(Value::Null),
                    nullable: null_rate > 0.0 || a.when.is_some(),
                    span: name.span,
                });
                decl.push(ty);
                positions.push(position);
            }
            self.declared.push(decl);
            self.attr_asts.push(positions);
        }
    }

    /// The AST of attribute `attr` of entity `eid` (attributes that failed the identifier check
    /// are not in the IR, so look them up by name).
    fn attr_ast(&self, eid: EntityId, attr: AttrId) -> &'a ast::AttributeSpec {
        let ast: &'a ast::EntitySpec = self.asts[eid];
        &ast.attributes[self.attr_asts[eid][attr]].1
    }

    /// Finds an entity by `name` or `domain.name`, from the point of view of domain `from`.
    fn lookup_entity(&mut self, from: usize, text: &str, span: Span) -> Option<EntityId> {
        let found = if text.contains('.') {
            self.by_name.get(text)
        } else {
            self.by_name
                .get(&format!("{}.{text}", self.domains[from].name))
        };
        if let Some(&id) = found {
            return Some(id);
        }
        let mut candidates: Vec<String> = self
            .entities
            .iter()
            .filter(|x| x.domain == from)
            .map(|x| x.name.clone())
            .collect();
        candidates.extend(self.entities.iter().map(|x| x.qualified.clone()));
        let mut help = crate::diagnostics::suggest(text, candidates.iter().map(String::as_str))
            .map(|s| format!("did you mean `{s}`?"));
        if help.is_none()
            && let Some((d, _)) = text.split_once('.')
            && !self.domains.iter().any(|x| x.name == d)
        {
            let known: Vec<String> = self
                .domains
                .iter()
                .map(|x| format!("`{}`", x.name))
                .collect();
            help = Some(format!(
                "no spec declares the domain `{d}`; the domains are {}",
                known.join(", ")
            ));
        }
        if help.is_none() && !text.contains('.') {
            let elsewhere: Vec<&str> = self
                .entities
                .iter()
                .filter(|x| x.name == text)
                .map(|x| x.qualified.as_str())
                .collect();
            if !elsewhere.is_empty() {
                help = Some(format!(
                    "entities in other domains are named with their domain: `{}`",
                    elsewhere.join("`, `")
                ));
            }
        }
        self.err(
            codes::UNKNOWN_ENTITY,
            span,
            format!("unknown entity `{text}`"),
            help,
        );
        None
    }

    fn unknown_attr(&mut self, eid: EntityId, name: &str, span: Span) {
        let e = &self.entities[eid];
        let help = did_you_mean(name, e.attributes.iter().map(|a| a.name.as_str()));
        let msg = format!("entity `{}` has no attribute `{name}`", e.qualified);
        self.err(codes::UNKNOWN_ATTRIBUTE, span, msg, help);
    }

    fn rows(&mut self) {
        for eid in 0..self.entities.len() {
            let ast = self.asts[eid];
            let domain = self.entities[eid].domain;
            let rows = match &ast.rows.value {
                ast::RowsSpec::Scaled(n) => Rows::Scaled(*n),
                ast::RowsSpec::Fixed(f) => Rows::Fixed(f.fixed),
                ast::RowsSpec::Per(ast::PerRows {
                    per,
                    count,
                    when: _,
                    scaled,
                }) => {
                    let Some(parent) = self.lookup_entity(domain, &per.value, per.span) else {
                        continue;
                    };
                    if parent == eid {
                        self.err(
                            codes::BAD_PARENT,
                            per.span,
                            format!(
                                "entity `{}` cannot be generated per row of itself",
                                self.entities[eid].name
                            ),
                            Some("use a self-reference with `hierarchy` for trees".into()),
                        );
                        continue;
                    }
                    let Some(mut count) = self.count(count) else {
                        continue;
                    };
                    count.scaled = scaled.as_ref().is_some_and(|s| s.value);
                    Rows::PerParent {
                        parent,
                        count,
                        when: None,
                    }
                }
                ast::RowsSpec::Union(u) => {
                    let Some(rows) = self.union_rows(eid, u) else {
                        continue;
                    };
                    rows
                }
            };
            self.entities[eid].rows = rows;
        }
    }

    /// The members of `rows: {union: [...]}`, each resolved like a `rows` of its own.
    fn union_rows(&mut self, eid: EntityId, u: &ast::UnionRows) -> Option<Rows> {
        let domain = self.entities[eid].domain;
        let mut members = Vec::new();
        for m in &u.union {
            members.push(match &m.value {
                ast::RowsSpec::Scaled(n) => Rows::Scaled(*n),
                ast::RowsSpec::Fixed(f) => Rows::Fixed(f.fixed),
                ast::RowsSpec::Per(p) => {
                    let parent = self.lookup_entity(domain, &p.per.value, p.per.span)?;
                    if parent == eid {
                        self.err(
                            codes::BAD_PARENT,
                            p.per.span,
                            "a union member cannot be generated per row of its own entity",
                            None,
                        );
                        return None;
                    }
                    let mut count = self.count(&p.count)?;
                    count.scaled = p.scaled.as_ref().is_some_and(|s| s.value);
                    Rows::PerParent {
                        parent,
                        count,
                        when: None,
                    }
                }
                ast::RowsSpec::Union(_) => return None, // refused by the loader
            });
        }
        Some(Rows::Union(members))
    }

    fn count(&mut self, c: &Sp<ast::CountSpec>) -> Option<CountDist> {
        match &c.value {
            ast::CountSpec::Fixed(n) => {
                let count = CountDist {
                    base: CountBase::Fixed(*n),
                    zero_inflated: 0.0,
                    shift: 0,
                    max: None,
                    scaled: false,
                };
                self.count_limit(&count, c.span).then_some(count)
            }
            ast::CountSpec::Dist(ast::CountDistSpec {
                uniform,
                poisson,
                geometric,
                bernoulli,
                zero_inflated,
                shift,
                max,
                expr,
            }) => {
                let n_bases = [
                    uniform.is_some(),
                    poisson.is_some(),
                    geometric.is_some(),
                    bernoulli.is_some(),
                    expr.is_some(),
                ]
                .iter()
                .filter(|b| **b)
                .count();
                if n_bases != 1 {
                    self.err(
                        if n_bases == 0 { codes::MISSING_KEY } else { codes::CONFLICT },
                        c.span,
                        "`count` takes exactly one of `uniform`, `poisson`, `geometric`, `bernoulli`, `expr`",
                        Some("e.g. `count: {poisson: 2.4}` or `count: {uniform: [1, 5]}`".into()),
                    );
                    return None;
                }
                let base = if expr.is_some() {
                    // Checked against the parent's scope in `generators`.
                    CountBase::Expr(Box::new(Expr {
                        kind: ExprKind::Lit(Value::Null),
                        ty: Type::Null,
                        span: c.span,
                    }))
                } else if let Some((a, b)) = uniform {
                    if a > b {
                        self.err(
                            codes::BAD_RANGE,
                            c.span,
                            format!("`uniform: [{a}, {b}]` has min > max"),
                            Some(format!("write `[{b}, {a}]`")),
                        );
                        return None;
                    }
                    CountBase::Uniform(*a, *b)
                } else if let Some(l) = poisson {
                    if *l < 0.0 || *l > 1e6 {
                        self.err(
                            codes::BAD_DIST,
                            c.span,
                            format!("poisson mean {l} must be in [0, 1e6]"),
                            Some("the mean number of children per parent".into()),
                        );
                        return None;
                    }
                    CountBase::Poisson(*l)
                } else if let Some(p) = geometric {
                    if !(*p > 0.0 && *p <= 1.0) {
                        self.err(
                            codes::BAD_DIST,
                            c.span,
                            format!("geometric p {p} must be in (0, 1]"),
                            Some("p is the success probability; the mean is (1-p)/p".into()),
                        );
                        return None;
                    }
                    CountBase::Geometric(*p)
                } else {
                    let p = bernoulli.unwrap_or(0.0);
                    if !(0.0..=1.0).contains(&p) {
                        self.err(
                            codes::BAD_RATE,
                            c.span,
                            format!("bernoulli p {p} must be in [0, 1]"),
                            None,
                        );
                        return None;
                    }
                    CountBase::Bernoulli(p)
                };
                let zi = zero_inflated.unwrap_or(0.0);
                if !(0.0..=1.0).contains(&zi) {
                    self.err(
                        codes::BAD_RATE,
                        c.span,
                        format!("`zero_inflated` {zi} must be in [0, 1]"),
                        None,
                    );
                    return None;
                }
                let count = CountDist {
                    base,
                    zero_inflated: zi,
                    shift: shift.unwrap_or(0),
                    max: *max,
                    scaled: false,
                };
                self.count_limit(&count, c.span).then_some(count)
            }
        }
    }

    fn name_list(
        &mut self,
        eid: EntityId,
        names: &Sp<Vec<Sp<String>>>,
        what: &str,
    ) -> Option<Vec<AttrId>> {
        let mut out = Vec::new();
        let mut ok = true;
        for n in &names.value {
            match self.entities[eid].attr(&n.value) {
                Some(a) => {
                    if out.contains(&a) {
                        self.err(
                            codes::DUPLICATE_NAME,
                            n.span,
                            format!("`{}` appears twice in the {what}", n.value),
                            None,
                        );
                        ok = false;
                    }
                    out.push(a)
                }
                None => {
                    if self.asts[eid]
                        .attributes
                        .iter()
                        .any(|(x, _)| x.value == n.value)
                    {
                        ok = false; // already reported as a bad identifier
                        continue;
                    }
                    self.unknown_attr(eid, &n.value, n.span);
                    ok = false;
                }
            }
        }
        ok.then_some(out)
    }

    fn primary_keys(&mut self) {
        for eid in 0..self.entities.len() {
            let ast = self.asts[eid];
            match &ast.primary_key {
                None => {
                    let span = self.entities[eid].span;
                    let first = self.entities[eid]
                        .attributes
                        .first()
                        .map(|a| a.name.clone());
                    self.err(
                        codes::MISSING_KEY,
                        span,
                        format!("entity `{}` has no `primary_key`", self.entities[eid].name),
                        Some(match first {
                            Some(f) => {
                                format!("add `primary_key: {f}` (or a list for a composite key)")
                            }
                            None => "add `primary_key: <attribute>`".into(),
                        }),
                    );
                }
                Some(pk) => {
                    if let Some(ids) = self.name_list(eid, pk, "primary key") {
                        for (&id, n) in ids.iter().zip(&pk.value) {
                            let a = &self.entities[eid].attributes[id];
                            if a.null_rate > 0.0 || a.nullable {
                                let msg = format!("primary key attribute `{}` can be null", a.name);
                                self.err(
                                    codes::BAD_KEY,
                                    n.span,
                                    msg,
                                    Some("remove `nulls`/`when` from key attributes".into()),
                                );
                            }
                        }
                        self.entities[eid].primary_key = ids;
                    }
                }
            }
            for u in &ast.unique {
                if let Some(ids) = self.name_list(eid, u, "unique constraint") {
                    if ids.len() == 1 {
                        self.entities[eid].attributes[ids[0]].unique = true;
                    } else {
                        self.entities[eid].unique.push(ids);
                    }
                }
            }
        }
    }

    /// Checks that a `lookup` reference can find its target by key value: no other `pick`,
    /// a fixed row count (so the plan can map every key value to its row) and a single-column
    /// key. The expression itself is checked in `generators`.
    fn lookup_pick(
        &mut self,
        target: EntityId,
        pick: Option<&Sp<ast::PickSpec>>,
        span: Span,
    ) -> Option<Pick> {
        if let Some(p) = pick {
            self.err(
                codes::CONFLICT,
                p.span,
                "a reference takes `lookup` or `pick`, not both",
                None,
            );
            return None;
        }
        let t = &self.entities[target];
        if !matches!(t.rows, Rows::Fixed(_)) {
            let msg = format!(
                "`lookup` needs `{}` to have `rows: {{fixed: n}}`",
                t.qualified
            );
            self.err(
                codes::BAD_KEY,
                span,
                msg,
                Some("key values are mapped to rows when the plan is made, which needs a fixed set of rows".into()),
            );
            return None;
        }
        if t.primary_key.len() != 1 {
            let msg = format!(
                "`lookup` needs `{}` to have a single-column key",
                t.qualified
            );
            self.err(codes::BAD_KEY, span, msg, None);
            return None;
        }
        Some(Pick::Lookup(Box::new(Expr {
            kind: ExprKind::Lit(Value::Null),
            ty: Type::Null,
            span,
        })))
    }
}
