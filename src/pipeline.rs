//! The library API of `lab compile`: one call runs front end → plan → lake → documents and
//! publishes everything in one atomic switch of the output directory. It prints nothing:
//! progress and the finished run reach the caller through an [`Observer`], and every failure
//! is a typed [`Error`] (the CLI renders both and chooses the exit code).

use crate::diagnostics::{Diagnostic, SourceMap};
use crate::emit::{self, Artifact, EmitOptions};
use crate::ir::Ir;
pub use crate::output::S3Location;
use crate::output::{OutputDir, OutputError, Staging};
use crate::plan::{self, Plan, PlanOptions};
use crate::sink::{self, SinkOptions};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

mod deliveries;
mod files;
mod increments;
pub mod merge;
mod publish;
mod remote;
pub use publish::{PublishConfig, PublishReport, publish};

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
    /// Leave out the source systems' exports (and their tables): only the clean data.
    pub clean: bool,
    /// Refuse runs whose estimated output exceeds this many bytes or the free space of the
    /// output's file system (`None`: no limit and no free-space check).
    pub size_limit: Option<u64>,
    /// `--as-of`: the first instant after the as-of day (ms since 1970, UTC); `None` for the
    /// full lake.
    pub as_of: Option<i64>,
    /// `--increments FROM..TO`: the days (since 1970) whose change rows are written instead
    /// of the lake and documents (see [`increments`]).
    pub increments: Option<(i32, i32)>,
    /// `--out s3://bucket/prefix`: lake and documents go to S3 instead of `out`.
    pub s3: Option<S3Location>,
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
            clean: false,
            size_limit: Some(DEFAULT_SIZE_LIMIT),
            as_of: None,
            increments: None,
            s3: None,
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
    /// S3 or Glue refused or failed (a missing bucket, no credentials, the network), or
    /// this build has no S3 support: the message says which.
    Remote(String),
    /// The specs declare something the increments cannot be derived for.
    Increments(String),
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
    /// Why a documents-only run left the previous lake out (it no longer matched the
    /// documents), if it did.
    pub lake_dropped: Option<String>,
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
    let checked = crate::frontend::check(&cfg.specs);
    let Some(ir) = checked.ir.as_ref().filter(|_| !checked.has_errors()) else {
        return Err(Error::Spec {
            diagnostics: checked.diagnostics,
            sources: checked.sources,
        });
    };
    let clean_ir;
    let ir = if cfg.clean {
        clean_ir = ir.clone().without_exports();
        &clean_ir
    } else {
        ir
    };
    let warnings = checked.diagnostics.clone();
    observer
        .checked(&warnings, &checked.sources)
        .map_err(Error::Observer)?;
    if let Some(loc) = &cfg.s3 {
        return remote::compile(cfg, loc, ir, warnings, &checked.sources, observer);
    }
    let out = OutputDir::claim(&cfg.out)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .stack_size(64 << 20)
        .build()
        .map_err(|e| Error::Threads(format!("cannot start {} threads: {e}", cfg.threads)))?;
    let sources = &checked.sources;
    pool.install(|| {
        let plan = plan_run(cfg, ir, sources, Some(&out))?;
        if let Some(days) = cfg.increments {
            let staging = out.stage()?;
            let lake = increments::write(&plan, &staging.path().join("lake"), days, sources)?;
            let outcome = Outcome {
                out: out.path().to_path_buf(),
                documents: 0,
                lake: Some(lake),
                warnings,
                lake_dropped: None,
            };
            observer.before_switch(&outcome).map_err(Error::Observer)?;
            out.switch(staging)?;
            return Ok(outcome);
        }
        let mut artifacts = documents(cfg, &plan)?;
        // Of a split run, part 1 alone writes the documents (`lab manifest merge` takes them
        // from it).
        if cfg.sink.part.is_some_and(|p| p.index != 1) {
            artifacts.clear();
        }
        let staging = out.stage()?;
        let mut lake_dropped = None;
        let lake = if cfg.docs_only {
            lake_dropped = keep_lake(cfg, &plan, &out, &staging)?;
            None
        } else {
            Some(write_lake(
                cfg,
                &plan,
                &sink::LocalLake::new(&staging.path().join("lake")),
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
            lake_dropped,
        };
        observer.before_switch(&outcome).map_err(Error::Observer)?;
        out.switch(staging)?;
        Ok(outcome)
    })
}

/// Checks the size of the run, then plans it, then checks the planned size: counts drawn by
/// expressions are known only once the planner has drawn them.
fn plan_run(
    cfg: &Config,
    ir: &Ir,
    sources: &SourceMap,
    out: Option<&OutputDir>,
) -> Result<Plan, Error> {
    let est = plan::estimate(ir, cfg.scale);
    let sizes = Sizes::new(cfg);
    sizes.check_memory(est.plan_memory)?;
    let out = out.filter(|_| !cfg.docs_only);
    // A lake written to S3 is held to the size limit too (there is no free space to check).
    let limited = !cfg.docs_only && (out.is_some() || cfg.s3.is_some());
    if limited {
        sizes.check_output(est.total_rows(), est.total_bytes(), out)?;
    }
    let opts = PlanOptions {
        scale: cfg.scale,
        seed: cfg.seed,
        as_of: cfg.as_of,
        ..PlanOptions::default()
    };
    let plan = plan::plan(ir, opts).map_err(|diagnostics| Error::Spec {
        diagnostics,
        sources: sources.clone(),
    })?;
    sizes.check_planned(&plan, &est, out, limited)?;
    Ok(plan)
}

/// Most rows one entity may have (row indices, offsets and files are not meant for more).
const MAX_ENTITY_ROWS: u64 = 1 << 40;

/// Bytes per value assumed for an entity the estimate expected no rows of.
const FALLBACK_VALUE_BYTES: f64 = 16.0;

/// The size checks of a run: the plan's memory against the machine, the output against the
/// size limit and the free space of the output's file system.
struct Sizes<'a> {
    cfg: &'a Config,
    /// Output formats written (each holds every row), times the share of the lake a part
    /// writes (about 1/N of it).
    formats: f64,
}

impl<'a> Sizes<'a> {
    fn new(cfg: &'a Config) -> Self {
        let formats = u64::from(cfg.sink.parquet) + u64::from(cfg.sink.csv);
        let share = cfg.sink.part.map_or(1.0, |p| 1.0 / f64::from(p.of.max(1)));
        Sizes {
            cfg,
            formats: formats.max(1) as f64 * share,
        }
    }

    /// What made the run this large: a `--scale` above 1 is the flag's doing, otherwise the
    /// specs'.
    fn cause(&self) -> (String, bool) {
        if self.cfg.scale > 1.0 {
            (format!("--scale {}", self.cfg.scale), true)
        } else {
            ("the specs".to_string(), false)
        }
    }

    fn check_memory(&self, plan_memory: f64) -> Result<(), Error> {
        let plan_bytes = whole(plan_memory);
        let Some(mem) = available_memory().filter(|m| plan_bytes > m / 2) else {
            return Ok(());
        };
        let (cause, from_flags) = self.cause();
        Err(Error::TooLarge {
            message: format!(
                "{cause} would need about {} of memory to plan (per-parent child offsets), more \
                 than half of the {} available; lower --scale",
                human_bytes(plan_bytes),
                human_bytes(mem)
            ),
            from_flags,
        })
    }

    /// Refuses `rows` rows and `bytes` bytes (of one format) above the size limit or the free
    /// space of `out`'s file system.
    fn check_output(&self, rows: f64, bytes: f64, out: Option<&OutputDir>) -> Result<(), Error> {
        let bytes = whole(bytes * self.formats);
        let (cause, scaled) = self.cause();
        if let Some(limit) = self.cfg.size_limit
            && bytes > limit
        {
            return Err(Error::TooLarge {
                message: format!(
                    "{cause} would write about {} rows and {} of data, above the size limit of \
                     {}; lower --scale, or raise the limit deliberately with --size-limit (e.g. \
                     `--size-limit 2TiB`, or `none`)",
                    whole(rows),
                    human_bytes(bytes),
                    human_bytes(limit)
                ),
                // A limit below the default is the flag's doing.
                from_flags: scaled || bytes <= DEFAULT_SIZE_LIMIT,
            });
        }
        // `--size-limit none` lifts the free-space check too: the estimate is rough, and a
        // run that fills the disk still fails cleanly.
        if let Some(out) = out
            && let Some(free) =
                crate::output::free_bytes(out.path()).filter(|_| self.cfg.size_limit.is_some())
            && bytes > free
        {
            return Err(Error::TooLarge {
                message: format!(
                    "{cause} would write about {} of data, but the file system of `{}` has {} \
                     free; choose another --out, or lift the size checks with `--size-limit none`",
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

    /// The checks again with the planner's exact row counts (bytes per row as estimated), and
    /// no entity above [`MAX_ENTITY_ROWS`].
    fn check_planned(
        &self,
        plan: &Plan,
        est: &plan::Estimate,
        out: Option<&OutputDir>,
        limited: bool,
    ) -> Result<(), Error> {
        let (mut rows, mut bytes) = (0f64, 0f64);
        for (e, planned) in plan.entities.iter().enumerate() {
            let ent = &plan.ir.entities[e];
            if planned.rows > MAX_ENTITY_ROWS {
                let (cause, from_flags) = self.cause();
                return Err(Error::TooLarge {
                    message: format!(
                        "{cause} give `{}` {} rows, more than the {MAX_ENTITY_ROWS} (2^40) one \
                         entity may have; lower the counts or --scale",
                        ent.qualified, planned.rows
                    ),
                    from_flags,
                });
            }
            let per_row = match (est.rows.get(e), est.bytes.get(e)) {
                (Some(&r), Some(&b)) if r >= 1.0 => b / r,
                _ => FALLBACK_VALUE_BYTES * ent.attributes.len() as f64,
            };
            rows += planned.rows as f64;
            bytes += planned.rows as f64 * per_row;
        }
        if limited {
            self.check_output(rows, bytes, out)
        } else {
            Ok(())
        }
    }
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

/// A documents-only run keeps the current lake and its measured profile pages — when they
/// were written from the same specs, seed, scale, codec and version, so the documents describe
/// them. Otherwise the lake is left out (lake and documents never disagree) and the reason is
/// returned.
fn keep_lake(
    cfg: &Config,
    plan: &Plan,
    out: &OutputDir,
    staging: &Staging,
) -> Result<Option<String>, Error> {
    let lake = out.path().join("lake");
    if !lake.exists() {
        return Ok(None);
    }
    let manifest: Option<serde_json::Value> = std::fs::read(lake.join("_manifest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let Some(m) = manifest else {
        return Ok(Some("it has no readable `_manifest.json`".into()));
    };
    let expected = [
        ("specs", serde_json::json!(plan.ir.specs_sha256)),
        ("--seed", serde_json::json!(cfg.seed)),
        ("--scale", serde_json::json!(cfg.scale)),
        ("--compression", serde_json::json!(cfg.sink.codec.name())),
        ("lab version", serde_json::json!(env!("CARGO_PKG_VERSION"))),
        (
            "--as-of",
            serde_json::json!(cfg.as_of.map(crate::sink::manifest::as_of_date)),
        ),
    ];
    let fields = [
        "specs_sha256",
        "seed",
        "scale",
        "compression",
        "lab_version",
        "as_of",
    ];
    let mut differs: Vec<&str> = expected
        .iter()
        .zip(fields)
        .filter(|((_, want), field)| m.get(*field).unwrap_or(&serde_json::Value::Null) != want)
        .map(|((what, _), _)| *what)
        .collect();
    // With source systems, a lake with exports and one without (`--clean`) differ too.
    let exports = plan.ir.entities.iter().any(|e| e.export.is_some());
    if plan.ir.systems && m.get("exports") != Some(&serde_json::json!(exports)) {
        differs.push("--clean");
    }
    if !differs.is_empty() {
        return Ok(Some(format!(
            "it was written with other {} than these documents",
            differs.join(", ")
        )));
    }
    staging.carry_over(&lake, "lake")?;
    staging.carry_over(&out.path().join("docs/profile"), "docs/profile")?;
    Ok(None)
}

/// Generates the lake (into the staging directory, or to S3) and adds the profile pages to
/// `artifacts`.
fn write_lake(
    cfg: &Config,
    plan: &Plan,
    lake: &dyn sink::Lake,
    sources: &SourceMap,
    observer: &dyn Observer,
    artifacts: &mut Vec<Artifact>,
) -> Result<LakeReport, Error> {
    let total = match cfg.sink.part {
        Some(p) => sink::parts::rows_of(plan, p),
        None => plan.entities.iter().map(|e| e.rows).sum(),
    };
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
    let result = sink::write_lake(plan, lake, &cfg.sink, &progress);
    observer.lake_finished();
    let (stats, reports) = result.map_err(|e| sink_error(e, plan, sources))?;
    // The profile measures every row: a part has only some of them, so it has no profile.
    if cfg.sink.part.is_none() {
        artifacts.extend(emit::profile(&plan.ir, &emit_options(cfg, plan), &stats));
    }
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
    let checked = crate::frontend::check(&cfg.specs);
    let Some(ir) = checked.ir.as_ref().filter(|_| !checked.has_errors()) else {
        return Err(Error::Spec {
            diagnostics: checked.diagnostics,
            sources: checked.sources,
        });
    };
    let clean_ir;
    let ir = if cfg.clean {
        clean_ir = ir.clone().without_exports();
        &clean_ir
    } else {
        ir
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
/// directories that the specs no longer produce (the measured profile pages and the dbt
/// project's `target/` and `logs/` excepted).
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
            // The measured profile, and what dbt writes when the project is run in place.
            let run_output = ["docs/profile/", "dbt/target/", "dbt/logs/"]
                .iter()
                .any(|p| rel.starts_with(p));
            if !run_output && !expected.contains(rel.as_str()) {
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
