"""Notices (issue 4) through their function, on DynamoDB stream events built from the real
access-log items, against moto: the patient's emails (moto's SES), the treating doctor's inbox
(GET /pro/notices), a redelivered batch, a record that cannot be read."""

import os
from datetime import UTC, date, datetime, timedelta

import boto3
import pytest

from healthspace.adapters.dynamodb.enrollment import DynamoEnrollmentStore
from healthspace.adapters.dynamodb.notices import DynamoNoticeClaims
from healthspace.adapters.dynamodb.table import DynamoStore
from healthspace.enrollment.model import Contact, Enrollment, EnrollmentLogEntry, EnrollmentStatus
from infra.local.outbox import read_outbox
from infra.local.sample_events import dynamodb_stream_event
from infra.local.template import ACCOUNT_ID, REGION
from tests.integration.test_professionals_api import claims, designate, refer
from tests.integration.test_professionals_api import pro as pro  # the fixture
from tests.unit.test_care_access import rpps

DOCTOR, ER_DOCTOR = rpps(71), rpps(72)


def enroll(person, email: str) -> None:
    """The enrollment that created the person's space, with the contact notices go to."""
    at = datetime.now(UTC)
    enrollment = Enrollment(
        ins=person.ins,
        birth_date=date(1985, 6, 1),
        given_name=person.given_name,
        family_name="Martin",
        wave_id="W20261101",
        deadline=at + timedelta(weeks=6),
        status=EnrollmentStatus.ACTIVE,
        recipient=Contact(email=email),
        code_digest="d",
        code_issued_at=at,
        created_at=at,
        space_id=person.space_id,
    )
    log = EnrollmentLogEntry(entry_id="e1", ins=person.ins, at=at, action="ACTIVATED", actor="self")
    store = DynamoEnrollmentStore(DynamoStore(os.environ["TABLE_NAME"]))
    assert store.create_enrollment(enrollment, log)


def access_log_items(person) -> list[dict]:
    """The space's access-log items as the stream's NEW_IMAGE carries them, oldest first."""
    page = boto3.client("dynamodb").query(
        TableName=os.environ["TABLE_NAME"],
        KeyConditionExpression="pk = :pk AND begins_with(sk, :log)",
        ExpressionAttributeValues={":pk": {"S": f"SPACE#{person.space_id}"}, ":log": {"S": "LOG#"}},
    )
    return page["Items"]


@pytest.fixture
def notify(deployed):
    def deliver(items):
        return deployed[1].invoke("NoticesFunction", dynamodb_stream_event(items))

    return deliver


def emails_to(address: str, stack_env) -> list[dict]:
    outbox = read_outbox(ACCOUNT_ID, REGION, stack_env["OPS_BUCKET"])
    return [m for m in outbox if m["to"] == address]


def test_the_patient_and_the_treating_doctor_are_told_once(api, person, pro, notify, stack_env):
    alice = person("Alice")
    enroll(alice, "alice.notices@example.org")
    designate(api, alice, DOCTOR)
    base = refer(pro, alice, claims(DOCTOR))
    # Given her doctor reads her file twice and an emergency doctor breaks the glass
    for _ in range(2):
        assert pro("GET", f"{base}/documents", claims(DOCTOR))[0] == 200
    emergency = {"X-Emergency-Reason": "inconsciente aux urgences"}
    er_base = refer(pro, alice, claims(ER_DOCTOR), headers=emergency)
    assert pro("GET", f"{er_base}/profile", claims(ER_DOCTOR), headers=emergency)[0] == 200
    # When the stream delivers her access log, then delivers it again (a retried batch)
    items = access_log_items(alice)
    assert notify(items) == {"batchItemFailures": []}
    assert notify(items) == {"batchItemFailures": []}
    # Then she got two emails, once each, with no health content
    subjects = sorted(m["subject"] for m in emails_to("alice.notices@example.org", stack_env))
    assert subjects == [
        "Accès en urgence à votre espace santé",
        "Un professionnel de santé a consulté votre espace santé",
    ]
    for message in emails_to("alice.notices@example.org", stack_env):
        assert "inconsciente" not in message["body"] and DOCTOR not in message["body"]
    # And her treating doctor's inbox names her and the emergency doctor; nobody else's has it
    status, _, inbox = pro("GET", "/pro/notices", claims(DOCTOR))
    assert status == 200
    [notice] = inbox["items"]
    assert (notice["kind"], notice["patient_ins"], notice["by"]["id"]) == (
        "emergency",
        alice.ins,
        f"rpps:{ER_DOCTOR}",
    )
    assert "inconsciente" not in str(notice)
    assert pro("GET", "/pro/notices", claims(ER_DOCTOR))[2]["items"] == []


def test_a_record_that_cannot_be_read_is_reported_alone(api, person, pro, notify, stack_env):
    bob = person("Bob")
    enroll(bob, "bob.notices@example.org")
    designate(api, bob, DOCTOR)
    assert pro("GET", f"{refer(pro, bob, claims(DOCTOR))}/documents", claims(DOCTOR))[0] == 200
    [entry] = [i for i in access_log_items(bob) if "PROFESSIONAL" in i["body"]["S"]]
    broken = {**entry, "sk": {"S": "LOG#BROKEN"}, "body": {"S": "{not json"}}
    # The broken record comes first: Lambda retries from it, so it alone is reported
    result = notify([broken, entry])
    assert result == {"batchItemFailures": [{"itemIdentifier": f"{1:024d}"}]}
    assert len(emails_to("bob.notices@example.org", stack_env)) == 1


def test_the_inbox_pages_and_refuses_a_cursor_into_another_inbox(api, person, pro, notify):
    patients = [person(name) for name in ("Chloé", "Denis", "Emma")]
    for patient in patients:
        designate(api, patient, DOCTOR)
        reason = {"X-Emergency-Reason": "urgence"}
        path = f"{refer(pro, patient, claims(ER_DOCTOR), headers=reason)}/documents"
        assert pro("GET", path, claims(ER_DOCTOR), headers=reason)[0] == 200
        notify(access_log_items(patient))  # no enrollment: no email, the doctor is told
    first = pro("GET", "/pro/notices", claims(DOCTOR), query={"limit": "2"})[2]
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = pro("GET", "/pro/notices", claims(DOCTOR), query={"cursor": first["next_cursor"]})[2]
    seen = [n["patient_ins"] for n in first["items"] + rest["items"]]
    assert sorted(seen) == sorted(p.ins for p in patients)
    # Another professional cannot read on from this inbox's cursor
    other = pro("GET", "/pro/notices", claims(ER_DOCTOR), query={"cursor": first["next_cursor"]})
    assert other[0] == 400


def test_a_claim_is_taken_once_until_its_lease_runs_out(deployed):
    """The DynamoDB conditions behind "sent once" (the rules are in tests/unit/test_notices.py)."""
    claims = DynamoNoticeClaims(DynamoStore(os.environ["TABLE_NAME"]))
    now, lease = datetime.now(UTC), timedelta(minutes=5)
    assert claims.claim("s-lease", "access#rpps:1#2026-11-29", now, lease)
    assert not claims.claim(
        "s-lease", "access#rpps:1#2026-11-29", now + timedelta(minutes=4), lease
    )
    assert claims.claim("s-lease", "access#rpps:1#2026-11-29", now + timedelta(minutes=6), lease)
    assert not claims.is_sent("s-lease", "access#rpps:1#2026-11-29")
    claims.mark_sent("s-lease", "access#rpps:1#2026-11-29", now)
    assert claims.is_sent("s-lease", "access#rpps:1#2026-11-29")
    later = now + timedelta(hours=1)  # a sent claim is never taken again, lease or not
    assert not claims.claim("s-lease", "access#rpps:1#2026-11-29", later, lease)
    claims.drop("s-lease", "access#rpps:1#2026-11-29")
    assert claims.claim("s-lease", "access#rpps:1#2026-11-29", later, lease)
