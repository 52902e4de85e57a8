//! The catalogue of diagnostic codes. Every diagnostic `lab` can print has a code here, with a
//! one-line title; `docs/diagnostics.md` is generated from this table and the test corpus under
//! `tests/data/invalid/` must exercise every code (a test enforces that).

/// (code, title) for every diagnostic.
pub const ALL: &[(&str, &str)] = &[
    (IO, "a spec file or directory could not be read"),
    (NO_SPECS, "the spec directory holds no `*.yaml` spec"),
    (TOO_LARGE, "a spec file is larger than the loader accepts"),
    (NOT_UTF8, "a spec file is not valid UTF-8"),
    (EMPTY, "a spec file holds no document"),
    (YAML_SYNTAX, "YAML syntax error"),
    (
        ALIAS_BUDGET,
        "YAML aliases expand to too many nodes (alias bomb)",
    ),
    (TOO_DEEP, "YAML nesting is too deep"),
    (DUPLICATE_KEY, "a mapping repeats a key"),
    (
        UNSUPPORTED_YAML,
        "a YAML feature the spec language does not use (tags, multiple documents, complex keys)",
    ),
    (UNKNOWN_KEY, "unknown key"),
    (MISSING_KEY, "a required key is missing"),
    (
        WRONG_SHAPE,
        "a value has the wrong shape (mapping, list or scalar)",
    ),
    (INVALID_VALUE, "a value is not valid for its key"),
    (CONFLICT, "keys that cannot be used together"),
    (
        BAD_IDENT,
        "a name is not a valid identifier `[a-z][a-z0-9_]*`",
    ),
    (
        DUPLICATE_NAME,
        "a domain, entity or attribute name is defined twice",
    ),
    (UNKNOWN_ENTITY, "reference to an entity that does not exist"),
    (
        UNKNOWN_ATTRIBUTE,
        "reference to an attribute that does not exist",
    ),
    (AMBIGUOUS, "a name refers to more than one thing"),
    (
        KEY_TYPE_MISMATCH,
        "a foreign key's type differs from the referenced key's type",
    ),
    (
        BAD_KEY,
        "a primary key, unique constraint or key-based reference is not valid",
    ),
    (
        FK_CYCLE,
        "foreign keys form a cycle that cannot be generated",
    ),
    (DEP_CYCLE, "attributes depend on each other in a cycle"),
    (
        BAD_SELF_REF,
        "a self-reference without a declared hierarchy",
    ),
    (EXPR_SYNTAX, "expression syntax error"),
    (EXPR_TYPE, "expression operand types do not fit"),
    (UNKNOWN_FUNCTION, "unknown expression function"),
    (ARITY, "wrong number of function arguments"),
    (
        NOT_ASSIGNABLE,
        "a value's type does not fit the attribute's type",
    ),
    (BAD_DIST, "invalid distribution parameter"),
    (
        BAD_WEIGHTS,
        "invalid weights (negative, or summing to zero)",
    ),
    (BAD_RANGE, "a range whose minimum exceeds its maximum"),
    (BAD_RATE, "a rate or probability outside [0, 1]"),
    (
        INFEASIBLE_UNIQUE,
        "uniqueness is impossible for the row count",
    ),
    (
        UNIQUE_NOT_CONSTRUCTIBLE,
        "uniqueness cannot be guaranteed by construction for this generator",
    ),
    (
        GENERATOR_TYPE,
        "a generator that does not produce the attribute's type",
    ),
    (
        BAD_ROLLUP,
        "a rollup over something that is not a child entity",
    ),
    (
        BAD_PARENT,
        "an invalid `per` parent or children-per-parent count",
    ),
    (
        BAD_SEASONALITY,
        "a seasonality profile of the wrong length or with invalid weights",
    ),
    (BAD_FORMAT, "an invalid key format string"),
    (BAD_TYPE, "an unknown or out-of-range type"),
    (BAD_PARTITION, "an invalid partitioning declaration"),
    (
        TOO_MANY_ROWS,
        "an entity or a children-per-parent count with more than 2^40 rows",
    ),
    (
        EMPTY_GROUP,
        "a `match` pick can meet a value that no referenced row has",
    ),
    (
        CHAIN_TOO_DEEP,
        "a chain of attribute dependencies or `per` parents too long to generate",
    ),
    (
        BAD_EXPORT,
        "an invalid source-system export setting (format, dialect, style word, offset)",
    ),
    (
        EXPORT_STYLE_TYPE,
        "an export style, vocabulary or batch that does not fit its attribute",
    ),
    (
        EXPORT_COLLISION,
        "one system exports two entities of the same name",
    ),
    (
        BAD_MESS,
        "a defect, duplicate, orphan or late-arrival declaration that cannot apply",
    ),
    (
        BAD_TIME,
        "an invalid `time` declaration (creation date, known dates)",
    ),
    (
        BAD_NEST,
        "an invalid nested export field (member, key, shape or type)",
    ),
    (NESTED_TWICE, "an exported column nested twice"),
    (
        NEST_KEY_COLLISION,
        "a nested export key that collides with another",
    ),
    (
        NEST_FORMAT,
        "nested export fields in a format that cannot hold them",
    ),
    (
        BAD_DRIFT,
        "a schema drift that cannot apply (no batches, not a text export, a bad date, column or order)",
    ),
    (
        DRIFT_NAME_COLLISION,
        "a drift renames a column to a name the table already has",
    ),
    (
        DRIFT_STYLE_TYPE,
        "a drift retypes a column to a style that does not fit its type or changes nothing",
    ),
    (
        BAD_CHANGE,
        "a mutable attribute (`time.changes`) that cannot change so",
    ),
    (
        BAD_DELETE,
        "a delete declaration (`time.deleted`) that cannot apply",
    ),
    (
        BAD_DELIVERY,
        "a delivery of the increments (`time.increments`) with a rate outside [0, 1] or a bad number of days",
    ),
    (
        MART_UNKNOWN_DIMENSION,
        "a fact references a dimension no mart declares",
    ),
    (
        MART_GRAIN,
        "a fact's grain does not identify the rows of its source",
    ),
    (MART_MEASURE_TYPE, "a measure is not numeric"),
    (
        MART_KEY_NOT_UNIQUE,
        "a dimension's key, or the attribute a conformed entity joins on, is not unique",
    ),
    (MART_SCD2, "SCD type 2 needs a source whose rows change"),
    (
        MART_JOIN,
        "a fact or dimension uses an entity its rows do not reference",
    ),
    (
        MART_BAD_DIMENSION,
        "a dimension is not valid (source and key, or calendar bounds)",
    ),
    (
        MART_COLUMN_CLASH,
        "two columns of a gold table have the same name",
    ),
    (
        METRIC_UNKNOWN,
        "a metric names a metric that is not declared, or itself",
    ),
    (
        METRIC_UNKNOWN_COLUMN,
        "a metric names a mart table or column that does not exist",
    ),
    (
        METRIC_TYPE,
        "a measure's aggregation or a filter's value does not fit the column's type",
    ),
    (
        METRIC_INCOMPATIBLE,
        "a metric combines things that cannot be combined (a ratio or breakdown its inputs do not share, a conversion without a common entity)",
    ),
    (
        METRIC_NO_TIME,
        "a metric has no time dimension to be counted at",
    ),
    (METRIC_EXPR, "a metric's expression is not valid"),
    (
        METRIC_NAME_CLASH,
        "a metric's name clashes with a name of the semantic layer",
    ),
    (
        RESERVED_WORD,
        "a name that is a reserved word in Athena (warning)",
    ),
    (
        FILE_DOMAIN_MISMATCH,
        "a spec file whose name differs from its domain (warning)",
    ),
    (
        JOINT_UNIFORM,
        "a jointly generated unique constraint ignores its attributes' weights (warning)",
    ),
];

pub const IO: &str = "E0001";
pub const NO_SPECS: &str = "E0002";
pub const TOO_LARGE: &str = "E0003";
pub const NOT_UTF8: &str = "E0004";
pub const EMPTY: &str = "E0005";
pub const YAML_SYNTAX: &str = "E0100";
pub const ALIAS_BUDGET: &str = "E0101";
pub const TOO_DEEP: &str = "E0102";
pub const DUPLICATE_KEY: &str = "E0103";
pub const UNSUPPORTED_YAML: &str = "E0104";
pub const UNKNOWN_KEY: &str = "E0200";
pub const MISSING_KEY: &str = "E0201";
pub const WRONG_SHAPE: &str = "E0202";
pub const INVALID_VALUE: &str = "E0203";
pub const CONFLICT: &str = "E0204";
pub const BAD_IDENT: &str = "E0300";
pub const DUPLICATE_NAME: &str = "E0301";
pub const UNKNOWN_ENTITY: &str = "E0302";
pub const UNKNOWN_ATTRIBUTE: &str = "E0303";
pub const AMBIGUOUS: &str = "E0304";
pub const KEY_TYPE_MISMATCH: &str = "E0305";
pub const BAD_KEY: &str = "E0306";
pub const FK_CYCLE: &str = "E0400";
pub const DEP_CYCLE: &str = "E0401";
pub const BAD_SELF_REF: &str = "E0402";
pub const EXPR_SYNTAX: &str = "E0500";
pub const EXPR_TYPE: &str = "E0501";
pub const UNKNOWN_FUNCTION: &str = "E0502";
pub const ARITY: &str = "E0503";
pub const NOT_ASSIGNABLE: &str = "E0504";
pub const BAD_DIST: &str = "E0600";
pub const BAD_WEIGHTS: &str = "E0601";
pub const BAD_RANGE: &str = "E0602";
pub const BAD_RATE: &str = "E0603";
pub const INFEASIBLE_UNIQUE: &str = "E0604";
pub const UNIQUE_NOT_CONSTRUCTIBLE: &str = "E0605";
pub const GENERATOR_TYPE: &str = "E0606";
pub const BAD_ROLLUP: &str = "E0607";
pub const BAD_PARENT: &str = "E0608";
pub const BAD_SEASONALITY: &str = "E0609";
pub const BAD_FORMAT: &str = "E0610";
pub const BAD_TYPE: &str = "E0611";
pub const BAD_PARTITION: &str = "E0612";
pub const TOO_MANY_ROWS: &str = "E0613";
pub const EMPTY_GROUP: &str = "E0614";
pub const CHAIN_TOO_DEEP: &str = "E0615";
pub const BAD_EXPORT: &str = "E0616";
pub const EXPORT_STYLE_TYPE: &str = "E0617";
pub const EXPORT_COLLISION: &str = "E0618";
pub const BAD_MESS: &str = "E0619";
pub const BAD_TIME: &str = "E0620";
pub const BAD_NEST: &str = "E0630";
pub const NESTED_TWICE: &str = "E0631";
pub const NEST_KEY_COLLISION: &str = "E0632";
pub const NEST_FORMAT: &str = "E0633";
pub const BAD_DRIFT: &str = "E0634";
pub const DRIFT_NAME_COLLISION: &str = "E0635";
pub const DRIFT_STYLE_TYPE: &str = "E0636";
pub const BAD_CHANGE: &str = "E0637";
pub const BAD_DELETE: &str = "E0638";
pub const BAD_DELIVERY: &str = "E0639";
pub const MART_UNKNOWN_DIMENSION: &str = "E0900";
pub const MART_GRAIN: &str = "E0901";
pub const MART_MEASURE_TYPE: &str = "E0902";
pub const MART_KEY_NOT_UNIQUE: &str = "E0903";
pub const MART_SCD2: &str = "E0904";
pub const MART_JOIN: &str = "E0905";
pub const MART_BAD_DIMENSION: &str = "E0906";
pub const MART_COLUMN_CLASH: &str = "E0907";
pub const METRIC_UNKNOWN: &str = "E1000";
pub const METRIC_UNKNOWN_COLUMN: &str = "E1001";
pub const METRIC_TYPE: &str = "E1002";
pub const METRIC_INCOMPATIBLE: &str = "E1003";
pub const METRIC_NO_TIME: &str = "E1004";
pub const METRIC_EXPR: &str = "E1005";
pub const METRIC_NAME_CLASH: &str = "E1006";
pub const RESERVED_WORD: &str = "W0700";
pub const FILE_DOMAIN_MISMATCH: &str = "W0701";
pub const JOINT_UNIFORM: &str = "W0702";
pub const GENERATED_VALUE: &str = "E0800";

/// (code, title) for the diagnostics of `lab compile` that depend on the scale or on the
/// generated rows, so `lab check` cannot raise them (the invalid-spec corpus does not cover
/// them; the engine tests do).
pub const RUNTIME: &[(&str, &str)] = &[(
    GENERATED_VALUE,
    "a generated value cannot be stored (out of range, not finite, or too large)",
)];
