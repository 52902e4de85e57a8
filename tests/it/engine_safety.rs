//! The engine never panics and never writes silently wrong data on hostile specs: overflows,
//! non-finite numbers, dates out of range, values over the size limit and string columns past
//! 2 GiB are either generated correctly or refused with a located diagnostic.

use crate::common::*;
use lab::arrow::array::{Array, ArrayRef, LargeStringArray};
use lab::arrow::datatypes::{DataType, Field, Schema};
use lab::arrow::record_batch::RecordBatch;
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
        .downcast_ref::<lab::arrow::array::Int16Array>()
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
        .downcast_ref::<lab::arrow::array::Int64Array>()
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
        let mut w = lab::arrow::csv::WriterBuilder::new()
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
        .filter_map(|l| l.offsets.as_ref().map(lab::layout::Offsets::len))
        .sum();
    assert!(est.plan_memory >= 8.0 * offsets as f64 * 0.5, "{est:?}");
}

/// The first generation error of entity `t.<entity>` with its rendered message.
fn error_message(spec: &str, entity: &str) -> (generate::Error, String) {
    let p = plan_spec(spec).expect("plans");
    let err = first_error(&p, entity).expect("the spec cannot be generated");
    let d = err.diagnostic(&p);
    assert_eq!(d.code, codes::GENERATED_VALUE);
    (err, d.message)
}

#[test]
fn a_string_longer_than_its_type_is_an_error_not_cut() {
    // A key format whose keys cannot fit is refused at check time (cut, every key was `C-0`).
    let spec = |format: &str| {
        format!(
            "domain: t
entities:
  x:
    rows: 200
    primary_key: id
    attributes:
      id: {{ type: string(3), key: \"{format}\" }}
      c: {{ type: string(3), choice: [abc, abcd] }}
"
        )
    };
    let errors = check_errors(&spec("C-{row:07}"));
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(errors[0].code, codes::NOT_ASSIGNABLE);
    assert!(
        errors[0].message.contains("9 characters"),
        "{}",
        errors[0].message
    );
    // A choice value too long was already refused as it is parsed.
    assert_eq!(errors[1].code, codes::GENERATOR_TYPE);
    assert_eq!(errors[0].span.map(|s| s.line), Some(7));
    assert!(
        errors[1].message.contains("`abcd`"),
        "{}",
        errors[1].message
    );
    // One whose keys outgrow the type as rows go on is refused at the first that does not fit.
    let spec = spec("C{row}").replace("[abc, abcd]", "[abc, ab]");
    let (err, msg) = error_message(&spec, "x");
    assert!(
        matches!(
            err.kind,
            ErrorKind::TooLong {
                chars: 4,
                max: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.row, 99, "C100 is the first key of 4 characters");
    assert!(msg.contains("`t.x.id`") && msg.contains("C100"), "{msg}");
    // A unique expression and a fake value are not cut either.
    for (attr, value) in [
        (
            "      e: { type: string(4), unique: true, expr: \"'user' || row || '@example.com'\" }\n",
            "user1@example.com",
        ),
        ("      a: { type: string(3), fake: email }\n", "@"),
    ] {
        let (err, msg) = error_message(&one_entity("10", attr), "x");
        assert!(matches!(err.kind, ErrorKind::TooLong { .. }), "{err:?}");
        assert!(msg.contains(value), "{msg}");
    }
    // Values that fit (in characters, not bytes) are written whole.
    let spec = one_entity(
        "3",
        "      s: { type: string(3), expr: \"'é' || row || 'ü'\" }\n",
    );
    let p = plan_spec(&spec).expect("plans");
    let e = p.ir.entity_by_name("t", "x").unwrap();
    let batch = generate::chunk(&p, e, 0, 3).expect("3 characters fit string(3)");
    let s = batch
        .column(1)
        .as_any()
        .downcast_ref::<lab::arrow::array::StringArray>()
        .expect("strings");
    assert_eq!(s.value(2), "é3ü");
    // Lorem filler text ends after n characters, so it always fits.
    let spec = one_entity(
        "50",
        "      w: { type: string(6), fake: { words: [3, 5] } }\n",
    );
    let p = plan_spec(&spec).expect("plans");
    let e = p.ir.entity_by_name("t", "x").unwrap();
    let batch = generate::chunk(&p, e, 0, 50).expect("lorem text fits");
    let w = batch
        .column(1)
        .as_any()
        .downcast_ref::<lab::arrow::array::StringArray>()
        .expect("strings");
    assert!((0..50).all(|i| w.value(i).chars().count() == 6), "{w:?}");
}

/// The check-time errors of an in-memory spec `t.yaml` that does not resolve.
fn check_errors(spec: &str) -> Vec<Diagnostic> {
    let checked = lab::check_texts(&[("t.yaml", spec)]);
    assert!(checked.ir.is_none(), "the spec should not resolve");
    checked
        .diagnostics
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect()
}

/// Parents `p` (3 rows, attribute lines `parent`) with `k` children each (attribute lines
/// `child`, the key `n` first).
fn parents_and_children(k: u32, parent: &str, child: &str) -> String {
    format!(
        "domain: t
entities:
  p:
    rows: {{ fixed: 3 }}
    primary_key: id
    attributes:
      id: {{ type: int64, key: sequence }}
{parent}  c:
    rows: {{ per: p, count: {k} }}
    primary_key: [id, n]
    attributes:
      id: {{ ref: p }}
      n: {{ type: int64, key: child_index }}
{child}"
    )
}

/// The values of column `col` of entity `t.<entity>`'s first `rows` rows.
fn int_values(spec: &str, entity: &str, rows: u64, col: usize) -> Vec<i64> {
    let p = plan_spec(spec).expect("plans");
    let e = p.ir.entity_by_name("t", entity).unwrap();
    let batch = generate::chunk(&p, e, 0, rows).expect("generates");
    let v = batch
        .column(col)
        .as_any()
        .downcast_ref::<lab::arrow::array::Int64Array>()
        .expect("int64");
    v.values().to_vec()
}

#[test]
fn rollup_sums_that_overflow_are_located_errors() {
    for (ty, value, k) in [
        ("int64", "9223372036854775807", 2),
        (
            "\"decimal(38,0)\"",
            "50000000000000000000000000000000000000",
            4,
        ),
    ] {
        let spec = parents_and_children(
            k,
            &format!("      s: {{ type: {ty}, rollup: {{ sum: c.v }} }}\n"),
            &format!("      v: {{ type: {ty}, const: {value} }}\n"),
        );
        let (err, msg) = error_message(&spec, "p");
        assert!(
            matches!(err.kind, ErrorKind::Overflow { .. }),
            "{ty}: {err:?}"
        );
        assert_eq!(err.row, 0, "{ty}");
        assert!(msg.contains("`t.p.s`") && msg.contains("sum"), "{msg}");
    }
    // A sum that fits is written.
    let spec = parents_and_children(
        2,
        "      s: { type: int64, rollup: { sum: c.v } }\n",
        "      v: { type: int64, const: 4611686018427387903 }\n",
    );
    assert_eq!(int_values(&spec, "p", 3, 1), [i64::MAX - 1; 3]);
}

#[test]
fn integer_uniform_draws_over_the_full_64_bit_range() {
    for (range, lo, hi) in [
        (
            "[-9223372036854775808, 9223372036854775807]",
            i64::MIN,
            i64::MAX,
        ),
        ("[0, 9223372036854775807]", 0, i64::MAX),
        ("[-9223372036854775808, 0]", i64::MIN, 0),
    ] {
        for unique in ["false", "true"] {
            let spec = one_entity(
                "1000",
                &format!(
                    "      v: {{ type: int64, unique: {unique}, dist: {{ uniform: {range} }} }}\n"
                ),
            );
            let v = int_values(&spec, "x", 1000, 1);
            assert!(v.iter().all(|x| (lo..=hi).contains(x)), "{range}");
            // Spread over the range: both halves are drawn.
            let mid = (i128::from(lo) + i128::from(hi)) / 2;
            let below = v.iter().filter(|&&x| i128::from(x) < mid).count();
            assert!(
                (300..700).contains(&below),
                "{range}: {below} of 1000 below the middle"
            );
        }
    }
}

#[test]
fn an_integer_uniform_range_without_an_integer_is_a_check_error() {
    let errors = check_errors(&one_entity(
        "10",
        "      v: { type: int64, dist: { uniform: [0.5, 0.6] } }\n",
    ));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code, codes::BAD_RANGE);
    assert!(
        errors[0].message.contains("no integer"),
        "{}",
        errors[0].message
    );
    // A float column may draw from it.
    plan_spec(&one_entity(
        "10",
        "      v: { type: float64, dist: { uniform: [0.5, 0.6] } }\n",
    ))
    .expect("a float range");
    // And an integer range past 64 bits is refused, not narrowed.
    let errors = check_errors(&one_entity(
        "10",
        "      v: { type: int64, dist: { uniform: [0, 1e19] } }\n",
    ));
    assert_eq!(errors[0].code, codes::BAD_RANGE, "{errors:?}");
}

#[test]
fn numbers_past_the_integer_range_are_errors_not_saturated() {
    for attr in [
        "      v: { type: int64, expr: \"exp(44)\" }\n",
        "      v: { type: int64, expr: \"round(exp(44))\" }\n",
        "      v: { type: int64, dist: { geometric: 4.9e-324 } }\n",
    ] {
        let (err, msg) = error_message(&one_entity("10", attr), "x");
        assert!(
            matches!(err.kind, ErrorKind::Overflow { .. }),
            "{attr}: {err:?}"
        );
        assert_eq!(err.row, 0, "{attr}");
        assert!(msg.contains("`t.x.v`") && msg.contains("int64"), "{msg}");
    }
    // Just inside the range converts exactly.
    let spec = one_entity("1", "      v: { type: int64, expr: \"exp(43)\" }\n");
    assert_eq!(int_values(&spec, "x", 1, 1), [43f64.exp().round() as i64]);
}

#[test]
fn lpad_past_the_value_limit_is_an_error_not_cut() {
    let spec = one_entity(
        "3",
        "      s: { type: string, expr: \"lpad('a', 3000000000, 'xy')\" }\n",
    );
    let (err, msg) = error_message(&spec, "x");
    assert_eq!(
        err.kind,
        ErrorKind::ValueTooLarge {
            bytes: 3_000_000_000
        }
    );
    assert!(msg.contains("`t.x.s`"), "{msg}");
    // Up to the limit the value is whole (it was cut at 10 000 characters).
    let spec = one_entity(
        "2",
        "      s: { type: string, expr: \"lpad('a', 20001, 'xy')\" }\n      l: { type: int64, expr: \"length(s)\" }\n",
    );
    assert_eq!(int_values(&spec, "x", 2, 2), [20001, 20001]);
}

#[test]
fn a_negative_child_count_is_an_error() {
    let spec = "domain: t
entities:
  p:
    rows: { fixed: 3 }
    primary_key: id
    attributes:
      id: { type: int64, key: sequence }
  c:
    rows: { per: p, count: { expr: \"2 - id\" } }
    primary_key: [id, n]
    attributes:
      id: { ref: p }
      n: { type: int64, key: child_index }
";
    let errors = plan_spec(spec).expect_err("row 3 has -1 children");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code, codes::GENERATED_VALUE);
    let msg = &errors[0].message;
    assert!(
        msg.contains("negative (-1)") && msg.contains("row 3"),
        "{msg}"
    );
}

/// Targets `p` (5 rows, weight `w` generated by `weight`) and 2 000 rows of `c` picking one
/// weighted.
fn weighted_picks(weight: &str) -> String {
    format!(
        "domain: t
entities:
  p:
    rows: {{ fixed: 5 }}
    primary_key: id
    attributes:
      id: {{ type: int64, key: sequence }}
      w: {{ type: float64, {weight} }}
  c:
    rows: 2000
    primary_key: id
    attributes:
      id: {{ type: int64, key: sequence }}
      p_id: {{ ref: p, pick: {{ weighted: w }} }}
"
    )
}

#[test]
fn pick_weights_are_never_negative_and_huge_ones_keep_their_proportions() {
    let errors =
        plan_spec(&weighted_picks("expr: \"3 - id\"")).expect_err("rows 4 and 5 are negative");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code, codes::GENERATED_VALUE);
    let msg = &errors[0].message;
    assert!(msg.contains("`t.p.w`") && msg.contains("row 4"), "{msg}");
    assert_eq!(errors[0].span.map(|s| s.line), Some(8), "at the weight");
    // Weights of 1e308 sum past the largest float: every target is still picked, about
    // equally (they were all sent to the last row).
    let picks = int_values(&weighted_picks("const: 1e308"), "c", 2000, 1);
    for id in 1..=5 {
        let k = picks.iter().filter(|&&x| x == id).count();
        assert!(
            (300..500).contains(&k),
            "target {id} picked {k} of 2000 times"
        );
    }
}

#[test]
fn round_takes_negative_digits() {
    let spec = one_entity(
        "1",
        "      f: { type: float64, expr: \"round(123.456, -1)\" }\n      i: { type: int64, expr: \"round(1250, -2)\" }\n      d: { type: \"decimal(10,2)\", expr: \"round(cast_me, -2)\" }\n",
    )
    .replace("cast_me", "1250.00");
    let p = plan_spec(&spec).expect("plans");
    let e = p.ir.entity_by_name("t", "x").unwrap();
    let batch = generate::chunk(&p, e, 0, 1).expect("generates");
    let f = batch
        .column(1)
        .as_any()
        .downcast_ref::<lab::arrow::array::Float64Array>()
        .expect("float64");
    assert_eq!(f.value(0), 120.0);
    let i = batch
        .column(2)
        .as_any()
        .downcast_ref::<lab::arrow::array::Int64Array>()
        .expect("int64");
    assert_eq!(i.value(0), 1300, "half away from zero");
    let d = batch
        .column(3)
        .as_any()
        .downcast_ref::<lab::arrow::array::Decimal128Array>()
        .expect("decimal");
    assert_eq!(d.value(0), 130000, "1300.00");
    // Rounding past the 64-bit range is an error.
    let spec = one_entity(
        "1",
        "      v: { type: int64, expr: \"round(9223372036854775807, -1)\" }\n",
    );
    let (err, _) = error_message(&spec, "x");
    assert!(matches!(err.kind, ErrorKind::Overflow { .. }), "{err:?}");
}

#[test]
fn decimal_constants_choices_and_literals_are_exact() {
    let d38 = "12345678901234567890123456789012345678";
    let spec = one_entity(
        "40",
        &format!(
            "      c: {{ type: \"decimal(20,2)\", choice: [12345678901234567.89, 0.1] }}
      k: {{ type: \"decimal(38,0)\", const: {d38} }}
      l: {{ type: \"decimal(38,10)\", expr: \"1234567890123456789.0123456789\" }}
      m: {{ type: \"decimal(38,10)\", expr: \"1234567890123456789.0123456789 + 0.0000000001\" }}
"
        ),
    );
    let p = plan_spec(&spec).expect("plans");
    let e = p.ir.entity_by_name("t", "x").unwrap();
    let batch = generate::chunk(&p, e, 0, 40).expect("generates");
    let dec = |k: usize| {
        batch
            .column(k)
            .as_any()
            .downcast_ref::<lab::arrow::array::Decimal128Array>()
            .expect("decimal")
            .values()
            .to_vec()
    };
    let c = dec(1);
    assert!(
        c.iter().all(|&x| x == 1_234_567_890_123_456_789 || x == 10),
        "{c:?}"
    );
    assert!(c.contains(&1_234_567_890_123_456_789) && c.contains(&10));
    assert!(dec(2).iter().all(|&x| x.to_string() == d38));
    let l: i128 = 12_345_678_901_234_567_890_123_456_789;
    assert!(dec(3).iter().all(|&x| x == l));
    assert!(dec(4).iter().all(|&x| x == l + 1));
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
        assert!(err.contains("error[E0615]"), "{err}");
        assert!(err.contains("t.yaml:"), "located: {err}");
    }
}

/// Products with string keys, items looking one up by `lookup_expr`, and returns counted per
/// item from `count` (an expression that reaches the product through the lookup).
fn lookup_through_count(lookup_expr: &str, count: &str) -> String {
    format!(
        "domain: t
entities:
  products:
    rows: {{ fixed: 3 }}
    primary_key: id
    attributes:
      id: {{ type: string, key: \"P-{{row:07}}\" }}
      category: {{ type: string, choice: [x, y] }}
  items:
    rows: {{ fixed: 50 }}
    primary_key: id
    attributes:
      id: {{ type: int64, key: sequence }}
      product_id: {{ ref: products, lookup: \"{lookup_expr}\" }}
  returns:
    rows: {{ per: items, count: {{ expr: \"{count}\" }} }}
    primary_key: [item_id, n]
    attributes:
      item_id: {{ ref: items }}
      n: {{ type: int64, key: child_index }}
"
    )
}

#[test]
fn a_count_through_a_random_lookup_plans_and_matches_the_generated_values() {
    let spec = lookup_through_count(
        "case when random() < 0.5 then 'P-0000001' else 'P-0000002' end",
        "case when products.category = 'x' then 1 else 0 end",
    );
    let p = plan_spec(&spec).expect("plans: every lookup value has a row");
    let items = p.ir.entity_by_name("t", "items").unwrap();
    let products = p.ir.entity_by_name("t", "products").unwrap();
    let returns = p.ir.entity_by_name("t", "returns").unwrap();
    let prod = generate::chunk(&p, products, 0, 3).expect("products generate");
    let cat = prod
        .column(1)
        .as_any()
        .downcast_ref::<lab::arrow::array::StringArray>()
        .map(|a| (0..3).map(|i| a.value(i).to_string()).collect::<Vec<_>>())
        .expect("string category");
    let it = generate::chunk(&p, items, 0, 50).expect("items generate");
    let pid = it.column(1);
    let pid = pid
        .as_any()
        .downcast_ref::<lab::arrow::array::StringArray>()
        .expect("string key");
    let expected = (0..50)
        .filter(|&i| {
            let k = pid.value(i);
            let r: usize = k[2..].parse::<usize>().unwrap() - 1;
            cat[r] == "x"
        })
        .count() as u64;
    assert_eq!(p.entities[returns].rows, expected);
}

#[test]
fn a_lookup_miss_met_while_planning_is_a_located_error_not_a_panic() {
    let spec = lookup_through_count(
        "case when random() < 0.5 then 'P-0000001' else 'P-0000009' end",
        "case when products.category = 'x' then 1 else 0 end",
    );
    let errors = plan_spec(&spec).expect_err("P-0000009 has no row");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code, codes::BAD_KEY, "{errors:?}");
    let msg = &errors[0].message;
    assert!(msg.contains("`t.items.product_id`"), "{msg}");
    assert!(msg.contains("`P-0000009`"), "only the missing key: {msg}");
    assert_eq!(errors[0].span.map(|s| s.line), Some(14), "at the lookup");
}

#[test]
fn a_diagnostic_renders_for_any_error_without_a_panic() {
    let spec = lookup_through_count("'P-0000001'", "1");
    let p = plan_spec(&spec).expect("plans");
    let items = p.ir.entity_by_name("t", "items").unwrap();
    for (attr, kind) in [
        (
            Some(99),
            ErrorKind::LookupMiss {
                fk: 7,
                value: "v".into(),
            },
        ),
        (
            None,
            ErrorKind::EmptyGroup {
                fk: 7,
                value: "v".into(),
            },
        ),
        (Some(99), ErrorKind::NonFinite),
    ] {
        let err = generate::Error {
            entity: items,
            attr,
            row: 0,
            kind,
        };
        let d = err.diagnostic(&p);
        assert!(d.message.contains("`t.items"), "{}", d.message);
    }
}

/// Items pick products by weight and prices by a random lookup; returns are counted per item
/// through the weighted pick, and journal lines per order only where the rolled-up cost of its
/// items (reached through the lookup) is positive.
const PICKS_IN_COUNTS: &str = "domain: t
entities:
  products:
    rows: { fixed: 6 }
    primary_key: id
    attributes:
      id: { type: int64, key: sequence }
      popularity: { type: float64, expr: \"case when id = 1 then 20 else id end\" }
      category: { type: string, expr: \"case when id % 2 = 0 then 'x' else 'y' end\" }
  prices:
    rows: { fixed: 3 }
    primary_key: id
    attributes:
      id: { type: string, key: \"Q-{row:01}\" }
      amount: { type: int64, expr: \"row - 2\" }
  orders:
    rows: { fixed: 200 }
    primary_key: id
    attributes:
      id: { type: int64, key: sequence }
      cost_of_goods: { type: int64, rollup: { sum: items.cost } }
  items:
    rows: { per: orders, count: 2 }
    primary_key: [order_id, n]
    attributes:
      order_id: { ref: orders }
      n: { type: int64, key: child_index }
      product_id: { ref: products, pick: { weighted: popularity } }
      price_id: { ref: prices, lookup: \"case when random() < 0.5 then 'Q-1' else 'Q-3' end\" }
      cost: { type: int64, expr: \"prices.amount\" }
  returns:
    rows: { per: items, count: { expr: \"case when products.category = 'x' then 1 else 0 end\" } }
    primary_key: [order_id, n, k]
    attributes:
      order_id: { ref: items }
      n: { ref: items }
      k: { type: int64, key: child_index }
  journal:
    rows:
      union:
        - { per: orders, count: 1, when: \"cost_of_goods > 0\" }
        - 3
    primary_key: id
    attributes:
      id: { type: int64, key: sequence }
";

/// Column `col` of all rows of entity `t.<entity>`, as text.
fn texts(p: &Plan, entity: &str, col: usize) -> Vec<String> {
    let e = p.ir.entity_by_name("t", entity).unwrap();
    let batch = generate::chunk(p, e, 0, p.entities[e].rows).expect("generates");
    let c = batch.column(col);
    (0..c.len())
        .map(|i| lab::arrow::util::display::array_value_to_string(c, i).unwrap())
        .collect()
}

#[test]
fn a_count_through_a_weighted_pick_matches_the_generated_values() {
    // Without the lookup: prices are picked uniformly.
    let lookup = ", lookup: \"case when random() < 0.5 then 'Q-1' else 'Q-3' end\"";
    assert!(PICKS_IN_COUNTS.contains(lookup));
    let p = plan_spec(&PICKS_IN_COUNTS.replace(lookup, "")).expect("plans");
    assert_returns_match_items(&p);
}

/// Returns: one per item whose weighted pick is a product of category x (an even id).
fn assert_returns_match_items(p: &Plan) {
    let rows = |name: &str| p.entities[p.ir.entity_by_name("t", name).unwrap()].rows;
    let picked = texts(p, "items", 2);
    let even = picked
        .iter()
        .filter(|id| id.parse::<i64>().unwrap() % 2 == 0)
        .count() as u64;
    assert!(even > 0 && even < 400, "both categories are picked: {even}");
    assert_eq!(rows("returns"), even, "returns = items picking category x");
}

#[test]
fn counts_and_whens_through_picks_and_rollups_match_the_generated_values() {
    let p = plan_spec(PICKS_IN_COUNTS).expect("plans");
    let rows = |name: &str| p.entities[p.ir.entity_by_name("t", name).unwrap()].rows;
    assert_returns_match_items(&p);
    // Journal: one line per order with a positive rolled-up cost, plus 3.
    let costs = texts(&p, "orders", 1);
    let positive = costs
        .iter()
        .filter(|c| c.parse::<i64>().unwrap() > 0)
        .count() as u64;
    assert!(positive > 0 && positive < 200, "{positive}");
    assert_eq!(rows("journal"), positive + 3);
}

#[test]
fn the_estimate_scales_a_member_by_its_random_when() {
    let spec = |when: &str| {
        format!(
            "domain: t
entities:
  p:
    rows: {{ fixed: 4000 }}
    primary_key: id
    attributes:
      id: {{ type: int64, key: sequence }}
  u:
    rows:
      union:
        - {{ per: p, count: 1, when: \"{when}\" }}
        - {{ fixed: 100 }}
    primary_key: id
    attributes:
      id: {{ type: int64, key: sequence }}
"
        )
    };
    for (when, share) in [
        ("random() < 0.25", 0.25),
        ("0.25 > random()", 0.25),
        ("random() < 2", 1.0),
        ("id % 4 = 0", 1.0),
    ] {
        let s = spec(when);
        let checked = lab::check_texts(&[("t.yaml", s.as_str())]);
        let ir = checked.ir.as_ref().expect("resolves");
        let u = ir.entity_by_name("t", "u").unwrap();
        let est = lab::plan::estimate(ir, 1.0);
        assert_eq!(est.rows[u], 4000.0 * share + 100.0, "{when}");
        if share < 1.0 {
            let planned = plan(ir, PlanOptions::default()).expect("plans").entities[u].rows;
            let diff = (planned as f64 - est.rows[u]).abs();
            assert!(
                diff < 150.0,
                "{when}: planned {planned}, estimated {}",
                est.rows[u]
            );
        }
    }
}

#[test]
fn a_distinct_pick_is_capped_by_its_targets_planned_rows() {
    // The target is two levels deep, so its rows are planned after the picking entity's
    // parent; the cap must still read the target's final row count.
    let spec = "domain: t
entities:
  a:
    rows: { fixed: 3 }
    primary_key: id
    attributes:
      id: { type: int64, key: sequence }
  b:
    rows: { per: a, count: 2 }
    primary_key: id
    attributes:
      id: { type: int64, key: sequence }
      a_id: { ref: a }
  deep:
    rows: { per: b, count: 2 }
    primary_key: id
    attributes:
      id: { type: int64, key: sequence }
      b_id: { ref: b }
  c:
    rows: { per: a, count: 3 }
    primary_key: [a_id, deep_id]
    attributes:
      a_id: { ref: a }
      deep_id: { ref: deep, pick: distinct }
";
    let p = plan_spec(spec).expect("plans");
    let c = p.ir.entity_by_name("t", "c").unwrap();
    assert_eq!(p.entities[c].rows, 9, "3 per parent, under the 12 targets");
}

/// A number literal with more fractional digits than a decimal keeps is refused, not rounded
/// to zero; trailing zeros past the 18th digit are harmless.
#[test]
fn literals_with_more_than_18_fractional_digits_are_refused() {
    let spec = one_entity(
        "3",
        "      v: { type: float64, expr: \"1.5 * 0.0000000000000000000000000000000000001\" }\n",
    );
    let errors = check_errors(&spec);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].message.contains("more than 18 digits"),
        "{errors:?}"
    );
    let spec = one_entity(
        "3",
        "      v: { type: float64, expr: \"1.5 * 0.25000000000000000000\" }\n",
    );
    let checked = lab::check_texts(&[("t.yaml", &spec)]);
    assert!(!checked.has_errors(), "{:?}", checked.diagnostics);
}
