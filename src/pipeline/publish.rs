//! `lab publish`: registers in the Glue Data Catalog the databases and tables of every layer
//! that a `lab compile` output describes (its `glue/**/*.json` TableInput documents, each
//! table's database named by the Athena DDL beside it; not those of the processed and curated
//! layers, which the dbt project writes), the partitions of partitioned tables
//! (from the manifest's files; Athena uses partition projection, other engines the registered
//! partitions), and, for an output written locally, uploads its lake to the bucket its table
//! locations name (data files, then `_profile.json`, the manifest last). Idempotent: existing
//! databases are kept, tables updated only when they differ, existing partitions skipped, and
//! files deleted only when the remote manifest being replaced lists them and the new one does
//! not.

#![cfg_attr(not(feature = "s3"), allow(dead_code))]

use super::Error;
use crate::output::S3Location;
use std::path::PathBuf;

/// A validated `lab publish` run.
#[derive(Clone, Debug)]
pub struct PublishConfig {
    /// The output of `lab compile`: a local directory, or `s3` when it was written to S3.
    pub out: PathBuf,
    pub s3: Option<S3Location>,
    /// `--region` (else the AWS environment and profile).
    pub region: Option<String>,
    /// `--endpoint` for S3 and Glue (else `AWS_ENDPOINT_URL`).
    pub endpoint: Option<String>,
    /// Register tables only; do not upload a local lake.
    pub no_upload: bool,
}

/// What `lab publish` did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PublishReport {
    pub databases_created: usize,
    pub databases: usize,
    pub tables_created: usize,
    pub tables_updated: usize,
    pub tables_unchanged: usize,
    pub partitions_created: usize,
    pub partitions: usize,
    /// Lake files uploaded (a local lake), including `_profile.json` and the manifest.
    pub files_uploaded: usize,
    pub files_deleted: usize,
}

#[cfg(not(feature = "s3"))]
pub fn publish(_cfg: &PublishConfig) -> Result<PublishReport, Error> {
    Err(Error::Remote(
        "this lab was built without S3 support (cargo feature `s3`): it cannot publish".into(),
    ))
}

#[cfg(feature = "s3")]
pub use with_s3::publish;

/// One table to register: its database, its TableInput and where its document is.
#[derive(Debug)]
struct TableDoc {
    database: String,
    input: serde_json::Value,
    doc: String,
}

/// The database of each table a DDL file creates: `(database, table)` from its `CREATE
/// EXTERNAL TABLE IF NOT EXISTS \`db\`.\`table\`` lines.
fn ddl_tables(sql: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in sql.lines() {
        let Some(rest) = line
            .trim()
            .strip_prefix("CREATE EXTERNAL TABLE IF NOT EXISTS `")
        else {
            continue;
        };
        let Some((db, rest)) = rest.split_once("`.`") else {
            continue;
        };
        if let Some((table, _)) = rest.split_once('`') {
            out.push((db.to_string(), table.to_string()));
        }
    }
    out
}

/// The Glue folders of the layers the dbt project writes (`glue/processed/<domain>/`,
/// `glue/curated/<mart>/`).
const DBT_LAYERS: &[&str] = &["processed/", "curated/"];

/// Pairs each Glue document (`glue/<folder>/<table>.json`) with its database, named by the
/// DDL of the same folder (`ddl/athena/<folder>.sql`), except the documents of the layers
/// the dbt project writes. `read` returns a document's text.
fn table_docs(
    glue_docs: &[String],
    read: &dyn Fn(&str) -> Result<String, Error>,
) -> Result<Vec<TableDoc>, Error> {
    let mut out = Vec::new();
    let mut ddl_cache: std::collections::BTreeMap<String, Vec<(String, String)>> =
        std::collections::BTreeMap::new();
    for doc in glue_docs {
        let Some(rel) = doc
            .strip_prefix("glue/")
            .and_then(|r| r.strip_suffix(".json"))
        else {
            continue;
        };
        let Some((folder, table)) = rel.rsplit_once('/') else {
            continue;
        };
        // The processed and curated layers are written by the dbt project, not by lab: their
        // data is not in the lake lab uploads, so their tables are left to that project.
        if DBT_LAYERS.iter().any(|l| folder.starts_with(l)) {
            continue;
        }
        let ddl_path = format!("ddl/athena/{folder}.sql");
        if !ddl_cache.contains_key(&ddl_path) {
            let sql = read(&ddl_path)?;
            ddl_cache.insert(ddl_path.clone(), ddl_tables(&sql));
        }
        let database = ddl_cache[&ddl_path]
            .iter()
            .find(|(_, t)| t == table)
            .map(|(d, _)| d.clone())
            .ok_or_else(|| {
                Error::Remote(format!(
                    "{ddl_path} does not create table `{table}` of {doc}: the documents are \
                     not one run's; run `lab compile` again"
                ))
            })?;
        let text = read(doc)?;
        let input: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| Error::Remote(format!("{doc} is not a Glue TableInput: {e}")))?;
        if input.get("Name").and_then(|n| n.as_str()) != Some(table) {
            return Err(Error::Remote(format!(
                "{doc} does not describe table `{table}`"
            )));
        }
        out.push(TableDoc {
            database,
            input,
            doc: doc.clone(),
        });
    }
    Ok(out)
}

/// The partitions of a table from the lake's files: `(values, location)` for every folder
/// `key=value/…` under the table's location, in the order of its partition keys.
fn partitions(
    input: &serde_json::Value,
    lake_root: &str,
    files: &[String],
) -> Vec<(Vec<String>, String)> {
    let keys: Vec<&str> = input["PartitionKeys"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|k| k["Name"].as_str())
        .collect();
    let location = input["StorageDescriptor"]["Location"]
        .as_str()
        .unwrap_or("");
    let Some(folder) = location.strip_prefix(lake_root) else {
        return Vec::new();
    };
    if keys.is_empty() {
        return Vec::new();
    }
    let mut seen = std::collections::BTreeSet::new();
    for f in files {
        let Some(rest) = f.strip_prefix(folder) else {
            continue;
        };
        let dirs: Vec<&str> = rest.split('/').collect();
        if dirs.len() != keys.len() + 1 {
            continue;
        }
        let values: Option<Vec<String>> = dirs[..keys.len()]
            .iter()
            .zip(&keys)
            .map(|(d, k)| d.strip_prefix(&format!("{k}=")).map(str::to_string))
            .collect();
        if let Some(values) = values {
            let loc = format!("{location}{}/", dirs[..keys.len()].join("/"));
            seen.insert((values, loc));
        }
    }
    seen.into_iter().collect()
}

#[cfg(feature = "s3")]
mod with_s3 {
    use super::super::remote::with_s3::{connect, remote};
    use super::super::remote::{MANIFEST, manifest_paths};
    use super::*;
    use crate::aws::Settings;
    use crate::aws::glue::{Change, Glue};
    use crate::aws::s3::Bucket;
    use std::collections::BTreeSet;
    use std::io::Write;
    use std::path::Path;

    /// Where the output's documents and lake are read from.
    enum Source<'a> {
        Local(&'a Path),
        Remote(&'a Bucket, &'a S3Location),
    }

    impl Source<'_> {
        fn read(&self, rel: &str) -> Result<Option<Vec<u8>>, Error> {
            match self {
                Source::Local(dir) => match std::fs::read(dir.join(rel)) {
                    Ok(b) => Ok(Some(b)),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(Error::Remote(format!(
                        "cannot read `{}`: {e}",
                        dir.join(rel).display()
                    ))),
                },
                Source::Remote(b, loc) => b
                    .get(&loc.key(rel))
                    .map_err(|e| Error::Remote(format!("cannot read {rel}: {e}"))),
            }
        }

        fn text(&self, rel: &str) -> Result<String, Error> {
            let bytes = self.read(rel)?.ok_or_else(|| {
                Error::Remote(format!("the output has no {rel}: run `lab compile` first"))
            })?;
            String::from_utf8(bytes).map_err(|_| Error::Remote(format!("{rel} is not UTF-8")))
        }

        /// The Glue documents, sorted.
        fn glue_docs(&self) -> Result<Vec<String>, Error> {
            let mut docs = match self {
                Source::Local(dir) => walk(&dir.join("glue"))
                    .into_iter()
                    .filter_map(|p| {
                        p.strip_prefix(dir)
                            .ok()
                            .map(|r| r.to_string_lossy().replace('\\', "/"))
                    })
                    .collect(),
                Source::Remote(b, loc) => {
                    let root = loc.key("");
                    b.list(&loc.key("glue"))
                        .map_err(|e| Error::Remote(format!("cannot list the documents: {e}")))?
                        .into_iter()
                        .map(|k| {
                            k.strip_prefix(&root)
                                .unwrap_or(&k)
                                .trim_start_matches('/')
                                .to_string()
                        })
                        .collect::<Vec<_>>()
                }
            };
            docs.retain(|d: &String| d.ends_with(".json"));
            docs.sort();
            Ok(docs)
        }
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
        out
    }

    /// The bucket and lake root (`bucket/…/`) the table locations share.
    fn lake_root(tables: &[TableDoc]) -> Result<(String, String), Error> {
        let mut root: Option<(String, String)> = None;
        for t in tables {
            let loc = t.input["StorageDescriptor"]["Location"]
                .as_str()
                .unwrap_or("");
            let Some(rest) = loc.strip_prefix("s3://") else {
                return Err(Error::Remote(format!(
                    "{}: the table location `{loc}` is not an s3:// URL",
                    t.doc
                )));
            };
            let bucket = rest.split('/').next().unwrap_or("").to_string();
            if let Some((b, _)) = &root
                && *b != bucket
            {
                return Err(Error::Remote(format!(
                    "{}: the table locations name two buckets, `{b}` and `{bucket}`",
                    t.doc
                )));
            }
            root = Some((bucket, String::new()));
        }
        root.ok_or_else(|| Error::Remote("the output has no Glue documents under glue/".into()))
    }

    pub fn publish(cfg: &PublishConfig) -> Result<PublishReport, Error> {
        let settings = Settings {
            region: cfg.region.clone(),
            endpoint: cfg.endpoint.clone(),
        };
        let remote_out;
        let source = match &cfg.s3 {
            Some(loc) => {
                remote_out = connect(loc, &settings)?;
                Source::Remote(&remote_out, loc)
            }
            None => Source::Local(&cfg.out),
        };
        let docs = source.glue_docs()?;
        let tables = table_docs(&docs, &|rel| source.text(rel))?;
        let (bucket_name, _) = lake_root(&tables)?;
        // The lake's root as the table locations name it: the output's lake on S3, or the
        // bucket's root for a lake written locally (`--bucket`).
        let lake_prefix = match &cfg.s3 {
            Some(loc) => format!("s3://{}/", loc.key_path("lake")),
            None => format!("s3://{bucket_name}/"),
        };
        let local_bucket;
        let bucket: &Bucket = match &source {
            Source::Remote(b, _) => b,
            Source::Local(_) => {
                let loc = S3Location {
                    bucket: bucket_name.clone(),
                    prefix: String::new(),
                };
                local_bucket = connect(&loc, &settings)?;
                &local_bucket
            }
        };
        let mut report = PublishReport::default();
        let manifest = source.read(&format!("lake/{MANIFEST}"))?;
        let files = manifest_paths(manifest.as_deref());
        if let (Source::Local(dir), false, Some(m)) = (&source, cfg.no_upload, &manifest) {
            upload(bucket, &dir.join("lake"), &files, m, &mut report)?;
        }
        register(bucket, &tables, &lake_prefix, &files, &mut report)?;
        Ok(report)
    }

    /// Uploads a local lake to the bucket's root: its files, `_profile.json`, the manifest
    /// last; then deletes the files the replaced remote manifest listed and this one does not.
    fn upload(
        bucket: &Bucket,
        lake: &Path,
        files: &[String],
        manifest: &[u8],
        report: &mut PublishReport,
    ) -> Result<(), Error> {
        let old = bucket
            .get(MANIFEST)
            .map_err(|e| Error::Remote(format!("cannot read the bucket's manifest: {e}")))?;
        for rel in files.iter().map(String::as_str).chain(["_profile.json"]) {
            let path = lake.join(rel);
            let mut f = std::fs::File::open(&path)
                .map_err(|e| Error::Remote(format!("cannot read `{}`: {e}", path.display())))?;
            let mut up = bucket.create(rel);
            std::io::copy(&mut f, &mut up)
                .and_then(|_| up.flush())
                .and_then(|()| up.complete())
                .map_err(|e| Error::Remote(format!("cannot upload {rel}: {e}")))?;
            report.files_uploaded += 1;
        }
        bucket
            .settle()
            .map_err(|e| Error::Remote(format!("cannot upload the lake: {e}")))?;
        bucket
            .put(MANIFEST, manifest)
            .map_err(|e| Error::Remote(format!("cannot upload the manifest: {e}")))?;
        report.files_uploaded += 1;
        let keep: BTreeSet<&str> = files.iter().map(String::as_str).collect();
        for stale in manifest_paths(old.as_deref()) {
            if !keep.contains(stale.as_str()) {
                bucket
                    .delete(&stale)
                    .map_err(|e| Error::Remote(format!("cannot delete {stale}: {e}")))?;
                report.files_deleted += 1;
            }
        }
        Ok(())
    }

    /// Registers databases, tables and partitions.
    fn register(
        bucket: &Bucket,
        tables: &[TableDoc],
        lake_prefix: &str,
        files: &[String],
        report: &mut PublishReport,
    ) -> Result<(), Error> {
        let glue = Glue::new(bucket).map_err(remote)?;
        let dbs: BTreeSet<&str> = tables.iter().map(|t| t.database.as_str()).collect();
        for db in &dbs {
            let desc = format!("Tables of `{db}`, registered by lab publish.");
            let c = glue.ensure_database(db, &desc).map_err(remote)?;
            report.databases += 1;
            report.databases_created += usize::from(c == Change::Created);
        }
        for t in tables {
            match glue.put_table(&t.database, &t.input).map_err(remote)? {
                Change::Created => report.tables_created += 1,
                Change::Updated => report.tables_updated += 1,
                Change::Unchanged => report.tables_unchanged += 1,
            }
            let parts = partitions(&t.input, lake_prefix, files);
            if parts.is_empty() {
                continue;
            }
            let name = t.input["Name"].as_str().unwrap_or("");
            let created = glue
                .add_partitions(&t.database, name, &t.input["StorageDescriptor"], &parts)
                .map_err(remote)?;
            report.partitions += parts.len();
            report.partitions_created += created;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn databases_come_from_the_ddl() {
        let sql = "CREATE DATABASE IF NOT EXISTS `shop_truth`;\n\nCREATE EXTERNAL TABLE IF NOT \
                   EXISTS `shop_truth`.`orders` (\n  `id` bigint\n)";
        assert_eq!(
            ddl_tables(sql),
            [("shop_truth".to_string(), "orders".to_string())]
        );
    }

    #[test]
    fn the_dbt_layers_are_left_to_the_dbt_project() {
        let docs = [
            "glue/shop/orders.json".to_string(),
            "glue/processed/shop/orders.json".to_string(),
            "glue/curated/sales/fct_orders.json".to_string(),
        ];
        let read = |rel: &str| -> Result<String, Error> {
            match rel {
                "ddl/athena/shop.sql" => Ok(
                    "CREATE EXTERNAL TABLE IF NOT EXISTS `shop`.`orders` (\n  `id` bigint\n)"
                        .into(),
                ),
                "glue/shop/orders.json" => Ok(r#"{"Name": "orders"}"#.into()),
                other => Err(Error::Remote(format!("read {other}"))),
            }
        };
        let tables = table_docs(&docs, &read).expect("the lab layers only");
        let names: Vec<&str> = tables.iter().map(|t| t.doc.as_str()).collect();
        assert_eq!(names, ["glue/shop/orders.json"]);
    }

    #[test]
    fn partitions_come_from_the_files() {
        let input = json!({
            "PartitionKeys": [{"Name": "month", "Type": "string"}],
            "StorageDescriptor": {"Location": "s3://b/p/lake/raw/m/perf/"}
        });
        let files = [
            "raw/m/perf/month=2024-01/part-00000.parquet".to_string(),
            "raw/m/perf/month=2024-01/part-00001.parquet".to_string(),
            "raw/m/perf/month=2024-02/part-00000.parquet".to_string(),
            "raw/m/other/month=2024-03/part-00000.parquet".to_string(),
        ];
        let p = partitions(&input, "s3://b/p/lake/", &files);
        assert_eq!(
            p,
            [
                (
                    vec!["2024-01".to_string()],
                    "s3://b/p/lake/raw/m/perf/month=2024-01/".to_string()
                ),
                (
                    vec!["2024-02".to_string()],
                    "s3://b/p/lake/raw/m/perf/month=2024-02/".to_string()
                ),
            ]
        );
    }
}
