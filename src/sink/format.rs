//! The output-format interface of the sink. A format turns a batch into its encoded form on the
//! worker pool ([`Format::encode`], so compression runs in parallel) and appends encoded
//! batches to a file on the assembling thread ([`FileWriter::append`], strictly in chunk
//! order, so the bytes never depend on the thread count). Parquet ([`super::parquet`]) and CSV
//! ([`super::csv`]) are the two implementations; a new format is one more file beside them.
//! The manifest, checksums, partition folders and the profile are the sink's business, not
//! the formats'.

use super::hashing::HashingWriter;
use super::lake::LakeFile;
use crate::arrow::record_batch::RecordBatch;
use std::any::Any;
use std::io;

/// A batch as one format encoded it; only that format's [`FileWriter`] reads it.
pub type Encoded = Box<dyn Any + Send>;

/// Where a format writes a file: a file of the lake (buffered) that counts bytes and computes
/// the SHA-256 of everything written.
pub type FileOut = HashingWriter<Box<dyn LakeFile>>;

/// One output format of the lake, set up for one entity (its schema and properties).
pub trait Format: Send + Sync {
    /// The format's name in the manifest; also the files' extension.
    fn name(&self) -> &'static str;
    /// Encodes one batch. Runs on a worker; must not depend on any other batch.
    fn encode(&self, batch: &RecordBatch) -> io::Result<Encoded>;
    /// Starts a file.
    fn begin(&self, out: FileOut) -> io::Result<Box<dyn FileWriter>>;
}

/// A file being written by one format.
pub trait FileWriter: Send {
    /// Appends one encoded batch (from this format's [`Format::encode`]).
    fn append(&mut self, batch: Encoded) -> io::Result<()>;
    /// Completes the file: its size in bytes and its hex SHA-256.
    fn finish(self: Box<Self>) -> io::Result<(u64, String)>;
}

/// The error for an encoded batch that another format produced (a bug, never user input).
pub(super) fn foreign_batch(format: &str) -> io::Error {
    io::Error::other(format!(
        "a batch not encoded as {format} was appended to a {format} file"
    ))
}
