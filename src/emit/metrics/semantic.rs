//! The MetricFlow semantic layer (dbt's semantic models and metrics, the legacy spec of dbt
//! 1.6–1.11): every fact and entity dimension of the marts becomes a semantic model — a
//! fact's grain its primary entity, its dimension keys foreign entities (named after the
//! dimension's key, so `customer_key` joins `dim_customer`), its dates and timestamps time
//! dimensions at day grain, its other non-measure columns categorical dimensions; a
//! dimension's key its primary entity and its columns dimensions. Each metric's measures are
//! declared on the semantic model of their table (named after the metric), and the metrics
//! follow in declaration order. The time spine is a calendar model over the marts' calendar.

use super::header;
use crate::emit::dbt::yaml_str;
use crate::ir::Ir;
use crate::ir::marts::DimId;
use crate::ir::metrics::*;
use crate::ir::value::format_date;
use std::fmt::Write as _;

/// The time spine model's name (MetricFlow's conventional one).
pub const SPINE: &str = "metricflow_time_spine";

pub fn files(ir: &Ir) -> Vec<super::Artifact> {
    vec![
        super::Artifact {
            path: format!("dbt/models/semantic/{SPINE}.sql"),
            contents: spine_sql(ir),
        },
        super::Artifact {
            path: "dbt/models/semantic/_semantic_models.yml".into(),
            contents: semantic_models(ir),
        },
        super::Artifact {
            path: "dbt/models/semantic/_metrics.yml".into(),
            contents: metrics_yaml(ir),
        },
    ]
}

fn spine_sql(ir: &Ir) -> String {
    let (start, end) = ir.metrics.spine;
    format!(
        "{}{{{{ config(materialized='table') }}}}\n\n-- One row per day of the marts' calendar: MetricFlow's time spine.\nselect date_key as date_day\nfrom (\n{{{{ marts_date_spine('{}', {}) }}}}\n) as days\n",
        header(ir, "--"),
        format_date(start),
        end - start
    )
}

/// A table's entity name in the semantic layer.
fn table_entity(ir: &Ir, table: Table) -> String {
    match table {
        Table::Dimension(d) => entity_name(&ir.marts, d),
        _ => table.name(&ir.marts, &ir.metrics),
    }
}

/// The MetricFlow name of a column a filter or breakdown reads (`entity__column`).
pub fn element(ir: &Ir, table: Table, c: &Col) -> String {
    let entity = match c.via {
        Some(d) => entity_name(&ir.marts, d),
        None => table_entity(ir, table),
    };
    format!("{entity}__{}", c.name)
}

/// A measure's expression in DuckDB's SQL (MetricFlow runs it as written).
pub fn expr_sql(expr: &[Tok], prefix: &str) -> String {
    let mut parts = Vec::new();
    for t in expr {
        parts.push(match t {
            Tok::Name(n) => format!("{prefix}{n}"),
            Tok::Keyword(k) => k.clone(),
            Tok::Lit(l) => l.sql(),
            Tok::Punct(p) => p.clone(),
            Tok::DaysBetween(a, b) => format!("date_diff('day', {prefix}{a}, {prefix}{b})"),
        });
    }
    parts.join(" ")
}

fn semantic_models(ir: &Ir) -> String {
    let marts = &ir.marts;
    let mut s = header(ir, "#");
    let (start, end) = ir.metrics.spine;
    let _ = write!(
        s,
        "version: 2\n\nmodels:\n  - name: {SPINE}\n    description: {}\n    time_spine:\n      standard_granularity_column: date_day\n    columns:\n      - name: date_day\n        granularity: day\n\nsemantic_models:\n",
        yaml_str(&format!(
            "One row per day from {} to {}: the time axis of every metric.",
            format_date(start),
            format_date(end)
        ))
    );
    for t in Table::all(marts, &ir.metrics) {
        semantic_model(ir, t, &mut s);
    }
    s
}

fn semantic_model(ir: &Ir, table: Table, s: &mut String) {
    let marts = &ir.marts;
    let cols = table_columns(ir, table);
    let (name, description) = match table {
        Table::Fact(f) => (&marts.facts[f].name, &marts.facts[f].description),
        Table::Dimension(d) => (&marts.dimensions[d].name, &marts.dimensions[d].description),
        Table::Model(m) => (
            &ir.metrics.models[m].name,
            &ir.metrics.models[m].description,
        ),
    };
    let _ = write!(
        s,
        "  - name: {name}\n    description: {}\n    model: ref('{name}')\n",
        yaml_str(description)
    );
    if let Some(t) = cols.iter().find(|c| c.role == Role::Time) {
        let _ = write!(s, "    defaults:\n      agg_time_dimension: {}\n", t.name);
    }
    s.push_str("    entities:\n");
    let grain = match table {
        Table::Fact(f) => marts.facts[f].grain.len(),
        Table::Model(m) => ir.metrics.models[m].grain,
        Table::Dimension(_) => 1,
    };
    let primary = match table {
        Table::Fact(_) | Table::Model(_) => {
            let grain: Vec<&str> = cols[..grain].iter().map(|c| c.name.as_str()).collect();
            match grain.as_slice() {
                [one] => one.to_string(),
                many => many
                    .iter()
                    .map(|c| format!("cast({c} as varchar)"))
                    .collect::<Vec<_>>()
                    .join(" || '|' || "),
            }
        }
        Table::Dimension(_) => cols[0].name.clone(),
    };
    let _ = write!(
        s,
        "      - name: {}\n        type: primary\n        expr: {}\n",
        table_entity(ir, table),
        yaml_str(&primary)
    );
    let mut seen: Vec<DimId> = Vec::new();
    for c in &cols {
        if let Role::Entity(d) = c.role {
            if seen.contains(&d) {
                continue;
            }
            seen.push(d);
            let _ = write!(
                s,
                "      - name: {}\n        type: foreign\n        expr: {}\n",
                entity_name(marts, d),
                c.name
            );
        }
    }
    let dims: Vec<&SemCol> = cols
        .iter()
        .filter(|c| matches!(c.role, Role::Time | Role::Categorical))
        .collect();
    if !dims.is_empty() {
        s.push_str("    dimensions:\n");
    }
    for c in dims {
        if c.role == Role::Time {
            let _ = write!(
                s,
                "      - name: {}\n        type: time\n        type_params:\n          time_granularity: day\n",
                c.name
            );
        } else {
            let _ = write!(s, "      - name: {}\n        type: categorical\n", c.name);
        }
    }
    let mut first = true;
    for m in &ir.metrics.metrics {
        for (mname, measure) in measures(m) {
            if measure.table != table {
                continue;
            }
            if first {
                s.push_str("    measures:\n");
                first = false;
            }
            let _ = write!(
                s,
                "      - name: {mname}\n        description: {}\n        agg: {}\n        expr: {}\n        agg_time_dimension: {}\n",
                yaml_str(&format!("The measure of metric `{}`.", m.name)),
                measure.agg.as_str(),
                yaml_str(&expr_sql(&measure.expr, "")),
                measure.time
            );
            if measure.balance {
                let _ = write!(
                    s,
                    "        non_additive_dimension:\n          name: {}\n          window_choice: max\n",
                    measure.time
                );
            }
        }
    }
}

/// A measure's filters as a MetricFlow `where` template (`None` without filters).
fn filter_template(ir: &Ir, m: &Measure) -> Option<String> {
    if m.filters.is_empty() {
        return None;
    }
    let conds: Vec<String> = m
        .filters
        .iter()
        .map(|f| {
            let values: Vec<String> = f.values.iter().map(Lit::sql).collect();
            format!(
                "{{{{ Dimension('{}') }}}} {}in ({})",
                element(ir, m.table, &f.column),
                if f.negated { "not " } else { "" },
                values.join(", ")
            )
        })
        .collect();
    Some(conds.join(" and "))
}

/// A YAML double-quoted string that keeps MetricFlow's `{{ … }}` templates.
fn yaml_template(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

fn metrics_yaml(ir: &Ir) -> String {
    let mut s = header(ir, "#");
    s.push_str("version: 2\n\nmetrics:\n");
    let metrics = &ir.metrics.metrics;
    for m in metrics {
        let description = if m.reference.is_empty() {
            m.description.clone()
        } else {
            format!("{} ({})", m.description, m.reference)
        };
        let _ = write!(
            s,
            "  - name: {}\n    label: {}\n    description: {}\n    type: {}\n    type_params:\n",
            m.name,
            yaml_str(&m.label),
            yaml_str(&description),
            m.kind.type_name()
        );
        let mut filter = None;
        match &m.kind {
            MetricKind::Simple(x) => {
                let _ = writeln!(s, "      measure: {}", m.name);
                filter = filter_template(ir, x);
            }
            MetricKind::Ratio {
                numerator,
                denominator,
            } => {
                let _ = write!(
                    s,
                    "      numerator: {}\n      denominator: {}\n",
                    metrics[*numerator].name, metrics[*denominator].name
                );
            }
            MetricKind::Derived { expr, inputs } => {
                let _ = writeln!(s, "      expr: {}", yaml_str(&expr_sql(expr, "")));
                s.push_str("      metrics:\n");
                for i in inputs {
                    let _ = writeln!(s, "        - name: {}", metrics[*i].name);
                }
            }
            MetricKind::Cumulative {
                measure,
                grain_to_date,
            } => {
                let _ = write!(
                    s,
                    "      measure: {}\n      cumulative_type_params:\n        period_agg: last\n",
                    m.name
                );
                if let Some(g) = grain_to_date {
                    let _ = writeln!(s, "        grain_to_date: {}", g.as_str());
                }
                filter = filter_template(ir, measure);
            }
            MetricKind::Conversion {
                entity,
                window_days,
                ..
            } => {
                let _ = write!(
                    s,
                    "      conversion_type_params:\n        base_measure: {0}_base\n        conversion_measure: {0}_conversions\n        entity: {1}\n        window: {2} days\n        calculation: conversion_rate\n",
                    m.name,
                    entity_name(&ir.marts, *entity),
                    window_days
                );
            }
        }
        if let Some(f) = filter {
            let _ = writeln!(s, "    filter: {}", yaml_template(&f));
        }
    }
    s
}
