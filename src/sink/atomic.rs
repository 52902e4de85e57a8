//! Nothing half-written: output trees are built in a hidden temporary directory beside their
//! destination and swapped in whole. On Linux the swap is one `renameat2(RENAME_EXCHANGE)`, so
//! readers see either the old tree or the new one; a killed run leaves only a hidden temporary
//! directory, which the next run removes. A lock file keeps two runs off one output directory.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// An exclusive lock on an output directory, held for the life of the value.
pub struct OutputLock {
    _file: File,
}

impl OutputLock {
    pub fn acquire(out: &Path) -> io::Result<OutputLock> {
        std::fs::create_dir_all(out)?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(out.join(".lab.lock"))?;
        #[cfg(unix)]
        {
            use std::os::unix::io::AsRawFd;
            // SAFETY: flock on a file descriptor we own; no memory is shared with the call.
            let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if rc != 0 {
                return Err(io::Error::new(
                    io::ErrorKind::WouldBlock,
                    format!("another `lab compile` is writing to `{}`", out.display()),
                ));
            }
        }
        Ok(OutputLock { _file: file })
    }
}

/// The hidden staging directory for `dest` (e.g. `<out>/.lake.tmp-1234`).
pub fn staging_dir(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dest.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Removes staging and backup directories left by killed runs (call while holding the lock).
pub fn clean_leftovers(dest: &Path) {
    let Some(parent) = dest.parent() else { return };
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Ok(rd) = std::fs::read_dir(parent) else {
        return;
    };
    for e in rd.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if n.starts_with(&format!(".{name}.tmp-")) || n.starts_with(&format!(".{name}.old-")) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// Replaces `dest` with the complete tree at `staged`.
pub fn swap_into_place(staged: &Path, dest: &Path) -> io::Result<()> {
    if !dest.exists() {
        return std::fs::rename(staged, dest);
    }
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        let a = CString::new(staged.as_os_str().as_bytes()).map_err(io::Error::other)?;
        let b = CString::new(dest.as_os_str().as_bytes()).map_err(io::Error::other)?;
        // SAFETY: both paths are valid NUL-terminated strings that outlive the call.
        let rc = unsafe {
            libc::renameat2(
                libc::AT_FDCWD,
                a.as_ptr(),
                libc::AT_FDCWD,
                b.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if rc == 0 {
            // `staged` now holds the old tree.
            return std::fs::remove_dir_all(staged);
        }
    }
    // Fallback: two renames (a brief window without `dest`, but never a partial tree).
    let old = dest.with_file_name(format!(
        ".{}.old-{}",
        dest.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    std::fs::rename(dest, &old)?;
    std::fs::rename(staged, dest)?;
    std::fs::remove_dir_all(&old)
}
