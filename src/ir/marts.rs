//! The resolved star schemas (the gold layer): marts holding facts and dimensions whose every
//! column is an attribute of a domain entity, by id. Built by `resolve::marts`, read by the
//! marts emitters (dbt models, dictionary pages, ERDs, DDL) and dumped by `lab check --dump-ir`.

use super::{AttrId, EntityId, FkId, Ir, Type};
use std::fmt::Write as _;

pub type DimId = usize;
pub type FactId = usize;

/// Every mart, with the dimensions and facts they declare (ids index `dimensions` and
/// `facts`). Empty when the specs declare no marts.
#[derive(Clone, Debug, Default)]
pub struct Marts {
    pub marts: Vec<Mart>,
    pub dimensions: Vec<Dimension>,
    pub facts: Vec<Fact>,
    /// The marts file, e.g. `specs/marts.yaml` (empty without one).
    pub file: String,
}

/// One mart: a folder of gold models (`models/marts/<name>/`, `curated/<name>/`).
#[derive(Clone, Debug)]
pub struct Mart {
    pub name: String,
    pub description: String,
    pub dimensions: Vec<DimId>,
    pub facts: Vec<FactId>,
}

/// An attribute of an entity, as a column of a gold table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    pub entity: EntityId,
    pub attr: AttrId,
}

impl Column {
    pub fn ty(self, ir: &Ir) -> Type {
        ir.entities[self.entity].attributes[self.attr].ty
    }
    pub fn name(self, ir: &Ir) -> &str {
        &ir.entities[self.entity].attributes[self.attr].name
    }
    pub fn description(self, ir: &Ir) -> &str {
        &ir.entities[self.entity].attributes[self.attr].description
    }
    pub fn nullable(self, ir: &Ir) -> bool {
        ir.entities[self.entity].attributes[self.attr].nullable
    }
}

#[derive(Clone, Debug)]
pub struct Dimension {
    pub name: String,
    pub mart: usize,
    pub description: String,
    /// The key column's name, `<name without dim_>_key`.
    pub key: String,
    pub kind: DimensionKind,
    /// SCD type 2 (`scd: 2`): one row per version of a source row, read from the source's
    /// history (its daily increments), the key a surrogate key (the natural key and the
    /// version's `_seq`), with [`VALIDITY`] columns.
    pub history: bool,
}

#[derive(Clone, Debug)]
pub enum DimensionKind {
    /// One row per row of `source`, keyed by its unique attribute `key`; `columns` come from
    /// the source or from a conformed entity (joined by its `on` attribute).
    Entity {
        source: EntityId,
        key: AttrId,
        columns: Vec<Column>,
        conformed: Vec<Conformed>,
    },
    /// A generated calendar: one row per day from `start` to `end` (days since 1970-01-01).
    Date { start: i32, end: i32 },
}

/// The columns of the calendar dimension after its key, with their types.
pub const DATE_COLUMNS: &[(&str, Type, &str)] = &[
    ("year", Type::Int32, "The calendar year."),
    ("quarter", Type::Int32, "The quarter of the year, 1 to 4."),
    ("month", Type::Int32, "The month of the year, 1 to 12."),
    (
        "day_of_month",
        Type::Int32,
        "The day of the month, 1 to 31.",
    ),
    ("month_start", Type::Date, "The first day of the month."),
];

/// The column of an entity dimension that marks an inferred member.
pub const INFERRED: &str = "is_inferred";

/// The columns of a type-2 dimension after its listed ones: each version's validity.
pub const VALIDITY: &[(&str, Type, &str)] = &[
    (
        "valid_from",
        Type::Timestamp,
        "When the version became the row's state (null for a member without history).",
    ),
    (
        "valid_to",
        Type::Timestamp,
        "When the next version (or the row's delete) replaced it; null for the current version.",
    ),
    (
        "is_current",
        Type::Bool,
        "True for the row's latest version (false once the row was deleted).",
    ),
];

impl Dimension {
    /// The key's type: the source key's, `string` for a type-2 dimension's surrogate key, or
    /// `date`.
    pub fn key_type(&self, ir: &Ir) -> Type {
        if self.history {
            return Type::String(None);
        }
        self.natural_key_type(ir)
    }
    /// The type of the values facts reference it by: the source key's, or `date`.
    pub fn natural_key_type(&self, ir: &Ir) -> Type {
        match &self.kind {
            DimensionKind::Entity { source, key, .. } => ir.entities[*source].attributes[*key].ty,
            DimensionKind::Date { .. } => Type::Date,
        }
    }
    /// The source entity (`None` for a calendar).
    pub fn source(&self) -> Option<EntityId> {
        match &self.kind {
            DimensionKind::Entity { source, .. } => Some(*source),
            DimensionKind::Date { .. } => None,
        }
    }
}

/// An entity of another silo conformed into a dimension: its `on` attribute refers to the
/// dimension source's key, one-to-one.
#[derive(Clone, Copy, Debug)]
pub struct Conformed {
    pub entity: EntityId,
    pub on: AttrId,
}

/// How a measure adds up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Additivity {
    Additive,
    SemiAdditive,
    NonAdditive,
}

impl Additivity {
    pub fn as_str(self) -> &'static str {
        match self {
            Additivity::Additive => "additive",
            Additivity::SemiAdditive => "semi_additive",
            Additivity::NonAdditive => "non_additive",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Fact {
    pub name: String,
    pub mart: usize,
    pub description: String,
    pub source: EntityId,
    /// The source's attributes that identify a row (its primary key or a unique constraint).
    pub grain: Vec<AttrId>,
    /// Entities joined many-to-one, in order; each through a foreign key of the source or of
    /// an entity joined before it.
    pub joins: Vec<Join>,
    pub dimensions: Vec<DimRef>,
    pub degenerate: Vec<Column>,
    pub measures: Vec<Measure>,
    /// Fact columns (not measures) by which the additive measures are reconciled with the
    /// truth.
    pub reconcile_by: Vec<String>,
}

/// A join of a fact: `from`'s foreign key `fk` leads to `entity`.
#[derive(Clone, Copy, Debug)]
pub struct Join {
    pub entity: EntityId,
    pub from: EntityId,
    pub fk: FkId,
}

/// A fact's reference to a dimension: the fact column `name` holds `column` (cast to a date
/// for a calendar).
#[derive(Clone, Debug)]
pub struct DimRef {
    pub dimension: DimId,
    pub column: Column,
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct Measure {
    pub name: String,
    pub description: String,
    pub column: Column,
    pub additivity: Additivity,
}

/// A column of a gold table: its name, type and description.
#[derive(Clone, Debug, PartialEq)]
pub struct TableColumn {
    pub name: String,
    pub ty: Type,
    pub description: String,
}

impl TableColumn {
    fn new(name: impl Into<String>, ty: Type, description: impl Into<String>) -> Self {
        TableColumn {
            name: name.into(),
            ty,
            description: description.into(),
        }
    }
}

impl Dimension {
    /// The dimension's columns in order: the key, then the calendar's or the listed columns.
    pub fn columns(&self, ir: &Ir) -> Vec<TableColumn> {
        let key = if self.history {
            format!(
                "The surrogate key of a version of `{}`: the natural key and the version's _seq, joined with `@`.",
                self.name
            )
        } else {
            format!("The key of `{}`.", self.name)
        };
        let mut out = vec![TableColumn::new(self.key.clone(), self.key_type(ir), key)];
        match &self.kind {
            DimensionKind::Date { .. } => {
                out.extend(
                    DATE_COLUMNS
                        .iter()
                        .map(|(n, t, d)| TableColumn::new(*n, *t, *d)),
                );
            }
            DimensionKind::Entity { columns, .. } => {
                out.extend(
                    columns
                        .iter()
                        .map(|c| TableColumn::new(c.name(ir), c.ty(ir), c.description(ir))),
                );
                if self.history {
                    out.extend(
                        VALIDITY
                            .iter()
                            .map(|(n, t, d)| TableColumn::new(*n, *t, *d)),
                    );
                }
                out.push(TableColumn::new(
                    INFERRED,
                    Type::Bool,
                    "True for an inferred member: a key the facts name but the source system's extract lacks (its attributes unknown, null).",
                ));
            }
        }
        out
    }
}

impl Fact {
    /// Whether degenerate column `c` is a grain column (listed once, with the grain).
    pub fn in_grain(&self, c: Column) -> bool {
        c.entity == self.source && self.grain.contains(&c.attr)
    }

    /// The fact's columns in order: grain, dimension keys (a date for a calendar), degenerate
    /// dimensions (those of the grain listed once), measures.
    pub fn columns(&self, ir: &Ir, marts: &Marts) -> Vec<TableColumn> {
        let mut out = Vec::new();
        for &a in &self.grain {
            let c = Column {
                entity: self.source,
                attr: a,
            };
            out.push(TableColumn::new(c.name(ir), c.ty(ir), c.description(ir)));
        }
        for d in &self.dimensions {
            let dim = &marts.dimensions[d.dimension];
            out.push(TableColumn::new(
                d.name.clone(),
                dim.key_type(ir),
                format!("Key of `{}`: {}", dim.name, d.column.description(ir)),
            ));
        }
        for &c in &self.degenerate {
            if !self.in_grain(c) {
                out.push(TableColumn::new(c.name(ir), c.ty(ir), c.description(ir)));
            }
        }
        for m in &self.measures {
            out.push(TableColumn::new(
                m.name.clone(),
                m.column.ty(ir),
                format!(
                    "{} ({})",
                    m.description,
                    m.additivity.as_str().replace('_', "-")
                ),
            ));
        }
        out
    }
}

/// The readable dump of the marts (part of `lab check --dump-ir`).
pub fn dump(ir: &Ir, marts: &Marts) -> String {
    let mut out = String::new();
    for m in &marts.marts {
        let _ = writeln!(out, "mart {} ({})", m.name, marts.file);
        for &d in &m.dimensions {
            dump_dimension(ir, &marts.dimensions[d], &mut out);
        }
        for &f in &m.facts {
            dump_fact(ir, marts, &marts.facts[f], &mut out);
        }
    }
    out
}

fn dump_dimension(ir: &Ir, d: &Dimension, out: &mut String) {
    match &d.kind {
        DimensionKind::Entity {
            source,
            key,
            columns,
            conformed,
        } => {
            let e = &ir.entities[*source];
            let _ = writeln!(
                out,
                "  dimension {} from {} key {} = {} (scd {})",
                d.name,
                e.qualified,
                d.key,
                e.attributes[*key].name,
                if d.history { 2 } else { 1 }
            );
            for c in conformed {
                let ce = &ir.entities[c.entity];
                let _ = writeln!(
                    out,
                    "    conformed {} on {}",
                    ce.qualified, ce.attributes[c.on].name
                );
            }
            for c in columns {
                let _ = writeln!(
                    out,
                    "    {}: {} from {}",
                    c.name(ir),
                    c.ty(ir).spec_name(),
                    ir.entities[c.entity].qualified
                );
            }
        }
        DimensionKind::Date { start, end } => {
            let _ = writeln!(
                out,
                "  dimension {} calendar key {} from {} to {}",
                d.name,
                d.key,
                super::value::format_date(*start),
                super::value::format_date(*end)
            );
        }
    }
}

fn dump_fact(ir: &Ir, marts: &Marts, f: &Fact, out: &mut String) {
    let src = &ir.entities[f.source];
    let grain: Vec<&str> = f
        .grain
        .iter()
        .map(|&a| src.attributes[a].name.as_str())
        .collect();
    let _ = writeln!(
        out,
        "  fact {} from {} grain ({})",
        f.name,
        src.qualified,
        grain.join(", ")
    );
    for j in &f.joins {
        let _ = writeln!(
            out,
            "    join {} via {} fk#{}",
            ir.entities[j.entity].qualified, ir.entities[j.from].qualified, j.fk
        );
    }
    let col = |c: Column| format!("{}.{}", ir.entities[c.entity].qualified, c.name(ir));
    for d in &f.dimensions {
        let _ = writeln!(
            out,
            "    {} -> {} = {}",
            d.name,
            marts.dimensions[d.dimension].name,
            col(d.column)
        );
    }
    for c in &f.degenerate {
        let _ = writeln!(out, "    degenerate {}", col(*c));
    }
    for m in &f.measures {
        let _ = writeln!(
            out,
            "    measure {} [{}] = {}",
            m.name,
            m.additivity.as_str(),
            col(m.column)
        );
    }
    if !f.reconcile_by.is_empty() {
        let _ = writeln!(out, "    reconciled by {}", f.reconcile_by.join(", "));
    }
}
