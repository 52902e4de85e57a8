//! The front end alone: load the specs and resolve them into the IR, with every diagnostic
//! (what `lab check` runs, and the first stage of `lab compile`).

use crate::diagnostics::{self, Diagnostic, SourceMap};
use crate::{resolve, spec};
use std::path::Path;

/// The result of the front end: the IR when the specs are valid, every diagnostic, and the
/// sources needed to render them.
pub struct Checked {
    pub ir: Option<crate::ir::Ir>,
    pub diagnostics: Vec<Diagnostic>,
    pub sources: SourceMap,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// All diagnostics rendered as plain text (what `lab check` prints without a terminal).
    pub fn render(&self, color: bool) -> String {
        diagnostics::render_all(&self.diagnostics, &self.sources, color)
    }
}

/// Loads and resolves every spec in `dir`: the whole front end.
pub fn check(dir: &Path) -> Checked {
    let mut diags = Vec::new();
    let specs = spec::load(dir, &mut diags);
    finish_check(specs, diags)
}

/// The front end over in-memory spec texts `(file name, text)`; used by tests and the fuzzer.
pub fn check_texts(files: &[(&str, &str)]) -> Checked {
    let mut diags = Vec::new();
    let specs = spec::load_texts(files, &mut diags);
    finish_check(specs, diags)
}

fn finish_check(specs: spec::Specs, mut diags: Vec<Diagnostic>) -> Checked {
    let ir = if specs.files.is_empty() {
        None
    } else {
        resolve::resolve(&specs, &mut diags)
    };
    let ir = if diags.iter().any(Diagnostic::is_error) {
        None
    } else {
        ir
    };
    diagnostics::sort(&mut diags);
    Checked {
        ir,
        diagnostics: diags,
        sources: specs.sources,
    }
}
