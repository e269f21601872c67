"""Releases the documents held for an announcement consultation whose month has passed, once a
day (EventBridge schedule), and tells their patients (an access-log entry). A thin adapter over
Holds.release_due_holds, safe to run twice: visibility itself never waits for this job."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from healthspace.kernel.observability import logger, metrics
from healthspace.wiring.records import medical_file

medical_file()  # at init: a missing setting stops the function here, naming it


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    released = medical_file().holds.release_due_holds()
    metrics.add_metric(name="HeldDocumentsReleased", unit=MetricUnit.Count, value=len(released))
    logger.info("announcement holds released", extra={"released": len(released)})
    return {"released": len(released)}
