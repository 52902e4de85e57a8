//! Helpers shared by the integration tests: paths, running the `lab` binary, and locating the
//! external validators installed by `tests/tools/setup.sh`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the `lab` binary built for these tests.
pub fn lab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run lab")
}

/// A tool installed by `tests/tools/setup.sh` (e.g. `.venv/bin/python`). Panics with the
/// install instruction when it is missing, so a test never skips silently.
pub fn tool(rel: &str) -> PathBuf {
    let p = root().join(rel);
    assert!(
        p.exists(),
        "`{}` is missing: run `bash tests/tools/setup.sh` first (the README's test command does)",
        p.display()
    );
    p
}

/// A fresh, empty scratch directory for one test. Scratch directories stay after the run (to
/// look into a failure); the first call of a run removes those of earlier runs whose process
/// has ended, so a machine keeps at most the latest run's lakes.
pub fn tmp(name: &str) -> PathBuf {
    static SWEPT: std::sync::Once = std::sync::Once::new();
    SWEPT.call_once(sweep_stale_scratch);
    let d = std::env::temp_dir().join(format!("lab-it-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Removes `lab-it-<pid>-…` scratch directories of test processes that are no longer running
/// (where `/proc` tells; elsewhere nothing is removed).
fn sweep_stale_scratch() {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix("lab-it-")) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

pub fn python() -> PathBuf {
    tool(".venv/bin/python")
}

pub fn read(p: impl AsRef<Path>) -> String {
    std::fs::read_to_string(p.as_ref())
        .unwrap_or_else(|e| panic!("read {}: {e}", p.as_ref().display()))
}

/// Runs a Python checker from `tests/tools/` with arguments and returns its report; the
/// checker must succeed (its output is in the failure message).
pub fn run_tool(script: &str, args: &[&std::ffi::OsStr]) -> String {
    let o = Command::new(python())
        .arg(root().join("tests/tools").join(script))
        .args(args)
        .output()
        .expect("run python");
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "{script} {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    stdout
}

/// Runs `lab compile --quiet --specs <specs> --out <out> <extra…>`.
pub fn run_compile(specs: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "compile",
        "--quiet",
        "--specs",
        specs.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    lab(&args)
}

/// Compiles `specs` into `out` with `extra` flags; the run must succeed.
pub fn compile(specs: &Path, out: &Path, extra: &[&str]) {
    let o = run_compile(specs, out, extra);
    assert!(
        o.status.success(),
        "lab compile {extra:?} failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// `dbt` from the project's venv, run in `project` with its own profiles, without telemetry or
/// colours, and with dummy AWS credentials (the athena target wants some to compile; nothing
/// connects).
pub fn dbt(project: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(tool(".venv/bin/dbt"));
    c.current_dir(project)
        .env("DBT_PROFILES_DIR", project)
        .env("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        .env("DBT_USE_COLORS", "false")
        .env("AWS_ACCESS_KEY_ID", "lab-dummy")
        .env("AWS_SECRET_ACCESS_KEY", "lab-dummy")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    c
}
