"""The operators' command line: `healthspace import FILE`, `migrate FILE`, `waves`, `wave ID`.

It runs the domain with the operator's own AWS credentials and the functions' settings from the
environment (TABLE_NAME, OPS_BUCKET, ...), or, with `--local URL`, against a running local stack.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm


def _use_local_stack(url: str) -> None:
    """Point this process at a local stack: its AWS endpoint and the functions' settings."""
    with urllib.request.urlopen(f"{url.rstrip('/')}/local/env", timeout=10) as answer:  # noqa: S310
        os.environ.update(json.load(answer))


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
    from healthspace.wiring.enrollment import ops_files
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


def _wave_row(wave: Any, counts: Any) -> str:
    return (
        f"{wave.wave_id}  {wave.status.value:<10}  deadline {wave.deadline:%Y-%m-%d %H:%M}  "
        f"notified {counts.notified:>9}  opposed {counts.opposed:>7} "
        f"({counts.opposition_rate:.2%})  early {counts.activated_early:>7}  "
        f"activated {counts.activated:>9}  failed {counts.failed}  never told {counts.unnotified}"
    )


def _waves(args: argparse.Namespace) -> int:
    from healthspace.wiring.enrollment import enrollments

    for wave, counts in enrollments().store.list_waves(args.limit):
        print(_wave_row(wave, counts))
    return 0


def _wave(args: argparse.Namespace) -> int:
    from healthspace.wiring.enrollment import enrollments

    store = enrollments().store
    wave = store.get_wave(args.wave_id)
    if wave is None:
        print(f"no wave {args.wave_id}", file=sys.stderr)
        return 2
    print(_wave_row(wave, store.wave_counts(args.wave_id)))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="healthspace", description=__doc__)
    parser.add_argument("--local", metavar="URL", help="use the local stack at URL")
    commands = parser.add_subparsers(dest="command", required=True)
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
    waves = commands.add_parser("waves", help="the waves, newest first, with their figures")
    waves.add_argument("--limit", type=int, default=20)
    waves.set_defaults(run=_waves)
    wave = commands.add_parser("wave", help="one wave's figures")
    wave.add_argument("wave_id")
    wave.set_defaults(run=_wave)
    args = parser.parse_args(argv)
    if args.local:
        _use_local_stack(args.local)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
