"""Parses the SQL dbt compiled for one target with sqlglot, strictly, in that engine's dialect.
usage: dbt_sql_check.py DIALECT COMPILED_DIR
Every `*.sql` under COMPILED_DIR (dbt's `target/compiled/<project>/`) is one model or test as
dbt would send it to the engine (`athena` or `spark`): each must parse without error. Exit
status 0 when all parse and there is at least one; otherwise every failure is printed and the
status is 1.
"""
import pathlib
import sys

import sqlglot


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    dialect, root = argv[0], pathlib.Path(argv[1])
    files = sorted(root.rglob("*.sql"))
    failures = 0
    for f in files:
        try:
            statements = sqlglot.parse(f.read_text(encoding="utf-8"), read=dialect)
            if not any(s is not None for s in statements):
                raise ValueError("no statement")
        except Exception as e:  # noqa: BLE001 - every parse problem is reported
            failures += 1
            print(f"FAIL {f.relative_to(root)}: {str(e)[:400]}")
    print(f"sqlglot {sqlglot.__version__} ({dialect}): {len(files)} files, {failures} failures")
    return 1 if failures or not files else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
