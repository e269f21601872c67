"""The wave timer tier: the local stack in this process (every resource of template.yaml in
moto, Step Functions executing, lambda:invoke tasks routed to the real WaveFunction handler), and
people enrolled through the domain on the stack's table and operations bucket."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from healthspace import wiring
from healthspace.enrollment.enrollments import Enrollments, Rules
from healthspace.wiring.enrollment import enrollments
from infra.local.stack import LocalStack
from tests.fakes import FakeClock, FakeNotifier, FakeScheduler


@dataclass
class WaveHandler:
    """The real handler, counting its calls; it can lose its first answer for chosen chunks, as
    when Lambda times out after the work was done, so that Step Functions runs the chunk again."""

    lose_first_answer: set[str] = field(default_factory=set)
    attempts: Counter[str] = field(default_factory=Counter)

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        key = str(event.get("chunk_key") or event.get("action"))
        self.attempts[key] += 1
        from functions.wave import app  # loaded by the stack, under its settings

        result = app.lambda_handler(event, context)
        if key in self.lose_first_answer:
            self.lose_first_answer.discard(key)
            raise TimeoutError("the answer was lost after the work was done")
        return result


@pytest.fixture(scope="module")
def wave_handler() -> WaveHandler:
    return WaveHandler()


@pytest.fixture(scope="module")
def stack(wave_handler: WaveHandler) -> Iterator[LocalStack]:
    with LocalStack(port=0, demo=False, handlers={"WaveFunction": wave_handler}) as running:
        # the wiring caches its roots per process: start (and leave) with none from other tiers.
        wiring.forget()
        yield running
        wiring.forget()


@dataclass
class Domain:
    """`timer`: the instance the WaveFunction handler uses (its wiring root). `desk`: the same
    table, bucket and pepper, with a recording notifier (to read the codes sent) and no
    scheduler, on a clock set to a day of its own, so each test has its own wave."""

    timer: Enrollments
    desk: Enrollments
    notifier: FakeNotifier
    clock: FakeClock


_days = iter(range(1, 28))


@pytest.fixture
def domain(stack: LocalStack) -> Domain:
    timer = enrollments()
    notifier = FakeNotifier()
    clock = FakeClock(datetime(2031, 3, next(_days), 9, 0, tzinfo=UTC))
    desk = Enrollments(
        store=timer.store,
        notifier=notifier,
        files=timer.files,
        scheduler=FakeScheduler(),
        pepper=timer.pepper,
        clock=clock,
        ids=timer.ids,
        new_space=timer.new_space,
        render_receipt=timer.render_receipt,
        render_request=timer.render_request,
        # Long enough for the arrangement: the timer's deadline is given to the execution.
        rules=Rules(window=timedelta(hours=1)),
    )
    return Domain(timer=timer, desk=desk, notifier=notifier, clock=clock)
