//! `lab compile --out s3://bucket/prefix`: the lake is streamed to S3 file by file as the
//! sink writes it (no local staging), the documents follow, and the manifest is written last:
//! it is the commit point, since S3 has no rename. A rerun's files carry a tag of the run's
//! inputs in their names, so a run with other inputs never overwrites a file an earlier
//! manifest lists; once the new manifest is written, lab's data files under `<prefix>/lake/`
//! that it does not list are deleted. See `docs/architecture.md`, "Output to S3".

#![cfg_attr(not(feature = "s3"), allow(dead_code))]

#[cfg(not(feature = "s3"))]
use super::{Config, Error, Observer, Outcome};
#[cfg(not(feature = "s3"))]
use crate::diagnostics::{Diagnostic, SourceMap};
#[cfg(not(feature = "s3"))]
use crate::ir::Ir;
#[cfg(not(feature = "s3"))]
use crate::output::S3Location;

#[cfg(not(feature = "s3"))]
pub(super) fn compile(
    _cfg: &Config,
    loc: &S3Location,
    _ir: &Ir,
    _warnings: Vec<Diagnostic>,
    _sources: &SourceMap,
    _observer: &dyn Observer,
) -> Result<Outcome, Error> {
    Err(Error::Remote(format!(
        "this lab was built without S3 support (cargo feature `s3`): cannot write to {}",
        loc.url()
    )))
}

#[cfg(feature = "s3")]
pub(super) use with_s3::compile;

/// The manifest's name under the lake.
pub(super) const MANIFEST: &str = "_manifest.json";

/// The paths an earlier manifest lists (none when there is none or it cannot be read).
pub(super) fn manifest_paths(bytes: Option<&[u8]>) -> Vec<String> {
    let Some(v) = bytes.and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in v["entities"].as_array().into_iter().flatten() {
        for f in e["files"].as_array().into_iter().flatten() {
            if let Some(p) = f["path"].as_str() {
                out.push(p.to_string());
            }
        }
    }
    out
}

#[cfg(feature = "s3")]
pub(super) mod with_s3 {
    use super::super::{
        Config, Error, LakeReport, Observer, Outcome, documents, plan_run, write_lake,
    };
    use super::{MANIFEST, manifest_paths};
    use crate::aws::s3::{Bucket, Upload};
    use crate::aws::{Aws, AwsError, Settings};
    use crate::diagnostics::{Diagnostic, SourceMap};
    use crate::ir::Ir;
    use crate::output::S3Location;
    use crate::sink::{Lake, LakeFile};
    use std::collections::BTreeSet;
    use std::io;
    use std::path::PathBuf;
    use std::sync::{Arc, Mutex};

    impl LakeFile for Upload {
        fn complete(self: Box<Self>) -> io::Result<()> {
            Upload::complete(*self)
        }
    }

    /// The lake under `<prefix>/lake/` of a bucket. The manifest is held back until
    /// [`S3Lake::commit`].
    pub(in crate::pipeline) struct S3Lake<'a> {
        pub bucket: &'a Bucket,
        /// Key of the lake's root (`<prefix>/lake`).
        pub root: String,
        /// Added to data file names (see the module documentation); empty for none.
        pub tag: String,
        pub manifest: Mutex<Option<Vec<u8>>>,
    }

    impl S3Lake<'_> {
        pub fn key(&self, rel: &str) -> String {
            if self.root.is_empty() {
                rel.to_string()
            } else {
                format!("{}/{rel}", self.root)
            }
        }

        /// Waits for every data file to be in the bucket, then writes the held manifest: the
        /// new lake becomes the lake.
        pub fn commit(&self) -> io::Result<()> {
            self.bucket.settle()?;
            let held = self
                .manifest
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take();
            match held {
                Some(m) => self.bucket.put(&self.key(MANIFEST), &m),
                None => Ok(()),
            }
        }
    }

    impl Lake for S3Lake<'_> {
        fn locate(&self, rel: &str) -> PathBuf {
            PathBuf::from(self.bucket.url(&self.key(rel)))
        }

        fn file_stem(&self, stem: String) -> String {
            if self.tag.is_empty() {
                stem
            } else {
                format!("{stem}-{}", self.tag)
            }
        }

        fn create(&self, rel: &str) -> io::Result<Box<dyn LakeFile>> {
            Ok(Box::new(self.bucket.create(&self.key(rel))))
        }

        fn put(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
            if rel == MANIFEST {
                *self.manifest.lock().unwrap_or_else(|p| p.into_inner()) = Some(bytes.to_vec());
                Ok(())
            } else {
                self.bucket.put(&self.key(rel), bytes)
            }
        }
    }

    pub(in crate::pipeline) fn remote(e: AwsError) -> Error {
        Error::Remote(e.to_string())
    }

    fn io_remote(what: &str) -> impl Fn(io::Error) -> Error + '_ {
        move |e| Error::Remote(format!("cannot {what}: {e}"))
    }

    /// Connects to the bucket of `loc` and checks it before any work.
    pub(in crate::pipeline) fn connect(
        loc: &S3Location,
        settings: &Settings,
    ) -> Result<Bucket, Error> {
        let aws = Arc::new(Aws::connect(settings).map_err(remote)?);
        let bucket = Bucket::new(aws, &loc.bucket).map_err(remote)?;
        bucket.check(&loc.prefix).map_err(remote)?;
        Ok(bucket)
    }

    /// The tag of a run: 8 hex digits of a hash of everything the lake's bytes depend on.
    fn run_tag(cfg: &Config, ir: &Ir) -> String {
        use sha2::{Digest, Sha256};
        let identity = format!(
            "{}|{}|{}|{}|{}|{}|{:?}|{}|{}",
            env!("CARGO_PKG_VERSION"),
            ir.specs_sha256,
            cfg.seed,
            cfg.scale,
            cfg.sink.parquet,
            cfg.sink.csv,
            cfg.as_of,
            cfg.sink.codec.name(),
            cfg.clean
        );
        crate::hash::hex(&Sha256::digest(identity.as_bytes()))[..8].to_string()
    }

    pub fn compile(
        cfg: &Config,
        loc: &S3Location,
        ir: &Ir,
        warnings: Vec<Diagnostic>,
        sources: &SourceMap,
        observer: &dyn Observer,
    ) -> Result<Outcome, Error> {
        let bucket = connect(loc, &Settings::default())?;
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(cfg.threads)
            .stack_size(64 << 20)
            .build()
            .map_err(|e| Error::Threads(format!("cannot start {} threads: {e}", cfg.threads)))?;
        pool.install(|| {
            let plan = plan_run(cfg, ir, sources, None)?;
            let mut artifacts = documents(cfg, &plan)?;
            let lake = S3Lake {
                bucket: &bucket,
                root: loc.key("lake"),
                tag: run_tag(cfg, ir),
                manifest: Mutex::new(None),
            };
            let report: Option<LakeReport> = if cfg.docs_only {
                None
            } else {
                Some(write_lake(
                    cfg,
                    &plan,
                    &lake,
                    sources,
                    observer,
                    &mut artifacts,
                )?)
            };
            for a in &artifacts {
                bucket
                    .put(&loc.key(&a.path), a.contents.as_bytes())
                    .map_err(io_remote("write a document"))?;
            }
            let outcome = Outcome {
                out: PathBuf::from(loc.url()),
                documents: artifacts.len(),
                lake: report,
                warnings,
                lake_dropped: None,
            };
            observer.before_switch(&outcome).map_err(Error::Observer)?;
            if !cfg.docs_only {
                lake.commit().map_err(io_remote("write the manifest"))?;
                sweep(&lake)?;
            }
            Ok(outcome)
        })
    }

    /// Deletes lab's data files under the lake that the manifest just written does not list:
    /// those of the lake it replaced, and those an interrupted run left.
    fn sweep(lake: &S3Lake) -> Result<(), Error> {
        let root = lake.key("");
        let manifest = lake
            .bucket
            .get(&lake.key(MANIFEST))
            .map_err(io_remote("read the manifest back"))?;
        let keep: BTreeSet<String> = manifest_paths(manifest.as_deref())
            .into_iter()
            .map(|p| lake.key(&p))
            .collect();
        let keys = lake
            .bucket
            .list(root.trim_end_matches('/'))
            .map_err(io_remote("list the lake"))?;
        for k in keys {
            let name = k.rsplit('/').next().unwrap_or(&k);
            if name.starts_with("part-") && !keep.contains(&k) {
                lake.bucket
                    .delete(&k)
                    .map_err(io_remote("delete a replaced file"))?;
            }
        }
        Ok(())
    }
}
