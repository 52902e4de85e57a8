//! The output directory `lab` owns, and the one atomic switch that publishes a run.
//!
//! `lab compile --out DIR` writes only into a directory it created, an empty one, or one that
//! carries its marker file [`MARKER`] and holds nothing but the directories `lab` writes
//! ([`OWNED_TREES`]). Anything else — a project checkout, `/`, a directory with other files, a
//! symbolic link where `lab` would put a tree — is refused before any work, so a run can never
//! delete a file `lab` did not create.
//!
//! A run builds its whole output (lake and documents) in a hidden staging directory beside
//! `DIR` (`.DIR.lab-staging-<pid>-<n>`), then publishes it with one
//! `renameat2(RENAME_EXCHANGE)` of the two directories: a reader of `DIR` sees the complete old
//! output or the complete new one, never a mix. The old tree, now under the staging name, is
//! deleted afterwards. Until the switch, a failure or a signal leaves `DIR` exactly as it was;
//! the staging directory of a killed run is removed by the next run.
//!
//! Runs exclude each other with `flock` on the output directory itself (and on their staging
//! directory, which becomes the output directory at the switch), so no lock file is needed and
//! a special file can never make `lab` wait forever.

use std::ffi::{CString, OsString};
use std::fs::File;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The file that marks a directory as `lab`'s output.
pub const MARKER: &str = ".lab-output";

/// The directories `lab` writes at the top of its output directory, beside [`MARKER`]. An
/// owned directory holding anything else is refused.
pub const OWNED_TREES: &[&str] = &["lake", "docs", "erd", "ddl", "glue", "schema", "dbt"];

/// The empty lock file earlier versions left in their output; removed with the old output.
const LEGACY_LOCK: &str = ".lab.lock";

const MARKER_TEXT: &str = "This directory is the output of `lab compile`.\n\
Every run replaces it whole; do not keep other files here.\n";

/// Why the output could not be claimed, staged or published.
#[derive(Debug)]
pub enum OutputError {
    /// The directory is not `lab`'s to write (exit code 2).
    NotOwned { path: PathBuf, reason: String },
    /// Another run is writing the same output.
    Locked { path: PathBuf },
    /// A file-system operation failed on `path`.
    Io {
        path: PathBuf,
        action: &'static str,
        source: io::Error,
    },
}

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OutputError::NotOwned { path, reason } => {
                write!(f, "refusing to write to `{}`: {reason}", path.display())
            }
            OutputError::Locked { path } => write!(
                f,
                "another `lab compile` is writing to `{}`; wait for it to finish",
                path.display()
            ),
            OutputError::Io {
                path,
                action,
                source,
            } => write!(f, "cannot {action} `{}`: {source}", path.display()),
        }
    }
}

impl std::error::Error for OutputError {}

pub(crate) fn io_err(path: &Path, action: &'static str) -> impl FnOnce(io::Error) -> OutputError {
    let path = path.to_path_buf();
    move |source| OutputError::Io {
        path,
        action,
        source,
    }
}

/// A claimed output directory: checked to be `lab`'s and locked for this run.
pub struct OutputDir {
    /// The directory's real path (symbolic links resolved).
    path: PathBuf,
    /// Whether it existed when claimed.
    existed: bool,
    _lock: Option<DirLock>,
}

impl OutputDir {
    /// Checks that `out` may be written and locks it. Nothing is created or changed.
    pub fn claim(out: &Path) -> Result<OutputDir, OutputError> {
        let path = real_path(out)?;
        if path.parent().is_none() || path.file_name().is_none() {
            return Err(OutputError::NotOwned {
                path,
                reason: "it is the root directory; choose a directory of its own, e.g. `--out ./generated`".into(),
            });
        }
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(m) => Some(m),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(io_err(&path, "inspect")(e)),
        };
        let Some(meta) = meta else {
            return Ok(OutputDir {
                path,
                existed: false,
                _lock: None,
            });
        };
        if !meta.is_dir() {
            return Err(OutputError::NotOwned {
                path,
                reason: "it exists and is not a directory".into(),
            });
        }
        check_owned(&path)?;
        if std::env::current_dir()
            .ok()
            .and_then(|d| std::fs::canonicalize(d).ok())
            .is_some_and(|cwd| cwd.starts_with(&path))
        {
            return Err(OutputError::NotOwned {
                path,
                reason: "it is (or contains) the current directory, which a run would replace; \
                         run lab from elsewhere or choose another --out"
                    .into(),
            });
        }
        let lock = lock_current(&path)?;
        Ok(OutputDir {
            path,
            existed: true,
            _lock: Some(lock),
        })
    }

    /// The directory's real path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Removes staging directories of killed runs and starts a new, locked staging directory
    /// holding the marker.
    pub fn stage(&self) -> Result<Staging, OutputError> {
        let (parent, name) = self.parent_and_name();
        std::fs::create_dir_all(&parent).map_err(io_err(&parent, "create directory"))?;
        remove_stale_staging(&parent, &name);
        static N: AtomicU64 = AtomicU64::new(0);
        let staging = parent.join(format!(
            ".{}.lab-staging-{}-{}",
            name.to_string_lossy(),
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir(&staging).map_err(io_err(&staging, "create directory"))?;
        let lock = match DirLock::try_lock(&staging) {
            Ok(Some(l)) => l,
            Ok(None) => {
                return Err(OutputError::Locked { path: staging });
            }
            Err(e) => return Err(io_err(&staging, "lock")(e)),
        };
        let st = Staging {
            path: staging,
            lock: Some(lock),
            switched: false,
        };
        st.write(MARKER, MARKER_TEXT.as_bytes())?;
        Ok(st)
    }

    /// Publishes `staging` as the output directory in one atomic step and deletes the old
    /// output. After this returns `Ok`, the new output is visible in full.
    pub fn switch(&self, mut staging: Staging) -> Result<(), OutputError> {
        if self.existed {
            exchange(&staging.path, &self.path)?;
            staging.switched = true;
            // `staging.path` now holds the old output; it is garbage from here on, and a
            // failure to delete it is cleaned up by the next run.
            let _ = std::fs::remove_dir_all(&staging.path);
        } else {
            rename_noreplace(&staging.path, &self.path)?;
            staging.switched = true;
        }
        Ok(())
    }

    fn parent_and_name(&self) -> (PathBuf, OsString) {
        let parent = self
            .path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let name = self.path.file_name().unwrap_or_default().to_os_string();
        (parent, name)
    }
}

/// A run's output under construction. Dropped without a switch, it is deleted.
pub struct Staging {
    path: PathBuf,
    lock: Option<DirLock>,
    switched: bool,
}

impl Staging {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `bytes` to `rel` (a `/`-separated path inside the staging directory).
    pub fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let p = self.path.join(rel);
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).map_err(io_err(dir, "create directory"))?;
        }
        std::fs::write(&p, bytes).map_err(io_err(&p, "write"))
    }

    /// Carries the tree `from` (a directory of the current output) over to `rel`, sharing the
    /// files' storage by hard links (copying where links are impossible). Files of a published
    /// output are never modified in place, so sharing them is safe.
    pub fn carry_over(&self, from: &Path, rel: &str) -> Result<(), OutputError> {
        if !from.is_dir() {
            return Ok(());
        }
        link_tree(from, &self.path.join(rel))
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.switched {
            let _ = std::fs::remove_dir_all(&self.path);
        }
        self.lock.take();
    }
}

/// Resolves symbolic links in `out` (the directory may not exist yet: then its nearest
/// existing ancestor is resolved and the rest appended).
fn real_path(out: &Path) -> Result<PathBuf, OutputError> {
    let abs = if out.is_absolute() {
        out.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(io_err(Path::new("."), "read the current directory"))?
            .join(out)
    };
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    loop {
        match std::fs::canonicalize(existing) {
            Ok(mut p) => {
                for part in rest.iter().rev() {
                    p.push(part);
                }
                return Ok(normalize(&p));
            }
            Err(_) => match (existing.parent(), existing.file_name()) {
                (Some(parent), Some(name)) => {
                    rest.push(name.to_os_string());
                    existing = parent;
                }
                _ => return Ok(normalize(&abs)),
            },
        }
    }
}

/// Removes `.` and resolves `..` components lexically (used only below the first existing
/// ancestor, which is already canonical).
fn normalize(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Refuses a directory that is neither empty nor marked, or that holds names `lab` does not
/// write, or whose `lab` names are symbolic links (they would be replaced, not followed).
fn check_owned(path: &Path) -> Result<(), OutputError> {
    let entries: Vec<OsString> = std::fs::read_dir(path)
        .map_err(io_err(path, "read directory"))?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<io::Result<_>>()
        .map_err(io_err(path, "read directory"))?;
    if entries.is_empty() {
        return Ok(());
    }
    let marked = std::fs::symlink_metadata(path.join(MARKER)).is_ok_and(|m| m.is_file());
    if !marked {
        return Err(OutputError::NotOwned {
            path: path.to_path_buf(),
            reason: format!(
                "it is not empty and was not written by lab (it has no `{MARKER}` file). lab \
                 replaces its output directory whole, so it only writes to a new or empty \
                 directory or one it wrote before; choose another --out (e.g. a new \
                 subdirectory). An output of an earlier lab version has no marker: if that is \
                 what this is, delete it or create an empty `{MARKER}` file in it"
            ),
        });
    }
    let mut foreign = Vec::new();
    for n in &entries {
        let p = path.join(n);
        let name = n.to_string_lossy().into_owned();
        match owned_entry(&p, &name) {
            Entry::Owned => {}
            Entry::Foreign => foreign.push(name),
            Entry::Link => {
                return Err(OutputError::NotOwned {
                    path: path.to_path_buf(),
                    reason: format!(
                        "`{name}` is a symbolic link; lab replaces its output directory whole and \
                         would replace the link by a directory. Point --out at the real location \
                         instead"
                    ),
                });
            }
        }
    }
    foreign.sort();
    if !foreign.is_empty() {
        return Err(OutputError::NotOwned {
            path: path.to_path_buf(),
            reason: format!(
                "it holds files lab did not write ({}); lab replaces its output directory \
                 whole and would delete them. Move them elsewhere",
                foreign.join(", ")
            ),
        });
    }
    Ok(())
}

/// What an entry at the top of a marked output directory is.
enum Entry {
    /// Written by `lab`: the marker, one of its trees, or the empty legacy lock file.
    Owned,
    /// Anything else: refused, never deleted.
    Foreign,
    /// A symbolic link where `lab` writes a tree.
    Link,
}

fn owned_entry(p: &Path, name: &str) -> Entry {
    let Ok(m) = std::fs::symlink_metadata(p) else {
        return Entry::Foreign;
    };
    let tree = OWNED_TREES.contains(&name);
    if tree && m.file_type().is_symlink() {
        Entry::Link
    } else if (tree && m.is_dir())
        || (name == MARKER && m.is_file())
        || (name == LEGACY_LOCK && m.is_file() && m.len() == 0)
    {
        Entry::Owned
    } else {
        Entry::Foreign
    }
}

/// Locks the directory at `path`, making sure the lock is on the directory the path names
/// now (another run may have switched a new one in while we waited).
fn lock_current(path: &Path) -> Result<DirLock, OutputError> {
    for _ in 0..8 {
        let lock = match DirLock::try_lock(path) {
            Ok(Some(l)) => l,
            Ok(None) => {
                return Err(OutputError::Locked {
                    path: path.to_path_buf(),
                });
            }
            Err(e) => return Err(io_err(path, "lock")(e)),
        };
        let now = std::fs::metadata(path).map_err(io_err(path, "inspect"))?;
        if lock.is(&now) {
            return Ok(lock);
        }
    }
    Err(OutputError::Locked {
        path: path.to_path_buf(),
    })
}

/// Deletes staging directories of earlier runs beside the output: those nobody holds a lock
/// on (their run died). Staging directories of live runs are locked and left alone.
fn remove_stale_staging(parent: &Path, name: &OsString) {
    let prefix = format!(".{}.lab-staging-", name.to_string_lossy());
    let Ok(rd) = std::fs::read_dir(parent) else {
        return;
    };
    for e in rd.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        let Some(id) = n.strip_prefix(&prefix) else {
            continue;
        };
        let p = e.path();
        // Only what lab named and marked: `<pid>-<n>` (or `<pid>-<n>.old` of the two-rename
        // fallback), a real directory, holding the marker.
        let id = id.strip_suffix(".old").unwrap_or(id);
        let named = id
            .split_once('-')
            .is_some_and(|(a, b)| is_digits(a) && is_digits(b));
        let dir = e.file_type().is_ok_and(|t| t.is_dir());
        let marked = std::fs::symlink_metadata(p.join(MARKER)).is_ok_and(|m| m.is_file());
        if !(named && dir && marked) {
            continue;
        }
        if let Ok(Some(_lock)) = DirLock::try_lock(&p) {
            let _ = std::fs::remove_dir_all(&p);
        }
    }
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn link_tree(from: &Path, to: &Path) -> Result<(), OutputError> {
    std::fs::create_dir_all(to).map_err(io_err(to, "create directory"))?;
    for e in std::fs::read_dir(from).map_err(io_err(from, "read directory"))? {
        let e = e.map_err(io_err(from, "read directory"))?;
        let src = e.path();
        let dst = to.join(e.file_name());
        let ty = e.file_type().map_err(io_err(&src, "inspect"))?;
        if ty.is_dir() {
            link_tree(&src, &dst)?;
        } else if ty.is_file() && std::fs::hard_link(&src, &dst).is_err() {
            std::fs::copy(&src, &dst).map_err(io_err(&src, "copy"))?;
        }
    }
    Ok(())
}

fn c_path(p: &Path) -> Result<CString, OutputError> {
    CString::new(p.as_os_str().as_bytes()).map_err(|_| OutputError::Io {
        path: p.to_path_buf(),
        action: "use the path",
        source: io::Error::new(io::ErrorKind::InvalidInput, "the path holds a NUL byte"),
    })
}

/// What a `renameat2` call did.
enum Renamed {
    Done,
    /// The kernel or the file system does not support the flag: fall back to plain renames.
    Unsupported,
    Failed(io::Error),
}

/// Linux `renameat2(from, to, flags)`.
fn renameat2(from: &Path, to: &Path, flags: libc::c_uint) -> Result<Renamed, OutputError> {
    let (a, b) = (c_path(from)?, c_path(to)?);
    // SAFETY: both are valid NUL-terminated strings that outlive the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            flags,
        )
    };
    if rc == 0 {
        return Ok(Renamed::Done);
    }
    let err = io::Error::last_os_error();
    Ok(match err.raw_os_error() {
        Some(libc::EINVAL | libc::ENOSYS) => Renamed::Unsupported,
        _ => Renamed::Failed(err),
    })
}

/// Swaps two directories atomically (`RENAME_EXCHANGE`); where the file system cannot, falls
/// back to two renames (a brief moment without `dest`, never a mix).
fn exchange(staged: &Path, dest: &Path) -> Result<(), OutputError> {
    match renameat2(staged, dest, libc::RENAME_EXCHANGE)? {
        Renamed::Done => return Ok(()),
        Renamed::Failed(e) => return Err(io_err(dest, "switch the new output into")(e)),
        Renamed::Unsupported => {}
    }
    let mut old = staged.as_os_str().to_os_string();
    old.push(".old");
    let old = PathBuf::from(old);
    std::fs::rename(dest, &old).map_err(io_err(dest, "move aside"))?;
    std::fs::rename(staged, dest).map_err(io_err(dest, "switch the new output into"))?;
    std::fs::rename(&old, staged).map_err(io_err(&old, "move"))
}

/// Renames `staged` to `dest`, failing when `dest` appeared in the meantime.
fn rename_noreplace(staged: &Path, dest: &Path) -> Result<(), OutputError> {
    let taken = || OutputError::NotOwned {
        path: dest.to_path_buf(),
        reason: "it was created by someone else while this run was writing".into(),
    };
    match renameat2(staged, dest, libc::RENAME_NOREPLACE)? {
        Renamed::Done => Ok(()),
        Renamed::Failed(e) if e.raw_os_error() == Some(libc::EEXIST) => Err(taken()),
        Renamed::Failed(e) => Err(io_err(dest, "switch the new output into")(e)),
        Renamed::Unsupported if dest.exists() => Err(taken()),
        Renamed::Unsupported => {
            std::fs::rename(staged, dest).map_err(io_err(dest, "switch the new output into"))
        }
    }
}

/// An advisory `flock` on a directory, released when dropped.
struct DirLock {
    file: File,
}

impl DirLock {
    /// Locks `dir` without waiting: `Ok(None)` when another process holds it.
    fn try_lock(dir: &Path) -> io::Result<Option<DirLock>> {
        use std::os::unix::fs::OpenOptionsExt;
        use std::os::unix::io::AsRawFd;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW)
            .open(dir)?;
        // SAFETY: flock on a descriptor we own; no memory is shared with the call.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if rc == 0 {
            return Ok(Some(DirLock { file }));
        }
        let err = io::Error::last_os_error();
        if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
            Ok(None)
        } else {
            Err(err)
        }
    }

    fn is(&self, meta: &std::fs::Metadata) -> bool {
        self.file
            .metadata()
            .is_ok_and(|m| m.dev() == meta.dev() && m.ino() == meta.ino())
    }
}

/// Writes one file (e.g. `lab schema --out FILE`) through a temporary sibling and a rename,
/// so readers never see half a file. A symbolic link is followed and its target replaced; a
/// path that exists and is not a regular file (a directory, FIFO or device) is refused.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let target = follow_links(path)?;
    match std::fs::metadata(&target) {
        Ok(m) if !m.is_file() => {
            return Err(OutputError::NotOwned {
                path: target,
                reason: "it exists and is not a regular file".into(),
            });
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io_err(&target, "inspect")(e)),
    }
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    if target == path {
        std::fs::create_dir_all(&dir).map_err(io_err(&dir, "create directory"))?;
    } else if !dir.is_dir() {
        // A link is followed, never used to create directories wherever it points.
        return Err(OutputError::NotOwned {
            path: path.to_path_buf(),
            reason: format!(
                "it is a link to `{}`, whose directory does not exist",
                target.display()
            ),
        });
    }
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = std::fs::write(&tmp, bytes)
        .map_err(io_err(&tmp, "write"))
        .and_then(|()| std::fs::rename(&tmp, &target).map_err(io_err(&target, "replace")));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The path a chain of symbolic links at `path` ends at (`path` itself when it is no link).
fn follow_links(path: &Path) -> Result<PathBuf, OutputError> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = std::fs::read_link(&p).map_err(io_err(&p, "read the link"))?;
                p = match p.parent() {
                    Some(dir) if to.is_relative() => dir.join(to),
                    _ => to,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(OutputError::Io {
        path: path.to_path_buf(),
        action: "follow the links of",
        source: io::Error::new(io::ErrorKind::InvalidInput, "too many levels of links"),
    })
}

/// Free bytes of the file system that holds `path` (or its nearest existing ancestor).
pub fn free_bytes(path: &Path) -> Option<u64> {
    let mut p = path;
    while !p.exists() {
        p = p.parent()?;
    }
    let c = CString::new(p.as_os_str().as_bytes()).ok()?;
    // SAFETY: `statvfs` is a plain C struct for which all-zero bytes are a valid value.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c` is a valid NUL-terminated path and `st` a properly sized out-parameter.
    let rc = unsafe { libc::statvfs(c.as_ptr(), &mut st) };
    (rc == 0).then(|| st.f_bavail as u64 * st.f_frsize as u64)
}

/// An output on S3, `s3://bucket/prefix`: the lake goes under `<prefix>/lake/` and the
/// documents under `<prefix>/` as they would locally (see `docs/architecture.md`, "S3").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Location {
    pub bucket: String,
    /// Without leading or trailing `/`; may be empty (the bucket's root).
    pub prefix: String,
}

impl S3Location {
    /// `Ok(None)` when `text` is not an `s3://` URL; an error naming what is wrong when it is
    /// one that cannot be used.
    pub fn parse(text: &str) -> Result<Option<S3Location>, String> {
        let Some(rest) = text.strip_prefix("s3://") else {
            return Ok(None);
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        crate::emit::check_bucket(bucket).map_err(|e| format!("`{text}`: bucket {e}"))?;
        let prefix = prefix.trim_end_matches('/');
        let ok = |c: char| c.is_ascii_alphanumeric() || "-_.=!*'()".contains(c);
        for seg in prefix.split('/').filter(|_| !prefix.is_empty()) {
            if seg.is_empty() || seg == "." || seg == ".." || !seg.chars().all(ok) {
                return Err(format!(
                    "`{text}`: the prefix may hold only folders of letters, digits and `-_.=!*'()` \
                     (no empty, `.` or `..` folders), not `{seg}`"
                ));
            }
        }
        Ok(Some(S3Location {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        }))
    }

    /// The object key of `rel` (a path relative to the output).
    pub fn key(&self, rel: &str) -> String {
        if self.prefix.is_empty() {
            rel.to_string()
        } else if rel.is_empty() {
            self.prefix.clone()
        } else {
            format!("{}/{rel}", self.prefix)
        }
    }

    /// `s3://bucket/prefix`.
    pub fn url(&self) -> String {
        format!("s3://{}", self.key_path(""))
    }

    /// `bucket/prefix/rel`, as table locations name it.
    pub fn key_path(&self, rel: &str) -> String {
        let k = self.key(rel);
        if k.is_empty() {
            self.bucket.clone()
        } else {
            format!("{}/{k}", self.bucket)
        }
    }
}

#[cfg(test)]
mod s3_location_tests {
    use super::S3Location;

    #[test]
    fn s3_urls() {
        assert_eq!(S3Location::parse("generated"), Ok(None));
        let l = S3Location::parse("s3://my-bucket/team/lab/")
            .unwrap()
            .unwrap();
        assert_eq!(
            (l.bucket.as_str(), l.prefix.as_str()),
            ("my-bucket", "team/lab")
        );
        assert_eq!(l.key("lake/_manifest.json"), "team/lab/lake/_manifest.json");
        assert_eq!(l.key_path("lake"), "my-bucket/team/lab/lake");
        assert_eq!(l.url(), "s3://my-bucket/team/lab");
        let root = S3Location::parse("s3://my-bucket").unwrap().unwrap();
        assert_eq!(
            (root.key("lake"), root.url()),
            ("lake".into(), "s3://my-bucket".into())
        );
        for bad in [
            "s3://",
            "s3://A_B/x",
            "s3://bucket//x",
            "s3://bucket/../x",
            "s3://bucket/a b",
        ] {
            assert!(S3Location::parse(bad).is_err(), "{bad}");
        }
    }
}
