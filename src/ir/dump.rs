//! A readable text dump of the IR, used by `lab check --dump-ir` and the valid-corpus snapshot
//! tests: every resolved name, type, generator, key and the generation order, one line each.

use super::expr::{Builtin, ExprKind, Func, UnOp};
use super::*;
use std::fmt::Write as _;

pub fn dump(ir: &Ir) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "order: {}",
        ir.order
            .iter()
            .map(|&e| ir.entities[e].qualified.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    for d in &ir.domains {
        let _ = writeln!(out, "domain {} (owner {}, {})", d.name, d.owner, d.file);
        for &eid in &d.entities {
            let e = &ir.entities[eid];
            let _ = writeln!(
                out,
                "  entity {} [{}] rows: {}",
                e.name,
                e.kind.as_str(),
                rows(ir, e)
            );
            let pk: Vec<&str> = e
                .primary_key
                .iter()
                .map(|&a| e.attributes[a].name.as_str())
                .collect();
            let _ = writeln!(out, "    primary key: ({})", pk.join(", "));
            for j in &e.joint {
                let names: Vec<&str> = j
                    .attrs
                    .iter()
                    .map(|&a| e.attributes[a].name.as_str())
                    .collect();
                let _ = writeln!(
                    out,
                    "    jointly generated: ({}) over {} combinations",
                    names.join(", "),
                    j.combinations()
                );
            }
            for u in &e.unique {
                let _ = writeln!(
                    out,
                    "    unique: ({})",
                    u.iter()
                        .map(|&a| e.attributes[a].name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            for (i, fk) in e.foreign_keys.iter().enumerate() {
                let t = &ir.entities[fk.target];
                let _ = writeln!(
                    out,
                    "    fk#{i} ({}) -> {}({}): {}{}{}",
                    fk.columns
                        .iter()
                        .map(|&a| e.attributes[a].name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    t.qualified,
                    fk.target_columns
                        .iter()
                        .map(|&a| t.attributes[a].name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    super::describe::pick(ir, e, fk, &str::to_string),
                    if fk.null_rate > 0.0 {
                        format!(" nulls {}", fk.null_rate)
                    } else {
                        String::new()
                    },
                    fk.when
                        .as_ref()
                        .map_or(String::new(), |w| format!(" when {}", expr(ir, e.id, w))),
                );
            }
            if let Some(p) = &e.partition {
                let _ = writeln!(
                    out,
                    "    partition {} from {} by {:?}",
                    p.key, e.attributes[p.from].name, p.granularity
                );
            }
            if let Some(x) = &e.export {
                let _ = writeln!(out, "    export by {} as {}", x.system, x.format.describe());
                if let Some(b) = x.batch {
                    let _ = writeln!(out, "      batch by day of {}", e.attributes[b].name);
                }
                for (a, style) in &x.columns {
                    let how = style.describe();
                    if !how.is_empty() {
                        let _ = writeln!(out, "      {}: {how}", e.attributes[*a].name);
                    }
                }
                for (name, node) in &x.nest {
                    let _ = writeln!(out, "      nest {name}: {}", super::nest::describe(e, node));
                }
                for d in &x.drift {
                    let name = &e.attributes[x.columns[d.column].0].name;
                    let day = super::value::format_date(d.from);
                    let _ = writeln!(out, "      drift from {day}: {}", d.detail(name));
                }
            }
            for a in &e.attributes {
                let mut flags = Vec::new();
                if a.hidden {
                    flags.push("hidden".to_string());
                }
                if a.unique {
                    flags.push("unique".to_string());
                }
                if a.pii {
                    flags.push("pii".into());
                }
                if a.nullable {
                    flags.push("nullable".into());
                }
                if a.null_rate > 0.0 {
                    flags.push(format!("nulls {}", a.null_rate));
                }
                if let Some(w) = &a.when {
                    flags.push(format!("when {}", expr(ir, e.id, w)));
                }
                let _ = writeln!(
                    out,
                    "    {}: {} = {}{}",
                    a.name,
                    a.ty,
                    generator(ir, e, a),
                    if flags.is_empty() {
                        String::new()
                    } else {
                        format!(" [{}]", flags.join(", "))
                    }
                );
            }
        }
    }
    out.push_str(&super::marts::dump(ir, &ir.marts));
    out.push_str(&super::metrics::dump(&ir.marts, &ir.metrics));
    out
}

fn rows(ir: &Ir, e: &Entity) -> String {
    rows_of(ir, &e.rows)
}

fn rows_of(ir: &Ir, r: &Rows) -> String {
    match r {
        Rows::Scaled(n) => format!("{n} (scaled)"),
        Rows::Fixed(n) => format!("{n} (fixed)"),
        Rows::PerParent {
            parent,
            count,
            when,
        } => format!(
            "per {} count {}{}",
            ir.entities[*parent].qualified,
            count_dist(ir, *parent, count),
            when.as_ref()
                .map_or(String::new(), |w| format!(" when {}", expr(ir, *parent, w)))
        ),
        Rows::Union(members) => format!(
            "union of [{}]",
            members
                .iter()
                .map(|m| rows_of(ir, m))
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

/// A children-per-parent distribution: `poisson(2.4), shift 1, max 12`.
fn count_dist(ir: &Ir, parent: EntityId, c: &CountDist) -> String {
    let mut s = match &c.base {
        CountBase::Expr(x) => format!("expr {}", expr(ir, parent, x)),
        CountBase::Fixed(n) => format!("fixed {n}"),
        CountBase::Uniform(a, b) => format!("uniform [{a}, {b}]"),
        CountBase::Poisson(l) => format!("poisson({l})"),
        CountBase::Geometric(p) => format!("geometric({p})"),
        CountBase::Bernoulli(p) => format!("bernoulli({p})"),
    };
    if c.zero_inflated > 0.0 {
        let _ = write!(s, ", zero-inflated {}", c.zero_inflated);
    }
    if c.shift > 0 {
        let _ = write!(s, ", shift {}", c.shift);
    }
    if let Some(m) = c.max {
        let _ = write!(s, ", max {m}");
    }
    if c.scaled {
        s.push_str(", scaled");
    }
    s
}

/// Describes column `pos` of a jointly generated unique constraint.
fn joint(e: &Entity, j: &Joint, pos: usize, ty: Type) -> String {
    let values = match &j.domains[pos] {
        FiniteDomain::Values(v) => v.iter().map(Value::display).collect::<Vec<_>>().join(", "),
        FiniteDomain::Range { lo, size } => {
            let hi = lo.saturating_add(i64::try_from(*size).unwrap_or(i64::MAX) - 1);
            let show = |x: i64| match ty {
                Type::Date => Value::Date(x as i32).display(),
                Type::Timestamp => Value::Timestamp(x).display(),
                _ => x.to_string(),
            };
            format!("{}..{}", show(*lo), show(hi))
        }
    };
    let others: Vec<&str> = j
        .attrs
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != pos)
        .map(|(_, &a)| e.attributes[a].name.as_str())
        .collect();
    format!(
        "one of {values}, jointly with {}: a distinct combination of {} per row, uniform over them",
        others.join(", "),
        j.combinations()
    )
}

/// Describes a generator in one line (also used by the data dictionary).
pub fn generator(ir: &Ir, e: &Entity, a: &Attribute) -> String {
    let id = e.attributes.iter().position(|x| std::ptr::eq(x, a));
    if let Some((j, pos)) = id.and_then(|i| e.joint_of(i)) {
        return joint(e, j, pos, a.ty);
    }
    match &a.generator {
        Generator::Const(v) => format!("const {}", v.display()),
        Generator::Sequence { start, step } => format!("sequence from {start} step {step}"),
        Generator::Format(parts) => format!(
            "key format `{}`",
            parts
                .iter()
                .map(|p| match p {
                    FormatPart::Lit(s) => s.clone(),
                    FormatPart::Row { width: 0 } => "{row}".into(),
                    FormatPart::Row { width } => format!("{{row:0{width}}}"),
                })
                .collect::<String>()
        ),
        Generator::ChildIndex => "child index (1..n within the parent)".into(),
        Generator::Choice { values, weights } => {
            let total: f64 = weights.iter().sum();
            let items: Vec<String> = values
                .iter()
                .zip(weights)
                .map(|(v, w)| format!("{} {:.0}%", v.display(), 100.0 * w / total))
                .collect();
            format!("choice of {}", items.join(", "))
        }
        Generator::Cycle(values) => format!(
            "cycle of {}",
            values
                .iter()
                .map(Value::display)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Generator::Dist {
            dist,
            min,
            max,
            round,
        } => {
            let mut s = match dist {
                Dist::Uniform(a, b) => format!("uniform in [{a}, {b}]"),
                Dist::Normal { mean, sd } => format!("normal(mean {mean}, sd {sd})"),
                Dist::Lognormal { median, sigma } => {
                    format!("lognormal(median {median}, sigma {sigma})")
                }
                Dist::Exponential { mean } => format!("exponential(mean {mean})"),
                Dist::Poisson { mean } => format!("poisson(mean {mean})"),
                Dist::Geometric { p } => format!("geometric(p {p})"),
                Dist::Zipf { n, s } => format!("zipf(n {n}, s {s})"),
                Dist::Bernoulli { p } => format!("bernoulli(p {p})"),
            };
            if let Some(m) = min {
                let _ = write!(s, ", min {m}");
            }
            if let Some(m) = max {
                let _ = write!(s, ", max {m}");
            }
            if let Some(r) = round {
                let _ = write!(s, ", rounded to {r}");
            }
            s
        }
        Generator::Between {
            lo,
            hi,
            seasonality,
        } => {
            let (a, b) = if a.ty == Type::Date {
                (
                    value::format_date(*lo as i32),
                    value::format_date(*hi as i32),
                )
            } else {
                (value::format_timestamp(*lo), value::format_timestamp(*hi))
            };
            format!("between {a} and {b}{}", season(seasonality))
        }
        Generator::Relative {
            anchor,
            before,
            min_ms,
            max_ms,
            seasonality,
        } => format!(
            "{} {} by {}..{}{}",
            if *before { "before" } else { "after" },
            colref(ir, e.id, anchor),
            duration(*min_ms),
            duration(*max_ms),
            season(seasonality)
        ),
        Generator::Window {
            lo,
            hi,
            seasonality,
        } => format!(
            "between {} and {} per row{}",
            time_bound(ir, e.id, lo),
            time_bound(ir, e.id, hi),
            season(seasonality)
        ),
        Generator::Fake { kind, range } => match range {
            Some((a, b)) => format!("fake {} [{a}, {b}]", kind.name()),
            None => format!("fake {}", kind.name()),
        },
        Generator::Expr(x) => format!("expr {}", expr(ir, e.id, x)),
        Generator::Ref { fk, column } => {
            let f = &e.foreign_keys[*fk];
            let t = &ir.entities[f.target];
            let pick = super::describe::pick(ir, e, f, &str::to_string);
            format!(
                "ref {}.{} ({pick})",
                t.qualified, t.attributes[f.target_columns[*column]].name
            )
        }
        Generator::Rollup {
            agg,
            child,
            attr,
            via,
        } => {
            let c = &ir.entities[*child];
            let of = match attr {
                Some(a) => format!("{}({}.{})", agg.as_str(), c.name, c.attributes[*a].name),
                None => format!("{}({})", agg.as_str(), c.name),
            };
            match via {
                Some(k) => {
                    let col = c.foreign_keys[*k].columns[0];
                    format!("{of} via {}", c.attributes[col].name)
                }
                None => of,
            }
        }
    }
}

/// One end of a per-row time range: `ordered_at + 3d`, `shipped_at - lead_days days`.
fn time_bound(ir: &Ir, from: EntityId, b: &super::TimeBound) -> String {
    let at = expr(ir, from, &b.at);
    let sign = if b.minus { '-' } else { '+' };
    match &b.offset {
        super::Offset::Ms(0) => at,
        super::Offset::Ms(ms) if *ms == value::MS_PER_DAY - 1 && !b.minus => {
            format!("the end of {at}")
        }
        super::Offset::Ms(ms) => format!("{at} {sign} {}", duration(*ms)),
        super::Offset::Expr { expr: x, unit_ms } => format!(
            "{at} {sign} {}{}",
            expr(ir, from, x),
            if *unit_ms == 1 { "" } else { " days" }
        ),
    }
}

fn season(s: &Seasonality) -> String {
    let mut parts = Vec::new();
    if !s.month.is_empty() {
        parts.push("month");
    }
    if !s.weekday.is_empty() {
        parts.push("weekday");
    }
    if !s.hour.is_empty() {
        parts.push("hour");
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" with {} seasonality", parts.join("/"))
    }
}

pub fn duration(ms: i64) -> String {
    let units = [
        (7 * value::MS_PER_DAY, "w"),
        (value::MS_PER_DAY, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1000, "s"),
    ];
    for (u, n) in units {
        if ms != 0 && ms % u == 0 {
            return format!("{}{n}", ms / u);
        }
    }
    format!("{ms}ms")
}

fn colref(ir: &Ir, from: EntityId, c: &ColRef) -> String {
    let _ = from;
    let t = &ir.entities[c.entity];
    if c.hops.is_empty() {
        t.attributes[c.attr].name.clone()
    } else {
        format!("{}.{}", t.name, t.attributes[c.attr].name)
    }
}

/// Prints an expression back as text (fully parenthesised binary operations).
pub fn expr(ir: &Ir, from: EntityId, e: &Expr) -> String {
    match &e.kind {
        ExprKind::Lit(Value::Str(s)) => format!("'{}'", s.replace('\'', "''")),
        ExprKind::Lit(Value::Date(d)) => format!("date '{}'", value::format_date(*d)),
        ExprKind::Lit(Value::Timestamp(t)) => {
            format!("timestamp '{}'", value::format_timestamp(*t))
        }
        ExprKind::Lit(v) => v.display(),
        ExprKind::Col(c) => colref(ir, from, c),
        ExprKind::Builtin(Builtin::Row) => "row".into(),
        ExprKind::Builtin(Builtin::ChildIndex) => "child_index".into(),
        ExprKind::Builtin(Builtin::Level) => "level".into(),
        ExprKind::Builtin(Builtin::UnionIndex) => "union_index".into(),
        ExprKind::Builtin(Builtin::Scale) => "scale".into(),
        // The hidden argument seeds the call's stream.
        ExprKind::Call(Func::Random, _) => "random()".into(),
        ExprKind::Unary(UnOp::Neg, x) => format!("-{}", expr(ir, from, x)),
        ExprKind::Unary(UnOp::Not, x) => format!("not {}", expr(ir, from, x)),
        ExprKind::Binary(op, a, b) => format!(
            "({} {} {})",
            expr(ir, from, a),
            op.symbol(),
            expr(ir, from, b)
        ),
        ExprKind::Call(f, args) => format!(
            "{}({})",
            f.name(),
            args.iter()
                .map(|a| expr(ir, from, a))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ExprKind::Case { whens, otherwise } => {
            let mut s = "case".to_string();
            for (c, v) in whens {
                let _ = write!(s, " when {} then {}", expr(ir, from, c), expr(ir, from, v));
            }
            if let Some(o) = otherwise {
                let _ = write!(s, " else {}", expr(ir, from, o));
            }
            s + " end"
        }
        ExprKind::IsNull { expr: x, negated } => format!(
            "{} is {}null",
            expr(ir, from, x),
            if *negated { "not " } else { "" }
        ),
        ExprKind::In {
            expr: x,
            list,
            negated,
        } => format!(
            "{} {}in ({})",
            expr(ir, from, x),
            if *negated { "not " } else { "" },
            list.iter()
                .map(|a| expr(ir, from, a))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
