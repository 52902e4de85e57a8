//! The Glue Data Catalog calls of `lab publish`: JSON over HTTPS (`X-Amz-Target:
//! AWSGlue.<Operation>`, `application/x-amz-json-1.1`), signed with SigV4 by object_store's
//! signer and sent by its HTTP client — no AWS SDK. Every call is idempotent as `lab publish`
//! uses it: a database is created when missing, a table created or updated, partitions
//! created in batches with the ones that already exist left as they are.

use super::{Aws, AwsError};
use object_store::ClientOptions;
use object_store::aws::{AmazonS3, AwsAuthorizer};
use object_store::client::{HttpClient, HttpConnector, HttpRequest, ReqwestConnector};
use serde_json::{Value, json};
use std::sync::Arc;

/// A Glue client of one connection.
pub struct Glue {
    aws: Arc<Aws>,
    /// The S3 client whose credential chain signs the requests.
    store: Arc<AmazonS3>,
    http: HttpClient,
    url: String,
}

/// What a call that changes the catalog did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Created,
    Updated,
    Unchanged,
}

/// A Glue error answer: its `__type` (e.g. `EntityNotFoundException`) and message.
#[derive(Debug)]
struct Fault {
    kind: String,
    message: String,
}

impl Glue {
    /// A client signing with the credentials of `bucket`'s connection.
    pub fn new(bucket: &super::s3::Bucket) -> Result<Glue, AwsError> {
        let aws = bucket.aws().clone();
        let store = bucket.store().clone();
        let url = match aws.endpoint() {
            Some(e) => e.trim_end_matches('/').to_string(),
            None => format!("https://glue.{}.amazonaws.com", aws.region),
        };
        let options = ClientOptions::new().with_allow_http(url.starts_with("http://"));
        let http = ReqwestConnector::default()
            .connect(&options)
            .map_err(|e| AwsError::Other(format!("cannot set up the Glue client: {e}")))?;
        Ok(Glue {
            aws,
            store,
            http,
            url,
        })
    }

    /// One call: `Ok(answer)`, `Err(Ok(fault))` for an answer of Glue's, `Err(Err(_))` when
    /// there was no usable answer.
    fn call(&self, op: &str, body: &Value) -> Result<Value, Result<Fault, AwsError>> {
        let cred = self.aws.credentials(&self.store).map_err(Err)?;
        let payload = serde_json::to_vec(body).map_err(|e| Err(AwsError::Other(e.to_string())))?;
        let mut req: HttpRequest = http::Request::builder()
            .method("POST")
            .uri(format!("{}/", self.url))
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", format!("AWSGlue.{op}"))
            .body(payload.into())
            .map_err(|e| Err(AwsError::Other(format!("Glue {op}: {e}"))))?;
        AwsAuthorizer::new(&cred, "glue", &self.aws.region)
            .try_authorize(&mut req, None)
            .map_err(|e| Err(AwsError::Other(format!("cannot sign Glue {op}: {e}"))))?;
        let answer = self.aws.block_on(async {
            let resp = self.http.execute(req).await?;
            let status = resp.status();
            let bytes = resp.into_body().bytes().await?;
            Ok::<_, object_store::client::HttpError>((status, bytes))
        });
        let (status, bytes) = answer.map_err(|e| {
            Err(AwsError::Other(format!(
                "Glue {op} at {} failed: {e}",
                self.url
            )))
        })?;
        let v: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(v);
        }
        let kind = v
            .get("__type")
            .and_then(Value::as_str)
            .map(|t| t.rsplit('#').next().unwrap_or(t).to_string())
            .unwrap_or_else(|| format!("HTTP {status}"));
        let message = ["message", "Message"]
            .iter()
            .find_map(|k| v.get(*k).and_then(Value::as_str))
            .unwrap_or("")
            .to_string();
        Err(Ok(Fault { kind, message }))
    }

    /// A call whose every fault is an error.
    fn must(&self, op: &str, body: &Value) -> Result<Value, AwsError> {
        self.call(op, body).map_err(|f| match f {
            Ok(f) => fault_error(op, &f),
            Err(e) => e,
        })
    }

    /// Creates database `name` unless it exists.
    pub fn ensure_database(&self, name: &str, description: &str) -> Result<Change, AwsError> {
        match self.call("GetDatabase", &json!({ "Name": name })) {
            Ok(_) => return Ok(Change::Unchanged),
            Err(Ok(f)) if f.kind == "EntityNotFoundException" => {}
            Err(f) => return Err(f.map_or_else(|e| e, |f| fault_error("GetDatabase", &f))),
        }
        let input = json!({ "DatabaseInput": { "Name": name, "Description": description } });
        match self.call("CreateDatabase", &input) {
            Ok(_) => Ok(Change::Created),
            // Created meanwhile by someone else: the same end state.
            Err(Ok(f)) if f.kind == "AlreadyExistsException" => Ok(Change::Unchanged),
            Err(f) => Err(f.map_or_else(|e| e, |f| fault_error("CreateDatabase", &f))),
        }
    }

    /// Creates table `input.Name` in `database`, or updates it when it exists and differs.
    pub fn put_table(&self, database: &str, input: &Value) -> Result<Change, AwsError> {
        let name = input.get("Name").and_then(Value::as_str).unwrap_or("");
        let current = match self.call(
            "GetTable",
            &json!({ "DatabaseName": database, "Name": name }),
        ) {
            Ok(v) => Some(v),
            Err(Ok(f)) if f.kind == "EntityNotFoundException" => None,
            Err(f) => return Err(f.map_or_else(|e| e, |f| fault_error("GetTable", &f))),
        };
        let body = json!({ "DatabaseName": database, "TableInput": input });
        match current {
            None => self.must("CreateTable", &body).map(|_| Change::Created),
            Some(v) if same_table(v.get("Table").unwrap_or(&Value::Null), input) => {
                Ok(Change::Unchanged)
            }
            Some(_) => self.must("UpdateTable", &body).map(|_| Change::Updated),
        }
    }

    /// Creates the partitions (`(values, location)`) of a table that do not exist yet; returns
    /// how many were created.
    pub fn add_partitions(
        &self,
        database: &str,
        table: &str,
        storage: &Value,
        partitions: &[(Vec<String>, String)],
    ) -> Result<usize, AwsError> {
        let mut created = 0;
        for batch in partitions.chunks(100) {
            let inputs: Vec<Value> = batch
                .iter()
                .map(|(values, location)| {
                    let mut sd = storage.clone();
                    if let Some(o) = sd.as_object_mut() {
                        o.insert("Location".into(), location.clone().into());
                    }
                    json!({ "Values": values, "StorageDescriptor": sd })
                })
                .collect();
            let body = json!({
                "DatabaseName": database,
                "TableName": table,
                "PartitionInputList": inputs,
            });
            let answer = self.must("BatchCreatePartition", &body)?;
            let errors = answer
                .get("Errors")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for e in &errors {
                let code = e
                    .pointer("/ErrorDetail/ErrorCode")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                if code != "AlreadyExistsException" {
                    let msg = e
                        .pointer("/ErrorDetail/ErrorMessage")
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    return Err(AwsError::Other(format!(
                        "Glue BatchCreatePartition for {database}.{table} failed: {code} {msg}"
                    )));
                }
            }
            created += batch.len() - errors.len();
        }
        Ok(created)
    }
}

fn fault_error(op: &str, f: &Fault) -> AwsError {
    let text = format!("Glue {op} failed: {} {}", f.kind, f.message);
    match f.kind.as_str() {
        "AccessDeniedException" => AwsError::Denied(text),
        "UnrecognizedClientException" | "InvalidSignatureException" | "ExpiredTokenException" => {
            AwsError::NoCredentials(text)
        }
        _ => AwsError::Other(text),
    }
}

/// Whether the catalog's table already holds everything `input` says (Glue adds fields of
/// its own, such as `CreateTime` and `DatabaseName`, which are ignored).
fn same_table(current: &Value, input: &Value) -> bool {
    contains(current, input)
}

/// Every field of `want` is in `have` with the same value (recursively for objects; arrays
/// element by element).
fn contains(have: &Value, want: &Value) -> bool {
    match (have, want) {
        (Value::Object(h), Value::Object(w)) => w
            .iter()
            .all(|(k, v)| h.get(k).is_some_and(|hv| contains(hv, v))),
        (Value::Array(h), Value::Array(w)) => {
            h.len() == w.len() && h.iter().zip(w).all(|(a, b)| contains(a, b))
        }
        (h, w) => h == w,
    }
}

#[cfg(test)]
mod tests {
    use super::contains;
    use serde_json::json;

    #[test]
    fn a_table_with_extra_catalog_fields_is_the_same() {
        let input =
            json!({"Name": "t", "StorageDescriptor": {"Columns": [{"Name": "a", "Type": "int"}]}});
        let have = json!({"Name": "t", "DatabaseName": "d", "CreateTime": 1,
            "StorageDescriptor": {"Columns": [{"Name": "a", "Type": "int"}], "Location": "x"}});
        assert!(contains(&have, &input));
        let changed = json!({"Name": "t", "StorageDescriptor": {"Columns": [{"Name": "a", "Type": "bigint"}]}});
        assert!(!contains(&have, &changed));
        let more = json!({"Name": "t", "StorageDescriptor": {"Columns": [{"Name": "a", "Type": "int"}, {"Name": "b", "Type": "int"}]}});
        assert!(!contains(&have, &more));
    }
}
