//! The `choice` generator: distinct values of the attribute's type with weights ≥ 0 that do
//! not all vanish. Duplicates are found with a hash set, so a choice of many values checks in
//! linear time.

use super::{At, a_type};
use crate::codes;
use crate::diagnostics::Span;
use crate::ir::*;
use crate::resolve::Resolver;
use crate::spec::ast::{self, Sp};
use std::collections::HashSet;

impl Resolver<'_> {
    /// `choice`: weighted or equally likely values.
    pub(super) fn choice_generator(
        &mut self,
        at: &At,
        c: &Sp<ast::ChoiceSpec>,
    ) -> Option<Generator> {
        let pairs: Vec<(&Sp<ast::Scalar>, f64, Span)> = match &c.value {
            ast::ChoiceSpec::List(v) => v.iter().map(|s| (s, 1.0, s.span)).collect(),
            ast::ChoiceSpec::Weighted(v) => v.iter().map(|(s, w)| (s, w.value, w.span)).collect(),
        };
        let mut values = Vec::new();
        let mut weights = Vec::new();
        let mut seen = HashSet::new();
        for (s, w, wspan) in pairs {
            match Value::parse(&s.value.text, at.ty) {
                Ok(v) => {
                    if !seen.insert(ValueKey::of(&v)) {
                        return self.refuse(
                            codes::DUPLICATE_NAME,
                            s.span,
                            format!("choice value `{}` is listed twice", s.value.text),
                            None,
                        );
                    }
                    values.push(v)
                }
                Err(msg) => {
                    return self.refuse(
                        codes::GENERATOR_TYPE,
                        s.span,
                        format!("choice value for `{}`: {msg}", at.name),
                        Some(format!("every value must be {}", a_type(at.ty))),
                    );
                }
            }
            if w < 0.0 {
                return self.refuse(
                    codes::BAD_WEIGHTS,
                    wspan,
                    format!("weight {w} is negative"),
                    Some("weights are relative frequencies ≥ 0".into()),
                );
            }
            weights.push(w);
        }
        if weights.iter().sum::<f64>() <= 0.0 {
            return self.refuse(
                codes::BAD_WEIGHTS,
                c.span,
                "choice weights sum to 0",
                Some("give at least one value a positive weight".into()),
            );
        }
        Some(Generator::Choice { values, weights })
    }
}

/// A hashable stand-in for a [`Value`] with the same equality: floats compare by their bits,
/// with `-0.0` taken as `0.0` (the loader never produces NaN).
#[derive(Hash, PartialEq, Eq)]
enum ValueKey {
    Null,
    Bool(bool),
    Int(i64),
    Float(u64),
    Decimal(i128, u8),
    Str(String),
    Date(i32),
    Timestamp(i64),
    Interval(i64),
}

impl ValueKey {
    fn of(v: &Value) -> Self {
        match v {
            Value::Null => ValueKey::Null,
            Value::Bool(b) => ValueKey::Bool(*b),
            Value::Int(i) => ValueKey::Int(*i),
            Value::Float(f) => ValueKey::Float(if *f == 0.0 { 0 } else { f.to_bits() }),
            Value::Decimal(d, s) => ValueKey::Decimal(*d, *s),
            Value::Str(s) => ValueKey::Str(s.clone()),
            Value::Date(d) => ValueKey::Date(*d),
            Value::Timestamp(t) => ValueKey::Timestamp(*t),
            Value::Interval(i) => ValueKey::Interval(*i),
        }
    }
}
