//! Resolution of the metrics files against the resolved marts: every table, column and metric
//! a metric names is looked up, and the metric is checked as an analyst would: a sum or an
//! average aggregates a number, a filter's values fit its column, a measure has a date or
//! timestamp to be counted at (a cumulative metric above all), a ratio's breakdown is one its
//! numerator and denominator share, a conversion's two tables reference one entity, no metric
//! is defined through itself, and no measure the semantic layer declares is named like one of
//! its entities or dimensions. Runs after the marts resolved without errors.

use super::is_ident;
use crate::codes;
use crate::diagnostics::{Diagnostic, Span, did_you_mean};
use crate::ir::Ir;
use crate::ir::marts::{DimId, DimensionKind};
use crate::ir::metrics::*;
use crate::spec::Specs;
use crate::spec::ast::{self, MetricType, Sp};
use std::collections::{HashMap, HashSet};

/// The time spine's default span when the marts declare no calendar: 2000-01-01 to
/// 2030-12-31 (days since 1970-01-01).
const DEFAULT_SPINE: (i32, i32) = (10_957, 22_279);

/// Resolves every metrics file against `ir` (whose marts are resolved). Problems are pushed to
/// `diags`.
pub fn resolve(specs: &Specs, ir: &Ir, diags: &mut Vec<Diagnostic>) -> Metrics {
    let mut out = Metrics {
        file: specs
            .metrics
            .first()
            .map(|f| f.path.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default(),
        spine: ir
            .marts
            .dimensions
            .iter()
            .find_map(|d| match d.kind {
                DimensionKind::Date { start, end } => Some((start, end)),
                DimensionKind::Entity { .. } => None,
            })
            .unwrap_or(DEFAULT_SPINE),
        models: ir.metrics.models.clone(),
        ..Metrics::default()
    };
    let all: Vec<(&Sp<String>, &ast::MetricSpec)> = specs
        .metrics
        .iter()
        .flat_map(|f| f.spec.metrics.iter().map(|(n, m)| (n, m)))
        .collect();
    if all.is_empty() {
        return out;
    }
    if ir.marts.marts.is_empty() {
        diags.push(
            Diagnostic::error(
                codes::METRIC_UNKNOWN_COLUMN,
                Some(all[0].0.span),
                "metrics are declared but no marts: a metric aggregates a mart table",
            )
            .with_help("add a marts file (`marts:`) beside the metrics file"),
        );
        return out;
    }
    let mut c = Ctx {
        ir,
        diags,
        ids: HashMap::new(),
    };
    let mut accepted = Vec::new();
    for (name, m) in &all {
        if c.name(name) {
            c.ids
                .insert(name.value.clone(), (accepted.len(), name.span));
            accepted.push((*name, *m));
        }
    }
    for (name, m) in &accepted {
        let kind = c.kind(name, m);
        let by = c.breakdowns(m, kind.as_ref(), &out.metrics, &accepted);
        out.metrics.push(Metric {
            name: name.value.clone(),
            label: m
                .label
                .as_ref()
                .map_or_else(|| name.value.replace('_', " "), |l| l.value.clone()),
            description: text(&m.description),
            reference: text(&m.reference),
            kind: kind.unwrap_or(MetricKind::Ratio {
                numerator: 0,
                denominator: 0,
            }),
            by,
        });
    }
    if !c.diags.iter().any(|d| d.is_error()) {
        c.cycles(&out, &accepted);
        c.clashes(&out, &accepted);
    }
    out
}

/// Resolves the tables of the analytics folder the metrics files declare (`models:`): names,
/// column types, the grain, and a model file of that name in the analytics folder.
pub fn resolve_models(specs: &Specs, ir: &Ir, diags: &mut Vec<Diagnostic>) -> Vec<ModelTable> {
    let mut out: Vec<ModelTable> = Vec::new();
    let mut err = |code: &'static str, span: Span, msg: String, help: String| {
        diags.push(Diagnostic::error(code, Some(span), msg).with_help(help));
    };
    for (name, m) in specs.metrics.iter().flat_map(|f| f.spec.models.iter()) {
        let n = &name.value;
        if !is_ident(n) {
            err(
                codes::BAD_IDENT,
                name.span,
                format!("model name `{n}` is not a valid identifier"),
                "use lower-case letters, digits and `_`, starting with a letter".into(),
            );
            continue;
        }
        let marts = &ir.marts;
        if out.iter().any(|x| &x.name == n)
            || marts.facts.iter().any(|f| &f.name == n)
            || marts.dimensions.iter().any(|d| &d.name == n)
        {
            err(
                codes::DUPLICATE_NAME,
                name.span,
                format!("table `{n}` is declared twice (a model, a fact or a dimension)"),
                "rename the model".into(),
            );
            continue;
        }
        if !ir
            .analytics
            .iter()
            .any(|f| f.name == format!("{n}.sql") || f.name == format!("{n}.py"))
        {
            err(
                codes::METRIC_UNKNOWN_COLUMN,
                name.span,
                format!("no analytics model `{n}`: the folder `analytics/` has no `{n}.sql` or `{n}.py`"),
                "write the model in the spec directory's `analytics/` folder, or remove it from `models:`".into(),
            );
            continue;
        }
        let mut columns: Vec<(String, crate::ir::Type)> = Vec::new();
        let mut ok = true;
        for (c, t) in &m.columns {
            let ty = match crate::ir::Type::parse(&t.value) {
                Ok(ty) => ty,
                Err(msg) => {
                    err(
                        codes::BAD_TYPE,
                        t.span,
                        msg,
                        format!("types are {}", crate::ir::Type::NAMES.join(", ")),
                    );
                    ok = false;
                    continue;
                }
            };
            if !is_ident(&c.value) || columns.iter().any(|(x, _)| x == &c.value) {
                err(
                    codes::BAD_IDENT,
                    c.span,
                    format!(
                        "column `{}` of model `{n}` is not a valid, unique identifier",
                        c.value
                    ),
                    "use lower-case letters, digits and `_`, each name once".into(),
                );
                ok = false;
                continue;
            }
            columns.push((c.value.clone(), ty));
        }
        let mut grain = Vec::new();
        for g in &m.grain.value {
            match columns.iter().position(|(x, _)| x == &g.value) {
                Some(i) if !grain.contains(&i) => grain.push(i),
                _ => {
                    err(
                        codes::METRIC_UNKNOWN_COLUMN,
                        g.span,
                        format!(
                            "the grain of model `{n}` names `{}`, not one of its columns (once)",
                            g.value
                        ),
                        "list the declared columns that identify a row".into(),
                    );
                    ok = false;
                }
            }
        }
        if !ok {
            continue;
        }
        let mut ordered: Vec<(String, crate::ir::Type)> =
            grain.iter().map(|&i| columns[i].clone()).collect();
        for (i, c) in columns.iter().enumerate() {
            if !grain.contains(&i) {
                ordered.push(c.clone());
            }
        }
        out.push(ModelTable {
            name: n.clone(),
            description: text(&m.description),
            grain: grain.len(),
            columns: ordered,
        });
    }
    out
}

fn text(s: &Option<Sp<String>>) -> String {
    s.as_ref().map(|s| s.value.clone()).unwrap_or_default()
}

struct Ctx<'a> {
    ir: &'a Ir,
    diags: &'a mut Vec<Diagnostic>,
    /// Metric name → (id, span of its name).
    ids: HashMap<String, (MetricId, Span)>,
}

impl Ctx<'_> {
    fn err(&mut self, code: &'static str, span: Span, msg: String, help: impl Into<String>) {
        self.diags
            .push(Diagnostic::error(code, Some(span), msg).with_help(help));
    }

    fn name(&mut self, name: &Sp<String>) -> bool {
        if !is_ident(&name.value) {
            self.err(
                codes::BAD_IDENT,
                name.span,
                format!("metric name `{}` is not a valid identifier", name.value),
                "use lower-case letters, digits and `_`, starting with a letter",
            );
            return false;
        }
        if let Some((_, first)) = self.ids.get(&name.value) {
            let d = Diagnostic::error(
                codes::DUPLICATE_NAME,
                Some(name.span),
                format!("metric `{}` is declared twice", name.value),
            )
            .with_help("rename one")
            .with_note(format!("first declared at line {}", first.line));
            self.diags.push(d);
            return false;
        }
        true
    }

    /// A required key of a metric's type.
    fn need<'s, T>(
        &mut self,
        v: &'s Option<Sp<T>>,
        key: &str,
        name: &Sp<String>,
        ty: &str,
    ) -> Option<&'s Sp<T>> {
        if v.is_none() {
            self.err(
                codes::MISSING_KEY,
                name.span,
                format!("{ty} metric `{}` has no `{key}`", name.value),
                "see the metric types in docs/spec-reference.md",
            );
        }
        v.as_ref()
    }

    /// Keys a metric's type does not use.
    fn unused(&mut self, m: &ast::MetricSpec, ty: MetricType, name: &Sp<String>) {
        let uses: &[&str] = match ty {
            MetricType::Simple => &["measure", "filter"],
            MetricType::Ratio => &["numerator", "denominator"],
            MetricType::Derived => &["expr"],
            MetricType::Cumulative => &["measure", "filter", "grain_to_date"],
            MetricType::Conversion => &["base", "conversion", "entity", "window"],
        };
        let present = [
            ("measure", m.measure.as_ref().map(|x| x.span)),
            ("filter", m.filter.first().map(|x| x.span)),
            ("numerator", m.numerator.as_ref().map(|x| x.span)),
            ("denominator", m.denominator.as_ref().map(|x| x.span)),
            ("expr", m.expr.as_ref().map(|x| x.span)),
            ("grain_to_date", m.grain_to_date.as_ref().map(|x| x.span)),
            ("base", m.base.as_ref().map(|x| x.span)),
            ("conversion", m.conversion.as_ref().map(|x| x.span)),
            ("entity", m.entity.as_ref().map(|x| x.span)),
            ("window", m.window.as_ref().map(|x| x.span)),
        ];
        for (key, span) in present {
            if let Some(span) = span.filter(|_| !uses.contains(&key)) {
                self.err(
                    codes::CONFLICT,
                    span,
                    format!("`{key}` does not apply to metric `{}`", name.value),
                    format!("a {} metric uses {}", type_name(ty), uses.join(", ")),
                );
            }
        }
    }

    fn kind(&mut self, name: &Sp<String>, m: &ast::MetricSpec) -> Option<MetricKind> {
        let ty = m.kind.as_ref().map_or(MetricType::Simple, |k| k.value);
        let tn = type_name(ty);
        self.unused(m, ty, name);
        match ty {
            MetricType::Simple => {
                let spec = self.need(&m.measure, "measure", name, tn)?;
                let measure = self.measure(spec, &m.filter)?;
                Some(MetricKind::Simple(measure))
            }
            MetricType::Cumulative => {
                let spec = self.need(&m.measure, "measure", name, tn)?;
                if let Some(b) = &spec.value.balance {
                    self.err(
                        codes::CONFLICT,
                        b.span,
                        format!(
                            "`balance` does not apply to cumulative metric `{}`",
                            name.value
                        ),
                        "a balance is already a value to date: measure it in a simple metric",
                    );
                    return None;
                }
                let grain_to_date = match &m.grain_to_date {
                    None => None,
                    Some(g) => Some(self.grain(g)?),
                };
                let measure = self.measure(spec, &m.filter)?;
                Some(MetricKind::Cumulative {
                    measure,
                    grain_to_date,
                })
            }
            MetricType::Ratio => {
                let n = self.need(&m.numerator, "numerator", name, tn);
                let d = self.need(&m.denominator, "denominator", name, tn);
                let numerator = self.metric_ref(n?);
                let denominator = self.metric_ref(d?);
                Some(MetricKind::Ratio {
                    numerator: numerator?,
                    denominator: denominator?,
                })
            }
            MetricType::Derived => {
                let e = self.need(&m.expr, "expr", name, tn)?;
                let expr = self.expr(e, false)?;
                let mut inputs = Vec::new();
                for t in &expr {
                    if let Tok::Name(n) = t {
                        let id = self.metric_ref(&Sp::new(n.clone(), e.span))?;
                        if !inputs.contains(&id) {
                            inputs.push(id);
                        }
                    }
                }
                if inputs.is_empty() {
                    self.err(
                        codes::METRIC_EXPR,
                        e.span,
                        "a derived metric's expression names no metric".into(),
                        "combine other metrics, e.g. `(revenue - cogs) / revenue`",
                    );
                    return None;
                }
                Some(MetricKind::Derived { expr, inputs })
            }
            MetricType::Conversion => self.conversion(name, m),
        }
    }

    fn conversion(&mut self, name: &Sp<String>, m: &ast::MetricSpec) -> Option<MetricKind> {
        let tn = "conversion";
        let b = self.need(&m.base, "base", name, tn);
        let c = self.need(&m.conversion, "conversion", name, tn);
        let e = self.need(&m.entity, "entity", name, tn);
        let w = self.need(&m.window, "window", name, tn);
        let (b, c, e, w) = (b?, c?, e?, w?);
        let base = self.measure(b, &[]);
        let conversion = self.measure(c, &[]);
        let window_days = self.window(w);
        let (base, conversion, window_days) = (base?, conversion?, window_days?);
        if base.balance || conversion.balance {
            self.err(
                codes::CONFLICT,
                m.base.as_ref().map_or(name.span, |x| x.span),
                format!(
                    "`balance` does not apply to conversion metric `{}`",
                    name.value
                ),
                "a conversion counts rows; measure a balance in a simple metric",
            );
            return None;
        }
        if !matches!(conversion.agg, Agg::Count | Agg::Sum) {
            self.err(
                codes::METRIC_TYPE,
                c.span,
                format!(
                    "a conversion is counted or summed, not aggregated by `{}`",
                    conversion.agg.as_str()
                ),
                "use `agg: count` or `agg: sum`",
            );
            return None;
        }
        let marts = &self.ir.marts;
        let Some(entity) = marts.dimensions.iter().position(|d| d.name == e.value) else {
            let help = did_you_mean(&e.value, marts.dimensions.iter().map(|d| d.name.as_str()))
                .unwrap_or_else(|| "name a dimension both tables reference".into());
            self.err(
                codes::METRIC_UNKNOWN_COLUMN,
                e.span,
                format!("unknown dimension `{}`", e.value),
                help,
            );
            return None;
        };
        for (spec, measure) in [(b, &base), (c, &conversion)] {
            if self.entity_column(measure.table, entity).is_none() {
                self.err(
                    codes::METRIC_INCOMPATIBLE,
                    spec.span,
                    format!(
                        "`{}` does not reference `{}`: the conversion cannot follow its rows to a shared member",
                        measure.table.name(marts, &self.ir.metrics),
                        e.value
                    ),
                    "name as `entity` a dimension that both the base's and the conversion's tables reference",
                );
                return None;
            }
        }
        Some(MetricKind::Conversion {
            base,
            conversion,
            entity,
            window_days,
        })
    }

    /// The column of `table` holding the member of entity dimension `d`, if it has one.
    fn entity_column(&self, table: Table, d: DimId) -> Option<String> {
        table_columns(self.ir, table).into_iter().find_map(|c| {
            let hit = match (c.role, table) {
                (Role::Entity(x), _) => x == d,
                (Role::Key, Table::Dimension(x)) => x == d,
                _ => false,
            };
            hit.then_some(c.name)
        })
    }

    fn grain(&mut self, g: &Sp<String>) -> Option<Grain> {
        match g.value.as_str() {
            "month" => Some(Grain::Month),
            "quarter" => Some(Grain::Quarter),
            "year" => Some(Grain::Year),
            other => {
                self.err(
                    codes::INVALID_VALUE,
                    g.span,
                    format!("unknown period `{other}`"),
                    "use month, quarter or year",
                );
                None
            }
        }
    }

    /// `N day(s)` or `N week(s)`, in days.
    fn window(&mut self, w: &Sp<String>) -> Option<u32> {
        let mut parts = w.value.split_whitespace();
        let n = parts.next().and_then(|n| n.parse::<u32>().ok());
        let unit = match parts.next() {
            Some("day" | "days") => Some(1),
            Some("week" | "weeks") => Some(7),
            _ => None,
        };
        match (n, unit, parts.next()) {
            (Some(n), Some(u), None) if n > 0 && n <= 3660 => Some(n * u),
            _ => {
                self.err(
                    codes::INVALID_VALUE,
                    w.span,
                    format!("`{}` is not a conversion window", w.value),
                    "write a whole number of days or weeks, e.g. `7 days` (at most 10 years)",
                );
                None
            }
        }
    }

    fn metric_ref(&mut self, n: &Sp<String>) -> Option<MetricId> {
        match self.ids.get(&n.value) {
            Some((id, _)) => Some(*id),
            None => {
                let help = did_you_mean(&n.value, self.ids.keys().map(String::as_str))
                    .unwrap_or_else(|| "name a metric declared in the metrics file".into());
                self.err(
                    codes::METRIC_UNKNOWN,
                    n.span,
                    format!("unknown metric `{}`", n.value),
                    help,
                );
                None
            }
        }
    }

    /// Looks up a gold table by name: a fact or an entity dimension.
    fn table(&mut self, n: &Sp<String>) -> Option<Table> {
        let marts = &self.ir.marts;
        if let Some(f) = marts.facts.iter().position(|f| f.name == n.value) {
            return Some(Table::Fact(f));
        }
        let models = &self.ir.metrics.models;
        if let Some(m) = models.iter().position(|m| m.name == n.value) {
            return Some(Table::Model(m));
        }
        match marts.dimensions.iter().position(|d| d.name == n.value) {
            Some(d) if marts.dimensions[d].source().is_some() => Some(Table::Dimension(d)),
            Some(_) => {
                self.err(
                    codes::METRIC_UNKNOWN_COLUMN,
                    n.span,
                    format!("`{}` is the calendar: it has no rows to measure", n.value),
                    "measure a fact or an entity dimension; every measure is counted by date already",
                );
                None
            }
            None => {
                let names = marts
                    .facts
                    .iter()
                    .map(|f| f.name.as_str())
                    .chain(marts.dimensions.iter().map(|d| d.name.as_str()))
                    .chain(models.iter().map(|m| m.name.as_str()));
                let help = did_you_mean(&n.value, names).unwrap_or_else(|| {
                    "name a fact or a dimension of the marts, or a table of `models:`".into()
                });
                self.err(
                    codes::METRIC_UNKNOWN_COLUMN,
                    n.span,
                    format!("unknown mart table `{}`", n.value),
                    help,
                );
                None
            }
        }
    }

    fn measure(
        &mut self,
        spec: &Sp<ast::MeasureRefSpec>,
        filters: &[Sp<ast::FilterSpec>],
    ) -> Option<Measure> {
        let s = &spec.value;
        let table = self.table(&s.table)?;
        let cols = table_columns(self.ir, table);
        let agg = match &s.agg {
            None => Agg::Sum,
            Some(a) => match Agg::parse(&a.value) {
                Some(agg) => agg,
                None => {
                    let help = did_you_mean(&a.value, Agg::NAMES.iter().copied())
                        .unwrap_or_else(|| format!("use one of {}", Agg::NAMES.join(", ")));
                    self.err(
                        codes::INVALID_VALUE,
                        a.span,
                        format!("unknown aggregation `{}`", a.value),
                        help,
                    );
                    return None;
                }
            },
        };
        let expr = self.expr(&s.expr, true)?;
        let mut ok = true;
        for t in &expr {
            let names: Vec<&String> = match t {
                Tok::Name(n) => vec![n],
                Tok::DaysBetween(a, b) => vec![a, b],
                _ => Vec::new(),
            };
            for n in names {
                if !cols.iter().any(|c| &c.name == n) {
                    self.unknown_column(table, n, s.expr.span);
                    ok = false;
                }
            }
        }
        if let ([Tok::Name(n)], true) = (expr.as_slice(), agg.numeric())
            && let Some(c) = cols.iter().find(|c| &c.name == n && !c.ty.is_numeric())
        {
            self.err(
                codes::METRIC_TYPE,
                s.expr.span,
                format!(
                    "`{}` is a {}: it has no {}",
                    n,
                    c.ty.spec_name(),
                    if agg == Agg::Sum { "sum" } else { "average" }
                ),
                "count it (`agg: count` or `count_distinct`), or aggregate a numeric column",
            );
            ok = false;
        }
        let time = self.time(table, &cols, s)?;
        let mut out = Vec::new();
        for f in filters {
            out.push(self.filter(table, f));
        }
        let filters: Option<Vec<Filter>> = out.into_iter().collect();
        (ok).then_some(Measure {
            table,
            agg,
            expr,
            time,
            filters: filters?,
            balance: s.balance.as_ref().is_some_and(|b| b.value),
        })
    }

    fn unknown_column(&mut self, table: Table, n: &str, span: Span) {
        let cols = table_columns(self.ir, table);
        let name = table.name(&self.ir.marts, &self.ir.metrics);
        let help = did_you_mean(n, cols.iter().map(|c| c.name.as_str()))
            .unwrap_or_else(|| format!("see the columns of `{name}` in generated/docs/marts.md"));
        self.err(
            codes::METRIC_UNKNOWN_COLUMN,
            span,
            format!("`{name}` has no column `{n}`"),
            help,
        );
    }

    /// The measure's time column: the one named, or the table's first date or timestamp.
    fn time(&mut self, table: Table, cols: &[SemCol], s: &ast::MeasureRefSpec) -> Option<String> {
        let name = table.name(&self.ir.marts, &self.ir.metrics);
        match &s.time {
            Some(t) => match cols.iter().find(|c| c.name == t.value) {
                Some(c) if c.role == Role::Time => Some(c.name.clone()),
                Some(c) => {
                    self.err(
                        codes::METRIC_NO_TIME,
                        t.span,
                        format!(
                            "`{}.{}` is a {}, not a date or timestamp",
                            name,
                            t.value,
                            c.ty.spec_name()
                        ),
                        "count the measure at a date or timestamp column",
                    );
                    None
                }
                None => {
                    self.unknown_column(table, &t.value, t.span);
                    None
                }
            },
            None => match cols.iter().find(|c| c.role == Role::Time) {
                Some(c) => Some(c.name.clone()),
                None => {
                    self.err(
                        codes::METRIC_NO_TIME,
                        s.table.span,
                        format!("`{name}` has no date or timestamp column: its measures have no time to be counted at"),
                        "reference the calendar (`dim_date`) from the fact, or measure another table; a cumulative metric above all needs a time axis",
                    );
                    None
                }
            },
        }
    }

    /// Resolves `column` or `dim_x.column` against a measure's table.
    fn column(&mut self, table: Table, n: &Sp<String>, code: &'static str) -> Option<Col> {
        let marts = &self.ir.marts;
        let tname = table.name(marts, &self.ir.metrics);
        match n.value.split_once('.') {
            None => {
                let cols = table_columns(self.ir, table);
                match cols.iter().find(|c| c.name == n.value) {
                    Some(c) if matches!(c.role, Role::Categorical | Role::Time) => Some(Col {
                        via: None,
                        name: c.name.clone(),
                        ty: c.ty,
                    }),
                    Some(_) => {
                        self.err(
                            codes::METRIC_UNKNOWN_COLUMN,
                            n.span,
                            format!("`{tname}.{}` is a key or a measure, not a dimension", n.value),
                            "filter or group by a dimension's column (`dim_x.column`) or a degenerate column",
                        );
                        None
                    }
                    None => {
                        self.unknown_column(table, &n.value, n.span);
                        None
                    }
                }
            }
            Some((dim, col)) => {
                let Some(d) = marts.dimensions.iter().position(|x| x.name == dim) else {
                    let help = did_you_mean(dim, marts.dimensions.iter().map(|d| d.name.as_str()))
                        .unwrap_or_else(|| "name a dimension of the marts".into());
                    self.err(
                        codes::METRIC_UNKNOWN_COLUMN,
                        n.span,
                        format!("unknown dimension `{dim}`"),
                        help,
                    );
                    return None;
                };
                if matches!(table, Table::Dimension(x) if x == d) {
                    return self.column(table, &Sp::new(col.to_string(), n.span), code);
                }
                if marts.dimensions[d].source().is_none() || self.entity_column(table, d).is_none()
                {
                    self.err(
                        code,
                        n.span,
                        format!("`{tname}` does not reference `{dim}`"),
                        "use a dimension the measure's table references (see its keys in generated/docs/marts.md)",
                    );
                    return None;
                }
                let cols = table_columns(self.ir, Table::Dimension(d));
                match cols.iter().find(|c| c.name == col && c.role != Role::Key) {
                    Some(c) => Some(Col {
                        via: Some(d),
                        name: c.name.clone(),
                        ty: c.ty,
                    }),
                    None => {
                        self.unknown_column(Table::Dimension(d), col, n.span);
                        None
                    }
                }
            }
        }
    }

    fn filter(&mut self, table: Table, f: &Sp<ast::FilterSpec>) -> Option<Filter> {
        let column = self.column(table, &f.value.column, codes::METRIC_UNKNOWN_COLUMN)?;
        let negated = f.value.is_in.is_empty();
        let raw = if negated {
            &f.value.not_in
        } else {
            &f.value.is_in
        };
        let mut values = Vec::new();
        for v in raw {
            let lit = if column.ty == crate::ir::Type::Bool {
                match (v.value.text.as_str(), v.value.plain) {
                    ("true", true) => Some(Lit::Bool(true)),
                    ("false", true) => Some(Lit::Bool(false)),
                    _ => None,
                }
            } else if column.ty.is_numeric() {
                v.value
                    .text
                    .parse::<f64>()
                    .ok()
                    .filter(|x| x.is_finite() && v.value.plain)
                    .map(|_| Lit::Num(v.value.text.clone()))
            } else if column.ty.is_string() && !v.value.null {
                Some(Lit::Str(v.value.text.clone()))
            } else {
                None
            };
            match lit {
                Some(l) => values.push(l),
                None => {
                    self.err(
                        codes::METRIC_TYPE,
                        v.span,
                        format!(
                            "`{}` is not a value of `{}` ({})",
                            v.value.text,
                            column.name,
                            column.ty.spec_name()
                        ),
                        "filter by values of the column's type (a boolean by `true` or `false`)",
                    );
                    return None;
                }
            }
        }
        Some(Filter {
            column,
            negated,
            values,
        })
    }
}

fn type_name(t: MetricType) -> &'static str {
    match t {
        MetricType::Simple => "simple",
        MetricType::Ratio => "ratio",
        MetricType::Derived => "derived",
        MetricType::Cumulative => "cumulative",
        MetricType::Conversion => "conversion",
    }
}

/// SQL words an expression may use.
const KEYWORDS: &[&str] = &[
    "case", "when", "then", "else", "end", "and", "or", "not", "null", "is",
];

impl Ctx<'_> {
    /// Tokenizes a measure's expression (`columns`) or a derived metric's (metric names, no
    /// keywords or functions).
    fn expr(&mut self, e: &Sp<String>, columns: bool) -> Option<Vec<Tok>> {
        match tokenize(&e.value, columns) {
            Ok(t) => Some(t),
            Err(msg) => {
                self.err(
                    codes::METRIC_EXPR,
                    e.span,
                    msg,
                    if columns {
                        "use column names, numbers, 'text', + - * /, comparisons, parentheses, case … end and days_between(a, b)"
                    } else {
                        "use metric names, numbers, + - * / and parentheses"
                    },
                );
                None
            }
        }
    }
}

/// Splits an expression into tokens, checking parentheses.
pub fn tokenize(s: &str, columns: bool) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut depth = 0i32;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect::<String>().to_lowercase();
            let mut j = i;
            while j < chars.len() && chars[j].is_whitespace() {
                j += 1;
            }
            if chars.get(j) == Some(&'(') {
                if !(columns && word == "days_between") {
                    return Err(format!("unknown function `{word}`"));
                }
                let close = chars[j..]
                    .iter()
                    .position(|&c| c == ')')
                    .map(|p| j + p)
                    .ok_or("`days_between(` is not closed")?;
                let inner: String = chars[j + 1..close].iter().collect();
                let args: Vec<&str> = inner.split(',').map(str::trim).collect();
                match args.as_slice() {
                    [a, b] if is_ident(a) && is_ident(b) => {
                        out.push(Tok::DaysBetween(a.to_string(), b.to_string()));
                    }
                    _ => return Err("`days_between` takes two column names".into()),
                }
                i = close + 1;
            } else if columns && (word == "true" || word == "false") {
                out.push(Tok::Lit(Lit::Bool(word == "true")));
            } else if columns && KEYWORDS.contains(&word.as_str()) {
                out.push(Tok::Keyword(word));
            } else if is_ident(&word) && !KEYWORDS.contains(&word.as_str()) {
                out.push(Tok::Name(word));
            } else {
                return Err(format!("`{word}` is not a name"));
            }
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let n: String = chars[start..i].iter().collect();
            if n.parse::<f64>().is_err() {
                return Err(format!("`{n}` is not a number"));
            }
            out.push(Tok::Lit(Lit::Num(n)));
        } else if c == '\'' && columns {
            let close = chars[i + 1..]
                .iter()
                .position(|&c| c == '\'')
                .ok_or("a quoted text is not closed")?;
            out.push(Tok::Lit(Lit::Str(
                chars[i + 1..i + 1 + close].iter().collect(),
            )));
            i += close + 2;
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let (p, n) = match two.as_str() {
                "<>" | "<=" | ">=" if columns => (two.clone(), 2),
                "!=" if columns => ("<>".to_string(), 2),
                _ => match c {
                    '+' | '-' | '*' | '/' | '(' | ')' => (c.to_string(), 1),
                    ',' | '=' | '<' | '>' if columns => (c.to_string(), 1),
                    _ => return Err(format!("unexpected `{c}`")),
                },
            };
            if p == "(" {
                depth += 1;
            } else if p == ")" {
                depth -= 1;
                if depth < 0 {
                    return Err("a `)` closes nothing".into());
                }
            }
            out.push(Tok::Punct(p));
            i += n;
        }
    }
    if depth != 0 {
        return Err("a `(` is not closed".into());
    }
    if out.is_empty() {
        return Err("the expression is empty".into());
    }
    Ok(out)
}

impl Ctx<'_> {
    /// The breakdowns of a metric: a simple metric's over its measure's table, a ratio's over
    /// both inputs' (which must be simple).
    fn breakdowns(
        &mut self,
        m: &ast::MetricSpec,
        kind: Option<&MetricKind>,
        done: &[Metric],
        all: &[(&Sp<String>, &ast::MetricSpec)],
    ) -> Vec<Breakdown> {
        let mut out = Vec::new();
        let Some(kind) = kind else { return out };
        for (name, col) in &m.by {
            if !is_ident(&name.value) {
                self.err(
                    codes::BAD_IDENT,
                    name.span,
                    format!("breakdown name `{}` is not a valid identifier", name.value),
                    "use lower-case letters, digits and `_`, starting with a letter",
                );
                continue;
            }
            let resolved = match kind {
                MetricKind::Simple(x) => self.column(x.table, col, codes::METRIC_UNKNOWN_COLUMN),
                MetricKind::Ratio {
                    numerator,
                    denominator,
                } => {
                    let mut found = None;
                    for input in [*numerator, *denominator] {
                        let table = match done.get(input).map(|x| &x.kind) {
                            Some(MetricKind::Simple(x)) => Some(x.table),
                            Some(_) => None,
                            None => simple_table(self, all, input),
                        };
                        let Some(table) = table else {
                            self.err(
                                codes::METRIC_INCOMPATIBLE,
                                col.span,
                                format!("`{}` is not a simple metric: the ratio cannot be broken down", all[input].0.value),
                                "break a ratio down only when its numerator and denominator are simple metrics",
                            );
                            found = None;
                            break;
                        };
                        found = self.column(table, col, codes::METRIC_INCOMPATIBLE);
                        if found.is_none() {
                            break;
                        }
                    }
                    found
                }
                other => {
                    self.err(
                        codes::METRIC_INCOMPATIBLE,
                        name.span,
                        format!("a {} metric has no breakdowns", other.type_name()),
                        "break down simple and ratio metrics only",
                    );
                    None
                }
            };
            if let Some(column) = resolved {
                out.push(Breakdown {
                    name: name.value.clone(),
                    column,
                });
            }
        }
        out
    }

    /// A metric defined through itself (a ratio's or derived metric's inputs, transitively).
    fn cycles(&mut self, out: &Metrics, all: &[(&Sp<String>, &ast::MetricSpec)]) {
        let inputs = |m: &Metric| -> Vec<MetricId> {
            match &m.kind {
                MetricKind::Ratio {
                    numerator,
                    denominator,
                } => vec![*numerator, *denominator],
                MetricKind::Derived { inputs, .. } => inputs.clone(),
                _ => Vec::new(),
            }
        };
        for (id, m) in out.metrics.iter().enumerate() {
            let mut seen = HashSet::new();
            let mut stack = inputs(m);
            while let Some(x) = stack.pop() {
                if x == id {
                    self.err(
                        codes::METRIC_UNKNOWN,
                        all[id].0.span,
                        format!("metric `{}` is defined through itself", m.name),
                        "a ratio or derived metric must end in simple, cumulative or conversion metrics",
                    );
                    break;
                }
                if seen.insert(x) {
                    stack.extend(inputs(&out.metrics[x]));
                }
            }
        }
    }

    /// Measures named like an entity or a dimension of the semantic layer, or like another
    /// measure.
    fn clashes(&mut self, out: &Metrics, all: &[(&Sp<String>, &ast::MetricSpec)]) {
        let marts = &self.ir.marts;
        let mut taken: HashMap<String, String> = HashMap::new();
        for t in Table::all(marts, &self.ir.metrics) {
            let tname = t.name(marts, &self.ir.metrics);
            for c in table_columns(self.ir, t) {
                if matches!(c.role, Role::Categorical | Role::Time) {
                    taken.insert(c.name, format!("a dimension of `{tname}`"));
                }
            }
            let entity = match t {
                Table::Dimension(d) => entity_name(marts, d),
                _ => tname.clone(),
            };
            taken.insert(entity, format!("the entity of `{tname}`"));
        }
        for (id, m) in out.metrics.iter().enumerate() {
            for (measure, _) in measures(m) {
                if let Some(what) = taken.get(&measure) {
                    self.err(
                        codes::METRIC_NAME_CLASH,
                        all[id].0.span,
                        format!("metric `{}`'s measure `{measure}` is named like {what}", m.name),
                        "MetricFlow gives entities, dimensions and measures one namespace: rename the metric",
                    );
                } else {
                    taken.insert(measure, format!("the measure of metric `{}`", m.name));
                }
            }
        }
    }
}

/// The table of metric `id` when it is a simple metric not resolved yet (declared later).
fn simple_table(
    c: &mut Ctx,
    all: &[(&Sp<String>, &ast::MetricSpec)],
    id: MetricId,
) -> Option<Table> {
    let m = all.get(id)?.1;
    if m.kind
        .as_ref()
        .is_some_and(|k| k.value != MetricType::Simple)
    {
        return None;
    }
    let name = &m.measure.as_ref()?.value.table;
    let marts = &c.ir.marts;
    if let Some(f) = marts.facts.iter().position(|f| f.name == name.value) {
        return Some(Table::Fact(f));
    }
    if let Some(x) =
        c.ir.metrics
            .models
            .iter()
            .position(|x| x.name == name.value)
    {
        return Some(Table::Model(x));
    }
    marts
        .dimensions
        .iter()
        .position(|d| d.name == name.value)
        .map(Table::Dimension)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_tokenize_or_say_why_not() {
        let t = tokenize(
            "case when Status = 'paid' then total - 1.5 else 0 end",
            true,
        )
        .expect("valid");
        assert_eq!(t[0], Tok::Keyword("case".into()));
        assert_eq!(t[2], Tok::Name("status".into()));
        assert_eq!(t[4], Tok::Lit(Lit::Str("paid".into())));
        assert_eq!(t[8], Tok::Lit(Lit::Num("1.5".into())));
        assert_eq!(
            tokenize("days_between(a, b) != 2", true).expect("valid"),
            vec![
                Tok::DaysBetween("a".into(), "b".into()),
                Tok::Punct("<>".into()),
                Tok::Lit(Lit::Num("2".into())),
            ]
        );
        assert_eq!(
            expr_text(&tokenize("(revenue - cogs) / revenue", false).expect("valid")),
            "(revenue - cogs) / revenue"
        );
        for (bad, columns) in [
            ("sqrt(x)", true),
            ("(a", false),
            ("a)", false),
            ("a = 1", false),
            ("case when a then 1 end", false),
            ("'open", true),
            ("", true),
            ("a; drop", true),
            ("days_between(a)", true),
        ] {
            assert!(tokenize(bad, columns).is_err(), "{bad}");
        }
    }
}
