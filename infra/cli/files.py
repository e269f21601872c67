"""`healthspace import FILE` and `healthspace migrate FILE`: an operator's file through the
domain, from this machine, with a progress bar and the error report's location."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm


def add_commands(commands: Any) -> None:
    """`import` and `migrate`, on the parser's subcommands."""
    importing = commands.add_parser("import", help="import an insured-persons file")
    importing.add_argument("file")
    importing.add_argument("--format", choices=("csv", "jsonl"))
    importing.set_defaults(run=_import)
    migrating = commands.add_parser(
        "migrate", help="migrate a former system's file (NDJSON or a Bundle of DocumentReference)"
    )
    migrating.add_argument("file")
    migrating.add_argument("--format", choices=("ndjson", "bundle"))
    migrating.set_defaults(run=_migrate)


def _import(args: argparse.Namespace) -> int:
    from healthspace.enrollment.importer import Format, import_population
    from healthspace.wiring.enrollment import enrollments

    path = Path(args.file)
    fmt: Format = args.format or ("jsonl" if path.suffix in (".jsonl", ".ndjson") else "csv")
    bar = tqdm(unit="person", desc=f"notifying {path.name}", file=sys.stderr)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    with path.open(encoding="utf-8-sig", newline="") as stream:
        summary, errors = import_population(
            enrollments(), stream, fmt, path.name, datetime.now(UTC).date(), progress
        )
    bar.close()
    print(
        f"{summary.lines} lines: {summary.notified} notified, {summary.already_enrolled} already "
        f"enrolled, {summary.rejected_lines} rejected ({summary.errors} errors)"
    )
    for error in errors:
        print(f"  line {error.line}, {error.field}: {error.reason}")
    print(f"error report: s3://{os.environ['OPS_BUCKET']}/{summary.report_key}")
    return 1 if errors else 0


def _migrate(args: argparse.Namespace) -> int:
    """A former system's file, from this machine: no record limit (the function has one)."""
    from healthspace.partners.migration import Format, migrate_file
    from healthspace.wiring.ops import ops_files
    from healthspace.wiring.records import medical_file

    path = Path(args.file)
    fmt: Format = args.format or ("ndjson" if path.suffix in (".ndjson", ".jsonl") else "bundle")
    bar = tqdm(unit="record", desc=f"migrating {path.name}", file=sys.stderr)
    summary, errors = migrate_file(
        medical_file(),
        ops_files(),
        lambda: path.open(encoding="utf-8-sig"),
        fmt,
        path.name,
        progress=lambda done: bar.update(done - bar.n),
    )
    bar.close()
    print(
        f"{summary.records} records: {summary.filed} filed, {summary.already_there} already "
        f"there, {summary.rejected_records} rejected ({summary.errors} errors)"
    )
    for error in errors:
        print(f"  record {error.line}, {error.field}: {error.reason}")
    print(f"error report: s3://{os.environ['OPS_BUCKET']}/{summary.report_key}")
    return 1 if errors else 0
