"""The wave timer's steps (infra/statemachines/wave.asl.json), one enrollment use case each:

    {"action": "seal", "wave_id"}              -> {"wave_id", "chunks": n}
    {"action": "activate", "chunk_key"}        -> {"activated", "skipped", "unnotified"}
    {"action": "finish", "wave_id"}            -> the wave's summary

A thin adapter over healthspace.enrollment_service.Enrollments. Step Functions retries every
step, and may run a chunk twice: each is safe to repeat because the domain's writes are
conditional (an enrollment goes PENDING -> ACTIVE once, in one transaction).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from healthspace.kernel.observability import logger, metrics
from healthspace.wiring.enrollment import wave_timer

wave_timer()  # at init: a missing setting stops the function here, naming it

# Summary counter -> the metric operators watch per wave (docs/enrollment.md).
_WAVE_METRICS = {
    "notified": "Notified",
    "opposed": "Opposed",
    "activated_early": "ActivatedEarly",
    "activated": "Activated",
    "failed": "Failed",
    "unnotified": "Unnotified",
}


def _seal(event: dict[str, Any]) -> dict[str, Any]:
    wave_id = str(event["wave_id"])
    keys = wave_timer().seal_wave(wave_id)
    logger.info("wave sealed", extra={"wave_id": wave_id, "chunks": len(keys)})
    # The count only: the keys are in chunks.json, and a wave of millions has thousands of them.
    return {"wave_id": wave_id, "chunks": len(keys)}


def _activate(event: dict[str, Any]) -> dict[str, int]:
    chunk_key = str(event["chunk_key"])
    outcome = wave_timer().activate_chunk(chunk_key)
    logger.info("chunk activated", extra={"chunk_key": chunk_key, **outcome})
    return outcome


def _finish(event: dict[str, Any]) -> dict[str, Any]:
    wave_id = str(event["wave_id"])
    summary = wave_timer().finish_wave(wave_id)
    if summary.get("failed_chunks"):
        logger.warning(
            "chunks failed: their keys are under waves/<wave_id>/failed/ for a rerun",
            extra={"wave_id": wave_id, "failed_chunks": summary["failed_chunks"]},
        )
    metrics.add_dimension(name="wave_id", value=wave_id)
    for counter, metric in _WAVE_METRICS.items():
        metrics.add_metric(name=metric, unit=MetricUnit.Count, value=_number(summary, counter))
    rate = _number(summary, "opposition_rate")
    metrics.add_metric(name="OppositionRate", unit=MetricUnit.Percent, value=round(100 * rate, 2))
    logger.info("wave finished", extra={"wave_id": wave_id})
    return summary


def _number(summary: dict[str, Any], key: str) -> float:
    value = summary.get(key, 0)
    return float(value) if isinstance(value, int | float) else 0.0


_ACTIONS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "seal": _seal,
    "activate": _activate,
    "finish": _finish,
}


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    action = _ACTIONS.get(str(event.get("action")))
    if action is None:
        # Only the state machine calls this function: a bad event is a bug, fail the task.
        raise ValueError(f"unknown action {event.get('action')!r}; expected one of {[*_ACTIONS]}")
    return action(event)
