//! The sink stage: writes generated chunks to the lake. Chunks are generated and encoded
//! (one encoding per output [`format::Format`], plus column statistics) in parallel on the
//! rayon pool, then appended to their files strictly in chunk order on one thread, so the
//! bytes never depend on the thread count. Around the formats the sink composes what every
//! format shares: file names and partition folders ([`partition`]), checksums while writing
//! ([`hashing`]), the manifest ([`manifest`]) and the measured profile ([`stats`]). Files are
//! written to a [`lake::Lake`]: a staging directory (publishing it is [`crate::output`]'s job)
//! or, for `--out s3://…`, an object store the pipeline provides.

pub mod csv;
pub mod dialect;
pub mod format;
pub mod hashing;
pub mod lake;
pub mod manifest;
pub mod nested;
pub mod parquet;
pub mod partition;
pub mod parts;
pub mod stats;

use crate::arrow::record_batch::RecordBatch;
pub use crate::codec::Codec;
use crate::generate;
use crate::ir::EntityId;
use crate::plan::Plan;
use crate::profile::{DataStats, EntityStats};
use format::{Encoded, FileWriter, Format};
use hashing::HashingWriter;
pub use lake::{Lake, LakeFile, LocalLake};
use manifest::{FileEntry, Manifest};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Which formats to write, and how.
#[derive(Clone, Debug)]
pub struct SinkOptions {
    pub parquet: bool,
    pub csv: bool,
    pub codec: Codec,
    /// Write only this part of the lake (see [`parts`]), with a part manifest and no measured
    /// profile; `None` writes the whole lake.
    pub part: Option<parts::Part>,
}

impl Default for SinkOptions {
    fn default() -> Self {
        SinkOptions {
            parquet: true,
            csv: false,
            codec: Codec::Snappy,
            part: None,
        }
    }
}

/// Why writing the lake failed.
#[derive(Debug)]
pub enum SinkError {
    /// A value could not be generated (a spec problem found at run time).
    Generate(generate::Error),
    /// Writing a file failed.
    Io {
        path: PathBuf,
        action: &'static str,
        source: io::Error,
    },
}

fn io_err(path: &Path, action: &'static str) -> impl FnOnce(io::Error) -> SinkError {
    let path = path.to_path_buf();
    move |source| SinkError::Io {
        path,
        action,
        source,
    }
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

/// A chunk of an entity: its index among the entity's chunks, and its row range.
type IndexedChunk = (usize, (u64, u64));

/// A window of chunks, each encoded or the reason it could not be.
type EncodedWindow = Vec<Result<EncodedChunk, SinkError>>;

/// Called after each chunk is written: (entity, rows written so far).
pub type Progress<'a> = &'a (dyn Fn(EntityId, u64) + Sync);

/// One generated chunk, encoded: per output and partition (None when unpartitioned) its rows
/// and encoded batch; and the chunk's column statistics.
struct EncodedChunk {
    parts: Vec<EncodedPart>,
    stats: Vec<stats::ChunkStats>,
}

/// One output's encoding of one partition of a chunk: (output, partition folder, rows, bytes).
type EncodedPart = (usize, Option<String>, u64, Encoded);

/// A data file being written by one output.
struct OpenFile {
    /// `<folder>/<domain or system>/<entity>[/key=value]`.
    rel_dir: String,
    /// `part-00000`.
    name: String,
    rows: u64,
    writer: Box<dyn FileWriter>,
}

/// One set of files an entity is written to: the clean data in one format, or a source
/// system's export.
struct Output {
    format: Box<dyn Format>,
    /// `raw/<domain>/<entity>`, `truth/<domain>/<entity>`, `raw/<system>/<entity>`, …
    dir: String,
    /// The manifest's layer of the files (only when the specs declare systems).
    layer: Option<&'static str>,
    /// What the output holds.
    kind: OutputKind,
}

/// The clean data, a system's export (with its schema), or answer-key table `k` of
/// [`crate::ir::export::ANSWER_TABLES`] for that export.
enum OutputKind {
    Clean,
    Export(crate::arrow::datatypes::SchemaRef),
    Answer(usize),
}

/// Writes every entity of the plan to `lake` (a staging directory, or an object store), then
/// `_profile.json` and, last, the manifest. Returns the measured statistics and a report per
/// entity.
///
/// With a part ([`SinkOptions::part`]) only the file ranges [`parts::assign`] gives that part
/// are generated and written; the manifest is then a part manifest (its `part`, every entity
/// with the rows and files of this part), which `merge` combines with the other parts' into
/// the lake's manifest, and instead of `_profile.json` the running state of the statistics is
/// written ([`stats::PART_PROFILE`]), which the merge combines into the single run's profile.
pub fn write_lake(
    plan: &Plan,
    lake: &dyn Lake,
    opts: &SinkOptions,
    progress: Progress,
) -> Result<(DataStats, Vec<EntityReport>), SinkError> {
    let ir = &plan.ir;
    generate::prepare(plan).map_err(SinkError::Generate)?;
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
        as_of: plan.as_of.map(crate::sink::manifest::as_of_date),
        exports: ir
            .systems
            .then(|| ir.entities.iter().any(|e| e.export.is_some())),
        part: opts.part.map(|p| manifest::PartEntry {
            index: p.index,
            of: p.of,
        }),
        entities: Vec::new(),
    };
    let owners = opts.part.map(|p| parts::assign(plan, p.of));
    let mut stats = DataStats {
        entities: vec![EntityStats::default(); ir.entities.len()],
    };
    let mut reports = Vec::new();
    // Entities are independent (every value is a function of the plan), so they are written
    // concurrently, each as its own task; within an entity, chunks run in parallel too.
    let results: Vec<Result<_, SinkError>> = ir
        .order
        .par_iter()
        .with_max_len(1)
        .map(|&e| {
            let chunks = parts::owned_chunks(plan, e, opts.part, owners.as_deref());
            write_entity(plan, e, &chunks, lake, opts, progress)
        })
        .collect();
    let mut partials = Vec::new();
    for r in results {
        let f = r?;
        stats.entities[f.report.entity] = f.stats;
        partials.extend(f.partial.map(|p| (f.report.entity, p)));
        reports.push(f.report);
        manifest.entities.push(f.entry);
    }
    // Manifest order: by domain, then entity, as the dictionary lists them.
    manifest
        .entities
        .sort_by(|a, b| (&a.domain, &a.entity).cmp(&(&b.domain, &b.entity)));
    let text = serde_json::to_string_pretty(&manifest).map_err(io::Error::other);
    if opts.part.is_none() {
        let rel = "_profile.json";
        lake.put(rel, stats::profile_json(ir, &stats).as_bytes())
            .map_err(io_err(&lake.locate(rel), "write"))?;
    } else {
        // In the IR's entity order.
        partials.sort_by_key(|p| p.0);
        let part = stats::PartProfile {
            entities: partials.into_iter().map(|p| p.1).collect(),
        };
        let rel = stats::PART_PROFILE;
        let profile = serde_json::to_string(&part).map_err(io::Error::other);
        let profile = profile.map_err(io_err(&lake.locate(rel), "encode"))? + "\n";
        lake.put(rel, profile.as_bytes())
            .map_err(io_err(&lake.locate(rel), "write"))?;
    }
    let rel = "_manifest.json";
    let text = text.map_err(io_err(&lake.locate(rel), "encode"))? + "\n";
    lake.put(rel, text.as_bytes())
        .map_err(io_err(&lake.locate(rel), "write"))?;
    Ok((stats, reports))
}

/// Generates and writes `chunks` of one entity (each with its index among the entity's
/// chunks): its files, manifest entry, statistics and report. Pipelined: while window w is
/// appended to the files (in order, on this thread), window w + 1 is generated and encoded
/// on the pool.
fn write_entity(
    plan: &Plan,
    e: EntityId,
    chunks: &[IndexedChunk],
    lake: &dyn Lake,
    opts: &SinkOptions,
    progress: Progress,
) -> Result<Finished, SinkError> {
    let started = Instant::now();
    let enc = Encoder::new(plan, e, lake, opts)?;
    let mut asm = Assembler::new(&enc);
    let windows: Vec<&[IndexedChunk]> = chunks.chunks(window(&enc)).collect();
    let mut pending: Option<(&[IndexedChunk], EncodedWindow)> = None;
    let mut w = 0;
    loop {
        let next_window = windows.get(w).copied();
        let taken = pending.take();
        let (wrote, next) = rayon::join(
            || taken.map_or(Ok(()), |(win, c)| asm.append(&enc, win, c, progress)),
            || next_window.map(|win| enc.encode_window(win)),
        );
        wrote?;
        match next {
            Some(c) => {
                pending = next_window.map(|win| (win, c));
                w += 1;
            }
            None => break,
        }
    }
    asm.finish(&enc, started)
}

/// How many chunks of an entity are encoded at once (while as many wait to be appended): two
/// per worker, so that the workers stay busy while the files are written; one per worker when
/// the entity has a source-system export, whose chunks are also held as text (a chunk of a
/// wide JSON Lines export is over 100 MiB of text). The window changes only the schedule,
/// never the bytes written.
fn window(enc: &Encoder) -> usize {
    let per_worker = if enc
        .outputs
        .iter()
        .any(|o| matches!(o.kind, OutputKind::Export(_)))
    {
        1
    } else {
        2
    };
    rayon::current_num_threads().max(1) * per_worker
}

/// What an entity's chunks share, read-only: the formats set up for its schema, and which
/// columns need no hashing for the profile. Encoding runs on the workers.
struct Encoder<'a> {
    plan: &'a Plan,
    e: EntityId,
    lake: &'a dyn Lake,
    outputs: Vec<Output>,
    /// Whether a part is written (which keeps the running state of its statistics).
    part: bool,
    /// Columns whose values are distinct by construction need no hashing for the profile:
    /// a single-column primary key (verified by the test suite) and row-number keys.
    known_unique: Vec<bool>,
}

impl<'a> Encoder<'a> {
    fn new(
        plan: &'a Plan,
        e: EntityId,
        lake: &'a dyn Lake,
        opts: &SinkOptions,
    ) -> Result<Self, SinkError> {
        let ent = &plan.ir.entities[e];
        let outputs = outputs(plan, e, lake, opts)?;
        let known_unique = ent
            .exported()
            .map(|(i, a)| {
                ent.primary_key == [i]
                    || matches!(a.generator, crate::ir::Generator::Sequence { step, .. } if step != 0)
                    || matches!(a.generator, crate::ir::Generator::Format(_))
            })
            .collect();
        Ok(Encoder {
            part: opts.part.is_some(),
            plan,
            e,
            lake,
            outputs,
            known_unique,
        })
    }

    fn encode_window(&self, win: &[IndexedChunk]) -> EncodedWindow {
        win.par_iter()
            .map(|&(_, (a, b))| self.encode(a, b))
            .collect()
    }

    /// Generates rows `start..end` and encodes them for every output, in output order. Each
    /// intermediate batch is dropped as soon as its encodings exist (the clean split before
    /// the export is rendered, the clean batch once rendered, each export day once encoded),
    /// since a chunk of a wide text export is large.
    fn encode(&self, start: u64, end: u64) -> Result<EncodedChunk, SinkError> {
        let (batch, kept) =
            generate::chunk_rows(self.plan, self.e, start, end).map_err(SinkError::Generate)?;
        let stats = batch
            .columns()
            .iter()
            .zip(&self.known_unique)
            .map(|(c, u)| stats::chunk_stats(c, *u))
            .collect();
        let mut parts = self.encode_clean(&batch)?;
        let export = self
            .outputs
            .iter()
            .enumerate()
            .find_map(|(k, o)| match &o.kind {
                OutputKind::Export(s) => Some((k, s)),
                _ => None,
            });
        if let Some((k, schema)) = export {
            let rows: Vec<u64> =
                kept.unwrap_or_else(|| (start..start + batch.num_rows() as u64).collect());
            self.encode_export(k, schema, batch, &rows, start == 0, &mut parts)?;
        }
        Ok(EncodedChunk { parts, stats })
    }

    /// The clean outputs' encodings of a chunk, per partition.
    fn encode_clean(&self, batch: &RecordBatch) -> Result<Vec<EncodedPart>, SinkError> {
        let mut parts = Vec::new();
        let clean: Vec<_> = self
            .outputs
            .iter()
            .enumerate()
            .filter(|(_, o)| matches!(o.kind, OutputKind::Clean))
            .collect();
        if clean.is_empty() {
            return Ok(parts);
        }
        let entity = Path::new(&self.plan.ir.entities[self.e].qualified);
        let split = partition::split(self.plan, self.e, batch.clone())
            .map_err(io_err(entity, "partition"))?;
        for (k, out) in clean {
            for (pv, sub) in &split {
                let encoded = out.format.encode(sub).map_err(io_err(entity, "encode"))?;
                parts.push((k, pv.clone(), sub.num_rows() as u64, encoded));
            }
        }
        Ok(parts)
    }

    /// Renders a chunk as its system exports it (output `k`, then the answer-key outputs),
    /// encoding the export one daily batch at a time.
    fn encode_export(
        &self,
        k: usize,
        schema: &crate::arrow::datatypes::SchemaRef,
        batch: RecordBatch,
        rows: &[u64],
        first: bool,
        parts: &mut Vec<EncodedPart>,
    ) -> Result<(), SinkError> {
        let ent = &self.plan.ir.entities[self.e];
        let entity = Path::new(&ent.qualified);
        let export_err =
            |e: crate::arrow::error::ArrowError| io_err(entity, "export")(io::Error::other(e));
        let r = crate::export::mess::render(self.plan, self.e, schema, &batch, rows, first)
            .map_err(export_err)?;
        drop(batch);
        let crate::export::mess::Rendered {
            batch: rendered,
            days,
            answers,
            ..
        } = r;
        let shape = |day: i64, b: &RecordBatch| {
            ent.export
                .as_ref()
                .map_or_else(
                    || Ok(b.clone()),
                    |x| crate::export::drift::shape(ent, x, day, b),
                )
                .map_err(io::Error::other)
        };
        let format = &self.outputs[k].format;
        let mut encode_err = None;
        partition::split_days(
            &rendered,
            days.as_deref(),
            crate::ir::export::BATCH_KEY,
            shape,
            |pv, sub| {
                let encoded = format.encode(&sub).inspect_err(|_| encode_err = Some(()))?;
                parts.push((k, pv, sub.num_rows() as u64, encoded));
                Ok(())
            },
        )
        .map_err(|e| match encode_err {
            Some(()) => io_err(entity, "encode")(e),
            None => io_err(entity, "batch")(e),
        })?;
        drop(rendered);
        for (k, out) in self.outputs.iter().enumerate() {
            let OutputKind::Answer(t) = out.kind else {
                continue;
            };
            let b = &answers[t];
            if b.num_rows() > 0 {
                let encoded = out.format.encode(b).map_err(io_err(entity, "encode"))?;
                parts.push((k, None, b.num_rows() as u64, encoded));
            }
        }
        Ok(())
    }
}

/// The assembling side of an entity: its open files, manifest entry and statistics, changed
/// only on the thread that appends chunks in order.
struct Assembler {
    entry: manifest::EntityEntry,
    acc: Vec<stats::Accumulator>,
    open: BTreeMap<(usize, Option<String>, usize), OpenFile>,
    written: u64,
}

impl Assembler {
    fn new(enc: &Encoder) -> Assembler {
        let n = enc.plan.ir.entities[enc.e].exported().count();
        Assembler {
            entry: manifest::entity_entry(&enc.plan.ir, enc.e, enc.plan.entities[enc.e].rows),
            acc: (0..n).map(|_| stats::Accumulator::default()).collect(),
            open: BTreeMap::new(),
            written: 0,
        }
    }

    /// Appends a window of encoded chunks (`win`: their indices among the entity's chunks)
    /// to their files. Chunk `c` belongs to the files of range `c / chunks_per_file`, so a
    /// file holds the same chunks whichever part writes it.
    fn append(
        &mut self,
        enc: &Encoder,
        win: &[IndexedChunk],
        encoded: EncodedWindow,
        progress: Progress,
    ) -> Result<(), SinkError> {
        let per_file = parts::chunks_per_file(enc.plan);
        for (&(index, _), chunk) in win.iter().zip(encoded) {
            let chunk = chunk?;
            let file_index = index / per_file;
            // Files of earlier file ranges are complete.
            let done: Vec<_> = self
                .open
                .keys()
                .filter(|(_, _, fi)| *fi < file_index)
                .cloned()
                .collect();
            for key in done {
                if let Some(f) = self.open.remove(&key) {
                    self.close(enc, key.0, f)?;
                }
            }
            for (k, pv, rows, b) in chunk.parts {
                let key = (k, pv, file_index);
                if !self.open.contains_key(&key) {
                    let f = open_file(enc, k, key.1.as_deref(), file_index)?;
                    self.open.insert(key.clone(), f);
                }
                if let Some(f) = self.open.get_mut(&key) {
                    f.writer
                        .append(b)
                        .map_err(io_err(&enc.lake.locate(&f.rel_dir), "write"))?;
                    f.rows += rows;
                }
                // Rows count once, in the first output (every output holds every row).
                if k == 0 {
                    self.written += rows;
                }
            }
            for (a, s) in self.acc.iter_mut().zip(chunk.stats) {
                a.add(s);
            }
            progress(enc.e, self.written);
        }
        Ok(())
    }

    fn close(&mut self, enc: &Encoder, k: usize, f: OpenFile) -> Result<(), SinkError> {
        let out = &enc.outputs[k];
        let path = format!("{}/{}.{}", f.rel_dir, f.name, out.format.name());
        let (bytes, sha256) = f
            .writer
            .finish()
            .map_err(io_err(&enc.lake.locate(&path), "write"))?;
        self.entry.files.push(FileEntry {
            path,
            format: out.format.name().into(),
            layer: out.layer.map(str::to_string),
            rows: f.rows,
            bytes,
            sha256,
        });
        Ok(())
    }

    fn finish(mut self, enc: &Encoder, started: Instant) -> Result<Finished, SinkError> {
        for ((k, _, _), f) in std::mem::take(&mut self.open) {
            self.close(enc, k, f)?;
        }
        let mut entry = self.entry;
        entry.files.sort_by(|a, b| a.path.cmp(&b.path));
        let bytes: u64 = entry.files.iter().map(|f| f.bytes).sum();
        // The rows written: the planned rows, or fewer as of a date.
        let rows = self.written;
        entry.rows = rows;
        // A part keeps the running state too, for the merge to combine.
        let partial = enc.part.then(|| stats::PartEntity {
            entity: enc.plan.ir.entities[enc.e].qualified.clone(),
            rows,
            columns: self.acc.iter().map(stats::Accumulator::partial).collect(),
        });
        let st = EntityStats {
            rows,
            files: entry.files.len(),
            bytes,
            columns: self
                .acc
                .into_iter()
                .map(stats::Accumulator::finish)
                .collect(),
        };
        let report = EntityReport {
            entity: enc.e,
            rows,
            files: entry.files.len(),
            bytes,
            seconds: started.elapsed().as_secs_f64(),
        };
        Ok(Finished {
            entry,
            stats: st,
            report,
            partial,
        })
    }
}

/// What writing one entity gave: its manifest entry, statistics and report, and (for a part)
/// the running state of its statistics.
struct Finished {
    entry: manifest::EntityEntry,
    stats: EntityStats,
    report: EntityReport,
    partial: Option<stats::PartEntity>,
}

/// The outputs of entity `e`: its clean data in each format asked for, then its system's
/// export (unless the entity has none).
fn outputs(
    plan: &Plan,
    e: EntityId,
    lake: &dyn Lake,
    opts: &SinkOptions,
) -> Result<Vec<Output>, SinkError> {
    let ir = &plan.ir;
    let ent = &ir.entities[e];
    let schema = generate::schema(plan, e);
    let (pq_folder, csv_folder) = ir.clean_folders();
    let layer = ir.systems.then_some("truth");
    let domain = &ir.domains[ent.domain].name;
    let mut outputs = Vec::new();
    if opts.parquet {
        let pq = parquet::Parquet::new(plan, e, &schema, opts.codec)
            .map_err(io_err(&lake.locate(""), "prepare Parquet for"))?;
        outputs.push(Output {
            format: Box::new(pq),
            dir: format!("{pq_folder}/{domain}/{}", ent.name),
            layer,
            kind: OutputKind::Clean,
        });
    }
    if opts.csv {
        outputs.push(Output {
            format: Box::new(csv::Csv::new(&schema)),
            dir: format!("{csv_folder}/{domain}/{}", ent.name),
            layer,
            kind: OutputKind::Clean,
        });
    }
    if let (Some(x), Some(xs)) = (&ent.export, crate::export::schema(ent)) {
        use crate::ir::export::{ExportFormat, carried};
        let format: Box<dyn Format> = match &x.format {
            ExportFormat::Parquet => Box::new(
                parquet::Parquet::new(plan, e, &xs, opts.codec)
                    .map_err(io_err(&lake.locate(""), "prepare Parquet for"))?,
            ),
            ExportFormat::Csv(d) => Box::new(dialect::DialectCsv::new(&xs, d)),
            ExportFormat::Jsonl if !x.nest.is_empty() => {
                Box::new(nested::NestedJsonLines::new(ent))
            }
            ExportFormat::Jsonl => {
                let c: Vec<_> = x
                    .columns
                    .iter()
                    .map(|(_, s)| carried(s, &x.format))
                    .collect();
                Box::new(dialect::JsonLines::new(&xs, &c))
            }
        };
        outputs.push(Output {
            format,
            dir: format!("raw/{}/{}", x.system, ent.name),
            layer: Some("raw"),
            kind: OutputKind::Export(xs),
        });
        for (t, (table, _)) in crate::ir::export::ANSWER_TABLES.iter().enumerate() {
            let schema = crate::export::mess::answer_schema(t);
            let pq = parquet::Parquet::new(plan, e, &schema, opts.codec)
                .map_err(io_err(&lake.locate(""), "prepare Parquet for"))?;
            outputs.push(Output {
                format: Box::new(pq),
                dir: format!(
                    "{pq_folder}/{}/{table}/{}/{}",
                    crate::ir::export::ANSWERS_DIR,
                    x.system,
                    ent.name
                ),
                layer: Some("answers"),
                kind: OutputKind::Answer(t),
            });
        }
    }
    Ok(outputs)
}

/// Opens file number `index` of output `k` in a partition (or unpartitioned).
fn open_file(
    enc: &Encoder,
    k: usize,
    partition: Option<&str>,
    index: usize,
) -> Result<OpenFile, SinkError> {
    let out = &enc.outputs[k];
    let mut rel_dir = out.dir.clone();
    if let Some(p) = partition {
        rel_dir = format!("{rel_dir}/{p}");
    }
    let name = enc.lake.file_stem(format!("part-{index:05}"));
    let rel = format!("{rel_dir}/{name}.{}", out.format.name());
    let path = enc.lake.locate(&rel);
    let file = enc.lake.create(&rel).map_err(io_err(&path, "create"))?;
    let writer = out
        .format
        .begin(HashingWriter::new(file))
        .map_err(io_err(&path, "write"))?;
    Ok(OpenFile {
        rel_dir,
        name,
        rows: 0,
        writer,
    })
}
