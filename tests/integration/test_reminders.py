"""Reminders on moto with the real table: the settings' routes (AgendaFunction), the job over the
start index and the markers (exactly once across runs, a late run, a crash injected at the AWS
boundary between the send and the mark, the nights clocks change, overseas), and the scheduled
function itself (RemindersFunction, invoked as EventBridge would)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest

from healthspace.adapters.dynamodb.agenda import DynamoAppointments
from healthspace.adapters.dynamodb.enrollment import DynamoEnrollmentStore
from healthspace.adapters.dynamodb.items import Item
from healthspace.adapters.dynamodb.reminders import DynamoReminders
from healthspace.adapters.notify import Notifications
from healthspace.agenda.reminders import LEASE, Outcome, ReminderJob
from healthspace.enrollment.model import Contact, Enrollment, EnrollmentLogEntry, EnrollmentStatus
from healthspace.kernel.settings import NotifySettings
from healthspace.wiring.records import table
from infra.local.outbox import read_outbox
from infra.local.sample_events import api_event, api_result
from infra.local.template import ACCOUNT_ID, REGION
from tests.fakes import FakeClock, SequentialIds


@pytest.fixture
def agenda(deployed):
    registry = deployed[1]

    def call(method, path, who, body=None, headers=None, query=None):
        event = api_event(
            method, path, who.claims, body, headers, query, resource="/me/agenda/{proxy+}"
        )
        return api_result(registry.invoke("AgendaFunction", event))

    return call


def enroll(person, *, mobile: str | None = "+33612345678") -> str:
    """The person's enrollment (their contact), as the wave leaves it; their address."""
    address = f"{person.subject}@example.org"
    at = datetime.now(UTC)
    enrollment = Enrollment(
        ins=person.ins,
        birth_date=date(1985, 6, 1),
        given_name=person.given_name,
        family_name="Martin",
        wave_id="W20300101",
        deadline=at + timedelta(weeks=6),
        status=EnrollmentStatus.ACTIVE,
        recipient=Contact(email=address, mobile=mobile),
        code_digest="d",
        code_issued_at=at,
        created_at=at,
        space_id=person.space_id,
    )
    log = EnrollmentLogEntry(entry_id="e1", ins=person.ins, at=at, action="ACTIVATED", actor="self")
    assert DynamoEnrollmentStore(table()).create_enrollment(enrollment, log)
    return address


def book(agenda, who, start: str, time_zone: str = "Europe/Paris") -> dict[str, Any]:
    begins = datetime.fromisoformat(start)
    body = {
        "start_local": start,
        "end_local": (begins + timedelta(minutes=30)).isoformat(),
        "time_zone": time_zone,
        "professional_name": "Dr Oncologue",
        "reason": "Chimiothérapie",
        "place": "Institut Curie",
    }
    status, _, added = agenda("POST", "/me/agenda/appointments", who, body)
    assert status == 201, added
    return added


def want(agenda, who, *leads: str, channel: str = "EMAIL") -> None:
    body = {"leads": list(leads), "channel": channel, "prevention": True}
    status, _, answer = agenda("PUT", "/me/agenda/reminders", who, body)
    assert status == 200, answer


def sent_to(*recipients: str) -> list[dict[str, Any]]:
    outbox = read_outbox(ACCOUNT_ID, REGION, None)
    return [m for m in outbox if m["to"] in recipients]


def markers(space_id: str) -> list[dict[str, Any]]:
    found = (
        boto3.resource("dynamodb")
        .Table(os.environ["TABLE_NAME"])
        .query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :sk)",
            ExpressionAttributeValues={":pk": f"SPACE#{space_id}", ":sk": "REMINDED#"},
        )
    )
    return found["Items"]


@pytest.fixture
def job(deployed) -> ReminderJob:
    """The job as its function composes it, on the real table and moto's SES and SNS, on a
    clock the test moves (the function's is the system's)."""
    settings = NotifySettings.from_env()
    clock = FakeClock(datetime(2030, 3, 11, 8, 55, tzinfo=UTC))
    return ReminderJob(
        store=DynamoReminders(table()),
        appointments=DynamoAppointments(table()),
        spaces=table(),
        contacts=DynamoEnrollmentStore(table()),
        mailer=Notifications(settings, clock=clock, ids=SequentialIds()),
        clock=clock,
        settings=settings,
    )


def run(job: ReminderJob, at: str) -> dict[Outcome, int]:
    job.clock.current = datetime.fromisoformat(at).replace(tzinfo=UTC)  # type: ignore[attr-defined]
    return job.run().outcomes


# ------------------------------------------------------------------ the settings' routes


def test_the_settings_are_read_and_changed_and_both_are_traced(agenda, person, api) -> None:
    alice = person("Alice")
    enroll(alice, mobile=None)
    status, headers, read = agenda("GET", "/me/agenda/reminders", alice)
    assert status == 200, read
    assert (read["leads"], read["version"], headers["ETag"]) == ([], 0, '"0"')
    assert read["channels"] == ["EMAIL"]
    assert read["menu"] == ["P7D", "P2D", "P1D", "PT3H", "PT1H"]

    body = {"leads": ["PT1H", "P1D"], "channel": "EMAIL", "prevention": False}
    status, headers, changed = agenda(
        "PUT", "/me/agenda/reminders", alice, body, headers={"If-Match": '"0"'}
    )
    assert status == 200, changed
    assert (changed["leads"], changed["prevention"], headers["ETag"]) == (
        ["P1D", "PT1H"],
        False,
        '"1"',
    )
    stale = agenda("PUT", "/me/agenda/reminders", alice, body, headers={"If-Match": '"0"'})
    assert stale[0] == 412, stale
    sms = agenda("PUT", "/me/agenda/reminders", alice, {**body, "channel": "SMS"})
    assert sms[0] == 400 and "SMS" in sms[2]["message"], sms
    unknown = agenda("PUT", "/me/agenda/reminders", alice, {**body, "leads": ["PT2H"]})
    assert unknown[0] == 400, unknown

    status, _, history = api("GET", "/me/access-log", alice)
    assert status == 200, history
    traced = [(e["action"], e["object"]["type"]) for e in history["items"]]
    assert ("READ", "agenda/reminders") in traced and ("UPDATE", "agenda/reminders") in traced


def test_another_patient_never_reaches_a_spaces_reminders(agenda, person) -> None:
    alice, mallory = person("Alice"), person("Mallory")
    refused = agenda("GET", "/me/agenda/reminders", mallory, headers={"X-Space-Id": alice.space_id})
    assert refused[0] == 404, refused


# ------------------------------------------------------------------ the job, exactly once


def test_each_reminder_once_across_runs_twice_and_a_late_run(agenda, person, job) -> None:
    alice = person("Alice")
    address = enroll(alice)
    want(agenda, alice, "P1D", "PT1H")
    book(agenda, alice, "2030-03-12T10:00:00")  # 09:00 UTC
    book(agenda, alice, "2030-03-12T12:00:00")  # 11:00 UTC
    job.store.advance_cursor(datetime(2030, 3, 11, 8, 55, tzinfo=UTC))

    assert run(job, "2030-03-11T09:01:00") == {Outcome.SENT: 1}
    assert run(job, "2030-03-11T09:01:00") == {}
    assert run(job, "2030-03-11T09:06:00") == {}
    # No run for 21 hours: the late run sends what fell due, the P1D of 11:00 and the PT1H of
    # 10:00 (whose appointment has not begun), once each; three hours before, not asked for.
    assert run(job, "2030-03-12T08:30:00") == {Outcome.SENT: 2, Outcome.NOT_WANTED: 2}
    assert run(job, "2030-03-12T08:30:00") == {}
    mails = sent_to(address)
    assert len(mails) == 3
    assert all("Oncologue" not in m["body"] and "Curie" not in m["body"] for m in mails)
    assert [m["status"] for m in markers(alice.space_id)] == ["SENT"] * 3


def test_two_runs_at_once_hand_over_once(agenda, person, job) -> None:
    alice = person("Alice")
    address = enroll(alice)
    want(agenda, alice, "P1D")
    book(agenda, alice, "2030-03-12T10:00:00")
    start = datetime(2030, 3, 11, 8, 55, tzinfo=UTC)
    job.store.advance_cursor(start)
    assert run(job, "2030-03-11T09:01:00") == {Outcome.SENT: 1}
    # A second run that read the cursor before the first moved it.
    Item(*("REMINDERS#SWEEP", "CURSOR"), body=f'"{start:%Y-%m-%dT%H:%M:%S.%fZ}"').save()
    assert run(job, "2030-03-11T09:01:00") == {Outcome.ALREADY: 1}
    assert len(sent_to(address)) == 1


@contextmanager
def marker_not_settled() -> Iterator[None]:
    """The table refuses the marker's settling write, at the AWS boundary (botocore's event
    for PynamoDB's PutItem): the run dies after SES took the email, before the mark."""
    events = Item._get_connection().connection.client.meta.events

    def refuse(params: dict[str, Any], **_: Any) -> None:
        item = params.get("Item", {})
        settling = item.get("status", {}).get("S") in ("SENT", "RETRY", "UNDELIVERABLE")
        if item.get("sk", {}).get("S", "").startswith("REMINDED#") and settling:
            raise ConnectionError("the table did not answer")

    events.register("before-parameter-build.dynamodb.PutItem", refuse, unique_id="crash")
    try:
        yield
    finally:
        events.unregister("before-parameter-build.dynamodb.PutItem", unique_id="crash")


def test_a_crash_between_the_send_and_the_mark_never_sends_twice(agenda, person, job) -> None:
    """The run dies with its cursor unmoved; the next sweeps the same slot (the marker stops
    the repeat) and finds the marker in flight, then, past its lease, in doubt: one email."""
    alice = person("Alice")
    address = enroll(alice)
    want(agenda, alice, "P1D")
    book(agenda, alice, "2030-03-12T10:00:00")
    job.store.advance_cursor(datetime(2030, 3, 11, 8, 55, tzinfo=UTC))
    with marker_not_settled(), pytest.raises(ConnectionError):
        run(job, "2030-03-11T09:01:00")
    assert len(sent_to(address)) == 1
    [marker] = markers(alice.space_id)
    assert marker["status"] == "HANDED" and marker["gsi1pk"].startswith("REMINDING#")

    assert run(job, "2030-03-11T09:06:00") == {Outcome.IN_FLIGHT: 1, Outcome.ALREADY: 1}
    late = datetime(2030, 3, 11, 9, 1) + LEASE
    assert run(job, late.isoformat()) == {Outcome.IN_DOUBT: 1}
    assert run(job, (late + timedelta(minutes=5)).isoformat()) == {}
    assert len(sent_to(address)) == 1
    [marker] = markers(alice.space_id)
    assert marker["status"] == "IN_DOUBT" and "gsi1pk" not in marker


# ------------------------------------------------------------------ never stale, never closed


def test_moved_cancelled_and_closed_send_nothing_stale(agenda, person, job, api) -> None:
    alice, bob = person("Alice"), person("Bob")
    address, bobs = enroll(alice), enroll(bob)
    want(agenda, alice, "P1D")
    want(agenda, bob, "P1D")
    moved = book(agenda, alice, "2030-03-12T10:00:00")
    cancelled = book(agenda, alice, "2030-03-12T10:00:00")
    book(agenda, bob, "2030-03-12T10:00:00")
    body = {
        "start_local": "2030-03-12T15:00:00",
        "end_local": "2030-03-12T15:30:00",
        "time_zone": "Europe/Paris",
        "professional_name": "Dr Oncologue",
    }
    path = f"/me/agenda/appointments/{moved['appointment_id']}"
    status, _, _ = agenda("PUT", path, alice, body, headers={"If-Match": '"1"'})
    assert status == 200
    path = f"/me/agenda/appointments/{cancelled['appointment_id']}"
    assert agenda("DELETE", path, alice, headers={"If-Match": '"1"'})[0] in (200, 204)
    closed = api("POST", "/me/closure", bob, {"confirm": "CLOSE"})
    assert closed[0] in (200, 201), closed
    job.store.advance_cursor(datetime(2030, 3, 11, 8, 55, tzinfo=UTC))

    # Bob's is refused by the hand-off's check on his space (or not indexed at all).
    assert run(job, "2030-03-11T09:01:00") in ({Outcome.CLOSED: 1}, {})
    assert run(job, "2030-03-11T14:01:00") == {Outcome.SENT: 1}
    [mail] = sent_to(address, bobs)
    assert "à 15 h." in mail["body"]


# ------------------------------------------------------------------ clocks and time zones


@pytest.mark.parametrize(
    ("start", "time_zone", "lead", "due", "words"),
    [
        # 31 March 2030, Paris: 02:00 CET becomes 03:00 CEST; 03:30 is 01:30 UTC.
        ("2030-03-31T03:30:00", "Europe/Paris", "PT1H", "2030-03-31T00:30:00", "à 3 h 30."),
        # 27 October 2030, Paris: 02:30 happens twice; the first (CEST) is 00:30 UTC.
        ("2030-10-27T02:30:00", "Europe/Paris", "PT1H", "2030-10-26T23:30:00", "à 2 h 30."),
        ("2030-03-12T09:00:00", "America/Guadeloupe", "P1D", "2030-03-11T13:00:00", "à 9 h."),
        ("2030-03-12T08:15:00", "Indian/Reunion", "PT3H", "2030-03-12T01:15:00", "à 8 h 15."),
    ],
)
def test_the_nights_clocks_change_and_overseas(
    agenda, person, job, start, time_zone, lead, due, words
) -> None:
    alice = person("Alice")
    address = enroll(alice)
    want(agenda, alice, lead)
    book(agenda, alice, start, time_zone)
    at = datetime.fromisoformat(due).replace(tzinfo=UTC)
    job.store.advance_cursor(at - timedelta(minutes=10))
    assert run(job, (at - timedelta(seconds=1)).replace(tzinfo=None).isoformat()) == {}
    assert run(job, (at + timedelta(seconds=30)).replace(tzinfo=None).isoformat()) == {
        Outcome.SENT: 1
    }
    [mail] = sent_to(address)
    assert words in mail["body"]


def test_a_time_that_does_not_exist_cannot_be_booked(agenda, person) -> None:
    alice = person("Alice")
    body = {
        "start_local": "2030-03-31T02:30:00",
        "end_local": "2030-03-31T03:30:00",
        "time_zone": "Europe/Paris",
    }
    status, _, refused = agenda("POST", "/me/agenda/appointments", alice, body)
    assert status == 400 and "does not exist" in refused["message"], refused


# ------------------------------------------------------------------ the scheduled function


def test_the_function_sends_an_sms_due_now_as_its_schedule_fires(deployed, agenda, person):
    """RemindersFunction on the system's clock, as EventBridge invokes it: an appointment in 58
    minutes, reminded an hour before, is due two minutes ago: the first run (no cursor yet)
    looks back one slot and texts it, once."""
    alice = person("Alice")
    enroll(alice, mobile="+33698765432")
    want(agenda, alice, "PT1H", channel="SMS")
    soon = datetime.now(UTC) + timedelta(minutes=58)
    wall = soon.astimezone(ZoneInfo("Europe/Paris")).replace(tzinfo=None, second=0, microsecond=0)
    book(agenda, alice, wall.isoformat())
    event = {"source": "aws.scheduler", "detail-type": "Scheduled Event", "detail": {}}
    answer = deployed[1].invoke("RemindersFunction", event)
    assert answer["outcomes"] == {"sent": 1}, answer
    assert deployed[1].invoke("RemindersFunction", event)["outcomes"] == {}
    [text] = sent_to("+33698765432")
    assert "rendez-vous médical" in text["body"] and "Oncologue" not in text["body"]
