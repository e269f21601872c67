"""Powertools logger and metrics, set up once for every function.

No Powertools Tracer: Lambda's active tracing (template.yaml) already records each invocation and
its AWS calls' latency, and the Tracer's X-Ray SDK import alone costs ~250 ms of cold start
(measured by `make bench`).

Log pseudonymous ids only (space ids, subjects): never an INS, a name or health data.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

Outcome = TypeVar("Outcome", bound=StrEnum)

logger = Logger()
metrics = Metrics()


def file_processed(message: str, summary: object, **counts: int) -> dict[str, Any]:
    """Report one operations file a function went through (an import, a migration): `counts` as
    metrics, the summary's counts and report key in the log, never its name (a file's name may
    name a patient). Returns the whole summary, for the function's answer."""
    for name, value in counts.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    fields = dict(vars(summary))
    logger.info(message, extra={k: v for k, v in fields.items() if k != "name"})
    return fields


def outcomes_counted(prefix: str, outcomes: Mapping[Outcome, int]) -> dict[str, int]:
    """A job's outcomes as metrics (`<prefix><Outcome>`: "handed-over" gives HandedOver) and as
    the counts its log and answer carry, by the outcome's value."""
    for outcome, count in outcomes.items():
        name = prefix + outcome.value.title().replace("-", "")
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=count)
    return {outcome.value: count for outcome, count in sorted(outcomes.items())}
