//! Generators of plain values: `const`, `cycle`, `dist` (with its clamps and rounding) and
//! `fake`.

use super::{At, a_type};
use crate::codes;
use crate::diagnostics::{Span, did_you_mean};
use crate::ir::*;
use crate::resolve::Resolver;
use crate::spec::ast::{self, Sp};

impl Resolver<'_> {
    /// `const`: one value of the attribute's type, or null.
    pub(super) fn const_generator(&mut self, at: &At, c: &Sp<ast::Scalar>) -> Option<Generator> {
        match Value::parse(&c.value.text, at.ty) {
            Ok(v) if !c.value.is_null() => Some(Generator::Const(v)),
            Ok(_) => {
                self.entities[at.eid].attributes[at.aid].nullable = true;
                Some(Generator::Const(Value::Null))
            }
            Err(msg) => self.refuse(
                codes::NOT_ASSIGNABLE,
                c.span,
                msg,
                Some(format!("give {} value", a_type(at.ty))),
            ),
        }
    }

    /// `cycle`: values of the attribute's type (or null), taken in turn.
    pub(super) fn cycle_generator(
        &mut self,
        at: &At,
        c: &Sp<Vec<Sp<ast::Scalar>>>,
    ) -> Option<Generator> {
        let mut values = Vec::new();
        for s in &c.value {
            let v = if s.value.is_null() {
                Ok(Value::Null)
            } else {
                Value::parse(&s.value.text, at.ty)
            };
            match v {
                Ok(v) => values.push(v),
                Err(msg) => {
                    return self.refuse(
                        codes::GENERATOR_TYPE,
                        s.span,
                        format!("cycle value for `{}`: {msg}", at.name),
                        Some(format!("every value must be {}", a_type(at.ty))),
                    );
                }
            }
        }
        if values.contains(&Value::Null) {
            self.entities[at.eid].attributes[at.aid].nullable = true;
        }
        Some(Generator::Cycle(values))
    }

    /// `dist`: a distribution with valid parameters that fits the attribute's type, clamped
    /// by `min`/`max` and rounded by `round`.
    pub(super) fn dist_generator(&mut self, at: &At, g: &ast::DistGen) -> Option<Generator> {
        let d = &g.dist;
        let dist = self.dist(d)?;
        let is_bool_dist = matches!(dist, Dist::Bernoulli { .. });
        if is_bool_dist != (at.ty == Type::Bool) || !(at.ty.is_numeric() || at.ty == Type::Bool) {
            let want = if is_bool_dist {
                "a bool type"
            } else {
                "a numeric type (use `bernoulli` for bool)"
            };
            return self.bad_type(at, "dist", d.span, want);
        }
        if let Dist::Uniform(lo, hi) = dist
            && at.ty.is_integer()
        {
            self.integer_uniform(at, d.span, lo, hi)?;
        }
        let (min, max) = (g.min.as_ref(), g.max.as_ref());
        if let (Some(lo), Some(hi)) = (min, max)
            && lo.value > hi.value
        {
            return self.refuse(
                codes::BAD_RANGE,
                lo.span,
                format!("`min` {} is greater than `max` {}", lo.value, hi.value),
                None,
            );
        }
        if let Dist::Uniform(lo, hi) = dist
            && at.ty.is_integer()
        {
            // The values drawn, after `min`/`max` clamp them, must fit the integer type at
            // any scale.
            let lo = min.map_or(lo, |m| lo.max(m.value)).ceil();
            let hi = max.map_or(hi, |m| hi.min(m.value)).floor();
            let (tlo, thi) = at.ty.int_range();
            if lo < tlo as f64 || hi > thi as f64 {
                return self.refuse(
                    codes::GENERATOR_TYPE,
                    d.span,
                    format!("`uniform` draws values in [{lo}, {hi}], outside {}'s range {tlo}..={thi}", at.ty),
                    Some("narrow the range (or clamp it with `min`/`max`), or use a wider integer type".into()),
                );
            }
        }
        Some(Generator::Dist {
            dist,
            min: min.map(|m| m.value),
            max: max.map(|m| m.value),
            round: g.round.as_ref().map(|r| r.value),
        })
    }

    /// An integer `uniform` range holds an integer and stays inside the 64-bit range (the
    /// narrower types are checked value by value when the rows are generated).
    fn integer_uniform(&mut self, at: &At, span: Span, lo: f64, hi: f64) -> Option<()> {
        // 2^63 is how i64::MAX reads as a number.
        const LIMIT: f64 = 9_223_372_036_854_775_808.0;
        if lo.ceil() > hi.floor() {
            return self.refuse(
                codes::BAD_RANGE,
                span,
                format!("`uniform: [{lo}, {hi}]` holds no integer for `{}`", at.name),
                Some(format!(
                    "`{}` is {}; widen the range",
                    at.name,
                    a_type(at.ty)
                )),
            );
        }
        if lo.ceil() < -LIMIT || hi.floor() > LIMIT {
            return self.refuse(
                codes::BAD_RANGE,
                span,
                format!("`uniform: [{lo}, {hi}]` leaves the 64-bit integer range"),
                Some("keep integer ranges within ±9223372036854775807".into()),
            );
        }
        Some(())
    }

    /// A distribution's parameters, checked.
    fn dist(&mut self, d: &Sp<ast::DistSpec>) -> Option<Dist> {
        let bad = |this: &mut Self, msg: String, help: Option<&str>| {
            this.refuse(codes::BAD_DIST, d.span, msg, help.map(str::to_string))
        };
        Some(match d.value {
            ast::DistSpec::Uniform((lo, hi)) => {
                if !lo.is_finite() || !hi.is_finite() {
                    let msg = format!("`uniform: [{lo}, {hi}]` needs finite bounds");
                    return bad(self, msg, None);
                }
                if lo > hi {
                    return self.refuse(
                        codes::BAD_RANGE,
                        d.span,
                        format!("`uniform: [{lo}, {hi}]` has min > max"),
                        Some(format!("write `[{hi}, {lo}]`")),
                    );
                }
                Dist::Uniform(lo, hi)
            }
            ast::DistSpec::Normal { mean, sd } => {
                if sd < 0.0 {
                    let msg = format!("normal `sd` is {sd}; it must be ≥ 0");
                    return bad(self, msg, Some("sd is the standard deviation"));
                }
                Dist::Normal { mean, sd }
            }
            ast::DistSpec::Lognormal { median, sigma } => {
                if sigma < 0.0 {
                    let msg = format!("lognormal `sigma` is {sigma}; it must be ≥ 0");
                    let help =
                        "sigma is the standard deviation of the log; 0.5–1.0 is typical for prices";
                    return bad(self, msg, Some(help));
                }
                if median <= 0.0 {
                    let msg = format!("lognormal `median` is {median}; it must be > 0");
                    return bad(self, msg, None);
                }
                Dist::Lognormal { median, sigma }
            }
            ast::DistSpec::Exponential { mean } => {
                if mean <= 0.0 {
                    let msg = format!("exponential `mean` is {mean}; it must be > 0");
                    return bad(self, msg, None);
                }
                Dist::Exponential { mean }
            }
            ast::DistSpec::Poisson { mean } => {
                if !(0.0..=1e9).contains(&mean) {
                    let msg = format!("poisson `mean` is {mean}; it must be in [0, 1e9]");
                    return bad(self, msg, None);
                }
                Dist::Poisson { mean }
            }
            ast::DistSpec::Geometric { p } => {
                if !(p > 0.0 && p <= 1.0) {
                    let msg = format!("geometric `p` is {p}; it must be in (0, 1]");
                    return bad(self, msg, None);
                }
                Dist::Geometric { p }
            }
            ast::DistSpec::Zipf { n, s } => {
                if n < 1 || s <= 0.0 {
                    return bad(self, "zipf needs `n` ≥ 1 and `s` > 0".into(), None);
                }
                Dist::Zipf { n, s }
            }
            ast::DistSpec::Bernoulli { p } => {
                if !(0.0..=1.0).contains(&p) {
                    return self.refuse(
                        codes::BAD_RATE,
                        d.span,
                        format!("bernoulli `p` is {p}; it must be in [0, 1]"),
                        None,
                    );
                }
                Dist::Bernoulli { p }
            }
        })
    }

    /// `fake`: a known faker for a string attribute, with a length range where it takes one.
    pub(super) fn fake_generator(&mut self, at: &At, f: &Sp<ast::FakeSpec>) -> Option<Generator> {
        let (kname, range) = match &f.value {
            ast::FakeSpec::Name(n) => (n.as_str(), None),
            ast::FakeSpec::WithRange(n, r) => (n.as_str(), Some(*r)),
        };
        let Some(kind) = FakeKind::parse(kname) else {
            let names = || FakeKind::ALL.iter().map(|k| k.0);
            let help = did_you_mean(kname, names())
                .unwrap_or_else(|| format!("fakers: {}", names().collect::<Vec<_>>().join(", ")));
            return self.refuse(
                codes::INVALID_VALUE,
                f.span,
                format!("unknown faker `{kname}`"),
                Some(help),
            );
        };
        if !at.ty.is_string() {
            return self.bad_type(at, "fake", f.span, "a string type");
        }
        if let Some((lo, hi)) = range {
            if !kind.takes_range() {
                return self.refuse(
                    codes::INVALID_VALUE,
                    f.span,
                    format!("faker `{kname}` takes no length range"),
                    Some("ranges apply to words, sentence, paragraph and digits".into()),
                );
            }
            if lo > hi || hi > 1000 || hi == 0 {
                return self.refuse(
                    codes::BAD_RANGE,
                    f.span,
                    format!("length range [{lo}, {hi}] must have 0 < min ≤ max ≤ 1000"),
                    None,
                );
            }
        }
        Some(Generator::Fake { kind, range })
    }
}
