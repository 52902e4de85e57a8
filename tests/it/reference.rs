//! Committed reference outputs: the SHA-256 of every lake file (Parquet, CSV, `_manifest.json`,
//! `_profile.json`) that `lab compile --scale 0.01 --seed 1 --format both` writes for the
//! shipped specs and for the TPC-H bench spec, kept in `tests/reference/*.sha256`. A change
//! that alters any generated value, file layout or manifest entry fails here, naming the files
//! that differ; when the change is intended, `LAB_BLESS=1 cargo test --test it reference`
//! rewrites the references (see `tests/reference/README.md`).

use crate::common::{lab, root, tmp};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The command that refreshes the references, quoted in every failure message.
const BLESS: &str = "LAB_BLESS=1 cargo test --test it reference";

/// How many differing files a failure lists.
const SHOWN: usize = 10;

/// Compiles `specs` into a fresh directory and returns `path → SHA-256` of every lake file,
/// paths relative to `<out>/lake/` with `/` separators.
fn lake_sums(name: &str, specs: &Path) -> BTreeMap<String, String> {
    // A fresh directory that does not exist yet, under the system temp dir.
    let out = tmp(&format!("reference-{name}")).join("out");
    let o = lab(&[
        "compile",
        "--quiet",
        "--specs",
        specs.to_str().expect("UTF-8 path"),
        "--out",
        out.to_str().expect("UTF-8 path"),
        "--scale",
        "0.01",
        "--seed",
        "1",
        "--format",
        "both",
    ]);
    assert!(
        o.status.success(),
        "lab compile of {} failed:\n{}",
        specs.display(),
        String::from_utf8_lossy(&o.stderr)
    );
    let lake = out.join("lake");
    let mut sums = BTreeMap::new();
    let mut stack = vec![lake.clone()];
    while let Some(dir) = stack.pop() {
        for entry in
            std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        {
            let p = entry.expect("directory entry").path();
            let file_name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            // Hidden files (locks, staging) are not part of the lake.
            if file_name.is_some_and(|n| n.starts_with('.')) {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(&lake)
                .expect("inside the lake")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
            let mut hex = String::with_capacity(64);
            for b in Sha256::digest(&bytes) {
                let _ = write!(hex, "{b:02x}");
            }
            sums.insert(rel, hex);
        }
    }
    let _ = std::fs::remove_dir_all(out.parent().unwrap_or(&out));
    sums
}

/// `sha256sum` format: `<hex>  <path>` per line, sorted by path.
fn render(sums: &BTreeMap<String, String>) -> String {
    sums.iter().map(|(p, h)| format!("{h}  {p}\n")).collect()
}

fn parse(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| match l.split_once("  ") {
            Some((h, p)) => (p.to_string(), h.to_string()),
            None => panic!("malformed reference line {l:?}: expected `<sha256>  <path>`"),
        })
        .collect()
}

/// The differences between the committed and the generated sums, one line per file.
fn differences(want: &BTreeMap<String, String>, got: &BTreeMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    for (p, h) in want {
        match got.get(p) {
            Some(g) if g == h => {}
            Some(_) => out.push(format!("changed  {p}")),
            None => out.push(format!("missing  {p}")),
        }
    }
    for p in got.keys().filter(|p| !want.contains_key(*p)) {
        out.push(format!("new      {p}"));
    }
    out.sort_by(|a, b| a[9..].cmp(&b[9..]));
    out
}

/// Compares one compiled model with its reference file (or rewrites it under `LAB_BLESS=1`).
fn check_reference(name: &str, specs: &Path, reference: &Path) {
    let got = lake_sums(name, specs);
    assert!(
        got.keys().any(|p| p.ends_with(".parquet")) && got.keys().any(|p| p.ends_with(".csv")),
        "the lake of {} has no Parquet or no CSV files: {:?}",
        specs.display(),
        got.keys().collect::<Vec<_>>()
    );
    if std::env::var_os("LAB_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(reference, render(&got))
            .unwrap_or_else(|e| panic!("write {}: {e}", reference.display()));
        eprintln!("rewrote {} ({} files)", reference.display(), got.len());
        return;
    }
    let text = std::fs::read_to_string(reference).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}\ncreate it with `{BLESS}`",
            reference.display()
        )
    });
    let want = parse(&text);
    let diffs = differences(&want, &got);
    if diffs.is_empty() {
        return;
    }
    let mut msg = format!(
        "generated values changed: {} of the lake files of {} (--scale 0.01 --seed 1 --format both) differ from {}:\n",
        diffs.len(),
        specs.display(),
        reference.display()
    );
    for d in diffs.iter().take(SHOWN) {
        let _ = writeln!(msg, "  {d}");
    }
    if diffs.len() > SHOWN {
        let _ = writeln!(msg, "  … and {} more", diffs.len() - SHOWN);
    }
    let _ = write!(
        msg,
        "If the change is intended, refresh the references with\n    {BLESS}\nand commit tests/reference/ with the change; otherwise the change altered data it should not have."
    );
    panic!("{msg}");
}

fn reference_file(name: &str) -> PathBuf {
    root().join("tests/reference").join(name)
}

#[test]
fn reference_outputs_of_the_shipped_specs() {
    check_reference(
        "specs",
        &root().join("specs"),
        &reference_file("specs.sha256"),
    );
}

#[test]
fn reference_outputs_of_tpch() {
    check_reference(
        "tpch",
        &root().join("benches/specs"),
        &reference_file("tpch.sha256"),
    );
}

#[test]
fn differences_name_changed_missing_and_new_files() {
    let want = parse("aa  a.parquet\nbb  b.csv\ncc  c.csv\n");
    let got = parse("aa  a.parquet\nxx  b.csv\ndd  d.csv\n");
    assert_eq!(
        differences(&want, &got),
        ["changed  b.csv", "missing  c.csv", "new      d.csv"]
    );
    assert!(differences(&want, &want).is_empty());
    assert_eq!(parse(&render(&want)), want);
}
