"""python -m infra.bench.reminders: what the reminders' job costs in AWS requests, per run and
per reminder sent, with 0, 1,000 and 100,000 appointments in the table but only 10 due; and a
year's projection for 68 million people.

The local stack runs in this process (every botocore call counted, by operation and item kind).
The job is composed as its function composes it (wiring.reminders), on a clock the bench sets:
each size gets its own hour, 30 days on, whose 10 appointments start an hour after it (reminded
an hour before). The other appointments are written straight to the table (the appointment and
its start index item, as the agenda's adapter writes them), spread over the year's other slots:
they are in the table and the index, and never due in the run measured. A run's cost must not
grow with them: it reads the slots it covers, one Query per slot and lead time, never a Scan.

The prevention reminders' daily run likewise: with 0, 1,000 and 100,000 spaces of other birth
dates in the index and 10 holders reaching an opening age that day (flat: one Query per birth
date reaching an opening age, never a Scan), and its projection for 68 million people.

python -m infra.bench.reminders [--sizes 0 1000 100000] [--due 10]
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import boto3

from healthspace.agenda.reminders import ReminderJob
from healthspace.records.model import Holder, Space
from infra.bench.measure import RequestCounter, print_table
from infra.local.stack import LocalStack

PROG = "python -m infra.bench.reminders"
PRICES = Path(__file__).with_name("prices.json")
# The projection's assumptions, printed next to its figures.
PARIS = ZoneInfo("Europe/Paris")
PEOPLE = 68_000_000
APPOINTMENTS_PER_PERSON_YEAR = 2.0  # appointments people enter in the agenda, reminders on
LEADS_PER_APPOINTMENT = 2  # e.g. the day before and an hour before
RUNS_PER_YEAR = 12 * 24 * 365  # every five minutes
_serial = iter(range(1, 10_000_000))


def enrolled_space(prefix: str, holder: Holder, email: str, now: datetime) -> tuple[str, Space]:
    """An active space with its enrollment (the contact a reminder goes to): its INS and space."""
    from healthspace.adapters.dynamodb.enrollment import DynamoEnrollmentStore
    from healthspace.enrollment.model import (
        Contact,
        Enrollment,
        EnrollmentLogEntry,
        EnrollmentStatus,
    )
    from healthspace.kernel.identifiers import make_ins
    from healthspace.wiring.records import medical_file, table

    ins = make_ins(f"{prefix}{next(_serial):06d}")
    space = medical_file().spaces.open_space(ins, holder)
    enrollment = Enrollment(
        ins=ins,
        birth_date=holder.birth_date,
        given_name=holder.given_name,
        family_name=holder.family_name,
        wave_id="WBENCH",
        deadline=now,
        status=EnrollmentStatus.ACTIVE,
        recipient=Contact(email=email),
        code_digest="d",
        code_issued_at=now,
        created_at=now,
        space_id=space.space_id,
    )
    log = EnrollmentLogEntry(entry_id="e1", ins=ins, at=now, action="ACTIVATED", actor="self")
    assert DynamoEnrollmentStore(table()).create_enrollment(enrollment, log)
    return ins, space


def _people(count: int, hour: datetime) -> None:
    """`count` spaces, each with an enrollment (an email), reminders an hour before, and one
    appointment due in the five minutes before `hour`."""
    from healthspace.adapters.dynamodb.agenda import DynamoAppointments
    from healthspace.adapters.dynamodb.reminders import DynamoReminders
    from healthspace.agenda.model import Appointment, AppointmentStatus
    from healthspace.agenda.reminder_model import Lead, ReminderSettings
    from healthspace.records.model import (
        AccessLogEntry,
        Action,
        ActorKind,
        Author,
        Role,
    )
    from healthspace.wiring.records import medical_file, table

    file = medical_file()
    appointments, reminders = DynamoAppointments(table()), DynamoReminders(table())
    now = datetime.now(UTC)
    for i in range(count):
        n = next(_serial)
        holder = Holder(given_name="Rémi", family_name="Bench", birth_date=date(1985, 1, 1))
        _, space = enrolled_space("1850175", holder, f"bench-{n}@example.org", now)
        me = Author(kind=ActorKind.PATIENT, id=f"bench-{n}", display_name="Rémi Bench")

        def entry(kind: str, space_id: str = space.space_id, me: Author = me) -> AccessLogEntry:
            return file.history.entry_of(space_id, me, Role.HOLDER, Action.UPDATE, kind)

        settings = ReminderSettings(space_id=space.space_id, leads=(Lead.PT1H,), version=1)
        reminders.put_settings(settings, 0, entry("agenda/reminders"))
        # In the five minutes before `hour` + 1 h: due in the five minutes before `hour`.
        start = hour + timedelta(minutes=55, seconds=(300 * i // max(count, 1)))
        wall = start.astimezone(PARIS).replace(tzinfo=None, second=0, microsecond=0)
        appointment = Appointment(
            space_id=space.space_id,
            appointment_id=f"BENCH{n:021d}",
            version=1,
            created_at=now,
            updated_at=now,
            status=AppointmentStatus.BOOKED,
            start_local=wall,
            end_local=wall + timedelta(minutes=30),
            time_zone="Europe/Paris",
            professional_name="Dr Bench",
            booked_by=me,
        )
        appointments.save_appointment(appointment, None, entry("agenda/appointment"), 1000)


def _fill(stack: LocalStack, count: int, avoid: set[str]) -> None:
    """`count` booked appointments and their start index items, in slots of the coming year
    other than `avoid` (those the measured runs read)."""
    from healthspace.agenda.model import start_slot

    items = boto3.resource("dynamodb").Table(stack.ref("HealthSpaceTable"))
    rng = random.Random(count)
    origin = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with items.batch_writer() as batch:
        written = 0
        while written < count:
            start = origin + timedelta(minutes=5 * rng.randrange(12 * 24 * 365))
            slot = start_slot(start)
            if slot in avoid:
                continue
            n = next(_serial)
            space, appt = f"FILL{n % 5000:022d}", f"FILL{n:022d}"
            iso = start.strftime("%Y-%m-%dT%H:%M:%SZ")
            body = {"space_id": space, "appointment_id": appt, "start": iso, "version": 1}
            batch.put_item(
                Item={
                    "pk": f"SPACE#{space}",
                    "sk": f"APPT#{appt}",
                    "gsi1pk": f"AGENDA#{space}",
                    "gsi1sk": f"{iso}#{appt}",
                    "status": "BOOKED",
                    "version": 1,
                    "body": "{}",
                }
            )
            batch.put_item(
                Item={
                    "pk": f"SPACE#{space}",
                    "sk": f"APPTSTART#{appt}",
                    "gsi1pk": f"STARTS#{slot}",
                    "gsi1sk": f"{space}#{appt}",
                    "version": 1,
                    "body": json.dumps(body),
                }
            )
            written += 1


def _slots(hour: datetime) -> set[str]:
    """Every start slot the runs at `hour` and five minutes later read (each lead time's)."""
    from healthspace.agenda.model import start_slot
    from healthspace.agenda.reminder_model import Lead

    return {
        start_slot(hour + step + lead.delta)
        for lead in Lead
        for step in (timedelta(minutes=-5), timedelta(0), timedelta(minutes=5))
    }


class _At:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def _job(at: datetime) -> ReminderJob:
    """The job as its function composes it, on a clock set to `at`."""
    from healthspace.wiring.reminders import reminder_job

    job = reminder_job()
    job.clock = _At(at)
    return job


def measure(
    stack: LocalStack, counter: RequestCounter, sizes: list[int], due: int
) -> list[list[str]]:
    from healthspace.adapters.dynamodb.reminders import DynamoReminders
    from healthspace.agenda.reminders import Outcome
    from healthspace.wiring.records import table

    rows: list[list[str]] = []
    in_table = 0
    base = (datetime.now(UTC) + timedelta(days=30)).replace(minute=0, second=0, microsecond=0)
    hours = {size: base + timedelta(hours=2 * k) for k, size in enumerate(sizes)}
    avoid = set().union(*(_slots(hour) for hour in hours.values()))
    for size in sizes:
        hour = hours[size]
        if size > in_table:
            _fill(stack, size - in_table, avoid)
            in_table = size
        _people(due, hour)
        # The job ran last five minutes before `hour`; the run at `hour` hands the 10 over,
        # the next, five minutes on, finds nothing due.
        DynamoReminders(table()).advance_cursor(hour - timedelta(minutes=5))
        with counter.counting(by_item=True) as calls:
            report = _job(hour + timedelta(minutes=0, seconds=1)).run()
            busy, busy_read = Counter(calls), counter.items_read
        assert report.outcomes == {Outcome.SENT: due}, report.outcomes
        with counter.counting(by_item=True) as calls:
            report = _job(hour + timedelta(minutes=5, seconds=1)).run()
            idle, idle_read = Counter(calls), counter.items_read
        assert report.outcomes == {}, report.outcomes
        total, quiet = sum(busy.values()), sum(idle.values())
        per = (total - quiet) / due if due else 0
        rows.append(
            [
                f"{in_table + due * sizes.index(size):,}",  # the earlier runs' are past
                str(due),
                str(total),
                f"{per:g}",
                str(quiet),
                f"{busy_read} / {idle_read}",
                _by_operation(busy - idle, due),
            ]
        )
    return rows


def _by_operation(calls: Counter[str], due: int) -> str:
    """A reminder's requests: the run's less an idle run's, per reminder."""
    shown = sorted(((name.split(":", 1)[1], n / due) for name, n in calls.items() if n > 0))
    return ", ".join(f"{name} {n:g}" for name, n in shown)


def projection(rows: list[list[str]], prices: dict[str, float]) -> list[list[str]]:
    per_reminder = float(rows[-1][3])
    per_idle_run = float(rows[-1][4])
    reminders = PEOPLE * APPOINTMENTS_PER_PERSON_YEAR * LEADS_PER_APPOINTMENT
    requests = reminders * per_reminder + RUNS_PER_YEAR * per_idle_run
    per_run = reminders / RUNS_PER_YEAR
    # Write units of a reminder: the hand-off's transaction (a put and two checks, each 2 WRU
    # in a transaction), the settling put (1), the pending index's entry put and removed (2).
    write_units = reminders * (2 * 3 + 1 + 2)
    read_units = reminders * 4 * 0.5 + RUNS_PER_YEAR * per_idle_run * 0.5  # eventually consistent
    dynamodb = (
        write_units / 1e6 * prices["dynamodb_write_request_units_per_million"]
        + read_units / 1e6 * prices["dynamodb_read_request_units_per_million"]
    )
    email = reminders / 1000 * prices["ses_per_1000_emails"]
    assumed = (
        f"{PEOPLE / 1e6:g} M people x {APPOINTMENTS_PER_PERSON_YEAR:g} appointments entered per "
        f"person-year x {LEADS_PER_APPOINTMENT} lead times"
    )
    return [
        ["reminders a year", f"{reminders / 1e6:,.0f} M", assumed],
        [
            "reminders per run (mean)",
            f"{per_run:,.0f}",
            f"{RUNS_PER_YEAR:,} runs a year; daytime peaks about 3x the mean",
        ],
        [
            "AWS requests a year (job)",
            f"{requests / 1e6:,.0f} M",
            f"{per_reminder:g} per reminder + {per_idle_run:g} per run, SES included",
        ],
        [
            "DynamoDB a year (on-demand)",
            f"${dynamodb:,.0f}",
            f"{write_units / reminders:g} write units per reminder, {prices['region']} prices",
        ],
        [
            "SES a year, all by email",
            f"${email:,.0f}",
            "SMS are priced per message and country by SNS: check before quoting",
        ],
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 1000, 100_000])
    parser.add_argument("--due", type=int, default=10)
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto server's request lines
    from infra.bench import prevention_reminders as prevention  # it imports this module

    prices = json.loads(PRICES.read_text(encoding="utf-8"))
    counter = RequestCounter()  # before any botocore session, so every client has it
    with LocalStack(port=0, demo=False, stream_poll_seconds=None, in_process=True) as stack:
        measure_rows = measure(stack, counter, sorted(args.sizes), args.due)
        prevention_rows = prevention.measure(stack, counter, sorted(args.sizes), args.due)
    print_table(
        f"Reminders' job: AWS requests per run with {args.due} due, by appointments in the table",
        [
            "appointments in the table, not due",
            "due",
            "requests per run",
            "per reminder sent",
            "per run, none due",
            "items read (run / idle)",
            "a reminder's requests",
        ],
        measure_rows,
    )
    print_table(
        "Reminders for 68 M people: a year's projection (assumptions in the last column)",
        ["what", "figure", "assuming"],
        projection(measure_rows, prices),
    )
    print_table(
        f"Prevention reminders' daily run: AWS requests with {args.due} told, by spaces of other "
        "birth dates in the index",
        [
            "spaces of other birth dates",
            "told",
            "requests per run",
            "per reminder sent",
            "per day, none told",
            "a reminder's requests",
        ],
        prevention_rows,
    )
    print_table(
        "Prevention reminders for 68 M people: a year's projection",
        ["what", "figure", "assuming"],
        prevention.projection(prevention_rows, prices),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
