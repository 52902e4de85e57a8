//! The Parquet compression codecs a run can choose. The sink sets them in the writer
//! properties; the emitters name them in the tables' properties (DDL and Glue), so both read
//! the one choice.

/// Parquet compression codecs offered on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Codec {
    Snappy,
    Zstd,
    None,
}

impl Codec {
    pub fn name(self) -> &'static str {
        match self {
            Codec::Snappy => "snappy",
            Codec::Zstd => "zstd",
            Codec::None => "none",
        }
    }
}
