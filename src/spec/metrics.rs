//! Lowering of a metrics file (`metrics:` at the top): business metrics over the marts'
//! tables. Like the marts, it is lowered by hand from the node tree so that every shape error
//! is located; names (tables, columns, other metrics) are resolved later, by
//! `resolve::metrics`.

use super::ast::*;
use super::lower::{MapReader, boolean, invalid, name_list, opt_string, scalar, shape, string};
use super::yaml::{Node, NodeKind};
use crate::diagnostics::{Diagnostic, did_you_mean};

pub const METRICS_KEYS: &[&str] = &["metrics", "models"];
pub const MODEL_TABLE_KEYS: &[&str] = &["description", "grain", "columns"];
pub const METRIC_KEYS: &[&str] = &[
    "label",
    "description",
    "reference",
    "type",
    "measure",
    "filter",
    "numerator",
    "denominator",
    "expr",
    "grain_to_date",
    "base",
    "conversion",
    "entity",
    "window",
    "by",
];
pub const MEASURE_REF_KEYS: &[&str] = &["table", "expr", "agg", "time", "balance"];
pub const FILTER_KEYS: &[&str] = &["column", "in", "not_in"];
const TYPES: &[&str] = &["simple", "ratio", "derived", "cumulative", "conversion"];

/// Whether a document's root is a metrics file: a mapping with a `metrics` key.
pub fn is_metrics(root: &Node) -> bool {
    matches!(&root.kind, NodeKind::Map(entries)
        if entries.iter().any(|(k, _)| k.as_scalar() == Some("metrics")))
}

/// Lowers a whole metrics file.
pub fn lower_metrics(root: &Node, diags: &mut Vec<Diagnostic>) -> Option<MetricsSpec> {
    let r = MapReader::new(root, "a metrics file", METRICS_KEYS, diags)?;
    let node = r.require("metrics", diags, "start the file with `metrics:`")?;
    let mut metrics = Vec::new();
    match &node.kind {
        NodeKind::Map(items) => {
            for (k, v) in items {
                let name = Sp::new(k.as_scalar().unwrap_or_default().to_string(), k.span);
                if let Some(m) = lower_metric(v, diags) {
                    metrics.push((name, m));
                }
            }
        }
        _ => diags.push(shape(
            node,
            "`metrics` must be a mapping of metric name → metric",
            None,
        )),
    }
    let mut models = Vec::new();
    if let Some(node) = r.get("models") {
        match &node.kind {
            NodeKind::Map(items) => {
                for (k, v) in items {
                    let name = Sp::new(k.as_scalar().unwrap_or_default().to_string(), k.span);
                    if let Some(m) = lower_model_table(v, diags) {
                        models.push((name, m));
                    }
                }
            }
            _ => diags.push(shape(
                node,
                "`models` must be a mapping of model name → table",
                Some("e.g. `models: { ar_aging: { grain: [month_end, bucket], columns: { month_end: date, bucket: string } } }`"),
            )),
        }
    }
    Some(MetricsSpec { metrics, models })
}

/// A table of the analytics folder: `{ description, grain, columns: { name: type } }`.
fn lower_model_table(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<ModelTableSpec> {
    let r = MapReader::new(node, "a model table", MODEL_TABLE_KEYS, diags)?;
    let grain = r
        .require(
            "grain",
            diags,
            "name the columns that identify a row: `grain: [month_end, bucket]`",
        )
        .and_then(|n| name_list(n, "`grain`", diags));
    let columns = r
        .require(
            "columns",
            diags,
            "declare the model's columns: `columns: { month_end: date }`",
        )
        .and_then(|n| match &n.kind {
            NodeKind::Map(items) => Some(
                items
                    .iter()
                    .filter_map(|(k, v)| {
                        let name = Sp::new(k.as_scalar().unwrap_or_default().to_string(), k.span);
                        string(v, "a column's type", diags).map(|t| (name, t))
                    })
                    .collect::<Vec<_>>(),
            ),
            _ => {
                diags.push(shape(
                    n,
                    "`columns` must be a mapping of column name → type",
                    Some("e.g. `columns: { month_end: date, open_balance: \"decimal(18,2)\" }`"),
                ));
                None
            }
        });
    Some(ModelTableSpec {
        description: opt_string(&r, "description", diags),
        grain: grain?,
        columns: columns?,
    })
}

fn lower_metric(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<MetricSpec> {
    let r = MapReader::new(node, "a metric", METRIC_KEYS, diags)?;
    let kind = r.get("type").and_then(|n| {
        let s = string(n, "`type`", diags)?;
        let t = match s.value.as_str() {
            "simple" => MetricType::Simple,
            "ratio" => MetricType::Ratio,
            "derived" => MetricType::Derived,
            "cumulative" => MetricType::Cumulative,
            "conversion" => MetricType::Conversion,
            other => {
                let mut d = invalid(n, format!("unknown metric type `{other}`"), "");
                d.help = did_you_mean(other, TYPES.iter().copied())
                    .or_else(|| Some(format!("use one of {}", TYPES.join(", "))));
                diags.push(d);
                return None;
            }
        };
        Some(Sp::new(t, n.span))
    });
    let filter = match r.get("filter") {
        None => Vec::new(),
        Some(n) => match &n.kind {
            NodeKind::Seq(items) => items
                .iter()
                .filter_map(|i| lower_filter(i, diags).map(|f| Sp::new(f, i.span)))
                .collect(),
            _ => {
                diags.push(shape(n, "`filter` must be a list of conditions", None));
                Vec::new()
            }
        },
    };
    let by = match r.get("by") {
        None => Vec::new(),
        Some(n) => match &n.kind {
            NodeKind::Map(items) => items
                .iter()
                .filter_map(|(k, v)| {
                    let name = Sp::new(k.as_scalar().unwrap_or_default().to_string(), k.span);
                    string(v, "a breakdown's column", diags).map(|c| (name, c))
                })
                .collect(),
            _ => {
                diags.push(shape(
                    n,
                    "`by` must be a mapping of breakdown name → column",
                    Some("e.g. `by: { channel: dim_campaign.channel }`"),
                ));
                Vec::new()
            }
        },
    };
    let measure_of = |key: &str, diags: &mut Vec<Diagnostic>| {
        r.get(key)
            .and_then(|n| lower_measure_ref(n, key, diags).map(|m| Sp::new(m, n.span)))
    };
    let measure = measure_of("measure", diags);
    let base = measure_of("base", diags);
    let conversion = measure_of("conversion", diags);
    Some(MetricSpec {
        label: opt_string(&r, "label", diags),
        description: opt_string(&r, "description", diags),
        reference: opt_string(&r, "reference", diags),
        kind,
        measure,
        filter,
        numerator: opt_string(&r, "numerator", diags),
        denominator: opt_string(&r, "denominator", diags),
        expr: opt_string(&r, "expr", diags),
        grain_to_date: opt_string(&r, "grain_to_date", diags),
        base,
        conversion,
        entity: opt_string(&r, "entity", diags),
        window: opt_string(&r, "window", diags),
        by,
    })
}

/// A measure: `table.column` (a sum) or `{ table, expr, agg, time }`.
fn lower_measure_ref(
    node: &Node,
    key: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<MeasureRefSpec> {
    if let NodeKind::Scalar { text, .. } = &node.kind {
        let Some((table, column)) = text.split_once('.').filter(|_| !node.is_null()) else {
            diags.push(shape(
                node,
                &format!("`{key}` must be `table.column` or a mapping"),
                Some("e.g. `fct_orders.subtotal`, or `{ table: fct_orders, expr: order_id, agg: count }`"),
            ));
            return None;
        };
        return Some(MeasureRefSpec {
            table: Sp::new(table.to_string(), node.span),
            expr: Sp::new(column.to_string(), node.span),
            agg: None,
            time: None,
            balance: None,
        });
    }
    let r = MapReader::new(node, "a measure", MEASURE_REF_KEYS, diags)?;
    let table = r
        .require("table", diags, "name the mart table: `table: fct_orders`")
        .and_then(|n| string(n, "`table`", diags));
    let expr = r
        .require(
            "expr",
            diags,
            "say what is aggregated: a column, or an expression over columns",
        )
        .and_then(|n| string(n, "`expr`", diags));
    Some(MeasureRefSpec {
        table: table?,
        expr: expr?,
        agg: opt_string(&r, "agg", diags),
        time: opt_string(&r, "time", diags),
        balance: r
            .get("balance")
            .and_then(|n| boolean(n, "`balance`", diags).map(|b| Sp::new(b, n.span))),
    })
}

fn lower_filter(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<FilterSpec> {
    let r = MapReader::new(node, "a filter", FILTER_KEYS, diags)?;
    let column = r
        .require("column", diags, "name the column: `column: status`")
        .and_then(|n| string(n, "`column`", diags));
    let values = |key: &str, diags: &mut Vec<Diagnostic>| -> Vec<Sp<Scalar>> {
        match r.get(key) {
            None => Vec::new(),
            Some(n) => match &n.kind {
                NodeKind::Seq(items) => items
                    .iter()
                    .filter_map(|i| scalar(i, &format!("a value of `{key}`"), diags))
                    .collect(),
                _ => scalar(n, &format!("`{key}`"), diags).into_iter().collect(),
            },
        }
    };
    let is_in = values("in", diags);
    let not_in = values("not_in", diags);
    if is_in.is_empty() == not_in.is_empty() {
        diags.push(invalid(
            node,
            "a filter needs exactly one of `in` and `not_in`, with at least one value",
            "e.g. `{ column: status, not_in: [cancelled] }`",
        ));
        return None;
    }
    Some(FilterSpec {
        column: column?,
        is_in,
        not_in,
    })
}
