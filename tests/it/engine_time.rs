//! The lake as of a date (`lab compile --as-of`): a filter of the full lake (rows created by
//! then, later events unknown, statuses and rollups as they were that day), checked by DuckDB
//! with `tests/tools/asof_check.py` at two dates; the same bytes at any thread count; a date
//! after every event gives the full lake's data files; bad dates are refused with exit 2.

use crate::common::*;
use std::path::Path;

/// Compiles the test spec of `time` into `out` with `extra` flags.
fn compile_time(out: &Path, extra: &[&str]) {
    compile(&root().join("tests/data/valid/time"), out, extra);
}

/// The data files of a lake (path relative to the lake → bytes), without the manifest and
/// profile.
fn data_files(out: &Path) -> Vec<(String, Vec<u8>)> {
    let lake = out.join("lake");
    let mut files = Vec::new();
    let mut stack = vec![lake.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "parquet") {
                let rel = p
                    .strip_prefix(&lake)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn as_of_a_date_is_the_full_lake_filtered() {
    let base = tmp("as-of");
    let full = base.join("full");
    compile_time(&full, &[]);
    for (day, next) in [("2024-06-30", "2024-07-01"), ("2024-11-15", "2024-11-16")] {
        let out = base.join(day);
        compile_time(&out, &["--as-of", day]);
        let report = run_tool(
            "asof_check.py",
            &[full.as_os_str(), out.as_os_str(), next.as_ref()],
        );
        assert!(!report.contains("FAIL"), "{report}");
        let manifest = read(out.join("lake/_manifest.json"));
        assert!(
            manifest.contains(&format!("\"as_of\": \"{day}\"")),
            "{manifest}"
        );
    }
    // The same bytes at one thread.
    let one = base.join("one-thread");
    compile_time(&one, &["--as-of", "2024-06-30", "--threads", "1"]);
    assert_eq!(data_files(&one), data_files(&base.join("2024-06-30")));
    // After every event, the data files are the full lake's.
    let later = base.join("later");
    compile_time(&later, &["--as-of", "2030-01-01"]);
    assert_eq!(data_files(&later), data_files(&full));
}

#[test]
fn bad_as_of_dates_are_refused() {
    let out = tmp("as-of-bad").join("out");
    for bad in [
        "2025-02-30",
        "2025-6-30",
        "yesterday",
        "0000-01-01",
        "9999-12-31",
    ] {
        let o = lab(&[
            "compile",
            "--specs",
            root().join("tests/data/valid/time").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--as-of",
            bad,
        ]);
        assert_eq!(o.status.code(), Some(2), "--as-of {bad}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("--as-of must be a date"), "{err}");
        assert!(!out.exists(), "--as-of {bad} created the output");
    }
}
