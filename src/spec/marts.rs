//! Lowering of a marts file (`marts:` at the top instead of `domain:`): star schemas of facts
//! and dimensions over the domains' entities. Like the domain specs, it is lowered by hand
//! from the node tree so that every shape error is located; names are resolved later, by
//! `resolve::marts`.

use super::ast::*;
use super::lower::{MapReader, invalid, name_list, opt_string, shape, string, unsigned};
use super::yaml::{Node, NodeKind};
use crate::codes;
use crate::diagnostics::{Diagnostic, did_you_mean};

pub const MARTS_KEYS: &[&str] = &["marts"];
pub const MART_KEYS: &[&str] = &["description", "dimensions", "facts"];
pub const DIMENSION_KEYS: &[&str] = &[
    "description",
    "source",
    "key",
    "scd",
    "columns",
    "conformed",
    "generated",
    "start",
    "end",
];
pub const CONFORMED_KEYS: &[&str] = &["entity", "on", "columns"];
pub const FACT_KEYS: &[&str] = &[
    "description",
    "source",
    "grain",
    "join",
    "dimensions",
    "degenerate",
    "measures",
    "reconcile_by",
];
pub const DIMENSION_REF_KEYS: &[&str] = &["dimension", "column", "as"];
pub const MEASURE_KEYS: &[&str] = &["description", "column", "additivity"];

/// Whether a document's root is a marts file: a mapping with a `marts` key.
pub fn is_marts(root: &Node) -> bool {
    matches!(&root.kind, NodeKind::Map(entries)
        if entries.iter().any(|(k, _)| k.as_scalar() == Some("marts")))
}

/// Lowers a whole marts file.
pub fn lower_marts(root: &Node, diags: &mut Vec<Diagnostic>) -> Option<MartsSpec> {
    let r = MapReader::new(root, "a marts file", MARTS_KEYS, diags)?;
    let node = r.require("marts", diags, "start the file with `marts:`")?;
    let marts = named_map(
        node,
        "`marts`",
        "a mapping of mart name → mart",
        diags,
        lower_mart,
    );
    Some(MartsSpec { marts })
}

/// Lowers a mapping of name → item, skipping items that do not lower.
fn named_map<T>(
    node: &Node,
    what: &str,
    expected: &str,
    diags: &mut Vec<Diagnostic>,
    lower: impl Fn(&Node, &mut Vec<Diagnostic>) -> Option<T>,
) -> Vec<(Sp<String>, T)> {
    let mut out = Vec::new();
    match &node.kind {
        NodeKind::Map(items) => {
            for (k, v) in items {
                let name = Sp::new(k.as_scalar().unwrap_or_default().to_string(), k.span);
                if let Some(item) = lower(v, diags) {
                    out.push((name, item));
                }
            }
        }
        _ => diags.push(shape(node, &format!("{what} must be {expected}"), None)),
    }
    out
}

/// Lowers a list of names (a single name counts as a list of one).
fn names(node: Option<&Node>, what: &str, diags: &mut Vec<Diagnostic>) -> Vec<Sp<String>> {
    node.and_then(|n| name_list(n, what, diags))
        .map(|l| l.value)
        .unwrap_or_default()
}

/// Lowers a list of mappings.
fn list<T>(
    node: Option<&Node>,
    what: &str,
    diags: &mut Vec<Diagnostic>,
    lower: impl Fn(&Node, &mut Vec<Diagnostic>) -> Option<T>,
) -> Vec<Sp<T>> {
    let Some(node) = node else {
        return Vec::new();
    };
    match &node.kind {
        NodeKind::Seq(items) => items
            .iter()
            .filter_map(|i| lower(i, diags).map(|v| Sp::new(v, i.span)))
            .collect(),
        _ => {
            diags.push(shape(node, &format!("{what} must be a list"), None));
            Vec::new()
        }
    }
}

fn lower_mart(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<MartSpec> {
    let r = MapReader::new(node, "a mart", MART_KEYS, diags)?;
    let dimensions = r.get("dimensions").map_or_else(Vec::new, |n| {
        named_map(
            n,
            "`dimensions`",
            "a mapping of dimension name → dimension",
            diags,
            lower_dimension,
        )
    });
    let facts = r.get("facts").map_or_else(Vec::new, |n| {
        named_map(
            n,
            "`facts`",
            "a mapping of fact name → fact",
            diags,
            lower_fact,
        )
    });
    if r.get("dimensions").is_none() && r.get("facts").is_none() {
        diags.push(
            Diagnostic::error(
                codes::MISSING_KEY,
                Some(r.span),
                "the mart declares neither `dimensions` nor `facts`",
            )
            .with_help("add `facts:` (and the `dimensions:` they reference)"),
        );
    }
    Some(MartSpec {
        description: opt_string(&r, "description", diags),
        dimensions,
        facts,
    })
}

fn lower_dimension(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<DimensionSpec> {
    let r = MapReader::new(node, "a dimension", DIMENSION_KEYS, diags)?;
    let scd = r
        .get("scd")
        .and_then(|n| unsigned(n, "`scd`", diags).map(|v| Sp::new(v, n.span)));
    let conformed = list(r.get("conformed"), "`conformed`", diags, lower_conformed);
    Some(DimensionSpec {
        description: opt_string(&r, "description", diags),
        source: opt_string(&r, "source", diags),
        key: opt_string(&r, "key", diags),
        scd,
        columns: names(r.get("columns"), "`columns`", diags),
        conformed,
        generated: opt_string(&r, "generated", diags),
        start: opt_string(&r, "start", diags),
        end: opt_string(&r, "end", diags),
    })
}

fn lower_conformed(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<ConformedSpec> {
    let r = MapReader::new(node, "a conformed entity", CONFORMED_KEYS, diags)?;
    let entity = r
        .require("entity", diags, "name the entity: `entity: domain.entity`")
        .and_then(|n| string(n, "`entity`", diags));
    let on = r
        .require(
            "on",
            diags,
            "name its attribute that refers to the dimension's key: `on: customer_id`",
        )
        .and_then(|n| string(n, "`on`", diags));
    let columns = names(r.get("columns"), "`columns`", diags);
    Some(ConformedSpec {
        entity: entity?,
        on: on?,
        columns,
    })
}

fn lower_fact(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<FactSpec> {
    let r = MapReader::new(node, "a fact", FACT_KEYS, diags)?;
    let source = r
        .require(
            "source",
            diags,
            "name the entity whose rows the fact's rows are: `source: domain.entity`",
        )
        .and_then(|n| string(n, "`source`", diags));
    let grain = r
        .require(
            "grain",
            diags,
            "name the attributes that identify a row: `grain: [order_id, line_no]`",
        )
        .and_then(|n| name_list(n, "`grain`", diags));
    let dimensions = list(
        r.get("dimensions"),
        "`dimensions`",
        diags,
        lower_dimension_ref,
    );
    let measures = r.get("measures").map_or_else(Vec::new, |n| {
        named_map(
            n,
            "`measures`",
            "a mapping of measure name → measure",
            diags,
            lower_measure,
        )
    });
    Some(FactSpec {
        description: opt_string(&r, "description", diags),
        source: source?,
        grain: grain?,
        join: names(r.get("join"), "`join`", diags),
        dimensions,
        degenerate: names(r.get("degenerate"), "`degenerate`", diags),
        measures,
        reconcile_by: names(r.get("reconcile_by"), "`reconcile_by`", diags),
    })
}

fn lower_dimension_ref(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<DimensionRefSpec> {
    let r = MapReader::new(node, "a dimension reference", DIMENSION_REF_KEYS, diags)?;
    let dimension = r
        .require(
            "dimension",
            diags,
            "name the dimension: `dimension: dim_customer`",
        )
        .and_then(|n| string(n, "`dimension`", diags));
    let column = r
        .require(
            "column",
            diags,
            "name the attribute that holds its key: `column: customer_id`",
        )
        .and_then(|n| string(n, "`column`", diags));
    Some(DimensionRefSpec {
        dimension: dimension?,
        column: column?,
        alias: opt_string(&r, "as", diags),
    })
}

fn lower_measure(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<MeasureSpec> {
    let r = MapReader::new(node, "a measure", MEASURE_KEYS, diags)?;
    let additivity = r
        .require(
            "additivity",
            diags,
            "say how it adds up: `additivity: additive`, `semi_additive` or `non_additive`",
        )
        .and_then(|n| {
            let s = string(n, "`additivity`", diags)?;
            let a = match s.value.as_str() {
                "additive" => Additivity::Additive,
                "semi_additive" => Additivity::SemiAdditive,
                "non_additive" => Additivity::NonAdditive,
                other => {
                    let mut d = invalid(n, format!("unknown additivity `{other}`"), "");
                    d.help = did_you_mean(other, ["additive", "semi_additive", "non_additive"])
                        .or_else(|| Some("use additive, semi_additive or non_additive".into()));
                    diags.push(d);
                    return None;
                }
            };
            Some(Sp::new(a, n.span))
        });
    Some(MeasureSpec {
        description: opt_string(&r, "description", diags),
        column: opt_string(&r, "column", diags),
        additivity: additivity?,
    })
}
