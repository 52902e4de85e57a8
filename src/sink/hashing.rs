//! A `Write` adapter that counts bytes and computes the SHA-256 of everything written, so the
//! manifest's checksums cost no second read of the file.

use super::lake::LakeFile;
use sha2::{Digest, Sha256};
use std::io::{self, Write};

pub struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }
}

impl<W: Write> HashingWriter<W> {
    /// Flushes; returns (bytes, hex SHA-256) of everything written, for a writer that needs
    /// no completing (a plain file or a sink).
    pub fn digest(mut self) -> io::Result<(u64, String)> {
        self.inner.flush()?;
        Ok((self.bytes, crate::hash::hex(&self.hasher.finalize())))
    }
}

impl HashingWriter<Box<dyn LakeFile>> {
    /// Flushes and completes the file; returns (bytes, hex SHA-256).
    pub fn finish(mut self) -> io::Result<(u64, String)> {
        self.inner.flush()?;
        self.inner.complete()?;
        Ok((self.bytes, crate::hash::hex(&self.hasher.finalize())))
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
