//! `lab manifest merge`: the parts of a split run (`lab compile --part k --parts N`, each in
//! its own output directory) combined into one lake, published like any run's output.
//!
//! Every part's files are hard-linked (copied across file systems) into the staging
//! directory of the merged output and checked against their part manifest (size and
//! SHA-256) there; the documents come from part 1, which alone writes them; the lake's
//! `_manifest.json` is [`crate::sink::manifest::merge`] of the part manifests, byte for byte
//! the single run's. Given the specs (`--specs`), the measured profile (`_profile.json`,
//! `docs/profile/`) is rendered from the parts' running statistics (`_profile.part.json`),
//! merged as if one run had measured every chunk. Nothing is published unless all of it
//! succeeded: the output directory switches atomically, as after `lab compile`.

use crate::output::{OWNED_TREES, OutputDir, OutputError};
use crate::profile::{DataStats, EntityStats};
use crate::sink::hashing::HashingWriter;
use crate::sink::manifest::{self, FileEntry, Manifest};
use crate::sink::stats;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// Why a merge failed. Nothing of a failed merge is visible in the output directory.
#[derive(Debug)]
pub enum MergeError {
    /// The parts do not make one lake: a part missing, duplicated, from another split or
    /// another run, a file listed twice, missing or not as its manifest says.
    Parts(String),
    /// A part manifest could not be read, or the output refused or failed.
    Output(OutputError),
    /// The specs given for the profile are not valid.
    Spec {
        diagnostics: Vec<crate::diagnostics::Diagnostic>,
        sources: crate::diagnostics::SourceMap,
    },
}

impl From<OutputError> for MergeError {
    fn from(e: OutputError) -> Self {
        MergeError::Output(e)
    }
}

/// What a merge wrote.
#[derive(Clone, Debug)]
pub struct Merged {
    /// The output directory's real path.
    pub out: PathBuf,
    pub parts: usize,
    pub files: usize,
    pub bytes: u64,
    /// Whether part 1's documents were carried over (a part given as its lake alone has none).
    pub documents: bool,
    /// Whether the measured profile was rendered (with the specs).
    pub profile: bool,
}

/// One part as read from disk.
struct PartDir {
    /// The part's output directory (holding `lake/`), if it was given as one.
    out: Option<PathBuf>,
    lake: PathBuf,
}

/// Merges the parts in `dirs` (their output directories, or their `lake/` directories) into
/// the output directory `out`; with `specs` (those the parts were written from), the
/// measured profile too.
pub fn merge_parts(
    dirs: &[PathBuf],
    out: &Path,
    specs: Option<&Path>,
) -> Result<Merged, MergeError> {
    let mut found = Vec::new();
    let mut manifests = Vec::new();
    for d in dirs {
        let (part, m) = read_part(d)?;
        manifests.push((d.display().to_string(), m));
        found.push(part);
    }
    let (merged, owner) = manifest::merge(&manifests).map_err(MergeError::Parts)?;
    let profile = match specs {
        Some(specs) => Some(profile(specs, &merged, dirs, &found)?),
        None => None,
    };
    let target = OutputDir::claim(out)?;
    for (d, p) in dirs.iter().zip(&found) {
        let real = std::fs::canonicalize(&p.lake).unwrap_or_else(|_| p.lake.clone());
        if real.starts_with(target.path()) {
            return Err(MergeError::Parts(format!(
                "the part `{}` is inside --out `{}`: merge into another directory",
                d.display(),
                out.display()
            )));
        }
    }
    let staging = target.stage()?;
    let files: Vec<&FileEntry> = merged.entities.iter().flat_map(|e| &e.files).collect();
    files.par_iter().try_for_each(|f| {
        let part = owner
            .get(&f.path)
            .and_then(|&i| found.get(i).zip(dirs.get(i)));
        let Some((part, label)) = part else {
            return Err(MergeError::Parts(format!("`{}` has no part", f.path)));
        };
        take_file(f, &part.lake, label, staging.path())
    })?;
    // Part 1 alone writes the documents.
    let first = manifests
        .iter()
        .position(|(_, m)| m.part.is_some_and(|p| p.index == 1));
    let docs = first.and_then(|i| found[i].out.as_ref());
    if let Some(dir) = docs {
        for tree in OWNED_TREES.iter().filter(|t| **t != "lake") {
            staging.carry_over(&dir.join(tree), tree)?;
        }
    }
    let text = serde_json::to_string_pretty(&merged)
        .map_err(|e| MergeError::Parts(format!("cannot encode the manifest: {e}")))?;
    staging.write("lake/_manifest.json", (text + "\n").as_bytes())?;
    if profile.is_some() {
        // Written afresh, never through a link to a file of part 1.
        let pages = staging.path().join("docs/profile");
        if pages.exists() {
            std::fs::remove_dir_all(&pages).map_err(|source| OutputError::Io {
                path: pages.clone(),
                action: "remove",
                source,
            })?;
        }
    }
    for a in profile.iter().flatten() {
        staging.write(&a.path, a.contents.as_bytes())?;
    }
    target.switch(staging)?;
    Ok(Merged {
        out: target.path().to_path_buf(),
        parts: manifests.len(),
        files: files.len(),
        bytes: files.iter().map(|f| f.bytes).sum(),
        documents: docs.is_some(),
        profile: profile.is_some(),
    })
}

/// The measured profile of the merged lake: `lake/_profile.json` and the `docs/profile/`
/// pages, from the parts' running statistics merged column by column, with the files and
/// bytes of the merged manifest.
fn profile(
    specs: &Path,
    merged: &Manifest,
    dirs: &[PathBuf],
    found: &[PartDir],
) -> Result<Vec<crate::emit::Artifact>, MergeError> {
    let checked = crate::frontend::check(specs);
    let Some(ir) = checked.ir.as_ref().filter(|_| !checked.has_errors()) else {
        return Err(MergeError::Spec {
            diagnostics: checked.diagnostics,
            sources: checked.sources,
        });
    };
    let ir = if merged.exports == Some(false) {
        ir.clone().without_exports()
    } else {
        ir.clone()
    };
    if ir.specs_sha256 != merged.specs_sha256 {
        return Err(MergeError::Parts(format!(
            "the specs in `{}` are not those the parts were written from (their checksum \
             differs from the manifests' `specs_sha256`)",
            specs.display()
        )));
    }
    let mut acc: Vec<Vec<stats::Accumulator>> = ir
        .entities
        .iter()
        .map(|e| {
            e.exported()
                .map(|_| stats::Accumulator::default())
                .collect()
        })
        .collect();
    let mut rows = vec![0u64; ir.entities.len()];
    for (d, part) in dirs.iter().zip(found) {
        let path = part.lake.join(stats::PART_PROFILE);
        let bad = |why: String| {
            MergeError::Parts(format!(
                "`{}`: {why}; the part was not written by this lab version, or was changed",
                path.display()
            ))
        };
        let bytes = std::fs::read(&path).map_err(|e| {
            bad(format!(
                "cannot read the statistics of part `{}` ({e})",
                d.display()
            ))
        })?;
        let p: stats::PartProfile =
            serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
        if p.entities.len() != ir.entities.len() {
            return Err(bad("other entities than the specs".into()));
        }
        for (e, pe) in p.entities.into_iter().enumerate() {
            if pe.entity != ir.entities[e].qualified || pe.columns.len() != acc[e].len() {
                return Err(bad(format!("`{}` does not match the specs", pe.entity)));
            }
            rows[e] = rows[e].saturating_add(pe.rows);
            for (a, c) in acc[e].iter_mut().zip(pe.columns) {
                a.absorb(c).map_err(bad)?;
            }
        }
    }
    let files: BTreeMap<String, (usize, u64)> = merged
        .entities
        .iter()
        .map(|e| {
            let bytes = e.files.iter().map(|f| f.bytes).sum();
            (format!("{}.{}", e.domain, e.entity), (e.files.len(), bytes))
        })
        .collect();
    let stats = DataStats {
        entities: ir
            .entities
            .iter()
            .zip(acc)
            .zip(&rows)
            .map(|((ent, acc), &rows)| {
                let (files, bytes) = files.get(&ent.qualified).copied().unwrap_or((0, 0));
                EntityStats {
                    rows,
                    files,
                    bytes,
                    columns: acc.into_iter().map(stats::Accumulator::finish).collect(),
                }
            })
            .collect(),
    };
    // The profile pages read only the scale and seed of the options.
    let opts = crate::emit::EmitOptions {
        bucket: String::new(),
        scale: merged.scale,
        seed: merged.seed,
        rows: rows.clone(),
        compression: crate::codec::Codec::Snappy,
    };
    let mut out = vec![crate::emit::Artifact {
        path: "lake/_profile.json".into(),
        contents: stats::profile_json(&ir, &stats),
    }];
    out.extend(crate::emit::profile(&ir, &opts, &stats));
    Ok(out)
}

/// Reads the part manifest of `dir`: `dir/lake/_manifest.json` (an output directory) or
/// `dir/_manifest.json` (a lake).
fn read_part(dir: &Path) -> Result<(PartDir, Manifest), MergeError> {
    let (out, lake) = if dir.join("lake").join("_manifest.json").is_file() {
        (Some(dir.to_path_buf()), dir.join("lake"))
    } else {
        (None, dir.to_path_buf())
    };
    let path = lake.join("_manifest.json");
    let bytes = std::fs::read(&path).map_err(|source| {
        MergeError::Output(OutputError::Io {
            path: path.clone(),
            action: "read the part manifest",
            source,
        })
    })?;
    let m: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
        MergeError::Parts(format!(
            "`{}` is not a manifest lab wrote: {e}",
            path.display()
        ))
    })?;
    Ok((PartDir { out, lake }, m))
}

/// Links (or copies) file `f` of the part lake `lake` into `staging/lake/`, then checks the
/// copy against the part manifest: its size and SHA-256.
fn take_file(f: &FileEntry, lake: &Path, label: &Path, staging: &Path) -> Result<(), MergeError> {
    let rel = Path::new(&f.path);
    // Data files live in folders (`<layer>/<domain>/<entity>/…`): never at the top of the
    // lake, where the merge writes its own files, nor hidden.
    let plain = rel.components().all(|c| match c {
        Component::Normal(n) => !n.to_string_lossy().starts_with('.'),
        _ => false,
    });
    if !plain || rel.components().count() < 2 {
        return Err(MergeError::Parts(format!(
            "`{}` lists the file `{}`, which is not a path inside the lake",
            label.display(),
            f.path
        )));
    }
    let src = lake.join(rel);
    let dst = staging.join("lake").join(rel);
    let io = |path: &Path, action: &'static str| {
        let path = path.to_path_buf();
        move |source| {
            MergeError::Output(OutputError::Io {
                path,
                action,
                source,
            })
        }
    };
    if !src.is_file() {
        return Err(MergeError::Parts(format!(
            "`{}` lists `{}`, but the part holds no such file",
            label.display(),
            f.path
        )));
    }
    if let Some(parent) = dst.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent, "create directory"))?;
    }
    if std::fs::hard_link(&src, &dst).is_err() {
        std::fs::copy(&src, &dst).map_err(io(&src, "copy"))?;
    }
    let (bytes, sha256) = hash_file(&dst).map_err(io(&dst, "read"))?;
    if bytes != f.bytes || sha256 != f.sha256 {
        return Err(MergeError::Parts(format!(
            "`{}` of `{}` does not match its manifest ({bytes} bytes, SHA-256 {sha256}; the \
             manifest says {} bytes, {}): the part was changed after it was written",
            f.path,
            label.display(),
            f.bytes,
            f.sha256
        )));
    }
    Ok(())
}

/// The size and SHA-256 (lower-case hex) of a file.
fn hash_file(path: &Path) -> std::io::Result<(u64, String)> {
    let mut w = HashingWriter::new(std::io::sink());
    std::io::copy(&mut std::fs::File::open(path)?, &mut w)?;
    w.digest()
}
