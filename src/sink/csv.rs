//! CSV output (RFC 4180): a header row, values quoted only where needed, ISO-8601 dates and
//! millisecond timestamps, empty fields for nulls. Batches are encoded to text on the workers;
//! the file writer only appends.

use super::format::{Encoded, FileOut, FileWriter, Format, foreign_batch};
use crate::arrow::datatypes::SchemaRef;
use crate::arrow::record_batch::RecordBatch;
use std::io::{self, Write};

/// CSV for one entity.
pub struct Csv {
    header: Vec<u8>,
}

impl Csv {
    pub fn new(schema: &SchemaRef) -> Csv {
        // Identifiers are `[a-z][a-z0-9_]*`, so the header needs no quoting.
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        Csv {
            header: format!("{}\n", names.join(",")).into_bytes(),
        }
    }
}

impl Format for Csv {
    fn name(&self) -> &'static str {
        "csv"
    }

    fn encode(&self, batch: &RecordBatch) -> io::Result<Encoded> {
        let mut buf = Vec::with_capacity(batch.num_rows() * 64);
        {
            let mut w = crate::arrow::csv::WriterBuilder::new()
                .with_header(false)
                .with_date_format("%Y-%m-%d".into())
                .with_timestamp_format("%Y-%m-%dT%H:%M:%S%.3f".into())
                .build(&mut buf);
            w.write(batch).map_err(io::Error::other)?;
        }
        Ok(Box::new(buf))
    }

    fn begin(&self, mut out: FileOut) -> io::Result<Box<dyn FileWriter>> {
        out.write_all(&self.header)?;
        Ok(Box::new(CsvFile(out)))
    }
}

struct CsvFile(FileOut);

impl FileWriter for CsvFile {
    fn append(&mut self, batch: Encoded) -> io::Result<()> {
        let bytes = batch
            .downcast::<Vec<u8>>()
            .map_err(|_| foreign_batch("csv"))?;
        self.0.write_all(&bytes)
    }

    fn finish(self: Box<Self>) -> io::Result<(u64, String)> {
        self.0.finish()
    }
}
