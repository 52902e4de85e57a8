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
    }
}

fn color() -> bool {
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
