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

/// Each of `bad` as the value of `flag` exits with code 2, says `message` and creates no output.
fn refused(flag: &str, bad: &[&str], message: &str) {
    let out = tmp(&format!("{}-bad", flag.trim_start_matches('-'))).join("out");
    for value in bad {
        let o = lab(&[
            "compile",
            "--specs",
            root().join("tests/data/valid/time").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            flag,
            value,
        ]);
        assert_eq!(o.status.code(), Some(2), "{flag} {value}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(message), "{err}");
        assert!(!out.exists(), "{flag} {value} created the output");
    }
}

#[test]
fn bad_as_of_dates_are_refused() {
    refused(
        "--as-of",
        &[
            "2025-02-30",
            "2025-6-30",
            "yesterday",
            "0000-01-01",
            "9999-12-31",
        ],
        "--as-of must be a date",
    );
}

/// The files under `dir` (relative path → bytes), every kind.
fn all_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                files.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    files.sort();
    files
}

/// The consistency law of the daily increments (docs/time.md), checked by DuckDB with
/// `tests/tools/increments_check.py`: the as-of lake of D1 plus the change rows of the days
/// after it up to D2 is the as-of lake of D2, for several D1/D2 on a shop with mutable
/// attributes, soft and hard deletes and an order lifecycle, and on the as-of test shop
/// (rollups, references to rows created later); the planted late, replayed and hard-deleted
/// shares are near their rates; the increments are the same bytes at one thread and two.
#[test]
fn increments_carry_one_as_of_lake_to_the_next() {
    let started = std::time::Instant::now();
    let base = tmp("increments");
    let cases: [(&str, &str, &[&str], &[&str]); 2] = [
        (
            "tests/data/valid/time_changes",
            "2024-01-01..2025-03-31",
            &["2024-02-29", "2024-06-15", "2025-03-31"],
            &[
                "products=product_id",
                "customers=customer_id",
                "orders=order_id",
                "hard:customers=0.5",
            ],
        ),
        (
            "tests/data/valid/time",
            "2024-03-01..2024-12-31",
            &["2024-02-29", "2024-08-31", "2024-12-31"],
            &[
                "customers=customer_id",
                "orders=order_id",
                "order_items=order_id,line_no",
                "reviews=review_id",
                "visits=visit_id",
            ],
        ),
    ];
    for (k, (specs, range, days, keys)) in cases.iter().enumerate() {
        let specs = root().join(specs);
        let scale = if k == 0 { "4" } else { "1" };
        let dir = base.join(format!("case{k}"));
        let inc = dir.join("inc");
        compile(
            &specs,
            &inc,
            &[
                "--clean",
                "--scale",
                scale,
                "--increments",
                range,
                "--threads",
                "2",
            ],
        );
        for d in *days {
            compile(
                &specs,
                &dir.join(d),
                &["--clean", "--scale", scale, "--as-of", d],
            );
        }
        let snaps: Vec<String> = (days.iter())
            .map(|d| format!("{d}={}", dir.join(d).display()))
            .collect();
        let mut args: Vec<&std::ffi::OsStr> = vec![inc.as_os_str(), "shop".as_ref()];
        args.extend(snaps.iter().map(std::ffi::OsStr::new));
        args.extend(keys.iter().map(std::ffi::OsStr::new));
        let report = run_tool("increments_check.py", &args);
        assert!(!report.contains("FAIL"), "{report}");
        // Three windows per entity: two consecutive ones and the whole span.
        let entities = keys.iter().filter(|k| !k.starts_with("hard:")).count();
        assert_eq!(
            report.matches("changes = snapshot").count(),
            3 * entities,
            "{report}"
        );
        if k == 0 {
            assert!(report.contains("late share"), "{report}");
            assert!(report.contains("hard share"), "{report}");
        }
        if k == 0 {
            // Every price change is made by the last date: its products are the full lake's,
            // whose values are the current versions.
            let full = dir.join("full");
            compile(&specs, &full, &["--clean", "--scale", scale]);
            let products = |out: &Path| -> Vec<(String, Vec<u8>)> {
                (data_files(out).into_iter())
                    .filter(|(p, _)| p.contains("products"))
                    .collect()
            };
            assert!(!products(&full).is_empty());
            assert_eq!(products(&dir.join(days[2])), products(&full));
            let one = dir.join("one-thread");
            compile(
                &specs,
                &one,
                &[
                    "--clean",
                    "--scale",
                    scale,
                    "--increments",
                    range,
                    "--threads",
                    "1",
                ],
            );
            assert_eq!(all_files(&one.join("lake")), all_files(&inc.join("lake")));
        }
    }
    let _ = std::fs::remove_dir_all(&base);
    eprintln!("increments test: {:.1}s", started.elapsed().as_secs_f64());
}

#[test]
fn bad_increment_ranges_are_refused() {
    refused(
        "--increments",
        &[
            "2025-01-02..2025-01-01",
            "2025-01-01",
            "2025-01-01..x",
            "2000-01-01..2020-01-01",
        ],
        "--increments must be two dates",
    );
}

/// The entities with change rows in an increments output (`domain.entity`), sorted; the
/// systems' deliveries (`increments/raw/`) are not a domain.
fn changed_entities(inc: &Path) -> Vec<String> {
    let root = inc.join("lake/increments");
    let mut out = Vec::new();
    for d in (std::fs::read_dir(&root).unwrap().flatten()).filter(|d| d.file_name() != "raw") {
        for e in std::fs::read_dir(d.path()).unwrap().flatten() {
            out.push(format!(
                "{}.{}",
                d.file_name().to_string_lossy(),
                e.file_name().to_string_lossy()
            ));
        }
    }
    out.sort();
    out
}

/// The consistency law on the shipped enterprise (docs/time.md): at scale 0.02, one
/// increments run over eleven months and four as-of lakes; for every entity with change
/// rows, the as-of lake of D1 plus the change rows up to D2 is the as-of lake of D2 (windows
/// 2025-01-31..2025-03-31 over two month ends, 2025-03-31..2025-11-30 and the whole span);
/// every kind of change is there (inserts, updates, hard and soft deletes, late and replayed
/// deliveries) at the shares declared. The increments run keeps the source systems: their
/// deliveries of the change rows, read by DuckDB with the dialect their DDL states, give the
/// clean change rows back once the answer key is applied (`tests/tools/deliveries_check.py`),
/// with the same cell defects as the full export of the last day where the values agree,
/// and every system's tables with change rows are delivered. The increments and the
/// deliveries are the same bytes at one thread and two.
#[test]
fn shipped_increments_carry_one_as_of_lake_to_the_next() {
    let started = std::time::Instant::now();
    let base = tmp("shipped-increments");
    let specs = root().join("specs");
    let scale = "0.02";
    let range = "2025-02-01..2025-11-30";
    let days = ["2025-01-31", "2025-03-31", "2025-11-30"];
    let inc = base.join("inc");
    let flags = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut v = vec!["--clean", "--scale", scale];
        v.extend(extra);
        v
    };
    // The increments keep the systems (no `--clean`): their deliveries are written too.
    compile(
        &specs,
        &inc,
        &["--scale", scale, "--increments", range, "--threads", "2"],
    );
    // The last as-of lake keeps the systems too: its exports' answer key is the full export's
    // the deliveries' defects are compared with.
    for d in days {
        let mut f = flags(&["--as-of", d]);
        if d == days[2] {
            f.retain(|x| *x != "--clean");
        }
        compile(&specs, &base.join(d), &f);
    }
    let t_compiled = started.elapsed().as_secs_f64();
    // The primary keys, from the manifest of an as-of lake.
    let manifest: serde_json::Value =
        serde_json::from_str(&read(base.join(days[0]).join("lake/_manifest.json"))).unwrap();
    let key_of = |qualified: &str| -> String {
        let (d, e) = qualified.split_once('.').unwrap();
        let ent = (manifest["entities"].as_array().unwrap().iter())
            .find(|x| x["domain"] == d && x["entity"] == e)
            .unwrap_or_else(|| panic!("{qualified} is not in the manifest"));
        (ent["primary_key"].as_array().unwrap().iter())
            .map(|k| k.as_str().unwrap().to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    let entities = changed_entities(&inc);
    for must in [
        "ecommerce.orders",
        "ecommerce.products",
        "crm.customers",
        "marketing.leads",
    ] {
        assert!(
            entities.iter().any(|e| e == must),
            "no change rows of {must}: {entities:?}"
        );
    }
    let snaps: Vec<String> = (days.iter())
        .map(|d| format!("{d}={}", base.join(d).display()))
        .collect();
    let keys: Vec<String> = (entities.iter())
        .map(|e| format!("{e}={}", key_of(e)))
        .collect();
    let mut args: Vec<&std::ffi::OsStr> = vec![inc.as_os_str(), "ecommerce".as_ref()];
    args.extend(snaps.iter().map(std::ffi::OsStr::new));
    args.extend(keys.iter().map(std::ffi::OsStr::new));
    let report = run_tool("increments_check.py", &args);
    assert!(!report.contains("FAIL"), "{report}");
    assert_eq!(
        report.matches("changes = snapshot").count(),
        3 * keys.len(),
        "{report}"
    );
    assert!(report.contains("late share"), "{report}");
    let kinds = report.lines().last().unwrap_or_default();
    for kind in [
        "insert",
        "update",
        "delete",
        "hard_delete",
        "soft_delete",
        "late",
        "replay",
    ] {
        let n: u64 = (kinds.split_whitespace())
            .find_map(|x| x.strip_prefix(&format!("{kind}=")))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(n > 0, "no {kind} in the shipped increments: {kinds}");
    }
    // The systems' deliveries and their answer key give the clean change rows back.
    let ir = lab::check(&specs).ir.expect("valid specs");
    std::fs::write(
        inc.join("exports.json"),
        serde_json::to_string_pretty(&crate::silo::exports_json(&ir)).unwrap(),
    )
    .unwrap();
    // The DDL of the deliveries is the shipped specs' documents (`--increments` writes none).
    let docs = root().join("generated");
    let full = base.join(days[2]);
    let report = run_tool(
        "deliveries_check.py",
        &[inc.as_os_str(), docs.as_os_str(), full.as_os_str()],
    );
    assert!(!report.contains("FAIL"), "{report}");
    assert!(
        report.contains("defects as in the full export: "),
        "{report}"
    );
    for system in [
        "shop_platform.orders",
        "shop_platform.customers",
        "crm.customers",
        "erp.debtors",
        "ad_platform.leads",
    ] {
        assert!(
            report.contains(&format!("delivered {system}: ")),
            "no delivery of {system}: {report}"
        );
    }
    // The same bytes at one thread.
    let one = base.join("one-thread");
    compile(
        &specs,
        &one,
        &["--scale", scale, "--increments", range, "--threads", "1"],
    );
    assert_eq!(all_files(&one.join("lake")), all_files(&inc.join("lake")));
    let _ = std::fs::remove_dir_all(&base);
    eprintln!(
        "shipped increments test: {:.1}s ({t_compiled:.1}s compiling, {} entities)",
        started.elapsed().as_secs_f64(),
        keys.len()
    );
}
