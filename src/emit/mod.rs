//! The emit stage: pure functions from the IR (plus row counts, and measured statistics when
//! data was generated) to text artifacts: the data dictionary, Mermaid and Graphviz ERDs,
//! Athena DDL and Glue TableInput documents. Emitters do no IO; the CLI writes the files.
//!
//! One model, many outputs: every emitter reads the same IR, and the pieces two emitters share
//! are computed once here or in a shared module, so the outputs cannot disagree. The physical
//! table (columns, Athena types, truncated comments, location, table properties) is built once
//! in [`table`] and printed by both [`athena`] and [`glue`]; the relationship graph (endpoints,
//! cardinalities, identifying or not) is built once in [`erd`] and drawn by both [`mermaid`] and
//! [`graphviz`], and the dictionary embeds the Mermaid text verbatim.

pub mod analytics;
pub mod athena;
pub mod dbt;
pub mod dictionary;
pub mod erd;
pub mod glue;
pub mod graphviz;
pub mod marts;
pub mod mermaid;
pub mod metrics;
pub mod report;
pub mod table;

use crate::ir::Ir;
use crate::profile::DataStats;

/// One emitted file: a path relative to the output directory, and its contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Artifact {
    pub path: String,
    pub contents: String,
}

impl Artifact {
    fn new(path: impl Into<String>, contents: impl Into<String>) -> Artifact {
        Artifact {
            path: path.into(),
            contents: contents.into(),
        }
    }
}

/// What the emitters need besides the IR.
#[derive(Clone, Debug)]
pub struct EmitOptions {
    /// S3 bucket for table locations (`s3://<bucket>/raw/<domain>/<entity>/`), followed by
    /// the lake's key prefix when the lake is written to S3 (`bucket/prefix/lake`).
    pub bucket: String,
    pub scale: f64,
    pub seed: u64,
    /// Exact row count of every entity at `scale`, indexed by entity id.
    pub rows: Vec<u64>,
    /// The Parquet codec of the lake's files (the tables' `parquet.compression` property).
    pub compression: crate::codec::Codec,
}

/// Why the emitters refused to produce output. These are checks of the inputs (options) and of
/// the emitters' own invariants (every diagram edge ends at a declared box); a valid IR with
/// valid options never fails.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmitError {
    pub problems: Vec<String>,
}

impl std::fmt::Display for EmitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot emit: {}", self.problems.join("; "))
    }
}

impl std::error::Error for EmitError {}

/// The JSON Schema of the spec language, as emitted into the output directory.
pub const SCHEMA_PATH: &str = "schema/lab-spec.schema.json";

/// Every spec-derived artifact, sorted by path (deterministic for given specs and options):
/// the JSON Schema, the data dictionary, Mermaid and Graphviz ERDs per domain and for the
/// enterprise, Athena DDL per domain and a Glue TableInput per entity.
pub fn emit_all(ir: &Ir, opts: &EmitOptions) -> Result<Vec<Artifact>, EmitError> {
    check_options(ir, opts)?;
    let graph = erd::Graph::new(ir);
    let mut out = vec![Artifact::new(SCHEMA_PATH, crate::spec::json_schema())];
    let mut problems = Vec::new();

    let mut domain_mermaid = Vec::with_capacity(ir.domains.len());
    for d in 0..ir.domains.len() {
        let name = &ir.domains[d].name;
        let view = graph.domain_view(ir, d);
        match (mermaid::render(ir, &view), graphviz::render(ir, &view)) {
            (Ok(mmd), Ok(dot)) => {
                out.push(Artifact::new(format!("erd/{name}.mmd"), mmd.clone()));
                out.push(Artifact::new(format!("erd/{name}.dot"), dot));
                domain_mermaid.push(mmd);
            }
            (a, b) => {
                problems.extend(a.err().into_iter().flatten());
                problems.extend(b.err().into_iter().flatten());
                domain_mermaid.push(String::new());
            }
        }
        out.push(Artifact::new(
            format!("ddl/athena/{name}.sql"),
            athena::render_domain(ir, opts, d),
        ));
        for &e in &ir.domains[d].entities {
            out.push(Artifact::new(
                format!("glue/{name}/{}.json", ir.entities[e].name),
                glue::render_table(ir, opts, e),
            ));
        }
        if let Some(sql) = athena::render_increments(ir, opts, d) {
            out.push(Artifact::new(
                format!("ddl/athena/increments/{name}.sql"),
                sql,
            ));
            for &e in &ir.domains[d].entities {
                if let Some(t) = table::increments_table(ir, opts, e) {
                    out.push(Artifact::new(
                        format!("glue/increments/{name}/{}.json", ir.entities[e].name),
                        glue::render(&t),
                    ));
                }
            }
        }
    }
    let mut systems: Vec<&str> = ir
        .entities
        .iter()
        .filter_map(|e| e.export.as_ref().map(|x| x.system.as_str()))
        .collect();
    systems.sort_unstable();
    systems.dedup();
    for system in systems {
        out.push(Artifact::new(
            format!("ddl/athena/raw/{system}.sql"),
            athena::render_system(ir, opts, system),
        ));
        if let Some(sql) = athena::render_system_increments(ir, opts, system) {
            out.push(Artifact::new(
                format!("ddl/athena/increments/raw/{system}.sql"),
                sql,
            ));
        }
    }
    for (e, ent) in ir.entities.iter().enumerate() {
        if let (Some(x), Some(t)) = (&ent.export, table::raw_increments_table(ir, opts, e)) {
            out.push(Artifact::new(
                format!("glue/increments/raw/{}/{}.json", x.system, ent.name),
                glue::render(&t),
            ));
        }
    }
    for (e, ent) in ir.entities.iter().enumerate() {
        if let (Some(x), Some(text)) = (&ent.export, glue::render_raw_table(ir, opts, e)) {
            out.push(Artifact::new(
                format!("glue/raw/{}/{}.json", x.system, ent.name),
                text,
            ));
        }
    }
    out.extend(answer_artifacts(ir, opts));
    out.extend(dbt::render(ir, opts));
    let view = graph.enterprise_view(ir);
    match (mermaid::render(ir, &view), graphviz::render(ir, &view)) {
        (Ok(mmd), Ok(dot)) => {
            out.push(Artifact::new("erd/enterprise.mmd", mmd));
            out.push(Artifact::new("erd/enterprise.dot", dot));
        }
        (a, b) => {
            problems.extend(a.err().into_iter().flatten());
            problems.extend(b.err().into_iter().flatten());
        }
    }
    if !problems.is_empty() {
        return Err(EmitError { problems });
    }
    out.extend(marts::dbt::files(ir));
    out.extend(analytics::files(ir));
    out.extend(marts::catalog_files(ir, opts));
    out.extend(marts::document_files(ir));
    out.extend(report::files(ir));
    out.extend(metrics::files(ir));
    let mut index = dictionary::index(ir, opts);
    if !ir.marts.marts.is_empty() {
        index.push_str(
            "\n## Star schemas\n\nThe gold layer's marts, with their facts and dimensions: [marts.md](marts.md).\n",
        );
    }
    out.push(Artifact::new("docs/index.md", index));
    for (d, mmd) in domain_mermaid.iter().enumerate() {
        out.push(Artifact::new(
            format!("docs/{}.md", ir.domains[d].name),
            dictionary::domain_page(ir, opts, &graph, d, mmd),
        ));
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    // A domain named like a fixed file (`index`, `enterprise`) would overwrite it.
    let clashes: Vec<String> = out
        .windows(2)
        .filter(|w| w[0].path == w[1].path)
        .map(|w| {
            format!(
                "two artifacts would be written to `{}`; rename the domain that produces it",
                w[0].path
            )
        })
        .collect();
    if !clashes.is_empty() {
        return Err(EmitError { problems: clashes });
    }
    Ok(out)
}

/// The answer keys' DDL and Glue tables: the full exports' (`ddl/athena/answers.sql`) and the
/// systems' deliveries of the increments' (`ddl/athena/increments/answers.sql`).
fn answer_artifacts(ir: &Ir, opts: &EmitOptions) -> Vec<Artifact> {
    let mut out = Vec::new();
    let answers = table::answer_tables(ir, opts);
    if !answers.is_empty() {
        out.push(Artifact::new(
            "ddl/athena/answers.sql",
            athena::render_answers(&answers),
        ));
        for t in &answers {
            out.push(Artifact::new(
                format!("glue/answers/{}.json", t.name),
                glue::render(t),
            ));
        }
    }
    let answers = table::increments_answer_tables(ir, opts);
    if let Some(sql) = athena::render_increments_answers(&answers) {
        out.push(Artifact::new("ddl/athena/increments/answers.sql", sql));
        for t in &answers {
            out.push(Artifact::new(
                format!("glue/increments/answers/{}.json", t.name),
                glue::render(t),
            ));
        }
    }
    out
}

/// The measured data profile: `docs/profile/index.md` and `docs/profile/<domain>.md`, from the
/// statistics the sink gathered while writing. Not committed (it depends on generated data).
pub fn profile(ir: &Ir, opts: &EmitOptions, stats: &DataStats) -> Vec<Artifact> {
    let mut out = vec![Artifact::new(
        "docs/profile/index.md",
        dictionary::profile_index(ir, opts, stats),
    )];
    for d in 0..ir.domains.len() {
        out.push(Artifact::new(
            format!("docs/profile/{}.md", ir.domains[d].name),
            dictionary::profile_page(ir, opts, stats, d),
        ));
    }
    out
}

fn check_options(ir: &Ir, opts: &EmitOptions) -> Result<(), EmitError> {
    let mut problems = Vec::new();
    if opts.rows.len() != ir.entities.len() {
        problems.push(format!(
            "row counts are given for {} entities, but the model has {}",
            opts.rows.len(),
            ir.entities.len()
        ));
    }
    // The bucket may carry the key prefix of a lake written to S3 (`bucket/prefix/lake`,
    // checked by `output::S3Location::parse`).
    if let Err(e) = check_bucket(opts.bucket.split('/').next().unwrap_or_default()) {
        problems.push(e);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(EmitError { problems })
    }
}

/// Prefixes S3 reserves: no general-purpose bucket name may start with them.
const RESERVED_BUCKET_PREFIXES: &[&str] = &["xn--", "sthree-", "amzn-s3-demo-"];

/// Suffixes S3 reserves for access point aliases, Object Lambda access points, Multi-Region
/// access points, directory buckets and table buckets.
const RESERVED_BUCKET_SUFFIXES: &[&str] = &["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

/// The S3 naming rules of general-purpose buckets: 3-63 characters of lower-case letters,
/// digits, `.` and `-`; a letter or digit first and last; no `..`, no dot next to a hyphen; not
/// formatted as an IP address; none of the reserved prefixes and suffixes. The bucket goes
/// into SQL string literals and JSON, so it is checked before use. The error names every rule
/// the name breaks.
pub fn check_bucket(bucket: &str) -> Result<(), String> {
    let mut broken: Vec<String> = Vec::new();
    let len = bucket.chars().count();
    if !(3..=63).contains(&len) {
        broken.push(format!("it must be 3 to 63 characters long, not {len}"));
    }
    let ok_char = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-';
    if let Some(c) = bucket.chars().find(|&c| !ok_char(c)) {
        broken.push(format!(
            "it may hold only lower-case letters, digits, `.` and `-`, not {c:?}"
        ));
    }
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !edge(bucket.chars().next()) || !edge(bucket.chars().last()) {
        broken.push("it must start and end with a lower-case letter or a digit".into());
    }
    if bucket.contains("..") {
        broken.push("it must not contain two adjacent dots".into());
    }
    if bucket.contains(".-") || bucket.contains("-.") {
        broken.push("it must not have a dot next to a hyphen".into());
    }
    let groups: Vec<&str> = bucket.split('.').collect();
    if groups.len() == 4
        && groups
            .iter()
            .all(|g| !g.is_empty() && g.chars().all(|c| c.is_ascii_digit()))
    {
        broken.push("it must not be formatted as an IP address".into());
    }
    for p in RESERVED_BUCKET_PREFIXES {
        if bucket.starts_with(p) {
            broken.push(format!("the prefix `{p}` is reserved by S3"));
        }
    }
    for s in RESERVED_BUCKET_SUFFIXES {
        if bucket.ends_with(s) {
            broken.push(format!("the suffix `{s}` is reserved by S3"));
        }
    }
    if broken.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a valid S3 bucket name: {}",
            bucket.escape_debug(),
            broken.join("; ")
        ))
    }
}

/// The longest prefix of `s` that is at most `max` bytes and ends on a char boundary.
pub fn truncate_bytes(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// `s` as one line (newlines and tabs become spaces, other control characters are dropped),
/// shortened to at most `max` bytes with a trailing `…` when it had to be cut.
pub fn one_line_within(s: &str, max: usize) -> String {
    let flat: String = s
        .chars()
        .filter_map(|c| match c {
            '\n' | '\r' | '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect();
    let flat = flat.trim().to_string();
    if flat.len() <= max {
        return flat;
    }
    const ELLIPSIS: &str = "…";
    let mut cut = truncate_bytes(&flat, max.saturating_sub(ELLIPSIS.len())).to_string();
    cut.push_str(ELLIPSIS);
    cut
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The scale as written on the command line (`1`, `0.05`).
pub fn fmt_scale(scale: f64) -> String {
    let s = format!("{scale}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_on_a_char_boundary() {
        // 'é' is two bytes: 127 of them are 254 bytes, and one more would be 256.
        let s = "é".repeat(200);
        let t = truncate_bytes(&s, 255);
        assert_eq!(t.len(), 254);
        assert_eq!(t.chars().count(), 127);
        // A 4-byte char straddling the limit is dropped whole.
        let s = format!("{}{}", "a".repeat(253), "😀");
        assert_eq!(truncate_bytes(&s, 255), "a".repeat(253));
        assert_eq!(truncate_bytes("short", 255), "short");
    }

    #[test]
    fn one_line_marks_the_cut() {
        let s = format!("line one\nline two {}", "ü".repeat(300));
        let t = one_line_within(&s, 255);
        assert!(t.len() <= 255, "{} bytes", t.len());
        assert!(t.starts_with("line one line two "));
        assert!(t.ends_with('…'));
        assert_eq!(one_line_within("  a\tb ", 255), "a b");
    }

    #[test]
    fn bucket_names_follow_every_s3_rule() {
        // (name, the rule it breaks, or None when valid).
        let long = "a".repeat(64);
        let cases: &[(&str, Option<&str>)] = &[
            ("lab-lake", None),
            ("abc", None),
            ("my.data-lake.2024", None),
            ("1st-bucket", None),
            (&long[..63], None),
            ("192.168.5", None),
            ("xn-bucket", None),
            ("bucket-s3", None),
            ("ab", Some("3 to 63 characters long, not 2")),
            (long.as_str(), Some("3 to 63 characters long, not 64")),
            ("Upper", Some("not 'U'")),
            ("x'y", Some("not '\\''")),
            ("under_score", Some("not '_'")),
            ("-lake", Some("start and end with")),
            ("lake.", Some("start and end with")),
            ("my..lake", Some("two adjacent dots")),
            ("my-.lake", Some("dot next to a hyphen")),
            ("my.-lake", Some("dot next to a hyphen")),
            ("192.168.5.4", Some("IP address")),
            ("10.0.0.255", Some("IP address")),
            ("xn--lake", Some("prefix `xn--`")),
            ("sthree-lake", Some("prefix `sthree-`")),
            ("sthree-configurator", Some("prefix `sthree-`")),
            ("amzn-s3-demo-lake", Some("prefix `amzn-s3-demo-`")),
            ("lake-s3alias", Some("suffix `-s3alias`")),
            ("lake--ol-s3", Some("suffix `--ol-s3`")),
            ("lake.mrap", Some("suffix `.mrap`")),
            ("lake--x-s3", Some("suffix `--x-s3`")),
            ("lake--table-s3", Some("suffix `--table-s3`")),
        ];
        for (name, rule) in cases {
            match (check_bucket(name), rule) {
                (Ok(()), None) => {}
                (Err(e), Some(r)) => {
                    assert!(
                        e.contains(r),
                        "`{name}`: expected a message with {r:?}, got {e}"
                    );
                    assert!(e.contains("is not a valid S3 bucket name"), "{e}");
                }
                (got, want) => panic!("`{name}`: got {got:?}, expected a failure: {want:?}"),
            }
        }
        // Every broken rule is named, not only the first.
        let e = check_bucket("-A..").unwrap_err();
        for r in ["start and end", "two adjacent dots", "not 'A'"] {
            assert!(e.contains(r), "{e}");
        }
    }

    #[test]
    fn numbers_and_scales() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(12), "12");
        assert_eq!(fmt_scale(1.0), "1");
        assert_eq!(fmt_scale(0.05), "0.05");
    }
}
