//! Small Parquet files written outside the sink's chunked path: the increments' tables, their
//! history and answer key (`super::increments`) and the systems' deliveries
//! (`super::deliveries`), one `part-00000.parquet` per directory.

use super::{EntityReport, Error};
use crate::arrow::array::RecordBatch;
use parquet::arrow::ArrowWriter;
use std::path::Path;

/// A write error of `path` from any error type (Arrow, Parquet, I/O).
pub(super) fn io(path: &Path, e: &dyn std::fmt::Display) -> Error {
    Error::Output(crate::output::OutputError::Io {
        path: path.to_path_buf(),
        action: "write",
        source: std::io::Error::other(e.to_string()),
    })
}

/// Writes `batches` (one schema) as `dir/part-00000.parquet`.
pub(super) fn write_file(
    dir: &Path,
    batches: &[RecordBatch],
    report: &mut EntityReport,
) -> Result<(), Error> {
    let Some(first) = batches.first() else {
        return Ok(());
    };
    std::fs::create_dir_all(dir).map_err(|x| io(dir, &x))?;
    let path = dir.join("part-00000.parquet");
    let file = std::fs::File::create(&path).map_err(|x| io(&path, &x))?;
    let mut w = ArrowWriter::try_new(file, first.schema(), None).map_err(|x| io(&path, &x))?;
    for b in batches {
        w.write(b).map_err(|x| io(&path, &x))?;
        report.rows += b.num_rows() as u64;
    }
    w.close().map_err(|x| io(&path, &x))?;
    report.files += 1;
    report.bytes += std::fs::metadata(&path).map_or(0, |m| m.len());
    Ok(())
}
