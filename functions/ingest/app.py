"""Ingests an upload: S3 ObjectCreated in the quarantine bucket → checked, encrypted, filed.

A thin adapter over MedicalFile.ingest, which is idempotent (S3 delivers at least once). Patients'
and professionals' uploads alike: the upload record says who the author is and what the deposit
rules decided (masked, held for announcement, confidential from representatives).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import S3Event, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from healthspace.kernel.observability import logger, metrics
from healthspace.wiring.records import medical_file

medical_file()  # at init: a missing setting stops the function here, naming it


@logger.inject_lambda_context
@metrics.log_metrics
@event_source(data_class=S3Event)
def lambda_handler(event: S3Event, context: LambdaContext) -> dict[str, Any]:
    results: dict[str, int] = {}
    for record in event.records:
        # S3 sends the key URL-encoded (spaces as '+').
        key = unquote_plus(record.s3.get_object.key)
        status = medical_file().uploads.ingest(key, record.s3.get_object.size or 0)
        outcome = status.value if status else "UNKNOWN"
        results[outcome] = results.get(outcome, 0) + 1
        metrics.add_metric(name=f"Upload{outcome.title()}", unit=MetricUnit.Count, value=1)
        logger.info("upload processed", extra={"outcome": outcome})
    return results
