#!/usr/bin/env bash
# The project's test command (the README's second command; CI runs exactly this).
# 1. installs the external validators the tests use (idempotent, fast when already there) while
#    cargo builds the tests and checks formatting and lints (clippy, with the 150-line function
#    limit of clippy.toml): the set-up mostly downloads, the build and lints mostly compute,
# 2. runs every Rust test (unit, integration, snapshots, property tests, real-tool checks),
# 3. checks that the committed generated/ documents are what the specs produce.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_and_lint() {
  cargo test --locked --all-targets --no-run &&
    cargo fmt --check &&
    cargo clippy --locked --all-targets -- -D warnings
}

bash tests/tools/setup.sh &
setup=$!
if ! build_and_lint; then
  wait "$setup" || true
  exit 1
fi
wait "$setup"
cargo test --locked --all-targets
# The binary the tests ran (`cargo test` builds it in the test profile; a plain `cargo run` would
# build the crate once more, in the dev profile).
cargo run --profile test --locked --quiet -- compile --docs-only --check
