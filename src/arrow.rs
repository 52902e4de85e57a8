//! The parts of Arrow that lab uses, under the paths of the `arrow` crate (`arrow::array`,
//! `arrow::datatypes`, …), re-exported from Arrow's component crates: the `arrow` umbrella
//! crate would also build the arithmetic, string and row kernels, which lab does not use.
//! Users of the library API get the same Arrow types lab's record batches are made of.

/// Arrays, their builders and downcasts.
pub mod array {
    pub use arrow_array::builder::*;
    pub use arrow_array::cast::*;
    pub use arrow_array::*;
    pub use arrow_data::ArrayData;
}

/// Data types, fields and schemas; the array element types.
pub mod datatypes {
    pub use arrow_array::types::*;
    pub use arrow_schema::{DataType, Field, FieldRef, Fields, Schema, SchemaRef, TimeUnit};
}

/// Record batches.
pub mod record_batch {
    pub use arrow_array::{RecordBatch, RecordBatchOptions};
}

/// Arrow's error type.
pub mod error {
    pub use arrow_schema::ArrowError;
}

/// Buffers.
pub mod buffer {
    pub use arrow_buffer::*;
}

/// The kernels lab uses: casts, concatenation, filters, `nullif` and `take`.
pub mod compute {
    pub use arrow_cast::cast::*;
    pub use arrow_select::concat::*;
    pub use arrow_select::filter::*;
    pub use arrow_select::nullif::*;
    pub use arrow_select::take::*;
}

/// Value formatting.
pub mod util {
    /// Formatting of array values as text.
    pub mod display {
        pub use arrow_cast::display::*;
    }
}

/// CSV writing.
pub mod csv {
    pub use arrow_csv::*;
}
