//! The `lab` binary: parses arguments, runs the library, maps the outcome to an exit code
//! (0 success, 1 spec or data errors, 2 usage or IO errors).

/// The allocator of the binary. The workers allocate and free large buffers all the time (a
/// chunk's columns, its export, its encoded bytes), which glibc's allocator serves with much
/// more work (consolidating freed chunks, returning and refaulting pages) than mimalloc's
/// per-thread heaps; `docs/performance.md` has the measurement.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` of mimalloc 3 (`mi_option_t` in its `mimalloc.h`; the versions are
/// pinned in Cargo.toml): how long freed memory stays committed before it is returned to the
/// system. The default (1 s) returns the buffers of one chunk just before the next chunk
/// needs them again, and the page faults of taking them back cost more system time than the
/// encoding of the exports; 10 s keeps them for the whole run of an entity.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> std::process::ExitCode {
    // SAFETY: setting an option is how mimalloc is configured at run time; it takes effect for
    // later purges and is called before any worker thread exists.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 10_000) };
    lab::cli::main()
}
