//! Parquet output: one file per 1,048,576 rows, one row group per chunk. Column chunks are
//! encoded and compressed on the workers (`ArrowColumnWriter`) and only appended in order on
//! the assembling thread. Writer properties are per entity: the codec chosen on the command
//! line, row groups of the chunk size, and no dictionary for columns whose values are (nearly)
//! all distinct by their generator, nor for references picked uniformly among at least a
//! chunk's worth of target rows.

use super::format::{Encoded, FileOut, FileWriter, Format, foreign_batch};
use super::{Codec, Plan};
use crate::arrow::datatypes::SchemaRef;
use crate::arrow::record_batch::RecordBatch;
use crate::ir::{EntityId, Generator as G};
use parquet::arrow::ArrowSchemaConverter;
use parquet::arrow::arrow_writer::{ArrowColumnChunk, ArrowRowGroupWriterFactory, compute_leaves};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{WriterProperties, WriterPropertiesPtr};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::{ColumnPath, SchemaDescriptor};
use std::io;
use std::sync::Arc;

impl Codec {
    fn parquet(self) -> Compression {
        match self {
            Codec::Snappy => Compression::SNAPPY,
            Codec::Zstd => Compression::ZSTD(ZstdLevel::try_new(3).unwrap_or_default()),
            Codec::None => Compression::UNCOMPRESSED,
        }
    }
}

/// Parquet for one entity.
pub struct Parquet {
    schema: SchemaDescriptor,
    props: WriterPropertiesPtr,
    factory: ArrowRowGroupWriterFactory,
}

impl Parquet {
    pub fn new(plan: &Plan, e: EntityId, schema: &SchemaRef, codec: Codec) -> io::Result<Parquet> {
        let props = props(plan, e, codec);
        let descr = ArrowSchemaConverter::new()
            .convert(schema)
            .map_err(io::Error::other)?;
        // The factory only reads the schema and properties of a writer; this one writes nowhere.
        let template =
            SerializedFileWriter::new(Vec::<u8>::new(), descr.root_schema_ptr(), props.clone())
                .map_err(io::Error::other)?;
        let factory = ArrowRowGroupWriterFactory::new(&template, schema.clone());
        Ok(Parquet {
            schema: descr,
            props,
            factory,
        })
    }
}

impl Format for Parquet {
    fn name(&self) -> &'static str {
        "parquet"
    }

    fn encode(&self, batch: &RecordBatch) -> io::Result<Encoded> {
        let encode = || -> parquet::errors::Result<Vec<ArrowColumnChunk>> {
            let mut writers = self.factory.create_column_writers(0)?;
            let mut k = 0;
            for (arr, field) in batch.columns().iter().zip(batch.schema().fields()) {
                for leaf in compute_leaves(field, arr)? {
                    writers[k].write(&leaf)?;
                    k += 1;
                }
            }
            writers.into_iter().map(|w| w.close()).collect()
        };
        Ok(Box::new(encode().map_err(io::Error::other)?))
    }

    fn begin(&self, out: FileOut) -> io::Result<Box<dyn FileWriter>> {
        let w = SerializedFileWriter::new(out, self.schema.root_schema_ptr(), self.props.clone())
            .map_err(io::Error::other)?;
        Ok(Box::new(ParquetFile(w)))
    }
}

struct ParquetFile(SerializedFileWriter<FileOut>);

impl FileWriter for ParquetFile {
    fn append(&mut self, batch: Encoded) -> io::Result<()> {
        let chunks = batch
            .downcast::<Vec<ArrowColumnChunk>>()
            .map_err(|_| foreign_batch("parquet"))?;
        let mut rg = self.0.next_row_group().map_err(io::Error::other)?;
        for c in *chunks {
            c.append_to_row_group(&mut rg).map_err(io::Error::other)?;
        }
        rg.close().map_err(io::Error::other)?;
        Ok(())
    }

    fn finish(self: Box<Self>) -> io::Result<(u64, String)> {
        self.0.into_inner().map_err(io::Error::other)?.finish()
    }
}

fn props(plan: &Plan, e: EntityId, codec: Codec) -> WriterPropertiesPtr {
    let mut b = WriterProperties::builder()
        .set_compression(codec.parquet())
        .set_max_row_group_row_count(Some(plan.chunk_rows as usize))
        .set_created_by(format!("lab {}", env!("CARGO_PKG_VERSION")));
    let ent = &plan.ir.entities[e];
    for (i, a) in ent.exported() {
        if mostly_distinct(a, ent.primary_key == [i]) || wide_reference(plan, ent, a) {
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
    use crate::ir::{FakeKind as F, Type};
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
        } => wide_numbers(a.ty, dist, *min, *max, *round),
        _ => false,
    }
}

/// Whether a column is a reference picked uniformly among at least a chunk's worth of
/// target rows: a row group then holds mostly distinct keys (63 % or more), and a dictionary
/// would only cost the time of building it.
fn wide_reference(plan: &Plan, ent: &crate::ir::Entity, a: &crate::ir::Attribute) -> bool {
    let G::Ref { fk, .. } = a.generator else {
        return false;
    };
    ent.foreign_keys.get(fk).is_some_and(|f| {
        matches!(f.pick, crate::ir::Pick::Uniform)
            && plan
                .entities
                .get(f.target)
                .is_some_and(|t| t.rows >= plan.chunk_rows)
    })
}

/// Whether a rounded distribution spans more than 65,536 distinct values.
fn wide_numbers(
    ty: crate::ir::Type,
    dist: &crate::ir::Dist,
    min: Option<f64>,
    max: Option<f64>,
    round: Option<u32>,
) -> bool {
    use crate::ir::{Dist, Type};
    let digits = match (ty, round) {
        (Type::Float64, None) => return true,
        (Type::Decimal(_, s), None) => s as u32,
        (_, r) => r.unwrap_or(0),
    };
    let (lo, hi) = match dist {
        Dist::Uniform(lo, hi) => (min.unwrap_or(*lo), max.unwrap_or(*hi)),
        _ => match (min, max) {
            (Some(lo), Some(hi)) => (lo, hi),
            _ => return false,
        },
    };
    (hi - lo) * 10f64.powi(digits as i32) > 65_536.0
}
