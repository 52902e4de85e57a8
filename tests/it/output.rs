//! The output directory and the terminal, tried as a careless and a hostile user would: `lab`
//! never deletes or changes a file it did not create, publishes a run in one switch or not at
//! all, names the path of every IO error, refuses absurd sizes up front, and ends quietly with
//! the right exit code when its stdout or stderr goes away.

use crate::common::{lab, read, root, tmp};
use std::collections::BTreeMap;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn specs() -> String {
    root().join("specs").to_string_lossy().into_owned()
}

fn run(args: &[&str]) -> (Option<i32>, String) {
    let o = lab(args);
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Every file under `dir` (links not followed) with its contents.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut m = BTreeMap::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return m;
    };
    for e in rd.flatten() {
        let p = e.path();
        let t = e.file_type().unwrap();
        if t.is_dir() {
            m.extend(snapshot(&p));
        } else if t.is_symlink() {
            m.insert(
                p.clone(),
                std::fs::read_link(&p)
                    .unwrap()
                    .into_os_string()
                    .into_encoded_bytes(),
            );
        } else {
            m.insert(p.clone(), std::fs::read(&p).unwrap());
        }
    }
    m
}

/// Names beside `out` that a run stages into.
fn staging_leftovers(out: &Path) -> Vec<String> {
    let name = out.file_name().unwrap().to_string_lossy().into_owned();
    std::fs::read_dir(out.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&format!(".{name}.")))
        .collect()
}

fn compile_small(out: &Path, extra: &[&str]) {
    let s = specs();
    let mut args = vec!["compile", "--quiet", "--specs", &s, "--scale", "0.02"];
    let o = out.to_string_lossy().into_owned();
    args.extend(["--out", &o]);
    args.extend(extra);
    let (code, err) = run(&args);
    assert_eq!(code, Some(0), "{args:?}: {err}");
}

#[test]
fn a_directory_lab_does_not_own_is_refused_and_untouched() {
    let base = tmp("not-owned");
    // A project checkout: hand-written docs beside specs and code.
    let project = base.join("project");
    for (p, text) in [
        ("Cargo.toml", "[package]\n"),
        ("docs/spec-reference.md", "hand-written\n"),
        ("src/main.rs", "fn main() {}\n"),
    ] {
        let f = project.join(p);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, text).unwrap();
    }
    let before = snapshot(&base);
    for extra in [&["--docs-only"][..], &[][..]] {
        let s = specs();
        let mut args = vec!["compile", "--specs", &s, "--out", "."];
        args.extend(extra);
        let o = Command::new(env!("CARGO_BIN_EXE_lab"))
            .args(&args)
            .current_dir(&project)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("refusing to write") && err.contains(".lab-output"),
            "{err}"
        );
    }
    assert_eq!(snapshot(&base), before, "files changed");
    assert!(staging_leftovers(&project).is_empty());
}

#[test]
fn the_root_directory_is_refused() {
    let s = specs();
    let (code, err) = run(&["compile", "--docs-only", "--specs", &s, "--out", "/"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("root directory"), "{err}");
    assert!(!Path::new("/lake").exists() && !Path::new("/erd").exists());
}

#[test]
fn foreign_files_and_links_inside_an_owned_output_are_refused() {
    let base = tmp("foreign");
    let out = base.join("out");
    compile_small(&out, &[]);
    assert!(out.join(".lab-output").is_file());
    std::fs::write(out.join("notes.txt"), "mine\n").unwrap();
    let before = snapshot(&out);
    let s = specs();
    let o = out.to_string_lossy().into_owned();
    let (code, err) = run(&["compile", "--docs-only", "--specs", &s, "--out", &o]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("notes.txt"), "{err}");
    assert_eq!(snapshot(&out), before);
    std::fs::remove_file(out.join("notes.txt")).unwrap();

    // A lake kept elsewhere behind a link would be replaced by a directory: refused.
    let elsewhere = base.join("elsewhere");
    std::fs::rename(out.join("lake"), &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, out.join("lake")).unwrap();
    let before = snapshot(&base);
    let (code, err) = run(&["compile", "--specs", &s, "--out", &o, "--scale", "0.02"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("symbolic link"), "{err}");
    assert_eq!(snapshot(&base), before);
}

#[test]
fn an_output_reached_through_a_link_is_written_at_its_target() {
    let base = tmp("out-link");
    let real = base.join("real");
    std::fs::create_dir(&real).unwrap();
    let link = base.join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    compile_small(&link, &[]);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(real.join("lake/_manifest.json").is_file());
    assert!(real.join("docs/index.md").is_file());
}

#[test]
fn a_docs_only_run_keeps_the_lake_and_its_profile() {
    let out = tmp("docs-only").join("out");
    compile_small(&out, &[]);
    let lake = snapshot(&out.join("lake"));
    let profile = snapshot(&out.join("docs/profile"));
    assert!(!profile.is_empty());
    compile_small(&out, &["--docs-only"]);
    let lake_after: BTreeMap<_, _> = snapshot(&out.join("lake"));
    assert_eq!(lake_after, lake);
    assert_eq!(snapshot(&out.join("docs/profile")), profile);
    assert!(staging_leftovers(&out).is_empty());
}

/// A failure after the lake and before the documents are published (here: the observer
/// refuses at the switch, as a failed summary write does) leaves the previous output as it
/// was, lake and documents alike, and no staging directory.
#[test]
fn a_failure_before_the_switch_leaves_the_previous_output() {
    struct Refuse;
    impl lab::Observer for Refuse {
        fn before_switch(&self, _: &lab::Outcome) -> std::io::Result<()> {
            Err(std::io::Error::other("injected"))
        }
    }
    let out = tmp("mixed").join("out");
    let mut cfg = lab::Config::new(root().join("specs"), &out);
    cfg.scale = 0.02;
    cfg.threads = 2;
    lab::compile(&cfg, &lab::Silent).unwrap();
    let before = snapshot(&out);
    // A spec change that adds a column to the lake and to the DDL.
    let specs = tmp("mixed-specs");
    // The spec files and the `analytics/` folder (the metrics file declares tables of it).
    for e in std::fs::read_dir(root().join("specs")).unwrap().flatten() {
        if e.path().is_file() {
            std::fs::copy(e.path(), specs.join(e.file_name())).unwrap();
        }
    }
    crate::marts::copy_tree(&root().join("specs/analytics"), &specs.join("analytics"));
    let web = specs.join("web.yaml");
    let text = read(&web).replacen(
        "    attributes:\n",
        "    attributes:\n      injected_col: { type: int32, const: 7, description: Added. }\n",
        1,
    );
    std::fs::write(&web, text).unwrap();
    cfg.specs = specs;
    for docs_only in [false, true] {
        cfg.docs_only = docs_only;
        let r = lab::compile(&cfg, &Refuse);
        assert!(matches!(r, Err(lab::Error::Observer(_))), "{r:?}");
        assert_eq!(
            snapshot(&out),
            before,
            "docs_only={docs_only}: the output changed"
        );
        assert!(staging_leftovers(&out).is_empty());
    }
    lab::compile(&cfg, &lab::Silent).unwrap();
    assert!(read(out.join("ddl/athena/web.sql")).contains("injected_col"));
}

#[test]
fn a_summary_that_cannot_be_written_publishes_nothing() {
    let out = tmp("full-stderr").join("out");
    compile_small(&out, &[]);
    let before = snapshot(&out);
    let s = specs();
    let o = out.to_string_lossy().into_owned();
    let status = Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(["compile", "--specs", &s, "--out", &o, "--scale", "0.03"])
        .stderr(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        )
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));
    assert_eq!(snapshot(&out), before);
    assert!(staging_leftovers(&out).is_empty());
}

#[test]
fn closed_stdout_and_full_stderr_end_quietly_with_the_right_code() {
    // A reader that stops after the first line.
    let mut child = Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(["check", "--dump-ir", "--specs", &specs()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Read;
        let mut first = [0u8; 64];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    }
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    for (args, to_stdout) in [
        (vec!["check", "--specs", &specs()], false),
        (vec!["--help"], true),
        (vec!["check", "--dump-ir", "--specs", &specs()], true),
    ] {
        let mut c = Command::new(env!("CARGO_BIN_EXE_lab"));
        c.args(&args);
        if to_stdout {
            c.stdout(full());
        } else {
            c.stderr(full());
        }
        let o = c.output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
    }
}

#[test]
fn schema_out_writes_through_links_and_refuses_special_files() {
    let base = tmp("schema-out");
    let target = base.join("target.json");
    std::fs::write(&target, "old").unwrap();
    let link = base.join("link.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let (code, err) = run(&["schema", "--out", link.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(read(&target).contains("\"$schema\""));

    let fifo = base.join("fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let dir = base.join("dir");
    std::fs::create_dir(&dir).unwrap();
    for p in [&fifo, &dir] {
        let started = Instant::now();
        let (code, err) = run(&["schema", "--out", p.to_str().unwrap()]);
        assert!(started.elapsed() < Duration::from_secs(60), "hung on {p:?}");
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains("not a regular file"), "{err}");
    }
    let mut names: Vec<_> = std::fs::read_dir(&base)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["dir", "fifo", "link.json", "target.json"]);
}

#[test]
fn absurd_sizes_are_refused_up_front() {
    let base = tmp("sizes");
    let out = base.join("out");
    let s = specs();
    let o = out.to_string_lossy().into_owned();
    // A flag makes it too large: exit 2, for the data and for the plan's memory.
    for extra in [&[][..], &["--docs-only"][..]] {
        let started = Instant::now();
        let mut args = vec!["compile", "--specs", &s, "--out", &o, "--scale", "100000"];
        args.extend(extra);
        let (code, err) = run(&args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains("--scale 100000"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(60));
    }
    let (code, err) = run(&[
        "compile",
        "--specs",
        &s,
        "--out",
        &o,
        "--scale",
        "20",
        "--size-limit",
        "1MB",
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("size limit") && err.contains("--size-limit"),
        "{err}"
    );
    // The specs make it too large: exit 1.
    let big = base.join("big");
    std::fs::create_dir(&big).unwrap();
    std::fs::write(
        big.join("big.yaml"),
        "domain: big\ndescription: Too big.\nentities:\n  things:\n    description: Many.\n    \
         grain: one row per thing\n    rows: 50000000000\n    primary_key: id\n    attributes:\n      \
         id: { type: int64, key: sequence, description: Key. }\n",
    )
    .unwrap();
    let (code, err) = run(&["compile", "--specs", big.to_str().unwrap(), "--out", &o]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("the specs would write"), "{err}");
    // A million children per parent on average: refused from the estimate, not by running.
    std::fs::write(
        big.join("big.yaml"),
        "domain: big\ndescription: Too big.\nentities:\n  things:\n    description: Few.\n    \
         grain: one row per thing\n    rows: 10000\n    primary_key: id\n    attributes:\n      \
         id: { type: int64, key: sequence, description: Key. }\n  parts:\n    description: Many.\n    \
         grain: one row per part\n    rows: { per: things, count: { poisson: 1000000 } }\n    \
         primary_key: part_id\n    attributes:\n      part_id: { type: int64, key: sequence, \
         description: Key. }\n      thing_id: { ref: things, description: Owner. }\n",
    )
    .unwrap();
    let started = Instant::now();
    let (code, err) = run(&["compile", "--specs", big.to_str().unwrap(), "--out", &o]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("the specs would write"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(60));
    let (code, err) = run(&["compile", "--size-limit", "lots", "--out", &o]);
    assert_eq!(code, Some(2), "{err}");
    assert!(!out.exists());
}

/// A small tmpfs, where the platform lets the test mount one: a full disk during the lake
/// fails cleanly (exit 2, the path named, the previous output intact, nothing staged left),
/// a run larger than the free space is refused before it starts, and a read-only file system
/// gets a message naming the path.
#[test]
fn a_full_or_read_only_disk_fails_cleanly() {
    let base = tmp("disk");
    let mnt = base.join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    // 64 MiB holds the small clean lake (scale 0.02 as CSV, about 40 MB with the full web
    // property; `--clean`, as the systems' exports would add about 110 MB) but not a scale-1
    // lake (about 0.4 GB as Parquet).
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64m", "tmpfs"])
        .arg(&mnt)
        .output();
    match &mounted {
        Ok(o) if o.status.success() => {}
        other => {
            println!(
                "skipped: cannot mount a tmpfs here ({other:?}); the disk-full test needs root and CAP_SYS_ADMIN"
            );
            return;
        }
    }
    let unmount = |p: &Path| {
        let _ = Command::new("umount").arg(p).status();
    };
    let result = std::panic::catch_unwind(|| {
        let out = mnt.join("out");
        compile_small(&out, &["--format", "csv", "--clean"]);
        let before = snapshot(&out);
        let s = specs();
        let o = out.to_string_lossy().into_owned();
        // Larger than the free space: refused up front.
        let (code, err) = run(&["compile", "--specs", &s, "--out", &o, "--scale", "1"]);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains("free"), "{err}");
        // With the size checks lifted, the disk fills up while the lake is written.
        let (code, err) = run(&[
            "compile",
            "--specs",
            &s,
            "--out",
            &o,
            "--scale",
            "1",
            "--size-limit",
            "none",
            "--format",
            "both",
        ]);
        assert_eq!(code, Some(2), "{err}");
        assert!(
            err.contains(&mnt.to_string_lossy().into_owned()),
            "no path in: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(snapshot(&out), before);
        assert!(staging_leftovers(&out).is_empty());
        // Read-only: the message names the path.
        let ro = Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&mnt)
            .status()
            .unwrap();
        assert!(ro.success());
        let (code, err) = run(&[
            "compile", "--specs", &s, "--out", &o, "--scale", "0.02", "--clean",
        ]);
        assert_eq!(code, Some(2), "{err}");
        assert!(
            err.contains(&mnt.to_string_lossy().into_owned()),
            "no path in: {err}"
        );
    });
    unmount(&mnt);
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

#[test]
fn a_second_run_on_the_same_output_is_refused_while_the_first_writes() {
    let out = tmp("locked").join("out");
    compile_small(&out, &[]);
    let held = lab::output::OutputDir::claim(&out).unwrap();
    let s = specs();
    let o = out.to_string_lossy().into_owned();
    let (code, err) = run(&["compile", "--docs-only", "--specs", &s, "--out", &o]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("another `lab compile`"), "{err}");
    drop(held);
    let (code, err) = run(&["compile", "--docs-only", "--specs", &s, "--out", &o]);
    assert_eq!(code, Some(0), "{err}");
}

/// Earlier versions locked `<out>/.lab.lock`; a FIFO there made them wait forever. Runs now
/// lock the directory itself: the empty lock file an earlier version left is removed with the
/// old output, and anything else under that name (a FIFO, a file with content) is not lab's
/// and is refused at once.
#[test]
fn the_old_lock_name_is_removed_only_when_it_is_the_old_empty_lock_file() {
    let out = tmp("fifo-lock").join("out");
    compile_small(&out, &["--docs-only"]);
    let lock = out.join(".lab.lock");
    std::fs::write(&lock, "").unwrap();
    compile_small(&out, &["--docs-only"]);
    assert!(!lock.exists());
    let c = std::ffi::CString::new(lock.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let s = specs();
    let o = out.to_string_lossy().into_owned();
    let started = Instant::now();
    let (code, err) = run(&["compile", "--docs-only", "--specs", &s, "--out", &o]);
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains(".lab.lock"), "{err}");
    assert!(std::fs::symlink_metadata(&lock).is_ok_and(|m| m.file_type().is_fifo()));
}

/// Names lab does not write (here `notebooks/`) are never deleted, and
/// directories that only look like a staging directory are left alone.
#[test]
fn only_what_lab_wrote_is_ever_removed() {
    let base = tmp("only-lab");
    let out = base.join("q");
    compile_small(&out, &["--docs-only"]);
    std::fs::create_dir(out.join("notebooks")).unwrap();
    std::fs::write(out.join("notebooks/precious.sql"), "select 1").unwrap();
    let s = specs();
    let o = out.to_string_lossy().into_owned();
    let (code, err) = run(&["compile", "--docs-only", "--specs", &s, "--out", &o]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("notebooks"), "{err}");
    assert!(out.join("notebooks/precious.sql").is_file());
    std::fs::remove_dir_all(out.join("notebooks")).unwrap();
    let lookalikes = [
        ".q.lab-staging-mine",
        ".q.lab-staging-",
        ".q.lab-staging-999999-0",
    ];
    for name in lookalikes {
        std::fs::create_dir(base.join(name)).unwrap();
        std::fs::write(base.join(name).join("precious.txt"), "p").unwrap();
    }
    compile_small(&out, &["--docs-only"]);
    for name in lookalikes {
        assert!(
            base.join(name).join("precious.txt").is_file(),
            "{name} was deleted"
        );
    }
}

#[test]
fn the_current_directory_is_never_replaced() {
    let cwd = tmp("cwd-out");
    let o = Command::new(env!("CARGO_BIN_EXE_lab"))
        .args(["compile", "--docs-only", "--specs", &specs(), "--out", "."])
        .current_dir(&cwd)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("current directory"), "{err}");
    assert_eq!(std::fs::read_dir(&cwd).unwrap().count(), 0);
}

#[test]
fn schema_through_a_dangling_link_creates_nothing() {
    let base = tmp("dangling");
    let link = base.join("dangling.json");
    let target = base.join("missing-dir/x.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let (code, err) = run(&["schema", "--out", link.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{err}");
    assert!(!base.join("missing-dir").exists());
}

/// A documents-only run after a spec change must not publish the old lake beside documents
/// that no longer describe it: the lake is left out, with a note.
#[test]
fn a_docs_only_run_never_keeps_a_lake_the_documents_do_not_describe() {
    let out = tmp("stale-lake").join("out");
    compile_small(&out, &[]);
    let o = out.to_string_lossy().into_owned();
    // The same specs at another scale: the documents' row counts would not match the lake.
    let (code, err) = run(&[
        "compile",
        "--docs-only",
        "--quiet",
        "--specs",
        &specs(),
        "--out",
        &o,
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        err.contains("previous lake was left out") && err.contains("--scale"),
        "{err}"
    );
    assert!(!out.join("lake").exists());
    assert!(!out.join("docs/profile").exists());
}

/// Counts drawn by expressions are known only after planning: the size checks run again on
/// the planned rows, before anything is written.
#[test]
fn counts_from_expressions_are_checked_before_writing() {
    let base = tmp("count-expr");
    let specs = base.join("specs");
    std::fs::create_dir(&specs).unwrap();
    std::fs::write(
        specs.join("x.yaml"),
        "domain: x\ndescription: Counts from expressions.\nentities:\n  p:\n    description: Few.\n    \
         grain: one row per p\n    rows: 3\n    primary_key: id\n    attributes:\n      \
         id: { type: int64, key: sequence, description: Key. }\n  c:\n    description: Many.\n    \
         grain: one row per c\n    rows: { per: p, count: { expr: \"row * 100000000000\" } }\n    \
         primary_key: id\n    attributes:\n      id: { type: int64, key: sequence, description: Key. }\n",
    )
    .unwrap();
    let out = base.join("out");
    let started = Instant::now();
    let (code, err) = run(&[
        "compile",
        "--specs",
        specs.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("size limit"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(60));
    assert!(!out.exists());
    assert!(staging_leftovers(&out).is_empty());
}
