//! Front-end tests (`spec` + `resolve`). The bad-spec corpus under `tests/data/invalid/` is run
//! case by case and every rendered diagnostic (message, `file:line:col`, caret, help) is
//! snapshotted, and the corpus must exercise every code of `codes::ALL`; the valid corpus under
//! `tests/data/valid/` has its IR dump snapshotted. Around them: exact positions of a few
//! diagnostics, the CLI's exit codes, limits (a 50 MB file, alias bombs, deep nesting) answered
//! in well under a second, no panic on mutated specs, and docs that name every code and key.

use crate::common;
use lab::codes;
use lab::diagnostics::Diagnostic;
use proptest::prelude::*;
use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Limits are enforced before any real work. The bound only catches a hang (the checks take
/// well under a second even in a debug build, but the machine may be busy).
const QUICK: Duration = Duration::from_secs(30);

/// The outcome of one corpus case.
struct CaseRun {
    name: String,
    /// The path given to `lab check --specs`, relative to the repository (or `<tmp>/…`).
    shown_path: String,
    /// The rendered diagnostics with machine-independent paths, or the panic message.
    rendered: Result<String, String>,
    codes: BTreeSet<&'static str>,
    has_ir: bool,
}

/// A directory under cargo's per-test-binary temp dir, emptied first.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("frontend-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Paths in rendered output relative to the repository, temp dirs as `<tmp>`.
fn normalize(text: &str, tmp: Option<&Path>) -> String {
    let mut t = text.to_string();
    if let Some(tmp) = tmp {
        t = t.replace(&tmp.display().to_string(), "<tmp>");
    }
    t.replace(&format!("{}/", common::root().display()), "")
}

/// Writes a 50 MB spec (a valid header, then comment padding): too large to commit, so the
/// corpus case that covers E0003 is written at test time.
fn write_50mb_spec(dir: &Path) -> PathBuf {
    use std::io::Write as _;
    let path = dir.join("shop.yaml");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    f.write_all(b"domain: shop\nentities: {}\n").unwrap();
    let line = format!("# {}\n", "x".repeat(98));
    let chunk = line.repeat(10_000); // 1 MB
    for _ in 0..50 {
        f.write_all(chunk.as_bytes()).unwrap();
    }
    f.flush().unwrap();
    path
}

/// Writes the spec files of a generated case into a directory.
type WriteCase = fn(&Path);

/// Cases written at test time, each into its own scratch directory.
const GENERATED: &[(&str, WriteCase)] = &[
    ("e0001_non_regular_yaml_entries", write_non_regular_entries),
    ("e0003_file_too_large_50mb", |d| {
        write_50mb_spec(d);
    }),
];

/// A valid spec beside a directory, a broken symbolic link and a FIFO named `*.yaml` (none can
/// be committed to the corpus as such).
fn write_non_regular_entries(d: &Path) {
    std::fs::write(
        d.join("shop.yaml"),
        "domain: shop\nentities:\n  t: { rows: 1, primary_key: id, attributes: { id: { type: int64, key: sequence } } }\n",
    )
    .unwrap();
    std::fs::create_dir(d.join("archive.yaml")).unwrap();
    std::os::unix::fs::symlink(d.join("missing.yaml.bak"), d.join("old.yaml")).unwrap();
    let fifo = std::process::Command::new("mkfifo")
        .arg(d.join("pipe.yaml"))
        .status()
        .expect("run mkfifo");
    assert!(fifo.success(), "mkfifo failed");
}

fn invalid_root() -> PathBuf {
    common::root().join("tests/data/invalid")
}

/// Every committed case: a directory of specs, or a file (passed as `--specs` itself).
fn committed_cases() -> Vec<(String, PathBuf)> {
    let mut cases: Vec<(String, PathBuf)> = std::fs::read_dir(invalid_root())
        .expect("tests/data/invalid")
        .map(|e| e.expect("dir entry").path())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            let name = name.strip_suffix(".yaml").unwrap_or(&name).to_string();
            (name, p)
        })
        .collect();
    cases.sort();
    cases
}

fn run_case(name: &str, path: &Path, tmp: Option<&Path>) -> CaseRun {
    let result = catch_unwind(AssertUnwindSafe(|| {
        let checked = lab::check(path);
        let codes: BTreeSet<&'static str> = checked.diagnostics.iter().map(|d| d.code).collect();
        (checked.render(false), codes, checked.ir.is_some())
    }));
    let shown_path = normalize(&path.display().to_string(), tmp);
    match result {
        Ok((text, codes, has_ir)) => CaseRun {
            name: name.to_string(),
            shown_path,
            rendered: Ok(normalize(&text, tmp)),
            codes,
            has_ir,
        },
        Err(panic) => CaseRun {
            name: name.to_string(),
            shown_path,
            rendered: Err(panic_message(&panic)),
            codes: BTreeSet::new(),
            has_ir: false,
        },
    }
}

fn panic_message(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "non-string panic".into())
}

/// Runs every invalid case once per test binary (committed and generated).
fn invalid_runs() -> &'static [CaseRun] {
    static RUNS: OnceLock<Vec<CaseRun>> = OnceLock::new();
    RUNS.get_or_init(|| {
        let mut runs: Vec<CaseRun> = committed_cases()
            .iter()
            .map(|(name, path)| run_case(name, path, None))
            .collect();
        for (name, write) in GENERATED {
            let dir = scratch(name);
            write(&dir);
            runs.push(run_case(name, &dir, Some(&dir)));
            let _ = std::fs::remove_dir_all(&dir);
        }
        runs.sort_by(|a, b| a.name.cmp(&b.name));
        runs
    })
}

/// Asserts a snapshot without stopping at the first mismatch, so one run reports (and, with
/// `INSTA_UPDATE`, writes) every changed snapshot.
fn soft_snapshot(name: &str, description: &str, value: &str, failures: &mut Vec<String>) {
    let mut settings = insta::Settings::clone_current();
    settings.set_description(description);
    settings.set_omit_expression(true);
    let ok = catch_unwind(AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_snapshot!(name.to_string(), value));
    }));
    if ok.is_err() {
        failures.push(format!("{name}: snapshot differs"));
    }
}

#[test]
fn invalid_corpus_snapshots() {
    let runs = invalid_runs();
    assert!(
        runs.len() >= 50,
        "the invalid corpus has only {} cases",
        runs.len()
    );
    let mut failures = Vec::new();
    for run in runs {
        match &run.rendered {
            Err(panic) => failures.push(format!("{}: the front end panicked: {panic}", run.name)),
            Ok(text) => {
                if run.codes.is_empty() {
                    failures.push(format!("{}: no diagnostic at all", run.name));
                }
                let description = format!("lab check --specs {}", run.shown_path);
                soft_snapshot(
                    &format!("invalid__{}", run.name),
                    &description,
                    text,
                    &mut failures,
                );
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn invalid_corpus_covers_every_code() {
    let runs = invalid_runs();
    let seen: BTreeSet<&str> = runs.iter().flat_map(|r| r.codes.iter().copied()).collect();
    let missing: Vec<&str> = codes::ALL
        .iter()
        .map(|(c, _)| *c)
        .filter(|c| !seen.contains(c))
        .collect();
    assert!(
        missing.is_empty(),
        "no case under tests/data/invalid/ produces {missing:?}"
    );
    let all: BTreeSet<&str> = codes::ALL.iter().map(|(c, _)| *c).collect();
    assert_eq!(all.len(), codes::ALL.len(), "a code is listed twice");
    assert!(seen.is_subset(&all), "codes outside codes::ALL: {seen:?}");
    // A case named after a code (`e0400_…`, `w0700_…`) must still produce that code, and a
    // case with errors must not yield an IR.
    for run in runs {
        let prefix = run
            .name
            .split('_')
            .next()
            .unwrap_or_default()
            .to_uppercase();
        if all.contains(prefix.as_str()) {
            assert!(
                run.codes.contains(prefix.as_str()),
                "case `{}` no longer produces {prefix}: {:?}",
                run.name,
                run.codes
            );
        }
        let has_error = run.codes.iter().any(|c| c.starts_with('E'));
        assert_eq!(run.has_ir, !has_error, "case `{}`", run.name);
    }
}

fn valid_cases() -> Vec<(String, PathBuf)> {
    let mut cases: Vec<(String, PathBuf)> =
        std::fs::read_dir(common::root().join("tests/data/valid"))
            .expect("tests/data/valid")
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.is_dir())
            .map(|p| (p.file_name().unwrap().to_string_lossy().to_string(), p))
            .collect();
    cases.sort();
    cases
}

#[test]
fn valid_corpus_ir_snapshots() {
    let cases = valid_cases();
    assert!(
        cases.len() >= 6,
        "the valid corpus has only {} cases",
        cases.len()
    );
    let mut failures = Vec::new();
    for (name, path) in &cases {
        let checked = lab::check(path);
        let rendered = normalize(&checked.render(false), None);
        if !checked.diagnostics.is_empty() {
            failures.push(format!("{name}: expected no diagnostics:\n{rendered}"));
            continue;
        }
        let Some(ir) = &checked.ir else {
            failures.push(format!("{name}: no IR"));
            continue;
        };
        let dump = normalize(&lab::ir::dump::dump(ir), None);
        let description = format!(
            "lab check --dump-ir --specs {}",
            normalize(&path.display().to_string(), None)
        );
        soft_snapshot(
            &format!("valid__{name}"),
            &description,
            &dump,
            &mut failures,
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// (code, line, column) of every diagnostic for one in-memory spec file.
fn positions(text: &str) -> Vec<(&'static str, u32, u32)> {
    let checked = lab::check_texts(&[("shop.yaml", text)]);
    checked
        .diagnostics
        .iter()
        .map(|d| {
            let s = d.span.expect("diagnostic without a span");
            (d.code, s.line, s.col)
        })
        .collect()
}

/// A small valid spec that the position tests extend line by line; line 7 is the last.
const BASE: &str = "\
domain: shop
entities:
  customers:
    rows: 10
    primary_key: id
    attributes:
      id: { type: int64, key: sequence }
";

#[test]
fn positions_are_exact() {
    assert_eq!(positions(BASE), vec![]);
    // Unknown key in a flow mapping: the key itself.
    assert_eq!(
        positions(&format!(
            "{BASE}      name: {{ type: string, fake: name, uniqe: true }}\n"
        )),
        vec![(codes::UNKNOWN_KEY, 8, 41)]
    );
    // Unknown entity in a reference: the reference's text.
    assert_eq!(
        positions(&format!("{BASE}      friend: {{ ref: custmers }}\n")),
        vec![(codes::UNKNOWN_ENTITY, 8, 22)]
    );
    // Operand types: the operator, inside a quoted expression.
    assert_eq!(
        positions(&format!(
            "{BASE}      x: {{ type: int64, expr: \"id + 'a'\" }}\n"
        )),
        vec![(codes::EXPR_TYPE, 8, 35)]
    );
    // The same in a folded block scalar: the operator on the expression's second line.
    assert_eq!(
        positions(&format!(
            "{BASE}      x:\n        type: int64\n        expr: >-\n          id\n          + 'a'\n"
        )),
        vec![(codes::EXPR_TYPE, 12, 11)]
    );
    // Unknown attribute behind a qualifier: the attribute part only.
    assert_eq!(
        positions(&format!(
            "{BASE}  orders:\n    rows: {{ per: customers, count: 1 }}\n    primary_key: id\n    attributes:\n      id: {{ type: int64, key: sequence }}\n      c: {{ type: int64, expr: \"parent.idd\" }}\n"
        )),
        vec![(codes::UNKNOWN_ATTRIBUTE, 13, 39)]
    );
    // Duplicate key: the second occurrence.
    assert_eq!(
        positions(&format!(
            "{BASE}      id: {{ type: int32, key: sequence }}\n"
        )),
        vec![(codes::DUPLICATE_KEY, 8, 7)]
    );
    // A tab used for indentation: the tab, not where the scanner noticed it.
    assert_eq!(
        positions("domain: shop\nentities:\n  customers:\n    rows: 10\n\tprimary_key: id\n"),
        vec![(codes::YAML_SYNTAX, 5, 1)]
    );
    // A missing key: the name of the entity that lacks it.
    assert_eq!(
        positions(
            "domain: shop\nentities:\n  customers:\n    primary_key: id\n    attributes:\n      id: { type: int64, key: sequence }\n"
        ),
        vec![(codes::MISSING_KEY, 3, 3)]
    );
}

#[test]
fn rendered_caret_sits_under_the_token() {
    let text = format!("{BASE}      x: {{ type: int64, expr: \"id + lowr('a')\" }}\n");
    let out = lab::check_texts(&[("shop.yaml", &text)]).render(false);
    let expected = "\
error[E0502]: unknown function `lowr`
 --> shop.yaml:8:37
  |
8 |       x: { type: int64, expr: \"id + lowr('a')\" }
  |                                     ^^^^
  = help: did you mean `lower`?
";
    assert!(out.starts_with(expected), "{out}");
}

fn lab_check(dir: &str) -> (Option<i32>, String) {
    let out = common::lab(&["check", "--specs", dir]);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_exit_codes() {
    for (name, _) in valid_cases() {
        let (code, stderr) = lab_check(&format!("tests/data/valid/{name}"));
        assert_eq!(code, Some(0), "valid case {name}:\n{stderr}");
    }
    // Warnings alone do not fail the check.
    let (code, stderr) = lab_check("tests/data/invalid/w0701_file_domain_mismatch");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("warning[W0701]"), "{stderr}");
    // Spec errors exit 1.
    for case in [
        "e0400_fk_cycle_cross_domain",
        "e0101_alias_bomb",
        "e0004_not_utf8",
        "e0002_no_specs",
    ] {
        let (code, stderr) = lab_check(&format!("tests/data/invalid/{case}"));
        assert_eq!(code, Some(1), "{case}:\n{stderr}");
        assert!(stderr.contains("error[E"), "{case}:\n{stderr}");
    }
    // Usage errors exit 2.
    for args in [
        &["check", "--no-such-flag"][..],
        &["frobnicate"][..],
        &["check", "--specs"][..],
    ] {
        let out = common::lab(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn limits_are_enforced_quickly() {
    // A 50 MB file is refused by its size, before it is read.
    let dir = scratch("limits-50mb");
    write_50mb_spec(&dir);
    let t = Instant::now();
    let checked = lab::check(&dir);
    let took = t.elapsed();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        codes_of(&checked.diagnostics),
        [codes::TOO_LARGE],
        "{}",
        checked.render(false)
    );
    assert!(took < QUICK, "50 MB file took {took:?}");

    // The same text handed over in memory.
    let text = format!("domain: shop\n{}", "# padding\n".repeat(5_000_000));
    let t = Instant::now();
    let checked = lab::check_texts(&[("shop.yaml", &text)]);
    assert!(t.elapsed() < QUICK, "50 MB text took {:?}", t.elapsed());
    assert_eq!(codes_of(&checked.diagnostics), [codes::TOO_LARGE]);

    // Alias bombs (sequences and mappings) stop at the node budget.
    for case in ["e0101_alias_bomb", "e0101_alias_bomb_mappings"] {
        let t = Instant::now();
        let checked = lab::check(&invalid_root().join(case));
        let took = t.elapsed();
        assert_eq!(
            codes_of(&checked.diagnostics),
            [codes::ALIAS_BUDGET],
            "{case}"
        );
        assert!(took < QUICK, "{case} took {took:?}");
    }

    // A million nested brackets: no stack overflow, refused at the depth limit.
    for (prefix, open) in [
        ("domain: shop\ndescription: ", "["),
        ("domain: shop\ndescription: ", "{a: "),
        ("", "- "),
    ] {
        let text = format!("{prefix}{}", open.repeat(1_000_000));
        let t = Instant::now();
        let checked = lab::check_texts(&[("shop.yaml", &text)]);
        let took = t.elapsed();
        let found = codes_of(&checked.diagnostics);
        assert_eq!(found, [codes::TOO_DEEP], "{open:?}");
        assert!(took < QUICK, "{open:?} nesting took {took:?}");
    }
}

/// Long chains (of references, of attribute dependencies, of operators, of aliases) are
/// walked without recursion or refused at a limit, so they cannot overflow the stack: these
/// run on a test thread, whose stack is smaller than the main thread's.
#[test]
fn long_chains_do_not_overflow_the_stack() {
    let entity = |i: usize, reference: &str| {
        format!(
            "  e{i}: {{ rows: 1, primary_key: a, attributes: {{ a: {{ type: int64, key: sequence }}{reference} }} }}\n"
        )
    };
    let n = 3000;
    let mut chain = String::from("domain: shop\nentities:\n");
    let mut cycle = chain.clone();
    for i in 0..n {
        let next = |j: usize| format!(", b: {{ ref: e{j} }}");
        chain.push_str(&entity(
            i,
            &if i + 1 < n {
                next(i + 1)
            } else {
                String::new()
            },
        ));
        cycle.push_str(&entity(i, &next((i + 1) % n)));
    }
    let checked = lab::check_texts(&[("shop.yaml", &chain)]);
    assert!(checked.diagnostics.is_empty(), "{}", checked.render(false));
    assert_eq!(
        checked.ir.map(|ir| ir.order.first().copied()),
        Some(Some(n - 1))
    );
    let checked = lab::check_texts(&[("shop.yaml", &cycle)]);
    assert_eq!(codes_of(&checked.diagnostics), [codes::FK_CYCLE]);

    // Each attribute computed from the previous one, and a cycle through all of them.
    let mut attrs = String::from(
        "domain: shop\nentities:\n  e:\n    rows: 1\n    primary_key: a0\n    attributes:\n      a0: { type: int64, key: sequence }\n",
    );
    for i in 1..n {
        attrs.push_str(&format!(
            "      a{i}: {{ type: int64, expr: \"a{} + 1\" }}\n",
            i - 1
        ));
    }
    // The walk survives; the chain is refused as longer than the generator accepts.
    let checked = lab::check_texts(&[("shop.yaml", &attrs)]);
    assert_eq!(
        codes_of(&checked.diagnostics),
        [codes::CHAIN_TOO_DEEP],
        "{}",
        checked.render(false)
    );
    let attrs = attrs.replace(
        "a1: { type: int64, expr: \"a0 + 1\" }",
        &format!("a1: {{ type: int64, expr: \"a{} + 1\" }}", n - 1),
    );
    let checked = lab::check_texts(&[("shop.yaml", &attrs)]);
    assert_eq!(codes_of(&checked.diagnostics), [codes::DEP_CYCLE]);

    // Operator chains: 120 terms are fine, 1300 are refused.
    let spec = |terms: usize| {
        format!(
            "{BASE}      x: {{ type: int64, expr: \"{}\" }}\n",
            vec!["id"; terms].join("+")
        )
    };
    let checked = lab::check_texts(&[("shop.yaml", &spec(120))]);
    assert!(checked.diagnostics.is_empty(), "{}", checked.render(false));
    let _ = lab::ir::dump::dump(checked.ir.as_ref().expect("ir"));
    let checked = lab::check_texts(&[("shop.yaml", &spec(1300))]);
    assert_eq!(codes_of(&checked.diagnostics), [codes::EXPR_SYNTAX]);

    // Aliases that each wrap the previous one in more lists.
    let mut aliases = String::from("domain: shop\na0: &a0 [x]\n");
    for i in 1..400 {
        aliases.push_str(&format!("a{i}: &a{i} [[*a{}]]\n", i - 1));
    }
    let checked = lab::check_texts(&[("shop.yaml", &aliases)]);
    assert_eq!(codes_of(&checked.diagnostics), [codes::TOO_DEEP]);
}

fn codes_of(diags: &[Diagnostic]) -> Vec<&'static str> {
    diags.iter().map(|d| d.code).collect()
}

/// Every UTF-8 spec of both corpora, as seeds for mutation.
fn seed_texts() -> &'static [String] {
    static SEEDS: OnceLock<Vec<String>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut out = Vec::new();
        let mut stack = vec![common::root().join("tests/data")];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).expect("read dir") {
                let p = e.expect("entry").path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "yaml")
                    && let Ok(t) = std::fs::read_to_string(&p)
                    && t.len() < 20_000
                {
                    out.push(t);
                }
            }
        }
        out.sort();
        out
    })
}

/// Fragments that tend to break a spec in interesting ways.
const FRAGMENTS: &[&str] = &[
    ":",
    "{",
    "}",
    "[",
    "]",
    ",",
    "-",
    "'",
    "\"",
    "&a ",
    "*a",
    "!!str ",
    "\n",
    "\n  ",
    "\t",
    "#",
    "---\n",
    "? ",
    "|\n",
    ">-\n",
    "null",
    "~",
    "0",
    "-1",
    "1e400",
    "NaN",
    "99999999999999999999",
    "row",
    "parent.",
    "level",
    "child_index",
    "ref: x",
    "per: x",
    "expr: ",
    "(",
    ")",
    "||",
    "*",
    "case when ",
    " end",
    "is null",
    "in (",
    "'a''b'",
    "decimal(",
    "string(",
    "date '",
    "{row:07}",
    "{row",
    "é",
    "\u{feff}",
    "\u{0}",
    "\\",
    "%",
];

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Mutated specs never panic the front end or the renderer, and every diagnostic span
    /// points into its file.
    #[test]
    fn mutated_specs_never_panic(
        seed in any::<prop::sample::Index>(),
        edits in prop::collection::vec(
            (any::<prop::sample::Index>(), 0usize..24, any::<prop::sample::Index>()),
            1..8,
        ),
    ) {
        let seeds = seed_texts();
        let mut text = seeds[seed.index(seeds.len())].clone();
        for (at, n_delete, fragment) in edits {
            let mut i = at.index(text.len() + 1);
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            let mut j = (i + n_delete).min(text.len());
            while !text.is_char_boundary(j) {
                j -= 1;
            }
            text.replace_range(i..j, FRAGMENTS[fragment.index(FRAGMENTS.len())]);
        }
        let checked = lab::check_texts(&[("shop.yaml", &text), ("other.yaml", &text)]);
        let _ = checked.render(true);
        if let Some(ir) = &checked.ir {
            let _ = lab::ir::dump::dump(ir);
        }
        let n_lines = text.split('\n').count() as u32;
        for d in &checked.diagnostics {
            if let Some(s) = d.span {
                prop_assert!(s.line >= 1 && s.line <= n_lines, "{d:?} in\n{text}");
                prop_assert!(s.col >= 1, "{d:?}");
            }
        }
    }
}

/// The `## <code>: <title>` headings of docs/diagnostics.md, and the `### \`key\`` headings of
/// each section of docs/spec-reference.md.
#[test]
fn docs_cover_every_code_and_key() {
    let diagnostics = common::read(common::root().join("docs/diagnostics.md"));
    for (code, title) in codes::ALL.iter().chain(codes::RUNTIME) {
        let heading = format!("## {code}: {title}\n");
        assert!(
            diagnostics.contains(&heading),
            "docs/diagnostics.md lacks the heading `{}`",
            heading.trim_end()
        );
        let section = diagnostics.split(&heading).nth(1).unwrap_or_default();
        let section = section.split("\n## ").next().unwrap_or_default();
        for part in ["**What**", "**Why**", "**Example**"] {
            assert!(section.contains(part), "{code} lacks {part}");
        }
    }
    let reference = common::read(common::root().join("docs/spec-reference.md"));
    let section = |title: &str| -> String {
        reference
            .split("\n## ")
            .find(|s| s.starts_with(title))
            .unwrap_or_else(|| panic!("docs/spec-reference.md has no `## {title}` section"))
            .to_string()
    };
    use lab::spec::lower::{ATTRIBUTE_KEYS, DOMAIN_KEYS, ENTITY_KEYS};
    use lab::spec::marts::{
        CONFORMED_KEYS, DIMENSION_KEYS, DIMENSION_REF_KEYS, FACT_KEYS, MART_KEYS, MEASURE_KEYS,
    };
    let marts = section("Marts");
    for key in ["marts", "dimensions", "facts"] {
        assert!(
            marts.contains(&format!("\n### `{key}`")),
            "docs/spec-reference.md, section Marts, lacks `### `{key}``"
        );
    }
    for key in [
        MART_KEYS,
        DIMENSION_KEYS,
        CONFORMED_KEYS,
        FACT_KEYS,
        DIMENSION_REF_KEYS,
        MEASURE_KEYS,
    ]
    .concat()
    {
        assert!(
            marts.contains(&format!("`{key}`")),
            "docs/spec-reference.md, section Marts, does not name the key `{key}`"
        );
    }
    let metrics = section("Metrics");
    for key in ["metrics", "measure", "filter"] {
        assert!(
            metrics.contains(&format!("\n### `{key}`")),
            "docs/spec-reference.md, section Metrics, lacks `### `{key}``"
        );
    }
    use lab::spec::metrics::{FILTER_KEYS, MEASURE_REF_KEYS, METRIC_KEYS};
    for key in [METRIC_KEYS, MEASURE_REF_KEYS, FILTER_KEYS].concat() {
        assert!(
            metrics.contains(&format!("`{key}`")),
            "docs/spec-reference.md, section Metrics, does not name the key `{key}`"
        );
    }
    for agg in lab::ir::metrics::Agg::NAMES {
        assert!(
            metrics.contains(&format!("`{agg}`")),
            "aggregation `{agg}` is not documented"
        );
    }
    for (title, keys) in [
        ("Domain keys", DOMAIN_KEYS),
        ("Entity keys", ENTITY_KEYS),
        ("Attribute keys", ATTRIBUTE_KEYS),
    ] {
        let s = section(title);
        for key in keys {
            assert!(
                s.contains(&format!("\n### `{key}`")),
                "docs/spec-reference.md, section {title}, lacks `### `{key}``"
            );
        }
    }
    let expressions = section("Expressions");
    for (name, ..) in lab::ir::expr::Func::ALL {
        assert!(
            expressions.contains(&format!("`{name}(")),
            "function `{name}` is not documented"
        );
    }
    for (name, _) in lab::ir::FakeKind::ALL {
        assert!(
            reference.contains(&format!("`{name}`")),
            "faker `{name}` is not documented"
        );
    }
    for name in lab::ir::Type::NAMES {
        assert!(
            reference.contains(&format!("`{name}`")),
            "type `{name}` is not documented"
        );
    }
}

#[test]
fn large_choices_check_in_linear_time() {
    // 200,000 choice values: the duplicate check once compared every value with every other.
    let mut text = String::from(
        "domain: shop\nentities:\n  items:\n    rows: 10\n    primary_key: id\n    attributes:\n      id: { type: int64, key: sequence }\n      code:\n        type: string\n        choice:\n",
    );
    for i in 0..200_000 {
        text.push_str(&format!("          - v{i}\n"));
    }
    let t = Instant::now();
    let checked = lab::check_texts(&[("shop.yaml", &text)]);
    let took = t.elapsed();
    assert!(!checked.has_errors(), "{}", checked.render(false));
    assert!(took < QUICK, "200,000 choice values took {took:?}");

    // A duplicate among them is still found, at the second occurrence.
    let text = text.replace("- v199999\n", "- v7\n");
    let checked = lab::check_texts(&[("shop.yaml", &text)]);
    assert_eq!(codes_of(&checked.diagnostics), [codes::DUPLICATE_NAME]);
    let span = checked.diagnostics[0].span.expect("located");
    assert_eq!(span.line, 200_010);
}

/// Every file under `dir` with its bytes, by path relative to `dir`.
fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read output dir") {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).expect("under dir").to_path_buf();
                out.push((rel, std::fs::read(&p).expect("read output file")));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn spelling_of_the_specs_path_does_not_change_documents() {
    let base = std::env::temp_dir().join(format!("lab-frontend-specs-path-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let mut trees = Vec::new();
    for (k, specs) in ["specs", "./specs", "specs/../specs"].iter().enumerate() {
        let out = base.join(format!("out{k}"));
        let run = common::lab(&[
            "compile",
            "--docs-only",
            "--out",
            &out.to_string_lossy(),
            "--specs",
            specs,
        ]);
        assert!(
            run.status.success(),
            "--specs {specs}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        trees.push(tree(&out));
    }
    let _ = std::fs::remove_dir_all(&base);
    assert!(!trees[0].is_empty());
    for t in &trees[1..] {
        let names = |t: &[(PathBuf, Vec<u8>)]| t.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
        assert_eq!(names(t), names(&trees[0]));
        for (a, b) in t.iter().zip(&trees[0]) {
            assert!(a.1 == b.1, "`{}` differs", a.0.display());
        }
    }
}
