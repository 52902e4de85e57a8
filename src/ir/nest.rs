//! Nested fields of a JSON Lines export in the IR: records (objects), GA4 parameter arrays and
//! plain arrays built from an entity's exported columns, with the rules the writer and the
//! documents share — where a field sits among the top-level keys ([`top_level`]), which value
//! slot a parameter fills ([`Slot::of`]), and the Athena type of a field ([`athena_type`]).
//! The nesting is applied when a line is written; the export's batches stay flat.

use super::export::{Export, athena_type as column_type};
use super::{AttrId, Entity, Type};

/// The Athena type of a GA4 parameter array.
pub const PARAMS_TYPE: &str = "array<struct<key:string,value:struct<string_value:string,int_value:bigint,float_value:double,double_value:double>>>";

/// A nested field (or a member of a record).
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// An exported column, written as the flat export writes it.
    Column(AttrId),
    /// An object: (key, member) in order.
    Record(Vec<(String, Node)>),
    /// A GA4 parameter array: (key, column) in order; a null value omits its parameter.
    Params(Vec<(String, AttrId)>),
    /// An array of the non-null values of columns of one exported type, in order.
    Array(Vec<AttrId>),
}

impl Node {
    /// The columns the node holds, depth first.
    pub fn columns(&self) -> Vec<AttrId> {
        match self {
            Node::Column(a) => vec![*a],
            Node::Record(m) => m.iter().flat_map(|(_, n)| n.columns()).collect(),
            Node::Params(p) => p.iter().map(|(_, a)| *a).collect(),
            Node::Array(a) => a.clone(),
        }
    }
}

/// The value slot a parameter fills, after GA4's BigQuery export: strings in `string_value`;
/// integers, booleans (1/0) and timestamps (microseconds since the epoch, as GA4's
/// `event_timestamp`) in `int_value`; doubles and decimals in `double_value`; dates as
/// `YYYYMMDD` text (as GA4's `event_date`) in `string_value`. `float_value` stays null, as
/// GA4 leaves it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    String,
    Int,
    Double,
}

impl Slot {
    /// The value keys in the order written.
    pub const KEYS: [&'static str; 4] =
        ["string_value", "int_value", "float_value", "double_value"];

    pub fn of(ty: Type) -> Slot {
        match ty {
            Type::Bool | Type::Int8 | Type::Int16 | Type::Int32 | Type::Int64 | Type::Timestamp => {
                Slot::Int
            }
            Type::Float64 | Type::Decimal(..) => Slot::Double,
            _ => Slot::String,
        }
    }

    /// The key of the slot's value.
    pub fn key(self) -> &'static str {
        match self {
            Slot::String => Slot::KEYS[0],
            Slot::Int => Slot::KEYS[1],
            Slot::Double => Slot::KEYS[3],
        }
    }
}

/// A top-level key of an exported line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Top<'a> {
    /// A column that is not nested.
    Flat(AttrId),
    /// A nested field, at the place of its first column.
    Nested(&'a str, &'a Node),
}

/// The top-level keys of the export's lines in order: every column that is not nested, and
/// each nested field at the position of its first column.
pub fn top_level(x: &Export) -> Vec<Top<'_>> {
    let mut out = Vec::with_capacity(x.columns.len());
    for (a, _) in &x.columns {
        match x.nest.iter().find(|(_, n)| n.columns().contains(a)) {
            None => out.push(Top::Flat(*a)),
            Some((name, node)) => {
                if node.columns().first() == Some(a) {
                    out.push(Top::Nested(name, node));
                }
            }
        }
    }
    out
}

/// The Athena type of a node of entity `ent`'s export `x`: a column's own export type,
/// `struct<key:type,…>`, [`PARAMS_TYPE`], or `array<type>`.
pub fn athena_type(ent: &Entity, x: &Export, node: &Node) -> String {
    let col = |a: AttrId| {
        x.columns.iter().find(|(c, _)| *c == a).map_or_else(
            || ent.attributes[a].ty.athena(),
            |(_, s)| column_type(s, ent.attributes[a].ty, &x.format),
        )
    };
    match node {
        Node::Column(a) => col(*a),
        Node::Record(m) => {
            let inner: Vec<String> = m
                .iter()
                .map(|(k, n)| format!("{k}:{}", athena_type(ent, x, n)))
                .collect();
            format!("struct<{}>", inner.join(","))
        }
        Node::Params(_) => PARAMS_TYPE.to_string(),
        Node::Array(a) => format!("array<{}>", a.first().map_or("string".into(), |a| col(*a))),
    }
}

/// A one-line description of a node for comments and the dictionary, e.g. `record of
/// device_category as category, device_os as os`.
pub fn describe(ent: &Entity, node: &Node) -> String {
    let name = |a: &AttrId| ent.attributes[*a].name.as_str();
    let keyed = |k: &str, a: &AttrId| {
        if k == name(a) {
            k.to_string()
        } else {
            format!("{} as {k}", name(a))
        }
    };
    match node {
        Node::Column(a) => name(a).to_string(),
        Node::Record(m) => {
            let inner: Vec<String> = m
                .iter()
                .map(|(k, n)| match n {
                    Node::Column(a) => keyed(k, a),
                    other => format!("{k} ({})", describe(ent, other)),
                })
                .collect();
            format!("record of {}", inner.join(", "))
        }
        Node::Params(p) => {
            let inner: Vec<String> = p
                .iter()
                .map(|(k, a)| {
                    format!(
                        "{} ({})",
                        keyed(k, a),
                        Slot::of(ent.attributes[*a].ty).key()
                    )
                })
                .collect();
            format!("GA4 parameters {}", inner.join(", "))
        }
        Node::Array(a) => {
            let inner: Vec<&str> = a.iter().map(name).collect();
            format!("array of the non-null values of {}", inner.join(", "))
        }
    }
}
