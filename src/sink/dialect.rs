//! Text exports of source systems: CSV in the system's dialect (delimiter, quote, header, null
//! token, encoding) and JSON Lines. Both write a batch the export transform
//! ([`crate::export`]) produced; columns it left typed are written as the clean CSV writes them
//! (`1234.50`, `true`). Batches are encoded to bytes on the workers; the file writer only
//! appends (after the byte-order mark and the header, for CSV).

use super::format::{Encoded, FileOut, FileWriter, Format, foreign_batch};
use crate::ir::export::{Carried, CsvDialect, Encoding};
use arrow::array::Array;
use arrow::datatypes::{DataType, SchemaRef};
use arrow::record_batch::RecordBatch;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use std::io::{self, Write};

/// A system's CSV for one entity.
pub struct DialectCsv {
    dialect: CsvDialect,
    /// The BOM (when the encoding has one) and the header line, encoded.
    preamble: Vec<u8>,
}

impl DialectCsv {
    pub fn new(schema: &SchemaRef, dialect: &CsvDialect) -> DialectCsv {
        let mut csv = DialectCsv {
            dialect: dialect.clone(),
            preamble: Vec::new(),
        };
        if dialect.encoding == Encoding::Utf8Bom {
            csv.preamble.extend_from_slice(b"\xEF\xBB\xBF");
        }
        if dialect.header {
            // Column names are quoted like values: a delimiter such as `_` or a letter can
            // occur in them.
            let mut line = String::new();
            for (i, f) in schema.fields().iter().enumerate() {
                if i > 0 {
                    line.push(char::from(dialect.delimiter));
                }
                csv.field(&mut line, Some(f.name()));
            }
            line.push('\n');
            csv.preamble.extend_from_slice(line.as_bytes());
        }
        csv
    }

    fn field(&self, out: &mut String, value: Option<&str>) {
        let d = &self.dialect;
        let Some(v) = value else {
            out.push_str(&d.null);
            return;
        };
        let (delim, quote) = (char::from(d.delimiter), char::from(d.quote));
        // With an escape character, a field holding it is quoted too, so that a reader meets
        // it only inside quotes, before the character it escapes.
        let escape = d.escape.map(char::from);
        let needs = v == d.null
            || v.contains([delim, quote, '\n', '\r'])
            || escape.is_some_and(|e| v.contains(e));
        if !needs {
            out.push_str(v);
            return;
        }
        out.push(quote);
        for c in v.chars() {
            match escape {
                Some(e) if c == quote || c == e => out.push(e),
                None if c == quote => out.push(quote),
                _ => {}
            }
            out.push(c);
        }
        out.push(quote);
    }
}

/// Every column of a batch as text (`None` for a null), row by row through `f`.
pub(super) fn for_each_row(
    batch: &RecordBatch,
    mut f: impl FnMut(usize, &[Option<String>]),
) -> io::Result<()> {
    let opts = FormatOptions::default().with_null("");
    let fmts = batch
        .columns()
        .iter()
        .map(|c| ArrayFormatter::try_new(c.as_ref(), &opts))
        .collect::<Result<Vec<_>, _>>()
        .map_err(io::Error::other)?;
    let mut row: Vec<Option<String>> = vec![None; batch.num_columns()];
    for r in 0..batch.num_rows() {
        for (k, (c, fmt)) in batch.columns().iter().zip(&fmts).enumerate() {
            row[k] = (!c.is_null(r)).then(|| fmt.value(r).to_string());
        }
        f(r, &row);
    }
    Ok(())
}

impl Format for DialectCsv {
    fn name(&self) -> &'static str {
        "csv"
    }

    fn encode(&self, batch: &RecordBatch) -> io::Result<Encoded> {
        let mut text = String::with_capacity(batch.num_rows() * 64);
        let delim = char::from(self.dialect.delimiter);
        for_each_row(batch, |_, row| {
            for (k, v) in row.iter().enumerate() {
                if k > 0 {
                    text.push(delim);
                }
                self.field(&mut text, v.as_deref());
            }
            text.push('\n');
        })?;
        Ok(Box::new(encode_text(text, self.dialect.encoding)))
    }

    fn begin(&self, mut out: FileOut) -> io::Result<Box<dyn FileWriter>> {
        out.write_all(&self.preamble)?;
        Ok(Box::new(TextFile(out)))
    }
}

/// The bytes of `text` in `encoding`; Latin-1 writes `?` for a character it cannot hold.
pub fn encode_text(text: String, encoding: Encoding) -> Vec<u8> {
    match encoding {
        Encoding::Utf8 | Encoding::Utf8Bom => text.into_bytes(),
        Encoding::Latin1 => text
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
            .collect(),
    }
}

/// JSON Lines for one entity: one object per row, keys in column order, nulls as `null`;
/// numbers and booleans the export carries typed are bare, everything else a string.
pub struct JsonLines {
    names: Vec<String>,
    bare: Vec<bool>,
}

impl JsonLines {
    pub fn new(schema: &SchemaRef, carried: &[Carried]) -> JsonLines {
        let names = schema
            .fields()
            .iter()
            .map(|f| json_string(f.name()))
            .collect();
        let bare = schema
            .fields()
            .iter()
            .zip(carried)
            .map(|(f, c)| {
                *c == Carried::Int64
                    || (*c == Carried::Typed
                        && (f.data_type().is_numeric() || *f.data_type() == DataType::Boolean))
            })
            .collect();
        JsonLines { names, bare }
    }
}

pub(super) fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl Format for JsonLines {
    fn name(&self) -> &'static str {
        "jsonl"
    }

    fn encode(&self, batch: &RecordBatch) -> io::Result<Encoded> {
        let mut text = String::with_capacity(batch.num_rows() * 128);
        for_each_row(batch, |_, row| {
            text.push('{');
            for (k, v) in row.iter().enumerate() {
                if k > 0 {
                    text.push(',');
                }
                text.push_str(&self.names[k]);
                text.push(':');
                match v {
                    None => text.push_str("null"),
                    Some(v) if self.bare[k] => text.push_str(v),
                    Some(v) => text.push_str(&json_string(v)),
                }
            }
            text.push_str("}\n");
        })?;
        Ok(Box::new(text.into_bytes()))
    }

    fn begin(&self, out: FileOut) -> io::Result<Box<dyn FileWriter>> {
        Ok(Box::new(TextFile(out)))
    }
}

pub(super) struct TextFile(pub(super) FileOut);

impl FileWriter for TextFile {
    fn append(&mut self, batch: Encoded) -> io::Result<()> {
        let bytes = batch
            .downcast::<Vec<u8>>()
            .map_err(|_| foreign_batch("text"))?;
        self.0.write_all(&bytes)
    }

    fn finish(self: Box<Self>) -> io::Result<(u64, String)> {
        self.0.finish()
    }
}
