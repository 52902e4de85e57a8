//! The crate's layers run in one direction (in the spirit of rust-analyzer's tidy tests): each
//! top-level module of `src/` may name only modules of lower layers, so a stage never reaches
//! into a later one. The test reads every `crate::<module>` path in the source (in `use` lines
//! and inline), so adding an upward import fails here with the file and line.

use crate::common::root;
use std::path::Path;

/// Top-level modules by layer, lowest first. A module may use modules of strictly lower layers
/// only; modules of one layer are independent of each other.
const LAYERS: &[&[&str]] = &[
    // Leaves: the diagnostic catalogue, number parsing, the codec choice, the grading
    // measures, S3 and Glue, the Arrow re-exports; then diagnostics rendering, hashing,
    // measured-profile types.
    &["codes", "number", "codec", "score", "aws", "arrow"],
    &["diagnostics", "hash", "profile"],
    // The two models: the spec AST and the IR (the IR does not know the AST).
    &["spec", "ir"],
    // The defects a source system's export can carry (pure functions of a value and a key),
    // beneath the resolver that checks their names.
    &["defects"],
    // AST → IR.
    &["resolve"],
    // From the IR: documents; the per-entity layout as plain data; the front end as one call
    // (load and resolve, `lab check`).
    &["emit", "layout", "frontend"],
    // The evaluator, beneath both planning and generation.
    &["eval"],
    &["plan"],
    // Generation of the truth; the silo export transform of a clean batch (beside it).
    &["generate", "export"],
    // Files: the lake's formats; the owned output directory.
    &["sink", "output"],
    // The library API and the grading of a submission against a lake (both read files),
    // then the command line.
    &["pipeline", "grade"],
    &["cli"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// `(module, file, line number, used module)` for every `crate::x` in `src/`.
fn uses() -> Vec<(String, String, usize, String)> {
    let src = root().join("src");
    let mut out = Vec::new();
    for file in rust_files(&src) {
        let rel = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let module = rel
            .split('/')
            .next()
            .unwrap()
            .trim_end_matches(".rs")
            .to_string();
        let text = std::fs::read_to_string(&file).unwrap();
        for (line, used) in crate_paths(&text) {
            out.push((module.clone(), rel.clone(), line, used));
        }
    }
    out
}

/// `(line number, module)` of every `crate::<module>` outside comments.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let mut rest = line.split("//").next().unwrap_or("");
        while let Some(p) = rest.find("crate::") {
            rest = &rest[p + "crate::".len()..];
            let used: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !used.is_empty() {
                out.push((i + 1, used));
            }
        }
    }
    out
}

/// Whether `module` may use `used`.
fn allowed(module: &str, used: &str) -> bool {
    match (layer_of(module), layer_of(used)) {
        (Some(from), Some(to)) => used == module || to < from,
        _ => true,
    }
}

fn rust_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            v.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            v.push(p);
        }
    }
    v.sort();
    v
}

#[test]
fn every_module_is_placed_in_a_layer() {
    let mut missing: Vec<String> = Vec::new();
    for e in std::fs::read_dir(root().join("src")).unwrap().flatten() {
        let name = e
            .file_name()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_string();
        if name != "lib" && name != "main" && layer_of(&name).is_none() {
            missing.push(name);
        }
    }
    assert!(
        missing.is_empty(),
        "modules without a layer in tests/it/architecture.rs: {missing:?}"
    );
}

#[test]
fn no_module_uses_a_later_stage() {
    let mut violations = Vec::new();
    let mut checked = 0;
    for (module, file, line, used) in uses() {
        checked += 1;
        if !allowed(&module, &used) {
            violations.push(format!("src/{file}:{line}: `{module}` uses `{used}`"));
        }
    }
    assert!(
        checked > 100,
        "only {checked} crate paths found: is the scan broken?"
    );
    assert!(
        violations.is_empty(),
        "imports against the direction of the stages:\n{}",
        violations.join("\n")
    );
}

/// The scan and the rule themselves: an upward path is found and refused, a downward one
/// allowed, comments ignored.
#[test]
fn the_scan_finds_an_upward_import() {
    let text = "use crate::ir::Ir;\n// crate::cli is only mentioned\nlet b = crate::generate::chunk(p, e, 0, 1);\n";
    let found = crate_paths(text);
    assert_eq!(found, [(1, "ir".to_string()), (3, "generate".to_string())]);
    assert!(!allowed("plan", "generate"));
    assert!(!allowed("ir", "spec"));
    assert!(!allowed("spec", "ir"));
    assert!(allowed("generate", "eval"));
    assert!(allowed("cli", "pipeline"));
}
