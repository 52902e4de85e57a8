#!/usr/bin/env python3
"""Rows, columns and bytes of every Parquet file under a directory, from the file footers.

Standard library only (no pyarrow): reads the Thrift-compact FileMetaData at the end of each
file just far enough to get the schema (leaf column count) and `num_rows`.

Usage: python3 benches/parquet_stats.py DIR [--tables]

Prints one line `rows columns cells bytes files` for the whole directory; with --tables, first
one line per table `table rows columns cells bytes files`. A table is the file's parent
directory (lab: .../<entity>/part-00000.parquet, tpchgen-cli with --parts: .../<table>/…) or,
for files directly in DIR, the file name without `.parquet` (tpchgen-cli: <table>.parquet).
"""

import os
import struct
import sys


class Compact:
    """A minimal Thrift compact-protocol reader."""

    def __init__(self, buf):
        self.b = buf
        self.i = 0

    def byte(self):
        v = self.b[self.i]
        self.i += 1
        return v

    def varint(self):
        shift = 0
        out = 0
        while True:
            v = self.byte()
            out |= (v & 0x7F) << shift
            if v < 0x80:
                return out
            shift += 7

    def zigzag(self):
        n = self.varint()
        return (n >> 1) ^ -(n & 1)

    def field(self, last):
        """Returns (field id, type) or (None, 0) at STOP."""
        h = self.byte()
        if h == 0:
            return None, 0
        t = h & 0x0F
        d = h >> 4
        fid = last + d if d else self.zigzag()
        return fid, t

    def list_header(self):
        h = self.byte()
        n = h >> 4
        if n == 15:
            n = self.varint()
        return n, h & 0x0F

    def skip(self, t):
        if t in (1, 2):  # bool true / false (value in the type nibble)
            return
        if t == 3:  # byte
            self.i += 1
        elif t in (4, 5, 6):  # i16, i32, i64
            self.varint()
        elif t == 7:  # double
            self.i += 8
        elif t == 8:  # binary / string
            n = self.varint()
            self.i += n
        elif t in (9, 10):  # list, set
            n, et = self.list_header()
            for _ in range(n):
                if et in (1, 2):
                    self.i += 1  # bools in lists take a byte each
                else:
                    self.skip(et)
        elif t == 11:  # map
            n = self.varint()
            if n:
                kv = self.byte()
                for _ in range(n):
                    self.skip(kv >> 4)
                    self.skip(kv & 0x0F)
        elif t == 12:  # struct
            last = 0
            while True:
                fid, ft = self.field(last)
                if fid is None:
                    return
                self.skip(ft)
                last = fid
        else:
            raise ValueError(f"unknown thrift compact type {t}")


def footer(path):
    """(num_rows, leaf columns) of one Parquet file."""
    with open(path, "rb") as f:
        f.seek(-8, os.SEEK_END)
        tail = f.read(8)
        if tail[4:] != b"PAR1":
            raise ValueError(f"{path}: not a Parquet file")
        (n,) = struct.unpack("<I", tail[:4])
        f.seek(-8 - n, os.SEEK_END)
        meta = f.read(n)
    r = Compact(meta)
    rows = None
    leaves = 0
    last = 0
    while True:
        fid, t = r.field(last)
        if fid is None:
            break
        if fid == 2 and t == 9:  # schema: list<SchemaElement>
            count, _ = r.list_header()
            for _ in range(count):
                children = 0
                flast = 0
                while True:
                    sfid, st = r.field(flast)
                    if sfid is None:
                        break
                    if sfid == 5 and st == 5:  # num_children
                        children = r.zigzag()
                    else:
                        r.skip(st)
                    flast = sfid
                if children == 0:
                    leaves += 1
        elif fid == 3 and t == 6:  # num_rows
            rows = r.zigzag()
        else:
            r.skip(t)
        last = fid
        if rows is not None and leaves:
            break
    if rows is None:
        raise ValueError(f"{path}: footer has no num_rows")
    return rows, leaves


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        sys.exit(__doc__)
    root = os.path.abspath(args[0])
    tables = {}
    for d, _, files in os.walk(root):
        for name in sorted(files):
            if not name.endswith(".parquet"):
                continue
            p = os.path.join(d, name)
            rows, cols = footer(p)
            t = name[: -len(".parquet")] if d == root else os.path.basename(d)
            e = tables.setdefault(t, [0, cols, 0, 0])
            e[0] += rows
            e[2] += os.path.getsize(p)
            e[3] += 1
    tot = [0, 0, 0, 0]
    for t in sorted(tables):
        rows, cols, size, files = tables[t]
        if "--tables" in sys.argv:
            print(t, rows, cols, rows * cols, size, files)
        tot[0] += rows
        tot[1] += rows * cols
        tot[2] += size
        tot[3] += files
    ncols = sum(e[1] for e in tables.values())
    print(tot[0], ncols, tot[1], tot[2], tot[3])


if __name__ == "__main__":
    main()
