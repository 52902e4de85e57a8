//! The library API of `lab compile`: one call runs front end → plan → lake → documents and
//! publishes everything in one atomic switch of the output directory. It prints nothing:
//! progress and the finished run reach the caller through an [`Observer`], and every failure
//! is a typed [`Error`] (the CLI renders both and chooses the exit code).

use crate::diagnostics::{Diagnostic, SourceMap};
use crate::emit::{self, Artifact, EmitOptions};
use crate::ir::Ir;
use crate::output::{OutputDir, OutputError, Staging};
use crate::plan::{self, Plan, PlanOptions};
use crate::sink::{self, SinkOptions};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// A validated `lab compile` run.
#[derive(Clone, Debug)]
pub struct Config {
    /// Directory of the domain specs.
    pub specs: PathBuf,
    /// Output directory: `lake/` and the documents (see [`crate::output`]).
    pub out: PathBuf,
    pub scale: f64,
    pub seed: u64,
    /// Worker threads; the output does not depend on it.
    pub threads: usize,
    pub sink: SinkOptions,
    /// S3 bucket named in table locations.
    pub bucket: String,
    /// Write the documents only; the lake of the current output is kept.
    pub docs_only: bool,
    /// Refuse runs whose estimated output exceeds this many bytes or the free space of the
    /// output's file system (`None`: no limit and no free-space check).
    pub size_limit: Option<u64>,
}

impl Config {
    /// A run over `specs` into `out` with the defaults of the command line.
    pub fn new(specs: impl Into<PathBuf>, out: impl Into<PathBuf>) -> Config {
        Config {
            specs: specs.into(),
            out: out.into(),
            scale: 1.0,
            seed: 42,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            sink: SinkOptions::default(),
            bucket: "lab-lake".into(),
            docs_only: false,
            size_limit: Some(DEFAULT_SIZE_LIMIT),
        }
    }
}

/// The default `--size-limit`: 100 GiB of estimated output.
pub const DEFAULT_SIZE_LIMIT: u64 = 100 << 30;

/// Why a run failed. Nothing of a failed run is visible in the output directory.
#[derive(Debug)]
pub enum Error {
    /// The specs (or a value computed from them) are wrong: diagnostics to render.
    Spec {
        diagnostics: Vec<Diagnostic>,
        sources: SourceMap,
    },
    /// The run would be too large for the limits, the disk or the memory.
    TooLarge {
        message: String,
        /// Whether a flag (`--scale`) rather than the specs made it too large.
        from_flags: bool,
    },
    /// The output directory refused or failed.
    Output(OutputError),
    /// The worker pool could not start.
    Threads(String),
    /// The emitters refused their input (an internal invariant, not a user mistake).
    Emit(emit::EmitError),
    /// The observer failed (e.g. the summary could not be printed): nothing was published.
    Observer(std::io::Error),
}

impl From<OutputError> for Error {
    fn from(e: OutputError) -> Self {
        Error::Output(e)
    }
}

/// What a finished run wrote.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The output directory's real path.
    pub out: PathBuf,
    /// Documents written (dictionary pages, ERDs, DDL, Glue tables, schema, profile).
    pub documents: usize,
    /// The lake, unless `docs_only`.
    pub lake: Option<LakeReport>,
    /// Warnings of the front end (the run went on).
    pub warnings: Vec<Diagnostic>,
}

/// What was written to the lake, entity by entity.
#[derive(Clone, Debug)]
pub struct LakeReport {
    pub entities: Vec<EntityReport>,
    /// Wall time of the whole lake (entities are written concurrently).
    pub seconds: f64,
}

/// One entity's files.
#[derive(Clone, Debug)]
pub struct EntityReport {
    /// `domain.entity`.
    pub name: String,
    pub rows: u64,
    pub files: usize,
    pub bytes: u64,
    /// The entity's own wall time.
    pub seconds: f64,
}

/// Receives a run's progress. Every method has a default that does nothing.
pub trait Observer: Sync {
    /// The front end accepted the specs; `diagnostics` are its warnings.
    fn checked(&self, _diagnostics: &[Diagnostic], _sources: &SourceMap) -> std::io::Result<()> {
        Ok(())
    }
    /// The lake is about to be written: `total_rows` rows in all.
    fn lake_started(&self, _total_rows: u64) {}
    /// Rows written so far in the whole lake, and the entity that just wrote.
    fn progress(&self, _entity: &str, _rows_written: u64) {}
    /// The lake is written (into the staging directory).
    fn lake_finished(&self) {}
    /// Everything is staged and about to be published. An error aborts the run and leaves
    /// the previous output exactly as it was.
    fn before_switch(&self, _outcome: &Outcome) -> std::io::Result<()> {
        Ok(())
    }
}

/// An observer that ignores everything.
pub struct Silent;

impl Observer for Silent {}

/// Compiles the specs of `cfg` into its output directory.
pub fn compile(cfg: &Config, observer: &dyn Observer) -> Result<Outcome, Error> {
    let checked = crate::check(&cfg.specs);
    let Some(ir) = checked.ir.as_ref().filter(|_| !checked.has_errors()) else {
        return Err(Error::Spec {
            diagnostics: checked.diagnostics,
            sources: checked.sources,
        });
    };
    let warnings = checked.diagnostics.clone();
    observer
        .checked(&warnings, &checked.sources)
        .map_err(Error::Observer)?;
    let out = OutputDir::claim(&cfg.out)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .stack_size(64 << 20)
        .build()
        .map_err(|e| Error::Threads(format!("cannot start {} threads: {e}", cfg.threads)))?;
    let sources = &checked.sources;
    pool.install(|| {
        let plan = plan_run(cfg, ir, sources, Some(&out))?;
        let mut artifacts = documents(cfg, &plan)?;
        let staging = out.stage()?;
        let lake = if cfg.docs_only {
            keep_lake(&out, &staging)?;
            None
        } else {
            Some(write_lake(
                cfg,
                &plan,
                &staging,
                sources,
                observer,
                &mut artifacts,
            )?)
        };
        for a in &artifacts {
            staging.write(&a.path, a.contents.as_bytes())?;
        }
        let outcome = Outcome {
            out: out.path().to_path_buf(),
            documents: artifacts.len(),
            lake,
            warnings,
        };
        observer.before_switch(&outcome).map_err(Error::Observer)?;
        out.switch(staging)?;
        Ok(outcome)
    })
}

/// Checks the size of the run, then plans it.
fn plan_run(
    cfg: &Config,
    ir: &Ir,
    sources: &SourceMap,
    out: Option<&OutputDir>,
) -> Result<Plan, Error> {
    check_size(cfg, ir, out)?;
    let opts = PlanOptions {
        scale: cfg.scale,
        seed: cfg.seed,
        ..PlanOptions::default()
    };
    plan::plan(ir, opts).map_err(|diagnostics| Error::Spec {
        diagnostics,
        sources: sources.clone(),
    })
}

/// Refuses runs whose plan would not fit in memory and, when data is written (`out`), whose
/// estimated output exceeds the size limit or the free space of the output's file system —
/// before anything is planned or generated.
fn check_size(cfg: &Config, ir: &Ir, out: Option<&OutputDir>) -> Result<(), Error> {
    let est = plan::estimate(ir, cfg.scale);
    let from_flags = cfg.scale > 1.0;
    let cause = if from_flags {
        format!("--scale {}", cfg.scale)
    } else {
        "the specs".to_string()
    };
    let plan_bytes = whole(est.plan_memory);
    if let Some(mem) = available_memory()
        && plan_bytes > mem / 2
    {
        return Err(Error::TooLarge {
            message: format!(
                "{cause} need about {} of memory to plan (per-parent child offsets), more than \
                 half of the {} available; lower --scale",
                human_bytes(plan_bytes),
                human_bytes(mem)
            ),
            from_flags,
        });
    }
    let Some(out) = out.filter(|_| !cfg.docs_only) else {
        return Ok(());
    };
    let formats = u64::from(cfg.sink.parquet) + u64::from(cfg.sink.csv);
    let bytes = whole(est.total_bytes() * formats.max(1) as f64);
    let rows = whole(est.total_rows());
    if let Some(limit) = cfg.size_limit
        && bytes > limit
    {
        return Err(Error::TooLarge {
            message: format!(
                "{cause} would write about {} rows and {} of data, above the size limit of {}; \
                 lower --scale, or raise the limit deliberately with --size-limit (e.g. \
                 `--size-limit 2TiB`, or `none`)",
                rows,
                human_bytes(bytes),
                human_bytes(limit)
            ),
            from_flags,
        });
    }
    // `--size-limit none` lifts the free-space check too: the estimate is rough, and a run
    // that fills the disk still fails cleanly.
    if let Some(free) = crate::output::free_bytes(out.path()).filter(|_| cfg.size_limit.is_some())
        && bytes > free
    {
        return Err(Error::TooLarge {
            message: format!(
                "{cause} would write about {} of data, but the file system of `{}` has {} free; \
                 choose another --out, or lift the size checks with `--size-limit none`",
                human_bytes(bytes),
                out.path().display(),
                human_bytes(free)
            ),
            // The output location, not the specs, is what is too small.
            from_flags: true,
        });
    }
    Ok(())
}

/// A non-negative estimate as whole units (saturating; NaN counts as unlimited).
fn whole(x: f64) -> u64 {
    if x.is_nan() || x >= u64::MAX as f64 {
        u64::MAX
    } else {
        x.max(0.0) as u64
    }
}

/// `MemAvailable` from `/proc/meminfo`, in bytes.
fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Bytes in binary units with one decimal (`1.5 GiB`).
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn emit_options(cfg: &Config, plan: &Plan) -> EmitOptions {
    EmitOptions {
        bucket: cfg.bucket.clone(),
        scale: cfg.scale,
        seed: cfg.seed,
        rows: plan.entities.iter().map(|e| e.rows).collect(),
        compression: cfg.sink.codec,
    }
}

fn documents(cfg: &Config, plan: &Plan) -> Result<Vec<Artifact>, Error> {
    emit::emit_all(&plan.ir, &emit_options(cfg, plan)).map_err(Error::Emit)
}

/// A documents-only run keeps the current lake and its measured profile pages.
fn keep_lake(out: &OutputDir, staging: &Staging) -> Result<(), Error> {
    staging.carry_over(&out.path().join("lake"), "lake")?;
    staging.carry_over(&out.path().join("docs/profile"), "docs/profile")?;
    Ok(())
}

/// Generates the lake into the staging directory and adds the profile pages to `artifacts`.
fn write_lake(
    cfg: &Config,
    plan: &Plan,
    staging: &Staging,
    sources: &SourceMap,
    observer: &dyn Observer,
    artifacts: &mut Vec<Artifact>,
) -> Result<LakeReport, Error> {
    let total: u64 = plan.entities.iter().map(|e| e.rows).sum();
    observer.lake_started(total);
    let written: Mutex<Vec<u64>> = Mutex::new(vec![0; plan.entities.len()]);
    let progress = |e: usize, rows: u64| {
        let sum = {
            let mut w = written.lock().unwrap_or_else(|p| p.into_inner());
            w[e] = rows;
            w.iter().sum()
        };
        observer.progress(&plan.ir.entities[e].qualified, sum);
    };
    let started = Instant::now();
    let result = sink::write_lake(plan, &staging.path().join("lake"), &cfg.sink, &progress);
    observer.lake_finished();
    let (stats, reports) = result.map_err(|e| sink_error(e, plan, sources))?;
    artifacts.extend(emit::profile(&plan.ir, &emit_options(cfg, plan), &stats));
    Ok(LakeReport {
        entities: reports
            .into_iter()
            .map(|r| EntityReport {
                name: plan.ir.entities[r.entity].qualified.clone(),
                rows: r.rows,
                files: r.files,
                bytes: r.bytes,
                seconds: r.seconds,
            })
            .collect(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

fn sink_error(e: sink::SinkError, plan: &Plan, sources: &SourceMap) -> Error {
    match e {
        sink::SinkError::Generate(g) => Error::Spec {
            diagnostics: vec![g.diagnostic(plan)],
            sources: sources.clone(),
        },
        sink::SinkError::Io {
            path,
            action,
            source,
        } => Error::Output(OutputError::Io {
            path,
            action,
            source,
        }),
    }
}

/// The documents a run would write, compared with those in `cfg.out`.
#[derive(Clone, Debug)]
pub struct Freshness {
    /// Documents the specs produce.
    pub documents: usize,
    /// One line per missing, changed or extra file; empty when everything is current.
    pub stale: Vec<String>,
}

/// `lab compile --docs-only --check`: compares the documents the specs produce with those in
/// `cfg.out`, writing nothing.
pub fn check_documents(cfg: &Config) -> Result<Freshness, Error> {
    let checked = crate::check(&cfg.specs);
    let Some(ir) = checked.ir.as_ref().filter(|_| !checked.has_errors()) else {
        return Err(Error::Spec {
            diagnostics: checked.diagnostics,
            sources: checked.sources,
        });
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .stack_size(64 << 20)
        .build()
        .map_err(|e| Error::Threads(format!("cannot start {} threads: {e}", cfg.threads)))?;
    pool.install(|| {
        let plan = plan_run(cfg, ir, &checked.sources, None)?;
        let artifacts = documents(cfg, &plan)?;
        Ok(Freshness {
            documents: artifacts.len(),
            stale: stale_documents(&cfg.out, &artifacts),
        })
    })
}

/// Names every emitted file that is missing or differs, and every file in the emitted
/// directories that the specs no longer produce (the measured profile pages excepted).
fn stale_documents(out: &Path, artifacts: &[Artifact]) -> Vec<String> {
    let mut stale = Vec::new();
    let expected: BTreeSet<&str> = artifacts.iter().map(|a| a.path.as_str()).collect();
    for a in artifacts {
        match std::fs::read(out.join(&a.path)) {
            Ok(s) if s == a.contents.as_bytes() => {}
            Ok(_) => stale.push(format!("changed: {}", a.path)),
            Err(_) => stale.push(format!("missing: {}", a.path)),
        }
    }
    let dirs: BTreeSet<&str> = artifacts
        .iter()
        .map(|a| a.path.split('/').next().unwrap_or(&a.path))
        .collect();
    for d in dirs {
        for f in walk(&out.join(d)) {
            let rel = f
                .strip_prefix(out)
                .unwrap_or(&f)
                .to_string_lossy()
                .replace('\\', "/");
            if !rel.starts_with("docs/profile/") && !expected.contains(rel.as_str()) {
                stale.push(format!("not produced by the specs: {rel}"));
            }
        }
    }
    stale
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

/// The JSON Schema of the spec language (draft-07, for editors).
pub fn schema() -> String {
    crate::spec::json_schema()
}

/// Writes the JSON Schema to `path` (through symbolic links; never over a non-regular file).
pub fn write_schema(path: &Path) -> Result<(), OutputError> {
    crate::output::write_file(path, schema().as_bytes())
}
