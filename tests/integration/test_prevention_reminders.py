"""Prevention reminders on moto with the real table: the index of spaces by their holder's birth
date (written with the space while ACTIVE, gone on closure and deletion), the job finding the
holders reaching an opening age by Query only (a botocore hook sees no Scan), each told once
across runs, the settings' flag, the function as its schedule invokes it; and the backfill of the
index for spaces written before it (infra.cli.reminders)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import boto3
import pytest
from botocore.client import BaseClient

from healthspace.adapters.dynamodb.enrollment import DynamoEnrollmentStore
from healthspace.adapters.dynamodb.items import Item
from healthspace.adapters.dynamodb.prevention import DynamoPrevention
from healthspace.adapters.dynamodb.reminders import DynamoReminders
from healthspace.adapters.notify import Notifications
from healthspace.agenda.prevention_reminders import PreventionReminderJob, Told
from healthspace.kernel.settings import NotifySettings
from healthspace.wiring.records import table
from infra.cli.reminders import backfill_birth_index
from tests.fakes import FakeClock, SequentialIds
from tests.integration.test_archive_reopen import CLOSE
from tests.integration.test_deletion import DELETE, erase
from tests.integration.test_reminders import agenda as agenda  # the fixture
from tests.integration.test_reminders import enroll, sent_to

# 8 months old on 28 November 2030: the examination "au cours du neuvième mois" opens.
BORN = date(2030, 3, 28)
TODAY = datetime(2030, 11, 28, 6, 0, tzinfo=UTC)


@pytest.fixture
def calls(monkeypatch) -> Counter[str]:
    """DynamoDB operations of every botocore client (PynamoDB's included)."""
    seen: Counter[str] = Counter()
    make_api_call = BaseClient._make_api_call

    def counting(client, operation, params):
        if client.meta.service_model.service_name == "dynamodb":
            seen[operation] += 1
        return make_api_call(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", counting)
    return seen


@pytest.fixture
def job(deployed) -> PreventionReminderJob:
    settings = NotifySettings.from_env()
    clock = FakeClock(TODAY)
    return PreventionReminderJob(
        store=DynamoReminders(table()),
        statuses=DynamoPrevention(table()),
        spaces=table(),
        contacts=DynamoEnrollmentStore(table()),
        mailer=Notifications(settings, clock=clock, ids=SequentialIds()),
        clock=clock,
        settings=settings,
    )


def born_on(day: date) -> set[str]:
    return set(DynamoReminders(table()).born_on(day))


def test_a_child_reaching_an_opening_age_is_told_once_by_queries_only(
    person, job, calls, agenda
) -> None:
    alice = person("Alice")
    baby = person("Jules", represented_by=alice, birth_date=BORN)
    others = [person(f"Other{i}", birth_date=date(2030, 3, 27)) for i in range(3)]
    address = enroll(baby)
    assert born_on(BORN) == {baby.space_id}
    calls.clear()
    assert job.run().told == {Told.SENT: 1}
    assert job.run().told == {}  # the same day again: the cursor
    Item("REMINDERS#PREVENTION", "CURSOR", body='"2030-11-27"').save()
    assert job.run().told == {Told.ALREADY: 1}  # the marker
    assert calls["Scan"] == 0 and calls["Query"] > 0
    [mail] = sent_to(address)
    assert "Une étape de prévention est à prévoir dans votre espace santé." in mail["body"]
    assert "Jules" not in mail["body"] and "mois" not in mail["body"]
    marker = Item.get(f"SPACE#{baby.space_id}", "REMINDED#PREVENTION#exam-month-9")
    assert marker.status == "SENT"
    assert all(o.space_id not in born_on(BORN) for o in others)


def test_the_flag_off_tells_nothing(person, job, agenda) -> None:
    baby = person("Jules", birth_date=BORN)
    address = enroll(baby)
    body = {"leads": [], "channel": "EMAIL", "prevention": False}
    status, _, answer = agenda("PUT", "/me/agenda/reminders", baby, body)
    assert status == 200, answer
    assert job.run().told == {Told.OFF: 1}
    assert sent_to(address) == []


def test_a_closed_or_deleted_space_leaves_the_index(person, api, deployed) -> None:
    kept, closed, deleted = (person(n, birth_date=BORN) for n in ("Kept", "Closed", "Deleted"))
    assert born_on(BORN) == {kept.space_id, closed.space_id, deleted.space_id}
    status, _, answer = api("POST", "/me/closure", closed, body=CLOSE)
    assert status == 200, answer
    status, _, answer = api("POST", "/me/deletion", deleted, body=DELETE)
    assert status == 202, answer
    erase(deployed, deleted.space_id)
    assert born_on(BORN) == {kept.space_id}
    raw = boto3.client("dynamodb").query(
        TableName=Item.Meta.table_name,
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"BORN#{BORN.isoformat()}"}},
    )
    named = {i["gsi1sk"]["S"] for i in raw["Items"]}
    assert closed.space_id not in named and deleted.space_id not in named


def test_the_backfill_indexes_the_spaces_written_before_the_index(person) -> None:
    old = person("Old", birth_date=BORN)
    Item(f"SPACE#{old.space_id}", "SPACE").update(
        actions=[Item.gsi1pk.remove(), Item.gsi1sk.remove()]
    )
    assert born_on(BORN) == set()
    assert backfill_birth_index() == {"indexed": 1}
    assert born_on(BORN) == {old.space_id}
    assert backfill_birth_index() == {"indexed": 0}  # run again: nothing to do


def test_the_scheduled_function_runs(deployed) -> None:
    scheduled = {"source": "aws.scheduler", "detail-type": "Scheduled Event", "detail": {}}
    answer = deployed[1].invoke("PreventionRemindersFunction", scheduled)
    assert "told" in answer and "until" in answer
