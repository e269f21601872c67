"""The template's schedules, fired by the local stack: EventBridge never fires in moto (DESIGN.md).

Each SAM `ScheduleV2` event (of a function: the daily holds' releases, the reminders every five
minutes; of a state machine: the daily purge sweep) becomes a `Schedule` the stack can fire on
demand (`LocalStack.fire`, what tests and benchmarks call) or, with
`LocalStack(schedule_seconds=...)`, from a ticker thread: a daily schedule every so many seconds
(a demo sees a purge without waiting a day), one that repeats within the hour at its own period
when that is shorter (the reminders: every five minutes, as in AWS). A state machine's schedule
starts an execution with its Input, named as EventBridge Scheduler never would be (it lets AWS
name them): `<logical id>-<utc timestamp>-<n>`; a function's is invoked with the event
EventBridge sends.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3

from infra.local.periodic import Periodic
from infra.local.template import Resolver, Template

log = logging.getLogger(__name__)
_SCHEDULED = ("AWS::Serverless::Function", "AWS::Serverless::StateMachine")


@dataclass(frozen=True)
class Schedule:
    logical_id: str  # the function's or the state machine's
    event: str  # the event's name in the template
    kind: str  # the resource type
    target: str  # the function's name, or the state machine's ARN
    expression: str
    input: str = "{}"

    @property
    def period_seconds(self) -> float | None:
        """The period of a schedule that repeats within the hour: `rate(5 minutes)`,
        `cron(0/5 * * * ? *)`; None for the others (daily)."""
        every = re.fullmatch(r"rate\((\d+) minutes?\)", self.expression) or re.fullmatch(
            r"cron\((?:0|\*)/(\d+) \* \* \* \? \*\)", self.expression
        )
        return int(every.group(1)) * 60.0 if every else None


def load_schedules(template: Template, resolver: Resolver) -> list[Schedule]:
    found = []
    for kind in _SCHEDULED:
        for resource in template.of_type(kind):
            events = template.properties(resource.logical_id).get("Events") or {}
            for name, event in events.items():
                if event.get("Type") != "ScheduleV2":
                    continue
                props = event.get("Properties") or {}
                found.append(
                    Schedule(
                        logical_id=resource.logical_id,
                        event=name,
                        kind=kind,
                        target=resolver.refs[resource.logical_id],
                        expression=str(props.get("ScheduleExpression", "")),
                        input=str(props.get("Input", "{}")),
                    )
                )
    return found


class Ticker(Periodic):
    """Fires schedules: a state machine's by StartExecution (moto executes it), a function's by
    `invoke` (the stack's registry)."""

    thread_name = "schedule-ticker"

    def __init__(self, schedules: list[Schedule], invoke: Callable[[str, Any], Any]) -> None:
        super().__init__()
        self.schedules = {s.logical_id: s for s in schedules}
        self._invoke = invoke
        self._serial = itertools.count(1)
        self._every: dict[str, float] = {}  # by schedule, once started
        self._next: dict[str, float] = {}

    def start(self, interval_seconds: float) -> None:
        """Fire each schedule every `interval_seconds`, or at its own period if shorter."""
        self._every = {
            logical_id: min(interval_seconds, schedule.period_seconds or interval_seconds)
            for logical_id, schedule in self.schedules.items()
        }
        now = time.monotonic()
        self._next = {logical_id: now + every for logical_id, every in self._every.items()}
        super().start(min(self._every.values(), default=interval_seconds))

    def fire(self, logical_id: str) -> str:
        """Fire one schedule now: the execution's ARN, or the function's name."""
        schedule = self.schedules[logical_id]
        if schedule.kind == "AWS::Serverless::StateMachine":
            name = f"{logical_id}-{datetime.now(UTC):%Y%m%dT%H%M%S}-{next(self._serial)}"
            started = boto3.client("stepfunctions").start_execution(
                stateMachineArn=schedule.target, name=name, input=schedule.input
            )
            return str(started["executionArn"])
        event = {
            "version": "0",
            "source": "aws.scheduler",
            "detail-type": "Scheduled Event",
            "time": datetime.now(UTC).isoformat(),
            "detail": json.loads(schedule.input),
        }
        self._invoke(logical_id, event)
        return schedule.target

    def round(self) -> None:
        """Fire every schedule whose time has come (every one, before `start`); a failed one is
        logged, the others still fire."""
        now = time.monotonic()
        for logical_id in list(self.schedules):
            if now < self._next.get(logical_id, now):
                continue
            if logical_id in self._every:
                self._next[logical_id] = now + self._every[logical_id]
            try:
                self.fire(logical_id)
            except Exception:  # a failed tick is logged; the next one runs
                log.exception("schedule %s failed", logical_id)
