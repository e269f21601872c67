"""Migrates a former system's file dropped under migrations/ in the operations bucket.

A thin adapter over healthspace.partners.migration, which is safe to run twice on the same file (S3
delivers events at least once; a run stopped by a crash or the time limit is resumed by dropping
the file again)."""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import S3Event, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from healthspace.kernel.observability import logger, metrics
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


@logger.inject_lambda_context
@metrics.log_metrics
@event_source(data_class=S3Event)
def lambda_handler(event: S3Event, context: LambdaContext) -> list[dict[str, Any]]:
    files = ops_files()
    summaries = []
    for record in event.records:
        key = unquote_plus(record.s3.get_object.key)
        fmt: Format = "ndjson" if key.endswith((".ndjson", ".jsonl")) else "bundle"
        summary, _ = migrate_file(
            medical_file(),
            files,
            partial(files.read_text, key),
            fmt,
            key,
            max_records=MAX_RECORDS_PER_FILE,
        )
        metrics.add_metric(name="MigratedDocuments", unit=MetricUnit.Count, value=summary.filed)
        metrics.add_metric(
            name="RejectedRecords", unit=MetricUnit.Count, value=summary.rejected_records
        )
        # The counts and the report's key; not the file's name (it may name a patient).
        logger.info(
            "migration file processed",
            extra={k: v for k, v in vars(summary).items() if k != "name"},
        )
        summaries.append(vars(summary))
    return summaries
