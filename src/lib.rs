//! `lab` compiles declarative YAML domain specs into a referentially consistent synthetic data
//! lake (Parquet and CSV), a data dictionary, ERDs and Athena/Glue DDL.
//!
//! The pipeline has one representation per stage and one public function per transition:
//!
//! ```text
//! specs/*.yaml --spec::load--> spec AST --resolve::resolve--> IR --plan::plan--> Layout
//!   Layout + eval --generate--> Arrow record batches --sink--> lake files + manifest
//!   IR --emit::*--> dictionary, ERDs, DDL, Glue tables
//! ```
//!
//! [`compile`] runs the whole pipeline for a [`Config`] and publishes lake and documents in
//! one atomic switch of the output directory ([`output`]); it prints nothing and reports to
//! an [`Observer`]. [`check`] is the front end alone. See `docs/architecture.md` for the code
//! map, the layers and the invariants.

#[cfg(feature = "s3")]
pub mod aws;
pub mod cli;
pub mod codec;
pub mod codes;
pub mod defects;
pub mod diagnostics;
pub mod emit;
pub mod eval;
pub mod export;
pub mod generate;
pub mod grade;
pub(crate) mod hash;
pub mod ir;
pub mod layout;
pub(crate) mod number;
pub mod output;
pub mod pipeline;
pub mod plan;
pub mod profile;
pub(crate) mod resolve;
pub mod score;
pub mod sink;
pub mod spec;

pub use pipeline::{
    Config, Error, Freshness, Observer, Outcome, Silent, check_documents, compile, schema,
    write_schema,
};

use diagnostics::{Diagnostic, SourceMap};
use std::path::Path;

/// The result of the front end: the IR when the specs are valid, every diagnostic, and the
/// sources needed to render them.
pub struct Checked {
    pub ir: Option<ir::Ir>,
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
