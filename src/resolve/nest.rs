//! Nested fields of a JSON Lines export: an entity's `export.nest` becomes the export's
//! [`Node`]s. Members name exported columns, each nested once; keys are identifiers that are not
//! Athena reserved words (a listed column is keyed by its name without the field's prefix);
//! field names do not collide with the columns left at the top level; an array holds columns
//! of one exported type. A parameter's value follows GA4's typing ([`Slot`]), so its column is
//! written in its clean type (code vocabularies still apply) and styles set on it are refused.
//! Problems are located diagnostics (E0630–E0633).

use super::reserved::is_reserved;
use super::{Resolver, is_ident};
use crate::codes;
use crate::diagnostics::Span;
use crate::ir::export::{BATCH_KEY, ExportFormat, ValueStyle, athena_type};
use crate::ir::nest::Node;
use crate::ir::*;
use crate::spec::ast::{self, NestMember, NestSpec, NestValue, Sp};

/// The columns nested so far, with the span that nested each.
type Seen = Vec<(AttrId, Span)>;

impl Resolver<'_> {
    /// The nested fields of entity `eid`'s export (`None` after an error). `format` is the
    /// export's format when it resolved; parameter columns' styles are reset to the clean
    /// value (or their vocabulary).
    pub(super) fn nest(
        &mut self,
        eid: EntityId,
        spec: &ast::ExportSpec,
        format: Option<&ExportFormat>,
        batched: bool,
        columns: &mut [(AttrId, ValueStyle)],
    ) -> Option<Vec<(String, Node)>> {
        let fields = &spec.nest;
        let first = fields.first()?;
        if let Some(f) = format.filter(|f| !matches!(f, ExportFormat::Jsonl)) {
            self.err(
                codes::NEST_FORMAT,
                first.0.span,
                format!(
                    "`{}` nests columns, but the export is written as `{}`",
                    first.0.value,
                    f.name()
                ),
                Some("nested records and arrays are written by `format: jsonl` only; export this entity as JSON Lines, or remove `nest`".into()),
            );
            return None;
        }
        let mut ok = format.is_some();
        let mut seen = Seen::new();
        let mut out = Vec::new();
        for (name, field) in fields {
            ok &= self.check_ident("nested field", &name.value, name.span);
            let node = match &field.value {
                NestSpec::Record(m) => self
                    .record(eid, &name.value, m, &mut seen)
                    .map(Node::Record),
                NestSpec::Params(m) => self
                    .params(eid, &name.value, m, &mut seen, spec)
                    .map(Node::Params),
                NestSpec::Array(c) => self.array(eid, &name.value, c, &mut seen, columns),
            };
            match node {
                Some(n) => out.push((name.value.clone(), n)),
                None => ok = false,
            }
        }
        ok &= self.top_level_names(eid, fields, &seen, batched);
        for (_, node) in &out {
            if let Node::Params(p) = node {
                for (_, a) in p {
                    if let Some(c) = columns
                        .iter_mut()
                        .find(|(c, _)| c == a)
                        .filter(|c| !matches!(c.1, ValueStyle::Codes(_)))
                    {
                        c.1 = ValueStyle::Plain;
                    }
                }
            }
        }
        ok.then_some(out)
    }

    /// Refuses a field name that a column left at the top level (or the batch folder) has.
    fn top_level_names(
        &mut self,
        eid: EntityId,
        fields: &[(Sp<String>, Sp<NestSpec>)],
        seen: &Seen,
        batched: bool,
    ) -> bool {
        let mut ok = true;
        for (name, _) in fields {
            let flat = self.entities[eid]
                .exported()
                .find(|(a, attr)| attr.name == name.value && !seen.iter().any(|(s, _)| s == a));
            let msg = if flat.is_some() {
                format!(
                    "the nested field `{}` has the name of a column left at the top level",
                    name.value
                )
            } else if batched && name.value == BATCH_KEY {
                format!(
                    "the nested field `{}` has the name of the batch partition column",
                    name.value
                )
            } else {
                continue;
            };
            self.err(
                codes::NEST_KEY_COLLISION,
                name.span,
                msg,
                Some(
                    "a line cannot hold one key twice; rename the field, or nest that column"
                        .into(),
                ),
            );
            ok = false;
        }
        ok
    }

    /// Resolves one member column: known, exported, not nested before.
    fn member_column(
        &mut self,
        eid: EntityId,
        col: &Sp<String>,
        seen: &mut Seen,
    ) -> Option<AttrId> {
        let Some(a) = self.entities[eid].attr(&col.value) else {
            self.unknown_attr(eid, &col.value.clone(), col.span);
            return None;
        };
        if self.entities[eid].attributes[a].hidden {
            self.err(
                codes::BAD_NEST,
                col.span,
                format!(
                    "`{}` is hidden: it is not exported, so it cannot be nested",
                    col.value
                ),
                Some("nest exported attributes only, or remove `hidden` from it".into()),
            );
            return None;
        }
        if let Some((_, first)) = seen.iter().find(|(s, _)| *s == a) {
            let first = *first;
            self.err(
                codes::NESTED_TWICE,
                col.span,
                format!("`{}` is nested twice", col.value),
                Some(format!(
                    "a column is written once per line; it is first nested at {}:{}:{}",
                    self.specs.sources.name(first.file),
                    first.line,
                    first.col
                )),
            );
            return None;
        }
        seen.push((a, col.span));
        Some(a)
    }

    /// The key of a member: as written, or the column's name without `<prefix>_` when what
    /// remains is a valid name that is not reserved. Checks it and refuses a repeated one.
    fn member_key(
        &mut self,
        prefix: &str,
        m: &NestMember,
        keys: &mut Vec<String>,
        within: &str,
    ) -> Option<String> {
        let (key, span) = match (&m.key, &m.value) {
            (Some(k), _) => (k.value.clone(), k.span),
            (None, NestValue::Column(c)) => {
                let stripped = c
                    .value
                    .strip_prefix(prefix)
                    .and_then(|r| r.strip_prefix('_'))
                    .filter(|r| is_ident(r) && !is_reserved(r));
                (stripped.unwrap_or(&c.value).to_string(), c.span)
            }
            (None, NestValue::Record(r)) => (prefix.to_string(), r.span),
        };
        if !is_ident(&key) || is_reserved(&key) {
            let why = if is_ident(&key) {
                "a reserved word in Athena"
            } else {
                "not a valid identifier"
            };
            self.err(
                codes::BAD_NEST,
                span,
                format!("the key `{key}` in `{within}` is {why}"),
                Some("struct keys are written unquoted in DDL: use a lower-case `[a-z][a-z0-9_]*` name that is not an Athena reserved word, set by a mapping such as `{ day: event_date }`".into()),
            );
            return None;
        }
        if keys.contains(&key) {
            self.err(
                codes::NEST_KEY_COLLISION,
                span,
                format!("the key `{key}` appears twice in `{within}`"),
                Some("give each member its own key with a mapping, e.g. `{ os: device_os, os_version: os_version }`".into()),
            );
            return None;
        }
        keys.push(key.clone());
        Some(key)
    }

    fn record(
        &mut self,
        eid: EntityId,
        name: &str,
        members: &[NestMember],
        seen: &mut Seen,
    ) -> Option<Vec<(String, Node)>> {
        let mut keys = Vec::new();
        let mut out = Vec::new();
        let mut ok = true;
        for m in members {
            let key = self.member_key(name, m, &mut keys, name);
            let node = match &m.value {
                NestValue::Column(c) => self.member_column(eid, c, seen).map(Node::Column),
                NestValue::Record(r) => {
                    let inner = key.clone().unwrap_or_default();
                    self.record(eid, &inner, &r.value, seen).map(Node::Record)
                }
            };
            match (key, node) {
                (Some(k), Some(n)) => out.push((k, n)),
                _ => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn params(
        &mut self,
        eid: EntityId,
        name: &str,
        members: &[NestMember],
        seen: &mut Seen,
        spec: &ast::ExportSpec,
    ) -> Option<Vec<(String, AttrId)>> {
        let mut keys = Vec::new();
        let mut out = Vec::new();
        let mut ok = true;
        for m in members {
            let key = self.member_key(name, m, &mut keys, name);
            let NestValue::Column(c) = &m.value else {
                ok = false;
                continue;
            };
            let a = self.member_column(eid, c, seen);
            if let Some((styled, _)) = spec.columns.iter().find(|(n, _)| n.value == c.value) {
                self.err(
                    codes::BAD_NEST,
                    styled.span,
                    format!("`{}` is a parameter of `{name}`, but `columns` styles it", c.value),
                    Some("a parameter's value follows GA4's typing (dates `YYYYMMDD`, timestamps in microseconds): remove its `columns` entry".into()),
                );
                ok = false;
            }
            match (key, a) {
                (Some(k), Some(a)) => out.push((k, a)),
                _ => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn array(
        &mut self,
        eid: EntityId,
        name: &str,
        cols: &[Sp<String>],
        seen: &mut Seen,
        columns: &[(AttrId, ValueStyle)],
    ) -> Option<Node> {
        let mut out = Vec::new();
        let mut ok = true;
        let mut first_type: Option<String> = None;
        for c in cols {
            let Some(a) = self.member_column(eid, c, seen) else {
                ok = false;
                continue;
            };
            let ent = &self.entities[eid];
            let ty = ent.attributes[a].ty;
            // Nesting is refused before this for every format but JSON Lines.
            let t = columns.iter().find(|(x, _)| *x == a).map_or_else(
                || ty.athena(),
                |(_, s)| athena_type(s, ty, &ExportFormat::Jsonl),
            );
            match &first_type {
                None => first_type = Some(t),
                Some(f) if *f != t => {
                    self.err(
                        codes::BAD_NEST,
                        c.span,
                        format!("the array `{name}` holds {f} values, but `{}` is exported as {t}", c.value),
                        Some("an array's columns share one exported type; nest the others in a record".into()),
                    );
                    ok = false;
                }
                Some(_) => {}
            }
            out.push(a);
        }
        ok.then_some(Node::Array(out))
    }
}
