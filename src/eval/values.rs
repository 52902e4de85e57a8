//! Value generators: key formats, weighted choices, numeric distributions with clamping and
//! rounding, date/time ranges with month/weekday/hour seasonality, relative times, fake values
//! and rollup aggregates. Each takes the rows (indices) it must produce and the attribute's
//! stream key, and draws from a per-row generator, so values never depend on the batch.

use super::RowSet;
use super::column::{Column, Data, Strings};
use super::rng::{Permutation, RowRng, unit_at};
use crate::ir::value::{MS_PER_DAY, civil_from_days, weekday};
use crate::ir::{Agg, Dist, FakeKind, FiniteDomain, FormatPart, Joint, Seasonality, Type, Value};
use fake::Fake;
use rand_distr::Distribution;
use std::fmt::Write as _;

pub fn format_keys(parts: &[FormatPart], rows: &RowSet) -> Column {
    let n = rows.len();
    let lit_len: usize = parts
        .iter()
        .map(|p| {
            if let FormatPart::Lit(s) = p {
                s.len()
            } else {
                12
            }
        })
        .sum();
    let mut s = Strings::with_capacity(n, n * lit_len);
    let mut buf = String::new();
    for i in 0..n {
        let row = rows.get(i) + 1;
        buf.clear();
        for p in parts {
            match p {
                FormatPart::Lit(l) => buf.push_str(l),
                FormatPart::Row { width } => {
                    let _ = write!(buf, "{row:0width$}", width = *width);
                }
            }
        }
        s.push(&buf);
    }
    Column::new(Data::Str(s))
}

/// Column of `values[idx[i]]`.
pub fn from_values(values: &[Value], ty: Type, idx: &[usize]) -> Column {
    let n = idx.len();
    let mut valid = vec![true; n];
    let data = match ty {
        Type::String(_) => {
            let mut s = Strings::with_capacity(n, n * 8);
            for (i, &k) in idx.iter().enumerate() {
                match &values[k] {
                    Value::Str(x) => s.push(x),
                    _ => {
                        valid[i] = false;
                        s.push("")
                    }
                }
            }
            Data::Str(s)
        }
        _ => {
            let cols: Vec<Column> = values.iter().map(|v| Column::constant(v, ty, 1)).collect();
            let mut out = Column::constant(&Value::Null, ty, 0);
            // Small lists: build through per-value constants, row by row.
            let mut data = super::column::empty_of(ty, n);
            for (i, &k) in idx.iter().enumerate() {
                let c = &cols[k];
                valid[i] = c.is_valid(0);
                match (&mut data, &c.data) {
                    (Data::Bool(d), Data::Bool(v)) => d[i] = v[0],
                    (Data::Int(d), Data::Int(v)) => d[i] = v[0],
                    (Data::Float(d), Data::Float(v)) => d[i] = v[0],
                    (Data::Dec(d, _), Data::Dec(v, _)) => d[i] = v[0],
                    (Data::Date(d), Data::Date(v)) => d[i] = v[0],
                    (Data::Ts(d), Data::Ts(v)) => d[i] = v[0],
                    _ => valid[i] = false,
                }
            }
            out.data = data;
            return finish(out.data, valid);
        }
    };
    finish(data, valid)
}

fn finish(data: Data, valid: Vec<bool>) -> Column {
    let valid = if valid.iter().all(|v| *v) {
        None
    } else {
        Some(valid)
    };
    Column { data, valid }
}

pub fn choice(
    values: &[Value],
    weights: &[f64],
    ty: Type,
    unique: bool,
    stream: u64,
    rows: &RowSet,
) -> Column {
    let n = rows.len();
    let idx: Vec<usize> = if unique {
        let perm = Permutation::new(values.len() as u64, stream);
        (0..n)
            .map(|i| perm.apply(rows.get(i) % values.len() as u64) as usize)
            .collect()
    } else {
        let mut cum = Vec::with_capacity(weights.len());
        let mut t = 0.0;
        for w in weights {
            t += w;
            cum.push(t);
        }
        (0..n)
            .map(|i| {
                let u = unit_at(stream, rows.get(i)) * t;
                cum.partition_point(|&c| c <= u).min(values.len() - 1)
            })
            .collect()
    };
    from_values(values, ty, &idx)
}

/// Column `pos` of a jointly generated unique constraint: row `r` takes combination
/// `perm(r)` of the product of the domains, read as a mixed-radix number whose first digit is
/// the first column's. Distinct rows below the number of combinations get distinct
/// combinations; the plan refuses more rows than combinations.
pub fn joint(j: &Joint, pos: usize, ty: Type, stream: u64, rows: &RowSet) -> Column {
    let total = j.combinations().max(1);
    let perm = Permutation::new(total, stream);
    let below: u64 = j.domains[..pos]
        .iter()
        .fold(1u128, |p, d| p.saturating_mul(u128::from(d.size().max(1))))
        .min(u128::from(u64::MAX)) as u64;
    let size = j.domains[pos].size().max(1);
    let digits: Vec<u64> = (0..rows.len())
        .map(|i| (perm.apply(rows.get(i) % total) / below) % size)
        .collect();
    match &j.domains[pos] {
        FiniteDomain::Values(values) => {
            let idx: Vec<usize> = digits.iter().map(|&d| d as usize).collect();
            from_values(values, ty, &idx)
        }
        FiniteDomain::Range { lo, .. } => {
            let vals = digits.iter().map(|&d| lo.wrapping_add(d as i64));
            Column::new(match ty {
                Type::Date => Data::Date(vals.map(|d| d as i32).collect()),
                Type::Timestamp => Data::Ts(vals.collect()),
                _ => Data::Int(vals.collect()),
            })
        }
    }
}

fn sample(dist: Dist, rng: &mut RowRng) -> f64 {
    match dist {
        Dist::Uniform(a, b) => a + rng.f64() * (b - a),
        Dist::Normal { mean, sd } => {
            rand_distr::Normal::new(mean, sd).map_or(mean, |d| d.sample(rng))
        }
        Dist::Lognormal { median, sigma } => {
            let z: f64 = rand_distr::StandardNormal.sample(rng);
            median * (sigma * z).exp()
        }
        Dist::Exponential { mean } => -mean * (1.0 - rng.f64()).ln(),
        Dist::Poisson { mean } => {
            if mean <= 0.0 {
                0.0
            } else {
                rand_distr::Poisson::new(mean).map_or(mean, |d| d.sample(rng))
            }
        }
        Dist::Geometric { p } => {
            rand_distr::Geometric::new(p).map_or(0.0, |d| d.sample(rng) as f64)
        }
        Dist::Zipf { n, s } => rand_distr::Zipf::new(n as f64, s).map_or(1.0, |d| d.sample(rng)),
        Dist::Bernoulli { p } => f64::from(u8::from(rng.f64() < p)),
    }
}

/// A numeric distribution with its clamps and rounding, for a column of type `ty`.
#[derive(Clone, Copy, Debug)]
pub struct DistSpec {
    pub dist: Dist,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub round: Option<u32>,
    pub ty: Type,
    pub unique: bool,
}

pub fn dist(spec: &DistSpec, stream: u64, rows: &RowSet) -> Column {
    let DistSpec {
        dist,
        min,
        max,
        round,
        ty,
        unique,
    } = *spec;
    let n = rows.len();
    if let Dist::Bernoulli { p } = dist {
        return Column::new(Data::Bool(
            (0..n).map(|i| unit_at(stream, rows.get(i)) < p).collect(),
        ));
    }
    if ty.is_integer() {
        // Integer uniform ranges are inclusive; unique ones are a permutation of the range.
        // The span is computed in 128 bits: the full int64 range has 2^64 values.
        if let Dist::Uniform(a, b) = dist {
            let lo = a.ceil() as i64;
            let hi = b.floor() as i64;
            let span = (i128::from(hi) - i128::from(lo) + 1).max(1);
            let at = |x: u64| (i128::from(lo) + i128::from(x)) as i64;
            if unique {
                // More rows than 2^64 - 1 cannot be, so a full-range permutation is cut there.
                let span = u64::try_from(span).unwrap_or(u64::MAX);
                let perm = Permutation::new(span, stream);
                return Column::new(Data::Int(
                    (0..n).map(|i| at(perm.apply(rows.get(i) % span))).collect(),
                ));
            }
            let draw = |r: &mut RowRng| match u64::try_from(span) {
                Ok(span) => r.below(span),
                Err(_) => r.next_word(),
            };
            return Column::new(Data::Int(
                (0..n)
                    .map(|i| at(draw(&mut RowRng::new(stream, rows.get(i)))))
                    .collect(),
            ));
        }
    }
    let clamp = |x: f64| {
        let x = min.map_or(x, |m| x.max(m));
        max.map_or(x, |m| x.min(m))
    };
    let vals: Vec<f64> = (0..n)
        .map(|i| {
            let mut rng = RowRng::new(stream, rows.get(i));
            let mut x = clamp(sample(dist, &mut rng));
            if let Some(r) = round {
                let m = 10f64.powi(r as i32);
                x = (x * m).round() / m;
            }
            x
        })
        .collect();
    Column::new(Data::Float(vals))
}

/// Relative weight of an instant under a seasonality profile, and the profile's maximum.
fn season_weight(s: &Seasonality, ms: i64) -> f64 {
    let days = ms.div_euclid(MS_PER_DAY);
    let mut w = 1.0;
    if !s.month.is_empty() {
        let (_, m, _) = civil_from_days(days);
        w *= s.month[m as usize - 1];
    }
    if !s.weekday.is_empty() {
        w *= s.weekday[weekday(days) as usize];
    }
    if !s.hour.is_empty() {
        w *= s.hour[(ms.rem_euclid(MS_PER_DAY) / 3_600_000) as usize];
    }
    w
}

fn season_max(s: &Seasonality) -> f64 {
    let m = |v: &Vec<f64>| v.iter().copied().fold(0.0, f64::max);
    let mut w = 1.0;
    if !s.month.is_empty() {
        w *= m(&s.month);
    }
    if !s.weekday.is_empty() {
        w *= m(&s.weekday);
    }
    if !s.hour.is_empty() {
        w *= m(&s.hour);
    }
    w
}

/// Draws a value in [lo, hi] (inclusive, in the type's unit) under a seasonality profile by
/// rejection; `to_ms` converts a candidate to milliseconds for the weight.
fn seasonal_draw(
    rng: &mut RowRng,
    lo: i64,
    hi: i64,
    s: &Seasonality,
    wmax: f64,
    to_ms: impl Fn(i64) -> i64,
) -> i64 {
    // The span and the sums are exact in two's complement for any `lo <= hi`.
    let span = (i128::from(hi) - i128::from(lo) + 1).clamp(1, i128::from(u64::MAX)) as u64;
    let mut x = lo.wrapping_add(rng.below(span) as i64);
    if s.is_flat() || wmax <= 0.0 {
        return x;
    }
    for _ in 0..64 {
        if rng.f64() * wmax < season_weight(s, to_ms(x)) {
            return x;
        }
        x = lo.wrapping_add(rng.below(span) as i64);
    }
    x
}

pub fn between(
    lo: i64,
    hi: i64,
    s: &Seasonality,
    ty: Type,
    unique: bool,
    stream: u64,
    rows: &RowSet,
) -> Column {
    let n = rows.len();
    let to_ms = |x: i64| if ty == Type::Date { x * MS_PER_DAY } else { x };
    let wmax = season_max(s);
    let vals: Vec<i64> = if unique {
        let span = (hi - lo + 1).max(1) as u64;
        let perm = Permutation::new(span, stream);
        (0..n)
            .map(|i| lo + perm.apply(rows.get(i) % span) as i64)
            .collect()
    } else {
        (0..n)
            .map(|i| {
                seasonal_draw(
                    &mut RowRng::new(stream, rows.get(i)),
                    lo,
                    hi,
                    s,
                    wmax,
                    to_ms,
                )
            })
            .collect()
    };
    Column::new(if ty == Type::Date {
        Data::Date(vals.into_iter().map(|d| d as i32).collect())
    } else {
        Data::Ts(vals)
    })
}

/// Times drawn per row in `[lo[i], hi[i]]` (milliseconds; `None` gives a null), under a
/// seasonality profile, as a column of type `ty`: a date takes the days of both bounds. Also
/// the first row whose range is empty (its value is a placeholder).
pub fn window(
    lo: &[Option<i64>],
    hi: &[Option<i64>],
    s: &Seasonality,
    ty: Type,
    stream: u64,
    rows: &RowSet,
) -> (Column, Option<usize>) {
    let n = rows.len();
    let wmax = season_max(s);
    let mut valid = vec![true; n];
    let mut out = Vec::with_capacity(n);
    let mut bad = None;
    for (i, v) in valid.iter_mut().enumerate() {
        let (Some(a), Some(b)) = (lo[i], hi[i]) else {
            *v = false;
            out.push(0);
            continue;
        };
        let (a, b) = if ty == Type::Date {
            (a.div_euclid(MS_PER_DAY), b.div_euclid(MS_PER_DAY))
        } else {
            (a, b)
        };
        if a > b {
            bad.get_or_insert(i);
            out.push(0);
            continue;
        }
        let mut rng = RowRng::new(stream, rows.get(i));
        let to_ms = |x: i64| if ty == Type::Date { x * MS_PER_DAY } else { x };
        out.push(seasonal_draw(&mut rng, a, b, s, wmax, to_ms));
    }
    let data = if ty == Type::Date {
        Data::Date(
            out.into_iter()
                .map(|d| i32::try_from(d).unwrap_or(i32::MAX))
                .collect(),
        )
    } else {
        Data::Ts(out)
    };
    (finish(data, valid), bad)
}

/// A time relative to an anchor: before or after it, by `min_ms..=max_ms`, under a
/// seasonality profile, as a column of type `ty` (date or timestamp).
#[derive(Clone, Debug)]
pub struct RelativeSpec {
    pub before: bool,
    pub min_ms: i64,
    pub max_ms: i64,
    pub seasonality: Seasonality,
    pub ty: Type,
}

/// Times relative to the anchor column; also the first row whose time leaves the 64-bit
/// millisecond or 32-bit day range (its value is a placeholder).
pub fn relative(
    anchor: &Column,
    spec: &RelativeSpec,
    stream: u64,
    rows: &RowSet,
) -> (Column, Option<usize>) {
    let n = rows.len();
    let s = &spec.seasonality;
    let wmax = season_max(s);
    let mut valid = vec![true; n];
    let mut out = Vec::with_capacity(n);
    let mut bad = None;
    for (i, v) in valid.iter_mut().enumerate() {
        if !anchor.is_valid(i) {
            *v = false;
            out.push(0);
            continue;
        }
        let base = anchor.ms_at(i);
        let (lo, hi) = if spec.before {
            (base.checked_sub(spec.max_ms), base.checked_sub(spec.min_ms))
        } else {
            (base.checked_add(spec.min_ms), base.checked_add(spec.max_ms))
        };
        let (Some(lo), Some(hi)) = (lo, hi) else {
            bad.get_or_insert(i);
            out.push(0);
            continue;
        };
        let mut rng = RowRng::new(stream, rows.get(i));
        out.push(seasonal_draw(&mut rng, lo, hi, s, wmax, |x| x));
    }
    let data = if spec.ty == Type::Date {
        // A date after a date: whole days, never on the anchor's own day unless min is 0.
        Data::Date(
            out.into_iter()
                .enumerate()
                .map(|(i, t)| {
                    i32::try_from(t.div_euclid(MS_PER_DAY)).unwrap_or_else(|_| {
                        bad.get_or_insert(i);
                        0
                    })
                })
                .collect(),
        )
    } else {
        Data::Ts(out)
    };
    (finish(data, valid), bad)
}

const COLORS: &[&str] = &[
    "black", "white", "gray", "silver", "red", "maroon", "orange", "gold", "yellow", "olive",
    "lime", "green", "teal", "cyan", "navy", "blue", "indigo", "purple", "violet", "magenta",
    "pink", "brown", "beige", "ivory",
];

/// Words, sentences (capitalised, ending with a period) and paragraphs (4–10-word sentences)
/// of lorem ipsum from the `fake` crate's English word list; `lo..=hi` is the number of words,
/// or of sentences for a paragraph.
fn lorem(kind: FakeKind, lo: usize, hi: usize, r: &mut RowRng, out: &mut Vec<u8>) {
    use fake::locales::{Data, EN};
    let words = EN::LOREM_WORD;
    let word = |r: &mut RowRng, out: &mut Vec<u8>, capital: bool| {
        let w = words[r.below(words.len() as u64) as usize].as_bytes();
        if capital {
            out.push(w[0].to_ascii_uppercase());
            out.extend_from_slice(&w[1..]);
        } else {
            out.extend_from_slice(w);
        }
    };
    let sentence = |r: &mut RowRng, out: &mut Vec<u8>, k: usize| {
        for j in 0..k {
            if j > 0 {
                out.push(b' ');
            }
            word(r, out, j == 0);
        }
        out.push(b'.');
    };
    let count = |r: &mut RowRng| lo + r.below((hi.max(lo) - lo + 1) as u64) as usize;
    match kind {
        FakeKind::Word => word(r, out, false),
        FakeKind::Words => {
            let k = count(r);
            for j in 0..k {
                if j > 0 {
                    out.push(b' ');
                }
                word(r, out, false);
            }
        }
        FakeKind::Sentence => {
            let k = count(r).max(1);
            sentence(r, out, k);
        }
        _ => {
            let k = count(r).max(1);
            for j in 0..k {
                if j > 0 {
                    out.push(b' ');
                }
                let len = 4 + r.below(7) as usize;
                sentence(r, out, len);
            }
        }
    }
}

/// Fake values of a kind; lorem text (`word`, `words`, `sentence`, `paragraph`) is filler and
/// is made to fit a `string(n)` column (`max` = n) by ending it after n characters. Every
/// other faker's value is whole: one longer than the column is refused at assembly.
pub fn fake(
    kind: FakeKind,
    range: Option<(u32, u32)>,
    max: Option<u32>,
    stream: u64,
    rows: &RowSet,
) -> Column {
    use fake::faker::{
        address::en::*, company::en::*, internet::en::*, job::en::Title, lorem::en::*, name::en,
        phone_number::en::PhoneNumber,
    };
    let n = rows.len();
    let mut s = Strings::with_capacity(n, n * 12);
    let (lo, hi) = range.map_or((3usize, 8usize), |(a, b)| (a as usize, b as usize));
    for i in 0..n {
        let mut rng = RowRng::new(stream, rows.get(i));
        let r = &mut rng;
        // Lorem text is written straight into the column buffer: no allocation per value.
        if matches!(
            kind,
            FakeKind::Word | FakeKind::Words | FakeKind::Sentence | FakeKind::Paragraph
        ) {
            let start = s.bytes.len();
            lorem(kind, lo, hi, r, &mut s.bytes);
            // A value of at most `max` bytes has at most `max` characters: nothing to cut.
            if let Some(max) = max.filter(|&m| s.bytes.len() - start > m as usize) {
                let cut = std::str::from_utf8(&s.bytes[start..])
                    .ok()
                    .and_then(|v| v.char_indices().nth(max as usize))
                    .map(|(c, _)| c);
                if let Some(c) = cut {
                    s.bytes.truncate(start + c);
                }
            }
            s.finish_value();
            continue;
        }
        let v: String = match kind {
            FakeKind::FirstName => en::FirstName().fake_with_rng(r),
            FakeKind::LastName => en::LastName().fake_with_rng(r),
            FakeKind::Name => en::Name().fake_with_rng(r),
            FakeKind::Email => SafeEmail().fake_with_rng(r),
            FakeKind::Username => Username().fake_with_rng(r),
            FakeKind::Company => CompanyName().fake_with_rng(r),
            FakeKind::JobTitle => Title().fake_with_rng(r),
            FakeKind::Industry => Industry().fake_with_rng(r),
            FakeKind::Street => {
                let no: u32 = 1 + r.below(9999) as u32;
                let st: String = StreetName().fake_with_rng(r);
                let suf: String = StreetSuffix().fake_with_rng(r);
                format!("{no} {st} {suf}")
            }
            FakeKind::City => CityName().fake_with_rng(r),
            FakeKind::State => StateName().fake_with_rng(r),
            FakeKind::Postcode => PostCode().fake_with_rng(r),
            FakeKind::Country => CountryName().fake_with_rng(r),
            FakeKind::CountryCode => CountryCode().fake_with_rng(r),
            FakeKind::Phone => PhoneNumber().fake_with_rng(r),
            FakeKind::Url => {
                let w: String = Word().fake_with_rng(r);
                let w2: String = Word().fake_with_rng(r);
                let suffix: String = DomainSuffix().fake_with_rng(r);
                format!("https://www.{w}{w2}.{suffix}/")
            }
            FakeKind::DomainName => {
                let w: String = Word().fake_with_rng(r);
                let suffix: String = DomainSuffix().fake_with_rng(r);
                format!("{w}.{suffix}")
            }
            FakeKind::Ipv4 => IPv4().fake_with_rng(r),
            FakeKind::UserAgent => UserAgent().fake_with_rng(r),
            // Written by `lorem` above.
            FakeKind::Word | FakeKind::Words | FakeKind::Sentence | FakeKind::Paragraph => {
                unreachable!()
            }
            FakeKind::Color => COLORS[r.below(COLORS.len() as u64) as usize].to_string(),
            FakeKind::CurrencyCode => fake::faker::currency::en::CurrencyCode().fake_with_rng(r),
            FakeKind::Digits => {
                let (a, b) = range.map_or((8, 8), |(a, b)| (a as usize, b as usize));
                let k = a + r.below((b - a + 1) as u64) as usize;
                (0..k)
                    .map(|_| char::from(b'0' + r.below(10) as u8))
                    .collect()
            }
            FakeKind::Uuid => {
                let (x, y) = (r.next_word(), r.next_word());
                let y = (y & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
                let x = (x & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
                format!(
                    "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
                    x >> 32,
                    (x >> 16) & 0xffff,
                    x & 0xffff,
                    y >> 48,
                    y & 0xffff_ffff_ffff
                )
            }
        };
        s.push(&v);
    }
    Column::new(Data::Str(s))
}

/// Aggregates child values per parent segment (`seg[i]..seg[i+1]`). Sums over no children
/// are 0; minima and maxima over no (non-null) children are null. Also the first segment
/// whose integer or decimal sum overflows (its value is then a placeholder 0).
pub fn rollup(
    agg: Agg,
    col: Option<&Column>,
    src_ty: Option<Type>,
    seg: &[u32],
    ty: Type,
) -> (Column, Option<usize>) {
    let n = seg.len() - 1;
    match agg {
        // `count: child` counts the children; `count: child.attr` its non-null values.
        Agg::Count => (
            Column::new(Data::Int(
                (0..n)
                    .map(|i| match col {
                        None => i64::from(seg[i + 1] - seg[i]),
                        Some(c) => (seg[i]..seg[i + 1])
                            .filter(|&j| c.is_valid(j as usize))
                            .count() as i64,
                    })
                    .collect(),
            )),
            None,
        ),
        Agg::Sum => {
            let c = col.expect("sum has a column");
            // Checked sum of the non-null child values of each parent segment.
            fn per_segment<T: Copy + Default>(
                seg: &[u32],
                c: &Column,
                get: impl Fn(usize) -> T,
                add: impl Fn(T, T) -> Option<T>,
                bad: &mut Option<usize>,
            ) -> Vec<T> {
                (0..seg.len() - 1)
                    .map(|i| {
                        let sum = (seg[i]..seg[i + 1])
                            .map(|j| j as usize)
                            .filter(|&j| c.is_valid(j))
                            .try_fold(T::default(), |acc, j| add(acc, get(j)));
                        sum.unwrap_or_else(|| {
                            bad.get_or_insert(i);
                            T::default()
                        })
                    })
                    .collect()
            }
            let mut bad = None;
            let col = match src_ty.unwrap_or(ty) {
                Type::Float64 => Column::new(Data::Float(per_segment(
                    seg,
                    c,
                    |j| c.f64_at(j),
                    |a, b| Some(a + b),
                    &mut bad,
                ))),
                Type::Decimal(_, s) => Column::new(Data::Dec(
                    per_segment(seg, c, |j| c.dec_at(j, s), i128::checked_add, &mut bad),
                    s,
                )),
                _ => Column::new(Data::Int(per_segment(
                    seg,
                    c,
                    |j| c.i64_at(j),
                    i64::checked_add,
                    &mut bad,
                ))),
            };
            (col, bad)
        }
        Agg::Min | Agg::Max => {
            let c = col.expect("min/max has a column");
            let st = src_ty.unwrap_or(ty);
            let mut pick = Vec::with_capacity(n);
            for i in 0..n {
                let mut best: Option<usize> = None;
                for j in seg[i]..seg[i + 1] {
                    let j = j as usize;
                    if !c.is_valid(j) {
                        continue;
                    }
                    best = match best {
                        None => Some(j),
                        Some(b) => {
                            let ord = cmp_rows(c, st, j, b);
                            let better = if agg == Agg::Min {
                                ord.is_lt()
                            } else {
                                ord.is_gt()
                            };
                            Some(if better { j } else { b })
                        }
                    };
                }
                pick.push(best.map_or(u32::MAX, |b| b as u32));
            }
            (c.gather(&pick), None)
        }
    }
}

fn cmp_rows(c: &Column, ty: Type, a: usize, b: usize) -> std::cmp::Ordering {
    match &c.data {
        Data::Str(s) => s.get(a).cmp(s.get(b)),
        _ if ty.is_temporal() => c.ms_at(a).cmp(&c.ms_at(b)),
        Data::Dec(v, _) => v[a].cmp(&v[b]),
        Data::Int(v) => v[a].cmp(&v[b]),
        _ => c
            .f64_at(a)
            .partial_cmp(&c.f64_at(b))
            .unwrap_or(std::cmp::Ordering::Equal),
    }
}
