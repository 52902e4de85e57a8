//! `--out s3://…` and `lab publish` against a local S3 and Glue endpoint that each test starts
//! and stops itself (moto's server mode, `tests/tools/s3_check.py serve`): the lake written to
//! S3 matches its manifest file by file (and the bytes of the same run written locally); the
//! documents locate the tables in it; `lab publish` registers every table with its location,
//! columns, types and partitions, and a second publish changes nothing; a run killed before
//! its manifest leaves the previous lake whole, and the next run replaces it; a missing bucket
//! or missing credentials fail with exit code 2 before any work; a local lake is uploaded by
//! `lab publish`. The tests fail (never skip) when moto is not installed.

use crate::common::{self, root, tmp};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

/// A moto server holding `buckets`, stopped when dropped.
struct Moto {
    child: Child,
    url: String,
}

impl Moto {
    fn start(buckets: &[&str]) -> Moto {
        let py = common::python();
        let has_moto = Command::new(&py)
            .args(["-c", "import moto.server, boto3, flask"])
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            has_moto,
            "moto is not installed in .venv: run `bash tests/tools/setup.sh` (it installs \
             moto[server]==5.2.5 and boto3), or `.venv/bin/pip install 'moto[server]==5.2.5'`"
        );
        let mut child = Command::new(py)
            .arg(root().join("tests/tools/s3_check.py"))
            .arg("serve")
            .args(buckets)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("port ")
            .unwrap_or_else(|| panic!("moto did not start: {line:?}"));
        Moto {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    /// `lab` with credentials and the endpoint in the environment, and no profile files.
    fn lab(&self, args: &[&str], home: &Path) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_lab"));
        c.args(args)
            .current_dir(root())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", &self.url);
        c
    }

    fn run(&self, args: &[&str], home: &Path) -> Output {
        self.lab(args, home).output().expect("run lab")
    }

    fn ok(&self, args: &[&str], home: &Path) -> String {
        let o = self.run(args, home);
        assert!(
            o.status.success(),
            "lab {args:?} failed ({:?}):\n{}",
            o.status.code(),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stderr).into_owned()
    }

    fn check(&self, what: &str, args: &[&str]) -> String {
        let mut all: Vec<&std::ffi::OsStr> = vec![what.as_ref(), self.url.as_ref()];
        all.extend(args.iter().map(|a| std::ffi::OsStr::new(*a)));
        common::run_tool("s3_check.py", &all)
    }

    fn json(&self, what: &str, args: &[&str]) -> Value {
        let text = self.check(what, args);
        serde_json::from_str(text.trim().lines().last().unwrap_or(""))
            .unwrap_or_else(|e| panic!("{what}: {e}: {text}"))
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The manifest's paths and checksums of a local lake.
fn local_files(lake: &Path) -> Vec<(String, String)> {
    let m: Value = serde_json::from_str(&common::read(lake.join("_manifest.json"))).unwrap();
    let mut out = Vec::new();
    for e in m["entities"].as_array().unwrap() {
        for f in e["files"].as_array().unwrap() {
            out.push((
                f["path"].as_str().unwrap().to_string(),
                f["sha256"].as_str().unwrap().to_string(),
            ));
        }
    }
    out.sort();
    out
}

/// `raw/x/part-00000-1a2b3c4d.parquet` → `raw/x/part-00000.parquet`.
fn untagged(path: &str) -> String {
    let (dir, name) = path.rsplit_once('/').unwrap();
    let (stem, ext) = name.split_once('.').unwrap();
    let stem = stem.rsplit_once('-').map_or(stem, |(s, _)| s);
    format!("{dir}/{stem}.{ext}")
}

#[test]
fn the_shipped_specs_round_trip_through_s3_and_glue() {
    let moto = Moto::start(&["lab-s3-test"]);
    let home = tmp("s3_round_trip");
    let url = "s3://lab-s3-test/team/lake1";
    // At scale 0.05 the largest files pass the 8 MiB part size: multipart uploads.
    let common_args = [
        "--specs", "specs", "--scale", "0.05", "--seed", "3", "--quiet",
    ];
    let mut args = vec!["compile", "--out", url];
    args.extend(common_args);
    moto.ok(&args, &home);
    let lake = moto.json("lake", &[url]);
    assert!(lake["files"].as_u64().unwrap() > 20, "{lake}");
    // The same run written locally: the same files, byte for byte (only the S3 names carry
    // the run's tag).
    let local = home.join("local");
    let mut args = vec!["compile", "--out", local.to_str().unwrap()];
    args.extend(common_args);
    moto.ok(&args, &home);
    let mut remote: Vec<(String, String)> = lake["sha256"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(p, s)| (untagged(p), s.as_str().unwrap().to_string()))
        .collect();
    remote.sort();
    assert_eq!(remote, local_files(&local.join("lake")));

    // Publish registers every table of the documents; a second publish changes nothing.
    let first = moto.ok(&["publish", "--out", url], &home);
    assert!(
        first.contains("tables 0 updated") || first.contains("created"),
        "{first}"
    );
    // The documents written to S3 are those of the local run but for the locations, so the
    // local ones (rewritten to the S3 locations) are what Glue must hold.
    let docs = home.join("docs");
    copy_glue_docs(&local, &docs, "s3://lab-lake/", &format!("{url}/lake/"));
    let glue = moto.json("glue", &[url, docs.to_str().unwrap()]);
    assert!(glue["partitions"].as_u64().unwrap() > 0, "{glue}");
    let again = moto.ok(&["publish", "--out", url], &home);
    assert!(
        again.contains("tables 0 created, 0 updated") && again.contains("(0 created)"),
        "a second publish changed the catalog: {again}"
    );
    assert_eq!(moto.json("glue", &[url, docs.to_str().unwrap()]), glue);
}

/// Copies the Glue documents of a local output, replacing its table-location root.
fn copy_glue_docs(out: &Path, to: &Path, from_root: &str, to_root: &str) {
    for e in walk(&out.join("glue")) {
        let rel = e.strip_prefix(out).unwrap();
        let text = common::read(&e).replace(from_root, to_root);
        std::fs::create_dir_all(to.join(rel).parent().unwrap()).unwrap();
        std::fs::write(to.join(rel), text).unwrap();
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn a_killed_run_leaves_the_previous_lake_and_the_next_run_replaces_it() {
    let moto = Moto::start(&["lab-s3-rerun"]);
    let home = tmp("s3_rerun");
    let url = "s3://lab-s3-rerun/lake";
    // The TPC-H spec: eight tables make few files, so the endpoint's cost per object stays
    // small (the shipped specs go through S3 in the round-trip test above).
    let run = |seed: &str, scale: &str| {
        vec![
            "compile",
            "--out",
            url,
            "--specs",
            "benches/specs",
            "--scale",
            scale,
            "--seed",
            seed,
            "--threads",
            "1",
            "--quiet",
        ]
        .into_iter()
        .map(str::to_string)
        .collect::<Vec<_>>()
    };
    let args = run("1", "0.01");
    moto.ok(&args.iter().map(String::as_str).collect::<Vec<_>>(), &home);
    let before = moto.check("manifest", &[url]);
    let first = moto.json("lake", &[url]);

    // A larger run with another seed, killed once it has written data but before its
    // manifest: the previous manifest and every file it lists are still there, intact.
    let args = run("2", "0.5");
    let mut child = moto
        .lab(&args.iter().map(String::as_str).collect::<Vec<_>>(), &home)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // One watcher process polls the bucket's listing until the run has written a data file.
    let watched = Command::new(common::python())
        .arg(root().join("tests/tools/s3_check.py"))
        .args(["wait-new", &moto.url, url, "300"])
        .output()
        .unwrap();
    let running = child.try_wait().unwrap().is_none();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        running,
        "the run to interrupt finished before it could be killed; raise its scale"
    );
    assert!(
        watched.status.success(),
        "the run wrote no data file: {}",
        String::from_utf8_lossy(&watched.stderr)
    );
    assert_eq!(
        moto.check("manifest", &[url]),
        before,
        "the killed run wrote a manifest"
    );
    // Its files are there too (the lake check accepts them), until the next run's sweep.
    assert_eq!(
        moto.json("lake", &[url, "extra-ok"])["sha256"],
        first["sha256"]
    );

    // The next complete run replaces the lake: only its own files are left. It sends its
    // bodies unsigned (`UNSIGNED-PAYLOAD`, the default over HTTPS), which the endpoint must
    // accept and the lake check below reads back intact.
    let args = run("2", "0.01");
    let o = moto
        .lab(&args.iter().map(String::as_str).collect::<Vec<_>>(), &home)
        .env("AWS_UNSIGNED_PAYLOAD", "true")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let after = moto.json("lake", &[url]);
    assert_ne!(after["sha256"], first["sha256"]);
    // (The strict check above found no file of the killed run or of the first lake: the sweep
    // deleted them.)
}

#[test]
fn a_missing_bucket_or_missing_credentials_fail_before_any_work() {
    let moto = Moto::start(&["lab-s3-errors"]);
    let home = tmp("s3_errors");
    let compile = [
        "compile", "--specs", "specs", "--scale", "0.01", "--quiet", "--out",
    ];
    let mut args = compile.to_vec();
    args.push("s3://no-such-bucket-here/x");
    let o = moto.run(&args, &home);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the S3 bucket `no-such-bucket-here` does not exist"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");

    let mut args = compile.to_vec();
    args.push("s3://lab-s3-errors/x");
    let o = moto
        .lab(&args, &home)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no AWS credentials found"), "{stderr}");
    assert_eq!(
        moto.check("manifest", &["s3://lab-s3-errors/x"]).trim(),
        "none"
    );

    // A profile named but nowhere: exit 2, naming it.
    let o = moto
        .lab(&["publish", "--out", "s3://lab-s3-errors/x"], &home)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env("AWS_PROFILE", "nobody")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("AWS_PROFILE `nobody`"), "{stderr}");
}

#[test]
fn publish_uploads_a_local_lake_with_a_profile_s_credentials() {
    let moto = Moto::start(&["lab-s3-local"]);
    let home = tmp("s3_local");
    let out = home.join("out");
    let o = common::lab(&[
        "compile",
        "--specs",
        "tests/data/valid/systems",
        "--out",
        out.to_str().unwrap(),
        "--bucket",
        "lab-s3-local",
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Credentials from ~/.aws/credentials only.
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    std::fs::write(
        home.join(".aws/credentials"),
        "[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .unwrap();
    let publish = || {
        let args = [
            "publish",
            "--out",
            out.to_str().unwrap(),
            "--endpoint",
            moto.url.as_str(),
        ];
        let o = moto
            .lab(&args, &home)
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_ENDPOINT_URL")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(o.status.success(), "{stderr}");
        stderr
    };
    let first = publish();
    assert!(first.contains("files uploaded"), "{first}");
    let glue = moto.json("glue", &["s3://lab-s3-local", out.to_str().unwrap()]);
    // The systems' layers: `<domain>_truth` and `<system>_raw` databases.
    assert!(glue["databases"].as_u64().unwrap() >= 2, "{glue}");
    let again = publish();
    assert!(again.contains("tables 0 created, 0 updated"), "{again}");
    assert!(again.contains(", 0 deleted"), "{again}");
    assert_eq!(
        moto.json("glue", &["s3://lab-s3-local", out.to_str().unwrap()]),
        glue
    );
    // The uploaded files are the local ones.
    let s3 = Command::new(common::python())
        .arg("-c")
        .arg(
            "import boto3,hashlib,json,sys;c=boto3.client('s3',endpoint_url=sys.argv[1],\
             region_name='us-east-1',aws_access_key_id='t',aws_secret_access_key='t');\
             m=json.loads(c.get_object(Bucket='lab-s3-local',Key='_manifest.json')['Body'].read());\
             print(json.dumps(sorted([f['path'],hashlib.sha256(c.get_object(Bucket='lab-s3-local',\
             Key=f['path'])['Body'].read()).hexdigest()] for e in m['entities'] for f in e['files'])))",
        )
        .arg(&moto.url)
        .output()
        .unwrap();
    assert!(
        s3.status.success(),
        "{}",
        String::from_utf8_lossy(&s3.stderr)
    );
    let remote: Vec<(String, String)> = serde_json::from_slice(&s3.stdout).unwrap();
    assert_eq!(remote, local_files(&out.join("lake")));
}
