//! Time generators: `between` (a date or timestamp range) and `after` / `before` (a time
//! relative to an anchor, by `within`), both with optional seasonality.

use super::{At, EntityScope};
use crate::codes;
use crate::ir::value::{self, parse_date, parse_duration, parse_timestamp};
use crate::ir::*;
use crate::resolve::Resolver;
use crate::resolve::expr::Scope;
use crate::spec::ast::{self, Sp};

/// Whether a `between` bound is written as a date or timestamp literal (`2024-01-01`, with an
/// optional time); anything else is an expression over the row.
fn looks_like_time(s: &str) -> bool {
    let b = s.trim().as_bytes();
    b.len() >= 10 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

/// Whether a `within` bound is written as a duration literal (`3d`, `-3d`, `1.5h`, and
/// malformed ones such as `3 days`, reported as such); anything else (a name, a call, an
/// operator) is an expression over the row.
fn looks_like_duration(s: &str) -> bool {
    let t = s.trim();
    let t = t.strip_prefix('-').unwrap_or(t);
    t.starts_with(|c: char| c.is_ascii_digit())
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == ' ')
}

const DATE_HELP: &str = "dates are `YYYY-MM-DD`; timestamps may add `THH:MM:SS`";

impl Resolver<'_> {
    /// `between: [start, end]`: a date or timestamp range, start before end.
    pub(super) fn between_generator(&mut self, at: &At, g: &ast::BetweenGen) -> Option<Generator> {
        let b = &g.range;
        let ty = at.ty;
        if !ty.is_temporal() {
            return self.bad_type(at, "between", b.span, "a date or timestamp type");
        }
        if !looks_like_time(&b.value.0.value) || !looks_like_time(&b.value.1.value) {
            return self.between_window(at, g);
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
        let (col, anchor_ty) = match scope.column(&anchor.value, anchor.span) {
            Ok((c, t)) if t.is_temporal() => (c, t),
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
        let literal = match &w.value {
            ast::WithinSpec::Max(m) => looks_like_duration(&m.value),
            ast::WithinSpec::Range((lo, hi)) => {
                looks_like_duration(&lo.value) && looks_like_duration(&hi.value)
            }
        };
        if !literal {
            let anchor = Expr {
                kind: ExprKind::Col(col),
                ty: anchor_ty,
                span: anchor.span,
            };
            return self.relative_window(at, g, anchor, w);
        }
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
            ast::WithinSpec::Max(m) => match parse_duration(&m.value) {
                Ok(v) => (0, v),
                Err(msg) => return self.refuse(codes::INVALID_VALUE, w.span, msg, None),
            },
            ast::WithinSpec::Range((lo, hi)) => {
                match (parse_duration(&lo.value), parse_duration(&hi.value)) {
                    (Ok(l), Ok(h)) => (l, h),
                    (Err(msg), _) | (_, Err(msg)) => {
                        return self.refuse(codes::INVALID_VALUE, w.span, msg, None);
                    }
                }
            }
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

impl Resolver<'_> {
    /// `between: [a, b]` with an expression bound: each bound a date or timestamp, literal or
    /// computed from the row.
    fn between_window(&mut self, at: &At, g: &ast::BetweenGen) -> Option<Generator> {
        let (a, b) = (&g.range.value.0, &g.range.value.1);
        let lo = self.time_expr(at, a, false);
        let hi = self.time_expr(at, b, true);
        let seasonality = self.seasonality(g.seasonality.as_ref(), at.ty)?;
        Some(Generator::Window {
            lo: Box::new(lo?),
            hi: Box::new(hi?),
            seasonality,
        })
    }

    /// One `between` bound as a [`TimeBound`]. A timestamp range whose end is a date covers
    /// the whole end day, as with literals.
    fn time_expr(&mut self, at: &At, text: &Sp<String>, end: bool) -> Option<TimeBound> {
        let expr = if looks_like_time(&text.value) {
            let v = if at.ty == Type::Date {
                parse_date(&text.value).map(Value::Date)
            } else {
                parse_timestamp(&text.value).map(Value::Timestamp)
            };
            let v = match v {
                Ok(v) => v,
                Err(m) => {
                    return self.refuse(codes::INVALID_VALUE, text.span, m, Some(DATE_HELP.into()));
                }
            };
            // A date literal in a timestamp range is a date (its whole day when it ends it).
            let (v, ty) = match v {
                Value::Timestamp(ms) if text.value.contains(['T', ' ']) => {
                    (Value::Timestamp(ms), Type::Timestamp)
                }
                Value::Timestamp(ms) => (
                    Value::Date(i32::try_from(ms.div_euclid(value::MS_PER_DAY)).ok()?),
                    Type::Date,
                ),
                v => (v, Type::Date),
            };
            Expr {
                kind: ExprKind::Lit(v),
                ty,
                span: text.span,
            }
        } else {
            let off = self.quoted_offset(text.span);
            let site = format!("{}.{}#between", self.entities[at.eid].qualified, at.name);
            let e = self.check_expr(at.eid, text, off, &site)?;
            if !e.ty.is_temporal() {
                return self.refuse(
                    codes::GENERATOR_TYPE,
                    text.span,
                    format!(
                        "a `between` bound must be a date or timestamp, but `{}` is {}",
                        text.value, e.ty
                    ),
                    Some("name a date or timestamp attribute (e.g. `orders.ordered_at`) or write a date such as `2024-01-01`".into()),
                );
            }
            e
        };
        let whole_day = end && at.ty == Type::Timestamp && expr.ty == Type::Date;
        Some(TimeBound {
            at: expr,
            minus: false,
            offset: Offset::Ms(if whole_day { value::MS_PER_DAY - 1 } else { 0 }),
        })
    }

    /// `after` / `before` with a `within` bound computed from the row: the range is the anchor
    /// plus (or minus) the two offsets.
    fn relative_window(
        &mut self,
        at: &At,
        g: &ast::RelativeGen,
        anchor: Expr,
        w: &Sp<ast::WithinSpec>,
    ) -> Option<Generator> {
        let (min, max) = match &w.value {
            ast::WithinSpec::Max(m) => (Some(Offset::Ms(0)), self.offset(at, m)),
            ast::WithinSpec::Range((lo, hi)) => (self.offset(at, lo), self.offset(at, hi)),
        };
        let seasonality = self.seasonality(g.seasonality.as_ref(), at.ty)?;
        let (min, max) = (min?, max?);
        let bound = |offset: Offset| TimeBound {
            at: anchor.clone(),
            minus: g.before,
            offset,
        };
        let (lo, hi) = if g.before {
            (bound(max), bound(min))
        } else {
            (bound(min), bound(max))
        };
        Some(Generator::Window {
            lo: Box::new(lo),
            hi: Box::new(hi),
            seasonality,
        })
    }

    /// One `within` bound: a duration literal, or an expression giving a whole number of days
    /// or a duration.
    fn offset(&mut self, at: &At, text: &Sp<String>) -> Option<Offset> {
        if looks_like_duration(&text.value) {
            return match parse_duration(&text.value) {
                Ok(ms) => Some(Offset::Ms(ms)),
                Err(m) => self.refuse(codes::INVALID_VALUE, text.span, m, None),
            };
        }
        let off = self.quoted_offset(text.span);
        let site = format!("{}.{}#within", self.entities[at.eid].qualified, at.name);
        let e = self.check_expr(at.eid, text, off, &site)?;
        let unit_ms = match e.ty {
            t if t.is_integer() => value::MS_PER_DAY,
            Type::Interval => 1,
            t => {
                return self.refuse(
                    codes::GENERATOR_TYPE,
                    text.span,
                    format!(
                        "a `within` bound must be a whole number of days or a duration, but `{}` is {t}",
                        text.value
                    ),
                    Some("write a duration such as `3d`, name an integer attribute (days), or use `days(…)`, `hours(…)`".into()),
                );
            }
        };
        Some(Offset::Expr { expr: e, unit_ms })
    }
}
