"""Imports an insured-persons file dropped under imports/ in the operations bucket.

A thin adapter over healthspace.importer, which is safe to run twice on the same file (S3
delivers events at least once)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import S3Event, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from healthspace.enrollment.importer import Format, import_population
from healthspace.kernel.observability import logger, metrics
from healthspace.wiring.enrollment import enrollments

enrollments()  # at init: a missing setting stops the function here, naming it

# One file is one invocation, which Lambda stops at 900 s. One invocation notifies about 290
# people/s at AWS latencies (docs/enrollment-scale.md): 100,000 take about 6 minutes. A bigger
# file is refused whole, before anyone is notified: split it, or use `healthspace import`.
MAX_LINES_PER_FILE = 100_000


@logger.inject_lambda_context
@metrics.log_metrics
@event_source(data_class=S3Event)
def lambda_handler(event: S3Event, context: LambdaContext) -> list[dict[str, Any]]:
    service = enrollments()
    summaries = []
    for record in event.records:
        key = unquote_plus(record.s3.get_object.key)
        fmt: Format = "jsonl" if key.endswith((".jsonl", ".ndjson")) else "csv"
        with service.files.read_text(key) as stream:
            summary, _ = import_population(
                service,
                stream,
                fmt,
                key,
                datetime.now(UTC).date(),
                workers=16,
                max_lines=MAX_LINES_PER_FILE,
            )
        metrics.add_metric(name="Notified", unit=MetricUnit.Count, value=summary.notified)
        metrics.add_metric(
            name="RejectedLines", unit=MetricUnit.Count, value=summary.rejected_lines
        )
        logger.info(
            "population file imported",
            extra={k: v for k, v in vars(summary).items() if k != "name"},
        )
        summaries.append(vars(summary))
    return summaries
