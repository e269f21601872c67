"""Migrates a former system's file dropped under migrations/ in the operations bucket.

A thin adapter over healthspace.partners.migration, which is safe to run twice on the same file (S3
delivers events at least once; a run stopped by a crash or the time limit is resumed by dropping
the file again)."""

from __future__ import annotations

from functools import partial
from typing import Any

from healthspace.kernel.handlers import for_each_file
from healthspace.kernel.observability import file_processed
from healthspace.partners.migration import Format, migrate_file
from healthspace.wiring.ops import ops_files
from healthspace.wiring.records import medical_file

medical_file()
ops_files()  # at init: a missing setting stops the function here, naming it

# One file is one invocation, which Lambda stops at 900 s. A record costs an S3 write, a DynamoDB
# transaction and, on a space's first document, a KMS call: about 50 ms at AWS latencies, and
# more for large documents; 5,000 records leave a wide margin. A bigger file is refused whole,
# before anything is filed: split it, or use `healthspace migrate`.
MAX_RECORDS_PER_FILE = 5_000


def migrate(key: str) -> dict[str, Any]:
    """One former system's file."""
    files = ops_files()
    fmt: Format = "ndjson" if key.endswith((".ndjson", ".jsonl")) else "bundle"
    read = partial(files.read_text, key)
    summary, _ = migrate_file(
        medical_file(), files, read, fmt, key, max_records=MAX_RECORDS_PER_FILE
    )
    return file_processed(
        "migration file processed",
        summary,
        MigratedDocuments=summary.filed,
        RejectedRecords=summary.rejected_records,
    )


lambda_handler = for_each_file(migrate)
