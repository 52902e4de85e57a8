//! The resolved metrics: each one an aggregation of a measure over a mart table, or a
//! combination of other metrics (ratio, derived expression, cumulative, conversion). Built by
//! `resolve::metrics` after the marts, read by the metrics emitter (the MetricFlow semantic
//! layer and one SQL model per metric) and dumped by `lab check --dump-ir`.

use super::Type;
use super::marts::{DimId, FactId, Marts};
use std::fmt::Write as _;

pub type MetricId = usize;

/// Every metric, in declaration order. Empty without a metrics file.
#[derive(Clone, Debug, Default)]
pub struct Metrics {
    pub metrics: Vec<Metric>,
    /// The metrics file, e.g. `specs/metrics.yaml` (empty without one).
    pub file: String,
    /// The time spine's first and last day (days since 1970-01-01): the marts' calendar.
    pub spine: (i32, i32),
    /// The tables of the analytics folder the metrics file declares (`models:`).
    pub models: Vec<ModelTable>,
}

pub type ModelId = usize;

/// A table an analytics model builds, declared in the metrics file: measured like a fact,
/// with no references to the marts' dimensions.
#[derive(Clone, Debug)]
pub struct ModelTable {
    pub name: String,
    pub description: String,
    /// How many of the first `columns` identify a row (the grain comes first).
    pub grain: usize,
    /// The columns, the grain first, then in declaration order.
    pub columns: Vec<(String, Type)>,
}

#[derive(Clone, Debug)]
pub struct Metric {
    pub name: String,
    pub label: String,
    pub description: String,
    pub reference: String,
    pub kind: MetricKind,
    /// Breakdowns: each is a second view, `metric_<name>__by_<breakdown>`.
    pub by: Vec<Breakdown>,
}

#[derive(Clone, Debug)]
pub enum MetricKind {
    Simple(Measure),
    Ratio {
        numerator: MetricId,
        denominator: MetricId,
    },
    /// An expression whose names are the input metrics.
    Derived {
        expr: Vec<Tok>,
        inputs: Vec<MetricId>,
    },
    Cumulative {
        measure: Measure,
        grain_to_date: Option<Grain>,
    },
    Conversion {
        base: Measure,
        conversion: Measure,
        /// The dimension whose member a base row and its conversion share.
        entity: DimId,
        window_days: u32,
    },
}

impl MetricKind {
    pub fn type_name(&self) -> &'static str {
        match self {
            MetricKind::Simple(_) => "simple",
            MetricKind::Ratio { .. } => "ratio",
            MetricKind::Derived { .. } => "derived",
            MetricKind::Cumulative { .. } => "cumulative",
            MetricKind::Conversion { .. } => "conversion",
        }
    }
}

/// The period a cumulative metric restarts at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grain {
    Month,
    Quarter,
    Year,
}

impl Grain {
    pub fn as_str(self) -> &'static str {
        match self {
            Grain::Month => "month",
            Grain::Quarter => "quarter",
            Grain::Year => "year",
        }
    }
}

/// A gold table a measure aggregates over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    Fact(FactId),
    Dimension(DimId),
    /// A table of the analytics folder (`Metrics::models`).
    Model(ModelId),
}

impl Table {
    /// Every table of the semantic layer, in order: the facts, the dimensions built from a
    /// source (not the generated date dimension), then the analytics models.
    pub fn all(marts: &Marts, metrics: &Metrics) -> impl Iterator<Item = Table> {
        (0..marts.facts.len())
            .map(Table::Fact)
            .chain(
                (0..marts.dimensions.len())
                    .filter(|&d| marts.dimensions[d].source().is_some())
                    .map(Table::Dimension),
            )
            .chain((0..metrics.models.len()).map(Table::Model))
    }

    pub fn name(self, marts: &Marts, metrics: &Metrics) -> String {
        match self {
            Table::Fact(f) => marts.facts[f].name.clone(),
            Table::Dimension(d) => marts.dimensions[d].name.clone(),
            Table::Model(m) => metrics.models[m].name.clone(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Agg {
    Sum,
    Count,
    CountDistinct,
    Average,
    Min,
    Max,
}

impl Agg {
    pub const NAMES: &[&str] = &["sum", "count", "count_distinct", "average", "min", "max"];

    pub fn parse(s: &str) -> Option<Agg> {
        Some(match s {
            "sum" => Agg::Sum,
            "count" => Agg::Count,
            "count_distinct" => Agg::CountDistinct,
            "average" => Agg::Average,
            "min" => Agg::Min,
            "max" => Agg::Max,
            _ => return None,
        })
    }
    /// MetricFlow's name of the aggregation.
    pub fn as_str(self) -> &'static str {
        match self {
            Agg::Sum => "sum",
            Agg::Count => "count",
            Agg::CountDistinct => "count_distinct",
            Agg::Average => "average",
            Agg::Min => "min",
            Agg::Max => "max",
        }
    }
    /// Whether the aggregation needs a numeric expression.
    pub fn numeric(self) -> bool {
        matches!(self, Agg::Sum | Agg::Average)
    }
}

/// An aggregation of an expression over the rows of a gold table that pass the filters,
/// counted at the date or timestamp column `time`.
#[derive(Clone, Debug)]
pub struct Measure {
    pub table: Table,
    pub agg: Agg,
    /// The expression over the table's columns.
    pub expr: Vec<Tok>,
    pub time: String,
    pub filters: Vec<Filter>,
    /// A balance: a period's value is the rows at its last time with rows (semi-additive).
    pub balance: bool,
}

/// A column a filter or a breakdown reads: one of the measure's table (`via` none) or of a
/// dimension the measure's fact references.
#[derive(Clone, Debug, PartialEq)]
pub struct Col {
    pub via: Option<DimId>,
    pub name: String,
    pub ty: Type,
}

#[derive(Clone, Debug)]
pub struct Filter {
    pub column: Col,
    /// True for `not_in`.
    pub negated: bool,
    pub values: Vec<Lit>,
}

/// A literal of a filter or an expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Lit {
    Str(String),
    Num(String),
    Bool(bool),
}

impl Lit {
    /// The literal in SQL.
    pub fn sql(&self) -> String {
        match self {
            Lit::Str(s) => format!("'{}'", s.replace('\'', "''")),
            Lit::Num(n) => n.clone(),
            Lit::Bool(b) => b.to_string(),
        }
    }
}

/// A breakdown: the metric grouped by a column as well as by month (a date or timestamp
/// column by its month).
#[derive(Clone, Debug)]
pub struct Breakdown {
    pub name: String,
    pub column: Col,
}

/// A token of a measure's or a derived metric's expression. Names are columns of the
/// measure's table, or metrics in a derived metric's expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    Name(String),
    Lit(Lit),
    /// An SQL keyword (`case`, `when`, `and`, `null` …), lower case.
    Keyword(String),
    /// An operator or punctuation: `+ - * / ( ) , = <> < <= > >=`.
    Punct(String),
    /// `days_between(a, b)`: whole days from column `a` to column `b`.
    DaysBetween(String, String),
}

/// The expression as written, normalised (for the dump and the documentation).
pub fn expr_text(expr: &[Tok]) -> String {
    let mut out = String::new();
    for t in expr {
        let piece = match t {
            Tok::Name(n) | Tok::Keyword(n) => n.clone(),
            Tok::Lit(l) => l.sql(),
            Tok::Punct(p) => p.clone(),
            Tok::DaysBetween(a, b) => format!("days_between({a}, {b})"),
        };
        let glue = matches!(t, Tok::Punct(p) if p == ")" || p == ",")
            || out.ends_with('(')
            || out.is_empty();
        if !glue {
            out.push(' ');
        }
        out.push_str(&piece);
    }
    out
}

/// The readable dump of the metrics (part of `lab check --dump-ir`).
pub fn dump(marts: &Marts, metrics: &Metrics) -> String {
    let mut out = String::new();
    for t in &metrics.models {
        let cols: Vec<String> = t
            .columns
            .iter()
            .map(|(c, ty)| format!("{c} {}", ty.spec_name()))
            .collect();
        let _ = writeln!(
            out,
            "model table {} (grain {}): {}",
            t.name,
            t.grain,
            cols.join(", ")
        );
    }
    let name = |m: MetricId| metrics.metrics[m].name.as_str();
    for m in &metrics.metrics {
        let _ = write!(out, "metric {} [{}]", m.name, m.kind.type_name());
        match &m.kind {
            MetricKind::Simple(x) => {
                let _ = write!(out, " = {}", measure_text(marts, metrics, x));
            }
            MetricKind::Ratio {
                numerator,
                denominator,
            } => {
                let _ = write!(out, " = {} / {}", name(*numerator), name(*denominator));
            }
            MetricKind::Derived { expr, .. } => {
                let _ = write!(out, " = {}", expr_text(expr));
            }
            MetricKind::Cumulative {
                measure,
                grain_to_date,
            } => {
                let _ = write!(
                    out,
                    " = {} since {}",
                    measure_text(marts, metrics, measure),
                    grain_to_date.map_or("the start", |g| g.as_str())
                );
            }
            MetricKind::Conversion {
                base,
                conversion,
                entity,
                window_days,
            } => {
                let _ = write!(
                    out,
                    " = {} then {} by {} within {window_days} days",
                    measure_text(marts, metrics, base),
                    measure_text(marts, metrics, conversion),
                    marts.dimensions[*entity].name
                );
            }
        }
        out.push('\n');
        for b in &m.by {
            let _ = writeln!(out, "  by {} = {}", b.name, col_text(marts, &b.column));
        }
    }
    out
}

/// A column as `dim_x.column` or `column`.
pub fn col_text(marts: &Marts, c: &Col) -> String {
    match c.via {
        Some(d) => format!("{}.{}", marts.dimensions[d].name, c.name),
        None => c.name.clone(),
    }
}

fn measure_text(marts: &Marts, metrics: &Metrics, m: &Measure) -> String {
    let mut s = format!(
        "{}({}) of {} at {}{}",
        m.agg.as_str(),
        expr_text(&m.expr),
        m.table.name(marts, metrics),
        m.time,
        if m.balance { " (balance)" } else { "" }
    );
    for f in &m.filters {
        let values: Vec<String> = f.values.iter().map(Lit::sql).collect();
        let _ = write!(
            s,
            " where {} {}in ({})",
            col_text(marts, &f.column),
            if f.negated { "not " } else { "" },
            values.join(", ")
        );
    }
    s
}

/// What a column of a gold table is in the semantic layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The key of an entity dimension (its primary entity).
    Key,
    /// A fact's reference to an entity dimension (a foreign entity).
    Entity(DimId),
    /// A date or timestamp (a time dimension, day grain).
    Time,
    /// Any other column a query may group or filter by.
    Categorical,
    /// A fact's measure column (aggregated, never grouped by).
    Measure,
}

/// A column of a gold table with its role in the semantic layer.
#[derive(Clone, Debug)]
pub struct SemCol {
    pub name: String,
    pub ty: Type,
    pub role: Role,
}

/// The columns of a gold table, in the table's order, with their roles.
pub fn table_columns(ir: &super::Ir, table: Table) -> Vec<SemCol> {
    let marts = &ir.marts;
    let kind = |ty: Type| {
        if ty.is_temporal() {
            Role::Time
        } else {
            Role::Categorical
        }
    };
    match table {
        Table::Fact(f) => {
            let fact = &marts.facts[f];
            let cols = fact.columns(ir, marts);
            let grain = fact.grain.len();
            let dims = fact.dimensions.len();
            let measures = cols.len() - fact.measures.len();
            cols.into_iter()
                .enumerate()
                .map(|(i, c)| {
                    let role = if i >= grain && i < grain + dims {
                        let d = fact.dimensions[i - grain].dimension;
                        match marts.dimensions[d].source() {
                            Some(_) => Role::Entity(d),
                            None => Role::Time,
                        }
                    } else if i >= measures {
                        Role::Measure
                    } else {
                        kind(c.ty)
                    };
                    SemCol {
                        name: c.name,
                        ty: c.ty,
                        role,
                    }
                })
                .collect()
        }
        Table::Dimension(d) => marts.dimensions[d]
            .columns(ir)
            .into_iter()
            .enumerate()
            .map(|(i, c)| SemCol {
                role: if i == 0 { Role::Key } else { kind(c.ty) },
                name: c.name,
                ty: c.ty,
            })
            .collect(),
        Table::Model(m) => {
            let model = &ir.metrics.models[m];
            model
                .columns
                .iter()
                .enumerate()
                .map(|(i, (name, ty))| SemCol {
                    name: name.clone(),
                    ty: *ty,
                    role: if i >= model.grain && ty.is_numeric() {
                        Role::Measure
                    } else {
                        kind(*ty)
                    },
                })
                .collect()
        }
    }
}

/// The entity name of an entity dimension in the semantic layer: its key without `_key`
/// (`dim_customer` → `customer`).
pub fn entity_name(marts: &Marts, d: DimId) -> String {
    let key = &marts.dimensions[d].key;
    key.strip_suffix("_key").unwrap_or(key).to_string()
}

/// The MetricFlow measures of a metric: (name, measure), named after the metric.
pub fn measures(metric: &Metric) -> Vec<(String, &Measure)> {
    match &metric.kind {
        MetricKind::Simple(m) | MetricKind::Cumulative { measure: m, .. } => {
            vec![(metric.name.clone(), m)]
        }
        MetricKind::Conversion {
            base, conversion, ..
        } => vec![
            (format!("{}_base", metric.name), base),
            (format!("{}_conversions", metric.name), conversion),
        ],
        MetricKind::Ratio { .. } | MetricKind::Derived { .. } => Vec::new(),
    }
}
