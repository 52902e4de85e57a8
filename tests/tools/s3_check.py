"""The local S3/Glue endpoint of the S3 tests (moto's server mode) and the checks made on it.

  s3_check.py serve BUCKET...          start moto on a free port, create the buckets, print
                                       `port N`, serve until stdin closes
  s3_check.py lake URL S3_URL [extra-ok]
                                       every file of the manifest under S3_URL/lake/ has its
                                       size and SHA-256; no other data file (unless extra-ok:
                                       those of an interrupted run); the documents are there;
                                       prints a JSON summary
  s3_check.py manifest URL S3_URL      prints the manifest's SHA-256 (or `none`)
  s3_check.py wait-new URL S3_URL SECONDS
                                       waits until a data file the manifest under S3_URL/lake/
                                       does not list appears (a run in progress wrote it) and
                                       prints its key; status 1 after SECONDS without one
  s3_check.py glue URL S3_URL DOCS     the Glue catalog holds exactly the tables of the Glue
                                       documents under DOCS (a local output), with the lake's
                                       locations, columns and types, and one partition per
                                       partition folder of the manifest; prints a JSON summary

URL is the endpoint (http://127.0.0.1:N). Credentials are moto's dummies.
"""

import hashlib
import json
import os
import sys
import time

import boto3


def client(service, url):
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def split(s3_url):
    rest = s3_url[len("s3://"):]
    bucket, _, prefix = rest.partition("/")
    return bucket, prefix.strip("/")


def key(prefix, rel):
    return f"{prefix}/{rel}" if prefix else rel


def serve(buckets):
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    s3 = client("s3", f"http://127.0.0.1:{port}")
    for b in buckets:
        s3.create_bucket(Bucket=b)
    print(f"port {port}", flush=True)
    sys.stdin.read()
    server.stop()


def all_keys(s3, bucket, prefix):
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys += [o["Key"] for o in page.get("Contents", [])]
    return keys


def get(s3, bucket, k):
    return s3.get_object(Bucket=bucket, Key=k)["Body"].read()


def lake(url, s3_url, extra_ok=""):
    s3 = client("s3", url)
    bucket, prefix = split(s3_url)
    manifest = json.loads(get(s3, bucket, key(prefix, "lake/_manifest.json")))
    listed = set()
    files = 0
    total = 0
    for e in manifest["entities"]:
        for f in e["files"]:
            k = key(prefix, "lake/" + f["path"])
            body = get(s3, bucket, k)
            assert len(body) == f["bytes"], f"{k}: {len(body)} bytes, manifest says {f['bytes']}"
            digest = hashlib.sha256(body).hexdigest()
            assert digest == f["sha256"], f"{k}: SHA-256 {digest}, manifest says {f['sha256']}"
            listed.add(k)
            files += 1
            total += len(body)
    data = [k for k in all_keys(s3, bucket, key(prefix, "lake/")) if k.rsplit("/", 1)[-1].startswith("part-")]
    extra = sorted(set(data) - listed)
    assert extra_ok == "extra-ok" or not extra, f"data files the manifest does not list: {extra[:5]}"
    docs = all_keys(s3, bucket, key(prefix, "ddl/")) + all_keys(s3, bucket, key(prefix, "glue/"))
    assert docs, "no documents (ddl/, glue/) beside the lake"
    location = f"s3://{bucket}/{key(prefix, 'lake/')}"
    for d in docs:
        text = get(s3, bucket, d).decode()
        assert location in text, f"{d} does not locate its tables under {location}"
    print(json.dumps({
        "files": files,
        "bytes": total,
        "documents": len(docs),
        "paths": sorted(f["path"] for e in manifest["entities"] for f in e["files"]),
        "sha256": {f["path"]: f["sha256"] for e in manifest["entities"] for f in e["files"]},
    }))


def manifest_digest(url, s3_url):
    s3 = client("s3", url)
    bucket, prefix = split(s3_url)
    try:
        body = get(s3, bucket, key(prefix, "lake/_manifest.json"))
    except s3.exceptions.NoSuchKey:
        print("none")
        return
    print(hashlib.sha256(body).hexdigest())


def wait_new(url, s3_url, seconds):
    """Polls the listing only (one process, no download), so the wait costs the run under
    test next to nothing."""
    s3 = client("s3", url)
    bucket, prefix = split(s3_url)
    manifest = json.loads(get(s3, bucket, key(prefix, "lake/_manifest.json")))
    listed = {key(prefix, "lake/" + f["path"]) for e in manifest["entities"] for f in e["files"]}
    deadline = time.monotonic() + float(seconds)
    while time.monotonic() < deadline:
        for k in all_keys(s3, bucket, key(prefix, "lake/")):
            if k.rsplit("/", 1)[-1].startswith("part-") and k not in listed:
                print(f"new {k}", flush=True)
                return
        time.sleep(0.1)
    sys.exit(f"no data file the manifest does not list appeared within {seconds} s")


def glue(url, s3_url, docs_dir):
    g = client("glue", url)
    s3 = client("s3", url)
    bucket, prefix = split(s3_url)
    root = f"s3://{bucket}/{key(prefix, 'lake/')}" if prefix else f"s3://{bucket}/"
    manifest = json.loads(get(s3, bucket, key(prefix, "lake/_manifest.json") if prefix else "_manifest.json"))
    paths = [f["path"] for e in manifest["entities"] for f in e["files"]]
    want = {}
    for dirpath, _, names in os.walk(os.path.join(docs_dir, "glue")):
        folder = os.path.relpath(dirpath, os.path.join(docs_dir, "glue"))
        # `lab publish` leaves the layers the dbt project writes to that project.
        if folder.split(os.sep)[0] in ("processed", "curated"):
            continue
        for n in names:
            doc = json.load(open(os.path.join(dirpath, n)))
            want[doc["Name"], folder] = doc
    tables = 0
    partitions = 0
    seen = set()
    for db in g.get_databases()["DatabaseList"]:
        for t in g.get_paginator("get_tables").paginate(DatabaseName=db["Name"]).build_full_result()["TableList"]:
            tables += 1
            matches = [d for (name, _), d in want.items() if name == t["Name"] and
                       d["StorageDescriptor"]["Location"] == t["StorageDescriptor"]["Location"]]
            assert matches, f"{db['Name']}.{t['Name']} is not described by any Glue document"
            doc = matches[0]
            loc = t["StorageDescriptor"]["Location"]
            assert loc.startswith(root), f"{t['Name']}: location {loc} is not under {root}"
            assert (db["Name"], t["Name"]) not in seen
            seen.add((db["Name"], t["Name"]))
            cols = [(c["Name"], c["Type"]) for c in t["StorageDescriptor"]["Columns"]]
            assert cols == [(c["Name"], c["Type"]) for c in doc["StorageDescriptor"]["Columns"]], t["Name"]
            keys = [p["Name"] for p in t.get("PartitionKeys", [])]
            assert keys == [p["Name"] for p in doc["PartitionKeys"]], t["Name"]
            assert t["TableType"] == "EXTERNAL_TABLE"
            folder = loc[len(root):]
            files = [p for p in paths if p.startswith(folder)]
            # An answer-key table is empty when the systems plant no defect of its kind; an
            # increments table until `lab compile --increments` writes its partitions (their
            # projection needs no registered partition).
            empty_ok = db["Name"] == "answer_key" or db["Name"].endswith("_increments")
            assert files or empty_ok, f"{t['Name']}: no lake file under its location {loc}"
            got = g.get_paginator("get_partitions").paginate(
                DatabaseName=db["Name"], TableName=t["Name"]).build_full_result()["Partitions"]
            if keys:
                dirs = sorted({p[len(folder):].rsplit("/", 1)[0] for p in files})
                expect = sorted((d.split("=", 1)[1], loc + d + "/") for d in dirs)
                have = sorted((p["Values"][0], p["StorageDescriptor"]["Location"]) for p in got)
                assert have == expect, f"{t['Name']}: partitions {have[:3]}…, expected {expect[:3]}…"
                partitions += len(got)
            else:
                assert not got, f"{t['Name']} is unpartitioned but has partitions"
    assert tables == len(want), f"{tables} tables in Glue, {len(want)} Glue documents"
    print(json.dumps({"tables": tables, "partitions": partitions,
                      "databases": len(g.get_databases()["DatabaseList"])}))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "serve":
        serve(args)
    elif cmd == "lake":
        lake(*args)
    elif cmd == "manifest":
        manifest_digest(*args)
    elif cmd == "wait-new":
        wait_new(*args)
    elif cmd == "glue":
        glue(*args)
    else:
        sys.exit(f"unknown command {cmd}")
