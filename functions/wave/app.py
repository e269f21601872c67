"""The wave timer's steps (infra/statemachines/wave.asl.json), one enrollment use case each:

    {"action": "seal", "wave_id"}              -> {"wave_id", "chunks": n}
    {"action": "activate", "chunk_key"}        -> {"activated", "skipped", "failed"}
    {"action": "finish", "wave_id", "results"} -> the wave's summary (results: per chunk)

A thin adapter over healthspace.enrollment_service.Enrollments. Step Functions retries every
step, and may run a chunk twice: each is safe to repeat because the domain's writes are
conditional (an enrollment goes PENDING -> ACTIVE once, in one transaction).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from healthspace.bootstrap import enrollments
from healthspace.observability import logger, metrics

_COUNTS = ("activated", "skipped", "failed")
# Summary counter -> the metric operators watch per wave (docs/enrollment.md).
_WAVE_METRICS = {
    "notified": "Notified",
    "opposed": "Opposed",
    "activated_early": "ActivatedEarly",
    "activated": "Activated",
    "failed": "Failed",
}


def _seal(event: dict[str, Any]) -> dict[str, Any]:
    wave_id = str(event["wave_id"])
    keys = enrollments().seal_wave(wave_id)
    logger.info("wave sealed", extra={"wave_id": wave_id, "chunks": len(keys)})
    # The count only: the keys are in chunks.json, and a wave of millions has thousands of them.
    return {"wave_id": wave_id, "chunks": len(keys)}


def _activate(event: dict[str, Any]) -> dict[str, int]:
    chunk_key = str(event["chunk_key"])
    outcome = enrollments().activate_chunk(chunk_key)
    logger.info("chunk activated", extra={"chunk_key": chunk_key, **outcome})
    return {name: int(outcome.get(name, 0)) for name in _COUNTS}


def _finish(event: dict[str, Any]) -> dict[str, Any]:
    wave_id = str(event["wave_id"])
    results = event.get("results") or []
    # A chunk that kept failing arrives as {"failed": 1, "chunk_key": ...} (the state machine's
    # Catch): its key is logged so operators can rerun it, and its pending people are counted.
    failed_chunks = [r["chunk_key"] for r in results if r.get("failed") and "chunk_key" in r]
    if failed_chunks:
        logger.warning("chunks failed", extra={"wave_id": wave_id, "chunk_keys": failed_chunks})
    summary = enrollments().finish_wave(wave_id, failed_chunks)
    metrics.add_dimension(name="wave_id", value=wave_id)
    for counter, metric in _WAVE_METRICS.items():
        metrics.add_metric(name=metric, unit=MetricUnit.Count, value=_number(summary, counter))
    rate = _number(summary, "opposition_rate")
    metrics.add_metric(name="OppositionRate", unit=MetricUnit.Percent, value=round(100 * rate, 2))
    logger.info("wave finished", extra={"wave_id": wave_id, "chunks": len(results)})
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
