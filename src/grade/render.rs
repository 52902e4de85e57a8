//! The readable report of `lab score`: plain aligned text tables in the report's order (the
//! JSON form is the [`Report`] serialised). A ratio without a denominator prints as `–`.

use super::{ColumnScore, Prf3, Reconciled, Report};
use std::fmt::Write as _;

fn ratio(v: Option<f64>) -> String {
    v.map_or("–".to_string(), |v| format!("{v:.3}"))
}

fn prf(p: &Prf3) -> String {
    format!(
        "{:>6} {:>6} {:>6}",
        ratio(p.precision),
        ratio(p.recall),
        ratio(p.f1)
    )
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

fn reconciled(s: &mut String, label: &str, r: &Reconciled) {
    let rel = r
        .rel_error
        .map_or("–".to_string(), |e| format!("{:+.2}%", e * 100.0));
    let _ = writeln!(
        s,
        "  {label:<28} {:>16} {:>16} {:>14} {rel:>9}",
        number(r.truth),
        number(r.user),
        number(r.abs_error)
    );
}

fn column_line(s: &mut String, c: &ColumnScore) {
    let name = if c.submitted {
        c.column.clone()
    } else {
        format!("{} (left)", c.column)
    };
    let _ = writeln!(
        s,
        "  {name:<24} {:>7} {:>9} {:>7} {:>6} {:>6}  {}  {}",
        c.cells,
        c.defective,
        c.changed,
        c.fixed,
        c.broken,
        prf(&c.correction),
        prf(&c.detection)
    );
}

/// The report as aligned text.
pub fn text(r: &Report) -> String {
    let mut s = format!("lab score: `{}` against `{}`\n", r.submission, r.lake);
    if !r.clusters.is_empty() {
        let _ = writeln!(
            s,
            "\nentity resolution (precision recall F1; unlisted records are singletons)"
        );
        let _ = writeln!(
            s,
            "  {:<24} {:>7} {:>7}  {:>20}  {:>20}  {:>20}",
            "entity", "records", "listed", "pairs", "cross-system pairs", "B-cubed"
        );
        for c in &r.clusters {
            let _ = writeln!(
                s,
                "  {:<24} {:>7} {:>7}  {}  {}  {}",
                c.entity,
                c.records,
                c.listed,
                prf(&c.pairs.prf),
                prf(&c.cross_system_pairs.prf),
                prf(&c.bcubed)
            );
            if c.unknown.count > 0 {
                let _ = writeln!(
                    s,
                    "    {} listed record(s) the crosswalk lacks, e.g. {}",
                    c.unknown.count,
                    c.unknown.examples.join(", ")
                );
            }
            if c.repeated > 0 {
                let _ = writeln!(s, "    {} record(s) listed more than once", c.repeated);
            }
        }
    }
    for c in &r.clean {
        let k = &c.completeness;
        let _ = writeln!(
            s,
            "\ncleaning {}/{} (`{}`)\n  record keys: {} expected, {} found, {} missing, {} extra, {} repeated",
            c.system, c.entity, c.file, k.expected, k.found, k.missing, k.extra, k.repeated
        );
        let _ = writeln!(
            s,
            "  {:<24} {:>7} {:>9} {:>7} {:>6} {:>6}  {:>20}  {:>20}",
            "column",
            "cells",
            "defective",
            "changed",
            "fixed",
            "broken",
            "correction P R F1",
            "detection P R F1"
        );
        for col in &c.columns {
            column_line(&mut s, col);
        }
        column_line(&mut s, &c.total);
        if !c.by_defect.is_empty() {
            let kinds: Vec<String> = c
                .by_defect
                .iter()
                .map(|d| format!("{} {}/{}", d.defect, d.fixed, d.planted))
                .collect();
            let _ = writeln!(s, "  fixed by defect: {}", kinds.join(", "));
        }
        if !c.records.is_empty() {
            let kinds: Vec<String> = c
                .records
                .iter()
                .map(|k| format!("{} {}", k.kind, k.count))
                .collect();
            let _ = writeln!(s, "  planted records: {}", kinds.join(", "));
        }
    }
    for u in &r.unified {
        let _ = writeln!(s, "\nreconciliation of {} (`{}`)", u.entity, u.file);
        let _ = writeln!(
            s,
            "  {:<28} {:>16} {:>16} {:>14} {:>9}",
            "measure", "truth", "user", "abs error", "rel error"
        );
        reconciled(&mut s, "rows", &u.rows);
        for m in &u.measures {
            reconciled(&mut s, &format!("{} total", m.column), &m.total);
            for mo in &m.by_month {
                reconciled(&mut s, &format!("{} {}", m.column, mo.month), &mo.value);
            }
        }
        if !u.missing_columns.is_empty() {
            let _ = writeln!(s, "  not in the table: {}", u.missing_columns.join(", "));
        }
    }
    s
}
