//! The engine's layering, read from the source: every `crate::<module>` path in the engine's
//! modules names a module beneath it. spec → resolve → ir → layout → eval → generate, with
//! `plan` building the layout (it may run the evaluator) and `hash` a leaf everyone may use.

use crate::common::root;
use std::collections::BTreeSet;
use std::path::Path;

/// The top-level modules a file's code refers to as `crate::<name>` (comments skipped).
fn crate_refs(file: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(file).expect("read source");
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or_default();
        for part in code.split("crate::").skip(1) {
            let name: String = part
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // Items of the crate root (`crate::check_texts` in unit tests) are not modules.
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                out.insert(name);
            }
        }
    }
    out
}

/// Every `.rs` file of a module (a file or a directory).
fn files(module: &str) -> Vec<std::path::PathBuf> {
    let src = root().join("src");
    let single = src.join(format!("{module}.rs"));
    if single.exists() {
        return vec![single];
    }
    let mut v: Vec<_> = std::fs::read_dir(src.join(module))
        .expect("module directory")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    v.sort();
    v
}

#[test]
fn engine_modules_only_import_modules_beneath_them() {
    let allowed: &[(&str, &[&str])] = &[
        ("hash", &[]),
        ("layout", &["ir"]),
        ("eval", &["ir", "layout", "hash", "codes", "diagnostics"]),
        ("generate", &["ir", "layout", "eval"]),
        (
            "plan",
            &[
                "ir",
                "layout",
                "eval",
                "hash",
                "codes",
                "diagnostics",
                "resolve",
                "check_texts",
            ],
        ),
    ];
    let mut problems = Vec::new();
    for (module, ok) in allowed {
        for f in files(module) {
            for r in crate_refs(&f) {
                if r != *module && !ok.contains(&r.as_str()) {
                    problems.push(format!("{} uses crate::{r}", f.display()));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The scan sees the references that are there.
    let plan = crate_refs(&root().join("src/plan/mod.rs"));
    assert!(plan.contains("layout") && plan.contains("eval"), "{plan:?}");
}
