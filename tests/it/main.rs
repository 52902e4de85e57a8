//! The integration test binary (one binary keeps link time down). Each module covers one area;
//! tests that need external tools (DuckDB, sqlglot, Spark, Mermaid, Graphviz, check-jsonschema)
//! find them where `tests/tools/setup.sh` installs them and fail with a message naming the
//! set-up step when they are missing.

mod analytics;
mod architecture;
mod common;
mod dbt;
mod domains;
mod emit;
mod engine;
mod engine_language;
mod engine_safety;
mod engine_sources;
mod engine_time;
mod engine_unique;
mod frontend;
mod marts;
mod metrics;
mod output;
mod parts;
mod realism;
mod reference;
mod report;
mod s3;
mod scd;
mod score;
mod score_lake;
mod silo;
