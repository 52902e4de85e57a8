//! The spec stage: reads `specs/*.yaml` into span-carrying ASTs. `load` is the stage's one
//! public transition; IO problems (unreadable, too large, not UTF-8, empty, no specs at all)
//! are diagnostics like any other, so the CLI prints them the same way.

pub mod ast;
pub mod lower;
pub mod marts;
pub mod metrics;
pub mod nest;
pub mod system;
pub mod yaml;

use crate::codes;
use crate::diagnostics::{Diagnostic, SourceMap, Span};
use std::path::{Path, PathBuf};

/// Spec files larger than this are refused before they are read: real specs are a few
/// hundred kilobytes at most, and the limit keeps memory and time bounded.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Every spec file that loaded, plus the sources (for diagnostics and the manifest's hash).
#[derive(Debug, Default)]
pub struct Specs {
    pub sources: SourceMap,
    pub files: Vec<SpecFile>,
    /// The marts files (`marts:` documents), in name order.
    pub marts: Vec<MartsFile>,
    /// The metrics files (`metrics:` documents), in name order.
    pub metrics: Vec<MetricsFile>,
    /// The analytics models of the spec directory's `analytics/` folder, in name order.
    pub analytics: Vec<ModelFile>,
}

/// The folder beside the specs whose dbt models (`*.sql`, `*.py`, `*.yml`) `lab compile`
/// copies into the dbt project's `models/analytics/`: the analytics written over the gold
/// layer for one enterprise, which belong with its specs rather than in the engine.
pub const ANALYTICS_DIR: &str = "analytics";

/// One file of [`ANALYTICS_DIR`]: its file name and text.
#[derive(Clone, Debug)]
pub struct ModelFile {
    pub name: String,
    pub text: String,
}

/// A loaded metrics file.
#[derive(Debug)]
pub struct MetricsFile {
    pub path: PathBuf,
    pub file: crate::diagnostics::FileId,
    pub spec: ast::MetricsSpec,
}

/// A loaded marts file.
#[derive(Debug)]
pub struct MartsFile {
    pub path: PathBuf,
    pub file: crate::diagnostics::FileId,
    pub spec: ast::MartsSpec,
}

#[derive(Debug)]
pub struct SpecFile {
    pub path: PathBuf,
    /// File stem, e.g. `ecommerce` for `specs/ecommerce.yaml`.
    pub stem: String,
    pub file: crate::diagnostics::FileId,
    pub spec: ast::DomainSpec,
}

/// Lists the `*.yaml` / `*.yml` files of a spec directory, sorted by name.
pub fn spec_paths(dir: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    let rd = std::fs::read_dir(dir).map_err(|e| {
        Diagnostic::error(
            codes::IO,
            None,
            format!("cannot read spec directory `{}`: {e}", dir.display()),
        )
        .with_help("pass the directory that holds the domain specs with `--specs DIR`")
    })?;
    let mut paths: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        // Every `*.yaml` entry counts, whatever it is: a directory, a FIFO or a broken link
        // with a spec's name is reported by `load_file`, not skipped.
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(Diagnostic::error(
            codes::NO_SPECS,
            None,
            format!("no spec files (`*.yaml`) in `{}`", dir.display()),
        )
        .with_help("write one `<domain>.yaml` per domain; see docs/spec-reference.md"));
    }
    Ok(paths)
}

/// Loads every spec in `dir`. Never fails as a whole: each problem is a diagnostic, and the
/// files that loaded are returned so later stages can check them too.
pub fn load(dir: &Path, diags: &mut Vec<Diagnostic>) -> Specs {
    let mut specs = Specs::default();
    let paths = match spec_paths(dir) {
        Ok(p) => p,
        Err(d) => {
            diags.push(d);
            return specs;
        }
    };
    for path in paths {
        load_file(&path, &mut specs, diags);
    }
    load_analytics(dir, &mut specs, diags);
    if specs.files.is_empty()
        && (!specs.marts.is_empty() || !specs.metrics.is_empty())
        && !diags.iter().any(|d| d.is_error())
    {
        diags.push(
            Diagnostic::error(
                codes::NO_SPECS,
                None,
                format!("`{}` holds marts but no domain spec", dir.display()),
            )
            .with_help("marts are built over the domains' entities: add the domain specs beside the marts file"),
        );
    }
    specs
}

/// Reads the model files of `<dir>/analytics/` (`*.sql`, `*.py`, `*.yml`) in name order; a spec
/// directory without the folder has no analytics, and other files in it are left alone. A file
/// that cannot be read, is too large, is not UTF-8 or whose name is not a dbt-safe file name
/// (ASCII letters, digits, `_` and `.`) is a diagnostic.
fn load_analytics(dir: &Path, specs: &mut Specs, diags: &mut Vec<Diagnostic>) {
    let folder = dir.join(ANALYTICS_DIR);
    if !folder.is_dir() {
        return;
    }
    let shown = display_path(&clean_path(&folder));
    let entries = match std::fs::read_dir(&folder) {
        Ok(rd) => rd,
        Err(e) => {
            diags.push(Diagnostic::error(
                codes::IO,
                None,
                format!("cannot read `{shown}`: {e}"),
            ));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("sql" | "py" | "yml")
            )
        })
        .collect();
    paths.sort();
    for path in paths {
        let name = display_path(&clean_path(&path));
        let file = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if file.is_empty()
            || !file
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            diags.push(
                Diagnostic::error(
                    codes::IO,
                    None,
                    format!("`{name}`: not a dbt model file name"),
                )
                .with_help("name analytics models with ASCII letters, digits, `_` and `.` only"),
            );
            continue;
        }
        match read_model(&path) {
            Ok(text) => specs.analytics.push(ModelFile {
                name: file.to_string(),
                text,
            }),
            Err((code, why)) => {
                diags.push(Diagnostic::error(code, None, format!("`{name}`: {why}")))
            }
        }
    }
}

/// The text of one analytics model file, or the diagnostic code and reason it cannot be read.
fn read_model(path: &Path) -> Result<String, (&'static str, String)> {
    let meta = std::fs::metadata(path).map_err(|e| (codes::IO, e.to_string()))?;
    if !meta.is_file() {
        return Err((codes::IO, "not a regular file".into()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err((
            codes::TOO_LARGE,
            format!(
                "{} bytes; model files are limited to {MAX_FILE_BYTES} bytes",
                meta.len()
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| (codes::IO, e.to_string()))?;
    String::from_utf8(bytes).map_err(|_| (codes::NOT_UTF8, "not valid UTF-8".into()))
}

fn display_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// The lexically cleaned form of a path, so that `specs/x.yaml`, `./specs/x.yaml` and
/// `specs/../specs/x.yaml` are recorded (and written into documents) the same way: `.`
/// components are dropped and `name/..` pairs collapse. Relative paths stay relative; a
/// leading `..` is kept.
pub fn clean_path(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                // `/..` is `/`.
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            _ => out.push(c),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

/// Loads specs from in-memory texts, as if they were files with these names (for tests,
/// fuzzing and tools that hold specs in memory).
pub fn load_texts(files: &[(&str, &str)], diags: &mut Vec<Diagnostic>) -> Specs {
    let mut specs = Specs::default();
    for (name, text) in files {
        load_text(Path::new(name), text.to_string(), &mut specs, diags);
    }
    specs
}

/// Loads one file into `specs`, under its cleaned path (see [`clean_path`]).
pub fn load_file(path: &Path, specs: &mut Specs, diags: &mut Vec<Diagnostic>) {
    let path = &clean_path(path);
    let name = display_path(path);
    let io_err = |e: std::io::Error| {
        Diagnostic::error(codes::IO, None, format!("cannot read `{name}`: {e}"))
    };
    match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_FILE_BYTES => {
            diags.push(
                Diagnostic::error(
                    codes::TOO_LARGE,
                    None,
                    format!("`{name}` is {} bytes; spec files are limited to {} bytes", m.len(), MAX_FILE_BYTES),
                )
                .with_help("a spec describes a schema, not data: split it by domain or use distributions instead of listing values"),
            );
            return;
        }
        Ok(m) if !m.is_file() => {
            let kind = if m.is_dir() {
                "a directory"
            } else {
                "a FIFO, socket or device"
            };
            diags.push(
                Diagnostic::error(
                    codes::IO,
                    None,
                    format!("`{name}` is {kind}, not a spec file"),
                )
                .with_help(
                    "every `*.yaml` in the spec directory is read as a spec: rename or remove it",
                ),
            );
            return;
        }
        Ok(_) => {}
        Err(e) => {
            let broken_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_symlink());
            diags.push(if broken_link {
                Diagnostic::error(
                    codes::IO,
                    None,
                    format!("`{name}` is a symbolic link to a file that cannot be read: {e}"),
                )
                .with_help("every `*.yaml` in the spec directory is read as a spec: fix the link or remove it")
            } else {
                io_err(e)
            });
            return;
        }
    }
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            diags.push(io_err(e));
            return;
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let prefix = String::from_utf8_lossy(valid);
            let line = prefix.matches('\n').count() as u32 + 1;
            let col = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
            let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let file = specs.sources.add(name.clone(), lossy);
            diags.push(
                Diagnostic::error(
                    codes::NOT_UTF8,
                    Some(Span::new(file, line, col, 1)),
                    format!("`{name}` is not valid UTF-8"),
                )
                .with_help("save the spec as UTF-8"),
            );
            return;
        }
    };
    load_text(path, text, specs, diags);
}

fn load_text(path: &Path, text: String, specs: &mut Specs, diags: &mut Vec<Diagnostic>) {
    let name = display_path(path);
    if text.len() as u64 > MAX_FILE_BYTES {
        diags.push(Diagnostic::error(
            codes::TOO_LARGE,
            None,
            format!("`{name}` is larger than {MAX_FILE_BYTES} bytes"),
        ));
        return;
    }
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text);
    let file = specs.sources.add(name.clone(), text);
    let src = specs.sources.text(file).to_string();
    if src.trim().is_empty()
        || src
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        diags.push(
            Diagnostic::error(
                codes::EMPTY,
                Some(Span::new(file, 1, 1, 1)),
                format!("`{name}` holds no spec"),
            )
            .with_help("a spec starts with `domain: <name>` and an `entities:` mapping"),
        );
        return;
    }
    let mut local = Vec::new();
    let root = yaml::parse(file, &src, &mut local);
    let fatal = local
        .iter()
        .any(|d| d.is_error() && d.code != codes::DUPLICATE_KEY);
    diags.append(&mut local);
    let Some(root) = root else { return };
    if fatal {
        return;
    }
    if metrics::is_metrics(&root) {
        if let Some(spec) = metrics::lower_metrics(&root, diags) {
            specs.metrics.push(MetricsFile {
                path: path.to_path_buf(),
                file,
                spec,
            });
        }
        return;
    }
    if marts::is_marts(&root) {
        if let Some(spec) = marts::lower_marts(&root, diags) {
            specs.marts.push(MartsFile {
                path: path.to_path_buf(),
                file,
                spec,
            });
        }
        return;
    }
    if let Some(spec) = lower::lower(&root, diags) {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        specs.files.push(SpecFile {
            path: path.to_path_buf(),
            stem,
            file,
            spec,
        });
    }
}

/// The JSON Schema of a spec file, a domain, a marts or a metrics file (draft-07, which
/// yaml-language-server understands).
pub fn json_schema() -> String {
    let settings = schemars::generate::SchemaSettings::draft07();
    let mut schema = settings
        .into_generator()
        .into_root_schema_for::<ast::SpecDocument>();
    schema.insert(
        "$id".into(),
        "https://lab.invalid/schema/lab-spec.schema.json".into(),
    );
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::clean_path;
    use std::path::Path;

    #[test]
    fn analytics_models_load_in_name_order_and_bad_names_are_refused() {
        let dir = std::env::temp_dir().join(format!("lab-spec-analytics-{}", std::process::id()));
        let models = dir.join(super::ANALYTICS_DIR);
        std::fs::create_dir_all(&models).expect("mkdir");
        std::fs::write(
            dir.join("d.yaml"),
            "domain: d\nentities:\n  t:\n    rows: 1\n    primary_key: id\n    attributes:\n      id: { type: int64, key: sequence }\n",
        )
        .expect("write spec");
        std::fs::write(models.join("b.py"), "def model(dbt, session):\n").expect("write");
        std::fs::write(models.join("a.sql"), "select 1\n").expect("write");
        std::fs::write(models.join("notes.md"), "ignored\n").expect("write");
        let mut diags = Vec::new();
        let specs = super::load(&dir, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        let names: Vec<&str> = specs.analytics.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["a.sql", "b.py"]);
        assert_eq!(specs.analytics[0].text, "select 1\n");
        std::fs::write(models.join("bad name.sql"), "select 2\n").expect("write");
        let mut diags = Vec::new();
        let specs = super::load(&dir, &mut diags);
        assert_eq!(specs.analytics.len(), 2);
        assert!(
            diags
                .iter()
                .any(|d| d.message.contains("not a dbt model file name")),
            "{diags:?}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn paths_are_cleaned_lexically() {
        for (given, want) in [
            ("specs/a.yaml", "specs/a.yaml"),
            ("./specs/a.yaml", "specs/a.yaml"),
            ("specs/./a.yaml", "specs/a.yaml"),
            ("specs/x/../a.yaml", "specs/a.yaml"),
            ("../specs/a.yaml", "../specs/a.yaml"),
            ("/tmp/../specs/a.yaml", "/specs/a.yaml"),
            ("/../a.yaml", "/a.yaml"),
            (".", "."),
            ("x/..", "."),
        ] {
            assert_eq!(clean_path(Path::new(given)), Path::new(want), "{given}");
        }
    }
}
