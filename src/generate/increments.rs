//! Daily increments (`lab compile --increments FROM..TO`): the change rows of a chunk of an
//! entity over a range of days, the SCD2 history they imply, and the answer key of what was
//! planted. A day's change rows come from the rows' *moments* first (creation, events,
//! changes of mutable attributes, deletes, and what references and rollups read: see
//! `eval::moments`), and the full after-image is evaluated only for the rows with a moment
//! that day, as of the end of that day. So a change row is exactly what the as-of lake of
//! its day holds for the row, and the as-of lake of a day D1 with the change rows of the
//! days after it, up to D2, applied in order of `_seq` per key, is the as-of lake of D2.
//!
//! Delivery is planted per change row, a pure function of (seed, entity, row, day), at the
//! entity's declared rates (`time.increments`; by default 3 % late, 1 % replayed): a late
//! arrival lands in a partition 1 to `days` days after its day, a replay is the same change
//! row again (same `_seq`) 1 to `days` days after its first delivery; rows within a
//! partition are in row order, not in `_seq` order.

use super::{Error, ErrorKind};
use crate::arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Int64Array, StringArray, TimestampMillisecondArray,
};
use crate::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use crate::arrow::record_batch::RecordBatch;
use crate::eval::column::Column;
use crate::eval::moments::{Window, rolled_up, scanned_targets};
use crate::eval::rng::unit_at;
use crate::eval::{Evaluator, RowSet};
use crate::hash::{mix2, stream};
use crate::ir::value::MS_PER_DAY;
use crate::ir::{EntityId, Ir};
use crate::layout::Layout;
use rayon::prelude::*;
use std::sync::Arc;

/// The prefix of an exported column in the SCD2 history whose name is one of the history's
/// own columns (`valid_from`, `valid_to`, `is_current`): `src_valid_from`, ….
pub const HISTORY_SOURCE_PREFIX: &str = "src_";

/// The change-data columns appended to the entity's exported columns.
pub const CDC_COLUMNS: [&str; 4] = ["_op", "_seq", "_event_time", "_ingested_at"];

/// The change rows of one chunk, in order of (partition day, event day, row).
pub struct Changes {
    /// Exported columns (all nullable) and the columns of [`CDC_COLUMNS`].
    pub batch: RecordBatch,
    /// The partition (`dt`) day of each row, in days since 1970.
    pub dt: Vec<i32>,
    /// The entity row (0-based) each change row is an image of.
    pub rows: Vec<u64>,
    /// The SCD2 history rows of the chunk (exported columns, `valid_from`, `valid_to`,
    /// `is_current`), in row order.
    pub history: RecordBatch,
    /// The answer key: `key`, `_seq`, `event_date`, `dt`, `kind` (`late`, `replay`,
    /// `hard_delete`, `soft_delete`; the writer adds `schema_drift`), `detail` (null here).
    pub answers: RecordBatch,
}

/// Refuses specs whose increments cannot be derived from moments: a rollup over referencing
/// rows that depend on time.
pub fn check(layout: &Layout) -> Result<(), String> {
    for e in 0..layout.ir.entities.len() {
        let mut ev = Evaluator::new(layout);
        let f = ev.frame(e, RowSet::Range(0, 0));
        ev.moments(f)?;
    }
    Ok(())
}

/// One day's change rows of a chunk: the changes, their operations and the exported columns
/// of their after-images.
type Day = (Vec<Change>, Vec<&'static str>, Vec<Arc<Column>>);

/// Gathers exported column `c` of the change rows at the given (day, position) pairs.
type Gather<'a> = dyn Fn(usize, &[(usize, usize)]) -> ArrayRef + 'a;

/// The answer key's columns: key, `_seq`, event day, partition day, kind.
type AnswerColumns = (Vec<String>, Vec<i64>, Vec<i32>, Vec<i32>, Vec<&'static str>);

/// One change: the row (index in the chunk), its day and `_seq` (the day's last moment).
#[derive(Clone, Copy)]
struct Change {
    i: usize,
    day: i32,
    seq: i64,
}

/// Rows per chunk of the moments computed once for a window (one evaluator each).
const WINDOW_CHUNK: u64 = 131_072;

/// The window of days `from..=to` (days since 1970) with the moments in it of every entity
/// whose moments a rollup reads, each computed once over all its rows (children before the
/// entities that roll them up), so that neither the entity's own change rows nor its
/// parents' compute them again; and which referenced entities have no row beginning in it.
pub fn window(layout: &Layout, (from, to): (i32, i32)) -> Result<Window, Error> {
    let entities = &layout.ir.entities;
    let mut w = Window {
        lo: i64::from(from) * MS_PER_DAY,
        hi: (i64::from(to) + 1) * MS_PER_DAY,
        known: vec![None; entities.len()],
        begins_in: vec![None; entities.len()],
    };
    scan_begins(layout, &mut w);
    let mut order = Vec::new();
    for e in 0..entities.len() {
        for c in rolled_up(entities, e) {
            children_first(entities, c, &mut order);
        }
    }
    // Entities of one level read only the moments of lower levels: each level's chunks, of
    // all its entities, are computed at once (most of these entities fit in one chunk).
    for level in levels(entities, &order) {
        let tasks: Vec<(EntityId, u64, u64)> = (level.iter())
            .flat_map(|&c| {
                chunk_ranges(layout.entities[c].rows, WINDOW_CHUNK).map(move |(a, b)| (c, a, b))
            })
            .collect();
        let parts: Vec<Result<Vec<(u64, i64)>, Error>> = tasks
            .par_iter()
            .with_max_len(1)
            .map(|&(c, a, b)| window_chunk(layout, &w, c, a, b))
            .collect();
        for c in &level {
            w.known[*c] = Some(Vec::new());
        }
        // In task order: rows in order within an entity, the first error by entity and row.
        for (&(c, _, _), part) in tasks.iter().zip(parts) {
            if let Some(known) = w.known[c].as_mut() {
                known.extend(part?);
            }
        }
    }
    Ok(w)
}

/// Scans the beginnings of the referenced entities worth it ([`scanned_targets`]) and notes in
/// `w` whether any of their rows begins in the window.
fn scan_begins(layout: &Layout, w: &mut Window) {
    let rows: Vec<u64> = layout.entities.iter().map(|p| p.rows).collect();
    let targets = scanned_targets(&layout.ir.entities, &rows);
    let tasks: Vec<(EntityId, u64, u64)> = (targets.iter())
        .flat_map(|&t| chunk_ranges(rows[t], WINDOW_CHUNK).map(move |(a, b)| (t, a, b)))
        .collect();
    let hits: Vec<bool> = tasks
        .par_iter()
        .with_max_len(1)
        .map(|&(t, a, b)| {
            let mut ev = Evaluator::within(layout, w);
            let f = ev.frame(t, RowSet::Range(a, b));
            let hit = ev.begins(f).iter().any(|m| (w.lo..w.hi).contains(m));
            // A failed evaluation is not ruled out here: the chunks report it.
            hit || ev.error.is_some()
        })
        .collect();
    for (&(t, _, _), hit) in tasks.iter().zip(hits) {
        *w.begins_in[t].get_or_insert(false) |= hit;
    }
}

/// The moments in the window of rows `a..b` of entity `c`.
fn window_chunk(
    layout: &Layout,
    w: &Window,
    c: EntityId,
    a: u64,
    b: u64,
) -> Result<Vec<(u64, i64)>, Error> {
    let mut ev = Evaluator::within(layout, w);
    let f = ev.frame(c, RowSet::Range(a, b));
    let moments = ev.moments(f).unwrap_or_default();
    if let Some(err) = ev.error.take() {
        return Err(err);
    }
    let pairs = (moments.iter().enumerate()).flat_map(|(i, ms)| {
        (ms.iter())
            .filter(|&&m| (w.lo..w.hi).contains(&m))
            .map(move |&m| (a + i as u64, m))
    });
    Ok(pairs.collect())
}

/// Row ranges `a..b` of at most `chunk` rows covering `0..rows`.
pub fn chunk_ranges(rows: u64, chunk: u64) -> impl Iterator<Item = (u64, u64)> {
    (0..rows.div_ceil(chunk)).map(move |k| (k * chunk, ((k + 1) * chunk).min(rows)))
}

/// The entities of `order` (children before the entities that roll them up) by level: an
/// entity's level is one more than its rolled-up children's highest.
fn levels(entities: &[crate::ir::Entity], order: &[EntityId]) -> Vec<Vec<EntityId>> {
    let mut level = vec![0usize; entities.len()];
    let mut out: Vec<Vec<EntityId>> = Vec::new();
    for &e in order {
        let l = (rolled_up(entities, e).into_iter())
            .filter(|&c| c != e)
            .map(|c| level[c] + 1)
            .max()
            .unwrap_or(0);
        level[e] = l;
        if out.len() <= l {
            out.resize(l + 1, Vec::new());
        }
        out[l].push(e);
    }
    out
}

/// Puts entity `e` after the entities whose moments its rollups read, into `order` (once).
fn children_first(entities: &[crate::ir::Entity], e: EntityId, order: &mut Vec<EntityId>) {
    if order.contains(&e) {
        return;
    }
    for c in rolled_up(entities, e) {
        if c != e {
            children_first(entities, c, order);
        }
    }
    if !order.contains(&e) {
        order.push(e);
    }
}

/// The change rows of rows `start..end` of entity `e` in window `w`.
pub fn chunk_changes(
    layout: &Layout,
    w: &Window,
    e: EntityId,
    start: u64,
    end: u64,
) -> Result<Changes, Error> {
    let ir = &layout.ir;
    let mut ev = Evaluator::within(layout, w);
    let f = ev.frame(e, RowSet::Range(start, end));
    let moments = ev.window_moments(f).unwrap_or_default();
    if let Some(err) = ev.error.take() {
        return Err(err);
    }
    let (lo, hi) = (w.lo, w.hi);
    let from = lo.div_euclid(MS_PER_DAY) as i32;
    let to = (hi.div_euclid(MS_PER_DAY) - 1) as i32;
    // Candidates by day: the rows with a moment that day, and the day's last moment.
    let mut by_day: Vec<Vec<Change>> = vec![Vec::new(); (to - from + 1).max(0) as usize];
    for (i, ms) in moments.iter().enumerate() {
        let mut last_day = None;
        for &m in ms.iter().filter(|&&m| (lo..hi).contains(&m)) {
            let day = m.div_euclid(MS_PER_DAY) as i32;
            let slot = &mut by_day[(day - from) as usize];
            if last_day == Some(day) {
                if let Some(c) = slot.last_mut() {
                    c.seq = m;
                }
            } else {
                slot.push(Change { i, day, seq: m });
                last_day = Some(day);
            }
        }
    }
    let mut parts: Vec<Day> = Vec::new();
    for changes in by_day.into_iter().filter(|c| !c.is_empty()) {
        parts.push(day_images(layout, e, start, changes)?);
    }
    assemble(ir, layout.seed, e, start, parts)
}

/// The after-images of one day's candidate rows (as of the end of the day) and each kept
/// row's operation; candidates that neither exist nor end that day are left out.
fn day_images(
    layout: &Layout,
    e: EntityId,
    start: u64,
    changes: Vec<Change>,
) -> Result<Day, Error> {
    let day = changes[0].day;
    let cutoff = (i64::from(day) + 1) * MS_PER_DAY;
    let day_start = i64::from(day) * MS_PER_DAY;
    let mut ev = Evaluator::at(layout, cutoff);
    let rows: Vec<u64> = changes.iter().map(|c| start + c.i as u64).collect();
    let tf = ev.frame(e, RowSet::List(rows));
    let exists = ev.exists(tf);
    let ends = ev.ends(tf);
    let begins = ev.begins(tf);
    let mut keep = Vec::new();
    let mut ops = Vec::new();
    for (j, c) in changes.iter().enumerate() {
        let created = exists.as_ref().is_none_or(|x| x[j]);
        let end = ends.as_ref().map_or(i64::MAX, |x| x[j]);
        let op = if created && end >= cutoff {
            if begins[j] >= day_start {
                "insert"
            } else {
                "update"
            }
        } else if (day_start..cutoff).contains(&end) && begins[j] < end {
            "delete"
        } else {
            continue;
        };
        keep.push(j as u32);
        ops.push((op, *c));
    }
    let v = ev.view(tf);
    let ent = &layout.ir.entities[e];
    let cols: Vec<Arc<Column>> = ent
        .exported()
        .map(|(a, _)| Arc::new(ev.attr(v, a).gather(&keep)))
        .collect();
    if let Some(err) = ev.error.take() {
        return Err(err);
    }
    let (ops, kept): (Vec<&'static str>, Vec<Change>) = ops.into_iter().unzip();
    Ok((kept, ops, cols))
}

/// Concatenates the days' change rows, plants late arrivals and replays, and derives the
/// history and the answer key.
fn assemble(
    ir: &Ir,
    seed: u64,
    e: EntityId,
    start: u64,
    parts: Vec<Day>,
) -> Result<Changes, Error> {
    let ent = &ir.entities[e];
    let late_s = stream(seed, &format!("{}#late", ent.qualified));
    let replay_s = stream(seed, &format!("{}#replay", ent.qualified));
    let soft = ent
        .time
        .as_ref()
        .and_then(|t| t.deleted.as_ref())
        .map(|d| d.at);
    let (late, replay) = ent
        .time
        .as_ref()
        .map_or((crate::ir::DEFAULT_LATE, crate::ir::DEFAULT_REPLAY), |t| {
            (t.late, t.replay)
        });
    // Every change row: (part, position in part, dt, replayed).
    let mut rows: Vec<(usize, usize, i32, bool)> = Vec::new();
    for (p, (changes, _, _)) in parts.iter().enumerate() {
        for (k, c) in changes.iter().enumerate() {
            let r = mix2(start + c.i as u64, c.day as u64);
            let mut dt = c.day;
            if unit_at(late_s, r) < late.rate {
                dt += 1 + (unit_at(late_s ^ 1, r) * late.days as f64) as i32;
            }
            rows.push((p, k, dt, false));
            if unit_at(replay_s, r) < replay.rate {
                let lag = 1 + (unit_at(replay_s ^ 1, r) * replay.days as f64) as i32;
                rows.push((p, k, dt + lag, true));
            }
        }
    }
    rows.sort_by_key(|&(p, k, dt, _)| (dt, parts[p].0[k].day, parts[p].0[k].i));
    let fail = |what: String| Error {
        entity: e,
        attr: None,
        row: start,
        kind: ErrorKind::Overflow { what },
    };
    let key_attrs: Vec<usize> = ent.primary_key.clone();
    let exported: Vec<_> = ent.exported().map(|(a, at)| (a, at.clone())).collect();
    // The exported columns of every change row, gathered part by part.
    let column = |c: usize, pick: &[(usize, usize)]| -> ArrayRef {
        let (a, attr) = &exported[c];
        let _ = a;
        let vals: Vec<_> = pick.iter().map(|&(p, k)| parts[p].2[c].value(k)).collect();
        let idx: Vec<usize> = (0..vals.len()).collect();
        crate::eval::values::from_values(&vals, attr.ty, &idx).into_arrow(attr.ty)
    };
    let picks: Vec<(usize, usize)> = rows.iter().map(|&(p, k, _, _)| (p, k)).collect();
    let mut fields: Vec<Field> = (exported.iter())
        .map(|(_, a)| Field::new(&a.name, a.ty.arrow(), true))
        .collect();
    let mut arrays: Vec<ArrayRef> = (0..exported.len()).map(|c| column(c, &picks)).collect();
    let ts = DataType::Timestamp(TimeUnit::Millisecond, None);
    let change = |&(p, k): &(usize, usize)| parts[p].0[k];
    fields.push(Field::new("_op", DataType::Utf8, false));
    arrays.push(Arc::new(StringArray::from_iter_values(
        rows.iter().map(|&(p, k, _, _)| parts[p].1[k]),
    )));
    fields.push(Field::new("_seq", DataType::Int64, false));
    arrays.push(Arc::new(Int64Array::from_iter_values(
        picks.iter().map(|x| change(x).seq),
    )));
    fields.push(Field::new("_event_time", ts.clone(), false));
    arrays.push(Arc::new(TimestampMillisecondArray::from_iter_values(
        picks.iter().map(|x| change(x).seq),
    )));
    fields.push(Field::new("_ingested_at", ts.clone(), false));
    arrays.push(Arc::new(TimestampMillisecondArray::from_iter_values(
        rows.iter()
            .map(|&(_, _, dt, _)| (i64::from(dt) + 1) * MS_PER_DAY),
    )));
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields.clone())), arrays)
        .map_err(|x| fail(format!("assembling the change rows ({x})")))?;
    let dt: Vec<i32> = rows.iter().map(|r| r.2).collect();
    let of_rows: Vec<u64> = picks.iter().map(|x| start + change(x).i as u64).collect();
    let history = history(&parts, &exported, &fields, &ts, &column)
        .map_err(|x| fail(format!("assembling the history ({x})")))?;
    // The answer key: late and replayed rows, and deletes.
    let key_text = |p: usize, k: usize| -> String {
        (key_attrs.iter())
            .filter_map(|a| exported.iter().position(|(x, _)| x == a))
            .map(|c| parts[p].2[c].text_at(k))
            .collect::<Vec<_>>()
            .join("|")
    };
    let soft_col = soft.and_then(|a| exported.iter().position(|(x, _)| *x == a));
    let mut ans: AnswerColumns = Default::default();
    for &(p, k, dt, replayed) in &rows {
        let c = parts[p].0[k];
        let op = parts[p].1[k];
        let soft_today = soft_col.is_some_and(|sc| {
            let col = &parts[p].2[sc];
            col.is_valid(k) && col.ms_at(k).div_euclid(MS_PER_DAY) as i32 == c.day
        });
        let kinds = [
            (replayed, "replay"),
            (!replayed && dt != c.day, "late"),
            (!replayed && op == "delete", "hard_delete"),
            (!replayed && op != "delete" && soft_today, "soft_delete"),
        ];
        for (_, kind) in kinds.iter().filter(|x| x.0) {
            ans.0.push(key_text(p, k));
            ans.1.push(c.seq);
            ans.2.push(c.day);
            ans.3.push(dt);
            ans.4.push(kind);
        }
    }
    let n = ans.0.len();
    let answers = RecordBatch::try_from_iter_with_nullable(vec![
        ("key", Arc::new(StringArray::from(ans.0)) as ArrayRef, true),
        ("_seq", Arc::new(Int64Array::from(ans.1)), true),
        ("event_date", Arc::new(Date32Array::from(ans.2)), false),
        ("dt", Arc::new(Date32Array::from(ans.3)), false),
        ("kind", Arc::new(StringArray::from(ans.4)), false),
        (
            "detail",
            Arc::new(StringArray::from(vec![None::<&str>; n])),
            true,
        ),
    ])
    .map_err(|x| fail(format!("assembling the answer key ({x})")))?;
    Ok(Changes {
        batch,
        dt,
        rows: of_rows,
        history,
        answers,
    })
}

/// The SCD2 history of a chunk's change rows: per row, each insert or update is a version
/// valid from its `_event_time` to the next change's (null and current for the last one; a
/// delete closes the version before it and adds none). An exported column named like one of
/// the history's columns is written as `src_<name>`.
fn history(
    parts: &[Day],
    exported: &[(usize, crate::ir::Attribute)],
    fields: &[Field],
    ts: &DataType,
    column: &Gather,
) -> Result<RecordBatch, crate::arrow::error::ArrowError> {
    let mut all: Vec<(usize, usize)> = Vec::new();
    for (p, (changes, _, _)) in parts.iter().enumerate() {
        all.extend((0..changes.len()).map(|k| (p, k)));
    }
    all.sort_by_key(|&(p, k)| (parts[p].0[k].i, parts[p].0[k].day));
    let mut picks = Vec::new();
    let mut from = Vec::new();
    let mut to: Vec<Option<i64>> = Vec::new();
    for (n, &(p, k)) in all.iter().enumerate() {
        if parts[p].1[k] == "delete" {
            continue;
        }
        let c = parts[p].0[k];
        let next = all
            .get(n + 1)
            .map(|&(q, l)| parts[q].0[l])
            .filter(|d| d.i == c.i);
        picks.push((p, k));
        from.push(c.seq);
        to.push(next.map(|d| d.seq));
    }
    // An exported column named like a history column keeps its value under `src_<name>`.
    let mut f: Vec<Field> = (fields[..exported.len()].iter())
        .map(|x| match x.name().as_str() {
            n @ ("valid_from" | "valid_to" | "is_current") => {
                x.clone().with_name(format!("{HISTORY_SOURCE_PREFIX}{n}"))
            }
            _ => x.clone(),
        })
        .collect();
    let mut arrays: Vec<ArrayRef> = (0..exported.len()).map(|c| column(c, &picks)).collect();
    f.push(Field::new("valid_from", ts.clone(), false));
    arrays.push(Arc::new(TimestampMillisecondArray::from(from)));
    f.push(Field::new("valid_to", ts.clone(), true));
    let current: Vec<bool> = to.iter().map(Option::is_none).collect();
    arrays.push(Arc::new(TimestampMillisecondArray::from(to)));
    f.push(Field::new("is_current", DataType::Boolean, false));
    arrays.push(Arc::new(BooleanArray::from(current)));
    RecordBatch::try_new(Arc::new(Schema::new(f)), arrays)
}
