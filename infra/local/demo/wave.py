"""The demo wave: the demo population imported through the real importer once the stack is up
(everyone notified: SES, SNS, letters; the wave's timer started), then a few oppose and a few
activate early through the public API with the codes they were sent, as people would."""

from __future__ import annotations

import io
import json
import logging
import random
import re
import threading
import time
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from infra.local.demo.population import DEMO_WAVE_SIZE, WavePerson, demo_population
from infra.local.outbox import read_outbox

if TYPE_CHECKING:
    from healthspace.enrollment.enrollments import Enrollments
    from healthspace.enrollment.model import Citizen, Contact, Enrollment

log = logging.getLogger(__name__)

# The 3.3 M-person pilot's opposition rate: the demo wave shows the same.
PILOT_OPPOSITION_RATE = 0.007
EARLY_ACTIVATION_RATE = 0.01  # a few open their space as soon as they are told
DEMO_FILE_NAME = "demo-population.csv"
_CODE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")


@dataclass(frozen=True)
class CodeHolder:
    """A notified person of the demo wave and the code they received (local only)."""

    person: WavePerson
    code: str
    channel: str


@dataclass(frozen=True)
class DemoWave:
    wave_id: str
    deadline: datetime
    file_lines: int
    notified: int
    rejected_lines: int
    errors: tuple[str, ...]  # "line N, field: reason"
    report_key: str
    opposed: tuple[CodeHolder, ...]
    activated_early: tuple[CodeHolder, ...]
    sample: CodeHolder | None  # someone still pending, for the banner's curl
    seconds: float


class DemoInterrupted(Exception):
    """The stack is stopping: the demo wave gave up."""


class _Interruptible:
    """The enrollment desk, refusing new work once the stack stops: the importer queues every
    person at once, and would otherwise go on notifying them against a stopped moto."""

    def __init__(self, desk: Enrollments, stopping: threading.Event) -> None:
        self._desk = desk
        self._stopping = stopping

    def __getattr__(self, name: str) -> Any:
        return getattr(self._desk, name)

    def enroll(self, citizen: Citizen, recipient: Contact) -> tuple[Enrollment, bool]:
        if self._stopping.is_set():
            raise DemoInterrupted()
        return self._desk.enroll(citizen, recipient)


def run_demo_wave(
    api_url: str,
    account_id: str,
    region: str,
    ops_bucket: str,
    size: int = DEMO_WAVE_SIZE,
    stopping: threading.Event | None = None,
) -> DemoWave:
    """Import the demo population through the importer (notifying everyone: SES, SNS, letters,
    and starting the wave's timer), then have 0.7 % oppose and 1 % activate early through the
    public API with the codes the notifier sent, as people would. DemoInterrupted once
    `stopping` is set."""
    from healthspace.enrollment.importer import import_population
    from healthspace.wiring.enrollment import enrollments

    stopping = stopping or threading.Event()
    started = time.monotonic()
    today = datetime.now(UTC).date()
    population = demo_population(today, size)
    desk = enrollments()
    # One worker: the local stack's moto serves one DynamoDB request at a time (see
    # infra/local/moto_dynamodb.py), in this process's GIL: threads would not be faster.
    summary, errors = import_population(
        cast("Enrollments", _Interruptible(desk, stopping)),
        io.StringIO(population.csv_text),
        "csv",
        DEMO_FILE_NAME,
        today,
        workers=1,
    )
    wave_id = f"W{today:%Y%m%d}"
    wave = desk.store.get_wave(wave_id)
    assert wave is not None, "the import created today's wave"
    holders = _code_holders(population.people, read_outbox(account_id, region, ops_bucket))
    # Adults who represent nobody, reached by email or SMS: one code each, easy to find again.
    parents = {p.representative for p in population.people if p.representative}
    candidates = [h for h in holders if h.channel != "post" and h.person.ins not in parents]
    rng = random.Random(len(population.people))
    opposing = max(2, round(summary.notified * PILOT_OPPOSITION_RATE))
    early = max(1, round(summary.notified * EARLY_ACTIVATION_RATE))
    chosen = rng.sample(candidates, opposing + early + 1)
    if datetime.now(UTC) + timedelta(seconds=5) > wave.deadline:
        # A window shorter than the import: the codes expired before anyone could use them.
        log.warning("demo wave %s: its deadline came before anyone could decide", wave_id)
        chosen = chosen[-1:]
        opposing = early = 0
    for n, holder in enumerate(chosen[: opposing + early]):
        if stopping.is_set():
            raise DemoInterrupted()
        _decide(api_url, "opposition" if n < opposing else "activation", holder)
    log.info(
        "demo wave %s: %d notified, %d opposed, %d activated early",
        wave_id,
        summary.notified,
        opposing,
        early,
    )
    return DemoWave(
        wave_id=wave_id,
        deadline=wave.deadline,
        file_lines=summary.lines,
        notified=summary.notified,
        rejected_lines=summary.rejected_lines,
        errors=tuple(f"line {e.line}, {e.field}: {e.reason}" for e in errors),
        report_key=summary.report_key,
        opposed=tuple(chosen[:opposing]),
        activated_early=tuple(chosen[opposing : opposing + early]),
        sample=chosen[-1],
        seconds=time.monotonic() - started,
    )


def _code_holders(people: Iterable[WavePerson], outbox: list[dict[str, Any]]) -> list[CodeHolder]:
    """The adults reached by email or SMS whose one message there carries a code, and that
    code (the post-only have theirs in the operations bucket's letters)."""
    by_recipient: dict[str, list[dict[str, Any]]] = {}
    for item in outbox:
        by_recipient.setdefault(str(item["to"]).lower(), []).append(item)
    holders = []
    for person in people:
        if person.representative:
            continue
        reached = person.email or (_e164(person.mobile) if person.mobile else None)
        if reached is None:
            continue  # by post: their letter is in the operations bucket
        codes = [
            found.group(0)
            for item in by_recipient.get(reached.lower(), [])
            if (found := _CODE.search(str(item["body"])))
        ]
        if len(codes) == 1:  # a parent also got their child's: not theirs to use here
            holders.append(CodeHolder(person, codes[0], "email" if person.email else "sms"))
    return holders


def _e164(mobile: str) -> str:
    return "+33" + mobile[1:]


def _decide(api_url: str, decision: str, holder: CodeHolder) -> None:
    """POST /enrollment/opposition or /activation, as the person would from the website."""
    body = json.dumps(
        {
            "ins": holder.person.ins,
            "birth_date": holder.person.birth_date.isoformat(),
            "code": holder.code,
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310 (http on 127.0.0.1, built here)
        f"{api_url}/enrollment/{decision}",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request, timeout=30) as answer:
        if answer.status != 200:
            raise RuntimeError(f"demo {decision} answered {answer.status}")
