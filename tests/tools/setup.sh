#!/usr/bin/env bash
# Installs the external validators the integration tests run on lab's output (see README.md):
#   .venv/                      sqlglot, duckdb, pyarrow, check-jsonschema, botocore, pyspark,
#                               moto[server] + boto3 (the local S3/Glue endpoint of tests/it/s3.rs),
#                               dbt-core + adapters, MetricFlow, scikit-learn, pandas
#   tests/tools/node_modules/   mermaid + jsdom (package-lock.json pins every package)
#   graphviz (`dot`), Java 17, Node.js, Chromium   from Debian apt, each only when missing
# Idempotent: every step checks first and skips when its tool is already there, so a warm run
# takes well under a second. CI runs it as root on Debian 12; elsewhere apt steps use sudo.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tools="$root/tests/tools"
venv="$root/.venv"

# Versions known to work together (see the validators reference).
py_pins=(
  "sqlglot==30.30.0"
  "duckdb==2.0.1"
  "pyarrow==26.0.1"
  "check-jsonschema==0.39.0"
  "botocore==1.44.8"
  "pyspark==4.3.0"
  "moto[server]==5.2.5"
  "boto3==1.44.8"
  # The generated dbt project (tests/it/dbt.rs). dbt-core 1.12 does not install from the
  # package registry alone (its experimental parser downloads a wheel from elsewhere).
  "dbt-core~=1.11.0"
  "dbt-duckdb~=1.11.0"
  "dbt-spark[session]~=1.11.0"
  "dbt-athena~=1.11.0"
  # The semantic layer (MetricFlow's `mf` CLI on dbt-duckdb) and the analytics baselines.
  "dbt-metricflow==0.15.0"
  "metricflow==0.213.0"
  "scikit-learn==1.9.1"
  "pandas==3.1.1"
)

say() { printf 'setup: %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# The Python packages only download and unpack: they install while apt works (Node's packages
# need apt's Node.js, so they come after it).
python_packages() {
  # A stamp holding the pin list turns the warm path into a file comparison instead of a pip run.
  py_stamp="$venv/.lab-pins"
  want_py="$(printf '%s\n' "${py_pins[@]}")"
  if [ ! -x "$venv/bin/python" ] || [ "$(cat "$py_stamp" 2>/dev/null)" != "$want_py" ]; then
    if [ ! -x "$venv/bin/python" ]; then
      say "creating $venv"
      python3 -m venv "$venv"
    fi
    say "installing Python validators: ${py_pins[*]} (pyspark takes a minute or two)"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "${py_pins[@]}"
    printf '%s' "$want_py" >"$py_stamp"
  fi
}
python_packages &
python_job=$!

# --- Debian packages (one apt run for all that are missing) ------------------------------
debs=()
command -v dot >/dev/null 2>&1 || debs+=(graphviz)
java -version >/dev/null 2>&1 || debs+=(openjdk-17-jre-headless)   # Spark
command -v chromium >/dev/null 2>&1 || debs+=(chromium)            # the report's browser check
{ command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; } || debs+=(nodejs npm)
if [ "${#debs[@]}" -gt 0 ]; then
  say "installing ${debs[*]} from apt"
  apt_install "${debs[@]}"
fi

# --- Node packages ---------------------------------------------------------------------
node_stamp="$tools/node_modules/.lab-package-lock.json"
if [ ! -d "$tools/node_modules/mermaid" ] || ! cmp -s "$tools/package-lock.json" "$node_stamp"; then
  say "installing Node validators (mermaid, jsdom)"
  (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  cp "$tools/package-lock.json" "$node_stamp"
fi

wait "$python_job"

say "ok: $(dot -V 2>&1 | head -n1); node $(node --version); $("$venv/bin/python" --version)"
