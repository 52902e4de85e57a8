//! Fuzz target for the whole front end: arbitrary bytes → spec files → `lab::check_texts`
//! (YAML loading, lowering, name and type resolution, graph checks), then rendering every
//! diagnostic and dumping the IR when there is one. Any panic is a bug: the front end must
//! answer every input with diagnostics. A NUL byte separates spec files, so one input can
//! describe several domains (cross-domain references and cycles).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let texts: Vec<String> = data
        .split(|b| *b == 0)
        .take(4)
        .map(|part| match std::str::from_utf8(part) {
            Ok(s) => s.to_string(),
            Err(_) => String::from_utf8_lossy(part).into_owned(),
        })
        .collect();
    let names = ["a.yaml", "b.yaml", "c.yaml", "d.yaml"];
    let files: Vec<(&str, &str)> = names
        .iter()
        .zip(&texts)
        .map(|(n, t)| (*n, t.as_str()))
        .collect();
    let checked = lab::check_texts(&files);
    let _ = checked.render(true);
    if let Some(ir) = &checked.ir {
        let _ = lab::ir::dump::dump(ir);
    }
});
