"""The local stack's ticker (infra/local/schedules.py): the template's schedules, each fired at
its own period when it repeats within the hour (the reminders), else at the stack's interval."""

from __future__ import annotations

from typing import Any

import pytest

from infra.local import schedules
from infra.local.schedules import Schedule, Ticker, load_schedules
from infra.local.template import Resolver, load_template

FUNCTION = "AWS::Serverless::Function"


def test_the_templates_schedules_include_the_reminders_every_five_minutes() -> None:
    template = load_template()
    resolver = Resolver(template, refs={name: name for name in template.resources})
    found = {s.logical_id: s for s in load_schedules(template, resolver)}
    assert found["RemindersFunction"].period_seconds == 300
    assert found["ReleasesFunction"].period_seconds is None  # daily
    assert found["PurgeStateMachine"].period_seconds is None


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(5 minutes)", 300),
        ("rate(1 minute)", 60),
        ("cron(0/5 * * * ? *)", 300),
        ("cron(*/10 * * * ? *)", 600),
        ("cron(15 2 * * ? *)", None),
        ("rate(1 day)", None),
    ],
)
def test_a_schedules_period(expression: str, seconds: float | None) -> None:
    assert Schedule("F", "E", FUNCTION, "f", expression).period_seconds == seconds


def test_each_schedule_fires_at_its_own_period_under_the_stacks_interval(monkeypatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(schedules.time, "monotonic", lambda: clock[0])
    fired: list[str] = []

    def invoke(logical_id: str, event: Any) -> None:
        fired.append(logical_id)

    ticker = Ticker(
        [
            Schedule("Reminders", "Every", FUNCTION, "r", "cron(0/5 * * * ? *)"),
            Schedule("Releases", "Daily", FUNCTION, "d", "cron(15 2 * * ? *)"),
        ],
        invoke,
    )
    ticker.round()  # before start: every schedule
    assert fired == ["Reminders", "Releases"]
    monkeypatch.setattr(Ticker.__mro__[1], "start", lambda self, interval: None)
    ticker.start(3600)
    fired.clear()
    for _ in range(12):  # an hour, a round every five minutes
        clock[0] += 300
        ticker.round()
    assert fired.count("Reminders") == 12 and fired.count("Releases") == 1
