"""Imports an insured-persons file dropped under imports/ in the operations bucket.

A thin adapter over healthspace.enrollment.importer, which is safe to run twice on the same file
(S3 delivers events at least once). A file of more than MAX_LINES_PER_FILE records is refused
whole (the importer says why)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from healthspace.enrollment.importer import MAX_LINES_PER_FILE, Format, import_population
from healthspace.kernel.handlers import for_each_file
from healthspace.kernel.observability import file_processed
from healthspace.wiring.enrollment import enrollments

enrollments()  # at init: a missing setting stops the function here, naming it


def import_file(key: str) -> dict[str, Any]:
    """One insured-persons file, its people notified today."""
    desk = enrollments()
    fmt: Format = "jsonl" if key.endswith((".jsonl", ".ndjson")) else "csv"
    today = datetime.now(UTC).date()
    with desk.files.read_text(key) as stream:
        summary, _ = import_population(
            desk, stream, fmt, key, today, workers=16, max_lines=MAX_LINES_PER_FILE
        )
    return file_processed(
        "population file imported",
        summary,
        Notified=summary.notified,
        RejectedLines=summary.rejected_lines,
    )


lambda_handler = for_each_file(import_file)
