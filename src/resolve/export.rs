//! Source systems: a domain's `system` and its entities' `export` become each entity's
//! [`Export`]: the file format and CSV dialect, one value style per exported column (system
//! defaults, entity overrides, column overrides), the batch attribute and code vocabularies.
//! Unknown words, styles on attributes of another type, vocabularies that miss a value and
//! two entities exported to one table are located diagnostics.

use crate::codes;
use crate::diagnostics::{Span, did_you_mean};
use crate::ir::export::*;
use crate::ir::*;
use crate::resolve::Resolver;
use crate::spec::ast::{self, Sp};
use std::collections::HashMap;

/// The settings in force for one column, each with the span that set it.
#[derive(Clone, Default)]
pub(super) struct Styles<'s> {
    dates: Option<&'s Sp<String>>,
    timestamps: Option<&'s Sp<String>>,
    utc_offset: Option<&'s Sp<String>>,
    decimals: Option<&'s Sp<String>>,
    booleans: Option<&'s Sp<String>>,
}

impl<'s> Styles<'s> {
    /// These styles with the ones `s` sets on top. A layer that sets `timestamps` without
    /// `utc_offset` drops the offset it would inherit.
    pub(super) fn over(&self, s: &'s ast::ExportSettings) -> Styles<'s> {
        let inherited = if s.timestamps.is_some() {
            None
        } else {
            self.utc_offset
        };
        Styles {
            dates: s.dates.as_ref().or(self.dates),
            timestamps: s.timestamps.as_ref().or(self.timestamps),
            utc_offset: s.utc_offset.as_ref().or(inherited),
            decimals: s.decimals.as_ref().or(self.decimals),
            booleans: s.booleans.as_ref().or(self.booleans),
        }
    }
}

impl Resolver<'_> {
    /// Resolves every entity's export; reports two entities exported to one raw table.
    pub(super) fn exports(&mut self) {
        let before = self.diags.len();
        self.each_export();
        // A system's setting is checked with each entity it applies to: report it once.
        let mut seen = Vec::new();
        let mut k = before;
        while k < self.diags.len() {
            let d = &self.diags[k];
            let key = (d.code, d.span, d.message.clone());
            if seen.contains(&key) {
                self.diags.remove(k);
            } else {
                seen.push(key);
                k += 1;
            }
        }
    }

    fn each_export(&mut self) {
        let specs = self.specs;
        let mut seen: HashMap<(String, String), Span> = HashMap::new();
        for eid in 0..self.entities.len() {
            let domain = &self.domains[self.entities[eid].domain].name;
            let Some(file) = specs.files.iter().find(|f| &f.spec.domain.value == domain) else {
                continue;
            };
            let entity_export = self.asts[eid].export.as_ref();
            let Some(system) = &file.spec.system else {
                if let Some(x) = entity_export {
                    self.err(
                        codes::BAD_EXPORT,
                        x.span,
                        format!("entity `{}` has an `export` but its domain declares no `system`", self.entities[eid].qualified),
                        Some("declare the exporting system on the domain: `system: { name: shop, format: csv }`".into()),
                    );
                }
                continue;
            };
            if !self.check_ident("system", &system.value.name.value, system.value.name.span) {
                continue;
            }
            let Some(export) = self.export(eid, &system.value, entity_export) else {
                continue;
            };
            let key = (export.system.clone(), self.entities[eid].name.clone());
            let span = self.entities[eid].span;
            if let Some(first) = seen.get(&key) {
                let first = *first;
                self.err(
                    codes::EXPORT_COLLISION,
                    span,
                    format!("system `{}` exports two entities named `{}`", key.0, key.1),
                    Some(format!(
                        "both would be written to `raw/{}/{}/`; the other is at {}:{}; give one domain another system",
                        key.0,
                        key.1,
                        specs.sources.name(first.file),
                        first.line
                    )),
                );
                continue;
            }
            seen.insert(key, span);
            self.entities[eid].export = Some(export);
        }
    }

    fn export(
        &mut self,
        eid: EntityId,
        system: &ast::SystemSpec,
        own: Option<&Sp<ast::ExportSpec>>,
    ) -> Option<Export> {
        let empty = ast::ExportSettings::default();
        let own_settings = own.map_or(&empty, |x| &x.value.settings);
        // A dialect applies where the format is CSV: the system's is its CSV default, so an
        // entity exported in another format ignores it; one set beside another format is a
        // mistake.
        let mut ok = self.check_settings(&system.settings);
        ok &= self.check_settings(own_settings);
        for (_, c) in own.map_or(&[][..], |x| &x.value.columns[..]) {
            ok &= self.check_settings(c);
        }
        let sys_format = system.settings.format.as_ref();
        if let Some(c) = &system.settings.csv {
            ok &= self.csv_fits(sys_format, c).is_some();
        }
        let format_word = own_settings.format.as_ref().or(sys_format);
        if let Some(c) = &own_settings.csv {
            ok &= self.csv_fits(format_word, c).is_some();
        }
        let csv = own_settings.csv.as_ref().or(system.settings.csv.as_ref());
        let format = self.format(format_word, csv);
        let base = Styles::default().over(&system.settings).over(own_settings);
        let mut columns = Vec::new();
        let overrides = own.map_or(&[][..], |x| &x.value.columns[..]);
        for (name, _) in overrides {
            if self.entities[eid].attr(&name.value).is_none() {
                self.unknown_attr(eid, &name.value.clone(), name.span);
                ok = false;
            }
        }
        let exported: Vec<AttrId> = self.entities[eid].exported().map(|(i, _)| i).collect();
        for a in exported {
            let name = self.entities[eid].attributes[a].name.clone();
            let styles = match overrides.iter().find(|(n, _)| n.value == name) {
                Some((_, s)) => {
                    ok &= self.column_fits(eid, a, s);
                    base.over(s)
                }
                None => base.clone(),
            };
            match self.style(eid, a, &styles) {
                Some(s) => columns.push((a, s)),
                None => ok = false,
            }
        }
        if let Some(x) = own {
            ok &= self.vocabularies(eid, &x.value.codes, &mut columns);
        }
        let batch = match own.and_then(|x| x.value.batch.as_ref()) {
            Some(b) => Some(self.batch(eid, b)?),
            None => None,
        };
        let nest = match own {
            Some(x) if !x.value.nest.is_empty() => self.nest(
                eid,
                &x.value,
                format.as_ref(),
                batch.is_some(),
                &mut columns,
            ),
            _ => Some(Vec::new()),
        };
        let (format, nest) = (format?, nest?);
        let drift = match own {
            Some(x) if !x.value.drift.is_empty() => {
                let layers = |a: AttrId| {
                    let name = &self.entities[eid].attributes[a].name;
                    match overrides.iter().find(|(n, _)| &n.value == name) {
                        Some((_, s)) => base.over(s),
                        None => base.clone(),
                    }
                };
                let styles: Vec<Styles> = columns.iter().map(|(a, _)| layers(*a)).collect();
                let target = super::drift::Target {
                    format: &format,
                    batch,
                    nested: !nest.is_empty(),
                    columns: &columns,
                    styles: &styles,
                };
                self.drift(eid, &target, &x.value.drift)?
            }
            _ => Vec::new(),
        };
        Some(Export {
            system: system.name.value.clone(),
            format,
            batch,
            columns,
            mess: Mess::default(),
            nest,
            drift,
            changes_time: quiet_time_style(&base),
        })
        .filter(|_| ok)
    }

    /// Checks every word a settings layer writes, whether or not a column uses it.
    pub(super) fn check_settings(&mut self, s: &ast::ExportSettings) -> bool {
        let before = self.diags.len();
        if let Some(f) = s
            .format
            .as_ref()
            .filter(|f| !matches!(f.value.as_str(), "parquet" | "csv" | "jsonl"))
        {
            let _ = self.format(Some(f), None);
        }
        if let Some(c) = &s.csv {
            let _ = self.dialect(Some(c));
        }
        type Word<'w> = (&'w Option<Sp<String>>, &'w str, &'w [&'w str]);
        let words: [Word; 4] = [
            (&s.dates, "date style", DateStyle::WORDS),
            (&s.timestamps, "timestamp style", TimeStyle::WORDS),
            (&s.decimals, "decimal style", DecimalStyle::WORDS),
            (&s.booleans, "boolean style", BoolStyle::WORDS),
        ];
        for (set, what, all) in words {
            if let Some(w) = set.as_ref().filter(|w| !all.contains(&w.value.as_str())) {
                self.bad(
                    w.span,
                    format!("unknown {what} `{}`", w.value),
                    &w.value,
                    all,
                );
            }
        }
        if let Some(off) = s
            .utc_offset
            .as_ref()
            .filter(|o| parse_offset(&o.value).is_none())
        {
            self.err(
                codes::BAD_EXPORT,
                off.span,
                format!("`{}` is not a UTC offset", off.value),
                Some("write `+HH:MM` or `-HH:MM`, at most 14 hours, e.g. `\"+02:00\"`".into()),
            );
        }
        self.diags.len() == before
    }

    fn bad(&mut self, span: Span, msg: String, word: &str, words: &[&str]) {
        let help = did_you_mean(word, words.iter().copied())
            .unwrap_or_else(|| format!("one of: {}", words.join(", ")));
        self.err(codes::BAD_EXPORT, span, msg, Some(help));
    }

    fn format(
        &mut self,
        word: Option<&Sp<String>>,
        csv: Option<&Sp<ast::CsvSpec>>,
    ) -> Option<ExportFormat> {
        let name = word.map_or("csv", |w| w.value.as_str());
        match name {
            "csv" => self.dialect(csv).map(ExportFormat::Csv),
            "parquet" => Some(ExportFormat::Parquet),
            "jsonl" => Some(ExportFormat::Jsonl),
            other => {
                let span = word.map_or(Span::default(), |w| w.span);
                self.bad(
                    span,
                    format!("unknown export format `{other}`"),
                    other,
                    &["parquet", "csv", "jsonl"],
                );
                None
            }
        }
    }

    /// Refuses a CSV dialect set beside a format that is not CSV.
    fn csv_fits(&mut self, format: Option<&Sp<String>>, c: &Sp<ast::CsvSpec>) -> Option<()> {
        match format.map(|f| f.value.as_str()) {
            Some(name @ ("parquet" | "jsonl")) => {
                self.err(
                    codes::BAD_EXPORT,
                    c.span,
                    format!("a CSV dialect is given for a `{name}` export"),
                    Some("remove `csv:`, or export as `format: csv`".into()),
                );
                None
            }
            _ => Some(()),
        }
    }

    fn dialect(&mut self, csv: Option<&Sp<ast::CsvSpec>>) -> Option<CsvDialect> {
        let mut d = CsvDialect::default();
        let Some(c) = csv else {
            return Some(d);
        };
        let c = &c.value;
        let mut ok = true;
        let mut escape = 0u8;
        for (field, slot) in [
            (&c.delimiter, &mut d.delimiter),
            (&c.quote, &mut d.quote),
            (&c.escape, &mut escape),
        ] {
            if let Some(s) = field {
                match s.value.as_bytes() {
                    [b] if b.is_ascii() && !matches!(b, b'\n' | b'\r') => *slot = *b,
                    _ => {
                        self.err(
                            codes::BAD_EXPORT,
                            s.span,
                            format!("`{}` is not one ASCII character", s.value.escape_debug()),
                            Some("a CSV delimiter, quote or escape is one ASCII character other than a line break, e.g. `\";\"` or `\"\\t\"`".into()),
                        );
                        ok = false;
                    }
                }
            }
        }
        if let Some(e) = c.escape.as_ref().filter(|_| ok) {
            // The CSV SerDe takes an escape `"` for its default, `\`.
            if escape == d.delimiter || escape == d.quote || escape == b'"' {
                self.err(
                    codes::BAD_EXPORT,
                    e.span,
                    "the CSV escape is the delimiter, the quote or `\"`".to_string(),
                    Some("leave `escape` out to double quotes, or escape with `\\`".into()),
                );
                ok = false;
            }
            d.escape = Some(escape);
        }
        if ok && d.escape.is_none() && (d.delimiter == b'\\' || d.quote == b'\\') {
            let span = c.quote.as_ref().or(c.delimiter.as_ref()).map(|s| s.span);
            self.err(
                codes::BAD_EXPORT,
                span.unwrap_or_default(),
                "a backslash delimiter or quote needs an `escape`".to_string(),
                Some("the CSV SerDe escapes with `\\` unless told otherwise; set `escape`".into()),
            );
            ok = false;
        }
        if ok && d.delimiter == d.quote {
            let span = c.quote.as_ref().or(c.delimiter.as_ref()).map(|s| s.span);
            self.err(
                codes::BAD_EXPORT,
                span.unwrap_or_default(),
                "the CSV delimiter and quote are the same character".to_string(),
                Some("quote with `\"` and separate with `,` or `;`".into()),
            );
            ok = false;
        }
        if let Some(h) = &c.header {
            d.header = h.value;
        }
        if let Some(n) = &c.null_text {
            if n.value.contains(['\n', '\r'])
                || n.value.as_bytes().contains(&d.delimiter)
                || n.value.as_bytes().contains(&d.quote)
            {
                self.err(
                    codes::BAD_EXPORT,
                    n.span,
                    "the null token holds the delimiter, the quote or a line break".to_string(),
                    Some("use a token such as `NULL`, `\\N` or the empty string".into()),
                );
                ok = false;
            }
            d.null = n.value.clone();
        }
        if let Some(e) = &c.encoding {
            match Encoding::parse(&e.value) {
                Some(enc) => d.encoding = enc,
                None => {
                    self.bad(
                        e.span,
                        format!("unknown encoding `{}`", e.value),
                        &e.value,
                        Encoding::WORDS,
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(d)
    }

    /// Checks that a column override sets only styles of the attribute's type.
    pub(super) fn column_fits(
        &mut self,
        eid: EntityId,
        a: AttrId,
        s: &ast::ExportSettings,
    ) -> bool {
        let attr = &self.entities[eid].attributes[a];
        let (ty, name) = (attr.ty, attr.name.clone());
        let fits = [
            (&s.dates, "dates", ty == Type::Date),
            (&s.timestamps, "timestamps", ty == Type::Timestamp),
            (&s.utc_offset, "utc_offset", ty == Type::Timestamp),
            (
                &s.decimals,
                "decimals",
                matches!(ty, Type::Decimal(..) | Type::Float64),
            ),
            (&s.booleans, "booleans", ty == Type::Bool),
        ];
        let mut ok = true;
        for (set, key, fits) in fits {
            if let (Some(v), false) = (set, fits) {
                self.err(
                    codes::EXPORT_STYLE_TYPE,
                    v.span,
                    format!("`{key}` is set on `{name}`, which is {ty}"),
                    Some(format!(
                        "`{key}` styles {} attributes only; remove it from this column",
                        key_type(key)
                    )),
                );
                ok = false;
            }
        }
        ok
    }

    /// The style of attribute `a` under `styles` (its type picks the setting that applies).
    pub(super) fn style(
        &mut self,
        eid: EntityId,
        a: AttrId,
        styles: &Styles,
    ) -> Option<ValueStyle> {
        let attr = &self.entities[eid].attributes[a];
        let ty = attr.ty;
        let name = attr.name.clone();
        Some(match ty {
            Type::Date => ValueStyle::Date(match styles.dates {
                None => DateStyle::Iso,
                Some(w) => self.word(
                    w,
                    DateStyle::parse(&w.value),
                    "date style",
                    DateStyle::WORDS,
                )?,
            }),
            Type::Timestamp => ValueStyle::Time(self.time_style(styles)?),
            Type::Decimal(..) | Type::Float64 => ValueStyle::Decimal(match styles.decimals {
                None => DecimalStyle::Point,
                Some(w) => {
                    let d = self.word(
                        w,
                        DecimalStyle::parse(&w.value),
                        "decimal style",
                        DecimalStyle::WORDS,
                    )?;
                    // A system-wide `minor_units` leaves doubles in point style.
                    match (d, ty) {
                        (DecimalStyle::MinorUnits, Type::Float64) => DecimalStyle::Point,
                        (DecimalStyle::MinorUnits, Type::Decimal(p, _)) if p > 18 => {
                            self.err(
                                codes::EXPORT_STYLE_TYPE,
                                w.span,
                                format!("`{name}` is {ty}: its amount in minor units may not fit a 64-bit whole number"),
                                Some("minor units need a precision of at most 18; use `decimals: point` for this column".into()),
                            );
                            return None;
                        }
                        _ => d,
                    }
                }
            }),
            Type::Bool => ValueStyle::Bool(match styles.booleans {
                None => BoolStyle::TrueFalse,
                Some(w) => self.word(
                    w,
                    BoolStyle::parse(&w.value),
                    "boolean style",
                    BoolStyle::WORDS,
                )?,
            }),
            _ => ValueStyle::Plain,
        })
    }

    fn word<T>(
        &mut self,
        w: &Sp<String>,
        parsed: Option<T>,
        what: &str,
        words: &[&str],
    ) -> Option<T> {
        if parsed.is_none() {
            self.bad(
                w.span,
                format!("unknown {what} `{}`", w.value),
                &w.value,
                words,
            );
        }
        parsed
    }

    fn time_style(&mut self, styles: &Styles) -> Option<TimeStyle> {
        let word = styles.timestamps.map_or("iso", |w| w.value.as_str());
        if word == "local" {
            let Some(off) = styles.utc_offset else {
                let span = styles.timestamps.map(|w| w.span).unwrap_or_default();
                self.err(
                    codes::BAD_EXPORT,
                    span,
                    "`timestamps: local` needs a `utc_offset`".to_string(),
                    Some("add the system's fixed offset, e.g. `utc_offset: \"+02:00\"`".into()),
                );
                return None;
            };
            return match parse_offset(&off.value) {
                Some(m) => Some(TimeStyle::Local(m)),
                None => {
                    self.err(
                        codes::BAD_EXPORT,
                        off.span,
                        format!("`{}` is not a UTC offset", off.value),
                        Some(
                            "write `+HH:MM` or `-HH:MM`, at most 14 hours, e.g. `\"+02:00\"`"
                                .into(),
                        ),
                    );
                    None
                }
            };
        }
        if let Some(off) = styles.utc_offset {
            self.err(
                codes::BAD_EXPORT,
                off.span,
                format!("`utc_offset` is given but timestamps are written as `{word}`"),
                Some("a fixed offset applies to `timestamps: local` only".into()),
            );
            return None;
        }
        match styles.timestamps {
            None => Some(TimeStyle::Utc(DateStyle::Iso)),
            Some(w) => {
                let d = self.word(
                    w,
                    DateStyle::parse(&w.value),
                    "timestamp style",
                    TimeStyle::WORDS,
                )?;
                Some(TimeStyle::Utc(d))
            }
        }
    }

    /// The values of a string `choice` attribute, or of a copy of one: an expression that is
    /// only a column of another row (`parent.country`), followed through a few copies.
    fn choice_values(&self, mut e: EntityId, mut a: AttrId) -> Option<Vec<String>> {
        for _ in 0..8 {
            let attr = &self.entities[e].attributes[a];
            if !matches!(attr.ty, Type::String(_)) {
                return None;
            }
            match &attr.generator {
                Generator::Choice { values, .. } => {
                    let strings = values.iter().filter_map(|v| match v {
                        Value::Str(s) => Some(s.clone()),
                        _ => None,
                    });
                    return Some(strings.collect());
                }
                Generator::Expr(Expr {
                    kind: ExprKind::Col(c),
                    ..
                }) => (e, a) = (c.entity, c.attr),
                _ => return None,
            }
        }
        None
    }

    /// Applies the code vocabularies to their columns' styles.
    fn vocabularies(
        &mut self,
        eid: EntityId,
        codes_spec: &[(Sp<String>, ast::Vocabulary)],
        columns: &mut [(AttrId, ValueStyle)],
    ) -> bool {
        let mut ok = true;
        for (name, map) in codes_spec {
            let Some(a) = self.entities[eid].attr(&name.value) else {
                self.unknown_attr(eid, &name.value.clone(), name.span);
                ok = false;
                continue;
            };
            let attr = &self.entities[eid].attributes[a];
            let values = if attr.hidden {
                None
            } else {
                self.choice_values(eid, a)
            };
            let Some(values) = values else {
                let msg = format!(
                    "a code vocabulary is given for `{}`, which is not an exported string `choice` attribute or a copy of one",
                    attr.name
                );
                self.err(codes::EXPORT_STYLE_TYPE, name.span, msg, Some("vocabularies map the values of a string `choice` attribute (or of an expression that only copies one, such as `parent.country`); remove this one".into()));
                ok = false;
                continue;
            };
            for (k, _) in map {
                if !values.contains(&k.value.text) {
                    let help = did_you_mean(&k.value.text, values.iter().map(String::as_str))
                        .unwrap_or_else(|| format!("its values are: {}", values.join(", ")));
                    let msg = format!("`{}` is not a value of `{}`", k.value.text, name.value);
                    self.err(codes::EXPORT_STYLE_TYPE, k.span, msg, Some(help));
                    ok = false;
                }
            }
            let missing: Vec<&String> = values
                .iter()
                .filter(|v| !map.iter().any(|(k, _)| &k.value.text == *v))
                .collect();
            if !missing.is_empty() {
                let list: Vec<String> = missing.iter().map(|v| format!("`{v}`")).collect();
                let msg = format!(
                    "the vocabulary of `{}` has no code for {}",
                    name.value,
                    list.join(", ")
                );
                self.err(
                    codes::EXPORT_STYLE_TYPE,
                    name.span,
                    msg,
                    Some("give every value of the attribute the system's code".into()),
                );
                ok = false;
                continue;
            }
            // One code per value: a code shared by two values could not be read back.
            let shared = map.iter().enumerate().find_map(|(i, (k, c))| {
                map[..i]
                    .iter()
                    .find(|(_, d)| d.value == c.value)
                    .map(|(j, _)| (j.value.text.clone(), k.value.text.clone(), c))
            });
            if let Some((first, second, code)) = shared {
                let msg = format!(
                    "the vocabulary of `{}` gives `{first}` and `{second}` the same code `{}`",
                    name.value, code.value
                );
                self.err(
                    codes::EXPORT_STYLE_TYPE,
                    code.span,
                    msg,
                    Some("give every value its own code, so the export can be read back".into()),
                );
                ok = false;
                continue;
            }
            let mut pairs: Vec<(String, String)> = map
                .iter()
                .map(|(k, c)| (k.value.text.clone(), c.value.clone()))
                .collect();
            pairs.sort();
            if let Some(col) = columns.iter_mut().find(|(c, _)| *c == a) {
                col.1 = ValueStyle::Codes(pairs);
            }
        }
        ok
    }

    fn batch(&mut self, eid: EntityId, b: &Sp<String>) -> Option<AttrId> {
        let Some(a) = self.entities[eid].attr(&b.value) else {
            self.unknown_attr(eid, &b.value.clone(), b.span);
            return None;
        };
        let attr = &self.entities[eid].attributes[a];
        if !attr.ty.is_temporal() || attr.nullable || attr.hidden {
            let why = if attr.hidden {
                ", hidden".to_string()
            } else if attr.nullable {
                format!(
                    " and nullable ({})",
                    super::generators::nullability::nullable_reason(&self.entities, eid, a)
                )
            } else {
                String::new()
            };
            let msg = format!(
                "batches come from `{}`, which is {}{why}",
                attr.name, attr.ty
            );
            self.err(
                codes::EXPORT_STYLE_TYPE,
                b.span,
                msg,
                Some("batch by a non-null, exported date or timestamp attribute".into()),
            );
            return None;
        }
        Some(a)
    }
}

fn key_type(key: &str) -> &'static str {
    match key {
        "dates" => "date",
        "timestamps" | "utc_offset" => "timestamp",
        "decimals" => "decimal and double",
        _ => "boolean",
    }
}

/// The timestamp style `styles` set, without reporting a bad word (a column that uses it
/// reports it): ISO for a word that does not parse or a local time without its offset.
fn quiet_time_style(styles: &Styles) -> TimeStyle {
    let iso = TimeStyle::Utc(DateStyle::Iso);
    match styles.timestamps.map(|w| w.value.as_str()) {
        Some("local") => styles
            .utc_offset
            .and_then(|o| parse_offset(&o.value))
            .map_or(iso, TimeStyle::Local),
        Some(w) => DateStyle::parse(w).map_or(iso, TimeStyle::Utc),
        None => iso,
    }
}
