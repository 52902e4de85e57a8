//! Time generators: `between` (a date or timestamp range) and `after` / `before` (a time
//! relative to an anchor, by `within`), both with optional seasonality.

use super::{At, EntityScope};
use crate::codes;
use crate::ir::value::{self, parse_date, parse_duration, parse_timestamp};
use crate::ir::*;
use crate::resolve::Resolver;
use crate::resolve::expr::Scope;
use crate::spec::ast::{self, Sp};

const DATE_HELP: &str = "dates are `YYYY-MM-DD`; timestamps may add `THH:MM:SS`";

impl Resolver<'_> {
    /// `between: [start, end]`: a date or timestamp range, start before end.
    pub(super) fn between_generator(&mut self, at: &At, g: &ast::BetweenGen) -> Option<Generator> {
        let b = &g.range;
        let ty = at.ty;
        if !ty.is_temporal() {
            return self.bad_type(at, "between", b.span, "a date or timestamp type");
        }
        let parse = |s: &Sp<String>| {
            if ty == Type::Date {
                parse_date(&s.value).map(i64::from)
            } else {
                parse_timestamp(&s.value)
            }
        };
        let (lo, hi) = match (parse(&b.value.0), parse(&b.value.1)) {
            (Ok(lo), Ok(hi)) => (lo, hi),
            (Err(m), _) => {
                return self.refuse(
                    codes::INVALID_VALUE,
                    b.value.0.span,
                    m,
                    Some(DATE_HELP.into()),
                );
            }
            (_, Err(m)) => {
                return self.refuse(
                    codes::INVALID_VALUE,
                    b.value.1.span,
                    m,
                    Some(DATE_HELP.into()),
                );
            }
        };
        if lo > hi {
            return self.refuse(
                codes::BAD_RANGE,
                b.span,
                format!(
                    "`between` starts after it ends ({} > {})",
                    b.value.0.value, b.value.1.value
                ),
                Some("swap the two bounds".into()),
            );
        }
        // A timestamp range given as dates covers the whole end day.
        let hi = if ty == Type::Timestamp && !b.value.1.value.contains(['T', ' ']) {
            hi + value::MS_PER_DAY - 1
        } else {
            hi
        };
        let seasonality = self.seasonality(g.seasonality.as_ref(), ty)?;
        Some(Generator::Between {
            lo,
            hi,
            seasonality,
        })
    }

    /// `after` / `before`: a time relative to a date or timestamp anchor, by `within`.
    pub(super) fn relative_generator(
        &mut self,
        at: &At,
        g: &ast::RelativeGen,
    ) -> Option<Generator> {
        let gen_name = if g.before { "before" } else { "after" };
        let anchor = &g.anchor;
        if !at.ty.is_temporal() {
            return self.bad_type(at, gen_name, anchor.span, "a date or timestamp type");
        }
        let scope = EntityScope {
            entities: &self.entities,
            domains: &self.domains,
            entity: at.eid,
        };
        let col = match scope.column(&anchor.value, anchor.span) {
            Ok((c, t)) if t.is_temporal() => c,
            Ok((_, t)) => {
                return self.refuse(
                    codes::GENERATOR_TYPE,
                    anchor.span,
                    format!(
                        "`{gen_name}: {}` refers to a {t}, not a date or timestamp",
                        anchor.value
                    ),
                    None,
                );
            }
            Err(d) => {
                self.diags.push(d);
                return None;
            }
        };
        let Some(w) = &g.within else {
            return self.refuse(
                codes::MISSING_KEY,
                anchor.span,
                format!("`{gen_name}` needs `within`"),
                Some(format!("e.g. `{gen_name}: {}, within: 3d`", anchor.value)),
            );
        };
        let (min_ms, max_ms) = self.within(w)?;
        let seasonality = self.seasonality(g.seasonality.as_ref(), at.ty)?;
        Some(Generator::Relative {
            anchor: col,
            before: g.before,
            min_ms,
            max_ms,
            seasonality,
        })
    }

    /// The gap of `within` in milliseconds: `(0, max)` or `(min, max)`.
    fn within(&mut self, w: &Sp<ast::WithinSpec>) -> Option<(i64, i64)> {
        let (min_ms, max_ms) = match &w.value {
            ast::WithinSpec::Max(m) => match parse_duration(m) {
                Ok(v) => (0, v),
                Err(msg) => return self.refuse(codes::INVALID_VALUE, w.span, msg, None),
            },
            ast::WithinSpec::Range((lo, hi)) => match (parse_duration(lo), parse_duration(hi)) {
                (Ok(l), Ok(h)) => (l, h),
                (Err(msg), _) | (_, Err(msg)) => {
                    return self.refuse(codes::INVALID_VALUE, w.span, msg, None);
                }
            },
        };
        if min_ms > max_ms {
            return self.refuse(
                codes::BAD_RANGE,
                w.span,
                "`within` range has min > max",
                Some("write `[shortest, longest]`".into()),
            );
        }
        Some((min_ms, max_ms))
    }

    /// Seasonality weights: 12 months, 7 weekdays, 24 hours (timestamps only), each ≥ 0 and
    /// not all 0. `None` after an error.
    fn seasonality(
        &mut self,
        s: Option<&Sp<ast::SeasonalitySpec>>,
        ty: Type,
    ) -> Option<Seasonality> {
        let Some(s) = s else {
            return Some(Seasonality::default());
        };
        let mut out = Seasonality::default();
        for (key, list, n) in [
            ("month", &s.value.month, 12),
            ("weekday", &s.value.weekday, 7),
            ("hour", &s.value.hour, 24),
        ] {
            let Some(list) = list else { continue };
            if list.value.len() != n {
                let monday = if key == "weekday" {
                    ", Monday first"
                } else {
                    ""
                };
                return self.refuse(
                    codes::BAD_SEASONALITY,
                    list.span,
                    format!(
                        "`seasonality.{key}` has {} weights; it needs {n}",
                        list.value.len()
                    ),
                    Some(format!("one weight per {key}{monday}")),
                );
            }
            if list.value.iter().any(|w| *w < 0.0) || list.value.iter().sum::<f64>() <= 0.0 {
                return self.refuse(
                    codes::BAD_SEASONALITY,
                    list.span,
                    format!("`seasonality.{key}` weights must be ≥ 0 and not all 0"),
                    None,
                );
            }
            if key == "hour" && ty == Type::Date {
                return self.refuse(
                    codes::BAD_SEASONALITY,
                    list.span,
                    "hour-of-day seasonality needs a timestamp, not a date",
                    None,
                );
            }
            match key {
                "month" => out.month = list.value.clone(),
                "weekday" => out.weekday = list.value.clone(),
                _ => out.hour = list.value.clone(),
            }
        }
        Some(out)
    }
}
