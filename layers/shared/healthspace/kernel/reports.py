"""Operators' error reports of a file (a population file, a former system's export): one row
per problem, where it is and what is wrong, never the value itself (it may be health data)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import NamedTuple, Protocol, TextIO

RECORD = "record"
"""The field name of problems that concern a whole line rather than one of its fields."""


class LineError(NamedTuple):
    """One problem of one line: where it is and what is wrong, never the value itself."""

    line: int
    field: str
    reason: str


def write_error_report(errors: Iterable[LineError], stream: TextIO) -> int:
    """Write the errors as CSV (line, field, reason); return how many were written."""
    writer = csv.writer(stream)
    writer.writerow(LineError._fields)
    count = 0
    for error in errors:
        writer.writerow(error)
        count += 1
    return count


class ReportFiles(Protocol):
    """Where an import's reports go (the operations bucket)."""

    def put_json(self, key: str, value: object) -> None: ...
    def put_text(self, key: str, text: str, content_type: str) -> None: ...
