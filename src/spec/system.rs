//! Lowering of source systems: a domain's `system` (name and default export settings) and an
//! entity's `export` (overrides, batches, code vocabularies). Shapes are checked here; the
//! settings' words (formats, styles, encodings) are checked by the resolver, which knows the
//! attributes they apply to.

use super::ast::*;
use super::lower::{
    MapReader, boolean, invalid, number, opt_string, scalar, shape, string, unsigned,
};
use super::yaml::{Node, NodeKind};
use crate::codes;
use crate::diagnostics::Diagnostic;

/// The keys of the export settings shared by `system` and `export`.
const SETTINGS: &[&str] = &[
    "format",
    "csv",
    "dates",
    "timestamps",
    "utc_offset",
    "decimals",
    "booleans",
];
const SYSTEM_KEYS: &[&str] = &[
    "name",
    "format",
    "csv",
    "dates",
    "timestamps",
    "utc_offset",
    "decimals",
    "booleans",
];
const EXPORT_KEYS: &[&str] = &[
    "format",
    "csv",
    "dates",
    "timestamps",
    "utc_offset",
    "decimals",
    "booleans",
    "batch",
    "codes",
    "columns",
    "identity",
    "duplicates",
    "exact_duplicates",
    "orphans",
    "late",
    "nest",
    "drift",
];
const COLUMN_KEYS: &[&str] = &[
    "dates",
    "timestamps",
    "utc_offset",
    "decimals",
    "booleans",
    "defects",
];
const CSV_KEYS: &[&str] = &[
    "delimiter",
    "quote",
    "escape",
    "header",
    "null_text",
    "encoding",
];

/// Lowers a domain's `system`.
pub fn lower_system(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<Sp<SystemSpec>> {
    let r = MapReader::new(node, "`system`", SYSTEM_KEYS, diags)?;
    let name = r
        .require("name", diags, "name the system, e.g. `name: shop`")
        .and_then(|n| string(n, "`name`", diags));
    let settings = settings(&r, diags);
    Some(Sp::new(
        SystemSpec {
            name: name?,
            settings,
        },
        node.span,
    ))
}

/// Lowers an entity's `export`.
pub fn lower_export(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<Sp<ExportSpec>> {
    let r = MapReader::new(node, "`export`", EXPORT_KEYS, diags)?;
    let own = settings(&r, diags);
    let batch = opt_string(&r, "batch", diags);
    let mut codes = Vec::new();
    if let Some(c) = r.get("codes") {
        match &c.kind {
            NodeKind::Map(items) => {
                for (k, v) in items {
                    let Some(attr) = string(k, "an attribute name", diags) else {
                        continue;
                    };
                    if let Some(map) = vocabulary(v, diags) {
                        codes.push((attr, map));
                    }
                }
            }
            _ => diags.push(shape(
                c,
                "`codes` must map attribute names to vocabularies",
                Some("e.g. `codes: { country: { DE: Germany, FR: France } }`"),
            )),
        }
    }
    let mut columns = Vec::new();
    let mut defects = Vec::new();
    if let Some(c) = r.get("columns") {
        match &c.kind {
            NodeKind::Map(items) => {
                for (k, v) in items {
                    let Some(attr) = string(k, "an attribute name", diags) else {
                        continue;
                    };
                    if let Some(cr) = MapReader::new(v, "a column's styles", COLUMN_KEYS, diags) {
                        if let Some(d) = cr.get("defects").and_then(|d| rates(d, diags)) {
                            defects.push((attr.clone(), d));
                        }
                        columns.push((attr, settings(&cr, diags)));
                    }
                }
            }
            _ => diags.push(shape(
                c,
                "`columns` must map attribute names to styles",
                Some("e.g. `columns: { shipped_on: { dates: YYYYMMDD } }`"),
            )),
        }
    }
    let identity = opt_string(&r, "identity", diags);
    let duplicates = r.get("duplicates").and_then(|n| duplicates(n, diags));
    let exact_duplicates = r.get("exact_duplicates").and_then(|n| rate(n, diags));
    let orphans = r.get("orphans").and_then(|n| rate(n, diags));
    let late = r.get("late").and_then(|n| late(n, diags));
    let nest = r
        .get("nest")
        .map(|n| super::nest::lower_nest(n, diags))
        .unwrap_or_default();
    let drift = r.get("drift").map(|n| drifts(n, diags)).unwrap_or_default();
    Some(Sp::new(
        ExportSpec {
            settings: own,
            batch,
            codes,
            columns,
            defects,
            identity,
            duplicates,
            exact_duplicates,
            orphans,
            late,
            nest,
            drift,
        },
        node.span,
    ))
}

/// The keys of a retyped column: the styles only.
const RETYPE_KEYS: &[&str] = &["dates", "timestamps", "utc_offset", "decimals", "booleans"];

/// `drift: [{ from: DATE, rename | add | retype: … }, …]`.
fn drifts(node: &Node, diags: &mut Vec<Diagnostic>) -> Vec<Sp<DriftSpec>> {
    let NodeKind::Seq(items) = &node.kind else {
        diags.push(shape(
            node,
            "`drift` must be a list of schema changes",
            Some("e.g. `drift: [{ from: 2025-07-01, rename: { total: order_total } }]`"),
        ));
        return Vec::new();
    };
    items.iter().filter_map(|n| drift(n, diags)).collect()
}

fn drift(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<Sp<DriftSpec>> {
    let r = MapReader::new(node, "a drift", &["from", "rename", "add", "retype"], diags)?;
    let from = r
        .require(
            "from",
            diags,
            "the first batch date the change holds for, e.g. `from: 2025-07-01`",
        )
        .and_then(|n| string(n, "`from`", diags));
    let given: Vec<&str> = ["rename", "add", "retype"]
        .into_iter()
        .filter(|k| r.get(k).is_some())
        .collect();
    if given.len() != 1 {
        diags.push(
            Diagnostic::error(
                if given.is_empty() {
                    codes::MISSING_KEY
                } else {
                    codes::CONFLICT
                },
                Some(node.span),
                format!(
                    "a drift changes one thing, found {}",
                    if given.is_empty() {
                        "none".to_string()
                    } else {
                        given.join(" and ")
                    }
                ),
            )
            .with_help(
                "give exactly one of `rename`, `add` or `retype`, each in its own list item",
            ),
        );
        return None;
    }
    let change = if let Some(n) = r.get("rename") {
        DriftChange::Rename(pairs(n, "`rename`", diags, |v, d| {
            string(v, "a column name", d)
        })?)
    } else if let Some(n) = r.get("add") {
        DriftChange::Add(names(n, diags)?)
    } else {
        let n = r.get("retype")?;
        DriftChange::Retype(pairs(n, "`retype`", diags, |v, d| {
            MapReader::new(v, "a retyped column's styles", RETYPE_KEYS, d)
                .map(|cr| settings(&cr, d))
        })?)
    };
    Some(Sp::new(
        DriftSpec {
            from: from?,
            change,
        },
        node.span,
    ))
}

/// A non-empty mapping of attribute names to values read by `value`.
fn pairs<T>(
    node: &Node,
    what: &str,
    diags: &mut Vec<Diagnostic>,
    value: impl Fn(&Node, &mut Vec<Diagnostic>) -> Option<T>,
) -> Option<Vec<(Sp<String>, T)>> {
    match &node.kind {
        NodeKind::Map(items) if !items.is_empty() => Some(
            items
                .iter()
                .filter_map(|(k, v)| {
                    Some((string(k, "an attribute name", diags)?, value(v, diags)?))
                })
                .collect(),
        ),
        _ => {
            diags.push(shape(
                node,
                &format!("{what} must map attribute names to their change"),
                Some("e.g. `rename: { total: order_total }` or `retype: { amount: { decimals: minor_units } }`"),
            ));
            None
        }
    }
}

/// An attribute name or a non-empty list of names.
fn names(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<Vec<Sp<String>>> {
    match &node.kind {
        NodeKind::Seq(items) if !items.is_empty() => Some(
            items
                .iter()
                .filter_map(|n| string(n, "an attribute name", diags))
                .collect(),
        ),
        NodeKind::Scalar { .. } => string(node, "an attribute name", diags).map(|s| vec![s]),
        _ => {
            diags.push(shape(
                node,
                "`add` must name an attribute or list attributes",
                Some("e.g. `add: gift_note` or `add: [gift_note, channel]`"),
            ));
            None
        }
    }
}

/// A share in [0, 1] (the range is checked by the resolver, which names the setting).
fn rate(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<Sp<f64>> {
    number(node, "a rate", diags).map(|x| Sp::new(x, node.span))
}

/// `{ kind: rate, … }`.
fn rates(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<Rates> {
    let NodeKind::Map(items) = &node.kind else {
        diags.push(shape(
            node,
            "defects must map defect kinds to rates",
            Some(
                "e.g. `defects: { typo_substitute: 0.01, missing: 0.02 }` (kinds: docs/defects.md)",
            ),
        ));
        return None;
    };
    let mut out = Vec::new();
    for (k, v) in items {
        if let (Some(kind), Some(r)) = (string(k, "a defect kind", diags), rate(v, diags)) {
            out.push((kind, r));
        }
    }
    Some(out)
}

fn duplicates(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<Sp<DuplicatesSpec>> {
    let r = MapReader::new(node, "`duplicates`", &["rate", "max", "noise"], diags)?;
    let rate = r
        .require(
            "rate",
            diags,
            "the share of records registered twice, e.g. `rate: 0.03`",
        )
        .and_then(|n| rate(n, diags));
    let max = r
        .get("max")
        .and_then(|n| unsigned(n, "`max`", diags).map(|m| Sp::new(m, n.span)));
    let mut noise = Vec::new();
    if let Some(n) = r.get("noise") {
        match &n.kind {
            NodeKind::Map(items) => {
                for (k, v) in items {
                    if let (Some(attr), Some(x)) =
                        (string(k, "an attribute name", diags), rates(v, diags))
                    {
                        noise.push((attr, x));
                    }
                }
            }
            _ => diags.push(shape(
                n,
                "`noise` must map attribute names to defect rates",
                Some("e.g. `noise: { email: { case: 0.4 } }`"),
            )),
        }
    }
    Some(Sp::new(
        DuplicatesSpec {
            rate: rate?,
            max,
            noise,
        },
        node.span,
    ))
}

fn late(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<Sp<LateSpec>> {
    let r = MapReader::new(node, "`late`", &["rate", "days"], diags)?;
    let rate = r
        .require(
            "rate",
            diags,
            "the share of rows exported late, e.g. `rate: 0.02`",
        )
        .and_then(|n| rate(n, diags));
    let days = r
        .get("days")
        .and_then(|n| unsigned(n, "`days`", diags).map(|m| Sp::new(m, n.span)));
    Some(Sp::new(LateSpec { rate: rate?, days }, node.span))
}

fn vocabulary(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<Vocabulary> {
    let NodeKind::Map(items) = &node.kind else {
        diags.push(shape(
            node,
            "a vocabulary must map values to the system's codes",
            Some("e.g. `{ DE: Germany, FR: France }`"),
        ));
        return None;
    };
    if items.is_empty() {
        diags.push(invalid(
            node,
            "the vocabulary is empty",
            "map every value of the attribute to the system's code",
        ));
        return None;
    }
    let mut out = Vec::new();
    for (k, v) in items {
        let key = scalar(k, "a value", diags);
        let code = string(v, "a code", diags);
        if let (Some(k), Some(c)) = (key, code) {
            out.push((k, c));
        }
    }
    Some(out)
}

fn settings(r: &MapReader, diags: &mut Vec<Diagnostic>) -> ExportSettings {
    debug_assert!(SETTINGS.iter().all(|k| SYSTEM_KEYS.contains(k)));
    ExportSettings {
        format: opt_string(r, "format", diags),
        csv: r.get("csv").and_then(|n| csv(n, diags)),
        dates: opt_string(r, "dates", diags),
        timestamps: opt_string(r, "timestamps", diags),
        utc_offset: opt_string(r, "utc_offset", diags),
        decimals: opt_string(r, "decimals", diags),
        booleans: opt_string(r, "booleans", diags),
    }
}

fn csv(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<Sp<CsvSpec>> {
    let r = MapReader::new(node, "`csv`", CSV_KEYS, diags)?;
    let header = r.get("header").and_then(|n| {
        let b = boolean(n, "`header`", diags)?;
        Some(Sp::new(b, n.span))
    });
    // An empty null token is written as `null_text: ""`; a plain YAML null means the same.
    let null_text = r.get("null_text").map(|n| match &n.kind {
        NodeKind::Scalar { text, .. } if !n.is_null() => Sp::new(text.clone(), n.span),
        _ => Sp::new(String::new(), n.span),
    });
    Some(Sp::new(
        CsvSpec {
            delimiter: opt_string(&r, "delimiter", diags),
            quote: opt_string(&r, "quote", diags),
            escape: opt_string(&r, "escape", diags),
            header,
            null_text,
            encoding: opt_string(&r, "encoding", diags),
        },
        node.span,
    ))
}
