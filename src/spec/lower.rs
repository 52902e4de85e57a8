//! YAML node tree → spec AST. Every shape problem becomes a located diagnostic: unknown keys
//! (with "did you mean"), missing keys, a list where a mapping belongs, a word where a number
//! belongs. Lowering never stops at the first problem; a broken entity or attribute is
//! skipped and the rest of the file is still checked.

use super::ast::*;
use super::yaml::{Node, NodeKind};
use crate::codes;
use crate::diagnostics::{Diagnostic, Span, did_you_mean};
use crate::number::parse_f64;

pub const DOMAIN_KEYS: &[&str] = &["domain", "description", "owner", "system", "entities"];
pub const ENTITY_KEYS: &[&str] = &[
    "description",
    "kind",
    "grain",
    "owner",
    "rows",
    "primary_key",
    "unique",
    "partition_by",
    "export",
    "time",
    "attributes",
];
pub const ATTRIBUTE_KEYS: &[&str] = &[
    "type",
    "description",
    "pii",
    "hidden",
    "unique",
    "nulls",
    "when",
    "const",
    "key",
    "choice",
    "cycle",
    "dist",
    "between",
    "after",
    "before",
    "within",
    "fake",
    "expr",
    "ref",
    "pick",
    "lookup",
    "hierarchy",
    "rollup",
    "min",
    "max",
    "round",
    "seasonality",
];

/// Reads the keys of one mapping, remembering which were consumed so the rest can be reported
/// as unknown.
pub(super) struct MapReader<'a> {
    pub(super) entries: &'a [(Node, Node)],
    pub(super) span: Span,
    what: &'static str,
    allowed: &'static [&'static str],
}

impl<'a> MapReader<'a> {
    pub(super) fn new(
        node: &'a Node,
        what: &'static str,
        allowed: &'static [&'static str],
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Self> {
        match &node.kind {
            NodeKind::Map(entries) => {
                let r = MapReader {
                    entries,
                    span: node.span,
                    what,
                    allowed,
                };
                r.check_unknown(diags);
                Some(r)
            }
            _ => {
                diags.push(shape(node, &format!("{what} must be a mapping"), None));
                None
            }
        }
    }

    fn check_unknown(&self, diags: &mut Vec<Diagnostic>) {
        let mut comma_run = false;
        for (i, (k, v)) in self.entries.iter().enumerate() {
            let name = k.as_scalar().unwrap_or("");
            let in_run = comma_run;
            comma_run = false;
            if !name.is_empty() && !self.allowed.contains(&name) && v.is_null() {
                if in_run {
                    comma_run = true;
                    continue; // reported with the first piece of the value
                }
                if let Some(d) = self.unquoted_comma(i) {
                    diags.push(d);
                    comma_run = true;
                    continue;
                }
            }
            if name.is_empty() {
                diags.push(
                    Diagnostic::error(
                        codes::UNKNOWN_KEY,
                        Some(k.span),
                        format!("empty key in {}", self.what),
                    )
                    .with_help(
                        "write the key's name before the `:` (a lone `?` starts an empty key)",
                    ),
                );
            } else if !self.allowed.contains(&name) {
                let mut d = Diagnostic::error(
                    codes::UNKNOWN_KEY,
                    Some(k.span),
                    format!("unknown key `{name}` in {}", self.what),
                );
                d = d.with_help(
                    did_you_mean(name, self.allowed.iter().copied()).unwrap_or_else(|| {
                        format!(
                            "the keys of {} are listed in docs/spec-reference.md",
                            self.what
                        )
                    }),
                );
                diags.push(d);
            }
        }
    }

    /// An unknown key without a value (entry `i`) that follows, on the same line, a key with
    /// a plain text value: in flow style (`{ description: a, b }`) a comma ends the value, so
    /// the rest of the text reads as keys. Names the value as written and suggests quoting.
    fn unquoted_comma(&self, i: usize) -> Option<Diagnostic> {
        let (pk, pv) = self.entries.get(i.checked_sub(1)?)?;
        let NodeKind::Scalar { text, plain: true } = &pv.kind else {
            return None;
        };
        let (k, _) = &self.entries[i];
        if pv.is_null() || pv.span.line != k.span.line {
            return None;
        }
        let pieces: Vec<&Node> = self.entries[i..]
            .iter()
            .take_while(|(k, v)| {
                k.span.line == pv.span.line
                    && v.is_null()
                    && k.as_scalar().is_some_and(|n| !self.allowed.contains(&n))
            })
            .map(|(k, _)| k)
            .collect();
        let rest: Vec<&str> = pieces.iter().filter_map(|k| k.as_scalar()).collect();
        let key = pk.as_scalar().unwrap_or("");
        // The value as written: each piece after a comma and as many spaces as the source had.
        let mut whole = text.clone();
        let mut end = pv.span.col + pv.span.len;
        for k in &pieces {
            let gap = k.span.col.saturating_sub(end + 1) as usize;
            whole.push(',');
            whole.push_str(&" ".repeat(gap));
            whole.push_str(k.as_scalar().unwrap_or(""));
            end = k.span.col + k.span.len;
        }
        Some(
            Diagnostic::error(
                codes::UNKNOWN_KEY,
                Some(k.span),
                format!(
                    "the value of `{key}` looks like it contains an unquoted comma: `{}` reads as an unknown key of {}",
                    rest.first().copied().unwrap_or(""),
                    self.what
                ),
            )
            .with_help(format!(
                "in flow style (`{{ … }}`) a comma ends a value; quote it: `{key}: \"{whole}\"`"
            )),
        )
    }

    pub(super) fn get(&self, key: &str) -> Option<&'a Node> {
        self.entries
            .iter()
            .find(|(k, _)| k.as_scalar() == Some(key))
            .map(|(_, v)| v)
    }

    pub(super) fn key_span(&self, key: &str) -> Option<Span> {
        self.entries
            .iter()
            .find(|(k, _)| k.as_scalar() == Some(key))
            .map(|(k, _)| k.span)
    }

    pub(super) fn require(
        &self,
        key: &str,
        diags: &mut Vec<Diagnostic>,
        help: &str,
    ) -> Option<&'a Node> {
        let v = self.get(key);
        if v.is_none() {
            diags.push(
                Diagnostic::error(
                    codes::MISSING_KEY,
                    Some(self.span),
                    format!("{} is missing the required key `{key}`", self.what),
                )
                .with_help(help.to_string()),
            );
        }
        v
    }
}

pub(super) fn shape(node: &Node, msg: &str, help: Option<&str>) -> Diagnostic {
    let found = match &node.kind {
        NodeKind::Scalar { text, .. } if !node.is_null() && text.chars().count() <= 40 => {
            format!("`{text}`")
        }
        _ => node.describe().to_string(),
    };
    let d = Diagnostic::error(
        codes::WRONG_SHAPE,
        Some(node.span),
        format!("{msg}, found {found}"),
    );
    match help {
        Some(h) => d.with_help(h.to_string()),
        None => d,
    }
}

pub(super) fn invalid(node: &Node, msg: impl Into<String>, help: impl Into<String>) -> Diagnostic {
    Diagnostic::error(codes::INVALID_VALUE, Some(node.span), msg).with_help(help)
}

pub(super) fn string(node: &Node, what: &str, diags: &mut Vec<Diagnostic>) -> Option<Sp<String>> {
    match &node.kind {
        NodeKind::Scalar { text, .. } if !node.is_null() => Some(Sp::new(text.clone(), node.span)),
        _ => {
            diags.push(shape(node, &format!("{what} must be a string"), None));
            None
        }
    }
}

pub(super) fn scalar(node: &Node, what: &str, diags: &mut Vec<Diagnostic>) -> Option<Sp<Scalar>> {
    match &node.kind {
        NodeKind::Scalar { text, plain } => Some(Sp::new(
            Scalar {
                text: text.clone(),
                plain: *plain,
                null: node.is_null(),
            },
            node.span,
        )),
        _ => {
            diags.push(shape(node, &format!("{what} must be a single value"), None));
            None
        }
    }
}

pub(super) fn number(node: &Node, what: &str, diags: &mut Vec<Diagnostic>) -> Option<f64> {
    let parsed = match &node.kind {
        NodeKind::Scalar { text, plain: true } => parse_f64(text),
        _ => None,
    };
    if parsed.is_none() {
        diags.push(shape(node, &format!("{what} must be a number"), None));
    }
    parsed
}

pub(super) fn unsigned(node: &Node, what: &str, diags: &mut Vec<Diagnostic>) -> Option<u64> {
    let parsed = match &node.kind {
        NodeKind::Scalar { text, plain: true } => text.replace('_', "").parse::<u64>().ok(),
        _ => None,
    };
    if parsed.is_none() {
        diags.push(shape(
            node,
            &format!("{what} must be a whole number ≥ 0"),
            None,
        ));
    }
    parsed
}

fn integer(node: &Node, what: &str, diags: &mut Vec<Diagnostic>) -> Option<i64> {
    let parsed = match &node.kind {
        NodeKind::Scalar { text, plain: true } => text.replace('_', "").parse::<i64>().ok(),
        _ => None,
    };
    if parsed.is_none() {
        diags.push(shape(node, &format!("{what} must be a whole number"), None));
    }
    parsed
}

pub(super) fn boolean(node: &Node, what: &str, diags: &mut Vec<Diagnostic>) -> Option<bool> {
    match node.as_scalar() {
        Some("true") if matches!(node.kind, NodeKind::Scalar { plain: true, .. }) => Some(true),
        Some("false") if matches!(node.kind, NodeKind::Scalar { plain: true, .. }) => Some(false),
        _ => {
            diags.push(shape(
                node,
                &format!("{what} must be `true` or `false`"),
                None,
            ));
            None
        }
    }
}

fn pair<T>(
    node: &Node,
    what: &str,
    diags: &mut Vec<Diagnostic>,
    f: impl Fn(&Node, &mut Vec<Diagnostic>) -> Option<T>,
) -> Option<(T, T)> {
    match &node.kind {
        NodeKind::Seq(items) if items.len() == 2 => {
            let a = f(&items[0], diags);
            let b = f(&items[1], diags);
            Some((a?, b?))
        }
        _ => {
            diags.push(shape(
                node,
                &format!("{what} must be a list of two values `[min, max]`"),
                None,
            ));
            None
        }
    }
}

pub(super) fn name_list(
    node: &Node,
    what: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Sp<Vec<Sp<String>>>> {
    match &node.kind {
        NodeKind::Scalar { .. } => string(node, what, diags).map(|s| Sp::new(vec![s], node.span)),
        NodeKind::Seq(items) => {
            let v: Vec<_> = items
                .iter()
                .filter_map(|i| string(i, what, diags))
                .collect();
            if v.is_empty() {
                diags.push(invalid(
                    node,
                    format!("{what} must name at least one attribute"),
                    "list attribute names",
                ));
                return None;
            }
            Some(Sp::new(v, node.span))
        }
        NodeKind::Map(_) => {
            diags.push(shape(
                node,
                &format!("{what} must be a name or a list of names"),
                None,
            ));
            None
        }
    }
}

pub(super) fn opt_string(
    r: &MapReader,
    key: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Sp<String>> {
    r.get(key)
        .and_then(|n| string(n, &format!("`{key}`"), diags))
}

/// Lowers a whole spec file.
pub fn lower(root: &Node, diags: &mut Vec<Diagnostic>) -> Option<DomainSpec> {
    let r = MapReader::new(root, "a spec file", DOMAIN_KEYS, diags)?;
    let domain = r
        .require("domain", diags, "start the file with `domain: <name>`")
        .and_then(|n| string(n, "`domain`", diags));
    let description = opt_string(&r, "description", diags);
    let owner = opt_string(&r, "owner", diags);
    let system = r
        .get("system")
        .and_then(|n| super::system::lower_system(n, diags));
    let mut entities = Vec::new();
    if let Some(en) = r.require(
        "entities",
        diags,
        "add `entities:` with at least one entity",
    ) {
        match &en.kind {
            NodeKind::Map(items) if items.is_empty() => diags.push(
                Diagnostic::error(
                    codes::MISSING_KEY,
                    Some(en.span),
                    "the domain has no entities",
                )
                .with_help("add at least one entity under `entities:`"),
            ),
            NodeKind::Map(items) => {
                for (k, v) in items {
                    let name = Sp::new(k.as_scalar().unwrap_or_default().to_string(), k.span);
                    if let Some(e) = lower_entity(v, k.span, diags) {
                        entities.push((name, e));
                    }
                }
            }
            _ => diags.push(shape(
                en,
                "`entities` must be a mapping of entity name → entity",
                None,
            )),
        }
    }
    Some(DomainSpec {
        domain: domain?,
        description,
        owner,
        system,
        entities,
    })
}

fn lower_entity(node: &Node, name_span: Span, diags: &mut Vec<Diagnostic>) -> Option<EntitySpec> {
    let mut r = MapReader::new(node, "an entity", ENTITY_KEYS, diags)?;
    // A missing key is reported at the entity's name, which is where a reader looks.
    r.span = name_span;
    let kind = r.get("kind").and_then(|n| {
        let s = string(n, "`kind`", diags)?;
        let k = match s.value.as_str() {
            "dimension" => EntityKind::Dimension,
            "fact" => EntityKind::Fact,
            "bridge" => EntityKind::Bridge,
            "reference" => EntityKind::Reference,
            other => {
                let mut d = invalid(n, format!("unknown entity kind `{other}`"), "");
                d.help = did_you_mean(other, ["dimension", "fact", "bridge", "reference"]);
                diags.push(d);
                return None;
            }
        };
        Some(Sp::new(k, n.span))
    });
    let rows = r
        .require(
            "rows",
            diags,
            "add `rows: <count>`, `rows: {fixed: n}` or `rows: {per: parent, count: …}`",
        )
        .and_then(|n| lower_rows(n, diags));
    let primary_key = r
        .get("primary_key")
        .and_then(|n| name_list(n, "`primary_key`", diags));
    let mut unique = Vec::new();
    if let Some(u) = r.get("unique") {
        match &u.kind {
            NodeKind::Seq(items) => {
                for i in items {
                    if let Some(l) = name_list(i, "a unique constraint", diags) {
                        unique.push(l);
                    }
                }
            }
            _ => diags.push(shape(
                u,
                "`unique` must be a list of attribute lists",
                Some("e.g. `unique: [[order_id, product_id]]`"),
            )),
        }
    }
    let partition_by = r
        .get("partition_by")
        .and_then(|n| lower_partition(n, diags));
    let export = r
        .get("export")
        .and_then(|n| super::system::lower_export(n, diags));
    let time = r.get("time").and_then(|n| lower_time(n, diags));
    let mut attributes = Vec::new();
    if let Some(an) = r.require(
        "attributes",
        diags,
        "add `attributes:` with at least the key attribute",
    ) {
        match &an.kind {
            NodeKind::Map(items) => {
                for (k, v) in items {
                    let name = Sp::new(k.as_scalar().unwrap_or_default().to_string(), k.span);
                    if let Some(a) = lower_attribute(v, &name.value, k.span, diags) {
                        attributes.push((name, a));
                    }
                }
            }
            _ => diags.push(shape(
                an,
                "`attributes` must be a mapping of attribute name → attribute",
                None,
            )),
        }
    }
    Some(EntitySpec {
        description: opt_string(&r, "description", diags),
        kind,
        grain: opt_string(&r, "grain", diags),
        owner: opt_string(&r, "owner", diags),
        rows: rows?,
        primary_key,
        unique,
        partition_by,
        export,
        time,
        attributes,
    })
}

fn lower_time(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<Sp<TimeSpec>> {
    let r = MapReader::new(
        node,
        "`time`",
        &["created", "known", "changes", "deleted", "increments"],
        diags,
    )?;
    let created = r
        .require(
            "created",
            diags,
            "name the date or timestamp attribute at which a row comes into existence, e.g. `created: ordered_at`",
        )
        .and_then(|n| string(n, "`created`", diags));
    let known = match r.get("known") {
        None => Vec::new(),
        Some(n) => match &n.kind {
            NodeKind::Seq(items) => items
                .iter()
                .filter_map(|i| string(i, "an attribute name", diags))
                .collect(),
            _ => {
                diags.push(shape(
                    n,
                    "`known` must be a list of attribute names",
                    Some("e.g. `known: [due_date]`"),
                ));
                Vec::new()
            }
        },
    };
    let changes = r
        .get("changes")
        .map_or_else(Vec::new, |n| lower_changes(n, diags));
    let deleted = r.get("deleted").and_then(|n| lower_deleted(n, diags));
    let increments = r.get("increments").and_then(|n| lower_increments(n, diags));
    Some(Sp::new(
        TimeSpec {
            created: created?,
            known,
            changes,
            deleted,
            increments,
        },
        node.span,
    ))
}

/// `changes: {attribute: {versions: [min, max], within: [min, max]}, …}`.
fn lower_changes(node: &Node, diags: &mut Vec<Diagnostic>) -> Vec<(Sp<String>, Sp<ChangeSpec>)> {
    let NodeKind::Map(entries) = &node.kind else {
        diags.push(shape(
            node,
            "`changes` must be a mapping of attribute names",
            Some("e.g. `changes: { segment: { versions: [0, 2], within: [30d, 720d] } }`"),
        ));
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, v) in entries {
        let Some(name) = string(k, "an attribute name", diags) else {
            continue;
        };
        let Some(r) = MapReader::new(v, "a change", &["versions", "within"], diags) else {
            continue;
        };
        let versions = r
            .require(
                "versions",
                diags,
                "the number of changes per row, e.g. `versions: [0, 2]`",
            )
            .and_then(|n| {
                pair(n, "`versions`", diags, |n, d| {
                    unsigned(n, "a number of changes", d)
                })
                .map(|p| Sp::new(p, n.span))
            });
        let within = r
            .require(
                "within",
                diags,
                "when the changes happen after creation, e.g. `within: [30d, 720d]`",
            )
            .and_then(|n| {
                pair(n, "`within`", diags, |n, d| string(n, "a duration", d))
                    .map(|p| Sp::new(p, n.span))
            });
        if let (Some(versions), Some(within)) = (versions, within) {
            out.push((name, Sp::new(ChangeSpec { versions, within }, v.span)));
        }
    }
    out
}

/// `increments: {late: {rate, days}, replay: {rate, days}}`.
fn lower_increments(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<Sp<IncrementsSpec>> {
    let r = MapReader::new(node, "`increments`", &["late", "replay"], diags)?;
    let delivery = |key: &str, what: &'static str, diags: &mut Vec<Diagnostic>| {
        let n = r.get(key)?;
        let d = MapReader::new(n, what, &["rate", "days"], diags)?;
        let rate = d
            .require("rate", diags, "the share of change rows, e.g. `rate: 0.03`")
            .and_then(|x| number(x, "`rate`", diags).map(|v| Sp::new(v, x.span)));
        let days = match d.get("days") {
            None => None,
            Some(x) => Some(Sp::new(unsigned(x, "`days`", diags)?, x.span)),
        };
        Some(Sp::new(LateSpec { rate: rate?, days }, n.span))
    };
    let late = delivery("late", "`late`", diags);
    let replay = delivery("replay", "`replay`", diags);
    Some(Sp::new(IncrementsSpec { late, replay }, node.span))
}

/// `deleted: {at: attribute, hard: share}`.
fn lower_deleted(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<Sp<DeleteSpec>> {
    let r = MapReader::new(node, "`deleted`", &["at", "hard"], diags)?;
    let at = r
        .require(
            "at",
            diags,
            "name the event at which a row is deleted, e.g. `at: deleted_at`",
        )
        .and_then(|n| string(n, "`at`", diags));
    let hard = match r.get("hard") {
        None => None,
        Some(n) => Some(number(n, "`hard`", diags)?),
    };
    Some(Sp::new(DeleteSpec { at: at?, hard }, node.span))
}

fn lower_rows(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<Sp<RowsSpec>> {
    match &node.kind {
        NodeKind::Scalar { .. } => {
            unsigned(node, "`rows`", diags).map(|n| Sp::new(RowsSpec::Scaled(n), node.span))
        }
        NodeKind::Map(_) => {
            let r = MapReader::new(
                node,
                "`rows`",
                &["fixed", "per", "count", "when", "scaled", "union"],
                diags,
            )?;
            if let Some(u) = r.get("union") {
                return lower_union(node, u, diags);
            }
            if let Some(f) = r.get("fixed") {
                if let Some(k) = r.key_span("scaled") {
                    diags.push(
                        Diagnostic::error(
                            codes::CONFLICT,
                            Some(k),
                            "`scaled` goes with `per`, not with `fixed`",
                        )
                        .with_help(
                            "a `fixed` count never scales; give a plain number of rows to scale it",
                        ),
                    );
                }
                if let Some(k) = r.key_span("per") {
                    diags.push(Diagnostic::error(
                        codes::CONFLICT,
                        Some(k),
                        "`rows` cannot have both `fixed` and `per`",
                    ));
                }
                return unsigned(f, "`rows.fixed`", diags)
                    .map(|n| Sp::new(RowsSpec::Fixed(FixedRows { fixed: n }), node.span));
            }
            let per = r
                .require("per", diags, "give `fixed: n` or `per: <parent entity>`")
                .and_then(|n| string(n, "`per`", diags));
            let count = r
                .require(
                    "count",
                    diags,
                    "give the children per parent, e.g. `count: {poisson: 2.4}`",
                )
                .and_then(|n| lower_count(n, diags));
            let when = opt_string(&r, "when", diags);
            let scaled = r
                .get("scaled")
                .and_then(|n| boolean(n, "`scaled`", diags).map(|b| Sp::new(b, n.span)));
            Some(Sp::new(
                RowsSpec::Per(PerRows {
                    per: per?,
                    count: count?,
                    when,
                    scaled,
                }),
                node.span,
            ))
        }
        NodeKind::Seq(_) => {
            diags.push(shape(node, "`rows` must be a number or a mapping", None));
            None
        }
    }
}

/// `rows: {union: [member, …]}`: every member is a plain rows spec (no nested unions).
fn lower_union(node: &Node, u: &Node, diags: &mut Vec<Diagnostic>) -> Option<Sp<RowsSpec>> {
    let NodeKind::Map(entries) = &node.kind else {
        return None;
    };
    if entries.len() != 1 {
        diags.push(invalid(
            node,
            "`rows: {union: …}` takes no other keys",
            "put `per`, `count` and `when` inside the union's members",
        ));
        return None;
    }
    let NodeKind::Seq(items) = &u.kind else {
        diags.push(shape(
            u,
            "`union` must be a list of row sources",
            Some("e.g. `union: [{per: invoices, count: 3}, {per: payments, count: 2}]`"),
        ));
        return None;
    };
    if items.len() < 2 {
        diags.push(invalid(
            u,
            "`union` needs at least two members",
            "with one source, write it directly as `rows`",
        ));
        return None;
    }
    let mut members = Vec::new();
    for item in items {
        if let NodeKind::Map(e) = &item.kind
            && e.iter().any(|(k, _)| k.as_scalar() == Some("union"))
        {
            diags.push(invalid(
                item,
                "a `union` member cannot be a union",
                "list all sources in one `union`",
            ));
            continue;
        }
        members.extend(lower_rows(item, diags));
    }
    (members.len() == items.len())
        .then(|| Sp::new(RowsSpec::Union(UnionRows { union: members }), node.span))
}

fn lower_count(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<Sp<CountSpec>> {
    match &node.kind {
        NodeKind::Scalar { .. } => {
            unsigned(node, "`count`", diags).map(|n| Sp::new(CountSpec::Fixed(n), node.span))
        }
        _ => {
            const KEYS: &[&str] = &[
                "uniform",
                "poisson",
                "geometric",
                "bernoulli",
                "zero_inflated",
                "shift",
                "max",
                "expr",
            ];
            let r = MapReader::new(node, "`count`", KEYS, diags)?;
            let uniform = r
                .get("uniform")
                .and_then(|n| pair(n, "`uniform`", diags, |n, d| unsigned(n, "a count", d)));
            let poisson = r.get("poisson").and_then(|n| number(n, "`poisson`", diags));
            let geometric = r
                .get("geometric")
                .and_then(|n| number(n, "`geometric`", diags));
            let bernoulli = r
                .get("bernoulli")
                .and_then(|n| number(n, "`bernoulli`", diags));
            let zero_inflated = r
                .get("zero_inflated")
                .and_then(|n| number(n, "`zero_inflated`", diags));
            let shift = r.get("shift").and_then(|n| unsigned(n, "`shift`", diags));
            let max = r.get("max").and_then(|n| unsigned(n, "`max`", diags));
            let expr = opt_string(&r, "expr", diags);
            Some(Sp::new(
                CountSpec::Dist(CountDistSpec {
                    uniform,
                    poisson,
                    geometric,
                    bernoulli,
                    zero_inflated,
                    shift,
                    max,
                    expr,
                }),
                node.span,
            ))
        }
    }
}

fn lower_partition(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<Sp<PartitionSpec>> {
    let r = MapReader::new(
        node,
        "`partition_by`",
        &["key", "from", "granularity"],
        diags,
    )?;
    let from = r
        .require(
            "from",
            diags,
            "name the date or timestamp attribute, e.g. `from: ordered_at`",
        )
        .and_then(|n| string(n, "`from`", diags));
    let granularity = r.get("granularity").and_then(|n| {
        let s = string(n, "`granularity`", diags)?;
        let g = match s.value.as_str() {
            "day" => Granularity::Day,
            "month" => Granularity::Month,
            "year" => Granularity::Year,
            other => {
                let mut d = invalid(n, format!("unknown granularity `{other}`"), "");
                d.help = did_you_mean(other, ["day", "month", "year"]);
                diags.push(d);
                return None;
            }
        };
        Some(Sp::new(g, n.span))
    });
    Some(Sp::new(
        PartitionSpec {
            key: opt_string(&r, "key", diags),
            from: from?,
            granularity,
        },
        node.span,
    ))
}

fn lower_attribute(
    node: &Node,
    name: &str,
    name_span: Span,
    diags: &mut Vec<Diagnostic>,
) -> Option<AttributeSpec> {
    let r = MapReader::new(node, "an attribute", ATTRIBUTE_KEYS, diags)?;
    let mut a = AttributeSpec {
        ty: opt_string(&r, "type", diags),
        ..Default::default()
    };
    a.description = opt_string(&r, "description", diags);
    a.pii = r
        .get("pii")
        .and_then(|n| boolean(n, "`pii`", diags).map(|b| Sp::new(b, n.span)));
    a.hidden = r
        .get("hidden")
        .and_then(|n| boolean(n, "`hidden`", diags).map(|b| Sp::new(b, n.span)));
    a.unique = r
        .get("unique")
        .and_then(|n| boolean(n, "`unique`", diags).map(|b| Sp::new(b, n.span)));
    a.nulls = r
        .get("nulls")
        .and_then(|n| number(n, "`nulls`", diags).map(|b| Sp::new(b, n.span)));
    a.when = opt_string(&r, "when", diags);
    let candidates = generator_candidates(&r, diags);
    a.has_ref = candidates.iter().any(|c| c.0 == "ref");
    let options = lower_options(&r, diags);
    // A generator that was given but did not load is reported where it failed; the attribute
    // does not also "have no generator".
    let failed = candidates.is_empty() && GENERATOR_KEYS.iter().any(|k| r.get(k).is_some());
    if !failed {
        a.generator = one_generator(name, name_span, candidates, options, diags);
    }
    Some(a)
}

/// The generator keys, in the order a conflict between two of them is reported.
pub const GENERATOR_KEYS: &[&str] = &[
    "const", "key", "choice", "cycle", "dist", "between", "after", "before", "fake", "expr", "ref",
    "rollup",
];

/// The options that go with some generators only: (option, the generators it goes with).
const GENERATOR_OPTIONS: &[(&str, &[&str])] = &[
    ("min", &["dist"]),
    ("max", &["dist"]),
    ("round", &["dist"]),
    ("seasonality", &["between", "after", "before"]),
    ("within", &["after", "before"]),
    ("pick", &["ref"]),
    ("lookup", &["ref"]),
    ("hierarchy", &["ref"]),
];

/// The generator options of an attribute, each lowered on its own.
#[derive(Default)]
struct GeneratorOptions {
    min: Option<Sp<f64>>,
    max: Option<Sp<f64>>,
    round: Option<Sp<u32>>,
    seasonality: Option<Sp<SeasonalitySpec>>,
    within: Option<Sp<WithinSpec>>,
    pick: Option<Sp<PickSpec>>,
    lookup: Option<Sp<String>>,
    hierarchy: Option<Sp<HierarchySpec>>,
}

impl GeneratorOptions {
    /// The span of an option that was given (and loaded), by its key.
    fn span(&self, key: &str) -> Option<Span> {
        match key {
            "min" => self.min.as_ref().map(|s| s.span),
            "max" => self.max.as_ref().map(|s| s.span),
            "round" => self.round.as_ref().map(|s| s.span),
            "seasonality" => self.seasonality.as_ref().map(|s| s.span),
            "within" => self.within.as_ref().map(|s| s.span),
            "pick" => self.pick.as_ref().map(|s| s.span),
            "lookup" => self.lookup.as_ref().map(|s| s.span),
            "hierarchy" => self.hierarchy.as_ref().map(|s| s.span),
            _ => None,
        }
    }
}

/// Every generator key of the attribute that loaded, in [`GENERATOR_KEYS`] order, with the
/// span of its value; options are attached once the one generator is known.
fn generator_candidates(
    r: &MapReader,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(&'static str, Span, GeneratorSpec)> {
    let mut out = Vec::new();
    for &key in GENERATOR_KEYS {
        let Some(n) = r.get(key) else { continue };
        let g = match key {
            "const" => scalar(n, "`const`", diags).map(GeneratorSpec::Const),
            "key" => lower_key(n, diags).map(GeneratorSpec::Key),
            "choice" => lower_choice(n, diags).map(GeneratorSpec::Choice),
            "cycle" => lower_cycle(n, diags).map(GeneratorSpec::Cycle),
            "dist" => lower_dist(n, diags).map(|dist| {
                GeneratorSpec::Dist(DistGen {
                    dist,
                    min: None,
                    max: None,
                    round: None,
                })
            }),
            "between" => lower_between(n, diags).map(|range| {
                GeneratorSpec::Between(BetweenGen {
                    range,
                    seasonality: None,
                })
            }),
            "after" | "before" => string(n, &format!("`{key}`"), diags).map(|anchor| {
                GeneratorSpec::Relative(RelativeGen {
                    anchor,
                    before: key == "before",
                    within: None,
                    seasonality: None,
                })
            }),
            "fake" => lower_fake(n, diags).map(GeneratorSpec::Fake),
            "expr" => string(n, "`expr`", diags).map(GeneratorSpec::Expr),
            "ref" => string(n, "`ref`", diags).map(|target| {
                GeneratorSpec::Ref(RefGen {
                    target,
                    pick: None,
                    lookup: None,
                    hierarchy: None,
                })
            }),
            _ => lower_rollup(n, diags).map(GeneratorSpec::Rollup),
        };
        if let Some(g) = g {
            out.push((key, n.span, g));
        }
    }
    out
}

/// Lowers the options that go with some generators only.
fn lower_options(r: &MapReader, diags: &mut Vec<Diagnostic>) -> GeneratorOptions {
    GeneratorOptions {
        within: r.get("within").and_then(|n| lower_within(n, diags)),
        pick: r.get("pick").and_then(|n| lower_pick(n, diags)),
        lookup: opt_string(r, "lookup", diags),
        hierarchy: r.get("hierarchy").and_then(|n| lower_hierarchy(n, diags)),
        min: r
            .get("min")
            .and_then(|n| number(n, "`min`", diags).map(|v| Sp::new(v, n.span))),
        max: r
            .get("max")
            .and_then(|n| number(n, "`max`", diags).map(|v| Sp::new(v, n.span))),
        round: r
            .get("round")
            .and_then(|n| unsigned(n, "`round`", diags).map(|v| Sp::new(v.min(38) as u32, n.span))),
        seasonality: r
            .get("seasonality")
            .and_then(|n| lower_seasonality(n, diags)),
    }
}

/// The attribute's one generator with its options: none given and several given are errors,
/// and so is an option that does not go with the generator (it is then dropped).
fn one_generator(
    name: &str,
    name_span: Span,
    mut candidates: Vec<(&'static str, Span, GeneratorSpec)>,
    options: GeneratorOptions,
    diags: &mut Vec<Diagnostic>,
) -> Option<GeneratorSpec> {
    if candidates.is_empty() {
        diags.push(
            Diagnostic::error(
                codes::MISSING_KEY,
                Some(name_span),
                format!("attribute `{name}` has no generator"),
            )
            .with_help(format!(
                "give exactly one of: {}",
                GENERATOR_KEYS.join(", ")
            )),
        );
        return None;
    }
    if candidates.len() > 1 {
        let after_before = candidates
            .iter()
            .filter(|k| k.0 == "after" || k.0 == "before")
            .count();
        let (k2, s2, _) = &candidates[1];
        diags.push(
            Diagnostic::error(
                codes::CONFLICT,
                Some(*s2),
                format!(
                    "attribute `{name}` has both `{}` and `{k2}`",
                    candidates[0].0
                ),
            )
            .with_help(if after_before == 2 {
                "use one of `after` and `before`"
            } else {
                "an attribute takes exactly one generator"
            }),
        );
        return None;
    }
    let (gen_name, _, mut generator) = candidates.remove(0);
    for (opt, allowed) in GENERATOR_OPTIONS {
        if let Some(span) = options.span(opt)
            && !allowed.contains(&gen_name)
        {
            let goes_with: Vec<String> = allowed.iter().map(|x| format!("`{x}`")).collect();
            diags.push(
                Diagnostic::error(
                    codes::CONFLICT,
                    Some(span),
                    format!("`{opt}` does not apply to `{gen_name}`"),
                )
                .with_help(format!("`{opt}` goes with {}", goes_with.join(" or "))),
            );
        }
    }
    match &mut generator {
        GeneratorSpec::Dist(d) => {
            (d.min, d.max, d.round) = (options.min, options.max, options.round);
        }
        GeneratorSpec::Between(b) => b.seasonality = options.seasonality,
        GeneratorSpec::Relative(r) => {
            (r.within, r.seasonality) = (options.within, options.seasonality);
        }
        GeneratorSpec::Ref(r) => {
            (r.pick, r.lookup, r.hierarchy) = (options.pick, options.lookup, options.hierarchy);
        }
        _ => {}
    }
    Some(generator)
}

fn lower_cycle(n: &Node, diags: &mut Vec<Diagnostic>) -> Option<Sp<Vec<Sp<Scalar>>>> {
    match &n.kind {
        NodeKind::Seq(items) if !items.is_empty() => Some(Sp::new(
            items
                .iter()
                .filter_map(|i| scalar(i, "a `cycle` value", diags))
                .collect(),
            n.span,
        )),
        _ => {
            diags.push(shape(n, "`cycle` must be a non-empty list of values", None));
            None
        }
    }
}

fn lower_between(n: &Node, diags: &mut Vec<Diagnostic>) -> Option<Sp<(Sp<String>, Sp<String>)>> {
    pair(n, "`between`", diags, |n, d| {
        string(n, "a date or timestamp", d)
    })
    .map(|p| Sp::new(p, n.span))
}

fn lower_within(n: &Node, diags: &mut Vec<Diagnostic>) -> Option<Sp<WithinSpec>> {
    match &n.kind {
        NodeKind::Scalar { text, .. } => Some(Sp::new(
            WithinSpec::Max(Sp::new(text.clone(), n.span)),
            n.span,
        )),
        _ => pair(n, "`within`", diags, |n, d| string(n, "a duration", d))
            .map(|(x, y)| Sp::new(WithinSpec::Range((x, y)), n.span)),
    }
}

fn lower_fake(n: &Node, diags: &mut Vec<Diagnostic>) -> Option<Sp<FakeSpec>> {
    match &n.kind {
        NodeKind::Scalar { text, .. } => Some(Sp::new(FakeSpec::Name(text.clone()), n.span)),
        NodeKind::Map(entries) if entries.len() == 1 => {
            let name = entries[0].0.as_scalar().unwrap_or_default().to_string();
            let range = pair(&entries[0].1, "a fake length range", diags, |n, d| {
                unsigned(n, "a length", d).map(|v| v.min(u32::MAX as u64) as u32)
            })?;
            Some(Sp::new(FakeSpec::WithRange(name, range), n.span))
        }
        _ => {
            diags.push(shape(
                n,
                "`fake` must be a faker name or `{faker: [min, max]}`",
                Some("e.g. `fake: email` or `fake: {words: [2, 6]}`"),
            ));
            None
        }
    }
}

fn lower_pick(n: &Node, diags: &mut Vec<Diagnostic>) -> Option<Sp<PickSpec>> {
    if let NodeKind::Scalar { text, .. } = &n.kind {
        return Some(Sp::new(PickSpec::Named(text.clone()), n.span));
    }
    let pr = MapReader::new(
        n,
        "`pick`",
        &[
            "zipf",
            "weighted",
            "nth_child",
            "match",
            "of",
            "shuffle",
            "empty",
        ],
        diags,
    )?;
    if pr.get("match").is_none()
        && let Some(k) = pr
            .entries
            .iter()
            .find(|(k, _)| k.as_scalar() == Some("empty"))
    {
        diags.push(invalid(
            &k.0,
            "`empty` belongs with `match`",
            "e.g. `pick: {match: {day: \"date(ordered_at)\"}, empty: null}`",
        ));
        return None;
    }
    if pr.get("nth_child").is_none() {
        for key in ["of", "shuffle"] {
            if let Some(k) = pr.entries.iter().find(|(k, _)| k.as_scalar() == Some(key)) {
                diags.push(invalid(
                    &k.0,
                    format!("`{key}` belongs with `nth_child`"),
                    "e.g. `pick: {nth_child: \"child_index\", of: purchase_order_id, shuffle: true}`",
                ));
                return None;
            }
        }
    }
    if let Some(m) = pr.get("match") {
        lower_match(n, m, pr.get("weighted"), pr.get("empty"), diags)
    } else if let Some(c) = pr.get("nth_child") {
        let nth_child = string(c, "`nth_child`", diags)?.value;
        let of = match pr.get("of") {
            Some(o) => Some(string(o, "a reference attribute", diags)?),
            None => None,
        };
        let shuffle = match pr.get("shuffle") {
            Some(b) => boolean(b, "`shuffle`", diags)?,
            None => false,
        };
        Some(Sp::new(
            PickSpec::NthChild(NthChildPick {
                nth_child,
                of,
                shuffle,
            }),
            c.span,
        ))
    } else if let Some(z) = pr.get("zipf") {
        number(z, "`zipf`", diags).map(|s| Sp::new(PickSpec::Zipf(ZipfPick { zipf: s }), n.span))
    } else if let Some(w) = pr.get("weighted") {
        string(w, "`weighted`", diags).map(|s| {
            Sp::new(
                PickSpec::Weighted(WeightedPick { weighted: s.value }),
                n.span,
            )
        })
    } else {
        diags.push(invalid(
            n,
            "`pick` needs `zipf`, `weighted`, `nth_child` or `match`",
            "e.g. `pick: {zipf: 1.1}` or `pick: uniform`",
        ));
        None
    }
}

/// `pick: {match: {target_attribute: "expression"}, weighted: attribute}`.
fn lower_match(
    n: &Node,
    m: &Node,
    weighted: Option<&Node>,
    empty: Option<&Node>,
    diags: &mut Vec<Diagnostic>,
) -> Option<Sp<PickSpec>> {
    let NodeKind::Map(entries) = &m.kind else {
        diags.push(shape(
            m,
            "`match` must be a mapping `{target_attribute: \"expression\"}`",
            Some("e.g. `pick: {match: {country: \"customers.country\"}}`"),
        ));
        return None;
    };
    let [(k, v)] = entries.as_slice() else {
        diags.push(invalid(
            m,
            "`match` takes exactly one `target_attribute: expression` entry",
            "e.g. `pick: {match: {country: \"customers.country\"}}`",
        ));
        return None;
    };
    let attr = string(k, "a `match` attribute", diags)?;
    let value = string(v, "a `match` expression", diags)?;
    let weighted = match weighted {
        Some(w) => Some(string(w, "`weighted`", diags)?),
        None => None,
    };
    let empty = match empty {
        None => None,
        Some(e) => {
            // `empty: null` is YAML's null: the word itself.
            let s = if e.is_null() {
                Sp::new("null".to_string(), e.span)
            } else {
                string(e, "`empty`", diags)?
            };
            let v = match s.value.as_str() {
                "error" => EmptyGroup::Error,
                "null" => EmptyGroup::Null,
                other => {
                    let mut d = invalid(e, format!("unknown `empty` value `{other}`"), "");
                    d.help = Some("`empty: null` gives no reference where no row matches; `empty: error` (the default) stops".into());
                    diags.push(d);
                    return None;
                }
            };
            Some(Sp::new(v, s.span))
        }
    };
    Some(Sp::new(
        PickSpec::Match(MatchPick {
            on: (attr, value),
            weighted,
            empty,
        }),
        n.span,
    ))
}

fn lower_hierarchy(n: &Node, diags: &mut Vec<Diagnostic>) -> Option<Sp<HierarchySpec>> {
    let hr = MapReader::new(n, "`hierarchy`", &["depth"], diags)?;
    let d = hr
        .require("depth", diags, "e.g. `hierarchy: {depth: 3}`")
        .and_then(|d| unsigned(d, "`depth`", diags))?;
    Some(Sp::new(
        HierarchySpec {
            depth: d.min(u32::MAX as u64) as u32,
        },
        n.span,
    ))
}

fn lower_rollup(n: &Node, diags: &mut Vec<Diagnostic>) -> Option<Sp<RollupSpec>> {
    const AGGREGATES: &[&str] = &["sum", "count", "min", "max"];
    let r = MapReader::new(n, "`rollup`", &["sum", "count", "min", "max", "via"], diags)?;
    // Unknown keys are reported by the reader; the aggregate is read from the known ones, so
    // an extra key is one error, not also a missing aggregate.
    let known: Vec<&(Node, Node)> = r
        .entries
        .iter()
        .filter(|(k, _)| k.as_scalar().is_some_and(|s| AGGREGATES.contains(&s)))
        .collect();
    if known.is_empty() && r.entries.iter().any(|(k, _)| k.as_scalar() != Some("via")) {
        return None;
    }
    let [(k, v)] = known.as_slice() else {
        diags.push(invalid(
            n,
            "`rollup` takes exactly one of `sum`, `count`, `min`, `max`",
            "e.g. `rollup: {sum: order_items.line_total}`",
        ));
        return None;
    };
    let target = string(v, "a rollup target", diags)?.value;
    let agg = match k.as_scalar()? {
        "sum" => RollupAgg::Sum(target),
        "count" => RollupAgg::Count(target),
        "min" => RollupAgg::Min(target),
        "max" => RollupAgg::Max(target),
        _ => return None,
    };
    let via = match r.get("via") {
        Some(v) => Some(string(v, "a reference attribute", diags)?),
        None => None,
    };
    Some(Sp::new(RollupSpec { agg, via }, n.span))
}

fn lower_seasonality(n: &Node, diags: &mut Vec<Diagnostic>) -> Option<Sp<SeasonalitySpec>> {
    let sr = MapReader::new(n, "`seasonality`", &["month", "weekday", "hour"], diags)?;
    let list = |key: &str, diags: &mut Vec<Diagnostic>| {
        sr.get(key).and_then(|l| match &l.kind {
            NodeKind::Seq(items) => {
                let v: Option<Vec<f64>> = items
                    .iter()
                    .map(|i| number(i, "a seasonality weight", diags))
                    .collect();
                v.map(|v| Sp::new(v, l.span))
            }
            _ => {
                diags.push(shape(
                    l,
                    &format!("`seasonality.{key}` must be a list of weights"),
                    None,
                ));
                None
            }
        })
    };
    let s = SeasonalitySpec {
        month: list("month", diags),
        weekday: list("weekday", diags),
        hour: list("hour", diags),
    };
    Some(Sp::new(s, n.span))
}

fn lower_key(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<Sp<KeySpec>> {
    match &node.kind {
        NodeKind::Scalar { text, .. } => Some(Sp::new(KeySpec::Named(text.clone()), node.span)),
        _ => {
            let r = MapReader::new(node, "`key`", &["sequence"], diags)?;
            let s = r.require(
                "sequence",
                diags,
                "e.g. `key: {sequence: {start: 1000, step: 1}}`",
            )?;
            let sr = MapReader::new(s, "`sequence`", &["start", "step"], diags)?;
            let start = sr.get("start").and_then(|n| integer(n, "`start`", diags));
            let step = sr.get("step").and_then(|n| integer(n, "`step`", diags));
            Some(Sp::new(
                KeySpec::Sequence(SequenceKey {
                    sequence: SequenceSpec { start, step },
                }),
                node.span,
            ))
        }
    }
}

fn lower_choice(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<Sp<ChoiceSpec>> {
    match &node.kind {
        NodeKind::Seq(items) if !items.is_empty() => Some(Sp::new(
            ChoiceSpec::List(
                items
                    .iter()
                    .filter_map(|i| scalar(i, "a choice value", diags))
                    .collect(),
            ),
            node.span,
        )),
        NodeKind::Map(entries) if !entries.is_empty() => {
            let mut v = Vec::new();
            for (k, w) in entries {
                let key = scalar(k, "a choice value", diags);
                let weight = number(w, "a choice weight", diags).map(|x| Sp::new(x, w.span));
                if let (Some(k), Some(w)) = (key, weight) {
                    v.push((k, w));
                }
            }
            Some(Sp::new(ChoiceSpec::Weighted(v), node.span))
        }
        _ => {
            diags.push(shape(
                node,
                "`choice` must be a non-empty mapping of value → weight or a list of values",
                Some("e.g. `choice: {US: 55, GB: 15}`"),
            ));
            None
        }
    }
}

fn lower_dist(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<Sp<DistSpec>> {
    const KINDS: &[&str] = &[
        "uniform",
        "normal",
        "lognormal",
        "exponential",
        "poisson",
        "geometric",
        "zipf",
        "bernoulli",
    ];
    let r = MapReader::new(node, "`dist`", KINDS, diags)?;
    let NodeKind::Map(entries) = &node.kind else {
        return None;
    };
    if entries.len() != 1 {
        diags.push(invalid(
            node,
            "`dist` takes exactly one distribution",
            format!("one of: {}", KINDS.join(", ")),
        ));
        return None;
    }
    let _ = r;
    let (k, v) = &entries[0];
    let kind = k.as_scalar()?;
    let params = |keys: &'static [&'static str], diags: &mut Vec<Diagnostic>| -> Option<Vec<f64>> {
        let pr = MapReader::new(v, "distribution parameters", keys, diags)?;
        let mut out = Vec::new();
        for key in keys {
            let n = pr.require(
                key,
                diags,
                &format!("`{kind}` needs {}", keys.join(" and ")),
            )?;
            out.push(number(n, &format!("`{key}`"), diags)?);
        }
        Some(out)
    };
    // Single-parameter distributions also accept the bare number: `poisson: 2.4`.
    let single = |key: &'static str, diags: &mut Vec<Diagnostic>| -> Option<f64> {
        match &v.kind {
            NodeKind::Scalar { .. } => number(v, &format!("`{kind}`"), diags),
            _ => params(
                std::slice::from_ref(match key {
                    "mean" => &"mean",
                    _ => &"p",
                }),
                diags,
            )
            .map(|p| p[0]),
        }
    };
    let d = match kind {
        "uniform" => {
            let (a, b) = pair(v, "`uniform`", diags, |n, d| number(n, "a bound", d))?;
            DistSpec::Uniform((a, b))
        }
        "normal" => {
            let p = params(&["mean", "sd"], diags)?;
            DistSpec::Normal {
                mean: p[0],
                sd: p[1],
            }
        }
        "lognormal" => {
            let p = params(&["median", "sigma"], diags)?;
            DistSpec::Lognormal {
                median: p[0],
                sigma: p[1],
            }
        }
        "exponential" => DistSpec::Exponential {
            mean: single("mean", diags)?,
        },
        "poisson" => DistSpec::Poisson {
            mean: single("mean", diags)?,
        },
        "geometric" => DistSpec::Geometric {
            p: single("p", diags)?,
        },
        "bernoulli" => DistSpec::Bernoulli {
            p: single("p", diags)?,
        },
        "zipf" => {
            let p = params(&["n", "s"], diags)?;
            DistSpec::Zipf {
                n: p[0].max(0.0) as u64,
                s: p[1],
            }
        }
        _ => return None,
    };
    Some(Sp::new(d, node.span))
}
