//! Where the sink writes: a [`Lake`] turns a file's path relative to the lake root into a
//! writer. [`LocalLake`] writes into a directory (the staging directory of a run); a remote
//! lake (S3, implemented outside the sink) streams each file to its object store as it is
//! written. The sink itself never names a file system or a network: it asks its lake.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file being written to a lake. Everything written reaches the lake only once
/// [`LakeFile::complete`] returns; a file dropped before that may be left incomplete (a
/// local file) or not exist at all (an upload that is never completed).
pub trait LakeFile: Write + Send {
    /// Flushes and completes the file.
    fn complete(self: Box<Self>) -> io::Result<()>;
}

/// The destination of a lake's files, by path relative to the lake root
/// (`raw/<domain>/<entity>/part-00000.parquet`, `_manifest.json`).
pub trait Lake: Sync {
    /// Where `rel` is, for messages: a local path or an `s3://` URL.
    fn locate(&self, rel: &str) -> PathBuf;
    /// The name of a data file without its extension, from the sink's `part-NNNNN`. A remote
    /// lake may add a tag so that a run never overwrites a file of a different earlier lake.
    fn file_stem(&self, stem: String) -> String {
        stem
    }
    /// Starts a file.
    fn create(&self, rel: &str) -> io::Result<Box<dyn LakeFile>>;
    /// Writes a whole small file (the manifest, the profile).
    fn put(&self, rel: &str, bytes: &[u8]) -> io::Result<()>;
}

/// A lake in a local directory.
pub struct LocalLake(pub PathBuf);

impl LocalLake {
    pub fn new(dir: &Path) -> LocalLake {
        LocalLake(dir.to_path_buf())
    }
}

/// The write buffer of one local file.
const BUFFER: usize = 64 << 10;

struct LocalFile(BufWriter<File>);

impl Write for LocalFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl LakeFile for LocalFile {
    fn complete(mut self: Box<Self>) -> io::Result<()> {
        self.0.flush()
    }
}

impl Lake for LocalLake {
    fn locate(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }

    fn create(&self, rel: &str) -> io::Result<Box<dyn LakeFile>> {
        let path = self.0.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let file = File::create(&path)?;
        // Small: an entity with daily files keeps one file per day open while a range of its
        // rows is written (hundreds at once), and most writes are whole encoded chunks that
        // bypass the buffer anyway.
        Ok(Box::new(LocalFile(BufWriter::with_capacity(BUFFER, file))))
    }

    fn put(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        let path = self.0.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, bytes)
    }
}
