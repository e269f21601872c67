"""Tells each space's contact, once, that a step of the prevention calendar opens, every morning
(EventBridge schedule; healthspace.agenda.prevention_reminders, docs/reminders.md "Prevention
reminders"). A thin adapter: a run that fails moves no cursor, and the next one sweeps the same
days again (the markers stop every repeat)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from healthspace.kernel.observability import logger, metrics, outcomes_counted
from healthspace.wiring.reminders import prevention_reminder_job

prevention_reminder_job()  # at init: a missing setting stops the function here, naming it


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = prevention_reminder_job().run(
        seconds_left=lambda: context.get_remaining_time_in_millis() / 1000
    )
    counts = outcomes_counted("PreventionReminders", report.told)
    # Counts and days only: no space, item or address.
    logger.info(
        "prevention reminders handed over",
        extra={
            "since": report.since.isoformat(),
            "until": report.until.isoformat(),
            "birth_dates_read": report.queries,
            "stopped_early": report.stopped_early,
            "told": counts,
        },
    )
    return {"until": report.until.isoformat(), "told": counts}
