//! The command line: clap types, validation of arguments into the library's [`Config`], and
//! the commands (`check`, `schema`, `compile`, `score`), which call the library and render
//! what it returns — diagnostics, progress bars, the closing summary, the score report — and
//! choose the exit code (0 success, 1 spec errors, stale documents or a submission `lab score`
//! cannot grade, 2 usage, output or IO errors). The library prints nothing; this module is
//! the only one that does.
//!
//! Every write to stdout and stderr is checked: a reader that hangs up (`lab check --dump-ir |
//! head -1`) ends the command quietly with its own status, and a failed write (`2>/dev/full`)
//! ends it with exit code 2 — never a panic.

use crate::pipeline::{self, Config, Error, Observer, Outcome};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(
    name = "lab",
    version,
    about = "Compile YAML domain specs into a synthetic, referentially consistent data lake with its dictionary, ERDs and Athena/Glue DDL",
    long_about = None,
    after_help = "Start with `lab check` to validate the specs, then `lab compile` to generate everything.\nSpec language: docs/spec-reference.md"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Validate the specs and print every problem with its location and a hint.
    Check {
        /// Directory holding the domain specs (`*.yaml`).
        #[arg(long, default_value = "specs", value_name = "DIR")]
        specs: PathBuf,
        /// Also print the resolved model (the IR) in a readable form.
        #[arg(long)]
        dump_ir: bool,
    },
    /// Generate the data lake (Parquet/CSV + manifest) and the dictionary, ERDs and DDL.
    Compile(CompileArgs),
    /// Grade a matching and cleaning pipeline's output against a lake's answer key
    /// (docs/scoring.md).
    Score(ScoreArgs),
    /// Register the Glue databases, tables and partitions of a compiled output, uploading
    /// its lake to S3 first when it was written locally.
    Publish(PublishArgs),
    /// Write the JSON Schema of the spec language (for editor completion and validation).
    Schema {
        /// Where to write the schema.
        #[arg(
            long,
            default_value = "generated/schema/lab-spec.schema.json",
            value_name = "FILE"
        )]
        out: PathBuf,
    },
    /// Work with lake manifests: `lab manifest merge` combines the parts of a split run.
    Manifest {
        #[command(subcommand)]
        command: ManifestCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum ManifestCommand {
    /// Merge the outputs of `lab compile --part K --parts N` (every K once) into one lake,
    /// byte for byte the single run's: files checked against the part manifests and linked
    /// (or copied), part 1's documents, the lake's `_manifest.json`.
    Merge {
        /// The parts' output directories (or their `lake/` directories).
        #[arg(required = true, value_name = "PART_DIR")]
        parts: Vec<PathBuf>,
        /// Output directory of the merged lake (replaced whole, like `lab compile --out`).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The specs the parts were written from: with them the merged lake has its measured
        /// profile too (`_profile.json`, `docs/profile/`).
        #[arg(long, value_name = "DIR")]
        specs: Option<PathBuf>,
        /// No summary.
        #[arg(long, short)]
        quiet: bool,
    },
}

/// `lab score` arguments.
#[derive(clap::Args, Debug)]
pub struct ScoreArgs {
    /// The submission: `clusters.parquet|csv`, `clean/<system>/<entity>.parquet|csv`,
    /// `unified/<entity>.parquet|csv`.
    #[arg(value_name = "SUBMISSION_DIR")]
    pub submission: PathBuf,
    /// The lake with its answer key (a `lake/` folder or the output directory holding it).
    #[arg(long, default_value = "generated", value_name = "DIR")]
    pub lake: PathBuf,
    /// Directory holding the specs the lake was compiled from.
    #[arg(long, default_value = "specs", value_name = "DIR")]
    pub specs: PathBuf,
    /// Print the report as JSON (schema in docs/scoring.md).
    #[arg(long)]
    pub json: bool,
}

/// `lab compile` arguments as typed on the command line; validated into [`CompileConfig`].
#[derive(clap::Args, Debug)]
pub struct CompileArgs {
    /// Directory holding the domain specs (`*.yaml`).
    #[arg(long, default_value = "specs", value_name = "DIR")]
    pub specs: PathBuf,
    /// Output directory: data goes to `<out>/lake/`, docs, ERDs and DDL beside it; or
    /// `s3://bucket/prefix` to write them to S3 (credentials from the AWS environment).
    #[arg(long, default_value = "generated", value_name = "DIR|S3_URL")]
    pub out: PathBuf,
    /// Size multiplier: scaled row counts are multiplied by this (> 0).
    #[arg(
        long,
        default_value = "1.0",
        value_name = "F",
        allow_hyphen_values = true
    )]
    pub scale: String,
    /// Seed of every random stream; the same seed, specs and scale give the same bytes.
    #[arg(long, default_value_t = 42, value_name = "N")]
    pub seed: u64,
    /// Worker threads (default: all cores). Output does not depend on it.
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub threads: Option<String>,
    /// File formats to write.
    #[arg(long, value_enum, default_value = "parquet")]
    pub format: Format,
    /// Parquet compression codec.
    #[arg(long, value_enum, default_value = "snappy")]
    pub compression: crate::codec::Codec,
    /// Refuse runs whose estimated output is larger than SIZE (e.g. `500GB`, `2TiB`) or than
    /// the free space of the output's file system; `none` lifts both checks.
    #[arg(long, default_value = "100GiB", value_name = "SIZE")]
    pub size_limit: String,
    /// S3 bucket used in table locations of the DDL and Glue tables.
    #[arg(long, default_value = DEFAULT_BUCKET, value_name = "NAME")]
    pub bucket: String,
    /// The lake as the silos would have exported it at the end of DATE (`YYYY-MM-DD`): rows
    /// of entities with `time` created by then, their later events unknown.
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Write the daily increments of days FROM to TO (`YYYY-MM-DD..YYYY-MM-DD`): per entity
    /// and day a `dt=` partition of change rows, their SCD2 history and answer key (no lake,
    /// no documents; see docs/time.md).
    #[arg(long, value_name = "FROM..TO", conflicts_with_all = ["as_of", "docs_only"])]
    pub increments: Option<String>,
    /// Write only the dictionary, ERDs, DDL, Glue tables and schema (no data).
    #[arg(long)]
    pub docs_only: bool,
    /// Write only the clean data (the truth), without the source systems' exports and their
    /// tables.
    #[arg(long)]
    pub clean: bool,
    /// With --docs-only: write nothing, exit 1 and name the files that differ from what the
    /// specs produce.
    #[arg(long)]
    pub check: bool,
    /// No progress bars or summary.
    #[arg(long, short)]
    pub quiet: bool,
    /// Write only part K (1 ≤ K ≤ N) of the lake split into --parts N: whole files, disjoint
    /// from the other parts'; `lab manifest merge` makes the N parts the single run's lake.
    #[arg(long, value_name = "K", allow_hyphen_values = true)]
    pub part: Option<String>,
    /// How many parts the lake is split into (with --part).
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub parts: Option<String>,
}

/// The default `--bucket`.
const DEFAULT_BUCKET: &str = "lab-lake";

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Parquet,
    Csv,
    Both,
}

impl CompileArgs {
    /// Validates every flag before any work starts.
    pub fn validate(self) -> Result<(Config, bool, bool), String> {
        let scale: f64 = self
            .scale
            .trim()
            .parse()
            .map_err(|_| format!("--scale `{}` is not a number", self.scale))?;
        if !scale.is_finite() || scale <= 0.0 || scale > 100_000.0 {
            return Err(format!(
                "--scale must be a number in (0, 100000], got `{}`",
                self.scale
            ));
        }
        let threads = match &self.threads {
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
            Some(t) => match t.trim().parse::<usize>() {
                Ok(n) if (1..=1024).contains(&n) => n,
                _ => {
                    return Err(format!(
                        "--threads must be a whole number from 1 to 1024, got `{t}`"
                    ));
                }
            },
        };
        if self.out.exists() && !self.out.is_dir() {
            return Err(format!(
                "--out `{}` exists and is not a directory",
                self.out.display()
            ));
        }
        if self.check && !self.docs_only {
            return Err("--check compares the documentation only: use it with --docs-only".into());
        }
        let size_limit = parse_size(&self.size_limit)?;
        let as_of = self.as_of.as_deref().map(parse_as_of).transpose()?;
        let increments = self.increments.as_deref().map(parse_days).transpose()?;
        crate::emit::check_bucket(&self.bucket).map_err(|e| format!("--bucket: {e}"))?;
        let part = parse_part(self.part.as_deref(), self.parts.as_deref(), self.docs_only)?;
        let s3 = pipeline::S3Location::parse(&self.out.to_string_lossy())
            .map_err(|e| format!("--out {e}"))?;
        if increments.is_some() && (part.is_some() || s3.is_some()) {
            return Err(
                "--increments writes a local lake in one run: not with --part or an s3:// --out"
                    .into(),
            );
        }
        let mut bucket = self.bucket;
        if let Some(loc) = &s3 {
            if bucket != DEFAULT_BUCKET {
                return Err(
                    "--bucket names the bucket of a local lake's table locations; with --out \
                     s3://… the tables are located in the lake written there"
                        .into(),
                );
            }
            if self.check {
                return Err("--check compares local documents: use it with a local --out".into());
            }
            bucket = loc.key_path("lake");
        }
        let cfg = Config {
            specs: self.specs,
            out: self.out,
            scale,
            seed: self.seed,
            threads,
            sink: crate::sink::SinkOptions {
                parquet: self.format != Format::Csv,
                csv: self.format != Format::Parquet,
                codec: self.compression,
                part,
            },
            bucket,
            docs_only: self.docs_only,
            clean: self.clean,
            size_limit,
            as_of,
            increments,
            s3,
        };
        Ok((cfg, self.check, self.quiet))
    }
}

/// Parses `--part K --parts N` (both or neither; not with `--docs-only`).
fn parse_part(
    part: Option<&str>,
    parts: Option<&str>,
    docs_only: bool,
) -> Result<Option<crate::sink::parts::Part>, String> {
    let number = |flag: &str, t: &str| {
        t.trim()
            .parse::<u32>()
            .map_err(|_| format!("{flag} must be a whole number, got `{t}`"))
    };
    match (part, parts) {
        (None, None) => Ok(None),
        (Some(_), None) => Err("--part K needs --parts N (how many parts in all)".into()),
        (None, Some(_)) => Err("--parts N needs --part K (which part this run writes)".into()),
        (Some(_), Some(_)) if docs_only => {
            Err("--part writes a part of the lake: it cannot go with --docs-only".into())
        }
        (Some(k), Some(n)) => {
            let n = number("--parts", n)?;
            crate::sink::parts::Part::new(number("--part", k)?, n).map(Some)
        }
    }
}

/// Parses `--increments FROM..TO` into days since 1970 (`FROM` ≤ `TO`, at most 3660 days).
fn parse_days(text: &str) -> Result<(i32, i32), String> {
    let bad = || {
        format!(
            "--increments must be two dates `FROM..TO` such as `2025-01-01..2025-01-31`, FROM not after TO, got `{text}`"
        )
    };
    let (a, b) = text.split_once("..").ok_or_else(bad)?;
    let day = |t: &str| {
        parse_as_of(t)
            .map(|ms| (ms / crate::ir::value::MS_PER_DAY - 1) as i32)
            .map_err(|_| bad())
    };
    let (a, b) = (day(a)?, day(b)?);
    if a > b || b - a > 3660 {
        return Err(bad());
    }
    Ok((a, b))
}

/// Parses `--as-of`: a calendar date `YYYY-MM-DD` (years 0001–9998), as the first instant
/// after that day in milliseconds since 1970 (UTC).
fn parse_as_of(text: &str) -> Result<i64, String> {
    let bad =
        || format!("--as-of must be a date such as `2025-06-30` (years 0001–9998), got `{text}`");
    let t = text.trim();
    let parts: Vec<&str> = t.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(bad());
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(bad());
    }
    let (y, m, d): (i64, u32, u32) = match (y.parse(), m.parse(), d.parse()) {
        (Ok(y), Ok(m), Ok(d)) => (y, m, d),
        _ => return Err(bad()),
    };
    let day = crate::ir::value::days_from_civil(y, m, d);
    // A date that does not exist (2025-02-30) does not come back unchanged.
    if !(1..=9998).contains(&y) || crate::ir::value::civil_from_days(day) != (y, m, d) {
        return Err(bad());
    }
    Ok((day + 1) * crate::ir::value::MS_PER_DAY)
}

/// Parses `--size-limit`: a byte count with an optional unit (`KB`, `MB`, `GB`, `TB` in powers
/// of 1000, `KiB` … `TiB` in powers of 1024), or `none`.
fn parse_size(text: &str) -> Result<Option<u64>, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "mb" => 1e6,
        "gb" => 1e9,
        "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024f64.powi(2),
        "gib" => 1024f64.powi(3),
        "tib" => 1024f64.powi(4),
        _ => f64::NAN,
    };
    match num.parse::<f64>() {
        Ok(n) if factor.is_finite() && n > 0.0 && n * factor < 1.8e19 => {
            Ok(Some((n * factor) as u64))
        }
        _ => Err(format!(
            "--size-limit must be a size such as `500GB`, `2TiB` or `none`, got `{text}`"
        )),
    }
}

/// How a command ends when writing to stdout or stderr failed.
#[derive(Debug)]
enum Hangup {
    /// The reader went away (broken pipe): end quietly with the command's own status.
    ReaderGone,
    /// The write failed (e.g. a full device): the output is lost, exit code 2.
    Failed,
}

fn classify(e: &std::io::Error) -> Hangup {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Hangup::ReaderGone
    } else {
        Hangup::Failed
    }
}

/// Writes `text` to stdout and flushes.
fn out(text: &str) -> Result<(), Hangup> {
    let mut o = std::io::stdout().lock();
    o.write_all(text.as_bytes())
        .and_then(|()| o.flush())
        .map_err(|e| classify(&e))
}

/// Writes `text` to stderr.
fn err(text: &str) -> Result<(), Hangup> {
    std::io::stderr()
        .lock()
        .write_all(text.as_bytes())
        .map_err(|e| classify(&e))
}

/// The exit code of a command that ended with `status`, or stopped writing with `hangup`.
fn finish(result: Result<u8, Hangup>, status_if_gone: u8) -> ExitCode {
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Hangup::ReaderGone) => ExitCode::from(status_if_gone),
        Err(Hangup::Failed) => ExitCode::from(2),
    }
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            return match e.print() {
                Ok(()) => ExitCode::from(code),
                Err(w) => finish(Err(classify(&w)), code),
            };
        }
    };
    match cli.command {
        Command::Check { specs, dump_ir } => check(&specs, dump_ir),
        Command::Schema { out } => finish(schema(&out), 0),
        Command::Score(args) => score(&args),
        Command::Compile(args) => match args.validate() {
            Ok((cfg, true, _)) => finish(check_documents(&cfg), 1),
            Ok((cfg, false, quiet)) => finish(compile(&cfg, quiet), 2),
            Err(msg) => finish(err(&format!("error: {msg}\n")).map(|()| 2), 2),
        },
        Command::Publish(args) => match args.validate() {
            Ok((cfg, quiet)) => finish(publish(&cfg, quiet), 2),
            Err(msg) => finish(err(&format!("error: {msg}\n")).map(|()| 2), 2),
        },
        Command::Manifest {
            command:
                ManifestCommand::Merge {
                    parts,
                    out,
                    specs,
                    quiet,
                },
        } => finish(merge(&parts, &out, specs.as_deref(), quiet), 2),
    }
}

/// `lab manifest merge`: exit 1 when the parts do not make one lake, 2 when reading or
/// writing failed.
fn merge(parts: &[PathBuf], out: &Path, specs: Option<&Path>, quiet: bool) -> Result<u8, Hangup> {
    use crate::pipeline::merge::{MergeError, merge_parts};
    match merge_parts(parts, out, specs) {
        Ok(_) if quiet => Ok(0),
        Ok(m) => {
            let docs = match (m.documents, m.profile) {
                (true, true) => ", with the documents and the profile",
                (true, false) => ", with the documents (the profile needs --specs)",
                (false, true) => ", with the profile",
                (false, false) => "",
            };
            err(&format!(
                "merged {} parts into `{}`: {} files, {}{docs}\n",
                m.parts,
                m.out.display(),
                m.files,
                pipeline::human_bytes(m.bytes)
            ))?;
            Ok(0)
        }
        Err(MergeError::Parts(msg)) => {
            err(&format!("error: {msg}\n"))?;
            Ok(1)
        }
        Err(MergeError::Output(o)) => {
            err(&format!("error: {o}\n"))?;
            Ok(2)
        }
        Err(MergeError::Spec {
            diagnostics,
            sources,
        }) => {
            err(&render(&diagnostics, &sources))?;
            Ok(1)
        }
    }
}

pub fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn render(
    diags: &[crate::diagnostics::Diagnostic],
    sources: &crate::diagnostics::SourceMap,
) -> String {
    crate::diagnostics::render_all(diags, sources, color())
}

fn check(specs: &Path, dump_ir: bool) -> ExitCode {
    let checked = crate::frontend::check(specs);
    let status = match (&checked.ir, checked.has_errors()) {
        (Some(_), false) => 0,
        _ => 1,
    };
    let run = || -> Result<u8, Hangup> {
        err(&checked.render(color()))?;
        let Some(ir) = checked.ir.as_ref().filter(|_| status == 0) else {
            return Ok(1);
        };
        if dump_ir {
            out(&crate::ir::dump::dump(ir))?;
        }
        let n_attrs: usize = ir.entities.iter().map(|e| e.attributes.len()).sum();
        err(&format!(
            "ok: {} domains, {} entities, {} attributes in `{}`\n",
            ir.domains.len(),
            ir.entities.len(),
            n_attrs,
            specs.display()
        ))?;
        Ok(0)
    };
    finish(run(), status)
}

/// `lab score`: the report on stdout (0), or the problem with the input on stderr (1); a
/// reader that hangs up ends it with that status.
fn score(args: &ScoreArgs) -> ExitCode {
    let req = crate::grade::Request {
        submission: args.submission.clone(),
        lake: args.lake.clone(),
        specs: args.specs.clone(),
    };
    let text = match crate::grade::grade(&req) {
        Ok(report) if args.json => serde_json::to_string_pretty(&report)
            .map(|j| j + "\n")
            .map_err(|e| e.to_string()),
        Ok(report) => Ok(crate::grade::text(&report)),
        Err(msg) => Err(msg),
    };
    match text {
        Ok(t) => finish(out(&t).map(|()| 0), 0),
        Err(msg) => finish(err(&format!("error: {msg}\n")).map(|()| 1), 1),
    }
}

fn schema(path: &Path) -> Result<u8, Hangup> {
    match pipeline::write_schema(path) {
        Ok(()) => {
            err(&format!("wrote {}\n", path.display()))?;
            Ok(0)
        }
        Err(e) => {
            err(&format!("error: {e}\n"))?;
            Ok(2)
        }
    }
}

fn check_documents(cfg: &Config) -> Result<u8, Hangup> {
    match pipeline::check_documents(cfg) {
        Ok(f) if f.stale.is_empty() => {
            err(&format!(
                "ok: {} documents in `{}` are up to date\n",
                f.documents,
                cfg.out.display()
            ))?;
            Ok(0)
        }
        Ok(f) => {
            let mut text = format!("error: {} generated file(s) are stale:\n", f.stale.len());
            for s in &f.stale {
                text += &format!("  {s}\n");
            }
            text += "help: run `lab compile --docs-only` and commit the result\n";
            err(&text)?;
            Ok(1)
        }
        Err(e) => report_error(&e),
    }
}

fn compile(cfg: &Config, quiet: bool) -> Result<u8, Hangup> {
    let observer = Terminal::new(cfg, quiet);
    match pipeline::compile(cfg, &observer) {
        Ok(_) => Ok(0),
        Err(Error::Observer(e)) => Err(classify(&e)).or(Err(Hangup::Failed)),
        Err(e) => report_error(&e),
    }
}

/// Prints a failed run's error and returns its exit code.
fn report_error(e: &Error) -> Result<u8, Hangup> {
    match e {
        Error::Spec {
            diagnostics,
            sources,
        } => {
            err(&render(diagnostics, sources))?;
            Ok(1)
        }
        Error::TooLarge {
            message,
            from_flags,
        } => {
            err(&format!("error: {message}\n"))?;
            Ok(if *from_flags { 2 } else { 1 })
        }
        Error::Output(o) => {
            err(&format!("error: {o}\n"))?;
            Ok(2)
        }
        Error::Threads(m) => {
            err(&format!("error: {m}\n"))?;
            Ok(2)
        }
        Error::Emit(m) => {
            err(&format!("error: {m}\n"))?;
            Ok(1)
        }
        Error::Observer(_) => Ok(2),
        Error::Remote(m) => {
            err(&format!("error: {m}\n"))?;
            Ok(2)
        }
        Error::Increments(m) => {
            err(&format!("error: --increments: {m}\n"))?;
            Ok(1)
        }
    }
}

/// `lab publish` arguments.
#[derive(clap::Args, Debug)]
pub struct PublishArgs {
    /// The output of `lab compile`: a directory, or the `s3://bucket/prefix` it wrote to.
    #[arg(long, default_value = "generated", value_name = "DIR|S3_URL")]
    pub out: PathBuf,
    /// AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's, us-east-1).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// S3 and Glue endpoint, e.g. a local test server (default: AWS_ENDPOINT_URL, else AWS).
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Register the tables only; do not upload a local lake.
    #[arg(long)]
    pub no_upload: bool,
    /// No summary.
    #[arg(long, short)]
    pub quiet: bool,
}

impl PublishArgs {
    fn validate(self) -> Result<(pipeline::PublishConfig, bool), String> {
        let s3 = pipeline::S3Location::parse(&self.out.to_string_lossy())
            .map_err(|e| format!("--out {e}"))?;
        if s3.is_none() && !self.out.join("glue").is_dir() {
            return Err(format!(
                "--out `{}` holds no Glue documents (glue/): run `lab compile` first",
                self.out.display()
            ));
        }
        if let Some(e) = &self.endpoint
            && !(e.starts_with("http://") || e.starts_with("https://"))
        {
            return Err(format!(
                "--endpoint must be an http:// or https:// URL, not `{e}`"
            ));
        }
        let cfg = pipeline::PublishConfig {
            out: self.out,
            s3,
            region: self.region,
            endpoint: self.endpoint,
            no_upload: self.no_upload,
        };
        Ok((cfg, self.quiet))
    }
}

fn publish(cfg: &pipeline::PublishConfig, quiet: bool) -> Result<u8, Hangup> {
    match pipeline::publish(cfg) {
        Ok(r) => {
            if !quiet {
                err(&format!(
                    "published `{}`: {} databases ({} created), tables {} created, {} updated, \
                     {} unchanged; {} partitions ({} created); {} files uploaded, {} deleted\n",
                    cfg.out.display(),
                    r.databases,
                    r.databases_created,
                    r.tables_created,
                    r.tables_updated,
                    r.tables_unchanged,
                    r.partitions,
                    r.partitions_created,
                    r.files_uploaded,
                    r.files_deleted
                ))?;
            }
            Ok(0)
        }
        Err(e) => report_error(&e),
    }
}

/// Renders a run on the terminal: warnings, one progress bar for the lake (on a terminal
/// only), and the closing summary — printed before the output is published, so a run whose
/// summary cannot be written publishes nothing.
struct Terminal {
    quiet: bool,
    interactive: bool,
    docs_only: bool,
    part: Option<crate::sink::parts::Part>,
    out: PathBuf,
    started: Instant,
    bar: Mutex<Option<ProgressBar>>,
}

impl Terminal {
    fn new(cfg: &Config, quiet: bool) -> Terminal {
        Terminal {
            quiet,
            interactive: !quiet && std::io::stderr().is_terminal(),
            docs_only: cfg.docs_only,
            part: cfg.sink.part,
            out: cfg.out.clone(),
            started: Instant::now(),
            bar: Mutex::new(None),
        }
    }

    fn bar(&self) -> std::sync::MutexGuard<'_, Option<ProgressBar>> {
        self.bar.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Observer for Terminal {
    fn checked(
        &self,
        diagnostics: &[crate::diagnostics::Diagnostic],
        sources: &crate::diagnostics::SourceMap,
    ) -> std::io::Result<()> {
        if diagnostics.is_empty() {
            return Ok(());
        }
        std::io::stderr().write_all(render(diagnostics, sources).as_bytes())
    }

    fn lake_started(&self, total_rows: u64) {
        if !self.interactive {
            return;
        }
        let b = ProgressBar::with_draw_target(Some(total_rows), ProgressDrawTarget::stderr());
        b.set_style(
            ProgressStyle::with_template(
                "{msg:>24} [{bar:30}] {pos}/{len} rows {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        *self.bar() = Some(b);
    }

    fn progress(&self, entity: &str, rows_written: u64) {
        if let Some(b) = self.bar().as_ref() {
            b.set_position(rows_written);
            b.set_message(entity.to_string());
        }
    }

    fn lake_finished(&self) {
        if let Some(b) = self.bar().take() {
            b.finish_and_clear();
        }
    }

    fn before_switch(&self, outcome: &Outcome) -> std::io::Result<()> {
        let mut text = String::new();
        // The note is a warning: printed even with --quiet.
        if let Some(why) = &outcome.lake_dropped {
            text += &format!(
                "note: the previous lake was left out: {why}; run `lab compile` without \
                 --docs-only to write a lake that matches\n"
            );
        }
        if !self.quiet {
            text += &outcome.lake.as_ref().map(summary).unwrap_or_default();
            let lake = match (self.docs_only, self.part) {
                (true, _) => String::new(),
                (false, None) => " and the lake".into(),
                (false, Some(p)) => format!(" and part {} of {} of the lake", p.index, p.of),
            };
            text += &format!(
                "wrote {} documents{lake} to `{}` in {:.2}s\n",
                outcome.documents,
                self.out.display(),
                self.started.elapsed().as_secs_f64()
            );
        }
        if text.is_empty() {
            return Ok(());
        }
        let mut e = std::io::stderr().lock();
        e.write_all(text.as_bytes())?;
        e.flush()
    }
}

/// The closing table. Entities are written concurrently, so each row's seconds are that
/// entity's own wall time, and the total row uses the lake's wall time.
fn summary(lake: &pipeline::LakeReport) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<36} {:>12} {:>6} {:>10} {:>8} {:>12}",
        "entity", "rows", "files", "MB", "seconds", "rows/s"
    );
    let line = |s: &mut String, name: &str, rows: u64, files: usize, bytes: u64, secs: f64| {
        let rate = if secs > 0.0 { rows as f64 / secs } else { 0.0 };
        let _ = writeln!(
            s,
            "{name:<36} {rows:>12} {files:>6} {:>10.2} {secs:>8.2} {rate:>12.0}",
            bytes as f64 / 1e6
        );
    };
    let (mut rows, mut files, mut bytes) = (0u64, 0usize, 0u64);
    for r in &lake.entities {
        line(&mut s, &r.name, r.rows, r.files, r.bytes, r.seconds);
        rows += r.rows;
        files += r.files;
        bytes += r.bytes;
    }
    line(&mut s, "total", rows, files, bytes, lake.seconds);
    s
}
