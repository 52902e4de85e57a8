#!/usr/bin/env bash
# Benchmark lab against tpchgen-cli on TPC-H-shaped data, then measure lab's own scaling.
#
# Usage:  bash benches/compare.sh                  # SF 1, 2 threads, 3 alternating runs each
#         SF=0.1 RUNS=5 bash benches/compare.sh    # other scale factor / more runs
#
# Environment:
#   SF=1          TPC-H scale factor, passed to both tools (lab: --scale SF on benches/specs)
#   THREADS=2     worker threads for both tools
#   RUNS=3        timed runs per tool, alternating lab, tpchgen-cli, lab, … (≥ 1; 3+ advised)
#   SCALE_RUNS=   runs per configuration in the scaling part (default: RUNS)
#   QUICK_RUNS=5  runs of `lab check` and `lab compile --docs-only` (median reported)
#   PART=all      `tpch` (only lab vs tpchgen-cli), `scaling` (only lab on specs/), `silo`
#                 (only the exports vs --clean), `dbt` (only the dbt pipeline), `parts` (only
#                 the split run), `s3` (only S3 output vs local disk), `increments` (only
#                 the daily increments vs a full compile), or `all`
#   SILO_SCALES="1 10"  the scales of the exports vs --clean comparison (part 3b)
#   DBT_SCALES="1 10"   the scales of the dbt pipeline's timing (part 3c)
#   PARTS_SCALE=1 --scale of the split-run comparison (part 4)
#   S3_SCALE=1    --scale of the S3 part (part 5)
#   S3_ENDPOINT=moto  the local S3 endpoint of part 5: `moto` (moto's server, Python, the
#                 endpoint of the tests) or `s3s-fs` (the s3s project's file-system S3 server,
#                 Rust; `cargo install s3s-fs@0.14.1 --features binary --locked` if it is missing)
#                 (0.14.1: the newest release that builds with rustc 1.95)
#   INC_SCALE=1   --scale of the increments part (part 6)
#   INC_DAYS=365  one-day `--increments D..D` runs of part 6, one after another from
#                 2025-01-01 (0 leaves them out; the year as one run is always timed)
#   RESULTS=      also write the final Markdown block to this file
#   LAB_BIN=      use this lab binary instead of building the release one (e.g. to try the
#                 script quickly with target/debug/lab; never for published numbers)
#
# What it does:
#   1. `cargo build --release` (lab), `cargo install tpchgen-cli --locked` if it is missing,
#      GNU time via apt-get if /usr/bin/time is missing.
#   2. lab `compile --specs benches/specs --scale SF --threads THREADS` and
#      `tpchgen-cli parquet -s SF --num-threads THREADS --parquet-compression snappy`, each run
#      into a fresh directory, alternating; rows / columns / bytes are read from the Parquet
#      footers of the output (benches/parquet_stats.py, standard-library Python); wall time is
#      the median over the runs; peak RSS is the largest "Maximum resident set size" that
#      `/usr/bin/time -v` reported.
#   3. lab on the domain specs in specs/: --scale 1 vs --scale 10 (time ratio, peak RSS),
#      --threads 1 vs --threads 2 at scale 1 (speed-up), and the median wall time of
#      `lab check` and `lab compile --docs-only`.
#   3b. The silos: specs/ at each of SILO_SCALES with the default outputs (every system's raw
#      export, the truth and the answer key) vs `--clean` (the truth only), alternating: wall
#      time ratio, peak RSS, bytes and files written.
#   3c. The dbt pipeline: specs/ compiled at each of DBT_SCALES, then `dbt build --target duckdb`
#      of the compiled project (generated/dbt/ beside the lake; dbt from the .venv of
#      tests/tools/setup.sh) timed alone: wall time, peak RSS, and the nodes that passed/warned.
#   4. A split run on specs/ at PARTS_SCALE: `--part 1 --parts 2` and `--part 2 --parts 2` as
#      two concurrent 1-thread processes vs one process with `--threads 2` (wall-time ratio,
#      CPU seconds), and the time of `lab manifest merge` of the two parts.
#   5. lab on specs/ at S3_SCALE written to a local S3 endpoint (S3_ENDPOINT: moto's server,
#      tests/tools/s3_check.py serve, from the .venv of tests/tools/setup.sh; or s3s-fs) with
#      `--out s3://…` (bodies signed, then unsigned) vs to local disk, alternating, S3_RUNS
#      (default RUNS) runs each; the first signed S3 lake is checked against its manifest. The
#      endpoint runs on the same cores: its CPU seconds are reported beside lab's.
#   6. The daily increments on specs/ at INC_SCALE (clean data): a full `--clean` compile vs
#      `--increments 2025-06-15..2025-06-15` (one day; target ≤ 25 % of the full compile), vs
#      `--increments 2025-01-01..2025-12-31` (a year in one run; target < 10×), and INC_DAYS
#      one-day runs one after another (the same year day by day, when INC_DAYS=365; < 10×).
#   7. Prints one Markdown block with every result and its target (docs/performance.md).
#
# Needs: cargo, python3 (standard library only), GNU time, awk. Everything it writes goes to a
# temporary directory that is removed on exit.
set -euo pipefail

SF="${SF:-1}"
THREADS="${THREADS:-2}"
RUNS="${RUNS:-3}"
SCALE_RUNS="${SCALE_RUNS:-$RUNS}"
QUICK_RUNS="${QUICK_RUNS:-5}"
PART="${PART:-all}"
PARTS_SCALE="${PARTS_SCALE:-1}"
LAB_BIN="${LAB_BIN:-}"
RESULTS="${RESULTS:-}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

say() { printf 'compare: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

case "$PART" in all | tpch | scaling | silo | dbt | parts | s3 | increments) ;; *) die "PART must be all, tpch, scaling, silo, dbt, parts, s3 or increments" ;; esac
SILO_SCALES="${SILO_SCALES:-1 10}"
DBT_SCALES="${DBT_SCALES:-1 10}"
S3_ENDPOINT="${S3_ENDPOINT:-moto}"
case "$S3_ENDPOINT" in moto | s3s-fs) ;; *) die "S3_ENDPOINT must be moto or s3s-fs" ;; esac
S3_SCALE="${S3_SCALE:-1}"
S3_RUNS="${S3_RUNS:-$RUNS}"
INC_SCALE="${INC_SCALE:-1}"
INC_DAYS="${INC_DAYS:-365}"
[[ "$INC_SCALE" =~ ^[0-9]*\.?[0-9]+$ ]] || die "INC_SCALE must be a positive number (got '$INC_SCALE')"
[[ "$INC_DAYS" =~ ^[0-9]+$ ]] && [ "$INC_DAYS" -le 366 ] || die "INC_DAYS must be a whole number from 0 to 366 (got '$INC_DAYS')"
for v in RUNS SCALE_RUNS QUICK_RUNS THREADS; do
  [[ "${!v}" =~ ^[1-9][0-9]*$ ]] || die "$v must be a whole number ≥ 1 (got '${!v}')"
done
[[ "$SF" =~ ^[0-9]*\.?[0-9]+$ ]] || die "SF must be a positive number (got '$SF')"
[[ "$PARTS_SCALE" =~ ^[0-9]*\.?[0-9]+$ ]] || die "PARTS_SCALE must be a positive number (got '$PARTS_SCALE')"

work="$(mktemp -d "${TMPDIR:-/tmp}/lab-bench.XXXXXX")"
cleanup() { rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# --- tools -------------------------------------------------------------------------------
command -v python3 >/dev/null || die "python3 is needed (standard library only)"
if [ ! -x /usr/bin/time ]; then
  say "installing GNU time (apt-get install time)"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
fi

if [ -n "${LAB_BIN:-}" ]; then
  LAB="$LAB_BIN"
else
  say "building lab (cargo build --release)"
  cargo build --release --quiet
  target_dir="$(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
  LAB="$target_dir/release/lab"
fi
[ -x "$LAB" ] || die "no lab binary at $LAB"

TPCHGEN=""
if [ "$PART" = all ] || [ "$PART" = tpch ]; then
  cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
  if command -v tpchgen-cli >/dev/null; then
    TPCHGEN="$(command -v tpchgen-cli)"
  elif [ -x "$cargo_bin/tpchgen-cli" ]; then
    TPCHGEN="$cargo_bin/tpchgen-cli"
  else
    cargo info tpchgen-cli >/dev/null 2>&1 || die "tpchgen-cli is not on crates.io (cargo info tpchgen-cli)"
    say "installing tpchgen-cli (cargo install tpchgen-cli --locked; takes a few minutes)"
    cargo install tpchgen-cli --locked --quiet
    TPCHGEN="$cargo_bin/tpchgen-cli"
  fi
fi

lab_version="$("$LAB" --version | awk '{print $NF}')"
lab_rev="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
tpchgen_version=""
if [ -n "$TPCHGEN" ]; then
  tpchgen_version="$("$TPCHGEN" --version 2>/dev/null | awk '{print $NF}' || true)"
fi
cpu="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)"
mem="$(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null || true)"

# --- measuring -----------------------------------------------------------------------------
# run LABEL CMD… : runs CMD under GNU time, appends "LABEL wall_seconds peak_rss_kib" to
# $work/times. Output of CMD goes to $work/last.log (shown if it fails).
run() {
  local label="$1"
  shift
  sync
  local t0 t1
  t0="$(date +%s%N)"
  if ! /usr/bin/time -v -o "$work/time.txt" "$@" >"$work/last.log" 2>&1; then
    cat "$work/last.log" >&2
    die "failed: $*"
  fi
  t1="$(date +%s%N)"
  local rss cpu
  rss="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")"
  cpu="$(awk -F': ' '/User time|System time/ {s += $2} END {print s + 0}' "$work/time.txt")"
  awk -v l="$label" -v a="$t0" -v b="$t1" -v r="$rss" -v c="$cpu" \
    'BEGIN { printf "%s %.4f %d %.2f\n", l, (b - a) / 1e9, r, c }' >>"$work/times"
  say "$(awk -v l="$label" -v a="$t0" -v b="$t1" -v r="$rss" -v c="$cpu" \
    'BEGIN { printf "%-8s %8.3f s wall %8.2f s CPU %6d MiB", l, (b - a) / 1e9, c, r / 1024 }')"
}

# median LABEL [FIELD] → median of FIELD (2 = wall seconds, 4 = CPU seconds) over LABEL's runs
median() {
  awk -v l="$1" -v f="${2:-2}" '$1 == l {print $f}' "$work/times" | sort -g |
    awk '{v[NR] = $1} END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# peak LABEL → largest peak RSS (KiB) over LABEL's runs
peak() { awk -v l="$1" '$1 == l && $3 > m {m = $3} END {print m + 0}' "$work/times"; }

export LC_NUMERIC=C
# Thousands separated by commas, independent of the locale.
fmt_int() { awk -v n="$1" 'BEGIN { s = sprintf("%.0f", n); o = ""; while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) } printf "%s%s", s, o }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
verdict() { awk "BEGIN { print (($1) ? \"pass\" : \"**FAIL**\") }"; }

load="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
md="$work/results.md"
: >"$md"
{
  echo "Machine: ${cpu:-unknown CPU}, $(nproc) cores, ${mem:-? GiB} · lab $lab_version ($lab_rev)${tpchgen_version:+ · tpchgen-cli $tpchgen_version} · $(date -u +%Y-%m-%d) · load average before the runs: $load"
  echo
} >>"$md"

# --- 1. lab vs tpchgen-cli ---------------------------------------------------------------
if [ "$PART" = all ] || [ "$PART" = tpch ]; then
  say "TPC-H SF $SF, $THREADS threads, $RUNS alternating runs per tool"
  lab_cmd=("$LAB" compile --specs "$root/benches/specs" --scale "$SF" --threads "$THREADS"
    --format parquet --compression snappy --quiet)
  # tpchgen-cli ≥ 3 has a `parquet` subcommand with `--compression`; older ones take
  # `--format parquet --parquet-compression`.
  if "$TPCHGEN" parquet --help >/dev/null 2>&1; then
    tpch_cmd=("$TPCHGEN" parquet --scale-factor "$SF" --num-threads "$THREADS"
      --compression SNAPPY --quiet)
  else
    tpch_cmd=("$TPCHGEN" --format parquet --scale-factor "$SF" --num-threads "$THREADS"
      --parquet-compression snappy)
  fi
  for i in $(seq 1 "$RUNS"); do
    out="$work/lab-$i"
    run lab "${lab_cmd[@]}" --out "$out"
    if [ "$i" = 1 ]; then
      python3 "$root/benches/parquet_stats.py" "$out/lake" --tables >"$work/lab.stats"
    fi
    rm -rf "$out"
    out="$work/tpchgen-$i"
    mkdir -p "$out"
    run tpchgen "${tpch_cmd[@]}" --output-dir "$out"
    if [ "$i" = 1 ]; then
      python3 "$root/benches/parquet_stats.py" "$out" --tables >"$work/tpchgen.stats"
    fi
    rm -rf "$out"
  done
  # Totals are the last line of each stats file: rows columns cells bytes files.
  read -r l_rows l_cols l_cells l_bytes _ < <(tail -n 1 "$work/lab.stats")
  read -r t_rows t_cols t_cells t_bytes _ < <(tail -n 1 "$work/tpchgen.stats")
  l_wall="$(median lab)"
  t_wall="$(median tpchgen)"
  l_cpu="$(median lab 4)"
  t_cpu="$(median tpchgen 4)"
  l_cps="$(calc '%.0f' "$l_cells / $l_wall")"
  t_cps="$(calc '%.0f' "$t_cells / $t_wall")"
  ratio="$(calc '%.2f' "$l_cps / $t_cps")"
  l_cpc="$(calc '%.0f' "$l_cells / $l_cpu")"
  t_cpc="$(calc '%.0f' "$t_cells / $t_cpu")"
  {
    echo "**lab vs tpchgen-cli** — TPC-H SF $SF, $THREADS threads, Parquet + Snappy, median of $RUNS alternating runs each"
    echo
    echo "| tool | rows | columns | cells | output bytes | median wall (s) | cells/s | median CPU (s) | cells/CPU-s | peak RSS (MiB) |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    echo "| lab $lab_version | $(fmt_int "$l_rows") | $l_cols | $(fmt_int "$l_cells") | $(fmt_int "$l_bytes") | $(calc '%.2f' "$l_wall") | $(fmt_int "$l_cps") | $(calc '%.2f' "$l_cpu") | $(fmt_int "$l_cpc") | $(mib "$(peak lab)") |"
    echo "| tpchgen-cli $tpchgen_version | $(fmt_int "$t_rows") | $t_cols | $(fmt_int "$t_cells") | $(fmt_int "$t_bytes") | $(calc '%.2f' "$t_wall") | $(fmt_int "$t_cps") | $(calc '%.2f' "$t_cpu") | $(fmt_int "$t_cpc") | $(mib "$(peak tpchgen)") |"
    echo "| **lab / tpchgen-cli** | $(calc '%.3f' "$l_rows / $t_rows") | | $(calc '%.3f' "$l_cells / $t_cells") | $(calc '%.2f' "$l_bytes / $t_bytes") | $(calc '%.2f' "$l_wall / $t_wall") | **$ratio** (target ≥ 1.1: $(verdict "$ratio >= 1.1")) | $(calc '%.2f' "$l_cpu / $t_cpu") | $(calc '%.2f' "$l_cpc / $t_cpc") | $(calc '%.2f' "$(peak lab) / $(peak tpchgen)") |"
    echo
    echo "| table | lab rows | tpchgen-cli rows | columns | lab bytes | tpchgen-cli bytes |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
    for t in region nation supplier customer part partsupp orders lineitem; do
      lr="" lc="" lb="" tr="" tc="" tb=""
      read -r _ lr lc _ lb _ < <(awk -v t="$t" '$1 == t' "$work/lab.stats") || true
      read -r _ tr tc _ tb _ < <(awk -v t="$t" '$1 == t' "$work/tpchgen.stats") || true
      cols="${lc:-?}"
      [ "${lc:-}" = "${tc:-}" ] || cols="${lc:-?} / ${tc:-?}"
      echo "| $t | $(fmt_int "${lr:-0}") | $(fmt_int "${tr:-0}") | $cols | $(fmt_int "${lb:-0}") | $(fmt_int "${tb:-0}") |"
    done
    echo
    echo "Commands: \`lab compile --specs benches/specs --scale $SF --threads $THREADS --format parquet --compression snappy --quiet --out DIR\`;"
    echo "\`${tpch_cmd[*]/#$TPCHGEN/tpchgen-cli} --output-dir DIR\`."
    echo
  } >>"$md"
fi

# --- 2. lab scaling on specs/ ------------------------------------------------------------
if [ "$PART" = all ] || [ "$PART" = scaling ]; then
  domains="$(cd "$root/specs" && { ls -1 ./*.yaml 2>/dev/null || true; } | sed 's|^\./||; s|\.yaml$||' | paste -sd, - | sed 's/,/, /g')"
  [ -n "$domains" ] || die "no specs in specs/"
  say "scaling on specs/ ($domains): $SCALE_RUNS runs per configuration"
  # The shipped specs declare source systems: --clean writes the clean data only (the truth
  # layer, as before the systems existed), so these figures stay comparable across rounds.
  base=("$LAB" compile --specs "$root/specs" --format parquet --compression snappy --quiet --clean)
  rows_s1="" rows_s10=""
  for i in $(seq 1 "$SCALE_RUNS"); do
    run s1t2 "${base[@]}" --scale 1 --threads 2 --out "$work/s1t2"
    [ -n "$rows_s1" ] || read -r rows_s1 _ cells_s1 _ < <(python3 "$root/benches/parquet_stats.py" "$work/s1t2/lake/truth")
    rm -rf "$work/s1t2"
    run s10t2 "${base[@]}" --scale 10 --threads 2 --out "$work/s10t2"
    [ -n "$rows_s10" ] || read -r rows_s10 _ cells_s10 _ < <(python3 "$root/benches/parquet_stats.py" "$work/s10t2/lake/truth")
    rm -rf "$work/s10t2"
    run s1t1 "${base[@]}" --scale 1 --threads 1 --out "$work/s1t1"
    rm -rf "$work/s1t1"
  done
  for i in $(seq 1 "$QUICK_RUNS"); do
    run check "$LAB" check --specs "$root/specs"
    run docs "$LAB" compile --specs "$root/specs" --docs-only --quiet --out "$work/docs-$i"
    rm -rf "$work/docs-$i"
  done
  w1="$(median s1t2)"
  w10="$(median s10t2)"
  w1t1="$(median s1t1)"
  tratio="$(calc '%.2f' "$w10 / $w1")"
  sp="$(calc '%.2f' "$w1t1 / $w1")"
  r10="$(peak s10t2)"
  ck="$(calc '%.0f' "$(median check) * 1000")"
  dk="$(calc '%.0f' "$(median docs) * 1000")"
  {
    echo "**lab scaling** — specs/ ($domains), Parquet + Snappy, median of $SCALE_RUNS runs (check / docs-only: $QUICK_RUNS)"
    echo
    echo "| measure | result | target | status |"
    echo "| --- | ---: | --- | --- |"
    echo "| scale 1, 2 threads | $(calc '%.2f' "$w1") s, $(fmt_int "$rows_s1") rows, $(fmt_int "$(calc '%.0f' "$cells_s1 / $w1")") cells/s, $(mib "$(peak s1t2)") MiB | | |"
    echo "| scale 10, 2 threads | $(calc '%.2f' "$w10") s, $(fmt_int "$rows_s10") rows, $(fmt_int "$(calc '%.0f' "$cells_s10 / $w10")") cells/s, $(mib "$r10") MiB | | |"
    echo "| time scale 10 / scale 1 | ${tratio}× | ≤ 11× | $(verdict "$tratio <= 11") |"
    echo "| peak RSS at scale 10 | $(mib "$r10") MiB | ≤ 1024 MiB | $(verdict "$r10 <= 1048576") |"
    echo "| scale 1, 1 thread | $(calc '%.2f' "$w1t1") s, $(mib "$(peak s1t1)") MiB | | |"
    echo "| CPU seconds: 1 thread → 2 threads | $(calc '%.2f' "$(median s1t1 4)") s → $(calc '%.2f' "$(median s1t2 4)") s | | |"
    echo "| speed-up 2 threads / 1 thread | ${sp}× | ≥ 1.8× | $(verdict "$sp >= 1.8") |"
    echo "| \`lab check --specs specs\` | $ck ms | < 200 ms | $(verdict "$ck < 200") |"
    echo "| \`lab compile --docs-only --specs specs\` | $dk ms | < 200 ms | $(verdict "$dk < 200") |"
    echo
    echo "Commands: \`lab compile --specs specs --scale {1,10} --threads {1,2} --format parquet --compression snappy --quiet --clean --out DIR\`."
  } >>"$md"
fi

# --- 2b. the silos: raw exports + truth + answer key vs --clean ----------------------------
if [ "$PART" = all ] || [ "$PART" = silo ]; then
  say "silo exports on specs/ at scales $SILO_SCALES: default compile vs --clean, $SCALE_RUNS runs each"
  base=("$LAB" compile --specs "$root/specs" --format parquet --compression snappy --quiet --threads "$THREADS")
  rows=()
  for sc in $SILO_SCALES; do
    for i in $(seq 1 "$SCALE_RUNS"); do
      run "clean$sc" "${base[@]}" --scale "$sc" --clean --out "$work/clean"
      rm -rf "$work/clean"
      run "silo$sc" "${base[@]}" --scale "$sc" --out "$work/silo"
      if [ "$i" = 1 ]; then
        bytes="$(du -sb "$work/silo/lake" | cut -f1)"
        files="$(find "$work/silo/lake" -type f | wc -l)"
        eval "bytes$sc=$bytes files$sc=$files"
      fi
      rm -rf "$work/silo"
    done
  done
  {
    echo "**silo exports** — specs/ with every system's raw export, the truth and the answer key vs \`--clean\` (the truth only), $THREADS threads, median of $SCALE_RUNS runs each"
    echo
    echo "| measure | result | target | status |"
    echo "| --- | ---: | --- | --- |"
    for sc in $SILO_SCALES; do
      wc_="$(median "clean$sc")"
      ws_="$(median "silo$sc")"
      r_="$(calc '%.2f' "$ws_ / $wc_")"
      b_="bytes$sc"
      f_="files$sc"
      echo "| scale $sc, \`--clean\` | $(calc '%.2f' "$wc_") s, $(mib "$(peak "clean$sc")") MiB | | |"
      echo "| scale $sc, exports + truth + answer key | $(calc '%.2f' "$ws_") s, $(mib "$(peak "silo$sc")") MiB, $(fmt_int "$(calc '%.0f' "${!b_} / 1048576")") MiB in $(fmt_int "${!f_}") files | | |"
      echo "| scale $sc: exports / clean | ${r_}× | ≤ 2.2× | $(verdict "$r_ <= 2.2") |"
      if [ "$sc" = 10 ]; then
        echo "| peak RSS at scale 10 with exports | $(mib "$(peak silo10)") MiB | ≤ 1024 MiB | $(verdict "$(peak silo10) <= 1048576") |"
      fi
    done
    echo
    echo "Commands: \`lab compile --specs specs --scale SCALE --threads $THREADS --format parquet --compression snappy --quiet [--clean] --out DIR\`."
    echo
  } >>"$md"
fi

# --- 2c. the dbt pipeline on the compiled lake ---------------------------------------------
if [ "$PART" = all ] || [ "$PART" = dbt ]; then
  dbt_bin="$root/.venv/bin/dbt"
  [ -x "$dbt_bin" ] || die "dbt is missing: run bash tests/tools/setup.sh (it installs dbt into .venv)"
  say "dbt build (DuckDB) on specs/ compiled at scales $DBT_SCALES"
  for sc in $DBT_SCALES; do
    rm -rf "$work/dbt$sc"
    "$LAB" compile --specs "$root/specs" --scale "$sc" --threads "$THREADS" --quiet --out "$work/dbt$sc" \
      || die "lab compile --scale $sc failed"
    (cd "$work/dbt$sc/dbt" && DBT_PROFILES_DIR=. DBT_SEND_ANONYMOUS_USAGE_STATS=false \
      run "dbt$sc" "$dbt_bin" build --target duckdb)
    eval "dbtdone$sc=\"$(grep -o 'PASS=[0-9]* WARN=[0-9]* ERROR=[0-9]*' "$work/last.log" | tail -n 1)\""
    rm -rf "$work/dbt$sc"
  done
  {
    echo "**dbt pipeline** — \`dbt build --target duckdb\` of generated/dbt/ on specs/ compiled at each scale (staging, silver, gold and their tests), $THREADS dbt threads"
    echo
    echo "| measure | result | target | status |"
    echo "| --- | ---: | --- | --- |"
    for sc in $DBT_SCALES; do
      w_="$(median "dbt$sc")"
      d_="dbtdone$sc"
      if [ "$sc" = 1 ]; then
        echo "| scale $sc: dbt build | $(calc '%.2f' "$w_") s, $(mib "$(peak "dbt$sc")") MiB, ${!d_} | < 60 s | $(verdict "$w_ < 60") |"
      else
        echo "| scale $sc: dbt build | $(calc '%.2f' "$w_") s, $(mib "$(peak "dbt$sc")") MiB, ${!d_} | | |"
      fi
    done
    echo
  } >>"$md"
fi

# --- 3. a split run: two 1-thread parts vs one 2-thread process ----------------------------
if [ "$PART" = all ] || [ "$PART" = parts ]; then
  say "split run on specs/ at scale $PARTS_SCALE: 2 parts × 1 thread vs 1 process × 2 threads"
  base=("$LAB" compile --specs "$root/specs" --scale "$PARTS_SCALE" --format parquet
    --compression snappy --quiet)
  # Both parts at once, as two processes (a script, so GNU time measures the pair); the pair
  # fails if either part fails.
  {
    echo 'set -u'
    for k in 1 2; do
      printf '%q ' "${base[@]}" --threads 1 --part "$k" --parts 2 --out "$work/p$k"
      echo '&'
      echo "pid$k=\$!"
    done
    echo 'rc=0; wait "$pid1" || rc=1; wait "$pid2" || rc=1; exit "$rc"'
  } >"$work/two_parts.sh"
  for i in $(seq 1 "$SCALE_RUNS"); do
    run whole2t "${base[@]}" --threads 2 --out "$work/whole"
    rm -rf "$work/whole"
    run parts2x1 bash "$work/two_parts.sh"
    run merge "$LAB" manifest merge --quiet "$work/p1" "$work/p2" --out "$work/merged"
    rm -rf "$work/p1" "$work/p2" "$work/merged"
  done
  pw="$(median whole2t)"
  pp="$(median parts2x1)"
  pm="$(median merge)"
  {
    echo "**split run** — specs/ at scale $PARTS_SCALE, Parquet + Snappy, median of $SCALE_RUNS runs"
    echo
    echo "| measure | result | target | status |"
    echo "| --- | ---: | --- | --- |"
    echo "| one process, \`--threads 2\` | $(calc '%.2f' "$pw") s wall, $(calc '%.2f' "$(median whole2t 4)") s CPU, $(mib "$(peak whole2t)") MiB | | |"
    echo "| two parts, two 1-thread processes at once | $(calc '%.2f' "$pp") s wall, $(calc '%.2f' "$(median parts2x1 4)") s CPU, $(mib "$(peak parts2x1)") MiB per process | | |"
    echo "| wall time two parts / one process | $(calc '%.2f' "$pp / $pw")× | ≈ 1 (≤ 1.2×) | $(verdict "$pp / $pw <= 1.2") |"
    echo "| \`lab manifest merge\` of the two parts | $(calc '%.2f' "$pm") s | | |"
    echo
    echo "Commands: \`lab compile --specs specs --scale $PARTS_SCALE --format parquet --compression snappy --quiet --threads 1 --part {1,2} --parts 2 --out DIR\` (both at once) vs \`… --threads 2\`; \`lab manifest merge P1 P2 --out DIR\`."
  } >>"$md"
fi

# --- 3. S3 output vs local disk ------------------------------------------------------------
if [ "$PART" = all ] || [ "$PART" = s3 ]; then
  py="$root/.venv/bin/python"
  "$py" -c 'import moto.server, boto3' 2>/dev/null ||
    die "moto is missing: run bash tests/tools/setup.sh (installs moto[server] and boto3 into .venv)"
  say "S3 output vs local disk: specs/ at scale $S3_SCALE, $THREADS threads, $S3_RUNS runs each, endpoint $S3_ENDPOINT"
  if [ "$S3_ENDPOINT" = moto ]; then
    coproc MOTO { "$py" "$root/tests/tools/s3_check.py" serve lab-bench 2>/dev/null; }
    read -r _ port <&"${MOTO[0]}" || die "moto did not start"
    server_pid="$MOTO_PID"
    endpoint_name="moto $("$py" -c 'import moto; print(moto.__version__)')"
  else
    cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
    if command -v s3s-fs >/dev/null; then
      S3S="$(command -v s3s-fs)"
    elif [ -x "$cargo_bin/s3s-fs" ]; then
      S3S="$cargo_bin/s3s-fs"
    else
      say "installing s3s-fs (cargo install s3s-fs@0.14.1 --features binary --locked; takes a few minutes)"
      cargo install s3s-fs@0.14.1 --features binary --locked --quiet
      S3S="$cargo_bin/s3s-fs"
    fi
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    mkdir -p "$work/s3root/lab-bench"
    "$S3S" --host 127.0.0.1 --port "$port" --access-key testing --secret-key testing "$work/s3root" \
      >"$work/s3s.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 100); do
      python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break
      sleep 0.1
    done
    endpoint_name="$("$S3S" --version 2>/dev/null | head -1)"
    endpoint_name="${endpoint_name:-s3s-fs}"
  fi
  endpoint="http://127.0.0.1:$port"
  # CPU ticks the endpoint's process has used so far (user + system).
  endpoint_cpu() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
  : >"$work/endpoint"
  base=("$LAB" compile --specs "$root/specs" --scale "$S3_SCALE" --threads "$THREADS"
    --format parquet --compression snappy --quiet)
  for i in $(seq 1 "$S3_RUNS"); do
    run disk "${base[@]}" --out "$work/disk"
    rm -rf "$work/disk"
    # Bodies signed (lab's default over plain HTTP), then unsigned (its default over HTTPS,
    # i.e. to AWS itself); the endpoint's own CPU seconds are read around each run.
    for mode in s3 s3u; do
      unsigned=false
      [ "$mode" = s3u ] && unsigned=true
      c0="$(endpoint_cpu)"
      run "$mode" env AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 \
        AWS_ENDPOINT_URL="$endpoint" AWS_EC2_METADATA_DISABLED=true AWS_UNSIGNED_PAYLOAD="$unsigned" \
        "${base[@]}" --out "s3://lab-bench/$mode-$i"
      echo "$mode $(calc '%.2f' "($(endpoint_cpu) - $c0) / $(getconf CLK_TCK)")" >>"$work/endpoint"
      # The check reads the whole lake back through boto3 (over 10 minutes at scale 1): once.
      if [ "$i" = 1 ] && [ "$mode" = s3 ]; then
        "$py" "$root/tests/tools/s3_check.py" lake "$endpoint" "s3://lab-bench/$mode-1" >/dev/null ||
          die "the lake written to S3 does not match its manifest"
      fi
      # The file-system endpoint keeps the objects on this disk: one lake at a time.
      rm -rf "$work/s3root/lab-bench/$mode-$i"
    done
  done
  if [ "$S3_ENDPOINT" = moto ]; then
    exec {MOTO[1]}>&-
  else
    kill "$server_pid" 2>/dev/null || true
  fi
  wait "$server_pid" 2>/dev/null || true
  wd="$(median disk)"
  ws="$(median s3)"
  wu="$(median s3u)"
  s3r="$(calc '%.2f' "$ws / $wd")"
  s3ur="$(calc '%.2f' "$wu / $wd")"
  ecpu() { awk -v l="$1" '$1 == l {print $2}' "$work/endpoint" | sort -g | awk '{v[NR] = $1} END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
  {
    echo "**S3 output** — specs/ at scale $S3_SCALE, $THREADS threads, to a local S3 endpoint ($endpoint_name, on the same cores) vs local disk, median of $S3_RUNS runs each"
    echo
    echo "| measure | result | target | status |"
    echo "| --- | ---: | --- | --- |"
    echo "| local disk | $(calc '%.2f' "$wd") s, lab $(calc '%.1f' "$(median disk 4)") CPU s, $(mib "$(peak disk)") MiB | | |"
    echo "| \`--out s3://…\`, bodies signed (default over HTTP) | $(calc '%.2f' "$ws") s, lab $(calc '%.1f' "$(median s3 4)") CPU s, endpoint $(calc '%.1f' "$(ecpu s3)") CPU s, $(mib "$(peak s3)") MiB | | |"
    echo "| \`--out s3://…\`, bodies unsigned (default over HTTPS) | $(calc '%.2f' "$wu") s, lab $(calc '%.1f' "$(median s3u 4)") CPU s, endpoint $(calc '%.1f' "$(ecpu s3u)") CPU s, $(mib "$(peak s3u)") MiB | | |"
    echo "| S3 / local disk, wall, signed | ${s3r}× | ≤ 1.5× | $(verdict "$s3r <= 1.5") |"
    echo "| S3 / local disk, wall, unsigned | ${s3ur}× | ≤ 1.5× | $(verdict "$s3ur <= 1.5") |"
    echo "| lab's own CPU: S3 (unsigned) / local disk | $(calc '%.2f' "$(median s3u 4) / $(median disk 4)")× | | |"
    echo
  } >>"$md"
fi

# --- 6. The daily increments vs a full compile ---------------------------------------------
if [ "$PART" = all ] || [ "$PART" = increments ]; then
  say "daily increments on specs/ at scale $INC_SCALE: one day, a year, $INC_DAYS one-day runs vs a full --clean compile"
  base=("$LAB" compile --specs "$root/specs" --scale "$INC_SCALE" --clean --quiet --threads "$THREADS")
  # The one-day runs of the year, one after another (a script, so GNU time measures them all).
  {
    echo 'set -eu'
    echo "for i in \$(seq 0 $((INC_DAYS - 1))); do"
    echo '  d="$(date -u -d "2025-01-01 + $i days" +%Y-%m-%d)"'
    printf '  %q ' "${base[@]}"
    echo "--increments \"\$d..\$d\" --out \"$work/day-\$d\""
    echo "  rm -rf \"$work/day-\$d\""
    echo 'done'
  } >"$work/days.sh"
  for i in $(seq 1 "$SCALE_RUNS"); do
    run incfull "${base[@]}" --out "$work/incfull"
    rm -rf "$work/incfull"
    run incday "${base[@]}" --increments 2025-06-15..2025-06-15 --out "$work/incday"
    rm -rf "$work/incday"
    run incyear "${base[@]}" --increments 2025-01-01..2025-12-31 --out "$work/incyear"
    rm -rf "$work/incyear"
  done
  if [ "$INC_DAYS" -gt 0 ]; then
    run incdays bash "$work/days.sh"
  fi
  wf="$(median incfull)"
  wd="$(median incday)"
  wy="$(median incyear)"
  {
    echo "**daily increments** — specs/ at scale $INC_SCALE, clean data, $THREADS threads, median of $SCALE_RUNS runs"
    echo
    echo "| measure | result | target | status |"
    echo "| --- | ---: | --- | --- |"
    echo "| full compile (\`--clean\`) | $(calc '%.2f' "$wf") s, $(mib "$(peak incfull)") MiB | | |"
    echo "| one day (\`--increments 2025-06-15..2025-06-15\`) | $(calc '%.2f' "$wd") s, $(mib "$(peak incday)") MiB | | |"
    echo "| one day / full compile | $(calc '%.1f' "100 * $wd / $wf") % | ≤ 25 % | $(verdict "$wd / $wf <= 0.25") |"
    echo "| a year in one run (\`--increments 2025-01-01..2025-12-31\`) | $(calc '%.2f' "$wy") s, $(mib "$(peak incyear)") MiB | | |"
    echo "| a year in one run / full compile | $(calc '%.2f' "$wy / $wf")× | < 10× | $(verdict "$wy / $wf < 10") |"
    if [ "$INC_DAYS" -gt 0 ]; then
      wn="$(median incdays)"
      echo "| $INC_DAYS one-day runs | $(calc '%.2f' "$wn") s (one run) | | |"
      echo "| $INC_DAYS one-day runs / full compile | $(calc '%.2f' "$wn / $wf")× | < 10× (for 365) | $(verdict "$wn / $wf < 10") |"
    fi
    echo
  } >>"$md"
fi

echo
echo '```markdown'
cat "$md"
echo '```'
if [ -n "$RESULTS" ]; then
  cp "$md" "$RESULTS"
fi
