"""Run `lab compile` split into N parts as N Spark tasks, then merge the parts into one lake.

Every task runs one part (`lab compile --part K --parts N`) with the `lab` binary of its
executor, into `<work>/part-K/`; the driver then runs `lab manifest merge` into `--out`. The
union of the parts is the single run's lake, byte for byte, so the engine only schedules: it
retries a failed task (a part is a pure function of specs, seed and scale) and spreads the
parts over the executors.

Local use (the tests run it this way):

    python tools/spark/lab_parts.py --lab target/release/lab --specs specs \
        --work /tmp/parts --out /tmp/lake --parts 4 --master 'local[2]' -- --scale 1

On a cluster (EMR, Glue, Dataproc) every executor needs the binary and the specs: ship them
with `spark-submit --files lab,specs.zip` (`--lab ./lab`, the specs unpacked by the task; see
`--specs-archive`) or install them in a bootstrap action; `--work` must be a directory every
executor and the driver see (EFS, FSx, a shared mount). See docs/parts.md.

Arguments after `--` go to every `lab compile` unchanged (`--scale`, `--seed`, `--format`, …).
"""

import argparse
import os
import shutil
import subprocess
import sys
import zipfile


def run_part(k, n, lab, specs, work, extra, threads, archive):
    """Runs part k of n; returns (k, exit code, the end of its stderr)."""
    lab = os.path.abspath(lab) if os.path.exists(lab) else lab
    if os.path.isfile(lab) and not os.access(lab, os.X_OK):
        # Files shipped with spark-submit --files may lose their executable bit.
        os.chmod(lab, 0o755)
    if archive:
        # The specs travel as a zip of the YAML files (spark-submit --files): unpack them
        # beside the task.
        specs = os.path.abspath(f"lab-specs-{k}")
        with zipfile.ZipFile(archive) as z:
            z.extractall(specs)
    out = os.path.join(work, f"part-{k}")
    cmd = [lab, "compile", "--quiet", "--specs", specs, "--out", out,
           "--part", str(k), "--parts", str(n), "--threads", str(threads)] + list(extra)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return k, p.returncode, p.stderr[-4000:]


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lab", required=True, help="path of the lab binary on the executors")
    ap.add_argument("--specs", default="specs", help="spec directory on the executors")
    ap.add_argument("--specs-archive", default=None,
                    help="a zip of the specs shipped with --files (instead of --specs)")
    ap.add_argument("--work", required=True,
                    help="shared directory for the parts' outputs (part-K/)")
    ap.add_argument("--out", required=True, help="output directory of the merged lake")
    ap.add_argument("--parts", type=int, required=True, help="number of parts (tasks)")
    ap.add_argument("--threads", type=int, default=1, help="lab --threads of each part")
    ap.add_argument("--master", default=None, help="Spark master (default: spark-submit's)")
    ap.add_argument("extra", nargs=argparse.REMAINDER,
                    help="-- followed by arguments for every `lab compile`")
    args = ap.parse_args(argv)
    extra = args.extra[1:] if args.extra[:1] == ["--"] else args.extra
    if args.parts < 1:
        ap.error("--parts must be at least 1")

    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(f"lab-parts-{args.parts}")
    if args.master:
        builder = builder.master(args.master)
    if args.master and args.master.startswith("local"):
        builder = (builder.config("spark.driver.host", "127.0.0.1")
                   .config("spark.driver.bindAddress", "127.0.0.1")
                   .config("spark.ui.enabled", "false"))
    spark = builder.getOrCreate()
    try:
        work = os.path.abspath(args.work)
        os.makedirs(work, exist_ok=True)
        n = args.parts
        lab, specs, threads = args.lab, args.specs, args.threads
        archive = args.specs_archive
        # One task per part: Spark retries a failed part alone.
        results = (spark.sparkContext
                   .parallelize(range(1, n + 1), n)
                   .map(lambda k: run_part(k, n, lab, specs, work, extra, threads, archive))
                   .collect())
    finally:
        spark.stop()
    failed = [(k, rc, err) for k, rc, err in sorted(results) if rc != 0]
    for k, rc, err in failed:
        print(f"lab_parts: part {k} of {n} failed (exit {rc}):\n{err}", file=sys.stderr)
    if failed:
        return 1
    parts = [os.path.join(work, f"part-{k}") for k in range(1, n + 1)]
    lab = os.path.abspath(args.lab) if os.path.exists(args.lab) else args.lab
    merge = [lab, "manifest", "merge", *parts, "--out", args.out]
    if not archive and os.path.isdir(args.specs):
        # With the specs the merged lake gets its measured profile too.
        merge += ["--specs", args.specs]
    merged = subprocess.run(merge)
    if merged.returncode == 0:
        for p in parts:
            shutil.rmtree(p, ignore_errors=True)
    return merged.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
