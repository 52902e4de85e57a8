//! The sink stage: writes generated chunks to the lake. Chunks are generated and encoded
//! (Parquet column chunks, CSV text, statistics) in parallel on a rayon pool, then appended
//! to their files strictly in chunk order on one thread, so the bytes never depend on the
//! thread count. Files are written inside a staging directory; see [`atomic`].

pub mod atomic;
pub mod hashing;
pub mod manifest;
pub mod stats;

use crate::emit::{DataStats, EntityStats};
use crate::generate;
use crate::ir::value::MS_PER_DAY;
use crate::ir::{EntityId, partition};
use crate::plan::Plan;
use arrow::array::{Array, Date32Array, TimestampMillisecondArray, UInt32Array};
use arrow::record_batch::RecordBatch;
use hashing::HashingWriter;
use manifest::{FileEntry, Manifest};
use parquet::arrow::ArrowSchemaConverter;
use parquet::arrow::arrow_writer::{ArrowColumnChunk, ArrowRowGroupWriterFactory, compute_leaves};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{WriterProperties, WriterPropertiesPtr};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::ColumnPath;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// Parquet compression codecs offered on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Codec {
    Snappy,
    Zstd,
    None,
}

impl Codec {
    fn parquet(self) -> Compression {
        match self {
            Codec::Snappy => Compression::SNAPPY,
            Codec::Zstd => Compression::ZSTD(ZstdLevel::try_new(3).unwrap_or_default()),
            Codec::None => Compression::UNCOMPRESSED,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Codec::Snappy => "snappy",
            Codec::Zstd => "zstd",
            Codec::None => "none",
        }
    }
}

#[derive(Clone, Debug)]
pub struct SinkOptions {
    pub parquet: bool,
    pub csv: bool,
    pub codec: Codec,
}

/// What was written for one entity, for the closing summary.
#[derive(Clone, Debug)]
pub struct EntityReport {
    pub entity: EntityId,
    pub rows: u64,
    pub files: usize,
    pub bytes: u64,
    pub seconds: f64,
}

/// Called after each chunk is written: (entity, rows written so far).
pub type Progress<'a> = &'a (dyn Fn(EntityId, u64) + Sync);

struct Encoded {
    /// Per partition value (None when unpartitioned): rows, Parquet column chunks, CSV text.
    parts: Vec<(Option<String>, u64, Vec<ArrowColumnChunk>, Vec<u8>)>,
    stats: Vec<stats::ChunkStats>,
}

struct OpenFile {
    rel_dir: String,
    name: String,
    rows: u64,
    pq: Option<SerializedFileWriter<HashingWriter<BufWriter<File>>>>,
    csv: Option<HashingWriter<BufWriter<File>>>,
}

fn props(opts: &SinkOptions, plan: &Plan, e: EntityId) -> WriterPropertiesPtr {
    let mut b = WriterProperties::builder()
        .set_compression(opts.codec.parquet())
        .set_max_row_group_row_count(Some(plan.chunk_rows as usize))
        .set_created_by(format!("lab {}", env!("CARGO_PKG_VERSION")));
    let ent = &plan.ir.entities[e];
    for (i, a) in ent.attributes.iter().enumerate() {
        if mostly_distinct(a, ent.primary_key == [i]) {
            b = b.set_column_dictionary_enabled(ColumnPath::from(a.name.as_str()), false);
        }
    }
    Arc::new(b.build())
}

/// Whether a column's values are (nearly) all distinct by its generator, so a Parquet
/// dictionary would only be built to be abandoned: keys, free text, identifiers,
/// millisecond timestamps, unrounded floats and wide-ranged rounded numbers. Columns of
/// unknown cardinality (expressions, references) keep the writer's default.
fn mostly_distinct(a: &crate::ir::Attribute, single_key: bool) -> bool {
    use crate::ir::{Dist, FakeKind as F, Generator as G, Type};
    if a.unique || single_key {
        return true;
    }
    match &a.generator {
        G::Sequence { step, .. } => *step != 0,
        G::Format(_) => true,
        G::Fake { kind, range } => match kind {
            F::Sentence | F::Paragraph | F::Uuid | F::Email | F::Street | F::Phone | F::Url => true,
            F::Ipv4 | F::Username => true,
            F::Words | F::Digits => range.is_none_or(|(_, hi)| hi >= 3),
            _ => false,
        },
        G::Between { .. } | G::Relative { .. } => a.ty == Type::Timestamp,
        G::Dist {
            dist,
            min,
            max,
            round,
        } => {
            let digits = match (a.ty, round) {
                (Type::Float64, None) => return true,
                (Type::Decimal(_, s), None) => s as u32,
                (_, r) => r.unwrap_or(0),
            };
            let (lo, hi) = match dist {
                Dist::Uniform(lo, hi) => (min.unwrap_or(*lo), max.unwrap_or(*hi)),
                _ => match (min, max) {
                    (Some(lo), Some(hi)) => (*lo, *hi),
                    _ => return false,
                },
            };
            (hi - lo) * 10f64.powi(digits as i32) > 65_536.0
        }
        _ => false,
    }
}

/// Splits a batch by partition value (in value order).
fn split(plan: &Plan, e: EntityId, batch: RecordBatch) -> Vec<(Option<String>, RecordBatch)> {
    let Some(p) = &plan.ir.entities[e].partition else {
        return vec![(None, batch)];
    };
    let col = batch.column(p.from);
    let days: Vec<i64> = if let Some(a) = col.as_any().downcast_ref::<Date32Array>() {
        a.values().iter().map(|d| *d as i64).collect()
    } else if let Some(a) = col.as_any().downcast_ref::<TimestampMillisecondArray>() {
        a.values()
            .iter()
            .map(|t| t.div_euclid(MS_PER_DAY))
            .collect()
    } else {
        return vec![(None, batch)];
    };
    let mut groups: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    for (i, d) in days.iter().enumerate() {
        groups
            .entry(partition::value_of_day(*d, p.granularity))
            .or_default()
            .push(i as u32);
    }
    groups
        .into_iter()
        .map(|(k, idx)| {
            let idx = UInt32Array::from(idx);
            let b = arrow::compute::take_record_batch(&batch, &idx).expect("take rows");
            (Some(k), b)
        })
        .collect()
}

fn encode_parquet(
    factory: &ArrowRowGroupWriterFactory,
    batch: &RecordBatch,
) -> parquet::errors::Result<Vec<ArrowColumnChunk>> {
    let mut writers = factory.create_column_writers(0)?;
    let mut k = 0;
    for (arr, field) in batch.columns().iter().zip(batch.schema().fields()) {
        for leaf in compute_leaves(field, arr)? {
            writers[k].write(&leaf)?;
            k += 1;
        }
    }
    writers.into_iter().map(|w| w.close()).collect()
}

fn encode_csv(batch: &RecordBatch) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(batch.num_rows() * 64);
    {
        let mut w = arrow::csv::WriterBuilder::new()
            .with_header(false)
            .with_date_format("%Y-%m-%d".into())
            .with_timestamp_format("%Y-%m-%dT%H:%M:%S%.3f".into())
            .build(&mut buf);
        w.write(batch).map_err(io::Error::other)?;
    }
    Ok(buf)
}

/// The CSV header row (identifiers are `[a-z][a-z0-9_]*`, so no quoting is needed).
fn csv_header(schema: &arrow::datatypes::Schema) -> Vec<u8> {
    let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    format!("{}\n", names.join(",")).into_bytes()
}

/// Writes every entity of the plan under `lake` (a staging directory). Returns the manifest,
/// the measured statistics and a report per entity.
pub fn write_lake(
    plan: &Plan,
    lake: &Path,
    opts: &SinkOptions,
    progress: Progress,
) -> io::Result<(Manifest, DataStats, Vec<EntityReport>)> {
    let ir = &plan.ir;
    let mut manifest = Manifest {
        lab_version: env!("CARGO_PKG_VERSION").to_string(),
        seed: plan.seed,
        scale: plan.scale,
        specs_sha256: ir.specs_sha256.clone(),
        formats: [("parquet", opts.parquet), ("csv", opts.csv)]
            .iter()
            .filter(|f| f.1)
            .map(|f| f.0.to_string())
            .collect(),
        compression: opts.codec.name().to_string(),
        entities: Vec::new(),
    };
    let mut stats = DataStats {
        entities: vec![EntityStats::default(); ir.entities.len()],
    };
    let mut reports = Vec::new();
    // Entities are independent (every value is a function of the plan), so they are written
    // concurrently, each as its own task; within an entity, chunks run in parallel too.
    let results: Vec<io::Result<(manifest::EntityEntry, EntityStats, EntityReport)>> = ir
        .order
        .par_iter()
        .with_max_len(1)
        .map(|&e| write_entity(plan, e, lake, opts, progress))
        .collect();
    for r in results {
        let (entry, st, report) = r?;
        stats.entities[report.entity] = st;
        reports.push(report);
        manifest.entities.push(entry);
    }
    // Manifest order: by domain, then entity, as the dictionary lists them.
    manifest
        .entities
        .sort_by(|a, b| (&a.domain, &a.entity).cmp(&(&b.domain, &b.entity)));
    let text = serde_json::to_string_pretty(&manifest).map_err(io::Error::other)? + "\n";
    std::fs::write(lake.join("_manifest.json"), text)?;
    std::fs::write(lake.join("_profile.json"), profile_json(ir, &stats)?)?;
    Ok((manifest, stats, reports))
}

/// Generates and writes one entity: its files, manifest entry, statistics and report.
fn write_entity(
    plan: &Plan,
    e: EntityId,
    lake: &Path,
    opts: &SinkOptions,
    progress: Progress,
) -> io::Result<(manifest::EntityEntry, EntityStats, EntityReport)> {
    let props = &props(opts, plan, e);
    let ir = &plan.ir;
    let started = Instant::now();
    let ent = &ir.entities[e];
    let domain = &ir.domains[ent.domain].name;
    let schema = generate::schema(plan, e);
    let parquet_schema = ArrowSchemaConverter::new()
        .convert(&schema)
        .map_err(io::Error::other)?;
    let dummy = SerializedFileWriter::new(
        Vec::<u8>::new(),
        parquet_schema.root_schema_ptr(),
        props.clone(),
    )
    .map_err(io::Error::other)?;
    let factory = ArrowRowGroupWriterFactory::new(&dummy, schema.clone());
    let header = csv_header(&schema);
    let chunks = plan.chunks(e);
    let per_file = (plan.file_rows / plan.chunk_rows).max(1) as usize;
    let window = rayon::current_num_threads().max(1) * 2;
    let mut entry = manifest::entity_entry(ir, e, plan.entities[e].rows);
    let mut acc: Vec<stats::Accumulator> = (0..ent.attributes.len())
        .map(|_| stats::Accumulator::default())
        .collect();
    let mut open: BTreeMap<(Option<String>, usize), OpenFile> = BTreeMap::new();
    let mut written = 0u64;
    let part_key = ent.partition.as_ref().map(|p| p.key.clone());
    // Columns whose values are distinct by construction need no hashing for the profile:
    // a single-column primary key (verified by the test suite) and row-number keys.
    let known_unique: Vec<bool> = ent
        .attributes
        .iter()
        .enumerate()
        .map(|(i, a)| {
            ent.primary_key == [i]
                || matches!(a.generator, crate::ir::Generator::Sequence { step, .. } if step != 0)
                || matches!(a.generator, crate::ir::Generator::Format(_))
        })
        .collect();
    let encode = |win: &[(u64, u64)]| -> Vec<io::Result<Encoded>> {
        win.par_iter()
            .map(|&(a, b)| {
                let batch = generate::chunk(plan, e, a, b).map_err(io::Error::other)?;
                let st: Vec<stats::ChunkStats> = batch
                    .columns()
                    .iter()
                    .zip(&known_unique)
                    .map(|(c, u)| stats::chunk_stats(c, *u))
                    .collect();
                let mut parts = Vec::new();
                for (pv, sub) in split(plan, e, batch) {
                    let pq = if opts.parquet {
                        encode_parquet(&factory, &sub).map_err(io::Error::other)?
                    } else {
                        Vec::new()
                    };
                    let csv = if opts.csv {
                        encode_csv(&sub)?
                    } else {
                        Vec::new()
                    };
                    parts.push((pv, sub.num_rows() as u64, pq, csv));
                }
                Ok(Encoded { parts, stats: st })
            })
            .collect()
    };
    let mut write_window = |w: usize, encoded: Vec<io::Result<Encoded>>| -> io::Result<()> {
        for (k, enc) in encoded.into_iter().enumerate() {
            let enc = enc?;
            let chunk_index = w * window + k;
            let file_index = chunk_index / per_file;
            // Files of earlier file ranges are complete.
            let done: Vec<_> = open
                .keys()
                .filter(|(_, fi)| *fi < file_index)
                .cloned()
                .collect();
            for key in done {
                let f = open.remove(&key).expect("open file");
                close_file(f, &mut entry.files)?;
            }
            for (pv, rows, pq, csv) in enc.parts {
                let key = (pv.clone(), file_index);
                if !open.contains_key(&key) {
                    let sub = match (&part_key, &pv) {
                        (Some(k), Some(v)) => format!("/{}", partition::folder(k, v)),
                        _ => String::new(),
                    };
                    let f = open_file(
                        lake,
                        domain,
                        &ent.name,
                        &sub,
                        file_index,
                        opts,
                        &parquet_schema,
                        &props,
                        &header,
                    )?;
                    open.insert(key.clone(), f);
                }
                let f = open.get_mut(&key).expect("open file");
                if let Some(wr) = f.pq.as_mut() {
                    let mut rg = wr.next_row_group().map_err(io::Error::other)?;
                    for c in pq {
                        c.append_to_row_group(&mut rg).map_err(io::Error::other)?;
                    }
                    rg.close().map_err(io::Error::other)?;
                }
                if let Some(c) = f.csv.as_mut() {
                    c.write_all(&csv)?;
                }
                f.rows += rows;
                written += rows;
            }
            for (a, s) in acc.iter_mut().zip(enc.stats) {
                a.add(s);
            }
            progress(e, written);
        }
        Ok(())
    };
    // Pipeline: while window w is written (in order, on this thread), window w + 1 is
    // generated and encoded on the pool.
    let windows: Vec<&[(u64, u64)]> = chunks.chunks(window).collect();
    let mut pending: Option<(usize, Vec<io::Result<Encoded>>)> = None;
    let mut w = 0;
    loop {
        let next_window = windows.get(w).copied();
        let taken = pending.take();
        let (wrote, next) = rayon::join(
            || taken.map_or(Ok(()), |(pw, enc)| write_window(pw, enc)),
            || next_window.map(encode),
        );
        wrote?;
        match next {
            Some(enc) => {
                pending = Some((w, enc));
                w += 1;
            }
            None => break,
        }
    }
    for (_, f) in std::mem::take(&mut open) {
        close_file(f, &mut entry.files)?;
    }
    entry.files.sort_by(|a, b| a.path.cmp(&b.path));
    let bytes: u64 = entry.files.iter().map(|f| f.bytes).sum();
    let st = EntityStats {
        rows: plan.entities[e].rows,
        files: entry.files.len(),
        bytes,
        columns: acc.into_iter().map(stats::Accumulator::finish).collect(),
    };
    let report = EntityReport {
        entity: e,
        rows: plan.entities[e].rows,
        files: entry.files.len(),
        bytes,
        seconds: started.elapsed().as_secs_f64(),
    };
    Ok((entry, st, report))
}

/// The measured statistics as JSON (`_profile.json`): entity → column → nulls, distinct
/// count, min and max, for tools that check the profile against the data.
fn profile_json(ir: &crate::ir::Ir, stats: &DataStats) -> io::Result<String> {
    let mut root = serde_json::Map::new();
    for (e, ent) in ir.entities.iter().enumerate() {
        let mut cols = serde_json::Map::new();
        for (a, attr) in ent.attributes.iter().enumerate() {
            let Some(c) = stats.entities[e].columns.get(a) else {
                continue;
            };
            cols.insert(
                attr.name.clone(),
                serde_json::json!({
                    "nulls": c.nulls,
                    "distinct": c.distinct,
                    "distinct_exact": c.distinct_exact,
                    "min": c.min,
                    "max": c.max,
                }),
            );
        }
        root.insert(
            ent.qualified.clone(),
            serde_json::json!({ "rows": stats.entities[e].rows, "columns": cols }),
        );
    }
    Ok(serde_json::to_string_pretty(&root).map_err(io::Error::other)? + "\n")
}

#[allow(clippy::too_many_arguments)]
fn open_file(
    lake: &Path,
    domain: &str,
    entity: &str,
    sub: &str,
    index: usize,
    opts: &SinkOptions,
    parquet_schema: &parquet::schema::types::SchemaDescriptor,
    props: &WriterPropertiesPtr,
    header: &[u8],
) -> io::Result<OpenFile> {
    let name = format!("part-{index:05}");
    let mut f = OpenFile {
        rel_dir: format!("{domain}/{entity}{sub}"),
        name,
        rows: 0,
        pq: None,
        csv: None,
    };
    if opts.parquet {
        let dir = lake.join("raw").join(&f.rel_dir);
        std::fs::create_dir_all(&dir)?;
        let file = File::create(dir.join(format!("{}.parquet", f.name)))?;
        let w = HashingWriter::new(BufWriter::with_capacity(1 << 20, file));
        f.pq = Some(
            SerializedFileWriter::new(w, parquet_schema.root_schema_ptr(), props.clone())
                .map_err(io::Error::other)?,
        );
    }
    if opts.csv {
        let dir = lake.join("csv").join(&f.rel_dir);
        std::fs::create_dir_all(&dir)?;
        let file = File::create(dir.join(format!("{}.csv", f.name)))?;
        let mut w = HashingWriter::new(BufWriter::with_capacity(1 << 20, file));
        w.write_all(header)?;
        f.csv = Some(w);
    }
    Ok(f)
}

fn close_file(f: OpenFile, files: &mut Vec<FileEntry>) -> io::Result<()> {
    if let Some(w) = f.pq {
        let inner = w.into_inner().map_err(io::Error::other)?;
        let (bytes, sha256) = inner.finish()?;
        files.push(FileEntry {
            path: format!("raw/{}/{}.parquet", f.rel_dir, f.name),
            format: "parquet".into(),
            rows: f.rows,
            bytes,
            sha256,
        });
    }
    if let Some(w) = f.csv {
        let (bytes, sha256) = w.finish()?;
        files.push(FileEntry {
            path: format!("csv/{}/{}.csv", f.rel_dir, f.name),
            format: "csv".into(),
            rows: f.rows,
            bytes,
            sha256,
        });
    }
    Ok(())
}
