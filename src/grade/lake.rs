//! The lake `lab score` grades against: its manifest (where every truth and raw file is), the
//! specs it was compiled from (the styles each system writes), and the answer key under
//! `truth/_answers/` (the crosswalk of record keys to golden keys and the log of planted
//! cell defects; see `docs/scoring.md`).

use super::read::{self, Table, texts};
use crate::ir::export::{Export, ExportFormat};
use crate::ir::{Entity, Ir};
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
struct Manifest {
    specs_sha256: String,
    entities: Vec<ManifestEntity>,
}

#[derive(Deserialize)]
struct ManifestEntity {
    domain: String,
    entity: String,
    files: Vec<ManifestFile>,
}

#[derive(Deserialize)]
struct ManifestFile {
    path: String,
    format: String,
    #[serde(default)]
    layer: Option<String>,
}

/// One row of the crosswalk.
pub struct Link {
    pub system: String,
    pub entity: String,
    pub record_key: String,
    /// The entity of the golden record (`domain.entity`): the exported entity itself, or the
    /// one its `identity` names (a record of another system's entity).
    pub golden_entity: String,
    pub golden_key: String,
}

/// One planted cell defect: the texts as the system writes them.
pub struct CellDefect {
    /// The kind's name (`docs/defects.md`).
    pub defect: String,
    pub clean: Option<String>,
    pub dirty: Option<String>,
}

/// One planted record-level defect (duplicate, orphan, late row, drift).
pub struct RecordDefect {
    pub system: String,
    pub entity: String,
    pub kind: String,
    pub detail: Option<String>,
}

/// A lake with its answer key, read.
pub struct Lake {
    pub dir: PathBuf,
    pub ir: Ir,
    manifest: Manifest,
    pub crosswalk: Vec<Link>,
    /// Planted cell defects by (system, entity, record key, column).
    pub cells: HashMap<(String, String, String, String), CellDefect>,
    pub records: Vec<RecordDefect>,
}

/// A system's export of an entity, read whole: the record keys (first occurrence) and every
/// column's texts as written.
pub struct RawExport {
    pub rows: HashMap<String, usize>,
    pub columns: HashMap<String, Vec<Option<String>>>,
    /// The batch day of each row (days since the epoch; `None` for an unbatched export), by
    /// which a drifting column is read (present or not, in which style).
    pub days: Vec<Option<i64>>,
}

impl Lake {
    /// Opens `dir` (the `lake/` folder, or an output directory holding one) and reads the
    /// specs in `specs` and the answer key.
    pub fn open(dir: &Path, specs: &Path) -> Result<Lake, String> {
        let dir =
            if !dir.join("_manifest.json").exists() && dir.join("lake/_manifest.json").exists() {
                dir.join("lake")
            } else {
                dir.to_path_buf()
            };
        let mpath = dir.join("_manifest.json");
        let text = std::fs::read_to_string(&mpath).map_err(|e| {
            format!(
                "`{}` is not a lake: cannot read `{}`: {e}",
                dir.display(),
                mpath.display()
            )
        })?;
        let manifest: Manifest = serde_json::from_str(&text)
            .map_err(|e| format!("`{}` is not a lab manifest: {e}", mpath.display()))?;
        let checked = crate::frontend::check(specs);
        let Some(ir) = checked
            .ir
            .filter(|_| !checked.diagnostics.iter().any(|d| d.is_error()))
        else {
            return Err(format!(
                "the specs in `{}` do not compile (run `lab check --specs {}`)",
                specs.display(),
                specs.display()
            ));
        };
        if ir.specs_sha256 != manifest.specs_sha256 {
            return Err(format!(
                "`{}` was compiled from other specs than `{}`: pass the lake's specs with --specs",
                dir.display(),
                specs.display()
            ));
        }
        let answers = dir.join("truth/_answers");
        if !answers.join("crosswalk").is_dir() {
            return Err(format!(
                "`{}` has no answer key (`truth/_answers/crosswalk/`): compile the specs \
                 without --clean",
                dir.display()
            ));
        }
        let crosswalk = read_crosswalk(&answers.join("crosswalk"))?;
        let cells = read_cells(&answers.join("cells"))?;
        let records = read_records(&answers.join("records"))?;
        Ok(Lake {
            dir,
            ir,
            manifest,
            crosswalk,
            cells,
            records,
        })
    }

    /// Every (system, entity) export the specs declare, sorted.
    pub fn exports(&self) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = self
            .ir
            .entities
            .iter()
            .filter_map(|e| {
                e.export
                    .as_ref()
                    .map(|x| (x.system.clone(), e.name.clone()))
            })
            .collect();
        v.sort();
        v
    }

    /// The entity `entity` as `system` exports it.
    pub fn export(&self, system: &str, entity: &str) -> Option<(&Entity, &Export)> {
        self.ir.entities.iter().find_map(|e| {
            let x = e.export.as_ref()?;
            (x.system == system && e.name == entity).then_some((e, x))
        })
    }

    /// The names of the record-key columns of an export.
    pub fn key_columns(ent: &Entity) -> Vec<String> {
        ent.primary_key
            .iter()
            .map(|&a| ent.attributes[a].name.clone())
            .collect()
    }

    /// The manifest's files of `entity` in `layer` whose path starts with `prefix`, sorted.
    fn files(&self, entity: &str, layer: &str, prefix: &str) -> Vec<(PathBuf, String)> {
        let mut v: Vec<(PathBuf, String)> = self
            .manifest
            .entities
            .iter()
            .filter(|e| e.entity == entity)
            .flat_map(|e| &e.files)
            .filter(|f| f.layer.as_deref() == Some(layer) && f.path.starts_with(prefix))
            .map(|f| (self.dir.join(&f.path), f.format.clone()))
            .collect();
        v.sort();
        v
    }

    /// The entities that have truth files, as (domain, entity).
    pub fn truth_entities(&self) -> BTreeSet<(&str, &str)> {
        self.manifest
            .entities
            .iter()
            .filter(|e| e.files.iter().any(|f| f.layer.as_deref() == Some("truth")))
            .map(|e| (e.domain.as_str(), e.entity.as_str()))
            .collect()
    }

    /// The truth of `entity` of `domain`: its Parquet files, concatenated (entities of
    /// several domains may share a name).
    pub fn truth(&self, domain: &str, entity: &str) -> Result<Table, String> {
        let files: Vec<PathBuf> = self
            .files(entity, "truth", &format!("truth/{domain}/{entity}/"))
            .into_iter()
            .filter(|(_, f)| f == "parquet")
            .map(|(p, _)| p)
            .collect();
        let mut tables = Vec::new();
        for p in &files {
            tables.push(read::parquet(p)?);
        }
        concat_tables(&self.dir.join("truth").join(entity), tables)
    }

    /// `system`'s export of `ent`, every batch, read in its own format.
    pub fn raw(&self, ent: &Entity, x: &Export) -> Result<RawExport, String> {
        let prefix = format!("raw/{}/{}/", x.system, ent.name);
        let names: Vec<String> = x
            .columns
            .iter()
            .map(|(a, _)| ent.attributes[*a].name.clone())
            .collect();
        let keys = Lake::key_columns(ent);
        let mut raw = RawExport {
            rows: HashMap::new(),
            columns: names.iter().map(|n| (n.clone(), Vec::new())).collect(),
            days: Vec::new(),
        };
        for (path, _) in self.files(&ent.name, "raw", &prefix) {
            let table = match &x.format {
                ExportFormat::Parquet => read::parquet(&path)?,
                ExportFormat::Jsonl => read::jsonl(&path)?,
                ExportFormat::Csv(d) => read::csv(&path, &dialect(d), &names)?,
            };
            raw.append(&table, &keys, batch_day(&path))?;
        }
        for (old, new) in self.renames(&x.system, &ent.name) {
            raw.merge_renamed(old, new);
        }
        Ok(raw)
    }

    /// The columns of an export renamed from some batch on, `(first name, later name)`: the
    /// `drift` records whose detail reads `<first> renamed to <later>`.
    pub fn renames(&self, system: &str, entity: &str) -> Vec<(&str, &str)> {
        self.records
            .iter()
            .filter(|r| r.system == system && r.entity == entity && r.kind == "drift")
            .filter_map(|r| r.detail.as_deref()?.split_once(" renamed to "))
            .map(|(a, b)| (a.trim(), b.trim()))
            .collect()
    }
}

impl RawExport {
    /// Reads a column renamed from some batch on under its first name: where `old` is null
    /// and `new` holds a value, the value moves to `old`.
    fn merge_renamed(&mut self, old: &str, new: &str) {
        let Some(moved) = self.columns.remove(new) else {
            return;
        };
        let target = self.columns.entry(old.to_string()).or_default();
        target.resize(moved.len(), None);
        for (t, m) in target.iter_mut().zip(moved) {
            if t.is_none() {
                *t = m;
            }
        }
    }

    /// Appends a file of batch day `day`; a record key seen before keeps its first row.
    fn append(&mut self, t: &Table, keys: &[String], day: Option<i64>) -> Result<(), String> {
        let key_texts = record_keys(t, keys)?;
        let cols: Vec<(String, Vec<Option<String>>)> = t
            .columns
            .iter()
            .map(|(n, a)| (n.clone(), texts(a.as_ref())))
            .collect();
        for (i, k) in key_texts.into_iter().enumerate() {
            let Some(k) = k else { continue };
            if self.rows.contains_key(&k) {
                continue;
            }
            let row = self.rows.len();
            self.rows.insert(k, row);
            self.days.push(day);
            for (n, v) in &cols {
                let c = self.columns.entry(n.clone()).or_default();
                c.resize(row, None);
                c.push(v[i].clone());
            }
        }
        let n = self.rows.len();
        for c in self.columns.values_mut() {
            c.resize(n, None);
        }
        Ok(())
    }
}

/// The batch day of a raw file, from its `export_date=YYYY-MM-DD` folder.
fn batch_day(path: &Path) -> Option<i64> {
    let folder = path.parent()?.file_name()?.to_str()?;
    let date = folder
        .strip_prefix(crate::ir::export::BATCH_KEY)?
        .strip_prefix('=')?;
    crate::ir::value::parse_date(date).ok().map(i64::from)
}

/// The record key of every row of `t`: the key columns' texts joined with `|` (`None` when a
/// part is null).
pub fn record_keys(t: &Table, keys: &[String]) -> Result<Vec<Option<String>>, String> {
    let mut parts = Vec::new();
    for k in keys {
        let a = t
            .column(k)
            .ok_or_else(|| format!("`{}` has no record-key column `{k}`", t.path.display()))?;
        parts.push(texts(a.as_ref()));
    }
    Ok((0..t.rows)
        .map(|i| {
            let p: Option<Vec<&str>> = parts.iter().map(|c| c[i].as_deref()).collect();
            p.map(|p| p.join("|"))
        })
        .collect())
}

fn dialect(d: &crate::ir::export::CsvDialect) -> read::Dialect {
    read::Dialect {
        delimiter: char::from(d.delimiter),
        quote: char::from(d.quote),
        escape: d.escape.map(char::from),
        header: d.header,
        null: d.null.clone(),
        latin1: d.encoding == crate::ir::export::Encoding::Latin1,
    }
}

/// Tables of one schema, concatenated (the first table's columns).
fn concat_tables(path: &Path, tables: Vec<Table>) -> Result<Table, String> {
    let mut it = tables.into_iter();
    let Some(first) = it.next() else {
        return Err(format!(
            "the manifest lists no files for `{}`",
            path.display()
        ));
    };
    let rest: Vec<Table> = it.collect();
    let mut columns = Vec::new();
    for (name, a) in &first.columns {
        let mut parts: Vec<&dyn crate::arrow::array::Array> = vec![a.as_ref()];
        for t in &rest {
            let c = t
                .column(name)
                .ok_or_else(|| format!("`{}` has no column `{name}`", t.path.display()))?;
            parts.push(c.as_ref());
        }
        let all = crate::arrow::compute::concat(&parts)
            .map_err(|e| format!("`{}`: {e}", path.display()))?;
        columns.push((name.clone(), all));
    }
    let rows = columns.first().map_or(0, |(_, a)| a.len());
    Ok(Table {
        path: path.to_path_buf(),
        columns,
        rows,
    })
}

/// The Parquet files of one answer-key table (in its `<system>/<entity>/` folders), sorted.
fn answer_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut v = Vec::new();
    collect_parquet(dir, 0, &mut v)?;
    v.sort();
    Ok(v)
}

fn collect_parquet(dir: &Path, depth: usize, v: &mut Vec<PathBuf>) -> Result<(), String> {
    if !dir.is_dir() || depth > 2 {
        return Ok(());
    }
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list `{}`: {e}", dir.display()))?;
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_parquet(&p, depth + 1, v)?;
        } else if p.extension().is_some_and(|x| x == "parquet") {
            v.push(p);
        }
    }
    Ok(())
}

/// The named columns of an answer-key file as texts.
fn answer_columns(t: &Table, names: &[&str]) -> Result<Vec<Vec<Option<String>>>, String> {
    names
        .iter()
        .map(|n| {
            t.column(n).map(|a| texts(a.as_ref())).ok_or_else(|| {
                format!("answer-key file `{}` has no column `{n}`", t.path.display())
            })
        })
        .collect()
}

fn read_crosswalk(dir: &Path) -> Result<Vec<Link>, String> {
    let mut out = Vec::new();
    for p in answer_files(dir)? {
        let t = read::parquet(&p)?;
        let names = [
            "system",
            "entity",
            "record_key",
            "golden_entity",
            "golden_key",
        ];
        let c = answer_columns(&t, &names)?;
        out.extend((0..t.rows).map(|i| {
            let get = |j: usize| c[j][i].clone().unwrap_or_default();
            Link {
                system: get(0),
                entity: get(1),
                record_key: get(2),
                golden_entity: get(3),
                golden_key: get(4),
            }
        }));
    }
    Ok(out)
}

type CellLog = HashMap<(String, String, String, String), CellDefect>;

fn read_cells(dir: &Path) -> Result<CellLog, String> {
    let mut out = HashMap::new();
    for p in answer_files(dir)? {
        let t = read::parquet(&p)?;
        let names = [
            "system",
            "entity",
            "record_key",
            "column_name",
            "clean",
            "dirty",
            "defect",
        ];
        let c = answer_columns(&t, &names)?;
        out.extend((0..t.rows).map(|i| {
            let get = |j: usize| c[j][i].clone().unwrap_or_default();
            let defect = CellDefect {
                defect: get(6),
                clean: c[4][i].clone(),
                dirty: c[5][i].clone(),
            };
            ((get(0), get(1), get(2), get(3)), defect)
        }));
    }
    Ok(out)
}

fn read_records(dir: &Path) -> Result<Vec<RecordDefect>, String> {
    let mut out = Vec::new();
    for p in answer_files(dir)? {
        let t = read::parquet(&p)?;
        let c = answer_columns(&t, &["system", "entity", "kind"])?;
        // `detail` (what a drift changed) is optional: only drift records carry one.
        let detail = t.column("detail").map(|a| texts(a.as_ref()));
        out.extend((0..t.rows).map(|i| {
            let get = |j: usize| c[j][i].clone().unwrap_or_default();
            RecordDefect {
                system: get(0),
                entity: get(1),
                kind: get(2),
                detail: detail.as_ref().and_then(|d| d[i].clone()),
            }
        }));
    }
    Ok(out)
}
