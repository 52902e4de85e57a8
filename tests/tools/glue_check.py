"""Check lab's Glue TableInput documents against the real AWS API model (botocore).

usage: glue_check.py CASE_DIR...

Each CASE_DIR holds `glue/<domain>/<entity>.json` (emitted by lab) and `tables.json` (the IR's
tables, written by the test; see sqlglot_check.py). For every document:
- botocore's ParamValidator accepts {"DatabaseName": <domain>, "TableInput": <document>} against
  the Glue `CreateTable` input shape (unknown keys, wrong types, missing required fields);
- what the model does not enforce: every column and partition-key Comment is at most 255 bytes,
  Description at most 2048 bytes, Name is the file name, lower-case, at most 255 bytes;
- what Athena needs: TableType EXTERNAL_TABLE, PartitionKeys present (`[]` when unpartitioned),
  Parameters classification=parquet and EXTERNAL=TRUE, the Parquet SerDe and formats, a Location
  ending in `/`; no DatabaseName/CreateTime/UpdateTime/... inside TableInput;
- columns, types, partition key and location equal the IR's; a partitioned table carries a
  date projection whose storage.location.template matches its Location.
Exit status 0 when everything holds; otherwise every problem is printed and the status is 1.
"""

import json
import pathlib
import sys

import botocore
import botocore.session
from botocore.validate import ParamValidator

SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
INPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
OUTPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
FORBIDDEN = {"DatabaseName", "CreateTime", "UpdateTime", "CreatedBy", "IsRegisteredWithLakeFormation", "CatalogId"}


def nbytes(s):
    return len(s.encode("utf-8"))


def check(where, domain, ti, table, shape, problems):
    report = ParamValidator().validate({"DatabaseName": domain, "TableInput": ti}, shape)
    if report.has_errors():
        problems.append(f"{where}: botocore: {report.generate_report()}")
    for k in FORBIDDEN & set(ti):
        problems.append(f"{where}: TableInput must not contain {k}")
    name = ti.get("Name", "")
    if name != table["name"] or name != name.lower() or nbytes(name) > 255:
        problems.append(f"{where}: Name {name!r}")
    if nbytes(ti.get("Description", "")) > 2048:
        problems.append(f"{where}: Description is {nbytes(ti['Description'])} bytes (> 2048)")
    if ti.get("TableType") != "EXTERNAL_TABLE":
        problems.append(f"{where}: TableType {ti.get('TableType')!r}")
    params = ti.get("Parameters", {})
    if params.get("classification") != "parquet" or params.get("EXTERNAL") != "TRUE":
        problems.append(f"{where}: Parameters need classification=parquet and EXTERNAL=TRUE: {params}")
    if "PartitionKeys" not in ti:
        problems.append(f"{where}: PartitionKeys missing (Athena needs [] when unpartitioned)")
    sd = ti.get("StorageDescriptor", {})
    serde = sd.get("SerdeInfo", {})
    if (sd.get("InputFormat"), sd.get("OutputFormat"), serde.get("SerializationLibrary")) != (INPUT, OUTPUT, SERDE):
        problems.append(f"{where}: not the Parquet SerDe and formats")
    if serde.get("Parameters", {}).get("serialization.format") != "1":
        problems.append(f"{where}: SerdeInfo.Parameters serialization.format must be '1'")
    loc = sd.get("Location", "")
    if loc != table["location"] or not loc.endswith("/"):
        problems.append(f"{where}: Location {loc!r}, want {table['location']!r}")
    cols = sd.get("Columns", [])
    got = [(c.get("Name"), c.get("Type")) for c in cols]
    want = [tuple(c) for c in table["columns"]]
    if got != want:
        problems.append(f"{where}: columns differ from the IR\n    got  {got}\n    want {want}")
    pkeys = ti.get("PartitionKeys", [])
    for c in cols + pkeys:
        if nbytes(c.get("Comment", "")) > 255:
            problems.append(f"{where}: Comment of {c.get('Name')} is {nbytes(c['Comment'])} bytes (> 255)")
    key = table["partition"]
    want_p = [] if key is None else [(key, "string")]
    if [(c.get("Name"), c.get("Type")) for c in pkeys] != want_p:
        problems.append(f"{where}: PartitionKeys {pkeys}, want {want_p}")
    if key is not None:
        need = {
            "projection.enabled": "true",
            f"projection.{key}.type": "date",
            "storage.location.template": f"{loc}{key}=${{{key}}}/",
        }
        for k, v in need.items():
            if params.get(k) != v:
                problems.append(f"{where}: Parameters {k}={params.get(k)!r}, want {v!r}")
        for k in (f"projection.{key}.format", f"projection.{key}.range"):
            if not params.get(k):
                problems.append(f"{where}: Parameters lack {k}")
    elif any(k.startswith("projection.") for k in params):
        problems.append(f"{where}: projection parameters on an unpartitioned table")


def main(argv):
    if not argv:
        print(__doc__)
        return 2
    shape = botocore.session.get_session().get_service_model("glue").operation_model("CreateTable").input_shape
    problems = []
    n = 0
    for d in map(pathlib.Path, argv):
        # Glue documents sit in `glue/<domain>/`; the database is the domain's, or
        # `<domain>_truth` when the specs declare source systems.
        tables = {(t.get("domain", t["database"]), t["name"]): t for t in json.loads((d / "tables.json").read_text())["tables"]}
        # The layers the dbt project writes sit one folder deeper: `glue/processed/<domain>/`
        # and `glue/curated/<mart>/`, keyed `processed/<domain>` and `curated/<mart>`.
        glue = d / "glue"
        files = sorted(
            [*glue.glob("*/*.json"), *glue.glob("processed/*/*.json"), *glue.glob("curated/*/*.json"),
             *glue.glob("increments/*/*.json")]
        )

        def key(f):
            return (f.parent.relative_to(glue).as_posix(), f.stem)

        found = {key(f) for f in files}
        if found != set(tables):
            problems.append(f"{d.name}: Glue files {sorted(found)} != entities {sorted(tables)}")
        for f in files:
            n += 1
            where = f"{d.name}/{f.relative_to(d)}"
            try:
                ti = json.loads(f.read_text(encoding="utf-8"))
            except ValueError as e:
                problems.append(f"{where}: not JSON: {e}")
                continue
            table = tables.get(key(f))
            if table is None:
                problems.append(f"{where}: no such entity in the IR")
                continue
            check(where, table["database"], ti, table, shape, problems)
    for p in problems:
        print("FAIL", p)
    print(f"botocore {botocore.__version__}: {n} TableInput documents in {len(argv)} cases, {len(problems)} problems")
    return 1 if problems or n == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
