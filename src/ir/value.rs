//! Scalar values as the IR holds them (constants, choice values, literals) and the calendar
//! arithmetic every stage shares: dates are days since 1970-01-01, timestamps are
//! milliseconds since the epoch, both UTC, proleptic Gregorian.

use super::types::Type;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Unscaled value and scale: `Decimal(1234, 2)` is 12.34.
    Decimal(i128, u8),
    Str(String),
    /// Days since 1970-01-01.
    Date(i32),
    /// Milliseconds since 1970-01-01T00:00:00Z.
    Timestamp(i64),
    /// Milliseconds.
    Interval(i64),
}

pub const MS_PER_DAY: i64 = 86_400_000;

impl Value {
    /// Parses spec text as a value of type `ty`.
    pub fn parse(text: &str, ty: Type) -> Result<Value, String> {
        let t = text.trim();
        match ty {
            Type::Bool => match t {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(format!("`{t}` is not a bool (`true` or `false`)")),
            },
            Type::Int8 | Type::Int16 | Type::Int32 | Type::Int64 => {
                let v: i64 = t
                    .replace('_', "")
                    .parse()
                    .map_err(|_| format!("`{t}` is not an integer"))?;
                let (lo, hi) = ty.int_range();
                if v < lo || v > hi {
                    return Err(format!("{v} does not fit in {ty}"));
                }
                Ok(Value::Int(v))
            }
            Type::Float64 => crate::number::parse_f64(t)
                .map(Value::Float)
                .ok_or(format!("`{t}` is not a number")),
            Type::Decimal(p, s) => parse_decimal(t, p, s).map(|v| Value::Decimal(v, s)),
            Type::String(max) => {
                if let Some(m) = max
                    && text.chars().count() > m as usize
                {
                    return Err(format!("`{text}` is longer than {m} characters"));
                }
                Ok(Value::Str(text.to_string()))
            }
            Type::Date => parse_date(t).map(Value::Date),
            Type::Timestamp => parse_timestamp(t).map(Value::Timestamp),
            Type::Interval => parse_duration(t).map(Value::Interval),
            Type::Null => Ok(Value::Null),
        }
    }

    /// Converts to f64 for numeric work (weights, clamps).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(v) => Some(*v as f64),
            Value::Float(v) => Some(*v),
            Value::Decimal(v, s) => Some(*v as f64 / 10f64.powi(*s as i32)),
            Value::Date(d) => Some(*d as f64),
            Value::Timestamp(t) | Value::Interval(t) => Some(*t as f64),
            _ => None,
        }
    }

    /// The value as the dictionary and CSV print it.
    pub fn display(&self) -> String {
        match self {
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Int(v) => v.to_string(),
            Value::Float(v) => format_float(*v),
            Value::Decimal(v, s) => format_decimal(*v, *s),
            Value::Str(s) => s.clone(),
            Value::Date(d) => format_date(*d),
            Value::Timestamp(t) => format_timestamp(*t),
            Value::Interval(ms) => format!("{ms}ms"),
        }
    }
}

pub fn format_float(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

pub fn format_decimal(v: i128, scale: u8) -> String {
    if scale == 0 {
        return v.to_string();
    }
    let neg = v < 0;
    let a = v.unsigned_abs();
    let p = 10u128.pow(scale as u32);
    format!(
        "{}{}.{:0width$}",
        if neg { "-" } else { "" },
        a / p,
        a % p,
        width = scale as usize
    )
}

/// Parses a decimal literal into an unscaled integer at `scale`, checking the precision.
/// Plain decimal notation (`-12345678901234567.89`, `1_000.5`, `1.5e3`) is read exactly;
/// digits past the scale round half away from zero. Other YAML number forms (hexadecimal,
/// octal) are read through a float.
pub fn parse_decimal(t: &str, precision: u8, scale: u8) -> Result<i128, String> {
    let too_big = || format!("{t} does not fit in decimal({precision},{scale})");
    if let Some(exact) = exact_decimal(t, scale) {
        let v = exact.ok_or_else(too_big)?;
        let limit = 10i128.pow(u32::from(precision.min(38)));
        if v.unsigned_abs() >= limit.unsigned_abs() {
            return Err(too_big());
        }
        return Ok(v);
    }
    let f = crate::number::parse_f64(t).ok_or(format!("`{t}` is not a number"))?;
    let v = (f * 10f64.powi(scale as i32)).round();
    let limit = 10f64.powi(precision as i32);
    if v.abs() >= limit {
        return Err(too_big());
    }
    Ok(v as i128)
}

/// A decimal in plain notation (sign, digits with `_`, an optional fraction and exponent)
/// as an unscaled integer at `scale`, exactly: `None` when the text is not in that notation,
/// `Some(None)` when the value is past the 128-bit range.
fn exact_decimal(t: &str, scale: u8) -> Option<Option<i128>> {
    let t = t.trim().replace('_', "");
    let (neg, body) = match t.as_bytes().first()? {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, &t[..]),
    };
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(k) => (&body[..k], body[k + 1..].parse::<i32>().ok()?),
        None => (body, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    if int.len() + frac.len() == 0 || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    let digits = format!("{int}{frac}");
    let digits = digits.trim_start_matches('0');
    // The value is digits × 10^shift at the wanted scale.
    let shift = i64::from(exp) - frac.len() as i64 + i64::from(scale);
    let v = if digits.is_empty() {
        Some(0)
    } else if shift >= 0 {
        let m = u32::try_from(shift)
            .ok()
            .and_then(|k| 10i128.checked_pow(k));
        digits
            .parse::<i128>()
            .ok()
            .zip(m)
            .and_then(|(d, m)| d.checked_mul(m))
    } else {
        // Drop the digits past the scale, rounding half away from zero.
        let drop = usize::try_from(-shift).unwrap_or(usize::MAX);
        if drop > digits.len() {
            Some(0)
        } else {
            let (keep, gone) = digits.split_at(digits.len() - drop);
            let kept = if keep.is_empty() {
                Some(0)
            } else {
                keep.parse::<i128>().ok()
            };
            let up = gone.as_bytes().first().is_some_and(|&b| b >= b'5');
            kept.and_then(|k| k.checked_add(i128::from(up)))
        }
    };
    Some(v.map(|v| if neg { -v } else { v }))
}

/// Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of a day number.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// 0 = Monday … 6 = Sunday.
pub fn weekday(days: i64) -> u32 {
    (days + 3).rem_euclid(7) as u32
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

pub fn parse_date(t: &str) -> Result<i32, String> {
    let err = || format!("`{t}` is not a date (YYYY-MM-DD)");
    let parts: Vec<&str> = t.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(err());
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(err());
    }
    let (y, m, d): (i64, u32, u32) = (
        y.parse().map_err(|_| err())?,
        m.parse().map_err(|_| err())?,
        d.parse().map_err(|_| err())?,
    );
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return Err(err());
    }
    Ok(days_from_civil(y, m, d) as i32)
}

/// Accepts `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS[.mmm]][Z]` (also with a space for `T`).
pub fn parse_timestamp(t: &str) -> Result<i64, String> {
    let err = || format!("`{t}` is not a timestamp (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)");
    let (date, time) = match t.find(['T', ' ']) {
        Some(i) => (&t[..i], Some(t[i + 1..].trim_end_matches('Z'))),
        None => (t, None),
    };
    let days = parse_date(date).map_err(|_| err())? as i64;
    let mut ms = 0i64;
    if let Some(time) = time {
        let (hms, frac) = match time.split_once('.') {
            Some((a, b)) => (a, Some(b)),
            None => (time, None),
        };
        let p: Vec<&str> = hms.split(':').collect();
        if p.len() < 2 || p.len() > 3 || p.iter().any(|x| x.len() != 2) {
            return Err(err());
        }
        let h: i64 = p[0].parse().map_err(|_| err())?;
        let mi: i64 = p[1].parse().map_err(|_| err())?;
        let s: i64 = if p.len() == 3 {
            p[2].parse().map_err(|_| err())?
        } else {
            0
        };
        if h > 23 || mi > 59 || s > 59 {
            return Err(err());
        }
        let f: i64 = match frac {
            Some(f) if !f.is_empty() && f.len() <= 3 && f.chars().all(|c| c.is_ascii_digit()) => {
                f.parse::<i64>().map_err(|_| err())? * 10i64.pow(3 - f.len() as u32)
            }
            Some(_) => return Err(err()),
            None => 0,
        };
        ms = ((h * 60 + mi) * 60 + s) * 1000 + f;
    }
    Ok(days * MS_PER_DAY + ms)
}

/// Durations: a number followed by `ms`, `s`, `m`, `h`, `d` or `w` (`90m`, `3d`).
pub fn parse_duration(t: &str) -> Result<i64, String> {
    let t = t.trim();
    if let Some(rest) = t.strip_prefix('-') {
        let err = || format!("`{t}` is not a duration (e.g. `30m`, `12h`, `-3d`, `2w`)");
        return match parse_duration(rest) {
            Ok(v) if !rest.starts_with('-') => Ok(-v),
            _ => Err(err()),
        };
    }
    let err = || format!("`{t}` is not a duration (e.g. `30m`, `12h`, `3d`, `2w`)");
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .ok_or_else(err)?;
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().map_err(|_| err())?;
    let mult = match unit {
        "ms" => 1.0,
        "s" => 1_000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => MS_PER_DAY as f64,
        "w" => 7.0 * MS_PER_DAY as f64,
        _ => return Err(err()),
    };
    let v = n * mult;
    if !v.is_finite() || v > 1e15 {
        return Err(err());
    }
    Ok(v.round() as i64)
}

pub fn format_date(days: i32) -> String {
    let (y, m, d) = civil_from_days(days as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// ISO-8601 with milliseconds, no zone suffix (values are UTC): `2024-03-01T12:30:00.000`.
pub fn format_timestamp(ms: i64) -> String {
    let days = ms.div_euclid(MS_PER_DAY);
    let rem = ms.rem_euclid(MS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s, f) = (
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000,
    );
    format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{f:03}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_parse_exactly() {
        let d = |t: &str, p: u8, s: u8| parse_decimal(t, p, s);
        assert_eq!(
            d("12345678901234567.89", 20, 2),
            Ok(1_234_567_890_123_456_789)
        );
        assert_eq!(d("-0.1", 20, 2), Ok(-10));
        let max38 = "9".repeat(38);
        assert_eq!(d(&max38, 38, 0), Ok(10i128.pow(38) - 1));
        assert!(d(&format!("1{max38}"), 38, 0).is_err(), "39 digits");
        assert!(d(&"9".repeat(45), 38, 0).is_err(), "past 128 bits");
        assert_eq!(
            d("1234567890123456789.0123456789", 38, 10),
            Ok(12_345_678_901_234_567_890_123_456_789)
        );
        // Digits past the scale round half away from zero, exactly (1.005 is not a float).
        assert_eq!(d("1.005", 10, 2), Ok(101));
        assert_eq!(d("-1.004", 10, 2), Ok(-100));
        assert_eq!(d("0.004", 10, 2), Ok(0));
        assert_eq!(d("0.005", 10, 2), Ok(1));
        assert_eq!(d("1_000.5", 10, 1), Ok(10_005));
        assert_eq!(d("1.5e3", 10, 0), Ok(1500));
        assert_eq!(d("25e-1", 10, 1), Ok(25));
        assert_eq!(d(".5", 10, 1), Ok(5));
        assert!(d("abc", 10, 0).is_err());
        assert!(d(".nan", 10, 0).is_err());
        assert!(d("1000", 3, 0).is_err());
    }

    #[test]
    fn calendar_round_trips() {
        for d in [-1000, 0, 19_000, 20_000, 60_000] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        assert_eq!(parse_date("2024-02-29").unwrap(), 19_782);
        assert!(parse_date("2023-02-29").is_err());
        assert_eq!(weekday(0), 3); // 1970-01-01 was a Thursday
        assert_eq!(
            format_timestamp(parse_timestamp("2024-03-01T12:30:05.5").unwrap()),
            "2024-03-01T12:30:05.500"
        );
        assert_eq!(parse_duration("3d").unwrap(), 3 * MS_PER_DAY);
        assert_eq!(parse_duration("-3d").unwrap(), -3 * MS_PER_DAY);
        assert!(parse_duration("--3d").is_err());
        assert!(parse_duration("-").is_err());
        assert_eq!(format_decimal(-1205, 2), "-12.05");
    }
}
