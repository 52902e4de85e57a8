//! The analytics half of the dbt project: the model files of the spec directory's
//! `analytics/` folder (`ir.analytics`), written to `dbt/models/analytics/` as they are, after a
//! first comment line saying where they come from. The engine knows nothing of what they
//! compute — attribution, segments, machine-learning baselines are the enterprise's, like its
//! specs; their tables land at `<lake>/curated/analytics/<table>/` by the gold layer's
//! materialisation macro (`marts_config`).

use crate::emit::Artifact;
use crate::ir::Ir;

/// The folder of the analytics models in the output.
pub const DIR: &str = "dbt/models/analytics";

/// Every analytics model file, under [`DIR`] (none when the specs have no `analytics/`).
pub fn files(ir: &Ir) -> Vec<Artifact> {
    ir.analytics
        .iter()
        .map(|f| {
            let mark = if f.name.ends_with(".sql") { "--" } else { "#" };
            Artifact::new(
                format!("{DIR}/{}", f.name),
                format!(
                    "{mark} Copied by lab from the specs' analytics/{}; do not edit.\n{}",
                    f.name, f.text
                ),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::ModelFile;

    const SPEC: &str = "domain: d\nentities:\n  things:\n    rows: 3\n    primary_key: id\n    attributes:\n      id: { type: int64, key: sequence }\n";

    #[test]
    fn model_files_are_copied_under_the_project_with_a_header() {
        let checked = crate::check_texts(&[("d.yaml", SPEC)]);
        let Some(mut ir) = checked.ir.clone() else {
            panic!("{}", checked.render(false));
        };
        assert!(files(&ir).is_empty(), "no analytics folder, no files");
        ir.analytics = vec![
            ModelFile {
                name: "a.sql".into(),
                text: "select 1\n".into(),
            },
            ModelFile {
                name: "b.py".into(),
                text: "def model(dbt, session):\n".into(),
            },
        ];
        let out = files(&ir);
        assert_eq!(out[0].path, "dbt/models/analytics/a.sql");
        assert!(
            out[0]
                .contents
                .starts_with("-- Copied by lab from the specs' analytics/a.sql"),
            "{}",
            out[0].contents
        );
        assert!(out[0].contents.ends_with("\nselect 1\n"));
        assert!(out[1].contents.starts_with("# Copied by lab"));
    }
}
