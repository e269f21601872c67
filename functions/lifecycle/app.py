"""The deletion and purge workflows' steps (infra/statemachines/deletion.asl.json and
purge.asl.json), one lifecycle use case each:

    {"action": "erase", "space_id"}                 -> {"space_id", "outcome", "objects", "items"}
    {"action": "plan", "run_id"}                    -> the sweep's plan (manifest key, counts)
    {"action": "purge", "space_ids": [...]}         -> {"purged", "already", "skipped", ...}
    {"action": "advance", "through": "yyyy-mm-dd"}  -> {"cursor"}

A thin adapter over healthspace.lifecycle. Step Functions retries every step and may run one
twice: each is idempotent (a space's deletion goes on where it stopped, counts nothing twice).
Logs and outputs carry space ids (random, pseudonymous) and counts, never anything they held.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from healthspace.kernel.observability import logger, metrics
from healthspace.lifecycle.deletion_model import Erasure
from healthspace.wiring.erasing import eraser, purge_sweep

purge_sweep()  # at init: a missing setting stops the function here, naming it


def _erase(event: dict[str, Any]) -> dict[str, Any]:
    space_id = str(event["space_id"])
    erased = eraser().erase(space_id)
    logger.info(
        "space deletion run",
        extra={"space_id": space_id, "outcome": erased.outcome.value, "objects": erased.objects},
    )
    done = erased.outcome is Erasure.DONE
    metrics.add_metric(name="SpacesDeleted", unit=MetricUnit.Count, value=1 if done else 0)
    return {
        "space_id": space_id,
        "outcome": erased.outcome.value,
        "objects": erased.objects,
        "items": erased.items,
    }


def _plan(event: dict[str, Any]) -> dict[str, Any]:
    plan = purge_sweep().plan(str(event["run_id"]))
    logger.info("purge sweep planned", extra=plan.to_json())
    metrics.add_metric(name="SpacesDueForPurge", unit=MetricUnit.Count, value=plan.spaces)
    return plan.to_json()


def _purge(event: dict[str, Any]) -> dict[str, Any]:
    space_ids = event["space_ids"]
    if not isinstance(space_ids, list):
        raise TypeError("space_ids must be a list")
    tally = purge_sweep().purge_batch([str(s) for s in space_ids])
    logger.info("purge batch done", extra=tally)
    metrics.add_metric(name="SpacesPurged", unit=MetricUnit.Count, value=tally["purged"])
    return tally


def _advance(event: dict[str, Any]) -> dict[str, Any]:
    cursor = purge_sweep().advance(date.fromisoformat(str(event["through"])))
    logger.info("purge sweep cursor", extra={"cursor": cursor.isoformat()})
    return {"cursor": cursor.isoformat()}


_ACTIONS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "erase": _erase,
    "plan": _plan,
    "purge": _purge,
    "advance": _advance,
}


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    action = _ACTIONS.get(str(event.get("action")))
    if action is None:
        # Only the state machines call this function: a bad event is a bug, fail the task.
        raise ValueError(f"unknown action {event.get('action')!r}; expected one of {[*_ACTIONS]}")
    return action(event)
