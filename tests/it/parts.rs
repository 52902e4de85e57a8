//! Split runs: `lab compile --part K --parts N` and `lab manifest merge`. The union of the N
//! parts must be the single run's lake file by file and byte for byte, with the same
//! manifest, documents and measured profile (merged from the parts' running statistics) — on the
//! shipped specs, on the TPC-H spec, inside entities (files on row boundaries, with a small
//! file size through the library), and through local Spark; every broken set of parts is
//! refused with its message and exit code, leaving the output untouched.

use crate::common::{lab, root, run_compile, tmp};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

/// Every file under `dir` (`/`-separated relative path → bytes), hidden files left out.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("read {}: {e}", d.display())) {
            let p = e.expect("directory entry").path();
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            if name.is_some_and(|n| n.starts_with('.')) {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let rel = p
                .strip_prefix(dir)
                .expect("inside")
                .to_string_lossy()
                .replace('\\', "/");
            files.insert(rel, std::fs::read(&p).expect("read file"));
        }
    }
    files
}

fn ok(o: &Output, what: &str) {
    assert!(
        o.status.success(),
        "{what} failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn s(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// Runs the N parts of `specs` (with `args`) into `<dir>/n<N>-<k>` and merges them into
/// `<dir>/n<N>`; returns the merged output and the part directories.
fn split_run(specs: &Path, dir: &Path, n: u32, args: &[&str]) -> (PathBuf, Vec<PathBuf>) {
    let parts: Vec<PathBuf> = (1..=n).map(|k| dir.join(format!("n{n}-{k}"))).collect();
    for (k, p) in parts.iter().enumerate() {
        let (k, n) = ((k + 1).to_string(), n.to_string());
        let mut a = args.to_vec();
        a.extend(["--part", &k, "--parts", &n, "--threads", "1"]);
        ok(&run_compile(specs, p, &a), &format!("part {k} of {n}"));
    }
    let merged = dir.join(format!("n{n}"));
    let mut a = vec!["manifest", "merge", "--quiet", "--out", s(&merged)];
    a.extend(["--specs", s(specs)]);
    a.extend(parts.iter().map(|p| s(p)));
    ok(&lab(&a), &format!("merge of {n} parts"));
    (merged, parts)
}

/// Asserts that `merged` holds exactly the files of `whole`, byte for byte (manifest,
/// documents and profile included), naming the first difference.
fn assert_same(whole: &BTreeMap<String, Vec<u8>>, merged: &Path, what: &str) {
    let got = tree(merged);
    let names = |t: &BTreeMap<String, Vec<u8>>| t.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&got), names(whole), "{what}: other files");
    for (k, v) in whole {
        assert!(got[k] == *v, "{what}: `{k}` differs from the single run");
    }
}

/// The data files a part wrote (its lake without the manifest and statistics).
fn data_files(part: &Path) -> usize {
    tree(part)
        .keys()
        .filter(|k| k.starts_with("lake/") && !k.starts_with("lake/_"))
        .count()
}

/// The union of 1, 2, 3 and 4 parts is the single run, for one spec directory.
fn union_equals_single_run(specs: &Path, name: &str, args: &[&str]) {
    let dir = tmp(&format!("parts-{name}"));
    let whole = dir.join("whole");
    ok(&run_compile(specs, &whole, args), "the single run");
    let expected = tree(&whole);
    assert!(expected.contains_key("lake/_manifest.json"));
    for n in 1..=4 {
        let (merged, parts) = split_run(specs, &dir, n, args);
        assert_same(&expected, &merged, &format!("{name}, {n} parts"));
        // Every part wrote some of the files, and only part 1 the documents.
        for (k, p) in parts.iter().enumerate() {
            assert!(
                data_files(p) > 0,
                "{name}: part {} of {n} wrote no file",
                k + 1
            );
            assert_eq!(
                p.join("docs").exists(),
                k == 0,
                "{name}: documents of part {}",
                k + 1
            );
            assert!(!p.join("lake/_profile.json").exists());
            assert!(p.join("lake/_profile.part.json").exists());
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn parts_of_the_shipped_specs_are_the_single_run() {
    let args = ["--scale", "0.05", "--seed", "1", "--format", "both"];
    union_equals_single_run(&root().join("specs"), "specs", &args);
}

#[test]
fn parts_of_tpch_are_the_single_run() {
    let args = ["--scale", "0.05", "--seed", "3"];
    union_equals_single_run(&root().join("benches/specs"), "tpch", &args);
}

/// Files split entities on row boundaries: with small files (through the library), the parts
/// share the files of one entity, and still make the single run's lake and manifest.
#[test]
fn parts_split_entities_into_files() {
    use lab::plan::{PlanOptions, plan};
    use lab::sink::{LocalLake, SinkOptions, manifest, parts::Part, write_lake};
    let checked = lab::check(&root().join("specs"));
    let ir = checked.ir.expect("the shipped specs are valid");
    let opts = PlanOptions {
        scale: 0.01,
        seed: 5,
        chunk_rows: 256,
        file_rows: 512,
        as_of: None,
    };
    let pl = plan(&ir, opts).expect("plan");
    let dir = tmp("parts-files");
    let quiet = |_: usize, _: u64| {};
    let sink = |part| SinkOptions {
        csv: true,
        part,
        ..SinkOptions::default()
    };
    write_lake(
        &pl,
        &LocalLake::new(&dir.join("whole")),
        &sink(None),
        &quiet,
    )
    .expect("whole lake");
    // The profile is merged by `lab manifest merge` (tested through the command line).
    let mut expected = tree(&dir.join("whole"));
    expected.remove("_profile.json");
    let n = 3;
    let mut manifests = Vec::new();
    let mut writers: BTreeMap<String, Vec<u32>> = BTreeMap::new();
    let mut union = BTreeMap::new();
    for k in 1..=n {
        let d = dir.join(format!("part-{k}"));
        let part = Part::new(k, n).expect("a part");
        write_lake(&pl, &LocalLake::new(&d), &sink(Some(part)), &quiet).expect("part");
        let text = std::fs::read(d.join("_manifest.json")).expect("part manifest");
        let m: manifest::Manifest = serde_json::from_slice(&text).expect("manifest");
        for e in &m.entities {
            if !e.files.is_empty() {
                writers.entry(e.entity.clone()).or_default().push(k);
            }
        }
        manifests.push((format!("part-{k}"), m));
        for (path, bytes) in tree(&d) {
            if !path.starts_with('_') {
                assert!(
                    union.insert(path.clone(), bytes).is_none(),
                    "`{path}` twice"
                );
            }
        }
    }
    assert!(
        writers.values().any(|w| w.len() > 1),
        "no entity was shared by parts: {writers:?}"
    );
    let (merged, _) = manifest::merge(&manifests).expect("merge");
    let text = serde_json::to_string_pretty(&merged).expect("encode") + "\n";
    union.insert("_manifest.json".into(), text.into_bytes());
    assert_eq!(
        union.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (k, v) in &expected {
        assert!(union[k] == *v, "`{k}` differs from the single run");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Four parts run as four tasks of local Spark (tools/spark/lab_parts.py) are the single run.
#[test]
fn parts_through_local_spark_are_the_single_run() {
    let specs = root().join("benches/specs");
    let args = ["--scale", "0.02", "--seed", "9"];
    let dir = tmp("parts-spark");
    let whole = dir.join("whole");
    ok(&run_compile(&specs, &whole, &args), "the single run");
    let merged = dir.join("lake");
    let o = std::process::Command::new(crate::common::python())
        .arg(root().join("tools/spark/lab_parts.py"))
        .args(["--lab", env!("CARGO_BIN_EXE_lab"), "--specs", s(&specs)])
        .args(["--work", s(&dir.join("work")), "--out", s(&merged)])
        .args(["--parts", "4", "--master", "local[2]", "--"])
        .args(args)
        .current_dir(&dir)
        .output()
        .expect("run python");
    ok(&o, "tools/spark/lab_parts.py");
    assert_same(&tree(&whole), &merged, "4 parts through Spark");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs `lab manifest merge PARTS… --out OUT EXTRA…` and returns (exit code, stderr).
fn merge(parts: &[&Path], out: &Path, extra: &[&str]) -> (i32, String) {
    let mut a = vec!["manifest", "merge", "--out", s(out)];
    a.extend(parts.iter().map(|p| s(p)));
    a.extend_from_slice(extra);
    let o = lab(&a);
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Copies a directory tree (no links), so changing the copy leaves the original alone.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir") {
        let e = e.expect("entry");
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).expect("copy");
        }
    }
}

/// Rewrites a part's manifest with `edit` applied to its text.
fn edit_manifest(part: &Path, edit: impl Fn(String) -> String) {
    let p = part.join("lake/_manifest.json");
    let text = std::fs::read_to_string(&p).expect("read manifest");
    std::fs::write(&p, edit(text)).expect("write manifest");
}

#[test]
fn broken_sets_of_parts_are_refused() {
    let tpch = root().join("benches/specs");
    let dir = tmp("parts-errors");
    let args = ["--scale", "0.01", "--seed", "1"];
    let (_, parts) = split_run(&tpch, &dir, 2, &args);
    let (p1, p2) = (parts[0].as_path(), parts[1].as_path());
    let part = |name: &str, k: &str, n: &str, specs: &Path, extra: &[&str]| {
        let out = dir.join(name);
        let mut a = vec!["--part", k, "--parts", n];
        a.extend_from_slice(extra);
        ok(&run_compile(specs, &out, &a), name);
        out
    };
    let of3 = part("of3", "2", "3", &tpch, &args);
    let seed2 = part(
        "seed2",
        "2",
        "2",
        &tpch,
        &["--scale", "0.01", "--seed", "2"],
    );
    let scale = part(
        "scale",
        "2",
        "2",
        &tpch,
        &["--scale", "0.02", "--seed", "1"],
    );
    let other = part("other", "2", "2", &root().join("specs"), &args);
    let whole = dir.join("whole");
    ok(&run_compile(&tpch, &whole, &args), "the single run");
    // A copy of part 1 that calls itself part 2: every file is listed twice.
    let twice = dir.join("twice");
    copy_tree(p1, &twice);
    edit_manifest(&twice, |t| t.replace("\"index\": 1", "\"index\": 2"));
    // A copy of part 2 with one data file changed after it was written.
    let changed = dir.join("changed");
    copy_tree(p2, &changed);
    let victim = tree(&changed)
        .into_keys()
        .find(|k| k.ends_with(".parquet"))
        .map(|k| changed.join(k))
        .expect("a data file of part 2");
    let mut bytes = std::fs::read(&victim).expect("read");
    bytes[10] ^= 0xff;
    std::fs::write(&victim, bytes).expect("write");
    let out = dir.join("merged");
    let nowhere = dir.join("nowhere");
    // A copy of part 2 whose manifest points outside its lake.
    let escape = dir.join("escape");
    copy_tree(p2, &escape);
    edit_manifest(&escape, |t| {
        t.replacen("\"path\": \"", "\"path\": \"../", 1)
    });
    // A copy of part 2 without its running statistics.
    let unmeasured = dir.join("unmeasured");
    copy_tree(p2, &unmeasured);
    std::fs::remove_file(unmeasured.join("lake/_profile.part.json")).expect("remove");
    let specs = root().join("specs");
    let (tpch_specs, other_specs) = (["--specs", s(&tpch)], ["--specs", s(&specs)]);
    let no_specs = ["--specs", s(&nowhere)];
    let cases: Vec<(Vec<&Path>, &[&str], i32, &str)> = vec![
        (
            vec![p1, &unmeasured],
            &tpch_specs,
            1,
            "cannot read the statistics",
        ),
        (
            vec![p1, p2],
            &other_specs,
            1,
            "are not those the parts were written from",
        ),
        (vec![p1, p2], &no_specs, 1, "nowhere"),
        (vec![p1], &[], 1, "part 2 of 2 missing"),
        (vec![p1, p1], &[], 1, "are both part 1 of 2"),
        (vec![p1, &of3], &[], 1, "come from different splits"),
        (vec![p1, &seed2], &[], 1, "another --seed"),
        (vec![p1, &scale], &[], 1, "another --scale"),
        (vec![p1, &other], &[], 1, "another specs"),
        (vec![p1, &twice], &[], 1, "is listed twice"),
        (vec![p1, &changed], &[], 1, "does not match its manifest"),
        (vec![p1, &escape], &[], 1, "not a path inside the lake"),
        (vec![&whole], &[], 1, "is a whole lake, not a part"),
        (vec![p1, &nowhere], &[], 2, "read the part manifest"),
    ];
    for (given, extra, code, message) in cases {
        let (got, stderr) = merge(&given, &out, extra);
        assert_eq!(got, code, "{given:?}: {stderr}");
        assert!(stderr.contains(message), "{given:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(
            !out.join("lake").exists(),
            "{given:?} left a half-written lake"
        );
    }
    // The good pair still merges, and a second merge replaces the first whole.
    assert_eq!(merge(&[p2, p1], &out, &[]).0, 0);
    assert!(
        !out.join("lake/_profile.json").exists(),
        "a profile without --specs"
    );
    assert_eq!(merge(&[p1, p2], &out, &tpch_specs).0, 0);
    assert_same(&tree(&whole), &out, "2 parts");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn part_flags_are_checked() {
    let out = tmp("parts-flags").join("out");
    let cases: [(&[&str], &str); 8] = [
        (&["--part", "1"], "--part K needs --parts N"),
        (&["--parts", "2"], "--parts N needs --part K"),
        (
            &["--part", "0", "--parts", "2"],
            "--part must be a whole number from 1 to --parts (2)",
        ),
        (&["--part", "3", "--parts", "2"], "got `3`"),
        (
            &["--part", "1", "--parts", "0"],
            "--parts must be a whole number from 1 to",
        ),
        (
            &["--part", "x", "--parts", "2"],
            "--part must be a whole number, got `x`",
        ),
        (
            &["--part", "1", "--parts", "-2"],
            "--parts must be a whole number, got `-2`",
        ),
        (
            &["--part", "1", "--parts", "2", "--docs-only"],
            "cannot go with --docs-only",
        ),
    ];
    for (flags, message) in cases {
        let o = run_compile(&root().join("specs"), &out, flags);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{flags:?}: {stderr}");
        assert!(stderr.contains(message), "{flags:?}: {stderr}");
        assert!(!out.exists(), "{flags:?} wrote output");
    }
    let o = lab(&["manifest", "merge", "--out", s(&out)]);
    assert_eq!(o.status.code(), Some(2), "merge without parts");
}

/// The AWS Batch recipe: the job definition is valid for the Batch API (botocore's model),
/// and its container command, run for every array index with the binary and specs of this
/// build, writes the parts that merge into the single run.
#[test]
fn batch_array_job_runs_the_parts() {
    let def_path = root().join("tools/aws-batch/job-definition.json");
    let check = "import json, sys, botocore.session\n\
        from botocore.validate import ParamValidator\n\
        shape = botocore.session.get_session().get_service_model('batch')\
        .operation_model('RegisterJobDefinition').input_shape\n\
        r = ParamValidator().validate(json.load(open(sys.argv[1])), shape)\n\
        print(r.generate_report()); sys.exit(1 if r.has_errors() else 0)\n";
    let o = std::process::Command::new(crate::common::python())
        .args(["-c", check, s(&def_path)])
        .output()
        .expect("run python");
    ok(&o, "botocore validation of the job definition");
    let def: serde_json::Value =
        serde_json::from_str(&crate::common::read(&def_path)).expect("JSON");
    let command = def["containerProperties"]["command"][2]
        .as_str()
        .expect("sh -c COMMAND");
    let specs = root().join("benches/specs");
    let command = command.replace("/specs", s(&specs));
    let dir = tmp("parts-batch");
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_lab"));
    let path = format!(
        "{}:{}",
        s(bin.parent().expect("bin dir")),
        std::env::var("PATH").unwrap_or_default()
    );
    for index in ["0", "1", "2"] {
        let o = std::process::Command::new("sh")
            .args(["-c", &command])
            .env("PATH", &path)
            .env("AWS_BATCH_JOB_ARRAY_INDEX", index)
            .env("LAB_PARTS", "3")
            .env("LAB_SCALE", "0.01")
            .env("LAB_SEED", "4")
            .env("LAB_THREADS", "1")
            .env("LAB_WORK", &dir)
            .output()
            .expect("run sh");
        ok(&o, &format!("array index {index}"));
    }
    let parts: Vec<PathBuf> = (1..=3).map(|k| dir.join(format!("part-{k}"))).collect();
    let merged = dir.join("lake");
    let refs: Vec<&Path> = parts.iter().map(PathBuf::as_path).collect();
    assert_eq!(merge(&refs, &merged, &["--specs", s(&specs)]).0, 0);
    let whole = dir.join("whole");
    let args = ["--scale", "0.01", "--seed", "4"];
    ok(&run_compile(&specs, &whole, &args), "the single run");
    assert_same(&tree(&whole), &merged, "3 parts as a Batch array");
    let _ = std::fs::remove_dir_all(&dir);
}
