"""Releases the documents held for an announcement consultation whose month has passed, once a
day (EventBridge schedule), and tells their patients (an access-log entry). A thin adapter over
MedicalFile.release_due_holds, safe to run twice: visibility itself never waits for this job."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from healthspace.bootstrap import medical_file
from healthspace.observability import logger, metrics


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    released = medical_file().release_due_holds()
    metrics.add_metric(name="HeldDocumentsReleased", unit=MetricUnit.Count, value=len(released))
    logger.info("announcement holds released", extra={"released": len(released)})
    return {"released": len(released)}
