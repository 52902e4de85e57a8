//! Parts: splitting one lake into N disjoint slices that separate processes (or machines)
//! write, so that the union of their files is the single run's lake, file by file and byte
//! for byte.
//!
//! The unit of work is a *file range*: rows `i·file_rows .. (i+1)·file_rows` of one entity.
//! The sink already cuts every entity on these fixed row boundaries: chunk `c` goes to the
//! files of range `c / (file_rows / chunk_rows)` (one file per output and partition folder,
//! all named `part-<i>`), and a file holds exactly the chunks of its range, appended in chunk
//! order. A file's bytes are therefore a function of the plan and its range alone — never of
//! which process, thread or part writes it.
//!
//! [`assign`] gives every file range of the lake exactly one owner, a pure function of the
//! plan (row counts and the number of parts), which every part computes alike. So the parts'
//! files are disjoint and together they are all of the lake's files: the union property
//! holds by construction. Balancing is longest-processing-time first: ranges sorted by their
//! cells (rows × columns, largest first, ties by entity and range), each given to the least
//! loaded part (ties to the lowest). A small table is one range, written by one part.

use crate::ir::EntityId;
use crate::plan::Plan;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// One part of a split run: `index` of `of`, counted from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Part {
    pub index: u32,
    pub of: u32,
}

/// The most parts a run may be split into.
pub const MAX_PARTS: u32 = 100_000;

impl Part {
    /// Part `index` of `of`, or why the pair is not one (`1 ≤ index ≤ of ≤ MAX_PARTS`).
    pub fn new(index: u32, of: u32) -> Result<Part, String> {
        if of == 0 || of > MAX_PARTS {
            return Err(format!(
                "--parts must be a whole number from 1 to {MAX_PARTS}, got `{of}`"
            ));
        }
        if index == 0 || index > of {
            return Err(format!(
                "--part must be a whole number from 1 to --parts ({of}), got `{index}`"
            ));
        }
        Ok(Part { index, of })
    }
}

/// Chunks per file: how many chunks one file range holds.
pub fn chunks_per_file(plan: &Plan) -> usize {
    usize::try_from((plan.file_rows / plan.chunk_rows.max(1)).max(1)).unwrap_or(usize::MAX)
}

/// The owner of every file range: `owners[e][i]` is the part (counted from 0) that writes
/// range `i` of entity `e`. A pure function of the plan's row counts and `parts`.
pub fn assign(plan: &Plan, parts: u32) -> Vec<Vec<u32>> {
    let file_rows = plan.file_rows.max(1);
    // (cells, entity, range) of every file range.
    let mut units: Vec<(u128, EntityId, usize)> = Vec::new();
    let mut owners: Vec<Vec<u32>> = Vec::with_capacity(plan.entities.len());
    for (e, planned) in plan.entities.iter().enumerate() {
        let ranges = planned.rows.div_ceil(file_rows);
        let ranges = usize::try_from(ranges).unwrap_or(usize::MAX);
        let columns = plan.ir.entities[e].exported().count().max(1) as u128;
        for i in 0..ranges {
            let start = (i as u64).saturating_mul(file_rows);
            let rows = planned.rows.saturating_sub(start).min(file_rows);
            units.push((u128::from(rows) * columns, e, i));
        }
        owners.push(vec![0; ranges]);
    }
    units.sort_by(|a, b| b.0.cmp(&a.0).then((a.1, a.2).cmp(&(b.1, b.2))));
    // The least-loaded part on top (ties: the lowest part).
    let mut load: BinaryHeap<Reverse<(u128, u32)>> =
        (0..parts.max(1)).map(|p| Reverse((0, p))).collect();
    for (cells, e, i) in units {
        if let Some(Reverse((l, p))) = load.pop() {
            owners[e][i] = p;
            load.push(Reverse((l + cells, p)));
        }
    }
    owners
}

/// The chunks of entity `e` that `part` writes (all of them without a part), each with its
/// index among the entity's chunks.
pub fn owned_chunks(
    plan: &Plan,
    e: EntityId,
    part: Option<Part>,
    owners: Option<&[Vec<u32>]>,
) -> Vec<(usize, (u64, u64))> {
    let per_file = chunks_per_file(plan);
    plan.chunks(e)
        .into_iter()
        .enumerate()
        .filter(|(c, _)| match (part, owners) {
            (Some(p), Some(o)) => {
                o.get(e).and_then(|r| r.get(c / per_file)).copied() == Some(p.index - 1)
            }
            _ => true,
        })
        .collect()
}

/// The rows `part` writes (planned rows; fewer are written as of a date).
pub fn rows_of(plan: &Plan, part: Part) -> u64 {
    let owners = assign(plan, part.of);
    (0..plan.entities.len())
        .flat_map(|e| owned_chunks(plan, e, Some(part), Some(&owners)))
        .map(|(_, (a, b))| b - a)
        .sum()
}
