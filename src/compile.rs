//! `lab compile`: front end → plan → lake (generate + sink) → emitted documents. This module is
//! the one place that writes files; every output tree is staged and swapped in whole, so a
//! failed or killed run leaves the previous output as it was.

use crate::cli::CompileConfig;
use crate::emit::{self, Artifact, EmitOptions};
use crate::plan::{self, PlanOptions};
use crate::sink::{self, atomic};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

/// Top-level directories of `<out>` that hold emitted documents.
fn top_dir(path: &str) -> &str {
    path.split('/').next().unwrap_or(path)
}

pub fn run(cfg: &CompileConfig) -> ExitCode {
    let started = Instant::now();
    let checked = crate::check(&cfg.specs);
    let rendered = checked.render(crate::cli::color());
    if !rendered.is_empty() {
        eprint!("{rendered}");
    }
    let Some(ir) = checked.ir.as_ref().filter(|_| !checked.has_errors()) else {
        return ExitCode::from(1);
    };
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
    {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: cannot start {} threads: {e}", cfg.threads);
            return ExitCode::from(2);
        }
    };
    pool.install(|| run_in_pool(cfg, ir, &checked.sources, started))
}

fn run_in_pool(
    cfg: &CompileConfig,
    ir: &crate::ir::Ir,
    sources: &crate::diagnostics::SourceMap,
    started: Instant,
) -> ExitCode {
    let opts = PlanOptions {
        scale: cfg.scale,
        seed: cfg.seed,
        ..PlanOptions::default()
    };
    let plan = match plan::plan(ir, opts) {
        Ok(p) => p,
        Err(diags) => {
            eprint!(
                "{}",
                crate::diagnostics::render_all(&diags, sources, crate::cli::color())
            );
            return ExitCode::from(1);
        }
    };
    let emit_opts = EmitOptions {
        bucket: cfg.bucket.clone(),
        scale: cfg.scale,
        seed: cfg.seed,
        rows: plan.entities.iter().map(|e| e.rows).collect(),
    };
    let mut artifacts = match emit::emit_all(ir, &emit_opts) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    if cfg.check {
        return check_artifacts(&cfg.out, &artifacts);
    }
    let _lock = match atomic::OutputLock::acquire(&cfg.out) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let interactive = !cfg.quiet && std::io::stderr().is_terminal();
    if !cfg.docs_only {
        let lake = cfg.out.join("lake");
        atomic::clean_leftovers(&lake);
        let staging = atomic::staging_dir(&lake);
        let _ = std::fs::remove_dir_all(&staging);
        if let Err(e) = std::fs::create_dir_all(&staging) {
            eprintln!("error: cannot create `{}`: {e}", staging.display());
            return ExitCode::from(2);
        }
        // One bar for the whole lake: entities are written concurrently.
        let total: u64 = plan.entities.iter().map(|e| e.rows).sum();
        let bar = interactive.then(|| {
            let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            b.set_style(
                ProgressStyle::with_template(
                    "{msg:>24} [{bar:30}] {pos}/{len} rows {per_sec} eta {eta}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            b
        });
        let written: Mutex<Vec<u64>> = Mutex::new(vec![0; plan.entities.len()]);
        let progress = |e: usize, rows: u64| {
            let Some(b) = &bar else { return };
            let mut w = written.lock().unwrap_or_else(|p| p.into_inner());
            w[e] = rows;
            b.set_position(w.iter().sum());
            b.set_message(plan.ir.entities[e].qualified.clone());
        };
        let lake_started = Instant::now();
        let result = sink::write_lake(&plan, &staging, &cfg.sink, &progress);
        let lake_seconds = lake_started.elapsed().as_secs_f64();
        if let Some(b) = &bar {
            b.finish_and_clear();
        }
        let (_manifest, stats, reports) = match result {
            Ok(r) => r,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&staging);
                // A value that cannot be generated (a lookup value without a row, an overflow,
                // …) is an error in the specs, not in writing.
                if let Some(m) = e
                    .get_ref()
                    .and_then(|i| i.downcast_ref::<crate::generate::Error>())
                {
                    let d = m.diagnostic(&plan);
                    eprint!(
                        "{}",
                        crate::diagnostics::render_all(&[d], sources, crate::cli::color())
                    );
                    return ExitCode::from(1);
                }
                eprintln!("error: writing the lake failed: {e}");
                return ExitCode::from(2);
            }
        };
        if let Err(e) = atomic::swap_into_place(&staging, &lake) {
            eprintln!(
                "error: cannot move the new lake into `{}`: {e}",
                lake.display()
            );
            return ExitCode::from(2);
        }
        artifacts.extend(emit::profile(ir, &emit_opts, &stats));
        if !cfg.quiet {
            eprint!("{}", summary(&plan, &reports, lake_seconds));
        }
    }
    if let Err(e) = write_artifacts(&cfg.out, &artifacts, cfg.docs_only) {
        eprintln!("error: writing documents failed: {e}");
        return ExitCode::from(2);
    }
    if !cfg.quiet {
        eprintln!(
            "wrote {} documents{} to `{}` in {:.2}s",
            artifacts.len(),
            if cfg.docs_only { "" } else { " and the lake" },
            cfg.out.display(),
            started.elapsed().as_secs_f64()
        );
    }
    ExitCode::SUCCESS
}

/// Writes every artifact: each top-level directory is staged and swapped in whole.
fn write_artifacts(out: &Path, artifacts: &[Artifact], keep_profile: bool) -> std::io::Result<()> {
    let mut by_dir: BTreeMap<&str, Vec<&Artifact>> = BTreeMap::new();
    for a in artifacts {
        by_dir.entry(top_dir(&a.path)).or_default().push(a);
    }
    for (dir, files) in by_dir {
        let dest = out.join(dir);
        atomic::clean_leftovers(&dest);
        let staging = atomic::staging_dir(&dest);
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir_all(&staging)?;
        for a in files {
            let rel = a
                .path
                .strip_prefix(dir)
                .unwrap_or(&a.path)
                .trim_start_matches('/');
            let p = staging.join(rel);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&p, &a.contents)?;
        }
        // A docs-only run keeps the data profile of the lake that is still there.
        let profile = dest.join("profile");
        if keep_profile && profile.is_dir() {
            copy_dir(&profile, &staging.join("profile"))?;
        }
        atomic::swap_into_place(&staging, &dest)?;
    }
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let target = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_dir(&e.path(), &target)?;
        } else {
            std::fs::copy(e.path(), target)?;
        }
    }
    Ok(())
}

/// `--check`: names every emitted file that is missing or differs, and every stale file in
/// the emitted directories that the specs no longer produce.
fn check_artifacts(out: &Path, artifacts: &[Artifact]) -> ExitCode {
    let mut stale = Vec::new();
    let expected: BTreeSet<&str> = artifacts.iter().map(|a| a.path.as_str()).collect();
    for a in artifacts {
        match std::fs::read_to_string(out.join(&a.path)) {
            Ok(s) if s == a.contents => {}
            Ok(_) => stale.push(format!("changed: {}", a.path)),
            Err(_) => stale.push(format!("missing: {}", a.path)),
        }
    }
    let dirs: BTreeSet<&str> = artifacts.iter().map(|a| top_dir(&a.path)).collect();
    for d in dirs {
        for f in walk(&out.join(d)) {
            let rel = f
                .strip_prefix(out)
                .unwrap_or(&f)
                .to_string_lossy()
                .replace('\\', "/");
            if rel.starts_with("docs/profile/") {
                continue;
            }
            if !expected.contains(rel.as_str()) {
                stale.push(format!("not produced by the specs: {rel}"));
            }
        }
    }
    if stale.is_empty() {
        eprintln!(
            "ok: {} documents in `{}` are up to date",
            artifacts.len(),
            out.display()
        );
        return ExitCode::SUCCESS;
    }
    eprintln!("error: {} generated file(s) are stale:", stale.len());
    for s in &stale {
        eprintln!("  {s}");
    }
    eprintln!("help: run `lab compile --docs-only` and commit the result");
    ExitCode::from(1)
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// The closing table. Entities are written concurrently, so each row's seconds are that
/// entity's own wall time, and the total row uses the lake's wall time.
fn summary(plan: &crate::plan::Plan, reports: &[sink::EntityReport], lake_seconds: f64) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<36} {:>12} {:>6} {:>10} {:>8} {:>12}",
        "entity", "rows", "files", "MB", "seconds", "rows/s"
    );
    let (mut rows, mut files, mut bytes) = (0u64, 0usize, 0u64);
    for r in reports {
        let rate = if r.seconds > 0.0 {
            r.rows as f64 / r.seconds
        } else {
            0.0
        };
        let _ = writeln!(
            s,
            "{:<36} {:>12} {:>6} {:>10.2} {:>8.2} {:>12.0}",
            plan.ir.entities[r.entity].qualified,
            r.rows,
            r.files,
            r.bytes as f64 / 1e6,
            r.seconds,
            rate
        );
        rows += r.rows;
        files += r.files;
        bytes += r.bytes;
    }
    let secs = lake_seconds;
    let rate = if secs > 0.0 { rows as f64 / secs } else { 0.0 };
    let _ = writeln!(
        s,
        "{:<36} {:>12} {:>6} {:>10.2} {:>8.2} {:>12.0}",
        "total",
        rows,
        files,
        bytes as f64 / 1e6,
        secs,
        rate
    );
    s
}
