//! The logical type system and its one mapping table: every logical type's Arrow type, Athena
//! (Hive DDL) type, Parquet physical type, and the names the dictionary and Mermaid use. Any
//! emitter or sink that needs a type name asks this module; nothing else spells type names.

use crate::arrow::datatypes::{DataType, TimeUnit};

/// A logical column type. Timestamps are UTC with millisecond precision; dates are days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Bool,
    Int8,
    Int16,
    Int32,
    Int64,
    Float64,
    Decimal(u8, u8),
    String(Option<u32>),
    Date,
    Timestamp,
    /// Expression-only: a duration in milliseconds (from `days(3)` etc.).
    Interval,
    /// Expression-only: the type of the `null` literal.
    Null,
}

/// The largest decimal precision Athena (and Arrow's Decimal128) supports.
pub const MAX_DECIMAL_PRECISION: u8 = 38;

impl Type {
    /// Parses a spec type name: `int64`, `decimal(12,2)`, `string(40)` …
    pub fn parse(s: &str) -> Result<Type, String> {
        let t = s.trim();
        let simple = match t {
            "bool" | "boolean" => Some(Type::Bool),
            "int8" => Some(Type::Int8),
            "int16" => Some(Type::Int16),
            "int32" => Some(Type::Int32),
            "int64" => Some(Type::Int64),
            "float64" => Some(Type::Float64),
            "string" => Some(Type::String(None)),
            "date" => Some(Type::Date),
            "timestamp" => Some(Type::Timestamp),
            _ => None,
        };
        if let Some(t) = simple {
            return Ok(t);
        }
        let args = |prefix: &str| -> Option<Vec<String>> {
            let inner = t
                .strip_prefix(prefix)?
                .trim_start()
                .strip_prefix('(')?
                .strip_suffix(')')?;
            Some(inner.split(',').map(|a| a.trim().to_string()).collect())
        };
        if let Some(a) = args("decimal") {
            let nums: Vec<Option<u32>> = a.iter().map(|x| x.parse().ok()).collect();
            return match nums.as_slice() {
                [Some(p), Some(s)] if *p >= 1 && *p <= MAX_DECIMAL_PRECISION as u32 && s <= p => {
                    Ok(Type::Decimal(*p as u8, *s as u8))
                }
                [Some(_), Some(_)] => Err(format!(
                    "decimal precision must be 1..={MAX_DECIMAL_PRECISION} and scale at most the precision"
                )),
                _ => {
                    Err("write decimals as `decimal(precision,scale)`, e.g. `decimal(12,2)`".into())
                }
            };
        }
        if let Some(a) = args("string") {
            return match a.as_slice() {
                [n] => match n.parse::<u32>() {
                    Ok(n) if (1..=65535).contains(&n) => Ok(Type::String(Some(n))),
                    _ => Err("string length must be 1..=65535".into()),
                },
                _ => Err("write a bounded string as `string(n)`".into()),
            };
        }
        Err(format!("unknown type `{t}`"))
    }

    /// All type names a spec may use, for "did you mean".
    pub const NAMES: &'static [&'static str] = &[
        "bool",
        "int8",
        "int16",
        "int32",
        "int64",
        "float64",
        "decimal(p,s)",
        "string",
        "string(n)",
        "date",
        "timestamp",
    ];

    /// The spec spelling (`decimal(12,2)`).
    pub fn spec_name(self) -> String {
        match self {
            Type::Bool => "bool".into(),
            Type::Int8 => "int8".into(),
            Type::Int16 => "int16".into(),
            Type::Int32 => "int32".into(),
            Type::Int64 => "int64".into(),
            Type::Float64 => "float64".into(),
            Type::Decimal(p, s) => format!("decimal({p},{s})"),
            Type::String(None) => "string".into(),
            Type::String(Some(n)) => format!("string({n})"),
            Type::Date => "date".into(),
            Type::Timestamp => "timestamp".into(),
            Type::Interval => "interval".into(),
            Type::Null => "null".into(),
        }
    }

    /// The Athena / Hive DDL type name.
    pub fn athena(self) -> String {
        match self {
            Type::Bool => "boolean".into(),
            Type::Int8 => "tinyint".into(),
            Type::Int16 => "smallint".into(),
            Type::Int32 => "int".into(),
            Type::Int64 => "bigint".into(),
            Type::Float64 => "double".into(),
            Type::Decimal(p, s) => format!("decimal({p},{s})"),
            Type::String(None) => "string".into(),
            Type::String(Some(n)) => format!("varchar({n})"),
            Type::Date => "date".into(),
            Type::Timestamp => "timestamp".into(),
            Type::Interval | Type::Null => "string".into(),
        }
    }

    /// A Mermaid-safe type token (no commas or brackets): `decimal_12_2`, `varchar_40`.
    pub fn mermaid(self) -> String {
        self.athena()
            .replace(['(', ','], "_")
            .replace([')', ' '], "")
    }

    /// The Arrow type the sinks write (Athena-safe: no unsigned ints, millisecond
    /// timestamps without a zone, Date32, Decimal128).
    pub fn arrow(self) -> DataType {
        match self {
            Type::Bool => DataType::Boolean,
            Type::Int8 => DataType::Int8,
            Type::Int16 => DataType::Int16,
            Type::Int32 => DataType::Int32,
            Type::Int64 => DataType::Int64,
            Type::Float64 => DataType::Float64,
            Type::Decimal(p, s) => DataType::Decimal128(p, s as i8),
            Type::String(_) | Type::Interval | Type::Null => DataType::Utf8,
            Type::Date => DataType::Date32,
            Type::Timestamp => DataType::Timestamp(TimeUnit::Millisecond, None),
        }
    }

    /// The Parquet physical type (with logical annotation) arrow-rs writes for this type.
    pub fn parquet(self) -> &'static str {
        match self {
            Type::Bool => "BOOLEAN",
            Type::Int8 => "INT32 (INT(8,true))",
            Type::Int16 => "INT32 (INT(16,true))",
            Type::Int32 => "INT32",
            Type::Int64 => "INT64",
            Type::Float64 => "DOUBLE",
            Type::Decimal(p, _) if p <= 9 => "INT32 (DECIMAL)",
            Type::Decimal(p, _) if p <= 18 => "INT64 (DECIMAL)",
            Type::Decimal(..) => "FIXED_LEN_BYTE_ARRAY (DECIMAL)",
            Type::String(_) | Type::Interval | Type::Null => "BYTE_ARRAY (STRING)",
            Type::Date => "INT32 (DATE)",
            Type::Timestamp => "INT64 (TIMESTAMP(MILLIS,false))",
        }
    }

    pub fn is_integer(self) -> bool {
        matches!(self, Type::Int8 | Type::Int16 | Type::Int32 | Type::Int64)
    }
    pub fn is_numeric(self) -> bool {
        self.is_integer() || matches!(self, Type::Float64 | Type::Decimal(..))
    }
    pub fn is_temporal(self) -> bool {
        matches!(self, Type::Date | Type::Timestamp)
    }
    pub fn is_string(self) -> bool {
        matches!(self, Type::String(_))
    }

    /// Range of an integer type.
    pub fn int_range(self) -> (i64, i64) {
        match self {
            Type::Int8 => (i8::MIN as i64, i8::MAX as i64),
            Type::Int16 => (i16::MIN as i64, i16::MAX as i64),
            Type::Int32 => (i32::MIN as i64, i32::MAX as i64),
            _ => (i64::MIN, i64::MAX),
        }
    }

    /// Whether a value of type `from` may be stored in a column of this type (numeric
    /// widening and narrowing are allowed: values are cast and rounded).
    pub fn accepts(self, from: Type) -> bool {
        if from == Type::Null || self == from {
            return true;
        }
        match (self, from) {
            (a, b) if a.is_numeric() && b.is_numeric() => true,
            (Type::String(_), Type::String(_)) => true,
            (Type::Timestamp, Type::Date) => true,
            _ => false,
        }
    }

    /// Types equal for key comparison (string lengths and int widths must match exactly).
    pub fn same_key_type(self, other: Type) -> bool {
        match (self, other) {
            (Type::String(_), Type::String(_)) => true,
            (a, b) => a == b,
        }
    }
}

impl std::fmt::Display for Type {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.spec_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_maps() {
        assert_eq!(Type::parse("decimal(12, 2)"), Ok(Type::Decimal(12, 2)));
        assert!(Type::parse("decimal(40,2)").is_err());
        assert_eq!(Type::parse("string(40)").unwrap().athena(), "varchar(40)");
        assert_eq!(Type::Decimal(12, 2).mermaid(), "decimal_12_2");
        assert_eq!(
            Type::Timestamp.arrow(),
            DataType::Timestamp(TimeUnit::Millisecond, None)
        );
    }
}
