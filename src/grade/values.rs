//! Cells as `lab score` compares them: every value becomes a *key*, its text in the truth's
//! representation (`Value::display`: ISO dates, `YYYY-MM-DDTHH:MM:SS.fff` timestamps, a
//! decimal point, `true`/`false`) at the precision the system keeps (timestamps cut to whole
//! seconds when its style has no milliseconds; text passed through Latin-1 when it writes
//! Latin-1). A system's text (a raw export's cell, or the `clean`/`dirty` of the cells log) is
//! parsed in the system's style; the user's column is cast to the truth's type with Arrow's
//! cast. A text that is no value of the type becomes a *bad* key: unequal to every value.

use crate::arrow::array::{Array, ArrayRef, AsArray};
use crate::arrow::compute::{CastOptions, cast_with_options};
use crate::arrow::datatypes::{self as t, DataType};
use crate::ir::Type;
use crate::ir::export::{BoolStyle, DateStyle, DecimalStyle, TimeStyle, ValueStyle};
use crate::ir::value::{MS_PER_DAY, Value, format_timestamp, parse_date};

/// A compared cell: `None` is null.
pub type Key = Option<String>;

/// How the values of one column are compared.
#[derive(Clone, Copy, Debug)]
pub struct Norm {
    pub ty: Type,
    /// Whether the system keeps the milliseconds of a timestamp.
    pub millis: bool,
    /// Whether the system writes Latin-1 (a character it cannot hold becomes `?`).
    pub latin1: bool,
}

/// A text that is no value of the column's type: unequal to every value and every other text.
fn bad(text: &str) -> Key {
    Some(format!("\u{1}{text}"))
}

/// The key of a value.
pub fn key_of(v: &Value, n: &Norm) -> Key {
    match v {
        Value::Null => None,
        Value::Timestamp(ms) if !n.millis => Some(format_timestamp(ms.div_euclid(1000) * 1000)),
        Value::Str(s) if n.latin1 => Some(
            s.chars()
                .map(|c| if u32::from(c) > 0xFF { '?' } else { c })
                .collect(),
        ),
        v => Some(v.display()),
    }
}

/// The key of a system's text of a value, written in `style`.
pub fn styled(text: Option<&str>, style: &ValueStyle, n: &Norm) -> Key {
    let t = text?;
    match to_value(t, style, n.ty) {
        Some(v) => key_of(&v, n),
        None => bad(t),
    }
}

/// Parses a system's text in its style as a value of `ty`; surrounding blanks are part of a
/// string but make any other value unreadable.
fn to_value(t: &str, style: &ValueStyle, ty: Type) -> Option<Value> {
    if !ty.is_string() && t.trim() != t {
        return None;
    }
    let plain = |t: &str| Value::parse(t, ty).ok();
    match style {
        ValueStyle::Plain => plain(t),
        ValueStyle::Date(d) => date(t, *d).map(Value::Date),
        ValueStyle::Time(s) => time(t, *s).map(Value::Timestamp),
        ValueStyle::Decimal(DecimalStyle::Point) => plain(t),
        ValueStyle::Decimal(DecimalStyle::Comma) if !t.contains('.') => plain(&t.replace(',', ".")),
        ValueStyle::Decimal(DecimalStyle::Comma) => None,
        ValueStyle::Decimal(DecimalStyle::MinorUnits) => match ty {
            Type::Decimal(_, s) if t.bytes().all(|b| b.is_ascii_digit() || b == b'-') => {
                t.parse::<i128>().ok().map(|v| Value::Decimal(v, s))
            }
            Type::Decimal(..) => None,
            _ => plain(t),
        },
        ValueStyle::Bool(b) => bool_value(t, *b),
        // A text outside the vocabulary is read as it is (a typo in a code is a wrong value).
        ValueStyle::Codes(codes) => match codes.iter().find(|(_, code)| code == t) {
            Some((v, _)) => plain(v),
            None => plain(t),
        },
    }
}

fn bool_value(t: &str, b: BoolStyle) -> Option<Value> {
    let (yes, no) = b.texts();
    match t {
        _ if t == yes => Some(Value::Bool(true)),
        _ if t == no => Some(Value::Bool(false)),
        _ => None,
    }
}

/// Parses a date written in `style` into days since the epoch.
fn date(t: &str, style: DateStyle) -> Option<i32> {
    let iso = |y: &str, m: &str, d: &str| parse_date(&format!("{y}-{m}-{d}")).ok();
    match style {
        DateStyle::Iso => parse_date(t).ok(),
        DateStyle::Us => match t.split('/').collect::<Vec<_>>().as_slice() {
            [m, d, y] => iso(y, m, d),
            _ => None,
        },
        DateStyle::Dotted => match t.split('.').collect::<Vec<_>>().as_slice() {
            [d, m, y] => iso(y, m, d),
            _ => None,
        },
        DateStyle::Compact if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) => {
            iso(&t[..4], &t[4..6], &t[6..])
        }
        DateStyle::Compact => None,
        DateStyle::Epoch => {
            let secs: i64 = t.parse().ok()?;
            i32::try_from(secs.div_euclid(86_400)).ok()
        }
    }
}

/// Parses `HH:MM:SS` into milliseconds of the day.
fn clock(t: &str) -> Option<i64> {
    let b = t.as_bytes();
    if b.len() != 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let n = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = t.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (h, m, s) = (n(0..2)?, n(3..5)?, n(6..8)?);
    (h < 24 && m < 60 && s < 60).then_some(((h * 60 + m) * 60 + s) * 1000)
}

/// Parses a timestamp written in `style` into milliseconds since the epoch (UTC).
fn time(t: &str, style: TimeStyle) -> Option<i64> {
    let at = |day: Option<i32>, hms: &str| Some(i64::from(day?) * MS_PER_DAY + clock(hms)?);
    match style {
        // ISO as the style writes it (`…T09:50:26.123Z`), and as Parquet readers print it.
        TimeStyle::Utc(DateStyle::Iso) => crate::ir::value::parse_timestamp(t).ok(),
        TimeStyle::Utc(DateStyle::Epoch) => t.parse::<i64>().ok()?.checked_mul(1000),
        TimeStyle::Utc(DateStyle::Compact) if t.len() == 14 => {
            let hms = format!("{}:{}:{}", t.get(8..10)?, t.get(10..12)?, t.get(12..14)?);
            at(date(t.get(..8)?, DateStyle::Compact), &hms)
        }
        TimeStyle::Utc(DateStyle::Compact) => None,
        TimeStyle::Utc(d) => {
            let (day, hms) = t.split_once(' ')?;
            at(date(day, d), hms)
        }
        TimeStyle::Local(_) => {
            let (local, offset) = t.rsplit_once(' ')?;
            let (day, hms) = local.split_once(' ')?;
            let o = offset.as_bytes();
            if o.len() != 5 || !matches!(o[0], b'+' | b'-') {
                return None;
            }
            let hh: i64 = offset.get(1..3)?.parse().ok()?;
            let mm: i64 = offset.get(3..5)?.parse().ok()?;
            let minutes = (hh * 60 + mm) * if o[0] == b'-' { -1 } else { 1 };
            Some(at(date(day, DateStyle::Iso), hms)? - minutes * 60_000)
        }
    }
}

/// The Arrow type a user's column is cast to: the truth's, integers widened to 64 bits.
fn target(ty: Type) -> DataType {
    if ty.is_integer() {
        DataType::Int64
    } else {
        ty.arrow()
    }
}

/// The keys of a user's column, cast to the truth's type; a value the cast cannot read is
/// a bad key (a wrong value), never an error.
pub fn user_keys(a: &ArrayRef, n: &Norm) -> Vec<Key> {
    let opts = CastOptions {
        safe: true,
        ..CastOptions::default()
    };
    let Ok(cast) = cast_with_options(a, &target(n.ty), &opts) else {
        return (0..a.len())
            .map(|i| super::read::cell_text(a.as_ref(), i).and_then(|t| bad(&t)))
            .collect();
    };
    (0..a.len())
        .map(|i| {
            if a.is_null(i) {
                None
            } else if cast.is_null(i) {
                super::read::cell_text(a.as_ref(), i).and_then(|t| bad(&t))
            } else {
                key_of(&value_at(cast.as_ref(), i), n)
            }
        })
        .collect()
}

/// The value at row `i` of an array of one of the truth's Arrow types.
pub fn value_at(a: &dyn Array, i: usize) -> Value {
    if a.is_null(i) {
        return Value::Null;
    }
    match a.data_type() {
        DataType::Boolean => Value::Bool(a.as_boolean().value(i)),
        DataType::Int64 => Value::Int(a.as_primitive::<t::Int64Type>().value(i)),
        DataType::Float64 => Value::Float(a.as_primitive::<t::Float64Type>().value(i)),
        DataType::Decimal128(_, s) => Value::Decimal(
            a.as_primitive::<t::Decimal128Type>().value(i),
            u8::try_from(*s).unwrap_or(0),
        ),
        DataType::Date32 => Value::Date(a.as_primitive::<t::Date32Type>().value(i)),
        DataType::Timestamp(t::TimeUnit::Millisecond, _) => {
            Value::Timestamp(a.as_primitive::<t::TimestampMillisecondType>().value(i))
        }
        _ => super::read::cell_text(a, i).map_or(Value::Null, Value::Str),
    }
}

/// The days since the epoch of a date or timestamp value.
pub fn day_of(v: &Value) -> Option<i64> {
    match v {
        Value::Date(d) => Some(i64::from(*d)),
        Value::Timestamp(ms) => Some(ms.div_euclid(MS_PER_DAY)),
        _ => None,
    }
}

/// `YYYY-MM` of a day.
pub fn month_of(day: i64) -> String {
    let (y, m, _) = crate::ir::value::civil_from_days(day);
    format!("{y:04}-{m:02}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arrow::array::StringArray;
    use std::sync::Arc;

    const N: Norm = Norm {
        ty: Type::Timestamp,
        millis: false,
        latin1: false,
    };

    #[test]
    fn every_style_parses_back() {
        let day = crate::ir::value::days_from_civil(2025, 10, 7) as i32;
        for (text, style) in [
            ("2025-10-07", DateStyle::Iso),
            ("10/07/2025", DateStyle::Us),
            ("07.10.2025", DateStyle::Dotted),
            ("20251007", DateStyle::Compact),
            ("1759795200", DateStyle::Epoch),
        ] {
            assert_eq!(date(text, style), Some(day), "{text}");
        }
        let ms = 1_759_830_626_000;
        for (text, style) in [
            ("2025-10-07T09:50:26.000Z", TimeStyle::Utc(DateStyle::Iso)),
            ("10/07/2025 09:50:26", TimeStyle::Utc(DateStyle::Us)),
            ("07.10.2025 09:50:26", TimeStyle::Utc(DateStyle::Dotted)),
            ("20251007095026", TimeStyle::Utc(DateStyle::Compact)),
            ("1759830626", TimeStyle::Utc(DateStyle::Epoch)),
            ("2025-10-07 11:50:26 +0200", TimeStyle::Local(120)),
        ] {
            assert_eq!(time(text, style), Some(ms), "{text}");
        }
        assert_eq!(date("31.02.2025", DateStyle::Dotted), None);
        assert_eq!(time("2025-10-07 25:00:00 +0200", TimeStyle::Local(0)), None);
    }

    #[test]
    fn keys_compare_in_the_truths_representation() {
        let dec = Norm {
            ty: Type::Decimal(10, 2),
            millis: true,
            latin1: false,
        };
        let comma = ValueStyle::Decimal(DecimalStyle::Comma);
        assert_eq!(styled(Some("536,95"), &comma, &dec), Some("536.95".into()));
        assert_eq!(
            styled(
                Some("53695"),
                &ValueStyle::Decimal(DecimalStyle::MinorUnits),
                &dec
            ),
            Some("536.95".into())
        );
        // A blank around a number makes it unreadable: a wrong value, not the number.
        let b = styled(Some(" 536,95"), &comma, &dec);
        assert!(b.is_some_and(|k| k.starts_with('\u{1}')));
        let user: ArrayRef = Arc::new(StringArray::from(vec![Some("536.95"), Some("lots"), None]));
        let k = user_keys(&user, &dec);
        assert_eq!(k[0], Some("536.95".into()));
        assert!(k[1].as_ref().is_some_and(|k| k.starts_with('\u{1}')));
        assert_eq!(k[2], None);
        // A system without milliseconds: the user's milliseconds do not count.
        let ts: ArrayRef = Arc::new(StringArray::from(vec!["2025-10-07 09:50:26.123"]));
        let local = ValueStyle::Time(TimeStyle::Local(120));
        assert_eq!(
            user_keys(&ts, &N)[0],
            styled(Some("2025-10-07 11:50:26 +0200"), &local, &N)
        );
        let lat = Norm {
            ty: Type::String(None),
            millis: true,
            latin1: true,
        };
        assert_eq!(
            key_of(&Value::Str("Łódź".into()), &lat),
            Some("?ód?".into())
        );
    }
}
