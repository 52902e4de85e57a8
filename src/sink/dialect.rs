//! Text exports of source systems: CSV in the system's dialect (delimiter, quote, header, null
//! token, encoding) and JSON Lines. Both write a batch the export transform
//! ([`crate::export`]) produced; columns it left typed are written as the clean CSV writes them
//! (`1234.50`, `true`). Batches are encoded to bytes on the workers; the file writer only
//! appends (after the byte-order mark and the header, for CSV).

use super::format::{Encoded, FileOut, FileWriter, Format, foreign_batch};
use crate::arrow::array::{Array, ArrayRef, StringArray};
use crate::arrow::datatypes::{DataType, SchemaRef};
use crate::arrow::record_batch::RecordBatch;
use crate::arrow::util::display::{ArrayFormatter, FormatOptions};
use crate::ir::export::{Carried, CsvDialect, Encoding};
use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The bytes per row the last encoded batch of a text format took, so that the next batch's
/// buffer is allocated once at about its final size rather than grown (and copied) several
/// times. Only an allocation size: the encoded bytes do not depend on it.
pub(super) struct RowBytes(AtomicUsize);

impl RowBytes {
    pub(super) fn new(guess: usize) -> RowBytes {
        RowBytes(AtomicUsize::new(guess))
    }

    /// A buffer for `rows` rows.
    pub(super) fn buffer(&self, rows: usize) -> String {
        let per_row = self.0.load(Ordering::Relaxed);
        String::with_capacity(rows.saturating_mul(per_row + per_row / 8 + 1))
    }

    /// Remembers what `rows` rows took.
    pub(super) fn record(&self, text: &str, rows: usize) {
        if let Some(per_row) = text.len().checked_div(rows) {
            self.0.store(per_row, Ordering::Relaxed);
        }
    }
}

/// A system's CSV for one entity.
pub struct DialectCsv {
    dialect: CsvDialect,
    /// The column names of the export's schema.
    names: Vec<String>,
    /// The BOM (when the encoding has one).
    bom: &'static [u8],
    /// The header line of the export's schema, encoded (empty without a header).
    header: Vec<u8>,
    row_bytes: RowBytes,
}

impl DialectCsv {
    pub fn new(schema: &SchemaRef, dialect: &CsvDialect) -> DialectCsv {
        let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        let mut csv = DialectCsv {
            dialect: dialect.clone(),
            names: Vec::new(),
            bom: if dialect.encoding == Encoding::Utf8Bom {
                b"\xEF\xBB\xBF"
            } else {
                b""
            },
            header: Vec::new(),
            row_bytes: RowBytes::new(64),
        };
        csv.header = csv.header_line(&names);
        csv.names = names;
        csv
    }

    /// The header line naming `names` (nothing when the dialect has no header). Column names
    /// are quoted like values: a delimiter such as `_` or a letter can occur in them.
    fn header_line(&self, names: &[String]) -> Vec<u8> {
        if !self.dialect.header {
            return Vec::new();
        }
        let mut line = String::new();
        for (i, n) in names.iter().enumerate() {
            if i > 0 {
                line.push(char::from(self.dialect.delimiter));
            }
            self.field(&mut line, Some(n));
        }
        line.push('\n');
        line.into_bytes()
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

/// Every column of a batch as text, row by row through `f`: string columns are borrowed from
/// the batch, the others formatted into one buffer per column that every row reuses, so that
/// encoding a batch allocates per column, not per cell.
pub(super) fn for_each_row(batch: &RecordBatch, mut f: impl FnMut(&Row<'_>)) -> io::Result<()> {
    let opts = FormatOptions::default().with_null("");
    let columns = batch.columns();
    let fmts = columns
        .iter()
        .map(|c| ArrayFormatter::try_new(c.as_ref(), &opts))
        .collect::<Result<Vec<_>, _>>()
        .map_err(io::Error::other)?;
    let mut row = Row {
        r: 0,
        columns,
        strings: columns
            .iter()
            .map(|c| c.as_any().downcast_ref::<StringArray>())
            .collect(),
        fmts,
        texts: vec![String::new(); columns.len()],
    };
    for r in 0..batch.num_rows() {
        row.fill(r)?;
        f(&row);
    }
    Ok(())
}

/// One row of a batch as text (see [`for_each_row`]).
pub(super) struct Row<'a> {
    r: usize,
    columns: &'a [ArrayRef],
    /// The string columns, borrowed as they are.
    strings: Vec<Option<&'a StringArray>>,
    fmts: Vec<ArrayFormatter<'a>>,
    /// The text of each other column in this row.
    texts: Vec<String>,
}

impl Row<'_> {
    fn fill(&mut self, r: usize) -> io::Result<()> {
        self.r = r;
        for (k, text) in self.texts.iter_mut().enumerate() {
            if self.strings[k].is_none() && !self.columns[k].is_null(r) {
                text.clear();
                write!(text, "{}", self.fmts[k].value(r))
                    .map_err(|_| io::Error::other("a value could not be written as text"))?;
            }
        }
        Ok(())
    }

    /// The number of columns.
    pub(super) fn len(&self) -> usize {
        self.columns.len()
    }

    /// Column `k` of this row as text; `None` for a null (or a column the batch lacks).
    pub(super) fn get(&self, k: usize) -> Option<&str> {
        let column = self.columns.get(k)?;
        if column.is_null(self.r) {
            return None;
        }
        match self.strings[k] {
            Some(s) => Some(s.value(self.r)),
            None => Some(&self.texts[k]),
        }
    }
}

impl Format for DialectCsv {
    fn name(&self) -> &'static str {
        "csv"
    }

    fn encode(&self, batch: &RecordBatch) -> io::Result<Encoded> {
        let mut text = self.row_bytes.buffer(batch.num_rows());
        let delim = char::from(self.dialect.delimiter);
        for_each_row(batch, |row| {
            for k in 0..row.len() {
                if k > 0 {
                    text.push(delim);
                }
                self.field(&mut text, row.get(k));
            }
            text.push('\n');
        })?;
        self.row_bytes.record(&text, batch.num_rows());
        // A batch whose columns drifted (renamed, added) names them in its own header.
        let schema = batch.schema();
        let fields = schema.fields();
        let same = fields.len() == self.names.len()
            && fields.iter().zip(&self.names).all(|(f, n)| f.name() == n);
        let header = (!same).then(|| {
            let names: Vec<String> = fields.iter().map(|f| f.name().clone()).collect();
            self.header_line(&names)
        });
        Ok(Box::new(CsvChunk {
            header,
            body: encode_text(text, self.dialect.encoding),
        }))
    }

    fn begin(&self, out: FileOut) -> io::Result<Box<dyn FileWriter>> {
        Ok(Box::new(CsvFile {
            out,
            bom: self.bom,
            header: self.header.clone(),
            started: false,
        }))
    }
}

/// A CSV batch, encoded: its header line when its columns differ from the export's.
struct CsvChunk {
    header: Option<Vec<u8>>,
    body: Vec<u8>,
}

/// A CSV file: the BOM and the header line of its first batch (every batch of one file is of
/// one day, so of one schema), then the rows.
struct CsvFile {
    out: FileOut,
    bom: &'static [u8],
    header: Vec<u8>,
    started: bool,
}

impl CsvFile {
    fn start(&mut self, header: Option<&[u8]>) -> io::Result<()> {
        if !self.started {
            self.started = true;
            self.out.write_all(self.bom)?;
            self.out.write_all(header.unwrap_or(&self.header))?;
        }
        Ok(())
    }
}

impl FileWriter for CsvFile {
    fn append(&mut self, batch: Encoded) -> io::Result<()> {
        let chunk = batch
            .downcast::<CsvChunk>()
            .map_err(|_| foreign_batch("csv"))?;
        self.start(chunk.header.as_deref())?;
        self.out.write_all(&chunk.body)
    }

    fn finish(mut self: Box<Self>) -> io::Result<(u64, String)> {
        self.start(None)?;
        self.out.finish()
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
    /// The export's columns: name and type.
    schema: Vec<(String, DataType)>,
    names: Vec<String>,
    bare: Vec<bool>,
    row_bytes: RowBytes,
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
        JsonLines {
            schema: columns(schema),
            names,
            bare,
            row_bytes: RowBytes::new(128),
        }
    }

    /// The keys and bare columns of a batch: the export's, or those of a batch whose columns
    /// drifted (renamed, added, written as text or a number), from its own schema.
    fn keys_of(&self, batch: &RecordBatch) -> (Cow<'_, [String]>, Cow<'_, [bool]>) {
        let schema = batch.schema();
        let fields = schema.fields();
        let same = fields.len() == self.schema.len()
            && fields
                .iter()
                .zip(&self.schema)
                .all(|(f, (n, t))| f.name() == n && f.data_type() == t);
        if same {
            return (Cow::Borrowed(&self.names), Cow::Borrowed(&self.bare));
        }
        let names = fields.iter().map(|f| json_string(f.name())).collect();
        let bare = fields
            .iter()
            .map(|f| f.data_type().is_numeric() || *f.data_type() == DataType::Boolean)
            .collect();
        (Cow::Owned(names), Cow::Owned(bare))
    }
}

/// The (name, type) of each column of a schema.
fn columns(schema: &SchemaRef) -> Vec<(String, DataType)> {
    schema
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().clone()))
        .collect()
}

pub(super) fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_json_string(&mut out, s);
    out
}

/// Appends `s` to `out` as a JSON string. Runs of characters that need no escape are copied
/// whole.
pub(super) fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escaped = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            b if b < 0x20 => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escaped.is_empty() {
            let _ = write!(out, "\\u{:04x}", b);
        } else {
            out.push_str(escaped);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

impl Format for JsonLines {
    fn name(&self) -> &'static str {
        "jsonl"
    }

    fn encode(&self, batch: &RecordBatch) -> io::Result<Encoded> {
        let mut text = self.row_bytes.buffer(batch.num_rows());
        let (names, bare) = self.keys_of(batch);
        for_each_row(batch, |row| {
            text.push('{');
            for k in 0..row.len() {
                if k > 0 {
                    text.push(',');
                }
                text.push_str(&names[k]);
                text.push(':');
                match row.get(k) {
                    None => text.push_str("null"),
                    Some(v) if bare[k] => text.push_str(v),
                    Some(v) => push_json_string(&mut text, v),
                }
            }
            text.push_str("}\n");
        })?;
        self.row_bytes.record(&text, batch.num_rows());
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

#[cfg(test)]
mod tests {
    use super::super::hashing::HashingWriter;
    use super::super::lake::LakeFile;
    use super::*;
    use crate::arrow::array::{ArrayRef, Int64Array, StringArray};
    use crate::arrow::datatypes::{Field, Schema};
    use std::sync::{Arc, Mutex};

    /// A lake file in memory, shared with the test.
    struct Memory(Arc<Mutex<Vec<u8>>>);

    impl Write for Memory {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl LakeFile for Memory {
        fn complete(self: Box<Self>) -> io::Result<()> {
            Ok(())
        }
    }

    fn batch(names: &[&str], amount: ArrayRef) -> RecordBatch {
        let id: ArrayRef = Arc::new(Int64Array::from(vec![7]));
        let fields: Vec<Field> = names
            .iter()
            .zip([&id, &amount])
            .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
            .collect();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), vec![id, amount]).unwrap()
    }

    /// Writes `batches` (empty: none) to one file of `format`.
    fn file(format: &dyn Format, batches: &[RecordBatch]) -> String {
        let bytes = Arc::new(Mutex::new(Vec::new()));
        let out = HashingWriter::new(Box::new(Memory(bytes.clone())) as Box<dyn LakeFile>);
        let mut w = format.begin(out).unwrap();
        for b in batches {
            w.append(format.encode(b).unwrap()).unwrap();
        }
        w.finish().unwrap();
        String::from_utf8(bytes.lock().unwrap().clone()).unwrap()
    }

    /// A CSV file's header names the columns of its batches (a column renamed from some
    /// batch on is named as that batch names it); a file without rows still has the header.
    #[test]
    fn csv_headers_follow_the_batch() {
        let amount: ArrayRef = Arc::new(StringArray::from(vec!["1,50"]));
        let own = batch(&["id", "amount"], amount.clone());
        let csv = DialectCsv::new(&own.schema(), &CsvDialect::default());
        assert_eq!(file(&csv, &[own]), "id,amount\n7,\"1,50\"\n");
        let renamed = batch(&["id", "total"], amount);
        assert_eq!(file(&csv, &[renamed]), "id,total\n7,\"1,50\"\n");
        assert_eq!(file(&csv, &[]), "id,amount\n");
    }

    /// JSON keys and bare numbers follow the batch: a renamed key, and an amount in minor
    /// units (a number) that becomes comma text (a string).
    #[test]
    fn json_keys_and_values_follow_the_batch() {
        let cents: ArrayRef = Arc::new(Int64Array::from(vec![150]));
        let own = batch(&["id", "amount"], cents.clone());
        let carried = [Carried::Typed, Carried::Int64];
        let json = JsonLines::new(&own.schema(), &carried);
        assert_eq!(file(&json, &[own]), "{\"id\":7,\"amount\":150}\n");
        let renamed = batch(&["id", "total"], cents);
        assert_eq!(file(&json, &[renamed]), "{\"id\":7,\"total\":150}\n");
        let text = batch(&["id", "total"], Arc::new(StringArray::from(vec!["1,50"])));
        assert_eq!(file(&json, &[text]), "{\"id\":7,\"total\":\"1,50\"}\n");
    }
}
