"""The archive and reopen workflows' steps (infra/statemachines/archive.asl.json and
reopen.asl.json), one lifecycle use case each:

    {"action": "write", "space_id"}            -> {"space_id", "archive": ArchiveRef | null}
    {"action": "settle", "space_id", "archive"} -> {"space_id", "archived": bool}
    {"action": "clear", "space_id"}            -> {"items": n, "objects": n}
    {"action": "restore", "space_id", "token"} -> {"restored": bool} (the task waits for its token)
    {"action": "rehydrate", "space_id"}        -> {"items": n, "objects": n}
    {"action": "abandon", "space_id"}          -> {"abandoned": bool} (the reopening's catch)

A thin adapter over healthspace.lifecycle. Step Functions retries every step; each is safe to
repeat (healthspace.lifecycle.archive and .reopen say how). Inputs and outputs hold ids, keys,
sizes and SHA-256 only, never health data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from healthspace.kernel.observability import logger, metrics
from healthspace.lifecycle.model import ArchiveRef
from healthspace.wiring.lifecycle import archives, reopenings

archives()  # at init: a missing setting stops the function here, naming it
reopenings()


def _write(event: dict[str, Any]) -> dict[str, Any]:
    ref = archives().write(str(event["space_id"]))
    return {"space_id": event["space_id"], "archive": ref.model_dump(mode="json") if ref else None}


def _settle(event: dict[str, Any]) -> dict[str, Any]:
    ref = ArchiveRef.model_validate(event["archive"])
    archived = archives().settle(str(event["space_id"]), ref)
    if archived:
        metrics.add_metric(name="SpaceArchived", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="ArchiveBytes", unit=MetricUnit.Bytes, value=ref.size)
    return {"space_id": event["space_id"], "archived": archived}


def _clear(event: dict[str, Any]) -> dict[str, Any]:
    return archives().clear(str(event["space_id"]))


def _restore(event: dict[str, Any]) -> dict[str, Any]:
    return {"restored": reopenings().restore(str(event["space_id"]), str(event["token"]))}


def _rehydrate(event: dict[str, Any]) -> dict[str, Any]:
    done = reopenings().rehydrate(str(event["space_id"]))
    metrics.add_metric(name="SpaceReopened", unit=MetricUnit.Count, value=1)
    return {"items": done.items, "objects": done.objects}


def _abandon(event: dict[str, Any]) -> dict[str, Any]:
    abandoned = reopenings().abandon(str(event["space_id"]))
    if abandoned:
        logger.warning("reopening abandoned: the space is ARCHIVED again, it may be asked again")
    return {"abandoned": abandoned}


_ACTIONS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "write": _write,
    "settle": _settle,
    "clear": _clear,
    "restore": _restore,
    "rehydrate": _rehydrate,
    "abandon": _abandon,
}


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    action = _ACTIONS.get(str(event.get("action")))
    if action is None:
        # Only the state machines call this function: a bad event is a bug, fail the task.
        raise ValueError(f"unknown action {event.get('action')!r}; expected one of {[*_ACTIONS]}")
    logger.append_keys(space_id=event.get("space_id"), action=event.get("action"))
    return action(event)
