"""The suspension workflow's last step (infra/statemachines/suspension.asl.json):

    {"space_id", "version"} -> {"space_id", "outcome": "closed" | "lifted" | "already-closed"}

closes the space (SUSPENSION_UNANSWERED) if it is still suspended at the version the suspension
left it at. A thin adapter over healthspace.lifecycle.suspensions; safe to repeat (Step
Functions retries): the closure is one conditional write, a closed space is left as it is."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from healthspace.kernel.observability import logger, metrics
from healthspace.lifecycle.suspensions import Expiry
from healthspace.wiring.lifecycle_ops import suspensions

suspensions()  # at init: a missing setting stops the function here, naming it


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    space_id, version = str(event["space_id"]), int(event["version"])
    outcome = suspensions().expire(space_id, version)
    logger.info("suspension wait ended", extra={"space_id": space_id, "outcome": outcome.value})
    if outcome is Expiry.CLOSED:
        metrics.add_metric(name="SuspensionsClosed", unit=MetricUnit.Count, value=1)
    return {"space_id": space_id, "outcome": outcome.value}
