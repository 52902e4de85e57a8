//! The realism gate: the shipped specs, compiled at seeds 7 and 42 and scales 0.1 and 1, pass
//! every measure of `tests/tools/realism.py` that has a published (or stated house) range. At
//! scale 0.1 the ranges are widened by ±2 standard errors (`--margin-small`, the sampling noise
//! of a small lake); at scale 1 no margin is given. A failure names every measure outside its
//! range, with its value, range and source (docs/realism.md explains each measure).

use crate::common::*;
use std::process::Command;

/// Compiles the shipped specs at one scale and seed with the binary under test, runs the
/// realism report with `--gate` on the lake, and fails naming each measure outside its range.
/// The measures read the clean data (the truth layer), so the systems' exports are left out
/// (`--clean`; at scale 1 they would add several GB of text files). The lake is removed
/// afterwards (a scale-1 lake takes about 0.4 GB).
fn gate(scale: &str, seed: &str) {
    let out = tmp(&format!("realism-s{scale}-{seed}"));
    compile(
        &root().join("specs"),
        &out,
        &["--scale", scale, "--seed", seed, "--clean"],
    );
    let mut cmd = Command::new(python());
    cmd.arg(root().join("tests/tools/realism.py"))
        .arg(&out)
        .arg("--gate");
    if scale != "1" {
        cmd.arg("--margin-small");
    }
    let r = cmd.output().expect("run python");
    let _ = std::fs::remove_dir_all(&out);
    let stderr = String::from_utf8_lossy(&r.stderr);
    match r.status.code() {
        Some(0) => {}
        Some(1) => panic!(
            "realism gate at scale {scale}, seed {seed}: measures outside their published range \
             (docs/realism.md):\n{stderr}"
        ),
        other => panic!(
            "realism report could not read the lake at scale {scale}, seed {seed} (exit {other:?}):\n{stderr}\n{}",
            String::from_utf8_lossy(&r.stdout)
        ),
    }
}

#[test]
fn realism_scale_0_1_seed_7() {
    gate("0.1", "7");
}

#[test]
fn realism_scale_0_1_seed_42() {
    gate("0.1", "42");
}

#[test]
fn realism_scale_1_seed_7() {
    gate("1", "7");
}

#[test]
fn realism_scale_1_seed_42() {
    gate("1", "42");
}
