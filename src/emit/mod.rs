//! The emit stage: pure functions from the IR (plus row counts, and measured statistics when
//! data was generated) to text artifacts: the data dictionary, Mermaid and Graphviz ERDs,
//! Athena DDL and Glue TableInput documents. Emitters do no IO; the CLI writes the files.

use crate::ir::Ir;

/// One emitted file: a path relative to the output directory, and its contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
    pub path: String,
    pub contents: String,
}

/// What the emitters need besides the IR.
#[derive(Clone, Debug)]
pub struct EmitOptions {
    /// S3 bucket for table locations (`s3://<bucket>/raw/<domain>/<entity>/`).
    pub bucket: String,
    pub scale: f64,
    pub seed: u64,
    /// Exact row count of every entity at `scale`, indexed by entity id.
    pub rows: Vec<u64>,
}

/// Measured statistics of generated data, indexed like the IR's entities and attributes.
#[derive(Clone, Debug, Default)]
pub struct DataStats {
    pub entities: Vec<EntityStats>,
}

#[derive(Clone, Debug, Default)]
pub struct EntityStats {
    pub rows: u64,
    pub files: usize,
    pub bytes: u64,
    pub columns: Vec<ColumnStats>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ColumnStats {
    pub nulls: u64,
    /// Distinct non-null values (exact while `distinct_exact`).
    pub distinct: u64,
    pub distinct_exact: bool,
    /// Smallest and largest non-null value, formatted as in CSV output.
    pub min: Option<String>,
    pub max: Option<String>,
}

/// Every spec-derived artifact (deterministic for given specs and options).
pub fn emit_all(ir: &Ir, opts: &EmitOptions) -> Vec<Artifact> {
    let _ = (ir, opts);
    Vec::new()
}

/// The measured data profile pages (only when data was generated).
pub fn profile(ir: &Ir, opts: &EmitOptions, stats: &DataStats) -> Vec<Artifact> {
    let _ = (ir, opts, stats);
    Vec::new()
}
