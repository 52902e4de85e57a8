//! The engine never panics and never writes silently wrong data on hostile specs: overflows,
//! non-finite numbers, dates out of range, values over the size limit and string columns past
//! 2 GiB are either generated correctly or refused with a located diagnostic.

use crate::common::*;
use arrow::array::{Array, ArrayRef, LargeStringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use lab::codes;
use lab::diagnostics::Diagnostic;
use lab::generate::{self, ErrorKind};
use lab::plan::{Plan, PlanOptions, plan};
use parquet::arrow::ArrowSchemaConverter;
use parquet::arrow::arrow_writer::{ArrowRowGroupWriterFactory, compute_leaves};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use std::sync::Arc;

/// Resolves and plans one in-memory spec file `t.yaml`.
fn plan_spec(spec: &str) -> Result<Plan, Vec<Diagnostic>> {
    let checked = lab::check_texts(&[("t.yaml", spec)]);
    let Some(ir) = &checked.ir else {
        panic!("the spec should resolve:\n{}", checked.render(false));
    };
    plan(ir, PlanOptions::default())
}

/// The first generation error of entity `t.<entity>`, chunk by chunk.
fn first_error(p: &Plan, entity: &str) -> Option<generate::Error> {
    let e = p.ir.entity_by_name("t", entity).expect("entity exists");
    p.chunks(e)
        .into_iter()
        .find_map(|(a, b)| generate::chunk(p, e, a, b).err())
}

/// A spec with one entity `x` of `rows` rows and the given attribute lines.
fn one_entity(rows: &str, attributes: &str) -> String {
    format!(
        "domain: t
entities:
  x:
    rows: {rows}
    primary_key: id
    attributes:
      id: {{ type: int64, key: sequence }}
{attributes}"
    )
}

#[test]
fn a_non_finite_number_is_a_located_error_not_a_panic() {
    let spec = one_entity("1000", "      big: { type: float64, expr: \"exp(row)\" }\n");
    let p = plan_spec(&spec).expect("plans");
    let err = first_error(&p, "x").expect("exp(710) is infinite");
    assert_eq!(err.kind, ErrorKind::NonFinite);
    assert_eq!(err.row, 709, "row 710 is the first whose exp overflows");
    let d = err.diagnostic(&p);
    assert_eq!(d.code, codes::GENERATED_VALUE);
    assert!(d.message.contains("`t.x.big`"), "{}", d.message);
    assert!(d.message.contains("row 710"), "{}", d.message);
    let span = d.span.expect("located");
    assert_eq!(span.line, 8, "points at the attribute");
}

#[test]
fn lab_compile_refuses_a_non_finite_number_and_keeps_no_staging() {
    let base = tmp("non-finite");
    let specs = base.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    let spec = one_entity("1000", "      big: { type: float64, expr: \"exp(row)\" }\n");
    std::fs::write(specs.join("t.yaml"), spec).unwrap();
    let out = base.join("out");
    let o = lab(&[
        "compile",
        "--quiet",
        "--specs",
        specs.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("error[E0800]"), "{err}");
    assert!(err.contains("t.yaml:8:"), "{err}");
    assert!(!out.join("lake").exists(), "no lake is written");
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains(".tmp-"))
                .collect()
        })
        .unwrap_or_default();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn key_sequences_that_outgrow_their_type_are_plan_errors() {
    for (ty, rows, start) in [
        ("int16", "40000", "1"),
        ("int32", "1000", "2147483000"),
        ("int64", "1000", "9223372036854775000"),
    ] {
        let spec = format!(
            "domain: t
entities:
  x:
    rows: {rows}
    primary_key: id
    attributes:
      id: {{ type: {ty}, key: {{ sequence: {{ start: {start} }} }} }}
"
        );
        let errors = plan_spec(&spec).expect_err(ty);
        assert_eq!(errors.len(), 1, "{ty}: {errors:?}");
        assert_eq!(errors[0].code, codes::INFEASIBLE_UNIQUE, "{ty}");
        assert!(
            errors[0].message.contains("`t.x.id`"),
            "{}",
            errors[0].message
        );
        assert_eq!(errors[0].span.map(|s| s.line), Some(7), "{ty}");
        // A wider type is advice only below int64.
        let help = errors[0].help.as_deref().unwrap_or_default();
        assert_eq!(
            help.contains("wider integer type"),
            ty != "int64",
            "{ty}: {help}"
        );
    }
    // Just inside the range is fine, and the keys are distinct.
    let spec = "domain: t
entities:
  x:
    rows: 1000
    primary_key: id
    attributes:
      id: { type: int16, key: { sequence: { start: 31768 } } }
";
    let p = plan_spec(spec).expect("31768 + 999 = 32767 fits");
    let e = p.ir.entity_by_name("t", "x").unwrap();
    let batch = generate::chunk(&p, e, 0, 1000).expect("generates");
    let ids = batch
        .column(0)
        .as_any()
        .downcast_ref::<arrow::array::Int16Array>()
        .expect("int16");
    assert_eq!(ids.value(999), i16::MAX);
}

#[test]
fn a_child_count_that_overflows_the_row_count_is_a_plan_error() {
    let spec = "domain: t
entities:
  parents:
    rows: { fixed: 3 }
    primary_key: id
    attributes:
      id: { type: int64, key: sequence }
  kids:
    rows: { per: parents, count: { expr: \"9223372036854775000\" } }
    primary_key: [id, n]
    attributes:
      id: { ref: parents }
      n: { type: int64, key: child_index }
";
    let errors = plan_spec(spec).expect_err("the total overflows u64");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code, codes::GENERATED_VALUE);
    assert!(
        errors[0].message.contains("t.kids") && errors[0].message.contains("overflows"),
        "{}",
        errors[0].message
    );
}

#[test]
fn integer_overflow_in_an_expression_is_a_located_error() {
    let spec = one_entity(
        "100",
        "      v: { type: int64, expr: \"9223372036854775000 + row * 10\" }\n",
    );
    let err = first_error(&plan_spec(&spec).expect("plans"), "x").expect("overflows");
    assert!(matches!(err.kind, ErrorKind::Overflow { .. }), "{err:?}");
    assert_eq!(err.row, 80, "row 81 is the first past i64::MAX");
    // An overflow in a `case` branch that is not taken is no error (expressions are
    // evaluated a column at a time, every branch over every row).
    let spec = one_entity(
        "100",
        "      v: { type: int64, expr: \"case when row <= 80 then 9223372036854775000 + row * 10 else -1 end\" }\n",
    );
    let p = plan_spec(&spec).expect("plans");
    let e = p.ir.entity_by_name("t", "x").unwrap();
    let batch = generate::chunk(&p, e, 0, 100).expect("the overflowing branch is not taken");
    let v = batch
        .column(1)
        .as_any()
        .downcast_ref::<arrow::array::Int64Array>()
        .expect("int64");
    assert_eq!(v.value(79), 9223372036854775800);
    assert_eq!(v.value(80), -1);
    // A value outside a narrower column type is refused too, never clamped.
    let spec = one_entity("100", "      v: { type: int16, expr: \"row * 1000\" }\n");
    let err = first_error(&plan_spec(&spec).expect("plans"), "x").expect("overflows");
    assert!(matches!(err.kind, ErrorKind::Overflow { .. }), "{err:?}");
    assert_eq!(err.row, 32, "33 000 is the first value past 32 767");
    // And a decimal past its precision (Parquet would truncate its bytes).
    let spec = one_entity(
        "100",
        "      v: { type: \"decimal(5,2)\", expr: \"row * 100.0\" }\n",
    );
    let err = first_error(&plan_spec(&spec).expect("plans"), "x").expect("overflows");
    assert!(matches!(err.kind, ErrorKind::Overflow { .. }), "{err:?}");
    assert_eq!(err.row, 9, "1000.00 is the first value past 999.99");
}

#[test]
fn dates_outside_years_1_to_9999_are_located_errors() {
    for (ty, expr) in [
        ("date", "date(at + days(row * 1000000))"),
        ("timestamp", "at - days(row * 300000)"),
    ] {
        let spec = one_entity(
            "10",
            &format!(
                "      at: {{ type: timestamp, between: [2023-01-01, 2023-12-31] }}\n      far: {{ type: {ty}, expr: \"{expr}\" }}\n"
            ),
        );
        let p = plan_spec(&spec).expect("plans");
        let err = first_error(&p, "x").expect("out of range");
        assert_eq!(err.kind, ErrorKind::DateOutOfRange, "{ty}");
        assert_eq!(err.row, 2, "{ty}: row 3 is the first outside the range");
        assert!(err.diagnostic(&p).message.contains("`t.x.far`"));
    }
}

#[test]
fn a_string_value_over_the_limit_is_a_located_error() {
    // Each nested `replace` multiplies the length by 20: 10 000 → 200 000 → 4 000 000 bytes.
    let a20 = "a".repeat(20);
    let spec = one_entity(
        "3",
        &format!(
            "      s: {{ type: string, expr: \"replace(replace(lpad('', 10000, 'a'), 'a', '{a20}'), 'a', '{a20}')\" }}\n"
        ),
    );
    let p = plan_spec(&spec).expect("plans");
    let err = first_error(&p, "x").expect("too large");
    assert_eq!(
        err.kind,
        ErrorKind::ValueTooLarge { bytes: 4_000_000 },
        "{err:?}"
    );
    assert_eq!(err.row, 0);
    // Concatenation is limited the same way.
    let spec = one_entity(
        "3",
        &format!(
            "      s: {{ type: string, expr: \"replace(lpad('', 10000, 'a'), 'a', '{}')\" }}\n      s2: {{ type: string, expr: \"s || s\" }}\n",
            "a".repeat(60)
        ),
    );
    let err = first_error(&plan_spec(&spec).expect("plans"), "x").expect("too large");
    assert_eq!(err.kind, ErrorKind::ValueTooLarge { bytes: 1_200_000 });
}

/// More than 2 GiB of text in one column of one chunk: 2 200 values of 1 000 000 bytes (just
/// under the per-value limit). 32-bit offsets would overflow; the column comes back with
/// 64-bit offsets and every value intact.
#[test]
fn a_chunk_with_more_than_2_gib_of_text_is_generated_whole() {
    let a100 = "a".repeat(100);
    let spec = one_entity(
        "{ fixed: 2200 }",
        &format!(
            "      s: {{ type: string, expr: \"replace(lpad('', 10000, 'a'), 'a', '{a100}')\" }}\n"
        ),
    );
    let p = plan_spec(&spec).expect("plans");
    let e = p.ir.entity_by_name("t", "x").unwrap();
    let batch = generate::chunk(&p, e, 0, 2200).expect("generates");
    let s = batch.column(1);
    assert_eq!(s.data_type(), &DataType::LargeUtf8);
    let s = s
        .as_any()
        .downcast_ref::<LargeStringArray>()
        .expect("large strings");
    assert_eq!(s.len(), 2200);
    assert!((0..2200).all(|i| s.value(i).len() == 1_000_000));
    assert_eq!(s.value_offsets()[2200], 2_200_000_000);
    // The id column is unaffected.
    assert_eq!(batch.column(0).data_type(), &DataType::Int64);
}

/// The sink builds its Parquet writers from the entity's schema (`Utf8` strings); a chunk whose
/// column came back as `LargeUtf8` must encode through them and through the CSV writer.
#[test]
fn a_large_string_batch_encodes_with_the_files_utf8_schema() {
    let schema = Arc::new(Schema::new(vec![Field::new("s", DataType::Utf8, false)]));
    let pq = ArrowSchemaConverter::new()
        .convert(&schema)
        .expect("encodes");
    let props = Arc::new(WriterProperties::builder().build());
    let dummy =
        SerializedFileWriter::new(Vec::<u8>::new(), pq.root_schema_ptr(), props).expect("encodes");
    let factory = ArrowRowGroupWriterFactory::new(&dummy, schema.clone());
    let arr: ArrayRef = Arc::new(LargeStringArray::from(vec!["a", "bb", "ccc"]));
    let bschema = Arc::new(Schema::new(vec![Field::new(
        "s",
        DataType::LargeUtf8,
        false,
    )]));
    let batch = RecordBatch::try_new(bschema, vec![arr]).expect("encodes");
    let mut writers = factory.create_column_writers(0).expect("encodes");
    let mut k = 0;
    for (arr, field) in batch.columns().iter().zip(batch.schema().fields()) {
        for leaf in compute_leaves(field, arr).expect("encodes") {
            writers[k].write(&leaf).expect("encodes");
            k += 1;
        }
    }
    let chunks: Vec<_> = writers
        .into_iter()
        .map(|w| w.close().expect("encodes"))
        .collect();
    assert_eq!(chunks.len(), 1);
    let mut buf = Vec::new();
    {
        let mut w = arrow::csv::WriterBuilder::new()
            .with_header(false)
            .build(&mut buf);
        w.write(&batch).expect("encodes");
    }
    assert_eq!(String::from_utf8(buf).expect("encodes"), "a\nbb\nccc\n");
}

#[test]
fn the_estimate_matches_planned_rows_for_absolute_counts() {
    let checked = lab::check(&root().join("specs"));
    let ir = checked.ir.as_ref().expect("shipped specs resolve");
    let est = lab::plan::estimate(ir, 0.05);
    let p = plan(
        ir,
        PlanOptions {
            scale: 0.05,
            ..PlanOptions::default()
        },
    )
    .expect("plans");
    for (e, ent) in ir.entities.iter().enumerate() {
        if let Some(n) = ent.base_rows(0.05) {
            assert_eq!(est.rows[e], n as f64, "{}", ent.qualified);
            assert_eq!(p.entities[e].rows, n, "{}", ent.qualified);
        }
        assert!(est.bytes[e] >= 0.0 && est.rows[e] >= 0.0);
    }
    assert!(est.total_bytes() > 0.0);
    // The plan holds at least the offsets the estimate counts for per-parent entities.
    let offsets: usize = p
        .entities
        .iter()
        .filter_map(|l| l.offsets.as_ref().map(Vec::len))
        .sum();
    assert!(est.plan_memory >= 8.0 * offsets as f64 * 0.5, "{est:?}");
}

/// A spec with a chain of `n` attributes of one row that each need the next (`attrs`), or of
/// `n` entities each generated `per` the one before (`parents`).
fn chain_spec(kind: &str, n: usize) -> String {
    let mut s = String::from("domain: t\nentities:\n");
    if kind == "attrs" {
        s.push_str("  t:\n    rows: 3\n    primary_key: id\n    attributes:\n");
        s.push_str("      id: { type: int64, key: sequence }\n");
        for i in 0..n - 1 {
            s.push_str(&format!(
                "      a{i}: {{ type: int64, expr: \"a{} + 1\" }}\n",
                i + 1
            ));
        }
        s.push_str(&format!("      a{}: {{ type: int64, const: 0 }}\n", n - 1));
    } else {
        for i in 0..n {
            let rows = if i == 0 {
                "2".to_string()
            } else {
                format!("{{ per: e{}, count: 1 }}", i - 1)
            };
            let v = if i == 0 {
                "const: 0"
            } else {
                "expr: \"parent.v + 1\""
            };
            s.push_str(&format!(
                "  e{i}:\n    rows: {rows}\n    primary_key: id\n    attributes:\n      id: {{ type: int64, key: sequence }}\n      v: {{ type: int64, {v} }}\n"
            ));
        }
    }
    s
}

/// Compiles one spec file into a scratch directory: (exit code, stderr).
fn compile_spec(name: &str, spec: &str) -> (Option<i32>, String) {
    let base = tmp(name);
    let specs = base.join("specs");
    std::fs::create_dir_all(&specs).unwrap();
    std::fs::write(specs.join("t.yaml"), spec).unwrap();
    let out = base.join("out");
    let o = lab(&[
        "compile",
        "--quiet",
        "--specs",
        specs.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let _ = std::fs::remove_dir_all(&base);
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn dependency_chains_at_the_limit_compile_and_longer_ones_are_refused() {
    // The limits of `src/resolve/graph.rs` (`MAX_ATTRIBUTE_CHAIN`, `MAX_PARENT_CHAIN`).
    for (kind, limit) in [("attrs", 1000), ("parents", 500)] {
        let (code, err) = compile_spec(&format!("chain-{kind}-ok"), &chain_spec(kind, limit));
        assert_eq!(code, Some(0), "{kind} chain of {limit}: {err}");
        let (code, err) = compile_spec(&format!("chain-{kind}-over"), &chain_spec(kind, limit + 1));
        assert_eq!(code, Some(1), "{kind} chain of {}: {err}", limit + 1);
        assert!(err.contains("error[E0614]"), "{err}");
        assert!(err.contains("t.yaml:"), "located: {err}");
    }
}
