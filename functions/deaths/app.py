"""Imports the death registry's files dropped under deaths/ in the operations bucket: each death
closes the person's space (reason DEATH), the rejected lines go to an error report.

A thin adapter over healthspace.lifecycle.deaths, which is safe to run twice on the same file (S3
delivers events at least once): a closed space is counted, not closed again. A file of more than
MAX_LINES_PER_FILE records is refused whole (the importer says why)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from healthspace.kernel.handlers import for_each_file
from healthspace.kernel.observability import file_processed
from healthspace.lifecycle.deaths import MAX_LINES_PER_FILE, Format, import_deaths
from healthspace.wiring.lifecycle import closures
from healthspace.wiring.ops import ops_files
from healthspace.wiring.records import medical_file

closures()
ops_files()  # at init: a missing setting stops the function here, naming it


def import_file(key: str) -> dict[str, Any]:
    """One death registry file."""
    files, file = ops_files(), medical_file()
    fmt: Format = "jsonl" if key.endswith((".jsonl", ".ndjson")) else "csv"
    with files.read_text(key) as stream:
        summary, _ = import_deaths(
            closures(),
            file.spaces.any_space_of,
            files,
            file.ids,
            stream,
            fmt,
            key,
            datetime.now(UTC).date(),
            max_lines=MAX_LINES_PER_FILE,
        )
    return file_processed(
        "death registry file imported",
        summary,
        SpacesClosedByDeath=summary.closed,
        RejectedLines=summary.rejected_lines,
    )


lambda_handler = for_each_file(import_file)
