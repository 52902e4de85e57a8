//! The one error of generation: a value that cannot be written, located at the entity, the
//! attribute and the row where it arose. The evaluator records the first one it meets (and
//! goes on with a placeholder, so the rest of the chunk stays well-formed); the chunk is then
//! refused and the caller discards the staged output. [`Error::diagnostic`] renders it with
//! the attribute's span in the specs.

use crate::codes;
use crate::diagnostics::Diagnostic;
use crate::ir::{AttrId, EntityId, FkId};
use crate::layout::Layout;

/// The largest string value an expression may produce, in bytes (1 MiB). Nested `replace`
/// or `||` can grow a value exponentially; past this a value is an error, not a gigabyte.
pub const MAX_VALUE_BYTES: usize = 1 << 20;

/// A value generation could not produce or store, and where.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    pub entity: EntityId,
    /// The attribute being generated; `None` for a row count or `when` of the entity's rows.
    pub attr: Option<AttrId>,
    /// The 0-based row of `entity` (of the parent entity for row counts).
    pub row: u64,
    pub kind: ErrorKind,
}

/// What went wrong.
#[derive(Clone, Debug, PartialEq)]
pub enum ErrorKind {
    /// A `lookup` foreign key gave a key value that no target row has.
    LookupMiss { fk: FkId, value: String },
    /// A `match` foreign key gave a value that no target row (of positive weight) has.
    EmptyGroup { fk: FkId, value: String },
    /// A floating-point value is infinite or not a number.
    NonFinite,
    /// Integer arithmetic, a row count or an offset left the 64-bit range, or a value left
    /// its column type's range.
    Overflow { what: String },
    /// A string value is longer than [`MAX_VALUE_BYTES`].
    ValueTooLarge { bytes: usize },
    /// A date or timestamp outside years 0001–9999.
    DateOutOfRange,
    /// A value that must not be negative is (a child count, a pick weight): what and the value.
    Negative { what: String, value: String },
    /// A string longer than its `string(n)` type allows (never cut to fit): its length in
    /// characters, the type's `n`, and the value's beginning.
    TooLong {
        chars: usize,
        max: u32,
        value: String,
    },
    /// A null in a column declared without nulls.
    UnexpectedNull,
    /// A per-row time range (`between` or `within` with a bound from the row) whose start is
    /// after its end.
    EmptyRange { lo: String, hi: String },
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at row {}", self.kind, self.row + 1)
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ErrorKind::LookupMiss { value, .. } => write!(f, "lookup value `{value}` has no row"),
            ErrorKind::EmptyGroup { value, .. } => write!(f, "match value `{value}` has no row"),
            ErrorKind::NonFinite => f.write_str("a number is infinite or not a number"),
            ErrorKind::Overflow { what } => write!(f, "{what} overflows"),
            ErrorKind::ValueTooLarge { bytes } => write!(
                f,
                "a value of {bytes} bytes is larger than the {MAX_VALUE_BYTES}-byte limit"
            ),
            ErrorKind::DateOutOfRange => f.write_str("a date is outside years 0001-9999"),
            ErrorKind::Negative { what, value } => write!(f, "{what} is negative ({value})"),
            ErrorKind::TooLong { chars, max, value } => write!(
                f,
                "the value `{value}` has {chars} characters, more than string({max}) holds"
            ),
            ErrorKind::UnexpectedNull => f.write_str("a null in a column without nulls"),
            ErrorKind::EmptyRange { lo, hi } => {
                write!(
                    f,
                    "the range from {lo} to {hi} is empty (its start is after its end)"
                )
            }
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    /// The located diagnostic: the attribute's span (the entity's for row counts), a message
    /// naming the entity, the attribute and the 1-based row, and a hint.
    pub fn diagnostic(&self, layout: &Layout) -> Diagnostic {
        let ir = &layout.ir;
        let ent = &ir.entities[self.entity];
        let fk_attr = |k: FkId| {
            let fk = ent.foreign_keys.get(k)?;
            Some((fk, ent.attributes.get(*fk.columns.first()?)?))
        };
        if let ErrorKind::LookupMiss { fk, value } = &self.kind
            && let Some((fk, attr)) = fk_attr(*fk)
        {
            let target = &ir.entities[fk.target];
            return Diagnostic::error(
                codes::BAD_KEY,
                Some(attr.span),
                format!(
                    "`{}.{}` looks up `{}` key `{value}`, which no row has",
                    ent.qualified, attr.name, target.qualified
                ),
            )
            .with_help(format!(
                "`{}` has {} rows; make the lookup give one of their keys",
                target.qualified, layout.entities[fk.target].rows
            ));
        }
        if let ErrorKind::EmptyGroup { fk, value } = &self.kind
            && let Some((fk, attr)) = fk_attr(*fk)
        {
            let target = &ir.entities[fk.target];
            let on = match &fk.pick {
                crate::ir::Pick::Match { attr, .. } => target.attributes[*attr].name.as_str(),
                _ => "",
            };
            return Diagnostic::error(
                codes::EMPTY_GROUP,
                Some(attr.span),
                format!(
                    "`{}.{}` picks a `{}` row with `{on}` = `{value}`, but no row{} has that value",
                    ent.qualified,
                    attr.name,
                    target.qualified,
                    if matches!(fk.pick, crate::ir::Pick::Match { weight: Some(_), .. }) { " of positive weight" } else { "" },
                ),
            )
            .with_help(format!(
                "give `{}.{on}` every value the expression can take (or more rows), or guard the expression so it gives only values that have rows",
                target.qualified
            ));
        }
        let (span, what) = match self.attr.and_then(|a| ent.attributes.get(a)) {
            Some(a) => (a.span, format!("`{}.{}`", ent.qualified, a.name)),
            None => (ent.span, format!("the row count of `{}`", ent.qualified)),
        };
        let help = match &self.kind {
            ErrorKind::NonFinite => {
                "keep the expression's arguments in range (e.g. `least`, `greatest`), or guard it with `case`"
            }
            ErrorKind::Overflow { .. } => "use a wider type, smaller numbers or a smaller --scale",
            ErrorKind::ValueTooLarge { .. } => {
                "shorten the values the expression builds (nested `replace` and `||` grow quickly)"
            }
            ErrorKind::Negative { .. } => {
                "keep the value at zero or more, e.g. with `greatest(..., 0)`"
            }
            ErrorKind::TooLong { .. } => {
                "declare a longer `string(n)` (or plain `string`), or make the values shorter"
            }
            ErrorKind::DateOutOfRange => {
                "keep dates and timestamps between 0001-01-01 and 9999-12-31"
            }
            ErrorKind::EmptyRange { .. } => {
                "order the bounds at every row (e.g. `greatest`/`least`, or a `when` on the attribute), or make a bound null where no range exists"
            }
            ErrorKind::UnexpectedNull
            | ErrorKind::LookupMiss { .. }
            | ErrorKind::EmptyGroup { .. } => {
                "allow nulls with `nulls:` or guard the expression with `coalesce`"
            }
        };
        Diagnostic::error(
            codes::GENERATED_VALUE,
            Some(span),
            format!("{what}: {} at row {}", self.kind, self.row + 1),
        )
        .with_help(help)
    }
}
