"""Hands over the reminders due before appointments, every five minutes (EventBridge schedule),
each exactly once (healthspace.agenda.reminders, docs/agenda.md "Reminders"). A thin adapter:
a run that fails moves no cursor, and the next one sweeps the same slots again."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from healthspace.kernel.observability import logger, metrics, outcomes_counted
from healthspace.wiring.reminders import reminder_job

reminder_job()  # at init: a missing setting stops the function here, naming it


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = reminder_job().run(seconds_left=lambda: context.get_remaining_time_in_millis() / 1000)
    counts = outcomes_counted("Reminders", report.outcomes)
    # Counts and instants only: no space, appointment or address.
    logger.info(
        "reminders handed over",
        extra={
            "since": report.since.isoformat(),
            "until": report.until.isoformat(),
            "stopped_early": report.stopped_early,
            "outcomes": counts,
        },
    )
    return {"until": report.until.isoformat(), "outcomes": counts}
