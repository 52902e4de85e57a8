//! Fuzz target for the engine: arbitrary bytes → spec files → `lab::check_texts`, then, when
//! the specs resolve and `lab::plan::estimate` predicts a small run, plan at scale 1 with small
//! chunks and generate every chunk of every entity. Any panic is a bug: a spec the front end
//! accepts must either generate or fail with a located error (a plan diagnostic or a
//! `generate::Error` rendered as one). Separate files are split at NUL bytes as in `check`.

#![no_main]

use libfuzzer_sys::fuzz_target;

/// Runs above this many expected rows, or this much plan memory, are skipped (they are slow,
/// not wrong).
const MAX_ROWS: f64 = 20_000.0;
const MAX_PLAN_BYTES: f64 = 16.0 * 1024.0 * 1024.0;

fuzz_target!(|data: &[u8]| {
    let texts: Vec<String> = data
        .split(|b| *b == 0)
        .take(4)
        .map(|part| String::from_utf8_lossy(part).into_owned())
        .collect();
    let names = ["a.yaml", "b.yaml", "c.yaml", "d.yaml"];
    let files: Vec<(&str, &str)> = names
        .iter()
        .zip(&texts)
        .map(|(n, t)| (*n, t.as_str()))
        .collect();
    let checked = lab::check_texts(&files);
    let Some(ir) = &checked.ir else { return };
    let est = lab::plan::estimate(ir, 1.0);
    if est.total_rows() > MAX_ROWS || est.plan_memory > MAX_PLAN_BYTES {
        return;
    }
    let opts = lab::plan::PlanOptions {
        scale: 1.0,
        seed: 7,
        chunk_rows: 257,
        file_rows: 1028,
    };
    let plan = match lab::plan::plan(ir, opts) {
        Ok(p) => p,
        Err(diags) => {
            let _ = lab::diagnostics::render_all(&diags, &checked.sources, false);
            return;
        }
    };
    for e in 0..plan.ir.entities.len() {
        for (a, b) in plan.chunks(e) {
            if let Err(err) = lab::generate::chunk(&plan, e, a, b) {
                let d = err.diagnostic(&plan);
                let _ = lab::diagnostics::render_all(&[d], &checked.sources, false);
                break;
            }
        }
    }
});
