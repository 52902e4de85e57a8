//! The physical table of an entity, as the metastore sees it: database and table name, columns
//! with their Athena types and comments cut to Glue's limits, the partition column, the S3
//! location and the table properties (Parquet, compression, partition projection). Built once
//! here and printed by both the Athena DDL and the Glue TableInput emitters, so the two always
//! describe the same table.

use super::{EmitOptions, one_line_within};
use crate::codec::Codec;
use crate::ir::export::Change;
use crate::ir::value::{MS_PER_DAY, format_date};
use crate::ir::{AttrId, EntityId, Generator, Granularity, Ir, Type, Value, partition};

/// Glue's limit on a column comment, in bytes.
pub const COLUMN_COMMENT_BYTES: usize = 255;
/// Glue's limit on a table description, in bytes.
pub const TABLE_COMMENT_BYTES: usize = 2048;
/// The projection range used when the partition source's range cannot be derived from the spec.
pub const FALLBACK_RANGE: &str = "NOW-10YEARS,NOW";

pub const SERDE: &str = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe";
pub const INPUT_FORMAT: &str = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat";
pub const OUTPUT_FORMAT: &str = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat";

/// How a table's files are stored, as the SerDe and formats name it.
#[derive(Clone, Debug, PartialEq)]
pub enum Storage {
    Parquet,
    /// Text read by the CSV SerDe: SerDe properties (separator, quote, escape, encoding).
    Csv(Vec<(String, String)>),
    /// JSON Lines read by the Hive JSON SerDe.
    Json,
}

pub const CSV_SERDE: &str = "org.apache.hadoop.hive.serde2.OpenCSVSerde";
pub const JSON_SERDE: &str = "org.apache.hive.hcatalog.data.JsonSerDe";
pub const TEXT_INPUT_FORMAT: &str = "org.apache.hadoop.mapred.TextInputFormat";
pub const TEXT_OUTPUT_FORMAT: &str = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat";

impl Storage {
    /// The SerDe library, input and output formats.
    pub fn serde(&self) -> (&'static str, &'static str, &'static str) {
        match self {
            Storage::Parquet => (SERDE, INPUT_FORMAT, OUTPUT_FORMAT),
            Storage::Csv(_) => (CSV_SERDE, TEXT_INPUT_FORMAT, TEXT_OUTPUT_FORMAT),
            Storage::Json => (JSON_SERDE, TEXT_INPUT_FORMAT, TEXT_OUTPUT_FORMAT),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub database: String,
    pub name: String,
    /// One line, at most [`TABLE_COMMENT_BYTES`].
    pub comment: String,
    pub owner: String,
    pub columns: Vec<Column>,
    /// The Hive partition column (not a column of the data files).
    pub partition: Option<Column>,
    /// `s3://<bucket>/raw/<domain>/<entity>/`.
    pub location: String,
    /// Table properties shared by the DDL's TBLPROPERTIES and Glue's `Parameters`, in order.
    pub properties: Vec<(String, String)>,
    pub storage: Storage,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub name: String,
    /// The Athena (Hive DDL) type from `Type::athena()`.
    pub ty: String,
    /// One line, at most [`COLUMN_COMMENT_BYTES`]; empty when there is no description.
    pub comment: String,
    pub pii: bool,
}

/// The S3 folder of an entity's files: `s3://<bucket>/raw/<domain>/<entity>/`, the lake's
/// `raw/<domain>/<entity>/` uploaded to the bucket.
pub fn location(bucket: &str, domain: &str, entity: &str) -> String {
    format!("s3://{bucket}/raw/{domain}/{entity}/")
}

/// The S3 folder of a lake folder (`truth/<domain>/<entity>`, `raw/<system>/<entity>`).
pub fn folder_location(bucket: &str, folder: &str) -> String {
    format!("s3://{bucket}/{folder}/")
}

/// The database of an entity's clean table: the domain, or `<domain>_truth` when the specs
/// declare systems.
pub fn truth_database(ir: &Ir, domain: &str) -> String {
    if ir.systems {
        format!("{domain}_truth")
    } else {
        domain.to_string()
    }
}

/// The Athena name of a Parquet codec, as the `parquet.compression` table property takes it.
pub fn athena_compression(codec: Codec) -> &'static str {
    match codec {
        Codec::Snappy => "SNAPPY",
        Codec::Zstd => "ZSTD",
        Codec::None => "UNCOMPRESSED",
    }
}

/// The columns of an entity's clean files: its exported attributes, typed and described.
fn entity_columns(ent: &crate::ir::Entity) -> Vec<Column> {
    ent.exported()
        .map(|(_, a)| Column {
            name: a.name.clone(),
            ty: a.ty.athena(),
            comment: one_line_within(&a.description, COLUMN_COMMENT_BYTES),
            pii: a.pii,
        })
        .collect()
}

/// The table of entity `e`.
pub fn table(ir: &Ir, opts: &EmitOptions, e: EntityId) -> Table {
    let ent = &ir.entities[e];
    let domain = &ir.domains[ent.domain].name;
    let location = if ir.systems {
        let folder = ir.clean_folders().0;
        folder_location(&opts.bucket, &format!("{folder}/{domain}/{}", ent.name))
    } else {
        location(&opts.bucket, domain, &ent.name)
    };
    let columns = entity_columns(ent);
    let mut properties = vec![
        ("classification".to_string(), "parquet".to_string()),
        (
            "parquet.compression".into(),
            athena_compression(opts.compression).into(),
        ),
    ];
    let partition = ent.partition.as_ref().map(|p| {
        let key = &p.key;
        let from = &ent.attributes[p.from].name;
        properties.extend([
            ("projection.enabled".to_string(), "true".to_string()),
            (format!("projection.{key}.type"), "date".into()),
            (format!("projection.{key}.format"), p.java_format().into()),
            (
                format!("projection.{key}.range"),
                projection_range(ir, e, p.from, p.granularity),
            ),
            (format!("projection.{key}.interval"), "1".into()),
            (format!("projection.{key}.interval.unit"), p.unit().into()),
            (
                "storage.location.template".into(),
                format!("{location}{}/", partition::folder_template(key)),
            ),
        ]);
        Column {
            name: key.clone(),
            ty: Type::String(None).athena(),
            comment: one_line_within(
                &format!(
                    "Partition: {} of {from} ({}), UTC",
                    granularity_word(p.granularity),
                    p.java_format()
                ),
                COLUMN_COMMENT_BYTES,
            ),
            pii: false,
        }
    });
    Table {
        database: truth_database(ir, domain),
        name: ent.name.clone(),
        comment: one_line_within(&ent.description, TABLE_COMMENT_BYTES),
        owner: ent.owner.clone(),
        columns,
        partition,
        location,
        properties,
        storage: Storage::Parquet,
    }
}

/// The partition column of the daily increments (`lab compile --increments`).
pub const INCREMENTS_KEY: &str = "dt";

/// The change-data columns of an increments table, after the entity's columns: name, Athena
/// type, comment.
const CDC_COLUMNS: [(&str, &str, &str); 4] = [
    (
        "_op",
        "string",
        "insert (created that day), update (changed) or delete (hard deleted; the last image)",
    ),
    (
        "_seq",
        "bigint",
        "Sequence number, increasing per key: ms since 1970 of the row's last moment that day",
    ),
    (
        "_event_time",
        "timestamp",
        "The same instant as a timestamp (UTC)",
    ),
    (
        "_ingested_at",
        "timestamp",
        "When the file carrying the row was delivered: the end of its dt day (UTC)",
    ),
];

/// The table of entity `e`'s daily increments (`None` for an entity whose rows never change
/// over time): in database `<domain>_increments`, over `increments/<domain>/<entity>/`, the
/// entity's exported columns and the change-data columns, partitioned by the delivery day
/// `dt` with a daily projection from the first day a row can be created.
pub fn increments_table(ir: &Ir, opts: &EmitOptions, e: EntityId) -> Option<Table> {
    if !crate::ir::changes_over_time(&ir.entities, e) {
        return None;
    }
    let ent = &ir.entities[e];
    let domain = &ir.domains[ent.domain].name;
    let location = folder_location(&opts.bucket, &format!("increments/{domain}/{}", ent.name));
    let mut columns = entity_columns(ent);
    columns.extend(CDC_COLUMNS.iter().map(|(name, ty, comment)| Column {
        name: (*name).to_string(),
        ty: (*ty).to_string(),
        comment: (*comment).to_string(),
        pii: false,
    }));
    let first = first_day(ir, e).unwrap_or_else(|| "NOW-10YEARS".into());
    let key = INCREMENTS_KEY;
    let properties = vec![
        ("classification".to_string(), "parquet".to_string()),
        (
            "parquet.compression".into(),
            athena_compression(opts.compression).into(),
        ),
        ("projection.enabled".into(), "true".into()),
        (format!("projection.{key}.type"), "date".into()),
        (format!("projection.{key}.format"), "yyyy-MM-dd".into()),
        (
            format!("projection.{key}.range"),
            format!("{first},NOW+5YEARS"),
        ),
        (format!("projection.{key}.interval"), "1".into()),
        (format!("projection.{key}.interval.unit"), "DAYS".into()),
        (
            "storage.location.template".into(),
            format!("{location}{}/", partition::folder_template(key)),
        ),
    ];
    let comment = format!(
        "Daily change rows (CDC after-images) of {}: deduplicate by key and _seq, apply in _seq order. {}",
        ent.qualified, ent.description
    );
    Some(Table {
        database: format!("{domain}_increments"),
        name: ent.name.clone(),
        comment: one_line_within(&comment, TABLE_COMMENT_BYTES),
        owner: ent.owner.clone(),
        columns,
        partition: Some(Column {
            name: key.to_string(),
            ty: Type::String(None).athena(),
            comment: "Partition: the day the change rows were delivered (yyyy-MM-dd), UTC; late and replayed rows come after their day".into(),
            pii: false,
        }),
        location,
        properties,
        storage: Storage::Parquet,
    })
}

/// The table of a source system's delivery of entity `e`'s daily increments (`None` without
/// a system, or for an entity whose rows never change over time): in database
/// `<system>_raw_increments`, over `increments/raw/<system>/<entity>/`, the raw export's
/// columns, SerDe and properties, then the change-data columns in the system's styles (every
/// column `string` in a CSV; times as the system writes a timestamp), partitioned by the
/// delivery day `dt` with the clean increments' projection.
pub fn raw_increments_table(ir: &Ir, opts: &EmitOptions, e: EntityId) -> Option<Table> {
    use crate::ir::export::{ValueStyle, athena_type};
    let clean = increments_table(ir, opts, e)?;
    let mut t = raw_table(ir, opts, e)?;
    let ent = &ir.entities[e];
    let x = ent.export.as_ref()?;
    t.database = format!("{}_raw_increments", x.system);
    t.location = folder_location(
        &opts.bucket,
        &format!("increments/raw/{}/{}", x.system, ent.name),
    );
    let time = ValueStyle::Time(x.changes_time);
    let how = time.describe();
    for (name, _, comment) in CDC_COLUMNS {
        let ty = match name {
            "_op" => athena_type(&ValueStyle::Plain, Type::String(None), &x.format),
            "_seq" => athena_type(&ValueStyle::Plain, Type::Int64, &x.format),
            _ => athena_type(&time, Type::Timestamp, &x.format),
        };
        let comment = match name {
            "_event_time" | "_ingested_at" if !how.is_empty() => {
                format!(
                    "{} (as delivered: {how})",
                    comment.trim_end_matches(" (UTC)")
                )
            }
            _ => comment.to_string(),
        };
        t.columns.push(Column {
            name: name.to_string(),
            ty,
            comment: one_line_within(&comment, COLUMN_COMMENT_BYTES),
            pii: false,
        });
    }
    // The export's own batches give way to the delivery day.
    t.properties
        .retain(|(k, _)| !k.starts_with("projection.") && k != "storage.location.template");
    let key = INCREMENTS_KEY;
    for (k, v) in &clean.properties {
        if k.starts_with("projection.") {
            t.properties.push((k.clone(), v.clone()));
        }
    }
    t.properties.push((
        "storage.location.template".into(),
        format!("{}{}/", t.location, partition::folder_template(key)),
    ));
    t.partition = clean.partition;
    t.comment = one_line_within(
        &format!(
            "Daily change rows of {} as {} delivers them ({}): its keys, styles and defects; deduplicate by key and _seq, apply in _seq order",
            ent.qualified,
            x.system,
            x.format.name()
        ),
        TABLE_COMMENT_BYTES,
    );
    Some(t)
}

/// The first day (`yyyy-MM-dd`) a row of entity `e` can be created, from the range of its
/// own `created` attribute or that of its nearest `per` ancestor with `time`.
fn first_day(ir: &Ir, e: EntityId) -> Option<String> {
    let mut cur = e;
    for _ in 0..64 {
        let ent = &ir.entities[cur];
        if let Some(t) = &ent.time {
            let (lo, _) = range_ms(ir, cur, t.created, 0)?;
            return Some(partition::value_of_ms(lo, Granularity::Day));
        }
        cur = ent.parent().filter(|&p| p != cur)?;
    }
    None
}

/// The schema drift of export column `c` in words, e.g. `Named order_total from 2025-10-05
/// on; written with decimals minor_units from 2025-10-08 on` (empty without drift).
pub fn drift_note(x: &crate::ir::export::Export, c: usize) -> String {
    let parts: Vec<String> = x
        .drift
        .iter()
        .filter(|d| d.column == c)
        .map(|d| {
            let day = format_date(d.from);
            match &d.change {
                Change::Rename(new) => format!("named {new} from {day} on"),
                Change::Add => format!("exported from {day} on"),
                Change::Retype { words, .. } => format!("written with {words} from {day} on"),
            }
        })
        .collect();
    let text = parts.join("; ");
    let mut chars = text.chars();
    chars.next().map_or(String::new(), |f| {
        f.to_uppercase().collect::<String>() + chars.as_str()
    })
}

/// The table of entity `e`'s export by its source system, as the system writes it (`None`
/// when the entity has no system): in database `<system>_raw`, every column as the export
/// carries it, the export's SerDe and properties, partitioned by export date when batched.
pub fn raw_table(ir: &Ir, opts: &EmitOptions, e: EntityId) -> Option<Table> {
    use crate::ir::export::{BATCH_KEY, Encoding, ExportFormat, athena_type};
    let ent = &ir.entities[e];
    let x = ent.export.as_ref()?;
    let location = folder_location(&opts.bucket, &format!("raw/{}/{}", x.system, ent.name));
    let mut columns = Vec::new();
    for (c, (a, style)) in x.columns.iter().enumerate() {
        if x.nest.iter().any(|(_, n)| n.columns().contains(a)) {
            continue;
        }
        let attr = &ent.attributes[*a];
        let how = style.describe();
        let mut text = match (attr.description.is_empty(), how.is_empty()) {
            (_, true) => attr.description.clone(),
            (true, false) => format!("As exported: {how}"),
            (false, false) => format!("{} (as exported: {how})", attr.description),
        };
        let drift = drift_note(x, c);
        if !drift.is_empty() {
            text = if text.is_empty() {
                drift
            } else {
                format!("{text}. {drift}")
            };
        }
        let mut ty = athena_type(style, attr.ty, &x.format);
        // A column written as a number in some batches and as text in others is text.
        for d in x.drift.iter().filter(|d| d.column == c) {
            if let Change::Retype { style: later, .. } = &d.change
                && athena_type(later, attr.ty, &x.format) != ty
            {
                ty = "string".into();
            }
        }
        columns.push(Column {
            name: attr.name.clone(),
            ty: ty.clone(),
            comment: one_line_within(&text, COLUMN_COMMENT_BYTES),
            pii: attr.pii,
        });
        // JSON Lines are read by key: a renamed column is a second key, beside the first.
        if matches!(x.format, ExportFormat::Jsonl) {
            for d in x.drift.iter().filter(|d| d.column == c) {
                if let Change::Rename(new) = &d.change {
                    let note = format!(
                        "`{}` as the batches from {} on name it",
                        attr.name,
                        format_date(d.from)
                    );
                    columns.push(Column {
                        name: new.clone(),
                        ty: ty.clone(),
                        comment: one_line_within(&note, COLUMN_COMMENT_BYTES),
                        pii: attr.pii,
                    });
                }
            }
        }
    }
    let columns = nested_columns(ent, x, columns);
    let (storage, mut properties) = match &x.format {
        ExportFormat::Parquet => (
            Storage::Parquet,
            vec![
                ("classification".to_string(), "parquet".to_string()),
                (
                    "parquet.compression".into(),
                    athena_compression(opts.compression).into(),
                ),
            ],
        ),
        ExportFormat::Csv(d) => {
            let mut serde = vec![
                (
                    "separatorChar".to_string(),
                    char::from(d.delimiter).to_string(),
                ),
                ("quoteChar".into(), char::from(d.quote).to_string()),
            ];
            // The SerDe (opencsv) reads a doubled quote inside quotes as one quote, so a file
            // that doubles quotes states no escape (the SerDe's default, `\`, then misreads a
            // backslash, as documented); an escaping file states its escape.
            if let Some(e) = d.escape {
                serde.push(("escapeChar".into(), char::from(e).to_string()));
            }
            if d.encoding == Encoding::Latin1 {
                serde.push(("serialization.encoding".into(), "ISO-8859-1".into()));
            }
            let mut props = vec![("classification".to_string(), "csv".to_string())];
            if d.header {
                props.push(("skip.header.line.count".into(), "1".into()));
            }
            props.push(("serialization.null.format".into(), d.null.clone()));
            (Storage::Csv(serde), props)
        }
        ExportFormat::Jsonl => (
            Storage::Json,
            vec![("classification".to_string(), "json".to_string())],
        ),
    };
    let partition = x.batch.map(|b| {
        let from = &ent.attributes[b].name;
        properties.extend([
            ("projection.enabled".to_string(), "true".to_string()),
            (format!("projection.{BATCH_KEY}.type"), "date".into()),
            (
                format!("projection.{BATCH_KEY}.format"),
                "yyyy-MM-dd".into(),
            ),
            (
                format!("projection.{BATCH_KEY}.range"),
                projection_range(ir, e, b, Granularity::Day),
            ),
            (format!("projection.{BATCH_KEY}.interval"), "1".into()),
            (
                format!("projection.{BATCH_KEY}.interval.unit"),
                "DAYS".into(),
            ),
            (
                "storage.location.template".into(),
                format!("{location}{}/", partition::folder_template(BATCH_KEY)),
            ),
        ]);
        Column {
            name: BATCH_KEY.to_string(),
            ty: Type::String(None).athena(),
            comment: one_line_within(
                &format!("Export batch: the day of {from} (yyyy-MM-dd), UTC"),
                COLUMN_COMMENT_BYTES,
            ),
            pii: false,
        }
    });
    Some(Table {
        database: format!("{}_raw", x.system),
        name: ent.name.clone(),
        comment: one_line_within(
            &if ent.description.is_empty() {
                format!("Exported by {} as {}", x.system, x.format.name())
            } else {
                format!(
                    "{} (exported by {} as {})",
                    ent.description.trim_end_matches('.'),
                    x.system,
                    x.format.name()
                )
            },
            TABLE_COMMENT_BYTES,
        ),
        owner: ent.owner.clone(),
        columns,
        partition,
        location,
        properties,
        storage,
    })
}

/// The database of the answer key's tables.
pub const ANSWERS_DATABASE: &str = "answer_key";

/// What each answer-key table holds, and each column.
const ANSWER_DOCS: [(&str, &[&str]); 3] = [
    (
        "Every record a source system exports, mapped to the golden record it stands for",
        &[
            "Source system",
            "Entity as the system exports it",
            "The record's key as the export writes it (composite keys joined with |)",
            "Qualified entity of the golden record",
            "Primary key of the golden record in the truth (composite keys joined with |)",
            "0 for the original registration, k for the k-th near duplicate",
        ],
    ),
    (
        "Every planted cell defect: the clean and the dirty text of one exported cell",
        &[
            "Source system",
            "Entity as the system exports it",
            "Key of the exported record",
            "Exported column",
            "Defect kind (docs/defects.md)",
            "The text the system writes without the defect; null for an empty cell",
            "The text the system wrote; null for an empty cell",
        ],
    ),
    (
        "Every planted record defect: near and exact duplicates, orphans, late rows, and the schema drift of each export",
        &[
            "Source system",
            "Entity as the system exports it",
            "Key of the record (of the left-out record for an orphan; null for a drift)",
            "Primary key of the golden record, when known",
            "near_duplicate, exact_duplicate, orphan, late or drift",
            "Key of the original registration of a duplicate",
            "Day of a late row",
            "Day of the batch a late row was exported in; first batch of a drift",
            "What a drift changed: <col> renamed to <new>, <col> added, or <col> retyped: <settings>",
        ],
    ),
];

/// The answer key's tables (empty without exports): one folder each under the truth, holding
/// a `<system>/<entity>/` folder per export; the system and entity are columns of the files
/// too, so the tables are not partitioned and read every file under their location (plain
/// folder names, so no engine infers partitions from them).
pub fn answer_tables(ir: &Ir, opts: &EmitOptions) -> Vec<Table> {
    use crate::ir::export::{ANSWER_TABLES, ANSWERS_DIR};
    if !ir.entities.iter().any(|e| e.export.is_some()) {
        return Vec::new();
    }
    let (folder, _) = ir.clean_folders();
    ANSWER_TABLES
        .iter()
        .zip(ANSWER_DOCS)
        .map(|((name, cols), (doc, col_docs))| {
            let columns = cols
                .iter()
                .zip(col_docs)
                .map(|((c, ty, _), d)| Column {
                    name: (*c).to_string(),
                    ty: ty.athena(),
                    comment: (*d).to_string(),
                    pii: false,
                })
                .collect();
            let path = format!("{folder}/{ANSWERS_DIR}/{name}");
            answer_table(opts, ANSWERS_DATABASE, name, doc, columns, &path)
        })
        .collect()
}

/// The database of the answer key of the systems' deliveries of the daily increments.
pub const INCREMENTS_ANSWERS_DATABASE: &str = "answer_key_increments";

/// The answer key of the systems' deliveries of the daily increments (empty when no exported
/// entity changes over time): the full export's three tables under
/// `truth/_answers/increments/raw/<table>/`, one `<system>/<entity>/` folder per delivered
/// entity, unpartitioned like the full export's; the cells and records add the `_seq` and the
/// delivery day `dt` of the change row each is about.
pub fn increments_answer_tables(ir: &Ir, opts: &EmitOptions) -> Vec<Table> {
    use crate::ir::export::{ANSWER_TABLES, ANSWERS_DIR};
    let delivered = (0..ir.entities.len()).any(|e| raw_increments_table(ir, opts, e).is_some());
    if !delivered {
        return Vec::new();
    }
    let (folder, _) = ir.clean_folders();
    ANSWER_TABLES
        .iter()
        .zip(ANSWER_DOCS)
        .map(|((name, cols), (doc, col_docs))| {
            let mut columns: Vec<Column> = cols
                .iter()
                .zip(col_docs)
                .map(|((c, ty, _), d)| Column {
                    name: (*c).to_string(),
                    ty: ty.athena(),
                    comment: increments_answer_doc(c, d).to_string(),
                    pii: false,
                })
                .collect();
            if *name != "crosswalk" {
                columns.extend(INCREMENTS_ANSWER_COLUMNS.iter().map(|(c, ty, d)| Column {
                    name: (*c).to_string(),
                    ty: (*ty).to_string(),
                    comment: (*d).to_string(),
                    pii: false,
                }));
            }
            let doc = match *name {
                "crosswalk" => "Every record key a source system delivers in its daily increments, mapped to the golden record it stands for".to_string(),
                _ => format!("{doc}, in the systems' deliveries of the daily increments"),
            };
            let path = format!("{folder}/{ANSWERS_DIR}/increments/raw/{name}");
            answer_table(opts, INCREMENTS_ANSWERS_DATABASE, name, &doc, columns, &path)
        })
        .collect()
}

/// The columns the deliveries' cells and records add to the full export's.
const INCREMENTS_ANSWER_COLUMNS: [(&str, &str, &str); 2] = [
    (
        "_seq",
        "bigint",
        "The _seq of the change row the row is about (null for a drift)",
    ),
    (
        "dt",
        "date",
        "The delivery day (partition dt=) of that change row",
    ),
];

/// A column's comment in the deliveries' answer key: the full export's, except where the
/// deliveries differ (their record kinds, and no late rows).
fn increments_answer_doc<'a>(column: &str, doc: &'a str) -> &'a str {
    match column {
        "kind" => {
            "near_duplicate, exact_duplicate, orphan, drift or reference_to_duplicate (a reference renamed to a near-duplicate registration)"
        }
        "detail" => "What a drift changed; for a reference_to_duplicate, the column",
        _ => doc,
    }
}

/// One unpartitioned Parquet table of an answer key, reading every file under `path`.
fn answer_table(
    opts: &EmitOptions,
    database: &str,
    name: &str,
    doc: &str,
    columns: Vec<Column>,
    path: &str,
) -> Table {
    Table {
        database: database.to_string(),
        name: name.to_string(),
        comment: doc.to_string(),
        owner: "lab".to_string(),
        columns,
        partition: None,
        location: folder_location(&opts.bucket, path),
        properties: vec![
            ("classification".to_string(), "parquet".to_string()),
            (
                "parquet.compression".into(),
                athena_compression(opts.compression).into(),
            ),
        ],
        storage: Storage::Parquet,
    }
}

/// The top-level columns of an export: `flat` (its columns that are not nested, in order)
/// with each nested field inserted at its place, typed `struct<…>` or `array<…>`.
fn nested_columns(
    ent: &crate::ir::Entity,
    x: &crate::ir::export::Export,
    flat: Vec<Column>,
) -> Vec<Column> {
    use crate::ir::nest::{Top, athena_type, describe, top_level};
    if x.nest.is_empty() {
        return flat;
    }
    let mut flat = flat.into_iter();
    top_level(x)
        .into_iter()
        .filter_map(|t| match t {
            Top::Flat(_) => flat.next(),
            Top::Nested(name, node) => {
                let columns = node.columns();
                Some(Column {
                    name: name.to_string(),
                    ty: athena_type(ent, x, node),
                    comment: one_line_within(
                        &format!("Nested: {}", describe(ent, node)),
                        COLUMN_COMMENT_BYTES,
                    ),
                    pii: columns.iter().any(|a| ent.attributes[*a].pii),
                })
            }
        })
        .collect()
}

fn granularity_word(g: Granularity) -> &'static str {
    match g {
        Granularity::Day => "day",
        Granularity::Month => "month",
        Granularity::Year => "year",
    }
}

/// The projection range `first,last` in the partition format, covering every value the source
/// attribute can take, or [`FALLBACK_RANGE`] when the spec does not bound it.
pub fn projection_range(ir: &Ir, e: EntityId, a: AttrId, g: Granularity) -> String {
    match range_ms(ir, e, a, 0) {
        Some((lo, hi)) if lo <= hi => format!(
            "{},{}",
            partition::value_of_ms(lo, g),
            partition::value_of_ms(hi, g)
        ),
        _ => FALLBACK_RANGE.into(),
    }
}

/// Smallest and largest value (ms since the epoch) a date or timestamp attribute can take,
/// following `after`/`before` chains to a `between` or a constant.
fn range_ms(ir: &Ir, e: EntityId, a: AttrId, depth: usize) -> Option<(i64, i64)> {
    if depth > 64 {
        return None;
    }
    let attr = ir.entities.get(e)?.attributes.get(a)?;
    let to_ms = |v: i64| match attr.ty {
        Type::Date => v.checked_mul(MS_PER_DAY),
        _ => Some(v),
    };
    match &attr.generator {
        Generator::Between { lo, hi, .. } => Some((to_ms(*lo)?, to_ms(*hi)?)),
        Generator::Const(Value::Date(d)) => {
            let ms = (*d as i64).checked_mul(MS_PER_DAY)?;
            Some((ms, ms))
        }
        Generator::Const(Value::Timestamp(t)) => Some((*t, *t)),
        Generator::Relative {
            anchor,
            before,
            min_ms,
            max_ms,
            ..
        } => {
            let (lo, hi) = range_ms(ir, anchor.entity, anchor.attr, depth + 1)?;
            if *before {
                Some((lo.checked_sub(*max_ms)?, hi.checked_sub(*min_ms)?))
            } else {
                Some((lo.checked_add(*min_ms)?, hi.checked_add(*max_ms)?))
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every column of every answer-key table has its comment (a missing one would drop the
    /// column from the DDL).
    #[test]
    fn answer_docs_cover_every_column() {
        for ((name, cols), (_, docs)) in crate::ir::export::ANSWER_TABLES.iter().zip(ANSWER_DOCS) {
            assert_eq!(cols.len(), docs.len(), "{name}");
        }
    }
}
