//! Measured statistics of generated data (the data profile): per entity its rows, files and
//! bytes, per column its nulls, distinct count and extremes. The sink measures them while
//! writing; the emitters render them as profile pages. Plain data, so neither depends on the
//! other.

/// Measured statistics of generated data, indexed like the IR's entities and attributes.
#[derive(Clone, Debug, Default)]
pub struct DataStats {
    pub entities: Vec<EntityStats>,
}

#[derive(Clone, Debug, Default)]
pub struct EntityStats {
    pub rows: u64,
    pub files: usize,
    pub bytes: u64,
    pub columns: Vec<ColumnStats>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ColumnStats {
    pub nulls: u64,
    /// Distinct non-null values (exact while `distinct_exact`).
    pub distinct: u64,
    pub distinct_exact: bool,
    /// Smallest and largest non-null value, formatted as in CSV output.
    pub min: Option<String>,
    pub max: Option<String>,
}
