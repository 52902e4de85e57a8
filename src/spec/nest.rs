//! Lowering of an entity's `export.nest`: the nested fields of a JSON Lines export. Each field
//! is a mapping with exactly one of `record` (a list of columns, or a mapping of key → column
//! or `{record: …}`), `params` (a list of columns, or a mapping of key → column) and `array` (a
//! list of columns). Shapes are checked here; names, types and collisions by the resolver.

use super::ast::*;
use super::lower::{MapReader, invalid, shape, string};
use super::yaml::{Node, NodeKind};
use crate::diagnostics::Diagnostic;

const FIELD_KEYS: &[&str] = &["record", "params", "array"];
const RECORD_KEYS: &[&str] = &["record"];

/// Lowers `nest`: field name → nested field, in the order written.
pub fn lower_nest(node: &Node, diags: &mut Vec<Diagnostic>) -> Vec<(Sp<String>, Sp<NestSpec>)> {
    let NodeKind::Map(items) = &node.kind else {
        diags.push(shape(
            node,
            "`nest` must map field names to nested fields",
            Some("e.g. `nest: { device: { record: [device_category, device_os] } }`"),
        ));
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in items {
        let Some(name) = string(k, "a field name", diags) else {
            continue;
        };
        if let Some(field) = field(v, diags) {
            out.push((name, Sp::new(field, v.span)));
        }
    }
    out
}

fn field(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<NestSpec> {
    let r = MapReader::new(node, "a nested field", FIELD_KEYS, diags)?;
    let given: Vec<&str> = FIELD_KEYS
        .iter()
        .copied()
        .filter(|k| r.get(k).is_some())
        .collect();
    if given.len() != 1 {
        diags.push(invalid(
            node,
            format!(
                "a nested field takes exactly one of `record`, `params`, `array`; found {}",
                if given.is_empty() {
                    "none".to_string()
                } else {
                    given.join(", ")
                }
            ),
            "e.g. `{ record: [device_category, device_os] }` or `{ params: [page_title] }`",
        ));
        return None;
    }
    let body = r.get(given[0])?;
    match given[0] {
        "record" => members(body, true, diags).map(NestSpec::Record),
        "params" => members(body, false, diags).map(NestSpec::Params),
        _ => columns(body, diags).map(NestSpec::Array),
    }
}

/// A list of column names, at least one.
fn columns(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<Vec<Sp<String>>> {
    let NodeKind::Seq(items) = &node.kind else {
        diags.push(shape(
            node,
            "an `array` must list column names",
            Some("e.g. `array: [tag_1, tag_2, tag_3]`"),
        ));
        return None;
    };
    if items.is_empty() {
        diags.push(invalid(
            node,
            "the list of columns is empty",
            "list the exported columns the field holds",
        ));
        return None;
    }
    let names: Vec<Sp<String>> = items
        .iter()
        .filter_map(|n| string(n, "a column name", diags))
        .collect();
    (names.len() == items.len()).then_some(names)
}

/// The members of a record (`records`: a mapping value may be `{record: …}`) or of a
/// parameter array.
fn members(node: &Node, records: bool, diags: &mut Vec<Diagnostic>) -> Option<Vec<NestMember>> {
    match &node.kind {
        NodeKind::Seq(_) => Some(
            columns(node, diags)?
                .into_iter()
                .map(|c| NestMember {
                    key: None,
                    value: NestValue::Column(c),
                })
                .collect(),
        ),
        NodeKind::Map(items) if !items.is_empty() => {
            let mut out = Vec::new();
            let mut ok = true;
            for (k, v) in items {
                let key = string(k, "a key", diags);
                let value = match &v.kind {
                    NodeKind::Map(_) if records => {
                        let inner =
                            match MapReader::new(v, "a record inside a record", RECORD_KEYS, diags)
                            {
                                None => None,
                                Some(r) => match r.get("record") {
                                    Some(b) => members(b, true, diags),
                                    None => {
                                        diags.push(invalid(
                                            v,
                                            "a record inside a record needs its `record`",
                                            "e.g. `{ record: [geo_city, geo_country] }`",
                                        ));
                                        None
                                    }
                                },
                            };
                        inner.map(|m| NestValue::Record(Sp::new(m, v.span)))
                    }
                    _ => string(v, "a column name", diags).map(NestValue::Column),
                };
                match (key, value) {
                    (Some(k), Some(value)) => out.push(NestMember {
                        key: Some(k),
                        value,
                    }),
                    _ => ok = false,
                }
            }
            ok.then_some(out)
        }
        NodeKind::Map(_) => {
            diags.push(invalid(
                node,
                "the mapping of keys to columns is empty",
                "map each key to an exported column",
            ));
            None
        }
        NodeKind::Scalar { .. } => {
            diags.push(shape(
                node,
                if records {
                    "a `record` must list columns or map keys to columns"
                } else {
                    "`params` must list columns or map keys to columns"
                },
                Some("e.g. `[device_category, device_os]` or `{ category: device_category }`"),
            ));
            None
        }
    }
}
