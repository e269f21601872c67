"""The prevention reminders' daily run, for python -m infra.bench.reminders: its AWS requests with
0, 1,000 and 100,000 spaces of other birth dates in the index and 10 holders reaching an opening
age that day (flat: one Query per birth date reaching an opening age, never a Scan), and its
projection for 68 million people (docs/reminders.md "Prevention reminders")."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import boto3

from healthspace.agenda.prevention_reminders import PreventionReminderJob
from healthspace.records.model import Holder
from infra.bench.measure import RequestCounter
from infra.bench.reminders import PEOPLE, _At, _by_operation, _serial, enrolled_space
from infra.local.stack import LocalStack

# The projection's assumption: a flat age pyramid, 68 M people spread evenly over ages 0 to 89.
PYRAMID_YEARS = 90


def _born(count: int, birth: date, tag: str) -> None:
    """`count` ACTIVE spaces whose holder was born on `birth`, each with an email."""
    now = datetime.now(UTC)
    for _ in range(count):
        holder = Holder(given_name="Prune", family_name="Bench", birth_date=birth)
        enrolled_space("2850175", holder, f"{tag}-{next(_serial)}@example.org", now)


def _fill_born(stack: LocalStack, count: int, avoid: set[date]) -> None:
    """`count` ACTIVE space items, indexed by birth dates other than `avoid`, as space_item
    writes them (the index entry is the space item itself)."""
    items = boto3.resource("dynamodb").Table(stack.ref("HealthSpaceTable"))
    rng = random.Random(count)
    with items.batch_writer() as batch:
        written = 0
        while written < count:
            birth = date(1935, 1, 1) + timedelta(days=rng.randrange(365 * 95))
            if birth in avoid:
                continue
            space = f"BORN{next(_serial):022d}"
            batch.put_item(
                Item={
                    "pk": f"SPACE#{space}",
                    "sk": "SPACE",
                    "gsi1pk": f"BORN#{birth.isoformat()}",
                    "gsi1sk": space,
                    "status": "ACTIVE",
                    "version": 1,
                    "body": "{}",
                }
            )
            written += 1


def _prevention_job(day: date) -> PreventionReminderJob:
    from healthspace.wiring.reminders import prevention_reminder_job

    job = prevention_reminder_job()
    job.clock = _At(datetime(day.year, day.month, day.day, 6, 0, tzinfo=UTC))
    return job


def measure(
    stack: LocalStack, counter: RequestCounter, sizes: list[int], due: int
) -> list[list[str]]:
    from healthspace.adapters.dynamodb.reminders import DynamoReminders
    from healthspace.agenda.prevention.model import Age
    from healthspace.agenda.prevention_reminders import Told, born_reaching, openings
    from healthspace.wiring.records import table

    base = (datetime.now(UTC) + timedelta(days=30)).date()
    days = {size: base + timedelta(days=3 * k) for k, size in enumerate(sizes)}
    avoid = {
        birth
        for day in days.values()
        for offset in (0, 1)
        for age in openings()
        for birth in born_reaching(age, day + timedelta(days=offset))
    }
    rows, in_index = [], 0
    for size in sizes:
        day = days[size]
        if size > in_index:
            _fill_born(stack, size - in_index, avoid)
            in_index = size
        _born(due, born_reaching(Age(months=8), day)[0], f"prev{size}")  # exam-month-9 opens
        DynamoReminders(table()).advance_prevention_cursor(day - timedelta(days=1))
        with counter.counting(by_item=True) as calls:
            report = _prevention_job(day).run()
            busy = Counter(calls)
        assert report.told == {Told.SENT: due}, report.told
        with counter.counting(by_item=True) as calls:
            report = _prevention_job(day + timedelta(days=1)).run()
            idle = Counter(calls)
        assert report.told == {}, report.told
        assert not any("Scan" in name for name in busy | idle)
        total, quiet = sum(busy.values()), sum(idle.values())
        per = (total - quiet) / due if due else 0
        rows.append(
            [
                f"{in_index:,}",
                str(due),
                str(total),
                f"{per:g}",
                str(quiet),
                _by_operation(busy - idle, due),
            ]
        )
    return rows


def projection(rows: list[list[str]], prices: dict[str, float]) -> list[list[str]]:
    from healthspace.agenda.prevention.catalogue import CATALOGUE

    per_reminder, per_day = float(rows[-1][3]), float(rows[-1][4])
    cohort = PEOPLE / PYRAMID_YEARS  # people reaching any given age in a year
    weights = sum(
        (0.5 if d.sex else 1.0)
        for d in CATALOGUE
        if 12 * d.at.years + d.at.months < 12 * PYRAMID_YEARS
    )
    reminders = cohort * weights
    requests = reminders * per_reminder + 365 * per_day
    # A reminder's write units: the hand-off's transaction (a put and a check, 2 each), the
    # settling put (1); its reads: space, marker, settings, enrollment, statuses (0.5 each).
    dynamodb = (
        reminders * 5 / 1e6 * prices["dynamodb_write_request_units_per_million"]
        + reminders * 5 * 0.5 / 1e6 * prices["dynamodb_read_request_units_per_million"]
    )
    email = reminders / 1000 * prices["ses_per_1000_emails"]
    return [
        [
            "prevention reminders a year",
            f"{reminders / 1e6:,.1f} M",
            f"{PEOPLE / 1e6:g} M people, a flat pyramid over {PYRAMID_YEARS} years "
            f"({cohort:,.0f} reach each age a year) x {weights:g} openings in a life "
            "(sex-specific items counted half), every prevention flag on",
        ],
        [
            "per day (mean)",
            f"{reminders / 365:,.0f}",
            "one run sweeps them; an hourly run goes on with a day it could not finish",
        ],
        [
            "AWS requests a year (job)",
            f"{requests / 1e6:,.1f} M",
            f"{per_reminder:g} per reminder + {per_day:g} per day, SES included",
        ],
        ["DynamoDB a year (on-demand)", f"${dynamodb:,.0f}", f"{prices['region']} prices"],
        ["SES a year, all by email", f"${email:,.0f}", "SMS: priced per message by SNS"],
    ]
