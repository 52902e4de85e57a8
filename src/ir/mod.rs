//! The IR: the resolved, immutable model of every domain. Every name is resolved to an index,
//! every type is known, every expression is typed, and the entity order respects the
//! foreign-key graph. The planner, the generator and every emitter read only this.

pub mod describe;
pub mod dump;
pub mod export;
pub mod expr;
pub mod marts;
pub mod metrics;
pub mod nest;
pub mod partition;
pub mod rows;
pub mod types;
pub mod value;

use crate::diagnostics::Span;
pub use expr::{ColRef, Expr, ExprKind, Hop};
pub use types::Type;
pub use value::Value;

pub type EntityId = usize;
pub type AttrId = usize;
pub type FkId = usize;

/// What kind of table an entity is, as a data modeller would say it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntityKind {
    /// Describes things; slowly changing.
    Dimension,
    /// Records events or transactions.
    Fact,
    /// Links two entities many-to-many.
    Bridge,
    /// A small fixed lookup table.
    Reference,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Dimension => "dimension",
            EntityKind::Fact => "fact",
            EntityKind::Bridge => "bridge",
            EntityKind::Reference => "reference",
        }
    }
}

/// The period of a partition value: `yyyy-MM-dd`, `yyyy-MM` or `yyyy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Granularity {
    Day,
    Month,
    Year,
}

/// The whole resolved model.
#[derive(Clone, Debug)]
pub struct Ir {
    pub domains: Vec<Domain>,
    pub entities: Vec<Entity>,
    /// Generation order: every entity after the entities it references (hierarchical
    /// self-references aside).
    pub order: Vec<EntityId>,
    /// The order in which row counts can be fixed, as waves: every entity comes in a wave
    /// after the entities whose rows its own count needs; the entities of one wave are
    /// independent (see `resolve::graph::row_waves`).
    pub waves: Vec<Vec<EntityId>>,
    /// SHA-256 over the spec files (name and bytes, in name order).
    pub specs_sha256: String,
    /// Whether the specs declare source systems: then the clean data is the truth layer
    /// (`truth/<domain>/`), apart from the systems' exports (`raw/<system>/`), even when a
    /// `--clean` run leaves the exports out.
    pub systems: bool,
    /// The star schemas of the gold layer (empty without a marts file).
    pub marts: marts::Marts,
    /// The metrics over the marts (empty without a metrics file).
    pub metrics: metrics::Metrics,
    /// The analytics models of the spec directory (`analytics/`), copied into the dbt project.
    pub analytics: Vec<ModelFile>,
}

/// A dbt model file kept verbatim: its file name and text.
#[derive(Clone, Debug)]
pub struct ModelFile {
    pub name: String,
    pub text: String,
}

#[derive(Clone, Debug)]
pub struct Domain {
    pub name: String,
    pub description: String,
    pub owner: String,
    /// Spec file the domain came from, e.g. `specs/ecommerce.yaml`.
    pub file: String,
    pub entities: Vec<EntityId>,
}

#[derive(Clone, Debug)]
pub struct Entity {
    pub id: EntityId,
    pub domain: usize,
    pub name: String,
    /// `domain.entity`.
    pub qualified: String,
    pub description: String,
    pub kind: EntityKind,
    pub grain: String,
    pub owner: String,
    pub rows: Rows,
    pub primary_key: Vec<AttrId>,
    /// Multi-column unique constraints (single columns carry `Attribute::unique`).
    pub unique: Vec<Vec<AttrId>>,
    /// Multi-column unique constraints (or composite keys) that are not unique by
    /// construction and are generated jointly over their columns' finite domains.
    pub joint: Vec<Joint>,
    pub attributes: Vec<Attribute>,
    pub foreign_keys: Vec<ForeignKey>,
    pub partition: Option<Partition>,
    /// How the domain's source system exports the entity (`None`: no system).
    pub export: Option<export::Export>,
    /// When rows come into existence and which dates are events (see [`EntityTime`]).
    pub time: Option<EntityTime>,
    pub span: Span,
}

/// The life of an entity's rows in time: a row exists from its `created` date or timestamp;
/// its `events` (the other dates and timestamps, except those known at creation) are unknown
/// before they happen. As of a date, rows not yet created are left out and later events are
/// null.
#[derive(Clone, Debug, PartialEq)]
pub struct EntityTime {
    pub created: AttrId,
    pub events: Vec<AttrId>,
    /// Mutable attributes (`time.changes`).
    pub changes: Vec<Change>,
    /// Deletes (`time.deleted`).
    pub deleted: Option<Delete>,
    /// How the increments deliver the change rows late (`time.increments.late`).
    pub late: Delivery,
    /// How the increments replay change rows (`time.increments.replay`).
    pub replay: Delivery,
}

/// A planted delivery of change rows: a share `rate` of them, `1..=days` days later.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Delivery {
    pub rate: f64,
    pub days: u64,
}

/// Change rows delivered late by default: 3 %, 1 to 3 days after their day.
pub const DEFAULT_LATE: Delivery = Delivery {
    rate: 0.03,
    days: 3,
};
/// Change rows replayed by default: 1 %, 1 or 2 days after their first delivery.
pub const DEFAULT_REPLAY: Delivery = Delivery {
    rate: 0.01,
    days: 2,
};
/// The most days a declared delivery may lag.
pub const MAX_DELIVERY_DAYS: u64 = 30;

/// A mutable attribute: row `r` changes it `n` times, `n` uniform in `versions`, at
/// times drawn in `[created + min_ms, created + max_ms]`. Before its `k`-th change (0-based) the
/// row holds version `k` (the generator's value drawn from a stream named after the version);
/// after the last one, the attribute's full-lake value.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub attr: AttrId,
    pub versions: (u64, u64),
    pub min_ms: i64,
    pub max_ms: i64,
}

/// Deletes: a row whose event `at` is set is deleted then; a share `hard` of them (drawn per
/// row) hard, the others soft.
#[derive(Clone, Debug, PartialEq)]
pub struct Delete {
    pub at: AttrId,
    pub hard: f64,
}

/// The most changes a mutable attribute may declare per row.
pub const MAX_VERSIONS: u64 = 16;

/// A unique constraint generated jointly: row `i` takes combination `perm(i)` of the product
/// of its columns' finite domains (a keyed permutation, mixed radix in column order), so rows
/// are distinct while there are no more rows than combinations.
#[derive(Clone, Debug, PartialEq)]
pub struct Joint {
    pub attrs: Vec<AttrId>,
    pub domains: Vec<FiniteDomain>,
    /// The constraint in the spec (`unique` list or `primary_key`).
    pub span: Span,
}

impl Joint {
    /// Number of combinations, saturating at 2^62 (distinctness needs only the rows').
    pub fn combinations(&self) -> u64 {
        let mut p: u128 = 1;
        for d in &self.domains {
            p = p.saturating_mul(u128::from(d.size()));
        }
        p.min(1 << 62) as u64
    }
}

/// The finite set of values a jointly generated column takes.
#[derive(Clone, Debug, PartialEq)]
pub enum FiniteDomain {
    /// Distinct values (a choice, a cycle without repeats, a bool, a constant).
    Values(Vec<Value>),
    /// `size` consecutive integers (days or milliseconds for dates and timestamps) from `lo`.
    Range { lo: i64, size: u64 },
}

impl FiniteDomain {
    pub fn size(&self) -> u64 {
        match self {
            FiniteDomain::Values(v) => v.len() as u64,
            FiniteDomain::Range { size, .. } => *size,
        }
    }
}

impl Entity {
    /// The jointly generated constraint attribute `a` belongs to, and its position in it.
    pub fn joint_of(&self, a: AttrId) -> Option<(&Joint, usize)> {
        self.joint
            .iter()
            .find_map(|j| j.attrs.iter().position(|&x| x == a).map(|p| (j, p)))
    }

    pub fn attr(&self, name: &str) -> Option<AttrId> {
        self.attributes.iter().position(|a| a.name == name)
    }

    /// The exported attributes (every one not `hidden`) with their ids, in declaration order:
    /// the columns of the entity's files, DDL, manifest, profile and dictionary table.
    pub fn exported(&self) -> impl Iterator<Item = (AttrId, &Attribute)> {
        self.attributes
            .iter()
            .enumerate()
            .filter(|(_, a)| !a.hidden)
    }

    /// The position of attribute `a` among the exported columns (`None` when it is hidden).
    pub fn column_of(&self, a: AttrId) -> Option<usize> {
        self.exported().position(|(i, _)| i == a)
    }

    /// How many attributes are hidden (generated but never exported).
    pub fn hidden_count(&self) -> usize {
        self.attributes.iter().filter(|a| a.hidden).count()
    }

    /// The per-parent entity, if rows are generated per parent row.
    pub fn parent(&self) -> Option<EntityId> {
        match &self.rows {
            Rows::PerParent { parent, .. } => Some(*parent),
            _ => None,
        }
    }

    /// The parent entity of each member of a `union` entity (`None` for members with a plain
    /// row count); empty for other entities.
    pub fn sources(&self) -> Vec<Option<EntityId>> {
        match &self.rows {
            Rows::Union(members) => members
                .iter()
                .map(|m| match m {
                    Rows::PerParent { parent, .. } => Some(*parent),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Every entity this entity's rows are generated from: the `per` parent, or the parents
    /// of a `union`'s members.
    pub fn row_parents(&self) -> Vec<EntityId> {
        match &self.rows {
            Rows::PerParent { parent, .. } => vec![*parent],
            Rows::Union(_) => self.sources().into_iter().flatten().collect(),
            _ => Vec::new(),
        }
    }

    /// Row count at `scale`, for entities whose count does not depend on a parent.
    pub fn base_rows(&self, scale: f64) -> Option<u64> {
        match &self.rows {
            Rows::Scaled(n) => Some(rows::scaled(*n, scale)),
            Rows::Fixed(n) => Some(*n),
            Rows::PerParent { .. } | Rows::Union(_) => None,
        }
    }
}

/// How many rows an entity has.
#[derive(Clone, Debug)]
pub enum Rows {
    /// At `--scale 1`; scales linearly (rounded, at least 1).
    Scaled(u64),
    /// Never scaled.
    Fixed(u64),
    /// Children per parent row.
    PerParent {
        parent: EntityId,
        count: CountDist,
        when: Option<Expr>,
    },
    /// The concatenation of several row sources (each `Scaled`, `Fixed` or `PerParent`), in
    /// order: e.g. journal lines posted for invoices, then for payments, then for expenses.
    Union(Vec<Rows>),
}

/// A children-per-parent distribution.
#[derive(Clone, Debug, PartialEq)]
pub struct CountDist {
    pub base: CountBase,
    /// Probability that a parent gets zero children regardless of `base`.
    pub zero_inflated: f64,
    pub shift: u64,
    pub max: Option<u64>,
    /// `scaled: true`: each parent's count (drawn as at scale 1, `max` included) is multiplied
    /// by `--scale` and rounded at random to a neighbouring integer, so the expected count is
    /// exactly `scale` times the mean.
    pub scaled: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum CountBase {
    Fixed(u64),
    Uniform(u64, u64),
    Poisson(f64),
    Geometric(f64),
    Bernoulli(f64),
    /// An integer expression over the parent row (negative or null counts are 0).
    Expr(Box<Expr>),
}

impl CountDist {
    /// Largest possible count at every scale, if bounded (a `scaled` count is not).
    pub fn upper_bound(&self) -> Option<u64> {
        if self.scaled {
            return None;
        }
        let base = match self.base {
            CountBase::Fixed(n) => Some(n),
            CountBase::Uniform(_, b) => Some(b),
            CountBase::Bernoulli(_) => Some(1),
            CountBase::Poisson(_) | CountBase::Geometric(_) | CountBase::Expr(_) => None,
        };
        match (base.map(|b| b.saturating_add(self.shift)), self.max) {
            (Some(b), Some(m)) => Some(b.min(m)),
            (Some(b), None) => Some(b),
            (None, m) => m,
        }
    }

    /// Expected count per parent (before `when`); an expression counts as 1 (its value is
    /// known only when the parent rows are).
    pub fn mean(&self) -> f64 {
        let base = match &self.base {
            CountBase::Fixed(n) => *n as f64,
            CountBase::Uniform(a, b) => (a + b) as f64 / 2.0,
            CountBase::Poisson(l) => *l,
            CountBase::Geometric(p) => (1.0 - p) / p,
            CountBase::Bernoulli(p) => *p,
            CountBase::Expr(_) => 1.0,
        };
        let m = (base + self.shift as f64) * (1.0 - self.zero_inflated);
        match self.max {
            Some(x) => m.min(x as f64),
            None => m,
        }
    }

    /// Expected count per parent at `scale` (before `when`): the mean, times `scale` when the
    /// count is `scaled`.
    pub fn mean_at(&self, scale: f64) -> f64 {
        if self.scaled {
            self.mean() * scale
        } else {
            self.mean()
        }
    }
}

#[derive(Clone, Debug)]
pub struct Attribute {
    pub name: String,
    pub description: String,
    pub ty: Type,
    pub pii: bool,
    /// Generated and usable by other attributes, never exported: no column in any output.
    pub hidden: bool,
    pub unique: bool,
    /// Fraction of rows set to null at random.
    pub null_rate: f64,
    /// Present only where true (null elsewhere).
    pub when: Option<Expr>,
    pub generator: Generator,
    /// Whether the column can hold nulls (null rate, `when`, or a nullable source).
    pub nullable: bool,
    pub span: Span,
}

/// How an attribute's values are produced. Every variant is a pure function of the seed, the
/// attribute's qualified name and the row index (plus other attributes' values).
#[derive(Clone, Debug)]
pub enum Generator {
    Const(Value),
    Sequence {
        start: i64,
        step: i64,
    },
    Format(Vec<FormatPart>),
    ChildIndex,
    Choice {
        values: Vec<Value>,
        weights: Vec<f64>,
    },
    Cycle(Vec<Value>),
    Dist {
        dist: Dist,
        min: Option<f64>,
        max: Option<f64>,
        round: Option<u32>,
    },
    /// Dates (days since 1970-01-01) or timestamps (ms since the epoch) in `[lo, hi]`.
    Between {
        lo: i64,
        hi: i64,
        seasonality: Seasonality,
    },
    /// A date or timestamp offset from another one by a duration in `[min_ms, max_ms]`.
    Relative {
        anchor: ColRef,
        before: bool,
        min_ms: i64,
        max_ms: i64,
        seasonality: Seasonality,
    },
    /// A date or timestamp drawn per row in `[lo, hi]`, bounds computed from the row:
    /// `between` with an expression bound, or `after` / `before` with a `within` bound taken
    /// from the row. A null bound gives a null value; `lo > hi` at a row is a runtime error.
    Window {
        lo: Box<TimeBound>,
        hi: Box<TimeBound>,
        seasonality: Seasonality,
    },
    Fake {
        kind: FakeKind,
        range: Option<(u32, u32)>,
    },
    Expr(Expr),
    /// Column `column` of foreign key `fk`.
    Ref {
        fk: FkId,
        column: usize,
    },
    /// An aggregate over the rows of a child entity that belong to this row: generated per row
    /// of this one (`via: None`), or referencing it through foreign key `via` of the child.
    Rollup {
        agg: Agg,
        child: EntityId,
        attr: Option<AttrId>,
        via: Option<FkId>,
    },
}

/// A part of a key format string such as `C-{row:07}`.
#[derive(Clone, Debug, PartialEq)]
pub enum FormatPart {
    Lit(String),
    /// The 1-based row number, zero-padded to `width`.
    Row {
        width: usize,
    },
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Dist {
    Uniform(f64, f64),
    Normal { mean: f64, sd: f64 },
    Lognormal { median: f64, sigma: f64 },
    Exponential { mean: f64 },
    Poisson { mean: f64 },
    Geometric { p: f64 },
    Zipf { n: u64, s: f64 },
    Bernoulli { p: f64 },
}

/// One end of a per-row time range: a date or timestamp expression (`at`), plus (or, with
/// `minus`, minus) an offset.
#[derive(Clone, Debug)]
pub struct TimeBound {
    pub at: Expr,
    pub minus: bool,
    pub offset: Offset,
}

/// The offset of a [`TimeBound`]: a literal number of milliseconds, or an expression counted
/// in units of `unit_ms` (a whole number of days: `MS_PER_DAY`; a duration: 1).
#[derive(Clone, Debug)]
pub enum Offset {
    Ms(i64),
    Expr { expr: Expr, unit_ms: i64 },
}

impl TimeBound {
    /// The expressions the bound reads.
    pub fn exprs(&self) -> impl Iterator<Item = &Expr> {
        let off = match &self.offset {
            Offset::Ms(_) => None,
            Offset::Expr { expr, .. } => Some(expr),
        };
        std::iter::once(&self.at).chain(off)
    }
}

/// Relative weights by month (12), weekday (7, Monday first) and hour (24). Empty = flat.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Seasonality {
    pub month: Vec<f64>,
    pub weekday: Vec<f64>,
    pub hour: Vec<f64>,
}

impl Seasonality {
    pub fn is_flat(&self) -> bool {
        self.month.is_empty() && self.weekday.is_empty() && self.hour.is_empty()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Agg {
    Sum,
    Count,
    Min,
    Max,
}

impl Agg {
    pub fn as_str(self) -> &'static str {
        match self {
            Agg::Sum => "sum",
            Agg::Count => "count",
            Agg::Min => "min",
            Agg::Max => "max",
        }
    }
}

/// Every faker `lab` offers, with its spec name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FakeKind {
    FirstName,
    LastName,
    Name,
    Email,
    Username,
    Company,
    JobTitle,
    Industry,
    Street,
    City,
    State,
    Postcode,
    Country,
    CountryCode,
    Phone,
    Url,
    DomainName,
    Ipv4,
    UserAgent,
    Word,
    Words,
    Sentence,
    Paragraph,
    Color,
    CurrencyCode,
    Digits,
    Uuid,
}

impl FakeKind {
    pub const ALL: &'static [(&'static str, FakeKind)] = &[
        ("first_name", FakeKind::FirstName),
        ("last_name", FakeKind::LastName),
        ("name", FakeKind::Name),
        ("email", FakeKind::Email),
        ("username", FakeKind::Username),
        ("company", FakeKind::Company),
        ("job_title", FakeKind::JobTitle),
        ("industry", FakeKind::Industry),
        ("street", FakeKind::Street),
        ("city", FakeKind::City),
        ("state", FakeKind::State),
        ("postcode", FakeKind::Postcode),
        ("country", FakeKind::Country),
        ("country_code", FakeKind::CountryCode),
        ("phone", FakeKind::Phone),
        ("url", FakeKind::Url),
        ("domain_name", FakeKind::DomainName),
        ("ipv4", FakeKind::Ipv4),
        ("user_agent", FakeKind::UserAgent),
        ("word", FakeKind::Word),
        ("words", FakeKind::Words),
        ("sentence", FakeKind::Sentence),
        ("paragraph", FakeKind::Paragraph),
        ("color", FakeKind::Color),
        ("currency_code", FakeKind::CurrencyCode),
        ("digits", FakeKind::Digits),
        ("uuid", FakeKind::Uuid),
    ];

    pub fn parse(s: &str) -> Option<FakeKind> {
        Self::ALL.iter().find(|(n, _)| *n == s).map(|(_, k)| *k)
    }

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map_or("?", |(n, _)| n)
    }

    /// Fakers whose length is given by a `[min, max]` range (words, characters or digits).
    pub fn takes_range(self) -> bool {
        matches!(
            self,
            FakeKind::Words | FakeKind::Sentence | FakeKind::Paragraph | FakeKind::Digits
        )
    }
}

#[derive(Clone, Debug)]
pub struct ForeignKey {
    /// Attributes of this entity that hold the key, in the target key's column order.
    pub columns: Vec<AttrId>,
    pub target: EntityId,
    pub target_columns: Vec<AttrId>,
    pub pick: Pick,
    /// Fraction of rows whose reference is null (optional relationship).
    pub null_rate: f64,
    /// Reference present only where true.
    pub when: Option<Expr>,
}

impl ForeignKey {
    pub fn optional(&self) -> bool {
        self.null_rate > 0.0
            || self.when.is_some()
            || match &self.pick {
                Pick::Hierarchy { .. }
                | Pick::Lookup(_)
                | Pick::NthChild { .. }
                | Pick::Match { .. } => true,
                Pick::Path(paths) => paths.iter().flatten().any(|h| matches!(h, Hop::Source(_))),
                _ => false,
            }
    }
}

/// How a referenced row is chosen.
#[derive(Clone, Debug, PartialEq)]
pub enum Pick {
    /// The row's `per` parent.
    Parent,
    Uniform,
    /// Uniform without repeats among the children of one parent (bridge entities).
    Distinct,
    Zipf(f64),
    /// Weighted by a numeric attribute of the target.
    Weighted(AttrId),
    /// A self-reference forming a tree of `depth` levels; roots have a null parent.
    Hierarchy {
        depth: u32,
    },
    /// The row whose key equals the expression's value (targets with a fixed row count).
    Lookup(Box<Expr>),
    /// The row reached by following hops: an ancestor through `per` parents and `union`
    /// sources. Alternatives are tried in order; the first that reaches a row wins.
    Path(Vec<Vec<Hop>>),
    /// A row whose attribute `attr` equals `value` (an expression of this row), uniform or
    /// weighted by `weight` among the target rows of that value (grouped by the plan).
    Match {
        attr: AttrId,
        value: Box<Expr>,
        weight: Option<AttrId>,
        /// A value without rows gives a null reference instead of an error (`empty: null`).
        empty_null: bool,
    },
    /// The `index`-th child (1-based) of a row reached by `paths` (an ancestor, or the row a
    /// reference points at), in a target generated `per` that row (or with a `union` member
    /// per it); out of range gives null. `paths` lead to the row as in `Path`, the first that
    /// reaches one wins.
    NthChild {
        paths: Vec<Vec<Hop>>,
        index: Box<Expr>,
        /// For a `union` target: the member generated per the row.
        member: Option<usize>,
        /// Children taken in a random order, fixed per (this row's `per` parent, the row).
        shuffle: bool,
    },
}

#[derive(Clone, Debug)]
pub struct Partition {
    pub key: String,
    pub from: AttrId,
    pub granularity: Granularity,
}

impl Partition {
    /// The Java DateTimeFormatter pattern of the partition value (for projection).
    pub fn java_format(&self) -> &'static str {
        match self.granularity {
            Granularity::Day => "yyyy-MM-dd",
            Granularity::Month => "yyyy-MM",
            Granularity::Year => "yyyy",
        }
    }
    pub fn unit(&self) -> &'static str {
        match self.granularity {
            Granularity::Day => "DAYS",
            Granularity::Month => "MONTHS",
            Granularity::Year => "YEARS",
        }
    }
}

/// Every ancestor of entity `from` with the hops that reach it: `per` parents (`Hop::Parent`)
/// and the parents of `union` members (`Hop::Source`), nearest first along each path.
pub fn ancestors(entities: &[Entity], from: EntityId) -> Vec<(Vec<Hop>, EntityId)> {
    fn walk(
        entities: &[Entity],
        cur: EntityId,
        path: &mut Vec<Hop>,
        out: &mut Vec<(Vec<Hop>, EntityId)>,
    ) {
        if path.len() > entities.len() {
            return; // a cycle, reported elsewhere
        }
        let steps: Vec<(Hop, EntityId)> = match &entities[cur].rows {
            Rows::PerParent { parent, .. } => vec![(Hop::Parent, *parent)],
            Rows::Union(_) => entities[cur]
                .sources()
                .into_iter()
                .enumerate()
                .filter_map(|(k, p)| p.map(|p| (Hop::Source(k), p)))
                .collect(),
            _ => Vec::new(),
        };
        for (hop, next) in steps {
            path.push(hop);
            out.push((path.clone(), next));
            walk(entities, next, path, out);
            path.pop();
        }
    }
    let mut out = Vec::new();
    walk(entities, from, &mut Vec::new(), &mut out);
    out
}

/// The hop paths from `from` to its ancestor `target` (several when a `union` reaches it
/// through more than one member; empty when it is not an ancestor).
/// Whether the existence of entity `e`'s rows depends on time (for `--as-of`): it has `time`,
/// or a `per` parent or `union` source that does.
pub fn timed(entities: &[Entity], e: EntityId) -> bool {
    let ent = &entities[e];
    ent.time.is_some()
        || ent.parent().is_some_and(|p| p != e && timed(entities, p))
        || (ent.sources().iter().flatten()).any(|&s| s != e && timed(entities, s))
}

/// Whether rows of entity `e` can change over time (and so have daily change rows): it or
/// an ancestor has `time`, it references an entity that has, or it rolls up `per` children
/// that have.
pub fn changes_over_time(entities: &[Entity], e: EntityId) -> bool {
    let ent = &entities[e];
    timed(entities, e)
        || (ent.foreign_keys.iter()).any(|f| f.target != e && timed(entities, f.target))
        || ent.attributes.iter().any(|a| {
            matches!(a.generator, Generator::Rollup { via: None, child, .. } if child != e && timed(entities, child))
        })
}

pub fn ancestor_paths(entities: &[Entity], from: EntityId, target: EntityId) -> Vec<Vec<Hop>> {
    let mut paths: Vec<Vec<Hop>> = ancestors(entities, from)
        .into_iter()
        .filter(|(_, e)| *e == target)
        .map(|(p, _)| p)
        .collect();
    // Through a chain of `per` parents there is one path; keep the shortest first.
    paths.sort_by_key(|p| p.len());
    paths
}

impl Ir {
    /// Leaves the systems' exports out (`--clean`): the clean data keeps its truth layer.
    pub fn without_exports(mut self) -> Ir {
        for e in &mut self.entities {
            e.export = None;
        }
        self
    }

    /// The lake folders of an entity's clean data, Parquet and CSV:
    /// `truth/` and `truth_csv/` when the specs declare systems, else `raw/` and `csv/`.
    pub fn clean_folders(&self) -> (&'static str, &'static str) {
        if self.systems {
            ("truth", "truth_csv")
        } else {
            ("raw", "csv")
        }
    }

    pub fn entity_by_name(&self, domain: &str, name: &str) -> Option<EntityId> {
        self.entities
            .iter()
            .position(|e| e.name == name && self.domains[e.domain].name == domain)
    }

    /// Foreign keys pointing at `target`, as (entity, fk index).
    pub fn inbound(&self, target: EntityId) -> Vec<(EntityId, FkId)> {
        let mut v = Vec::new();
        for e in &self.entities {
            for (i, fk) in e.foreign_keys.iter().enumerate() {
                if fk.target == target {
                    v.push((e.id, i));
                }
            }
        }
        v
    }

    /// Children generated per row of `parent`.
    pub fn children(&self, parent: EntityId) -> Vec<EntityId> {
        self.entities
            .iter()
            .filter(|e| e.parent() == Some(parent))
            .map(|e| e.id)
            .collect()
    }
}
