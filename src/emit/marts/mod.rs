//! The gold layer's documents, from the resolved marts (`ir.marts`): the dbt project's mart
//! models, their tests and the truth sources they are reconciled with ([`dbt`]). Pure IR →
//! text, like every emitter.

pub mod dbt;

use crate::ir::Ir;

/// Quotes a text as a YAML double-quoted scalar (JSON's string syntax, which YAML reads), and
/// breaks up the `{{`, `{%` and `{#` that dbt would render as Jinja.
pub fn yaml_string(text: &str) -> String {
    let safe = text
        .replace("{{", "{ {")
        .replace("{%", "{ %")
        .replace("{#", "{ #");
    serde_json::to_string(&safe).unwrap_or_else(|_| "\"\"".into())
}

/// The silver model of an entity: `int_<domain>__<entity>`.
pub fn silver_model(ir: &Ir, entity: usize) -> String {
    let e = &ir.entities[entity];
    format!("int_{}__{}", ir.domains[e.domain].name, e.name)
}

/// The dbt source of an entity's truth: `truth_<domain>` (one per Glue database
/// `<domain>_truth`).
pub fn truth_source(ir: &Ir, entity: usize) -> (String, String) {
    let e = &ir.entities[entity];
    (
        format!("truth_{}", ir.domains[e.domain].name),
        e.name.clone(),
    )
}

/// A SQL identifier: as it is, or quoted through the adapter when it is a reserved word.
pub fn ident(name: &str) -> String {
    if crate::resolve::reserved::is_reserved(name) {
        format!("{{{{ adapter.quote('{name}') }}}}")
    } else {
        name.to_string()
    }
}
