//! `lab score`: grades a user's matching and cleaning pipeline against a lake's answer key.
//! [`grade`] reads the submission directory (the contract is `docs/scoring.md`: a
//! `clusters` table, cleaned exports under `clean/<system>/<entity>`, golden tables under
//! `unified/<entity>`, each Parquet or CSV), the lake (manifest, truth, raw exports, answer
//! key) and the specs the lake was compiled from, and returns a [`Report`]: entity resolution
//! per entity, cleaning per export and column, completeness, and reconciliations with the
//! truth. The measures themselves are the pure functions of `crate::score`. Every problem
//! with the input is an error message naming the file (and column); nothing panics.

mod clean;
mod clusters;
mod lake;
mod read;
mod render;
mod unified;
mod values;

pub use render::text;

use crate::arrow::datatypes::DataType;
use crate::score::{PairCounts, Prf};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What to grade: the submission directory, the lake, and the specs it was compiled from.
pub struct Request {
    pub submission: PathBuf,
    pub lake: PathBuf,
    pub specs: PathBuf,
}

/// The version of the report's JSON schema (`docs/scoring.md`).
pub const SCHEMA_VERSION: u32 = 1;

/// Everything `lab score` found, in a stable order.
#[derive(Serialize, Debug)]
pub struct Report {
    pub schema_version: u32,
    pub lake: String,
    pub submission: String,
    pub clusters: Vec<ClusterScore>,
    pub clean: Vec<CleanScore>,
    pub unified: Vec<UnifiedScore>,
}

/// Precision, recall and F1; `null` when undefined.
#[derive(Serialize, Debug, Clone, Copy)]
pub struct Prf3 {
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
}

impl From<Prf> for Prf3 {
    fn from(p: Prf) -> Prf3 {
        Prf3 {
            precision: p.precision,
            recall: p.recall,
            f1: p.f1,
        }
    }
}

/// Pair counts with their precision, recall and F1.
#[derive(Serialize, Debug)]
pub struct PairScore {
    pub true_positive: u64,
    pub predicted: u64,
    pub actual: u64,
    #[serde(flatten)]
    pub prf: Prf3,
}

impl From<PairCounts> for PairScore {
    fn from(c: PairCounts) -> PairScore {
        PairScore {
            true_positive: c.true_positive,
            predicted: c.predicted,
            actual: c.actual,
            prf: Prf3::from(c.prf()),
        }
    }
}

/// A count with its first examples.
#[derive(Serialize, Debug)]
pub struct Examples {
    pub count: u64,
    pub examples: Vec<String>,
}

/// Entity resolution of one entity.
#[derive(Serialize, Debug)]
pub struct ClusterScore {
    pub entity: String,
    /// Records of the crosswalk.
    pub records: u64,
    /// Of those, listed by the user.
    pub listed: u64,
    /// Not listed: each counts as a cluster of its own.
    pub unlisted: u64,
    /// Records listed more than once (the first row counts).
    pub repeated: u64,
    /// Listed records the crosswalk lacks (`system/record_key`).
    pub unknown: Examples,
    pub pairs: PairScore,
    pub cross_system_pairs: PairScore,
    pub bcubed: Prf3,
}

/// Completeness of a table's record keys.
#[derive(Serialize, Debug)]
pub struct Completeness {
    pub expected: u64,
    pub found: u64,
    pub missing: u64,
    pub extra: u64,
    pub repeated: u64,
}

impl From<&crate::score::Completeness> for Completeness {
    fn from(c: &crate::score::Completeness) -> Completeness {
        Completeness {
            expected: c.expected,
            found: c.found,
            missing: c.missing,
            extra: c.extra,
            repeated: c.repeated,
        }
    }
}

/// Cleaning of one column (or, as `total`, of the whole table).
#[derive(Serialize, Debug)]
pub struct ColumnScore {
    pub column: String,
    /// Whether the user's table has the column.
    pub submitted: bool,
    pub cells: u64,
    pub defective: u64,
    pub changed: u64,
    pub detected: u64,
    pub fixed: u64,
    pub broken: u64,
    pub correction: Prf3,
    pub detection: Prf3,
}

impl ColumnScore {
    fn new(column: &str, submitted: bool, c: &crate::score::CellCounts) -> ColumnScore {
        ColumnScore {
            column: column.to_string(),
            submitted,
            cells: c.cells,
            defective: c.defective,
            changed: c.changed,
            detected: c.detected,
            fixed: c.fixed,
            broken: c.broken,
            correction: Prf3::from(c.correction()),
            detection: Prf3::from(c.detection()),
        }
    }
}

/// Cleaning of one export.
#[derive(Serialize, Debug)]
pub struct CleanScore {
    pub system: String,
    pub entity: String,
    pub file: String,
    pub completeness: Completeness,
    pub columns: Vec<ColumnScore>,
    pub total: ColumnScore,
    /// The planted cells per defect kind, by kind name.
    pub by_defect: Vec<DefectScore>,
    /// The record-level defects of the records log in this export (duplicates, orphans,
    /// late rows, drift), by kind: what completeness and the clusters have to explain.
    pub records: Vec<KindCount>,
}

/// A number of planted record-level defects of one kind.
#[derive(Serialize, Debug)]
pub struct KindCount {
    pub kind: String,
    pub count: u64,
}

/// The planted cells of one defect kind in one export.
#[derive(Serialize, Debug)]
pub struct DefectScore {
    pub defect: String,
    /// Cells of the log with this kind.
    pub planted: u64,
    /// Of those, cells whose clean and dirty values differ as the truth represents them.
    pub defective: u64,
    pub detected: u64,
    pub fixed: u64,
}

/// A value of the truth beside the user's, with the errors.
#[derive(Serialize, Debug, Clone, Copy)]
pub struct Reconciled {
    pub truth: f64,
    pub user: f64,
    /// user − truth.
    pub abs_error: f64,
    /// (user − truth) / |truth|; `null` when the truth is 0.
    pub rel_error: Option<f64>,
}

impl Reconciled {
    fn new(truth: f64, user: f64) -> Reconciled {
        // Sums of floating-point numbers differ in their last bits: below a billionth of
        // the truth, the difference is none.
        let raw = user - truth;
        let abs_error = if raw.abs() <= 1e-9 * truth.abs().max(1.0) {
            0.0
        } else {
            raw
        };
        Reconciled {
            truth,
            user,
            abs_error,
            rel_error: (truth != 0.0).then(|| abs_error / truth.abs()),
        }
    }
}

/// A measure's total in one calendar month.
#[derive(Serialize, Debug)]
pub struct MonthTotal {
    /// `YYYY-MM`.
    pub month: String,
    #[serde(flatten)]
    pub value: Reconciled,
}

/// One decimal or double column reconciled.
#[derive(Serialize, Debug)]
pub struct Measure {
    pub column: String,
    pub total: Reconciled,
    pub by_month: Vec<MonthTotal>,
}

/// Reconciliations of one golden table.
#[derive(Serialize, Debug)]
pub struct UnifiedScore {
    pub entity: String,
    pub file: String,
    pub rows: Reconciled,
    /// The date or timestamp column months are taken from (`null`: none, or the user's
    /// table lacks it).
    pub month_column: Option<String>,
    /// Measures of the truth the user's table lacks.
    pub missing_columns: Vec<String>,
    pub measures: Vec<Measure>,
}

/// Whether a column of this type can hold record keys (compared as text).
fn is_key_type(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32
            | DataType::UInt64
    )
}

/// The submission's tables: `<dir>/<stem>.parquet` or `.csv` (an error when both exist).
fn table_file(dir: &Path, stem: &str) -> Result<Option<PathBuf>, String> {
    let p = dir.join(format!("{stem}.parquet"));
    let c = dir.join(format!("{stem}.csv"));
    match (p.is_file(), c.is_file()) {
        (true, true) => Err(format!(
            "both `{}` and `{}` exist: keep one",
            p.display(),
            c.display()
        )),
        (true, false) => Ok(Some(p)),
        (false, true) => Ok(Some(c)),
        (false, false) => Ok(None),
    }
}

/// The stems of the `.parquet` and `.csv` files of `dir`, sorted and distinct.
fn stems(dir: &Path) -> Result<Vec<String>, String> {
    let mut v = Vec::new();
    if !dir.is_dir() {
        return Ok(v);
    }
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list `{}`: {e}", dir.display()))?;
    for e in entries.flatten() {
        let p = e.path();
        let ext = p.extension().and_then(|x| x.to_str());
        if p.is_file()
            && matches!(ext, Some("parquet" | "csv"))
            && let Some(s) = p.file_stem().and_then(|s| s.to_str())
        {
            v.push(s.to_string());
        }
    }
    v.sort();
    v.dedup();
    Ok(v)
}

/// The subfolders of `dir`, sorted.
fn folders(dir: &Path) -> Result<Vec<String>, String> {
    let mut v = Vec::new();
    if !dir.is_dir() {
        return Ok(v);
    }
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list `{}`: {e}", dir.display()))?;
    for e in entries.flatten() {
        if e.path().is_dir() {
            v.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    v.sort();
    Ok(v)
}

/// Grades the submission of `req`.
pub fn grade(req: &Request) -> Result<Report, String> {
    let sub = &req.submission;
    if !sub.is_dir() {
        return Err(format!(
            "the submission `{}` is not a directory",
            sub.display()
        ));
    }
    let lake = lake::Lake::open(&req.lake, &req.specs)?;
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        lake: lake.dir.display().to_string(),
        submission: sub.display().to_string(),
        clusters: Vec::new(),
        clean: Vec::new(),
        unified: Vec::new(),
    };
    if let Some(p) = table_file(sub, "clusters")? {
        report.clusters = clusters::score(&lake, &read::user_table(&p)?)?;
    }
    for system in folders(&sub.join("clean"))? {
        let dir = sub.join("clean").join(&system);
        for entity in stems(&dir)? {
            if let Some(p) = table_file(&dir, &entity)? {
                let t = read::user_table(&p)?;
                report
                    .clean
                    .push(clean::score(&lake, &system, &entity, &t)?);
            }
        }
    }
    for entity in stems(&sub.join("unified"))? {
        if let Some(p) = table_file(&sub.join("unified"), &entity)? {
            let t = read::user_table(&p)?;
            report.unified.push(unified::score(&lake, &entity, &t)?);
        }
    }
    if report.clusters.is_empty() && report.clean.is_empty() && report.unified.is_empty() {
        return Err(format!(
            "the submission `{}` holds nothing to score: expected `clusters.parquet|csv`, \
             `clean/<system>/<entity>.parquet|csv` or `unified/<entity>.parquet|csv` \
             (see docs/scoring.md)",
            sub.display()
        ));
    }
    Ok(report)
}
