//! Integration tests: emit. Snapshots of every artifact `lab::emit::emit_all` produces for the
//! shipped specs, each valid corpus case under `tests/data/valid/*/` and an inline edge-case
//! spec (reserved words, quotes, long UTF-8 comments, partitions at every granularity, a
//! hierarchy, cross-domain keys); then the real consumers of those artifacts: sqlglot (Athena
//! DDL), botocore (Glue TableInput), Mermaid (ERDs and the dictionary's diagrams), Graphviz,
//! check-jsonschema (the spec schema against every spec) and Spark (DDL over a compiled lake).
//! The tools come from `tests/tools/setup.sh`; a missing tool fails the test with that hint.

use crate::common::{self, root};
use lab::codec::Codec;
use lab::emit::{self, Artifact, EmitOptions};
use lab::ir::Ir;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Two domains that exercise what the shipped specs do not: reserved-word columns, quotes,
/// backslashes, `${…}`, `|` and HTML in descriptions, a comment longer than Glue's 255 bytes
/// with multi-byte characters at the cut, day/month/year partitions whose ranges come from
/// `between` and `after`, a self-referencing hierarchy, a one-to-one child, a fixed-count
/// entity and keys across domains.
const EDGE: &[(&str, &str)] = &[
    (
        "crm.yaml",
        r#"domain: crm
description: "Sales CRM: accounts | contacts; it's \"edge\" <b>tested</b>"
owner: sales-ops
entities:
  accounts:
    kind: dimension
    grain: one row per account
    description: "Companies we sell to; includes ${dt}, a backslash \\ and 'quotes'."
    rows: 50
    primary_key: account_id
    attributes:
      account_id: { type: int64, key: sequence, description: Account id. }
      parent_account_id: { ref: accounts, hierarchy: { depth: 3 }, description: "Parent company, null for roots." }
      name: { type: string, fake: company, description: "Legal name | trading name" }
      date: { type: date, between: [2020-01-01, 2024-12-31], description: "A reserved-word column: `date`." }
      user: { type: string(12), choice: [alice, bob], description: "Reserved word user; ünïcödé ✓ and emoji 😀" }
      tier: { type: string, cycle: [gold, silver, bronze], description: "Account tier -- not a comment; /* nor this */" }
  contacts:
    kind: dimension
    grain: one row per contact person
    description: People at accounts.
    rows: { per: accounts, count: { uniform: [1, 3] } }
    primary_key: contact_id
    partition_by: { from: created_at, granularity: day }
    attributes:
      contact_id: { type: string, key: "CT-{row:05}", description: Contact id. }
      account_id: { ref: accounts, description: The account. }
      email: { type: string, fake: email, pii: true, description: "éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé'quote near byte 255, and more text after it to go past the limit" }
      created_at: { type: timestamp, between: [2023-01-01, 2023-03-31], description: Created. }
  profiles:
    kind: dimension
    grain: one row per contact at most
    description: Optional one-to-one extension.
    rows: { per: contacts, count: { bernoulli: 0.5 } }
    primary_key: contact_id
    attributes:
      contact_id: { ref: contacts, description: The contact. }
      bio: { type: string, fake: sentence, nulls: 0.3, description: Bio. }
"#,
    ),
    (
        "sales.yaml",
        r#"domain: sales
description: Deals.
owner: sales
entities:
  deals:
    kind: fact
    grain: one row per deal
    description: Deals with accounts.
    rows: { fixed: 30 }
    primary_key: deal_id
    partition_by: { key: month, from: closed_on, granularity: month }
    attributes:
      deal_id: { type: int32, key: { sequence: { start: 100, step: 10 } }, description: Deal. }
      account_id: { ref: crm.accounts, pick: { zipf: 1.2 }, description: Account. }
      contact_id: { ref: crm.contacts, nulls: 0.2, description: Main contact. }
      opened_at: { type: timestamp, between: [2022-06-01, 2023-06-30], description: Opened. }
      closed_on: { type: date, after: opened_at, within: [1d, 90d], description: Closed. }
      amount: { type: "decimal(14,2)", dist: { lognormal: { median: 5000, sigma: 1 } }, round: 2, description: Amount. }
      won: { type: bool, dist: { bernoulli: 0.3 }, description: Won. }
  yearly:
    kind: reference
    grain: one row per year
    description: Yearly targets.
    rows: { fixed: 3 }
    primary_key: year_start
    partition_by: { key: yr, from: year_start, granularity: year }
    attributes:
      year_start: { type: date, between: [2021-01-01, 2023-01-01], unique: true, description: Year. }
      target: { type: float64, dist: { uniform: [1, 2] }, description: Target. }
"#,
    ),
];

/// One model to emit: a name for snapshots and temp dirs, its spec files, and its IR.
struct Case {
    name: String,
    /// Spec files on disk (none for the inline edge case).
    specs: Vec<PathBuf>,
    ir: Ir,
}

fn case_from_dir(name: &str, dir: &Path) -> Case {
    let checked = lab::check(dir);
    let Some(ir) = checked.ir.clone() else {
        panic!(
            "`{}` should be valid:\n{}",
            dir.display(),
            checked.render(false)
        )
    };
    let mut specs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    specs.sort();
    Case {
        name: name.to_string(),
        specs,
        ir,
    }
}

fn edge_case() -> Case {
    let checked = lab::check_texts(EDGE);
    let Some(ir) = checked.ir.clone() else {
        panic!("the edge spec should be valid:\n{}", checked.render(false))
    };
    Case {
        name: "edge".into(),
        specs: Vec::new(), // In memory; the schema test writes them out.
        ir,
    }
}

/// The shipped specs, every valid corpus case under `tests/data/valid/`, and the edge case.
fn cases() -> Vec<Case> {
    // Relative paths (tests run in the package root) keep `Domain::file` repo-relative.
    let mut cases = vec![case_from_dir("specs", Path::new("specs"))];
    let valid = Path::new("tests/data/valid");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(valid)
        .unwrap_or_else(|e| panic!("read {}: {e}", valid.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(
        !dirs.is_empty(),
        "no valid corpus case under {}",
        valid.display()
    );
    for d in dirs {
        let name = format!("valid_{}", d.file_name().unwrap().to_string_lossy());
        cases.push(case_from_dir(&name, &d));
    }
    cases.push(edge_case());
    cases
}

/// The fixed options of every emit test.
fn options(ir: &Ir) -> EmitOptions {
    EmitOptions {
        bucket: "lab-lake".into(),
        scale: 1.0,
        seed: 42,
        rows: lab::ir::rows::expected_rows(&ir.entities, 1.0),
        compression: Codec::Snappy,
    }
}

fn emit_case(c: &Case) -> Vec<Artifact> {
    emit::emit_all(&c.ir, &options(&c.ir)).unwrap_or_else(|e| panic!("emit `{}`: {e}", c.name))
}

/// A fresh directory under Cargo's per-target temp dir.
fn tmp(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("emit")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("create temp dir");
    d
}

/// Writes every case's artifacts to `<tmp>/<case>/`, with `tables.json` (the IR's tables:
/// column names and Athena types, partition key, location, straight from the IR) beside them.
fn write_cases(test: &str) -> (PathBuf, Vec<PathBuf>) {
    let base = tmp(test);
    let mut dirs = Vec::new();
    for c in cases() {
        let dir = base.join(&c.name);
        for a in emit_case(&c) {
            let p = dir.join(&a.path);
            std::fs::create_dir_all(p.parent().unwrap()).expect("mkdir");
            std::fs::write(&p, &a.contents).expect("write artifact");
        }
        std::fs::write(dir.join("tables.json"), tables_json(&c.ir)).expect("write tables.json");
        dirs.push(dir);
    }
    (base, dirs)
}

fn tables_json(ir: &Ir) -> String {
    let tables: Vec<_> = ir
        .entities
        .iter()
        .map(|e| {
            let domain = &ir.domains[e.domain].name;
            // With source systems the clean tables are the truth layer.
            let (database, folder) = if ir.systems {
                (format!("{domain}_truth"), "truth")
            } else {
                (domain.clone(), "raw")
            };
            json!({
                "domain": domain,
                "database": database,
                "name": e.name,
                // Hidden attributes are no columns.
                "columns": e.exported().map(|(_, a)| json!([a.name, a.ty.athena()])).collect::<Vec<_>>(),
                "partition": e.partition.as_ref().map(|p| p.key.clone()),
                "partition_from": e.partition.as_ref().map(|p| e.attributes[p.from].name.clone()),
                "partition_format": e.partition.as_ref().map(|p| p.java_format()),
                "location": format!("s3://lab-lake/{folder}/{domain}/{}/", e.name),
            })
        })
        .collect();
    let mut tables = tables;
    // With exports, the answer key's tables, as the IR defines them.
    if ir.entities.iter().any(|e| e.export.is_some()) {
        for (name, cols) in lab::ir::export::ANSWER_TABLES {
            tables.push(json!({
                "domain": "answers",
                "database": "answer_key",
                "name": name,
                "columns": cols.iter().map(|(c, t, _)| json!([c, t.athena()])).collect::<Vec<_>>(),
                "partition": null,
                "partition_from": null,
                "partition_format": null,
                "location": format!("s3://lab-lake/truth/_answers/{name}/"),
            }));
        }
    }
    // With deliveries of the increments (an exported entity changing over time), their answer
    // key: the same tables, the cells and records with the change row's `_seq` and `dt`.
    let delivered = (0..ir.entities.len())
        .any(|e| ir.entities[e].export.is_some() && lab::ir::changes_over_time(&ir.entities, e));
    if delivered {
        for (name, cols) in lab::ir::export::ANSWER_TABLES {
            let mut columns: Vec<_> = cols
                .iter()
                .map(|(c, t, _)| json!([c, t.athena()]))
                .collect();
            if name != "crosswalk" {
                columns.extend([json!(["_seq", "bigint"]), json!(["dt", "date"])]);
            }
            tables.push(json!({
                "domain": "increments/answers",
                "database": "answer_key_increments",
                "name": name,
                "columns": columns,
                "partition": null,
                "partition_from": null,
                "partition_format": null,
                "location": format!("s3://lab-lake/truth/_answers/increments/raw/{name}/"),
            }));
        }
    }
    tables.extend(layer_tables(ir));
    // The daily increments of the entities whose rows change over time: the entity's columns
    // and the change-data columns, partitioned by delivery day.
    for (e, ent) in ir.entities.iter().enumerate() {
        if !lab::ir::changes_over_time(&ir.entities, e) {
            continue;
        }
        let domain = &ir.domains[ent.domain].name;
        let mut columns: Vec<_> = (ent.exported())
            .map(|(_, a)| json!([a.name, a.ty.athena()]))
            .collect();
        for (c, t) in [
            ("_op", "string"),
            ("_seq", "bigint"),
            ("_event_time", "timestamp"),
            ("_ingested_at", "timestamp"),
        ] {
            columns.push(json!([c, t]));
        }
        tables.push(json!({
            "domain": format!("increments/{domain}"),
            "database": format!("{domain}_increments"),
            "name": ent.name,
            "columns": columns,
            "partition": "dt",
            "partition_from": null,
            "partition_format": "yyyy-MM-dd",
            "location": format!("s3://lab-lake/increments/{domain}/{}/", ent.name),
        }));
    }
    serde_json::to_string_pretty(&json!({ "tables": tables })).unwrap()
}

/// The tables of the layers the dbt project writes, from the IR: with source systems, the
/// processed (silver) tables in the truth's shape; with marts, the curated (gold) tables.
fn layer_tables(ir: &Ir) -> Vec<serde_json::Value> {
    let mut tables = Vec::new();
    if ir.systems {
        for e in &ir.entities {
            let domain = &ir.domains[e.domain].name;
            tables.push(json!({
                "domain": format!("processed/{domain}"),
                "database": format!("{domain}_processed"),
                "name": e.name,
                "columns": e.exported().map(|(_, a)| json!([a.name, a.ty.athena()])).collect::<Vec<_>>(),
                "partition": null,
                "location": format!("s3://lab-lake/processed/{domain}/{}/", e.name),
            }));
        }
    }
    let marts = &ir.marts;
    for m in &marts.marts {
        let dims = m
            .dimensions
            .iter()
            .map(|&d| (&marts.dimensions[d].name, marts.dimensions[d].columns(ir)));
        let facts = m
            .facts
            .iter()
            .map(|&f| (&marts.facts[f].name, marts.facts[f].columns(ir, marts)));
        for (name, cols) in dims.chain(facts) {
            tables.push(json!({
                "domain": format!("curated/{}", m.name),
                "database": "curated",
                "name": name,
                "columns": cols.iter().map(|c| json!([c.name, c.ty.athena()])).collect::<Vec<_>>(),
                "partition": null,
                "location": format!("s3://lab-lake/curated/{}/{name}/", m.name),
            }));
        }
    }
    tables
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("run {cmd:?}: {e}"))
}

fn assert_ok(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A program on PATH that `tests/tools/setup.sh` installs; panics with the hint when missing.
fn system_tool(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("`{name}` is not on PATH: run `bash tests/tools/setup.sh` first"))
}

fn files_with_ext(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("read {}: {e}", d.display())) {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == ext) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

// ---------------------------------------------------------------------------------------------
// Snapshots and properties of the emitted text.

#[test]
fn snapshots_of_every_artifact() {
    for c in cases() {
        for a in emit_case(&c) {
            // The schema is the same for every case; snapshot it once.
            if a.path == emit::SCHEMA_PATH && c.name != "specs" {
                continue;
            }
            // The report builder is a fixed file: it is its source, byte for byte.
            if a.path == emit::report::PATH {
                let source = common::read(root().join("tools/report/build_report.py"));
                assert_eq!(a.contents, source, "{}", c.name);
                continue;
            }
            let name = format!("{}__{}", c.name, a.path.replace('/', "__"));
            insta::with_settings!({
                snapshot_path => "snapshots/emit",
                prepend_module_to_snapshot => false,
                description => format!("{} of case `{}`", a.path, c.name),
                omit_expression => true,
            }, {
                insta::assert_snapshot!(name, a.contents);
            });
        }
    }
}

#[test]
fn emit_is_deterministic_and_complete() {
    for c in cases() {
        let a = emit_case(&c);
        assert_eq!(a, emit_case(&c), "{}", c.name);
        let paths: Vec<&str> = a.iter().map(|x| x.path.as_str()).collect();
        let mut sorted = paths.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(paths, sorted, "sorted, no duplicates");
        assert!(paths.contains(&emit::SCHEMA_PATH));
        assert!(paths.contains(&"docs/index.md"));
        assert!(paths.contains(&"erd/enterprise.mmd"));
        assert!(paths.contains(&"erd/enterprise.dot"));
        for d in &c.ir.domains {
            for p in [
                format!("docs/{}.md", d.name),
                format!("erd/{}.mmd", d.name),
                format!("erd/{}.dot", d.name),
                format!("ddl/athena/{}.sql", d.name),
            ] {
                assert!(paths.contains(&p.as_str()), "{}: {p}", c.name);
            }
            for &e in &d.entities {
                let p = format!("glue/{}/{}.json", d.name, c.ir.entities[e].name);
                assert!(paths.contains(&p.as_str()), "{}: {p}", c.name);
            }
            // The dictionary embeds exactly the domain's Mermaid file.
            let get = |p: String| &a.iter().find(|x| x.path == p).unwrap().contents;
            let mmd = get(format!("erd/{}.mmd", d.name));
            let page = get(format!("docs/{}.md", d.name));
            assert!(
                page.contains(&format!("```mermaid\n{mmd}```")),
                "{}: docs/{}.md embeds erd/{}.mmd",
                c.name,
                d.name,
                d.name
            );
        }
    }
}

#[test]
fn bad_options_are_refused() {
    let c = case_from_dir("specs", Path::new("specs"));
    let mut o = options(&c.ir);
    o.bucket = "Bad'Bucket".into();
    o.rows.pop();
    let err = emit::emit_all(&c.ir, &o).unwrap_err();
    assert_eq!(err.problems.len(), 2, "{err}");
    assert!(err.problems[0].contains("row counts"), "{err}");
    assert!(err.problems[1].contains("S3 bucket"), "{err}");
}

/// `index` and `enterprise` would overwrite the dictionary's index page and the enterprise ERD.
/// The resolver refuses them as domain names; the emitters keep their own guard for an IR built
/// another way, checked here on an IR renamed in memory.
#[test]
fn a_domain_named_like_a_fixed_file_is_refused() {
    for name in ["index", "enterprise"] {
        let spec = format!(
            "domain: {name}\nentities:\n  things:\n    rows: 3\n    primary_key: id\n    attributes:\n      id: {{ type: int64, key: sequence }}\n"
        );
        let checked = lab::check_texts(&[("x.yaml", spec.as_str())]);
        assert!(
            checked.ir.is_none(),
            "`{name}` was accepted as a domain name"
        );
        let reserved: Vec<_> = checked
            .diagnostics
            .iter()
            .filter(|d| d.code == lab::codes::BAD_IDENT)
            .collect();
        assert_eq!(reserved.len(), 1, "{}", checked.render(false));
        assert!(
            reserved[0]
                .message
                .contains(&format!("domain name `{name}` is reserved")),
            "{}",
            reserved[0].message
        );

        let mut ir = edge_case().ir;
        ir.domains[0].name = name.to_string();
        let err = emit::emit_all(&ir, &options(&ir)).unwrap_err();
        let clash = match name {
            "index" => "`docs/index.md`",
            _ => "`erd/enterprise.mmd`",
        };
        assert!(
            err.problems
                .iter()
                .any(|p| p.contains("two artifacts") && p.contains(clash)),
            "{err}"
        );
        assert!(
            err.problems.iter().all(|p| p.contains("two artifacts")),
            "{err}"
        );
    }
}

/// The tables' `parquet.compression` property names the codec the lake was written with, in
/// the DDL and in the Glue `TableInput` alike; Snappy stays the default.
#[test]
fn ddl_and_glue_name_the_codec_in_use() {
    let c = edge_case();
    for (codec, athena) in [
        (Codec::Snappy, "SNAPPY"),
        (Codec::Zstd, "ZSTD"),
        (Codec::None, "UNCOMPRESSED"),
    ] {
        let mut o = options(&c.ir);
        o.compression = codec;
        let artifacts = emit::emit_all(&c.ir, &o).expect("emit");
        let get = |p: &str| {
            &artifacts
                .iter()
                .find(|a| a.path == p)
                .unwrap_or_else(|| panic!("no {p}"))
                .contents
        };
        let ddl = get("ddl/athena/crm.sql");
        assert_eq!(
            ddl.matches(&format!("'parquet.compression'='{athena}'"))
                .count(),
            3,
            "one property per crm table:\n{ddl}"
        );
        assert_eq!(ddl.matches("'parquet.compression'").count(), 3, "{ddl}");
        let glue: serde_json::Value =
            serde_json::from_str(get("glue/crm/accounts.json")).expect("Glue JSON");
        assert_eq!(glue["Parameters"]["parquet.compression"], athena, "{glue}");
    }
}

/// `lab compile --compression` reaches the documents: the DDL and the Glue tables of a
/// `--docs-only` run name the codec given on the command line.
#[test]
fn compile_writes_the_chosen_codec_into_the_ddl() {
    let base = tmp("compression");
    for (flag, athena) in [
        ("zstd", "ZSTD"),
        ("none", "UNCOMPRESSED"),
        ("snappy", "SNAPPY"),
    ] {
        // A fresh directory that does not exist yet.
        let out_dir = base.join(flag);
        let out = common::lab(&[
            "compile",
            "--docs-only",
            "--quiet",
            "--compression",
            flag,
            "--out",
            out_dir.to_str().expect("UTF-8 path"),
        ]);
        assert_ok(&format!("lab compile --compression {flag}"), &out);
        let ddl = common::read(out_dir.join("ddl/athena/finance.sql"));
        let want = format!("'parquet.compression'='{athena}'");
        assert!(ddl.contains(&want), "no {want} in finance.sql");
        assert_eq!(
            ddl.matches("'parquet.compression'").count(),
            ddl.matches(&want).count(),
            "another codec in finance.sql"
        );
        let glue: serde_json::Value =
            serde_json::from_str(&common::read(out_dir.join("glue/finance/invoices.json")))
                .expect("Glue JSON");
        assert_eq!(glue["Parameters"]["parquet.compression"], athena);
    }
}

#[test]
fn profile_pages_show_measured_stats() {
    let c = edge_case();
    let o = options(&c.ir);
    let stats = lab::profile::DataStats {
        entities: c
            .ir
            .entities
            .iter()
            .map(|e| lab::profile::EntityStats {
                rows: 200,
                files: 2,
                bytes: 12_345,
                columns: e
                    .attributes
                    .iter()
                    .enumerate()
                    .map(|(i, _)| lab::profile::ColumnStats {
                        nulls: 50,
                        distinct: 150 + i as u64,
                        distinct_exact: i % 2 == 0,
                        min: Some("a|b".into()),
                        max: None,
                    })
                    .collect(),
            })
            .collect(),
    };
    let pages = emit::profile(&c.ir, &o, &stats);
    let paths: Vec<&str> = pages.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "docs/profile/index.md",
            "docs/profile/crm.md",
            "docs/profile/sales.md"
        ]
    );
    insta::with_settings!({
        snapshot_path => "snapshots/emit",
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("profile__edge__index", pages[0].contents);
        insta::assert_snapshot!("profile__edge__crm", pages[1].contents);
    });
}

// ---------------------------------------------------------------------------------------------
// Real consumers of the artifacts.

#[test]
fn sqlglot_parses_athena_ddl_strictly() {
    let py = common::python();
    let (_, dirs) = write_cases("sqlglot");
    let out = run(Command::new(py)
        .arg(root().join("tests/tools/sqlglot_check.py"))
        .args(&dirs));
    assert_ok("sqlglot_check.py", &out);
}

#[test]
fn botocore_accepts_glue_table_inputs() {
    let py = common::python();
    let (_, dirs) = write_cases("glue");
    let out = run(Command::new(py)
        .arg(root().join("tests/tools/glue_check.py"))
        .args(&dirs));
    assert_ok("glue_check.py", &out);
}

#[test]
fn mermaid_parses_erds_and_dictionary_diagrams() {
    let node = system_tool("node");
    common::tool("tests/tools/node_modules/mermaid/package.json");
    common::tool("tests/tools/node_modules/jsdom/package.json");
    let (_, dirs) = write_cases("mermaid");
    let out = run(Command::new(node)
        .arg(root().join("tests/tools/mermaid_parse.mjs"))
        .args(&dirs));
    assert_ok("mermaid_parse.mjs", &out);
}

#[test]
fn graphviz_renders_every_dot_file_cleanly() {
    let dot = system_tool("dot");
    let (base, _) = write_cases("graphviz");
    let files = files_with_ext(&base, "dot");
    assert!(files.len() >= 4, "found {} .dot files", files.len());
    for f in files {
        let out = run(Command::new(&dot).arg("-Tsvg").arg(&f).arg("-o/dev/null"));
        assert_ok(&format!("dot -Tsvg {}", f.display()), &out);
        // Warnings (an unknown port, a bad attribute) go to stderr with exit code 0.
        assert!(
            out.stderr.is_empty(),
            "dot warned on {}:\n{}",
            f.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn emitted_json_schema_accepts_every_valid_spec() {
    let cli = common::tool(".venv/bin/check-jsonschema");
    let base = tmp("jsonschema");
    let schema = base.join("lab-spec.schema.json");
    std::fs::write(&schema, lab::spec::json_schema()).expect("write schema");
    let mut specs: Vec<PathBuf> = cases().into_iter().flat_map(|c| c.specs).collect();
    for (name, text) in EDGE {
        let p = base.join(name);
        std::fs::write(&p, text).expect("write edge spec");
        specs.push(p);
    }
    let out = run(Command::new(cli)
        .arg("--schemafile")
        .arg(&schema)
        .args(&specs));
    assert_ok("check-jsonschema", &out);
}

/// Spark with a local Hive metastore runs every DDL statement of every case over a tiny Parquet
/// lake that `fake_lake.py` writes with pyarrow (typed as lab's sinks type columns), repairs the
/// partitioned tables, reads every column of every table back, checks partition values against
/// their source columns and the comments against the Glue documents — independent of the
/// engine. Then, with the engine, the lake and DDL `lab compile` writes for the shipped specs:
/// every table read back, its row count equal to the manifest's. One Spark session reads them
/// all (starting the JVM and the metastore is most of a small check's time).
#[test]
fn spark_runs_the_ddl_over_pyarrow_lakes_and_the_compiled_lake() {
    let py = common::python();
    let (_, mut dirs) = write_cases("spark_fake");
    for d in &dirs {
        let out = run(Command::new(&py)
            .arg(root().join("tests/tools/fake_lake.py"))
            .arg(d));
        assert_ok("fake_lake.py", &out);
    }
    // A fresh output directory that does not exist yet.
    let out_dir = tmp("spark_compiled").join("out");
    let out = common::lab(&[
        "compile",
        "--out",
        out_dir.to_str().unwrap(),
        "--scale",
        "0.02",
    ]);
    assert_ok("lab compile --scale 0.02", &out);
    let c = case_from_dir("specs", Path::new("specs"));
    std::fs::write(out_dir.join("tables.json"), tables_json(&c.ir)).expect("write tables.json");
    dirs.push(out_dir);
    let out = run(Command::new(&py)
        .arg(root().join("tests/tools/spark_check.py"))
        .args(&dirs));
    assert_ok("spark_check.py", &out);
}
