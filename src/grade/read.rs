//! Reading the tables `lab score` grades and grades against: Parquet files, the user's CSV
//! files (RFC 4180, UTF-8, a header), and a source system's text exports in their own dialect
//! (delimiter, quote, escape, header, null token, UTF-8 / BOM / Latin-1) or as JSON Lines.
//! Every table is read whole into named Arrow columns; a text source gives string columns.
//! Every failure is a message naming the file (and the line, for text).

use crate::arrow::array::{Array, ArrayRef, StringArray};
use crate::arrow::compute::concat;
use crate::arrow::datatypes::{DataType, TimeUnit};
use crate::arrow::util::display::{ArrayFormatter, FormatOptions};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A table read whole: its columns in file order.
pub struct Table {
    pub path: PathBuf,
    pub columns: Vec<(String, ArrayRef)>,
    pub rows: usize,
}

impl Table {
    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&ArrayRef> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, a)| a)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> + Clone {
        self.columns.iter().map(|(n, _)| n.as_str())
    }

    /// A table of text columns.
    fn from_text(path: &Path, names: Vec<String>, cols: Vec<Vec<Option<String>>>) -> Table {
        let rows = cols.first().map_or(0, Vec::len);
        let columns = names
            .into_iter()
            .zip(cols)
            .map(|(n, c)| (n, Arc::new(StringArray::from(c)) as ArrayRef))
            .collect();
        Table {
            path: path.to_path_buf(),
            columns,
            rows,
        }
    }
}

/// Reads a Parquet file whole.
pub fn parquet(path: &Path) -> Result<Table, String> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let bad =
        |e: &dyn std::fmt::Display| format!("`{}` is not readable Parquet: {e}", path.display());
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot open `{}`: {e}", path.display()))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| bad(&e))?;
    let schema = builder.schema().clone();
    let reader = builder.build().map_err(|e| bad(&e))?;
    let mut batches = Vec::new();
    for b in reader {
        batches.push(b.map_err(|e| bad(&e))?);
    }
    let mut columns = Vec::new();
    for (i, f) in schema.fields().iter().enumerate() {
        let parts: Vec<&dyn Array> = batches.iter().map(|b| b.column(i).as_ref()).collect();
        let array = if parts.is_empty() {
            crate::arrow::array::new_empty_array(f.data_type())
        } else {
            concat(&parts).map_err(|e| bad(&e))?
        };
        columns.push((f.name().clone(), array));
    }
    let rows = batches.iter().map(|b| b.num_rows()).sum();
    Ok(Table {
        path: path.to_path_buf(),
        columns,
        rows,
    })
}

/// How a text file is split into fields.
#[derive(Clone, Debug)]
pub struct Dialect {
    pub delimiter: char,
    pub quote: char,
    /// `None`: a quote inside a quoted field is doubled.
    pub escape: Option<char>,
    pub header: bool,
    /// The text of a null (unquoted); an unquoted empty field is null too when this is empty.
    pub null: String,
    pub latin1: bool,
}

impl Dialect {
    /// The user's CSV: comma, double quotes doubled, a header, empty unquoted fields null.
    pub fn user() -> Dialect {
        Dialect {
            delimiter: ',',
            quote: '"',
            escape: None,
            header: true,
            null: String::new(),
            latin1: false,
        }
    }
}

/// The text of a file: Latin-1 decoded, or UTF-8 without a byte-order mark.
fn text_of(path: &Path, latin1: bool) -> Result<String, String> {
    let bytes =
        std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    if latin1 {
        return Ok(bytes.iter().map(|&b| char::from(b)).collect());
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    String::from_utf8(body.to_vec())
        .map_err(|e| format!("`{}` is not UTF-8 text: {e}", path.display()))
}

/// One field: its text and whether it was quoted.
type Field = (String, bool);

/// Splits CSV text into records of fields. A quote opens a quoted field only at the start of
/// a field; inside one, the escape (or a doubled quote) writes a literal character.
fn split_csv(text: &str, d: &Dialect, path: &Path) -> Result<Vec<Vec<Field>>, String> {
    let mut records = Vec::new();
    let mut record: Vec<Field> = Vec::new();
    let mut field = String::new();
    let (mut quoted, mut in_quotes, mut line) = (false, false, 1usize);
    let mut chars = text.chars().peekable();
    let mut dirty = false;
    while let Some(c) = chars.next() {
        if in_quotes {
            if Some(c) == d.escape {
                match chars.next() {
                    Some(n) => field.push(n),
                    None => break,
                }
            } else if c == d.quote {
                if d.escape.is_none() && chars.peek() == Some(&d.quote) {
                    chars.next();
                    field.push(c);
                } else {
                    in_quotes = false;
                }
            } else {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
            continue;
        }
        match c {
            _ if c == d.quote && field.is_empty() && !quoted => {
                quoted = true;
                in_quotes = true;
                dirty = true;
            }
            _ if c == d.delimiter => {
                record.push((std::mem::take(&mut field), quoted));
                quoted = false;
                dirty = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                line += 1;
                if dirty || !field.is_empty() {
                    record.push((std::mem::take(&mut field), quoted));
                    records.push(std::mem::take(&mut record));
                }
                quoted = false;
                dirty = false;
            }
            _ => {
                field.push(c);
                dirty = true;
            }
        }
    }
    if in_quotes {
        return Err(format!(
            "`{}` line {line}: a quoted field is not closed",
            path.display()
        ));
    }
    if dirty || !field.is_empty() {
        record.push((field, quoted));
        records.push(record);
    }
    Ok(records)
}

/// Reads a CSV file in dialect `d`; `names` are the columns of a file without a header.
pub fn csv(path: &Path, d: &Dialect, names: &[String]) -> Result<Table, String> {
    let text = text_of(path, d.latin1)?;
    let mut records = split_csv(&text, d, path)?.into_iter();
    let names: Vec<String> = if d.header {
        match records.next() {
            Some(h) => h.into_iter().map(|(n, _)| n).collect(),
            None => {
                return Err(format!(
                    "`{}` is empty: it has no header line",
                    path.display()
                ));
            }
        }
    } else {
        // Without a header a file is read by position: files of batches before a column was
        // added (schema drift) end early, so they have only the first columns.
        let n = records.as_slice().first().map_or(names.len(), Vec::len);
        names[..n.min(names.len())].to_vec()
    };
    let mut cols: Vec<Vec<Option<String>>> = vec![Vec::new(); names.len()];
    for (i, r) in records.enumerate() {
        if r.len() != names.len() {
            let line = i + 1 + usize::from(d.header);
            return Err(format!(
                "`{}` record {line}: {} fields where the header has {}",
                path.display(),
                r.len(),
                names.len()
            ));
        }
        for (c, (v, quoted)) in cols.iter_mut().zip(r) {
            c.push((quoted || v != d.null).then_some(v));
        }
    }
    Ok(Table::from_text(path, names, cols))
}

/// Reads a JSON Lines file: one object per line; scalars as their text, nested values as JSON.
pub fn jsonl(path: &Path) -> Result<Table, String> {
    let text = text_of(path, false)?;
    let mut names: Vec<String> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut cols: Vec<Vec<Option<String>>> = Vec::new();
    let mut rows = 0usize;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| format!("`{}` line {}: not JSON: {e}", path.display(), i + 1))?;
        let serde_json::Value::Object(map) = value else {
            return Err(format!(
                "`{}` line {}: not a JSON object",
                path.display(),
                i + 1
            ));
        };
        for (k, v) in map {
            let c = *index.entry(k.clone()).or_insert_with(|| {
                names.push(k);
                cols.push(vec![None; rows]);
                cols.len() - 1
            });
            cols[c].push(match v {
                serde_json::Value::Null => None,
                serde_json::Value::String(s) => Some(s),
                other => Some(other.to_string()),
            });
        }
        rows += 1;
        for c in &mut cols {
            c.resize(rows, None);
        }
    }
    Ok(Table::from_text(path, names, cols))
}

/// Reads a user's table: Parquet by the `.parquet` extension, otherwise CSV.
pub fn user_table(path: &Path) -> Result<Table, String> {
    if path.extension().is_some_and(|e| e == "parquet") {
        parquet(path)
    } else {
        csv(path, &Dialect::user(), &[])
    }
}

/// The text of one cell as a system writes plain values: strings as they are, numbers in
/// decimal, booleans `true`/`false`, dates `YYYY-MM-DD`, timestamps ISO with milliseconds and
/// `Z` (as the `iso` style writes them); `None` for null.
pub fn cell_text(a: &dyn Array, i: usize) -> Option<String> {
    use crate::arrow::array::AsArray;
    use crate::arrow::datatypes as t;
    if a.is_null(i) {
        return None;
    }
    let iso = |ms: i64| {
        crate::ir::export::time_text(
            ms,
            crate::ir::export::TimeStyle::Utc(crate::ir::export::DateStyle::Iso),
        )
    };
    Some(match a.data_type() {
        DataType::Utf8 => a.as_string::<i32>().value(i).to_string(),
        DataType::LargeUtf8 => a.as_string::<i64>().value(i).to_string(),
        DataType::Utf8View => a.as_string_view().value(i).to_string(),
        DataType::Boolean => a.as_boolean().value(i).to_string(),
        DataType::Float64 => {
            crate::ir::value::format_float(a.as_primitive::<t::Float64Type>().value(i))
        }
        DataType::Date32 => {
            crate::ir::value::format_date(a.as_primitive::<t::Date32Type>().value(i))
        }
        DataType::Decimal128(_, s) => crate::ir::value::format_decimal(
            a.as_primitive::<t::Decimal128Type>().value(i),
            u8::try_from(*s).unwrap_or(0),
        ),
        DataType::Timestamp(TimeUnit::Millisecond, _) => {
            iso(a.as_primitive::<t::TimestampMillisecondType>().value(i))
        }
        DataType::Timestamp(TimeUnit::Microsecond, _) => iso(a
            .as_primitive::<t::TimestampMicrosecondType>()
            .value(i)
            .div_euclid(1000)),
        DataType::Timestamp(TimeUnit::Nanosecond, _) => iso(a
            .as_primitive::<t::TimestampNanosecondType>()
            .value(i)
            .div_euclid(1_000_000)),
        _ => {
            let f = ArrayFormatter::try_new(a, &FormatOptions::default()).ok()?;
            f.value(i).to_string()
        }
    })
}

/// The whole column as text (see [`cell_text`]).
pub fn texts(a: &dyn Array) -> Vec<Option<String>> {
    (0..a.len()).map(|i| cell_text(a, i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str, d: &Dialect) -> Vec<Vec<Field>> {
        split_csv(text, d, Path::new("t.csv")).unwrap_or_default()
    }

    #[test]
    fn csv_fields_quotes_and_escapes() {
        let d = Dialect::user();
        let r = split("a,\"b,\"\"c\"\"\",\n1,,\"\"\r\n", &d);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0][1], ("b,\"c\"".to_string(), true));
        assert_eq!(r[0][2], (String::new(), false));
        assert_eq!(
            r[1],
            [("1".into(), false), ("".into(), false), ("".into(), true)]
        );
        let e = Dialect {
            delimiter: ';',
            escape: Some('\\'),
            ..Dialect::user()
        };
        let r = split("x;\"K; \\\"1\\\" \\\\\"\n", &e);
        assert_eq!(r[0][1].0, "K; \"1\" \\");
        assert!(split_csv("\"open", &d, Path::new("t.csv")).is_err());
    }
}
