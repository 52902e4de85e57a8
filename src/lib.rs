//! `lab` compiles declarative YAML domain specs into a referentially consistent synthetic data
//! lake (Parquet and CSV), a data dictionary, ERDs and Athena/Glue DDL.
//!
//! The pipeline has one representation per stage and one public function per transition:
//!
//! ```text
//! specs/*.yaml --spec::load--> spec AST --resolve::resolve--> IR --plan::plan--> Layout
//!   Layout + eval --generate--> Arrow record batches --sink--> lake files + manifest
//!   IR --emit::*--> dictionary, ERDs, DDL, Glue tables
//! ```
//!
//! [`compile`] runs the whole pipeline for a [`Config`] and publishes lake and documents in
//! one atomic switch of the output directory ([`output`]); it prints nothing and reports to
//! an [`Observer`]. [`check`] is the front end alone. See `docs/architecture.md` for the code
//! map, the layers and the invariants.

pub mod arrow;
#[cfg(feature = "s3")]
pub mod aws;
pub mod cli;
pub mod codec;
pub mod codes;
pub mod defects;
pub mod diagnostics;
pub mod emit;
pub mod eval;
pub mod export;
pub mod frontend;
pub mod generate;
pub mod grade;
pub(crate) mod hash;
pub mod ir;
pub mod layout;
pub(crate) mod number;
pub mod output;
pub mod pipeline;
pub mod plan;
pub mod profile;
pub(crate) mod resolve;
pub mod score;
pub mod sink;
pub mod spec;

pub use frontend::{Checked, check, check_texts};
pub use pipeline::{
    Config, Error, Freshness, Observer, Outcome, Silent, check_documents, compile, schema,
    write_schema,
};
