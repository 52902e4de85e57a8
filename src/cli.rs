//! The command line: clap types, validation of arguments into run configurations, and the
//! commands themselves (`check`, `schema`, `compile`). This is the one place that writes
//! files and prints; the stages it calls are pure.

use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

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
}

/// `lab compile` arguments as typed on the command line; validated into [`CompileConfig`].
#[derive(clap::Args, Debug)]
pub struct CompileArgs {
    /// Directory holding the domain specs (`*.yaml`).
    #[arg(long, default_value = "specs", value_name = "DIR")]
    pub specs: PathBuf,
    /// Output directory: data goes to `<out>/lake/`, docs, ERDs and DDL beside it.
    #[arg(long, default_value = "generated", value_name = "DIR")]
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
    pub compression: crate::sink::Codec,
    /// S3 bucket used in table locations of the DDL and Glue tables.
    #[arg(long, default_value = "lab-lake", value_name = "NAME")]
    pub bucket: String,
    /// Write only the dictionary, ERDs, DDL, Glue tables and schema (no data).
    #[arg(long)]
    pub docs_only: bool,
    /// With --docs-only: write nothing, exit 1 and name the files that differ from what the
    /// specs produce.
    #[arg(long)]
    pub check: bool,
    /// No progress bars or summary.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Parquet,
    Csv,
    Both,
}

/// Validated `lab compile` configuration.
#[derive(Debug)]
pub struct CompileConfig {
    pub specs: PathBuf,
    pub out: PathBuf,
    pub scale: f64,
    pub seed: u64,
    pub threads: usize,
    pub sink: crate::sink::SinkOptions,
    pub bucket: String,
    pub docs_only: bool,
    pub check: bool,
    pub quiet: bool,
}

impl CompileArgs {
    /// Validates every flag before any work starts.
    pub fn validate(self) -> Result<CompileConfig, String> {
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
        crate::emit::check_bucket(&self.bucket).map_err(|e| format!("--bucket: {e}"))?;
        Ok(CompileConfig {
            specs: self.specs,
            out: self.out,
            scale,
            seed: self.seed,
            threads,
            sink: crate::sink::SinkOptions {
                parquet: self.format != Format::Csv,
                csv: self.format != Format::Parquet,
                codec: self.compression,
            },
            bucket: self.bucket,
            docs_only: self.docs_only,
            check: self.check,
            quiet: self.quiet,
        })
    }
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli.command {
        Command::Check { specs, dump_ir } => check(&specs, dump_ir),
        Command::Schema { out } => schema(&out),
        Command::Compile(args) => match args.validate() {
            Ok(cfg) => crate::compile::run(&cfg),
            Err(msg) => {
                eprintln!("error: {msg}");
                ExitCode::from(2)
            }
        },
    }
}

pub fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn check(specs: &Path, dump_ir: bool) -> ExitCode {
    let checked = crate::check(specs);
    eprint!("{}", checked.render(color()));
    if checked.has_errors() {
        return ExitCode::from(1);
    }
    let Some(ir) = &checked.ir else {
        return ExitCode::from(1);
    };
    if dump_ir {
        print!("{}", crate::ir::dump::dump(ir));
    }
    let n_attrs: usize = ir.entities.iter().map(|e| e.attributes.len()).sum();
    eprintln!(
        "ok: {} domains, {} entities, {} attributes in `{}`",
        ir.domains.len(),
        ir.entities.len(),
        n_attrs,
        specs.display()
    );
    ExitCode::SUCCESS
}

fn schema(out: &Path) -> ExitCode {
    let text = crate::spec::json_schema();
    match write_atomic(out, text.as_bytes()) {
        Ok(()) => {
            eprintln!("wrote {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write `{}`: {e}", out.display());
            ExitCode::from(2)
        }
    }
}

/// Writes a file through a temporary sibling and a rename, so readers never see half a file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}
