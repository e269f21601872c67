"""`healthspace directory import FILE`: the national directory's extract (ANS,
PS_LibreAcces_Personne_activite_*.txt) into the directory of professionals, read line by line,
with a progress bar and the error report's location (docs/directory.md)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm


def add_commands(commands: Any) -> None:
    """`directory import`, on the parser's subcommands."""
    directory = commands.add_parser("directory", help="the directory of professionals")
    actions = directory.add_subparsers(dest="action", required=True)
    importing = actions.add_parser("import", help="import an ANS Personne_activite extract")
    importing.add_argument("file")
    importing.set_defaults(run=_import)


def _import(args: argparse.Namespace) -> int:
    from healthspace.wiring.directory_import import import_extract

    path = Path(args.file)
    bar = tqdm(unit="line", desc=f"importing {path.name}", file=sys.stderr)
    with path.open(encoding="utf-8-sig", newline="") as stream:
        summary, errors = import_extract(stream, path.name, lambda done: bar.update(done - bar.n))
    bar.close()
    print(
        f"{summary.lines} lines, {summary.professionals} professionals: {summary.added} added, "
        f"{summary.updated} updated, {summary.unchanged} unchanged, {summary.removed} removed; "
        f"{summary.ignored_lines} ADELI lines ignored, {summary.rejected_lines} rejected "
        f"({summary.errors} errors)"
    )
    for error in errors[:20]:
        print(f"  line {error.line}, {error.field}: {error.reason}")
    if len(errors) > 20:
        print(f"  ... and {len(errors) - 20} more in the report")
    print(f"error report: s3://{os.environ['OPS_BUCKET']}/{summary.report_key}")
    return 1 if errors else 0
