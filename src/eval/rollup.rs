//! Rollups over the rows that reference a row: `count`, `sum`, `min` or `max` over every row
//! of another entity whose foreign key picks this row (uniformly, skewed, by weight …), not
//! only over children generated `per` it. Such rows are scattered over the whole referencing
//! entity, so the aggregates of all the target's rows are computed at once — the referencing
//! entity is read chunk by chunk (the chunks of one group in parallel, folded in chunk order, so
//! a floating-point sum does not depend on the thread count) — and kept in the layout: one
//! value per target row, whatever the size of the referencing entity.

use super::column::{Column, Data, Strings};
use super::{Error, ErrorKind, Evaluator, NONE, RowSet};
use crate::ir::{Agg, AttrId, EntityId, Generator, Type};
use crate::layout::Layout;
use rayon::prelude::*;
use std::any::Any;
use std::cmp::Ordering;
use std::sync::Arc;

/// The aggregates of rollup attribute `a` of entity `e` over the rows that reference each of
/// its rows, one per row of `e` (before the cast to the attribute's type), built on first use
/// and kept in the layout. An empty column when `a` is not such a rollup.
pub fn referencing_rollup(
    layout: &Layout,
    e: EntityId,
    a: AttrId,
    as_of: bool,
) -> Result<Arc<Column>, Error> {
    if let Some(c) = cached(layout, e, a, as_of) {
        return Ok(c);
    }
    let ent = &layout.ir.entities[e];
    let Generator::Rollup {
        agg,
        child,
        attr: ca,
        via: Some(k),
    } = ent.attributes[a].generator
    else {
        return Ok(Arc::new(Column::new(Data::Null(0))));
    };
    let n = layout.entities[e].rows;
    let fail = |row: u64, what: &str| Error {
        entity: e,
        attr: Some(a),
        row,
        kind: ErrorKind::Overflow { what: what.into() },
    };
    let Ok(len) = u32::try_from(n) else {
        return Err(fail(
            u64::from(u32::MAX),
            "a rollup over referencing rows (4 Gi rows at most)",
        ));
    };
    let src_ty = ca.map_or(ent.attributes[a].ty, |x| {
        layout.ir.entities[child].attributes[x].ty
    });
    let mut acc = Acc::new(agg, src_ty, len as usize);
    let chunks = layout.chunks(child);
    let group = rayon::current_num_threads().max(1) * 2;
    for batch in chunks.chunks(group) {
        let parts: Vec<Result<Chunk, Error>> = batch
            .par_iter()
            .with_max_len(1)
            .map(|&(lo, hi)| {
                let mut ev = Evaluator::new(layout);
                let f = ev.frame(child, RowSet::Range(lo, hi));
                let mut picks = ev.picks(f, k);
                // The as-of view counts only the referencing rows that exist by then.
                if let Some(x) = ev.exists(f).filter(|_| as_of) {
                    let mut p = (*picks).clone();
                    p.iter_mut().zip(x.iter()).for_each(|(t, &e)| {
                        if !e {
                            *t = NONE;
                        }
                    });
                    picks = Arc::new(p);
                }
                // The view aggregates the referencing rows' own as-of values.
                let read = if as_of { ev.view(f) } else { f };
                let col = ca.map(|x| ev.attr(read, x));
                match ev.error.take() {
                    Some(err) => Err(err),
                    None => Ok((picks, col)),
                }
            })
            .collect();
        for part in parts {
            let (picks, col) = part?;
            acc.fold(&picks, col.as_deref())
                .map_err(|t| fail(t, "the rollup sum"))?;
        }
    }
    let table: Arc<dyn Any + Send + Sync> = Arc::new(acc.finish());
    let mut cache = layout.rollups.lock().unwrap_or_else(|p| p.into_inner());
    let kept = cache.entry((e, a, as_of)).or_insert(table).clone();
    drop(cache);
    Ok(kept
        .downcast::<Column>()
        .unwrap_or_else(|_| Arc::new(Column::new(Data::Null(0)))))
}

/// The table of rollup attribute `a` of entity `e` (its as-of view's, with `as_of`), if built.
fn cached(layout: &Layout, e: EntityId, a: AttrId, as_of: bool) -> Option<Arc<Column>> {
    let cache = layout.rollups.lock().unwrap_or_else(|p| p.into_inner());
    cache
        .get(&(e, a, as_of))
        .cloned()?
        .downcast::<Column>()
        .ok()
}

/// One chunk of referencing rows: the target row each picks, and the rolled-up values.
type Chunk = (Arc<Vec<u64>>, Option<Arc<Column>>);

/// Builds the tables of every rollup over referencing rows, before chunks are generated in
/// parallel (so no two threads build the same table).
pub fn prepare_rollups(layout: &Layout) -> Result<(), Error> {
    for (e, ent) in layout.ir.entities.iter().enumerate() {
        for (a, attr) in ent.attributes.iter().enumerate() {
            if matches!(attr.generator, Generator::Rollup { via: Some(_), .. }) {
                referencing_rollup(layout, e, a, false)?;
                if layout.as_of.is_some() && crate::ir::timed(&layout.ir.entities, e) {
                    referencing_rollup(layout, e, a, true)?;
                }
            }
        }
    }
    Ok(())
}

/// The rollup's value for each row of frame `rows` (rows of the rolled-up entity).
pub fn take(table: &Column, rows: &RowSet) -> Column {
    let idx: Vec<u32> = (0..rows.len()).map(|i| rows.get(i) as u32).collect();
    table.gather(&idx)
}

/// A value compared by `min` / `max`: integers, decimals, dates and timestamps as integers,
/// floats, and strings by their bytes (as the rollup over `per` children compares them).
#[derive(Clone, Debug)]
enum Key {
    I(i128),
    F(f64),
    S(Box<str>),
}

impl Key {
    fn of(c: &Column, i: usize) -> Option<Key> {
        if !c.is_valid(i) {
            return None;
        }
        Some(match &c.data {
            Data::Int(v) | Data::Ts(v) | Data::Interval(v) => Key::I(i128::from(v[i])),
            Data::Dec(v, _) => Key::I(v[i]),
            Data::Date(v) => Key::I(i128::from(v[i])),
            Data::Bool(v) => Key::I(i128::from(v[i])),
            Data::Float(v) => Key::F(v[i]),
            Data::Str(s) => Key::S(s.get(i).into()),
            Data::Null(_) => return None,
        })
    }

    fn cmp(&self, other: &Key) -> Ordering {
        match (self, other) {
            (Key::I(a), Key::I(b)) => a.cmp(b),
            (Key::F(a), Key::F(b)) => a.partial_cmp(b).unwrap_or(Ordering::Equal),
            (Key::S(a), Key::S(b)) => a.as_bytes().cmp(b.as_bytes()),
            _ => Ordering::Equal,
        }
    }
}

/// The running aggregates, one slot per target row.
enum Acc {
    Count(Vec<i64>),
    Int(Vec<i64>),
    Float(Vec<f64>),
    Dec(Vec<i128>, u8),
    Best {
        min: bool,
        vals: Vec<Option<Key>>,
        /// The child column's representation (an empty column of its kind), to rebuild.
        like: Option<Data>,
    },
}

impl Acc {
    fn new(agg: Agg, src: Type, n: usize) -> Acc {
        match (agg, src) {
            (Agg::Count, _) => Acc::Count(vec![0; n]),
            (Agg::Sum, Type::Float64) => Acc::Float(vec![0.0; n]),
            (Agg::Sum, Type::Decimal(_, s)) => Acc::Dec(vec![0; n], s),
            (Agg::Sum, _) => Acc::Int(vec![0; n]),
            (Agg::Min | Agg::Max, _) => Acc::Best {
                min: agg == Agg::Min,
                vals: vec![None; n],
                like: None,
            },
        }
    }

    /// Adds one chunk of referencing rows: the target row each picks (`NONE` for none) and
    /// the rolled-up values. Fails with the target row whose sum overflows.
    fn fold(&mut self, picks: &[u64], col: Option<&Column>) -> Result<(), u64> {
        let rows = picks.iter().enumerate().filter(|(_, t)| **t != NONE);
        let valid = |i: usize| col.is_some_and(|c| c.is_valid(i));
        match self {
            // `count: entity.attr` counts the non-null values, like SQL's `count(attr)`.
            Acc::Count(v) => rows
                .filter(|(i, _)| col.is_none_or(|c| c.is_valid(*i)))
                .for_each(|(_, &t)| v[t as usize] += 1),
            Acc::Int(v) => {
                for (i, &t) in rows.filter(|(i, _)| valid(*i)) {
                    let x = col.map_or(0, |c| c.i64_at(i));
                    v[t as usize] = v[t as usize].checked_add(x).ok_or(t)?;
                }
            }
            Acc::Float(v) => {
                for (i, &t) in rows.filter(|(i, _)| valid(*i)) {
                    v[t as usize] += col.map_or(0.0, |c| c.f64_at(i));
                }
            }
            Acc::Dec(v, s) => {
                for (i, &t) in rows.filter(|(i, _)| valid(*i)) {
                    let x = col.map_or(0, |c| c.dec_at(i, *s));
                    v[t as usize] = v[t as usize].checked_add(x).ok_or(t)?;
                }
            }
            Acc::Best { min, vals, like } => {
                let Some(c) = col else { return Ok(()) };
                if like.is_none() && !matches!(c.data, Data::Null(_)) {
                    *like = Some(c.gather(&[]).data);
                }
                for (i, &t) in rows {
                    let Some(k) = Key::of(c, i) else { continue };
                    let slot = &mut vals[t as usize];
                    let better = slot.as_ref().is_none_or(|b| {
                        let o = k.cmp(b);
                        if *min { o.is_lt() } else { o.is_gt() }
                    });
                    if better {
                        *slot = Some(k);
                    }
                }
            }
        }
        Ok(())
    }

    fn finish(self) -> Column {
        match self {
            Acc::Count(v) | Acc::Int(v) => Column::new(Data::Int(v)),
            Acc::Float(v) => Column::new(Data::Float(v)),
            Acc::Dec(v, s) => Column::new(Data::Dec(v, s)),
            Acc::Best { vals, like, .. } => best_column(&vals, like),
        }
    }
}

/// The column of the best values, in the child column's representation (null where a target
/// row has no referencing row with a value).
fn best_column(vals: &[Option<Key>], like: Option<Data>) -> Column {
    let int = |k: &Option<Key>| match k {
        Some(Key::I(x)) => *x,
        _ => 0,
    };
    let data = match like {
        None => Data::Null(vals.len()),
        Some(Data::Int(_)) => Data::Int(vals.iter().map(|k| int(k) as i64).collect()),
        Some(Data::Ts(_)) => Data::Ts(vals.iter().map(|k| int(k) as i64).collect()),
        Some(Data::Interval(_)) => Data::Interval(vals.iter().map(|k| int(k) as i64).collect()),
        Some(Data::Date(_)) => Data::Date(vals.iter().map(|k| int(k) as i32).collect()),
        Some(Data::Bool(_)) => Data::Bool(vals.iter().map(|k| int(k) != 0).collect()),
        Some(Data::Dec(_, s)) => Data::Dec(vals.iter().map(int).collect(), s),
        Some(Data::Float(_)) => Data::Float(
            vals.iter()
                .map(|k| match k {
                    Some(Key::F(x)) => *x,
                    _ => 0.0,
                })
                .collect(),
        ),
        Some(Data::Str(_)) => {
            let mut s = Strings::with_capacity(vals.len(), 0);
            for k in vals {
                s.push(match k {
                    Some(Key::S(x)) => x,
                    _ => "",
                });
            }
            Data::Str(s)
        }
        Some(Data::Null(_)) => Data::Null(vals.len()),
    };
    let valid = vals.iter().map(Option::is_some).collect();
    Column {
        data,
        valid: Some(valid),
    }
}
