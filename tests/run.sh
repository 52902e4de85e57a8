#!/usr/bin/env bash
# The project's test command (the README's second command; CI runs exactly this).
# 1. installs the external validators the tests use (idempotent, fast when already there),
# 2. runs every Rust test (unit, integration, snapshots, property tests, real-tool checks),
# 3. checks that the committed generated/ documents are what the specs produce,
# 4. checks formatting and lints (clippy, with the 150-line function limit of clippy.toml).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash tests/tools/setup.sh
cargo test --locked --all-targets
cargo run --locked --quiet -- compile --docs-only --check
cargo fmt --check
cargo clippy --locked --all-targets -- -D warnings
