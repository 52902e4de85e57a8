//! The spec AST: what a spec file says, as written, with a source span on every value that a
//! diagnostic may point at. These types are also the source of the JSON Schema that editors use
//! (`lab schema`): their doc comments become the hover text, and the `serde` attributes describe
//! the YAML shapes. The loader (`spec::lower`) builds them by hand from the YAML node tree, so
//! that every shape error is reported with a precise location.

use crate::diagnostics::Span;
use schemars::JsonSchema;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// A value with the span it was read from.
#[derive(Clone, Debug, PartialEq)]
pub struct Sp<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Sp<T> {
    pub fn new(value: T, span: Span) -> Self {
        Sp { value, span }
    }
}

impl<T: JsonSchema> JsonSchema for Sp<T> {
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
    fn inline_schema() -> bool {
        T::inline_schema()
    }
}

/// A YAML scalar as written (a string, number or boolean); its meaning depends on the
/// attribute's type. `plain` is false for quoted scalars, which are always strings; `null` is
/// true for a plain YAML null (`~`, `null`, empty), which the loader recognises once.
#[derive(Clone, Debug, PartialEq)]
pub struct Scalar {
    pub text: String,
    pub plain: bool,
    pub null: bool,
}

impl JsonSchema for Scalar {
    fn schema_name() -> Cow<'static, str> {
        "Scalar".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A value: string, number, boolean, or null (`~`).",
            "type": ["string", "number", "boolean", "null"]
        })
    }
}

impl Scalar {
    /// Whether the scalar is a YAML null rather than a value.
    pub fn is_null(&self) -> bool {
        self.null
    }
}

/// One spec file: a business domain with its entities.
#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "lab domain spec")]
pub struct DomainSpec {
    /// The domain's name, `[a-z][a-z0-9_]*`; by convention the file is `specs/<domain>.yaml`.
    #[schemars(extend("pattern" = "^[a-z][a-z0-9_]*$"))]
    pub domain: Sp<String>,
    /// What the domain holds, in a sentence or two.
    pub description: Option<Sp<String>>,
    /// The team or system that owns the domain's data.
    pub owner: Option<Sp<String>>,
    /// The source system that exports the domain's entities, and how it writes them. When any
    /// domain declares one, the lake holds each system's exports under `raw/<system>/` and the
    /// clean data under `truth/<domain>/`.
    pub system: Option<Sp<SystemSpec>>,
    /// The domain's entities (tables), by name.
    #[schemars(with = "BTreeMap<String, EntitySpec>")]
    pub entities: Vec<(Sp<String>, EntitySpec)>,
}

/// What kind of table an entity is, as a data modeller would say it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// Describes things (customers, products); slowly changing.
    Dimension,
    /// Records events or transactions (orders, payments).
    Fact,
    /// Links two entities many-to-many.
    Bridge,
    /// A small fixed lookup table (countries, chart of accounts).
    Reference,
}

/// An entity: one table of the domain.
#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EntitySpec {
    /// What one row means and what the table is for.
    pub description: Option<Sp<String>>,
    /// dimension | fact | bridge | reference.
    pub kind: Option<Sp<EntityKind>>,
    /// The grain: "one row per …".
    pub grain: Option<Sp<String>>,
    /// Owner, when it differs from the domain's.
    pub owner: Option<Sp<String>>,
    /// How many rows: a number (scaled by `--scale`), `{fixed: n}` (never scaled), or
    /// `{per: parent, count: …}` (children per parent row).
    pub rows: Sp<RowsSpec>,
    /// The primary key: one attribute name or a list of names (composite key).
    #[schemars(with = "NameOrNames")]
    pub primary_key: Option<Sp<Vec<Sp<String>>>>,
    /// Unique constraints over several attributes (single attributes use `unique: true`); each
    /// must be unique by construction or generated jointly over finite domains.
    #[schemars(with = "Option<Vec<Vec<String>>>")]
    pub unique: Vec<Sp<Vec<Sp<String>>>>,
    /// Hive-style partitioning of the entity's files (`dt=YYYY-MM-DD/`).
    pub partition_by: Option<Sp<PartitionSpec>>,
    /// How the domain's source system exports this entity: overrides of the system's settings,
    /// daily batches and code vocabularies. Needs a `system` on the domain.
    pub export: Option<Sp<ExportSpec>>,
    /// The row's life in time: when it comes into existence, and which of its dates are
    /// known from the start; `lab compile --as-of DATE` keeps the rows created by then and
    /// hides the dates still in the future.
    pub time: Option<Sp<TimeSpec>>,
    /// The entity's attributes (columns), in column order.
    #[schemars(with = "BTreeMap<String, AttributeSchema>")]
    pub attributes: Vec<(Sp<String>, AttributeSpec)>,
}

#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum NameOrNames {
    One(String),
    Many(Vec<String>),
}

/// How many rows an entity has.
// One per entity (and union member): the size of the larger variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, JsonSchema)]
#[serde(untagged)]
pub enum RowsSpec {
    /// Rows at `--scale 1`; scales linearly.
    Scaled(u64),
    /// A fixed number of rows, whatever the scale.
    Fixed(FixedRows),
    /// Children per parent row, generated with the parent.
    Per(PerRows),
    /// Several row sources one after the other (see [`UnionRows`]).
    Union(UnionRows),
}

/// An entity fed by several sources, e.g. journal lines posted for invoices, payments and
/// expenses: `{union: [{per: invoices, count: 3}, {per: payments, count: 2}, 500]}`. Each
/// member is a row count, `{fixed: n}` or `{per: parent, count: …}`; rows come member by
/// member. A member's parent is reachable in expressions by its name (null on rows of other
/// members), a `ref` to it picks it, and the `union_index` built-in (1-based) tells the
/// members apart.
#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnionRows {
    /// The members, in row order (at least two; no nested unions).
    #[schemars(with = "Vec<RowsSpec>")]
    pub union: Vec<Sp<RowsSpec>>,
}

#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FixedRows {
    /// The row count, never scaled.
    pub fixed: u64,
}

#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PerRows {
    /// The parent entity (`entity` or `domain.entity`).
    pub per: Sp<String>,
    /// Children per parent: a number or a distribution.
    pub count: Sp<CountSpec>,
    /// Only parents for which this expression (over the parent row) is true get children.
    pub when: Option<Sp<String>>,
    /// `true`: the children per parent scale linearly with `--scale` (for parents whose own
    /// rows do not scale, e.g. `fixed`), so the expected child rows are `scale` times those at
    /// scale 1.
    #[schemars(with = "Option<bool>")]
    pub scaled: Option<Sp<bool>>,
}

/// Children per parent: a fixed number or a distribution, optionally shifted, capped and
/// zero-inflated.
#[derive(Clone, Debug, JsonSchema)]
#[serde(untagged)]
pub enum CountSpec {
    Fixed(u64),
    Dist(CountDistSpec),
}

#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CountDistSpec {
    /// Uniform integer in `[min, max]`.
    pub uniform: Option<(u64, u64)>,
    /// Poisson with this mean.
    pub poisson: Option<f64>,
    /// Geometric: failures before the first success with this probability.
    pub geometric: Option<f64>,
    /// 1 with this probability, else 0.
    pub bernoulli: Option<f64>,
    /// Probability of an extra zero (zero-inflation).
    pub zero_inflated: Option<f64>,
    /// Added to every draw (e.g. `shift: 1` for "at least one").
    pub shift: Option<u64>,
    /// Upper cap on the count.
    pub max: Option<u64>,
    /// An integer expression over the parent row giving the count, e.g.
    /// `{expr: "days_between(start_date, end_date) + 1"}` (negative or null means 0).
    /// `random()` in it draws per parent row.
    #[schemars(with = "Option<String>")]
    pub expr: Option<Sp<String>>,
}

/// A source system: its name and the export settings of every entity of the domain.
#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemSpec {
    /// The system's name, `[a-z][a-z0-9_]*`; its exports go under `raw/<name>/<entity>/`.
    #[schemars(extend("pattern" = "^[a-z][a-z0-9_]*$"))]
    pub name: Sp<String>,
    /// The default export settings of the domain's entities.
    #[serde(flatten)]
    pub settings: ExportSettings,
}

/// How a system writes values. Every setting is optional; an entity's `export` overrides the
/// system's, and the system's override the defaults (CSV, ISO dates and timestamps, point
/// decimals, `true`/`false`).
#[derive(Clone, Debug, Default, JsonSchema)]
pub struct ExportSettings {
    /// parquet | csv | jsonl (JSON Lines, one object per line; an entity's `export.nest` nests
    /// columns). Default csv.
    pub format: Option<Sp<String>>,
    /// The CSV dialect (only with format csv).
    pub csv: Option<Sp<CsvSpec>>,
    /// How dates are written: iso (`2025-10-07`), `MM/DD/YYYY`, `DD.MM.YYYY`, `YYYYMMDD` or
    /// epoch (seconds at midnight UTC).
    pub dates: Option<Sp<String>>,
    /// How timestamps are written: iso (`2025-10-07T09:50:26.123Z`), `MM/DD/YYYY`,
    /// `DD.MM.YYYY`, `YYYYMMDD` (each followed by the time, `HH:MM:SS`, or `HHMMSS` after
    /// `YYYYMMDD`), epoch (seconds) or local (`2025-10-07 11:50:26 +0200`, with `utc_offset`).
    pub timestamps: Option<Sp<String>>,
    /// The fixed offset of `timestamps: local`, `+HH:MM` or `-HH:MM`.
    pub utc_offset: Option<Sp<String>>,
    /// How decimals are written: point (`1234.50`), comma (`1234,50`) or minor_units (the
    /// amount times 10^scale as a whole number, `123450`; decimal attributes only).
    pub decimals: Option<Sp<String>>,
    /// How booleans are written: `true/false`, `Y/N` or `1/0`.
    pub booleans: Option<Sp<String>>,
}

/// The CSV dialect of a system.
#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CsvSpec {
    /// The field separator, one ASCII character (default `,`).
    pub delimiter: Option<Sp<String>>,
    /// The quote character, one ASCII character (default `"`); fields are quoted only when
    /// needed and a quote inside a field is doubled.
    pub quote: Option<Sp<String>>,
    /// The escape character, one ASCII character: a quote or escape inside a quoted field is
    /// written after it (`\"`), as MySQL-style exports do. Without it, a quote inside a field
    /// is doubled (RFC 4180).
    pub escape: Option<Sp<String>>,
    /// Whether the first line names the columns (default true).
    pub header: Option<Sp<bool>>,
    /// The text written for a null (default empty).
    pub null_text: Option<Sp<String>>,
    /// utf-8 (default), utf-8-bom (a byte-order mark first) or latin-1 (ISO-8859-1; a character
    /// Latin-1 cannot hold is written as `?`).
    pub encoding: Option<Sp<String>>,
}

/// An entity's export: the system's settings overridden, plus batches and vocabularies.
#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportSpec {
    /// Overrides of the system's settings.
    #[serde(flatten)]
    pub settings: ExportSettings,
    /// Daily export batches: the non-null date or timestamp attribute whose day (UTC) names
    /// each row's batch folder, `export_date=YYYY-MM-DD/`.
    pub batch: Option<Sp<String>>,
    /// Code vocabularies: per `choice` attribute (or attribute that only copies one, such as
    /// `expr: "parent.country"`), the system's code for each of its values.
    #[schemars(with = "Option<BTreeMap<String, BTreeMap<String, String>>>")]
    pub codes: Vec<(Sp<String>, Vocabulary)>,
    /// Per-attribute styles that differ from the entity's (`dates`, `timestamps`,
    /// `utc_offset`, `decimals`, `booleans`), e.g. `columns: { shipped_on: { dates: YYYYMMDD } }`.
    #[schemars(with = "Option<BTreeMap<String, ColumnSchema>>")]
    pub columns: Vec<(Sp<String>, ExportSettings)>,
    /// Cell defects per attribute: each kind of `docs/defects.md` with the share of the
    /// column's cells it hits, e.g. `columns: { email: { defects: { case: 0.02 } } }`
    /// (written inside `columns`).
    #[schemars(skip)]
    pub defects: Vec<(Sp<String>, Rates)>,
    /// The golden record each row stands for: a reference attribute naming it in another
    /// entity (e.g. the shop customer a CRM contact is). Default: the row itself. The answer
    /// key's crosswalk maps every exported record to it.
    pub identity: Option<Sp<String>>,
    /// Extra registrations of the same record under new keys (near duplicates).
    pub duplicates: Option<Sp<DuplicatesSpec>>,
    /// Share of rows exported twice, verbatim (the same key).
    pub exact_duplicates: Option<Sp<f64>>,
    /// Share of rows the system never exports although other rows of it refer to them.
    pub orphans: Option<Sp<f64>>,
    /// Rows exported in a later batch than their day.
    pub late: Option<Sp<LateSpec>>,
    /// Nested fields of a JSON Lines export, in the order written: each groups exported
    /// columns into a `record` (an object), `params` (a GA4-style array of key/value structs)
    /// or an `array` (the non-null values of columns of one type), e.g.
    /// `nest: { device: { record: [device_category, device_os] } }`.
    #[schemars(with = "Option<BTreeMap<String, NestSchema>>")]
    pub nest: Vec<(Sp<String>, Sp<NestSpec>)>,
    /// Schema drift of a batched text export: from a batch date on, a column is renamed, an
    /// attribute is exported for the first time, or a column is written in another style,
    /// e.g. `drift: [{ from: 2025-07-01, rename: { total: order_total } }]`.
    #[schemars(with = "Option<Vec<DriftSchema>>")]
    pub drift: Vec<Sp<DriftSpec>>,
}

/// One schema change of an export, as written: the first batch date it holds for and what
/// changes then.
#[derive(Clone, Debug)]
pub struct DriftSpec {
    pub from: Sp<String>,
    pub change: DriftChange,
}

/// What a drift changes.
#[derive(Clone, Debug)]
pub enum DriftChange {
    /// Columns renamed: (attribute, its name in the files from the date on).
    Rename(Vec<(Sp<String>, Sp<String>)>),
    /// Attributes exported only from the date on.
    Add(Vec<Sp<String>>),
    /// Columns written in other styles from the date on.
    Retype(Vec<(Sp<String>, ExportSettings)>),
}

/// A schema change of a batched export: `from` (the first batch date, `YYYY-MM-DD`) and
/// exactly one of `rename`, `add` or `retype`.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct DriftSchema {
    /// The first batch (`export_date`) the change holds for.
    from: String,
    /// Attribute → its column name in the files from `from` on (CSV header, JSON key).
    rename: Option<BTreeMap<String, String>>,
    /// An attribute (or a list) absent from the files of earlier batches.
    add: Option<NameOrNames>,
    /// Attribute → the styles (`dates`, `timestamps`, `utc_offset`, `decimals`, `booleans`)
    /// its values are written in from `from` on.
    retype: Option<BTreeMap<String, RetypeSchema>>,
}

/// The styles a retyped column is written in from the drift's date on.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RetypeSchema {
    /// iso, `MM/DD/YYYY`, `DD.MM.YYYY`, `YYYYMMDD` or epoch.
    dates: Option<String>,
    /// iso, `MM/DD/YYYY`, `DD.MM.YYYY`, `YYYYMMDD`, epoch or local.
    timestamps: Option<String>,
    /// The offset of `timestamps: local`, `+HH:MM` or `-HH:MM`.
    utc_offset: Option<String>,
    /// point, comma or minor_units.
    decimals: Option<String>,
    /// `true/false`, `Y/N` or `1/0`.
    booleans: Option<String>,
}

/// A nested field of a JSON Lines export, as written.
#[derive(Clone, Debug, PartialEq)]
pub enum NestSpec {
    /// An object of members (columns or records).
    Record(Vec<NestMember>),
    /// A GA4 parameter array: one `{key, value}` struct per non-null column.
    Params(Vec<NestMember>),
    /// An array of the non-null values of the listed columns.
    Array(Vec<Sp<String>>),
}

/// One member of a record or parameter array.
#[derive(Clone, Debug, PartialEq)]
pub struct NestMember {
    /// The key as written in a mapping; `None` for a listed column, whose key is its name
    /// without the field's prefix (`device_os` in `device` is `os`).
    pub key: Option<Sp<String>>,
    pub value: NestValue,
}

/// What a member holds.
#[derive(Clone, Debug, PartialEq)]
pub enum NestValue {
    /// An exported column.
    Column(Sp<String>),
    /// A record inside the record.
    Record(Sp<Vec<NestMember>>),
}

/// The YAML shapes of a nested export field: exactly one of `record`, `params`, `array`.
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[allow(dead_code)]
pub enum NestSchema {
    /// An object: a list of columns (keyed by their names without the field's prefix,
    /// `device_os` in `device` is `os`) or a mapping of key → column or `{record: …}`.
    Record(RecordMembers),
    /// A GA4 parameter array: a list of columns (or a mapping key → column); each non-null
    /// value becomes `{"key": …, "value": {"string_value", "int_value", "float_value",
    /// "double_value"}}` with the slot its type selects.
    Params(ParamMembers),
    /// An array of the non-null values of the listed columns (all of one exported type).
    Array(Vec<String>),
}

#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum RecordMembers {
    List(Vec<String>),
    Map(BTreeMap<String, RecordMember>),
}

#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum RecordMember {
    Column(String),
    Record(InnerRecord),
}

/// A record inside a record.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct InnerRecord {
    record: RecordMembers,
}

#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum ParamMembers {
    List(Vec<String>),
    Map(BTreeMap<String, String>),
}

/// Defect kinds and the share of cells each hits.
pub type Rates = Vec<(Sp<String>, Sp<f64>)>;

/// Near duplicates: a share of records registered again under a new key.
#[derive(Clone, Debug, JsonSchema)]
pub struct DuplicatesSpec {
    /// Share of records with at least one duplicate, in [0, 1].
    pub rate: Sp<f64>,
    /// Most duplicates of one record (default 2); each further copy is a quarter as likely.
    pub max: Option<Sp<u64>>,
    /// Defects planted in the copies only, per attribute (the noise that hides a duplicate),
    /// e.g. `{ email: { case: 0.4 }, full_name: { nickname: 0.2 } }`.
    #[schemars(with = "Option<BTreeMap<String, BTreeMap<String, f64>>>")]
    pub noise: Vec<(Sp<String>, Rates)>,
}

/// Late arrivals: a share of rows exported up to `days` days after their batch day.
#[derive(Clone, Debug, JsonSchema)]
pub struct LateSpec {
    /// Share of rows exported late, in [0, 1].
    pub rate: Sp<f64>,
    /// Most days late (default 3); the delay is uniform from 1 day.
    pub days: Option<Sp<u64>>,
}

/// An export column's settings: styles that differ from the entity's, and its cell defects.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct ColumnSchema {
    #[serde(flatten)]
    settings: ExportSettings,
    /// Defect kinds (`docs/defects.md`) and the share of the column's cells each hits.
    defects: Option<BTreeMap<String, f64>>,
}

/// A code vocabulary: (value, the system's code) pairs, as written.
pub type Vocabulary = Vec<(Sp<Scalar>, Sp<String>)>;

/// The row's life in time.
#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeSpec {
    /// The date or timestamp attribute at which the row comes into existence (an order's
    /// `ordered_at`).
    #[schemars(with = "String")]
    pub created: Sp<String>,
    /// Date and timestamp attributes known when the row is created (a due date, a promised
    /// date): never hidden as of an earlier date. Every other date and timestamp of the row is
    /// an event, unknown (null) as of a date before it.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub known: Vec<Sp<String>>,
    /// Mutable attributes: attribute name → how often and when its value changes after the
    /// row is created. The full lake holds the current (last) version.
    #[serde(default)]
    #[schemars(with = "std::collections::BTreeMap<String, ChangeSpec>")]
    pub changes: Vec<(Sp<String>, Sp<ChangeSpec>)>,
    /// Deletes: the event attribute at which a row is deleted, and the share of deleted rows
    /// deleted hard (gone from the lake) rather than soft (kept, the attribute set).
    pub deleted: Option<Sp<DeleteSpec>>,
    /// How the daily increments (`lab compile --increments`) deliver the change rows: the
    /// shares that arrive late and that are replayed, and how many days later.
    pub increments: Option<Sp<IncrementsSpec>>,
}

/// The delivery of an entity's change rows: late arrivals (default 3 % up to 3 days late)
/// and replays (default 1 %, again up to 2 days after the first delivery).
#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IncrementsSpec {
    /// Change rows delivered in a later partition than their day: `rate` in [0, 1], `days`
    /// the most days late (1 to 30; the delay is uniform from 1 day).
    pub late: Option<Sp<LateSpec>>,
    /// Change rows delivered a second time, identical, `1..=days` days after the first
    /// delivery: `rate` in [0, 1], `days` 1 to 30.
    pub replay: Option<Sp<LateSpec>>,
}

/// How a mutable attribute changes: the number of changes per row (uniform in
/// `[min, max]`, at most 16) and the span after the row's creation within which they fall.
#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeSpec {
    /// Number of changes per row, uniform in `[min, max]` (the row has that many earlier
    /// versions before the current one).
    #[schemars(with = "(u64, u64)")]
    pub versions: Sp<(u64, u64)>,
    /// When the changes happen: `[min, max]` after the row's creation (durations such as
    /// `30d`, `12h`).
    #[schemars(with = "(String, String)")]
    pub within: Sp<(Sp<String>, Sp<String>)>,
}

/// Deletes of an entity's rows.
#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteSpec {
    /// The event attribute (a date or timestamp) at which a row is deleted; null for rows
    /// never deleted, so its null rate or `when` declares the delete rate.
    #[schemars(with = "String")]
    pub at: Sp<String>,
    /// Share of deleted rows deleted hard (gone as of a later date; a `delete` change row),
    /// in `[0, 1]`; the others are soft deletes (kept, `at` set). Default 0.
    pub hard: Option<f64>,
}

/// Partitioning: a string partition key derived from a date or timestamp attribute.
#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PartitionSpec {
    /// The partition column's name (default `dt`); it must not be an attribute name.
    pub key: Option<Sp<String>>,
    /// The date or timestamp attribute the partition value comes from.
    pub from: Sp<String>,
    /// day (`yyyy-MM-dd`), month (`yyyy-MM`) or year (`yyyy`); default month.
    pub granularity: Option<Sp<Granularity>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    Day,
    Month,
    Year,
}

/// One attribute (column): its type, what it means, and its one generator with the options
/// that belong to it. The loader checks that exactly one generator is given and that every
/// option goes with it, so the resolver reads a typed [`GeneratorSpec`].
#[derive(Clone, Debug, Default)]
pub struct AttributeSpec {
    pub ty: Option<Sp<String>>,
    pub description: Option<Sp<String>>,
    pub pii: Option<Sp<bool>>,
    /// `hidden: true`: generated and usable by every expression, condition, pick and rollup,
    /// but never exported (no column in the lake, the manifest, the profile, the DDL, the
    /// dictionary's column tables or the ERDs).
    pub hidden: Option<Sp<bool>>,
    pub unique: Option<Sp<bool>>,
    pub nulls: Option<Sp<f64>>,
    pub when: Option<Sp<String>>,
    /// The generator; `None` when none or several were given, or the one given did not load
    /// (each reported by the loader).
    pub generator: Option<GeneratorSpec>,
    /// Whether a `ref` loaded, even if the generator is `None` because another generator
    /// was given too: such an attribute may take its type from the referenced key.
    pub has_ref: bool,
}

/// An attribute's one way of producing values, with its own options.
#[derive(Clone, Debug)]
pub enum GeneratorSpec {
    /// `const`: one value for every row.
    Const(Sp<Scalar>),
    /// `key`: a key computed from the row.
    Key(Sp<KeySpec>),
    /// `choice`: weighted or equally likely values.
    Choice(Sp<ChoiceSpec>),
    /// `cycle`: values taken in turn by row.
    Cycle(Sp<Vec<Sp<Scalar>>>),
    /// `dist` with its `min`, `max` and `round`.
    Dist(DistGen),
    /// `between` with its `seasonality`.
    Between(BetweenGen),
    /// `after` or `before` with `within` and `seasonality`.
    Relative(RelativeGen),
    /// `fake`: a realistic fake value.
    Fake(Sp<FakeSpec>),
    /// `expr`: an expression over the row.
    Expr(Sp<String>),
    /// `ref` with `pick`, `lookup` and `hierarchy`.
    Ref(RefGen),
    /// `rollup`: an aggregate over child rows.
    Rollup(Sp<RollupSpec>),
}

/// `dist` and the options that shape its draws.
#[derive(Clone, Debug)]
pub struct DistGen {
    pub dist: Sp<DistSpec>,
    pub min: Option<Sp<f64>>,
    pub max: Option<Sp<f64>>,
    pub round: Option<Sp<u32>>,
}

/// `between: [start, end]` and its seasonality.
#[derive(Clone, Debug)]
pub struct BetweenGen {
    pub range: Sp<(Sp<String>, Sp<String>)>,
    pub seasonality: Option<Sp<SeasonalitySpec>>,
}

/// `after: anchor` or `before: anchor`, by `within`, with seasonality.
#[derive(Clone, Debug)]
pub struct RelativeGen {
    pub anchor: Sp<String>,
    pub before: bool,
    pub within: Option<Sp<WithinSpec>>,
    pub seasonality: Option<Sp<SeasonalitySpec>>,
}

/// `ref: target` and how the referenced row is chosen.
#[derive(Clone, Debug)]
pub struct RefGen {
    pub target: Sp<String>,
    pub pick: Option<Sp<PickSpec>>,
    pub lookup: Option<Sp<String>>,
    pub hierarchy: Option<Sp<HierarchySpec>>,
}

// The YAML shape of an attribute, for the JSON Schema: every key the loader accepts (the
// doc comment below is the schema's description).
/// One attribute (column). Give a `type` (optional for references, which take the referenced
/// key's type) and exactly one way of generating values.
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "AttributeSpec")]
#[allow(dead_code)]
struct AttributeSchema {
    /// bool, int8, int16, int32, int64, float64, decimal(p,s), string, string(n), date, timestamp.
    #[serde(rename = "type")]
    #[schemars(extend("pattern" = "^(bool|boolean|int8|int16|int32|int64|float64|string|date|timestamp|decimal\\(\\s*[0-9]+\\s*,\\s*[0-9]+\\s*\\)|string\\(\\s*[0-9]+\\s*\\))$"))]
    ty: Option<Sp<String>>,
    /// What the column means.
    description: Option<Sp<String>>,
    /// Personally identifiable information.
    pii: Option<Sp<bool>>,
    /// Generated and usable by expressions, `when`, picks and rollups, but never exported (no
    /// column in the lake, DDL, manifest, profile, dictionary tables or ERDs).
    hidden: Option<Sp<bool>>,
    /// Every value is distinct.
    unique: Option<Sp<bool>>,
    /// Fraction of rows that are null, in [0, 1].
    nulls: Option<Sp<f64>>,
    /// The value is present only where this expression is true (null elsewhere).
    when: Option<Sp<String>>,

    /// A constant value.
    #[serde(rename = "const")]
    constant: Option<Sp<Scalar>>,
    /// A key computed from the row: `sequence`, `child_index`, a format such as `C-{row:07}`,
    /// or `{sequence: {start, step}}`.
    key: Option<Sp<KeySpec>>,
    /// A categorical choice: a mapping of value → weight, or a list of equally likely values.
    choice: Option<Sp<ChoiceSpec>>,
    /// Values taken in turn by row: row 1 gets the first, and so on (wrapping around).
    cycle: Option<Sp<Vec<Sp<Scalar>>>>,
    /// A numeric distribution.
    #[schemars(with = "Option<DistSchema>")]
    dist: Option<Sp<DistSpec>>,
    /// A date or timestamp uniformly (times seasonality) in `[start, end]`.
    between: Option<Sp<(Sp<String>, Sp<String>)>>,
    /// A timestamp or date after another one (`created_at`, `parent.created_at`), by `within`.
    after: Option<Sp<String>>,
    /// A timestamp or date before another one, by `within`.
    before: Option<Sp<String>>,
    /// The gap for `after`/`before`: `3d`, or a range `[1h, 7d]` (units s, m, h, d, w).
    within: Option<Sp<WithinSpec>>,
    /// A realistic fake value: `first_name`, `email`, `company`, `city`, `sentence`, … or
    /// `{words: [min, max]}`-style forms with a length range.
    fake: Option<Sp<FakeSpec>>,
    /// An expression over the row, the parent row and referenced rows.
    expr: Option<Sp<String>>,
    /// A foreign key: `entity`, `domain.entity`, or `entity.column` for composite keys.
    #[serde(rename = "ref")]
    reference: Option<Sp<String>>,
    /// How the referenced row is picked: `uniform` (default), `distinct`, `{zipf: s}`,
    /// `{weighted: attribute}`, `ancestor` or `{nth_child: "<expr>"}`.
    pick: Option<Sp<PickSpec>>,
    /// With `ref`: pick the referenced row by its key value instead, e.g.
    /// `lookup: "case when debit > 0 then 1100 else 4000 end"` picks the account whose key is
    /// 1100 or 4000. The target needs `rows: {fixed: n}` and a single-column key; a value with
    /// no matching row stops `lab compile` with an error naming it, and null gives a null
    /// reference. `random()` in it draws per row.
    #[schemars(with = "Option<String>")]
    lookup: Option<Sp<String>>,
    /// For a self-reference: the hierarchy's depth (number of levels).
    hierarchy: Option<Sp<HierarchySpec>>,
    /// A rollup over the rows of an entity generated `per` this one, or of one that
    /// references it: `{sum: child.attr}`, `{count: child}`, `{min: …}`, `{max: …}`, with
    /// `via: reference_attribute` when the entity references this one more than once.
    #[schemars(with = "Option<RollupSchema>")]
    rollup: Option<Sp<RollupSpec>>,

    /// Lower clamp for numeric distributions.
    min: Option<Sp<f64>>,
    /// Upper clamp for numeric distributions.
    max: Option<Sp<f64>>,
    /// Round to this many decimal places.
    round: Option<Sp<u32>>,
    /// Seasonality weights for dates and timestamps.
    seasonality: Option<Sp<SeasonalitySpec>>,
}

/// How a key value is computed from the row.
#[derive(Clone, Debug, JsonSchema)]
#[serde(untagged)]
pub enum KeySpec {
    /// `sequence` (1, 2, 3 …), `child_index` (1..n within the parent) or a format string with
    /// `{row}` / `{row:07}` placeholders.
    Named(String),
    /// A sequence with a start and step.
    Sequence(SequenceKey),
}

#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SequenceKey {
    pub sequence: SequenceSpec,
}

#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SequenceSpec {
    pub start: Option<i64>,
    pub step: Option<i64>,
}

/// Weighted values (value → weight) or a list of equally likely values.
#[derive(Clone, Debug, JsonSchema)]
#[serde(untagged)]
pub enum ChoiceSpec {
    #[schemars(with = "BTreeMap<String, f64>")]
    Weighted(Vec<(Sp<Scalar>, Sp<f64>)>),
    List(Vec<Sp<Scalar>>),
}

/// A numeric distribution (exactly one key).
#[derive(Clone, Debug, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DistSpec {
    /// Uniform in `[min, max]`.
    Uniform((f64, f64)),
    /// Normal with `mean` and `sd`.
    Normal { mean: f64, sd: f64 },
    /// Log-normal with the given `median` and `sigma` (of the underlying normal).
    Lognormal { median: f64, sigma: f64 },
    /// Exponential with the given `mean`.
    Exponential { mean: f64 },
    /// Poisson with the given `mean`.
    Poisson { mean: f64 },
    /// Geometric: number of failures before the first success with probability `p`.
    Geometric { p: f64 },
    /// Zipf over `1..=n` with exponent `s`.
    Zipf { n: u64, s: f64 },
    /// true with probability `p` (for bool attributes).
    Bernoulli { p: f64 },
}

/// The YAML shapes of `dist`: single-parameter distributions also take a bare number
/// (`poisson: 2.4` as well as `poisson: {mean: 2.4}`).
#[derive(JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[allow(dead_code)]
enum DistSchema {
    /// Uniform in `[min, max]`.
    Uniform((f64, f64)),
    /// Normal with `mean` and `sd`.
    Normal { mean: f64, sd: f64 },
    /// Log-normal with the given `median` and `sigma` (of the underlying normal).
    Lognormal { median: f64, sigma: f64 },
    /// Exponential with the given mean.
    Exponential(NumberOr<MeanParam>),
    /// Poisson with the given mean.
    Poisson(NumberOr<MeanParam>),
    /// Geometric: failures before the first success with probability `p`.
    Geometric(NumberOr<PParam>),
    /// Zipf over `1..=n` with exponent `s`.
    Zipf { n: u64, s: f64 },
    /// true with probability `p` (for bool attributes).
    Bernoulli(NumberOr<PParam>),
}

#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum NumberOr<T> {
    Number(f64),
    Params(T),
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct MeanParam {
    mean: f64,
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct PParam {
    p: f64,
}

/// A duration (`30m`) or a range of durations (`[1h, 7d]`, `[-3d, 10d]`); a bound may also be
/// an expression over the row giving a whole number of days or a duration (`lead_time_days`).
#[derive(Clone, Debug, JsonSchema)]
#[serde(untagged)]
pub enum WithinSpec {
    Max(Sp<String>),
    Range((Sp<String>, Sp<String>)),
}

/// A faker name, or a faker with a length range.
#[derive(Clone, Debug, JsonSchema)]
#[serde(untagged)]
pub enum FakeSpec {
    Name(String),
    #[schemars(with = "BTreeMap<String, (u32, u32)>")]
    WithRange(String, (u32, u32)),
}

/// How a referenced row is picked.
#[derive(Clone, Debug, JsonSchema)]
#[serde(untagged)]
pub enum PickSpec {
    /// `uniform`, `distinct` (no repeats among the children of one parent), or `ancestor`
    /// (the row's own ancestor of the referenced entity, reached through `per` parents and
    /// `union` sources: e.g. an order line's customer).
    Named(String),
    Zipf(ZipfPick),
    Weighted(WeightedPick),
    NthChild(NthChildPick),
    Match(MatchPick),
}

#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchPick {
    /// Pick a referenced row whose attribute equals an expression of this row, as
    /// `{target_attribute: "expression"}` (one entry): e.g. a warehouse in the customer's
    /// country, `{country: "customers.country"}`. A value no referenced row has stops `lab
    /// compile` with an error (at plan time when the values are literals or a `choice`/`cycle`);
    /// null gives a null reference.
    #[serde(rename = "match")]
    #[schemars(with = "std::collections::BTreeMap<String, String>", extend("minProperties" = 1, "maxProperties" = 1))]
    pub on: (Sp<String>, Sp<String>),
    /// Within the matching rows, pick weighted by this numeric attribute of the referenced
    /// entity (uniform without it).
    #[schemars(with = "Option<String>")]
    pub weighted: Option<Sp<String>>,
    /// What a value without matching rows (or none of positive weight) gives: `error` (the
    /// default: `lab compile` stops, naming the row) or `null` (no reference: "a click on that
    /// day, if there was one").
    #[schemars(with = "Option<EmptyGroup>")]
    pub empty: Option<Sp<EmptyGroup>>,
}

/// What a `match` pick does with a value that has no rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmptyGroup {
    Error,
    Null,
}

#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NthChildPick {
    /// The referenced entity is generated `per` an ancestor of this row; pick that ancestor's
    /// child number `<expr>` (1-based; out of range gives null). E.g. an invoice line's
    /// order line: `{nth_child: "child_index"}`; a random order of the customer:
    /// `{nth_child: "1 + int(random() * customers.order_count)"}`.
    pub nth_child: String,
    /// Count the children of the row this reference attribute points at (`attribute`, or
    /// `entity.attribute` of an ancestor) instead of an ancestor's: the n-th line of the
    /// purchase order a shipment references, `of: purchase_order_id`.
    #[schemars(with = "Option<String>")]
    pub of: Option<Sp<String>>,
    /// Take the children in a random order, fixed per (this row's `per` parent, the row whose
    /// children are counted): indices distinct among one parent's children (`child_index`)
    /// then pick distinct rows in a random order.
    #[serde(default)]
    pub shuffle: bool,
}

#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ZipfPick {
    /// Zipf exponent; larger means more skewed.
    pub zipf: f64,
}

#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WeightedPick {
    /// A numeric attribute of the referenced entity used as the weight.
    pub weighted: String,
}

#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HierarchySpec {
    /// Number of levels (roots are level 1).
    pub depth: u32,
}

/// A rollup: one aggregate over the rows of an entity that is generated `per` this one or
/// references it, and (`via`) the reference to follow when that entity has several.
#[derive(Clone, Debug)]
pub struct RollupSpec {
    pub agg: RollupAgg,
    pub via: Option<Sp<String>>,
}

/// The aggregate of a rollup and its `entity` or `entity.attribute` target.
#[derive(Clone, Debug)]
pub enum RollupAgg {
    Sum(String),
    Count(String),
    Min(String),
    Max(String),
}

/// A rollup: exactly one aggregate over the rows of an entity generated `per` this one or
/// referencing it, and `via` when it references this one through several attributes. (The
/// shape of `rollup` in the JSON Schema; the code reads [`RollupSpec`].)
#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "RollupSpec")]
#[schemars(extend("oneOf" = [
    {"required": ["sum"]}, {"required": ["count"]}, {"required": ["min"]}, {"required": ["max"]}
]))]
#[allow(dead_code)]
pub struct RollupSchema {
    /// Sum of `entity.attribute` (numeric) over the rows.
    sum: Option<String>,
    /// Number of rows of `entity`.
    count: Option<String>,
    /// Smallest `entity.attribute` (null without rows).
    min: Option<String>,
    /// Largest `entity.attribute` (null without rows).
    max: Option<String>,
    /// For an entity that references this one (rather than being generated `per` it): the
    /// reference attribute to follow, when it has more than one to this entity.
    via: Option<String>,
}

/// Relative weights by month (12), weekday (7, Monday first) and hour of day (24).
#[derive(Clone, Debug, Default, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeasonalitySpec {
    pub month: Option<Sp<Vec<f64>>>,
    pub weekday: Option<Sp<Vec<f64>>>,
    pub hour: Option<Sp<Vec<f64>>>,
}

/// A marts file: star schemas over the domains' entities, compiled into the gold layer
/// (`models/marts/<mart>/` of the dbt project). It starts with `marts:` instead of `domain:`.
#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "lab marts spec")]
pub struct MartsSpec {
    /// The marts, by name (`[a-z][a-z0-9_]*`); each is one folder of gold models.
    #[schemars(with = "BTreeMap<String, MartSpec>")]
    pub marts: Vec<(Sp<String>, MartSpec)>,
}

/// One mart: a star schema of facts and the dimensions declared with it. A fact may use the
/// dimensions of any mart (conformed dimensions are declared once).
#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MartSpec {
    /// What the mart answers, in a sentence or two.
    pub description: Option<Sp<String>>,
    /// The dimensions declared in this mart, by name (`dim_…`).
    #[schemars(with = "Option<BTreeMap<String, DimensionSpec>>")]
    pub dimensions: Vec<(Sp<String>, DimensionSpec)>,
    /// The facts of this mart, by name (`fct_…`).
    #[schemars(with = "Option<BTreeMap<String, FactSpec>>")]
    pub facts: Vec<(Sp<String>, FactSpec)>,
}

/// A dimension: one row per golden record of a source entity, with columns conformed from
/// other entities that refer to it one-to-one; or a generated calendar (`generated: date`).
#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DimensionSpec {
    /// What one row is.
    pub description: Option<Sp<String>>,
    /// The entity (`domain.entity`) whose rows the dimension's rows are.
    pub source: Option<Sp<String>>,
    /// The source attribute that identifies a row: the primary key or a unique attribute. The
    /// dimension's key column is `<name without dim_>_key`.
    pub key: Option<Sp<String>>,
    /// Slowly changing dimension type: 1 (overwrite: the current values) or 2 (one row per
    /// version, from the history of a source that declares `time.changes` or `time.deleted`).
    #[schemars(with = "Option<u64>")]
    pub scd: Option<Sp<u64>>,
    /// The source attributes copied into the dimension, in column order.
    #[schemars(with = "Option<NameOrNames>")]
    pub columns: Vec<Sp<String>>,
    /// Entities of other domains (silos) that describe the same records: each joined by its
    /// `on` attribute, a unique reference to the source's key.
    #[serde(default)]
    pub conformed: Vec<Sp<ConformedSpec>>,
    /// `date`: a generated calendar, one row per day from `start` to `end`.
    pub generated: Option<Sp<String>>,
    /// The calendar's first day (`YYYY-MM-DD`), with `generated: date`.
    pub start: Option<Sp<String>>,
    /// The calendar's last day (`YYYY-MM-DD`), with `generated: date`.
    pub end: Option<Sp<String>>,
}

/// Columns of a dimension taken from another entity that refers to the dimension's source.
#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConformedSpec {
    /// The entity (`domain.entity`).
    pub entity: Sp<String>,
    /// Its attribute that refers to the dimension's key (a unique foreign key).
    pub on: Sp<String>,
    /// Its attributes copied into the dimension.
    #[schemars(with = "Option<NameOrNames>")]
    pub columns: Vec<Sp<String>>,
}

/// A fact: one row per row of its source entity (the grain), with keys of the dimensions it
/// references, degenerate dimensions and measures.
#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FactSpec {
    /// What one row records.
    pub description: Option<Sp<String>>,
    /// The entity (`domain.entity`) whose rows the fact's rows are.
    pub source: Sp<String>,
    /// The grain: the source attributes that identify a fact row; must be the source's
    /// primary key or a unique constraint.
    #[schemars(with = "NameOrNames")]
    pub grain: Sp<Vec<Sp<String>>>,
    /// Entities joined to the source through foreign keys (many-to-one, so the grain stays):
    /// each is referenced by the source or by an entity joined before it.
    #[schemars(with = "Option<NameOrNames>")]
    pub join: Vec<Sp<String>>,
    /// The dimensions the fact references.
    #[serde(default)]
    pub dimensions: Vec<Sp<DimensionRefSpec>>,
    /// Degenerate dimensions: attributes kept in the fact as they are (`attr` of the source or
    /// `entity.attr` of a joined entity).
    #[schemars(with = "Option<NameOrNames>")]
    pub degenerate: Vec<Sp<String>>,
    /// The measures, by name.
    #[schemars(with = "Option<BTreeMap<String, MeasureSpec>>")]
    pub measures: Vec<(Sp<String>, MeasureSpec)>,
    /// Fact columns (grain, dimension keys or degenerate dimensions) by which a test compares
    /// the sums of the additive measures with the truth's, e.g. `[fiscal_period, account_key]`.
    #[schemars(with = "Option<NameOrNames>")]
    pub reconcile_by: Vec<Sp<String>>,
}

/// A fact's reference to a dimension.
#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DimensionRefSpec {
    /// The dimension's name.
    pub dimension: Sp<String>,
    /// The attribute holding the dimension's key (`attr` or `entity.attr`); a date or
    /// timestamp for a date dimension.
    pub column: Sp<String>,
    /// The fact's column name (default `<dimension without dim_>_key`); needed when a fact
    /// references one dimension twice (e.g. order and due dates).
    #[serde(rename = "as")]
    pub alias: Option<Sp<String>>,
}

/// How a measure adds up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Additivity {
    /// Sums over every dimension (amounts, quantities).
    Additive,
    /// Sums over some dimensions but not over time (balances, stock levels).
    SemiAdditive,
    /// Never summed (prices, ratios, scores).
    NonAdditive,
}

/// A measure: a numeric attribute of the source or of a joined entity.
#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasureSpec {
    /// What it measures.
    pub description: Option<Sp<String>>,
    /// The attribute (`attr` or `entity.attr`); default: the measure's name.
    pub column: Option<Sp<String>>,
    /// additive | semi_additive | non_additive.
    pub additivity: Sp<Additivity>,
}

/// A metrics file: business metrics over the marts' tables, compiled into a MetricFlow
/// semantic layer and one plain SQL model per metric. It starts with `metrics:`.
#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "lab metrics spec")]
pub struct MetricsSpec {
    /// The metrics, by name (`[a-z][a-z0-9_]*`).
    #[schemars(with = "BTreeMap<String, MetricSpec>")]
    pub metrics: Vec<(Sp<String>, MetricSpec)>,
    /// Tables the analytics folder builds (dbt models written by hand, e.g. a periodic
    /// snapshot) that metrics may measure like the marts' tables, by model name.
    #[schemars(with = "Option<BTreeMap<String, ModelTableSpec>>")]
    pub models: Vec<(Sp<String>, ModelTableSpec)>,
}

/// A table of the analytics folder that metrics measure: its grain and its columns' types
/// (the engine does not read the model's SQL, so the columns are declared).
#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelTableSpec {
    /// What one row is.
    pub description: Option<Sp<String>>,
    /// The columns that identify a row, a name or a list.
    #[schemars(with = "NameOrNames")]
    pub grain: Sp<Vec<Sp<String>>>,
    /// Column name → type (`date`, `string`, `int64`, `decimal(18,2)` …), in the model's order.
    #[schemars(with = "BTreeMap<String, String>")]
    pub columns: Vec<(Sp<String>, Sp<String>)>,
}

/// The kind of a metric (MetricFlow's five metric types).
#[derive(Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MetricType {
    /// An aggregation of one measure (`measure`, `filter`).
    Simple,
    /// `numerator` ÷ `denominator`, two metrics, each aggregated at the query's grain first.
    Ratio,
    /// An arithmetic expression (`expr`) over other metrics.
    Derived,
    /// A measure accumulated over all earlier time, or since the start of a period
    /// (`grain_to_date`).
    Cumulative,
    /// The share of `base` rows followed by a `conversion` row of the same `entity` within
    /// `window`.
    Conversion,
}

/// One metric. Which keys apply depends on `type`.
#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricSpec {
    /// The metric's display name (default: the name).
    pub label: Option<Sp<String>>,
    /// What it means, in a sentence.
    pub description: Option<Sp<String>>,
    /// Where the definition comes from (a standard, a vendor's documentation).
    pub reference: Option<Sp<String>>,
    /// simple (default) | ratio | derived | cumulative | conversion.
    #[serde(rename = "type")]
    pub kind: Option<Sp<MetricType>>,
    /// simple, cumulative: the measure aggregated.
    #[schemars(with = "Option<MeasureForm>")]
    pub measure: Option<Sp<MeasureRefSpec>>,
    /// simple, cumulative: conditions on the measure's rows (all must hold).
    #[serde(default)]
    pub filter: Vec<Sp<FilterSpec>>,
    /// ratio: the metric divided.
    pub numerator: Option<Sp<String>>,
    /// ratio: the metric divided by.
    pub denominator: Option<Sp<String>>,
    /// derived: an arithmetic expression over other metrics' names, e.g.
    /// `(revenue - cogs) / revenue`.
    pub expr: Option<Sp<String>>,
    /// cumulative: restart the accumulation each `month`, `quarter` or `year` (default: all
    /// earlier time).
    pub grain_to_date: Option<Sp<String>>,
    /// conversion: the rows that may convert.
    #[schemars(with = "Option<MeasureForm>")]
    pub base: Option<Sp<MeasureRefSpec>>,
    /// conversion: the rows that are conversions.
    #[schemars(with = "Option<MeasureForm>")]
    pub conversion: Option<Sp<MeasureRefSpec>>,
    /// conversion: the dimension both tables reference, whose member must be the same.
    pub entity: Option<Sp<String>>,
    /// conversion: how long after a base row a conversion counts, e.g. `7 days`.
    pub window: Option<Sp<String>>,
    /// Breakdowns: view name → the column to group by (`column` of the measure's table or
    /// `dim_x.column` of a dimension it references).
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub by: Vec<(Sp<String>, Sp<String>)>,
}

/// A measure: an aggregation of an expression over a mart table's rows. Written as
/// `table.column` (a sum) or as a mapping.
#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasureRefSpec {
    /// The mart table (a fact or an entity dimension).
    pub table: Sp<String>,
    /// An expression over the table's columns: names, numbers, `+ - * /`, parentheses,
    /// comparisons, `case … end` and `days_between(a, b)`.
    pub expr: Sp<String>,
    /// sum (default) | count | count_distinct | average | min | max.
    pub agg: Option<Sp<String>>,
    /// The date or timestamp column the measure is counted at (default: the table's first
    /// date dimension key, or its first date or timestamp column).
    pub time: Option<Sp<String>>,
    /// A balance (a stock, not a flow): a period's value is the rows at the period's last
    /// time with rows, not their sum over the period (semi-additive over time).
    pub balance: Option<Sp<bool>>,
}

/// A measure as written: `table.column` (its sum) or a mapping.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum MeasureForm {
    Column(String),
    Measure(MeasureRefSpec),
}

/// A condition on a measure's rows: the column's value is (not) one of the values.
#[derive(Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FilterSpec {
    /// A column of the measure's table, or `dim_x.column` of a dimension it references.
    pub column: Sp<String>,
    /// The values kept.
    #[serde(rename = "in")]
    #[schemars(with = "Option<Vec<Scalar>>")]
    pub is_in: Vec<Sp<Scalar>>,
    /// The values left out.
    #[schemars(with = "Option<Vec<Scalar>>")]
    pub not_in: Vec<Sp<Scalar>>,
}

/// Any spec file: a domain (`domain:`), a marts file (`marts:`) or a metrics file
/// (`metrics:`). Only the JSON Schema uses it; the loader tells them apart by their first keys.
#[derive(JsonSchema)]
#[serde(untagged)]
#[schemars(title = "lab spec")]
#[allow(dead_code, clippy::large_enum_variant)]
pub enum SpecDocument {
    Domain(DomainSpec),
    Marts(MartsSpec),
    Metrics(MetricsSpec),
}
