//! The analytics report's builder, `dbt/report/build_report.py`: a Python program (DuckDB and
//! the standard library only) that turns a lake's gold marts, metric views and analytics tables
//! into one self-contained HTML page of dashboards (see docs/analytics.md, "Dashboards"). It is
//! a fixed file, written from `tools/report/build_report.py` at build time, and emitted only for
//! specs that declare marts: the dashboards read gold tables by their `curated/<mart>/<table>/`
//! folders and say on the page which ones a lake lacks, so the engine stays generic.

use super::Artifact;
use crate::ir::Ir;

/// Where the builder lands in the output directory.
pub const PATH: &str = "dbt/report/build_report.py";

/// The builder's text.
pub const BUILDER: &str = include_str!("../../tools/report/build_report.py");

/// The builder, for specs with marts; nothing otherwise.
pub fn files(ir: &Ir) -> Vec<Artifact> {
    if ir.marts.marts.is_empty() {
        return Vec::new();
    }
    vec![Artifact::new(PATH, BUILDER)]
}
