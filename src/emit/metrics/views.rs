//! The metrics as plain SQL models of the curated layer: `metric_<name>` (columns `month`,
//! the first day of a month, and `value`, a double; one row per month with data) and, per
//! breakdown, `metric_<name>__by_<breakdown>` (`month`, the breakdown as a string, `value`),
//! materialised like the marts at `<lake>/curated/metrics/<name>/`. Each computes what
//! MetricFlow computes for `--group-by metric_time__month`: a simple metric aggregates its
//! measure's rows by the month of their time column (left-joining the dimensions its filters
//! and breakdowns read; a balance only the rows at each month's last time); a ratio divides its inputs' monthly values (a full outer join on the
//! month, null where the denominator is zero); a derived metric evaluates its expression over
//! its inputs' monthly values; a cumulative metric takes, for each month of the time spine up
//! to the last month with rows (MetricFlow runs on to the spine's end), the measure over every
//! row up to the month's last day (since the start of its period with `grain_to_date`); a
//! conversion metric attributes each conversion row to the latest base row
//! of the same member in the window before it, and divides the conversions, by the month of
//! that base row, by the base rows of the month. The SQL is cross-database (dbt's
//! `date_trunc`, `dateadd`, `datediff` and `type_string`), so the same models build on DuckDB,
//! Spark and Athena.

use super::{header, semantic};
use crate::emit::dbt::yaml_str;
use crate::ir::Ir;
use crate::ir::marts::DimId;
use crate::ir::metrics::*;
use std::fmt::Write as _;

pub fn files(ir: &Ir) -> Vec<super::Artifact> {
    let mut out = Vec::new();
    let mut doc = header(ir, "#");
    doc.push_str("version: 2\n\nmodels:\n");
    for (id, m) in ir.metrics.metrics.iter().enumerate() {
        out.push(super::Artifact {
            path: format!("dbt/models/metrics/metric_{}.sql", m.name),
            contents: view(ir, id, None),
        });
        model_doc(ir, m, &m.name, None, &mut doc);
        for b in &m.by {
            let name = format!("{}__by_{}", m.name, b.name);
            out.push(super::Artifact {
                path: format!("dbt/models/metrics/metric_{name}.sql"),
                contents: view(ir, id, Some(b)),
            });
            model_doc(ir, m, &name, Some(b), &mut doc);
        }
    }
    out.push(super::Artifact {
        path: "dbt/models/metrics/_metrics__models.yml".into(),
        contents: doc,
    });
    out
}

/// The view's entry in the models file; `meta` names the metric and the MetricFlow query
/// that gives the same rows (`mf query --metrics <metric> --group-by <group_by>`).
fn model_doc(ir: &Ir, m: &Metric, name: &str, by: Option<&Breakdown>, doc: &mut String) {
    let what = match by {
        Some(b) => format!(" by {}", b.name),
        None => String::new(),
    };
    let mut group_by = "metric_time__month".to_string();
    if let Some(b) = by {
        let table = match &m.kind {
            MetricKind::Simple(x) => Some(x.table),
            MetricKind::Ratio { numerator, .. } => match &ir.metrics.metrics[*numerator].kind {
                MetricKind::Simple(x) => Some(x.table),
                _ => None,
            },
            _ => None,
        };
        if let Some(t) = table {
            let _ = write!(group_by, ",{}", semantic::element(ir, t, &b.column));
            if b.column.ty.is_temporal() {
                group_by.push_str("__month");
            }
        }
    }
    let _ = write!(
        doc,
        "  - name: metric_{name}\n    description: {}\n    meta:\n      metric: {}\n      group_by: {}\n    columns:\n      - name: month\n        description: \"The first day of the month.\"\n",
        yaml_str(&format!(
            "{} ({} metric){what}, one row per month: {}",
            m.label,
            m.kind.type_name(),
            m.description
        )),
        m.name,
        yaml_str(&group_by)
    );
    if let Some(b) = by {
        let _ = writeln!(
            doc,
            "      - name: {}\n        description: {}",
            b.name,
            yaml_str(&format!("The breakdown: `{}`, as text.", b.column.name))
        );
    }
    let _ = writeln!(
        doc,
        "      - name: value\n        description: {}",
        yaml_str(&format!("{}.", m.label))
    );
}

fn view(ir: &Ir, id: MetricId, by: Option<&Breakdown>) -> String {
    let m = &ir.metrics.metrics[id];
    let folder = match by {
        Some(b) => format!("{}__by_{}", m.name, b.name),
        None => m.name.clone(),
    };
    let mut s = header(ir, "--");
    let _ = writeln!(
        s,
        "{{{{ config(**marts_config('metrics', '{folder}')) }}}}\n"
    );
    s.push_str(&match &m.kind {
        MetricKind::Simple(x) => simple(ir, x, by),
        MetricKind::Ratio {
            numerator,
            denominator,
        } => ratio(ir, *numerator, *denominator, by),
        MetricKind::Derived { expr, inputs } => derived(ir, expr, inputs),
        MetricKind::Cumulative {
            measure,
            grain_to_date,
        } => cumulative(ir, measure, *grain_to_date),
        MetricKind::Conversion {
            base,
            conversion,
            entity,
            window_days,
        } => convert(ir, base, conversion, *entity, *window_days),
    });
    s
}

/// The month of an expression, as a date.
fn month(e: &str) -> String {
    format!("cast({{{{ dbt.date_trunc('month', '{e}') }}}} as date)")
}

/// A measure's expression over the table aliased `t`, cross-database.
fn expr(m: &Measure) -> String {
    let mut parts = Vec::new();
    for t in &m.expr {
        parts.push(match t {
            Tok::Name(n) => format!("t.{n}"),
            Tok::Keyword(k) => k.clone(),
            Tok::Lit(l) => l.sql(),
            Tok::Punct(p) => p.clone(),
            Tok::DaysBetween(a, b) => format!("{{{{ dbt.datediff('t.{a}', 't.{b}', 'day') }}}}"),
        });
    }
    parts.join(" ")
}

/// The aggregation of a measure's expression.
fn agg(m: &Measure, e: &str) -> String {
    match m.agg {
        Agg::Sum => format!("sum({e})"),
        Agg::Count => format!("count({e})"),
        Agg::CountDistinct => format!("count(distinct {e})"),
        Agg::Average => format!("avg({e})"),
        Agg::Min => format!("min({e})"),
        Agg::Max => format!("max({e})"),
    }
}

/// The alias of a joined dimension.
fn dim_alias(d: DimId) -> String {
    format!("d{d}")
}

/// A filter's or breakdown's column in SQL.
fn col_sql(c: &Col) -> String {
    match c.via {
        Some(d) => format!("{}.{}", dim_alias(d), c.name),
        None => format!("t.{}", c.name),
    }
}

/// `from` the measure's table with the dimensions the columns read, and `where` its filters
/// (and `extra` conditions).
fn from_where(ir: &Ir, m: &Measure, cols: &[&Col], extra: &[String]) -> String {
    let marts = &ir.marts;
    let mut s = format!(
        "from {{{{ ref('{}') }}}} as t\n",
        m.table.name(marts, &ir.metrics)
    );
    let mut joined: Vec<DimId> = Vec::new();
    let all = m
        .filters
        .iter()
        .map(|f| &f.column)
        .chain(cols.iter().copied());
    for c in all {
        let Some(d) = c.via else { continue };
        if joined.contains(&d) {
            continue;
        }
        joined.push(d);
        let fk = table_columns(ir, m.table)
            .into_iter()
            .find(|x| x.role == Role::Entity(d))
            .map(|x| x.name)
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "left join {{{{ ref('{}') }}}} as {a} on {a}.{} = t.{fk}",
            marts.dimensions[d].name,
            marts.dimensions[d].key,
            a = dim_alias(d)
        );
    }
    let mut conds: Vec<String> = extra.to_vec();
    for f in &m.filters {
        let values: Vec<String> = f.values.iter().map(Lit::sql).collect();
        conds.push(format!(
            "{} {}in ({})",
            col_sql(&f.column),
            if f.negated { "not " } else { "" },
            values.join(", ")
        ));
    }
    if !conds.is_empty() {
        let _ = writeln!(s, "where {}", conds.join("\n  and "));
    }
    s
}

/// A breakdown's value as text (a date or timestamp by its month).
fn breakdown_sql(b: &Breakdown) -> String {
    let c = col_sql(&b.column);
    let v = if b.column.ty.is_temporal() {
        month(&c)
    } else {
        c
    };
    format!("cast({v} as {{{{ dbt.type_string() }}}})")
}

/// A simple metric's monthly values (and breakdown).
fn simple(ir: &Ir, m: &Measure, by: Option<&Breakdown>) -> String {
    let month = month(&format!("t.{}", m.time));
    let mut select = vec![format!("{month} as month")];
    let mut group = vec![month.clone()];
    let cols: Vec<&Col> = by.iter().map(|b| &b.column).collect();
    if let Some(b) = by {
        select.push(format!("{} as {}", breakdown_sql(b), b.name));
        group.push(breakdown_sql(b));
    }
    select.push(format!("cast({} as double) as value", agg(m, &expr(m))));
    let mut conds = vec![format!("t.{} is not null", m.time)];
    if m.balance {
        // A balance counts the rows at each month's last time with rows, as MetricFlow's
        // non-additive dimension (window choice max) does.
        conds.push(format!(
            "t.{0} in (\n        select max(l.{0})\n        from {{{{ ref('{1}') }}}} as l\n        group by {2}\n    )",
            m.time,
            m.table.name(&ir.marts, &ir.metrics),
            self::month(&format!("l.{}", m.time))
        ));
    }
    format!(
        "select\n    {}\n{}group by\n    {}\n",
        select.join(",\n    "),
        from_where(ir, m, &cols, &conds),
        group.join(",\n    ")
    )
}

fn ratio(ir: &Ir, n: MetricId, d: MetricId, by: Option<&Breakdown>) -> String {
    let metrics = &ir.metrics.metrics;
    let (num, den, on, key) = match (by, &metrics[n].kind, &metrics[d].kind) {
        (Some(b), MetricKind::Simple(x), MetricKind::Simple(y)) => (
            format!("(\n{}) as n", simple(ir, x, Some(b))),
            format!("(\n{}) as d", simple(ir, y, Some(b))),
            format!("n.month = d.month and n.{0} = d.{0}", b.name),
            format!(",\n    coalesce(n.{0}, d.{0}) as {0}", b.name),
        ),
        _ => (
            format!("{{{{ ref('metric_{}') }}}} as n", metrics[n].name),
            format!("{{{{ ref('metric_{}') }}}} as d", metrics[d].name),
            "n.month = d.month".to_string(),
            String::new(),
        ),
    };
    format!(
        "select\n    coalesce(n.month, d.month) as month{key},\n    n.value / nullif(d.value, 0) as value\nfrom {num}\nfull outer join {den}\n    on {on}\n"
    )
}

fn derived(ir: &Ir, e: &[Tok], inputs: &[MetricId]) -> String {
    let metrics = &ir.metrics.metrics;
    let alias = |id: MetricId| format!("i{}", inputs.iter().position(|&x| x == id).unwrap_or(0));
    let months: Vec<String> = (0..inputs.len()).map(|i| format!("i{i}.month")).collect();
    let coalesce = |k: usize| {
        if k == 1 {
            months[0].clone()
        } else {
            format!("coalesce({})", months[..k].join(", "))
        }
    };
    let value: Vec<String> = e
        .iter()
        .map(|t| match t {
            Tok::Name(n) => metrics
                .iter()
                .position(|m| &m.name == n)
                .map_or_else(|| n.clone(), |id| format!("{}.value", alias(id))),
            Tok::Keyword(k) => k.clone(),
            Tok::Lit(l) => l.sql(),
            Tok::Punct(p) => p.clone(),
            Tok::DaysBetween(a, b) => format!("days_between({a}, {b})"),
        })
        .collect();
    let mut s = format!(
        "select\n    {} as month,\n    {} as value\nfrom {{{{ ref('metric_{}') }}}} as i0\n",
        coalesce(inputs.len()),
        value.join(" "),
        metrics[inputs[0]].name
    );
    for (k, &id) in inputs.iter().enumerate().skip(1) {
        let _ = writeln!(
            s,
            "full outer join {{{{ ref('metric_{}') }}}} as i{k}\n    on i{k}.month = {}",
            metrics[id].name,
            coalesce(k)
        );
    }
    s
}

fn cumulative(ir: &Ir, m: &Measure, grain: Option<Grain>) -> String {
    let time = format!("cast(t.{} as date)", m.time);
    let mut on = vec![format!("{time} <= s.month_end")];
    if let Some(g) = grain {
        on.push(format!(
            "{time} >= cast({{{{ dbt.date_trunc('{}', 's.month_end') }}}} as date)",
            g.as_str()
        ));
    }
    let rows = from_where(ir, m, &[], &[]);
    format!(
        "with rows as (\n    select t.*\n{rows}),\n\n-- The months of the time spine up to the last month with rows: the view ends at the data.\nspine as (\n    select\n        {} as month,\n        max(date_day) as month_end\n    from {{{{ ref('metricflow_time_spine') }}}}\n    where {} <= (select max({}) from rows)\n    group by {}\n)\n\nselect\n    s.month,\n    cast({} as double) as value\nfrom spine as s\ninner join rows as t\n    on {}\ngroup by s.month\n",
        month("date_day"),
        month("date_day"),
        month(&format!("rows.{}", m.time)),
        month("date_day"),
        agg(m, &expr(m)),
        on.join("\n    and ")
    )
}

fn convert(ir: &Ir, base: &Measure, conv: &Measure, entity: DimId, window: u32) -> String {
    let member = |m: &Measure| {
        table_columns(ir, m.table)
            .into_iter()
            .find(|c| match (c.role, m.table) {
                (Role::Entity(d), _) => d == entity,
                (Role::Key, Table::Dimension(d)) => d == entity,
                _ => false,
            })
            .map(|c| c.name)
            .unwrap_or_default()
    };
    let rows = |m: &Measure, rid: bool| {
        format!(
            "    select\n{}        cast(t.{time} as date) as day,\n        t.{} as member,\n        {} as v\n    from {{{{ ref('{}') }}}} as t\n",
            if rid {
                format!(
                    "        row_number() over (order by t.{}) as rid,\n",
                    m.time
                )
            } else {
                String::new()
            },
            member(m),
            expr(m),
            m.table.name(&ir.marts, &ir.metrics),
            time = m.time
        )
    };
    let conv_agg = match conv.agg {
        Agg::Count => "count(v)",
        _ => "sum(v)",
    };
    format!(
        "with base as (\n{}),\n\nconversions as (\n{}),\n\n-- Each conversion goes to the latest base row of its member within the window before it.\nmatched as (\n    select\n        c.rid,\n        c.v,\n        max(b.day) as base_day\n    from conversions as c\n    inner join base as b\n        on b.member = c.member\n        and b.day <= c.day\n        and b.day > {{{{ dbt.dateadd('day', -{window}, 'c.day') }}}}\n    group by c.rid, c.v\n),\n\nbase_months as (\n    select {} as month, {} as value\n    from base\n    where day is not null\n    group by {}\n),\n\nconversion_months as (\n    select {} as month, {conv_agg} as value\n    from matched\n    group by {}\n)\n\nselect\n    coalesce(b.month, c.month) as month,\n    cast(c.value as double) / nullif(cast(b.value as double), 0) as value\nfrom base_months as b\nfull outer join conversion_months as c\n    on b.month = c.month\n",
        rows(base, false),
        rows(conv, true),
        month("day"),
        agg(base, "v"),
        month("day"),
        month("base_day"),
        month("base_day"),
    )
}
