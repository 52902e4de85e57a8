//! Sizes of a run predicted from the IR alone, before planning or generating anything: the
//! expected rows of every entity, the expected output bytes, and the memory the layout will
//! hold. The pipeline compares them with its limits and the free disk space before it starts.
//!
//! Rows: absolute counts scale linearly (rounded, at least 1), `fixed` counts do not, an
//! entity generated per parent (or `per` union member) has the parent's rows times the mean
//! children per parent (a count expression counts as 1) times the share of parents its `when`
//! keeps: `p` for a plain `random() < p` (or `<=`, or `p > random()`), otherwise 1 — an upper
//! bound, so per-parent estimates lean high and a size limit is never passed by surprise; and
//! a `union` has the sum of its members. Bytes: a rough width per value by type (integers
//! and floats 8, dates 4, timestamps 8, decimals 16, booleans 1) and, for strings, the typical
//! length of the generator (a documented default, [`DEFAULT_STRING_BYTES`], when it is not
//! known), plus one byte per value of CSV separator. Memory: 8 bytes per parent row of every
//! per-parent entity and `per` union member (the offsets), 8 bytes per target row of every
//! weighted pick and of every distinct Zipf table, and about 48 bytes plus the key per target
//! row of every `lookup` map.

use crate::ir::*;

/// The width assumed for a string whose generator gives no typical length (expressions).
pub const DEFAULT_STRING_BYTES: f64 = 16.0;
/// Bytes per entry of a `lookup` map besides the key text (hash table slot, row, string).
const LOOKUP_ENTRY_BYTES: f64 = 48.0;

/// Predicted sizes of a run at a scale.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Estimate {
    /// Expected rows per entity (by entity id).
    pub rows: Vec<f64>,
    /// Expected output bytes per entity, per format (uncompressed values).
    pub bytes: Vec<f64>,
    /// Bytes the layout holds in memory (offsets, weighted-pick and Zipf tables, lookups).
    pub plan_memory: f64,
}

impl Estimate {
    pub fn total_rows(&self) -> f64 {
        self.rows.iter().sum()
    }
    pub fn total_bytes(&self) -> f64 {
        self.bytes.iter().sum()
    }
}

/// Predicts the sizes of a run of `ir` at `scale` without generating anything.
pub fn estimate(ir: &Ir, scale: f64) -> Estimate {
    let mut rows: Vec<Option<f64>> = vec![None; ir.entities.len()];
    for e in 0..ir.entities.len() {
        rows_of(ir, e, scale, &mut rows, 0);
    }
    let rows: Vec<f64> = rows.into_iter().map(|r| r.unwrap_or(0.0)).collect();
    let bytes = ir
        .entities
        .iter()
        .enumerate()
        .map(|(e, ent)| {
            // Hidden attributes are generated but not written, so they take no bytes.
            let per_row: f64 = ent
                .exported()
                .map(|(_, a)| value_bytes(ir, e, a, &rows, 0) + 1.0)
                .sum();
            // A source system's export is a second copy of the rows, as text at most about
            // as large as the clean CSV.
            let copies = if ent.export.is_some() { 2.0 } else { 1.0 };
            per_row * rows[e] * copies
        })
        .collect();
    let plan_memory = plan_memory(ir, &rows);
    Estimate {
        rows,
        bytes,
        plan_memory,
    }
}

/// Expected rows of entity `e`, memoised; `depth` stops at cycles (reported elsewhere).
fn rows_of(ir: &Ir, e: EntityId, scale: f64, memo: &mut Vec<Option<f64>>, depth: usize) -> f64 {
    if let Some(r) = memo[e] {
        return r;
    }
    if depth > ir.entities.len() {
        return 0.0;
    }
    let r = source_rows(ir, &ir.entities[e].rows, scale, memo, depth);
    memo[e] = Some(r);
    r
}

fn source_rows(ir: &Ir, rows: &Rows, scale: f64, memo: &mut Vec<Option<f64>>, depth: usize) -> f64 {
    match rows {
        Rows::Scaled(n) => ((*n as f64) * scale)
            .round()
            .max(if *n > 0 { 1.0 } else { 0.0 }),
        Rows::Fixed(n) => *n as f64,
        Rows::PerParent {
            parent,
            count,
            when,
        } => {
            rows_of(ir, *parent, scale, memo, depth + 1)
                * count.mean_at(scale).max(0.0)
                * when.as_ref().map_or(1.0, when_share)
        }
        Rows::Union(members) => members
            .iter()
            .map(|m| source_rows(ir, m, scale, memo, depth + 1))
            .sum(),
    }
}

/// The share of parent rows a `when` keeps: `p` (clamped to 0..=1) for `random() < p`,
/// `random() <= p`, `p > random()` or `p >= random()` with a literal `p`; 1 for any other
/// condition (an upper bound).
fn when_share(when: &Expr) -> f64 {
    let ExprKind::Binary(op, l, r) = &when.kind else {
        return 1.0;
    };
    // (Its one argument is the hidden stream salt the resolver adds.)
    let is_random = |x: &Expr| matches!(&x.kind, ExprKind::Call(expr::Func::Random, _));
    let literal = |x: &Expr| match &x.kind {
        ExprKind::Lit(v) => v.as_f64().filter(|p| p.is_finite()),
        _ => None,
    };
    let p = match op {
        expr::BinOp::Lt | expr::BinOp::Le if is_random(l) => literal(r),
        expr::BinOp::Gt | expr::BinOp::Ge if is_random(r) => literal(l),
        _ => None,
    };
    p.map_or(1.0, |p| p.clamp(0.0, 1.0))
}

/// The typical bytes of one value of attribute `a` of entity `e`.
fn value_bytes(ir: &Ir, e: EntityId, a: &Attribute, rows: &[f64], depth: usize) -> f64 {
    let fixed = match a.ty {
        Type::Bool | Type::Int8 => Some(1.0),
        Type::Int16 | Type::Int32 | Type::Int64 | Type::Float64 => Some(8.0),
        Type::Date => Some(4.0),
        Type::Timestamp | Type::Interval => Some(8.0),
        Type::Decimal(..) => Some(16.0),
        Type::Null => Some(0.0),
        Type::String(_) => None,
    };
    if let Some(w) = fixed {
        return w;
    }
    let typical = match &a.generator {
        Generator::Const(v) => v.display().len() as f64,
        Generator::Choice { values, .. } | Generator::Cycle(values) => mean_len(values),
        Generator::Format(parts) => parts
            .iter()
            .map(|p| match p {
                FormatPart::Lit(s) => s.len() as f64,
                FormatPart::Row { width } => (*width as f64).max(digits(rows[e])),
            })
            .sum(),
        Generator::Fake { kind, range } => fake_bytes(*kind, *range),
        Generator::Ref { fk, column } if depth < ir.entities.len() => {
            let fk = &ir.entities[e].foreign_keys[*fk];
            let t = &ir.entities[fk.target];
            value_bytes(
                ir,
                fk.target,
                &t.attributes[fk.target_columns[*column]],
                rows,
                depth + 1,
            )
        }
        _ => DEFAULT_STRING_BYTES,
    };
    match a.ty {
        Type::String(Some(max)) => typical.min(f64::from(max)),
        _ => typical,
    }
}

fn mean_len(values: &[Value]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.iter().map(|v| v.display().len() as f64).sum::<f64>() / values.len() as f64
}

fn digits(n: f64) -> f64 {
    n.max(1.0).log10().floor() + 1.0
}

/// Typical lengths of the fakers' values.
fn fake_bytes(kind: FakeKind, range: Option<(u32, u32)>) -> f64 {
    let mid = |d: (f64, f64)| range.map_or((d.0 + d.1) / 2.0, |(a, b)| f64::from(a + b) / 2.0);
    match kind {
        FakeKind::Word | FakeKind::Color => 6.0,
        FakeKind::Words => 7.0 * mid((3.0, 8.0)),
        FakeKind::Sentence => 7.0 * mid((3.0, 8.0)),
        FakeKind::Paragraph => 50.0 * mid((3.0, 8.0)),
        FakeKind::Digits => mid((8.0, 8.0)),
        FakeKind::Uuid => 36.0,
        FakeKind::UserAgent => 100.0,
        FakeKind::Url => 30.0,
        FakeKind::Email | FakeKind::Street | FakeKind::Company => 22.0,
        FakeKind::CountryCode | FakeKind::CurrencyCode => 3.0,
        _ => 12.0,
    }
}

/// Bytes the layout holds: offsets, weighted-pick tables, Zipf tables and lookup maps.
fn plan_memory(ir: &Ir, rows: &[f64]) -> f64 {
    let mut bytes = 0.0;
    let mut zipf: Vec<(u64, u64)> = Vec::new();
    for (e, ent) in ir.entities.iter().enumerate() {
        let sources: Vec<EntityId> = ent.row_parents();
        bytes += sources.iter().map(|&p| 8.0 * (rows[p] + 1.0)).sum::<f64>();
        for fk in &ent.foreign_keys {
            let n = rows[fk.target];
            match &fk.pick {
                Pick::Weighted(_) => bytes += 8.0 * n,
                Pick::Zipf(s) if n <= crate::layout::ZIPF_TABLE_MAX as f64 => {
                    let key = (n as u64, s.to_bits());
                    if !zipf.contains(&key) {
                        zipf.push(key);
                        bytes += 8.0 * n;
                    }
                }
                Pick::Lookup(_) => {
                    let t = &ir.entities[fk.target];
                    let key = &t.attributes[fk.target_columns[0]];
                    bytes += n * (LOOKUP_ENTRY_BYTES + value_bytes(ir, fk.target, key, rows, 0));
                }
                // A row and a cumulative weight per target row, and at most one group (index
                // entry and value text) per target row.
                Pick::Match { attr, .. } => {
                    let t = &ir.entities[fk.target];
                    let on = &t.attributes[*attr];
                    bytes +=
                        n * (16.0 + LOOKUP_ENTRY_BYTES + value_bytes(ir, fk.target, on, rows, 0));
                }
                _ => {}
            }
        }
        let _ = e;
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_follow_parents_and_unions() {
        let spec = "domain: t
entities:
  a:
    rows: 100
    primary_key: id
    attributes:
      id: { type: int64, key: sequence }
      code: { type: string, key: \"A-{row:04}\" }
  b:
    rows: { per: a, count: 3 }
    primary_key: [id, n]
    attributes:
      id: { ref: a }
      n: { type: int32, key: child_index }
  f:
    rows: { fixed: 7 }
    primary_key: id
    attributes:
      id: { type: int64, key: sequence }
  u:
    rows: { union: [ { per: a, count: 2 }, 5 ] }
    primary_key: id
    attributes:
      id: { type: int64, key: sequence }
";
        let checked = crate::check_texts(&[("t.yaml", spec)]);
        let Some(ir) = checked.ir.as_ref() else {
            panic!("{}", checked.render(false));
        };
        let est = estimate(ir, 2.0);
        let id = |n: &str| ir.entity_by_name("t", n).unwrap_or(usize::MAX);
        assert_eq!(est.rows[id("a")], 200.0);
        assert_eq!(est.rows[id("b")], 600.0);
        assert_eq!(est.rows[id("f")], 7.0);
        assert_eq!(est.rows[id("u")], 400.0 + 10.0);
        // a: an int64 and a 6-byte key, each with a separator.
        assert_eq!(est.bytes[id("a")], 200.0 * (9.0 + 7.0));
        // Offsets of b and of u's `per` member: one u64 per parent row, plus one.
        assert_eq!(est.plan_memory, 2.0 * 8.0 * 201.0);
        assert_eq!(est.total_rows(), 200.0 + 600.0 + 7.0 + 410.0);
    }
}
